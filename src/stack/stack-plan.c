/* stack-plan.c: the Berthfile against the engine's containers: what to
 * create, recreate (and why), start, leave alone or remove. */

#include <stdlib.h>
#include <string.h>

#include "stack.h"
#include "machine.h"

int
stack_host_port(struct engine *e, const struct service *svc, int replica,
		const struct port_spec *p)
{
	char key[128];
	json_t *v;
	int port;

	if (p->host_port)
		return (int)p->host_port;
	snprintf(key, sizeof(key), "%s.%d.%u/%s", svc->name, replica, p->port,
		 spec_proto_name(p->proto));
	if (!e->ports)
		e->ports = json_object();
	if ((v = json_object_get(e->ports, key)))
		return (int)json_integer_value(v);
	/* picked once and kept, so that the address stays and the
	 * container's hash with it */
	if ((port = port_pick_free()) < 0)
		return -1;
	json_object_set_new(e->ports, key, json_integer(port));
	e->ports_dirty = 1;
	return port;
}

/* Does this container belong to this workspace's folder? Two workspaces
 * of one name on one engine must not take each other's containers. */
static int
ours(const struct ws *ws, json_t *c)
{
	const char *dir = stack_label(c, LABEL_DIR);

	return !dir || !strcmp(dir, ws->dir);
}

static int
exited_cleanly(json_t *c)
{
	const char *status = json_string_value(json_object_get(c, "Status"));

	return status && !strncmp(status, "Exited (0)", 10);
}

static struct step *
add_step(struct stack_plan *plan, size_t *alloc)
{
	struct step *s;

	ALLOC_GROW(plan->v, plan->n + 1, *alloc);
	s = &plan->v[plan->n++];
	memset(s, 0, sizeof(*s));
	return s;
}

static int
desire(struct engine *e, const struct ws *ws, const struct stack_images *im,
       const struct service *svc, int replica, struct desired *d)
{
	int *ports = xcalloc(svc->nports + 1, sizeof(int));
	size_t k;

	for (k = 0; k < svc->nports; k++)
		if ((ports[k] = stack_host_port(e, svc, replica,
						&svc->ports[k])) < 0) {
			free(ports);
			return -1;
		}
	stack_desire(ws, svc, replica, im->ref[svc->index],
		     im->id[svc->index], im->context[svc->index], ports,
		     e->place != ENGINE_HOST, d);
	free(ports);
	return 0;
}

/* The existing container of svc's replica r, or of its name; of two
 * (a replacement interrupted before it took the name), the named one. */
static json_t *
find_existing(const struct ws *ws, json_t *existing, const char *service,
	      int replica, const char *name, char *taken)
{
	json_t *c;
	size_t i, found = (size_t)-1;

	json_array_foreach(existing, i, c) {
		const char *s = stack_label(c, LABEL_SERVICE);
		const char *r = stack_label(c, LABEL_REPLICA);
		int named = name && !strcmp(stack_listed_name(c), name);

		if (taken[i] || !ours(ws, c))
			continue;
		if (named) {
			found = i;
			break;
		}
		if (s && r && !strcmp(s, service) && atoi(r) == replica &&
		    found == (size_t)-1)
			found = i;
	}
	if (found == (size_t)-1)
		return NULL;
	taken[found] = 1;
	return json_array_get(existing, found);
}

static int
plan_service(struct engine *e, const struct ws *ws,
	     const struct stack_images *im, const struct service *svc,
	     json_t *existing, char *taken, struct stack_plan *plan,
	     size_t *alloc)
{
	int r;

	for (r = 1; r <= svc->replicas; r++) {
		struct desired d;
		struct step *s;
		json_t *c;
		const char *state, *hash;

		if (desire(e, ws, im, svc, r, &d) < 0)
			return -1;
		c = find_existing(ws, existing, svc->name, r, d.name, taken);
		s = add_step(plan, alloc);
		s->svc = svc;
		s->service = xstrdup(svc->name);
		s->replica = r;
		s->name = xstrdup(d.name);
		s->want = d;
		if (!c) {
			s->action = STEP_CREATE;
			continue;
		}
		s->id = xstrdup(json_string_value(json_object_get(c, "Id")));
		if (strcmp(stack_listed_name(c), d.name))
			s->listed_name = xstrdup(stack_listed_name(c));
		state = json_string_value(json_object_get(c, "State"));
		hash = stack_label(c, LABEL_HASH);
		if (!hash || strcmp(hash, d.hash)) {
			s->action = STEP_RECREATE;
			if (!im->id[svc->index])
				s->reason = xstrdup(svc->build_context
						    ? "build context changed"
						    : "image to be fetched");
			else
				s->reason = stack_changes(stack_label(c, LABEL_SECTIONS),
							  d.sections);
			if (!s->reason)
				s->reason = xstrdup("configuration changed");
		} else if (state && !strcmp(state, "running")) {
			s->action = STEP_UNCHANGED;
		} else if (exited_cleanly(c) && ws_service_is_job(ws, svc) &&
			   (!svc->restart || !strcmp(svc->restart, "no"))) {
			/* a one-shot job that finished: done, not stopped */
			s->action = STEP_UNCHANGED;
			s->reason = xstrdup("completed");
		} else {
			s->action = STEP_START;
			s->reason = xstrdup(state && !strcmp(state, "paused")
					    ? "was paused" : "was stopped");
		}
	}
	return 0;
}

