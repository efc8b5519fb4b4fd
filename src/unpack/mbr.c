/*
 * mbr.c - DOS/MBR partition tables, with extended (logical) partitions.
 *
 * Sector 0 ends in 0x55 0xAA and holds four 16-byte entries at 446:
 * status (0x00 or 0x80), CHS of the first sector, type, CHS of the last
 * sector, first LBA and sector count (little-endian). An extended
 * partition (0x05, 0x0f, 0x85) starts a chain of EBRs: each EBR is a
 * sector shaped like an MBR whose first entry is a logical partition
 * (relative to that EBR) and whose second links the next EBR (relative
 * to the start of the extended partition).
 *
 * The signature is two bytes that every FAT/NTFS boot sector and much
 * random data also carry, so the probe wants a table that makes sense:
 * status bytes 0x00/0x80 only, unused entries entirely zero, used entries
 * after sector 0, non-overlapping, plausible CHS fields, and at least one
 * of them. A sector that carries a valid FAT BPB is a volume boot record
 * whose bytes 446..509 are boot code: it scores too low to win against
 * the FAT handler. A protective 0xEE entry defers to the GPT handler.
 *
 * Each partition becomes a file "partition-N" (N as Linux numbers them:
 * 1-4 primary, 5.. logical) pointing into the image, which the engine
 * then carves; non-empty space outside the partitions (where SD-card
 * images keep their boot loaders) becomes "unpartitioned-0xOFFSET".
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define MBR_SECTOR 512u
#define MBR_TABLE 446u
#define MBR_ENTRY 16u
#define MBR_SIG 510u
#define MBR_MAX_LOGICAL 128u /* EBRs followed per extended partition */
#define MBR_MAX_PARTS (4u + MBR_MAX_LOGICAL)
#define MBR_INFO_MAX 480u

typedef struct mbr_entry {
	uint8_t status, type;
	uint8_t chs_first[3], chs_last[3];
	uint32_t lba, count;
} mbr_entry;

typedef struct mbr_part {
	unsigned num;       /* 1-4 primary, 5.. logical */
	uint8_t type;
	bool active;
	uint64_t start, count; /* sectors, from the start of the image */
} mbr_part;

static void read_entry(const uint8_t *sector, unsigned i, mbr_entry *e)
{
	const uint8_t *p = sector + MBR_TABLE + i * MBR_ENTRY;
	e->status = p[0];
	memcpy(e->chs_first, p + 1, 3);
	e->type = p[4];
	memcpy(e->chs_last, p + 5, 3);
	e->lba = fg_load_u32le(p + 8);
	e->count = fg_load_u32le(p + 12);
}

static bool is_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

static bool has_signature(const uint8_t *sector)
{
	return sector[MBR_SIG] == 0x55 && sector[MBR_SIG + 1] == 0xaa;
}

/* A CHS triple is either unset (zeros) or names sector 1..63. */
static bool chs_plausible(const uint8_t chs[3])
{
	if (!chs[0] && !chs[1] && !chs[2])
		return true;
	return (chs[1] & 0x3f) != 0;
}

