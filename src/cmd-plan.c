/* cmd-plan.c: what 'berth up' would change in the stack, and why, with
 * nothing changed. */

#include <getopt.h>
#include <stdlib.h>

#include "stack.h"

static int cmd_plan_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_plan_entry = {
	.name = "plan",
	.usage = "[--json]",
	.summary = "show what 'berth up' would change in the stack, and why",
	.help =
	"One line per service: unchanged, create, recreate (with what\n"
	"changed: image, command, environment, ports, volumes, healthcheck,\n"
	"restart policy, labels, networks), start, or remove. Images are not\n"
	"built; a build context that changed shows as a recreate.\n\n"
	"options:\n"
	"  --json   print the plan as one JSON object\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_plan_exec,
};

static int
cmd_plan_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c, json = 0;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c != 'j')
			return cmd_bad_option(&cmd_plan_entry, argv, c);
		json = 1;
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_plan_entry, "unexpected argument "
				       "'%s'", argv[optind]);
	return stack_plan_show(&ctx->ws, json) < 0
		? cmd_failf("cannot plan '%s'", ctx->ws.name) : EXIT_OK;
}
