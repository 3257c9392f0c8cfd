/* bundle.c: a workspace packed into one archive for someone else to
 * reproduce: the Berthfile with its build contexts and env files, each
 * service's image ID and digests, 'ps', the last 1000 log lines of each
 * container, the VM's console log and the versions of everything; with
 * --with-images, the images themselves. Never .berth/: no TLS key, SSH
 * key or seed leaves the workspace. Opening one unpacks it into a new
 * folder, whose 'berth up' loads the bundled images, so the same image
 * IDs run. */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "box.h"
#include "bundle.h"
#include "machine.h"

#define BUNDLE_FORMAT 1
#define LOG_LINES 1000
#define LOG_TAIL "1000"

struct pack {
	struct archive *a;
	const struct ws *ws;
	struct strlist done;	/* paths added, so none goes in twice */
	json_t *left_out;	/* what could not be bundled, and why */
	const struct reporter *rep;
};

static int
add_bytes(struct pack *p, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, time(NULL), 0);
	r = archive_write_header(p->a, e);
	if (r == ARCHIVE_OK && len &&
	    archive_write_data(p->a, data, len) != (la_ssize_t)len)
		r = ARCHIVE_FATAL;
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? err_set("cannot write '%s' into the bundle: "
					  "%s", name, archive_error_string(p->a))
				: 0;
}

static int
add_json(struct pack *p, const char *name, json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	int ret = add_bytes(p, name, text, strlen(text));

	free(text);
	return ret;
}

/* A file from disk, under name; its mode kept (build contexts use it). */
static int
add_file(struct pack *p, const char *name, const char *path,
	 const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();
	char buf[65536];
	ssize_t n;
	int fd = -1, r;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, S_ISDIR(st->st_mode) ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, st->st_mode & 07777);
	archive_entry_set_mtime(e, st->st_mtime, 0);
	archive_entry_set_size(e, S_ISREG(st->st_mode) ? st->st_size : 0);
	if (S_ISREG(st->st_mode) && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		archive_entry_free(e);
		return err_set("cannot read '%s': %s", path, strerror(errno));
	}
	r = archive_write_header(p->a, e);
	while (r >= ARCHIVE_WARN && fd >= 0 &&
	       (n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(p->a, buf, (size_t)n) != n)
			r = ARCHIVE_FATAL;
	if (fd >= 0)
		close(fd);
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? err_set("cannot write '%s' into the bundle: "
					  "%s", name, archive_error_string(p->a))
				: 0;
}

/* "workspace/REL" for a path in the workspace; NULL for one outside. */
static char *
workspace_name(const struct ws *ws, const char *path)
{
	size_t n = strlen(ws->dir);

	if (strncmp(path, ws->dir, n) || (path[n] && path[n] != '/'))
		return NULL;
	return xasprintf("workspace%s%s", path[n] ? "" : "/", path + n);
}