static void
missing(json_t *have, const char *name, struct strlist *want)
{
	json_t *x;
	size_t i;

	json_array_foreach(have, i, x)
		if (!strcmp(json_string_value(json_object_get(x, "Name")) ?: "",
			    name))
			return;
	if (!strlist_has(want, name))	/* "default", declared too */
		strlist_push(want, name);
}

/*
 * A network the engine has already keeps the subnet it was made with:
 * one the stack gives a subnet of its own (for fixed addresses) must have
 * that one, or the containers' addresses would be refused one by one.
 */
static int
check_subnet(const struct ws *ws, json_t *have, const char *declared,
	     const char *name)
{
	const char *want = kvlist_get(&ws->stack.subnets, declared), *got;
	json_t *x;
	size_t i;

	if (!want)
		return 0;
	json_array_foreach(have, i, x) {
		if (strcmp(json_string_value(json_object_get(x, "Name")) ?: "",
			   name))
			continue;
		got = json_string_value(json_object_get(json_array_get(
			json_object_get(json_object_get(x, "IPAM"), "Config"),
			0), "Subnet"));
		if (got && !strcmp(got, want))
			return 0;
		err_set("network '%s' was made with subnet %s, and the project "
			"now gives it %s", name, got ? got : "(the engine's)",
			want);
		err_hint("'berth down' removes it with the containers (named "
			 "volumes stay), then 'berth up' makes it anew");
		return -1;
	}
	return 0;
}

int
stack_plan_containers(struct engine *e, const struct ws *ws,
		      const struct stack_images *im, json_t *existing,
		      struct stack_plan *plan)
{
	char *taken = xcalloc(json_array_size(existing) + 1, 1);
	size_t alloc = 0, i;
	json_t *c;
	int ret = -1;

	memset(plan, 0, sizeof(*plan));
	for (i = 0; i < ws->stack.nservices; i++)
		if (plan_service(e, ws, im, &ws->stack.services[i], existing,
				 taken, plan, &alloc) < 0)
			goto out;
	/* what is left over belongs to no service of the Berthfile now */
	json_array_foreach(existing, i, c) {
		const char *svc = stack_label(c, LABEL_SERVICE);
		const struct service *now = svc ? ws_find_service(ws, svc) : NULL;
		struct step *s;

		if (taken[i] || !ours(ws, c))
			continue;
		s = add_step(plan, &alloc);
		s->action = STEP_REMOVE;
		s->service = xstrdup(svc ? svc : stack_listed_name(c));
		s->replica = atoi(stack_label(c, LABEL_REPLICA) ?: "0");
		s->name = xstrdup(stack_listed_name(c));
		s->id = xstrdup(json_string_value(json_object_get(c, "Id")));
		s->reason = xstrdup(now ? "scaled down"
				    : "no longer in the Berthfile");
	}
	for (i = 0; i < ws->stack.nservices; i++)
		if (!im->id[i])
			plan->images_pending = 1;
	ret = 0;
out:
	free(taken);
	return ret;
}

int
stack_plan_make(struct engine *e, const struct ws *ws,
		const struct stack_images *im, const struct stack_seen *seen,
		struct stack_plan *plan)
{
	size_t i;
	char *name;
	int bad;

	if (stack_plan_containers(e, ws, im, seen->containers, plan) < 0)
		return -1;
	for (i = 0; i < ws->stack.nservices; i++)
		if (!ws->stack.services[i].networks.n ||
		    strlist_has(&ws->stack.services[i].networks, "default"))
			break;
	if (i < ws->stack.nservices &&
	    !stack_is_external(ws, "network", "default")) {
		name = stack_network_name(ws, NULL);
		missing(seen->networks, name, &plan->networks);
		bad = check_subnet(ws, seen->networks, "default", name);
		free(name);
		if (bad)
			return -1;
	}
	for (i = 0; i < ws->stack.networks.n; i++) {
		const char *net = ws->stack.networks.v[i];

		if (stack_is_external(ws, "network", net))
			continue;
		name = stack_network_name(ws, net);
		missing(seen->networks, name, &plan->networks);
		bad = check_subnet(ws, seen->networks, net, name);
		free(name);
		if (bad)
			return -1;
	}
	for (i = 0; i < ws->stack.volumes.n; i++) {
		if (stack_is_external(ws, "volume", ws->stack.volumes.v[i]))
			continue;
		name = stack_volume_name(ws, ws->stack.volumes.v[i]);
		missing(seen->volumes, name, &plan->volumes);
		free(name);
	}
	return 0;
}

