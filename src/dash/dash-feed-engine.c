/* dash-feed-engine.c: the dashboard's feed from the engine, on a thread of
 * its own: the events stream (what changed), and a log stream
 * (docker-logs.c's lines) and a stats stream per running container, all on
 * one curl multi handle; the containers read back after events. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dash-collect.h"

static struct stream *
stream_new(struct collector *c, enum stream_kind kind, const char *id,
	   const char *service, const char *prefix)
{
	struct stream *s = xcalloc(1, sizeof(*s));

	s->c = c;
	s->kind = kind;
	s->id = xstrdup(id ? id : "");
	s->service = xstrdup(service ? service : "");
	s->prefix = xstrdup(prefix ? prefix : "");
	ALLOC_GROW(c->streams, c->nstreams + 1, c->alloc);
	c->streams[c->nstreams++] = s;
	return s;
}

static void
stream_free(void *arg)
{
	struct stream *s = arg;
	struct collector *c = s->c;
	size_t i;

	for (i = 0; i < c->nstreams; i++)
		if (c->streams[i] == s) {
			c->streams[i] = c->streams[--c->nstreams];
			break;
		}
	if (s->kind != S_LOGS)
		json_stream_release(&s->js);
	else
		log_lines_release(&s->lines);
	free(s->id);
	free(s->service);
	free(s->prefix);
	free(s);
}

static int
has_stream(struct collector *c, enum stream_kind kind, const char *id)
{
	size_t i;

	for (i = 0; i < c->nstreams; i++)
		if (c->streams[i]->kind == kind && !strcmp(c->streams[i]->id, id) &&
		    !docker_multi_failed(c->multi, c->streams[i]))
			return 1;
	return 0;
}

static int
on_log_line(int stream, const char *line, size_t len, void *arg)
{
	struct stream *s = arg;
	struct dash_model *m = s->c->m;

	(void)stream;
	pthread_mutex_lock(&m->lock);
	log_ring_add(&m->logs, s->service, s->prefix, line, len);
	m->changed = 1;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int
feed_logs(const char *data, size_t len, void *arg)
{
	struct stream *s = arg;

	return log_lines_feed(&s->lines, data, len);
}

static struct svc_view *
svc_of(struct dash_model *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->nsvcs; i++)
		if (!strcmp(m->svcs[i].id, id))
			return &m->svcs[i];
	return NULL;
}

/* One sample a second: CPU against the whole machine, as docker stats. */
static int
on_stats(json_t *msg, void *arg)
{
	struct stream *s = arg;
	struct dash_model *m = s->c->m;
	json_t *cpu = json_object_get(msg, "cpu_stats");
	json_t *pre = json_object_get(msg, "precpu_stats");
	json_t *mem = json_object_get(msg, "memory_stats");
	double total = (double)json_integer_value(json_object_get(
		json_object_get(cpu, "cpu_usage"), "total_usage"));
	double ptotal = (double)json_integer_value(json_object_get(
		json_object_get(pre, "cpu_usage"), "total_usage"));
	double sys = (double)json_integer_value(json_object_get(cpu,
		"system_cpu_usage"));
	double psys = (double)json_integer_value(json_object_get(pre,
		"system_cpu_usage"));
	json_int_t ncpu = json_integer_value(json_object_get(cpu, "online_cpus"));
	json_t *st = json_object_get(mem, "stats");
	json_int_t usage = json_integer_value(json_object_get(mem, "usage"));
	json_int_t cache = json_integer_value(json_object_get(st,
		json_object_get(st, "inactive_file") ? "inactive_file" : "cache"));
	struct svc_view *v;

	pthread_mutex_lock(&m->lock);
	if ((v = svc_of(m, s->id))) {
		v->cpu_pct = sys > psys && psys > 0
			? (total - ptotal) / (sys - psys) * (ncpu ? ncpu : 1) * 100
			: 0;
		v->mem = usage > cache ? (uint64_t)(usage - cache) : (uint64_t)usage;
		m->changed = 1;
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int
feed_json(const char *data, size_t len, void *arg)
{
	struct stream *s = arg;

	return json_stream_feed(&s->js, data, len);
}

static int
on_event(json_t *msg, void *arg)
{
	struct stream *s = arg;

	(void)msg;
	/* what changed is read back from the engine, a moment later, once
	 * for a burst of events */
	if (!s->c->relist) {
		s->c->relist = 1;
		s->c->next_relist = clock_now() + 0.2;
	}
	return 0;
}

/* RFC 3339 from the engine to a UNIX time for 'since'. */
static void
unix_time(const char *rfc3339, char *out, size_t len)
{
	struct tm tm = { 0 };
	const char *frac;

	if (!rfc3339 || !strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, len, "0");
		return;
	}
	frac = strchr(rfc3339, '.');
	snprintf(out, len, "%lld.%.9s", (long long)timegm(&tm),
		 frac ? frac + 1 : "0");
	out[strcspn(out, "Z+")] = '\0';
}

static void
attach(struct collector *c, const struct svc_view *v, const char *started_at)
{
	const struct service *svc = ws_find_service(c->ws, v->service);
	struct log_query q = { .follow = 1, .tail = INITIAL_TAIL };
	char *prefix, *path, since[48];
	struct stream *s;

	if (!has_stream(c, S_LOGS, v->id)) {
		prefix = svc && svc->replicas > 1
			? xasprintf("%s-%d", v->service, v->replica)
			: xstrdup(v->service);
		s = stream_new(c, S_LOGS, v->id, v->service, prefix);
		log_lines_init(&s->lines, on_log_line, s);
		/* the first time, some history; after a restart, all since */
		if (strlist_has(&c->logged, v->id)) {
			unix_time(started_at, since, sizeof(since));
			q.tail = "all";
			q.since = since;
		} else {
			strlist_push(&c->logged, v->id);
		}
		path = docker_logs_path(v->id, &q);
		if (docker_multi_add(c->multi, path, feed_logs, s) < 0)
			stream_free(s);
		free(path);
		free(prefix);
	}
	if (!has_stream(c, S_STATS, v->id)) {
		s = stream_new(c, S_STATS, v->id, v->service, NULL);
		json_stream_init(&s->js, on_stats, s);
		path = docker_stats_path(v->id);
		if (docker_multi_add(c->multi, path, feed_json, s) < 0)
			stream_free(s);
		free(path);
	}
}

/* One "IP:PUBLIC->PRIVATE" more in out: 0 once out is full. What the VM
 * publishes is forwarded to 127.0.0.1 here. */
static int
add_port(const struct collector *c, char *out, size_t len, size_t *used,
	 const char *ip, long long pub, long long priv)
{
	*used += (size_t)snprintf(out + *used, *used < len ? len - *used : 0,
				  "%s%s:%lld->%lld", *used ? " " : "",
				  c->e.place == ENGINE_VM_FORWARDED || !ip ||
				  !strcmp(ip, "0.0.0.0") ? "127.0.0.1" : ip,
				  pub, priv);
	return *used < len;
}

static void
fill_ports(struct collector *c, json_t *list, char *out, size_t len)
{
	json_t *p;
	size_t i, used = 0;

	out[0] = '\0';
	json_array_foreach(list, i, p) {
		json_int_t pub = json_integer_value(json_object_get(p, "PublicPort"));
		const char *ip = json_string_value(json_object_get(p, "IP"));

		if (!pub || (ip && strchr(ip, ':')))	/* once, not v4 and v6 */
			continue;
		if (!add_port(c, out, len, &used, ip, (long long)pub,
			      (long long)json_integer_value(json_object_get(
				      p, "PrivatePort"))))
			break;
	}
}

/* Gone from the engine: gone from the table. Under the model's lock. */
static void
drop_unseen(struct dash_model *m)
{
	size_t i, k;

	for (i = k = 0; i < m->nsvcs; i++) {
		if (m->svcs[i].seen) {
			m->svcs[k++] = m->svcs[i];
			continue;
		}
		free(m->svcs[i].container);
		free(m->svcs[i].service);
	}
	m->nsvcs = k;
	m->changed = 1;
}

/* A Swarm service's log, every task's lines through the manager; after a
 * loss, from a moment before it. */
static void
follow_service(struct collector *c, const struct service *svc)
{
	struct log_query q = { .follow = 1, .tail = INITIAL_TAIL };
	char *key = xasprintf("service:%s", svc->name), *name, *path;
	char since[32];
	struct stream *s;

	if (has_stream(c, S_LOGS, key)) {
		free(key);
		return;
	}
	s = stream_new(c, S_LOGS, key, svc->name, svc->name);
	log_lines_init(&s->lines, on_log_line, s);
	if (strlist_has(&c->logged, key)) {
		snprintf(since, sizeof(since), "%lld",
			 (long long)time(NULL) - (long long)TASKS_POLL_S - 1);
		q.tail = "all";
		q.since = since;
	} else {
		strlist_push(&c->logged, key);
	}
	name = stack_swarm_service_name(c->ws, svc);
	path = docker_service_logs_path(name, &q);
	if (docker_multi_add(c->multi, path, feed_logs, s) < 0)
		stream_free(s);
	free(path);
	free(name);
	free(key);
}

/* A task's published ports, as 'ps' has them. */
static void
task_ports(struct collector *c, json_t *list, char *out, size_t len)
{
	json_t *p;
	size_t i, used = 0;

	out[0] = '\0';
	json_array_foreach(list, i, p)
		if (!add_port(c, out, len, &used, json_string_value(
				json_object_get(p, "host_ip")),
			      (long long)json_integer_value(json_object_get(
				      p, "host_port")),
			      (long long)json_integer_value(json_object_get(
				      p, "port"))))
			break;
}

/*
 * A Swarm's tasks, read back through the manager with the node each runs
 * on ('ps' rows), and every service's log. The manager hears no event of
 * a container on another node, so this also runs every TASKS_POLL_S.
 */
static void
read_tasks(struct collector *c)
{
	struct dash_model *m = c->m;
	json_t *rows = NULL, *r;
	size_t i;

	c->relist = 0;
	c->next_poll = clock_now() + TASKS_POLL_S;
	if (stack_ps(&c->e, c->ws, NULL, &rows) < 0) {
		err_clear();	/* the next poll reads again */
		return;
	}
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nsvcs; i++)
		m->svcs[i].seen = 0;
	json_array_foreach(rows, i, r) {
		const char *service = json_string_value(json_object_get(
			r, "service")) ?: "?";
		const char *task = json_string_value(json_object_get(r, "task"));
		const char *node = json_string_value(json_object_get(r, "node"));
		char id[72], *shown;
		struct svc_view *v;

		/* a service with no task yet has a row of its own */
		snprintf(id, sizeof(id), "%s", task ? task : service);
		if (!(v = svc_of(m, id))) {
			ALLOC_GROW(m->svcs, m->nsvcs + 1, m->alloc);
			v = &m->svcs[m->nsvcs++];
			memset(v, 0, sizeof(*v));
			snprintf(v->id, sizeof(v->id), "%s", id);
			v->container = xstrdup(json_string_value(json_object_get(
				r, "container")) ?: "");
			v->service = xstrdup(service);
			v->replica = (int)json_integer_value(json_object_get(
				r, "replica"));
			v->cpu_pct = -1;
		}
		v->seen = 1;
		snprintf(v->state, sizeof(v->state), "%s", json_string_value(
			json_object_get(r, "state")) ?: "?");
		/* the engine's word: printable before it reaches the screen */
		shown = str_printable(node ? node : "");
		snprintf(v->node, sizeof(v->node), "%s", shown);
		free(shown);
		task_ports(c, json_object_get(r, "ports"), v->ports,
			   sizeof(v->ports));
	}
	drop_unseen(m);
	pthread_mutex_unlock(&m->lock);
	json_decref(rows);
	for (i = 0; i < c->ws->stack.nservices; i++)
		follow_service(c, &c->ws->stack.services[i]);
}

