/* The hardening.* checks on small trees: severities, network-facing
 * programs (checks/boot_programs.c), RPATH against the tree's modes,
 * messages and fingerprints, and the "hardening" key of the JSON report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "synth_elf.h"
#include "checks/boot_programs.h"
#include "checks/check.h"
#include "checks/engine.h"
#include "core/result.h"
#include "elf/hardening.h"

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
	t.root->mode = 0755;
	t.res->tree.root = t.root;
	return t;
}

static fg_node *add_bytes(tree *t, const char *path, const void *data, size_t len)
{
	fg_node *n = fg_tree_mkpath(&t->res->tree, t->root, path, FG_NODE_FILE);
	n->data = data;
	n->data_len = len;
	n->size = len;
	n->mode = 0755;
	return n;
}

static fg_node *add_text(tree *t, const char *path, const char *text)
{
	return add_bytes(t, path, text, strlen(text));
}

static fg_node *add_dir(tree *t, const char *path, unsigned mode)
{
	fg_node *n = fg_tree_mkpath(&t->res->tree, t->root, path, FG_NODE_DIR);
	n->mode = mode;
	return n;
}

static void add_link(tree *t, const char *path, const char *target)
{
	fg_node *n = fg_tree_mkpath(&t->res->tree, t->root, path, FG_NODE_SYMLINK);
	n->link_target = target;
}

/* An ELF built from S, owned by the tree. */
static fg_node *add_elf(tree *t, const char *path, synth *s)
{
	synth_build(s);
	uint8_t *copy = malloc(s->len);
	memcpy(copy, s->out, s->len);
	fg_tree_own(&t->res->tree, copy);
	return add_bytes(t, path, copy, s->len);
}

static void run_check(tree *t, const char *id)
{
	const fg_check *c = fg_check_find(id);
	REQUIRE(c);
	fg_checks_run_tree(t->res, t->root, c);
}

static const fg_finding *finding(const tree *t, const char *id, const char *path)
{
	for (size_t i = 0; i < t->res->findings.n; i++) {
		const fg_finding *f = &t->res->findings.v[i];
		if (strcmp(f->check_id, id) == 0 && strcmp(f->path, path) == 0)
			return f;
	}
	return NULL;
}

static size_t count_of(const tree *t, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < t->res->findings.n; i++)
		n += strcmp(t->res->findings.v[i].check_id, id) == 0;
	return n;
}

/* A daemon started at boot and a tool that is not, both ET_EXEC with an
 * executable stack, partial RELRO, no canary, gets and system. */
static tree daemon_tree(void)
{
	static synth s;
	tree t = tree_new();
	memset(&s, 0, sizeof(s));
	s.type = ET_EXEC;
	s.interp = true;
	s.relro = true;
	s.nstack = 1;
	s.stack[0] = PF_R | PF_W | PF_X;
	s.needed[0] = "libc.so.6";
	s.imports[0] = "gets";
	s.imports[1] = "system";
	s.imports[2] = "strcpy";
	s.imports[3] = "memcpy";
	add_elf(&t, "/usr/sbin/food", &s);
	add_elf(&t, "/usr/bin/tool", &s);
	add_text(&t, "/etc/init.d/rcS", "#!/bin/sh\nfor s in /etc/init.d/S??*; do $s start; done\n");
	add_text(&t, "/etc/init.d/S50food", "#!/bin/sh\n# /usr/bin/tool is not started\n"
		 "case \"$1\" in\nstart) /usr/sbin/food -d ;;\nesac\n");
	return t;
}

TEST(severity_follows_boot)
{
	tree t = daemon_tree();
	run_check(&t, "hardening.pie");
	const fg_finding *d = finding(&t, "hardening.pie", "/usr/sbin/food");
	const fg_finding *o = finding(&t, "hardening.pie", "/usr/bin/tool");
	REQUIRE(d && o);
	CHECK_INT_EQ(d->severity, FG_SEV_MEDIUM);
	CHECK_INT_EQ(o->severity, FG_SEV_LOW);
	CHECK(strstr(d->message, "started at boot by /etc/init.d/S50food line 4"));
	CHECK(strstr(o->message, "not started at boot"));
	CHECK(strstr(d->message, "arm executable"));
	CHECK_STR_EQ(d->excerpt, "ET_EXEC: loaded at the fixed address 0x10000");
	char fp[33];
	fg_fingerprint("hardening.pie", "/usr/sbin/food", "/usr/sbin/food:pie", fp);
	CHECK_STR_EQ(d->fingerprint, fp);

	run_check(&t, "hardening.stack-protector");
	CHECK_INT_EQ(finding(&t, "hardening.stack-protector", "/usr/sbin/food")->severity, FG_SEV_MEDIUM);
	CHECK_INT_EQ(finding(&t, "hardening.stack-protector", "/usr/bin/tool")->severity, FG_SEV_LOW);
	fg_result_free(t.res);
}

