/* catalog.c: known boxes, one JSON file each in boxes/catalog/, in the
 * Vagrant box-catalog shape: name, versions[] -> providers[] -> url,
 * checksum_type, checksum. */

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"
#include "box.h"

void
catalog_entry_release(struct catalog_entry *e)
{
	free(e->name);
	free(e->version);
	free(e->url);
	free(e->checksum_type);
	free(e->checksum);
	free(e->description);
	memset(e, 0, sizeof(*e));
}

static char *
catalog_dir(void)
{
	return path_join(berth_datadir(), "boxes/catalog");
}

static json_t *
libvirt_provider(json_t *version)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(version, "providers"), i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));

		if (name && !strcmp(name, "libvirt") &&
		    json_is_string(json_object_get(p, "url")))
			return p;
	}
	return NULL;
}

/* The libvirt provider of the newest version that has one, or of the
 * version asked for. */
static int
pick(json_t *doc, const char *version, struct catalog_entry *out)
{
	json_t *v, *best = NULL, *prov = NULL, *p;
	const char *best_version = NULL, *ct, *cs;
	size_t i;

	json_array_foreach(json_object_get(doc, "versions"), i, v) {
		const char *vs = json_string_value(json_object_get(v,
								   "version"));

		/* the version names a folder in the store */
		if (!vs || !box_valid_version(vs) ||
		    !(p = libvirt_provider(v)))
			continue;
		if (version ? strcmp(vs, version) : best_version &&
		    box_version_cmp(vs, best_version) <= 0)
			continue;
		best = v;
		best_version = vs;
		prov = p;
	}
	if (!best)
		return -1;
	ct = json_string_value(json_object_get(prov, "checksum_type"));
	cs = json_string_value(json_object_get(prov, "checksum"));
	out->version = xstrdup(best_version);
	out->url = xstrdup(json_string_value(json_object_get(prov, "url")));
	out->checksum_type = ct ? xstrdup(ct) : NULL;
	out->checksum = cs ? xstrdup(cs) : NULL;
	return 0;
}

static int
load_all(json_t ***docs, size_t *n)
{
	char *dir = catalog_dir();
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t alloc = 0;

	*docs = NULL;
	*n = 0;
	if (!d) {
		free(dir);
		return 0;	/* no catalog is an empty catalog */
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		json_error_t jerr;
		char *path;
		json_t *doc;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		path = path_join(dir, de->d_name);
		doc = json_load_file(path, 0, &jerr);
		if (!doc || !box_valid_name(json_string_value(
				json_object_get(doc, "name")))) {
			err_set("catalog file '%s' is not valid: %s", path,
				doc ? "it has no valid box name" : jerr.text);
			json_decref(doc);
			free(path);
			closedir(d);
			free(dir);
			return -1;
		}
		ALLOC_GROW(*docs, *n + 1, alloc);
		(*docs)[(*n)++] = doc;
		free(path);
	}
	closedir(d);
	free(dir);
	return 0;
}

static void
free_all(json_t **docs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_decref(docs[i]);
	free(docs);
}

int
catalog_find(const char *name, const char *version, struct catalog_entry *out)
{
	json_t **docs;
	size_t n, i;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (load_all(&docs, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(json_string_value(json_object_get(docs[i], "name")),
			   name))
			continue;
		if (pick(docs[i], version, out) < 0) {
			err_set("the catalog has no libvirt box '%s'%s%s", name,
				version ? " version " : "", version ? version : "");
			break;
		}
		out->name = xstrdup(name);
		out->description = json_string_value(json_object_get(docs[i],
							"description"))
			? xstrdup(json_string_value(json_object_get(docs[i],
							"description")))
			: NULL;
		ret = 0;
		break;
	}
	if (i == n)
		err_set("'%s' is not in the box catalog", name);
	free_all(docs, n);
	if (ret < 0)
		catalog_entry_release(out);
	return ret;
}

int
catalog_list(struct catalog_entry **out, size_t *nout)
{
	json_t **docs;
	size_t n, i;

	*out = NULL;
	*nout = 0;
	if (load_all(&docs, &n) < 0)
		return -1;
	*out = xcalloc(n + 1, sizeof(**out));
	for (i = 0; i < n; i++) {
		struct catalog_entry *e = &(*out)[*nout];

		if (pick(docs[i], NULL, e) < 0)
			continue;
		e->name = xstrdup(json_string_value(json_object_get(docs[i],
								    "name")));
		(*nout)++;
	}
	free_all(docs, n);
	return 0;
}
