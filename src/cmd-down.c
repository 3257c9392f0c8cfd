/* cmd-down.c: take the stack down and keep the VM. */

#include <getopt.h>
#include <stdlib.h>

#include "berth.h"
#include "stack.h"
#include "state.h"

static int cmd_down_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_down_entry = {
	.name = "down",
	.usage = "[--volumes]",
	.summary = "remove the stack's containers and networks; keep the VM",
	.help =
	"Named volumes stay, so their data is there on the next 'berth up'.\n\n"
	"options:\n"
	"  -v, --volumes   remove the named volumes too, and their data\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_down_exec,
};

static int
cmd_down_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "volumes", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct engine e;
	int c, volumes = 0, lock = -1, ret;

	while ((c = getopt_long(argc, argv, ":v", opts, NULL)) != -1) {
		if (c != 'v')
			return cmd_bad_option(&cmd_down_entry, argv, c);
		volumes = 1;
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_down_entry, "unexpected argument "
				       "'%s'", argv[optind]);
	if (state_lock(&ctx->ws, &lock) < 0)
		return cmd_fail();
	if (engine_open(&ctx->ws, &e) < 0)
		ret = -1;
	else
		ret = stack_down(&e, &ctx->ws, volumes, &cli_report);
	engine_close(&e);
	state_unlock(lock);
	return ret < 0 ? cmd_failf("cannot take '%s' down", ctx->ws.name)
		       : EXIT_OK;
}