TEST(nx_relro_fortify_dangerous)
{
	tree t = daemon_tree();
	run_check(&t, "hardening.nx");
	run_check(&t, "hardening.relro");
	run_check(&t, "hardening.fortify");
	run_check(&t, "hardening.dangerous-functions");
	const fg_finding *f = finding(&t, "hardening.nx", "/usr/sbin/food");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK_STR_EQ(f->excerpt, "PT_GNU_STACK flags RWX at program header 4");
	CHECK_INT_EQ(f->offset, 52 + 4 * 32);
	CHECK_INT_EQ(finding(&t, "hardening.relro", "/usr/bin/tool")->severity, FG_SEV_LOW);
	CHECK_INT_EQ(finding(&t, "hardening.fortify", "/usr/bin/tool")->severity, FG_SEV_LOW);
	f = finding(&t, "hardening.dangerous-functions", "/usr/sbin/food");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH); /* gets */
	CHECK(strstr(f->message, "uses 3 dangerous functions (2 rated above info): gets, strcpy, system"));
	CHECK_INT_EQ(count_of(&t, "hardening.dangerous-functions"), 2);
	fg_result_free(t.res);
}

TEST(dangerous_system_only_in_daemons)
{
	static synth s;
	tree t = tree_new();
	memset(&s, 0, sizeof(s));
	s.interp = true;
	s.imports[0] = "system";
	s.imports[1] = "execl";
	s.extra = "/bin/sh";
	add_elf(&t, "/usr/sbin/netd", &s);
	add_elf(&t, "/usr/bin/cli", &s);
	add_text(&t, "/etc/inittab", "::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/netd -f\n"
		 "ttyS0::respawn:-/bin/sh\n");
	run_check(&t, "hardening.dangerous-functions");
	const fg_finding *d = finding(&t, "hardening.dangerous-functions", "/usr/sbin/netd");
	const fg_finding *c = finding(&t, "hardening.dangerous-functions", "/usr/bin/cli");
	REQUIRE(d && c);
	CHECK_INT_EQ(d->severity, FG_SEV_MEDIUM);
	CHECK_INT_EQ(c->severity, FG_SEV_INFO);
	CHECK(strstr(d->message, "system, execl"));
	CHECK(strstr(d->excerpt, "contains \"/bin/sh\""));
	CHECK(strstr(d->message, "/etc/inittab line 2"));
	fg_result_free(t.res);
}

TEST(rpath_against_tree_modes)
{
	static synth a, b, c, d;
	tree t = tree_new();
	memset(&a, 0, sizeof(a));
	a.rpath = "/opt/lib";
	b = a;
	b.rpath = "/var/plugins/lib";
	c = a;
	c.rpath = "/usr/lib/app";
	d = a;
	d.runpath = "/usr/lib/app:$ORIGIN/../lib";
	d.rpath = NULL;
	add_dir(&t, "/opt/lib", 0777);
	add_dir(&t, "/var", 01777);
	add_dir(&t, "/usr/lib/app", 0755);
	add_elf(&t, "/usr/lib/liba.so", &a);
	add_elf(&t, "/usr/lib/libb.so", &b);
	add_elf(&t, "/usr/lib/libc_ok.so", &c);
	add_elf(&t, "/usr/lib/libd.so", &d);
	run_check(&t, "hardening.rpath");
	const fg_finding *f = finding(&t, "hardening.rpath", "/usr/lib/liba.so");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->excerpt, "/opt/lib is world-writable in the image (mode 0777)"));
	f = finding(&t, "hardening.rpath", "/usr/lib/libb.so");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->excerpt, "does not exist and /var is world-writable"));
	f = finding(&t, "hardening.rpath", "/usr/lib/libc_ok.so");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_INFO);
	CHECK_STR_EQ(f->excerpt, "RPATH '/usr/lib/app'");
	f = finding(&t, "hardening.rpath", "/usr/lib/libd.so");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->excerpt, "RUNPATH entry: '$ORIGIN/../lib' is relative to the binary's own"));
	fg_result_free(t.res);
}

