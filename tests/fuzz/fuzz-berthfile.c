/* fuzz-berthfile.c: Berthfile parsing and validation, as written and as
 * environment "test" (its overrides merged), then what a valid one turns
 * into: the domain XML and every container's config. A name
 * that passes validation must be one that is safe in XML, shell lines
 * and paths, so the target checks that too. */

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "util.h"
#include "stack.h"
#include "vm-xml.h"

static void
check_names(const struct ws *ws)
{
	size_t i;

	if (!spec_valid_name(ws->name, WS_ENV_NAME_MAX))
		__builtin_trap();
	for (i = 0; i < ws->stack.nservices; i++)
		if (!spec_valid_name(ws->stack.services[i].name, NAME_MAX_LEN))
			__builtin_trap();
}

static void
render(const struct ws *ws)
{
	struct ws_state st = { .id = "0123abcd", .domain = "berth-fuzz",
			       .ssh_port = 2222, .docker_port = 2376 };
	struct vm_plan plan = { .accel = "qemu", .pool = "default",
				.overlay = "o.qcow2", .seed = "s.iso",
				.console_log = "/tmp/console.log" };
	struct strbuf xml;
	int ports[64] = { 0 };
	size_t i;

	sb_init(&xml, 0);
	vm_domain_xml(ws, &st, &plan, &xml);
	sb_release(&xml);
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		struct desired d;

		if (svc->nports > sizeof(ports) / sizeof(ports[0]))
			continue;
		stack_desire(ws, svc, 1, "img", NULL, NULL, ports, 1, &d);
		desired_release(&d);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_write("Berthfile", data, size);
	struct diags d = { 0 };
	struct ws ws;
	int pass;

	/* as written, then as environment "test", whose settings in
	 * environments.test are merged over it */
	for (pass = 0; pass < 2; pass++) {
		if (pass)
			setenv("BERTH_ENV", "test", 1);
		if (ws_load(&ws, path, "Berthfile", &d) == 0) {
			check_names(&ws);
			render(&ws);
		}
		ws_release(&ws);
		diags_release(&d);
		memset(&d, 0, sizeof(d));
	}
	unsetenv("BERTH_ENV");
	free(path);
	err_clear();
	return 0;
}
