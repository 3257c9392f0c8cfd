/* config-check.c: Berthfile checks that span services: names, the
 * dependency graph, host ports, and references to networks and volumes. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-walk.h"
#include "util.h"

static const config_setting_t *
svc_setting(const config_setting_t *services, const struct service *svc,
	    const char *key)
{
	const config_setting_t *g, *m;

	g = config_setting_get_elem(services, (unsigned)svc->index);
	m = key ? config_setting_get_member(g, key) : NULL;
	return m ? m : g;
}

static char *
svc_path(const struct service *svc, const char *key)
{
	return key ? xasprintf("stack.services[%d].%s", svc->index, key)
		   : xasprintf("stack.services[%d]", svc->index);
}

/* A finding about one of svc's settings, wherever its file keeps it: a
 * compose file says where through w->locate, a Berthfile through
 * libconfig. */
void PRINTF_LIKE(5, 6)
walk_check_report(struct walk *w, const struct service *svc, const char *key,
	     const char *hint, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	char *p = NULL;
	int line;

	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (w->locate) {
		const char *file = w->display;

		line = w->locate(w, svc, key, &p, &file);
		diags_add(w->d, file, line, p, hint, "%s", msg.buf);
	} else {
		p = svc_path(svc, key);
		walk_report(w, svc_setting(w->services, svc, key), p, hint,
			    "%s", msg.buf);
	}
	free(p);
	sb_release(&msg);
}

static void
check_names(struct walk *w)
{
	const struct ws *ws = w->ws;
	size_t i, j;

	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *a = &ws->stack.services[i];

		for (j = 0; a->name && j < i; j++) {
			const struct service *b = &ws->stack.services[j];
			if (!b->name || strcmp(a->name, b->name))
				continue;
			walk_check_report(w, a, "name", "give each service its own "
				     "name", "service '%s' is already defined "
				     "on line %d", a->name, b->line);
			break;
		}
	}
}

static const char **
service_names(const struct ws *ws, size_t *n)
{
	const char **names = xcalloc(ws->stack.nservices + 1, sizeof(char *));
	size_t i;

	*n = 0;
	for (i = 0; i < ws->stack.nservices; i++)
		if (ws->stack.services[i].name)
			names[(*n)++] = ws->stack.services[i].name;
	return names;
}

static void
check_dep_targets(struct walk *w)
{
	const struct ws *ws = w->ws;
	size_t nnames, i, k;
	const char **names = service_names(ws, &nnames);

	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];

		for (k = 0; k < svc->ndeps; k++) {
			const struct dependency *dep = &svc->deps[k];
			const struct service *target;
			const char *near;
			char *hint = NULL;

			if (svc->name && !strcmp(dep->service, svc->name)) {
				walk_check_report(w, svc, "depends_on", NULL,
					     "service '%s' depends on itself",
					     svc->name);
				continue;
			}
			target = ws_find_service(ws, dep->service);
			if (!target) {
				near = nearest_word(dep->service, names,
						    nnames);
				if (near)
					hint = xasprintf("did you mean '%s'?",
							 near);
				walk_check_report(w, svc, "depends_on", hint,
					     "unknown service '%s'",
					     dep->service);
				free(hint);
				continue;
			}
			/* such a service restarts after it exits, so it
			 * never completes and the dependent never starts */
			if (dep->condition == DEP_COMPLETED && target->restart &&
			    (!strcmp(target->restart, "always") ||
			     !strcmp(target->restart, "unless-stopped")))
				walk_check_report(w, svc, "depends_on", "use "
					     "restart \"no\" or \"on-failure\" "
					     "for a one-shot service", "'%s' "
					     "waits for '%s' to complete, but "
					     "'%s' restarts '%s'", svc->name,
					     target->name, target->name,
					     target->restart);
		}
	}
	free(names);
}

enum { WHITE, GRAY, BLACK };

struct cycle_search {
	struct walk *w;
	int *color;
	size_t *stack;
	size_t depth;
};

static void
visit(struct cycle_search *cs, size_t i)
{
	const struct ws *ws = cs->w->ws;
	const struct service *svc = &ws->stack.services[i];
	size_t k;

	cs->color[i] = GRAY;
	cs->stack[cs->depth++] = i;
	for (k = 0; k < svc->ndeps; k++) {
		const struct service *t = ws_find_service(ws,
							  svc->deps[k].service);
		size_t j, from;
		struct strbuf path = STRBUF_INIT;

		if (!t || t == svc)
			continue;	/* reported by check_dep_targets */
		j = (size_t)(t - ws->stack.services);
		if (cs->color[j] == WHITE) {
			visit(cs, j);
			continue;
		}
		if (cs->color[j] != GRAY)
			continue;
		for (from = 0; cs->stack[from] != j; from++)
			;
		for (; from < cs->depth; from++)
			sb_addf(&path, "%s -> ",
				    ws->stack.services[cs->stack[from]].name);
		sb_addstr(&path, t->name);
		walk_check_report(cs->w, svc, "depends_on", "remove one of these "
			     "dependencies", "dependency cycle: %s", path.buf);
		sb_release(&path);
	}
	cs->depth--;
	cs->color[i] = BLACK;
}

static void
check_cycles(struct walk *w)
{
	size_t n = w->ws->stack.nservices, i;
	struct cycle_search cs = { w, xcalloc(n + 1, sizeof(int)),
				   xcalloc(n + 1, sizeof(size_t)), 0 };

	for (i = 0; i < n; i++)
		if (cs.color[i] == WHITE && w->ws->stack.services[i].name)
			visit(&cs, i);
	free(cs.color);
	free(cs.stack);
}

