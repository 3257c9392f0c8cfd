/* cmd-box-build.c: 'berth box build': its options, then box_build. */

#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "box.h"

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

static int
cmd_box_build_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct box_build_opts o = { 0 };
	struct box_build_req req = { 0 };
	struct strlist recipes = { 0 };
	char *version;
	size_t i;
	int ret;

	(void)ctx;
	if ((ret = cmd_parse(&cmd_box_build_entry, argc, argv, &o, -1)) >= 0)
		return ret;
	if (o.list) {
		if (box_recipes(&recipes) < 0)
			return cmd_fail();
		for (i = 0; i < recipes.n; i++)
			printf("%s\n", recipes.v[i]);
		strlist_release(&recipes);
		return EXIT_OK;
	}
	if (argc - optind != 1)
		return cmd_usage_error(&cmd_box_build_entry,
				       "name one RECIPE to build");
	req.recipe = argv[optind];
	req.name = o.name ? o.name : req.recipe;
	req.version = version = o.version ? xstrdup(o.version)
					  : utc_now_version();
	req.output = o.output;
	req.force = o.force;
	req.reuse = o.reuse;
	if (!box_valid_name(req.name) || !box_valid_version(version)) {
		ret = cmd_usage_error(&cmd_box_build_entry, "'%s' version '%s' "
				      "is not a valid box name and version",
				      req.name, version);
	} else {
		interrupt_catch();
		ret = box_build(&req, &cli_report) < 0 ? cmd_fail() : EXIT_OK;
	}
	free(version);
	return ret;
}
