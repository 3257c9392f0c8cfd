/* replay.c: main() for a fuzz target in an ordinary build. Runs every
 * input named, or every file of the folders named, through the target
 * once; a crash or a sanitizer report fails the run. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "util.h"

static int
replay_file(const char *path)
{
	struct strbuf sb;
	uint8_t *exact;
	size_t len;

	sb_init(&sb, 0);
	if (sb_read_file(&sb, path) < 0) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		sb_release(&sb);
		return -1;
	}
	/* an exact-size copy, so that ASan sees a read past the end */
	len = sb.len;
	exact = xmalloc(len ? len : 1);
	memcpy(exact, sb.buf, len);
	sb_release(&sb);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, runs = 0;

	for (i = 1; i < argc; i++) {
		struct dirent *de;
		DIR *d;

		if (!path_is_dir(argv[i])) {
			if (replay_file(argv[i]) < 0)
				return 1;
			runs++;
			continue;
		}
		if (!(d = opendir(argv[i])))
			return 1;
		while ((de = readdir(d))) {
			char *p = path_join(argv[i], de->d_name);
			struct stat st;

			if (!stat(p, &st) && S_ISREG(st.st_mode)) {
				if (replay_file(p) < 0)
					return 1;
				runs++;
			}
			free(p);
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", runs);
	return 0;
}