static int
add_workspace_file(struct pack *p, const char *path)
{
	struct stat st;
	char *name = workspace_name(p->ws, path);
	int ret = 0;

	if (!name) {
		json_array_append_new(p->left_out, json_sprintf(
			"%s: outside the workspace folder", path));
		return 0;
	}
	if (!strlist_has(&p->done, name) && lstat(path, &st) == 0 &&
	    (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		strlist_push(&p->done, name);
		ret = add_file(p, name, path, &st);
	}
	free(name);
	return ret;
}

static struct pack *walker;	/* nftw has no user pointer */

static int
add_tree_entry(const char *path, const struct stat *st, int flag,
	       struct FTW *ftw)
{
	const char *base = path + ftw->base;

	(void)st;
	/* berth's state holds the keys: it never goes into a bundle */
	if (!strcmp(base, STATE_DIR))
		return flag == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (flag == FTW_SL) {
		json_array_append_new(walker->left_out, json_sprintf(
			"%s: a symbolic link", path));
		return FTW_CONTINUE;
	}
	return add_workspace_file(walker, path) < 0 ? FTW_STOP : FTW_CONTINUE;
}

static int
add_tree(struct pack *p, const char *dir)
{
	int r;

	walker = p;
	r = nftw(dir, add_tree_entry, 32, FTW_PHYS | FTW_ACTIONRETVAL);
	walker = NULL;
	if (r < 0)
		return err_set("cannot read '%s': %s", dir, strerror(errno));
	return r == FTW_STOP ? -1 : 0;
}

struct log_buf {
	struct strbuf sb;
	long lines;
};

static int
on_log(int stream, const char *line, size_t len, void *arg)
{
	struct log_buf *lb = arg;

	(void)stream;
	/* an engine that sends far more than the tail asked for is wrong */
	if (++lb->lines > 2 * LOG_LINES + 2)
		return err_set("the engine sent far more than the last %d "
			       "lines of a log", LOG_LINES);
	sb_add(&lb->sb, line, len);
	return sb_addch(&lb->sb, '\n');
}

static int
add_logs(struct pack *p, struct engine *e, json_t *containers)
{
	json_t *c;
	size_t i;

	json_array_foreach(containers, i, c) {
		struct log_buf lb = { STRBUF_INIT, 0 };
		struct log_query q = { .tail = LOG_TAIL };
		char *name;
		int r;

		if (docker_logs(&e->d, json_string_value(json_object_get(c, "Id")),
				&q, on_log, &lb) < 0) {
			sb_release(&lb.sb);
			return -1;
		}
		name = xasprintf("logs/%s.log", stack_listed_name(c));
		r = add_bytes(p, name, lb.sb.buf, lb.sb.len);
		free(name);
		sb_release(&lb.sb);
		if (r < 0)
			return -1;
	}
	return 0;
}

static json_t *
versions(struct engine *e, const struct ws *ws)
{
	json_t *v = json_pack("{s:s}", "berth", PACKAGE_VERSION), *engine = NULL;
	struct vm_conn c = { 0 };
	char *lib = NULL, *hv = NULL;

	if (docker_version(&e->d, &engine) == 0)
		json_object_set_new(v, "engine", json_pack("{s:O?, s:O?, s:O?}",
			"version", json_object_get(engine, "Version"),
			"api", json_object_get(engine, "ApiVersion"),
			"kernel", json_object_get(engine, "KernelVersion")));
	json_decref(engine);
	if (!ws->docker.host && vm_open(&c, ws->vm.uri) == 0 &&
	    vm_conn_versions(&c, &lib, &hv) == 0)
		json_object_set_new(v, "libvirt", json_string(lib));
	if (hv)
		json_object_set_new(v, "qemu", json_string(hv));
	free(lib);
	free(hv);
	vm_close(&c);
	err_clear();
	return v;
}

/* Each service's image: the name, the ID, the registry digests. */
static json_t *
images(struct engine *e, const struct ws *ws, struct strlist *refs)
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		char *ref = stack_image_ref(ws, svc);
		json_t *img = NULL;

		if (docker_image_inspect(&e->d, ref, &img) > 0 &&
		    !strlist_has(refs, ref))
			strlist_push(refs, ref);
		err_clear();
		json_array_append_new(out, json_pack("{s:s, s:s, s:O?, s:O?}",
			"service", svc->name, "image", ref, "id",
			json_object_get(img, "Id"), "digests",
			json_object_get(img, "RepoDigests")));
		json_decref(img);
		free(ref);
	}
	return out;
}

