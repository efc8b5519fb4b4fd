/*
 * dji.c - DJI "xV4" firmware containers (Phantom 3 era and later).
 *
 * Layout as documented by dji-firmware-tools (dji_xv4_fwcon.py), all
 * little-endian. A 64-byte header: magic 0x12345678, 16-bit magic version,
 * 16-bit header end offset, timestamp, manufacturer[16], model[16], entry
 * count (16 bits), latest and rollback versions (each XORed with the
 * timestamp and 0x5127a564), 10 bytes of padding. Then one 52-byte entry
 * per module: target (kind in bits 0-4, model in bits 5-7), encryption in
 * the high nibble of the next byte, 16 reserved bits, version, data
 * offset, stored and decrypted lengths, MD5 of the stored and of the
 * decrypted data. A 16-bit checksum of header and entries (DJI's CRC-16,
 * the reflected 0x8408 polynomial seeded with 0x3692) ends the header.
 *
 * Encryption type 1 is AES-128-CBC with a published key and a zero IV,
 * restarted for every 256-byte block; such modules are decrypted. Modules
 * are named like FACT's DJI unpacker names them: "m<kind><model>_<target
 * description>.module", e.g. "m0305_main_controller.module".
 */
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "unpack/format.h"

#define DJI_MAGIC 0x12345678u
#define DJI_HDR 64
#define DJI_ENTRY 52
#define DJI_MAX_ENTRIES 256
#define DJI_AES_BLOCK 256
#define DJI_INFO 1024

static const uint8_t aes_key[16] = {
	0x96, 0x70, 0x9a, 0xd3, 0x26, 0x67, 0x4a, 0xc3,
	0x82, 0xb6, 0x69, 0x27, 0xe6, 0xd8, 0x84, 0x21,
};

/* Module descriptions (dji-firmware-tools' target table); model -1 names
 * the kind when the model is not listed. */
