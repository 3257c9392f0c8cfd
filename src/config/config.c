/* config.c: find, load and validate a Berthfile: top level, vm and docker. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose.h"
#include "config-walk.h"
#include "util.h"

/* dir's Berthfile, else its compose file, else NULL */
static char *
workspace_file_in(const char *dir)
{
	char *candidate = path_join(dir, BERTHFILE_NAME);
	size_t i;

	for (i = 0; !path_exists(candidate) && i < compose_file_count; i++) {
		free(candidate);
		candidate = path_join(dir, compose_file_names[i]);
	}
	if (path_exists(candidate))
		return candidate;
	free(candidate);
	return NULL;
}

char *
berthfile_locate(const char *explicit)
{
	char cwd[PATH_MAX], *dir, *candidate;

	if (!explicit || !*explicit)
		explicit = getenv("BERTH_FILE");
	if (explicit && *explicit) {
		if (path_is_dir(explicit)) {
			if ((candidate = workspace_file_in(explicit)))
				return candidate;
		} else if (path_exists(explicit)) {
			return xstrdup(explicit);
		}
		err_set("no Berthfile or compose file at '%s'", explicit);
		err_hint("check the path given with -f or BERTH_FILE");
		return NULL;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		err_set("cannot find the current folder: %s", strerror(errno));
		return NULL;
	}
	if ((candidate = workspace_file_in("."))) {
		/* "Berthfile", not "./Berthfile", as before */
		char *bare = xstrdup(candidate + 2);

		free(candidate);
		return bare;
	}
	/* Like git and vagrant, work from any folder inside the workspace. */
	dir = xstrdup(cwd);
	while (strcmp(dir, "/")) {
		char *parent = path_dirname(dir);

		free(dir);
		dir = parent;
		if ((candidate = workspace_file_in(dir))) {
			free(dir);
			return candidate;
		}
	}
	free(dir);
	err_set("no Berthfile or compose file in '%s' or any folder above it",
		cwd);
	err_hint("run 'berth init' to create one, or name one with -f FILE");
	return NULL;
}

static const char *const top_keys[] = { "workspace", "vm", "docker",
					 "cluster", "stack", "environments" };
static const char *const vm_keys[] = { "box", "cpus", "memory", "disk",
				       "uri", "network", "accel", "ports",
				       "shared" };
static const char *const docker_keys[] = { "install", "host" };
static const char *const net_modes[] = { "user", "nat" };
static const char *const accel_modes[] = { "auto", "kvm", "tcg" };
static const char *const install_modes[] = { "auto", "never" };

static void
walk_size(struct walk *w, const config_setting_t *vm, const char *key,
	  uint64_t min, uint64_t max, uint64_t *out)
{
	const config_setting_t *s = config_setting_get_member(vm, key);
	const char *v;
	char *p = walk_path("vm", key), low[32], high[32];
	uint64_t bytes;

	if (!s)
		goto out;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		walk_report(w, s, p, NULL, "expected a size with a unit in "
			    "quotes, such as \"2G\" or \"512M\"");
		goto out;
	}
	v = config_setting_get_string(s);
	if (spec_parse_size(v, &bytes) < 0) {
		walk_report_err(w, s, p, "bad size");
		goto out;
	}
	if (bytes < min) {
		spec_format_size(min, low, sizeof(low));
		walk_report(w, s, p, NULL, "\"%s\" is too small: at least %s",
			    v, low);
		goto out;
	}
	if (bytes > max) {
		spec_format_size(max, high, sizeof(high));
		walk_report(w, s, p, NULL, "\"%s\" is too large: at most %s",
			    v, high);
		goto out;
	}
	*out = bytes;
out:
	free(p);
}

