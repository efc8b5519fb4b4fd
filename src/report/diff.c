/*
 * diff.c - two releases set against each other (see diff.h for the
 * identities). Every list comes out sorted, so the same two inputs give
 * the same output.
 */
#include "report/diff.h"

#include <stdlib.h>
#include <string.h>

#include "vulns/vulns.h"

static int scmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* ---- components ---------------------------------------------------------- */

static int comp_cmp(const void *pa, const void *pb)
{
	const fg_dcomp *a = *(const fg_dcomp *const *)pa, *b = *(const fg_dcomp *const *)pb;
	int c = scmp(a->name, b->name);
	if (c)
		return c;
	if ((c = fg_version_cmp(a->version, b->version)))
		return c;
	return scmp(a->version, b->version);
}

typedef FG_VEC(const fg_dcomp *) comp_ptrs;

/* Pointers to SIDE's components, sorted by name and version, one per
 * (name, version): a component found in two file trees is one here. */
static void unique_comps(const fg_diff_side *side, comp_ptrs *out)
{
	comp_ptrs all = { 0 };
	for (size_t i = 0; i < side->comps.n; i++)
		FG_VEC_PUSH(&all, &side->comps.v[i]);
	if (all.n > 1)
		qsort(all.v, all.n, sizeof(all.v[0]), comp_cmp);
	for (size_t i = 0; i < all.n; i++)
		if (!out->n || scmp(out->v[out->n - 1]->name, all.v[i]->name) ||
		    scmp(out->v[out->n - 1]->version, all.v[i]->version))
			FG_VEC_PUSH(out, all.v[i]);
	FG_VEC_FREE(&all);
}

/* One name's versions on both sides, each sorted by comp_cmp: versions on
 * both sides are unchanged; what is left pairs up in order as upgrades or
 * downgrades; the rest was added or removed. */
static void diff_name(fg_diff *d, const fg_dcomp *const *o, size_t no, const fg_dcomp *const *n, size_t nn)
{
	const fg_dcomp **lo = malloc((no + 1) * sizeof(*lo)), **ln = malloc((nn + 1) * sizeof(*ln));
	size_t ko = 0, kn = 0, i = 0, j = 0;
	if (!lo || !ln)
		goto out;
	while (i < no || j < nn) {
		int c = i == no ? 1 : j == nn ? -1 : comp_cmp(&o[i], &n[j]);
		if (c == 0)
			i++, j++;
		else if (c < 0)
			lo[ko++] = o[i++];
		else
			ln[kn++] = n[j++];
	}
	size_t pairs = ko < kn ? ko : kn;
	for (size_t k = 0; k < pairs; k++) {
		int c = fg_version_cmp(ln[k]->version, lo[k]->version);
		bool unknown = !*lo[k]->version || !*ln[k]->version;
		fg_dcomp_change ch = { lo[k], ln[k],
				       unknown || !c ? FG_DC_CHANGED : c > 0 ? FG_DC_UPGRADED : FG_DC_DOWNGRADED };
		FG_VEC_PUSH(&d->comps_changed, ch);
	}
	for (size_t k = pairs; k < ko; k++)
		FG_VEC_PUSH(&d->comps_removed, lo[k]);
	for (size_t k = pairs; k < kn; k++)
		FG_VEC_PUSH(&d->comps_added, ln[k]);
out:
	free(lo);
	free(ln);
}

static void diff_components(fg_diff *d)
{
	comp_ptrs o = { 0 }, n = { 0 };
	unique_comps(d->old, &o);
	unique_comps(d->new_, &n);
	size_t i = 0, j = 0;
	while (i < o.n || j < n.n) {
		const char *name = i == o.n ? n.v[j]->name : j == n.n ? o.v[i]->name :
				   scmp(o.v[i]->name, n.v[j]->name) <= 0 ? o.v[i]->name : n.v[j]->name;
		size_t i0 = i, j0 = j;
		while (i < o.n && !scmp(o.v[i]->name, name))
			i++;
		while (j < n.n && !scmp(n.v[j]->name, name))
			j++;
		/* an empty vector has no array: no pointer arithmetic on it */
		diff_name(d, i > i0 ? o.v + i0 : NULL, i - i0, j > j0 ? n.v + j0 : NULL, j - j0);
	}
	FG_VEC_FREE(&o);
	FG_VEC_FREE(&n);
}

/* ---- vulnerabilities ----------------------------------------------------- */

