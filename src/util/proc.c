/* proc.c: fork, exec and wait, with optional input and silence. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

static void
feed(int fd, const char *input)
{
	size_t len = strlen(input), off = 0;

	while (off < len) {
		ssize_t n = write(fd, input + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;	/* the program stopped reading */
		off += (size_t)n;
	}
}

int
proc_run(const struct strlist *argv, const char *input, int quiet)
{
	char **v = strlist_argv(argv);
	int fds[2] = { -1, -1 }, status, ret = -1, forwarded = 0;
	sig_atomic_t signals = berth_interrupted;
	pid_t pid;

	fflush(stdout);
	if (input && pipe(fds) < 0) {
		err_set("cannot run '%s': %s", v[0], strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		err_set("cannot run '%s': %s", v[0], strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (quiet) {
			int null = open("/dev/null", O_RDWR);

			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		if (input) {
			dup2(fds[0], 0);
			close(fds[0]);
			close(fds[1]);
		}
		execvp(v[0], v);
		fprintf(stderr, "berth: cannot run '%s': %s\n", v[0],
			strerror(errno));
		_exit(127);
	}
	if (input) {
		/* a reader that quits early must not kill berth */
		signal(SIGPIPE, SIG_IGN);
		close(fds[0]);
		fds[0] = -1;
		feed(fds[1], input);
		close(fds[1]);
		fds[1] = -1;
	}
	for (;;) {
		/* berth asked to stop while it waits: so is the program,
		 * which may not share berth's terminal (berth run's CMD) */
		if (berth_interrupted != signals && !forwarded) {
			kill(pid, SIGTERM);
			forwarded = 1;
		}
		if (waitpid(pid, &status, 0) >= 0)
			break;
		if (errno != EINTR) {
			err_set("cannot wait for '%s': %s", v[0],
				strerror(errno));
			goto out;
		}
	}
	ret = WIFEXITED(status) ? WEXITSTATUS(status)
				: 128 + WTERMSIG(status);
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(v);
	return ret;
}
