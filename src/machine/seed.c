/* seed.c: the cloud-init NoCloud seed ISO, written with libisofs. */

/* libisofs defines struct burn_source itself only with this set */
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"

/* A literal block, indented under a "content: |" key. */
static void
yaml_block(struct strbuf *out, const char *text, const char *indent)
{
	const char *p = text, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		sb_addstr(out, indent);
		sb_add(out, p, nl ? (size_t)(nl - p) : strlen(p));
		sb_addch(out, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void
write_file(struct strbuf *out, const char *path, const char *mode,
	   const char *content)
{
	sb_addf(out, "  - path: %s\n    permissions: '%s'\n    content: |\n",
		path, mode);
	yaml_block(out, content, "      ");
}

/*
 * Debian's docker.io unit runs 'dockerd -H fd:// $DOCKER_OPTS'; "hosts" in
 * daemon.json as well would make it refuse to start, so the TCP listener
 * goes into DOCKER_OPTS. cloud-init writes files before it installs
 * packages, so a freshly installed dockerd starts with this already.
 */
static void
docker_files(const struct seed *s, struct strbuf *out)
{
	write_file(out, DOCKER_TLS_DIR "/ca.pem", "0600", s->tls_ca);
	write_file(out, DOCKER_TLS_DIR "/server-cert.pem", "0600", s->tls_cert);
	write_file(out, DOCKER_TLS_DIR "/server-key.pem", "0600", s->tls_key);
	write_file(out, "/etc/default/docker", "0644",
		   "# Written by berth: the Engine API on tcp 2376, mutual TLS "
		   "only.\n" DOCKER_OPTS_LINE "\n" DOCKER_ENV_LINE);
	/* last, once the rest is whole: what berth's boxes start dockerd on */
	write_file(out, DOCKER_READY_FILE, "0600", "");
}

void
seed_user_data(const struct seed *s, struct strbuf *out)
{
	size_t i;

	sb_addstr(out, "#cloud-config\n");
	sb_addf(out, "hostname: %s\n", s->hostname);
	/* so that sudo and friends resolve the new name */
	sb_addstr(out, "manage_etc_hosts: true\n");
	sb_addstr(out, "users:\n"
		  "  - name: berth\n"
		  "    gecos: berth\n"
		  "    sudo: ALL=(ALL) NOPASSWD:ALL\n"
		  "    shell: /bin/bash\n"
		  "    lock_passwd: true\n");
	if (s->user_uid)
		sb_addf(out, "    uid: %u\n", s->user_uid);
	if (s->ssh_pubkey) {
		sb_addstr(out, "    ssh_authorized_keys:\n");
		sb_addf(out, "      - %s\n", s->ssh_pubkey);
	}
	sb_addstr(out, "ssh_pwauth: false\n");
	/* an RSA host key takes seconds to make on an emulated CPU */
	sb_addstr(out, "ssh_genkeytypes: [ ed25519 ]\n");
	/* minimal boxes have no locales package: C.UTF-8 is always there */
	sb_addstr(out, "locale: C.UTF-8\n");
	if (s->share_workspace) {
		/* fstab too, so that the share comes back after a reboot */
		sb_addstr(out, "mounts:\n"
			  "  - [ workspace, /workspace, virtiofs, "
			  "\"defaults,nofail\", \"0\", \"0\" ]\n"
			  "bootcmd:\n"
			  "  - [ sh, -c, \"mkdir -p /workspace && (mountpoint -q "
			  "/workspace || mount -t virtiofs workspace "
			  "/workspace) || true\" ]\n");
	}
	if (s->docker) {
		sb_addstr(out, "write_files:\n");
		docker_files(s, out);
	}
	if ((s->docker || s->docker_bare) && s->docker_install) {
		/* without AppArmor's parser, 'docker run' fails in the guest */
		sb_addstr(out, "package_update: true\n"
			  "packages:\n  - docker.io\n  - apparmor\n");
	}
	if ((s->shared && s->shared[0]) || s->docker || s->docker_bare)
		sb_addstr(out, "runcmd:\n");
	for (i = 0; s->shared && s->shared[i]; i++)
		sb_addf(out, "  - [ sh, -c, \"mkdir -p '%s' && mount -t "
			"virtiofs%s shared%zu '%s'\" ]\n", s->shared[i],
			s->shared_ro && s->shared_ro[i] ? " -o ro" : "", i,
			s->shared[i]);
	if (s->docker)
		/* berth's boxes start dockerd once its files are here (a
		 * path unit); others' may have started it without them */
		sb_addstr(out, "  - [ sh, -c, \"if command -v dockerd >/dev/null; "
			  "then usermod -aG docker berth; if [ -e "
			  BOX_DOCKER_PATH_UNIT " ]; then systemctl start docker; "
			  "else systemctl enable docker; systemctl restart "
			  "docker; fi; fi\" ]\n");
	if (s->docker_bare)
		sb_addstr(out, "  - [ sh, -c, \"usermod -aG docker berth\" ]\n");
}

void
seed_meta_data(const struct seed *s, struct strbuf *out)
{
	sb_addf(out, "instance-id: %s\nlocal-hostname: %s\n", s->instance_id,
		s->hostname);
}

static int
add_file(IsoImage *image, const char *name, const struct strbuf *content)
{
	unsigned char *buf = xmalloc(content->len ? content->len : 1);
	IsoStream *stream = NULL;
	IsoFile *file = NULL;

	memcpy(buf, content->buf, content->len);
	if (iso_memory_stream_new(buf, content->len, &stream) < 0) {
		free(buf);
		return err_set("cannot make the seed's %s", name);
	}
	if (iso_tree_add_new_file(iso_image_get_root(image), name, stream,
				  &file) < 0) {
		iso_stream_unref(stream);
		return err_set("cannot add %s to the seed", name);
	}
	/* the file took our reference to the stream */
	/* the seed carries an SSH key: readable by its owner only */
	iso_node_set_permissions((IsoNode *)file, 0600);
	return 0;
}

int
seed_iso(const struct seed *s, struct strbuf *iso)
{
	struct strbuf user = STRBUF_INIT, meta = STRBUF_INIT;
	IsoImage *image = NULL;
	IsoWriteOpts *opts = NULL;
	struct burn_source *src = NULL;
	unsigned char block[2048];
	int ret = -1, n;

	seed_user_data(s, &user);
	seed_meta_data(s, &meta);
	if (iso_init() < 0)
		return err_set("cannot start libisofs");
	if (iso_image_new("cidata", &image) < 0) {
		err_set("cannot create the seed image");
		goto out;
	}
	if (add_file(image, "user-data", &user) < 0 ||
	    add_file(image, "meta-data", &meta) < 0)
		goto out;
	if (iso_write_opts_new(&opts, 0) < 0) {
		err_set("cannot set up the seed image");
		goto out;
	}
	iso_write_opts_set_rockridge(opts, 1);
	iso_write_opts_set_joliet(opts, 1);
	/* keep the volume id "cidata" lower case, as NoCloud looks for it */
	iso_write_opts_set_relaxed_vol_atts(opts, 1);
	if (iso_image_create_burn_source(image, opts, &src) < 0) {
		err_set("cannot write the seed image");
		goto out;
	}
	while ((n = src->read_xt(src, block, sizeof(block))) > 0)
		sb_add(iso, block, (size_t)n);
	if (n < 0) {
		err_set("cannot write the seed image");
		goto out;
	}
	ret = 0;
out:
	if (src) {
		src->free_data(src);
		free(src);
	}
	iso_write_opts_free(opts);
	if (image)
		iso_image_unref(image);
	iso_finish();
	sb_release(&user);
	sb_release(&meta);
	return ret;
}
