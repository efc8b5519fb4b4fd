/*
 * data.h - files from data/ compiled into the library.
 *
 * Each is NUL-terminated (one byte past len) so text can be parsed in place.
 */
#ifndef FG_DATA_H
#define FG_DATA_H

#include <stddef.h>

typedef struct fg_data_file {
	const char *name;          /* "credentials/defaults.txt" */
	const unsigned char *data;
	size_t len;
} fg_data_file;

extern const fg_data_file fg_data_files[];

/* The embedded file NAME, or NULL. */
const fg_data_file *fg_data_get(const char *name);

#endif
