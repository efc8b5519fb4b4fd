/*
 * esp_image.c - Espressif ESP8266 and ESP32-family firmware images.
 *
 * An image (esptool's "elf2image" output, what the ROM loader boots) is
 * an 8-byte header: magic 0xE9, segment count, SPI flash mode, flash
 * size (high nibble) and frequency (low nibble), entry point. The ESP32
 * family adds a 16-byte extended header: WP pin, SPI pin drive settings,
 * a chip id, chip revision bounds, 4 reserved bytes and a flag saying a
 * SHA-256 of the image follows it. Then the segments, each a load
 * address and a length before its data; then padding so that the
 * checksum byte (0xEF XORed with every segment data byte) ends a 16-byte
 * line; then the optional digest.
 *
 * The ESP8266's OTA images ("new" format, magic 0xEA) start with a
 * second header and the flash-mapped irom code as a pseudo segment
 * (address 0, not in the checksum); a complete 0xE9 image follows, and a
 * CRC32 of everything before it ends the file.
 *
 * ESP-IDF puts an application descriptor (esp_app_desc_t, magic word
 * 0xABCD5432) at the start of the first DROM segment: app version,
 * project name, build time and date, IDF version and the ELF's SHA-256.
 * Its bootloaders (IDF 5.2 on) start their first segment with a
 * bootloader descriptor (esp_bootloader_desc_t, magic byte 0x50): a
 * version, the IDF version and the build date. ESP8266 NONOS and RTOS
 * images carry the SDK's version only as strings.
 *
 * 0xE9 is a one-byte magic: a candidate must have a plausible segment
 * count, flash mode and entry point, every segment at a load address the
 * chip can load, every segment inside the data, and a matching checksum
 * before it is carved.
 *
 * Each segment becomes a child named after its index and load address,
 * so the engine can look inside (a DROM segment holds the strings, an
 * irom the SDK).
 */
#include "core/crc32.h"
#include "unpack/esp_image.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define ESP_MAGIC 0xE9
#define ESP_OTA_V2_MAGIC 0xEA
#define ESP_HEADER 8
#define ESP_EXT_HEADER 16
#define ESP_SEG_HEADER 8
#define ESP_CHECKSUM_SEED 0xEF
#define ESP_DIGEST 32
#define ESP_MAX_SEGMENT (16u << 20)      /* no chip maps more than 16 MiB at once */
#define ESP_MAX_IROM (1u << 20)          /* the ESP8266 maps 1 MiB of flash */
#define ESP_PADDING_SEGMENT 0x10000      /* esptool's alignment filler: address 0 */

#define APP_DESC_MAGIC 0xABCD5432u
#define APP_DESC_SIZE 256
#define BOOT_DESC_MAGIC 0x50
#define BOOT_DESC_SIZE 80

/* NONOS non-OTA layout: a RAM image at 0x0, irom0text at 0x10000 mapped
 * at 0x40210000. */
#define NONOS_IROM_FLASH 0x10000
#define NONOS_IROM_ADDR 0x40210000u
#define NONOS_IROM_MAX 0x100000
#define SECTOR 0x1000

typedef struct window {
	uint32_t start, end;
} window;

#define WIN_END { 0, 0 }

