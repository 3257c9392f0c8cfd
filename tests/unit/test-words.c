/* test-words.c: edit distance and "did you mean". */

#include "tap.h"
#include "util.h"

int
main(void)
{
	static const char *const cmds[] = { "init", "validate", "status",
					    "up", "halt", "help" };
	const char *n;

	is_int(edit_distance("", ""), 0, "empty strings");
	is_int(edit_distance("kitten", "sitting"), 3, "kitten/sitting");
	is_int(edit_distance("stauts", "status"), 1, "a swap counts once");
	n = nearest_word("stauts", cmds, 6);
	is_str(n, "status", "stauts -> status");
	n = nearest_word("valdiate", cmds, 6);
	is_str(n, "validate", "valdiate -> validate");
	n = nearest_word("stat", cmds, 6);
	is_str(n, "status", "a prefix suggests the word");
	n = nearest_word("frobnicate", cmds, 6);
	ok(n == NULL, "nothing near: no suggestion");
	n = nearest_word("hlp", cmds, 6);
	is_str(n, "help", "hlp -> help");
	return done_testing();
}
