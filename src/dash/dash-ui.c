/* dash-ui.c: the dashboard's screen: a header (workspace, VM, engine), the
 * services table coloured by health, the log pane, and the console and
 * help views. It reads the model and the view state; it changes neither. */

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dash.h"

enum { C_GOOD = 1, C_BAD, C_WARN, C_PREFIX, C_MATCH };

static int started, colour;

void
ui_start(int use_colour)
{
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	colour = use_colour && has_colors();
	if (colour) {
		start_color();
		use_default_colors();
		init_pair(C_GOOD, COLOR_GREEN, -1);
		init_pair(C_BAD, COLOR_RED, -1);
		init_pair(C_WARN, COLOR_YELLOW, -1);
		init_pair(C_PREFIX, COLOR_CYAN, -1);
		init_pair(C_MATCH, COLOR_BLACK, COLOR_YELLOW);
	}
	started = 1;
}

void
ui_end(void)
{
	if (!started)
		return;
	started = 0;
	curs_set(1);
	endwin();
}

void
ui_suspend(void)
{
	def_prog_mode();
	endwin();
}

void
ui_resume(void)
{
	reset_prog_mode();
	clearok(stdscr, TRUE);
	refresh();
}

static attr_t
pair(int p)
{
	return colour ? COLOR_PAIR(p) : 0;
}

/* Write s at (y, x), cut to the screen's width. */
static void
put(int y, int x, const char *s, attr_t a)
{
	int w = COLS - x;

	if (y < 0 || y >= LINES || w <= 0)
		return;
	attron(a);
	mvaddnstr(y, x, s, w);
	attroff(a);
}

static void
bar(int y, const char *s)
{
	move(y, 0);
	attron(A_REVERSE);
	hline(' ', COLS);
	put(y, 0, s, A_REVERSE);
	attroff(A_REVERSE);
}

static void
human(uint64_t bytes, char *out, size_t len)
{
	/* a busybox service uses a few hundred KiB: not "0M" */
	if (bytes >= (1ull << 30))
		snprintf(out, len, "%.1fG", bytes / (double)(1ull << 30));
	else if (bytes >= (10ull << 20))
		snprintf(out, len, "%.0fM", bytes / (double)(1ull << 20));
	else if (bytes >= (1ull << 20))
		snprintf(out, len, "%.1fM", bytes / (double)(1ull << 20));
	else
		snprintf(out, len, "%.0fK", bytes / 1024.0);
}

static void
draw_header(struct dash_model *m)
{
	char line[512], mem[16], max[16], up[32] = "-";
	const struct vm_view *v = &m->vm;
	int x;

	if (v->started && !strcmp(v->state, "running")) {
		long s = (long)(time(NULL) - v->started);

		snprintf(up, sizeof(up), "%ldh%02ldm", s / 3600, s / 60 % 60);
	}
	if (v->mem_used)
		human(v->mem_used, mem, sizeof(mem));
	else
		strcpy(mem, "-");	/* the guest has not said yet */
	human(v->mem_max, max, sizeof(max));
	if (!strcmp(v->state, "none"))
		snprintf(line, sizeof(line), " berth dash | %s | no VM (docker.host)",
			 m->workspace);
	else
		snprintf(line, sizeof(line), " berth dash | %s | vm %s (%s) | up %s"
			 " | cpu %.0f%% | mem %s/%s", m->workspace,
			 v->state[0] ? v->state : "?", v->accel[0] ? v->accel : "?",
			 up, v->cpu_pct, mem, max);
	bar(0, line);
	move(1, 0);
	clrtoeol();
	if (strcmp(v->state, "none") && !v->libvirt_ok) {
		snprintf(line, sizeof(line), " libvirt: %s",
			 v->libvirt_err);
		put(1, 0, line, pair(C_BAD) | A_BOLD);
		return;
	}
	snprintf(line, sizeof(line), " engine %s: ", m->engine);
	put(1, 0, line, 0);
	x = (int)strlen(line);
	if (m->engine_ok) {
		put(1, x, "connected", pair(C_GOOD));
		if (v->ports[0]) {
			snprintf(line, sizeof(line), " | %s", v->ports);
			put(1, x + 9, line, 0);
		}
	} else if (!m->engine_err[0]) {	/* not yet answered once */
		put(1, x, "connecting", pair(C_WARN));
	} else {
		snprintf(line, sizeof(line), "lost (%s), reconnecting",
			 m->engine_err);
		put(1, x, line, pair(C_BAD) | A_BOLD);
	}
}

