/*
 * svc_telnet.c - a telnet server started at boot.
 *
 * Telnet sends the login and the whole session in clear text; a device
 * that starts telnetd at boot exposes a shell to its network.
 *
 * Only text configuration and scripts are read (a file with a NUL byte in
 * its first 4 KiB is skipped), so a busybox binary that merely contains
 * the string "telnetd" never matters. The rules:
 *
 *   inittab    /etc/inittab "id:runlevels:action:process": a process field
 *              (action not "off") whose command starts telnetd.
 *   inetd      /etc/inetd.conf: a non-comment entry whose service is
 *              "telnet" or whose server program is a telnetd.
 *   xinetd     /etc/xinetd.conf, /etc/xinetd.d/ *: a service block for
 *              telnet (by name or server) without "disable = yes".
 *   systemd    a .service or .socket linked from a *.wants or *.requires
 *              directory of /etc/systemd/system, /lib/systemd/system or
 *              /usr/lib/systemd/system, whose ExecStart (or, for a socket,
 *              whose service's ExecStart) starts telnetd, or a socket
 *              named telnet*.
 *   scripts    a shell command that starts telnetd, in a script that runs
 *              at boot. A script is proven to run at boot when it is
 *                - /etc/rc.local, /etc/rcS, /etc/init.d/rcS, /etc/rc.d/rc.local,
 *                  /etc/rc.d/rcS, /etc/rc.sysinit or /etc/rc.d/rc.sysinit;
 *                - /etc/init.d/S<nn>*: busybox rcS runs /etc/init.d/S??*;
 *                - the target of an S* entry of /etc/rc.d (OpenWrt),
 *                  /etc/rc.d/rc{S,1-5}.d or /etc/rc{S,1-5}.d (sysvinit);
 *                - run from inittab or called by path from a proven script.
 *              Other scripts in /etc/init.d and /etc/rc.d are still
 *              reported, at MEDIUM, saying boot could not be proven --
 *              except OpenWrt scripts (START= or "#!/bin/sh /etc/rc.common")
 *              when /etc/rc.d holds S* links: then the missing link means
 *              the service is disabled, and nothing is reported.
 *
 * A command starts telnetd when, after keywords (if, then, do, !, ...),
 * variable assignments and wrappers (exec, nohup, env, nice, setsid,
 * sudo), its program is telnetd, utelnetd or in.telnetd (also through a
 * variable assigned earlier in the file), or "busybox telnetd",
 * "start-stop-daemon --start ... --exec telnetd", "procd_set_param command
 * telnetd", "service_start telnetd", or "sh -c"/"eval" of such a command.
 * Everything else is not a start: comments, echo/printf text, kill,
 * killall, pkill, pidof, grep, test and every other program, heredoc
 * bodies and case patterns.
 *
 * One finding per file, at the first starting command; the subject is
 * "telnetd:" + the file's path so the fingerprint survives line changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check.h"
#include "core/vec.h"

#define TEXT_PROBE 4096              /* NUL bytes here mean "binary" */
#define MAX_TEXT (4u << 20)          /* bytes of one file that are read */
#define MAX_WORDS 24
#define MAX_WORD 256
#define MAX_VARS 32
#define MAX_CALLS 32
#define MAX_SCRIPTS 4096
#define MAX_NEST 2                   /* sh -c "sh -c '...'" */

