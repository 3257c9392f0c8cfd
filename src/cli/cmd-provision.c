/* cmd-provision.c: run Docker's provisioning again on a running VM: the
 * TLS files, dockerd's options, Docker itself when missing, a restart. */

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "machine.h"

static int cmd_provision_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_provision_entry = {
	.name = "provision",
	.usage = "",
	.summary = "run Docker's provisioning again on the running VM",
	.help =
	"Writes the Docker API's certificates and dockerd's options into the\n"
	"VM again, installs Debian's docker.io when Docker is missing (unless\n"
	"docker.install is \"never\"), restarts dockerd, and waits for it.\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_provision_exec,
};

/* A file written as root, mode 0600, from a here-document. */
static int
provision_script(const struct ws *ws, struct strbuf *sh)
{
	sb_addstr(sh, "set -e\n");
	if (machine_docker_tls_script(ws, sh) < 0)
		return -1;
	sb_addstr(sh, "if ! command -v dockerd >/dev/null; then\n");
	if (ws->docker.install == DOCKER_INSTALL_AUTO)
		sb_addstr(sh, "  export DEBIAN_FRONTEND=noninteractive\n"
			  "  apt-get update -q\n"
			  "  apt-get install -y -q docker.io apparmor\n");
	else
		sb_addstr(sh, "  echo 'no Docker, and docker.install is never' "
			  ">&2\n  exit 3\n");
	sb_addstr(sh, "fi\nusermod -aG docker berth\n"
		  "systemctl restart docker\n");
	return 0;
}

static int
cmd_provision_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct machine *w;
	struct strbuf sh = STRBUF_INIT;
	int r, ret;

	if ((ret = cmd_no_args(&cmd_provision_entry, argc, argv)) >= 0)
		return ret;
	interrupt_catch();
	if (!(w = cmd_machine(ctx, 1))) {
		ret = cmd_fail();
		goto out;
	}
	if (machine_running(w) < 0) {
		ret = cmd_fail();
		goto out;
	}
	if (provision_script(&ctx->ws, &sh) < 0) {
		ret = cmd_failf("cannot read the workspace's certificates");
		goto out;
	}
	printf("==> provisioning Docker\n");
	fflush(stdout);
	if ((r = ssh_run_script(&ctx->ws, &w->st, sh.buf)) != 0) {
		if (r == 3) {
			err_set("the VM has no Docker, and docker.install is "
				"\"never\"");
			err_hint("set docker.install = \"auto\" in %s",
				 ctx->ws.file);
		} else {
			err_set("provisioning failed in the VM (exit %d)", r);
		}
		ret = cmd_fail();
		goto out;
	}
	if (machine_docker_wait(&ctx->ws, &w->st, 120) < 0) {
		ret = cmd_fail();
		goto out;
	}
	printf("Docker in '%s' answers over mutual TLS\n", ctx->ws.name);
	ret = EXIT_OK;
out:
	sb_release(&sh);
	return ret;
}
