/* test-tls.c: the CA, server and client certificates verify as a chain,
 * name the right addresses and uses, and their keys are private. */

#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "machine.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/berth-test-tls.XXXXXX";

static X509 *
load(const char *name)
{
	char *p = path_join(dir, name);
	FILE *f = fopen(p, "r");
	X509 *c = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	free(p);
	return c;
}

static int
mode_of(const char *name)
{
	char *p = path_join(dir, name);
	struct stat st;
	int m = stat(p, &st) == 0 ? (int)(st.st_mode & 0777) : -1;

	free(p);
	return m;
}

static int
verifies(X509 *ca, X509 *cert, int purpose)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok;

	X509_STORE_add_cert(store, ca);
	X509_STORE_CTX_init(ctx, store, cert, NULL);
	X509_STORE_CTX_set_purpose(ctx, purpose);
	ok = X509_verify_cert(ctx) == 1;
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

int
main(void)
{
	static const char *const addrs[] = { "10.0.2.15", NULL };
	X509 *ca, *server, *client;
	struct seed s = { 0 };
	struct strbuf ud = STRBUF_INIT, iso = STRBUF_INIT;
	char *cmd;

	if (!mkdtemp(dir))
		fatal("mkdtemp failed");
	ok(tls_ensure(dir, "test", addrs) == 0, "certificates made");
	ca = load("ca.pem");
	server = load("server-cert.pem");
	client = load("cert.pem");
	ok(ca && server && client, "they load");
	ok(verifies(ca, server, X509_PURPOSE_SSL_SERVER),
	   "the server certificate chains to the CA, for servers");
	ok(verifies(ca, client, X509_PURPOSE_SSL_CLIENT),
	   "the client certificate chains to the CA, for clients");
	ok(!verifies(ca, client, X509_PURPOSE_SSL_SERVER),
	   "the client certificate is no server certificate");
	ok(X509_check_ip_asc(server, "127.0.0.1", 0) == 1 &&
	   X509_check_ip_asc(server, "10.0.2.15", 0) == 1 &&
	   X509_check_host(server, "localhost", 0, 0, NULL) == 1,
	   "the server is 127.0.0.1, localhost and the guest address");
	ok(X509_check_ip_asc(server, "192.0.2.1", 0) != 1,
	   "and nothing else");
	is_int(mode_of("key.pem"), 0600, "client key 0600");
	is_int(mode_of("server-key.pem"), 0600, "server key 0600");
	is_int(mode_of("ca-key.pem"), 0600, "CA key 0600");
	is_int(mode_of("cert.pem") | mode_of("ca.pem") |
	       mode_of("server-cert.pem"), 0600, "certificates 0600 too");
	is_int(mode_of("."), 0700, "the folder is private");
	ok(tls_ensure(dir, "test", addrs) == 0, "a second call keeps them");
	X509_free(ca);
	ca = load("ca.pem");
	ok(ca && verifies(ca, server, X509_PURPOSE_SSL_SERVER),
	   "the same CA as before");
	{
		/* the cluster registry's two, from the same CA */
		X509 *rs, *rc;
		struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
		char *p = path_join(dir, "registry-server-key.pem");

		ok(tls_issue(dir, "registry-server", "server", "registry",
			     "IP:192.168.213.11") == 0 &&
		   tls_issue(dir, "registry-client", "client", "rc", NULL) == 0,
		   "the registry's certificates are issued");
		rs = load("registry-server-cert.pem");
		rc = load("registry-client-cert.pem");
		ok(rs && verifies(ca, rs, X509_PURPOSE_SSL_SERVER) &&
		   X509_check_ip_asc(rs, "192.168.213.11", 0) == 1 &&
		   X509_check_ip_asc(rs, "127.0.0.1", 0) != 1,
		   "the registry's server chains to the CA, for its address "
		   "alone");
		ok(rc && verifies(ca, rc, X509_PURPOSE_SSL_CLIENT) &&
		   !verifies(ca, rc, X509_PURPOSE_SSL_SERVER),
		   "its client chains to the CA, for clients only");
		is_int(mode_of("registry-server-key.pem") |
		       mode_of("registry-client-key.pem"), 0600,
		       "their keys are 0600");
		sb_read_file(&before, p);
		tls_issue(dir, "registry-server", "server", "registry",
			  "IP:192.168.213.11");
		sb_read_file(&after, p);
		ok(before.len && !strcmp(before.buf, after.buf),
		   "a second call keeps them");
		X509_free(rs);
		X509_free(rc);
		sb_release(&before);
		sb_release(&after);
		free(p);
	}

	/* the seed carries the server's files and the dockerd options */
	s.hostname = "h";
	s.instance_id = "i";
	s.ssh_pubkey = "ssh-ed25519 AAAA x";
	s.docker = 1;
	s.docker_install = 1;
	s.tls_ca = "CA\n";
	s.tls_cert = "CERT\n";
	s.tls_key = "KEY\nLINE2\n";
	seed_user_data(&s, &ud);
	ok(strstr(ud.buf, "path: /etc/docker/tls/server-key.pem\n"
		  "    permissions: '0600'\n    content: |\n      KEY\n"
		  "      LINE2\n") != NULL, "the server key goes in, 0600");
	ok(strstr(ud.buf, "DOCKER_OPTS=\"-H tcp://0.0.0.0:2376 --tlsverify ")
	   != NULL, "dockerd listens on 2376 with --tlsverify");
	ok(!strstr(ud.buf, "daemon.json"), "and not through daemon.json hosts");
	ok(strstr(ud.buf, "packages:\n  - docker.io\n  - apparmor\n") != NULL,
	   "docker.io and apparmor are installed when the box lacks Docker");
	ok(seed_iso(&s, &iso) == 0 && iso.len >= 32768 &&
	   !memcmp(iso.buf + 0x8028, "cidata", 6),
	   "the seed ISO has the volume id cidata, lower case");
	ok(memmem(iso.buf, iso.len, "user-data", 9) &&
	   memmem(iso.buf, iso.len, "meta-data", 9),
	   "and user-data and meta-data by those names");
	ok(!strstr(ud.buf, "uid:"), "the guest user's uid is the box's default");
	sb_reset(&ud);
	s.user_uid = 1234;
	seed_user_data(&s, &ud);
	ok(strstr(ud.buf, "    lock_passwd: true\n    uid: 1234\n") != NULL,
	   "or the workspace folder owner's, when given");
	{
		static const char *const shared[] = { "/srv/a", "/srv/b", NULL };
		static const int ro[] = { 0, 1 };

		sb_reset(&ud);
		s.shared = shared;
		s.shared_ro = ro;
		seed_user_data(&s, &ud);
		ok(strstr(ud.buf, "mount -t virtiofs shared0 '/srv/a'") &&
		   strstr(ud.buf, "mount -t virtiofs -o ro shared1 '/srv/b'"),
		   "a read-only shared folder is mounted read-only in the "
		   "guest, the other read-write");
	}
	sb_release(&ud);
	sb_release(&iso);
	X509_free(ca);
	X509_free(server);
	X509_free(client);
	cmd = xasprintf("rm -rf '%s'", dir);
	ok(system(cmd) == 0, "scratch removed");
	free(cmd);
	return done_testing();
}
