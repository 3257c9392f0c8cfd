/* config-run.c: a Berthfile service's settings of how its container
 * runs (user, capabilities, limits, hosts...), into the same run_opts a
 * compose file fills, under the same names as compose's. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-walk.h"
#include "util.h"

static void
size_of(struct walk *w, const config_setting_t *g, const char *key,
	const char *path, uint64_t *out)
{
	const char *v;

	if (walk_string(w, g, key, path, &v) > 0 &&
	    spec_parse_size(v, out) < 0) {
		char *p = walk_path(path, key);

		walk_report_err(w, config_setting_get_member(g, key), p,
				"bad size");
		free(p);
	}
}

static void
cpus_of(struct walk *w, const config_setting_t *g, const char *path,
	uint64_t *nano)
{
	const config_setting_t *s = config_setting_get_member(g, "cpus");
	double v;

	if (!s)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else
		v = -1;
	if (!(v > 0) || v > 1024) {
		char *p = walk_path(path, "cpus");

		walk_report(w, s, p, "such as 0.5 or 2", "expected a number of "
			    "CPUs above 0");
		free(p);
		return;
	}
	*nano = (uint64_t)(v * 1e9);
}

/* ulimits = { nofile = { soft = 1024; hard = 4096; }; nproc = 512; }; */
static void
ulimits_of(struct walk *w, struct run_opts *r, const config_setting_t *s,
	   const char *path)
{
	int i, n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		walk_report(w, s, path, "such as { nofile = { soft = 1024; "
			    "hard = 4096; }; }", "expected a group of limits");
		return;
	}
	r->ulimits = xcalloc((size_t)n + 1, sizeof(*r->ulimits));
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
								(unsigned)i);
		char *p = walk_path(path, config_setting_name(e));
		int soft = 0, hard = 0;

		if (config_setting_type(e) == CONFIG_TYPE_INT) {
			soft = hard = config_setting_get_int(e);
		} else if (config_setting_type(e) != CONFIG_TYPE_GROUP ||
			   walk_int(w, e, "soft", p, -1, 2147483647,
				    &soft) <= 0 ||
			   walk_int(w, e, "hard", p, -1, 2147483647,
				    &hard) <= 0) {
			walk_report(w, e, p, NULL, "a limit is a number, or "
				    "{ soft = N; hard = N; }");
			free(p);
			continue;
		}
		r->ulimits[r->nulimits].name = xstrdup(config_setting_name(e));
		r->ulimits[r->nulimits].soft = soft;
		r->ulimits[r->nulimits++].hard = hard;
		free(p);
	}
}

void
walk_run(struct walk *w, struct service *svc, const config_setting_t *g,
	 const char *path)
{
	struct run_opts *r = &svc->run;
	struct run_field simple[RUN_FIELDS + 2];
	const config_setting_t *s;
	struct strlist aliases = { 0 };
	const char *v;
	size_t i;
	char *p;

	run_fields(r, simple);
	/* lists here, checked below; compose has forms of its own for them */
	simple[RUN_FIELDS] = (struct run_field){ "extra_hosts", NULL, NULL,
						 &r->extra_hosts, NULL, 1 };
	simple[RUN_FIELDS + 1] = (struct run_field){ "tmpfs", NULL, NULL,
						     &r->tmpfs, NULL, 1 };
	for (i = 0; i < ARRAY_SIZE(simple); i++) {
		if (!(s = config_setting_get_member(g, simple[i].key)))
			continue;
		p = walk_path(path, simple[i].key);
		if (simple[i].str && walk_string(w, g, simple[i].key, path,
						 &v) > 0)
			*simple[i].str = xstrdup(v);
		else if (simple[i].flag)
			walk_bool(w, g, simple[i].key, path, simple[i].flag);
		else if (simple[i].list)
			walk_strings(w, s, p, simple[i].list);
		free(p);
	}
	for (i = 0; i < r->extra_hosts.n; i++)
		if (!strchr(r->extra_hosts.v[i], ':'))
			walk_report(w, config_setting_get_member(g,
								 "extra_hosts"),
				    path, "such as \"db.local:10.0.0.5\"",
				    "\"%s\" is not HOST:ADDRESS",
				    r->extra_hosts.v[i]);
	for (i = 0; i < r->tmpfs.n; i++)
		if (r->tmpfs.v[i][0] != '/')
			walk_report(w, config_setting_get_member(g, "tmpfs"),
				    path, NULL, "tmpfs path \"%s\" must be "
				    "absolute", r->tmpfs.v[i]);
	size_of(w, g, "shm_size", path, &r->shm_size);
	size_of(w, g, "mem_limit", path, &r->mem_limit);
	cpus_of(w, g, path, &r->nano_cpus);
	if (walk_string(w, g, "stop_grace_period", path, &v) > 0) {
		if (spec_parse_duration(v, &r->stop_grace_ms) < 0) {
			p = walk_path(path, "stop_grace_period");
			walk_report_err(w, config_setting_get_member(
					g, "stop_grace_period"), p,
					"bad duration");
			free(p);
		} else {
			r->has_stop_grace = 1;
		}
	}
	if (config_setting_get_member(g, "pids_limit")) {
		int pids = 0;

		walk_int(w, g, "pids_limit", path, -1, 1 << 30, &pids);
		r->pids_limit = pids;
	}
	if ((s = config_setting_get_member(g, "sysctls"))) {
		p = walk_path(path, "sysctls");
		walk_kv(w, s, p, &r->sysctls);
		free(p);
	}
	if ((s = config_setting_get_member(g, "ulimits"))) {
		p = walk_path(path, "ulimits");
		ulimits_of(w, r, s, p);
		free(p);
	}
	/* more names on every network of the service */
	if ((s = config_setting_get_member(g, "aliases"))) {
		p = walk_path(path, "aliases");
		walk_strings(w, s, p, &aliases);
		svc->aliases = xcalloc(aliases.n + 1, sizeof(*svc->aliases));
		for (i = 0; i < aliases.n; i++) {
			if (!spec_valid_name(aliases.v[i], 63)) {
				walk_report(w, s, p, NULL, "\"%s\" is not a "
					    "valid name", aliases.v[i]);
				continue;
			}
			svc->aliases[svc->naliases++].alias =
				xstrdup(aliases.v[i]);
		}
		strlist_release(&aliases);
		free(p);
	}
}
