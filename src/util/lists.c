/* lists.c: a list of strings, and a list of key-value pairs, owned. */

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
strlist_push(struct strlist *l, const char *s)
{
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = xstrdup(s);
}

char **
strlist_argv(const struct strlist *l)
{
	char **v = xcalloc(l->n + 1, sizeof(char *));

	if (l->n)
		memcpy(v, l->v, l->n * sizeof(char *));
	return v;
}

void
strlist_release(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int
strlist_has(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

/* Later entries win, as they do in an env file or a shell. */
void
kvlist_set(struct kvlist *l, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].key, key)) {
			free(l->v[i].value);
			l->v[i].value = xstrdup(value);
			return;
		}
	}
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n].key = xstrdup(key);
	l->v[l->n++].value = xstrdup(value);
}

const char *
kvlist_get(const struct kvlist *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}

void
kvlist_release(struct kvlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
