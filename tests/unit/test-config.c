/* test-config.c: a valid Berthfile loads into the values it says, defaults
 * fill the rest, and several problems in one file are all reported. */

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/berth-test-config.XXXXXX";

static char *
write_in(const char *name, const char *text)
{
	char *path = path_join(dir, name);

	if (write_file_atomic(path, text, strlen(text), 0644) < 0)
		fatal("%s", err_msg());
	return path;
}

static const char full[] =
	"workspace = \"shop\";\n"
	"vm = { box = \"debian-12-docker\"; cpus = 4; memory = \"4G\";\n"
	"       disk = \"40G\"; network = \"nat\"; accel = \"tcg\";\n"
	"       ports = [ \"2222:22\" ]; shared = ( \"data:/data:ro\" ); };\n"
	"docker = { install = \"never\"; };\n"
	"stack = {\n"
	"  volumes = [ \"pg\" ];\n"
	"  networks = [ \"back\" ];\n"
	"  services = (\n"
	"    { name = \"db\"; image = \"postgres:15\";\n"
	"      env_file = \"db.env\";\n"
	"      environment = { POSTGRES_PASSWORD = \"secret\"; PORT = 5432; };\n"
	"      volumes = [ \"pg:/var/lib/postgresql/data\" ];\n"
	"      networks = [ \"back\" ];\n"
	"      healthcheck = { test = \"pg_isready\"; interval = \"2s\";\n"
	"                      retries = 10; };\n"
	"      restart = \"unless-stopped\"; },\n"
	"    { name = \"app\"; build = { context = \"app\"; args = { V = 1; }; };\n"
	"      command = \"./serve --port 8000\";\n"
	"      depends_on = { db = \"healthy\"; };\n"
	"      ports = [ \"127.0.0.1:8000:8000/tcp\" ];\n"
	"      labels = [ \"com.example.team=shop\" ];\n"
	"      replicas = 1; },\n"
	"    { name = \"worker\"; image = \"shop/worker\"; replicas = 3;\n"
	"      entrypoint = [ \"/worker\", \"--queue\" ];\n"
	"      depends_on = [ \"db\", \"app\" ]; }\n"
	"  );\n"
	"};\n";

static void
test_full(void)
{
	struct ws ws;
	struct diags d = { 0 };
	char *path, *sub;
	const struct service *db, *app, *worker;
	size_t i;

	sub = path_join(dir, "app");
	mkdir(sub, 0755);
	free(sub);
	sub = path_join(dir, "data");
	mkdir(sub, 0755);
	free(sub);
	free(write_in("app/Dockerfile", "FROM scratch\n"));
	free(write_in("db.env", "# comment\nPOSTGRES_PASSWORD=fromfile\n"
			       "export POSTGRES_USER='shop'\n\n"));
	path = write_in("Berthfile", full);
	ok(ws_load(&ws, path, "Berthfile", &d) == 0, "a full Berthfile loads");
	for (i = 0; i < d.n; i++)
		printf("# %s:%d: %s\n", d.v[i].file, d.v[i].line, d.v[i].msg);
	is_str(ws.name, "shop", "workspace");
	is_str(ws.vm.box, "debian-12-docker", "box");
	is_int(ws.vm.cpus, 4, "cpus");
	ok(ws.vm.memory == 4ULL << 30, "memory");
	ok(ws.vm.disk == 40ULL << 30, "disk");
	is_int(ws.vm.network, NET_NAT, "network");
	is_int(ws.vm.accel, ACCEL_TCG, "accel");
	is_int(ws.vm.nports, 1, "vm.ports");
	ok(ws.vm.nshared == 1 && ws.vm.shared[0].readonly &&
	   !strcmp(ws.vm.shared[0].guest, "/data"), "vm.shared");
	is_int(ws.docker.install, DOCKER_INSTALL_NEVER, "docker.install");
	is_int(ws.stack.nservices, 3, "three services");
	db = ws_find_service(&ws, "db");
	app = ws_find_service(&ws, "app");
	worker = ws_find_service(&ws, "worker");
	ok(db && app && worker, "each found by name");
	if (!db || !app || !worker)
		goto out;
	is_int(db->environment.n, 3, "env_file and environment merged");
	for (i = 0; i < db->environment.n; i++)
		if (!strcmp(db->environment.v[i].key, "POSTGRES_PASSWORD"))
			is_str(db->environment.v[i].value, "secret",
			       "environment overrides env_file");
		else if (!strcmp(db->environment.v[i].key, "POSTGRES_USER"))
			is_str(db->environment.v[i].value, "shop",
			       "export and quotes handled in env_file");
		else
			is_str(db->environment.v[i].value, "5432",
			       "numbers become strings");
	ok(db->health.test.n == 2 &&
	   !strcmp(db->health.test.v[0], "CMD-SHELL"),
	   "string healthcheck runs through a shell");
	ok(db->health.interval_ms == 2000 && db->health.retries == 10,
	   "healthcheck timing");
	is_str(db->restart, "unless-stopped", "restart");
	ok(db->nmounts == 1 && db->mounts[0].type == MOUNT_VOLUME, "volume");
	ok(app->build_context && strstr(app->build_context, "/app"),
	   "build context resolved");
	is_str(app->dockerfile, "Dockerfile", "default Dockerfile");
	ok(app->command.n == 3 && !strcmp(app->command.v[0], "/bin/sh"),
	   "string command runs through a shell");
	ok(app->ndeps == 1 && app->deps[0].condition == DEP_HEALTHY,
	   "depends_on group with condition");
	ok(app->labels.n == 1 && !strcmp(app->labels.v[0].key,
					 "com.example.team"),
	   "dotted label keys through the list form");
	ok(worker->ndeps == 2 && worker->deps[1].condition == DEP_STARTED,
	   "depends_on list means started");
	ok(worker->has_entrypoint && worker->entrypoint.n == 2, "entrypoint");
	is_int(worker->replicas, 3, "replicas");
out:
	ws_release(&ws);
	diags_release(&d);
	free(path);
}

