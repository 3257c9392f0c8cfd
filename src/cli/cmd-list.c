/* cmd-list.c: every berth workspace on this libvirt host, found from
 * domain metadata, including ones whose folder is gone. */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "machine.h"

static int cmd_list_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct list_opts {
	const char *uri;
	int json;
};

static const struct cmd_option list_options[] = {
	OPTION_STRING("uri", 0, struct list_opts, uri, "URI",
		      "the libvirt URI (default " DEFAULT_URI ")"),
	OPTION_FLAG("json", 0, struct list_opts, json, "print a JSON array"),
	OPTIONS_END,
};

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.usage = "[--uri URI] [--json]",
	.summary = "list every berth workspace VM on this libvirt host",
	.help =
	"Works from anywhere: the workspaces are found through the metadata\n"
	"berth puts in each domain, so one whose folder is gone shows too.\n",
	.options = list_options,
	.exec = cmd_list_exec,
};

/* When the environment's VM last started, from its state in its folder;
 * -1 when that is gone or unreadable. */
static long
age_s(const struct vm_entry *e)
{
	/* only what state_dir() reads of a workspace */
	struct ws ws = { .dir = e->path, .env = e->env };
	char *dir, *file;
	json_t *o;
	long age;

	if (!e->path)
		return -1;
	dir = state_dir(&ws);
	file = path_join(dir, "state.json");
	free(dir);
	o = json_load_file(file, 0, NULL);
	age = iso_age_s(json_string_value(json_object_get(o, "started_at")));
	json_decref(o);
	free(file);
	return age;
}

static void
print_age(long s)
{
	char buf[32];

	if (s < 0)
		snprintf(buf, sizeof(buf), "-");
	else if (s < 3600)
		snprintf(buf, sizeof(buf), "%ldm", s / 60);
	else if (s < 86400)
		snprintf(buf, sizeof(buf), "%ldh", s / 3600);
	else
		snprintf(buf, sizeof(buf), "%ldd", s / 86400);
	printf("%-6s ", buf);
}

static int
cmd_list_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct list_opts lo = { .uri = DEFAULT_URI };
	const char *uri;
	struct vm_conn v = { 0 };
	struct vm_entry *e = NULL;
	size_t n = 0, i;
	int ret;

	(void)ctx;
	if ((ret = cmd_parse(&cmd_list_entry, argc, argv, &lo, -1)) >= 0)
		return ret;
	ret = EXIT_FAIL;
	uri = lo.uri;
	if (vm_open(&v, uri) < 0 || vm_list(&v, &e, &n) < 0) {
		ret = cmd_fail();
		goto out;
	}
	if (lo.json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++) {
			json_t *o = json_object();
			long age = age_s(&e[i]);

			json_object_set_new(o, "workspace",
					    json_string(e[i].workspace));
			json_object_set_new(o, "environment",
					    json_string(e[i].env));
			json_object_set_new(o, "age_s", age < 0 ? json_null()
							: json_integer(age));
			json_object_set_new(o, "ports", machine_forwarded_ports(
					&v, e[i].domain, e[i].state));
			json_object_set_new(o, "domain", json_string(e[i].domain));
			json_object_set_new(o, "id", json_string(e[i].id));
			json_object_set_new(o, "path", json_string(e[i].path));
			json_object_set_new(o, "state", json_string(e[i].state));
			json_object_set_new(o, "folder_exists",
					    json_boolean(e[i].path &&
							 path_is_dir(e[i].path)));
			json_array_append_new(arr, o);
		}
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(arr);
	} else if (!n) {
		printf("no berth workspaces on %s\n", uri);
	} else {
		printf("%-16s %-10s %-10s %-6s %-14s %s\n", "WORKSPACE", "ENV",
		       "STATE", "AGE", "PORTS", "FOLDER");
		for (i = 0; i < n; i++) {
			json_t *ports = machine_forwarded_ports(&v, e[i].domain,
								e[i].state);
			json_t *p;
			struct strbuf sb = STRBUF_INIT;
			size_t k;

			json_array_foreach(ports, k, p)
				sb_addf(&sb, "%s%lld", k ? "," : "",
					(long long)json_integer_value(p));
			printf("%-16s %-10s %-10s ", e[i].workspace, e[i].env,
			       e[i].state);
			print_age(age_s(&e[i]));
			printf("%-14s %s%s\n", sb.len ? sb.buf : "-",
			       e[i].path, e[i].path && path_is_dir(e[i].path)
			       ? "" : " (gone)");
			sb_release(&sb);
			json_decref(ports);
		}
	}
	ret = EXIT_OK;
out:
	vm_entries_free(e, n);
	vm_close(&v);
	return ret;
}
