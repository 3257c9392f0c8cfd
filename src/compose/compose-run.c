/* compose-run.c: the settings of a service that say how its container
 * runs (user, capabilities, limits, hosts...), read into its run_opts
 * with compose's meaning, sizes and durations in compose's units. */

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compose-walk.h"

/* "512m", "1gb", "2G", "67108864" (bytes): Docker's units, in 1024s. */
static int
parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "bkmgt";
	char *end;
	double v = strtod(s, &end);
	const char *u;
	int shift;

	if (end == s || v < 0 || !isfinite(v))
		return -1;
	while (*end == ' ')
		end++;
	if (!*end) {
		*out = (uint64_t)v;
		return 0;
	}
	if (!(u = strchr(units, tolower((unsigned char)*end))))
		return -1;
	shift = (int)(u - units) * 10;
	end++;
	if ((*end == 'b' || *end == 'B') && u != units)
		end++;
	if (*end || v * (double)(1ULL << shift) > 9.0e18)
		return -1;
	*out = (uint64_t)(v * (double)(1ULL << shift));
	return 0;
}

static int
read_size(struct cwalk *c, const struct ynode *n, const char *path,
	  uint64_t *out)
{
	const char *s = cw_str(c, n, path);

	if (!s)
		return -1;
	if (parse_size(s, out) < 0) {
		cw_report(c, n, path, "such as 512m or 1g", "\"%s\" is not a "
			  "size", s);
		return -1;
	}
	return 0;
}

static void
read_cpus(struct cwalk *c, const struct ynode *n, const char *path,
	  uint64_t *nano)
{
	const char *s = cw_str(c, n, path);
	char *end;
	double v;

	if (!s)
		return;
	v = strtod(s, &end);
	if (*end || end == s || !(v > 0) || v > 1024)
		cw_report(c, n, path, "such as 0.5 or 2", "\"%s\" is not a "
			  "number of CPUs", s);
	else
		*nano = (uint64_t)(v * 1e9);
}

static void
read_flag(struct cwalk *c, const struct ynode *n, const char *path, int *out)
{
	int b = ynode_bool(n);

	if (b < 0)
		cw_report(c, n, path, NULL, "expected true or false");
	else
		*out = b;
}

static void
read_ulimits(struct cwalk *c, struct run_opts *r, const struct ynode *n,
	     const char *path)
{
	size_t i;

	if (n->kind != YNODE_MAP) {
		cw_report(c, n, path, "such as nofile: {soft: 1024, hard: "
			  "4096}", "expected a mapping of limits");
		return;
	}
	r->ulimits = xcalloc(n->n / 2 + 1, sizeof(*r->ulimits));
	for (i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *v = n->items[i + 1];
		const struct ynode *soft = v, *hard = v;
		char *p = xasprintf("%s.%s", path, n->items[i]->text);
		int s, h;

		if (v->kind == YNODE_MAP) {
			soft = ynode_get(v, "soft");
			hard = ynode_get(v, "hard");
		}
		if (soft && hard && cw_int(c, soft, p, -1, 2147483647, &s) == 0 &&
		    cw_int(c, hard, p, -1, 2147483647, &h) == 0) {
			struct ulimit *u = &r->ulimits[r->nulimits++];

			u->name = xstrdup(n->items[i]->text);
			u->soft = s;
			u->hard = h;
		} else if (!soft || !hard) {
			cw_report(c, v, p, NULL, "a limit needs soft and hard");
		}
		free(p);
	}
}

/* "host:ip", "host=ip" or a mapping of host: ip; the engine's form is
 * "host:ip". */
static void
read_hosts(struct cwalk *c, struct run_opts *r, const struct ynode *n,
	   const char *path)
{
	struct kvlist kv = { 0 };
	struct strlist l = { 0 };
	size_t i;

	if (n->kind == YNODE_MAP) {
		cw_kv(c, n, path, &kv, 0);
		for (i = 0; i < kv.n; i++) {
			char *e = xasprintf("%s:%s", kv.v[i].key, kv.v[i].value);

			strlist_push(&r->extra_hosts, e);
			free(e);
		}
		kvlist_release(&kv);
		return;
	}
	cw_strs(c, n, path, &l);
	for (i = 0; i < l.n; i++) {
		char *e = xstrdup(l.v[i]), *eq = strchr(e, '=');

		if (eq)
			*eq = ':';
		if (!strchr(e, ':'))
			cw_report(c, n, path, "such as \"db.local:10.0.0.5\"",
				  "\"%s\" is not HOST:ADDRESS", l.v[i]);
		else
			strlist_push(&r->extra_hosts, e);
		free(e);
	}
	strlist_release(&l);
}

static void
read_tmpfs(struct cwalk *c, struct run_opts *r, const struct ynode *n,
	   const char *path)
{
	struct strlist l = { 0 };
	size_t i;

	cw_strs(c, n, path, &l);
	for (i = 0; i < l.n; i++) {
		if (l.v[i][0] != '/')
			cw_report(c, n, path, NULL, "tmpfs path \"%s\" must be "
				  "absolute", l.v[i]);
		else
			strlist_push(&r->tmpfs, l.v[i]);
	}
	strlist_release(&l);
}

