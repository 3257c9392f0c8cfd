/* tunnel.c: the keeper of a workspace on another libvirt host. One process
 * per workspace, started by the command that starts its VM and gone when
 * the VM stops: it holds one SSH connection to the libvirt host (an
 * OpenSSH ControlMaster) that forwards each of QEMU's host forwards there
 * to this machine, re-made when it drops, and it copies the VM's serial
 * console from libvirt into .berth/console.log. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "remote.h"
#include "vm.h"

#define TUNNEL_PID "tunnel.pid"
#define TUNNEL_LOG "tunnel.log"

/* ---- the commands' side ---- */

static int
pid_is_keeper(int pid, const char *dir)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd, arg = 0, found = 0;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* argv[1] is "_tunnel" and argv[4] this workspace's state dir */
	for (p = buf; p < buf + n; p += strlen(p) + 1, arg++)
		if ((arg == 1 && strcmp(p, "_tunnel")) ||
		    (arg == 4 && !(found = !strcmp(p, dir))))
			return 0;
	return found;
}

static int
keeper_pid_in(const char *dir)
{
	char *path = path_join(dir, TUNNEL_PID);
	struct strbuf sb = STRBUF_INIT;
	int pid = 0;

	if (sb_read_file(&sb, path) == 0)
		pid = atoi(sb.buf);
	if (pid > 1 && !pid_is_keeper(pid, dir))
		pid = 0;
	sb_release(&sb);
	free(path);
	return pid > 1 ? pid : 0;
}

int
tunnel_pid(const struct ws *ws)
{
	char *dir = state_dir(ws);
	int pid = dir ? keeper_pid_in(dir) : 0;

	free(dir);
	return pid;
}

static char *
self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* Detached, in a session of its own, so that it outlives the command and
 * a ^C at the terminal does not reach it; double-forked, so that no
 * zombie waits for this command to reap it. */
static int
spawn_detached(const struct strlist *argv, const char *log)
{
	char **v = strlist_argv(argv);
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		free(v);
		return err_set("cannot start the SSH keeper: %s",
			       strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR), out;

		if (setsid() < 0 || fork() != 0)
			_exit(0);
		out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			   0600);
		dup2(null, 0);
		dup2(null, 1);
		dup2(out >= 0 ? out : null, 2);
		/* nothing of this command's: its workspace lock least */
		closefrom(3);
		execv(v[0], v);
		_exit(127);
	}
	free(v);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

int
tunnel_start(const struct ws *ws, const struct ws_state *st)
{
	struct strlist argv = { 0 };
	char *dir = state_dir(ws), *log = NULL, *exe = self_exe(), *m;
	double end;
	size_t i;
	int ret = -1;

	if (!dir || !exe) {
		err_set("cannot start the SSH keeper: %s",
			dir ? "berth cannot find itself" : err_msg());
		goto out;
	}
	if (keeper_pid_in(dir)) {
		ret = 0;	/* one per workspace */
		goto out;
	}
	/* fail here, with the reason, and not in the keeper's log */
	if (remote_ssh_argv(ws->vm.uri, &argv) < 0)
		goto out;
	strlist_release(&argv);
	log = path_join(dir, TUNNEL_LOG);
	strlist_push(&argv, exe);
	strlist_push(&argv, "_tunnel");
	strlist_push(&argv, ws->vm.uri);
	strlist_push(&argv, st->domain);
	strlist_push(&argv, dir);
	m = xasprintf("22=127.0.0.1:%d", st->ssh_port);
	strlist_push(&argv, m);
	free(m);
	if (st->docker_port) {
		m = xasprintf("2376=127.0.0.1:%d", st->docker_port);
		strlist_push(&argv, m);
		free(m);
	}
	for (i = 0; i < ws->vm.nports && i < st->nvm_ports; i++) {
		m = xasprintf("%u=%s:%d", ws->vm.ports[i].port,
			      ws->vm.ports[i].host_ip, st->vm_ports[i]);
		strlist_push(&argv, m);
		free(m);
	}
	if (spawn_detached(&argv, log) < 0)
		goto out;
	for (end = clock_now() + 20; clock_now() < end;) {
		if (keeper_pid_in(dir)) {
			ret = 0;
			goto out;
		}
		usleep(100000);
	}
	err_set("the SSH keeper of this workspace did not start");
	err_hint("see %s", log);
out:
	strlist_release(&argv);
	free(dir);
	free(log);
	free(exe);
	return ret;
}

