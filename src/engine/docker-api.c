/* docker-api.c: the Engine API calls berth makes, over docker.c's
 * transport and docker-stream.c's parsers. */

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "docker-stream.h"
#include "docker.h"

char *
url_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *ret;

	if (!e)
		fatal("out of memory escaping a URL");
	ret = xstrdup(e);
	curl_free(e);
	return ret;
}

int
docker_get_json(struct docker *d, const char *path, json_t **out)
{
	long status;

	return docker_get_json_status(d, path, out, &status);
}

int
docker_get_json_status(struct docker *d, const char *path, json_t **out,
		       long *status)
{
	struct strbuf body = STRBUF_INIT;
	json_error_t jerr;
	int ret = -1;

	*out = NULL;
	*status = 0;
	if (docker_call(d, "GET", path, NULL, &body, status) < 0)
		goto out;
	if (!(*out = json_loadb(body.buf, body.len, 0, &jerr))) {
		err_set("GET %s: the engine sent malformed JSON: %s", path,
			jerr.text);
		goto out;
	}
	ret = 0;
out:
	sb_release(&body);
	return ret;
}

int
docker_post_json(struct docker *d, const char *path, json_t *body,
		 json_t **out)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct strbuf resp = STRBUF_INIT;
	long status = 0;
	int ret;

	if (out)
		*out = NULL;
	ret = docker_call(d, "POST", path, text ? text : "{}", &resp, &status);
	if (ret == 0 && out && resp.len)
		*out = json_loadb(resp.buf, resp.len, 0, NULL);
	free(text);
	sb_release(&resp);
	return ret;
}

/* JSON message streams: feed the parser; its error fails the call. */
static int
feed_json(const char *data, size_t len, void *arg)
{
	return json_stream_feed(arg, data, len);
}

static int
json_stream_call(struct docker *d, const char *method, const char *path,
		 const char *upload)
{
	struct json_stream js;
	int ret;

	json_stream_init(&js, NULL, NULL);
	ret = docker_stream(d, method, path, upload, NULL, feed_json, &js);
	if (ret == 0)
		ret = json_stream_finish(&js);
	if (ret < 0 && js.error)
		err_set("%s %s: %s", method, path, js.error);
	json_stream_release(&js);
	return ret;
}

static int
discard(const char *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	(void)arg;
	return 0;
}

int
docker_copy_into(struct docker *d, const char *id, const char *tar)
{
	char *i = url_escape(id);
	char *path = xasprintf("/containers/%s/archive?path=%%2F", i);
	int ret = docker_stream(d, "PUT", path, tar, NULL, discard, NULL);

	free(path);
	free(i);
	return ret;
}

int
docker_image_import(struct docker *d, const char *tar, const char *repo,
		    const char *tag)
{
	char *r = url_escape(repo), *t = url_escape(tag);
	char *path = xasprintf("/images/create?fromSrc=-&repo=%s&tag=%s", r, t);
	int ret = json_stream_call(d, "POST", path, tar);

	free(path);
	free(r);
	free(t);
	return ret;
}

/* An archive from the engine, in a file: an engine that streams without
 * end, or a volume larger than the host's disk, must stop before the disk
 * is full, leaving room for everything else. */
#define SAVE_DISK_RESERVE (512ULL << 20)
#define SAVE_CHECK_EVERY (16ULL << 20)

struct file_sink {
	FILE *f;
	const char *path;
	unsigned long long written, next_check;
};

static int
write_file_sink(const char *data, size_t len, void *arg)
{
	struct file_sink *s = arg;
	struct statvfs v;

	if (fwrite(data, 1, len, s->f) != len)
		return err_set("cannot write '%s': %s", s->path,
			       strerror(errno));
	s->written += len;
	if (s->written < s->next_check)
		return 0;
	s->next_check = s->written + SAVE_CHECK_EVERY;
	if (fstatvfs(fileno(s->f), &v) == 0 &&
	    (unsigned long long)v.f_bavail * v.f_frsize < SAVE_DISK_RESERVE) {
		err_set("stopped copying from the engine after %llu MiB: the "
			"file system of '%s' has less than %llu MiB left",
			s->written >> 20, s->path, SAVE_DISK_RESERVE >> 20);
		return err_hint("free some space there, or point TMPDIR at a "
				"larger file system");
	}
	return 0;
}

