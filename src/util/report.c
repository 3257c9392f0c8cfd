/* report.c: format an event and hand it to the caller's sink. */

#include <stdarg.h>

#include "report.h"

void
report(const struct reporter *r, enum report_kind kind, const char *subject,
       const char *fmt, ...)
{
	struct report_event ev = { kind, subject, NULL };
	struct strbuf text = STRBUF_INIT;
	va_list ap;

	if (!r || !r->fn)
		return;
	va_start(ap, fmt);
	sb_vaddf(&text, fmt, ap);
	va_end(ap);
	ev.text = text.buf;
	r->fn(r->arg, &ev);
	sb_release(&text);
}

static const struct reporter *notes;

void
report_set_notes(const struct reporter *r)
{
	notes = r;
}

void
report_note(const char *fmt, ...)
{
	struct report_event ev = { REPORT_NOTE, NULL, NULL };
	struct strbuf text = STRBUF_INIT;
	va_list ap;

	if (!notes || !notes->fn)
		return;
	va_start(ap, fmt);
	sb_vaddf(&text, fmt, ap);
	va_end(ap);
	ev.text = text.buf;
	notes->fn(notes->arg, &ev);
	sb_release(&text);
}
