/* tls.c: a small CA and the Docker API's server and client certificates. */

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls.h"
#include "util.h"

#define DAYS 3650

static EVP_PKEY *
new_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	if (!k)
		err_set("cannot generate a key with OpenSSL");
	return k;
}

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if (!(ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)))
		return err_set("cannot set certificate extension %s",
			       OBJ_nid2sn(nid));
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

/* A certificate for key, signed by (ca, ca_key), or self-signed. */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *ca, EVP_PKEY *ca_key,
	  const char *kind, const char *san)
{
	X509 *c = X509_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	X509_NAME *name;
	int ok = 0;

	if (!c || RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;	/* positive */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)))
		goto out;
	X509_set_version(c, 2);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), (long)DAYS * 24 * 3600);
	X509_set_pubkey(c, key);
	name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				   (const unsigned char *)"berth", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, ca ? X509_get_subject_name(ca) : name);
	if (add_ext(c, ca ? ca : c, NID_subject_key_identifier, "hash") < 0)
		goto out;
	if (!strcmp(kind, "ca")) {
		if (add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
		    add_ext(c, c, NID_key_usage,
			    "critical,keyCertSign,cRLSign") < 0)
			goto out;
	} else {
		if (add_ext(c, ca, NID_authority_key_identifier,
			    "keyid:always") < 0 ||
		    add_ext(c, ca, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
		    add_ext(c, ca, NID_key_usage,
			    "critical,digitalSignature,keyEncipherment") < 0 ||
		    add_ext(c, ca, NID_ext_key_usage, !strcmp(kind, "server")
			    ? "serverAuth" : "clientAuth") < 0)
			goto out;
		if (san && add_ext(c, ca, NID_subject_alt_name, san) < 0)
			goto out;
	}
	if (!X509_sign(c, ca_key ? ca_key : key, EVP_sha256()))
		goto out;
	ok = 1;
out:
	BN_free(bn);
	if (!ok) {
		X509_free(c);
		err_set("cannot make the %s certificate", kind);
		return NULL;
	}
	return c;
}

/* Written to a temp file, mode 0600 from the first byte on: keys, and the
 * certificates too, which only their owner needs to read. */
static int
write_pem(const char *dir, const char *name, EVP_PKEY *key, X509 *cert)
{
	char *path = path_join(dir, name);
	char *tmp = xasprintf("%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	int ok, ret = -1;

	if (!f) {
		err_set("cannot write '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
		 : PEM_write_X509(f, cert);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		ok = 0;
	if (fclose(f) != 0 || !ok || rename(tmp, path) < 0) {
		err_set("cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	ret = 0;
out:
	free(tmp);
	free(path);
	return ret;
}

/* The PEM file dir/name read back: a key, or a certificate. */
static void *
read_pem(const char *dir, const char *name, int key)
{
	char *path = path_join(dir, name);
	FILE *f = fopen(path, "r");
	void *ret = NULL;

	if (f) {
		ret = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
			  : (void *)PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (!ret)
		err_set("cannot read '%s'", path);
	free(path);
	return ret;
}

int
tls_issue(const char *dir, const char *name, const char *kind,
	  const char *cn, const char *san)
{
	char *key_name = xasprintf("%s-key.pem", name);
	char *cert_name = xasprintf("%s-cert.pem", name);
	char *kp = path_join(dir, key_name), *cp = path_join(dir, cert_name);
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *cert = NULL;
	int ret = -1;

	if (path_exists(kp) && path_exists(cp)) {
		ret = 0;
		goto out;
	}
	if (!(ca = read_pem(dir, "ca.pem", 0)) ||
	    !(ca_key = read_pem(dir, "ca-key.pem", 1)) ||
	    !(key = new_key()) ||
	    !(cert = make_cert(key, cn, ca, ca_key, kind, san)))
		goto out;
	/* the key first: a certificate is only ever there with its key */
	if (write_pem(dir, key_name, key, NULL) < 0 ||
	    write_pem(dir, cert_name, NULL, cert) < 0)
		goto out;
	ret = 0;
out:
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	X509_free(ca);
	X509_free(cert);
	free(kp);
	free(cp);
	free(key_name);
	free(cert_name);
	return ret;
}

int
tls_ensure(const char *dir, const char *cn, const char *const *addrs)
{
	static const char *const files[] = { "ca.pem", "ca-key.pem",
					      "cert.pem", "key.pem",
					      "server-cert.pem",
					      "server-key.pem" };
	EVP_PKEY *ca_key = NULL, *skey = NULL, *ckey = NULL;
	X509 *ca = NULL, *scert = NULL, *ccert = NULL;
	struct strbuf san = STRBUF_INIT;
	size_t i, have = 0;
	int ret = -1;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = path_join(dir, files[i]);

		have += path_exists(p);
		chmod(p, 0600);	/* berth before 0.1.1 left certificates 0644 */
		free(p);
	}
	if (have == ARRAY_SIZE(files))
		return 0;
	if (mkdir_p(dir, 0700) < 0 || chmod(dir, 0700) < 0)
		return err_set("cannot make '%s' private", dir);
	sb_addstr(&san, "IP:127.0.0.1,DNS:localhost");
	for (i = 0; addrs && addrs[i]; i++)
		sb_addf(&san, ",IP:%s", addrs[i]);
	if (!(ca_key = new_key()) || !(skey = new_key()) || !(ckey = new_key()))
		goto out;
	if (!(ca = make_cert(ca_key, cn, NULL, NULL, "ca", NULL)) ||
	    !(scert = make_cert(skey, "dockerd", ca, ca_key, "server",
				san.buf)) ||
	    !(ccert = make_cert(ckey, "berth", ca, ca_key, "client", NULL)))
		goto out;
	if (write_pem(dir, "ca-key.pem", ca_key, NULL) < 0 ||
	    write_pem(dir, "ca.pem", NULL, ca) < 0 ||
	    write_pem(dir, "server-key.pem", skey, NULL) < 0 ||
	    write_pem(dir, "server-cert.pem", NULL, scert) < 0 ||
	    write_pem(dir, "key.pem", ckey, NULL) < 0 ||
	    write_pem(dir, "cert.pem", NULL, ccert) < 0)
		goto out;
	ret = 0;
out:
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(skey);
	EVP_PKEY_free(ckey);
	X509_free(ca);
	X509_free(scert);
	X509_free(ccert);
	sb_release(&san);
	return ret;
}
