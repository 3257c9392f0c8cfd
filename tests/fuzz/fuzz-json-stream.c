/* fuzz-json-stream.c: the Engine API's concatenated JSON messages (pull,
 * build, load, events), split across reads at every size. */

#include "docker.h"
#include "fuzz.h"
#include "util.h"

static int
count_message(json_t *msg, void *arg)
{
	size_t *n = arg;

	if (!json_is_object(msg) && !json_is_array(msg))
		__builtin_trap();	/* only whole documents reach callers */
	(*n)++;
	return 0;
}

static int
feed(void *js, const char *data, size_t len)
{
	return json_stream_feed(js, data, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_stream js;
	size_t messages = 0;

	json_stream_init(&js, count_message, &messages);
	fuzz_feed_chunked(&js, feed, data, size);
	json_stream_finish(&js);
	if (messages > size / 2)
		__builtin_trap();	/* "{}" is the smallest message */
	json_stream_release(&js);
	err_clear();
	return 0;
}
