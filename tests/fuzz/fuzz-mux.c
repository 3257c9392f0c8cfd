/* fuzz-mux.c: the log frame demultiplexer (logs, attach, exec without a
 * TTY), and the log reader that cuts its frames into lines (logs, dash,
 * bundles), split across reads at every size. */

#include <string.h>

#include "docker.h"
#include "fuzz.h"
#include "util.h"

struct seen {
	size_t bytes;
};

static int
count_payload(int stream, const char *data, size_t len, void *arg)
{
	struct seen *s = arg;
	volatile char ends;

	if (stream < MUX_STDIN || stream > MUX_STDERR || !len)
		__builtin_trap();
	ends = data[0];		/* touch both ends: ASan checks the span */
	ends = data[len - 1];
	(void)ends;
	s->bytes += len;
	return 0;
}

static int
feed(void *m, const char *data, size_t len)
{
	return mux_stream_feed(m, data, len);
}

/* A line is never longer than the cap, never holds its newline, and all
 * of it can be read. */
static int
check_line(int stream, const char *line, size_t len, void *arg)
{
	struct seen *s = arg;
	volatile char ends;

	if ((stream != MUX_STDOUT && stream != MUX_STDERR &&
	     stream != MUX_STDIN) || len > LOG_LINE_CAP ||
	    (len && memchr(line, '\n', len)))
		__builtin_trap();
	if (len) {
		ends = line[0];
		ends = line[len - 1];
		(void)ends;
	}
	s->bytes += len + 1;
	return 0;
}

static int
feed_lines(void *l, const char *data, size_t len)
{
	return log_lines_feed(l, data, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mux_stream m;
	struct log_lines l;
	struct seen s = { 0 };

	mux_stream_init(&m, count_payload, &s);
	fuzz_feed_chunked(&m, feed, data, size);
	mux_stream_finish(&m);
	if (size && s.bytes > size - 1)
		__builtin_trap();	/* payload is never more than was fed */
	err_clear();

	log_lines_init(&l, check_line, &s);
	fuzz_feed_chunked(&l, feed_lines, data, size);
	log_lines_finish(&l);
	log_lines_release(&l);
	err_clear();
	return 0;
}
