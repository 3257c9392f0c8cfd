/* stack-query.c: finding a workspace's containers in its engine, and
 * taking the stack down. */

#include <stdlib.h>
#include <string.h>

#include "stack.h"

const char *
stack_label(json_t *c, const char *key)
{
	return json_string_value(json_object_get(json_object_get(c, "Labels"),
						 key));
}

const char *
stack_listed_name(json_t *c)
{
	const char *n = json_string_value(json_array_get(
		json_object_get(c, "Names"), 0));

	return n && *n == '/' ? n + 1 : n ? n : "?";
}

static int
by_service(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(stack_label(x, LABEL_SERVICE) ?: "",
		       stack_label(y, LABEL_SERVICE) ?: "");

	return c ? c : atoi(stack_label(x, LABEL_REPLICA) ?: "0") -
		       atoi(stack_label(y, LABEL_REPLICA) ?: "0");
}

/* A Swarm task's container has its slot in its task's name, not in a
 * label of berth's: given one, it sorts and reads as a replica does. */
static void
task_replica(json_t *c)
{
	const char *task = stack_label(c, LABEL_SWARM_TASK);
	const char *dot = task ? strchr(task, '.') : NULL;
	json_t *labels = json_object_get(c, "Labels");
	char *slot;

	if (!dot || stack_label(c, LABEL_REPLICA) || !json_is_object(labels))
		return;
	slot = xstrndup(dot + 1, strcspn(dot + 1, "."));
	json_object_set_new(labels, LABEL_REPLICA, json_string(slot));
	free(slot);
}

/* Ours of the labelled containers in all: another folder's workspace of
 * the same name is not, nor a container run by hand from one of the
 * stack's images (it has the image's workspace label, and no service);
 * sorted by service, then replica. */
