/* folders.c: the workspace's shared folders in and out of a running VM
 * (see folders.h). */

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "digest.h"
#include "folders.h"
#include "remote.h"
#include "report.h"
#include "vm-xml.h"
#include "vm.h"
#include "xml.h"

void
sh_quoted(struct strbuf *out, const char *text)
{
	sb_addch(out, '\'');
	for (; *text; text++)
		if (*text == '\'')
			sb_addstr(out, "'\\''");
		else
			sb_addch(out, *text);
	sb_addch(out, '\'');
}

/* Folder i of ws: 0 is the workspace, then its shared folders. */
static void
folder(const struct ws *ws, size_t i, char *tag, size_t size,
       const char **host, const char **guest, int *readonly)
{
	if (i == 0) {
		snprintf(tag, size, "workspace");
		*host = ws->dir;
		*guest = "/workspace";
		*readonly = 0;
		return;
	}
	snprintf(tag, size, "shared%zu", i - 1);
	*host = ws->vm.shared[i - 1].host;
	*guest = ws->vm.shared[i - 1].guest;
	*readonly = ws->vm.shared[i - 1].readonly;
}

void
folders_mount_script(const struct ws *ws, int with_fstab, struct strbuf *sh)
{
	size_t i;

	if (vm_uri_remote(ws->vm.uri))
		return;	/* virtiofs cannot cross hosts */
	for (i = 0; i <= ws->vm.nshared; i++) {
		const char *host, *dir;
		char tag[32];
		int ro;

		folder(ws, i, tag, sizeof(tag), &host, &dir, &ro);
		sb_addstr(sh, "mkdir -p ");
		sh_quoted(sh, dir);
		sb_addch(sh, '\n');
		if (with_fstab) {
			struct strbuf line = STRBUF_INIT;

			sb_addf(&line, "%s %s virtiofs defaults,nofail%s 0 0",
				tag, dir, ro ? ",ro" : "");
			/* by its mount point: cloud-init's mounts module
			 * may have written the workspace's line its way */
			sb_addstr(sh, "awk -v d=");
			sh_quoted(sh, dir);
			sb_addstr(sh, " '$2 == d { f = 1 } END { exit !f }' "
				  "/etc/fstab || echo ");
			sh_quoted(sh, line.buf);
			sb_addstr(sh, " >>/etc/fstab\n");
			sb_release(&line);
		}
		/* a device plugged into a guest restored warm is not always
		 * announced to it (ACPI hotplug): a PCI rescan finds it */
		sb_addstr(sh, "d=");
		sh_quoted(sh, dir);
		sb_addf(sh, "; i=0; until mountpoint -q \"$d\" || mount -t "
			"virtiofs%s %s \"$d\" 2>/dev/null; do i=$((i+1)); "
			"[ $i -lt 300 ] || { echo \"cannot mount %s\"; "
			"exit 1; }; [ $((i %% 20)) -ne 0 ] || echo 1 "
			">/sys/bus/pci/rescan; sleep 0.1; done\n",
			ro ? " -o ro" : "", tag, tag);
	}
}

char *
folders_fstab_key(const struct ws *ws)
{
	struct strbuf sh = STRBUF_INIT;
	struct digest *d = digest_new("sha256");
	char *key;

	folders_mount_script(ws, 1, &sh);
	digest_update(d, sh.buf, sh.len);
	key = xstrdup(digest_hex(d));
	digest_free(d);
	sb_release(&sh);
	return key;
}

static void
folder_xml(const struct ws *ws, size_t i, const char *virtiofsd,
	   struct strbuf *xml)
{
	struct vm_plan p = { 0 };
	const char *host, *guest;
	char tag[32];
	int ro;

	p.virtiofs = 1;
	p.virtiofsd = virtiofsd;
	folder(ws, i, tag, sizeof(tag), &host, &guest, &ro);
	vm_filesystem_xml(xml, &p, host, tag, ro);
}

/* Does the running domain have the device of folder tag? */
static int
has_folder(const char *live_xml, size_t i)
{
	char target[32];

	if (i == 0)
		snprintf(target, sizeof(target), "workspace");
	else
		snprintf(target, sizeof(target), "shared%zu", i - 1);
	return xml_any_equals(live_xml,
			      "/domain/devices/filesystem/target/@dir", target);
}

int
folders_plug(virDomainPtr dom, const struct ws *ws, const char *virtiofsd)
{
	char *live = virDomainGetXMLDesc(dom, 0);
	size_t i;
	int ret = 0;

	for (i = 0; i <= ws->vm.nshared && ret == 0; i++) {
		struct strbuf xml = STRBUF_INIT;

		if (has_folder(live, i))
			continue;
		folder_xml(ws, i, virtiofsd, &xml);
		if (virDomainAttachDeviceFlags(dom, xml.buf,
					       VIR_DOMAIN_AFFECT_LIVE) < 0)
			ret = err_set("cannot share '%s' with the VM: %s",
				      i ? ws->vm.shared[i - 1].host : ws->dir,
				      vm_last_error());
		sb_release(&xml);
	}
	free(live);
	return ret;
}

