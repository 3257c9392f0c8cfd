/* config-stack.c: the Berthfile's stack: services, networks and volumes. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compose.h"
#include "config-walk.h"
#include "util.h"

static const char *const stack_keys[] = { "services", "networks", "volumes",
					   "compose", "profiles", "mode" };
static const char *const stack_modes[] = { "containers", "swarm" };
static const char *const service_keys[] = {
	"name", "image", "build", "load", "from_host", "command", "entrypoint",
	"environment", "env_file", "ports", "volumes", "depends_on",
	"healthcheck", "restart", "replicas", "labels", "networks",
	/* config-run.c */
	"user", "working_dir", "hostname", "stop_signal", "stop_grace_period",
	"tty", "stdin_open", "privileged", "init", "read_only", "cap_add",
	"cap_drop", "extra_hosts", "dns", "dns_search", "security_opt",
	"group_add", "tmpfs", "shm_size", "mem_limit", "cpus", "pids_limit",
	"sysctls", "ulimits", "aliases", "domainname", "mac_address", "ipc",
	"pid", "userns_mode", "uts", "cgroup", "cgroup_parent", "runtime",
	"cpuset", "oom_kill_disable", "dns_opt", "device_cgroup_rules",
};
static const char *const build_keys[] = { "context", "dockerfile", "args",
					  "target" };
static const char *const health_keys[] = { "test", "interval", "timeout",
					   "start_period", "retries",
					   "disable" };
static const char *const conditions[] = { "started", "healthy", "completed" };
static const char *const restart_modes[] = { "no", "always", "on-failure",
					     "unless-stopped" };

static void
walk_build(struct walk *w, struct service *svc, const config_setting_t *s,
	   const char *path)
{
	const char *context = NULL, *dockerfile = "Dockerfile", *target;
	char *df;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		context = config_setting_get_string(s);
	} else if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
		const config_setting_t *args;
		char *p;

		walk_check_keys(w, s, path, build_keys, ARRAY_SIZE(build_keys));
		if (walk_string(w, s, "context", path, &context) == 0)
			walk_report(w, s, path, NULL, "needs 'context', the "
				    "folder to build from");
		walk_string(w, s, "dockerfile", path, &dockerfile);
		if (walk_string(w, s, "target", path, &target) > 0)
			svc->build_target = xstrdup(target);
		if ((args = config_setting_get_member(s, "args"))) {
			p = walk_path(path, "args");
			walk_kv(w, args, p, &svc->build_args);
			free(p);
		}
	} else {
		walk_report(w, s, path, NULL, "expected a folder name in quotes "
			    "or a group { context = ...; dockerfile = ...; }");
	}
	if (!context || !*context)
		return;
	svc->build_context = walk_resolve(w, context);
	svc->dockerfile = xstrdup(dockerfile);
	if (!path_is_dir(svc->build_context)) {
		walk_report(w, s, path, NULL, "build context '%s' is not a "
			    "folder", svc->build_context);
		return;
	}
	df = path_join(svc->build_context, dockerfile);
	if (!path_exists(df))
		walk_report(w, s, path, NULL, "'%s' does not exist", df);
	free(df);
}

static void
walk_command(struct walk *w, const config_setting_t *s, const char *path,
	     struct strlist *out)
{
	/* a plain string runs through a shell, as in a Dockerfile */
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		strlist_push(out, "/bin/sh");
		strlist_push(out, "-c");
		strlist_push(out, config_setting_get_string(s));
		return;
	}
	walk_strings(w, s, path, out);
}

#define ENV_FILE_MAX (1 << 20)

static void
read_env_file(struct walk *w, struct service *svc, const char *file,
	      const config_setting_t *s, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int bad, first_bad = 0;

	/* a device or FIFO here would hang validation, or fill memory */
	if (sb_read_regular(&sb, file, ENV_FILE_MAX) < 0) {
		walk_report(w, s, path, NULL, "env file '%s' cannot be read "
			    "(a regular file of at most 1 MiB): %s", file,
			    err_msg());
		goto out;
	}
	bad = spec_parse_env_file(sb.buf, &svc->environment, &first_bad);
	/* the lines themselves stay unsaid: an env file holds secrets, and
	 * a wrong path may name any file; one message, not one a line */
	if (bad)
		diags_add(w->d, file, first_bad, path, "write KEY=value",
			  "%d line%s of the env file %s not KEY=value, the "
			  "first this one", bad, bad > 1 ? "s" : "",
			  bad > 1 ? "are" : "is");
out:
	sb_release(&sb);
}

