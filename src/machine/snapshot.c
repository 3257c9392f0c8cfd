/* snapshot.c: a workspace frozen and returned to. A snapshot is the VM's
 * disk: an internal qcow2 snapshot of its overlay, so Docker's images,
 * containers and volumes come with it, and destroying the overlay takes
 * every snapshot along. It holds no memory: QEMU cannot save the state of
 * a VM with a virtiofs share. A running VM's filesystems are frozen
 * through the guest agent around the capture (or the VM paused, when the
 * agent does not answer), so a database mid-write comes back clean. */

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "proc.h"
#include "machine.h"

static char *
overlay_path(struct machine *w)
{
	char *vol = xasprintf("%s.qcow2", w->st.domain);
	char *path = NULL;

	if (vm_pool(&w->v) == 0)
		path = vm_volume_path(&w->v, vol);
	if (!path)
		err_set("workspace '%s' has no disk yet", w->ws->name);
	free(vol);
	return path;
}

static int
is_running(struct machine *w)
{
	int state = VIR_DOMAIN_NOSTATE;

	if (w->dom)
		vm_domain_state(w->dom, &state);
	return state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_PAUSED;
}

/* The node QEMU knows the overlay by, for the snapshot commands. */
static char *
overlay_node(virDomainPtr dom, const char *path)
{
	json_t *blocks = NULL, *b;
	char *node = NULL;
	size_t i;

	if (vm_monitor_qmp(dom, json_pack("{s:s}", "execute", "query-block"),
			   &blocks) < 0)
		return NULL;
	json_array_foreach(blocks, i, b) {
		json_t *in = json_object_get(b, "inserted");
		const char *file = json_string_value(json_object_get(in, "file"));

		if (file && !strcmp(file, path)) {
			node = xstrdup(json_string_value(json_object_get(in,
						"node-name")) ?: "");
			break;
		}
	}
	json_decref(blocks);
	if (!node || !*node) {
		free(node);
		err_set("QEMU does not show the disk '%s'", path);
		return NULL;
	}
	return node;
}

static int
qemu_img(const char *op, const char *name, const char *path)
{
	struct strlist argv = { 0 };
	int r;

	strlist_push(&argv, "qemu-img");
	strlist_push(&argv, "snapshot");
	strlist_push(&argv, op);
	strlist_push(&argv, name);
	strlist_push(&argv, path);
	r = proc_run(&argv, NULL, 1);
	strlist_release(&argv);
	return r == 0 ? 0 : err_set("qemu-img snapshot %s '%s' failed", op, name);
}

/* Their names and dates, from the image itself (it is shared, not
 * locked, so this works on a running VM). */
static int
image_snapshots(const char *path, json_t **out)
{
	char *cmd = xasprintf("qemu-img info -U --output=json '%s'", path);
	struct strbuf sb = STRBUF_INIT;
	FILE *p = popen(cmd, "r");
	char buf[4096];
	size_t n;
	json_t *j;

	free(cmd);
	*out = NULL;
	if (!p)
		return err_set("cannot run qemu-img");
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		sb_add(&sb, buf, n);
	if (pclose(p) != 0 || !(j = json_loadb(sb.buf, sb.len, 0, NULL))) {
		sb_release(&sb);
		return err_set("qemu-img cannot read '%s'", path);
	}
	sb_release(&sb);
	*out = json_incref(json_object_get(j, "snapshots"));
	if (!*out)
		*out = json_array();
	json_decref(j);
	return 0;
}

static int
has_snapshot(const char *path, const char *name)
{
	json_t *list, *s;
	size_t i;
	int found = 0;

	if (image_snapshots(path, &list) < 0)
		return -1;
	json_array_foreach(list, i, s)
		if (!strcmp(json_string_value(json_object_get(s, "name")) ?: "",
			    name))
			found = 1;
	json_decref(list);
	return found;
}

static int
must_exist(struct machine *w, const char *path, const char *name)
{
	int r = has_snapshot(path, name);

	if (r == 0) {
		err_set("workspace '%s' has no snapshot '%s'", w->ws->name, name);
		err_hint("'berth snapshot list' shows them");
	}
	return r > 0 ? 0 : -1;
}

/* .berth/snapshots.json: what the image does not say (running or not). */
static json_t *
meta_load(const struct ws *ws)
{
	char *path = state_path(ws, "snapshots.json");
	json_t *j = json_load_file(path, 0, NULL);

	free(path);
	return json_is_object(j) ? j : (json_decref(j), json_object());
}

static int
meta_save(const struct ws *ws, json_t *j)
{
	char *path = state_path(ws, "snapshots.json");
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	int ret = write_file_atomic(path, text, strlen(text), 0600);

	free(text);
	free(path);
	return ret;
}

