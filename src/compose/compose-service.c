/* compose-service.c: one service of a compose file, key by key, with
 * compose's meaning: a string command is words, not a shell line; a
 * dependency has its condition; a key berth does not act on is named
 * (cw_check_keys). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-walk.h"

static const char *const service_keys[] = {
	"image", "build", "command", "entrypoint", "environment", "env_file",
	"ports", "volumes", "depends_on", "healthcheck", "restart", "deploy",
	"scale", "labels", "networks", "expose", "profiles", "container_name",
	"secrets", "configs", "extends", "platform", "develop",
	/* compose-run.c */
	"user", "working_dir", "hostname", "stop_signal", "stop_grace_period",
	"tty", "stdin_open", "privileged", "init", "read_only", "cap_add",
	"cap_drop", "dns", "dns_search", "security_opt", "group_add",
	"shm_size", "mem_limit", "cpus", "pids_limit", "sysctls", "ulimits",
	"extra_hosts", "tmpfs", "domainname", "mac_address", "ipc", "pid",
	"userns_mode", "uts", "cgroup", "cgroup_parent", "runtime", "cpuset",
	"oom_kill_disable", "dns_opt", "device_cgroup_rules",
};
static const char *const service_unsupported[] = {
	"annotations", "attach", "blkio_config",
	"cpu_count", "cpu_percent", "cpu_period", "cpu_quota",
	"cpu_rt_period", "cpu_rt_runtime", "cpu_shares",
	"credential_spec", "devices", "driver_opts", "external_links",
	"gpus", "isolation", "label_file", "links", "logging",
	"mem_reservation", "mem_swappiness", "memswap_limit",
	"network_mode", "oom_score_adj",
	"post_start", "pre_stop", "provider", "pull_policy",
	"storage_opt", "use_api_socket", "volumes_from",
};
static const char *const build_keys[] = { "context", "dockerfile", "args",
					  "target" };
static const char *const health_keys[] = { "test", "interval", "timeout",
					   "start_period", "retries",
					   "disable", "start_interval" };
static const char *const dep_keys[] = { "condition", "required",
					"restart" };
static const char *const port_keys[] = { "target", "published", "host_ip",
					 "protocol", "mode", "name",
					 "app_protocol" };
static const char *const mount_keys[] = { "type", "source", "target",
					  "read_only", "bind", "volume",
					  "consistency", "tmpfs" };
static const char *const restart_modes[] = { "no", "always", "on-failure",
					     "unless-stopped" };


static void
read_build(struct cwalk *c, struct service *svc, const struct ynode *n,
	   const char *path)
{
	const char *context = ".", *dockerfile = "Dockerfile";
	const struct ynode *v;
	char *df, *p;

	if (n->kind == YNODE_SCALAR) {
		if (!(context = cw_str(c, n, path)))
			return;
	} else if (n->kind == YNODE_MAP) {
		static const char *const unsup[] = {
			"cache_from", "cache_to", "labels",
			"network", "shm_size", "extra_hosts", "isolation",
			"privileged", "ssh", "secrets", "tags", "platforms",
			"no_cache", "pull", "dockerfile_inline",
			"additional_contexts", "ulimits", "entitlements",
		};

		cw_check_keys(c, n, path, build_keys, ARRAY_SIZE(build_keys),
			   unsup, ARRAY_SIZE(unsup));
		if ((v = ynode_get(n, "context")) && !(context = cw_str(c, v,
									  path)))
			return;
		if ((v = ynode_get(n, "dockerfile")) &&
		    !(dockerfile = cw_str(c, v, path)))
			return;
		if ((v = ynode_get(n, "args"))) {
			p = xasprintf("%s.args", path);
			cw_kv(c, v, p, &svc->build_args, 1);
			free(p);
		}
		if ((v = ynode_get(n, "target")) && cw_str(c, v, path))
			svc->build_target = xstrdup(v->text);
	} else {
		cw_report(c, n, path, NULL, "expected a folder, or a mapping with "
		       "context and dockerfile");
		return;
	}
	if (strstr(context, "://") || !strncmp(context, "git@", 4)) {
		cw_report(c, n, path, "clone it into the project and name the "
		       "folder", "build context '%s' is not a folder: remote "
		       "contexts are not supported by berth yet", context);
		return;
	}
	svc->build_context = walk_resolve(&c->w, context);
	svc->dockerfile = xstrdup(dockerfile);
	if (!path_is_dir(svc->build_context)) {
		cw_report(c, n, path, NULL, "build context '%s' is not a folder",
		       svc->build_context);
		return;
	}
	df = path_join(svc->build_context, dockerfile);
	if (!path_exists(df))
		cw_report(c, n, path, NULL, "'%s' does not exist", df);
	free(df);
}