static const struct { int kind, model; const char *desc; } targets[] = {
	{ 1, -1, "camera" }, { 1, 0, "camera 'Ambarella A9SE' App" },
	{ 1, 1, "camera 'Ambarella A9SE' Ldr" }, { 1, 2, "camera BST" }, { 1, 4, "camera BCPU" },
	{ 1, 5, "camera LCPU" }, { 1, 6, "camera 'Xilinx Zynq 7020'" }, { 2, -1, "mobile app" },
	{ 3, -1, "main controller" }, { 3, 5, "main controller 'A3' ldr" },
	{ 3, 6, "main controller 'A3' app" }, { 4, -1, "gimbal" }, { 4, 0, "gimbal mdl 0" },
	{ 5, -1, "central board" }, { 5, 0, "central board mdl 0" }, { 6, -1, "remote radio" },
	{ 7, -1, "Wi-Fi" }, { 7, 0, "Wi-Fi mdl 0" }, { 8, -1, "video encoder in air" },
	{ 8, 0, "video encoder 'DaVinci Dm368 Linux'" }, { 8, 1, "video encoder 'IG810 LB2_ENC'" },
	{ 9, -1, "lightbridge MCU in air" }, { 9, 0, "lightbridge MCU 'STM32F103'" },
	{ 10, -1, "battery firmware" }, { 11, -1, "battery controller" },
	{ 11, 0, "battery controller 1 app" }, { 11, 1, "battery controller 2 app" },
	{ 12, -1, "electronic speed control" }, { 12, 0, "electronic speed control 0" },
	{ 12, 1, "electronic speed control 1" }, { 12, 2, "electronic speed control 2" },
	{ 12, 3, "electronic speed control 3" }, { 13, 0, "video decoder" },
	{ 13, 1, "video decoder 'DaVinci Dm385 Linux'" }, { 14, -1, "lightbridge MCU on ground" },
	{ 14, 0, "lightbridge MCU 'LPC1765 GROUND LB2'" }, { 15, -1, "transmitter usb controller" },
	{ 15, 0, "transmitter usb 'IG810 LB2_68013_TX'" }, { 16, -1, "receiver usb controller" },
	{ 16, 0, "receiver usb 'IG810 LB2_68013_RX ground'" },
	{ 16, 1, "receiver usb 'IG810 LB2_CY2014_RX ground'" }, { 17, -1, "visual positioning" },
	{ 17, 0, "visual positioning module 'camera'" }, { 17, 1, "visual positioning module 'sonar'" },
	{ 19, -1, "lightbridge FPGA on air" }, { 19, 0, "lightbridge FPGA on air model 0" },
	{ 20, -1, "lightbridge FPGA on ground" }, { 20, 3, "lightbridge FPGA on ground 'LB2'" },
	{ 25, -1, "inertial measurement unit" }, { 25, 0, "inertial measurement unit pt0" },
	{ 25, 1, "inertial measurement unit pt1" }, { 26, -1, "real time kinematic" },
	{ 26, 6, "real time kinematic App" }, { 26, 7, "real time kinematic Ldr" },
	{ 27, -1, "Wi-Fi ground" }, { 29, -1, "power management unit" },
	{ 29, 0, "power management unit App" }, { 29, 1, "power management unit Ldr" },
	{ 30, -1, "test A" }, { 31, -1, "test B" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef struct dji_hdr {
	uint16_t magic_ver, hdr_end, count;
	uint32_t timestamp, ver_latest, ver_rollbk;
	char manufacturer[17], model[17];
} dji_hdr;

typedef struct dji_entry {
	uint8_t target, coding;
	uint32_t version, offset, stored_len, decrypted_len;
	const uint8_t *stored_md5, *decrypted_md5;
} dji_entry;

static void copy_str(char *dst, const uint8_t *src, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && src[i]; i++)
		dst[o++] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[o] = '\0';
}

static bool parse_header(const uint8_t *data, size_t len, dji_hdr *h)
{
	fg_cursor c = fg_cur_make(data, len);
	uint32_t magic = fg_cur_u32le(&c);
	h->magic_ver = fg_cur_u16le(&c);
	h->hdr_end = fg_cur_u16le(&c);
	h->timestamp = fg_cur_u32le(&c);
	const uint8_t *manu = fg_cur_take(&c, 16);
	const uint8_t *model = fg_cur_take(&c, 16);
	h->count = fg_cur_u16le(&c);
	uint32_t latest = fg_cur_u32le(&c);
	uint32_t rollbk = fg_cur_u32le(&c);
	fg_cur_skip(&c, 10);
	if (!fg_cur_ok(&c) || magic != DJI_MAGIC || h->count == 0 || h->count > DJI_MAX_ENTRIES)
		return false;
	/* the header end is stated; it must be where the entries end */
	if (h->hdr_end != DJI_HDR + (uint32_t)h->count * DJI_ENTRY + 2)
		return false;
	h->ver_latest = latest ^ h->timestamp ^ 0x5127a564u;
	h->ver_rollbk = rollbk ^ h->timestamp ^ 0x5127a564u;
	if (latest == 0 && rollbk == 0)
		h->ver_latest = h->ver_rollbk = 0;
	copy_str(h->manufacturer, manu, 16);
	copy_str(h->model, model, 16);
	return true;
}

static void parse_entry(const uint8_t *p, dji_entry *e)
{
	e->target = p[0];
	e->coding = p[1];
	e->version = fg_load_u32le(p + 4);
	e->offset = fg_load_u32le(p + 8);
	e->stored_len = fg_load_u32le(p + 12);
	e->decrypted_len = fg_load_u32le(p + 16);
	e->stored_md5 = p + 20;
	e->decrypted_md5 = p + 36;
}

static uint16_t crc16(const uint8_t *p, size_t n, uint16_t crc)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = crc & 1 ? (uint16_t)((crc >> 1) ^ 0x8408) : (uint16_t)(crc >> 1);
	}
	return crc;
}

/* Where the modules end (the chunk length); 0 when an entry is absurd. */
static uint64_t modules_end(const uint8_t *data, const dji_hdr *h)
{
	uint64_t end = h->hdr_end;
	for (unsigned i = 0; i < h->count; i++) {
		dji_entry e;
		parse_entry(data + DJI_HDR + (size_t)i * DJI_ENTRY, &e);
		if (!e.stored_len)
			continue;
		if (e.offset < h->hdr_end)
			return 0;
		uint64_t stop = (uint64_t)e.offset + e.stored_len;
		if (stop > end)
			end = stop;
	}
	return end;
}

