/* box-import.c: check qcow2 images and unpack Vagrant .box archives into a
 * staging folder, refusing anything that could reach outside of it. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "box.h"
#include "digest.h"

static uint64_t
be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int
read_head(const char *path, unsigned char *buf, size_t len, size_t *got)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return err_set("cannot open '%s': %s", path, strerror(errno));
	n = read(fd, buf, len);
	close(fd);
	if (n < 0)
		return err_set("cannot read '%s': %s", path, strerror(errno));
	*got = (size_t)n;
	return 0;
}

static int
is_qcow2(const unsigned char *h, size_t n)
{
	return n >= 4 && !memcmp(h, "QFI\xfb", 4);
}

#define QCOW2_MAX_SIZE (64ULL << 40)	/* the largest disk a box may have */

/* A table of n bytes at off lies inside the file, on a cluster. */
static int
table_ok(uint64_t off, uint64_t n, unsigned cluster_bits, uint64_t file)
{
	return off && !(off & ((1ULL << cluster_bits) - 1)) && off < file &&
	       n <= file - off;
}

/*
 * The header, parsed as QEMU reads it: version, cluster size, virtual
 * size, and its L1 and refcount tables inside the file. No backing file
 * or external data file, which could make a box read files of the host.
 */
int
qcow2_inspect(const char *path, uint64_t *virtual_size)
{
	unsigned char h[104];
	struct stat st;
	size_t n;
	uint32_t version, cluster_bits, l1_size, header_len = 72;
	uint64_t size, l2_covers;

	if (read_head(path, h, sizeof(h), &n) < 0)
		return -1;
	if (!is_qcow2(h, n) || n < 72 || stat(path, &st) < 0)
		return err_set("'%s' is not a qcow2 image", path);
	version = be32(h + 4);
	if (version != 2 && version != 3)
		return err_set("'%s' is qcow2 version %u; berth reads 2 and 3",
			       path, version);
	if (be64(h + 8))
		return err_set("'%s' has a backing file: a box must stand "
			       "alone", path);
	if (be32(h + 32))
		return err_set("'%s' is encrypted", path);
	if (version == 3) {
		uint64_t incompat;

		if (n < 104)
			return err_set("'%s' has a truncated qcow2 header",
				       path);
		incompat = be64(h + 72);
		header_len = be32(h + 100);
		if (incompat & 2)
			return err_set("'%s' is marked corrupt", path);
		if (incompat & 4)
			return err_set("'%s' uses an external data file: a box "
				       "must stand alone", path);
		if (header_len < 104 || be32(h + 96) > 6)
			return err_set("'%s' has a malformed qcow2 header",
				       path);
	}
	cluster_bits = be32(h + 20);
	size = be64(h + 24);
	l1_size = be32(h + 36);
	if (cluster_bits < 9 || cluster_bits > 21 ||
	    header_len > (1U << cluster_bits))
		return err_set("'%s' has a malformed qcow2 header (cluster "
			       "bits %u)", path, cluster_bits);
	if (!size)
		return err_set("'%s' has a virtual size of 0", path);
	if (size > QCOW2_MAX_SIZE)
		return err_set("'%s' claims a virtual size over 64 TiB", path);
	/* one L1 entry maps one L2 table: cluster/8 clusters */
	l2_covers = 1ULL << (2 * cluster_bits - 3);
	if (l1_size < (size + l2_covers - 1) / l2_covers ||
	    !table_ok(be64(h + 40), (uint64_t)l1_size * 8, cluster_bits,
		      (uint64_t)st.st_size) ||
	    !be32(h + 56) ||
	    !table_ok(be64(h + 48), (uint64_t)be32(h + 56) << cluster_bits,
		      cluster_bits, (uint64_t)st.st_size))
		return err_set("'%s' is not a whole qcow2 image: its tables "
			       "lie outside the file", path);
	*virtual_size = size;
	return 0;
}

static int
copy_to(const char *from, const char *to)
{
	int in = -1, out = -1, ret = -1;
	char *buf = xmalloc(1 << 20);
	ssize_t n;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0) {
		err_set("cannot open '%s': %s", from, strerror(errno));
		goto out;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		err_set("cannot create '%s': %s", to, strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, 1 << 20)) != 0) {
		if (berth_interrupted) {
			err_set("interrupted; nothing was added");
			goto out;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			int e = errno ? errno : ENOSPC;

			err_set("cannot copy '%s' into the store: %s", from,
				strerror(e));
			if (e == ENOSPC)
				err_hint("free some space, or set BERTH_HOME to "
					 "a folder on a larger disk");
			goto out;
		}
	}
	if (fsync(out) < 0) {
		err_set("cannot write '%s': %s", to, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && ret == 0)
		ret = err_set("cannot write '%s': %s", to, strerror(errno));
	free(buf);
	return ret;
}

/* What a kernel command line of a box may hold: it reaches the domain's
 * XML and QEMU's arguments. (Letters and digits, then the rest.) */
#define CMDLINE_PUNCT "=,._/:+-@~%"
#define CMDLINE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
		      "0123456789 " CMDLINE_PUNCT

/* Only what berth reads of a .box stays: an archive must not plant
 * berth's own files of the store (box.json, users/) or anything else. */
