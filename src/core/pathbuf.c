#include "core/pathbuf.h"

#include <stdlib.h>
#include <string.h>

bool fg_path_join(char **buf, size_t *cap, size_t base, const char *name, size_t len,
		  size_t *out)
{
	size_t need = base + 1 + len + 1;
	if (need > *cap) {
		size_t ncap = *cap ? *cap : 256;
		while (ncap < need)
			ncap *= 2;
		char *p = realloc(*buf, ncap);
		if (!p)
			return false;
		*buf = p;
		*cap = ncap;
	}
	size_t at = base;
	if (base)
		(*buf)[at++] = '/';
	memcpy(*buf + at, name, len);
	(*buf)[at + len] = '\0';
	*out = at + len;
	return true;
}
