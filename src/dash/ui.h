/* ui.h: the dashboard's screen, the only code that speaks curses. It
 * draws the model and the view state, and turns keys into ui_key values. */

#ifndef BERTH_UI_H
#define BERTH_UI_H

#include "dash.h"

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
