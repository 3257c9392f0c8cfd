/* cmd-ps.c: the stack's containers: state, health, ports and restarts. */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stack.h"

static int cmd_ps_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct ps_opts {
	int json;
};

static const struct cmd_option ps_options[] = {
	OPTION_FLAG("json", 0, struct ps_opts, json,
		    "print a JSON array, one object per container"),
	OPTIONS_END,
};

const struct cmd_entry cmd_ps_entry = {
	.name = "ps",
	.usage = "[--json] [SERVICE...]",
	.summary = "list the stack's services: state, health, ports, restarts",
	.help =
	"Ports are the addresses to use from the host: 127.0.0.1 and the\n"
	"forwarded port. A service of the Berthfile with no container yet\n"
	"shows as \"missing\".\n",
	.options = ps_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_ps_exec,
};

static void
print_table(json_t *rows)
{
	json_t *r, *p;
	size_t i, k, width = 7, nodes = 0;

	json_array_foreach(rows, i, r) {
		const char *node = json_string_value(json_object_get(r, "node"));

		if (strlen(json_string_value(json_object_get(r, "service"))) > width)
			width = strlen(json_string_value(json_object_get(r,
								"service")));
		/* a Swarm's tasks: which node each runs on */
		if (json_object_get(r, "task") && nodes < 4)
			nodes = 4;
		if (node && strlen(node) > nodes)
			nodes = strlen(node) > 32 ? 32 : strlen(node);
	}
	printf("%-*s  %-3s  ", (int)width, "SERVICE", "#");
	if (nodes)
		printf("%-*s  ", (int)nodes, "NODE");
	printf("%-10s  %-9s  %-8s  %s\n", "STATE", "HEALTH", "RESTARTS",
	       "PORTS");
	json_array_foreach(rows, i, r) {
		/* names, states and health come from the engine: shown with
		 * their control bytes escaped, never sent to the terminal */
		char *service = str_printable(json_string_value(
			json_object_get(r, "service")) ?: "?");
		char *state = str_printable(json_string_value(
			json_object_get(r, "state")) ?: "?");
		char *health = str_printable(json_string_value(
			json_object_get(r, "health")) ?: "-");

		printf("%-*s  %-3d  ", (int)width, service,
		       (int)json_integer_value(json_object_get(r, "replica")));
		if (nodes) {
			char *node = str_printable(json_string_value(
				json_object_get(r, "node")) ?: "-");

			printf("%-*.*s  ", (int)nodes, (int)nodes, node);
			free(node);
		}
		printf("%-10s  %-9s  %-8d  ", state, health,
		       (int)json_integer_value(json_object_get(r, "restarts")));
		free(service);
		free(state);
		free(health);
		json_array_foreach(json_object_get(r, "ports"), k, p) {
			char *ip = str_printable(json_string_value(
				json_object_get(p, "host_ip")) ?: "?");
			char *proto = str_printable(json_string_value(
				json_object_get(p, "proto")) ?: "?");

			printf("%s%s:%d->%d/%s", k ? ", " : "", ip,
			       (int)json_integer_value(json_object_get(p, "host_port")),
			       (int)json_integer_value(json_object_get(p, "port")),
			       proto);
			free(ip);
			free(proto);
		}
		putchar('\n');
	}
}

static int
cmd_ps_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct ws *ws = &ctx->ws;
	struct ps_opts o = { 0 };
	struct strlist only = { 0 };
	struct engine *e;
	json_t *rows = NULL;
	size_t i;
	int ret;

	if ((ret = cmd_parse(&cmd_ps_entry, argc, argv, &o, -1)) >= 0)
		return ret;
	ret = EXIT_FAIL;
	if (stack_check_services(ws, argc - optind, argv + optind) < 0)
		return cmd_fail();
	for (i = (size_t)optind; i < (size_t)argc; i++)
		strlist_push(&only, argv[i]);
	if (!(e = cmd_engine(ctx)) || stack_ps(e, ws, &only, &rows) < 0) {
		ret = cmd_failf("cannot list the services of '%s'", ws->name);
		goto out;
	}
	if (o.json) {
		json_dumpf(rows, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		print_table(rows);
	}
	ret = EXIT_OK;
out:
	json_decref(rows);
	strlist_release(&only);
	return ret;
}
