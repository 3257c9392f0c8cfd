/* fetch.h: downloads over http(s) with libcurl, resumable. */

#ifndef BERTH_FETCH_H
#define BERTH_FETCH_H

int fetch_is_url(const char *s);

/*
 * Download url to dest. Bytes arrive in dest.part, which a later call
 * resumes with an HTTP Range request; dest appears only when complete.
 */
int fetch_url(const char *url, const char *dest);

#endif
