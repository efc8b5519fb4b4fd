/*
 * esp_partitions.c - ESP-IDF partition tables and Espressif flash dumps.
 *
 * A partition table is a run of 32-byte little-endian entries: magic
 * 0x50AA, type, subtype, flash offset, size, a 16-byte NUL-padded label
 * and flags (bit 0 encrypted, bit 1 read-only). An entry of magic 0xEBEB
 * (then 14 bytes of 0xFF) carries the MD5 of every entry before it; an
 * entry of 0xFF bytes ends the table. The table lives in one flash
 * sector, at most 0xC00 bytes of entries.
 *
 * Three formats live here:
 *   esp_partitions  the table alone (described, nothing inside);
 *   esp_flash       a whole flash dump, split into its parts:
 *                   - ESP32 family: the table at 0x8000 (or up to 0x10000
 *                     when the bootloader grew), the second-stage boot
 *                     loader before it at 0x0, 0x1000 or 0x2000; every
 *                     partition becomes a child named by its label;
 *                   - ESP8266 NONOS in "boot mode": a RAM-only boot loader
 *                     image at 0x0 and an application image at 0x1000;
 *                     the size map in the application's header gives the
 *                     second slot (0x81000 for 512+512, 0x101000 for
 *                     1024+1024) and the SDK's system areas sit in the
 *                     last 5 sectors (RF calibration, init data, system
 *                     parameters). The dump must be a power of two from
 *                     512 KiB to 16 MiB: a flash chip;
 *   esp_init_data   the ESP8266's 128-byte RF/PHY init data
 *                   (esp_init_data_default.bin), recognised only as a
 *                   whole 128-byte file by its fixed leading bytes.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/esp_image.h"
#include "unpack/format.h"

#define PT_ENTRY 32
#define PT_MAX_LEN 0xC00
#define PT_MAX_ENTRIES (PT_MAX_LEN / PT_ENTRY)
#define PT_MAGIC 0x50AA
#define PT_MD5_MAGIC 0xEBEB
#define PT_SECTOR 0x1000
#define PT_MAX_FLASH (1u << 30)          /* no ESP maps more than 1 GiB of flash */

typedef struct pt_entry {
	uint8_t type, subtype;
	uint32_t offset, size, flags;
	char label[17];
} pt_entry;

typedef struct pt_table {
	unsigned n;
	pt_entry e[PT_MAX_ENTRIES];
	bool has_md5, md5_ok;
	size_t len;                 /* bytes of entries, MD5 entry included */
} pt_table;

static bool label_ok(const uint8_t *p)
{
	size_t i = 0;
	for (; i < 16 && p[i]; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return false;
	for (size_t j = i; j < 16; j++)
		if (p[j])
			return false;
	return true;
}

static bool type_ok(uint8_t type)
{
	/* app, data, bootloader, partition_table (IDF 5.3), custom types */
	return type <= 3 || (type >= 0x40 && type < 0xFF);
}

static bool entry_ok(const uint8_t *p)
{
	uint32_t off = fg_load_u32le(p + 4), size = fg_load_u32le(p + 8), flags = fg_load_u32le(p + 28);
	return type_ok(p[2]) && off % PT_SECTOR == 0 && size > 0 && off < PT_MAX_FLASH &&
	       size <= PT_MAX_FLASH - off && flags <= 3 && label_ok(p + 12);
}

static bool md5_matches(const uint8_t *data, size_t n, const uint8_t *want)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int k = 0;
	return EVP_Digest(data, n, md, &k, EVP_md5(), NULL) && k == 16 && !memcmp(md, want, 16);
}

