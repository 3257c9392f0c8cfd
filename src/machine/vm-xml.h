/* vm-xml.h: the domain XML of a workspace VM. */

#ifndef BERTH_VM_XML_H
#define BERTH_VM_XML_H

#include <libvirt/libvirt.h>

#include "config.h"
#include "state.h"
#include "util.h"

/* What the domain is made of, decided by 'berth up'. */
struct vm_plan {
	const char *accel;		/* libvirt domain type: kvm or qemu */
	char uuid[VIR_UUID_STRING_BUFLEN];	/* kept when redefining */
	const char *pool;
	const char *overlay, *seed;	/* volume names */
	const char *kernel, *initrd;	/* paths; NULL boots from the disk */
	const char *cmdline;
	const char *console_log;
	int virtiofs;			/* else 9p */
	const char *virtiofsd;
	/* no filesystems in the XML, but the shared memory virtiofs needs:
	 * a domain saved warm (virtiofs cannot be migrated), or restored
	 * from such an image; they are plugged in once it runs */
	int hotplug_fs;
	/* the libvirt host is another machine: no path of this one in the
	 * XML, and QEMU's forwards on free ports there (tunnel.c) */
	int remote;
	/* a cluster's node: its NIC on the cluster network, which a domain
	 * restored warm gets plugged in once it runs, as hotplug_fs says */
	const char *cluster_net, *cluster_mac;
};

void xml_escape(struct strbuf *out, const char *s);
/* The <filesystem> devices of a workspace: its folder and vm.shared. */
void vm_filesystems_xml(const struct ws *ws, const struct vm_plan *p,
			struct strbuf *out);
void vm_filesystem_xml(struct strbuf *out, const struct vm_plan *p,
		       const char *dir, const char *tag, int readonly);
/* The <interface> of a node on the cluster network. */
void vm_cluster_nic_xml(const char *network, const char *mac,
			struct strbuf *out);
int vm_domain_xml(const struct ws *ws, const struct ws_state *st,
		  const struct vm_plan *p, struct strbuf *out);

#endif