static const struct { uint8_t type; const char *name; } mbr_types[] = {
	{ 0x01, "FAT12" }, { 0x02, "XENIX root" }, { 0x04, "FAT16 <32M" },
	{ 0x05, "Extended" }, { 0x06, "FAT16" }, { 0x07, "NTFS/exFAT" },
	{ 0x0a, "OS/2 boot manager" }, { 0x0b, "FAT32" }, { 0x0c, "FAT32 LBA" },
	{ 0x0e, "FAT16 LBA" }, { 0x0f, "Extended LBA" }, { 0x11, "Hidden FAT12" },
	{ 0x12, "Compaq diagnostics" }, { 0x14, "Hidden FAT16 <32M" }, { 0x16, "Hidden FAT16" },
	{ 0x17, "Hidden NTFS" }, { 0x1b, "Hidden FAT32" }, { 0x1c, "Hidden FAT32 LBA" },
	{ 0x1e, "Hidden FAT16 LBA" }, { 0x27, "Hidden NTFS WinRE" }, { 0x39, "Plan 9" },
	{ 0x3c, "PartitionMagic recovery" }, { 0x41, "PPC PReP boot" }, { 0x42, "SFS" },
	{ 0x4d, "QNX4" }, { 0x4e, "QNX4 2nd" }, { 0x4f, "QNX4 3rd" }, { 0x63, "GNU HURD/SysV" },
	{ 0x80, "Old Minix" }, { 0x81, "Minix" }, { 0x82, "Linux swap" }, { 0x83, "Linux" },
	{ 0x85, "Linux extended" }, { 0x86, "NTFS volume set" }, { 0x88, "Linux plaintext" },
	{ 0x8e, "Linux LVM" }, { 0x93, "Amoeba" }, { 0x96, "ISO 9660" },
	{ 0x9f, "BSD/OS" }, { 0xa5, "FreeBSD" }, { 0xa6, "OpenBSD" }, { 0xa8, "Darwin UFS" },
	{ 0xa9, "NetBSD" }, { 0xab, "Darwin boot" }, { 0xaf, "HFS/HFS+" }, { 0xb7, "BSDI fs" },
	{ 0xbe, "Solaris boot" }, { 0xbf, "Solaris" }, { 0xc1, "DRDOS FAT12" },
	{ 0xc4, "DRDOS FAT16" }, { 0xc6, "DRDOS FAT16" }, { 0xda, "Non-FS data" },
	{ 0xde, "Dell utility" }, { 0xdf, "BootIt" }, { 0xe1, "DOS access" },
	{ 0xe3, "DOS R/O" }, { 0xeb, "BeOS" }, { 0xee, "GPT protective" },
	{ 0xef, "EFI System" }, { 0xf0, "Linux/PA-RISC boot" }, { 0xf2, "DOS secondary" },
	{ 0xfb, "VMware VMFS" }, { 0xfc, "VMware VMKCORE" }, { 0xfd, "Linux RAID" },
	{ 0xfe, "LANstep" }, { 0xff, "BBT" },
};

static const char *type_name(uint8_t type)
{
	for (size_t i = 0; i < sizeof(mbr_types) / sizeof(mbr_types[0]); i++)
		if (mbr_types[i].type == type)
			return mbr_types[i].name;
	return NULL;
}

/* A FAT volume boot record: a jump, then a BPB with a power-of-two sector
 * size, a power-of-two cluster size, reserved sectors, one to four FATs
 * and a media byte. An MBR's code does not look like that. */
static bool fat_bpb_valid(const uint8_t *s)
{
	if (!(s[0] == 0xeb || s[0] == 0xe9))
		return false;
	uint16_t bps = (uint16_t)(s[11] | s[12] << 8);
	uint8_t spc = s[13];
	uint16_t reserved = (uint16_t)(s[14] | s[15] << 8);
	uint8_t nfats = s[16];
	uint8_t media = s[21];
	if (bps != 512 && bps != 1024 && bps != 2048 && bps != 4096)
		return false;
	if (!spc || (spc & (spc - 1)))
		return false;
	return reserved && nfats >= 1 && nfats <= 4 && (media == 0xf0 || media >= 0xf8);
}

/* Checks the four primary entries of SECTOR. Returns the number of used
 * entries, or -1 when the table cannot be one. *END gets the end of the
 * furthest partition in sectors; *PROTECTIVE whether one is type 0xEE;
 * *KNOWN whether every used type has a name. */
