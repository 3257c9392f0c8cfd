/* cmd-stop.c: stop some or all of the stack's services. */

#include "cli.h"
#include "stack.h"

static int cmd_stop_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_stop_entry = {
	.name = "stop",
	.usage = "[SERVICE...]",
	.summary = "stop the services' containers, keeping them",
	.help = "With no SERVICE, every service of the stack.\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_stop_exec,
};

static int
cmd_stop_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return cli_service_action(&cmd_stop_entry, ctx, argc, argv,
				  "stop", "stopped");
}
