/* docker-stream.c: incremental parsers for the Engine API's JSON message
 * streams and its multiplexed stdout/stderr frames. */

#include <stdlib.h>
#include <string.h>

#include "docker-stream.h"

#define MESSAGE_CAP (8u << 20)	/* one message larger than this is refused */

void
json_stream_init(struct json_stream *js, int (*on_message)(json_t *, void *),
		 void *arg)
{
	memset(js, 0, sizeof(*js));
	sb_init(&js->buf, 0);
	js->buf.cap = MESSAGE_CAP;
	js->on_message = on_message;
	js->arg = arg;
}

void
json_stream_release(struct json_stream *js)
{
	sb_release(&js->buf);
	free(js->error);
	js->error = NULL;
}

static int
fail(struct json_stream *js, const char *why)
{
	js->failed = 1;
	free(js->error);
	js->error = xstrdup(why);
	return err_set("%s", why);
}

/* The daemon's error inside a message, if any. */
static const char *
message_error(json_t *msg)
{
	json_t *detail = json_object_get(msg, "errorDetail");
	const char *e = json_string_value(json_object_get(msg, "error"));

	if (!e && detail)
		e = json_string_value(json_object_get(detail, "message"));
	return e;
}

/* Parse every complete message at the front of the buffer. */
static int
drain(struct json_stream *js)
{
	size_t off = 0;

	while (off < js->buf.len) {
		json_error_t jerr;
		json_t *msg;
		const char *err;
		size_t used;

		while (off < js->buf.len && strchr(" \t\r\n", js->buf.buf[off]))
			off++;
		if (off == js->buf.len)
			break;
		msg = json_loadb(js->buf.buf + off, js->buf.len - off,
				 JSON_DISABLE_EOF_CHECK, &jerr);
		if (!msg) {
			/* an incomplete message: wait for more bytes */
			if (jerr.position >= (int)(js->buf.len - off))
				break;
			return fail(js, "the engine sent malformed JSON");
		}
		used = (size_t)jerr.position;
		off += used;
		if ((err = message_error(msg))) {
			fail(js, err);
			json_decref(msg);
			return -1;
		}
		if (js->on_message && js->on_message(msg, js->arg) < 0) {
			json_decref(msg);
			js->failed = 1;
			return -1;
		}
		json_decref(msg);
	}
	memmove(js->buf.buf, js->buf.buf + off, js->buf.len - off);
	js->buf.len -= off;
	js->buf.buf[js->buf.len] = '\0';
	return 0;
}

int
json_stream_feed(struct json_stream *js, const char *data, size_t len)
{
	if (js->failed)
		return -1;
	if (sb_add(&js->buf, data, len) < 0)
		return fail(js, "a message from the engine is too large");
	return drain(js);
}

int
json_stream_finish(struct json_stream *js)
{
	size_t i;

	if (js->failed)
		return -1;
	for (i = 0; i < js->buf.len; i++)
		if (!strchr(" \t\r\n", js->buf.buf[i]))
			return fail(js, "the engine's stream ended in the "
				    "middle of a message");
	return 0;
}

void
mux_stream_init(struct mux_stream *m,
		int (*on_data)(int, const char *, size_t, void *), void *arg)
{
	memset(m, 0, sizeof(*m));
	m->on_data = on_data;
	m->arg = arg;
}

int
mux_stream_feed(struct mux_stream *m, const char *data, size_t len)
{
	while (len) {
		size_t n;

		if (!m->left) {
			/* collect the 8-byte header, however it arrives */
			n = sizeof(m->head) - m->have_head;
			if (n > len)
				n = len;
			memcpy(m->head + m->have_head, data, n);
			m->have_head += n;
			data += n;
			len -= n;
			if (m->have_head < sizeof(m->head))
				return 0;
			m->have_head = 0;
			if (m->head[0] > MUX_STDERR || m->head[1] || m->head[2] ||
			    m->head[3])
				return err_set("malformed frame header from "
					       "the engine");
			m->stream = m->head[0];
			m->left = (size_t)m->head[4] << 24 |
				  (size_t)m->head[5] << 16 |
				  (size_t)m->head[6] << 8 | m->head[7];
			continue;
		}
		n = m->left < len ? m->left : len;
		if (m->on_data && m->on_data(m->stream, data, n, m->arg) < 0)
			return -1;
		m->left -= n;
		data += n;
		len -= n;
	}
	return 0;
}

int
mux_stream_finish(const struct mux_stream *m)
{
	if (m->left || m->have_head)
		return err_set("the engine's stream ended inside a frame");
	return 0;
}