void
walk_ports(struct walk *w, const config_setting_t *s, const char *path,
	   struct port_spec **out, size_t *nout)
{
	int i, n;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		walk_report(w, s, path, NULL, "expected a list such as "
			    "[ \"8080:80\" ]");
		return;
	}
	if (!walk_is_list(s)) {
		walk_report(w, s, path, NULL, "expected a list of port specs "
			    "such as [ \"8080:80\" ]");
		return;
	}
	n = config_setting_length(s);
	*out = xcalloc((size_t)n, sizeof(**out));
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s,
								(unsigned)i);
		char *p = walk_index_path(path, (size_t)i);
		struct port_spec spec;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			walk_report(w, e, p, "write ports as strings: "
				    "\"[IP:]HOST:CONTAINER[/tcp|udp]\"",
				    "expected a port spec in quotes");
		} else if (spec_parse_port(config_setting_get_string(e),
					   &spec) < 0) {
			walk_report(w, e, p, "expected [IP:][HOST:]CONTAINER"
				    "[/tcp|udp], such as \"8080:80\"",
				    "bad port \"%s\": %s",
				    config_setting_get_string(e), err_msg());
		} else {
			spec.line = (int)config_setting_source_line(e);
			spec.pinned = walk_env_given(e);
			ws_env_port(w->ws, &spec);
			(*out)[(*nout)++] = spec;
		}
		free(p);
	}
}

#define SAFE_PATH_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789/._-+@,"

static void
walk_shared_one(struct walk *w, const config_setting_t *e, const char *p)
{
	struct ws *ws = w->ws;
	const char *host = NULL, *guest = NULL;
	char *copy = NULL;
	int ro = 0;

	if (config_setting_type(e) == CONFIG_TYPE_STRING) {
		char *c1, *c2;

		copy = xstrdup(config_setting_get_string(e));
		c1 = strchr(copy, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c1 || c1 == copy || (c2 && strcmp(c2 + 1, "ro") &&
					 strcmp(c2 + 1, "rw"))) {
			walk_report(w, e, p, NULL, "expected \"HOST_DIR:GUEST"
				    "_DIR[:ro]\", found \"%s\"",
				    config_setting_get_string(e));
			goto out;
		}
		*c1 = '\0';
		if (c2) {
			*c2 = '\0';
			ro = !strcmp(c2 + 1, "ro");
		}
		host = copy;
		guest = c1 + 1;
	} else if (config_setting_type(e) == CONFIG_TYPE_GROUP) {
		static const char *const keys[] = { "host", "guest",
						    "readonly" };

		walk_check_keys(w, e, p, keys, ARRAY_SIZE(keys));
		walk_bool(w, e, "readonly", p, &ro);
		if (walk_string(w, e, "host", p, &host) == 0 ||
		    walk_string(w, e, "guest", p, &guest) == 0) {
			walk_report(w, e, p, NULL, "needs both 'host' and "
				    "'guest'");
			goto out;
		}
		if (!host || !guest)
			goto out;
	} else {
		walk_report(w, e, p, NULL, "expected \"HOST_DIR:GUEST_DIR\" "
			    "or a group { host = ...; guest = ...; }");
		goto out;
	}
	if (guest[0] != '/') {
		walk_report(w, e, p, NULL, "guest folder \"%s\" must be "
			    "absolute", guest);
		goto out;
	}
	/* it goes into the guest's mount commands (seed.c): no quoting
	 * games there */
	if (guest[strspn(guest, SAFE_PATH_CHARS)]) {
		walk_report(w, e, p, "such as \"/srv/data\"", "guest folder "
			    "\"%s\" may hold only letters, digits and "
			    "'/._-+@,'", guest);
		goto out;
	}
	{
		struct shared_folder *f = &ws->vm.shared[ws->vm.nshared++];

		f->host = walk_resolve(w, host);
		f->guest = spec_normalize_path(guest);
		f->readonly = ro;
		f->line = (int)config_setting_source_line(e);
		if (!path_is_dir(f->host))
			walk_report(w, e, p, NULL, "host folder '%s' does not "
				    "exist", f->host);
		if (!strcmp(f->guest, "/workspace"))
			walk_report(w, e, p, "pick another guest folder",
				    "/workspace is where the workspace "
				    "itself is shared");
	}
out:
	free(copy);
}

