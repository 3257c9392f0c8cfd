/* split-words.c: a string command into words, as compose splits it:
 * blanks separate, quotes group, a backslash escapes; nothing is expanded
 * and no shell runs. */

#include <string.h>

#include "compose.h"

int
compose_split_words(const char *s, struct strlist *out)
{
	struct strbuf w = STRBUF_INIT;
	int in_word = 0, ret = 0;
	char quote = 0;

	for (; *s; s++) {
		if (quote == '\'') {
			if (*s == '\'')
				quote = 0;
			else
				sb_addch(&w, *s);
		} else if (quote == '"') {
			if (*s == '"')
				quote = 0;
			else if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
				sb_addch(&w, *++s);
			else
				sb_addch(&w, *s);
		} else if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			if (in_word)
				strlist_push(out, w.buf);
			sb_reset(&w);
			in_word = 0;
		} else {
			in_word = 1;
			if (*s == '\'' || *s == '"')
				quote = *s;
			else if (*s == '\\' && s[1])
				sb_addch(&w, *++s);
			else
				sb_addch(&w, *s);
		}
	}
	if (quote)
		ret = -1;
	else if (in_word)
		strlist_push(out, w.buf);
	sb_release(&w);
	return ret;
}
