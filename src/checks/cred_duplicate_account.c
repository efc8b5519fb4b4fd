/*
 * cred_duplicate_account.c - the same account listed twice.
 *
 * From the accounts parser (checks/accounts.h): a name that appears on
 * more than one line of /etc/passwd or of /etc/shadow. Login uses the
 * first entry; the later one is at best dead weight, at worst a second
 * credential that resurfaces when the file is edited by a tool that keeps
 * the last entry, and always a sign the file was edited by hand (IoTGoat's
 * shadow lists dnsmasq twice). LOW when the lines are identical, MEDIUM
 * when they differ. Second root accounts (uid 0) are
 * credentials.uid0-account's.
 */
#include <stdio.h>
#include <string.h>

#include "checks/accounts.h"
#include "checks/check.h"
#include "checks/files.h"

static void run(fg_check_ctx *ctx)
{
	const fg_accounts *a = fg_accounts_of(ctx);
	for (size_t i = 0; a && i < a->dups.n; i++) {
		const fg_account_dup *d = &a->dups.v[i];
		char path[1024] = "?", subject[200], excerpt[100];
		if (d->node)
			fg_node_path(d->node, path, sizeof(path));
		snprintf(subject, sizeof(subject), "duplicate:%.150s", d->name);
		snprintf(excerpt, sizeof(excerpt), "%.64s:\xe2\x80\xa6", d->name); /* no hash */
		fg_report_at(ctx, d->node, d->line, d->offset, d->same ? FG_SEV_LOW : FG_SEV_MEDIUM,
			     subject, excerpt,
			     "Account '%s' is listed twice in %s (line %u, first at line %u)%s. Login "
			     "uses the first entry; the second is a hand edit left behind and may "
			     "come back into use when the file is rewritten.", d->name, path, d->line,
			     d->first_line, d->same ? ", identically" : ", with different fields");
	}
}

const fg_check fg_check_duplicate_account = {
	.id = "credentials.duplicate-account",
	.title = "Account listed twice",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Keep one entry per account in /etc/passwd and /etc/shadow (pwck/grpck find "
		       "duplicates).",
	.run = run,
};
