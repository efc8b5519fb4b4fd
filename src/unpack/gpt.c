/*
 * gpt.c - GUID partition tables.
 *
 * Sector 0 is a protective MBR (one entry of type 0xEE); sector 1 holds
 * the header: "EFI PART", revision 1.0, the header's size and CRC32
 * (computed with the CRC field zeroed), the LBAs of this header and of
 * its backup (normally the disk's last sector), the usable range, the
 * disk GUID, and where the partition entry array lies, how many entries
 * it has, their size and the array's CRC32. Each entry: type GUID,
 * unique GUID, first and last LBA (inclusive), attribute bits and a
 * UTF-16LE name of 36 units. Sectors are 512 bytes, or 4096 on
 * advanced-format media: the header is looked for at both.
 *
 * A CRC mismatch is recorded, not fatal, when the rest of the header is
 * sane; when the primary entry array fails its CRC and the backup header
 * at the end of the disk is intact, the backup's array is used. Each
 * partition becomes a file named after the partition (sanitised UTF-8,
 * "partition-N" when it has no usable name) pointing into the image, so
 * the engine carves what it holds; non-empty space outside the
 * partitions becomes "unpartitioned-0xOFFSET".
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32.h"
#include "core/cursor.h"
#include "unpack/format.h"

#define GPT_HDR_MIN 92u
#define GPT_ENTRY_MIN 128u
#define GPT_ENTRY_MAX 4096u
#define GPT_MAX_ENTRIES 16384u       /* entries read */
#define GPT_MAX_ARRAY (4u << 20)     /* bytes of entry array accepted */
#define GPT_MAX_PARTS 1024u          /* partitions emitted */
#define GPT_NAME_UNITS 36u
#define GPT_NAME_MAX 160u            /* UTF-8 bytes of a name */
#define GPT_INFO_MAX 480u

typedef struct gpt_header {
	unsigned ss;                 /* sector size */
	uint32_t revision, hdr_size, hdr_crc;
	uint64_t my_lba, alt_lba, first_usable, last_usable;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t nentries, entry_size, entries_crc;
	bool hdr_crc_ok;
} gpt_header;

/* Parses the header at byte AT of DATA for sector size SS; false when it
 * is not a GPT header (the CRC is checked, not required). */
static bool parse_header(const uint8_t *data, size_t len, size_t at, unsigned ss, gpt_header *h)
{
	if (at > len || len - at < ss)
		return false;
	fg_cursor c = fg_cur_make(data + at, ss);
	const uint8_t *sig = fg_cur_take(&c, 8);
	h->ss = ss;
	h->revision = fg_cur_u32le(&c);
	h->hdr_size = fg_cur_u32le(&c);
	h->hdr_crc = fg_cur_u32le(&c);
	fg_cur_skip(&c, 4);
	h->my_lba = fg_cur_u64le(&c);
	h->alt_lba = fg_cur_u64le(&c);
	h->first_usable = fg_cur_u64le(&c);
	h->last_usable = fg_cur_u64le(&c);
	const uint8_t *guid = fg_cur_take(&c, 16);
	h->entries_lba = fg_cur_u64le(&c);
	h->nentries = fg_cur_u32le(&c);
	h->entry_size = fg_cur_u32le(&c);
	h->entries_crc = fg_cur_u32le(&c);
	if (!fg_cur_ok(&c) || memcmp(sig, "EFI PART", 8) != 0)
		return false;
	memcpy(h->disk_guid, guid, 16);
	if ((h->revision >> 16) != 1 || h->hdr_size < GPT_HDR_MIN || h->hdr_size > ss)
		return false;
	if (h->entry_size < GPT_ENTRY_MIN || h->entry_size > GPT_ENTRY_MAX || h->entry_size % 8)
		return false;
	if (h->nentries == 0 || h->first_usable > h->last_usable)
		return false;
	/* every LBA must be addressable in bytes */
	uint64_t lim = UINT64_MAX / ss - 1;
	if (h->alt_lba > lim || h->last_usable > lim || h->entries_lba > lim)
		return false;
	uint8_t buf[GPT_ENTRY_MAX];
	memcpy(buf, data + at, h->hdr_size);
	memset(buf + 16, 0, 4);
	h->hdr_crc_ok = fg_crc32(0, buf, h->hdr_size) == h->hdr_crc;
	return true;
}

