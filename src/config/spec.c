/* spec.c: parsers for sizes, durations, port and mount specs, and names. */

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "util.h"

int
spec_parse_size(const char *s, uint64_t *bytes)
{
	static const struct {
		const char *unit;
		unsigned shift;
	} units[] = {
		{ "b", 0 },
		{ "k", 10 }, { "kb", 10 }, { "kib", 10 },
		{ "m", 20 }, { "mb", 20 }, { "mib", 20 },
		{ "g", 30 }, { "gb", 30 }, { "gib", 30 },
		{ "t", 40 }, { "tb", 40 }, { "tib", 40 },
	};
	const char *p = s;
	uint64_t whole = 0, frac = 0, fracdiv = 1;
	char unit[8];
	size_t i, n = 0;

	if (!isdigit((unsigned char)*p))
		return err_set("expected a size such as \"2G\" or \"512M\"");
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return err_set("size is too large");
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (fracdiv < 1000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				fracdiv *= 10;
			}
		}
	}
	while (*p == ' ')
		p++;
	if (!*p)
		return err_set("missing unit: write \"%sM\" or \"%sG\"", s, s);
	for (; *p && n < sizeof(unit) - 1; p++)
		unit[n++] = (char)tolower((unsigned char)*p);
	unit[n] = '\0';
	if (*p)
		return err_set("unknown unit in \"%s\": use K, M, G or T", s);
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(unit, units[i].unit))
			continue;
		if (units[i].shift < 64 && whole > (UINT64_MAX >> units[i].shift))
			return err_set("size \"%s\" is too large", s);
		*bytes = (whole << units[i].shift) +
			 ((frac << units[i].shift) / fracdiv);
		return 0;
	}
	return err_set("unknown unit \"%s\": use K, M, G or T", unit);
}

int
spec_parse_duration(const char *s, uint64_t *ms)
{
	const char *p = s;
	uint64_t total = 0;

	if (!*p)
		return err_set("expected a duration such as \"5s\" or \"1m30s\"");
	while (*p) {
		uint64_t n = 0, mult;

		if (!isdigit((unsigned char)*p))
			return err_set("expected a duration such as \"5s\" or "
				       "\"1m30s\", not \"%s\"", s);
		for (; isdigit((unsigned char)*p); p++) {
			if (n > 1000000000ULL)
				return err_set("duration \"%s\" is too long", s);
			n = n * 10 + (uint64_t)(*p - '0');
		}
		if (!strncmp(p, "ms", 2)) {
			mult = 1;
			p += 2;
		} else if (*p == 's') {
			mult = 1000;
			p++;
		} else if (*p == 'm') {
			mult = 60 * 1000;
			p++;
		} else if (*p == 'h') {
			mult = 3600 * 1000;
			p++;
		} else if (!*p) {
			return err_set("missing unit: write \"%ss\" for seconds",
				       s);
		} else {
			return err_set("unknown unit in duration \"%s\": use "
				       "ms, s, m or h", s);
		}
		total += n * mult;
	}
	*ms = total;
	return 0;
}

static int
parse_port_number(const char *s, size_t len, unsigned *out, const char *what)
{
	unsigned long v = 0;
	size_t i;

	if (!len)
		return err_set("%s port is empty", what);
	for (i = 0; i < len; i++) {
		if (s[i] == '-')
			return err_set("port ranges are not supported: list "
				       "each port on its own");
		if (!isdigit((unsigned char)s[i]))
			return err_set("%s port \"%.*s\" is not a number", what,
				       (int)len, s);
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			break;
	}
	if (v < 1 || v > 65535)
		return err_set("%s port \"%.*s\" is out of range 1-65535",
			       what, (int)len, s);
	*out = (unsigned)v;
	return 0;
}

int
spec_parse_port(const char *s, struct port_spec *p)
{
	const char *slash = strchr(s, '/'), *end, *parts[3];
	size_t lens[3], n = 0;
	const char *q;
	struct in_addr addr;

	memset(p, 0, sizeof(*p));
	strcpy(p->host_ip, "127.0.0.1");
	p->proto = PROTO_TCP;
	end = slash ? slash : s + strlen(s);
	if (slash) {
		if (!strcmp(slash + 1, "udp"))
			p->proto = PROTO_UDP;
		else if (strcmp(slash + 1, "tcp"))
			return err_set("unknown protocol \"%s\": use tcp or udp",
				       slash + 1);
	}
	if (*s == '[')
		return err_set("IPv6 host addresses are not supported");
	for (q = s; ; q++) {
		if (q == end || *q == ':') {
			if (n == 3)
				return err_set("too many ':' fields");
			parts[n] = s;
			lens[n++] = (size_t)(q - s);
			s = q + 1;
			if (q == end)
				break;
		}
	}
	if (n == 3) {
		char ip[16];

		if (lens[0] >= sizeof(ip))
			return err_set("\"%.*s\" is not an IPv4 address",
				       (int)lens[0], parts[0]);
		memcpy(ip, parts[0], lens[0]);
		ip[lens[0]] = '\0';
		if (inet_pton(AF_INET, ip, &addr) != 1)
			return err_set("\"%s\" is not an IPv4 address", ip);
		strcpy(p->host_ip, ip);
	}
	if (n >= 2 && parse_port_number(parts[n - 2], lens[n - 2],
					&p->host_port, "host") < 0)
		return -1;
	return parse_port_number(parts[n - 1], lens[n - 1], &p->port,
				 "container");
}

