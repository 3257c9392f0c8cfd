/* stack-swarm.c: the stack as Docker Swarm services (stack.mode =
 * "swarm"). Each service of the Berthfile is one Swarm service on overlay
 * networks, created, or updated (rolling, start-first, rolled back when a
 * task fails) only when its spec changed, in dependency order behind the
 * same gates as containers: a service waits until those it depends on
 * run all their tasks (healthy, when they have a healthcheck: Swarm calls
 * a task running only then) or completed them. */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stack.h"

#define POLL_MS 500
/* tasks of one service that may fail during one 'up' before it gives up
 * (Swarm would go on making new ones for ever) */
#define FAILED_TASKS_MAX 3

struct swarm_run {
	const struct service *svc;
	struct swarm_desired want;
	json_t *seen;		/* the service as listed, or NULL */
	char *id;
	int applied;		/* created or updated by this 'up' */
	int updated;
	char *update_before;	/* when the update before ours started */
	int ready;
	struct strlist failed_before;	/* failed tasks older than this up */
};

struct swarm_apply {
	struct engine *e;
	const struct ws *ws;
	const struct stack_opts *o;
	struct swarm_run *runs;
	size_t n;
	int width;
	double t0;
};

static void PRINTF_LIKE(3, 4)
say(struct swarm_apply *a, const char *service, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	if (!a->o->rep)
		return;
	sb_addf(&line, "%-*s  ", a->width, service);
	va_start(ap, fmt);
	sb_vaddf(&line, fmt, ap);
	va_end(ap);
	report(a->o->rep, REPORT_LINE, service, "%s", line.buf);
	sb_release(&line);
}

static const char *
str_at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

int
stack_swarm_refuse(const struct ws *ws, const char *command,
		   const char *instead)
{
	err_set("'berth %s' works on containers one by one; the stack of "
		"'%s' runs as Swarm services (stack.mode = \"swarm\")",
		command, ws->name);
	return err_hint("%s", instead);
}

/* The engine must manage a swarm. The workspace's own VM becomes a swarm
 * of one; an engine berth did not make (docker.host) is never changed. */
static int
swarm_ready(struct engine *e, const struct ws *ws, struct swarm_info *info)
{
	if (docker_swarm_info(&e->d, info) < 0)
		return -1;
	if (!strcmp(info->state, "inactive") && e->vm_addr) {
		swarm_info_release(info);
		if (docker_swarm_init(&e->d, e->vm_addr) < 0 ||
		    docker_swarm_info(&e->d, info) < 0)
			return -1;
	}
	if (!strcmp(info->state, "active") && info->manager)
		return 0;
	if (!strcmp(info->state, "inactive")) {
		err_set("the engine at %s is not part of a Docker Swarm",
			ws->docker.host);
		return err_hint("make it a manager ('docker -H %s swarm init'), "
				"or set stack.mode = \"containers\"",
				ws->docker.host);
	}
	if (!strcmp(info->state, "active")) {
		err_set("the engine at %s is a worker of its swarm, not a "
			"manager", ws->docker.host ? ws->docker.host : "in the VM");
		return err_hint("point docker.host at a manager of that swarm "
				"('docker node ls' there lists them)");
	}
	err_set("the engine's swarm is %s", info->state);
	return err_hint("'docker info' on that engine says why (a locked "
			"swarm needs 'docker swarm unlock')");
}

/* The workspace's services on the engine; another folder's workspace of
 * the same name, and containers of stack.mode = "containers", refused. */