void
tunnel_stop(const struct ws *ws)
{
	char *dir = state_dir(ws);
	int pid = dir ? keeper_pid_in(dir) : 0;
	double end = clock_now() + 5;

	if (pid) {
		kill(pid, SIGTERM);
		/* its command line, not kill(0): a zombie that PID 1 has not
		 * reaped yet is gone for this */
		while (clock_now() < end && pid_is_keeper(pid, dir))
			usleep(50000);
		if (pid_is_keeper(pid, dir))
			kill(pid, SIGKILL);	/* stuck in a call to a host
						 * gone */
	}
	free(dir);
}

/* ---- the keeper ---- */

struct keeper {
	struct vm_conn v;
	virDomainPtr dom;
	const char *uri, *domain, *dir;
	char **maps;
	int nmaps;
	int console_fd;
	volatile int attached;
	struct strlist ssh;	/* ssh's options and host */
	char *ctl;		/* the ControlMaster's socket */
	pid_t master;
	struct strlist forwarded;	/* the -L specs the master has */
};

static volatile sig_atomic_t keeper_stop;

static void
on_stop(int sig)
{
	(void)sig;
	keeper_stop = 1;
}

static void PRINTF_LIKE(1, 2)
say(const char *fmt, ...)
{
	va_list ap;
	char *now = utc_now_iso();

	fprintf(stderr, "%s ", now);
	free(now);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *
console_loop(void *arg)
{
	struct keeper *k = arg;
	struct vm_conn v = { 0 };
	virDomainPtr dom = NULL;
	char buf[4096];
	int n;

	/* a connection of its own: a blocking read of a stream holds its
	 * connection, and the keeper's monitor calls would wait behind it */
	while (!keeper_stop) {
		virStreamPtr s = NULL;

		if (!dom) {
			vm_close(&v);
			if (vm_open_private(&v, k->uri) < 0 ||
			    vm_domain_find(&v, k->domain, &dom) <= 0) {
				dom = NULL;
				sleep(2);
				continue;
			}
		}
		/* not forced: a 'virsh console' of the user's is not taken;
		 * the copy goes on once it lets go */
		if ((s = virStreamNew(v.conn, 0)) &&
		    virDomainOpenConsole(dom, NULL, s, 0) == 0) {
			k->attached = 1;
			while ((n = virStreamRecv(s, buf, sizeof(buf))) > 0)
				if (write(k->console_fd, buf, (size_t)n) < 0)
					break;
			virStreamAbort(s);
		} else if (!virConnectIsAlive(v.conn)) {
			virDomainFree(dom);
			dom = NULL;	/* the link dropped: made again */
		}
		if (s)
			virStreamFree(s);
		sleep(1);
	}
	return NULL;
}

/* The -L spec of each of QEMU's TCP host forwards: to this machine's
 * port for that guest port as mapped, or the same number on 127.0.0.1
 * (a service's published port). */
static void
wanted_forwards(struct keeper *k, const char *usernet, struct strlist *out)
{
	const char *pos = usernet;
	struct usernet_forward u;

	while (vm_usernet_next(&pos, &u)) {
		char want[16], *spec = NULL;
		int i;

		if (strcmp(u.proto, "TCP"))
			continue;
		snprintf(want, sizeof(want), "%d=", u.guest_port);
		for (i = 0; i < k->nmaps && !spec; i++)
			if (!strncmp(k->maps[i], want, strlen(want)))
				spec = xasprintf("%s:%s:%d",
						 k->maps[i] + strlen(want),
						 u.addr, u.port);
		if (!spec)
			spec = xasprintf("127.0.0.1:%d:%s:%d", u.guest_port,
					 u.addr, u.port);
		strlist_push(out, spec);
		free(spec);
	}
}

static void
ssh_argv_with(struct keeper *k, struct strlist *argv, const char *const *opts)
{
	size_t i;

	strlist_push(argv, "ssh");
	for (i = 0; i + 1 < k->ssh.n; i++)
		strlist_push(argv, k->ssh.v[i]);
	for (; *opts; opts++)
		strlist_push(argv, *opts);
	strlist_push(argv, "-S");
	strlist_push(argv, k->ctl);
}

static void
master_start(struct keeper *k, const struct strlist *want)
{
	static const char *const opts[] = {
		"-N", "-M", "-o", "ControlPersist=no",
		"-o", "ExitOnForwardFailure=yes",
		/* a dead link is seen in 15 s, and the master made again */
		"-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
		NULL,
	};
	struct strlist argv = { 0 };
	char **v;
	size_t i;
	pid_t pid;

	ssh_argv_with(k, &argv, opts);
	for (i = 0; i < want->n; i++) {
		strlist_push(&argv, "-L");
		strlist_push(&argv, want->v[i]);
	}
	strlist_push(&argv, k->ssh.v[k->ssh.n - 1]);
	unlink(k->ctl);
	v = strlist_argv(&argv);
	if ((pid = fork()) == 0) {
		/* a killed keeper takes its connection along: else it would
		 * hold the ports, and the next keeper's could not have them */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execvp(v[0], v);
		_exit(127);
	}
	free(v);
	strlist_release(&argv);
	if (pid < 0)
		return;
	k->master = pid;
	strlist_release(&k->forwarded);
	for (i = 0; i < want->n; i++)
		strlist_push(&k->forwarded, want->v[i]);
	say("ssh connection made (pid %d), %zu forwards", (int)pid, want->n);
}

/* A forward added to the running master (a service published a port). */
static void
master_add(struct keeper *k, const char *spec)
{
	static const char *const opts[] = { "-O", "forward", NULL };
	struct strlist argv = { 0 };
	int rc;

	ssh_argv_with(k, &argv, opts);
	strlist_push(&argv, "-L");
	strlist_push(&argv, spec);
	strlist_push(&argv, k->ssh.v[k->ssh.n - 1]);
	rc = proc_run(&argv, NULL, 1);
	strlist_release(&argv);
	if (rc == 0) {
		strlist_push(&k->forwarded, spec);
		say("forward added: %s", spec);
	}
	else
		say("cannot add forward %s (ssh -O forward: %d)", spec, rc);
}

/* 1 while the domain runs (or is paused), 0 once it is known to have
 * stopped or gone, -1 while its host cannot be asked: the link to it
 * dropped, and the libvirt connection is made again on the next call. */
static int
domain_runs(struct keeper *k)
{
	int state, reason;

	if (!k->dom) {
		vm_close(&k->v);
		if (vm_open_private(&k->v, k->uri) < 0)
			return -1;
		switch (vm_domain_find(&k->v, k->domain, &k->dom)) {
		case 0:
			return 0;
		case -1:
			return -1;
		}
		say("libvirt connection made again");
	}
	if (virDomainGetState(k->dom, &state, &reason, 0) < 0) {
		virDomainFree(k->dom);
		k->dom = NULL;
		say("libvirt does not answer: %s", vm_last_error());
		return -1;
	}
	return state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED ||
	       state == VIR_DOMAIN_PAUSED;
}

static void
keep(struct keeper *k)
{
	double next_try = 0;

	int runs;

	while (!keeper_stop && (runs = domain_runs(k)) != 0) {
		struct strlist want = { 0 };
		char *usernet = NULL;
		int status;
		size_t i;

		if (k->master > 0 &&
		    waitpid(k->master, &status, WNOHANG) == k->master) {
			say("ssh connection dropped (%s %d); making it again",
			    WIFEXITED(status) ? "exit" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status)
					      : WTERMSIG(status));
			k->master = 0;
		}
		if (runs > 0 &&
		    vm_monitor_hmp(k->dom, "info usernet", &usernet) == 0) {
			wanted_forwards(k, usernet, &want);
			if (k->master <= 0 && clock_now() >= next_try) {
				master_start(k, &want);
				next_try = clock_now() + 2;
			} else if (k->master > 0 &&
				   access(k->ctl, F_OK) == 0) {
				for (i = 0; i < want.n; i++)
					if (!strlist_has(&k->forwarded,
							 want.v[i]))
						master_add(k, want.v[i]);
			}
		}
		free(usernet);
		strlist_release(&want);
		sleep(1);
	}
}