static const window win_esp8266[] = {
	{ 0x3FFE8000, 0x40000000 }, { 0x40100000, 0x40110000 }, { 0x40200000, 0x40300000 },
	{ 0x60000000, 0x60002000 }, WIN_END,
};
static const window win_esp8266_entry[] = {
	{ 0x40100000, 0x40110000 }, { 0x40200000, 0x40300000 }, WIN_END,
};
static const window win_esp32[] = {
	{ 0x3F400000, 0x40000000 }, { 0x40000000, 0x40C00000 }, { 0x50000000, 0x50002000 }, WIN_END,
};
static const window win_s2[] = {
	{ 0x3F000000, 0x40000000 }, { 0x40000000, 0x40800000 }, { 0x50000000, 0x50002000 }, WIN_END,
};
static const window win_s3[] = {
	{ 0x3C000000, 0x3E000000 }, { 0x3FC80000, 0x3FD00000 }, { 0x40370000, 0x403E0000 },
	{ 0x42000000, 0x44000000 }, { 0x50000000, 0x50002000 }, { 0x600FE000, 0x60100000 }, WIN_END,
};
static const window win_c3[] = {
	{ 0x3C000000, 0x3C800000 }, { 0x3FC80000, 0x3FCE0000 }, { 0x4037C000, 0x403E0000 },
	{ 0x42000000, 0x42800000 }, { 0x50000000, 0x50002000 }, WIN_END,
};
static const window win_c2[] = {
	{ 0x3C000000, 0x3C400000 }, { 0x3FCA0000, 0x3FCE0000 }, { 0x4037C000, 0x403C0000 },
	{ 0x42000000, 0x42400000 }, WIN_END,
};
/* C6, H2, C5, C61, H21 and their betas: one SRAM, flash at 0x42000000 */
static const window win_c6[] = {
	{ 0x40800000, 0x40880000 }, { 0x42000000, 0x44000000 }, { 0x50000000, 0x50004000 }, WIN_END,
};
static const window win_p4[] = {
	{ 0x30100000, 0x30102000 }, { 0x40000000, 0x4C000000 }, { 0x4FF00000, 0x4FFC0000 },
	{ 0x50108000, 0x50110000 }, { 0x600FE000, 0x60100000 }, WIN_END,
};
/* chips this table does not know yet: every bus any of them uses */
static const window win_generic[] = {
	{ 0x30000000, 0x60200000 }, WIN_END,
};

typedef struct chip {
	uint16_t id;
	const char *name;
	const window *win;
} chip;

static const chip chips[] = {
	{ 0, "ESP32", win_esp32 },
	{ 2, "ESP32-S2", win_s2 },
	{ 4, "ESP32-S3(beta2)", win_s3 },
	{ 5, "ESP32-C3", win_c3 },
	{ 7, "ESP32-C6(beta)", win_c6 },
	{ 9, "ESP32-S3", win_s3 },
	{ 10, "ESP32-H2(beta1)", win_c6 },
	{ 12, "ESP32-C2", win_c2 },
	{ 13, "ESP32-C6", win_c6 },
	{ 14, "ESP32-H2(beta2)", win_c6 },
	{ 16, "ESP32-H2", win_c6 },
	{ 17, "ESP32-C5(beta3)", win_c6 },
	{ 18, "ESP32-P4", win_p4 },
	{ 20, "ESP32-C61", win_c6 },
	{ 23, "ESP32-C5", win_c6 },
	{ 25, "ESP32-H21", win_c6 },
	{ 28, "ESP32-H4", win_generic },
	{ 32, "ESP32-S31", win_generic },
};

#define MAX_CHIP_ID 63   /* ids are small and dense; beyond this it is not a header */

static const chip *chip_by_id(uint16_t id)
{
	for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++)
		if (chips[i].id == id)
			return &chips[i];
	return NULL;
}

static bool in_window(const window *w, uint32_t addr, uint64_t len)
{
	for (; w->end; w++)
		if (addr >= w->start && (uint64_t)addr + len <= w->end)
			return true;
	return false;
}

static bool is_irom8266(uint32_t addr)
{
	return addr >= 0x40200000 && addr < 0x40300000;
}

/* ---- parsing ------------------------------------------------------------ */

/* The common 8-byte header: plausible mode, size and frequency codes. */
static bool header_sane(const uint8_t *h)
{
	unsigned freq = h[3] & 0x0F, size = h[3] >> 4;
	return h[1] >= 1 && h[1] <= FG_ESP_MAX_SEGMENTS && h[2] <= 5 &&
	       (freq <= 2 || freq == 0xF) && size <= 9;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* SUM XORed with every byte of P, eight at a time. */
static uint8_t xor_bytes(uint8_t sum, const uint8_t *p, size_t n)
{
	uint64_t acc = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		acc ^= w;
	}
	for (int k = 0; k < 8; k++)
		sum ^= (uint8_t)(acc >> (8 * k));
	for (; i < n; i++)
		sum ^= p[i];
	return sum;
}

/*
 * Parses the 0xE9 image at OFF of DATA as an ESP8266 image (no extended
 * header) or an ESP32-family one. The checksum alignment counts from the
 * start of DATA: an 0xEA image's inner image is aligned in the file.
 */