static int
inside(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return !strncmp(path, dir, len) && (path[len] == '/' || !path[len] ||
					    (len == 1 && dir[0] == '/'));
}

static void
check_refs(struct walk *w)
{
	const struct ws *ws = w->ws;
	size_t i, k, f;

	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];

		for (k = 0; k < svc->nmounts; k++) {
			const struct mount_spec *m = &svc->mounts[k];
			int ok = 0;

			if (m->type == MOUNT_VOLUME &&
			    !strlist_has(&ws->stack.volumes, m->source)) {
				const char *near = nearest_word(m->source,
					(const char *const *)ws->stack.volumes.v,
					ws->stack.volumes.n);
				char *hint = near
					? xasprintf("did you mean '%s'?", near)
					: xasprintf("declare it: stack.volumes "
						    "= [ \"%s\" ];", m->source);

				walk_check_report(w, svc, "volumes", hint, "volume "
					     "'%s' is not declared in %s",
					     m->source, w->locate ? "the top-level "
					     "volumes" : "stack.volumes");
				free(hint);
			}
			/* with no VM, binds are plain host paths; the
			 * engine's socket is the VM engine's own, so that
			 * tools that watch Docker (traefik...) see it */
			if (m->type != MOUNT_BIND || ws->docker.host ||
			    !strcmp(m->source, "/var/run/docker.sock") ||
			    !strcmp(m->source, "/run/docker.sock"))
				continue;
			ok = inside(m->source, ws->dir);
			for (f = 0; !ok && f < ws->vm.nshared; f++)
				ok = inside(m->source, ws->vm.shared[f].host);
			if (!ok)
				walk_check_report(w, svc, "volumes", "move it into "
					     "the workspace, or list its folder "
					     "in vm.shared", "bind source '%s' "
					     "is not shared with the VM",
					     m->source);
		}
		for (k = 0; k < svc->networks.n; k++) {
			char *hint;

			/* the one every service without networks is on */
			if (strlist_has(&ws->stack.networks, svc->networks.v[k]) ||
			    !strcmp(svc->networks.v[k], "default"))
				continue;
			hint = xasprintf("declare it: stack.networks = "
					 "[ \"%s\" ];", svc->networks.v[k]);
			walk_check_report(w, svc, "networks", hint, "network '%s' "
				     "is not declared in %s",
				     svc->networks.v[k], w->locate
				     ? "the top-level networks"
				     : "stack.networks");
			free(hint);
		}
	}
}

/* A fixed host port, and who asked for it. */
struct port_owner {
	const struct port_spec *spec;
	const struct service *svc;	/* NULL for vm.ports */
};

static int
ports_clash(const struct port_spec *a, const struct port_spec *b)
{
	return a->host_port == b->host_port && a->proto == b->proto &&
	       (!strcmp(a->host_ip, b->host_ip) ||
		!strcmp(a->host_ip, "0.0.0.0") ||
		!strcmp(b->host_ip, "0.0.0.0"));
}

static void
check_ports(struct walk *w)
{
	const struct ws *ws = w->ws;
	struct port_owner *owners = NULL;
	size_t n = 0, alloc = 0, i, k;

	for (i = 0; i < ws->vm.nports; i++) {
		if (!ws->vm.ports[i].host_port)
			continue;
		ALLOC_GROW(owners, n + 1, alloc);
		owners[n++] = (struct port_owner){ &ws->vm.ports[i], NULL };
	}
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];

		for (k = 0; k < svc->nports; k++) {
			if (!svc->ports[k].host_port)
				continue;
			/* Swarm's routing mesh spreads one port over them */
			if (svc->replicas > 1 && ws->stack.mode != STACK_SWARM)
				walk_check_report(w, svc, "ports", "publish only the "
					     "container port, such as \"80\", "
					     "and berth picks free host ports",
					     "%d replicas of '%s' cannot share "
					     "host port %u", svc->replicas,
					     svc->name, svc->ports[k].host_port);
			ALLOC_GROW(owners, n + 1, alloc);
			owners[n++] = (struct port_owner){ &svc->ports[k], svc };
		}
	}
	for (i = 1; i < n; i++) {
		for (k = 0; k < i; k++) {
			const struct port_owner *a = &owners[i], *b = &owners[k];
			char *p, *who;

			if (!ports_clash(a->spec, b->spec))
				continue;
			who = b->svc ? xasprintf("service '%s'", b->svc->name)
				     : xstrdup("vm.ports");
			p = a->svc && !w->locate ? svc_path(a->svc, "ports")
			  : a->svc ? xasprintf("services.%s.ports", a->svc->name)
			  : xstrdup("vm.ports");
			diags_add(w->d, w->display, a->spec->line, p,
				  "pick another host port",
				  "host port %s:%u/%s is already taken by %s "
				  "on line %d", a->spec->host_ip,
				  a->spec->host_port,
				  spec_proto_name(a->spec->proto), who,
				  b->spec->line);
			free(p);
			free(who);
			break;
		}
	}
	free(owners);
}

void
walk_check_stack(struct walk *w)
{
	check_names(w);
	check_dep_targets(w);
	check_cycles(w);
	check_refs(w);
	check_ports(w);
	if (w->ws->stack.mode == STACK_SWARM)
		walk_check_swarm(w);
}
