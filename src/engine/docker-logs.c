/* docker-logs.c: a container's log as lines, for every reader of logs:
 * the path to ask for, and the frames cut into bounded lines. */

#include <string.h>

#include "docker-stream.h"

static char *
logs_path(const char *kind, const char *id, const struct log_query *q)
{
	return xasprintf("/%s/%s/logs?stdout=1&stderr=1&follow=%d"
			 "&timestamps=%d&tail=%s%s%s", kind, id, q->follow,
			 q->timestamps, q->tail ? q->tail : "all",
			 q->since ? "&since=" : "", q->since ? q->since : "");
}

char *
docker_logs_path(const char *id, const struct log_query *q)
{
	return logs_path("containers", id, q);
}

char *
docker_service_logs_path(const char *id, const struct log_query *q)
{
	return logs_path("services", id, q);
}

static int
on_frame(int stream, const char *data, size_t len, void *arg)
{
	struct log_lines *l = arg;
	struct strbuf *part = &l->part[stream == MUX_STDERR ? 2 : 1];
	const char *nl;

	while (len && (nl = memchr(data, '\n', len))) {
		size_t n = (size_t)(nl - data);
		int r;

		if (part->len) {
			sb_add(part, data, n);
			r = l->on_line(stream, part->buf, part->len, l->arg);
			sb_reset(part);
		} else {
			r = l->on_line(stream, data, n, l->arg);
		}
		if (r < 0)
			return -1;
		len -= n + 1;
		data = nl + 1;
	}
	while (len) {	/* a line that never ends goes out in pieces */
		size_t n = LOG_LINE_CAP - part->len < len
			   ? LOG_LINE_CAP - part->len : len;

		sb_add(part, data, n);
		data += n;
		len -= n;
		if (part->len == LOG_LINE_CAP) {
			int r = l->on_line(stream, part->buf, part->len, l->arg);

			sb_reset(part);
			if (r < 0)
				return -1;
		}
	}
	return 0;
}

void
log_lines_init(struct log_lines *l, log_line_fn on_line, void *arg)
{
	memset(l, 0, sizeof(*l));
	mux_stream_init(&l->mux, on_frame, l);
	sb_init(&l->part[1], 0);
	sb_init(&l->part[2], 0);
	l->on_line = on_line;
	l->arg = arg;
}

int
log_lines_feed(struct log_lines *l, const char *data, size_t len)
{
	return mux_stream_feed(&l->mux, data, len);
}

int
log_lines_finish(struct log_lines *l)
{
	int k, ret = mux_stream_finish(&l->mux);

	for (k = 1; k <= 2; k++)
		if (l->part[k].len) {
			l->on_line(k, l->part[k].buf, l->part[k].len, l->arg);
			sb_reset(&l->part[k]);
		}
	return ret;
}

void
log_lines_release(struct log_lines *l)
{
	sb_release(&l->part[1]);
	sb_release(&l->part[2]);
}
