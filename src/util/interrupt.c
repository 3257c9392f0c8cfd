/* interrupt.c: turn SIGINT and SIGTERM into a flag that long loops check,
 * so that an interrupted command still runs its cleanup. */

#include <signal.h>
#include <string.h>

#include "util.h"

volatile sig_atomic_t berth_interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	/* a count, so that a child's wait can tell a signal of its own */
	if (berth_interrupted < 1000)
		berth_interrupted++;
}

void
interrupt_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
