/* stack-engine.c: the engine a workspace's stack runs on (the one in its
 * VM, or docker.host), the host ports picked for its services, and the
 * forwards that bring those ports from the host's 127.0.0.1 into the VM. */

#include <libvirt/libvirt-qemu.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack.h"
#include "state.h"
#include "vm.h"
#include "workspace.h"

/* Read ports.json; a damaged one is kept as ports.json.corrupt and the
 * ports are then recovered from the containers (recover_ports). */
static int
load_ports(struct engine *e)
{
	json_error_t je = { 0 };
	char *kept;

	if (!path_exists(e->ports_file))
		return 0;
	if ((e->ports = json_load_file(e->ports_file, 0, &je)) &&
	    json_is_object(e->ports))
		return 0;
	json_decref(e->ports);
	e->ports = NULL;
	kept = xasprintf("%s.corrupt", e->ports_file);
	if (rename(e->ports_file, kept) < 0) {
		err_set("'%s' is damaged, and cannot be moved aside", e->ports_file);
		err_hint("move it away; berth then reads the ports off the "
			 "containers");
		free(kept);
		return -1;
	}
	fprintf(stderr, "berth: the service ports were unreadable (%s); kept "
		"them as %s and reading them off the containers\n",
		je.text[0] ? je.text : "not a JSON object", kept);
	free(kept);
	return 0;
}

/* Without ports.json, the ports picked before are still on the running
 * containers: keep them, so that no address changes and nothing is
 * recreated for it. */
static void
recover_ports(struct engine *e, const struct ws *ws)
{
	json_t *all = NULL, *c, *p;
	size_t i, k;
	int picked = 0;

	/* only ports berth picked are in ports.json: without one, no list */
	for (i = 0; i < ws->stack.nservices; i++)
		for (k = 0; k < ws->stack.services[i].nports; k++)
			picked |= !ws->stack.services[i].ports[k].host_port;
	if (e->ports || !picked || stack_containers(e, ws, NULL, &all) < 0) {
		err_clear();
		json_decref(all);
		return;
	}
	json_array_foreach(all, i, c) {
		const char *svc = stack_label(c, LABEL_SERVICE);
		const char *rep = stack_label(c, LABEL_REPLICA);

		json_array_foreach(json_object_get(c, "Ports"), k, p) {
			json_int_t pub = json_integer_value(json_object_get(p,
							"PublicPort"));
			json_int_t priv = json_integer_value(json_object_get(p,
							"PrivatePort"));
			const char *type = json_string_value(json_object_get(p,
							"Type"));
			char key[160];

			if (!svc || !rep || !type || pub <= 0 || priv <= 0)
				continue;
			snprintf(key, sizeof(key), "%s.%s.%lld/%s", svc, rep,
				 (long long)priv, type);
			if (!e->ports)
				e->ports = json_object();
			json_object_set_new(e->ports, key, json_integer(pub));
			e->ports_dirty = 1;
		}
	}
	json_decref(all);
}

/* A state file lost or set aside: find the VM by its metadata. */
static int
adopt_vm(const struct ws *ws, struct ws_state *st)
{
	struct vm_conn v = { 0 };
	int ret;

	if (vm_open(&v, ws->vm.uri) < 0)
		return -1;
	ret = workspace_adopt(&v, ws, st);
	if (ret == 0 && st->docker_port)
		ret = state_save(ws, st);
	vm_close(&v);
	return ret;
}

/* The state's VM must be this folder's before its engine is trusted. */
static int
owned_domain(const struct ws *ws, const struct ws_state *st)
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
engine_open(const struct ws *ws, struct engine *e)
{
	struct ws_state st;
	char *host = NULL, *certs = NULL;
	int ret = -1;

	memset(e, 0, sizeof(*e));
	e->ports_file = state_path(ws, "ports.json");
	if (load_ports(e) < 0)
		return -1;
	if (ws->docker.host) {
		if (docker_open(&e->d, ws->docker.host,
				getenv("DOCKER_CERT_PATH")) < 0)
			return -1;
		if (docker_ping(&e->d) < 0) {
			err_prefix("cannot reach the engine at %s",
				   ws->docker.host);
			err_hint("is dockerd running? 'docker -H %s info' "
				 "checks", ws->docker.host);
			return -1;
		}
		recover_ports(e, ws);
		return 0;
	}
	if (state_load(ws, &st) < 0 ||
	    (!st.exists && adopt_vm(ws, &st) < 0))
		return -1;
	if (!st.docker_port) {
		err_set("workspace '%s' has no VM yet", ws->name);
		err_hint("run 'berth up' first");
		goto out;
	}
	if (owned_domain(ws, &st) < 0)
		goto out;
	e->in_vm = 1;
	e->domain = xstrdup(st.domain);
	e->uri = xstrdup(ws->vm.uri);
	/* forwards are for slirp; on NAT the guest is reached directly */
	if (st.ssh_host && strcmp(st.ssh_host, "127.0.0.1"))
		e->in_vm = 2;
	host = workspace_docker_host(&st);
	certs = state_path(ws, "docker");
	if (docker_open(&e->d, host, certs) < 0)
		goto out;
	if (docker_ping(&e->d) < 0) {
		err_prefix("the engine in workspace '%s' does not answer",
			   ws->name);
		err_hint("is the VM up? 'berth status' shows it; 'berth up' "
			 "starts it");
		goto out;
	}
	recover_ports(e, ws);
	ret = 0;
out:
	free(host);
	free(certs);
	state_release(&st);
	return ret;
}

