/* cmd-logs.c: the services' logs, merged and prefixed by service; with
 * -f it follows them across restarts and recreation, by attaching to
 * each container the engine's events say has started. */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "docker.h"
#include "stack.h"

static int cmd_logs_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct logs_opts {
	int follow, timestamps;
	char tail[16];		/* "all", or a number */
	char *since;		/* a UNIX time, or NULL */
};

static int parse_tail(const char *arg, void *value);
static int parse_since(const char *arg, void *value);

static const struct cmd_option logs_options[] = {
	OPTION_FLAG("follow", 'f', struct logs_opts, follow,
		    "keep printing new lines, across restarts and\n"
		    "recreation, until interrupted"),
	OPTION_CUSTOM("tail", 'n', struct logs_opts, tail, "N",
		      "only the last N lines of each container", parse_tail,
		      "takes a number of lines"),
	OPTION_CUSTOM("since", 0, struct logs_opts, since, "T",
		      "lines since T: a duration (10m, 2h) or a UNIX time",
		      parse_since, "takes a duration (10m) or a UNIX time"),
	OPTION_FLAG("timestamps", 't', struct logs_opts, timestamps,
		    "show each line's time"),
	OPTIONS_END,
};

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.usage = "[-f] [--tail N] [--since T] [-t] [SERVICE...]",
	.summary = "show the services' logs, merged and prefixed",
	.help =
	"With no SERVICE, every service of the stack. Lines of several\n"
	"containers are merged in time order; on a terminal each service\n"
	"has its colour (NO_COLOR turns that off).\n",
	.options = logs_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_logs_exec,
};

static const int colours[] = { 36, 33, 32, 35, 34, 31 };

#define HOLD_CAP (16u << 20)	/* lines held to merge them by time */

struct logs {
	const struct ws *ws;
	struct engine *e;
	struct docker_multi *m;
	struct strlist only;
	int colour, timestamps, width, follow;
	char tail[16];
	char *since;
	/* lines held for sorting when not following */
	int hold;
	struct strbuf held;
	struct source **srcs;
	size_t nsrcs, alloc;
	struct json_stream events;
};

struct source {
	struct logs *l;
	char *prefix;
	int colour;
	struct log_lines lines_in;
	long lines;		/* so far: bounded by --tail when it ends */
	int overflowed;		/* it sent far more than --tail asked */
};

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Not following: every container's lines, merged by their times. */
static void
print_held(struct logs *l)
{
	char **lines = NULL, *p, *nl;
	size_t n = 0, alloc = 0, i;

	for (p = l->held.buf; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			break;
		*nl = '\0';
		ALLOC_GROW(lines, n + 1, alloc);
		lines[n++] = p;
	}
	/* the time sorts; equal times keep their order by the stable merge */
	qsort(lines, n, sizeof(char *), line_cmp);
	for (i = 0; i < n; i++)
		puts(strchr(lines[i], '\t') + 1);
	free(lines);
}

static void
emit(struct logs *l, struct source *s, const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len);
	const char *text = line;
	size_t tlen = len, tslen = 0;

	/* "2026-11-25T04:07:48.123456789Z text": the time, then the line */
	if (sp && len > 20 && line[4] == '-' && line[10] == 'T') {
		tslen = (size_t)(sp - line);
		text = sp + 1;
		tlen = len - tslen - 1;
	}
	if (l->hold) {
		/* the time first, so that sorting the lines merges them */
		sb_addf(&l->held, "%.*s\t", (int)tslen, line);
	}
	{
		struct strbuf out = STRBUF_INIT;

		if (l->colour)
			sb_addf(&out, "\033[%dm%-*s |\033[0m ", s->colour,
				l->width, s->prefix);
		else
			sb_addf(&out, "%-*s | ", l->width, s->prefix);
		if (l->timestamps)
			sb_addf(&out, "%.*s ", (int)tslen, line);
		sb_add(&out, text, tlen);
		sb_addch(&out, '\n');
		if (l->hold)
			sb_add(&l->held, out.buf, out.len);
		else
			fwrite(out.buf, 1, out.len, stdout);
		sb_release(&out);
	}
	/* lines kept to merge by time are bounded: past the cap, what is
	 * held goes out merged, and the rest merges after it */
	if (l->hold && l->held.len > HOLD_CAP) {
		print_held(l);
		sb_reset(&l->held);
	}
}

/* A source that sends far more lines than --tail N asked for is an
 * engine gone wrong (an endless stream): it is stopped, with an error. */
static int
over_tail(struct source *s)
{
	long n = s->l->follow ? 0 : strtol(s->l->tail, NULL, 10);

	if (n <= 0 || s->lines <= 2 * n + 2)
		return 0;
	s->overflowed = 1;
	return 1;
}

static int
on_line(int stream, const char *line, size_t len, void *arg)
{
	struct source *s = arg;

	(void)stream;
	emit(s->l, s, line, len);
	s->lines++;
	return over_tail(s) ? -1 : 0;
}

