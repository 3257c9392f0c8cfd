/* docker.h: the Docker Engine API client, over a unix socket or TCP with
 * client-certificate TLS (libcurl). */

#ifndef BERTH_DOCKER_H
#define BERTH_DOCKER_H

#include <jansson.h>

#include "docker-stream.h"
#include "util.h"

struct docker {
	char *base;		/* "https://127.0.0.1:2376" or "http://docker" */
	char *unix_path;	/* the socket, or NULL for TCP */
	char *ca, *cert, *key;	/* PEM files for TLS */
	char api[16];		/* negotiated from /_ping, such as "1.41" */
	char api_seen[16];	/* what the engine's header said, checked */
	int api_bad;		/* that header was not a version at all */
};

/*
 * How long a call may wait with no byte from the engine, and how long a
 * call that is no stream may take in all: a stalled engine ends a command
 * with an error, not a hang. BERTH_ENGINE_TIMEOUT sets the idle limit in
 * seconds (the total is ten times it). Streams that follow (logs -f,
 * events) have no idle limit; every transfer stops at Ctrl-C or SIGTERM.
 */
#define DOCKER_IDLE_S 30
int docker_idle_seconds(void);
/* The calling thread's transfers also end once *flag is set (within a
 * second): a thread that is told to stop while the engine stalls. */
void docker_cancel_on(const volatile int *flag);

/* "unix:///var/run/docker.sock", or "tcp://HOST:PORT" with certdir. */
int docker_open(struct docker *d, const char *host, const char *certdir);
void docker_close(struct docker *d);
/* Another handle on the same engine, for another thread. */
void docker_copy(struct docker *to, const struct docker *from);

/* GET /_ping: "OK", and the engine's API version from its header. */
int docker_ping(struct docker *d);
/*
 * One call; *status is the HTTP status. The body is capped, and an error
 * status becomes an error naming the call and the daemon's message.
 */
int docker_call(struct docker *d, const char *method, const char *path,
		const char *body, struct strbuf *resp, long *status);

/*
 * A call whose answer is a stream: the bytes go to sink as they come
 * (a JSON message stream or multiplexed frames), with no timeout, so
 * that follow modes last. The body is the file upload (a tar), or
 * json_body, or nothing.
 */
int docker_stream(struct docker *d, const char *method, const char *path,
		  const char *upload, const char *json_body,
		  int (*sink)(const char *data, size_t len, void *arg),
		  void *arg);
/* The same with one more header line ("Name: value"), or NULL. */
int docker_stream_header(struct docker *d, const char *method,
			 const char *path, const char *upload,
			 const char *json_body, const char *header,
			 int (*sink)(const char *data, size_t len, void *arg),
			 void *arg);

/* A curl handle set up for the engine: socket or TLS. */
#include <curl/curl.h>
CURL *docker_easy(struct docker *d, const char *url);

/*
 * Several streams at once, for the dashboard: each added path streams
 * into its sink (a sink may add streams too); poll waits on them and on extra descriptors together
 * (curl_multi_poll), so nothing busy-polls. poll returns how many
 * transfers still run, or -1.
 */
struct docker_multi;
struct docker_multi *docker_multi_new(struct docker *d);
int docker_multi_add(struct docker_multi *m, const char *path,
		     int (*sink)(const char *data, size_t len, void *arg),
		     void *arg);
int docker_multi_poll(struct docker_multi *m, struct curl_waitfd *extra,
		      unsigned nextra, int timeout_ms);
size_t docker_multi_active(const struct docker_multi *m);
/* Streams added from now on end after this long with no byte (logs that
 * do not follow); by default they may be quiet for ever. */
void docker_multi_set_idle(struct docker_multi *m, int seconds);
/* Drop the streams that ended, handing each one's arg to release. */
void docker_multi_reap(struct docker_multi *m, void (*release)(void *arg));
/* The stream whose sink has arg: 0 running, 1 ended, 2 failed. */
int docker_multi_failed(const struct docker_multi *m, void *arg);
void docker_multi_free(struct docker_multi *m);

/* Resources of a kind ("containers", "networks", "volumes") with a label. */
int docker_list_by_label(struct docker *d, const char *kind,
			 const char *label, json_t **list);
/* Copy an image from one engine to another (a save streamed into a load):
 * how an image of the host reaches a VM that cannot pull it. */
int docker_image_copy(struct docker *from, struct docker *to,
		      const char *name);