static int
swarm_seen(struct engine *e, const struct ws *ws, json_t **services)
{
	char *filter = xasprintf("%s=%s", LABEL_WORKSPACE, ws->name);
	json_t *containers = NULL, *x;
	size_t i;
	int ret = -1;

	*services = NULL;
	if (docker_list_by_label(&e->d, "services", filter, services) < 0 ||
	    stack_containers(e, ws, NULL, &containers) < 0)
		goto out;
	json_array_foreach(*services, i, x) {
		const char *dir = stack_label(json_object_get(x, "Spec"),
					      LABEL_DIR);

		if (dir && strcmp(dir, ws->dir)) {
			err_set("another workspace named '%s' uses this swarm, "
				"from %s", ws->name, dir);
			err_hint("two workspaces of one name cannot share an "
				 "engine: rename this one (workspace = \"...\" "
				 "in %s)", ws->file);
			goto out;
		}
	}
	json_array_foreach(containers, i, x)
		if (!stack_label(x, LABEL_SWARM_TASK)) {
			err_set("workspace '%s' still has containers of "
				"stack.mode = \"containers\" (%s)", ws->name,
				stack_listed_name(x));
			err_hint("'berth down' removes them (named volumes are "
				 "kept); then 'berth up' makes the services");
			goto out;
		}
	ret = 0;
out:
	json_decref(containers);
	free(filter);
	return ret;
}

/* Images built, loaded or copied here are on this engine only: the
 * other nodes of a swarm could not run them. */
static int
check_local_images(const struct ws *ws, const struct swarm_info *info)
{
	size_t i;

	/* berth's own cluster pushes them to its registry
	 * (stack_cluster_images) */
	if (info->nodes <= 1 || ws->cluster.nodes > 1)
		return 0;
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		const char *how;

		if (!stack_image_is_local(svc, &how))
			continue;
		err_set("service '%s': its image is %s, on one engine only; the "
			"swarm has %d nodes, which could not run it", svc->name,
			how, info->nodes);
		return err_hint("push it to a registry the nodes can pull from, "
				"and name it in image");
	}
	return 0;
}

/* Overlay networks for the services, and their named volumes on the
 * manager, with the workspace's labels. */
static int
make_resources(struct swarm_apply *a)
{
	const struct ws *ws = a->ws;
	char *filter = xasprintf("%s=%s", LABEL_WORKSPACE, ws->name);
	json_t *labels = json_pack("{s:s, s:s}", LABEL_WORKSPACE, ws->name,
				   LABEL_DIR, ws->dir);
	json_t *nets = NULL, *vols = NULL, *x;
	struct strlist want = { 0 };
	size_t i, k;
	int ret = -1;

	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];

		for (k = 0; k < (svc->networks.n ? svc->networks.n : 1); k++) {
			const char *n = svc->networks.n ? svc->networks.v[k]
							: "default";

			if (!strlist_has(&want, n))
				strlist_push(&want, n);
		}
	}
	if (docker_list_by_label(&a->e->d, "networks", filter, &nets) < 0 ||
	    docker_list_by_label(&a->e->d, "volumes", filter, &vols) < 0)
		goto out;
	for (i = 0; i < want.n; i++) {
		char *name = stack_network_name(ws, want.v[i]);
		int have = 0;

		json_array_foreach(nets, k, x)
			if (!strcmp(str_at(x, "Name", NULL) ?: "", name)) {
				have = 1;
				if (strcmp(str_at(x, "Driver", NULL) ?: "",
					   "overlay")) {
					err_set("network %s is a %s network, "
						"made for containers", name,
						str_at(x, "Driver", NULL) ?: "?");
					err_hint("'berth down' removes it; "
						 "then 'berth up' makes an "
						 "overlay network");
					free(name);
					goto out;
				}
			}
		if (!have && !stack_is_external(ws, "network", want.v[i])) {
			if (docker_network_create_driver(&a->e->d, name,
					"overlay", labels,
					strlist_has(&ws->stack.internal,
						    want.v[i]),
					kvlist_get(&ws->stack.subnets, want.v[i]),
					kvlist_get(&ws->stack.gateways,
						   want.v[i])) < 0) {
				free(name);
				goto out;
			}
			say(a, "network", "%s created (overlay)", name);
		}
		free(name);
	}
	for (i = 0; i < ws->stack.volumes.n; i++) {
		char *name = stack_volume_name(ws, ws->stack.volumes.v[i]);
		int have = 0;

		json_array_foreach(vols, k, x)
			have |= !strcmp(str_at(x, "Name", NULL) ?: "", name);
		if (!have && !stack_is_external(ws, "volume",
						ws->stack.volumes.v[i])) {
			if (docker_volume_create(&a->e->d, name, labels) < 0) {
				free(name);
				goto out;
			}
			say(a, "volume", "%s created", name);
		}
		free(name);
	}
	ret = 0;