/* ---- words and files ---------------------------------------------------- */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool is_telnetd(const char *prog)
{
	const char *b = base_name(prog);
	return strcmp(b, "telnetd") == 0 || strcmp(b, "utelnetd") == 0 ||
	       strcmp(b, "in.telnetd") == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Text content of N, capped, or false for non-files and binaries. */
static bool text_of(const fg_node *n, const char **text, size_t *len)
{
	n = fg_node_content(n);
	if (!n || !n->data)
		return false;
	size_t probe = n->data_len < TEXT_PROBE ? n->data_len : TEXT_PROBE;
	if (memchr(n->data, 0, probe))
		return false;
	*text = (const char *)n->data;
	*len = n->data_len < MAX_TEXT ? n->data_len : MAX_TEXT;
	return true;
}

/* Start offset and length of 1-based line NO, without the line ending. */
static bool find_line(const char *t, size_t len, unsigned no, size_t *start, size_t *llen)
{
	size_t p = 0;
	for (unsigned i = 1; i < no; i++) {
		const char *nl = memchr(t + p, '\n', len - p);
		if (!nl)
			return false;
		p = (size_t)(nl - t) + 1;
	}
	if (p > len)
		return false;
	const char *nl = memchr(t + p, '\n', len - p);
	size_t e = nl ? (size_t)(nl - t) : len;
	if (e > p && t[e - 1] == '\r')
		e--;
	*start = p;
	*llen = e - p;
	return true;
}

/* ---- a small shell lexer -------------------------------------------------
 *
 * Enough of POSIX sh to split a script into simple commands: quotes,
 * escapes, line continuations, $(...) and `...`, comments, separators
 * (; & && | || newline ( )), redirections, heredocs (skipped) and case
 * patterns (skipped). It works on the whole text, so a quoted string or
 * a command spanning lines is one unit. Words are truncated at MAX_WORD
 * and commands at MAX_WORDS; nothing is ever read past the buffer.
 */

typedef struct lexer {
	const char *s;
	size_t len, pos;
	unsigned line;
	int paren;              /* open ( subshells */
	int case_depth;
	bool expect_pattern;    /* after "case x in" or ";;" */
	char heredoc[4][64];
	bool heredoc_tabs[4];
	size_t nheredoc;
} lexer;

typedef struct command {
	char w[MAX_WORDS][MAX_WORD];
	size_t n;
	unsigned line;          /* of the first word */
} command;

typedef struct wordbuf {
	char *s;
	size_t k;
} wordbuf;

static int peek(const lexer *lx, size_t ahead)
{
	return lx->pos + ahead < lx->len ? (unsigned char)lx->s[lx->pos + ahead] : -1;
}

static void adv(lexer *lx)
{
	if (lx->pos < lx->len) {
		if (lx->s[lx->pos] == '\n')
			lx->line++;
		lx->pos++;
	}
}

static void put(wordbuf *b, int c)
{
	if (b->k < MAX_WORD - 1)
		b->s[b->k++] = (char)c;
}

/* Copies a quoted or nested region up to CLOSE, honouring backslashes. */
static void read_until(lexer *lx, wordbuf *b, char close, bool escapes)
{
	while (lx->pos < lx->len && lx->s[lx->pos] != close) {
		if (escapes && lx->s[lx->pos] == '\\' && peek(lx, 1) >= 0) {
			adv(lx);
			if (lx->s[lx->pos] != '\n')
				put(b, lx->s[lx->pos]);
			adv(lx);
			continue;
		}
		put(b, lx->s[lx->pos]);
		adv(lx);
	}
	adv(lx); /* the closing character, if any */
}

/* $( ... ) with nesting; quotes inside are skipped whole. Kept raw. */
static void read_subst(lexer *lx, wordbuf *b)
{
	int depth = 0;
	while (lx->pos < lx->len) {
		int c = lx->s[lx->pos];
		if (c == '\'' || c == '"') {
			put(b, c);
			adv(lx);
			read_until(lx, b, (char)c, c == '"');
			put(b, c);
			continue;
		}
		put(b, c);
		adv(lx);
		if (c == '(')
			depth++;
		else if (c == ')' && --depth <= 0)
			return;
	}
}

static bool is_word_end(int c)
{
	return c < 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' ||
	       c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>';
}

/* Reads one word, removing quotes. *FD is set when it is the number of a
 * redirection ("2" of "2>&1"), which the caller drops. */
static void read_word(lexer *lx, char *out, bool *fd)
{
	wordbuf b = { out, 0 };
	bool quoted = false;
	while (!is_word_end(peek(lx, 0))) {
		int c = lx->s[lx->pos];
		if (c == '\\') {
			adv(lx);
			if (peek(lx, 0) >= 0 && lx->s[lx->pos] != '\n')
				put(&b, lx->s[lx->pos]);
			adv(lx);
		} else if (c == '\'' || c == '"') {
			quoted = true;
			adv(lx);
			read_until(lx, &b, (char)c, c == '"');
		} else if (c == '`') {
			put(&b, c);
			adv(lx);
			read_until(lx, &b, '`', true);
			put(&b, '`');
		} else if (c == '$' && peek(lx, 1) == '(') {
			put(&b, '$');
			adv(lx);
			read_subst(lx, &b);
		} else if (c == '$' && peek(lx, 1) == '{') {
			put(&b, '$');
			put(&b, '{');
			adv(lx);
			adv(lx);
			read_until(lx, &b, '}', false);
			put(&b, '}');
		} else {
			put(&b, c);
			adv(lx);
		}
	}
	out[b.k] = '\0';
	int next = peek(lx, 0);
	*fd = !quoted && b.k > 0 && strspn(out, "0123456789") == b.k && (next == '<' || next == '>');
}

static void skip_blanks(lexer *lx)
{
	for (;;) {
		int c = peek(lx, 0);
		if (c == ' ' || c == '\t' || c == '\r') {
			adv(lx);
		} else if (c == '\\' && peek(lx, 1) == '\n') {
			adv(lx);
			adv(lx);
		} else if (c == '\\' && peek(lx, 1) == '\r' && peek(lx, 2) == '\n') {
			adv(lx);
			adv(lx);
			adv(lx);
		} else {
			return;
		}
	}
}

static void skip_to_eol(lexer *lx)
{
	while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
		adv(lx);
}

/* Heredoc bodies are data, never commands: skip to each delimiter line. */
static void skip_heredocs(lexer *lx)
{
	for (size_t i = 0; i < lx->nheredoc; i++) {
		while (lx->pos < lx->len) {
			size_t start = lx->pos;
			skip_to_eol(lx);
			size_t end = lx->pos;
			adv(lx);
			if (lx->heredoc_tabs[i])
				while (start < end && lx->s[start] == '\t')
					start++;
			if (end > start && lx->s[end - 1] == '\r')
				end--;
			if (end - start == strlen(lx->heredoc[i]) &&
			    memcmp(lx->s + start, lx->heredoc[i], end - start) == 0)
				break;
		}
	}
	lx->nheredoc = 0;
}

/* At '<', '>' or "&>": drops the operator and its target word. */
static void skip_redirection(lexer *lx)
{
	char word[MAX_WORD];
	bool fd;
	if (peek(lx, 0) == '<' && peek(lx, 1) == '<' && peek(lx, 2) != '<') {
		adv(lx);
		adv(lx);
		bool tabs = peek(lx, 0) == '-';
		if (tabs)
			adv(lx);
		skip_blanks(lx);
		read_word(lx, word, &fd);
		if (word[0] && lx->nheredoc < 4) {
			snprintf(lx->heredoc[lx->nheredoc], sizeof(lx->heredoc[0]), "%.63s", word);
			lx->heredoc_tabs[lx->nheredoc++] = tabs;
		}
		return;
	}
	for (int i = 0; i < 3 && strchr("<>&|", peek(lx, 0) > 0 ? peek(lx, 0) : 'x'); i++)
		adv(lx);
	skip_blanks(lx);
	if (!is_word_end(peek(lx, 0)))
		read_word(lx, word, &fd);
}

static void add_word(command *c, const char *w, unsigned line)
{
	if (c->n == 0)
		c->line = line;
	if (c->n < MAX_WORDS)
		snprintf(c->w[c->n++], MAX_WORD, "%s", w);
}

/* Handles one separator character; true when it ends a non-empty command. */
static bool separator(lexer *lx, command *c, int ch)
{
	adv(lx);
	if (ch == '\n') {
		skip_heredocs(lx);
	} else if (ch == ';') {
		if (peek(lx, 0) == ';' || peek(lx, 0) == '&') {
			adv(lx);
			if (peek(lx, 0) == '&')
				adv(lx);
			if (lx->case_depth > 0)
				lx->expect_pattern = true;
		}
	} else if (ch == '&' || ch == '|') {
		if (peek(lx, 0) == ch)
			adv(lx);
		if (lx->expect_pattern) /* "a|b)" alternatives of a pattern */
			return false;
	} else if (ch == '(') {
		if (lx->expect_pattern) /* "(pattern)" form */
			return false;
		skip_blanks(lx);
		if (c->n == 1 && peek(lx, 0) == ')') { /* "name() {": a definition, not a call */
			adv(lx);
			c->n = 0;
			return false;
		}
		lx->paren++;
	} else if (ch == ')') {
		if (lx->expect_pattern) { /* end of a case pattern: drop its words */
			lx->expect_pattern = false;
			c->n = 0;
			return false;
		}
		if (lx->paren > 0)
			lx->paren--;
	}
	return c->n > 0;
}

/* The next simple command; false at the end of the text. */
static bool next_command(lexer *lx, command *c)
{
	c->n = 0;
	for (;;) {
		skip_blanks(lx);
		int ch = peek(lx, 0);
		if (ch < 0)
			return c->n > 0;
		if (ch == '#') { /* always at a word start here */
			skip_to_eol(lx);
			continue;
		}
		if (ch == '<' || ch == '>' || (ch == '&' && peek(lx, 1) == '>')) {
			skip_redirection(lx);
			continue;
		}
		if (strchr("\n;&|()", ch)) {
			if (separator(lx, c, ch))
				return true;
			continue;
		}
		char word[MAX_WORD];
		bool fd;
		unsigned line = lx->line;
		read_word(lx, word, &fd);
		if (fd)
			continue;
		if (c->n == 0 && lx->case_depth > 0 && strcmp(word, "esac") == 0) {
			lx->case_depth--;
			lx->expect_pattern = false;
			continue;
		}
		if (lx->expect_pattern)
			continue;
		add_word(c, word, line);
		if (c->n == 3 && strcmp(c->w[0], "case") == 0 && strcmp(word, "in") == 0) {
			lx->case_depth++;
			lx->expect_pattern = true;
			return true;
		}
	}
}

/* ---- commands that start telnetd ---------------------------------------- */

typedef struct var {
	char name[32];
	char value[MAX_WORD];
} var;

typedef struct scan {
	var vars[MAX_VARS];
	size_t nvars;
	bool openwrt_start;         /* "START=" assignment: an OpenWrt init script */
	bool follow_any_args;       /* inittab: every program it names runs */
	unsigned start_line;        /* first command starting telnetd, 0 if none */
	char calls[MAX_CALLS][MAX_WORD]; /* scripts it runs, by absolute path */
	size_t ncalls;
} scan;

static void scan_text(scan *sc, const char *text, size_t len, unsigned first_line,
		      unsigned fixed_line, int depth);

static bool is_assignment(const char *w)
{
	size_t n = strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	return n > 0 && w[n] == '=' && !(w[0] >= '0' && w[0] <= '9');
}

static void set_var(scan *sc, const char *w)
{
	size_t n = strcspn(w, "=");
	if (n >= sizeof(sc->vars[0].name))
		return;
	if (n == 5 && strncmp(w, "START", 5) == 0)
		sc->openwrt_start = true;
	var *v = NULL;
	for (size_t i = 0; i < sc->nvars && !v; i++)
		if (strlen(sc->vars[i].name) == n && strncmp(sc->vars[i].name, w, n) == 0)
			v = &sc->vars[i];
	if (!v && sc->nvars < MAX_VARS)
		v = &sc->vars[sc->nvars++];
	if (!v)
		return;
	snprintf(v->name, sizeof(v->name), "%.*s", (int)n, w);
	snprintf(v->value, sizeof(v->value), "%s", w + n + 1);
}

/* "$NAME" or "${NAME}" of a variable assigned in the file -> its value. */
static const char *expand(const scan *sc, const char *w)
{
	if (w[0] != '$')
		return w;
	const char *name = w + 1;
	size_t n;
	if (*name == '{') {
		name++;
		n = strcspn(name, "}");
		if (name[n] != '}' || name[n + 1])
			return w;
	} else {
		n = strlen(name);
	}
	for (size_t i = 0; i < sc->nvars; i++)
		if (strlen(sc->vars[i].name) == n && strncmp(sc->vars[i].name, name, n) == 0)
			return sc->vars[i].value;
	return w;
}

static bool word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

/* Words that precede the program without being it. */
static const char *const keywords[] = {
	"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "time",
	"fi", "done", "exec", "nohup", "setsid", "command", "builtin", "sudo", NULL,
};
static const char *const declarers[] = {
	"export", "local", "readonly", "declare", "typeset", NULL,
};
static const char *const shells[] = { "sh", "ash", "bash", "dash", "hush", "ksh", NULL };

/* Index of the program word of C from index I, skipping keywords,
 * assignments and wrappers; C->n when there is none. */
static size_t program_index(scan *sc, const command *c, size_t i)
{
	while (i < c->n) {
		const char *w = c->w[i];
		if (is_assignment(w)) {
			set_var(sc, w);
			i++;
		} else if (word_in(w, keywords)) {
			i++;
		} else if (strcmp(w, "nice") == 0 || strcmp(w, "env") == 0) {
			/* options, "-n 10", and env's assignments */
			for (i++; i < c->n && (c->w[i][0] == '-' || is_assignment(c->w[i])); i++)
				if (strcmp(c->w[i], "-n") == 0)
					i++;
		} else {
			break;
		}
	}
	return i;
}

static void add_call(scan *sc, const char *path)
{
	if (path[0] == '/' && sc->ncalls < MAX_CALLS)
		snprintf(sc->calls[sc->ncalls++], MAX_WORD, "%s", path);
}

/* start-stop-daemon starts telnetd: --start and --exec/--startas telnetd. */
static bool ssd_starts(const scan *sc, const command *c, size_t i)
{
	bool start = false, prog = false;
	for (size_t k = i + 1; k < c->n && strcmp(c->w[k], "--") != 0; k++) {
		const char *w = c->w[k];
		if (strcmp(w, "-S") == 0 || strcmp(w, "--start") == 0)
			start = true;
		const char *val = NULL;
		if ((strcmp(w, "-x") == 0 || strcmp(w, "--exec") == 0 || strcmp(w, "-a") == 0 ||
		     strcmp(w, "--startas") == 0) && k + 1 < c->n)
			val = c->w[k + 1];
		else if (strncmp(w, "--exec=", 7) == 0)
			val = w + 7;
		else if (strncmp(w, "--startas=", 10) == 0)
			val = w + 10;
		if (val && is_telnetd(expand(sc, val)))
			prog = true;
	}
	return start && prog;
}

/* Joins words [I, n) with spaces, for eval and sh -c. */
static size_t join_words(const command *c, size_t i, char *out, size_t cap)
{
	size_t k = 0;
	out[0] = '\0';
	for (; i < c->n; i++) {
		int w = snprintf(out + k, cap - k, "%s%s", k ? " " : "", c->w[i]);
		if (w < 0 || (size_t)w >= cap - k)
			break;
		k += (size_t)w;
	}
	return k;
}

/* True when the command (from word I on) starts telnetd. Scripts it runs
 * are recorded as calls. */
static bool starts_telnetd(scan *sc, const command *c, size_t i, int depth)
{
	i = program_index(sc, c, i);
	if (i >= c->n)
		return false;
	const char *prog = expand(sc, c->w[i]);
	const char *b = base_name(prog);
	const char *arg1 = i + 1 < c->n ? expand(sc, c->w[i + 1]) : NULL;

	if (word_in(c->w[i], declarers)) {
		for (size_t k = i + 1; k < c->n; k++)
			if (is_assignment(c->w[k]))
				set_var(sc, c->w[k]);
		return false;
	}
	if (is_telnetd(prog))
		return true;
	if (strcmp(b, "busybox") == 0)
		return arg1 && is_telnetd(arg1);
	if (strcmp(b, "start-stop-daemon") == 0)
		return ssd_starts(sc, c, i);
	if (strcmp(b, "procd_set_param") == 0) /* OpenWrt procd */
		return arg1 && strcmp(arg1, "command") == 0 && starts_telnetd(sc, c, i + 2, depth);
	if (strcmp(b, "service_start") == 0)   /* pre-procd OpenWrt */
		return starts_telnetd(sc, c, i + 1, depth);
	if (depth < MAX_NEST && (strcmp(b, "eval") == 0 ||
				 (word_in(b, shells) && arg1 && strcmp(arg1, "-c") == 0))) {
		char sub[MAX_WORD * 4];
		size_t n = join_words(c, strcmp(b, "eval") == 0 ? i + 1 : i + 2, sub, sizeof(sub));
		scan_text(sc, sub, n, c->line, c->line, depth + 1);
		return false; /* scan_text recorded the start, if any */
	}
	/* Scripts it runs: ". f", "source f", "sh f", or "/path [start]". */
	if ((strcmp(b, ".") == 0 || strcmp(b, "source") == 0 || word_in(b, shells)) && arg1)
		add_call(sc, arg1);
	else if (prog[0] == '/' && (sc->follow_any_args || !arg1 || strcmp(arg1, "start") == 0 ||
				    strcmp(arg1, "boot") == 0))
		add_call(sc, prog);
	return false;
}

/* Scans TEXT, whose first line is FIRST_LINE. With FIXED_LINE set (text
 * from inside one command or config entry) every start is put there. */
static void scan_text(scan *sc, const char *text, size_t len, unsigned first_line,
		      unsigned fixed_line, int depth)
{
	lexer *lx = calloc(1, sizeof(*lx));
	command *c = malloc(sizeof(*c));
	if (!lx || !c)
		goto out;
	lx->s = text;
	lx->len = len;
	lx->line = first_line;
	while (next_command(lx, c)) {
		if (starts_telnetd(sc, c, 0, depth) && !sc->start_line)
			sc->start_line = fixed_line ? fixed_line : c->line;
	}
out:
	free(lx);
	free(c);
}

/* ---- reporting ---------------------------------------------------------- */

typedef struct telnet_ctx {
	fg_check_ctx *ctx;
	FG_VEC(const fg_node *) reported; /* one finding per file */
} telnet_ctx;

static void report(telnet_ctx *tc, const fg_node *node, unsigned line, int severity,
		   const char *msg)
{
	node = fg_node_content(node);
	for (size_t i = 0; i < tc->reported.n; i++)
		if (tc->reported.v[i] == node)
			return;
	FG_VEC_PUSH(&tc->reported, node);

	char path[1024], subject[1100], excerpt[256] = "";
	fg_node_path(node, path, sizeof(path));
	snprintf(subject, sizeof(subject), "telnetd:%s", path);
	const char *t;
	size_t len, start = 0, ll = 0;
	int64_t off = -1;
	if (line && text_of(node, &t, &len) && find_line(t, len, line, &start, &ll)) {
		off = (int64_t)start;
		while (ll && (t[start] == ' ' || t[start] == '\t')) {
			start++;
			ll--;
		}
		if (ll > 200)
			snprintf(excerpt, sizeof(excerpt), "%.200s\xe2\x80\xa6", t + start);
		else
			snprintf(excerpt, sizeof(excerpt), "%.*s", (int)ll, t + start);
	}
	fg_report_item item = {
		.node = node,
		.line = line,
		.offset = off,
		.message = msg,
		.excerpt = excerpt[0] ? excerpt : NULL,
		.subject = subject,
		.severity = severity,
	};
	fg_ctx_report(tc->ctx, &item);
}

/* ---- scripts and how they are proven to run at boot --------------------- */

typedef enum boot_state { BOOT_UNKNOWN = 0, BOOT_DISABLED, BOOT_YES } boot_state;

typedef struct script {
	const fg_node *node;
	boot_state boot;
	char why[256];
	scan *sc;               /* after scanning */
} script;

typedef FG_VEC(script) script_vec;

static script *script_add(script_vec *sv, const fg_node *node, boot_state boot, const char *why)
{
	node = fg_node_content(node);
	if (!node)
		return NULL;
	for (size_t i = 0; i < sv->n; i++) {
		script *s = &sv->v[i];
		if (s->node != node)
			continue;
		if (boot > s->boot) {
			s->boot = boot;
			snprintf(s->why, sizeof(s->why), "%s", why);
		}
		return s;
	}
	if (sv->n >= MAX_SCRIPTS)
		return NULL;
	script s = { .node = node, .boot = boot };
	snprintf(s.why, sizeof(s.why), "%s", why);
	return FG_VEC_PUSH(sv, s) ? &sv->v[sv->n - 1] : NULL;
}

static scan *scan_node(const fg_node *node, bool follow_any)
{
	const char *t;
	size_t len;
	scan *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	sc->follow_any_args = follow_any;
	if (text_of(node, &t, &len)) {
		scan_text(sc, t, len, 1, 0, 0);
		/* "#!/bin/sh /etc/rc.common" marks an OpenWrt init script too.
		 * (Node data is not NUL-terminated: bounded searches only.) */
		const char *nl = memchr(t, '\n', len);
		size_t first = nl ? (size_t)(nl - t) : len;
		if (first >= 2 && t[0] == '#' && t[1] == '!' && memmem(t, first, "/etc/rc.common", 14))
			sc->openwrt_start = true;
	}
	return sc;
}

static void add_calls(fg_check_ctx *ctx, script_vec *sv, const scan *sc, const char *from)
{
	char why[256];
	snprintf(why, sizeof(why), "it is run by %s, which runs at boot", from);
	for (size_t k = 0; k < sc->ncalls; k++) {
		const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, sc->calls[k]));
		const char *t;
		size_t len;
		if (n && text_of(n, &t, &len))
			script_add(sv, n, BOOT_YES, why);
	}
}

