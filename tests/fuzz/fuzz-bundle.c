/* fuzz-bundle.c: a bundle's manifest, as someone else wrote it. The input
 * is manifest.json, packed with a workspace into a bundle and opened: no
 * crash, whatever shape its fields have, and nothing made outside the
 * folder it opens into, which holds the workspace when the open works. */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "fuzz.h"
#include "util.h"

static void
add(struct archive *a, const char *name, int dir, const void *data,
    size_t len)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, dir ? 0755 : 0644);
	archive_entry_set_size(e, dir ? 0 : (la_int64_t)len);
	archive_write_header(a, e);
	if (!dir)
		archive_write_data(a, data, len);
	archive_entry_free(e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char berthfile[] = "workspace = \"fuzz\";\n";
	char *tar = path_join(fuzz_scratch(), "in.tar");
	char *parent = path_join(fuzz_scratch(), "x");
	char *target = path_join(parent, "opened"), *dir = NULL, *bf;
	struct archive *a = archive_write_new();

	setenv("BERTH_HOME", fuzz_scratch(), 1);
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, tar) == ARCHIVE_OK) {
		add(a, "manifest.json", 0, data, size);
		add(a, "workspace", 1, NULL, 0);
		add(a, "workspace/Berthfile", 0, berthfile, strlen(berthfile));
		archive_write_close(a);
	}
	archive_write_free(a);
	mkdir_p(parent, 0700);
	if (bundle_open(tar, target, &dir, NULL) == 0) {
		bf = path_join(target, "Berthfile");
		if (!path_exists(bf))
			__builtin_trap();
		free(bf);
	}
	fuzz_check_alone(parent, "opened");
	rm_rf(parent);
	free(dir);
	free(target);
	free(parent);
	free(tar);
	err_clear();
	return 0;
}