static json_t *
containers_of(const struct ws *ws, json_t *all, const struct strlist *services)
{
	json_t *out = json_array(), *c, **v;
	size_t i, n = 0;

	v = xcalloc(json_array_size(all) + 1, sizeof(json_t *));
	json_array_foreach(all, i, c) {
		const char *dir = stack_label(c, LABEL_DIR);

		if ((dir && strcmp(dir, ws->dir)) ||
		    !stack_label(c, LABEL_SERVICE))
			continue;
		if (services && services->n &&
		    !strlist_has(services, stack_label(c, LABEL_SERVICE) ?: ""))
			continue;
		task_replica(c);
		v[n++] = c;
	}
	qsort(v, n, sizeof(json_t *), by_service);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

int
stack_containers(struct engine *e, const struct ws *ws,
		 const struct strlist *services, json_t **out)
{
	char *filter = xasprintf("%s=%s", LABEL_WORKSPACE, ws->name);
	json_t *all = NULL;
	int ret;

	*out = NULL;
	ret = docker_containers_by_label(&e->d, filter, &all);
	free(filter);
	if (ret < 0)
		return -1;	/* nothing for the caller to free */
	*out = containers_of(ws, all, services);
	json_decref(all);
	return 0;
}

int
stack_seen_fetch(struct engine *e, const struct ws *ws, struct stack_seen *s)
{
	char *filter = xasprintf("%s=%s", LABEL_WORKSPACE, ws->name);
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (docker_containers_by_label(&e->d, filter, &s->all) < 0 ||
	    docker_list_by_label(&e->d, "volumes", filter, &s->volumes) < 0 ||
	    docker_list_by_label(&e->d, "networks", filter, &s->networks) < 0)
		goto out;
	s->containers = containers_of(ws, s->all, NULL);
	ret = 0;
out:
	if (ret < 0)
		stack_seen_release(s);
	free(filter);
	return ret;
}

void
stack_seen_release(struct stack_seen *s)
{
	json_decref(s->all);
	json_decref(s->containers);
	json_decref(s->volumes);
	json_decref(s->networks);
	memset(s, 0, sizeof(*s));
}

/* A network or volume of this workspace's folder (or made before berth
 * labelled them with one). */
static int
owned(json_t *o, const struct ws *ws)
{
	const char *dir = json_string_value(json_object_get(json_object_get(
						o, "Labels"), LABEL_DIR));

	return !dir || !strcmp(dir, ws->dir);
}

/* The folder of the first object listed that is not this workspace's. */
static const char *
foreign_dir(json_t *list, const struct ws *ws, const char **what)
{
	json_t *o;
	size_t i;

	json_array_foreach(list, i, o) {
		if (owned(o, ws))
			continue;
		*what = json_string_value(json_object_get(o, "Name"));
		if (!*what)
			*what = stack_listed_name(o);
		return json_string_value(json_object_get(json_object_get(o,
						"Labels"), LABEL_DIR));
	}
	return NULL;
}

int
stack_check_foreign(const struct ws *ws, const struct stack_seen *seen)
{
	const char *dir, *what = NULL;

	if (!(dir = foreign_dir(seen->all, ws, &what)))
		dir = foreign_dir(seen->volumes, ws, &what);
	if (!dir)
		return 0;
	err_set("another workspace named '%s' uses this engine, from %s (its "
		"%s)", ws->name, dir, what ? what : "objects");
	err_hint("two workspaces of one name cannot share an engine: rename "
		 "this one (workspace = \"...\" in %s)", ws->file);
	return -1;
}

int
stack_check_no_swarm(const struct ws *ws, const struct stack_seen *seen)
{
	json_t *c;
	size_t i;

	json_array_foreach(seen->containers, i, c)
		if (stack_label(c, LABEL_SWARM_TASK)) {
			err_set("the stack of '%s' runs as Swarm services "
				"(stack.mode = \"swarm\" before)", ws->name);
			return err_hint("'berth down' removes them (named "
					"volumes are kept); then 'berth up' "
					"makes containers");
		}
	return 0;
}

int
stack_check_services(const struct ws *ws, int argc, char **argv)
{
	const char **names = xcalloc(ws->stack.nservices + 1, sizeof(char *));
	size_t i;
	int k, ret = 0;

	for (i = 0; i < ws->stack.nservices; i++)
		names[i] = ws->stack.services[i].name;
	for (k = 0; k < argc && ret == 0; k++) {
		const char *near;

		if (ws_find_service(ws, argv[k]))
			continue;
		ret = err_set("'%s' is not a service of workspace '%s'", argv[k],
			      ws->name);
		if ((near = nearest_word(argv[k], names, ws->stack.nservices)))
			err_hint("did you mean '%s'?", near);
		else
			err_hint("'berth ps' lists the services");
	}
	free(names);
	return ret;
}

int
stack_down(struct engine *e, const struct ws *ws, int volumes,
	   const struct reporter *rep)
{
	char *filter = xasprintf("%s=%s", LABEL_WORKSPACE, ws->name);
	json_t *list = NULL, *x;
	size_t i;
	int ret = -1;

	/* services first, whichever mode made them: their tasks would come
	 * back */
	if (stack_swarm_down(e, ws, rep) < 0 ||
	    stack_containers(e, ws, NULL, &list) < 0)
		goto out;
	json_array_foreach(list, i, x) {
		/* v=1 takes anonymous volumes only; named ones stay */
		if (docker_container_remove(&e->d, json_string_value(
				json_object_get(x, "Id")), 1, 1) < 0)
			goto out;
		report(rep, REPORT_LINE, stack_listed_name(x), "%s  removed",
		       stack_listed_name(x));
	}
	json_decref(list);
	list = NULL;
	if (docker_list_by_label(&e->d, "networks", filter, &list) < 0)
		goto out;
	json_array_foreach(list, i, x) {
		const char *name = json_string_value(json_object_get(x, "Name"));

		if (!owned(x, ws))
			continue;
		if (docker_remove(&e->d, "networks", name) < 0)
			goto out;
		report(rep, REPORT_LINE, name, "network %s  removed", name);
	}
	json_decref(list);
	list = NULL;
	if (volumes) {
		if (docker_list_by_label(&e->d, "volumes", filter, &list) < 0)
			goto out;
		json_array_foreach(list, i, x) {
			const char *name = json_string_value(json_object_get(x,
								"Name"));

			if (!owned(x, ws))
				continue;	/* never another folder's data */
			if (docker_remove(&e->d, "volumes", name) < 0)
				goto out;
			report(rep, REPORT_LINE, name, "volume %s  removed",
			       name);
		}
	}
	ret = 0;
out:
	json_decref(list);
	free(filter);
	return ret;
}

int
stack_service_action(struct engine *e, const struct ws *ws, int argc,
		     char **argv, const char *action, const char *done,
		     const struct reporter *rep)
{
	struct strlist only = { 0 };
	json_t *list = NULL, *c;
	size_t i;
	int k, ret = -1;

	if (ws->stack.mode == STACK_SWARM)
		return stack_swarm_refuse(ws, action, "Swarm keeps each service's "
					  "tasks running: change replicas and "
					  "run 'berth up', or 'berth down'");
	if (stack_check_services(ws, argc, argv) < 0)
		return -1;
	for (k = 0; k < argc; k++)
		strlist_push(&only, argv[k]);
	if (stack_containers(e, ws, &only, &list) < 0)
		goto out;
	if (!json_array_size(list)) {
		err_set("there is no container to %s", action);
		err_hint("'berth up' creates them");
		goto out;
	}
	json_array_foreach(list, i, c) {
		if (docker_container_action(&e->d, json_string_value(
				json_object_get(c, "Id")), action) < 0)
			goto out;
		report(rep, REPORT_LINE, stack_listed_name(c), "%s  %s",
		       stack_listed_name(c), done);
	}
	ret = 0;
out:
	json_decref(list);
	strlist_release(&only);
	return ret;
}

/* One row, from the container's inspect: what 'ps' and scripts see. */
static json_t *
row(struct engine *e, const struct ws *ws, json_t *c)
{
	const char *id = json_string_value(json_object_get(c, "Id"));
	const struct service *svc = ws_find_service(ws,
		stack_label(c, LABEL_SERVICE) ?: "");
	struct container_state cs;
	json_t *r, *ports = json_array(), *b;
	const char *key;
	int replica = atoi(stack_label(c, LABEL_REPLICA) ?: "0");

	/* gone meanwhile: show what the list said */
	if (docker_container_state(&e->d, id, &cs) < 0)
		err_clear();
	json_object_foreach(json_object_get(json_object_get(cs.inspect,
							    "HostConfig"),
					    "PortBindings"), key, b) {
		json_t *x;
		size_t i;

		json_array_foreach(b, i, x) {
			unsigned port = 0;
			char proto[8] = "tcp";
			const char *ip = json_string_value(json_object_get(x,
								"HostIp"));
			size_t k;

			sscanf(key, "%u/%7s", &port, proto);
			/* in the VM, the host side is slirp's 127.0.0.1 forward */
			if (e->place == ENGINE_VM_FORWARDED && svc)
				for (k = 0; k < svc->nports; k++)
					if (svc->ports[k].port == port)
						ip = svc->ports[k].host_ip;
			json_array_append_new(ports, json_pack(
				"{s:s, s:i, s:i, s:s}", "host_ip",
				ip && *ip ? ip : "0.0.0.0", "host_port",
				atoi(json_string_value(json_object_get(x,
					"HostPort")) ?: "0"),
				"port", port, "proto", proto));
		}
	}
	r = json_pack("{s:s, s:i, s:s, s:s, s:s?, s:s?, s:o, s:I, s:s?}",
		      "service", stack_label(c, LABEL_SERVICE) ?: "?", "replica",
		      replica, "container", stack_listed_name(c),
		      "id", id, "state", json_string_value(json_object_get(c,
			      "State")), "health", cs.health, "ports", ports,
		      "restarts", (json_int_t)cs.restarts,
		      "image", json_string_value(json_object_get(c, "Image")));
	container_state_release(&cs);
	return r;
}

int
stack_ps(struct engine *e, const struct ws *ws, const struct strlist *only,
	 json_t **rows)
{
	json_t *list = NULL, *c;
	size_t i, k;

	if (ws->stack.mode == STACK_SWARM)
		return stack_swarm_ps(e, ws, only, rows);
	*rows = json_array();
	if (stack_containers(e, ws, only, &list) < 0)
		return -1;
	json_array_foreach(list, i, c)
		json_array_append_new(*rows, row(e, ws, c));
	json_decref(list);
	/* a service with no container is worth a line too */
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		int seen = 0;

		if (only && only->n && !strlist_has(only, svc->name))
			continue;
		json_array_foreach(*rows, k, c)
			seen |= !strcmp(json_string_value(json_object_get(c,
						"service")), svc->name);
		if (!seen)
			json_array_append_new(*rows, json_pack(
				"{s:s, s:i, s:n, s:n, s:s, s:n, s:[], s:i}",
				"service", svc->name, "replica", 0,
				"container", "id", "state", svc->replicas ? "missing" : "scaled to 0", "health",
				"ports", "restarts", 0));
	}
	return 0;
}
