/* cmd-exec.c: run a command in a service's container, as a user would at
 * its shell: stdin attached, a TTY when there is one, its exit code. */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth.h"
#include "stack.h"

static int cmd_exec_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_exec_entry = {
	.name = "exec",
	.usage = "[-T] [--replica N] SERVICE [--] COMMAND [ARG...]",
	.summary = "run a command in a service's container",
	.help =
	"The command's exit code is berth's. With a terminal on stdin the\n"
	"command gets a TTY, so 'berth exec app sh' is a shell.\n\n"
	"options:\n"
	"  -T, --no-tty      no TTY, even on a terminal\n"
	"  -r, --replica N   the Nth container of the service (default 1)\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_exec_exec,
};

static int
cmd_exec_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-tty", no_argument, NULL, 'T' },
		{ "replica", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ws *ws = &ctx->ws;
	const struct service *svc;
	struct engine e = { 0 };
	char *name = NULL, *end;
	int c, tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	int replica = 1, code = 0, ret = EXIT_FAIL;

	/* '+': the command's own options are not berth's */
	while ((c = getopt_long(argc, argv, "+:Tr:", opts, NULL)) != -1) {
		if (c == 'T') {
			tty = 0;
		} else if (c == 'r') {
			replica = (int)strtol(optarg, &end, 10);
			if (*end || replica < 1)
				return cmd_usage_error(&cmd_exec_entry, "--replica "
						       "takes a number from 1");
		} else {
			return cmd_bad_option(&cmd_exec_entry, argv, c);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_exec_entry, "which service?");
	if (stack_check_services(ws, 1, argv + optind) < 0)
		return cmd_fail();
	svc = ws_find_service(ws, argv[optind++]);
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc)
		return cmd_usage_error(&cmd_exec_entry, "what command? such as "
				       "'berth exec %s sh'", svc->name);
	if (replica > svc->replicas)
		return cmd_usage_error(&cmd_exec_entry, "'%s' has %d replica%s",
				       svc->name, svc->replicas,
				       svc->replicas == 1 ? "" : "s");
	name = stack_container_name(ws, svc, replica);
	if (engine_open(ws, &e) < 0 ||
	    docker_exec_interactive(&e.d, name, (const char *const *)argv + optind,
				    tty, &code) < 0) {
		if (strstr(err_msg(), "is not running") ||
		    strstr(err_msg(), "No such container"))
			err_hint("'berth ps' shows it; 'berth up' starts it");
		ret = cmd_failf("cannot run the command in '%s'", name);
	} else {
		ret = code;
	}
	engine_close(&e);
	free(name);
	return ret;
}
