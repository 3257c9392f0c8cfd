/* cmd-restart.c: restart some or all of the stack's services. */

#include "cli.h"
#include "stack.h"

static int cmd_restart_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_restart_entry = {
	.name = "restart",
	.usage = "[SERVICE...]",
	.summary = "restart the services' containers",
	.help = "With no SERVICE, every service of the stack.\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_restart_exec,
};

static int
cmd_restart_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return cli_service_action(&cmd_restart_entry, ctx, argc, argv,
				  "restart", "restarted");
}