static int dji_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	dji_hdr h;
	if (!parse_header(data, len, &h) || h.hdr_end > len)
		return 0;
	uint64_t end = modules_end(data, &h);
	if (!end)
		return 0;
	uint16_t want = (uint16_t)(data[h.hdr_end - 2] | data[h.hdr_end - 1] << 8);
	bool crc_ok = crc16(data, h.hdr_end - 2u, 0x3692) == want;
	*chunk_len = end <= len ? end : len;
	if (end > len)
		return crc_ok ? 50 : 20;
	return crc_ok ? 95 : 50;
}

static bool md5_eq(const uint8_t *p, size_t n, const uint8_t *want)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && EVP_DigestInit_ex(c, EVP_md5(), NULL) && EVP_DigestUpdate(c, p, n) &&
		  EVP_DigestFinal_ex(c, md, &mdlen) && mdlen == 16;
	EVP_MD_CTX_free(c);
	return ok && memcmp(md, want, 16) == 0;
}

/* AES-128-CBC restarted every 256 bytes; a tail short of a whole AES
 * block is copied as it is (DJI's tools cannot produce one). */
static bool decrypt(const uint8_t *in, size_t n, uint8_t *out)
{
	static const uint8_t iv[16];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (!c)
		return false;
	bool ok = true;
	for (size_t off = 0; off < n && ok; off += DJI_AES_BLOCK) {
		size_t k = n - off < DJI_AES_BLOCK ? n - off : DJI_AES_BLOCK;
		size_t whole = k & ~(size_t)15;
		int got = 0, fin = 0;
		if (whole) {
			ok = EVP_DecryptInit_ex(c, EVP_aes_128_cbc(), NULL, aes_key, iv) &&
			     EVP_CIPHER_CTX_set_padding(c, 0) &&
			     EVP_DecryptUpdate(c, out + off, &got, in + off, (int)whole) &&
			     EVP_DecryptFinal_ex(c, out + off + got, &fin) &&
			     (size_t)(got + fin) == whole;
		}
		if (k > whole)
			memcpy(out + off + whole, in + off + whole, k - whole);
	}
	EVP_CIPHER_CTX_free(c);
	return ok;
}

static const char *target_desc(uint8_t target, char *buf, size_t cap)
{
	int kind = target & 31, model = target >> 5;
	for (size_t i = 0; i < NELEM(targets); i++)
		if (targets[i].kind == kind && targets[i].model == model)
			return targets[i].desc;
	for (size_t i = 0; i < NELEM(targets); i++)
		if (targets[i].kind == kind && targets[i].model == -1) {
			snprintf(buf, cap, "%s model %02d", targets[i].desc, model);
			return buf;
		}
	snprintf(buf, cap, "device kind %02d model %02d", kind, model);
	return buf;
}

/* FACT's file name part: the description up to its first character
 * other than a letter, digit or space, spaces made underscores, trimmed. */
static void name_part(const char *desc, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; desc[i] && o + 1 < cap; i++) {
		char ch = desc[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == ' '))
			break;
		out[o++] = ch == ' ' ? '_' : ch;
	}
	while (o && out[o - 1] == '_')
		o--;
	out[o] = '\0';
	size_t s = 0;
	while (out[s] == '_')
		s++;
	memmove(out, out + s, o - s + 1);
	if (!out[0])
		snprintf(out, cap, "default");
}

static void set_info(fg_unpack_ctx *ctx, fg_node *root, const char *info)
{
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
}

static void appendf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, cap - used, fmt, ap);
	va_end(ap);
}