out:
	strlist_release(&want);
	json_decref(nets);
	json_decref(vols);
	json_decref(labels);
	free(filter);
	return ret;
}

static int
one_shot(const struct ws *ws, const struct service *svc)
{
	size_t i, k;

	for (i = 0; i < ws->stack.nservices; i++)
		for (k = 0; k < ws->stack.services[i].ndeps; k++)
			if (ws->stack.services[i].deps[k].condition ==
			    DEP_COMPLETED &&
			    !strcmp(ws->stack.services[i].deps[k].service,
				    svc->name))
				return 1;
	return 0;
}

static struct swarm_run *
run_of(struct swarm_apply *a, const char *service)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->runs[i].svc->name, service))
			return &a->runs[i];
	return NULL;
}

/* What a service's tasks are doing now. */
struct task_count {
	int running, complete, failed;
	char *last_error;	/* the newest failed task's */
};

/* Whether a task runs template: the engine shows a service's Runtime,
 * which a task's spec leaves out; the rest is the same stored spec.
 * Key by key, with no copy: it runs for every task at every poll. */
static int
same_spec(json_t *task, json_t *template)
{
	const char *k;
	json_t *v;

	if (!json_is_object(task) || !json_is_object(template))
		return 0;
	json_object_foreach(template, k, v)
		if (strcmp(k, "Runtime") &&
		    !json_equal(v, json_object_get(task, k)))
			return 0;
	json_object_foreach(task, k, v)
		if (strcmp(k, "Runtime") && !json_object_get(template, k))
			return 0;
	return 1;
}

/* The tasks that run the service's spec as it is now (template), not
 * one an update is replacing, are counted as running. baseline: note the
 * failed tasks there are, which are not this up's. */
static int
count_tasks(struct swarm_apply *a, struct swarm_run *r, json_t *template,
	    struct task_count *c, int baseline)
{
	json_t *tasks = NULL, *t;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (docker_service_tasks(&a->e->d, r->id, &tasks) < 0)
		return -1;
	json_array_foreach(tasks, i, t) {
		const char *state = str_at(t, "Status", "State") ?: "";
		const char *desired = str_at(t, "DesiredState", NULL) ?: "";
		const char *id = str_at(t, "ID", NULL) ?: "";

		if (!strcmp(state, "running") && !strcmp(desired, "running") &&
		    same_spec(json_object_get(t, "Spec"), template))
			c->running++;
		/* a one-shot's earlier runs do not count: it changed since */
		else if (!strcmp(state, "complete") &&
			 same_spec(json_object_get(t, "Spec"), template))
			c->complete++;
		else if (!strcmp(state, "failed") || !strcmp(state, "rejected")) {
			if (baseline) {
				strlist_push(&r->failed_before, id);
				continue;
			}
			if (strlist_has(&r->failed_before, id))
				continue;
			c->failed++;
			free(c->last_error);
			c->last_error = xstrdup(str_at(t, "Status", "Err") ?:
						state);
		}
	}
	json_decref(tasks);
	return 0;
}

/* 1: the service's gate is open; 0: not yet; -1: it failed (why set). */
static int
gate_poll(struct swarm_apply *a, struct swarm_run *r,
	  enum dep_condition cond)
{
	struct task_count c;
	json_t *svc = NULL, *status;
	const char *update, *started;
	int want, ret = 0;