static int check_table(const uint8_t *sector, uint64_t *end, bool *protective, bool *known)
{
	mbr_entry e[4];
	int used = 0;
	*end = 0;
	*protective = false;
	*known = true;
	for (unsigned i = 0; i < 4; i++) {
		read_entry(sector, i, &e[i]);
		if (e[i].status != 0x00 && e[i].status != 0x80)
			return -1;
		if (e[i].type == 0) {
			/* an unused slot is all zeros: boot code rarely is */
			static const uint8_t zero[MBR_ENTRY];
			if (memcmp(sector + MBR_TABLE + i * MBR_ENTRY, zero, MBR_ENTRY) != 0)
				return -1;
			continue;
		}
		if (e[i].lba == 0 || e[i].count == 0)
			return -1;
		if (!chs_plausible(e[i].chs_first) || !chs_plausible(e[i].chs_last))
			return -1;
		if (e[i].type == 0xee)
			*protective = true;
		if (!type_name(e[i].type))
			*known = false;
		uint64_t stop = (uint64_t)e[i].lba + e[i].count;
		if (stop > *end)
			*end = stop;
		used++;
	}
	for (unsigned i = 0; i < 4; i++) {
		if (!e[i].type)
			continue;
		for (unsigned j = i + 1; j < 4; j++) {
			if (!e[j].type)
				continue;
			uint64_t a0 = e[i].lba, a1 = a0 + e[i].count;
			uint64_t b0 = e[j].lba, b1 = b0 + e[j].count;
			if (a0 < b1 && b0 < a1)
				return -1;
		}
	}
	return used;
}

static int mbr_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len < MBR_SECTOR || !has_signature(data))
		return 0;
	if (!memcmp(data + 3, "NTFS    ", 8) || !memcmp(data + 3, "EXFAT   ", 8))
		return 0;
	uint64_t end;
	bool protective, known;
	int used = check_table(data, &end, &protective, &known);
	if (used <= 0)
		return 0;
	uint64_t bytes = end * MBR_SECTOR;
	int conf = known ? 70 : 60;
	if (bytes <= len) {
		*chunk_len = bytes;
	} else {
		*chunk_len = len; /* a disk dump cut short: unpack what is there */
		conf = 30;
	}
	if (fat_bpb_valid(data))
		return 10; /* a FAT boot sector: the FAT handler's */
	if (protective)
		return conf < 20 ? conf : 20; /* the GPT handler's, unless its header is gone */
	return conf;
}

/* ---- unpacking ---------------------------------------------------------- */

typedef struct mbr_image {
	fg_unpack_ctx *ctx;
	fg_node *root;
	const uint8_t *data;
	size_t len;
	mbr_part parts[MBR_MAX_PARTS];
	unsigned nparts;
	char info[MBR_INFO_MAX];
	size_t info_len;
	unsigned emitted;
} mbr_image;

