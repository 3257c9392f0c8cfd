/* machine.c: the workspace VM's life after 'up': open its state, libvirt
 * connection and domain together; recover the state from the domain's
 * metadata; suspend, resume, halt and destroy it; wait for its engine.
 * machine-up.c brings it up. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "box.h"
#include "docker.h"
#include "config.h"
#include "cluster.h"
#include "machine.h"
#include "remote.h"
#include "up.h"
#include "xml.h"

/* The forwards a domain was made with, in the order hostfwds() writes
 * them: SSH, the Docker API, then vm.ports. They are in its metadata
 * (<forwards>) and, for domains made before that, QEMU's arguments. */
static void
recover_forwards(const char *xml, const struct ws *ws, struct ws_state *st)
{
	char *text = xml_first(xml, "//metadata/*[local-name()='workspace']"
			       "/forwards");
	const char *p;
	size_t i = 0;

	if (!text || !*text) {
		free(text);
		text = xml_first(xml, "//*[local-name()='arg']/@value"
				 "[starts-with(., 'user,id=n0')]");
	}
	if (!text)
		return;
	free(st->vm_ports);
	st->vm_ports = xcalloc(ws->vm.nports + 1, sizeof(int));
	st->nvm_ports = ws->vm.nports;
	for (p = text; (p = strstr(p, "hostfwd=")); ) {
		char proto[8];
		int host;
		unsigned guest;

		p += strlen("hostfwd=");
		if (sscanf(p, "%7[a-z]:%*[^:]:%d-:%u", proto, &host, &guest) != 3)
			continue;
		if (!st->ssh_port && guest == 22)
			st->ssh_port = host;
		else if (!st->docker_port && guest == 2376)
			st->docker_port = host;
		else if (i < ws->vm.nports && guest == ws->vm.ports[i].port &&
			 !strcmp(proto, spec_proto_name(ws->vm.ports[i].proto)))
			st->vm_ports[i++] = host;
	}
	free(text);
}

/* What the lost state held, from the domain: its forwards, and its box
 * (in the metadata). */
static void
recover_from_domain(struct vm_conn *v, const struct ws *ws,
		    const struct vm_entry *e, struct ws_state *st)
{
	virDomainPtr dom = NULL;
	char *xml;

	if (e->box && *e->box) {
		st->box_name = xstrdup(e->box);
		st->box_version = e->box_version && *e->box_version
				  ? xstrdup(e->box_version) : NULL;
	}
	if (vm_domain_find(v, e->domain, &dom) <= 0)
		return;
	if ((xml = virDomainGetXMLDesc(dom, 0))) {
		recover_forwards(xml, ws, st);
		free(xml);
	}
	virDomainFree(dom);
}

int
machine_adopt(struct vm_conn *v, const struct ws *ws, struct ws_state *st)
{
	struct vm_entry *e;
	size_t n, i;

	if (st->exists)
		return 0;
	if (vm_list(v, &e, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!e[i].path || strcmp(e[i].path, ws->dir) ||
		    strcmp(e[i].env, ws->env ? ws->env : WS_ENV_DEFAULT) ||
		    e[i].node != ws->node ||
		    !e[i].id ||
		    strlen(e[i].id) >= sizeof(st->id))
			continue;
		strcpy(st->id, e[i].id);
		free(st->domain);
		st->domain = xstrdup(e[i].domain);
		recover_from_domain(v, ws, &e[i], st);
		report_note("found this workspace's VM '%s' by its metadata",
			    st->domain);
		break;
	}
	vm_entries_free(e, n);
	return 0;
}

/* A state file lost or set aside: find the VM by its metadata. */
int
machine_recover_state(const struct ws *ws, struct ws_state *st)
{
	struct vm_conn v = { 0 };
	int ret;

	if (vm_open(&v, ws->vm.uri) < 0)
		return -1;
	ret = machine_adopt(&v, ws, st);
	if (ret == 0 && st->docker_port)
		ret = state_save(ws, st);
	vm_close(&v);
	return ret;
}