/* Fixed boot scripts of the common init systems. */
static void seed_fixed(fg_check_ctx *ctx, script_vec *sv)
{
	static const char *const paths[] = {
		"/etc/init.d/rcS", "/etc/rcS", "/etc/rc.local", "/etc/rc.d/rc.local",
		"/etc/rc.d/rcS", "/etc/rc.sysinit", "/etc/rc.d/rc.sysinit", NULL,
	};
	for (const char *const *p = paths; *p; p++) {
		char why[256];
		snprintf(why, sizeof(why), "%s is run at boot by the init system", *p);
		script_add(sv, fg_ctx_lookup(ctx, *p), BOOT_YES, why);
	}
}

static bool is_s_link_name(const char *name)
{
	return name[0] == 'S';
}

/* S* entries of an rc directory (OpenWrt /etc/rc.d, sysvinit rcN.d) run at
 * boot; returns how many there were. ALSO_OTHERS adds the other regular
 * files as scripts of unknown state (scripts kept directly in /etc/rc.d). */
static size_t seed_rc_dir(fg_check_ctx *ctx, script_vec *sv, const char *dir, bool also_others)
{
	fg_node *d = fg_ctx_lookup(ctx, dir);
	size_t links = 0;
	if (!d || d->type != FG_NODE_DIR)
		return 0;
	for (size_t i = 0; i < d->nchildren; i++) {
		const char *name = d->children[i]->name;
		char path[1024], why[1200];
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, path));
		if (!n)
			continue;
		if (is_s_link_name(name)) {
			links++;
			snprintf(why, sizeof(why), "%s starts it at boot", path);
			script_add(sv, n, BOOT_YES, why);
		} else if (also_others && d->children[i]->type == FG_NODE_FILE &&
			   name[0] != 'K') {
			script_add(sv, n, BOOT_UNKNOWN, "");
		}
	}
	return links;
}

