/* compose.c: compose files read into a workspace. The YAML is parsed
 * (yaml-doc.c), every value interpolated (interpolate.c), overrides
 * merged (merge.c) and extends resolved (extends.c); then each key is
 * read with compose's meaning, and one berth does not act on is named in
 * a note (an error with --strict), never dropped in silence. The checks
 * across services are the Berthfile's. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-walk.h"

const char *const compose_file_names[] = {
	"compose.yaml", "compose.yml", "docker-compose.yml",
	"docker-compose.yaml",
};
const size_t compose_file_count = ARRAY_SIZE(compose_file_names);

/* compose files of real projects are tens of KiB */
#define COMPOSE_MAX (4u << 20)

/* What compose files may say, and what of it berth does. */
static const char *const top_keys[] = { "name", "version", "services",
					 "networks", "volumes", "secrets",
					 "configs", "include" };
static const char *const top_unsupported[] = { "models" };
/* ---- interpolation, over the whole tree, before any key is read ---- */

static void
interpolate_tree(struct cwalk *c, struct ynode *n, const char *path)
{
	size_t i;
	char *v;

	if (n->kind == YNODE_SCALAR) {
		if (n->interpolated)
			return;
		n->interpolated = 1;
		if (!(v = compose_interpolate(n->text, &c->vars, &c->unset))) {
			cw_report(c, n, path, err_hint_msg(), "%s", err_msg());
			err_clear();
			return;
		}
		/* a value made by substitution is text, even when empty:
		 * "${UNSET}" is "", never null */
		if (strcmp(n->text, v))
			n->plain = 0;
		free(n->text);
		n->text = v;
		return;
	}
	for (i = 0; i < n->n; i++) {
		char *p;

		if (n->kind == YNODE_MAP && !(i % 2))
			continue;	/* keys are names, not values */
		if (n->kind == YNODE_MAP && !strncmp(n->items[i - 1]->text,
						     "x-", 2))
			continue;	/* extensions: only their uses count */
		p = n->kind == YNODE_MAP
		    ? (*path ? xasprintf("%s.%s", path, n->items[i - 1]->text)
			     : xstrdup(n->items[i - 1]->text))
		    : xasprintf("%s[%zu]", path, i);
		interpolate_tree(c, n->items[i], p);
		free(p);
	}
}

void
compose_interpolate_node(struct cwalk *c, struct ynode *n)
{
	interpolate_tree(c, n, "");
}

/* The environment first, then the project's .env where it says more. */
static void
load_vars(struct cwalk *c)
{
	extern char **environ;
	struct strbuf sb = STRBUF_INIT;
	char *file = path_join(c->w.ws->dir, ".env"), **e;
	int first_bad = 0, bad;

	if (path_exists(file)) {
		if (sb_read_regular(&sb, file, DOTENV_MAX) < 0) {
			diags_add(c->w.d, ".env", 0, NULL, "a regular file of "
				  "at most 1 MiB", "cannot read the project's "
				  ".env: %s", err_msg());
			err_clear();
		} else if ((bad = spec_parse_env_file(sb.buf, &c->vars,
						      &first_bad))) {
			diags_add(c->w.d, ".env", first_bad, NULL,
				  "write KEY=value", "%d line%s of .env %s not "
				  "KEY=value, the first this one", bad,
				  bad > 1 ? "s" : "", bad > 1 ? "are" : "is");
		}
	}
	for (e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		char *key;

		if (!eq)
			continue;
		key = xstrndup(*e, (size_t)(eq - *e));
		kvlist_set(&c->vars, key, eq + 1);
		free(key);
	}
	sb_release(&sb);
	free(file);
}

/* ---- the top level ---- */

/* name: the engine's name for it; external: someone else's, used as it
 * is and never made or removed by berth */
static void
read_engine_name(struct cwalk *c, const struct ynode *v, const char *what,
		 const char *name, const char *path)
{
	const struct ynode *n = ynode_get(v, "name"), *ext;
	const char *kind = !strcmp(what, "networks") ? "network" : "volume";
	char *key = xasprintf("%s:%s", kind, name);
	int external = 0;

	if ((ext = ynode_get(v, "external"))) {
		if (ext->kind == YNODE_MAP && ynode_get(ext, "name")) {
			n = ynode_get(ext, "name");	/* compose 2's form */
			external = 1;
		} else if ((external = ynode_bool(ext)) < 0) {
			cw_report(c, ext, path, NULL, "expected true or false");
			external = 0;
		}
	}
	if (n && cw_str(c, n, path)) {
		if (!*n->text || strchr(n->text, '/') || strchr(n->text, ' '))
			cw_report(c, n, path, NULL, "\"%s\" is not a name the "
				  "engine takes", n->text);
		else
			kvlist_set(&c->w.ws->stack.engine_names, key, n->text);
	} else if (external) {
		kvlist_set(&c->w.ws->stack.engine_names, key, name);
	}
	if (external)
		strlist_push(&c->w.ws->stack.external, key);
	free(key);
}

