/*
 * svc_snmp.c - SNMP v1/v2c with the well-known communities.
 *
 * SNMP v1 and v2c authenticate with a community string sent in clear
 * text; "public" and "private" are the defaults every scanner tries.
 * Read: the configuration snmpd is started with (-c FILE), else
 * /etc/snmp/snmpd.conf, /etc/snmpd.conf, /usr/share/snmp/snmpd.conf,
 * and OpenWrt's /etc/config/snmpd. A finding per line that grants a
 * community public or private (case-insensitive):
 *   net-snmp   com2sec[6] NAME SOURCE COMMUNITY, rocommunity[6] and
 *              rwcommunity[6] COMMUNITY [SOURCE [OID]];
 *   UCI        option community 'public' in a com2sec/community section.
 * Severity: HIGH (CRITICAL for rwcommunity or "private", which usually
 * grants write access) when snmpd is started at boot; MEDIUM when no start
 * of snmpd was found (the configuration is there but may be unused).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"
#include "checks/uci.h"

static bool well_known(const char *c, size_t l)
{
	return (l == 6 && strncasecmp(c, "public", 6) == 0) || (l == 7 && strncasecmp(c, "private", 7) == 0);
}

/* The n-th blank-separated word of [S, S+L). */
static bool word_at(const char *s, size_t l, int n, const char **w, size_t *wl)
{
	size_t i = 0;
	for (int k = 0; i < l; k++) {
		while (i < l && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t st = i;
		while (i < l && s[i] != ' ' && s[i] != '\t')
			i++;
		if (i == st)
			return false;
		if (k == n) {
			*w = s + st;
			*wl = i - st;
			fg_unquote(w, wl);
			return true;
		}
	}
	return false;
}

static void check_netsnmp(fg_check_ctx *ctx, fg_seen *seen, const fg_node *n, const char *path,
			  const char *started)
{
	const char *t;
	size_t len;
	if (!n || !fg_text_of(n, &t, &len) || !fg_seen_first(seen, n, 0))
		return;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	const char *s;
	size_t l;
	while (fg_line_next(&it, &s, &l)) {
		const char *kw, *c;
		size_t kl, cl;
		if (!l || s[0] == '#' || !word_at(s, l, 0, &kw, &kl))
			continue;
		bool com2sec = (kl == 7 || kl == 8) && strncmp(kw, "com2sec", 7) == 0;
		bool ro = (kl == 11 || kl == 12) && strncmp(kw, "rocommunity", 11) == 0;
		bool rw = (kl == 11 || kl == 12) && strncmp(kw, "rwcommunity", 11) == 0;
		if (!com2sec && !ro && !rw)
			continue;
		/* com2sec [-Cn CONTEXT] NAME SOURCE COMMUNITY */
		int idx = 1;
		const char *opt;
		size_t ol;
		if (com2sec && word_at(s, l, 1, &opt, &ol) && ol == 3 && strncmp(opt, "-Cn", 3) == 0)
			idx = 3;
		if (!word_at(s, l, com2sec ? idx + 2 : 1, &c, &cl) || !well_known(c, cl))
			continue;
		bool write = rw || (cl == 7 && strncasecmp(c, "private", 7) == 0);
		int sev = !started ? FG_SEV_MEDIUM : write ? FG_SEV_CRITICAL : FG_SEV_HIGH;
		char subject[128];
		snprintf(subject, sizeof(subject), "community:%.*s:%.*s", (int)(kl > 16 ? 16 : kl), kw,
			 (int)cl, c);
		fg_report_at(ctx, n, it.no, -1, sev, subject, NULL,
			     "%s grants SNMP v1/v2c access with the well-known community '%.*s' (line %u, "
			     "%.*s%s). Communities travel in clear text and '%.*s' is the first one every "
			     "scanner tries. %s", path, (int)cl, c, it.no, (int)kl, kw,
			     write ? ", likely with write access" : "", (int)cl, c,
			     started ? started : "No start of snmpd was found, so it may be unused.");
	}
}

static void check_uci(fg_check_ctx *ctx, const char *started)
{
	const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, "/etc/config/snmpd"));
	fg_uci *u = fg_uci_of_node(n);
	for (size_t i = 0; u && i < u->v.n; i++) {
		const fg_uci_opt *o = fg_uci_get(&u->v.v[i], "community");
		if (!o || !well_known(o->value, strlen(o->value)))
			continue;
		char subject[128];
		snprintf(subject, sizeof(subject), "uci-community:%s", o->value);
		fg_report_at(ctx, n, o->line, -1, started ? FG_SEV_HIGH : FG_SEV_MEDIUM, subject, NULL,
			     "/etc/config/snmpd sets the SNMP community '%s' (line %u, section %s). "
			     "Communities travel in clear text and '%s' is the first one every scanner "
			     "tries. %s", o->value, o->line, u->v.v[i].type, o->value,
			     started ? started : "No start of snmpd was found, so it may be unused.");
	}
	fg_uci_free(u);
}

static void run(fg_check_ctx *ctx)
{
	const fg_boot *b = fg_boot_of(ctx);
	char started[1700] = "";
	const char *conf = NULL;
	for (size_t i = 0; b && i < b->v.n && !started[0]; i++) {
		const fg_boot_start *s = &b->v.v[i];
		const char *prog = s->src == FG_BOOT_INETD ? fg_boot_inetd_program(s) : s->prog;
		if (strcmp(fg_base_name(prog), "snmpd") != 0 || fg_boot_severity(s, FG_SEV_HIGH) < 0)
			continue;
		char where[1600];
		fg_boot_describe(s, where, sizeof(where));
		snprintf(started, sizeof(started), "snmpd is started from %s.", where);
		conf = fg_boot_option(s, "-c");
	}
	fg_seen seen = { 0 };
	if (conf && conf[0] == '/')
		check_netsnmp(ctx, &seen, fg_node_content(fg_ctx_lookup(ctx, conf)), conf,
			      started[0] ? started : NULL);
	static const char *const defaults[] = {
		"/etc/snmp/snmpd.conf", "/etc/snmpd.conf", "/usr/share/snmp/snmpd.conf", NULL,
	};
	for (const char *const *d = defaults; *d; d++)
		check_netsnmp(ctx, &seen, fg_node_content(fg_ctx_lookup(ctx, *d)), *d,
			      started[0] ? started : NULL);
	check_uci(ctx, started[0] ? started : NULL);
	FG_VEC_FREE(&seen);
}

const fg_check fg_check_snmp = {
	.id = "services.snmp",
	.title = "SNMP with a well-known community",
	.severity = FG_SEV_HIGH,
	.remediation = "Disable SNMP v1/v2c or at least replace the public/private communities with "
		       "per-device secrets; prefer SNMPv3 with authentication and privacy (authPriv).",
	.run = run,
};
