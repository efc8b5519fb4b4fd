/*
 * sigscan.c - matching signatures against file content and file names.
 *
 * One Vectorscan pass over a file finds every `match` literal of every
 * signature; only then do the version regexes run, each on a window of
 * FG_SIG_WINDOW bytes either side of a hit. Binary content is turned
 * into lines for the regexes: every NUL or control byte becomes '\n',
 * so "a string of the binary" is "a line of the window" and `^`, `$`
 * and `[^\n]` keep a regex inside one string.
 */
#include <fnmatch.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inv_internal.h"
#include "inventory/sigdb.h"

#define MAX_HITS_PER_LITERAL 64  /* later repeats of a literal add nothing */
#define MAX_REGEX_TRIES 64        /* per signature per file: bounds work on hostile files */
#define HS_WINDOW (1u << 30)

typedef struct raw_hit {
	uint32_t lit;
	uint64_t end;
} raw_hit;

struct fg_sig_scanner {
	const fg_sigdb *db;
	hs_scratch_t *scratch;
	FG_VEC(raw_hit) raw;
	uint8_t *lit_count;      /* hits recorded per literal, this buffer */
	uint8_t *state;          /* per signature: 0 none, 1 presence, 2 version */
	uint8_t *tries;          /* regex attempts per signature, this buffer */
	uint8_t *required;       /* per signature: a `require` literal was seen */
	int *slot;               /* per signature: index in the output, -1 */
	char win[2 * FG_SIG_WINDOW + 256 + 2];
	uint64_t base;           /* offset of the current hs window */
};

fg_sig_scanner *fg_sig_scanner_new(const fg_sigdb *db)
{
	fg_sig_scanner *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->db = db;
	s->lit_count = calloc(db->nlits + 1, 1);
	s->state = calloc(db->nsigs + 1, 1);
	s->tries = calloc(db->nsigs + 1, 1);
	s->required = calloc(db->nsigs + 1, 1);
	s->slot = calloc(db->nsigs + 1, sizeof(int));
	if (!s->lit_count || !s->state || !s->tries || !s->required || !s->slot ||
	    (db->hs_db && hs_alloc_scratch(db->hs_db, &s->scratch) != HS_SUCCESS)) {
		fg_sig_scanner_free(s);
		return NULL;
	}
	return s;
}

void fg_sig_scanner_free(fg_sig_scanner *s)
{
	if (!s)
		return;
	if (s->scratch)
		hs_free_scratch(s->scratch);
	FG_VEC_FREE(&s->raw);
	free(s->lit_count);
	free(s->state);
	free(s->tries);
	free(s->required);
	free(s->slot);
	free(s);
}

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
		  unsigned int flags, void *ctx)
{
	(void)from;
	(void)flags;
	fg_sig_scanner *s = ctx;
	if (s->lit_count[id] >= MAX_HITS_PER_LITERAL)
		return 0;
	s->lit_count[id]++;
	raw_hit h = { id, s->base + to };
	if (!FG_VEC_PUSH(&s->raw, h))
		return 1;
	return 0;
}

static bool printable(uint8_t c)
{
	return c >= 0x20 && c < 0x7f;
}

/* Copies DATA[start, end) into the window as lines. */
static size_t fill_window(char *win, const uint8_t *data, size_t start, size_t end)
{
	size_t k = 0;
	for (size_t i = start; i < end; i++)
		win[k++] = printable(data[i]) || data[i] == '\t' ? (char)data[i] : '\n';
	win[k] = '\0';
	return k;
}

static void copy_text(char *out, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = s[i] == '\n' ? ' ' : s[i];
	out[n] = '\0';
}


typedef struct window {
	const char *text;
	size_t len;
	size_t ls, le;           /* the literal inside the window */
	bool notbol, noteol;     /* the window cuts a string at its start / end */
} window;

