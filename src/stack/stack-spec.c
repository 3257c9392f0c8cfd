/* stack-spec.c: what each container of a service should be: its create
 * body, and a hash per section of it, so that a change names itself. */

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "stack.h"

enum { SEC_IMAGE, SEC_COMMAND, SEC_ENV, SEC_PORTS, SEC_VOLUMES, SEC_HEALTH,
       SEC_RESTART, SEC_LABELS, SEC_NETWORKS, SEC_OPTIONS, NSECTIONS };
/* The sections a change is reported by, in the order they are named: a
 * container's, and a Swarm service's one more (stack-swarm-spec.c). */
static const char *const change_keys[] = {
	"image", "command", "environment", "ports", "volumes",
	"healthcheck", "restart", "labels", "networks", "options",
	"replicas",
};
static const char *const change_names[] = {
	"image", "command", "environment", "ports", "volumes",
	"healthcheck", "restart policy", "labels", "networks",
	"run options", "replicas",
};

char *
stack_container_name(const struct ws *ws, const struct service *svc,
		     int replica)
{
	if (svc->container_name)	/* compose's, for its one replica */
		return xstrdup(svc->container_name);
	return xasprintf("%s-%s-%d", ws->name, svc->name, replica);
}

/* The engine's name of a network or volume the stack names, or NULL
 * when it is the workspace's own WORKSPACE_NAME. */
static const char *
engine_name(const struct ws *ws, const char *kind, const char *name)
{
	size_t i;
	size_t n = strlen(kind);

	/* keyed "network:NAME" and "volume:NAME": one name may be both */
	for (i = 0; i < ws->stack.engine_names.n; i++) {
		const char *k = ws->stack.engine_names.v[i].key;

		if (!strncmp(k, kind, n) && k[n] == ':' &&
		    !strcmp(k + n + 1, name))
			return ws->stack.engine_names.v[i].value;
	}
	return NULL;
}

char *
stack_network_name(const struct ws *ws, const char *net)
{
	const char *named = engine_name(ws, "network", net ? net : "default");

	return named ? xstrdup(named)
		     : xasprintf("%s_%s", ws->name, net ? net : "default");
}

char *
stack_volume_name(const struct ws *ws, const char *vol)
{
	const char *named = engine_name(ws, "volume", vol);

	return named ? xstrdup(named) : xasprintf("%s_%s", ws->name, vol);
}

int
stack_is_external(const struct ws *ws, const char *kind, const char *name)
{
	char *key = xasprintf("%s:%s", kind, name);
	int ret = strlist_has(&ws->stack.external, key);

	free(key);
	return ret;
}

char *
stack_image_ref(const struct ws *ws, const struct service *svc)
{
	if (svc->image)
		return xstrdup(svc->image);
	return xasprintf("berth/%s-%s", ws->name, svc->name);
}

json_t *
stack_spec_strings(const struct strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, so that reordering the Berthfile recreates nothing. */
json_t *
stack_spec_env(const struct service *svc)
{
	char **v = xcalloc(svc->environment.n + 1, sizeof(char *));
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < svc->environment.n; i++)
		v[i] = xasprintf("%s=%s", svc->environment.v[i].key,
				 svc->environment.v[i].value);
	qsort(v, svc->environment.n, sizeof(char *), cmp_str);
	for (i = 0; i < svc->environment.n; i++) {
		json_array_append_new(a, json_string(v[i]));
		free(v[i]);
	}
	free(v);
	return a;
}

/* A bind's source as the engine sees it: in the VM, the workspace is at
 * /workspace and shared folders at their guest paths. */
static char *
bind_source(const struct ws *ws, const char *host, int in_vm)
{
	size_t i, n;

	if (!in_vm)
		return xstrdup(host);
	n = strlen(ws->dir);
	if (!strncmp(host, ws->dir, n) && (!host[n] || host[n] == '/'))
		return xasprintf("/workspace%s", host + n);
	for (i = 0; i < ws->vm.nshared; i++) {
		const struct shared_folder *f = &ws->vm.shared[i];

		n = strlen(f->host);
		if (!strncmp(host, f->host, n) && (!host[n] || host[n] == '/'))
			return xasprintf("%s%s", f->guest, host + n);
	}
	return xstrdup(host);	/* validation has refused this already */
}

