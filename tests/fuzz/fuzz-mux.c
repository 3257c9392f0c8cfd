/* fuzz-mux.c: the log frame demultiplexer (logs, attach, exec without a
 * TTY), split across reads at every size. */

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mux_stream m;
	struct seen s = { 0 };

	mux_stream_init(&m, count_payload, &s);
	fuzz_feed_chunked(&m, feed, data, size);
	mux_stream_finish(&m);
	if (size && s.bytes > size - 1)
		__builtin_trap();	/* payload is never more than was fed */
	err_clear();
	return 0;
}
