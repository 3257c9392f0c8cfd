/* dash-collect.c: the dashboard's collectors. From the engine: the events
 * stream (what changed), a log stream and a stats stream per running
 * container, all on one curl multi handle. From libvirt: lifecycle events
 * on a thread of their own, and the VM's CPU and memory once a second.
 * Lost connections are said in the model and retried every two seconds.
 * Nothing here draws. */

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dash.h"
#include "docker-stream.h"
#include "stack.h"
#include "state.h"
#include "vm.h"

#define RETRY_S 2.0
#define TICK_S 1.0
#define INITIAL_TAIL "200"

enum stream_kind { S_EVENTS, S_LOGS, S_STATS };

struct stream {
	struct collector *c;
	enum stream_kind kind;
	char *id;		/* the container */
	char *service, *prefix;
	struct log_lines lines;	/* S_LOGS */
	struct json_stream js;	/* the others */
};

struct collector {
	struct dash_model *m;
	const struct ws *ws;
	struct engine e;
	int engine_up;
	struct docker_multi *multi;
	struct stream **streams;
	size_t nstreams, alloc;
	struct strlist logged;	/* containers whose logs were shown once */
	int relist;
	double next_relist, next_retry, next_tick;
	int wake[2];		/* threads say "look at the model" here */
	/* libvirt */
	char *domain;
	struct vm_conn v;
	virDomainPtr dom;
	int lifecycle_cb;
	pthread_t ev_thread;
	volatile int ev_stop;
	int ev_running;
	unsigned long long last_cpu;
	double last_cpu_at;
	/* start, stop, restart: each on a thread, joined before the
	 * collector goes (they report into the model) */
	struct action **actions;
	size_t nactions, actions_alloc;
};

static void
wake(struct collector *c)
{
	char b = 1;

	if (write(c->wake[1], &b, 1) < 0 && errno != EAGAIN)
		return;
}

/* ---- the engine ---- */

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
		path = xasprintf("/containers/%s/stats?stream=1", v->id);
		if (docker_multi_add(c->multi, path, feed_json, s) < 0)
			stream_free(s);
		free(path);
	}
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
		used += (size_t)snprintf(out + used, used < len ? len - used : 0,
					 "%s%s:%lld->%lld", used ? " " : "",
					 c->e.place == ENGINE_VM_FORWARDED || !ip || !strcmp(ip, "0.0.0.0")
					 ? "127.0.0.1" : ip, (long long)pub,
					 (long long)json_integer_value(json_object_get(
						 p, "PrivatePort")));
		if (used >= len)
			break;
	}
}

/* Read the workspace's containers back into the model, and follow the
 * running ones. */
static void
relist(struct collector *c)
{
	struct dash_model *m = c->m;
	json_t *list = NULL, *x;
	size_t i, k;

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
	/* gone from the engine: gone from the table */
	pthread_mutex_lock(&m->lock);
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
	pthread_mutex_unlock(&m->lock);
	json_decref(list);
}

static void
engine_lost(struct collector *c, const char *why)
{
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
	if (c->engine_up)
		engine_close(&c->e);
	c->engine_up = 0;
	c->next_retry = clock_now() + RETRY_S;
}