static uint64_t array_bytes(const gpt_header *h)
{
	return (uint64_t)h->nentries * h->entry_size;
}

/* The entry array of H lies in the image; returns its CRC status. */
static bool array_in_image(const gpt_header *h, size_t len)
{
	uint64_t off = h->entries_lba * h->ss;
	return array_bytes(h) <= GPT_MAX_ARRAY && off <= len && array_bytes(h) <= len - off;
}

static bool array_crc_ok(const gpt_header *h, const uint8_t *data, size_t len)
{
	return array_in_image(h, len) &&
	       fg_crc32(0, data + h->entries_lba * h->ss, (size_t)array_bytes(h)) == h->entries_crc;
}

static bool protective_mbr(const uint8_t *data, size_t len)
{
	if (len < 512 || data[510] != 0x55 || data[511] != 0xaa)
		return false;
	for (unsigned i = 0; i < 4; i++)
		if (data[446 + i * 16 + 4] == 0xee)
			return true;
	return false;
}

/* Bytes the disk spans: up to the backup header when it comes after the
 * primary, else up to the end of the usable range. */
static uint64_t disk_bytes(const gpt_header *h)
{
	if (h->alt_lba > h->my_lba)
		return (h->alt_lba + 1) * h->ss;
	return (h->last_usable + 1) * h->ss;
}

/* The primary header and its sector size, tried at 512 then 4096. */
static bool find_header(const uint8_t *data, size_t len, gpt_header *h)
{
	static const unsigned sizes[] = { 512, 4096 };
	for (unsigned i = 0; i < 2; i++) {
		unsigned ss = sizes[i];
		if (parse_header(data, len, ss, ss, h) && h->my_lba == 1 && h->entries_lba >= 2)
			return true;
	}
	return false;
}

static int gpt_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	gpt_header h;
	if (!find_header(data, len, &h) || array_bytes(&h) > GPT_MAX_ARRAY ||
	    h.nentries > GPT_MAX_ENTRIES)
		return 0;
	bool pmbr = protective_mbr(data, len);
	int conf;
	/* a header found at the wrong sector size (a 512-byte GPT seen from
	 * 3584 bytes earlier) passes its own CRC but finds no array: without
	 * the array's CRC and the protective MBR, it is not carved */
	if (h.hdr_crc_ok && array_crc_ok(&h, data, len))
		conf = pmbr ? 90 : 85;
	else if (h.hdr_crc_ok)
		conf = pmbr ? 60 : 45;
	else
		conf = pmbr ? 55 : 40; /* sane but damaged: found, not trusted */
	uint64_t bytes = disk_bytes(&h);
	if (bytes <= len) {
		*chunk_len = bytes;
	} else {
		*chunk_len = len; /* cut short or backup missing: unpack what is there */
		if (conf > 40)
			conf = 40;
	}
	return conf;
}

/* ---- names and types -------------------------------------------------- */