/* Read the workspace's containers back into the model, and follow the
 * running ones. */
static void
read_containers(struct collector *c)
{
	struct dash_model *m = c->m;
	json_t *list = NULL, *x;
	size_t i;

	if (c->ws->stack.mode == STACK_SWARM) {
		read_tasks(c);
		return;
	}
	c->relist = 0;
	if (stack_containers(&c->e, c->ws, NULL, &list) < 0)
		return;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nsvcs; i++)
		m->svcs[i].seen = 0;
	pthread_mutex_unlock(&m->lock);
	json_array_foreach(list, i, x) {
		const char *id = json_string_value(json_object_get(x, "Id"));
		struct container_state cs;
		struct svc_view *v;

		if (docker_container_state(&c->e.d, id, &cs) < 0)
			err_clear();	/* gone meanwhile: the list's word */
		pthread_mutex_lock(&m->lock);
		if (!(v = svc_of(m, id))) {
			ALLOC_GROW(m->svcs, m->nsvcs + 1, m->alloc);
			v = &m->svcs[m->nsvcs++];
			memset(v, 0, sizeof(*v));
			snprintf(v->id, sizeof(v->id), "%s", id);
			v->container = xstrdup(stack_listed_name(x));
			v->service = xstrdup(stack_label(x, LABEL_SERVICE) ?: "?");
			v->replica = atoi(stack_label(x, LABEL_REPLICA) ?: "0");
			v->cpu_pct = -1;
		}
		v->seen = 1;
		snprintf(v->state, sizeof(v->state), "%s",
			 json_string_value(json_object_get(x, "State")) ?: "?");
		snprintf(v->health, sizeof(v->health), "%s",
			 cs.health ? cs.health : "");
		v->restarts = (int)cs.restarts;
		fill_ports(c, json_object_get(x, "Ports"), v->ports,
			   sizeof(v->ports));
		if (strcmp(v->state, "running")) {
			v->cpu_pct = -1;
			v->mem = 0;
		}
		pthread_mutex_unlock(&m->lock);
		if (!strcmp(json_string_value(json_object_get(x, "State")) ?: "",
			    "running")) {
			struct svc_view copy;

			pthread_mutex_lock(&m->lock);
			copy = *svc_of(m, id);
			pthread_mutex_unlock(&m->lock);
			attach(c, &copy, cs.started_at);
		}
		container_state_release(&cs);
	}
	pthread_mutex_lock(&m->lock);
	drop_unseen(m);
	pthread_mutex_unlock(&m->lock);
	json_decref(list);
}

