/* config-walk.c: typed reads of libconfig settings that report file:line. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-walk.h"
#include "util.h"

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "a number";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "a setting";
}

char *
walk_display_file(struct walk *w, const char *file)
{
	char *dir, *ret;

	if (!file || !strcmp(file, w->opened))
		return xstrdup(w->display);
	if (file[0] == '/')
		return xstrdup(file);
	/* libconfig names an @include'd file relative to the include dir,
	 * which is the Berthfile's folder: show it beside the Berthfile */
	dir = path_dirname(w->display);
	ret = strcmp(dir, ".") ? path_join(dir, file) : xstrdup(file);
	free(dir);
	return ret;
}

void
walk_report(struct walk *w, const config_setting_t *s, const char *setting,
	    const char *hint, const char *fmt, ...)
{
	char *file = walk_display_file(w, s ? config_setting_source_file(s)
					    : NULL);
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	diags_add(w->d, file, s ? (int)config_setting_source_line(s) : 0,
		  setting, hint, "%s", msg.buf);
	sb_release(&msg);
	free(file);
}

void
walk_report_err(struct walk *w, const config_setting_t *s,
		const char *setting, const char *what)
{
	walk_report(w, s, setting, NULL, "%s \"%s\": %s", what,
		    config_setting_get_string(s) ? config_setting_get_string(s)
						 : "",
		    err_msg());
}

int
walk_check_keys(struct walk *w, const config_setting_t *group,
		const char *path, const char *const *keys, size_t n)
{
	int i, count = config_setting_length(group), unknown = 0;

	for (i = 0; i < count; i++) {
		const config_setting_t *s = config_setting_get_elem(group,
								(unsigned)i);
		const char *name = config_setting_name(s), *near;
		struct strbuf hint = STRBUF_INIT;
		char *p;
		size_t k;

		for (k = 0; k < n; k++)
			if (!strcmp(name, keys[k]))
				break;
		if (k < n)
			continue;
		unknown++;
		near = nearest_word(name, keys, n);
		if (near) {
			sb_addf(&hint, "did you mean '%s'?", near);
		} else {
			sb_addstr(&hint, "valid settings here: ");
			for (k = 0; k < n; k++)
				sb_addf(&hint, "%s%s", k ? ", " : "",
					    keys[k]);
		}
		p = walk_path(path, name);
		walk_report(w, s, p, hint.buf, "unknown setting '%s'", name);
		free(p);
		sb_release(&hint);
	}
	return unknown;
}

int
walk_is_list(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_ARRAY ||
	       config_setting_type(s) == CONFIG_TYPE_LIST;
}

char *
walk_path(const char *parent, const char *key)
{
	return *parent ? xasprintf("%s.%s", parent, key) : xstrdup(key);
}

char *
walk_index_path(const char *parent, size_t i)
{
	return xasprintf("%s[%zu]", parent, i);
}

static int
wrong_type(struct walk *w, const config_setting_t *s, const char *path,
	   const char *expected)
{
	walk_report(w, s, path, NULL, "expected %s, found %s", expected,
		    type_name(config_setting_type(s)));
	return -1;
}

int
walk_string(struct walk *w, const config_setting_t *parent, const char *key,
	    const char *path, const char **out)
{
	const config_setting_t *s = config_setting_get_member(parent, key);
	char *p;
	int ret = 1;

	if (!s)
		return 0;
	p = walk_path(path, key);
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		ret = wrong_type(w, s, p, "a string in double quotes");
	else if (!*config_setting_get_string(s))
		walk_report(w, s, p, NULL, "must not be empty"), ret = -1;
	else
		*out = config_setting_get_string(s);
	free(p);
	return ret;
}

int
walk_int(struct walk *w, const config_setting_t *parent, const char *key,
	 const char *path, long long min, long long max, int *out)
{
	const config_setting_t *s = config_setting_get_member(parent, key);
	long long v;
	char *p;
	int ret = -1;

	if (!s)
		return 0;
	p = walk_path(path, key);
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else {
		wrong_type(w, s, p, "a whole number");
		goto out;
	}
	if (v < min || v > max) {
		/* libconfig wraps a plain number past 2^31 into a negative
		 * one: echoing that would show what was never written */
		if (config_setting_type(s) == CONFIG_TYPE_INT && v < 0 &&
		    min >= 0)
			walk_report(w, s, p, NULL, "the number is out of range "
				    "%lld-%lld", min, max);
		else
			walk_report(w, s, p, NULL, "%lld is out of range "
				    "%lld-%lld", v, min, max);
		goto out;
	}
	*out = (int)v;
	ret = 1;
out:
	free(p);
	return ret;
}

