/* cmd-box.c: 'berth box', and its list, remove and prune commands. */

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "box.h"
#include "progress.h"
#include "machine.h"

extern const struct cmd_entry cmd_box_add_entry;
extern const struct cmd_entry cmd_box_build_entry;
struct box_list_opts {
	int json;
};

static const struct cmd_option box_list_options[] = {
	OPTION_FLAG("json", 0, struct box_list_opts, json, "print a JSON array"),
	OPTIONS_END,
};

struct box_remove_opts {
	const char *version;
	int all, force;
};

static const struct cmd_option box_remove_options[] = {
	OPTION_STRING("version", 0, struct box_remove_opts, version, "V",
		      "the version to remove (needed when there are several)"),
	OPTION_FLAG("all", 0, struct box_remove_opts, all, "every version"),
	OPTION_FLAG("force", 'f', struct box_remove_opts, force,
		    "remove it even while a workspace uses it"),
	OPTIONS_END,
};

struct box_prune_opts {
	int dry_run;
};

static const struct cmd_option box_prune_options[] = {
	OPTION_FLAG("dry-run", 'n', struct box_prune_opts, dry_run,
		    "say what would go, remove nothing"),
	OPTIONS_END,
};

static const struct cmd_entry cmd_box_list_entry;
static const struct cmd_entry cmd_box_remove_entry;
static const struct cmd_entry cmd_box_prune_entry;

static const struct cmd_entry *const box_subs[] = {
	&cmd_box_add_entry,
	&cmd_box_build_entry,
	&cmd_box_list_entry,
	&cmd_box_remove_entry,
	&cmd_box_prune_entry,
};

const struct cmd_entry cmd_box_entry = {
	.name = "box",
	.usage = "COMMAND [ARGS]",
	.summary = "add, build, list and remove the boxes VMs are cloned from",
	.help =
	"Boxes live in $BERTH_HOME/boxes, else $XDG_DATA_HOME/berth/boxes\n"
	"(~/.local/share/berth/boxes), one folder per name and version.\n",
	.subs = box_subs,
	.nsubs = ARRAY_SIZE(box_subs),
};

static int cmd_box_list_exec(struct cmd_ctx *ctx, int argc, char **argv);
static int cmd_box_remove_exec(struct cmd_ctx *ctx, int argc, char **argv);
static int cmd_box_prune_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct cmd_entry cmd_box_list_entry = {
	.name = "box list",
	.usage = "[--json]",
	.summary = "list the boxes in the store, and the workspaces using them",
	.options = box_list_options,
	.exec = cmd_box_list_exec,
};

static const struct cmd_entry cmd_box_remove_entry = {
	.name = "box remove",
	.usage = "NAME [--version V | --all] [-f]",
	.summary = "remove a box from the store",
	.help =
	"A box that a workspace uses is kept unless -f is given; the\n"
	"workspace's VM keeps its own copy in the libvirt storage pool.\n",
	.options = box_remove_options,
	.exec = cmd_box_remove_exec,
};

static const struct cmd_entry cmd_box_prune_entry = {
	.name = "box prune",
	.usage = "[--dry-run]",
	.summary = "remove every version of each box but the newest",
	.help =
	"Versions that a workspace uses are kept.\n",
	.options = box_prune_options,
	.exec = cmd_box_prune_exec,
};

static json_t *
box_json(const struct box *b)
{
	json_t *o = json_object(), *users = json_array();
	size_t i;

	json_object_set_new(o, "name", json_string(b->name));
	json_object_set_new(o, "version", json_string(b->version));
	json_object_set_new(o, "size", json_integer((json_int_t)b->size));
	json_object_set_new(o, "virtual_size",
			    json_integer((json_int_t)b->virtual_size));
	json_object_set_new(o, "sha256", json_string(b->sha256 ? b->sha256
								: ""));
	json_object_set_new(o, "path", json_string(b->image));
	json_object_set_new(o, "direct_boot", json_boolean(b->kernel != NULL));
	json_object_set_new(o, "has_docker", json_boolean(b->has_docker));
	json_object_set_new(o, "source", json_string(b->source ? b->source
								: ""));
	json_object_set_new(o, "added", json_string(b->added ? b->added : ""));
	for (i = 0; i < b->users.n; i++)
		json_array_append_new(users, json_string(b->users.v[i]));
	json_object_set_new(o, "used_by", users);
	return o;
}

