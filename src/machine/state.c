/* state.c: .berth/state.json, written atomically (temp, fsync, rename),
 * and .berth/lock. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "state.h"
#include "util.h"

/* The default environment's state is .berth/ itself, as before there
 * were environments; another's is .berth/env/NAME/. */
static char *
env_state_dir(const struct ws *ws)
{
	if (ws_env_is_default(ws))
		return path_join(ws->dir, STATE_DIR);
	return xasprintf("%s/" STATE_DIR "/env/%s", ws->dir, ws->env);
}

/* A cluster's node K has its own in the environment's, nodes/K/. */
char *
state_dir(const struct ws *ws)
{
	char *env = env_state_dir(ws), *ret;

	if (!ws->node)
		return env;
	ret = xasprintf("%s/nodes/%d", env, ws->node);
	free(env);
	return ret;
}

char *
state_path(const struct ws *ws, const char *name)
{
	char *dir = state_dir(ws), *p;

	if (!ws_env_is_default(ws) || ws->node) {
		char *top = path_join(ws->dir, STATE_DIR);
		char *envs = path_join(top, "env"), *env = env_state_dir(ws);
		char *nodes = path_join(env, "nodes");

		mkdir(top, 0700);
		if (!ws_env_is_default(ws))
			mkdir(envs, 0700);
		mkdir(env, 0700);
		if (ws->node)
			mkdir(nodes, 0700);
		free(nodes);
		free(env);
		free(envs);
		free(top);
	}
	mkdir(dir, 0700);
	p = path_join(dir, name);
	free(dir);
	return p;
}

void
state_envs(const struct ws *ws, struct strlist *out)
{
	char *top = path_join(ws->dir, STATE_DIR), *envs;
	struct dirent *de;
	DIR *d;

	envs = path_join(top, "env");
	/* the default's state is what .berth/ holds beside env/ */
	if ((d = opendir(top))) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			    strcmp(de->d_name, "env") &&
			    !strlist_has(out, WS_ENV_DEFAULT))
				strlist_push(out, WS_ENV_DEFAULT);
		closedir(d);
	}
	if ((d = opendir(envs))) {
		while ((de = readdir(d)))
			if (ws_env_valid(de->d_name) &&
			    !strlist_has(out, de->d_name))
				strlist_push(out, de->d_name);
		closedir(d);
	}
	free(envs);
	free(top);
}

int
state_env_made(const struct ws *ws)
{
	char *dir = state_dir(ws);
	struct dirent *de;
	int made = 0;
	DIR *d;

	if ((d = opendir(dir))) {
		while (!made && (de = readdir(d)))
			made = strcmp(de->d_name, ".") &&
			       strcmp(de->d_name, "..") &&
			       strcmp(de->d_name, "lock") &&
			       strcmp(de->d_name, STATE_RUN_MARK);
		closedir(d);
	}
	free(dir);
	return made;
}

int
state_remove(const struct ws *ws)
{
	char *top = path_join(ws->dir, STATE_DIR), *envs;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	envs = path_join(top, "env");
	if (!ws_env_is_default(ws) || ws->node) {
		char *dir = state_dir(ws);

		ret = rm_rf(dir);
		free(dir);
	} else if ((d = opendir(top))) {
		/* everything but the other environments' */
		while (ret == 0 && (de = readdir(d))) {
			char *p;

			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, "..") ||
			    !strcmp(de->d_name, "env"))
				continue;
			p = path_join(top, de->d_name);
			ret = rm_rf(p);
			free(p);
		}
		closedir(d);
	}
	/* gone when it held nothing else */
	rmdir(envs);
	rmdir(top);
	free(envs);
	free(top);
	return ret;
}

static void
new_id(char *id)
{
	unsigned char raw[4];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t i;

	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw))
		fatal("cannot read /dev/urandom");
	close(fd);
	for (i = 0; i < sizeof(raw); i++)
		snprintf(id + i * 2, 3, "%02x", raw[i]);
}

static void
fresh(const struct ws *ws, struct ws_state *st)
{
	new_id(st->id);
	st->domain = xasprintf("berth-%s-%s", ws->name, st->id);
}

/*
 * A state file that cannot be read (a crash mid-write on a filesystem
 * without atomic rename, a bad edit) is kept beside as state.json.corrupt,
 * never deleted; what it held is recovered from the domain's metadata
 * (machine_adopt) and the containers' labels.
 */
static int
set_aside(const struct ws *ws, struct ws_state *st, const char *path,
	  const char *why)
{
	char *kept = xasprintf("%s.corrupt", path);

	if (rename(path, kept) < 0) {
		err_set("the workspace state '%s' is unreadable (%s), and "
			"cannot be moved aside: %s", path, why,
			strerror(errno));
		err_hint("move it away yourself; berth then recovers the "
			 "workspace from its VM's metadata");
		free(kept);
		return -1;
	}
	report_note("berth: the workspace state was unreadable (%s); kept it "
		    "as %s and recovering from the VM's metadata", why, kept);
	free(kept);
	fresh(ws, st);
	return 0;
}

