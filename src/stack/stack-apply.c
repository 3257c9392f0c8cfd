/* stack-apply.c: carry a plan out. Services start in dependency order,
 * each as soon as what it depends on is ready; independent ones run in
 * parallel threads. Health and completion gates are watched from the main
 * thread, which alone prints. */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stack.h"

#define MAX_WORKERS 16
#define POLL_MS 250

enum run_state { R_WAITING, R_RUNNING, R_STARTED, R_FAILED, R_SKIPPED };

struct run {
	const struct service *svc;
	struct step *steps;	/* this service's steps in the plan */
	size_t nsteps;
	enum run_state state;
	int finished;		/* the worker is done; guarded by the lock */
	pthread_t thread;
	char *why;		/* what failed */
	int need_healthy, need_completed;
	int healthy, completed;
	double gate_start, next_poll;
};

struct apply {
	struct engine *e;
	const struct ws *ws;
	const struct stack_opts *o;
	struct run *runs;
	size_t nruns;
	size_t width;
	int running;
	int unseen;		/* workers done but not collected; under lock */
	pthread_mutex_t lock;
	pthread_cond_t done;
	double t0;
};

struct job {
	struct apply *a;
	struct run *r;
};

static void *
worker(void *arg)
{
	struct job *j = arg;
	struct apply *a = j->a;
	struct run *r = j->r;
	size_t i;
	char *why = NULL;

	for (i = 0; i < r->nsteps; i++)
		if (stack_apply_step(a->e, a->ws, &r->steps[i]) < 0) {
			why = err_hint_msg()
				? xasprintf("%s\nhint: %s", err_msg(),
					    err_hint_msg())
				: xstrdup(err_msg());
			break;
		}
	pthread_mutex_lock(&a->lock);
	r->why = why;
	r->finished = 1;
	a->unseen++;
	pthread_cond_signal(&a->done);
	pthread_mutex_unlock(&a->lock);
	free(j);
	return NULL;
}

static struct run *
run_of(struct apply *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nruns; i++)
		if (!strcmp(a->runs[i].svc->name, name))
			return &a->runs[i];
	return NULL;
}

static void
say(struct apply *a, const char *service, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

static void
say(struct apply *a, const char *service, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	if (!a->o->rep)
		return;
	sb_addf(&line, "%-*s  ", (int)a->width, service);
	va_start(ap, fmt);
	sb_vaddf(&line, fmt, ap);
	va_end(ap);
	report(a->o->rep, REPORT_LINE, service, "%s", line.buf);
	sb_release(&line);
}

/* 1: every dependency is ready; 0: not yet; -1: one failed (why set). */
static int
deps_ready(struct apply *a, struct run *r, char **why)
{
	size_t i;
	int ready = 1;

	for (i = 0; i < r->svc->ndeps; i++) {
		const struct dependency *dep = &r->svc->deps[i];
		struct run *d = run_of(a, dep->service);

		if (!d)
			continue;
		if (d->state == R_FAILED || d->state == R_SKIPPED) {
			*why = xasprintf("not started: '%s' %s", d->svc->name,
					 d->state == R_SKIPPED ? "was not started"
							       : "failed");
			return -1;
		}
		if (d->state != R_STARTED ||
		    (dep->condition == DEP_HEALTHY && !d->healthy) ||
		    (dep->condition == DEP_COMPLETED && !d->completed))
			ready = 0;
	}
	return ready;
}

/* Was anything done to the service? Then its gates are news. */
static int
touched(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->nsteps; i++)
		if (r->steps[i].action != STEP_UNCHANGED)
			return 1;
	return 0;
}

/*
 * Look at each container of a started service once: 1 when the gates its
 * dependents need have passed, 0 while they may still, -1 when one
 * cannot (why set).
 */
