/*
 * debug_serial_shell.c - a shell on the serial console without a login.
 *
 * Anyone with a USB-serial adapter on the board's UART gets a root shell.
 * Rules, on /etc/inittab "id:runlevels:action:process" entries whose
 * action is interactive (respawn, askfirst, askconsole, once, wait) and
 * whose line is not a comment:
 *   shell      the process (after a leading "-", wrappers such as exec,
 *              setsid, cttyhack, and "busybox") is a shell with no script
 *              to run (only options such as -l, -i, --login):
 *              "ttyS0::respawn:/bin/sh", "::respawn:-/bin/sh",
 *              "ttyAMA0::askfirst:/bin/sh";
 *   autologin  getty/agetty/mingetty with -a USER or --autologin USER;
 *              with -l/--login-program naming a shell; or (vendor gettys,
 *              XiongMai's "getty -L ttyS000 115200 vt100 -n root -I
 *              'Auto login as root ...'") -n followed by an account name
 *              from /etc/passwd; "login -f USER" (no authentication).
 *   OpenWrt    /etc/config/system "option ttylogin '0'": the console runs
 *              /usr/libexec/login.sh, which then starts a shell without
 *              asking for a password.
 * A getty that asks for a login ("getty -L 115200 ttyS0 vt100") and
 * commented lines never fire, nor do virtual consoles (tty1..tty63: a
 * display and keyboard, not a serial port, e.g. the Debian installer's
 * "tty2::askfirst:-/bin/sh"). CRITICAL when the shell or the account is
 * root (uid 0, or the shell runs as init's root), HIGH otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/accounts.h"
#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"
#include "checks/uci.h"

static bool interactive(const char *a, size_t l)
{
	static const char *const acts[] = { "respawn", "askfirst", "askconsole", "once", "wait", NULL };
	for (const char *const *p = acts; *p; p++)
		if (strlen(*p) == l && strncmp(a, *p, l) == 0)
			return true;
	return false;
}

/* tty1..tty63: virtual consoles on a display, not a serial port. */
static bool virtual_console(const char *tty)
{
	if (strncmp(tty, "/dev/", 5) == 0)
		tty += 5;
	return strncmp(tty, "tty", 3) == 0 && tty[3] >= '0' && tty[3] <= '9' &&
	       strspn(tty + 3, "0123456789") == strlen(tty + 3);
}

static bool is_getty(const char *b)
{
	return strcmp(b, "getty") == 0 || strcmp(b, "agetty") == 0 || strcmp(b, "mingetty") == 0 ||
	       strcmp(b, "mgetty") == 0 || strcmp(b, "serial-getty") == 0 || strcmp(b, "uugetty") == 0 ||
	       strcmp(b, "fbgetty") == 0;
}

static bool is_account(const fg_accounts *a, const char *name)
{
	for (size_t i = 0; a && i < a->v.n; i++)
		if (strcmp(a->v.v[i].name, name) == 0)
			return true;
	return false;
}

static bool is_root(const fg_accounts *a, const char *name)
{
	if (strcmp(name, "root") == 0)
		return true;
	for (size_t i = 0; a && i < a->v.n; i++)
		if (strcmp(a->v.v[i].name, name) == 0)
			return a->v.v[i].uid == 0;
	return false;
}

/* A tty named among the words, for the message. */
static const char *tty_of(const fg_sh_cmd *c, size_t from, const char *id)
{
	for (size_t i = from; i < c->n; i++)
		if (strncmp(c->w[i], "tty", 3) == 0 || strncmp(c->w[i], "/dev/tty", 8) == 0 ||
		    strcmp(c->w[i], "console") == 0)
			return c->w[i];
	return id[0] ? id : "the console";
}

typedef struct verdict {
	char what[400];
	const char *user;       /* account logged in, NULL for a bare shell */
} verdict;

