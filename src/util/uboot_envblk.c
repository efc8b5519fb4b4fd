/*
 * uboot_envblk.c - binary U-Boot environment blocks (see uboot_envblk.h).
 */
#include "core/crc32.h"
#include "util/uboot_envblk.h"

#include <string.h>
#include <zlib.h>

bool fg_envblk_name_ok(const char *s, size_t len)
{
	if (!len || len > FG_ENVBLK_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '=')
			return false;
	}
	return true;
}

static uint32_t crc_more(uint32_t crc, const uint8_t *d, size_t len)
{
	while (len) {
		uInt k = len > (1u << 30) ? (1u << 30) : (uInt)len;
		crc = (uint32_t)fg_crc32(crc, d, k);
		d += k;
		len -= k;
	}
	return crc;
}

/* "name=" starts at DATA+HDR (a cheap test before any CRC). */
static bool starts_with_name(const uint8_t *data, size_t len, size_t hdr)
{
	size_t k = hdr;
	while (k < len && k < hdr + FG_ENVBLK_NAME_MAX + 1 && data[k] > 0x20 && data[k] < 0x7f &&
	       data[k] != '=')
		k++;
	return k > hdr && k < len && data[k] == '=';
}

bool fg_envblk_check(const uint8_t *data, size_t len, fg_envblk *b)
{
	if (!data || len < 9)
		return false;
	uint32_t stored = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
			  (uint32_t)data[3] << 24;
	for (size_t hdr = 4; hdr <= 5; hdr++) {
		if (!starts_with_name(data, len, hdr))
			continue;
		if (crc_more(0, data + hdr, len - hdr) != stored)
			continue;
		memset(b, 0, sizeof(*b));
		b->size = len;
		b->hdr = hdr;
		b->flag = hdr == 5 ? data[4] : 0;
		b->crc = stored;
		const uint8_t *z = memmem(data + hdr, len - hdr, "\0\0", 2);
		b->end = z ? (size_t)(z - data) + 1 : len;
		return true;
	}
	return false;
}

/* Where the pairs from HDR end (the offset of the closing empty string),
 * or 0 when an entry is not "name=value" or no empty string comes within
 * the largest block. */
static size_t pairs_end(const uint8_t *data, size_t len, size_t hdr)
{
	size_t lim = len < FG_ENVBLK_MAX_SIZE ? len : FG_ENVBLK_MAX_SIZE;
	size_t p = hdr;
	while (p < lim && data[p]) {
		const uint8_t *z = memchr(data + p, 0, lim - p);
		if (!z)
			return 0;
		size_t e = (size_t)(z - data);
		const uint8_t *eq = memchr(data + p, '=', e - p);
		if (!eq || !fg_envblk_name_ok((const char *)data + p, (size_t)(eq - data) - p))
			return 0;
		/* values are text: scripts with tabs and newlines, UTF-8 */
		for (const uint8_t *v = eq + 1; v < z; v++)
			if (*v < 0x20 && *v != '\t' && *v != '\n' && *v != '\r')
				return 0;
		p = e + 1;
	}
	return p < lim && p > hdr ? p : 0;
}

static const uint32_t small_sizes[] = { 0x200, 0x400, 0x800 };

/* Next size at or above AT that boards use, or 0. */
static size_t next_size(size_t at)
{
	for (size_t i = 0; i < sizeof(small_sizes) / sizeof(small_sizes[0]); i++)
		if (small_sizes[i] >= at)
			return small_sizes[i];
	size_t s = (at + 0xfff) & ~(size_t)0xfff;
	return s <= FG_ENVBLK_MAX_SIZE ? s : 0;
}

static bool find_layout(const uint8_t *data, size_t len, size_t hdr, uint32_t stored, fg_envblk *b)
{
	if (!starts_with_name(data, len, hdr))
		return false;
	size_t end = pairs_end(data, len, hdr);
	if (!end)
		return false;
	/* after the closing NUL: one padding byte repeated (U-Boot zeroes the
	 * buffer it exports into, mkenvimage fills with 0xff) */
	size_t lim = len < FG_ENVBLK_MAX_SIZE ? len : FG_ENVBLK_MAX_SIZE;
	size_t pad = end + 1;
	if (pad < lim) {
		uint8_t v = data[pad];
		while (pad < lim && data[pad] == v)
			pad++;
	}
	/* the CRC grows with the data area: one pass tries every size */
	uint32_t crc = crc_more(0, data + hdr, end + 1 - hdr);
	size_t at = end + 1;
	for (size_t s = next_size(at); s && s <= pad; s = next_size(s + 1)) {
		crc = crc_more(crc, data + at, s - at);
		at = s;
		if (crc == stored) {
			memset(b, 0, sizeof(*b));
			b->size = s;
			b->hdr = hdr;
			b->flag = hdr == 5 ? data[4] : 0;
			b->crc = stored;
			b->end = end;
			return true;
		}
	}
	return false;
}

bool fg_envblk_find(const uint8_t *data, size_t len, fg_envblk *b)
{
	if (!data || len < FG_ENVBLK_MIN_SIZE)
		return false;
	uint32_t stored = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
			  (uint32_t)data[3] << 24;
	return find_layout(data, len, 4, stored, b) || find_layout(data, len, 5, stored, b);
}

bool fg_envblk_next(const uint8_t *data, size_t len, size_t *pos, fg_envpair *p)
{
	size_t i = *pos;
	while (i < len && data[i]) {
		const uint8_t *z = memchr(data + i, 0, len - i);
		size_t e = z ? (size_t)(z - data) : len;
		const char *s = (const char *)data + i;
		const char *eq = memchr(s, '=', e - i);
		size_t at = i;
		i = e + 1;
		if (!eq || !fg_envblk_name_ok(s, (size_t)(eq - s)))
			continue;
		*pos = i;
		p->name = s;
		p->name_len = (size_t)(eq - s);
		p->value = eq + 1;
		p->value_len = e - at - p->name_len - 1;
		p->offset = at;
		return true;
	}
	*pos = i < len ? i : len;
	return false;
}
