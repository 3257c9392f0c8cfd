/* cmd-box-add.c: 'berth box add': its options, then box_add. */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "box.h"
#include "digest.h"

static int cmd_box_add_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct box_add_opts {
	const char *name, *version, *checksum;
	int force, list;
};

static const struct cmd_option box_add_options[] = {
	OPTION_STRING("name", 'n', struct box_add_opts, name, "N",
		      "the box name (default: from SOURCE)"),
	OPTION_STRING("version", 'v', struct box_add_opts, version, "V",
		      "the version (default: the catalog's, else 0)"),
	OPTION_STRING("checksum", 'c', struct box_add_opts, checksum, "T:H",
		      "expected checksum of SOURCE, such as sha256:..."),
	OPTION_FLAG("force", 'f', struct box_add_opts, force,
		    "replace the same name and version"),
	OPTION_FLAG("list", 'l', struct box_add_opts, list, "list the catalog"),
	OPTIONS_END,
};

const struct cmd_entry cmd_box_add_entry = {
	.name = "box add",
	.usage = "SOURCE [--name N] [--version V] [--checksum TYPE:HEX] [--force]",
	.summary = "add a box from a file, a URL or the catalog",
	.help =
	"SOURCE is a Vagrant libvirt .box (a tar, optionally compressed), a\n"
	"qcow2 image such as a distribution's cloud image, an http(s) URL of\n"
	"either, or a name from the catalog ('berth box add --list').\n"
	"Downloads resume where they stopped; a checksum is verified before\n"
	"the box enters the store. A failed add leaves nothing behind.\n",
	.options = box_add_options,
	.exec = cmd_box_add_exec,
};

static int
list_catalog(void)
{
	struct catalog_entry *v;
	size_t n, i;

	if (catalog_list(&v, &n) < 0)
		return cmd_fail();
	for (i = 0; i < n; i++) {
		printf("%-24s %-16s %s\n", v[i].name, v[i].version, v[i].url);
		catalog_entry_release(&v[i]);
	}
	free(v);
	return EXIT_OK;
}

static int
cmd_box_add_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct box_add_opts o = { 0 };
	struct box_store store = { 0 };
	struct box_add_req p = { 0 };
	int force, ret;
	char type[16], hex[160];

	(void)ctx;
	if ((ret = cmd_parse(&cmd_box_add_entry, argc, argv, &o, -1)) >= 0)
		return ret;
	if (o.list)
		return list_catalog();
	ret = EXIT_FAIL;
	force = o.force;
	p.name = o.name ? xstrdup(o.name) : NULL;
	p.version = o.version ? xstrdup(o.version) : NULL;
	p.checksum = o.checksum ? xstrdup(o.checksum) : NULL;
	if (argc - optind != 1) {
		box_add_release(&p);
		return cmd_usage_error(&cmd_box_add_entry,
				       "name one SOURCE to add");
	}
	p.source = argv[optind];
	if (p.checksum && digest_parse_spec(p.checksum, type, sizeof(type), hex,
					    sizeof(hex)) < 0) {
		ret = cmd_usage_error(&cmd_box_add_entry, "%s", err_msg());
		goto out;
	}
	if (box_add_resolve(&p) < 0) {
		ret = cmd_fail();
		goto out;
	}
	if (!box_valid_name(p.name)) {
		ret = cmd_usage_error(&cmd_box_add_entry, "'%s' is not a valid "
				      "box name: use a-z, 0-9, '.', '-' and "
				      "'_' (set one with --name)", p.name);
		goto out;
	}
	if (!box_valid_version(p.version)) {
		ret = cmd_usage_error(&cmd_box_add_entry, "'%s' is not a valid "
				      "version", p.version);
		goto out;
	}
	interrupt_catch();
	if (box_store_open(&store) < 0 ||
	    box_add(&store, &p, force, &cli_report) < 0) {
		ret = cmd_failf("cannot add '%s'", p.source);
		goto out;
	}
	ret = EXIT_OK;
out:
	box_store_release(&store);
	box_add_release(&p);
	return ret;
}
