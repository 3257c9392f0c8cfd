/* ssh.c: the per-workspace key (ssh-keygen), and OpenSSH runs against the
 * VM's forwarded port with that key and a per-workspace known_hosts. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "ssh.h"
#include "util.h"

int
ssh_keygen(const struct ws *ws)
{
	char *key = state_path(ws, "id_ed25519");
	char *comment = xasprintf("berth-%s", ws->name);
	const char *args[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "",
			       "-C", comment, "-f", key };
	struct strlist argv = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(args); i++)
		strlist_push(&argv, args[i]);
	if (!path_exists(key)) {
		if (proc_run(&argv, NULL, 1) != 0)
			ret = err_set("cannot make the workspace's SSH key with "
				      "ssh-keygen");
		if (ret < 0)
			err_hint("install OpenSSH's client: apt-get install "
				 "openssh-client");
	}
	if (ret == 0 && chmod(key, 0600) < 0)
		ret = err_set("cannot protect '%s': %s", key, strerror(errno));
	strlist_release(&argv);
	free(key);
	free(comment);
	return ret;
}

char *
ssh_pubkey(const struct ws *ws)
{
	char *path = state_path(ws, "id_ed25519.pub");
	struct strbuf sb = STRBUF_INIT;

	if (sb_read_file(&sb, path) < 0) {
		free(path);
		sb_release(&sb);
		return NULL;
	}
	free(path);
	while (sb.len && (sb.buf[sb.len - 1] == '\n'))
		sb.buf[--sb.len] = '\0';
	return sb_detach(&sb);
}

void
ssh_base_argv(const struct ws *ws, const struct ws_state *st,
	      struct strlist *argv)
{
	char *key = state_path(ws, "id_ed25519");
	char *known = state_path(ws, "known_hosts");
	char *opt = xasprintf("UserKnownHostsFile=%s", known);
	char *dest = xasprintf("berth@%s", st->ssh_host ? st->ssh_host
							  : "127.0.0.1");
	char port[16];

	snprintf(port, sizeof(port), "%d", st->ssh_port);
	strlist_push(argv, "-i");
	strlist_push(argv, key);
	strlist_push(argv, "-p");
	strlist_push(argv, port);
	strlist_push(argv, "-o");
	strlist_push(argv, "IdentitiesOnly=yes");
	/* each VM makes its own host key on first boot: trust it then */
	strlist_push(argv, "-o");
	strlist_push(argv, "StrictHostKeyChecking=accept-new");
	strlist_push(argv, "-o");
	strlist_push(argv, opt);
	strlist_push(argv, "-o");
	strlist_push(argv, "LogLevel=ERROR");
	strlist_push(argv, dest);
	free(dest);
	free(key);
	free(known);
	free(opt);
}

int
ssh_run(const struct ws *ws, const struct ws_state *st, const char *cmd,
	int quiet, int timeout_s)
{
	struct strlist argv = { 0 };
	char *ct = xasprintf("ConnectTimeout=%d", timeout_s);
	int ret;

	strlist_push(&argv, "ssh");
	strlist_push(&argv, "-o");
	strlist_push(&argv, "BatchMode=yes");
	strlist_push(&argv, "-o");
	strlist_push(&argv, ct);
	free(ct);
	ssh_base_argv(ws, st, &argv);
	strlist_push(&argv, cmd);
	ret = proc_run(&argv, NULL, quiet);
	strlist_release(&argv);
	return ret;
}

int
ssh_run_script(const struct ws *ws, const struct ws_state *st,
	       const char *script)
{
	struct strlist argv = { 0 };
	int ret;

	strlist_push(&argv, "ssh");
	strlist_push(&argv, "-o");
	strlist_push(&argv, "BatchMode=yes");
	ssh_base_argv(ws, st, &argv);
	strlist_push(&argv, "sudo sh -s");
	ret = proc_run(&argv, script, 0);
	strlist_release(&argv);
	return ret;
}

int
ssh_wait(const struct ws *ws, const struct ws_state *st, int timeout_s,
	 int (*alive)(void *), void *arg)
{
	double end = clock_now() + timeout_s;

	while (clock_now() < end) {
		if (berth_interrupted)
			return err_set("interrupted");
		if (alive && !alive(arg))
			return err_set("the VM stopped while booting");
		if (ssh_run(ws, st, "true", 1, 5) == 0)
			return 0;
		usleep(500000);	/* a refused try returns at once */
	}
	err_set("the VM did not answer on SSH within %d s", timeout_s);
	return err_tag(ERR_TIMEOUT);
}
