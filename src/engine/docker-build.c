/* docker-build.c: image builds: the context as a tar (libarchive), less
 * what .dockerignore excludes, sent to POST /build. */

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "docker-stream.h"
#include "docker.h"

/* .dockerignore: one pattern a line, '#' comments, '!' re-includes; the
 * last pattern that matches decides. "dir" also covers "dir/...". */
struct ignore {
	struct strbuf text;
	char **pat;
	size_t n;
};

static void
ignore_load(struct ignore *ig, const char *dir)
{
	char *path = path_join(dir, ".dockerignore"), *line, *save = NULL;
	size_t alloc = 0;

	memset(ig, 0, sizeof(*ig));
	if (sb_read_file(&ig->text, path) < 0) {
		free(path);
		err_clear();
		return;
	}
	free(path);
	for (line = strtok_r(ig->text.buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *end = line + strlen(line);

		while (*line == ' ' || *line == '\t')
			line++;
		while (end > line && strchr(" \t\r", end[-1]))
			*--end = '\0';
		if (!*line || *line == '#')
			continue;
		while (!strncmp(line, "./", 2))
			line += 2;
		if (*line == '/')
			line++;
		ALLOC_GROW(ig->pat, ig->n + 1, alloc);
		ig->pat[ig->n++] = line;
	}
}

/* .dockerignore's patterns, then last (when set), which none of those
 * can take back */
static void
ignore_load_then(struct ignore *ig, const char *dir, char *last)
{
	size_t alloc;

	ignore_load(ig, dir);
	if (last) {
		alloc = ig->n;
		ALLOC_GROW(ig->pat, ig->n + 1, alloc);
		ig->pat[ig->n++] = last;
	}
}

static int
pattern_matches(const char *pat, const char *path)
{
	size_t len;
	/* "**" crosses folders: let '*' match '/' for such patterns */
	int flags = strstr(pat, "**") ? 0 : FNM_PATHNAME;

	if (fnmatch(pat, path, flags) == 0)
		return 1;
	len = strlen(pat);
	/* a pattern naming a folder covers what is inside it */
	return !strncmp(path, pat, len) && path[len] == '/' &&
	       !strpbrk(pat, "*?[");
}

static int
ignored(const struct ignore *ig, const char *rel, const char *dockerfile)
{
	size_t i;
	int out = 0;

	if (!strcmp(rel, dockerfile) || !strcmp(rel, ".dockerignore"))
		return 0;	/* the daemon needs them either way */
	for (i = 0; i < ig->n; i++) {
		const char *p = ig->pat[i];
		int neg = *p == '!';

		if (neg)
			p++;
		if (pattern_matches(p, rel))
			out = !neg;
	}
	return out;
}

struct walk_ctx {
	const char *root;
	const char *dockerfile;
	struct ignore *ig;
	struct archive *a;
	struct archive *disk;
	struct digest *dg;	/* digest mode: hash the entries, write nothing */
	int failed;
	int stat_only;		/* digest what stat says, not the bytes */
};

/* nftw has no user pointer; builds on threads each walk their own */
static __thread struct walk_ctx *walker;

/* What a build sees of one entry: its name, type and mode, and its bytes
 * (or a link's target). Times and owners are left out, as the daemon's
 * cache leaves them out, so a checkout that only touches files changes
 * nothing. */
static int
digest_entry(struct walk_ctx *w, const char *path, const char *rel,
	     const struct stat *st)
{
	char head[64], buf[65536];
	ssize_t n;
	int fd;

	digest_update(w->dg, rel, strlen(rel) + 1);
	snprintf(head, sizeof(head), "%o", (unsigned)st->st_mode);
	digest_update(w->dg, head, strlen(head) + 1);
	if (S_ISLNK(st->st_mode)) {
		if ((n = readlink(path, buf, sizeof(buf))) > 0)
			digest_update(w->dg, buf, (size_t)n);
		return 0;
	}
	if (!S_ISREG(st->st_mode))
		return 0;
	if (w->stat_only) {
		/* a change shows in size or time: nothing is read */
		snprintf(head, sizeof(head), "%lld.%ld.%ld",
			 (long long)st->st_size, (long)st->st_mtim.tv_sec,
			 st->st_mtim.tv_nsec);
		digest_update(w->dg, head, strlen(head) + 1);
		return 0;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		w->failed = err_set("cannot read '%s' of the build context: %s",
				    path, strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		digest_update(w->dg, buf, (size_t)n);
	close(fd);
	return 0;
}

static int
add_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct walk_ctx *w = walker;
	const char *rel = path + strlen(w->root);
	struct archive_entry *e;
	int fd = -1, r;

	(void)flag;
	(void)ftw;
	while (*rel == '/')
		rel++;
	if (!*rel || ignored(w->ig, rel, w->dockerfile))
		return 0;
	if (w->dg)
		return digest_entry(w, path, rel, st);
	e = archive_entry_new();
	archive_entry_copy_sourcepath(e, path);
	if (S_ISREG(st->st_mode) && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		archive_entry_free(e);
		w->failed = err_set("cannot read '%s' of the build context: %s",
				    path, strerror(errno));
		return 1;
	}
	archive_read_disk_entry_from_file(w->disk, e, fd, st);
	archive_entry_set_pathname(e, rel);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "");
	archive_entry_set_gname(e, "");
	r = archive_write_header(w->a, e);
	if (r == ARCHIVE_OK && fd >= 0) {
		char buf[65536];
		ssize_t n;

		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (archive_write_data(w->a, buf, (size_t)n) != n) {
				r = ARCHIVE_FATAL;
				break;
			}
	}
	if (fd >= 0)
		close(fd);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN) {
		w->failed = err_set("cannot add '%s' to the build context: %s",
				    rel, archive_error_string(w->a));
		return 1;
	}
	return 0;
}

