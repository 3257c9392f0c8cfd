/* error.c: the last error library code recorded, for commands to print. */

#include <stdio.h>
#include <string.h>

#include "util.h"

static __thread char last_msg[1024];
static __thread char last_hint[1024];
static __thread enum err_code last_code;

int
err_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	last_hint[0] = '\0';
	last_code = ERR_FAILED;
	return -1;
}

int
err_tag(enum err_code code)
{
	last_code = code;
	return -1;
}

enum err_code
err_code(void)
{
	return last_code;
}

int
err_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_hint, sizeof(last_hint), fmt, ap);
	va_end(ap);
	return -1;
}

int
err_prefix(const char *fmt, ...)
{
	char head[512], old[sizeof(last_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, last_msg, sizeof(old));
	/* cut, not overflowed: the start says what failed */
	last_msg[0] = '\0';
	strncat(last_msg, head, sizeof(last_msg) - 1);
	strncat(last_msg, ": ", sizeof(last_msg) - 1 - strlen(last_msg));
	strncat(last_msg, old, sizeof(last_msg) - 1 - strlen(last_msg));
	return -1;
}

const char *
err_msg(void)
{
	return last_msg[0] ? last_msg : "unknown error";
}

const char *
err_hint_msg(void)
{
	return last_hint[0] ? last_hint : NULL;
}

void
err_clear(void)
{
	last_msg[0] = last_hint[0] = '\0';
	last_code = ERR_FAILED;
}
