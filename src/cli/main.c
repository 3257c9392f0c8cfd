/* main.c: global options, command lookup, and the setup a command needs. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int
wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

static int run(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc,
	       char **argv);

static int
run(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct diags d = { 0 };
	char *path = NULL;
	const struct cmd_entry *sub;
	const char *near;
	int ret = EXIT_FAIL;

	if (e->nsubs) {
		if (argc < 2 || argv[1][0] == '-') {
			int help = argc >= 2 && wants_help(2, argv);

			cmd_print_help(e, help ? stdout : stderr);
			return help ? EXIT_OK : EXIT_USAGE;
		}
		if (!(sub = cmd_find_sub(e, argv[1]))) {
			fprintf(stderr, "berth: '%s' is not a '%s' command\n",
				argv[1], e->name);
			if ((near = cmd_nearest_sub(e, argv[1])))
				fprintf(stderr, "did you mean '%s %s'?\n",
					e->name, near);
			else
				fprintf(stderr, "run 'berth %s --help' for its "
					"commands\n", e->name);
			return EXIT_USAGE;
		}
		return run(sub, ctx, argc - 1, argv + 1);
	}
	if (wants_help(argc, argv)) {
		cmd_print_help(e, stdout);
		return EXIT_OK;
	}
	if (e->needs & NEED_WORKSPACE) {
		if (cmd_load_workspace(ctx, &path, &d) < 0) {
			diags_sort(&d);
			diags_print(&d, stderr);
			cmd_fail();
			goto out;
		}
		if (e->needs & NEED_NOTES)
			cmd_print_notes(ctx);
	}
	optind = 0;	/* glibc: restart getopt from scratch for the command */
	ret = e->exec(ctx, argc, argv);
out:
	diags_release(&d);
	free(path);
	return ret;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "file", required_argument, NULL, 'f' },
		{ "directory", required_argument, NULL, 'C' },
		{ "docker-host", required_argument, NULL, 'H' },
		{ "strict", no_argument, NULL, 'S' },
		{ "profile", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_ctx ctx = { 0 };
	const struct cmd_entry *e;
	const char *near;
	static struct strbuf profiles = STRBUF_INIT;	/* reachable: no leak */
	int c, ret;

	report_set_notes(&cli_report);	/* the library's notes, on stderr */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hVf:C:H:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help_print_main(stdout);
			return EXIT_OK;
		case 'V':
			printf("berth %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		case 'f':
			ctx.berthfile_opt = optarg;
			break;
		case 'S':
			/* read where the file is, in the library */
			setenv("BERTH_STRICT", "1", 1);
			break;
		case 'P':
			/* as compose: the flags, when given, instead of
			 * COMPOSE_PROFILES, which is where the library reads */
			if (!*optarg || strchr(optarg, ',')) {
				fprintf(stderr, "berth: --profile takes one "
					"profile name, not '%s' (repeat it for "
					"more)\n", optarg);
				return EXIT_USAGE;
			}
			sb_addf(&profiles, "%s%s", profiles.len ? "," : "",
				optarg);
			setenv("COMPOSE_PROFILES", profiles.buf, 1);
			break;
		case 'H':
			if (strncmp(optarg, "unix://", 7) &&
			    strncmp(optarg, "tcp://", 6)) {
				fprintf(stderr, "berth: --docker-host takes "
					"unix:///PATH or tcp://HOST:PORT, not "
					"'%s'\n", optarg);
				return EXIT_USAGE;
			}
			ctx.docker_host_opt = optarg;
			break;
		case 'C':
			if (chdir(optarg) < 0) {
				fprintf(stderr, "berth: cannot change to '%s': "
					"%s\n", optarg, strerror(errno));
				return EXIT_FAIL;
			}
			break;
		case ':':
			fprintf(stderr, "berth: option '%s' needs a value\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "berth: unknown option '%s'\n",
				argv[optind - 1]);
			fputs("run 'berth --help' for the options\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		help_print_main(stderr);
		return EXIT_USAGE;
	}
	if (!(e = cmd_find(argv[optind]))) {
		fprintf(stderr, "berth: '%s' is not a berth command\n",
			argv[optind]);
		if ((near = cmd_nearest(argv[optind])))
			fprintf(stderr, "did you mean '%s'?\n", near);
		else
			fputs("run 'berth --help' for the commands\n", stderr);
		return EXIT_USAGE;
	}
	ret = run(e, &ctx, argc - optind, argv + optind);
	cmd_close(&ctx);
	if (ctx.have_ws)
		ws_release(&ctx.ws);
	if (fflush(stdout) == EOF && ret == EXIT_OK) {
		fprintf(stderr, "berth: cannot write output: %s\n",
			strerror(errno));
		ret = EXIT_FAIL;
	}
	return ret;
}
