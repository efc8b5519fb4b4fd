/* services.telnet: telnetd started at boot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "checks/check.h"
#include "checks/engine.h"
#include "core/result.h"

#define ID "services.telnet"

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

static fg_node *add_bytes(tree *t, const char *path, const void *data, size_t len)
{
	fg_node *n = fg_tree_mkpath(&t->res->tree, t->root, path, FG_NODE_FILE);
	n->data = data;
	n->data_len = len;
	n->size = len;
	return n;
}

static fg_node *add_file(tree *t, const char *path, const char *text)
{
	return add_bytes(t, path, text, strlen(text));
}

static void add_link(tree *t, const char *path, const char *target)
{
	fg_node *n = fg_tree_mkpath(&t->res->tree, t->root, path, FG_NODE_SYMLINK);
	n->link_target = target;
}

static void run(tree *t)
{
	fg_checks_run_tree(t->res, t->root, fg_check_find(ID));
}

static const fg_finding *at(const tree *t, const char *path)
{
	for (size_t i = 0; i < t->res->findings.n; i++)
		if (strcmp(t->res->findings.v[i].path, path) == 0)
			return &t->res->findings.v[i];
	return NULL;
}

static size_t count(const tree *t)
{
	return t->res->findings.n;
}

/* One script at PATH; returns the number of findings, and its line. */
static size_t one_script(const char *path, const char *text, unsigned *line, int *sev)
{
	tree t = tree_new();
	add_file(&t, path, text);
	run(&t);
	size_t n = count(&t);
	*line = n ? t.res->findings.v[0].line : 0;
	*sev = n ? (int)t.res->findings.v[0].severity : -1;
	fg_result_free(t.res);
	return n;
}

static void expect_subject(const fg_finding *f, const char *path)
{
	char subject[1100], fp[33];
	snprintf(subject, sizeof(subject), "telnetd:%s", path);
	fg_fingerprint(ID, path, subject, fp);
	CHECK_STR_EQ(f->fingerprint, fp);
}

/* ---- known real cases ------------------------------------------------- */

TEST(busybox_s40telnetd)
{
	tree t = tree_new();
	add_file(&t, "etc/init.d/S40telnetd",
		 "#!/bin/sh\n"
		 "# Start telnetd\n"
		 "echo \"Starting telnetd...\"\n"
		 "/usr/sbin/telnetd -l /bin/login -p 23\n");
	run(&t);
	REQUIRE(count(&t) == 1);
	const fg_finding *f = at(&t, "/etc/init.d/S40telnetd");
	REQUIRE(f);
	CHECK_STR_EQ(f->check_id, ID);
	CHECK_INT_EQ(f->line, 4);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK_STR_EQ(f->excerpt, "/usr/sbin/telnetd -l /bin/login -p 23");
	CHECK(strstr(f->message, "S??*") != NULL);
	expect_subject(f, "/etc/init.d/S40telnetd");
	fg_result_free(t.res);
}

TEST(inetd_conf)
{
	tree t = tree_new();
	add_file(&t, "etc/inetd.conf",
		 "#ftp    stream  tcp  nowait  root    /usr/sbin/ftpd ftpd\n"
		 "telnet  stream  tcp  nowait  root    /usr/sbin/telnetd\n");
	run(&t);
	REQUIRE(count(&t) == 1);
	const fg_finding *f = at(&t, "/etc/inetd.conf");
	REQUIRE(f);
	CHECK_INT_EQ(f->line, 2);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	expect_subject(f, "/etc/inetd.conf");
	fg_result_free(t.res);

	t = tree_new();
	add_file(&t, "etc/inetd.conf",
		 "# telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n"
		 "ftp stream tcp nowait root /usr/sbin/ftpd ftpd\n"
		 "23 stream tcp nowait root /usr/sbin/tcpd in.telnetd\n");
	run(&t);
	REQUIRE(count(&t) == 1);
	CHECK_INT_EQ(t.res->findings.v[0].line, 3);  /* via tcpd, by argv[0] */
	fg_result_free(t.res);
}

TEST(iotgoat_rc_local)
{
	unsigned line;
	int sev;
	CHECK_INT_EQ(one_script("etc/rc.local",
				"# Put your custom commands here that should be executed once\n"
				"# the system init finished. By default this file does nothing.\n"
				"\n"
				"telnetd -p 65534 &\n"
				"exit 0\n", &line, &sev), 1);
	CHECK_INT_EQ(line, 4);
	CHECK_INT_EQ(sev, FG_SEV_HIGH);
}

