/* stack-watch.c: compose's develop.watch. The folders of every rule are
 * followed with inotify, and a burst of changes is acted on once it has
 * settled: sync copies the changed files into the service's running
 * containers (and removes the deleted ones), sync+restart restarts them
 * after, and rebuild lays the stack out again, which rebuilds the image
 * whose context changed and recreates only its service. */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stack.h"

/* inotify watches are a per-user kernel budget (8192 by default) */
#define WATCH_MAX_DIRS 4096
#define WATCH_MAX_DEPTH 32
/* a save writes, renames and touches: act once it has been quiet */
#define SETTLE_MS 150
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
		      IN_CREATE | IN_DELETE | IN_ATTRIB)

struct watched {
	int wd;
	char *path;
};

/* a changed path under a rule; rel "" is the rule's whole path */
struct change {
	const struct service *svc;
	const struct watch_rule *rule;
	char *rel;
};

struct watcher {
	const struct ws *ws;
	int fd;
	struct watched *dirs;
	size_t ndirs, alloc;
	struct change *pending;
	size_t npending, palloc;
};

/* the last component of the first n bytes of rel */
static int
matches(const char *pat, const char *rel, size_t n)
{
	char *prefix = xstrndup(rel, n), *base = strrchr(prefix, '/');
	int hit = !fnmatch(pat, prefix, FNM_PATHNAME) ||
		  (!strchr(pat, '/') && !fnmatch(pat, base ? base + 1 : prefix,
						0));

	free(prefix);
	return hit;
}

/* rel, or a folder it is in, matches one of the rule's ignore patterns
 * (as .dockerignore's, and a pattern without '/' at any depth) */
static int
ignored(const struct watch_rule *r, const char *rel)
{
	size_t i;
	int hit = 0;

	for (i = 0; i < r->ignore.n && !hit; i++) {
		char *pat = xstrdup(r->ignore.v[i]), *end = pat + strlen(pat);
		const char *p;

		while (end > pat && end[-1] == '/')
			*--end = '\0';
		hit = *pat && matches(pat, rel, strlen(rel));
		for (p = rel; *pat && !hit && (p = strchr(p, '/')); p++)
			hit = matches(pat, rel, (size_t)(p - rel));
		free(pat);
	}
	return hit;
}

static int
add_dir(struct watcher *w, const char *path, int depth)
{
	DIR *d;
	struct dirent *de;
	int wd;

	if (depth > WATCH_MAX_DEPTH)
		return 0;
	if (w->ndirs >= WATCH_MAX_DIRS)
		return err_set("more than %d folders to watch", WATCH_MAX_DIRS);
	wd = inotify_add_watch(w->fd, path, WATCH_EVENTS | IN_ONLYDIR |
			       IN_DONT_FOLLOW);
	if (wd < 0)
		return errno == ENOENT ? 0 : err_set("cannot watch '%s': %s",
						      path, strerror(errno));
	ALLOC_GROW(w->dirs, w->ndirs + 1, w->alloc);
	w->dirs[w->ndirs].wd = wd;
	w->dirs[w->ndirs++].path = xstrdup(path);
	if (!(d = opendir(path)))
		return 0;
	while ((de = readdir(d))) {
		char *sub;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = path_join(path, de->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode) &&
		    add_dir(w, sub, depth + 1) < 0) {
			free(sub);
			closedir(d);
			return -1;
		}
		free(sub);
	}
	closedir(d);
	return 0;
}

static const char *
dir_of(const struct watcher *w, int wd)
{
	size_t i;

	for (i = 0; i < w->ndirs; i++)
		if (w->dirs[i].wd == wd)
			return w->dirs[i].path;
	return NULL;
}

