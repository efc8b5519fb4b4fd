/*
 * kernel_config.c - hardening.kernel-config: kernel options against the
 * KSPP-based table in data/kernel/hardening.txt (format explained there).
 *
 * Where configurations are found, in each file tree:
 *   - files named config.gz (copies of /proc/config.gz), config-*
 *     (/boot/config-<release>), .config (/lib/modules/<release>/build/
 *     .config, kernel source trees) or *.config;
 *   - plain or gzip-compressed;
 *   - accepted only when the content is a kernel configuration: the
 *     "# Linux/<arch> <version> Kernel Configuration" header, or the
 *     "Automatically generated" banner with kernel-only options
 *     (CONFIG_MMU, CONFIG_MODULES, ...), which BusyBox, uClibc and
 *     Buildroot .config files do not have;
 *   - the configuration built into a kernel (CONFIG_IKCONFIG): the
 *     unpacker takes it out of every kernel image it unpacks or carves
 *     (unpack/linux_kernel.c, format "ikconfig") as a ".config" in a file
 *     tree of its own, rated here like any other; kernel images and
 *     configs.ko modules that sit inside a file tree are identified whole,
 *     not carved, so ikconfig_extract() reads their IKCONFIG block
 *     directly (unpack/kernel.h) unless the unpacker already did.
 *
 * One finding per unmet option: subject = the option, severity from the
 * table, line = the option's line in the (decompressed) text. The
 * architecture comes from the config's own CONFIG_X86_64/ARM64/ARM/
 * MIPS/PPC/RISCV options, the version from its header.
 */
#include "checks/kconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "checks/boot.h"
#include "core/data.h"
#include "unpack/kernel.h"

#define MAX_CANDIDATE (32u << 20) /* bytes of one candidate file read */
#define HEADER_SCAN 4096          /* the header lines are at the top */
#define MAX_RULE_ALTS 8

/* ---- loading ------------------------------------------------------------- */

static char *gunzip(const uint8_t *data, size_t len, size_t *out_len)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return NULL;
	size_t cap = len * 4 + 4096 < FG_KCONFIG_MAX ? len * 4 + 4096 : FG_KCONFIG_MAX;
	char *buf = malloc(cap + 1);
	int rc = Z_OK;
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)(len < UINT32_MAX ? len : UINT32_MAX);
	while (buf && rc == Z_OK) {
		if (zs.total_out == cap) {
			char *nb = cap < FG_KCONFIG_MAX ? realloc(buf, 2 * cap + 1) : NULL;
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap = 2 * cap < FG_KCONFIG_MAX ? 2 * cap : FG_KCONFIG_MAX;
		}
		zs.next_out = (Bytef *)buf + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		rc = inflate(&zs, Z_NO_FLUSH);
	}
	*out_len = zs.total_out;
	inflateEnd(&zs);
	if (buf && rc != Z_STREAM_END) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int opt_cmp(const void *a, const void *b)
{
	return strcmp(((const fg_kconfig_opt *)a)->name, ((const fg_kconfig_opt *)b)->name);
}

/* "CONFIG_X=v" or "# CONFIG_X is not set"; splits the line in place. */
static bool parse_line(char *s, unsigned no, fg_kconfig_opt *o)
{
	if (strncmp(s, "CONFIG_", 7) == 0) {
		char *eq = strchr(s, '=');
		if (!eq)
			return false;
		*eq = '\0';
		*o = (fg_kconfig_opt){ s, eq + 1, no };
		return true;
	}
	if (strncmp(s, "# CONFIG_", 9) == 0) {
		char *sp = strstr(s + 2, " is not set");
		if (!sp)
			return false;
		*sp = '\0';
		*o = (fg_kconfig_opt){ s + 2, NULL, no };
		return true;
	}
	return false;
}

