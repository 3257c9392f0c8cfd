/* fuzz-util.c: the scratch folder and chunked feeding the targets share. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"

static char *scratch;

static void
remove_scratch(void)
{
	if (scratch)
		rm_rf(scratch);
}

const char *
fuzz_scratch(void)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl;

	if (scratch)
		return scratch;
	tmpl = xasprintf("%s/berth-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl))
		fatal("cannot make a scratch folder from '%s'", tmpl);
	scratch = tmpl;
	atexit(remove_scratch);
	return scratch;
}

char *
fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	char *path = path_join(fuzz_scratch(), name);
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		fatal("cannot write '%s'", path);
	return path;
}

void
fuzz_feed_chunked(void *parser, fuzz_feed_fn feed, const uint8_t *data,
		  size_t size)
{
	size_t chunk, off = 1;

	if (!size)
		return;
	chunk = data[0] ? data[0] : size;
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;

		if (feed(parser, (const char *)data + off, n) < 0)
			return;
		off += n;
	}
}

void
fuzz_check_alone(const char *parent, const char *only)
{
	DIR *d = opendir(parent);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, only))
			__builtin_trap();
	if (d)
		closedir(d);
}
