/* extends.c: a service that extends another, in the same file or in
 * another one, becomes the other merged with its own settings, as compose
 * merges an override. A service from a file in another folder has its
 * relative paths (build context, env files, binds) taken from there. */

#include <stdlib.h>
#include <string.h>

#include "compose-walk.h"

#define EXTENDS_DEPTH 10
#define OTHER_FILE_MAX (4u << 20)

static struct ynode *
scalar_like(struct ydoc *doc, const struct ynode *like, char *text)
{
	struct ynode *n = ydoc_node(doc, YNODE_SCALAR, like);

	n->text = text;
	n->interpolated = 1;
	return n;
}

/* A relative path of a file in dir, as the project sees it: "./" first,
 * as compose reads a bind's source as a path only then. */
static char *
rebased(const char *dir, const char *path)
{
	char *joined, *norm, *ret;

	if (path[0] == '/' || path[0] == '~' || strstr(path, "://") ||
	    !strcmp(dir, "."))
		return xstrdup(path);
	joined = path_join(dir, path);
	norm = spec_normalize_path(joined);
	ret = norm[0] == '/' || !strncmp(norm, "..", 2)
	      ? xstrdup(norm) : xasprintf("./%s", norm);
	free(norm);
	free(joined);
	return ret;
}

char *
compose_rebased(const char *dir, const char *path)
{
	return rebased(dir, path);
}

/* A copy of map with the value of key replaced. */
static struct ynode *
with_value(struct ydoc *doc, const struct ynode *map, const char *key,
	   struct ynode *value)
{
	struct ynode *out = ydoc_node(doc, YNODE_MAP, map);
	size_t i;

	for (i = 0; i + 1 < map->n; i += 2) {
		ynode_push(out, map->items[i]);
		ynode_push(out, strcmp(map->items[i]->text, key)
			   ? map->items[i + 1] : value);
	}
	return out;
}

static struct ynode *
rebase_volume(struct ydoc *doc, struct ynode *e, const char *dir)
{
	const struct ynode *src;

	if (e->kind == YNODE_MAP) {
		src = ynode_get(e, "source");
		if (!src || !ynode_str(src) || src->text[0] != '.')
			return e;
		return with_value(doc, e, "source", scalar_like(doc, src,
					rebased(dir, src->text)));
	}
	if (!ynode_str(e) || e->text[0] != '.' || !strchr(e->text, ':'))
		return e;
	return scalar_like(doc, e, rebased(dir, e->text));
}

/* The paths of svc, a service of a file in dir, made relative to the
 * project's folder. */
struct ynode *
compose_rebase_service(struct ydoc *doc, struct ynode *svc, const char *dir)
{
	struct ynode *v, *list;
	const struct ynode *ctx;
	size_t i;

	if ((v = ynode_get(svc, "build"))) {
		if (ynode_str(v))
			svc = with_value(doc, svc, "build", scalar_like(doc, v,
						rebased(dir, v->text)));
		else if ((ctx = ynode_get(v, "context")) && ynode_str(ctx))
			svc = with_value(doc, svc, "build", with_value(doc, v,
				"context", scalar_like(doc, ctx,
						       rebased(dir, ctx->text))));
		else if (v->kind == YNODE_MAP && !ctx)
			svc = with_value(doc, svc, "build", with_value(doc, v,
				"context", scalar_like(doc, v, xstrdup(dir))));
	}
	if ((v = ynode_get(svc, "env_file"))) {
		if (ynode_str(v)) {
			svc = with_value(doc, svc, "env_file", scalar_like(doc,
						v, rebased(dir, v->text)));
		} else if (v->kind == YNODE_SEQ) {
			list = ydoc_node(doc, YNODE_SEQ, v);
			for (i = 0; i < v->n; i++)
				ynode_push(list, ynode_str(v->items[i])
					   ? scalar_like(doc, v->items[i],
						rebased(dir, v->items[i]->text))
					   : v->items[i]);
			svc = with_value(doc, svc, "env_file", list);
		}
	}
	if ((v = ynode_get(svc, "volumes")) && v->kind == YNODE_SEQ) {
		list = ydoc_node(doc, YNODE_SEQ, v);
		for (i = 0; i < v->n; i++)
			ynode_push(list, rebase_volume(doc, v->items[i], dir));
		svc = with_value(doc, svc, "volumes", list);
	}
	return svc;
}

/* svc without its extends key */
static struct ynode *
without_extends(struct ydoc *doc, const struct ynode *svc)
{
	struct ynode *out = ydoc_node(doc, YNODE_MAP, svc);
	size_t i;

	for (i = 0; i + 1 < svc->n; i += 2)
		if (strcmp(svc->items[i]->text, "extends")) {
			ynode_push(out, svc->items[i]);
			ynode_push(out, svc->items[i + 1]);
		}
	return out;
}