static void
note_change(struct watcher *w, const char *full)
{
	size_t i, k, n;

	for (i = 0; i < w->ws->stack.nservices; i++) {
		const struct service *svc = &w->ws->stack.services[i];

		for (k = 0; k < svc->nwatch; k++) {
			const struct watch_rule *r = &svc->watch[k];
			const char *rel;

			n = strlen(r->path);
			if (strncmp(full, r->path, n) ||
			    (full[n] && full[n] != '/'))
				continue;
			rel = full[n] ? full + n + 1 : "";
			if (*rel && ignored(r, rel))
				continue;
			for (n = 0; n < w->npending; n++)
				if (w->pending[n].rule == r &&
				    !strcmp(w->pending[n].rel, rel))
					break;
			if (n < w->npending)
				continue;
			ALLOC_GROW(w->pending, w->npending + 1, w->palloc);
			w->pending[w->npending++] = (struct change){ svc, r,
								     xstrdup(rel) };
		}
	}
}

/* Read what inotify has; 1 when something changed. */
static int
drain(struct watcher *w)
{
	char buf[16384] __attribute__((aligned(8)));
	ssize_t len;
	int any = 0;

	while ((len = read(w->fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + len) {
			struct inotify_event *ev = (struct inotify_event *)p;
			const char *dir = dir_of(w, ev->wd);

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				size_t i;

				/* events were lost: every rule, whole */
				for (i = 0; i < w->ndirs; i++)
					note_change(w, w->dirs[i].path);
				any = 1;
				continue;
			}
			if (!dir || !ev->len)
				continue;
			{
				char *full = path_join(dir, ev->name);

				if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) &&
				    (ev->mask & IN_ISDIR))
					add_dir(w, full, 0);	/* new folder */
				note_change(w, full);
				free(full);
				any = 1;
			}
		}
	}
	return any;
}

/* path, and what is under it when a folder, into the tar as name */
static int
tar_add(struct archive *a, const char *path, const char *name, int depth)
{
	struct archive_entry *e;
	struct stat st;
	char buf[65536];
	int fd, ret = 0;
	ssize_t n;

	if (lstat(path, &st) < 0 || depth > WATCH_MAX_DEPTH)
		return 0;	/* gone meanwhile */
	e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_copy_stat(e, &st);
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		archive_entry_set_symlink(e, buf);
	} else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		archive_entry_free(e);
		return 0;	/* a FIFO or a device is not copied */
	}
	if (archive_write_header(a, e) != ARCHIVE_OK)
		ret = err_set("cannot pack '%s': %s", path,
			      archive_error_string(a));
	if (ret == 0 && S_ISREG(st.st_mode) &&
	    (fd = open(path, O_RDONLY | O_NOFOLLOW)) >= 0) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			archive_write_data(a, buf, (size_t)n);
		close(fd);
	}
	archive_entry_free(e);
	if (ret == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;

		while (d && ret == 0 && (de = readdir(d))) {
			char *sub, *subname;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			sub = path_join(path, de->d_name);
			subname = path_join(name, de->d_name);
			ret = tar_add(a, sub, subname, depth + 1);
			free(sub);
			free(subname);
		}
		if (d)
			closedir(d);
	}
	return ret;
}

/* the rule's target is already the host's folder, through a bind of the
 * workspace (in the VM, /workspace): nothing to copy */
static int
bound(const struct service *svc, const struct watch_rule *r)
{
	size_t i, n;

	for (i = 0; i < svc->nmounts; i++) {
		const struct mount_spec *m = &svc->mounts[i];
		char *want;
		int same;

		if (m->type != MOUNT_BIND || !m->source)
			continue;
		n = strlen(m->source);
		if (strncmp(r->path, m->source, n) ||
		    (r->path[n] && r->path[n] != '/'))
			continue;
		want = xasprintf("%s%s", m->target, r->path + n);
		same = !strcmp(want, r->target);
		free(want);
		if (same)
			return 1;
	}
	return 0;
}

/* Copy one rule's pending changes into the service's running
 * containers; how many files in *count. */
