/* stack-step.c: one step of a plan on the engine: create and start a
 * container, recreate one keeping its anonymous volumes, or replace a
 * running one start-first, behind its health check. */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stack.h"

/* Docker's defaults, where the Berthfile is silent. */
double
stack_health_budget(const struct healthcheck *h)
{
	double interval = h->interval_ms ? h->interval_ms / 1000.0 : 30;
	double timeout = h->timeout_ms ? h->timeout_ms / 1000.0 : 30;
	int retries = h->retries ? h->retries : 3;

	return h->start_period_ms / 1000.0 + (interval + timeout) *
	       (retries + 1) + 5;
}

/* Create s's container under NAME (s->name, or a replacement's), and
 * start it. */
static int
create_and_start(struct engine *e, const struct ws *ws, struct step *s,
		 const char *name)
{
	const struct service *svc = s->svc;
	char *id = NULL;
	size_t i;

	if (docker_container_create(&e->d, name, s->want.config, &id) < 0) {
		if (err_code() == ERR_CONFLICT)
			err_hint("a container named '%s' is not this "
				 "workspace's; remove it with 'docker rm -f %s'",
				 name, name);
		return -1;
	}
	free(s->id);
	s->id = id;
	for (i = 1; i < svc->networks.n; i++) {
		char *net = stack_network_name(ws, svc->networks.v[i]);
		int r = docker_network_connect(&e->d, net, id,
					       stack_endpoint(svc,
							      svc->networks.v[i]));

		free(net);
		if (r < 0)
			return -1;
	}
	return docker_container_action(&e->d, id, "start");
}

/*
 * A volume of the old container that no named volume of the service
 * replaces (an image's VOLUME, a Berthfile mount with no source) goes to
 * the new one at the same place, as compose does: a database in an image
 * with VOLUME keeps its data when its service is recreated.
 */
static int
keep_anonymous_volumes(struct engine *e, struct step *s, int *running)
{
	struct container_state old;
	json_t *m, *want;
	size_t i, k;
	int ret = -1;

	*running = 0;
	if (docker_container_state(&e->d, s->id, &old) < 0) {
		/* gone meanwhile: nothing of it to keep */
		return err_code() == ERR_NOT_FOUND ? (err_clear(), 0) : -1;
	}
	*running = old.running;
	want = json_object_get(json_object_get(s->want.config, "HostConfig"),
			       "Mounts");
	json_array_foreach(json_object_get(old.inspect, "Mounts"), i, m) {
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *name = json_string_value(json_object_get(m, "Name"));
		const char *dest = json_string_value(json_object_get(m,
							"Destination"));
		json_t *w, *found = NULL;

		if (!type || strcmp(type, "volume") || !name || !dest ||
		    !json_is_array(want))
			continue;
		json_array_foreach(want, k, w)
			if (!strcmp(json_string_value(json_object_get(w,
						"Target")) ?: "", dest))
				found = w;
		if (found && json_object_get(found, "Source"))
			continue;	/* a named volume or a bind: kept as is */
		if (!found) {
			found = json_pack("{s:s, s:s}", "Type", "volume",
					  "Target", dest);
			json_array_append_new(want, found);
		}
		json_object_set_new(found, "Source", json_string(name));
	}
	ret = 0;
	container_state_release(&old);
	return ret;
}

/*
 * A running service is replaced start-first: its new container starts
 * beside the old one, under the service's network alias too, and the old
 * one goes only once the new one is ready, so that the service answers
 * throughout. (Docker's DNS names the new one from its start, not from
 * its first passed check: an app slow to listen misses some requests
 * meanwhile, which is still fewer than all of them.) Not when two would
 * collide: a published port (the host has it once) or a volume (two
 * databases on one data folder); those are replaced stop-first, as
 * compose does.
 */
static int
start_first(const struct step *s, int old_running)
{
	json_t *m, *mounts = json_object_get(json_object_get(s->want.config,
					"HostConfig"), "Mounts");
	size_t i;

	if (!old_running || s->svc->nports)
		return 0;
	json_array_foreach(mounts, i, m)
		if (!strcmp(json_string_value(json_object_get(m, "Type")) ?: "",
			    "volume"))
			return 0;
	return 1;
}

/* Wait until container id runs, and is healthy if it checks its health;
 * -1 (error set) when it exits, turns unhealthy or takes too long. */
static int
wait_ready(struct engine *e, const struct step *s, const char *id)
{
	const struct healthcheck *h = &s->svc->health;
	double budget = h->set && !h->disabled ? stack_health_budget(h) : 60;
	double start = clock_now();
	int ret = -1;

	while (!berth_interrupted) {
		struct container_state cs;
		const char *hs;

		if (docker_container_state(&e->d, id, &cs) < 0)
			break;
		hs = cs.health;
		if (!cs.running) {
			err_set("it exited with code %ld", cs.exit_code);
		} else if (hs && !strcmp(hs, "unhealthy")) {
			char *out = container_last_check(&cs);

			err_set("it is unhealthy; its last check said:\n    %s",
				out);
			free(out);
		} else if (!hs || !strcmp(hs, "healthy")) {
			ret = 0;
		} else if (clock_now() - start > budget) {
			err_set("it is not healthy after %.0f s", budget);
		} else {
			container_state_release(&cs);
			usleep(250 * 1000);
			continue;
		}
		container_state_release(&cs);
		break;
	}
	if (berth_interrupted && ret < 0)
		err_set("interrupted");
	return ret;
}

static int
replace_start_first(struct engine *e, const struct ws *ws, struct step *s)
{
	char *next = xasprintf("%s-next", s->name), *old = s->id;
	int ret = -1;

	/* one left by an interrupted replacement was removed with the
	 * containers of no replica (remove_gone) */
	s->id = NULL;
	if (create_and_start(e, ws, s, next) < 0 || wait_ready(e, s, s->id) < 0) {
		err_prefix("its new container did not start, and the old one "
			   "keeps running");
		if (s->id)
			docker_container_remove(&e->d, s->id, 1, 0);
		free(s->id);
		s->id = old;
		old = NULL;
		goto out;
	}
	/* a request the old one is answering now, or that finds its address
	 * as it goes, may fail; taking it off its networks first, or killing
	 * it first, failed as many requests here, and made more of them
	 * hang (stack.sh) */
	if (docker_container_remove(&e->d, old, 1, 0) < 0 ||
	    docker_container_rename(&e->d, s->id, s->name) < 0)
		goto out;
	ret = 0;
out:
	free(old);
	free(next);
	return ret;
}

int
stack_apply_step(struct engine *e, const struct ws *ws, struct step *s)
{
	int running;

	switch (s->action) {
	case STEP_UNCHANGED:
	case STEP_START:
		/* a replacement interrupted after the old one went */
		if (s->listed_name &&
		    docker_container_rename(&e->d, s->id, s->name) < 0)
			return -1;
		return s->action == STEP_START
			? docker_container_action(&e->d, s->id, "start") : 0;
	case STEP_REMOVE:
		return 0;
	case STEP_RECREATE:
		/* anonymous volumes stay, and go to the new container:
		 * recreating must lose no data */
		if (keep_anonymous_volumes(e, s, &running) < 0)
			return -1;
		if (start_first(s, running))
			return replace_start_first(e, ws, s);
		if (docker_container_remove(&e->d, s->id, 1, 0) < 0)
			return -1;
		/* fall through */
	case STEP_CREATE:
		return create_and_start(e, ws, s, s->name);
	}
	return 0;
}

