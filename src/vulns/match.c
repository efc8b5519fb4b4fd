/*
 * match.c - the vulnerabilities stage: the scan's components against the
 * offline database, then the false-positive controls and VEX.
 *
 * The database is optional: without one (or with an empty or stale one)
 * the stage says so in the diagnostics, so nobody mistakes "no CVEs
 * listed" for "no known vulnerabilities".
 */
#include "vulns/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "vulns/db.h"
#include "vulns/matcher.h"
#include "vulns/vex.h"

/* The inventory's property accessor (inventory/inventory.h). Weak, so the
 * stage works the same with an inventory that does not offer it yet. */
const char *fg_component_prop(const fg_component *c, const char *name) __attribute__((weak));

static const char *prop(const fg_component *c, const char *name)
{
	return fg_component_prop ? fg_component_prop(c, name) : NULL;
}

/* The first kernel configuration in a file tree: /boot/config-*,
 * /boot/config, /proc/config (a config.gz is offered through what the
 * unpacker made of it). */
static const fg_node *find_kconfig(fg_result *res, const char **where)
{
	for (size_t i = 0; i < res->filesystems.n; i++) {
		fg_node *boot = fg_tree_lookup(res->filesystems.v[i].root, "/boot", true);
		fg_node *cand[3] = { boot, fg_tree_lookup(res->filesystems.v[i].root, "/proc", true), NULL };
		for (int d = 0; d < 2; d++) {
			const fg_node *dir = cand[d];
			if (!dir || dir->type != FG_NODE_DIR)
				continue;
			for (size_t k = 0; k < dir->nchildren; k++) {
				const fg_node *c = fg_node_content(dir->children[k]);
				const char *nm = dir->children[k]->name;
				if (!c || c->type != FG_NODE_FILE)
					continue;
				if (strncmp(nm, "config", 6) || (nm[6] && nm[6] != '-' && strcmp(nm + 6, ".gz")))
					continue;
				const fg_node *text = c;
				if (c->unpacked) {
					/* gzip: the extraction root holds one file */
					const fg_node *r = c->unpacked;
					text = r->nchildren ? r->children[0] : NULL;
				}
				if (text && text->type == FG_NODE_FILE && text->data_len > 16 &&
				    memmem(text->data, text->data_len < 65536 ? text->data_len : 65536, "CONFIG_", 7)) {
					*where = fg_arena_printf(&res->arena, "%s:/%s/%s", res->filesystems.v[i].chain,
								 d == 0 ? "boot" : "proc", nm);
					return text;
				}
			}
		}
	}
	return NULL;
}

static void warn_db(fg_result *res, fg_diag_level lvl, const char *path, const char *what)
{
	fg_diag_add(&res->diags, lvl, "vulns", path,
		    "%s: %zu component(s) not checked for known vulnerabilities "
		    "(firmgate db update, or firmgate db import FILE...)", what, res->components.n);
}

