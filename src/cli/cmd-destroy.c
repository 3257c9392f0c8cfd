/* cmd-destroy.c: remove the workspace VM and everything berth made for
 * it: domain, overlay, seed and .berth/ state. The box stays. */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "machine.h"

static int cmd_destroy_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct destroy_opts {
	int force;
};

static const struct cmd_option destroy_options[] = {
	OPTION_FLAG("force", 'f', struct destroy_opts, force, "do not ask"),
	OPTIONS_END,
};

const struct cmd_entry cmd_destroy_entry = {
	.name = "destroy",
	.usage = "[-f]",
	.summary = "remove the VM, its disk and its state; the box stays",
	.help =
	"Everything in the VM is lost, named volumes included. Asks first\n"
	"on a terminal.\n",
	.options = destroy_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_destroy_exec,
};

static int
confirm(const char *name)
{
	char line[16];

	if (!isatty(0))
		return 1;
	printf("destroy workspace '%s' and everything in its VM? [y/N] ",
	       name);
	fflush(stdout);
	return fgets(line, sizeof(line), stdin) &&
	       (line[0] == 'y' || line[0] == 'Y');
}

static int
cmd_destroy_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct destroy_opts o = { 0 };
	struct machine *w;
	int ret;

	if ((ret = cmd_parse(&cmd_destroy_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	if (ctx->ws.docker.host) {
		/* no VM: only berth's state; the stack is 'down's */
		if (state_remove(&ctx->ws) < 0)
			return cmd_failf("cannot remove the state of '%s'",
					 ctx->ws.name);
		printf("removed the state of workspace '%s' (its containers "
		       "are 'berth down --volumes''s)\n", ctx->ws.name);
		return EXIT_OK;
	}
	if (!(w = cmd_machine(ctx, 1))) {
		ret = cmd_fail();
		goto out;
	}
	if (!w->dom && !w->st.exists) {
		printf("workspace '%s' has no VM\n", ctx->ws.name);
		ret = EXIT_OK;
		goto out;
	}
	if (!o.force && !confirm(ctx->ws.name)) {
		printf("nothing was destroyed\n");
		ret = EXIT_OK;
		goto out;
	}
	if (machine_destroy(w) < 0) {
		ret = cmd_failf("cannot destroy '%s'", ctx->ws.name);
		goto out;
	}
	printf("destroyed workspace '%s'\n", ctx->ws.name);
	ret = EXIT_OK;
out:
	return ret;
}
