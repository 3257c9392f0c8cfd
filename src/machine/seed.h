/* seed.h: the cloud-init NoCloud seed: user-data, meta-data, and the ISO. */

#ifndef BERTH_SEED_H
#define BERTH_SEED_H

#include "util.h"

struct seed {
	const char *hostname;
	const char *instance_id;	/* a new one re-runs cloud-init */
	const char *ssh_pubkey;		/* NULL: none (a warm image) */
	unsigned user_uid;		/* the guest user's uid; 0: the default */
	int share_workspace;		/* mount the virtiofs tag "workspace" */
	const char *const *shared;	/* guest folders of tags shared0... */
	const int *shared_ro;	/* each one read-only (mounted so) */
	/* Docker: the Engine API on tcp 2376 with mutual TLS */
	int docker;			/* configure it at all */
	int docker_install;		/* apt-get install docker.io apparmor */
	/* Docker installed when missing, with no TLS and not started (a
	 * warm image's: TLS and the start come with the identity) */
	int docker_bare;
	const char *tls_ca, *tls_cert, *tls_key;	/* PEM, the server's */
};

#define DOCKER_TLS_DIR "/etc/docker/tls"

/* In berth's boxes with Docker: starts dockerd once the seed's files are
 * written, the ready file last (boxes/build-debian). */
#define BOX_DOCKER_PATH_UNIT "/etc/systemd/system/berth-docker.path"
#define DOCKER_READY_FILE "/etc/docker/tls/berth-ready"

/* dockerd's options: the Engine API on tcp 2376, mutual TLS only. */
#define DOCKER_OPTS_LINE                                                   \
	"DOCKER_OPTS=\"-H tcp://0.0.0.0:2376 --tlsverify "                   \
	"--tlscacert=" DOCKER_TLS_DIR "/ca.pem "                            \
	"--tlscert=" DOCKER_TLS_DIR "/server-cert.pem "                     \
	"--tlskey=" DOCKER_TLS_DIR "/server-key.pem\""

/* dockerd's environment: berth puts each image into the engine itself,
 * so a Swarm task runs the image there instead of asking its registry
 * first, which the VM may not reach (a wait of ~30 s per task). */
#define DOCKER_ENV_LINE "DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1"

/* The user-data and meta-data documents. */
void seed_user_data(const struct seed *s, struct strbuf *out);
void seed_meta_data(const struct seed *s, struct strbuf *out);

/*
 * An ISO9660 image with volume id "cidata" holding user-data and
 * meta-data, with Rock Ridge and Joliet so the names keep their case.
 */
int seed_iso(const struct seed *s, struct strbuf *iso);

#endif
