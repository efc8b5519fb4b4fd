/*
 * distro.c - distribution identity: os-release, OpenWrt's release files,
 * lsb-release (the Debian installer names its build there), Yocto/Poky
 * (/etc/issue, /etc/version) and Buildroot (os-release ID=buildroot),
 * and single-line version files a vendor leaves in /etc.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "inventory/inv_internal.h"
#include "inventory/textscan.h"

#define MAX_ID_FILE (64u << 10)

typedef struct distro_cpe {
	const char *id;
	const char *cpe;         /* part:vendor:product */
	const char *purl_type;
} distro_cpe;

static const distro_cpe known[] = {
	{ "debian", "o:debian:debian_linux", NULL },
	{ "ubuntu", "o:canonical:ubuntu_linux", NULL },
	{ "openwrt", "o:openwrt:openwrt", NULL },
	{ "alpine", "o:alpinelinux:alpine_linux", NULL },
	{ "buildroot", "a:buildroot:buildroot", NULL },
	{ "poky", "o:yoctoproject:poky", NULL },
	{ "fedora", "o:fedoraproject:fedora", NULL },
	{ "centos", "o:centos:centos", NULL },
	{ "rhel", "o:redhat:enterprise_linux", NULL },
	{ NULL, NULL, NULL },
};

static const char *cpe_of(const char *id)
{
	for (size_t i = 0; known[i].id; i++)
		if (!strcmp(known[i].id, id))
			return known[i].cpe;
	return NULL;
}

static const fg_node *small_text(fg_inv *inv, const char *path)
{
	const fg_node *n = fg_node_content(fg_tree_lookup(inv->root, path, true));
	if (!n || !n->data_len || n->data_len > MAX_ID_FILE)
		return NULL;
	return n;
}

static inv_comp *identity(fg_inv *inv, const char *name, const char *version, const char *id,
			  const char *path, const char *ev, const fg_node *n)
{
	inv_comp *c = fg_inv_comp(inv, name, version, "operating-system");
	if (!c)
		return NULL;
	const char *cpe = id ? cpe_of(id) : NULL;
	fg_inv_ids(inv, c, cpe ? fg_cpe_make(inv->arena, cpe, version) : NULL, NULL, NULL);
	fg_inv_evidence(inv, c, "os-release", path, ev, -1, *version ? FG_CONF_HIGH : FG_CONF_MEDIUM);
	fg_inv_file(inv, c, path, n);
	if (id && *id)
		fg_inv_prop(inv, c, "distro-id", id);
	return c;
}

