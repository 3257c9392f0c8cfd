/* test-box.c: versions, qcow2 header checks, the store's commit, users
 * and removal, box.json, checksums. */

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "box.h"
#include "digest.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/berth-test-box.XXXXXX";

static void
put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/* A qcow2 of 1 GiB as qemu-img lays one out: 64 KiB clusters, the
 * refcount table in cluster 1, the L1 table (2 entries) in cluster 3;
 * size and length can be changed to make it lie. */
static char *
write_qcow2_shaped(const char *name, int version, uint64_t backing,
		   uint32_t crypt, uint64_t incompat, uint64_t size,
		   size_t file_len)
{
	unsigned char *h = xcalloc(file_len + 1, 1);
	char *path = path_join(dir, name);

	memcpy(h, "QFI\xfb", 4);
	h[7] = (unsigned char)version;
	put_be64(h + 8, backing);
	h[23] = 16;			/* cluster bits */
	put_be64(h + 24, size);
	h[35] = (unsigned char)crypt;
	h[39] = 2;			/* l1 size */
	put_be64(h + 40, 0x30000);	/* l1 table offset */
	put_be64(h + 48, 0x10000);	/* refcount table offset */
	h[59] = 1;			/* refcount table clusters */
	if (file_len >= 104) {
		put_be64(h + 72, incompat);
		h[99] = 4;		/* refcount order */
		h[103] = 104;		/* header length */
	}
	if (write_file_atomic(path, h, file_len, 0644) < 0)
		fatal("%s", err_msg());
	free(h);
	return path;
}

static char *
write_qcow2(const char *name, int version, uint64_t backing, uint32_t crypt,
	    uint64_t incompat)
{
	return write_qcow2_shaped(name, version, backing, crypt, incompat,
				  1ULL << 30, 0x40000);
}

static void
test_versions(void)
{
	ok(box_version_cmp("1.10", "1.9") > 0, "1.10 > 1.9");
	ok(box_version_cmp("2", "10") < 0, "2 < 10");
	ok(box_version_cmp("1.0", "1.0") == 0, "1.0 == 1.0");
	ok(box_version_cmp("1.0.1", "1.0") > 0, "1.0.1 > 1.0");
	ok(box_version_cmp("20261125.020305", "20261124.235959") > 0,
	   "build stamps order by time");
	ok(box_version_cmp("1.0", "1.0-rc1") > 0 ||
	   box_version_cmp("1.0", "1.0-rc1") < 0, "a suffix is not equal");
	ok(box_valid_name("debian-12.5_x"), "valid box name");
	ok(!box_valid_name("../x") && !box_valid_name(".x") &&
	   !box_valid_name("A"), "names cannot escape or shout");
	ok(box_valid_version("1.2.3-rc1+b2") && !box_valid_version("1/2"),
	   "versions");
}

static void
test_qcow2(void)
{
	uint64_t size = 0;
	char *p;

	p = write_qcow2("good", 3, 0, 0, 0);
	ok(qcow2_inspect(p, &size) == 0 && size == 1ULL << 30, "a plain qcow2");
	free(p);
	p = write_qcow2("backed", 3, 512, 0, 0);
	ok(qcow2_inspect(p, &size) < 0 && strstr(err_msg(), "backing file"),
	   "a backing file is refused");
	free(p);
	p = write_qcow2("crypt", 2, 0, 1, 0);
	ok(qcow2_inspect(p, &size) < 0 && strstr(err_msg(), "encrypted"),
	   "encryption is refused");
	free(p);
	p = write_qcow2("datafile", 3, 0, 0, 4);
	ok(qcow2_inspect(p, &size) < 0 && strstr(err_msg(), "external data"),
	   "an external data file is refused");
	free(p);
	p = write_qcow2("v4", 4, 0, 0, 0);
	ok(qcow2_inspect(p, &size) < 0, "unknown versions are refused");
	free(p);
	p = write_qcow2_shaped("header-only", 3, 0, 0, 0, 1ULL << 30, 72);
	ok(qcow2_inspect(p, &size) < 0, "a header alone (72 bytes) is no image");
	free(p);
	p = write_qcow2_shaped("short", 3, 0, 0, 0, 1ULL << 30, 0x30004);
	ok(qcow2_inspect(p, &size) < 0 && strstr(err_msg(), "tables"),
	   "an L1 table past the end of the file is refused");
	free(p);
	p = write_qcow2_shaped("huge", 3, 0, 0, 0, UINT64_MAX, 0x40000);
	ok(qcow2_inspect(p, &size) < 0 && strstr(err_msg(), "64 TiB"),
	   "a virtual size of 2^64-1 is refused, not stored as -1");
	free(p);
	p = write_qcow2_shaped("small-l1", 3, 0, 0, 0, 4ULL << 30, 0x40000);
	ok(qcow2_inspect(p, &size) < 0,
	   "an L1 table too small for the size is refused");
	free(p);
	p = path_join(dir, "raw");
	write_file_atomic(p, "hello", 5, 0644);
	ok(qcow2_inspect(p, &size) < 0 && strstr(err_msg(), "not a qcow2"),
	   "a raw file is not a qcow2");
	free(p);
}

