/* agent.c: the QEMU guest agent, over its virtio-serial channel: a way
 * into the guest that needs no network, no SSH key and no address. */

#include <jansson.h>
#include <libvirt/libvirt-qemu.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "vm.h"

/* One command; its "return" (to json_decref), or NULL with the error set. */
static json_t *
agent_call(virDomainPtr dom, json_t *cmd, int timeout_s)
{
	char *text = json_dumps(cmd, JSON_COMPACT), *reply;
	json_t *doc, *ret = NULL;

	json_decref(cmd);
	if (!text) {
		err_set("out of memory");
		return NULL;
	}
	reply = virDomainQemuAgentCommand(dom, text, timeout_s, 0);
	free(text);
	if (!reply) {
		err_set("the guest agent did not answer: %s", vm_last_error());
		return NULL;
	}
	doc = json_loads(reply, 0, NULL);
	free(reply);
	if (doc && (ret = json_object_get(doc, "return")))
		json_incref(ret);
	else
		err_set("the guest agent answered something else than a result");
	json_decref(doc);
	return ret;
}

int
agent_wait(virDomainPtr dom, int timeout_s)
{
	double end = clock_now() + timeout_s;
	json_t *r;

	while (!berth_interrupted) {
		vm_errors_quiet();
		if ((r = agent_call(dom, json_pack("{s:s}", "execute",
						   "guest-ping"), 2))) {
			json_decref(r);
			return 0;
		}
		if (clock_now() > end)
			break;
		usleep(250000);
	}
	err_set("the guest agent did not answer within %d s", timeout_s);
	return err_tag(ERR_TIMEOUT);
}

static char *
base64(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* The decoded text of a base64 field, appended to out. */
static void
add_decoded(struct strbuf *out, json_t *field)
{
	const char *b64 = json_string_value(field);
	size_t n = b64 ? strlen(b64) : 0;
	unsigned char *buf;
	int len;

	if (!n || n % 4)
		return;
	buf = xmalloc(n / 4 * 3 + 1);
	if ((len = EVP_DecodeBlock(buf, (const unsigned char *)b64,
				   (int)n)) > 0) {
		/* EVP_DecodeBlock counts the padding as bytes */
		while (n && b64[n - 1] == '=') {
			n--;
			len--;
		}
		sb_add(out, buf, (size_t)len);
	}
	free(buf);
}

long long
agent_sh_start(virDomainPtr dom, const char *script)
{
	char *input = base64(script, strlen(script));
	json_t *r;
	json_int_t pid;

	/* the script on stdin: its secrets are never on a command line */
	r = agent_call(dom, json_pack("{s:s,s:{s:s,s:[s],s:s,s:b}}",
				      "execute", "guest-exec", "arguments",
				      "path", "/bin/sh", "arg", "-s",
				      "input-data", input, "capture-output",
				      1), 10);
	free(input);
	if (!r)
		return -1;
	pid = json_integer_value(json_object_get(r, "pid"));
	json_decref(r);
	return pid > 0 ? (long long)pid : err_set("the guest agent started "
						  "no process");
}

int
agent_sh_wait(virDomainPtr dom, long long pid, int timeout_s,
	      struct strbuf *output)
{
	json_t *status = NULL;
	double end = clock_now() + timeout_s;
	int code = -1;

	/* not too often: the agent logs every call, at a cost in the guest */
	while (!berth_interrupted && clock_now() < end) {
		status = agent_call(dom, json_pack("{s:s,s:{s:I}}", "execute",
						   "guest-exec-status",
						   "arguments", "pid",
						   (json_int_t)pid), 10);
		if (!status)
			return -1;
		if (json_is_true(json_object_get(status, "exited")))
			break;
		json_decref(status);
		status = NULL;
		usleep(250000);
	}
	if (!status) {
		err_set("a command through the guest agent did not end "
			"within %d s", timeout_s);
		return err_tag(ERR_TIMEOUT);
	}
	if (output) {
		add_decoded(output, json_object_get(status, "out-data"));
		add_decoded(output, json_object_get(status, "err-data"));
	}
	if (json_is_integer(json_object_get(status, "exitcode")))
		code = (int)json_integer_value(json_object_get(status,
							       "exitcode"));
	json_decref(status);
	return code < 0 ? 128 : code;
}

int
agent_sh(virDomainPtr dom, const char *script, int timeout_s,
	 struct strbuf *output)
{
	long long pid = agent_sh_start(dom, script);

	return pid < 0 ? -1 : agent_sh_wait(dom, pid, timeout_s, output);
}

void
agent_clock_script(struct strbuf *sh)
{
	struct timespec now;

	/* not the agent's guest-set-time: it also writes the RTC, which
	 * takes seconds under TCG */
	clock_gettime(CLOCK_REALTIME, &now);
	sb_addf(sh, "date -u -s @%lld.%03ld >/dev/null\n",
		(long long)now.tv_sec, now.tv_nsec / 1000000);
}

int
agent_clock_sync(virDomainPtr dom)
{
	struct strbuf sh = STRBUF_INIT;
	long long pid;

	agent_clock_script(&sh);
	pid = agent_sh_start(dom, sh.buf);
	sb_release(&sh);
	return pid < 0 ? -1 : 0;
}
