/* main.c: global options, command lookup, and the setup a command needs. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "remote.h"

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

/* -e NAME picks the environment, as BERTH_ENV, where the library reads it;
 * 0, or the usage error's code. */
static int
select_env(const char *name)
{
	if (!ws_env_valid(name)) {
		fprintf(stderr, "berth: '%s' is not a valid environment name: "
			"use at most 20 lower-case letters, digits, '-' and "
			"'_'\n", name);
		return EXIT_USAGE;
	}
	setenv("BERTH_ENV", name, 1);
	return 0;
}

/* whether the command's option arg takes the next word as its value */
static int
takes_value(const struct cmd_entry *e, const char *arg)
{
	const struct cmd_option *o;

	for (o = e->options; o && o->name; o++) {
		if (o->type == OPT_FLAG)
			continue;
		if (arg[1] == '-' ? !strcmp(arg + 2, o->name)
				  : o->key && arg[1] == o->key && !arg[2])
			return 1;
	}
	return 0;
}

/*
 * A workspace command's own -e NAME / --env NAME (berth up -e qa), taken
 * out of its words before they are parsed, since the workspace is loaded
 * first. Its options end at "--", and at the first argument of one whose
 * arguments are another program's (exec).
 */
static int
take_env_option(const struct cmd_entry *e, int *argc, char **argv)
{
	int i, take, r;
	const char *name;

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--") || (a[0] != '-' && e->stop_at_arg))
			break;
		if (a[0] != '-' || !a[1])
			continue;
		take = 0;
		name = NULL;
		if (!strcmp(a, "-e") || !strcmp(a, "--env")) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "berth: option '%s' needs a "
					"value\n", a);
				return EXIT_USAGE;
			}
			name = argv[i + 1];
			take = 2;
		} else if (!strncmp(a, "--env=", 6)) {
			name = a + 6;
			take = 1;
		} else if (!strncmp(a, "-e", 2)) {
			name = a + 2;
			take = 1;
		} else if (takes_value(e, a)) {
			i++;	/* its value, whatever it reads */
		}
		if (!take)
			continue;
		if ((r = select_env(name)))
			return r;
		memmove(&argv[i], &argv[i + take],
			(size_t)(*argc - i - take + 1) * sizeof(*argv));
		*argc -= take;
		i--;
	}
	return 0;
}

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
	if (e->needs & (NEED_WORKSPACE | NEED_ENV_OPTION) &&
	    (ret = take_env_option(e, &argc, argv)))
		return ret;
	ret = EXIT_FAIL;
	if (e->needs & NEED_WORKSPACE) {
		if (cmd_load_workspace(ctx, &path, &d) < 0) {
			diags_sort(&d);
			diags_print(&d, stderr);
			cmd_fail();
			goto out;
		}
		if (e->needs & NEED_NOTES)
			cmd_print_notes(ctx);
		cmd_reap_runs(ctx);
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
		{ "env", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_ctx ctx = { 0 };
	const struct cmd_entry *e;
	const char *near;
	static struct strbuf profiles = STRBUF_INIT;	/* reachable: no leak */
	int c, ret;

	/* the keeper of a workspace on another libvirt host, which berth
	 * starts itself (src/machine/tunnel.c): no command of the user's */
	if (argc > 1 && !strcmp(argv[1], "_tunnel"))
		return tunnel_main(argc - 1, argv + 1);
	report_set_notes(&cli_report);	/* the library's notes, on stderr */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hVf:C:H:e:", opts, NULL)) != -1) {
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
		case 'e':
			if ((ret = select_env(optarg)))
				return ret;
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
