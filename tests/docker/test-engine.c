/* test-engine.c: berth's Engine API client against a real dockerd (run by
 * engine.sh): version negotiation, image import, save and load, networks,
 * volumes, containers by label, logs, exec exit codes, events, errors. */

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "docker.h"
#include "../unit/tap.h"
#include "util.h"

#define IMAGE "berth-test/busybox:1"
#define LABEL "berth.workspace=berthtest"

struct out {
	struct strbuf o, e;
};

static int
collect(int stream, const char *data, size_t len, void *arg)
{
	struct out *x = arg;

	sb_add(stream == MUX_STDERR ? &x->e : &x->o, data, len);
	return 0;
}

/* A log comes in lines, without their newlines. */
static int
collect_line(int stream, const char *line, size_t len, void *arg)
{
	struct out *x = arg;
	struct strbuf *sb = stream == MUX_STDERR ? &x->e : &x->o;

	sb_add(sb, line, len);
	sb_addch(sb, '\n');
	return 0;
}

static const struct log_query all_logs = { .tail = "all" };
static const struct log_query follow_logs = { .follow = 1, .tail = "all" };

static int events_seen;

static int
on_event(json_t *msg, void *arg)
{
	const char *action = json_string_value(json_object_get(msg, "Action"));
	const char *name = json_string_value(json_object_get(
		json_object_get(json_object_get(msg, "Actor"), "Attributes"),
		"name"));

	(void)arg;
	if (action && name && !strcmp(action, "create") &&
	    !strcmp(name, "berthtest-c1"))
		events_seen++;
	return 0;
}

static int
feed_events(const char *data, size_t len, void *arg)
{
	return json_stream_feed(arg, data, len);
}

/* One follow stream of the multi test: its own demultiplexer. */
struct follow {
	struct mux_stream mux;
	struct out text;
};

static int
follow_sink(const char *data, size_t len, void *arg)
{
	struct follow *f = arg;

	return mux_stream_feed(&f->mux, data, len);
}

static int
event_sink(const char *data, size_t len, void *arg)
{
	sb_add(arg, data, len);
	return 0;
}

/* Two log streams and the event stream at once, on one poll loop. */
static void
test_multi(struct docker *d, const char *long_id)
{
	struct docker_multi *m = docker_multi_new(d);
	struct follow a = { .text = { STRBUF_INIT, STRBUF_INIT } };
	struct follow b = { .text = { STRBUF_INIT, STRBUF_INIT } };
	struct strbuf events = STRBUF_INIT;
	json_t *cfg = json_pack("{s:s,s:[s,s,s]}", "Image", IMAGE, "Cmd", "sh",
				"-c", "for i in 1 2 3; do echo tick$i; "
				"sleep 0.3; done");
	char *id = NULL, *p1, *p2, *pe;
	time_t end;

	mux_stream_init(&a.mux, collect, &a.text);
	mux_stream_init(&b.mux, collect, &b.text);
	ok(docker_container_create(d, "berthtest-ticks", cfg, &id) == 0,
	   "a second container that prints and exits");
	p1 = xasprintf("/containers/%s/logs?stdout=1&stderr=1&follow=1",
		       long_id);
	p2 = xasprintf("/containers/%s/logs?stdout=1&stderr=1&follow=1", id);
	/* since: the start may come before the request reaches dockerd */
	pe = xasprintf("/events?since=%ld", (long)time(NULL) - 1);
	ok(docker_multi_add(m, p1, follow_sink, &a) == 0 &&
	   docker_multi_add(m, pe, event_sink, &events) == 0,
	   "follow one container's logs and the events");
	docker_container_action(d, id, "start");
	ok(docker_multi_add(m, p2, follow_sink, &b) == 0,
	   "and the second container's logs");
	end = time(NULL) + 15;
	while (time(NULL) < end && docker_multi_poll(m, NULL, 0, 500) >= 0 &&
	       !strstr(b.text.o.buf, "tick3"))
		;
	ok(strstr(b.text.o.buf, "tick1\ntick2\ntick3\n") != NULL,
	   "lines arrive as the container prints them");
	is_str(a.text.o.buf, "out\n", "the other stream carries on beside it");
	ok(strstr(events.buf, "\"start\"") != NULL,
	   "the events stream reports the start");
	ok(docker_multi_active(m) >= 2, "follow streams stay open");
	docker_multi_free(m);
	docker_container_remove(d, id, 1, 1);
	json_decref(cfg);
	free(id);
	free(p1);
	free(p2);
	free(pe);
	sb_release(&a.text.o);
	sb_release(&a.text.e);
	sb_release(&b.text.o);
	sb_release(&b.text.e);
	sb_release(&events);
}

