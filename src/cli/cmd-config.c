/* cmd-config.c: print the workspace as berth understood it: a Berthfile
 * or compose files, merged and interpolated, as YAML or JSON. */

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static int cmd_config_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct config_opts {
	int json;
};

static const struct cmd_option config_options[] = {
	OPTION_FLAG("json", 0, struct config_opts, json,
		    "print the model as JSON, for scripts"),
	OPTIONS_END,
};

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.usage = "[--json]",
	.summary = "print the workspace as berth understood it",
	.help =
	"The Berthfile, or the compose files with their overrides merged and\n"
	"every ${VAR} replaced, as the one model berth lays the stack out from.\n"
	"What berth reads but does not act on is said on stderr. Nothing is\n"
	"changed, and no VM or engine is needed.\n",
	.options = config_options,
	.needs = NEED_WORKSPACE | NEED_NOTES,
	.exec = cmd_config_exec,
};

static json_t *
strs(const struct strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static json_t *
kvs(const struct kvlist *l)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_object_set_new(o, l->v[i].key, json_string(l->v[i].value));
	return o;
}

/* key: value, only when there is a value */
static void
put(json_t *o, const char *key, json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v) ||
	    ((json_is_array(v) || json_is_object(v)) && !json_array_size(v) &&
	     !json_object_size(v)) || (json_is_integer(v) &&
					!json_integer_value(v))) {
		json_decref(v);
		return;
	}
	json_object_set_new(o, key, v);
}

static json_t *
ports(const struct service *svc)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < svc->nports; i++) {
		const struct port_spec *p = &svc->ports[i];
		json_t *o = json_pack("{s:s, s:i, s:s}", "host_ip", p->host_ip,
				      "target", (int)p->port, "protocol",
				      spec_proto_name(p->proto));

		if (p->host_port)
			json_object_set_new(o, "published",
					    json_integer(p->host_port));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
mounts(const struct service *svc)
{
	static const char *const types[] = { "volume", "bind", "volume" };
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < svc->nmounts; i++) {
		const struct mount_spec *m = &svc->mounts[i];
		json_t *o = json_pack("{s:s, s:s}", "type", types[m->type],
				      "target", m->target);

		put(o, "source", m->source ? json_string(m->source) : NULL);
		put(o, "read_only", json_boolean(m->readonly));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
run_opts(const struct run_opts *r)
{
	json_t *o = json_object(), *u;
	struct run_field f[RUN_FIELDS];
	size_t i;

	run_fields((struct run_opts *)r, f);	/* read only */
	for (i = 0; i < RUN_FIELDS; i++) {
		if (f[i].str)
			put(o, f[i].key, *f[i].str ? json_string(*f[i].str)
						   : NULL);
		else if (f[i].flag)
			put(o, f[i].key, json_boolean(*f[i].flag));
		else if (f[i].list)
			put(o, f[i].key, strs(f[i].list));
	}
	if (r->has_stop_grace)
		json_object_set_new(o, "stop_grace_period_ms",
				    json_integer((json_int_t)r->stop_grace_ms));
	put(o, "extra_hosts", strs(&r->extra_hosts));
	put(o, "tmpfs", strs(&r->tmpfs));
	put(o, "shm_size", json_integer((json_int_t)r->shm_size));
	put(o, "mem_limit", json_integer((json_int_t)r->mem_limit));
	put(o, "nano_cpus", json_integer((json_int_t)r->nano_cpus));
	put(o, "pids_limit", json_integer((json_int_t)r->pids_limit));
	put(o, "sysctls", kvs(&r->sysctls));
	u = json_object();
	for (i = 0; i < r->nulimits; i++)
		json_object_set_new(u, r->ulimits[i].name,
				    json_pack("{s:I, s:I}", "soft",
					      (json_int_t)r->ulimits[i].soft,
					      "hard",
					      (json_int_t)r->ulimits[i].hard));
	put(o, "ulimits", u);
	return o;
}

static json_t *
service(const struct service *svc)
{
	json_t *o = json_object(), *deps = json_object(), *h, *al;
	size_t i;

	put(o, "image", svc->image ? json_string(svc->image) : NULL);
	if (svc->build_context) {
		json_t *b = json_pack("{s:s, s:s}", "context",
				      svc->build_context, "dockerfile",
				      svc->dockerfile);

		put(b, "args", kvs(&svc->build_args));
		put(b, "target", svc->build_target
			? json_string(svc->build_target) : NULL);
		json_object_set_new(o, "build", b);
	}
	if (svc->has_entrypoint)
		json_object_set_new(o, "entrypoint", strs(&svc->entrypoint));
	if (svc->has_command)
		json_object_set_new(o, "command", strs(&svc->command));
	put(o, "environment", kvs(&svc->environment));
	put(o, "ports", ports(svc));
	put(o, "volumes", mounts(svc));
	for (i = 0; i < svc->ndeps; i++)
		json_object_set_new(deps, svc->deps[i].service,
				    json_pack("{s:s}", "condition",
					      dep_condition_name(
						      svc->deps[i].condition)));
	put(o, "depends_on", deps);
	if (svc->health.set) {
		h = json_object();
		put(h, "disable", json_boolean(svc->health.disabled));
		put(h, "test", strs(&svc->health.test));
		put(h, "interval_ms", json_integer((json_int_t)
						   svc->health.interval_ms));
		put(h, "timeout_ms", json_integer((json_int_t)
						  svc->health.timeout_ms));
		put(h, "start_period_ms", json_integer(
			(json_int_t)svc->health.start_period_ms));
		put(h, "retries", json_integer(svc->health.retries));
		json_object_set_new(o, "healthcheck", h);
	}
	put(o, "restart", svc->restart ? json_string(svc->restart) : NULL);
	json_object_set_new(o, "replicas", json_integer(svc->replicas));
	put(o, "labels", kvs(&svc->labels));
	put(o, "networks", strs(&svc->networks));
	put(o, "ipv4_addresses", kvs(&svc->ipv4));
	al = json_array();
	for (i = 0; i < svc->naliases; i++)
		json_array_append_new(al, json_pack("{s:s?, s:s}", "network",
						    svc->aliases[i].network,
						    "alias",
						    svc->aliases[i].alias));
	put(o, "aliases", al);
	put(o, "container_name", svc->container_name
				 ? json_string(svc->container_name) : NULL);
	put(o, "run", run_opts(&svc->run));
	return o;
}

static json_t *
model(const struct ws *ws)
{
	json_t *o = json_object(), *svcs = json_object();
	size_t i;

	json_object_set_new(o, "name", json_string(ws->name));
	json_object_set_new(o, "environment", json_string(ws->env));
	json_object_set_new(o, "file", json_string(ws->file));
	if (ws->docker.host)
		json_object_set_new(o, "docker", json_pack("{s:s}", "host",
							   ws->docker.host));
	else
		json_object_set_new(o, "vm", json_pack(
			"{s:s, s:i, s:I, s:I}", "box", ws->vm.box, "cpus",
			ws->vm.cpus, "memory", (json_int_t)ws->vm.memory,
			"disk", (json_int_t)ws->vm.disk));
	if (ws->cluster.nodes > 1)
		json_object_set_new(o, "cluster", json_pack("{s:i}", "nodes",
							     ws->cluster.nodes));
	for (i = 0; i < ws->stack.nservices; i++)
		json_object_set_new(svcs, ws->stack.services[i].name,
				    service(&ws->stack.services[i]));
	json_object_set_new(o, "services", svcs);
	json_object_set_new(o, "networks", strs(&ws->stack.networks));
	put(o, "internal_networks", strs(&ws->stack.internal));
	put(o, "subnets", kvs(&ws->stack.subnets));
	put(o, "gateways", kvs(&ws->stack.gateways));
	put(o, "engine_names", kvs(&ws->stack.engine_names));
	put(o, "external", strs(&ws->stack.external));
	json_object_set_new(o, "volumes", strs(&ws->stack.volumes));
	return o;
}

/* A scalar as JSON writes it: a string in double quotes reads the same
 * in YAML, whatever it holds. */
static void
scalar(FILE *f, json_t *v)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY);

	fprintf(f, "%s\n", s);
	free(s);
}