int
spec_parse_mount(const char *s, struct mount_spec *m)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	memset(m, 0, sizeof(*m));
	if (!*s)
		return err_set("expected SOURCE:/PATH[:ro]");
	if (!c1) {
		if (s[0] != '/')
			return err_set("container path \"%s\" must be absolute",
				       s);
		m->type = MOUNT_ANONYMOUS;
		m->target = xstrdup(s);
		return 0;
	}
	if (c2) {
		if (!strcmp(c2 + 1, "ro"))
			m->readonly = 1;
		else if (strcmp(c2 + 1, "rw"))
			return err_set("unknown mount mode \"%s\": use ro or rw",
				       c2 + 1);
		if (strchr(c2 + 1, ':'))
			return err_set("too many ':' fields");
	}
	if (c1 == s)
		return err_set("the source before ':' is empty");
	m->source = xstrndup(s, (size_t)(c1 - s));
	m->target = c2 ? xstrndup(c1 + 1, (size_t)(c2 - c1 - 1))
		       : xstrdup(c1 + 1);
	if (m->target[0] != '/') {
		err_set("container path \"%s\" must be absolute", m->target);
		mount_spec_release(m);
		return -1;
	}
	if (m->source[0] == '/' || m->source[0] == '.' || m->source[0] == '~') {
		m->type = MOUNT_BIND;
	} else if (!spec_valid_name(m->source, 64)) {
		err_set("\"%s\" is neither a volume name nor a path (start "
			"paths with ./ or /)", m->source);
		mount_spec_release(m);
		return -1;
	}
	return 0;
}

void
mount_spec_release(struct mount_spec *m)
{
	free(m->source);
	free(m->target);
	m->source = m->target = NULL;
}

int
spec_valid_name(const char *s, size_t max)
{
	size_t i;

	if (!*s || strlen(s) > max)
		return 0;
	if (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0]))
		return 0;
	for (i = 1; s[i]; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

int
spec_valid_ipv4(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

int
spec_valid_cidr4(const char *s)
{
	const char *slash = strchr(s, '/');
	char addr[INET_ADDRSTRLEN];
	char *end;
	long bits;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return 0;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	bits = strtol(slash + 1, &end, 10);
	return spec_valid_ipv4(addr) && isdigit((unsigned char)slash[1]) &&
	       !*end && bits <= 32;
}

char *
spec_name_from(const char *s, size_t max)
{
	char *out = xmalloc(strlen(s) + 3);
	size_t n = 0;

	for (; *s && n < max; s++) {
		int c = tolower((unsigned char)*s);

		if (isalnum(c) && isascii(c))
			out[n++] = (char)c;
		else if (n && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n && out[n - 1] == '-')
		n--;
	if (!n) {
		strcpy(out, "ws");
		n = 2;
	}
	out[n] = '\0';
	return out;
}

char *
spec_normalize_path(const char *path)
{
	char *copy = xstrdup(path), *save = NULL, *tok;
	char **parts = xcalloc(strlen(path) + 1, sizeof(char *));
	size_t n = 0, i, ups = 0;
	int absolute = path[0] == '/';
	struct strbuf sb = STRBUF_INIT;

	for (tok = strtok_r(copy, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			if (n > ups)
				n--;
			else if (!absolute)
				parts[n++] = tok, ups++;
			continue;
		}
		parts[n++] = tok;
	}
	if (absolute)
		sb_addch(&sb, '/');
	for (i = 0; i < n; i++) {
		if (i)
			sb_addch(&sb, '/');
		sb_addstr(&sb, parts[i]);
	}
	if (!sb.len)
		sb_addch(&sb, '.');
	free(parts);
	free(copy);
	return sb_detach(&sb);
}

const char *
spec_proto_name(enum port_proto p)
{
	return p == PROTO_UDP ? "udp" : "tcp";
}

void
spec_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGT";
	size_t u = 0;

	while (u < 4 && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	if (u)
		snprintf(buf, len, "%llu%c", (unsigned long long)bytes, units[u]);
	else
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
}

static int
valid_env_key(const char *k, size_t len)
{
	size_t i;

	if (!len || isdigit((unsigned char)k[0]))
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_')
			return 0;
	return 1;
}

int
spec_parse_env_file(char *text, struct kvlist *out, int *first_bad)
{
	char *line, *save = NULL;
	int lineno = 0, bad = 0;

	for (line = text; line; line = save) {
		char *eq, *val, *end;

		lineno++;
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		while (isspace((unsigned char)*line))
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*line || *line == '#')
			continue;
		if (!strncmp(line, "export ", 7))
			line += 7;
		eq = strchr(line, '=');
		if (!eq || !valid_env_key(line, (size_t)(eq - line))) {
			if (!bad++)
				*first_bad = lineno;
			continue;
		}
		*eq = '\0';
		val = eq + 1;
		end = val + strlen(val);
		if (end - val >= 2 && (*val == '"' || *val == '\'') &&
		    end[-1] == *val) {
			end[-1] = '\0';
			val++;
		}
		kvlist_set(out, line, val);
	}
	return bad;
}

int
spec_valid_image_ref(const char *ref)
{
	const char *slash = strrchr(ref, '/'), *name = slash ? slash + 1 : ref;
	const char *p;

	for (p = ref; *p; p++)
		if (isspace((unsigned char)*p))
			return 0;
	/* repository names are lower case; a tag after ':' may not be */
	for (p = name; *p && *p != ':' && *p != '@'; p++)
		if (isupper((unsigned char)*p))
			return 0;
	return *ref && *ref != ':' && *ref != '@';
}
