/* stack.h: the stack engine: the Berthfile's services laid out as
 * containers on one engine, reconciled rather than replayed. */

#ifndef BERTH_STACK_H
#define BERTH_STACK_H

#include <jansson.h>

#include "config.h"
#include "util.h"
#include "docker.h"
#include "report.h"

/* Labels on everything berth makes in an engine. */
#define LABEL_WORKSPACE "berth.workspace"
#define LABEL_DIR "berth.dir"
#define LABEL_SERVICE "berth.service"
#define LABEL_REPLICA "berth.replica"
#define LABEL_HASH "berth.hash"
#define LABEL_SECTIONS "berth.sections"
#define LABEL_CONTEXT "berth.context"
/* Swarm's, on the containers of its tasks: "SERVICE.SLOT.TASK" */
#define LABEL_SWARM_TASK "com.docker.swarm.task.name"

/* Where an engine is, which says how its published ports reach the
 * host's 127.0.0.1. */
enum engine_place {
	ENGINE_HOST = 0,	/* docker.host: ports are where it binds them */
	ENGINE_VM_FORWARDED,	/* the VM on slirp: berth forwards each port */
	ENGINE_VM_DIRECT,	/* the VM on NAT: reached at its own address */
};

/* Where a workspace's stack runs: the engine in its VM, or docker.host. */
struct engine {
	struct docker d;
	enum engine_place place;
	char *ports_file;	/* .berth/ports.json: host ports picked so far */
	json_t *ports;		/* "web.1.80/tcp" -> 34567 */
	int ports_dirty;
	char *domain;		/* the VM's domain, for host forwards */
	char *uri;
	char *vm_addr;		/* the VM's own address: a swarm of it
				 * advertises it */
};

/* Connect to the workspace's engine. A VM that is not running is an error
 * that says to run 'berth up'. */
int engine_open(const struct ws *ws, struct engine *e);
int engine_save_ports(struct engine *e);
/* berth/busybox in e's engine, made from the host's when missing. */
int stack_ensure_busybox(struct engine *e);
/* stack-clone.c: the named volumes' data and the images of environment
 * from, copied into e's engine before ws's stack is laid out there. */
int stack_clone_from(struct engine *e, const struct ws *ws, const char *from,
		     const struct reporter *rep);
/* stack-share.c: 1 when another environment of the workspace had ref,
 * built from the same context, and it was copied into e's engine; 0 when
 * none had it (build it then). */
int stack_image_from_sibling(struct engine *e, const struct ws *ws,
			     const struct service *svc, const char *ref,
			     const char *context, const struct reporter *rep);
void engine_close(struct engine *e);
/* Forward every published port from 127.0.0.1 on the host into the VM
 * (slirp's hostfwd, added live); a no-op for docker.host. */
int engine_forward_ports(struct engine *e, const struct ws *ws);

/* A label of a listed container, or NULL. */
const char *stack_label(json_t *container, const char *key);
/* A listed container's name, without the engine's leading '/'. */
const char *stack_listed_name(json_t *container);

/* Resource names in the engine. */
char *stack_container_name(const struct ws *ws, const struct service *svc,
			   int replica);
char *stack_network_name(const struct ws *ws, const char *net);
/* Whether a network or volume ("network", "volume") is someone else's:
 * used, never created or removed. */
int stack_is_external(const struct ws *ws, const char *kind,
		      const char *name);
/* The names a service answers to on network net (as the service names
 * it): its own and its aliases, a JSON array. */
json_t *stack_aliases(const struct service *svc, const char *net);
/* The service's endpoint on net: its aliases, and its fixed address. */
json_t *stack_endpoint(const struct service *svc, const char *net);
char *stack_volume_name(const struct ws *ws, const char *vol);
/* The image a service runs: its 'image', or berth/<ws>-<service>. */
char *stack_image_ref(const struct ws *ws, const struct service *svc);

/* The host port for a service's port: fixed, recorded, or picked now. */
int stack_host_port(struct engine *e, const struct service *svc,
		    int replica, const struct port_spec *p);

/* What one container should be. */
struct desired {
	const struct service *svc;
	int replica;
	char *name;
	json_t *config;		/* the body of POST /containers/create */
	char *hash;		/* over all sections */
	char *sections;		/* "image=...,command=...": say what changed */
};

/*
 * The container config for replica of svc, running image_ref, whose
 * image ID and context digest are known (or NULL when not yet built).
 * ports holds the host port of each of svc's ports.
 */
void stack_desire(const struct ws *ws, const struct service *svc,
		  int replica, const char *image_ref, const char *image_id,
		  const char *context, const int *ports, int in_vm,
		  struct desired *out);