static int exec_at(const fg_sig_regex *r, const window *w, size_t off, regmatch_t *pm, size_t npm)
{
	int eflags = 0;
	if (off == 0 ? w->notbol : w->text[off - 1] != '\n')
		eflags |= REG_NOTBOL;
	if (w->noteol)
		eflags |= REG_NOTEOL;
	return regexec(&r->re, w->text + off, npm, pm, eflags);
}

/* `version`: the first match that overlaps the literal. */
static bool try_overlap(const fg_sig_regex *r, const window *w, regmatch_t *pm, size_t npm,
			size_t *ms_out, size_t *me_out, size_t *base_out)
{
	size_t off = 0;
	for (int guard = 0; off <= w->len && guard < 64; guard++) {
		if (exec_at(r, w, off, pm, npm) != 0)
			return false;
		size_t ms = off + (size_t)pm[0].rm_so, me = off + (size_t)pm[0].rm_eo;
		if (me > w->ls && ms < w->le) {
			*ms_out = ms;
			*me_out = me;
			*base_out = off;
			return true;
		}
		if (ms >= w->le)
			return false;
		off = me > ms ? me : ms + 1;
	}
	return false;
}

/* `version-near`: the whole string closest to the literal. */
static bool try_near(const fg_sig_regex *r, const window *w, regmatch_t *pm, size_t npm,
		     size_t *ms_out, size_t *me_out, size_t *base_out)
{
	size_t off = 0, best = (size_t)-1;
	regmatch_t keep[8];
	for (int guard = 0; off <= w->len && guard < 64; guard++) {
		if (exec_at(r, w, off, pm, npm) != 0)
			break;
		size_t ms = off + (size_t)pm[0].rm_so, me = off + (size_t)pm[0].rm_eo;
		size_t dist = me <= w->ls ? w->ls - me : ms >= w->le ? ms - w->le : 0;
		if (dist < best && me > ms) {
			best = dist;
			memcpy(keep, pm, sizeof(keep));
			*ms_out = ms;
			*me_out = me;
			*base_out = off;
		}
		off = me > ms ? me : ms + 1;
	}
	if (best == (size_t)-1)
		return false;
	memcpy(pm, keep, sizeof(keep));
	return true;
}

/* Runs the signature's version regexes around one literal hit. */
static bool version_at(fg_sig_scanner *s, const fg_sig *sig, const uint8_t *data, size_t len,
		       uint64_t lit_start, uint32_t lit_len, fg_sig_hit *out)
{
	size_t start = lit_start > FG_SIG_WINDOW ? (size_t)lit_start - FG_SIG_WINDOW : 0;
	size_t end = (size_t)lit_start + lit_len + FG_SIG_WINDOW;
	if (end > len)
		end = len;
	window w = {
		.text = s->win,
		.ls = (size_t)lit_start - start,
		.le = (size_t)lit_start - start + lit_len,
		.notbol = start > 0 && printable(data[start - 1]),
		.noteol = end < len && printable(data[end]),
	};
	w.len = fill_window(s->win, data, start, end);
	for (size_t i = 0; i < sig->nversions; i++) {
		const fg_sig_regex *r = &sig->versions[i];
		regmatch_t pm[8];
		size_t ms, me, base;
		bool ok = r->near ? try_near(r, &w, pm, 8, &ms, &me, &base)
				  : try_overlap(r, &w, pm, 8, &ms, &me, &base);
		if (!ok)
			continue;
		size_t g = r->vgroup;
		if (g >= 8 || pm[g].rm_so < 0)
			g = 0;
		size_t vs = base + (size_t)pm[g].rm_so, ve = base + (size_t)pm[g].rm_eo;
		char v[64];
		if (!fg_version_clean(s->win + vs, ve - vs, v, sizeof(v)))
			continue;
		/* maps name releases for sonames; a version string in the
		 * content stands for itself when no map entry names it */
		fg_sig_map_version(sig, v, sizeof(v));
		snprintf(out->version, sizeof(out->version), "%s", v);
		if (r->near) {
			char lit[64];
			copy_text(lit, sizeof(lit), s->win + w.ls, w.le - w.ls);
			snprintf(out->text, sizeof(out->text), "%.*s (near \"%s\")", (int)(me - ms),
				 s->win + ms, lit);
		} else {
			copy_text(out->text, sizeof(out->text), s->win + ms, me - ms);
		}
		return v[0] != '\0';
	}
	return false;
}

