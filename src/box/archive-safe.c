/* archive-safe.c: unpack a tar archive from someone else (a .box, a bug
 * bundle) into a folder, with nothing written outside it, through a link,
 * or over a file that is already there. */

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "box.h"
#include "config.h"
#include "util.h"

#define MAX_ENTRIES 200000	/* a bundle of a big project, with room */

/* path resolved by the kernel from root, never leaving it (EXDEV) */
static int
open_beneath(int root, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* The entry's name without "./" in front; NULL for the top folder. */
static const char *
entry_name(const char *path)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	while (path[0] == '/' && path[1] == '\0')
		path++;
	return *path && strcmp(path, ".") ? path : NULL;
}

/* Why a name may not be written, or NULL. */
static const char *
name_refusal(const char *name, int flags)
{
	const char *p = name;

	if (name[0] == '/')
		return "it has an absolute path";
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && !strncmp(p, "..", 2))
			return "its path contains '..'";
		if (!p[n])
			break;
		p += n + 1;
	}
	if ((flags & EXTRACT_FLAT) && strchr(name, '/'))
		return "a box holds files only at its top";
	return NULL;
}

/*
 * The folder that will hold name, made as needed, one part at a time and
 * never through a link: an archive's own entries are never written
 * through its links, so a link on the way is a trick. -1 and errno.
 */
static int
parent_of(int root, const char *name, const char **base)
{
	char *copy = xstrdup(name), *part, *next;
	int fd = dup(root);

	*base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	for (part = copy; fd >= 0 && (next = strchr(part, '/')); part = next + 1) {
		int sub;

		*next = '\0';
		if (!*part || !strcmp(part, "."))
			continue;
		sub = openat(fd, part, O_PATH | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);
		if (sub < 0 && errno == ENOENT &&
		    (mkdirat(fd, part, 0755) == 0 || errno == EEXIST))
			sub = openat(fd, part, O_PATH | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = sub;
	}
	free(copy);
	return fd;
}

static int
write_data(struct archive *in, int fd)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	/* libarchive hands sparse images over in blocks at their offsets:
	 * the holes stay holes */
	while ((r = archive_read_data_block(in, &buf, &size, &off)) ==
	       ARCHIVE_OK) {
		const char *p = buf;

		if (berth_interrupted)
			return -1;
		while (size) {
			ssize_t n = pwrite(fd, p, size, (off_t)off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
			p += n;
			size -= (size_t)n;
			off += n;
		}
	}
	return r == ARCHIVE_EOF ? 0 : -1;
}

/* One entry into place; why not in *why (then errno may say more). */
static int
extract_one(struct archive *in, struct archive_entry *e, int root,
	    const char *name, int flags, const char **why)
{
	mode_t type = archive_entry_filetype(e);
	int mode = archive_entry_perm(e) & 0755;	/* no setuid, no g/o w */
	const char *base;
	int dir, fd, ret = -1;

	*why = NULL;
	if (archive_entry_hardlink(e)) {
		*why = "it is a hard link";
		return -1;
	}
	if (type == AE_IFLNK && !(flags & EXTRACT_LINKS)) {
		*why = "it is a symbolic link, which a box never needs";
		return -1;
	}
	if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
		*why = "it is a device, FIFO or socket";
		return -1;
	}
	if (type == AE_IFDIR && (flags & EXTRACT_FLAT)) {
		*why = "a box holds files only at its top";
		return -1;
	}
	if ((dir = parent_of(root, name, &base)) < 0) {
		*why = errno == ELOOP || errno == ENOTDIR
		       ? "its folder is a link, or not a folder" : NULL;
		return -1;
	}
	if (!*base || !strcmp(base, ".")) {	/* "a/b/": the folder itself */
		ret = 0;
	} else if (type == AE_IFDIR) {
		struct stat st;

		if (mkdirat(dir, base, (mode_t)(mode | 0700)) == 0 ||
		    (errno == EEXIST && fstatat(dir, base, &st,
						AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISDIR(st.st_mode)))
			ret = 0;
		else if (errno == EEXIST)
			*why = "it is in the archive twice";
	} else if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(e);

		if (!target || !*target || target[0] == '/')
			*why = "it is a symbolic link to an absolute path";
		else if (symlinkat(target, dir, base) == 0)
			ret = 0;
		else if (errno == EEXIST)
			*why = "it is in the archive twice";
	} else if ((fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL |
				O_NOFOLLOW | O_CLOEXEC, (mode_t)mode)) >= 0) {
		if (write_data(in, fd) == 0 &&
		    ftruncate(fd, (off_t)archive_entry_size(e)) == 0)
			ret = 0;
		if (close(fd) < 0)
			ret = -1;
	} else if (errno == EEXIST) {
		*why = "it is in the archive twice";
	}
	close(dir);
	return ret;
}

