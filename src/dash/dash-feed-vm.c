/* dash-feed-vm.c: the dashboard's feed from libvirt: lifecycle events on
 * libvirt's event loop thread, and the VM's state, CPU and memory once a
 * second on a thread of the feed's own. */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dash-collect.h"
#include "machine.h"

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
		dash_wake(c);
	}
	return 0;
}

/* The model's libvirt line: ok, or why not and what happens next. */
static void
libvirt_status(struct collector *c, int ok, const char *why)
{
	pthread_mutex_lock(&c->m->lock);
	c->m->vm.libvirt_ok = ok;
	snprintf(c->m->vm.libvirt_err, sizeof(c->m->vm.libvirt_err), "%s", why);
	c->m->changed = 1;
	pthread_mutex_unlock(&c->m->lock);
	dash_wake(c);
}

static void
on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct collector *c = opaque;

	(void)conn;
	(void)reason;
	c->vm_lost = 1;
	libvirt_status(c, 0, "lost the connection, reconnecting");
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
vm_drop(struct collector *c)
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
vm_connect(struct collector *c)
{
	struct vm_view *vv = &c->m->vm;
	int found, was_ok;
	char why[160];

	vm_drop(c);
	c->vm_lost = 0;
	pthread_mutex_lock(&c->m->lock);
	was_ok = vv->libvirt_ok;
	pthread_mutex_unlock(&c->m->lock);
	if (!was_ok) {	/* says where it is, should libvirt hang */
		snprintf(why, sizeof(why), "connecting to %s", c->ws->vm.uri);
		libvirt_status(c, 0, why);
	}
	if (vm_open_private(&c->v, c->ws->vm.uri) < 0) {
		snprintf(why, sizeof(why), "%s, reconnecting", err_msg());
		libvirt_status(c, 0, why);
		return;
	}
	virConnectRegisterCloseCallback(c->v.conn, on_close, c, NULL);
	/* a daemon that stops answering (not one that exits: that
	 * closes the socket) closes the connection in ~30 s, and with it
	 * any call that waits on it; virsh's figures */
	virConnectSetKeepAlive(c->v.conn, 5, 6);
	c->asked_period = 0;
	found = vm_domain_find_for(&c->v, c->domain, c->ws->dir, &c->dom);
	if (found > 0)
		c->lifecycle_cb = virConnectDomainEventRegisterAny(
			c->v.conn, c->dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
			VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), c, NULL);
	pthread_mutex_lock(&c->m->lock);
	vv->exists = found > 0;
	if (found <= 0)
		snprintf(vv->state, sizeof(vv->state), "not created");
	pthread_mutex_unlock(&c->m->lock);
	libvirt_status(c, 1, "");
}

/* The state file says what libvirt does not: accel, ports, start time. */
static void
vm_load_state(struct collector *c)
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

/*
 * The domain's state, CPU and memory. The state is read here as well as
 * from the lifecycle events: an event sent while the connection was
 * being made again is never delivered.
 */
static void
vm_sample(struct collector *c)
{
	virDomainInfo info;
	virDomainMemoryStatStruct ms[VIR_DOMAIN_MEMORY_STAT_NR];
	double now = clock_now();
	uint64_t total = 0, avail = 0, unused = 0;
	const char *state;
	int i, n, s;

	if (!c->dom)
		return;
	state = vm_domain_state(c->dom, &s);
	if (s == VIR_DOMAIN_NOSTATE) {	/* undefined since, or libvirt gone */
		c->vm_lost = 1;
		return;
	}
	/* first: the calls below take a job on the domain, and may wait
	 * for one a libvirtd just started holds while it reattaches */
	pthread_mutex_lock(&c->m->lock);
	snprintf(c->m->vm.state, sizeof(c->m->vm.state), "%s", state);
	c->m->changed = 1;
	pthread_mutex_unlock(&c->m->lock);
	dash_wake(c);
	if (virDomainGetInfo(c->dom, &info) < 0)
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
	/* the guest's memory figures, once a connection, also on a domain
	 * defined before the template asked for them */
	if (!total && s == VIR_DOMAIN_RUNNING && !c->asked_period) {
		c->asked_period = 1;
		virDomainSetMemoryStatsPeriod(c->dom, 2,
					      VIR_DOMAIN_AFFECT_LIVE);
	}
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

/*
 * The VM's feed, on a thread of its own: a libvirt call can take long (a
 * daemon restarting, a domain job held while it reattaches to QEMU), and
 * the engine's side and the screen must not wait for it. Once a tick it
 * connects again when the connection is lost or the domain not there yet,
 * then samples.
 */
static void *
vm_feed(void *arg)
{
	struct collector *c = arg;
	double next = 0;

	while (!c->ev_stop) {
		if (clock_now() < next) {
			usleep(50 * 1000);
			continue;
		}
		next = clock_now() + TICK_S;
		if (c->vm_lost || !c->dom ||
		    virConnectIsAlive(c->v.conn) != 1)
			vm_connect(c);
		vm_sample(c);
		dash_wake(c);
	}
	return NULL;
}

void
dash_vm_start(struct collector *c)
{
	/* libvirt's events need its event loop, registered before the
	 * connection opens, and run on a thread of its own */
	virEventRegisterDefaultImpl();
	virEventAddTimeout(500, tick_timer, NULL, NULL);
	vm_load_state(c);
	c->ev_running = pthread_create(&c->ev_thread, NULL, event_loop,
				       c) == 0;
	c->feed_running = c->ev_running &&
			  pthread_create(&c->feed_thread, NULL, vm_feed, c) == 0;
	if (!c->feed_running)
		libvirt_status(c, 0, "cannot start a thread for libvirt");
}

void
dash_vm_stop(struct collector *c)
{
	c->ev_stop = 1;
	if (c->feed_running)
		pthread_join(c->feed_thread, NULL);
	if (c->ev_running)
		pthread_join(c->ev_thread, NULL);
	c->feed_running = c->ev_running = 0;
	vm_drop(c);
}