/* The state's VM must be this folder's before its engine is trusted. */
int
machine_check_owner(const struct ws *ws, const struct ws_state *st)
{
	struct vm_conn v = { 0 };
	virDomainPtr dom = NULL;
	int r;

	if (vm_open(&v, ws->vm.uri) < 0) {
		/* libvirtd away (restarting): the engine may still answer */
		err_clear();
		vm_close(&v);
		return 0;
	}
	if ((r = vm_domain_find_for(&v, st->domain, ws->dir, &dom)) > 0)
		virDomainFree(dom);
	vm_close(&v);
	return r < 0 ? -1 : 0;
}

int
machine_open(const struct ws *ws, struct machine *w, int lock)
{
	memset(w, 0, sizeof(*w));
	w->ws = ws;
	w->lock = -1;
	if (lock && state_lock(w->ws, &w->lock) < 0)
		return -1;
	if (state_load(w->ws, &w->st) < 0 || vm_open(&w->v, w->ws->vm.uri) < 0 ||
	    machine_adopt(&w->v, w->ws, &w->st) < 0)
		return -1;
	return vm_domain_find_for(&w->v, w->st.domain, w->ws->dir,
				  &w->dom) < 0 ? -1 : 0;
}

int
machine_find(const struct ws *ws, int *running)
{
	struct ws_state st;
	struct vm_conn v = { 0 };
	virDomainPtr dom = NULL;
	int state = VIR_DOMAIN_NOSTATE, found = 0;

	*running = 0;
	if (state_load(ws, &st) < 0)
		return -1;
	if (vm_open(&v, ws->vm.uri) == 0 &&
	    (found = vm_domain_find_for(&v, st.domain, ws->dir, &dom) > 0))
		vm_domain_state(dom, &state);
	err_clear();
	if (dom)
		virDomainFree(dom);
	vm_close(&v);
	state_release(&st);
	*running = state == VIR_DOMAIN_RUNNING;
	return found;
}

void
machine_close(struct machine *w)
{
	if (w->dom)
		virDomainFree(w->dom);
	vm_close(&w->v);
	state_release(&w->st);
	state_unlock(w->lock);
	w->dom = NULL;
	w->lock = -1;
}

static int
is_off(virDomainPtr dom)
{
	int state;

	vm_domain_state(dom, &state);
	return state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_CRASHED;
}

static int halt_vm(struct machine *w, time_t end, int timeout_s,
		   const struct reporter *rep);

int
machine_halt(struct machine *w, int timeout_s, const struct reporter *rep)
{
	time_t end = time(NULL) + timeout_s;

	/* the manager first, so that Swarm moves no task onto it */
	if (!w->ws->node && (halt_vm(w, end, timeout_s, rep) < 0 ||
			     machine_nodes_halt(w->ws, timeout_s, rep) < 0))
		return -1;
	return w->ws->node ? halt_vm(w, end, timeout_s, rep) : 0;
}

static int
halt_vm(struct machine *w, time_t end, int timeout_s,
	const struct reporter *rep)
{
	if (!w->dom || is_off(w->dom))
		return 0;
	/* the guest agent is quickest; ACPI when it is not there yet */
	if (virDomainShutdownFlags(w->dom,
				   VIR_DOMAIN_SHUTDOWN_GUEST_AGENT) < 0 &&
	    virDomainShutdownFlags(w->dom,
				   VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) < 0 &&
	    virDomainShutdown(w->dom) < 0)
		report(rep, REPORT_WARN, NULL, "the guest ignores shutdown "
		       "requests (%s)", vm_last_error());
	while (time(NULL) < end && !is_off(w->dom) && !berth_interrupted)
		usleep(250000);
	if (!is_off(w->dom)) {
		report(rep, REPORT_WARN, NULL, "the guest did not stop within "
		       "%d s: stopping it hard", timeout_s);
		if (virDomainDestroy(w->dom) < 0)
			return err_set("cannot stop '%s': %s", w->st.domain,
				       vm_last_error());
	}
	tunnel_stop(w->ws);	/* it would stop by itself within a second */
	return 0;
}

