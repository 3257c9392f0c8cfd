/* cmd-sync.c: copy the folder into a VM on another libvirt host, once or
 * whenever it changes. */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "machine.h"
#include "remote.h"

static int cmd_sync_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct sync_opts {
	int watch;
};

static const struct cmd_option sync_options[] = {
	OPTION_FLAG("watch", 'w', struct sync_opts, watch,
		    "copy again whenever the folder changes, until ^C"),
	OPTIONS_END,
};

const struct cmd_entry cmd_sync_entry = {
	.name = "sync",
	.usage = "[--watch]",
	.summary = "copy the folder to /workspace in a VM on another host",
	.help =
	"A VM on another libvirt host (vm.uri = \"qemu+ssh://...\") cannot\n"
	"share the folder live, so 'berth up' copies it to /workspace in the\n"
	"VM, and so does this. The copy is one way: /workspace becomes what\n"
	"the folder holds, and what the VM changed there is lost. What the\n"
	"folder's .dockerignore excludes, and .berth/, stay here. With\n"
	"--watch it looks for changes every second and copies again.\n"
	"A local VM shares the folder live: there is nothing to copy.\n",
	.options = sync_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_sync_exec,
};

static int
sync_once(struct machine *w)
{
	double t0 = clock_now();
	long n;

	if (machine_sync(w->ws, &w->st, &n) < 0)
		return -1;
	printf("copied %s to /workspace in the VM: %ld entries in %.1f s\n",
	       w->ws->dir, n, clock_now() - t0);
	fflush(stdout);
	return 0;
}

static int
cmd_sync_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct sync_opts o = { 0 };
	struct machine *w;
	char *seen = NULL, *now;
	int ret;

	if ((ret = cmd_parse(&cmd_sync_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	interrupt_catch();
	if (!vm_uri_remote(ctx->ws.vm.uri)) {
		printf("the VM of '%s' shares %s live: nothing to copy\n",
		       ctx->ws.name, ctx->ws.dir);
		return EXIT_OK;
	}
	/* no lock: a watch must not hold up, halt or destroy */
	if (!(w = cmd_machine(ctx, 0)) || machine_running(w) < 0 ||
	    !(seen = machine_sync_digest(&ctx->ws)) || sync_once(w) < 0)
		goto fail;
	while (o.watch && !berth_interrupted) {
		sleep(1);
		if (!(now = machine_sync_digest(&ctx->ws)))
			goto fail;
		if (strcmp(now, seen) && !berth_interrupted) {
			free(seen);
			seen = now;
			if (machine_running(w) < 0 || sync_once(w) < 0)
				goto fail;
		} else {
			free(now);
		}
	}
	free(seen);
	return EXIT_OK;
fail:
	free(seen);
	return cmd_fail();
}
