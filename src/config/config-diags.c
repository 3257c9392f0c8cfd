/* config-diags.c: the problems found in a Berthfile, each with its file,
 * line, setting and hint, kept in the order they are shown. */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

void
diags_add(struct diags *d, const char *file, int line, const char *setting,
	  const char *hint, const char *fmt, ...)
{
	struct diag *g;
	va_list ap;
	struct strbuf msg = STRBUF_INIT;

	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	ALLOC_GROW(d->v, d->n + 1, d->alloc);
	g = &d->v[d->n++];
	g->file = xstrdup(file);
	g->line = line;
	g->setting = setting ? xstrdup(setting) : NULL;
	/* a message quotes what the user wrote: a newline or an escape
	 * sequence in it is shown, not sent to the terminal */
	g->msg = str_printable(msg.buf);
	g->hint = hint ? str_printable(hint) : NULL;
	sb_release(&msg);
	g->seq = d->n - 1;
}

void
diags_release(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].setting);
		free(d->v[i].msg);
		free(d->v[i].hint);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static int
diag_cmp(const void *pa, const void *pb)
{
	const struct diag *a = pa, *b = pb;
	int c = strcmp(a->file, b->file);

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	/* keep the order they were found in on one line */
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
diags_sort(struct diags *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), diag_cmp);
}
