/*
 * security_txt.h - the RFC 9116 security.txt parser behind the
 * disclosure.security-txt check (src/checks/disclosure_security_txt.c).
 */
#ifndef FG_SECURITY_TXT_H
#define FG_SECURITY_TXT_H

#include <stddef.h>
#include <time.h>

#include "firmgate.h"
#include "core/result.h"

#define FG_SECTXT_MAX_BYTES (1u << 20)

/* One problem: LINE is 1-based (0 for the file as a whole), SUBJECT a
 * short stable key ("expires-past", "contact-missing") for fingerprints,
 * MSG the problem without file name or line. */
typedef void (*fg_sectxt_fn)(void *arg, unsigned line, fg_severity sev, const char *subject,
			     const char *msg);

/* Parses LEN bytes of TEXT as a security.txt (plain or inside a PGP
 * signed message; the signature is not verified) and calls FN for every
 * problem: Contact missing or not a URI or a web URI that is not https;
 * Expires missing, repeated, not an RFC 3339 date-time, in the past
 * (before NOW) or more than a year ahead; Preferred-Languages repeated or
 * malformed; http:// in Canonical, Policy, Acknowledgments, Hiring,
 * Encryption, CSAF; lines that are neither field nor comment; a broken
 * signed-message frame. Returns the number of problems. */
size_t fg_security_txt_check(const char *text, size_t len, time_t now, fg_sectxt_fn fn, void *arg);

/* Validates RES->opts.security_txt_file, when set, and adds its problems
 * as findings of disclosure.security-txt (path: the file as given). */
void fg_security_txt_external(fg_result *res);

#endif
