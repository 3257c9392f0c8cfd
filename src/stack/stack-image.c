/* stack-image.c: the image each service runs, made ready on the engine:
 * built from its context (skipped while the context is unchanged),
 * loaded from a tar, copied from the host's engine, pulled, or made by
 * berth itself (berth/busybox, from the host's busybox-static). */

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "digest.h"
#include "stack.h"

#define BUILTIN_BUSYBOX "berth/busybox"
#define HOST_BUSYBOX "/bin/busybox"
#define HOST_ENGINE "unix:///var/run/docker.sock"
/* images made at once: builds overlap on the guest's CPUs; more would
 * only queue in the engine */
#define PARALLEL_IMAGES 3

/*
 * The images of a stack are made on threads, one per image, so that one
 * build's wait for the engine overlaps another's work. A Dockerfile FROM
 * the image of a service listed before it waits for that image, which is
 * the order they were made in one at a time, and its context label then
 * names that image's ID: a new base rebuilds the images made FROM it.
 */
struct prep_jobs;
struct prep {
	struct prep_jobs *all;
	size_t service;
	pthread_t thread;
	int done;		/* guarded by all->lock */
	char *why, *hint;	/* what failed: the thread's own error */
};
struct prep_jobs {
	struct engine *e;
	const struct ws *ws;
	struct stack_images *im;
	json_t *listed;
	int dry_run;
	const struct reporter *rep;
	struct prep *v;
	size_t n;
	int running;
	pthread_mutex_t lock;
	pthread_cond_t changed;
};

/* "name" and "name:latest" are one image. */
static int
same_image(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strcmp(a, b) || (!strncmp(a, b, n) && !strcmp(a + n, ":latest"));
}

/* The image's ID and one of its labels, or 0 when it is not there. */
static int
image_inspect(struct engine *e, const char *ref, char **id, const char *label,
	      char **value)
{
	json_t *j = NULL;
	int ret;

	*id = NULL;
	if (value)
		*value = NULL;
	if ((ret = docker_image_inspect(&e->d, ref, &j)) <= 0)
		return ret;
	*id = xstrdup(json_string_value(json_object_get(j, "Id")) ?: "");
	if (value && label) {
		const char *v = json_string_value(json_object_get(
			json_object_get(json_object_get(j, "Config"), "Labels"),
			label));

		*value = v ? xstrdup(v) : NULL;
	}
	json_decref(j);
	return 1;
}

/* A busybox from a -static package runs in an empty image; the plain
 * package's needs a libc the image lacks. */
static int
elf_is_static(const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	FILE *f = fopen(path, "rb");
	int i, ret = 0;

	if (!f)
		return 0;
	if (fread(&eh, sizeof(eh), 1, f) != 1 ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		goto out;
	ret = 1;
	for (i = 0; i < eh.e_phnum; i++) {
		if (fseek(f, (long)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize),
			  SEEK_SET) < 0 || fread(&ph, sizeof(ph), 1, f) != 1) {
			ret = 0;
			break;
		}
		if (ph.p_type == PT_INTERP) {
			ret = 0;
			break;
		}
	}
out:
	fclose(f);
	return ret;
}

static void
tar_add(struct archive *a, const char *name, mode_t type, int mode,
	const char *target, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, mode);
	archive_entry_set_mtime(e, 0, 0);	/* the same tar every time */
	if (target)
		archive_entry_set_symlink(e, target);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_write_header(a, e);
	if (len)
		archive_write_data(a, data, len);
	archive_entry_free(e);
}