static void
test_store(void)
{
	struct box_store s = { 0 };
	struct box b = { 0 }, found;
	char *home = path_join(dir, "home"), *st1, *st2, *img, *wsfile;

	setenv("BERTH_HOME", home, 1);
	ok(box_store_open(&s) == 0, "open a new store");
	st1 = box_store_stage(&s);
	st2 = box_store_stage(&s);
	ok(st1 && st2 && strcmp(st1, st2), "two private staging folders");
	img = path_join(st1, BOX_IMAGE);
	write_file_atomic(img, "x", 1, 0644);
	free(img);
	img = path_join(st2, BOX_IMAGE);
	write_file_atomic(img, "y", 1, 0644);
	free(img);
	b.name = xstrdup("t");
	b.version = xstrdup("1");
	b.sha256 = xstrdup("abc");
	b.kernel = xstrdup("vmlinuz");
	b.cmdline = xstrdup("root=/dev/vda");
	b.has_docker = 1;
	ok(box_meta_write(st1, &b) == 0 && box_meta_write(st2, &b) == 0,
	   "box.json written");
	ok(box_store_commit(&s, st1, "t", "1", 0) == 0, "first commit wins");
	ok(box_store_commit(&s, st2, "t", "1", 0) < 0 &&
	   strstr(err_msg(), "already in the store"),
	   "the second commit of the same version is refused");
	ok(box_store_find(&s, "t", NULL, &found) == 0, "found");
	ok(found.has_docker && found.kernel && !strcmp(found.kernel, "vmlinuz")
	   && found.size == 1, "box.json round trip");
	wsfile = path_join(dir, "Berthfile");
	write_file_atomic(wsfile, "", 0, 0644);
	ok(box_store_use(&s, &found, "ws1", wsfile) == 0, "record a user");
	box_release(&found);
	box_store_find(&s, "t", "1", &found);
	ok(found.users.n == 1 && !strcmp(found.users.v[0], wsfile),
	   "the user is listed");
	ok(box_store_remove(&s, &found, 0) < 0 && strstr(err_msg(), "used by"),
	   "a box in use is not removed");
	ok(box_store_unuse(&s, &found, "ws1") == 0, "forget the user");
	box_release(&found);
	box_store_find(&s, "t", "1", &found);
	ok(found.users.n == 0, "no users left");
	ok(box_store_use(&s, &found, "ws2", "/nonexistent/Berthfile") == 0,
	   "a user whose Berthfile is gone");
	box_release(&found);
	box_store_find(&s, "t", "1", &found);
	ok(found.users.n == 0, "does not hold the box");
	ok(box_store_remove(&s, &found, 0) == 0, "remove");
	box_release(&found);
	ok(box_store_find(&s, "t", NULL, &found) < 0, "gone");
	box_release(&found);
	rm_rf(st2);
	free(st1);
	free(st2);
	free(wsfile);
	box_release(&b);
	box_store_release(&s);
	free(home);
}

static void
test_digest(void)
{
	char type[16], hex[160], *p = path_join(dir, "abc");

	write_file_atomic(p, "abc", 3, 0644);
	ok(digest_file("sha256", p, hex, sizeof(hex)) == 0 &&
	   !strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	   "sha256 of abc");
	ok(digest_file("sha512", p, hex, sizeof(hex)) == 0 &&
	   !strncmp(hex, "ddaf35a193617aba", 16), "sha512 of abc");
	ok(digest_file("crc32", p, hex, sizeof(hex)) < 0, "unknown types fail");
	ok(digest_parse_spec("SHA256:ABCD", type, sizeof(type), hex,
			     sizeof(hex)) == 0 && !strcmp(hex, "abcd"),
	   "hex is lower-cased");
	ok(digest_parse_spec("abcd", type, sizeof(type), hex, sizeof(hex)) < 0,
	   "no type");
	ok(digest_parse_spec("sha256:xyz", type, sizeof(type), hex,
			     sizeof(hex)) < 0, "not hex");
	free(p);
}

int
main(void)
{
	char *cmd;

	if (!mkdtemp(dir))
		fatal("mkdtemp failed");
	test_versions();
	test_qcow2();
	test_store();
	test_digest();
	cmd = xasprintf("rm -rf '%s'", dir);
	ok(system(cmd) == 0, "scratch removed");
	free(cmd);
	return done_testing();
}
