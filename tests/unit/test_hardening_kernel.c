/* hardening.kernel-config: finding configs, reading them (plain and
 * gzip), the rule table's filters, and a real Debian configuration. */
#include <dirent.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

#include "test.h"
#include "checks/check.h"
#include "checks/engine.h"
#include "checks/kconfig.h"
#include "core/data.h"
#include "core/result.h"

#define ID "hardening.kernel-config"

typedef struct tree {
	fg_result *res;
	fg_node *root;
} tree;

static tree tree_new(void)
{
	tree t;
	t.res = fg_result_new(NULL);
	t.root = fg_node_new(&t.res->tree, "", 0, FG_NODE_DIR);
	t.root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
	t.res->tree.root = t.root;
	return t;
}

static void add_bytes(tree *t, const char *path, const void *data, size_t len)
{
	fg_node *n = fg_tree_mkpath(&t->res->tree, t->root, path, FG_NODE_FILE);
	n->data = data;
	n->data_len = len;
	n->size = len;
}

static void run(tree *t)
{
	fg_checks_run_tree(t->res, t->root, fg_check_find(ID));
}

static const fg_finding *about(const tree *t, const char *path, const char *option)
{
	for (size_t i = 0; i < t->res->findings.n; i++) {
		const fg_finding *f = &t->res->findings.v[i];
		char fp[33];
		fg_fingerprint(ID, path, option, fp);
		if (strcmp(f->path, path) == 0 && strcmp(f->fingerprint, fp) == 0)
			return f;
	}
	return NULL;
}

/* gzip of TEXT, owned by the tree. */
static const uint8_t *gzip_of(tree *t, const char *text, size_t *out_len)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	size_t cap = compressBound(strlen(text)) + 64;
	uint8_t *buf = malloc(cap);
	deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = buf;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	fg_tree_own(&t->res->tree, buf);
	return buf;
}

static const char arm_config[] =
	"#\n"
	"# Automatically generated file; DO NOT EDIT.\n"
	"# Linux/arm 5.10.120 Kernel Configuration\n"
	"#\n"
	"CONFIG_CC_VERSION_TEXT=\"arm-linux-gnueabi-gcc (GCC) 9.3.0\"\n"
	"CONFIG_MMU=y\n"
	"CONFIG_ARM=y\n"
	"CONFIG_LOCALVERSION=\"\"\n"
	"CONFIG_PRINTK=y\n"
	"CONFIG_STACKPROTECTOR=y\n"
	"CONFIG_STACKPROTECTOR_STRONG=y\n"                 /* line 11: met */
	"# CONFIG_STRICT_DEVMEM is not set\n"              /* line 12: high */
	"CONFIG_DEVMEM=y\n"                                /* line 13: medium */
	"CONFIG_KGDB=y\n"                                  /* line 14: high */
	"CONFIG_DEFAULT_MMAP_MIN_ADDR=4096\n"              /* line 15: low, expected 32768 */
	"# CONFIG_RANDOMIZE_BASE is not set\n"             /* line 16: if-present rule */
	"CONFIG_STRICT_KERNEL_RWX=y\n"
	"CONFIG_STRICT_MODULE_RWX=y\n";

TEST(synthetic_arm_config)
{
	tree t = tree_new();
	add_bytes(&t, "/boot/config-5.10.120", arm_config, strlen(arm_config));
	run(&t);
	const char *p = "/boot/config-5.10.120";
	const fg_finding *f = about(&t, p, "CONFIG_STRICT_DEVMEM");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK_INT_EQ(f->line, 12);
	CHECK_STR_EQ(f->excerpt, "# CONFIG_STRICT_DEVMEM is not set");
	CHECK(strstr(f->message, "(Linux 5.10.120, arm): CONFIG_STRICT_DEVMEM is not set, expected y."));
	f = about(&t, p, "CONFIG_DEVMEM");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK(strstr(f->message, "CONFIG_DEVMEM is y, expected not set"));
	CHECK_INT_EQ(f->line, 13);
	CHECK(about(&t, p, "CONFIG_KGDB") && about(&t, p, "CONFIG_KGDB")->severity == FG_SEV_HIGH);
	f = about(&t, p, "CONFIG_DEFAULT_MMAP_MIN_ADDR");
	REQUIRE(f);
	CHECK(strstr(f->message, "is 4096, expected 32768"));
	/* no KASLR on 32-bit ARM upstream: only the explicit "is not set" counts */
	CHECK(about(&t, p, "CONFIG_RANDOMIZE_BASE") != NULL);
	/* met, not applicable to this version or architecture, or not present */
	CHECK(!about(&t, p, "CONFIG_STACKPROTECTOR_STRONG"));
	CHECK(!about(&t, p, "CONFIG_CC_STACKPROTECTOR_STRONG"));
	CHECK(!about(&t, p, "CONFIG_REFCOUNT_FULL"));
	CHECK(!about(&t, p, "CONFIG_VMAP_STACK"));
	CHECK(!about(&t, p, "CONFIG_MODULE_SIG"));
	CHECK(!about(&t, p, "CONFIG_RETPOLINE"));
	CHECK(!about(&t, p, "CONFIG_STRICT_KERNEL_RWX"));
	/* absent but expected on arm 5.10: reported as absent */
	f = about(&t, p, "CONFIG_HARDENED_USERCOPY");
	REQUIRE(f);
	CHECK_INT_EQ(f->line, 0);
	CHECK(strstr(f->message, "is absent"));
	CHECK_STR_EQ(f->excerpt, "CONFIG_HARDENED_USERCOPY: absent");
	size_t plain = t.res->findings.n;

	/* the same as /proc/config.gz: same findings, same lines */
	tree g = tree_new();
	size_t zlen;
	const uint8_t *z = gzip_of(&g, arm_config, &zlen);
	add_bytes(&g, "/proc/config.gz", z, zlen);
	run(&g);
	CHECK_INT_EQ(g.res->findings.n, plain);
	f = about(&g, "/proc/config.gz", "CONFIG_STRICT_DEVMEM");
	CHECK(f && f->line == 12);
	fg_result_free(g.res);
	fg_result_free(t.res);
}