static int
save_to(struct docker *d, const char *path, const char *file)
{
	char *tmp = xasprintf("%s.tmp", file);
	struct file_sink sink = { .path = tmp };
	FILE *f = fopen(tmp, "wb");
	int ret = -1;

	if (!f) {
		err_set("cannot create '%s'", tmp);
		goto out;
	}
	sink.f = f;
	ret = docker_stream(d, "GET", path, NULL, NULL, write_file_sink, &sink);
	if (fclose(f) != 0 && ret == 0)
		ret = err_set("cannot write '%s'", tmp);
	if (ret == 0 && rename(tmp, file) < 0)
		ret = err_set("cannot rename '%s'", tmp);
	if (ret < 0)
		remove(tmp);
out:
	free(tmp);
	return ret;
}

int
docker_copy_out(struct docker *d, const char *id, const char *dir,
		const char *file)
{
	char *i = url_escape(id), *p = url_escape(dir);
	char *path = xasprintf("/containers/%s/archive?path=%s", i, p);
	int ret = save_to(d, path, file);

	free(path);
	free(p);
	free(i);
	return ret;
}

int
docker_image_save(struct docker *d, const char *name, const char *file)
{
	char *n = url_escape(name), *path = xasprintf("/images/%s/get", n);
	int ret = save_to(d, path, file);

	free(n);
	free(path);
	return ret;
}

int
docker_images_save(struct docker *d, const struct strlist *names,
		   const char *file)
{
	struct strbuf path = STRBUF_INIT;
	size_t i;
	int ret;

	sb_addstr(&path, "/images/get?");
	for (i = 0; i < names->n; i++) {
		char *n = url_escape(names->v[i]);

		sb_addf(&path, "%snames=%s", i ? "&" : "", n);
		free(n);
	}
	ret = save_to(d, path.buf, file);
	sb_release(&path);
	return ret;
}

int
docker_image_load(struct docker *d, const char *tar)
{
	return json_stream_call(d, "POST", "/images/load?quiet=1", tar);
}

/* POST a body; the engine answers with the Id of what it made. */
static int
post_for_id(struct docker *d, const char *path, json_t *body, char **id)
{
	json_t *out = NULL;
	int ret = docker_post_json(d, path, body, &out);

	*id = NULL;
	if (ret == 0) {
		const char *v = json_string_value(json_object_get(out, "Id"));

		if (v)
			*id = xstrdup(v);
		else
			ret = err_set("POST %s: the engine gave no Id", path);
	}
	json_decref(out);
	return ret;
}

int
docker_container_create(struct docker *d, const char *name, json_t *config,
			char **id)
{
	char *n = url_escape(name), *path = xasprintf("/containers/create?name=%s",
						  n);
	int ret = post_for_id(d, path, config, id);

	free(n);
	free(path);
	return ret;
}

int
docker_container_action(struct docker *d, const char *id, const char *action)
{
	char *path = xasprintf("/containers/%s/%s", id, action);
	struct strbuf resp = STRBUF_INIT;
	long status = 0;
	int ret = docker_call(d, "POST", path, "", &resp, &status);

	/* 304: already started or stopped, which is what was asked */
	free(path);
	sb_release(&resp);
	return ret;
}

char *
docker_events_path(const char *label, const char *const *kinds)
{
	json_t *f = json_pack("{s:[s], s:[s], s:[]}", "type", "container",
			      "label", label, "event");
	char *text, *q, *path;

	while (*kinds)
		json_array_append_new(json_object_get(f, "event"),
				      json_string(*kinds++));
	text = json_dumps(f, JSON_COMPACT);
	q = url_escape(text);
	path = xasprintf("/events?filters=%s", q);
	free(q);
	free(text);
	json_decref(f);
	return path;
}

char *
docker_stats_path(const char *id)
{
	return xasprintf("/containers/%s/stats?stream=1", id);
}

int
docker_version(struct docker *d, json_t **out)
{
	return docker_get_json(d, "/version", out);
}

