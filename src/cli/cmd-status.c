/* cmd-status.c: the workspace VM's state, for people or scripts. */

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "machine.h"

static int cmd_status_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct status_opts {
	int json;
};

static const struct cmd_option status_options[] = {
	OPTION_FLAG("json", 0, struct status_opts, json,
		    "print one JSON object"),
	OPTIONS_END,
};

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "[--json]",
	.summary = "show the VM's state, where it lives, its acceleration, "
		   "ports and uptime",
	.options = status_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_status_exec,
};

/* One VM of a cluster: {node, name, domain, state, address}. */
static json_t *
cluster_vm(const struct ws *node, int k, const struct machine *w)
{
	char *addr = ws_node_address(node);
	const char *state = "not created";
	json_t *o;

	if (w && w->dom)
		state = vm_domain_state(w->dom, NULL);
	o = json_pack("{s:i, s:s, s:s?, s:s, s:s}", "node", k, "name",
		      node->name, "domain", w ? w->st.domain : NULL, "state",
		      state, "address", addr);
	free(addr);
	return o;
}

/* The cluster's VMs: the workspace VM (its manager), then each node. */
static json_t *
cluster_status(const struct ws *ws, const struct machine *mgr)
{
	json_t *vms = json_array(), *o;
	char *net = ws_cluster_network(ws);
	int k;

	json_array_append_new(vms, cluster_vm(ws, 1, mgr));
	for (k = 2; k <= ws->cluster.nodes; k++) {
		struct machine w;
		struct ws node;

		ws_node(ws, k, &node);
		if (machine_open(&node, &w, 0) == 0)
			json_array_append_new(vms, cluster_vm(&node, k, &w));
		else
			json_array_append_new(vms, cluster_vm(&node, k, NULL));
		err_clear();
		machine_close(&w);
		ws_node_release(&node);
	}
	o = json_pack("{s:i, s:s, s:o}", "nodes", ws->cluster.nodes,
		      "network", net, "vms", vms);
	free(net);
	return o;
}

static int
cmd_status_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct ws *ws = &ctx->ws;
	struct status_opts so = { 0 };
	struct machine *w;
	json_t *o, *ports, *lv;
	const char *state = "not created";
	char *host = NULL;
	int running = 0, ret;
	long up = -1;
	size_t i;

	if ((ret = cmd_parse(&cmd_status_entry, argc, argv, &so, -1)) >= 0)
		return ret;
	ret = EXIT_FAIL;
	o = json_object();
	ports = json_array();
	if (!(w = cmd_machine(ctx, 0))) {
		ret = cmd_fail();
		goto out;
	}
	if (w->dom) {
		int s;

		state = vm_domain_state(w->dom, &s);
		running = s == VIR_DOMAIN_RUNNING || s == VIR_DOMAIN_BLOCKED;
		if (running)
			up = iso_age_s(w->st.started_at);
	}
	json_object_set_new(o, "workspace", json_string(ws->name));
	json_object_set_new(o, "environment", json_string(ws->env));
	json_object_set_new(o, "berthfile", json_string(ws->file));
	json_object_set_new(o, "domain", json_string(w->st.domain));
	json_object_set_new(o, "state", json_string(state));
	json_object_set_new(o, "accel", w->st.accel ? json_string(w->st.accel)
						   : json_null());
	/* where the VM lives: vm.uri may name another machine's libvirt */
	host = vm_host_name(&w->v);
	lv = json_object();
	json_object_set_new(lv, "uri", json_string(ws->vm.uri));
	json_object_set_new(lv, "host", host ? json_string(host) : json_null());
	json_object_set_new(o, "libvirt", lv);
	json_object_set_new(o, "box", json_string(ws->vm.box));
	json_object_set_new(o, "uptime_s", up >= 0 ? json_integer(up)
						   : json_null());
	if (w->st.ssh_port) {
		json_t *p = json_object();

		json_object_set_new(p, "name", json_string("ssh"));
		json_object_set_new(p, "host", json_string(w->st.ssh_host ?
							   w->st.ssh_host :
							   "127.0.0.1"));
		json_object_set_new(p, "host_port", json_integer(w->st.ssh_port));
		json_object_set_new(p, "guest_port", json_integer(22));
		json_array_append_new(ports, p);
	}
	for (i = 0; i < ws->vm.nports && i < w->st.nvm_ports; i++) {
		json_t *p = json_object();

		json_object_set_new(p, "name", json_string("vm.ports"));
		json_object_set_new(p, "host",
				    json_string(ws->vm.ports[i].host_ip));
		json_object_set_new(p, "host_port",
				    json_integer(w->st.vm_ports[i]));
		json_object_set_new(p, "guest_port",
				    json_integer(ws->vm.ports[i].port));
		json_array_append_new(ports, p);
	}
	json_object_set_new(o, "ports", ports);
	ports = NULL;
	if (ws->cluster.nodes > 1)
		json_object_set_new(o, "cluster", cluster_status(ws, w));
	if (so.json) {
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		json_t *p;
		char *hint = cmd_text_in_env(" (run 'berth up')"), *shown;

		printf("workspace  %s (%s)\n", ws->name, ws->dir);
		if (!ws_env_is_default(ws))
			printf("env        %s\n", ws->env);
		printf("vm         %s%s%s%s\n", state, w->st.accel ? ", " : "",
		       w->st.accel ? w->st.accel : "", w->dom ? "" : hint);
		free(hint);
		/* the name comes from that host: no terminal controls */
		shown = host ? str_printable(host) : NULL;
		printf("libvirt    %s on %s\n", ws->vm.uri,
		       shown ? shown : "a host that does not say its name");
		free(shown);
		if (up >= 0)
			printf("uptime     %ldh %02ldm %02lds\n", up / 3600,
			       up / 60 % 60, up % 60);
		printf("box        %s\n", ws->vm.box);
		json_array_foreach(json_object_get(o, "ports"), i, p)
			printf("port       %s:%lld -> %lld (%s)\n",
			       json_string_value(json_object_get(p, "host")),
			       json_integer_value(json_object_get(p,
								"host_port")),
			       json_integer_value(json_object_get(p,
								"guest_port")),
			       json_string_value(json_object_get(p, "name")));
		if (ws->cluster.nodes > 1) {
			json_t *c = json_object_get(o, "cluster");

			printf("cluster    %d nodes, on libvirt network %s\n",
			       ws->cluster.nodes, json_string_value(
				       json_object_get(c, "network")));
			json_array_foreach(json_object_get(c, "vms"), i, p)
				printf("node %-5lld %s: %s, %s%s\n",
				       json_integer_value(json_object_get(p,
									  "node")),
				       json_string_value(json_object_get(p,
									 "name")),
				       json_string_value(json_object_get(p,
									 "state")),
				       json_string_value(json_object_get(p,
									 "address")),
				       i ? "" : " (the swarm's manager)");
		}
	}
	ret = EXIT_OK;
out:
	free(host);
	json_decref(ports);
	json_decref(o);
	return ret;
}