static void
engine_connect(struct collector *c)
{
	struct stream *s;
	char *f, *q, *path;

	c->next_retry = clock_now() + RETRY_S;
	if (engine_open(c->ws, &c->e) < 0) {
		char why[160];

		snprintf(why, sizeof(why), "%s", err_msg());
		engine_close(&c->e);
		engine_lost(c, why);
		return;
	}
	c->engine_up = 1;
	c->multi = docker_multi_new(&c->e.d);
	s = stream_new(c, S_EVENTS, NULL, NULL, NULL);
	json_stream_init(&s->js, on_event, s);
	/* only what changes the table: a healthcheck's exec_create and
	 * exec_start every few seconds would re-read it all each time */
	f = xasprintf("{\"type\":[\"container\"],\"label\":[\"%s=%s\"],"
		      "\"event\":[\"create\",\"start\",\"restart\",\"die\","
		      "\"stop\",\"kill\",\"pause\",\"unpause\",\"destroy\","
		      "\"rename\",\"oom\",\"health_status\"]}",
		      LABEL_WORKSPACE, c->ws->name);
	q = url_escape(f);
	path = xasprintf("/events?filters=%s", q);
	if (docker_multi_add(c->multi, path, feed_json, s) < 0)
		stream_free(s);
	free(path);
	free(q);
	free(f);
	pthread_mutex_lock(&c->m->lock);
	c->m->engine_ok = 1;
	c->m->engine_err[0] = '\0';
	c->m->changed = 1;
	pthread_mutex_unlock(&c->m->lock);
	relist(c);
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

/* ---- libvirt ---- */

static const char *
lifecycle_state(int event)
{
	switch (event) {
	case VIR_DOMAIN_EVENT_STARTED:
	case VIR_DOMAIN_EVENT_RESUMED:
		return "running";
	case VIR_DOMAIN_EVENT_SUSPENDED:
		return "paused";
	case VIR_DOMAIN_EVENT_STOPPED:
	case VIR_DOMAIN_EVENT_SHUTDOWN:
		return "shut off";
	case VIR_DOMAIN_EVENT_UNDEFINED:
		return "undefined";
	case VIR_DOMAIN_EVENT_CRASHED:
		return "crashed";
	}
	return NULL;
}

static int
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail,
	     void *opaque)
{
	struct collector *c = opaque;
	const char *st = lifecycle_state(event);

	(void)conn;
	(void)dom;
	(void)detail;
	if (st) {
		pthread_mutex_lock(&c->m->lock);
		snprintf(c->m->vm.state, sizeof(c->m->vm.state), "%s", st);
		if (event == VIR_DOMAIN_EVENT_STARTED)
			c->m->vm.started = time(NULL);
		c->m->changed = 1;
		pthread_mutex_unlock(&c->m->lock);
		wake(c);
	}
	return 0;
}

static void
on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct collector *c = opaque;

	(void)conn;
	(void)reason;
	pthread_mutex_lock(&c->m->lock);
	c->m->vm.libvirt_ok = 0;
	snprintf(c->m->vm.libvirt_err, sizeof(c->m->vm.libvirt_err),
		 "lost the connection to libvirt");
	c->m->changed = 1;
	pthread_mutex_unlock(&c->m->lock);
	wake(c);
}

static void
tick_timer(int timer, void *opaque)
{
	(void)timer;
	(void)opaque;	/* only wakes the event loop to look at ev_stop */
}

static void *
event_loop(void *arg)
{
	struct collector *c = arg;

	while (!c->ev_stop)
		if (virEventRunDefaultImpl() < 0)
			break;
	return NULL;
}

static void
libvirt_drop(struct collector *c)
{
	if (c->v.conn) {
		if (c->lifecycle_cb >= 0)
			virConnectDomainEventDeregisterAny(c->v.conn,
							   c->lifecycle_cb);
		virConnectUnregisterCloseCallback(c->v.conn, on_close);
	}
	c->lifecycle_cb = -1;
	if (c->dom)
		virDomainFree(c->dom);
	c->dom = NULL;
	vm_close(&c->v);
}

static void
libvirt_connect(struct collector *c)
{
	struct vm_view *vv = &c->m->vm;
	int state = 0, found;
	char why[160] = "";

	libvirt_drop(c);
	if (vm_open_private(&c->v, c->ws->vm.uri) < 0) {
		snprintf(why, sizeof(why), "%s", err_msg());
	} else {
		virConnectRegisterCloseCallback(c->v.conn, on_close, c, NULL);
		found = vm_domain_find_for(&c->v, c->domain, c->ws->dir, &c->dom);
		if (found > 0) {
			vm_domain_state(c->dom, &state);
			/* the guest's memory figures, also on a domain
			 * defined before the template asked for them */
			virDomainSetMemoryStatsPeriod(c->dom, 2,
						      VIR_DOMAIN_AFFECT_LIVE);
			c->lifecycle_cb = virConnectDomainEventRegisterAny(
				c->v.conn, c->dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
				VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), c, NULL);
		}
		pthread_mutex_lock(&c->m->lock);
		vv->exists = found > 0;
		snprintf(vv->state, sizeof(vv->state), "%s", found > 0
			 ? vm_domain_state(c->dom, &state) : "not created");
		pthread_mutex_unlock(&c->m->lock);
	}
	pthread_mutex_lock(&c->m->lock);
	vv->libvirt_ok = !why[0];
	snprintf(vv->libvirt_err, sizeof(vv->libvirt_err), "%s", why);
	c->m->changed = 1;
	pthread_mutex_unlock(&c->m->lock);
}

