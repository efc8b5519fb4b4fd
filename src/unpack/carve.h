/*
 * carve.h - finding chunks of known formats anywhere in a blob.
 *
 * One pass of a multi-pattern matcher (Vectorscan/Hyperscan, literal
 * mode) over the blob finds every magic of every registered format; each
 * hit is a candidate chunk start that the format's probe then confirms
 * and measures. Bytes no handler claims are classified for the coverage
 * report.
 */
#ifndef FG_CARVE_H
#define FG_CARVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/tree.h"
#include "core/vec.h"
#include "unpack/format.h"

typedef struct fg_candidate {
	uint64_t start;
	const fg_format *format;
} fg_candidate;

typedef FG_VEC(fg_candidate) fg_candidate_vec;

/* Per-thread matcher state. */
typedef struct fg_scanner fg_scanner;

/* NULL when the magic database cannot be built (then carving is off and
 * only whole files are identified). */
fg_scanner *fg_scanner_new(void);
void fg_scanner_free(fg_scanner *s);

/* Whether DATA could hold a candidate at all: not when it is shorter than
 * every magic, nor when it is only 0x00/0xFF padding and no magic is made
 * of those bytes alone (checked over the registry, so such a magic, if
 * one is ever added, turns the shortcut off). A file system padded to
 * its block size then ends without the matcher being built or run. */
bool fg_scan_could_match(const uint8_t *data, size_t len);

/* Appends every candidate in DATA, sorted by start, at most MAX; returns
 * false when the cap was reached (the list is then incomplete). */
bool fg_scanner_find(fg_scanner *s, const uint8_t *data, size_t len, size_t max,
		     fg_candidate_vec *out);

/* Shannon entropy of DATA in bits per byte. */
double fg_entropy(const uint8_t *data, size_t len);

typedef FG_VEC(fg_range) fg_range_vec;

/* Splits the unclaimed range [OFFSET, OFFSET+LEN) of BLOB into padding
 * runs (0x00 or 0xFF, at least 64 bytes, or the whole range) and the
 * parts between them, classified as unknown or high entropy, and appends
 * them to OUT in order. */
void fg_coverage_gap(const uint8_t *blob, uint64_t offset, uint64_t len, fg_range_vec *out);

#endif
