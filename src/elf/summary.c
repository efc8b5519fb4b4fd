/*
 * summary.c - the "hardening" key of the JSON report (fg_hardening_summary).
 *
 * Every ELF file of every file tree with its verdicts ("binaries"),
 * counts and percentages per architecture ("by_arch"), and the worst
 * offenders, network-facing programs first ("worst_offenders"). The
 * renderer has no access to the checks' per-tree cache, so the trees are
 * scanned again here: the scan only reads headers and symbol tables, a
 * few milliseconds per hundred files, and it is a pure function of the
 * tree, so the report stays deterministic.
 */
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "elf/hardening.h"
#include "report/jsonw.h"

#define MAX_OFFENDERS 20

typedef struct arch_stats {
	const char *arch;
	size_t files, programs, libraries, kmods, other, network;
	size_t nx[3], pie[5], relro[4], canary[4], fortify[5];
	size_t rpath, runpath, rpath_writable, stripped, is_static;
	size_t danger[FG_DANGER_COUNT];  /* files using each dangerous function */
} arch_stats;

typedef FG_VEC(arch_stats) stats_vec;

typedef struct offender {
	const fg_hardening *h;
	const char *container;
	unsigned score;
} offender;

/* ---- binaries ---------------------------------------------------------------- */

static void write_dangerous(fg_jsonw *w, const fg_hardening *h)
{
	fg_jw_key(w, "dangerous_functions");
	fg_jw_arr(w);
	for (int i = 0; i < FG_DANGER_COUNT; i++)
		if (h->dangerous & (1u << i))
			fg_jw_str(w, fg_danger_names[i]);
	fg_jw_arr_end(w);
}

static void write_evidence(fg_jsonw *w, const fg_hardening *h)
{
	fg_jw_key(w, "evidence");
	fg_jw_obj(w);
	fg_jw_kstr(w, "nx", h->nx_why);
	fg_jw_kstr(w, "pie", h->pie_why);
	fg_jw_kstr(w, "relro", h->relro_why);
	fg_jw_kstr(w, "canary", h->canary_why);
	fg_jw_kstr(w, "fortify", h->fortify_why);
	fg_jw_kstr(w, "rpath", h->rpath_why);
	fg_jw_obj_end(w);
}

static void write_binary(fg_jsonw *w, const char *container, const fg_hardening *h)
{
	fg_jw_obj(w);
	fg_jw_kstr(w, "container", container);
	fg_jw_kstr(w, "path", h->path);
	fg_jw_kstr(w, "arch", h->arch);
	fg_jw_kstr(w, "kind", fg_hkind_name(h->kind));
	fg_jw_kbool(w, "network_facing", h->network_facing);
	fg_jw_kstr(w, "started_by", h->started_by);
	fg_jw_kstr(w, "nx", fg_nx_name(h->nx));
	fg_jw_kstr(w, "pie", fg_pie_name(h->pie));
	fg_jw_kstr(w, "relro", fg_relro_name(h->relro));
	fg_jw_kstr(w, "canary", fg_canary_name(h->canary));
	fg_jw_kstr(w, "fortify", fg_fortify_name(h->fortify));
	fg_jw_kuint(w, "fortified", h->fortified);
	fg_jw_kuint(w, "fortifiable", h->fortifiable);
	fg_jw_kstr(w, "rpath", h->rpath);
	fg_jw_kstr(w, "runpath", h->runpath);
	fg_jw_kbool(w, "rpath_writable", h->rpath_writable);
	fg_jw_kbool(w, "stripped", h->stripped);
	fg_jw_kbool(w, "static", h->is_static);
	fg_jw_kstr(w, "libc", fg_libc_name(h->libc));
	fg_jw_kstr(w, "interp", h->interp);
	fg_jw_key(w, "needed");
	fg_jw_arr(w);
	for (size_t i = 0; i < h->nneeded; i++)
		fg_jw_str(w, h->needed[i]);
	fg_jw_arr_end(w);
	write_dangerous(w, h);
	write_evidence(w, h);
	fg_jw_kstr(w, "problem", h->problem);
	fg_jw_obj_end(w);
}

/* ---- per-architecture counts --------------------------------------------------- */

static arch_stats *stats_for(stats_vec *sv, const char *arch)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i].arch, arch) == 0)
			return &sv->v[i];
	arch_stats z = { .arch = arch };
	return FG_VEC_PUSH(sv, z) ? &sv->v[sv->n - 1] : NULL;
}

