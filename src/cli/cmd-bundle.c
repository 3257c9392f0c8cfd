/* cmd-bundle.c: 'berth bundle', and its create and open commands. */

#include <getopt.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "bundle.h"

struct bundle_create_opts {
	int with_images;
};

static const struct cmd_option bundle_create_options[] = {
	OPTION_FLAG("with-images", 'i', struct bundle_create_opts, with_images,
		    "include the stack's images"),
	OPTIONS_END,
};

static const struct cmd_entry cmd_bundle_create_entry;
static const struct cmd_entry cmd_bundle_open_entry;

static const struct cmd_entry *const bundle_subs[] = {
	&cmd_bundle_create_entry,
	&cmd_bundle_open_entry,
};

const struct cmd_entry cmd_bundle_entry = {
	.name = "bundle",
	.usage = "COMMAND [ARGS]",
	.summary = "pack the workspace into one file that reproduces it elsewhere",
	.help =
	"A bundle holds the Berthfile and the build contexts and env files it\n"
	"names, each service's image ID and digests, 'berth ps --json', the\n"
	"last 1000 log lines of each container, the VM's console log, and the\n"
	"versions of berth, libvirt, QEMU and the engine; with --with-images,\n"
	"the images too, so it reproduces offline. It never holds .berth/:\n"
	"no TLS key, SSH key or seed.\n",
	.subs = bundle_subs,
	.nsubs = ARRAY_SIZE(bundle_subs),
};

static int cmd_bundle_create_exec(struct cmd_ctx *ctx, int argc, char **argv);
static int cmd_bundle_open_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct cmd_entry cmd_bundle_create_entry = {
	.name = "bundle create",
	.usage = "FILE [--with-images]",
	.summary = "write the workspace's bundle to FILE (a .tar.gz)",
	.help =
	"The stack's engine must answer: 'berth up' first.\n",
	.options = bundle_create_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_bundle_create_exec,
};

static const struct cmd_entry cmd_bundle_open_entry = {
	.name = "bundle open",
	.usage = "FILE [DIR]",
	.summary = "unpack a bundle into a new workspace folder",
	.help =
	"DIR defaults to ./<workspace>-bundle. 'berth up' there lays the same\n"
	"stack out, loading the bundle's images so the same image IDs run,\n"
	"and says which services run another image. What the bundle could\n"
	"not carry (a box that is not here, images left out) is said first.\n",
	.exec = cmd_bundle_open_exec,
};

static int
cmd_bundle_create_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct bundle_create_opts o = { 0 };
	double t0 = clock_now();
	struct stat st;
	int images, r;

	if ((r = cmd_parse(&cmd_bundle_create_entry, argc, argv, &o, -1)) >= 0)
		return r;
	images = o.with_images;
	if (optind + 1 != argc)
		return cmd_usage_error(&cmd_bundle_create_entry, optind >= argc
				       ? "where to? such as 'berth bundle create "
				       "bug-1234.tar.gz'" : "one file at a time");
	if (bundle_create(&ctx->ws, argv[optind], images, &cli_report) < 0)
		return cmd_failf("cannot bundle '%s'", ctx->ws.name);
	stat(argv[optind], &st);
	printf("wrote %s (%.1f %s%s) in %.1f s: 'berth bundle open %s' "
	       "unpacks it\n", argv[optind], st.st_size >= 1048576
	       ? st.st_size / 1048576.0 : st.st_size / 1024.0,
	       st.st_size >= 1048576 ? "MiB" : "KiB",
	       images ? ", with images" : "", clock_now() - t0, argv[optind]);
	return EXIT_OK;
}

static int
cmd_bundle_open_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	char *dir = NULL;
	int r;

	(void)ctx;
	if ((r = cmd_parse(&cmd_bundle_open_entry, argc, argv, NULL, -1)) >= 0)
		return r;
	if (optind >= argc || argc - optind > 2)
		return cmd_usage_error(&cmd_bundle_open_entry, optind >= argc
				       ? "which bundle?" : "a bundle and a folder, "
				       "at most");
	if (bundle_open(argv[optind], argc - optind == 2 ? argv[optind + 1]
			: NULL, &dir, &cli_report) < 0)
		return cmd_failf("cannot open '%s'", argv[optind]);
	printf("opened into %s: 'cd %s && berth up' brings it up\n", dir, dir);
	free(dir);
	return EXIT_OK;
}