static const struct { const char *guid, *name; } gpt_types[] = {
	{ "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System" },
	{ "024DEE41-33E7-11D3-9D69-0008C781F39F", "MBR partition scheme" },
	{ "21686148-6449-6E6F-744E-656564454649", "BIOS boot" },
	{ "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem" },
	{ "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap" },
	{ "E6D6D379-F507-44C2-A23C-238F2A3DF928", "Linux LVM" },
	{ "A19D880F-05FC-4D3B-A006-743F0F84911E", "Linux RAID" },
	{ "933AC7E1-2EB4-4F13-B844-0E14E2AEF915", "Linux home" },
	{ "3B8F8425-20E0-4F3B-907F-1A25A76F98E8", "Linux server data" },
	{ "BC13C2FF-59E6-4262-A352-B275FD6F7172", "Linux extended boot" },
	{ "CA7D7CCB-63ED-4C53-861C-1742536059CC", "Linux LUKS" },
	{ "44479540-F297-41B2-9AF7-D131D5F0458A", "Linux root (x86)" },
	{ "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", "Linux root (x86-64)" },
	{ "69DAD710-2CE4-4E3C-B16C-21A1D49ABED3", "Linux root (ARM)" },
	{ "B921B045-1DF0-41C3-AF44-4C6F280D3FAE", "Linux root (ARM64)" },
	{ "72EC70A6-CF74-40E6-BD49-4BDA08E8F224", "Linux root (RISC-V 64)" },
	{ "8484680C-9521-48C6-9C11-B0720656F69E", "Linux /usr (x86-64)" },
	{ "B0E01050-EE5F-4390-949A-9101B17104E9", "Linux /usr (ARM64)" },
	{ "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Microsoft basic data" },
	{ "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved" },
	{ "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Windows recovery" },
	{ "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3", "Windows LDM metadata" },
	{ "AF9B60A0-1431-4F62-BC68-3311714A69AD", "Windows LDM data" },
	{ "48465300-0000-11AA-AA11-00306543ECAC", "Apple HFS+" },
	{ "7C3457EF-0000-11AA-AA11-00306543ECAC", "Apple APFS" },
	{ "426F6F74-0000-11AA-AA11-00306543ECAC", "Apple boot" },
	{ "516E7CB4-6ECF-11D6-8FF8-00022D09712B", "FreeBSD data" },
	{ "516E7CB6-6ECF-11D6-8FF8-00022D09712B", "FreeBSD UFS" },
	{ "83BD6B9D-7F41-11DC-BE0B-001560B84F0F", "FreeBSD boot" },
	{ "FE3A2A5D-4F32-41A7-B725-ACCC3285A309", "ChromeOS kernel" },
	{ "3CB8E202-3B7E-47DD-8A3C-7FF2A13CFCEC", "ChromeOS rootfs" },
	{ "2E0A753D-9E48-43B0-8337-B15192CB1B5E", "ChromeOS reserved" },
	{ "CAB6E88E-ABF3-4102-A07A-D4BB9BE3C1D3", "ChromeOS firmware" },
	{ "3DE21764-95BD-54BD-A5C3-4ABE786F38A8", "U-Boot environment" },
	{ "2568845D-2332-4675-BC39-8FA5A4748D15", "Android bootloader" },
	{ "114EAFFE-1552-4022-B26E-9B053604CF84", "Android bootloader 2" },
	{ "49A4D17F-93A3-45C1-A0DE-F50B2EBE2599", "Android boot" },
	{ "4177C722-9E92-4AAB-8644-43502BFD5506", "Android recovery" },
	{ "38F428E6-D326-425D-9140-6E0EA133647C", "Android system" },
	{ "DC76DDA9-5AC1-491C-AF42-A82591580C0D", "Android data" },
	{ "EF32A33B-A409-486C-9141-9FFB711F6266", "Android misc" },
	{ "9D275380-40AD-11DB-BF97-000C2911D1B8", "VMware VMFS" },
	{ "6A82CB45-1DD2-11B2-99A6-080020736631", "Solaris boot" },
	{ "6A85CF4D-1DD2-11B2-99A6-080020736631", "Solaris root" },
};

