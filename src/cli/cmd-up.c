/* cmd-up.c: 'berth up': the VM (machine_up), then the stack (stack_up),
 * under the workspace's lock, with their progress shown as phases. */

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "bundle.h"
#include "machine.h"
#include "stack.h"

static int cmd_up_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct up_opts {
	int dry_run, watch, timeout_s;
	const char *from;
};

static const struct cmd_option up_options[] = {
	OPTION_FLAG("dry-run", 'n', struct up_opts, dry_run,
		    "show what would change, as 'berth plan' does"),
	OPTION_INT("timeout", 't', struct up_opts, timeout_s, "S",
		   "give up booting, or waiting on a service, after\n"
		   "S seconds", MACHINE_UP_TIMEOUT_S, 1,
		   "takes a number of seconds"),
	OPTION_STRING("from", 0, struct up_opts, from, "ENV",
		      "make this new environment a copy of ENV as it is now:\n"
		      "its volumes' data and its images"),
	OPTION_FLAG("watch", 'w', struct up_opts, watch,
		    "then follow develop.watch, as 'berth watch' does"),
	OPTIONS_END,
};

const struct cmd_entry cmd_up_entry = {
	.name = "up",
	.usage = "[--dry-run] [--timeout SECONDS] [--watch]",
	.summary = "bring the workspace VM and its stack up",
	.help =
	"Clones the VM from its box (a qcow2 overlay on the box's volume in\n"
	"libvirt's 'default' pool), writes its cloud-init seed, boots it and\n"
	"waits for SSH, cloud-init and Docker. Then it lays the stack out:\n"
	"images, networks, volumes, and the services in dependency order,\n"
	"behind their health gates. Only what changed is recreated; the\n"
	"rest keeps running. With docker.host (or --docker-host) there is no\n"
	"VM, and the stack goes onto that engine. The serial console goes\n"
	"to .berth/console.log.\n",
	.options = up_options,
	.needs = NEED_WORKSPACE | NEED_NOTES,
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
stack(const struct ws *ws, int timeout_s, const char *from,
      const struct reporter *rep)
{
	struct engine e;
	int ret = -1;

	if (engine_open(ws, &e) == 0 &&
	    (!from || stack_clone_from(&e, ws, from, rep) == 0))
		ret = cli_stack_up(&e, ws, timeout_s, rep);
	engine_close(&e);
	return ret;
}

int
cli_up(struct cmd_ctx *ctx, int timeout_s, const char *from)
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
	if (from)
		report(&rep, REPORT_LINE, NULL, "copying environment '%s' as "
		       "it is now", from);
	if (stack(ws, timeout_s, from, &rep) < 0) {
		cmd_failf("cannot lay out the stack of '%s'", ws->name);
		if (from)
			err_hint("'berth -e %s destroy' removes what was made, "
				 "to try again", ws->env);
		goto out;
	}
	if (ws->docker.host)
		printf("stack '%s' is up on %s in %.1f s\n", ws->name,
		       ws->docker.host, clock_now() - u.t0);
	else {
		char *next = cmd_text_in_env("'berth ps' lists the services, "
					     "'berth ssh' opens a shell");

		printf("workspace '%s' is up in %.1f s: %s\n", ws->name,
		       clock_now() - u.t0, next);
		free(next);
	}
	ret = 0;
out:
	state_unlock(lock);
	return ret;
}

/* --from makes a new environment from another that exists. */
static int
check_from(const struct ws *ws, const char *from)
{
	struct ws src = *ws;
	char *theirs;
	int ret = 0;

	src.env = (char *)from;
	theirs = state_dir(&src);
	if (!ws_env_valid(from) || !strcmp(from, ws->env)) {
		ret = err_set("--from names another environment than '%s'",
			      ws->env);
	} else if (!path_is_dir(theirs)) {
		err_set("there is no environment '%s' to copy", from);
		ret = err_hint("'berth list' shows the environments");
	} else if (state_env_made(ws) && !ws_env_is_default(ws)) {
		err_set("environment '%s' exists: --from makes a new one",
			ws->env);
		ret = err_hint("'berth -e %s destroy' removes it, or name "
			       "another", ws->env);
	} else if (ws_env_is_default(ws)) {
		ret = err_set("--from makes a new environment: name it with "
			      "-e NAME");
	}
	free(theirs);
	return ret;
}

static int
cmd_up_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct ws *ws = &ctx->ws;
	struct up_opts o = { 0 };
	int ret;

	if ((ret = cmd_parse(&cmd_up_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	if (o.dry_run && o.watch)
		return cmd_usage_error(&cmd_up_entry, "--dry-run changes "
				       "nothing, so there is nothing to watch");
	if (o.watch)
		return cli_watch(ctx, 1, o.timeout_s);
	if (o.dry_run)
		return cli_plan_show(ws, 0) < 0
			? cmd_failf("cannot plan '%s'", ws->name) : EXIT_OK;
	if (o.from && check_from(ws, o.from) < 0)
		return cmd_fail();
	interrupt_catch();
	return cli_up(ctx, o.timeout_s, o.from) < 0 ? EXIT_FAIL : EXIT_OK;
}
