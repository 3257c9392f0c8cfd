/* timefmt.c: the clocks berth reads: UTC stamps for metadata and
 * versions, and a monotonic one for durations. */

#include <time.h>

#include "util.h"

static struct tm
utc_now(void)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	return tm;
}

char *
utc_now_iso(void)
{
	struct tm tm = utc_now();
	char buf[32];

	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

long
iso_age_s(const char *stamp)
{
	struct tm tm = { 0 };

	if (!stamp || !strptime(stamp, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -1;
	return (long)(time(NULL) - timegm(&tm));
}

char *
utc_now_version(void)
{
	struct tm tm = utc_now();
	char buf[32];

	strftime(buf, sizeof(buf), "%Y%m%d.%H%M%S", &tm);
	return xstrdup(buf);
}

double
clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