static void
walk_vm(struct walk *w, const config_setting_t *vm)
{
	struct ws *ws = w->ws;
	const config_setting_t *s;
	const char *str;
	int v;

	if (config_setting_type(vm) != CONFIG_TYPE_GROUP) {
		walk_report(w, vm, "vm", NULL, "expected a group vm = { ... };");
		return;
	}
	walk_check_keys(w, vm, "vm", vm_keys, ARRAY_SIZE(vm_keys));
	if (walk_string(w, vm, "box", "vm", &str) > 0) {
		free(ws->vm.box);
		ws->vm.box = xstrdup(str);
	}
	walk_int(w, vm, "cpus", "vm", 1, 256, &ws->vm.cpus);
	/* far beyond any laptop, and far below what overflows a KiB count */
	walk_size(w, vm, "memory", 256ULL << 20, 4ULL << 40, &ws->vm.memory);
	walk_size(w, vm, "disk", 1ULL << 30, 64ULL << 40, &ws->vm.disk);
	if (walk_string(w, vm, "uri", "vm", &str) > 0) {
		if (!strstr(str, ":/"))
			walk_report(w, config_setting_get_member(vm, "uri"),
				    "vm.uri", NULL, "\"%s\" is not a libvirt "
				    "URI such as \"qemu:///system\"", str);
		free(ws->vm.uri);
		ws->vm.uri = xstrdup(str);
	}
	if (walk_choice(w, vm, "network", "vm", net_modes,
			ARRAY_SIZE(net_modes), &v) > 0)
		ws->vm.network = (enum net_mode)v;
	if (walk_choice(w, vm, "accel", "vm", accel_modes,
			ARRAY_SIZE(accel_modes), &v) > 0)
		ws->vm.accel = (enum accel_mode)v;
	if ((s = config_setting_get_member(vm, "ports")))
		walk_ports(w, s, "vm.ports", &ws->vm.ports, &ws->vm.nports);
	if ((s = config_setting_get_member(vm, "shared"))) {
		int i, n = config_setting_length(s);

		if (!walk_is_list(s)) {
			walk_report(w, s, "vm.shared", NULL, "expected a list "
				    "such as [ \"../data:/data\" ]");
			return;
		}
		ws->vm.shared = xcalloc((size_t)n, sizeof(*ws->vm.shared));
		for (i = 0; i < n; i++) {
			char *p = walk_index_path("vm.shared", (size_t)i);

			walk_shared_one(w, config_setting_get_elem(s,
							(unsigned)i), p);
			free(p);
		}
	}
}

static void
walk_docker(struct walk *w, const config_setting_t *docker)
{
	struct ws *ws = w->ws;
	const char *host;
	int v;

	if (config_setting_type(docker) != CONFIG_TYPE_GROUP) {
		walk_report(w, docker, "docker", NULL,
			    "expected a group docker = { ... };");
		return;
	}
	walk_check_keys(w, docker, "docker", docker_keys,
			ARRAY_SIZE(docker_keys));
	if (walk_choice(w, docker, "install", "docker", install_modes,
			ARRAY_SIZE(install_modes), &v) > 0)
		ws->docker.install = (enum docker_install)v;
	if (walk_string(w, docker, "host", "docker", &host) > 0) {
		if (strncmp(host, "unix:///", 8) && strncmp(host, "tcp://", 6))
			walk_report(w, config_setting_get_member(docker,
								 "host"),
				    "docker.host", "such as \"unix:///var/run/"
				    "docker.sock\"", "\"%s\" is not a Docker "
				    "host: expected unix:///PATH or "
				    "tcp://HOST:PORT", host);
		ws->docker.host = xstrdup(host);
	}
}

/* A cluster is a swarm: its stack is Swarm services unless the stack
 * says otherwise, which check_cluster refuses. */
static void
walk_cluster(struct walk *w, const config_setting_t *cluster)
{
	static const char *const keys[] = { "nodes" };
	struct ws *ws = w->ws;

	if (config_setting_type(cluster) != CONFIG_TYPE_GROUP) {
		walk_report(w, cluster, "cluster", NULL,
			    "expected a group cluster = { nodes = 3; };");
		return;
	}
	walk_check_keys(w, cluster, "cluster", keys, ARRAY_SIZE(keys));
	if (walk_int(w, cluster, "nodes", "cluster", 1, CLUSTER_NODES_MAX,
		     &ws->cluster.nodes) > 0 && ws->cluster.nodes > 1)
		ws->stack.mode = STACK_SWARM;
}

