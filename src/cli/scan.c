/*
 * scan.c - `firmgate scan`: the main job and the release gate.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "compliance/evaluate.h"
#include "core/suppress.h"

static void scan_usage(FILE *out)
{
	fprintf(out,
		"usage: firmgate scan INPUT [OPTIONS]\n"
		"\n"
		"Unpacks INPUT (a firmware image or a root-filesystem directory),\n"
		"inventories it, runs every check, evaluates the baselines and reports.\n"
		"\n"
		"Options:\n"
		"  -o, --output DIR       write the reports into DIR (created if missing)\n"
		"  -f, --format LIST      report formats, comma-separated: json, html, text, sarif, openvex,\n"
		"                         cyclonedx, spdx (SBOMs: firmgate-sbom.cdx.json, .spdx.json)\n"
		"                         (default: json and html with -o; without -o, json, sarif,\n"
		"                         html, ... print that report on stdout instead of the summary)\n"
		"      --files            the JSON report lists every file of every file tree with its\n"
		"                         SHA-256 (what 'firmgate diff' compares)\n"
		"      --fail-on SEV      exit 1 when a finding is at or above SEV:\n"
		"                         info, low, medium, high (default), critical, none\n"
		"      --credentials FILE extra passwords to try, one per line\n"
		"      --signatures FILE  extra component signatures (docs/SIGNATURES.md)\n"
		"      --standard LIST    baselines to evaluate, comma-separated IDs (default: all;\n"
		"                         see 'firmgate standards')\n"
		"      --fail-on-standard LIST  exit 1 when a mandatory requirement of one of these\n"
		"                         standards (comma-separated IDs) fails\n"
		"      --fail-on-kev      exit 1 when a vulnerability matched to a component (affected\n"
		"                         or under investigation) is in the CISA KEV catalog\n"
		FG_CLI_POLICY_HELP
		"      --vulndb FILE      vulnerability database (default: $XDG_CACHE_HOME/firmgate/vulndb.sqlite)\n"
		"      --vulndb-max-age DAYS  warn when its data is older (default 7; 0 = never)\n"
		"      --vex FILE         CycloneDX VEX or OpenVEX statements to apply to the matches\n"
		"      --declaration FILE the manufacturer's product declaration (YAML, docs/COMPLIANCE.md):\n"
		"                         requirements it states become 'declared'; errors exit 2\n"
		"      --security-txt FILE  also validate this security.txt (RFC 9116), e.g. the web site's\n"
		"  -q, --quiet            no summary on stdout, no progress on stderr\n"
		"  -v, --verbose          more detail in the summary\n"
		"      --no-color         no colour (also when NO_COLOR is set or stdout is no TTY)\n"
		FG_CLI_COMMON_HELP
		"  -h, --help             this help\n"
		"\n"
		"The last line on stderr sums up the gate for CI logs:\n"
		"  firmgate: PASS|FAIL gate=SEV[+kev] findings=N (critical N, ..., suppressed N) kev=N\n"
		"\n"
		"Exit codes: 0 the gate passed, 1 it failed (--fail-on, --fail-on-kev,\n"
		"--fail-on-standard), 2 usage error (also a suppressions file or declaration\n"
		"with errors), 3 unreadable or unsupported input, 4 internal error.\n");
}

typedef struct scan_args {
	const char *input;
	const char *outdir;
	bool json, html, text, sarif, openvex, cyclonedx, spdx;
	bool files;         /* --files: the JSON report lists the files */
	bool formats_given;
	int fail_on;        /* severity, or -1 for none */
	const char *fail_on_standard; /* comma-separated IDs */
	bool fail_on_kev;
	fg_cli_policy policy;  /* --suppress, --no-suppress, --severity */
	bool quiet, verbose, no_color;
	fg_options opts;
} scan_args;

static bool parse_formats(scan_args *a, const char *list)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	a->json = a->html = a->text = a->sarif = a->openvex = a->cyclonedx = a->spdx = false;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "json")) {
			a->json = true;
		} else if (!strcmp(tok, "html")) {
			a->html = true;
		} else if (!strcmp(tok, "text")) {
			a->text = true;
		} else if (!strcmp(tok, "sarif")) {
			a->sarif = true;
		} else if (!strcmp(tok, "openvex")) {
			a->openvex = true;
		} else if (!strcmp(tok, "cyclonedx")) {
			a->cyclonedx = true;
		} else if (!strcmp(tok, "spdx")) {
			a->spdx = true;
		} else {
			fprintf(stderr, "firmgate scan: unknown format '%s' (known: json, html, text, sarif, openvex, cyclonedx, spdx)\n", tok);
			return false;
		}
	}
	a->formats_given = true;
	return true;
}

