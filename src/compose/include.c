/* include.c: compose's include: other compose files, each read as a
 * project of its own folder (its .env, its relative paths), whose
 * services, networks, volumes, secrets and configs join this project's.
 * A name both define is refused, as compose refuses it. */

#include <stdlib.h>
#include <string.h>

#include "compose-walk.h"

#define INCLUDE_DEPTH 10

static const char *const resources[] = { "services", "networks", "volumes",
					 "secrets", "configs" };

/* An included file read into the doc, interpolated with vars; NULL after
 * saying why. c->doc.root stays the project's. */
static struct ynode *
load_file(struct cwalk *c, const char *rel, const struct ynode *at,
	  const char *path)
{
	struct ynode *got;

	if (compose_parse_other(c, rel, at, path, &got) < 0)
		return NULL;
	if (!got || got->kind != YNODE_MAP) {
		cw_report(c, at, path, NULL, "'%s' is not a compose file (a "
			  "mapping)", rel);
		return NULL;
	}
	compose_interpolate_node(c, got);
	return got;
}

/* The variables of an included project: its env files (or its folder's
 * .env) where the including project's, the environment first, say
 * nothing. */
static void
include_vars(struct cwalk *c, const struct strlist *env_files,
	     const struct ynode *at, const char *path, struct kvlist *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int first_bad;

	for (i = 0; i < env_files->n; i++) {
		char *abs = walk_resolve(&c->w, env_files->v[i]);

		sb.len = 0;
		if (sb_read_regular(&sb, abs, DOTENV_MAX) < 0) {
			cw_report(c, at, path, NULL, "cannot read '%s': %s",
				  env_files->v[i], err_msg());
			err_clear();
		} else if (spec_parse_env_file(sb.buf, out, &first_bad)) {
			cw_report(c, at, path, "write KEY=value", "line %d of "
				  "'%s' is not KEY=value", first_bad,
				  env_files->v[i]);
		}
		free(abs);
	}
	for (i = 0; i < c->vars.n; i++)
		kvlist_set(out, c->vars.v[i].key, c->vars.v[i].value);
	sb_release(&sb);
}

/* A top-level secret's or config's file, from the included folder. */
static void
rebase_files(struct cwalk *c, struct ynode *defs, const char *dir)
{
	size_t i, k;

	if (!defs || defs->kind != YNODE_MAP)
		return;
	for (i = 1; i < defs->n; i += 2) {
		struct ynode *d = defs->items[i];

		if (d->kind != YNODE_MAP)
			continue;
		for (k = 0; k + 1 < d->n; k += 2) {
			struct ynode *v = d->items[k + 1];
			char *r;

			if (strcmp(d->items[k]->text, "file") || !ynode_str(v))
				continue;
			r = compose_rebased(dir, v->text);
			free(v->text);
			v->text = r;
		}
	}
}

/* The included project's resources, added to root's; a name root has
 * already is refused. */
static void
add_resources(struct cwalk *c, struct ynode *root, const struct ynode *inc,
	      const char *file)
{
	size_t r, i;

	for (r = 0; r < ARRAY_SIZE(resources); r++) {
		const struct ynode *from = ynode_get(inc, resources[r]);
		struct ynode *into = ynode_get(root, resources[r]);

		if (!from || from->kind != YNODE_MAP || !from->n)
			continue;
		if (!into || into->kind != YNODE_MAP) {
			struct ynode *key = ydoc_node(&c->doc, YNODE_SCALAR,
						      from);

			key->text = xstrdup(resources[r]);
			key->interpolated = 1;
			into = ydoc_node(&c->doc, YNODE_MAP, from);
			ynode_push(root, key);
			ynode_push(root, into);
		}
		for (i = 0; i + 1 < from->n; i += 2) {
			const char *name = from->items[i]->text;

			if (ynode_get(into, name)) {
				char *p = xasprintf("%s.%s", resources[r],
						    name);

				cw_report(c, from->items[i], p, "rename one "
					  "of them", "'%s' is defined here, in "
					  "the included '%s', and by the "
					  "project that includes it", name,
					  file);
				free(p);
				continue;
			}
			ynode_push(into, from->items[i]);
			ynode_push(into, from->items[i + 1]);
		}
	}
}

static void includes(struct cwalk *c, struct ynode *root, const char *dir,
		     int depth);