json_t *
stack_spec_mounts(const struct ws *ws, const struct service *svc, int in_vm)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < svc->nmounts; i++) {
		const struct mount_spec *m = &svc->mounts[i];
		json_t *o = json_object();
		char *src = NULL;

		if (m->type == MOUNT_VOLUME)
			src = stack_volume_name(ws, m->source);
		else if (m->type == MOUNT_BIND)
			src = bind_source(ws, m->source, in_vm);
		json_object_set_new(o, "Type", json_string(
			m->type == MOUNT_BIND ? "bind" : "volume"));
		if (src)
			json_object_set_new(o, "Source", json_string(src));
		json_object_set_new(o, "Target", json_string(m->target));
		json_object_set_new(o, "ReadOnly", json_boolean(m->readonly));
		json_array_append_new(a, o);
		free(src);
	}
	return a;
}

json_t *
stack_spec_health(const struct healthcheck *h)
{
	json_t *o = json_object();

	if (h->disabled) {
		json_object_set_new(o, "Test", json_pack("[s]", "NONE"));
		return o;
	}
	json_object_set_new(o, "Test", stack_spec_strings(&h->test));
	/* the engine counts in nanoseconds */
	if (h->interval_ms)
		json_object_set_new(o, "Interval",
				    json_integer((json_int_t)h->interval_ms * 1000000));
	if (h->timeout_ms)
		json_object_set_new(o, "Timeout",
				    json_integer((json_int_t)h->timeout_ms * 1000000));
	if (h->start_period_ms)
		json_object_set_new(o, "StartPeriod",
				    json_integer((json_int_t)h->start_period_ms * 1000000));
	if (h->retries)
		json_object_set_new(o, "Retries", json_integer(h->retries));
	return o;
}

static json_t *
restart_policy(const char *restart)
{
	const char *colon = restart ? strchr(restart, ':') : NULL;
	json_t *o = json_object();

	if (!restart || !strcmp(restart, "no")) {
		json_object_set_new(o, "Name", json_string("no"));
	} else if (colon) {
		char *name = xstrndup(restart, (size_t)(colon - restart));

		json_object_set_new(o, "Name", json_string(name));
		json_object_set_new(o, "MaximumRetryCount",
				    json_integer(atoi(colon + 1)));
		free(name);
	} else {
		json_object_set_new(o, "Name", json_string(restart));
	}
	return o;
}

/* The names a service answers to on net: its own, and its aliases. */
json_t *
stack_aliases(const struct service *svc, const char *net)
{
	json_t *a = json_pack("[s]", svc->name);
	size_t i;

	for (i = 0; i < svc->naliases; i++)
		if (!svc->aliases[i].network ||
		    !strcmp(svc->aliases[i].network, net))
			json_array_append_new(a, json_string(
				svc->aliases[i].alias));
	return a;
}

json_t *
stack_endpoint(const struct service *svc, const char *net)
{
	json_t *ep = json_pack("{s:o}", "Aliases", stack_aliases(svc, net));
	const char *ip = kvlist_get(&svc->ipv4, net);

	if (ip)
		json_object_set_new(ep, "IPAMConfig", json_pack(
			"{s:s}", "IPv4Address", ip));
	return ep;
}

void
stack_spec_set_str(json_t *o, const char *key, const char *s)
{
	if (s)
		json_object_set_new(o, key, json_string(s));
}

void
stack_spec_set_list(json_t *o, const char *key, const struct strlist *l)
{
	if (l->n)
		json_object_set_new(o, key, stack_spec_strings(l));
}

json_t *
stack_spec_sysctls(const struct run_opts *r)
{
	json_t *m = json_object();
	size_t i;

	for (i = 0; i < r->sysctls.n; i++)
		json_object_set_new(m, r->sysctls.v[i].key,
				    json_string(r->sysctls.v[i].value));
	return m;
}