static fg_esp_status parse_e9(const uint8_t *data, size_t len, size_t off, bool esp8266,
			      fg_esp_image *img)
{
	if (off > len || len - off < ESP_HEADER || data[off] != ESP_MAGIC || !header_sane(data + off))
		return FG_ESP_NOT;
	const uint8_t *h = data + off;
	img->esp8266 = esp8266;
	img->flash_mode = h[2];
	img->flash_size_freq = h[3];
	img->entry = fg_load_u32le(h + 4);
	size_t pos = off + ESP_HEADER;
	const window *win = win_esp8266, *entry_win = win_esp8266_entry;
	if (esp8266) {
		img->chip = "ESP8266";
		img->known_chip = true;
	} else {
		if (len - pos < ESP_EXT_HEADER)
			return FG_ESP_NOT;
		const uint8_t *e = data + pos;
		img->chip_id = (uint16_t)(e[4] | e[5] << 8);
		img->min_rev_full = (uint16_t)(e[7] | e[8] << 8);
		img->max_rev_full = (uint16_t)(e[9] | e[10] << 8);
		/* reserved bytes are zero and the digest flag is a boolean */
		if (!all_bytes(e + 11, 4, 0) || e[15] > 1 || img->chip_id > MAX_CHIP_ID)
			return FG_ESP_NOT;
		img->has_digest = e[15] == 1;
		const chip *c = chip_by_id(img->chip_id);
		img->known_chip = c != NULL;
		img->chip = c ? c->name : NULL;
		win = entry_win = c ? c->win : win_generic;
		pos += ESP_EXT_HEADER;
	}
	if (!in_window(entry_win, img->entry, 1))
		return FG_ESP_NOT;

	/* the headers first: no checksum work on a candidate that does not
	 * even fit the data */
	unsigned nseg = h[1];
	img->nseg = 0;
	for (unsigned i = 0; i < nseg; i++) {
		if (len - pos < ESP_SEG_HEADER)
			return img->nseg ? FG_ESP_TRUNCATED : FG_ESP_NOT;
		uint32_t addr = fg_load_u32le(data + pos), slen = fg_load_u32le(data + pos + 4);
		bool padding = !esp8266 && addr == 0 && slen <= ESP_PADDING_SEGMENT;
		if (slen > ESP_MAX_SEGMENT || (!padding && !in_window(win, addr, slen)))
			return FG_ESP_NOT;
		fg_esp_segment *s = &img->seg[img->nseg++];
		s->addr = addr;
		s->len = slen;
		s->off = pos + ESP_SEG_HEADER;
		s->have = len - s->off < slen ? len - s->off : slen;
		if (s->have < slen)
			return FG_ESP_TRUNCATED;
		pos = s->off + slen;
	}
	uint8_t sum = ESP_CHECKSUM_SEED;
	for (unsigned i = 0; i < img->nseg; i++)
		sum = xor_bytes(sum, data + img->seg[i].off, img->seg[i].len);
	/* the checksum byte ends a 16-byte line */
	size_t cpos = pos + (15 - pos % 16);
	if (cpos >= len)
		return FG_ESP_TRUNCATED;
	img->checksum = data[cpos];
	img->checksum_calc = sum;
	img->image_end = cpos + 1;
	if (img->has_digest) {
		if (len - img->image_end < ESP_DIGEST)
			return FG_ESP_TRUNCATED;
		img->image_end += ESP_DIGEST;
	}
	return img->checksum == sum ? FG_ESP_OK : FG_ESP_BAD_CHECKSUM;
}

/* ESP8266's CRC32 flavour: zlib's CRC, then inverted or incremented. */
static uint32_t esp8266_crc(const uint8_t *data, size_t len)
{
	uint32_t c = fg_crc32(0, data, len);
	return c & 0x80000000u ? c ^ 0xFFFFFFFFu : c + 1;
}

