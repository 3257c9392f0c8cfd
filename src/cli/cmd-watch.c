/* cmd-watch.c: 'berth watch': bring the workspace up, then follow the
 * compose file's develop.watch rules until Ctrl-C. */

#include <stdio.h>

#include "cli.h"
#include "machine.h"
#include "stack.h"

static int cmd_watch_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct watch_opts {
	int no_up;
};

static const struct cmd_option watch_options[] = {
	OPTION_FLAG("no-up", 0, struct watch_opts, no_up,
		    "follow the rules without bringing the workspace up first"),
	OPTIONS_END,
};

const struct cmd_entry cmd_watch_entry = {
	.name = "watch",
	.usage = "[--no-up]",
	.summary = "follow develop.watch: sync, restart or rebuild on a save",
	.help =
	"Brings the workspace up as 'up' does, then follows the folders of\n"
	"every develop.watch rule of the compose file with inotify. Once a\n"
	"burst of changes settles: 'sync' copies the changed files into the\n"
	"service's running containers (and removes deleted ones), unless the\n"
	"target is bound from the workspace already; 'sync+restart' restarts\n"
	"them after; 'rebuild' lays the stack out again, which rebuilds the\n"
	"image and recreates only its service. One line says each, with its\n"
	"time. A failure is told, and watching goes on; Ctrl-C stops.\n",
	.options = watch_options,
	.needs = NEED_WORKSPACE | NEED_NOTES,
	.exec = cmd_watch_exec,
};

/* Watch, after an up unless told not to ('berth up --watch' too). */
int
cli_watch(struct cmd_ctx *ctx, int up, int timeout_s)
{
	struct stack_opts so = { .timeout_s = timeout_s, .rep = &cli_report };
	struct engine *e;

	/* a project with no rules is refused before anything starts */
	if (stack_watch_check(&ctx->ws) < 0)
		return cmd_failf("cannot watch '%s'", ctx->ws.name);
	interrupt_catch();
	if (up && cli_up(ctx, timeout_s, NULL) < 0)
		return EXIT_FAIL;
	if (!(e = cmd_engine(ctx)) || stack_watch(e, &ctx->ws, &so) < 0)
		return cmd_failf("cannot watch '%s'", ctx->ws.name);
	return EXIT_OK;
}

static int
cmd_watch_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct watch_opts o = { 0 };
	int ret;

	if ((ret = cmd_parse(&cmd_watch_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	return cli_watch(ctx, !o.no_up, MACHINE_UP_TIMEOUT_S);
}
