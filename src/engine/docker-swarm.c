/* docker-swarm.c: the engine as a Swarm manager: its swarm, its services,
 * their tasks and the nodes they run on (Engine API 1.41). */

#include <stdlib.h>
#include <string.h>

#include "docker.h"

static char *
json_str_dup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? xstrdup(s) : NULL;
}

int
docker_swarm_info(struct docker *d, struct swarm_info *s)
{
	json_t *info = NULL, *sw;

	memset(s, 0, sizeof(*s));
	if (docker_get_json(d, "/info", &info) < 0)
		return -1;
	sw = json_object_get(info, "Swarm");
	s->state = json_str_dup(sw, "LocalNodeState");
	if (!s->state)
		s->state = xstrdup("inactive");
	s->node_id = json_str_dup(sw, "NodeID");
	s->manager = json_is_true(json_object_get(sw, "ControlAvailable"));
	s->nodes = (int)json_integer_value(json_object_get(sw, "Nodes"));
	s->managers = (int)json_integer_value(json_object_get(sw, "Managers"));
	json_decref(info);
	return 0;
}

void
swarm_info_release(struct swarm_info *s)
{
	free(s->state);
	free(s->node_id);
	memset(s, 0, sizeof(*s));
}

int
docker_swarm_init(struct docker *d, const char *advertise)
{
	/* the overlay networks' subnets from a pool of their own: Swarm's
	 * default, 10.0.0.0/8, holds slirp's 10.0.2.0/24 */
	json_t *body = json_pack("{s:s, s:s, s:[s], s:i}",
				 "ListenAddr", "0.0.0.0:2377",
				 "AdvertiseAddr", advertise,
				 "DefaultAddrPool", DOCKER_SWARM_POOL,
				 "SubnetSize", 24);
	int ret = docker_post_json(d, "/swarm/init", body, NULL);

	json_decref(body);
	return ret < 0 ? err_prefix("cannot make this engine a Swarm manager")
		       : 0;
}

int
docker_swarm_join_token(struct docker *d, char **token)
{
	json_t *sw = NULL;
	const char *t;

	*token = NULL;
	if (docker_get_json(d, "/swarm", &sw) < 0)
		return -1;
	t = json_string_value(json_object_get(json_object_get(sw, "JoinTokens"),
					      "Worker"));
	if (t)
		*token = xstrdup(t);
	json_decref(sw);
	return t ? 0 : err_set("GET /swarm: the engine sent no join token");
}

int
docker_swarm_join(struct docker *d, const char *advertise,
		  const char *manager, const char *token)
{
	json_t *body = json_pack("{s:s, s:s, s:[s], s:s}",
				 "ListenAddr", "0.0.0.0:2377",
				 "AdvertiseAddr", advertise,
				 "RemoteAddrs", manager, "JoinToken", token);
	int ret = docker_post_json(d, "/swarm/join", body, NULL);

	json_decref(body);
	return ret < 0 ? err_prefix("cannot join the swarm of %s", manager)
		       : 0;
}

int
docker_swarm_leave(struct docker *d)
{
	return docker_post_json(d, "/swarm/leave?force=1", NULL, NULL);
}

int
docker_node_remove(struct docker *d, const char *id)
{
	return docker_remove_query(d, "nodes", id, "force=1");
}

int
docker_service_create(struct docker *d, json_t *spec, char **id)
{
	json_t *out = NULL;
	const char *s;

	*id = NULL;
	if (docker_post_json(d, "/services/create", spec, &out) < 0)
		return -1;
	if (!(s = json_string_value(json_object_get(out, "ID")))) {
		json_decref(out);
		return err_set("POST /services/create: the engine sent no ID");
	}
	*id = xstrdup(s);
	json_decref(out);
	return 0;
}

int
docker_service_update(struct docker *d, const char *id, long long version,
		      json_t *spec)
{
	char *e = url_escape(id);
	char *path = xasprintf("/services/%s/update?version=%lld", e, version);
	int ret = docker_post_json(d, path, spec, NULL);

	free(path);
	free(e);
	return ret;
}

int
docker_service_inspect(struct docker *d, const char *id, json_t **out)
{
	char *e = url_escape(id), *path = xasprintf("/services/%s", e);
	long status = 0;
	int ret = docker_get_json_status(d, path, out, &status);

	if (ret < 0 && status == 404) {
		err_clear();
		ret = 0;
	}
	free(path);
	free(e);
	return ret;
}

int
docker_service_remove(struct docker *d, const char *id)
{
	return docker_remove(d, "services", id);
}

int
docker_service_tasks(struct docker *d, const char *service, json_t **list)
{
	json_t *filters = json_pack("{s:[s]}", "service", service);
	char *text = json_dumps(filters, JSON_COMPACT), *f = url_escape(text);
	char *path = xasprintf("/tasks?filters=%s", f);
	int ret = docker_get_json(d, path, list);

	if (ret == 0 && !json_is_array(*list)) {
		json_decref(*list);
		*list = NULL;
		ret = err_set("GET /tasks: the engine sent no list");
	}
	free(path);
	free(f);
	free(text);
	json_decref(filters);
	return ret;
}

int
docker_nodes(struct docker *d, json_t **list)
{
	int ret = docker_get_json(d, "/nodes", list);

	if (ret == 0 && !json_is_array(*list)) {
		json_decref(*list);
		*list = NULL;
		ret = err_set("GET /nodes: the engine sent no list");
	}
	return ret;
}
