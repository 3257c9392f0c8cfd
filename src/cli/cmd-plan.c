/* cmd-plan.c: what 'berth up' would change in the stack, and why, with
 * nothing changed. */

#include <stdlib.h>

#include "cli.h"
#include "machine.h"
#include "stack.h"

static int cmd_plan_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct plan_opts {
	int json;
};

static const struct cmd_option plan_options[] = {
	OPTION_FLAG("json", 0, struct plan_opts, json,
		    "print the plan as one JSON object"),
	OPTIONS_END,
};

const struct cmd_entry cmd_plan_entry = {
	.name = "plan",
	.usage = "[--json]",
	.summary = "show what 'berth up' would change in the stack, and why",
	.help =
	"One line per service: unchanged, create, recreate (with what\n"
	"changed: image, command, environment, ports, volumes, healthcheck,\n"
	"restart policy, labels, networks), start, or remove. Images are not\n"
	"built; a build context that changed shows as a recreate.\n",
	.options = plan_options,
	.needs = NEED_WORKSPACE | NEED_NOTES,
	.exec = cmd_plan_exec,
};

static void
print_plan(const struct ws *ws, const struct stack_plan *plan, int json)
{
	if (json) {
		json_t *pj = stack_plan_json(plan);

		json_object_set_new(pj, "images_pending",
				    json_boolean(plan->images_pending));
		json_dumpf(pj, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(pj);
		return;
	}
	stack_plan_print(ws, plan, 0, stdout);
	if (plan->images_pending)
		printf("(images are built or fetched first; their services are "
		       "recreated)\n");
}

int
cli_plan_show(const struct ws *ws, int json)
{
	struct stack_plan plan = { 0 };
	struct engine e;
	int running, found, ret = -1;

	/* a VM that is not running has no engine to ask */
	if (!ws->docker.host) {
		if ((found = machine_find(ws, &running)) < 0)
			return -1;
		if (!running) {
			const char *vm = found ? "not running" : "not created";

			if (json) {
				json_t *o = json_pack("{s:s, s:[], s:[], s:[]}",
						      "vm", vm, "containers",
						      "networks", "volumes");

				json_dumpf(o, stdout, JSON_INDENT(2));
				putchar('\n');
				json_decref(o);
			} else
				printf("vm  %s: 'berth up' boots it, then creates "
				       "every service\n", vm);
			return 0;
		}
	}
	if (engine_open(ws, &e) == 0 &&
	    (ret = stack_plan_dry(&e, ws, &plan)) == 0)
		print_plan(ws, &plan, json);
	stack_plan_release(&plan);
	engine_close(&e);
	return ret;
}

static int
cmd_plan_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct plan_opts o = { 0 };
	int ret;

	if ((ret = cmd_parse(&cmd_plan_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	return cli_plan_show(&ctx->ws, o.json) < 0
		? cmd_failf("cannot plan '%s'", ctx->ws.name) : EXIT_OK;
}
