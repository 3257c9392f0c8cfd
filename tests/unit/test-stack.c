/* test-stack.c: the stack engine's pure parts: the container config a
 * service becomes, its hash by section, the reason a change is given, and
 * the plan against a list of existing containers. */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "stack.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/berth-test-stack.XXXXXX";

static const char base[] =
	"workspace = \"shop\";\n"
	"stack = {\n"
	"  volumes = [ \"pg\" ];\n"
	"  networks = [ \"back\" ];\n"
	"  services = (\n"
	"    { name = \"db\"; image = \"postgres:15\";\n"
	"      environment = { B = \"2\"; A = \"1\"; };\n"
	"      volumes = [ \"pg:/var/lib/postgresql/data\", \"./conf:/etc/conf:ro\" ];\n"
	"      healthcheck = { test = \"pg_isready\"; interval = \"2s\"; retries = 10; };\n"
	"      restart = \"on-failure:3\"; },\n"
	"    { name = \"web\"; image = \"shop/web\"; replicas = 2;\n"
	"      command = [ \"serve\", \"--port\", \"80\" ];\n"
	"      ports = [ \"80\" ];\n"
	"      networks = [ \"back\" ];\n"
	"      depends_on = { db = \"healthy\"; }; }\n"
	"  );\n"
	"};\n";

static void
load(struct ws *ws, const char *text)
{
	struct diags d = { 0 };
	char *path = path_join(dir, "Berthfile");

	write_file_atomic(path, text, strlen(text), 0644);
	memset(ws, 0, sizeof(*ws));
	if (ws_load(ws, path, "Berthfile", &d) < 0) {
		diags_print(&d, stderr);
		fatal("the test's Berthfile does not load");
	}
	diags_release(&d);
	free(path);
}

static char *
edited(const char *from, const char *to)
{
	const char *at = strstr(base, from);
	struct strbuf sb = STRBUF_INIT;

	if (!at)
		fatal("'%s' is not in the base Berthfile", from);
	sb_add(&sb, base, (size_t)(at - base));
	sb_addstr(&sb, to);
	sb_addstr(&sb, at + strlen(from));
	return sb_detach(&sb);
}

