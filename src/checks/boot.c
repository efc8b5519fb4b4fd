/*
 * boot.c - text helpers, a small sh lexer, and the boot model of a file
 * tree (see boot.h for the rules).
 */
#include "checks/boot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VARS 32
#define MAX_CALLS 32
#define MAX_SCRIPTS 4096
#define MAX_NEST 2                   /* sh -c "sh -c '...'" */
#define MAX_STARTS 200000            /* per tree */
#define MAX_INETD_WORDS 16

/* ---- text ------------------------------------------------------------- */

const char *fg_base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

bool fg_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

bool fg_text_of(const fg_node *n, const char **text, size_t *len)
{
	n = fg_node_content(n);
	if (!n || !n->data || !n->data_len)
		return false;
	size_t probe = n->data_len < FG_TEXT_PROBE ? n->data_len : FG_TEXT_PROBE;
	if (memchr(n->data, 0, probe))
		return false;
	*text = (const char *)n->data;
	*len = n->data_len < FG_TEXT_MAX ? n->data_len : FG_TEXT_MAX;
	return true;
}

bool fg_text_find_line(const char *t, size_t len, unsigned no, size_t *start, size_t *llen)
{
	size_t p = 0;
	if (no == 0)
		return false;
	for (unsigned i = 1; i < no; i++) {
		const char *nl = p < len ? memchr(t + p, '\n', len - p) : NULL;
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

void fg_text_excerpt(const fg_node *n, unsigned line, char *out, size_t cap, int64_t *offset)
{
	const char *t;
	size_t len, start = 0, ll = 0;
	out[0] = '\0';
	*offset = -1;
	if (!line || !fg_text_of(n, &t, &len) || !fg_text_find_line(t, len, line, &start, &ll))
		return;
	*offset = (int64_t)start;
	while (ll && (t[start] == ' ' || t[start] == '\t')) {
		start++;
		ll--;
	}
	while (ll && (t[start + ll - 1] == ' ' || t[start + ll - 1] == '\t'))
		ll--;
	if (ll > 200)
		snprintf(out, cap, "%.200s\xe2\x80\xa6", t + start);
	else
		snprintf(out, cap, "%.*s", (int)ll, t + start);
}

void fg_line_iter_init(fg_line_iter *it, const char *t, size_t len)
{
	memset(it, 0, sizeof(*it));
	it->t = t;
	it->len = len;
}

bool fg_line_next(fg_line_iter *it, const char **s, size_t *n)
{
	if (it->pos >= it->len)
		return false;
	const char *start = it->t + it->pos;
	const char *nl = memchr(start, '\n', it->len - it->pos);
	size_t l = nl ? (size_t)(nl - start) : it->len - it->pos;
	it->start = it->pos;
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

/* ---- the lexer ------------------------------------------------------------ */

typedef struct wordbuf {
	char *s;
	size_t k;
} wordbuf;

static int peek(const fg_sh_lexer *lx, size_t ahead)
{
	return lx->pos + ahead < lx->len ? (unsigned char)lx->s[lx->pos + ahead] : -1;
}

static void adv(fg_sh_lexer *lx)
{
	if (lx->pos < lx->len) {
		if (lx->s[lx->pos] == '\n')
			lx->line++;
		lx->pos++;
	}
}

static void put(wordbuf *b, int c)
{
	if (b->k < FG_SH_MAX_WORD - 1)
		b->s[b->k++] = (char)c;
}

/* Copies a quoted or nested region up to CLOSE, honouring backslashes. */
static void read_until(fg_sh_lexer *lx, wordbuf *b, char close, bool escapes)
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
static void read_subst(fg_sh_lexer *lx, wordbuf *b)
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
static void read_word(fg_sh_lexer *lx, char *out, bool *fd)
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

static void skip_blanks(fg_sh_lexer *lx)
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

static void skip_to_eol(fg_sh_lexer *lx)
{
	while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
		adv(lx);
}

/* Heredoc bodies are data, never commands: skip to each delimiter line. */
static void skip_heredocs(fg_sh_lexer *lx)
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
static void skip_redirection(fg_sh_lexer *lx)
{
	char word[FG_SH_MAX_WORD];
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

static void add_word(fg_sh_cmd *c, const char *w, unsigned line)
{
	if (c->n == 0)
		c->line = line;
	if (c->n < FG_SH_MAX_WORDS)
		snprintf(c->w[c->n++], FG_SH_MAX_WORD, "%s", w);
}

/* Handles one separator character; true when it ends a non-empty command. */
static bool separator(fg_sh_lexer *lx, fg_sh_cmd *c, int ch)
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

void fg_sh_init(fg_sh_lexer *lx, const char *text, size_t len, unsigned first_line)
{
	memset(lx, 0, sizeof(*lx));
	lx->s = text;
	lx->len = len;
	lx->line = first_line;
}

bool fg_sh_next(fg_sh_lexer *lx, fg_sh_cmd *c)
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
		char word[FG_SH_MAX_WORD];
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

/* ---- unwrapping commands -------------------------------------------------- */

typedef struct var {
	char name[32];
	char value[FG_SH_MAX_WORD];
} var;

typedef struct raw_start {
	const char *prog;
	const char **argv;
	size_t argc;
	unsigned line;
} raw_start;

typedef FG_VEC(raw_start) raw_vec;

typedef struct scan {
	fg_boot *b;                 /* arena and limits */
	var vars[MAX_VARS];
	size_t nvars;
	bool openwrt_start;         /* "START=" assignment: an OpenWrt init script */
	bool follow_any_args;       /* inittab: every program it names runs */
	char calls[MAX_CALLS][FG_SH_MAX_WORD]; /* scripts it runs, by absolute path */
	size_t ncalls;
	raw_vec starts;
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
static const char *const shells[] = {
	"sh", "ash", "bash", "dash", "hush", "ksh", "zsh", "msh", NULL,
};

bool fg_sh_is_shell(const char *prog)
{
	return word_in(fg_base_name(prog), shells);
}

/* Index of the program word of C from index I, skipping keywords,
 * assignments and wrappers; C->n when there is none. */
static size_t program_index(scan *sc, const fg_sh_cmd *c, size_t i)
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
		snprintf(sc->calls[sc->ncalls++], FG_SH_MAX_WORD, "%s", path);
}

/* Records PROG with the words [FROM, TO) of C as its arguments. */
static void emit(scan *sc, const char *prog, const fg_sh_cmd *c, size_t from, size_t to,
		 unsigned line)
{
	fg_boot *b = sc->b;
	if (!prog[0] || b->v.n + sc->starts.n >= MAX_STARTS) {
		if (prog[0])
			b->truncated = true;
		return;
	}
	raw_start r = { .line = line };
	r.prog = fg_arena_strdup(&b->arena, prog);
	size_t n = to > from ? to - from : 0;
	r.argv = fg_arena_alloc(&b->arena, (n ? n : 1) * sizeof(*r.argv));
	if (!r.prog || !r.argv)
		return;
	for (size_t k = 0; k < n; k++) {
		r.argv[k] = fg_arena_strdup(&b->arena, expand(sc, c->w[from + k]));
		if (!r.argv[k])
			return;
	}
	r.argc = n;
	FG_VEC_PUSH(&sc->starts, r);
}

/* start-stop-daemon --start: the program of --exec/--startas, and the
 * arguments after "--". */
static void ssd_start(scan *sc, const fg_sh_cmd *c, size_t i, unsigned line)
{
	bool start = false;
	const char *prog = NULL;
	size_t k;
	for (k = i + 1; k < c->n && strcmp(c->w[k], "--") != 0; k++) {
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
		if (val && !prog)
			prog = expand(sc, val);
	}
	if (start && prog)
		emit(sc, prog, c, k + 1, c->n, line);
}

/* Joins words [I, n) with spaces, for eval and sh -c. */
static size_t join_words(const fg_sh_cmd *c, size_t i, char *out, size_t cap)
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

/* Unwraps the command (from word I on) to the program(s) it starts;
 * scripts it runs are recorded as calls. */
static void unwrap(scan *sc, const fg_sh_cmd *c, size_t i, int depth, unsigned line)
{
	i = program_index(sc, c, i);
	if (i >= c->n)
		return;
	const char *prog = expand(sc, c->w[i]);
	const char *b = fg_base_name(prog);
	const char *arg1 = i + 1 < c->n ? expand(sc, c->w[i + 1]) : NULL;

	if (word_in(c->w[i], declarers)) {
		for (size_t k = i + 1; k < c->n; k++)
			if (is_assignment(c->w[k]))
				set_var(sc, c->w[k]);
		return;
	}
	if (strcmp(b, "busybox") == 0) {
		if (arg1)
			emit(sc, arg1, c, i + 2, c->n, line);
		return;
	}
	if (strcmp(b, "start-stop-daemon") == 0) {
		ssd_start(sc, c, i, line);
		return;
	}
	if (strcmp(b, "procd_set_param") == 0) { /* OpenWrt procd */
		if (arg1 && strcmp(arg1, "command") == 0)
			unwrap(sc, c, i + 2, depth, line);
		return;
	}
	if (strcmp(b, "service_start") == 0) {  /* pre-procd OpenWrt */
		unwrap(sc, c, i + 1, depth, line);
		return;
	}
	if (depth < MAX_NEST && (strcmp(b, "eval") == 0 ||
				 (word_in(b, shells) && arg1 && strcmp(arg1, "-c") == 0))) {
		char sub[FG_SH_MAX_WORD * 4];
		size_t n = join_words(c, strcmp(b, "eval") == 0 ? i + 1 : i + 2, sub, sizeof(sub));
		scan_text(sc, sub, n, line, line, depth + 1);
		return;
	}
	/* Scripts it runs: ". f", "source f", "sh f", or "/path [start]". */
	if ((strcmp(b, ".") == 0 || strcmp(b, "source") == 0 || word_in(b, shells)) && arg1)
		add_call(sc, arg1);
	else if (prog[0] == '/' && (sc->follow_any_args || !arg1 || strcmp(arg1, "start") == 0 ||
				    strcmp(arg1, "boot") == 0))
		add_call(sc, prog);
	emit(sc, prog, c, i + 1, c->n, line);
}

/* Scans TEXT, whose first line is FIRST_LINE. With FIXED_LINE set (text
 * from inside one command or config entry) every start is put there. */
static void scan_text(scan *sc, const char *text, size_t len, unsigned first_line,
		      unsigned fixed_line, int depth)
{
	fg_sh_lexer *lx = malloc(sizeof(*lx));
	fg_sh_cmd *c = malloc(sizeof(*c));
	if (lx && c) {
		fg_sh_init(lx, text, len, first_line);
		while (fg_sh_next(lx, c))
			unwrap(sc, c, 0, depth, fixed_line ? fixed_line : c->line);
	}
	free(lx);
	free(c);
}

static scan *scan_new(fg_boot *b, bool follow_any)
{
	scan *sc = calloc(1, sizeof(*sc));
	if (sc) {
		sc->b = b;
		sc->follow_any_args = follow_any;
	}
	return sc;
}

static void scan_free(scan *sc)
{
	if (sc) {
		FG_VEC_FREE(&sc->starts);
		free(sc);
	}
}

void fg_sh_each_start(const char *text, size_t len, fg_sh_start_fn fn, void *arg)
{
	fg_boot *b = calloc(1, sizeof(*b));
	scan *sc = b ? scan_new(b, false) : NULL;
	if (sc) {
		fg_arena_init(&b->arena);
		scan_text(sc, text, len, 1, 0, 0);
		for (size_t i = 0; i < sc->starts.n; i++) {
			const raw_start *r = &sc->starts.v[i];
			fn(arg, r->prog, r->argv, r->argc, r->line);
		}
		scan_free(sc);
		fg_arena_free(&b->arena);
	}
	free(b);
}

/* ---- the model ------------------------------------------------------------ */

typedef struct script {
	const fg_node *node;
	fg_boot_state boot;
	char why[256];
	scan *sc;               /* after scanning */
} script;

typedef FG_VEC(script) script_vec;

typedef struct builder {
	fg_node *root;
	fg_boot *b;
	script_vec sv;
} builder;

static const fg_node *lookup(builder *bd, const char *path)
{
	return fg_node_content(fg_tree_lookup(bd->root, path, true));
}

static const char *path_of(builder *bd, const fg_node *n)
{
	char path[2048] = "/";
	fg_node_path(n, path, sizeof(path));
	return fg_arena_strdup(&bd->b->arena, path);
}

static bool add_start(builder *bd, fg_boot_start s)
{
	if (bd->b->v.n >= MAX_STARTS) {
		bd->b->truncated = true;
		return false;
	}
	if (!s.path)
		s.path = path_of(bd, s.node);
	if (!s.why)
		s.why = "";
	if (!s.service)
		s.service = "";
	if (!s.id)
		s.id = "";
	if (!s.prog)
		s.prog = "";
	if (!s.argv) {
		static const char *none[1];
		s.argv = none;
		s.argc = 0;
	}
	return s.path && FG_VEC_PUSH(&bd->b->v, s);
}

/* Copies the raw starts of SC into the model with the common fields of TMPL. */
static void add_raw(builder *bd, const scan *sc, const fg_boot_start *tmpl)
{
	for (size_t i = 0; i < sc->starts.n; i++) {
		fg_boot_start s = *tmpl;
		s.prog = sc->starts.v[i].prog;
		s.argv = sc->starts.v[i].argv;
		s.argc = sc->starts.v[i].argc;
		s.line = sc->starts.v[i].line;
		if (!add_start(bd, s))
			return;
	}
}

static script *script_add(builder *bd, const fg_node *node, fg_boot_state boot, const char *why)
{
	script_vec *sv = &bd->sv;
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
	if (sv->n >= MAX_SCRIPTS) {
		bd->b->truncated = true;
		return NULL;
	}
	script s = { .node = node, .boot = boot };
	snprintf(s.why, sizeof(s.why), "%s", why);
	return FG_VEC_PUSH(sv, s) ? &sv->v[sv->n - 1] : NULL;
}

static scan *scan_node(builder *bd, const fg_node *node, bool follow_any)
{
	const char *t;
	size_t len;
	scan *sc = scan_new(bd->b, follow_any);
	if (!sc)
		return NULL;
	if (fg_text_of(node, &t, &len)) {
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

static void add_calls(builder *bd, const scan *sc, const char *from)
{
	char why[256];
	snprintf(why, sizeof(why), "it is run by %s, which runs at boot", from);
	for (size_t k = 0; k < sc->ncalls; k++) {
		const fg_node *n = lookup(bd, sc->calls[k]);
		const char *t;
		size_t len;
		if (n && fg_text_of(n, &t, &len))
			script_add(bd, n, FG_BOOT_YES, why);
	}
}

/* Fixed boot scripts of the common init systems. */
static void seed_fixed(builder *bd)
{
	static const char *const paths[] = {
		"/etc/init.d/rcS", "/etc/rcS", "/etc/rc.local", "/etc/rc.d/rc.local",
		"/etc/rc.d/rcS", "/etc/rc.sysinit", "/etc/rc.d/rc.sysinit", NULL,
	};
	for (const char *const *p = paths; *p; p++) {
		char why[256];
		snprintf(why, sizeof(why), "%s is run at boot by the init system", *p);
		script_add(bd, lookup(bd, *p), FG_BOOT_YES, why);
	}
}

/* S* entries of an rc directory (OpenWrt /etc/rc.d, sysvinit rcN.d) run at
 * boot; returns how many there were. ALSO_OTHERS adds the other regular
 * files as scripts of unknown state (scripts kept directly in /etc/rc.d). */
static size_t seed_rc_dir(builder *bd, const char *dir, bool also_others)
{
	fg_node *d = fg_tree_lookup(bd->root, dir, true);
	size_t links = 0;
	if (!d || d->type != FG_NODE_DIR)
		return 0;
	for (size_t i = 0; i < d->nchildren; i++) {
		const char *name = d->children[i]->name;
		char path[1024], why[1200];
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		const fg_node *n = lookup(bd, path);
		if (!n)
			continue;
		if (name[0] == 'S') {
			links++;
			snprintf(why, sizeof(why), "%s starts it at boot", path);
			script_add(bd, n, FG_BOOT_YES, why);
		} else if (also_others && d->children[i]->type == FG_NODE_FILE && name[0] != 'K') {
			script_add(bd, n, FG_BOOT_UNKNOWN, "");
		}
	}
	return links;
}

/* /etc/init.d: S<nn>* scripts run by busybox rcS; the rest unknown. */
static void seed_init_d(builder *bd)
{
	fg_node *d = fg_tree_lookup(bd->root, "/etc/init.d", true);
	if (!d || d->type != FG_NODE_DIR)
		return;
	for (size_t i = 0; i < d->nchildren; i++) {
		const char *name = d->children[i]->name;
		char path[1024];
		snprintf(path, sizeof(path), "/etc/init.d/%s", name);
		bool s_nn = name[0] == 'S' && name[1] >= '0' && name[1] <= '9' &&
			    name[2] >= '0' && name[2] <= '9';
		script_add(bd, lookup(bd, path), s_nn ? FG_BOOT_YES : FG_BOOT_UNKNOWN,
			   s_nn ? "busybox rcS runs /etc/init.d/S??* at boot" : "");
	}
}

/* Scans every proven script, adding the scripts they call, until no new
 * proven script appears. */
static void follow_boot_scripts(builder *bd)
{
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 0; i < bd->sv.n; i++) {
			if (bd->sv.v[i].boot != FG_BOOT_YES || bd->sv.v[i].sc)
				continue;
			scan *sc = scan_node(bd, bd->sv.v[i].node, false);
			bd->sv.v[i].sc = sc;
			if (!sc)
				continue;
			char from[1024];
			fg_node_path(bd->sv.v[i].node, from, sizeof(from));
			add_calls(bd, sc, from); /* may move sv.v */
			again = true;
		}
	}
}

/* "id:runlevels:action:process" (busybox and sysvinit alike). */
static void build_inittab(builder *bd)
{
	const fg_node *n = lookup(bd, "/etc/inittab");
	const char *t;
	size_t len;
	if (!n || !fg_text_of(n, &t, &len))
		return;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	const char *s;
	size_t l;
	while (fg_line_next(&it, &s, &l)) {
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
		scan *sc = scan_new(bd->b, true);
		if (!sc)
			return;
		scan_text(sc, proc, (size_t)(s + l - proc), it.no, it.no, 0);
		char why[64];
		snprintf(why, sizeof(why), "/etc/inittab line %u", it.no);
		fg_boot_start tmpl = {
			.src = FG_BOOT_INITTAB, .node = n, .path = "/etc/inittab", .boot = FG_BOOT_YES,
			.why = fg_arena_strdup(&bd->b->arena, why),
			.service = fg_arena_strndup(&bd->b->arena, f[2], alen > 32 ? 32 : alen),
			.id = fg_arena_strndup(&bd->b->arena, s, (size_t)(f[1] - s) - 1),
		};
		add_raw(bd, sc, &tmpl);
		add_calls(bd, sc, "/etc/inittab");
		scan_free(sc);
	}
}

static void build_scripts(builder *bd)
{
	static const char *const rc_dirs[] = {
		"/etc/rc.d/rcS.d", "/etc/rc.d/rc1.d", "/etc/rc.d/rc2.d", "/etc/rc.d/rc3.d",
		"/etc/rc.d/rc4.d", "/etc/rc.d/rc5.d", "/etc/rcS.d", "/etc/rc1.d", "/etc/rc2.d",
		"/etc/rc3.d", "/etc/rc4.d", "/etc/rc5.d", NULL,
	};
	seed_fixed(bd);
	bd->b->rcd_links = seed_rc_dir(bd, "/etc/rc.d", true) > 0;
	for (const char *const *d = rc_dirs; *d; d++)
		seed_rc_dir(bd, *d, false);
	seed_init_d(bd);
	follow_boot_scripts(bd);
	for (size_t i = 0; i < bd->sv.n; i++) {
		script *s = &bd->sv.v[i];
		if (!s->sc)
			s->sc = scan_node(bd, s->node, false);
		if (!s->sc)
			continue;
		fg_boot_state st = s->boot;
		/* OpenWrt enables an init script by linking it from /etc/rc.d;
		 * when that mechanism is in use, no link means disabled. */
		if (st == FG_BOOT_UNKNOWN && s->sc->openwrt_start && bd->b->rcd_links)
			st = FG_BOOT_DISABLED;
		fg_boot_start tmpl = {
			.src = FG_BOOT_SCRIPT, .node = s->node, .boot = st,
			.why = fg_arena_strdup(&bd->b->arena, s->why),
			.openwrt = s->sc->openwrt_start,
		};
		tmpl.path = path_of(bd, s->node);
		add_raw(bd, s->sc, &tmpl);
	}
}

/* ---- inetd and xinetd ---------------------------------------------------- */

static size_t split_blanks(const char *s, size_t l, char out[][FG_SH_MAX_WORD], size_t max)
{
	size_t n = 0, i = 0;
	while (i < l && n < max) {
		while (i < l && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t st = i;
		while (i < l && s[i] != ' ' && s[i] != '\t')
			i++;
		if (i > st)
			snprintf(out[n++], FG_SH_MAX_WORD, "%.*s", (int)(i - st), s + st);
	}
	return n;
}

/* service socktype proto wait user server [argv...]; service may be
 * "addr:service". */
static void build_inetd_file(builder *bd, const fg_node *n, const char *path)
{
	const char *t;
	size_t len;
	if (!n || !fg_text_of(n, &t, &len))
		return;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	const char *s;
	size_t l;
	char (*tok)[FG_SH_MAX_WORD] = malloc(MAX_INETD_WORDS * FG_SH_MAX_WORD);
	if (!tok)
		return;
	while (fg_line_next(&it, &s, &l)) {
		if (!l || s[0] == '#')
			continue;
		size_t nt = split_blanks(s, l, tok, MAX_INETD_WORDS);
		if (nt < 6)
			continue;
		const char *svc = strrchr(tok[0], ':') ? strrchr(tok[0], ':') + 1 : tok[0];
		fg_arena *a = &bd->b->arena;
		const char **argv = fg_arena_alloc(a, (nt - 6 + 1) * sizeof(*argv));
		if (!argv)
			break;
		for (size_t k = 6; k < nt; k++)
			argv[k - 6] = fg_arena_strdup(a, tok[k]);
		fg_boot_start st = {
			.src = FG_BOOT_INETD, .node = n, .path = path, .line = it.no,
			.boot = FG_BOOT_YES, .why = fg_arena_printf(a, "%s (inetd)", path),
			.prog = fg_arena_strdup(a, tok[5]), .argv = argv, .argc = nt - 6,
			.service = fg_arena_strdup(a, svc),
		};
		if (!add_start(bd, st))
			break;
	}
	free(tok);
}

static void build_inetd(builder *bd)
{
	build_inetd_file(bd, lookup(bd, "/etc/inetd.conf"), "/etc/inetd.conf");
	fg_node *d = fg_tree_lookup(bd->root, "/etc/inetd.d", true);
	for (size_t i = 0; d && d->type == FG_NODE_DIR && i < d->nchildren; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "/etc/inetd.d/%s", d->children[i]->name);
		build_inetd_file(bd, lookup(bd, path), fg_arena_strdup(&bd->b->arena, path));
	}
}

/* Value of "key = value" (also += and -=) when the line's key is KEY. */
static bool attr(const char *s, size_t l, const char *key, char *val, size_t cap)
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

typedef struct xblock {
	char name[FG_SH_MAX_WORD];
	char server[FG_SH_MAX_WORD];
	char args[FG_SH_MAX_WORD];
	unsigned line;
	bool disabled;
} xblock;

static void xinetd_emit(builder *bd, const fg_node *n, const char *path, const xblock *x)
{
	fg_arena *a = &bd->b->arena;
	char words[8][FG_SH_MAX_WORD];
	size_t nw = split_blanks(x->args, strlen(x->args), words, 8);
	const char **argv = fg_arena_alloc(a, (nw ? nw : 1) * sizeof(*argv));
	if (!argv)
		return;
	for (size_t k = 0; k < nw; k++)
		argv[k] = fg_arena_strdup(a, words[k]);
	fg_boot_start st = {
		.src = FG_BOOT_XINETD, .node = n, .path = path, .line = x->line,
		.boot = FG_BOOT_YES, .why = fg_arena_printf(a, "%s (xinetd)", path),
		.prog = fg_arena_strdup(a, x->server), .argv = argv, .argc = nw,
		.service = fg_arena_strdup(a, x->name),
	};
	add_start(bd, st);
}

/* "service NAME" then "{ ... }": enabled unless "disable = yes". */
static void build_xinetd_file(builder *bd, const fg_node *n, const char *path)
{
	const char *t;
	size_t len;
	if (!n || !fg_text_of(n, &t, &len))
		return;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	const char *s;
	size_t l;
	char val[FG_SH_MAX_WORD], tok[2][FG_SH_MAX_WORD];
	xblock x = { 0 };
	bool in_block = false;
	while (fg_line_next(&it, &s, &l)) {
		if (!l || s[0] == '#')
			continue;
		if (!in_block && split_blanks(s, l, tok, 2) == 2 && strcmp(tok[0], "service") == 0) {
			memset(&x, 0, sizeof(x));
			x.line = it.no;
			snprintf(x.name, sizeof(x.name), "%.*s", (int)strcspn(tok[1], "{"), tok[1]);
			in_block = memchr(s, '{', l) != NULL;
		} else if (!in_block && s[0] == '{' && x.line) {
			in_block = true;
		} else if (in_block && s[0] == '}') {
			in_block = false;
			if (!x.disabled)
				xinetd_emit(bd, n, path, &x);
			x.line = 0;
		} else if (in_block && attr(s, l, "disable", val, sizeof(val))) {
			x.disabled = strncmp(val, "yes", 3) == 0;
		} else if (in_block && attr(s, l, "server_args", val, sizeof(val))) {
			snprintf(x.args, sizeof(x.args), "%s", val);
		} else if (in_block && attr(s, l, "server", val, sizeof(val))) {
			snprintf(x.server, sizeof(x.server), "%s", val);
		}
	}
}

static void build_xinetd(builder *bd)
{
	build_xinetd_file(bd, lookup(bd, "/etc/xinetd.conf"), "/etc/xinetd.conf");
	fg_node *d = fg_tree_lookup(bd->root, "/etc/xinetd.d", true);
	for (size_t i = 0; d && d->type == FG_NODE_DIR && i < d->nchildren; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "/etc/xinetd.d/%s", d->children[i]->name);
		build_xinetd_file(bd, lookup(bd, path), fg_arena_strdup(&bd->b->arena, path));
	}
}

/* ---- systemd ------------------------------------------------------------ */

static const char *const unit_dirs[] = {
	"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system", NULL,
};

/* A unit file by name; "x@inst.service" falls back to "x@.service". */
static const fg_node *find_unit(builder *bd, const char *name)
{
	char path[1024], tmpl[FG_SH_MAX_WORD];
	for (const char *const *d = unit_dirs; *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", *d, name);
		const fg_node *n = lookup(bd, path);
		if (n)
			return n;
	}
	const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
	if (!at || !dot || dot < at || at[1] == '.')
		return NULL;
	snprintf(tmpl, sizeof(tmpl), "%.*s%s", (int)(at - name + 1), name, dot);
	return find_unit(bd, tmpl);
}

/* Every ExecStart=, ExecStartPre=, ExecStartPost= of UNIT, each at its line. */
static void unit_execs(builder *bd, const fg_node *unit, const char *enabled, const char *wants)
{
	const char *t, *s;
	size_t len, l;
	if (!unit || !fg_text_of(unit, &t, &len))
		return;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	fg_boot_start tmpl = {
		.src = FG_BOOT_SYSTEMD, .node = unit, .boot = FG_BOOT_YES,
		.why = fg_arena_printf(&bd->b->arena, "enabled by %s", wants),
		.service = enabled, .id = wants,
	};
	tmpl.path = path_of(bd, unit);
	while (fg_line_next(&it, &s, &l)) {
		if (l < 10 || strncmp(s, "ExecStart", 9) != 0)
			continue;
		const char *eq = memchr(s, '=', l);
		if (!eq || eq - s > 12) /* ExecStart=, ExecStartPre=, ExecStartPost= */
			continue;
		const char *v = eq + 1;
		while (v < s + l && strchr(" \t-@:+!", *v)) /* systemd exec prefixes */
			v++;
		scan *sc = scan_new(bd->b, false);
		if (!sc)
			return;
		scan_text(sc, v, (size_t)(s + l - v), it.no, it.no, 0);
		add_raw(bd, sc, &tmpl);
		scan_free(sc);
	}
}

/* Socket properties: Service=, Accept=, and the ListenStream= line. */
static void socket_info(const fg_node *n, char *service, size_t cap, bool *accept, unsigned *listen)
{
	const char *t, *s;
	size_t len, l;
	char val[FG_SH_MAX_WORD];
	service[0] = '\0';
	*accept = false;
	*listen = 1;
	if (!n || !fg_text_of(n, &t, &len))
		return;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	while (fg_line_next(&it, &s, &l)) {
		if (attr(s, l, "Service", val, sizeof(val)))
			snprintf(service, cap, "%s", val);
		else if (attr(s, l, "Accept", val, sizeof(val)))
			*accept = strncmp(val, "yes", 3) == 0 || strncmp(val, "true", 4) == 0;
		else if (attr(s, l, "ListenStream", val, sizeof(val)))
			*listen = it.no;
	}
}

static void build_unit(builder *bd, const char *name, const char *wants)
{
	fg_arena *a = &bd->b->arena;
	const fg_node *unit = find_unit(bd, name);
	const char *enabled = fg_arena_strdup(a, name), *w = fg_arena_strdup(a, wants);
	if (!enabled || !w)
		return;
	if (fg_ends_with(name, ".service")) {
		unit_execs(bd, unit, enabled, w);
		return;
	}
	/* A socket starts its service on connection: Service=, else the same
	 * name, as a template when Accept=yes. */
	char service[FG_SH_MAX_WORD];
	bool accept;
	unsigned listen;
	socket_info(unit, service, sizeof(service), &accept, &listen);
	if (!service[0])
		snprintf(service, sizeof(service), "%.*s%s", (int)(strlen(name) - 7), name,
			 accept ? "@.service" : ".service");
	unit_execs(bd, find_unit(bd, service), enabled, w);
	if (unit) {
		fg_boot_start st = {
			.src = FG_BOOT_SOCKET, .node = unit, .line = listen, .boot = FG_BOOT_YES,
			.why = fg_arena_printf(a, "enabled by %s", wants), .service = enabled, .id = w,
		};
		add_start(bd, st);
	}
}

static void build_systemd(builder *bd)
{
	for (const char *const *ud = unit_dirs; *ud; ud++) {
		fg_node *d = fg_tree_lookup(bd->root, *ud, true);
		if (!d || d->type != FG_NODE_DIR)
			continue;
		for (size_t i = 0; i < d->nchildren; i++) {
			const fg_node *w = d->children[i];
			if (w->type != FG_NODE_DIR ||
			    !(fg_ends_with(w->name, ".wants") || fg_ends_with(w->name, ".requires")))
				continue;
			for (size_t k = 0; k < w->nchildren; k++) {
				const char *name = w->children[k]->name;
				char wants[1024];
				if (!fg_ends_with(name, ".service") && !fg_ends_with(name, ".socket"))
					continue;
				snprintf(wants, sizeof(wants), "%s/%s/%s", *ud, w->name, name);
				build_unit(bd, name, wants);
			}
		}
	}
}

/* ---- entry points ---------------------------------------------------------- */

fg_boot *fg_boot_build(fg_node *root)
{
	fg_boot *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	fg_arena_init(&b->arena);
	builder bd = { .root = root, .b = b };
	build_inittab(&bd);
	build_scripts(&bd);
	build_inetd(&bd);
	build_xinetd(&bd);
	build_systemd(&bd);
	for (size_t i = 0; i < bd.sv.n; i++)
		scan_free(bd.sv.v[i].sc);
	FG_VEC_FREE(&bd.sv);
	return b;
}

void fg_boot_free(fg_boot *b)
{
	if (!b)
		return;
	FG_VEC_FREE(&b->v);
	fg_arena_free(&b->arena);
	free(b);
}

static const char boot_key; /* its address is the cache key */

static void *make_boot(fg_check_ctx *ctx)
{
	fg_boot *b = fg_boot_build(fg_ctx_root(ctx));
	if (b && b->truncated)
		fg_ctx_warn(ctx, NULL, "boot configuration too large: some boot commands were not examined");
	return b;
}

static void free_boot(void *p)
{
	fg_boot_free(p);
}

const fg_boot *fg_boot_of(fg_check_ctx *ctx)
{
	return fg_ctx_cache(ctx, &boot_key, make_boot, free_boot);
}

const char *fg_boot_inetd_program(const fg_boot_start *s)
{
	if (strcmp(fg_base_name(s->prog), "tcpd") == 0 && s->argc > 0)
		return s->argv[0];
	return s->prog;
}

void fg_boot_describe(const fg_boot_start *s, char *out, size_t cap)
{
	switch (s->src) {
	case FG_BOOT_INITTAB:
		snprintf(out, cap, "/etc/inittab line %u (action '%s')", s->line, s->service);
		break;
	case FG_BOOT_SCRIPT:
		if (s->boot == FG_BOOT_YES)
			snprintf(out, cap, "%s line %u, which runs at boot (%s)", s->path, s->line, s->why);
		else
			snprintf(out, cap, "%s line %u (not proven to run at boot: no S??* name, no rc.d "
				 "link, not called from a boot script)", s->path, s->line);
		break;
	case FG_BOOT_INETD:
		snprintf(out, cap, "%s line %u (inetd service '%s')", s->path, s->line, s->service);
		break;
	case FG_BOOT_XINETD:
		snprintf(out, cap, "%s line %u (xinetd service '%s')", s->path, s->line, s->service);
		break;
	case FG_BOOT_SYSTEMD:
	case FG_BOOT_SOCKET:
		snprintf(out, cap, "%s line %u (systemd unit %s, %s)", s->path, s->line, s->service, s->why);
		break;
	}
}

int fg_boot_severity(const fg_boot_start *s, int sev)
{
	if (s->boot == FG_BOOT_DISABLED)
		return -1;
	if (s->boot == FG_BOOT_UNKNOWN)
		return sev < FG_SEV_MEDIUM ? sev : FG_SEV_MEDIUM;
	return sev;
}

const char *fg_boot_first_operand(const fg_boot_start *s, const char *with_value)
{
	for (size_t i = 0; i < s->argc; i++) {
		const char *a = s->argv[i];
		if (a[0] != '-' || !a[1])
			return a;
		if (a[1] != '-' && !a[2] && with_value) {
			char opt[4] = { '-', a[1], 0, 0 };
			if (strstr(with_value, opt))
				i++;
		}
	}
	return NULL;
}

const char *fg_boot_option(const fg_boot_start *s, const char *opt)
{
	size_t ol = strlen(opt);
	for (size_t i = 0; i < s->argc; i++) {
		const char *a = s->argv[i];
		if (strncmp(a, opt, ol) != 0)
			continue;
		if (!a[ol])
			return i + 1 < s->argc ? s->argv[i + 1] : NULL;
		if (opt[1] == '-' && a[ol] == '=')
			return a + ol + 1;
		if (opt[1] != '-')
			return a + ol;
	}
	return NULL;
}
