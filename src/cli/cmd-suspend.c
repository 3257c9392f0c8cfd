/* cmd-suspend.c: freeze the VM: its memory to disk, or paused in place. */

#include <stdlib.h>

#include "cli.h"
#include "machine.h"

static int cmd_suspend_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_suspend_entry = {
	.name = "suspend",
	.usage = "",
	.summary = "suspend the VM: save its memory to disk, or pause it",
	.help =
	"Saves the VM's memory to disk and stops it (libvirt's managed save),\n"
	"which frees the host's memory. Where that is impossible (a shared\n"
	"folder over virtiofs holds host state), the VM is paused in place.\n"
	"'berth resume' or 'berth up' continues where it was.\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_suspend_exec,
};

static int
cmd_suspend_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct machine *w;
	char *why = NULL;
	int ret;

	if ((ret = cmd_no_args(&cmd_suspend_entry, argc, argv)) >= 0)
		return ret;
	if (!(w = cmd_machine(ctx, 1))) {
		ret = cmd_fail();
		goto out;
	}
	switch (machine_suspend(w, &why)) {
	case 0:
		printf("workspace '%s' is suspended to disk\n", ctx->ws.name);
		break;
	case 1:
		printf("workspace '%s' is paused in memory (saving it to disk "
		       "is not possible: %s)\n", ctx->ws.name, why);
		break;
	default:
		ret = cmd_fail();
		goto out;
	}
	ret = EXIT_OK;
out:
	free(why);
	return ret;
}