json_t *
stack_spec_ulimits(const struct run_opts *r)
{
	json_t *m = json_array();
	size_t i;

	for (i = 0; i < r->nulimits; i++)
		json_array_append_new(m, json_pack("{s:s, s:I, s:I}", "Name",
			r->ulimits[i].name, "Soft",
			(json_int_t)r->ulimits[i].soft, "Hard",
			(json_int_t)r->ulimits[i].hard));
	return m;
}

/*
 * How the container runs (user, limits, capabilities...), into cfg and
 * host; what was set, also into opts, which is empty when nothing was:
 * then the section is left out of the hash, and containers made before
 * these settings existed are not recreated for them.
 */
static void
run_options(const struct run_opts *r, json_t *cfg, json_t *host, json_t *opts)
{
	json_t *c = json_object(), *h = json_object(), *m;
	struct run_field f[RUN_FIELDS];
	const char *k;
	json_t *v;
	size_t i;

	/* only reads r: the table points into it for the readers too */
	run_fields((struct run_opts *)r, f);
	for (i = 0; i < RUN_FIELDS; i++) {
		json_t *into = f[i].host ? h : c;

		if (f[i].str)
			stack_spec_set_str(into, f[i].engine, *f[i].str);
		else if (f[i].flag && *f[i].flag)
			json_object_set_new(into, f[i].engine, json_true());
		else if (f[i].list)
			stack_spec_set_list(into, f[i].engine, f[i].list);
	}
	if (r->has_stop_grace)	/* the engine counts whole seconds */
		json_object_set_new(c, "StopTimeout", json_integer(
			(json_int_t)((r->stop_grace_ms + 999) / 1000)));
	stack_spec_set_list(h, "ExtraHosts", &r->extra_hosts);
	if (r->tmpfs.n) {
		m = json_object();
		for (i = 0; i < r->tmpfs.n; i++) {
			const char *colon = strchr(r->tmpfs.v[i], ':');
			char *path = colon ? xstrndup(r->tmpfs.v[i], (size_t)
						      (colon - r->tmpfs.v[i]))
					   : xstrdup(r->tmpfs.v[i]);

			json_object_set_new(m, path, json_string(colon ? colon + 1
								       : ""));
			free(path);
		}
		json_object_set_new(h, "Tmpfs", m);
	}
	if (r->shm_size)
		json_object_set_new(h, "ShmSize", json_integer((json_int_t)
							       r->shm_size));
	if (r->mem_limit)
		json_object_set_new(h, "Memory", json_integer((json_int_t)
							      r->mem_limit));
	if (r->nano_cpus)
		json_object_set_new(h, "NanoCpus", json_integer((json_int_t)
								r->nano_cpus));
	if (r->pids_limit)
		json_object_set_new(h, "PidsLimit", json_integer((json_int_t)
								 r->pids_limit));
	if (r->sysctls.n)
		json_object_set_new(h, "Sysctls", stack_spec_sysctls(r));
	if (r->nulimits)
		json_object_set_new(h, "Ulimits", stack_spec_ulimits(r));
	json_object_foreach(c, k, v)
		json_object_set(cfg, k, v);
	json_object_foreach(h, k, v)
		json_object_set(host, k, v);
	if (json_object_size(c))
		json_object_set(opts, "config", c);
	if (json_object_size(h))
		json_object_set(opts, "host", h);
	json_decref(c);
	json_decref(h);
}

char *
stack_section_hash(json_t *section)
{
	char *text = json_dumps(section, JSON_COMPACT | JSON_SORT_KEYS |
				JSON_ENCODE_ANY);
	struct digest *d = digest_new("sha256");
	char *hex;

	digest_update(d, text, strlen(text));
	hex = xstrndup(digest_hex(d), 12);
	digest_free(d);
	free(text);
	return hex;
}