int
machine_destroy(struct machine *w)
{
	char *overlay = xasprintf("%s.qcow2", w->st.domain);
	char *seed = xasprintf("%s-seed.iso", w->st.domain);
	char *snap_prefix = NULL;
	const char *dot;
	struct strlist mems = { 0 };
	size_t i;
	int ret = -1;

	if (!w->ws->node && machine_nodes_destroy(w->ws, 2, NULL) < 0)
		goto out;
	if (w->dom && vm_domain_remove(w->dom, w->st.domain) < 0)
		goto out;
	tunnel_stop(w->ws);	/* before its state dir goes */
	if (vm_pool(&w->v) < 0 || vm_volume_delete(&w->v, overlay) < 0 ||
	    vm_volume_delete(&w->v, seed) < 0)
		goto out;
	/* the memory of its snapshots (their disks are in the overlay) */
	snap_prefix = xasprintf("%s" SNAPSHOT_MEMORY_INFIX, w->st.domain);
	if (vm_volumes_named(&w->v, snap_prefix, &mems) < 0)
		goto out;
	for (i = 0; i < mems.n; i++)
		if ((dot = strrchr(mems.v[i], '.')) && !strcmp(dot, ".mem") &&
		    vm_volume_delete(&w->v, mems.v[i]) < 0)
			goto out;
	if (w->st.box_name) {
		struct box_store store = { 0 };
		struct box b;

		if (box_store_open(&store) == 0 &&
		    box_store_find(&store, w->st.box_name, w->st.box_version,
				   &b) == 0)
			box_store_unuse(&store, &b, w->st.id);
		box_release(&b);
		box_store_release(&store);
	}
	/* the lock file goes too; our open descriptor keeps the lock */
	if (state_remove(w->ws) < 0 ||
	    (!w->ws->node && cluster_network_remove(&w->v, w->ws) < 0))
		goto out;
	ret = 0;
out:
	strlist_release(&mems);
	free(snap_prefix);
	free(overlay);
	free(seed);
	return ret;
}

int
machine_not_cluster(const struct ws *ws, const char *command)
{
	if (ws->cluster.nodes <= 1)
		return 0;
	err_set("'berth %s' is for one VM, and workspace '%s' is a cluster "
		"of %d", command, ws->name, ws->cluster.nodes);
	return err_hint("'berth halt' stops all of them, and 'berth up' "
			"starts them again");
}

/* Into a managed save, which frees the host's memory; paused in place
 * where libvirt cannot save it (virtiofs holds host state). */
int
machine_suspend(struct machine *w, char **paused_why)
{
	*paused_why = NULL;
	if (machine_not_cluster(w->ws, "suspend") < 0 ||
	    machine_running(w) < 0)
		return -1;
	if (virDomainManagedSave(w->dom, 0) == 0) {
		tunnel_stop(w->ws);
		return 0;
	}
	*paused_why = xstrdup(vm_last_error());
	if (virDomainSuspend(w->dom) == 0)
		return 1;
	free(*paused_why);
	*paused_why = NULL;
	return err_set("cannot suspend '%s': %s", w->st.domain,
		       vm_last_error());
}