static bool index_options(fg_kconfig *k)
{
	size_t cap = 64;
	unsigned no = 0;
	k->opts = malloc(cap * sizeof(*k->opts));
	for (char *s = k->text; k->opts && s && s < k->text + k->len;) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		if (nl && nl > s && nl[-1] == '\r')
			nl[-1] = '\0';
		no++;
		if (k->n == cap) {
			fg_kconfig_opt *v = realloc(k->opts, 2 * cap * sizeof(*v));
			if (!v)
				return false;
			k->opts = v;
			cap *= 2;
		}
		if (parse_line(s, no, &k->opts[k->n]))
			k->n++;
		s = nl ? nl + 1 : NULL;
	}
	if (!k->opts)
		return false;
	qsort(k->opts, k->n, sizeof(*k->opts), opt_cmp);
	return true;
}

/* Version from the header: "# Linux/arm64 6.1.0 Kernel Configuration"
 * (3.x+) or "# Linux kernel version: 2.6.31" (older). Read before
 * indexing splits the text. A config without it is still one when
 * looks_like_kernel() says so. */
static void read_header(fg_kconfig *k)
{
	size_t n = k->len < HEADER_SCAN ? k->len : HEADER_SCAN;
	char head[HEADER_SCAN + 1];
	memcpy(head, k->text, n);
	head[n] = '\0';
	const char *h = strstr(head, "# Linux/");
	char arch[16];
	if (h && strstr(h, " Kernel Configuration") &&
	    sscanf(h, "# Linux/%15s %u.%u.%u", arch, &k->ver[0], &k->ver[1], &k->ver[2]) >= 3)
		k->has_ver = true;
	else if ((h = strstr(head, "# Linux kernel version: ")) &&
		 sscanf(h, "# Linux kernel version: %u.%u.%u", &k->ver[0], &k->ver[1], &k->ver[2]) >= 2)
		k->has_ver = true;
}

static bool is_set(const fg_kconfig *k, const char *name)
{
	const fg_kconfig_opt *o = fg_kconfig_find(k, name);
	return o && o->value && strcmp(o->value, "y") == 0;
}

static void find_arch(fg_kconfig *k)
{
	static const struct { const char *opt, *arch; } map[] = {
		{ "CONFIG_X86_64", "x86_64" }, { "CONFIG_X86_32", "x86_32" },
		{ "CONFIG_ARM64", "arm64" }, { "CONFIG_ARM", "arm" }, { "CONFIG_MIPS", "mips" },
		{ "CONFIG_PPC64", "powerpc64" }, { "CONFIG_PPC", "powerpc" },
		{ "CONFIG_RISCV", "riscv" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (is_set(k, map[i].opt)) {
			snprintf(k->arch, sizeof(k->arch), "%s", map[i].arch);
			return;
		}
	}
}

/* Kernel-only options: a BusyBox or uClibc .config has none of them. */
static bool looks_like_kernel(const fg_kconfig *k)
{
	static const char *const marks[] = {
		"CONFIG_MMU", "CONFIG_MODULES", "CONFIG_LOCALVERSION", "CONFIG_INIT_ENV_ARG_LIMIT",
		"CONFIG_DEFAULT_HOSTNAME", "CONFIG_PRINTK", "CONFIG_BLOCK", "CONFIG_LOG_BUF_SHIFT",
	};
	int hits = 0;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		hits += fg_kconfig_find(k, marks[i]) != NULL;
	return hits >= 2;
}

int fg_kconfig_load(fg_kconfig *k, const uint8_t *data, size_t len)
{
	memset(k, 0, sizeof(*k));
	if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		k->compressed = true;
		k->text = gunzip(data, len, &k->len);
	} else if (len <= FG_KCONFIG_MAX && (k->text = malloc(len + 1))) {
		memcpy(k->text, data, len);
		k->len = len;
	}
	if (!k->text)
		return -1;
	k->text[k->len] = '\0';
	bool text = !memchr(k->text, '\0', k->len);
	if (text)
		read_header(k);
	if (!text || !index_options(k) || !looks_like_kernel(k)) {
		fg_kconfig_free(k);
		return -1;
	}
	find_arch(k);
	return 0;
}