/* What a cluster of berth's VMs cannot be, said where it is set. */
static void
check_cluster(struct walk *w, const config_setting_t *top)
{
	const struct ws *ws = w->ws;
	const config_setting_t *s = config_setting_lookup(
		(config_setting_t *)top, "cluster.nodes");

	if (ws->cluster.nodes <= 1)
		return;
	if (ws->stack.mode != STACK_SWARM)
		walk_report(w, s, "cluster.nodes", "remove stack.mode, or set "
			    "it to \"swarm\"", "a cluster runs its stack as "
			    "Swarm services: stack.mode = \"containers\" is "
			    "one engine's");
	if (ws->docker.host)
		walk_report(w, s, "cluster.nodes", "remove docker.host to have "
			    "berth make the cluster, or cluster to use that "
			    "engine's swarm", "a cluster is made of berth's "
			    "VMs, and docker.host names an engine of its own");
	/* a URI with a host part: qemu+ssh://USER@HOST/system */
	if (strstr(ws->vm.uri, "://") && strstr(ws->vm.uri, "://")[3] != '/')
		walk_report(w, s, "cluster.nodes", "use the local libvirt for "
			    "a cluster, or one VM on that host", "a cluster "
			    "runs on this machine's libvirt for now, not on "
			    "%s", ws->vm.uri);
}

static void
ws_defaults(struct ws *ws, const char *path)
{
	char *abs = realpath(path, NULL), *base;

	memset(ws, 0, sizeof(*ws));
	ws->file = abs ? abs : xstrdup(path);
	ws->dir = path_dirname(ws->file);
	base = strrchr(ws->dir, '/');
	ws->name = spec_name_from(base && base[1] ? base + 1 : ws->dir,
				  NAME_MAX_LEN);
	ws->env = xstrdup(ws_env_selected());
	ws->env_settings = xstrdup(getenv("BERTH_ENV_SETTINGS") &&
				   *getenv("BERTH_ENV_SETTINGS")
				   ? getenv("BERTH_ENV_SETTINGS") : ws->env);
	ws->vm.box = xstrdup("debian-12-docker");
	ws->vm.cpus = 2;
	ws->vm.memory = 2ULL << 30;
	ws->vm.disk = 20ULL << 30;
	ws->vm.uri = xstrdup(DEFAULT_URI);
	ws->vm.network = NET_USER;
	ws->vm.accel = ACCEL_AUTO;
	ws->docker.install = DOCKER_INSTALL_AUTO;
	ws->cluster.nodes = 1;
}

/*
 * libconfig reports an unclosed quote where the parser gave up, often at
 * the end of the file. Find the line that opened it: the first one with an
 * odd number of quotes outside comments.
 */
static int
unterminated_string_line(const char *path, int upto)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;
	int line = 1, quotes = 0, found = 0, in_str = 0;

	if (sb_read_file(&sb, path) < 0)
		return 0;
	for (p = sb.buf; *p && line <= upto; p++) {
		if (*p == '\n') {
			if (quotes % 2) {
				found = line;
				break;
			}
			line++;
			quotes = 0;
			in_str = 0;
		} else if (in_str && *p == '\\' && p[1] && p[1] != '\n') {
			p++;
		} else if (*p == '"') {
			quotes++;
			in_str = !in_str;
		} else if (!in_str && (*p == '#' || (*p == '/' && p[1] == '/'))) {
			while (p[1] && p[1] != '\n')
				p++;
		}
	}
	if (!found && quotes % 2)
		found = line;
	sb_release(&sb);
	return found;
}

static void
report_parse_error(struct walk *w, const config_t *cfg)
{
	const char *file = config_error_file(cfg);
	const char *text = config_error_text(cfg);
	char *shown = walk_display_file(w, file);
	char *path = file && file[0] != '/' && strcmp(file, w->opened)
		     ? path_join(w->ws->dir, file) : xstrdup(file ? file
								: w->opened);
	int line = config_error_line(cfg), open_line;

	if (text && strstr(text, "syntax error")) {
		open_line = unterminated_string_line(path, line);
		if (open_line)
			diags_add(w->d, shown, open_line, NULL, "close the "
				  "quote on this line", "syntax error: "
				  "unterminated string");
		else
			diags_add(w->d, shown, line, NULL, "check this line "
				  "and the one before it for a missing '=', "
				  "';', quote or bracket", "%s", text);
	} else if (text && strstr(text, "include")) {
		diags_add(w->d, shown, line, NULL, "@include paths are relative "
			  "to the Berthfile's folder", "%s", text);
	} else {
		diags_add(w->d, shown, line, NULL, NULL, "%s",
			  text ? text : "cannot parse");
	}
	free(shown);
	free(path);
}

