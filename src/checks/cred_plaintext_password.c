/*
 * cred_plaintext_password.c - passwords stored in the clear in service
 * credential files.
 *
 * Rule: every entry of a credential store (checks/credstore.h) whose
 * secret is the password itself -- lighttpd plain user files, busybox /
 * uhttpd httpd.conf, GoAhead auth.txt, mosquitto password files never
 * hashed, ppp chap/pap secrets, NVRAM default passwords -- is reported
 * at its line, HIGH: the password is the same in every unit and anyone
 * holding the image reads it. Placeholders, "@file" and "$p$user"
 * references never fire. The excerpt shows two characters and the
 * length of the secret at most.
 */
#include <stdio.h>
#include <string.h>

#include "checks/check.h"
#include "checks/credstore.h"
#include "checks/files.h"

static void run(fg_check_ctx *ctx)
{
	const fg_creds *c = fg_creds_of(ctx);
	for (size_t i = 0; c && i < c->v.n; i++) {
		const fg_cred *e = &c->v.v[i];
		if (!e->plain)
			continue;
		char ex[320], subject[200];
		fg_redact_in_line(e->line_text, strlen(e->line_text), e->secret_off, e->secret_len,
				  ex, sizeof(ex));
		snprintf(subject, sizeof(subject), "%s:%.100s", e->store, e->user);
		fg_report_at(ctx, e->node, e->line, e->offset, -1, subject, ex,
			     "%s (%s) stores the password of '%s' in the clear (line %u): it is "
			     "the same in every unit, so anyone with the image can log in to every "
			     "device.", e->path, e->store, e->user, e->line);
	}
}

const fg_check fg_check_plaintext_password = {
	.id = "credentials.plaintext-password",
	.title = "Password stored in the clear",
	.severity = FG_SEV_HIGH,
	.remediation = "Do not ship service passwords in the image: set them per device at "
		       "manufacturing or require the owner to choose one on first use, and store "
		       "only salted, slow hashes (ETSI EN 303 645 5.1-1, 5.4-1; UK PSTI Schedule 1 "
		       "para. 1).",
	.run = run,
};