	if (docker_service_inspect(&a->e->d, r->id, &svc) < 0)
		return -1;
	if (!svc)
		return err_set("service '%s' is gone from the swarm",
			       r->svc->name);
	want = (int)json_integer_value(json_object_get(json_object_get(
		json_object_get(json_object_get(svc, "Spec"), "Mode"),
		"Replicated"), "Replicas"));
	status = json_object_get(svc, "UpdateStatus");
	update = str_at(status, "State", NULL);
	started = str_at(status, "StartedAt", NULL);
	/* an update that is not ours yet, or one before it, says nothing */
	if (r->updated && started && r->update_before &&
	    !strcmp(started, r->update_before))
		update = NULL;
	if (r->updated && update && (!strcmp(update, "rollback_completed") ||
				     !strcmp(update, "paused") ||
				     !strcmp(update, "rollback_paused"))) {
		err_set("the update of '%s' was %s: %s", r->svc->name,
			strncmp(update, "rollback", 8) ? "paused"
						       : "rolled back",
			str_at(json_object_get(svc, "UpdateStatus"), "Message",
			       NULL) ?: "no reason given");
		err_hint("its tasks run what they ran before; 'berth logs %s' "
			 "shows why the new ones failed", r->svc->name);
		json_decref(svc);
		return -1;
	}
	if (count_tasks(a, r, json_object_get(json_object_get(svc, "Spec"),
					      "TaskTemplate"), &c, 0) < 0) {
		json_decref(svc);
		return -1;
	}
	if (cond == DEP_COMPLETED)
		ret = c.complete >= want;
	else if (update && (!strcmp(update, "updating") ||
			    !strcmp(update, "rollback_started")))
		ret = 0;
	else
		ret = c.running >= want;
	/* failures count while it is not there yet (a service whose tasks
	 * failed before and run now is fine); an update's failures are the
	 * update's to judge: it rolls back */
	if (!ret && c.failed >= FAILED_TASKS_MAX && !r->updated) {
		ret = err_set("'%s': %d of its tasks failed: %s", r->svc->name,
			      c.failed, c.last_error ?: "no reason given");
		err_hint("'berth logs %s' shows their output", r->svc->name);
	}
	free(c.last_error);
	json_decref(svc);
	return ret;
}

static int
gate_wait(struct swarm_apply *a, struct swarm_run *r, enum dep_condition cond)
{
	double start = clock_now();
	int ret;

	while ((ret = gate_poll(a, r, cond)) == 0) {
		if (berth_interrupted)
			return err_set("interrupted");
		if (clock_now() - start > a->o->timeout_s) {
			err_set("'%s' did not %s within %d s", r->svc->name,
				cond == DEP_COMPLETED ? "complete"
						      : "run all its tasks",
				a->o->timeout_s);
			return err_hint("'berth ps' shows its tasks; 'berth "
					"logs %s' their output", r->svc->name);
		}
		usleep(POLL_MS * 1000);
	}
	return ret < 0 ? -1 : 0;
}

static long long
spec_version(json_t *svc)
{
	return (long long)json_integer_value(json_object_get(json_object_get(
		svc, "Version"), "Index"));
}

