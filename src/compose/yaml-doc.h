/* yaml-doc.h: one YAML document as a read-only tree, anchors and merge
 * keys resolved, bounded against inputs made to explode. */

#ifndef BERTH_YAML_DOC_H
#define BERTH_YAML_DOC_H

#include <stddef.h>

#include "util.h"

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	const char *file;	/* the file it is in, as the user names it */
	int line;		/* 1-based, where it starts */
	/* a scalar: its text, and whether it was written plain (a plain
	 * "null", "~" or nothing is null; a quoted one is text) */
	char *text;
	int plain;
	int interpolated;	/* an alias shares a node: do it once */
	/* a sequence: n items; a mapping: n pairs, key at 2i, value 2i+1 */
	struct ynode **items;
	size_t n;
	size_t weight;		/* nodes under it, aliases counted out */
};

struct ydoc {
	struct ynode *root;	/* NULL for an empty document */
	struct ynode **all;	/* every node, to free */
	size_t nall, alloc;
	struct strlist files;	/* the names nodes point to */
};

/* Parse text, from file (its name for messages). Several may be parsed
 * into one doc: root is the last one's. Returns 0, or -1 with the reason
 * recorded through err_set() and its line in *line (0 when unknown). */
int ydoc_parse(struct ydoc *doc, const char *file, const char *text,
	       size_t len, int *line);
void ydoc_release(struct ydoc *doc);
/* A node the doc owns, for trees made from others (merges). */
struct ynode *ydoc_node(struct ydoc *doc, enum ynode_kind kind,
			const struct ynode *like);
void ynode_push(struct ynode *parent, struct ynode *child);

int ynode_is_null(const struct ynode *n);
/* The value of key in a mapping, or NULL. */
struct ynode *ynode_get(const struct ynode *map, const char *key);
/* A scalar's text, or NULL for anything else or null. */
const char *ynode_str(const struct ynode *n);
/* A plain or quoted scalar read as a boolean: 1, 0, or -1 when not one. */
int ynode_bool(const struct ynode *n);
const char *ynode_kind_name(const struct ynode *n);

#endif
