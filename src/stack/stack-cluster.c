/* stack-cluster.c: the VMs of a cluster (cluster.nodes) as one swarm.
 * The workspace VM's engine manages it; every other node joins it as a
 * worker, through its own engine, and gets the images that are on the
 * manager alone (built, loaded, berth's own) before a task needs them. */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stack.h"

/* How long the manager may take to see a node that joined as ready. */
#define READY_WAIT_S 120

static const char *
node_str(json_t *n, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(n, a), b));
}

/* The manager's node entry of id, or NULL. */
static json_t *
node_by_id(json_t *nodes, const char *id)
{
	json_t *n;
	size_t i;

	json_array_foreach(nodes, i, n)
		if (id && !strcmp(json_string_value(json_object_get(n, "ID"))
				  ?: "", id))
			return n;
	return NULL;
}

/*
 * Node k in the swarm: a worker that the manager lists is left as it is;
 * one in no swarm, or in another (its manager was made again), joins.
 * Its node ID, as its own engine says, in *id.
 */
static int
join_one(struct engine *mgr, const struct ws *node, json_t *nodes,
	 const char *token, char **id)
{
	struct engine ne;
	struct swarm_info info = { 0 };
	char *addr = ws_node_address(node);
	char *manager = xasprintf("%s:2377", mgr->vm_addr);
	int ret = -1;

	*id = NULL;
	if (engine_open(node, &ne) < 0 || docker_swarm_info(&ne.d, &info) < 0)
		goto out;
	if (!strcmp(info.state, "active") && node_by_id(nodes, info.node_id)) {
		*id = xstrdup(info.node_id);
		ret = 0;
		goto out;
	}
	if (strcmp(info.state, "inactive") && docker_swarm_leave(&ne.d) < 0)
		goto out;
	swarm_info_release(&info);
	if (docker_swarm_join(&ne.d, addr, manager, token) < 0 ||
	    docker_swarm_info(&ne.d, &info) < 0)
		goto out;
	*id = info.node_id ? xstrdup(info.node_id) : NULL;
	ret = 0;
out:
	if (ret < 0)
		err_prefix("node '%s'", node->name);
	swarm_info_release(&info);
	engine_close(&ne);
	free(manager);
	free(addr);
	return ret;
}

/*
 * Entries of the manager's that no VM of the cluster is any more: a node
 * made again joined under a new ID, and a node beyond cluster.nodes was
 * destroyed. Only those of this cluster's hostnames.
 */
static int
remove_stale(struct engine *mgr, const struct ws *ws, json_t *nodes,
	     char **ids)
{
	char *prefix = xasprintf("%s-node", ws->name), *p;
	json_t *n;
	size_t i;
	int k, ret = 0;

	for (p = prefix; *p; p++)
		if (*p == '_')
			*p = '-';
	json_array_foreach(nodes, i, n) {
		const char *host = node_str(n, "Description", "Hostname") ?: "";
		const char *id = json_string_value(json_object_get(n, "ID"));
		int live = 0;

		if (!id || strncmp(host, prefix, strlen(prefix)) ||
		    !strcmp(node_str(n, "Spec", "Role") ?: "", "manager"))
			continue;
		for (k = 2; k <= ws->cluster.nodes; k++)
			live |= ids[k] && !strcmp(ids[k], id);
		if (!live && docker_node_remove(&mgr->d, id) < 0)
			ret = err_prefix("cannot remove the old node '%s' from "
					 "the swarm", host);
	}
	free(prefix);
	return ret;
}

/* Every node the manager lists as ready, or the timeout. */
static int
wait_ready(struct engine *mgr, const struct ws *ws, char **ids)
{
	double end = clock_now() + READY_WAIT_S;
	int k, ready = 0;

	while (!ready && !berth_interrupted) {
		json_t *nodes = NULL;

		if (docker_nodes(&mgr->d, &nodes) < 0)
			return -1;
		ready = 1;
		for (k = 2; k <= ws->cluster.nodes; k++) {
			json_t *n = node_by_id(nodes, ids[k]);

			ready &= n && !strcmp(node_str(n, "Status", "State")
					      ?: "", "ready");
		}
		json_decref(nodes);
		if (ready)
			break;
		if (clock_now() > end) {
			err_set("the cluster's nodes did not all come into the "
				"swarm within %d s", READY_WAIT_S);
			return err_hint("'berth ssh -c \"docker node ls\"' shows "
					"them");
		}
		usleep(500 * 1000);
	}
	return berth_interrupted ? err_set("interrupted") : 0;
}

int
stack_cluster_join(struct engine *mgr, const struct ws *ws,
		   const struct reporter *rep)
{
	char **ids = xcalloc((size_t)ws->cluster.nodes + 1, sizeof(char *));
	char *token = NULL;
	json_t *nodes = NULL;
	double t0 = clock_now();
	int k, joined = 0, ret = -1;

	if (docker_swarm_join_token(&mgr->d, &token) < 0 ||
	    docker_nodes(&mgr->d, &nodes) < 0)
		goto out;
	for (k = 2; k <= ws->cluster.nodes; k++) {
		struct ws node;
		int r;

		ws_node(ws, k, &node);
		r = join_one(mgr, &node, nodes, token, &ids[k]);
		ws_node_release(&node);
		if (r < 0)
			goto out;
		joined += !node_by_id(nodes, ids[k]);
	}
	if (remove_stale(mgr, ws, nodes, ids) < 0 ||
	    wait_ready(mgr, ws, ids) < 0)
		goto out;
	if (joined)
		report(rep, REPORT_LINE, NULL, "    %d %s joined the swarm "
		       "(%.1f s): %d in all", joined, joined == 1 ? "node"
		       : "nodes", clock_now() - t0, ws->cluster.nodes);
	ret = 0;
out:
	for (k = 0; k <= ws->cluster.nodes; k++)
		free(ids[k]);
	free(ids);
	free(token);
	json_decref(nodes);
	return ret;
}

