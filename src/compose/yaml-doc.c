/* yaml-doc.c: libyaml's events built into a tree. An alias shares the
 * node it names, so a document stays as small in memory as its text; its
 * size with every alias counted out is bounded, so that walking it is too
 * (the "billion laughs": a few lines that expand to 10^9 nodes). */

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "util.h"
#include "yaml-doc.h"

#define YAML_MAX_DEPTH 64
/* nodes with aliases counted out: a 57-service project is ~10^4 */
#define YAML_MAX_WEIGHT 500000
/* entries of one list or mapping: real ones hold tens, a few hundred */
#define YAML_MAX_ITEMS 4096

struct anchor {
	char *name;
	struct ynode *node;
};

struct builder {
	struct ydoc *doc;
	const char *file;
	struct ynode *open[YAML_MAX_DEPTH];
	char *open_anchor[YAML_MAX_DEPTH];
	size_t depth;
	struct anchor *anchors;
	size_t nanchors, alloc;
	int line;		/* of the event at hand, for errors */
	int seen_document;
};

static struct ynode *
node_new(struct builder *b, enum ynode_kind kind, int line)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = line;
	n->file = b->file;
	n->weight = 1;
	ALLOC_GROW(b->doc->all, b->doc->nall + 1, b->doc->alloc);
	b->doc->all[b->doc->nall++] = n;
	return n;
}

void
ynode_push(struct ynode *parent, struct ynode *child)
{
	/* items grow one at a time: double as they go */
	if (!(parent->n & (parent->n - 1)))
		parent->items = xrealloc(parent->items, (parent->n ? parent->n * 2
							: 1) * sizeof(child));
	parent->items[parent->n++] = child;
}

static int
add_node(struct builder *b, struct ynode *n)
{
	struct ynode *parent;

	if (!b->depth) {
		b->doc->root = n;
		return 0;
	}
	parent = b->open[b->depth - 1];
	if (parent->n >= (parent->kind == YNODE_MAP ? 2 : 1) * YAML_MAX_ITEMS)
		return err_set("a %s of more than %d entries",
			       ynode_kind_name(parent), YAML_MAX_ITEMS);
	if (parent->kind == YNODE_MAP && !(parent->n % 2) &&
	    n->kind != YNODE_SCALAR)
		return err_set("a mapping's key must be plain text, not a %s",
			       ynode_kind_name(n));
	ynode_push(parent, n);
	return 0;
}

static int
anchor_add(struct builder *b, const char *name, struct ynode *n)
{
	ALLOC_GROW(b->anchors, b->nanchors + 1, b->alloc);
	b->anchors[b->nanchors].name = xstrdup(name);
	b->anchors[b->nanchors++].node = n;
	return 0;
}

static struct ynode *
anchor_find(struct builder *b, const char *name)
{
	size_t i;

	/* a name may be anchored again: the latest one counts */
	for (i = b->nanchors; i > 0; i--)
		if (!strcmp(b->anchors[i - 1].name, name))
			return b->anchors[i - 1].node;
	return NULL;
}

static int
anchor_open(struct builder *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->depth; i++)
		if (b->open_anchor[i] && !strcmp(b->open_anchor[i], name))
			return 1;
	return 0;
}

static int
key_cmp(const void *pa, const void *pb)
{
	const struct ynode *a = *(struct ynode *const *)pa;
	const struct ynode *b = *(struct ynode *const *)pb;

	return strcmp(a->text, b->text);
}

static int
has_key(struct ynode **sorted, size_t n, const struct ynode *key)
{
	return bsearch(&key, sorted, n, sizeof(*sorted), key_cmp) != NULL;
}

/*
 * A mapping closes: no key twice, and "<<" replaced by the pairs it merges
 * in (a mapping, or a list of them, earlier ones first), each only where
 * the mapping does not set that key itself.
 */
