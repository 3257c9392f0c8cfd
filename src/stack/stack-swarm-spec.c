/* stack-swarm-spec.c: what a Swarm service of the stack should be: its
 * ServiceSpec (Engine API 1.41), and a hash per section of it, so that a
 * re-apply updates only what changed and says what did. */

#include <stdlib.h>
#include <string.h>

#include "stack.h"

/* Rolling updates: one task at a time, the new one started (and healthy,
 * when it has a healthcheck) before the old one stops; a task that fails
 * within the monitor window rolls the whole service back. */
#define MONITOR_NS 5000000000LL

char *
stack_swarm_service_name(const struct ws *ws, const struct service *svc)
{
	return xasprintf("%s_%s", ws->name, svc->name);
}

static json_t *
restart_policy(const char *restart, int one_shot)
{
	const char *colon = restart ? strchr(restart, ':') : NULL;

	/* Swarm's own default is "any"; what others wait to complete must
	 * not be started again */
	if (!restart)
		return json_pack("{s:s}", "Condition", one_shot ? "none" : "any");
	if (!strcmp(restart, "no"))
		return json_pack("{s:s}", "Condition", "none");
	if (!strncmp(restart, "on-failure", 10))
		return colon ? json_pack("{s:s, s:I}", "Condition", "on-failure",
					 "MaxAttempts",
					 (json_int_t)atoi(colon + 1))
			     : json_pack("{s:s}", "Condition", "on-failure");
	return json_pack("{s:s}", "Condition", "any");	/* always, unless-stopped */
}

static json_t *
endpoint(const struct service *svc, const int *ports)
{
	json_t *list = json_array();
	size_t i;

	/* published through the routing mesh: every node answers on it */
	for (i = 0; i < svc->nports; i++)
		json_array_append_new(list, json_pack(
			"{s:s, s:i, s:i, s:s}", "Protocol",
			spec_proto_name(svc->ports[i].proto), "TargetPort",
			(int)svc->ports[i].port, "PublishedPort", ports[i],
			"PublishMode", "ingress"));
	return json_pack("{s:s, s:o}", "Mode", "vip", "Ports", list);
}

/* every service answers to its own name on each network it joins */
static json_t *
networks(const struct ws *ws, const struct service *svc)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < (svc->networks.n ? svc->networks.n : 1); i++) {
		const char *net = svc->networks.n ? svc->networks.v[i]
						  : "default";
		char *name = stack_network_name(ws, net);

		json_array_append_new(list, json_pack("{s:s, s:o}", "Target",
			name, "Aliases", stack_aliases(svc, net)));
		free(name);
	}
	return list;
}

/* "HOST:ADDRESS" as a hosts line, "ADDRESS HOST" */
static json_t *
hosts(const struct strlist *extra)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < extra->n; i++) {
		const char *colon = strchr(extra->v[i], ':');
		char *line;

		if (!colon)	/* validation refused it */
			continue;
		line = xasprintf("%s %.*s", colon + 1,
				 (int)(colon - extra->v[i]), extra->v[i]);
		json_array_append_new(list, json_string(line));
		free(line);
	}
	return list;
}

/* How the tasks run (user, limits...): into the ContainerSpec cs and the
 * task's Resources; what was set also into opts, empty when nothing was. */
