/*
 * inventory.c - the inventory stage: which components the image carries.
 *
 * First sources: the distribution identity files (/etc/os-release,
 * /usr/lib/os-release, /etc/openwrt_release) and the BusyBox binary's
 * version banner. Package databases and the signature engine come next.
 */
#include "inventory/inventory.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "inventory/textscan.h"

static void add(fg_arena *a, fg_component_vec *out, const char *name, const char *version,
		const char *type, const char *path, const char *container, const char *method,
		const char *evidence, const char *cpe, const char *purl)
{
	/* one record per component and version per file tree */
	for (size_t i = 0; i < out->n; i++)
		if (!strcmp(out->v[i].name, name) && !strcmp(out->v[i].version, version) &&
		    !strcmp(out->v[i].container, container))
			return;
	fg_component c = {
		.name = fg_arena_strdup(a, name),
		.version = fg_arena_strdup(a, version),
		.type = type,
		.cpe = cpe ? fg_arena_strdup(a, cpe) : NULL,
		.purl = purl ? fg_arena_strdup(a, purl) : NULL,
		.path = fg_arena_strdup(a, path),
		.container = container,
		.method = method,
		.evidence = fg_arena_strdup(a, evidence),
	};
	FG_VEC_PUSH(out, c);
}

static void os_release(fg_node *root, fg_arena *a, const char *chain, fg_component_vec *out)
{
	static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
	for (size_t i = 0; i < 2; i++) {
		const fg_node *n = fg_node_content(fg_tree_lookup(root, paths[i], true));
		if (!n || !n->data_len)
			continue;
		char id[128], name[128], version[128];
		if (!fg_kv_get(n->data, n->data_len, "ID", id, sizeof(id)))
			strcpy(id, "");
		if (!fg_kv_get(n->data, n->data_len, "NAME", name, sizeof(name)))
			snprintf(name, sizeof(name), "%s", id);
		if (!fg_kv_get(n->data, n->data_len, "VERSION_ID", version, sizeof(version)) &&
		    !fg_kv_get(n->data, n->data_len, "VERSION", version, sizeof(version)))
			strcpy(version, "");
		if (!*name)
			continue;
		char ev[300];
		snprintf(ev, sizeof(ev), "NAME=%s VERSION_ID=%s", name, version);
		add(a, out, name, version, "operating-system", paths[i], chain, "os-release", ev,
		    NULL, NULL);
		return;
	}
}

static void openwrt_release(fg_node *root, fg_arena *a, const char *chain, fg_component_vec *out)
{
	const fg_node *n = fg_node_content(fg_tree_lookup(root, "/etc/openwrt_release", true));
	if (!n || !n->data_len)
		return;
	char id[128], release[128];
	if (!fg_kv_get(n->data, n->data_len, "DISTRIB_ID", id, sizeof(id)))
		strcpy(id, "OpenWrt");
	if (!fg_kv_get(n->data, n->data_len, "DISTRIB_RELEASE", release, sizeof(release)))
		strcpy(release, "");
	char ev[300];
	snprintf(ev, sizeof(ev), "DISTRIB_ID=%s DISTRIB_RELEASE=%s", id, release);
	add(a, out, id, release, "operating-system", "/etc/openwrt_release", chain,
	    "os-release", ev, NULL, NULL);
}

/* BusyBox prints "BusyBox v1.35.0 (2023-...)" in its usage banner. */
static void busybox(fg_node *root, fg_arena *a, const char *chain, fg_component_vec *out)
{
	static const char *const paths[] = { "/bin/busybox", "/usr/bin/busybox", "/sbin/busybox" };
	for (size_t i = 0; i < 3; i++) {
		const fg_node *n = fg_node_content(fg_tree_lookup(root, paths[i], true));
		if (!n || !n->data_len)
			continue;
		char version[64];
		if (!fg_find_version_after(n->data, n->data_len, "BusyBox v", version, sizeof(version)))
			continue;
		char ev[96], cpe[160], purl[160];
		snprintf(ev, sizeof(ev), "BusyBox v%s", version);
		snprintf(cpe, sizeof(cpe), "cpe:2.3:a:busybox:busybox:%s:*:*:*:*:*:*:*", version);
		snprintf(purl, sizeof(purl), "pkg:generic/busybox@%s", version);
		add(a, out, "busybox", version, "application", paths[i], chain, "signature", ev,
		    cpe, purl);
		return;
	}
}

void fg_inventory_tree(fg_tree *tree, fg_node *root, fg_arena *arena, fg_component_vec *out)
{
	const char *chain = fg_node_chain(tree, root);
	chain = fg_arena_strdup(arena, chain ? chain : "");
	os_release(root, arena, chain, out);
	openwrt_release(root, arena, chain, out);
	busybox(root, arena, chain, out);
}