/* Create the service, or update it when its hash differs. */
static int
apply_one(struct swarm_apply *a, struct swarm_run *r)
{
	json_t *old = r->seen ? json_object_get(r->seen, "Spec") : NULL;
	const char *hash = old ? stack_label(old, LABEL_HASH) : NULL;
	json_t *task = json_object_get(r->want.spec, "TaskTemplate");
	char *why;

	if (!r->seen) {
		if (docker_service_create(&a->e->d, r->want.spec, &r->id) < 0)
			return err_prefix("cannot create service '%s'",
					  r->svc->name);
		r->applied = 1;
		say(a, r->svc->name, "created (%d %s)", r->svc->replicas,
		    r->svc->replicas == 1 ? "task" : "tasks");
		return 0;
	}
	r->id = xstrdup(str_at(r->seen, "ID", NULL) ?: "");
	if (hash && !strcmp(hash, r->want.hash)) {
		say(a, r->svc->name, "unchanged");
		return 0;
	}
	why = stack_changes(stack_label(old, LABEL_SECTIONS), r->want.sections);
	/* a rebuilt image of the same name changes no field Swarm compares:
	 * a new ForceUpdate rolls the tasks onto it */
	{
		long long force = (long long)json_integer_value(json_object_get(
			json_object_get(old, "TaskTemplate"), "ForceUpdate"));

		if (why && strstr(why, "image"))
			force++;
		json_object_set_new(task, "ForceUpdate", json_integer(force));
	}
	r->update_before = xstrdup(str_at(json_object_get(r->seen,
		"UpdateStatus"), "StartedAt", NULL) ?: "");
	if (count_tasks(a, r, NULL, &(struct task_count){ 0 }, 1) < 0 ||
	    docker_service_update(&a->e->d, r->id, spec_version(r->seen),
				  r->want.spec) < 0) {
		free(why);
		return err_prefix("cannot update service '%s'", r->svc->name);
	}
	r->applied = r->updated = 1;
	say(a, r->svc->name, "updating (%s): one task at a time",
	    why ? why : "its settings changed");
	free(why);
	return 0;
}

/* Apply every service whose dependencies' gates are open, in the order
 * of the Berthfile, until all are. */
static int
apply_all(struct swarm_apply *a)
{
	size_t i, k, left = a->n;
	int progress;

	while (left) {
		progress = 0;
		for (i = 0; i < a->n; i++) {
			struct swarm_run *r = &a->runs[i];
			int deps_done = 1;

			if (r->id)
				continue;
			for (k = 0; k < r->svc->ndeps; k++) {
				struct swarm_run *d = run_of(a,
					r->svc->deps[k].service);

				deps_done &= !d || d->ready;
			}
			if (!deps_done)
				continue;
			if (apply_one(a, r) < 0)
				return -1;
			left--;
			progress = 1;
		}
		if (progress)
			continue;
		/* open the gate of one service something waits for */
		for (i = 0; i < a->n && !progress; i++) {
			struct swarm_run *r = &a->runs[i];

			for (k = 0; k < r->svc->ndeps && !progress; k++) {
				struct swarm_run *d = run_of(a,
					r->svc->deps[k].service);

				if (r->id || !d || !d->id || d->ready)
					continue;
				if (gate_wait(a, d, r->svc->deps[k].condition)
				    < 0)
					return err_prefix("'%s' waits for '%s'",
							  r->svc->name,
							  d->svc->name);
				d->ready = 1;
				say(a, d->svc->name, "%s",
				    r->svc->deps[k].condition == DEP_COMPLETED
				    ? "completed" : "ready");
				progress = 1;
			}
		}
		if (!progress)
			return err_set("the services' dependencies cannot be "
				       "met");	/* validation refuses cycles */
	}
	return 0;
}

/* The services of the workspace the Berthfile no longer has. */
static int
remove_gone(struct swarm_apply *a, json_t *services)
{
	json_t *x;
	size_t i;

	json_array_foreach(services, i, x) {
		const char *name = stack_label(json_object_get(x, "Spec"),
					       LABEL_SERVICE) ?: "?";

		if (ws_find_service(a->ws, name))
			continue;
		if (docker_service_remove(&a->e->d, str_at(x, "ID", NULL) ?:
					  "") < 0)
			return err_prefix("cannot remove service '%s'", name);
		say(a, name, "removed");
	}
	return 0;
}

static void
print_addresses(struct swarm_apply *a)
{
	size_t i, k;

	for (i = 0; i < a->ws->stack.nservices; i++) {
		const struct service *svc = &a->ws->stack.services[i];

		for (k = 0; k < svc->nports; k++) {
			const struct port_spec *p = &svc->ports[k];

			/* the mesh answers on every address of every node;
			 * only the VM's forward keeps to the one given */
			say(a, svc->name, "%s:%d -> %u/%s",
			    a->e->place == ENGINE_HOST ? "0.0.0.0" : p->host_ip,
			    stack_host_port(a->e, svc, 1, p), p->port,
			    spec_proto_name(p->proto));
		}
	}
}