/* libconfig's scanner is worse than linear in the size of its input (a
 * 4 MB comment takes 13 s): a Berthfile and its includes, together, are
 * bounded well below that. */
#define BERTHFILE_MAX (1u << 20)
#define INCLUDE_DEPTH 8

/* dir/ is a prefix of path, as folders */
static int
path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n] ||
					   (n == 1 && dir[0] == '/'));
}

/*
 * Every @include, read before libconfig opens it: a regular file (a FIFO
 * or /dev/zero would hang or fill memory), all of them within the bound,
 * and inside the workspace's folder unless named by an absolute path.
 */
static void
check_includes(struct walk *w, const char *text, const char *shown,
	       const char *root, int depth, size_t *total)
{
	const char *line = text;
	int lineno = 0;

	for (; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1
						       : NULL) {
		const char *p = line, *end;
		char *name, *file, *real;
		struct strbuf sb = STRBUF_INIT;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "@include", 8))
			continue;
		for (p += 8; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '"' || !(end = strchr(p + 1, '"')) ||
		    memchr(p, '\n', (size_t)(end - p)))
			continue;	/* libconfig says what is wrong */
		name = xstrndup(p + 1, (size_t)(end - p - 1));
		file = name[0] == '/' ? xstrdup(name)
				      : path_join(w->ws->dir, name);
		real = realpath(file, NULL);
		if (name[0] != '/' && real && root && !path_under(real, root)) {
			diags_add(w->d, shown, lineno, NULL, "name a file "
				  "outside it by its absolute path, if you "
				  "mean it", "@include \"%s\" leads outside the "
				  "workspace's folder", name);
		} else if (real && sb_read_regular(&sb, file, BERTHFILE_MAX -
						   *total) < 0) {
			diags_add(w->d, shown, lineno, NULL, NULL,
				  "@include \"%s\": %s", name, err_msg());
		} else if (real && depth >= INCLUDE_DEPTH) {
			diags_add(w->d, shown, lineno, NULL, NULL,
				  "@include \"%s\" is nested more than %d deep",
				  name, INCLUDE_DEPTH);
		} else if (real) {
			*total += sb.len;
			check_includes(w, sb.buf, name, root, depth + 1, total);
		}
		err_clear();
		sb_release(&sb);
		free(real);
		free(file);
		free(name);
	}
}

static int
berthfile_load(struct ws *ws, const char *path, const char *display,
	       struct diags *d)
{
	struct walk w = { .ws = ws, .d = d, .opened = path,
			  .display = display ? display : path };
	config_t cfg;
	config_setting_t *top;
	const config_setting_t *s;
	struct strbuf text = STRBUF_INIT;
	const char *name;
	char *root;
	size_t before = d->n, total = 0;

	config_init(&cfg);
	/* @include is relative to the Berthfile, not to where berth runs */
	config_set_include_dir(&cfg, ws->dir);
	if (sb_read_regular(&text, path, BERTHFILE_MAX) < 0) {
		diags_add(d, w.display, 0, NULL, "a Berthfile is a regular "
			  "file of at most 1 MiB, with its includes",
			  "cannot read the file: %s", err_msg());
		err_clear();
		goto out;
	}
	root = realpath(ws->dir, NULL);
	check_includes(&w, text.buf, w.display, root, 0, &total);
	free(root);
	if (d->n > before)
		goto out;
	/* the text read and bounded above, not the file again: one
	 * swapped meanwhile cannot slip past the checks */
	if (!config_read_string(&cfg, text.buf)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			diags_add(d, w.display, 0, NULL, NULL,
				  "cannot read an @include'd file: %s",
				  errno ? strerror(errno) : "I/O error");
		else
			report_parse_error(&w, &cfg);
		goto out;
	}
	top = config_root_setting(&cfg);
	walk_environments(&w, top);
	walk_check_keys(&w, top, "", top_keys, ARRAY_SIZE(top_keys));
	if (walk_string(&w, top, "workspace", "", &name) > 0) {
		if (!spec_valid_name(name, NAME_MAX_LEN)) {
			char *good = spec_name_from(name, NAME_MAX_LEN);
			char *hint = xasprintf("such as \"%s\"", good);

			walk_report(&w, config_setting_get_member(top,
								  "workspace"),
				    "workspace", hint, "\"%s\" is not a valid "
				    "name: use at most %d lower-case letters, "
				    "digits, '-' and '_'", name, NAME_MAX_LEN);
			free(hint);
			free(good);
		}
		free(ws->name);
		ws->name = xstrdup(name);
	}
	if ((s = config_setting_get_member(top, "vm")))
		walk_vm(&w, s);
	if ((s = config_setting_get_member(top, "docker")))
		walk_docker(&w, s);
	if ((s = config_setting_get_member(top, "cluster")))
		walk_cluster(&w, s);
	if ((s = config_setting_get_member(top, "stack")))
		walk_stack(&w, s);
	check_cluster(&w, top);
	/* a stack from compose files was checked as they were read */
	if (!config_lookup(&cfg, "stack.compose")) {
		w.services = config_lookup(&cfg, "stack.services");
		walk_check_stack(&w);
	}
out:
	config_destroy(&cfg);
	sb_release(&text);
	return d->n > before ? -1 : 0;
}