/* /etc/init.d: S<nn>* scripts run by busybox rcS; the rest unknown. */
static void seed_init_d(fg_check_ctx *ctx, script_vec *sv)
{
	fg_node *d = fg_ctx_lookup(ctx, "/etc/init.d");
	if (!d || d->type != FG_NODE_DIR)
		return;
	for (size_t i = 0; i < d->nchildren; i++) {
		const char *name = d->children[i]->name;
		char path[1024];
		snprintf(path, sizeof(path), "/etc/init.d/%s", name);
		const fg_node *n = fg_ctx_lookup(ctx, path);
		bool s_nn = name[0] == 'S' && name[1] >= '0' && name[1] <= '9' &&
			    name[2] >= '0' && name[2] <= '9';
		script_add(sv, n, s_nn ? BOOT_YES : BOOT_UNKNOWN,
			   s_nn ? "busybox rcS runs /etc/init.d/S??* at boot" : "");
	}
}

/* Scans every proven script, adding the scripts they call, until no new
 * proven script appears. */
static void follow_boot_scripts(fg_check_ctx *ctx, script_vec *sv)
{
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 0; i < sv->n; i++) {
			if (sv->v[i].boot != BOOT_YES || sv->v[i].sc)
				continue;
			sv->v[i].sc = scan_node(sv->v[i].node, false);
			if (!sv->v[i].sc)
				continue;
			char from[1024];
			fg_node_path(sv->v[i].node, from, sizeof(from));
			add_calls(ctx, sv, sv->v[i].sc, from); /* may move sv->v */
			again = true;
		}
	}
}