TEST(commented_and_quoted_mentions_do_not_count)
{
	unsigned line;
	int sev;
	CHECK_INT_EQ(one_script("etc/rc.local",
				"#telnetd &\n"
				"  # /usr/sbin/telnetd -l /bin/sh\n"
				"echo telnetd disabled # telnetd\n"
				"printf '%s\\n' \"telnetd -l /bin/sh\"\n"
				"logger -t telnetd \"not started\"\n"
				"killall telnetd\n"
				"kill -9 $(pidof telnetd)\n"
				"pkill -f telnetd\n"
				"if pidof telnetd >/dev/null; then echo up; fi\n"
				"rm -f /usr/sbin/telnetd\n"
				"grep -q telnetd /proc/*/cmdline\n"
				"for d in telnetd dropbear; do echo $d; done\n"
				"cat > /tmp/x <<EOF\n"
				"telnetd -l /bin/sh\n"
				"EOF\n"
				"case \"$1\" in\n"
				"telnetd) echo no ;;\n"
				"*telnetd*|telnetd) echo no ;;\n"
				"esac\n"
				"telnetd() { echo this defines a function; }\n"
				"start-stop-daemon -K -x /usr/sbin/telnetd\n"
				"echo \"multi line\n"
				"telnetd -l /bin/sh\n"
				"\"\n"
				"exit 0\n", &line, &sev), 0);
}

TEST(busybox_binary_is_not_read)
{
	static const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0telnetd\0/usr/sbin/telnetd -l /bin/sh\n"
				  "telnetd\n";
	tree t = tree_new();
	add_bytes(&t, "bin/busybox", elf, sizeof(elf) - 1);
	add_bytes(&t, "etc/init.d/S50binary", elf, sizeof(elf) - 1);
	add_bytes(&t, "etc/rc.local", elf, sizeof(elf) - 1);
	add_link(&t, "usr/sbin/telnetd", "/bin/busybox");
	add_file(&t, "etc/init.d/rcS", "#!/bin/sh\n/bin/busybox\n/usr/sbin/telnetd-helper\n");
	run(&t);
	CHECK_INT_EQ(count(&t), 0);
	fg_result_free(t.res);
}

/* ---- command forms that do start it ------------------------------------ */

