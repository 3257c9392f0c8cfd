/*
 * cmd-run.c: a throwaway environment for one command, as CI wants it:
 * up, run CMD on the host with the environment's ports and engine in its
 * environment, then destroy, whatever happened. Each run has its own
 * environment (run-XXXXXX), so runs side by side do not clash. The run
 * leaves its pid in the environment's state; a berth that finds it dead
 * (kill -9) removes what it left.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "machine.h"
#include "proc.h"
#include "stack.h"

static int cmd_run_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct run_cmd_opts {
	int keep;
	const char *from;
};

static const struct cmd_option run_options[] = {
	OPTION_FLAG("keep", 'k', struct run_cmd_opts, keep,
		    "leave the environment up afterwards (to look at it)"),
	OPTION_STRING("from", 0, struct run_cmd_opts, from, "ENV",
		      "start as a copy of ENV as it is now:\n"
		      "its volumes' data and its images"),
	OPTIONS_END,
};

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "[-e ENV] [--from ENV] [--keep] -- CMD [ARG...]",
	.summary = "run a command against a throwaway environment, then "
		   "destroy it",
	.help =
	"Brings up a new environment of this workspace (with the settings of\n"
	"ENV when given; as a copy of another with --from), runs CMD on the\n"
	"host, destroys the environment, and exits with CMD's code.\n"
	"\n"
	"CMD gets DOCKER_HOST and friends, BERTH_ENV (so 'berth ps' in it\n"
	"sees the environment), BERTH_WORKSPACE (its name, which its\n"
	"containers' names start with), and the published ports:\n"
	"PORT_<SERVICE> for a service's first one and PORT_<SERVICE>_<PORT>\n"
	"for each container port, for example PORT_WEB=41235.\n"
	"\n"
	"A run stopped with Ctrl-C or SIGTERM passes it on to CMD and still\n"
	"destroys. One that is killed leaves its environment to the next\n"
	"berth in this folder, which removes it.\n",
	.options = run_options,
	.stop_at_arg = 1,
	.needs = NEED_ENV_OPTION,
	.exec = cmd_run_exec,
};

/* When the process started, in clock ticks since boot: with the pid, it
 * tells a live run from a new process that took its pid. */
static long long
proc_start_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	long long ticks = -1;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')'))) {
		/* field 22, counted after the command's name */
		for (field = 2; p && field < 22; field++)
			p = strchr(p + 1, ' ');
		if (p)
			ticks = strtoll(p + 1, NULL, 10);
	}
	fclose(f);
	return ticks;
}

static int
run_alive(const json_t *mark)
{
	pid_t pid = (pid_t)json_integer_value(json_object_get(mark, "pid"));
	long long start = json_integer_value(json_object_get(mark, "start"));

	return pid > 0 && proc_start_ticks(pid) == start;
}

/* Everything of the environment: its stack on an engine of the user's
 * own (nothing else holds it), or its VM. */
static int
remove_env(struct cmd_ctx *ctx, const char *env, const char *settings)
{
	static const char *const down[] = { "down", "--volumes", NULL };
	static const char *const destroy[] = { "destroy", "--force", NULL };
	int ret = 0;

	if (ctx->ws.docker.host)
		ret = cmd_berth_in_env(ctx, env, settings, down);
	if (ret == 0)
		ret = cmd_berth_in_env(ctx, env, settings, destroy);
	return ret;
}

void
cmd_reap_runs(struct cmd_ctx *ctx)
{
	struct strlist envs = { 0 };
	size_t i;

	if (getenv(NO_REAP))
		return;
	state_envs(&ctx->ws, &envs);
	for (i = 0; i < envs.n; i++) {
		struct ws w = { .dir = ctx->ws.dir, .env = envs.v[i] };
		char *dir = state_dir(&w), *mark = path_join(dir, STATE_RUN_MARK);
		char *taken = xasprintf("%s.reaping", mark);
		const char *settings;
		json_t *m;

		if (strcmp(envs.v[i], WS_ENV_DEFAULT) &&
		    (m = json_load_file(mark, 0, NULL))) {
			settings = json_string_value(json_object_get(m,
								"settings"));
			/* the rename makes one berth the reaper */
			if (!run_alive(m) && rename(mark, taken) == 0) {
				fprintf(stderr, "berth: removing environment "
					"'%s', left by a berth run that was "
					"killed\n", envs.v[i]);
				/* not all gone: the next berth tries again */
				if (remove_env(ctx, envs.v[i], settings
					       ? settings : WS_ENV_DEFAULT))
					rename(taken, mark);
			}
			json_decref(m);
		}
		free(taken);
		free(mark);
		free(dir);
	}
	strlist_release(&envs);
}

static int
write_mark(const struct ws *ws, const char *settings)
{
	char *path = state_path(ws, STATE_RUN_MARK), *text;
	json_t *o = json_pack("{s:i, s:I, s:s}", "pid", (int)getpid(),
			      "start", (json_int_t)proc_start_ticks(getpid()),
			      "settings", settings);
	int ret;

	text = json_dumps(o, JSON_COMPACT);
	ret = write_file_atomic(path, text, strlen(text), 0600);
	free(text);
	json_decref(o);
	free(path);
	return ret;
}