/* Visit every entry the build would see, into the archive or the digest. */
static int
walk_context(struct walk_ctx *w)
{
	int ret = 0;

	walker = w;
	if (nftw(w->root, add_entry, 32, FTW_PHYS) != 0 || w->failed) {
		if (!w->failed)
			err_set("cannot walk the build context '%s': %s",
				w->root, strerror(errno));
		ret = -1;
	}
	walker = NULL;
	return ret;
}

/* The tar of dir as a build sees it; last, when set, is one more pattern
 * after .dockerignore's, which none of those can take back. */
static int
write_context(const char *dir, const char *dockerfile, char *last,
	      const char *tar)
{
	struct ignore ig;
	struct walk_ctx w = { dir, dockerfile, &ig, archive_write_new(),
			      archive_read_disk_new(), NULL, 0, 0 };
	int ret = -1;

	ignore_load_then(&ig, dir, last);
	archive_write_set_format_pax_restricted(w.a);
	archive_read_disk_set_standard_lookup(w.disk);
	if (archive_write_open_filename(w.a, tar) != ARCHIVE_OK) {
		err_set("cannot create '%s': %s", tar, archive_error_string(w.a));
		goto out;
	}
	if (walk_context(&w) < 0)
		goto out;
	if (archive_write_close(w.a) != ARCHIVE_OK) {
		err_set("cannot write '%s': %s", tar, archive_error_string(w.a));
		goto out;
	}
	ret = 0;
out:
	archive_write_free(w.a);
	archive_read_free(w.disk);
	free(ig.pat);
	sb_release(&ig.text);
	return ret;
}

int
docker_build_context(const char *dir, const char *dockerfile,
		     const char *tar)
{
	return write_context(dir, dockerfile, NULL, tar);
}

int
docker_folder_tar(const char *dir, const char *never, const char *tar)
{
	char *pat = xstrdup(never);
	/* no Dockerfile to keep: a name no file has */
	int ret = write_context(dir, "/", pat, tar);

	free(pat);
	return ret;
}

static int
context_digest(const char *dir, const char *dockerfile, char *last,
	       int stat_only, char **hex)
{
	struct ignore ig;
	struct walk_ctx w = { dir, dockerfile, &ig, NULL, NULL,
			      digest_new("sha256"), 0, stat_only };
	int ret = -1;

	*hex = NULL;
	ignore_load_then(&ig, dir, last);
	if (walk_context(&w) == 0) {
		*hex = xstrndup(digest_hex(w.dg), 16);
		ret = 0;
	}
	digest_free(w.dg);
	free(ig.pat);
	sb_release(&ig.text);
	return ret;
}

int
docker_context_digest(const char *dir, const char *dockerfile, char **hex)
{
	return context_digest(dir, dockerfile, NULL, 0, hex);
}

int
docker_folder_digest(const char *dir, const char *never, char **hex)
{
	char *pat = xstrdup(never);
	int ret = context_digest(dir, "/", pat, 1, hex);

	free(pat);
	return ret;
}

struct build_out {
	int (*on_line)(const char *line, void *arg);
	void *arg;
};

static int
on_build_message(json_t *msg, void *arg)
{
	struct build_out *b = arg;
	const char *s = json_string_value(json_object_get(msg, "stream"));

	return s && b->on_line ? b->on_line(s, b->arg) : 0;
}

static int
feed(const char *data, size_t len, void *arg)
{
	return json_stream_feed(arg, data, len);
}

int
docker_image_build(struct docker *d, const char *dir, const char *dockerfile,
		   const char *tag, json_t *labels, json_t *args,
		   const char *target, int (*on_line)(const char *, void *),
		   void *arg)
{
	char *tar = temp_file(NULL, "berth-context");
	struct build_out out = { on_line, arg };
	struct json_stream js;
	char *t = NULL, *df = NULL, *path = NULL, *l = NULL, *lq = NULL;
	char *a = NULL, *aq = NULL, *tq = target ? url_escape(target) : NULL;
	int ret = -1;

	if (!tar)
		return -1;
	json_stream_init(&js, on_build_message, &out);
	if (labels) {
		l = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS);
		lq = url_escape(l);
	}
	if (args && json_object_size(args)) {
		a = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
		aq = url_escape(a);
	}
	if (docker_build_context(dir, dockerfile, tar) < 0)
		goto out;
	t = url_escape(tag);
	df = url_escape(dockerfile);
	path = xasprintf("/build?t=%s&dockerfile=%s&rm=1&forcerm=1%s%s%s%s%s%s",
			 t, df, lq ? "&labels=" : "", lq ? lq : "",
			 aq ? "&buildargs=" : "", aq ? aq : "",
			 tq ? "&target=" : "", tq ? tq : "");
	ret = docker_stream(d, "POST", path, tar, NULL, feed, &js);
	if (ret == 0)
		ret = json_stream_finish(&js);
	if (ret < 0 && js.error)
		err_set("building '%s': %s", tag, js.error);
out:
	unlink(tar);
	json_stream_release(&js);
	free(tar);
	free(t);
	free(df);
	free(path);
	free(l);
	free(lq);
	free(a);
	free(aq);
	free(tq);
	return ret;
}
