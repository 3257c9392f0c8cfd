/* warm.c: warm images (see warm.h). A workspace made from one gets its
 * identity through the guest agent, over virtio-serial: its hostname,
 * machine-id, SSH host keys and key, Docker's TLS files, the clock and
 * its folders. None of those is in the image, made before any existed. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "digest.h"
#include "folders.h"
#include "seed.h"
#include "ssh.h"
#include "remote.h"
#include "warm.h"

/* How the identity script names the guest's new SSH host key. */
#define HOST_KEY_MARK "berth-host-key: "

/* The accelerator a warm image is made with: the workspace's own, or the
 * host's once probed (a probe needs a real boot: that one is cold). */
static char *
warm_accel(const struct up_run *u)
{
	if (u->ws->vm.accel == ACCEL_KVM)
		return xstrdup("kvm");
	if (u->ws->vm.accel == ACCEL_TCG)
		return xstrdup("tcg");
	if (u->st.accel)
		return xstrdup(u->st.accel);
	/* no /dev/kvm: TCG, with nothing to probe */
	return access("/dev/kvm", F_OK) == 0 ? host_accel(NULL)
					      : xstrdup("tcg");
}

/* Everything the saved machine depends on: the box version, the shape,
 * the accelerator, the domain template, and what berth puts in it. */
static char *
warm_key(const struct up_run *u, const char *accel)
{
	char *tpath = path_join(berth_datadir(), "templates/vm/domain.xml");
	struct strbuf sb = STRBUF_INIT;
	struct digest *d = digest_new("sha256");
	char *key;

	sb_addf(&sb, "%s|%s|%s|%d|%llu|%llu|%s|%s|", WARM_VERSION,
		u->box.name, u->box.version, u->ws->vm.cpus,
		(unsigned long long)u->ws->vm.memory,
		(unsigned long long)u->ws->vm.disk, accel, find_virtiofsd());
	sb_read_file(&sb, tpath);
	digest_update(d, sb.buf, sb.len);
	key = xstrndup(digest_hex(d), 12);
	digest_free(d);
	sb_release(&sb);
	free(tpath);
	return key;
}

static void
warm_set_gen(struct warm *w, const char *prefix, unsigned long gen)
{
	free(w->disk);
	free(w->save);
	free(w->seed);
	w->disk = xasprintf("%s%lu.qcow2", prefix, gen);
	w->save = xasprintf("%s%lu.save", prefix, gen);
	w->seed = xasprintf("%s%lu.seed", prefix, gen);
}

/* What cut makes of the image left: a generation with a disk and no
 * memory is never restored, and one with no disk is nothing. Its seed
 * and memory go, and its disk once no workspace stands on it (a cut
 * workspace's overlay goes on its next up). Under the image's lock, so
 * no make is under way. */
static void
warm_sweep(struct up_run *u, const char *prefix)
{
	struct strlist vols = { 0 };
	size_t i;

	vm_volumes_named(&u->v, prefix, &vols);
	for (i = 0; i < vols.n; i++) {
		const char *name = vols.v[i], *dot = strrchr(name, '.');
		int len = (int)(dot - name);
		char *disk = xasprintf("%.*s.qcow2", len, name);
		char *save = xasprintf("%.*s.save", len, name);

		if (!strlist_has(&vols, disk) ||
		    (!strlist_has(&vols, save) &&
		     (strcmp(dot, ".qcow2") || !vm_volume_in_use(&u->v, name))))
			vm_volume_delete(&u->v, name);
		free(disk);
		free(save);
	}
	strlist_release(&vols);
}

/* The image's volumes: berth-box-NAME-VERSION.warm-KEY-GEN.{qcow2,save}.
 * The newest generation with both is the image; a new one is made under
 * the next, since an old disk may still be the base of workspaces. */