/* berth/busybox: /bin/busybox, a link per applet, and enough of /etc. */
static int
make_busybox(struct engine *e)
{
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
				     "nobody:x:65534:65534:nobody:/:/bin/false\n";
	static const char group[] = "root:x:0:\nnogroup:x:65534:\n";
	char *tar = NULL;
	struct strbuf bin = STRBUF_INIT, list = STRBUF_INIT;
	struct archive *a = NULL;
	FILE *p;
	char line[256], *save = NULL;
	int ret = -1;

	if (!elf_is_static(HOST_BUSYBOX)) {
		err_set("making '%s' needs a static %s on this host",
			BUILTIN_BUSYBOX, HOST_BUSYBOX);
		err_hint("install it with 'apt-get install busybox-static'");
		goto out;
	}
	if (sb_read_file(&bin, HOST_BUSYBOX) < 0 ||
	    !(tar = temp_file(NULL, "berth-busybox")))
		goto out;
	if (!(p = popen(HOST_BUSYBOX " --list", "r"))) {
		err_set("cannot run %s: %s", HOST_BUSYBOX, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), p))
		sb_addstr(&list, line);
	pclose(p);
	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, tar) != ARCHIVE_OK) {
		err_set("cannot create '%s': %s", tar, archive_error_string(a));
		goto out;
	}
	tar_add(a, "bin", AE_IFDIR, 0755, NULL, NULL, 0);
	tar_add(a, "etc", AE_IFDIR, 0755, NULL, NULL, 0);
	tar_add(a, "root", AE_IFDIR, 0700, NULL, NULL, 0);
	tar_add(a, "tmp", AE_IFDIR, 01777, NULL, NULL, 0);
	tar_add(a, "bin/busybox", AE_IFREG, 0755, NULL, bin.buf, bin.len);
	tar_add(a, "etc/passwd", AE_IFREG, 0644, NULL, passwd, strlen(passwd));
	tar_add(a, "etc/group", AE_IFREG, 0644, NULL, group, strlen(group));
	for (char *l = strtok_r(list.buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *name;

		if (!strcmp(l, "busybox") || strchr(l, '/'))
			continue;
		name = xasprintf("bin/%s", l);
		tar_add(a, name, AE_IFLNK, 0777, "busybox", NULL, 0);
		free(name);
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		err_set("cannot write '%s': %s", tar, archive_error_string(a));
		goto out;
	}
	ret = docker_image_import(&e->d, tar, BUILTIN_BUSYBOX, "latest");
out:
	if (a)
		archive_write_free(a);
	if (tar)
		unlink(tar);
	free(tar);
	sb_release(&bin);
	sb_release(&list);
	return ret;
}

static int
ensure_builtin(struct engine *e, const char *ref, int dry_run)
{
	/* two builds FROM it at once make it once */
	static pthread_mutex_t making = PTHREAD_MUTEX_INITIALIZER;
	char *id = NULL;
	int r;

	if (!same_image(ref, BUILTIN_BUSYBOX))
		return 0;
	pthread_mutex_lock(&making);
	if ((r = image_inspect(e, BUILTIN_BUSYBOX, &id, NULL, NULL)) == 0 &&
	    !dry_run)
		r = make_busybox(e);
	pthread_mutex_unlock(&making);
	free(id);
	return r < 0 ? -1 : 0;
}

int
stack_ensure_busybox(struct engine *e)
{
	return ensure_builtin(e, BUILTIN_BUSYBOX, 0);
}

/* Call fn with each image a Dockerfile names in FROM, until fn fails. */
static int
each_from(const struct service *svc, int (*fn)(const char *ref, void *arg),
	  void *arg)
{
	char *path = path_join(svc->build_context, svc->dockerfile);
	struct strbuf df = STRBUF_INIT;
	char *line, *save = NULL, *wsave = NULL;
	int ret = 0;

	if (sb_read_file(&df, path) < 0) {
		free(path);
		return -1;
	}
	for (line = strtok_r(df.buf, "\n", &save); line && ret == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char *w;

		while (isspace((unsigned char)*line))
			line++;
		if (strncasecmp(line, "FROM", 4) || !isspace((unsigned char)line[4]))
			continue;
		/* strtok_r: other builds parse theirs at the same time */
		for (w = strtok_r(line + 5, " \t", &wsave);
		     w && !strncmp(w, "--", 2); w = strtok_r(NULL, " \t", &wsave))
			;
		if (w)
			ret = fn(w, arg);
	}
	sb_release(&df);
	free(path);
	return ret;
}

static int
builtin_base(const char *ref, void *arg)
{
	return ensure_builtin(arg, ref, 0);
}

/* A Dockerfile that starts FROM berth/busybox needs it made first. */
static int
ensure_bases(struct engine *e, const struct service *svc)
{
	return each_from(svc, builtin_base, e);
}

