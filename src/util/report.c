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
