/* debug.serial-shell, debug.kernel-cmdline, debug.uboot-env (with the
 * environment parsers of checks/uboot_env.h) and fs.hygiene. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test.h"
#include "check_tree.h"
#include "checks/uboot_env.h"

#define SERIAL "debug.serial-shell"

/* The inittab line, and whether it fires. */
static int serial_case(const char *inittab, const char *passwd)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/inittab", inittab);
	if (passwd)
		ct_file(&t, "etc/passwd", passwd);
	ct_run(&t, SERIAL);
	int n = (int)ct_count(&t, NULL);
	int line = n ? (int)t.res->findings.v[0].line : 0;
	ct_free(&t);
	return n == 1 ? line : n ? -n : 0;
}

TEST(serial_shells)
{
	static const char head[] = "# /etc/inittab (busybox init)\n::sysinit:/etc/init.d/rcS\n";
	static const struct { const char *line; int fires; } cases[] = {
		{ "ttyS0::respawn:/bin/sh\n", 1 },
		{ "ttyAMA0::respawn:-/bin/sh\n", 1 },
		{ "ttyAMA0::askfirst:/bin/sh\n", 1 },
		{ "::askconsole:/bin/ash --login\n", 1 },
		{ "ttyS0::respawn:/sbin/cttyhack /bin/sh -l\n", 1 },
		{ "ttyS0::respawn:/sbin/getty -n -l /bin/sh 115200 ttyS0\n", 1 },
		{ "T0:23:respawn:/sbin/agetty -a root -L ttyS0 115200 vt100\n", 1 },
		{ "T0:23:respawn:/sbin/agetty --autologin root ttyS0 115200\n", 1 },
		{ "::respawn:/sbin/getty -L ttyS000 115200 vt100 -n root -I \"Auto login as root ...\"\n", 1 },
		{ "ttyS0::respawn:/bin/login -f root\n", 1 },
		/* not a shell without login */
		{ "ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100\n", 0 },
		{ "#ttyS0::respawn:/bin/sh    # factory debug shell, removed for production\n", 0 },
		{ "ttyS0::off:/bin/sh\n", 0 },
		{ "::sysinit:/bin/sh /etc/rcS\n", 0 },
		{ "::respawn:/bin/sh /etc/watchdog.sh\n", 0 },
		{ "tty2::askfirst:-/bin/sh\n", 0 },      /* a virtual console, not serial */
		{ "ttyS0::respawn:/sbin/getty -n 115200 ttyS0\n", 0 },
		{ "::shutdown:/bin/umount -a -r\n", 0 },
		{ "ttyS0::respawn\n", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text), "%s%s::ctrlaltdel:/sbin/reboot\n", head, cases[i].line);
		int r = serial_case(text, "root:$1$RYIwEiRA$d5iRRVQ5ZeRTrJwGjRy.B0:0:0:root:/:/bin/sh\n");
		if ((cases[i].fires && r != 3) || (!cases[i].fires && r != 0))
			fprintf(stderr, "case %zu (%s): %d\n", i, cases[i].line, r);
		CHECK(cases[i].fires ? r == 3 : r == 0);
	}
}

TEST(serial_severity_and_openwrt)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/inittab", "ttyS0::respawn:/sbin/getty -a guest ttyS0 115200\n");
	ct_file(&t, "etc/passwd", "root:x:0:0::/root:/bin/sh\nguest:x:1000:1000::/home/guest:/bin/sh\n");
	ct_file(&t, "etc/config/system",
		"config system\n\toption hostname 'IoTGoat'\n\toption timezone 'UTC'\n\toption ttylogin '0'\n");
	ct_run(&t, SERIAL);
	const fg_finding *f = ct_at(&t, SERIAL, "/etc/inittab", 1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);   /* not root */
	f = ct_at(&t, SERIAL, "/etc/config/system", 4);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_CRITICAL);
	ct_free(&t);
	t = ct_new();
	ct_file(&t, "etc/config/system", "config system\n\toption ttylogin '1'\n");
	ct_run(&t, SERIAL);
	CHECK_INT_EQ(ct_count(&t, NULL), 0);
	ct_free(&t);
}

/* ---- U-Boot environments ------------------------------------------------------- */