struct base_ids {
	struct prep *p;
	struct strbuf ids;
};

/* Wait until the services before p's that make REF have made it; the
 * ID of the last, or NULL. */
static const char *
wait_earlier(struct prep *p, const char *ref)
{
	struct prep_jobs *all = p->all;
	const char *id = NULL;
	size_t k;

	for (k = 0; &all->v[k] != p; k++) {
		size_t i = all->v[k].service;

		if (!same_image(all->im->ref[i], ref))
			continue;
		pthread_mutex_lock(&all->lock);
		while (!all->v[k].done)
			pthread_cond_wait(&all->changed, &all->lock);
		pthread_mutex_unlock(&all->lock);
		id = all->im->id[i];
	}
	return id;
}

/* A base that an earlier service makes: wait for it, and note its ID. */
static int
earlier_base(const char *ref, void *arg)
{
	struct base_ids *b = arg;
	const char *id = wait_earlier(b->p, ref);

	if (id) {
		id += strncmp(id, "sha256:", 7) ? 0 : 7;
		sb_addf(&b->ids, "+%.12s", id);
	}
	return 0;
}

/* The context label of p's service, with the IDs of the bases that
 * earlier services make. */
static int
fold_bases(struct prep *p)
{
	struct stack_images *im = p->all->im;
	size_t i = p->service;
	struct base_ids b = { p, STRBUF_INIT };
	int ret = each_from(&p->all->ws->stack.services[i], earlier_base, &b);

	if (ret == 0 && b.ids.len) {
		char *folded = xasprintf("%s%s", im->context[i], b.ids.buf);

		free(im->context[i]);
		im->context[i] = folded;
	}
	sb_release(&b.ids);
	return ret;
}

struct build_log {
	const char *service;
	const struct reporter *rep;
	struct strbuf tail;	/* what to show when the build fails */
};

static int
on_build_line(const char *line, void *arg)
{
	struct build_log *b = arg;

	/* the steps show progress; the rest is kept for a failure */
	if (!strncmp(line, "Step ", 5))
		report(b->rep, REPORT_OUTPUT, b->service, "    %s: %.*s",
		       b->service, (int)strcspn(line, "\n"), line);
	sb_addstr(&b->tail, line);
	if (b->tail.len > 8192) {
		memmove(b->tail.buf, b->tail.buf + b->tail.len - 4096, 4096);
		b->tail.len = 4096;
		b->tail.buf[4096] = '\0';
	}
	return 0;
}

/* What a build would see: its context, and its args, which change the
 * image as much (a different ARG is a different image). */
static int
build_digest(const struct service *svc, char **hex)
{
	struct digest *dg;
	size_t i;

	if (docker_context_digest(svc->build_context, svc->dockerfile, hex) < 0)
		return -1;
	if (!svc->build_args.n && !svc->build_target)
		return 0;
	if (!(dg = digest_new("sha256")))
		return -1;
	digest_update(dg, *hex, strlen(*hex));
	if (svc->build_target)	/* another stage is another image */
		digest_update(dg, svc->build_target,
			      strlen(svc->build_target) + 1);
	for (i = 0; i < svc->build_args.n; i++) {
		digest_update(dg, "", 1);
		digest_update(dg, svc->build_args.v[i].key,
			      strlen(svc->build_args.v[i].key) + 1);
		digest_update(dg, svc->build_args.v[i].value,
			      strlen(svc->build_args.v[i].value));
	}
	free(*hex);
	*hex = xstrndup(digest_hex(dg), 16);
	digest_free(dg);
	return 0;
}

