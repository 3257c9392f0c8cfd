/* stack-engine.c: the engine a workspace's stack runs on (the one in its
 * VM, or docker.host), the host ports picked for its services, and the
 * forwards that bring those ports from the host's 127.0.0.1 into the VM. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack.h"
#include "machine.h"

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
	report_note("berth: the service ports were unreadable (%s); kept them "
		    "as %s and reading them off the containers",
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
	    (!st.exists && machine_recover_state(ws, &st) < 0))
		return -1;
	if (!st.docker_port) {
		err_set("workspace '%s' has no VM yet", ws->name);
		err_hint("run 'berth up' first");
		goto out;
	}
	if (machine_check_owner(ws, &st) < 0)
		goto out;
	e->place = ENGINE_VM_FORWARDED;
	e->domain = xstrdup(st.domain);
	e->uri = xstrdup(ws->vm.uri);
	/* forwards are for slirp; on NAT the guest is reached directly */
	if (st.ssh_host && strcmp(st.ssh_host, "127.0.0.1"))
		e->place = ENGINE_VM_DIRECT;
	/* slirp's guest is always at its first address; a cluster's node
	 * is reached by the others on the cluster network */
	e->vm_addr = ws->cluster.nodes > 1 ? ws_node_address(ws)
		     : xstrdup(e->place == ENGINE_VM_DIRECT ? st.ssh_host
							    : "10.0.2.15");
	host = machine_docker_host(&st);
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
	free(e->vm_addr);
	memset(e, 0, sizeof(*e));
}

/* How many host ports each port of svc takes: one per replica, or one
 * for them all behind Swarm's routing mesh. */
static int
port_replicas(const struct ws *ws, const struct service *svc)
{
	return ws->stack.mode == STACK_SWARM && svc->replicas ? 1
							     : svc->replicas;
}

/* Every published port of the stack, forwarded from the host into the
 * VM (slirp's, added live); docker.host and NAT need none. */
int
engine_forward_ports(struct engine *e, const struct ws *ws)
{
	struct forward *f;
	size_t i, k, n = 0;
	int rep, ret = -1;

	if (e->place != ENGINE_VM_FORWARDED)
		return 0;
	for (i = k = 0; i < ws->stack.nservices; i++)
		k += ws->stack.services[i].nports *
		     (size_t)port_replicas(ws, &ws->stack.services[i]);
	if (!k)
		return 0;
	f = xcalloc(k, sizeof(*f));
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];

		for (rep = 1; rep <= port_replicas(ws, svc); rep++)
			for (k = 0; k < svc->nports; k++, n++) {
				const struct port_spec *p = &svc->ports[k];

				f[n].proto = p->proto;
				f[n].host_ip = p->host_ip;
				f[n].service = svc->name;
				f[n].line = p->line;
				if ((f[n].port = stack_host_port(e, svc, rep,
								 p)) < 0)
					goto out;
			}
	}
	ret = machine_forward_ports(ws, e->domain, f, n);
out:
	free(f);
	return ret;
}
