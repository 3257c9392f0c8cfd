/* cmd-ssh-config.c: an ssh_config block, for ssh, scp, rsync and editors. */

#include <getopt.h>
#include <stdlib.h>

#include "berth.h"
#include "state.h"
#include "machine.h"

static int cmd_ssh_config_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_ssh_config_entry = {
	.name = "ssh-config",
	.usage = "[--host NAME]",
	.summary = "print an ssh_config block for the VM",
	.help =
	"Append it to ~/.ssh/config, then 'ssh NAME' reaches the VM.\n\n"
	"options:\n"
	"  --host NAME   the Host name (default: the workspace name)\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_ssh_config_exec,
};

static int
cmd_ssh_config_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const char *host = ctx->ws.name;
	struct ws_state st;
	char *key, *known;
	int c;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c != 'H')
			return cmd_bad_option(&cmd_ssh_config_entry, argv, c);
		host = optarg;
	}
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
