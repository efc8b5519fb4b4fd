/*
 * statement.c - `firmgate statement`: a draft UK PSTI statement of
 * compliance from a scan and the manufacturer's declaration.
 *
 * The contents follow what the PSTI regime asks a statement of compliance
 * to hold (Regulations Schedule 4, as the shared reference summarises it;
 * Schedule 2 gives the deemed-compliance route through ETSI EN 303 645):
 * product type and batch, manufacturer name and address, that the
 * statement is prepared by or for the manufacturer, the declaration of
 * conformity with Schedule 1, the defined support period, and the
 * signatory with place and date. Each Schedule 1 requirement is listed
 * with its verdict and evidence, and everything still missing is named.
 * The document is a draft: nothing in it is signed or dated by firmgate,
 * and the same scan and declaration give the same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "compliance/declaration.h"
#include "compliance/evaluate.h"
#include "core/result.h"

static void statement_usage(FILE *out)
{
	fprintf(out,
		"usage: firmgate statement --standard uk-psti INPUT [--declaration FILE] [OPTIONS]\n"
		"\n"
		"Scans INPUT and writes a draft UK PSTI statement of compliance: product,\n"
		"manufacturer, declaration of conformity, defined support period, each\n"
		"Schedule 1 requirement with the evidence from the scan, what is still\n"
		"missing, and signature/place/date placeholders.\n"
		"\n"
		"Options:\n"
		"      --standard ID      the regime: uk-psti (the only one so far)\n"
		"      --declaration FILE the manufacturer's product declaration (docs/COMPLIANCE.md)\n"
		"      --security-txt FILE  also validate this security.txt (RFC 9116)\n"
		"  -o, --output FILE      write the statement to FILE (default: stdout)\n"
		"      --format FMT       md (default) or html\n"
		"      --credentials FILE extra passwords to try, one per line\n"
		FG_CLI_POLICY_HELP
		"                         (a suppressed finding does not fail a requirement,\n"
		"                         as in 'firmgate scan')\n"
		FG_CLI_COMMON_HELP
		"  -h, --help             this help\n"
		"\n"
		"Exit codes: 0 written, 1 written but a requirement fails (do not sign),\n"
		"2 usage error, invalid declaration or suppressions file, 3 unreadable input,\n"
		"4 internal error.\n");
}

/* ---- a tiny document writer: Markdown or HTML ------------------------------------- */

typedef struct doc {
	FILE *out;
	bool html;
} doc;

/* Text made safe for the format: HTML escaped; in Markdown, table pipes
 * escaped and line breaks folded. */
static void text(doc *d, const char *s)
{
	for (; s && *s; s++) {
		char c = *s;
		if (d->html) {
			switch (c) {
			case '&': fputs("&amp;", d->out); continue;
			case '<': fputs("&lt;", d->out); continue;
			case '>': fputs("&gt;", d->out); continue;
			case '"': fputs("&quot;", d->out); continue;
			default: break;
			}
		} else if (c == '|') {
			fputs("\\|", d->out);
			continue;
		} else if (c == '\n' || c == '\r') {
			c = ' ';
		}
		fputc(c, d->out);
	}
}