static int
pack(struct pack *p, struct engine *e, int with_images, const char *tmpdir)
{
	const struct ws *ws = p->ws;
	struct strlist refs = { 0 };
	json_t *manifest = NULL, *rows = NULL, *containers = NULL;
	struct ws_state st = { 0 };
	char *console = NULL, *tar = NULL, *created = NULL;
	struct stat sb;
	size_t i, k;
	int ret = -1;

	/* the configuration, as the Berthfile names it */
	if (add_workspace_file(p, ws->file) < 0)
		goto out;
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];

		for (k = 0; k < svc->env_files.n; k++)
			if (add_workspace_file(p, svc->env_files.v[k]) < 0)
				goto out;
		if (svc->build_context && add_tree(p, svc->build_context) < 0)
			goto out;
		if (svc->load && with_images &&
		    add_workspace_file(p, svc->load) < 0)
			goto out;
	}
	/* what ran, and how */
	created = utc_now_iso();
	manifest = json_pack("{s:i, s:s, s:s, s:o, s:b}", "format",
			     BUNDLE_FORMAT, "workspace", ws->name, "created",
			     created, "versions", versions(e, ws), "with_images",
			     with_images);
	json_object_set_new(manifest, "images", images(e, ws, &refs));
	if (!ws->docker.host && state_load(ws, &st) == 0 && st.box_name)
		json_object_set_new(manifest, "box", json_pack("{s:s, s:s?}",
			"name", st.box_name, "version", st.box_version));
	json_object_set_new(manifest, "left_out", json_incref(p->left_out));
	if (stack_ps(e, ws, NULL, &rows) < 0 ||
	    stack_containers(e, ws, NULL, &containers) < 0 ||
	    add_json(p, "ps.json", rows) < 0 || add_logs(p, e, containers) < 0)
		goto out;
	console = state_path(ws, "console.log");
	if (!ws->docker.host && stat(console, &sb) == 0 &&
	    add_file(p, "console.log", console, &sb) < 0)
		goto out;
	if (with_images && refs.n) {
		report(p->rep, REPORT_LINE, NULL, "saving %zu image%s from the "
		       "engine", refs.n, refs.n == 1 ? "" : "s");
		tar = xasprintf("%s/berth-bundle-images-%ld.tar", tmpdir,
				(long)getpid());
		if (docker_images_save(&e->d, &refs, tar) < 0 ||
		    stat(tar, &sb) < 0 || add_file(p, "images.tar", tar, &sb) < 0)
			goto out;
	}
	ret = add_json(p, "manifest.json", manifest);
out:
	if (tar)
		unlink(tar);
	free(tar);
	free(console);
	free(created);
	state_release(&st);
	json_decref(manifest);
	json_decref(rows);
	json_decref(containers);
	strlist_release(&refs);
	return ret;
}

int
bundle_create(const struct ws *ws, const char *file, int with_images,
	      const struct reporter *rep)
{
	struct pack p = { NULL, ws, { 0 }, json_array(), rep };
	struct engine e;
	char *tmp = xasprintf("%s.tmp.%ld", file, (long)getpid());
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int ret = -1;

	if (engine_open(ws, &e) < 0) {
		err_prefix("a bundle needs the stack's engine");
		goto out;
	}
	p.a = archive_write_new();
	archive_write_set_format_pax_restricted(p.a);
	archive_write_add_filter_gzip(p.a);
	if (archive_write_open_filename(p.a, tmp) != ARCHIVE_OK) {
		err_set("cannot create '%s': %s", tmp, archive_error_string(p.a));
		goto out;
	}
	if (pack(&p, &e, with_images, tmpdir) < 0)
		goto out;
	if (archive_write_commit(p.a, tmp, file) < 0)
		goto out;
	ret = 0;
out:
	if (p.a)
		archive_write_free(p.a);
	if (ret < 0)
		unlink(tmp);
	engine_close(&e);
	strlist_release(&p.done);
	json_decref(p.left_out);
	free(tmp);
	return ret;
}

/* Move what is not the workspace into DIR/.berth/bundle/. */
static int
settle(const char *staged, const char *dir)
{
	static const char *const extras[] = { "manifest.json", "ps.json",
					      "logs", "console.log",
					      "images.tar" };
	char *berth = path_join(dir, STATE_DIR), *bdir = path_join(berth, "bundle");
	size_t i;
	int ret = -1;

	if (mkdir_p(bdir, 0700) < 0 || chmod(berth, 0700) < 0)
		goto out;
	for (i = 0; i < ARRAY_SIZE(extras); i++) {
		char *from = path_join(staged, extras[i]);
		char *to = path_join(bdir, extras[i]);
		int r = path_exists(from) ? rename(from, to) : 0;

		free(from);
		free(to);
		if (r < 0) {
			err_set("cannot move '%s' into place: %s", extras[i],
				strerror(errno));
			goto out;
		}
	}
	ret = 0;
out:
	free(berth);
	free(bdir);
	return ret;
}

