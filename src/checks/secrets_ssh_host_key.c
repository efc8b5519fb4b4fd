/*
 * secrets_ssh_host_key.c - SSH host keys baked into the image.
 *
 * /etc/ssh/ssh_host_*_key and /etc/dropbear/dropbear_*_host_key (and
 * other "*host_key" files under an ssh or dropbear directory, not .pub)
 * that hold a parseable private key: PEM (OpenSSL), the OpenSSH
 * container, or Dropbear's binary format. Every unit then has the same
 * host key, so a key taken from one device or from the update file lets
 * an attacker impersonate every device (man in the middle on SSH).
 * Empty placeholder files do not fire. One finding per file, HIGH.
 */
#include <stdio.h>
#include <string.h>

#include "checks/check.h"
#include "checks/files.h"
#include "checks/keys.h"
#include "checks/pem.h"

static bool pem_key_of(const fg_pem_set *pem, const fg_file *f, fg_keyinfo *k, unsigned *line)
{
	for (size_t i = 0; pem && i < pem->v.n; i++) {
		const fg_pem_block *b = &pem->v.v[i];
		if (b->file != f)
			continue;
		if (fg_key_from_pem(b->label, b->der, b->der_len, b->proc_encrypted, k)) {
			*line = b->line;
			return true;
		}
	}
	return false;
}

static void run(fg_check_ctx *ctx)
{
	const fg_files *files = fg_files_of(ctx);
	const fg_pem_set *pem = fg_pem_of(ctx);
	for (size_t i = 0; files && i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		if (!f->node->data_len || !fg_is_ssh_host_key_path(f->path))
			continue;
		fg_keyinfo k;
		unsigned line = 0;
		if (!pem_key_of(pem, f, &k, &line) &&
		    !(!f->text && fg_key_dropbear(f->node->data, f->node->data_len, &k)))
			continue;
		char desc[160], subject[64];
		fg_key_describe(&k, desc, sizeof(desc));
		snprintf(subject, sizeof(subject), "hostkey:%s", k.fp);
		fg_report_at(ctx, f->node, line, 0, -1, subject, "(host key material redacted)",
			     "SSH host key %s (%s) is baked into the image. Every unit has the same "
			     "host key: one key extracted from a device or the update file lets an "
			     "attacker impersonate any device and intercept SSH sessions.", f->path, desc);
	}
}

const fg_check fg_check_ssh_host_key = {
	.id = "secrets.ssh-host-key",
	.title = "SSH host key shipped in the image",
	.severity = FG_SEV_HIGH,
	.remediation = "Remove the host keys from the image and generate them on first boot "
		       "(ssh-keygen -A, dropbearkey, or dropbear -R), so every unit has its own.",
	.run = run,
};