static bool path_allowed(const fg_sig *sig, const char *path)
{
	if (!sig->nglobs)
		return true;
	if (!path)
		return false;
	for (size_t i = 0; i < sig->nglobs; i++)
		if (fnmatch(sig->globs[i], path, 0) == 0)
			return true;
	return false;
}

static int raw_cmp(const void *a, const void *b)
{
	const raw_hit *x = a, *y = b;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->lit < y->lit ? -1 : x->lit > y->lit;
}

static void process_hit(fg_sig_scanner *s, const raw_hit *h, const uint8_t *data, size_t len,
			const char *path, fg_sig_hit *hits, size_t max, size_t *n)
{
	const fg_sig_lit *lit = &s->db->lits[h->lit];
	uint32_t si = lit->sig;
	const fg_sig *sig = &s->db->sigs[si];
	if (lit->require || s->state[si] == 2 || (sig->nrequires && !s->required[si]) ||
	    !path_allowed(sig, path) || h->end < lit->len)
		return;
	uint64_t lit_start = h->end - lit->len;
	fg_sig_hit tmp = { .sig = si, .offset = lit_start };
	bool versioned = false;
	if (sig->nversions && s->tries[si] < MAX_REGEX_TRIES) {
		s->tries[si]++;
		versioned = version_at(s, sig, data, len, lit_start, lit->len, &tmp);
	}
	if (!versioned) {
		if (s->state[si] == 1)
			return;
		tmp.version[0] = '\0';
		if (!tmp.text[0]) {
			size_t e = (size_t)lit_start + lit->len <= len ? lit->len : 0;
			char buf[128];
			fill_window(buf, data, (size_t)lit_start, (size_t)lit_start + (e < 127 ? e : 127));
			copy_text(tmp.text, sizeof(tmp.text), buf, strlen(buf));
		}
	}
	if (s->slot[si] < 0) {
		if (*n >= max)
			return;
		s->slot[si] = (int)(*n)++;
	}
	hits[s->slot[si]] = tmp;
	s->state[si] = versioned ? 2 : 1;
}

size_t fg_sig_match(fg_sig_scanner *s, const uint8_t *data, size_t len, const char *path,
		    fg_sig_hit *hits, size_t max)
{
	if (!s->db->hs_db || !len)
		return 0;
	s->raw.n = 0;
	memset(s->lit_count, 0, s->db->nlits);
	memset(s->state, 0, s->db->nsigs);
	memset(s->tries, 0, s->db->nsigs);
	memset(s->required, 0, s->db->nsigs);
	for (size_t i = 0; i < s->db->nsigs; i++)
		s->slot[i] = -1;
	/* Vectorscan takes unsigned lengths: windows overlapping by the
	 * longest literal so no hit on a boundary is lost. */
	for (size_t off = 0; off < len;) {
		size_t n = len - off > HS_WINDOW ? HS_WINDOW : len - off;
		s->base = off;
		hs_scan(s->db->hs_db, (const char *)data + off, (unsigned)n, 0, s->scratch, on_hit, s);
		if (off + n >= len)
			break;
		off += n - 256;
	}
	if (s->raw.n > 1)
		qsort(s->raw.v, s->raw.n, sizeof(*s->raw.v), raw_cmp);
	for (size_t i = 0; i < s->raw.n; i++)
		if (s->db->lits[s->raw.v[i].lit].require)
			s->required[s->db->lits[s->raw.v[i].lit].sig] = 1;
	size_t n = 0;
	for (size_t i = 0; i < s->raw.n; i++)
		process_hit(s, &s->raw.v[i], data, len, path, hits, max, &n);
	return n;
}

