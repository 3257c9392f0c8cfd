/* template.h: the Berthfile starters shipped in templates/. */

#ifndef BERTH_TEMPLATE_H
#define BERTH_TEMPLATE_H

#include "util.h"

/* The names of the shipped templates, sorted. */
int template_list(struct strlist *out);

/*
 * Copy template NAME into dir with its Berthfile's workspace name and box
 * set. Nothing is overwritten, and on failure nothing is left behind.
 * created receives the paths written, relative to dir.
 */
int template_instantiate(const char *name, const char *dir,
			 const char *ws_name, const char *box,
			 struct strlist *created);

/* Replace the first KEY = "..." value in a libconfig text. */
int template_set_value(struct strbuf *text, const char *key,
		       const char *value);

/* Fill {{key}} fields from kv, a NULL-ended list of key, value pairs. */
int template_render(const char *text, const char *const *kv,
		    struct strbuf *out);

#endif
