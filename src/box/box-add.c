/* box-add.c: add a box from a file, an http(s) URL or the catalog:
 * download (resumed), verify its checksum, import, commit; a failed add
 * leaves nothing behind. */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box.h"
#include "digest.h"
#include "fetch.h"
#include "progress.h"

void
box_add_release(struct box_add_req *p)
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

/* Without --name and --version: from the source's file name, and 0. */
static int
named(struct box_add_req *p)
{
	if (!p->name)
		p->name = name_from_source(p->source);
	if (!p->version)
		p->version = xstrdup("0");
	return 0;
}

int
box_add_resolve(struct box_add_req *p)
{
	struct catalog_entry e;

	if (path_exists(p->source)) {
		p->local = xstrdup(p->source);
		return named(p);
	}
	if (fetch_is_url(p->source)) {
		p->url = xstrdup(p->source);
		return named(p);
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
	return named(p);
}

static int
verify(const struct box_add_req *p)
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

int
box_add(struct box_store *store, struct box_add_req *p, int force,
	const struct reporter *rep)
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
		report(rep, REPORT_NOTE, p->name, "downloading %s", p->url);
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
		report(rep, REPORT_LINE, p->name, "added box '%s' version '%s' "
		       "(%s, a %s disk)", p->name, p->version, size, disk);
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