/* a key that YAML reads as the same text unquoted */
static int
plain_key(const char *k)
{
	const char *p;

	if (!*k || !(isalpha((unsigned char)*k) || *k == '_'))
		return 0;
	for (p = k; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-/", *p))
			return 0;
	return strcasecmp(k, "true") && strcasecmp(k, "false") &&
	       strcasecmp(k, "null") && strcasecmp(k, "yes") &&
	       strcasecmp(k, "no") && strcasecmp(k, "on") &&
	       strcasecmp(k, "off") && strcmp(k, "y") && strcmp(k, "n");
}

static void
yaml(FILE *f, json_t *v, int indent, int in_list)
{
	const char *key;
	json_t *x;
	size_t i;
	int first = 1;

	if (json_is_object(v)) {
		json_object_foreach(v, key, x) {
			json_t *js = json_string(key);
			char *k = plain_key(key) ? xstrdup(key)
					: json_dumps(js, JSON_ENCODE_ANY);

			fprintf(f, "%*s%s:", in_list && first ? 0 : indent, "",
				k);
			free(k);
			json_decref(js);
			first = 0;
			if ((json_is_object(x) && json_object_size(x)) ||
			    (json_is_array(x) && json_array_size(x))) {
				fputc('\n', f);
				yaml(f, x, indent + 2, 0);
			} else {
				fputc(' ', f);
				yaml(f, x, 0, 0);
			}
		}
		if (!json_object_size(v))
			fputs("{}\n", f);
		return;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			fprintf(f, "%*s- ", indent, "");
			if (json_is_object(x) && json_object_size(x))
				yaml(f, x, indent + 2, 1);
			else
				yaml(f, x, 0, 0);
		}
		if (!json_array_size(v))
			fputs("[]\n", f);
		return;
	}
	scalar(f, v);
}

static int
cmd_config_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct config_opts o = { 0 };
	json_t *m;
	int ret;

	if ((ret = cmd_parse(&cmd_config_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	m = model(&ctx->ws);
	if (o.json) {
		json_dumpf(m, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		yaml(stdout, m, 0, 0);
	}
	json_decref(m);
	return EXIT_OK;
}