/* vulnerability options (src/vulns/) */
enum { OPT_VULNDB = 3000, OPT_VULNDB_MAX_AGE, OPT_VEX, OPT_FILES };

/* the manufacturer's side (src/compliance/declaration.c, src/checks/disclosure_security_txt.c) */
enum { OPT_DECLARATION = 3100, OPT_SECURITY_TXT };

/* the release gate (src/core/suppress.c) */
enum { OPT_FAIL_ON_KEV = 3200 };

/* Is ID in the comma-separated LIST (NULL or "all": every standard)? */
static bool in_list(const char *list, const char *id, size_t idlen)
{
	if (!list || !strcmp(list, "all"))
		return true;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == idlen && !strncmp(p, id, len))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* --fail-on-standard can only judge standards that are evaluated: one
 * left out by --standard would pass without a single verdict. */
static bool gate_standards_evaluated(const scan_args *a)
{
	for (const char *p = a->fail_on_standard; p && *p;) {
		size_t len = strcspn(p, ",");
		if (!in_list(a->opts.standards, p, len)) {
			fprintf(stderr, "firmgate scan: --fail-on-standard %.*s: not among --standard %s\n",
				(int)len, p, a->opts.standards);
			return false;
		}
		p += len + (p[len] == ',');
	}
	return true;
}

/* Mandatory requirements of STANDARD that failed. */
static size_t mandatory_failures(const fg_result *res, const char *standard)
{
	size_t counts[FG_VERDICT_KINDS];
	fg_compliance_summary(res, standard, FG_LEVEL_MANDATORY, counts);
	return counts[FG_VERDICT_FAIL];
}

static int parse_args(int argc, char **argv, scan_args *a)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "credentials", required_argument, NULL, OPT_CREDENTIALS },
		{ "signatures", required_argument, NULL, OPT_SIGNATURES },
		{ "standard", required_argument, NULL, OPT_STANDARD },
		{ "fail-on-standard", required_argument, NULL, OPT_FAIL_ON_STANDARD },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "vulndb", required_argument, NULL, OPT_VULNDB },
		{ "vulndb-max-age", required_argument, NULL, OPT_VULNDB_MAX_AGE },
		{ "vex", required_argument, NULL, OPT_VEX },
		{ "declaration", required_argument, NULL, OPT_DECLARATION },
		{ "security-txt", required_argument, NULL, OPT_SECURITY_TXT },
		{ "files", no_argument, NULL, OPT_FILES },
		{ "fail-on-kev", no_argument, NULL, OPT_FAIL_ON_KEV },
		FG_CLI_POLICY_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		FG_CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof(*a));
	fg_options_default(&a->opts);
	a->fail_on = FG_SEV_HIGH;
	optind = 1;
	int opt;
	bool bad = false;
	while ((opt = getopt_long(argc, argv, "o:f:qvhj:", longopts, NULL)) != -1) {
		if (fg_cli_common_option(opt, optarg, &a->opts, &bad) ||
		    fg_cli_policy_option("scan", opt, optarg, &a->policy, &bad))
			continue;
		switch (opt) {
		case 'o': a->outdir = optarg; break;
		case 'f':
			if (!parse_formats(a, optarg))
				return FG_EXIT_USAGE;
			break;
		case OPT_FAIL_ON: {
			fg_severity s;
			if (!strcmp(optarg, "none")) {
				a->fail_on = -1;
			} else if (fg_severity_parse(optarg, &s) == 0) {
				a->fail_on = (int)s;
			} else {
				fprintf(stderr, "firmgate scan: invalid --fail-on '%s'\n", optarg);
				return FG_EXIT_USAGE;
			}
			break;
		}
		case OPT_CREDENTIALS: a->opts.credentials_file = optarg; break;
		case OPT_SIGNATURES: a->opts.signatures_file = optarg; break;
		case OPT_STANDARD: a->opts.standards = optarg; break;
		case OPT_FAIL_ON_STANDARD: a->fail_on_standard = optarg; break;
		case 'q': a->quiet = true; break;
		case 'v': a->verbose = true; break;
		case OPT_NO_COLOR: a->no_color = true; break;
		case OPT_VULNDB: a->opts.vulndb = optarg; break;
		case OPT_VULNDB_MAX_AGE: {
			char *end;
			unsigned long d = strtoul(optarg, &end, 10);
			if (end == optarg || *end || *optarg == '-' || d > 100000) {
				fprintf(stderr, "firmgate scan: invalid --vulndb-max-age '%s'\n", optarg);
				return FG_EXIT_USAGE;
			}
			a->opts.vulndb_max_age = (unsigned)d;
			break;
		}
		case OPT_VEX: a->opts.vex_file = optarg; break;
		case OPT_DECLARATION: a->opts.declaration_file = optarg; break;
		case OPT_SECURITY_TXT: a->opts.security_txt_file = optarg; break;
		case OPT_FILES: a->files = true; break;
		case OPT_FAIL_ON_KEV: a->fail_on_kev = true; break;
		case 'h': scan_usage(stdout); return -1;
		default: scan_usage(stderr); return FG_EXIT_USAGE;
		}
	}
	if (bad)
		return FG_EXIT_USAGE;
	if (optind != argc - 1) {
		fprintf(stderr, "firmgate scan: expected exactly one INPUT (try 'firmgate scan --help')\n");
		return FG_EXIT_USAGE;
	}
	a->input = argv[optind];
	if (!fg_cli_standards_known("scan", a->opts.standards) ||
	    (a->fail_on_standard && !fg_cli_standards_known("scan", a->fail_on_standard)) ||
	    !gate_standards_evaluated(a))
		return FG_EXIT_USAGE;
	if (!a->formats_given && a->outdir)
		a->json = a->html = true;
	return FG_EXIT_OK;
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
		struct stat st;
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
	}
	fprintf(stderr, "firmgate scan: %s: cannot create output directory: %s\n", dir,
		strerror(errno ? errno : ENOTDIR));
	return -1;
}

