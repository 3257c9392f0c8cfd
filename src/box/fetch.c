/* fetch.c: resumable http(s) downloads with libcurl and a progress bar. */

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch.h"
#include "progress.h"
#include "util.h"

struct transfer {
	CURL *curl;
	int fd;
	uint64_t offset;	/* bytes already in the .part file */
	uint64_t written;
	int checked;		/* did we look at the status yet? */
	int write_errno;
	struct progress bar;
};

int
fetch_is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

static size_t
on_data(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n, done = 0;

	if (!t->checked) {
		long code = 0;

		curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
		/* asked for a range but got the whole file: start over */
		if (t->offset && code == 200) {
			if (ftruncate(t->fd, 0) < 0 ||
			    lseek(t->fd, 0, SEEK_SET) < 0) {
				t->write_errno = errno;
				return 0;
			}
			t->offset = 0;
		}
		t->bar.offset = t->offset;
		t->checked = 1;
	}
	while (done < len) {
		ssize_t w = write(t->fd, data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			t->write_errno = errno;
			return 0;	/* curl reports a write error */
		}
		done += (size_t)w;
	}
	t->written += len;
	return len;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ult,
	    curl_off_t ulnow)
{
	struct transfer *t = arg;

	(void)ult;
	(void)ulnow;
	if (berth_interrupted)
		return 1;
	progress_update(&t->bar, t->offset + (uint64_t)dlnow,
			dltotal ? t->offset + (uint64_t)dltotal : 0);
	return 0;
}

/* One attempt; returns 0, -1, or 1 when the range was refused (416). */
static int
fetch_once(const char *url, const char *part)
{
	struct transfer t = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	struct stat st;
	long code = 0;
	CURLcode rc;
	int ret = -1;

	t.fd = open(part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (t.fd < 0)
		return err_set("cannot create '%s': %s", part, strerror(errno));
	if (fstat(t.fd, &st) == 0)
		t.offset = (uint64_t)st.st_size;
	if (!(t.curl = curl_easy_init()))
		fatal("cannot start libcurl");
	progress_init(&t.bar, t.offset ? "resuming" : "downloading");
	curl_easy_setopt(t.curl, CURLOPT_URL, url);
	curl_easy_setopt(t.curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t.curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t.curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(t.curl, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(t.curl, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a stalled transfer fails instead of hanging forever */
	curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(t.curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(t.curl, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(t.curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(t.curl, CURLOPT_XFERINFODATA, &t);
	curl_easy_setopt(t.curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(t.curl, CURLOPT_USERAGENT, "berth/" PACKAGE_VERSION);
	if (t.offset)
		curl_easy_setopt(t.curl, CURLOPT_RESUME_FROM_LARGE,
				 (curl_off_t)t.offset);
	rc = curl_easy_perform(t.curl);
	curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		progress_finish(&t.bar, t.offset + t.written);
		ret = 0;
	} else if (code == 416 && t.offset) {
		ret = 1;
	} else if (rc == CURLE_ABORTED_BY_CALLBACK) {
		err_set("download of '%s' interrupted; run the same command "
			"again to resume it", url);
	} else if (rc == CURLE_WRITE_ERROR && t.write_errno) {
		err_set("cannot write '%s': %s", part, strerror(t.write_errno));
		if (t.write_errno == ENOSPC)
			err_hint("free some space, or set BERTH_HOME to a folder "
				 "on a larger disk; the download resumes after");
	} else {
		err_set("cannot download '%s': %s", url,
			*errbuf ? errbuf : curl_easy_strerror(rc));
		if (rc != CURLE_HTTP_RETURNED_ERROR)
			err_hint("the part already downloaded is kept; run the "
				 "same command again to resume");
	}
	if (ret < 0 && t.bar.tty)
		fputc('\n', stderr);
	curl_easy_cleanup(t.curl);
	if (close(t.fd) < 0 && ret == 0)
		ret = err_set("cannot write '%s': %s", part, strerror(errno));
	return ret;
}

int
fetch_url(const char *url, const char *dest)
{
	char *part = xasprintf("%s.part", dest);
	int r;

	r = fetch_once(url, part);
	if (r == 1) {
		/* the server will not resume past what we have: start over */
		unlink(part);
		r = fetch_once(url, part);
		if (r == 1)
			r = err_set("cannot download '%s': the server refuses "
				    "the range request", url);
	}
	if (r == 0 && rename(part, dest) < 0)
		r = err_set("cannot rename '%s': %s", part, strerror(errno));
	free(part);
	return r;
}