static int vuln_cmp(const void *pa, const void *pb)
{
	const fg_dvuln *a = *(const fg_dvuln *const *)pa, *b = *(const fg_dvuln *const *)pb;
	int c = scmp(a->id, b->id);
	return c ? c : scmp(a->component, b->component);
}

typedef FG_VEC(const fg_dvuln *) vuln_ptrs;

static void sorted_vulns(const fg_diff_side *s, vuln_ptrs *out)
{
	for (size_t i = 0; i < s->vulns.n; i++)
		FG_VEC_PUSH(out, &s->vulns.v[i]);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), vuln_cmp);
}

static void diff_vulns(fg_diff *d)
{
	vuln_ptrs o = { 0 }, n = { 0 };
	sorted_vulns(d->old, &o);
	sorted_vulns(d->new_, &n);
	size_t i = 0, j = 0;
	while (i < o.n || j < n.n) {
		int c = i == o.n ? 1 : j == n.n ? -1 : vuln_cmp(&o.v[i], &n.v[j]);
		const fg_dvuln *key = c <= 0 ? o.v[i] : n.v[j];
		if (c < 0)
			FG_VEC_PUSH(&d->vulns_fixed, o.v[i]);
		else if (c > 0)
			FG_VEC_PUSH(&d->vulns_introduced, n.v[j]);
		/* skip every record of this (ID, component) on both sides */
		while (i < o.n && !vuln_cmp(&o.v[i], &key))
			i++;
		while (j < n.n && !vuln_cmp(&n.v[j], &key))
			j++;
	}
	FG_VEC_FREE(&o);
	FG_VEC_FREE(&n);
}

/* ---- findings ------------------------------------------------------------ */

static int finding_key_cmp(const void *pa, const void *pb)
{
	const fg_dfinding *a = *(const fg_dfinding *const *)pa, *b = *(const fg_dfinding *const *)pb;
	int c = scmp(a->fingerprint, b->fingerprint);
	if (c)
		return c;
	if ((c = scmp(a->container, b->container)))
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* The order of the scan's own report: severity, check, path, line. */
static int finding_show_cmp(const void *pa, const void *pb)
{
	const fg_dfinding *a = *(const fg_dfinding *const *)pa, *b = *(const fg_dfinding *const *)pb;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	int c = scmp(a->check_id, b->check_id);
	if (c || (c = scmp(a->path, b->path)))
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return scmp(a->fingerprint, b->fingerprint);
}

typedef FG_VEC(const fg_dfinding *) finding_ptrs;

static void sorted_findings(const fg_diff_side *s, finding_ptrs *out)
{
	for (size_t i = 0; i < s->findings.n; i++)
		FG_VEC_PUSH(out, &s->findings.v[i]);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), finding_key_cmp);
}

static void sort_shown(const fg_dfinding **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(v[0]), finding_show_cmp);
}

static void diff_findings(fg_diff *d)
{
	finding_ptrs o = { 0 }, n = { 0 };
	sorted_findings(d->old, &o);
	sorted_findings(d->new_, &n);
	size_t i = 0, j = 0;
	while (i < o.n || j < n.n) {
		int c = i == o.n ? 1 : j == n.n ? -1 : scmp(o.v[i]->fingerprint, n.v[j]->fingerprint);
		if (c < 0) {
			FG_VEC_PUSH(&d->findings_fixed, o.v[i++]);
		} else if (c > 0) {
			FG_VEC_PUSH(&d->findings_new, n.v[j++]);
		} else {
			FG_VEC_PUSH(&d->findings_unchanged, n.v[j++]);
			i++;
		}
	}
	sort_shown(d->findings_new.v, d->findings_new.n);
	for (size_t k = 0; k < d->findings_new.n; k++)
		d->new_suppressed += d->findings_new.v[k]->suppressed != NULL;
	sort_shown(d->findings_fixed.v, d->findings_fixed.n);
	sort_shown(d->findings_unchanged.v, d->findings_unchanged.n);
	FG_VEC_FREE(&o);
	FG_VEC_FREE(&n);
}

/* ---- verdicts ------------------------------------------------------------ */

static int verdict_cmp(const void *pa, const void *pb)
{
	const fg_dverdict *a = *(const fg_dverdict *const *)pa, *b = *(const fg_dverdict *const *)pb;
	int c = scmp(a->standard, b->standard);
	if (c)
		return c;
	/* natural order: "Principle 3" before "Principle 13"; ties broken exactly */
	c = strverscmp(a->requirement ? a->requirement : "", b->requirement ? b->requirement : "");
	return c ? c : scmp(a->requirement, b->requirement);
}