static int
desire_all(struct swarm_apply *a, const struct stack_images *im,
	   json_t *services)
{
	const struct ws *ws = a->ws;
	size_t i, k;
	json_t *x;

	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		struct swarm_run *r = &a->runs[i];
		int *ports = xcalloc(svc->nports + 1, sizeof(int));

		for (k = 0; k < svc->nports; k++)
			if ((ports[k] = stack_host_port(a->e, svc, 1,
							&svc->ports[k])) < 0) {
				free(ports);
				return -1;
			}
		r->svc = svc;
		stack_swarm_desire(ws, svc, im->ref[i], im->id[i],
				   im->context[i], ports, a->e->place !=
				   ENGINE_HOST, one_shot(ws, svc), &r->want);
		free(ports);
		json_array_foreach(services, k, x)
			if (!strcmp(stack_label(json_object_get(x, "Spec"),
						LABEL_SERVICE) ?: "", svc->name))
				r->seen = x;
	}
	return 0;
}

int
stack_swarm_up(struct engine *e, const struct ws *ws,
	       const struct stack_opts *o)
{
	struct swarm_apply a = { .e = e, .ws = ws, .o = o, .width = 8 };
	struct swarm_info info = { 0 };
	struct stack_images im = { 0 };
	json_t *services = NULL;
	size_t i;
	int ret = -1;

	a.t0 = clock_now();
	a.n = ws->stack.nservices;
	a.runs = xcalloc(a.n + 1, sizeof(*a.runs));
	for (i = 0; i < a.n; i++)
		if ((int)strlen(ws->stack.services[i].name) > a.width)
			a.width = (int)strlen(ws->stack.services[i].name);
	if (swarm_ready(e, ws, &info) < 0 ||
	    (ws->cluster.nodes > 1 && stack_cluster_join(e, ws, o->rep) < 0) ||
	    check_local_images(ws, &info) < 0 ||
	    swarm_seen(e, ws, &services) < 0 ||
	    stack_images_prepare(e, ws, NULL, 0, o->rep, &im) < 0 ||
	    (ws->cluster.nodes > 1 &&
	     stack_cluster_images(e, ws, &im, o->rep) < 0) ||
	    desire_all(&a, &im, services) < 0 ||
	    /* the picked ports are kept before anything uses them */
	    engine_save_ports(e) < 0 || make_resources(&a) < 0 ||
	    remove_gone(&a, services) < 0 || engine_forward_ports(e, ws) < 0 ||
	    apply_all(&a) < 0)
		goto out;
	for (i = 0; i < a.n; i++) {
		struct swarm_run *r = &a.runs[i];

		if (r->ready || (!r->applied && !r->svc->replicas))
			continue;
		if (gate_wait(&a, r, DEP_HEALTHY) < 0)
			goto out;
		if (r->applied)
			say(&a, r->svc->name, "%s: %d %s running",
			    r->updated ? "updated" : "ready", r->svc->replicas,
			    r->svc->replicas == 1 ? "task" : "tasks");
	}
	print_addresses(&a);
	ret = 0;
out:
	for (i = 0; i < a.n; i++) {
		swarm_desired_release(&a.runs[i].want);
		free(a.runs[i].id);
		free(a.runs[i].update_before);
		strlist_release(&a.runs[i].failed_before);
	}
	free(a.runs);
	stack_images_release(&im, ws->stack.nservices);
	json_decref(services);
	swarm_info_release(&info);
	return ret;
}

