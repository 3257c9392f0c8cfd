/* paths.c: where berth finds the data it ships, and terminal colour. */

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/berth"
#endif

/*
 * $BERTH_DATADIR, else the source tree when berth runs from its build
 * folder (so scripts/try works before 'make install'), else the install.
 */
const char *
berth_datadir(void)
{
	static char found[PATH_MAX];
	char exe[PATH_MAX], *probe, *dir, *top;
	const char *env = getenv("BERTH_DATADIR");
	ssize_t n;

	if (env && *env)
		return env;
	if (found[0])
		return found;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		dir = path_dirname(exe);
		top = path_dirname(dir);
		probe = path_join(top, "templates/blank/Berthfile");
		if (path_exists(probe) && strlen(top) < sizeof(found))
			strcpy(found, top);
		free(probe);
		free(top);
		free(dir);
		if (found[0])
			return found;
	}
	strcpy(found, PKGDATADIR);
	return found;
}

int
berth_color(FILE *f)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (no && *no)
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(fileno(f));
}

char *
berth_home(void)
{
	const char *home = getenv("BERTH_HOME"), *xdg = getenv("XDG_DATA_HOME");
	const char *user = getenv("HOME");

	if (home && *home)
		return xstrdup(home);
	if (xdg && *xdg)
		return xasprintf("%s/berth", xdg);
	if (user && *user)
		return xasprintf("%s/.local/share/berth", user);
	err_set("cannot find berth's data folder: set BERTH_HOME or HOME");
	return NULL;
}