static void report_script(telnet_ctx *tc, script *s, bool rcd_links)
{
	if (!s->sc)
		s->sc = scan_node(s->node, false);
	if (!s->sc || !s->sc->start_line)
		return;
	char path[1024], msg[1800];
	fg_node_path(s->node, path, sizeof(path));
	if (s->boot == BOOT_YES) {
		snprintf(msg, sizeof(msg),
			 "%s starts a telnet server (line %u) at boot: %s. Telnet sends logins and "
			 "sessions in clear text.", path, s->sc->start_line, s->why);
		report(tc, s->node, s->sc->start_line, -1, msg);
		return;
	}
	/* OpenWrt enables an init script by linking it from /etc/rc.d; when
	 * that mechanism is in use, no link means disabled. */
	if (s->boot == BOOT_DISABLED || (s->sc->openwrt_start && rcd_links))
		return;
	snprintf(msg, sizeof(msg),
		 "%s starts a telnet server (line %u), but it could not be proven that the script "
		 "runs at boot (no S??* name, no rc.d link, not called from a boot script).",
		 path, s->sc->start_line);
	report(tc, s->node, s->sc->start_line, FG_SEV_MEDIUM, msg);
}

/* ---- inittab ------------------------------------------------------------ */

typedef struct line_iter {
	const char *t;
	size_t len, pos;
	unsigned no;
} line_iter;

