/* cmd-destroy.c: remove the workspace VM and everything berth made for
 * it: domain, overlay, seed and .berth/ state. The box stays. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box.h"
#include "workspace.h"

static int cmd_destroy_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_destroy_entry = {
	.name = "destroy",
	.usage = "[-f]",
	.summary = "remove the VM, its disk and its state; the box stays",
	.help =
	"Everything in the VM is lost, named volumes included. Asks first\n"
	"on a terminal.\n\n"
	"options:\n"
	"  -f, --force   do not ask\n",
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
destroy(struct workspace *w)
{
	char *overlay = xasprintf("%s.qcow2", w->st.domain);
	char *seed = xasprintf("%s-seed.iso", w->st.domain);
	char *dir = state_dir(w->ws);
	int ret = -1;

	if (w->dom) {
		int state;

		vm_domain_state(w->dom, &state);
		if (state != VIR_DOMAIN_SHUTOFF && virDomainDestroy(w->dom) < 0) {
			err_set("cannot stop '%s': %s", w->st.domain,
				vm_last_error());
			goto out;
		}
		if (virDomainUndefineFlags(w->dom,
				VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
				VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
				VIR_DOMAIN_UNDEFINE_NVRAM) < 0) {
			err_set("cannot remove '%s': %s", w->st.domain,
				vm_last_error());
			goto out;
		}
	}
	if (vm_pool(&w->v) < 0 || vm_volume_delete(&w->v, overlay) < 0 ||
	    vm_volume_delete(&w->v, seed) < 0)
		goto out;
	if (w->st.box_name) {
		struct box_store store = { 0 };
		struct box b;

		if (box_store_open(&store) == 0 &&
		    box_store_find(&store, w->st.box_name, w->st.box_version,
				   &b) == 0)
			box_store_unuse(&store, &b, w->st.id);
		box_release(&b);
		box_store_release(&store);
	}
	/* the lock file goes too; our open descriptor keeps the lock */
	if (rm_rf(dir) < 0)
		goto out;
	ret = 0;
out:
	free(overlay);
	free(seed);
	free(dir);
	return ret;
}

static int
cmd_destroy_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct workspace w;
	int c, force = 0, ret = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, ":f", opts, NULL)) != -1) {
		if (c != 'f')
			return cmd_bad_option(&cmd_destroy_entry, argv, c);
		force = 1;
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_destroy_entry,
				       "unexpected argument '%s'", argv[optind]);
	if (workspace_open(ctx, &w, 1) < 0) {
		ret = cmd_fail();
		goto out;
	}
	if (!w.dom && !w.st.exists) {
		printf("workspace '%s' has no VM\n", ctx->ws.name);
		ret = EXIT_OK;
		goto out;
	}
	if (!force && !confirm(ctx->ws.name)) {
		printf("nothing was destroyed\n");
		ret = EXIT_OK;
		goto out;
	}
	if (destroy(&w) < 0) {
		ret = cmd_failf("cannot destroy '%s'", ctx->ws.name);
		goto out;
	}
	printf("destroyed workspace '%s'\n", ctx->ws.name);
	ret = EXIT_OK;
out:
	workspace_close(&w);
	return ret;
}