/* A network's ipam: the subnet (and gateway) of its first config. */
static void
read_ipam(struct cwalk *c, const struct ynode *n, const char *name,
	  const char *path)
{
	static const char *const keys[] = { "driver", "config" };
	static const char *const unsup[] = { "options" };
	static const char *const ckeys[] = { "subnet", "gateway" };
	static const char *const cunsup[] = { "ip_range", "aux_addresses" };
	const struct ynode *list, *cfg, *v;
	char *p = xasprintf("%s.ipam", path);
	const char *s;

	if (n->kind != YNODE_MAP) {
		cw_report(c, n, p, NULL, "expected { config: [{ subnet: "
			  "CIDR }] }");
		goto out;
	}
	cw_check_keys(c, n, p, keys, ARRAY_SIZE(keys), unsup,
		      ARRAY_SIZE(unsup));
	if ((v = ynode_get(n, "driver")) && ynode_str(v) &&
	    strcmp(v->text, "default"))
		cw_ignored(c, v, p, "ipam driver '%s': the engine's default",
			   v->text);
	if (!(list = ynode_get(n, "config")) || ynode_is_null(list))
		goto out;
	if (list->kind != YNODE_SEQ || !list->n ||
	    (cfg = list->items[0])->kind != YNODE_MAP) {
		cw_report(c, list, p, NULL, "expected a list of { subnet: "
			  "CIDR, gateway: ADDRESS }");
		goto out;
	}
	if (list->n > 1)
		cw_ignored(c, list->items[1], p, "a second ipam config: berth "
			   "gives the network its first");
	cw_check_keys(c, cfg, p, ckeys, ARRAY_SIZE(ckeys), cunsup,
		      ARRAY_SIZE(cunsup));
	if ((v = ynode_get(cfg, "subnet")) && (s = cw_str(c, v, p))) {
		if (!spec_valid_cidr4(s))
			cw_report(c, v, p, "write it as 172.28.0.0/16",
				  "subnet '%s' is not an IPv4 network", s);
		else
			kvlist_set(&c->w.ws->stack.subnets, name, s);
	}
	if ((v = ynode_get(cfg, "gateway")) && (s = cw_str(c, v, p))) {
		if (!spec_valid_ipv4(s))
			cw_report(c, v, p, NULL, "gateway '%s' is not an IPv4 "
				  "address", s);
		else
			kvlist_set(&c->w.ws->stack.gateways, name, s);
	}
out:
	free(p);
}

/* networks: or volumes: at the top, a mapping of NAME: settings. */
static void
read_declared(struct cwalk *c, const struct ynode *n, const char *what,
	      struct strlist *out)
{
	static const char *const keys[] = { "driver", "internal", "external",
					    "name", "ipam" };
	static const char *const unsup[] = {
		"driver_opts", "labels", "attachable", "enable_ipv6",
	};
	size_t i;

	if (n->kind != YNODE_MAP) {
		cw_report(c, n, what, NULL, "expected a mapping of names");
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		const char *name = n->items[i]->text;
		const struct ynode *v = n->items[i + 1], *drv;
		char *p = xasprintf("%s.%s", what, name);

		if (!spec_valid_name(name, 64))
			cw_report(c, n->items[i], p, NULL, "\"%s\" is not a valid "
			       "name: use lower-case letters, digits, '-' and "
			       "'_'", name);
		if (v->kind == YNODE_MAP) {
			cw_check_keys(c, v, p, keys, ARRAY_SIZE(keys), unsup,
				   ARRAY_SIZE(unsup));
			drv = ynode_get(v, "driver");
			if (drv && ynode_str(drv) && strcmp(drv->text,
				!strcmp(what, "networks") ? "bridge" : "local"))
				cw_ignored(c, drv, p, "driver '%s' is not "
					   "supported by berth yet: the "
					   "engine's default", drv->text);
			read_engine_name(c, v, what, name, p);
			if ((drv = ynode_get(v, "ipam"))) {
				if (strcmp(what, "networks"))
					cw_report(c, drv, p, NULL, "only a "
						  "network has ipam");
				else
					read_ipam(c, drv, name, p);
			}
			if ((drv = ynode_get(v, "internal")) &&
			    ynode_bool(drv) == 1) {
				if (strcmp(what, "networks"))
					cw_report(c, drv, p, NULL, "only a "
						  "network is internal");
				else
					strlist_push(&c->w.ws->stack.internal,
						     name);
			}
		} else if (!ynode_is_null(v)) {
			cw_report(c, v, p, NULL, "expected settings, or nothing");
		}
		/* the default network is there without being declared */
		if (strcmp(what, "networks") || strcmp(name, "default"))
			strlist_push(out, name);
		free(p);
	}
}

