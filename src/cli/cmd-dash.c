/* cmd-dash.c: the dashboard: one loop that waits on the terminal and on
 * the collectors' word that the model changed (they fill it on threads of
 * their own), answers keys, and redraws at most five times a second. */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dash.h"
#include "machine.h"
#include "stack.h"

static int cmd_dash_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_dash_entry = {
	.name = "dash",
	.usage = "",
	.summary = "a terminal dashboard: the VM, the services and their logs",
	.help =
	"The header shows the workspace, the VM's state, acceleration,\n"
	"uptime, CPU and memory, and the engine. The table lists each\n"
	"container with its state, health, restarts, CPU, memory and ports,\n"
	"coloured by health. Below, the logs of every service, or of the\n"
	"selected one, follow as they come. Press ? for the keys. It works\n"
	"the same on docker.host, and it reconnects by itself when the engine\n"
	"or libvirt goes away. E switches to the folder's next environment.\n"
	"In a Swarm (stack.mode = \"swarm\", or a cluster) the table lists\n"
	"the tasks with the node each runs on. NO_COLOR turns colours off.\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_dash_exec,
};

#define REDRAW_S 0.2

struct dash {
	struct cmd_ctx *ctx;	/* how berth was pointed, to load another */
	const struct ws *ws;
	struct ws *other;	/* the environment switched to, if any */
	struct dash_model m;
	struct collector *c;
	struct ui_state s;
	char *console;
	/* a destructive key waits for y */
	char pending_action[16];
	char pending_container[128];
	int quit;
};

/* The selected row's container and state, copied under the model's lock
 * (the engine's thread rewrites the table): 0 when no row is selected. */
static int
selected(struct dash *d, char *container, size_t clen, char *state,
	 size_t slen)
{
	const struct svc_view *v;
	int found;

	pthread_mutex_lock(&d->m.lock);
	found = d->s.selected < d->m.nsvcs;
	if (found) {
		v = &d->m.svcs[d->s.selected];
		snprintf(container, clen, "%s", v->container);
		if (state)
			snprintf(state, slen, "%s", v->state);
	}
	pthread_mutex_unlock(&d->m.lock);
	return found;
}

/* A Swarm's tasks are the services' to start and stop, on any node. */
static int
refuse_task(struct dash *d)
{
	if (d->ws->stack.mode != STACK_SWARM)
		return 0;
	dash_message(&d->m, "a Swarm service's task: 'berth up' updates the "
		     "service, 'berth exec -r N SERVICE' reaches a task");
	return 1;
}

static void
ask(struct dash *d, const char *action, const char *verb)
{
	char container[128];

	if (refuse_task(d) ||
	    !selected(d, container, sizeof(container), NULL, 0))
		return;
	snprintf(d->pending_action, sizeof(d->pending_action), "%s", action);
	snprintf(d->pending_container, sizeof(d->pending_container), "%s",
		 container);
	snprintf(d->s.prompt, sizeof(d->s.prompt), " %s %s? (y/n)", verb,
		 container);
}

static void
answer(struct dash *d, int ch)
{
	if (ch == 'y' || ch == 'Y')
		collector_action(d->c, d->pending_container, d->pending_action);
	d->s.prompt[0] = '\0';
	d->pending_action[0] = '\0';
}

/* e: leave the screen for a shell in the container, then come back. */
/* The engine for e and u: a connection of this thread's own, as the
 * collector's is its thread's. */
static int
open_engine(struct dash *d, struct engine *e)
{
	if (engine_open(d->ws, e) == 0)
		return 0;
	engine_close(e);
	return -1;
}

static void
shell(struct dash *d)
{
	static const char *const argv[] = { "sh", NULL };
	struct engine e;
	char container[128];
	int code = 0;

	if (refuse_task(d) ||
	    !selected(d, container, sizeof(container), NULL, 0))
		return;
	ui_suspend();
	printf("berth: a shell in %s; 'exit' comes back to the dashboard\n",
	       container);
	fflush(stdout);
	if (open_engine(d, &e) < 0) {
		dash_message(&d->m, "shell in %s: %s", container, err_msg());
	} else {
		if (docker_exec_interactive(&e.d, container, argv, 1,
					    &code) < 0)
			dash_message(&d->m, "shell in %s: %s", container,
				     err_msg());
		else
			dash_message(&d->m, "the shell in %s exited with %d",
				     container, code);
		engine_close(&e);
	}
	ui_resume();
}

