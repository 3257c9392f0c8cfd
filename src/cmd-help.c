/* cmd-help.c: the command list, and help for one command. */

#include <getopt.h>
#include <string.h>

#include "berth.h"

static int cmd_help_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND [SUBCOMMAND] | --commands]",
	.summary = "show the commands, or the help of one command",
	.help =
	"options:\n"
	"  --commands   print the command names, one a line, subcommands as\n"
	"               \"box add\" (for scripts)\n",
	.exec = cmd_help_exec,
};

void
help_print_main(FILE *f)
{
	size_t i;

	fputs("usage: berth [-C DIR] [-f FILE] [-H HOST] COMMAND [ARGS]\n\n"
	      "A workbench for one laptop: one VM per workspace, Docker inside "
	      "it, and your\napp stack laid out as containers.\n\n"
	      "commands:\n", f);
	for (i = 0; i < cmd_count; i++)
		fprintf(f, "  %-11s %s\n", cmd_table[i]->name,
			cmd_table[i]->summary);
	fputs("\noptions:\n"
	      "  -f, --file FILE       use FILE as the Berthfile (also "
	      "$BERTH_FILE)\n"
	      "  -C, --directory DIR   run as if berth was started in DIR\n"
	      "  -H, --docker-host URL lay the stack out on this engine, "
	      "with no VM\n"
	      "                        (unix:///var/run/docker.sock; as "
	      "docker.host)\n"
	      "  -h, --help            show this help\n"
	      "  -V, --version         print the version\n\n"
	      "Run 'berth help COMMAND' for the options of a command.\n", f);
}

static int
cmd_help_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "commands", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_entry *e;
	const char *near;
	size_t i;
	int c;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
		if (c != 'c')
			return cmd_bad_option(&cmd_help_entry, argv, c);
		for (i = 0; i < cmd_count; i++) {
			const struct cmd_entry *t = cmd_table[i];
			size_t k;

			printf("%s\n", t->name);
			for (k = 0; k < t->nsubs; k++)
				printf("%s\n", t->subs[k]->name);
		}
		return EXIT_OK;
	}
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
	cmd_print_help(e, stdout);
	return EXIT_OK;
}
