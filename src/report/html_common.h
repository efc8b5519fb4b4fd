/*
 * html_common.h - what the HTML report and the HTML diff share: escaping,
 * the page frame (inline CSS and JS from data/report/, the error hook, a
 * Content-Security-Policy that forbids every fetch) and small widgets.
 *
 * Every string that may come from an image goes through fg_html_esc() or a
 * %s of fg_hprintf(): both escape & < > " ' and replace control characters
 * (but tab, newline and carriage return) and invalid UTF-8 with U+FFFD,
 * so text is safe in element content and in quoted
 * attribute values alike. Nothing from an image is ever written into a
 * <script> or <style> element.
 */
#ifndef FG_HTML_COMMON_H
#define FG_HTML_COMMON_H

#include <stdint.h>
#include <stdio.h>

#include "firmgate.h"

/* Writes S (NULL writes nothing) HTML-escaped. */
void fg_html_esc(FILE *out, const char *s);
void fg_html_escn(FILE *out, const char *s, size_t n);

/* printf whose %s arguments are HTML-escaped (NULL prints nothing; a
 * precision limits the bytes, a width is ignored) and so is %c; the other
 * conversions (d i u o x X f e g a p, with flags, width, precision and the
 * length modifiers) behave as in printf. Markup belongs in FMT only. */
void fg_hprintf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes S as an id/fragment token: [A-Za-z0-9.-] kept, anything else
 * (and '_') as _XX, so distinct strings give distinct tokens. */
void fg_html_token(FILE *out, const char *s);

/* Opens the page: doctype, head with TITLE, the inline stylesheet, the
 * error hook, and <body>. */
void fg_html_begin(FILE *out, const char *title);
/* The controls bar: table of contents (NAV_HTML, trusted markup built by
 * the caller from literals), the filter box and, when SEVERITY_TOGGLES,
 * one toggle per severity. */
void fg_html_controls(FILE *out, const char *nav_html, int severity_toggles);
/* Closes the page: footer, the inline script, </html>. */
void fg_html_end(FILE *out);

/* "12.3 MiB" style sizes. */
void fg_html_bytes(FILE *out, uint64_t n);
/* A severity badge. */
void fg_html_sev(FILE *out, fg_severity s);

#endif