int
walk_bool(struct walk *w, const config_setting_t *parent, const char *key,
	  const char *path, int *out)
{
	const config_setting_t *s = config_setting_get_member(parent, key);
	char *p;
	int ret = 1;

	if (!s)
		return 0;
	p = walk_path(path, key);
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		ret = wrong_type(w, s, p, "true or false");
	else
		*out = config_setting_get_bool(s);
	free(p);
	return ret;
}

int
walk_choice(struct walk *w, const config_setting_t *parent, const char *key,
	    const char *path, const char *const *choices, size_t n, int *out)
{
	const config_setting_t *s = config_setting_get_member(parent, key);
	const char *v = NULL, *near;
	struct strbuf expect = STRBUF_INIT;
	char *p;
	size_t i;
	int ret;

	if ((ret = walk_string(w, parent, key, path, &v)) <= 0)
		return ret;
	for (i = 0; i < n; i++) {
		if (!strcmp(v, choices[i])) {
			*out = (int)i;
			return 1;
		}
	}
	for (i = 0; i < n; i++)
		sb_addf(&expect, "%s\"%s\"", i == 0 ? "" :
			    i + 1 == n ? " or " : ", ", choices[i]);
	near = nearest_word(v, choices, n);
	p = walk_path(path, key);
	if (near) {
		char *hint = xasprintf("did you mean \"%s\"?", near);

		walk_report(w, s, p, hint, "\"%s\" is not valid: expected %s",
			    v, expect.buf);
		free(hint);
	} else {
		walk_report(w, s, p, NULL, "\"%s\" is not valid: expected %s",
			    v, expect.buf);
	}
	free(p);
	sb_release(&expect);
	return -1;
}

int
walk_strings(struct walk *w, const config_setting_t *s, const char *path,
	     struct strlist *out)
{
	int i, n, ret = 1;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		strlist_push(out, config_setting_get_string(s));
		return 1;
	}
	if (!walk_is_list(s))
		return wrong_type(w, s, path, "a string or a list of strings");
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
								(unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			char *p = walk_index_path(path, (size_t)i);

			ret = wrong_type(w, e, p, "a string in double quotes");
			free(p);
			continue;
		}
		strlist_push(out, config_setting_get_string(e));
	}
	return ret;
}

static char *
scalar_string(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		return xstrdup(config_setting_get_string(s));
	case CONFIG_TYPE_INT:
		return xasprintf("%d", config_setting_get_int(s));
	case CONFIG_TYPE_INT64:
		return xasprintf("%lld", config_setting_get_int64(s));
	case CONFIG_TYPE_FLOAT:
		return xasprintf("%g", config_setting_get_float(s));
	case CONFIG_TYPE_BOOL:
		return xstrdup(config_setting_get_bool(s) ? "true" : "false");
	}
	return NULL;
}

int
walk_kv(struct walk *w, const config_setting_t *s, const char *path,
	struct kvlist *out)
{
	int i, n = config_setting_length(s), ret = 1;

	if (config_setting_type(s) != CONFIG_TYPE_GROUP && !walk_is_list(s))
		return wrong_type(w, s, path, "a group { KEY = \"value\"; } or "
				  "a list [ \"KEY=value\" ]");
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
								(unsigned)i);
		char *p = config_setting_type(s) == CONFIG_TYPE_GROUP
			  ? walk_path(path, config_setting_name(e))
			  : walk_index_path(path, (size_t)i);
		char *value = scalar_string(e);
		const char *eq;

		if (!value) {
			ret = wrong_type(w, e, p, "a string, number or boolean");
		} else if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
			kvlist_set(out, config_setting_name(e), value);
		} else if (config_setting_type(e) != CONFIG_TYPE_STRING ||
			   !(eq = strchr(value, '=')) || eq == value) {
			walk_report(w, e, p, NULL, "expected \"KEY=value\", "
				    "found %s", value);
			ret = -1;
		} else {
			char *key = xstrndup(value, (size_t)(eq - value));

			kvlist_set(out, key, eq + 1);
			free(key);
		}
		free(value);
		free(p);
	}
	return ret;
}

char *
walk_resolve(struct walk *w, const char *p)
{
	char *joined, *ret;
	const char *home = getenv("HOME");

	if (p[0] == '~' && (p[1] == '/' || !p[1]) && home)
		joined = xasprintf("%s%s", home, p + 1);
	else
		joined = path_join(w->ws->dir, p);
	ret = spec_normalize_path(joined);
	free(joined);
	return ret;
}