void fg_vulns_match(fg_result *res)
{
	if (res->components.n == 0)
		return;
	char defpath[4096];
	const char *path = res->opts.vulndb;
	if (!path || !*path) {
		fg_vdb_default_path(defpath, sizeof(defpath));
		path = defpath;
	}
	res->vulns.database = fg_arena_strdup(&res->arena, path);
	struct stat sb;
	if (stat(path, &sb) != 0) {
		warn_db(res, FG_DIAG_WARNING, path, "no vulnerability database");
		return;
	}
	fg_vdb db;
	char err[1024];
	if (fg_vdb_open(&db, path, false, err, sizeof(err)) != 0) {
		fg_diag_add(&res->diags, FG_DIAG_ERROR, "vulns", path, "cannot open the vulnerability database: %s", err);
		return;
	}
	fg_vdb_status st;
	if (fg_vdb_get_status(&db, &st, false, err, sizeof(err)) != 0) {
		fg_diag_add(&res->diags, FG_DIAG_ERROR, "vulns", path, "%s", err);
		fg_vdb_close(&db);
		return;
	}
	if (st.cve <= 0 && st.osv <= 0) {
		warn_db(res, FG_DIAG_WARNING, path, "the vulnerability database is empty");
		fg_vdb_close(&db);
		return;
	}
	const char *nvd_date = NULL;
	for (size_t i = 0; i < st.nsources; i++)
		if (!strcmp(st.sources[i].name, "nvd"))
			nvd_date = st.sources[i].data_date;
	double age = fg_vdb_age_days(nvd_date);
	if (res->opts.vulndb_max_age && (age < 0 || age > res->opts.vulndb_max_age))
		fg_diag_add(&res->diags, FG_DIAG_WARNING, "vulns", path,
			    "the vulnerability data is %s (newest NVD record %s; --vulndb-max-age %u): "
			    "recent vulnerabilities are missing; run firmgate db update",
			    age < 0 ? "of unknown age" : fg_arena_printf(&res->arena, "%.0f days old", age),
			    nvd_date && *nvd_date ? nvd_date : "unknown", res->opts.vulndb_max_age);

	/* subjects */
	const char *kwhere = NULL;
	const fg_node *kcfg = find_kconfig(res, &kwhere);
	size_t n = res->components.n;
	fg_vsubject *subj = calloc(n, sizeof(*subj));
	fg_vex_component *vc = calloc(n, sizeof(*vc));
	if (!subj || !vc) {
		free(subj);
		free(vc);
		fg_vdb_close(&db);
		fg_diag_add(&res->diags, FG_DIAG_ERROR, "vulns", "", "out of memory");
		return;
	}
	size_t no_applets = 0;
	for (size_t i = 0; i < n; i++) {
		const fg_component *c = &res->components.v[i];
		subj[i] = (fg_vsubject){ .name = c->name, .version = c->version, .cpe = c->cpe, .purl = c->purl };
		vc[i] = (fg_vex_component){ c->name, c->version, c->purl, c->cpe };
		subj[i].package_version = prop(c, "package-version");
		const char *applets = prop(c, "busybox:applets");
		if (applets) {
			subj[i].applets = applets;
			const char *from = prop(c, "busybox:applets-from");
			subj[i].applets_complete = !(from && !strcmp(from, "links"));
			subj[i].applets_source = fg_arena_printf(&res->arena, "applets of %s%s%s%s",
				c->path ? c->path : c->name, from ? " (" : "", from ? from : "", from ? ")" : "");
		} else if (c->name && !strcasecmp(c->name, "busybox")) {
			no_applets++;
		}
		if (kcfg) {
			subj[i].kconfig = (const char *)kcfg->data;
			subj[i].kconfig_len = kcfg->data_len;
			subj[i].kconfig_source = kwhere;
		}
	}
	fg_vmatcher *m = fg_vmatcher_new(&db, err, sizeof(err));
	fg_vmatch_stats ms = {0};
	const char *unmapped = NULL;
	if (!m || fg_vmatcher_run(m, subj, n, 0, &res->arena, &res->vulns, &ms, &unmapped, err, sizeof(err)) != 0) {
		fg_diag_add(&res->diags, FG_DIAG_ERROR, "vulns", path, "matching failed: %s", err);
	} else {
		res->vulns.matched = true;
		size_t vexed = 0;
		if (res->opts.vex_file) {
			fg_vex vex;
			if (fg_vex_load(res->opts.vex_file, &res->arena, &vex, err, sizeof(err)) != 0) {
				fg_diag_add(&res->diags, FG_DIAG_ERROR, "vulns", res->opts.vex_file, "VEX not applied: %s", err);
			} else {
				vexed = fg_vex_apply(&vex, vc, n, &res->vulns, &res->arena);
				fg_vulns_sort(&res->vulns);
			}
		}
		size_t affected = 0;
		for (size_t i = 0; i < res->vulns.n; i++)
			affected += res->vulns.v[i].status == FG_VULN_AFFECTED;
		fg_diag_add(&res->diags, FG_DIAG_INFO, "vulns", path,
			    "%zu component(s) against %lld CVE record(s) (NVD data of %s): %zu match(es), "
			    "%zu affected, %zu in CISA KEV%s",
			    n, (long long)st.cve, nvd_date && *nvd_date ? nvd_date : "unknown date",
			    res->vulns.n, affected, ms.kev,
			    vexed ? fg_arena_printf(&res->arena, ", %zu changed by VEX", vexed) : "");
		if (ms.nodata)
			fg_diag_add(&res->diags, FG_DIAG_WARNING, "vulns", "",
				    "%zu vulnerability record(s) name a component's product but have no "
				    "applicability data (no CPE configuration, e.g. NVD \"Awaiting Analysis\"): "
				    "not matched, listed under vulnerabilities_no_applicability_data", ms.nodata);
		if (unmapped)
			fg_diag_add(&res->diags, FG_DIAG_INFO, "vulns", "",
				    "%zu component(s) without a CPE or a product alias, not matched: %s",
				    ms.unmapped, unmapped);
		if (no_applets)
			fg_diag_add(&res->diags, FG_DIAG_INFO, "vulns", "",
				    "BusyBox applet list not known: BusyBox CVEs are not filtered by applet");
	}
	fg_vmatcher_free(m);
	fg_vdb_close(&db);
	free(subj);
	free(vc);
}