static void textf(doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void textf(doc *d, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text(d, buf);
}

static void heading(doc *d, int level, const char *s)
{
	if (d->html) {
		fprintf(d->out, "<h%d>", level);
		text(d, s);
		fprintf(d->out, "</h%d>\n", level);
	} else {
		fprintf(d->out, "%.*s ", level, "######");
		text(d, s);
		fputs("\n\n", d->out);
	}
}

static void para_begin(doc *d)
{
	fputs(d->html ? "<p>" : "", d->out);
}

static void para_end(doc *d)
{
	fputs(d->html ? "</p>\n" : "\n\n", d->out);
}

static void para(doc *d, const char *s)
{
	para_begin(d);
	text(d, s);
	para_end(d);
}

static void list_begin(doc *d)
{
	if (d->html)
		fputs("<ul>\n", d->out);
}

static void list_end(doc *d)
{
	fputs(d->html ? "</ul>\n" : "\n", d->out);
}

static void item_begin(doc *d)
{
	fputs(d->html ? "<li>" : "- ", d->out);
}

static void item_end(doc *d)
{
	fputs(d->html ? "</li>\n" : "\n", d->out);
}

/* "- **Label:** value" */
static void field(doc *d, const char *label, const char *value)
{
	item_begin(d);
	fputs(d->html ? "<b>" : "**", d->out);
	text(d, label);
	fputs(d->html ? ":</b> " : ":** ", d->out);
	text(d, value);
	item_end(d);
}

static void table_begin(doc *d, const char *const *cols, int n)
{
	if (d->html) {
		fputs("<table>\n<tr>", d->out);
		for (int i = 0; i < n; i++) {
			fputs("<th>", d->out);
			text(d, cols[i]);
			fputs("</th>", d->out);
		}
		fputs("</tr>\n", d->out);
		return;
	}
	for (int i = 0; i < n; i++) {
		fputs("| ", d->out);
		text(d, cols[i]);
		fputc(' ', d->out);
	}
	fputs("|\n", d->out);
	for (int i = 0; i < n; i++)
		fputs("|---", d->out);
	fputs("|\n", d->out);
}

static void table_row(doc *d, const char *const *cells, int n)
{
	fputs(d->html ? "<tr>" : "", d->out);
	for (int i = 0; i < n; i++) {
		fputs(d->html ? "<td>" : "| ", d->out);
		text(d, cells[i]);
		fputs(d->html ? "</td>" : " ", d->out);
	}
	fputs(d->html ? "</tr>\n" : "|\n", d->out);
}

static void table_end(doc *d)
{
	fputs(d->html ? "</table>\n" : "\n", d->out);
}

/* ---- content ------------------------------------------------------------------------- */

typedef struct ctx {
	doc d;
	const fg_result *res;
	const fg_declaration *decl;
	const char *standard;
	const char *todo[16];     /* declaration fields the draft lacks */
	size_t ntodo;
	size_t missing, failing;
} ctx;

static const char *value(const ctx *c, const char *path)
{
	const fg_decl_field *f = fg_decl_field_get(c->decl, path);
	return f ? f->value : NULL;
}

#define TODO "[missing: add it to the declaration]"

/* The declaration's value at PATH, or the TODO mark (and PATH is listed
 * under "Still missing"). */
static const char *need(ctx *c, const char *path)
{
	const char *v = value(c, path);
	if (v)
		return v;
	for (size_t i = 0; i < c->ntodo; i++)
		if (!strcmp(c->todo[i], path))
			return TODO;
	if (c->ntodo < sizeof(c->todo) / sizeof(c->todo[0]))
		c->todo[c->ntodo++] = path;
	return TODO;
}

static const fg_verdict *verdict(const ctx *c, const char *standard, const char *id)
{
	for (size_t i = 0; i < c->res->verdicts.n; i++) {
		const fg_verdict *v = &c->res->verdicts.v[i];
		if (!strcmp(v->standard, standard) && !strcmp(v->requirement, id))
			return v;
	}
	return NULL;
}

static bool settled(fg_verdict_status s)
{
	return s == FG_VERDICT_PASS || s == FG_VERDICT_DECLARED || s == FG_VERDICT_NOT_APPLICABLE;
}

static void title(ctx *c)
{
	const fg_standard *st = fg_standard_find(c->standard);
	if (c->d.html)
		fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<title>Statement of compliance (draft)</title>\n<style>\n"
		      "body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}\n"
		      "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.3em;"
		      "vertical-align:top;text-align:left}\n</style>\n</head>\n<body>\n",
		      c->d.out);
	heading(&c->d, 1, "Statement of compliance (DRAFT)");
	para(&c->d, st ? st->name : c->standard);
	para_begin(&c->d);
	textf(&c->d, "Draft prepared with firmgate %s from a scan of %s%s%s. It is not a statement "
	      "of compliance until the manufacturer has checked every entry, completed what is "
	      "listed as missing, and signed and dated it. Firmware evidence shows what the image "
	      "contains; what the manufacturer declared is reported as declared, not verified.",
	      fg_version(), c->res->input_name, c->decl ? " and the declaration " : "",
	      c->decl ? c->decl->file : "");
	para_end(&c->d);
}

