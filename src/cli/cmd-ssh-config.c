/* cmd-ssh-config.c: an ssh_config block, for ssh, scp, rsync and editors. */

#include <stdlib.h>

#include "cli.h"
#include "machine.h"

static int cmd_ssh_config_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct ssh_config_opts {
	const char *host;
};

static const struct cmd_option ssh_config_options[] = {
	OPTION_STRING("host", 0, struct ssh_config_opts, host, "NAME",
		      "the Host name (default: the workspace name)"),
	OPTIONS_END,
};

const struct cmd_entry cmd_ssh_config_entry = {
	.name = "ssh-config",
	.usage = "[--host NAME]",
	.summary = "print an ssh_config block for the VM",
	.help =
	"Append it to ~/.ssh/config, then 'ssh NAME' reaches the VM.\n",
	.options = ssh_config_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_ssh_config_exec,
};

static int
cmd_ssh_config_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct ssh_config_opts o = { .host = ctx->ws.name };
	const char *host;
	struct ws_state st;
	char *key, *known;
	int r;

	if ((r = cmd_parse(&cmd_ssh_config_entry, argc, argv, &o, -1)) >= 0)
		return r;
	host = o.host;
	if (state_load(&ctx->ws, &st) < 0)
		return cmd_fail();
	if (!st.exists || !st.ssh_port) {
		state_release(&st);
		err_set("workspace '%s' has no VM yet", ctx->ws.name);
		err_hint("run 'berth up' first");
		return cmd_fail();
	}
	key = state_path(&ctx->ws, "id_ed25519");
	known = state_path(&ctx->ws, "known_hosts");
	printf("Host %s\n"
	       "  HostName %s\n"
	       "  Port %d\n"
	       "  User berth\n"
	       "  IdentityFile %s\n"
	       "  IdentitiesOnly yes\n"
	       "  StrictHostKeyChecking accept-new\n"
	       "  UserKnownHostsFile %s\n"
	       "  LogLevel ERROR\n", host,
	       st.ssh_host ? st.ssh_host : "127.0.0.1", st.ssh_port, key,
	       known);
	free(key);
	free(known);
	state_release(&st);
	return EXIT_OK;
}
