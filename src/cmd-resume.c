/* cmd-resume.c: continue a suspended or paused VM. */

#include <getopt.h>

#include "workspace.h"

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
	struct workspace w;
	int state, ret;

	if ((ret = cmd_no_args(&cmd_resume_entry, argc, argv)) >= 0)
		return ret;
	if (workspace_open(ctx, &w, 1) < 0) {
		ret = cmd_fail();
		goto out;
	}
	if (!w.dom) {
		err_set("workspace '%s' has no VM", ctx->ws.name);
		err_hint("create it with 'berth up'");
		ret = cmd_fail();
		goto out;
	}
	vm_domain_state(w.dom, &state);
	if (state == VIR_DOMAIN_PAUSED) {
		if (virDomainResume(w.dom) < 0) {
			err_set("cannot resume '%s': %s", w.st.domain,
				vm_last_error());
			ret = cmd_fail();
			goto out;
		}
	} else if (state == VIR_DOMAIN_SHUTOFF &&
		   virDomainHasManagedSaveImage(w.dom, 0) > 0) {
		if (virDomainCreate(w.dom) < 0) {	/* restores the save */
			err_set("cannot restore '%s': %s", w.st.domain,
				vm_last_error());
			ret = cmd_fail();
			goto out;
		}
	} else {
		printf("workspace '%s' is not suspended (%s)\n", ctx->ws.name,
		       vm_domain_state(w.dom, NULL));
		ret = EXIT_OK;
		goto out;
	}
	printf("workspace '%s' is running again\n", ctx->ws.name);
	ret = EXIT_OK;
out:
	workspace_close(&w);
	return ret;
}
