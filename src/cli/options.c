/* options.c: a command's options from its table (struct cmd_option):
 * getopt's strings, the values checked and stored, and the option list
 * that --help and the completion show. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_OPTIONS 16

/* Store arg as o says; -1 when taken, else the usage error's code. */
static int
take(const struct cmd_entry *e, const struct cmd_option *o, const char *arg,
     void *values)
{
	char *at = (char *)values + o->offset, *end;
	long v;

	switch (o->type) {
	case OPT_FLAG:
		*(int *)at = 1;
		return -1;
	case OPT_STRING:
		*(const char **)at = arg;
		return -1;
	case OPT_INT:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (*arg && !*end && !errno && v >= o->min && v <= INT_MAX) {
			*(int *)at = (int)v;
			return -1;
		}
		break;
	case OPT_CUSTOM:
		if (o->parse(arg, at) == 0)
			return -1;
		break;
	}
	return cmd_usage_error(e, "--%s %s", o->name,
			       o->bad ? o->bad : "cannot take that value");
}

int
cmd_parse(const struct cmd_entry *e, int argc, char **argv, void *values,
	  int max_args)
{
	struct option longs[MAX_OPTIONS + 1];
	char shorts[3 + 2 * MAX_OPTIONS + 1];
	const struct cmd_option *o;
	size_t n = 0, k = 0, i;
	int c, r;

	memset(longs, 0, sizeof(longs));
	if (e->stop_at_arg)
		shorts[k++] = '+';	/* what follows is another program's */
	shorts[k++] = ':';
	for (o = e->options; o && o->name; o++, n++) {
		if (n == MAX_OPTIONS)
			fatal("'%s' has more than %d options", e->name,
			      MAX_OPTIONS);
		longs[n].name = o->name;
		longs[n].has_arg = o->type == OPT_FLAG ? no_argument
						       : required_argument;
		longs[n].val = o->key ? o->key : 256 + (int)n;
		if (o->key) {
			shorts[k++] = (char)o->key;
			if (o->type != OPT_FLAG)
				shorts[k++] = ':';
		}
		if (o->type == OPT_INT)
			*(int *)((char *)values + o->offset) = o->def;
	}
	shorts[k] = '\0';
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		for (i = 0; i < n && longs[i].val != c; i++)
			;
		if (i == n)
			return cmd_bad_option(e, argv, c);
		if ((r = take(e, &e->options[i], optarg, values)) >= 0)
			return r;
	}
	if (max_args >= 0 && argc - optind > max_args)
		return cmd_usage_error(e, "unexpected argument '%s'",
				       argv[optind + max_args]);
	return -1;
}

/* "-t, --timeout S" */
static void
option_words(const struct cmd_option *o, char *buf, size_t len)
{
	char key[8] = "";

	if (o->key)
		snprintf(key, sizeof(key), "-%c, ", o->key);
	snprintf(buf, len, "%s--%s%s%s", key, o->name, o->arg ? " " : "",
		 o->arg ? o->arg : "");
}

void
cmd_print_options(const struct cmd_entry *e, FILE *f)
{
	const struct cmd_option *o;
	char words[64];
	int width = 0, n;
	const char *p;

	for (o = e->options; o && o->name; o++) {
		option_words(o, words, sizeof(words));
		if ((n = (int)strlen(words)) > width)
			width = n;
	}
	if (!width)
		return;
	fputs("\noptions:\n", f);
	for (o = e->options; o->name; o++) {
		option_words(o, words, sizeof(words));
		fprintf(f, "  %-*s   ", width, words);
		/* the help's later lines line up under its first */
		for (p = o->help; *p; p++) {
			fputc(*p, f);
			if (*p == '\n' && p[1])
				fprintf(f, "%*s", width + 5, "");
		}
		if (o->type == OPT_INT && o->def)
			fprintf(f, " (default %d)", o->def);
		fputc('\n', f);
	}
}

void
cmd_list_options(const struct cmd_entry *e, FILE *f)
{
	const struct cmd_option *o;

	for (o = e->options; o && o->name; o++)
		fprintf(f, "--%s\n", o->name);
	fputs("--help\n", f);
}