static int
cmd_box_list_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct box_list_opts o = { 0 };
	struct box_store store = { 0 };
	struct box_list list = { 0 };
	int ret;
	size_t i, k;

	(void)ctx;
	if ((ret = cmd_parse(&cmd_box_list_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	ret = EXIT_FAIL;
	if (box_store_open(&store) < 0 || box_store_list(&store, &list) < 0) {
		ret = cmd_fail();
		goto out;
	}
	if (o.json) {
		json_t *arr = json_array();

		for (i = 0; i < list.n; i++)
			json_array_append_new(arr, box_json(&list.v[i]));
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(arr);
	} else if (!list.n) {
		printf("no boxes in %s\n", store.root);
		printf("add one with 'berth box add SOURCE' or 'berth box build "
		       "debian-12'\n");
	} else {
		printf("%-20s %-16s %10s %10s  %s\n", "NAME", "VERSION", "SIZE",
		       "DISK", "USED BY");
		for (i = 0; i < list.n; i++) {
			const struct box *b = &list.v[i];
			char size[32], disk[32];

			format_bytes(b->size, size, sizeof(size));
			format_bytes(b->virtual_size, disk, sizeof(disk));
			printf("%-20s %-16s %10s %10s  ", b->name, b->version,
			       size, disk);
			if (!b->users.n)
				printf("-");
			for (k = 0; k < b->users.n; k++)
				printf("%s%s", k ? ", " : "", b->users.v[k]);
			putchar('\n');
		}
	}
	ret = EXIT_OK;
out:
	box_list_release(&list);
	box_store_release(&store);
	return ret;
}

/* The store's copy, then libvirt's (the local system pool, where 'up'
 * puts it): a VM made from it keeps reading that one, so it stays. */
static int
remove_one(struct box_store *store, const struct box *b, int force)
{
	struct vm_conn v = { 0 };
	const char *pool;
	int kept = 0;

	if (box_store_remove(store, b, force) < 0)
		return -1;
	if (vm_open(&v, DEFAULT_URI) < 0)
		pool = "";	/* no libvirt here: nothing was uploaded */
	else if (vm_box_volumes_remove(&v, b->name, b->version, &kept) < 0)
		pool = ", but its copy in libvirt's pool could not be deleted";
	else
		pool = kept ? ", but not its copy in libvirt's pool, which a "
			      "VM is made from" : "";
	err_clear();
	vm_close(&v);
	printf("removed box '%s' version '%s'%s\n", b->name, b->version, pool);
	return 0;
}

static int
cmd_box_remove_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct box_remove_opts o = { 0 };
	struct box_store store = { 0 };
	struct box_list list = { 0 };
	const char *version, *name;
	int all, force, ret;
	size_t i, matches = 0;

	(void)ctx;
	if ((ret = cmd_parse(&cmd_box_remove_entry, argc, argv, &o, -1)) >= 0)
		return ret;
	ret = EXIT_FAIL;
	version = o.version;
	all = o.all;
	force = o.force;
	if (argc - optind != 1)
		return cmd_usage_error(&cmd_box_remove_entry,
				       "name one box to remove");
	name = argv[optind];
	if (box_store_open(&store) < 0 || box_store_list(&store, &list) < 0) {
		ret = cmd_fail();
		goto out;
	}
	for (i = 0; i < list.n; i++)
		if (!strcmp(list.v[i].name, name) &&
		    (!version || !strcmp(list.v[i].version, version)))
			matches++;
	if (!matches) {
		struct box none;

		box_store_find(&store, name, version, &none);	/* the error */
		box_release(&none);
		ret = cmd_fail();
		goto out;
	}
	if (matches > 1 && !all) {
		struct strbuf vs = STRBUF_INIT;

		for (i = 0; i < list.n; i++)
			if (!strcmp(list.v[i].name, name))
				sb_addf(&vs, " %s", list.v[i].version);
		err_set("box '%s' has %zu versions:%s", name, matches, vs.buf);
		err_hint("pick one with --version V, or remove them all with "
			 "--all");
		sb_release(&vs);
		ret = cmd_fail();
		goto out;
	}
	ret = EXIT_OK;
	for (i = 0; i < list.n; i++) {
		if (strcmp(list.v[i].name, name) ||
		    (version && strcmp(list.v[i].version, version)))
			continue;
		if (remove_one(&store, &list.v[i], force) < 0)
			ret = cmd_fail();
	}
out:
	box_list_release(&list);
	box_store_release(&store);
	return ret;
}

static int
cmd_box_prune_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct box_prune_opts o = { 0 };
	struct box_store store = { 0 };
	struct box_list list = { 0 };
	int dry, ret;
	size_t i, removed = 0;

	(void)ctx;
	if ((ret = cmd_parse(&cmd_box_prune_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	ret = EXIT_FAIL;
	dry = o.dry_run;
	if (box_store_open(&store) < 0 || box_store_list(&store, &list) < 0) {
		ret = cmd_fail();
		goto out;
	}
	ret = EXIT_OK;
	/* the list is sorted by name, newest version first */
	for (i = 1; i < list.n; i++) {
		const struct box *b = &list.v[i];

		if (strcmp(b->name, list.v[i - 1].name))
			continue;
		if (b->users.n) {
			printf("kept box '%s' version '%s': used by %s\n",
			       b->name, b->version, b->users.v[0]);
		} else if (dry) {
			printf("would remove box '%s' version '%s'\n", b->name,
			       b->version);
			removed++;
		} else if (remove_one(&store, b, 0) < 0) {
			ret = cmd_fail();
		} else {
			removed++;
		}
	}
	if (!removed)
		printf("nothing to prune\n");
out:
	box_list_release(&list);
	box_store_release(&store);
	return ret;
}
