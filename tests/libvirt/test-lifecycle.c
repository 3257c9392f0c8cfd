/* test-lifecycle.c: the VM lifecycle logic against libvirt's test driver
 * (test:///default): pool and volumes, the domain XML berth generates,
 * finding workspaces by metadata, recovering lost state, halting. */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cluster.h"
#include "vm-xml.h"
#include "machine.h"
#include "../unit/tap.h"

static char dir[] = "/tmp/berth-test-lifecycle.XXXXXX";

int
main(void)
{
	struct cmd_ctx ctx = { 0 };
	struct diags d = { 0 };
	struct ws_state st, again;
	struct vm_plan plan = { 0 };
	struct vm_conn v;
	struct vm_entry *e = NULL;
	struct machine w;
	struct strbuf xml = STRBUF_INIT;
	virDomainPtr dom = NULL;
	char *bf, *cmd, *path;
	const char *text;
	virStorageVolPtr vol;
	size_t n = 0, i;
	int found = 0, state;

	if (!mkdtemp(dir))
		fatal("mkdtemp failed");
	setenv("BERTH_DATADIR", getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR")
						     : ".", 1);
	bf = path_join(dir, "Berthfile");
	text = "workspace = \"life\";\n"
	       "vm = { uri = \"test:///default\"; memory = \"512M\";"
	       " ports = [ \"2222:22\" ]; };\n";
	write_file_atomic(bf, text, strlen(text), 0644);
	ok(ws_load(&ctx.ws, bf, "Berthfile", &d) == 0, "a test-driver workspace");
	ctx.have_ws = 1;

	ok(vm_open(&v, "test:///default") == 0, "connect to the test driver");
	ok(vm_pool(&v) == 0, "the 'default' pool is made when missing");
	/* the test driver cannot take uploads (the VM tier covers them) */
	vol = virStorageVolCreateXML(v.pool, "<volume><name>life-base.qcow2"
				     "</name><capacity>1048576</capacity>"
				     "</volume>", 0);
	ok(vol != NULL, "a base volume");
	if (vol)
		virStorageVolFree(vol);
	ok(vm_volume_exists(&v, "life-base.qcow2"), "it exists");
	ok(vm_volume_overlay(&v, "life.qcow2", "life-base.qcow2", 1 << 30) == 0,
	   "an overlay on it");
	ok(vm_volume_overlay(&v, "life.qcow2", "life-base.qcow2", 1 << 30) == 0,
	   "making it again keeps it");
	ok((path = vm_volume_path(&v, "life.qcow2")) != NULL, "its path");
	free(path);

	{
		/* box remove takes the box's pool volumes with it, but for
		 * one a workspace's overlay still reads */
		int kept = -1;

		vol = virStorageVolCreateXML(v.pool, "<volume><name>"
			"berth-box-t-1.qcow2</name><capacity>1048576</capacity>"
			"</volume>", 0);
		if (vol)
			virStorageVolFree(vol);
		vol = virStorageVolCreateXML(v.pool, "<volume><name>"
			"berth-box-t-2.qcow2</name><capacity>1048576</capacity>"
			"</volume>", 0);
		if (vol)
			virStorageVolFree(vol);
		vm_volume_overlay(&v, "t-ws.qcow2", "berth-box-t-2.qcow2", 1 << 30);
		ok(vm_box_volumes_remove(&v, "t", "1", &kept) == 0 && kept == 0 &&
		   !vm_volume_exists(&v, "berth-box-t-1.qcow2"),
		   "an unused box version's pool volume is deleted");
		ok(vm_box_volumes_remove(&v, "t", "2", &kept) == 0 && kept == 1 &&
		   vm_volume_exists(&v, "berth-box-t-2.qcow2"),
		   "one a workspace's overlay is backed by stays");
		vm_volume_delete(&v, "t-ws.qcow2");
		ok(vm_box_volumes_remove(&v, "t", "2", &kept) == 0 && kept == 0 &&
		   !vm_volume_exists(&v, "berth-box-t-2.qcow2"),
		   "and goes once nothing reads it");

		/* a warm image's disk reads its box's: both go when no
		 * workspace stands on the warm disk, both stay when one does */
		vol = virStorageVolCreateXML(v.pool, "<volume><name>"
			"berth-box-t-3.qcow2</name><capacity>1048576</capacity>"
			"</volume>", 0);
		if (vol)
			virStorageVolFree(vol);
		vm_volume_overlay(&v, "berth-box-t-3.warm-k-1.qcow2",
				  "berth-box-t-3.qcow2", 1 << 30);
		vm_volume_overlay(&v, "t-ws.qcow2",
				  "berth-box-t-3.warm-k-1.qcow2", 1 << 30);
		ok(vm_box_volumes_remove(&v, "t", "3", &kept) == 0 && kept == 2 &&
		   vm_volume_exists(&v, "berth-box-t-3.qcow2") &&
		   vm_volume_exists(&v, "berth-box-t-3.warm-k-1.qcow2"),
		   "a warm disk a workspace stands on stays, and its box's");
		vm_volume_delete(&v, "t-ws.qcow2");
		ok(vm_box_volumes_remove(&v, "t", "3", &kept) == 0 && kept == 0 &&
		   !vm_volume_exists(&v, "berth-box-t-3.warm-k-1.qcow2") &&
		   !vm_volume_exists(&v, "berth-box-t-3.qcow2"),
		   "with none on it, the warm disk goes and its box's with it");
	}

	ok(state_load(&ctx.ws, &st) == 0 && !st.exists && strlen(st.id) == 8,
	   "a new workspace gets a fresh id");
	ok(!strncmp(st.domain, "berth-life-", 11), "and a domain name: %s",
	   st.domain);
	st.ssh_port = 40022;
	st.docker_port = 40376;
	st.box_name = xstrdup("debian-12");
	st.box_version = xstrdup("20261125.1");
	st.nvm_ports = 1;
	st.vm_ports = xcalloc(1, sizeof(int));
	st.vm_ports[0] = 2222;
	plan.accel = "test";
	plan.pool = VM_POOL;
	plan.overlay = "life.qcow2";
	plan.seed = "life-base.qcow2";
	plan.console_log = "/tmp/console.log";
	ok(vm_domain_xml(&ctx.ws, &st, &plan, &xml) == 0, "domain XML");
	ok(strstr(xml.buf, "hostfwd=tcp:127.0.0.1:40022-:22") &&
	   strstr(xml.buf, "hostfwd=tcp:127.0.0.1:2222-:22"),
	   "forwards SSH and vm.ports on 127.0.0.1");
	ok(strstr(xml.buf, "<memory unit='KiB'>524288</memory>") != NULL,
	   "memory in KiB");
	ok(strstr(xml.buf, "<boot dev='hd'/>") != NULL,
	   "a box without a kernel boots from its disk");
	{
		struct strbuf nat = STRBUF_INIT;

		ctx.ws.vm.network = NET_NAT;
		ok(vm_domain_xml(&ctx.ws, &st, &plan, &nat) == 0 &&
		   strstr(nat.buf, "<interface type='network'>") &&
		   !strstr(nat.buf, "hostfwd"),
		   "network = nat: libvirt's network, no slirp forwards");
		ctx.ws.vm.network = NET_USER;
		sb_release(&nat);
	}
	{
		/* a cluster's node: its NIC on the cluster network when
		 * defined, none in the XML of a warm restore (plugged in
		 * once it runs); the network is made and goes with it */
		struct strbuf def = STRBUF_INIT, restore = STRBUF_INIT;
		struct ws node;
		char *net;
		virNetworkPtr np;

		ctx.ws.cluster.nodes = 2;
		ws_node(&ctx.ws, 2, &node);
		net = ws_cluster_network(&node);
		plan.cluster_net = net;
		plan.cluster_mac = "52:54:00:ab:cd:02";
		ok(vm_domain_xml(&node, &st, &plan, &def) == 0 &&
		   strstr(def.buf, "<mac address='52:54:00:ab:cd:02'/>") &&
		   strstr(def.buf, "<node>2</node>") &&
		   strstr(def.buf, "hostfwd"),
		   "a node's domain: slirp and a NIC on the cluster network");
		plan.hotplug_fs = 1;
		ok(vm_domain_xml(&node, &st, &plan, &restore) == 0 &&
		   !strstr(restore.buf, "52:54:00:ab:cd:02"),
		   "restored warm, it has no cluster NIC yet");
		plan.hotplug_fs = 0;
		plan.cluster_net = plan.cluster_mac = NULL;
		ok(cluster_network_ensure(&v, &node) == 0 &&
		   cluster_network_ensure(&v, &node) == 0 &&
		   cluster_network_exists(&v, &ctx.ws),
		   "the cluster network is made once, the same for all nodes");
		np = virNetworkLookupByName(v.conn, net);
		ok(np && virNetworkIsActive(np) == 1, "and started");
		if (np) {
			char *nx = virNetworkGetXMLDesc(np, 0);

			ok(nx && !strstr(nx, "<ip") && !strstr(nx, "<forward"),
			   "isolated: no address of the host's, no way out");
			free(nx);
			virNetworkFree(np);
		}
		ok(cluster_network_remove(&v, &ctx.ws) == 0 &&
		   !cluster_network_exists(&v, &ctx.ws) &&
		   cluster_network_remove(&v, &ctx.ws) == 0,
		   "removed, and removing none is fine");
		ctx.ws.cluster.nodes = 1;
		ws_node_release(&node);
		free(net);
		sb_release(&def);
		sb_release(&restore);
	}
	{
		/* a box's kernel and command line are someone else's text:
		 * escaped, they stay text and add no disk */
		struct strbuf evil = STRBUF_INIT;
		virDomainPtr ed = NULL;
		char *desc = NULL;

		plan.kernel = "/k'/><disk type='file'><source file='/etc/shadow'/></disk><kernel>/x";
		plan.cmdline = "a</cmdline></os><devices><disk type='file' "
			       "device='disk'><source file='/etc/shadow'/>"
			       "<target dev='vdz'/></disk></devices><os><cmdline>";
		ok(vm_domain_xml(&ctx.ws, &st, &plan, &evil) == 0 &&
		   strstr(evil.buf, "&lt;/cmdline&gt;&lt;/os&gt;") &&
		   !strstr(evil.buf, "<source file='/etc/shadow'/>"),
		   "a box's command line and kernel are escaped in the XML");
		st.domain[0] = 'x';	/* another name: not the domain below */
		sb_reset(&evil);
		vm_domain_xml(&ctx.ws, &st, &plan, &evil);
		st.domain[0] = 'b';
		if (vm_domain_define(&v, evil.buf, &ed) == 0 &&
		    (desc = virDomainGetXMLDesc(ed, 0)))
			ok(!strstr(desc, "<source file='/etc/shadow'") &&
			   !strstr(desc, "<target dev='vdz'"),
			   "libvirt sees no extra disk, only text");
		else
			ok(0, "libvirt takes the escaped XML");
		free(desc);
		if (ed) {
			virDomainUndefine(ed);
			virDomainFree(ed);
		}
		plan.kernel = plan.cmdline = NULL;
		sb_release(&evil);
	}
	ok(vm_domain_define(&v, xml.buf, &dom) == 0, "the test driver takes it");

	ok(vm_list(&v, &e, &n) == 0, "list berth's domains");
	for (i = 0; i < n; i++)
		if (!strcmp(e[i].domain, st.domain) && e[i].path &&
		    !strcmp(e[i].path, ctx.ws.dir) && !strcmp(e[i].id, st.id))
			found = 1;
	ok(found, "found by its metadata, with path and id");
	vm_entries_free(e, n);

	/* state lost: the domain's metadata gives the id back */
	state_load(&ctx.ws, &again);
	ok(machine_adopt(&v, &ctx.ws, &again) == 0 &&
	   !strcmp(again.id, st.id) && !strcmp(again.domain, st.domain),
	   "a workspace without state recovers its id from the domain");
	ok(again.ssh_port == 40022 && again.docker_port == 40376 &&
	   again.nvm_ports == 1 && again.vm_ports[0] == 2222,
	   "and its forwards from the domain's XML");
	ok(again.box_name && !strcmp(again.box_name, "debian-12") &&
	   again.box_version && !strcmp(again.box_version, "20261125.1"),
	   "and its box from the metadata");
	state_release(&again);

	/* state truncated mid-write: kept aside, recovered the same way */
	{
		char *sp = state_path(&ctx.ws, "state.json");
		char *kept = state_path(&ctx.ws, "state.json.corrupt");
		const char *cut = "{\n  \"id\": \"ab";

		write_file_atomic(sp, cut, strlen(cut), 0600);
		ok(state_load(&ctx.ws, &again) == 0 && !again.exists,
		   "a truncated state file is not an error");
		ok(!path_exists(sp) && path_exists(kept),
		   "it is kept as state.json.corrupt, not deleted");
		ok(machine_adopt(&v, &ctx.ws, &again) == 0 &&
		   !strcmp(again.id, st.id) && again.ssh_port == 40022,
		   "and the workspace is recovered from its domain");
		state_release(&again);
		unlink(kept);
		free(sp);
		free(kept);
	}

	/* the same workspace name in another folder is another workspace */
	{
		struct cmd_ctx other = { 0 };
		char *odir = path_join(dir, "other");
		char *obf = path_join(odir, "Berthfile");

		mkdir_p(odir, 0700);
		write_file_atomic(obf, text, strlen(text), 0644);
		ok(ws_load(&other.ws, obf, "Berthfile", &d) == 0 &&
		   !strcmp(other.ws.name, ctx.ws.name),
		   "a second folder, a workspace of the same name");
		state_load(&other.ws, &again);
		ok(machine_adopt(&v, &other.ws, &again) == 0 &&
		   strcmp(again.id, st.id) && strcmp(again.domain, st.domain),
		   "it does not take the first one's VM: its own id and domain");
		state_release(&again);
		ws_release(&other.ws);
		free(obf);
		free(odir);
	}

	ok(virDomainCreate(dom) == 0, "start");
	ok(!strcmp(vm_domain_state(dom, &state), "running"), "running");
	virDomainFree(dom);

	/* halt through the same path as 'berth halt' */
	ok(state_save(&ctx.ws, &st) == 0, "save state");
	memset(&w, 0, sizeof(w));
	w.ws = &ctx.ws;
	w.lock = -1;
	state_load(&ctx.ws, &w.st);
	w.v = v;
	vm_domain_find(&w.v, w.st.domain, &w.dom);
	ok(w.dom && machine_halt(&w, 5, NULL) == 0, "halt");
	ok(!strcmp(vm_domain_state(w.dom, NULL), "shut off"), "shut off");
	ok(virDomainUndefine(w.dom) == 0, "undefine");
	virDomainFree(w.dom);
	ok(vm_domain_find(&v, st.domain, &dom) == 0, "gone");
	ok(vm_volume_delete(&v, "life.qcow2") == 0 &&
	   !vm_volume_exists(&v, "life.qcow2"), "volume deleted");
	state_release(&w.st);
	state_release(&st);
	vm_close(&v);
	ws_release(&ctx.ws);
	diags_release(&d);
	sb_release(&xml);
	free(bf);
	cmd = xasprintf("rm -rf '%s'", dir);
	ok(system(cmd) == 0, "scratch removed");
	free(cmd);
	return done_testing();
}
