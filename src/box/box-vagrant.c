/* box-vagrant.c: write a box out as a Vagrant libvirt .box archive. */

#include <archive.h>
#include <archive_entry.h>
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

static int
add_buffer(struct archive *a, const char *name, const char *data,
	   size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int ret = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    archive_write_data(a, data, len) != (la_ssize_t)len)
		ret = err_set("cannot write '%s' into the box: %s", name,
			      archive_error_string(a));
	archive_entry_free(e);
	return ret;
}

static int
add_file(struct archive *a, const char *name, const char *path)
{
	struct archive_entry *e = archive_entry_new();
	char *buf = xmalloc(1 << 20);
	struct stat st;
	int fd = -1, ret = -1;
	ssize_t n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		err_set("cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, st.st_size);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		err_set("cannot write '%s' into the box: %s", name,
			archive_error_string(a));
		goto out;
	}
	while ((n = read(fd, buf, 1 << 20)) > 0) {
		if (berth_interrupted) {
			err_set("interrupted");
			goto out;
		}
		if (archive_write_data(a, buf, (size_t)n) != n) {
			err_set("cannot write '%s' into the box: %s", name,
				archive_error_string(a));
			goto out;
		}
	}
	ret = n < 0 ? err_set("cannot read '%s': %s", path, strerror(errno))
		    : 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	archive_entry_free(e);
	return ret;
}

int
box_write_vagrant(const struct box *b, const char *file)
{
	struct archive *a = archive_write_new();
	char *tmp = xasprintf("%s.tmp.%ld", file, (long)getpid());
	json_t *meta = json_object();
	struct strbuf vf = STRBUF_INIT;
	char *text = NULL, *path;
	int ret = -1;

	/* vagrant-libvirt's metadata: virtual_size in whole GiB */
	json_object_set_new(meta, "provider", json_string("libvirt"));
	json_object_set_new(meta, "format", json_string("qcow2"));
	json_object_set_new(meta, "virtual_size", json_integer((json_int_t)
		((b->virtual_size + (1ULL << 30) - 1) >> 30)));
	if (b->kernel) {
		json_t *ext = json_object();

		json_object_set_new(ext, "kernel", json_string(b->kernel));
		if (b->initrd)
			json_object_set_new(ext, "initrd",
					    json_string(b->initrd));
		json_object_set_new(ext, "cmdline", json_string(b->cmdline));
		json_object_set_new(ext, "has_docker",
				    json_boolean(b->has_docker));
		json_object_set_new(meta, "berth", ext);
	}
	text = json_dumps(meta, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	sb_addstr(&vf, "# Written by berth: boots the kernel shipped in this "
		  "box.\nVagrant.configure(\"2\") do |config|\n"
		  "  config.vm.provider :libvirt do |libvirt|\n");
	if (b->kernel) {
		sb_addf(&vf, "    libvirt.kernel = File.join(__dir__, \"%s\")\n",
			b->kernel);
		if (b->initrd)
			sb_addf(&vf, "    libvirt.initrd = File.join(__dir__, "
				"\"%s\")\n", b->initrd);
		sb_addf(&vf, "    libvirt.cmd_line = \"%s\"\n", b->cmdline);
	}
	sb_addstr(&vf, "  end\nend\n");

	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		err_set("cannot create '%s': %s", tmp, archive_error_string(a));
		goto out;
	}
	if (add_buffer(a, "metadata.json", text, strlen(text)) < 0 ||
	    add_buffer(a, "Vagrantfile", vf.buf, vf.len) < 0 ||
	    add_file(a, BOX_IMAGE, b->image) < 0)
		goto out;
	if (b->kernel) {
		path = path_join(b->dir, b->kernel);
		ret = add_file(a, b->kernel, path);
		free(path);
		if (ret < 0)
			goto out;
		ret = -1;
	}
	if (b->initrd) {
		path = path_join(b->dir, b->initrd);
		ret = add_file(a, b->initrd, path);
		free(path);
		if (ret < 0)
			goto out;
		ret = -1;
	}
	if (archive_write_commit(a, tmp, file) < 0)
		goto out;
	ret = 0;
out:
	archive_write_free(a);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	free(text);
	sb_release(&vf);
	json_decref(meta);
	return ret;
}