/* A real folder (not a link) at path, or nothing there: 1, 0; -1 when
 * something else is in the way (why set). */
static int
empty_or_absent(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int empty = 1;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_set("cannot look at '%s': %s",
						     path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set("'%s' exists and is not a folder", path);
	if (!(d = opendir(path)))
		return err_set("cannot read '%s': %s", path, strerror(errno));
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	if (!empty)
		return err_set("'%s' is not empty", path);
	return 1;
}

/* The manifest's box, when it names one berth could look up. */
static void
report_box(json_t *box, const struct reporter *rep)
{
	struct box_store store = { 0 };
	struct box b = { 0 };
	const char *bn = json_string_value(json_object_get(box, "name"));
	const char *bv = json_string_value(json_object_get(box, "version"));

	if (!bn || !spec_valid_name(bn, NAME_MAX_LEN) ||
	    (bv && !spec_valid_name(bv, NAME_MAX_LEN)))
		return;
	if (box_store_open(&store) < 0 ||
	    box_store_find(&store, bn, bv, &b) < 0) {
		report(rep, REPORT_LINE, bn, "the box '%s' %s is not here: "
		       "'berth up' needs it (%s)", bn, bv ? bv : "",
		       !strncmp(bn, "debian-12", 9)
		       ? "'berth box build' makes it" : "'berth box add'");
		err_clear();
	}
	box_release(&b);
	box_store_release(&store);
}

/*
 * All or nothing: the archive is unpacked into a staging folder beside
 * the target, checked, and renamed into place in one step. A target that
 * exists must be an empty folder (rename(2) replaces it whole), so no
 * file of anyone's is ever overwritten, and a failure leaves the target
 * as it was and removes only the staging berth made.
 */
int
bundle_open(const char *file, const char *dir_arg, char **dir_out,
	    const struct reporter *rep)
{
	char *staged = NULL, *manifest_path = NULL, *ws_dir = NULL, *dir = NULL;
	char *parent = NULL, *planted = NULL;
	json_t *m = NULL, *left, *x;
	json_error_t je;
	const char *name;
	struct stat st;
	size_t i;
	int ret = -1;

	*dir_out = NULL;
	if (dir_arg && empty_or_absent(dir_arg) < 0) {
		err_hint("open the bundle into a new or empty folder");
		goto out;
	}
	parent = dir_arg ? path_dirname(dir_arg) : xstrdup(".");
	staged = xasprintf("%s/.berth-bundle-%ld", parent, (long)getpid());
	if (mkdir(staged, 0700) < 0) {
		err_set("cannot create '%s': %s", staged, strerror(errno));
		free(staged);
		staged = NULL;	/* not ours to remove */
		goto out;
	}
	if (archive_extract_safe(file, staged, EXTRACT_LINKS) < 0)
		goto out;
	manifest_path = path_join(staged, "manifest.json");
	ws_dir = path_join(staged, "workspace");
	if (lstat(manifest_path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(m = json_load_file(manifest_path, 0, &je)) ||
	    !(name = json_string_value(json_object_get(m, "workspace"))) ||
	    !spec_valid_name(name, WS_ENV_NAME_MAX) ||
	    lstat(ws_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err_set("'%s' is not a berth bundle", file);
		goto out;
	}
	/* state and keys are never in a bundle: one that has them is not
	 * berth's, and would make this folder another workspace's */
	planted = path_join(ws_dir, STATE_DIR);
	if (lstat(planted, &st) == 0) {
		err_set("'%s' holds a %s folder (state, keys), which berth never "
			"puts in a bundle", file, STATE_DIR);
		err_hint("it was not made by 'berth bundle create'; nothing was "
			 "opened");
		goto out;
	}
	dir = dir_arg ? xstrdup(dir_arg) : xasprintf("%s-bundle", name);
	if (!dir_arg && lstat(dir, &st) == 0) {
		err_set("'%s' exists already", dir);
		err_hint("name a new folder: 'berth bundle open %s DIR'", file);
		goto out;
	}
	if (settle(staged, ws_dir) < 0)
		goto out;
	if (rename(ws_dir, dir) < 0) {
		err_set("cannot move the workspace into '%s': %s", dir,
			strerror(errno));
		if (errno == ENOTEMPTY || errno == EEXIST)
			err_hint("something was put there meanwhile; it is "
				 "untouched");
		goto out;
	}
	/* what the bundle could not carry */
	left = json_object_get(m, "left_out");
	json_array_foreach(left, i, x)
		if (json_is_string(x)) {
			char *text = str_printable(json_string_value(x));

			report(rep, REPORT_LINE, NULL, "not in the bundle: %s",
			       text);
			free(text);
		}
	if (!json_is_true(json_object_get(m, "with_images")))
		report(rep, REPORT_LINE, NULL, "no images in the bundle: 'berth "
		       "up' builds or pulls them, so their IDs may differ");
	if ((x = json_object_get(m, "box")))
		report_box(x, rep);
	*dir_out = dir;
	dir = NULL;
	ret = 0;
out:
	if (staged)
		rm_rf(staged);
	json_decref(m);
	free(staged);
	free(parent);
	free(planted);
	free(manifest_path);
	free(ws_dir);
	free(dir);
	return ret;
}

/* The manifest of the bundle this workspace was opened from, or NULL. */
static json_t *
manifest(const struct ws *ws)
{
	char *path = state_path(ws, "bundle/manifest.json");
	json_t *m = path_exists(path) ? json_load_file(path, 0, NULL) : NULL;

	free(path);
	return m;
}

int
bundle_load_images(struct engine *e, const struct ws *ws,
		   const struct reporter *rep)
{
	char *tar = state_path(ws, "bundle/images.tar");
	json_t *m = manifest(ws), *img;
	size_t i;
	int missing = 0, ret = 0;

	if (!m || !path_exists(tar))
		goto out;
	json_array_foreach(json_object_get(m, "images"), i, img) {
		const char *id = json_string_value(json_object_get(img, "id"));
		json_t *x = NULL;

		if (!id)
			continue;
		if (docker_image_inspect(&e->d, id, &x) <= 0)
			missing = 1;
		err_clear();
		json_decref(x);
	}
	if (missing) {
		report(rep, REPORT_LINE, NULL, "loading the bundle's images");
		ret = docker_image_load(&e->d, tar);
	}
out:
	json_decref(m);
	free(tar);
	return ret;
}

void
bundle_report(struct engine *e, const struct ws *ws,
	      const struct reporter *rep)
{
	json_t *m = manifest(ws), *img, *x;
	size_t i;

	if (!m)
		return;
	json_array_foreach(json_object_get(m, "images"), i, img) {
		const char *svc = json_string_value(json_object_get(img, "service"));
		const char *id = json_string_value(json_object_get(img, "id"));
		const struct service *s = ws_find_service(ws, svc ?: "");
		const char *now;
		char *ref;

		if (!s || !id)
			continue;
		ref = stack_image_ref(ws, s);
		x = NULL;
		if (docker_image_inspect(&e->d, ref, &x) > 0 &&
		    (now = json_string_value(json_object_get(x, "Id"))) &&
		    strcmp(id, now))
			report(rep, REPORT_LINE, svc, "bundle: '%s' runs image "
			       "%.19s, not the bundle's %.19s", svc, now, id);
		err_clear();
		json_decref(x);
		free(ref);
	}
	json_decref(m);
}
