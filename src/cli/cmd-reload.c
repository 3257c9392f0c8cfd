/* cmd-reload.c: halt, then up with the definition made anew from the
 * Berthfile, so that changed VM settings take effect. */

#include "cli.h"
#include "machine.h"

static int cmd_reload_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_reload_entry = {
	.name = "reload",
	.usage = "",
	.summary = "halt and bring the VM up again with the Berthfile's settings",
	.needs = NEED_WORKSPACE,
	.exec = cmd_reload_exec,
};

static int
cmd_reload_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct machine w;
	int ret;

	if ((ret = cmd_no_args(&cmd_reload_entry, argc, argv)) >= 0)
		return ret;
	interrupt_catch();
	ret = machine_open(&ctx->ws, &w, 1) < 0 ||
	      machine_halt(&w, MACHINE_HALT_TIMEOUT_S, &cli_report) < 0;
	machine_close(&w);
	if (ret)
		return cmd_fail();
	return cli_up(ctx, MACHINE_UP_TIMEOUT_S, NULL) < 0 ? EXIT_FAIL : EXIT_OK;
}
