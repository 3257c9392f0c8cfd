/* config.h: the Berthfile, loaded and validated into a struct ws. */

#ifndef BERTH_CONFIG_H
#define BERTH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "spec.h"
#include "template.h"
#include "util.h"

#define BERTHFILE_NAME "Berthfile"
#define NAME_MAX_LEN 40
/* the environment the Berthfile is as written */
#define WS_ENV_DEFAULT "default"
#define ENV_NAME_MAX 20
/* a workspace's name in an environment: WORKSPACE-ENV */
#define WS_ENV_NAME_MAX (NAME_MAX_LEN + 1 + ENV_NAME_MAX)

enum net_mode { NET_USER, NET_NAT };
enum accel_mode { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };
enum docker_install { DOCKER_INSTALL_AUTO, DOCKER_INSTALL_NEVER };
enum dep_condition { DEP_STARTED, DEP_HEALTHY, DEP_COMPLETED };
/* How the stack is laid out: containers on one engine, or services of a
 * Docker Swarm whose manager that engine is. */
enum stack_mode { STACK_CONTAINERS, STACK_SWARM };

/* The libvirt URI of a workspace that names none. */
#define DEFAULT_URI "qemu:///system"

struct shared_folder {
	char *host;		/* absolute, normalized */
	char *guest;
	int readonly;
	int line;
};

struct dependency {
	char *service;
	enum dep_condition condition;
	int line;
};

struct healthcheck {
	int set;
	int disabled;
	struct strlist test;	/* Docker's form: "CMD"/"CMD-SHELL", args */
	uint64_t interval_ms, timeout_ms, start_period_ms;
	int retries;
};

struct ulimit {
	char *name;
	long long soft, hard;
};

/* How a container runs besides its image, command and environment: the
 * engine's own settings, as compose names them. Zero, NULL or empty is
 * unset: the engine's default. */
struct run_opts {
	char *user, *working_dir, *hostname, *stop_signal;
	char *domainname, *mac_address, *ipc, *pid, *userns_mode, *uts,
	     *cgroup, *cgroup_parent, *runtime, *cpuset;
	uint64_t stop_grace_ms;
	int has_stop_grace;
	int tty, stdin_open, privileged, init, read_only, oom_kill_disable;
	struct strlist cap_add, cap_drop, extra_hosts, dns, dns_search,
		       security_opt, group_add, dns_opt, device_cgroup_rules;
	struct strlist tmpfs;		/* "/path[:options]" */
	uint64_t shm_size, mem_limit, nano_cpus;
	long long pids_limit;
	struct kvlist sysctls;
	struct ulimit *ulimits;
	size_t nulimits;
};

/* compose's develop.watch: what to do when a file under path changes. */
enum watch_action { WATCH_SYNC, WATCH_SYNC_RESTART, WATCH_REBUILD };

struct watch_rule {
	enum watch_action action;
	char *path;		/* absolute, normalized */
	char *target;		/* in the container; NULL for rebuild */
	struct strlist ignore;	/* patterns, relative to path */
	int line;
};

/* The run settings both front ends read by the same name: a string, a
 * flag or a list of strings, each pointing into r; and the engine's
 * name for it, in the container's Config or (host) its HostConfig. */
struct run_field {
	const char *key;
	char **str;
	int *flag;
	struct strlist *list;
	const char *engine;
	int host;
};
#define RUN_FIELDS 28
void run_fields(struct run_opts *r, struct run_field out[RUN_FIELDS]);

/* More names a service answers to on one of its networks. */
struct net_alias {
	char *network;
	char *alias;
};

struct service {
	char *name;
	int line;
	int index;		/* position in stack.services */
	char *container_name;	/* compose's: the one container's name */
	char *image;
	char *build_context;	/* absolute, normalized; NULL without build */
	char *dockerfile;
	struct kvlist build_args;
	char *build_target;	/* a stage of a multi-stage Dockerfile */
	char *load;		/* absolute path of an image tar */
	int from_host;
	int has_command, has_entrypoint;
	struct strlist command, entrypoint;
	struct kvlist environment;
	struct strlist env_files;	/* absolute paths */
	struct port_spec *ports;
	size_t nports;
	struct mount_spec *mounts;
	size_t nmounts;
	struct dependency *deps;
	size_t ndeps;
	struct healthcheck health;
	char *restart;
	int replicas;
	struct kvlist labels;
	struct strlist networks;
	struct net_alias *aliases;
	size_t naliases;
	struct kvlist ipv4;	/* network -> its fixed address there */
	struct run_opts run;
	struct watch_rule *watch;
	size_t nwatch;
};

