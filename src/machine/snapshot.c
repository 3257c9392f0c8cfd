/* snapshot.c: a workspace frozen and returned to. A snapshot is the VM's
 * disk: an internal qcow2 snapshot of its overlay, so Docker's images,
 * containers and volumes come with it, and destroying the overlay takes
 * every snapshot along. A running VM's snapshot also holds its memory, in
 * a pool volume beside the overlay: a restore then runs on from that
 * moment in seconds, with no boot. QEMU cannot save the memory of a VM
 * with a virtiofs share, so the shares are taken out around the save
 * (folders.c). Where the memory cannot be kept, the snapshot is of the
 * disk alone: the guest's filesystems are frozen through the guest agent
 * around it (or the VM paused, when the agent does not answer), so a
 * database mid-write comes back clean, and a restore boots. */

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "agent.h"
#include "folders.h"
#include "proc.h"
#include "remote.h"
#include "machine.h"
#include "up.h"
#include "vm-xml.h"
#include "xml.h"

static char *
overlay_path(struct machine *w)
{
	char *vol = xasprintf("%s.qcow2", w->st.domain);
	char *path = NULL;

	if (vm_uri_remote(w->ws->vm.uri)) {
		/* qemu-img reads the disk here, and it is there */
		free(vol);
		err_set("snapshots of a VM on another libvirt host are not "
			"supported yet");
		err_hint("a 'berth halt' keeps its disk; 'berth destroy' and "
			 "'berth up' make a fresh one");
		return NULL;
	}
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

/* How long the guest may take to unmount or mount its folders. */
#define FOLDERS_TIMEOUT_S 60

/* The pool volume of a snapshot's memory: named after the domain, so
 * that destroy finds it (machine_destroy). */
static char *
memory_volume(const struct machine *w, const char *name)
{
	return xasprintf("%s" SNAPSHOT_MEMORY_INFIX "%s.mem", w->st.domain,
			 name);
}

/* The bytes of a snapshot's memory in the pool, 0 when it has none. */
static json_int_t
memory_size(struct machine *w, const char *name)
{
	char *vol = memory_volume(w, name), *file = NULL;
	struct stat st;
	json_int_t size = 0;

	if (vm_volume_exists(&w->v, vol) > 0 &&
	    (file = vm_volume_path(&w->v, vol)) && stat(file, &st) == 0)
		size = (json_int_t)st.st_blocks * 512;
	free(file);
	free(vol);
	return size;
}

/* <disk name='vdX' snapshot='no'/> for every disk of the running domain:
 * the memory alone goes out, the disk goes into the overlay. */
static int
no_disks_xml(virDomainPtr dom, struct strbuf *xml)
{
	char *live = virDomainGetXMLDesc(dom, 0);
	struct strlist targets = { 0 };
	size_t i;

	if (!live)
		return err_set("%s", vm_last_error());
	xml_all(live, "/domain/devices/disk/target/@dev", &targets);
	for (i = 0; i < targets.n; i++) {
		sb_addstr(xml, "<disk name='");
		sb_addstr(xml, targets.v[i]);
		sb_addstr(xml, "' snapshot='no'/>");
	}
	strlist_release(&targets);
	free(live);
	return 0;
}

/* An internal snapshot of the running VM's overlay, made or deleted. */
static int
internal_snapshot(virDomainPtr dom, const char *command, const char *node,
		  const char *name)
{
	return vm_monitor_qmp(dom, json_pack("{s:s, s:{s:s, s:s}}", "execute",
			      command, "arguments", "device", node, "name",
			      name), NULL);
}

/*
 * The running VM's memory and disk at one instant: its folders out,
 * paused, the disk into the overlay's internal snapshot, the memory into
 * a pool volume (a libvirt save image, restored as a saved domain is),
 * then running again with its folders and clock back. 1 when the memory
 * could not be kept, why in *why (to free): nothing was taken then, and
 * the VM runs on as before.
 */
static int
save_with_memory(struct machine *w, const char *name, const char *node,
		 char **why)
{
	const char *virtiofsd = find_virtiofsd();
	char *vol = memory_volume(w, name), *file = NULL;
	struct strbuf xml = STRBUF_INIT;
	virDomainSnapshotPtr snap;
	int ret = -1, paused = 0, unplugged = 0, disk = 0;

	*why = NULL;
	if (virtiofsd) {
		if (folders_unplug(w->dom, w->ws, virtiofsd,
				   FOLDERS_TIMEOUT_S) < 0) {
			*why = xstrdup(err_msg());
			ret = 1;
			goto out;
		}
		unplugged = 1;
	}
	if (virDomainSuspend(w->dom) < 0) {
		err_set("cannot pause '%s': %s", w->st.domain, vm_last_error());
		goto out;
	}
	paused = 1;
	/* the disk first: once the memory is out, QEMU holds the disk
	 * inactive (a migration's end) until the VM runs again */
	if (internal_snapshot(w->dom, "blockdev-snapshot-internal-sync", node,
			      name) < 0)
		goto out;
	disk = 1;
	if (vm_volume_put(&w->v, vol, "", 0, "raw") < 0 ||
	    !(file = vm_volume_path(&w->v, vol)))
		goto out;
	sb_addstr(&xml, "<domainsnapshot><memory snapshot='external' file='");
	xml_escape(&xml, file);
	sb_addstr(&xml, "'/><disks>");
	if (no_disks_xml(w->dom, &xml) < 0)
		goto out;
	sb_addstr(&xml, "</disks></domainsnapshot>");
	snap = virDomainSnapshotCreateXML(w->dom, xml.buf,
					  VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA);
	if (!snap) {
		*why = xstrdup(vm_last_error());
		vm_volume_delete(&w->v, vol);
		ret = 1;
		goto out;
	}
	virDomainSnapshotFree(snap);
	ret = 0;
out:
	if (paused) {
		if (virDomainResume(w->dom) < 0 && ret >= 0)
			ret = err_set("cannot resume '%s': %s", w->st.domain,
				      vm_last_error());
		agent_clock_sync(w->dom);
	}
	/* the disk alone is taken again, frozen, by the caller */
	if (disk && ret != 0 && internal_snapshot(w->dom,
			"blockdev-snapshot-delete-internal-sync", node, name) < 0)
		ret = -1;
	/* the snapshot stands either way: only the running VM lacks them */
	if (unplugged && folders_replug(w->dom, w->ws, virtiofsd,
					FOLDERS_TIMEOUT_S) < 0)
		report_note("the VM's folders are not back in it: %s; 'berth "
			    "reload' brings them", err_msg());
	sb_release(&xml);
	free(file);
	free(vol);
	return ret;
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
snapshot_save(struct machine *w, const char *name, int with_memory,
	      int *was_running, char **why_no_memory)
{
	char *path = overlay_path(w), *node = NULL;
	json_t *meta = NULL;
	struct stat st;
	int paused = 0, frozen = 0, memory = 0, r, ret = -1;
	int state = VIR_DOMAIN_NOSTATE;

	*was_running = 0;
	*why_no_memory = NULL;
	if (!path || machine_not_cluster(w->ws, "snapshot save") < 0)
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
		if (!(node = overlay_node(w->dom, path)))
			goto out;
		vm_domain_state(w->dom, &state);
		if (with_memory && state == VIR_DOMAIN_RUNNING) {
			if ((r = save_with_memory(w, name, node, why_no_memory))
			    < 0)
				goto out;
			memory = r == 0;
		}
	}
	if (!*was_running) {
		if (qemu_img("-c", name, path) < 0)
			goto out;
	} else if (!memory) {
		if (freeze(w, &paused) < 0)
			goto out;
		frozen = 1;
		r = internal_snapshot(w->dom, "blockdev-snapshot-internal-sync",
				      node, name);
		thaw(w, paused);
		frozen = 0;
		if (r < 0)
			goto out;
	}
	meta = meta_load(w->ws);
	/* what it holds: the overlay as it is now (on top of the box), and
	 * the memory */
	json_object_set_new(meta, name, json_pack("{s:b, s:b, s:s, s:I}",
		"running", *was_running, "memory", memory, "consistency",
		!*was_running ? "halted" : memory ? "memory" : paused
		? "paused" : "frozen", "size", (json_int_t)(stat(path, &st) == 0
		? st.st_blocks * 512 : 0) + memory_size(w, name)));
	ret = meta_save(w->ws, meta);
out:
	if (frozen)
		thaw(w, paused);
	json_decref(meta);
	free(node);
	free(path);
	return ret;
}

/* Run on from the snapshot's memory, on its disk (put back already): 1
 * running, with its folders and clock; 0 when there is no memory, or it
 * could not be restored (why in *why, to free): the VM is to boot. */
static int
restore_memory(struct machine *w, const char *name, char **why)
{
	char *vol = memory_volume(w, name), *file = NULL;
	const char *virtiofsd = find_virtiofsd();
	int ret = 0;

	if (vm_volume_exists(&w->v, vol) <= 0 ||
	    !(file = vm_volume_path(&w->v, vol)))
		goto out;
	/* it was saved paused, to run */
	if (virDomainRestoreFlags(w->v.conn, file, NULL,
				  VIR_DOMAIN_SAVE_RUNNING) < 0) {
		*why = xstrdup(vm_last_error());
		goto out;
	}
	/* running now: what fails from here on is an error */
	ret = -1;
	/* the guest's agent answers again once it sees the new channel */
	if (agent_wait(w->dom, FOLDERS_TIMEOUT_S) < 0)
		goto out;
	agent_clock_sync(w->dom);
	if (virtiofsd && folders_replug(w->dom, w->ws, virtiofsd,
					FOLDERS_TIMEOUT_S) < 0)
		goto out;
	ret = 1;
out:
	free(file);
	free(vol);
	return ret;
}

int
snapshot_restore(struct machine *w, const char *name, char **why_no_memory)
{
	char *path = overlay_path(w);
	int ret = -1;

	*why_no_memory = NULL;
	if (!path || machine_not_cluster(w->ws, "snapshot restore") < 0)
		goto out;
	if (must_exist(w, path, name) < 0)
		goto out;
	/* what runs now is being thrown away: no need to shut down gently */
	if (w->dom && is_running(w) && virDomainDestroy(w->dom) < 0) {
		err_set("cannot stop '%s': %s", w->st.domain, vm_last_error());
		goto out;
	}
	if (qemu_img("-a", name, path) < 0)
		goto out;
	ret = restore_memory(w, name, why_no_memory);
out:
	free(path);
	return ret;
}

int
snapshot_delete(struct machine *w, const char *name)
{
	char *path = overlay_path(w), *node = NULL, *vol = NULL;
	json_t *meta;
	int ret = -1;

	if (!path)
		goto out;
	if (must_exist(w, path, name) < 0)
		goto out;
	if (is_running(w)) {
		if (!(node = overlay_node(w->dom, path)) ||
		    internal_snapshot(w->dom,
				      "blockdev-snapshot-delete-internal-sync",
				      node, name) < 0)
			goto out;
	} else if (qemu_img("-d", name, path) < 0) {
		goto out;
	}
	vol = memory_volume(w, name);
	if (vm_volume_delete(&w->v, vol) < 0)
		goto out;
	meta = meta_load(w->ws);
	json_object_del(meta, name);
	ret = meta_save(w->ws, meta);
	json_decref(meta);
out:
	free(vol);
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
			"{s:s, s:s, s:I, s:b, s:b}", "name", name ?: "?", "time", when,
			"size", json_object_get(m, "size")
				? json_integer_value(json_object_get(m, "size"))
				: (json_int_t)(stat(path, &st) == 0
					       ? st.st_blocks * 512 : 0),
			"running", json_is_true(json_object_get(m, "running")),
			"memory", json_is_true(json_object_get(m, "memory"))));
	}
	ret = 0;
out:
	json_decref(list);
	json_decref(meta);
	free(path);
	return ret;
}