/* The calls berth makes, each named in its errors. */
int docker_get_json(struct docker *d, const char *path, json_t **out);
/* The same, with the HTTP status (404: no such object). */
int docker_get_json_status(struct docker *d, const char *path, json_t **out,
			   long *status);
int docker_post_json(struct docker *d, const char *path, json_t *body,
		     json_t **out);
int docker_image_import(struct docker *d, const char *tar, const char *repo,
			const char *tag);
int docker_image_save(struct docker *d, const char *name, const char *file);
/* Several images into one tar, layers shared ('docker save A B'). */
struct strlist;
int docker_images_save(struct docker *d, const struct strlist *names,
		       const char *file);
int docker_image_load(struct docker *d, const char *tar);
int docker_container_create(struct docker *d, const char *name,
			    json_t *config, char **id);
int docker_container_action(struct docker *d, const char *id,
			    const char *action);	/* start, stop, kill... */
int docker_container_remove(struct docker *d, const char *id, int force,
			    int volumes);
/* Paths to GET as streams: the events of the containers that carry label
 * ("key=value"), of the kinds named (a NULL-ended list); and a
 * container's stats, once a second. */
char *docker_events_path(const char *label, const char *const *kinds);
char *docker_stats_path(const char *id);
/* GET /version: the engine's and its kernel's versions. */
int docker_version(struct docker *d, json_t **out);

/* An image's inspect: 1 with it in *out, 0 when the engine has no such
 * image (no error), -1 on error. */
int docker_image_inspect(struct docker *d, const char *ref, json_t **out);
/* Join a container to a network as endpoint says (its Aliases, its
 * IPAMConfig: an EndpointSettings object, taken). */
int docker_network_connect(struct docker *d, const char *net, const char *id,
			   json_t *endpoint);

/* What a container's inspect says of its state: the one reading of it
 * that 'up', 'ps' and the dashboard share. */
struct container_state {
	const char *status;	/* created, running, exited, restarting... */
	int running;
	long exit_code;
	const char *health;	/* starting, healthy, unhealthy; NULL: none */
	const char *started_at;	/* RFC 3339, or NULL */
	long restarts;
	json_t *inspect;	/* the whole answer, which the above point into */
};
/* GET /containers/{id}/json; release with container_state_release. */
int docker_container_state(struct docker *d, const char *id,
			   struct container_state *s);
void container_state_release(struct container_state *s);
/* The last health check's output, trimmed, or a note that it printed
 * nothing. To free. */
char *container_last_check(const struct container_state *s);
int docker_container_rename(struct docker *d, const char *id,
			    const char *name);
/* Containers carrying a label, such as "berth.workspace=shop". */
int docker_containers_by_label(struct docker *d, const char *label,
			       json_t **list);
/* A container's log, line by line (log_lines), to its end; or, with
 * q->follow, until on_line says stop. */
int docker_logs(struct docker *d, const char *id, const struct log_query *q,
		log_line_fn on_line, void *arg);
/* Unpack a tar at the container's root (its names are paths from /). */
int docker_copy_into(struct docker *d, const char *id, const char *tar);
/* A tar of the container's folder dir (its names start with dir's last
 * part), into file. */
int docker_copy_out(struct docker *d, const char *id, const char *dir,
		    const char *file);
/* Run argv in a container; its exit code in *code. */
int docker_exec(struct docker *d, const char *id, const char *const *argv,
		int *code, int (*on_data)(int, const char *, size_t, void *),
		void *arg);
/* Create an exec of argv in a container; its id in *exec_id. */
int docker_exec_create(struct docker *d, const char *container,
		       const char *const *argv, int with_stdin, int tty,
		       char **exec_id);
/* Run argv in a container with stdin, stdout and stderr attached, and a
 * TTY when tty is set (the terminal goes raw meanwhile). */
int docker_exec_interactive(struct docker *d, const char *container,
			    const char *const *argv, int tty, int *code);
/* labels: a JSON object of strings, or NULL */
/* internal: no route out of it, as compose's internal networks; subnet
 * and gateway: its own addresses, or NULL for the engine's pick */
int docker_network_create(struct docker *d, const char *name, json_t *labels,
			  int internal, const char *subnet,
			  const char *gateway);
/* The same with a driver ("overlay": attachable, for a Swarm's services);
 * NULL is the engine's default, a bridge. */
