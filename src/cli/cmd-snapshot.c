/* cmd-snapshot.c: 'berth snapshot', and its save, restore, list and
 * delete commands. */

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "machine.h"

struct snapshot_list_opts {
	int json;
};

struct snapshot_save_opts {
	int disk_only;
};

static const struct cmd_option snapshot_save_options[] = {
	OPTION_FLAG("disk-only", 0, struct snapshot_save_opts, disk_only,
		    "keep the disk alone: quicker to take, and a restore "
		    "boots"),
	OPTIONS_END,
};

static const struct cmd_option snapshot_list_options[] = {
	OPTION_FLAG("json", 0, struct snapshot_list_opts, json,
		    "print a JSON array"),
	OPTIONS_END,
};

static const struct cmd_entry cmd_snapshot_save_entry;
static const struct cmd_entry cmd_snapshot_restore_entry;
static const struct cmd_entry cmd_snapshot_list_entry;
static const struct cmd_entry cmd_snapshot_delete_entry;

static const struct cmd_entry *const snapshot_subs[] = {
	&cmd_snapshot_save_entry,
	&cmd_snapshot_restore_entry,
	&cmd_snapshot_list_entry,
	&cmd_snapshot_delete_entry,
};

const struct cmd_entry cmd_snapshot_entry = {
	.name = "snapshot",
	.usage = "COMMAND [ARGS]",
	.summary = "save the workspace's VM, and return to it in seconds",
	.help =
	"A snapshot is the VM's disk, with Docker's images, containers and\n"
	"volumes in it, and, of a running VM, its memory: a restore then runs\n"
	"on from that moment, processes and all, with no boot. The shared\n"
	"folders leave the VM for the seconds of the save (QEMU cannot save a\n"
	"virtiofs share); a container that binds one is restarted after.\n"
	"Where the memory cannot be kept, the snapshot says why and holds the\n"
	"disk alone: the guest's filesystems are frozen through the QEMU guest\n"
	"agent while it is taken (or the VM is paused), so a database\n"
	"mid-write comes back clean, and a restore boots the VM. Disks live\n"
	"inside the VM's overlay, memory beside it in the pool: 'berth\n"
	"destroy' removes them with it.\n",
	.subs = snapshot_subs,
	.nsubs = ARRAY_SIZE(snapshot_subs),
};

static int cmd_snapshot_save_exec(struct cmd_ctx *ctx, int argc, char **argv);
static int cmd_snapshot_restore_exec(struct cmd_ctx *ctx, int argc,
				     char **argv);
static int cmd_snapshot_list_exec(struct cmd_ctx *ctx, int argc, char **argv);
static int cmd_snapshot_delete_exec(struct cmd_ctx *ctx, int argc,
				    char **argv);

static const struct cmd_entry cmd_snapshot_save_entry = {
	.name = "snapshot save",
	.usage = "[--disk-only] NAME",
	.summary = "save the VM as NAME: its disk, and its memory if it runs",
	.options = snapshot_save_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_snapshot_save_exec,
};

static const struct cmd_entry cmd_snapshot_restore_entry = {
	.name = "snapshot restore",
	.usage = "NAME",
	.summary = "put the VM back as NAME was, and bring it all up",
	.help =
	"What the VM holds now is lost: save it first if it matters.\n",
	.needs = NEED_WORKSPACE,
	.exec = cmd_snapshot_restore_exec,
};

static const struct cmd_entry cmd_snapshot_list_entry = {
	.name = "snapshot list",
	.usage = "[--json]",
	.summary = "list the snapshots: name, time, size, and what they hold",
	.options = snapshot_list_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_snapshot_list_exec,
};

static const struct cmd_entry cmd_snapshot_delete_entry = {
	.name = "snapshot delete",
	.usage = "NAME",
	.summary = "delete a snapshot",
	.needs = NEED_WORKSPACE,
	.exec = cmd_snapshot_delete_exec,
};

/* The one NAME argument, checked: it goes into QEMU and qemu-img. */
static const char *
name_arg(const struct cmd_entry *e, int argc, char **argv, void *opts,
	 int *status)
{
	if ((*status = cmd_parse(e, argc, argv, opts, -1)) >= 0)
		return NULL;
	if (optind + 1 != argc) {
		*status = cmd_usage_error(e, optind >= argc ? "which snapshot?"
					  : "one snapshot at a time");
		return NULL;
	}
	if (!spec_valid_name(argv[optind], NAME_MAX_LEN)) {
		*status = cmd_usage_error(e, "'%s' is not a snapshot name: use "
					  "lower-case letters, digits, '-' and "
					  "'_'", argv[optind]);
		return NULL;
	}
	return argv[optind];
}