static void product(ctx *c)
{
	heading(&c->d, 2, "1. Product");
	list_begin(&c->d);
	field(&c->d, "Product type", need(c, "product.type"));
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s, model %s", need(c, "product.name"), need(c, "product.model"));
	field(&c->d, "Product", buf);
	const char *batch = value(c, "product.batch"), *hw = value(c, "product.hardware_version");
	const char *fw = value(c, "product.firmware_version");
	snprintf(buf, sizeof(buf), "%s%s%s%s%s", batch ? batch : "",
		 hw ? (batch ? "; hardware " : "hardware ") : "", hw ? hw : "",
		 fw ? (batch || hw ? "; firmware " : "firmware ") : "", fw ? fw : "");
	field(&c->d, "Batch", batch || hw || fw ? buf : need(c, "product.batch"));
	field(&c->d, "Image scanned", c->res->input_name);
	list_end(&c->d);
}

static void manufacturer(ctx *c)
{
	heading(&c->d, 2, "2. Manufacturer");
	list_begin(&c->d);
	field(&c->d, "Name", need(c, "manufacturer.name"));
	field(&c->d, "Address", need(c, "manufacturer.address"));
	list_end(&c->d);
}

/* The ETSI provisions of the deemed-compliance route (Schedule 2). */
static const struct { const char *etsi, *psti; } deemed[] = {
	{ "5.1-1", "Sch 1 para 1" }, { "5.1-2", "Sch 1 para 1" },
	{ "5.2-1", "Sch 1 para 2" }, { "5.3-13", "Sch 1 para 3" },
};

static void conformity(ctx *c)
{
	heading(&c->d, 2, "3. Declaration of conformity");
	para_begin(&c->d);
	textf(&c->d, "This statement of compliance is prepared by or on behalf of %s. In the opinion "
	      "of the manufacturer, the product named above complies with the security requirements "
	      "of Schedule 1 to the Product Security and Telecommunications Infrastructure (Security "
	      "Requirements for Relevant Connectable Products) Regulations 2023.",
	      need(c, "manufacturer.name"));
	para_end(&c->d);
	para(&c->d, "Where the manufacturer relies on deemed compliance (Schedule 2), the provisions "
	     "of ETSI EN 303 645 V2.1.1 (2020-06) relied on, with the scan's verdict on each:");
	static const char *const cols[] = { "ETSI EN 303 645", "for", "verdict", "evidence" };
	table_begin(&c->d, cols, 4);
	for (size_t i = 0; i < sizeof(deemed) / sizeof(deemed[0]); i++) {
		const fg_verdict *v = verdict(c, "etsi-en-303-645", deemed[i].etsi);
		const char *row[4] = { deemed[i].etsi, deemed[i].psti,
				       v ? fg_verdict_status_name(v->status) : "not evaluated",
				       v ? v->evidence : "" };
		table_row(&c->d, row, 4);
	}
	table_end(&c->d);
}

static void support_period(ctx *c)
{
	heading(&c->d, 2, "4. Defined support period");
	const char *end = value(c, "support_period.end"), *at = value(c, "support_period.published_at");
	para_begin(&c->d);
	if (end)
		textf(&c->d, "Security updates are provided for the product at least until %s%s%s.%s",
		      end, at ? "; the support period is published at " : "", at ? at : "",
		      c->decl && c->decl->support_ended ?
			      " This date is in the past: the support period has ended." : "");
	else
		textf(&c->d, "The defined support period: %s", need(c, "support_period.end"));
	para_end(&c->d);
}

static const char *verdict_words(fg_verdict_status s)
{
	switch (s) {
	case FG_VERDICT_PASS: return "met (firmware evidence)";
	case FG_VERDICT_FAIL: return "NOT MET";
	case FG_VERDICT_DECLARED: return "declared by the manufacturer";
	case FG_VERDICT_NOT_APPLICABLE: return "not applicable (declared)";
	case FG_VERDICT_NOT_DETERMINED: return "not determined from the image";
	case FG_VERDICT_DECLARATION_MISSING: return "missing: needs the manufacturer's declaration";
	case FG_VERDICT_NEEDS_DEVICE: return "missing: needs a device test";
	}
	return "?";
}

