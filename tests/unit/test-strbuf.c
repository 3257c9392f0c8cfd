/* test-strbuf.c: the string buffer, its cap, and atomic file writes. */

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"

int
main(void)
{
	struct strbuf sb = STRBUF_INIT;
	char dir[] = "/tmp/berth-test-strbuf.XXXXXX", *path, *s;
	struct stat st;
	int i;

	ok(sb.buf && sb.buf[0] == '\0', "an empty buf is never NULL");
	for (i = 0; i < 1000; i++)
		sb_addf(&sb, "%d,", i);
	ok(sb.len == strlen(sb.buf), "length tracks appends");
	ok(!strncmp(sb.buf, "0,1,2,", 6), "content kept across growth");
	sb_reset(&sb);
	is_int(sb.len, 0, "reset empties");
	sb.cap = 8;
	ok(sb_addstr(&sb, "12345678") == 0, "up to the cap is fine");
	ok(sb_addch(&sb, '9') < 0, "past the cap fails");
	is_int(sb.len, 8, "and adds nothing");
	sb_release(&sb);
	s = sb_detach(&sb);
	is_str(s, "", "detach of an empty buf gives an empty string");
	free(s);

	ok(mkdtemp(dir) != NULL, "scratch folder");
	path = path_join(dir, "state");
	ok(write_file_atomic(path, "one", 3, 0600) == 0, "atomic write");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	ok(write_file_atomic(path, "two", 3, 0600) == 0, "atomic rewrite");
	ok(sb_read_file(&sb, path) == 0 && !strcmp(sb.buf, "two"),
	   "reads back the new content");
	sb_release(&sb);
	ok(sb_read_file(&sb, "/nonexistent/x") < 0 &&
	   strstr(err_msg(), "/nonexistent/x"), "a missing file is named");
	{
		char out[64] = "";
		FILE *f = fmemopen(out, sizeof(out), "w");

		write_file_atomic(path, "a\nb\nc\n", 6, 0600);
		print_tail(path, 2, f);
		fclose(f);
		is_str(out, "b\nc\n", "print_tail keeps the last lines");
	}
	{
		/* a guest's console: \r\n, an escape of its own, a lockup */
		static const char *const words[] = { "soft lockup", "BUG: ",
						     NULL };
		static const char log[] =
			"boot\r\n\x1b]0;owned\x07x\r\n"
			"watchdog: BUG: soft lockup - CPU#1 stuck\r\n"
			"Call Trace:\r\n";
		char out[256] = "";
		FILE *f = fmemopen(out, sizeof(out), "w");

		write_file_atomic(path, log, sizeof(log) - 1, 0600);
		print_tail(path, 3, f);
		fclose(f);
		is_str(out, "\\x1b]0;owned\\x07x\n"
		       "watchdog: BUG: soft lockup - CPU#1 stuck\nCall Trace:\n",
		       "print_tail makes a guest's escapes printable, drops \\r");
		memset(out, 0, sizeof(out));
		f = fmemopen(out, sizeof(out), "w");
		ok(text_lines_with(log, sizeof(log) - 1, words, 5, f) == 1,
		   "text_lines_with finds the one line of trouble");
		fclose(f);
		is_str(out, "watchdog: BUG: soft lockup - CPU#1 stuck\n",
		       "and prints it");
	}
	unlink(path);
	free(path);
	path = path_join(dir, "a/b/c");
	ok(mkdir_p(path, 0755) == 0 && path_is_dir(path), "mkdir -p");
	s = path_dirname(path);
	rmdir(path);
	rmdir(s);
	free(s);
	s = path_join(dir, "a");
	rmdir(s);
	free(s);
	free(path);
	ok(rmdir(dir) == 0, "nothing left behind");
	return done_testing();
}