void desired_release(struct desired *d);
/* Parts of a container's config that a Swarm service's spec shares. */
json_t *stack_spec_strings(const struct strlist *l);
json_t *stack_spec_env(const struct service *svc);
json_t *stack_spec_mounts(const struct ws *ws, const struct service *svc,
			  int in_vm);
json_t *stack_spec_health(const struct healthcheck *h);
void stack_spec_set_str(json_t *o, const char *key, const char *s);
void stack_spec_set_list(json_t *o, const char *key, const struct strlist *l);
json_t *stack_spec_sysctls(const struct run_opts *r);
json_t *stack_spec_ulimits(const struct run_opts *r);
/* The hash of sections (a container's ten, in stack-spec.c's order, and
 * a Swarm service's replicas as the eleventh) and the "name=hash,..."
 * list that names what changed; empty run options are left out. */
void stack_sections_digest(json_t *const *sec, size_t n, char **hash,
			   char **sections);
/* 12 hex digits of a section's canonical JSON. */
char *stack_section_hash(json_t *section);

/* stack-swarm-spec.c: what one Swarm service should be (stack.mode =
 * "swarm"): its ServiceSpec, without ForceUpdate, hashed per section as a
 * container's is, replicas being one more. */
struct swarm_desired {
	const struct service *svc;
	char *name;		/* the Swarm service: WORKSPACE_SERVICE */
	json_t *spec;
	char *hash;
	char *sections;
};
/* ports holds the published port of each of svc's ports; one_shot: a
 * service others wait to complete, which is never restarted by default. */
void stack_swarm_desire(const struct ws *ws, const struct service *svc,
			const char *image_ref, const char *image_id,
			const char *context, const int *ports, int in_vm,
			int one_shot, struct swarm_desired *out);
void swarm_desired_release(struct swarm_desired *d);
char *stack_swarm_service_name(const struct ws *ws, const struct service *svc);
/* Which sections differ, as "environment and ports changed"; NULL when
 * the old sections label is missing (the reason is then generic). */
char *stack_changes(const char *old_sections, const char *new_sections);

enum step_action {
	STEP_UNCHANGED,
	STEP_CREATE,
	STEP_RECREATE,
	STEP_START,	/* unchanged, but stopped */
	STEP_REMOVE,
};

struct step {
	enum step_action action;
	const struct service *svc;	/* NULL when removing a gone service */
	char *service;			/* the service's name, either way */
	int replica;
	char *name;			/* the container */
	char *id;			/* the existing container, or NULL */
	char *listed_name;		/* its name, when not name: an
					 * interrupted replacement's */
	char *reason;
	struct desired want;		/* for create and recreate */
};

struct stack_plan {
	struct step *v;
	size_t n;
	struct strlist networks, volumes;	/* to create */
	int images_pending;	/* some image is not built yet */
};

/* The images each service runs, made ready: built-in, built, loaded,
 * copied from the host or pulled, telling rep. dry_run only looks.
 * containers (the stack's, as listed) spare the lookup of the images
 * they still run. */
struct stack_images {
	char **ref, **id, **context;	/* per service; id NULL: not there */
};
int stack_images_prepare(struct engine *e, const struct ws *ws,
			 json_t *containers, int dry_run,
			 const struct reporter *rep, struct stack_images *im);
void stack_images_release(struct stack_images *im, size_t n);

/* stack-cluster.c: a cluster's nodes joined to the swarm its workspace
 * VM's engine manages (e), and old entries of them removed. */
int stack_cluster_join(struct engine *e, const struct ws *ws,
		       const struct reporter *rep);
/* The services' images, on the manager, pushed to the cluster's
 * registry unless they are there, and pulled by every other node that
 * lacks them; their im->ref become the registry's names, pinned by
 * digest. */
int stack_cluster_images(struct engine *e, const struct ws *ws,
			 struct stack_images *im,
			 const struct reporter *rep);
/* The container of a service's task replica on the cluster's VM that
 * runs it: 0 on e's; 1 on node, opened here (engine_close it). */
int stack_cluster_task(struct engine *e, const struct ws *ws,
		       const struct service *svc, int replica,
		       struct engine *node, char **container);
/* ref's name in the cluster's registry: its path with no registry of its
 * own ("web", "berth/web") and its tag ("latest" when none); -1 when it is
 * no name a registry takes (both to free). */
int stack_registry_name(const char *ref, char **path, char **tag);
/* An image on one engine only (built, loaded, copied, berth's own), and
 * how it came there. */
int stack_image_is_local(const struct service *svc, const char **how);

/* What the engine holds under the workspace's name, one list call each:
 * every labelled container (all), this folder's (containers, sorted by
 * service then replica), volumes and networks. */