static fg_esp_status parse_ota_v2(const uint8_t *data, size_t len, fg_esp_image *img)
{
	if (len < 16 || data[0] != ESP_OTA_V2_MAGIC || !header_sane(data))
		return FG_ESP_NOT;
	uint32_t entry = fg_load_u32le(data + 4);
	uint32_t irom_addr = fg_load_u32le(data + 8), irom_len = fg_load_u32le(data + 12);
	if (irom_len > ESP_MAX_IROM || (irom_addr && !is_irom8266(irom_addr)))
		return FG_ESP_NOT;
	size_t inner = 16 + (size_t)irom_len;
	fg_esp_status st = parse_e9(data, len, inner, true, img);
	/* both headers name the same entry point: cheap and telling */
	if (st == FG_ESP_NOT || img->entry != entry)
		return FG_ESP_NOT;
	img->ota_v2 = true;
	img->has_irom = true;
	img->irom_off = 16;
	img->irom_len = irom_len;
	img->irom_addr = irom_addr;
	if (st == FG_ESP_OK || st == FG_ESP_BAD_CHECKSUM) {
		if (len - img->image_end < 4)
			return FG_ESP_TRUNCATED;
		img->has_crc = true;
		img->crc = fg_load_u32le(data + img->image_end);
		img->crc_calc = esp8266_crc(data, img->image_end);
		img->image_end += 4;
	}
	return st;
}

/*
 * A NONOS "non-boot mode" image is RAM only and its irom0text lies at
 * flash 0x10000 with nothing but erased flash between them: claim it,
 * up to the first erased sector (or the 1 MiB the chip maps).
 */
static void nonos_irom(const uint8_t *data, size_t len, fg_esp_image *img)
{
	if (!img->esp8266 || img->ota_v2 || img->status != FG_ESP_OK ||
	    img->image_end > NONOS_IROM_FLASH || len <= NONOS_IROM_FLASH + 16)
		return;
	for (unsigned i = 0; i < img->nseg; i++)
		if (is_irom8266(img->seg[i].addr))
			return;
	if (!all_bytes(data + img->image_end, NONOS_IROM_FLASH - img->image_end, 0xFF) ||
	    all_bytes(data + NONOS_IROM_FLASH, 16, 0xFF))
		return;
	size_t end = len < NONOS_IROM_MAX ? len : NONOS_IROM_MAX;
	for (size_t s = NONOS_IROM_FLASH + SECTOR; s < end; s += SECTOR) {
		size_t n = end - s < SECTOR ? end - s : SECTOR;
		if (all_bytes(data + s, n, 0xFF)) {
			end = s;
			break;
		}
	}
	img->has_irom = true;
	img->irom_off = NONOS_IROM_FLASH;
	img->irom_len = end - NONOS_IROM_FLASH;
	img->irom_addr = NONOS_IROM_ADDR;
}

/* Copies a fixed-size, NUL-padded text field as printable text. */
static void field_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && p[i] && k + 1 < cap; i++)
		out[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[k] = '\0';
}

/* A text field: printable up to its NUL (or its end), at least one char. */
static bool field_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;
	for (; i < n && p[i]; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return false;
	for (size_t j = i; j < n; j++)
		if (p[j])
			return false; /* text after the NUL: not a descriptor */
	return i > 0;
}

static void app_desc(const uint8_t *data, fg_esp_image *img)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const fg_esp_segment *s = &img->seg[i];
		if (s->have < APP_DESC_SIZE)
			continue;
		const uint8_t *d = data + s->off;
		if (fg_load_u32le(d) != APP_DESC_MAGIC)
			continue;
		img->has_app_desc = true;
		img->secure_version = fg_load_u32le(d + 4);
		field_text(d + 16, 32, img->app_version, sizeof(img->app_version));
		field_text(d + 48, 32, img->project, sizeof(img->project));
		field_text(d + 80, 16, img->app_time, sizeof(img->app_time));
		field_text(d + 96, 16, img->app_date, sizeof(img->app_date));
		field_text(d + 112, 32, img->idf_ver, sizeof(img->idf_ver));
		memcpy(img->elf_sha256, d + 144, 32);
		return;
	}
}

/* The bootloader descriptor's magic is one byte: the fields around it
 * must look right too. */
static void boot_desc(const uint8_t *data, fg_esp_image *img)
{
	if (!img->nseg || img->seg[0].have < BOOT_DESC_SIZE)
		return;
	const uint8_t *d = data + img->seg[0].off;
	uint32_t version = fg_load_u32le(d + 4);
	if (d[0] != BOOT_DESC_MAGIC || d[1] || d[2] || version > 0xFFFF ||
	    !field_ok(d + 8, 32) || !field_ok(d + 40, 24))
		return;
	img->has_boot_desc = true;
	img->boot_version = version;
	field_text(d + 8, 32, img->boot_idf_ver, sizeof(img->boot_idf_ver));
	field_text(d + 40, 24, img->boot_date_time, sizeof(img->boot_date_time));
}