void
stack_sections_digest(json_t *const *sec, size_t n, char **hash,
		      char **sections)
{
	struct strbuf sb = STRBUF_INIT;
	struct digest *d = digest_new("sha256");
	size_t i;

	for (i = 0; i < n && i < ARRAY_SIZE(change_keys); i++) {
		char *h;

		/* run options count only when some are set (stack.h) */
		if (i == SEC_OPTIONS && !json_object_size(sec[i]))
			continue;
		h = stack_section_hash(sec[i]);
		sb_addf(&sb, "%s%s=%s", i ? "," : "", change_keys[i], h);
		free(h);
	}
	digest_update(d, sb.buf, sb.len);
	*hash = xstrndup(digest_hex(d), 16);
	digest_free(d);
	*sections = sb_detach(&sb);
}

static json_t *
port_bindings(const struct service *svc, const int *ports, int in_vm,
	      json_t *exposed)
{
	json_t *b = json_object(), *list;
	char key[32], port[16];
	size_t i;

	for (i = 0; i < svc->nports; i++) {
		const struct port_spec *p = &svc->ports[i];

		snprintf(key, sizeof(key), "%u/%s", p->port,
			 spec_proto_name(p->proto));
		snprintf(port, sizeof(port), "%d", ports[i]);
		json_object_set_new(exposed, key, json_object());
		if (!(list = json_object_get(b, key))) {
			list = json_array();
			json_object_set_new(b, key, list);
		}
		/* in the VM the port takes slirp's forward, which arrives on
		 * eth0; the host side stays on the address the user gave */
		json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp",
			in_vm ? "0.0.0.0" : p->host_ip, "HostPort", port));
	}
	return b;
}

