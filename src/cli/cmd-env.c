/* cmd-env.c: the environment that points the stock docker CLI at the
 * workspace VM's engine: eval "$(berth env)"; docker ps. */

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "machine.h"

static int cmd_env_exec(struct cmd_ctx *ctx, int argc, char **argv);

struct env_opts {
	const char *shell;
	int unset;
};

static const struct cmd_option env_options[] = {
	OPTION_STRING("shell", 0, struct env_opts, shell, "S",
		      "sh (default), fish, or json"),
	OPTION_FLAG("unset", 0, struct env_opts, unset,
		    "print the commands that remove the variables"),
	OPTIONS_END,
};

const struct cmd_entry cmd_env_entry = {
	.name = "env",
	.usage = "[--shell sh|fish|json] [--unset]",
	.summary = "print DOCKER_HOST and friends for the VM's Docker engine",
	.help =
	"eval \"$(berth env)\" makes the docker CLI drive the VM's engine over\n"
	"mutual TLS; eval \"$(berth env --unset)\" undoes it.\n",
	.options = env_options,
	.needs = NEED_WORKSPACE,
	.exec = cmd_env_exec,
};

static const char *const var_names[] = { "DOCKER_HOST", "DOCKER_TLS_VERIFY",
				    "DOCKER_CERT_PATH" };

static void
put(const char *shell, const char *name, const char *value, int last)
{
	if (!strcmp(shell, "fish"))
		printf("set -gx %s '%s';\n", name, value);
	else if (!strcmp(shell, "json"))
		printf("  \"%s\": \"%s\"%s\n", name, value, last ? "" : ",");
	else
		printf("export %s='%s'\n", name, value);
}

int
cmd_env_vars(struct cmd_ctx *ctx, struct kvlist *out)
{
	struct ws_state st;
	char *host, *certs;

	if (ctx->ws.docker.host) {
		/* an engine of the user's own: point at it as configured */
		kvlist_set(out, "DOCKER_HOST", ctx->ws.docker.host);
		return 0;
	}
	if (state_load(&ctx->ws, &st) < 0)
		return -1;
	if (!st.exists || !st.docker_port) {
		state_release(&st);
		err_set("workspace '%s' has no VM yet", ctx->ws.name);
		return err_hint("run 'berth up' first");
	}
	host = machine_docker_host(&st);
	certs = state_path(&ctx->ws, "docker");
	kvlist_set(out, "DOCKER_HOST", host);
	kvlist_set(out, "DOCKER_TLS_VERIFY", "1");
	kvlist_set(out, "DOCKER_CERT_PATH", certs);
	free(certs);
	free(host);
	state_release(&st);
	return 0;
}

static int
cmd_env_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct env_opts o = { .shell = "sh" };
	const char *shell;
	struct kvlist got = { 0 };
	int r;
	size_t i;

	if ((r = cmd_parse(&cmd_env_entry, argc, argv, &o, -1)) >= 0)
		return r;
	shell = o.shell;
	if (strcmp(shell, "sh") && strcmp(shell, "fish") &&
	    strcmp(shell, "json"))
		return cmd_usage_error(&cmd_env_entry, "unknown shell '%s': use "
				       "sh, fish or json", shell);
	if (o.unset) {
		for (i = 0; i < ARRAY_SIZE(var_names); i++) {
			if (!strcmp(shell, "fish"))
				printf("set -e %s;\n", var_names[i]);
			else if (!strcmp(shell, "sh"))
				printf("unset %s\n", var_names[i]);
		}
		if (!strcmp(shell, "json"))
			printf("{}\n");
		return EXIT_OK;
	}
	if (cmd_env_vars(ctx, &got) < 0)
		return cmd_fail();
	if (!strcmp(shell, "json"))
		printf("{\n");
	for (i = 0; i < got.n; i++)
		put(shell, got.v[i].key, got.v[i].value, i + 1 == got.n);
	if (!strcmp(shell, "json"))
		printf("}\n");
	else if (!strcmp(shell, "sh") && !ctx->ws.docker.host)
		printf("# eval \"$(berth env)\" to drive the VM's engine\n");
	kvlist_release(&got);
	return EXIT_OK;
}
