/* config-swarm.c: what a Swarm service cannot have. With stack.mode =
 * "swarm" each service becomes a Swarm service, whose tasks Swarm makes;
 * a setting that only a container made by berth could honour is refused
 * by its name, never dropped in silence. */

#include <string.h>

#include "config-walk.h"

/* Settings of struct run_opts that a service's ContainerSpec (API 1.41)
 * has no field for. */
static const char *const no_swarm_field[] = {
	"domainname", "mac_address", "ipc", "pid", "userns_mode", "uts",
	"cgroup", "cgroup_parent", "runtime", "cpuset", "privileged",
	"oom_kill_disable", "security_opt", "device_cgroup_rules",
};

static int
run_field_set(const struct run_field *f)
{
	return (f->str && *f->str) || (f->flag && *f->flag) ||
	       (f->list && f->list->n);
}

static void
check_run(struct walk *w, const struct service *svc)
{
	struct run_field f[RUN_FIELDS];
	size_t i, k;

	/* only reads: the table points into the service */
	run_fields((struct run_opts *)&svc->run, f);
	for (i = 0; i < RUN_FIELDS; i++) {
		if (!run_field_set(&f[i]))
			continue;
		for (k = 0; k < ARRAY_SIZE(no_swarm_field); k++)
			if (!strcmp(f[i].key, no_swarm_field[k]))
				walk_check_report(w, svc, f[i].key, "leave it "
					"out, or use stack.mode = \"containers\"",
					"'%s' of service '%s': a Swarm service "
					"has no such setting", f[i].key,
					svc->name);
	}
	if (svc->run.shm_size)
		walk_check_report(w, svc, "shm_size", "mount a tmpfs at "
				  "/dev/shm instead", "'shm_size' of service "
				  "'%s': a Swarm service has no such setting",
				  svc->name);
	for (i = 0; i < svc->run.tmpfs.n; i++)
		if (strchr(svc->run.tmpfs.v[i], ':'))
			walk_check_report(w, svc, "tmpfs", "give the path "
					  "alone, such as \"/run\"", "tmpfs "
					  "options ('%s' of service '%s') are "
					  "not passed to a Swarm service",
					  svc->run.tmpfs.v[i], svc->name);
}

void
walk_check_swarm(struct walk *w)
{
	const struct ws *ws = w->ws;
	size_t i;

	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];

		if (svc->container_name)
			walk_check_report(w, svc, "container_name", "leave it "
				"out: the service answers to its name on its "
				"networks", "'container_name' of service '%s': "
				"Swarm names the containers of its tasks",
				svc->name);
		if (svc->ipv4.n)
			walk_check_report(w, svc, "networks", "leave it out: "
				"the service answers to its name", "a fixed "
				"address for service '%s': Swarm gives its "
				"tasks their addresses", svc->name);
		check_run(w, svc);
	}
}
