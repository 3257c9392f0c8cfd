/* dash-collect.h: inside the dashboard's collector, shared by its three
 * parts: the engine's streams (dash-feed-engine.c), libvirt's events and
 * samples (dash-feed-vm.c), and the collector that polls them and runs
 * the actions (dash-collect.c). Nothing else includes it. */

#ifndef BERTH_DASH_COLLECT_H
#define BERTH_DASH_COLLECT_H

#include <libvirt/libvirt.h>
#include <pthread.h>

#include "dash.h"
#include "docker.h"
#include "stack.h"
#include "machine.h"

#define RETRY_S 2.0
#define TICK_S 1.0
#define TASKS_POLL_S 2.0	/* a Swarm's tasks, read through its manager */
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
	/* the engine's side, on a thread of its own: a call to an engine
	 * that stalls (a paused VM) must not stop the screen */
	struct engine e;
	int engine_up;		/* e is open: changed under elock */
	pthread_mutex_t elock;	/* e and engine_up, for the actions */
	struct docker_multi *multi;
	struct stream **streams;
	size_t nstreams, alloc;
	struct strlist logged;	/* containers whose logs were shown once */
	int relist;
	double next_relist, next_retry, next_poll;
	pthread_t engine_thread;
	int engine_running;
	int ewake[2];		/* the engine's thread is told to stop here */
	int wake[2];		/* threads say "look at the model" here */
	/* libvirt */
	char *domain;
	struct vm_conn v;
	virDomainPtr dom;
	int lifecycle_cb;
	pthread_t ev_thread, feed_thread;
	volatile int ev_stop;	/* both threads end */
	volatile int vm_lost;	/* the feed connects again */
	int asked_period;	/* for memory statistics, on this connection */
	int ev_running, feed_running;
	unsigned long long last_cpu;
	double last_cpu_at;
	/* start, stop, restart: each on a thread, joined before the
	 * collector goes (they report into the model) */
	struct action **actions;
	size_t nactions, actions_alloc;
};

/* Tell the poll loop to look at the model (from any thread). */
void dash_wake(struct collector *c);

/* The engine, on its thread: connect (events first), lose it and connect
 * again every RETRY_S, re-read the containers and follow the running
 * ones' logs and stats. Stop ends its calls within a second. */
void dash_engine_start(struct collector *c);
void dash_engine_stop(struct collector *c);
/* A handle on the engine for another thread: 0, or -1 with none open. */
int dash_engine_copy(struct collector *c, struct docker *to);

/* libvirt: its event loop and the VM's feed, each on a thread: the
 * domain's lifecycle, and its state, CPU and memory a tick. */
void dash_vm_start(struct collector *c);
void dash_vm_stop(struct collector *c);

#endif
