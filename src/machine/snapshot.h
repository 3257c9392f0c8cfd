/* snapshot.h: save a workspace's VM disk, return to it, list, delete. */

#ifndef BERTH_SNAPSHOT_H
#define BERTH_SNAPSHOT_H

#include <jansson.h>

#include "machine.h"

/* Running or halted; *was_running says which it was. */
int snapshot_save(struct machine *w, const char *name, int *was_running);
/* Stops the VM if it runs, and puts its disk back as it was. */
int snapshot_restore(struct machine *w, const char *name);
int snapshot_delete(struct machine *w, const char *name);
/* [{name, time, size, running}], oldest first. */
int snapshot_list(struct machine *w, json_t **out);

#endif
