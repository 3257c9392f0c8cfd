/* box-store.c: the box store on disk: list, find, commit, remove, users.
 *
 * Layout: ROOT/NAME/VERSION/{box.img,box.json,users/WSID}. Staging folders
 * live in ROOT/.tmp/PID-XXXXXX, on the same file system, so that a box
 * appears by one rename(2) and a crashed add leaves only a folder that the
 * next run removes once its PID is gone.
 */

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "box.h"

static void
clean_stale_staging(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		long pid = strtol(de->d_name, NULL, 10);
		char *path;

		if (de->d_name[0] == '.' || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno == EPERM)
			continue;	/* its add is still running */
		path = path_join(tmp, de->d_name);
		rm_rf(path);
		free(path);
	}
	closedir(d);
}

int
box_store_open(struct box_store *s)
{
	char *home = berth_home(), *tmp;

	if (!home)
		return -1;
	s->root = path_join(home, "boxes");
	free(home);
	tmp = path_join(s->root, ".tmp");
	if (mkdir_p(tmp, 0755) < 0) {
		free(tmp);
		box_store_release(s);
		return -1;
	}
	clean_stale_staging(tmp);
	free(tmp);
	return 0;
}

void
box_store_release(struct box_store *s)
{
	free(s->root);
	s->root = NULL;
}

int
box_valid_name(const char *s)
{
	size_t i;

	if (!s || !*s || strlen(s) > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; s[i]; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9')
		    && !strchr("._-", s[i]))
			return 0;
	return 1;
}

int
box_valid_version(const char *s)
{
	size_t i;

	if (!s || !*s || strlen(s) > 64 || s[0] == '.')
		return 0;
	for (i = 0; s[i]; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z')
		    && !(s[i] >= '0' && s[i] <= '9') && !strchr("._-+", s[i]))
			return 0;
	return 1;
}

/* "1.10" sorts after "1.9": dot-separated parts, numbers as numbers. */
int
box_version_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		size_t la = strcspn(a, "."), lb = strcspn(b, ".");
		int numa = la && strspn(a, "0123456789") >= la;
		int numb = lb && strspn(b, "0123456789") >= lb;
		int c;

		if (numa && numb) {
			unsigned long long na = strtoull(a, NULL, 10);
			unsigned long long nb = strtoull(b, NULL, 10);

			c = (na > nb) - (na < nb);
		} else if (numa != numb) {
			c = numa ? 1 : -1;
		} else {
			c = strncmp(a, b, la < lb ? la : lb);
			if (!c)
				c = (la > lb) - (la < lb);
		}
		if (c)
			return c;
		a += la;
		b += lb;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return (*a != '\0') - (*b != '\0');
}

static char *
json_str(json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v ? xstrdup(v) : NULL;
}

int
box_meta_write(const char *dir, const struct box *b)
{
	json_t *obj = json_object();
	char *path = path_join(dir, BOX_META), *text;
	int ret;

	json_object_set_new(obj, "name", json_string(b->name));
	json_object_set_new(obj, "version", json_string(b->version));
	json_object_set_new(obj, "provider", json_string("libvirt"));
	json_object_set_new(obj, "format", json_string("qcow2"));
	json_object_set_new(obj, "virtual_size",
			    json_integer((json_int_t)b->virtual_size));
	json_object_set_new(obj, "sha256", json_string(b->sha256));
	json_object_set_new(obj, "source", json_string(b->source ? b->source
								  : ""));
	json_object_set_new(obj, "added", json_string(b->added ? b->added
								: ""));
	json_object_set_new(obj, "has_docker", json_boolean(b->has_docker));
	if (b->kernel) {
		json_t *boot = json_object();

		json_object_set_new(boot, "kernel", json_string(b->kernel));
		if (b->initrd)
			json_object_set_new(boot, "initrd",
					    json_string(b->initrd));
		json_object_set_new(boot, "cmdline", json_string(b->cmdline ?
								 b->cmdline : ""));
		json_object_set_new(obj, "boot", boot);
	}
	text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ret = write_file_atomic(path, text, strlen(text), 0644);
	free(text);
	free(path);
	json_decref(obj);
	return ret;
}

