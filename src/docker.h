/* docker.h: the Docker Engine API client, over a unix socket or TCP with
 * client-certificate TLS (libcurl). */

#ifndef BERTH_DOCKER_H
#define BERTH_DOCKER_H

#include "util.h"

struct docker {
	char *base;		/* "https://127.0.0.1:2376" or "http://docker" */
	char *unix_path;	/* the socket, or NULL for TCP */
	char *ca, *cert, *key;	/* PEM files for TLS */
	char api[16];		/* negotiated from /_ping, such as "1.41" */
};

/* "unix:///var/run/docker.sock", or "tcp://HOST:PORT" with certdir. */
int docker_open(struct docker *d, const char *host, const char *certdir);
void docker_close(struct docker *d);

/* GET /_ping: "OK", and the engine's API version from its header. */
int docker_ping(struct docker *d);
/*
 * One call; *status is the HTTP status. The body is capped, and an error
 * status becomes an error naming the call and the daemon's message.
 */
int docker_call(struct docker *d, const char *method, const char *path,
		const char *body, struct strbuf *resp, long *status);

#endif
