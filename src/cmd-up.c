/* cmd-up.c: 'berth up': the VM (machine_up), then the stack (stack_up),
 * under the workspace's lock, with their progress shown as phases. */

#include <getopt.h>
#include <stdlib.h>

#include "berth.h"
#include "bundle.h"
#include "machine.h"
#include "stack.h"

static int cmd_up_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_up_entry = {
	.name = "up",
	.usage = "[--dry-run] [--timeout SECONDS]",
	.summary = "bring the workspace VM and its stack up",
	.help =
	"Clones the VM from its box (a qcow2 overlay on the box's volume in\n"
	"libvirt's 'default' pool), writes its cloud-init seed, boots it and\n"
	"waits for SSH, cloud-init and Docker. Then it lays the stack out:\n"
	"images, networks, volumes, and the services in dependency order,\n"
	"behind their health gates. Only what changed is recreated; the\n"
	"rest keeps running. With docker.host (or --docker-host) there is no\n"
	"VM, and the stack goes onto that engine. The serial console goes\n"
	"to .berth/console.log.\n\n"
	"options:\n"
	"  -n, --dry-run     show what would change, as 'berth plan' does\n"
	"  -t, --timeout S   give up booting, or waiting on a service, after\n"
	"                    S seconds (default 600)\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_up_exec,
};

/* The phases of one up, timed from its start. */
struct up_display {
	double t0;
};

static void
show(void *arg, const struct report_event *ev)
{
	const struct up_display *u = arg;

	if (ev->kind != REPORT_PHASE) {
		cli_print_event(NULL, ev);
		return;
	}
	printf("==> %-10s (%.1f s)\n", ev->text, clock_now() - u->t0);
	fflush(stdout);
}

int
cli_stack_up(struct engine *e, const struct ws *ws, int timeout_s,
	     const struct reporter *rep)
{
	struct stack_opts o = { .timeout_s = timeout_s, .rep = rep };

	/* a workspace opened from a bundle runs the bundle's image IDs */
	if (bundle_load_images(e, ws, rep) < 0 || stack_up(e, ws, &o) < 0)
		return -1;
	bundle_report(e, ws, rep);
	return 0;
}

/* The stack, on the engine in the VM or on docker.host. */
static int
stack(const struct ws *ws, int timeout_s, const struct reporter *rep)
{
	struct engine e;
	int ret = -1;

	if (engine_open(ws, &e) == 0)
		ret = cli_stack_up(&e, ws, timeout_s, rep);
	engine_close(&e);
	return ret;
}

int
cli_up(struct cmd_ctx *ctx, int timeout_s)
{
	const struct ws *ws = &ctx->ws;
	struct up_display u = { clock_now() };
	struct reporter rep = { show, &u };
	int lock = -1, ret = -1;

	if (state_lock(ws, &lock) < 0) {
		cmd_fail();
		return -1;
	}
	if (!ws->docker.host && machine_up(ws, timeout_s, &rep) < 0) {
		cmd_failf("cannot bring '%s' up", ws->name);
		goto out;
	}
	if (!ws->docker.host)
		report(&rep, REPORT_PHASE, NULL, "stack");
	if (stack(ws, timeout_s, &rep) < 0) {
		cmd_failf("cannot lay out the stack of '%s'", ws->name);
		goto out;
	}
	if (ws->docker.host)
		printf("stack '%s' is up on %s in %.1f s\n", ws->name,
		       ws->docker.host, clock_now() - u.t0);
	else
		printf("workspace '%s' is up in %.1f s: 'berth ps' lists the "
		       "services, 'berth ssh' opens a shell\n", ws->name,
		       clock_now() - u.t0);
	ret = 0;
out:
	state_unlock(lock);
	return ret;
}

static int
cmd_up_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ws *ws = &ctx->ws;
	int c, timeout_s = 600, dry = 0;
	char *end;

	while ((c = getopt_long(argc, argv, ":nt:", opts, NULL)) != -1) {
		if (c == 'n') {
			dry = 1;
			continue;
		}
		if (c != 't')
			return cmd_bad_option(&cmd_up_entry, argv, c);
		timeout_s = (int)strtol(optarg, &end, 10);
		if (*end || timeout_s <= 0)
			return cmd_usage_error(&cmd_up_entry, "--timeout takes "
					       "a number of seconds");
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_up_entry, "unexpected argument '%s'",
				       argv[optind]);
	if (dry)
		return cli_plan_show(ws, 0) < 0
			? cmd_failf("cannot plan '%s'", ws->name) : EXIT_OK;
	interrupt_catch();
	return cli_up(ctx, timeout_s) < 0 ? EXIT_FAIL : EXIT_OK;
}

