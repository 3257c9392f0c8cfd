/* vm.c: libvirt connection, storage volumes and domain lookups. */

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progress.h"
#include "report.h"
#include "util.h"
#include "vm.h"
#include "xml.h"


static void
on_libvirt_error(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;	/* read back through virGetLastErrorMessage() */
}

void
vm_errors_quiet(void)
{
	virSetErrorFunc(NULL, on_libvirt_error);
}

int
vm_monitor_hmp(virDomainPtr dom, const char *cmd, char **out)
{
	*out = NULL;
	if (virDomainQemuMonitorCommand(dom, cmd, out,
				VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0)
		return err_set("QEMU monitor '%s': %s", cmd, vm_last_error());
	return 0;
}

/* The next forward of "info usernet" text from *pos: 1, with *pos past
 * its line; 0 at the end. */
int
vm_usernet_next(const char **pos, struct usernet_forward *f)
{
	while (**pos) {
		const char *line = *pos, *end = strchr(line, '\n');
		int fd;

		*pos = end ? end + 1 : line + strlen(line);
		if (sscanf(line, " %3[A-Z][HOST_FORWARD] %d %63s %d %*s %d",
			   f->proto, &fd, f->addr, &f->port,
			   &f->guest_port) == 5)
			return 1;
	}
	return 0;
}

/* Run a QMP command (which this takes over) and give its "return". */
int
vm_monitor_qmp(virDomainPtr dom, json_t *cmd, json_t **out)
{
	char *text = json_dumps(cmd, JSON_COMPACT), *res = NULL;
	json_t *j;
	int ret = -1;

	json_decref(cmd);
	if (out)
		*out = NULL;
	if (virDomainQemuMonitorCommand(dom, text, &res, 0) < 0) {
		err_set("QEMU: %s", vm_last_error());
		goto out;
	}
	j = json_loads(res, 0, NULL);
	if (json_object_get(j, "error")) {
		err_set("QEMU: %s", json_string_value(json_object_get(
			json_object_get(j, "error"), "desc")) ?: res);
		json_decref(j);
		goto out;
	}
	if (out)
		*out = json_incref(json_object_get(j, "return"));
	json_decref(j);
	ret = 0;
out:
	free(text);
	free(res);
	return ret;
}

static char *
version_text(unsigned long v)
{
	return xasprintf("%lu.%lu.%lu", v / 1000000, v / 1000 % 1000,
			 v % 1000);
}

char *
vm_libvirt_version(void)
{
	unsigned long v = 0;

	return virGetVersion(&v, NULL, NULL) < 0 ? NULL : version_text(v);
}

char *
vm_host_name(struct vm_conn *v)
{
	return v->conn ? virConnectGetHostname(v->conn) : NULL;
}

int
vm_conn_versions(struct vm_conn *v, char **lib, char **hv)
{
	unsigned long l = 0, h = 0;

	*lib = virConnectGetLibVersion(v->conn, &l) == 0 ? version_text(l)
							 : NULL;
	*hv = virConnectGetVersion(v->conn, &h) == 0 ? version_text(h) : NULL;
	return *lib ? 0 : -1;
}

const char *
vm_last_error(void)
{
	const char *m = virGetLastErrorMessage();

	return m && *m ? m : "unknown libvirt error";
}

/*
 * The last connection opened, kept for the next vm_open of the same URI
 * in this process while it is alive: an up that looks at its domain and
 * then forwards the stack's ports connects once (~10 ms a connection).
 * A dead one (libvirtd restarted) is replaced.
 */
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static virConnectPtr kept_conn;
static char *kept_uri;

static virConnectPtr
connect_kept(const char *uri)
{
	virConnectPtr c = NULL;

	pthread_mutex_lock(&kept_lock);
	if (kept_conn && !strcmp(kept_uri, uri) &&
	    virConnectIsAlive(kept_conn) == 1 && virConnectRef(kept_conn) == 0)
		c = kept_conn;
	pthread_mutex_unlock(&kept_lock);
	if (c || !(c = virConnectOpen(uri)))
		return c;
	pthread_mutex_lock(&kept_lock);
	if (kept_conn)
		virConnectClose(kept_conn);
	free(kept_uri);
	kept_conn = virConnectRef(c) == 0 ? c : NULL;
	kept_uri = xstrdup(uri);
	pthread_mutex_unlock(&kept_lock);
	return c;
}

static int
open_conn(struct vm_conn *v, const char *uri, int keep)
{
	memset(v, 0, sizeof(*v));
	vm_errors_quiet();
	v->uri = xstrdup(uri);
	if (!(v->conn = keep ? connect_kept(uri) : virConnectOpen(uri))) {
		err_set("cannot connect to libvirt at '%s': %s", uri,
			vm_last_error());
		err_hint("is libvirtd running? start it with 'systemctl start "
			 "libvirtd' (or 'libvirtd -d' without systemd)");
		return -1;
	}
	return 0;
}

int
vm_open(struct vm_conn *v, const char *uri)
{
	return open_conn(v, uri, 1);
}

int
vm_open_private(struct vm_conn *v, const char *uri)
{
	return open_conn(v, uri, 0);
}

void
vm_close(struct vm_conn *v)
{
	if (v->pool)
		virStoragePoolFree(v->pool);
	if (v->conn)
		virConnectClose(v->conn);
	free(v->uri);
	memset(v, 0, sizeof(*v));
}

/* The pool looked up, not made: readers need no pool made, and one
 * before vm_pool() must not take "no pool yet" for "no such volume". */
static int
pool_found(struct vm_conn *v)
{
	if (!v->pool)
		v->pool = virStoragePoolLookupByName(v->conn, VM_POOL);
	return v->pool != NULL;
}

int
vm_pool(struct vm_conn *v)
{
	static const char xml[] =
		"<pool type='dir'><name>" VM_POOL "</name>"
		"<target><path>/var/lib/libvirt/images</path></target></pool>";
	int active = 0;

	if (v->pool_ready)
		return 0;
	if (!pool_found(v)) {
		/* a fresh libvirt may have no pool yet: make the usual one */
		report_note("creating libvirt storage pool '%s' in "
			    "/var/lib/libvirt/images", VM_POOL);
		if (!(v->pool = virStoragePoolDefineXML(v->conn, xml, 0)) ||
		    virStoragePoolBuild(v->pool, 0) < 0 ||
		    virStoragePoolSetAutostart(v->pool, 1) < 0) {
			err_set("cannot create the storage pool '%s': %s",
				VM_POOL, vm_last_error());
			return -1;
		}
	}
	if ((active = virStoragePoolIsActive(v->pool)) < 0 ||
	    (!active && virStoragePoolCreate(v->pool, 0) < 0)) {
		err_set("cannot start the storage pool '%s': %s", VM_POOL,
			vm_last_error());
		err_hint("check it with 'virsh pool-info %s'", VM_POOL);
		return -1;
	}
	virStoragePoolRefresh(v->pool, 0);
	v->pool_ready = 1;
	return 0;
}

static virStorageVolPtr
vol_lookup(struct vm_conn *v, const char *name)
{
	return pool_found(v) ? virStorageVolLookupByName(v->pool, name) : NULL;
}

int
vm_volume_exists(struct vm_conn *v, const char *name)
{
	virStorageVolPtr vol = vol_lookup(v, name);

	if (!vol)
		return 0;
	virStorageVolFree(vol);
	return 1;
}

char *
vm_volume_path(struct vm_conn *v, const char *name)
{
	virStorageVolPtr vol = vol_lookup(v, name);
	char *p, *ret;

	if (!vol) {
		err_set("no volume '%s' in pool '%s'", name, VM_POOL);
		return NULL;
	}
	p = virStorageVolGetPath(vol);
	virStorageVolFree(vol);
	if (!p) {
		err_set("cannot get the path of volume '%s': %s", name,
			vm_last_error());
		return NULL;
	}
	ret = xstrdup(p);
	free(p);
	return ret;
}

int
vm_volume_delete(struct vm_conn *v, const char *name)
{
	virStorageVolPtr vol = vol_lookup(v, name);
	int ret = 0;

	if (!vol)
		return 0;
	if (virStorageVolDelete(vol, 0) < 0)
		ret = err_set("cannot delete volume '%s': %s", name,
			      vm_last_error());
	virStorageVolFree(vol);
	return ret;
}

char *
vm_box_volume(const char *box, const char *version, const char *what)
{
	return xasprintf("berth-box-%s-%s.%s", box, version, what);
}

/* Does anything in libvirt still read path: a volume backed by it, or a
 * domain that boots it (a kernel) or has it as a disk? */
static int
path_in_use(struct vm_conn *v, const char *path)
{
	virStorageVolPtr *vols = NULL;
	virDomainPtr *doms = NULL;
	int n, i, used = 0;

	n = virStoragePoolListAllVolumes(v->pool, &vols, 0);
	for (i = 0; i < n; i++) {
		char *xml = used ? NULL : virStorageVolGetXMLDesc(vols[i], 0);

		used = used || xml_any_equals(xml, "/volume/backingStore/path",
					      path);
		free(xml);
		virStorageVolFree(vols[i]);
	}
	free(vols);
	n = virConnectListAllDomains(v->conn, &doms, 0);
	for (i = 0; i < n; i++) {
		char *xml = used ? NULL : virDomainGetXMLDesc(doms[i], 0);

		used = used || xml_any_equals(xml, "//source/@file | "
					      "//backingStore/path | "
					      "//os/kernel | //os/initrd", path);
		free(xml);
		virDomainFree(doms[i]);
	}
	free(doms);
	return used;
}

int
vm_volume_in_use(struct vm_conn *v, const char *name)
{
	char *path = vm_volume_path(v, name);
	int used = path ? path_in_use(v, path) : 0;

	free(path);
	return used;
}

int
vm_volumes_named(struct vm_conn *v, const char *prefix, struct strlist *out)
{
	virStorageVolPtr *vols = NULL;
	int n, i;

	if (!pool_found(v))
		return 0;
	if ((n = virStoragePoolListAllVolumes(v->pool, &vols, 0)) < 0)
		return err_set("cannot list the pool's volumes: %s",
			       vm_last_error());
	for (i = 0; i < n; i++) {
		const char *name = virStorageVolGetName(vols[i]);

		if (name && !strncmp(name, prefix, strlen(prefix)))
			strlist_push(out, name);
		virStorageVolFree(vols[i]);
	}
	free(vols);
	return 0;
}

int
vm_box_volumes_remove(struct vm_conn *v, const char *box, const char *version,
		      int *kept)
{
	static const char *const what[] = { "qcow2", "vmlinuz", "initrd" };
	struct strlist warm = { 0 };
	char *prefix;
	size_t i;
	int ret = 0;

	*kept = 0;
	/* no pool: nothing was ever uploaded (and none is made here) */
	if (!pool_found(v))
		return 0;
	prefix = vm_box_volume(box, version, "warm-");
	/* its warm images first: their disks read the box's, which would
	 * otherwise be kept for them and then left behind with nothing on
	 * it; a warm disk that workspaces stand on stays */
	vm_volumes_named(v, prefix, &warm);
	for (i = 0; i < warm.n && ret == 0; i++) {
		if (vm_volume_in_use(v, warm.v[i]))
			(*kept)++;
		else
			ret = vm_volume_delete(v, warm.v[i]);
	}
	for (i = 0; i < ARRAY_SIZE(what) && ret == 0; i++) {
		char *name = vm_box_volume(box, version, what[i]), *path;

		if (vm_volume_exists(v, name) && (path = vm_volume_path(v, name))) {
			/* a VM made from it keeps it: the overlay reads it */
			if (path_in_use(v, path))
				(*kept)++;
			else
				ret = vm_volume_delete(v, name);
			free(path);
		}
		free(name);
	}
	strlist_release(&warm);
	free(prefix);
	return ret;
}

static virStorageVolPtr
vol_create(struct vm_conn *v, const char *name, uint64_t capacity,
	   const char *format, const char *backing, const char *backing_fmt)
{
	struct strbuf xml = STRBUF_INIT;
	virStorageVolPtr vol;

	sb_addf(&xml, "<volume><name>%s</name>"
		"<capacity unit='bytes'>%llu</capacity>"
		"<target><format type='%s'/>"
		"<permissions><mode>0600</mode></permissions></target>",
		name, (unsigned long long)capacity, format);
	/* always name the backing format: QEMU will not guess it */
	if (backing)
		sb_addf(&xml, "<backingStore><path>%s</path>"
			"<format type='%s'/></backingStore>", backing,
			backing_fmt);
	sb_addstr(&xml, "</volume>");
	vol = virStorageVolCreateXML(v->pool, xml.buf, 0);
	if (!vol)
		err_set("cannot create volume '%s': %s", name, vm_last_error());
	sb_release(&xml);
	return vol;
}

struct upload {
	int fd;
	const unsigned char *buf;
	size_t len, off;
	struct progress bar;
	uint64_t total;
};

static int
upload_source(virStreamPtr st, char *data, size_t n, void *arg)
{
	struct upload *u = arg;
	ssize_t r;

	(void)st;
	if (berth_interrupted)
		return -1;
	if (u->buf) {
		size_t left = u->len - u->off;

		r = (ssize_t)(n < left ? n : left);
		memcpy(data, u->buf + u->off, (size_t)r);
	} else {
		while ((r = read(u->fd, data, n)) < 0 && errno == EINTR)
			;
	}
	if (r > 0) {
		u->off += (size_t)r;
		progress_update(&u->bar, u->off, u->total);
	}
	return (int)r;
}

static int
upload_at(struct vm_conn *v, virStorageVolPtr vol, const char *name,
	  uint64_t offset, struct upload *u)
{
	virStreamPtr st = virStreamNew(v->conn, 0);
	int ret = -1;

	if (!st || virStorageVolUpload(vol, st, offset, u->total, 0) < 0 ||
	    virStreamSendAll(st, upload_source, u) < 0) {
		err_set("cannot upload volume '%s': %s", name,
			berth_interrupted ? "interrupted" : vm_last_error());
		if (st)
			virStreamAbort(st);
		goto out;
	}
	if (virStreamFinish(st) < 0) {
		err_set("cannot finish the upload of '%s': %s", name,
			vm_last_error());
		goto out;
	}
	progress_finish(&u->bar, u->off);
	ret = 0;
out:
	if (st)
		virStreamFree(st);
	return ret;
}

static int
upload(struct vm_conn *v, virStorageVolPtr vol, const char *name,
       struct upload *u)
{
	return upload_at(v, vol, name, 0, u);
}

#define TAIL_CHECK 65536

/* The last bytes of the volume, as downloaded; -1 when unreadable. */
static int
volume_tail(struct vm_conn *v, virStorageVolPtr vol, uint64_t off,
	    char *buf, size_t len)
{
	virStreamPtr st = virStreamNew(v->conn, 0);
	size_t got = 0;
	int r = 0;

	if (!st || virStorageVolDownload(vol, st, off, len, 0) < 0) {
		if (st)
			virStreamFree(st);
		return -1;
	}
	while (got < len && (r = virStreamRecv(st, buf + got, len - got)) > 0)
		got += (size_t)r;
	if (r < 0)
		virStreamAbort(st);
	else
		virStreamFinish(st);
	virStreamFree(st);
	return got == len ? 0 : -1;
}

/*
 * Did an upload of file end? A killed one leaves a volume of the right
 * size (raw volumes are made full size, sparse) but not the right end:
 * uploads go front to back, so the last 64 KiB tell. A file that ends in
 * zeros cannot be told from a cut one; it is uploaded again.
 */
static int
volume_complete(struct vm_conn *v, virStorageVolPtr vol, int fd,
		uint64_t size)
{
	virStorageVolInfo info;
	size_t n = size < TAIL_CHECK ? (size_t)size : TAIL_CHECK;
	char *want, *have;
	size_t i;
	int ok = 0;

	if (virStorageVolGetInfoFlags(vol, &info,
				      VIR_STORAGE_VOL_GET_PHYSICAL) < 0 ||
	    info.allocation < size)
		return 0;
	if (!n)
		return 1;
	want = xmalloc(n);
	have = xmalloc(n);
	if (pread(fd, want, n, (off_t)(size - n)) == (ssize_t)n &&
	    volume_tail(v, vol, size - n, have, n) == 0 &&
	    !memcmp(want, have, n))
		for (i = 0; i < n && !ok; i++)
			ok = want[i] != 0;
	free(want);
	free(have);
	return ok;
}

int
vm_volume_upload(struct vm_conn *v, const char *name, const char *file,
		 const char *format)
{
	struct upload u = { .fd = -1 };
	virStorageVolPtr vol;
	struct stat sb;
	int ret = -1;

	if ((u.fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(u.fd, &sb) < 0) {
		err_set("cannot read '%s': %s", file, strerror(errno));
		if (u.fd >= 0)
			close(u.fd);
		return -1;
	}
	u.total = (uint64_t)sb.st_size;
	if ((vol = vol_lookup(v, name))) {
		if (volume_complete(v, vol, u.fd, u.total)) {
			virStorageVolFree(vol);
			close(u.fd);
			return 0;
		}
		/* left by an interrupted upload: start over */
		virStorageVolDelete(vol, 0);
		virStorageVolFree(vol);
	}
	if (!(vol = vol_create(v, name, u.total, format, NULL, NULL)))
		goto out;
	progress_init(&u.bar, "uploading the box");
	if (upload(v, vol, name, &u) < 0) {
		virStorageVolDelete(vol, 0);
		goto out;
	}
	ret = 0;
out:
	if (vol)
		virStorageVolFree(vol);
	close(u.fd);
	return ret;
}

int
vm_volume_put(struct vm_conn *v, const char *name, const void *data,
	      size_t len, const char *format)
{
	struct upload u = { .fd = -1, .buf = data, .len = len, .total = len };
	virStorageVolPtr vol;
	int ret;

	if (vm_volume_delete(v, name) < 0)
		return -1;
	if (!(vol = vol_create(v, name, len, format, NULL, NULL)))
		return -1;
	progress_init(&u.bar, name);
	u.bar.tty = 0;	/* small: no bar */
	ret = upload(v, vol, name, &u);
	virStorageVolFree(vol);
	return ret;
}

int
vm_volume_read_at(struct vm_conn *v, const char *name, uint64_t off,
		  void *buf, size_t len)
{
	virStorageVolPtr vol = vol_lookup(v, name);
	int ret;

	if (!vol)
		return err_set("no volume '%s' in the pool", name);
	ret = volume_tail(v, vol, off, buf, len);
	virStorageVolFree(vol);
	if (ret < 0)
		err_set("cannot read volume '%s': %s", name, vm_last_error());
	return ret;
}

int
vm_volume_write_at(struct vm_conn *v, const char *name, uint64_t off,
		   const void *buf, size_t len)
{
	struct upload u = { .fd = -1, .buf = buf, .len = len, .total = len };
	virStorageVolPtr vol = vol_lookup(v, name);
	int ret;

	if (!vol)
		return err_set("no volume '%s' in the pool", name);
	progress_init(&u.bar, name);
	u.bar.tty = 0;
	ret = upload_at(v, vol, name, off, &u);
	virStorageVolFree(vol);
	return ret;
}

int
vm_volume_overlay(struct vm_conn *v, const char *name, const char *backing,
		  uint64_t capacity)
{
	virStorageVolPtr vol = vol_lookup(v, name);
	char *path;

	if (vol) {
		virStorageVolFree(vol);
		return 0;
	}
	if (!(path = vm_volume_path(v, backing)))
		return -1;
	vol = vol_create(v, name, capacity, "qcow2", path, "qcow2");
	free(path);
	if (!vol)
		return -1;
	virStorageVolFree(vol);
	return 0;
}

int
vm_nat_network(struct vm_conn *v)
{
	virNetworkPtr net = virNetworkLookupByName(v->conn, "default");
	int active, ret = 0;

	if (!net) {
		err_set("libvirt has no 'default' network for vm.network = "
			"\"nat\": %s", vm_last_error());
		err_hint("define one (virsh net-define), or use network = "
			 "\"user\"");
		return -1;
	}
	active = virNetworkIsActive(net);
	if (active < 0 || (!active && virNetworkCreate(net) < 0))
		ret = err_set("cannot start libvirt's 'default' network: %s",
			      vm_last_error());
	virNetworkFree(net);
	return ret;
}

char *
vm_guest_address(virDomainPtr d)
{
	virDomainInterfacePtr *ifaces = NULL;
	char *ret = NULL;
	int n, i;
	size_t k;

	n = virDomainInterfaceAddresses(d, &ifaces,
			VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0);
	for (i = 0; i < n; i++) {
		for (k = 0; !ret && k < ifaces[i]->naddrs; k++)
			if (ifaces[i]->addrs[k].type ==
			    VIR_IP_ADDR_TYPE_IPV4)
				ret = xstrdup(ifaces[i]->addrs[k].addr);
		virDomainInterfaceFree(ifaces[i]);
	}
	free(ifaces);
	return ret;
}

int
vm_domain_find(struct vm_conn *v, const char *name, virDomainPtr *out)
{
	*out = virDomainLookupByName(v->conn, name);
	if (*out)
		return 1;
	if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)
		return 0;
	return err_set("cannot look up domain '%s': %s", name,
		       vm_last_error());
}

int
vm_domain_find_for(struct vm_conn *v, const char *name, const char *dir,
		   virDomainPtr *out)
{
	char *meta, *path = NULL;
	int r = vm_domain_find(v, name, out);

	if (r <= 0)
		return r;
	if ((meta = virDomainGetMetadata(*out, VIR_DOMAIN_METADATA_ELEMENT,
					 VM_METADATA_NS, 0)))
		path = xml_first(meta, "/*/path");
	free(meta);
	if (path && !strcmp(path, dir)) {
		free(path);
		return 1;
	}
	virDomainFree(*out);
	*out = NULL;
	err_set("the state in '%s' names the VM '%s', which is %s", dir, name,
		path ? "another folder's" : "not berth's");
	err_hint("remove %s/.berth/state.json: berth then finds this "
		 "folder's own VM by its metadata", dir);
	free(path);
	return -1;
}

int
vm_domain_define(struct vm_conn *v, const char *xml, virDomainPtr *out)
{
	if (!(*out = virDomainDefineXML(v->conn, xml)))
		return err_set("cannot define the domain: %s", vm_last_error());
	return 0;
}

int
vm_domain_remove(virDomainPtr d, const char *name)
{
	int state;

	vm_domain_state(d, &state);
	if (state != VIR_DOMAIN_SHUTOFF && virDomainDestroy(d) < 0)
		return err_set("cannot stop '%s': %s", name, vm_last_error());
	if (virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
				   VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
				   VIR_DOMAIN_UNDEFINE_NVRAM) < 0)
		return err_set("cannot remove '%s': %s", name,
			       vm_last_error());
	return 0;
}

