/*
 * ar.c - Unix ar archives through libarchive: static libraries, Debian
 * .deb packages and OpenWrt .ipk packages in their ar form.
 *
 * "!<arch>\n" is followed by members, each a 60-byte text header (name,
 * mtime, uid, gid, octal mode, decimal size, "`\n") and its data, padded
 * to an even length. The probe walks those headers itself, so the chunk
 * ends exactly after the last well-formed member. Long names (GNU "//"
 * table and "/N" references, BSD "#1/N") are libarchive's business; the
 * GNU and BSD symbol tables are the linker's, and are left out.
 *
 * Member data is stored verbatim, so nodes point into the input.
 */
#include <archive.h>
#include <string.h>

#include "unpack/archive_common.h"

#define AR_MAGIC "!<arch>\n"
#define AR_MAGIC_LEN 8
#define AR_HDR 60
#define AR_NAME_LEN 16
#define AR_SIZE_OFF 48
#define AR_SIZE_LEN 10
#define AR_FMAG_OFF 58

typedef struct ar_walk {
	uint64_t end;            /* after the last whole member (and its pad) */
	bool cut;                /* a member's data runs past the input */
	unsigned members;
	char names[3][AR_NAME_LEN + 1]; /* the first three, trimmed */
	const uint8_t *first_data;
	uint64_t first_size;
} ar_walk;

/* The decimal size field: digits, then only spaces. -1 when malformed. */
static int64_t ar_size(const uint8_t *f)
{
	int64_t v = 0;
	size_t i = 0;
	for (; i < AR_SIZE_LEN && f[i] >= '0' && f[i] <= '9'; i++)
		v = v * 10 + (f[i] - '0');
	if (i == 0)
		return -1;
	for (; i < AR_SIZE_LEN; i++)
		if (f[i] != ' ')
			return -1;
	return v;
}

/* A member name as stored, without the padding and GNU's "/" terminator. */
static void ar_name(const uint8_t *h, char *out)
{
	size_t n = AR_NAME_LEN;
	while (n > 0 && h[n - 1] == ' ')
		n--;
	if (n > 1 && h[n - 1] == '/')
		n--;
	memcpy(out, h, n);
	out[n] = '\0';
}

/* Walks the member headers after the magic; stops at the first one that
 * is malformed, which is where the archive ends. */
static void ar_measure(const uint8_t *data, size_t len, ar_walk *w)
{
	memset(w, 0, sizeof(*w));
	uint64_t p = AR_MAGIC_LEN;
	w->end = p;
	while (len - p >= AR_HDR) {
		const uint8_t *h = data + p;
		if (h[AR_FMAG_OFF] != '`' || h[AR_FMAG_OFF + 1] != '\n')
			break;
		int64_t size = ar_size(h + AR_SIZE_OFF);
		if (size < 0)
			break;
		if ((uint64_t)size > len - p - AR_HDR) {
			w->cut = true;
			break;
		}
		if (w->members < 3)
			ar_name(h, w->names[w->members]);
		if (w->members == 0) {
			w->first_data = h + AR_HDR;
			w->first_size = (uint64_t)size;
		}
		w->members++;
		p += AR_HDR + (uint64_t)size;
		/* odd sizes are padded to even; the pad may be missing at the end */
		if ((size & 1) && p < len)
			p++;
		w->end = p;
	}
}

static int ar_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len < AR_MAGIC_LEN || memcmp(data, AR_MAGIC, AR_MAGIC_LEN) != 0)
		return 0;
	ar_walk w;
	ar_measure(data, len, &w);
	if (w.members == 0 && !w.cut)
		return 0;  /* not one member: nothing to unpack */
	/* a cut member: unpack reads what is there and measures */
	*chunk_len = w.cut ? 0 : w.end;
	return 90;
}

/* What the package managers call their ar archives. opkg-build writes
 * ipk packages with GNU ar (names end in "/"), dpkg-deb without. */
static const char *ar_kind_name(const uint8_t *data, const ar_walk *w)
{
	if (w->members == 0 || strcmp(w->names[0], "debian-binary") != 0 ||
	    w->first_size < 4 || memcmp(w->first_data, "2.0\n", 4) != 0)
		return "ar";
	bool ipk_members = w->members == 3 &&
		((!strcmp(w->names[1], "control.tar.gz") && !strcmp(w->names[2], "data.tar.gz")) ||
		 (!strcmp(w->names[1], "data.tar.gz") && !strcmp(w->names[2], "control.tar.gz")));
	const uint8_t *first = data + AR_MAGIC_LEN;
	bool gnu_names = first[13] == '/';
	return ipk_members && gnu_names ? "ipk" : "deb";
}

/* The GNU ("/", "/SYM64/") and BSD ("__.SYMDEF") symbol tables index
 * the members for the linker, and GNU's "//" holds the long names the
 * reader has already applied: nothing of their own. */
static bool ar_skip(const char *raw)
{
	return !strcmp(raw, "/") || !strcmp(raw, "//") || !strcmp(raw, "/SYM64/") ||
	       !strncmp(raw, "__.SYMDEF", 9);
}

static const char *ar_variant(int format)
{
	return format == ARCHIVE_FORMAT_AR_BSD ? "ar-bsd" : "ar";
}

static unsigned ar_align(int format)
{
	(void)format;
	return 2;
}

static const fg_arc_kind ar_kind = {
	.enable = archive_read_support_format_ar,
	.variant = ar_variant,
	.align = ar_align,
	.in_place = true,
	.skip = ar_skip,
};

static int ar_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	if (len < AR_MAGIC_LEN || memcmp(data, AR_MAGIC, AR_MAGIC_LEN) != 0) {
		fg_unpack_fail(ctx, "no ar magic");
		return -1;
	}
	ar_walk w;
	ar_measure(data, len, &w);
	/* the reader sees the members only, not whatever follows them */
	size_t n = w.cut ? len : (size_t)w.end;
	int rc = fg_archive_unpack(ctx, root, data, n, &ar_kind);
	if (!w.cut)
		root->src_length = w.end;
	const char *what = ar_kind_name(data, &w);
	if (strcmp(what, "ar") != 0 || !root->format_info)
		root->format_info = what;
	return rc;
}

static const fg_magic ar_magics[] = {
	{ AR_MAGIC, AR_MAGIC_LEN, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_ar = {
	.name = "ar",
	.kind = FG_FMT_ARCHIVE,
	.magics = ar_magics,
	.probe = ar_probe,
	.unpack = ar_unpack,
};
