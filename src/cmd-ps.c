/* cmd-ps.c: the stack's containers: state, health, ports and restarts. */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "stack.h"

static int cmd_ps_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_ps_entry = {
	.name = "ps",
	.usage = "[--json] [SERVICE...]",
	.summary = "list the stack's services: state, health, ports, restarts",
	.help =
	"Ports are the addresses to use from the host: 127.0.0.1 and the\n"
	"forwarded port. A service of the Berthfile with no container yet\n"
	"shows as \"missing\".\n\n"
	"options:\n"
	"  --json   print a JSON array, one object per container\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_ps_exec,
};

static const char *
label(json_t *c, const char *key)
{
	return json_string_value(json_object_get(json_object_get(c, "Labels"),
						 key));
}

/* One row, from the container's inspect: what 'ps' and scripts see. */
static json_t *
row(struct engine *e, const struct ws *ws, json_t *c)
{
	const char *id = json_string_value(json_object_get(c, "Id"));
	const struct service *svc = ws_find_service(ws, label(c, LABEL_SERVICE) ?: "");
	char *path = xasprintf("/containers/%s/json", id);
	json_t *in = NULL, *r, *ports = json_array(), *b;
	const char *key, *health;
	int replica = atoi(label(c, LABEL_REPLICA) ?: "0");

	if (docker_get_json(&e->d, path, &in) < 0)
		in = json_object();	/* gone meanwhile: show what the list said */
	free(path);
	health = json_string_value(json_object_get(json_object_get(
		json_object_get(in, "State"), "Health"), "Status"));
	json_object_foreach(json_object_get(json_object_get(in, "HostConfig"),
					    "PortBindings"), key, b) {
		json_t *x;
		size_t i;

		json_array_foreach(b, i, x) {
			unsigned port = 0;
			char proto[8] = "tcp";
			const char *ip = json_string_value(json_object_get(x,
								"HostIp"));
			size_t k;

			sscanf(key, "%u/%7s", &port, proto);
			/* in the VM, the host side is slirp's 127.0.0.1 forward */
			if (e->in_vm == 1 && svc)
				for (k = 0; k < svc->nports; k++)
					if (svc->ports[k].port == port)
						ip = svc->ports[k].host_ip;
			json_array_append_new(ports, json_pack(
				"{s:s, s:i, s:i, s:s}", "host_ip",
				ip && *ip ? ip : "0.0.0.0", "host_port",
				atoi(json_string_value(json_object_get(x,
					"HostPort")) ?: "0"),
				"port", port, "proto", proto));
		}
	}
	r = json_pack("{s:s, s:i, s:s, s:s, s:s?, s:s?, s:o, s:I, s:s?}",
		      "service", label(c, LABEL_SERVICE) ?: "?", "replica",
		      replica, "container", json_string_value(json_array_get(
			      json_object_get(c, "Names"), 0)) + 1,
		      "id", id, "state", json_string_value(json_object_get(c,
			      "State")), "health", health, "ports", ports,
		      "restarts", json_integer_value(json_object_get(in,
			      "RestartCount")),
		      "image", json_string_value(json_object_get(c, "Image")));
	json_decref(in);
	return r;
}

static void
print_table(json_t *rows)
{
	json_t *r, *p;
	size_t i, k, width = 7;

	json_array_foreach(rows, i, r)
		if (strlen(json_string_value(json_object_get(r, "service"))) > width)
			width = strlen(json_string_value(json_object_get(r,
								"service")));
	printf("%-*s  %-3s  %-10s  %-9s  %-8s  %s\n", (int)width, "SERVICE", "#",
	       "STATE", "HEALTH", "RESTARTS", "PORTS");
	json_array_foreach(rows, i, r) {
		const char *health = json_string_value(json_object_get(r, "health"));

		printf("%-*s  %-3d  %-10s  %-9s  %-8d  ", (int)width,
		       json_string_value(json_object_get(r, "service")),
		       (int)json_integer_value(json_object_get(r, "replica")),
		       json_string_value(json_object_get(r, "state")) ?: "?",
		       health ? health : "-",
		       (int)json_integer_value(json_object_get(r, "restarts")));
		json_array_foreach(json_object_get(r, "ports"), k, p)
			printf("%s%s:%d->%d/%s", k ? ", " : "",
			       json_string_value(json_object_get(p, "host_ip")),
			       (int)json_integer_value(json_object_get(p, "host_port")),
			       (int)json_integer_value(json_object_get(p, "port")),
			       json_string_value(json_object_get(p, "proto")));
		putchar('\n');
	}
}

static int
cmd_ps_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ws *ws = &ctx->ws;
	struct strlist only = { 0 };
	struct engine e;
	json_t *list = NULL, *rows = NULL, *c;
	size_t i;
	int opt, json = 0, ret = EXIT_FAIL;

	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (opt != 'j')
			return cmd_bad_option(&cmd_ps_entry, argv, opt);
		json = 1;
	}
	if (stack_check_services(ws, argc - optind, argv + optind) < 0)
		return cmd_fail();
	for (i = (size_t)optind; i < (size_t)argc; i++)
		strlist_push(&only, argv[i]);
	rows = json_array();
	if (engine_open(ws, &e) < 0 || stack_containers(&e, ws, &only, &list) < 0) {
		ret = cmd_failf("cannot list the services of '%s'", ws->name);
		goto out;
	}
	json_array_foreach(list, i, c)
		json_array_append_new(rows, row(&e, ws, c));
	/* a service with no container is worth a line too */
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		size_t k;
		int seen = 0;

		if (only.n && !strlist_has(&only, svc->name))
			continue;
		json_array_foreach(rows, k, c)
			seen |= !strcmp(json_string_value(json_object_get(c,
						"service")), svc->name);
		if (!seen)
			json_array_append_new(rows, json_pack(
				"{s:s, s:i, s:n, s:n, s:s, s:n, s:[], s:i}",
				"service", svc->name, "replica", 0,
				"container", "id", "state", "missing", "health",
				"ports", "restarts", 0));
	}
	if (json) {
		json_dumpf(rows, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_table(rows);
	}
	ret = EXIT_OK;
out:
	engine_close(&e);
	json_decref(list);
	json_decref(rows);
	strlist_release(&only);
	return ret;
}