static void
walk_env_files(struct walk *w, struct service *svc,
	       const config_setting_t *s, const char *path)
{
	struct strlist names = { 0 };
	size_t i;

	walk_strings(w, s, path, &names);
	for (i = 0; i < names.n; i++) {
		char *file = walk_resolve(w, names.v[i]);

		strlist_push(&svc->env_files, file);
		read_env_file(w, svc, file, s, path);
		free(file);
	}
	strlist_release(&names);
}

static void
walk_mounts(struct walk *w, struct service *svc, const config_setting_t *s,
	    const char *path)
{
	int i, n = config_setting_length(s);

	if (!walk_is_list(s)) {
		walk_report(w, s, path, NULL, "expected a list such as "
			    "[ \"data:/var/lib/data\" ]");
		return;
	}
	svc->mounts = xcalloc((size_t)n, sizeof(*svc->mounts));
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
								(unsigned)i);
		char *p = walk_index_path(path, (size_t)i);
		struct mount_spec m;
		size_t k;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			walk_report(w, e, p, NULL, "expected a mount in quotes, "
				    "such as \"data:/var/lib/data\"");
		} else if (spec_parse_mount(config_setting_get_string(e),
					    &m) < 0) {
			walk_report(w, e, p, "expected VOLUME:/PATH[:ro] or "
				    "./DIR:/PATH[:ro]", "bad mount \"%s\": %s",
				    config_setting_get_string(e), err_msg());
		} else {
			m.line = (int)config_setting_source_line(e);
			for (k = 0; k < svc->nmounts; k++)
				if (!strcmp(svc->mounts[k].target, m.target))
					walk_report(w, e, p, NULL, "'%s' is "
						    "already mounted on line "
						    "%d", m.target,
						    svc->mounts[k].line);
			if (m.type == MOUNT_BIND) {
				char *abs = walk_resolve(w, m.source);

				free(m.source);
				m.source = abs;
			}
			svc->mounts[svc->nmounts++] = m;
		}
		free(p);
	}
}

static void
walk_deps(struct walk *w, struct service *svc, const config_setting_t *s,
	  const char *path)
{
	int i, n = config_setting_length(s);
	int group = config_setting_type(s) == CONFIG_TYPE_GROUP;

	if (!group && !walk_is_list(s)) {
		walk_report(w, s, path, NULL, "expected a list [ \"db\" ] or a "
			    "group { db = \"healthy\"; }");
		return;
	}
	svc->deps = xcalloc((size_t)n, sizeof(*svc->deps));
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
								(unsigned)i);
		struct dependency *dep = &svc->deps[svc->ndeps];
		char *p = group ? walk_path(path, config_setting_name(e))
				: walk_index_path(path, (size_t)i);
		int cond = DEP_STARTED;

		if (group) {
			const config_setting_t *c = e;

			if (config_setting_type(e) == CONFIG_TYPE_GROUP) {
				static const char *const keys[] = {
					"condition" };

				walk_check_keys(w, e, p, keys, 1);
				c = config_setting_get_member(e, "condition");
			}
			if (c && walk_choice(w, config_setting_parent(c),
					     config_setting_name(c),
					     config_setting_type(e) ==
					     CONFIG_TYPE_GROUP ? p : path,
					     conditions, ARRAY_SIZE(conditions),
					     &cond) < 0) {
				free(p);
				continue;
			}
			dep->service = xstrdup(config_setting_name(e));
		} else if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			walk_report(w, e, p, NULL, "expected a service name in "
				    "quotes");
			free(p);
			continue;
		} else {
			dep->service = xstrdup(config_setting_get_string(e));
		}
		dep->condition = (enum dep_condition)cond;
		dep->line = (int)config_setting_source_line(e);
		svc->ndeps++;
		free(p);
	}
}