char *
stack_replica_container(struct engine *e, const struct ws *ws,
			const struct service *svc, int replica)
{
	struct strlist only = { 0 };
	json_t *list = NULL, *c;
	char *found = NULL;
	size_t i;

	if (ws->stack.mode != STACK_SWARM)
		return stack_container_name(ws, svc, replica);
	strlist_push(&only, svc->name);
	if (stack_containers(e, ws, &only, &list) < 0)
		goto out;
	json_array_foreach(list, i, c)
		if (!found && atoi(stack_label(c, LABEL_REPLICA) ?: "0") ==
		    replica && !strcmp(str_at(c, "State", NULL) ?: "",
				       "running"))
			found = xstrdup(str_at(c, "Id", NULL) ?: "");
	if (!found) {
		err_set("task %d of '%s' runs on no node this engine is",
			replica, svc->name);
		err_hint("'berth ps' shows each task's node; 'docker -H' that "
			 "node reaches it");
	}
out:
	json_decref(list);
	strlist_release(&only);
	return found;
}

/* The nodes' hostnames by ID, for 'ps'. */
static json_t *
node_names(struct engine *e)
{
	json_t *nodes = NULL, *names = json_object(), *n;
	size_t i;

	if (docker_nodes(&e->d, &nodes) < 0) {
		err_clear();	/* 'ps' still shows the tasks */
		return names;
	}
	json_array_foreach(nodes, i, n) {
		const char *id = str_at(n, "ID", NULL);
		const char *host = str_at(json_object_get(n, "Description"),
					  "Hostname", NULL);

		if (id && host)
			json_object_set_new(names, id, json_string(host));
	}
	json_decref(nodes);
	return names;
}

static json_t *
task_row(struct engine *e, const struct service *svc, json_t *t,
	 json_t *nodes)
{
	json_t *ports = json_array();
	const char *node = str_at(t, "NodeID", NULL);
	const char *cid = str_at(json_object_get(t, "Status"),
				 "ContainerStatus", "ContainerID");
	size_t k;

	for (k = 0; k < svc->nports; k++) {
		const struct port_spec *p = &svc->ports[k];

		json_array_append_new(ports, json_pack(
			"{s:s, s:i, s:i, s:s}", "host_ip",
			e->place == ENGINE_HOST ? "0.0.0.0" : p->host_ip,
			"host_port", stack_host_port(e, svc, 1, p), "port",
			(int)p->port, "proto", spec_proto_name(p->proto)));
	}
	return json_pack("{s:s, s:i, s:s?, s:s?, s:s?, s:s?, s:n, s:o, s:i, "
			 "s:s?, s:s?, s:s?}",
		"service", svc->name,
		"replica", (int)json_integer_value(json_object_get(t, "Slot")),
		"task", str_at(t, "ID", NULL),
		"container", cid,
		"id", cid,
		"state", str_at(t, "Status", "State"),
		"health",
		"ports", ports,
		"restarts", 0,
		"image", str_at(json_object_get(json_object_get(t, "Spec"),
				"ContainerSpec"), "Image", NULL),
		"node", node ? json_string_value(json_object_get(nodes, node))
				?: node : NULL,
		"error", str_at(t, "Status", "Err"));
}

static int
by_slot(const void *a, const void *b)
{
	return (int)(json_integer_value(json_object_get(*(json_t *const *)a,
							"replica")) -
		     json_integer_value(json_object_get(*(json_t *const *)b,
							"replica")));
}

/* One service's rows: the tasks meant to run, by slot; of a one-shot,
 * those that ran. */
static void
service_rows(struct engine *e, const struct service *svc, json_t *tasks,
	     json_t *nodes, json_t *rows)
{
	json_t **v = xcalloc(json_array_size(tasks) + 1, sizeof(json_t *));
	json_t *t;
	size_t k, n = 0;

	json_array_foreach(tasks, k, t)
		if (!strcmp(str_at(t, "DesiredState", NULL) ?: "", "running"))
			v[n++] = task_row(e, svc, t, nodes);
	json_array_foreach(tasks, k, t)
		if (!n && !strcmp(str_at(t, "Status", "State") ?: "",
				  "complete"))
			v[n++] = task_row(e, svc, t, nodes);
	qsort(v, n, sizeof(json_t *), by_slot);
	for (k = 0; k < n; k++)
		json_array_append_new(rows, v[k]);
	free(v);
}

