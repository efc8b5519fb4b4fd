/*
 * registry.c - every check, in report order.
 *
 * Adding a check: write checks/<name>.c defining `const fg_check
 * fg_check_<name>` and add one line below.
 */
#include <string.h>

#include "checks/check.h"

extern const fg_check fg_check_empty_password;
extern const fg_check fg_check_default_password;
extern const fg_check fg_check_telnet;
extern const fg_check fg_check_private_key;
extern const fg_check fg_check_ssh_host_key;
extern const fg_check fg_check_cloud_credential;
extern const fg_check fg_check_cert_expired;
extern const fg_check fg_check_cert_weak;
extern const fg_check fg_check_ftp;
extern const fg_check fg_check_snmp;
extern const fg_check fg_check_upnp;
extern const fg_check fg_check_backdoor;
extern const fg_check fg_check_mqtt_anonymous;
extern const fg_check fg_check_debug_daemons;
extern const fg_check fg_check_root_daemons;
extern const fg_check fg_check_serial_shell;
extern const fg_check fg_check_kernel_cmdline;
extern const fg_check fg_check_uboot_env;
extern const fg_check fg_check_update_signature;
extern const fg_check fg_check_update_plaintext_url;
extern const fg_check fg_check_update_insecure_download;
extern const fg_check fg_check_duplicate_account;
extern const fg_check fg_check_wifi_passphrase;
extern const fg_check fg_check_tls_weak_config;
extern const fg_check fg_check_fs_hygiene;
extern const fg_check fg_check_hardening_nx;
extern const fg_check fg_check_hardening_pie;
extern const fg_check fg_check_hardening_relro;
extern const fg_check fg_check_hardening_canary;
extern const fg_check fg_check_hardening_fortify;
extern const fg_check fg_check_hardening_rpath;
extern const fg_check fg_check_hardening_dangerous;
extern const fg_check fg_check_kernel_config;

static const fg_check *const checks[] = {
	&fg_check_empty_password,
	&fg_check_default_password,
	&fg_check_telnet,
	&fg_check_private_key,
	&fg_check_ssh_host_key,
	&fg_check_cloud_credential,
	&fg_check_cert_expired,
	&fg_check_cert_weak,
	&fg_check_ftp,
	&fg_check_snmp,
	&fg_check_upnp,
	&fg_check_backdoor,
	&fg_check_mqtt_anonymous,
	&fg_check_debug_daemons,
	&fg_check_root_daemons,
	&fg_check_serial_shell,
	&fg_check_kernel_cmdline,
	&fg_check_uboot_env,
	&fg_check_update_signature,
	&fg_check_update_plaintext_url,
	&fg_check_update_insecure_download,
	&fg_check_duplicate_account,
	&fg_check_wifi_passphrase,
	&fg_check_tls_weak_config,
	&fg_check_fs_hygiene,
	&fg_check_hardening_nx,
	&fg_check_hardening_pie,
	&fg_check_hardening_relro,
	&fg_check_hardening_canary,
	&fg_check_hardening_fortify,
	&fg_check_hardening_rpath,
	&fg_check_hardening_dangerous,
	&fg_check_kernel_config,
};

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