/* Next line without its ending, leading blanks skipped. */
static bool next_text_line(line_iter *it, const char **s, size_t *n)
{
	if (it->pos >= it->len)
		return false;
	const char *start = it->t + it->pos;
	const char *nl = memchr(start, '\n', it->len - it->pos);
	size_t l = nl ? (size_t)(nl - start) : it->len - it->pos;
	it->pos += l + (nl ? 1 : 0);
	it->no++;
	while (l && (start[l - 1] == '\r' || start[l - 1] == ' ' || start[l - 1] == '\t'))
		l--;
	while (l && (*start == ' ' || *start == '\t')) {
		start++;
		l--;
	}
	*s = start;
	*n = l;
	return true;
}

/* "id:runlevels:action:process" (busybox and sysvinit alike). */
static void check_inittab(telnet_ctx *tc, script_vec *sv)
{
	const fg_node *n = fg_node_content(fg_ctx_lookup(tc->ctx, "/etc/inittab"));
	const char *t;
	size_t len;
	if (!n || !text_of(n, &t, &len))
		return;
	line_iter it = { t, len, 0, 0 };
	const char *s;
	size_t l;
	while (next_text_line(&it, &s, &l)) {
		if (!l || s[0] == '#')
			continue;
		const char *f[4] = { s, NULL, NULL, NULL };
		size_t k = 1;
		for (size_t i = 0; i < l && k < 4; i++)
			if (s[i] == ':')
				f[k++] = s + i + 1;
		if (k < 4)
			continue;
		size_t alen = (size_t)(f[3] - f[2]) - 1;
		if (alen == 3 && strncmp(f[2], "off", 3) == 0)
			continue;
		const char *proc = f[3];
		if (proc < s + l && *proc == '-') /* busybox: login shell marker */
			proc++;
		scan *sc = calloc(1, sizeof(*sc));
		if (!sc)
			return;
		sc->follow_any_args = true;
		scan_text(sc, proc, (size_t)(s + l - proc), it.no, it.no, 0);
		if (sc->start_line) {
			char msg[512];
			snprintf(msg, sizeof(msg),
				 "/etc/inittab starts a telnet server at boot (line %u, action '%.*s'). "
				 "Telnet sends logins and sessions in clear text.",
				 it.no, (int)(alen > 32 ? 32 : alen), f[2]);
			report(tc, n, sc->start_line, -1, msg);
		}
		add_calls(tc->ctx, sv, sc, "/etc/inittab");
		free(sc);
	}
}

/* ---- inetd and xinetd --------------------------------------------------- */

