/* cluster-registry.c: the image registry of a cluster. Debian's
 * docker-registry runs on the manager, on the cluster network's address
 * alone, behind mutual TLS from the workspace's CA; every node's dockerd
 * trusts it and shows a client certificate (/etc/docker/certs.d). The
 * stack pushes the services' images there, and the nodes pull them
 * (stack-cluster.c). */

#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cluster.h"
#include "digest.h"
#include "machine.h"

#define SERVER_DIR "/etc/berth-registry"
#define STORE_DIR "/var/lib/docker-registry"
/* the digest of the last script that ran to its end in this guest */
#define DONE_FILE "/etc/berth-registry.sum"

/* The manager's TLS folder, and the registry's two certificates in it,
 * made once. */
static char *
registry_certs(const struct ws *manager)
{
	char *dir = state_path(manager, "docker");
	char *addr = ws_node_address(manager);
	char *san = xasprintf("IP:%s", addr);

	if (tls_issue(dir, "registry-server", "server", "registry", san) < 0 ||
	    tls_issue(dir, "registry-client", "client", "registry-client",
		      NULL) < 0) {
		free(dir);
		dir = NULL;
	}
	free(san);
	free(addr);
	return dir;
}

/* The file dir/name into the guest's path: -1 when it cannot be read. */
static int
copy_file(struct strbuf *sh, const char *dir, const char *name,
	  const char *path, const char *mode)
{
	struct strbuf pem = STRBUF_INIT;
	char *p = path_join(dir, name);
	int ret = sb_read_file(&pem, p);

	if (ret == 0)
		machine_script_file(sh, path, mode, pem.buf);
	sb_release(&pem);
	free(p);
	return ret;
}

/* Every node's dockerd: trust the registry, and show it who it is. */
static int
client_script(const char *tls, const char *registry, struct strbuf *sh)
{
	char *d = xasprintf("/etc/docker/certs.d/%s", registry);
	char *ca = xasprintf("%s/ca.crt", d), *cert = xasprintf(
		"%s/client.cert", d), *key = xasprintf("%s/client.key", d);
	int ret;

	sb_addf(sh, "(umask 077 && mkdir -p /etc/docker/certs.d '%s')\n"
		"chmod 0755 /etc/docker/certs.d '%s'\n", d, d);
	ret = copy_file(sh, tls, "ca.pem", ca, "0644");
	ret |= copy_file(sh, tls, "registry-client-cert.pem", cert, "0644");
	ret |= copy_file(sh, tls, "registry-client-key.pem", key, "0600");
	free(key);
	free(cert);
	free(ca);
	free(d);
	return ret;
}

/* Written beside the live one, and put in its place only when it
 * differs: "changed" is then set for the rest of the script. */
static void
replace_if_changed(struct strbuf *sh, const char *live, const char *fresh)
{
	sb_addf(sh, "if ! diff -r '%s' '%s' >/dev/null 2>&1; then\n"
		"\trm -rf '%s' && mv '%s' '%s' && changed=1 || exit 1\n"
		"else\n\trm -rf '%s'\nfi\n", fresh, live, live, fresh, live,
		fresh);
}

/* The manager: docker-registry, installed if the box lacks it, with the
 * settings and keys of this cluster, and listening before this ends. */