static void guid_str(const uint8_t *g, char out[37])
{
	snprintf(out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 fg_load_u32le(g), (unsigned)(g[4] | g[5] << 8), (unsigned)(g[6] | g[7] << 8),
		 g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static const char *type_name(const uint8_t *g)
{
	char s[37];
	guid_str(g, s);
	for (size_t i = 0; i < sizeof(gpt_types) / sizeof(gpt_types[0]); i++)
		if (!strcmp(gpt_types[i].guid, s))
			return gpt_types[i].name;
	return NULL;
}

static size_t put_utf8(char *out, size_t cap, size_t o, uint32_t cp)
{
	uint8_t b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (o + n >= cap)
		return o;
	memcpy(out + o, b, n);
	return o + n;
}

/* The entry's UTF-16LE name as UTF-8, with what a file name cannot hold
 * ('/', control characters) replaced by '_'; unpaired surrogates become
 * U+FFFD. Empty when the partition has no name. */
static void entry_name(const uint8_t *p, char *out, size_t cap)
{
	size_t o = 0;
	for (unsigned i = 0; i < GPT_NAME_UNITS; i++) {
		uint32_t u = (uint32_t)(p[2 * i] | p[2 * i + 1] << 8);
		if (u == 0)
			break;
		if (u >= 0xd800 && u <= 0xdbff && i + 1 < GPT_NAME_UNITS) {
			uint32_t lo = (uint32_t)(p[2 * i + 2] | p[2 * i + 3] << 8);
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			} else {
				u = 0xfffd;
			}
		} else if (u >= 0xd800 && u <= 0xdfff) {
			u = 0xfffd;
		}
		if (u < 0x20 || u == 0x7f || u == '/')
			u = '_';
		o = put_utf8(out, cap, o, u);
	}
	out[o] = '\0';
	if (!strcmp(out, ".") || !strcmp(out, ".."))
		out[0] = '\0';
}

/* ---- unpacking ---------------------------------------------------------- */

typedef struct gpt_part {
	unsigned num;                /* 1-based entry index */
	uint64_t start, end;         /* bytes, END exclusive */
} gpt_part;

typedef struct gpt_image {
	fg_unpack_ctx *ctx;
	fg_node *root;
	const uint8_t *data;
	size_t len;
	gpt_header h;
	const uint8_t *array;        /* the entry array used */
	gpt_part parts[GPT_MAX_PARTS];
	unsigned nparts;
	char info[GPT_INFO_MAX];
	size_t info_len;
} gpt_image;

static void info_add(gpt_image *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void info_add(gpt_image *g, const char *fmt, ...)
{
	if (g->info_len >= sizeof(g->info) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(g->info + g->info_len, sizeof(g->info) - g->info_len, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	g->info_len += (size_t)k;
	if (g->info_len >= sizeof(g->info) - 1) {
		g->info_len = sizeof(g->info) - 1;
		memcpy(g->info + sizeof(g->info) - 4, "...", 4);
	}
}

/* Picks the entry array: the primary's when its CRC holds, else the
 * backup's when the backup header and its array are intact, else the
 * primary's anyway (noted). */
static bool choose_array(gpt_image *g)
{
	gpt_header *h = &g->h;
	if (!h->hdr_crc_ok)
		fg_unpack_truncated(g->ctx, g->root, "primary header CRC mismatch (stored 0x%08x)",
				    h->hdr_crc);
	if (array_crc_ok(h, g->data, g->len)) {
		g->array = g->data + h->entries_lba * h->ss;
		return true;
	}
	gpt_header b;
	if (h->alt_lba > h->my_lba && h->alt_lba <= (g->len - h->ss) / h->ss &&
	    parse_header(g->data, g->len, h->alt_lba * h->ss, h->ss, &b) && b.hdr_crc_ok &&
	    b.my_lba == h->alt_lba && array_crc_ok(&b, g->data, g->len) &&
	    b.nentries <= GPT_MAX_ENTRIES) {
		fg_unpack_truncated(g->ctx, g->root,
				    "primary partition entries fail their CRC: backup table used");
		b.hdr_crc_ok = h->hdr_crc_ok;
		*h = b;
		g->array = g->data + h->entries_lba * h->ss;
		return true;
	}
	if (h->nentries > GPT_MAX_ENTRIES) {
		fg_unpack_truncated(g->ctx, g->root, "%u partition entries: only the first %u read",
				    h->nentries, GPT_MAX_ENTRIES);
		h->nentries = GPT_MAX_ENTRIES;
	}
	uint64_t off = h->entries_lba * h->ss;
	if (off >= g->len) {
		fg_unpack_fail(g->ctx, "partition entry array at byte %llu lies beyond the image",
			       (unsigned long long)off);
		return false;
	}
	uint64_t fit = (g->len - off) / h->entry_size;
	if (fit < h->nentries) {
		fg_unpack_truncated(g->ctx, g->root, "entry array cut short: %llu of %u entries present",
				    (unsigned long long)fit, h->nentries);
		h->nentries = (uint32_t)fit;
	} else {
		fg_unpack_truncated(g->ctx, g->root, "partition entry array CRC mismatch (stored 0x%08x)",
				    h->entries_crc);
	}
	g->array = g->data + off;
	return h->nentries > 0;
}

/* A name for entry NUM not yet taken in the root: its own name, else
 * "<name>-NUM", else "partition-NUM", else "partition-NUM~K" for a few K.
 * False when all are taken (names are the partitions' to choose). */
static bool unique_name(gpt_image *g, const char *own, unsigned num, char *out, size_t cap)
{
	for (unsigned i = 0; i < 6; i++) {
		if (i == 0 && own[0])
			snprintf(out, cap, "%s", own);
		else if (i == 1 && own[0])
			snprintf(out, cap, "%s-%u", own, num);
		else if (i == 2)
			snprintf(out, cap, "partition-%u", num);
		else if (i > 2)
			snprintf(out, cap, "partition-%u~%u", num, i - 2);
		else
			continue;
		if (!fg_node_find_child(g->root, out, strlen(out)))
			return true;
	}
	return false;
}

static void emit_entry(gpt_image *g, unsigned num, const uint8_t *e)
{
	const gpt_header *h = &g->h;
	uint64_t first = fg_load_u32le(e + 32) | (uint64_t)fg_load_u32le(e + 36) << 32;
	uint64_t last = fg_load_u32le(e + 40) | (uint64_t)fg_load_u32le(e + 44) << 32;
	uint64_t lim = UINT64_MAX / h->ss - 1;
	if (last < first || last > lim) {
		fg_unpack_truncated(g->ctx, g->root, "partition %u has an impossible extent: skipped", num);
		return;
	}
	if (first < h->first_usable || last > h->last_usable)
		fg_unpack_truncated(g->ctx, g->root, "partition %u lies outside the usable sectors", num);
	uint64_t start = first * h->ss, end = (last + 1) * h->ss;
	if (start >= g->len) {
		fg_unpack_truncated(g->ctx, g->root,
				    "partition %u starts at byte %llu, beyond the image (%zu bytes)", num,
				    (unsigned long long)start, g->len);
		return;
	}
	for (unsigned i = 0; i < g->nparts; i++) {
		if (start < g->parts[i].end && g->parts[i].start < end) {
			fg_unpack_truncated(g->ctx, g->root, "partition %u overlaps partition %u: skipped",
					    num, g->parts[i].num);
			return;
		}
	}
	if (g->nparts == GPT_MAX_PARTS) {
		fg_unpack_truncated(g->ctx, g->root, "more than %u partitions: rest ignored",
				    GPT_MAX_PARTS);
		return;
	}
	char own[GPT_NAME_MAX], name[GPT_NAME_MAX + 24];
	entry_name(e + 56, own, sizeof(own));
	if (!unique_name(g, own, num, name, sizeof(name))) {
		fg_unpack_truncated(g->ctx, g->root, "partition %u: no free name: skipped", num);
		return;
	}
	fg_node *n = fg_unpack_add(g->ctx, g->root, name, FG_NODE_FILE);
	if (!n)
		return;
	g->parts[g->nparts++] = (gpt_part){ num, start, end };
	uint64_t size = end - start;
	uint64_t avail = g->len - start;
	n->data = g->data + start;
	n->data_len = (size_t)(size < avail ? size : avail);
	n->size = size;
	n->mode = 0644;
	if (n->data_len < size)
		fg_unpack_truncated(g->ctx, n, "partition cut short: %zu of %llu bytes in the image",
				    n->data_len, (unsigned long long)size);
	const char *tn = type_name(e);
	char gs[37];
	if (!tn) {
		guid_str(e, gs);
		tn = gs;
	}
	info_add(g, "%s%s (%s)", g->nparts == 1 ? ": " : ", ", name, tn);
}

static bool is_padding(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0x00 && p[i] != 0xff)
			return false;
	return true;
}

/* Non-empty space between the primary entry array and the end of the
 * usable range that no partition covers. */
static void emit_gaps(gpt_image *g, uint64_t from, uint64_t to)
{
	if (to > g->len)
		to = g->len;
	uint64_t pos = from;
	for (unsigned guard = 0; pos < to && guard <= 2 * GPT_MAX_PARTS + 1; guard++) {
		uint64_t next = to;
		bool covered = false;
		for (unsigned i = 0; i < g->nparts; i++) {
			const gpt_part *p = &g->parts[i];
			if (p->start <= pos && pos < p->end) {
				pos = p->end;
				covered = true;
				break;
			}
			if (p->start > pos && p->start < next)
				next = p->start;
		}
		if (covered)
			continue;
		if (!is_padding(g->data + pos, (size_t)(next - pos))) {
			char name[48];
			snprintf(name, sizeof(name), "unpartitioned-0x%llx", (unsigned long long)pos);
			fg_node *n = fg_unpack_add(g->ctx, g->root, name, FG_NODE_FILE);
			if (n) {
				n->data = g->data + pos;
				n->data_len = n->size = (size_t)(next - pos);
				n->mode = 0644;
			}
		}
		pos = next;
	}
}

static int unpack_image(gpt_image *g, fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data,
			size_t len)
{
	g->ctx = ctx;
	g->root = root;
	g->data = data;
	g->len = len;
	if (!find_header(data, len, &g->h)) {
		fg_unpack_fail(ctx, "no GPT header at sector 1");
		return -1;
	}
	const gpt_header primary = g->h;
	uint64_t bytes = disk_bytes(&g->h);
	root->src_length = bytes < len ? bytes : len;
	if (bytes > len)
		fg_unpack_truncated(ctx, root, "image cut short: the disk spans %llu bytes, %zu present",
				    (unsigned long long)bytes, len);
	if (!protective_mbr(data, len))
		fg_unpack_truncated(ctx, root, "no protective MBR");
	if (!choose_array(g))
		return -1;
	const gpt_header *h = &g->h;
	unsigned used = 0;
	size_t info_head;
	info_add(g, "%u-byte sectors", h->ss);
	info_head = g->info_len;
	for (uint32_t i = 0; i < h->nentries; i++) {
		const uint8_t *e = g->array + (size_t)i * h->entry_size;
		static const uint8_t zero[16];
		if (!memcmp(e, zero, 16))
			continue;
		used++;
		emit_entry(g, i + 1, e);
	}
	/* the partition list goes after the count */
	char list[GPT_INFO_MAX];
	snprintf(list, sizeof(list), "%s", g->info + info_head);
	g->info_len = info_head;
	g->info[info_head] = '\0';
	info_add(g, ", %u partition%s%s", used, used == 1 ? "" : "s", list);
	if (!h->hdr_crc_ok)
		info_add(g, ", header CRC mismatch");

	uint64_t arr_end = primary.entries_lba * h->ss + array_bytes(&primary);
	if (arr_end % h->ss)
		arr_end += h->ss - arr_end % h->ss;
	uint64_t usable_end = (primary.last_usable + 1) * h->ss;
	if (primary.entries_lba < primary.first_usable)
		emit_gaps(g, arr_end, usable_end);

	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, g->info);
	pthread_mutex_unlock(&t->lock);
	if (!g->nparts) {
		fg_unpack_fail(ctx, "no partition inside the image");
		return -1;
	}
	return 0;
}

static int gpt_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	/* working state only: freed before returning */
	gpt_image *g = calloc(1, sizeof(*g));
	if (!g) {
		fg_unpack_fail(ctx, "out of memory");
		return -1;
	}
	int rc = unpack_image(g, ctx, root, data, len);
	free(g);
	return rc;
}

static const fg_magic gpt_magics[] = {
	{ "EFI PART", 8, 512 },
	{ "EFI PART", 8, 4096 },
	FG_MAGIC_END,
};

const fg_format fg_format_gpt = {
	.name = "gpt",
	.kind = FG_FMT_WRAPPER,
	.magics = gpt_magics,
	.probe = gpt_probe,
	.unpack = gpt_unpack,
};
