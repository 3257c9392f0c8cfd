/* bundle.h: a workspace in one archive, to hand to someone else. */

#ifndef BERTH_BUNDLE_H
#define BERTH_BUNDLE_H

#include "stack.h"

/* Write FILE (tar.gz): configuration, ps, logs, console, versions; and
 * the stack's images with with_images. */
int bundle_create(const struct ws *ws, const char *file, int with_images,
		  const struct reporter *rep);
/* Unpack FILE into dir (or ./<workspace>-bundle); *dir_out says where.
 * Tells rep what the bundle could not carry (a box that is not here...). */
int bundle_open(const char *file, const char *dir, char **dir_out,
		const struct reporter *rep);
/* In a workspace opened from a bundle: load its images into the engine
 * when some are missing there, so that 'up' runs the same image IDs. */
int bundle_load_images(struct engine *e, const struct ws *ws,
		       const struct reporter *rep);
/* After 'up': say which services run another image than the bundle had. */
void bundle_report(struct engine *e, const struct ws *ws,
		   const struct reporter *rep);

#endif
