/* box-import.c: check qcow2 images and unpack Vagrant .box archives into a
 * staging folder, refusing anything that could reach outside of it. */

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth.h"
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

int
qcow2_inspect(const char *path, uint64_t *virtual_size)
{
	unsigned char h[104];
	size_t n;
	uint32_t version;

	if (read_head(path, h, sizeof(h), &n) < 0)
		return -1;
	if (!is_qcow2(h, n) || n < 72)
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
	if (version == 3 && n >= 80) {
		uint64_t incompat = be64(h + 72);

		if (incompat & 2)
			return err_set("'%s' is marked corrupt", path);
		if (incompat & 4)
			return err_set("'%s' uses an external data file: a box "
				       "must stand alone", path);
	}
	*virtual_size = be64(h + 24);
	if (!*virtual_size)
		return err_set("'%s' has a virtual size of 0", path);
	return 0;
}

/* Lexically inside the extraction root? ("a/../b" yes, "../b" no) */
static int
stays_inside(const char *path)
{
	char *norm;
	int ok;

	if (!*path || path[0] == '/')
		return 0;
	norm = spec_normalize_path(path);
	ok = strcmp(norm, "..") && strncmp(norm, "../", 3);
	free(norm);
	return ok;
}

static int
has_dotdot(const char *path)
{
	const char *p = path;

	while ((p = strstr(p, ".."))) {
		if ((p == path || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return 1;
		p += 2;
	}
	return 0;
}

/* Why an entry may not be extracted, or NULL when it is fine. */
static const char *
entry_refusal(struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e);
	const char *hard = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);

	if (!path || !*path)
		return "it has no name";
	if (path[0] == '/')
		return "it has an absolute path";
	if (has_dotdot(path))
		return "its path contains '..'";
	if (hard && (hard[0] == '/' || has_dotdot(hard) || !stays_inside(hard)))
		return "it is a hard link to a file outside the box";
	if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(e);
		char *dir, *joined;
		int ok;

		if (!target || target[0] == '/')
			return "it is a symbolic link to an absolute path";
		dir = path_dirname(path);
		joined = strcmp(dir, ".") ? xasprintf("%s/%s", dir, target)
					  : xstrdup(target);
		ok = stays_inside(joined);
		free(joined);
		free(dir);
		if (!ok)
			return "it is a symbolic link that points outside the "
			       "box";
		return NULL;
	}
	if (!hard && type != AE_IFREG && type != AE_IFDIR)
		return "it is a device, FIFO or socket";
	return NULL;
}

/* Copy one entry's data; libarchive seeks over holes in sparse images. */
static int
copy_data(struct archive *in, struct archive *out)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &size, &off)) ==
	       ARCHIVE_OK) {
		if (berth_interrupted)
			return ARCHIVE_FATAL;
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_OK)
			return ARCHIVE_FATAL;
	}
	return r == ARCHIVE_EOF ? ARCHIVE_OK : r;
}

int
archive_extract_safe(const char *file, const char *dir)
{
	struct archive *in = archive_read_new();
	struct archive *out = archive_write_disk_new();
	struct archive_entry *e;
	int r, ret = -1, cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	/* belt and braces: libarchive's own checks as well as ours */
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_SECURE_SYMLINKS |
				       ARCHIVE_EXTRACT_SECURE_NODOTDOT |
				       ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
				       ARCHIVE_EXTRACT_SPARSE);
	if (archive_read_open_filename(in, file, 1 << 16) != ARCHIVE_OK) {
		err_set("cannot open '%s': %s", file, archive_error_string(in));
		goto out;
	}
	/* entries stay relative, so that libarchive's checks see them as
	 * they are written in the archive */
	if (cwd < 0 || chdir(dir) < 0) {
		err_set("cannot enter '%s': %s", dir, strerror(errno));
		goto out;
	}
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *why = entry_refusal(e);
		char *name = xstrdup(archive_entry_pathname(e)
				     ? archive_entry_pathname(e) : "");

		if (why) {
			err_set("archive entry '%s' is refused: %s", name, why);
			err_hint("this .box is malformed or malicious; nothing "
				 "was added");
			free(name);
			goto out;
		}
		archive_entry_set_perm(e, archive_entry_perm(e) & 0755);
		r = archive_write_header(out, e);
		if (r == ARCHIVE_OK && archive_entry_size(e) > 0)
			r = copy_data(in, out);
		if (r == ARCHIVE_OK)
			r = archive_write_finish_entry(out);
		if (r < ARCHIVE_WARN) {
			err_set("cannot extract '%s' from '%s': %s", name, file,
				berth_interrupted ? "interrupted"
				: archive_error_string(out)
				? archive_error_string(out)
				: archive_error_string(in));
			free(name);
			goto out;
		}
		free(name);
	}
	if (r != ARCHIVE_EOF) {
		err_set("'%s' is neither a qcow2 image nor a readable .box "
			"archive: %s", file, archive_error_string(in));
		goto out;
	}
	ret = 0;
out:
	if (cwd >= 0) {
		if (fchdir(cwd) < 0)
			fatal("cannot return to the working folder");
		close(cwd);
	}
	archive_read_free(in);
	archive_write_free(out);
	return ret;
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
		if (archive_extract_safe(src, staged) < 0 ||
		    box_vagrant_metadata_read(staged, b) < 0)
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
