/* spec.h: the small value languages inside a Berthfile (sizes, ports...). */

#ifndef BERTH_SPEC_H
#define BERTH_SPEC_H

#include <stdint.h>

enum port_proto { PROTO_TCP, PROTO_UDP };

/* "[IP:][HOST:]CONTAINER[/tcp|udp]"; host_port 0 means "choose a free one". */
struct port_spec {
	char host_ip[16];
	unsigned host_port;
	unsigned port;
	enum port_proto proto;
	int line;
	int pinned;		/* given by the selected environment */
};

enum mount_type { MOUNT_VOLUME, MOUNT_BIND, MOUNT_ANONYMOUS };

/* "NAME:/path[:ro]", "./dir:/path[:ro]" or "/path". */
struct mount_spec {
	enum mount_type type;
	char *source;		/* volume name or host path as written */
	char *target;
	int readonly;
	int line;
};

/* Each returns 0, or -1 with the reason recorded through err_set(). */
int spec_parse_size(const char *s, uint64_t *bytes);
int spec_parse_duration(const char *s, uint64_t *ms);
int spec_parse_port(const char *s, struct port_spec *p);
int spec_parse_mount(const char *s, struct mount_spec *m);
void mount_spec_release(struct mount_spec *m);
/* An env file's KEY=VALUE lines into out ('#' comments, blank lines,
 * "export " and quotes allowed); text is cut up. Returns how many lines
 * were not KEY=VALUE, the first at *first_bad. */
struct kvlist;
int spec_parse_env_file(char *text, struct kvlist *out, int *first_bad);
/* No spaces, a lower-case repository name. */
int spec_valid_image_ref(const char *ref);

/* Lower-case letters, digits, '-' and '_', starting with a letter or digit. */
int spec_valid_name(const char *s, size_t max);
/* A dotted IPv4 address; an IPv4 network as ADDRESS/BITS. */
int spec_valid_ipv4(const char *s);
int spec_valid_cidr4(const char *s);
/* Turn a folder name into a valid workspace name ("My App" -> "my-app"). */
char *spec_name_from(const char *s, size_t max);
/* "a/./b/../c" -> "a/c", without touching the file system. */
char *spec_normalize_path(const char *path);

const char *spec_proto_name(enum port_proto p);
void spec_format_size(uint64_t bytes, char *buf, size_t len);

#endif
