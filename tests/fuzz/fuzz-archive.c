/* fuzz-archive.c: archive extraction (tar, any compression), as a .box
 * (flat, no links) and as a bundle (links that resolve inside). Whatever
 * an archive holds, nothing may land outside the folder it is extracted
 * into, and no link in it may lead out once resolved. */

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "box.h"
#include "fuzz.h"
#include "util.h"

/* Every entry under dir, links resolved, stays under root. */
static void
check_inside(const char *root, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *p, real[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = path_join(dir, de->d_name);
		if (realpath(p, real) &&
		    (strncmp(real, root, strlen(root)) ||
		     (real[strlen(root)] && real[strlen(root)] != '/')))
			__builtin_trap();
		if (!lstat(p, &st) && S_ISDIR(st.st_mode))
			check_inside(root, p);
		free(p);
	}
	closedir(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *box = fuzz_write("in.box", data, size);
	char *parent = path_join(fuzz_scratch(), "x");
	char *inside = path_join(parent, "inside"), real[PATH_MAX];
	static const int modes[] = { EXTRACT_FLAT, EXTRACT_LINKS };
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		mkdir_p(inside, 0700);
		if (realpath(inside, real)) {
			archive_extract_safe(box, inside, modes[i]);
			check_inside(real, inside);
			fuzz_check_alone(parent, "inside");
		}
		rm_rf(inside);
		err_clear();
	}
	rm_rf(parent);
	free(inside);
	free(parent);
	free(box);
	err_clear();
	return 0;
}
