/* cmd-box-add.c: add a box from a file, a URL or the catalog. */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "box.h"
#include "digest.h"
#include "fetch.h"
#include "progress.h"

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

struct add_plan {
	const char *source;
	char *name, *version;
	char *url;		/* when downloading */
	char *checksum;		/* "type:hex" or NULL */
	char *local;		/* the file to import */
	char *download;		/* kept until verified, then removed */
};

static void
plan_release(struct add_plan *p)
{
	free(p->name);
	free(p->version);
	free(p->url);
	free(p->checksum);
	free(p->local);
	free(p->download);
}

/* "debian-12-genericcloud-amd64.qcow2" -> "debian-12-genericcloud-amd64" */
static char *
name_from_source(const char *src)
{
	static const char *const exts[] = { ".box", ".qcow2", ".img", ".tar",
					    ".gz", ".tgz" };
	const char *base = strrchr(src, '/');
	char *name = xstrdup(base ? base + 1 : src), *q, *p;
	size_t i, len;
	int again = 1;

	if ((q = strchr(name, '?')))
		*q = '\0';
	while (again) {
		again = 0;
		len = strlen(name);
		for (i = 0; i < ARRAY_SIZE(exts); i++) {
			size_t el = strlen(exts[i]);

			if (len > el && !strcmp(name + len - el, exts[i])) {
				name[len - el] = '\0';
				again = 1;
				break;
			}
		}
	}
	for (p = name; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9')
			 && !strchr("._-", *p))
			*p = '-';
	}
	return name;
}

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
resolve_source(struct add_plan *p)
{
	struct catalog_entry e;

	if (path_exists(p->source)) {
		p->local = xstrdup(p->source);
		return 0;
	}
	if (fetch_is_url(p->source)) {
		p->url = xstrdup(p->source);
		return 0;
	}
	if (strchr(p->source, '/') || catalog_find(p->source, p->version,
						   &e) < 0) {
		err_set("'%s' is not a file, an http(s) URL, or a box in the "
			"catalog", p->source);
		err_hint("'berth box add --list' shows the catalog");
		return -1;
	}
	p->url = xstrdup(e.url);
	if (!p->name)
		p->name = xstrdup(e.name);
	if (!p->version)
		p->version = xstrdup(e.version);
	if (!p->checksum && e.checksum_type && e.checksum)
		p->checksum = xasprintf("%s:%s", e.checksum_type, e.checksum);
	catalog_entry_release(&e);
	return 0;
}

static int
verify(const struct add_plan *p)
{
	char type[16], want[160], got[160];

	if (!p->checksum)
		return 0;
	if (digest_parse_spec(p->checksum, type, sizeof(type), want,
			      sizeof(want)) < 0 ||
	    digest_file(type, p->local, got, sizeof(got)) < 0)
		return -1;
	if (strcmp(want, got)) {
		err_set("checksum mismatch for '%s':\n  expected %s:%s\n  "
			"got      %s:%s", p->url ? p->url : p->local, type, want,
			type, got);
		err_hint("the file is corrupt or not the one expected; it was "
			 "not added");
		return -1;
	}
	return 0;
}

static int
add(struct box_store *store, struct add_plan *p, int force)
{
	struct box b = { 0 }, existing = { 0 };
	char *staged = NULL, *hash, *dl;
	struct digest *d;
	int ret = -1, mkdir_ok;

	if (!force && box_store_find(store, p->name, p->version,
				     &existing) == 0) {
		box_release(&existing);
		err_set("box '%s' version '%s' is already in the store",
			p->name, p->version);
		err_hint("use it as it is, add with --force to replace it, or "
			 "give another --version");
		return -1;
	}
	box_release(&existing);
	if (p->url) {
		/* a stable name per URL, so a rerun resumes the same file */
		d = digest_new("sha256");
		digest_update(d, p->url, strlen(p->url));
		hash = xasprintf("%s/.downloads/%.16s", store->root,
				 digest_hex(d));
		digest_free(d);
		p->download = hash;
		dl = path_dirname(hash);
		mkdir_ok = mkdir_p(dl, 0755) == 0;
		free(dl);
		if (!mkdir_ok)
			goto out;
		fprintf(stderr, "downloading %s\n", p->url);
		if (fetch_url(p->url, p->download) < 0)
			goto out;
		p->local = xstrdup(p->download);
	}
	if (verify(p) < 0) {
		if (p->download)
			unlink(p->download);	/* a bad file must not resume */
		goto out;
	}
	if (!(staged = box_store_stage(store)))
		goto out;
	if (box_import(p->local, staged, &b) < 0)
		goto out;
	b.name = xstrdup(p->name);
	b.version = xstrdup(p->version);
	b.source = xstrdup(p->url ? p->url : p->source);
	b.added = utc_now_iso();
	if (box_meta_write(staged, &b) < 0 ||
	    box_store_commit(store, staged, p->name, p->version, force) < 0)
		goto out;
	{
		char size[32], disk[32];
		uint64_t bytes = path_size(p->local);

		format_bytes(bytes, size, sizeof(size));
		format_bytes(b.virtual_size, disk, sizeof(disk));
		printf("added box '%s' version '%s' (%s, a %s disk)\n", p->name,
		       p->version, size, disk);
	}
	ret = 0;
out:
	if (staged) {
		rm_rf(staged);
		free(staged);
	}
	if (ret == 0 && p->download)
		unlink(p->download);
	box_release(&b);
	return ret;
}

static int
cmd_box_add_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct box_add_opts o = { 0 };
	struct box_store store = { 0 };
	struct add_plan p = { 0 };
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
		plan_release(&p);
		return cmd_usage_error(&cmd_box_add_entry,
				       "name one SOURCE to add");
	}
	p.source = argv[optind];
	if (p.checksum && digest_parse_spec(p.checksum, type, sizeof(type), hex,
					    sizeof(hex)) < 0) {
		ret = cmd_usage_error(&cmd_box_add_entry, "%s", err_msg());
		goto out;
	}
	if (resolve_source(&p) < 0) {
		ret = cmd_fail();
		goto out;
	}
	if (!p.name)
		p.name = name_from_source(p.source);
	if (!p.version)
		p.version = xstrdup("0");
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
	if (box_store_open(&store) < 0 || add(&store, &p, force) < 0) {
		ret = cmd_failf("cannot add '%s'", p.source);
		goto out;
	}
	ret = EXIT_OK;
out:
	box_store_release(&store);
	plan_release(&p);
	return ret;
}
