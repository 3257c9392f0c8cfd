/* box-build.c: build a box from a recipe in boxes/, from Debian's
 * packages (boxes/build-debian, as root), and add it to the store. */

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box.h"
#include "digest.h"
#include "proc.h"

static char *
boxes_dir(void)
{
	return path_join(berth_datadir(), "boxes");
}

int
box_recipes(struct strlist *out)
{
	char *dir = boxes_dir();
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		err_set("cannot read the recipes in '%s': %s", dir,
			strerror(errno));
		free(dir);
		return -1;
	}
	while ((de = readdir(d))) {
		char *r = xasprintf("%s/%s/recipe", dir, de->d_name);

		if (de->d_name[0] != '.' && path_exists(r))
			strlist_push(out, de->d_name);
		free(r);
	}
	closedir(d);
	free(dir);
	return 0;
}

/* One digest over the builder and every recipe: a cache of built boxes
 * is stale when any of them changed. */
static char *
recipes_digest(void)
{
	struct strlist names = { 0 };
	struct digest *d = digest_new("sha256");
	char *dir = boxes_dir(), *ret;
	size_t i, j;

	box_recipes(&names);
	for (i = 0; i < names.n; i++)	/* a stable order */
		for (j = i + 1; j < names.n; j++)
			if (strcmp(names.v[i], names.v[j]) > 0) {
				char *t = names.v[i];

				names.v[i] = names.v[j];
				names.v[j] = t;
			}
	for (i = 0; i <= names.n; i++) {
		struct strbuf sb = STRBUF_INIT;
		char *f = i < names.n ? xasprintf("%s/%s/recipe", dir,
						   names.v[i])
				      : path_join(dir, "build-debian");

		if (sb_read_file(&sb, f) == 0)
			digest_update(d, sb.buf, sb.len);
		sb_release(&sb);
		free(f);
	}
	ret = xstrdup(digest_hex(d));
	digest_free(d);
	strlist_release(&names);
	free(dir);
	return ret;
}

static int
run_builder(const char *recipe_dir, const char *staged, const char *cache)
{
	struct strlist argv = { 0 };
	char *script = path_join(berth_datadir(), "boxes/build-debian");
	int r, ret = -1;

	setenv("BERTH_APT_CACHE", cache, 0);	/* the builder inherits it */
	strlist_push(&argv, "/bin/sh");
	strlist_push(&argv, script);
	strlist_push(&argv, recipe_dir);
	strlist_push(&argv, staged);
	if ((r = proc_run(&argv, NULL, 0)) < 0)
		goto out;
	if (berth_interrupted)
		err_set("the build was interrupted; nothing was added");
	else if (r)
		err_set("the box build failed");
	else
		ret = 0;
out:
	strlist_release(&argv);
	free(script);
	return ret;
}

/* Keep the log of a failed build where the user can read it. */
static void
keep_log(const char *staged, const char *cache_root,
	 const struct reporter *rep)
{
	char *from = path_join(staged, "build.log");
	char *to = path_join(cache_root, "last-build.log");
	struct strbuf sb = STRBUF_INIT;

	if (sb_read_file(&sb, from) == 0) {
		write_file_atomic(to, sb.buf, sb.len, 0644);
		char *tail = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&tail, &len);

		if (f) {
			print_tail(to, 20, f);
			fclose(f);
			if (len && tail[len - 1] == '\n')
				tail[--len] = '\0';
			report(rep, REPORT_WARN, NULL, "--- the end of the build "
			       "log ---\n%s\n--- the whole log is in %s ---",
			       tail, to);
			free(tail);
		}
	}
	sb_release(&sb);
	free(from);
	free(to);
}

static int
read_box_info(const char *staged, struct box *b)
{
	char *path = path_join(staged, "box-info.json");
	json_error_t jerr;
	json_t *o = json_load_file(path, 0, &jerr);
	const char *k, *i, *c;

	free(path);
	if (!o)
		return err_set("the builder wrote no box-info.json: %s",
			       jerr.text);
	k = json_string_value(json_object_get(o, "kernel"));
	i = json_string_value(json_object_get(o, "initrd"));
	c = json_string_value(json_object_get(o, "cmdline"));
	b->kernel = k ? xstrdup(k) : NULL;
	b->initrd = i ? xstrdup(i) : NULL;
	b->cmdline = c ? xstrdup(c) : NULL;
	b->has_docker = json_is_true(json_object_get(o, "has_docker"));
	json_decref(o);
	return 0;
}

