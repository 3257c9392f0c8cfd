/* test-compose.c: compose files: the YAML tree (anchors, merge keys, the
 * bounds against explosive inputs), interpolation, command words, and
 * what a project turns into, or why it is refused. */

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose.h"
#include "stack.h"
#include "tap.h"
#include "util.h"
#include "yaml-doc.h"

static char *dir;

static void write_in(const char *name, const char *text);

static int
parse(struct ydoc *doc, const char *text, int *line)
{
	ydoc_release(doc);
	return ydoc_parse(doc, "t.yaml", text, strlen(text), line);
}

static void
test_yaml(void)
{
	struct ydoc doc = { 0 };
	struct ynode *b;
	struct strbuf big = STRBUF_INIT;
	int line, i;

	ok(parse(&doc, "a: &x {k: 1, j: 2}\nb:\n  <<: *x\n  k: 3\n", &line)
	   == 0, "anchors and a merge key parse");
	b = ynode_get(doc.root, "b");
	is_str(ynode_str(ynode_get(b, "k")), "3", "a key of its own wins");
	is_str(ynode_str(ynode_get(b, "j")), "2", "the others merge in");
	ok(!ynode_get(b, "<<"), "and '<<' itself is gone");
	ydoc_release(&doc);

	ok(parse(&doc, "a: &x {k: 1}\nc: &y {k: 2, m: 5}\n"
		 "b: {<<: [*x, *y]}\n", &line) == 0, "a list of merges");
	b = ynode_get(doc.root, "b");
	is_str(ynode_str(ynode_get(b, "k")), "1", "the first merge wins");
	is_str(ynode_str(ynode_get(b, "m")), "5", "later ones fill in");
	ydoc_release(&doc);

	ok(parse(&doc, "a: 1\na: 2\n", &line) < 0 && line == 2,
	   "a key twice is refused, at its line: %s", err_msg());
	ok(parse(&doc, "a: *nope\n", &line) < 0, "an unknown alias");
	ok(parse(&doc, "a: &x [1, *x]\n", &line) < 0 &&
	   strstr(err_msg(), "inside"), "an alias inside its own anchor: %s",
	   err_msg());
	ok(parse(&doc, "a: 1\n---\nb: 2\n", &line) < 0, "two documents");
	ok(parse(&doc, "a: [1, 2\n", &line) < 0 && line > 0,
	   "a syntax error has a line: %d", line);
	ok(parse(&doc, "{[1]: 2}\n", &line) < 0, "a key that is a list");
	ok(parse(&doc, "a: {<<: 5}\n", &line) < 0, "'<<' of a scalar");

	/* the billion laughs: ten lists of ten aliases, nine deep */
	sb_addstr(&big, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 10; i++)
		sb_addf(&big, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
			"*a%d, *a%d, *a%d, *a%d]\n", i, i, i - 1, i - 1, i - 1,
			i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	ok(parse(&doc, big.buf, &line) < 0 && strstr(err_msg(), "aliases"),
	   "aliases that expand to 10^10 values are refused: %s", err_msg());
	sb_reset(&big);
	for (i = 0; i < 100; i++)
		sb_addch(&big, '[');
	ok(parse(&doc, big.buf, &line) < 0 && strstr(err_msg(), "deep"),
	   "nesting 100 deep is refused: %s", err_msg());
	sb_release(&big);
	ok(parse(&doc, "", &line) == 0 && !doc.root, "an empty document");
	ydoc_release(&doc);
	ok(parse(&doc, "a: ~\nb: null\nc: 'null'\nd:\n", &line) == 0 &&
	   ynode_is_null(ynode_get(doc.root, "a")) &&
	   ynode_is_null(ynode_get(doc.root, "b")) &&
	   !ynode_is_null(ynode_get(doc.root, "c")) &&
	   ynode_is_null(ynode_get(doc.root, "d")),
	   "null is plain ~, null or nothing; a quoted 'null' is text");
	ydoc_release(&doc);
}

static void
interp(const char *in, const char *want, const char *what)
{
	struct kvlist vars = { 0 };
	struct strlist unset = { 0 };
	char *got;

	kvlist_set(&vars, "SET", "val");
	kvlist_set(&vars, "EMPTY", "");
	got = compose_interpolate(in, &vars, &unset);
	if (want)
		is_str(got, want, "%s: %s", what, in);
	else
		ok(!got, "%s: %s -> %s", what, in, err_msg());
	free(got);
	kvlist_release(&vars);
	strlist_release(&unset);
}

static void
test_interpolation(void)
{
	struct kvlist vars = { 0 };
	struct strlist unset = { 0 };
	char *got;

	interp("${SET}", "val", "braced");
	interp("$SET/x", "val/x", "bare");
	interp("a$$b", "a$b", "$$ is one $");
	interp("$${SET}", "${SET}", "$$ before a brace");
	interp("${NOPE:-d}", "d", ":- unset");
	interp("${EMPTY:-d}", "d", ":- empty");
	interp("${EMPTY-d}", "", "- empty is set");
	interp("${NOPE-d}", "d", "- unset");
	interp("${SET:+alt}", "alt", ":+ set");
	interp("${EMPTY:+alt}", "", ":+ empty");
	interp("${EMPTY+alt}", "alt", "+ empty is set");
	interp("${NOPE:-${SET}}", "val", "a default holds a variable");
	interp("${NOPE:-${NADA:-deep}}", "deep", "nested twice");
	interp("${SET:?must}", "val", ":? set");
	interp("${NOPE:?must}", NULL, ":? unset fails");
	interp("${EMPTY:?}", NULL, ":? empty fails");
	interp("${EMPTY?}", "", "? empty is set");
	interp("${SET", NULL, "unclosed");
	interp("${}", NULL, "no name");
	interp("${1X}", NULL, "a name starts with a letter");
	interp("${SET:x}", NULL, "unknown operator");
	interp("cost $5", NULL, "a bare $ before a digit");
	interp("a $ b", NULL, "a lone $");
	interp("no dollar", "no dollar", "nothing to do");
	interp("${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-x}}}}}}}}}}",
	       NULL, "nesting is bounded");

	kvlist_set(&vars, "X", "1");
	got = compose_interpolate("$NOPE ${NOPE} ${OTHER} ${X}", &vars, &unset);
	is_str(got, "   1", "unset variables are empty");
	ok(unset.n == 2 && !strcmp(unset.v[0], "NOPE") &&
	   !strcmp(unset.v[1], "OTHER"), "and each is named once");
	free(got);
	kvlist_release(&vars);
	strlist_release(&unset);
}

static void
words(const char *in, const char *want, const char *what)
{
	struct strlist out = { 0 };
	struct strbuf got = STRBUF_INIT;
	size_t i;

	if (compose_split_words(in, &out) < 0) {
		ok(!want, "%s: refused", what);
	} else {
		for (i = 0; i < out.n; i++)
			sb_addf(&got, "%s<%s>", i ? " " : "", out.v[i]);
		is_str(got.buf, want ? want : "(refused)", "%s", what);
	}
	sb_release(&got);
	strlist_release(&out);
}

static void
test_words(void)
{
	words("echo hi", "<echo> <hi>", "blanks separate");
	words("  a \t b  ", "<a> <b>", "runs of blanks");
	words("sh -c 'echo $X; ls'", "<sh> <-c> <echo $X; ls>",
	      "single quotes keep everything");
	words("a \"b \\\"c\\\" d\"", "<a> <b \"c\" d>", "double quotes escape");
	words("a\\ b", "<a b>", "a backslash escapes a blank");
	words("x '' y", "<x> <> <y>", "an empty quoted word stays");
	words("--opt=\"a b\"c", "<--opt=a bc>", "quotes inside a word");
	words("'open", NULL, "an open quote is refused");
	words("", "", "nothing");
}

/* load TEXT as DIR/compose.yaml; the problems, one a line */
static int
load(const char *text, struct ws *ws, struct strbuf *problems)
{
	char *file = path_join(dir, "compose.yaml");
	struct diags d = { 0 };
	size_t i;
	int ret;

	write_file_atomic(file, text, strlen(text), 0644);
	ret = ws_load(ws, file, "compose.yaml", &d);
	sb_reset(problems);
	for (i = 0; i < d.n; i++)
		sb_addf(problems, "%s:%d %s: %s\n", d.v[i].file, d.v[i].line,
			d.v[i].setting ? d.v[i].setting : "-", d.v[i].msg);
	diags_release(&d);
	free(file);
	return ret;
}

static void
test_project(void)
{
	struct ws ws;
	struct strbuf p = STRBUF_INIT;
	const struct service *web, *db;

	setenv("BERTH_TEST_TAG", "9", 1);
	ok(load("name: shop\n"
		"services:\n"
		"  web:\n"
		"    image: nginx:1.${BERTH_TEST_TAG}\n"
		"    command: nginx -g 'daemon off;'\n"
		"    ports: [\"8080:80\", {target: 443}]\n"
		"    environment: [A=1, B]\n"
		"    depends_on:\n"
		"      db: {condition: service_healthy}\n"
		"    networks: [front, default]\n"
		"  db:\n"
		"    image: postgres\n"
		"    restart: no\n"
		"    deploy: {replicas: 2}\n"
		"    healthcheck: {test: [CMD, pg_isready], interval: 1m30s}\n"
		"    volumes: [\"data:/var/lib/postgresql/data\", "
		"{type: bind, source: ., target: /src, read_only: true}]\n"
		"networks: {front: {driver: bridge}}\n"
		"volumes: {data: }\n", &ws, &p) == 0,
	   "a project loads");
	if (p.len)
		printf("# %s", p.buf);
	web = ws_find_service(&ws, "web");
	db = ws_find_service(&ws, "db");
	is_str(ws.name, "shop", "the project's name");
	ok(web && db, "both services");
	if (web && db) {
		is_str(web->image, "nginx:1.9", "the image, interpolated");
		ok(web->command.n == 3 && !strcmp(web->command.v[2],
						  "daemon off;"),
		   "the command split into 3 words, no shell");
		ok(web->nports == 2 && web->ports[0].host_port == 8080 &&
		   web->ports[1].port == 443 && !web->ports[1].host_port,
		   "short and long ports");
		ok(web->environment.n == 1, "B, unset on the host, is left out");
		ok(web->ndeps == 1 && web->deps[0].condition == DEP_HEALTHY,
		   "service_healthy");
		is_str(db->restart, "no", "restart: no stays the word no");
		is_int(db->replicas, 2, "deploy.replicas");
		ok(db->health.set && db->health.interval_ms == 90000 &&
		   !strcmp(db->health.test.v[0], "CMD"), "the healthcheck");
		ok(db->nmounts == 2 && db->mounts[0].type == MOUNT_VOLUME &&
		   db->mounts[1].type == MOUNT_BIND && db->mounts[1].readonly,
		   "short and long volumes");
		ok(ws.stack.networks.n == 1, "declared networks: front, and "
		   "the default one is not declared again");
	}
	ws_release(&ws);

	ok(load("services:\n  a:\n    image: x\n    logging: {}\n"
		"    devices: [/dev/fuse]\n", &ws, &p) == 0 && ws.notes.n == 2 &&
	   strstr(ws.notes.v[0], "compose.yaml:4: services.a.logging: "
		  "'logging' is not supported by berth yet: ignored"),
	   "a key berth does not do is a note, with its line");
	ws_release(&ws);
	setenv("BERTH_STRICT", "1", 1);
	ok(load("services:\n  a:\n    image: x\n    logging: {}\n"
		"    devices: [/dev/fuse]\n", &ws, &p) < 0 &&
	   strstr(p.buf, "compose.yaml:4 services.a.logging: 'logging' is "
		  "not supported") && strstr(p.buf, "compose.yaml:5 services.a."
					    "devices:"), "--strict: an error");
	unsetenv("BERTH_STRICT");
	ws_release(&ws);
	ok(load("services:\n  a:\n    imgae: x\n", &ws, &p) < 0 &&
	   strstr(p.buf, "unknown key 'imgae'"), "a typo is an unknown key");
	ws_release(&ws);
	ok(load("services:\n  a: {image: x, depends_on: [b]}\n"
		"  b: {image: x, depends_on: [a]}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "services.b.depends_on: dependency cycle"),
	   "the Berthfile's checks run, located in the compose file");
	ws_release(&ws);
	ok(load("services:\n  a: {image: x, volumes: [nope:/x]}\n", &ws, &p)
	   < 0 && strstr(p.buf, "not declared in the top-level volumes"),
	   "an undeclared volume");
	ws_release(&ws);
	unsetenv("COMPOSE_PROFILES");
	ok(load("services:\n  a: {image: x, depends_on: [dbg]}\n"
		"  dbg: {image: x, profiles: [debug]}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "in a profile that is not active"),
	   "a dependency on a service of an inactive profile");
	ws_release(&ws);
	setenv("COMPOSE_PROFILES", "debug", 1);
	ok(load("services:\n  a: {image: x, depends_on: [dbg]}\n"
		"  dbg: {image: x, profiles: [debug]}\n", &ws, &p) == 0 &&
	   ws.stack.nservices == 2, "and with the profile active");
	unsetenv("COMPOSE_PROFILES");
	ws_release(&ws);
	ok(load("services:\n  a: {image: x, command: \"echo ${NOPE:?why}\"}\n",
		&ws, &p) < 0 && strstr(p.buf, "required variable NOPE is not "
				       "set: why"), "${VAR:?msg} unset is an error");
	ws_release(&ws);
	ok(load("version: '3'\nservices:\n  a: {image: \"x${UNSET_X}\"}\n",
		&ws, &p) == 0 && ws.notes.n == 2, "obsolete version and an "
	   "unset variable are notes, not errors");
	ws_release(&ws);
	ok(load("- a\n- b\n", &ws, &p) < 0, "a list is not a project");
	ws_release(&ws);
	ok(load("services: {}\n", &ws, &p) < 0, "no service");
	ws_release(&ws);
	sb_release(&p);
}

/* the container config of svc, as a compact JSON string */
static char *
desire(const struct ws *ws, const struct service *svc, struct desired *d)
{
	int ports[8] = { 0 };

	stack_desire(ws, svc, 1, "img", NULL, NULL, ports, 0, d);
	return json_dumps(d->config, JSON_COMPACT | JSON_SORT_KEYS);
}

static void
test_run(void)
{
	struct ws ws;
	struct strbuf p = STRBUF_INIT;
	const struct service *a;
	struct desired d, plain;
	char *json, *pjson;

	char *ctx = path_join(dir, "ctx");

	mkdir(ctx, 0755);
	free(ctx);
	write_in("ctx/Dockerfile", "FROM scratch AS base\nFROM base AS dev\n");
	write_in("db-pass.txt", "s3cret\n");
	ok(load("services:\n"
		"  a:\n"
		"    build: {context: ctx, target: dev}\n"
		"    user: \"1000:1000\"\n"
		"    working_dir: /srv\n"
		"    hostname: box\n"
		"    container_name: the-a\n"
		"    cap_add: [NET_ADMIN]\n"
		"    cap_drop: [ALL]\n"
		"    privileged: false\n"
		"    init: true\n"
		"    read_only: true\n"
		"    tty: true\n"
		"    stdin_open: true\n"
		"    shm_size: 64m\n"
		"    stop_signal: SIGINT\n"
		"    stop_grace_period: 1m30s\n"
		"    domainname: example.internal\n"
		"    ipc: shareable\n"
		"    oom_kill_disable: true\n"
		"    dns_opt: [use-vc]\n"
		"    extra_hosts: [\"db.local=10.0.0.5\"]\n"
		"    tmpfs: [/run]\n"
		"    ulimits: {nofile: {soft: 1024, hard: 4096}, nproc: 512}\n"
		"    sysctls: {net.core.somaxconn: 1024}\n"
		"    deploy: {resources: {limits: {memory: 1g, cpus: '0.5', "
		"pids: 100}}}\n"
		"    networks: {back: {aliases: [api]}}\n"
		"    secrets: [db_pass]\n"
		"    volumes: [{type: tmpfs, target: /cache, tmpfs: {size: 1000}}]\n"
		"  b: {image: x}\n"
		"networks: {back: }\n"
		"secrets: {db_pass: {file: ./db-pass.txt}}\n", &ws, &p) == 0,
	   "a service with run settings loads");
	if (p.len)
		printf("# %s", p.buf);
	a = ws_find_service(&ws, "a");
	if (!a) {
		ws_release(&ws);
		return;
	}
	is_str(a->build_target, "dev", "build.target");
	json = desire(&ws, a, &d);
	pjson = desire(&ws, ws_find_service(&ws, "b"), &plain);
	ok(strstr(json, "\"User\":\"1000:1000\"") &&
	   strstr(json, "\"WorkingDir\":\"/srv\"") &&
	   strstr(json, "\"Hostname\":\"box\"") &&
	   strstr(json, "\"Tty\":true") && strstr(json, "\"OpenStdin\":true") &&
	   strstr(json, "\"StopSignal\":\"SIGINT\"") &&
	   strstr(json, "\"StopTimeout\":90") &&
	   strstr(json, "\"Domainname\":\"example.internal\""),
	   "the container's own settings");
	ok(strstr(json, "\"CapAdd\":[\"NET_ADMIN\"]") &&
	   strstr(json, "\"CapDrop\":[\"ALL\"]") &&
	   !strstr(json, "Privileged") && strstr(json, "\"Init\":true") &&
	   strstr(json, "\"ReadonlyRootfs\":true") &&
	   strstr(json, "\"ShmSize\":67108864") &&
	   strstr(json, "\"ExtraHosts\":[\"db.local:10.0.0.5\"]") &&
	   strstr(json, "\"Tmpfs\":{\"/cache\":\"size=1000\",\"/run\":\"\"}") &&
	   strstr(json, "{\"Hard\":4096,\"Name\":\"nofile\",\"Soft\":1024}") &&
	   strstr(json, "{\"Hard\":512,\"Name\":\"nproc\",\"Soft\":512}") &&
	   strstr(json, "\"Sysctls\":{\"net.core.somaxconn\":\"1024\"}") &&
	   strstr(json, "\"Memory\":1073741824") &&
	   strstr(json, "\"NanoCpus\":500000000") &&
	   strstr(json, "\"PidsLimit\":100") &&
	   strstr(json, "\"IpcMode\":\"shareable\"") &&
	   strstr(json, "\"OomKillDisable\":true") &&
	   strstr(json, "\"DnsOptions\":[\"use-vc\"]"),
	   "the host's settings and limits");
	ok(strstr(json, "\"Aliases\":[\"a\",\"api\",\"the-a\"]") != NULL,
	   "the service answers to its name, its network alias and its "
	   "container_name");
	ok(strstr(json, "/run/secrets/db_pass") && strstr(json, "db-pass.txt"),
	   "the secret is mounted at /run/secrets/db_pass");
	ok(strstr(d.sections, "options=") && !strstr(plain.sections, "options="),
	   "run settings are a section of the hash, absent when there are "
	   "none (a container made before keeps its hash)");
	if (!strstr(json, "User"))
		printf("# %s\n", json);
	free(json);
	free(pjson);
	desired_release(&d);
	desired_release(&plain);
	ws_release(&ws);
	ok(load("services:\n  a: {image: x, shm_size: lots, cpus: -1, "
		"ulimits: {nofile: {soft: 1}}}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "\"lots\" is not a size") &&
	   strstr(p.buf, "\"-1\" is not a number of CPUs") &&
	   strstr(p.buf, "needs soft and hard"), "bad values are refused");
	ws_release(&ws);
	ok(load("services:\n  a: {image: x, pid: \"service:b\"}\n"
		"  b: {image: x}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "'service:b' is not supported by berth yet"),
	   "another service's namespace is refused, not passed on");
	ws_release(&ws);
	ok(load("services:\n  a: {image: x, secrets: [nope]}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "secret 'nope' is not declared"), "an undeclared "
	   "secret");
	ws_release(&ws);
	sb_release(&p);
}

static void
write_in(const char *name, const char *text)
{
	char *file = path_join(dir, name);

	write_file_atomic(file, text, strlen(text), 0644);
	free(file);
}

static void
test_override(void)
{
	struct ws ws;
	struct strbuf p = STRBUF_INIT;
	const struct service *a;
	char *over = path_join(dir, "compose.override.yaml");

	write_in("compose.override.yaml",
		 "services:\n"
		 "  a:\n"
		 "    image: y\n"
		 "    command: [two]\n"
		 "    environment: {B: 3, C: 4}\n"
		 "    ports: [\"81\"]\n"
		 "    volumes: [\"other:/data\"]\n"
		 "  b: {image: z}\n"
		 "volumes: {other: }\n");
	ok(load("services:\n"
		"  a:\n"
		"    image: x\n"
		"    command: one and more\n"
		"    environment: [A=1, B=2]\n"
		"    ports: [\"80\"]\n"
		"    volumes: [\"data:/data\", \"data:/keep\"]\n"
		"volumes: {data: }\n", &ws, &p) == 0,
	   "compose.override.yaml is merged over compose.yaml");
	if (p.len)
		printf("# %s", p.buf);
	a = ws_find_service(&ws, "a");
	ok(a && ws.stack.nservices == 2, "a service of its own is added");
	if (a) {
		is_str(a->image, "y", "a value is overridden");
		ok(a->command.n == 1 && !strcmp(a->command.v[0], "two"),
		   "a command is replaced, not appended to");
		ok(a->environment.n == 3, "a list and a mapping of variables "
		   "merge, key by key");
		ok(a->nports == 2, "ports are appended");
		ok(a->nmounts == 2 && !strcmp(a->mounts[0].source, "data") &&
		   !strcmp(a->mounts[1].source, "other"), "a volume with the "
		   "same target is replaced, others kept");
	}
	ws_release(&ws);
	write_in("compose.override.yaml", "services:\n  a:\n    imag: y\n");
	ok(load("services: {a: {image: x}}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "compose.override.yaml:3 services.a.imag: unknown "
		  "key"), "a problem in "
	   "the override file is found there");
	ws_release(&ws);
	unlink(over);
	free(over);
	ok(load("services:\n  a: !reset {image: x}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "tag '!reset' is not supported"), "a YAML tag berth "
	   "does not know is refused, not read as text");
	ws_release(&ws);
	sb_release(&p);
}

static void
test_extends(void)
{
	struct ws ws;
	struct strbuf p = STRBUF_INIT;
	const struct service *web, *api;
	char *sub = path_join(dir, "sub");

	mkdir(sub, 0755);
	free(sub);
	write_in("sub/base.yaml",
		 "services:\n"
		 "  common:\n"
		 "    image: base\n"
		 "    environment: [FROM=base]\n"
		 "    volumes: [\"./data:/data\"]\n"
		 "    command: [from, base]\n");
	ok(load("services:\n"
		"  web:\n"
		"    extends: {file: sub/base.yaml, service: common}\n"
		"    command: [own]\n"
		"    environment: {MINE: \"1\"}\n"
		"  api:\n"
		"    extends: web\n"
		"    image: api\n", &ws, &p) == 0, "extends, from another "
	   "file and from the same one");
	if (p.len)
		printf("# %s", p.buf);
	web = ws_find_service(&ws, "web");
	api = ws_find_service(&ws, "api");
	ok(web && api, "both services");
	if (web && api) {
		is_str(web->image, "base", "the base's image");
		ok(web->command.n == 1 && !strcmp(web->command.v[0], "own"),
		   "its own command replaces the base's");
		ok(web->environment.n == 2, "environments merge");
		ok(web->nmounts == 1 && strstr(web->mounts[0].source,
					       "/sub/data"),
		   "a bind of the other file is relative to its folder: %s",
		   web->nmounts ? web->mounts[0].source : "-");
		is_str(api->image, "api", "an extension of an extension");
		ok(api->environment.n == 2, "inherits through both");
	}
	ws_release(&ws);
	ok(load("services:\n  a: {extends: b}\n  b: {extends: a}\n", &ws, &p)
	   < 0 && strstr(p.buf, "nested more than"), "a loop of extends is "
	   "refused");
	ws_release(&ws);
	ok(load("services:\n  a: {extends: {service: x, file: nope.yaml}}\n",
		&ws, &p) < 0 && strstr(p.buf, "cannot read 'nope.yaml'"),
	   "a missing file");
	ws_release(&ws);
	write_in("empty.yaml", "");
	ok(load("services:\n  a: {extends: {service: b, file: empty.yaml}}\n"
		"  b: {image: own}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "'empty.yaml' has no services"), "an empty file is "
	   "said to be one, not read as this one");
	ws_release(&ws);
	ok(load("name: ${UNSET_NAME_X}x\nservices:\n  a: {image: \"${UNSET_X}\"}\n",
		&ws, &p) < 0 && strstr(p.buf, "not a valid image"),
	   "a value that interpolates to nothing is empty text, not null");
	ws_release(&ws);
	ok(load("services:\n  a: {image: traefik, volumes: "
		"[\"/var/run/docker.sock:/var/run/docker.sock:ro\"]}\n", &ws,
		&p) == 0, "the engine's socket may be bound: it is the VM's");
	ws_release(&ws);
	sb_release(&p);
}

static void
test_container_name(void)
{
	struct ws ws;
	struct strbuf p = STRBUF_INIT;
	const struct service *db;
	char *name;

	ok(load("services:\n  db: {image: pg, container_name: database}\n",
		&ws, &p) == 0, "container_name");
	db = ws_find_service(&ws, "db");
	if (db) {
		name = stack_container_name(&ws, db, 1);
		is_str(name, "database", "is the container's name");
		free(name);
	}
	ws_release(&ws);
	ok(load("services:\n  db: {image: pg, container_name: database, "
		"deploy: {replicas: 2}}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "2 replicas cannot share the container name"),
	   "refused with two replicas, as compose refuses it");
	ws_release(&ws);
	sb_release(&p);
}

static void
test_addresses(void)
{
	struct ws ws;
	struct strbuf p = STRBUF_INIT;
	const struct service *db;
	json_t *ep;

	ok(load("services:\n"
		"  db:\n"
		"    image: pg\n"
		"    networks: {back: {ipv4_address: 10.9.0.5, aliases: [d]}}\n"
		"networks:\n"
		"  back: {ipam: {config: [{subnet: 10.9.0.0/24, "
		"gateway: 10.9.0.1}]}}\n", &ws, &p) == 0,
	   "ipam and ipv4_address");
	if (p.len)
		printf("# %s", p.buf);
	db = ws_find_service(&ws, "db");
	ok(ws.stack.subnets.n == 1 && ws.stack.gateways.n == 1 &&
	   !strcmp(ws.stack.subnets.v[0].value, "10.9.0.0/24"),
	   "the network's subnet and gateway");
	if (db) {
		ep = stack_endpoint(db, "back");
		is_str(json_string_value(json_object_get(json_object_get(ep,
			"IPAMConfig"), "IPv4Address")), "10.9.0.5",
		       "the endpoint asks for the fixed address");
		ok(json_array_size(json_object_get(ep, "Aliases")) == 2,
		   "beside its aliases");
		json_decref(ep);
	}
	ws_release(&ws);
	ok(load("services:\n  db: {image: pg, networks: {back: "
		"{ipv4_address: 10.9.0.5}}}\nnetworks:\n  back: {}\n",
		&ws, &p) < 0 && strstr(p.buf, "has no subnet of the project's"),
	   "a fixed address on a network with no subnet is refused, as the "
	   "engine would");
	ws_release(&ws);
	ok(load("services:\n  db: {image: pg, networks: {lan: "
		"{ipv4_address: 10.9.0.5}}}\nnetworks:\n  lan: {external: "
		"true}\n", &ws, &p) == 0, "but taken on an external one, whose "
	   "subnet is someone else's: %s", p.buf);
	ws_release(&ws);
	ok(load("services:\n  db: {image: pg, networks: {back: "
		"{ipv4_address: 10.9.0.300}}}\nnetworks:\n  back: {ipam: "
		"{config: [{subnet: 10.9.0/24}]}}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "'10.9.0.300' is not an IPv4 address") &&
	   strstr(p.buf, "subnet '10.9.0/24' is not an IPv4 network"),
	   "a bad address and a bad subnet are refused, with their lines");
	ws_release(&ws);
	sb_release(&p);
}

static void
test_include(void)
{
	struct ws ws;
	struct strbuf p = STRBUF_INIT;
	const struct service *db, *web;
	char *sub = path_join(dir, "inc");
	size_t i;
	int bound = 0, secret = 0;

	mkdir(sub, 0755);
	free(sub);
	write_in("inc/compose.yaml",
		 "services:\n"
		 "  db:\n"
		 "    image: \"postgres:${PG_TAG_X:-15}\"\n"
		 "    volumes: [\"./init:/init:ro\", \"data:/data\"]\n"
		 "    secrets: [pw]\n"
		 "    environment: [\"WHO=${WHO_X}\"]\n"
		 "volumes:\n  data: {}\n"
		 "secrets:\n  pw: {file: ./pw.txt}\n");
	/* the included folder's .env, under the including project's */
	write_in("inc/.env", "PG_TAG_X=16\nWHO_X=included\n");
	write_in("inc/pw.txt", "s3cret\n");
	setenv("WHO_X", "host", 1);
	ok(load("include: [inc/compose.yaml]\n"
		"services:\n  web: {image: web, depends_on: [db]}\n",
		&ws, &p) == 0, "include: another folder's project joins this one");
	if (p.len)
		printf("# %s", p.buf);
	db = ws_find_service(&ws, "db");
	web = ws_find_service(&ws, "web");
	ok(db && web, "both projects' services");
	if (db) {
		is_str(db->image, "postgres:16", "interpolated with its "
		       "folder's .env");
		ok(db->environment.n == 1 &&
		   !strcmp(db->environment.v[0].value, "host"),
		   "where the including project says nothing: the host's "
		   "WHO_X wins over the included .env");
		for (i = 0; i < db->nmounts; i++) {
			if (strstr(db->mounts[i].source, "/inc/init"))
				bound = 1;
			if (strstr(db->mounts[i].source, "/inc/pw.txt"))
				secret = 1;
		}
		ok(bound, "its binds are relative to its own folder");
		ok(secret, "and so are its secrets' files");
	}
	ok(ws.stack.volumes.n == 1, "its volumes join the project's");
	ws_release(&ws);
	unsetenv("WHO_X");

	ok(load("include:\n  - path: inc/compose.yaml\n"
		"services:\n  db: {image: mine}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "'db' is defined here, in the included"),
	   "a service both define is refused, as compose does");
	ws_release(&ws);
	write_in("inc/loop.yaml", "include: [loop.yaml]\nservices: {}\n");
	ok(load("include: [inc/loop.yaml]\nservices:\n  a: {image: a}\n",
		&ws, &p) < 0 && strstr(p.buf, "nested more than"),
	   "a file that includes itself is refused");
	ws_release(&ws);
	ok(load("include: [{path: nope.yaml}]\nservices:\n  a: {image: a}\n",
		&ws, &p) < 0 && strstr(p.buf, "cannot read 'nope.yaml'"),
	   "a missing included file");
	ws_release(&ws);
	ok(load("include: [{file: inc/compose.yaml}]\nservices:\n"
		"  a: {image: a}\n", &ws, &p) < 0 &&
	   strstr(p.buf, "include[0]"), "a typo in an include entry: %s",
	   p.buf);
	ws_release(&ws);
	sb_release(&p);
}

static void
test_names(void)
{
	struct ws ws;
	struct strbuf p = STRBUF_INIT;
	struct desired d;
	char *json, *n;

	ok(load("name: proj\n"
		"services:\n"
		"  a: {image: x, volumes: [\"shared:/s\", \"own:/o\"], "
		"networks: [outside, mine]}\n"
		"volumes:\n"
		"  shared: {external: true}\n"
		"  own: {name: custom-own}\n"
		"networks:\n"
		"  outside: {external: {name: corp-net}}\n"
		"  mine:\n"
		"  default: {name: proj-net}\n", &ws, &p) == 0,
	   "external and named volumes and networks");
	if (p.len)
		printf("# %s", p.buf);
	if (ws.stack.nservices == 1) {
		json = desire(&ws, &ws.stack.services[0], &d);
		ok(strstr(json, "\"Source\":\"shared\"") &&
		   strstr(json, "\"Source\":\"custom-own\""),
		   "an external volume by its own name, a named one by its name");
		ok(strstr(json, "\"NetworkMode\":\"corp-net\"") != NULL,
		   "an external network by its name");
		free(json);
		desired_release(&d);
	}
	ok(stack_is_external(&ws, "volume", "shared") &&
	   stack_is_external(&ws, "network", "outside") &&
	   !stack_is_external(&ws, "volume", "own"),
	   "the external ones are known as such: never made or removed");
	n = stack_network_name(&ws, NULL);
	is_str(n, "proj-net", "the default network's name:");
	free(n);
	ws_release(&ws);
	sb_release(&p);
}

static void
test_berthfile(void)
{
	char *bf = path_join(dir, "Berthfile");
	struct diags d = { 0 };
	struct ws ws;

	write_in("stack.yaml", "name: other\nservices:\n  s: {image: x, "
		 "command: a b}\n");
	write_in("Berthfile", "workspace = \"mine\";\nvm = { cpus = 3; };\n"
		 "stack = { compose = [ \"stack.yaml\" ]; };\n");
	ok(ws_load(&ws, bf, "Berthfile", &d) == 0, "a Berthfile takes its stack "
	   "from stack.compose");
	is_str(ws.name, "mine", "and keeps its workspace name");
	ok(ws.vm.cpus == 3 && ws.stack.nservices == 1 &&
	   ws.stack.services[0].command.n == 2, "its VM, and the compose "
	   "file's services, with compose's meaning");
	ws_release(&ws);
	diags_release(&d);
	write_in("Berthfile", "stack = { services = ( { name = \"s\"; "
		 "image = \"x\"; user = \"7\"; cap_drop = [ \"ALL\" ]; "
		 "read_only = true; tmpfs = [ \"/run\" ]; shm_size = \"64M\"; "
		 "cpus = 0.5; ulimits = { nofile = { soft = 8; hard = 9; }; }; "
		 "aliases = [ \"api\" ]; stop_grace_period = \"2s\"; "
		 "domainname = \"example.internal\"; oom_kill_disable = true; "
		 "dns_opt = [ \"use-vc\" ]; "
		 "build = { context = \".\"; target = \"dev\"; }; } ); };\n");
	write_in("Dockerfile", "FROM scratch AS dev\n");
	ok(ws_load(&ws, bf, "Berthfile", &d) == 0, "a Berthfile service has the "
	   "same run settings, under compose's names");
	if (d.n)
		printf("# %s\n", d.v[0].msg);
	if (ws.stack.nservices == 1) {
		struct desired want;
		char *json = desire(&ws, &ws.stack.services[0], &want);

		ok(strstr(json, "\"User\":\"7\"") &&
		   strstr(json, "\"CapDrop\":[\"ALL\"]") &&
		   strstr(json, "\"ReadonlyRootfs\":true") &&
		   strstr(json, "\"Tmpfs\":{\"/run\":\"\"}") &&
		   strstr(json, "\"ShmSize\":67108864") &&
		   strstr(json, "\"NanoCpus\":500000000") &&
		   strstr(json, "\"Name\":\"nofile\"") &&
		   strstr(json, "\"Aliases\":[\"s\",\"api\"]") &&
		   strstr(json, "\"StopTimeout\":2") &&
		   strstr(json, "\"Domainname\":\"example.internal\"") &&
		   strstr(json, "\"OomKillDisable\":true") &&
		   strstr(json, "\"DnsOptions\":[\"use-vc\"]"), "and they reach "
		   "the container's config");
		is_str(ws.stack.services[0].build_target, "dev", "build.target");
		free(json);
		desired_release(&want);
	}
	ws_release(&ws);
	diags_release(&d);
	write_in("Berthfile", "stack = { compose = \"stack.yaml\"; "
		 "services = ( { name = \"x\"; image = \"y\"; } ); };\n");
	ok(ws_load(&ws, bf, "Berthfile", &d) < 0 && d.n == 1 &&
	   strstr(d.v[0].msg, "cannot have services here too"),
	   "but not services of its own besides");
	ws_release(&ws);
	diags_release(&d);
	unlink(bf);
	free(bf);
}

int
main(void)
{
	char tmpl[] = "/tmp/berth-compose.XXXXXX";

	dir = mkdtemp(tmpl);
	test_yaml();
	test_interpolation();
	test_words();
	test_project();
	test_run();
	test_override();
	test_extends();
	test_include();
	test_container_name();
	test_addresses();
	test_names();
	test_berthfile();
	rm_rf(dir);
	return done_testing();
}