/* Parts of the statement this draft itself provides. */
static const char *provided_here(const fg_verdict *v)
{
	if (!strcmp(v->requirement, "SoC: declaration of conformity"))
		return "section 3 of this draft, once every Schedule 1 requirement is met";
	if (!strcmp(v->requirement, "SoC: place and date"))
		return "section 7 of this draft, completed at signing";
	return NULL;
}

static void requirements(ctx *c)
{
	heading(&c->d, 2, "5. Requirements and evidence");
	static const char *const cols[] = { "requirement", "level", "verdict", "evidence" };
	table_begin(&c->d, cols, 4);
	for (size_t i = 0; i < c->res->verdicts.n; i++) {
		const fg_verdict *v = &c->res->verdicts.v[i];
		if (strcmp(v->standard, c->standard) != 0)
			continue;
		char req[600];
		snprintf(req, sizeof(req), "%s: %s", v->requirement, v->title);
		const char *here = provided_here(v);
		bool decl = v->declared && (v->status == FG_VERDICT_DECLARED ||
					    v->status == FG_VERDICT_NOT_APPLICABLE);
		const char *row[4] = { req, v->level,
				       here && !settled(v->status) ? "in this draft" : verdict_words(v->status),
				       here && !settled(v->status) ? here : decl ? v->declared : v->evidence };
		table_row(&c->d, row, 4);
		c->failing += v->status == FG_VERDICT_FAIL;
	}
	table_end(&c->d);
}

/* Everything the manufacturer must still do before signing. */
static void missing(ctx *c)
{
	heading(&c->d, 2, "6. Still missing");
	list_begin(&c->d);
	size_t n = 0;
	for (size_t i = 0; i < c->res->verdicts.n; i++) {
		const fg_verdict *v = &c->res->verdicts.v[i];
		if (strcmp(v->standard, c->standard) != 0 || settled(v->status) || provided_here(v))
			continue;
		item_begin(&c->d);
		textf(&c->d, "%s (%s): %s", v->requirement, verdict_words(v->status),
		      v->status == FG_VERDICT_FAIL ? "the image refutes it; fix the product first: " : "");
		text(&c->d, v->evidence);
		item_end(&c->d);
		n++;
	}
	if (!c->decl) {
		item_begin(&c->d);
		text(&c->d, "the manufacturer's declaration (firmgate statement --declaration FILE)");
		item_end(&c->d);
		n++;
	}
	for (size_t i = 0; i < c->ntodo; i++) {
		item_begin(&c->d);
		textf(&c->d, "%s in the declaration", c->todo[i]);
		item_end(&c->d);
		n++;
	}
	item_begin(&c->d);
	text(&c->d, "signature, place and date of issue (section 7)");
	item_end(&c->d);
	list_end(&c->d);
	c->missing += n;
}

static void signature(ctx *c)
{
	heading(&c->d, 2, "7. Signed for and on behalf of the manufacturer");
	list_begin(&c->d);
	field(&c->d, "Manufacturer", need(c, "manufacturer.name"));
	field(&c->d, "Name", need(c, "signatory.name"));
	field(&c->d, "Function", need(c, "signatory.function"));
	field(&c->d, "Place of issue", value(c, "signatory.place") ? value(c, "signatory.place")
								   : "____________________");
	field(&c->d, "Date of issue", "____________________");
	field(&c->d, "Signature", "____________________");
	list_end(&c->d);
	if (c->d.html)
		fputs("</body>\n</html>\n", c->d.out);
}

static int write_statement(ctx *c)
{
	/* what the draft lacks is listed in section 6, before the signature
	 * section that needs some of it: look everything up first */
	static const char *const needed[] = {
		"product.type", "product.name", "product.model", "manufacturer.name",
		"manufacturer.address", "support_period.end", "signatory.name", "signatory.function",
	};
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		need(c, needed[i]);
	if (!value(c, "product.batch") && !value(c, "product.hardware_version") &&
	    !value(c, "product.firmware_version"))
		need(c, "product.batch");
	title(c);
	product(c);
	manufacturer(c);
	conformity(c);
	support_period(c);
	requirements(c);
	missing(c);
	signature(c);
	return ferror(c->d.out) ? -1 : 0;
}

