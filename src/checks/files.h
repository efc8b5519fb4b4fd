/*
 * files.h - the regular files of a file tree, listed once and shared
 * between checks, plus small helpers every content check needs: config
 * line parsing, secret redaction and reporting at a line.
 *
 * The list holds every regular file of the tree (hard links resolved to
 * their target once, symlinks not followed, nested extraction roots not
 * entered: they are file trees of their own and are checked separately),
 * in path order, with a flag saying whether the file looks like text
 * (no NUL byte in its first 4 KiB).
 */
#ifndef FG_CHECK_FILES_H
#define FG_CHECK_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/check.h"
#include "core/arena.h"
#include "core/vec.h"

#define FG_FILES_MAX 1000000        /* files listed per tree */

typedef struct fg_file {
	const fg_node *node;     /* content node */
	const char *path;        /* absolute path in the tree */
	const char *name;        /* base name */
	bool text;               /* no NUL in the first 4 KiB */
	bool elf;
} fg_file;

typedef struct fg_files {
	fg_arena arena;
	FG_VEC(fg_file) v;
	bool truncated;
} fg_files;

const fg_files *fg_files_of(fg_check_ctx *ctx);
fg_files *fg_files_build(fg_node *root);
void fg_files_free(fg_files *f);

/* A configuration file: a known config extension (.conf .cfg .cnf .ini
 * .json .env .yaml .yml .toml .properties .txt .config), or no such
 * extension and not a script/source/document, under /etc, /config,
 * /data or /var; never a file starting with "#!"; never openssl.cnf or
 * nsswitch.conf (their "passwords" are prompts and database names). */
bool fg_is_config_file(const fg_file *f, const char *text, size_t len);
/* hostapd / wpa_supplicant configurations and OpenWrt's wireless file. */
bool fg_is_wifi_file(const fg_file *f);

/* Redacts a secret: the first two characters (none when shorter than 8),
 * an ellipsis and the length, e.g. "mS\xe2\x80\xa6(16 chars, redacted)". */
void fg_redact(const char *secret, size_t len, char *out, size_t cap);

/* Builds an excerpt of LINE (S, L) in which the bytes [VS, VS+VL) are
 * replaced by their redaction; leading blanks dropped, cut at 200 bytes. */
void fg_redact_in_line(const char *s, size_t l, size_t vs, size_t vl, char *out, size_t cap);

/* Reports a finding at LINE of NODE. EXCERPT NULL takes the line itself
 * (only for lines without secrets). SEV -1 is the check's severity. */
void fg_report_at(fg_check_ctx *ctx, const fg_node *node, unsigned line, int64_t offset, int sev,
		  const char *subject, const char *excerpt, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* Remembers (node, line) pairs already reported by one check run. */
typedef struct fg_seen_item {
	const void *node;
	unsigned line;
} fg_seen_item;
typedef FG_VEC(fg_seen_item) fg_seen;
/* True the first time (NODE, LINE) is offered; LINE 0 matches any line. */
bool fg_seen_first(fg_seen *seen, const void *node, unsigned line);

/* True when [S, S+L) is all hex digits (either case). */
bool fg_all_hex(const char *s, size_t l);

/* Case-insensitive search for NEEDLE in [S, S+L). */
const char *fg_memcasemem(const char *s, size_t l, const char *needle);

/* True for values that are not literal secrets: empty, "${VAR}", "$VAR",
 * "%VAR%", "<placeholder>", "{{ tmpl }}", "****", "xxxx", "none", "null". */
bool fg_value_is_placeholder(const char *v, size_t len);

/* Trims blanks and one pair of matching quotes (' or ") around [*S, *S+*L). */
void fg_unquote(const char **s, size_t *l);

/* Parses a config line into KEY and VALUE for the common shapes:
 *   KEY=VALUE, KEY = VALUE, KEY: VALUE, "KEY": VALUE (JSON),
 *   option KEY VALUE / list KEY VALUE (OpenWrt UCI), KEY VALUE (space).
 * Returns false for blank and comment lines (# ; //). VALUE is unquoted;
 * a trailing JSON comma is dropped. The pointers point into S. */
typedef struct fg_kv {
	const char *key, *val;
	size_t klen, vlen;
	size_t voff;             /* offset of the value in the line */
	bool uci;                /* "option KEY VALUE" */
	bool json;               /* "KEY": VALUE */
	bool spaced;             /* KEY VALUE, no separator */
} fg_kv;
bool fg_kv_parse(const char *s, size_t l, fg_kv *kv);

/* Normalised key: lower case, only letters and digits ("MQTT_PASSWORD"
 * -> "mqttpassword"). */
void fg_key_norm(const char *k, size_t l, char *out, size_t cap);

/* A boolean-ish value that switches something off: 0, false, no, off, n,
 * disable(d). */
bool fg_value_is_off(const char *v, size_t l);
bool fg_value_is_on(const char *v, size_t l);

#endif
