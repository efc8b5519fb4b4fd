/* updates.signature-disabled, updates.plaintext-url,
 * updates.insecure-download: the corpus shapes, decoys and the rest. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "check_tree.h"

#define SIG "updates.signature-disabled"
#define URL "updates.plaintext-url"
#define DL "updates.insecure-download"

static const char opkg[] =
	"dest root /\ndest ram /tmp\nlists_dir ext /var/opkg-lists\noption overlay_root /overlay\n"
	"option check_signature 0\n"
	"src/gz wr3000_core http://downloads.example.com/wr3000/3.2/packages/mipsel/core\n"
	"src/gz wr3000_base http://downloads.example.com/wr3000/3.2/packages/mipsel/base\n";

TEST(corpus_shapes)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/opkg.conf", opkg);
	ct_file(&t, "etc/fwupdate.conf", "# firmware update agent\n"
		"UPDATE_URL=\"http://update.example.com/ipc200/stable/firmware.bin\"\nCHECK_INTERVAL=86400\nVERIFY_SIGNATURE=0\n");
	ct_file(&t, "etc/ota/ota.json", "{\n  \"server\": \"http://ota.example.org/gw500/manifest.json\",\n"
		"  \"verify_signature\": true,\n  \"public_key\": \"/etc/ota/ota-pub.pem\",\n  \"interval_s\": 21600\n}\n");
	ct_run(&t, SIG);
	ct_run(&t, URL);
	const fg_finding *f = ct_at(&t, SIG, "/etc/opkg.conf", 5);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(ct_at(&t, SIG, "/etc/fwupdate.conf", 4) != NULL);
	CHECK(ct_at(&t, SIG, "/etc/ota/ota.json", -1) == NULL);
	f = ct_at(&t, URL, "/etc/opkg.conf", 6);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);   /* and the signature check is off */
	CHECK(strstr(f->message, "1 more") != NULL);
	CHECK(ct_at(&t, URL, "/etc/opkg.conf", 7) == NULL);
	f = ct_at(&t, URL, "/etc/fwupdate.conf", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	f = ct_at(&t, URL, "/etc/ota/ota.json", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK_INT_EQ(ct_count(&t, NULL), 5);
	ct_free(&t);
}

TEST(decoys_and_other_shapes)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/fwupdate.conf", "# firmware update agent\n"
		"UPDATE_URL=\"https://update.example.com/hub-h1/stable/firmware.bin\"\nCA_FILE=/etc/fwupdate/ca.pem\n"
		"CHECK_INTERVAL=86400\nVERIFY_SIGNATURE=1\nPUBKEY=/etc/fwupdate/release-pub.pem\n");
	ct_file(&t, "etc/opkg/distfeeds.conf", "src/gz core https://downloads.openwrt.org/x\n#src/gz old http://old.example.com\n"
		"src/gz local http://localhost:8080/feed\nsrc/gz lo http://127.0.0.1/feed\n");
	ct_file(&t, "etc/lighttpd/conf-available/10-proxy.conf", "## http://www.lighttpd.net/\nserver.url = \"http://example.com/\"\n");
	ct_file(&t, "etc/app.json", "{ \"homepage\": \"http://example.com\", \"signature_check\": \"no\" }\n");
	ct_file(&t, "etc/swupdate/x.conf", "verify = no\nfirmware_url = http://fw.example.net/x.swu\n");
	ct_file(&t, "etc/apt/sources.list", "deb http://deb.debian.org/debian bookworm main\n");
	ct_run(&t, SIG);
	ct_run(&t, URL);
	CHECK(ct_at(&t, SIG, "/etc/fwupdate.conf", -1) == NULL);
	CHECK(ct_at(&t, URL, "/etc/fwupdate.conf", -1) == NULL);
	CHECK(ct_at(&t, URL, "/etc/opkg/distfeeds.conf", -1) == NULL);
	CHECK(ct_at(&t, URL, "/etc/lighttpd/conf-available/10-proxy.conf", -1) == NULL);
	CHECK(ct_at(&t, URL, "/etc/app.json", -1) == NULL);
	CHECK(ct_at(&t, SIG, "/etc/swupdate/x.conf", 1) != NULL);   /* "verify" in an updater's file */
	const fg_finding *f = ct_at(&t, URL, "/etc/swupdate/x.conf", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	f = ct_at(&t, URL, "/etc/apt/sources.list", 1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_LOW);
	ct_free(&t);
}