/* Decides whether the command C (program at P) gives a login-less shell. */
static bool judge(const fg_sh_cmd *c, size_t p, const fg_accounts *acc, const char *id, verdict *v)
{
	const char *prog = c->w[p], *b = fg_base_name(prog);
	v->user = NULL;
	if (fg_sh_is_shell(prog)) {
		for (size_t i = p + 1; i < c->n; i++)
			if (c->w[i][0] != '-')
				return false; /* runs a script */
		snprintf(v->what, sizeof(v->what), "runs a shell (%s) on %s without asking for a login",
			 prog, id[0] ? id : "the console");
		return true;
	}
	if (strcmp(b, "login") == 0) {
		for (size_t i = p + 1; i + 1 < c->n; i++)
			if (strcmp(c->w[i], "-f") == 0) {
				v->user = c->w[i + 1];
				snprintf(v->what, sizeof(v->what), "logs in %s with 'login -f' (no password)",
					 v->user);
				return true;
			}
		return false;
	}
	if (!is_getty(b))
		return false;
	const char *tty = tty_of(c, p + 1, id);
	if (virtual_console(tty))
		return false;
	const char *issue = NULL;
	for (size_t i = p + 1; i < c->n; i++) {
		const char *w = c->w[i], *next = i + 1 < c->n ? c->w[i + 1] : NULL;
		if ((strcmp(w, "-a") == 0 || strcmp(w, "--autologin") == 0) && next) {
			v->user = next;
			snprintf(v->what, sizeof(v->what), "logs %s in automatically on %s (getty %s %s)",
				 next, tty, w, next);
			return true;
		}
		if (strncmp(w, "--autologin=", 12) == 0) {
			v->user = w + 12;
			snprintf(v->what, sizeof(v->what), "logs %s in automatically on %s (getty %s)",
				 v->user, tty, w);
			return true;
		}
		if ((strcmp(w, "-l") == 0 || strcmp(w, "--login-program") == 0) && next && fg_sh_is_shell(next)) {
			snprintf(v->what, sizeof(v->what), "runs %s instead of login on %s (getty %s %s)",
				 next, tty, w, next);
			return true;
		}
		if (strcmp(w, "-I") == 0 && next)
			issue = next;
	}
	for (size_t i = p + 1; i + 1 < c->n; i++) {
		const char *next = c->w[i + 1];
		if (strcmp(c->w[i], "-n") == 0 && next[0] != '-' && is_account(acc, next)) {
			v->user = next;
			snprintf(v->what, sizeof(v->what), "skips the login prompt and logs %s in on %s "
				 "(getty -n %s%s%.80s%s)", next, tty, next, issue ? ", issue text \"" : "",
				 issue ? issue : "", issue ? "\"" : "");
			return true;
		}
	}
	return false;
}

static void check_inittab(fg_check_ctx *ctx, const fg_accounts *acc)
{
	const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, "/etc/inittab"));
	const char *t, *s;
	size_t len, l;
	if (!n || !fg_text_of(n, &t, &len))
		return;
	fg_sh_lexer *lx = malloc(sizeof(*lx));
	fg_sh_cmd *c = malloc(sizeof(*c));
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	while (lx && c && fg_line_next(&it, &s, &l)) {
		if (!l || s[0] == '#')
			continue;
		const char *f[4] = { s, NULL, NULL, NULL };
		size_t k = 1;
		for (size_t i = 0; i < l && k < 4; i++)
			if (s[i] == ':')
				f[k++] = s + i + 1;
		if (k < 4 || !interactive(f[2], (size_t)(f[3] - f[2]) - 1))
			continue;
		const char *proc = f[3];
		if (proc < s + l && *proc == '-')
			proc++;
		char id[64];
		snprintf(id, sizeof(id), "%.*s", (int)((size_t)(f[1] - s) - 1), s);
		if (virtual_console(id))
			continue;
		fg_sh_init(lx, proc, (size_t)(s + l - proc), it.no);
		if (!fg_sh_next(lx, c))
			continue;
		size_t p = 0;
		static const char *const wrappers[] = {
			"exec", "setsid", "cttyhack", "nohup", "busybox", NULL,
		};
		for (bool again = true; again && p + 1 < c->n;) {
			again = false;
			const char *b = fg_base_name(c->w[p]);
			for (const char *const *w = wrappers; *w && !again; w++)
				if (strcmp(b, *w) == 0) {
					p++;
					again = true;
				}
		}
		if (p >= c->n)
			continue;
		verdict v;
		if (!judge(c, p, acc, id, &v))
			continue;
		bool root = !v.user || is_root(acc, v.user);
		char subject[128];
		snprintf(subject, sizeof(subject), "serial:%s:%s", id, v.user ? v.user : "shell");
		fg_report_at(ctx, n, it.no, -1, root ? FG_SEV_CRITICAL : FG_SEV_HIGH, subject, NULL,
			     "/etc/inittab line %u %s: anyone with access to the serial port gets %s "
			     "shell.", it.no, v.what, root ? "a root" : "a");
	}
	free(lx);
	free(c);
}

static void check_openwrt(fg_check_ctx *ctx)
{
	const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, "/etc/config/system"));
	fg_uci *u = fg_uci_of_node(n);
	for (size_t i = 0; u && i < u->v.n; i++) {
		if (strcmp(u->v.v[i].type, "system") != 0)
			continue;
		const fg_uci_opt *o = fg_uci_get(&u->v.v[i], "ttylogin");
		if (!fg_uci_false(o))
			continue;
		fg_report_at(ctx, n, o->line, -1, FG_SEV_CRITICAL, "serial:openwrt-ttylogin", NULL,
			     "/etc/config/system sets ttylogin '%s' (line %u): OpenWrt's console "
			     "(/usr/libexec/login.sh) then starts a root shell without asking for a "
			     "password.", o->value, o->line);
	}
	fg_uci_free(u);
}

static void run(fg_check_ctx *ctx)
{
	check_inittab(ctx, fg_accounts_of(ctx));
	check_openwrt(ctx);
}

const fg_check fg_check_serial_shell = {
	.id = "debug.serial-shell",
	.title = "Shell on the serial console without login",
	.severity = FG_SEV_CRITICAL,
	.remediation = "Run a getty that asks for a login on the serial console (and give the account "
		       "a per-device password), or disable the console in production builds; on "
		       "OpenWrt set ttylogin '1'.",
	.run = run,
};