static attr_t
row_colour(const struct svc_view *v)
{
	if (!strcmp(v->health, "unhealthy") || !strcmp(v->state, "exited") ||
	    !strcmp(v->state, "dead"))
		return pair(C_BAD);
	if (!strcmp(v->health, "starting") || !strcmp(v->state, "restarting") ||
	    !strcmp(v->state, "created") || !strcmp(v->state, "paused"))
		return pair(C_WARN);
	return pair(C_GOOD);
}

/* The table's rows: up to half the screen, scrolled to the selection. */
static int
table_height(const struct dash_model *m)
{
	int most = (LINES - 5) / 2;

	if (most < 1)
		most = 1;
	return (int)m->nsvcs < most ? (int)(m->nsvcs ? m->nsvcs : 1) : most;
}

/* A Swarm's tasks: the node each runs on, instead of what only the
 * engine of that node could say (restarts, CPU, memory). */
static int
has_nodes(const struct dash_model *m)
{
	size_t k;

	for (k = 0; k < m->nsvcs; k++)
		if (m->svcs[k].node[0])
			return 1;
	return 0;
}

static void
draw_table(struct dash_model *m, struct ui_state *s, int y)
{
	int h = table_height(m), i, first = 0, nodes = has_nodes(m);
	char line[512];

	if (nodes)
		snprintf(line, sizeof(line), " %-16s %-10s %-9s %-24s %s",
			 "SERVICE", "STATE", "HEALTH", "NODE", "PORTS");
	else
		snprintf(line, sizeof(line), " %-16s %-10s %-9s %3s %6s %7s  %s",
			 "SERVICE", "STATE", "HEALTH", "RST", "CPU%", "MEM",
			 "PORTS");
	move(y, 0);
	clrtoeol();
	put(y, 0, line, A_BOLD);
	if ((int)s->selected >= h)
		first = (int)s->selected - h + 1;
	for (i = 0; i < h; i++) {
		size_t k = (size_t)(first + i);
		const struct svc_view *v;
		char name[64], cpu[16], mem[16];

		move(y + 1 + i, 0);
		clrtoeol();
		if (k >= m->nsvcs) {
			if (!m->nsvcs && i == 0)
				put(y + 1, 1, m->engine_ok ? "no containers: "
				    "'u' lays the stack out" : "-", A_DIM);
			continue;
		}
		v = &m->svcs[k];
		snprintf(name, sizeof(name), "%s/%d", v->service, v->replica);
		if (v->cpu_pct >= 0)
			snprintf(cpu, sizeof(cpu), "%.1f", v->cpu_pct);
		else
			strcpy(cpu, "-");
		if (v->mem)
			human(v->mem, mem, sizeof(mem));
		else
			strcpy(mem, "-");
		if (nodes)
			snprintf(line, sizeof(line), " %-16.16s %-10s %-9s "
				 "%-24.24s %s", name, v->state,
				 v->health[0] ? v->health : "-",
				 v->node[0] ? v->node : "-", v->ports);
		else
			snprintf(line, sizeof(line), " %-16.16s %-10s %-9s %3d "
				 "%6s %7s  %s", name, v->state,
				 v->health[0] ? v->health : "-", v->restarts,
				 cpu, mem, v->ports);
		put(y + 1 + i, 0, line, row_colour(v) |
		    (k == s->selected ? A_REVERSE : 0));
	}
}