static void
run_options(const struct run_opts *r, json_t *cs, json_t *resources,
	    json_t *opts)
{
	json_t *c = json_object(), *limits = json_object(), *dns;
	const char *k;
	json_t *v;

	stack_spec_set_str(c, "User", r->user);
	stack_spec_set_str(c, "Dir", r->working_dir);
	stack_spec_set_str(c, "Hostname", r->hostname);
	stack_spec_set_str(c, "StopSignal", r->stop_signal);
	if (r->tty)
		json_object_set_new(c, "TTY", json_true());
	if (r->stdin_open)
		json_object_set_new(c, "OpenStdin", json_true());
	if (r->init)
		json_object_set_new(c, "Init", json_true());
	if (r->read_only)
		json_object_set_new(c, "ReadOnly", json_true());
	stack_spec_set_list(c, "CapabilityAdd", &r->cap_add);
	stack_spec_set_list(c, "CapabilityDrop", &r->cap_drop);
	stack_spec_set_list(c, "Groups", &r->group_add);
	if (r->extra_hosts.n)
		json_object_set_new(c, "Hosts", hosts(&r->extra_hosts));
	dns = json_object();
	stack_spec_set_list(dns, "Nameservers", &r->dns);
	stack_spec_set_list(dns, "Search", &r->dns_search);
	stack_spec_set_list(dns, "Options", &r->dns_opt);
	if (json_object_size(dns))
		json_object_set(c, "DNSConfig", dns);
	json_decref(dns);
	if (r->has_stop_grace)	/* nanoseconds here */
		json_object_set_new(c, "StopGracePeriod", json_integer(
			(json_int_t)r->stop_grace_ms * 1000000));
	if (r->sysctls.n)
		json_object_set_new(c, "Sysctls", stack_spec_sysctls(r));
	if (r->nulimits)
		json_object_set_new(c, "Ulimits", stack_spec_ulimits(r));
	if (r->mem_limit)
		json_object_set_new(limits, "MemoryBytes",
				    json_integer((json_int_t)r->mem_limit));
	if (r->nano_cpus)
		json_object_set_new(limits, "NanoCPUs",
				    json_integer((json_int_t)r->nano_cpus));
	if (r->pids_limit)
		json_object_set_new(limits, "Pids",
				    json_integer((json_int_t)r->pids_limit));
	json_object_foreach(c, k, v)
		json_object_set(cs, k, v);
	if (json_object_size(limits))
		json_object_set(resources, "Limits", limits);
	if (json_object_size(c))
		json_object_set(opts, "container", c);
	if (json_object_size(limits))
		json_object_set(opts, "limits", limits);
	json_decref(c);
	json_decref(limits);
}

/* The service's mounts: volumes and binds as a container's, and each
 * tmpfs path (validation refused tmpfs options). */
static json_t *
mounts(const struct ws *ws, const struct service *svc, int in_vm)
{
	json_t *list = stack_spec_mounts(ws, svc, in_vm);
	size_t i;

	for (i = 0; i < svc->run.tmpfs.n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "Type",
			"tmpfs", "Target", svc->run.tmpfs.v[i]));
	return list;
}

/* UpdateConfig, and RollbackConfig (on_failure "pause"): one task at a
 * time, start-first */
static json_t *
rolling(const char *on_failure)
{
	return json_pack("{s:i, s:I, s:s, s:I, s:f, s:s}", "Parallelism", 1,
			 "Delay", (json_int_t)0, "FailureAction", on_failure,
			 "Monitor", (json_int_t)MONITOR_NS, "MaxFailureRatio",
			 0.0, "Order", "start-first");
}

enum { SEC_IMAGE, SEC_COMMAND, SEC_ENV, SEC_PORTS, SEC_VOLUMES, SEC_HEALTH,
       SEC_RESTART, SEC_LABELS, SEC_NETWORKS, SEC_OPTIONS, SEC_REPLICAS,
       NSECTIONS };	/* a container's, and replicas: stack-spec.c names them */