TEST(starting_forms)
{
	static const struct { const char *text; unsigned line; } cases[] = {
		{ "#!/bin/sh\n[ -x /usr/sbin/telnetd ] && /usr/sbin/telnetd &\n", 2 },
		{ "#!/bin/sh\nbusybox telnetd -l /bin/sh\n", 2 },
		{ "#!/bin/sh\n/bin/busybox telnetd -p 2323 >/dev/null 2>&1 &\n", 2 },
		{ "#!/bin/sh\nutelnetd -l /bin/sh -d\n", 2 },
		{ "#!/bin/sh\nstart-stop-daemon -S -b -x /usr/sbin/telnetd -- -F\n", 2 },
		{ "#!/bin/sh\nstart-stop-daemon --start --quiet \\\n  --exec /usr/sbin/telnetd\n", 2 },
		{ "#!/bin/sh\nDAEMON=/usr/sbin/telnetd\n\nstart() {\n\t$DAEMON -l /bin/login\n}\n", 5 },
		{ "#!/bin/sh\nPROG=\"/usr/sbin/telnetd\"\nstart-stop-daemon -S -x \"${PROG}\"\n", 3 },
		{ "#!/bin/sh\nsh -c \"telnetd -p 23\"\n", 2 },
		{ "#!/bin/sh\nnohup env LANG=C nice -n 10 telnetd &\n", 2 },
		{ "#!/bin/sh\nif [ \"$TELNET\" = 1 ]; then\n\texec /usr/sbin/telnetd -F\nfi\n", 3 },
		{ "#!/bin/sh\ncase \"$1\" in\nstart)\n\ttelnetd -l /bin/sh\n\t;;\nstop)\n\tkillall telnetd\n\t;;\nesac\n", 4 },
		{ "#!/bin/sh\npidof telnetd || telnetd\n", 2 },
		{ "#!/bin/sh\r\n\r\ntelnetd -l /bin/sh &\r\n", 3 },
		{ "#!/bin/sh\ncat <<EOF\ntext\nEOF\ntelnetd\n", 5 },
		{ "#!/bin/sh\n(telnetd -F)\n", 2 },
		{ "#!/bin/sh\neval \"telnetd -l /bin/sh\"\n", 2 },
		{ "#!/bin/sh\nservice_start /usr/sbin/telnetd -l /bin/login\n", 2 },
		{ "#!/bin/sh\n$BIN/telnetd &\n", 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned line;
		int sev;
		size_t n = one_script("etc/init.d/S50telnet", cases[i].text, &line, &sev);
		if (n != 1 || line != cases[i].line)
			fprintf(stderr, "case %zu: %zu findings, line %u\n", i, n, line);
		CHECK_INT_EQ(n, 1);
		CHECK_INT_EQ(line, cases[i].line);
		CHECK_INT_EQ(sev, FG_SEV_HIGH);
	}
}

/* ---- boot reachability --------------------------------------------------- */

TEST(non_boot_script_is_medium)
{
	tree t = tree_new();
	add_file(&t, "etc/init.d/telnet", "#!/bin/sh\ntelnetd -l /bin/login\n");
	run(&t);
	REQUIRE(count(&t) == 1);
	const fg_finding *f = at(&t, "/etc/init.d/telnet");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK_INT_EQ(f->line, 2);
	CHECK(strstr(f->message, "could not be proven") != NULL);
	fg_result_free(t.res);
}

TEST(sysv_rc_links_prove_boot)
{
	tree t = tree_new();
	add_file(&t, "etc/init.d/telnetd",
		 "#!/bin/sh\n"
		 "DAEMON=/usr/sbin/in.telnetd\n"
		 "case \"$1\" in\n"
		 "  start) start-stop-daemon --start --exec $DAEMON ;;\n"
		 "  stop) start-stop-daemon --stop --exec $DAEMON ;;\n"
		 "esac\n");
	add_link(&t, "etc/rc2.d/S20telnetd", "../init.d/telnetd");
	add_link(&t, "etc/rc0.d/K20telnetd", "../init.d/telnetd");
	run(&t);
	REQUIRE(count(&t) == 1);
	const fg_finding *f = at(&t, "/etc/init.d/telnetd");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK_INT_EQ(f->line, 4);
	CHECK(strstr(f->message, "/etc/rc2.d/S20telnetd") != NULL);
	fg_result_free(t.res);
}

static const char openwrt_telnet[] =
	"#!/bin/sh /etc/rc.common\n"
	"# Copyright (C) 2006-2011 OpenWrt.org\n"
	"\n"
	"START=50\n"
	"\n"
	"USE_PROCD=1\n"
	"PROG=/usr/sbin/telnetd\n"
	"\n"
	"has_root_pwd() {\n"
	"\tlocal pwd=$([ -f \"$1\" ] && cat \"$1\")\n"
	"\tpwd=\"${pwd#*root:}\"\n"
	"\tpwd=\"${pwd%%:*}\"\n"
	"\ttest -n \"${pwd#[\\!x]}\"\n"
	"}\n"
	"\n"
	"start_service() {\n"
	"\tif ( ! has_root_pwd /etc/passwd && ! has_root_pwd /etc/shadow ) || \\\n"
	"\t   ( ! /etc/init.d/dropbear enabled 2> /dev/null ); then\n"
	"\t\tprocd_open_instance\n"
	"\t\tprocd_set_param command \"$PROG\" -F -l /bin/login.sh\n"
	"\t\tprocd_close_instance\n"
	"\tfi\n"
	"}\n";

TEST(openwrt_enabled_by_rc_d_link)
{
	tree t = tree_new();
	add_file(&t, "etc/init.d/telnet", openwrt_telnet);
	add_file(&t, "etc/init.d/dropbear", "#!/bin/sh /etc/rc.common\nSTART=19\n");
	add_link(&t, "etc/rc.d/S50telnet", "../init.d/telnet");
	add_link(&t, "etc/rc.d/K50telnet", "../init.d/telnet");
	run(&t);
	REQUIRE(count(&t) == 1);
	const fg_finding *f = at(&t, "/etc/init.d/telnet");
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK_INT_EQ(f->line, 20);
	CHECK_STR_EQ(f->excerpt, "procd_set_param command \"$PROG\" -F -l /bin/login.sh");
	fg_result_free(t.res);
}

TEST(openwrt_disabled_without_link)
{
	tree t = tree_new();
	add_file(&t, "etc/init.d/telnet", openwrt_telnet);
	add_file(&t, "etc/init.d/dropbear", "#!/bin/sh /etc/rc.common\nSTART=19\n");
	add_link(&t, "etc/rc.d/S19dropbear", "../init.d/dropbear");
	run(&t);
	CHECK_INT_EQ(count(&t), 0);
	fg_result_free(t.res);
}

TEST(inittab_busybox_and_sysvinit)
{
	tree t = tree_new();
	add_file(&t, "etc/inittab",
		 "# busybox\n"
		 "::sysinit:/etc/init.d/rcS\n"
		 "#::respawn:/usr/sbin/telnetd -F\n"
		 "::respawn:/usr/sbin/telnetd -F -l /bin/sh\n"
		 "::askfirst:-/bin/sh\n");
	add_file(&t, "etc/init.d/rcS", "#!/bin/sh\nmount -a\n/etc/start_services.sh\n");
	add_file(&t, "etc/start_services.sh", "#!/bin/sh\n\nutelnetd -d &\n");
	run(&t);
	CHECK_INT_EQ(count(&t), 2);
	const fg_finding *f = at(&t, "/etc/inittab");
	REQUIRE(f);
	CHECK_INT_EQ(f->line, 4);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	const fg_finding *s = at(&t, "/etc/start_services.sh");
	REQUIRE(s);
	CHECK_INT_EQ(s->line, 3);
	CHECK_INT_EQ(s->severity, FG_SEV_HIGH);
	CHECK(strstr(s->message, "/etc/init.d/rcS") != NULL);
	fg_result_free(t.res);

	t = tree_new();
	add_file(&t, "etc/inittab",
		 "id:3:initdefault:\n"
		 "si::sysinit:/etc/rc.d/rc.sysinit\n"
		 "t1:2345:off:/usr/sbin/telnetd -F\n"
		 "t2:2345:respawn:/usr/sbin/in.telnetd -debug\n");
	run(&t);
	REQUIRE(count(&t) == 1);
	CHECK_INT_EQ(t.res->findings.v[0].line, 4);
	fg_result_free(t.res);
}

TEST(xinetd)
{
	tree t = tree_new();
	add_file(&t, "etc/xinetd.d/telnet",
		 "# default: on\n"
		 "service telnet\n"
		 "{\n"
		 "\tflags = REUSE\n"
		 "\tsocket_type = stream\n"
		 "\tserver = /usr/sbin/in.telnetd\n"
		 "\tdisable = no\n"
		 "}\n");
	add_file(&t, "etc/xinetd.d/telnet-off",
		 "service telnet\n{\n\tserver = /usr/sbin/in.telnetd\n\tdisable = yes\n}\n");
	add_file(&t, "etc/xinetd.d/other",
		 "service tftp\n{\n\tserver = /usr/sbin/in.tftpd\n}\n"
		 "service remote-shell\n{\n\tserver = /usr/sbin/telnetd\n}\n");
	run(&t);
	CHECK_INT_EQ(count(&t), 2);
	const fg_finding *f = at(&t, "/etc/xinetd.d/telnet");
	REQUIRE(f);
	CHECK_INT_EQ(f->line, 2);
	const fg_finding *o = at(&t, "/etc/xinetd.d/other");
	REQUIRE(o);
	CHECK_INT_EQ(o->line, 5);
	CHECK(at(&t, "/etc/xinetd.d/telnet-off") == NULL);
	fg_result_free(t.res);
}

TEST(systemd_socket_and_service)
{
	tree t = tree_new();
	add_file(&t, "lib/systemd/system/telnet.socket",
		 "[Unit]\nDescription=Telnet Server Activation Socket\n\n"
		 "[Socket]\nListenStream=23\nAccept=true\n\n[Install]\nWantedBy=sockets.target\n");
	add_file(&t, "lib/systemd/system/telnet@.service",
		 "[Unit]\nDescription=Telnet Server\n\n[Service]\nExecStart=-/usr/sbin/in.telnetd\n"
		 "StandardInput=socket\n");
	add_link(&t, "etc/systemd/system/sockets.target.wants/telnet.socket",
		 "/lib/systemd/system/telnet.socket");
	add_file(&t, "lib/systemd/system/telnetd.service",
		 "[Service]\nExecStartPre=/bin/true\nExecStart=/usr/sbin/telnetd -F -p 2323\n");
	add_link(&t, "etc/systemd/system/multi-user.target.wants/telnetd.service",
		 "/lib/systemd/system/telnetd.service");
	add_file(&t, "lib/systemd/system/unused-telnet.service",
		 "[Service]\nExecStart=/usr/sbin/telnetd -F\n");
	run(&t);
	CHECK_INT_EQ(count(&t), 2);
	const fg_finding *s = at(&t, "/lib/systemd/system/telnet@.service");
	REQUIRE(s);
	CHECK_INT_EQ(s->line, 5);
	CHECK(strstr(s->message, "telnet.socket") != NULL);
	const fg_finding *d = at(&t, "/lib/systemd/system/telnetd.service");
	REQUIRE(d);
	CHECK_INT_EQ(d->line, 3);
	CHECK(at(&t, "/lib/systemd/system/unused-telnet.service") == NULL);
	fg_result_free(t.res);
}

TEST(one_finding_per_file_and_stable_fingerprint)
{
	static const char a[] = "#!/bin/sh\ntelnetd -l /bin/sh\ntelnetd -p 2323\n";
	static const char b[] = "#!/bin/sh\n# a new comment\n\ntelnetd -l /bin/sh\n";
	tree t1 = tree_new(), t2 = tree_new(), t3 = tree_new();
	add_file(&t1, "etc/init.d/S50telnet", a);
	add_file(&t2, "etc/init.d/S50telnet", a);
	add_file(&t3, "etc/init.d/S50telnet", b);
	add_link(&t3, "etc/rc.d/S50telnet", "../init.d/S50telnet");
	run(&t1);
	run(&t2);
	run(&t3);
	REQUIRE(count(&t1) == 1 && count(&t2) == 1 && count(&t3) == 1);
	CHECK_INT_EQ(t1.res->findings.v[0].line, 2);
	CHECK_INT_EQ(t3.res->findings.v[0].line, 4);
	CHECK_STR_EQ(t1.res->findings.v[0].fingerprint, t2.res->findings.v[0].fingerprint);
	CHECK_STR_EQ(t1.res->findings.v[0].fingerprint, t3.res->findings.v[0].fingerprint);
	fg_result_free(t1.res);
	fg_result_free(t2.res);
	fg_result_free(t3.res);
}

/* ---- hostile input --------------------------------------------------------- */

TEST(hostile_scripts)
{
	tree t = tree_new();
	size_t big = 1u << 20;
	/* A 1 MiB line, then a real start; exact-size buffer, no NUL after. */
	char *huge = malloc(big + 32);
	memset(huge, 'A', big);
	memcpy(huge + big, "\ntelnetd &\n", 11);
	add_bytes(&t, "etc/init.d/S01huge", huge, big + 11);

	/* Unterminated quotes, substitutions, heredocs and escapes. */
	static const char *const broken[] = {
		"telnetd \"unterminated", "echo 'open", "x=$(((((", "cat <<EOF\ntelnetd\n",
		"a\\", "`", "${", "case x in", "((((((((", "))))))", ";;;;&&||", "<<", ">",
		"2>", "&>", "$(", "#", "\\\n", "case a in (b) ;; esac",
	};
	char *copies[sizeof(broken) / sizeof(broken[0])];
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		char path[64];
		size_t n = strlen(broken[i]);
		copies[i] = malloc(n);
		memcpy(copies[i], broken[i], n);
		snprintf(path, sizeof(path), "etc/init.d/S%02zubroken", i + 10);
		add_bytes(&t, path, copies[i], n);
	}

	/* Printable garbage full of shell metacharacters. */
	size_t glen = 256 * 1024;
	char *g = malloc(glen);
	uint32_t x = 7;
	static const char alphabet[] = "ab telnetd\n\"'`$(){};&|<>#\\=-_/\r\t";
	for (size_t i = 0; i < glen; i++) {
		x = x * 1103515245u + 12345u;
		g[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
	}
	add_bytes(&t, "etc/init.d/S99garbage", g, glen);
	add_bytes(&t, "etc/inittab", g, glen);
	add_bytes(&t, "etc/inetd.conf", g, glen);
	add_bytes(&t, "etc/xinetd.d/g", g, glen);
	add_bytes(&t, "lib/systemd/system/g.service", g, glen);
	add_link(&t, "etc/systemd/system/multi-user.target.wants/g.service", "/lib/systemd/system/g.service");

	/* Symlink loops and links out of the tree. */
	add_link(&t, "etc/rc.d/S10loop", "S10loop");
	add_link(&t, "etc/rc.d/S11out", "../../../../../etc/init.d/S01huge");
	run(&t);

	const fg_finding *f = at(&t, "/etc/init.d/S01huge");
	REQUIRE(f);
	CHECK_INT_EQ(f->line, 2);
	CHECK(f->excerpt != NULL && strlen(f->excerpt) < 32);
	fg_result_free(t.res);
	free(huge);
	free(g);
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++)
		free(copies[i]);
}

TEST(rc_local_without_trailing_newline)
{
	unsigned line;
	int sev;
	CHECK_INT_EQ(one_script("etc/rc.local", "#!/bin/sh\n/usr/sbin/telnetd", &line, &sev), 1);
	CHECK_INT_EQ(line, 2);
}