/*
 * E: the next environment of the folder (those with state, in order),
 * loaded as berth -e would, and watched instead of this one: new
 * collectors on a new model. The old ones stop first.
 */
static void
next_env(struct dash *d)
{
	struct strlist envs = { 0 };
	struct cmd_ctx tmp = { .berthfile_opt = d->ctx->berthfile_opt,
			       .docker_host_opt = d->ctx->docker_host_opt };
	struct diags diags = { 0 };
	char *path = NULL;
	size_t i;

	state_envs(d->ws, &envs);
	for (i = 0; i < envs.n && strcmp(envs.v[i], d->ws->env); i++)
		;
	if (envs.n < 2 && (!envs.n || !strcmp(envs.v[0], d->ws->env))) {
		dash_message(&d->m, "'%s' is this folder's only environment",
			     d->ws->env);
		goto out;
	}
	setenv("BERTH_ENV", envs.v[i < envs.n ? (i + 1) % envs.n : 0], 1);
	unsetenv("BERTH_ENV_SETTINGS");
	if (cmd_load_workspace(&tmp, &path, &diags) < 0) {
		dash_message(&d->m, "cannot switch to environment '%s': %s",
			     getenv("BERTH_ENV"), diags.n ? diags.v[0].msg
							  : err_msg());
		err_clear();
		if (tmp.have_ws)
			ws_release(&tmp.ws);
		goto out;
	}
	collector_free(d->c);
	dash_model_release(&d->m);
	free(d->console);
	if (d->other) {
		ws_release(d->other);
		free(d->other);
	}
	d->other = xmalloc(sizeof(*d->other));
	*d->other = tmp.ws;
	d->ws = d->other;
	d->console = d->ws->docker.host ? NULL
					: state_path(d->ws, "console.log");
	d->s.console = d->console;
	d->s.selected = 0;
	dash_model_init(&d->m, d->ws);
	dash_message(&d->m, "environment '%s'", d->ws->env);
	d->c = collector_new(&d->m, d->ws);
out:
	diags_release(&diags);
	free(path);
	strlist_release(&envs);
}

/* u: the Berthfile applied again, with its output on the plain terminal. */
static void
apply(struct dash *d)
{
	struct engine e;
	char buf[16];
	int r = -1;

	ui_suspend();
	printf("berth: applying %s\n", d->ws->file);
	fflush(stdout);
	if (open_engine(d, &e) == 0) {
		r = cli_stack_up(&e, d->ws, MACHINE_UP_TIMEOUT_S, &cli_report);
		engine_close(&e);
	}
	if (r < 0)
		fprintf(stderr, "berth: %s\n", err_msg());
	printf("\npress Enter to go back to the dashboard ");
	fflush(stdout);
	if (!fgets(buf, sizeof(buf), stdin))
		clearerr(stdin);
	if (r < 0)
		dash_message(&d->m, "apply failed: %s", err_msg());
	else
		dash_message(&d->m, "applied %s", d->ws->file);
	ui_resume();
}

static void
scroll_by(struct dash *d, long lines)
{
	if (!d->s.paused) {
		d->s.paused = 1;
		pthread_mutex_lock(&d->m.lock);
		d->s.anchor = d->m.logs.total;
		pthread_mutex_unlock(&d->m.lock);
		d->s.scroll = 0;
	}
	if (lines < 0 && (size_t)-lines > d->s.scroll)
		d->s.scroll = 0;
	else
		d->s.scroll = (size_t)((long)d->s.scroll + lines);
}

static void
follow(struct dash *d)
{
	d->s.paused = 0;
	d->s.scroll = 0;
}

