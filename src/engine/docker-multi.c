/* docker-multi.c: several Engine API streams at once (logs of many
 * containers, events) on one curl multi handle, polled together with the
 * caller's own file descriptors (a terminal), without busy-polling. */

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"

struct docker_stream_slot {
	CURL *easy;
	char *url;
	int (*sink)(const char *, size_t, void *);
	void *arg;
	int done;
	int failed;
	int queued;	/* added from a callback: joins after the poll */
};

struct docker_multi {
	struct docker *d;
	CURLM *multi;
	struct docker_stream_slot **slots;
	size_t n, alloc;
	int polling;	/* inside curl: adding a transfer must wait */
	int idle_s;	/* 0: streams may be quiet for ever */
};

static size_t
on_bytes(char *data, size_t size, size_t n, void *arg)
{
	struct docker_stream_slot *s = arg;
	size_t len = size * n;

	if (s->sink(data, len, s->arg) < 0) {
		s->failed = 1;
		return 0;
	}
	return len;
}

struct docker_multi *
docker_multi_new(struct docker *d)
{
	struct docker_multi *m = xcalloc(1, sizeof(*m));

	m->d = d;
	if (!(m->multi = curl_multi_init()))
		fatal("cannot start libcurl's multi interface");
	return m;
}

int
docker_multi_add(struct docker_multi *m, const char *path,
		 int (*sink)(const char *, size_t, void *), void *arg)
{
	struct docker_stream_slot *s = xcalloc(1, sizeof(*s));

	s->url = xasprintf("%s/v%s%s", m->d->base, m->d->api, path);
	s->sink = sink;
	s->arg = arg;
	s->easy = docker_easy(m->d, s->url);
	/* a followed log or event stream is quiet while nothing happens */
	curl_easy_setopt(s->easy, CURLOPT_LOW_SPEED_TIME, (long)m->idle_s);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_bytes);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	curl_easy_setopt(s->easy, CURLOPT_FAILONERROR, 1L);
	/* a sink may add a stream (a log to follow once an event says so);
	 * curl refuses that from inside its callbacks, so it waits */
	if (m->polling)
		s->queued = 1;
	else if (curl_multi_add_handle(m->multi, s->easy) != CURLM_OK) {
		curl_easy_cleanup(s->easy);
		free(s->url);
		free(s);
		return err_set("cannot add the stream %s", path);
	}
	ALLOC_GROW(m->slots, m->n + 1, m->alloc);
	m->slots[m->n++] = s;
	return 0;
}

void
docker_multi_set_idle(struct docker_multi *m, int seconds)
{
	m->idle_s = seconds;
}

int
docker_multi_poll(struct docker_multi *m, struct curl_waitfd *extra,
		  unsigned nextra, int timeout_ms)
{
	int running = 0, left, ok;
	size_t i;
	CURLMsg *msg;

	m->polling = 1;
	ok = curl_multi_perform(m->multi, &running) == CURLM_OK &&
	     curl_multi_poll(m->multi, extra, nextra, timeout_ms, NULL) ==
	     CURLM_OK &&
	     curl_multi_perform(m->multi, &running) == CURLM_OK;
	m->polling = 0;
	for (i = 0; i < m->n; i++)
		if (m->slots[i]->queued) {
			m->slots[i]->queued = 0;
			if (curl_multi_add_handle(m->multi, m->slots[i]->easy) !=
			    CURLM_OK)
				m->slots[i]->done = m->slots[i]->failed = 1;
			else
				running++;
		}
	if (!ok)
		return err_set("the Docker streams failed");
	while ((msg = curl_multi_info_read(m->multi, &left))) {
		struct docker_stream_slot *s = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		if (s) {
			s->done = 1;
			if (msg->data.result != CURLE_OK)
				s->failed = 1;
		}
	}
	return running;
}

void
docker_multi_reap(struct docker_multi *m, void (*release)(void *arg))
{
	size_t i, k = 0;

	for (i = 0; i < m->n; i++) {
		struct docker_stream_slot *s = m->slots[i];

		if (!s->done) {
			m->slots[k++] = s;
			continue;
		}
		curl_multi_remove_handle(m->multi, s->easy);
		curl_easy_cleanup(s->easy);
		if (release)
			release(s->arg);
		free(s->url);
		free(s);
	}
	m->n = k;
}

int
docker_multi_failed(const struct docker_multi *m, void *arg)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->slots[i]->arg == arg)
			return m->slots[i]->done ? 1 + m->slots[i]->failed : 0;
	return 1;	/* reaped: it ended */
}

size_t
docker_multi_active(const struct docker_multi *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->n; i++)
		n += !m->slots[i]->done;
	return n;
}

void
docker_multi_free(struct docker_multi *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		curl_multi_remove_handle(m->multi, m->slots[i]->easy);
		curl_easy_cleanup(m->slots[i]->easy);
		free(m->slots[i]->url);
		free(m->slots[i]);
	}
	free(m->slots);
	curl_multi_cleanup(m->multi);
	free(m);
}
