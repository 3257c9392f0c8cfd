/* machine-up.c: bring the workspace VM up: box volume, overlay, seed,
 * domain, boot (KVM probed, TCG when it fails), and wait until SSH,
 * cloud-init and Docker are done. Every step can be repeated, so an
 * interrupted 'up' converges when run again. Progress goes to the
 * caller's reporter. */

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "box.h"
#include "cluster.h"
#include "digest.h"
#include "folders.h"
#include "machine.h"
#include "remote.h"
#include "seed.h"
#include "ssh.h"
#include "tls.h"
#include "up.h"
#include "vm-xml.h"
#include "warm.h"

/* Ports: keep the recorded ones while they are still free, else pick. */
static int
plan_ports(const struct ws *ws, struct ws_state *st, int running)
{
	size_t i;

	if (!running) {
		if (!st->ssh_port || !port_is_free("127.0.0.1", st->ssh_port))
			st->ssh_port = port_pick_free();
		if (!st->docker_port ||
		    !port_is_free("127.0.0.1", st->docker_port))
			st->docker_port = port_pick_free();
		if (st->ssh_port < 0 || st->docker_port < 0)
			return -1;
	}
	if (st->nvm_ports != ws->vm.nports) {
		free(st->vm_ports);
		st->vm_ports = xcalloc(ws->vm.nports + 1, sizeof(int));
		st->nvm_ports = ws->vm.nports;
	}
	for (i = 0; i < ws->vm.nports; i++) {
		const struct port_spec *p = &ws->vm.ports[i];

		if (p->host_port) {
			/* a fixed port that is taken: say so before booting */
			if (!running && !port_is_free(p->host_ip,
						       (int)p->host_port)) {
				err_set("port %s:%u is in use", p->host_ip,
					p->host_port);
				err_hint("free it, or set another host port in "
					 "%s:%d (vm.ports[%zu])", ws->file,
					 p->line, i);
				return -1;
			}
			st->vm_ports[i] = (int)p->host_port;
		} else if (!running && (!st->vm_ports[i] ||
				!port_is_free(p->host_ip, st->vm_ports[i]))) {
			if ((st->vm_ports[i] = port_pick_free()) < 0)
				return -1;
		}
	}
	return 0;
}

/* Everything the domain definition depends on, hashed: a change means the
 * running VM is out of date. */
static char *
vm_settings_hash(const struct ws *ws, const struct box *box)
{
	struct digest *d = digest_new("sha256");
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	char *ret;

	sb_addf(&sb, "%s|%s|%s|%d|%llu|%llu|%s|%d|%d|", ws->name, box->name,
		box->version, ws->vm.cpus, (unsigned long long)ws->vm.memory,
		(unsigned long long)ws->vm.disk, ws->vm.uri, ws->vm.network,
		ws->vm.accel);
	for (i = 0; i < ws->vm.nports; i++)
		sb_addf(&sb, "p%s:%u:%u/%d|", ws->vm.ports[i].host_ip,
			ws->vm.ports[i].host_port, ws->vm.ports[i].port,
			ws->vm.ports[i].proto);
	for (i = 0; i < ws->vm.nshared; i++)
		sb_addf(&sb, "s%s:%s:%d|", ws->vm.shared[i].host,
			ws->vm.shared[i].guest, ws->vm.shared[i].readonly);
	/* a cluster's node has a NIC on the cluster network */
	if (ws->cluster.nodes > 1)
		sb_addstr(&sb, "cluster|");
	digest_update(d, sb.buf, sb.len);
	ret = xstrndup(digest_hex(d), 16);
	digest_free(d);
	sb_release(&sb);
	return ret;
}