TEST(versions_and_unknown_version)
{
	static const char old_x86[] =
		"# Linux/x86 4.4.0 Kernel Configuration\nCONFIG_X86_64=y\nCONFIG_MMU=y\n"
		"CONFIG_MODULES=y\n# CONFIG_CC_STACKPROTECTOR_STRONG is not set\n";
	static const char no_header[] =
		"CONFIG_X86_64=y\nCONFIG_MMU=y\nCONFIG_MODULES=y\n"
		"# CONFIG_CC_STACKPROTECTOR_STRONG is not set\n";
	tree t = tree_new();
	add_bytes(&t, "/a/.config", old_x86, strlen(old_x86));
	add_bytes(&t, "/b/.config", no_header, strlen(no_header));
	run(&t);
	CHECK(about(&t, "/a/.config", "CONFIG_CC_STACKPROTECTOR_STRONG"));
	CHECK(!about(&t, "/a/.config", "CONFIG_STACKPROTECTOR_STRONG"));
	CHECK(about(&t, "/a/.config", "CONFIG_REFCOUNT_FULL") == NULL); /* 4.13+ only */
	CHECK(about(&t, "/a/.config", "CONFIG_RANDOMIZE_MEMORY") != NULL);
	/* version unknown: bounded rules only for options the config mentions */
	CHECK(about(&t, "/b/.config", "CONFIG_CC_STACKPROTECTOR_STRONG"));
	CHECK(!about(&t, "/b/.config", "CONFIG_STACKPROTECTOR_STRONG"));
	CHECK(!about(&t, "/b/.config", "CONFIG_HARDENED_USERCOPY"));
	CHECK(about(&t, "/b/.config", "CONFIG_STRICT_DEVMEM")); /* unbounded x86 rule */
	const fg_finding *f = about(&t, "/b/.config", "CONFIG_STRICT_DEVMEM");
	CHECK(f && strstr(f->message, "(version unknown, x86_64)"));
	fg_result_free(t.res);
}

TEST(not_kernel_configs)
{
	static const char busybox[] =
		"#\n# Automatically generated make config: don't edit\n# Busybox version: 1.35.0\n#\n"
		"CONFIG_HAVE_DOT_CONFIG=y\nCONFIG_DESKTOP=y\nCONFIG_FEATURE_DEVPTS=y\n"
		"# CONFIG_STATIC is not set\n";
	static const char nul[] = "CONFIG_MMU=y\nCONFIG_MODULES=y\0\n";
	static const uint8_t bad_gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff };
	tree t = tree_new();
	add_bytes(&t, "/busybox/.config", busybox, strlen(busybox));
	add_bytes(&t, "/x/nul.config", nul, sizeof(nul));
	add_bytes(&t, "/proc/config.gz", bad_gz, sizeof(bad_gz));
	add_bytes(&t, "/boot/config-empty", "", 0);
	size_t zlen;
	const uint8_t *z = gzip_of(&t, arm_config, &zlen);
	add_bytes(&t, "/boot/config-cut.gz", z, zlen / 2);
	add_bytes(&t, "/etc/app.conf", arm_config, strlen(arm_config)); /* not a config name */
	run(&t);
	CHECK_INT_EQ(t.res->findings.n, 0);
	fg_result_free(t.res);
}

TEST(gzip_bomb_is_refused)
{
	tree t = tree_new();
	size_t n = FG_KCONFIG_MAX + 4096;
	char *big = malloc(n + 1);
	REQUIRE(big);
	/* a valid config at the top, then more than the cap of comment lines */
	memset(big, '#', n);
	memcpy(big, arm_config, strlen(arm_config));
	for (size_t i = strlen(arm_config); i < n; i += 64)
		big[i] = '\n';
	big[n] = '\0';
	size_t zlen;
	const uint8_t *z = gzip_of(&t, big, &zlen);
	free(big);
	add_bytes(&t, "/proc/config.gz", z, zlen);
	run(&t);
	CHECK_INT_EQ(t.res->findings.n, 0);
	fg_result_free(t.res);
}