static int
gate_poll(struct apply *a, struct run *r, char **why)
{
	double waited = clock_now() - r->gate_start;
	int healthy = 1, completed = 1;
	size_t i;

	for (i = 0; i < r->nsteps; i++) {
		struct step *s = &r->steps[i];
		struct container_state cs;
		const char *st, *hs;
		long code;

		if (s->action == STEP_REMOVE || !s->id)
			continue;
		if (docker_container_state(&a->e->d, s->id, &cs) < 0) {
			*why = xstrdup(err_msg());
			return -1;
		}
		st = cs.status;
		hs = cs.health;
		code = cs.exit_code;
		if (st && !strcmp(st, "exited")) {
			if (code != 0 || r->need_healthy) {
				*why = xasprintf("%s exited with code %ld: see "
						 "'berth logs %s'", s->name, code,
						 r->svc->name);
				container_state_release(&cs);
				return -1;
			}
		} else {
			completed = 0;
		}
		if (hs && !strcmp(hs, "unhealthy")) {
			char *out = container_last_check(&cs);

			*why = xasprintf("%s is unhealthy; its last check said:"
					 "\n    %s", s->name, out);
			free(out);
			container_state_release(&cs);
			return -1;
		}
		if ((hs && strcmp(hs, "healthy")) ||
		    (!hs && st && strcmp(st, "running"))) {
			healthy = 0;
			if (r->need_healthy &&
			    waited > stack_health_budget(&r->svc->health)) {
				char *out = hs ? container_last_check(&cs)
					       : xstrdup(st);

				*why = xasprintf("%s is not healthy after %.0f s;"
						 " its last check said:\n    %s",
						 s->name, waited, out);
				free(out);
				container_state_release(&cs);
				return -1;
			}
		}
		container_state_release(&cs);
	}
	if (r->need_completed && !completed && waited > a->o->timeout_s) {
		*why = xasprintf("did not complete within %d s", a->o->timeout_s);
		return -1;
	}
	if (healthy && r->need_healthy && !r->healthy) {
		r->healthy = 1;
		if (touched(r))
			say(a, r->svc->name, "healthy (%.1f s)", waited);
	}
	if (completed && r->need_completed && !r->completed) {
		r->completed = 1;
		if (touched(r))
			say(a, r->svc->name, "completed (%.1f s)", waited);
	}
	r->healthy = r->healthy || healthy;
	return (!r->need_healthy || r->healthy) &&
	       (!r->need_completed || r->completed);
}

static void
fail(struct apply *a, struct run *r, enum run_state state, char *why)
{
	r->state = state;
	free(r->why);
	r->why = why;
	say(a, r->svc->name, "%s", why);
}

static void
collect(struct apply *a)
{
	size_t i;

	for (i = 0; i < a->nruns; i++) {
		struct run *r = &a->runs[i];
		char *s;

		if (r->state != R_RUNNING || !r->finished)
			continue;
		pthread_join(r->thread, NULL);
		a->running--;
		a->unseen--;
		if (r->why) {
			char *why = xasprintf("failed: %s", r->why);

			fail(a, r, R_FAILED, why);
			continue;
		}
		r->state = R_STARTED;
		r->gate_start = clock_now();
		s = stack_service_summary(r->steps, r->nsteps, 1);
		say(a, r->svc->name, "%s", s);
		free(s);
	}
}

static void
dispatch(struct apply *a)
{
	size_t i;

	for (i = 0; i < a->nruns && a->running < MAX_WORKERS; i++) {
		struct run *r = &a->runs[i];
		struct job *j;
		char *why = NULL;
		int ready;

		if (r->state != R_WAITING)
			continue;
		if ((ready = deps_ready(a, r, &why)) < 0) {
			fail(a, r, R_SKIPPED, why);
			continue;
		}
		if (!ready)
			continue;
		j = xmalloc(sizeof(*j));
		j->a = a;
		j->r = r;
		r->state = R_RUNNING;
		a->running++;
		if (pthread_create(&r->thread, NULL, worker, j) != 0) {
			free(j);
			a->running--;
			fail(a, r, R_FAILED, xstrdup("failed: cannot start a "
						     "thread"));
		}
	}
}

