/* docker.c: Docker Engine API calls over libcurl: the transport, version
 * negotiation, and error reporting. */

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docker.h"

#define BODY_CAP (16u << 20)	/* answers larger than this are refused */
#define API_DEFAULT "1.41"	/* Debian 12's docker.io, Engine 20.10 */

/*
 * One pool of connections and TLS sessions for the whole process, shared
 * by every call on every thread: a TLS handshake with an engine in a TCG
 * guest costs ~40 ms, and a no-op up makes a dozen calls. libcurl only
 * reuses a connection whose host, port and certificates match.
 */
static CURLSH *share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
static pthread_once_t share_once = PTHREAD_ONCE_INIT;

static void
share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *arg)
{
	(void)c;
	(void)access;
	(void)arg;
	pthread_mutex_lock(&share_locks[data]);
}

static void
share_unlock(CURL *c, curl_lock_data data, void *arg)
{
	(void)c;
	(void)arg;
	pthread_mutex_unlock(&share_locks[data]);
}

static void
share_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(share_locks); i++)
		pthread_mutex_init(&share_locks[i], NULL);
	if (!(share = curl_share_init()))
		return;		/* then every call connects anew */
	curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

int
docker_open(struct docker *d, const char *host, const char *certdir)
{
	/* with CURLOPT_NOSIGNAL, a write to a closed connection raises
	 * SIGPIPE, which would kill berth instead of failing the call */
	signal(SIGPIPE, SIG_IGN);
	/* here, before any thread: libcurl's lazy init is not thread-safe */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_once(&share_once, share_init);
	memset(d, 0, sizeof(*d));
	strcpy(d->api, API_DEFAULT);
	if (!strncmp(host, "unix://", 7)) {
		d->unix_path = xstrdup(host + 7);
		d->base = xstrdup("http://docker");
		return 0;
	}
	if (strncmp(host, "tcp://", 6))
		return err_set("'%s' is not a Docker host: expected unix:///PATH "
			       "or tcp://HOST:PORT", host);
	/* TCP is always TLS with a client certificate: never plain HTTP */
	if (!certdir)
		return err_set("no certificates for '%s'", host);
	d->base = xasprintf("https://%s", host + 6);
	d->ca = path_join(certdir, "ca.pem");
	d->cert = path_join(certdir, "cert.pem");
	d->key = path_join(certdir, "key.pem");
	return 0;
}

void
docker_copy(struct docker *to, const struct docker *from)
{
	memset(to, 0, sizeof(*to));
	to->base = xstrdup(from->base);
	to->unix_path = from->unix_path ? xstrdup(from->unix_path) : NULL;
	to->ca = from->ca ? xstrdup(from->ca) : NULL;
	to->cert = from->cert ? xstrdup(from->cert) : NULL;
	to->key = from->key ? xstrdup(from->key) : NULL;
	memcpy(to->api, from->api, sizeof(to->api));
}

void
docker_close(struct docker *d)
{
	free(d->base);
	free(d->unix_path);
	free(d->ca);
	free(d->cert);
	free(d->key);
	memset(d, 0, sizeof(*d));
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	return sb_add(arg, data, size * n) < 0 ? 0 : size * n;
}

/* "1.41": the only shape of version that may reach a request's path */
static int
api_version_valid(const char *v, size_t len)
{
	size_t major = strspn(v, "0123456789");

	return major && major < 4 && major < len && v[major] == '.' &&
	       strspn(v + major + 1, "0123456789") == len - major - 1 &&
	       len - major - 1 > 0 && len - major - 1 < 4;
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct docker *d = arg;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(data, "Api-Version:", 12)) {
		const char *v = data + 12, *end = data + len;
		size_t vl;

		while (v < end && *v == ' ')
			v++;
		for (vl = 0; v + vl < end && v[vl] != '\r' && v[vl] != '\n';)
			vl++;
		if (api_version_valid(v, vl)) {
			memcpy(d->api_seen, v, vl);
			d->api_seen[vl] = '\0';
		} else {
			d->api_bad = 1;
		}
	}
	return len;
}

int
docker_idle_seconds(void)
{
	const char *s = getenv("BERTH_ENGINE_TIMEOUT");
	int v = s ? atoi(s) : 0;

	return v > 0 && v <= 3600 ? v : DOCKER_IDLE_S;
}

/* what ends this thread's transfers besides Ctrl-C (docker_cancel_on) */
static __thread const volatile int *thread_cancel;

void
docker_cancel_on(const volatile int *flag)
{
	thread_cancel = flag;
}

/* curl asks at least once a second, bytes or not: Ctrl-C ends it now */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
	    curl_off_t ultotal, curl_off_t ulnow)
{
	(void)arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return berth_interrupted || (thread_cancel && *thread_cancel) ? 1 : 0;
}