static char *
jstr(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? xstrdup(v) : NULL;
}

int
state_load(const struct ws *ws, struct ws_state *st)
{
	char *path = state_path(ws, "state.json");
	json_error_t jerr;
	json_t *o, *ports;
	const char *id;
	size_t i;
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if (!path_exists(path)) {
		fresh(ws, st);
		free(path);
		return 0;
	}
	if (!(o = json_load_file(path, 0, &jerr))) {
		ret = set_aside(ws, st, path, jerr.text);
		free(path);
		return ret;
	}
	id = json_string_value(json_object_get(o, "id"));
	if (!id || strlen(id) >= sizeof(st->id) || !*id ||
	    strspn(id, "0123456789abcdef") != strlen(id)) {
		ret = set_aside(ws, st, path, "it has no valid id");
		goto out;
	}
	strcpy(st->id, id);
	st->exists = 1;
	st->domain = jstr(o, "domain");
	st->accel = jstr(o, "accel");
	st->box_name = jstr(o, "box_name");
	st->box_version = jstr(o, "box_version");
	st->vm_hash = jstr(o, "vm_hash");
	st->provisioned = jstr(o, "provisioned");
	st->warm = jstr(o, "warm");
	st->warm_pending = json_is_true(json_object_get(o, "warm_pending"));
	st->cloud_init_off = json_is_true(json_object_get(o, "cloud_init_off"));
	st->fstab_folders = jstr(o, "fstab_folders");
	st->started_at = jstr(o, "started_at");
	st->ssh_host = jstr(o, "ssh_host");
	st->ssh_port = (int)json_integer_value(json_object_get(o, "ssh_port"));
	st->docker_port = (int)json_integer_value(json_object_get(o,
							"docker_port"));
	ports = json_object_get(o, "vm_ports");
	st->nvm_ports = json_array_size(ports);
	st->vm_ports = xcalloc(st->nvm_ports + 1, sizeof(int));
	for (i = 0; i < st->nvm_ports; i++)
		st->vm_ports[i] = (int)json_integer_value(json_array_get(ports,
									  i));
	if (!st->domain)
		st->domain = xasprintf("berth-%s-%s", ws->name, st->id);
	ret = 0;
out:
	json_decref(o);
	free(path);
	return ret;
}

static void
set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

int
state_save(const struct ws *ws, const struct ws_state *st)
{
	char *path = state_path(ws, "state.json"), *text;
	json_t *o = json_object(), *ports = json_array();
	size_t i;
	int ret;

	json_object_set_new(o, "id", json_string(st->id));
	set_str(o, "workspace", ws->name);
	set_str(o, "environment", ws->env);
	set_str(o, "berthfile", ws->file);
	set_str(o, "domain", st->domain);
	set_str(o, "accel", st->accel);
	set_str(o, "box_name", st->box_name);
	set_str(o, "box_version", st->box_version);
	set_str(o, "vm_hash", st->vm_hash);
	set_str(o, "provisioned", st->provisioned);
	set_str(o, "warm", st->warm);
	if (st->warm_pending)
		json_object_set_new(o, "warm_pending", json_true());
	if (st->cloud_init_off)
		json_object_set_new(o, "cloud_init_off", json_true());
	set_str(o, "fstab_folders", st->fstab_folders);
	set_str(o, "started_at", st->started_at);
	set_str(o, "ssh_host", st->ssh_host);
	json_object_set_new(o, "ssh_port", json_integer(st->ssh_port));
	json_object_set_new(o, "docker_port", json_integer(st->docker_port));
	for (i = 0; i < st->nvm_ports; i++)
		json_array_append_new(ports, json_integer(st->vm_ports[i]));
	json_object_set_new(o, "vm_ports", ports);
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ret = write_file_atomic(path, text, strlen(text), 0600);
	free(text);
	json_decref(o);
	free(path);
	return ret;
}

void
state_release(struct ws_state *st)
{
	free(st->domain);
	free(st->accel);
	free(st->vm_ports);
	free(st->box_name);
	free(st->box_version);
	free(st->vm_hash);
	free(st->fstab_folders);
	free(st->provisioned);
	free(st->warm);
	free(st->started_at);
	free(st->ssh_host);
	memset(st, 0, sizeof(*st));
}

int
state_lock(const struct ws *ws, int *fd)
{
	char *path = state_path(ws, "lock");
	int ret = -1;

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0) {
		err_set("cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			err_set("cannot lock '%s': %s", path, strerror(errno));
			goto out;
		}
		report_note("waiting for another berth command in this "
			    "workspace to finish...");
		while (flock(*fd, LOCK_EX) < 0)
			if (errno != EINTR || berth_interrupted) {
				err_set("gave up waiting for the lock on '%s'",
					path);
				goto out;
			}
	}
	ret = 0;
out:
	if (ret < 0 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	free(path);
	return ret;
}

void
state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing drops the flock */
}
