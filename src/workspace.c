/* workspace.c: open a workspace's state, libvirt connection and domain;
 * recover the state from domain metadata; halt the VM. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker.h"
#include "spec.h"
#include "workspace.h"

/* The forwards a domain was made with, in the order hostfwds() writes
 * them: SSH, the Docker API, then vm.ports. They are in its metadata
 * (<forwards>) and, for domains made before that, QEMU's arguments. */
static void
recover_forwards(const char *xml, const struct ws *ws, struct ws_state *st)
{
	const char *p = strstr(xml, "<forwards>"), *end;
	size_t i = 0;

	if (!p)
		p = strstr(xml, "user,id=n0");
	if (!p)
		return;
	end = p + strcspn(p + 1, "<'") + 1;
	free(st->vm_ports);
	st->vm_ports = xcalloc(ws->vm.nports + 1, sizeof(int));
	st->nvm_ports = ws->vm.nports;
	while ((p = strstr(p, "hostfwd=")) && p < end) {
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
workspace_adopt(struct vm_conn *v, const struct ws *ws, struct ws_state *st)
{
	struct vm_entry *e;
	size_t n, i;

	if (st->exists)
		return 0;
	if (vm_list(v, &e, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!e[i].path || strcmp(e[i].path, ws->dir) || !e[i].id ||
		    strlen(e[i].id) >= sizeof(st->id))
			continue;
		strcpy(st->id, e[i].id);
		free(st->domain);
		st->domain = xstrdup(e[i].domain);
		recover_from_domain(v, ws, &e[i], st);
		fprintf(stderr, "found this workspace's VM '%s' by its "
			"metadata\n", st->domain);
		break;
	}
	vm_entries_free(e, n);
	return 0;
}

int
workspace_open(struct cmd_ctx *ctx, struct workspace *w, int lock)
{
	memset(w, 0, sizeof(*w));
	w->ws = &ctx->ws;
	w->lock = -1;
	if (lock && state_lock(w->ws, &w->lock) < 0)
		return -1;
	if (state_load(w->ws, &w->st) < 0 || vm_open(&w->v, w->ws->vm.uri) < 0 ||
	    workspace_adopt(&w->v, w->ws, &w->st) < 0)
		return -1;
	return vm_domain_find_for(&w->v, w->st.domain, w->ws->dir, &w->dom) < 0 ? -1 : 0;
}

void
workspace_close(struct workspace *w)
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

int
workspace_halt(struct workspace *w, int timeout_s)
{
	time_t end = time(NULL) + timeout_s;

	if (!w->dom || is_off(w->dom))
		return 0;
	/* the guest agent is quickest; ACPI when it is not there yet */
	if (virDomainShutdownFlags(w->dom,
				   VIR_DOMAIN_SHUTDOWN_GUEST_AGENT) < 0 &&
	    virDomainShutdownFlags(w->dom,
				   VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) < 0 &&
	    virDomainShutdown(w->dom) < 0)
		fprintf(stderr, "the guest ignores shutdown requests (%s)\n",
			vm_last_error());
	while (time(NULL) < end && !is_off(w->dom) && !berth_interrupted)
		usleep(250000);
	if (!is_off(w->dom)) {
		fprintf(stderr, "the guest did not stop within %d s: "
			"stopping it hard\n", timeout_s);
		if (virDomainDestroy(w->dom) < 0)
			return err_set("cannot stop '%s': %s", w->st.domain,
				       vm_last_error());
	}
	return 0;
}

char *
workspace_docker_host(const struct ws_state *st)
{
	/* on NAT the guest is reached at its own address */
	if (st->ssh_host && strcmp(st->ssh_host, "127.0.0.1"))
		return xasprintf("tcp://%s:2376", st->ssh_host);
	return xasprintf("tcp://127.0.0.1:%d", st->docker_port);
}

int
workspace_docker_wait(const struct ws *ws, const struct ws_state *st,
		      int timeout_s)
{
	char *certs = state_path(ws, "docker");
	char *host = workspace_docker_host(st);
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
workspace_running(struct workspace *w)
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