static void info_add(mbr_image *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void info_add(mbr_image *m, const char *fmt, ...)
{
	if (m->info_len >= sizeof(m->info) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(m->info + m->info_len, sizeof(m->info) - m->info_len, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	m->info_len += (size_t)k;
	if (m->info_len >= sizeof(m->info) - 1) {
		m->info_len = sizeof(m->info) - 1;
		memcpy(m->info + sizeof(m->info) - 4, "...", 4);
	}
}

static void add_part(mbr_image *m, unsigned num, const mbr_entry *e, uint64_t start)
{
	if (m->nparts >= MBR_MAX_PARTS)
		return;
	mbr_part *p = &m->parts[m->nparts++];
	p->num = num;
	p->type = e->type;
	p->active = e->status == 0x80;
	p->start = start;
	p->count = e->count;
}

/* Follows the EBR chain of the extended partition at EXT_START (sectors)
 * of EXT_COUNT sectors. Logical partitions are numbered from *NEXT_NUM. */
static void walk_ebrs(mbr_image *m, uint64_t ext_start, uint64_t ext_count, unsigned *next_num)
{
	uint64_t seen[MBR_MAX_LOGICAL];
	unsigned nseen = 0;
	uint64_t cur = ext_start;
	for (;;) {
		if (nseen == MBR_MAX_LOGICAL) {
			fg_unpack_truncated(m->ctx, m->root, "more than %u logical partitions: rest ignored",
					    MBR_MAX_LOGICAL);
			return;
		}
		for (unsigned i = 0; i < nseen; i++) {
			if (seen[i] == cur) {
				fg_unpack_truncated(m->ctx, m->root,
						    "EBR chain loops back to sector %llu: stopped",
						    (unsigned long long)cur);
				return;
			}
		}
		seen[nseen++] = cur;
		if (cur > (m->len - MBR_SECTOR) / MBR_SECTOR) {
			fg_unpack_truncated(m->ctx, m->root, "EBR at sector %llu lies beyond the image",
					    (unsigned long long)cur);
			return;
		}
		const uint8_t *ebr = m->data + cur * MBR_SECTOR;
		if (!has_signature(ebr)) {
			fg_unpack_truncated(m->ctx, m->root, "EBR at sector %llu has no 0x55AA signature",
					    (unsigned long long)cur);
			return;
		}
		mbr_entry logical, link;
		read_entry(ebr, 0, &logical);
		read_entry(ebr, 1, &link);
		if (logical.type && logical.count) {
			if (logical.lba == 0)
				fg_unpack_truncated(m->ctx, m->root,
						    "logical partition %u overlaps its own EBR: skipped", *next_num);
			else
				add_part(m, *next_num, &logical, cur + logical.lba);
			if (logical.lba && cur + logical.lba + logical.count > ext_start + ext_count)
				fg_unpack_truncated(m->ctx, m->root,
						    "logical partition %u reaches beyond the extended partition",
						    *next_num);
			(*next_num)++;
		}
		if (!link.type || !link.count || !link.lba)
			return;
		uint64_t next = ext_start + link.lba;
		if (next >= ext_start + ext_count) {
			fg_unpack_truncated(m->ctx, m->root,
					    "EBR link to sector %llu leaves the extended partition: stopped",
					    (unsigned long long)next);
			return;
		}
		cur = next;
	}
}

/* Hangs the bytes [OFF, OFF+SIZE) of the image under NAME. */
static fg_node *emit_slice(mbr_image *m, const char *name, uint64_t off, uint64_t size)
{
	fg_node *n = fg_unpack_add(m->ctx, m->root, name, FG_NODE_FILE);
	if (!n)
		return NULL;
	uint64_t avail = off < m->len ? m->len - off : 0;
	n->data = m->data + (off < m->len ? off : m->len);
	n->data_len = (size_t)(size < avail ? size : avail);
	n->size = size;
	n->mode = 0644;
	if (n->data_len < size)
		fg_unpack_truncated(m->ctx, n, "partition cut short: %zu of %llu bytes in the image",
				    n->data_len, (unsigned long long)size);
	m->emitted++;
	return n;
}

static bool overlaps(const mbr_part *a, const mbr_part *b)
{
	return a->start < b->start + b->count && b->start < a->start + a->count;
}

/* Emits every partition that lies (at least partly) in the image and does
 * not overlap one emitted before it: overlapping partitions would have the
 * engine unpack the same bytes twice. */
static void emit_parts(mbr_image *m)
{
	bool emitted[MBR_MAX_PARTS] = { false };
	for (unsigned i = 0; i < m->nparts; i++) {
		const mbr_part *p = &m->parts[i];
		if (is_extended(p->type))
			continue;
		uint64_t off = p->start * MBR_SECTOR;
		if (off >= m->len) {
			fg_unpack_truncated(m->ctx, m->root,
					    "partition %u starts at byte %llu, beyond the image (%zu bytes)",
					    p->num, (unsigned long long)off, m->len);
			continue;
		}
		unsigned clash = 0;
		for (unsigned j = 0; j < i && !clash; j++)
			if (emitted[j] && overlaps(p, &m->parts[j]))
				clash = m->parts[j].num;
		if (clash) {
			fg_unpack_truncated(m->ctx, m->root, "partition %u overlaps partition %u: skipped",
					    p->num, clash);
			continue;
		}
		char name[32];
		snprintf(name, sizeof(name), "partition-%u", p->num);
		if (emit_slice(m, name, off, p->count * MBR_SECTOR))
			emitted[i] = true;
	}
}

static bool is_padding(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0x00 && p[i] != 0xff)
			return false;
	return true;
}

/* Space between sector 0 and the end of the chunk that no primary
 * partition covers, when it holds something (a boot loader). */
static void emit_gaps(mbr_image *m, uint64_t end_sectors)
{
	uint64_t pos = 1;
	while (pos < end_sectors) {
		/* the nearest primary starting at or after POS, or covering it */
		uint64_t next = end_sectors;
		bool covered = false;
		for (unsigned i = 0; i < m->nparts; i++) {
			const mbr_part *p = &m->parts[i];
			if (p->num > 4)
				continue;
			if (p->start <= pos && pos < p->start + p->count) {
				pos = p->start + p->count;
				covered = true;
				break;
			}
			if (p->start > pos && p->start < next)
				next = p->start;
		}
		if (covered)
			continue;
		uint64_t off = pos * MBR_SECTOR, stop = next * MBR_SECTOR;
		if (stop > m->len)
			stop = m->len;
		if (off < stop && !is_padding(m->data + off, (size_t)(stop - off))) {
			char name[48];
			snprintf(name, sizeof(name), "unpartitioned-0x%llx", (unsigned long long)off);
			emit_slice(m, name, off, stop - off);
		}
		pos = next;
	}
}

static void describe_parts(mbr_image *m, uint32_t disk_id)
{
	unsigned n = 0;
	for (unsigned i = 0; i < m->nparts; i++)
		n += !is_extended(m->parts[i].type);
	if (disk_id)
		info_add(m, "disk id 0x%08x, ", disk_id);
	info_add(m, "%u partition%s", n, n == 1 ? "" : "s");
	const char *sep = ": ";
	for (unsigned i = 0; i < m->nparts; i++) {
		const mbr_part *p = &m->parts[i];
		const char *tn = type_name(p->type);
		info_add(m, "%sp%u 0x%02x %s%s", sep, p->num, p->type, tn ? tn : "unknown",
			 p->active ? " (active)" : "");
		sep = ", ";
	}
}

static int mbr_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	if (len < MBR_SECTOR || !has_signature(data)) {
		fg_unpack_fail(ctx, "no MBR signature");
		return -1;
	}
	mbr_image mi = { .ctx = ctx, .root = root, .data = data, .len = len };
	mbr_image *m = &mi;

	mbr_entry e[4];
	uint64_t end = 1;
	for (unsigned i = 0; i < 4; i++) {
		read_entry(data, i, &e[i]);
		if (!e[i].type || !e[i].count)
			continue;
		if (e[i].status != 0x00 && e[i].status != 0x80)
			fg_unpack_truncated(ctx, root, "partition %u has status 0x%02x", i + 1, e[i].status);
		if (e[i].lba == 0) {
			fg_unpack_truncated(ctx, root, "partition %u overlaps the MBR: skipped", i + 1);
			continue;
		}
		add_part(m, i + 1, &e[i], e[i].lba);
		uint64_t stop = (uint64_t)e[i].lba + e[i].count;
		if (stop > end)
			end = stop;
	}
	unsigned next_num = 5;
	for (unsigned i = 0; i < 4; i++) {
		if (!is_extended(e[i].type) || !e[i].count || !e[i].lba)
			continue;
		walk_ebrs(m, e[i].lba, e[i].count, &next_num);
	}
	emit_parts(m);
	emit_gaps(m, end);
	uint64_t bytes = end * MBR_SECTOR;
	root->src_length = bytes < len ? bytes : len;
	if (bytes > len)
		fg_unpack_truncated(ctx, root, "image cut short: partitions reach byte %llu, %zu present",
				    (unsigned long long)bytes, len);

	describe_parts(m, fg_load_u32le(data + 440));
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, m->info);
	pthread_mutex_unlock(&t->lock);
	if (!m->emitted) {
		fg_unpack_fail(ctx, "no partition inside the image");
		return -1;
	}
	return 0;
}

static const fg_magic mbr_magics[] = {
	{ "\x55\xaa", 2, MBR_SIG },
	FG_MAGIC_END,
};

const fg_format fg_format_mbr = {
	.name = "mbr",
	.kind = FG_FMT_WRAPPER,
	.magics = mbr_magics,
	.probe = mbr_probe,
	.unpack = mbr_unpack,
};