static void
unlink_mark(const struct ws *ws)
{
	char *path = state_path(ws, STATE_RUN_MARK);

	unlink(path);
	free(path);
}

/* PORT_WEB_80 from web and 80: upper case, '_' for anything else */
static char *
port_var(const char *service, unsigned port)
{
	char *v = port ? xasprintf("PORT_%s_%u", service, port)
		       : xasprintf("PORT_%s", service), *p;

	for (p = v; *p; p++)
		*p = isalnum((unsigned char)*p) ? (char)toupper(*p) : '_';
	return v;
}

/* The published ports of replica 1 of each service, into the environment
 * CMD gets. */
static int
export_ports(struct cmd_ctx *ctx)
{
	const struct ws *ws = &ctx->ws;
	struct engine *e = cmd_engine(ctx);
	size_t i, k;

	if (!e)
		return -1;
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];

		if (svc->replicas < 1)
			continue;
		for (k = 0; k < svc->nports; k++) {
			int port = stack_host_port(e, svc, 1, &svc->ports[k]);
			char *name = port_var(svc->name, svc->ports[k].port);
			char *value = xasprintf("%d", port);

			if (port < 0)
				return -1;
			setenv(name, value, 1);
			free(name);
			if (k == 0) {
				name = port_var(svc->name, 0);
				setenv(name, value, 1);
				free(name);
			}
			free(value);
		}
	}
	return 0;
}

static int
cmd_run_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct run_cmd_opts o = { 0 };
	const char *up[] = { "up", NULL, NULL, NULL };
	struct kvlist vars = { 0 };
	struct strlist cmd = { 0 };
	struct diags d = { 0 };
	char *settings = xstrdup(ws_env_selected()), *env = NULL;
	char *path = NULL;
	unsigned char raw[3];
	int ret, fd, i, rc;
	size_t k;

	if ((ret = cmd_parse(&cmd_run_entry, argc, argv, &o, -1)) >= 0)
		goto done;
	ret = EXIT_USAGE;
	if (optind >= argc) {
		ret = cmd_usage_error(&cmd_run_entry, "name the command to "
				      "run, after --");
		goto done;
	}
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw))
		fatal("cannot read /dev/urandom");
	close(fd);
	/* at most 20 characters: the settings' name, cut, and 6 of chance */
	env = xasprintf("%.13s-%02x%02x%02x", strcmp(settings, WS_ENV_DEFAULT)
			? settings : "run", raw[0], raw[1], raw[2]);
	setenv("BERTH_ENV", env, 1);
	setenv("BERTH_ENV_SETTINGS", settings, 1);
	ret = EXIT_FAIL;
	if (cmd_load_workspace(ctx, &path, &d) < 0) {
		diags_sort(&d);
		diags_print(&d, stderr);
		ret = cmd_fail();
		goto done;
	}
	cmd_reap_runs(ctx);
	interrupt_catch();
	if (write_mark(&ctx->ws, settings) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	if (o.from) {
		up[1] = "--from";
		up[2] = o.from;
	}
	fprintf(stderr, "berth: run: environment '%s'\n", env);
	if ((rc = cmd_berth_in_env(ctx, env, settings, up)) != 0) {
		fprintf(stderr, "berth: run: the environment did not come up "
			"(exit %d): CMD was not run\n", rc);
		goto cleanup;
	}
	if (berth_interrupted)
		goto cleanup;
	if (export_ports(ctx) < 0 || cmd_env_vars(ctx, &vars) < 0) {
		ret = cmd_fail();
		goto cleanup;
	}
	for (k = 0; k < vars.n; k++)
		setenv(vars.v[k].key, vars.v[k].value, 1);
	/* its containers are named after it: BERTH_WORKSPACE-web-1 */
	setenv("BERTH_WORKSPACE", ctx->ws.name, 1);
	for (i = optind; i < argc; i++)
		strlist_push(&cmd, argv[i]);
	rc = proc_run(&cmd, NULL, 0);
	if (rc < 0)
		ret = cmd_fail();
	else
		ret = rc;
cleanup:
	if (o.keep) {
		fprintf(stderr, "berth: run: environment '%s' kept: 'berth -e "
			"%s destroy' removes it\n", env, env);
		unlink_mark(&ctx->ws);
	} else if (remove_env(ctx, env, settings) != 0) {
		fprintf(stderr, "berth: run: environment '%s' was not all "
			"removed: 'berth -e %s destroy' finishes it\n", env,
			env);
		if (ret == EXIT_OK)
			ret = EXIT_FAIL;
	}
done:
	free(env);
	strlist_release(&cmd);
	kvlist_release(&vars);
	diags_release(&d);
	free(path);
	free(settings);
	return ret;
}