int
machine_resume(struct machine *w)
{
	int state;

	if (machine_not_cluster(w->ws, "resume") < 0)
		return -1;
	if (!w->dom) {
		err_set("workspace '%s' has no VM", w->ws->name);
		return err_hint("create it with 'berth up'");
	}
	vm_domain_state(w->dom, &state);
	if (state == VIR_DOMAIN_PAUSED) {
		if (virDomainResume(w->dom) < 0)
			return err_set("cannot resume '%s': %s", w->st.domain,
				       vm_last_error());
		agent_clock_sync(w->dom);
		if (vm_uri_remote(w->ws->vm.uri) && tunnel_start(w->ws, &w->st))
			return -1;
		return 1;
	}
	if (state == VIR_DOMAIN_SHUTOFF &&
	    virDomainHasManagedSaveImage(w->dom, 0) > 0) {
		if (start_domain(w->ws, &w->st, w->dom) < 0)	/* restores
								 * the save */
			return -1;
		/* a restored guest's agent answers once it sees the channel */
		if (agent_wait(w->dom, 30) == 0)
			agent_clock_sync(w->dom);
		return 1;
	}
	return 0;
}

const char *
machine_state_name(struct machine *w)
{
	return w->dom ? vm_domain_state(w->dom, NULL) : "not created";
}

/* Is f forwarded already? On a remote libvirt host, QEMU's side is on a
 * port that host picked, and the guest port tells it (tunnel.c). */
static int
has_forward(const char *usernet, const struct forward *f, int remote)
{
	const char *proto = f->proto == PROTO_UDP ? "UDP" : "TCP";
	struct usernet_forward u;

	while (vm_usernet_next(&usernet, &u))
		if (!strcmp(u.proto, proto) &&
		    (remote ? u.guest_port == f->port
			    : u.port == f->port && !strcmp(u.addr, f->host_ip)))
			return 1;
	return 0;
}

/* A remote VM's new forward is on this machine once its keeper adds it
 * to the SSH connection, within a second or two. */
static int
forward_arrives(const struct forward *f)
{
	double end = clock_now() + 15;

	while (clock_now() < end) {
		if (!port_is_free("127.0.0.1", f->port))
			return 0;
		usleep(100000);
	}
	return err_set("port %d of '%s' was not forwarded to %s through "
		       "SSH", f->port, f->service, "127.0.0.1");
}

int
machine_forward_ports(const struct ws *ws, const char *domain,
		      const struct forward *f, size_t n)
{
	struct vm_conn v = { 0 };
	virDomainPtr dom = NULL;
	char *have = NULL, *out = NULL, *cmd;
	int remote = vm_uri_remote(ws->vm.uri);
	size_t i;
	int r, ret = -1;

	if (vm_open(&v, ws->vm.uri) < 0 ||
	    (r = vm_domain_find_for(&v, domain, ws->dir, &dom)) < 0)
		goto out;
	if (!r) {
		err_set("the VM '%s' is gone", domain);
		goto out;
	}
	if (vm_monitor_hmp(dom, "info usernet", &have) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (has_forward(have, &f[i], remote))
			continue;
		if (remote && f[i].proto == PROTO_UDP) {
			err_set("cannot forward UDP port %d of '%s' from a VM "
				"on another host: SSH forwards TCP only",
				f[i].port, f[i].service);
			goto out;
		}
		/* QEMU's side on a remote host: a port it picks there */
		cmd = xasprintf("hostfwd_add n0 %s:%s:%d-:%d",
				spec_proto_name(f[i].proto),
				remote ? "127.0.0.1" : f[i].host_ip,
				remote ? 0 : f[i].port, f[i].port);
		r = vm_monitor_hmp(dom, cmd, &out);
		free(cmd);
		if (r < 0)
			goto out;
		if (out && *out) {
			/* HMP reports failure as text */
			err_set("cannot forward %s:%d to '%s': %s", f[i].host_ip,
				f[i].port, f[i].service, out);
			err_hint("free the port, or pin another in %s:%d",
				 ws->file, f[i].line);
			goto out;
		}
		free(out);
		out = NULL;
		if (remote && forward_arrives(&f[i]) < 0)
			goto out;
	}
	ret = 0;
out:
	free(have);
	free(out);
	if (dom)
		virDomainFree(dom);
	vm_close(&v);
	return ret;
}

/* The host ports QEMU forwards into a running VM, but SSH and the
 * engine's. */