static int
sync_rule(struct engine *e, const struct watcher *w, const struct service *svc,
	  const struct watch_rule *r, json_t *containers, size_t *count)
{
	struct archive *a = archive_write_new();
	struct strlist gone = { 0 };
	char *tar = temp_file(NULL, "berth-watch");
	const char **argv = NULL;
	json_t *c;
	size_t i, k;
	int ret = -1, code;

	*count = 0;
	if (!tar)
		goto out;
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, tar) != ARCHIVE_OK) {
		err_set("cannot write '%s': %s", tar, archive_error_string(a));
		goto out;
	}
	for (i = 0; i < w->npending; i++) {
		const struct change *ch = &w->pending[i];
		char *local, *inside;
		struct stat st;

		if (ch->rule != r)
			continue;
		local = *ch->rel ? path_join(r->path, ch->rel)
				 : xstrdup(r->path);
		inside = *ch->rel ? path_join(r->target, ch->rel)
				  : xstrdup(r->target);
		if (lstat(local, &st) < 0)
			strlist_push(&gone, inside);
		else if (tar_add(a, local, inside + 1, 0) < 0)
			ret = -2;
		(*count)++;
		free(local);
		free(inside);
	}
	if (archive_write_close(a) != ARCHIVE_OK || ret == -2)
		goto out;
	argv = xcalloc(gone.n + 5, sizeof(char *));
	argv[0] = "rm";
	argv[1] = "-rf";
	argv[2] = "--";
	for (k = 0; k < gone.n; k++)
		argv[3 + k] = gone.v[k];
	json_array_foreach(containers, i, c) {
		const char *id = json_string_value(json_object_get(c, "Id"));

		if (strcmp(json_string_value(json_object_get(c, "State")) ?: "",
			   "running") ||
		    strcmp(stack_label(c, LABEL_SERVICE) ?: "", svc->name))
			continue;
		if (docker_copy_into(&e->d, id, tar) < 0)
			goto out;
		if (gone.n && (docker_exec(&e->d, id, argv, &code, NULL,
					   NULL) < 0 || code != 0)) {
			if (!err_msg()[0])
				err_set("removing what was deleted failed "
					"(exit %d)", code);
			goto out;
		}
	}
	ret = 0;
out:
	archive_write_free(a);
	if (tar) {
		unlink(tar);
		free(tar);
	}
	free(argv);
	strlist_release(&gone);
	return ret;
}

static int
restart_service(struct engine *e, const struct service *svc,
		json_t *containers)
{
	json_t *c;
	size_t i;

	json_array_foreach(containers, i, c)
		if (!strcmp(stack_label(c, LABEL_SERVICE) ?: "", svc->name) &&
		    docker_container_action(&e->d, json_string_value(
			json_object_get(c, "Id")), "restart") < 0)
			return -1;
	return 0;
}

/* Act on what is pending: rebuilds first (one 'up' for them all), then
 * each service's syncs and restarts. A failure is told, and watching
 * goes on. */
