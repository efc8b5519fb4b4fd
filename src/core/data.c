#include "data.h"

#include <string.h>

const fg_data_file *fg_data_get(const char *name)
{
	for (const fg_data_file *f = fg_data_files; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}
