/* cmd-ssh.c: OpenSSH into the workspace VM, with its key and port. */

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
};

static const struct cmd_option ssh_options[] = {
	OPTION_STRING("command", 'c', struct ssh_opts, command, "CMD",
		      "run CMD instead of a shell"),
	OPTIONS_END,
};

const struct cmd_entry cmd_ssh_entry = {
	.name = "ssh",
	.usage = "[-c COMMAND] [-- SSH-ARGS...]",
	.summary = "open a shell in the VM, or run a command there",
	.help =
	"The exit code of the command is berth's exit code.\n",
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
	struct strlist args = { 0 };
	const char *command;
	char **v;
	int i;

	if ((i = cmd_parse(&cmd_ssh_entry, argc, argv, &o, -1)) >= 0)
		return i;
	command = o.command;
	if (!(w = cmd_machine(ctx, 0)) || machine_running(w) < 0)
		return cmd_fail();
	strlist_push(&args, "ssh");
	if (!command && isatty(0))
		strlist_push(&args, "-t");
	ssh_base_argv(&ctx->ws, &w->st, &args);
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
	return cmd_fail();
}