CURL *
docker_easy(struct docker *d, const char *url)
{
	CURL *c = curl_easy_init();

	if (!c)
		fatal("cannot start libcurl");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	/* no byte for this long: the engine is stalled (a stream that
	 * follows turns this off) */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)docker_idle_seconds());
	if (share)
		curl_easy_setopt(c, CURLOPT_SHARE, share);
	if (d->unix_path)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->unix_path);
	if (d->ca) {
		curl_easy_setopt(c, CURLOPT_CAINFO, d->ca);
		curl_easy_setopt(c, CURLOPT_SSLCERT, d->cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, d->key);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	return c;
}

/* The daemon's {"message": ...}, or the body as it is. */
/* The engine's HTTP status, as the kind of error callers test. */
static enum err_code
status_code(long status)
{
	return status == 404 ? ERR_NOT_FOUND : status == 409 ? ERR_CONFLICT
							    : ERR_FAILED;
}

static void
daemon_message(const struct strbuf *body, struct strbuf *out)
{
	json_t *o = json_loadb(body->buf, body->len, 0, NULL);
	const char *m = json_string_value(json_object_get(o, "message"));

	sb_addstr(out, m ? m : body->len ? body->buf : "no message");
	json_decref(o);
	while (out->len && out->buf[out->len - 1] == '\n')
		out->buf[--out->len] = '\0';
}

int
docker_call(struct docker *d, const char *method, const char *path,
	    const char *body, struct strbuf *resp, long *status)
{
	char *url = !strcmp(path, "/_ping") ? xasprintf("%s%s", d->base, path)
		: xasprintf("%s/v%s%s", d->base, d->api, path);
	struct curl_slist *hdrs = NULL;
	CURL *c = docker_easy(d, url);
	CURLcode rc;
	int ret = -1;

	resp->cap = BODY_CAP;
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	/* every answer names the engine's version; only the ping's counts,
	 * and the stack engine's threads then only read d->api */
	if (!strcmp(path, "/_ping")) {
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, d);
	}
	if (body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	/* a call that is no stream has an end */
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L * docker_idle_seconds());
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK) {
		err_set("%s %s: %s", method, path, rc == CURLE_WRITE_ERROR
			? "the answer is larger than berth accepts"
			: rc == CURLE_ABORTED_BY_CALLBACK ? "interrupted"
			: rc == CURLE_OPERATION_TIMEDOUT
			? "the engine stopped answering"
			: curl_easy_strerror(rc));
	} else if (*status >= 400) {
		struct strbuf m = STRBUF_INIT;

		daemon_message(resp, &m);
		err_set("%s %s: %ld %s", method, path, *status, m.buf);
		err_tag(status_code(*status));
		sb_release(&m);
	} else {
		ret = 0;
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	free(url);
	return ret;
}

static int
api_cmp(const char *a, const char *b)
{
	int am = 0, an = 0, bm = 0, bn = 0;

	sscanf(a, "%d.%d", &am, &an);
	sscanf(b, "%d.%d", &bm, &bn);
	return am != bm ? am - bm : an - bn;
}

/* The engine that answered a ping last, and when: an up pings it while
 * it waits for the VM, then again as the stack opens it, a moment later
 * (each ping is a round trip to a guest that may share the host's CPUs). */
static pthread_mutex_t pinged_lock = PTHREAD_MUTEX_INITIALIZER;
static char *pinged;
static double pinged_at;

static int
pinged_lately(const struct docker *d)
{
	const char *key = d->unix_path ? d->unix_path : d->base;
	int r;

	pthread_mutex_lock(&pinged_lock);
	r = pinged && !strcmp(pinged, key) && clock_now() - pinged_at < 1.0;
	pthread_mutex_unlock(&pinged_lock);
	return r;
}

static void
pinged_now(const struct docker *d)
{
	pthread_mutex_lock(&pinged_lock);
	free(pinged);
	pinged = xstrdup(d->unix_path ? d->unix_path : d->base);
	pinged_at = clock_now();
	pthread_mutex_unlock(&pinged_lock);
}