void
stack_desire(const struct ws *ws, const struct service *svc, int replica,
	     const char *image_ref, const char *image_id, const char *context,
	     const int *ports, int in_vm, struct desired *out)
{
	json_t *cfg = json_object(), *host = json_object(), *sec[NSECTIONS];
	json_t *labels = json_object(), *exposed = json_object();
	json_t *bindings, *endpoints = json_object(), *nets = json_array();
	json_t *opts = json_object();
	char *net, buf[16];
	size_t i;

	memset(out, 0, sizeof(*out));
	out->svc = svc;
	out->replica = replica;
	out->name = stack_container_name(ws, svc, replica);

	json_object_set_new(cfg, "Image", json_string(image_ref));
	if (svc->has_command)
		json_object_set_new(cfg, "Cmd", stack_spec_strings(&svc->command));
	if (svc->has_entrypoint)
		json_object_set_new(cfg, "Entrypoint", stack_spec_strings(&svc->entrypoint));
	json_object_set_new(cfg, "Env", stack_spec_env(svc));
	bindings = port_bindings(svc, ports, in_vm, exposed);
	json_object_set_new(cfg, "ExposedPorts", exposed);
	json_object_set_new(host, "PortBindings", bindings);
	json_object_set_new(host, "Mounts", stack_spec_mounts(ws, svc, in_vm));
	json_object_set_new(host, "RestartPolicy", restart_policy(svc->restart));
	if (svc->health.set)
		json_object_set_new(cfg, "Healthcheck",
				    stack_spec_health(&svc->health));
	for (i = 0; i < svc->labels.n; i++)
		json_object_set_new(labels, svc->labels.v[i].key,
				    json_string(svc->labels.v[i].value));
	run_options(&svc->run, cfg, host, opts);

	/* every service resolves by its name on each network it joins */
	if (svc->networks.n)
		for (i = 0; i < svc->networks.n; i++)
			json_array_append_new(nets, json_string(
				svc->networks.v[i]));
	else
		json_array_append_new(nets, json_string("default"));
	net = stack_network_name(ws, json_string_value(json_array_get(nets, 0)));
	json_object_set_new(endpoints, net, stack_endpoint(svc,
		json_string_value(json_array_get(nets, 0))));
	json_object_set_new(host, "NetworkMode", json_string(net));
	free(net);
	json_object_set_new(cfg, "NetworkingConfig",
			    json_pack("{s:o}", "EndpointsConfig", endpoints));

	/* each section hashed on its own, so that a change can be named */
	sec[SEC_IMAGE] = json_pack("{s:s, s:s?, s:s?}", "ref", image_ref, "id",
				   image_id, "context", context);
	sec[SEC_COMMAND] = json_pack("{s:O?, s:O?}", "cmd",
				     json_object_get(cfg, "Cmd"), "entrypoint",
				     json_object_get(cfg, "Entrypoint"));
	sec[SEC_ENV] = json_incref(json_object_get(cfg, "Env"));
	sec[SEC_PORTS] = json_incref(bindings);
	sec[SEC_VOLUMES] = json_incref(json_object_get(host, "Mounts"));
	sec[SEC_HEALTH] = json_object_get(cfg, "Healthcheck")
		? json_incref(json_object_get(cfg, "Healthcheck")) : json_null();
	sec[SEC_RESTART] = json_incref(json_object_get(host, "RestartPolicy"));
	sec[SEC_LABELS] = json_incref(labels);
	/* aliases count only when there are: a stack without any keeps
	 * the hash it had before they existed */
	sec[SEC_NETWORKS] = nets;
	if (svc->naliases || svc->ipv4.n) {
		json_t *all = json_object();

		for (i = 0; i < json_array_size(nets); i++) {
			const char *n = json_string_value(json_array_get(nets, i));

			json_object_set_new(all, n, stack_aliases(svc, n));
		}
		sec[SEC_NETWORKS] = json_pack("{s:o, s:o}", "networks", nets,
					      "aliases", all);
		/* as aliases: only when there are, for the same reason */
		if (svc->ipv4.n) {
			json_t *ips = json_object();

			for (i = 0; i < svc->ipv4.n; i++)
				json_object_set_new(ips, svc->ipv4.v[i].key,
					json_string(svc->ipv4.v[i].value));
			json_object_set_new(sec[SEC_NETWORKS], "ipv4", ips);
		}
	}
	sec[SEC_OPTIONS] = opts;
	stack_sections_digest(sec, NSECTIONS, &out->hash, &out->sections);
	for (i = 0; i < NSECTIONS; i++)
		json_decref(sec[i]);

	json_object_set_new(labels, LABEL_WORKSPACE, json_string(ws->name));
	json_object_set_new(labels, LABEL_DIR, json_string(ws->dir));
	json_object_set_new(labels, LABEL_SERVICE, json_string(svc->name));
	snprintf(buf, sizeof(buf), "%d", replica);
	json_object_set_new(labels, LABEL_REPLICA, json_string(buf));
	json_object_set_new(labels, LABEL_HASH, json_string(out->hash));
	json_object_set_new(labels, LABEL_SECTIONS, json_string(out->sections));
	json_object_set_new(cfg, "Labels", labels);
	json_object_set_new(cfg, "HostConfig", host);
	out->config = cfg;
}

void
desired_release(struct desired *d)
{
	free(d->name);
	free(d->hash);
	free(d->sections);
	json_decref(d->config);
	memset(d, 0, sizeof(*d));
}

/* The value of key in "a=1,b=2", or NULL. */
static char *
section_value(const char *list, const char *key)
{
	size_t n = strlen(key);
	const char *p = list;

	while (p && *p) {
		const char *end = strchr(p, ',');

		if (!strncmp(p, key, n) && p[n] == '=')
			return end ? xstrndup(p + n + 1, (size_t)(end - p - n - 1))
				   : xstrdup(p + n + 1);
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

char *
stack_changes(const char *old_sections, const char *new_sections)
{
	const char *changed[ARRAY_SIZE(change_keys)];
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = 0;

	if (!old_sections || !*old_sections)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(change_keys); i++) {
		char *a = section_value(old_sections, change_keys[i]);
		char *b = section_value(new_sections, change_keys[i]);

		if ((a || b) && (!a || !b || strcmp(a, b)))
			changed[n++] = change_names[i];
		free(a);
		free(b);
	}
	if (!n)
		return NULL;
	for (i = 0; i < n; i++)
		sb_addf(&sb, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ",
			changed[i]);
	sb_addstr(&sb, " changed");
	return sb_detach(&sb);
}
