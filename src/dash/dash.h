/* dash.h: the dashboard's model, which collectors fill (libvirt, the
 * Engine API) and the screen only reads. */

#ifndef BERTH_DASH_H
#define BERTH_DASH_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "util.h"

#define LOG_RING_LINES 5000

struct svc_view {
	char *container;	/* ws-web-1 */
	char *service;
	int replica;
	char id[72];
	char state[16];		/* running, exited, restarting... */
	char health[16];	/* healthy, unhealthy, starting, or "" */
	int restarts;
	char ports[64];		/* 127.0.0.1:8080->80 */
	char node[48];		/* a Swarm task's node, or "" */
	double cpu_pct;		/* from the stats stream; <0: none yet */
	uint64_t mem;
	int seen;		/* still listed by the engine */
};

struct log_line {
	unsigned long seq;	/* 1, 2, ...: which line this is, ever */
	char *service;		/* for the focus filter */
	char *prefix;		/* web, or web-2 with replicas */
	char *text;
};

struct log_ring {
	struct log_line v[LOG_RING_LINES];
	size_t start, n;	/* oldest first: v[(start + i) % cap] */
	unsigned long total;	/* lines ever added: tells the UI what is new */
};

struct vm_view {
	int exists;
	char state[24];		/* running, shut off, paused... or "" */
	char accel[8];
	char ports[128];	/* ssh 127.0.0.1:2222, docker ... */
	time_t started;		/* 0: unknown */
	double cpu_pct;		/* of its vCPUs, from libvirt's cpu time */
	uint64_t mem_used, mem_max;	/* bytes */
	int libvirt_ok;
	char libvirt_err[160];
};

struct dash_model {
	pthread_mutex_t lock;	/* the libvirt event thread writes too */
	char *workspace;
	char *engine;		/* where the stack runs, for the header */
	int engine_ok;
	char engine_err[160];
	struct vm_view vm;
	struct svc_view *svcs;
	size_t nsvcs, alloc;
	struct log_ring logs;
	char message[160];	/* the last action's result */
	int changed;		/* something to redraw */
};

void dash_model_init(struct dash_model *m, const struct ws *ws);
void dash_model_release(struct dash_model *m);
void log_ring_add(struct log_ring *r, const char *service, const char *prefix,
		  const char *text, size_t len);
const struct log_line *log_ring_get(const struct log_ring *r, size_t i);
/* Set the message line; takes the model's lock itself. */
void dash_message(struct dash_model *m, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* The collectors: connections, streams and the 1 Hz statistics, filled
 * into the model (under its lock) on threads of their own. */
struct collector;
struct collector *collector_new(struct dash_model *m, const struct ws *ws);
void collector_free(struct collector *c);
/* Wait, at most timeout_ms, for fds[] (such as the terminal) or for a
 * collector's word that the model changed. fds_ready[i] says which of
 * fds[] is readable. */
int collector_poll(struct collector *c, const int *fds, int nfds,
		   int *fds_ready, int timeout_ms);
/* Actions on a container, in the background: the result is a message. */
void collector_action(struct collector *c, const char *container,
		      const char *action);

/* The screen (dash-ui.c), the only code that speaks curses: it draws the
 * model and the view state, and turns keys into ui_key values. */
enum ui_view { VIEW_MAIN, VIEW_CONSOLE, VIEW_HELP };

struct ui_state {
	enum ui_view view;
	size_t selected;	/* a row of the services table */
	int focus;		/* logs of the selected service only */
	int paused;		/* not following: the view stays put */
	unsigned long anchor;	/* the newest line shown while paused */
	size_t scroll;		/* lines further back than the anchor */
	char search[64];	/* highlighted in the logs */
	char prompt[160];	/* a question on the bottom line */
	const char *console;	/* the VM's console log, or NULL */
};

enum ui_key {
	K_NONE, K_CHAR, K_UP, K_DOWN, K_ENTER, K_ESC, K_PGUP, K_PGDN,
	K_HOME, K_END, K_RESIZE,
};

void ui_start(int colour);
/* Put the terminal back as it was; safe to call twice, and at exit. */
void ui_end(void);
/* Leave the screen for a program (a shell), and come back. */
void ui_suspend(void);
void ui_resume(void);
void ui_draw(struct dash_model *m, struct ui_state *s);
/* The next key, without waiting: K_NONE when there is none. */
enum ui_key ui_key(int *ch);
/* Read a line on the bottom row; 0, or -1 when Esc cancelled it. */
int ui_read_line(const char *prompt, char *buf, size_t len);
/* Lines the log pane shows, for paging. */
int ui_log_height(void);

#endif