/* The state file says what libvirt does not: accel, ports, start time. */
static void
load_state(struct collector *c)
{
	struct ws_state st;
	struct vm_view *vv = &c->m->vm;
	struct tm tm = { 0 };

	if (state_load(c->ws, &st) < 0)
		return;
	free(c->domain);
	c->domain = xstrdup(st.domain);
	pthread_mutex_lock(&c->m->lock);
	snprintf(vv->accel, sizeof(vv->accel), "%s", st.accel ? st.accel : "?");
	if (st.ssh_port)
		snprintf(vv->ports, sizeof(vv->ports), "ssh %s:%d  docker %s:%d",
			 st.ssh_host ? st.ssh_host : "127.0.0.1", st.ssh_port,
			 st.ssh_host ? st.ssh_host : "127.0.0.1", st.docker_port);
	if (st.started_at && strptime(st.started_at, "%Y-%m-%dT%H:%M:%SZ", &tm))
		vv->started = timegm(&tm);
	pthread_mutex_unlock(&c->m->lock);
	state_release(&st);
}

static void
vm_sample(struct collector *c)
{
	virDomainInfo info;
	virDomainMemoryStatStruct ms[VIR_DOMAIN_MEMORY_STAT_NR];
	double now = clock_now();
	uint64_t total = 0, avail = 0, unused = 0;
	int i, n;

	if (!c->dom || virDomainGetInfo(c->dom, &info) < 0)
		return;
	/* the guest's own view, from the balloon driver's statistics
	 * (MemTotal, MemAvailable, MemFree): QEMU's RSS on the host holds
	 * its translation cache too, and can exceed the guest's memory */
	n = virDomainMemoryStats(c->dom, ms, VIR_DOMAIN_MEMORY_STAT_NR, 0);
	for (i = 0; i < n; i++) {
		if (ms[i].tag == VIR_DOMAIN_MEMORY_STAT_AVAILABLE)
			total = ms[i].val * 1024;
		else if (ms[i].tag == VIR_DOMAIN_MEMORY_STAT_USABLE)
			avail = ms[i].val * 1024;
		else if (ms[i].tag == VIR_DOMAIN_MEMORY_STAT_UNUSED)
			unused = ms[i].val * 1024;
	}
	if (!avail)
		avail = unused;
	pthread_mutex_lock(&c->m->lock);
	if (c->last_cpu_at > 0 && info.cpuTime >= c->last_cpu &&
	    info.nrVirtCpu)
		c->m->vm.cpu_pct = (double)(info.cpuTime - c->last_cpu) / 1e9 /
				   (now - c->last_cpu_at) / info.nrVirtCpu * 100;
	/* 0 until the guest reports: the screen shows "-" then */
	c->m->vm.mem_used = total > avail ? total - avail : 0;
	c->m->vm.mem_max = total ? total : (uint64_t)info.maxMem * 1024;
	c->m->changed = 1;
	pthread_mutex_unlock(&c->m->lock);
	c->last_cpu = info.cpuTime;
	c->last_cpu_at = now;
}

/* ---- the collector ---- */

struct action {
	struct collector *c;
	struct docker d;
	char *container, *action;
	pthread_t thread;
	volatile int done;	/* set last: the thread only returns after */
};

