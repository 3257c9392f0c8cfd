/* cluster-net.c: the network a cluster's nodes share. An isolated
 * libvirt network of its own (the host has no address on it), and each
 * node's NIC and address there, which Swarm advertises. */

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cluster.h"
#include "machine.h"
#include "vm-xml.h"
#include "xml.h"

int
cluster_network_ensure(struct vm_conn *v, const struct ws *ws)
{
	char *name = ws_cluster_network(ws);
	struct strbuf xml = STRBUF_INIT;
	virNetworkPtr net = virNetworkLookupByName(v->conn, name);
	int ret = -1;

	if (!net) {
		/* no <forward> and no <ip>: the nodes' link, and nothing of
		 * the host's; their way out is each one's own NIC */
		sb_addstr(&xml, "<network>\n  <name>");
		xml_escape(&xml, name);
		sb_addstr(&xml, "</name>\n  <bridge stp='off' delay='0'/>\n"
			  "</network>\n");
		if (!(net = virNetworkDefineXML(v->conn, xml.buf))) {
			err_set("cannot define the cluster network '%s': %s",
				name, vm_last_error());
			goto out;
		}
	}
	if (virNetworkIsActive(net) != 1 && virNetworkCreate(net) < 0) {
		err_set("cannot start the cluster network '%s': %s", name,
			vm_last_error());
		goto out;
	}
	ret = 0;
out:
	if (net)
		virNetworkFree(net);
	sb_release(&xml);
	free(name);
	return ret;
}

int
cluster_network_remove(struct vm_conn *v, const struct ws *ws)
{
	char *name = ws_cluster_network(ws);
	virNetworkPtr net = virNetworkLookupByName(v->conn, name);
	int ret = 0;

	if (net) {
		if (virNetworkIsActive(net) == 1 && virNetworkDestroy(net) < 0)
			ret = -1;
		if (ret == 0 && virNetworkUndefine(net) < 0)
			ret = -1;
		if (ret < 0)
			err_set("cannot remove the cluster network '%s': %s",
				name, vm_last_error());
		virNetworkFree(net);
	}
	free(name);
	return ret;
}

int
cluster_network_exists(struct vm_conn *v, const struct ws *ws)
{
	char *name = ws_cluster_network(ws);
	virNetworkPtr net = virNetworkLookupByName(v->conn, name);

	free(name);
	if (!net)
		return 0;
	virNetworkFree(net);
	return 1;
}

/*
 * The guest's part, run now and by a unit at each boot before dockerd:
 * the device with the node's MAC gets the node's address. Found by MAC,
 * as a NIC plugged in after a restore takes whatever name comes next.
 */
static void
address_script(const char *mac, const char *addr, struct strbuf *sh)
{
	struct strbuf prog = STRBUF_INIT;

	sb_addf(&prog,
		"#!/bin/sh\n"
		"# berth: this node's address on its cluster's network\n"
		"i=0\n"
		"while [ $i -lt 240 ]; do\n"
		"\tfor d in /sys/class/net/*; do\n"
		"\t\t[ \"$(cat \"$d/address\")\" = %s ] || continue\n"
		"\t\tip link set \"${d##*/}\" up &&\n"
		"\t\t\texec ip addr replace %s/24 dev \"${d##*/}\"\n"
		"\tdone\n"
		"\ti=$((i + 1))\n"
		"\t# a NIC plugged in after a warm restore may go unannounced\n"
		"\t[ $((i %% 8)) -ne 0 ] || echo 1 >/sys/bus/pci/rescan\n"
		"\tsleep 0.25\n"
		"done\n"
		"echo 'no network device has the MAC %s' >&2\n"
		"exit 1\n", mac, addr, mac);
	/* a node that has it all asks for nothing more: each up runs this */
	sb_addf(sh, "ip -4 -o addr show | grep -q ' %s/24 ' && "
		"[ -x /usr/local/sbin/berth-cluster-net ] && exit 0\n", addr);
	machine_script_file(sh, "/usr/local/sbin/berth-cluster-net", "0755",
			    prog.buf);
	machine_script_file(sh, "/etc/systemd/system/berth-cluster-net.service",
			    "0644",
			    "[Unit]\n"
			    "Description=berth: the cluster network's address\n"
			    "Before=docker.service\n"
			    "[Service]\n"
			    "Type=oneshot\n"
			    "ExecStart=/usr/local/sbin/berth-cluster-net\n"
			    "[Install]\n"
			    "WantedBy=multi-user.target\n");
	sb_addstr(sh, "systemctl daemon-reload && systemctl enable "
		  "berth-cluster-net.service 2>/dev/null || exit 1\n"
		  "exec /usr/local/sbin/berth-cluster-net\n");
	sb_release(&prog);
}

int
cluster_nic_up(virDomainPtr dom, const struct ws *ws, int was_running,
	       int timeout_s)
{
	char *net = ws_cluster_network(ws), *mac = ws_node_mac(ws);
	char *addr = ws_node_address(ws), *live = NULL;
	struct strbuf xml = STRBUF_INIT, sh = STRBUF_INIT, out = STRBUF_INIT;
	int ret = -1, rc;

	/* a restored domain runs without it (the image had none); one that
	 * ran before this up with it has its address (the unit sees to it
	 * at each boot), and is asked nothing */
	live = virDomainGetXMLDesc(dom, 0);
	if (live && xml_any_equals(live, "/domain/devices/interface/mac/"
				   "@address", mac)) {
		if (was_running) {
			ret = 0;
			goto out;
		}
	} else {
		vm_cluster_nic_xml(net, mac, &xml);
		if (virDomainAttachDeviceFlags(dom, xml.buf,
					       VIR_DOMAIN_AFFECT_LIVE) < 0) {
			err_set("cannot plug the VM into the cluster network: "
				"%s", vm_last_error());
			goto out;
		}
	}
	address_script(mac, addr, &sh);
	if ((rc = agent_wait(dom, timeout_s)) == 0)
		rc = agent_sh(dom, sh.buf, 90, &out);
	if (rc != 0) {
		if (rc > 0)
			err_set("%s", out.len ? out.buf : "its script failed");
		err_prefix("the VM did not take its address %s on the cluster "
			   "network", addr);
		goto out;
	}
	ret = 0;
out:
	free(live);
	free(net);
	free(mac);
	free(addr);
	sb_release(&xml);
	sb_release(&sh);
	sb_release(&out);
	return ret;
}