static void
poll_gates(struct apply *a)
{
	double now = clock_now();
	size_t i;

	for (i = 0; i < a->nruns; i++) {
		struct run *r = &a->runs[i];
		char *why = NULL;

		if (r->state != R_STARTED || now < r->next_poll ||
		    ((!r->need_healthy || r->healthy) &&
		     (!r->need_completed || r->completed)))
			continue;
		r->next_poll = now + POLL_MS / 1000.0;
		if (gate_poll(a, r, &why) < 0)
			fail(a, r, R_FAILED, why);
	}
}

static int
pending(struct apply *a)
{
	size_t i;

	if (a->running)
		return 1;
	for (i = 0; i < a->nruns; i++) {
		struct run *r = &a->runs[i];

		if (r->state == R_WAITING)
			return 1;
		if (r->state == R_STARTED &&
		    ((r->need_healthy && !r->healthy) ||
		     (r->need_completed && !r->completed)))
			return 1;
	}
	return 0;
}

/* Which gates someone waits on: a service with no dependents on its
 * health is ready once started. */
/*
 * A service left as it was, with nothing downstream of it to start, gates
 * nobody: its dependents run on as they are. Its gate is taken as passed
 * without asking the engine, which keeps a no-op up to the list calls.
 */
static void
settle(struct apply *a)
{
	char *settled = xcalloc(a->nruns + 1, 1);
	size_t i, k;
	int changed = 1;

	for (i = 0; i < a->nruns; i++)
		settled[i] = !touched(&a->runs[i]);
	while (changed) {	/* down the dependencies, which have no cycle */
		changed = 0;
		for (i = 0; i < a->nruns; i++)
			for (k = 0; !settled[i] && k < a->runs[i].svc->ndeps; k++) {
				struct run *dep = run_of(a,
					a->runs[i].svc->deps[k].service);
				size_t j = dep ? (size_t)(dep - a->runs) : 0;

				if (dep && settled[j]) {
					settled[j] = 0;
					changed = 1;
				}
			}
	}
	for (i = 0; i < a->nruns; i++)
		if (settled[i])
			a->runs[i].healthy = a->runs[i].completed = 1;
	free(settled);
}

static void
mark_needs(struct apply *a)
{
	size_t i, k;

	for (i = 0; i < a->nruns; i++)
		for (k = 0; k < a->runs[i].svc->ndeps; k++) {
			const struct dependency *d = &a->runs[i].svc->deps[k];
			struct run *dep = run_of(a, d->service);

			if (!dep)
				continue;
			if (d->condition == DEP_HEALTHY)
				dep->need_healthy = 1;
			if (d->condition == DEP_COMPLETED)
				dep->need_completed = 1;
		}
	settle(a);
}

static void
wait_a_little(struct apply *a)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += POLL_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&a->lock);
	/* a worker that finished before we got here has signalled already */
	while (!a->unseen &&
	       pthread_cond_timedwait(&a->done, &a->lock, &ts) == 0)
		;
	pthread_mutex_unlock(&a->lock);
}

