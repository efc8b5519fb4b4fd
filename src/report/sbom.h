/*
 * sbom.h - what the CycloneDX and SPDX writers share: a reproducible
 * creation time, a document identity derived from the content, digests.
 */
#ifndef FG_SBOM_H
#define FG_SBOM_H

#include <stddef.h>

#include "core/result.h"

/* "2024-01-31T12:00:00Z": SOURCE_DATE_EPOCH when set, else now. */
void fg_sbom_timestamp(char out[32]);

/* A name-based (version 5) UUID over the input's name and digest and
 * every component: the same scan gives the same UUID. */
void fg_sbom_uuid(const fg_result *res, char out[37]);

/* SHA-256 of the input file, "" for a directory input. */
void fg_sbom_input_sha256(const fg_result *res, char out[65]);

/* Hex digests of a buffer. */
void fg_sbom_sha1(const unsigned char *data, size_t len, char out[41]);

/* A stable identifier for component C: "PREFIX" + 16 hex digits of a
 * digest of its name, version, container and first path. */
void fg_sbom_ref(const fg_component *c, const char *prefix, char *out, size_t cap);

/* Short hex digest of the strings A and B, for file identifiers. */
void fg_sbom_hash2(const char *a, const char *b, char out[17]);

#endif