static void *
action_thread(void *arg)
{
	struct action *a = arg;
	int r = docker_container_action(&a->d, a->container, a->action);

	if (r < 0)
		dash_message(a->c->m, "%s %s failed: %s", a->action, a->container,
			     err_msg());
	else
		dash_message(a->c->m, "%s %s: done", a->action, a->container);
	wake(a->c);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
action_free(struct action *a)
{
	docker_close(&a->d);
	free(a->container);
	free(a->action);
	free(a);
}

/* Join the actions that are done, or all of them (the last waits out a
 * stop's grace period, but never leaves a thread behind). */
static void
actions_join(struct collector *c, int all)
{
	size_t i, k;

	for (i = k = 0; i < c->nactions; i++) {
		struct action *a = c->actions[i];

		if (all || __atomic_load_n(&a->done, __ATOMIC_ACQUIRE)) {
			pthread_join(a->thread, NULL);
			action_free(a);
		} else {
			c->actions[k++] = a;
		}
	}
	c->nactions = k;
}

void
collector_action(struct collector *c, const char *container,
		 const char *action)
{
	struct action *a;

	if (!c->engine_up) {
		dash_message(c->m, "no engine: cannot %s %s", action, container);
		return;
	}
	actions_join(c, 0);
	a = xcalloc(1, sizeof(*a));
	a->c = c;
	docker_copy(&a->d, &c->e.d);
	a->container = xstrdup(container);
	a->action = xstrdup(action);
	dash_message(c->m, "%s %s...", action, container);
	/* a stop can take the container's whole grace period: not here */
	if (pthread_create(&a->thread, NULL, action_thread, a) == 0) {
		ALLOC_GROW(c->actions, c->nactions + 1, c->actions_alloc);
		c->actions[c->nactions++] = a;
	} else {
		action_thread(a);
		action_free(a);
	}
}

struct collector *
collector_new(struct dash_model *m, const struct ws *ws)
{
	struct collector *c = xcalloc(1, sizeof(*c));

	c->m = m;
	c->ws = ws;
	c->lifecycle_cb = -1;
	if (pipe(c->wake) < 0)
		fatal("pipe: %s", strerror(errno));
	fcntl(c->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(c->wake[1], F_SETFL, O_NONBLOCK);
	if (!ws->docker.host) {
		/* libvirt's events need its event loop, registered before
		 * the connection opens, and run on a thread of its own */
		virEventRegisterDefaultImpl();
		virEventAddTimeout(500, tick_timer, NULL, NULL);
		load_state(c);
		libvirt_connect(c);
		c->ev_running = pthread_create(&c->ev_thread, NULL, event_loop,
					       c) == 0;
	} else {
		snprintf(m->vm.state, sizeof(m->vm.state), "none");
	}
	engine_connect(c);
	return c;
}

void
collector_free(struct collector *c)
{
	if (!c)
		return;
	if (c->ev_running) {
		c->ev_stop = 1;
		pthread_join(c->ev_thread, NULL);
	}
	actions_join(c, 1);
	free(c->actions);
	libvirt_drop(c);
	engine_lost(c, "closed");
	strlist_release(&c->logged);
	free(c->streams);
	free(c->domain);
	close(c->wake[0]);
	close(c->wake[1]);
	free(c);
}

struct engine *
collector_engine(struct collector *c)
{
	return c->engine_up ? &c->e : NULL;
}

int
collector_poll(struct collector *c, const int *fds, int nfds, int *fds_ready,
	       int timeout_ms)
{
	struct curl_waitfd w[8];
	double now = clock_now(), until = c->next_tick;
	char buf[64];
	int i, n = 0;

	if (c->relist && c->next_relist < until)
		until = c->next_relist;
	if (!c->engine_up && c->next_retry < until)
		until = c->next_retry;
	if ((until - now) * 1000 < timeout_ms)
		timeout_ms = until > now ? (int)((until - now) * 1000) + 1 : 0;
	for (i = 0; i < nfds && i < 7; i++) {
		w[n].fd = fds[i];
		w[n].events = CURL_WAIT_POLLIN;
		w[n++].revents = 0;
	}
	w[n].fd = c->wake[0];
	w[n].events = CURL_WAIT_POLLIN;
	w[n++].revents = 0;
	if (c->multi) {
		if (docker_multi_poll(c->multi, w, (unsigned)n, timeout_ms) < 0)
			engine_lost(c, err_msg());
	} else {
		struct pollfd p[8];

		for (i = 0; i < n; i++) {
			p[i].fd = w[i].fd;
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		poll(p, (nfds_t)n, timeout_ms);
		for (i = 0; i < n; i++)
			w[i].revents = p[i].revents & POLLIN ? CURL_WAIT_POLLIN : 0;
	}
	for (i = 0; i < nfds && i < 7; i++)
		fds_ready[i] = (w[i].revents & CURL_WAIT_POLLIN) != 0;
	while (read(c->wake[0], buf, sizeof(buf)) > 0)
		;
	now = clock_now();
	if (c->multi) {
		if (!events_alive(c)) {
			engine_lost(c, "lost the connection to the engine");
		} else {
			docker_multi_reap(c->multi, stream_free);
			if (c->relist && now >= c->next_relist)
				relist(c);
		}
	}
	if (!c->engine_up && now >= c->next_retry)
		engine_connect(c);
	if (now >= c->next_tick) {
		c->next_tick = now + TICK_S;
		if (!c->ws->docker.host) {
			int ok;

			pthread_mutex_lock(&c->m->lock);
			ok = c->m->vm.libvirt_ok;
			pthread_mutex_unlock(&c->m->lock);
			if (!ok)
				libvirt_connect(c);
			else if (!c->dom)
				libvirt_connect(c);	/* made since */
			vm_sample(c);
		}
	}
	return 0;
}