/* A binary environment of SIZE bytes (redundant: one flag byte). */
static unsigned char *make_env(const char *const *vars, size_t size, bool redundant)
{
	unsigned char *e = malloc(size);
	memset(e, 0, size);
	size_t hdr = redundant ? 5 : 4, p = hdr;
	for (; *vars; vars++) {
		size_t l = strlen(*vars);
		memcpy(e + p, *vars, l);
		p += l + 1;
	}
	if (redundant)
		e[4] = 1;
	uint32_t crc = (uint32_t)crc32(0, e + hdr, (uInt)(size - hdr));
	e[0] = (unsigned char)crc;
	e[1] = (unsigned char)(crc >> 8);
	e[2] = (unsigned char)(crc >> 16);
	e[3] = (unsigned char)(crc >> 24);
	return e;
}

TEST(uboot_env_parser)
{
	static const char *const vars[] = {
		"bootcmd=bootm 0xbf080000",
		"bootargs=console=ttyS0,115200 root=/dev/mtdblock4 init=/bin/sh",
		"bootdelay=3", "baudrate=115200", NULL,
	};
	fg_arena a;
	fg_arena_init(&a);
	for (int red = 0; red < 2; red++) {
		unsigned char *e = make_env(vars, 0x1000, red);
		fg_uboot_env env;
		REQUIRE(fg_uboot_env_parse(e, 0x1000, &a, &env));
		CHECK_INT_EQ(env.vars.n, 4);
		CHECK_INT_EQ(env.redundant, red);
		const fg_uboot_var *v = fg_uboot_get(&env, "bootdelay");
		REQUIRE(v);
		CHECK_STR_EQ(v->value, "3");
		fg_uboot_env_free(&env);
		e[100] ^= 1;   /* a flipped bit: the CRC no longer matches */
		CHECK(!fg_uboot_env_parse(e, 0x1000, &a, &env));
		free(e);
	}
	/* hostile: every length of a valid blob, and garbage */
	unsigned char *e = make_env(vars, 256, false);
	for (size_t l = 0; l <= 256; l++) {
		unsigned char *copy = malloc(l ? l : 1);
		memcpy(copy, e, l);
		fg_uboot_env env;
		if (fg_uboot_env_parse(copy, l, &a, &env))
			fg_uboot_env_free(&env);
		if (fg_uboot_env_parse_text((const char *)copy, l, &a, &env))
			fg_uboot_env_free(&env);
		free(copy);
	}
	free(e);
	fg_arena_free(&a);
}

static const char digoo_readme[] =
	"# bb-m1\n\nU-Boot> env print\nappProducerID=000\nbaudrate=115200\n"
	"bootargs=mem=20M console=ttyAMA0,115200 root=/dev/mtdblock1 rootfstype=cramfs\n"
	"bootcmd=run ioctl;cramfsload;bootm 0x81000000\nbootdelay=1\ncramfsaddr=0x40000\n"
	"da=mw.b 0x81000000 ff 800000;tftp 0x81000000 u-boot.bin.img;sf probe 0;flwrite\n"
	"dc=mw.b 0x81000000 ff 800000;tftp 0x81000000 custom-x.cramfs.img;sf probe 0;flwrite\n"
	"ipaddr=192.168.1.10\nserverip=192.168.1.107\n"
	"tk=mw.b 0x81000000 ff 800000;tftp 0x81000000 uImage; bootm 0x81000000\n"
	"up=mw.b 0x81000000 ff 800000;tftp 0x81000000 update.img;sf probe 0;flwrite\nverify=n\n";