TEST(modules_kernels_and_firmware_are_not_rated)
{
	static synth s;
	tree t = tree_new();
	memset(&s, 0, sizeof(s));
	s.type = ET_REL;
	add_elf(&t, "/lib/modules/6.1.0/kernel/drivers/foo.ko", &s);
	memset(&s, 0, sizeof(s));
	s.type = ET_EXEC;
	s.machine = EM_XTENSA;
	add_elf(&t, "/lib/firmware/ath/wifi.elf", &s);
	add_elf(&t, "/boot/vmlinux-6.1.0", &s);
	for (size_t i = 0; i < fg_check_count(); i++)
		if (strncmp(fg_check_at(i)->id, "hardening.", 10) == 0)
			run_check(&t, fg_check_at(i)->id);
	CHECK_INT_EQ(t.res->findings.n, 0);
	fg_hardening_set *set = fg_hardening_scan(t.root);
	REQUIRE(set);
	CHECK_INT_EQ(set->v.n, 2);
	CHECK_INT_EQ(set->firmware_skipped, 1);
	CHECK_INT_EQ(set->v.v[0].kind, FG_HK_KERNEL);   /* /boot comes first */
	CHECK_INT_EQ(set->v.v[1].kind, FG_HK_KMOD);
	CHECK_INT_EQ(set->v.v[1].pie, FG_PIE_REL);
	fg_hardening_set_free(set);
	fg_result_free(t.res);
}

/* ---- boot programs -------------------------------------------------------------- */

static bool started(const fg_boot_programs *b, tree *t, const char *path, const char *how)
{
	const fg_node *n = fg_node_content(fg_tree_lookup(t->root, path, true));
	const fg_boot_prog *p = n ? fg_boot_programs_find(b, n) : NULL;
	if (p && how && !strstr(p->how, how)) {
		fprintf(stderr, "  %s: started by '%s', expected '%s'\n", path, p->how, how);
		return false;
	}
	return p != NULL;
}

TEST(boot_programs_sources)
{
	static synth s;
	tree t = tree_new();
	memset(&s, 0, sizeof(s));
	s.type = ET_EXEC;
	static const char *const progs[] = {
		"/bin/busybox", "/usr/sbin/inetd_srv", "/usr/sbin/tcpd", "/usr/sbin/wrapped",
		"/usr/sbin/xsrv", "/usr/sbin/xoff", "/usr/sbin/unitd", "/usr/sbin/rcd",
		"/usr/sbin/called", "/usr/sbin/commented", "/usr/sbin/procd_prog", "/usr/sbin/ssd",
		"/sbin/ifconfig", "/usr/sbin/bare", "/usr/sbin/never", "/usr/sbin/sourced",
	};
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		add_elf(&t, progs[i], &s);
	add_link(&t, "/usr/sbin/telnetd", "/bin/busybox");
	add_link(&t, "/bin/mount", "busybox");
	add_text(&t, "/etc/inittab", "# comment\n::sysinit:/etc/init.d/rcS\n::respawn:/bin/mount -a\n");
	add_text(&t, "/etc/init.d/rcS", "#!/bin/sh\n/bin/mount -t proc proc /proc\n"
		 "ifconfig eth0 up\n/etc/helper.sh start\n. /etc/lib.sh\n");
	add_text(&t, "/etc/helper.sh", "#!/bin/sh\n/usr/sbin/called &\n# /usr/sbin/commented\n"
		 "start-stop-daemon -S -x /usr/sbin/ssd -- -f\nbare -x\n");
	add_text(&t, "/etc/lib.sh", "/usr/sbin/sourced\n");
	add_text(&t, "/etc/init.d/S40telnetd", "#!/bin/sh\ntelnetd -l /bin/login\n");
	add_text(&t, "/etc/rc.d/S10rc", "#!/bin/sh /etc/rc.common\nstart_service() {\n"
		 "  procd_set_param command /usr/sbin/procd_prog -n\n  /usr/sbin/rcd\n}\n");
	add_text(&t, "/etc/init.d/never", "#!/bin/sh\n/usr/sbin/never\n");
	add_text(&t, "/etc/inetd.conf", "ftp stream tcp nowait root /usr/sbin/inetd_srv ftpd\n"
		 "echo stream tcp nowait root internal\n"
		 "finger stream tcp nowait root /usr/sbin/tcpd /usr/sbin/wrapped\n");
	add_text(&t, "/etc/xinetd.d/x", "service x\n{\n  server = /usr/sbin/xsrv\n}\n"
		 "service y\n{\n  disable = yes\n  server = /usr/sbin/xoff\n}\n");
	add_text(&t, "/lib/systemd/system/unitd.service", "[Service]\nExecStart=-/usr/sbin/unitd --now\n");
	add_link(&t, "/etc/systemd/system/multi-user.target.wants/unitd.service",
		 "/lib/systemd/system/unitd.service");
	fg_boot_programs *b = fg_boot_programs_scan(t.root);
	REQUIRE(b);
	CHECK(started(b, &t, "/usr/sbin/called", "/etc/helper.sh line 2"));
	CHECK(started(b, &t, "/usr/sbin/ssd", "/etc/helper.sh line 4"));
	CHECK(started(b, &t, "/usr/sbin/bare", "/etc/helper.sh line 5"));
	CHECK(started(b, &t, "/usr/sbin/sourced", "/etc/lib.sh line 1"));
	CHECK(started(b, &t, "/usr/sbin/procd_prog", "/etc/rc.d/S10rc line 3"));
	CHECK(started(b, &t, "/usr/sbin/rcd", "/etc/rc.d/S10rc line 4"));
	CHECK(started(b, &t, "/usr/sbin/inetd_srv", "/etc/inetd.conf line 1 (service ftp)"));
	CHECK(started(b, &t, "/usr/sbin/wrapped", "/etc/inetd.conf line 3"));
	CHECK(!started(b, &t, "/usr/sbin/tcpd", NULL));
	CHECK(started(b, &t, "/usr/sbin/xsrv", "/etc/xinetd.d/x line 3"));
	CHECK(!started(b, &t, "/usr/sbin/xoff", NULL));
	CHECK(started(b, &t, "/usr/sbin/unitd", "unitd.service line 2"));
	/* busybox counts through its telnetd applet, not through mount */
	CHECK(started(b, &t, "/bin/busybox", "/etc/init.d/S40telnetd line 2"));
	CHECK(!started(b, &t, "/sbin/ifconfig", NULL));
	CHECK(!started(b, &t, "/usr/sbin/commented", NULL));
	CHECK(!started(b, &t, "/usr/sbin/never", NULL));
	fg_boot_programs_free(b);
	fg_result_free(t.res);
}