TEST(table_parses)
{
	const fg_data_file *d = fg_data_get("kernel/hardening.txt");
	REQUIRE(d);
	/* every non-comment line is a rule the check can read */
	size_t rules = 0;
	for (const char *s = (const char *)d->data; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (len && s[0] != '#') {
			char name[80], exp[64], filt[160], sev[16];
			fg_severity v;
			CHECK(sscanf(s, "CONFIG_%79[A-Z0-9_]=%63s %159s %15s", name, exp, filt, sev) == 4);
			CHECK(fg_severity_parse(sev, &v) == 0);
			rules++;
		}
		s = nl ? nl + 1 : s + len;
	}
	CHECK(rules >= 30);
}

/* ---- a real Debian configuration ------------------------------------------------ */

static char *xz_file(const char *path, size_t *out_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static uint8_t in[1 << 16];
	size_t cap = 1 << 20, used = 0;
	char *out = malloc(cap);
	lzma_stream zs = LZMA_STREAM_INIT;
	lzma_ret rc = lzma_stream_decoder(&zs, UINT64_MAX, 0);
	while (out && rc == LZMA_OK) {
		if (zs.avail_in == 0) {
			zs.next_in = in;
			zs.avail_in = fread(in, 1, sizeof(in), f);
		}
		if (used == cap)
			out = realloc(out, cap *= 2);
		zs.next_out = (uint8_t *)out + used;
		zs.avail_out = cap - used;
		rc = lzma_code(&zs, zs.avail_in ? LZMA_RUN : LZMA_FINISH);
		used = cap - zs.avail_out;
	}
	lzma_end(&zs);
	fclose(f);
	if (rc != LZMA_STREAM_END) {
		free(out);
		return NULL;
	}
	*out_len = used;
	return out;
}

/* The host's /boot/config-$(uname -r), else Debian's linux-config-6.1
 * package (installed by scripts/install-deps.sh for the tests). */
static char *debian_config(size_t *len, char *name, size_t cap)
{
	struct utsname u;
	char p[512];
	if (uname(&u) == 0) {
		snprintf(p, sizeof(p), "/boot/config-%s", u.release);
		FILE *f = fopen(p, "rb");
		if (f) {
			char *buf = malloc(1 << 22);
			*len = buf ? fread(buf, 1, 1 << 22, f) : 0;
			fclose(f);
			snprintf(name, cap, "config-%s", u.release);
			return buf;
		}
	}
	snprintf(p, sizeof(p), "/usr/src/linux-config-6.1/config.amd64_none_amd64.xz");
	snprintf(name, cap, "config-6.1-amd64");
	return xz_file(p, len);
}

TEST(debian_kernel_config)
{
	size_t len = 0;
	char name[300], path[400];
	char *cfg = debian_config(&len, name, sizeof(name));
	if (!cfg) {
		fprintf(stderr, "  skip: no host or Debian kernel configuration\n");
		return;
	}
	fg_kconfig k;
	REQUIRE(fg_kconfig_load(&k, (const uint8_t *)cfg, len) == 0);
	CHECK(k.has_ver);
	CHECK(k.n > 3000);
	CHECK(k.arch[0] != '\0');
	const fg_kconfig_opt *o = fg_kconfig_find(&k, "CONFIG_MODULES");
	CHECK(o && o->value && strcmp(o->value, "y") == 0);
	bool debian12_amd64 = strcmp(k.arch, "x86_64") == 0 && k.ver[0] == 6 && k.ver[1] == 1;
	fg_kconfig_free(&k);

	tree t = tree_new();
	snprintf(path, sizeof(path), "/boot/%s", name);
	add_bytes(&t, path, cfg, len);
	run(&t);
	fprintf(stderr, "  %s: %zu unmet options\n", path, t.res->findings.n);
	CHECK(t.res->findings.n > 0 && t.res->findings.n < 40);
	if (debian12_amd64) {
		/* Debian 12's amd64 choices */
		CHECK(about(&t, path, "CONFIG_DEVMEM") != NULL);
		CHECK(about(&t, path, "CONFIG_MODULE_SIG_FORCE") != NULL);
		CHECK(about(&t, path, "CONFIG_PROC_KCORE") != NULL);
		CHECK(!about(&t, path, "CONFIG_RANDOMIZE_BASE"));
		CHECK(!about(&t, path, "CONFIG_STRICT_DEVMEM"));
		CHECK(!about(&t, path, "CONFIG_VMAP_STACK"));
		CHECK(!about(&t, path, "CONFIG_KGDB"));
	}
	fg_result_free(t.res);
	free(cfg);
}