static const char *
jstr(json_t *o, const char *path)
{
	char *p = xstrdup(path), *save = NULL, *k;
	json_t *v = o;

	for (k = strtok_r(p, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(k))
				     : json_object_get(v, k);
	free(p);
	return json_string_value(v);
}

static void
want(const struct ws *ws, const char *svc, int replica, int in_vm,
     struct desired *d)
{
	const struct service *s = ws_find_service(ws, svc);
	int ports[4] = { 8080, 0, 0, 0 };

	stack_desire(ws, s, replica, s->image, "sha256:abc", NULL, ports, in_vm,
		     d);
}

static void
test_config(void)
{
	struct ws ws;
	struct desired db, web, webvm;
	json_t *c;
	const char *bind;

	load(&ws, base);
	want(&ws, "db", 1, 0, &db);
	want(&ws, "web", 2, 0, &web);
	want(&ws, "web", 2, 1, &webvm);
	c = db.config;
	is_str(db.name, "shop-db-1", "container name: workspace-service-replica");
	is_str(jstr(c, "Image"), "postgres:15", "the image");
	is_str(jstr(c, "Env.0"), "A=1", "environment sorted, so order is no change");
	is_str(jstr(c, "Env.1"), "B=2", "... both variables");
	is_str(jstr(c, "HostConfig.Mounts.0.Source"), "shop_pg",
	       "a named volume is the workspace's");
	bind = jstr(c, "HostConfig.Mounts.1.Source");
	ok(bind && bind[0] == '/' && strstr(bind, "/conf"),
	   "a bind is an absolute host path on a host engine");
	is_str(jstr(c, "HostConfig.RestartPolicy.Name"), "on-failure",
	       "restart policy name");
	is_int((int)json_integer_value(json_object_get(json_object_get(
		json_object_get(c, "HostConfig"), "RestartPolicy"),
		"MaximumRetryCount")), 3, "restart policy retries");
	is_int((int)(json_integer_value(json_object_get(json_object_get(c,
		"Healthcheck"), "Interval")) / 1000000), 2000,
	       "health interval in nanoseconds");
	is_str(jstr(c, "NetworkingConfig.EndpointsConfig.shop_default.Aliases.0"),
	       "db", "the service resolves by its name on the workspace network");
	is_str(json_string_value(json_object_get(json_object_get(c, "Labels"),
						 "berth.service")), "db",
	       "labelled with its service");
	is_str(json_string_value(json_object_get(json_object_get(web.config,
		"Labels"), "berth.replica")), "2", "labelled with its replica");
	is_str(jstr(web.config, "HostConfig.PortBindings.80/tcp.0.HostIp"),
	       "127.0.0.1", "on a host engine the port binds to 127.0.0.1");
	is_str(jstr(web.config, "HostConfig.PortBindings.80/tcp.0.HostPort"),
	       "8080", "... on the host port");
	is_str(jstr(webvm.config, "HostConfig.PortBindings.80/tcp.0.HostIp"),
	       "0.0.0.0", "in the VM it binds where slirp's forward arrives");
	is_str(jstr(web.config, "NetworkingConfig.EndpointsConfig.shop_back."
		    "Aliases.0"), "web", "declared networks join by name");
	ok(strcmp(web.hash, webvm.hash) != 0, "the target is part of the hash");
	desired_release(&db);
	desired_release(&web);
	desired_release(&webvm);
	ws_release(&ws);
}

static void
test_changes(void)
{
	struct ws a, b;
	struct desired da, db;
	char *text = edited("B = \"2\"", "B = \"3\"");
	char *why;

	load(&a, base);
	want(&a, "db", 1, 0, &da);
	want(&a, "db", 1, 0, &db);
	is_str(da.hash, db.hash, "the same service hashes the same");
	desired_release(&db);
	ws_release(&a);
	load(&b, text);
	want(&b, "db", 1, 0, &db);
	ok(strcmp(da.hash, db.hash) != 0, "an environment change changes the hash");
	why = stack_changes(da.sections, db.sections);
	is_str(why, "environment changed", "and is named as such");
	free(why);
	free(text);
	desired_release(&db);
	ws_release(&b);

	text = edited("interval = \"2s\"; retries = 10; };\n"
		      "      restart = \"on-failure:3\";",
		      "interval = \"5s\"; retries = 10; };\n"
		      "      restart = \"always\";");
	load(&b, text);
	want(&b, "db", 1, 0, &db);
	why = stack_changes(da.sections, db.sections);
	is_str(why, "healthcheck and restart policy changed",
	       "two changes are both named");
	free(why);
	why = stack_changes(NULL, db.sections);
	ok(why == NULL, "no old sections: no reason to give");
	free(why);
	free(text);
	desired_release(&db);
	desired_release(&da);
	ws_release(&b);
}

static json_t *
container(const struct desired *d, const char *dir_label, const char *state,
	  const char *status, const char *id)
{
	json_t *labels = json_deep_copy(json_object_get(d->config, "Labels"));

	if (dir_label)
		json_object_set_new(labels, LABEL_DIR, json_string(dir_label));
	return json_pack("{s:s, s:[s+], s:o, s:s, s:s}", "Id", id, "Names", "/",
			 d->name, "Labels", labels, "State", state, "Status",
			 status);
}

static const struct step *
step_of(const struct stack_plan *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

static void
test_plan(void)
{
	struct ws ws, changed;
	struct engine e = { 0 };
	struct stack_images im = { 0 };
	struct stack_plan plan;
	struct desired db, web1, web2;
	json_t *existing = json_array(), *gone;
	char *ids[] = { "sha256:abc", "sha256:abc", NULL };
	char *refs[] = { "postgres:15", "shop/web", NULL };
	char *ctx[] = { NULL, NULL, NULL };
	char *text = edited("command = [ \"serve\", \"--port\", \"80\" ]",
			    "command = [ \"serve\", \"--port\", \"81\" ]");
	const struct step *s;

	im.id = ids;
	im.ref = refs;
	im.context = ctx;
	/* the host ports the desired configs above were made with */
	e.ports = json_pack("{s:i, s:i}", "web.1.80/tcp", 8080, "web.2.80/tcp",
			    8080);
	load(&ws, base);
	want(&ws, "db", 1, 0, &db);
	want(&ws, "web", 1, 0, &web1);
	want(&ws, "web", 2, 0, &web2);
	json_array_append_new(existing, container(&db, NULL, "running", "Up", "id-db"));
	json_array_append_new(existing, container(&web1, NULL, "exited",
						  "Exited (137) 1 second ago",
						  "id-web1"));
	gone = container(&web2, NULL, "running", "Up", "id-old");
	json_object_set_new(json_object_get(gone, "Labels"), LABEL_SERVICE,
			    json_string("old"));
	json_array_set_new(json_object_get(gone, "Names"), 0,
			   json_string("/shop-old-1"));
	json_array_append_new(existing, gone);
	/* a workspace of the same name in another folder: not ours */
	json_array_append_new(existing, container(&web2, "/elsewhere", "running",
						  "Up", "id-theirs"));
	ok(stack_plan_containers(&e, &ws, &im, existing, &plan) == 0, "plan");
	s = step_of(&plan, "shop-db-1");
	ok(s && s->action == STEP_UNCHANGED, "a running, unchanged service: unchanged");
	s = step_of(&plan, "shop-web-1");
	ok(s && s->action == STEP_START && !strcmp(s->reason, "was stopped"),
	   "a stopped, unchanged one: started");
	s = step_of(&plan, "shop-web-2");
	ok(s && s->action == STEP_CREATE && !s->id,
	   "a missing replica is created, not taken from another folder");
	s = step_of(&plan, "shop-old-1");
	ok(s && s->action == STEP_REMOVE &&
	   !strcmp(s->reason, "no longer in the Berthfile"),
	   "a service gone from the Berthfile is removed");
	ok(!step_of(&plan, "id-theirs"), "another folder's container is left alone");
	is_int((int)plan.n, 4, "four steps, nothing for the other folder");
	stack_plan_release(&plan);

	load(&changed, text);
	ok(stack_plan_containers(&e, &changed, &im, existing, &plan) == 0,
	   "plan after an edit");
	s = step_of(&plan, "shop-web-1");
	ok(s && s->action == STEP_RECREATE &&
	   !strcmp(s->reason, "command changed"),
	   "an edited command recreates, saying why");
	s = step_of(&plan, "shop-db-1");
	ok(s && s->action == STEP_UNCHANGED, "the other service stays");
	stack_plan_release(&plan);

	ids[1] = NULL;	/* web's image not built yet */
	ok(stack_plan_containers(&e, &ws, &im, existing, &plan) == 0 &&
	   plan.images_pending, "an image still to build is pending");
	s = step_of(&plan, "shop-web-1");
	ok(s && s->action == STEP_RECREATE &&
	   !strcmp(s->reason, "image to be fetched"),
	   "its containers are recreated once it is there");
	stack_plan_release(&plan);

	free(text);
	json_decref(existing);
	json_decref(e.ports);
	desired_release(&db);
	desired_release(&web1);
	desired_release(&web2);
	ws_release(&ws);
	ws_release(&changed);
}

/* A clean exit is a job's end only when something waits for it to
 * complete: a VM's shutdown stops every other service with code 0 too. */
static void
test_plan_exited(void)
{
	static const char text[] =
		"workspace = \"shop\";\n"
		"stack = { services = (\n"
		"  { name = \"migrate\"; image = \"shop/web\"; },\n"
		"  { name = \"cache\"; image = \"shop/web\"; },\n"
		"  { name = \"web\"; image = \"shop/web\";\n"
		"    depends_on = { migrate = \"completed\"; }; }\n"
		"); };\n";
	struct ws ws;
	struct engine e = { 0 };
	struct stack_images im = { 0 };
	struct stack_plan plan;
	struct desired mig, cache, web;
	json_t *existing = json_array();
	char *ids[] = { "sha256:abc", "sha256:abc", "sha256:abc", NULL };
	char *refs[] = { "shop/web", "shop/web", "shop/web", NULL };
	char *ctx[] = { NULL, NULL, NULL, NULL };
	const struct step *s;
	char *sum;

	im.id = ids;
	im.ref = refs;
	im.context = ctx;
	load(&ws, text);
	want(&ws, "migrate", 1, 0, &mig);
	want(&ws, "cache", 1, 0, &cache);
	want(&ws, "web", 1, 0, &web);
	json_array_append_new(existing, container(&mig, NULL, "exited",
		"Exited (0) 1 minute ago", "id-mig"));
	json_array_append_new(existing, container(&cache, NULL, "exited",
		"Exited (0) 1 minute ago", "id-cache"));
	json_array_append_new(existing, container(&web, NULL, "exited",
		"Exited (0) 1 minute ago", "id-web"));
	ok(stack_plan_containers(&e, &ws, &im, existing, &plan) == 0,
	   "plan after the VM was halted");
	s = step_of(&plan, "shop-migrate-1");
	ok(s && s->action == STEP_UNCHANGED && !strcmp(s->reason, "completed"),
	   "a job something waits on to complete: completed");
	s = step_of(&plan, "shop-cache-1");
	ok(s && s->action == STEP_START && !strcmp(s->reason, "was stopped"),
	   "a service no one waits on to complete, exited 0: started");
	s = step_of(&plan, "shop-web-1");
	ok(s && s->action == STEP_START, "and its dependent too");
	stack_plan_release(&plan);
	sum = stack_service_summary(NULL, 0, 1);
	is_str(sum, "scaled to 0", "a service with replicas = 0 says so");
	free(sum);
	json_decref(existing);
	desired_release(&mig);
	desired_release(&cache);
	desired_release(&web);
	ws_release(&ws);
}

/* A service as a Swarm service: the ServiceSpec's fields, and a hash
 * that replicas alone changes without touching the task's. */
static void
test_swarm(void)
{
	struct ws ws;
	struct swarm_desired db, web, web1;
	const struct service *s;
	json_t *cs, *task;
	char *swarm, *why;
	int ports[4] = { 8080, 0, 0, 0 };

	swarm = edited("  volumes = [ \"pg\" ];",
		       "  mode = \"swarm\"; volumes = [ \"pg\" ];");
	load(&ws, swarm);
	ok(ws.stack.mode == STACK_SWARM, "stack.mode = \"swarm\" is read");
	s = ws_find_service(&ws, "db");
	stack_swarm_desire(&ws, s, s->image, "sha256:abc", NULL, ports, 1, 1,
			   &db);
	s = ws_find_service(&ws, "web");
	stack_swarm_desire(&ws, s, s->image, "sha256:abc", NULL, ports, 1, 0,
			   &web);
	is_str(web.name, "shop_web", "the Swarm service is WORKSPACE_SERVICE");
	task = json_object_get(web.spec, "TaskTemplate");
	cs = json_object_get(task, "ContainerSpec");
	ok(!json_object_get(cs, "Command") &&
	   json_array_size(json_object_get(cs, "Args")) == 3,
	   "the command is Swarm's Args (its Command is the entrypoint)");
	is_str(json_string_value(json_object_get(json_object_get(cs, "Labels"),
						 LABEL_SERVICE)), "web",
	       "the tasks' containers carry the service's label");
	ok(json_integer_value(json_object_get(json_object_get(json_object_get(
		web.spec, "Mode"), "Replicated"), "Replicas")) == 2,
	   "replicas are the service's");
	ok(json_integer_value(json_object_get(json_array_get(json_object_get(
		json_object_get(web.spec, "EndpointSpec"), "Ports"), 0),
		"PublishedPort")) == 8080,
	   "its port is published through the mesh on the host port");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(
		task, "Networks"), 0), "Target")), "shop_back",
	       "on the stack's network");
	is_str(json_string_value(json_object_get(json_object_get(web.spec,
		"UpdateConfig"), "Order")), "start-first",
	       "an update starts the new task before the old one stops");
	is_str(json_string_value(json_object_get(json_object_get(web.spec,
		"UpdateConfig"), "FailureAction")), "rollback",
	       "and rolls back when one fails");
	is_str(json_string_value(json_object_get(json_object_get(task,
		"RestartPolicy"), "Condition")), "any",
	       "a service that says no restart runs as Swarm's default: any");
	is_str(json_string_value(json_object_get(json_object_get(json_object_get(
		db.spec, "TaskTemplate"), "RestartPolicy"), "Condition")),
	       "on-failure", "restart = on-failure:3 is Swarm's on-failure");
	ws_release(&ws);
	free(swarm);

	swarm = edited("replicas = 2;", "replicas = 3;");
	load(&ws, swarm);
	ws.stack.mode = STACK_SWARM;
	s = ws_find_service(&ws, "web");
	stack_swarm_desire(&ws, s, s->image, "sha256:abc", NULL, ports, 1, 0,
			   &web1);
	ok(strcmp(web.hash, web1.hash) != 0, "replicas change the hash");
	why = stack_changes(web.sections, web1.sections);
	is_str(why, "replicas changed", "and are named as what changed");
	ok(json_equal(json_object_get(web.spec, "TaskTemplate"),
		      json_object_get(web1.spec, "TaskTemplate")),
	   "but not the tasks' template: scaling replaces no task");
	free(why);
	free(swarm);
	swarm_desired_release(&web1);
	ws_release(&ws);

	swarm = edited("restart = \"on-failure:3\";",
		       "extra_hosts = [ \"cache.local:10.0.0.5\" ]; "
		       "tmpfs = [ \"/run\" ];");
	load(&ws, swarm);
	ws.stack.mode = STACK_SWARM;
	s = ws_find_service(&ws, "db");
	stack_swarm_desire(&ws, s, s->image, NULL, NULL, ports, 1, 1, &web1);
	task = json_object_get(web1.spec, "TaskTemplate");
	cs = json_object_get(task, "ContainerSpec");
	is_str(json_string_value(json_array_get(json_object_get(cs, "Hosts"), 0)),
	       "10.0.0.5 cache.local", "extra_hosts become hosts lines");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(
		cs, "Mounts"), 2), "Type")), "tmpfs", "tmpfs is a tmpfs mount");
	is_str(json_string_value(json_object_get(json_object_get(task,
		"RestartPolicy"), "Condition")), "none",
	       "what others wait to complete is never started again");
	swarm_desired_release(&web1);
	free(swarm);
	ws_release(&ws);
	swarm_desired_release(&db);
	swarm_desired_release(&web);
}