static void
walk_health(struct walk *w, struct service *svc, const config_setting_t *s,
	    const char *path)
{
	static const char *const dkeys[] = { "interval", "timeout",
					     "start_period" };
	struct healthcheck *h = &svc->health;
	uint64_t *douts[] = { &h->interval_ms, &h->timeout_ms,
			      &h->start_period_ms };
	const config_setting_t *t;
	size_t i;

	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		walk_report(w, s, path, NULL, "expected a group { test = ...; "
			    "interval = \"5s\"; }");
		return;
	}
	h->set = 1;
	walk_check_keys(w, s, path, health_keys, ARRAY_SIZE(health_keys));
	walk_bool(w, s, "disable", path, &h->disabled);
	walk_int(w, s, "retries", path, 1, 1000, &h->retries);
	for (i = 0; i < ARRAY_SIZE(dkeys); i++) {
		const char *v;

		if (walk_string(w, s, dkeys[i], path, &v) > 0 &&
		    spec_parse_duration(v, douts[i]) < 0) {
			char *p = walk_path(path, dkeys[i]);

			walk_report_err(w, config_setting_get_member(s,
								     dkeys[i]),
					p, "bad duration");
			free(p);
		}
	}
	if (!(t = config_setting_get_member(s, "test")))
		return;
	if (config_setting_type(t) == CONFIG_TYPE_STRING) {
		strlist_push(&h->test, "CMD-SHELL");
		strlist_push(&h->test, config_setting_get_string(t));
	} else {
		struct strlist words = { 0 };
		char *p = walk_path(path, "test");
		size_t k;

		if (walk_strings(w, t, p, &words) > 0) {
			if (!words.n)
				walk_report(w, t, p, NULL, "the test is empty");
			else if (strcmp(words.v[0], "CMD") &&
				 strcmp(words.v[0], "CMD-SHELL") &&
				 strcmp(words.v[0], "NONE"))
				strlist_push(&h->test, "CMD");
			for (k = 0; k < words.n; k++)
				strlist_push(&h->test, words.v[k]);
		}
		strlist_release(&words);
		free(p);
	}
}

static void
walk_restart(struct walk *w, struct service *svc,
	     const config_setting_t *group, const char *path)
{
	const char *v;
	int mode;

	if (walk_string(w, group, "restart", path, &v) <= 0)
		return;
	if (!strncmp(v, "on-failure:", 11)) {
		const char *n = v + 11;

		if (!*n || strspn(n, "0123456789") != strlen(n)) {
			char *p = walk_path(path, "restart");

			walk_report(w, config_setting_get_member(group,
								 "restart"),
				    p, NULL, "expected \"on-failure:N\" with N "
				    "a number, found \"%s\"", v);
			free(p);
			return;
		}
		svc->restart = xstrdup(v);
		return;
	}
	if (walk_choice(w, group, "restart", path, restart_modes,
			ARRAY_SIZE(restart_modes), &mode) > 0)
		svc->restart = xstrdup(restart_modes[mode]);
}

static void
walk_labels(struct walk *w, struct service *svc, const config_setting_t *s,
	    const char *path)
{
	size_t i;

	if (walk_kv(w, s, path, &svc->labels) <= 0)
		return;
	for (i = 0; i < svc->labels.n; i++)
		if (!strncmp(svc->labels.v[i].key, "berth.", 6))
			walk_report(w, s, path, "pick another prefix",
				    "label '%s': the 'berth.' prefix is "
				    "reserved for berth's own labels",
				    svc->labels.v[i].key);
}

