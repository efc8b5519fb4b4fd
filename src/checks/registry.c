/*
 * registry.c - every check, in report order.
 *
 * Adding a check: write checks/<name>.c defining `const fg_check
 * fg_check_<name>` and add one line below.
 */
#include <string.h>

#include "checks/check.h"

extern const fg_check fg_check_empty_password;
extern const fg_check fg_check_default_password;
extern const fg_check fg_check_telnet;

static const fg_check *const checks[] = {
	&fg_check_empty_password,
	&fg_check_default_password,
	&fg_check_telnet,
};

size_t fg_check_count(void)
{
	return sizeof(checks) / sizeof(checks[0]);
}

const fg_check *fg_check_at(size_t i)
{
	return i < fg_check_count() ? checks[i] : NULL;
}

const fg_check *fg_check_find(const char *id)
{
	for (size_t i = 0; i < fg_check_count(); i++)
		if (strcmp(checks[i]->id, id) == 0)
			return checks[i];
	return NULL;
}