void fg_kconfig_free(fg_kconfig *k)
{
	free(k->text);
	free(k->opts);
	memset(k, 0, sizeof(*k));
}

const fg_kconfig_opt *fg_kconfig_find(const fg_kconfig *k, const char *name)
{
	fg_kconfig_opt key = { .name = name };
	return k->n ? bsearch(&key, k->opts, k->n, sizeof(*k->opts), opt_cmp) : NULL;
}

/* ---- the rule table ---------------------------------------------------------- */

typedef struct rule {
	char name[80];
	char expected[64];
	char filter[160];
	fg_severity severity;
	const char *reason;     /* into a copy of the table, up to the line end */
	size_t reason_len;
} rule;

static int ver_cmp(const unsigned a[3], unsigned major, unsigned minor)
{
	if (a[0] != major)
		return a[0] < major ? -1 : 1;
	return a[1] < minor ? -1 : a[1] > minor ? 1 : 0;
}

/* "arch" matches the config's architecture ("x86" and "powerpc" cover
 * both widths). */
static bool arch_matches(const char *want, size_t n, const char *arch)
{
	if (n == 0 || (n == 3 && strncmp(want, "all", 3) == 0))
		return true;
	if (!arch[0])
		return false;
	size_t al = strlen(arch);
	if (n == al && strncmp(want, arch, n) == 0)
		return true;
	return (n == 3 && strncmp(want, "x86", 3) == 0 && strncmp(arch, "x86", 3) == 0) ||
	       (n == 7 && strncmp(want, "powerpc", 7) == 0 && strncmp(arch, "powerpc", 7) == 0);
}

/* One alternative: an architecture and optional ">=X.Y" / "<X.Y" bounds. */
static bool alt_matches(const char *alt, const fg_kconfig *k, bool mentioned)
{
	size_t n = strcspn(alt, "<>");
	if (!arch_matches(alt, n, k->arch))
		return false;
	for (const char *p = alt + n; *p;) {
		bool ge = strncmp(p, ">=", 2) == 0;
		unsigned major = 0, minor = 0;
		p += ge ? 2 : 1;
		if (sscanf(p, "%u.%u", &major, &minor) < 1)
			return false;
		if (!k->has_ver) {
			if (!mentioned)
				return false;
		} else if (ge ? ver_cmp(k->ver, major, minor) < 0 : ver_cmp(k->ver, major, minor) >= 0) {
			return false;
		}
		p += strcspn(p, "<>");
	}
	return true;
}

static bool rule_applies(const rule *r, const fg_kconfig *k, bool mentioned)
{
	char f[sizeof(r->filter)];
	bool any_alt = false, match = false;
	snprintf(f, sizeof(f), "%s", r->filter);
	for (char *save = NULL, *t = strtok_r(f, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "if-present") == 0) {
			if (!mentioned)
				return false;
			continue;
		}
		any_alt = true;
		match = match || alt_matches(t, k, mentioned);
	}
	return !any_alt || match;
}

/* Parses one table line; false for comments and malformed lines. */
static bool parse_rule(const char *s, size_t len, rule *r)
{
	char line[512], sev[16];
	int used = 0;
	if (len >= sizeof(line) || len == 0 || s[0] == '#')
		return false;
	memcpy(line, s, len);
	line[len] = '\0';
	char *eq = strchr(line, '=');
	if (!eq || strncmp(line, "CONFIG_", 7) != 0 || (size_t)(eq - line) >= sizeof(r->name))
		return false;
	*eq = ' ';
	if (sscanf(line, "%79s %63s %159s %15s %n", r->name, r->expected, r->filter, sev, &used) < 4 ||
	    !used || fg_severity_parse(sev, &r->severity) != 0)
		return false;
	r->reason = s + used;
	r->reason_len = len - (size_t)used;
	return true;
}