TEST(update_agents)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/rauc/system.conf", "[system]\ncompatible=x\nbootloader=uboot\n\n[slot.rootfs.0]\ndevice=/dev/mmcblk0p2\n");
	ct_file(&t, "etc/mender/mender.conf", "{\n  \"ServerURL\": \"https://hosted.mender.io\"\n}\n");
	ct_file(&t, "etc/init.d/rcS", "#!/bin/sh\nfor s in /etc/init.d/S??*; do $s start; done\n");
	ct_file(&t, "etc/init.d/S80swupdate", "#!/bin/sh\n/usr/bin/swupdate -w \"-r /www\" -p reboot &\n");
	ct_run(&t, SIG);
	CHECK(ct_at(&t, SIG, "/etc/rauc/system.conf", 1) != NULL);
	CHECK(ct_at(&t, SIG, "/etc/mender/mender.conf", 1) != NULL);
	CHECK(ct_at(&t, SIG, "/etc/init.d/S80swupdate", 2) != NULL);
	ct_free(&t);
	t = ct_new();
	ct_file(&t, "etc/rauc/system.conf", "[system]\ncompatible=x\n[keyring]\npath=/etc/rauc/ca.cert.pem\n");
	ct_file(&t, "etc/mender/mender.conf", "{ \"ArtifactVerifyKey\": \"/etc/mender/artifact-verify-key.pem\" }\n");
	ct_file(&t, "etc/init.d/S80swupdate", "#!/bin/sh\n/usr/bin/swupdate -k /etc/swupdate.pem -w x &\n");
	ct_run(&t, SIG);
	CHECK_INT_EQ(ct_count(&t, NULL), 0);
	ct_free(&t);
}

TEST(insecure_downloads)
{
	ct_tree t = ct_new();
	ct_file(&t, "usr/sbin/fw_update.sh",
		"#!/bin/sh\n# curl -k is bad\necho \"use curl -k\"\nURL=https://update.example.com/fw.bin\n"
		"curl -fsSk -o /tmp/fw.bin \"$URL\"\ncurl --insecure https://x/ping\n");
	ct_file(&t, "etc/init.d/S70fetch", "#!/bin/sh\nwget --no-check-certificate -O /tmp/cfg https://cfg.example.com/c\n");
	ct_file(&t, "usr/bin/ok.sh", "#!/bin/sh\ncurl -K /etc/curlrc https://x\ncurl -sS https://x\nwget -q https://x\n");
	ct_file(&t, "usr/share/doc/x.txt", "curl -k https://x\n");
	ct_run(&t, DL);
	const fg_finding *f = ct_at(&t, DL, "/usr/sbin/fw_update.sh", 5);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->message, "2 such commands") != NULL);
	f = ct_at(&t, DL, "/etc/init.d/S70fetch", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK_INT_EQ(ct_count(&t, NULL), 2);
	ct_free(&t);
}

TEST(updates_survive_hostile_files)
{
	ct_tree t = ct_new();
	size_t glen = 64 * 1024;
	char *g = malloc(glen);
	uint32_t x = 5;
	static const char alphabet[] = "src/gz http:// =\"'\n:{}verify_signature 0 curl -k wget ";
	for (size_t i = 0; i < glen; i++) {
		x = x * 1103515245u + 12345u;
		g[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
	}
	ct_bytes(&t, "etc/opkg.conf", g, glen);
	ct_bytes(&t, "etc/update.conf", g, glen);
	ct_bytes(&t, "etc/ota/ota.json", g, glen);
	ct_bytes(&t, "etc/init.d/S10g", g, glen);
	ct_bytes(&t, "etc/rauc/system.conf", g, glen);
	ct_run(&t, SIG);
	ct_run(&t, URL);
	ct_run(&t, DL);
	CHECK(ct_count(&t, URL) <= 3);   /* one per file at most */
	ct_free(&t);
	free(g);
}
