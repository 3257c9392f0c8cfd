/* ssh.h: the workspace's SSH key, and running OpenSSH against the VM. */

#ifndef BERTH_SSH_H
#define BERTH_SSH_H

#include "config.h"
#include "state.h"

/* .berth/id_ed25519 (0600), made with ssh-keygen when missing. */
int ssh_keygen(const struct ws *ws);
char *ssh_pubkey(const struct ws *ws);

/* ssh's options and user@host (not "ssh" itself): callers put their own
 * options before and a command after. */
void ssh_base_argv(const struct ws *ws, const struct ws_state *st,
		   struct strlist *argv);
/* Run a command in the guest; returns its exit status, or -1. */
int ssh_run(const struct ws *ws, const struct ws_state *st, const char *cmd,
	    int quiet, int timeout_s);
/* Run a shell script in the guest as root, fed on standard input. */
int ssh_run_script(const struct ws *ws, const struct ws_state *st,
		   const char *script);
/* Wait until SSH answers, at most timeout_s; alive() says the VM still is. */
int ssh_wait(const struct ws *ws, const struct ws_state *st, int timeout_s,
	     int (*alive)(void *), void *arg);

#endif