size_t fg_sig_match_filename(const fg_sigdb *db, const char *path, fg_sig_hit *hits, size_t max)
{
	const char *base = path && strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = 0;
	for (size_t i = 0; i < db->nfilename_sigs && n < max; i++) {
		const fg_sig *sig = &db->sigs[db->filename_sigs[i]];
		if (path && !path_allowed(sig, path))
			continue;
		for (size_t j = 0; j < sig->nfilenames; j++) {
			const fg_sig_regex *r = &sig->filenames[j];
			size_t pl = strlen(r->prefix);
			bool anchored = r->src[0] == '^';
			if (pl && (anchored ? strncmp(base, r->prefix, pl) != 0 : !strstr(base, r->prefix)))
				continue;
			regmatch_t pm[8];
			if (regexec(&r->re, base, 8, pm, 0) != 0)
				continue;
			unsigned g = r->vgroup;
			fg_sig_hit *h = &hits[n++];
			memset(h, 0, sizeof(*h));
			h->sig = db->filename_sigs[i];
			snprintf(h->text, sizeof(h->text), "%s", base);
			if (g && g < 8 && pm[g].rm_so >= 0 &&
			    fg_version_clean(base + pm[g].rm_so, (size_t)(pm[g].rm_eo - pm[g].rm_so),
					     h->version, sizeof(h->version)) &&
			    !fg_sig_map_version(sig, h->version, sizeof(h->version)))
				h->version[0] = '\0';
			break;
		}
	}
	return n;
}

/* ---- the stage's use: files of a tree, blobs ---- */

#define MAX_FILE_HITS 64

/* A package of this container that is this signature's component at
 * this version: what the signature found belongs to it (a database that
 * lists no files, as the Debian installer's, leaves files unowned). */
static inv_comp *package_of(fg_inv *inv, const fg_sig *sig, const char *version)
{
	if (!*version)
		return NULL;
	for (size_t i = 0; i < inv->comps.n; i++) {
		inv_comp *c = &inv->comps.v[i];
		if (c->sig && !strcmp(c->sig, sig->name) && strcmp(c->name, sig->name) &&
		    !strcmp(c->version, version) && !strcmp(c->container, inv->container))
			return c;
	}
	return NULL;
}

static void record(fg_inv *inv, const fg_sig_hit *h, const char *method, fg_confidence conf,
		   const char *where, const fg_node *node)
{
	const fg_sig *sig = &inv->db->sigs[h->sig];
	if (!h->version[0] && !sig->unversioned)
		return;
	inv_comp *c = package_of(inv, sig, h->version);
	if (!c)
		c = fg_inv_comp(inv, sig->name, h->version, sig->type);
	if (!c)
		return;
	c->sig = sig->name;
	const char *purl = fg_purl_make(inv->arena, sig->purl_type ? sig->purl_type : "generic",
					sig->purl_ns, sig->purl_name ? sig->purl_name : sig->name,
					h->version, NULL);
	fg_inv_ids(inv, c, sig->cpe ? fg_cpe_make(inv->arena, sig->cpe, h->version) : NULL, purl,
		   sig->supplier);
	fg_inv_evidence(inv, c, method, where, h->text, (int64_t)h->offset, conf);
	if (node)
		fg_inv_file(inv, c, where, node);
	if (sig->nmaps && strcmp(method, "filename") == 0)
		fg_inv_prop(inv, c, "version-source", "soname-map");
}

/* One scanner per run: its scratch and tables are sized to the database. */
static fg_sig_scanner *scanner_of(fg_inv *inv)
{
	if (!inv->scanner)
		inv->scanner = fg_sig_scanner_new(inv->db);
	return inv->scanner;
}

