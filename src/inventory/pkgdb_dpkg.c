/*
 * pkgdb_dpkg.c - Debian's package database: /var/lib/dpkg/status (or
 * one file per package in /var/lib/dpkg/status.d/, as distroless images
 * keep it) and the file lists in /var/lib/dpkg/info/<pkg>[:arch].list.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "inventory/inv_internal.h"

#define MAX_PACKAGES 100000

/* Package names end up in paths: only what dpkg itself allows. */
static bool safe_name(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("+-._", *p))
			return false;
	return strlen(s) < 128;
}

/* "install ok installed": the third word says whether files are there. */
static bool present(const char *status)
{
	const char *st = strrchr(status, ' ');
	st = st ? st + 1 : status;
	return !strcmp(st, "installed") || !strcmp(st, "unpacked") || !strcmp(st, "half-configured") ||
	       !strcmp(st, "triggers-awaited") || !strcmp(st, "triggers-pending");
}

static void link_list(fg_inv *inv, inv_comp *c, const char *name, const char *arch)
{
	char path[512];
	const fg_node *n = NULL;
	if (arch && *arch && safe_name(arch)) {
		snprintf(path, sizeof(path), "/var/lib/dpkg/info/%s:%s.list", name, arch);
		n = fg_node_content(fg_tree_lookup(inv->root, path, true));
	}
	if (!n) {
		snprintf(path, sizeof(path), "/var/lib/dpkg/info/%s.list", name);
		n = fg_node_content(fg_tree_lookup(inv->root, path, true));
	}
	if (n && n->data_len)
		fg_inv_package_files(inv, c, n->data, n->data_len);
}

static void one_stanza(fg_inv *inv, const fg_stanza *s, const char *dbpath)
{
	char name[128], version[128], status[128] = "", arch[64] = "", source[128] = "";
	char maint[256] = "";
	if (!fg_stanza_get(s, "Package", name, sizeof(name)) || !safe_name(name) ||
	    !fg_stanza_get(s, "Version", version, sizeof(version)) || !version[0])
		return;
	if (fg_stanza_get(s, "Status", status, sizeof(status)) && !present(status))
		return;
	fg_stanza_get(s, "Architecture", arch, sizeof(arch));
	fg_stanza_get(s, "Maintainer", maint, sizeof(maint));
	if (fg_stanza_get(s, "Source", source, sizeof(source)))
		source[strcspn(source, " (")] = '\0'; /* "src (1.2-3)" */
	char record[300];
	snprintf(record, sizeof(record), "Package: %s Version: %s", name, version);
	fg_pkg p = {
		.db = "dpkg", .dbpath = dbpath, .name = name, .version = version, .arch = arch,
		.source = source, .maintainer = maint, .record = record,
	};
	inv_comp *c = fg_inv_package(inv, &p, "deb", inv->distro ? inv->distro : "debian");
	link_list(inv, c, name, arch);
}

static void read_status(fg_inv *inv, const fg_node *n, const char *dbpath)
{
	size_t pos = 0, count = 0;
	fg_stanza s;
	while (count++ < MAX_PACKAGES && fg_stanza_next(n->data, n->data_len, &pos, &s))
		one_stanza(inv, &s, dbpath);
}

void fg_inv_pkgdb_dpkg(fg_inv *inv)
{
	const fg_node *n = fg_node_content(fg_tree_lookup(inv->root, "/var/lib/dpkg/status", true));
	if (n && n->data_len)
		read_status(inv, n, "/var/lib/dpkg/status");
	fg_node *dir = fg_tree_lookup(inv->root, "/var/lib/dpkg/status.d", true);
	if (!dir || dir->type != FG_NODE_DIR)
		return;
	for (size_t i = 0; i < dir->nchildren && i < MAX_PACKAGES; i++) {
		const fg_node *f = fg_node_content(dir->children[i]);
		if (!f || !f->data_len || strchr(dir->children[i]->name, '.'))
			continue; /* status.d/<pkg>.md5sums sit beside the records */
		char where[512];
		snprintf(where, sizeof(where), "/var/lib/dpkg/status.d/%s", dir->children[i]->name);
		read_status(inv, f, where);
	}
}