static void
warm_names(struct up_run *u, struct warm *w)
{
	struct strlist vols = { 0 };
	char *prefix = xasprintf("berth-box-%s-%s.warm-%s-", u->box.name,
				 u->box.version, w->key);
	size_t i, plen = strlen(prefix);
	unsigned long gen, top = 0, ready = 0;

	warm_sweep(u, prefix);
	vm_volumes_named(&u->v, prefix, &vols);
	for (i = 0; i < vols.n; i++) {
		char *end, *disk;

		gen = strtoul(vols.v[i] + plen, &end, 10);
		top = gen > top ? gen : top;
		if (strcmp(end, ".save") || gen <= ready)
			continue;
		disk = xasprintf("%s%lu.qcow2", prefix, gen);
		if (strlist_has(&vols, disk))
			ready = gen;
		free(disk);
	}
	warm_set_gen(w, prefix, ready ? ready : top + 1);
	strlist_release(&vols);
	free(prefix);
}

int
warm_applies(struct up_run *u, struct warm *w, const char **why)
{
	const char *env = getenv("BERTH_WARM");
	char *overlay;
	int fresh;

	memset(w, 0, sizeof(*w));
	w->lock_fd = -1;
	*why = NULL;
	/* opt-in while an up killed on a workspace that is making the image
	 * does not always converge (tests/e2e/faults.sh, stop 24) */
	if (env ? strcmp(env, "1") : !u->ws->node)
		return 0;	/* a cluster's nodes are made warm unless told */
	/* a workspace that has its disk already boots from it */
	overlay = xasprintf("%s.qcow2", u->st.domain);
	fresh = vm_pool(&u->v) == 0 && !vm_volume_exists(&u->v, overlay);
	free(overlay);
	if (!fresh)
		return 0;
	if (u->ws->vm.network != NET_USER) {
		*why = "vm.network is \"nat\" (a warm image needs user "
		       "networking)";
		return 0;
	}
	if (vm_uri_remote(u->ws->vm.uri)) {
		/* its memory image is a file on this machine */
		*why = "the VM is on another host (a warm image is a "
		       "file on this one)";
		return 0;
	}
	if (!find_virtiofsd()) {
		*why = "virtiofsd is missing (a warm image needs it)";
		return 0;
	}
	if (!u->box.has_docker &&
	    u->ws->docker.install == DOCKER_INSTALL_NEVER)
		return 0;
	if (!(w->accel = warm_accel(u)))
		return 0;
	w->key = warm_key(u, w->accel);
	return 1;	/* its volumes are named under its lock */
}

void
warm_release(struct warm *w)
{
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	free(w->key);
	free(w->disk);
	free(w->save);
	free(w->seed);
	free(w->accel);
	memset(w, 0, sizeof(*w));
	w->lock_fd = -1;
}