static void
engine_lost(struct collector *c, const char *why)
{
	struct engine gone;
	int was_up;

	pthread_mutex_lock(&c->m->lock);
	c->m->engine_ok = 0;
	snprintf(c->m->engine_err, sizeof(c->m->engine_err), "%s", why);
	c->m->changed = 1;
	pthread_mutex_unlock(&c->m->lock);
	if (c->multi) {
		docker_multi_free(c->multi);
		c->multi = NULL;
	}
	while (c->nstreams)
		stream_free(c->streams[0]);
	pthread_mutex_lock(&c->elock);
	was_up = c->engine_up;
	gone = c->e;
	c->engine_up = 0;
	pthread_mutex_unlock(&c->elock);
	if (was_up)
		engine_close(&gone);
	c->next_retry = clock_now() + RETRY_S;
}

static void
engine_connect(struct collector *c)
{
	static const char *const kinds[] = {
		"create", "start", "restart", "die", "stop", "kill", "pause",
		"unpause", "destroy", "rename", "oom", "health_status", NULL,
	};
	struct engine e;
	struct stream *s;
	char *label, *path;

	c->next_retry = clock_now() + RETRY_S;
	if (engine_open(c->ws, &e) < 0) {
		char why[160];

		snprintf(why, sizeof(why), "%s", err_msg());
		engine_close(&e);
		engine_lost(c, why);
		return;
	}
	pthread_mutex_lock(&c->elock);
	c->e = e;
	c->engine_up = 1;
	pthread_mutex_unlock(&c->elock);
	c->multi = docker_multi_new(&c->e.d);
	s = stream_new(c, S_EVENTS, NULL, NULL, NULL);
	json_stream_init(&s->js, on_event, s);
	/* only what changes the table: a healthcheck's exec_create and
	 * exec_start every few seconds would re-read it all each time */
	label = xasprintf("%s=%s", LABEL_WORKSPACE, c->ws->name);
	path = docker_events_path(label, kinds);
	free(label);
	if (docker_multi_add(c->multi, path, feed_json, s) < 0)
		stream_free(s);
	free(path);
	pthread_mutex_lock(&c->m->lock);
	c->m->engine_ok = 1;
	c->m->engine_err[0] = '\0';
	c->m->changed = 1;
	pthread_mutex_unlock(&c->m->lock);
	read_containers(c);
}

