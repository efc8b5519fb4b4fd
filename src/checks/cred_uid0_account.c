/*
 * cred_uid0_account.c - accounts other than root with user ID 0.
 *
 * Rule: every /etc/passwd entry with UID 0 whose name is not "root" is
 * reported at its line. Such an account has every privilege root has,
 * under a name audits and login restrictions ("PermitRootLogin no",
 * securetty) do not look for; vendors use them as service backdoors.
 * HIGH when the account can log in (a hash, an empty password, or no
 * shadow entry to lock it) and has a shell; LOW when its password is
 * locked or its shell is nologin/false (toor-style spare entries).
 */
#include <stdio.h>
#include <string.h>

#include "checks/accounts.h"
#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"

static bool no_shell(const char *shell)
{
	const char *b = fg_base_name(shell);
	return strcmp(b, "nologin") == 0 || strcmp(b, "false") == 0 || strcmp(b, "sync") == 0 ||
	       strcmp(b, "halt") == 0 || strcmp(b, "shutdown") == 0;
}

static void run(fg_check_ctx *ctx)
{
	const fg_accounts *a = fg_accounts_of(ctx);
	for (size_t i = 0; a && i < a->v.n; i++) {
		const fg_account *acc = &a->v.v[i];
		if (acc->uid != 0 || strcmp(acc->name, "root") == 0 || !acc->passwd_node)
			continue;
		bool usable = acc->state == FG_PW_HASH || acc->state == FG_PW_EMPTY;
		bool high = usable && !no_shell(acc->shell);
		char path[1024] = "?", ex[300];
		fg_node_path(acc->passwd_node, path, sizeof(path));
		/* The passwd line may hold the hash itself. */
		const char *raw = acc->passwd_raw;
		const char *h = acc->hash[0] && acc->hash_node == acc->passwd_node ?
				strstr(raw, acc->hash) : NULL;
		if (h)
			fg_redact_in_line(raw, strlen(raw), (size_t)(h - raw), strlen(acc->hash), ex,
					  sizeof(ex));
		else
			snprintf(ex, sizeof(ex), "%.200s", raw);
		fg_report_at(ctx, acc->passwd_node, acc->passwd_line, -1,
			     high ? FG_SEV_HIGH : FG_SEV_LOW, acc->name, ex,
			     "Account '%s' in %s has user ID 0: it is a second root account%s.",
			     acc->name, path,
			     high ? " that can log in with a password" :
			     " (its password is locked or it has no login shell)");
	}
}

const fg_check fg_check_uid0_account = {
	.id = "credentials.uid0-account",
	.title = "Account other than root with user ID 0",
	.severity = FG_SEV_HIGH,
	.remediation = "Give service accounts their own unprivileged user IDs and remove extra "
		       "UID 0 entries (ETSI EN 303 645 5.6-1, 5.6-7).",
	.run = run,
};