int
docker_ping(struct docker *d)
{
	struct strbuf body = STRBUF_INIT;
	long status = 0;
	int ret;

	if (pinged_lately(d)) {
		strcpy(d->api, API_DEFAULT);
		return 0;
	}
	ret = docker_call(d, "GET", "/_ping", NULL, &body, &status);

	if (ret == 0 && strcmp(body.buf, "OK"))
		ret = err_set("GET /_ping: the engine answered '%.40s'",
			      body.buf);
	if (ret == 0 && d->api_bad)
		ret = err_set("the engine's Api-Version header is not a "
			      "version berth understands");
	/* berth speaks 1.41, which a newer engine speaks too; an older one
	 * lacks what berth uses */
	if (ret == 0 && d->api_seen[0] &&
	    api_cmp(d->api_seen, API_DEFAULT) < 0) {
		ret = err_set("the engine speaks Docker API %s; berth needs %s "
			      "or newer", d->api_seen, API_DEFAULT);
		err_hint("use Docker Engine 20.10 or newer (Debian 12's "
			 "docker.io)");
	}
	if (ret == 0) {
		strcpy(d->api, API_DEFAULT);
		pinged_now(d);
	}
	sb_release(&body);
	return ret;
}

struct stream_ctx {
	int (*sink)(const char *, size_t, void *);
	void *arg;
	struct strbuf error_body;	/* an error answer is kept whole */
	CURL *curl;
	int failed;
};

static size_t
on_stream(char *data, size_t size, size_t n, void *arg)
{
	struct stream_ctx *sc = arg;
	size_t len = size * n;
	long code = 0;

	curl_easy_getinfo(sc->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 400)
		return sb_add(&sc->error_body, data, len) < 0 ? 0 : len;
	if (berth_interrupted || sc->sink(data, len, sc->arg) < 0) {
		sc->failed = 1;
		return 0;
	}
	return len;
}

int
docker_stream(struct docker *d, const char *method, const char *path,
	      const char *upload, const char *json_body,
	      int (*sink)(const char *, size_t, void *), void *arg)
{
	return docker_stream_header(d, method, path, upload, json_body, NULL,
				    sink, arg);
}

int
docker_stream_header(struct docker *d, const char *method, const char *path,
		     const char *upload, const char *json_body,
		     const char *header,
		     int (*sink)(const char *, size_t, void *), void *arg)
{
	char *url = xasprintf("%s/v%s%s", d->base, d->api, path);
	struct stream_ctx sc = { sink, arg, STRBUF_INIT, NULL, 0 };
	struct curl_slist *hdrs = NULL;
	FILE *body = NULL;
	long status = 0;
	CURLcode rc;
	int ret = -1;

	sc.curl = docker_easy(d, url);
	sc.error_body.cap = 1 << 20;
	/* a build step or a pull may print nothing for minutes */
	curl_easy_setopt(sc.curl, CURLOPT_LOW_SPEED_TIME, 0L);
	curl_easy_setopt(sc.curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(sc.curl, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(sc.curl, CURLOPT_WRITEDATA, &sc);
	if (upload) {
		if (!(body = fopen(upload, "rb"))) {
			err_set("%s %s: cannot read '%s'", method, path, upload);
			goto out;
		}
		fseek(body, 0, SEEK_END);
		curl_easy_setopt(sc.curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(sc.curl, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)ftell(body));
		rewind(body);
		curl_easy_setopt(sc.curl, CURLOPT_READDATA, body);
		hdrs = curl_slist_append(hdrs,
					 "Content-Type: application/x-tar");
		curl_easy_setopt(sc.curl, CURLOPT_HTTPHEADER, hdrs);
	} else if (json_body) {
		hdrs = curl_slist_append(hdrs,
					 "Content-Type: application/json");
		curl_easy_setopt(sc.curl, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(sc.curl, CURLOPT_POSTFIELDS, json_body);
	} else if (!strcmp(method, "POST")) {
		curl_easy_setopt(sc.curl, CURLOPT_POSTFIELDS, "");
	}
	if (header) {
		hdrs = curl_slist_append(hdrs, header);
		curl_easy_setopt(sc.curl, CURLOPT_HTTPHEADER, hdrs);
	}
	rc = curl_easy_perform(sc.curl);
	curl_easy_getinfo(sc.curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 400) {
		struct strbuf m = STRBUF_INIT;

		daemon_message(&sc.error_body, &m);
		err_set("%s %s: %ld %s", method, path, status, m.buf);
		err_tag(status_code(status));
		sb_release(&m);
	} else if (sc.failed) {
		if (berth_interrupted)
			err_set("%s %s: interrupted", method, path);
		/* else the sink recorded why */
	} else if (rc != CURLE_OK) {
		err_set("%s %s: %s", method, path,
			rc == CURLE_ABORTED_BY_CALLBACK ? "interrupted"
			: rc == CURLE_OPERATION_TIMEDOUT
			? "the engine stopped sending" : curl_easy_strerror(rc));
	} else {
		ret = 0;
	}
out:
	if (body)
		fclose(body);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(sc.curl);
	sb_release(&sc.error_body);
	free(url);
	return ret;
}