/* deploy.resources.limits: memory, cpus and pids. */
void
compose_read_limits(struct cwalk *c, struct service *svc,
		    const struct ynode *n, const char *path)
{
	static const char *const keys[] = { "limits", "reservations" };
	static const char *const lkeys[] = { "memory", "cpus", "pids" };
	static const char *const lunsup[] = { "devices" };
	const struct ynode *l, *v;
	char *p;

	if (n->kind != YNODE_MAP) {
		cw_report(c, n, path, NULL, "expected a mapping with limits");
		return;
	}
	cw_check_keys(c, n, path, keys, ARRAY_SIZE(keys), NULL, 0);
	if ((v = ynode_get(n, "reservations")))
		cw_ignored(c, v, path, "reservations: one VM has no "
			   "scheduler to reserve for: ignored");
	if (!(l = ynode_get(n, "limits")))
		return;
	p = xasprintf("%s.limits", path);
	if (l->kind != YNODE_MAP) {
		cw_report(c, l, p, NULL, "expected a mapping");
		free(p);
		return;
	}
	cw_check_keys(c, l, p, lkeys, ARRAY_SIZE(lkeys), lunsup,
		      ARRAY_SIZE(lunsup));
	if ((v = ynode_get(l, "memory")))
		read_size(c, v, p, &svc->run.mem_limit);
	if ((v = ynode_get(l, "cpus")))
		read_cpus(c, v, p, &svc->run.nano_cpus);
	if ((v = ynode_get(l, "pids"))) {
		int pids;

		if (cw_int(c, v, p, -1, 1 << 30, &pids) == 0)
			svc->run.pids_limit = pids;
	}
	free(p);
}

static void
read_grace(struct cwalk *c, struct run_opts *r, const struct ynode *n,
	   const char *path)
{
	const char *s = cw_str(c, n, path);

	if (!s)
		return;
	if (spec_parse_duration(s, &r->stop_grace_ms) < 0) {
		cw_report(c, n, path, NULL, "bad duration \"%s\": %s", s,
			  err_msg());
		err_clear();
		return;
	}
	r->has_stop_grace = 1;
}

/* The run settings among a service's keys; each key's path is
 * path.KEY. */
void
compose_read_run(struct cwalk *c, struct service *svc,
		 const struct ynode *g, const char *path)
{
	struct run_opts *r = &svc->run;
	struct run_field simple[RUN_FIELDS];
	const struct ynode *v;
	size_t i;
	char *p;

	run_fields(r, simple);
	for (i = 0; i < ARRAY_SIZE(simple); i++) {
		const char *s = NULL;

		if (!(v = ynode_get(g, simple[i].key)) || ynode_is_null(v))
			continue;
		p = xasprintf("%s.%s", path, simple[i].key);
		if (simple[i].str && (s = cw_str(c, v, p)) &&
		    !strncmp(s, "service:", 8))
			/* another service's namespace: not made yet */
			cw_report(c, v, p, "name its container instead: "
				  "container:NAME, with NAME its container_name",
				  "'%s' is not supported by berth yet", s);
		else if (simple[i].str && s)
			*simple[i].str = xstrdup(s);
		else if (simple[i].flag)
			read_flag(c, v, p, simple[i].flag);
		else if (simple[i].list)
			cw_strs(c, v, p, simple[i].list);
		free(p);
	}
	if ((v = ynode_get(g, "shm_size")) && !ynode_is_null(v)) {
		p = xasprintf("%s.shm_size", path);
		read_size(c, v, p, &r->shm_size);
		free(p);
	}
	if ((v = ynode_get(g, "mem_limit")) && !ynode_is_null(v)) {
		p = xasprintf("%s.mem_limit", path);
		read_size(c, v, p, &r->mem_limit);
		free(p);
	}
	if ((v = ynode_get(g, "cpus"))) {
		p = xasprintf("%s.cpus", path);
		read_cpus(c, v, p, &r->nano_cpus);
		free(p);
	}
	if ((v = ynode_get(g, "pids_limit"))) {
		int pids;

		p = xasprintf("%s.pids_limit", path);
		if (cw_int(c, v, p, -1, 1 << 30, &pids) == 0)
			r->pids_limit = pids;
		free(p);
	}
	if ((v = ynode_get(g, "stop_grace_period"))) {
		p = xasprintf("%s.stop_grace_period", path);
		read_grace(c, r, v, p);
		free(p);
	}
	if ((v = ynode_get(g, "sysctls"))) {
		p = xasprintf("%s.sysctls", path);
		cw_kv(c, v, p, &r->sysctls, 0);
		free(p);
	}
	if ((v = ynode_get(g, "ulimits"))) {
		p = xasprintf("%s.ulimits", path);
		read_ulimits(c, r, v, p);
		free(p);
	}
	if ((v = ynode_get(g, "extra_hosts"))) {
		p = xasprintf("%s.extra_hosts", path);
		read_hosts(c, r, v, p);
		free(p);
	}
	if ((v = ynode_get(g, "tmpfs"))) {
		p = xasprintf("%s.tmpfs", path);
		read_tmpfs(c, r, v, p);
		free(p);
	}
}