const char *
vm_domain_state(virDomainPtr d, int *state)
{
	int s = VIR_DOMAIN_NOSTATE, reason = 0;

	if (virDomainGetState(d, &s, &reason, 0) < 0)
		s = VIR_DOMAIN_NOSTATE;
	if (state)
		*state = s;
	switch (s) {
	case VIR_DOMAIN_RUNNING:
		return "running";
	case VIR_DOMAIN_BLOCKED:
		return "running";
	case VIR_DOMAIN_PAUSED:
		return "paused";
	case VIR_DOMAIN_SHUTDOWN:
		return "shutting down";
	case VIR_DOMAIN_SHUTOFF:
		return virDomainHasManagedSaveImage(d, 0) > 0 ? "saved"
							      : "shut off";
	case VIR_DOMAIN_CRASHED:
		return "crashed";
	case VIR_DOMAIN_PMSUSPENDED:
		return "suspended";
	}
	return "unknown";
}

int
vm_list(struct vm_conn *v, struct vm_entry **out, size_t *n)
{
	virDomainPtr *doms = NULL;
	int count, i;
	size_t alloc = 0;

	*out = NULL;
	*n = 0;
	count = virConnectListAllDomains(v->conn, &doms, 0);
	if (count < 0)
		return err_set("cannot list domains: %s", vm_last_error());
	for (i = 0; i < count; i++) {
		char *meta = virDomainGetMetadata(doms[i],
						  VIR_DOMAIN_METADATA_ELEMENT,
						  VM_METADATA_NS, 0);
		struct vm_entry *e;

		if (meta) {
			ALLOC_GROW(*out, *n + 1, alloc);
			e = &(*out)[(*n)++];
			e->domain = xstrdup(virDomainGetName(doms[i]));
			e->id = xml_first(meta, "/*/id");
			e->workspace = xml_first(meta, "/*/name");
			e->path = xml_first(meta, "/*/path");
			e->env = xml_first(meta, "/*/env");
			if (!e->env || !*e->env) {
				free(e->env);
				e->env = xstrdup("default");
			}
			{
				char *node = xml_first(meta, "/*/node");

				e->node = node ? atoi(node) : 0;
				free(node);
			}
			e->box = xml_first(meta, "/*/box");
			e->box_version = xml_first(meta, "/*/box-version");
			e->state = vm_domain_state(doms[i], NULL);
			free(meta);
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	return 0;
}

void
vm_entries_free(struct vm_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].domain);
		free(e[i].id);
		free(e[i].workspace);
		free(e[i].path);
		free(e[i].env);
		free(e[i].box);
		free(e[i].box_version);
	}
	free(e);
}