/* Parses the table at DATA. False when not even one entry is valid. */
static bool parse_table(const uint8_t *data, size_t len, pt_table *t)
{
	memset(t, 0, sizeof(*t));
	size_t pos = 0;
	while (pos + PT_ENTRY <= len && pos < PT_MAX_LEN) {
		const uint8_t *p = data + pos;
		uint16_t magic = (uint16_t)(p[0] | p[1] << 8);
		if (magic == PT_MD5_MAGIC) {
			if (!t->n)
				return false;
			t->has_md5 = true;
			t->md5_ok = md5_matches(data, pos, p + 16);
			pos += PT_ENTRY;
			break;
		}
		if (magic != PT_MAGIC || !entry_ok(p))
			break;
		pt_entry *e = &t->e[t->n++];
		e->type = p[2];
		e->subtype = p[3];
		e->offset = fg_load_u32le(p + 4);
		e->size = fg_load_u32le(p + 8);
		e->flags = fg_load_u32le(p + 28);
		memcpy(e->label, p + 12, 16);
		e->label[16] = '\0';
		pos += PT_ENTRY;
	}
	t->len = pos;
	return t->n > 0;
}

/* How much a table is worth: an MD5 that matches, or several entries. */
static int table_confidence(const pt_table *t)
{
	if (t->has_md5)
		return t->md5_ok ? 90 : 30;
	return t->n >= 2 ? 70 : 40;
}

static const char *subtype_name(uint8_t type, uint8_t sub, char *buf, size_t cap)
{
	if (type == 0) {
		if (sub == 0x00)
			return "factory";
		if (sub >= 0x10 && sub < 0x20) {
			snprintf(buf, cap, "ota_%u", sub - 0x10);
			return buf;
		}
		if (sub == 0x20)
			return "test";
	} else if (type == 1) {
		static const char *const d[] = { "ota", "phy", "nvs", "coredump", "nvs_keys", "efuse",
						 "undefined" };
		static const char *const d8[] = { "esphttpd", "fat", "spiffs", "littlefs" };
		if (sub < 7)
			return d[sub];
		if (sub >= 0x80 && sub < 0x84)
			return d8[sub - 0x80];
	} else if (type == 2 || type == 3) {
		static const char *const b[] = { "primary", "ota", "recovery" };
		if (sub < 3)
			return b[sub];
	}
	snprintf(buf, cap, "0x%02x", sub);
	return buf;
}

static const char *type_name(uint8_t type, char *buf, size_t cap)
{
	static const char *const names[] = { "app", "data", "bootloader", "partition_table" };
	if (type < 4)
		return names[type];
	snprintf(buf, cap, "0x%02x", type);
	return buf;
}

static void size_text(uint32_t size, char *buf, size_t cap)
{
	if (size % (1u << 20) == 0)
		snprintf(buf, cap, "%uM", size >> 20);
	else if (size % 1024 == 0)
		snprintf(buf, cap, "%uK", size >> 10);
	else
		snprintf(buf, cap, "%u", size);
}

static void describe_table(const pt_table *t, char *buf, size_t cap)
{
	size_t k = (size_t)snprintf(buf, cap, "%u partitions, %s", t->n,
				    !t->has_md5 ? "no MD5" : t->md5_ok ? "MD5 ok" : "MD5 mismatch");
	for (unsigned i = 0; i < t->n && k < cap; i++) {
		const pt_entry *e = &t->e[i];
		char tb[8], sb[8], sz[16];
		size_text(e->size, sz, sizeof(sz));
		int w = snprintf(buf + k, cap - k, "%s %s %s/%s 0x%x %s%s", i ? ";" : ":", e->label,
				 type_name(e->type, tb, sizeof(tb)),
				 subtype_name(e->type, e->subtype, sb, sizeof(sb)), e->offset, sz,
				 e->flags & 1 ? " encrypted" : "");
		if (w < 0)
			break;
		k += (size_t)w;
	}
}

/* ---- esp_partitions: the table alone ------------------------------------ */

static int pt_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	pt_table t;
	if (!parse_table(data, len, &t))
		return 0;
	*chunk_len = t.len;
	return table_confidence(&t);
}

/*
 * Described, nothing inside. Not a leaf: the engine carves inside a leaf
 * that starts a blob, and every entry after the first is again the start
 * of a valid-looking table.
 */
static int pt_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	pt_table t;
	if (!parse_table(data, len, &t)) {
		fg_unpack_fail(ctx, "not an ESP partition table");
		return -1;
	}
	root->src_length = t.len;
	char info[1024];
	describe_table(&t, info, sizeof(info));
	fg_tree *tree = fg_unpack_tree(ctx);
	pthread_mutex_lock(&tree->lock);
	root->format_info = fg_arena_strdup(&tree->arena, info);
	pthread_mutex_unlock(&tree->lock);
	if (t.has_md5 && !t.md5_ok)
		fg_unpack_truncated(ctx, root, "partition table MD5 mismatch");
	return 0;
}

