/* sync.c: the workspace's folder copied one way into a VM on another
 * libvirt host, where virtiofs cannot reach. /workspace in the guest
 * becomes what the folder holds, but what its .dockerignore excludes and
 * .berth/ (keys and certificates stay here): a tar over the workspace's
 * SSH, then what the folder no longer has is deleted. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "docker.h"
#include "machine.h"
#include "remote.h"
#include "ssh.h"

/* Run by the guest's berth user, the tar on its standard input. GNU tar
 * lists what it wrote, names as they are (as find prints them); files
 * and then empty folders not in that list go. */
#define SYNC_SCRIPT							\
	"set -e; sudo mkdir -p /workspace; "				\
	"sudo chown \"$(id -u):$(id -g)\" /workspace; cd /workspace; "	\
	"l=$(mktemp -d); "						\
	"tar -x -v -p --no-same-owner --quoting-style=literal -f - "	\
	">\"$l/got\"; "							\
	"sed 's,/$,,' \"$l/got\" | sort -u >\"$l/want\"; "		\
	"find . -mindepth 1 ! -type d -printf '%P\\n' | sort >\"$l/have\"; " \
	"comm -23 \"$l/have\" \"$l/want\" | while IFS= read -r f; do "	\
	"rm -f -- \"$f\"; done; "					\
	"find . -mindepth 1 -depth -type d -empty -printf '%P\\n' | "	\
	"sort >\"$l/dirs\"; "						\
	"comm -23 \"$l/dirs\" \"$l/want\" | sort -r | "		\
	"while IFS= read -r f; do rmdir -- \"$f\"; done; "		\
	"wc -l <\"$l/want\"; rm -rf \"$l\""

/* ssh with its standard input from the file at path; its output (the
 * count of entries) into count. */
static int
ssh_with_input(const struct strlist *argv, const char *path, long *count)
{
	char **v = strlist_argv(argv);
	int in = open(path, O_RDONLY | O_CLOEXEC), out[2], status, ret = -1;
	char buf[64];
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	if (in < 0 || pipe(out) < 0) {
		err_set("cannot sync: %s", strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		err_set("cannot run ssh: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		goto out;
	}
	if (pid == 0) {
		dup2(in, 0);
		dup2(out[1], 1);
		close(out[0]);
		execvp(v[0], v);
		_exit(127);
	}
	close(out[1]);
	while ((n = read(out[0], buf + len, sizeof(buf) - 1 - len)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0 && (len += (size_t)n) == sizeof(buf) - 1)
			len = 0;	/* more than a count: keep the end */
	buf[len] = '\0';
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		err_set("copying the folder into the VM failed (ssh: %s %d)",
			WIFEXITED(status) ? "exit" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status)
					  : WTERMSIG(status));
		goto out;
	}
	*count = atol(buf);
	ret = 0;
out:
	if (in >= 0)
		close(in);
	free(v);
	return ret;
}

int
machine_sync(const struct ws *ws, const struct ws_state *st, long *entries)
{
	struct strlist argv = { 0 };
	char *tar = temp_file(NULL, "berth-sync");
	int ret = -1;

	*entries = 0;
	if (!tar)
		return -1;
	/* its SSH comes through the keeper: made again if it died */
	if (tunnel_start(ws, st) < 0 ||
	    docker_folder_tar(ws->dir, STATE_DIR, tar) < 0)
		goto out;
	strlist_push(&argv, "ssh");
	strlist_push(&argv, "-o");
	strlist_push(&argv, "BatchMode=yes");
	ssh_base_argv(ws, st, &argv);
	strlist_push(&argv, SYNC_SCRIPT);
	ret = ssh_with_input(&argv, tar, entries);
out:
	strlist_release(&argv);
	unlink(tar);
	free(tar);
	return ret;
}

char *
machine_sync_digest(const struct ws *ws)
{
	char *hex = NULL;

	if (docker_folder_digest(ws->dir, STATE_DIR, &hex) < 0)
		return NULL;
	return hex;
}