static int
open_vm(struct cmd_ctx *ctx, struct machine *w)
{
	if (machine_open(&ctx->ws, w, 1) < 0)
		return -1;
	if (ctx->ws.docker.host) {
		err_set("workspace '%s' has no VM: its stack runs on %s",
			ctx->ws.name, ctx->ws.docker.host);
		return -1;
	}
	if (!w->dom) {
		err_set("workspace '%s' has no VM yet", ctx->ws.name);
		err_hint("run 'berth up' first");
		return -1;
	}
	return 0;
}

static int
cmd_snapshot_save_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct machine w;
	struct snapshot_save_opts o = { 0 };
	const char *name = name_arg(&cmd_snapshot_save_entry, argc, argv, &o,
				    &argc);
	double t0 = clock_now();
	char *why = NULL;
	int running, ret;

	if (!name)
		return argc;
	if (open_vm(ctx, &w) < 0 || snapshot_save(&w, name, !o.disk_only,
						  &running, &why) < 0)
		ret = cmd_failf("cannot save snapshot '%s'", name);
	else {
		if (why)
			report_note("the memory of the VM is not in '%s', "
				    "only its disk: %s", name, why);
		printf("saved snapshot '%s' of the %s VM%s in %.1f s\n", name,
		       running ? "running" : "halted",
		       running && !why && !o.disk_only ? ", memory and disk,"
		       : "", clock_now() - t0);
		ret = EXIT_OK;
	}
	free(why);
	machine_close(&w);
	return ret;
}

static int
cmd_snapshot_restore_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct machine w;
	const char *name = name_arg(&cmd_snapshot_restore_entry, argc, argv,
				    NULL, &argc);
	double t0 = clock_now();
	char *why = NULL;
	int r;

	if (!name)
		return argc;
	r = open_vm(ctx, &w) < 0 ? -1 : snapshot_restore(&w, name, &why);
	machine_close(&w);
	if (why)
		report_note("the memory of '%s' could not be restored: %s; "
			    "the VM boots from its disk", name, why);
	free(why);
	if (r < 0)
		return cmd_failf("cannot restore snapshot '%s'", name);
	if (r > 0)
		printf("restored snapshot '%s', memory and disk, in %.1f s; "
		       "checking the stack\n", name, clock_now() - t0);
	else
		printf("restored the disk of snapshot '%s' in %.1f s; bringing "
		       "the workspace up\n", name, clock_now() - t0);
	fflush(stdout);
	interrupt_catch();
	if (cli_up(ctx, MACHINE_UP_TIMEOUT_S, NULL) < 0)
		return EXIT_FAIL;
	printf("snapshot '%s' restored and up in %.1f s\n", name,
	       clock_now() - t0);
	return EXIT_OK;
}

static int
cmd_snapshot_delete_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct machine w;
	const char *name = name_arg(&cmd_snapshot_delete_entry, argc, argv,
				    NULL, &argc);
	int ret;

	if (!name)
		return argc;
	if (open_vm(ctx, &w) < 0 || snapshot_delete(&w, name) < 0)
		ret = cmd_failf("cannot delete snapshot '%s'", name);
	else {
		printf("deleted snapshot '%s'\n", name);
		ret = EXIT_OK;
	}
	machine_close(&w);
	return ret;
}

static int
cmd_snapshot_list_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct snapshot_list_opts o = { 0 };
	struct machine w;
	json_t *list = NULL, *s;
	size_t i;
	int json, ret;

	if ((ret = cmd_parse(&cmd_snapshot_list_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	ret = EXIT_FAIL;
	json = o.json;
	if (machine_open(&ctx->ws, &w, 0) < 0 ||
	    (w.dom ? snapshot_list(&w, &list) : 0) < 0) {
		ret = cmd_failf("cannot list the snapshots of '%s'", ctx->ws.name);
		goto out;
	}
	if (!list)
		list = json_array();
	if (json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (!json_array_size(list)) {
		printf("workspace '%s' has no snapshots\n", ctx->ws.name);
	} else {
		printf("%-20s %-21s %10s  %s\n", "NAME", "TIME", "SIZE", "VM");
		json_array_foreach(list, i, s) {
			char size[32];

			spec_format_size((uint64_t)json_integer_value(
				json_object_get(s, "size")), size, sizeof(size));
			printf("%-20s %-21s %10s  %s\n",
			       json_string_value(json_object_get(s, "name")),
			       json_string_value(json_object_get(s, "time")), size,
			       json_is_true(json_object_get(s, "memory"))
			       ? "running, with memory"
			       : json_is_true(json_object_get(s, "running"))
			       ? "running, disk only" : "halted");
		}
	}
	ret = EXIT_OK;
out:
	json_decref(list);
	machine_close(&w);
	return ret;
}
