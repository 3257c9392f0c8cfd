/* strbuf.c: growable strings whose buf is never NULL, optionally capped. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

char sb_empty[1];

void
sb_init(struct strbuf *sb, size_t hint)
{
	sb->buf = sb_empty;
	sb->len = sb->alloc = sb->cap = 0;
	if (hint) {
		sb->buf = xmalloc(hint + 1);
		sb->buf[0] = '\0';
		sb->alloc = hint + 1;
	}
}

void
sb_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	sb->buf = sb_empty;
	sb->len = sb->alloc = 0;
}

char *
sb_detach(struct strbuf *sb)
{
	char *s = sb->alloc ? sb->buf : xstrdup("");

	sb->buf = sb_empty;
	sb->len = sb->alloc = 0;
	return s;
}

void
sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

static int
sb_grow(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;

	if (want < sb->len)
		fatal("string length overflow");
	if (sb->cap && sb->len + extra > sb->cap)
		return err_set("data exceeds the limit of %zu bytes", sb->cap);
	if (want > sb->alloc) {
		size_t alloc = sb->alloc ? sb->alloc : 64;
		char *old = sb->alloc ? sb->buf : NULL;

		while (alloc < want)
			alloc *= 2;
		sb->buf = xrealloc(old, alloc);
		if (!old)
			sb->buf[0] = '\0';
		sb->alloc = alloc;
	}
	return 0;
}

int
sb_add(struct strbuf *sb, const void *data, size_t len)
{
	if (sb_grow(sb, len) < 0)
		return -1;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int
sb_addstr(struct strbuf *sb, const char *s)
{
	return sb_add(sb, s, strlen(s));
}

int
sb_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;

	return sb_add(sb, &ch, 1);
}

int
sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		fatal("bad format string '%s'", fmt);
	if (sb_grow(sb, (size_t)n) < 0)
		return -1;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int
sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sb_vaddf(sb, fmt, ap);
	va_end(ap);
	return ret;
}

int
sb_read_file(struct strbuf *sb, const char *path)
{
	char chunk[8192];
	int fd, ret = -1;
	ssize_t n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set("cannot open '%s': %s", path, strerror(errno));
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set("cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (sb_add(sb, chunk, (size_t)n) < 0)
			goto out;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

int
sb_read_regular(struct strbuf *sb, const char *path, size_t max)
{
	struct stat st;
	int fd, ret = -1;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return err_set("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		err_set("cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set("'%s' is not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > (unsigned long long)max) {
		err_set("'%s' is larger than %zu KiB", path, max >> 10);
		goto out;
	}
	close(fd);
	fd = -1;
	sb->cap = sb->len + max;	/* it may grow while it is read */
	ret = sb_read_file(sb, path);
	sb->cap = 0;
	if (ret < 0 && sb->len >= max)
		err_set("'%s' grew past %zu KiB while it was read", path,
			max >> 10);
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

void
sb_add_printable(struct strbuf *sb, const char *s, int keep_newlines)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			sb_addstr(sb, keep_newlines ? "\n" : "\\n");
		else if (c == '\t')
			sb_addstr(sb, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sb_addf(sb, "\\x%02x", c);
		else
			sb_addch(sb, c);
	}
}

char *
str_printable(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	sb_add_printable(&sb, s, 0);
	return sb_detach(&sb);
}
