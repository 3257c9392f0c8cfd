/* remote.h: a workspace VM on another libvirt host (a vm.uri that names a
 * host). Nothing of this machine's file system reaches that host: its
 * forwarded ports come to this machine's 127.0.0.1 through one SSH
 * connection that a keeper process holds for the workspace, and its serial
 * console comes through libvirt into .berth/console.log. */

#ifndef BERTH_REMOTE_H
#define BERTH_REMOTE_H

#include "config.h"
#include "state.h"
#include "util.h"

/* A libvirt URI, taken apart as its ssh transport reads it. */
struct remote_uri {
	char *transport;	/* "ssh", "tls", "tcp"... */
	char *user, *host, *port;	/* user and port NULL when not given */
	char *keyfile, *known_hosts;	/* query parameters, or NULL */
	int no_verify;
};

/* 1 when uri names a host, 0 for a local one (qemu:///system), -1 with
 * the error set when its host part is malformed. */
int remote_uri_parse(const char *uri, struct remote_uri *r);
void remote_uri_release(struct remote_uri *r);
/* Does uri name another host? */
int vm_uri_remote(const char *uri);
/* ssh's options and the host for uri (not "ssh" itself), as libvirt's ssh
 * transport would connect; an error for other transports. */
int remote_ssh_argv(const char *uri, struct strlist *argv);

/* What a VM on another host cannot have, refused before anything is
 * made there: a transport other than ssh, the NAT network, UDP ports. */
int remote_check(const struct ws *ws);

/* Start the workspace's keeper unless it runs, and wait until it holds
 * the console, so that the boot is read from its first line. */
int tunnel_start(const struct ws *ws, const struct ws_state *st);
/* Stop it (by the PID it wrote), and its SSH connection with it. */
void tunnel_stop(const struct ws *ws);
/* The PID of the workspace's keeper, or 0 when none runs. */
int tunnel_pid(const struct ws *ws);
/* The keeper itself: 'berth _tunnel URI DOMAIN STATE-DIR MAP...', where
 * each MAP is GUEST-PORT=IP:PORT for a forward that is not to the guest's
 * port of the same number on 127.0.0.1. It runs until the domain stops. */
int tunnel_main(int argc, char **argv);

#endif
