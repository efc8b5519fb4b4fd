/*
 * diff.c - `firmgate diff OLD NEW`: what changed between two releases, and
 * a gate on the findings the new one brings.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "compliance/catalog.h"
#include "report/diff.h"

static void diff_usage(FILE *out)
{
	fprintf(out,
		"usage: firmgate diff OLD NEW [OPTIONS]\n"
		"\n"
		"Compares two releases: components added, removed, upgraded or downgraded;\n"
		"vulnerabilities fixed and introduced; findings new, fixed and unchanged (by\n"
		"fingerprint); requirement verdicts that changed; files added, removed and\n"
		"changed (by SHA-256). OLD and NEW are each a firmware image or root-filesystem\n"
		"directory, scanned now, or a JSON report saved by 'firmgate scan' (schema\n"
		"firmgate-report/1; written with --files for the file comparison).\n"
		"\n"
		"Options:\n"
		"  -f, --format FMT       text (default), json (schema firmgate-diff/1) or html\n"
		"  -o, --output FILE      write to FILE instead of stdout\n"
		"      --fail-on SEV      exit 1 when NEW brings a finding at or above SEV:\n"
		"                         info, low, medium, high (default), critical, none\n"
		"  -v, --verbose          list every changed file in the text output\n"
		"  -q, --quiet            nothing on stdout; the gate line goes to stderr\n"
		"For inputs that are scanned (as 'firmgate scan' takes them):\n"
		"      --standard LIST    baselines to evaluate (default: all)\n"
		"      --credentials FILE extra passwords to try\n"
		"      --signatures FILE  extra component signatures\n"
		"      --vulndb FILE      vulnerability database\n"
		"      --vulndb-max-age DAYS  warn when its data is older (default 7; 0 = never)\n"
		"      --vex FILE         VEX statements to apply to the matches\n"
		FG_CLI_POLICY_HELP
		FG_CLI_COMMON_HELP
		"  -h, --help             this help\n"
		"\n"
		"A finding suppressed by the policy of its scan (for a report: the one it was\n"
		"written with) is listed as such and does not count for the gate.\n"
		"\n"
		"Exit codes: 0 no new finding at or above --fail-on, 1 new findings at or\n"
		"above it, 2 usage error (also a suppressions file with errors), 3 an input unreadable, unsupported or not a\n"
		"firmgate report, 4 internal error (the output cannot be written).\n");
}

enum { OPT_VULNDB = 3000, OPT_VULNDB_MAX_AGE, OPT_VEX };

typedef enum { OUT_TEXT, OUT_JSON, OUT_HTML } out_format;

typedef struct diff_args {
	const char *old, *new_;
	bool old_report, new_report; /* a saved report, not an image to scan */
	const char *output;
	out_format format;
	int fail_on;            /* severity, or -1 for none */
	bool quiet, verbose;
	fg_cli_policy policy;   /* for the inputs scanned now */
	fg_options opts;
} diff_args;

