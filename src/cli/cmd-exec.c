/* cmd-exec.c: run a command in a service's container, as a user would at
 * its shell: stdin attached, a TTY when there is one, its exit code. */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "stack.h"

static int cmd_exec_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct exec_opts {
	int no_tty, replica;
};

static const struct cmd_option exec_options[] = {
	OPTION_FLAG("no-tty", 'T', struct exec_opts, no_tty,
		    "no TTY, even on a terminal"),
	OPTION_INT("replica", 'r', struct exec_opts, replica, "N",
		   "the Nth container of the service", 1, 1,
		   "takes a number from 1"),
	OPTIONS_END,
};

const struct cmd_entry cmd_exec_entry = {
	.name = "exec",
	.usage = "[-T] [--replica N] SERVICE [--] COMMAND [ARG...]",
	.summary = "run a command in a service's container",
	.help =
	"The command's exit code is berth's. With a terminal on stdin the\n"
	"command gets a TTY, so 'berth exec app sh' is a shell.\n",
	.options = exec_options,
	.stop_at_arg = 1,	/* the command's own options are not berth's */
	.needs = NEED_WORKSPACE,
	.exec = cmd_exec_exec,
};

static int
cmd_exec_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct ws *ws = &ctx->ws;
	struct exec_opts o = { 0 };
	const struct service *svc;
	struct engine *e = NULL, node;
	char *name = NULL;
	int tty, code = 0, on_node = 0, ret;

	if ((ret = cmd_parse(&cmd_exec_entry, argc, argv, &o, -1)) >= 0)
		return ret;
	ret = EXIT_FAIL;
	tty = !o.no_tty && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
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
	if (o.replica > svc->replicas)
		return cmd_usage_error(&cmd_exec_entry, "'%s' has %d replica%s",
				       svc->name, svc->replicas,
				       svc->replicas == 1 ? "" : "s");
	if (!(e = cmd_engine(ctx)))
		return cmd_failf("cannot run the command in '%s'", svc->name);
	/* a cluster's task may run on another VM, reached by its engine */
	if (ws->cluster.nodes > 1 &&
	    (on_node = stack_cluster_task(e, ws, svc, o.replica, &node,
					  &name)) < 0)
		return cmd_failf("cannot run the command in '%s'", svc->name);
	if (ws->cluster.nodes <= 1 &&
	    !(name = stack_replica_container(e, ws, svc, o.replica)))
		return cmd_failf("cannot run the command in '%s'", svc->name);
	if (docker_exec_interactive(on_node ? &node.d : &e->d, name,
				    (const char *const *)argv + optind, tty,
				    &code) < 0) {
		/* 409: not running; 404: no such container */
		if (err_code() == ERR_CONFLICT || err_code() == ERR_NOT_FOUND)
			err_hint("'berth ps' shows it; 'berth up' starts it");
		ret = cmd_failf("cannot run the command in '%s'", name);
	} else {
		ret = code;
	}
	free(name);
	if (on_node)
		engine_close(&node);
	return ret;
}
