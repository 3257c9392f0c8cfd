/* compose-walk.c: reading a compose file's values, and saying what is
 * wrong with them where the user wrote them. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-walk.h"

void
cw_report(struct cwalk *c, const struct ynode *at, const char *path,
       const char *hint, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	diags_add(c->w.d, at && at->file ? at->file : c->w.display,
		  at ? at->line : 0, path, hint, "%s", msg.buf);
	sb_release(&msg);
}

void
cw_note(struct cwalk *c, const struct ynode *at, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	if (at)
		sb_addf(&msg, "%s:%d: ", at->file ? at->file : c->w.display,
			at->line);
	else
		sb_addf(&msg, "%s: ", c->w.display);
	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (!strlist_has(&c->w.ws->notes, msg.buf))
		strlist_push(&c->w.ws->notes, msg.buf);
	sb_release(&msg);
}

int
cw_in(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

/*
 * Each key of a mapping: one berth reads, one compose defines that berth
 * does not do (refused, by name), or one nobody defines (a typo, with the
 * nearest). "x-" keys are compose's extensions, for anchors: ignored.
 */
void
cw_ignored(struct cwalk *c, const struct ynode *at, const char *path,
	   const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (c->strict)
		cw_report(c, at, path, "remove it, or run without --strict to "
			  "go on without it", "%s", msg.buf);
	else
		cw_note(c, at, "%s: %s", path, msg.buf);
	sb_release(&msg);
}

int
cw_check_keys(struct cwalk *c, const struct ynode *map, const char *path,
	   const char *const *keys, size_t n, const char *const *unsup,
	   size_t nunsup)
{
	size_t i;
	int bad = 0;

	for (i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->items[i];
		char *p = *path ? xasprintf("%s.%s", path, k->text)
				: xstrdup(k->text);
		const char *near;
		char *hint = NULL;

		if (cw_in(k->text, keys, n) || !strncmp(k->text, "x-", 2)) {
			free(p);
			continue;
		}
		if (unsup && cw_in(k->text, unsup, nunsup)) {
			cw_ignored(c, k, p, "'%s' is not supported by berth "
				   "yet: ignored", k->text);
		} else {
			bad++;
			near = nearest_word(k->text, keys, n);
			if (near)
				hint = xasprintf("did you mean '%s'?", near);
			cw_report(c, k, p, hint, "unknown key '%s'", k->text);
		}
		free(hint);
		free(p);
	}
	return bad;
}

/* A value: a scalar, or a report that it is not one. */
const char *
cw_str(struct cwalk *c, const struct ynode *n, const char *path)
{
	const char *s = ynode_str(n);

	if (!s)
		cw_report(c, n, path, NULL, "expected a value, found a %s",
		       ynode_kind_name(n));
	return s;
}

int
cw_int(struct cwalk *c, const struct ynode *n, const char *path,
	 long min, long max, int *out)
{
	const char *s = cw_str(c, n, path);
	char *end;
	long v;

	if (!s)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || end == s || v < min || v > max) {
		cw_report(c, n, path, NULL, "expected a number from %ld to %ld, "
		       "found \"%s\"", min, max, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* A list of values, or one value; into out. */
int
cw_strs(struct cwalk *c, const struct ynode *n, const char *path,
	  struct strlist *out)
{
	size_t i;

	if (n->kind == YNODE_SCALAR) {
		if (cw_str(c, n, path))
			strlist_push(out, n->text);
		return 0;
	}
	if (n->kind != YNODE_SEQ) {
		cw_report(c, n, path, NULL, "expected a list");
		return -1;
	}
	for (i = 0; i < n->n; i++)
		if (cw_str(c, n->items[i], path))
			strlist_push(out, n->items[i]->text);
	return 0;
}

/*
 * A mapping of KEY: value, or a list of "KEY=value"; a key with no value
 * (null, or no '=') takes the host's, and is left out when the host has
 * none, as compose does.
 */
void
cw_kv(struct cwalk *c, const struct ynode *n, const char *path,
	struct kvlist *out, int from_host)
{
	size_t i;

	if (n->kind == YNODE_MAP) {
		for (i = 0; i + 1 < n->n; i += 2) {
			const struct ynode *v = n->items[i + 1];
			const char *host;

			if (ynode_is_null(v)) {
				host = from_host ? getenv(n->items[i]->text)
						 : "";
				if (host)
					kvlist_set(out, n->items[i]->text, host);
			} else if (cw_str(c, v, path)) {
				kvlist_set(out, n->items[i]->text, v->text);
			}
		}
		return;
	}
	if (n->kind != YNODE_SEQ) {
		cw_report(c, n, path, NULL, "expected a mapping KEY: value, or a "
		       "list of \"KEY=value\"");
		return;
	}
	for (i = 0; i < n->n; i++) {
		const char *s = cw_str(c, n->items[i], path), *eq, *host;
		char *key;

		if (!s)
			continue;
		if ((eq = strchr(s, '='))) {
			key = xstrndup(s, (size_t)(eq - s));
			kvlist_set(out, key, eq + 1);
		} else {
			key = xstrdup(s);
			host = from_host ? getenv(key) : "";
			if (host)
				kvlist_set(out, key, host);
		}
		free(key);
	}
}