/* The ControlMaster's socket: in the state dir, or where a deep folder
 * makes that path too long for a socket (107 bytes), in a folder of this
 * user's alone in /tmp, which nobody else can put a socket or a link in. */
static char *
control_path(const char *dir, const char *domain)
{
	char *p = path_join(dir, "tunnel.ctl"), *own;
	struct stat st;

	if (strlen(p) < 100)
		return p;
	free(p);
	own = xasprintf("/tmp/berth-%u", (unsigned)getuid());
	mkdir(own, 0700);
	if (lstat(own, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 077)) {
		say("%s is not a folder of this user's alone: no SSH "
		    "connection", own);
		free(own);
		return NULL;
	}
	p = xasprintf("%s/%.60s.ctl", own, domain);
	free(own);
	return p;
}

static int
write_pid_file(const char *dir)
{
	char *path = path_join(dir, TUNNEL_PID), pid[32];
	int rc;

	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	rc = write_file_atomic(path, pid, strlen(pid), 0600);
	free(path);
	return rc;
}

int
tunnel_main(int argc, char **argv)
{
	struct keeper k = { .console_fd = -1 };
	struct sigaction sa = { .sa_handler = on_stop };
	pthread_t console;
	char *path;
	double end;

	if (argc < 4) {
		fprintf(stderr, "berth _tunnel: berth's own; 'berth up' "
			"starts it\n");
		return 2;
	}
	k.uri = argv[1];
	k.domain = argv[2];
	k.dir = argv[3];
	k.maps = argv + 4;
	k.nmaps = argc - 4;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	vm_errors_quiet();
	if (remote_ssh_argv(k.uri, &k.ssh) < 0 ||
	    vm_open_private(&k.v, k.uri) < 0 ||
	    vm_domain_find(&k.v, k.domain, &k.dom) <= 0) {
		say("%s", err_msg() ? err_msg() : "the domain is gone");
		return 1;
	}
	if (keeper_pid_in(k.dir)) {
		say("another keeper runs for this workspace");
		return 0;
	}
	if (!(k.ctl = control_path(k.dir, k.domain)))
		return 1;
	path = path_join(k.dir, "console.log");
	k.console_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			    0600);
	free(path);
	if (k.console_fd >= 0 &&
	    pthread_create(&console, NULL, console_loop, &k) == 0) {
		pthread_detach(console);
		/* the command waits for the pid file: the boot is read from
		 * its first line */
		for (end = clock_now() + 10; !k.attached && clock_now() < end;)
			usleep(50000);
	}
	if (!k.attached)
		say("the console is not copied to console.log yet");
	write_pid_file(k.dir);
	say("keeping %s for %s", k.uri, k.domain);
	keep(&k);
	if (k.master > 0) {
		kill(k.master, SIGTERM);
		waitpid(k.master, NULL, 0);
	}
	unlink(k.ctl);
	if (keeper_pid_in(k.dir) == getpid()) {
		path = path_join(k.dir, TUNNEL_PID);
		unlink(path);
		free(path);
	}
	say("stopped: %s", keeper_stop ? "asked to" : "the VM stopped");
	/* the console thread may be inside a libvirt call: no close */
	_exit(0);
}
