/*
 * pkgdb_apk.c - Alpine's (and OpenWrt 24's) package database,
 * /lib/apk/db/installed: one record per package, "K:value" lines
 * (P name, V version, A arch, L licence, o origin, m maintainer), then
 * its files as F: (directory) followed by R: (file in it) lines.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "inventory/inv_internal.h"

#define MAX_PACKAGES 100000

typedef struct apk_rec {
	char name[128], version[128], arch[64], lic[128], origin[128], maint[256];
} apk_rec;

static void field(const char *v, size_t vl, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < vl && k + 1 < cap; i++)
		if ((unsigned char)v[i] >= 0x20 && v[i] != 0x7f)
			out[k++] = v[i];
	out[k] = '\0';
}

static inv_comp *emit(fg_inv *inv, const apk_rec *r)
{
	if (!r->name[0] || !r->version[0] || !isalnum((unsigned char)r->name[0]) || strchr(r->name, '/'))
		return NULL;
	char record[300];
	snprintf(record, sizeof(record), "P:%s V:%s", r->name, r->version);
	fg_pkg p = {
		.db = "apk", .dbpath = "/lib/apk/db/installed", .name = r->name, .version = r->version,
		.arch = r->arch, .source = r->origin, .license = r->lic, .maintainer = r->maint,
		.record = record,
	};
	return fg_inv_package(inv, &p, "apk", inv->distro ? inv->distro : "alpine");
}

/* Files of one record: "F:dir" then "R:file" lines, paths relative to /. */
static void link_files(fg_inv *inv, inv_comp *c, const char *rec, size_t len)
{
	char dir[2048] = "";
	size_t pos = 0;
	while (pos < len) {
		const char *line = rec + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + 1;
		if (ll < 2 || line[1] != ':')
			continue;
		if (line[0] == 'F') {
			field(line + 2, ll - 2, dir, sizeof(dir));
		} else if (line[0] == 'R') {
			char path[4096];
			int w = snprintf(path, sizeof(path), "/%s%s%.*s", dir, *dir ? "/" : "",
					 (int)(ll - 2), line + 2);
			if (w > 0 && (size_t)w < sizeof(path))
				fg_inv_package_file(inv, c, path, (size_t)w);
		}
	}
}

static void one_record(fg_inv *inv, const char *rec, size_t len)
{
	apk_rec r = {0};
	size_t pos = 0;
	while (pos < len) {
		const char *line = rec + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + 1;
		if (ll < 2 || line[1] != ':')
			continue;
		const char *v = line + 2;
		size_t vl = ll - 2;
		switch (line[0]) {
		case 'P': field(v, vl, r.name, sizeof(r.name)); break;
		case 'V': field(v, vl, r.version, sizeof(r.version)); break;
		case 'A': field(v, vl, r.arch, sizeof(r.arch)); break;
		case 'L': field(v, vl, r.lic, sizeof(r.lic)); break;
		case 'o': field(v, vl, r.origin, sizeof(r.origin)); break;
		case 'm': field(v, vl, r.maint, sizeof(r.maint)); break;
		default: break;
		}
	}
	inv_comp *c = emit(inv, &r);
	link_files(inv, c, rec, len);
}

void fg_inv_pkgdb_apk(fg_inv *inv)
{
	const fg_node *n = fg_node_content(fg_tree_lookup(inv->root, "/lib/apk/db/installed", true));
	if (!n || !n->data_len)
		return;
	size_t pos = 0, count = 0;
	fg_stanza s;
	while (count++ < MAX_PACKAGES && fg_stanza_next(n->data, n->data_len, &pos, &s))
		one_record(inv, s.text, s.len);
}
