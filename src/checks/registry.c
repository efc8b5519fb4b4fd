/*
 * registry.c - every check, in report order.
 *
 * Adding a check: write checks/<name>.c defining `const fg_check
 * fg_check_<name>` and add one X(<name>) line to CHECKS below.
 */
#include <string.h>

#include "checks/check.h"

#define CHECKS(X) \
	X(empty_password) \
	X(default_password) \
	X(weak_hash) \
	X(plaintext_password) \
	X(uid0_account) \
	X(telnet) \
	X(private_key) \
	X(ssh_host_key) \
	X(cloud_credential) \
	X(cert_expired) \
	X(cert_weak) \
	X(ftp) \
	X(snmp) \
	X(upnp) \
	X(backdoor) \
	X(mqtt_anonymous) \
	X(debug_daemons) \
	X(root_daemons) \
	X(serial_shell) \
	X(kernel_cmdline) \
	X(uboot_env) \
	X(update_mechanism) \
	X(update_signature) \
	X(update_plaintext_url) \
	X(update_insecure_download) \
	X(duplicate_account) \
	X(wifi_passphrase) \
	X(tls_weak_config) \
	X(security_txt) \
	X(fs_hygiene) \
	X(hardening_nx) \
	X(hardening_pie) \
	X(hardening_relro) \
	X(hardening_canary) \
	X(hardening_fortify) \
	X(hardening_rpath) \
	X(hardening_dangerous) \
	X(kernel_config)

#define DECLARE(n) extern const fg_check fg_check_##n;
CHECKS(DECLARE)
#undef DECLARE

#define ENTRY(n) &fg_check_##n,
static const fg_check *const checks[] = { CHECKS(ENTRY) };
#undef ENTRY

size_t fg_check_count(void)
{
	return sizeof(checks) / sizeof(checks[0]);
}

const fg_check *fg_check_at(size_t i)
{
	return i < fg_check_count() ? checks[i] : NULL;
}

const fg_check *fg_check_find(const char *id)
{
	for (size_t i = 0; i < fg_check_count(); i++)
		if (strcmp(checks[i]->id, id) == 0)
			return checks[i];
	return NULL;
}