struct stack_seen {
	json_t *all, *containers, *volumes, *networks;
};
/* The containers' part of the plan, which asks the engine nothing:
 * existing is the list (all=1) by the workspace label. */
int stack_plan_containers(struct engine *e, const struct ws *ws,
			  const struct stack_images *im, json_t *existing,
			  struct stack_plan *plan);
/* The whole plan: the containers', and the networks and volumes to make. */
int stack_plan_make(struct engine *e, const struct ws *ws,
		    const struct stack_images *im,
		    const struct stack_seen *seen, struct stack_plan *plan);
void stack_plan_release(struct stack_plan *plan);
const char *step_verb(enum step_action a, int done);
/* "recreated (environment changed)", "created 3": a service's steps. */
char *stack_service_summary(const struct step *steps, size_t n, int done);
/* One line per service: "app  recreated (environment changed)". */
void stack_plan_print(const struct ws *ws, const struct stack_plan *plan,
		      int done, FILE *f);
json_t *stack_plan_json(const struct stack_plan *plan);

/* The whole of 'up' for the stack: images, networks, volumes, then the
 * containers in dependency order, independent ones in parallel, behind
 * health gates. Each step is told to rep, which may be NULL. */
struct stack_opts {
	int timeout_s;
	const struct reporter *rep;
};
int stack_up(struct engine *e, const struct ws *ws,
	     const struct stack_opts *o);
/* Follow the services' develop.watch rules until interrupted (Ctrl-C):
 * sync, sync+restart and rebuild, each told to o->rep. */
int stack_watch(struct engine *e, const struct ws *ws,
		const struct stack_opts *o);
/* How many rules there are; -1, with the next step, when none. */
int stack_watch_check(const struct ws *ws);
/* Carry one step out (stack-step.c): create, start, recreate keeping the
 * anonymous volumes, or replace start-first. Thread-safe per step. */
int stack_apply_step(struct engine *e, const struct ws *ws, struct step *s);
/* How long a healthcheck may take to pass, with Docker's defaults where
 * the Berthfile is silent. */
double stack_health_budget(const struct healthcheck *h);

/* What 'up' would change, from the engine's answers; nothing changes. */
int stack_plan_dry(struct engine *e, const struct ws *ws,
		   struct stack_plan *plan);

int stack_seen_fetch(struct engine *e, const struct ws *ws,
		     struct stack_seen *s);
void stack_seen_release(struct stack_seen *s);

/* Refuse, before anything changes, when containers or volumes of this
 * workspace's name on the engine belong to another folder's workspace:
 * two of one name would take each other's containers and data. */
int stack_check_foreign(const struct ws *ws, const struct stack_seen *seen);
/* Refuse containers up when the stack still runs as Swarm services. */
int stack_check_no_swarm(const struct ws *ws, const struct stack_seen *seen);

/* The workspace's containers, optionally only those of some services;
 * sorted by service then replica. */
int stack_containers(struct engine *e, const struct ws *ws,
		     const struct strlist *services, json_t **out);
/* What 'ps' shows: one object per container (service, replica,
 * container, id, state, health, ports, restarts, image), and one per
 * service with none ("missing"). */
int stack_ps(struct engine *e, const struct ws *ws, const struct strlist *only,
	     json_t **rows);
/* Refuse names that are no service of the Berthfile, with the nearest. */
int stack_check_services(const struct ws *ws, int argc, char **argv);

/* POST action (start, stop, restart) to the containers of the services
 * named (all of them when argc is 0), telling rep "NAME  done" for each. */
int stack_service_action(struct engine *e, const struct ws *ws, int argc,
			 char **argv, const char *action, const char *done,
			 const struct reporter *rep);

/* stack-swarm.c: the same for stack.mode = "swarm": up, ps, and down's
 * part (the services, before their networks go). */
int stack_swarm_up(struct engine *e, const struct ws *ws,
		   const struct stack_opts *o);
int stack_swarm_ps(struct engine *e, const struct ws *ws,
		   const struct strlist *only, json_t **rows);
int stack_swarm_down(struct engine *e, const struct ws *ws,
		     const struct reporter *rep);
/* The container of replica of svc to run a command in: its name, or in
 * swarm mode the running task of that slot on the engine's own node
 * (NULL, with the reason, when there is none). */
char *stack_replica_container(struct engine *e, const struct ws *ws,
			      const struct service *svc, int replica);
/* Refuse a command that works on containers one by one ('stop', 'watch'),
 * naming what does it for a Swarm service. */
int stack_swarm_refuse(const struct ws *ws, const char *command,
		       const char *instead);

/* Remove the stack, telling rep each thing removed; named volumes too
 * when volumes is set. */
int stack_down(struct engine *e, const struct ws *ws, int volumes,
	       const struct reporter *rep);

#endif
