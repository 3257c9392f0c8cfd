/* cmd-validate.c: check the Berthfile and report every problem in it. */

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>

#include "cli.h"

static int cmd_validate_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct validate_opts {
	int json, quiet;
};

static const struct cmd_option validate_options[] = {
	OPTION_FLAG("json", 0, struct validate_opts, json,
		    "print {\"ok\": ..., \"file\": ..., \"errors\": [...]}"),
	OPTION_FLAG("quiet", 'q', struct validate_opts, quiet,
		    "print nothing; only the exit code tells"),
	OPTIONS_END,
};

const struct cmd_entry cmd_validate_entry = {
	.name = "validate",
	.usage = "[--json] [-q]",
	.summary = "check the Berthfile and report every problem in it",
	.help =
	"Prints 'ok', or every problem as FILE:LINE: SETTING: MESSAGE with a\n"
	"hint where there is one, and exits 1. Nothing is changed.\n",
	.options = validate_options,
	.exec = cmd_validate_exec,
};

static void
print_json(const char *path, const struct ws *ws, const struct diags *d)
{
	json_t *obj = json_object(), *errors = json_array();
	size_t i;

	json_object_set_new(obj, "ok", json_boolean(path && !d->n));
	json_object_set_new(obj, "file", path ? json_string(path) : json_null());
	if (path && !d->n) {
		json_object_set_new(obj, "workspace", json_string(ws->name));
		json_object_set_new(obj, "services",
				    json_integer((json_int_t)
						 ws->stack.nservices));
	}
	if (!path) {
		json_t *e = json_object();

		json_object_set_new(e, "message", json_string(err_msg()));
		if (err_hint_msg())
			json_object_set_new(e, "hint",
					    json_string(err_hint_msg()));
		json_array_append_new(errors, e);
	}
	for (i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		json_t *e = json_object();

		json_object_set_new(e, "file", json_string(g->file));
		json_object_set_new(e, "line", json_integer(g->line));
		json_object_set_new(e, "setting", g->setting
				    ? json_string(g->setting) : json_null());
		json_object_set_new(e, "message", json_string(g->msg));
		json_object_set_new(e, "hint", g->hint ? json_string(g->hint)
						       : json_null());
		json_array_append_new(errors, e);
	}
	json_object_set_new(obj, "errors", errors);
	json_object_set_new(obj, "notes", json_array());
	for (i = 0; i < ws->notes.n; i++)
		json_array_append_new(json_object_get(obj, "notes"),
				      json_string(ws->notes.v[i]));
	json_dumpf(obj, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(obj);
}

static int
cmd_validate_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct validate_opts o = { 0 };
	struct diags d = { 0 };
	char *path = NULL;
	int json, quiet, ret;

	if ((ret = cmd_parse(&cmd_validate_entry, argc, argv, &o, -1)) >= 0)
		return ret;
	ret = EXIT_FAIL;
	json = o.json;
	quiet = o.quiet;
	if (optind < argc)
		return cmd_usage_error(&cmd_validate_entry,
				       "unexpected argument '%s' (name the "
				       "file with 'berth -f FILE validate')",
				       argv[optind]);
	if (cmd_load_workspace(ctx, &path, &d) == 0)
		ret = EXIT_OK;
	if (!json && !quiet)
		cmd_print_notes(ctx);
	diags_sort(&d);
	if (json)
		print_json(path, &ctx->ws, &d);
	else if (!quiet && !path)
		cmd_fail();
	else if (!quiet && ret == EXIT_OK)
		printf("ok\n");
	else if (!quiet) {
		diags_print(&d, stdout);
		fprintf(stderr, "berth: %s\n", err_msg());
	}
	diags_release(&d);
	free(path);
	return ret;
}