/* command and entrypoint: a list is the words; a string is split into
 * words with no shell, unlike a Berthfile's string. */
static void
read_command(struct cwalk *c, const struct ynode *n, const char *path,
	     int *has, struct strlist *out)
{
	const char *s;

	if (ynode_is_null(n))
		return;
	*has = 1;
	if (n->kind == YNODE_SCALAR) {
		s = n->text;
		if (compose_split_words(s, out) < 0)
			cw_report(c, n, path, NULL, "a quote is not closed in "
			       "\"%s\"", s);
		return;
	}
	cw_strs(c, n, path, out);
}

static void
read_env_files(struct cwalk *c, struct service *svc, const struct ynode *n,
	       const char *path)
{
	size_t i, count = n->kind == YNODE_SEQ ? n->n : 1;

	for (i = 0; i < count; i++) {
		const struct ynode *e = n->kind == YNODE_SEQ ? n->items[i] : n;
		const struct ynode *pn = e, *req;
		struct strbuf sb = STRBUF_INIT;
		int required = 1, bad, first_bad = 0;
		char *file;

		if (e->kind == YNODE_MAP) {	/* { path, required } */
			pn = ynode_get(e, "path");
			if ((req = ynode_get(e, "required")))
				required = ynode_bool(req) != 0;
		}
		if (!cw_str(c, pn ? pn : e, path))
			continue;
		file = walk_resolve(&c->w, pn->text);
		strlist_push(&svc->env_files, file);
		if (!required && !path_exists(file)) {
			free(file);
			continue;
		}
		if (sb_read_regular(&sb, file, DOTENV_MAX) < 0) {
			cw_report(c, e, path, NULL, "env file '%s' cannot be read "
			       "(a regular file of at most 1 MiB): %s", file,
			       err_msg());
			err_clear();
		} else if ((bad = spec_parse_env_file(sb.buf, &svc->environment,
						      &first_bad))) {
			diags_add(c->w.d, file, first_bad, path,
				  "write KEY=value", "%d line%s of the env file "
				  "%s not KEY=value, the first this one", bad,
				  bad > 1 ? "s" : "", bad > 1 ? "are" : "is");
		}
		sb_release(&sb);
		free(file);
	}
}

static void
add_port(struct cwalk *c, struct service *svc, const struct ynode *at,
	 const char *path, const char *text)
{
	struct port_spec p;

	if (spec_parse_port(text, &p) < 0) {
		cw_report(c, at, path, "such as \"8080:80\" or \"80\"",
		       "bad port \"%s\": %s", text, err_msg());
		err_clear();
		return;
	}
	p.line = at->line;
	ws_env_port(c->w.ws, &p);
	/* compose publishes on every address; berth keeps to loopback
	 * unless told, and says so once */
	if (!strchr(text, '.') && !c->said_loopback) {
		c->said_loopback = 1;
		cw_note(c, at, "%s: published on 127.0.0.1 only, as berth "
			"does; write \"0.0.0.0:HOST:CONTAINER\" for every "
			"address", path);
	}
	svc->ports = xrealloc(svc->ports, (svc->nports + 1) * sizeof(p));
	svc->ports[svc->nports++] = p;
}