static void os_release(fg_inv *inv)
{
	static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
	for (size_t i = 0; i < 2; i++) {
		const fg_node *n = small_text(inv, paths[i]);
		if (!n)
			continue;
		char id[128] = "", name[128] = "", version[128] = "", ev[300];
		fg_kv_get(n->data, n->data_len, "ID", id, sizeof(id));
		if (!fg_kv_get(n->data, n->data_len, "NAME", name, sizeof(name)))
			snprintf(name, sizeof(name), "%s", id);
		if (!fg_kv_get(n->data, n->data_len, "VERSION_ID", version, sizeof(version)))
			fg_kv_get(n->data, n->data_len, "VERSION", version, sizeof(version));
		if (!*name)
			continue;
		for (char *p = id; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		snprintf(ev, sizeof(ev), "NAME=%s VERSION_ID=%s", name, version);
		inv_comp *c = identity(inv, name, version, id, paths[i], ev, n);
		if (*id)
			inv->distro = fg_arena_strdup(inv->arena, id);
		char build[128];
		if (c && fg_kv_get(n->data, n->data_len, "BUILD_ID", build, sizeof(build)) && *build)
			fg_inv_prop(inv, c, "build-id", build);
		return;
	}
}

static void openwrt(fg_inv *inv)
{
	const fg_node *n = small_text(inv, "/etc/openwrt_release");
	char id[128] = "OpenWrt", release[128] = "", rev[128] = "", ev[300];
	inv_comp *c = NULL;
	if (n) {
		fg_kv_get(n->data, n->data_len, "DISTRIB_ID", id, sizeof(id));
		fg_kv_get(n->data, n->data_len, "DISTRIB_RELEASE", release, sizeof(release));
		fg_kv_get(n->data, n->data_len, "DISTRIB_REVISION", rev, sizeof(rev));
		snprintf(ev, sizeof(ev), "DISTRIB_ID=%s DISTRIB_RELEASE=%s", id, release);
		c = identity(inv, id, release, "openwrt", "/etc/openwrt_release", ev, n);
		if (!inv->distro)
			inv->distro = "openwrt";
	}
	const fg_node *v = small_text(inv, "/etc/openwrt_version");
	if (!v)
		return;
	char line[128];
	size_t l = strcspn((const char *)v->data, "\r\n");
	snprintf(line, sizeof(line), "%.*s", (int)(l < v->data_len ? l : v->data_len), v->data);
	if (c) {
		if (!*rev && *line)
			fg_inv_prop(inv, c, "revision", line);
		fg_inv_evidence(inv, c, "os-release", "/etc/openwrt_version", line, -1, FG_CONF_MEDIUM);
		return;
	}
	/* only the version file: "18.06.2" names a release, "r7676-cddd7b4c77" a build */
	char ver[64];
	if (isdigit((unsigned char)line[0]) && fg_version_clean(line, strlen(line), ver, sizeof(ver))) {
		c = identity(inv, "OpenWrt", ver, "openwrt", "/etc/openwrt_version", line, v);
	} else if (line[0] == 'r' && isdigit((unsigned char)line[1])) {
		c = identity(inv, "OpenWrt", "", "openwrt", "/etc/openwrt_version", line, v);
		if (c)
			fg_inv_prop(inv, c, "revision", line);
	}
	if (c && !inv->distro)
		inv->distro = "openwrt";
}

/* "12 (bookworm) - installer build 20230607+deb12u15" */
static void lsb_release(fg_inv *inv)
{
	const fg_node *n = small_text(inv, "/etc/lsb-release");
	if (!n)
		return;
	char id[128] = "", rel[256] = "", ev[400];
	fg_kv_get(n->data, n->data_len, "DISTRIB_ID", id, sizeof(id));
	fg_kv_get(n->data, n->data_len, "DISTRIB_RELEASE", rel, sizeof(rel));
	snprintf(ev, sizeof(ev), "DISTRIB_ID=%s DISTRIB_RELEASE=%s", id, rel);
	const char *b = strstr(rel, "installer build ");
	char ver[64];
	if (b && fg_version_clean(b + 16, strlen(b + 16), ver, sizeof(ver))) {
		inv_comp *c = fg_inv_comp(inv, "debian-installer", ver, "operating-system");
		if (!c)
			return;
		fg_inv_ids(inv, c, NULL,
			   fg_purl_make(inv->arena, "generic", "debian", "debian-installer", ver, NULL),
			   "Debian");
		fg_inv_evidence(inv, c, "os-release", "/etc/lsb-release", ev, -1, FG_CONF_HIGH);
		fg_inv_file(inv, c, "/etc/lsb-release", n);
		return;
	}
	if (*id && *rel && !strchr(rel, ' ')) {
		char low[128];
		size_t k = 0;
		for (; id[k] && k + 1 < sizeof(low); k++)
			low[k] = (char)tolower((unsigned char)id[k]);
		low[k] = '\0';
		identity(inv, id, rel, low, "/etc/lsb-release", ev, n);
	}
}

/* Yocto: /etc/issue "Poky (Yocto Project Reference Distro) 4.0.4 \n \l",
 * /etc/version the build timestamp. */
static void yocto(fg_inv *inv)
{
	const fg_node *n = small_text(inv, "/etc/issue");
	if (!n)
		return;
	char line[256];
	size_t l = strcspn((const char *)n->data, "\r\n");
	snprintf(line, sizeof(line), "%.*s", (int)(l < n->data_len ? l : n->data_len), n->data);
	const char *y = strstr(line, "(Yocto Project");
	if (!y)
		return;
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(y - line), line);
	size_t nl = strlen(name);
	while (nl && name[nl - 1] == ' ')
		name[--nl] = '\0';
	const char *close = strchr(y, ')');
	char ver[64] = "";
	if (close) {
		const char *v = close + 1;
		while (*v == ' ')
			v++;
		fg_version_clean(v, strlen(v), ver, sizeof(ver));
	}
	if (!*name)
		return;
	char low[64];
	size_t k = 0;
	for (; name[k] && k + 1 < sizeof(low); k++)
		low[k] = (char)tolower((unsigned char)name[k]);
	low[k] = '\0';
	inv_comp *c = identity(inv, name, ver, low, "/etc/issue", line, n);
	const fg_node *v = small_text(inv, "/etc/version");
	if (c && v && v->data_len >= 12) {
		char stamp[32];
		size_t sl = 0;
		while (sl < v->data_len && sl + 1 < sizeof(stamp) && isdigit(v->data[sl]))
			stamp[sl] = (char)v->data[sl], sl++;
		stamp[sl] = '\0';
		if (sl >= 12) {
			fg_inv_prop(inv, c, "build-date", stamp);
			fg_inv_evidence(inv, c, "os-release", "/etc/version", stamp, -1, FG_CONF_MEDIUM);
		}
	}
}

/* A vendor's one-line version file: "/etc/version: V2.0.1 build 1234". */
static void version_files(fg_inv *inv)
{
	static const char *const paths[] = {
		"/etc/version", "/etc/sw_version", "/etc/fw_version", "/etc/firmware_version",
		"/etc/VERSION", "/etc/firmware-version", NULL,
	};
	for (size_t i = 0; paths[i]; i++) {
		const fg_node *n = small_text(inv, paths[i]);
		if (!n || n->data_len > 256)
			continue;
		char line[257];
		size_t l = strcspn((const char *)n->data, "\r\n");
		snprintf(line, sizeof(line), "%.*s", (int)(l < n->data_len ? l : n->data_len), n->data);
		/* a bare build timestamp is Yocto's, not a release */
		size_t digits = strspn(line, "0123456789");
		if (digits >= 12 && !line[digits])
			continue;
		const char *v = line;
		while (*v && !isdigit((unsigned char)*v))
			v++;
		char ver[64];
		if (!*v || !fg_version_clean(v, strlen(v), ver, sizeof(ver)) || !strchr(ver, '.'))
			continue;
		inv_comp *c = fg_inv_comp(inv, "firmware", ver, "firmware");
		if (!c)
			return;
		fg_inv_evidence(inv, c, "os-release", paths[i], line, -1, FG_CONF_MEDIUM);
		fg_inv_file(inv, c, paths[i], n);
		return;
	}
}

void fg_inv_distro(fg_inv *inv)
{
	os_release(inv);
	openwrt(inv);
	lsb_release(inv);
	yocto(inv);
	version_files(inv);
}