struct scope {
	struct ynode *services;	/* the file's services mapping */
	const char *dir;	/* its folder, relative to the project's */
};

static struct ynode *resolve(struct cwalk *c, struct scope *sc,
			     struct ynode *svc, const char *name, int depth);

int
compose_parse_other(struct cwalk *c, const char *rel, const struct ynode *at,
		    const char *path, struct ynode **out)
{
	struct strbuf text = STRBUF_INIT;
	char *abs = walk_resolve(&c->w, rel);
	struct ynode *root = c->doc.root;
	int line, ret = -1;

	*out = NULL;
	if (c->parsed > OTHER_FILE_MAX * 4) {
		cw_report(c, at, path, NULL, "the files extended from and "
			  "included hold more than %u MiB together",
			  OTHER_FILE_MAX >> 18);
	} else if (sb_read_regular(&text, abs, OTHER_FILE_MAX) < 0) {
		cw_report(c, at, path, NULL, "cannot read '%s': %s", rel,
			  err_msg());
		err_clear();
	} else if ((c->parsed += text.len, ydoc_parse(&c->doc, rel, text.buf,
							 text.len, &line) < 0)) {
		diags_add(c->w.d, rel, line, NULL, NULL, "%s", err_msg());
		err_clear();
	} else {
		*out = c->doc.root;
		ret = 0;
	}
	c->doc.root = root;	/* the project's, whatever was parsed */
	sb_release(&text);
	free(abs);
	return ret;
}

/* The services of another file, parsed into the doc. */
static int
load_scope(struct cwalk *c, const struct scope *from, const char *file,
	   const struct ynode *at, const char *path, struct scope *out)
{
	char *rel = rebased(from->dir, file);
	struct ynode *root;
	int ret = -1;

	if (compose_parse_other(c, rel, at, path, &root) == 0) {
		if (!root || !(out->services = ynode_get(root, "services"))) {
			cw_report(c, at, path, NULL, "'%s' has no services",
				  rel);
		} else {
			compose_interpolate_node(c, root);
			out->dir = path_dirname(rel);
			ret = 0;
		}
	}
	free(rel);
	return ret;
}

static struct ynode *
resolve(struct cwalk *c, struct scope *sc, struct ynode *svc,
	const char *name, int depth)
{
	const struct ynode *ext, *v;
	const char *base_name, *file = NULL;
	struct scope other = { 0 }, *in = sc;
	struct ynode *base;
	char *path = xasprintf("services.%s.extends", name);

	if (svc->kind != YNODE_MAP || !(ext = ynode_get(svc, "extends")))
		goto keep;
	if (depth >= EXTENDS_DEPTH) {
		cw_report(c, ext, path, "a service cannot extend itself, even "
			  "through others", "extends nested more than %d deep",
			  EXTENDS_DEPTH);
		goto keep;
	}
	if (ynode_str(ext)) {
		base_name = ext->text;
	} else if (ext->kind == YNODE_MAP &&
		   (v = ynode_get(ext, "service")) && ynode_str(v)) {
		base_name = v->text;
		if ((v = ynode_get(ext, "file")) && ynode_str(v))
			file = v->text;
	} else {
		cw_report(c, ext, path, NULL, "expected a service's name, or "
			  "{ service: NAME, file: FILE }");
		goto keep;
	}
	if (file && load_scope(c, sc, file, ext, path, &other) < 0)
		goto keep;
	if (file)
		in = &other;
	if (!(base = ynode_get(in->services, base_name))) {
		cw_report(c, ext, path, NULL, "no service '%s' to extend%s%s",
			  base_name, file ? " in " : "", file ? file : "");
		goto keep;
	}
	base = resolve(c, in, base, base_name, depth + 1);
	if (file && strcmp(other.dir, "."))
		base = compose_rebase_service(&c->doc, base, other.dir);
	free(path);
	free((char *)other.dir);
	return compose_merge(&c->doc, base, without_extends(&c->doc, svc),
			     NULL);
keep:
	free(path);
	free((char *)other.dir);
	return svc;
}

void
compose_resolve_extends(struct cwalk *c)
{
	struct scope project = { NULL, "." };
	size_t i;

	if (!c->doc.root || !(project.services = ynode_get(c->doc.root,
							   "services")) ||
	    project.services->kind != YNODE_MAP)
		return;
	for (i = 0; i + 1 < project.services->n; i += 2)
		project.services->items[i + 1] = resolve(c, &project,
			project.services->items[i + 1],
			project.services->items[i]->text, 0);
}