static int
close_map(struct builder *b, struct ynode *map)
{
	struct ynode **keep = xcalloc(map->n + 1, sizeof(*keep));
	struct ynode **keys = xcalloc(map->n / 2 + 1, sizeof(*keys));
	struct ynode **merges = xcalloc(map->n / 2 + 1, sizeof(*merges));
	size_t nkeep = 0, nkeys = 0, nmerges = 0, i, k, m;
	int ret = -1;

	for (i = 0; i + 1 < map->n; i += 2) {
		struct ynode *key = map->items[i];

		if (key->plain && !strcmp(key->text, "<<")) {
			merges[nmerges++] = map->items[i + 1];
			continue;
		}
		keys[nkeys++] = key;
		keep[nkeep++] = key;
		keep[nkeep++] = map->items[i + 1];
	}
	qsort(keys, nkeys, sizeof(*keys), key_cmp);
	for (i = 1; i < nkeys; i++)
		if (!strcmp(keys[i]->text, keys[i - 1]->text)) {
			b->line = keys[i]->line > keys[i - 1]->line
				  ? keys[i]->line : keys[i - 1]->line;
			err_set("key '%s' appears twice in one mapping",
				keys[i]->text);
			goto out;
		}
	for (m = 0; m < nmerges; m++) {
		struct ynode *src = merges[m], *one[1];
		struct ynode **srcs = src->kind == YNODE_SEQ ? src->items : one;
		size_t nsrcs = src->kind == YNODE_SEQ ? src->n : 1, s;

		one[0] = src;
		for (s = 0; s < nsrcs; s++) {
			size_t before = nkeys;

			if (srcs[s]->kind != YNODE_MAP) {
				b->line = srcs[s]->line;
				err_set("'<<' merges mappings, and this is a %s",
					ynode_kind_name(srcs[s]));
				goto out;
			}
			/* a closed mapping has each key once: check its keys
			 * against those before it, then add them all */
			keep = xrealloc(keep, (nkeep + srcs[s]->n) * sizeof(*keep));
			keys = xrealloc(keys, (nkeys + srcs[s]->n / 2 + 1) *
					      sizeof(*keys));
			for (k = 0; k + 1 < srcs[s]->n; k += 2) {
				struct ynode *key = srcs[s]->items[k];

				if (has_key(keys, before, key))
					continue;
				keep[nkeep++] = key;
				keep[nkeep++] = srcs[s]->items[k + 1];
				keys[nkeys++] = key;
			}
			qsort(keys, nkeys, sizeof(*keys), key_cmp);
		}
	}
	free(map->items);
	map->items = keep;
	map->n = nkeep;
	keep = NULL;
	ret = 0;
out:
	free(keep);
	free(keys);
	free(merges);
	return ret;
}

static int
close_node(struct builder *b)
{
	struct ynode *n = b->open[--b->depth];
	char *anchor = b->open_anchor[b->depth];
	size_t i;
	int ret = 0;

	if (n->kind == YNODE_MAP)
		ret = close_map(b, n);
	if (ret == 0) {
		n->weight = 1;
		for (i = 0; i < n->n; i++)
			n->weight += n->items[i]->weight;
		if (n->weight > YAML_MAX_WEIGHT)
			ret = err_set("the document holds more than %d values, "
				      "with its aliases counted out",
				      YAML_MAX_WEIGHT);
	}
	/* anchored only now: an alias inside its own node is a cycle */
	if (ret == 0 && anchor)
		anchor_add(b, anchor, n);
	free(anchor);
	b->open_anchor[b->depth] = NULL;
	return ret == 0 ? add_node(b, n) : -1;
}

static int
open_node(struct builder *b, enum ynode_kind kind, const yaml_char_t *anchor)
{
	if (b->depth >= YAML_MAX_DEPTH)
		return err_set("nested more than %d deep", YAML_MAX_DEPTH);
	b->open[b->depth] = node_new(b, kind, b->line);
	b->open_anchor[b->depth] = anchor ? xstrdup((const char *)anchor)
					  : NULL;
	b->depth++;
	return 0;
}

/* A tag changes what a value means ("!reset", "!override", "!!binary"):
 * one berth does not know is refused, not read as plain text. */
static int
check_tag(const yaml_char_t *tag)
{
	static const char *const plain[] = {
		"tag:yaml.org,2002:str", "tag:yaml.org,2002:int",
		"tag:yaml.org,2002:bool", "tag:yaml.org,2002:float",
		"tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
		"tag:yaml.org,2002:seq", "!",
	};
	size_t i;

	if (!tag)
		return 0;
	for (i = 0; i < ARRAY_SIZE(plain); i++)
		if (!strcmp((const char *)tag, plain[i]))
			return 0;
	return err_set("the YAML tag '%s' is not supported by berth yet",
		       (const char *)tag);
}