int
box_build(const struct box_build_req *req, const struct reporter *rep)
{
	const char *recipe = req->recipe, *name = req->name;
	const char *output = req->output, *version = req->version;
	struct box_store store = { 0 };
	struct strlist recipes = { 0 };
	struct box b = { 0 }, built = { 0 };
	char *recipe_dir = NULL, *staged = NULL;
	char *cache = NULL, *digest = NULL, hex[160], *image;
	int found, c, ret = -1;
	size_t i;

	if (box_recipes(&recipes) < 0)
		goto out;
	if (!strlist_has(&recipes, recipe)) {
		const char *near = nearest_word(recipe,
				(const char *const *)recipes.v, recipes.n);
		struct strbuf all = STRBUF_INIT;

		for (i = 0; i < recipes.n; i++)
			sb_addf(&all, " %s", recipes.v[i]);
		err_set("no box recipe named '%s'", recipe);
		if (near)
			err_hint("did you mean '%s'? recipes:%s", near, all.buf);
		else
			err_hint("recipes:%s", all.buf);
		sb_release(&all);
		goto out;
	}
	if (geteuid() != 0) {
		err_set("building a box needs root (debootstrap and chroot)");
		err_hint("run 'sudo berth box build %s', or add a ready box "
			 "with 'berth box add'", recipe);
		goto out;
	}
	if (box_store_open(&store) < 0)
		goto out;
	digest = recipes_digest();
	if (req->reuse) {
		char *source = xasprintf("recipe:%s:sha256:%s", recipe, digest);
		struct box_list all = { 0 };

		box_store_list(&store, &all);
		for (i = 0; i < all.n; i++)
			if (!strcmp(all.v[i].name, name) && all.v[i].source &&
			    !strcmp(all.v[i].source, source))
				break;
		found = i < all.n;
		if (found) {
			report(rep, REPORT_LINE, name, "box '%s' version '%s' is "
			       "up to date with recipe '%s'", name,
			       all.v[i].version, recipe);
			ret = 0;
			if (output && box_write_vagrant(&all.v[i], output) < 0)
				ret = err_prefix("cannot write '%s'", output);
		}
		free(source);
		box_list_release(&all);
		if (found)
			goto out;
	}
	if (!req->force && box_store_find(&store, name, version, &b) == 0) {
		err_set("box '%s' version '%s' is already in the store", name,
			version);
		err_hint("build with --force to replace it, or give another "
			 "--version");
		goto out;
	}
	box_release(&b);
	recipe_dir = xasprintf("%s/boxes/%s", berth_datadir(), recipe);
	cache = path_join(store.root, "../cache");
	if (mkdir_p(cache, 0755) < 0 || !(staged = box_store_stage(&store)))
		goto out;
	{
		char *apt = path_join(cache, "apt");

		report(rep, REPORT_LINE, name, "building box '%s' version '%s' "
		       "from recipe '%s'", name, version, recipe);
		c = run_builder(recipe_dir, staged, apt);
		free(apt);
	}
	if (c < 0) {
		keep_log(staged, cache, rep);
		goto out;
	}
	image = path_join(staged, BOX_IMAGE);
	if (read_box_info(staged, &b) < 0 ||
	    qcow2_inspect(image, &b.virtual_size) < 0 ||
	    digest_file("sha256", image, hex, sizeof(hex)) < 0) {
		free(image);
		goto out;
	}
	free(image);
	b.name = xstrdup(name);
	b.version = xstrdup(version);
	b.sha256 = xstrdup(hex);
	b.source = xasprintf("recipe:%s:sha256:%s", recipe, digest);
	b.added = utc_now_iso();
	if (box_meta_write(staged, &b) < 0 ||
	    box_store_commit(&store, staged, name, version, req->force) < 0)
		goto out;
	report(rep, REPORT_LINE, name, "added box '%s' version '%s'", name,
	       version);
	if (output) {
		if (box_store_find(&store, name, version, &built) < 0 ||
		    box_write_vagrant(&built, output) < 0) {
			err_prefix("cannot write '%s'", output);
			goto out;
		}
		report(rep, REPORT_LINE, name, "wrote %s", output);
	}
	ret = 0;
out:
	if (staged) {
		rm_rf(staged);
		free(staged);
	}
	box_release(&b);
	box_release(&built);
	box_store_release(&store);
	strlist_release(&recipes);
	free(recipe_dir);
	free(cache);
	free(digest);
	return ret;
}
