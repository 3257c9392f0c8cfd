/* progress.h: a one-line progress bar on a terminal, silent elsewhere. */

#ifndef BERTH_PROGRESS_H
#define BERTH_PROGRESS_H

#include <stdint.h>

struct progress {
	char label[64];
	int tty;
	double start, last;
	uint64_t offset;	/* bytes done before this run (a resume) */
};

void progress_init(struct progress *p, const char *label);
/* Redraws at most ten times a second; total 0 means unknown. */
void progress_update(struct progress *p, uint64_t done, uint64_t total);
void progress_finish(struct progress *p, uint64_t done);

/* "1.5 GiB" */
void format_bytes(uint64_t n, char *buf, size_t len);

#endif
