/* fuzz.h: what every fuzz target shares. A target is built two ways: with
 * libFuzzer (configure --enable-fuzz, clang), which explores; or with
 * replay.c, which runs the checked-in corpus in every ordinary build. */

#ifndef BERTH_FUZZ_H
#define BERTH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A private folder, made on first use and removed at exit, for targets
 * whose input must be a file. */
const char *fuzz_scratch(void);

/* Write the input to NAME inside the scratch folder; returns its path. */
char *fuzz_write(const char *name, const uint8_t *data, size_t size);

/* Feed the input in chunks of a size its first byte picks, so that every
 * split across network reads gets tried. */
typedef int (*fuzz_feed_fn)(void *parser, const char *data, size_t len);
void fuzz_feed_chunked(void *parser, fuzz_feed_fn feed, const uint8_t *data,
		       size_t size);

/* Nothing in parent but the entry only: what a target made stayed in it. */
void fuzz_check_alone(const char *parent, const char *only);

#endif
