/*
 * upd_mechanism.c - which software update mechanism the image carries.
 *
 * ETSI EN 303 645 5.3 and the CRA ask that software can be updated
 * securely; the first fact an assessor needs is how. Each mechanism
 * found is reported once, INFO, with the file that proves it and what
 * the image shows about its signature verification:
 *   OpenWrt sysupgrade   /sbin/sysupgrade; usign keys in /etc/opkg/keys
 *   opkg                 /etc/opkg.conf or /bin/opkg; check_signature
 *   SWUpdate             swupdate binary; /etc/swupdate.cfg public-key-file
 *   RAUC                 /etc/rauc/system.conf; [keyring] path
 *   Mender               /etc/mender/mender.conf; ArtifactVerifyKey
 *   fwupd                fwupd daemon or fwupdmgr
 *   apt/dpkg             /usr/bin/apt-get with /etc/apt/trusted.gpg(.d)
 *   vendor updater       configs or programs named *fwupdate*, *upgrade*,
 *                        ota* under /etc, /sbin, /usr/sbin, /usr/bin, /bin
 *                        (keys and certificates excluded), one finding
 *                        naming them all; a public key in the same
 *                        directory is named as a sign of signed updates
 * When none is found the finding is LOW: the image shows no way to be
 * updated (a vendor updater with an unusual name is possible, so this
 * is a question for the manufacturer, not proof). Whether verification is
 * switched off is updates.signature-disabled's finding.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks/check.h"
#include "checks/boot.h"
#include "checks/files.h"

typedef struct mech {
	const char *name;
	const char *const paths[4];   /* any proves it */
} mech;

static const mech mechs[] = {
	{ "OpenWrt sysupgrade", { "/sbin/sysupgrade", "/lib/upgrade/common.sh" } },
	{ "opkg", { "/etc/opkg.conf", "/bin/opkg", "/usr/bin/opkg" } },
	{ "SWUpdate", { "/usr/bin/swupdate", "/etc/swupdate.cfg", "/usr/sbin/swupdate" } },
	{ "RAUC", { "/etc/rauc/system.conf", "/usr/bin/rauc" } },
	{ "Mender", { "/etc/mender/mender.conf", "/usr/bin/mender", "/usr/bin/mender-update" } },
	{ "fwupd", { "/usr/libexec/fwupd/fwupd", "/usr/bin/fwupdmgr", "/usr/lib/fwupd/fwupd" } },
	{ "apt/dpkg", { "/usr/bin/apt-get", "/usr/bin/apt" } },
};

static const fg_node *first_present(fg_check_ctx *ctx, const mech *m, const char **path)
{
	for (size_t i = 0; i < 4 && m->paths[i]; i++) {
		fg_node *n = fg_ctx_lookup(ctx, m->paths[i]);
		if (n) {
			*path = m->paths[i];
			return n;
		}
	}
	return NULL;
}

static bool has_dir_entries(fg_check_ctx *ctx, const char *dir)
{
	fg_node *d = fg_ctx_lookup(ctx, dir);
	return d && d->type == FG_NODE_DIR && d->nchildren > 0;
}

static bool file_contains(fg_check_ctx *ctx, const char *path, const char *needle)
{
	const uint8_t *d;
	size_t l;
	return fg_ctx_file(ctx, path, &d, &l) && fg_memcasemem((const char *)d, l, needle);
}

/* What the image shows about MECHANISM's signature checking. */
static const char *verification(fg_check_ctx *ctx, const char *name)
{
	if (strcmp(name, "OpenWrt sysupgrade") == 0 || strcmp(name, "opkg") == 0)
		return has_dir_entries(ctx, "/etc/opkg/keys") ?
		       "usign public keys are installed in /etc/opkg/keys" :
		       "no usign keys in /etc/opkg/keys";
	if (strcmp(name, "SWUpdate") == 0)
		return file_contains(ctx, "/etc/swupdate.cfg", "public-key-file") ?
		       "a public-key-file is configured" : "no public-key-file in /etc/swupdate.cfg";
	if (strcmp(name, "RAUC") == 0)
		return file_contains(ctx, "/etc/rauc/system.conf", "[keyring]") ?
		       "a keyring is configured" : "no [keyring] in system.conf";
	if (strcmp(name, "Mender") == 0)
		return file_contains(ctx, "/etc/mender/mender.conf", "ArtifactVerifyKey") ?
		       "an artifact verification key is configured" :
		       "no ArtifactVerifyKey in mender.conf";
	if (strcmp(name, "apt/dpkg") == 0)
		return fg_ctx_lookup(ctx, "/etc/apt/trusted.gpg.d") || fg_ctx_lookup(ctx, "/etc/apt/trusted.gpg") ?
		       "apt trust anchors are installed" : "no apt trust anchors";
	return "signature verification not determinable from the image";
}

