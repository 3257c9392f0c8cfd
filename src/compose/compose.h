/* compose.h: a project's compose file read into a workspace, with
 * compose's meaning, and every key berth cannot honour refused by name. */

#ifndef BERTH_COMPOSE_H
#define BERTH_COMPOSE_H

#include "config.h"
#include "util.h"

/* The names compose looks for, in its order. */
extern const char *const compose_file_names[];
extern const size_t compose_file_count;

/* Whether path names a compose file rather than a Berthfile. */
int compose_is_file(const char *path);

/*
 * Load path into ws (already given its defaults: the VM's settings), as
 * the folder it is in for a project, with its override file
 * (compose.override.yaml...) when there is one. Returns 0, or -1 with
 * every problem in d. What berth reads but does not act on is said in
 * ws->notes.
 */
int compose_load(struct ws *ws, const char *path, const char *display,
		 struct diags *d);

/*
 * Read compose files into ws's stack: the first is the project's, each
 * other an override merged over those before it, as compose merges them.
 * shown names them for messages. With take_name, the project's name:
 * becomes the workspace's. The active profiles are those of
 * COMPOSE_PROFILES (or --profile) and, when not NULL, profiles (the
 * Berthfile's). Returns 0, or -1 with every problem in d.
 */
int compose_read(struct ws *ws, const struct strlist *files,
		 const struct strlist *shown, const struct strlist *profiles,
		 int take_name, struct diags *d);

/* s with ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR?e}, ${VAR:+x},
 * ${VAR+x}, $VAR and $$ replaced from vars (later entries win). The names
 * of variables used but not set are added to unset. NULL, with the reason
 * recorded, on a malformed or failing one. */
char *compose_interpolate(const char *s, const struct kvlist *vars,
			  struct strlist *unset);

/* A string command, split into words as compose does: quotes and
 * backslashes honoured, no shell and no expansion. -1 on an open quote. */
int compose_split_words(const char *s, struct strlist *out);

#endif