static void
test_defaults(void)
{
	struct ws ws;
	struct diags d = { 0 };
	char *path = write_in("Defaults", "# nothing but a comment\n");

	ok(ws_load(&ws, path, "Defaults", &d) == 0, "an empty file is valid");
	ok(!strncmp(ws.name, "berth-test-config", 17),
	   "name defaults to the folder's: %s", ws.name);
	is_str(ws.vm.box, "debian-12-docker", "default box: Docker already inside");
	is_int(ws.vm.cpus, 2, "default cpus");
	is_str(ws.vm.uri, "qemu:///system", "default uri");
	is_int(ws.vm.network, NET_USER, "user networking by default");
	is_int(ws.stack.nservices, 0, "no services");
	ws_release(&ws);
	diags_release(&d);
	free(path);
}

static void
test_many_errors(void)
{
	struct ws ws;
	struct diags d = { 0 };
	char *path = write_in("Bad",
			      "vm = { cpu = 2; memory = \"2X\"; };\n"
			      "stack = { services = (\n"
			      "  { name = \"a\"; image = \"x\"; depends_on = [ \"b\" ]; },\n"
			      "  { name = \"b\"; image = \"x\"; depends_on = [ \"a\" ]; }\n"
			      "); };\n");

	ok(ws_load(&ws, path, "Bad", &d) < 0, "a bad file fails");
	is_int(d.n, 3, "unknown key, bad unit and the cycle all reported");
	if (d.n == 3) {
		is_int(d.v[0].line, 1, "unknown key on line 1");
		is_str(d.v[0].hint, "did you mean 'cpus'?", "with a suggestion");
		is_str(d.v[1].setting, "vm.memory", "names the setting");
		ok(strstr(d.v[2].msg, "cycle: a -> b -> a") != NULL,
		   "cycle path: %s", d.v[2].msg);
	}
	ws_release(&ws);
	diags_release(&d);
	free(path);
}

/* A cluster: a swarm, its nodes workspaces of their own with one network
 * and an address each; an environment makes it another cluster. */
static void
test_cluster(void)
{
	struct ws ws, node, env_ws;
	struct diags d = { 0 };
	char *path, *net, *addr, *mac, *net2;

	path = write_in("Cluster", "workspace = \"my_shop\";\n"
			"cluster = { nodes = 3; };\n"
			"vm = { ports = [ \"2222:22\" ]; };\n"
			"environments = { ci = { cluster = { nodes = 2; }; }; };\n");
	ok(ws_load(&ws, path, "Cluster", &d) == 0, "a cluster loads");
	is_int(ws.cluster.nodes, 3, "cluster.nodes");
	ok(ws.stack.mode == STACK_SWARM, "a cluster's stack is Swarm's");
	is_int(ws.node, 0, "the workspace VM is no node of its own");
	ws_node(&ws, 2, &node);
	is_str(node.name, "my_shop-node2", "node 2's name");
	is_int(node.node, 2, "node 2's number");
	is_int((int)node.vm.nports, 0, "a node forwards no port");
	net = ws_cluster_network(&ws);
	net2 = ws_cluster_network(&node);
	is_str(net2, net, "one network for every node");
	ok(!strncmp(net, "berth-cluster-", 14) && strlen(net) == 26,
	   "the network's name: berth-cluster- and 12 hex digits");
	addr = ws_node_address(&ws);
	is_str(addr, CLUSTER_SUBNET ".11", "the manager's address");
	free(addr);
	addr = ws_node_address(&node);
	is_str(addr, CLUSTER_SUBNET ".12", "node 2's address");
	mac = ws_node_mac(&node);
	ok(strlen(mac) == 17 && !strncmp(mac, "52:54:00:", 9) &&
	   !strcmp(mac + 15, "02"), "node 2's MAC ends in its number");
	free(mac);
	free(addr);
	free(net2);
	ws_node_release(&node);
	ws_release(&ws);

	setenv("BERTH_ENV", "ci", 1);
	ok(ws_load(&env_ws, path, "Cluster", &d) == 0, "environment ci loads");
	unsetenv("BERTH_ENV");
	is_int(env_ws.cluster.nodes, 2, "ci's cluster has its own size");
	net2 = ws_cluster_network(&env_ws);
	ok(strcmp(net, net2) != 0, "another environment, another network");
	free(net2);
	free(net);
	ws_release(&env_ws);
	diags_release(&d);
	free(path);
}

int
main(void)
{
	char *cmd;

	if (!mkdtemp(dir))
		fatal("mkdtemp failed");
	test_full();
	test_defaults();
	test_many_errors();
	test_cluster();
	cmd = xasprintf("rm -rf '%s'", dir);
	ok(system(cmd) == 0, "scratch removed");
	free(cmd);
	return done_testing();
}
