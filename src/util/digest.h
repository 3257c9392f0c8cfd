/* digest.h: streaming checksums (sha256, sha512, ...) through libcrypto. */

#ifndef BERTH_DIGEST_H
#define BERTH_DIGEST_H

#include <stddef.h>

struct digest;

/* "sha256", "sha512", "sha1" or "md5"; NULL with an error for others. */
struct digest *digest_new(const char *type);
void digest_update(struct digest *d, const void *data, size_t len);
/* The hex digest; valid until digest_free. */
const char *digest_hex(struct digest *d);
void digest_free(struct digest *d);

/* Hash a whole file. Returns 0 and fills hex (at least 129 bytes). */
int digest_file(const char *type, const char *path, char *hex, size_t len);

/* Split "sha256:HEX" into its type and lower-case hex; -1 if malformed. */
int digest_parse_spec(const char *spec, char *type, size_t tlen, char *hex,
		      size_t hlen);

#endif