static int parse_option(int opt, diff_args *a)
{
	switch (opt) {
	case 'f':
		if (!strcmp(optarg, "text")) {
			a->format = OUT_TEXT;
		} else if (!strcmp(optarg, "json")) {
			a->format = OUT_JSON;
		} else if (!strcmp(optarg, "html")) {
			a->format = OUT_HTML;
		} else {
			fprintf(stderr, "firmgate diff: unknown format '%s' (known: text, json, html)\n", optarg);
			return FG_EXIT_USAGE;
		}
		return FG_EXIT_OK;
	case 'o': a->output = optarg; return FG_EXIT_OK;
	case OPT_FAIL_ON: {
		fg_severity s;
		if (!strcmp(optarg, "none")) {
			a->fail_on = -1;
		} else if (fg_severity_parse(optarg, &s) == 0) {
			a->fail_on = (int)s;
		} else {
			fprintf(stderr, "firmgate diff: invalid --fail-on '%s'\n", optarg);
			return FG_EXIT_USAGE;
		}
		return FG_EXIT_OK;
	}
	case 'q': a->quiet = true; return FG_EXIT_OK;
	case 'v': a->verbose = true; return FG_EXIT_OK;
	case OPT_STANDARD: a->opts.standards = optarg; return FG_EXIT_OK;
	case OPT_CREDENTIALS: a->opts.credentials_file = optarg; return FG_EXIT_OK;
	case OPT_SIGNATURES: a->opts.signatures_file = optarg; return FG_EXIT_OK;
	case OPT_VULNDB: a->opts.vulndb = optarg; return FG_EXIT_OK;
	case OPT_VULNDB_MAX_AGE: {
		char *end;
		unsigned long d = strtoul(optarg, &end, 10);
		if (end == optarg || *end || *optarg == '-' || d > 100000) {
			fprintf(stderr, "firmgate diff: invalid --vulndb-max-age '%s'\n", optarg);
			return FG_EXIT_USAGE;
		}
		a->opts.vulndb_max_age = (unsigned)d;
		return FG_EXIT_OK;
	}
	case OPT_VEX: a->opts.vex_file = optarg; return FG_EXIT_OK;
	case 'h': diff_usage(stdout); return -1;
	default: diff_usage(stderr); return FG_EXIT_USAGE;
	}
}

static int parse_args(int argc, char **argv, diff_args *a)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "standard", required_argument, NULL, OPT_STANDARD },
		{ "credentials", required_argument, NULL, OPT_CREDENTIALS },
		{ "signatures", required_argument, NULL, OPT_SIGNATURES },
		{ "vulndb", required_argument, NULL, OPT_VULNDB },
		{ "vulndb-max-age", required_argument, NULL, OPT_VULNDB_MAX_AGE },
		{ "vex", required_argument, NULL, OPT_VEX },
		FG_CLI_POLICY_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		FG_CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof(*a));
	fg_options_default(&a->opts);
	a->fail_on = FG_SEV_HIGH;
	optind = 1;
	bool bad = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "f:o:qvhj:", longopts, NULL)) != -1) {
		if (fg_cli_common_option(opt, optarg, &a->opts, &bad) ||
		    fg_cli_policy_option("diff", opt, optarg, &a->policy, &bad))
			continue;
		int rc = parse_option(opt, a);
		if (rc != FG_EXIT_OK)
			return rc;
	}
	if (bad)
		return FG_EXIT_USAGE;
	if (optind != argc - 2) {
		fprintf(stderr, "firmgate diff: expected OLD and NEW (try 'firmgate diff --help')\n");
		return FG_EXIT_USAGE;
	}
	a->old = argv[optind];
	a->new_ = argv[optind + 1];
	if (!fg_cli_standards_known("diff", a->opts.standards))
		return FG_EXIT_USAGE;
	a->old_report = fg_diff_is_report(a->old);
	a->new_report = fg_diff_is_report(a->new_);
	if (!a->old_report || !a->new_report)
		return fg_cli_policy_finish("diff", &a->policy, &a->opts, a->quiet) ? FG_EXIT_OK
										     : FG_EXIT_USAGE;
	if (a->policy.suppress || a->policy.nseverity)
		fprintf(stderr, "firmgate diff: both inputs are reports: --suppress and --severity apply "
				"to inputs scanned now (a report keeps the suppressions of its scan)\n");
	return FG_EXIT_OK;
}

