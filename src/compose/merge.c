/* merge.c: an override file merged over the files before it, by the
 * compose specification's rules: mappings key by key, lists appended,
 * except commands (replaced) and the lists whose entries have a key of
 * their own (volumes by target, ports as written), which replace the
 * entry with the same key. A list of KEY=value or names and the mapping
 * form of the same setting merge as one. */

#include <stdlib.h>
#include <string.h>

#include "compose-walk.h"

/* replaced whole by an override, never appended to */
static const char *const replaced[] = { "command", "entrypoint", "test" };
/* "KEY=value" lists, the same as a mapping of KEY: value */
static const char *const kv_lists[] = { "environment", "labels", "args",
					"extra_hosts", "sysctls" };
/* lists of names, the same as a mapping of NAME: settings */
static const char *const name_lists[] = { "depends_on", "networks" };

static int
in(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

/* A list of "KEY=value" or of names, as the mapping compose reads it as. */
static struct ynode *
as_map(struct ydoc *doc, struct ynode *seq, int kv)
{
	struct ynode *map = ydoc_node(doc, YNODE_MAP, seq);
	size_t i;

	for (i = 0; i < seq->n; i++) {
		struct ynode *e = seq->items[i], *k, *v;
		const char *eq;

		if (e->kind != YNODE_SCALAR)
			return seq;	/* not that form: the reader says so */
		k = ydoc_node(doc, YNODE_SCALAR, e);
		v = ydoc_node(doc, YNODE_SCALAR, e);
		eq = kv ? strchr(e->text, '=') : NULL;
		k->text = eq ? xstrndup(e->text, (size_t)(eq - e->text))
			     : xstrdup(e->text);
		k->plain = 1;
		v->text = xstrdup(eq ? eq + 1 : "");
		v->plain = !eq;		/* "KEY" alone: null, from the host */
		k->interpolated = v->interpolated = e->interpolated;
		ynode_push(map, k);
		ynode_push(map, v);
	}
	return map;
}

/* The key an entry of volumes or ports has, or NULL: then appended. */
static char *
entry_key(const char *list, const struct ynode *e)
{
	const struct ynode *t;
	const char *s, *c1, *c2;

	if (!strcmp(list, "ports"))
		return e->kind == YNODE_SCALAR ? xstrdup(e->text) : NULL;
	if (e->kind == YNODE_MAP)
		return (t = ynode_get(e, "target")) && ynode_str(t)
		       ? xstrdup(t->text) : NULL;
	if (!(s = ynode_str(e)))
		return NULL;
	if (!(c1 = strchr(s, ':')))
		return xstrdup(s);	/* "/path": its own target */
	c2 = strchr(c1 + 1, ':');
	return c2 ? xstrndup(c1 + 1, (size_t)(c2 - c1 - 1)) : xstrdup(c1 + 1);
}

static struct ynode *
merge_unique(struct ydoc *doc, const char *list, struct ynode *base,
	      struct ynode *over)
{
	struct ynode *out = ydoc_node(doc, YNODE_SEQ, over);
	size_t i, k;

	for (i = 0; i < base->n; i++) {
		char *key = entry_key(list, base->items[i]);
		int replaced_here = 0;

		for (k = 0; key && k < over->n && !replaced_here; k++) {
			char *ok = entry_key(list, over->items[k]);

			replaced_here = ok && !strcmp(ok, key);
			free(ok);
		}
		if (!replaced_here)
			ynode_push(out, base->items[i]);
		free(key);
	}
	for (k = 0; k < over->n; k++)
		ynode_push(out, over->items[k]);
	return out;
}

struct ynode *
compose_merge(struct ydoc *doc, struct ynode *base, struct ynode *over,
	      const char *key)
{
	struct ynode *out;
	size_t i, k;

	if (!base || ynode_is_null(over))
		return over && !ynode_is_null(over) ? over : base;
	if (in(key, replaced, ARRAY_SIZE(replaced)))
		return over;
	if (in(key, kv_lists, ARRAY_SIZE(kv_lists)) ||
	    in(key, name_lists, ARRAY_SIZE(name_lists))) {
		int kv = in(key, kv_lists, ARRAY_SIZE(kv_lists));

		if (base->kind == YNODE_SEQ)
			base = as_map(doc, base, kv);
		if (over->kind == YNODE_SEQ)
			over = as_map(doc, over, kv);
	}
	if (base->kind != over->kind || base->kind == YNODE_SCALAR)
		return over;
	if (base->kind == YNODE_SEQ) {
		if (key && (!strcmp(key, "volumes") || !strcmp(key, "ports")))
			return merge_unique(doc, key, base, over);
		out = ydoc_node(doc, YNODE_SEQ, over);
		for (i = 0; i < base->n; i++)
			ynode_push(out, base->items[i]);
		for (i = 0; i < over->n; i++)
			ynode_push(out, over->items[i]);
		return out;
	}
	out = ydoc_node(doc, YNODE_MAP, base);
	for (i = 0; i + 1 < base->n; i += 2) {
		struct ynode *v = base->items[i + 1], *o = NULL;

		for (k = 0; k + 1 < over->n; k += 2)
			if (!strcmp(over->items[k]->text, base->items[i]->text))
				o = over->items[k + 1];
		ynode_push(out, base->items[i]);
		ynode_push(out, o ? compose_merge(doc, v, o,
						  base->items[i]->text) : v);
	}
	for (k = 0; k + 1 < over->n; k += 2)
		if (!ynode_get(base, over->items[k]->text)) {
			ynode_push(out, over->items[k]);
			ynode_push(out, over->items[k + 1]);
		}
	return out;
}