static size_t split_blanks(const char *s, size_t l, char out[][MAX_WORD], size_t max)
{
	size_t n = 0, i = 0;
	while (i < l && n < max) {
		while (i < l && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t st = i;
		while (i < l && s[i] != ' ' && s[i] != '\t')
			i++;
		if (i > st)
			snprintf(out[n++], MAX_WORD, "%.*s", (int)(i - st), s + st);
	}
	return n;
}

/* service socktype proto wait user server [argv...]; service may be
 * "addr:service". tcpd wrappers name telnetd as argv[0]. */
static void check_inetd(telnet_ctx *tc)
{
	const fg_node *n = fg_node_content(fg_ctx_lookup(tc->ctx, "/etc/inetd.conf"));
	const char *t;
	size_t len;
	if (!n || !text_of(n, &t, &len))
		return;
	line_iter it = { t, len, 0, 0 };
	const char *s;
	size_t l;
	char tok[7][MAX_WORD];
	while (next_text_line(&it, &s, &l)) {
		if (!l || s[0] == '#')
			continue;
		size_t nt = split_blanks(s, l, tok, 7);
		if (nt < 6)
			continue;
		const char *svc = strrchr(tok[0], ':') ? strrchr(tok[0], ':') + 1 : tok[0];
		if (strcmp(svc, "telnet") == 0 || is_telnetd(tok[5]) || (nt > 6 && is_telnetd(tok[6]))) {
			char msg[512];
			snprintf(msg, sizeof(msg),
				 "/etc/inetd.conf serves telnet (line %u, server %s). Telnet sends "
				 "logins and sessions in clear text.", it.no, tok[5]);
			report(tc, n, it.no, -1, msg);
			return;
		}
	}
}

/* Value of "key = value" (also += and -=) when the line's key is KEY. */
static bool xinetd_attr(const char *s, size_t l, const char *key, char *val, size_t cap)
{
	size_t kl = strlen(key);
	if (l <= kl || strncmp(s, key, kl) != 0 || !strchr(" \t=+-", s[kl]))
		return false;
	const char *eq = memchr(s, '=', l);
	if (!eq)
		return false;
	const char *v = eq + 1;
	while (v < s + l && (*v == ' ' || *v == '\t'))
		v++;
	snprintf(val, cap, "%.*s", (int)(s + l - v), v);
	return true;
}

/* "service NAME" then "{ ... }": telnet unless "disable = yes". */
static void check_xinetd_file(telnet_ctx *tc, const fg_node *n, const char *path)
{
	const char *t;
	size_t len;
	if (!n || !text_of(n, &t, &len))
		return;
	line_iter it = { t, len, 0, 0 };
	const char *s;
	size_t l;
	char val[MAX_WORD], tok[2][MAX_WORD];
	unsigned svc_line = 0;
	bool telnet = false, disabled = false, in_block = false;
	while (next_text_line(&it, &s, &l)) {
		if (!l || s[0] == '#')
			continue;
		if (!in_block && split_blanks(s, l, tok, 2) == 2 && strcmp(tok[0], "service") == 0) {
			svc_line = it.no;
			telnet = strncmp(tok[1], "telnet", 6) == 0 && (!tok[1][6] || tok[1][6] == '{');
			disabled = false;
			in_block = memchr(s, '{', l) != NULL;
		} else if (!in_block && s[0] == '{' && svc_line) {
			in_block = true;
		} else if (in_block && s[0] == '}') {
			in_block = false;
			if (telnet && !disabled) {
				char msg[1400];
				snprintf(msg, sizeof(msg),
					 "%s enables the xinetd telnet service (line %u). Telnet sends "
					 "logins and sessions in clear text.", path, svc_line);
				report(tc, n, svc_line, -1, msg);
				return;
			}
			svc_line = 0;
		} else if (in_block && xinetd_attr(s, l, "disable", val, sizeof(val))) {
			disabled = strncmp(val, "yes", 3) == 0;
		} else if (in_block && xinetd_attr(s, l, "server", val, sizeof(val))) {
			telnet = telnet || is_telnetd(val);
		}
	}
}

static void check_xinetd(telnet_ctx *tc)
{
	check_xinetd_file(tc, fg_ctx_lookup(tc->ctx, "/etc/xinetd.conf"), "/etc/xinetd.conf");
	fg_node *d = fg_ctx_lookup(tc->ctx, "/etc/xinetd.d");
	if (!d || d->type != FG_NODE_DIR)
		return;
	for (size_t i = 0; i < d->nchildren; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "/etc/xinetd.d/%s", d->children[i]->name);
		check_xinetd_file(tc, fg_ctx_lookup(tc->ctx, path), path);
	}
}

/* ---- systemd ------------------------------------------------------------ */

static const char *const unit_dirs[] = {
	"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system", NULL,
};

/* A unit file by name; "x@inst.service" falls back to "x@.service". */
static const fg_node *find_unit(fg_check_ctx *ctx, const char *name)
{
	char path[1024], tmpl[MAX_WORD];
	for (const char *const *d = unit_dirs; *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", *d, name);
		const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, path));
		if (n)
			return n;
	}
	const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
	if (!at || !dot || dot < at || at[1] == '.')
		return NULL;
	snprintf(tmpl, sizeof(tmpl), "%.*s%s", (int)(at - name + 1), name, dot);
	return find_unit(ctx, tmpl);
}

/* Line of the first ExecStart= that starts telnetd, 0 if none. */
static unsigned unit_exec_line(const fg_node *n)
{
	const char *t, *s;
	size_t len, l;
	if (!n || !text_of(n, &t, &len))
		return 0;
	line_iter it = { t, len, 0, 0 };
	while (next_text_line(&it, &s, &l)) {
		if (l < 10 || strncmp(s, "ExecStart", 9) != 0)
			continue;
		const char *eq = memchr(s, '=', l);
		if (!eq || eq - s > 12) /* ExecStart=, ExecStartPre=, ExecStartPost= */
			continue;
		const char *v = eq + 1;
		while (v < s + l && strchr(" \t-@:+!", *v)) /* systemd exec prefixes */
			v++;
		scan sc_tmp;
		memset(&sc_tmp, 0, sizeof(sc_tmp));
		scan_text(&sc_tmp, v, (size_t)(s + l - v), it.no, it.no, 0);
		if (sc_tmp.start_line)
			return it.no;
	}
	return 0;
}

