/* proc.h: running another program (ssh, ssh-keygen, a box builder). */

#ifndef BERTH_PROC_H
#define BERTH_PROC_H

#include "util.h"

/*
 * Run argv, searched on PATH, and wait for it. input, when set, is fed to
 * its standard input; quiet sends all its output to /dev/null. A SIGINT or
 * SIGTERM that berth catches while it waits is passed on as SIGTERM.
 * Returns its exit status, 128 + the signal that killed it, or -1 with an
 * error.
 */
int proc_run(const struct strlist *argv, const char *input, int quiet);

#endif