static int
events_alive(struct collector *c)
{
	size_t i;

	for (i = 0; i < c->nstreams; i++)
		if (c->streams[i]->kind == S_EVENTS)
			return !docker_multi_failed(c->multi, c->streams[i]);
	return 0;
}

/* Wait for the streams' bytes, the stop pipe or the next thing due. */
static void
engine_wait(struct collector *c)
{
	double now = clock_now(), until = now + TICK_S;
	struct curl_waitfd w = { .fd = c->ewake[0], .events = CURL_WAIT_POLLIN };
	char buf[16];
	int timeout_ms;

	if (c->relist && c->next_relist < until)
		until = c->next_relist;
	if (!c->engine_up && c->next_retry < until)
		until = c->next_retry;
	if (c->engine_up && c->ws->stack.mode == STACK_SWARM &&
	    c->next_poll < until)
		until = c->next_poll;
	timeout_ms = until > now ? (int)((until - now) * 1000) + 1 : 0;
	if (c->multi) {
		if (docker_multi_poll(c->multi, &w, 1, timeout_ms) < 0)
			engine_lost(c, err_msg());
	} else {
		struct pollfd p = { .fd = c->ewake[0], .events = POLLIN };

		poll(&p, 1, timeout_ms);
	}
	while (read(c->ewake[0], buf, sizeof(buf)) > 0)
		;
}

