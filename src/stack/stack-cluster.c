/* stack-cluster.c: the VMs of a cluster (cluster.nodes) as one swarm.
 * The workspace VM's engine manages it; every other node joins it as a
 * worker, through its own engine. The services' images, which the
 * manager built, loaded or pulled, are pushed to the cluster's registry
 * (cluster-registry.c), and every node pulls them from there by digest
 * before a task needs them. */

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

/* A registry's path: components of lower-case letters and digits, with
 * '.', '_' or '-' only between them (so no "..", which a URL would
 * resolve, and no empty one). */
static int
path_components_ok(const char *path)
{
	const char *alnum = "abcdefghijklmnopqrstuvwxyz0123456789";
	const char *c = path;

	for (;;) {
		size_t len = strcspn(c, "/");

		if (!len || !strchr(alnum, c[0]) || !strchr(alnum, c[len - 1]) ||
		    strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789._-") != len)
			return 0;
		if (!c[len])
			return 1;
		c += len + 1;
	}
}

int
stack_registry_name(const char *ref, char **path, char **tag)
{
	char *name, *digest, *slash;
	const char *p;

	docker_ref_split(ref, &name, tag, &digest);
	p = name;
	slash = strchr(name, '/');
	/* a first part with a dot or a port, or localhost, is a registry */
	if (slash && (memchr(name, '.', (size_t)(slash - name)) ||
		      memchr(name, ':', (size_t)(slash - name)) ||
		      !strncmp(name, "localhost/", 10)))
		p = slash + 1;
	*path = xstrdup(p);
	if (!*tag)
		*tag = xstrdup("latest");
	free(name);
	free(digest);
	/* what goes into the engine's URL path and the registry's */
	if (!path_components_ok(*path) || !**tag || strlen(*tag) > 128 ||
	    strspn(*tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789_.-") != strlen(*tag)) {
		free(*path);
		free(*tag);
		*path = *tag = NULL;
		return err_set("'%s' is no name the cluster's registry takes",
			       ref);
	}
	return 0;
}

/* The digest the registry has for the image id under repo, or NULL: one
 * the engine recorded when it pushed it, and that the registry still
 * serves. */
static char *
pushed_digest(struct engine *mgr, const char *id, const char *repo)
{
	json_t *img = NULL, *x;
	char *found = NULL;
	size_t i, n = strlen(repo);

	if (docker_image_inspect(&mgr->d, id, &img) <= 0)
		goto out;
	json_array_foreach(json_object_get(img, "RepoDigests"), i, x) {
		const char *rd = json_string_value(x) ?: "";
		json_t *desc = NULL;
		char *path;
		long status = 0;

		/* the engine's words go into a service's spec: a digest */
		if (strncmp(rd, repo, n) || rd[n] != '@' ||
		    !docker_is_digest(rd + n + 1))
			continue;
		/* asked of the registry, through the manager's engine */
		path = xasprintf("/distribution/%s/json", rd);
		if (docker_get_json_status(&mgr->d, path, &desc,
					   &status) == 0 && status < 300)
			found = xstrdup(rd + n + 1);
		err_clear();
		json_decref(desc);
		free(path);
		if (found)
			break;
	}
out:
	err_clear();
	json_decref(img);
	return found;
}

/* Image id (ref) in the cluster's registry: pushed unless it is there;
 * the reference that pins it by digest in *pinned. */
static int
push_one(struct engine *mgr, const char *registry, const char *ref,
	 const char *id, char **pinned, int *pushed)
{
	char *path, *tag, *repo, *digest;
	int ret = -1;

	*pinned = NULL;
	if (stack_registry_name(ref, &path, &tag) < 0)
		return -1;
	repo = xasprintf("%s/%s", registry, path);
	if (!(digest = pushed_digest(mgr, id, repo))) {
		if (docker_image_push(&mgr->d, id, repo, tag, &digest) < 0)
			goto out;
		*pushed = 1;
	}
	*pinned = xasprintf("%s:%s@%s", repo, tag, digest);
	ret = 0;
out:
	free(digest);
	free(repo);
	free(path);
	free(tag);
	return ret;
}

/* The pinned image on node k, pulled from the registry unless it is
 * there: its engine runs a task's image as it has it, and asks no
 * registry first (DOCKER_SERVICE_PREFER_OFFLINE_IMAGE, seed.h). */
static int
pull_on_node(const struct ws *node, const char *pinned, int *pulled)
{
	struct engine ne;
	json_t *have = NULL;
	int r, ret = -1;

	if (engine_open(node, &ne) < 0)
		goto out;
	if ((r = docker_image_inspect(&ne.d, pinned, &have)) < 0)
		goto out;
	if (r == 0) {
		if (docker_image_pull(&ne.d, pinned, NULL, NULL) < 0)
			goto out;
		(*pulled)++;
	}
	ret = 0;
out:
	if (ret < 0)
		err_prefix("node '%s'", node->name);
	json_decref(have);
	engine_close(&ne);
	return ret;
}

/* Image i pushed, then pulled by every node: im->ref[i] pinned. */
static int
share_image(struct engine *mgr, const struct ws *ws, const char *registry,
	    struct stack_images *im, size_t i, const struct reporter *rep)
{
	const struct service *svc = &ws->stack.services[i];
	double t0 = clock_now();
	char *pinned;
	int k, pushed = 0, pulled = 0;

	if (push_one(mgr, registry, im->ref[i], im->id[i], &pinned,
		     &pushed) < 0)
		return err_prefix("service '%s': cannot push its image %s to "
				  "the cluster's registry", svc->name,
				  im->ref[i]);
	for (k = 2; k <= ws->cluster.nodes; k++) {
		struct ws node;
		int r;

		ws_node(ws, k, &node);
		r = pull_on_node(&node, pinned, &pulled);
		ws_node_release(&node);
		if (r < 0) {
			err_prefix("service '%s': cannot pull its image %s from "
				   "the cluster's registry", svc->name, pinned);
			free(pinned);
			return -1;
		}
	}
	if (pushed || pulled)
		report(rep, REPORT_LINE, svc->name, "    %s: image %s %s the "
		       "cluster's registry, pulled by %d %s (%.1f s)",
		       svc->name, im->ref[i], pushed ? "pushed to" : "in",
		       pulled, pulled == 1 ? "node" : "nodes",
		       clock_now() - t0);
	/* what every node has now, and what the service names */
	free(im->ref[i]);
	im->ref[i] = pinned;
	return 0;
}

int
stack_cluster_images(struct engine *mgr, const struct ws *ws,
		     struct stack_images *im, const struct reporter *rep)
{
	char *registry = ws_cluster_registry();
	size_t i;
	int ret = 0;

	/* pulled ones too: a node may not reach their registry, and each
	 * node runs the same image, by digest */
	for (i = 0; i < ws->stack.nservices && ret == 0; i++)
		if (ws->stack.services[i].replicas && im->id[i])
			ret = share_image(mgr, ws, registry, im, i, rep);
	free(registry);
	return ret;
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