static const fg_magic pt_magics[] = {
	{ "\xaa\x50", 2, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_esp_partitions = {
	.name = "esp_partitions",
	.kind = FG_FMT_WRAPPER,
	.magics = pt_magics,
	.probe = pt_probe,
	.unpack = pt_unpack,
};

/* ---- esp_flash: whole flash dumps ---------------------------------------- */

#define ESP32_TABLE_MIN 0x8000
#define ESP32_TABLE_MAX 0x10000
#define ESP8266_MIN_FLASH (512u << 10)
#define ESP8266_MAX_FLASH (16u << 20)
#define ESP8266_SYSTEM_SECTORS 5   /* RF cal, init data, 3 sectors of system parameters */
#define INIT_DATA_LEN 128

typedef struct flash_layout {
	bool esp8266;
	/* ESP32 family */
	size_t boot_off, table_off;
	pt_table table;
	fg_esp_image boot;
	/* ESP8266 */
	size_t bank;                /* size of one application slot */
	size_t chunk;
} flash_layout;

/* The ESP32 family's second-stage boot loader: at 0x0 on the newer
 * chips, 0x1000 on ESP32 and ESP32-S2, 0x2000 on ESP32-P4 and C5. */
static bool find_bootloader(const uint8_t *data, size_t len, size_t table_off, flash_layout *f)
{
	static const size_t offs[] = { 0x1000, 0x0, 0x2000 };
	for (size_t i = 0; i < 3; i++) {
		if (offs[i] >= table_off || offs[i] >= len)
			continue;
		fg_esp_status st = fg_esp_image_parse(data + offs[i], table_off - offs[i], &f->boot);
		if (st == FG_ESP_OK && !f->boot.esp8266) {
			f->boot_off = offs[i];
			return true;
		}
	}
	return false;
}

static uint64_t esp32_flash_bytes(const fg_esp_image *boot)
{
	unsigned s = boot->flash_size_freq >> 4;
	return s < 8 ? (uint64_t)(1u << 20) << s : 0;
}

static bool layout_esp32(const uint8_t *data, size_t len, flash_layout *f)
{
	for (size_t off = ESP32_TABLE_MIN; off <= ESP32_TABLE_MAX && off + PT_ENTRY <= len;
	     off += PT_SECTOR) {
		if (data[off] != 0xAA || data[off + 1] != 0x50)
			continue;
		if (!parse_table(data + off, len - off, &f->table) ||
		    table_confidence(&f->table) < 70)
			continue;
		if (!find_bootloader(data, len, off, f))
			continue;
		f->table_off = off;
		uint64_t end = off + PT_SECTOR;
		for (unsigned i = 0; i < f->table.n; i++) {
			uint64_t e = (uint64_t)f->table.e[i].offset + f->table.e[i].size;
			if (e > end)
				end = e;
		}
		uint64_t flash = esp32_flash_bytes(&f->boot);
		if (flash > end)
			end = flash;
		f->chunk = end < len ? (size_t)end : len;
		return true;
	}
	return false;
}

/* Slot size of the NONOS size map in an application header, 0 when the
 * map has no second slot. */
static size_t esp8266_bank(uint8_t size_freq, size_t flash)
{
	static const uint32_t map_flash[] = { 512u << 10, 256u << 10, 1u << 20, 2u << 20, 4u << 20,
					      2u << 20, 4u << 20, 0, 8u << 20, 16u << 20 };
	unsigned code = size_freq >> 4;
	if (code >= 10 || code == 1 || code == 7 || map_flash[code] != flash)
		return 0;
	if (code == 0)
		return 256u << 10;
	return code <= 4 ? 512u << 10 : 1u << 20;
}

static bool layout_esp8266(const uint8_t *data, size_t len, flash_layout *f)
{
	if (len < ESP8266_MIN_FLASH || len > ESP8266_MAX_FLASH || (len & (len - 1)))
		return false;
	fg_esp_image boot, app;
	if (fg_esp_image_parse(data, PT_SECTOR, &boot) != FG_ESP_OK || !boot.esp8266 || boot.ota_v2)
		return false;
	for (unsigned i = 0; i < boot.nseg; i++)
		if (boot.seg[i].addr >= 0x40200000)
			return false; /* a boot loader runs from RAM */
	if (fg_esp_image_parse(data + PT_SECTOR, len - PT_SECTOR, &app) != FG_ESP_OK || !app.esp8266)
		return false;
	size_t bank = esp8266_bank(app.flash_size_freq, len);
	if (!bank || 2 * bank > len)
		return false;
	f->esp8266 = true;
	f->bank = bank;
	f->chunk = len;
	return true;
}

static bool flash_layout_of(const uint8_t *data, size_t len, flash_layout *f)
{
	memset(f, 0, sizeof(*f));
	return layout_esp32(data, len, f) || layout_esp8266(data, len, f);
}

static int flash_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	flash_layout f;
	if (!flash_layout_of(data, len, &f))
		return 0;
	*chunk_len = f.chunk;
	/* above the boot loader image that starts the same bytes */
	return 96;
}

/* the table sits 0x8000 into a dump */
static const fg_magic flash_magics[] = {
	{ "\xaa\x50", 2, 0x8000 },
	FG_MAGIC_END,
};

/* A child slice [OFF, OFF+SIZE) of the dump, cut to what is there. */
static fg_node *slice(fg_unpack_ctx *ctx, fg_node *root, const char *name, const uint8_t *data,
		      size_t len, uint64_t off, uint64_t size)
{
	fg_node *n = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
	if (!n)
		return NULL;
	size_t have = off >= len ? 0 : (uint64_t)len - off < size ? len - (size_t)off : (size_t)size;
	n->data = have ? data + off : NULL;
	n->data_len = have;
	n->size = size;
	n->mode = 0644;
	if (have < size)
		fg_unpack_truncated(ctx, n, "partition cut at %zu of %llu bytes", have,
				    (unsigned long long)size);
	return n;
}

/* A file name from a partition label: printable, no '/', unique. */
static void label_name(const pt_entry *e, unsigned idx, fg_node *root, char *buf, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; e->label[i] && k + 1 < cap; i++) {
		char c = e->label[i];
		buf[k++] = c == '/' || c == ' ' ? '_' : c;
	}
	buf[k] = '\0';
	if (!k || !strcmp(buf, ".") || !strcmp(buf, ".."))
		snprintf(buf, cap, "part%u-0x%x", idx, e->offset);
	if (fg_node_find_child(root, buf, strlen(buf))) {
		size_t l = strlen(buf);
		snprintf(buf + l, cap - l, "-%u", idx);
	}
}