/* ---- rating ---------------------------------------------------------------------- */

static bool met(const rule *r, const fg_kconfig_opt *o)
{
	if (strcmp(r->expected, "n") == 0)
		return !o || !o->value || strcmp(o->value, "n") == 0;
	return o && o->value && strcmp(o->value, r->expected) == 0;
}

static void report_unmet(fg_check_ctx *ctx, const fg_node *node, const fg_kconfig *k, const rule *r,
			 const fg_kconfig_opt *o, const char *source)
{
	char actual[128], expected[96], ver[48] = "version unknown", msg[1400], ex[256];
	if (!o)
		snprintf(actual, sizeof(actual), "absent (not available in this kernel, or its "
			 "dependencies are off)");
	else if (!o->value)
		snprintf(actual, sizeof(actual), "not set");
	else
		snprintf(actual, sizeof(actual), "%.100s", o->value);
	snprintf(expected, sizeof(expected), "%s", strcmp(r->expected, "n") == 0 ? "not set" :
		 r->expected);
	if (k->has_ver)
		snprintf(ver, sizeof(ver), "Linux %u.%u.%u", k->ver[0], k->ver[1], k->ver[2]);
	snprintf(msg, sizeof(msg), "Kernel configuration %.400s (%s, %s): %s is %s, expected %s. %.*s",
		 source, ver, k->arch[0] ? k->arch : "architecture unknown", r->name, actual,
		 expected, (int)(r->reason_len < 600 ? r->reason_len : 600), r->reason);
	if (o && o->value)
		snprintf(ex, sizeof(ex), "%.120s=%.120s", o->name, o->value);
	else if (o)
		snprintf(ex, sizeof(ex), "# %.120s is not set", o->name);
	else
		snprintf(ex, sizeof(ex), "%.120s: absent", r->name);
	fg_report_item item = {
		.node = node,
		.line = o ? o->line : 0,
		.offset = -1,
		.message = msg,
		.excerpt = ex,
		.subject = r->name,
		.severity = (int)r->severity,
	};
	fg_ctx_report(ctx, &item);
}

/* Has an earlier rule for NAME already applied? */
typedef FG_VEC(const char *) name_vec;

static bool seen_name(name_vec *done, const char *name, fg_arena *tmp)
{
	for (size_t i = 0; i < done->n; i++)
		if (strcmp(done->v[i], name) == 0)
			return true;
	const char *c = fg_arena_strdup(tmp, name);
	if (c)
		FG_VEC_PUSH(done, c);
	return false;
}

void fg_kconfig_check(fg_check_ctx *ctx, const fg_node *node, const fg_kconfig *k,
		      const char *source)
{
	const fg_data_file *t = fg_data_get("kernel/hardening.txt");
	fg_arena tmp;
	name_vec done = {0};
	if (!t)
		return;
	fg_arena_init(&tmp);
	const char *s = (const char *)t->data, *end = s + t->len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		rule r;
		if (parse_rule(s, len, &r)) {
			const fg_kconfig_opt *o = fg_kconfig_find(k, r.name);
			if (rule_applies(&r, k, o != NULL) && !seen_name(&done, r.name, &tmp) && !met(&r, o))
				report_unmet(ctx, node, k, &r, o, source);
		}
		s += len + 1;
	}
	FG_VEC_FREE(&done);
	fg_arena_free(&tmp);
}

/* ---- finding configs in the tree --------------------------------------------------- */

static bool config_name(const char *name)
{
	return strcmp(name, "config.gz") == 0 || strncmp(name, "config-", 7) == 0 ||
	       strcmp(name, ".config") == 0 || fg_ends_with(name, ".config") ||
	       strcmp(name, "kernel-config") == 0;
}

static bool kernel_image_name(const char *name)
{
	return strncmp(name, "vmlinux", 7) == 0 || strncmp(name, "vmlinuz", 7) == 0 ||
	       strcmp(name, "zImage") == 0 || strcmp(name, "bzImage") == 0 ||
	       strcmp(name, "Image") == 0 || strncmp(name, "uImage", 6) == 0 ||
	       strcmp(name, "configs.ko") == 0;
}