static void count(stats_vec *sv, const fg_hardening *h)
{
	arch_stats *s = stats_for(sv, h->arch);
	if (!s)
		return;
	s->files++;
	if (fg_hardening_is_program(h))
		s->programs++;
	else if (h->kind == FG_HK_DSO)
		s->libraries++;
	else if (h->kind == FG_HK_KMOD)
		s->kmods++;
	else
		s->other++;
	if (!fg_hardening_rated(h))
		return;
	s->network += h->network_facing;
	s->nx[h->nx]++;
	s->pie[h->pie]++;
	s->relro[h->relro]++;
	s->canary[h->canary]++;
	s->fortify[h->fortify]++;
	s->rpath += h->rpath != NULL;
	s->runpath += h->runpath != NULL;
	s->rpath_writable += h->rpath_writable;
	s->stripped += h->stripped;
	s->is_static += h->is_static;
	for (int i = 0; i < FG_DANGER_COUNT; i++)
		s->danger[i] += (h->dangerous >> i) & 1;
}

/* Rounded share of GOOD in RATED, or null when nothing was rated. */
static void kpercent(fg_jsonw *w, const char *key, size_t good, size_t rated)
{
	fg_jw_key(w, key);
	if (rated)
		fg_jw_uint(w, (100 * good + rated / 2) / rated);
	else
		fg_jw_null(w);
}

static void write_prop(fg_jsonw *w, const char *key, const char *const *names, const size_t *v,
		       size_t nv, size_t good)
{
	size_t rated = 0;
	fg_jw_key(w, key);
	fg_jw_obj(w);
	for (size_t i = 1; i < nv; i++) { /* index 0 is n/a */
		fg_jw_kuint(w, names[i], v[i]);
		rated += v[i];
	}
	fg_jw_kuint(w, "rated", rated);
	kpercent(w, "percent", v[good], rated);
	fg_jw_obj_end(w);
}

static void write_arch(fg_jsonw *w, const arch_stats *s)
{
	static const char *const nx[] = { "n/a", "yes", "no" };
	static const char *const pie[] = { "n/a", "yes", "no" };
	static const char *const relro[] = { "n/a", "full", "partial", "none" };
	static const char *const canary[] = { "n/a", "yes", "no", "unknown" };
	static const char *const fortify[] = { "not_applicable", "yes", "no", "unsupported", "unknown" };
	size_t rated = s->programs + s->libraries;
	fg_jw_obj(w);
	fg_jw_kstr(w, "arch", s->arch);
	fg_jw_kuint(w, "elf_files", s->files);
	fg_jw_kuint(w, "programs", s->programs);
	fg_jw_kuint(w, "libraries", s->libraries);
	fg_jw_kuint(w, "kernel_modules", s->kmods);
	fg_jw_kuint(w, "other", s->other);
	fg_jw_kuint(w, "network_facing", s->network);
	write_prop(w, "nx", nx, s->nx, 3, FG_NX_YES);
	write_prop(w, "pie", pie, s->pie, 3, FG_PIE_YES); /* programs only: dso/rel not counted */
	write_prop(w, "relro", relro, s->relro, 4, FG_RELRO_FULL);
	write_prop(w, "canary", canary, s->canary, 4, FG_CANARY_YES);
	/* fortify: the share of yes among yes + no; the rest cannot be rated */
	fg_jw_key(w, "fortify");
	fg_jw_obj(w);
	for (size_t i = 0; i < 5; i++)
		fg_jw_kuint(w, fortify[i], s->fortify[i]);
	kpercent(w, "percent", s->fortify[FG_FORTIFY_YES],
		 s->fortify[FG_FORTIFY_YES] + s->fortify[FG_FORTIFY_NO]);
	fg_jw_obj_end(w);
	fg_jw_kuint(w, "rpath", s->rpath);
	fg_jw_kuint(w, "runpath", s->runpath);
	fg_jw_kuint(w, "rpath_writable", s->rpath_writable);
	fg_jw_kuint(w, "stripped", s->stripped);
	kpercent(w, "stripped_percent", s->stripped, rated);
	fg_jw_kuint(w, "static_programs", s->is_static);
	fg_jw_key(w, "dangerous_functions"); /* files using each, those used at all */
	fg_jw_obj(w);
	for (int i = 0; i < FG_DANGER_COUNT; i++)
		if (s->danger[i])
			fg_jw_kuint(w, fg_danger_names[i], s->danger[i]);
	fg_jw_obj_end(w);
	fg_jw_obj_end(w);
}

/* ---- worst offenders ------------------------------------------------------------ */