static int
feed_lines(const char *data, size_t len, void *arg)
{
	struct source *s = arg;
	int r = log_lines_feed(&s->lines_in, data, len);

	if (!s->l->hold)
		fflush(stdout);
	return r;
}

static const char *
label(json_t *labels, const char *key)
{
	return json_string_value(json_object_get(labels, key));
}

/* Attach to one container's log stream, from since (or the --since). */
static int
attach(struct logs *l, const char *id, json_t *labels, const char *since)
{
	const char *service = label(labels, LABEL_SERVICE);
	const struct service *svc = ws_find_service(l->ws, service ?: "");
	struct source *s = xcalloc(1, sizeof(*s));
	struct log_query q = { .follow = l->follow, .timestamps = 1,
			       .tail = since ? "all" : l->tail,
			       .since = since ? since : l->since };
	char *path;
	int ret;

	s->l = l;
	/* the labels are the engine's word: shown, never sent raw */
	s->prefix = str_printable(svc && svc->replicas > 1 ? "" : service ?: id);
	if (svc && svc->replicas > 1) {
		char *rep = str_printable(label(labels, LABEL_REPLICA) ?: "?");

		free(s->prefix);
		s->prefix = xasprintf("%s-%s", svc->name, rep);
		free(rep);
	}
	s->colour = colours[(svc ? svc->index : 0) % ARRAY_SIZE(colours)];
	log_lines_init(&s->lines_in, on_line, s);
	ALLOC_GROW(l->srcs, l->nsrcs + 1, l->alloc);
	l->srcs[l->nsrcs++] = s;
	path = docker_logs_path(id, &q);
	ret = docker_multi_add(l->m, path, feed_lines, s);
	free(path);
	return ret;
}

/* A container of ours started (again, or anew): follow it from then. */
static int
on_event(json_t *msg, void *arg)
{
	struct logs *l = arg;
	json_t *attrs = json_object_get(json_object_get(msg, "Actor"),
					"Attributes");
	const char *id = json_string_value(json_object_get(msg, "id"));
	const char *service = label(attrs, LABEL_SERVICE);
	const char *dir = label(attrs, LABEL_DIR);
	json_int_t ns = json_integer_value(json_object_get(msg, "timeNano"));
	char since[48];

	if (!id || !service || (dir && strcmp(dir, l->ws->dir)) ||
	    (l->only.n && !strlist_has(&l->only, service)))
		return 0;
	snprintf(since, sizeof(since), "%lld.%09lld",
		 (long long)(ns / 1000000000), (long long)(ns % 1000000000));
	attach(l, id, attrs, since);
	return 0;
}

static int
feed_events(const char *data, size_t len, void *arg)
{
	struct logs *l = arg;

	return json_stream_feed(&l->events, data, len);
}

static int
parse_tail(const char *arg, void *value)
{
	char *end;

	if (strtol(arg, &end, 10) < 0 || *end || !*arg || strlen(arg) > 9)
		return -1;
	snprintf(value, sizeof(((struct logs_opts *)0)->tail), "%s", arg);
	return 0;
}

/* A UNIX time as given, or a duration back from now. */
static int
parse_since(const char *arg, void *value)
{
	char **out = value;
	uint64_t ms;
	char *end;

	strtoll(arg, &end, 10);
	free(*out);
	*out = NULL;
	if (!*end && *arg) {
		*out = xstrdup(arg);
		return 0;
	}
	if (spec_parse_duration(arg, &ms) < 0)
		return -1;
	*out = xasprintf("%lld", (long long)(time(NULL) - (time_t)(ms / 1000)));
	return 0;
}

/* Follow container starts of this workspace: a restarted or recreated
 * container is picked up (on_event). */
static int
watch_starts(struct logs *l)
{
	static const char *const kinds[] = { "start", NULL };
	char *label = xasprintf("%s=%s", LABEL_WORKSPACE, l->ws->name);
	char *path = docker_events_path(label, kinds);
	int ret;

	json_stream_release(&l->events);
	json_stream_init(&l->events, on_event, l);
	ret = docker_multi_add(l->m, path, feed_events, l);
	free(path);
	free(label);
	return ret;
}

/* Swarm services: each one's tasks, on every node, through the manager;
 * following, it takes in the tasks to come as well. */
