/* cmd-destroy.c: remove the workspace VM and everything berth made for
 * it: domain, overlay, seed and .berth/ state. The box stays. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "machine.h"

static int cmd_destroy_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct destroy_opts {
	int force;
	int all_envs;
};

static const struct cmd_option destroy_options[] = {
	OPTION_FLAG("force", 'f', struct destroy_opts, force, "do not ask"),
	OPTION_FLAG("all-envs", 0, struct destroy_opts, all_envs,
		    "every environment of the workspace, not only one"),
	OPTIONS_END,
};

const struct cmd_entry cmd_destroy_entry = {
	.name = "destroy",
	.usage = "[-f] [--all-envs]",
	.summary = "remove the VM, its disk and its state; the box stays",
	.help =
	"Everything in the VM is lost, named volumes included. Asks first\n"
	"on a terminal.\n",
	.options = destroy_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_destroy_exec,
};

static int
confirm(const char *name, const char *what)
{
	char line[16];

	if (!isatty(0))
		return 1;
	printf("destroy %s '%s' and everything in %s? [y/N] ", what, name,
	       strcmp(what, "workspace") ? "them" : "its VM");
	fflush(stdout);
	return fgets(line, sizeof(line), stdin) &&
	       (line[0] == 'y' || line[0] == 'Y');
}

/* The environments of the folder: those with state in .berth/, and
 * those whose VM names the folder (their state lost). */
/* The environments of the folder: those with state in .berth/, and
 * those whose VM names the folder (their state lost). */
static void
folder_envs(const struct ws *ws, struct strlist *out)
{
	struct vm_conn v = { 0 };
	struct vm_entry *e = NULL;
	size_t n = 0, i;

	state_envs(ws, out);
	if (!ws->docker.host && vm_open(&v, ws->vm.uri) == 0 &&
	    vm_list(&v, &e, &n) == 0)
		for (i = 0; i < n; i++)
			if (e[i].path && !strcmp(e[i].path, ws->dir) &&
			    !strlist_has(out, e[i].env))
				strlist_push(out, e[i].env);
	err_clear();
	vm_entries_free(e, n);
	vm_close(&v);
}

static int
destroy_all(struct cmd_ctx *ctx, int force)
{
	static const char *const one[] = { "destroy", "--force", NULL };
	struct strlist envs = { 0 };
	struct strbuf names = STRBUF_INIT;
	size_t i;
	int ret = EXIT_OK;

	folder_envs(&ctx->ws, &envs);
	for (i = 0; i < envs.n; i++)
		sb_addf(&names, "%s%s", i ? ", " : "", envs.v[i]);
	if (!envs.n) {
		printf("workspace '%s' has no environment\n", ctx->ws.dir);
	} else if (!force && !confirm(names.buf, "the environments")) {
		printf("nothing was destroyed\n");
	} else {
		for (i = 0; i < envs.n; i++)
			if (cmd_berth_in_env(ctx, envs.v[i], envs.v[i], one))
				ret = EXIT_FAIL;
	}
	if (ret != EXIT_OK)
		fprintf(stderr, "berth: some environments were not destroyed: "
			"see above\n");
	sb_release(&names);
	strlist_release(&envs);
	return ret;
}

static int
cmd_destroy_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct destroy_opts o = { 0 };
	struct machine *w;
	int ret;

	if ((ret = cmd_parse(&cmd_destroy_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	if (o.all_envs)
		return destroy_all(ctx, o.force);
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
	if (!o.force && !confirm(ctx->ws.name, "workspace")) {
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