static int
freeze(struct machine *w, int *paused)
{
	*paused = 0;
	/* the guest agent flushes and freezes every filesystem */
	if (virDomainFSFreeze(w->dom, NULL, 0, 0) >= 0)
		return 0;
	if (virDomainSuspend(w->dom) < 0)
		return err_set("cannot freeze or pause '%s': %s", w->st.domain,
			       vm_last_error());
	*paused = 1;
	return 0;
}

static void
thaw(struct machine *w, int paused)
{
	if (paused)
		virDomainResume(w->dom);
	else
		virDomainFSThaw(w->dom, NULL, 0, 0);
}

int
snapshot_save(struct machine *w, const char *name, int *was_running)
{
	char *path = overlay_path(w), *node = NULL;
	json_t *meta = NULL;
	struct stat st;
	int paused = 0, frozen = 0, r, ret = -1;

	*was_running = 0;
	if (!path)
		goto out;
	if ((r = has_snapshot(path, name)) != 0) {
		if (r > 0) {
			err_set("workspace '%s' has a snapshot '%s' already",
				w->ws->name, name);
			err_hint("delete it first: 'berth snapshot delete %s'",
				 name);
		}
		goto out;
	}
	if (is_running(w)) {
		*was_running = 1;
		if (!(node = overlay_node(w->dom, path)) || freeze(w, &paused) < 0)
			goto out;
		frozen = 1;
		r = vm_monitor_qmp(w->dom, json_pack("{s:s, s:{s:s, s:s}}",
				   "execute", "blockdev-snapshot-internal-sync",
				   "arguments", "device", node, "name", name),
				   NULL);
		thaw(w, paused);
		frozen = 0;
		if (r < 0)
			goto out;
	} else if (qemu_img("-c", name, path) < 0) {
		goto out;
	}
	meta = meta_load(w->ws);
	/* the disk it holds: the overlay as it is now, on top of the box */
	json_object_set_new(meta, name, json_pack("{s:b, s:s, s:I}", "running",
		*was_running, "consistency", !*was_running ? "halted" : paused
		? "paused" : "frozen", "size", (json_int_t)(stat(path, &st) == 0
		? st.st_blocks * 512 : 0)));
	ret = meta_save(w->ws, meta);
out:
	if (frozen)
		thaw(w, paused);
	json_decref(meta);
	free(node);
	free(path);
	return ret;
}

int
snapshot_restore(struct machine *w, const char *name)
{
	char *path = overlay_path(w);
	int ret = -1;

	if (!path)
		goto out;
	if (must_exist(w, path, name) < 0)
		goto out;
	/* what runs now is being thrown away: no need to shut down gently */
	if (w->dom && is_running(w) && virDomainDestroy(w->dom) < 0) {
		err_set("cannot stop '%s': %s", w->st.domain, vm_last_error());
		goto out;
	}
	ret = qemu_img("-a", name, path);
out:
	free(path);
	return ret;
}

int
snapshot_delete(struct machine *w, const char *name)
{
	char *path = overlay_path(w), *node = NULL;
	json_t *meta;
	int ret = -1;

	if (!path)
		goto out;
	if (must_exist(w, path, name) < 0)
		goto out;
	if (is_running(w)) {
		if (!(node = overlay_node(w->dom, path)) ||
		    vm_monitor_qmp(w->dom, json_pack("{s:s, s:{s:s, s:s}}",
				   "execute",
				   "blockdev-snapshot-delete-internal-sync",
				   "arguments", "device", node, "name", name),
				   NULL) < 0)
			goto out;
	} else if (qemu_img("-d", name, path) < 0) {
		goto out;
	}
	meta = meta_load(w->ws);
	json_object_del(meta, name);
	ret = meta_save(w->ws, meta);
	json_decref(meta);
out:
	free(node);
	free(path);
	return ret;
}

int
snapshot_list(struct machine *w, json_t **out)
{
	char *path = overlay_path(w);
	json_t *list = NULL, *meta = NULL, *s;
	struct stat st;
	size_t i;
	int ret = -1;

	*out = json_array();
	if (!path) {
		/* no disk yet: no snapshots, and nothing wrong */
		err_clear();
		ret = 0;
		goto out;
	}
	if (image_snapshots(path, &list) < 0)
		goto out;
	meta = meta_load(w->ws);
	json_array_foreach(list, i, s) {
		const char *name = json_string_value(json_object_get(s, "name"));
		json_t *m = json_object_get(meta, name ?: "");
		time_t t = (time_t)json_integer_value(json_object_get(s,
							"date-sec"));
		char when[32];

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		json_array_append_new(*out, json_pack(
			"{s:s, s:s, s:I, s:b}", "name", name ?: "?", "time", when,
			"size", json_object_get(m, "size")
				? json_integer_value(json_object_get(m, "size"))
				: (json_int_t)(stat(path, &st) == 0
					       ? st.st_blocks * 512 : 0),
			"running", json_is_true(json_object_get(m, "running"))));
	}
	ret = 0;
out:
	json_decref(list);
	json_decref(meta);
	free(path);
	return ret;
}
