/* cluster-nodes.c: the VMs of a cluster besides the workspace's, each a
 * workspace of its own (ws_node): which there are, and their halt and
 * destroy along with the workspace VM's. */

#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "machine.h"

/* Nodes that have a state, or a domain of this folder and environment
 * (a state lost): a bit per number, 2 to CLUSTER_NODES_MAX. */
static unsigned
nodes_present(const struct ws *ws)
{
	struct vm_conn v = { 0 };
	struct vm_entry *e = NULL;
	unsigned set = 0;
	size_t n = 0, i;
	int k;

	for (k = 2; k <= CLUSTER_NODES_MAX; k++) {
		struct ws node;
		char *dir, *file;

		/* its saved state: a look ('berth status') makes the folder */
		ws_node(ws, k, &node);
		dir = state_dir(&node);
		file = path_join(dir, "state.json");
		if (path_exists(file))
			set |= 1u << k;
		free(file);
		free(dir);
		ws_node_release(&node);
	}
	if (vm_open(&v, ws->vm.uri) == 0 && vm_list(&v, &e, &n) == 0) {
		for (i = 0; i < n; i++)
			if (e[i].node >= 2 && e[i].node <= CLUSTER_NODES_MAX &&
			    e[i].path && !strcmp(e[i].path, ws->dir) &&
			    !strcmp(e[i].env, ws->env))
				set |= 1u << e[i].node;
		vm_entries_free(e, n);
	}
	err_clear();	/* no libvirt: the states say it all */
	vm_close(&v);
	return set;
}

/* fn on each node from number from on that exists, under its lock. */
static int
each_node(const struct ws *ws, int from, int (*fn)(struct machine *w,
						     void *arg), void *arg)
{
	unsigned set = nodes_present(ws);
	int k, ret = 0;

	for (k = CLUSTER_NODES_MAX; k >= from && ret == 0; k--) {
		struct machine w;
		struct ws node;

		if (!(set & (1u << k)))
			continue;
		ws_node(ws, k, &node);
		if (machine_open(&node, &w, 1) < 0 || fn(&w, arg) < 0)
			ret = err_prefix("node %d of the cluster ('%s')", k,
					 node.name);
		machine_close(&w);
		ws_node_release(&node);
	}
	return ret;
}

static int
destroy_one(struct machine *w, void *arg)
{
	const struct reporter *rep = arg;

	if (machine_destroy(w) < 0)
		return -1;
	if (rep)
		report(rep, REPORT_LINE, NULL, "    destroyed %s, beyond "
		       "cluster.nodes = %d", w->ws->name, w->ws->cluster.nodes);
	return 0;
}

int
machine_nodes_destroy(const struct ws *ws, int from,
		      const struct reporter *rep)
{
	return each_node(ws, from, destroy_one, (void *)rep);
}

struct halt_args {
	int timeout_s;
	const struct reporter *rep;
};

static int
halt_one(struct machine *w, void *arg)
{
	const struct halt_args *h = arg;

	return machine_halt(w, h->timeout_s, h->rep);
}

int
machine_nodes_halt(const struct ws *ws, int timeout_s,
		   const struct reporter *rep)
{
	struct halt_args h = { timeout_s, rep };

	return each_node(ws, 2, halt_one, &h);
}
