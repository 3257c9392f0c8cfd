/* tls.h: the per-workspace certificates for the Docker API: a CA, a
 * server certificate for dockerd in the VM, a client one for berth and the
 * docker CLI. Written with OpenSSL, keys mode 0600. */

#ifndef BERTH_TLS_H
#define BERTH_TLS_H

/*
 * Make dir/{ca,ca-key,cert,key,server-cert,server-key}.pem when missing.
 * cert.pem and key.pem are the client's, named as DOCKER_CERT_PATH wants.
 * The server certificate names 127.0.0.1, localhost and each address in
 * the NULL-ended list.
 */
int tls_ensure(const char *dir, const char *cn, const char *const *addrs);

/*
 * One more certificate from dir's CA, dir/NAME-{cert,key}.pem, when
 * missing: kind "server" (for the addresses in san, "IP:A,IP:B") or
 * "client".
 */
int tls_issue(const char *dir, const char *name, const char *kind,
	      const char *cn, const char *san);

#endif