static void scan_content(fg_inv *inv, const uint8_t *data, size_t len, uint64_t base,
			 const char *path, const char *where, const fg_node *node, bool *versioned)
{
	fg_sig_scanner *s = scanner_of(inv);
	if (!s)
		return;
	fg_sig_hit hits[MAX_FILE_HITS];
	size_t n = fg_sig_match(s, data, len, path, hits, MAX_FILE_HITS);
	for (size_t i = 0; i < n; i++) {
		hits[i].offset += base;
		record(inv, &hits[i], "signature", hits[i].version[0] ? FG_CONF_HIGH : FG_CONF_LOW,
		       where, node);
		if (versioned && hits[i].version[0])
			versioned[hits[i].sig] = true;
	}
}

static void scan_name(fg_inv *inv, const char *path, const fg_node *node, const bool *versioned)
{
	fg_sig_hit hits[8];
	size_t n = fg_sig_match_filename(inv->db, path, hits, 8);
	for (size_t i = 0; i < n; i++) {
		if (versioned && versioned[hits[i].sig])
			continue; /* the content already said which version */
		const fg_sig *sig = &inv->db->sigs[hits[i].sig];
		hits[i].offset = (uint64_t)-1;
		record(inv, &hits[i], "filename", sig->nmaps ? FG_CONF_LOW : FG_CONF_MEDIUM, path, node);
	}
}

static void scan_file(fg_inv *inv, fg_node *n, bool *versioned)
{
	char path[4096];
	if (!fg_node_path(n, path, sizeof(path)))
		return;
	memset(versioned, 0, inv->db->nsigs);
	if (n->data && n->data_len)
		scan_content(inv, n->data, n->data_len, 0, path, path, n, versioned);
	scan_name(inv, path, n, versioned);
	fg_inv_uimage_header(inv, n, path);
}

void fg_inv_scan_tree(fg_inv *inv)
{
	bool *versioned = calloc(inv->db->nsigs + 1, 1);
	FG_VEC(fg_node *) stack = {0};
	if (!versioned || !FG_VEC_PUSH(&stack, inv->root))
		goto out;
	while (stack.n) {
		fg_node *n = stack.v[--stack.n];
		/* children in reverse so files come out in name order */
		for (size_t i = n->nchildren; i-- > 0;)
			if (!FG_VEC_PUSH(&stack, n->children[i]))
				goto out;
		if (n->type != FG_NODE_FILE || fg_inv_is_owned(inv, n))
			continue;
		scan_file(inv, n, versioned);
	}
out:
	FG_VEC_FREE(&stack);
	free(versioned);
}

/* True for the bytes of R that no handler's output holds: unclaimed
 * (unknown, padding, high-entropy) and those of the leaf that describes
 * the blob itself (a decompressed kernel). */
static bool unowned_range(const fg_node *blob, const fg_range *r)
{
	if (r->kind != FG_RANGE_CHUNK)
		return true;
	return blob->format && r->format && strcmp(r->format, blob->format) == 0;
}

void fg_inv_scan_blob(fg_inv *inv, const fg_node *blob, const char *where, const fg_node *file)
{
	const fg_coverage *cov = blob->coverage;
	if (cov) {
		/* Consecutive unowned ranges are scanned as one region: padding
		 * between two pieces of one program (a VxWorks image's banner
		 * and its "WIND version" string) must not split a signature
		 * from its `require` literal. */
		size_t i = 0;
		while (i < cov->n) {
			if (!unowned_range(blob, &cov->ranges[i])) {
				i++;
				continue;
			}
			uint64_t from = cov->ranges[i].offset, to = from + cov->ranges[i].length;
			while (++i < cov->n && unowned_range(blob, &cov->ranges[i]) &&
			       cov->ranges[i].offset == to)
				to += cov->ranges[i].length;
			if (to > blob->data_len)
				to = blob->data_len;
			if (to > from)
				scan_content(inv, blob->data + from, (size_t)(to - from), from, NULL,
					     where, file, NULL);
		}
	} else if (!blob->unpacked && blob->data_len) {
		scan_content(inv, blob->data, blob->data_len, 0, NULL, where, file, NULL);
	}
	fg_inv_uimage_header(inv, blob, where);
}