static void
key_main(struct dash *d, enum ui_key k, int ch)
{
	switch (k) {
	case K_UP:
		if (d->s.selected)
			d->s.selected--;
		return;
	case K_DOWN:
		pthread_mutex_lock(&d->m.lock);
		if (d->s.selected + 1 < d->m.nsvcs)
			d->s.selected++;
		pthread_mutex_unlock(&d->m.lock);
		return;
	case K_ENTER:
		d->s.focus = !d->s.focus;
		return;
	case K_ESC:
		d->s.focus = 0;
		d->s.search[0] = '\0';
		dash_message(&d->m, "%s", "");
		return;
	case K_PGUP:
		scroll_by(d, ui_log_height());
		return;
	case K_PGDN:
		scroll_by(d, -ui_log_height());
		return;
	case K_END:
		follow(d);
		return;
	default:
		break;
	}
	if (k != K_CHAR)
		return;
	switch (ch) {
	case 'q':
		d->quit = 1;
		break;
	case 'k':
		key_main(d, K_UP, 0);
		break;
	case 'j':
		key_main(d, K_DOWN, 0);
		break;
	case 'p':
	case ' ':
		if (d->s.paused)
			follow(d);
		else
			scroll_by(d, 0);
		break;
	case 'G':
		follow(d);
		break;
	case '/':
		if (ui_read_line(" search: ", d->s.search, sizeof(d->s.search)) < 0)
			d->s.search[0] = '\0';
		break;
	case 'r':
		ask(d, "restart", "restart");
		break;
	case 's': {
		char container[128], state[32];

		if (selected(d, container, sizeof(container), state,
			     sizeof(state))) {
			const char *a = strcmp(state, "running") ? "start"
								  : "stop";

			ask(d, a, a);
		}
		break;
	}
	case 'e':
		shell(d);
		break;
	case 'E':
		next_env(d);
		break;
	case 'u':
		apply(d);
		break;
	case 'c':
		d->s.view = VIEW_CONSOLE;
		break;
	case '?':
	case 'h':
		d->s.view = VIEW_HELP;
		break;
	}
}

static void
key(struct dash *d, enum ui_key k, int ch)
{
	if (k == K_RESIZE)
		return;
	if (d->pending_action[0]) {
		answer(d, k == K_CHAR ? ch : 0);
		return;
	}
	if (d->s.view == VIEW_HELP) {
		d->s.view = VIEW_MAIN;
		return;
	}
	if (d->s.view == VIEW_CONSOLE) {
		if (k == K_ESC || (k == K_CHAR && (ch == 'c' || ch == 'q')))
			d->s.view = VIEW_MAIN;
		return;
	}
	key_main(d, k, ch);
}

static void
loop(struct dash *d)
{
	double last_draw = 0, next_console = 0;
	int dirty = 1;

	while (!d->quit && !berth_interrupted) {
		int stdin_fd = STDIN_FILENO, ready = 0, ch, timeout = 1000;
		double now = clock_now();
		enum ui_key k;

		pthread_mutex_lock(&d->m.lock);
		dirty |= d->m.changed;
		if (d->s.view == VIEW_CONSOLE && now >= next_console) {
			dirty = 1;	/* the console log grows by itself */
			next_console = now + 1;
		}
		if (dirty && now - last_draw >= REDRAW_S) {
			ui_draw(&d->m, &d->s);
			d->m.changed = 0;
			dirty = 0;
			last_draw = now;
		} else if (dirty) {
			timeout = (int)((REDRAW_S - (now - last_draw)) * 1000) + 1;
		}
		pthread_mutex_unlock(&d->m.lock);
		collector_poll(d->c, &stdin_fd, 1, &ready, timeout);
		/* keys run here, unlocked: what they read of the model
		 * (the table, the log count) is locked where it is read */
		while ((k = ui_key(&ch)) != K_NONE) {
			key(d, k, ch);
			dirty = 1;
			last_draw = 0;	/* a key is answered at once */
		}
	}
}

static int
cmd_dash_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct dash d = { 0 };
	int r;

	if ((r = cmd_no_args(&cmd_dash_entry, argc, argv)) >= 0)
		return r;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		err_set("berth dash needs a terminal");
		err_hint("for scripts, 'berth ps --json' and 'berth logs' give "
			 "the same facts");
		return cmd_fail();
	}
	d.ctx = ctx;
	d.ws = &ctx->ws;
	if (!ctx->ws.docker.host)
		d.console = state_path(&ctx->ws, "console.log");
	d.s.console = d.console;
	dash_model_init(&d.m, &ctx->ws);
	interrupt_catch();
	/* connecting can take a moment: the screen comes first */
	ui_start(berth_color(stdout));
	atexit(ui_end);
	ui_draw(&d.m, &d.s);
	d.c = collector_new(&d.m, &ctx->ws);
	loop(&d);
	ui_end();
	collector_free(d.c);
	dash_model_release(&d.m);
	free(d.console);
	if (d.other) {
		ws_release(d.other);
		free(d.other);
	}
	return EXIT_OK;
}