typedef int (*renderer)(const fg_result *res, FILE *out);

static int render_text(const fg_result *res, FILE *out)
{
	return fg_report_text(res, out, 0);
}

static int render_json_files(const fg_result *res, FILE *out)
{
	return fg_report_json_ex(res, out, FG_JSON_FILES);
}

static int write_report(const char *dir, const char *name, const fg_result *res, renderer render)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "firmgate scan: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	int rc = render(res, f);
	if (fclose(f) != 0 || rc != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "firmgate scan: %s: write failed\n", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static bool want_color(const scan_args *a)
{
	const char *nc = getenv("NO_COLOR");
	return !a->no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
}

/* The last line of every scan, on stderr, meant for CI logs: stable
 * key=value words (docs/CLI.md). Severity counts leave suppressed
 * findings out; they are counted apart. */
static void gate_line(const fg_result *res, const scan_args *a, bool failed)
{
	size_t n = fg_result_finding_count(res);
	size_t by[5] = {0}, suppressed = 0;
	for (size_t i = 0; i < n; i++) {
		const fg_finding *f = fg_result_finding(res, i);
		if (f->suppression)
			suppressed++;
		else
			by[f->severity]++;
	}
	fprintf(stderr, "firmgate: %s gate=%s%s findings=%zu (critical %zu, high %zu, medium %zu, "
		"low %zu, info %zu, suppressed %zu) kev=%zu", failed ? "FAIL" : "PASS",
		a->fail_on >= 0 ? fg_severity_name((fg_severity)a->fail_on) : "none",
		a->fail_on_kev ? "+kev" : "", n, by[4], by[3], by[2], by[1], by[0], suppressed,
		fg_result_kev_count(res));
	const char *sep = " standards: ";
	for (const char *p = a->fail_on_standard; p && *p;) {
		size_t len = strcspn(p, ",");
		char id[128];
		snprintf(id, sizeof(id), "%.*s", (int)(len < 127 ? len : 127), p);
		fprintf(stderr, "%s%s mandatory fail %zu", sep, id, mandatory_failures(res, id));
		sep = ", ";
		p += len + (p[len] == ',');
	}
	fputc('\n', stderr);
}

/* Did the gate fail: findings at or above --fail-on that are not
 * suppressed, a KEV match with --fail-on-kev, a mandatory requirement of
 * a --fail-on-standard standard failed. The three compose: any fails it. */
static bool gate_failed(const fg_result *res, const scan_args *a)
{
	bool failed = a->fail_on >= 0 && fg_result_count_at_least(res, (fg_severity)a->fail_on) > 0;
	if (a->fail_on_kev && fg_result_kev_count(res) > 0)
		failed = true;
	for (const char *p = a->fail_on_standard; p && *p;) {
		size_t len = strcspn(p, ",");
		char id[128];
		snprintf(id, sizeof(id), "%.*s", (int)(len < 127 ? len : 127), p);
		if (mandatory_failures(res, id))
			failed = true;
		p += len + (p[len] == ',');
	}
	return failed;
}

/* ---- progress on a terminal ------------------------------------------------------ */

typedef struct progress_view {
	int width;    /* of the line last drawn */
} progress_view;

/* One line, redrawn in place with a carriage return (no escape sequence,
 * so NO_COLOR and dumb terminals are safe), once the scan has taken a
 * second; blanked when the scan ends. */
static void show_progress(const fg_progress *p, void *arg)
{
	progress_view *v = arg;
	if (p->stage == FG_STAGE_DONE) {
		if (v->width)
			fprintf(stderr, "\r%*s\r", v->width, "");
		v->width = 0;
		return;
	}
	if (p->elapsed < 1.0)
		return;
	char line[160];
	int n = snprintf(line, sizeof(line), "firmgate: %-10s %5.1fs  %.1f MiB unpacked, %llu files",
			 fg_stage_name(p->stage), p->elapsed, (double)p->bytes / 1048576.0,
			 (unsigned long long)p->files);
	if (n < 0)
		return;
	/* pad over the rest of a longer line drawn before */
	fprintf(stderr, "\r%-*s", v->width > n ? v->width : n, line);
	fflush(stderr);
	if (n > v->width)
		v->width = n;
}

int fg_cmd_scan(int argc, char **argv)
{
	scan_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc != FG_EXIT_OK)
		return rc < 0 ? FG_EXIT_OK : rc;

	/* every problem of the declaration and the suppressions at once,
	 * before the long part */
	if (a.opts.declaration_file && fg_declaration_validate(a.opts.declaration_file, stderr))
		return FG_EXIT_USAGE;
	if (!fg_cli_policy_finish("scan", &a.policy, &a.opts, a.quiet))
		return FG_EXIT_USAGE;
	progress_view view = { 0 };
	if (!a.quiet && isatty(STDERR_FILENO)) {
		a.opts.progress = show_progress;
		a.opts.progress_arg = &view;
	}
	fg_result *res = NULL;
	char err[1024];
	fg_status st = fg_scan(a.input, &a.opts, &res, err, sizeof(err));
	if (st != FG_OK) {
		fprintf(stderr, "firmgate: %s\n", err);
		return st == FG_ERR_INPUT ? FG_EXIT_INPUT : st == FG_ERR_USAGE ? FG_EXIT_USAGE
									    : FG_EXIT_INTERNAL;
	}

	int exit_code = FG_EXIT_OK;
	if (a.outdir) {
		if (make_dir(a.outdir) != 0 ||
		    (a.json && write_report(a.outdir, "firmgate-report.json", res,
					    a.files ? render_json_files : fg_report_json) != 0) ||
		    (a.html && write_report(a.outdir, "firmgate-report.html", res, fg_report_html) != 0) ||
		    (a.text && write_report(a.outdir, "firmgate-report.txt", res, render_text) != 0) ||
		    (a.sarif && write_report(a.outdir, "firmgate-report.sarif", res, fg_report_sarif) != 0) ||
		    (a.openvex && write_report(a.outdir, "firmgate-report.openvex.json", res, fg_report_openvex) != 0) ||
		    (a.cyclonedx && write_report(a.outdir, "firmgate-sbom.cdx.json", res, fg_report_cyclonedx) != 0) ||
		    (a.spdx && write_report(a.outdir, "firmgate-sbom.spdx.json", res, fg_report_spdx) != 0))
			exit_code = FG_EXIT_INTERNAL;
	}
	if (!a.outdir && a.json) {
		fg_report_json_ex(res, stdout, a.files ? FG_JSON_FILES : 0);
	} else if (!a.outdir && a.sarif) {
		fg_report_sarif(res, stdout);
	} else if (!a.outdir && a.openvex) {
		fg_report_openvex(res, stdout);
	} else if (!a.outdir && a.cyclonedx) {
		fg_report_cyclonedx(res, stdout);
	} else if (!a.outdir && a.spdx) {
		fg_report_spdx(res, stdout);
	} else if (!a.outdir && a.html) {
		fg_report_html(res, stdout);
	} else if (!a.quiet) {
		unsigned flags = (want_color(&a) ? FG_TEXT_COLOR : 0) | (a.verbose ? FG_TEXT_VERBOSE : 0);
		fg_report_text(res, stdout, flags);
	}
	bool failed = gate_failed(res, &a);
	if (a.outdir && !a.quiet && exit_code == FG_EXIT_OK)
		printf("Reports written to %s/\n", a.outdir);
	fflush(stdout);
	gate_line(res, &a, failed);
	if (exit_code == FG_EXIT_OK && failed)
		exit_code = FG_EXIT_FINDINGS;
	fg_result_free(res);
	return exit_code;
}