TEST(uboot_env_checks)
{
	static const char *const vars[] = {
		"bootcmd=bootm 0xbf080000", "bootargs=console=ttyS0,115200 init=/bin/sh kgdboc=ttyS0",
		"bootdelay=2", "bootstopkey=xyz", NULL,
	};
	unsigned char *bin = make_env(vars, 0x10000, false);
	ct_tree t = ct_new();
	ct_file(&t, "README.md", digoo_readme);
	ct_bytes(&t, "boot/uboot-env.bin", bin, 0x10000);
	ct_file(&t, "boot/cmdline.txt", "console=serial0,115200 root=/dev/mmcblk0p2 rdinit=/bin/ash\n");
	ct_file(&t, "doc/notes.txt", "bootcmd=run x\nThis is prose that mentions bootdelay=3 inline.\n");
	ct_run(&t, "debug.uboot-env");
	ct_run(&t, "debug.kernel-cmdline");
	const fg_finding *f = ct_at(&t, "debug.uboot-env", "/README.md", 8);
	REQUIRE(f);
	CHECK(strstr(f->message, "bootdelay=1") != NULL);
	f = ct_at(&t, "debug.uboot-env", "/README.md", 10);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->message, "3 commands") != NULL);
	CHECK(strstr(f->message, "da, dc, up") != NULL);
	CHECK(strstr(f->message, "verify=n") != NULL);
	CHECK(ct_at(&t, "debug.uboot-env", "/boot/uboot-env.bin", -1) == NULL); /* has a stop key */
	f = ct_at(&t, "debug.kernel-cmdline", "/boot/uboot-env.bin", 0);
	REQUIRE(f);
	CHECK(f->offset > 0);
	CHECK_INT_EQ(ct_count(&t, "debug.kernel-cmdline"), 3); /* init=, kgdb, rdinit= */
	CHECK(ct_at(&t, "debug.kernel-cmdline", "/boot/cmdline.txt", 1) != NULL);
	CHECK(ct_at(&t, "debug.uboot-env", "/doc/notes.txt", -1) == NULL);
	ct_free(&t);
	free(bin);
}

/* ---- fs.hygiene -------------------------------------------------------------------- */

TEST(fs_hygiene)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/shadow", "root:$1$Jl7H1VOG$Wgw2F/C.nLNTC.4pwDa4H1:18145:0:99999:7:::\n");
	ct_file(&t, "etc/shadow.bak", "root:$1$KzoHhzG9$wGyFXbWOcRChy3e.Ep2NY1:18080:0:99999:7:::\n");
	ct_file(&t, "etc/shadow-", "root:*:18080:0:99999:7:::\n");
	ct_file(&t, "etc/passwd.orig", "root:x:0:0::/root:/bin/sh\n");
	ct_file(&t, "etc/config/network.bak", "config interface 'lan'\n");
	fg_node *su = ct_file(&t, "bin/busybox", "\x7f" "ELF");
	su->mode = 04755;
	fg_node *ww = ct_file(&t, "etc/init.d/S99x", "#!/bin/sh\n");
	ww->mode = 0777;
	fg_node *tmpf = ct_file(&t, "tmp/x", "x");
	tmpf->mode = 0666;
	fg_node *sticky = ct_dir(&t, "var/spool");
	sticky->mode = 01777;
	ct_file(&t, "root/.ash_history", "passwd root\nwget http://x\n");
	ct_dir(&t, "www/.git");
	ct_run(&t, "fs.hygiene");
	const fg_finding *f = ct_at(&t, "fs.hygiene", "/etc/shadow.bak", 0);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	f = ct_at(&t, "fs.hygiene", "/etc/shadow-", 0);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK(ct_at(&t, "fs.hygiene", "/etc/passwd.orig", 0) != NULL);
	CHECK(ct_at(&t, "fs.hygiene", "/etc/config/network.bak", 0) != NULL);
	f = ct_at(&t, "fs.hygiene", "/bin/busybox", 0);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_INFO);
	f = ct_at(&t, "fs.hygiene", "/etc/init.d/S99x", 0);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK(ct_at(&t, "fs.hygiene", "/tmp/x", -1) == NULL);
	CHECK(ct_at(&t, "fs.hygiene", "/var/spool", -1) == NULL);
	CHECK(ct_at(&t, "fs.hygiene", "/root/.ash_history", 0) != NULL);
	CHECK(ct_at(&t, "fs.hygiene", "/www/.git", 0) != NULL);
	CHECK(ct_at(&t, "fs.hygiene", "/etc/shadow", -1) == NULL);
	CHECK_INT_EQ(ct_count(&t, NULL), 8);
	CHECK(ct_nowhere(&t, "wGyFXbWOcRChy3e"));
	ct_free(&t);
}

TEST(hygiene_caps_its_findings)
{
	ct_tree t = ct_new();
	for (int i = 0; i < 300; i++) {
		char p[64];
		snprintf(p, sizeof(p), "usr/bin/tool%03d", i);
		fg_node *n = ct_file(&t, p, "x");
		n->mode = 06755;
	}
	ct_run(&t, "fs.hygiene");
	CHECK_INT_EQ(ct_count(&t, NULL), 201);
	ct_free(&t);
}