static void
act(struct engine *e, struct watcher *w, const struct stack_opts *o)
{
	const struct ws *ws = w->ws;
	json_t *containers = NULL;
	size_t i, k, n, count;
	double start = clock_now();
	int rebuild = 0;

	for (i = 0; i < w->npending; i++)
		rebuild |= w->pending[i].rule->action == WATCH_REBUILD;
	if (rebuild) {
		if (stack_up(e, ws, o) < 0)
			report(o->rep, REPORT_WARN, NULL, "rebuild failed: %s",
			       err_msg());
		else
			report(o->rep, REPORT_LINE, NULL, "rebuilt and laid "
			       "out again in %.1f s", clock_now() - start);
		err_clear();
	}
	if (stack_containers(e, ws, NULL, &containers) < 0) {
		report(o->rep, REPORT_WARN, NULL, "%s", err_msg());
		err_clear();
		goto out;
	}
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		int restart = 0, touched = 0;

		for (k = 0; k < svc->nwatch; k++) {
			const struct watch_rule *r = &svc->watch[k];

			for (n = 0; n < w->npending && w->pending[n].rule != r;
			     n++)
				;
			if (n == w->npending || r->action == WATCH_REBUILD)
				continue;
			start = clock_now();
			touched = 1;
			restart |= r->action == WATCH_SYNC_RESTART;
			if (bound(svc, r)) {
				report(o->rep, REPORT_LINE, svc->name, "%-12s "
				       "%s is bound from the workspace: "
				       "nothing to copy", svc->name, r->target);
				continue;
			}
			if (sync_rule(e, w, svc, r, containers, &count) < 0)
				report(o->rep, REPORT_WARN, svc->name, "%-12s "
				       "sync failed: %s", svc->name, err_msg());
			else
				report(o->rep, REPORT_LINE, svc->name, "%-12s "
				       "synced %zu change%s to %s in %.2f s",
				       svc->name, count, count == 1 ? "" : "s",
				       r->target, clock_now() - start);
			err_clear();
		}
		if (touched && restart) {
			if (restart_service(e, svc, containers) < 0)
				report(o->rep, REPORT_WARN, svc->name, "%-12s "
				       "restart failed: %s", svc->name,
				       err_msg());
			else
				report(o->rep, REPORT_LINE, svc->name,
				       "%-12s restarted", svc->name);
			err_clear();
		}
	}
out:
	json_decref(containers);
	for (i = 0; i < w->npending; i++)
		free(w->pending[i].rel);
	w->npending = 0;
}

int
stack_watch_check(const struct ws *ws)
{
	size_t i, rules = 0;

	if (ws->stack.mode == STACK_SWARM)
		return stack_swarm_refuse(ws, "watch", "change the files, then "
					  "'berth up' rolls each changed "
					  "service out");
	for (i = 0; i < ws->stack.nservices; i++)
		rules += ws->stack.services[i].nwatch;
	if (!rules) {
		err_set("no service of '%s' has develop.watch rules", ws->name);
		err_hint("add develop: { watch: [ { action: sync, path: ./src, "
			 "target: /app/src } ] } to a service of the compose "
			 "file");
		return -1;
	}
	return (int)rules;
}

int
stack_watch(struct engine *e, const struct ws *ws, const struct stack_opts *o)
{
	struct watcher w = { .ws = ws, .fd = -1 };
	size_t i, k, rules;
	int ret = -1, n;

	if ((n = stack_watch_check(ws)) < 0)
		return -1;
	rules = (size_t)n;
	if ((w.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		err_set("inotify: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < ws->stack.nservices; i++)
		for (k = 0; k < ws->stack.services[i].nwatch; k++) {
			const char *p = ws->stack.services[i].watch[k].path;
			struct stat st;
			char *dir = NULL;

			/* a file: its folder; events name it */
			if (stat(p, &st) == 0 && !S_ISDIR(st.st_mode))
				p = dir = path_dirname(p);
			if (add_dir(&w, p, 0) < 0) {
				free(dir);
				goto out;
			}
			free(dir);
		}
	report(o->rep, REPORT_LINE, NULL, "watching %zu rule%s in %zu "
	       "folder%s; Ctrl-C stops", rules, rules == 1 ? "" : "s",
	       w.ndirs, w.ndirs == 1 ? "" : "s");
	while (!berth_interrupted) {
		struct pollfd p = { w.fd, POLLIN, 0 };

		if (poll(&p, 1, w.npending ? SETTLE_MS : 1000) < 0 &&
		    errno != EINTR) {
			err_set("poll: %s", strerror(errno));
			goto out;
		}
		if (p.revents & POLLIN) {
			drain(&w);
			continue;	/* until it settles */
		}
		if (w.npending)
			act(e, &w, o);
	}
	ret = 0;
out:
	for (i = 0; i < w.npending; i++)
		free(w.pending[i].rel);
	free(w.pending);
	for (i = 0; i < w.ndirs; i++)
		free(w.dirs[i].path);
	free(w.dirs);
	close(w.fd);
	return ret;
}
