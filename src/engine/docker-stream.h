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

/*
 * A container's log as lines: the one reader of logs that 'logs', the
 * dashboard and bundles share. Fed the bytes of the stream that
 * docker_logs_path names, it demultiplexes the frames and cuts each
 * stream into lines, handed to on_line without their newline; a line
 * longer than LOG_LINE_CAP comes in pieces, so nothing an engine sends
 * grows memory without bound.
 */
#define LOG_LINE_CAP (64u << 10)

struct log_query {
	int follow;
	int timestamps;		/* each line starts "2026-...Z " */
	const char *tail;	/* "all", or how many lines */
	const char *since;	/* a UNIX time, or NULL */
};
/* GET this for a container's log. */
char *docker_logs_path(const char *id, const struct log_query *q);
/* A Swarm service's: every task's, wherever it runs, through the
 * manager; the same frames. */
char *docker_service_logs_path(const char *id, const struct log_query *q);

typedef int (*log_line_fn)(int stream, const char *line, size_t len,
			   void *arg);
struct log_lines {
	struct mux_stream mux;
	struct strbuf part[3];	/* a line cut across frames, per stream */
	log_line_fn on_line;
	void *arg;
};
void log_lines_init(struct log_lines *l, log_line_fn on_line, void *arg);
/* 0, or -1 when the frames are malformed or on_line said stop. */
int log_lines_feed(struct log_lines *l, const char *data, size_t len);
/* At the end: hand over the lines that had no newline; -1 when the
 * stream was cut inside a frame. */
int log_lines_finish(struct log_lines *l);
void log_lines_release(struct log_lines *l);

#endif
