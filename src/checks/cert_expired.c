/*
 * cert_expired.c - certificates outside their validity period.
 *
 * Every X.509 certificate of the tree (checks/certs.h) is compared with
 * the scan time ($FG_NOW, seconds since the epoch, when set -- tests use
 * it; otherwise the current time): notAfter in the past is expired
 * (MEDIUM: TLS clients refuse it, or are configured to accept anything,
 * which is worse); notBefore in the future is not yet valid (LOW).
 *
 * Bundles do not flood the report: a file with 4 or more certificates,
 * and the system trust store (self-signed CAs under
 * /usr/share/ca-certificates and /etc/ssl/certs), give one LOW summary
 * each, and only when some of their certificates are expired, with the
 * counts and the first expired one. The subject of a single finding is
 * the certificate's SHA-256, so the fingerprint names the certificate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/certs.h"
#include "checks/check.h"

typedef struct group {
	const fg_file *file;    /* NULL for the trust store */
	unsigned total, expired;
	fg_cert first;          /* first expired (x509 not kept) */
	char until[16];
	bool have;
} group;

typedef struct state {
	fg_check_ctx *ctx;
	time_t now;
	group bundles[64];
	size_t nbundles;
	group store;
} state;

static group *group_of(state *st, const fg_cert *c)
{
	if (c->group == 2)
		return &st->store;
	for (size_t i = 0; i < st->nbundles; i++)
		if (st->bundles[i].file == c->file)
			return &st->bundles[i];
	if (st->nbundles >= sizeof(st->bundles) / sizeof(st->bundles[0]))
		return &st->bundles[st->nbundles - 1];
	group *g = &st->bundles[st->nbundles++];
	memset(g, 0, sizeof(*g));
	g->file = c->file;
	return g;
}

static void one(const fg_cert *c, void *arg)
{
	state *st = arg;
	time_t now = st->now;
	bool expired = X509_cmp_time(X509_get0_notAfter(c->x509), &now) < 0;
	bool future = X509_cmp_time(X509_get0_notBefore(c->x509), &now) > 0;
	char nb[16], na[16], subject[64], excerpt[260];
	fg_asn1_date(X509_get0_notBefore(c->x509), nb, sizeof(nb));
	fg_asn1_date(X509_get0_notAfter(c->x509), na, sizeof(na));
	if (c->group) {
		group *g = group_of(st, c);
		g->total++;
		if (expired && g->expired++ == 0) {
			g->first = *c;
			g->first.x509 = NULL;
			snprintf(g->until, sizeof(g->until), "%s", na);
			g->have = true;
		}
		return;
	}
	if (!expired && !future)
		return;
	snprintf(subject, sizeof(subject), "cert:%s", c->fp);
	snprintf(excerpt, sizeof(excerpt), "%s, valid %s .. %s", c->subject, nb, na);
	fg_report_at(st->ctx, c->file->node, c->line, c->offset, expired ? -1 : FG_SEV_LOW, subject,
		     excerpt,
		     "%s holds a certificate (%s%s) that %s %s (valid %s .. %s). Clients that check "
		     "certificates refuse it; clients that accept it anyway accept any certificate.",
		     c->file->path, c->subject, c->self_signed ? ", self-signed" : "",
		     expired ? "expired on" : "is not valid before", expired ? na : nb, nb, na);
}

static void summary(state *st, const group *g)
{
	if (!g->expired || !g->have)
		return;
	char subject[1200];
	const fg_cert *c = &g->first;
	snprintf(subject, sizeof(subject), "bundle:%s", g->file ? g->file->path : "trust-store");
	fg_report_at(st->ctx, c->file->node, c->line, c->offset, FG_SEV_LOW, subject, c->subject,
		     "%s: %u of %u certificates are expired (first: %s, expired %s at %s). Expired "
		     "CA certificates in a bundle are usually harmless but show the trust store is "
		     "not maintained.", g->file ? g->file->path : "System trust store", g->expired,
		     g->total, c->subject, g->until, c->file->path);
}

static void run(fg_check_ctx *ctx)
{
	state *st = calloc(1, sizeof(*st));
	if (!st)
		return;
	st->ctx = ctx;
	st->now = fg_scan_now();
	fg_certs_each(ctx, one, st);
	for (size_t i = 0; i < st->nbundles; i++)
		summary(st, &st->bundles[i]);
	summary(st, &st->store);
	free(st);
}

const fg_check fg_check_cert_expired = {
	.id = "certificates.expired",
	.title = "Expired or not yet valid certificate",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Replace the certificate, and do not ship device certificates in the image: "
		       "issue per-device certificates at manufacturing or first boot and renew them "
		       "before they expire.",
	.run = run,
};
