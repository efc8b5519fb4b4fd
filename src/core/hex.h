/*
 * hex.h - bytes as lowercase hexadecimal (digests, fingerprints).
 */
#ifndef FG_HEX_H
#define FG_HEX_H

#include <stddef.h>

/* Writes 2*N digits and a NUL to OUT. */
static inline void fg_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

#endif