void
stack_swarm_desire(const struct ws *ws, const struct service *svc,
		   const char *image_ref, const char *image_id,
		   const char *context, const int *ports, int in_vm,
		   int one_shot, struct swarm_desired *out)
{
	json_t *cs = json_object(), *task = json_object(), *labels;
	json_t *resources = json_object(), *opts = json_object(), *user;
	json_t *sec[NSECTIONS];
	size_t i;

	memset(out, 0, sizeof(*out));
	out->svc = svc;
	out->name = stack_swarm_service_name(ws, svc);

	json_object_set_new(cs, "Image", json_string(image_ref));
	/* Swarm's Command is the image's entrypoint, its Args the command */
	if (svc->has_entrypoint)
		json_object_set_new(cs, "Command",
				    stack_spec_strings(&svc->entrypoint));
	if (svc->has_command)
		json_object_set_new(cs, "Args",
				    stack_spec_strings(&svc->command));
	json_object_set_new(cs, "Env", stack_spec_env(svc));
	json_object_set_new(cs, "Mounts", mounts(ws, svc, in_vm));
	if (svc->health.set)
		json_object_set_new(cs, "HealthCheck",
				    stack_spec_health(&svc->health));
	user = json_object();
	for (i = 0; i < svc->labels.n; i++)
		json_object_set_new(user, svc->labels.v[i].key,
				    json_string(svc->labels.v[i].value));
	run_options(&svc->run, cs, resources, opts);

	sec[SEC_IMAGE] = json_pack("{s:s, s:s?, s:s?}", "ref", image_ref, "id",
				   image_id, "context", context);
	sec[SEC_COMMAND] = json_pack("{s:O?, s:O?}", "cmd",
				     json_object_get(cs, "Args"), "entrypoint",
				     json_object_get(cs, "Command"));
	sec[SEC_ENV] = json_incref(json_object_get(cs, "Env"));
	sec[SEC_PORTS] = endpoint(svc, ports);
	sec[SEC_VOLUMES] = json_incref(json_object_get(cs, "Mounts"));
	sec[SEC_HEALTH] = json_object_get(cs, "HealthCheck")
		? json_incref(json_object_get(cs, "HealthCheck")) : json_null();
	sec[SEC_RESTART] = restart_policy(svc->restart, one_shot);
	sec[SEC_LABELS] = user;
	sec[SEC_NETWORKS] = networks(ws, svc);
	sec[SEC_OPTIONS] = opts;
	sec[SEC_REPLICAS] = json_integer(svc->replicas);

	/* the task's containers carry the workspace's labels, so that what
	 * reads containers (logs, exec, dash) finds those on its node */
	labels = json_deep_copy(user);
	json_object_set_new(labels, LABEL_WORKSPACE, json_string(ws->name));
	json_object_set_new(labels, LABEL_DIR, json_string(ws->dir));
	json_object_set_new(labels, LABEL_SERVICE, json_string(svc->name));
	json_object_set_new(cs, "Labels", labels);
	json_object_set_new(task, "ContainerSpec", cs);
	json_object_set_new(task, "Resources", resources);
	json_object_set(task, "RestartPolicy", sec[SEC_RESTART]);
	json_object_set(task, "Networks", sec[SEC_NETWORKS]);

	stack_sections_digest(sec, NSECTIONS, &out->hash, &out->sections);

	out->spec = json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:o, "
			      "s:{s:{s:O}}, s:o, s:o, s:O}",
		"Name", out->name,
		"Labels", LABEL_WORKSPACE, ws->name, LABEL_DIR, ws->dir,
		LABEL_SERVICE, svc->name, LABEL_HASH, out->hash,
		LABEL_SECTIONS, out->sections,
		"TaskTemplate", task,
		"Mode", "Replicated", "Replicas", sec[SEC_REPLICAS],
		/* a one-shot's task that ends is what it is for, which the
		 * updater would count as a failure */
		"UpdateConfig", rolling(one_shot ? "continue" : "rollback"),
		"RollbackConfig", rolling("pause"),
		"EndpointSpec", sec[SEC_PORTS]);
	for (i = 0; i < NSECTIONS; i++)
		json_decref(sec[i]);
}

void
swarm_desired_release(struct swarm_desired *d)
{
	free(d->name);
	free(d->hash);
	free(d->sections);
	json_decref(d->spec);
	memset(d, 0, sizeof(*d));
}