/*
 * Every link, once all are there, resolved by the kernel: a chain of
 * links that stays inside by its text can leave by resolution ("d/x ->
 * .." and then "f -> d/x/d/x/../.."). Lexically too, for a link that
 * dangles now and would lead out once its first part exists.
 */
static int
links_stay_inside(int root, const struct strlist *links)
{
	size_t i;

	for (i = 0; i < links->n; i++) {
		const char *name = links->v[i];
		char target[4096], *dir, *joined, *norm;
		ssize_t n = readlinkat(root, name, target, sizeof(target) - 1);
		int fd, inside;

		if (n < 0)
			return err_set("archive entry '%s' vanished", name);
		target[n] = '\0';
		dir = path_dirname(name);
		joined = strcmp(dir, ".") ? xasprintf("%s/%s", dir, target)
					  : xstrdup(target);
		norm = spec_normalize_path(joined);
		inside = strcmp(norm, "..") && strncmp(norm, "../", 3);
		free(norm);
		free(joined);
		free(dir);
		fd = open_beneath(root, name, O_PATH);
		if (fd >= 0)
			close(fd);
		else if (errno == ENOSYS)
			return err_set("archive entry '%s' is a link, and this "
				       "kernel cannot resolve links safely "
				       "(no openat2)", name);
		else if (errno == EXDEV || errno == ELOOP)
			inside = 0;
		if (!inside)
			return err_set("archive entry '%s' is refused: it is a "
				       "link that leads outside the folder",
				       name);
	}
	return 0;
}

int
archive_extract_safe(const char *file, const char *dir, int flags)
{
	struct archive *in = archive_read_new();
	struct archive_entry *e;
	struct strlist links = { 0 };
	size_t count = 0;
	int root, r, ret = -1;

	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	if ((root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err_set("cannot open '%s': %s", dir, strerror(errno));
		goto out;
	}
	if (archive_read_open_filename(in, file, 1 << 16) != ARCHIVE_OK) {
		err_set("cannot open '%s': %s", file, archive_error_string(in));
		goto out;
	}
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *raw = archive_entry_pathname(e), *name, *why;

		if (!raw || !*raw) {
			err_set("an archive entry has no name");
			goto refused;
		}
		if (!(name = entry_name(raw)))
			continue;	/* "./": the folder itself */
		if (++count > MAX_ENTRIES) {
			err_set("'%s' has more than %d entries", file,
				MAX_ENTRIES);
			goto refused;
		}
		if ((why = name_refusal(name, flags))) {
			err_set("archive entry '%s' is refused: %s", name, why);
			goto refused;
		}
		if (extract_one(in, e, root, name, flags, &why) < 0) {
			if (why) {
				err_set("archive entry '%s' is refused: %s",
					name, why);
				goto refused;
			}
			err_set("cannot extract '%s' from '%s': %s", name, file,
				berth_interrupted ? "interrupted"
				: archive_errno(in) ? archive_error_string(in)
				: strerror(errno));
			goto out;
		}
		if (archive_entry_filetype(e) == AE_IFLNK)
			strlist_push(&links, name);
	}
	if (r != ARCHIVE_EOF) {
		err_set("'%s' is not a readable archive: %s", file,
			archive_error_string(in));
		goto out;
	}
	if (links_stay_inside(root, &links) < 0)
		goto refused;
	ret = 0;
	goto out;
refused:
	err_hint("the archive is malformed or malicious; nothing was added");
out:
	/* a link that leads out is not left for anyone to follow, even in
	 * a folder that the caller is about to remove */
	for (size_t i = 0; ret < 0 && root >= 0 && i < links.n; i++)
		unlinkat(root, links.v[i], 0);
	if (root >= 0)
		close(root);
	archive_read_free(in);
	strlist_release(&links);
	return ret;
}

int
archive_write_commit(struct archive *a, const char *tmp, const char *file)
{
	if (archive_write_close(a) != ARCHIVE_OK)
		return err_set("cannot write '%s': %s", tmp,
			       archive_error_string(a));
	if (rename(tmp, file) < 0)
		return err_set("cannot rename '%s': %s", tmp, strerror(errno));
	return 0;
}
