/* cmd-box-build.c: build a box from a recipe in boxes/, from Debian's
 * packages, and add it to the store. */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "box.h"
#include "digest.h"
#include "proc.h"

static int cmd_box_build_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct box_build_opts {
	const char *name, *version, *output;
	int force, reuse, list;
};

static const struct cmd_option box_build_options[] = {
	OPTION_STRING("name", 'n', struct box_build_opts, name, "N",
		      "the box name (default: the recipe's)"),
	OPTION_STRING("version", 'v', struct box_build_opts, version, "V",
		      "the version (default: the UTC date and time)"),
	OPTION_STRING("output", 'o', struct box_build_opts, output, "FILE",
		      "also write a Vagrant libvirt .box"),
	OPTION_FLAG("force", 'f', struct box_build_opts, force,
		    "replace the same name and version"),
	OPTION_FLAG("reuse", 'r', struct box_build_opts, reuse,
		    "do nothing when a box built from the same\n"
		    "recipes is already in the store"),
	OPTION_FLAG("list", 'l', struct box_build_opts, list,
		    "list the recipes"),
	OPTIONS_END,
};

const struct cmd_entry cmd_box_build_entry = {
	.name = "box build",
	.usage = "RECIPE [--name N] [--version V] [--output FILE.box] [--force]",
	.summary = "build a box from Debian's packages and add it",
	.help =
	"Runs the recipe in boxes/RECIPE with debootstrap: it needs root and\n"
	"the Debian mirror, nothing else. Recipes: debian-12 (no Docker; 'berth\n"
	"up' installs it) and debian-12-docker (docker.io preinstalled).\n"
	"The box boots its own kernel directly (no bootloader).\n",
	.options = box_build_options,
	.exec = cmd_box_build_exec,
};

static char *
boxes_dir(void)
{
	return path_join(berth_datadir(), "boxes");
}

static int
recipe_list(struct strlist *out)
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

	recipe_list(&names);
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
keep_log(const char *staged, const char *cache_root)
{
	char *from = path_join(staged, "build.log");
	char *to = path_join(cache_root, "last-build.log");
	struct strbuf sb = STRBUF_INIT;

	if (sb_read_file(&sb, from) == 0) {
		write_file_atomic(to, sb.buf, sb.len, 0644);
		fprintf(stderr, "--- the end of the build log ---\n");
		print_tail(to, 20, stderr);
		fprintf(stderr, "--- the whole log is in %s ---\n", to);
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

static int
cmd_box_build_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct box_build_opts o = { 0 };
	struct box_store store = { 0 };
	struct strlist recipes = { 0 };
	struct box b = { 0 }, built = { 0 };
	const char *recipe, *name, *output;
	char *version, *recipe_dir = NULL, *staged = NULL;
	char *cache = NULL, *digest = NULL, hex[160], *image;
	int force, reuse, found, c, ret;
	size_t i;

	(void)ctx;
	if ((ret = cmd_parse(&cmd_box_build_entry, argc, argv, &o, -1)) >= 0)
		return ret;
	if (o.list) {
		if (recipe_list(&recipes) < 0)
			return cmd_fail();
		for (i = 0; i < recipes.n; i++)
			printf("%s\n", recipes.v[i]);
		strlist_release(&recipes);
		return EXIT_OK;
	}
	ret = EXIT_FAIL;
	name = o.name;
	output = o.output;
	force = o.force;
	reuse = o.reuse;
	version = o.version ? xstrdup(o.version) : NULL;
	if (argc - optind != 1) {
		free(version);
		return cmd_usage_error(&cmd_box_build_entry,
				       "name one RECIPE to build");
	}
	recipe = argv[optind];
	if (!name)
		name = recipe;
	if (!version)
		version = utc_now_version();
	if (!box_valid_name(name) || !box_valid_version(version)) {
		ret = cmd_usage_error(&cmd_box_build_entry, "'%s' version '%s' "
				      "is not a valid box name and version",
				      name, version);
		goto out;
	}
	if (recipe_list(&recipes) < 0) {
		ret = cmd_fail();
		goto out;
	}
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
		ret = cmd_fail();
		goto out;
	}
	if (geteuid() != 0) {
		err_set("building a box needs root (debootstrap and chroot)");
		err_hint("run 'sudo berth box build %s', or add a ready box "
			 "with 'berth box add'", recipe);
		ret = cmd_fail();
		goto out;
	}
	interrupt_catch();
	if (box_store_open(&store) < 0) {
		ret = cmd_fail();
		goto out;
	}
	digest = recipes_digest();
	if (reuse) {
		char *source = xasprintf("recipe:%s:sha256:%s", recipe, digest);
		struct box_list all = { 0 };

		box_store_list(&store, &all);
		for (i = 0; i < all.n; i++)
			if (!strcmp(all.v[i].name, name) && all.v[i].source &&
			    !strcmp(all.v[i].source, source))
				break;
		found = i < all.n;
		if (found) {
			printf("box '%s' version '%s' is up to date with recipe "
			       "'%s'\n", name, all.v[i].version, recipe);
			ret = output && box_write_vagrant(&all.v[i], output) < 0
			      ? cmd_failf("cannot write '%s'", output) : EXIT_OK;
		}
		free(source);
		box_list_release(&all);
		if (found)
			goto out;
	}
	if (!force && box_store_find(&store, name, version, &b) == 0) {
		err_set("box '%s' version '%s' is already in the store", name,
			version);
		err_hint("build with --force to replace it, or give another "
			 "--version");
		ret = cmd_fail();
		goto out;
	}
	box_release(&b);
	recipe_dir = xasprintf("%s/boxes/%s", berth_datadir(), recipe);
	cache = path_join(store.root, "../cache");
	if (mkdir_p(cache, 0755) < 0 || !(staged = box_store_stage(&store))) {
		ret = cmd_fail();
		goto out;
	}
	{
		char *apt = path_join(cache, "apt");

		printf("building box '%s' version '%s' from recipe '%s'\n", name,
		       version, recipe);
		c = run_builder(recipe_dir, staged, apt);
		free(apt);
	}
	if (c < 0) {
		keep_log(staged, cache);
		ret = cmd_fail();
		goto out;
	}
	image = path_join(staged, BOX_IMAGE);
	if (read_box_info(staged, &b) < 0 ||
	    qcow2_inspect(image, &b.virtual_size) < 0 ||
	    digest_file("sha256", image, hex, sizeof(hex)) < 0) {
		free(image);
		ret = cmd_fail();
		goto out;
	}
	free(image);
	b.name = xstrdup(name);
	b.version = xstrdup(version);
	b.sha256 = xstrdup(hex);
	b.source = xasprintf("recipe:%s:sha256:%s", recipe, digest);
	b.added = utc_now_iso();
	if (box_meta_write(staged, &b) < 0 ||
	    box_store_commit(&store, staged, name, version, force) < 0) {
		ret = cmd_fail();
		goto out;
	}
	printf("added box '%s' version '%s'\n", name, version);
	if (output) {
		if (box_store_find(&store, name, version, &built) < 0 ||
		    box_write_vagrant(&built, output) < 0) {
			ret = cmd_failf("cannot write '%s'", output);
			goto out;
		}
		printf("wrote %s\n", output);
	}
	ret = EXIT_OK;
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
	free(version);
	return ret;
}
