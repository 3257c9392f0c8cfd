/* cmd.c: the command table, and what every command shares: help text,
 * usage errors, printing recorded errors and library events, and the
 * service actions (start, stop, restart). */

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "machine.h"
#include "proc.h"
#include "stack.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_init_entry,
	&cmd_up_entry,
	&cmd_plan_entry,
	&cmd_ps_entry,
	&cmd_config_entry,
	&cmd_watch_entry,
	&cmd_logs_entry,
	&cmd_exec_entry,
	&cmd_run_entry,
	&cmd_restart_entry,
	&cmd_stop_entry,
	&cmd_start_entry,
	&cmd_down_entry,
	&cmd_dash_entry,
	&cmd_status_entry,
	&cmd_ssh_entry,
	&cmd_ssh_config_entry,
	&cmd_sync_entry,
	&cmd_env_entry,
	&cmd_provision_entry,
	&cmd_halt_entry,
	&cmd_suspend_entry,
	&cmd_resume_entry,
	&cmd_reload_entry,
	&cmd_destroy_entry,
	&cmd_list_entry,
	&cmd_snapshot_entry,
	&cmd_bundle_entry,
	&cmd_box_entry,
	&cmd_validate_entry,
	&cmd_help_entry,
	&cmd_version_entry,
};
const size_t cmd_count = ARRAY_SIZE(cmd_table);

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < cmd_count; i++)
		if (!strcmp(cmd_table[i]->name, name))
			return cmd_table[i];
	return NULL;
}

const char *
cmd_nearest(const char *name)
{
	const char *names[ARRAY_SIZE(cmd_table)];
	size_t i;

	for (i = 0; i < cmd_count; i++)
		names[i] = cmd_table[i]->name;
	return nearest_word(name, names, cmd_count);
}

static const char *
sub_word(const struct cmd_entry *sub)
{
	const char *sp = strrchr(sub->name, ' ');

	return sp ? sp + 1 : sub->name;
}

const struct cmd_entry *
cmd_find_sub(const struct cmd_entry *e, const char *word)
{
	size_t i;

	for (i = 0; i < e->nsubs; i++)
		if (!strcmp(sub_word(e->subs[i]), word))
			return e->subs[i];
	return NULL;
}

const char *
cmd_nearest_sub(const struct cmd_entry *e, const char *word)
{
	const char *names[16];
	size_t i, n = e->nsubs < 16 ? e->nsubs : 16;

	for (i = 0; i < n; i++)
		names[i] = sub_word(e->subs[i]);
	return nearest_word(word, names, n);
}

void
cmd_print_usage(const struct cmd_entry *e, FILE *f)
{
	fprintf(f, "usage: berth %s%s%s\n", e->name, *e->usage ? " " : "",
		e->usage);
}

void
cmd_print_help(const struct cmd_entry *e, FILE *f)
{
	size_t i;

	cmd_print_usage(e, f);
	fprintf(f, "\n%s.\n", e->summary);
	if (e->help && *e->help)
		fprintf(f, "\n%s", e->help);
	cmd_print_options(e, f);
	if (e->needs & (NEED_WORKSPACE | NEED_ENV_OPTION))
		fputs("\nenvironment:\n  -e, --env NAME   work on the workspace's "
		      "environment NAME (default:\n                   $BERTH_ENV, "
		      "or \"default\", the Berthfile as written)\n", f);
	if (e->nsubs) {
		fprintf(f, "\ncommands:\n");
		for (i = 0; i < e->nsubs; i++)
			fprintf(f, "  %-8s %s\n", sub_word(e->subs[i]),
				e->subs[i]->summary);
		fprintf(f, "\nRun 'berth %s COMMAND --help' for the options of "
			"one.\n", e->name);
	}
}

int
cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "berth: %s: ", e->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cmd_print_usage(e, stderr);
	fprintf(stderr, "run 'berth %s --help' for more\n", e->name);
	return EXIT_USAGE;
}

