/* compose-files.c: secrets and configs, compose's files for a service,
 * each mounted read-only where compose puts it (a secret under
 * /run/secrets/, a config at /NAME), from the file the top level names. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-walk.h"

/* The top level's entry for name, checked: its file, or NULL. */
static char *
source_file(struct cwalk *c, const struct ynode *top, const char *kind,
	    const char *name, const struct ynode *at, const char *path)
{
	static const char *const keys[] = { "file", "name" };
	static const char *const unsup[] = { "external", "environment",
					     "content", "driver",
					     "driver_opts", "labels",
					     "template_driver" };
	const struct ynode *def = top ? ynode_get(top, name) : NULL, *f;
	char *p, *file;

	if (!def) {
		cw_report(c, at, path, NULL, "%s '%s' is not declared in the "
			  "top-level %ss", kind, name, kind);
		return NULL;
	}
	p = xasprintf("%ss.%s", kind, name);
	if (def->kind != YNODE_MAP) {
		cw_report(c, def, p, NULL, "expected a mapping with file");
		free(p);
		return NULL;
	}
	cw_check_keys(c, def, p, keys, ARRAY_SIZE(keys), unsup,
		      ARRAY_SIZE(unsup));
	if (!(f = ynode_get(def, "file")) || !cw_str(c, f, p)) {
		if (!f)
			cw_report(c, def, p, NULL, "berth reads a %s from a "
				  "file: add file:", kind);
		free(p);
		return NULL;
	}
	file = walk_resolve(&c->w, f->text);
	if (!path_exists(file)) {
		cw_report(c, f, p, NULL, "'%s' does not exist", file);
		free(file);
		file = NULL;
	}
	free(p);
	return file;
}

static void
mount_file(struct cwalk *c, struct service *svc, const struct ynode *at,
	   char *file, const char *target)
{
	struct mount_spec *m;
	size_t k;

	for (k = 0; k < svc->nmounts; k++)
		if (!strcmp(svc->mounts[k].target, target)) {
			cw_report(c, at, NULL, NULL, "'%s' is already mounted "
				  "on line %d", target, svc->mounts[k].line);
			free(file);
			return;
		}
	svc->mounts = xrealloc(svc->mounts, (svc->nmounts + 1) * sizeof(*m));
	m = &svc->mounts[svc->nmounts++];
	memset(m, 0, sizeof(*m));
	m->type = MOUNT_BIND;
	m->source = file;
	m->target = xstrdup(target);
	m->readonly = 1;
	m->line = at->line;
}

static void
read_kind(struct cwalk *c, struct service *svc, const struct ynode *list,
	  const char *kind, const struct ynode *top, const char *path)
{
	static const char *const keys[] = { "source", "target", "uid", "gid",
					    "mode" };
	size_t i;

	if (list->kind != YNODE_SEQ) {
		cw_report(c, list, path, NULL, "expected a list of %ss", kind);
		return;
	}
	for (i = 0; i < list->n; i++) {
		const struct ynode *e = list->items[i], *v;
		const char *name = NULL, *target = NULL;
		char *file, *where;

		if (e->kind == YNODE_MAP) {
			cw_check_keys(c, e, path, keys, ARRAY_SIZE(keys), NULL,
				      0);
			if ((v = ynode_get(e, "source")))
				name = cw_str(c, v, path);
			if ((v = ynode_get(e, "target")))
				target = cw_str(c, v, path);
			if (ynode_get(e, "uid") || ynode_get(e, "gid") ||
			    ynode_get(e, "mode"))
				cw_ignored(c, e, path, "uid, gid and mode: "
					   "the file keeps its own, as the "
					   "host has it");
			if (!name) {
				cw_report(c, e, path, NULL, "needs source, the "
					  "%s's name", kind);
				continue;
			}
		} else if (!(name = cw_str(c, e, path))) {
			continue;
		}
		if (!(file = source_file(c, top, kind, name, e, path)))
			continue;
		/* a secret's target is under /run/secrets unless absolute;
		 * a config's is /NAME */
		if (target && target[0] == '/')
			where = xstrdup(target);
		else if (!strcmp(kind, "secret"))
			where = xasprintf("/run/secrets/%s", target ? target
								    : name);
		else
			where = xasprintf("/%s", target ? target : name);
		mount_file(c, svc, e, file, where);
		free(where);
	}
}

void
compose_read_files(struct cwalk *c, struct service *svc,
		   const struct ynode *g, const char *path)
{
	const struct ynode *v;
	char *p;

	if ((v = ynode_get(g, "secrets"))) {
		p = xasprintf("%s.secrets", path);
		read_kind(c, svc, v, "secret", c->secrets, p);
		free(p);
	}
	if ((v = ynode_get(g, "configs"))) {
		p = xasprintf("%s.configs", path);
		read_kind(c, svc, v, "config", c->configs, p);
		free(p);
	}
}
