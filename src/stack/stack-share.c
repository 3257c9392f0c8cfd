/*
 * stack-share.c: build once, use everywhere. An image that another
 * environment of the workspace built from the same inputs (the same
 * berth.context label) is copied from that environment's engine instead
 * of being built again. Only running VMs are asked; an engine of the
 * user's own is one engine for every environment already.
 */

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "stack.h"

/* 1 when env's engine had ref from the same context and it was copied */
static int
copy_from(struct engine *e, const struct ws *ws, const char *env,
	  const struct service *svc, const char *ref, const char *context,
	  const struct reporter *rep)
{
	struct ws other = *ws;
	struct ws_state st;
	struct docker d;
	json_t *img = NULL;
	char *host = NULL, *certs = NULL;
	const char *label;
	int running = 0, ret = 0;

	other.env = (char *)env;
	if (machine_find(&other, &running) <= 0 || !running)
		return 0;
	if (state_load(&other, &st) < 0)
		return 0;
	host = machine_docker_host(&st);
	certs = state_path(&other, "docker");
	if (st.docker_port && docker_open(&d, host, certs) == 0) {
		if (docker_image_inspect(&d, ref, &img) > 0 &&
		    (label = json_string_value(json_object_get(json_object_get(
				json_object_get(img, "Config"), "Labels"),
				LABEL_CONTEXT))) &&
		    !strcmp(label, context)) {
			report(rep, REPORT_LINE, svc->name, "%-12s copying %s "
			       "from environment '%s', which built it",
			       svc->name, ref, env);
			if (docker_image_copy(&d, &e->d, ref) == 0)
				ret = 1;
			else
				report(rep, REPORT_WARN, svc->name, "cannot "
				       "copy %s from environment '%s' (%s): "
				       "building it", ref, env, err_msg());
		}
		json_decref(img);
		docker_close(&d);
	}
	err_clear();
	free(host);
	free(certs);
	state_release(&st);
	return ret;
}

int
stack_image_from_sibling(struct engine *e, const struct ws *ws,
			 const struct service *svc, const char *ref,
			 const char *context, const struct reporter *rep)
{
	struct strlist envs = { 0 };
	size_t i;
	int found = 0;

	if (e->place == ENGINE_HOST)
		return 0;
	state_envs(ws, &envs);
	for (i = 0; i < envs.n && !found; i++)
		if (strcmp(envs.v[i], ws->env))
			found = copy_from(e, ws, envs.v[i], svc, ref, context,
					  rep);
	strlist_release(&envs);
	return found;
}
