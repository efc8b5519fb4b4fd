/*
 * text.c - the terminal summary.
 */
#include <string.h>

#include "core/result.h"
#include "report/report_internal.h"
#include "compliance/evaluate.h"

typedef struct palette {
	const char *reset, *bold, *dim, *sev[5], *pass, *fail;
} palette;

static const palette plain = { "", "", "", { "", "", "", "", "" }, "", "" };
static const palette ansi = {
	"\033[0m", "\033[1m", "\033[2m",
	{ "\033[2m", "\033[36m", "\033[33m", "\033[31m", "\033[1;31m" },
	"\033[32m", "\033[31m",
};

/* Paths, messages, excerpts and diagnostics carry names from the image:
 * a control character (a newline forging a line, an ESC sequence driving
 * the terminal) is printed as \xNN, C1 controls in UTF-8 too, and a
 * backslash as \\. */
static void put_safe(FILE *out, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
		if (*c < 0x20 || *c == 0x7f) {
			fprintf(out, "\\x%02x", *c);
		} else if (*c == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f) {
			fprintf(out, "\\xc2\\x%02x", c[1]);
			c++;
		} else if (*c == '\\') {
			fputs("\\\\", out);
		} else {
			fputc(*c, out);
		}
	}
}

static void print_finding(FILE *out, const palette *p, const fg_finding *f, bool verbose)
{
	fprintf(out, "  %s%-8s%s %s", p->sev[f->severity], fg_severity_name(f->severity),
		p->reset, p->bold);
	put_safe(out, f->message);
	fprintf(out, "%s%s\n", p->reset, f->suppression ? "  [suppressed]" : "");
	fputs("           ", out);
	put_safe(out, f->path);
	if (f->line)
		fprintf(out, ":%u", f->line);
	fprintf(out, "  %s[%s]%s\n", p->dim, f->check_id, p->reset);
	if (f->excerpt) {
		fprintf(out, "           %s> ", p->dim);
		put_safe(out, f->excerpt);
		fprintf(out, "%s\n", p->reset);
	}
	if (f->severity_overridden)
		fprintf(out, "           %sseverity %s by a severity rule (the check says %s)%s\n", p->dim,
			fg_severity_name(f->severity), fg_severity_name(f->original_severity), p->reset);
	if (f->suppression) {
		const fg_finding_suppression *s = f->suppression;
		fprintf(out, "           %ssuppressed by %s: %s", p->dim, s->source, s->justification);
		if (s->owner)
			fprintf(out, " (owner %s)", s->owner);
		if (s->expires)
			fprintf(out, " (until %s)", s->expires);
		fprintf(out, "%s\n", p->reset);
	}
	if (verbose) {
		fputs("           in ", out);
		put_safe(out, f->container);
		fputc('\n', out);
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

/* Known vulnerabilities: the count and the top ones (KEV first, then score). */
static int sev_index(const char *s)
{
	static const char *const n[] = { "none", "low", "medium", "high", "critical" };
	for (int i = 0; s && i < 5; i++)
		if (!strcmp(s, n[i]))
			return i;
	return 0;
}

static void print_vulns(FILE *out, const palette *p, const fg_result *r, bool verbose)
{
	if (!r->vulns.matched)
		return;
	size_t affected = 0, kev = 0, crit = 0, high = 0;
	const fg_vuln_match *top[10];
	size_t ntop = 0;
	for (size_t i = 0; i < r->vulns.n; i++) {
		const fg_vuln_match *v = &r->vulns.v[i];
		if (v->status != FG_VULN_AFFECTED)
			continue;
		affected++;
		kev += v->kev;
		crit += sev_index(v->severity) == 4;
		high += sev_index(v->severity) == 3;
		/* keep the ten most pressing: insertion into a short sorted list */
		size_t at = ntop;
		while (at > 0 && (v->kev > top[at - 1]->kev ||
				  (v->kev == top[at - 1]->kev && v->cvss > top[at - 1]->cvss)))
			at--;
		if (at < 10) {
			if (ntop < 10)
				ntop++;
			memmove(&top[at + 1], &top[at], (ntop - 1 - at) * sizeof(top[0]));
			top[at] = v;
		}
	}
	fprintf(out, "%sVulnerabilities%s (%zu affected: %zu critical, %zu high; %zu in CISA KEV; "
		"%zu not affected or fixed; %zu without applicability data)\n", p->bold, p->reset, affected,
		crit, high, kev, r->vulns.n - affected, r->vulns.n_nodata);
	for (size_t i = 0; i < ntop; i++) {
		const fg_vuln_match *v = top[i];
		const fg_component *c = &r->components.v[v->component];
		int si = sev_index(v->severity);
		fprintf(out, "  %s%-8s%s %4.1f %-16s %s %s%s  %s(confidence %s)%s\n", p->sev[si],
			v->severity ? v->severity : "?", p->reset, v->cvss < 0 ? 0.0 : v->cvss, v->id,
			c->name, *c->version ? c->version : "?", v->kev ? "  KEV" : "", p->dim,
			fg_vuln_confidence_name(v->confidence), p->reset);
		if (verbose)
			fprintf(out, "           %s\n", v->rule);
	}
	if (affected > ntop)
		fprintf(out, "  ... %zu more in the JSON report\n", affected - ntop);
	fputc('\n', out);
}

/* Verdict columns of the summary, in the order the header names them. */
static const fg_verdict_status columns[FG_VERDICT_KINDS] = {
	FG_VERDICT_PASS, FG_VERDICT_FAIL, FG_VERDICT_DECLARED, FG_VERDICT_NOT_APPLICABLE,
	FG_VERDICT_NOT_DETERMINED, FG_VERDICT_DECLARATION_MISSING, FG_VERDICT_NEEDS_DEVICE,
};

static void print_counts(FILE *out, const palette *p, const char *label, const size_t *c)
{
	fprintf(out, "  %s ", label);
	for (int k = 0; k < FG_VERDICT_KINDS; k++) {
		fg_verdict_status s = columns[k];
		bool red = s == FG_VERDICT_FAIL && c[s];
		fprintf(out, "%s%s%zu%s", k ? "/" : "", red ? p->fail : "", c[s], red ? p->reset : "");
	}
}

/* Requirements with verdict ST, at most 12 without -v. */
static void print_list(FILE *out, const palette *p, const fg_result *r, fg_verdict_status st,
		       const char *heading, const char *col, bool verbose)
{
	size_t shown = 0;
	for (size_t i = 0; i < r->verdicts.n; i++) {
		const fg_verdict *v = &r->verdicts.v[i];
		if (v->status != st)
			continue;
		if (!verbose && shown == 12) {
			fprintf(out, "  ... more in the JSON report (or -v)\n");
			break;
		}
		if (!shown++)
			fprintf(out, "  %s%s%s\n", p->bold, heading, p->reset);
		fprintf(out, "    %s%s%s %s %s (%s): %s\n", col, fg_verdict_status_name(st), p->reset,
			v->standard, v->requirement, v->level, v->title);
		if (verbose && v->declared)
			fprintf(out, "      %sdeclared: %s%s\n", p->dim, v->declared, p->reset);
	}
}

/* One line per standard: its mandatory, recommended and all requirements
 * by verdict; then every failed requirement (all of them with -v), and
 * with -v what the manufacturer declared. */
static void print_compliance(FILE *out, const palette *p, const fg_result *r, bool verbose)
{
	if (!r->verdicts.n)
		return;
	fprintf(out, "%sCompliance%s (pass / fail / declared / not applicable / not determined / "
		"declaration missing / device test)\n", p->bold, p->reset);
	for (size_t s = 0; s < fg_standard_count(); s++) {
		const fg_standard *st = fg_standard_at(s);
		size_t all[FG_VERDICT_KINDS], man[FG_VERDICT_KINDS], rec[FG_VERDICT_KINDS];
		fg_compliance_summary(r, st->id, FG_LEVEL_ALL, all);
		fg_compliance_summary(r, st->id, FG_LEVEL_MANDATORY, man);
		fg_compliance_summary(r, st->id, FG_LEVEL_RECOMMENDED, rec);
		size_t total = 0;
		for (int k = 0; k < FG_VERDICT_KINDS; k++)
			total += all[k];
		if (!total)
			continue;
		const char *col = all[FG_VERDICT_FAIL] ? p->fail : all[FG_VERDICT_PASS] ? p->pass : p->dim;
		fprintf(out, "  %s%-20s%s", col, st->id, p->reset);
		print_counts(out, p, "mandatory", man);
		print_counts(out, p, " recommended", rec);
		print_counts(out, p, " all", all);
		fputc('\n', out);
	}
	print_list(out, p, r, FG_VERDICT_FAIL, "Failed requirements", p->fail, verbose);
	if (verbose) {
		print_list(out, p, r, FG_VERDICT_DECLARED, "Declared by the manufacturer", p->dim, true);
		print_list(out, p, r, FG_VERDICT_NOT_APPLICABLE, "Declared not applicable", p->dim, true);
	}
	fputc('\n', out);
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
		fprintf(out, "  %s %s: ", fg_diag_level_name(d->level), d->stage);
		put_safe(out, d->where);
		fputs(*d->where ? ": " : "", out);
		put_safe(out, d->message);
		fputc('\n', out);
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
	print_vulns(out, p, r, verbose);
	size_t suppressed = fg_result_suppressed_count(r);
	if (suppressed)
		fprintf(out, "%sFindings%s (%zu, %zu suppressed)\n", p->bold, p->reset, r->findings.n,
			suppressed);
	else
		fprintf(out, "%sFindings%s (%zu)\n", p->bold, p->reset, r->findings.n);
	for (size_t i = 0; i < r->findings.n; i++)
		print_finding(out, p, &r->findings.v[i], verbose);
	if (!r->findings.n)
		fprintf(out, "  none\n");
	fputc('\n', out);
	print_compliance(out, p, r, verbose);
	print_diagnostics(out, p, r, verbose);
	if (verbose)
		fprintf(out, "\nTime: unpack %.3fs, inventory %.3fs, vulns %.3fs, checks %.3fs, compliance %.3fs\n",
			r->seconds.unpack, r->seconds.inventory, r->seconds.vulns, r->seconds.checks,
			r->seconds.compliance);
	return ferror(out) ? -1 : 0;
}
