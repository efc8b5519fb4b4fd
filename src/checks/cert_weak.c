/*
 * cert_weak.c - certificates with weak keys or weak signatures.
 *
 * For every X.509 certificate of the tree (checks/certs.h):
 *   key        RSA or DSA under 2048 bits (HIGH under 1024, else MEDIUM),
 *              EC under 224 bits (MEDIUM);
 *   signature  MD2, MD4, MD5 or SHA-1 (MEDIUM; LOW when the certificate
 *              is self-signed: a trust anchor's own signature is not what
 *              clients rely on, but the message says so).
 * One finding per certificate with every weakness in the message; the
 * message says whether it is self-signed. Bundles and the system trust
 * store are summarised once (LOW) with counts, like certificates.expired;
 * there, a self-signed root's SHA-1 signature does not count (common and
 * harmless in trust stores), a weak key does.
 */
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/certs.h"
#include "checks/check.h"

typedef struct group {
	const fg_file *file;
	unsigned total, weak;
	fg_cert first;
	char why[160];
} group;

typedef struct state {
	fg_check_ctx *ctx;
	group bundles[64];
	size_t nbundles;
	group store;
} state;

/* Returns the severity (-1: not weak) and describes the weaknesses. */
static int weakness(const fg_cert *c, char *why, size_t cap)
{
	int sev = -1;
	why[0] = '\0';
	EVP_PKEY *pk = X509_get0_pubkey(c->x509);
	if (pk) {
		int id = EVP_PKEY_get_base_id(pk), bits = EVP_PKEY_get_bits(pk);
		const char *alg = id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS ? "RSA" :
				  id == EVP_PKEY_DSA ? "DSA" : id == EVP_PKEY_EC ? "EC" : NULL;
		if (alg && bits > 0 && ((id != EVP_PKEY_EC && bits < 2048) || (id == EVP_PKEY_EC && bits < 224))) {
			snprintf(why, cap, "%s %d-bit key", alg, bits);
			sev = id != EVP_PKEY_EC && bits < 1024 ? FG_SEV_HIGH : FG_SEV_MEDIUM;
		}
	}
	int md = NID_undef, pknid = NID_undef;
	int signid = X509_get_signature_nid(c->x509);
	if (OBJ_find_sigid_algs(signid, &md, &pknid) &&
	    (md == NID_md5 || md == NID_sha1 || md == NID_md4 || md == NID_md2)) {
		size_t n = strlen(why);
		snprintf(why + n, cap - n, "%s%s signature", n ? ", " : "", OBJ_nid2sn(md));
		int s = c->self_signed ? FG_SEV_LOW : FG_SEV_MEDIUM;
		if (s > sev)
			sev = s;
	}
	return sev;
}

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
	char why[160], subject[64], excerpt[260];
	int sev = weakness(c, why, sizeof(why));
	if (c->group) {
		group *g = group_of(st, c);
		g->total++;
		/* a root's own SHA-1 signature is normal in trust stores: count
		 * weak keys, and weak signatures on certificates that are not
		 * self-signed */
		bool counts = sev >= 0 && (strstr(why, "-bit key") || !c->self_signed);
		if (counts && g->weak++ == 0) {
			g->first = *c;
			g->first.x509 = NULL;
			snprintf(g->why, sizeof(g->why), "%s", why);
		}
		return;
	}
	if (sev < 0)
		return;
	snprintf(subject, sizeof(subject), "cert:%s", c->fp);
	snprintf(excerpt, sizeof(excerpt), "%s: %s", c->subject, why);
	fg_report_at(st->ctx, c->file->node, c->line, c->offset, sev, subject, excerpt,
		     "%s holds a certificate (%s%s) with a %s.%s", c->file->path, c->subject,
		     c->self_signed ? ", self-signed" : "", why,
		     c->self_signed ? " It is self-signed, so clients can only trust it by pinning it "
				      "or by not checking certificates at all." : "");
}

static void summary(state *st, const group *g)
{
	if (!g->weak)
		return;
	char subject[1200];
	const fg_cert *c = &g->first;
	snprintf(subject, sizeof(subject), "bundle:%s", g->file ? g->file->path : "trust-store");
	fg_report_at(st->ctx, c->file->node, c->line, c->offset, FG_SEV_LOW, subject, c->subject,
		     "%s: %u of %u certificates have weak keys or signatures (first: %s, %s, in %s).",
		     g->file ? g->file->path : "System trust store", g->weak, g->total, c->subject,
		     g->why, c->file->path);
}

static void run(fg_check_ctx *ctx)
{
	state *st = calloc(1, sizeof(*st));
	if (!st)
		return;
	st->ctx = ctx;
	fg_certs_each(ctx, one, st);
	for (size_t i = 0; i < st->nbundles; i++)
		summary(st, &st->bundles[i]);
	summary(st, &st->store);
	free(st);
}

const fg_check fg_check_cert_weak = {
	.id = "certificates.weak",
	.title = "Certificate with a weak key or signature",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Reissue the certificate with an RSA key of at least 2048 bits or an EC key "
		       "(P-256 or better) and a SHA-256 (or stronger) signature.",
	.run = run,
};
