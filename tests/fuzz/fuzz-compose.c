/* fuzz-compose.c: a compose file, hostile: YAML that explodes through
 * aliases or nests without end, values that interpolate into more, and
 * keys in every wrong place. What loads must have names that are safe to
 * use, and must turn into containers' configs. */

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "util.h"
#include "stack.h"

static void
render(const struct ws *ws)
{
	int ports[64] = { 0 };
	size_t i;

	if (!spec_valid_name(ws->name, NAME_MAX_LEN))
		__builtin_trap();
	for (i = 0; i < ws->stack.nservices; i++) {
		const struct service *svc = &ws->stack.services[i];
		struct desired d;

		if (!spec_valid_name(svc->name, NAME_MAX_LEN * 2))
			__builtin_trap();
		if (svc->nports > sizeof(ports) / sizeof(ports[0]))
			continue;
		stack_desire(ws, svc, 1, "img", NULL, NULL, ports, 1, &d);
		desired_release(&d);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_write("compose.yaml", data, size);
	struct diags d = { 0 };
	struct ws ws;

	if (ws_load(&ws, path, "compose.yaml", &d) == 0)
		render(&ws);
	ws_release(&ws);
	diags_release(&d);
	free(path);
	err_clear();
	return 0;
}
