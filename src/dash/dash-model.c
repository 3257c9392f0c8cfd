/* dash-model.c: the dashboard's model and its bounded log ring, where the
 * oldest lines drop first. */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dash.h"

void
dash_model_init(struct dash_model *m, const struct ws *ws)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->workspace = xstrdup(ws->name);
	m->engine = xstrdup(ws->docker.host ? ws->docker.host : "the VM");
	m->changed = 1;
}

static void
line_release(struct log_line *l)
{
	free(l->service);
	free(l->prefix);
	free(l->text);
	memset(l, 0, sizeof(*l));
}

void
dash_model_release(struct dash_model *m)
{
	size_t i;

	for (i = 0; i < m->nsvcs; i++) {
		free(m->svcs[i].container);
		free(m->svcs[i].service);
	}
	free(m->svcs);
	for (i = 0; i < LOG_RING_LINES; i++)
		line_release(&m->logs.v[i]);
	free(m->workspace);
	free(m->engine);
	pthread_mutex_destroy(&m->lock);
}

void
log_ring_add(struct log_ring *r, const char *service, const char *prefix,
	     const char *text, size_t len)
{
	struct log_line *l;
	size_t i;

	if (r->n < LOG_RING_LINES) {
		l = &r->v[(r->start + r->n++) % LOG_RING_LINES];
	} else {
		l = &r->v[r->start];
		r->start = (r->start + 1) % LOG_RING_LINES;
		line_release(l);
	}
	l->service = xstrdup(service);
	l->prefix = xstrdup(prefix);
	l->text = xstrndup(text, len);
	/* a terminal's control bytes would wreck the screen */
	for (i = 0; l->text[i]; i++)
		if ((unsigned char)l->text[i] < 0x20 && l->text[i] != '\t')
			l->text[i] = ' ';
	l->seq = ++r->total;
}

const struct log_line *
log_ring_get(const struct log_ring *r, size_t i)
{
	return i < r->n ? &r->v[(r->start + i) % LOG_RING_LINES] : NULL;
}

void
dash_message(struct dash_model *m, const char *fmt, ...)
{
	char buf[sizeof(m->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* action threads say how it went, too */
	pthread_mutex_lock(&m->lock);
	memcpy(m->message, buf, sizeof(buf));
	m->changed = 1;
	pthread_mutex_unlock(&m->lock);
}
