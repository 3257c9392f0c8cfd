/* fuzz-box-meta.c: the metadata a box brings: Vagrant's metadata.json in
 * a .box, and berth's own box.json in the store. Whatever is accepted
 * must not name a file outside the box. */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box.h"
#include "fuzz.h"
#include "util.h"

static int
names_a_plain_file(const char *f)
{
	return !f || (*f && !strchr(f, '/') && f[0] != '.');
}

static void
check_box(const struct box *b)
{
	if (!names_a_plain_file(b->kernel) || !names_a_plain_file(b->initrd))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *dir = path_join(fuzz_scratch(), "box"), *p;
	struct box b;

	mkdir_p(dir, 0700);
	free(fuzz_write("box/box.img", (const uint8_t *)"", 0));

	free(fuzz_write("box/metadata.json", data, size));
	memset(&b, 0, sizeof(b));
	if (box_vagrant_metadata_read(dir, &b) == 0)
		check_box(&b);
	box_release(&b);

	free(fuzz_write("box/box.json", data, size));
	memset(&b, 0, sizeof(b));
	if (box_meta_read(dir, &b) == 0) {
		check_box(&b);
		if (!box_valid_name(b.name) || !box_valid_version(b.version))
			__builtin_trap();
	}
	box_release(&b);

	p = path_join(dir, "box.img");
	unlink(p);	/* a disk named in metadata.json may have replaced it */
	free(p);
	free(dir);
	err_clear();
	return 0;
}