static int
keep_known(const char *staged, const struct box *b)
{
	const char *known[] = { BOX_IMAGE, "metadata.json", "Vagrantfile",
				"info.json", b->kernel, b->initrd };
	DIR *d = opendir(staged);
	struct dirent *de;
	size_t i;
	int ret = 0;

	if (!d)
		return err_set("cannot read '%s': %s", staged, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		for (i = 0; i < ARRAY_SIZE(known); i++)
			if (known[i] && !strcmp(known[i], de->d_name))
				break;
		if (i == ARRAY_SIZE(known) &&
		    unlinkat(dirfd(d), de->d_name, 0) < 0)
			ret = err_set("cannot remove '%s' from the staged box: "
				      "%s", de->d_name, strerror(errno));
	}
	closedir(d);
	return ret;
}

/* A file right in the box's folder: not empty, no '/', not hidden. */
static int
plain_file_name(const char *f)
{
	return f && *f && !strchr(f, '/') && f[0] != '.';
}

int
box_vagrant_metadata_read(const char *staged, struct box *b)
{
	char *path = path_join(staged, "metadata.json");
	json_error_t jerr;
	json_t *m = json_load_file(path, 0, &jerr), *disks, *ext;
	const char *provider, *format, *disk = NULL;
	int ret = -1;

	if (!m) {
		err_set("the .box has no readable metadata.json: %s", jerr.text);
		goto out;
	}
	provider = json_string_value(json_object_get(m, "provider"));
	format = json_string_value(json_object_get(m, "format"));
	if (!provider || strcmp(provider, "libvirt")) {
		err_set("the .box is for provider '%s'; berth needs a libvirt "
			"box", provider ? provider : "?");
		goto out;
	}
	disks = json_object_get(m, "disks");
	if (json_is_array(disks)) {
		/* vagrant-libvirt's format v2 lists its disks */
		if (json_array_size(disks) != 1) {
			err_set("the .box has %zu disks; berth takes one",
				json_array_size(disks));
			goto out;
		}
		disk = json_string_value(json_object_get(json_array_get(disks,
								0), "path"));
		format = json_string_value(json_object_get(json_array_get(
						disks, 0), "format"));
	}
	if (format && strcmp(format, "qcow2")) {
		err_set("the .box holds a '%s' disk; berth needs qcow2", format);
		goto out;
	}
	if (disk && strcmp(disk, BOX_IMAGE)) {
		char *from, *to;

		if (!plain_file_name(disk)) {
			err_set("metadata.json names a disk outside the box: "
				"'%s'", disk);
			goto out;
		}
		from = path_join(staged, disk);
		to = path_join(staged, BOX_IMAGE);
		if (rename(from, to) < 0) {
			err_set("the .box lacks its disk '%s'", disk);
			free(from);
			free(to);
			goto out;
		}
		free(from);
		free(to);
	}
	/* berth's extension: direct kernel boot and what the box holds */
	if ((ext = json_object_get(m, "berth"))) {
		const char *k = json_string_value(json_object_get(ext, "kernel"));
		const char *i = json_string_value(json_object_get(ext, "initrd"));
		const char *c = json_string_value(json_object_get(ext,
								  "cmdline"));

		if (c && strspn(c, CMDLINE_CHARS) != strlen(c)) {
			err_set("metadata.json has a kernel command line with "
				"characters a kernel option never needs");
			err_hint("allowed are letters, digits, spaces and "
				 "\"%s\"", CMDLINE_PUNCT);
			goto out;
		}
		if (plain_file_name(k)) {
			b->kernel = xstrdup(k);
			b->initrd = plain_file_name(i) ? xstrdup(i) : NULL;
			b->cmdline = xstrdup(c ? c : "");
		}
		b->has_docker = json_is_true(json_object_get(ext,
							     "has_docker"));
	}
	ret = 0;
out:
	json_decref(m);
	free(path);
	return ret;
}

int
box_import(const char *src, const char *staged, struct box *b)
{
	unsigned char head[8];
	size_t n;
	char *image = path_join(staged, BOX_IMAGE), *kernel = NULL;
	char hex[160];
	int ret = -1;

	if (read_head(src, head, sizeof(head), &n) < 0)
		goto out;
	if (is_qcow2(head, n)) {
		if (copy_to(src, image) < 0)
			goto out;
	} else {
		if (archive_extract_safe(src, staged, EXTRACT_FLAT) < 0 ||
		    box_vagrant_metadata_read(staged, b) < 0 ||
		    keep_known(staged, b) < 0)
			goto out;
		if (!path_exists(image)) {
			err_set("the .box has no %s", BOX_IMAGE);
			goto out;
		}
	}
	if (qcow2_inspect(image, &b->virtual_size) < 0)
		goto out;
	if (b->kernel) {
		kernel = path_join(staged, b->kernel);
		if (!path_exists(kernel)) {
			err_set("the box names kernel '%s' but lacks it",
				b->kernel);
			goto out;
		}
	}
	if (digest_file("sha256", image, hex, sizeof(hex)) < 0)
		goto out;
	free(b->sha256);
	b->sha256 = xstrdup(hex);
	ret = 0;
out:
	free(kernel);
	free(image);
	return ret;
}
