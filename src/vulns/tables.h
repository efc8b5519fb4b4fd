/*
 * tables.h - the curated tables under data/vulns/: product aliases, BusyBox
 * applets per CVE, kernel config options per CVE.
 */
#ifndef FG_VULNS_TABLES_H
#define FG_VULNS_TABLES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fg_alias {
	const char *name;      /* lower-case component name */
	const char *vendor;
	const char *product;
	const char *phrase;    /* words naming the product in descriptions */
} fg_alias;

/* Entries for NAME (case-insensitive), in file order; returns how many
 * were stored in OUT (at most MAX). */
size_t fg_alias_lookup(const char *name, const fg_alias **out, size_t max);
/* Every entry, for tests. */
size_t fg_alias_count(void);
const fg_alias *fg_alias_at(size_t i);
/* The description phrase for VENDOR:PRODUCT (from any entry), or NULL. */
const char *fg_alias_phrase(const char *vendor, const char *product);

/* Space-separated applets of a BusyBox CVE, or NULL when not in the table. */
const char *fg_busybox_cve_applets(const char *cve);
/* Space-separated CONFIG_ options of a kernel CVE, or NULL. */
const char *fg_kernel_cve_configs(const char *cve);

/* Whether LIST (names separated by spaces, commas or newlines) holds WORD. */
bool fg_word_in_list(const char *list, const char *word);

/* The value of OPTION in kernel config text: 'y', 'm', 'n' (explicitly
 * "is not set" or absent from a full config), or 0 when TEXT is empty. */
char fg_vuln_kconfig_value(const char *text, size_t len, const char *option);

#endif
