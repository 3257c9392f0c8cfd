/* fuzz-catalog.c: a box catalog file (the Vagrant box-catalog shape), as
 * 'box add NAME' and 'box list --available' read it. */

#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "fuzz.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	struct catalog_entry *all = NULL, one;
	size_t n = 0, i;

	if (!once++) {
		char *dir = path_join(fuzz_scratch(), "boxes/catalog");

		mkdir_p(dir, 0700);
		free(dir);
		setenv("BERTH_DATADIR", fuzz_scratch(), 1);
	}
	free(fuzz_write("boxes/catalog/fuzz.json", data, size));
	if (catalog_list(&all, &n) == 0) {
		for (i = 0; i < n; i++) {
			if (!all[i].name || !all[i].url)
				__builtin_trap();	/* listed means usable */
			memset(&one, 0, sizeof(one));
			if (catalog_find(all[i].name, NULL, &one) == 0)
				catalog_entry_release(&one);
			memset(&one, 0, sizeof(one));
			if (catalog_find(all[i].name, all[i].version, &one) == 0)
				catalog_entry_release(&one);
			catalog_entry_release(&all[i]);
		}
		free(all);
	}
	err_clear();
	return 0;
}
