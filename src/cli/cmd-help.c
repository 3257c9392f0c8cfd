/* cmd-help.c: the command list, and help for one command. */

#include <getopt.h>
#include <string.h>

#include "cli.h"

static int cmd_help_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct help_opts {
	int commands, options;
};

static const struct cmd_option help_options[] = {
	OPTION_FLAG("commands", 0, struct help_opts, commands,
		    "print the command names, one a line, subcommands as\n"
		    "\"box add\" (for scripts)"),
	OPTION_FLAG("options", 0, struct help_opts, options,
		    "print the options of COMMAND, one a line (for the\n"
		    "completion)"),
	OPTIONS_END,
};

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND [SUBCOMMAND] | --commands]",
	.summary = "show the commands, or the help of one command",
	.options = help_options,
	.stop_at_arg = 1,
	.exec = cmd_help_exec,
};

void
help_print_main(FILE *f)
{
	size_t i;

	fputs("usage: berth [-C DIR] [-f FILE] [-e ENV] [-H HOST] [--strict] "
	      "[--profile NAME]\n             COMMAND [ARGS]\n\n"
	      "A workbench for one laptop: one VM per workspace, Docker inside "
	      "it, and your\napp stack laid out as containers.\n\n"
	      "commands:\n", f);
	for (i = 0; i < cmd_count; i++)
		fprintf(f, "  %-11s %s\n", cmd_table[i]->name,
			cmd_table[i]->summary);
	fputs("\noptions:\n"
	      "  -f, --file FILE       use FILE as the Berthfile, or a "
	      "compose file (also\n"
	      "                        $BERTH_FILE); without it, the "
	      "nearest Berthfile, else\n"
	      "                        compose.yaml (and its "
	      "compose.override.yaml)\n"
	      "  -C, --directory DIR   run as if berth was started in DIR\n"
	      "  -e, --env ENV         work on the workspace's environment "
	      "ENV (also\n"
	      "                        $BERTH_ENV; default: \"default\")\n"
	      "  -H, --docker-host URL lay the stack out on this engine, "
	      "with no VM\n"
	      "                        (unix:///var/run/docker.sock; as "
	      "docker.host)\n"
	      "      --strict          refuse what a compose file says that "
	      "berth does not do,\n"
	      "                        instead of a note (also "
	      "BERTH_STRICT=1)\n"
	      "      --profile NAME    start the compose services of "
	      "profile NAME too;\n"
	      "                        repeat it for more (instead of "
	      "$COMPOSE_PROFILES)\n"
	      "  -h, --help            show this help\n"
	      "  -V, --version         print the version\n\n"
	      "Run 'berth help COMMAND' for the options of a command.\n", f);
}

static int
cmd_help_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct help_opts o = { 0 };
	const struct cmd_entry *e;
	const char *near;
	size_t i;
	int r;

	(void)ctx;
	if ((r = cmd_parse(&cmd_help_entry, argc, argv, &o, -1)) >= 0)
		return r;
	if (o.commands) {
		for (i = 0; i < cmd_count; i++) {
			const struct cmd_entry *t = cmd_table[i];
			size_t k;

			printf("%s\n", t->name);
			for (k = 0; k < t->nsubs; k++)
				printf("%s\n", t->subs[k]->name);
		}
		return EXIT_OK;
	}
	if (optind >= argc && o.options)
		return cmd_usage_error(&cmd_help_entry, "--options of which "
				       "command?");
	if (optind >= argc) {
		help_print_main(stdout);
		return EXIT_OK;
	}
	if (argc - optind > 2)
		return cmd_usage_error(&cmd_help_entry, "one command at a time");
	if (!(e = cmd_find(argv[optind]))) {
		fprintf(stderr, "berth: '%s' is not a berth command\n",
			argv[optind]);
		if ((near = cmd_nearest(argv[optind])))
			fprintf(stderr, "did you mean '%s'?\n", near);
		return EXIT_USAGE;
	}
	if (argc - optind == 2) {
		const struct cmd_entry *sub = e->nsubs
			? cmd_find_sub(e, argv[optind + 1]) : NULL;

		if (!sub) {
			fprintf(stderr, "berth: '%s %s' is not a berth "
				"command\n", argv[optind], argv[optind + 1]);
			return EXIT_USAGE;
		}
		e = sub;
	}
	if (o.options)
		cmd_list_options(e, stdout);
	else
		cmd_print_help(e, stdout);
	return EXIT_OK;
}
