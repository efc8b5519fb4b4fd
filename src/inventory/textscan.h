/*
 * textscan.h - small readers for text found in images.
 */
#ifndef FG_TEXTSCAN_H
#define FG_TEXTSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value of KEY in a shell-style KEY=value file (os-release and kin):
 * quotes removed, at most CAP-1 bytes. False when the key is absent. */
bool fg_kv_get(const uint8_t *data, size_t len, const char *key, char *out, size_t cap);

/* Finds PREFIX in DATA and copies the version that follows: digits,
 * letters, '.', '-', '_', '+' and '~', starting with a digit. */
bool fg_find_version_after(const uint8_t *data, size_t len, const char *prefix,
			   char *out, size_t cap);

#endif