static int
locate(struct walk *w, const struct service *svc, const char *key,
       char **path, const char **file)
{
	struct cwalk *c = w->data;
	const struct ynode *g = c->svc_nodes[svc->index], *v;

	*path = key ? xasprintf("services.%s.%s", svc->name, key)
		    : xasprintf("services.%s", svc->name);
	v = key ? ynode_get(g, key) : NULL;
	*file = (v ? v : g)->file;
	return v ? v->line : g->line;
}

static void
read_project(struct cwalk *c, int take_name)
{
	struct ws *ws = c->w.ws;
	const struct ynode *root = c->doc.root, *v, *services;
	size_t i;

	if (!root || root->kind != YNODE_MAP) {
		cw_report(c, root, NULL, "start with services:", "a compose file "
		       "is a mapping with services");
		return;
	}
	cw_check_keys(c, root, "", top_keys, ARRAY_SIZE(top_keys),
		   top_unsupported, ARRAY_SIZE(top_unsupported));
	if ((v = ynode_get(root, "version")))
		cw_note(c, v, "version: obsolete in compose, and ignored");
	if ((v = ynode_get(root, "name")) && cw_str(c, v, "name") &&
	    take_name) {
		if (!spec_valid_name(v->text, NAME_MAX_LEN))
			cw_report(c, v, "name", NULL, "\"%s\" is not a valid "
			       "project name: at most %d lower-case letters, "
			       "digits, '-' and '_'", v->text, NAME_MAX_LEN);
		free(ws->name);
		ws->name = xstrdup(v->text);
	}
	c->secrets = ynode_get(root, "secrets");
	c->configs = ynode_get(root, "configs");
	if ((v = ynode_get(root, "networks")))
		read_declared(c, v, "networks", &ws->stack.networks);
	if ((v = ynode_get(root, "volumes")))
		read_declared(c, v, "volumes", &ws->stack.volumes);
	if (!(services = ynode_get(root, "services")) ||
	    services->kind != YNODE_MAP || !services->n) {
		cw_report(c, services ? services : root, "services", NULL,
		       "a compose file needs at least one service");
		return;
	}
	ws->stack.services = xcalloc(services->n / 2, sizeof(struct service));
	c->svc_nodes = xcalloc(services->n / 2, sizeof(*c->svc_nodes));
	for (i = 0; i + 1 < services->n; i += 2) {
		const char *name = services->items[i]->text;
		struct ynode *g = services->items[i + 1];
		char *p = xasprintf("services.%s", name);
		struct service *svc;

		if (g->kind != YNODE_MAP) {
			cw_report(c, g, p, NULL, "expected a mapping with image "
			       "or build");
		} else if (compose_profiled_out(c, g, p)) {
			strlist_push(&c->off, name);
		} else {
			svc = &ws->stack.services[ws->stack.nservices];
			svc->index = (int)ws->stack.nservices++;
			c->svc_nodes[svc->index] = g;
			compose_read_service(c, svc, name, g);
		}
		free(p);
	}
}

/* A dependency on a service whose profile is off: say which. */
static void
check_profiled_deps(struct cwalk *c)
{
	struct ws *ws = c->w.ws;
	size_t i, k;

	for (i = 0; i < ws->stack.nservices; i++) {
		struct service *svc = &ws->stack.services[i];

		for (k = 0; k < svc->ndeps; k++) {
			char *p, *hint;

			if (!strlist_has(&c->off, svc->deps[k].service))
				continue;
			p = xasprintf("services.%s.depends_on", svc->name);
			hint = xasprintf("activate its profile: "
					 "berth --profile NAME up");
			diags_add(c->w.d, c->w.display, svc->deps[k].line, p,
				  hint, "'%s' depends on '%s', which is in a "
				  "profile that is not active", svc->name,
				  svc->deps[k].service);
			free(p);
			free(hint);
			/* not again as an unknown service */
			free(svc->deps[k].service);
			svc->deps[k--] = svc->deps[--svc->ndeps];
		}
	}
}

/* A fixed address is only on a network with a subnet of the project's
 * (or someone else's: an external one); the engine refuses it otherwise. */
static void
check_fixed_addresses(struct cwalk *c)
{
	struct ws *ws = c->w.ws;
	size_t i, k;

	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];

		for (k = 0; k < svc->ipv4.n; k++) {
			const char *net = svc->ipv4.v[k].key;
			char *p = xasprintf("network:%s", net);
			int has = strlist_has(&ws->stack.external, p) ||
				  kvlist_get(&ws->stack.subnets, net);

			free(p);
			if (has)
				continue;
			p = xasprintf("services.%s.networks.%s", svc->name,
				      net);
			diags_add(c->w.d, c->w.display, svc->line, p,
				  "give the network one: networks: { NAME: { "
				  "ipam: { config: [{ subnet: 172.28.0.0/16 }] "
				  "} } }", "ipv4_address %s: network '%s' has "
				  "no subnet of the project's",
				  svc->ipv4.v[k].value, net);
			free(p);
		}
	}
}