static int
build(struct engine *e, const struct ws *ws, const struct service *svc,
      const char *ref, const char *context, const struct reporter *rep)
{
	struct build_log log = { svc->name, rep, STRBUF_INIT };
	json_t *labels = json_pack("{s:s, s:s}", LABEL_CONTEXT, context,
				   LABEL_WORKSPACE, ws->name);
	json_t *args = json_object();
	double start;
	size_t i;
	int ret;

	for (i = 0; i < svc->build_args.n; i++)
		json_object_set_new(args, svc->build_args.v[i].key,
				    json_string(svc->build_args.v[i].value));

	report(rep, REPORT_LINE, svc->name, "%-12s building %s", svc->name, ref);
	start = clock_now();
	ret = ensure_bases(e, svc);
	if (ret == 0)
		ret = docker_image_build(&e->d, svc->build_context,
					 svc->dockerfile, ref, labels, args,
					 svc->build_target, on_build_line, &log);
	if (ret == 0)
		report(rep, REPORT_LINE, svc->name, "%-12s built %s in %.1f s",
		       svc->name, ref, clock_now() - start);
	if (ret < 0 && log.tail.len)
		report(rep, REPORT_WARN, svc->name,
		       "--- the end of the build of '%s' ---\n%.*s", svc->name,
		       (int)(log.tail.len - (log.tail.buf[log.tail.len - 1] ==
					     '\n')), log.tail.buf);
	json_decref(labels);
	json_decref(args);
	sb_release(&log.tail);
	return ret;
}

static int
copy_from_host(struct engine *e, const char *ref)
{
	struct docker host;
	int ret;

	if (docker_open(&host, HOST_ENGINE, NULL) < 0)
		return -1;
	ret = docker_image_copy(&host, &e->d, ref);
	docker_close(&host);
	if (ret < 0)
		err_hint("is '%s' in the host's engine? 'docker image ls' shows "
			 "it", ref);
	return ret;
}

/*
 * Every image the stack names, in the shape of the engine's image list,
 * before the threads that make them start. Not that list call itself: the
 * engine walks every image it holds for it, and one with the old builds
 * of an afternoon took 80-160 ms of a no-op up under TCG.
 *
 * A container of the stack made from the image answers first: the engine
 * lists its "Image" as the reference it was made from only while that
 * reference still names the container's image (else as the image's ID),
 * and its labels hold the image's (services may not set berth.* ones).
 * The rest are looked up one by one on the warm connection, ~5-25 ms
 * each under TCG, which was half of a no-op up's calls.
 */
static char *tagged(const char *ref);

static int
listed_from_container(json_t *containers, const char *ref, json_t *list)
{
	char *want = tagged(ref), *have;
	json_t *c;
	size_t i;
	int found = 0;

	json_array_foreach(containers, i, c) {
		const char *image = json_string_value(json_object_get(c,
								"Image"));
		const char *id = json_string_value(json_object_get(c,
								"ImageID"));

		if (!image || !id || !*id)
			continue;
		have = tagged(image);
		found = !strcmp(have, want);
		free(have);
		if (found) {
			json_array_append_new(list, json_pack(
				"{s:s, s:[s], s:{s:s?}}", "Id", id, "RepoTags",
				want, "Labels", LABEL_CONTEXT,
				stack_label(c, LABEL_CONTEXT)));
			break;
		}
	}
	free(want);
	return found;
}

static json_t *
images_listed(struct engine *e, char **refs, size_t n, json_t *containers)
{
	json_t *list = json_array();
	size_t i, j;

	for (i = 0; i < n; i++) {
		char *id = NULL, *label = NULL, *tag;
		int r;

		for (j = 0; j < i && strcmp(refs[j], refs[i]); j++)
			;
		if (j < i || strchr(refs[i], '@'))
			continue;	/* asked already; a digest is exact */
		if (listed_from_container(containers, refs[i], list))
			continue;
		if ((r = image_inspect(e, refs[i], &id, LABEL_CONTEXT,
				       &label)) < 0)
			err_clear();	/* asked again, and said, later */
		if (r > 0) {
			tag = tagged(refs[i]);
			json_array_append_new(list, json_pack(
				"{s:s, s:[s], s:{s:s?}}", "Id", id, "RepoTags",
				tag, "Labels", LABEL_CONTEXT, label));
			free(tag);
		}
		free(id);
		free(label);
	}
	return list;
}

/* ref as the engine tags it: "name" is "name:latest" (a ':' after the
 * last '/' is a tag; before it, a registry's port). */
static char *
tagged(const char *ref)
{
	const char *slash = strrchr(ref, '/');

	if (strchr(slash ? slash : ref, ':'))
		return xstrdup(ref);
	return xasprintf("%s:latest", ref);
}

