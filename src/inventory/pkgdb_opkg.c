/*
 * pkgdb_opkg.c - OpenWrt's package database: the status file
 * (/usr/lib/opkg/status, older images /var/lib/opkg/status) and the
 * per-package /usr/lib/opkg/info/<pkg>.control and <pkg>.list files.
 * A status entry may lack fields the .control file has (Version in
 * some builds, License, Source); an image may ship only the info
 * directory.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "inventory/inv_internal.h"

#define MAX_PACKAGES 100000

static bool safe_name(const char *s)
{
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("+-._", *p))
			return false;
	return strlen(s) < 128;
}

typedef struct opkg_db {
	const char *info;      /* the info directory */
} opkg_db;

static const fg_node *info_file(fg_inv *inv, const opkg_db *db, const char *name, const char *ext)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.%s", db->info, name, ext);
	return fg_node_content(fg_tree_lookup(inv->root, path, true));
}

static void add_package(fg_inv *inv, const opkg_db *db, const fg_stanza *st, const char *dbpath)
{
	char name[128], version[128] = "", arch[64] = "", source[128] = "", lic[128] = "";
	char maint[256] = "", status[128] = "";
	if (!fg_stanza_get(st, "Package", name, sizeof(name)) || !safe_name(name))
		return;
	if (fg_stanza_get(st, "Status", status, sizeof(status)) &&
	    (strstr(status, "not-installed") || !strstr(status, "installed")))
		return;
	fg_stanza_get(st, "Version", version, sizeof(version));
	fg_stanza_get(st, "Architecture", arch, sizeof(arch));
	const fg_node *ctl = info_file(inv, db, name, "control");
	fg_stanza cs = {0};
	size_t cpos = 0;
	bool have_ctl = ctl && ctl->data_len && fg_stanza_next(ctl->data, ctl->data_len, &cpos, &cs);
	if (have_ctl) {
		if (!version[0])
			fg_stanza_get(&cs, "Version", version, sizeof(version));
		if (!arch[0])
			fg_stanza_get(&cs, "Architecture", arch, sizeof(arch));
		fg_stanza_get(&cs, "Source", source, sizeof(source));
		fg_stanza_get(&cs, "License", lic, sizeof(lic));
		fg_stanza_get(&cs, "Maintainer", maint, sizeof(maint));
	}
	if (!version[0])
		return;
	/* OpenWrt's Source is a path in its tree: "package/network/services/dnsmasq" */
	const char *src = strrchr(source, '/') ? strrchr(source, '/') + 1 : source;
	char record[300];
	snprintf(record, sizeof(record), "Package: %s Version: %s", name, version);
	fg_pkg p = {
		.db = "opkg", .dbpath = dbpath, .name = name, .version = version, .arch = arch,
		.source = src, .license = lic, .maintainer = maint, .record = record,
	};
	inv_comp *c = fg_inv_package(inv, &p, "opkg", inv->distro ? inv->distro : "openwrt");
	const fg_node *list = info_file(inv, db, name, "list");
	if (list && list->data_len)
		fg_inv_package_files(inv, c, list->data, list->data_len);
}

static bool read_status(fg_inv *inv, const opkg_db *db, const char *path)
{
	const fg_node *n = fg_node_content(fg_tree_lookup(inv->root, path, true));
	if (!n || !n->data_len)
		return false;
	size_t pos = 0, count = 0;
	fg_stanza s;
	while (count++ < MAX_PACKAGES && fg_stanza_next(n->data, n->data_len, &pos, &s))
		add_package(inv, db, &s, path);
	return true;
}

/* No status file: every <pkg>.control in the info directory. */
static void read_info_dir(fg_inv *inv, const opkg_db *db)
{
	fg_node *dir = fg_tree_lookup(inv->root, db->info, true);
	if (!dir || dir->type != FG_NODE_DIR)
		return;
	for (size_t i = 0; i < dir->nchildren && i < MAX_PACKAGES; i++) {
		const char *nm = dir->children[i]->name;
		size_t l = strlen(nm);
		if (l < 9 || strcmp(nm + l - 8, ".control"))
			continue;
		const fg_node *f = fg_node_content(dir->children[i]);
		if (!f || !f->data_len)
			continue;
		size_t pos = 0;
		fg_stanza s;
		if (!fg_stanza_next(f->data, f->data_len, &pos, &s))
			continue;
		char where[512];
		snprintf(where, sizeof(where), "%s/%s", db->info, nm);
		add_package(inv, db, &s, where);
	}
}

void fg_inv_pkgdb_opkg(fg_inv *inv)
{
	static const char *const roots[][2] = {
		{ "/usr/lib/opkg/status", "/usr/lib/opkg/info" },
		{ "/var/lib/opkg/status", "/var/lib/opkg/info" },
	};
	for (size_t i = 0; i < 2; i++) {
		opkg_db db = { roots[i][1] };
		if (read_status(inv, &db, roots[i][0]))
			return;
	}
	for (size_t i = 0; i < 2; i++) {
		opkg_db db = { roots[i][1] };
		read_info_dir(inv, &db);
	}
}