int
cmd_bad_option(const struct cmd_entry *e, char **argv, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;

	if (c == ':')
		return cmd_usage_error(e, "option '%s' needs a value",
				       arg ? arg : "?");
	if (optopt)
		return cmd_usage_error(e, "unknown option '-%c'", optopt);
	return cmd_usage_error(e, "unknown option '%s'", arg ? arg : "?");
}

static char *
self_path(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return xstrdup("berth");
	buf[n] = '\0';
	return xstrdup(buf);
}

/* the variable's value, to put back with put_back() */
static char *
saved(const char *name)
{
	return getenv(name) ? xstrdup(getenv(name)) : NULL;
}

static void
put_back(const char *name, char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
	free(value);
}

int
cmd_berth_in_env(struct cmd_ctx *ctx, const char *env, const char *settings,
	    const char *const *words)
{
	struct strlist argv = { 0 };
	char *self = self_path();
	char *was_env = saved("BERTH_ENV");
	char *was_settings = saved("BERTH_ENV_SETTINGS");
	int ret;

	strlist_push(&argv, self);
	if (ctx->berthfile_opt) {
		strlist_push(&argv, "-f");
		strlist_push(&argv, ctx->berthfile_opt);
	}
	if (ctx->docker_host_opt) {
		strlist_push(&argv, "-H");
		strlist_push(&argv, ctx->docker_host_opt);
	}
	for (; *words; words++)
		strlist_push(&argv, *words);
	setenv("BERTH_ENV", env, 1);
	setenv("BERTH_ENV_SETTINGS", settings, 1);
	/* the child must not reap a run, which it may find half made */
	setenv(NO_REAP, "1", 1);
	ret = proc_run(&argv, NULL, 0);
	unsetenv(NO_REAP);
	put_back("BERTH_ENV", was_env);
	put_back("BERTH_ENV_SETTINGS", was_settings);
	strlist_release(&argv);
	free(self);
	return ret;
}

int
cmd_load_workspace(struct cmd_ctx *ctx, char **path_out, struct diags *d)
{
	char *path = berthfile_locate(ctx->berthfile_opt);

	*path_out = path;
	if (!path)
		return -1;
	ctx->have_ws = 1;
	if (ws_load(&ctx->ws, path, path, d) < 0) {
		err_set("'%s' has %zu problem%s", path, d->n,
			d->n == 1 ? "" : "s");
		err_hint("fix them, then run 'berth validate'");
		return -1;
	}
	if (ctx->docker_host_opt) {
		free(ctx->ws.docker.host);
		ctx->ws.docker.host = xstrdup(ctx->docker_host_opt);
	}
	return 0;
}

void
cmd_print_notes(const struct cmd_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->ws.notes.n; i++)
		fprintf(stderr, "berth: note: %s\n", ctx->ws.notes.v[i]);
}

void
diags_print(const struct diags *d, FILE *f)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];

		if (g->line > 0)
			fprintf(f, "%s:%d: ", g->file, g->line);
		else
			fprintf(f, "%s: ", g->file);
		if (g->setting)
			fprintf(f, "%s: ", g->setting);
		fprintf(f, "%s\n", g->msg);
		if (g->hint)
			fprintf(f, "    hint: %s\n", g->hint);
	}
}

char *
cmd_text_in_env(const char *text)
{
	static const char quoted[] = "'berth ";
	const char *env = ws_env_selected(), *p = text, *at;
	struct strbuf sb = STRBUF_INIT;

	if (!strcmp(env, WS_ENV_DEFAULT))
		return xstrdup(text);
	while ((at = strstr(p, quoted))) {
		const char *word = at + strlen(quoted);
		size_t len = strcspn(word, " '");
		char *name = xstrndup(word, len);
		const struct cmd_entry *e = cmd_find(name);

		sb_add(&sb, p, (size_t)(word - p));
		if (e && (e->needs & (NEED_WORKSPACE | NEED_ENV_OPTION)))
			sb_addf(&sb, "-e %s ", env);
		free(name);
		p = word;
	}
	sb_addstr(&sb, p);
	return sb_detach(&sb);
}

