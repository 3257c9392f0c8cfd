/* state.h: a workspace's state in .berth/ beside its Berthfile, and the
 * lock that keeps two berth commands from changing it at once. */

#ifndef BERTH_STATE_H
#define BERTH_STATE_H

#include "config.h"

#define STATE_DIR ".berth"

struct ws_state {
	char id[17];		/* random hex, also in the domain name */
	char *domain;		/* berth-<workspace>-<id> */
	char *accel;		/* "kvm" or "tcg" once known */
	char *ssh_host;		/* 127.0.0.1, or the guest's address on NAT */
	int ssh_port;		/* host side of the forwards */
	int docker_port;
	int *vm_ports;		/* host ports for ws->vm.ports, in order */
	size_t nvm_ports;
	char *box_name, *box_version;
	char *vm_hash;		/* the VM settings the domain was made from */
	char *started_at;
	char *provisioned;	/* UUID of the domain once cloud-init finished
				 * and its engine answered: a later up on it
				 * needs no SSH */
	char *warm;		/* the warm image it was restored from: it
				 * boots with no cloud-init after a halt */
	int warm_pending;	/* its disk is (being) made from the warm
				 * image, its identity not yet given: a cut
				 * up starts that workspace over. Cleared
				 * with warm, or once the identity is in */
	int cloud_init_off;	/* cloud-init did its once on this disk and
				 * is off: a later boot waits for the
				 * engine alone */
	char *fstab_folders;	/* folders_fstab_key() of the folders in
				 * the guest's fstab */
	int exists;		/* was there a state file */
};

/* .berth/ of the workspace, created 0700 on demand. */
char *state_dir(const struct ws *ws);
char *state_path(const struct ws *ws, const char *name);
/* The environments of ws's folder that have state, default first, added
 * to out (those it has already are not added twice). */
void state_envs(const struct ws *ws, struct strlist *out);
/* The environment's state, and .berth/ when no other is left in it. */
int state_remove(const struct ws *ws);
/* Whether the environment has been made: its state holds more than its
 * lock and the mark of the berth run that is making it. */
int state_env_made(const struct ws *ws);

/* berth run's mark in the state of the environment it owns */
#define STATE_RUN_MARK "run.json"

/* Missing state gives a fresh one with a new id, as does unreadable state,
 * which is kept as state.json.corrupt (the caller then adopts the VM). */
int state_load(const struct ws *ws, struct ws_state *st);
int state_save(const struct ws *ws, const struct ws_state *st);
void state_release(struct ws_state *st);

/* Hold .berth/lock; if another berth holds it, say so and wait. */
int state_lock(const struct ws *ws, int *fd);
void state_unlock(int fd);

#endif