/* ---- the command ---------------------------------------------------------------------- */

enum { OPT_DECL = 3200, OPT_STXT };

int fg_cmd_statement(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "standard", required_argument, NULL, OPT_STANDARD },
		{ "declaration", required_argument, NULL, OPT_DECL },
		{ "security-txt", required_argument, NULL, OPT_STXT },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "credentials", required_argument, NULL, OPT_CREDENTIALS },
		FG_CLI_POLICY_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		FG_CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	fg_options o;
	fg_options_default(&o);
	const char *standard = NULL, *outfile = NULL, *format = "md";
	fg_cli_policy policy;
	memset(&policy, 0, sizeof(policy));
	bool bad = false;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "o:hj:", longopts, NULL)) != -1) {
		if (fg_cli_common_option(opt, optarg, &o, &bad) ||
		    fg_cli_policy_option("statement", opt, optarg, &policy, &bad))
			continue;
		switch (opt) {
		case OPT_STANDARD: standard = optarg; break;
		case OPT_DECL: o.declaration_file = optarg; break;
		case OPT_STXT: o.security_txt_file = optarg; break;
		case 'o': outfile = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		case OPT_CREDENTIALS: o.credentials_file = optarg; break;
		case 'h': statement_usage(stdout); return FG_EXIT_OK;
		default: statement_usage(stderr); return FG_EXIT_USAGE;
		}
	}
	if (bad)
		return FG_EXIT_USAGE;
	if (optind != argc - 1) {
		fprintf(stderr, "firmgate statement: expected exactly one INPUT (try 'firmgate statement --help')\n");
		return FG_EXIT_USAGE;
	}
	if (!standard || strcmp(standard, "uk-psti") != 0) {
		fprintf(stderr, "firmgate statement: --standard uk-psti is required (the only statement "
			"format so far)\n");
		return FG_EXIT_USAGE;
	}
	if (strcmp(format, "md") != 0 && strcmp(format, "html") != 0) {
		fprintf(stderr, "firmgate statement: unknown format '%s' (md or html)\n", format);
		return FG_EXIT_USAGE;
	}
	if (o.declaration_file && fg_declaration_validate(o.declaration_file, stderr))
		return FG_EXIT_USAGE;
	if (!fg_cli_policy_finish("statement", &policy, &o, false))
		return FG_EXIT_USAGE;
	/* the ETSI provisions of the deemed-compliance route are shown too */
	o.standards = "uk-psti,etsi-en-303-645";

	fg_result *res = NULL;
	char err[1024];
	fg_status st = fg_scan(argv[optind], &o, &res, err, sizeof(err));
	if (st != FG_OK) {
		fprintf(stderr, "firmgate: %s\n", err);
		return st == FG_ERR_INPUT ? FG_EXIT_INPUT : st == FG_ERR_USAGE ? FG_EXIT_USAGE
									    : FG_EXIT_INTERNAL;
	}
	FILE *out = outfile ? fopen(outfile, "w") : stdout;
	if (!out) {
		fprintf(stderr, "firmgate statement: %s: %s\n", outfile, strerror(errno));
		fg_result_free(res);
		return FG_EXIT_USAGE;
	}
	ctx c = { .d = { out, !strcmp(format, "html") }, .res = res, .decl = res->declaration,
		  .standard = standard };
	int rc = write_statement(&c);
	if (outfile && fclose(out) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "firmgate statement: %s: write failed\n", outfile ? outfile : "stdout");
		fg_result_free(res);
		return FG_EXIT_INTERNAL;
	}
	fprintf(stderr, "firmgate statement: draft%s%s; %zu requirement(s) failing, %zu item(s) "
		"missing besides signature and date\n",
		outfile ? " written to " : "", outfile ? outfile : "", c.failing, c.missing);
	fg_result_free(res);
	return c.failing ? FG_EXIT_FINDINGS : FG_EXIT_OK;
}
