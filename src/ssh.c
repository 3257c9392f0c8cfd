/* ssh.c: the per-workspace key (ssh-keygen), and OpenSSH runs against the
 * VM's forwarded port with that key and a per-workspace known_hosts. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ssh.h"
#include "util.h"

static int
run_argv(char **argv, int quiet)
{
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) < 0)
		return err_set("cannot fork: %s", strerror(errno));
	if (pid == 0) {
		if (quiet) {
			int null = open("/dev/null", O_RDWR);

			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "berth: cannot run '%s': %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set("cannot wait for '%s'", argv[0]);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int
ssh_keygen(const struct ws *ws)
{
	char *key = state_path(ws, "id_ed25519");
	char *comment = xasprintf("berth-%s", ws->name);
	char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "",
			 "-C", comment, "-f", key, NULL };
	int ret = 0;

	if (!path_exists(key)) {
		if (run_argv(argv, 1) != 0)
			ret = err_set("cannot make the workspace's SSH key with "
				      "ssh-keygen");
		if (ret < 0)
			err_hint("install OpenSSH's client: apt-get install "
				 "openssh-client");
	}
	if (ret == 0 && chmod(key, 0600) < 0)
		ret = err_set("cannot protect '%s': %s", key, strerror(errno));
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
	char **v;
	int ret;

	strlist_push(&argv, "ssh");
	strlist_push(&argv, "-o");
	strlist_push(&argv, "BatchMode=yes");
	strlist_push(&argv, "-o");
	strlist_push(&argv, ct);
	free(ct);
	ssh_base_argv(ws, st, &argv);
	strlist_push(&argv, cmd);
	v = xcalloc(argv.n + 1, sizeof(char *));
	memcpy(v, argv.v, argv.n * sizeof(char *));
	ret = run_argv(v, quiet);
	free(v);
	strlist_release(&argv);
	return ret;
}

int
ssh_run_script(const struct ws *ws, const struct ws_state *st,
	       const char *script)
{
	struct strlist argv = { 0 };
	int fds[2], status = -1;
	char **v;
	pid_t pid;
	size_t len = strlen(script), off = 0;

	strlist_push(&argv, "ssh");
	strlist_push(&argv, "-o");
	strlist_push(&argv, "BatchMode=yes");
	ssh_base_argv(ws, st, &argv);
	strlist_push(&argv, "sudo sh -s");
	v = xcalloc(argv.n + 1, sizeof(char *));
	memcpy(v, argv.v, argv.n * sizeof(char *));
	fflush(stdout);
	if (pipe(fds) < 0 || (pid = fork()) < 0) {
		err_set("cannot start ssh: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		execvp("ssh", v);
		_exit(127);
	}
	close(fds[0]);
	while (off < len) {
		ssize_t n = write(fds[1], script + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += (size_t)n;
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
out:
	free(v);
	strlist_release(&argv);
	return status;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
ssh_wait(const struct ws *ws, const struct ws_state *st, int timeout_s,
	 int (*alive)(void *), void *arg)
{
	double end = now() + timeout_s;

	while (now() < end) {
		if (berth_interrupted)
			return err_set("interrupted");
		if (alive && !alive(arg))
			return err_set("the VM stopped while booting");
		if (ssh_run(ws, st, "true", 1, 5) == 0)
			return 0;
		sleep(2);
	}
	return err_set("the VM did not answer on SSH within %d s", timeout_s);
}