/* 1 and the image's ID and context label when ref is in the list; 0 when
 * it is not there by that spelling (the engine knows others: ask it). */
static int
listed_find(json_t *listed, const char *ref, char **id, char **label)
{
	char *want = tagged(ref);
	json_t *img, *tag;
	size_t i, k;
	int ret = 0;

	json_array_foreach(listed, i, img) {
		json_array_foreach(json_object_get(img, "RepoTags"), k, tag) {
			const char *v;

			if (!json_is_string(tag) ||
			    strcmp(json_string_value(tag), want))
				continue;
			*id = xstrdup(json_string_value(json_object_get(img,
								"Id")) ?: "");
			v = json_string_value(json_object_get(json_object_get(
				img, "Labels"), LABEL_CONTEXT));
			*label = v ? xstrdup(v) : NULL;
			ret = 1;
			goto out;
		}
	}
out:
	free(want);
	return ret;
}

/* Make one service's image ready; its ID in *id (NULL when dry_run finds
 * that it would have to be made). */
static int
prepare_one(struct engine *e, const struct ws *ws, const struct service *svc,
	    int dry_run, const struct reporter *rep, const char *ref,
	    const char *context, json_t *listed, char **id)
{
	char *label = NULL;
	int r;

	*id = NULL;
	r = listed && strchr(ref, '@') == NULL
	    ? listed_find(listed, ref, id, &label) : 0;
	if (r == 0)
		r = image_inspect(e, ref, id, LABEL_CONTEXT, &label);
	if (r < 0)
		goto fail;
	if (svc->build_context) {
		int fresh = r > 0 && label && !strcmp(label, context);

		free(label);
		if (fresh || dry_run) {
			if (!fresh) {
				free(*id);
				*id = NULL;
			}
			return 0;
		}
		free(*id);
		*id = NULL;
		if (!stack_image_from_sibling(e, ws, svc, ref, context, rep) &&
		    build(e, ws, svc, ref, context, rep) < 0)
			goto fail;
	} else {
		free(label);
		if (r > 0 || dry_run)
			return 0;
		if (svc->load) {
			report(rep, REPORT_LINE, svc->name, "%-12s loading %s",
			       svc->name, svc->load);
			r = docker_image_load(&e->d, svc->load);
		} else if (svc->from_host && e->place != ENGINE_HOST) {
			report(rep, REPORT_LINE, svc->name,
			       "%-12s copying %s from the host", svc->name, ref);
			r = copy_from_host(e, ref);
		} else if (same_image(ref, BUILTIN_BUSYBOX)) {
			r = ensure_builtin(e, ref, 0);
		} else {
			report(rep, REPORT_LINE, svc->name, "%-12s pulling %s",
			       svc->name, ref);
			r = docker_image_pull(&e->d, ref, NULL, NULL);
		}
		if (r < 0)
			goto fail;
	}
	if ((r = image_inspect(e, ref, id, NULL, NULL)) <= 0) {
		if (r == 0)
			err_set("image '%s' is not in the engine after all", ref);
		goto fail;
	}
	return 0;
fail:
	free(*id);
	*id = NULL;
	return -1;
}

static void *
prep_thread(void *arg)
{
	struct prep *p = arg;
	struct prep_jobs *all = p->all;
	const struct service *svc = &all->ws->stack.services[p->service];
	size_t i = p->service;
	const char *made;

	/* an image that an earlier service builds is not pulled meanwhile,
	 * nor looked up in the list made before that build */
	made = wait_earlier(p, all->im->ref[i]);
	if (made && !svc->build_context)
		all->im->id[i] = xstrdup(made);
	else if ((svc->build_context && fold_bases(p) < 0) ||
		 prepare_one(all->e, all->ws, svc, all->dry_run, all->rep,
			     all->im->ref[i], all->im->context[i],
			     all->listed, &all->im->id[i]) < 0) {
		p->why = xstrdup(err_msg() ? err_msg() : "failed");
		p->hint = err_hint_msg() ? xstrdup(err_hint_msg()) : NULL;
	}
	pthread_mutex_lock(&all->lock);
	p->done = 1;
	all->running--;
	pthread_cond_broadcast(&all->changed);
	pthread_mutex_unlock(&all->lock);
	return NULL;
}

