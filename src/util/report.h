/* report.h: how library code tells what it is doing without printing.
 * Long jobs (the VM's up, the stack's apply, a bundle) send events to the
 * caller's sink; the command decides what, and where, to show. */

#ifndef BERTH_REPORT_H
#define BERTH_REPORT_H

#include "util.h"

enum report_kind {
	REPORT_PHASE,	/* a stage of a long job begins: text is its name */
	REPORT_LINE,	/* a line of progress for people */
	REPORT_OUTPUT,	/* a line of a tool's own output (a build step) */
	REPORT_NOTE,	/* a note beside the output (a download begins) */
	REPORT_WARN,	/* something went wrong, and the job goes on */
};

struct report_event {
	enum report_kind kind;
	const char *subject;	/* the service or object it is about, or NULL */
	const char *text;	/* the whole line, without its line end */
};

/* A sink may be called from several threads at once (images are made in
 * parallel); a NULL reporter, or one without fn, drops every event. */
struct reporter {
	void (*fn)(void *arg, const struct report_event *ev);
	void *arg;
};

void report(const struct reporter *r, enum report_kind kind,
	    const char *subject, const char *fmt, ...) PRINTF_LIKE(4, 5);

/* Notes from code that has no reporter handed to it (a state file set
 * aside, a lock waited for): they go to the sink the program set when it
 * started, or nowhere. */
void report_set_notes(const struct reporter *r);
void report_note(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