/* Only plain file names inside the box folder: no "../" escapes. */
static char *
boot_file(json_t *boot, const char *key)
{
	const char *v = json_string_value(json_object_get(boot, key));

	if (!v || !*v || strchr(v, '/') || !strcmp(v, "..") || v[0] == '.')
		return NULL;
	return xstrdup(v);
}

int
box_meta_read(const char *dir, struct box *b)
{
	char *path = path_join(dir, BOX_META);
	json_error_t jerr;
	json_t *obj = json_load_file(path, 0, &jerr), *boot;
	struct stat st;
	int ret = -1;

	if (!obj) {
		err_set("cannot read '%s': %s", path, jerr.text);
		goto out;
	}
	b->name = json_str(obj, "name");
	b->version = json_str(obj, "version");
	b->sha256 = json_str(obj, "sha256");
	b->source = json_str(obj, "source");
	b->added = json_str(obj, "added");
	b->virtual_size = (uint64_t)json_integer_value(json_object_get(obj,
							"virtual_size"));
	b->has_docker = json_is_true(json_object_get(obj, "has_docker"));
	if ((boot = json_object_get(obj, "boot"))) {
		b->kernel = boot_file(boot, "kernel");
		b->initrd = boot_file(boot, "initrd");
		b->cmdline = json_str(boot, "cmdline");
	}
	b->dir = xstrdup(dir);
	b->image = path_join(dir, BOX_IMAGE);
	if (stat(b->image, &st) < 0) {
		err_set("box in '%s' has no %s", dir, BOX_IMAGE);
		goto out;
	}
	b->size = (uint64_t)st.st_size;
	/* both name folders and pool volumes: never trust them unchecked */
	if (!box_valid_name(b->name) || !box_valid_version(b->version)) {
		err_set("'%s' lacks a valid name or version", path);
		goto out;
	}
	ret = 0;
out:
	json_decref(obj);
	free(path);
	return ret;
}

static void
read_users(struct box *b)
{
	char *dir = path_join(b->dir, "users");
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		goto out;
	while ((de = readdir(d))) {
		struct strbuf sb = STRBUF_INIT;
		char *path;

		if (de->d_name[0] == '.')
			continue;
		path = path_join(dir, de->d_name);
		/* a workspace whose Berthfile is gone no longer holds it */
		if (sb_read_file(&sb, path) == 0 && sb.len &&
		    path_exists(sb.buf))
			strlist_push(&b->users, sb.buf);
		sb_release(&sb);
		free(path);
	}
	closedir(d);
out:
	free(dir);
}

void
box_release(struct box *b)
{
	free(b->name);
	free(b->version);
	free(b->dir);
	free(b->image);
	free(b->sha256);
	free(b->source);
	free(b->added);
	free(b->kernel);
	free(b->initrd);
	free(b->cmdline);
	strlist_release(&b->users);
	memset(b, 0, sizeof(*b));
}

void
box_list_release(struct box_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		box_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
box_cmp(const void *pa, const void *pb)
{
	const struct box *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	return c ? c : -box_version_cmp(a->version, b->version);
}

int
box_store_list(struct box_store *s, struct box_list *out)
{
	DIR *top = opendir(s->root), *sub;
	struct dirent *de, *ve;

	if (!top)
		return err_set("cannot read the box store '%s': %s", s->root,
			       strerror(errno));
	while ((de = readdir(top))) {
		char *ndir;

		if (de->d_name[0] == '.')
			continue;
		ndir = path_join(s->root, de->d_name);
		if ((sub = opendir(ndir))) {
			while ((ve = readdir(sub))) {
				char *vdir;
				struct box b = { 0 };

				if (ve->d_name[0] == '.')
					continue;
				vdir = path_join(ndir, ve->d_name);
				if (box_meta_read(vdir, &b) == 0) {
					read_users(&b);
					ALLOC_GROW(out->v, out->n + 1,
						   out->alloc);
					out->v[out->n++] = b;
				} else {
					box_release(&b);
				}
				free(vdir);
			}
			closedir(sub);
		}
		free(ndir);
	}
	closedir(top);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), box_cmp);
	return 0;
}