/* One maker or restorer of a warm image at a time, on this host. */
static int
warm_lock(struct warm *w)
{
	char *home = berth_home(), *name, *path;

	if (w->lock_fd >= 0)
		return 0;
	if (!home)
		return err_set("no home folder for berth's locks");
	mkdir_p(home, 0755);
	name = xasprintf("warm-%s.lock", w->key);
	path = path_join(home, name);
	w->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(name);
	free(home);
	if (w->lock_fd < 0 || flock(w->lock_fd, LOCK_EX) < 0) {
		err_set("cannot lock '%s'", path);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

static void
warm_unlock(struct warm *w)
{
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	w->lock_fd = -1;
}

void
warm_forget(struct up_run *u, struct warm *w)
{
	vm_volume_delete(&u->v, w->save);
	vm_volume_delete(&u->v, w->seed);
	/* workspaces made from it stand on it: it goes with the last */
	if (!vm_volume_in_use(&u->v, w->disk))
		vm_volume_delete(&u->v, w->disk);
}

/* The console of the image's boot, kept beside berth's data. */
static char *
warm_log(const struct warm *w)
{
	char *home = berth_home(), *name = xasprintf("warm-%s.log", w->key);
	char *path = path_join(home ? home : "/tmp", name);

	free(home);
	free(name);
	return path;
}

/* A restored workspace's console starts with the boot it comes from. */
static void
warm_console(const struct warm *w, const char *console_log)
{
	char *log = warm_log(w);
	struct strbuf sb = STRBUF_INIT;

	sb_read_file(&sb, log);
	sb_addstr(&sb, "\n[berth: restored from the warm image above]\n");
	write_file_atomic(console_log, sb.buf, sb.len, 0600);
	sb_release(&sb);
	free(log);
}

/* The image's seed: the box's user and Docker, nothing of a workspace. */
static int
warm_seed(struct up_run *u, struct warm *w)
{
	struct seed s = { 0 };
	struct strbuf iso = STRBUF_INIT;
	char *id = xasprintf("warm-%s", w->key);
	int ret;

	s.hostname = "berth-warm";
	s.instance_id = id;
	s.docker_bare = 1;
	s.docker_install = !u->box.has_docker;
	ret = seed_iso(&s, &iso);
	if (ret == 0)
		ret = vm_volume_put(&u->v, w->seed, iso.buf, iso.len, "raw");
	sb_release(&iso);
	free(id);
	return ret;
}

/*
 * A save holds every page that is not all zeros, and a page once used
 * keeps its bytes when freed. So the page cache is dropped, and the
 * balloon's free page reporting (templates/vm/domain.xml) hands the freed
 * pages back to the host, which then reads them as zeros: the image, and
 * each restore of it, is what the guest really uses. Writing zeros over
 * the free memory instead took 20 s under TCG.
 */
#define DROP_FREE_MEMORY                                                   \
	"echo 3 >/proc/sys/vm/drop_caches; " WARM_ENGINE_FILES                \
	"echo 1 >/proc/sys/vm/compact_memory; sleep 3"

/* But for the engine's programs and their libraries, read back into the
 * page cache: dockerd's start is the one wait of a restore, and it read
 * its 75 MB from the disk (5-6 s under TCG), then iptables' at each of
 * its dozens of calls. */
#define WARM_ENGINE_FILES                                                  \
	"for f in dockerd docker-proxy docker-init runc "                     \
	"containerd-shim-runc-v2 xtables-nft-multi xtables-legacy-multi; do " \
	"p=$(command -v $f || ls /usr/sbin/$f 2>/dev/null) || continue; "     \
	"cat \"$(readlink -f \"$p\")\" $(ldd \"$p\" 2>/dev/null | "          \
	"awk '$3 ~ /^\\// { print $3 }') >/dev/null 2>&1; done; "

int
warm_ensure(struct up_run *u, struct warm *w)
{
	struct vm_plan plan = { 0 };
	char *base, *kernel = NULL, *initrd = NULL;
	int ret;

	if (warm_lock(w) < 0)
		return -1;
	/* another berth may have made it, or a new generation, meanwhile */
	warm_names(u, w);
	if (vm_volume_exists(&u->v, w->save) &&
	    vm_volume_exists(&u->v, w->disk)) {
		w->ready = 1;
		return 0;
	}
	/* this up makes it: what a cut make left goes, but for a disk that
	 * workspaces stand on, which is never booted again */
	warm_forget(u, w);
	while (vm_volume_exists(&u->v, w->disk)) {
		char *p = strrchr(w->disk, '-');
		unsigned long gen = strtoul(p + 1, NULL, 10) + 1;
		char *prefix = xstrndup(w->disk, (size_t)(p - w->disk) + 1);

		warm_set_gen(w, prefix, gen);
		free(prefix);
	}
	base = box_volume(&u->box, "qcow2");
	ret = upload_box(&u->v, &u->box, &plan, &kernel, &initrd) < 0 ||
	      vm_volume_overlay(&u->v, w->disk, base, u->ws->vm.disk) < 0 ||
	      warm_seed(u, w) < 0 ? -1 : 0;
	free(base);
	free(kernel);
	free(initrd);
	return ret;
}

/* The script that makes the restored guest this workspace's. */
static int
identity_script(struct up_run *u, struct strbuf *sh)
{
	const struct ws *ws = u->ws;
	char *pub = ssh_pubkey(ws), *hostname = xstrdup(ws->name);
	unsigned uid = guest_uid(ws);
	size_t i;
	int ret = -1;

	for (i = 0; hostname[i]; i++)
		if (hostname[i] == '_')
			hostname[i] = '-';
	if (!pub) {
		err_set("cannot read the workspace's SSH public key");
		goto out;
	}
	/* the host's clock, as the script starts */
	sb_addstr(sh, "set -u\n");
	agent_clock_script(sh);
	/* Docker first: its start is most of the time here (seconds under
	 * TCG), and the rest goes on beside it */
	if (machine_docker_tls_script(ws, sh) < 0)
		goto out;
	/* the ready file makes berth's boxes start dockerd at boot; other
	 * boxes have it enabled */
	sb_addstr(sh, ": >" DOCKER_READY_FILE "\n"
		  "[ -e " BOX_DOCKER_PATH_UNIT " ] || systemctl enable docker "
		  "2>/dev/null\n"
		  "systemctl start docker & docker=$!\n");
	/* cloud-init ran once, in the image; it must not run again */
	sb_addstr(sh, "touch " CLOUD_INIT_OFF_FILE "\n");
	sb_addstr(sh, "h=");
	sh_quoted(sh, hostname);
	sb_addstr(sh, "\necho \"$h\" >/etc/hostname; hostname \"$h\"\n"
		  "sed -i \"s/^127\\.0\\.1\\.1[[:space:]].*/127.0.1.1 $h/\" "
		  "/etc/hosts\n"
		  "rm -f /etc/machine-id /var/lib/dbus/machine-id\n"
		  "systemd-machine-id-setup >/dev/null || exit 1\n"
		  "rm -f /etc/ssh/ssh_host_*\n"
		  "ssh-keygen -q -t ed25519 -N '' -f "
		  "/etc/ssh/ssh_host_ed25519_key || exit 1\n"
		  "systemctl --no-block restart ssh\n");
	if (uid)
		sb_addf(sh, "[ \"$(id -u berth)\" = %u ] || usermod -u %u "
			"berth || exit 1\n", uid, uid);
	sb_addstr(sh, "install -d -m 0700 -o berth -g berth /home/berth/.ssh\n");
	machine_script_file(sh, "/home/berth/.ssh/authorized_keys", "0600",
			    pub);
	sb_addstr(sh, "chown berth:berth /home/berth/.ssh/authorized_keys\n");
	folders_mount_script(ws, 1, sh);
	sb_addstr(sh, "wait $docker || { echo 'dockerd did not start'; "
		  "exit 1; }\nsync\n");
	sb_addstr(sh, "echo \"" HOST_KEY_MARK "$(cut -d' ' -f1,2 "
		  "/etc/ssh/ssh_host_ed25519_key.pub)\"\n");
	ret = 0;
out:
	free(pub);
	free(hostname);
	return ret;
}

/* Define the domain with plan (hotplug_fs as given), keeping its UUID,
 * and record in the state that it comes from w, its identity to come. */
static int
define_as(struct up_run *u, struct warm *w, struct vm_plan *plan)
{
	struct strbuf xml = STRBUF_INIT;
	int ret = -1;

	if (u->dom && virDomainGetUUIDString(u->dom, plan->uuid) < 0)
		plan->uuid[0] = '\0';
	/* first: the XML of a warm-made domain differs (vm-xml.c) */
	free(u->st.accel);
	u->st.accel = xstrdup(w->accel);
	free(u->st.warm);
	u->st.warm = xstrdup(w->key);
	u->st.warm_pending = 1;
	if (vm_domain_xml(u->ws, &u->st, plan, &xml) < 0)
		goto out;
	if (u->dom)
		virDomainFree(u->dom);
	u->dom = NULL;
	if (vm_domain_define(&u->v, xml.buf, &u->dom) < 0 ||
	    virDomainGetUUIDString(u->dom, plan->uuid) < 0)
		goto out;
	ret = state_save(u->ws, &u->st);
out:
	sb_release(&xml);
	return ret;
}

/* The workspace's known_hosts: the host key its identity made, so that
 * SSH trusts no key on first use, and none seen before it (the image's,
 * by an ssh during the restore). */
static int
trust_host_key(struct up_run *u, const char *out)
{
	const char *key = out ? strstr(out, HOST_KEY_MARK) : NULL;
	char *path = state_path(u->ws, "known_hosts"), *line;
	int len = 0, ret = 0;

	if (key) {
		key += strlen(HOST_KEY_MARK);
		len = (int)strcspn(key, "\n");
	}
	if (len < 16) {	/* none: then trusted on first use */
		unlink(path);
		free(path);
		return 0;
	}
	line = xasprintf("[127.0.0.1]:%d %.*s\n", u->st.ssh_port, len, key);
	ret = write_file_atomic(path, line, strlen(line), 0600);
	free(line);
	free(path);
	return ret;
}

/* Running, with the image's state: its folders, clock and identity. */
static int
settle(struct up_run *u, const struct vm_plan *plan)
{
	struct strbuf sh = STRBUF_INIT, out = STRBUF_INIT;
	long long pid;
	int ret = -1, rc;

	/* the script first, then the folders: a plugged device takes the
	 * guest seconds to take in (PCIe hotplug), and dockerd's start as
	 * long, so the two overlap; the script waits for its mounts */
	if (agent_wait(u->dom, 60) < 0 || identity_script(u, &sh) < 0 ||
	    (pid = agent_sh_start(u->dom, sh.buf)) < 0)
		goto out;
	if (folders_plug(u->dom, u->ws, plan->virtiofsd) < 0) {
		agent_sh_wait(u->dom, pid, u->timeout_s, NULL);
		goto out;
	}
	rc = agent_sh_wait(u->dom, pid, u->timeout_s, &out);
	if (rc != 0) {
		if (rc > 0)
			err_set("the VM did not take its identity (exit %d): %s",
				rc, out.buf ? out.buf : "");
		goto out;
	}
	if (trust_host_key(u, out.buf) < 0)
		goto out;
	u->st.warm_pending = 0;
	free(u->st.fstab_folders);
	u->st.fstab_folders = folders_fstab_key(u->ws);
	ret = state_save(u->ws, &u->st);
out:
	sb_release(&sh);
	sb_release(&out);
	return ret;
}

/* A new workspace from a ready image: a restore under its own name. */
static int
warm_restore(struct up_run *u, struct warm *w, struct vm_plan *plan)
{
	struct strbuf xml = STRBUF_INIT;
	char *path = NULL;
	int ret = -1, rc;

	report(u->rep, REPORT_PHASE, NULL, "restoring");
	/* defined as it will boot later, folders and all */
	plan->hotplug_fs = 0;
	if (define_as(u, w, plan) < 0)
		goto out;
	/* restored as the image runs: its devices, which libvirt checks */
	plan->hotplug_fs = 1;
	if (vm_domain_xml(u->ws, &u->st, plan, &xml) < 0 ||
	    !(path = vm_volume_path(&u->v, w->save)))
		goto out;
	warm_console(w, plan->console_log);
	if (save_image_retarget(&u->v, w->save, u->st.domain,
				plan->uuid) < 0) {
		ret = WARM_REFUSED;	/* not an image this libvirt made */
		goto out;
	}
	rc = virDomainRestoreFlags(u->v.conn, path, xml.buf,
				   VIR_DOMAIN_SAVE_RUNNING);
	warm_unlock(w);
	if (rc < 0) {
		err_set("%s", vm_last_error());
		ret = WARM_REFUSED;
		goto out;
	}
	ret = settle(u, plan);
out:
	plan->hotplug_fs = 0;
	sb_release(&xml);
	free(path);
	return ret;
}

/*
 * The first workspace of a box version and shape makes the image as it
 * comes up: it boots on the image's disk with the image's seed (nothing
 * of a workspace), and once Docker is installed an external snapshot
 * writes its memory to the image and moves its disk onto the
 * workspace's overlay, while it runs on. It then takes its identity like
 * any restored one: the image costs this up a snapshot, not a boot.
 */
static int
warm_first(struct up_run *u, struct warm *w, struct vm_plan *plan)
{
	struct vm_plan first = *plan;
	struct strbuf xml = STRBUF_INIT, out = STRBUF_INIT, con = STRBUF_INIT;
	char *mem = NULL, *top = NULL, *log = warm_log(w);
	virDomainSnapshotPtr snap;
	double t0 = clock_now();
	int ret = -1, rc;

	report(u->rep, REPORT_PHASE, NULL, "warming");
	report(u->rep, REPORT_LINE, NULL, "    the first workspace of %s %s "
	       "in this VM shape: it boots, and makes the warm image that "
	       "later ones restore in seconds", u->box.name, u->box.version);
	first.overlay = w->disk;
	first.seed = w->seed;
	first.hotplug_fs = 1;
	if (define_as(u, w, &first) < 0)
		goto out;
	memcpy(plan->uuid, first.uuid, sizeof(plan->uuid));
	truncate(plan->console_log, 0);
	report(u->rep, REPORT_PHASE, NULL, "booting");
	if (virDomainCreate(u->dom) < 0) {
		err_set("cannot start '%s': %s", u->st.domain, vm_last_error());
		goto out;
	}
	if (agent_wait(u->dom, u->timeout_s) < 0)
		goto out;
	/* cloud-init done, containerd running, dockerd not: its start is
	 * the identity's, when it reads its TLS files */
	rc = agent_sh(u->dom, CLOUD_INIT_WAIT " || exit 3; "
		      "command -v dockerd >/dev/null || exit 4; "
		      "systemctl stop docker.socket docker.service "
		      "2>/dev/null; systemctl start containerd; sync; "
		      DROP_FREE_MEMORY, u->timeout_s, &out);
	if (rc != 0) {
		if (rc > 0)
			err_set("the VM did not get %s (exit %d): %s",
				rc == 4 ? "Docker installed" : "through cloud-init",
				rc, out.buf ? out.buf : "");
		console_tail(u->rep, plan->console_log, 20);
		goto out;
	}
	if (vm_volume_put(&u->v, w->save, "", 0, "raw") < 0 ||
	    !(mem = vm_volume_path(&u->v, w->save)) ||
	    !(top = vm_volume_path(&u->v, plan->overlay)))
		goto out;
	sb_addstr(&xml, "<domainsnapshot><memory snapshot='external' file='");
	xml_escape(&xml, mem);
	sb_addstr(&xml, "'/><disks><disk name='vda' snapshot='external'>"
		  "<driver type='qcow2'/><source file='");
	xml_escape(&xml, top);
	sb_addstr(&xml, "'/></disk><disk name='vdb' snapshot='no'/></disks>"
		  "</domainsnapshot>");
	snap = virDomainSnapshotCreateXML(u->dom, xml.buf,
					  VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA |
					  VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT |
					  VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC);
	if (!snap) {
		err_set("%s", vm_last_error());
		ret = WARM_REFUSED;
		goto out;
	}
	virDomainSnapshotFree(snap);
	virStoragePoolRefresh(u->v.pool, 0);
	warm_unlock(w);
	/* later restores' consoles start with this boot */
	if (sb_read_file(&con, plan->console_log) == 0)
		write_file_atomic(log, con.buf, con.len, 0600);
	report(u->rep, REPORT_LINE, NULL, "    warm image made (%.0f s)",
	       clock_now() - t0);
	report(u->rep, REPORT_PHASE, NULL, "identity");
	ret = settle(u, plan);
out:
	sb_release(&xml);
	sb_release(&out);
	sb_release(&con);
	free(mem);
	free(top);
	free(log);
	return ret;
}

int
warm_start(struct up_run *u, struct warm *w, struct vm_plan *plan)
{
	int ret;

	plan->accel = !strcmp(w->accel, "kvm") ? "kvm" : "qemu";
	plan->virtiofs = 1;
	ret = w->ready ? warm_restore(u, w, plan) : warm_first(u, w, plan);
	warm_unlock(w);
	if (ret == 0 && !w->ready) {
		/* defined as it boots from now on: its disk, seed, folders */
		plan->hotplug_fs = 0;
		ret = define_as(u, w, plan);
		u->st.warm_pending = 0;
		if (ret == 0)
			ret = state_save(u->ws, &u->st);
	}
	return ret;
}
