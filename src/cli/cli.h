/* cli.h: the command line's header: the command table that main.c
 * dispatches through, and what the commands share. Library modules never
 * include it; commands include it through their modules' headers. */

#ifndef BERTH_CLI_H
#define BERTH_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "report.h"
#include "util.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* What a command needs set up before it runs; main does it once. */
enum {
	NEED_WORKSPACE = 1 << 0,	/* a Berthfile, loaded and valid */
	/* and what berth reads in it but does not act on, said on stderr
	 * (by the commands that act on the file, not by every one) */
	NEED_NOTES = 1 << 1,
	/* takes -e ENV among its own options (every NEED_WORKSPACE does) */
	NEED_ENV_OPTION = 1 << 2,
};

struct engine;
struct machine;

/* Set up by main for the command it runs. */
struct cmd_ctx {
	const char *berthfile_opt;	/* -f FILE, or NULL */
	const char *docker_host_opt;	/* -H URL: docker.host, overridden */
	int have_ws;
	struct ws ws;
	/* opened once, on first use (cmd_engine, cmd_machine); main closes */
	struct engine *engine;
	struct machine *machine;
};

/*
 * A command's options, as data: from one table come the getopt string,
 * the parsing and checking of values, the option list of --help, and
 * what 'berth help --options' gives the shell completion. Each value is
 * stored at its offset in the command's own struct of options.
 */
enum opt_type {
	OPT_FLAG,	/* an int, set to 1 */
	OPT_STRING,	/* a const char *, the argument as given */
	OPT_INT,	/* an int, at least min; def is set before parsing */
	OPT_CUSTOM,	/* parse(arg, value) takes it, 0 or -1 */
};

struct cmd_option {
	const char *name;	/* the long name, "timeout" */
	int key;		/* the short letter, or 0 */
	enum opt_type type;
	size_t offset;		/* OPT_AT(struct ..., field) */
	const char *arg;	/* the value's name in --help: "S", "FILE" */
	const char *help;	/* lines for --help, '\n' between */
	int def, min;		/* OPT_INT: default (shown) and least */
	const char *bad;	/* the usage error: "--NAME <bad>" */
	int (*parse)(const char *arg, void *value);
};
/* Rows of the table, by type; it ends with OPTIONS_END. */
#define OPTION_FLAG(n, k, st, field, h)                                     \
	{ .name = (n), .key = (k), .type = OPT_FLAG,                        \
	  .offset = offsetof(st, field), .help = (h) }
#define OPTION_STRING(n, k, st, field, a, h)                                \
	{ .name = (n), .key = (k), .type = OPT_STRING,                      \
	  .offset = offsetof(st, field), .arg = (a), .help = (h) }
#define OPTION_INT(n, k, st, field, a, h, d, least, b)                      \
	{ .name = (n), .key = (k), .type = OPT_INT,                         \
	  .offset = offsetof(st, field), .arg = (a), .help = (h),           \
	  .def = (d), .min = (least), .bad = (b) }
#define OPTION_CUSTOM(n, k, st, field, a, h, fn, b)                         \
	{ .name = (n), .key = (k), .type = OPT_CUSTOM,                      \
	  .offset = offsetof(st, field), .arg = (a), .help = (h),           \
	  .parse = (fn), .bad = (b) }
#define OPTIONS_END { .name = NULL }

struct cmd_entry {
	const char *name;
	const char *usage;	/* the arguments, after "berth NAME" */
	const char *summary;	/* one line, lower case, no period */
	const char *help;	/* details for --help, before the options */
	const struct cmd_option *options;	/* ends with { NULL } */
	int stop_at_arg;	/* options end at the first argument (exec) */
	unsigned needs;
	int (*exec)(struct cmd_ctx *ctx, int argc, char **argv);
	/* a group such as "box": its subcommands, named "box add"... */
	const struct cmd_entry *const *subs;
	size_t nsubs;
};

extern const struct cmd_entry *const cmd_table[];
extern const size_t cmd_count;

const struct cmd_entry *cmd_find(const char *name);
const char *cmd_nearest(const char *name);
/* The subcommand of group e named word ("add" in "box add"), or NULL. */
const struct cmd_entry *cmd_find_sub(const struct cmd_entry *e,
				     const char *word);
const char *cmd_nearest_sub(const struct cmd_entry *e, const char *word);
void cmd_print_help(const struct cmd_entry *e, FILE *f);
/* text with "-e ENV" put into each 'berth CMD' that works on a workspace,
 * when ENV is not the default: the command to copy is the one that works
 * on the environment the user is in. Allocated. */
char *cmd_text_in_env(const char *text);
void cmd_print_usage(const struct cmd_entry *e, FILE *f);
/* Print "berth: NAME: <msg>" and the usage line; returns EXIT_USAGE. */
int cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
	PRINTF_LIKE(2, 3);
