/* template.c: list the shipped templates and copy one into a workspace. */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "template.h"

static char *
templates_dir(void)
{
	return path_join(berth_datadir(), "templates");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
template_list(struct strlist *out)
{
	char *dir = templates_dir(), *probe;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		err_set("cannot open the templates in '%s': %s", dir,
			strerror(errno));
		err_hint("set BERTH_DATADIR to the folder that holds "
			 "templates/, or reinstall berth");
		free(dir);
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		probe = xasprintf("%s/%s/%s", dir, de->d_name, BERTHFILE_NAME);
		if (path_exists(probe))
			strlist_push(out, de->d_name);
		free(probe);
	}
	closedir(d);
	free(dir);
	qsort(out->v, out->n, sizeof(char *), cmp_str);
	return 0;
}

/* Every regular file and folder under root, as paths relative to it. */
static int
collect(const char *root, const char *rel, struct strlist *files,
	struct strlist *dirs)
{
	char *path = *rel ? path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(path);
	struct dirent *de;
	int ret = -1;

	if (!d) {
		err_set("cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		char *sub, *full;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = *rel ? xasprintf("%s/%s", rel, de->d_name)
			   : xstrdup(de->d_name);
		full = path_join(root, sub);
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			strlist_push(dirs, sub);
			if (collect(root, sub, files, dirs) < 0) {
				free(sub);
				free(full);
				closedir(d);
				goto out;
			}
		} else if (lstat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			strlist_push(files, sub);
		}
		free(sub);
		free(full);
	}
	closedir(d);
	ret = 0;
out:
	free(path);
	return ret;
}

int
template_set_value(struct strbuf *text, const char *key, const char *value)
{
	size_t klen = strlen(key);
	char *p = text->buf;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *q = p, *open, *close;
		struct strbuf out = STRBUF_INIT;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, key, klen) || isalnum((unsigned char)q[klen]) ||
		    q[klen] == '_')
			continue;
		q += klen;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=' && *q != ':')
			continue;
		if (!(open = strchr(q, '"')) || !(close = strchr(open + 1, '"')))
			continue;
		sb_add(&out, text->buf, (size_t)(open + 1 - text->buf));
		sb_addstr(&out, value);
		sb_addstr(&out, close);
		sb_release(text);
		*text = out;
		return 0;
	}
	return err_set("the template has no %s = \"...\" setting", key);
}

static int
copy_file(const char *from, const char *to, const char *ws_name,
	  const char *box, int is_berthfile)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int ret = -1;

	if (stat(from, &st) < 0) {
		err_set("cannot read '%s': %s", from, strerror(errno));
		goto out;
	}
	if (sb_read_file(&sb, from) < 0)
		goto out;
	if (is_berthfile && (template_set_value(&sb, "workspace", ws_name) < 0 ||
			     (box && template_set_value(&sb, "box", box) < 0)))
		goto out;
	ret = write_file_atomic(to, sb.buf, sb.len, (int)(st.st_mode & 0777));
out:
	sb_release(&sb);
	return ret;
}

int
template_instantiate(const char *name, const char *dir, const char *ws_name,
		     const char *box, struct strlist *created)
{
	char *tdir = templates_dir(), *src = path_join(tdir, name);
	struct strlist files = { 0 }, dirs = { 0 }, made_dirs = { 0 };
	char *probe = NULL;
	size_t i;
	int ret = -1;

	probe = path_join(src, BERTHFILE_NAME);
	if (!spec_valid_name(name, 64) || !path_exists(probe)) {
		struct strlist names = { 0 };
		const char *near;

		if (template_list(&names) == 0) {
			struct strbuf hint = STRBUF_INIT;

			near = nearest_word(name, (const char *const *)names.v,
					    names.n);
			err_set("no template named '%s'", name);
			if (near)
				sb_addf(&hint, "did you mean '%s'? ", near);
			sb_addstr(&hint, "templates:");
			for (i = 0; i < names.n; i++)
				sb_addf(&hint, " %s", names.v[i]);
			err_hint("%s", hint.buf);
			sb_release(&hint);
		}
		strlist_release(&names);
		goto out;
	}
	if (collect(src, "", &files, &dirs) < 0)
		goto out;
	qsort(files.v, files.n, sizeof(char *), cmp_str);
	/* check everything first: a refusal must leave the folder as it was */
	for (i = 0; i < files.n; i++) {
		char *to = path_join(dir, files.v[i]);
		int exists = path_exists(to);

		free(to);
		if (!exists)
			continue;
		err_set("'%s' already exists in '%s'", files.v[i], dir);
		err_hint(!strcmp(files.v[i], BERTHFILE_NAME)
			 ? "edit it, or remove it first to start over"
			 : "move it away, or start in an empty folder");
		goto out;
	}
	for (i = 0; i < dirs.n; i++) {
		char *to = path_join(dir, dirs.v[i]);

		if (!path_exists(to)) {
			if (mkdir(to, 0755) < 0) {
				err_set("cannot create '%s': %s", to,
					strerror(errno));
				free(to);
				goto out;
			}
			strlist_push(&made_dirs, to);
		}
		free(to);
	}
	for (i = 0; i < files.n; i++) {
		char *from = path_join(src, files.v[i]);
		char *to = path_join(dir, files.v[i]);
		int r = copy_file(from, to, ws_name, box,
				  !strcmp(files.v[i], BERTHFILE_NAME));

		if (r == 0)
			strlist_push(created, files.v[i]);
		free(from);
		free(to);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		for (i = 0; i < created->n; i++) {
			char *to = path_join(dir, created->v[i]);

			unlink(to);
			free(to);
		}
		strlist_release(created);
		for (i = made_dirs.n; i > 0; i--)
			rmdir(made_dirs.v[i - 1]);
	}
	strlist_release(&made_dirs);
	strlist_release(&files);
	strlist_release(&dirs);
	free(probe);
	free(src);
	free(tdir);
	return ret;
}

int
template_render(const char *text, const char *const *kv, struct strbuf *out)
{
	const char *p = text, *open, *close;
	size_t i;

	while ((open = strstr(p, "{{"))) {
		sb_add(out, p, (size_t)(open - p));
		if (!(close = strstr(open, "}}")))
			return err_set("unclosed {{ in a template");
		for (i = 0; kv[i]; i += 2)
			if (strlen(kv[i]) == (size_t)(close - open - 2) &&
			    !strncmp(kv[i], open + 2, (size_t)(close - open - 2)))
				break;
		if (!kv[i])
			return err_set("template field {{%.*s}} has no value",
				       (int)(close - open - 2), open + 2);
		sb_addstr(out, kv[i + 1]);
		p = close + 2;
	}
	sb_addstr(out, p);
	return 0;
}