fg_esp_status fg_esp_image_parse(const uint8_t *data, size_t len, fg_esp_image *img)
{
	memset(img, 0, sizeof(*img));
	if (len < ESP_HEADER)
		return FG_ESP_NOT;
	fg_esp_status st;
	if (data[0] == ESP_OTA_V2_MAGIC) {
		st = parse_ota_v2(data, len, img);
	} else {
		/* the same bytes read as an ESP32-family and as an ESP8266
		 * image: keep the reading that holds together better */
		fg_esp_image other;
		memset(&other, 0, sizeof(other));
		st = parse_e9(data, len, 0, false, img);
		if (st != FG_ESP_OK) {
			fg_esp_status st2 = parse_e9(data, len, 0, true, &other);
			if (st2 > st) {
				*img = other;
				st = st2;
			}
		}
	}
	img->status = st;
	if (st == FG_ESP_NOT) {
		memset(img, 0, sizeof(*img));
		return st;
	}
	if (!img->chip)
		img->chip = "ESP32 family";
	if (!img->esp8266) {
		app_desc(data, img);
		boot_desc(data, img);
	}
	nonos_irom(data, len, img);
	if (st == FG_ESP_TRUNCATED)
		img->chunk_len = len;
	else if (img->has_irom && !img->ota_v2)
		img->chunk_len = img->irom_off + img->irom_len;
	else
		img->chunk_len = img->image_end;
	return st;
}

int fg_esp_image_digest_ok(const uint8_t *data, const fg_esp_image *img)
{
	if (!img->has_digest || img->image_end < ESP_DIGEST || img->status == FG_ESP_TRUNCATED)
		return -1;
	size_t body = img->image_end - ESP_DIGEST;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!EVP_Digest(data, body, md, &n, EVP_sha256(), NULL) || n != ESP_DIGEST)
		return -1;
	return memcmp(md, data + body, ESP_DIGEST) == 0;
}

bool fg_esp_idf_release(const char *v, char *out, size_t cap)
{
	if (*v == 'v')
		v++;
	size_t k = 0, dots = 0;
	if (*v < '0' || *v > '9')
		return false;
	for (; *v && k + 1 < cap; v++) {
		if (*v == '.') {
			if (dots == 2 || v[1] < '0' || v[1] > '9')
				break;
			dots++;
		} else if (*v < '0' || *v > '9') {
			break;
		}
		out[k++] = *v;
	}
	out[k] = '\0';
	return dots >= 1;
}

/* ---- strings of ESP8266 SDKs and applications --------------------------- */

typedef struct region {
	const uint8_t *p;
	size_t n;
} region;

static size_t regions_of(const uint8_t *data, const fg_esp_image *img, region *r, size_t cap)
{
	size_t k = 0;
	if (img->has_irom && k < cap)
		r[k++] = (region){ data + img->irom_off, img->irom_len };
	for (unsigned i = 0; i < img->nseg && k < cap; i++)
		r[k++] = (region){ data + img->seg[i].off, img->seg[i].have };
	return k;
}

/* Where NEEDLE ends in the regions; *LEFT gets the bytes after it. */
static const uint8_t *find_after(const region *r, size_t nr, const char *needle, size_t *left)
{
	size_t nl = strlen(needle);
	for (size_t i = 0; i < nr; i++) {
		const uint8_t *hit = r[i].n >= nl ? memmem(r[i].p, r[i].n, needle, nl) : NULL;
		if (hit) {
			*left = r[i].n - (size_t)(hit - r[i].p) - nl;
			return hit + nl;
		}
	}
	return NULL;
}

/* Printable text at P up to a NUL or control byte, runs of spaces made
 * one ("Jul  1 2016" -> "Jul 1 2016"). */
