/* test-stream.c: the JSON message stream and the stdout/stderr frame
 * demultiplexer, fed the same input split at every byte boundary. */

#include <stdlib.h>

#include "docker.h"
#include "tap.h"
#include "util.h"

struct seen {
	int messages;
	struct strbuf ids;
	struct strbuf out, err;
};

static int
on_message(json_t *msg, void *arg)
{
	struct seen *s = arg;
	const char *id = json_string_value(json_object_get(msg, "id"));

	s->messages++;
	sb_addstr(&s->ids, id ? id : "?");
	return 0;
}

static int
on_data(int stream, const char *data, size_t len, void *arg)
{
	struct seen *s = arg;

	sb_add(stream == MUX_STDERR ? &s->err : &s->out, data, len);
	return 0;
}

static void
seen_release(struct seen *s)
{
	sb_release(&s->ids);
	sb_release(&s->out);
	sb_release(&s->err);
	memset(s, 0, sizeof(*s));
}

/* Feed text in two pieces split at cut; returns feed+finish status. */
static int
json_split(const char *text, size_t len, size_t cut, struct seen *s,
	   char **error)
{
	struct json_stream js;
	int r;

	json_stream_init(&js, on_message, s);
	r = json_stream_feed(&js, text, cut);
	if (r == 0)
		r = json_stream_feed(&js, text + cut, len - cut);
	if (r == 0)
		r = json_stream_finish(&js);
	*error = js.error ? xstrdup(js.error) : NULL;
	json_stream_release(&js);
	return r;
}

static void
test_json(void)
{
	static const char good[] =
		"{\"status\":\"Pulling\",\"id\":\"a\"}\r\n"
		"{\"status\":\"Downloading\",\"id\":\"b\",\"progressDetail\":"
		"{\"current\":1,\"total\":2}}\n"
		"{\"id\":\"c\",\"text\":\"with } and \\\" inside\"}"
		"{\"id\":\"d\"}\n";
	static const char bad[] =
		"{\"stream\":\"Step 1/2\",\"id\":\"a\"}\n"
		"{\"errorDetail\":{\"message\":\"no such image\"},"
		"\"error\":\"no such image\"}\n"
		"{\"id\":\"never\"}\n";
	size_t cut, len = strlen(good);
	int all_ok = 1, errs_ok = 1;
	char *error;

	for (cut = 0; cut <= len; cut++) {
		struct seen s = { 0 };

		if (json_split(good, len, cut, &s, &error) != 0 ||
		    s.messages != 4 || strcmp(s.ids.buf, "abcd"))
			all_ok = 0;
		free(error);
		seen_release(&s);
	}
	ok(all_ok, "four messages, in order, however the bytes are split");

	len = strlen(bad);
	for (cut = 0; cut <= len; cut++) {
		struct seen s = { 0 };

		if (json_split(bad, len, cut, &s, &error) == 0 || !error ||
		    strcmp(error, "no such image") || strstr(s.ids.buf, "never"))
			errs_ok = 0;
		free(error);
		seen_release(&s);
	}
	ok(errs_ok, "an error inside a 200 stream is reported, and stops it");

	{
		struct seen s = { 0 };

		ok(json_split("{\"id\":\"a\"}{\"id\":", 16, 5, &s, &error) < 0 &&
		   error && strstr(error, "middle of a message"),
		   "a stream cut inside a message is an error");
		free(error);
		seen_release(&s);
		ok(json_split("{\"id\":\"a\"} ]oops", 16, 3, &s, &error) < 0,
		   "malformed JSON is an error");
		free(error);
		seen_release(&s);
	}
}

static size_t
frame(char *out, int stream, const char *payload)
{
	size_t n = strlen(payload);

	out[0] = (char)stream;
	out[1] = out[2] = out[3] = 0;
	out[4] = (char)(n >> 24);
	out[5] = (char)(n >> 16);
	out[6] = (char)(n >> 8);
	out[7] = (char)n;
	memcpy(out + 8, payload, n);
	return n + 8;
}

static void
test_mux(void)
{
	char buf[256];
	size_t len = 0, cut, cut2;
	int all_ok = 1;

	len += frame(buf + len, MUX_STDOUT, "hello ");
	len += frame(buf + len, MUX_STDERR, "oops\n");
	len += frame(buf + len, MUX_STDOUT, "");
	len += frame(buf + len, MUX_STDOUT, "world\n");
	/* three pieces: every pair of cut points */
	for (cut = 0; cut <= len; cut++) {
		for (cut2 = cut; cut2 <= len; cut2++) {
			struct mux_stream m;
			struct seen s = { 0 };

			mux_stream_init(&m, on_data, &s);
			if (mux_stream_feed(&m, buf, cut) < 0 ||
			    mux_stream_feed(&m, buf + cut, cut2 - cut) < 0 ||
			    mux_stream_feed(&m, buf + cut2, len - cut2) < 0 ||
			    mux_stream_finish(&m) < 0 ||
			    strcmp(s.out.buf, "hello world\n") ||
			    strcmp(s.err.buf, "oops\n"))
				all_ok = 0;
			seen_release(&s);
		}
	}
	ok(all_ok, "stdout and stderr apart, headers split anywhere");

	{
		struct mux_stream m;
		struct seen s = { 0 };

		mux_stream_init(&m, on_data, &s);
		ok(mux_stream_feed(&m, buf, 12) == 0 &&
		   mux_stream_finish(&m) < 0, "a stream cut inside a frame "
		   "is reported");
		mux_stream_init(&m, on_data, &s);
		ok(mux_stream_feed(&m, "\x07\0\0\0\0\0\0\1x", 9) < 0,
		   "a bad stream number is refused");
		seen_release(&s);
	}
}

int
main(void)
{
	test_json();
	test_mux();
	return done_testing();
}