static int
line_matches(const struct log_line *l, const struct ui_state *s,
	     const char *service)
{
	return !s->focus || !service || !strcmp(l->service, service);
}

/* One log line, its prefix coloured and the search term highlighted. */
static void
draw_log_line(int y, const struct log_line *l, const struct ui_state *s,
	      int width)
{
	const char *t = l->text, *hit;
	size_t n = strlen(s->search);
	int x;

	move(y, 0);
	clrtoeol();
	put(y, 0, l->prefix, pair(C_PREFIX));
	x = (int)strlen(l->prefix) > width ? (int)strlen(l->prefix) : width;
	put(y, x, " | ", pair(C_PREFIX));
	x += 3;
	while (n && (hit = strstr(t, s->search)) && x < COLS) {
		char *before = xstrndup(t, (size_t)(hit - t));

		put(y, x, before, 0);
		x += (int)strlen(before);
		free(before);
		before = xstrndup(hit, n);
		put(y, x, before, colour ? pair(C_MATCH) : A_REVERSE);
		free(before);
		x += (int)n;
		t = hit + n;
	}
	put(y, x, t, 0);
}

int
ui_log_height(void)
{
	return LINES > 8 ? LINES - 8 : 1;
}

static void
draw_logs(struct dash_model *m, struct ui_state *s, int y)
{
	const char *service = s->focus && s->selected < m->nsvcs
		? m->svcs[s->selected].service : NULL;
	int h = LINES - 1 - (y + 1), row;
	size_t i = m->logs.n, skipped = 0, k;
	unsigned long fresh = 0;
	char title[256];
	int width = 3;

	/* prefixes line up: as wide as the widest service (and replica) */
	for (k = 0; k < m->nsvcs; k++) {
		int w = (int)strlen(m->svcs[k].service) +
			(m->svcs[k].replica > 1 ? 3 : 0);

		if (w > width)
			width = w;
	}

	/* newest first, from the bottom of the pane up */
	row = y + h;
	while (i > 0 && row > y) {
		const struct log_line *l = log_ring_get(&m->logs, --i);

		if (!line_matches(l, s, service))
			continue;
		if (s->paused && l->seq > s->anchor) {
			fresh++;
			continue;
		}
		if (skipped < s->scroll) {
			skipped++;
			continue;
		}
		draw_log_line(row--, l, s, width);
	}
	for (; row > y; row--) {
		move(row, 0);
		clrtoeol();
	}
	snprintf(title, sizeof(title), " logs: %s | %s%s%s%s", service ? service
		 : "all services", s->paused ? "paused" : "following",
		 s->paused && fresh ? ", new lines below" : "",
		 s->search[0] ? " | search: " : "", s->search);
	bar(y, title);
}

static void
draw_bottom(struct dash_model *m, struct ui_state *s)
{
	move(LINES - 1, 0);
	clrtoeol();
	if (s->prompt[0])
		put(LINES - 1, 0, s->prompt, A_BOLD);
	else if (m->message[0])
		put(LINES - 1, 0, m->message, 0);
	else
		put(LINES - 1, 0, " enter logs  r restart  s stop/start  e shell"
		    "  u apply  c console  ? help  q quit", A_DIM);
}

static void
draw_console(struct ui_state *s)
{
	FILE *f = s->console ? fopen(s->console, "r") : NULL;
	char **lines = xcalloc((size_t)LINES + 1, sizeof(char *)), buf[1024];
	int h = LINES - 2, n = 0, i;

	erase();
	bar(0, " VM console (.berth/console.log) | c or Esc: back");
	if (!f) {
		put(2, 1, s->console ? "no console log yet" :
		    "no VM: the stack runs on docker.host", 0);
	} else {
		/* the last h lines, kept in a ring */
		while (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\r\n")] = '\0';
			for (i = 0; buf[i]; i++)
				if ((unsigned char)buf[i] < 0x20)
					buf[i] = ' ';
			free(lines[n % h]);
			lines[n % h] = xstrdup(buf);
			n++;
		}
		fclose(f);
		for (i = 0; i < h && i < n; i++) {
			int k = n > h ? (n + i) % h : i;

			put(1 + i, 0, lines[k], 0);
		}
	}
	for (i = 0; i < LINES; i++)
		free(lines[i]);
	free(lines);
}

