/* remote.c: a vm.uri that names another host, and OpenSSH's arguments to
 * reach that host as libvirt's own ssh transport does. */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "remote.h"
#include "util.h"

void
remote_uri_release(struct remote_uri *r)
{
	free(r->transport);
	free(r->user);
	free(r->host);
	free(r->port);
	free(r->keyfile);
	free(r->known_hosts);
	memset(r, 0, sizeof(*r));
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A query value, %XX decoded; NULL for a %00 or a bad escape. */
static char *
uri_decode(const char *s, size_t len)
{
	char *out = xcalloc(len + 1, 1), *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;

			if (lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i] == '+' ? ' ' : s[i];
		}
	}
	return out;
}

static int
query_param(struct remote_uri *r, const char *p, size_t len)
{
	const char *eq = memchr(p, '=', len);
	size_t klen = eq ? (size_t)(eq - p) : len;
	char *val = eq ? uri_decode(eq + 1, len - klen - 1) : xstrdup("");

	if (!val)
		return err_set("vm.uri has a bad %%-escape in its query");
	if (klen == 7 && !strncmp(p, "keyfile", 7)) {
		free(r->keyfile);
		r->keyfile = val;
	} else if (klen == 11 && !strncmp(p, "known_hosts", 11)) {
		free(r->known_hosts);
		r->known_hosts = val;
	} else {
		if (klen == 9 && !strncmp(p, "no_verify", 9))
			r->no_verify = atoi(val) != 0;
		free(val);	/* libvirt's other parameters are its own */
	}
	return 0;
}

int
remote_uri_parse(const char *uri, struct remote_uri *r)
{
	const char *scheme_end = strstr(uri, "://"), *auth, *auth_end, *at;
	const char *host, *colon, *q, *plus;

	memset(r, 0, sizeof(*r));
	if (!scheme_end)
		return 0;	/* "test:/..." and the like: never remote */
	auth = scheme_end + 3;
	auth_end = auth + strcspn(auth, "/?#");
	if (auth_end == auth)
		return 0;	/* qemu:///system */
	plus = memchr(uri, '+', (size_t)(scheme_end - uri));
	r->transport = plus ? xstrndup(plus + 1, (size_t)(scheme_end - plus - 1))
			    : xstrdup("tls");	/* libvirt's default */
	at = memchr(auth, '@', (size_t)(auth_end - auth));
	if (at)
		r->user = xstrndup(auth, (size_t)(at - auth));
	host = at ? at + 1 : auth;
	if (*host == '[') {	/* an IPv6 address */
		const char *close = memchr(host, ']', (size_t)(auth_end - host));

		if (!close)
			goto bad;
		r->host = xstrndup(host + 1, (size_t)(close - host - 1));
		colon = close + 1 < auth_end && close[1] == ':' ? close + 1
							       : NULL;
	} else {
		colon = memchr(host, ':', (size_t)(auth_end - host));
		r->host = xstrndup(host, (size_t)((colon ? colon : auth_end) -
						  host));
	}
	if (colon) {
		r->port = xstrndup(colon + 1, (size_t)(auth_end - colon - 1));
		if (!*r->port || strspn(r->port, "0123456789") !=
		    strlen(r->port))
			goto bad;
	}
	if (!*r->host || r->host[0] == '-' || (r->user && (!*r->user ||
						       r->user[0] == '-')))
		goto bad;	/* nothing ssh would take for an option */
	if ((q = strchr(auth_end, '?'))) {
		q++;
		while (*q && *q != '#') {
			size_t len = strcspn(q, "&#");

			if (len && query_param(r, q, len) < 0) {
				remote_uri_release(r);
				return -1;
			}
			q += len;
			if (*q == '&')
				q++;
		}
	}
	return 1;
bad:
	remote_uri_release(r);
	return err_set("vm.uri \"%s\" does not name a host as "
		       "USER@HOST[:PORT]", uri);
}

int
vm_uri_remote(const char *uri)
{
	struct remote_uri r;
	int rc = remote_uri_parse(uri, &r);

	remote_uri_release(&r);
	err_clear();
	return rc != 0;	/* a URI that names a host badly is not local */
}

int
remote_ssh_argv(const char *uri, struct strlist *argv)
{
	struct remote_uri r;
	int rc = remote_uri_parse(uri, &r);

	if (rc <= 0) {
		if (rc == 0)
			err_set("vm.uri \"%s\" names no other host", uri);
		return -1;
	}
	if (strcmp(r.transport, "ssh")) {
		err_set("vm.uri \"%s\" reaches its host over \"%s\": berth "
			"forwards the VM's ports over SSH", uri, r.transport);
		err_hint("use a qemu+ssh://USER@HOST/system URI");
		remote_uri_release(&r);
		return -1;
	}
	strlist_push(argv, "-o");
	strlist_push(argv, "BatchMode=yes");
	if (r.port) {
		strlist_push(argv, "-p");
		strlist_push(argv, r.port);
	}
	if (r.user) {
		strlist_push(argv, "-l");
		strlist_push(argv, r.user);
	}
	if (r.keyfile) {
		strlist_push(argv, "-i");
		strlist_push(argv, r.keyfile);
	}
	if (r.known_hosts) {
		char *opt = xasprintf("UserKnownHostsFile=%s", r.known_hosts);

		strlist_push(argv, "-o");
		strlist_push(argv, opt);
		free(opt);
	} else if (r.no_verify) {
		/* nothing is checked, so nothing need be remembered */
		strlist_push(argv, "-o");
		strlist_push(argv, "UserKnownHostsFile=/dev/null");
	}
	if (r.no_verify) {
		strlist_push(argv, "-o");
		strlist_push(argv, "StrictHostKeyChecking=no");
	}
	strlist_push(argv, "-o");
	strlist_push(argv, "LogLevel=ERROR");
	strlist_push(argv, r.host);
	remote_uri_release(&r);
	return 0;
}

int
remote_check(const struct ws *ws)
{
	struct strlist argv = { 0 };
	size_t i;
	int rc = remote_ssh_argv(ws->vm.uri, &argv);

	strlist_release(&argv);
	if (rc < 0)
		return -1;
	if (ws->vm.network == NET_NAT) {
		err_set("vm.network = \"nat\" puts the VM on a network of the "
			"libvirt host, which this machine cannot reach");
		return err_hint("leave vm.network out in %s: user-mode "
				"networking forwards the ports over SSH",
				ws->file);
	}
	for (i = 0; i < ws->vm.nports; i++)
		if (ws->vm.ports[i].proto == PROTO_UDP) {
			err_set("%s:%d: UDP port %u cannot come from a VM on "
				"another host: SSH forwards TCP only", ws->file,
				ws->vm.ports[i].line, ws->vm.ports[i].port);
			return -1;
		}
	return 0;
}
