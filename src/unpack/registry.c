/*
 * registry.c - every format handler, in probe order.
 *
 * Adding a format: write unpack/<name>.c defining `const fg_format
 * fg_format_<name>` and add one line below.
 */
#include <string.h>

#include "unpack/format.h"

extern const fg_format fg_format_squashfs;
extern const fg_format fg_format_tar;
extern const fg_format fg_format_cpio;
extern const fg_format fg_format_gzip;
extern const fg_format fg_format_xz;

static const fg_format *const formats[] = {
	&fg_format_squashfs,
	&fg_format_tar, &fg_format_cpio,
	&fg_format_gzip,
	&fg_format_xz,
};

size_t fg_format_count(void)
{
	return sizeof(formats) / sizeof(formats[0]);
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
