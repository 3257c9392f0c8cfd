/*
 * environments.c: the named environments of one workspace. BERTH_ENV
 * (berth -e NAME) picks one; "default" is the Berthfile as written. Any
 * other runs beside it: it is named WORKSPACE-NAME (its own VM, project,
 * volumes and state), the host ports the base pins are picked afresh
 * unless the environment pins its own, and the Berthfile's
 * environments.NAME settings are merged over the base before it is read.
 */

#include <stdlib.h>
#include <string.h>

#include "config-walk.h"
#include "spec.h"
#include "util.h"

/* the hook of every setting an environment gave, so that its ports stay
 * pinned (only its address matters) */
static char from_environment;

int
ws_env_valid(const char *name)
{
	return name && *name && name[0] != '-' && name[0] != '_' &&
	       spec_valid_name(name, ENV_NAME_MAX);
}

const char *
ws_env_selected(void)
{
	const char *env = getenv("BERTH_ENV");

	return env && *env ? env : WS_ENV_DEFAULT;
}

int
ws_env_is_default(const struct ws *ws)
{
	return !ws->env || !strcmp(ws->env, WS_ENV_DEFAULT);
}

int
walk_env_given(const config_setting_t *s)
{
	return config_setting_get_hook(s) == &from_environment;
}

/* A copy of src as the last member or element of parent, with src's
 * file and line, so that what the walk finds in it points at the
 * environment's own text. */
static void
copy_setting(config_setting_t *parent, const config_setting_t *src)
{
	int type = config_setting_type(src), i, n;
	config_setting_t *c;

	c = config_setting_add(parent, config_setting_type(parent) ==
			       CONFIG_TYPE_GROUP ? config_setting_name(src)
						 : NULL, type);
	if (!c)
		fatal("cannot copy the setting '%s'", config_setting_name(src));
	switch (type) {
	case CONFIG_TYPE_INT:
		config_setting_set_int(c, config_setting_get_int(src));
		break;
	case CONFIG_TYPE_INT64:
		config_setting_set_int64(c, config_setting_get_int64(src));
		break;
	case CONFIG_TYPE_FLOAT:
		config_setting_set_float(c, config_setting_get_float(src));
		break;
	case CONFIG_TYPE_BOOL:
		config_setting_set_bool(c, config_setting_get_bool(src));
		break;
	case CONFIG_TYPE_STRING:
		config_setting_set_string(c, config_setting_get_string(src));
		break;
	default:
		n = config_setting_length(src);
		for (i = 0; i < n; i++)
			copy_setting(c, config_setting_get_elem(src,
								(unsigned)i));
	}
	config_setting_set_format(c, (short)src->format);
	c->line = src->line;
	c->file = src->file;
	config_setting_set_hook(c, &from_environment);
}

static void
replace_setting(config_setting_t *group, const config_setting_t *src)
{
	const char *name = config_setting_name(src);

	if (config_setting_get_member(group, name))
		config_setting_remove(group, name);
	copy_setting(group, src);
}

static const char *
service_name(const config_setting_t *g)
{
	const char *name = NULL;

	if (config_setting_type(g) == CONFIG_TYPE_GROUP)
		config_setting_lookup_string(g, "name", &name);
	return name;
}

static void merge_group(struct walk *w, const char *env,
			config_setting_t *base, const config_setting_t *over,
			const char *path);

/* stack.services: each of the environment's changes the base's service
 * of the same name, or adds a whole new one (with an image or a build). */
static void
merge_services(struct walk *w, const char *env, config_setting_t *base,
	       const config_setting_t *over)
{
	int i, k, n = config_setting_length(over), nb;

	for (i = 0; i < n; i++) {
		const config_setting_t *o = config_setting_get_elem(over,
								(unsigned)i);
		const char *name = service_name(o);
		config_setting_t *match = NULL;

		if (!name) {
			walk_report(w, o, "environments", "such as { name = "
				    "\"web\"; replicas = 2; }", "each service "
				    "of environment '%s' names the service it "
				    "changes or adds", env);
			continue;
		}
		nb = config_setting_length(base);
		for (k = 0; k < nb && !match; k++) {
			config_setting_t *b = config_setting_get_elem(base,
								(unsigned)k);
			const char *bn = service_name(b);

			if (bn && !strcmp(bn, name))
				match = b;
		}
		if (match)
			merge_group(w, env, match, o, "service");
		else if (config_setting_get_member(o, "image") ||
			 config_setting_get_member(o, "build"))
			copy_setting(base, o);
		else
			walk_report(w, o, "environments", "name one of the "
				    "base's services, or give a new one an "
				    "image or a build", "environment '%s' "
				    "changes service '%s', which the base does "
				    "not have", env, name);
	}
}