int
docker_image_inspect(struct docker *d, const char *ref, json_t **out)
{
	char *r = url_escape(ref), *path = xasprintf("/images/%s/json", r);
	int ret = docker_get_json(d, path, out);

	if (ret < 0 && err_code() == ERR_NOT_FOUND) {
		err_clear();
		ret = 0;
	} else if (ret == 0) {
		ret = 1;
	}
	free(path);
	free(r);
	return ret;
}

int
docker_network_connect(struct docker *d, const char *net, const char *id,
		       json_t *endpoint)
{
	char *n = url_escape(net), *path = xasprintf("/networks/%s/connect", n);
	json_t *body = json_pack("{s:s, s:o}", "Container", id,
				 "EndpointConfig", endpoint);
	int ret = docker_post_json(d, path, body, NULL);

	json_decref(body);
	free(path);
	free(n);
	return ret;
}

int
docker_container_state(struct docker *d, const char *id,
		       struct container_state *s)
{
	char *path = xasprintf("/containers/%s/json", id);
	json_t *st;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = docker_get_json(d, path, &s->inspect);
	free(path);
	if (ret < 0)
		return -1;
	st = json_object_get(s->inspect, "State");
	s->status = json_string_value(json_object_get(st, "Status"));
	s->running = json_is_true(json_object_get(st, "Running"));
	s->exit_code = (long)json_integer_value(json_object_get(st,
								"ExitCode"));
	s->health = json_string_value(json_object_get(json_object_get(st,
						"Health"), "Status"));
	s->started_at = json_string_value(json_object_get(st, "StartedAt"));
	s->restarts = (long)json_integer_value(json_object_get(s->inspect,
							      "RestartCount"));
	return 0;
}

void
container_state_release(struct container_state *s)
{
	json_decref(s->inspect);
	memset(s, 0, sizeof(*s));
}

char *
container_last_check(const struct container_state *s)
{
	json_t *log = json_object_get(json_object_get(json_object_get(
		s->inspect, "State"), "Health"), "Log");
	const char *out = json_string_value(json_object_get(json_array_get(log,
		json_array_size(log) - 1), "Output"));
	char *t;
	size_t n;

	if (!out || !*out)
		return xstrdup("(the check printed nothing)");
	t = xstrdup(out);
	n = strlen(t);
	while (n && (t[n - 1] == '\n' || t[n - 1] == '\r'))
		t[--n] = '\0';
	return t;
}

int
docker_container_rename(struct docker *d, const char *id, const char *name)
{
	char *n = url_escape(name);
	char *path = xasprintf("/containers/%s/rename?name=%s", id, n);
	struct strbuf resp = STRBUF_INIT;
	long status = 0;
	int ret = docker_call(d, "POST", path, "", &resp, &status);

	free(n);
	free(path);
	sb_release(&resp);
	return ret;
}

int
docker_container_remove(struct docker *d, const char *id, int force,
			int volumes)
{
	char *path = xasprintf("/containers/%s?force=%d&v=%d", id, force,
			       volumes);
	struct strbuf resp = STRBUF_INIT;
	long status = 0;
	int ret = docker_call(d, "DELETE", path, NULL, &resp, &status);

	/* gone already (a removal still under way when it was listed, say
	 * by an up that was killed): what was asked for holds */
	if (ret < 0 && status == 404) {
		err_clear();
		ret = 0;
	}
	/* a forced removal answered 409: another is under way; wait (a
	 * bounded while) until the container is gone, so that its name is
	 * free for the one that replaces it */
	if (ret < 0 && status == 409 && force) {
		char *inspect = xasprintf("/containers/%s/json", id);
		json_t *c = NULL;
		int i;

		for (i = 0; i < 150 && !berth_interrupted; i++) {
			usleep(200000);
			if (docker_get_json_status(d, inspect, &c, &status) < 0 &&
			    status == 404) {
				err_clear();
				ret = 0;
				break;
			}
			json_decref(c);
			c = NULL;
		}
		json_decref(c);
		free(inspect);
		if (ret < 0)
			err_set("container %.12s is still being removed after "
				"30 s", id);
	}
	free(path);
	sb_release(&resp);
	return ret;
}