static int
server_script(const char *tls, const char *addr, struct strbuf *sh)
{
	struct strbuf cfg = STRBUF_INIT;
	const char *fresh = SERVER_DIR ".new";
	char *p;
	int ret;

	sb_addstr(sh,
		"if ! command -v docker-registry >/dev/null; then\n"
		"\t# not started with Debian's own settings (no TLS, every\n"
		"\t# address) while it installs\n"
		"\tp=/usr/sbin/policy-rc.d\n"
		"\t[ -e $p ] || { printf '#!/bin/sh\\nexit 101\\n' >$p &&\n"
		"\t\tchmod 0755 $p && made=1; }\n"
		"\texport DEBIAN_FRONTEND=noninteractive\n"
		"\tapt-get -qq update >/tmp/berth-registry-apt.log 2>&1 &&\n"
		"\tapt-get -qq install -y --no-install-recommends "
		"docker-registry >>/tmp/berth-registry-apt.log 2>&1\n"
		"\trc=$?\n"
		"\t[ -z \"$made\" ] || rm -f $p\n"
		"\tif [ $rc -ne 0 ]; then\n"
		"\t\ttail -n 5 /tmp/berth-registry-apt.log\n"
		"\t\techo 'cannot install docker-registry from Debian'\n"
		"\t\texit 1\n"
		"\tfi\n"
		"\tsystemctl disable --now docker-registry.service "
		"2>/dev/null\n"
		"\techo 'berth: installed docker-registry'\n"
		"fi\n"
		"changed=\n");
	sb_addf(sh, "rm -rf '%s' && (umask 077 && mkdir '%s') || exit 1\n",
		fresh, fresh);
	sb_addf(&cfg,
		"# Written by berth: the cluster's image registry, on the "
		"cluster network\n# only, mutual TLS from the workspace's CA.\n"
		"version: 0.1\n"
		"log:\n  level: warn\n"
		"storage:\n  filesystem:\n    rootdirectory: " STORE_DIR "\n"
		"  delete:\n    enabled: true\n"
		"http:\n  addr: %s:5000\n"
		"  headers:\n    X-Content-Type-Options: [nosniff]\n"
		"  tls:\n"
		"    certificate: " SERVER_DIR "/server-cert.pem\n"
		"    key: " SERVER_DIR "/server-key.pem\n"
		"    clientcas:\n      - " SERVER_DIR "/ca.pem\n", addr);
	p = xasprintf("%s/config.yml", fresh);
	machine_script_file(sh, p, "0640", cfg.buf);
	free(p);
	p = xasprintf("%s/ca.pem", fresh);
	ret = copy_file(sh, tls, "ca.pem", p, "0640");
	free(p);
	p = xasprintf("%s/server-cert.pem", fresh);
	ret |= copy_file(sh, tls, "registry-server-cert.pem", p, "0640");
	free(p);
	p = xasprintf("%s/server-key.pem", fresh);
	ret |= copy_file(sh, tls, "registry-server-key.pem", p, "0640");
	free(p);
	/* its own user reads them, no one else */
	sb_addf(sh, "chgrp -R docker-registry '%s' && chmod 0750 '%s' || "
		"exit 1\n", fresh, fresh);
	replace_if_changed(sh, SERVER_DIR, fresh);
	machine_script_file(sh, "/run/berth-registry.service", "0644",
		"[Unit]\n"
		"Description=berth: the cluster's image registry\n"
		"Wants=berth-cluster-net.service\n"
		"After=berth-cluster-net.service\n"
		"[Service]\n"
		"User=docker-registry\n"
		"ExecStart=/usr/bin/docker-registry serve " SERVER_DIR
		"/config.yml\n"
		"Restart=on-failure\n"
		"RestartSec=2\n"
		"[Install]\n"
		"WantedBy=multi-user.target\n");
	replace_if_changed(sh, "/etc/systemd/system/berth-registry.service",
			   "/run/berth-registry.service");
	sb_addf(sh,
		"if [ -n \"$changed\" ]; then\n"
		"\tsystemctl daemon-reload &&\n"
		"\tsystemctl enable berth-registry.service 2>/dev/null &&\n"
		"\tsystemctl restart berth-registry.service || exit 1\n"
		"else\n"
		"\tsystemctl start berth-registry.service || exit 1\n"
		"fi\n"
		"i=0\n"
		"while ! ss -Hltn | grep -q ' %s:5000 '; do\n"
		"\ti=$((i + 1))\n"
		"\tif [ $i -gt 120 ]; then\n"
		"\t\tjournalctl -u berth-registry.service -n 5 --no-pager\n"
		"\t\techo 'docker-registry is not listening on %s:5000'\n"
		"\t\texit 1\n"
		"\tfi\n"
		"\tsleep 0.25\n"
		"done\n", addr, addr);
	sb_release(&cfg);
	return ret;
}

/*
 * Around the script: it ends at once where the same script ran before
 * (an up of a cluster that runs: one quick call to each VM), and the
 * registry still listens; at its end it says it ran.
 */
static void
done_check(const struct strbuf *body, const char *listen_addr,
	   struct strbuf *sh)
{
	struct digest *d = digest_new("sha256");

	digest_update(d, body->buf, body->len);
	sb_addf(sh, "[ \"$(cat " DONE_FILE " 2>/dev/null)\" = %s ] ",
		digest_hex(d));
	if (listen_addr)
		sb_addf(sh, "&& ss -Hltn | grep -q ' %s:5000 ' ", listen_addr);
	sb_addstr(sh, "&& exit 0\n");
	sb_add(sh, body->buf, body->len);
	sb_addf(sh, "echo %s >" DONE_FILE "\n", digest_hex(d));
	digest_free(d);
}

int
cluster_registry_up(virDomainPtr dom, const struct ws *ws,
		    const struct ws *manager, int timeout_s,
		    const struct reporter *rep)
{
	struct strbuf body = STRBUF_INIT, sh = STRBUF_INIT, out = STRBUF_INIT;
	char *tls = registry_certs(manager), *registry = ws_cluster_registry();
	char *addr = ws_node_address(manager);
	double t0 = clock_now();
	int rc, ret = -1;

	if (!tls)
		goto out;
	if (ws == manager && server_script(tls, addr, &body) < 0)
		goto out;
	if (client_script(tls, registry, &body) < 0)
		goto out;
	done_check(&body, ws == manager ? addr : NULL, &sh);
	rc = agent_sh(dom, sh.buf, timeout_s, &out);
	if (rc != 0) {
		if (rc > 0)
			err_set("%s", out.len ? out.buf : "its script failed");
		err_prefix(ws == manager ? "cannot start the cluster's image "
			   "registry" : "cannot give the node the cluster "
			   "registry's certificates");
		if (ws == manager)
			err_hint("'berth ssh -c \"journalctl -u berth-registry"
				 "\"' tells more");
		goto out;
	}
	if (strstr(out.buf ? out.buf : "", "berth: installed docker-registry"))
		report(rep, REPORT_LINE, NULL, "    installed docker-registry "
		       "from Debian, as the box lacks it (%.1f s)",
		       clock_now() - t0);
	ret = 0;
out:
	free(addr);
	free(registry);
	free(tls);
	sb_release(&body);
	sb_release(&sh);
	sb_release(&out);
	return ret;
}