TEST(boot_programs_hostile_scripts)
{
	tree t = tree_new();
	static char big[1 << 16];
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = "a;|&()`$(\"'#\n /"[i % 16];
	add_text(&t, "/etc/init.d/rcS", big);
	add_text(&t, "/etc/init.d/S01loop", "/etc/init.d/S02loop\n");
	add_text(&t, "/etc/init.d/S02loop", "/etc/init.d/S01loop\n. /etc/init.d/S02loop\n");
	add_text(&t, "/etc/inittab", "::::::\n:\n\n::respawn:\n");
	add_text(&t, "/etc/xinetd.conf", "{\n server = \n}\n}\n{");
	fg_boot_programs *b = fg_boot_programs_scan(t.root);
	REQUIRE(b);
	CHECK_INT_EQ(b->v.n, 0);
	fg_boot_programs_free(b);
	fg_result_free(t.res);
}

/* ---- the JSON summary -------------------------------------------------------------- */

TEST(json_summary)
{
	tree t = daemon_tree();
	static synth lib;
	memset(&lib, 0, sizeof(lib));
	lib.relro = true;
	lib.flags = DF_BIND_NOW;
	lib.nstack = 1;
	lib.stack[0] = PF_R | PF_W;
	lib.imports[0] = "__stack_chk_fail";
	add_elf(&t, "/lib/libgood.so", &lib);
	fg_fsinfo fs = { .root = t.root, .chain = "img" };
	FG_VEC_PUSH(&t.res->filesystems, fs);
	FG_VEC_PUSH(&t.res->checks_run, "hardening.nx");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	REQUIRE(f);
	CHECK_INT_EQ(fg_report_json(t.res, f), 0);
	fclose(f);
	REQUIRE(buf);
	CHECK(strstr(buf, "\"hardening\": {"));
	CHECK(strstr(buf, "\"path\": \"/lib/libgood.so\""));
	CHECK(strstr(buf, "\"relro\": \"full\""));
	CHECK(strstr(buf, "\"arch\": \"arm\""));
	CHECK(strstr(buf, "\"elf_files\": 3"));
	CHECK(strstr(buf, "\"programs\": 2"));
	/* the daemon first among the offenders, though the tool scores the same */
	char *w = strstr(buf, "\"worst_offenders\"");
	REQUIRE(w);
	char *d = strstr(w, "/usr/sbin/food"), *o = strstr(w, "/usr/bin/tool");
	CHECK(d && o && d < o);
	CHECK(strstr(w, "\"executable-stack\""));
	CHECK(!strstr(w, "libgood"));
	free(buf);
	/* no checks ran: null */
	t.res->checks_run.n = 0;
	f = open_memstream(&buf, &len);
	REQUIRE(f);
	fg_report_json(t.res, f);
	fclose(f);
	CHECK(strstr(buf, "\"hardening\": null"));
	free(buf);
	fg_result_free(t.res);
}
