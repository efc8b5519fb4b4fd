/* updates.mechanism: which update mechanism the tree carries. */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "fixture.h"

#define ID "updates.mechanism"

static void filler(fx_tree *t, int n)
{
	static char names[32][32];
	for (int i = 0; i < n && i < 32; i++) {
		snprintf(names[i], sizeof(names[i]), "usr/lib/lib%d.so", i);
		fx_file(t, names[i], "x");
	}
}

TEST(opkg_with_and_without_usign_keys)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/opkg.conf", "src/gz core https://example.com/core\n");
	fx_file(&t, "sbin/sysupgrade", "#!/bin/sh\n");
	fx_file(&t, "etc/opkg/keys/b5043e70f9a75cde", "untrusted comment: x\nRWS...\n");
	fx_run(&t, ID);
	const fg_finding *f = fx_finding(&t, ID, "opkg");
	REQUIRE(f != NULL);
	CHECK_INT_EQ(f->severity, FG_SEV_INFO);
	CHECK(strstr(f->message, "usign public keys are installed") != NULL);
	CHECK(fx_finding(&t, ID, "OpenWrt sysupgrade") != NULL);
	CHECK(fx_finding(&t, ID, "No software update") == NULL);
	fx_tree_free(&t);

	t = fx_tree_new(1);
	fx_file(&t, "etc/opkg.conf", "option check_signature 0\n");
	fx_run(&t, ID);
	f = fx_finding(&t, ID, "opkg");
	REQUIRE(f != NULL);
	CHECK(strstr(f->message, "no usign keys") != NULL);
	fx_tree_free(&t);
}

TEST(vendor_updater_with_public_key)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/ota/ota.json", "{\"url\": \"https://ota.example.com\", \"verify_signature\": true}\n");
	fx_file(&t, "etc/ota/ota-pub.pem", "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n");
	fx_file(&t, "usr/bin/iotad", "not an updater");   /* "iota" is not "ota" */
	fx_run(&t, ID);
	CHECK_INT_EQ(fx_count(&t, ID), 1);
	const fg_finding *f = fx_finding(&t, ID, "vendor updater");
	REQUIRE(f != NULL);
	CHECK_STR_EQ(f->path, "/etc/ota/ota.json");
	CHECK(strstr(f->message, "/etc/ota/ota-pub.pem") != NULL);
	CHECK(strstr(f->message, "iotad") == NULL);
	fx_tree_free(&t);
}

TEST(rauc_and_mender_verification_state)
{
	fx_tree t = fx_tree_new(1);
	fx_file(&t, "etc/rauc/system.conf", "[system]\ncompatible=x\n[keyring]\npath=/etc/rauc/ca.pem\n");
	fx_file(&t, "etc/mender/mender.conf", "{\"ServerURL\": \"https://m.example.com\"}\n");
	fx_run(&t, ID);
	const fg_finding *r = fx_finding(&t, ID, "RAUC");
	const fg_finding *m = fx_finding(&t, ID, "Mender");
	REQUIRE(r != NULL && m != NULL);
	CHECK(strstr(r->message, "a keyring is configured") != NULL);
	CHECK(strstr(m->message, "no ArtifactVerifyKey") != NULL);
	fx_tree_free(&t);
}

TEST(no_mechanism_in_a_full_tree_is_low)
{
	fx_tree t = fx_tree_new(1);
	filler(&t, 20);
	fx_run(&t, ID);
	const fg_finding *f = fx_finding(&t, ID, "No software update");
	REQUIRE(f != NULL);
	CHECK_INT_EQ(f->severity, FG_SEV_LOW);
	fx_tree_free(&t);

	/* a handful of files (an overlay, a config partition) proves nothing */
	t = fx_tree_new(1);
	filler(&t, 5);
	fx_run(&t, ID);
	CHECK_INT_EQ(fx_count(&t, ID), 0);
	fx_tree_free(&t);
}