void
stack_plan_release(struct stack_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		free(plan->v[i].service);
		free(plan->v[i].name);
		free(plan->v[i].id);
		free(plan->v[i].listed_name);
		free(plan->v[i].reason);
		desired_release(&plan->v[i].want);
	}
	free(plan->v);
	strlist_release(&plan->networks);
	strlist_release(&plan->volumes);
	memset(plan, 0, sizeof(*plan));
}

const char *
step_verb(enum step_action a, int done)
{
	static const char *const plan[] = { "unchanged", "create", "recreate",
					    "start", "remove" };
	static const char *const past[] = { "unchanged", "created",
					    "recreated", "started", "removed" };

	return done ? past[a] : plan[a];
}

char *
stack_service_summary(const struct step *steps, size_t n, int done)
{
	struct strbuf sb = STRBUF_INIT;
	size_t count[STEP_REMOVE + 1] = { 0 }, kinds = 0, i;
	const char *reason = NULL;
	int a;

	for (i = 0; i < n; i++) {
		if (!count[steps[i].action]++)
			kinds++;
		if (!reason && steps[i].reason &&
		    steps[i].action != STEP_UNCHANGED)
			reason = steps[i].reason;
		if (!reason && steps[i].reason && n == 1)
			reason = steps[i].reason;
	}
	for (a = STEP_REMOVE; a >= 0; a--) {
		if (!count[a])
			continue;
		sb_addf(&sb, "%s%s", sb.len ? ", " : "", step_verb(a, done));
		if (kinds > 1 || count[a] > 1)
			sb_addf(&sb, " %zu", count[a]);
	}
	if (reason)
		sb_addf(&sb, " (%s)", reason);
	if (!n)		/* replicas = 0: kept to load its image, runs nothing */
		sb_addstr(&sb, "scaled to 0");
	return sb_detach(&sb);
}

void
stack_plan_print(const struct ws *ws, const struct stack_plan *plan, int done,
		 FILE *f)
{
	size_t i, j, width = 8;

	(void)ws;
	for (i = 0; i < plan->n; i++)
		if (strlen(plan->v[i].service) > width)
			width = strlen(plan->v[i].service);
	for (i = 0; i < plan->networks.n; i++)
		fprintf(f, "network %s  %s\n", plan->networks.v[i],
			done ? "created" : "create");
	for (i = 0; i < plan->volumes.n; i++)
		fprintf(f, "volume %s  %s\n", plan->volumes.v[i],
			done ? "created" : "create");
	for (i = 0; i < plan->n; i = j) {
		char *s;

		for (j = i + 1; j < plan->n &&
		     !strcmp(plan->v[j].service, plan->v[i].service) &&
		     (plan->v[j].action == STEP_REMOVE) ==
		     (plan->v[i].action == STEP_REMOVE); j++)
			;
		s = stack_service_summary(&plan->v[i], j - i, done);
		fprintf(f, "%-*s  %s\n", (int)width, plan->v[i].service, s);
		free(s);
	}
}

json_t *
stack_plan_json(const struct stack_plan *plan)
{
	json_t *o = json_object(), *steps = json_array();
	size_t i;

	for (i = 0; i < plan->n; i++) {
		const struct step *s = &plan->v[i];

		json_array_append_new(steps, json_pack(
			"{s:s, s:i, s:s, s:s, s:s?, s:s?}", "service",
			s->service, "replica", s->replica, "container", s->name,
			"action", step_verb(s->action, 0), "reason", s->reason,
			"hash", s->want.hash));
	}
	json_object_set_new(o, "containers", steps);
	json_object_set_new(o, "networks", json_array());
	for (i = 0; i < plan->networks.n; i++)
		json_array_append_new(json_object_get(o, "networks"),
				      json_string(plan->networks.v[i]));
	json_object_set_new(o, "volumes", json_array());
	for (i = 0; i < plan->volumes.n; i++)
		json_array_append_new(json_object_get(o, "volumes"),
				      json_string(plan->volumes.v[i]));
	return o;
}