static void
walk_service(struct walk *w, struct service *svc, const config_setting_t *g,
	     const char *path)
{
	const config_setting_t *s;
	const char *str;
	char *p;
	int unknown;

	svc->line = (int)config_setting_source_line(g);
	svc->replicas = 1;
	unknown = walk_check_keys(w, g, path, service_keys,
				  ARRAY_SIZE(service_keys));
	if (walk_string(w, g, "name", path, &str) > 0) {
		svc->name = xstrdup(str);
		if (!spec_valid_name(str, 63)) {
			char *good = spec_name_from(str, 63);
			char *hint = xasprintf("such as \"%s\"", good);

			p = walk_path(path, "name");
			walk_report(w, config_setting_get_member(g, "name"), p,
				    hint, "\"%s\" is not a valid service name:"
				    " use lower-case letters, digits, '-' and "
				    "'_'", str);
			free(p);
			free(hint);
			free(good);
		}
	} else if (!config_setting_get_member(g, "name")) {
		walk_report(w, g, path, "add name = \"...\";",
			    "every service needs a name");
	}
	if (walk_string(w, g, "image", path, &str) > 0) {
		svc->image = xstrdup(str);
		if (!spec_valid_image_ref(str)) {
			p = walk_path(path, "image");
			walk_report(w, config_setting_get_member(g, "image"), p,
				    NULL, "\"%s\" is not a valid image "
				    "reference: repository names are lower "
				    "case, without spaces", str);
			free(p);
		}
	}
	if ((s = config_setting_get_member(g, "build"))) {
		p = walk_path(path, "build");
		walk_build(w, svc, s, p);
		free(p);
	}
	if (walk_string(w, g, "load", path, &str) > 0) {
		svc->load = walk_resolve(w, str);
		if (!path_exists(svc->load)) {
			p = walk_path(path, "load");
			walk_report(w, config_setting_get_member(g, "load"), p,
				    "save one with 'docker save -o FILE IMAGE'",
				    "image archive '%s' does not exist",
				    svc->load);
			free(p);
		}
	}
	walk_bool(w, g, "from_host", path, &svc->from_host);
	/* with a misspelt key, "no image" is likely that typo again */
	if (!unknown && !svc->image && !svc->build_context && !svc->load &&
	    !config_setting_get_member(g, "build"))
		walk_report(w, g, path, "add image = \"...\", build = \"DIR\" "
			    "or load = \"FILE.tar\"",
			    "service '%s' has no image", svc->name ?
			    svc->name : "?");
	if (config_setting_get_member(g, "build") && svc->load)
		walk_report(w, config_setting_get_member(g, "load"), path,
			    "keep one of them", "'build' and 'load' both say "
			    "where the image comes from");
	if (svc->from_host && !svc->image)
		walk_report(w, config_setting_get_member(g, "from_host"), path,
			    "add image = \"NAME\"", "'from_host' copies an "
			    "image from the host's engine, so it needs "
			    "'image'");
	if ((s = config_setting_get_member(g, "command"))) {
		p = walk_path(path, "command");
		svc->has_command = 1;
		walk_command(w, s, p, &svc->command);
		free(p);
	}
	if ((s = config_setting_get_member(g, "entrypoint"))) {
		p = walk_path(path, "entrypoint");
		svc->has_entrypoint = 1;
		walk_command(w, s, p, &svc->entrypoint);
		free(p);
	}
	/* env_file first: 'environment' overrides it, as in compose */
	if ((s = config_setting_get_member(g, "env_file"))) {
		p = walk_path(path, "env_file");
		walk_env_files(w, svc, s, p);
		free(p);
	}
	if ((s = config_setting_get_member(g, "environment"))) {
		p = walk_path(path, "environment");
		walk_kv(w, s, p, &svc->environment);
		free(p);
	}
	if ((s = config_setting_get_member(g, "ports"))) {
		p = walk_path(path, "ports");
		walk_ports(w, s, p, &svc->ports, &svc->nports);
		free(p);
	}
	if ((s = config_setting_get_member(g, "volumes"))) {
		p = walk_path(path, "volumes");
		walk_mounts(w, svc, s, p);
		free(p);
	}
	if ((s = config_setting_get_member(g, "depends_on"))) {
		p = walk_path(path, "depends_on");
		walk_deps(w, svc, s, p);
		free(p);
	}
	if ((s = config_setting_get_member(g, "healthcheck"))) {
		p = walk_path(path, "healthcheck");
		walk_health(w, svc, s, p);
		free(p);
	}
	walk_restart(w, svc, g, path);
	walk_int(w, g, "replicas", path, 0, 100, &svc->replicas);
	if ((s = config_setting_get_member(g, "labels"))) {
		p = walk_path(path, "labels");
		walk_labels(w, svc, s, p);
		free(p);
	}
	if ((s = config_setting_get_member(g, "networks"))) {
		p = walk_path(path, "networks");
		walk_strings(w, s, p, &svc->networks);
		free(p);
	}
	walk_run(w, svc, g, path);
}

/* stack.networks and stack.volumes: lists of names. */
static void
walk_names(struct walk *w, const config_setting_t *s, const char *path,
	   struct strlist *out)
{
	struct strlist names = { 0 };
	size_t i;

	if (config_setting_type(s) == CONFIG_TYPE_STRING || !walk_is_list(s)) {
		walk_report(w, s, path, NULL, "expected a list of names such "
			    "as [ \"data\" ]");
		return;
	}
	walk_strings(w, s, path, &names);
	for (i = 0; i < names.n; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
								(unsigned)i);
		char *p = walk_index_path(path, i);

		if (!spec_valid_name(names.v[i], 64))
			walk_report(w, e, p, NULL, "\"%s\" is not a valid name:"
				    " use lower-case letters, digits, '-' and "
				    "'_'", names.v[i]);
		else if (strlist_has(out, names.v[i]))
			walk_report(w, e, p, NULL, "\"%s\" is declared twice",
				    names.v[i]);
		else
			strlist_push(out, names.v[i]);
		free(p);
	}
	strlist_release(&names);
}

