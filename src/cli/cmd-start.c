/* cmd-start.c: start some or all of the stack's services. */

#include "cli.h"
#include "stack.h"

static int cmd_start_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "[SERVICE...]",
	.summary = "start the services' stopped containers",
	.help = "With no SERVICE, every service of the stack.\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_start_exec,
};

static int
cmd_start_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	return cli_service_action(&cmd_start_entry, ctx, argc, argv,
				  "start", "started");
}