int
stack_swarm_ps(struct engine *e, const struct ws *ws,
	       const struct strlist *only, json_t **rows)
{
	struct swarm_info info;
	json_t *nodes = NULL;
	size_t i, before;
	int managed, ret = -1;

	*rows = json_array();
	/* an engine in no swarm (before the first up) has no service: each
	 * is "missing", as a container is before it is made */
	if (docker_swarm_info(&e->d, &info) < 0)
		return -1;
	managed = !strcmp(info.state, "active") && info.manager;
	swarm_info_release(&info);
	nodes = managed ? node_names(e) : json_object();
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		char *name = stack_swarm_service_name(ws, svc);
		json_t *tasks = NULL, *svcj = NULL;

		if (only && only->n && !strlist_has(only, svc->name)) {
			free(name);
			continue;
		}
		if (managed &&
		    (docker_service_inspect(&e->d, name, &svcj) < 0 ||
		     (svcj && docker_service_tasks(&e->d, name, &tasks) < 0))) {
			free(name);
			json_decref(svcj);
			goto out;
		}
		before = json_array_size(*rows);
		service_rows(e, svc, tasks, nodes, *rows);
		if (json_array_size(*rows) == before)
			json_array_append_new(*rows, json_pack(
				"{s:s, s:i, s:n, s:n, s:s, s:n, s:[], s:i}",
				"service", svc->name, "replica", 0,
				"container", "id", "state", !svcj ? "missing"
				: svc->replicas ? "no task" : "scaled to 0",
				"health", "ports", "restarts", 0));
		json_decref(tasks);
		json_decref(svcj);
		free(name);
	}
	ret = 0;
out:
	json_decref(nodes);
	return ret;
}

/* down's first part: the services go, and their tasks with them, so that
 * the networks they were on can go next. An engine that manages no
 * swarm has none. */
int
stack_swarm_down(struct engine *e, const struct ws *ws,
		 const struct reporter *rep)
{
	char *filter = xasprintf("%s=%s", LABEL_WORKSPACE, ws->name);
	struct swarm_info info;
	json_t *services = NULL, *x, *left = NULL;
	size_t i;
	int ret = -1, tries;

	if (docker_swarm_info(&e->d, &info) < 0) {
		free(filter);
		return -1;
	}
	if (!info.manager) {
		ret = 0;
		goto out;
	}
	if (docker_list_by_label(&e->d, "services", filter, &services) < 0)
		goto out;
	json_array_foreach(services, i, x) {
		const char *dir = stack_label(json_object_get(x, "Spec"),
					      LABEL_DIR);
		const char *name = str_at(json_object_get(x, "Spec"), "Name",
					  NULL) ?: "?";

		if (dir && strcmp(dir, ws->dir))
			continue;	/* never another folder's */
		if (docker_service_remove(&e->d, str_at(x, "ID", NULL) ?: "")
		    < 0)
			goto out;
		report(rep, REPORT_LINE, name, "%s  removed", name);
	}
	/* the tasks' containers stop in their grace period: wait for them */
	for (tries = 0; tries < 120 && json_array_size(services); tries++) {
		size_t n = 0;

		json_decref(left);
		left = NULL;
		if (stack_containers(e, ws, NULL, &left) < 0)
			goto out;
		json_array_foreach(left, i, x)
			n += stack_label(x, LABEL_SWARM_TASK) != NULL;
		if (!n)
			break;
		usleep(POLL_MS * 1000);
	}
	ret = 0;
out:
	json_decref(left);
	json_decref(services);
	swarm_info_release(&info);
	free(filter);
	return ret;
}
