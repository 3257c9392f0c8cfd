/* up.h: what the steps of 'machine_up' share, inside the machine module:
 * the cold boot (machine-up.c) and the warm restore (warm.c). */

#ifndef BERTH_UP_H
#define BERTH_UP_H

#include "box.h"
#include "machine.h"
#include "state.h"
#include "vm-xml.h"

/* Start a defined domain. On a remote libvirt host it starts paused
 * until its keeper holds the console and the ports (tunnel.c): the
 * console is read from the boot's first line, and SSH and the engine
 * answer here. 0, or -1 with the error set. */
int start_domain(const struct ws *ws, const struct ws_state *st,
		 virDomainPtr dom);

/* cloud-init's own switch: while this file is there, it does not run */
#define CLOUD_INIT_OFF_FILE "/etc/cloud/cloud-init.disabled"

/*
 * cloud-init is done with this boot when it has written its result, at
 * the end of its last stage; exit 1 when that lists errors. Waited for in
 * the shell: 'cloud-init status --wait' starts Python, seconds under TCG.
 * A guest where berth turned cloud-init off (a state lost since) has
 * nothing to wait for. A subshell, so that its exit ends the wait alone.
 */
#define CLOUD_INIT_WAIT                                                    \
	"(until [ -e /run/cloud-init/result.json ]; do "                    \
	"[ -e " CLOUD_INIT_OFF_FILE " ] && exit 0; sleep 0.5; done; "       \
	"tr -d ' \\n' </run/cloud-init/result.json | "                     \
	"grep -q '\"errors\":\\[\\]')"

/* One 'up' of the VM: what its steps share. */
struct up_run {
	const struct ws *ws;
	int timeout_s;
	const struct reporter *rep;
	struct ws_state st;
	struct vm_conn v;
	struct box_store store;
	struct box box;
	virDomainPtr dom;
	char *hash;		/* of the VM settings (vm_settings_hash) */
	char *log;		/* the console log */
};

const char *find_virtiofsd(void);
/* A box version's volume in the pool ("qcow2", "vmlinuz"...). */
char *box_volume(const struct box *b, const char *what);
/* The box's image, kernel and initrd in the pool; the plan boots them. */
int upload_box(struct vm_conn *v, const struct box *b, struct vm_plan *plan,
	       char **kernel, char **initrd);
/* The uid the guest user takes (the workspace owner's), 0 for the box's. */
unsigned guest_uid(const struct ws *ws);
/* The workspace's cloud-init seed, into volume seed_vol. */
int write_seed(struct vm_conn *v, const struct ws *ws,
	       const struct ws_state *st, const struct box *box,
	       const char *seed_vol);
/* Running or blocked (for the waits' "still alive" test). */
int domain_alive(void *dom);
/* The host's accelerator as probed ("kvm", "tcg"), or NULL; set with set. */
char *host_accel(const char *set);
int mark_provisioned(const struct ws *ws, struct ws_state *st,
		     virDomainPtr dom);
/* The console's last lines, as a warning. */
void console_tail(const struct reporter *rep, const char *log, int lines);

#endif