int
box_store_find(struct box_store *s, const char *name, const char *version,
	       struct box *out)
{
	struct box_list all = { 0 };
	size_t i;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (box_store_list(s, &all) < 0)
		return -1;
	for (i = 0; i < all.n; i++) {
		if (strcmp(all.v[i].name, name) ||
		    (version && strcmp(all.v[i].version, version)))
			continue;
		*out = all.v[i];	/* the newest comes first */
		memset(&all.v[i], 0, sizeof(all.v[i]));
		ret = 0;
		break;
	}
	if (ret < 0) {
		if (version)
			err_set("box '%s' version '%s' is not in the store",
				name, version);
		else
			err_set("box '%s' is not in the store", name);
		err_hint("'berth box list' shows the boxes; 'berth box add' "
			 "or 'berth box build' adds one");
	}
	box_list_release(&all);
	return ret;
}

char *
box_store_stage(struct box_store *s)
{
	char *dir = xasprintf("%s/.tmp/%ld-XXXXXX", s->root, (long)getpid());

	/* 0755: libvirt's QEMU user reads kernels from the box folder */
	if (!mkdtemp(dir) || chmod(dir, 0755) < 0) {
		err_set("cannot create a staging folder in '%s': %s", s->root,
			strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* Move a folder out of the way into staging, where it can be removed. */
static char *
retire(struct box_store *s, const char *dir)
{
	char *away = box_store_stage(s);

	if (!away)
		return NULL;
	rmdir(away);
	if (rename(dir, away) < 0) {
		err_set("cannot move '%s' aside: %s", dir, strerror(errno));
		free(away);
		return NULL;
	}
	return away;
}

int
box_store_commit(struct box_store *s, const char *staged, const char *name,
		 const char *version, int replace)
{
	char *ndir = path_join(s->root, name);
	char *vdir = path_join(ndir, version), *old = NULL;
	int ret = -1;

	if (mkdir(ndir, 0755) < 0 && errno != EEXIST) {
		err_set("cannot create '%s': %s", ndir, strerror(errno));
		goto out;
	}
	if (replace && path_exists(vdir) && !(old = retire(s, vdir)))
		goto out;
	/* rename(2) will not replace a non-empty folder: of two concurrent
	 * adds, exactly one wins and the other is told so */
	if (rename(staged, vdir) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY) {
			err_set("box '%s' version '%s' is already in the store",
				name, version);
			err_hint("use it as it is, add with --force to replace "
				 "it, or give another --version");
		} else {
			err_set("cannot move the box into '%s': %s", vdir,
				strerror(errno));
		}
		goto out;
	}
	ret = 0;
out:
	if (old) {
		rm_rf(old);
		free(old);
	}
	free(vdir);
	free(ndir);
	return ret;
}

int
box_store_remove(struct box_store *s, const struct box *b, int force)
{
	char *away, *ndir;

	if (b->users.n && !force) {
		err_set("box '%s' version '%s' is used by %s%s", b->name,
			b->version, b->users.v[0],
			b->users.n > 1 ? " and others" : "");
		err_hint("destroy that workspace first, or remove with -f (its "
			 "VM keeps its copy in the storage pool)");
		return -1;
	}
	if (!(away = retire(s, b->dir)))
		return -1;
	rm_rf(away);
	free(away);
	ndir = path_join(s->root, b->name);
	rmdir(ndir);	/* only when no version is left */
	free(ndir);
	return 0;
}

int
box_store_use(struct box_store *s, const struct box *b, const char *ws_id,
	      const char *ws_file)
{
	char *dir = path_join(b->dir, "users"), *path;
	int ret;

	(void)s;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ret = err_set("cannot create '%s': %s", dir, strerror(errno));
		free(dir);
		return ret;
	}
	path = path_join(dir, ws_id);
	ret = write_file_atomic(path, ws_file, strlen(ws_file), 0644);
	free(path);
	free(dir);
	return ret;
}

int
box_store_unuse(struct box_store *s, const struct box *b, const char *ws_id)
{
	char *path = xasprintf("%s/users/%s", b->dir, ws_id);
	int ret = 0;

	(void)s;
	if (unlink(path) < 0 && errno != ENOENT)
		ret = err_set("cannot remove '%s': %s", path, strerror(errno));
	free(path);
	return ret;
}