/* One entry of include: a path, or { path, project_directory, env_file }. */
static void
include_one(struct cwalk *c, struct ynode *root, const struct ynode *e,
	    const char *dir, const char *path, int depth)
{
	static const char *const keys[] = { "path", "project_directory",
					    "env_file" };
	struct strlist paths = { 0 }, envs = { 0 };
	struct kvlist vars = { 0 }, saved;
	const struct ynode *v, *svcs;
	struct ynode *inc = NULL, *one;
	const char *s;
	char *pdir = NULL, *p;
	size_t i;

	if (ynode_str(e)) {
		strlist_push(&paths, e->text);
	} else if (e->kind == YNODE_MAP) {
		if (cw_check_keys(c, e, path, keys, ARRAY_SIZE(keys), NULL, 0))
			goto out;
		if (!(v = ynode_get(e, "path"))) {
			cw_report(c, e, path, NULL, "an include names its "
				  "compose file in path");
			goto out;
		}
		if (cw_strs(c, v, path, &paths) < 0)
			goto out;
		if ((v = ynode_get(e, "project_directory")) &&
		    (s = cw_str(c, v, path)))
			pdir = compose_rebased(dir, s);
		if ((v = ynode_get(e, "env_file")) && cw_strs(c, v, path,
							       &envs) < 0)
			goto out;
	} else {
		cw_report(c, e, path, NULL, "expected a file, or { path: "
			  "FILE }");
		goto out;
	}
	if (!paths.n)
		goto out;
	for (i = 0; i < paths.n; i++) {	/* relative to the including file */
		p = compose_rebased(dir, paths.v[i]);
		free(paths.v[i]);
		paths.v[i] = p;
	}
	if (!pdir)
		pdir = path_dirname(paths.v[0]);
	for (i = 0; i < envs.n; i++) {
		p = compose_rebased(dir, envs.v[i]);
		free(envs.v[i]);
		envs.v[i] = p;
	}
	if (!envs.n) {
		char *dotenv = compose_rebased(pdir, ".env"),
		     *abs = walk_resolve(&c->w, dotenv);

		if (path_exists(abs))
			strlist_push(&envs, dotenv);
		free(abs);
		free(dotenv);
	}
	include_vars(c, &envs, e, path, &vars);
	saved = c->vars;
	c->vars = vars;
	for (i = 0; i < paths.n; i++) {
		if (!(one = load_file(c, paths.v[i], e, path)))
			break;
		inc = inc ? compose_merge(&c->doc, inc, one, NULL) : one;
	}
	c->vars = saved;
	if (i < paths.n || !inc)
		goto out;
	includes(c, inc, pdir, depth + 1);
	if ((svcs = ynode_get(inc, "services")) && svcs->kind == YNODE_MAP) {
		for (i = 1; i < svcs->n; i += 2) {
			const struct ynode *ext = ynode_get(svcs->items[i],
							    "extends");

			/* its file would be read from the project's folder */
			if (ext && ext->kind == YNODE_MAP &&
			    ynode_get(ext, "file")) {
				cw_report(c, ext, path, "extend a service of "
					  "the same file, or include the other "
					  "file too", "berth does not read "
					  "extends.file in an included file");
				goto out;
			}
			svcs->items[i] = compose_rebase_service(&c->doc,
				svcs->items[i], pdir);
		}
	}
	rebase_files(c, ynode_get(inc, "secrets"), pdir);
	rebase_files(c, ynode_get(inc, "configs"), pdir);
	add_resources(c, root, inc, paths.v[0]);
out:
	kvlist_release(&vars);
	strlist_release(&paths);
	strlist_release(&envs);
	free(pdir);
}

/* root's include entries, for a file in dir (relative to the project). */
static void
includes(struct cwalk *c, struct ynode *root, const char *dir, int depth)
{
	const struct ynode *list = ynode_get(root, "include");
	size_t i;

	if (!list)
		return;
	if (depth >= INCLUDE_DEPTH) {
		cw_report(c, list, "include", "a file cannot include itself, "
			  "even through others", "include nested more than %d "
			  "deep", INCLUDE_DEPTH);
		return;
	}
	if (list->kind != YNODE_SEQ) {
		cw_report(c, list, "include", NULL, "expected a list of files");
		return;
	}
	for (i = 0; i < list->n; i++) {
		char *path = xasprintf("include[%zu]", i);

		include_one(c, root, list->items[i], dir, path, depth);
		free(path);
	}
}

void
compose_resolve_includes(struct cwalk *c)
{
	if (c->doc.root && c->doc.root->kind == YNODE_MAP)
		includes(c, c->doc.root, ".", 0);
}
