/* box.h: the box store, importing boxes into it, and the box catalog. */

#ifndef BERTH_BOX_H
#define BERTH_BOX_H

#include <stdint.h>

#include "config.h"
#include "report.h"

#define BOX_IMAGE "box.img"
#define BOX_META "box.json"

/* One version of one box in the store. */
struct box {
	char *name;
	char *version;
	char *dir;		/* the version's folder in the store */
	char *image;		/* dir/box.img */
	uint64_t size;		/* bytes on disk of the image */
	uint64_t virtual_size;	/* the disk size the guest sees */
	char *sha256;
	char *source;		/* where it was added from */
	char *added;		/* ISO 8601 UTC */
	/* direct kernel boot, a berth extension; NULL: boot from the disk */
	char *kernel, *initrd, *cmdline;
	int has_docker;
	struct strlist users;	/* workspaces that use this box */
};

struct box_list {
	struct box *v;
	size_t n, alloc;
};

struct box_store {
	char *root;		/* .../berth/boxes */
};

/* The store under $BERTH_HOME/boxes, or $XDG_DATA_HOME/berth/boxes. */
int box_store_open(struct box_store *s);
void box_store_release(struct box_store *s);

/* Every box, sorted by name then newest version first. */
int box_store_list(struct box_store *s, struct box_list *out);
/* One box; version NULL means the newest. Returns -1 if missing. */
int box_store_find(struct box_store *s, const char *name,
		   const char *version, struct box *out);
/* Refuses while a workspace uses the box, unless force is set. */
int box_store_remove(struct box_store *s, const struct box *b, int force);

/* Record or forget that the workspace at ws_file uses a box. */
int box_store_use(struct box_store *s, const struct box *b,
		  const char *ws_id, const char *ws_file);
int box_store_unuse(struct box_store *s, const struct box *b,
		    const char *ws_id);

/* Make a private staging folder inside the store (same file system). */
char *box_store_stage(struct box_store *s);
/*
 * Move a staged box into place as name/version, all or nothing. Fails
 * when that version exists, unless replace is set.
 */
int box_store_commit(struct box_store *s, const char *staged,
		     const char *name, const char *version, int replace);

void box_release(struct box *b);
void box_list_release(struct box_list *l);
int box_valid_name(const char *s);
int box_valid_version(const char *s);
int box_version_cmp(const char *a, const char *b);

/* Write and read box.json in a box folder. */
int box_meta_write(const char *dir, const struct box *b);
int box_meta_read(const char *dir, struct box *b);

/* qcow2 checks: the magic, the size, and no backing or external data
 * file, which could make a box read files of the host. */
int qcow2_inspect(const char *path, uint64_t *virtual_size);

/* Vagrant's metadata.json in a staged, extracted .box: provider libvirt,
 * format qcow2, one disk (renamed to box.img), and berth's extension. */
int box_vagrant_metadata_read(const char *staged, struct box *b);

/*
 * Turn a source in staging (a qcow2 file or a Vagrant .box) into a box
 * folder: box.img plus metadata. Fills b's image fields.
 */
int box_import(const char *src, const char *staged, struct box *b);

/* Write a box as a Vagrant libvirt .box (a tar), with berth's boot
 * extension in metadata.json and a Vagrantfile that uses it. */
int box_write_vagrant(const struct box *b, const char *file);

/* Adding a box from SOURCE: a file, an http(s) URL or a catalog name. */
struct box_add_req {
	const char *source;
	char *name, *version;	/* given, else from the source or catalog */
	char *checksum;		/* "type:hex", given or the catalog's */
	char *url;		/* when downloading */
	char *local;		/* the file to import */
	char *download;		/* kept until verified, then removed */
};
/* Say where SOURCE is, and fill what it implies. */
int box_add_resolve(struct box_add_req *p);
/* Fetch (resuming), verify, import and commit it, telling rep. */
int box_add(struct box_store *store, struct box_add_req *p, int force,
	    const struct reporter *rep);
void box_add_release(struct box_add_req *p);

/* The recipes in boxes/ (those with a 'recipe' file). */
int box_recipes(struct strlist *out);
/* Build a box from a recipe and add it to the store, telling rep the
 * steps; with reuse, a box built from the same recipes is kept as is.
 * Needs root. A failed build leaves nothing in the store, and its log's
 * end goes to rep. */
struct box_build_req {
	const char *recipe, *name, *version;
	const char *output;	/* also write a Vagrant .box here, or NULL */
	int force, reuse;
};
int box_build(const struct box_build_req *req, const struct reporter *rep);

/* The catalog: a JSON file a box in boxes/catalog, in the Vagrant
 * box-catalog shape. */
struct catalog_entry {
	char *name;
	char *version;
	char *url;
	char *checksum_type;
	char *checksum;
	char *description;
};

int catalog_find(const char *name, const char *version,
		 struct catalog_entry *out);
int catalog_list(struct catalog_entry **out, size_t *n);
void catalog_entry_release(struct catalog_entry *e);

/* Archives (archive-safe.c): from someone else, unpacked with nothing
 * let out of the tree; ours, written all or nothing. */
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
