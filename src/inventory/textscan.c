#include "inventory/textscan.h"

#include <ctype.h>
#include <string.h>

bool fg_kv_get(const uint8_t *data, size_t len, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);
	size_t pos = 0;
	while (pos < len) {
		const uint8_t *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len;
		const uint8_t *line = data + pos;
		size_t ll = end - pos;
		while (ll && (line[0] == ' ' || line[0] == '\t')) {
			line++;
			ll--;
		}
		if (ll > klen && memcmp(line, key, klen) == 0 && line[klen] == '=') {
			const uint8_t *v = line + klen + 1;
			size_t vl = ll - klen - 1;
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
				v++;
				vl -= 2;
			}
			if (vl >= cap)
				vl = cap - 1;
			size_t k = 0;
			for (size_t i = 0; i < vl; i++)
				if (v[i] >= 0x20 && v[i] != 0x7f)
					out[k++] = (char)v[i];
			out[k] = '\0';
			return true;
		}
		pos = end + 1;
	}
	return false;
}

static bool version_char(uint8_t c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '+' || c == '~';
}

bool fg_find_version_after(const uint8_t *data, size_t len, const char *prefix,
			   char *out, size_t cap)
{
	size_t pl = strlen(prefix);
	if (pl == 0 || len < pl || cap < 2)
		return false;
	const uint8_t *p = data;
	const uint8_t *end = data + len;
	while ((size_t)(end - p) >= pl) {
		const uint8_t *hit = memmem(p, (size_t)(end - p), prefix, pl);
		if (!hit)
			return false;
		const uint8_t *v = hit + pl;
		if (v < end && isdigit(*v)) {
			size_t k = 0;
			while (v < end && version_char(*v) && k + 1 < cap)
				out[k++] = (char)*v++;
			while (k && !isalnum((unsigned char)out[k - 1]))
				k--; /* "1.35.0." at a sentence end */
			out[k] = '\0';
			if (k)
				return true;
		}
		p = hit + 1;
	}
	return false;
}