/* Make the images of all->v at once, PARALLEL_IMAGES at a time (one at a
 * time for a dry run, which only asks); the first that failed, in the
 * services' order, is the error. */
static int
prep_run(struct prep_jobs *all)
{
	size_t k, failed = all->n;

	pthread_mutex_init(&all->lock, NULL);
	pthread_cond_init(&all->changed, NULL);
	for (k = 0; k < all->n; k++) {
		struct prep *p = &all->v[k];

		pthread_mutex_lock(&all->lock);
		while (all->running >= (all->dry_run ? 1 : PARALLEL_IMAGES))
			pthread_cond_wait(&all->changed, &all->lock);
		all->running++;
		pthread_mutex_unlock(&all->lock);
		if (pthread_create(&p->thread, NULL, prep_thread, p) != 0) {
			/* no thread to spare: made here, in turn */
			p->thread = pthread_self();
			prep_thread(p);
		}
	}
	for (k = 0; k < all->n; k++) {
		struct prep *p = &all->v[k];

		if (!pthread_equal(p->thread, pthread_self()))
			pthread_join(p->thread, NULL);
		if (p->why && failed == all->n)
			failed = k;
	}
	if (failed < all->n) {
		struct prep *p = &all->v[failed];

		err_set("%s", p->why);
		if (p->hint)
			err_hint("%s", p->hint);
		err_prefix("service '%s'",
			   all->ws->stack.services[p->service].name);
	}
	for (k = 0; k < all->n; k++) {
		free(all->v[k].why);
		free(all->v[k].hint);
	}
	pthread_cond_destroy(&all->changed);
	pthread_mutex_destroy(&all->lock);
	return failed < all->n ? -1 : 0;
}

int
stack_images_prepare(struct engine *e, const struct ws *ws,
		     json_t *containers, int dry_run,
		     const struct reporter *rep, struct stack_images *im)
{
	size_t n = ws->stack.nservices, i, j;
	struct prep_jobs all = { .e = e, .ws = ws, .im = im,
				 .dry_run = dry_run, .rep = rep };
	int ret = -1;

	im->ref = xcalloc(n + 1, sizeof(char *));
	im->id = xcalloc(n + 1, sizeof(char *));
	im->context = xcalloc(n + 1, sizeof(char *));
	all.v = xcalloc(n + 1, sizeof(*all.v));
	for (i = 0; i < n; i++)
		im->ref[i] = stack_image_ref(ws, &ws->stack.services[i]);
	all.listed = n ? images_listed(e, im->ref, n, containers) : NULL;
	for (i = 0; i < n; i++) {
		const struct service *svc = &ws->stack.services[i];

		if (svc->build_context &&
		    build_digest(svc, &im->context[i]) < 0)
			goto out;
		/* two services on one image: make it once */
		for (j = 0; j < i; j++)
			if (!strcmp(im->ref[j], im->ref[i]) &&
			    !ws->stack.services[j].build_context ==
			    !svc->build_context)
				break;
		if (j == i)
			all.v[all.n++] = (struct prep){ .all = &all,
							.service = i };
	}
	if (prep_run(&all) < 0)
		goto out;
	/* the services that share an image take what its first one made */
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(im->ref[j], im->ref[i]) &&
			    !ws->stack.services[j].build_context ==
			    !ws->stack.services[i].build_context) {
				free(im->id[i]);
				free(im->context[i]);
				im->id[i] = im->id[j] ? xstrdup(im->id[j]) : NULL;
				im->context[i] = im->context[j] ?
					xstrdup(im->context[j]) : NULL;
				break;
			}
	ret = 0;
out:
	free(all.v);
	json_decref(all.listed);
	return ret;
}

void
stack_images_release(struct stack_images *im, size_t n)
{
	size_t i;

	for (i = 0; im->ref && i < n; i++) {
		free(im->ref[i]);
		free(im->id[i]);
		free(im->context[i]);
	}
	free(im->ref);
	free(im->id);
	free(im->context);
	memset(im, 0, sizeof(*im));
}
