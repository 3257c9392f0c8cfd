/* cluster.h: inside the machine module, the network of a cluster's
 * nodes (cluster-net.c). */

#ifndef BERTH_CLUSTER_H
#define BERTH_CLUSTER_H

#include "config.h"
#include "vm.h"

/* The cluster's network, defined and started when it is not. */
int cluster_network_ensure(struct vm_conn *v, const struct ws *ws);
/* Stopped and undefined; none is no error. */
int cluster_network_remove(struct vm_conn *v, const struct ws *ws);
int cluster_network_exists(struct vm_conn *v, const struct ws *ws);
/* The node's NIC on it plugged in if the running domain lacks it, and its
 * address given (and kept across boots) over the guest agent; nothing
 * to do for a domain that was running with it before this up. */
int cluster_nic_up(virDomainPtr dom, const struct ws *ws, int was_running,
		   int timeout_s);
struct reporter;
/* cluster-registry.c: the cluster's image registry running on the
 * manager (ws == manager), and every node's dockerd trusting it, on each
 * up; the manager's CA signs its certificates. */
int cluster_registry_up(virDomainPtr dom, const struct ws *ws,
			const struct ws *manager, int timeout_s,
			const struct reporter *rep);

#endif