/*
 * Shell lines that restart each running container that binds a folder of
 * ws, and print its name: its bind still holds the folder that was taken
 * out, which answers nothing, and a restart binds the one mounted now.
 */
static void
restart_binders_script(const struct ws *ws, struct strbuf *sh)
{
	size_t i;

	/* two docker commands, whatever the number of containers: each
	 * costs a good part of a second under TCG */
	sb_addstr(sh, "ids=$(docker ps -q 2>/dev/null)\n"
		  "[ -z \"$ids\" ] || docker inspect -f '{{$n := .Name}}"
		  "{{range .Mounts}}{{$n}} {{println .Source}}{{end}}' $ids |\n"
		  "while IFS=' ' read -r name src; do case \"$src\" in ");
	for (i = 0; i <= ws->vm.nshared; i++) {
		const char *host, *dir;
		char tag[32];
		int ro;

		folder(ws, i, tag, sizeof(tag), &host, &dir, &ro);
		sb_addstr(sh, i ? "|" : "");
		sh_quoted(sh, dir);
		sb_addch(sh, '|');
		sh_quoted(sh, dir);
		sb_addstr(sh, "/*");
	}
	sb_addstr(sh, ") echo \"${name#/}\";; esac; done | sort -u |\n"
		  "while read -r name; do docker restart \"$name\" >/dev/null "
		  "&& echo \"$name\"; done\n");
}

int
folders_replug(virDomainPtr dom, const struct ws *ws, const char *virtiofsd,
	       int timeout_s)
{
	struct strbuf sh = STRBUF_INIT, out = STRBUF_INIT;
	int rc;

	if (folders_plug(dom, ws, virtiofsd) < 0)
		return -1;
	folders_mount_script(ws, 0, &sh);
	restart_binders_script(ws, &sh);
	rc = agent_sh(dom, sh.buf, timeout_s, &out);
	if (rc > 0)
		err_set("the VM did not mount its folders: %s",
			out.buf ? out.buf : "");
	else if (rc == 0 && out.len) {
		/* one name a line: a list of them */
		while (out.len && out.buf[out.len - 1] == '\n')
			out.buf[--out.len] = '\0';
		for (char *p = out.buf; *p; p++)
			if (*p == '\n')
				*p = ',';
		report_note("restarted %s: they bind a shared folder, which "
			    "left the VM for its save", out.buf);
	}
	sb_release(&sh);
	sb_release(&out);
	return rc == 0 ? 0 : -1;
}

int
folders_unplug(virDomainPtr dom, const struct ws *ws, const char *virtiofsd,
	       int timeout_s)
{
	struct strbuf sh = STRBUF_INIT;
	char *live;
	size_t i;
	int ret = -1;

	if (!(live = virDomainGetXMLDesc(dom, 0))) {
		err_set("%s", vm_last_error());
		return -1;
	}
	/* lazily: a shell whose working folder is in one must not keep
	 * it; a process still in there finds it gone */
	for (i = 0; i <= ws->vm.nshared; i++) {
		const char *host, *dir;
		char tag[32];
		int ro;

		folder(ws, i, tag, sizeof(tag), &host, &dir, &ro);
		sb_addstr(&sh, "! mountpoint -q ");
		sh_quoted(&sh, dir);
		sb_addstr(&sh, " || umount -l ");
		sh_quoted(&sh, dir);
		sb_addstr(&sh, " || exit 1\n");
	}
	if (agent_sh(dom, sh.buf, timeout_s, NULL) != 0) {
		err_set("the VM did not unmount its folders");
		goto out;
	}
	for (i = 0; i <= ws->vm.nshared; i++) {
		struct strbuf xml = STRBUF_INIT;
		int r;

		if (!has_folder(live, i))
			continue;
		folder_xml(ws, i, virtiofsd, &xml);
		r = virDomainDetachDeviceFlags(dom, xml.buf,
					       VIR_DOMAIN_AFFECT_LIVE);
		sb_release(&xml);
		if (r < 0) {
			err_set("cannot take '%s' out of the VM: %s",
				i ? ws->vm.shared[i - 1].host : ws->dir,
				vm_last_error());
			goto out;
		}
	}
	ret = 0;
out:
	sb_release(&sh);
	free(live);
	if (ret < 0) {
		char *why = xstrdup(err_msg());

		folders_replug(dom, ws, virtiofsd, timeout_s);
		err_set("%s", why);
		free(why);
	}
	return ret;
}
