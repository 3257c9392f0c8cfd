/* cmd-version.c: berth's version and the libraries it runs with. */

#include <archive.h>
#include <curl/curl.h>
#include <jansson.h>
#include <libconfig.h>
#include <libisofs/libisofs.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "machine.h"

static int cmd_version_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct version_opts {
	int json;
};

static const struct cmd_option version_options[] = {
	OPTION_FLAG("json", 0, struct version_opts, json,
		    "print one JSON object"),
	OPTIONS_END,
};

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "[--json]",
	.summary = "print the versions of berth and its libraries",
	.help =
	"Bug reports need these: they show what berth was built and runs "
	"with.\n",
	.options = version_options,
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
	struct version_opts o = { 0 };
	json_t *obj;
	const char *key;
	json_t *val;
	int ret;

	(void)ctx;
	if ((ret = cmd_parse(&cmd_version_entry, argc, argv, &o, 0)) >= 0)
		return ret;
	obj = json_object();
	add_versions(obj);
	if (o.json) {
		json_dumpf(obj, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		json_object_foreach(obj, key, val)
			printf("%-11s %s\n", key, json_string_value(val));
	}
	ret = EXIT_OK;
	json_decref(obj);
	return ret;
}