static int
on_event(struct builder *b, const yaml_event_t *ev, int *done)
{
	struct ynode *n;

	b->line = (int)ev->start_mark.line + 1;
	if ((ev->type == YAML_SCALAR_EVENT && check_tag(ev->data.scalar.tag)) ||
	    (ev->type == YAML_SEQUENCE_START_EVENT &&
	     check_tag(ev->data.sequence_start.tag)) ||
	    (ev->type == YAML_MAPPING_START_EVENT &&
	     check_tag(ev->data.mapping_start.tag)))
		return -1;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->seen_document++)
			return err_set("more than one document ('---'): "
				       "a compose file holds one");
		return 0;
	case YAML_SCALAR_EVENT:
		n = node_new(b, YNODE_SCALAR, b->line);
		n->text = xstrndup((const char *)ev->data.scalar.value,
				   ev->data.scalar.length);
		if (strlen(n->text) != ev->data.scalar.length)
			return err_set("a NUL byte inside a value");
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (ev->data.scalar.anchor)
			anchor_add(b, (const char *)ev->data.scalar.anchor, n);
		return add_node(b, n);
	case YAML_ALIAS_EVENT:
		n = anchor_find(b, (const char *)ev->data.alias.anchor);
		if (!n && anchor_open(b, (const char *)ev->data.alias.anchor))
			return err_set("alias '*%s' is inside the node it "
				       "names: it would never end",
				       ev->data.alias.anchor);
		if (!n)
			return err_set("alias '*%s' names no anchor before it",
				       ev->data.alias.anchor);
		return add_node(b, n);
	case YAML_SEQUENCE_START_EVENT:
		return open_node(b, YNODE_SEQ, ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		return open_node(b, YNODE_MAP, ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return close_node(b);
	case YAML_STREAM_END_EVENT:
		*done = 1;
		return 0;
	default:
		return 0;
	}
}

int
ydoc_parse(struct ydoc *doc, const char *file, const char *text, size_t len,
	   int *line)
{
	struct builder b = { .doc = doc };
	yaml_parser_t parser;
	yaml_event_t ev;
	int done = 0, ret = 0;
	size_t i;

	strlist_push(&doc->files, file);
	b.file = doc->files.v[doc->files.n - 1];
	doc->root = NULL;
	*line = 0;
	if (!yaml_parser_initialize(&parser))
		fatal("out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && ret == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			b.line = (int)parser.problem_mark.line + 1;
			ret = err_set("%s%s%s", parser.problem ? parser.problem
					: "not YAML", parser.context ? " " : "",
				      parser.context ? parser.context : "");
			break;
		}
		ret = on_event(&b, &ev, &done);
		yaml_event_delete(&ev);
	}
	if (ret < 0)
		*line = b.line;
	for (i = 0; i < b.depth; i++)
		free(b.open_anchor[i]);
	for (i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	yaml_parser_delete(&parser);
	if (ret < 0)
		doc->root = NULL;
	return ret;
}

struct ynode *
ydoc_node(struct ydoc *doc, enum ynode_kind kind, const struct ynode *like)
{
	struct builder b = { .doc = doc, .file = like->file };

	return node_new(&b, kind, like->line);
}

void
ydoc_release(struct ydoc *doc)
{
	size_t i;

	for (i = 0; i < doc->nall; i++) {
		free(doc->all[i]->text);
		free(doc->all[i]->items);
		free(doc->all[i]);
	}
	free(doc->all);
	strlist_release(&doc->files);
	memset(doc, 0, sizeof(*doc));
}

int
ynode_is_null(const struct ynode *n)
{
	return !n || (n->kind == YNODE_SCALAR && n->plain &&
		      (!*n->text || !strcmp(n->text, "~") ||
		       !strcasecmp(n->text, "null")));
}

struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i + 1 < map->n; i += 2)
		if (!strcmp(map->items[i]->text, key))
			return map->items[i + 1];
	return NULL;
}

const char *
ynode_str(const struct ynode *n)
{
	return n && n->kind == YNODE_SCALAR && !ynode_is_null(n) ? n->text
								  : NULL;
}

int
ynode_bool(const struct ynode *n)
{
	const char *s = ynode_str(n);

	if (!s)
		return -1;
	if (!strcasecmp(s, "true"))
		return 1;
	if (!strcasecmp(s, "false"))
		return 0;
	return -1;
}

const char *
ynode_kind_name(const struct ynode *n)
{
	if (ynode_is_null(n))
		return "null";
	return n->kind == YNODE_MAP ? "mapping" : n->kind == YNODE_SEQ
		? "list" : "value";
}