static bool key_or_cert(const char *name)
{
	return fg_ends_with(name, ".pem") || fg_ends_with(name, ".pub") || fg_ends_with(name, ".crt") ||
	       fg_ends_with(name, ".key") || fg_ends_with(name, ".der") || fg_ends_with(name, ".asc") ||
	       fg_ends_with(name, ".gpg") || fg_ends_with(name, ".sig");
}

static bool vendor_updater_name(const char *name)
{
	static const char *const words[] = { "fwupdate", "fw_update", "firmware_update", "fwupgrade",
					     "fw_upgrade", "upgrade", NULL };
	if (key_or_cert(name))
		return false;
	/* "ota" only as a word of its own: "ota", "ota.json", "ota_client", not "iota" */
	if (strncasecmp(name, "ota", 3) == 0 && (!name[3] || strchr("._-", name[3])))
		return true;
	for (const char *const *w = words; *w; w++)
		if (strcasestr(name, *w))
			return true;
	return false;
}

static bool vendor_place(const char *path)
{
	return strncmp(path, "/etc/", 5) == 0 || strncmp(path, "/sbin/", 6) == 0 ||
	       strncmp(path, "/usr/sbin/", 10) == 0 || strncmp(path, "/usr/bin/", 9) == 0 ||
	       strncmp(path, "/bin/", 5) == 0;
}

static bool same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	return sa && sb && sa - a == sb - b && strncmp(a, b, (size_t)(sa - a)) == 0;
}

/* A public key shipped in the directory of updater file U: the usual
 * sign that the vendor updater checks signatures. */
static const fg_file *public_key_beside(const fg_files *files, const fg_file *u)
{
	for (size_t i = 0; i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		if (f != u && same_dir(f->path, u->path) && key_or_cert(f->name) && f->node->data &&
		    memmem(f->node->data, f->node->data_len < 65536 ? f->node->data_len : 65536,
			   "PUBLIC KEY-----", 15))
			return f;
	}
	return NULL;
}

/* Vendor updaters: one finding naming every file that shows one. */
static size_t report_vendor(fg_check_ctx *ctx, const fg_files *files)
{
	char list[700] = "";
	const fg_file *first = NULL, *key = NULL;
	size_t n = 0, used = 0;
	for (size_t i = 0; files && i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		if (!vendor_place(f->path) || !vendor_updater_name(f->name) ||
		    strcmp(f->path, "/sbin/sysupgrade") == 0 || strstr(f->path, "/opkg"))
			continue;
		if (!first)
			first = f;
		if (!key)
			key = public_key_beside(files, f);
		if (n++ < 6 && used + strlen(f->path) + 3 < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 used ? ", " : "", f->path);
	}
	if (!first)
		return 0;
	char keynote[400] = "signature verification not determinable from the image";
	if (key)
		snprintf(keynote, sizeof(keynote), "a public key is shipped beside it (%s), "
			 "which suggests signed updates", key->path);
	fg_report_at(ctx, first->node, 0, -1, -1, "mechanism:vendor", NULL,
		     "Update mechanism: vendor updater (%s%s); %s.", list,
		     n > 6 ? ", ..." : "", keynote);
	return 1;
}

static void run(fg_check_ctx *ctx)
{
	size_t found = 0;
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		const char *path = NULL;
		const fg_node *n = first_present(ctx, &mechs[i], &path);
		if (!n)
			continue;
		found++;
		char subject[64];
		snprintf(subject, sizeof(subject), "mechanism:%s", mechs[i].name);
		fg_report_at(ctx, n, 0, -1, -1, subject, NULL,
			     "Update mechanism: %s (%s); %s.", mechs[i].name, path,
			     verification(ctx, mechs[i].name));
	}
	const fg_files *files = fg_files_of(ctx);
	found += report_vendor(ctx, files);
	if (found == 0 && files && files->v.n >= 16) {
		fg_report_at(ctx, fg_ctx_root(ctx), 0, -1, FG_SEV_LOW, "mechanism:none", NULL,
			     "No software update mechanism was recognised in this file tree "
			     "(sysupgrade, opkg, SWUpdate, RAUC, Mender, fwupd, apt or a vendor updater "
			     "named *update*/*upgrade*/ota*). If the device is updated by other means, "
			     "declare how.");
	}
}

const fg_check fg_check_update_mechanism = {
	.id = "updates.mechanism",
	.title = "Software update mechanism",
	.severity = FG_SEV_INFO,
	.remediation = "Ship an update mechanism that verifies a signature over every image before "
		       "installing it, and declare how updates are delivered and for how long "
		       "(ETSI EN 303 645 5.3-1, 5.3-2, 5.3-13; CRA Annex I 2(c)).",
	.run = run,
};