int
stack_image_is_local(const struct service *svc, const char **how)
{
	*how = svc->build_context ? "built" : svc->load ? "loaded from a file"
	       : svc->from_host ? "copied from this machine" : NULL;
	if (!*how && svc->image && !strncmp(svc->image, "berth/", 6))
		*how = "berth's own";
	return *how != NULL;
}

/* The image on node k as the manager has it: copied when it is missing
 * there, or another image under that name. */
static int
copy_to_node(struct engine *mgr, const struct ws *node, const char *ref,
	     const char *id, int *copied)
{
	struct engine ne;
	json_t *have = NULL;
	int r, ret = -1;

	if (engine_open(node, &ne) < 0)
		goto out;
	if ((r = docker_image_inspect(&ne.d, ref, &have)) < 0)
		goto out;
	if (r == 0 || strcmp(json_string_value(json_object_get(have, "Id"))
			     ?: "", id)) {
		if (docker_image_copy(&mgr->d, &ne.d, ref) < 0)
			goto out;
		(*copied)++;
	}
	ret = 0;
out:
	if (ret < 0)
		err_prefix("node '%s'", node->name);
	json_decref(have);
	engine_close(&ne);
	return ret;
}

int
stack_cluster_images(struct engine *mgr, const struct ws *ws,
		     const struct stack_images *im, const struct reporter *rep)
{
	size_t i;
	int k;

	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		const char *how;
		double t0 = clock_now();
		int copied = 0;

		if (!svc->replicas || !im->id[i] ||
		    !stack_image_is_local(svc, &how))
			continue;
		for (k = 2; k <= ws->cluster.nodes; k++) {
			struct ws node;
			int r;

			ws_node(ws, k, &node);
			r = copy_to_node(mgr, &node, im->ref[i], im->id[i],
					 &copied);
			ws_node_release(&node);
			if (r < 0)
				return err_prefix("service '%s': cannot copy "
						  "its image %s", svc->name,
						  im->ref[i]);
		}
		if (copied)
			report(rep, REPORT_LINE, svc->name, "    %s: image %s "
			       "copied to %d %s (%.1f s)", svc->name,
			       im->ref[i], copied, copied == 1 ? "node"
			       : "nodes", clock_now() - t0);
	}
	return 0;
}

/* The node of the cluster that has the hostname host: 1 the workspace
 * VM, K a node, 0 none. */
static int
node_of_host(const struct ws *ws, const char *host)
{
	int k;

	for (k = 1; k <= ws->cluster.nodes; k++) {
		struct ws node;
		char *want, *p;
		int same;

		ws_node(ws, k, &node);
		want = xstrdup(k == 1 ? ws->name : node.name);
		for (p = want; *p; p++)
			if (*p == '_')
				*p = '-';
		same = !strcmp(want, host);
		free(want);
		ws_node_release(&node);
		if (same)
			return k;
	}
	return 0;
}

int
stack_cluster_task(struct engine *mgr, const struct ws *ws,
		   const struct service *svc, int replica, struct engine *node,
		   char **container)
{
	char *name = stack_swarm_service_name(ws, svc);
	json_t *tasks = NULL, *nodes = NULL, *t, *found = NULL, *n;
	const char *host = NULL;
	size_t i;
	int k, ret = -1;

	*container = NULL;
	if (docker_service_tasks(&mgr->d, name, &tasks) < 0 ||
	    docker_nodes(&mgr->d, &nodes) < 0)
		goto out;
	json_array_foreach(tasks, i, t)
		if (json_integer_value(json_object_get(t, "Slot")) == replica &&
		    !strcmp(node_str(t, "Status", "State") ?: "", "running"))
			found = t;
	if (!found) {
		err_set("task %d of '%s' is not running", replica, svc->name);
		err_hint("'berth ps' shows its tasks; 'berth up' starts them");
		goto out;
	}
	if ((n = node_by_id(nodes, json_string_value(json_object_get(
			found, "NodeID")))))
		host = node_str(n, "Description", "Hostname");
	if (!host || !(k = node_of_host(ws, host))) {
		/* the engine's words: printable before they reach a terminal */
		char *shown = str_printable(host ? host : "a node unknown");

		err_set("task %d of '%s' runs on '%s', no VM of this cluster",
			replica, svc->name, shown);
		free(shown);
		goto out;
	}
	*container = xstrdup(json_string_value(json_object_get(
		json_object_get(json_object_get(found, "Status"),
				"ContainerStatus"), "ContainerID")) ?: "");
	if (k == 1) {
		ret = 0;
	} else {
		struct ws nw;

		ws_node(ws, k, &nw);
		ret = engine_open(&nw, node) < 0 ? -1 : 1;
		ws_node_release(&nw);
	}
out:
	if (ret < 0) {
		free(*container);
		*container = NULL;
	}
	json_decref(tasks);
	json_decref(nodes);
	free(name);
	return ret;
}