/* Weights: what each weakness adds to a binary's score. */
static unsigned score_of(const fg_hardening *h)
{
	unsigned s = 0;
	s += h->nx == FG_NX_NO ? 4 : 0;
	s += h->rpath_writable ? 3 : 0;
	s += h->dangerous & (1u << FG_DANGER_GETS) ? 3 : 0;
	s += h->pie == FG_PIE_NO ? 2 : 0;
	s += h->relro == FG_RELRO_NONE ? 2 : h->relro == FG_RELRO_PARTIAL ? 1 : 0;
	s += h->canary == FG_CANARY_NO ? 2 : 0;
	s += h->fortify == FG_FORTIFY_NO ? 1 : 0;
	return s;
}

static int offender_cmp(const void *a, const void *b)
{
	const offender *x = a, *y = b;
	if (x->h->network_facing != y->h->network_facing)
		return x->h->network_facing ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	int c = strcmp(x->h->path, y->h->path);
	return c ? c : strcmp(x->container, y->container);
}

static void write_weaknesses(fg_jsonw *w, const fg_hardening *h)
{
	fg_jw_key(w, "weaknesses");
	fg_jw_arr(w);
	if (h->nx == FG_NX_NO)
		fg_jw_str(w, "executable-stack");
	if (h->rpath_writable)
		fg_jw_str(w, "writable-rpath");
	if (h->dangerous & (1u << FG_DANGER_GETS))
		fg_jw_str(w, "gets");
	if (h->pie == FG_PIE_NO)
		fg_jw_str(w, "no-pie");
	if (h->relro == FG_RELRO_NONE)
		fg_jw_str(w, "no-relro");
	else if (h->relro == FG_RELRO_PARTIAL)
		fg_jw_str(w, "partial-relro");
	if (h->canary == FG_CANARY_NO)
		fg_jw_str(w, "no-stack-protector");
	if (h->fortify == FG_FORTIFY_NO)
		fg_jw_str(w, "no-fortify");
	fg_jw_arr_end(w);
}

static void write_offenders(fg_jsonw *w, offender *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), offender_cmp);
	fg_jw_key(w, "worst_offenders");
	fg_jw_arr(w);
	for (size_t i = 0; i < n && i < MAX_OFFENDERS; i++) {
		fg_jw_obj(w);
		fg_jw_kstr(w, "container", v[i].container);
		fg_jw_kstr(w, "path", v[i].h->path);
		fg_jw_kstr(w, "arch", v[i].h->arch);
		fg_jw_kstr(w, "kind", fg_hkind_name(v[i].h->kind));
		fg_jw_kbool(w, "network_facing", v[i].h->network_facing);
		fg_jw_kstr(w, "started_by", v[i].h->started_by);
		fg_jw_kuint(w, "score", v[i].score);
		write_weaknesses(w, v[i].h);
		fg_jw_obj_end(w);
	}
	fg_jw_arr_end(w);
}

/* ---- entry point ---------------------------------------------------------------- */

void fg_hardening_summary(fg_jsonw *w, const fg_result *r)
{
	fg_jw_key(w, "hardening");
	if (r->checks_run.n == 0) {
		fg_jw_null(w);
		return;
	}
	size_t nfs = r->filesystems.n;
	fg_hardening_set **sets = calloc(nfs ? nfs : 1, sizeof(*sets));
	stats_vec sv = {0};
	FG_VEC(offender) off = {0};
	fg_jw_obj(w);
	fg_jw_key(w, "binaries");
	fg_jw_arr(w);
	for (size_t i = 0; sets && i < nfs; i++) {
		const fg_fsinfo *fs = &r->filesystems.v[i];
		if (!(sets[i] = fg_hardening_scan(fs->root)))
			continue;
		for (size_t k = 0; k < sets[i]->v.n; k++) {
			const fg_hardening *h = &sets[i]->v.v[k];
			write_binary(w, fs->chain, h);
			count(&sv, h);
			offender o = { h, fs->chain, score_of(h) };
			if (fg_hardening_rated(h) && o.score)
				FG_VEC_PUSH(&off, o);
		}
	}
	fg_jw_arr_end(w);
	fg_jw_key(w, "by_arch");
	fg_jw_arr(w);
	for (size_t i = 0; i < sv.n; i++)
		write_arch(w, &sv.v[i]);
	fg_jw_arr_end(w);
	write_offenders(w, off.v, off.n);
	fg_jw_obj_end(w);
	for (size_t i = 0; sets && i < nfs; i++)
		fg_hardening_set_free(sets[i]);
	free(sets);
	FG_VEC_FREE(&sv);
	FG_VEC_FREE(&off);
}
