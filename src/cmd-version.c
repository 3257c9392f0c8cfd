/* cmd-version.c: berth's version and the libraries it runs with. */

#include <archive.h>
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <libconfig.h>
#include <libisofs/libisofs.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "berth.h"
#include "vm.h"

static int cmd_version_exec(struct cmd_ctx *ctx, int argc, char **argv);

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "[--json]",
	.summary = "print the versions of berth and its libraries",
	.help =
	"Bug reports need these: they show what berth was built and runs "
	"with.\n\n"
	"options:\n"
	"  --json   print one JSON object\n",
	.exec = cmd_version_exec,
};

static void
add_versions(json_t *obj)
{
	char *lv = vm_libvirt_version();
	int maj, min, mic;
	char buf[64];

	json_object_set_new(obj, "berth", json_string(PACKAGE_VERSION));
	if (lv)
		json_object_set_new(obj, "libvirt", json_string(lv));
	free(lv);
	json_object_set_new(obj, "libcurl",
			    json_string(curl_version_info(CURLVERSION_NOW)
					->version));
	snprintf(buf, sizeof(buf), "%d.%d.%d", LIBCONFIG_VER_MAJOR,
		 LIBCONFIG_VER_MINOR, LIBCONFIG_VER_REVISION);
	json_object_set_new(obj, "libconfig", json_string(buf));
	json_object_set_new(obj, "jansson", json_string(jansson_version_str()));
	json_object_set_new(obj, "openssl",
			    json_string(OpenSSL_version(OPENSSL_VERSION)));
	json_object_set_new(obj, "libarchive",
			    json_string(archive_version_string()));
	iso_lib_version(&maj, &min, &mic);
	snprintf(buf, sizeof(buf), "%d.%d.%d", maj, min, mic);
	json_object_set_new(obj, "libisofs", json_string(buf));
}

static int
cmd_version_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *obj = json_object();
	const char *key;
	json_t *val;
	int c, json = 0, ret = EXIT_USAGE;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
		if (c != 'j') {
			ret = cmd_bad_option(&cmd_version_entry, argv, c);
			goto out;
		}
		json = 1;
	}
	if (optind < argc) {
		ret = cmd_usage_error(&cmd_version_entry,
				      "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	add_versions(obj);
	if (json) {
		json_dumpf(obj, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		json_object_foreach(obj, key, val)
			printf("%-11s %s\n", key, json_string_value(val));
	}
	ret = EXIT_OK;
out:
	json_decref(obj);
	return ret;
}
