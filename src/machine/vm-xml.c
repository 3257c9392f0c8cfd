/* vm-xml.c: the domain XML of a workspace, from templates/vm/domain.xml. */

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"
#include "state.h"
#include "vm-xml.h"

void
xml_escape(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_addstr(out, "&amp;"); break;
		case '<': sb_addstr(out, "&lt;"); break;
		case '>': sb_addstr(out, "&gt;"); break;
		case '\'': sb_addstr(out, "&apos;"); break;
		case '"': sb_addstr(out, "&quot;"); break;
		default: sb_addch(out, *s);
		}
	}
}

static char *
escaped(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	xml_escape(&sb, s);
	return sb_detach(&sb);
}

/* <name>text</name> on a line of its own, the text escaped */
static void
element(struct strbuf *out, const char *indent, const char *name,
	const char *text)
{
	sb_addf(out, "%s<%s>", indent, name);
	xml_escape(out, text);
	sb_addf(out, "</%s>\n", name);
}

/* the template puts its own line end after a fragment */
static void
sb_setlen_chomp(struct strbuf *sb)
{
	if (sb->len && sb->buf[sb->len - 1] == '\n')
		sb->buf[--sb->len] = '\0';
}

/* The host side of every forward: SSH, the Docker API, vm.ports. On a
 * remote libvirt host, each on a port that host's kernel picks, found in
 * "info usernet" by the keeper that forwards it here (tunnel.c). */
static void
hostfwds(const struct ws *ws, const struct ws_state *st, int remote,
	 struct strbuf *out)
{
	size_t i;

	sb_addf(out, ",hostfwd=tcp:127.0.0.1:%d-:22",
		remote ? 0 : st->ssh_port);
	if (st->docker_port)
		sb_addf(out, ",hostfwd=tcp:127.0.0.1:%d-:2376",
			remote ? 0 : st->docker_port);
	for (i = 0; i < ws->vm.nports && i < st->nvm_ports; i++)
		sb_addf(out, ",hostfwd=%s:%s:%d-:%u",
			spec_proto_name(ws->vm.ports[i].proto),
			remote ? "127.0.0.1" : ws->vm.ports[i].host_ip,
			remote ? 0 : st->vm_ports[i], ws->vm.ports[i].port);
}

void
vm_filesystem_xml(struct strbuf *out, const struct vm_plan *p,
		  const char *dir, const char *tag, int readonly)
{
	char *d = escaped(dir), *t = escaped(tag);
	char *bin = escaped(p->virtiofsd ? p->virtiofsd : "");

	/* libvirt 9.0 refuses <readonly/> on virtiofs ("does not yet
	 * support read-only mode"): such a folder is mounted read-only in
	 * the guest instead (seed.c, folders.c) */
	if (p->virtiofs)
		sb_addf(out, "    <filesystem type='mount' "
			"accessmode='passthrough'>\n"
			"      <driver type='virtiofs'/>\n"
			"      <binary path='%s'/>\n"
			"      <source dir='%s'/>\n"
			"      <target dir='%s'/>\n"
			"    </filesystem>\n", bin, d, t);
	else
		sb_addf(out, "    <filesystem type='mount' accessmode='mapped'>\n"
			"      <source dir='%s'/>\n"
			"      <target dir='%s'/>\n%s"
			"    </filesystem>\n", d, t,
			readonly ? "      <readonly/>\n" : "");
	free(bin);
	free(t);
	free(d);
}

void
vm_filesystems_xml(const struct ws *ws, const struct vm_plan *p,
		   struct strbuf *out)
{
	size_t i;

	vm_filesystem_xml(out, p, ws->dir, "workspace", 0);
	for (i = 0; i < ws->vm.nshared; i++) {
		char tag[32];

		snprintf(tag, sizeof(tag), "shared%zu", i);
		vm_filesystem_xml(out, p, ws->vm.shared[i].host, tag,
				  ws->vm.shared[i].readonly);
	}
}

void
vm_cluster_nic_xml(const char *network, const char *mac, struct strbuf *out)
{
	sb_addstr(out, "    <interface type='network'>\n      <source network='");
	xml_escape(out, network);
	sb_addstr(out, "'/>\n      <mac address='");
	xml_escape(out, mac);
	sb_addstr(out, "'/>\n      <model type='virtio'/>\n    </interface>");
}

