/*
 * crc32.h - the CRC-32 of gzip, zlib and most firmware headers.
 *
 * Same function and calling convention as zlib's crc32() (running value,
 * 0 to start; pre- and post-inverted), but for any length in one call
 * (no uInt steps), computed by libdeflate, whose
 * carry-less-multiply code is several times faster: uImage, TRX and UBI
 * checks run it over whole images.
 */
#ifndef FG_CRC32_H
#define FG_CRC32_H

#include <stddef.h>
#include <stdint.h>

#include <libdeflate.h>

static inline uint32_t fg_crc32(uint32_t crc, const void *p, size_t n)
{
	return n ? libdeflate_crc32(crc, p, n) : crc;
}

#endif
