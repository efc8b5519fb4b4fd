#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "compliance/catalog.h"
#include "core/suppress.h"

bool fg_cli_parse_size(const char *s, unsigned long long *out)
{
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return false;
	unsigned shift = 0;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return false;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end)
		return false;
	if (shift && v > (~0ull >> shift))
		return false;
	*out = v << shift;
	return true;
}

static bool parse_count(const char *name, const char *arg, unsigned long long max,
			unsigned long long *out, bool *bad)
{
	if (!fg_cli_parse_size(arg, out) || *out > max) {
		fprintf(stderr, "firmgate: invalid value for --%s: '%s'\n", name, arg);
		*bad = true;
		return false;
	}
	return true;
}

bool fg_cli_common_option(int opt, const char *arg, fg_options *o, bool *bad)
{
	unsigned long long v;
	switch (opt) {
	case OPT_JOBS:
		if (parse_count("jobs", arg, 256, &v, bad))
			o->jobs = (unsigned)v;
		return true;
	case OPT_MAX_DEPTH:
		if (parse_count("max-depth", arg, 1000, &v, bad))
			o->limits.max_depth = (unsigned)v;
		return true;
	case OPT_MAX_BYTES:
		if (parse_count("max-bytes", arg, ~0ull, &v, bad))
			o->limits.max_total_bytes = v;
		return true;
	case OPT_MAX_FILES:
		if (parse_count("max-files", arg, ~0ull, &v, bad))
			o->limits.max_files = v;
		return true;
	case OPT_MAX_RATIO:
		if (parse_count("max-ratio", arg, ~0ull, &v, bad))
			o->limits.max_ratio = v;
		return true;
	case OPT_MAX_FILE_SIZE:
		if (parse_count("max-file-size", arg, ~0ull, &v, bad))
			o->limits.max_file_size = v;
		return true;
	case OPT_MAX_SECONDS:
		if (parse_count("max-seconds", arg, 1000000, &v, bad))
			o->limits.max_seconds = (double)v;
		return true;
	default:
		return false;
	}
}

bool fg_cli_standards_known(const char *cmd, const char *list)
{
	if (!list || !strcmp(list, "all"))
		return true;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		char id[128];
		snprintf(id, sizeof(id), "%.*s", (int)(len < 127 ? len : 127), p);
		if (!fg_standard_find(id)) {
			fprintf(stderr, "firmgate %s: unknown standard '%s' (see 'firmgate standards')\n",
				cmd, id);
			return false;
		}
		p += len + (p[len] == ',');
	}
	return true;
}

bool fg_cli_policy_option(const char *cmd, int opt, const char *arg, fg_cli_policy *p, bool *bad)
{
	switch (opt) {
	case OPT_SUPPRESS:
		p->suppress = arg;
		return true;
	case OPT_NO_SUPPRESS:
		p->no_suppress = true;
		return true;
	case OPT_SEVERITY: {
		char err[300];
		if (fg_severity_rule_check(arg, err, sizeof(err)) != 0) {
			fprintf(stderr, "firmgate %s: %s\n", cmd, err);
			*bad = true;
		} else if (p->nseverity == FG_CLI_MAX_SEVERITY_RULES) {
			fprintf(stderr, "firmgate %s: more than %d --severity rules\n", cmd,
				FG_CLI_MAX_SEVERITY_RULES);
			*bad = true;
		} else {
			p->severity[p->nseverity++] = arg;
			p->severity[p->nseverity] = NULL;
		}
		return true;
	}
	default:
		return false;
	}
}

bool fg_cli_policy_finish(const char *cmd, const fg_cli_policy *p, fg_options *o, bool quiet)
{
	if (p->suppress && p->no_suppress) {
		fprintf(stderr, "firmgate %s: --suppress and --no-suppress exclude each other\n", cmd);
		return false;
	}
	o->severity = p->nseverity ? p->severity : NULL;
	o->suppress_file = p->no_suppress ? NULL
		: p->suppress ? p->suppress
		: access(FG_SUPPRESS_DEFAULT_FILE, F_OK) == 0 ? FG_SUPPRESS_DEFAULT_FILE : NULL;
	if (o->suppress_file && !p->suppress && !quiet)
		fprintf(stderr, "firmgate: suppressions from ./%s (--no-suppress ignores it)\n",
			o->suppress_file);
	/* every problem of the file at once, before the long part */
	return !o->suppress_file || !fg_suppressions_validate(o->suppress_file, stderr);
}