/* Socket properties: Service=, Accept=, and the ListenStream= line. */
static void socket_info(const fg_node *n, char *service, size_t cap, bool *accept, unsigned *listen)
{
	const char *t, *s;
	size_t len, l;
	char val[MAX_WORD];
	service[0] = '\0';
	*accept = false;
	*listen = 1;
	if (!n || !text_of(n, &t, &len))
		return;
	line_iter it = { t, len, 0, 0 };
	while (next_text_line(&it, &s, &l)) {
		if (xinetd_attr(s, l, "Service", val, sizeof(val)))
			snprintf(service, cap, "%s", val);
		else if (xinetd_attr(s, l, "Accept", val, sizeof(val)))
			*accept = strncmp(val, "yes", 3) == 0 || strncmp(val, "true", 4) == 0;
		else if (xinetd_attr(s, l, "ListenStream", val, sizeof(val)))
			*listen = it.no;
	}
}

static void check_unit(telnet_ctx *tc, const char *name, const char *wants_path)
{
	const fg_node *unit = find_unit(tc->ctx, name);
	char msg[3200], path[1024];
	if (ends_with(name, ".service")) {
		unsigned line = unit_exec_line(unit);
		if (!line)
			return;
		fg_node_path(unit, path, sizeof(path));
		snprintf(msg, sizeof(msg),
			 "systemd unit %s starts a telnet server (%s line %u) and is enabled by %s. "
			 "Telnet sends logins and sessions in clear text.", name, path, line, wants_path);
		report(tc, unit, line, -1, msg);
		return;
	}
	/* A socket starts its service on connection: Service=, else the same
	 * name, as a template when Accept=yes. */
	char service[MAX_WORD];
	bool accept;
	unsigned listen;
	socket_info(unit, service, sizeof(service), &accept, &listen);
	if (!service[0])
		snprintf(service, sizeof(service), "%.*s%s", (int)(strlen(name) - 7), name,
			 accept ? "@.service" : ".service");
	const fg_node *svc = find_unit(tc->ctx, service);
	unsigned line = unit_exec_line(svc);
	if (line) {
		fg_node_path(svc, path, sizeof(path));
		snprintf(msg, sizeof(msg),
			 "%s starts a telnet server (line %u) for connections to socket %s, "
			 "enabled by %s. Telnet sends logins and sessions in clear text.",
			 path, line, name, wants_path);
		report(tc, svc, line, -1, msg);
	} else if (unit && strncmp(name, "telnet", 6) == 0) {
		snprintf(msg, sizeof(msg),
			 "systemd socket %s (telnet) is enabled by %s. Telnet sends logins and "
			 "sessions in clear text.", name, wants_path);
		report(tc, unit, listen, -1, msg);
	}
}

static void check_systemd(telnet_ctx *tc)
{
	for (const char *const *ud = unit_dirs; *ud; ud++) {
		fg_node *d = fg_ctx_lookup(tc->ctx, *ud);
		if (!d || d->type != FG_NODE_DIR)
			continue;
		for (size_t i = 0; i < d->nchildren; i++) {
			const fg_node *w = d->children[i];
			if (w->type != FG_NODE_DIR ||
			    !(ends_with(w->name, ".wants") || ends_with(w->name, ".requires")))
				continue;
			for (size_t k = 0; k < w->nchildren; k++) {
				const char *name = w->children[k]->name;
				char wants[1024];
				if (!ends_with(name, ".service") && !ends_with(name, ".socket"))
					continue;
				snprintf(wants, sizeof(wants), "%s/%s/%s", *ud, w->name, name);
				check_unit(tc, name, wants);
			}
		}
	}
}

/* ---- the check ---------------------------------------------------------- */

static void check_scripts(telnet_ctx *tc, script_vec *sv)
{
	fg_check_ctx *ctx = tc->ctx;
	static const char *const rc_dirs[] = {
		"/etc/rc.d/rcS.d", "/etc/rc.d/rc1.d", "/etc/rc.d/rc2.d", "/etc/rc.d/rc3.d",
		"/etc/rc.d/rc4.d", "/etc/rc.d/rc5.d", "/etc/rcS.d", "/etc/rc1.d", "/etc/rc2.d",
		"/etc/rc3.d", "/etc/rc4.d", "/etc/rc5.d", NULL,
	};
	seed_fixed(ctx, sv);
	size_t rcd_links = seed_rc_dir(ctx, sv, "/etc/rc.d", true);
	for (const char *const *d = rc_dirs; *d; d++)
		seed_rc_dir(ctx, sv, *d, false);
	seed_init_d(ctx, sv);
	follow_boot_scripts(ctx, sv);
	for (size_t i = 0; i < sv->n; i++)
		report_script(tc, &sv->v[i], rcd_links > 0);
}

static void run(fg_check_ctx *ctx)
{
	telnet_ctx tc = { .ctx = ctx };
	script_vec sv = { 0 };
	check_inittab(&tc, &sv);
	check_scripts(&tc, &sv);
	check_inetd(&tc);
	check_xinetd(&tc);
	check_systemd(&tc);
	for (size_t i = 0; i < sv.n; i++)
		free(sv.v[i].sc);
	FG_VEC_FREE(&sv);
	FG_VEC_FREE(&tc.reported);
}

const fg_check fg_check_telnet = {
	.id = "services.telnet",
	.title = "Telnet server started at boot",
	.severity = FG_SEV_HIGH,
	.remediation = "Do not start telnetd: remove it from the boot scripts, inittab and "
		       "inetd/xinetd/systemd, and drop the applet from the busybox build. Offer SSH "
		       "with per-device credentials if remote access is needed.",
	.run = run,
};