int
docker_containers_by_label(struct docker *d, const char *label, json_t **list)
{
	return docker_list_by_label(d, "containers", label, list);
}

int
docker_list_by_label(struct docker *d, const char *kind, const char *label,
		     json_t **list)
{
	json_t *filters = json_object(), *labels = json_array();
	char *ftext, *f, *path;
	int ret;

	json_array_append_new(labels, json_string(label));
	json_object_set_new(filters, "label", labels);
	ftext = json_dumps(filters, JSON_COMPACT);
	f = url_escape(ftext);
	path = !strcmp(kind, "containers")
		? xasprintf("/containers/json?all=1&filters=%s", f)
		: xasprintf("/%s?filters=%s", kind, f);
	ret = docker_get_json(d, path, list);
	/* volumes come wrapped: {"Volumes": [...], "Warnings": ...} */
	if (ret == 0 && json_is_object(*list) &&
	    json_is_array(json_object_get(*list, "Volumes"))) {
		json_t *v = json_incref(json_object_get(*list, "Volumes"));

		json_decref(*list);
		*list = v;
	}
	free(path);
	free(f);
	free(ftext);
	json_decref(filters);
	return ret;
}

static int
feed_mux(const char *data, size_t len, void *arg)
{
	return mux_stream_feed(arg, data, len);
}

static int
feed_lines(const char *data, size_t len, void *arg)
{
	return log_lines_feed(arg, data, len);
}

int
docker_logs(struct docker *d, const char *id, const struct log_query *q,
	    log_line_fn on_line, void *arg)
{
	char *path = docker_logs_path(id, q);
	struct log_lines l;
	int ret;

	log_lines_init(&l, on_line, arg);
	ret = docker_stream(d, "GET", path, NULL, NULL, feed_lines, &l);
	if (ret == 0)
		ret = log_lines_finish(&l);
	log_lines_release(&l);
	free(path);
	return ret;
}

int
docker_exec_create(struct docker *d, const char *container,
		   const char *const *argv, int with_stdin, int tty,
		   char **exec_id)
{
	json_t *cfg = json_object(), *cmd = json_array();
	char *path = xasprintf("/containers/%s/exec", container);
	const char *term = getenv("TERM");
	int ret;
	size_t i;

	for (i = 0; argv[i]; i++)
		json_array_append_new(cmd, json_string(argv[i]));
	json_object_set_new(cfg, "Cmd", cmd);
	json_object_set_new(cfg, "AttachStdin", json_boolean(with_stdin));
	json_object_set_new(cfg, "AttachStdout", json_true());
	json_object_set_new(cfg, "AttachStderr", json_true());
	json_object_set_new(cfg, "Tty", json_boolean(tty));
	if (tty && term)
		json_object_set_new(cfg, "Env", json_pack("[s+]", "TERM=", term));
	ret = post_for_id(d, path, cfg, exec_id);
	json_decref(cfg);
	free(path);
	return ret;
}

int
docker_exec(struct docker *d, const char *id, const char *const *argv,
	    int *code, int (*on_data)(int, const char *, size_t, void *),
	    void *arg)
{
	json_t *out = NULL;
	struct mux_stream m;
	char *start = NULL, *inspect = NULL, *exec_id = NULL;
	int ret = -1;

	if (docker_exec_create(d, id, argv, 0, 0, &exec_id) < 0)
		goto out;
	start = xasprintf("/exec/%s/start", exec_id);
	mux_stream_init(&m, on_data, arg);
	ret = docker_stream(d, "POST", start, NULL,
			    "{\"Detach\":false,\"Tty\":false}", feed_mux, &m);
	if (ret < 0)
		goto out;
	ret = -1;
	inspect = xasprintf("/exec/%s/json", exec_id);
	if (docker_get_json(d, inspect, &out) < 0)
		goto out;
	*code = (int)json_integer_value(json_object_get(out, "ExitCode"));
	ret = 0;
out:
	json_decref(out);
	free(start);
	free(inspect);
	free(exec_id);
	return ret;
}

