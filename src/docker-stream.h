/* docker-stream.h: the two stream formats of the Engine API, parsed
 * incrementally so that any split across network reads is fine. */

#ifndef BERTH_DOCKER_STREAM_H
#define BERTH_DOCKER_STREAM_H

#include <jansson.h>
#include <stddef.h>

#include "util.h"

/*
 * Concatenated JSON messages (pull, build, load, events): each complete
 * object goes to on_message; an object with "error" or "errorDetail"
 * arrives inside a 200 answer and fails the stream with its text.
 */
struct json_stream {
	struct strbuf buf;
	int (*on_message)(json_t *msg, void *arg);	/* <0 stops */
	void *arg;
	int failed;
	char *error;		/* the daemon's error, when failed */
};

void json_stream_init(struct json_stream *js,
		      int (*on_message)(json_t *, void *), void *arg);
/* Feed bytes; returns 0, or -1 once the stream carried an error. */
int json_stream_feed(struct json_stream *js, const char *data, size_t len);
/* End of stream: a partial message left over is an error. */
int json_stream_finish(struct json_stream *js);
void json_stream_release(struct json_stream *js);

/*
 * Multiplexed stdout/stderr (logs, attach, exec without a TTY): frames of
 * an 8-byte header [stream, 0, 0, 0, size32be] then size bytes. The
 * header itself may arrive split across reads.
 */
enum { MUX_STDIN = 0, MUX_STDOUT = 1, MUX_STDERR = 2 };

struct mux_stream {
	unsigned char head[8];
	size_t have_head;	/* bytes of the header seen */
	size_t left;		/* payload bytes left in this frame */
	int stream;
	int (*on_data)(int stream, const char *data, size_t len, void *arg);
	void *arg;
};

void mux_stream_init(struct mux_stream *m,
		     int (*on_data)(int, const char *, size_t, void *),
		     void *arg);
/* Feed bytes; returns 0, or -1 on a malformed header. */
int mux_stream_feed(struct mux_stream *m, const char *data, size_t len);
/* At the end of the stream: is a frame cut short? */
int mux_stream_finish(const struct mux_stream *m);

#endif
