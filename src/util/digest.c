/* digest.c: streaming checksums through libcrypto's EVP interface. */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "util.h"

struct digest {
	EVP_MD_CTX *ctx;
	char hex[EVP_MAX_MD_SIZE * 2 + 1];
	int done;
};

static const char *const known[] = { "sha256", "sha512", "sha384", "sha1",
				     "md5" };

struct digest *
digest_new(const char *type)
{
	const EVP_MD *md = NULL;
	struct digest *d;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (!strcmp(type, known[i]))
			md = EVP_get_digestbyname(type);
	if (!md) {
		err_set("unknown checksum type '%s': use sha256 or sha512", type);
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || EVP_DigestInit_ex(d->ctx, md, NULL) != 1)
		fatal("cannot start a %s digest", type);
	return d;
}

void
digest_update(struct digest *d, const void *data, size_t len)
{
	if (EVP_DigestUpdate(d->ctx, data, len) != 1)
		fatal("digest update failed");
}

const char *
digest_hex(struct digest *d)
{
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!d->done) {
		if (EVP_DigestFinal_ex(d->ctx, raw, &n) != 1)
			fatal("digest final failed");
		for (i = 0; i < n; i++)
			snprintf(d->hex + i * 2, 3, "%02x", raw[i]);
		d->done = 1;
	}
	return d->hex;
}

void
digest_free(struct digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

int
digest_file(const char *type, const char *path, char *hex, size_t len)
{
	struct digest *d = digest_new(type);
	char *buf;
	int fd, ret = -1;
	ssize_t n;

	if (!d)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err_set("cannot open '%s': %s", path, strerror(errno));
		digest_free(d);
		return -1;
	}
	buf = xmalloc(1 << 20);
	while ((n = read(fd, buf, 1 << 20)) != 0) {
		if (berth_interrupted) {
			err_set("interrupted");
			goto out;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set("cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		digest_update(d, buf, (size_t)n);
	}
	snprintf(hex, len, "%s", digest_hex(d));
	ret = 0;
out:
	free(buf);
	close(fd);
	digest_free(d);
	return ret;
}

int
digest_parse_spec(const char *spec, char *type, size_t tlen, char *hex,
		  size_t hlen)
{
	const char *colon = strchr(spec, ':');
	size_t i, n;

	if (!colon || colon == spec || (size_t)(colon - spec) >= tlen)
		return err_set("checksum '%s' is not TYPE:HEX, such as "
			       "sha256:0123abcd...", spec);
	memcpy(type, spec, (size_t)(colon - spec));
	type[colon - spec] = '\0';
	n = strlen(colon + 1);
	if (!n || n >= hlen)
		return err_set("checksum '%s' has no hex digest", spec);
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)colon[1 + i]))
			return err_set("checksum '%s' is not hexadecimal", spec);
		hex[i] = (char)tolower((unsigned char)colon[1 + i]);
	}
	hex[n] = '\0';
	return 0;
}
