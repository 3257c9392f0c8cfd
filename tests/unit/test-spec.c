/* test-spec.c: sizes, durations, port and mount specs, names, paths. */

#include <stdlib.h>

#include "config.h"
#include "tap.h"
#include "util.h"

static void
test_sizes(void)
{
	uint64_t b = 0;

	ok(spec_parse_size("2G", &b) == 0 && b == 2ULL << 30, "2G");
	ok(spec_parse_size("512M", &b) == 0 && b == 512ULL << 20, "512M");
	ok(spec_parse_size("512MiB", &b) == 0 && b == 512ULL << 20, "512MiB");
	ok(spec_parse_size("1.5G", &b) == 0 && b == 3ULL << 29, "1.5G");
	ok(spec_parse_size("4 g", &b) == 0 && b == 4ULL << 30, "4 g");
	ok(spec_parse_size("1T", &b) == 0 && b == 1ULL << 40, "1T");
	ok(spec_parse_size("2048", &b) < 0, "no unit is refused");
	ok(strstr(err_msg(), "missing unit") != NULL, "and says so: %s",
	   err_msg());
	ok(spec_parse_size("2X", &b) < 0, "unknown unit");
	ok(spec_parse_size("G", &b) < 0, "no number");
	ok(spec_parse_size("-1G", &b) < 0, "negative");
	ok(spec_parse_size("99999999999999999999G", &b) < 0, "overflow");
	ok(spec_parse_size("99999999T", &b) < 0, "overflow after shift");
}

static void
test_durations(void)
{
	uint64_t ms = 0;

	ok(spec_parse_duration("5s", &ms) == 0 && ms == 5000, "5s");
	ok(spec_parse_duration("1m30s", &ms) == 0 && ms == 90000, "1m30s");
	ok(spec_parse_duration("250ms", &ms) == 0 && ms == 250, "250ms");
	ok(spec_parse_duration("2h", &ms) == 0 && ms == 7200000, "2h");
	ok(spec_parse_duration("5", &ms) < 0, "no unit is refused");
	ok(spec_parse_duration("5x", &ms) < 0, "unknown unit");
	ok(spec_parse_duration("", &ms) < 0, "empty");
}

static void
test_ports(void)
{
	struct port_spec p;

	ok(spec_parse_port("8080:80", &p) == 0 && p.host_port == 8080 &&
	   p.port == 80 && p.proto == PROTO_TCP &&
	   !strcmp(p.host_ip, "127.0.0.1"), "8080:80 on loopback by default");
	ok(spec_parse_port("127.0.0.1:8080:80/udp", &p) == 0 &&
	   p.proto == PROTO_UDP && p.host_port == 8080, "ip:host:port/udp");
	ok(spec_parse_port("0.0.0.0:53:53/udp", &p) == 0 &&
	   !strcmp(p.host_ip, "0.0.0.0"), "explicit 0.0.0.0 is kept");
	ok(spec_parse_port("80", &p) == 0 && p.host_port == 0 && p.port == 80,
	   "container port alone: host port chosen later");
	ok(spec_parse_port("80/sctp", &p) < 0, "sctp refused");
	ok(spec_parse_port("99999:80", &p) < 0, "out of range");
	ok(spec_parse_port("0:80", &p) < 0, "port 0");
	ok(spec_parse_port("a:80", &p) < 0, "not a number");
	ok(spec_parse_port("8000-8010:80", &p) < 0 &&
	   strstr(err_msg(), "ranges"), "ranges refused by name");
	ok(spec_parse_port("1.2.3:80:80", &p) < 0, "bad address");
	ok(spec_parse_port("1:2:3:4", &p) < 0, "too many fields");
	ok(spec_parse_port(":80", &p) < 0, "empty host port");
	ok(spec_parse_port("[::1]:80:80", &p) < 0, "IPv6 refused");
}

static void
test_mounts(void)
{
	struct mount_spec m;

	ok(spec_parse_mount("data:/var/lib/data", &m) == 0 &&
	   m.type == MOUNT_VOLUME && !strcmp(m.source, "data") &&
	   !m.readonly, "named volume");
	mount_spec_release(&m);
	ok(spec_parse_mount("./src:/src:ro", &m) == 0 && m.type == MOUNT_BIND &&
	   m.readonly, "relative bind, read-only");
	mount_spec_release(&m);
	ok(spec_parse_mount("/cache", &m) == 0 && m.type == MOUNT_ANONYMOUS,
	   "anonymous volume");
	mount_spec_release(&m);
	ok(spec_parse_mount("data:rel", &m) < 0, "relative target refused");
	ok(spec_parse_mount("data:/x:rx", &m) < 0, "bad mode refused");
	ok(spec_parse_mount("Data Dir:/x", &m) < 0, "bad volume name");
	ok(spec_parse_mount(":/x", &m) < 0, "empty source");
}

static void
test_names_and_paths(void)
{
	char *s;

	ok(spec_valid_name("web-1", 63), "web-1 is a name");
	ok(!spec_valid_name("Web", 63), "upper case is not");
	ok(!spec_valid_name("-web", 63), "leading dash is not");
	ok(!spec_valid_name("", 63), "empty is not");
	ok(!spec_valid_name("abcdef", 5), "too long is not");
	s = spec_name_from("My App!", 40);
	is_str(s, "my-app", "folder name made valid");
	free(s);
	s = spec_name_from("!!!", 40);
	is_str(s, "ws", "nothing usable falls back to ws");
	free(s);
	s = spec_normalize_path("/a/./b/../c//d/");
	is_str(s, "/a/c/d", "absolute path normalized");
	free(s);
	s = spec_normalize_path("../x/../../y");
	is_str(s, "../../y", "leading .. kept in relative paths");
	free(s);
	s = spec_normalize_path("/../..");
	is_str(s, "/", ".. stops at the root");
	free(s);
}

int
main(void)
{
	test_sizes();
	test_durations();
	test_ports();
	test_mounts();
	test_names_and_paths();
	return done_testing();
}