static void text_at(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap && p[i] >= 0x20 && p[i] < 0x7f; i++) {
		if (p[i] == ' ' && k && out[k - 1] == ' ')
			continue;
		out[k++] = (char)p[i];
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static bool is_hex(uint8_t c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
static bool is_alnum(uint8_t c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/*
 * An SDK version string ending in a NUL at P: "3.0.6-dev(072755c)",
 * "1.5.4.1(39cb9a32)", or, when NEED_HASH is false, "1.3.0". Returns
 * its length, 0 when P holds none.
 */
static size_t sdk_version_at(const uint8_t *p, size_t n, bool need_hash)
{
	size_t i = 0;
	unsigned parts = 0;
	for (;;) {
		size_t s = i;
		while (i < n && is_digit(p[i]))
			i++;
		if (i == s || i - s > 4)
			return 0;
		parts++;
		if (i < n && p[i] == '.' && parts < 4) {
			i++;
			continue;
		}
		break;
	}
	if (parts < 3)
		return 0;
	if (i < n && p[i] == '-') {
		size_t s = ++i;
		while (i < n && is_alnum(p[i]) && i - s < 12)
			i++;
		if (i == s)
			return 0;
	}
	bool hash = false;
	if (i < n && p[i] == '(') {
		size_t s = ++i;
		while (i < n && is_hex(p[i]))
			i++;
		if (i - s < 7 || i - s > 8 || i >= n || p[i] != ')')
			return 0;
		i++;
		hash = true;
	}
	if (i >= n || p[i] != 0 || (need_hash && !hash))
		return 0;
	return i;
}

static void sdk_version(const uint8_t *data, fg_esp_image *img, const region *r, size_t nr)
{
	/* a version with its git hash, wherever it is */
	for (size_t i = 0; i < nr; i++) {
		for (size_t k = 0; k < r[i].n; k++) {
			/* a string starts after a NUL or padding, not mid-text */
			if (!is_digit(r[i].p[k]) || (k && r[i].p[k - 1] >= 0x20 && r[i].p[k - 1] < 0x7f))
				continue;
			size_t l = sdk_version_at(r[i].p + k, r[i].n - k, true);
			if (l) {
				text_at(r[i].p + k, l, img->sdk_version, sizeof(img->sdk_version));
				return;
			}
		}
	}
	/* older SDKs: a bare version first in the data segment */
	for (unsigned i = 0; i < img->nseg; i++) {
		const fg_esp_segment *s = &img->seg[i];
		if (s->addr < 0x3FFE8000 || s->addr >= 0x40000000)
			continue;
		size_t l = sdk_version_at(data + s->off, s->have, false);
		if (l) {
			text_at(data + s->off, l, img->sdk_version, sizeof(img->sdk_version));
			return;
		}
	}
}

void fg_esp_image_strings(const uint8_t *data, fg_esp_image *img)
{
	if (!img->esp8266)
		return;
	region r[FG_ESP_MAX_SEGMENTS + 1];
	size_t nr = regions_of(data, img, r, FG_ESP_MAX_SEGMENTS + 1);
	size_t left = 0;
	const uint8_t *p = find_after(r, nr, "2nd boot version : ", &left);
	if (p)
		text_at(p, left, img->boot_build, sizeof(img->boot_build));
	/* NONOS prints "SDK ver: %s compiled @ <__DATE__ __TIME__>" at boot */
	p = find_after(r, nr, "SDK ver: %s compiled @ ", &left);
	if (p) {
		text_at(p, left, img->sdk_compiled, sizeof(img->sdk_compiled));
		sdk_version(data, img, r, nr);
	}
	if (find_after(r, nr, "NodeMCU custom build", &left) || find_after(r, nr, "NodeMCU ", &left))
		snprintf(img->app_name, sizeof(img->app_name), "NodeMCU");
	/* Espressif's AT firmware: "Bin version(Wroom 02):1.7.6" */
	p = find_after(r, nr, "Bin version(", &left);
	if (p && find_after(r, nr, "AT version:", &(size_t){ 0 })) {
		const uint8_t *q = memmem(p, left < 40 ? left : 40, "):", 2);
		snprintf(img->app_name, sizeof(img->app_name), "AT");
		if (q)
			text_at(q + 2, left - (size_t)(q + 2 - p), img->app_build, sizeof(img->app_build));
		p = find_after(r, nr, "compile time:", &left);
		if (p)
			text_at(p, left, img->app_compiled, sizeof(img->app_compiled));
	}
}

/* ---- the handler -------------------------------------------------------- */

static int esp_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	fg_esp_image img;
	fg_esp_status st = fg_esp_image_parse(data, len, &img);
	switch (st) {
	case FG_ESP_OK:
		*chunk_len = img.chunk_len;
		if (img.has_crc && img.crc == img.crc_calc)
			return 95;
		return img.known_chip ? (img.esp8266 ? 85 : 90) : 70;
	case FG_ESP_BAD_CHECKSUM:
		/* reported at the start of a file, never carved */
		*chunk_len = img.chunk_len;
		return 25;
	case FG_ESP_TRUNCATED:
		*chunk_len = len;
		return 20;
	default:
		return 0;
	}
}

/* 0xE9 and a segment count of 1..16; 0xEA and its customary 4 */
static const fg_magic esp_magics[] = {
	{ "\xe9\x01", 2, 0 }, { "\xe9\x02", 2, 0 }, { "\xe9\x03", 2, 0 }, { "\xe9\x04", 2, 0 },
	{ "\xe9\x05", 2, 0 }, { "\xe9\x06", 2, 0 }, { "\xe9\x07", 2, 0 }, { "\xe9\x08", 2, 0 },
	{ "\xe9\x09", 2, 0 }, { "\xe9\x0a", 2, 0 }, { "\xe9\x0b", 2, 0 }, { "\xe9\x0c", 2, 0 },
	{ "\xe9\x0d", 2, 0 }, { "\xe9\x0e", 2, 0 }, { "\xe9\x0f", 2, 0 }, { "\xe9\x10", 2, 0 },
	{ "\xea\x04", 2, 0 },
	FG_MAGIC_END,
};

static const char *mode_name(uint8_t m)
{
	static const char *const names[] = { "QIO", "QOUT", "DIO", "DOUT", "FAST_READ", "SLOW_READ" };
	return m < 6 ? names[m] : "?";
}

static const char *flash_size(const fg_esp_image *img)
{
	static const char *const esp32[] = { "1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB",
					     "128MB" };
	static const char *const esp8266[] = { "512KB", "256KB", "1MB", "2MB", "4MB", "2MB-c1",
					       "4MB-c1", "?", "8MB", "16MB" };
	unsigned s = img->flash_size_freq >> 4;
	if (img->esp8266)
		return s < 10 ? esp8266[s] : "?";
	return s < 8 ? esp32[s] : "?";
}

typedef struct strbuf {
	char *p;
	size_t cap, len;
} strbuf;

static void add(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(strbuf *b, const char *fmt, ...)
{
	if (b->len >= b->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (k > 0)
		b->len = b->len + (size_t)k < b->cap ? b->len + (size_t)k : b->cap;
}

static void describe_esp8266(const fg_esp_image *img, strbuf *b)
{
	add(b, "ESP8266 %s", img->ota_v2 ? "OTA v2 image" : "image");
	if (img->boot_build[0])
		add(b, ", boot loader %s", img->boot_build);
	if (img->app_name[0]) {
		add(b, ", %s", img->app_name);
		if (img->app_build[0])
			add(b, " %s", img->app_build);
		if (img->app_compiled[0])
			add(b, " compiled %s", img->app_compiled);
	}
	if (img->sdk_version[0] || img->sdk_compiled[0]) {
		add(b, ", SDK");
		if (img->sdk_version[0])
			add(b, " %s", img->sdk_version);
		if (img->sdk_compiled[0])
			add(b, " compiled %s", img->sdk_compiled);
	}
}

static void describe_esp32(const fg_esp_image *img, strbuf *b)
{
	if (img->known_chip)
		add(b, "%s", img->chip);
	else
		add(b, "ESP32 family (chip id %u)", img->chip_id);
	if (img->has_app_desc) {
		char date[40];
		snprintf(date, sizeof(date), "%s %s", img->app_date, img->app_time);
		add(b, " app, project '%s' version '%s', ESP-IDF %s, compiled %s", img->project,
		    img->app_version, img->idf_ver, date);
		if (img->secure_version)
			add(b, ", secure version %u", img->secure_version);
	} else if (img->has_boot_desc) {
		add(b, " bootloader v%u, ESP-IDF %s, compiled %s", img->boot_version,
		    img->boot_idf_ver, img->boot_date_time);
	}
}

static void describe(const uint8_t *data, const fg_esp_image *img, int digest, strbuf *b)
{
	(void)data;
	if (img->esp8266)
		describe_esp8266(img, b);
	else
		describe_esp32(img, b);
	add(b, "; entry 0x%08x, %u segments", img->entry, img->nseg);
	if (img->has_irom)
		add(b, " + irom %zu bytes", img->irom_len);
	if (img->status == FG_ESP_TRUNCATED)
		add(b, ", %s %s flash, truncated", mode_name(img->flash_mode), flash_size(img));
	else
		add(b, ", %zu bytes, %s %s flash, checksum %s", img->image_end, mode_name(img->flash_mode),
		    flash_size(img), img->checksum == img->checksum_calc ? "ok" : "mismatch");
	if (digest >= 0)
		add(b, ", sha256 %s", digest ? "ok" : "mismatch");
	if (img->has_crc)
		add(b, ", crc32 %s", img->crc == img->crc_calc ? "ok" : "mismatch");
	if (img->has_app_desc) {
		add(b, ", ELF sha256 ");
		for (int i = 0; i < 32; i++)
			add(b, "%02x", img->elf_sha256[i]);
	}
}

static void report_problems(fg_unpack_ctx *ctx, fg_node *root, const fg_esp_image *img, int digest)
{
	if (img->status == FG_ESP_TRUNCATED)
		fg_unpack_truncated(ctx, root, "image truncated: segments or checksum past the end of the data");
	else if (img->checksum != img->checksum_calc)
		fg_unpack_truncated(ctx, root, "checksum mismatch (stored 0x%02x, computed 0x%02x)",
				    img->checksum, img->checksum_calc);
	if (digest == 0)
		fg_unpack_truncated(ctx, root, "appended SHA-256 does not match the image");
	if (img->has_crc && img->crc != img->crc_calc)
		fg_unpack_truncated(ctx, root, "CRC32 mismatch (stored 0x%08x, computed 0x%08x)",
				    img->crc, img->crc_calc);
}

static fg_node *emit(fg_unpack_ctx *ctx, fg_node *root, const char *name, const uint8_t *p,
		     size_t have, size_t size)
{
	fg_node *n = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
	if (!n)
		return NULL;
	n->data = p;
	n->data_len = have;
	n->size = size;
	n->mode = 0644;
	if (have < size)
		fg_unpack_truncated(ctx, n, "segment cut at %zu of %zu bytes", have, size);
	return n;
}

static int esp_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	fg_esp_image img;
	if (fg_esp_image_parse(data, len, &img) == FG_ESP_NOT) {
		fg_unpack_fail(ctx, "not an ESP image");
		return -1;
	}
	fg_esp_image_strings(data, &img);
	int digest = fg_esp_image_digest_ok(data, &img);
	root->src_length = img.chunk_len;

	char info[768];
	strbuf b = { info, sizeof(info), 0 };
	info[0] = '\0';
	describe(data, &img, digest, &b);
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
	report_problems(ctx, root, &img, digest);

	int emitted = 0;
	char name[64];
	if (img.has_irom) {
		if (img.irom_addr)
			snprintf(name, sizeof(name), "irom0-0x%08x.bin", img.irom_addr);
		else
			snprintf(name, sizeof(name), "irom0.bin");
		size_t have = img.irom_off < len ? len - img.irom_off : 0;
		if (have > img.irom_len)
			have = img.irom_len;
		if (emit(ctx, root, name, data + img.irom_off, have, img.irom_len))
			emitted++;
	}
	for (unsigned i = 0; i < img.nseg; i++) {
		const fg_esp_segment *s = &img.seg[i];
		snprintf(name, sizeof(name), "seg%u-0x%08x.bin", i, s->addr);
		if (emit(ctx, root, name, data + s->off, s->have, s->len))
			emitted++;
	}
	return emitted ? 0 : -1;
}

const fg_format fg_format_esp_image = {
	.name = "esp_image",
	.kind = FG_FMT_WRAPPER,
	.magics = esp_magics,
	.probe = esp_probe,
	.unpack = esp_unpack,
};
