/* compose-walk.h: what the readers of a compose file share: where they
 * are, and how they say what is wrong. Private to src/compose/. */

#ifndef BERTH_COMPOSE_WALK_H
#define BERTH_COMPOSE_WALK_H

#include "compose.h"
#include "config-walk.h"
#include "yaml-doc.h"

/* env files and .env: KEY=value lines, at most this */
#define DOTENV_MAX (1u << 20)

struct cwalk {
	struct walk w;
	struct ydoc doc;		/* every file's nodes, and the merge */
	struct kvlist vars;		/* the environment, over .env */
	struct strlist unset;		/* variables used but not set */
	struct strlist profiles;	/* COMPOSE_PROFILES */
	struct strlist off;		/* services of profiles not active */
	struct ynode **svc_nodes;	/* by service index */
	const struct ynode *secrets;	/* the top level's secrets: */
	const struct ynode *configs;	/* and configs: */
	int strict;			/* notes of what is ignored: errors */
	int said_loopback;		/* the note on published ports */
	size_t parsed;			/* bytes of files extended from */
};

/* A problem at a node (its file and line), for the setting at path. */
void cw_report(struct cwalk *c, const struct ynode *at, const char *path,
	       const char *hint, const char *fmt, ...) PRINTF_LIKE(5, 6);
/* What berth reads but does not act on, said once. */
void cw_note(struct cwalk *c, const struct ynode *at, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
/* What berth reads and does not do: a note, or with --strict an error. */
void cw_ignored(struct cwalk *c, const struct ynode *at, const char *path,
		const char *fmt, ...) PRINTF_LIKE(4, 5);
int cw_in(const char *s, const char *const *list, size_t n);
/* Each key of map: one of keys; one of unsup (compose's, that berth
 * does not do: said by cw_ignored); an "x-" extension (ignored); else a
 * typo. Returns how many typos. */
int cw_check_keys(struct cwalk *c, const struct ynode *map, const char *path,
		  const char *const *keys, size_t n,
		  const char *const *unsup, size_t nunsup);
/* A value, or NULL after reporting that n is not one. */
const char *cw_str(struct cwalk *c, const struct ynode *n, const char *path);
int cw_int(struct cwalk *c, const struct ynode *n, const char *path,
	   long min, long max, int *out);
/* A list of values, or one value, into out. */
int cw_strs(struct cwalk *c, const struct ynode *n, const char *path,
	    struct strlist *out);
/* A mapping of KEY: value or a list of "KEY=value"; a key with no value
 * takes the host's when from_host (and is left out when it has none). */
void cw_kv(struct cwalk *c, const struct ynode *n, const char *path,
	   struct kvlist *out, int from_host);

/* compose-service.c: one service's mapping into svc. */
void compose_read_service(struct cwalk *c, struct service *svc,
			  const char *name, const struct ynode *g);
/* compose-run.c: how the container runs (user, limits...), and
 * deploy.resources. */
void compose_read_run(struct cwalk *c, struct service *svc,
		      const struct ynode *g, const char *path);
void compose_read_limits(struct cwalk *c, struct service *svc,
			 const struct ynode *n, const char *path);
/* compose-files.c: a service's secrets and configs, mounted read-only. */
void compose_read_files(struct cwalk *c, struct service *svc,
			const struct ynode *g, const char *path);
/* Whether the service's profiles leave it out. */
int compose_profiled_out(struct cwalk *c, const struct ynode *g,
			 const char *path);

/* compose.c: every value under n, interpolated once. */
void compose_interpolate_node(struct cwalk *c, struct ynode *n);
/* extends.c: each service that extends another, merged onto it. */
void compose_resolve_extends(struct cwalk *c);
/* Another file (extended from, included), rel to the project's folder,
 * parsed into c's doc: 0 with its root in *out (NULL when it is empty),
 * or -1 after saying why. Each at most 4 MiB, all 16 MiB together. */
int compose_parse_other(struct cwalk *c, const char *rel,
			const struct ynode *at, const char *path,
			struct ynode **out);
/* A relative path of a file in dir, as the project sees it ("./" first). */
char *compose_rebased(const char *dir, const char *path);
/* The relative paths of svc (build, env_file, binds), a service of a file
 * in dir, made relative to the project's folder. */
struct ynode *compose_rebase_service(struct ydoc *doc, struct ynode *svc,
				     const char *dir);
/* include.c: the included files' resources, added to the project's. */
void compose_resolve_includes(struct cwalk *c);

/* merge.c: over merged onto base, key the setting both are the value of
 * (NULL at the top); the result shares their nodes, doc owns new ones. */
struct ynode *compose_merge(struct ydoc *doc, struct ynode *base,
			    struct ynode *over, const char *key);

#endif