json_t *
machine_forwarded_ports(struct vm_conn *v, const char *domain,
			const char *state)
{
	json_t *ports = json_array();
	virDomainPtr dom = NULL;
	char *text = NULL;
	const char *pos;
	int remote;
	struct usernet_forward u;

	if (strcmp(state, "running") ||
	    vm_domain_find(v, domain, &dom) <= 0 ||
	    vm_monitor_hmp(dom, "info usernet", &text) < 0) {
		err_clear();
		goto out;
	}
	/* a remote host's are on ports of its own, and come here on the
	 * guest's (tunnel.c) */
	remote = vm_uri_remote(v->uri);
	for (pos = text; vm_usernet_next(&pos, &u);)
		if (u.guest_port != 22 && u.guest_port != 2376)
			json_array_append_new(ports, json_integer(
				remote ? u.guest_port : u.port));
out:
	free(text);
	if (dom)
		virDomainFree(dom);
	return ports;
}

char *
machine_docker_host(const struct ws_state *st)
{
	/* on NAT the guest is reached at its own address */
	if (st->ssh_host && strcmp(st->ssh_host, "127.0.0.1"))
		return xasprintf("tcp://%s:2376", st->ssh_host);
	return xasprintf("tcp://127.0.0.1:%d", st->docker_port);
}

int
machine_docker_wait(const struct ws *ws, const struct ws_state *st,
		      int timeout_s)
{
	char *certs = state_path(ws, "docker");
	char *host = machine_docker_host(st);
	time_t end = time(NULL) + timeout_s;
	struct docker d;
	int ret = -1;

	if (docker_open(&d, host, certs) < 0)
		goto out;
	while (time(NULL) < end && !berth_interrupted) {
		if (docker_ping(&d) == 0) {
			ret = 0;
			break;
		}
		sleep(1);
	}
	if (ret < 0)
		err_prefix("the Docker engine in the VM did not answer");
	docker_close(&d);
out:
	free(certs);
	free(host);
	return ret;
}

int
machine_running(struct machine *w)
{
	int state = VIR_DOMAIN_NOSTATE;

	if (w->dom)
		vm_domain_state(w->dom, &state);
	if (state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED)
		return 0;
	err_set("workspace '%s' is not running", w->ws->name);
	err_hint("start it with 'berth up'");
	return -1;
}

void
machine_script_file(struct strbuf *sh, const char *path, const char *mode,
		    const char *content)
{
	size_t n = strlen(content);

	/* made private, then given its mode: never readable by all between */
	sb_addf(sh, "(umask 077 && cat >'%s') <<'BERTH_EOF'\n%s%sBERTH_EOF\n"
		"chmod %s '%s'\n",
		path, content, n && content[n - 1] == '\n' ? "" : "\n", mode,
		path);
}

int
machine_docker_tls_script(const struct ws *ws, struct strbuf *sh)
{
	static const char *const names[] = { "ca.pem", "server-cert.pem",
					     "server-key.pem" };
	char *dir = state_path(ws, "docker");
	size_t i;
	int ret = 0;

	sb_addstr(sh, "(umask 077 && mkdir -p " DOCKER_TLS_DIR ")\n");
	for (i = 0; i < ARRAY_SIZE(names) && ret == 0; i++) {
		struct strbuf pem = STRBUF_INIT;
		char *p = path_join(dir, names[i]), *to;

		ret = sb_read_file(&pem, p);
		to = xasprintf(DOCKER_TLS_DIR "/%s", names[i]);
		if (ret == 0)
			machine_script_file(sh, to, "0600", pem.buf);
		free(to);
		free(p);
		sb_release(&pem);
	}
	machine_script_file(sh, "/etc/default/docker", "0644",
		    "# Written by berth: the Engine API on tcp 2376, mutual "
		    "TLS only.\n" DOCKER_OPTS_LINE "\n" DOCKER_ENV_LINE "\n");
	free(dir);
	return ret;
}
