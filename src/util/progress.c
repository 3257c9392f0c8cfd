/* progress.c: bytes, rate and ETA on one redrawn line of stderr. */

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

void
format_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

void
progress_init(struct progress *p, const char *label)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->tty = isatty(STDERR_FILENO);
	p->start = p->last = clock_now();
}

void
progress_update(struct progress *p, uint64_t done, uint64_t total)
{
	double t = clock_now(), rate;
	char d[32], tot[32], r[32], eta[32] = "";

	if (!p->tty || t - p->last < 0.1)
		return;
	p->last = t;
	rate = t > p->start ? (double)(done - p->offset) / (t - p->start) : 0;
	format_bytes(done, d, sizeof(d));
	format_bytes((uint64_t)rate, r, sizeof(r));
	if (total && rate > 0 && total > done) {
		unsigned long s = (unsigned long)((double)(total - done) / rate);

		snprintf(eta, sizeof(eta), "  ETA %lu:%02lu", s / 60, s % 60);
	}
	if (total) {
		format_bytes(total, tot, sizeof(tot));
		fprintf(stderr, "\r\033[K%s  %s / %s (%d%%)  %s/s%s", p->label,
			d, tot, (int)(done * 100 / total), r, eta);
	} else {
		fprintf(stderr, "\r\033[K%s  %s  %s/s", p->label, d, r);
	}
	fflush(stderr);
}

void
progress_finish(struct progress *p, uint64_t done)
{
	char d[32];

	if (!p->tty)
		return;
	format_bytes(done, d, sizeof(d));
	fprintf(stderr, "\r\033[K%s  %s in %.1f s\n", p->label, d,
		clock_now() - p->start);
}