int
ws_load(struct ws *ws, const char *path, const char *display,
	struct diags *d)
{
	size_t before = d->n;

	display = display ? display : path;
	ws_defaults(ws, path);
	if (!ws_env_valid(ws->env) || !ws_env_valid(ws->env_settings)) {
		diags_add(d, display, 0, "BERTH_ENV", "use at most 20 lower-"
			  "case letters, digits, '-' and '_'", "\"%s\" is "
			  "not a valid environment name",
			  ws_env_valid(ws->env) ? ws->env_settings : ws->env);
		return -1;
	}
	if (compose_is_file(path))
		compose_load(ws, path, display, d);
	else
		berthfile_load(ws, path, display, d);
	if (d->n > before)
		return -1;
	ws_env_finish(ws);
	return 0;
}

void
run_fields(struct run_opts *r, struct run_field out[RUN_FIELDS])
{
	struct run_field f[RUN_FIELDS] = {
		{ "user", &r->user, NULL, NULL, "User", 0 },
		{ "working_dir", &r->working_dir, NULL, NULL, "WorkingDir", 0 },
		{ "hostname", &r->hostname, NULL, NULL, "Hostname", 0 },
		{ "domainname", &r->domainname, NULL, NULL, "Domainname", 0 },
		{ "mac_address", &r->mac_address, NULL, NULL, "MacAddress", 0 },
		{ "stop_signal", &r->stop_signal, NULL, NULL, "StopSignal", 0 },
		{ "ipc", &r->ipc, NULL, NULL, "IpcMode", 1 },
		{ "pid", &r->pid, NULL, NULL, "PidMode", 1 },
		{ "userns_mode", &r->userns_mode, NULL, NULL, "UsernsMode", 1 },
		{ "uts", &r->uts, NULL, NULL, "UTSMode", 1 },
		{ "cgroup", &r->cgroup, NULL, NULL, "CgroupnsMode", 1 },
		{ "cgroup_parent", &r->cgroup_parent, NULL, NULL, "CgroupParent",
		  1 },
		{ "runtime", &r->runtime, NULL, NULL, "Runtime", 1 },
		{ "cpuset", &r->cpuset, NULL, NULL, "CpusetCpus", 1 },
		{ "tty", NULL, &r->tty, NULL, "Tty", 0 },
		{ "stdin_open", NULL, &r->stdin_open, NULL, "OpenStdin", 0 },
		{ "privileged", NULL, &r->privileged, NULL, "Privileged", 1 },
		{ "init", NULL, &r->init, NULL, "Init", 1 },
		{ "read_only", NULL, &r->read_only, NULL, "ReadonlyRootfs", 1 },
		{ "oom_kill_disable", NULL, &r->oom_kill_disable, NULL,
		  "OomKillDisable", 1 },
		{ "cap_add", NULL, NULL, &r->cap_add, "CapAdd", 1 },
		{ "cap_drop", NULL, NULL, &r->cap_drop, "CapDrop", 1 },
		{ "dns", NULL, NULL, &r->dns, "Dns", 1 },
		{ "dns_search", NULL, NULL, &r->dns_search, "DnsSearch", 1 },
		{ "dns_opt", NULL, NULL, &r->dns_opt, "DnsOptions", 1 },
		{ "security_opt", NULL, NULL, &r->security_opt, "SecurityOpt",
		  1 },
		{ "group_add", NULL, NULL, &r->group_add, "GroupAdd", 1 },
		{ "device_cgroup_rules", NULL, NULL, &r->device_cgroup_rules,
		  "DeviceCgroupRules", 1 },
	};

	memcpy(out, f, sizeof(f));
}