int
vm_domain_xml(const struct ws *ws, const struct ws_state *st,
	      const struct vm_plan *p, struct strbuf *out)
{
	char *tpath = path_join(berth_datadir(), "templates/vm/domain.xml");
	struct strbuf text = STRBUF_INIT, boot = STRBUF_INIT, fs = STRBUF_INIT;
	struct strbuf net = STRBUF_INIT, iface = STRBUF_INIT, fwd = STRBUF_INIT;
	struct strbuf meta_fwd = STRBUF_INIT;
	char mem[32], cpus[16], node[16], *path = escaped(ws->dir);
	char *name = escaped(ws->name), *log = NULL;
	char *env = escaped(ws->env ? ws->env : WS_ENV_DEFAULT);
	char *box = escaped(st->box_name ? st->box_name : "");
	char *box_version = escaped(st->box_version ? st->box_version : "");
	struct strbuf uuid = STRBUF_INIT;
	int ret = -1;

	/* libvirt redefines a domain only under the uuid it already has */
	if (p->uuid[0])
		sb_addf(&uuid, "\n  <uuid>%s</uuid>", p->uuid);
	if (sb_read_file(&text, tpath) < 0)
		goto out;
	/* a remote host's console comes through libvirt (tunnel.c) */
	if (p->remote || !p->console_log) {
		log = xstrdup("");
	} else {
		char *file = escaped(p->console_log);

		log = xasprintf("\n      <log file='%s' append='on'/>", file);
		free(file);
	}
	snprintf(mem, sizeof(mem), "%llu",
		 (unsigned long long)(ws->vm.memory >> 10));
	snprintf(cpus, sizeof(cpus), "%d", ws->vm.cpus);
	if (p->kernel) {
		element(&boot, "    ", "kernel", p->kernel);
		if (p->initrd)
			element(&boot, "    ", "initrd", p->initrd);
		element(&boot, "    ", "cmdline", p->cmdline ? p->cmdline : "");
		sb_setlen_chomp(&boot);
	} else {
		sb_addstr(&boot, "    <boot dev='hd'/>");
	}
	if (!p->hotplug_fs && !p->remote)
		vm_filesystems_xml(ws, p, &fs);
	if (ws->vm.network == NET_NAT) {
		sb_addstr(&iface, "    <interface type='network'>\n"
			  "      <source network='default'/>\n"
			  "      <model type='virtio'/>\n"
			  "    </interface>");
	} else {
		/* libvirt 9.0 rejects passt port forwards, so user-mode
		 * networking with forwards goes through QEMU's slirp; the
		 * explicit PCI address avoids a slot clash on q35 */
		char *f;

		hostfwds(ws, st, p->remote, &fwd);
		/* the metadata keeps this machine's, for a lost state */
		hostfwds(ws, st, 0, &meta_fwd);
		f = escaped(fwd.buf);
		sb_addf(&net, "  <qemu:commandline>\n"
			"    <qemu:arg value='-netdev'/>\n"
			"    <qemu:arg value='user,id=n0%s'/>\n"
			"    <qemu:arg value='-device'/>\n"
			"    <qemu:arg value='virtio-net-pci,netdev=n0,"
			"bus=pcie.0,addr=0x10'/>\n"
			"  </qemu:commandline>", f);
		free(f);
	}
	if (p->cluster_net && !p->hotplug_fs) {
		if (iface.len)
			sb_addch(&iface, '\n');
		vm_cluster_nic_xml(p->cluster_net, p->cluster_mac, &iface);
	}
	snprintf(node, sizeof(node), "%d", ws->node);
	{
		/* every value of text is escaped here; the rest are the
		 * fragments built above, their text escaped as they were */
		char *t_accel = escaped(p->accel), *t_domain = escaped(st->domain);
		char *t_id = escaped(st->id), *t_pool = escaped(p->pool);
		char *t_overlay = escaped(p->overlay), *t_seed = escaped(p->seed);
		char *t_fwd = escaped(meta_fwd.buf);
		const char *kv[] = {
			"accel", t_accel,
			"name", t_domain,
			"uuid", uuid.buf,
			"id", t_id,
			"workspace", name,
			"env", env,
			"node", node,
			"path", path,
			"box", box,
			"box_version", box_version,
			/* for recovery after a lost state file */
			"forwards", t_fwd,
			"memory_kib", mem,
			"memory_backing", p->virtiofs || p->hotplug_fs
				? "  <memoryBacking>\n"
				  "    <source type='memfd'/>\n"
				  "    <access mode='shared'/>\n"
				  "  </memoryBacking>" : "",
			/* a warm image's and its workspaces': free pages go
			 * back to the host, read as zeros, and a save holds
			 * only what the guest uses */
			"balloon", st->warm ? " freePageReporting='on'" : "",
			"cpus", cpus,
			"boot", boot.buf,
			"cpu", !strcmp(p->accel, "kvm")
				? "  <cpu mode='host-passthrough'/>" : "",
			"pool", t_pool,
			"overlay", t_overlay,
			"seed", t_seed,
			"filesystems", fs.buf,
			"interface", iface.buf,
			"console_log", log,
			"network", net.buf,
			NULL,
		};

		ret = template_render(text.buf, kv, out);
		free(t_accel);
		free(t_domain);
		free(t_id);
		free(t_pool);
		free(t_overlay);
		free(t_seed);
		free(t_fwd);
	}
out:
	sb_release(&text);
	sb_release(&boot);
	sb_release(&fs);
	sb_release(&net);
	sb_release(&iface);
	sb_release(&fwd);
	sb_release(&meta_fwd);
	sb_release(&uuid);
	free(tpath);
	free(path);
	free(log);
	free(name);
	free(env);
	free(box);
	free(box_version);
	return ret;
}