static void
draw_help(void)
{
	static const char *const keys[] = {
		"up/down, j/k   select a service",
		"enter          only its logs / all logs",
		"p, space       pause or follow the logs",
		"pgup/pgdn      scroll the logs (pauses)",
		"end, G         follow again",
		"/              search the logs; esc clears it",
		"r              restart the service (asks)",
		"s              stop or start it (asks)",
		"e              a shell in it; exit comes back",
		"u              re-apply the Berthfile",
		"E              the folder's next environment",
		"c              the VM's serial console",
		"?              this help",
		"q              quit",
	};
	int w = 52, h = (int)ARRAY_SIZE(keys) + 4, y0 = (LINES - h) / 2,
	    x0 = (COLS - w) / 2, i;

	if (y0 < 0)
		y0 = 0;
	if (x0 < 0)
		x0 = 0;
	for (i = 0; i < h && y0 + i < LINES; i++) {
		move(y0 + i, x0);
		attron(A_REVERSE);
		hline(' ', w < COLS ? w : COLS);
		attroff(A_REVERSE);
	}
	put(y0 + 1, x0 + 2, "berth dash: keys (any key closes this)",
	    A_REVERSE | A_BOLD);
	for (i = 0; i < (int)ARRAY_SIZE(keys); i++)
		put(y0 + 3 + i, x0 + 2, keys[i], A_REVERSE);
}

void
ui_draw(struct dash_model *m, struct ui_state *s)
{
	int y;

	if (s->view == VIEW_CONSOLE) {
		draw_console(s);
		refresh();
		return;
	}
	if (s->selected >= m->nsvcs && m->nsvcs)
		s->selected = m->nsvcs - 1;
	draw_header(m);
	draw_table(m, s, 2);
	y = 2 + 1 + table_height(m);
	draw_logs(m, s, y);
	draw_bottom(m, s);
	if (s->view == VIEW_HELP)
		draw_help();
	refresh();
}

enum ui_key
ui_key(int *ch)
{
	int c = getch();

	*ch = c;
	switch (c) {
	case ERR:
		return K_NONE;
	case KEY_UP:
		return K_UP;
	case KEY_DOWN:
		return K_DOWN;
	case KEY_ENTER:
	case '\r':
	case '\n':
		return K_ENTER;
	case 27:
		return K_ESC;
	case KEY_PPAGE:
		return K_PGUP;
	case KEY_NPAGE:
		return K_PGDN;
	case KEY_HOME:
		return K_HOME;
	case KEY_END:
		return K_END;
	case KEY_RESIZE:
		return K_RESIZE;
	}
	return K_CHAR;
}

int
ui_read_line(const char *prompt, char *buf, size_t len)
{
	size_t n = strlen(buf);
	int c, ret = 0;

	nodelay(stdscr, FALSE);
	curs_set(1);
	for (;;) {
		move(LINES - 1, 0);
		clrtoeol();
		put(LINES - 1, 0, prompt, A_BOLD);
		put(LINES - 1, (int)strlen(prompt), buf, 0);
		refresh();
		c = getch();
		if (c == '\r' || c == '\n' || c == KEY_ENTER)
			break;
		if (c == 27) {
			ret = -1;
			break;
		}
		if ((c == KEY_BACKSPACE || c == 127 || c == 8) && n)
			buf[--n] = '\0';
		else if (c >= 32 && c < 127 && n + 1 < len) {
			buf[n++] = (char)c;
			buf[n] = '\0';
		}
	}
	curs_set(0);
	nodelay(stdscr, TRUE);
	return ret;
}
