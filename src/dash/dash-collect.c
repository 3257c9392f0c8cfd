/* dash-collect.c: the dashboard's collector: it starts the feeds
 * (dash-feed-engine.c, dash-feed-vm.c), each on threads of its own that
 * wake the screen's loop when the model changed, and runs start/stop/
 * restart on threads it joins. Nothing here draws. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dash-collect.h"

void
dash_wake(struct collector *c)
{
	char b = 1;

	if (write(c->wake[1], &b, 1) < 0 && errno != EAGAIN)
		return;
}

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
	dash_wake(a->c);
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

	actions_join(c, 0);
	a = xcalloc(1, sizeof(*a));
	if (dash_engine_copy(c, &a->d) < 0) {
		dash_message(c->m, "no engine: cannot %s %s", action, container);
		free(a);
		return;
	}
	a->c = c;
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
		dash_vm_start(c);
	} else {
		snprintf(m->vm.state, sizeof(m->vm.state), "none");
	}
	dash_engine_start(c);
	return c;
}

void
collector_free(struct collector *c)
{
	if (!c)
		return;
	dash_vm_stop(c);
	dash_engine_stop(c);
	actions_join(c, 1);
	free(c->actions);
	strlist_release(&c->logged);
	free(c->streams);
	free(c->domain);
	close(c->wake[0]);
	close(c->wake[1]);
	free(c);
}

int
collector_poll(struct collector *c, const int *fds, int nfds, int *fds_ready,
	       int timeout_ms)
{
	struct pollfd p[8];
	char buf[64];
	int i, n = 0;

	for (i = 0; i < nfds && i < 7; i++) {
		p[n].fd = fds[i];
		p[n].events = POLLIN;
		p[n++].revents = 0;
	}
	p[n].fd = c->wake[0];
	p[n].events = POLLIN;
	p[n++].revents = 0;
	poll(p, (nfds_t)n, timeout_ms);
	for (i = 0; i < nfds && i < 7; i++)
		fds_ready[i] = (p[i].revents & POLLIN) != 0;
	while (read(c->wake[0], buf, sizeof(buf)) > 0)
		;
	return 0;
}