static void
read_ports(struct cwalk *c, struct service *svc, const struct ynode *n,
	   const char *path)
{
	size_t i;

	if (n->kind != YNODE_SEQ) {
		cw_report(c, n, path, NULL, "expected a list of ports");
		return;
	}
	for (i = 0; i < n->n; i++) {
		const struct ynode *e = n->items[i], *v;
		struct strbuf sb = STRBUF_INIT;
		const char *s;

		if (e->kind != YNODE_MAP) {
			if ((s = cw_str(c, e, path)))
				add_port(c, svc, e, path, s);
			continue;
		}
		cw_check_keys(c, e, path, port_keys, ARRAY_SIZE(port_keys), NULL,
			   0);
		if ((v = ynode_get(e, "mode")) && ynode_str(v) &&
		    strcmp(v->text, "ingress") && strcmp(v->text, "host"))
			cw_report(c, v, path, NULL, "mode is \"host\" or "
			       "\"ingress\"");
		if ((v = ynode_get(e, "host_ip")) && ynode_str(v))
			sb_addf(&sb, "%s:", v->text);
		if ((v = ynode_get(e, "published")) && ynode_str(v))
			sb_addf(&sb, "%s:", v->text);
		else if (sb.len)
			sb_addstr(&sb, ":");
		if (!(v = ynode_get(e, "target")) || !ynode_str(v)) {
			cw_report(c, e, path, NULL, "a port needs 'target', the "
			       "container's port");
			sb_release(&sb);
			continue;
		}
		sb_addstr(&sb, v->text);
		if ((v = ynode_get(e, "protocol")) && ynode_str(v))
			sb_addf(&sb, "/%s", v->text);
		add_port(c, svc, e, path, sb.buf);
		sb_release(&sb);
	}
}

static void
add_mount(struct cwalk *c, struct service *svc, const struct ynode *at,
	  const char *path, struct mount_spec *m)
{
	size_t k;

	m->line = at->line;
	for (k = 0; k < svc->nmounts; k++)
		if (!strcmp(svc->mounts[k].target, m->target)) {
			cw_report(c, at, path, NULL, "'%s' is already mounted on "
			       "line %d", m->target, svc->mounts[k].line);
			mount_spec_release(m);
			return;
		}
	if (m->type == MOUNT_BIND) {
		char *abs = walk_resolve(&c->w, m->source);

		free(m->source);
		m->source = abs;
	}
	svc->mounts = xrealloc(svc->mounts, (svc->nmounts + 1) * sizeof(*m));
	svc->mounts[svc->nmounts++] = *m;
}

/* "SOURCE:TARGET[:MODES]", MODES a comma list: ro/rw, and the ones that
 * mean nothing here (SELinux labels, macOS consistency), said so. */
