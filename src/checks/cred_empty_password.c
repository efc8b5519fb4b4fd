/*
 * cred_empty_password.c - accounts that log in without a password.
 *
 * Rule: an account whose effective password field (passwd, or shadow
 * when passwd says "x") is empty. Locked fields ('!', '*', "!!") and
 * NIS "+" lines are not empty passwords and never fire. uid 0 makes it
 * critical: that is a root shell for anyone who reaches a login prompt.
 */
#include <stdio.h>
#include <string.h>

#include "checks/accounts.h"
#include "checks/check.h"

/* A shell that refuses interactive logins still leaves the account open
 * to services that authenticate against passwd/shadow (ftp, web UIs). */
static bool is_nologin_shell(const char *shell)
{
	const char *base = strrchr(shell, '/');
	base = base ? base + 1 : shell;
	return strcmp(base, "nologin") == 0 || strcmp(base, "false") == 0;
}

static void report_empty(fg_check_ctx *ctx, const fg_account *acc)
{
	char path[1024] = "?", msg[2400], excerpt[80], uid[32] = "", shell[600] = "";
	if (acc->hash_node)
		fg_node_path(acc->hash_node, path, sizeof(path));
	if (acc->uid != FG_UID_UNKNOWN)
		snprintf(uid, sizeof(uid), " (uid %u)", acc->uid);
	if (is_nologin_shell(acc->shell))
		snprintf(shell, sizeof(shell), " (its shell is %.256s, but services that check "
			 "passwords may still accept it)", acc->shell);
	snprintf(msg, sizeof(msg),
		 "Account '%s'%s has an empty password field in %s: it accepts a login "
		 "without any password%s.", acc->name, uid, path, shell);
	/* Only the name and the empty field: nothing beyond is evidence. */
	snprintf(excerpt, sizeof(excerpt), "%s::", acc->name);

	fg_report_item item = {
		.node = acc->hash_node,
		.line = acc->hash_line,
		.offset = acc->hash_offset,
		.message = msg,
		.excerpt = excerpt,
		.subject = acc->name,
		.severity = acc->uid == 0 ? FG_SEV_CRITICAL : -1,
	};
	fg_ctx_report(ctx, &item);
}

static void run(fg_check_ctx *ctx)
{
	const fg_accounts *a = fg_accounts_of(ctx);
	if (!a)
		return;
	for (size_t i = 0; i < a->v.n; i++)
		if (a->v.v[i].state == FG_PW_EMPTY)
			report_empty(ctx, &a->v.v[i]);
}

const fg_check fg_check_empty_password = {
	.id = "credentials.empty-password",
	.title = "Account with an empty password",
	.severity = FG_SEV_HIGH,
	.remediation = "Give the account a unique per-device password set at first use, or lock it "
		       "('!' or '*' in the password field) if nobody needs to log in as it.",
	.run = run,
};
