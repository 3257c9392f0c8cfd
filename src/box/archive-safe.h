/* archive-safe.h: unpacking archives from someone else, and writing
 * ours all or nothing. */

#ifndef BERTH_ARCHIVE_SAFE_H
#define BERTH_ARCHIVE_SAFE_H

enum {
	EXTRACT_FLAT = 1,	/* regular files at the top only: a .box */
	EXTRACT_LINKS = 2,	/* symbolic links that resolve inside: a bundle */
};

/*
 * Extract a tar archive (any compression) into dir, which should be new
 * and empty. Refused: absolute paths, '..', hard links, devices, FIFOs,
 * entries written through a link or over another, and links that lead
 * out of dir once resolved as the kernel does. On failure dir may hold
 * part of the archive: the caller removes it.
 */
int archive_extract_safe(const char *archive, const char *dir, int flags);

/* Finish an archive written to tmp and put it in place as file, in one
 * rename: a reader never sees half of it. */
struct archive;
int archive_write_commit(struct archive *a, const char *tmp,
			 const char *file);

#endif