int docker_network_create_driver(struct docker *d, const char *name,
				 const char *driver, json_t *labels,
				 int internal, const char *subnet,
				 const char *gateway);
int docker_volume_create(struct docker *d, const char *name, json_t *labels);

/* docker-swarm.c: the engine as a Swarm manager. */
struct swarm_info {
	char *state;		/* inactive, pending, active, error, locked */
	int manager;		/* this engine can manage the swarm */
	char *node_id;
	int nodes, managers;
};
/* GET /info's Swarm part. */
int docker_swarm_info(struct docker *d, struct swarm_info *s);
void swarm_info_release(struct swarm_info *s);
/* POST /swarm/init: a swarm of this one engine, reachable by others at
 * advertise (an address or an interface). */
int docker_swarm_init(struct docker *d, const char *advertise);
/* Where the overlay networks of a swarm berth makes take their subnets. */
#define DOCKER_SWARM_POOL "10.128.0.0/12"
/* GET /swarm's token for a worker to join with (to free). */
int docker_swarm_join_token(struct docker *d, char **token);
/* POST /swarm/join: this engine a worker of the swarm managed at manager
 * (ADDRESS:PORT), reachable by the others at advertise. */
int docker_swarm_join(struct docker *d, const char *advertise,
		      const char *manager, const char *token);
/* POST /swarm/leave, forced: whatever swarm it was in, it is in none. */
int docker_swarm_leave(struct docker *d);
/* DELETE /nodes/{id}, forced (a node that is down). */
int docker_node_remove(struct docker *d, const char *id);
/* POST /services/create: the new service's ID in *id. */
int docker_service_create(struct docker *d, json_t *spec, char **id);
/* POST /services/{id}/update of the spec's version. */
int docker_service_update(struct docker *d, const char *id,
			  long long version, json_t *spec);
/* GET /services/{id}; 0 with *out NULL when there is none. */
int docker_service_inspect(struct docker *d, const char *id, json_t **out);
/* DELETE /services/{id}; a missing one is fine. */
int docker_service_remove(struct docker *d, const char *id);
/* GET /tasks of one service (its ID or name). */
int docker_service_tasks(struct docker *d, const char *service,
			 json_t **list);
/* GET /nodes: every node of the swarm. */
int docker_nodes(struct docker *d, json_t **list);
/* The context folder as a tar, without what .dockerignore excludes. */
int docker_build_context(const char *dir, const char *dockerfile,
			 const char *tar);
/* A folder as a tar, without what its .dockerignore excludes, nor the
 * pattern never (which .dockerignore cannot take back). */
int docker_folder_tar(const char *dir, const char *never, const char *tar);
/* What docker_folder_tar would hold, as names, modes, sizes and times
 * (no file is read: cheap enough to ask every second): 16 hex digits. */
int docker_folder_digest(const char *dir, const char *never, char **hex);
/* What a build would see of the context, hashed: 16 hex digits. */
int docker_context_digest(const char *dir, const char *dockerfile,
			  char **hex);
/* Build and tag an image, with labels and build args (objects, or NULL);
 * each line of the build's output to on_line. */
int docker_image_build(struct docker *d, const char *dir,
		       const char *dockerfile, const char *tag, json_t *labels,
		       json_t *args, const char *target,
		       int (*on_line)(const char *line, void *arg), void *arg);
/* "sha256:" and 64 lower-case hex digits: a digest that may go into a
 * reference. */
int docker_is_digest(const char *s);
/* An image reference taken apart: its name (with its registry, if any),
 * and the tag and digest it has, else NULL (each to free). */
void docker_ref_split(const char *ref, char **name, char **tag,
		      char **digest);
/* Pull an image; progress messages to on_status (may be NULL). */
int docker_image_pull(struct docker *d, const char *image,
		      int (*on_status)(json_t *msg, void *arg), void *arg);
/* The image (a name or an ID) tagged repo:tag, then pushed to the
 * registry repo names; the digest the registry gave its manifest
 * ("sha256:...") in *digest. */
int docker_image_push(struct docker *d, const char *image, const char *repo,
		      const char *tag, char **digest);
/* A string made safe for a URL's query. */
char *url_escape(const char *s);

/* DELETE of a network or volume by name; a missing one is fine. */
int docker_remove(struct docker *d, const char *kind, const char *name);
/* The same, with a query ("force=1"). */
int docker_remove_query(struct docker *d, const char *kind, const char *name,
			const char *query);

#endif
