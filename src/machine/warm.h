/* warm.h: warm images. A box version is booted once per VM shape to
 * Docker-ready, with no workspace identity in it, and saved with its
 * memory; a new workspace is a restore of that, not a boot. */

#ifndef BERTH_WARM_H
#define BERTH_WARM_H

#include "up.h"

/* What berth writes, in a form the guest agent runs; bumped when that
 * changes, so that older warm images are made again. */
#define WARM_VERSION "5"

/* A warm image: its pool volumes, the domain that makes it, its lock. */
struct warm {
	char *key;		/* the box version and VM shape, hashed */
	char *disk;		/* the frozen disk: workspaces' overlays' base */
	char *save;		/* the saved memory (libvirt save image) */
	char *seed;		/* its cloud-init seed (nothing of a workspace) */
	char *accel;		/* "kvm" or "tcg" */
	int ready;		/* made; else this up makes it */
	int lock_fd;
};

/* Restore refused (another QEMU, another CPU): boot cold instead. */
#define WARM_REFUSED -2

/* Does a new workspace come from a warm image? 1 and w filled, or 0 with
 * the reason in *why (NULL when there is nothing to say). */
int warm_applies(struct up_run *u, struct warm *w, const char **why);
/* Take the image's lock; ready, or its disk and seed made for this up to
 * make the image. */
int warm_ensure(struct up_run *u, struct warm *w);
/* The workspace's domain, defined with plan and restored from the warm
 * image, or booted to make it; its folders plugged in and its identity
 * given: 0, -1, or WARM_REFUSED. */
int warm_start(struct up_run *u, struct warm *w, struct vm_plan *plan);
/* Remove a warm image (refused, or made for nothing). */
void warm_forget(struct up_run *u, struct warm *w);
void warm_release(struct warm *w);

/* save-image.c: a libvirt save image under another name and UUID. */
int save_image_retarget(struct vm_conn *v, const char *vol, const char *name,
			const char *uuid);

#endif
