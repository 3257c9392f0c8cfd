/* vm.h: the workspace VM on libvirt: connection, storage pool volumes,
 * the domain and its lifecycle. */

#ifndef BERTH_VM_H
#define BERTH_VM_H

#include <libvirt/libvirt.h>
#include <stdint.h>

#include "config.h"
#include "util.h"

#define VM_METADATA_NS "https://berth.dev/xmlns/workspace/1"
#define VM_POOL "default"

struct vm_conn {
	virConnectPtr conn;
	virStoragePoolPtr pool;	/* looked up; or made too, by vm_pool() */
	int pool_ready;		/* vm_pool(): made, started, refreshed */
	char *uri;
};

/* Route libvirt's errors to berth's, so nothing prints behind its back. */
void vm_errors_quiet(void);

/* A connection to uri; one command's vm_opens share one while it lives. */
int vm_open(struct vm_conn *v, const char *uri);
/* One of its own, for event and close callbacks (the dashboard's). */
int vm_open_private(struct vm_conn *v, const char *uri);
void vm_close(struct vm_conn *v);
/* The "default" pool, defined (in /var/lib/libvirt/images) and started
 * when it is missing on a local system URI. */
int vm_pool(struct vm_conn *v);

/* Upload a file into a pool volume once: a complete volume is kept. */
int vm_volume_upload(struct vm_conn *v, const char *name, const char *file,
		     const char *format);
/* Replace a volume with the bytes given. */
int vm_volume_put(struct vm_conn *v, const char *name, const void *data,
		  size_t len, const char *format);
/* A qcow2 overlay on a backing volume, grown to capacity; kept if present. */
int vm_volume_overlay(struct vm_conn *v, const char *name,
		      const char *backing, uint64_t capacity);
/* Bytes of a volume in place, through libvirt (a remote one too). */
int vm_volume_read_at(struct vm_conn *v, const char *name, uint64_t off,
		      void *buf, size_t len);
int vm_volume_write_at(struct vm_conn *v, const char *name, uint64_t off,
		       const void *buf, size_t len);
char *vm_volume_path(struct vm_conn *v, const char *name);
int vm_volume_exists(struct vm_conn *v, const char *name);
int vm_volume_delete(struct vm_conn *v, const char *name);
/* Does a volume back another, or a domain read it? */
int vm_volume_in_use(struct vm_conn *v, const char *name);
/* The names of the pool's volumes that start with prefix, added to out. */
int vm_volumes_named(struct vm_conn *v, const char *prefix,
		     struct strlist *out);
/* A box version's volumes in the pool, shared by its workspaces: the
 * image, and the kernel and initrd of a box that boots directly. */
char *vm_box_volume(const char *box, const char *version, const char *what);
/* Delete them, but for those a volume or a domain still reads: *kept
 * counts those. */
int vm_box_volumes_remove(struct vm_conn *v, const char *box,
			  const char *version, int *kept);

/* Lookup: 1 found, 0 missing, -1 error. */
int vm_domain_find(struct vm_conn *v, const char *name, virDomainPtr *out);
/* The domain of a workspace's state, if its metadata names folder dir:
 * a state file from elsewhere must not make another VM this one's. */
int vm_domain_find_for(struct vm_conn *v, const char *name, const char *dir,
		       virDomainPtr *out);
int vm_domain_define(struct vm_conn *v, const char *xml, virDomainPtr *out);
/* "running", "shut off", "paused", "saved" (managed save)... */
const char *vm_domain_state(virDomainPtr d, int *state);
/* Stop the domain if it runs, and undefine it with its managed save,
 * snapshot metadata and NVRAM: 0, or -1 with the error set. */
int vm_domain_remove(virDomainPtr d, const char *name);

/* libvirt's "default" NAT network, started when it is not. */
int vm_nat_network(struct vm_conn *v);
/* The guest's IPv4 address from the NAT network's DHCP leases. */
char *vm_guest_address(virDomainPtr d);

/* A domain of berth's, found through its metadata. */
struct vm_entry {
	char *domain;
	char *id, *workspace, *path;
	char *env;		/* "default" on domains before environments */
	char *box, *box_version;	/* NULL on domains before 0.1.1 */
	int node;		/* a cluster's node K >= 2, else 0 */
	const char *state;
};
int vm_list(struct vm_conn *v, struct vm_entry **out, size_t *n);
void vm_entries_free(struct vm_entry *e, size_t n);

/* QEMU's monitor, the one way into it: an HMP command and its text
 * output (to free), or a QMP command (which this takes over) and its
 * "return" (to json_decref). */
#include <jansson.h>
int vm_monitor_hmp(virDomainPtr dom, const char *cmd, char **out);
int vm_monitor_qmp(virDomainPtr dom, json_t *cmd, json_t **out);

/* A host forward of QEMU's user-mode network, as "info usernet" lists
 * it: "  TCP[HOST_FORWARD]  13  127.0.0.1  8080  10.0.2.15  8080 ...". */
struct usernet_forward {
	char proto[4];		/* "TCP" or "UDP" */
	char addr[64];
	int port, guest_port;
};

/* The next forward of "info usernet" text from *pos: 1, with *pos past
 * its line; 0 at the end. */
int vm_usernet_next(const char **pos, struct usernet_forward *f);

/* The libvirt library's version, "9.0.0", or NULL. */
char *vm_libvirt_version(void);
/* The name the libvirt host behind v gives itself (to free), or NULL: with
 * a remote vm.uri, that machine's. */
char *vm_host_name(struct vm_conn *v);
/* The versions of the libvirt and the hypervisor behind v, each NULL when
 * not told; -1 when the library's is not. */
int vm_conn_versions(struct vm_conn *v, char **lib, char **hv);

/* The last libvirt error, for messages. */
const char *vm_last_error(void);

#endif
