/* cmd-resume.c: continue a suspended or paused VM. */


#include "cli.h"
#include "machine.h"

static int cmd_resume_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_resume_entry = {
	.name = "resume",
	.usage = "",
	.summary = "continue a suspended or paused VM",
	.needs = NEED_WORKSPACE,
	.exec = cmd_resume_exec,
};

static int
cmd_resume_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct machine *w;
	int ret;

	if ((ret = cmd_no_args(&cmd_resume_entry, argc, argv)) >= 0)
		return ret;
	if (!(w = cmd_machine(ctx, 1))) {
		ret = cmd_fail();
		goto out;
	}
	switch (machine_resume(w)) {
	case 1:
		break;
	case 0:
		printf("workspace '%s' is not suspended (%s)\n", ctx->ws.name,
		       machine_state_name(w));
		ret = EXIT_OK;
		goto out;
	default:
		ret = cmd_fail();
		goto out;
	}
	printf("workspace '%s' is running again\n", ctx->ws.name);
	ret = EXIT_OK;
out:
	return ret;
}
