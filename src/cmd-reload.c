/* cmd-reload.c: halt, then up with the definition made anew from the
 * Berthfile, so that changed VM settings take effect. */

#include <getopt.h>

#include "workspace.h"

extern const struct cmd_entry cmd_up_entry;

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
	char *up_argv[] = { "up", NULL };
	struct workspace w;
	int ret;

	if ((ret = cmd_no_args(&cmd_reload_entry, argc, argv)) >= 0)
		return ret;
	interrupt_catch();
	ret = workspace_open(ctx, &w, 1) < 0 || workspace_halt(&w, 90) < 0;
	workspace_close(&w);
	if (ret)
		return cmd_fail();
	optind = 0;
	return cmd_up_entry.exec(ctx, 1, up_argv);
}