/* more: settings of the kind's own, or NULL (taken) */
static int
create_named(struct docker *d, const char *kind, const char *name,
	     json_t *labels, json_t *more)
{
	json_t *cfg = json_object();
	char *path = xasprintf("/%s/create", kind);
	int ret;

	json_object_set_new(cfg, "Name", json_string(name));
	json_object_set_new(cfg, "Labels", labels ? json_incref(labels)
						  : json_object());
	if (more)
		json_object_update(cfg, more);
	json_decref(more);
	ret = docker_post_json(d, path, cfg, NULL);
	json_decref(cfg);
	free(path);
	return ret;
}

int
docker_network_create(struct docker *d, const char *name, json_t *labels,
		      int internal, const char *subnet, const char *gateway)
{
	return docker_network_create_driver(d, name, NULL, labels, internal,
					    subnet, gateway);
}

int
docker_network_create_driver(struct docker *d, const char *name,
			     const char *driver, json_t *labels, int internal,
			     const char *subnet, const char *gateway)
{
	json_t *more = json_object();

	/* an overlay that plain containers may join too ('berth run') */
	if (driver)
		json_object_set_new(more, "Driver", json_string(driver));
	if (driver && !strcmp(driver, "overlay"))
		json_object_set_new(more, "Attachable", json_true());
	if (internal)
		json_object_set_new(more, "Internal", json_true());
	if (subnet)
		json_object_set_new(more, "IPAM", json_pack(
			"{s:s, s:[{s:s, s:s*}]}", "Driver", "default",
			"Config", "Subnet", subnet, "Gateway", gateway));
	return create_named(d, "networks", name, labels, more);
}

int
docker_volume_create(struct docker *d, const char *name, json_t *labels)
{
	return create_named(d, "volumes", name, labels, NULL);
}

int
docker_remove(struct docker *d, const char *kind, const char *name)
{
	return docker_remove_query(d, kind, name, NULL);
}

int
docker_remove_query(struct docker *d, const char *kind, const char *name,
		    const char *query)
{
	char *n = url_escape(name);
	char *path = xasprintf("/%s/%s%s%s", kind, n, query ? "?" : "",
			       query ? query : "");
	struct strbuf resp = STRBUF_INIT;
	long status = 0;
	int ret = docker_call(d, "DELETE", path, NULL, &resp, &status);

	if (ret < 0 && status == 404)
		ret = 0;	/* gone already */
	free(path);
	free(n);
	sb_release(&resp);
	return ret;
}

int
docker_is_digest(const char *s)
{
	return s && !strncmp(s, "sha256:", 7) && strlen(s) == 71 &&
	       strspn(s + 7, "0123456789abcdef") == 64;
}

void
docker_ref_split(const char *ref, char **name, char **tag, char **digest)
{
	const char *at = strchr(ref, '@');
	char *colon, *slash;

	*name = xstrndup(ref, at ? (size_t)(at - ref) : strlen(ref));
	*digest = at ? xstrdup(at + 1) : NULL;
	colon = strrchr(*name, ':');
	slash = strrchr(*name, '/');
	/* "host:5000/repo" has a colon that is no tag */
	if (colon && slash && colon < slash)
		colon = NULL;
	*tag = colon ? xstrdup(colon + 1) : NULL;
	if (colon)
		*colon = '\0';
}

int
docker_image_pull(struct docker *d, const char *image,
		  int (*on_status)(json_t *msg, void *arg), void *arg)
{
	char *name, *tag, *digest, *n, *t, *path;
	struct json_stream js;
	int ret;

	docker_ref_split(image, &name, &tag, &digest);
	/* a digest goes where the tag would, and says all a tag beside it
	 * would */
	if (digest) {
		free(tag);
		tag = digest;
	} else if (!tag) {
		tag = xstrdup("latest");
	}
	n = url_escape(name);
	t = url_escape(tag);
	path = xasprintf("/images/create?fromImage=%s&tag=%s", n, t);
	json_stream_init(&js, on_status, arg);
	ret = docker_stream(d, "POST", path, NULL, NULL, feed_json, &js);
	if (ret == 0)
		ret = json_stream_finish(&js);
	if (ret < 0 && js.error)
		err_set("pulling '%s': %s", image, js.error);
	json_stream_release(&js);
	free(path);
	free(n);
	free(t);
	free(name);
	free(tag);
	return ret;
}