static void
run_opts_release(struct run_opts *r)
{
	struct run_field f[RUN_FIELDS];
	size_t i;

	run_fields(r, f);
	for (i = 0; i < RUN_FIELDS; i++) {
		if (f[i].str)
			free(*f[i].str);
		if (f[i].list)
			strlist_release(f[i].list);
	}
	strlist_release(&r->extra_hosts);
	strlist_release(&r->tmpfs);
	kvlist_release(&r->sysctls);
	for (i = 0; i < r->nulimits; i++)
		free(r->ulimits[i].name);
	free(r->ulimits);
}

static void
service_release(struct service *svc)
{
	size_t i;

	free(svc->name);
	free(svc->container_name);
	free(svc->image);
	free(svc->build_context);
	free(svc->dockerfile);
	kvlist_release(&svc->build_args);
	free(svc->load);
	strlist_release(&svc->command);
	strlist_release(&svc->entrypoint);
	kvlist_release(&svc->environment);
	strlist_release(&svc->env_files);
	free(svc->ports);
	for (i = 0; i < svc->nmounts; i++)
		mount_spec_release(&svc->mounts[i]);
	free(svc->mounts);
	for (i = 0; i < svc->ndeps; i++)
		free(svc->deps[i].service);
	free(svc->deps);
	strlist_release(&svc->health.test);
	free(svc->restart);
	kvlist_release(&svc->labels);
	kvlist_release(&svc->ipv4);
	strlist_release(&svc->networks);
	free(svc->build_target);
	for (i = 0; i < svc->naliases; i++) {
		free(svc->aliases[i].network);
		free(svc->aliases[i].alias);
	}
	free(svc->aliases);
	run_opts_release(&svc->run);
	for (i = 0; i < svc->nwatch; i++) {
		free(svc->watch[i].path);
		free(svc->watch[i].target);
		strlist_release(&svc->watch[i].ignore);
	}
	free(svc->watch);
}

void
ws_release(struct ws *ws)
{
	size_t i;

	free(ws->file);
	free(ws->dir);
	free(ws->name);
	free(ws->env);
	free(ws->env_settings);
	free(ws->vm.box);
	free(ws->vm.uri);
	free(ws->vm.ports);
	for (i = 0; i < ws->vm.nshared; i++) {
		free(ws->vm.shared[i].host);
		free(ws->vm.shared[i].guest);
	}
	free(ws->vm.shared);
	free(ws->docker.host);
	for (i = 0; i < ws->stack.nservices; i++)
		service_release(&ws->stack.services[i]);
	free(ws->stack.services);
	strlist_release(&ws->stack.networks);
	strlist_release(&ws->stack.internal);
	kvlist_release(&ws->stack.subnets);
	kvlist_release(&ws->stack.gateways);
	kvlist_release(&ws->stack.engine_names);
	strlist_release(&ws->stack.external);
	strlist_release(&ws->stack.volumes);
	strlist_release(&ws->notes);
	memset(ws, 0, sizeof(*ws));
}

const struct service *
ws_find_service(const struct ws *ws, const char *name)
{
	size_t i;

	for (i = 0; i < ws->stack.nservices; i++)
		if (ws->stack.services[i].name &&	/* NULL: reported missing */
		    !strcmp(ws->stack.services[i].name, name))
			return &ws->stack.services[i];
	return NULL;
}

int
ws_service_is_job(const struct ws *ws, const struct service *svc)
{
	size_t i, k;

	for (i = 0; i < ws->stack.nservices; i++)
		for (k = 0; k < ws->stack.services[i].ndeps; k++) {
			const struct dependency *d =
				&ws->stack.services[i].deps[k];

			if (d->condition == DEP_COMPLETED && svc->name && d->service &&
			    !strcmp(d->service, svc->name))
				return 1;
		}
	return 0;
}

const char *
dep_condition_name(enum dep_condition c)
{
	static const char *const names[] = { "started", "healthy",
					     "completed" };

	return names[c];
}
