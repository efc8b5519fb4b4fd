/*
 * upd_signature.c - update signature checks switched off.
 *
 * An update that is not signature-checked lets whoever controls the
 * download (or the network path to it) install their own firmware.
 * Rules:
 *   opkg       /etc/opkg.conf, /etc/opkg/ *.conf: "option check_signature"
 *              with 0 / false / no / off -- HIGH;
 *   settings   in configuration files (checks/files.h), a key whose
 *              normalised name is verifysignature, checksignature,
 *              signaturecheck, signatureverification, verifysig, sigcheck,
 *              checksig, verifysignatures, requiresignature, signaturerequired,
 *              enforcesignature, validatesignature, verifyimage,
 *              verifyfirmware or verifyupdate, set to 0 / false / no / off /
 *              n / disabled (KEY=VALUE, "key": false, UCI option) -- HIGH;
 *              "verify" switched off likewise, but only in files whose path
 *              names an updater (update, upgrade, ota, fwupdate, firmware,
 *              swu);
 *   RAUC       /etc/rauc/system.conf without a [keyring] path -- HIGH;
 *   Mender     /etc/mender/mender.conf without ArtifactVerifyKey(s) --
 *              MEDIUM (artifacts are installed without a signature check);
 *   swupdate   started at boot without -k/--key while /etc/swupdate.cfg
 *              (if any) names no public-key-file -- MEDIUM.
 * "verify_signature": true and VERIFY_SIGNATURE=1 never fire.
 */
#include <stdio.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"

static bool signature_key(const char *norm)
{
	static const char *const keys[] = {
		"verifysignature", "checksignature", "signaturecheck", "signatureverification",
		"verifysig", "sigcheck", "checksig", "verifysignatures", "requiresignature",
		"signaturerequired", "enforcesignature", "validatesignature", "verifyimage",
		"verifyfirmware", "verifyupdate", "checksignatures", "signatureverify", NULL,
	};
	for (const char *const *k = keys; *k; k++)
		if (strcmp(norm, *k) == 0)
			return true;
	return false;
}

static bool updater_path(const char *path)
{
	static const char *const words[] = { "update", "upgrade", "ota", "fwupd", "firmware", "swu", NULL };
	for (const char *const *w = words; *w; w++)
		if (fg_memcasemem(path, strlen(path), *w))
			return true;
	return false;
}

static void scan_file(fg_check_ctx *ctx, const fg_file *f)
{
	const char *t = (const char *)f->node->data, *s;
	size_t len = f->node->data_len < FG_TEXT_MAX ? f->node->data_len : FG_TEXT_MAX, l;
	bool opkg = strstr(f->path, "/opkg") != NULL;
	if (!opkg && !fg_is_config_file(f, t, len))
		return;
	if (!fg_memcasemem(t, len, "sig") && !fg_memcasemem(t, len, "verify"))
		return;
	bool updater = updater_path(f->path);
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	while (fg_line_next(&it, &s, &l)) {
		fg_kv kv;
		if (!l || l > 4096 || !fg_kv_parse(s, l, &kv) || !fg_value_is_off(kv.val, kv.vlen))
			continue;
		char norm[64];
		fg_key_norm(kv.key, kv.klen, norm, sizeof(norm));
		bool hit = signature_key(norm) || (updater && strcmp(norm, "verify") == 0);
		if (!hit)
			continue;
		char subject[128];
		snprintf(subject, sizeof(subject), "signature:%s", norm);
		fg_report_at(ctx, f->node, it.no, -1, -1, subject, NULL,
			     "%s switches update signature checking off (line %u: %.*s %.*s). %s",
			     f->path, it.no, (int)(kv.klen > 60 ? 60 : kv.klen), kv.key,
			     (int)(kv.vlen > 20 ? 20 : kv.vlen), kv.val,
			     opkg ? "opkg then installs packages nobody signed, from any server that "
				    "answers for the feed." : "Any image offered to the updater is "
				    "installed, whoever built it.");
	}
}

static const fg_node *file_at(fg_check_ctx *ctx, const char *path, const char **t, size_t *len)
{
	const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, path));
	return n && fg_text_of(n, t, len) ? n : NULL;
}

static void check_rauc(fg_check_ctx *ctx)
{
	const char *t, *s;
	size_t len, l;
	const fg_node *n = file_at(ctx, "/etc/rauc/system.conf", &t, &len);
	if (!n)
		return;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	bool in_keyring = false, keyring = false;
	while (fg_line_next(&it, &s, &l)) {
		if (l && s[0] == '[')
			in_keyring = l >= 9 && strncmp(s, "[keyring]", 9) == 0;
		else if (in_keyring && ((l > 4 && strncmp(s, "path", 4) == 0) ||
					(l > 9 && strncmp(s, "directory", 9) == 0)))
			keyring = true;
	}
	if (!keyring)
		fg_report_at(ctx, n, 1, 0, -1, "rauc:keyring", NULL,
			     "/etc/rauc/system.conf has no [keyring] path: RAUC cannot verify bundle "
			     "signatures.");
}

static void check_mender(fg_check_ctx *ctx)
{
	const char *t;
	size_t len;
	const fg_node *n = file_at(ctx, "/etc/mender/mender.conf", &t, &len);
	if (n && !memmem(t, len, "ArtifactVerifyKey", 17))
		fg_report_at(ctx, n, 1, 0, FG_SEV_MEDIUM, "mender:verify-key", NULL,
			     "/etc/mender/mender.conf sets no ArtifactVerifyKey: the Mender client "
			     "installs artifacts without checking a signature.");
}

static void check_swupdate(fg_check_ctx *ctx)
{
	const char *t;
	size_t len;
	const fg_node *cfg = file_at(ctx, "/etc/swupdate.cfg", &t, &len);
	if (cfg && memmem(t, len, "public-key-file", 15))
		return;
	const fg_boot *b = fg_boot_of(ctx);
	for (size_t i = 0; b && i < b->v.n; i++) {
		const fg_boot_start *s = &b->v.v[i];
		if (strcmp(fg_base_name(s->prog), "swupdate") != 0 || fg_boot_option(s, "-k") ||
		    fg_boot_option(s, "--key"))
			continue;
		int sev = fg_boot_severity(s, FG_SEV_MEDIUM);
		if (sev < 0)
			continue;
		char where[1600];
		fg_boot_describe(s, where, sizeof(where));
		fg_report_at(ctx, s->node, s->line, -1, sev, "swupdate:key", NULL,
			     "swupdate is started without a public key (-k) from %s%s: unless the "
			     "build enforces signed images, any .swu is installed.", where,
			     cfg ? " and /etc/swupdate.cfg names no public-key-file" : "");
		return;
	}
}

static void run(fg_check_ctx *ctx)
{
	const fg_files *files = fg_files_of(ctx);
	for (size_t i = 0; files && i < files->v.n; i++)
		if (files->v.v[i].text)
			scan_file(ctx, &files->v.v[i]);
	check_rauc(ctx);
	check_mender(ctx);
	check_swupdate(ctx);
}

const fg_check fg_check_update_signature = {
	.id = "updates.signature-disabled",
	.title = "Update signature verification disabled",
	.severity = FG_SEV_HIGH,
	.remediation = "Verify a signature on every update before installing it (opkg "
		       "check_signature, signed images with the public key on the device, RAUC "
		       "keyring, Mender ArtifactVerifyKey, swupdate -k) (ETSI EN 303 645 5.3-6).",
	.run = run,
};