static int unpack_esp32(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len,
			const flash_layout *f)
{
	int emitted = 0;
	if (slice(ctx, root, "bootloader.bin", data, len, f->boot_off, f->table_off - f->boot_off))
		emitted++;
	if (slice(ctx, root, "partition-table.bin", data, len, f->table_off, PT_SECTOR))
		emitted++;
	for (unsigned i = 0; i < f->table.n; i++) {
		const pt_entry *e = &f->table.e[i];
		char name[48];
		label_name(e, i, root, name, sizeof(name));
		if (e->offset < f->table_off + PT_SECTOR && e->type > 3)
			fg_unpack_truncated(ctx, root, "partition %s at 0x%x overlaps the boot area",
					    name, e->offset);
		if (slice(ctx, root, name, data, len, e->offset, e->size))
			emitted++;
	}
	if (f->table.has_md5 && !f->table.md5_ok)
		fg_unpack_truncated(ctx, root, "partition table MD5 mismatch");
	return emitted;
}

/* The init data's 128 bytes when the sector starts with them. */
static bool init_data_like(const uint8_t *p, size_t n);

static int unpack_esp8266(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len,
			  const flash_layout *f)
{
	size_t sys = len - ESP8266_SYSTEM_SECTORS * PT_SECTOR;
	size_t user2_end = 2 * f->bank < sys ? 2 * f->bank : sys;
	int emitted = 0;
	emitted += slice(ctx, root, "boot.bin", data, len, 0, PT_SECTOR) != NULL;
	emitted += slice(ctx, root, "user1.bin", data, len, PT_SECTOR, f->bank - PT_SECTOR) != NULL;
	if (f->bank + PT_SECTOR < user2_end)
		emitted += slice(ctx, root, "user2.bin", data, len, f->bank + PT_SECTOR,
				 user2_end - f->bank - PT_SECTOR) != NULL;
	if (2 * f->bank < sys)
		emitted += slice(ctx, root, "user_data.bin", data, len, 2 * f->bank,
				 sys - 2 * f->bank) != NULL;
	emitted += slice(ctx, root, "rf_cal.bin", data, len, sys, PT_SECTOR) != NULL;
	size_t init = sys + PT_SECTOR;
	bool exact = init_data_like(data + init, INIT_DATA_LEN);
	emitted += slice(ctx, root, "esp_init_data.bin", data, len, init,
			 exact ? INIT_DATA_LEN : PT_SECTOR) != NULL;
	emitted += slice(ctx, root, "system_param.bin", data, len, init + PT_SECTOR,
			 3 * PT_SECTOR) != NULL;
	return emitted;
}

