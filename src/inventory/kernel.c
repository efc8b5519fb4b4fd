/*
 * kernel.c - the Linux kernel from what surrounds it: a legacy U-Boot
 * image header naming it ("Linux-3.0.101"), and /lib/modules/<release>/
 * directories. The banner inside the kernel ("Linux version ...") and
 * the modules' vermagic are signatures (data/signatures/components.txt).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "inventory/inv_internal.h"

#define UIMAGE_MAGIC 0x27051956u
#define IH_OS_LINUX 5
#define IH_TYPE_KERNEL 2
#define IH_TYPE_MULTI 4

static inv_comp *linux_comp(fg_inv *inv, const char *version)
{
	inv_comp *c = fg_inv_comp(inv, "linux", version, "operating-system");
	if (!c)
		return NULL;
	c->sig = "linux";
	fg_inv_ids(inv, c, fg_cpe_make(inv->arena, "o:linux:linux_kernel", version),
		   fg_purl_make(inv->arena, "generic", NULL, "linux", version, NULL), NULL);
	return c;
}

/* "x.y" or "x.y.z" at S; the rest (a local version) is not upstream's. */
static bool kernel_version(const char *s, char *out, size_t cap)
{
	size_t k = 0, dots = 0;
	if (!isdigit((unsigned char)*s))
		return false;
	for (; *s && k + 1 < cap; s++) {
		if (*s == '.') {
			if (++dots > 2 || !isdigit((unsigned char)s[1]))
				break;
		} else if (!isdigit((unsigned char)*s)) {
			break;
		}
		out[k++] = *s;
	}
	out[k] = '\0';
	return dots >= 1;
}

void fg_inv_uimage_header(fg_inv *inv, const fg_node *n, const char *where)
{
	const fg_node *f = fg_node_content(n);
	if (!f || f->data_len < 64)
		return;
	const uint8_t *h = f->data;
	uint32_t magic = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	if (magic != UIMAGE_MAGIC || h[28] != IH_OS_LINUX ||
	    (h[30] != IH_TYPE_KERNEL && h[30] != IH_TYPE_MULTI))
		return;
	char name[33];
	size_t k = 0;
	for (; k < 32 && h[32 + k]; k++)
		name[k] = h[32 + k] >= 0x20 && h[32 + k] < 0x7f ? (char)h[32 + k] : '?';
	name[k] = '\0';
	/* "Linux-3.0.101", "MIPS OpenWrt Linux-5.4.154", "linux 4.9.0" */
	const char *p = strstr(name, "Linux");
	if (!p)
		p = strstr(name, "linux");
	char ver[32];
	if (!p || (p[5] != '-' && p[5] != ' ') || !kernel_version(p + 6, ver, sizeof(ver)))
		return;
	inv_comp *c = linux_comp(inv, ver);
	if (!c)
		return;
	char ev[64];
	snprintf(ev, sizeof(ev), "uImage name \"%s\"", name);
	fg_inv_evidence(inv, c, "kernel-header", where, ev, 32, FG_CONF_MEDIUM);
	fg_inv_file(inv, c, where, n);
}

void fg_inv_kernel_modules(fg_inv *inv)
{
	static const char *const dirs[] = { "/lib/modules", "/usr/lib/modules" };
	for (size_t d = 0; d < 2; d++) {
		fg_node *dir = fg_tree_lookup(inv->root, dirs[d], true);
		if (!dir || dir->type != FG_NODE_DIR)
			continue;
		for (size_t i = 0; i < dir->nchildren && i < 64; i++) {
			const fg_node *rel = dir->children[i];
			char ver[32];
			if (rel->type != FG_NODE_DIR || !kernel_version(rel->name, ver, sizeof(ver)))
				continue;
			inv_comp *c = linux_comp(inv, ver);
			if (!c)
				continue;
			char where[512];
			snprintf(where, sizeof(where), "%s/%s", dirs[d], rel->name);
			fg_inv_evidence(inv, c, "filename", where, rel->name, -1, FG_CONF_MEDIUM);
			fg_inv_prop(inv, c, "kernel-release", rel->name);
		}
		return;
	}
}