int
compose_is_file(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	return dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"));
}

/* One file's text, parsed into c's doc; merged over what came before. */
static int
add_file(struct cwalk *c, const char *path, const char *shown)
{
	struct strbuf text = STRBUF_INIT;
	struct ynode *before = c->doc.root;
	int line, ret = -1;

	if (sb_read_regular(&text, path, COMPOSE_MAX) < 0) {
		diags_add(c->w.d, shown, 0, NULL, "a compose file is a regular "
			  "file of at most 4 MiB", "cannot read the file: %s",
			  err_msg());
		err_clear();
	} else if (ydoc_parse(&c->doc, shown, text.buf, text.len, &line) < 0) {
		diags_add(c->w.d, shown, line, NULL, NULL, "%s", err_msg());
		err_clear();
	} else {
		if (c->doc.root)
			interpolate_tree(c, c->doc.root, "");
		if (before && c->doc.root &&
		    (before->kind != YNODE_MAP || c->doc.root->kind != YNODE_MAP))
			cw_report(c, c->doc.root, NULL, NULL, "an override "
				  "file is a mapping, as the file it "
				  "overrides");
		else if (before)
			c->doc.root = compose_merge(&c->doc, before,
						    c->doc.root, NULL);
		ret = 0;
	}
	if (ret < 0 || !c->doc.root)
		c->doc.root = before;
	sb_release(&text);
	return ret;
}

int
compose_read(struct ws *ws, const struct strlist *files,
	     const struct strlist *shown, const struct strlist *profiles,
	     int take_name, struct diags *d)
{
	struct cwalk c = { .w = { .ws = ws, .d = d, .opened = files->v[0],
				  .display = shown->v[0] } };
	const char *prof = getenv("COMPOSE_PROFILES");
	size_t before = d->n, i;

	c.w.locate = locate;
	c.w.data = &c;
	c.strict = getenv("BERTH_STRICT") && *getenv("BERTH_STRICT") &&
		   strcmp(getenv("BERTH_STRICT"), "0");
	if (prof && *prof) {
		char *list = xstrdup(prof), *tok, *save = NULL;

		for (tok = strtok_r(list, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			strlist_push(&c.profiles, tok);
		free(list);
	}
	for (i = 0; profiles && i < profiles->n; i++)
		if (!strlist_has(&c.profiles, profiles->v[i]))
			strlist_push(&c.profiles, profiles->v[i]);
	load_vars(&c);
	for (i = 0; i < files->n; i++)
		add_file(&c, files->v[i], shown->v[i]);
	for (i = 0; i < c.unset.n; i++)
		cw_note(&c, NULL, "variable %s is not set: it reads as empty",
			c.unset.v[i]);
	if (d->n == before)
		compose_resolve_includes(&c);
	if (d->n == before)
		compose_resolve_extends(&c);
	if (d->n == before) {
		read_project(&c, take_name);
		check_profiled_deps(&c);
		check_fixed_addresses(&c);
		walk_check_stack(&c.w);
	}
	ydoc_release(&c.doc);
	kvlist_release(&c.vars);
	strlist_release(&c.unset);
	strlist_release(&c.profiles);
	strlist_release(&c.off);
	free(c.svc_nodes);
	return d->n > before ? -1 : 0;
}

/* compose.yaml's override file, as compose picks it: the first of these
 * names in the same folder. */
static const char *const override_names[] = {
	"compose.override.yml", "compose.override.yaml",
	"docker-compose.override.yml", "docker-compose.override.yaml",
};

int
compose_load(struct ws *ws, const char *path, const char *display,
	     struct diags *d)
{
	struct strlist files = { 0 }, shown = { 0 };
	char *dir = path_dirname(path), *shown_dir;
	size_t i;
	int ret;

	display = display ? display : path;
	shown_dir = strchr(display, '/') ? path_dirname(display) : NULL;
	strlist_push(&files, path);
	strlist_push(&shown, display);
	for (i = 0; i < ARRAY_SIZE(override_names); i++) {
		char *over = path_join(dir, override_names[i]);

		if (path_exists(over)) {
			char *name = shown_dir ? path_join(shown_dir,
							   override_names[i])
					       : xstrdup(override_names[i]);

			strlist_push(&files, over);
			strlist_push(&shown, name);
			free(name);
			free(over);
			break;
		}
		free(over);
	}
	ret = compose_read(ws, &files, &shown, NULL, 1, d);
	strlist_release(&files);
	strlist_release(&shown);
	free(shown_dir);
	free(dir);
	return ret;
}