static void *
engine_feed(void *arg)
{
	struct collector *c = arg;

	docker_cancel_on(&c->ev_stop);
	engine_connect(c);
	dash_wake(c);
	while (!c->ev_stop) {
		engine_wait(c);
		if (c->ev_stop)
			break;
		if (c->multi) {
			if (!events_alive(c)) {
				engine_lost(c, "lost the connection to the engine");
			} else {
				docker_multi_reap(c->multi, stream_free);
				if ((c->relist && clock_now() >= c->next_relist) ||
				    (c->ws->stack.mode == STACK_SWARM &&
				     clock_now() >= c->next_poll))
					read_containers(c);
			}
		}
		if (!c->engine_up && clock_now() >= c->next_retry)
			engine_connect(c);
		dash_wake(c);	/* the screen redraws only what changed */
	}
	return NULL;
}

void
dash_engine_start(struct collector *c)
{
	pthread_mutex_init(&c->elock, NULL);
	if (pipe(c->ewake) < 0)
		fatal("pipe: %s", strerror(errno));
	fcntl(c->ewake[0], F_SETFL, O_NONBLOCK);
	fcntl(c->ewake[1], F_SETFL, O_NONBLOCK);
	c->engine_running = pthread_create(&c->engine_thread, NULL,
					   engine_feed, c) == 0;
	if (!c->engine_running)
		engine_lost(c, "cannot start a thread for the engine");
}

/* After dash_vm_stop, which set ev_stop: the thread's calls end within a
 * second, then what it held is closed here. */
void
dash_engine_stop(struct collector *c)
{
	char b = 1;

	if (c->engine_running) {
		if (write(c->ewake[1], &b, 1) < 0 && errno != EAGAIN)
			(void)0;	/* it also looks at ev_stop each second */
		pthread_join(c->engine_thread, NULL);
		c->engine_running = 0;
	}
	engine_lost(c, "closed");
	close(c->ewake[0]);
	close(c->ewake[1]);
	pthread_mutex_destroy(&c->elock);
}

int
dash_engine_copy(struct collector *c, struct docker *to)
{
	int up;

	pthread_mutex_lock(&c->elock);
	up = c->engine_up;
	if (up)
		docker_copy(to, &c->e.d);
	pthread_mutex_unlock(&c->elock);
	return up ? 0 : -1;
}