/* What a compose file names, as the cluster's registry names it. */
static void
test_registry_name(void)
{
	static const char *const cases[][3] = {
		{ "web", "web", "latest" },
		{ "berth/busybox", "berth/busybox", "latest" },
		{ "app:1.2", "app", "1.2" },
		{ "registry.example.com/team/app:v3", "team/app", "v3" },
		{ "localhost:5000/app", "app", "latest" },
		{ "localhost/app:x", "app", "x" },
		{ "app:1@sha256:00", "app", "1" },
		{ "my-org/app_x.y:2", "my-org/app_x.y", "2" },
	};
	static const char *const refused[] = {
		"", "app:", "App", "a b", "app?x=1", "app/../x:1", "/app",
		"app/", "a//b", "-app", "app.:1", "app:t;x", "app:t\tx",
	};
	char *path, *tag;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = stack_registry_name(cases[i][0], &path, &tag);

		ok(r == 0 && !strcmp(path, cases[i][1]) &&
		   !strcmp(tag, cases[i][2]), "registry name of '%s'",
		   cases[i][0]);
		free(path);
		free(tag);
	}
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		ok(stack_registry_name(refused[i], &path, &tag) < 0 && !path &&
		   !tag, "'%s' refused", refused[i]);
		err_clear();
	}
}

int
main(void)
{
	char *conf;

	if (!mkdtemp(dir))
		fatal("mkdtemp");
	conf = path_join(dir, "conf");
	mkdir_p(conf, 0755);
	test_config();
	test_changes();
	test_plan();
	test_plan_exited();
	test_swarm();
	test_registry_name();
	rm_rf(dir);
	free(conf);
	return done_testing();
}
