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

	if (getopt_long(argc, argv, ":", (struct option[]){ { 0 } }, NULL) != -1)
		return cmd_bad_option(&cmd_reload_entry, argv, '?');
	if (optind < argc)
		return cmd_usage_error(&cmd_reload_entry,
				       "unexpected argument '%s'", argv[optind]);
	interrupt_catch();
	ret = workspace_open(ctx, &w, 1) < 0 || workspace_halt(&w, 90) < 0;
	workspace_close(&w);
	if (ret)
		return cmd_fail();
	optind = 0;
	return cmd_up_entry.exec(ctx, 1, up_argv);
}
