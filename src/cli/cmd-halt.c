/* cmd-halt.c: shut the workspace VM down, gently first. */

#include <stdlib.h>

#include "cli.h"
#include "machine.h"

static int cmd_halt_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct halt_opts {
	int timeout_s, force;
};

static const struct cmd_option halt_options[] = {
	OPTION_INT("timeout", 't', struct halt_opts, timeout_s, "S",
		   "wait S seconds before stopping hard", MACHINE_HALT_TIMEOUT_S,
		   0, "takes a number of seconds"),
	OPTION_FLAG("force", 'f', struct halt_opts, force,
		    "stop it hard at once"),
	OPTIONS_END,
};

const struct cmd_entry cmd_halt_entry = {
	.name = "halt",
	.usage = "[--timeout SECONDS] [-f]",
	.summary = "shut the VM down; the disk and the stack's data stay",
	.help =
	"Asks the guest to shut down (guest agent, else ACPI) and stops it\n"
	"hard after the timeout. 'berth up' starts it again.\n",
	.options = halt_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_halt_exec,
};

static int
cmd_halt_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct halt_opts o = { 0 };
	struct machine *w;
	int ret;

	if ((ret = cmd_parse(&cmd_halt_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	interrupt_catch();
	if (!(w = cmd_machine(ctx, 1))) {
		ret = cmd_fail();
		goto out;
	}
	if (!w->dom) {
		printf("workspace '%s' has no VM\n", ctx->ws.name);
		ret = EXIT_OK;
		goto out;
	}
	if (machine_halt(w, o.force ? 0 : o.timeout_s, &cli_report) < 0) {
		ret = cmd_fail();
		goto out;
	}
	printf("workspace '%s' is halted\n", ctx->ws.name);
	ret = EXIT_OK;
out:
	return ret;
}