static int
attach_services(struct logs *l, const char *since)
{
	size_t i;

	for (i = 0; i < l->ws->stack.nservices; i++) {
		const struct service *svc = &l->ws->stack.services[i];
		struct source *s;
		struct log_query q = { .follow = l->follow, .timestamps = 1,
				       .tail = since ? "all" : l->tail,
				       .since = since ? since : l->since };
		char *name, *path;
		int ret;

		if (!svc->replicas ||
		    (l->only.n && !strlist_has(&l->only, svc->name)))
			continue;
		s = xcalloc(1, sizeof(*s));
		s->l = l;
		s->prefix = xstrdup(svc->name);
		s->colour = colours[svc->index % ARRAY_SIZE(colours)];
		log_lines_init(&s->lines_in, on_line, s);
		ALLOC_GROW(l->srcs, l->nsrcs + 1, l->alloc);
		l->srcs[l->nsrcs++] = s;
		name = stack_swarm_service_name(l->ws, svc);
		path = docker_service_logs_path(name, &q);
		ret = docker_multi_add(l->m, path, feed_lines, s);
		free(path);
		free(name);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* Attach to every container (and, following, to the starts to come),
 * from since, or from --tail/--since when NULL. */
static int
attach_all(struct logs *l, const char *since)
{
	json_t *list = NULL, *c;
	size_t i;
	int ret = -1;

	if (l->ws->stack.mode == STACK_SWARM) {
		l->m = docker_multi_new(&l->e->d);
		if (!l->follow)
			docker_multi_set_idle(l->m, docker_idle_seconds());
		return attach_services(l, since);
	}
	if (stack_containers(l->e, l->ws, &l->only, &list) < 0)
		return -1;
	l->m = docker_multi_new(&l->e->d);
	if (!l->follow)	/* logs that end: a stalled engine is an error */
		docker_multi_set_idle(l->m, docker_idle_seconds());
	if (l->follow && watch_starts(l) < 0)
		goto out;
	json_array_foreach(list, i, c)
		if (attach(l, json_string_value(json_object_get(c, "Id")),
			   json_object_get(c, "Labels"), since) < 0)
			goto out;
	ret = 0;
out:
	json_decref(list);
	return ret;
}

/* The engine went away under 'logs -f' (dockerd restarted, the VM
 * rebooted): wait for it, then carry on from the moment it was lost. */
static int
reconnect(struct logs *l)
{
	struct timespec now;
	char since[48];

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(since, sizeof(since), "%lld.%09ld", (long long)now.tv_sec,
		 now.tv_nsec);
	fprintf(stderr, "berth: lost the connection to the engine; "
		"reconnecting (Ctrl-C stops)\n");
	docker_multi_free(l->m);
	l->m = NULL;
	while (!berth_interrupted) {
		sleep(1);
		if (docker_ping(&l->e->d) == 0 && attach_all(l, since) == 0) {
			fprintf(stderr, "berth: reconnected\n");
			return 0;
		}
		docker_multi_free(l->m);
		l->m = NULL;
		err_clear();
	}
	return -1;
}

static int
run(struct logs *l)
{
	size_t i;

	if (attach_all(l, NULL) < 0)
		return -1;
	while (!berth_interrupted) {
		int running = docker_multi_poll(l->m, NULL, 0, 500);

		if (running < 0)
			return -1;
		if (!l->follow && running == 0)
			break;
		if (l->follow && running == 0 && reconnect(l) < 0)
			break;
	}
	for (i = 0; i < l->nsrcs; i++)	/* a last line with no newline */
		log_lines_finish(&l->srcs[i]->lines_in);
	if (l->hold)
		print_held(l);
	for (i = 0; !l->follow && i < l->nsrcs; i++) {
		if (l->srcs[i]->overflowed)
			return err_set("the engine sent far more than the last "
				       "%s lines of '%s'; stopped", l->tail,
				       l->srcs[i]->prefix);
		if (docker_multi_failed(l->m, l->srcs[i]) > 1)
			return err_set("the engine stopped sending the logs of "
				       "'%s'", l->srcs[i]->prefix);
	}
	return 0;
}

static int
cmd_logs_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct logs_opts o = { .tail = "all" };
	struct logs l = { .ws = &ctx->ws, .width = 4 };
	int follow, ret;
	size_t i;

	if ((ret = cmd_parse(&cmd_logs_entry, argc, argv, &o, -1)) >= 0) {
		free(o.since);
		return ret;
	}
	ret = EXIT_FAIL;
	follow = o.follow;
	l.timestamps = o.timestamps;
	memcpy(l.tail, o.tail, sizeof(l.tail));
	l.since = o.since;
	sb_init(&l.held, 0);
	json_stream_init(&l.events, NULL, NULL);
	if (stack_check_services(&ctx->ws, argc - optind, argv + optind) < 0)
		return cmd_fail();
	for (i = (size_t)optind; i < (size_t)argc; i++)
		strlist_push(&l.only, argv[i]);
	for (i = 0; i < ctx->ws.stack.nservices; i++) {
		const struct service *svc = &ctx->ws.stack.services[i];
		int w = (int)strlen(svc->name) + (svc->replicas > 1 ? 3 : 0);

		if (w > l.width)
			l.width = w;
	}
	l.colour = berth_color(stdout);
	l.hold = !follow;
	l.follow = follow;
	if (follow)
		interrupt_catch();
	if (!(l.e = cmd_engine(ctx)) || run(&l) < 0)
		ret = cmd_failf("cannot show the logs of '%s'", ctx->ws.name);
	else
		ret = EXIT_OK;
	docker_multi_free(l.m);
	for (i = 0; i < l.nsrcs; i++) {
		log_lines_release(&l.srcs[i]->lines_in);
		free(l.srcs[i]->prefix);
		free(l.srcs[i]);
	}
	free(l.srcs);
	json_stream_release(&l.events);
	sb_release(&l.held);
	strlist_release(&l.only);
	free(l.since);
	return ret;
}
