/* docker-attach.c: an interactive exec. The engine takes the connection
 * over ("Upgrade: tcp") and both ways become raw: stdin goes in, output
 * comes back raw with a TTY, or as stdout/stderr frames without. libcurl
 * connects (socket or TLS) and then only moves bytes. */

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "docker-stream.h"
#include "docker.h"

static struct termios saved;
static int raw_on;
static volatile sig_atomic_t resized;

static void
raw_restore(void)
{
	if (raw_on) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		raw_on = 0;
	}
}

static void
raw_start(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return;
	t = saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0) {
		raw_on = 1;
		atexit(raw_restore);
	}
}

static void
on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

static void
resize(struct docker *d, const char *exec_id)
{
	struct winsize ws;
	char *path;
	struct strbuf resp = STRBUF_INIT;
	long status;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
		return;
	path = xasprintf("/exec/%s/resize?h=%u&w=%u", exec_id, ws.ws_row,
			 ws.ws_col);
	docker_call(d, "POST", path, "", &resp, &status);	/* cosmetic */
	err_clear();
	sb_release(&resp);
	free(path);
}

static int
send_all(CURL *h, const char *data, size_t len)
{
	while (len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(h, data, len, &n);

		if (rc == CURLE_AGAIN) {
			curl_socket_t s;
			struct pollfd p;

			curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &s);
			p.fd = s;
			p.events = POLLOUT;
			poll(&p, 1, 1000);
			continue;
		}
		if (rc != CURLE_OK)
			return err_set("cannot write to the engine: %s",
				       curl_easy_strerror(rc));
		data += n;
		len -= n;
	}
	return 0;
}

static int
to_fd(int stream, const char *data, size_t len, void *arg)
{
	int fd = stream == MUX_STDERR ? STDERR_FILENO : STDOUT_FILENO;

	(void)arg;
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read the answer's head; what came after it is output already. */
static int
read_head(CURL *h, curl_socket_t sock, struct strbuf *rest)
{
	struct strbuf head = STRBUF_INIT;
	char buf[4096], *end;
	int ret = -1;

	while (!(end = strstr(head.buf, "\r\n\r\n"))) {
		size_t n = 0;
		CURLcode rc = curl_easy_recv(h, buf, sizeof(buf), &n);
		struct pollfd p = { sock, POLLIN, 0 };

		if (rc == CURLE_AGAIN) {
			poll(&p, 1, 30000);
			continue;
		}
		if (rc != CURLE_OK || n == 0 || head.len > 65536) {
			err_set("the engine closed the exec before answering");
			goto out;
		}
		sb_add(&head, buf, n);
	}
	if (strncmp(head.buf, "HTTP/1.1 101", 12) &&
	    strncmp(head.buf, "HTTP/1.1 200", 12)) {
		char *eol = strstr(head.buf, "\r\n");

		err_set("the engine refused the exec: %.*s",
			(int)(eol - head.buf), head.buf);
		goto out;
	}
	end += 4;
	sb_add(rest, end, head.len - (size_t)(end - head.buf));
	ret = 0;
out:
	sb_release(&head);
	return ret;
}

static int
pump(CURL *h, curl_socket_t sock, int tty, struct mux_stream *mux,
     struct docker *d, const char *exec_id)
{
	struct pollfd p[2];
	char buf[16384];
	int stdin_open = 1;

	for (;;) {
		int n;

		if (resized) {
			resized = 0;
			resize(d, exec_id);
		}
		p[0].fd = sock;
		p[0].events = POLLIN;
		p[1].fd = stdin_open ? STDIN_FILENO : -1;
		p[1].events = POLLIN;
		n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set("poll: %s", strerror(errno));
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));

			if (r > 0 && send_all(h, buf, (size_t)r) < 0)
				return -1;
			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
				stdin_open = 0;
				/* the engine closes the process's stdin */
				if (!tty)
					shutdown(sock, SHUT_WR);
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* drain: TLS may hold more than the socket shows */
			for (;;) {
				size_t got = 0;
				CURLcode rc = curl_easy_recv(h, buf, sizeof(buf),
							     &got);

				if (rc == CURLE_AGAIN)
					break;
				if (rc != CURLE_OK || got == 0)
					return 0;	/* the process ended */
				if (tty ? to_fd(MUX_STDOUT, buf, got, NULL)
					: mux_stream_feed(mux, buf, got)) {
					return err_set("cannot write the output");
				}
			}
		}
	}
}

int
docker_exec_interactive(struct docker *d, const char *container,
			const char *const *argv, int tty, int *code)
{
	json_t *out = NULL;
	char *path = NULL, *url = NULL;
	char *req = NULL, *body = NULL, *exec_id = NULL;
	struct strbuf rest = STRBUF_INIT;
	struct mux_stream mux;
	struct sigaction sa = { 0 }, old_winch;
	curl_socket_t sock;
	CURL *h = NULL;
	CURLcode rc;
	int ret = -1;
	size_t i;

	if (docker_exec_create(d, container, argv, 1, tty, &exec_id) < 0)
		goto out;
	url = xasprintf("%s/v%s/exec/%s/start", d->base, d->api, exec_id);
	h = docker_easy(d, url);
	curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	/* the socket becomes the exec's raw stream: its own connection,
	 * outside the shared pool, and quiet for as long as the command is */
	curl_easy_setopt(h, CURLOPT_SHARE, NULL);
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 0L);
	if ((rc = curl_easy_perform(h)) != CURLE_OK) {
		err_set("cannot connect to the engine: %s",
			curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &sock);
	body = xasprintf("{\"Detach\":false,\"Tty\":%s}", tty ? "true" : "false");
	req = xasprintf("POST /v%s/exec/%s/start HTTP/1.1\r\nHost: docker\r\n"
			"Content-Type: application/json\r\nConnection: Upgrade"
			"\r\nUpgrade: tcp\r\nContent-Length: %zu\r\n\r\n%s",
			d->api, exec_id, strlen(body), body);
	if (send_all(h, req, strlen(req)) < 0 || read_head(h, sock, &rest) < 0)
		goto out;
	mux_stream_init(&mux, to_fd, NULL);
	if (tty) {
		raw_start();
		sa.sa_handler = on_winch;
		sigaction(SIGWINCH, &sa, &old_winch);
		resize(d, exec_id);
	}
	if (rest.len && (tty ? to_fd(MUX_STDOUT, rest.buf, rest.len, NULL)
			     : mux_stream_feed(&mux, rest.buf, rest.len)) < 0)
		goto out_tty;
	if (pump(h, sock, tty, &mux, d, exec_id) < 0)
		goto out_tty;
	path = xasprintf("/exec/%s/json", exec_id);
	/* the stream can end a moment before the engine records the exit */
	for (i = 0; i < 50; i++) {
		json_decref(out);
		out = NULL;
		if (docker_get_json(d, path, &out) < 0)
			goto out_tty;
		if (!json_is_true(json_object_get(out, "Running")))
			break;
		usleep(100000);
	}
	*code = (int)json_integer_value(json_object_get(out, "ExitCode"));
	ret = 0;
out_tty:
	if (tty) {
		raw_restore();
		sigaction(SIGWINCH, &old_winch, NULL);
	}
out:
	if (h)
		curl_easy_cleanup(h);
	json_decref(out);
	sb_release(&rest);
	free(path);
	free(url);
	free(req);
	free(body);
	free(exec_id);
	return ret;
}
