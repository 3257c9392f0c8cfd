/* config-walk.h: shared helpers for reading libconfig settings with checks. */

#ifndef BERTH_CONFIG_WALK_H
#define BERTH_CONFIG_WALK_H

#include <libconfig.h>

#include "config.h"

/* Where validation is: the workspace being filled and the findings so far. */
struct walk {
	struct ws *ws;
	struct diags *d;
	const char *opened;	/* the path libconfig opened */
	const char *display;	/* the same file, named as the user knows it */
	/* where a service's setting is, for the checks across services:
	 * in the Berthfile's stack.services, or, when locate is set, at the
	 * file and line it gives (compose files), the setting's path in
	 * *path */
	const config_setting_t *services;
	int (*locate)(struct walk *w, const struct service *svc,
		      const char *key, char **path, const char **file);
	void *data;
};

/* A file libconfig names, as the user should see it. */
char *walk_display_file(struct walk *w, const char *file);

void walk_report(struct walk *w, const config_setting_t *s,
		 const char *setting, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Report the error that spec_* or another helper recorded. */
void walk_report_err(struct walk *w, const config_setting_t *s,
		     const char *setting, const char *what);

/* Report each unknown key with the nearest valid one; returns how many. */
int walk_check_keys(struct walk *w, const config_setting_t *group,
		     const char *path, const char *const *keys, size_t n);
int walk_is_list(const config_setting_t *s);

/* Each returns 0 when the setting is absent (out untouched), 1 when it was
 * read into out, -1 after reporting a problem. */
int walk_string(struct walk *w, const config_setting_t *parent,
		const char *key, const char *path, const char **out);
int walk_int(struct walk *w, const config_setting_t *parent, const char *key,
	     const char *path, long long min, long long max, int *out);
int walk_bool(struct walk *w, const config_setting_t *parent,
	      const char *key, const char *path, int *out);
int walk_choice(struct walk *w, const config_setting_t *parent,
		const char *key, const char *path,
		const char *const *choices, size_t n, int *out);
/* A string, or a list of strings. */
int walk_strings(struct walk *w, const config_setting_t *s,
		 const char *path, struct strlist *out);
/* A group of KEY = scalar, or a list of "KEY=VALUE" strings. */
int walk_kv(struct walk *w, const config_setting_t *s, const char *path,
	    struct kvlist *out);

/* A list of "[IP:][HOST:]CONTAINER[/proto]" strings. */
void walk_ports(struct walk *w, const config_setting_t *s, const char *path,
		struct port_spec **out, size_t *nout);

char *walk_path(const char *parent, const char *key);
char *walk_index_path(const char *parent, size_t i);
/* A path from the Berthfile, made absolute against the workspace root. */
char *walk_resolve(struct walk *w, const char *p);

void walk_stack(struct walk *w, const config_setting_t *stack);
/* environments.c: environments.NAME of the selected environment, merged
 * over the rest of top; whether a setting came from it. */
void walk_environments(struct walk *w, config_setting_t *top);
int walk_env_given(const config_setting_t *s);
/* config-run.c: how a service's container runs (user, limits...). */
void walk_run(struct walk *w, struct service *svc, const config_setting_t *g,
	      const char *path);
/* Checks across services: names, dependencies, ports, references. */
void walk_check_stack(struct walk *w);
/* A finding about one of svc's settings, wherever its file keeps it. */
void walk_check_report(struct walk *w, const struct service *svc,
		       const char *key, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* config-swarm.c: each setting a Swarm service cannot have, refused by
 * name (stack.mode = "swarm"). */
void walk_check_swarm(struct walk *w);

#endif
