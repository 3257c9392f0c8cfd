/* cluster.c: the nodes of a cluster as workspaces of their own, and
 * their place on the cluster network: names, addresses, MACs. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "digest.h"
#include "util.h"

void
ws_node(const struct ws *ws, int k, struct ws *out)
{
	*out = *ws;
	out->name = xasprintf("%s-node%d", ws->name, k);
	out->node = k;
	out->vm.ports = NULL;
	out->vm.nports = 0;
}

void
ws_node_release(struct ws *node)
{
	free(node->name);
	node->name = NULL;
}

/* The folder and environment hashed: the same for every node, and
 * another for another environment's cluster. */
static char *
cluster_hash(const struct ws *ws)
{
	struct digest *d = digest_new("sha256");
	char *ret;

	digest_update(d, ws->dir, strlen(ws->dir));
	digest_update(d, "\n", 1);
	digest_update(d, ws->env, strlen(ws->env));
	ret = xstrndup(digest_hex(d), 12);
	digest_free(d);
	return ret;
}

char *
ws_cluster_network(const struct ws *ws)
{
	char *h = cluster_hash(ws), *ret = xasprintf("berth-cluster-%s", h);

	free(h);
	return ret;
}

char *
ws_node_address(const struct ws *ws)
{
	return xasprintf(CLUSTER_SUBNET ".%d", 10 + (ws->node ? ws->node : 1));
}

char *
ws_cluster_registry(void)
{
	/* the manager is node 1, at .11 */
	return xstrdup(CLUSTER_SUBNET ".11:5000");
}

char *
ws_node_mac(const struct ws *ws)
{
	char *h = cluster_hash(ws), *ret;

	ret = xasprintf("52:54:00:%.2s:%.2s:%02x", h, h + 2,
			ws->node ? ws->node : 1);
	free(h);
	return ret;
}
