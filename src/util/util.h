/* util.h: allocation that never fails, growable strings, recorded errors. */

#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))

/* Broken invariants and out-of-memory only: everything else returns -1. */
void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Grow an array of *alloc elements so that it holds at least nr. */
#define ALLOC_GROW(arr, nr, alloc)                                          \
	do {                                                                \
		if ((nr) > (alloc)) {                                       \
			(alloc) = (alloc) ? (alloc) * 2 : 8;                \
			if ((alloc) < (nr))                                 \
				(alloc) = (nr);                             \
			(arr) = xrealloc((arr), (alloc) * sizeof(*(arr)));  \
		}                                                           \
	} while (0)

/*
 * A string buffer whose buf is never NULL. A nonzero cap bounds data that
 * comes from the network: sb_add fails instead of growing past it.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t cap;
};

extern char sb_empty[];
#define STRBUF_INIT { sb_empty, 0, 0, 0 }

void sb_init(struct strbuf *sb, size_t hint);
void sb_release(struct strbuf *sb);
char *sb_detach(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
int sb_add(struct strbuf *sb, const void *data, size_t len);
int sb_addstr(struct strbuf *sb, const char *s);
int sb_addch(struct strbuf *sb, int c);
int sb_addf(struct strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
int sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
int sb_read_file(struct strbuf *sb, const char *path);
/* Only a regular file of at most max bytes: never a FIFO or a device
 * (which would hang or fill memory), never more than max. */
int sb_read_regular(struct strbuf *sb, const char *path, size_t max);
/* s with control bytes shown as \n, \t, \xNN, never sent raw to a
 * terminal (an ESC from someone else's text can clear the screen or write
 * the clipboard); keep_newlines leaves '\n' as it is. */
void sb_add_printable(struct strbuf *sb, const char *s, int keep_newlines);
char *str_printable(const char *s);

/*
 * The last error recorded by library code, for the command layer to print.
 * A hint, when set, says what the user can do next.
 */
int err_set(const char *fmt, ...) PRINTF_LIKE(1, 2);
int err_hint(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Put what was being done before the recorded error; the hint stays. */
int err_prefix(const char *fmt, ...) PRINTF_LIKE(1, 2);
const char *err_msg(void);
const char *err_hint_msg(void);
void err_clear(void);
/* What kind of failure the recorded error is, for control flow to test
 * (the message is for people, and may change). err_set makes it
 * ERR_FAILED; err_tag names it; err_prefix keeps it. */
enum err_code { ERR_FAILED = 0, ERR_TIMEOUT, ERR_NOT_FOUND, ERR_CONFLICT };
int err_tag(enum err_code code);
enum err_code err_code(void);

/* Counts SIGINT/SIGTERM once interrupt_catch() ran; long loops check it
 * and fail, so that cleanup still happens. */
#include <signal.h>
extern volatile sig_atomic_t berth_interrupted;
void interrupt_catch(void);

/* Edit distance, for "did you mean" suggestions. */
size_t edit_distance(const char *a, const char *b);
/* The candidate nearest to word, or NULL when none is near enough. */
const char *nearest_word(const char *word, const char *const *candidates,
			 size_t n);

/* "2026-11-25T01:38:50Z", and "20261125.013850" for versions. */
char *utc_now_iso(void);
/* Seconds since a utc_now_iso() stamp; -1 when it reads as none. */
long iso_age_s(const char *stamp);
char *utc_now_version(void);
/* Seconds on a monotonic clock, for measuring durations. */
double clock_now(void);

/* Where templates and other shipped data live. */
const char *berth_datadir(void);
/* berth's own data: $BERTH_HOME, else $XDG_DATA_HOME/berth (boxes, caches). */
char *berth_home(void);
/* Whether to colour what goes to f: a terminal, and NO_COLOR unset. */
#include <stdio.h>
int berth_color(FILE *f);

/* A free TCP port on 127.0.0.1; and whether ip:port can be bound. */
int port_pick_free(void);
int port_is_free(const char *ip, int port);

/* Lists that own their strings. */
struct strlist {
	char **v;
	size_t n, alloc;
};

struct kv {
	char *key;
	char *value;
};

struct kvlist {
	struct kv *v;
	size_t n, alloc;
};

void strlist_push(struct strlist *l, const char *s);
void strlist_release(struct strlist *l);
int strlist_has(const struct strlist *l, const char *s);
/* The strings of l then NULL, as execv takes them (to free, not them). */
char **strlist_argv(const struct strlist *l);
/* Later entries win, as they do in an env file or a shell. */
void kvlist_set(struct kvlist *l, const char *key, const char *value);
/* key's value, or NULL */
const char *kvlist_get(const struct kvlist *l, const char *key);
void kvlist_release(struct kvlist *l);

/* Files. */
int path_exists(const char *path);
int path_is_dir(const char *path);
char *path_join(const char *dir, const char *name);
char *path_dirname(const char *path);
int write_file_atomic(const char *path, const void *data, size_t len,
		      int mode);
int mkdir_p(const char *path, int mode);
/* A new empty file, mode 0600, named STEM-XXXXXX.tar in DIR (NULL: $TMPDIR
 * or /tmp): a name no one could have planted a link under, and one per
 * call, so that threads do not share it. NULL with the error set. */
char *temp_file(const char *dir, const char *stem);
/* Remove a tree; it follows no symlink and crosses no mount point. */
int rm_rf(const char *path);
/* Print the last lines of a file (a console log, a build log), or of a
 * text already read, made printable: a guest's escapes never reach the
 * terminal. */
#include <stdio.h>
void print_tail(const char *path, int lines, FILE *f);
void text_tail(const char *text, size_t len, int lines, FILE *f);
/* The first max lines of text that hold one of words (ending NULL), made
 * printable as text_tail's: how many there were. */
int text_lines_with(const char *text, size_t len, const char *const *words,
		    int max, FILE *f);
/* Bytes used by a file, or by a tree. */
unsigned long long path_size(const char *path);

#endif
