/* cmd-ssh.c: OpenSSH into the workspace VM, or a VM of its cluster, with
 * its key and port. */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "machine.h"

static int cmd_ssh_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct ssh_opts {
	const char *command;
	int node;
};

static const struct cmd_option ssh_options[] = {
	OPTION_STRING("command", 'c', struct ssh_opts, command, "CMD",
		      "run CMD instead of a shell"),
	OPTION_INT("node", 0, struct ssh_opts, node, "K",
		   "the cluster's Kth VM (1 is the workspace VM)", 1, 1,
		   "takes a number from 1"),
	OPTIONS_END,
};

const struct cmd_entry cmd_ssh_entry = {
	.name = "ssh",
	.usage = "[-c COMMAND] [--node K] [-- SSH-ARGS...]",
	.summary = "open a shell in the VM, or run a command there",
	.help =
	"The exit code of the command is berth's exit code. In a cluster,\n"
	"--node K reaches its Kth VM ('berth status' lists them).\n",
	.options = ssh_options,
	.stop_at_arg = 1,	/* what follows is ssh's */
	.needs = NEED_WORKSPACE,
	.exec = cmd_ssh_exec,
};

static int
cmd_ssh_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct ssh_opts o = { 0 };
	struct machine *w;
	struct ws node;
	const struct ws *target = &ctx->ws;
	struct strlist args = { 0 };
	const char *command;
	char **v;
	int i;

	if ((i = cmd_parse(&cmd_ssh_entry, argc, argv, &o, -1)) >= 0)
		return i;
	if (o.node > ctx->ws.cluster.nodes) {
		if (ctx->ws.cluster.nodes > 1)
			return cmd_usage_error(&cmd_ssh_entry,
					       "the cluster has %d VMs",
					       ctx->ws.cluster.nodes);
		return cmd_usage_error(&cmd_ssh_entry, "--node is for the VMs "
				       "of a cluster; this workspace has one");
	}
	command = o.command;
	if (o.node > 1) {	/* a node is a workspace of its own */
		ws_node(&ctx->ws, o.node, &node);
		target = &node;
		ctx->machine = w = xcalloc(1, sizeof(*w));	/* cmd_close's */
		if (machine_open(&node, w, 0) < 0)
			w = NULL;
	} else {
		w = cmd_machine(ctx, 0);
	}
	if (!w || machine_running(w) < 0)
		goto fail;
	strlist_push(&args, "ssh");
	if (!command && isatty(0))
		strlist_push(&args, "-t");
	ssh_base_argv(target, &w->st, &args);
	for (i = optind; i < argc; i++)
		strlist_push(&args, argv[i]);
	if (command)
		strlist_push(&args, command);
	cmd_close(ctx);	/* ssh takes this process over */
	v = xcalloc(args.n + 1, sizeof(char *));
	memcpy(v, args.v, args.n * sizeof(char *));
	fflush(stdout);
	/* become ssh: its exit code is ours, and signals reach it directly */
	execvp("ssh", v);
	err_set("cannot run ssh: %s", strerror(errno));
	err_hint("install OpenSSH's client: apt-get install openssh-client");
	free(v);
	strlist_release(&args);
fail:
	if (target != &ctx->ws)
		ws_node_release(&node);
	return cmd_fail();
}