typedef FG_VEC(const fg_dverdict *) verdict_ptrs;

static void sorted_verdicts(const fg_diff_side *s, verdict_ptrs *out)
{
	for (size_t i = 0; i < s->verdicts.n; i++)
		FG_VEC_PUSH(out, &s->verdicts.v[i]);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), verdict_cmp);
}

static void diff_verdicts(fg_diff *d)
{
	verdict_ptrs o = { 0 }, n = { 0 };
	sorted_verdicts(d->old, &o);
	sorted_verdicts(d->new_, &n);
	size_t i = 0, j = 0;
	while (i < o.n || j < n.n) {
		int c = i == o.n ? 1 : j == n.n ? -1 : verdict_cmp(&o.v[i], &n.v[j]);
		fg_dverdict_change ch = { c <= 0 ? o.v[i] : NULL, c >= 0 ? n.v[j] : NULL };
		i += c <= 0;
		j += c >= 0;
		if (!ch.old || !ch.new_ || scmp(ch.old->verdict, ch.new_->verdict))
			FG_VEC_PUSH(&d->verdicts, ch);
	}
	FG_VEC_FREE(&o);
	FG_VEC_FREE(&n);
}

/* ---- files --------------------------------------------------------------- */

static int file_cmp(const void *pa, const void *pb)
{
	const fg_dfile *a = *(const fg_dfile *const *)pa, *b = *(const fg_dfile *const *)pb;
	int c = scmp(a->path, b->path);
	if (c || (c = scmp(a->sha256, b->sha256)))
		return c;
	return scmp(a->target, b->target);
}

typedef FG_VEC(const fg_dfile *) file_ptrs;

static void sorted_files(const fg_diff_side *s, file_ptrs *out)
{
	for (size_t i = 0; i < s->files.n; i++)
		FG_VEC_PUSH(out, &s->files.v[i]);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), file_cmp);
}

static void diff_files(fg_diff *d)
{
	d->files_compared = d->old->has_files && d->new_->has_files;
	if (!d->files_compared)
		return;
	file_ptrs o = { 0 }, n = { 0 };
	sorted_files(d->old, &o);
	sorted_files(d->new_, &n);
	size_t i = 0, j = 0;
	while (i < o.n || j < n.n) {
		int c = i == o.n ? 1 : j == n.n ? -1 : scmp(o.v[i]->path, n.v[j]->path);
		if (c < 0) {
			FG_VEC_PUSH(&d->files_removed, o.v[i++]);
		} else if (c > 0) {
			FG_VEC_PUSH(&d->files_added, n.v[j++]);
		} else {
			const fg_dfile *a = o.v[i++], *b = n.v[j++];
			fg_dfile_change ch = { a, b, scmp(a->sha256, b->sha256) || scmp(a->target, b->target) ||
						     !a->sha256 != !b->sha256, (a->mode & 07777) != (b->mode & 07777) };
			if (ch.content || ch.mode)
				FG_VEC_PUSH(&d->files_changed, ch);
			else
				d->files_unchanged++;
		}
	}
	FG_VEC_FREE(&o);
	FG_VEC_FREE(&n);
}

void fg_diff_compare(const fg_diff_side *old, const fg_diff_side *new_, fg_diff *d)
{
	memset(d, 0, sizeof(*d));
	d->old = old;
	d->new_ = new_;
	diff_components(d);
	diff_vulns(d);
	diff_findings(d);
	diff_verdicts(d);
	diff_files(d);
}

void fg_diff_free(fg_diff *d)
{
	FG_VEC_FREE(&d->comps_added);
	FG_VEC_FREE(&d->comps_removed);
	FG_VEC_FREE(&d->comps_changed);
	FG_VEC_FREE(&d->vulns_introduced);
	FG_VEC_FREE(&d->vulns_fixed);
	FG_VEC_FREE(&d->findings_new);
	FG_VEC_FREE(&d->findings_fixed);
	FG_VEC_FREE(&d->findings_unchanged);
	FG_VEC_FREE(&d->verdicts);
	FG_VEC_FREE(&d->files_added);
	FG_VEC_FREE(&d->files_removed);
	FG_VEC_FREE(&d->files_changed);
}

size_t fg_diff_new_at_least(const fg_diff *d, fg_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < d->findings_new.n; i++)
		n += d->findings_new.v[i]->severity >= sev && !d->findings_new.v[i]->suppressed;
	return n;
}
