/*
 * text.c - the terminal summary.
 */
#include <string.h>

#include "core/result.h"
#include "report/report_internal.h"

typedef struct palette {
	const char *reset, *bold, *dim, *sev[5], *pass, *fail;
} palette;

static const palette plain = { "", "", "", { "", "", "", "", "" }, "", "" };
static const palette ansi = {
	"\033[0m", "\033[1m", "\033[2m",
	{ "\033[2m", "\033[36m", "\033[33m", "\033[31m", "\033[1;31m" },
	"\033[32m", "\033[31m",
};

static void print_finding(FILE *out, const palette *p, const fg_finding *f, bool verbose)
{
	fprintf(out, "  %s%-8s%s %s%s%s\n", p->sev[f->severity], fg_severity_name(f->severity),
		p->reset, p->bold, f->message, p->reset);
	fprintf(out, "           %s%s", f->path, f->line ? "" : "");
	if (f->line)
		fprintf(out, ":%u", f->line);
	fprintf(out, "  %s[%s]%s\n", p->dim, f->check_id, p->reset);
	if (f->excerpt)
		fprintf(out, "           %s> %s%s\n", p->dim, f->excerpt, p->reset);
	if (verbose) {
		fprintf(out, "           in %s\n", f->container);
		fprintf(out, "           fix: %s\n", f->remediation);
		fprintf(out, "           fingerprint %s\n", f->fingerprint);
	}
}

static void print_filesystems(FILE *out, const palette *p, const fg_result *r)
{
	fprintf(out, "%sFile trees%s (%zu)\n", p->bold, p->reset, r->filesystems.n);
	for (size_t i = 0; i < r->filesystems.n; i++) {
		const fg_fsinfo *fs = &r->filesystems.v[i];
		fprintf(out, "  %s: %llu files, %llu dirs, %llu symlinks, %llu devices%s\n",
			fs->chain, (unsigned long long)fs->files, (unsigned long long)fs->dirs,
			(unsigned long long)fs->symlinks, (unsigned long long)fs->devices,
			(fs->root->flags & FG_NODE_TRUNCATED) ? " (incomplete)" : "");
	}
}

static void print_coverage(FILE *out, const palette *p, const fg_result *r)
{
	fg_coverage c;
	if (!fg_input_coverage(r->tree.root, &c))
		return;
	double total = (double)(c.identified + c.padding + c.unknown + c.high_entropy);
	if (total <= 0)
		return;
	fprintf(out, "%sCoverage%s %.1f%% of %.1f MiB identified (%.1f%% formats, %.1f%% padding); "
		"%.1f%% unknown, %.1f%% high-entropy%s\n",
		p->bold, p->reset, 100.0 * (double)(c.identified + c.padding) / total, total / 1048576.0,
		100.0 * (double)c.identified / total, 100.0 * (double)c.padding / total,
		100.0 * (double)c.unknown / total, 100.0 * (double)c.high_entropy / total,
		c.high_entropy ? " (possibly encrypted)" : "");
}

static void print_components(FILE *out, const palette *p, const fg_result *r)
{
	if (!r->components.n)
		return;
	fprintf(out, "%sComponents%s (%zu)\n", p->bold, p->reset, r->components.n);
	for (size_t i = 0; i < r->components.n; i++) {
		const fg_component *c = &r->components.v[i];
		fprintf(out, "  %s %s  %s(%s, %s)%s\n", c->name, *c->version ? c->version : "?",
			p->dim, c->method, c->path, p->reset);
	}
}

static void print_compliance(FILE *out, const palette *p, const fg_result *r)
{
	if (!r->verdicts.n)
		return;
	fprintf(out, "%sCompliance%s\n", p->bold, p->reset);
	for (size_t i = 0; i < r->verdicts.n; i++) {
		const fg_verdict *v = &r->verdicts.v[i];
		const char *col = v->status == FG_VERDICT_FAIL ? p->fail :
				  v->status == FG_VERDICT_PASS ? p->pass : p->dim;
		fprintf(out, "  %s%-14s%s %-16s %-18s %s\n", col, fg_verdict_status_name(v->status),
			p->reset, v->standard, v->requirement, v->title);
	}
}

static void print_diagnostics(FILE *out, const palette *p, const fg_result *r, bool verbose)
{
	size_t shown = 0;
	for (size_t i = 0; i < r->diags.items.n; i++) {
		const fg_diag *d = &r->diags.items.v[i];
		if (d->level == FG_DIAG_INFO && !verbose)
			continue;
		if (!shown++)
			fprintf(out, "%sDiagnostics%s\n", p->bold, p->reset);
		if (!verbose && shown > 20) {
			fprintf(out, "  ... more in the JSON report\n");
			break;
		}
		fprintf(out, "  %s %s: %s%s%s\n", fg_diag_level_name(d->level), d->stage, d->where,
			*d->where ? ": " : "", d->message);
	}
}

int fg_report_text(const fg_result *r, FILE *out, unsigned flags)
{
	const palette *p = (flags & FG_TEXT_COLOR) ? &ansi : &plain;
	bool verbose = flags & FG_TEXT_VERBOSE;
	fprintf(out, "%sfirmgate %s%s  %s (%s)\n\n", p->bold, fg_version(), p->reset, r->input_name,
		r->input_is_dir ? "directory" : "file");
	print_filesystems(out, p, r);
	print_coverage(out, p, r);
	fputc('\n', out);
	print_components(out, p, r);
	if (r->components.n)
		fputc('\n', out);
	fprintf(out, "%sFindings%s (%zu)\n", p->bold, p->reset, r->findings.n);
	for (size_t i = 0; i < r->findings.n; i++)
		print_finding(out, p, &r->findings.v[i], verbose);
	if (!r->findings.n)
		fprintf(out, "  none\n");
	fputc('\n', out);
	print_compliance(out, p, r);
	print_diagnostics(out, p, r, verbose);
	if (verbose)
		fprintf(out, "\nTime: unpack %.3fs, inventory %.3fs, vulns %.3fs, checks %.3fs, compliance %.3fs\n",
			r->seconds.unpack, r->seconds.inventory, r->seconds.vulns, r->seconds.checks,
			r->seconds.compliance);
	return ferror(out) ? -1 : 0;
}