/* The push's last word: {"aux": {"Tag", "Digest", "Size"}}. */
static int
on_push_message(json_t *msg, void *arg)
{
	char **digest = arg;
	const char *d = json_string_value(json_object_get(
		json_object_get(msg, "aux"), "Digest"));

	/* it goes into a reference */
	if (docker_is_digest(d)) {
		free(*digest);
		*digest = xstrdup(d);
	}
	return 0;
}

int
docker_image_push(struct docker *d, const char *image, const char *repo,
		  const char *tag, char **digest)
{
	char *r = url_escape(repo), *t = url_escape(tag), *path;
	struct json_stream js;
	int ret = -1;

	*digest = NULL;
	path = xasprintf("/images/%s/tag?repo=%s&tag=%s", image, r, t);
	if (docker_post_json(d, path, NULL, NULL) < 0)
		goto out;
	free(path);
	/* repo is a path of the registry's: its slashes stay as they are */
	path = xasprintf("/images/%s/push?tag=%s", repo, t);
	json_stream_init(&js, on_push_message, digest);
	/* no credentials: the registry knows the engine by its certificate,
	 * but the header must be there ("{}" in base64) */
	ret = docker_stream_header(d, "POST", path, NULL, NULL,
				   "X-Registry-Auth: e30=", feed_json, &js);
	if (ret == 0)
		ret = json_stream_finish(&js);
	if (ret < 0 && js.error)
		err_set("pushing '%s:%s': %s", repo, tag, js.error);
	json_stream_release(&js);
	if (ret == 0 && !*digest)
		ret = err_set("pushing '%s:%s': the engine named no digest",
			      repo, tag);
out:
	if (ret < 0) {
		free(*digest);
		*digest = NULL;
	}
	free(path);
	free(r);
	free(t);
	return ret;
}

/* The save's side of a copy, on a thread of its own, into a pipe. */
struct save_side {
	struct docker *from;
	char *path;
	int fd;
	int ret;
	char err[1024];
};

static int
write_fd_sink(const char *data, size_t len, void *arg)
{
	const int *fd = arg;

	while (len) {
		ssize_t n = write(*fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set("the load stopped reading");
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *
save_side_run(void *arg)
{
	struct save_side *s = arg;
	sigset_t pipe_sig;

	/* a load that stops early: EPIPE for this thread, not a signal that
	 * ends berth */
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
	s->ret = docker_stream(s->from, "GET", s->path, NULL, NULL,
			       write_fd_sink, &s->fd);
	if (s->ret < 0)
		snprintf(s->err, sizeof(s->err), "%s", err_msg());
	close(s->fd);
	return NULL;
}

/* Streamed: the save feeds the load as it comes, with no file between
 * them, so the two engines work at once and no disk fills. */
int
docker_image_copy(struct docker *from, struct docker *to, const char *name)
{
	char *n = url_escape(name), *in = NULL;
	struct save_side s = { .from = from, .fd = -1 };
	int fds[2], ret;
	pthread_t t;

	s.path = xasprintf("/images/%s/get", n);
	free(n);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		ret = err_set("cannot copy '%s': %s", name, strerror(errno));
		goto out;
	}
	s.fd = fds[1];
	if (pthread_create(&t, NULL, save_side_run, &s) != 0) {
		close(fds[0]);
		close(fds[1]);
		ret = err_set("cannot copy '%s': no thread", name);
		goto out;
	}
	in = xasprintf("/dev/fd/%d", fds[0]);
	ret = docker_image_load(to, in);
	/* the save ends at once if it still writes */
	close(fds[0]);
	pthread_join(t, NULL);
	if (s.ret < 0)	/* the cause, when the save failed first */
		ret = err_set("cannot save '%s' from its engine: %s", name,
			      s.err);
	else if (ret < 0)
		err_prefix("cannot load '%s'", name);
out:
	free(in);
	free(s.path);
	return ret;
}
