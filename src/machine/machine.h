/* machine.h: the workspace VM, the one module that drives libvirt for a
 * workspace: up (box volume, overlay, seed, boot, readiness), suspend,
 * resume, halt, destroy, and the engine inside it. Commands call these;
 * they never call libvirt themselves. */

#ifndef BERTH_MACHINE_H
#define BERTH_MACHINE_H

#include <jansson.h>

#include "config.h"
#include "util.h"
#include "report.h"
#include "seed.h"
#include "ssh.h"
#include "state.h"
#include "tls.h"
#include "vm.h"

/* How long 'up' waits for a boot or a service, and 'halt' for the guest
 * to stop before stopping it hard, unless told otherwise. */
#define MACHINE_UP_TIMEOUT_S 600
#define MACHINE_HALT_TIMEOUT_S 90

/* A workspace's VM as a command holds it: state, libvirt connection and
 * domain, opened together. */
struct machine {
	const struct ws *ws;
	struct ws_state st;
	struct vm_conn v;
	virDomainPtr dom;	/* NULL when the VM does not exist */
	int lock;
};

/* Without a state file, take over the id of a domain whose metadata
 * names this workspace's folder (after a crash or a lost .berth/). */
int machine_adopt(struct vm_conn *v, const struct ws *ws,
		  struct ws_state *st);

/* machine_adopt on a connection of its own, saving what it found. */
int machine_recover_state(const struct ws *ws, struct ws_state *st);
/* -1 when the state's domain is another folder's: its engine is not to
 * be trusted. libvirt not answering is no error (the engine may). */
int machine_check_owner(const struct ws *ws, const struct ws_state *st);

/* Load state, connect, find the domain; lock when the command changes it. */
int machine_open(const struct ws *ws, struct machine *w, int lock);
void machine_close(struct machine *w);

/* Whether the state's VM exists (1) or not (0), and runs, asked of
 * libvirt alone; libvirt not answering counts as not existing. */
int machine_find(const struct ws *ws, int *running);
/* 0 when the VM runs; else an error that says to run 'berth up'. */
int machine_running(struct machine *w);
/* "running", "shut off", "paused", "saved"..., or "not created". */
const char *machine_state_name(struct machine *w);

/* Bring the VM up, or find it up: define and boot it from its box on the
 * first run, restore or resume it after suspend, and wait until SSH,
 * cloud-init and the engine answer. Phases and notes go to rep. Takes no
 * lock: the caller holds the workspace's. */
int machine_up(const struct ws *ws, int timeout_s, const struct reporter *rep);

/* -1 with an error that says so when ws is a cluster of VMs, whose
 * command is for one VM alone. */
int machine_not_cluster(const struct ws *ws, const char *command);
/* 0 saved to disk; 1 paused in memory, with why it could not be saved in
 * *paused_why (to free); -1 on error. */
int machine_suspend(struct machine *w, char **paused_why);
/* 1 running again, 0 when it was not suspended, -1 on error. */
int machine_resume(struct machine *w);
/* ACPI or guest-agent shutdown, then a hard stop after timeout_s; what
 * goes wrong is told to rep. The workspace VM's cluster nodes too. */
int machine_halt(struct machine *w, int timeout_s, const struct reporter *rep);
/* Remove the domain, its overlay and seed, and the .berth/ state; the box
 * stays. The workspace VM's cluster nodes and network go first. */
int machine_destroy(struct machine *w);

/* cluster-nodes.c: the other VMs of the workspace's cluster, those that
 * exist (a state, or a domain): each destroyed from number from on (and
 * told to rep, if given); each halted. */
int machine_nodes_destroy(const struct ws *ws, int from,
			  const struct reporter *rep);
int machine_nodes_halt(const struct ws *ws, int timeout_s,
		       const struct reporter *rep);

/* A port of the host's, forwarded to the same port in the VM. */
struct forward {
	int proto;		/* PROTO_TCP or PROTO_UDP */
	const char *host_ip;
	int port;
	const char *service;	/* what asked for it, for errors */
	int line;		/* where in the Berthfile */
};
/* A VM on another libvirt host: copy the folder to /workspace in it, one
 * way (sync.c); *entries says how many files and folders it has. */
int machine_sync(const struct ws *ws, const struct ws_state *st,
		 long *entries);
/* What that copy would hold, hashed (to free), or NULL with the error. */
char *machine_sync_digest(const struct ws *ws);

/* Add the forwards QEMU's slirp lacks, live (it forgets them when it
 * stops; 'info usernet' says which it has), with no redefinition. */
int machine_forward_ports(const struct ws *ws, const char *domain,
			  const struct forward *f, size_t n);
/* The host ports QEMU forwards into a domain in state ("running"...), but
 * SSH's and the engine's: a JSON array, empty when it is not running. */
json_t *machine_forwarded_ports(struct vm_conn *v, const char *domain,
				const char *state);

/* The engine's address: tcp://127.0.0.1:PORT, or the guest's on NAT. */
char *machine_docker_host(const struct ws_state *st);
/* Root shell lines that give the guest's dockerd the workspace's TLS
 * files and options (provision; a warm restore's identity), -1 when the
 * files cannot be read. */
int machine_docker_tls_script(const struct ws *ws, struct strbuf *sh);
/* A file written by that root shell, from a quoted here-doc. */
void machine_script_file(struct strbuf *sh, const char *path,
			 const char *mode, const char *content);
/* Wait until the VM's engine answers GET /_ping over mutual TLS. */
int machine_docker_wait(const struct ws *ws, const struct ws_state *st,
			int timeout_s);

/* Snapshots of the VM (snapshot.c): save, return to, delete, list. */
/* A running VM's memory goes into the pool, beside its overlay, in
 * volumes named DOMAIN SNAPSHOT_MEMORY_INFIX NAME ".mem". */
#define SNAPSHOT_MEMORY_INFIX "-snap-"
/* Running or halted; *was_running says which it was. With memory, a
 * running VM's memory is kept unless *why_no_memory (to free) says why
 * not. */
int snapshot_save(struct machine *w, const char *name, int memory,
		  int *was_running, char **why_no_memory);
/* Stops the VM if it runs, and puts its disk back as it was: 0, the VM
 * to boot; 1, running again from the snapshot's memory. When it had
 * memory that could not be restored, *why_no_memory (to free) says why. */
int snapshot_restore(struct machine *w, const char *name,
		     char **why_no_memory);
int snapshot_delete(struct machine *w, const char *name);
/* [{name, time, size, running, memory}], oldest first. */
int snapshot_list(struct machine *w, json_t **out);

#endif