/* compose's rule, [a-zA-Z0-9][a-zA-Z0-9_.-]+, and "*" for every one */
static int
profile_name_valid(const char *s)
{
	size_t i;

	if (!strcmp(s, "*"))
		return 1;
	if (!isalnum((unsigned char)s[0]) || !s[1])
		return 0;
	for (i = 1; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return 0;
	return 1;
}

/*
 * stack.compose: the stack is the project's compose files, read with
 * compose's meaning (the first the project's, the others overrides); the
 * Berthfile keeps the workspace's name, its VM and its engine.
 * stack.profiles are compose profiles always active here, so that an
 * environment can turn on its own (debug tools, a mail catcher).
 */
static void
walk_compose(struct walk *w, const config_setting_t *stack,
	     const config_setting_t *s)
{
	static const char *const alone[] = { "services", "networks",
					     "volumes" };
	struct strlist names = { 0 }, files = { 0 }, profiles = { 0 };
	const config_setting_t *prof;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(alone); i++)
		if (config_setting_get_member(stack, alone[i])) {
			char *p = walk_path("stack", alone[i]);

			walk_report(w, config_setting_get_member(stack,
								 alone[i]),
				    p, "keep them in the compose file", "the "
				    "stack comes from stack.compose: it cannot "
				    "have %s here too", alone[i]);
			free(p);
		}
	if (walk_strings(w, s, "stack.compose", &names) <= 0 || !names.n) {
		if (!names.n)
			walk_report(w, s, "stack.compose", "such as [ "
				    "\"compose.yaml\" ]", "name at least one "
				    "compose file");
		goto out;
	}
	if ((prof = config_setting_get_member(stack, "profiles")) &&
	    walk_strings(w, prof, "stack.profiles", &profiles) > 0)
		for (i = 0; i < profiles.n; i++)
			if (!profile_name_valid(profiles.v[i]))
				walk_report(w, prof, "stack.profiles", NULL,
					    "\"%s\" is not a profile name: "
					    "use letters, digits, '_', '.' and "
					    "'-' (or \"*\" for all)",
					    profiles.v[i]);
	for (i = 0; i < names.n; i++) {
		char *file = walk_resolve(w, names.v[i]);

		strlist_push(&files, file);
		free(file);
	}
	compose_read(w->ws, &files, &names, &profiles, 0, w->d);
out:
	strlist_release(&profiles);
	strlist_release(&names);
	strlist_release(&files);
}

void
walk_stack(struct walk *w, const config_setting_t *stack)
{
	struct ws *ws = w->ws;
	const config_setting_t *s, *services;
	int i, n;

	if (config_setting_type(stack) != CONFIG_TYPE_GROUP) {
		walk_report(w, stack, "stack", NULL,
			    "expected a group stack = { services = ( ... ); };");
		return;
	}
	walk_check_keys(w, stack, "stack", stack_keys, ARRAY_SIZE(stack_keys));
	if (walk_choice(w, stack, "mode", "stack", stack_modes,
			ARRAY_SIZE(stack_modes), &i) > 0)
		ws->stack.mode = (enum stack_mode)i;
	if ((s = config_setting_get_member(stack, "compose"))) {
		walk_compose(w, stack, s);
		return;
	}
	if ((s = config_setting_get_member(stack, "profiles")))
		walk_report(w, s, "stack.profiles", "or give the services here "
			    "only to the environments that want them",
			    "profiles are compose's: they apply only with "
			    "stack.compose");
	if ((s = config_setting_get_member(stack, "networks")))
		walk_names(w, s, "stack.networks", &ws->stack.networks);
	if ((s = config_setting_get_member(stack, "volumes")))
		walk_names(w, s, "stack.volumes", &ws->stack.volumes);
	if (!(services = config_setting_get_member(stack, "services")))
		return;
	if (!walk_is_list(services)) {
		walk_report(w, services, "stack.services", NULL, "expected a "
			    "list of groups: services = ( { name = ...; } );");
		return;
	}
	n = config_setting_length(services);
	ws->stack.services = xcalloc((size_t)n, sizeof(struct service));
	for (i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(services,
								(unsigned)i);
		char *p = walk_index_path("stack.services", (size_t)i);

		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			walk_report(w, g, p, NULL, "expected a group "
				    "{ name = ...; image = ...; }");
		else {
			struct service *svc;

			svc = &ws->stack.services[ws->stack.nservices++];
			svc->index = i;
			walk_service(w, svc, g, p);
		}
		free(p);
	}
}