int
main(void)
{
	const char *host = getenv("BERTH_TEST_DOCKER");
	const char *rootfs = getenv("BERTH_TEST_ROOTFS");
	const char *scratch = getenv("BERTH_TEST_SCRATCH");
	struct docker d;
	json_t *j = NULL, *cfg, *cmd, *labels, *hc;
	struct out x = { STRBUF_INIT, STRBUF_INIT };
	struct json_stream js;
	char *id = NULL, *saved, *path;
	const char *exec_argv[] = { "sh", "-c", "echo hi; echo oops >&2; exit 5",
				    NULL };
	time_t since = time(NULL) - 1;
	int code = -1, i;

	if (!host || !rootfs || !scratch) {
		printf("1..0 # SKIP run through engine.sh\n");
		return 0;
	}
	ok(docker_open(&d, host, NULL) == 0, "open %s", host);
	ok(docker_ping(&d) == 0, "ping");
	is_str(d.api, "1.41", "API version negotiated from /_ping");
	ok(docker_get_json(&d, "/version", &j) == 0 &&
	   json_string_value(json_object_get(j, "ApiVersion")), "version");
	json_decref(j);
	ok(docker_get_json(&d, "/info", &j) == 0 &&
	   json_object_get(j, "Driver"), "info");
	json_decref(j);

	ok(docker_image_import(&d, rootfs, "berth-test/busybox", "1") == 0,
	   "import busybox as an image (no registry)");
	saved = path_join(scratch, "saved.tar");
	ok(docker_image_save(&d, IMAGE, saved) == 0 && path_size(saved) > 0,
	   "save it (GET /images/{name}/get)");
	ok(docker_remove(&d, "images", IMAGE) == 0, "remove it");
	ok(docker_get_json(&d, "/images/" IMAGE "/json", &j) < 0 &&
	   strstr(err_msg(), "404"), "it is gone, and the error says 404: %s",
	   err_msg());
	ok(docker_image_load(&d, saved) == 0, "load it back (POST /images/load)");
	ok(docker_image_copy(&d, &d, IMAGE) == 0,
	   "copy an image from one engine to another (a save streamed into "
	   "a load)");
	ok(docker_image_copy(&d, &d, "berth-test/none:1") < 0 &&
	   strstr(err_msg(), "cannot save 'berth-test/none:1'") &&
	   strstr(err_msg(), "404"), "copying an image that is not there "
	   "fails, saying why: %s", err_msg());
	ok(docker_get_json(&d, "/images/" IMAGE "/json", &j) == 0, "it is back");
	json_decref(j);
	free(saved);

	{
		json_t *ours = json_pack("{s:s}", "berth.workspace",
					 "berthtest");

		ok(docker_network_create(&d, "berthtest-net", ours, 0, NULL, NULL) == 0,
		   "network");
		ok(docker_volume_create(&d, "berthtest-vol", ours) == 0,
		   "volume");
		json_decref(ours);
	}

	cfg = json_object();
	cmd = json_array();
	json_array_append_new(cmd, json_string("sh"));
	json_array_append_new(cmd, json_string("-c"));
	json_array_append_new(cmd, json_string("echo out; echo err >&2; "
						"exec sleep 60"));
	json_object_set_new(cfg, "Image", json_string(IMAGE));
	json_object_set_new(cfg, "Cmd", cmd);
	labels = json_object();
	json_object_set_new(labels, "berth.workspace", json_string("berthtest"));
	json_object_set_new(cfg, "Labels", labels);
	hc = json_object();
	json_object_set_new(hc, "NetworkMode", json_string("berthtest-net"));
	json_object_set_new(hc, "Binds", json_pack("[s]", "berthtest-vol:/data"));
	json_object_set_new(cfg, "HostConfig", hc);
	ok(docker_container_create(&d, "berthtest-c1", cfg, &id) == 0 && id,
	   "create a container with a label, a network and a volume");
	json_decref(cfg);
	ok(id && docker_container_action(&d, id, "start") == 0, "start");
	ok(docker_containers_by_label(&d, LABEL, &j) == 0 &&
	   json_array_size(j) == 1, "listed by its label");
	json_decref(j);
	for (i = 0; i < 50; i++) {
		sb_reset(&x.o);
		sb_reset(&x.e);
		docker_logs(&d, id, &all_logs, collect_line, &x);
		if (x.e.len)
			break;
		usleep(100000);
	}
	is_str(x.o.buf, "out\n", "logs: stdout");
	is_str(x.e.buf, "err\n", "logs: stderr, kept apart");
	sb_reset(&x.o);
	sb_reset(&x.e);
	ok(docker_exec(&d, id, exec_argv, &code, collect, &x) == 0, "exec");
	is_int(code, 5, "exec passes the exit code through");
	is_str(x.o.buf, "hi\n", "exec output");
	is_str(x.e.buf, "oops\n", "exec errors, apart");

	ok(docker_list_by_label(&d, "networks", LABEL, &j) == 0 &&
	   json_array_size(j) == 1, "the network is listed by its label");
	json_decref(j);
	ok(docker_list_by_label(&d, "volumes", LABEL, &j) == 0 &&
	   json_array_size(j) == 1, "the volume is listed by its label");
	json_decref(j);
	path = xasprintf("/containers/%s/stats?stream=0", id);
	ok(docker_get_json(&d, path, &j) == 0 &&
	   json_object_get(j, "memory_stats"), "stats");
	json_decref(j);
	free(path);
	path = xasprintf("/containers/%s/json", id);
	ok(docker_get_json(&d, path, &j) == 0 &&
	   json_is_true(json_object_get(json_object_get(j, "State"),
					"Running")), "inspect: running");
	json_decref(j);
	free(path);
	test_multi(&d, id);

	ok(docker_container_action(&d, id, "kill") == 0, "kill");
	ok(docker_container_remove(&d, id, 1, 1) == 0, "remove");
	ok(docker_containers_by_label(&d, LABEL, &j) == 0 &&
	   json_array_size(j) == 0, "no container left with the label");
	json_decref(j);
	ok(docker_remove(&d, "networks", "berthtest-net") == 0 &&
	   docker_remove(&d, "volumes", "berthtest-vol") == 0,
	   "network and volume removed");
	ok(docker_remove(&d, "volumes", "berthtest-vol") == 0,
	   "removing a missing volume is fine");

	json_stream_init(&js, on_event, NULL);
	path = xasprintf("/events?since=%ld&until=%ld", (long)since,
			 (long)time(NULL) + 1);
	ok(docker_stream(&d, "GET", path, NULL, NULL, feed_events, &js) == 0 &&
	   json_stream_finish(&js) == 0, "events, a JSON message stream");
	ok(events_seen == 1, "the container's create event is in it");
	json_stream_release(&js);
	free(path);

	free(id);
	id = NULL;
	cfg = json_pack("{s:s}", "Image", "berth-test/nosuch:1");
	ok(docker_container_create(&d, "berthtest-bad", cfg, &id) < 0 &&
	   strstr(err_msg(), "POST /containers/create") &&
	   strstr(err_msg(), "No such image"),
	   "a failure names the call and says the daemon's error: %s",
	   err_msg());
	json_decref(cfg);
	free(id);
	/* a build from a local context, honouring .dockerignore */
	{
		char *ctx = path_join(scratch, "ctx"), *f;
		static const char *const files[][2] = {
			{ "Dockerfile", "FROM " IMAGE "\nCOPY . /ctx\n"
			  "CMD [\"ls\", \"-R\", \"/ctx\"]\n" },
			{ ".dockerignore", "# not sent\nsecret.txt\nlogs\n"
			  "!logs/keep.log\n" },
			{ "keep.txt", "kept\n" },
			{ "secret.txt", "s3cret\n" },
			{ "logs/a.log", "noise\n" },
			{ "logs/keep.log", "wanted\n" },
		};
		size_t k;

		for (k = 0; k < ARRAY_SIZE(files); k++) {
			f = path_join(ctx, files[k][0]);
			mkdir_p(ctx, 0755);
			if (strchr(files[k][0], '/')) {
				char *dn = path_dirname(f);

				mkdir_p(dn, 0755);
				free(dn);
			}
			write_file_atomic(f, files[k][1], strlen(files[k][1]),
					  0644);
			free(f);
		}
		ok(docker_image_build(&d, ctx, "Dockerfile", "berth-test/built:1", NULL, NULL, NULL,
				      NULL, NULL) == 0, "build from a local "
		   "context: %s", err_msg());
		cfg = json_pack("{s:s}", "Image", "berth-test/built:1");
		ok(docker_container_create(&d, "berthtest-ls", cfg, &id) == 0 &&
		   docker_container_action(&d, id, "start") == 0,
		   "run the built image");
		json_decref(cfg);
		sb_reset(&x.o);
		ok(id && docker_logs(&d, id, &follow_logs, collect_line, &x) == 0,
		   "follow its logs to the end");
		ok(strstr(x.o.buf, "keep.txt") && strstr(x.o.buf, "keep.log"),
		   "the context holds what it should");
		ok(!strstr(x.o.buf, "secret.txt") && !strstr(x.o.buf, "a.log"),
		   "and not what .dockerignore excludes");
		if (id)
			docker_container_remove(&d, id, 1, 1);
		free(id);
		id = NULL;
		f = path_join(ctx, "Dockerfile");
		write_file_atomic(f, "FROM " IMAGE "\nRUN exit 3\n",
				  strlen("FROM " IMAGE "\nRUN exit 3\n"), 0644);
		free(f);
		ok(docker_image_build(&d, ctx, "Dockerfile", "berth-test/bad:1", NULL, NULL, NULL,
				      NULL, NULL) < 0 &&
		   strstr(err_msg(), "non-zero code: 3"),
		   "a failing build step is reported: %s", err_msg());
		docker_remove(&d, "images", "berth-test/built:1");
		free(ctx);
	}
	ok(docker_image_pull(&d, "127.0.0.1:1/nosuch:1", NULL, NULL) < 0 &&
	   strstr(err_msg(), "nosuch"),
	   "a pull that cannot reach its registry fails clearly: %s",
	   err_msg());
	ok(docker_remove(&d, "images", IMAGE) == 0, "clean up the image");
	sb_release(&x.o);
	sb_release(&x.e);
	docker_close(&d);
	return done_testing();
}
