/* cmd-down.c: take the stack down and keep the VM. */

#include <stdlib.h>

#include "cli.h"
#include "stack.h"
#include "machine.h"

static int cmd_down_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct down_opts {
	int volumes;
};

static const struct cmd_option down_options[] = {
	OPTION_FLAG("volumes", 'v', struct down_opts, volumes,
		    "remove the named volumes too, and their data"),
	OPTIONS_END,
};

const struct cmd_entry cmd_down_entry = {
	.name = "down",
	.usage = "[--volumes]",
	.summary = "remove the stack's containers and networks; keep the VM",
	.help =
	"Named volumes stay, so their data is there on the next 'berth up'.\n",
	.options = down_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_down_exec,
};

static int
cmd_down_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct down_opts o = { 0 };
	struct engine *e;
	int lock = -1, ret;

	if ((ret = cmd_parse(&cmd_down_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	if (state_lock(&ctx->ws, &lock) < 0)
		return cmd_fail();
	ret = (e = cmd_engine(ctx))
	      ? stack_down(e, &ctx->ws, o.volumes, &cli_report) : -1;
	state_unlock(lock);
	return ret < 0 ? cmd_failf("cannot take '%s' down", ctx->ws.name)
		       : EXIT_OK;
}