/* The recorded error and hint, as text others wrote may be in them (an
 * engine's answer, a name from an archive): escapes shown, not sent. */
static void
print_error(const char *prefix)
{
	struct strbuf sb = STRBUF_INIT;
	char *msg = cmd_text_in_env(err_msg() ? err_msg() : "unknown error");

	sb_addstr(&sb, prefix);
	sb_add_printable(&sb, msg, 1);
	sb_addch(&sb, '\n');
	free(msg);
	if (err_hint_msg()) {
		char *hint = cmd_text_in_env(err_hint_msg());

		sb_addstr(&sb, "hint: ");
		sb_add_printable(&sb, hint, 1);
		sb_addch(&sb, '\n');
		free(hint);
	}
	fputs(sb.buf, stderr);
	sb_release(&sb);
}

int
cmd_fail(void)
{
	print_error("berth: ");
	return EXIT_FAIL;
}

int
cmd_failf(const char *fmt, ...)
{
	struct strbuf what = STRBUF_INIT;
	va_list ap;

	sb_addstr(&what, "berth: ");
	va_start(ap, fmt);
	sb_vaddf(&what, fmt, ap);
	va_end(ap);
	sb_addstr(&what, ": ");
	print_error(what.buf);
	sb_release(&what);
	return EXIT_FAIL;
}

int
cmd_no_args(const struct cmd_entry *e, int argc, char **argv)
{
	return cmd_parse(e, argc, argv, NULL, 0);
}

void
cli_print_event(void *arg, const struct report_event *ev)
{
	FILE *f = ev->kind == REPORT_WARN || ev->kind == REPORT_NOTE ? stderr
								     : stdout;

	(void)arg;
	flockfile(f);	/* images are made on several threads */
	if (ev->kind == REPORT_PHASE)
		fprintf(f, "==> %s\n", ev->text);
	else
		fprintf(f, "%s\n", ev->text);
	fflush(f);
	funlockfile(f);
}

const struct reporter cli_report = { cli_print_event, NULL };

int
cli_service_action(const struct cmd_entry *entry, struct cmd_ctx *ctx,
		   int argc, char **argv, const char *action, const char *done)
{
	struct engine *e;
	int ret;

	if ((ret = cmd_parse(entry, argc, argv, NULL, -1)) >= 0)
		return ret;
	ret = (e = cmd_engine(ctx)) ? stack_service_action(e, &ctx->ws,
		argc - optind, argv + optind, action, done, &cli_report) : -1;
	return ret < 0 ? cmd_failf("cannot %s in '%s'", action, ctx->ws.name)
		       : EXIT_OK;
}

struct engine *
cmd_engine(struct cmd_ctx *ctx)
{
	struct engine *e;

	if (ctx->engine)
		return ctx->engine;
	e = xcalloc(1, sizeof(*e));
	if (engine_open(&ctx->ws, e) < 0) {
		engine_close(e);
		free(e);
		return NULL;
	}
	return ctx->engine = e;
}

struct machine *
cmd_machine(struct cmd_ctx *ctx, int lock)
{
	struct machine *m;

	if (ctx->machine)
		return ctx->machine;
	m = xcalloc(1, sizeof(*m));
	if (machine_open(&ctx->ws, m, lock) < 0) {
		machine_close(m);
		free(m);
		return NULL;
	}
	return ctx->machine = m;
}

void
cmd_close(struct cmd_ctx *ctx)
{
	if (ctx->engine)
		engine_close(ctx->engine);
	if (ctx->machine)
		machine_close(ctx->machine);
	free(ctx->engine);
	free(ctx->machine);
	ctx->engine = NULL;
	ctx->machine = NULL;
}
