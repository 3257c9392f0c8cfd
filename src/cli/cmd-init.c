/* cmd-init.c: start a workspace from one of the shipped templates. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"

static int cmd_init_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct init_opts {
	const char *template, *box, *name;
	int list;
};

static const struct cmd_option init_options[] = {
	OPTION_STRING("template", 't', struct init_opts, template, "NAME",
		      "the template to start from (default: blank)"),
	OPTION_STRING("box", 'b', struct init_opts, box, "NAME",
		      "the box the VM boots from"),
	OPTION_STRING("name", 'n', struct init_opts, name, "NAME",
		      "the workspace name (default: the folder's)"),
	OPTION_FLAG("list", 'l', struct init_opts, list,
		    "list the templates and exit"),
	OPTIONS_END,
};

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.usage = "[--template NAME] [--box NAME] [--name NAME] [--list] [DIR]",
	.summary = "write a Berthfile from a template",
	.help =
	"Writes a Berthfile, and any files the template ships (such as the\n"
	"demo's build contexts), into DIR or the current folder. It never\n"
	"overwrites a file: if one is in the way, nothing is written.\n",
	.options = init_options,
	.exec = cmd_init_exec,
};

static int
list_templates(void)
{
	struct strlist names = { 0 };
	size_t i;

	if (template_list(&names) < 0)
		return cmd_fail();
	for (i = 0; i < names.n; i++)
		printf("%s\n", names.v[i]);
	strlist_release(&names);
	return EXIT_OK;
}

static int
cmd_init_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct init_opts o = { .template = "blank" };
	const char *tmpl, *box, *name_opt;
	const char *dir = ".";
	struct strlist created = { 0 };
	char *abs = NULL, *name = NULL, *base;
	size_t i;
	int ret;

	(void)ctx;
	if ((ret = cmd_parse(&cmd_init_entry, argc, argv, &o, -1)) >= 0)
		return ret;
	if (o.list)
		return list_templates();
	ret = EXIT_FAIL;
	tmpl = o.template;
	box = o.box;
	name_opt = o.name;
	if (argc - optind > 1)
		return cmd_usage_error(&cmd_init_entry, "one folder at a time");
	if (optind < argc)
		dir = argv[optind];
	if (name_opt && !spec_valid_name(name_opt, NAME_MAX_LEN))
		return cmd_usage_error(&cmd_init_entry, "'%s' is not a valid "
				       "workspace name: use at most %d "
				       "lower-case letters, digits, '-' and "
				       "'_'", name_opt, NAME_MAX_LEN);
	if (box && (!*box || strpbrk(box, "\"\\\n")))
		return cmd_usage_error(&cmd_init_entry, "'%s' is not a box "
				       "name", box);
	if (!path_is_dir(dir) && mkdir_p(dir, 0755) < 0)
		return cmd_fail();
	if (!(abs = realpath(dir, NULL))) {
		err_set("cannot resolve '%s': %s", dir, strerror(errno));
		return cmd_fail();
	}
	base = strrchr(abs, '/');
	name = name_opt ? xstrdup(name_opt)
			: spec_name_from(base && base[1] ? base + 1 : "ws",
					 NAME_MAX_LEN);
	if (template_instantiate(tmpl, abs, name, box, &created) < 0) {
		ret = cmd_failf("cannot create the workspace");
		goto out;
	}
	for (i = 0; i < created.n; i++)
		printf("created %s\n", created.v[i]);
	printf("workspace '%s' from template '%s' in %s\n", name, tmpl, abs);
	printf("next: 'berth up' in that folder brings it up "
	       "('berth validate' checks it first)\n");
	ret = EXIT_OK;
out:
	strlist_release(&created);
	free(name);
	free(abs);
	return ret;
}
