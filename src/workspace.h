/* workspace.h: a workspace's VM as the commands see it: state, libvirt
 * connection and domain, opened together. */

#ifndef BERTH_WORKSPACE_H
#define BERTH_WORKSPACE_H

#include "berth.h"
#include "state.h"
#include "vm.h"

struct workspace {
	const struct ws *ws;
	struct ws_state st;
	struct vm_conn v;
	virDomainPtr dom;	/* NULL when the VM does not exist */
	int lock;
};

/* Without a state file, take over the id of a domain whose metadata
 * names this workspace's folder (after a crash or a lost .berth/). */
int workspace_adopt(struct vm_conn *v, const struct ws *ws,
		    struct ws_state *st);

/* Load state, connect, find the domain; lock when the command changes it. */
int workspace_open(struct cmd_ctx *ctx, struct workspace *w, int lock);
void workspace_close(struct workspace *w);

/* 0 when the VM runs; else an error that says to run 'berth up'. */
int workspace_running(struct workspace *w);

/* The engine's address: tcp://127.0.0.1:PORT, or the guest's on NAT. */
char *workspace_docker_host(const struct ws_state *st);

/* Wait until the VM's engine answers GET /_ping over mutual TLS. */
int workspace_docker_wait(const struct ws *ws, const struct ws_state *st,
			  int timeout_s);

/* All of 'berth up': the VM, then the stack; errors are printed. */
int workspace_up(struct cmd_ctx *ctx, int timeout_s);

/* ACPI or guest-agent shutdown, then a hard stop after timeout_s. */
int workspace_halt(struct workspace *w, int timeout_s);

#endif
