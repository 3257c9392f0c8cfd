/* cmd-halt.c: shut the workspace VM down, gently first. */

#include <getopt.h>
#include <stdlib.h>

#include "berth.h"
#include "machine.h"

static int cmd_halt_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_halt_entry = {
	.name = "halt",
	.usage = "[--timeout SECONDS] [-f]",
	.summary = "shut the VM down; the disk and the stack's data stay",
	.help =
	"Asks the guest to shut down (guest agent, else ACPI) and stops it\n"
	"hard after the timeout. 'berth up' starts it again.\n\n"
	"options:\n"
	"  -t, --timeout S   wait S seconds before stopping hard (default 90)\n"
	"  -f, --force       stop it hard at once\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_halt_exec,
};

static int
cmd_halt_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct machine w;
	int c, timeout_s = 90, ret = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, ":t:f", opts, NULL)) != -1) {
		if (c == 't')
			timeout_s = atoi(optarg);
		else if (c == 'f')
			timeout_s = 0;
		else
			return cmd_bad_option(&cmd_halt_entry, argv, c);
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_halt_entry,
				       "unexpected argument '%s'", argv[optind]);
	interrupt_catch();
	if (machine_open(&ctx->ws, &w, 1) < 0) {
		ret = cmd_fail();
		goto out;
	}
	if (!w.dom) {
		printf("workspace '%s' has no VM\n", ctx->ws.name);
		ret = EXIT_OK;
		goto out;
	}
	if (machine_halt(&w, timeout_s, &cli_report) < 0) {
		ret = cmd_fail();
		goto out;
	}
	printf("workspace '%s' is halted\n", ctx->ws.name);
	ret = EXIT_OK;
out:
	machine_close(&w);
	return ret;
}