/* Run the services of the plan; 0 when every one is up. */
static int
run_services(struct apply *a, struct stack_plan *plan)
{
	size_t i, j, failed = 0;

	a->runs = xcalloc(a->ws->stack.nservices + 1, sizeof(struct run));
	for (i = 0; i < a->ws->stack.nservices; i++)
		a->runs[a->nruns++].svc = &a->ws->stack.services[i];
	for (i = 0; i < plan->n; i = j) {
		struct run *r;

		for (j = i + 1; j < plan->n &&
		     !strcmp(plan->v[j].service, plan->v[i].service); j++)
			;
		if (plan->v[i].action == STEP_REMOVE ||
		    !(r = run_of(a, plan->v[i].service)))
			continue;
		r->steps = &plan->v[i];
		r->nsteps = j - i;
	}
	mark_needs(a);
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->done, NULL);
	while (pending(a)) {
		if (!berth_interrupted)
			dispatch(a);
		else
			for (i = 0; i < a->nruns; i++)
				if (a->runs[i].state == R_WAITING)
					fail(a, &a->runs[i], R_SKIPPED,
					     xstrdup("not started: interrupted"));
		if (!a->running && !berth_interrupted) {
			/* nothing runs: the rest waits on gates */
			poll_gates(a);
			if (!pending(a))
				break;
			usleep(POLL_MS * 1000);
			continue;
		}
		wait_a_little(a);
		pthread_mutex_lock(&a->lock);
		collect(a);
		pthread_mutex_unlock(&a->lock);
		poll_gates(a);
		if (berth_interrupted && !a->running)
			for (i = 0; i < a->nruns; i++)
				if (a->runs[i].state == R_STARTED &&
				    ((a->runs[i].need_healthy && !a->runs[i].healthy) ||
				     (a->runs[i].need_completed &&
				      !a->runs[i].completed)))
					fail(a, &a->runs[i], R_FAILED,
					     xstrdup("interrupted"));
	}
	pthread_cond_destroy(&a->done);
	pthread_mutex_destroy(&a->lock);
	for (i = 0; i < a->nruns; i++) {
		if (a->runs[i].state == R_FAILED || a->runs[i].state == R_SKIPPED)
			failed++;
		free(a->runs[i].why);
	}
	free(a->runs);
	if (failed)
		return err_set("%zu of %zu services did not come up", failed,
			       a->nruns);
	return 0;
}

/* Where to reach what the stack publishes, from the host. */
static void
print_addresses(struct apply *a)
{
	size_t i, k;
	int r;

	for (i = 0; i < a->ws->stack.nservices; i++) {
		const struct service *svc = &a->ws->stack.services[i];

		for (r = 1; r <= svc->replicas; r++)
			for (k = 0; k < svc->nports; k++) {
				const struct port_spec *p = &svc->ports[k];

				/* started is not answering: say when nothing
				 * checked that it does */
				say(a, svc->name, "%s:%d -> %u/%s%s", p->host_ip,
				    stack_host_port(a->e, svc, r, p), p->port,
				    spec_proto_name(p->proto),
				    svc->health.set && !svc->health.disabled
				    ? "" : " (no healthcheck: it may take a "
					   "moment to answer)");
			}
	}
}

/* whether the engine's network name is one the stack declares internal */
static int
network_internal(const struct ws *ws, const char *name)
{
	size_t i;
	int found = 0;

	for (i = 0; i < ws->stack.internal.n && !found; i++) {
		char *n = stack_network_name(ws, ws->stack.internal.v[i]);

		found = !strcmp(n, name);
		free(n);
	}
	return found;
}

/* what the stack says of the network the engine knows as name: its
 * subnet or gateway (from list), or NULL */
static const char *
network_setting(const struct ws *ws, const struct kvlist *list,
		const char *name)
{
	const char *found = NULL;
	size_t i;

	for (i = 0; i < list->n && !found; i++) {
		char *n = stack_network_name(ws, list->v[i].key);

		if (!strcmp(n, name))
			found = list->v[i].value;
		free(n);
	}
	return found;
}

static int
create_resources(struct apply *a, const struct stack_plan *plan)
{
	/* the folder too: another folder's workspace of the same name on
	 * this engine must not take them (stack_check_foreign) */
	json_t *labels = json_pack("{s:s, s:s}", LABEL_WORKSPACE, a->ws->name,
				   LABEL_DIR, a->ws->dir);
	size_t i;
	int ret = -1;

	for (i = 0; i < plan->networks.n; i++) {
		const char *n = plan->networks.v[i];

		if (docker_network_create(&a->e->d, n, labels,
				network_internal(a->ws, n),
				network_setting(a->ws, &a->ws->stack.subnets, n),
				network_setting(a->ws, &a->ws->stack.gateways,
						n)) < 0)
			goto out;
	}
	for (i = 0; i < plan->volumes.n; i++)
		if (docker_volume_create(&a->e->d, plan->volumes.v[i],
					 labels) < 0)
			goto out;
	ret = 0;
out:
	json_decref(labels);
	return ret;
}