/* Groups merge member by member; anything else replaces the base's.
 * stack.compose files are added after the base's, as override files. */
static void
merge_group(struct walk *w, const char *env, config_setting_t *base,
	    const config_setting_t *over, const char *path)
{
	int i, k, n = config_setting_length(over);

	for (i = 0; i < n; i++) {
		const config_setting_t *o = config_setting_get_elem(over,
								(unsigned)i);
		const char *name = config_setting_name(o);
		config_setting_t *b = config_setting_get_member(base, name);
		char *p = walk_path(path, name);

		if (b && !strcmp(p, "stack.services") && walk_is_list(b) &&
		    walk_is_list(o)) {
			merge_services(w, env, b, o);
		} else if (b && !strcmp(p, "stack.compose") &&
			   config_setting_type(b) == CONFIG_TYPE_ARRAY &&
			   config_setting_type(o) == CONFIG_TYPE_ARRAY) {
			for (k = 0; k < config_setting_length(o); k++)
				copy_setting(b, config_setting_get_elem(o,
								(unsigned)k));
		} else if (b && config_setting_type(b) == CONFIG_TYPE_GROUP &&
			   config_setting_type(o) == CONFIG_TYPE_GROUP) {
			merge_group(w, env, b, o, p);
		} else {
			replace_setting(base, o);
		}
		free(p);
	}
}

void
walk_environments(struct walk *w, config_setting_t *top)
{
	config_setting_t *envs = config_setting_get_member(top,
							   "environments");
	const char *env = w->ws->env_settings;
	const config_setting_t *mine = NULL;
	int i, n;

	if (!envs)
		return;
	if (config_setting_type(envs) != CONFIG_TYPE_GROUP) {
		walk_report(w, envs, "environments", "such as environments = "
			    "{ test = { vm = { memory = \"3G\"; }; }; };",
			    "expected a group of named environments");
		return;
	}
	n = config_setting_length(envs);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(envs,
								(unsigned)i);
		const char *name = config_setting_name(e);
		char *p = walk_path("environments", name);

		if (!strcmp(name, WS_ENV_DEFAULT))
			walk_report(w, e, p, "put its settings at the top of "
				    "the Berthfile", "the default environment "
				    "is the Berthfile itself");
		else if (!ws_env_valid(name))
			walk_report(w, e, p, NULL, "\"%s\" is not a valid "
				    "environment name: use at most %d lower-"
				    "case letters, digits, '-' and '_'", name,
				    ENV_NAME_MAX);
		else if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			walk_report(w, e, p, "such as NAME = { vm = { memory "
				    "= \"3G\"; }; };", "expected a group of "
				    "settings for environment '%s'", name);
		else if (!strcmp(name, env))
			mine = e;
		free(p);
	}
	if (mine) {
		/* environments.NAME.environments would be read again below */
		if (config_setting_get_member(mine, "environments"))
			walk_report(w, config_setting_get_member(mine,
								 "environments"),
				    "environments", NULL, "an environment "
				    "cannot hold environments");
		else
			merge_group(w, env, top, mine, "");
	}
}

void
ws_env_port(const struct ws *ws, struct port_spec *p)
{
	if (!ws_env_is_default(ws) && !p->pinned)
		p->host_port = 0;
}

char *
ws_env_workspace_name(const struct ws *ws, const char *env)
{
	size_t n = strlen(ws->name), k = ws->env ? strlen(ws->env) : 0;
	size_t base = n;

	/* WORKSPACE-ENV back to WORKSPACE */
	if (!ws_env_is_default(ws) && n > k + 1 && ws->name[n - k - 1] == '-' &&
	    !strcmp(ws->name + n - k, ws->env))
		base = n - k - 1;
	if (!strcmp(env, WS_ENV_DEFAULT))
		return xasprintf("%.*s", (int)base, ws->name);
	return xasprintf("%.*s-%s", (int)base, ws->name, env);
}

/* The environment's own name, once the whole file is read. */
void
ws_env_finish(struct ws *ws)
{
	char *name;

	if (ws_env_is_default(ws))
		return;
	name = xasprintf("%s-%s", ws->name, ws->env);
	free(ws->name);
	ws->name = name;
}