static void
short_mount(struct cwalk *c, struct service *svc, const struct ynode *e,
	    const char *path)
{
	const char *s = e->text, *c1 = strchr(s, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char *spec, *modes, *tok, *save = NULL;
	struct mount_spec m;
	int ro = 0;

	if (!c2) {
		spec = xstrdup(s);
	} else {
		spec = xstrndup(s, (size_t)(c2 - s));
		modes = xstrdup(c2 + 1);
		for (tok = strtok_r(modes, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (!strcmp(tok, "ro"))
				ro = 1;
			else if (!strcmp(tok, "z") || !strcmp(tok, "Z"))
				cw_note(c, e, "%s: ':%s' relabels for SELinux, "
				     "which the workspace VM does not run: "
				     "nothing to do", path, tok);
			else if (strcmp(tok, "rw") && strcmp(tok, "cached") &&
				 strcmp(tok, "delegated") &&
				 strcmp(tok, "consistent"))
				cw_report(c, e, path, "use ro or rw", "mount mode "
				       "'%s' is not supported by berth yet",
				       tok);
		}
		free(modes);
	}
	if (spec_parse_mount(spec, &m) < 0) {
		cw_report(c, e, path, "such as data:/var/lib/data or "
		       "./dir:/path", "bad volume \"%s\": %s", s, err_msg());
		err_clear();
	} else {
		m.readonly = ro;
		add_mount(c, svc, e, path, &m);
	}
	free(spec);
}

static void
long_mount(struct cwalk *c, struct service *svc, const struct ynode *e,
	   const char *path)
{
	const char *type = ynode_str(ynode_get(e, "type"));
	const char *src = ynode_str(ynode_get(e, "source"));
	const char *dst = ynode_str(ynode_get(e, "target"));
	struct mount_spec m = { 0 };

	cw_check_keys(c, e, path, mount_keys, ARRAY_SIZE(mount_keys), NULL, 0);
	if (type && !strcmp(type, "tmpfs") && dst && dst[0] == '/') {
		const struct ynode *t = ynode_get(e, "tmpfs"), *size;
		uint64_t bytes = 0;
		char *spec;

		/* the engine's tmpfs: in memory, gone with the container */
		size = t ? ynode_get(t, "size") : NULL;
		if (size && ynode_str(size))
			bytes = strtoull(size->text, NULL, 10);
		spec = bytes ? xasprintf("%s:size=%llu", dst,
					 (unsigned long long)bytes)
			     : xstrdup(dst);
		strlist_push(&svc->run.tmpfs, spec);
		free(spec);
		return;
	}
	if (!type || (strcmp(type, "volume") && strcmp(type, "bind"))) {
		cw_report(c, e, path, NULL, "volume type '%s' is not supported "
		       "by berth yet: use volume, bind or tmpfs",
		       type ? type : "?");
		return;
	}
	if (!dst || dst[0] != '/') {
		cw_report(c, e, path, NULL, "'target' must be an absolute path in "
		       "the container");
		return;
	}
	if (!strcmp(type, "bind") && !src) {
		cw_report(c, e, path, NULL, "a bind needs 'source'");
		return;
	}
	if (!strcmp(type, "volume") && src && !spec_valid_name(src, 64)) {
		cw_report(c, e, path, NULL, "\"%s\" is not a valid volume name: "
		       "use lower-case letters, digits, '-' and '_'", src);
		return;
	}
	m.type = !strcmp(type, "bind") ? MOUNT_BIND
		 : src ? MOUNT_VOLUME : MOUNT_ANONYMOUS;
	m.source = src ? xstrdup(src) : NULL;
	m.target = xstrdup(dst);
	m.readonly = ynode_bool(ynode_get(e, "read_only")) == 1;
	add_mount(c, svc, e, path, &m);
}

static void
read_mounts(struct cwalk *c, struct service *svc, const struct ynode *n,
	    const char *path)
{
	size_t i;

	if (n->kind != YNODE_SEQ) {
		cw_report(c, n, path, NULL, "expected a list of volumes");
		return;
	}
	for (i = 0; i < n->n; i++) {
		if (n->items[i]->kind == YNODE_MAP)
			long_mount(c, svc, n->items[i], path);
		else if (cw_str(c, n->items[i], path))
			short_mount(c, svc, n->items[i], path);
	}
}

static void
add_dep(struct service *svc, const char *name, enum dep_condition cond,
	int line)
{
	svc->deps = xrealloc(svc->deps, (svc->ndeps + 1) * sizeof(*svc->deps));
	svc->deps[svc->ndeps].service = xstrdup(name);
	svc->deps[svc->ndeps].condition = cond;
	svc->deps[svc->ndeps++].line = line;
}

static void
read_deps(struct cwalk *c, struct service *svc, const struct ynode *n,
	  const char *path)
{
	static const char *const conds[] = { "service_started",
					     "service_healthy",
					     "service_completed_successfully" };
	size_t i, k;

	if (n->kind == YNODE_SEQ) {
		for (i = 0; i < n->n; i++)
			if (cw_str(c, n->items[i], path))
				add_dep(svc, n->items[i]->text, DEP_STARTED,
					n->items[i]->line);
		return;
	}
	if (n->kind != YNODE_MAP) {
		cw_report(c, n, path, NULL, "expected a list of services, or a "
		       "mapping of service: { condition: ... }");
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		const struct ynode *e = n->items[i + 1], *v;
		char *p = xasprintf("%s.%s", path, n->items[i]->text);
		int cond = DEP_STARTED;

		if (e->kind == YNODE_MAP) {
			cw_check_keys(c, e, p, dep_keys, ARRAY_SIZE(dep_keys),
				   NULL, 0);
			if ((v = ynode_get(e, "condition")) &&
			    cw_str(c, v, p)) {
				for (k = 0; k < ARRAY_SIZE(conds) &&
				     strcmp(v->text, conds[k]); k++)
					;
				if (k < ARRAY_SIZE(conds))
					cond = (int)k;
				else
					cw_report(c, v, p, "service_started, "
					       "service_healthy or service_"
					       "completed_successfully",
					       "unknown condition '%s'",
					       v->text);
			}
			if ((v = ynode_get(e, "required")) && ynode_bool(v) == 0)
				cw_ignored(c, v, p, "required: false is not "
					   "supported by berth yet: the "
					   "dependency is required");
			if ((v = ynode_get(e, "restart")) && ynode_bool(v) == 1)
				cw_ignored(c, v, p, "restart: berth restarts "
					   "no dependent when this one is "
					   "restarted");
		} else if (!ynode_is_null(e)) {
			cw_report(c, e, p, NULL, "expected { condition: ... }");
		}
		add_dep(svc, n->items[i]->text, (enum dep_condition)cond,
			n->items[i]->line);
		free(p);
	}
}

static void
read_duration(struct cwalk *c, const struct ynode *h, const char *key,
	      const char *path, uint64_t *out)
{
	const struct ynode *v = ynode_get(h, key);
	char *p;

	if (!v || !cw_str(c, v, path))
		return;
	if (spec_parse_duration(v->text, out) < 0) {
		p = xasprintf("%s.%s", path, key);
		cw_report(c, v, p, NULL, "bad duration \"%s\": %s", v->text,
		       err_msg());
		err_clear();
		free(p);
	}
}

static void
read_health(struct cwalk *c, struct service *svc, const struct ynode *n,
	    const char *path)
{
	struct healthcheck *h = &svc->health;
	const struct ynode *t, *v;
	struct strlist words = { 0 };
	size_t k;

	if (n->kind != YNODE_MAP) {
		cw_report(c, n, path, NULL, "expected a mapping with test");
		return;
	}
	cw_check_keys(c, n, path, health_keys, ARRAY_SIZE(health_keys), NULL, 0);
	h->set = 1;
	h->disabled = ynode_bool(ynode_get(n, "disable")) == 1;
	read_duration(c, n, "interval", path, &h->interval_ms);
	read_duration(c, n, "timeout", path, &h->timeout_ms);
	read_duration(c, n, "start_period", path, &h->start_period_ms);
	if ((v = ynode_get(n, "start_interval")))
		cw_ignored(c, v, path, "start_interval: Docker API 1.41 has "
			   "none: the check runs at 'interval' from the start");
	if ((v = ynode_get(n, "retries")))
		cw_int(c, v, path, 1, 1000, &h->retries);
	if (!(t = ynode_get(n, "test")))
		return;
	if (t->kind == YNODE_SCALAR) {
		if (ynode_str(t)) {
			strlist_push(&h->test, "CMD-SHELL");
			strlist_push(&h->test, t->text);
		}
		return;
	}
	cw_strs(c, t, path, &words);
	if (!words.n)
		cw_report(c, t, path, NULL, "the test is empty");
	else if (strcmp(words.v[0], "CMD") && strcmp(words.v[0], "CMD-SHELL") &&
		 strcmp(words.v[0], "NONE"))
		cw_report(c, t, path, "start it with \"CMD\" or \"CMD-SHELL\"",
		       "a test list starts with CMD, CMD-SHELL or NONE");
	else if (!strcmp(words.v[0], "NONE"))
		h->disabled = 1;
	for (k = 0; k < words.n; k++)
		strlist_push(&h->test, words.v[k]);
	strlist_release(&words);
}

static void
read_restart(struct cwalk *c, struct service *svc, const struct ynode *n,
	     const char *path)
{
	const char *v = cw_str(c, n, path);

	if (!v)
		return;
	if (cw_in(v, restart_modes, ARRAY_SIZE(restart_modes)) ||
	    (!strncmp(v, "on-failure:", 11) && v[11] &&
	     strspn(v + 11, "0123456789") == strlen(v + 11)))
		svc->restart = xstrdup(v);
	else
		cw_report(c, n, path, "no, always, on-failure[:N] or "
		       "unless-stopped", "unknown restart policy '%s'", v);
}

static void
read_deploy(struct cwalk *c, struct service *svc, const struct ynode *n,
	    const char *path)
{
	static const char *const keys[] = { "replicas", "resources" };
	static const char *const unsup[] = {
		"mode", "endpoint_mode", "labels", "placement",
		"restart_policy", "rollback_config", "update_config",
	};
	const struct ynode *v;
	char *p;

	if (n->kind != YNODE_MAP) {
		cw_report(c, n, path, NULL, "expected a mapping");
		return;
	}
	cw_check_keys(c, n, path, keys, ARRAY_SIZE(keys), unsup,
		   ARRAY_SIZE(unsup));
	if ((v = ynode_get(n, "replicas")))
		cw_int(c, v, path, 0, 100, &svc->replicas);
	if ((v = ynode_get(n, "resources"))) {
		p = xasprintf("%s.resources", path);
		compose_read_limits(c, svc, v, p);
		free(p);
	}
}

/* network NULL: every network the service is on */
static void
add_alias(struct service *svc, const char *network, const char *alias)
{
	struct net_alias *a;

	svc->aliases = xrealloc(svc->aliases,
				(svc->naliases + 1) * sizeof(*svc->aliases));
	a = &svc->aliases[svc->naliases++];
	a->network = network ? xstrdup(network) : NULL;
	a->alias = xstrdup(alias);
}

static void
read_service_networks(struct cwalk *c, struct service *svc,
		      const struct ynode *n, const char *path)
{
	size_t i;

	if (n->kind != YNODE_MAP) {
		cw_strs(c, n, path, &svc->networks);
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		static const char *const keys[] = { "aliases", "ipv4_address" };
		static const char *const unsup[] = {
			"ipv6_address", "link_local_ips",
			"mac_address", "driver_opts", "priority",
			"gw_priority", "interface_name",
		};
		const struct ynode *v = n->items[i + 1], *a;
		const char *net = n->items[i]->text, *ip;
		char *p = xasprintf("%s.%s", path, net);
		struct strlist names = { 0 };
		size_t k;

		strlist_push(&svc->networks, net);
		if (v->kind == YNODE_MAP) {
			cw_check_keys(c, v, p, keys, ARRAY_SIZE(keys), unsup,
				      ARRAY_SIZE(unsup));
			if ((a = ynode_get(v, "aliases")))
				cw_strs(c, a, p, &names);
			for (k = 0; k < names.n; k++)
				add_alias(svc, net, names.v[k]);
			if ((a = ynode_get(v, "ipv4_address")) &&
			    (ip = cw_str(c, a, p))) {
				if (!spec_valid_ipv4(ip))
					cw_report(c, a, p, NULL, "ipv4_address "
						  "'%s' is not an IPv4 address",
						  ip);
				else
					kvlist_set(&svc->ipv4, net, ip);
			}
		} else if (!ynode_is_null(v)) {
			cw_report(c, v, p, NULL, "expected settings, or "
				  "nothing");
		}
		strlist_release(&names);
		free(p);
	}
}

/* develop.watch: the rules 'berth watch' follows. */
static void
read_develop(struct cwalk *c, struct service *svc, const struct ynode *n,
	     const char *path)
{
	static const char *const keys[] = { "watch" };
	static const char *const rkeys[] = { "action", "path", "target",
					     "ignore", "include" };
	static const char *const actions[] = { "sync", "sync+restart",
					       "rebuild" };
	const struct ynode *w, *v;
	char *p = xasprintf("%s.watch", path);
	size_t i, k;

	if (n->kind != YNODE_MAP) {
		cw_report(c, n, path, NULL, "expected a mapping with watch");
		goto out;
	}
	cw_check_keys(c, n, path, keys, ARRAY_SIZE(keys), NULL, 0);
	if (!(w = ynode_get(n, "watch")))
		goto out;
	if (w->kind != YNODE_SEQ) {
		cw_report(c, w, p, NULL, "expected a list of rules");
		goto out;
	}
	svc->watch = xcalloc(w->n + 1, sizeof(*svc->watch));
	for (i = 0; i < w->n; i++) {
		const struct ynode *r = w->items[i];
		struct watch_rule *rule = &svc->watch[svc->nwatch];
		const char *action;

		if (r->kind != YNODE_MAP) {
			cw_report(c, r, p, NULL, "expected a rule with action "
				  "and path");
			continue;
		}
		cw_check_keys(c, r, p, rkeys, ARRAY_SIZE(rkeys), NULL, 0);
		if ((v = ynode_get(r, "include")))
			cw_ignored(c, v, p, "include: every file under path "
				   "counts");
		v = ynode_get(r, "action");
		action = v ? cw_str(c, v, p) : NULL;
		for (k = 0; action && k < ARRAY_SIZE(actions) &&
		     strcmp(action, actions[k]); k++)
			;
		if (!action || k == ARRAY_SIZE(actions)) {
			if (action && !strcmp(action, "sync+exec"))
				cw_ignored(c, v, p, "action sync+exec is not "
					   "supported by berth yet");
			else
				cw_report(c, v ? v : r, p, "sync, "
					  "sync+restart or rebuild",
					  "unknown action '%s'",
					  action ? action : "");
			continue;
		}
		if (!(v = ynode_get(r, "path")) || !cw_str(c, v, p))
			continue;
		rule->action = (enum watch_action)k;
		rule->path = walk_resolve(&c->w, v->text);
		rule->line = r->line;
		if ((v = ynode_get(r, "target")) && cw_str(c, v, p))
			rule->target = xstrdup(v->text);
		if (rule->action != WATCH_REBUILD &&
		    (!rule->target || rule->target[0] != '/')) {
			cw_report(c, r, p, NULL, "a %s rule needs target, an "
				  "absolute path in the container", action);
			free(rule->path);
			free(rule->target);
			memset(rule, 0, sizeof(*rule));
			continue;
		}
		if (rule->action == WATCH_REBUILD && !svc->build_context)
			cw_report(c, r, p, "add build:", "a rebuild rule needs "
				  "the service to build its image");
		if ((v = ynode_get(r, "ignore")))
			cw_strs(c, v, p, &rule->ignore);
		svc->nwatch++;
	}
out:
	free(p);
}

/* Whether a service's profiles leave it out. */
int
compose_profiled_out(struct cwalk *c, const struct ynode *g, const char *path)
{
	const struct ynode *n = ynode_get(g, "profiles");
	struct strlist names = { 0 };
	size_t i;
	int out;

	if (!n)
		return 0;
	cw_strs(c, n, path, &names);
	out = names.n > 0;
	for (i = 0; i < names.n; i++)
		if (strlist_has(&c->profiles, names.v[i]) ||
		    strlist_has(&c->profiles, "*"))
			out = 0;
	strlist_release(&names);
	return out;
}

void
compose_read_service(struct cwalk *c, struct service *svc, const char *name,
	     const struct ynode *g)
{
	char *path = xasprintf("services.%s", name), *p;
	const struct ynode *v;
	size_t i;
	struct {
		const char *key;
		void (*read)(struct cwalk *, struct service *,
			     const struct ynode *, const char *);
	} readers[] = {
		{ "build", read_build }, { "env_file", read_env_files },
		{ "ports", read_ports }, { "volumes", read_mounts },
		{ "depends_on", read_deps }, { "healthcheck", read_health },
		{ "restart", read_restart }, { "deploy", read_deploy },
		{ "networks", read_service_networks },
	};

	svc->name = xstrdup(name);
	svc->line = g->line;
	svc->replicas = 1;
	if (!spec_valid_name(name, 63))
		cw_report(c, g, path, NULL, "\"%s\" is not a name berth can give "
		       "a container: use lower-case letters, digits, '-' and "
		       "'_'", name);
	cw_check_keys(c, g, path, service_keys, ARRAY_SIZE(service_keys),
		   service_unsupported, ARRAY_SIZE(service_unsupported));
	if ((v = ynode_get(g, "image")) && cw_str(c, v, path)) {
		svc->image = xstrdup(v->text);
		if (!spec_valid_image_ref(v->text))
			cw_report(c, v, path, NULL, "\"%s\" is not a valid image "
			       "reference: repository names are lower case, "
			       "without spaces", v->text);
	}
	for (i = 0; i < ARRAY_SIZE(readers); i++)
		if ((v = ynode_get(g, readers[i].key))) {
			p = xasprintf("%s.%s", path, readers[i].key);
			readers[i].read(c, svc, v, p);
			free(p);
		}
	compose_read_run(c, svc, g, path);
	if ((v = ynode_get(g, "develop"))) {
		p = xasprintf("%s.develop", path);
		read_develop(c, svc, v, p);
		free(p);
	}
	/* the VM is x86-64: that platform is what runs anyway */
	if ((v = ynode_get(g, "platform")) && cw_str(c, v, path) &&
	    strcmp(v->text, "linux/amd64") && strcmp(v->text, "linux/x86_64"))
		cw_ignored(c, v, path, "platform '%s': the workspace VM runs "
			   "linux/amd64", v->text);
	compose_read_files(c, svc, g, path);
	/* the container's name; an alias too, for a network of the
	 * service that DNS would not answer it on otherwise */
	if ((v = ynode_get(g, "container_name")) && cw_str(c, v, path)) {
		if (!spec_valid_name(v->text, 63)) {
			cw_report(c, v, path, NULL, "\"%s\" is not a valid "
				  "container name here: use lower-case "
				  "letters, digits, '-' and '_'", v->text);
		} else {
			svc->container_name = xstrdup(v->text);
			add_alias(svc, NULL, v->text);
		}
	}
	if (!svc->image && !ynode_get(g, "build"))
		cw_report(c, g, path, "add image: or build:", "service '%s' has "
		       "neither image nor build", name);
	if ((v = ynode_get(g, "scale")) && !ynode_get(g, "deploy"))
		cw_int(c, v, path, 0, 100, &svc->replicas);
	if ((v = ynode_get(g, "command"))) {
		p = xasprintf("%s.command", path);
		read_command(c, v, p, &svc->has_command, &svc->command);
		free(p);
	}
	if ((v = ynode_get(g, "entrypoint"))) {
		p = xasprintf("%s.entrypoint", path);
		read_command(c, v, p, &svc->has_entrypoint, &svc->entrypoint);
		free(p);
	}
	/* after env_file: environment overrides it */
	if ((v = ynode_get(g, "environment"))) {
		p = xasprintf("%s.environment", path);
		cw_kv(c, v, p, &svc->environment, 1);
		free(p);
	}
	if ((v = ynode_get(g, "labels"))) {
		p = xasprintf("%s.labels", path);
		cw_kv(c, v, p, &svc->labels, 0);
		for (i = 0; i < svc->labels.n; i++)
			if (!strncmp(svc->labels.v[i].key, "berth.", 6))
				cw_report(c, v, p, "pick another prefix", "label "
				       "'%s': the 'berth.' prefix is berth's "
				       "own", svc->labels.v[i].key);
		free(p);
	}
	if (svc->container_name && svc->replicas > 1)
		cw_report(c, ynode_get(g, "container_name"), path, "drop "
			  "container_name, or run one replica", "%d replicas "
			  "cannot share the container name '%s'",
			  svc->replicas, svc->container_name);
	free(path);
}
