/*
 * stack-clone.c: a new environment as a copy of another as it is now
 * (berth up -e qa --from test). Before the new stack is laid out, each
 * named volume's data is copied from the source's engine (the source's
 * containers that use it paused meanwhile, so that the copy is of one
 * moment), and so is each image the services run under the same name.
 * The source keeps running; nothing of it changes.
 */

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stack.h"

#define HELPER_IMAGE "berth/busybox"

/* A container that only holds volume at /v, for its archive. */
static int
helper_create(struct engine *e, const char *volume, char **id)
{
	char *bind = xasprintf("%s:/v", volume);
	char *name = xasprintf("berth-clone-%ld-%s", (long)getpid(), volume);
	json_t *config = json_pack("{s:s, s:[s], s:{s:s}, s:{s:[s]}}",
				   "Image", HELPER_IMAGE, "Cmd", "true",
				   "Labels", "berth.clone", "helper",
				   "HostConfig", "Binds", bind);
	int ret;

	ret = docker_container_create(&e->d, name, config, id);
	json_decref(config);
	free(name);
	free(bind);
	return ret;
}

/* The running containers of the source that mount volume: paused for the
 * copy, their IDs in paused. */
static void
pause_users(struct engine *src, const struct ws *sws, const char *volume,
	    struct strlist *paused)
{
	json_t *all = NULL, *c, *m;
	size_t i, k;

	if (stack_containers(src, sws, NULL, &all) < 0) {
		err_clear();
		return;
	}
	json_array_foreach(all, i, c) {
		const char *id = json_string_value(json_object_get(c, "Id"));
		int uses = 0;

		json_array_foreach(json_object_get(c, "Mounts"), k, m)
			uses |= json_is_string(json_object_get(m, "Name")) &&
				!strcmp(json_string_value(json_object_get(m,
						"Name")), volume);
		if (uses && id && !strcmp(json_string_value(json_object_get(
				c, "State")) ?: "", "running") &&
		    docker_container_action(&src->d, id, "pause") == 0)
			strlist_push(paused, id);
	}
	json_decref(all);
}

static int
copy_volume(struct engine *src, const struct ws *sws, struct engine *dst,
	    const struct ws *ws, const char *vol, const struct reporter *rep)
{
	char *from = stack_volume_name(sws, vol), *to = stack_volume_name(ws, vol);
	char *sid = NULL, *did = NULL, *tar = temp_file(getenv("TMPDIR") ?: "/tmp",
						      "berth-volume");
	json_t *labels = json_pack("{s:s, s:s}", LABEL_WORKSPACE, ws->name,
				   LABEL_DIR, ws->dir);
	struct strlist paused = { 0 };
	size_t i;
	int ret = -1;

	report(rep, REPORT_LINE, NULL, "copying volume %s to %s", from, to);
	if (!tar || docker_volume_create(&dst->d, to, labels) < 0 ||
	    helper_create(src, from, &sid) < 0 ||
	    helper_create(dst, to, &did) < 0)
		goto out;
	pause_users(src, sws, from, &paused);
	ret = docker_copy_out(&src->d, sid, "/v", tar);
	for (i = 0; i < paused.n; i++)
		docker_container_action(&src->d, paused.v[i], "unpause");
	if (ret == 0)
		ret = docker_copy_into(&dst->d, did, tar);
out:
	if (ret < 0)
		err_prefix("cannot copy volume '%s'", vol);
	if (sid)
		docker_container_remove(&src->d, sid, 1, 0);
	if (did)
		docker_container_remove(&dst->d, did, 1, 0);
	if (tar)
		unlink(tar);
	strlist_release(&paused);
	json_decref(labels);
	free(tar);
	free(sid);
	free(did);
	free(from);
	free(to);
	return ret;
}

/* The images the source runs under the names this one runs: copied when
 * this engine lacks them. */
static int
copy_images(struct engine *src, const struct ws *sws, struct engine *dst,
	    const struct ws *ws, const struct reporter *rep)
{
	size_t i;
	int ret = 0;

	if (src->place == ENGINE_HOST && dst->place == ENGINE_HOST)
		return 0;	/* one engine */
	for (i = 0; i < ws->stack.nservices && ret == 0; i++) {
		const struct service *svc = &ws->stack.services[i];
		char *ref = stack_image_ref(ws, svc);
		char *sref = stack_image_ref(sws, svc);
		json_t *img = NULL;

		if (!strcmp(ref, sref) &&
		    docker_image_inspect(&dst->d, ref, &img) == 0 &&
		    docker_image_inspect(&src->d, ref, &img) > 0) {
			report(rep, REPORT_LINE, svc->name, "%-12s copying %s",
			       svc->name, ref);
			ret = docker_image_copy(&src->d, &dst->d, ref);
		}
		json_decref(img);
		free(ref);
		free(sref);
	}
	return ret;
}

int
stack_clone_from(struct engine *e, const struct ws *ws, const char *from,
		 const struct reporter *rep)
{
	struct ws sws = *ws;
	struct engine src;
	size_t i;
	int ret = -1;

	sws.env = (char *)from;
	sws.name = ws_env_workspace_name(ws, from);
	if (engine_open(&sws, &src) < 0) {
		err_prefix("cannot reach environment '%s', to copy it", from);
		engine_close(&src);
		free(sws.name);
		return -1;
	}
	if (stack_ensure_busybox(&src) < 0 || stack_ensure_busybox(e) < 0)
		goto out;
	for (i = 0; i < ws->stack.volumes.n; i++)
		if (!stack_is_external(ws, "volume", ws->stack.volumes.v[i]) &&
		    copy_volume(&src, &sws, e, ws, ws->stack.volumes.v[i],
				rep) < 0)
			goto out;
	ret = copy_images(&src, &sws, e, ws, rep);
out:
	engine_close(&src);
	free(sws.name);
	return ret;
}