/* One side: a saved report is read, anything else is scanned. */
static int load_side(const diff_args *a, const char *path, bool report, fg_diff_side **out)
{
	char err[1024];
	if (report) {
		*out = fg_diff_side_from_report(path, err, sizeof(err));
		if (!*out) {
			fprintf(stderr, "firmgate diff: %s\n", err);
			return FG_EXIT_INPUT;
		}
		return FG_EXIT_OK;
	}
	fg_result *res = NULL;
	fg_status st = fg_scan(path, &a->opts, &res, err, sizeof(err));
	if (st != FG_OK) {
		fprintf(stderr, "firmgate: %s\n", err);
		return st == FG_ERR_INPUT ? FG_EXIT_INPUT : FG_EXIT_INTERNAL;
	}
	*out = fg_diff_side_from_result(res, path);
	fg_result_free(res);
	if (!*out) {
		fprintf(stderr, "firmgate diff: out of memory\n");
		return FG_EXIT_INTERNAL;
	}
	return FG_EXIT_OK;
}

static int render(const diff_args *a, const fg_diff *d, FILE *out)
{
	switch (a->format) {
	case OUT_JSON: return fg_diff_json(d, out, a->fail_on);
	case OUT_HTML: return fg_diff_html(d, out, a->fail_on);
	case OUT_TEXT: break;
	}
	return fg_diff_text(d, out, a->verbose);
}

/* Writes through a temporary file so a failed run leaves no half file. */
static int write_output(const diff_args *a, const fg_diff *d)
{
	if (!a->output) {
		if (a->quiet)
			return FG_EXIT_OK;
		return render(a, d, stdout) == 0 && fflush(stdout) == 0 ? FG_EXIT_OK : FG_EXIT_INTERNAL;
	}
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", a->output, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "firmgate diff: %s: %s\n", tmp, strerror(errno));
		return FG_EXIT_INTERNAL;
	}
	int rc = render(a, d, f);
	if (fclose(f) != 0 || rc != 0 || rename(tmp, a->output) != 0) {
		fprintf(stderr, "firmgate diff: %s: write failed\n", a->output);
		unlink(tmp);
		return FG_EXIT_INTERNAL;
	}
	return FG_EXIT_OK;
}

/* One line meant for CI logs. */
static void gate_line(const diff_args *a, const fg_diff *d, bool failed)
{
	FILE *out = a->quiet ? stderr : stdout;
	size_t by[5] = { 0 };
	for (size_t i = 0; i < d->findings_new.n; i++)
		if (!d->findings_new.v[i]->suppressed)
			by[d->findings_new.v[i]->severity]++;
	fprintf(out, "firmgate diff: %s: %zu new finding(s) (%zu critical, %zu high, %zu medium, %zu low, %zu info, "
		"%zu suppressed), %zu fixed", failed ? "FAIL" : "PASS", d->findings_new.n, by[4], by[3], by[2],
		by[1], by[0], d->new_suppressed, d->findings_fixed.n);
	if (a->fail_on >= 0)
		fprintf(out, "; gate --fail-on %s\n", fg_severity_name((fg_severity)a->fail_on));
	else
		fprintf(out, "; gate off\n");
}

int fg_cmd_diff(int argc, char **argv)
{
	diff_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc != FG_EXIT_OK)
		return rc < 0 ? FG_EXIT_OK : rc;

	fg_diff_side *old = NULL, *new_ = NULL;
	rc = load_side(&a, a.old, a.old_report, &old);
	if (rc == FG_EXIT_OK)
		rc = load_side(&a, a.new_, a.new_report, &new_);
	if (rc != FG_EXIT_OK) {
		fg_diff_side_free(old);
		return rc;
	}
	fg_diff d;
	fg_diff_compare(old, new_, &d);
	rc = write_output(&a, &d);
	bool failed = a.fail_on >= 0 && fg_diff_new_at_least(&d, (fg_severity)a.fail_on) > 0;
	/* the gate line would corrupt a JSON or HTML document on stdout */
	if (a.output || a.format == OUT_TEXT || a.quiet)
		gate_line(&a, &d, failed);
	if (rc == FG_EXIT_OK && failed)
		rc = FG_EXIT_FINDINGS;
	fg_diff_free(&d);
	fg_diff_side_free(old);
	fg_diff_side_free(new_);
	return rc;
}