const char *
find_virtiofsd(void)
{
	static const char *const paths[] = { "/usr/lib/qemu/virtiofsd",
					     "/usr/libexec/virtiofsd",
					     "/usr/bin/virtiofsd" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* Box volumes are shared by every workspace on the box version. */
char *
box_volume(const struct box *b, const char *what)
{
	return vm_box_volume(b->name, b->version, what);
}

/* A file of the box's folder as a pool volume; its path in *path. */
static int
upload_boot_file(struct vm_conn *v, const struct box *b, const char *name,
		 const char *suffix, char **path)
{
	char *vol = box_volume(b, suffix), *file = path_join(b->dir, name);
	int ret = vm_volume_upload(v, vol, file, "raw");

	*path = ret == 0 ? vm_volume_path(v, vol) : NULL;
	free(vol);
	free(file);
	return *path ? 0 : -1;
}

int
upload_box(struct vm_conn *v, const struct box *b, struct vm_plan *plan,
	   char **kernel, char **initrd)
{
	char *vol = box_volume(b, "qcow2");
	int ret = vm_volume_upload(v, vol, b->image, "qcow2");

	free(vol);
	if (ret < 0 || !b->kernel)
		return ret;
	/* QEMU reads the kernel from the pool, where it may read, and
	 * where a remote libvirt has it too */
	if (upload_boot_file(v, b, b->kernel, "vmlinuz", kernel) < 0 ||
	    (b->initrd && upload_boot_file(v, b, b->initrd, "initrd",
					   initrd) < 0))
		return -1;
	plan->kernel = *kernel;
	plan->initrd = *initrd;
	plan->cmdline = b->cmdline;
	return 0;
}

/*
 * virtiofs shows the host's owners and modes as they are: the guest user
 * takes the uid of the workspace folder's owner, so that a folder of mode
 * 0700 is its own in the guest too, and what it writes there is the
 * owner's on the host. Only for a uid in the range of people's accounts:
 * below 1000 the box's system accounts live, and root stays root.
 */
unsigned
guest_uid(const struct ws *ws)
{
	struct stat st;

	if (stat(ws->dir, &st) < 0 || st.st_uid < 1000 || st.st_uid >= 60000)
		return 0;
	return (unsigned)st.st_uid;
}

/* The guest's address on QEMU's user-mode network, for the certificate. */
static const char *const guest_addrs[] = { "10.0.2.15", NULL };

int
write_seed(struct vm_conn *v, const struct ws *ws, const struct ws_state *st,
	   const struct box *box, const char *seed_vol)
{
	struct seed s = { 0 };
	struct strbuf iso = STRBUF_INIT, ca = STRBUF_INIT, cert = STRBUF_INIT;
	struct strbuf key = STRBUF_INIT;
	char *pub = ssh_pubkey(ws), *hostname = xstrdup(ws->name);
	char *tls = state_path(ws, "docker"), *p;
	const char **shared = xcalloc(ws->vm.nshared + 1, sizeof(char *));
	int *shared_ro = xcalloc(ws->vm.nshared + 1, sizeof(int));
	size_t i;
	int ret = -1;

	if (!pub) {
		err_set("cannot read the workspace's SSH public key");
		goto out;
	}
	for (i = 0; hostname[i]; i++)
		if (hostname[i] == '_')
			hostname[i] = '-';
	/* virtiofs cannot cross hosts: a remote VM mounts none */
	for (i = 0; i < ws->vm.nshared && !vm_uri_remote(ws->vm.uri); i++) {
		shared[i] = ws->vm.shared[i].guest;
		shared_ro[i] = ws->vm.shared[i].readonly;
	}
	if (tls_ensure(tls, ws->name, guest_addrs) < 0)
		goto out;
	p = path_join(tls, "ca.pem");
	ret = sb_read_file(&ca, p);
	free(p);
	p = path_join(tls, "server-cert.pem");
	ret |= sb_read_file(&cert, p);
	free(p);
	p = path_join(tls, "server-key.pem");
	ret |= sb_read_file(&key, p);
	free(p);
	if (ret < 0)
		goto out;
	ret = -1;
	s.hostname = hostname;
	s.instance_id = st->domain;
	s.ssh_pubkey = pub;
	s.user_uid = guest_uid(ws);
	s.share_workspace = !vm_uri_remote(ws->vm.uri);
	s.shared = shared;
	s.shared_ro = shared_ro;
	s.docker = 1;
	s.docker_install = !box->has_docker &&
			   ws->docker.install == DOCKER_INSTALL_AUTO;
	s.tls_ca = ca.buf;
	s.tls_cert = cert.buf;
	s.tls_key = key.buf;
	if (seed_iso(&s, &iso) < 0 ||
	    vm_volume_put(v, seed_vol, iso.buf, iso.len, "raw") < 0)
		goto out;
	ret = 0;
out:
	sb_release(&iso);
	sb_release(&ca);
	sb_release(&cert);
	sb_release(&key);
	free(shared);
	free(shared_ro);
	free(tls);
	free(pub);
	free(hostname);
	return ret;
}

int
domain_alive(void *arg)
{
	int state;

	vm_domain_state(arg, &state);
	return state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED;
}

/*
 * /dev/kvm can exist, and libvirt advertise KVM, while a KVM guest cannot
 * start (QEMU lacks permission) or dies at once ("KVM internal error").
 * So KVM is tried for real and watched; any failure falls back to TCG.
 */
static int
kvm_works(virDomainPtr dom, const char *console_log)
{
	double end = clock_now() + 15;

	while (clock_now() < end) {
		if (!domain_alive(dom))
			return 0;
		if (path_size(console_log) > 0)
			return 1;	/* the guest is printing: it runs */
		usleep(250000);
	}
	return 0;
}

/* A guest kernel's words for what stops a boot: a lockup, a hung task,
 * an oops, a panic, the OOM killer, a failing disk. The first of them
 * tell more than the last lines, which are often a stack trace. */
static const char *const kernel_trouble[] = {
	"BUG: ", "soft lockup", "hard LOCKUP", "blocked for more than",
	"self-detected stall", "detected stalls", "Kernel panic", "Oops: ",
	"Out of memory", "I/O error", "EXT4-fs error", NULL,
};

/* A block of the console, as one warning headed by title. */
static void
warn_block(const struct reporter *rep, const char *log, const char *title,
	   char *buf, size_t len)
{
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	report(rep, REPORT_WARN, log, "--- %s ---\n%s", title, buf ? buf : "");
}

/* The console's first words of trouble and last lines, for a boot that
 * went wrong: the log is read once. */
void
console_tail(const struct reporter *rep, const char *log, int lines)
{
	struct strbuf text = STRBUF_INIT;
	char *buf = NULL, *title;
	size_t len = 0;
	FILE *f;

	/* the caller's error stands: a log never written is an empty tail */
	if (path_size(log) > 0)
		sb_read_file(&text, log);
	if ((f = open_memstream(&buf, &len))) {
		int n = text_lines_with(text.buf, text.len, kernel_trouble, 5, f);

		fclose(f);
		if (n > 0)
			warn_block(rep, log, "the guest's kernel reported, first",
				   buf, len);
		free(buf);
		buf = NULL;
		len = 0;
	}
	if ((f = open_memstream(&buf, &len))) {
		text_tail(text.buf, text.len, lines, f);
		fclose(f);
		title = xasprintf("the last %d lines of %s", lines, log);
		warn_block(rep, log, title, buf, len);
		free(title);
		free(buf);
	}
	sb_release(&text);
}

/* What the KVM probe found on this host, so that the next workspace does
 * not wait for it again: "kvm", "tcg", or NULL when never probed. */
char *
host_accel(const char *set)
{
	char *home = berth_home(), *path;
	struct strbuf sb = STRBUF_INIT;

	if (!home)
		return NULL;
	mkdir_p(home, 0755);
	path = path_join(home, "accel");
	free(home);
	if (set)
		write_file_atomic(path, set, strlen(set), 0644);
	else if (sb_read_file(&sb, path) == 0 && (!strcmp(sb.buf, "kvm") ||
						   !strcmp(sb.buf, "tcg"))) {
		free(path);
		return sb_detach(&sb);
	}
	free(path);
	sb_release(&sb);
	return NULL;
}

int
start_domain(const struct ws *ws, const struct ws_state *st,
	     virDomainPtr dom)
{
	int remote = vm_uri_remote(ws->vm.uri);

	if (remote)
		tunnel_stop(ws);	/* it kept the last run's ports */
	if (virDomainCreateWithFlags(dom, remote ? VIR_DOMAIN_START_PAUSED
						 : 0) < 0)
		return err_set("cannot start '%s': %s", st->domain,
			       vm_last_error());
	if (!remote)
		return 0;
	if (tunnel_start(ws, st) < 0) {
		virDomainDestroy(dom);
		return -1;
	}
	if (virDomainResume(dom) < 0)
		return err_set("cannot start '%s': %s", st->domain,
			       vm_last_error());
	return 0;
}

static int
boot(struct vm_conn *v, const struct ws *ws, struct ws_state *st,
     struct vm_plan *plan, virDomainPtr *dom, const struct reporter *rep)
{
	struct strbuf xml = STRBUF_INIT;
	char *known = st->accel ? xstrdup(st->accel)
		      : plan->remote ? NULL : host_accel(NULL);
	int want_kvm, probed, ret = -1;

	want_kvm = ws->vm.accel == ACCEL_KVM ||
		   (ws->vm.accel == ACCEL_AUTO &&
		    (!known || !strcmp(known, "kvm")) &&
		    (plan->remote || access("/dev/kvm", F_OK) == 0));
	/* what this machine's probe found says nothing of another host */
	probed = ws->vm.accel == ACCEL_AUTO && !known && !plan->remote;
	free(known);
	for (;;) {
		plan->accel = want_kvm ? "kvm" : "qemu";
		if (*dom && virDomainGetUUIDString(*dom, plan->uuid) < 0)
			plan->uuid[0] = '\0';
		sb_reset(&xml);
		if (vm_domain_xml(ws, st, plan, &xml) < 0)
			goto out;
		if (*dom)
			virDomainFree(*dom);
		*dom = NULL;
		if (vm_domain_define(v, xml.buf, dom) < 0)
			goto out;
		free(st->accel);
		st->accel = xstrdup(want_kvm ? "kvm" : "tcg");
		if (state_save(ws, st) < 0)
			goto out;
		truncate(plan->console_log, 0);
		report(rep, REPORT_PHASE, NULL, "booting");
		if (start_domain(ws, st, *dom) == 0 &&
		    (!want_kvm || ws->vm.accel == ACCEL_KVM ||
		     kvm_works(*dom, plan->console_log)))
			break;
		if (!want_kvm || ws->vm.accel == ACCEL_KVM) {
			goto out;
		}
		report(rep, REPORT_LINE, NULL,
		       "    KVM does not work here (%s); using TCG",
		       domain_alive(*dom) ? "the guest is silent"
					  : vm_last_error());
		virDomainDestroy(*dom);
		want_kvm = 0;
		if (probed)
			host_accel("tcg");
	}
	if (probed && want_kvm)
		host_accel("kvm");
	ret = 0;
out:
	sb_release(&xml);
	return ret;
}

/* Provisioning is done once per domain: its UUID in the state says so
 * (a state file from elsewhere names some other domain's). */
static int
is_provisioned(const struct ws_state *st, virDomainPtr dom)
{
	char uuid[VIR_UUID_STRING_BUFLEN];

	return st->provisioned && virDomainGetUUIDString(dom, uuid) == 0 &&
	       !strcmp(uuid, st->provisioned);
}

int
mark_provisioned(const struct ws *ws, struct ws_state *st, virDomainPtr dom)
{
	char uuid[VIR_UUID_STRING_BUFLEN];

	if (virDomainGetUUIDString(dom, uuid) < 0)
		return 0;	/* the next up asks over SSH again */
	free(st->provisioned);
	st->provisioned = xstrdup(uuid);
	return state_save(ws, st);
}

/* On the NAT network the guest is reached at its own address, port 22. */
static int
nat_address(struct ws_state *st, virDomainPtr dom, int timeout_s)
{
	double end = clock_now() + timeout_s;

	while (clock_now() < end && !berth_interrupted && domain_alive(dom)) {
		if ((st->ssh_host = vm_guest_address(dom))) {
			st->ssh_port = 22;
			return 0;
		}
		sleep(1);
	}
	return err_set("the VM got no address from the NAT network's DHCP");
}

static int up_new(struct up_run *u);

/* The engine answers over TLS: the VM is provisioned from now on. */
static int
docker_ready(struct up_run *u)
{
	if (machine_docker_wait(u->ws, &u->st, u->timeout_s) < 0)
		return -1;
	return mark_provisioned(u->ws, &u->st, u->dom);
}

/* cloud-init is off in this guest, so a boot waits for Docker alone: a
 * warm-made VM had it off from its identity on, a cold-made one from
 * turn_cloud_init_off() on. */
static int
cloud_init_is_off(const struct ws_state *st)
{
	return st->warm || st->cloud_init_off;
}

/*
 * cloud-init has done its once on this disk (the user, keys, TLS files,
 * Docker) and makes nothing new on a later boot, where its four Python
 * stages cost most of a minute under TCG. So it is turned off, with the
 * folders in fstab (a shared folder's mount was its runcmd, once). Over
 * the guest agent, which runs by now on a box that has one; a box
 * without keeps cloud-init, as before.
 */
static void
turn_cloud_init_off(struct up_run *u)
{
	struct strbuf sh = STRBUF_INIT;

	if (cloud_init_is_off(&u->st))
		return;
	if (agent_wait(u->dom, 3) < 0) {
		err_clear();
		return;
	}
	sb_addstr(&sh, "touch " CLOUD_INIT_OFF_FILE " || exit 1\n");
	if (find_virtiofsd())
		folders_mount_script(u->ws, 1, &sh);
	if (agent_sh(u->dom, sh.buf, 30, NULL) == 0) {
		u->st.cloud_init_off = 1;
		if (find_virtiofsd()) {
			free(u->st.fstab_folders);
			u->st.fstab_folders = folders_fstab_key(u->ws);
		}
		state_save(u->ws, &u->st);
	}
	err_clear();	/* cloud-init stays on: slower, not wrong */
	sb_release(&sh);
}

/*
 * With cloud-init off, the guest mounts what its fstab lists. A folder
 * added since (a vm.shared entry, then halt and up, or reload) is in the
 * domain the boot defined, and is mounted and written to fstab here, over
 * the agent; a boot with the same folders asks nothing.
 */
static int
mount_new_folders(struct up_run *u)
{
	struct strbuf sh = STRBUF_INIT, out = STRBUF_INIT;
	char *key;
	int rc;

	if (!find_virtiofsd())
		return 0;	/* no folder was plugged */
	key = folders_fstab_key(u->ws);
	if (u->st.fstab_folders && !strcmp(key, u->st.fstab_folders)) {
		free(key);
		return 0;
	}
	folders_mount_script(u->ws, 1, &sh);
	rc = agent_wait(u->dom, u->timeout_s) < 0 ? -1
		: agent_sh(u->dom, sh.buf, 60, &out);
	if (rc == 0) {
		free(u->st.fstab_folders);
		u->st.fstab_folders = key;
		key = NULL;
		rc = state_save(u->ws, &u->st);
	} else {
		if (rc > 0)
			err_set("%s", out.len ? out.buf : "the mount failed");
		err_prefix("the VM did not mount its shared folders");
		err_hint("'berth reload' tries again; 'berth ssh -c \"cat "
			 "/etc/fstab\"' shows what the guest mounts");
		rc = -1;
	}
	free(key);
	sb_release(&sh);
	sb_release(&out);
	return rc;
}

/* A boot with cloud-init off: the engine, then any folder the guest's
 * fstab lacks, and only then provisioned, so that an up cut between the
 * two comes back here (up_running) and mounts it. */
static int
ready_without_cloud_init(struct up_run *u)
{
	if (machine_docker_wait(u->ws, &u->st, u->timeout_s) < 0 ||
	    mount_new_folders(u) < 0)
		return -1;
	return mark_provisioned(u->ws, &u->st, u->dom);
}

/* Provisioned by cloud-init on this boot: the engine, then no more
 * cloud-init. */
static int
provisioned_by_cloud_init(struct up_run *u)
{
	if (docker_ready(u) < 0)
		return -1;
	turn_cloud_init_off(u);
	return 0;
}

/* Running already: the engine's answer is all it takes once the VM was
 * seen provisioned; else it may still be booting (an up killed midway),
 * and the stack needs cloud-init done, whose last step restarts dockerd
 * when it installed Docker. */
static int
up_running(struct up_run *u)
{
	const struct ws *ws = u->ws;

	if (u->st.vm_hash && strcmp(u->st.vm_hash, u->hash))
		report(u->rep, REPORT_LINE, NULL, "the VM settings in %s "
		       "changed: run 'berth reload' to apply them", ws->file);
	/* a remote VM's ports come through its keeper: made again if it
	 * died with this machine's last boot */
	if (vm_uri_remote(ws->vm.uri) && tunnel_start(ws, &u->st) < 0)
		return -1;
	if (is_provisioned(&u->st, u->dom))
		return machine_docker_wait(ws, &u->st, u->timeout_s);
	if (u->st.warm_pending) {
		/* restored, and cut before it had its identity: again */
		virDomainDestroy(u->dom);
		return up_new(u);
	}
	if (cloud_init_is_off(&u->st))
		return ready_without_cloud_init(u);
	if (ssh_wait(ws, &u->st, u->timeout_s, domain_alive, u->dom) < 0)
		return -1;
	ssh_run(ws, &u->st, CLOUD_INIT_WAIT, 1, 30);
	return provisioned_by_cloud_init(u);
}

/* Suspended to disk: restored as it was, with no redefinition; then as
 * any running VM, which once provisioned needs no SSH. */
static int
up_restore(struct up_run *u)
{
	report(u->rep, REPORT_PHASE, NULL, "restoring");
	if (start_domain(u->ws, &u->st, u->dom) < 0)
		return -1;
	agent_clock_sync(u->dom);
	return up_running(u);
}

/* The volumes, the seed and the domain, then the boot; or, given a warm
 * image, the restore of that. */
static int
up_define(struct up_run *u, struct warm *w)
{
	const struct ws *ws = u->ws;
	struct ws_state *st = &u->st;
	struct vm_plan plan = { 0 };
	char *overlay = NULL, *seed = NULL, *base = NULL;
	char *kernel = NULL, *initrd = NULL, *cluster_net = NULL;
	char *cluster_mac = NULL;
	int new_disk, ret = -1;

	report(u->rep, REPORT_PHASE, NULL, "defining");
	plan.remote = vm_uri_remote(ws->vm.uri);
	if (plan.remote && ws->vm.nshared)
		report(u->rep, REPORT_WARN, NULL, "vm.shared folders are not "
		       "mounted in a VM on another host");
	if ((plan.remote && remote_check(ws) < 0) ||
	    vm_pool(&u->v) < 0 || plan_ports(ws, st, 0) < 0 ||
	    ssh_keygen(ws) < 0 ||
	    (ws->vm.network == NET_NAT && vm_nat_network(&u->v) < 0))
		goto out;
	if (ws->cluster.nodes > 1) {
		if (cluster_network_ensure(&u->v, ws) < 0)
			goto out;
		plan.cluster_net = cluster_net = ws_cluster_network(ws);
		plan.cluster_mac = cluster_mac = ws_node_mac(ws);
	}
	free(st->box_name);
	free(st->box_version);
	st->box_name = xstrdup(u->box.name);
	st->box_version = xstrdup(u->box.version);
	base = w ? xstrdup(w->disk) : box_volume(&u->box, "qcow2");
	overlay = xasprintf("%s.qcow2", st->domain);
	seed = xasprintf("%s-seed.iso", st->domain);
	plan.pool = VM_POOL;
	plan.overlay = overlay;
	plan.seed = seed;
	plan.console_log = u->log;
	plan.virtiofsd = plan.remote ? NULL : find_virtiofsd();
	plan.virtiofs = plan.virtiofsd != NULL;
	new_disk = !vm_volume_exists(&u->v, overlay);
	if (new_disk) {
		/* a new disk makes a new host key: none known before holds */
		char *known = state_path(ws, "known_hosts");

		unlink(known);
		free(known);
	}
	if (w) {
		/* pending before its disk exists: a cut up finds the disk
		 * no one's and drops it, and never boots it cold */
		free(st->warm);
		st->warm = xstrdup(w->key);
		st->warm_pending = 1;
		if (state_save(ws, st) < 0)
			goto out;
	} else if (new_disk) {
		/* a new disk from the box: it boots with cloud-init */
		free(st->warm);
		st->warm = NULL;
	}
	if (new_disk) {
		st->cloud_init_off = 0;
		free(st->fstab_folders);
		st->fstab_folders = NULL;
	}
	if (upload_box(&u->v, &u->box, &plan, &kernel, &initrd) < 0 ||
	    vm_volume_overlay(&u->v, overlay, base, ws->vm.disk) < 0 ||
	    write_seed(&u->v, ws, st, &u->box, seed) < 0)
		goto out;
	box_store_use(&u->store, &u->box, st->id, ws->file);
	free(st->vm_hash);
	st->vm_hash = xstrdup(u->hash);
	free(st->provisioned);
	st->provisioned = NULL;	/* until this boot's cloud-init is done */
	if (w) {
		if ((ret = warm_start(u, w, &plan)) < 0)
			goto out;
		ret = -1;
	} else if (boot(&u->v, ws, st, &plan, &u->dom, u->rep) < 0) {
		goto out;
	}
	free(st->started_at);
	st->started_at = utc_now_iso();
	free(st->ssh_host);
	st->ssh_host = NULL;
	if (ws->vm.network == NET_NAT &&
	    nat_address(st, u->dom, u->timeout_s) < 0)
		goto out;
	ret = state_save(ws, st);
out:
	free(overlay);
	free(seed);
	free(base);
	free(kernel);
	free(initrd);
	free(cluster_net);
	free(cluster_mac);
	return ret;
}

/* After a boot: cloud-init's result, then Docker's answer. A VM restored
 * from a warm image has its identity, and one that cloud-init provisioned
 * once has cloud-init off: Docker's answer is all either takes. */
static int
up_provision(struct up_run *u)
{
	const struct ws *ws = u->ws;

	if (cloud_init_is_off(&u->st)) {
		report(u->rep, REPORT_PHASE, NULL, "docker");
		return ready_without_cloud_init(u);
	}

	report(u->rep, REPORT_PHASE, NULL, "cloud-init");
	if (ssh_wait(ws, &u->st, u->timeout_s, domain_alive, u->dom) < 0) {
		console_tail(u->rep, u->log, 20);
		return -1;
	}
	if (ssh_run(ws, &u->st, CLOUD_INIT_WAIT " || sudo cloud-init status "
		    "--long", 0, 30) != 0) {
		err_set("cloud-init failed in the VM");
		err_hint("see 'berth ssh -c \"sudo cloud-init status --long\"'");
		console_tail(u->rep, u->log, 20);
		return -1;
	}
	report(u->rep, REPORT_PHASE, NULL, "docker");
	if (!u->box.has_docker && ws->docker.install == DOCKER_INSTALL_NEVER &&
	    ssh_run(ws, &u->st, "command -v dockerd", 1, 30) != 0) {
		err_set("the box '%s' has no Docker, and docker.install is "
			"\"never\"", u->box.name);
		return err_hint("set docker.install = \"auto\" in %s, or use a "
				"box with Docker such as debian-12-docker",
				ws->file);
	}
	return provisioned_by_cloud_init(u);
}

/* The workspace's disk, deleted: it holds nothing of anyone's yet. */
static void
drop_overlay(struct up_run *u)
{
	char *overlay = xasprintf("%s.qcow2", u->st.domain);

	vm_volume_delete(&u->v, overlay);
	free(overlay);
}

/* A domain that is not running: booted, or restored from a warm image
 * when it is new. A refused restore boots cold, and the image goes. */
static int
up_new(struct up_run *u)
{
	struct warm w;
	const char *why = NULL;
	int warm, ret;

	if (u->st.warm_pending) {
		/* a restore cut before the identity: its disk is no one's,
		 * and nothing of the warm image is this workspace's yet; its
		 * domain may still name a warm image's disk, which then
		 * could never be swept */
		if (u->dom) {
			vm_domain_remove(u->dom, u->st.domain);
			err_clear();	/* a new definition comes anyway */
			virDomainFree(u->dom);
			u->dom = NULL;
		}
		drop_overlay(u);
		u->st.warm_pending = 0;
		free(u->st.warm);
		u->st.warm = NULL;
	}
	warm = warm_applies(u, &w, &why);
	if (why)
		report(u->rep, REPORT_LINE, NULL, "    booting cold: %s", why);
	if (warm && warm_ensure(u, &w) < 0) {
		report(u->rep, REPORT_WARN, NULL, "no warm image (%s): booting "
		       "cold", err_msg());
		warm = 0;
	}
	ret = up_define(u, warm ? &w : NULL);
	if (ret == WARM_REFUSED) {
		report(u->rep, REPORT_WARN, NULL, "the warm image was refused "
		       "(%s): booting cold; it is made again next time",
		       err_msg());
		if (u->dom)
			virDomainDestroy(u->dom);
		drop_overlay(u);
		warm_forget(u, &w);
		free(u->st.warm);
		u->st.warm = NULL;
		ret = up_define(u, NULL);
	}
	warm_release(&w);
	return ret < 0 ? -1 : up_provision(u);
}

/* virtiofs cannot reach another host: the folder is copied there */
static int
up_sync(struct up_run *u)
{
	double t0 = clock_now();
	long n;

	report(u->rep, REPORT_PHASE, NULL, "sync");
	if (machine_sync(u->ws, &u->st, &n) < 0)
		return -1;
	report(u->rep, REPORT_LINE, NULL, "    %s copied to /workspace in the "
	       "VM (%ld entries, %.1f s); 'berth sync --watch' copies what "
	       "changes, one way", u->ws->dir, n, clock_now() - t0);
	return 0;
}

/* One VM: the workspace's (manager is ws), or a node of manager's
 * cluster. */
static int
up_one(const struct ws *ws, const struct ws *manager, int timeout_s,
       const struct reporter *rep)
{
	struct up_run u = { .ws = ws, .timeout_s = timeout_s, .rep = rep };
	int state = VIR_DOMAIN_NOSTATE, found, was_running, ret = -1;

	u.log = state_path(ws, "console.log");
	if (state_load(ws, &u.st) < 0)
		goto out;
	if (vm_open(&u.v, ws->vm.uri) < 0)
		goto out;
	/* the id is saved before anything is made under its name, so that an
	 * interrupted up finds and reuses what it made */
	if (machine_adopt(&u.v, ws, &u.st) < 0 ||
	    (!u.st.exists && state_save(ws, &u.st) < 0))
		goto out;
	if (box_store_open(&u.store) < 0 ||
	    box_store_find(&u.store, ws->vm.box, NULL, &u.box) < 0) {
		if (!strncmp(ws->vm.box, "debian-12", 9))
			err_hint("build it with 'berth box build %s' (a few "
				 "minutes), or add one with 'berth box add'",
				 ws->vm.box);
		goto out;
	}
	u.hash = vm_settings_hash(ws, &u.box);
	if ((found = vm_domain_find_for(&u.v, u.st.domain, ws->dir,
					&u.dom)) < 0)
		goto out;
	if (found && (vm_domain_state(u.dom, &state), state ==
		      VIR_DOMAIN_PAUSED)) {
		/* suspended; or still starting, as libvirt starts domains
		 * paused (an up killed there): then it runs by now */
		if (virDomainResume(u.dom) == 0) {
			report(rep, REPORT_LINE, NULL, "resumed the paused VM");
			agent_clock_sync(u.dom);
		}
		else if (vm_domain_state(u.dom, &state), state !=
			 VIR_DOMAIN_RUNNING) {
			err_set("cannot resume '%s': %s", u.st.domain,
				vm_last_error());
			goto out;
		}
		state = VIR_DOMAIN_RUNNING;
	}
	was_running = found && state == VIR_DOMAIN_RUNNING;
	if (was_running)
		ret = up_running(&u);
	else if (found && virDomainHasManagedSaveImage(u.dom, 0) > 0)
		ret = up_restore(&u);
	else
		ret = up_new(&u);
	if (ret == 0 && vm_uri_remote(ws->vm.uri))
		ret = up_sync(&u);
	if (ret == 0 && ws->cluster.nodes > 1)
		ret = cluster_nic_up(u.dom, ws, was_running, timeout_s);
	if (ret == 0 && ws->cluster.nodes > 1)
		ret = cluster_registry_up(u.dom, ws, manager, timeout_s, rep);
out:
	if (ret < 0 && err_code() == ERR_TIMEOUT)
		console_tail(rep, u.log, 20);
	if (u.dom)
		virDomainFree(u.dom);
	free(u.hash);
	free(u.log);
	box_release(&u.box);
	box_store_release(&u.store);
	vm_close(&u.v);
	state_release(&u.st);
	return ret;
}

int
machine_up(const struct ws *ws, int timeout_s, const struct reporter *rep)
{
	int k;

	if (up_one(ws, ws, timeout_s, rep) < 0)
		return -1;
	/* then the others of its cluster, each from the warm image the
	 * first made: seconds, where a boot is minutes */
	for (k = 2; k <= ws->cluster.nodes; k++) {
		struct ws node;
		int ret;

		ws_node(ws, k, &node);
		report(rep, REPORT_PHASE, NULL, "node %d/%d", k,
		       ws->cluster.nodes);
		ret = up_one(&node, ws, timeout_s, rep);
		if (ret < 0)
			err_prefix("node %d of the cluster ('%s')", k, node.name);
		ws_node_release(&node);
		if (ret < 0)
			return -1;
	}
	/* nodes beyond cluster.nodes, of a cluster made larger before */
	return machine_nodes_destroy(ws, ws->cluster.nodes + 1, rep);
}
