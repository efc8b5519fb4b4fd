/*
 * registry.c - every format handler, in probe order.
 *
 * Adding a format: write unpack/<name>.c defining `const fg_format
 * fg_format_<name>` and add one line to each list below.
 *
 * At equal confidence the earlier entry wins, so more specific formats
 * come first: filesystems and wrappers with strong headers, then
 * archives, then compressed streams, then leaves.
 */
#include <pthread.h>
#include <string.h>

#include "unpack/format.h"

/* Declared weak while handlers land one by one; test_registry asserts that
 * every one is linked. */
#define FORMAT(n) extern const fg_format fg_format_##n __attribute__((weak));
#define FORMATS(X) \
	X(squashfs) X(ubi) X(ubifs) X(jffs2) X(cramfs) X(ext) \
	X(trx) X(uimage) X(fit) \
	X(tar) X(cpio) X(zip) X(sevenzip) X(ar) \
	X(gzip) X(xz) X(lzma) X(bzip2) X(zstd) X(lz4) X(lzop) X(zlib) \
	X(elf)
FORMATS(FORMAT)
#undef FORMAT

#define ENTRY(n) &fg_format_##n,
static const fg_format *const all_formats[] = { FORMATS(ENTRY) };
#undef ENTRY

static const fg_format *formats[sizeof(all_formats) / sizeof(all_formats[0])];
static size_t nformats;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void compact(void)
{
	for (size_t i = 0; i < sizeof(all_formats) / sizeof(all_formats[0]); i++)
		if (all_formats[i])
			formats[nformats++] = all_formats[i];
}

size_t fg_format_count(void)
{
	pthread_once(&once, compact);
	return nformats;
}

const fg_format *fg_format_at(size_t i)
{
	return i < fg_format_count() ? formats[i] : NULL;
}

const fg_format *fg_format_find(const char *name)
{
	for (size_t i = 0; i < fg_format_count(); i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}