struct ws {
	char *file;		/* absolute path of the Berthfile */
	char *dir;		/* the workspace root: the Berthfile's folder */
	char *name;		/* WORKSPACE, or WORKSPACE-ENV */
	char *env;		/* the environment: "default", or BERTH_ENV */
	/* whose environments.NAME settings it takes: env, or what a
	 * 'berth run' was given (BERTH_ENV_SETTINGS) */
	char *env_settings;
	struct {
		char *box;
		int cpus;
		uint64_t memory, disk;
		char *uri;
		enum net_mode network;
		enum accel_mode accel;
		struct port_spec *ports;
		size_t nports;
		struct shared_folder *shared;
		size_t nshared;
	} vm;
	struct {
		enum docker_install install;
		char *host;	/* NULL: the engine inside the workspace VM */
	} docker;
	/* cluster = { nodes = N; }: a Docker Swarm of N VMs, the workspace
	 * VM its manager; 1 is the workspace VM alone */
	struct {
		int nodes;
	} cluster;
	/* a VM of a cluster other than the workspace VM: its number, 2 to
	 * nodes, with a state of its own (ws_node); 0 for the workspace */
	int node;
	struct {
		enum stack_mode mode;
		struct service *services;
		size_t nservices;
		struct strlist networks;
		struct strlist internal;	/* networks with no way out */
		/* a network's own addresses: NAME -> subnet, and gateway */
		struct kvlist subnets, gateways;
		struct strlist volumes;
		/* a network or volume the engine knows by another name than
		 * WORKSPACE_NAME: compose's name: or external */
		struct kvlist engine_names;
		/* made by someone else: never created or removed by berth */
		struct strlist external;
	} stack;
	/* what berth read but does not act on, each "FILE:LINE: what" */
	struct strlist notes;
};

/* One finding of validation, located in the file the user edits. */
struct diag {
	char *file;
	int line;
	char *setting;
	char *msg;
	char *hint;
	size_t seq;		/* the order it was found in */
};

struct diags {
	struct diag *v;
	size_t n, alloc;
};

void diags_add(struct diags *d, const char *file, int line,
	       const char *setting, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void diags_release(struct diags *d);
/* By file, then line, then the order they were found in. */
void diags_sort(struct diags *d);

/*
 * Find the Berthfile: explicit (from -f), else $BERTH_FILE, else the
 * nearest one in the current folder or its parents. A folder without a
 * Berthfile may have a compose file instead (compose.yaml...), taken as
 * it is. Returns NULL with an error recorded when there is none.
 */
char *berthfile_locate(const char *explicit);

/*
 * Load and validate. Returns 0, or -1 with every problem in d; the ws is
 * then partly filled and must still be released.
 */
int ws_load(struct ws *ws, const char *path, const char *display,
	    struct diags *d);
void ws_release(struct ws *ws);

/* environments.c: BERTH_ENV, or "default". */
const char *ws_env_selected(void);
int ws_env_valid(const char *name);
int ws_env_is_default(const struct ws *ws);
/* A port as read: outside the default environment, a host port that the
 * environment itself does not pin is picked afresh, so that environments
 * run side by side. */
void ws_env_port(const struct ws *ws, struct port_spec *p);
/* The name environment env of ws's workspace has: WORKSPACE[-ENV]. */
char *ws_env_workspace_name(const struct ws *ws, const char *env);
/* Name the workspace after its environment: WORKSPACE-ENV. */
void ws_env_finish(struct ws *ws);

/* cluster.c: the K-th node of ws's cluster (2 <= K <= nodes) as a
 * workspace of its own, named WORKSPACE-nodeK: the same VM settings, no
 * forwarded ports (the manager's routing mesh answers them). Release
 * with ws_node_release; it shares the rest with ws. */
#define CLUSTER_NODES_MAX 9
/* The cluster network's subnet, /24: the host has no address on it, so
 * it clashes with no network of the host's, and in the guests it is
 * clear of the pools Swarm's overlay networks come from (stack-swarm.c) */
#define CLUSTER_SUBNET "192.168.213"
void ws_node(const struct ws *ws, int k, struct ws *out);
void ws_node_release(struct ws *node);
/* The cluster network's libvirt name, the same for every node, and a
 * node's address and MAC on it (to free). */
char *ws_cluster_network(const struct ws *ws);
char *ws_node_address(const struct ws *ws);
char *ws_node_mac(const struct ws *ws);
/* The cluster's image registry, on the manager: "ADDRESS:PORT", the
 * name its images go by (to free). */
char *ws_cluster_registry(void);

const struct service *ws_find_service(const struct ws *ws, const char *name);
/* Something waits for it to complete: a clean exit is its end, not a
 * stop (a VM's shutdown stops every other service with code 0 too). */
int ws_service_is_job(const struct ws *ws, const struct service *svc);
const char *dep_condition_name(enum dep_condition c);


#endif