/* Report an unknown option the way every command does; returns EXIT_USAGE. */
int cmd_bad_option(const struct cmd_entry *e, char **argv, int c);
/* For commands that take only --help: -1 when argv is fine, else the
 * usage error's exit code. */
int cmd_no_args(const struct cmd_entry *e, int argc, char **argv);
/* The workspace's engine, or its VM (locked when lock is set), opened
 * on first use and kept in ctx until cmd_close: NULL with the error set
 * when it cannot be opened. */
struct engine *cmd_engine(struct cmd_ctx *ctx);
struct machine *cmd_machine(struct cmd_ctx *ctx, int lock);
void cmd_close(struct cmd_ctx *ctx);

/* Parse e's options into values (the command's struct), leaving optind
 * at the first argument: -1 when argv is fine, else the usage error's
 * exit code (the error is printed). max_args < 0: any number. */
int cmd_parse(const struct cmd_entry *e, int argc, char **argv, void *values,
	      int max_args);
/* The option list of --help; and the options, one a line, for the
 * completion. */
void cmd_print_options(const struct cmd_entry *e, FILE *f);
void cmd_list_options(const struct cmd_entry *e, FILE *f);
/* Print the recorded error as "berth: <msg>" and its hint; returns EXIT_FAIL. */
int cmd_fail(void);
/* Print the recorded error, prefixed with what failed; returns EXIT_FAIL. */
int cmd_failf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Load the Berthfile main would load; diags are left for the caller. */
int cmd_load_workspace(struct cmd_ctx *ctx, char **path_out,
		       struct diags *d);
void diags_print(const struct diags *d, FILE *f);
/* The workspace's notes, one "berth: note: " line each, on stderr. */
void cmd_print_notes(const struct cmd_ctx *ctx);
/* cmd-env.c: DOCKER_HOST and friends for the workspace's engine. */
int cmd_env_vars(struct cmd_ctx *ctx, struct kvlist *out);
/* berth WORDS... in environment env with the settings of environment
 * settings, as this berth was pointed (-f, -H); its exit status. */
int cmd_berth_in_env(struct cmd_ctx *ctx, const char *env,
		     const char *settings, const char *const *words);
/* set in the berths that berth runs: they leave killed runs alone */
#define NO_REAP "BERTH_NO_REAP"
/* cmd-run.c: remove the environments of this folder that a killed
 * 'berth run' left. */
void cmd_reap_runs(struct cmd_ctx *ctx);

void help_print_main(FILE *f);

/* Library events shown to people: lines on stdout, warnings on stderr,
 * each whole even when several threads report at once. */
void cli_print_event(void *arg, const struct report_event *ev);
extern const struct reporter cli_report;

/* What several commands run. */
/* All of 'berth up': the VM, then the stack, under the workspace's lock;
 * errors are printed. */
int cli_up(struct cmd_ctx *ctx, int timeout_s, const char *from);
/* 'berth watch', after an up when up is set; returns an exit code. */
int cli_watch(struct cmd_ctx *ctx, int up, int timeout_s);
/* The stack on engine e, with a bundle's images loaded first. */
int cli_stack_up(struct engine *e, const struct ws *ws, int timeout_s,
		 const struct reporter *rep);
/* Print what 'up' would change, or that the VM is not up. */
int cli_plan_show(const struct ws *ws, int json);
/* A command that POSTs action (start, stop, restart) to the containers
 * of the services named, printing "NAME  done" for each. */
int cli_service_action(const struct cmd_entry *entry, struct cmd_ctx *ctx,
		       int argc, char **argv, const char *action,
		       const char *done);


extern const struct cmd_entry cmd_box_entry;
extern const struct cmd_entry cmd_bundle_entry;
extern const struct cmd_entry cmd_dash_entry;
extern const struct cmd_entry cmd_destroy_entry;
extern const struct cmd_entry cmd_down_entry;
extern const struct cmd_entry cmd_exec_entry;
extern const struct cmd_entry cmd_logs_entry;
extern const struct cmd_entry cmd_plan_entry;
extern const struct cmd_entry cmd_ps_entry;
extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_watch_entry;
extern const struct cmd_entry cmd_restart_entry;
extern const struct cmd_entry cmd_start_entry;
extern const struct cmd_entry cmd_stop_entry;
extern const struct cmd_entry cmd_sync_entry;
extern const struct cmd_entry cmd_env_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_halt_entry;
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_provision_entry;
extern const struct cmd_entry cmd_reload_entry;
extern const struct cmd_entry cmd_resume_entry;
extern const struct cmd_entry cmd_snapshot_entry;
extern const struct cmd_entry cmd_ssh_config_entry;
extern const struct cmd_entry cmd_ssh_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_suspend_entry;
extern const struct cmd_entry cmd_up_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_validate_entry;
extern const struct cmd_entry cmd_version_entry;

#endif