static void emit_module(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len,
			const dji_entry *e, char *info, size_t cap)
{
	char dbuf[64], part[64], name[96];
	const char *desc = target_desc(e->target, dbuf, sizeof(dbuf));
	name_part(desc, part, sizeof(part));
	snprintf(name, sizeof(name), "m%02d%02d_%s.module", e->target & 31, e->target >> 5, part);
	if (fg_node_find_child(root, name, strlen(name)))
		snprintf(name, sizeof(name), "m%02d%02d_%s-%u.module", e->target & 31, e->target >> 5,
			 part, e->offset);
	unsigned enc = e->coding >> 4;
	size_t have = e->offset < len ? (len - e->offset < e->stored_len ? len - e->offset : e->stored_len) : 0;
	bool whole = have == e->stored_len;
	bool sok = whole && md5_eq(data + e->offset, have, e->stored_md5);
	appendf(info, cap, "; m%02d%02d '%s' v%02u.%02u.%04u %u bytes%s md5 %s", e->target & 31,
		e->target >> 5, desc, e->version >> 24, (e->version >> 16) & 255, e->version & 0xffff,
		e->stored_len, enc == 1 ? " aes" : enc ? " encrypted" : "",
		!whole ? "not checked" : sok ? "ok" : "mismatch");
	if (whole && !sok)
		fg_unpack_truncated(ctx, root, "%s: stored MD5 mismatch", name);
	if (!have) {
		fg_unpack_truncated(ctx, root, "%s: data at 0x%x lies past the end", name, e->offset);
		return;
	}
	fg_node *n = fg_unpack_add(ctx, root, name, FG_NODE_FILE);
	if (!n)
		return;
	n->mode = 0644;
	n->size = e->stored_len;
	n->data = data + e->offset;
	n->data_len = have;
	if (!whole)
		fg_unpack_truncated(ctx, n, "cut at %zu of %u bytes", have, e->stored_len);
	if (enc == 1) {
		uint8_t *plain = fg_unpack_alloc(ctx, have);
		if (!plain) {
			fg_unpack_truncated(ctx, n, "byte budget exhausted: kept encrypted");
			return;
		}
		if (!decrypt(data + e->offset, have, plain)) {
			fg_unpack_truncated(ctx, n, "AES decryption failed: kept encrypted");
			return;
		}
		n->data = plain;
		bool dok = whole && md5_eq(plain, have, e->decrypted_md5);
		appendf(info, cap, ", decrypted md5 %s", !whole ? "not checked" : dok ? "ok" : "mismatch");
		if (whole && !dok)
			fg_unpack_truncated(ctx, n, "decrypted MD5 mismatch (wrong key?)");
	} else if (enc) {
		fg_unpack_truncated(ctx, n, "encryption type %u unknown: kept encrypted", enc);
	}
}

static int dji_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	dji_hdr h;
	if (!parse_header(data, len, &h) || h.hdr_end > len) {
		fg_unpack_fail(ctx, "bad DJI xV4 header");
		return -1;
	}
	uint64_t end = modules_end(data, &h);
	if (!end) {
		fg_unpack_fail(ctx, "module data overlaps the header");
		return -1;
	}
	size_t stop = end <= len ? (size_t)end : len;
	root->src_length = stop;
	uint16_t want = (uint16_t)(data[h.hdr_end - 2] | data[h.hdr_end - 1] << 8);
	uint16_t got = crc16(data, h.hdr_end - 2u, 0x3692);

	char info[DJI_INFO];
	snprintf(info, sizeof(info), "xV4 '%s' model '%s' magic_ver %04x; %u entries; header crc %s",
		 h.manufacturer, h.model, h.magic_ver, h.count, want == got ? "ok" : "mismatch");
	if (h.ver_latest)
		appendf(info, sizeof(info), "; ver_latest %02u.%02u.%04u", h.ver_latest >> 24,
			(h.ver_latest >> 16) & 255, h.ver_latest & 0xffff);
	if (want != got)
		fg_unpack_truncated(ctx, root, "header checksum mismatch (stored 0x%04x, computed 0x%04x)",
				    want, got);
	if (end > len)
		fg_unpack_truncated(ctx, root, "image truncated: %zu of %llu bytes present", len,
				    (unsigned long long)end);
	for (unsigned i = 0; i < h.count; i++) {
		dji_entry e;
		parse_entry(data + DJI_HDR + (size_t)i * DJI_ENTRY, &e);
		if (e.stored_len)
			emit_module(ctx, root, data, stop, &e, info, sizeof(info));
	}
	set_info(ctx, root, info);
	return root->nchildren ? 0 : -1;
}

static const fg_magic dji_magics[] = {
	{ "\x78\x56\x34\x12", 4, 0 },
	FG_MAGIC_END,
};

const fg_format fg_format_dji = {
	.name = "dji",
	.kind = FG_FMT_WRAPPER,
	.magics = dji_magics,
	.probe = dji_probe,
	.unpack = dji_unpack,
};
