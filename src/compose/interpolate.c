/* interpolate.c: compose's ${VAR} substitution in a value, as the
 * compose specification defines it. */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "util.h"

/* a default may hold ${...} itself; this deep and no deeper */
#define NEST_MAX 8
/* what one value may grow to, whatever the variables hold */
#define VALUE_MAX (1u << 20)

static const char *
lookup(const struct kvlist *vars, const char *name, size_t len)
{
	size_t i;

	for (i = vars->n; i > 0; i--)
		if (strlen(vars->v[i - 1].key) == len &&
		    !memcmp(vars->v[i - 1].key, name, len))
			return vars->v[i - 1].value;
	return NULL;
}

static size_t
name_len(const char *p)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

/* The end of a ${...} body: the '}' that closes it, braces counted. */
static const char *
body_end(const char *p)
{
	int depth = 1;

	for (; *p; p++) {
		if (*p == '$' && p[1] == '$')
			p++;
		else if (*p == '$' && p[1] == '{')
			depth++, p++;
		else if (*p == '}' && !--depth)
			return p;
	}
	return NULL;
}

static int expand(const char *s, size_t len, const struct kvlist *vars,
		  struct strlist *unset, int depth, struct strbuf *out);

/* One ${NAME[op word]}: its body is [p, end). */
static int
expand_braced(const char *p, const char *end, const struct kvlist *vars,
	      struct strlist *unset, int depth, struct strbuf *out)
{
	size_t n = name_len(p);
	const char *val, *op = p + n, *word;
	int colon, set, empty;
	char *name;

	if (!n || (op < end && !strchr(":-?+", *op)))
		return err_set("'${%.*s}' is not a variable: write ${NAME}, "
			       "${NAME:-default}, ${NAME:?error}, or $$ for "
			       "a '$'", (int)(end - p), p);
	name = xstrndup(p, n);
	val = lookup(vars, p, n);
	set = val != NULL;
	empty = !set || !*val;
	if (op == end) {
		if (!set && !strlist_has(unset, name))
			strlist_push(unset, name);
		sb_addstr(out, set ? val : "");
		free(name);
		return 0;
	}
	colon = *op == ':';
	if (colon)
		op++;
	word = op + 1;
	if (op >= end || !strchr("-?+", *op)) {
		free(name);
		return err_set("'${%.*s}': after ':' comes '-', '?' or '+'",
			       (int)(end - p), p);
	}
	free(name);
	switch (*op) {
	case '-':	/* the value, or the word when unset (or empty) */
		if (colon ? empty : !set)
			return expand(word, (size_t)(end - word), vars, unset,
				      depth + 1, out);
		sb_addstr(out, val);
		return 0;
	case '+':	/* the word when set (and not empty), else nothing */
		if (colon ? !empty : set)
			return expand(word, (size_t)(end - word), vars, unset,
				      depth + 1, out);
		return 0;
	default:	/* '?': required */
		if (colon ? empty : !set)
			return err_set("required variable %.*s is %s%s%.*s",
				       (int)n, p, set ? "empty" : "not set",
				       word < end ? ": " : "",
				       (int)(end - word), word);
		sb_addstr(out, val);
		return 0;
	}
}

static int
expand(const char *s, size_t len, const struct kvlist *vars,
       struct strlist *unset, int depth, struct strbuf *out)
{
	const char *p = s, *stop = s + len;

	if (depth > NEST_MAX)
		return err_set("${...} nested more than %d deep", NEST_MAX);
	while (p < stop) {
		const char *dollar = memchr(p, '$', (size_t)(stop - p)), *end;
		size_t n;

		if (!dollar) {
			sb_add(out, p, (size_t)(stop - p));
			break;
		}
		sb_add(out, p, (size_t)(dollar - p));
		p = dollar + 1;
		if (p < stop && *p == '$') {
			sb_addch(out, '$');
			p++;
		} else if (p < stop && *p == '{') {
			end = body_end(p + 1);
			if (!end || end >= stop)
				return err_set("'${' is not closed by '}'");
			if (expand_braced(p + 1, end, vars, unset, depth, out) < 0)
				return -1;
			p = end + 1;
		} else if (p < stop && (n = name_len(p)) > 0) {
			char *name = xstrndup(p, n);
			const char *val = lookup(vars, p, n);

			if (!val && !strlist_has(unset, name))
				strlist_push(unset, name);
			sb_addstr(out, val ? val : "");
			free(name);
			p += n;
		} else {
			err_set("a '$' that starts no variable");
			return err_hint("write $$ for a '$' meant as it is");
		}
		if (out->len > VALUE_MAX)
			return err_set("the value grows past %u bytes", VALUE_MAX);
	}
	return 0;
}

char *
compose_interpolate(const char *s, const struct kvlist *vars,
		    struct strlist *unset)
{
	struct strbuf out = STRBUF_INIT;

	if (!strchr(s, '$'))
		return xstrdup(s);
	if (expand(s, strlen(s), vars, unset, 0, &out) < 0) {
		sb_release(&out);
		return NULL;
	}
	return sb_detach(&out);
}