static bool find_ikconfig_root(fg_node *n, void *ud)
{
	bool *found = ud;
	if ((n->flags & FG_NODE_FSROOT) && n->format && strcmp(n->format, "ikconfig") == 0)
		*found = true;
	return !*found;
}

/* HOOK(ikconfig): the configuration embedded in kernel image N
 * (CONFIG_IKCONFIG, "IKCFG_ST" + gzip + "IKCFG_ED"). Returns a malloc'd
 * copy of the gzip and its length, or NULL: also when the unpacker took
 * the block out below N, whose .config is then rated in its own tree. */
static uint8_t *ikconfig_extract(const fg_node *n, size_t *len)
{
	*len = 0;
	bool unpacked = false;
	if (n->unpacked)
		fg_tree_walk(n->unpacked, find_ikconfig_root, &unpacked);
	size_t off, gz_len;
	bool closed;
	if (unpacked || !fg_ikconfig_locate(n->data, n->data_len, &off, &gz_len, &closed))
		return NULL;
	uint8_t *copy = malloc(gz_len ? gz_len : 1);
	if (!copy)
		return NULL;
	memcpy(copy, n->data + off, gz_len);
	*len = gz_len;
	return copy;
}

/* A .config the unpacker took out of a kernel image. */
static bool from_ikconfig(const fg_node *n)
{
	const fg_node *r = fg_node_fsroot(n);
	return r && n->parent == r && r->format && strcmp(r->format, "ikconfig") == 0;
}

static void check_bytes(fg_check_ctx *ctx, const fg_node *n, const uint8_t *data, size_t len,
			const char *source)
{
	fg_kconfig k;
	if (fg_kconfig_load(&k, data, len) != 0)
		return;
	fg_kconfig_check(ctx, n, &k, source);
	fg_kconfig_free(&k);
}

static void check_file(fg_check_ctx *ctx, const fg_node *n)
{
	char path[2048], source[2200];
	bool config = config_name(n->name) && n->data_len <= MAX_CANDIDATE;
	if (!n->data || !(config || kernel_image_name(n->name)) || !fg_node_path(n, path, sizeof(path)))
		return;
	if (config) {
		if (from_ikconfig(n)) {
			snprintf(source, sizeof(source), "IKCONFIG (built into the kernel image) %s", path);
			check_bytes(ctx, n, n->data, n->data_len, source);
		} else {
			check_bytes(ctx, n, n->data, n->data_len, path);
		}
		return;
	}
	size_t len;
	uint8_t *cfg = ikconfig_extract(n, &len);
	snprintf(source, sizeof(source), "IKCONFIG of %s", path);
	if (cfg)
		check_bytes(ctx, n, cfg, len, source);
	free(cfg);
}

static void run(fg_check_ctx *ctx)
{
	FG_VEC(fg_node *) stack = {0};
	fg_node *root = fg_ctx_root(ctx);
	if (!root || !FG_VEC_PUSH(&stack, root))
		return;
	/* The tree's own files; nested file trees get their own run. */
	while (stack.n) {
		fg_node *n = stack.v[--stack.n];
		if (n->type == FG_NODE_FILE)
			check_file(ctx, n);
		for (size_t i = n->nchildren; i-- > 0;)
			if (!FG_VEC_PUSH(&stack, n->children[i]))
				break;
	}
	FG_VEC_FREE(&stack);
}

const fg_check fg_check_kernel_config = {
	.id = "hardening.kernel-config",
	.title = "Kernel hardening option not set",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Set the option as the Kernel Self-Protection Project recommends "
		       "(https://kspp.github.io/Recommended_Settings) and rebuild the kernel; where "
		       "the kernel is too old to have it, move to a maintained kernel.",
	.run = run,
};
