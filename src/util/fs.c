/* fs.c: small file-system helpers, including all-or-nothing writes. */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

char *
temp_file(const char *dir, const char *stem)
{
	char *path;
	int fd;

	if (!dir)
		dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	path = xasprintf("%s/%s-XXXXXX.tar", dir, stem);
	if ((fd = mkstemps(path, 4)) < 0) {
		err_set("cannot create a file in '%s': %s", dir,
			strerror(errno));
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

int
path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int
path_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *
path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir);

	if (name[0] == '/' || !len)
		return xstrdup(name);
	return xasprintf("%s%s%s", dir, dir[len - 1] == '/' ? "" : "/", name);
}

char *
path_dirname(const char *path)
{
	char *copy = xstrdup(path), *ret;

	ret = xstrdup(dirname(copy));
	free(copy);
	return ret;
}

int
mkdir_p(const char *path, int mode)
{
	char *copy = xstrdup(path), *p;
	int ret = -1;

	for (p = copy + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(copy, (mode_t)mode) < 0 && errno != EEXIST) {
				err_set("cannot create '%s': %s", copy,
					strerror(errno));
				goto out;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	ret = 0;
out:
	free(copy);
	return ret;
}

/* Write to a temp file beside path, fsync, then rename: readers see old or new. */
int
write_file_atomic(const char *path, const void *data, size_t len, int mode)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	const char *p = data;
	int fd, ret = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0) {
		err_set("cannot create '%s': %s", tmp, strerror(errno));
		goto out;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set("cannot write '%s': %s", tmp, strerror(errno));
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0) {
		err_set("cannot sync '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_set("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err_set("cannot rename '%s' to '%s': %s", tmp, path,
			strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 &&
	    errno != ENOENT)
		return err_set("cannot remove '%s': %s", path, strerror(errno));
	return 0;
}

int
rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_set("cannot remove '%s': %s",
						     path, strerror(errno));
	/* FTW_MOUNT: never descend into a mount, such as the /proc that a
	 * killed debootstrap leaves mounted in a staged rootfs */
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) ? -1
									: 0;
}

static unsigned long long tree_bytes;

static int
add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	tree_bytes += (unsigned long long)st->st_size;
	return 0;
}

unsigned long long
path_size(const char *path)
{
	tree_bytes = 0;
	nftw(path, add_size, 16, FTW_PHYS);
	return tree_bytes;
}

/* One line (up to its end or end), made printable: a guest's console is
 * its own, so no escape of it reaches the terminal; \r are dropped. */
static void
put_printable(const char *p, const char *end, FILE *f)
{
	struct strbuf sb = STRBUF_INIT;
	char *line = xstrndup(p, (size_t)(end - p));
	char *r, *w;

	for (r = w = line; *r; r++)
		if (*r != '\r')
			*w++ = *r;
	*w = '\0';
	sb_add_printable(&sb, line, 1);
	fputs(sb.buf ? sb.buf : "", f);
	sb_release(&sb);
	free(line);
}

void
text_tail(const char *text, size_t len, int lines, FILE *f)
{
	const char *p;
	int n = 0;

	if (!len)
		return;
	for (p = text + len - 1; p > text; p--)
		if (p[-1] == '\n' && ++n >= lines)
			break;
	put_printable(p, text + len, f);
	if (text[len - 1] != '\n')
		fputc('\n', f);
}

void
print_tail(const char *path, int lines, FILE *f)
{
	struct strbuf sb = STRBUF_INIT;

	if (sb_read_file(&sb, path) == 0)
		text_tail(sb.buf, sb.len, lines, f);
	sb_release(&sb);
}

int
text_lines_with(const char *text, size_t len, const char *const *words,
		int max, FILE *f)
{
	const char *p, *end;
	int n = 0, k;

	for (p = text; n < max && p < text + len; p = end + 1) {
		if (!(end = memchr(p, '\n', (size_t)(text + len - p))))
			end = text + len;
		for (k = 0; words[k]; k++)
			if (memmem(p, (size_t)(end - p), words[k],
				   strlen(words[k]))) {
				put_printable(p, end, f);
				fputc('\n', f);
				n++;
				break;
			}
	}
	return n;
}