static int
remove_gone(struct apply *a, const struct stack_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		const struct step *s = &plan->v[i];

		if (s->action != STEP_REMOVE)
			continue;
		if (docker_container_remove(&a->e->d, s->id, 1, 1) < 0)
			return err_prefix("cannot remove '%s'", s->name);
	}
	return 0;
}

/* What 'up' would do, asking the engine but changing nothing. */
int
stack_plan_dry(struct engine *e, const struct ws *ws, struct stack_plan *plan)
{
	struct stack_images im = { 0 };
	struct stack_seen seen = { 0 };
	int ret;

	if (ws->stack.mode == STACK_SWARM)
		return stack_swarm_refuse(ws, "plan", "'berth up' says per "
					  "service what it creates or updates");
	ret = stack_seen_fetch(e, ws, &seen) < 0 ||
	      stack_check_foreign(ws, &seen) < 0 ||
	      stack_images_prepare(e, ws, seen.containers, 1, NULL, &im) < 0 ||
	      stack_plan_make(e, ws, &im, &seen, plan) < 0 ? -1 : 0;
	stack_seen_release(&seen);
	stack_images_release(&im, ws->stack.nservices);
	return ret;
}

int
stack_up(struct engine *e, const struct ws *ws, const struct stack_opts *o)
{
	struct apply a = { .e = e, .ws = ws, .o = o, .width = 8 };
	struct stack_images im = { 0 };
	struct stack_plan plan = { 0 };
	struct stack_seen seen = { 0 };
	size_t i, j;
	int ret = -1;

	if (ws->stack.mode == STACK_SWARM)
		return stack_swarm_up(e, ws, o);
	a.t0 = clock_now();
	for (i = 0; i < ws->stack.nservices; i++)
		if (strlen(ws->stack.services[i].name) > a.width)
			a.width = strlen(ws->stack.services[i].name);
	if (stack_seen_fetch(e, ws, &seen) < 0 ||
	    stack_check_foreign(ws, &seen) < 0 ||
	    stack_check_no_swarm(ws, &seen) < 0 ||
	    stack_images_prepare(e, ws, seen.containers, 0, o->rep, &im) < 0 ||
	    stack_plan_make(e, ws, &im, &seen, &plan) < 0)
		goto out;
	/* the picked ports are kept before anything uses them */
	if (engine_save_ports(e) < 0 || create_resources(&a, &plan) < 0 ||
	    remove_gone(&a, &plan) < 0 || engine_forward_ports(e, ws) < 0)
		goto out;
	for (i = 0; i < plan.networks.n; i++)
		say(&a, "network", "%s created", plan.networks.v[i]);
	for (i = 0; i < plan.volumes.n; i++)
		say(&a, "volume", "%s created", plan.volumes.v[i]);
	for (i = 0; i < plan.n; i = j) {
		char *sum;

		for (j = i + 1; j < plan.n && plan.v[i].action == STEP_REMOVE &&
		     plan.v[j].action == STEP_REMOVE &&
		     !strcmp(plan.v[j].service, plan.v[i].service); j++)
			;
		if (plan.v[i].action != STEP_REMOVE)
			continue;
		sum = stack_service_summary(&plan.v[i], j - i, 1);
		say(&a, plan.v[i].service, "%s", sum);
		free(sum);
	}
	ret = run_services(&a, &plan);
	if (ret == 0)
		print_addresses(&a);
out:
	stack_seen_release(&seen);
	stack_plan_release(&plan);
	stack_images_release(&im, ws->stack.nservices);
	return ret;
}
