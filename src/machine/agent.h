/* agent.h: the QEMU guest agent (qemu-guest-agent in berth's boxes). */

#ifndef BERTH_AGENT_H
#define BERTH_AGENT_H

#include <libvirt/libvirt.h>

#include "util.h"

/* Wait until the agent answers a ping; -1 (ERR_TIMEOUT) after timeout_s. */
int agent_wait(virDomainPtr dom, int timeout_s);
/* Run a shell script as root in the guest (given on stdin): its exit
 * code, its stdout and stderr appended to output when not NULL; -1 when
 * it could not be run or did not end within timeout_s. */
int agent_sh(virDomainPtr dom, const char *script, int timeout_s,
	     struct strbuf *output);
/* The same in two halves, to do something else while it runs: the
 * process's pid, or -1; then agent_sh's result. */
long long agent_sh_start(virDomainPtr dom, const char *script);
int agent_sh_wait(virDomainPtr dom, long long pid, int timeout_s,
		  struct strbuf *output);
/* A line of shell that sets the guest's clock to the host's of now. */
void agent_clock_script(struct strbuf *sh);
/* The guest's clock set to the host's, not waited for: a guest restored
 * or resumed has the time it was stopped at. 0, or -1 (no agent). */
int agent_clock_sync(virDomainPtr dom);

#endif