int
engine_save_ports(struct engine *e)
{
	char *text;
	int ret;

	if (!e->ports_dirty || !e->ports)
		return 0;
	text = json_dumps(e->ports, JSON_INDENT(2) | JSON_SORT_KEYS);
	ret = write_file_atomic(e->ports_file, text, strlen(text), 0644);
	free(text);
	if (ret == 0)
		e->ports_dirty = 0;
	return ret;
}

void
engine_close(struct engine *e)
{
	docker_close(&e->d);
	json_decref(e->ports);
	free(e->ports_file);
	free(e->domain);
	free(e->uri);
	memset(e, 0, sizeof(*e));
}

static int
monitor(virDomainPtr dom, const char *cmd, char **out)
{
	*out = NULL;
	if (virDomainQemuMonitorCommand(dom, cmd, out,
				VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0)
		return err_set("QEMU monitor '%s': %s", cmd, vm_last_error());
	return 0;
}

/*
 * slirp takes new forwards while the VM runs (HMP hostfwd_add), so a
 * service's port needs no redefinition of the domain. QEMU forgets them
 * when it stops; 'info usernet' says which are there now, so every up
 * adds just the missing ones.
 */
int
engine_forward_ports(struct engine *e, const struct ws *ws)
{
	struct vm_conn v = { 0 };
	virDomainPtr dom = NULL;
	char *have = NULL, *out = NULL;
	size_t i, k;
	int r, ret = -1;

	if (e->in_vm != 1)
		return 0;
	for (i = k = 0; i < ws->stack.nservices; i++)
		k += ws->stack.services[i].nports;
	if (!k)
		return 0;
	if (vm_open(&v, e->uri) < 0 ||
	    (r = vm_domain_find_for(&v, e->domain, ws->dir, &dom)) < 0)
		goto out;
	if (!r) {
		err_set("the VM '%s' is gone", e->domain);
		goto out;
	}
	if (monitor(dom, "info usernet", &have) < 0)
		goto out;
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		int rep;

		for (rep = 1; rep <= svc->replicas; rep++)
			for (k = 0; k < svc->nports; k++) {
				const struct port_spec *p = &svc->ports[k];
				int port = stack_host_port(e, svc, rep, p);
				char *cmd, *needle;
				int found;

				if (port < 0)
					goto out;
				/* info usernet: "TCP[HOST_FORWARD] 13 127.0.0.1 8080 10.0.2.15 8080" */
				needle = xasprintf("%s[HOST_FORWARD]", p->proto ==
						   PROTO_UDP ? "UDP" : "TCP");
				found = 0;
				for (char *l = strstr(have, needle); l && !found;
				     l = strstr(l + 1, needle)) {
					char ip[64];
					int fd, hp;

					if (sscanf(strchr(l, ']') + 1, "%d %63s %d",
						   &fd, ip, &hp) == 3 &&
					    hp == port && !strcmp(ip, p->host_ip))
						found = 1;
				}
				free(needle);
				if (found)
					continue;
				cmd = xasprintf("hostfwd_add n0 %s:%s:%d-:%d",
						spec_proto_name(p->proto),
						p->host_ip, port, port);
				r = monitor(dom, cmd, &out);
				free(cmd);
				if (r < 0)
					goto out;
				if (out && *out) {
					/* HMP reports failure as text */
					err_set("cannot forward %s:%d to '%s': %s",
						p->host_ip, port, svc->name, out);
					err_hint("free the port, or pin another "
						 "in %s:%d", ws->file, p->line);
					goto out;
				}
				free(out);
				out = NULL;
			}
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

int
stack_plan_show(const struct ws *ws, int json)
{
	struct stack_opts o = { .dry_run = 1, .json = json };
	struct ws_state st;
	struct vm_conn v = { 0 };
	struct engine e;
	virDomainPtr dom = NULL;
	int state = VIR_DOMAIN_NOSTATE, found = 0, ret = -1;

	if (!ws->docker.host) {
		/* a VM that is not running has no engine to ask */
		if (state_load(ws, &st) < 0)
			return -1;
		if (vm_open(&v, ws->vm.uri) == 0 &&
		    (found = vm_domain_find_for(&v, st.domain, ws->dir, &dom) > 0))
			vm_domain_state(dom, &state);
		if (dom)
			virDomainFree(dom);
		vm_close(&v);
		state_release(&st);
		if (state != VIR_DOMAIN_RUNNING) {
			const char *vm = found ? "not running" : "not created";

			if (json)
				printf("{\n  \"vm\": \"%s\",\n  \"containers\": "
				       "[],\n  \"networks\": [],\n  \"volumes\": "
				       "[]\n}\n", vm);
			else
				printf("vm  %s: 'berth up' boots it, then creates "
				       "every service\n", vm);
			return 0;
		}
	}
	if (engine_open(ws, &e) == 0)
		ret = stack_up(&e, ws, &o);
	engine_close(&e);
	return ret;
}