static int flash_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	flash_layout f;
	if (!flash_layout_of(data, len, &f)) {
		fg_unpack_fail(ctx, "no ESP flash layout");
		return -1;
	}
	root->src_length = f.chunk;
	char info[256];
	if (f.esp8266) {
		snprintf(info, sizeof(info), "ESP8266 NONOS flash %zu KiB, %zu+%zu KiB slots", len >> 10,
			 f.bank >> 10, f.bank >> 10);
	} else {
		snprintf(info, sizeof(info),
			 "%s flash, bootloader at 0x%zx, partition table at 0x%zx: %u partitions, %s",
			 f.boot.chip, f.boot_off, f.table_off, f.table.n,
			 !f.table.has_md5 ? "no MD5" : f.table.md5_ok ? "MD5 ok" : "MD5 mismatch");
	}
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
	int emitted = f.esp8266 ? unpack_esp8266(ctx, root, data, f.chunk, &f)
				: unpack_esp32(ctx, root, data, f.chunk, &f);
	return emitted ? 0 : -1;
}

const fg_format fg_format_esp_flash = {
	.name = "esp_flash",
	.kind = FG_FMT_WRAPPER,
	.magics = flash_magics,
	.probe = flash_probe,
	.unpack = flash_unpack,
};

/* ---- esp_init_data: the ESP8266's RF init data --------------------------- */

/*
 * No magic: the SDK's defaults start 05 xx 04 02 05 05 05 02 and hold
 * e1 0a at 64 (the crystal and frequency-correction fields); tools edit
 * only the later power and ADC bytes. A whole file of exactly 128 bytes
 * is required, so nothing is ever carved on these bytes alone.
 */
static bool init_data_like(const uint8_t *p, size_t n)
{
	static const uint8_t lead[] = { 0x04, 0x02, 0x05, 0x05, 0x05, 0x02 };
	return n >= INIT_DATA_LEN && p[0] == 0x05 && !memcmp(p + 2, lead, sizeof(lead)) &&
	       p[64] == 0xE1 && p[65] == 0x0A;
}

static int init_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	if (len != INIT_DATA_LEN || !init_data_like(data, len))
		return 0;
	*chunk_len = len;
	return 60;
}

static void init_describe(const uint8_t *data, size_t len, char *buf, size_t cap)
{
	if (len < 2) {
		snprintf(buf, cap, "ESP8266 RF/PHY init data (short)");
		return;
	}
	snprintf(buf, cap, "ESP8266 RF/PHY init data (esp_init_data_default), byte 1 0x%02x", data[1]);
}

const fg_format fg_format_esp_init_data = {
	.name = "esp_init_data",
	.kind = FG_FMT_LEAF,
	.magics = NULL,
	.probe = init_probe,
	.describe = init_describe,
};
