/*
 * pkgdb.c - what the package database readers share: Debian-style
 * control stanzas (dpkg status, opkg status and .control files), turning
 * a package record into a component, and linking the files a package
 * lists. The databases come from the image: every field is bounded and
 * every path is resolved inside the file tree only.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "inventory/inv_internal.h"

bool fg_stanza_next(const uint8_t *data, size_t len, size_t *pos, fg_stanza *out)
{
	size_t p = *pos;
	/* skip blank lines between stanzas */
	while (p < len) {
		const uint8_t *nl = memchr(data + p, '\n', len - p);
		size_t end = nl ? (size_t)(nl - data) : len;
		size_t q = p;
		while (q < end && (data[q] == ' ' || data[q] == '\t' || data[q] == '\r'))
			q++;
		if (q < end)
			break;
		p = end + 1;
	}
	if (p >= len)
		return false;
	size_t start = p;
	while (p < len) {
		const uint8_t *nl = memchr(data + p, '\n', len - p);
		size_t end = nl ? (size_t)(nl - data) : len;
		size_t q = p;
		while (q < end && (data[q] == ' ' || data[q] == '\t' || data[q] == '\r'))
			q++;
		if (q == end)
			break; /* blank line ends the stanza */
		p = end + 1;
	}
	if (p > len)
		p = len;
	out->text = (const char *)data + start;
	out->len = p - start;
	*pos = p;
	return true;
}

bool fg_stanza_get(const fg_stanza *s, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	size_t p = 0;
	while (p < s->len) {
		const char *line = s->text + p;
		const char *nl = memchr(line, '\n', s->len - p);
		size_t ll = nl ? (size_t)(nl - line) : s->len - p;
		if (ll > kl && line[kl] == ':' && strncasecmp(line, key, kl) == 0) {
			const char *v = line + kl + 1;
			size_t vl = ll - kl - 1;
			while (vl && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			size_t k = 0;
			for (size_t i = 0; i < vl && k + 1 < cap; i++)
				if ((unsigned char)v[i] >= 0x20 && v[i] != 0x7f)
					out[k++] = v[i];
			out[k] = '\0';
			return true;
		}
		p += ll + 1;
	}
	return false;
}

/* "Name <mail>" -> "Name": the supplier, without an address to leak. */
static void supplier_of(const char *maint, char *out, size_t cap)
{
	size_t n = strcspn(maint, "<");
	while (n && maint[n - 1] == ' ')
		n--;
	snprintf(out, cap, "%.*s", (int)n, maint);
}

static const char *record_text(fg_arena *a, const fg_pkg *p)
{
	return fg_arena_printf(a, "%s %s %s", p->db, p->name, p->version);
}

inv_comp *fg_inv_package(fg_inv *inv, const fg_pkg *p, const char *purl_type, const char *ns)
{
	char up[128];
	fg_upstream_version(p->version, up, sizeof(up));
	const fg_sig *sig = fg_sigdb_by_package(inv->db, p->name);
	if (!sig && p->source && *p->source)
		sig = fg_sigdb_by_package(inv->db, p->source);
	if (!sig)
		sig = fg_sigdb_by_name(inv->db, p->name);
	inv_comp *c = fg_inv_comp(inv, p->name, up, sig ? sig->type : "application");
	if (!c)
		return NULL;
	char qual[160] = "";
	if (p->arch && *p->arch)
		snprintf(qual, sizeof(qual), "arch=%s", p->arch);
	const char *purl = fg_purl_make(inv->arena, purl_type, ns, p->name, p->version, qual);
	char sup[128] = "";
	if (p->maintainer && *p->maintainer)
		supplier_of(p->maintainer, sup, sizeof(sup));
	fg_inv_ids(inv, c, sig && sig->cpe ? fg_cpe_make(inv->arena, sig->cpe, up) : NULL, purl,
		   *sup ? sup : sig ? sig->supplier : NULL);
	if (sig)
		c->sig = sig->name;
	fg_inv_evidence(inv, c, "package-db", p->dbpath, p->record ? p->record : record_text(inv->arena, p),
			-1, FG_CONF_HIGH);
	fg_inv_prop(inv, c, "package-db", p->db);
	fg_inv_prop(inv, c, "package-version", p->version);
	if (p->arch && *p->arch)
		fg_inv_prop(inv, c, "package-arch", p->arch);
	if (p->source && *p->source)
		fg_inv_prop(inv, c, "package-source", p->source);
	if (p->license && *p->license)
		fg_inv_prop(inv, c, "package-license", p->license);
	if (sig && strcmp(sig->name, p->name))
		fg_inv_prop(inv, c, "upstream", sig->name);
	return c;
}

void fg_inv_package_file(fg_inv *inv, inv_comp *c, const char *path, size_t len)
{
	char buf[4096];
	while (len && (path[len - 1] == '\r' || path[len - 1] == ' '))
		len--;
	if (!len || len >= sizeof(buf) || path[0] != '/')
		return;
	memcpy(buf, path, len);
	buf[len] = '\0';
	if (!strcmp(buf, "/."))
		return;
	/* follow links in directories (merged /usr), not the file itself */
	fg_node *n = fg_tree_lookup(inv->root, buf, false);
	if (!n || n->type != FG_NODE_FILE)
		return;
	if (c)
		fg_inv_file(inv, c, buf, n);
	fg_inv_own(inv, n);
}

void fg_inv_package_files(fg_inv *inv, inv_comp *c, const uint8_t *list, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		const uint8_t *nl = memchr(list + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - list) : len;
		const char *line = (const char *)list + pos;
		size_t ll = end - pos;
		const char *tab = memchr(line, '\t', ll);
		if (tab)
			ll = (size_t)(tab - line); /* opkg may add "\tmode" */
		fg_inv_package_file(inv, c, line, ll);
		pos = end + 1;
	}
}
