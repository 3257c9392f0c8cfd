/* folders.h: the workspace's shared folders (virtiofs) plugged into a
 * running VM and taken out of it, and mounted in the guest. QEMU cannot
 * save the memory of a VM that has a virtiofs device (vhost-user keeps
 * state on the host), so a save takes them out first and plugs them back
 * after, as a warm restore plugs them in. */

#ifndef BERTH_FOLDERS_H
#define BERTH_FOLDERS_H

#include <libvirt/libvirt.h>

#include "config.h"
#include "util.h"

/* 'text' in single quotes, for the guest's shell. */
void sh_quoted(struct strbuf *out, const char *text);
/* Shell lines that mount every folder of ws in the guest, each waiting
 * for its device (a plugged one shows up a moment later); with_fstab,
 * also written to /etc/fstab so that they come back at every boot. */
void folders_mount_script(const struct ws *ws, int with_fstab,
			  struct strbuf *sh);
/* What names the folders that script writes to fstab: a guest whose
 * fstab was written under another key lacks some. */
char *folders_fstab_key(const struct ws *ws);
/* Attach, live, every folder of ws the running domain does not have. */
int folders_plug(virDomainPtr dom, const struct ws *ws,
		 const char *virtiofsd);
/* Unmount every folder in the guest (through the agent), then detach
 * them; on failure, what was taken out is plugged back and mounted. */
int folders_unplug(virDomainPtr dom, const struct ws *ws,
		   const char *virtiofsd, int timeout_s);
/* folders_plug, then the mounts through the agent. */
int folders_replug(virDomainPtr dom, const struct ws *ws,
		   const char *virtiofsd, int timeout_s);

#endif
