/*
 * format.h - the shape of a format handler.
 *
 * Each format lives in one file that defines one descriptor; the registry
 * (unpack/registry.c) lists them. A handler:
 *   - magics: where a chunk of the format may start (found by the carver);
 *   - probe: is this a chunk of my format, and how long is it? Cheap and
 *     structural; returns a confidence 0..100, 0 meaning no.
 *   - unpack: fills ROOT (an empty extraction root already attached to the
 *     container file) with what the content holds. It charges the budget
 *     for every node and byte it creates, never touches the real
 *     filesystem, and never recurses into children: the engine does that.
 *
 * Returns 0 on success; a negative value when nothing usable came out.
 * Partial results are kept either way: on trouble a handler calls
 * fg_unpack_fail()/fg_unpack_truncated() with the reason and returns
 * what it managed.
 */
#ifndef FG_FORMAT_H
#define FG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/limits.h"
#include "core/tree.h"

typedef enum fg_format_kind {
	FG_FMT_COMPRESSION, /* one stream in, one file out */
	FG_FMT_FILESYSTEM,  /* a file tree with metadata */
	FG_FMT_ARCHIVE,     /* a file tree from an archive format */
	FG_FMT_WRAPPER,     /* a header around one or more payloads (uImage, TRX, FIT) */
	FG_FMT_LEAF,        /* recognised and described, nothing inside (ELF) */
} fg_format_kind;

/* A magic: LEN bytes found AT bytes after the start of the chunk. */
typedef struct fg_magic {
	const char *bytes;
	unsigned len;
	unsigned at;
} fg_magic;

/* Magic list terminator. */
#define FG_MAGIC_END { NULL, 0, 0 }

typedef struct fg_unpack_ctx fg_unpack_ctx;

typedef struct fg_format {
	const char *name;
	fg_format_kind kind;

	/* Byte strings that mark where a chunk of this format may start; the
	 * carver finds every occurrence of every magic in one pass over a
	 * blob and offers each to probe(). NULL: the format has no reliable
	 * magic and is only probed at the start of a file. */
	const fg_magic *magics;

	/* Validates the structure starting at DATA (the candidate chunk's
	 * first byte; LEN bytes remain in the blob) and returns a confidence
	 * 0..100, 0 meaning "not this format". Sets *CHUNK_LEN to the chunk's
	 * exact length when the headers tell it, or leaves it 0 when only
	 * unpacking can tell (a compressed stream): then unpack() sets the
	 * extraction root's src_length. A weak or short magic must be backed
	 * by structure (checksums, sane fields) before scoring high. */
	int (*probe)(const uint8_t *data, size_t len, uint64_t *chunk_len);

	/* Fills ROOT (an empty extraction root already attached to the
	 * container) from the chunk DATA..DATA+LEN. NULL for FG_FMT_LEAF. */
	int (*unpack)(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len);

	/* FG_FMT_LEAF: a one-line description ("ELF 32-bit LSB MIPS"). */
	void (*describe)(const uint8_t *data, size_t len, char *buf, size_t cap);

	/* The highest confidence probe() ever returns, 0 meaning 100. A
	 * probe that has to read the whole file sets it, so that it is not
	 * run once another format has already claimed the file more surely. */
	int ceiling;
} fg_format;

/* Confidence a carved candidate needs to be taken; a whole file at offset
 * 0 needs only more than 0. */
#define FG_CARVE_MIN_CONFIDENCE 50

/* ---- services the engine gives handlers ---- */

fg_tree *fg_unpack_tree(fg_unpack_ctx *ctx);
fg_budget *fg_unpack_budget(fg_unpack_ctx *ctx);

/* Threads the scan may use (--jobs): a handler that reads in parallel
 * starts at most this many, its own included. */
unsigned fg_unpack_jobs(fg_unpack_ctx *ctx);

/* Threads a handler starts to read in parallel (squashfs) take a core
 * only while the scan has one free: fewer than --jobs workers busy with
 * a container or a check, counting such threads. fg_unpack_slot_take()
 * waits up to WAIT_MS for one (so that its caller can look again
 * whether there is still work) and returns whether it got it;
 * fg_unpack_slot_give() returns it. A 16 MiB LZMA kernel, one stream on
 * one core, then keeps its core, and the file system beside it takes
 * the second core once the kernel is done, instead of the two taking
 * turns on one core while the end of the run waits for the kernel. */
bool fg_unpack_slot_take(fg_unpack_ctx *ctx, unsigned wait_ms);
void fg_unpack_slot_give(fg_unpack_ctx *ctx);

/* Name of the container file being unpacked (for naming a stream's output). */
const char *fg_unpack_container_name(fg_unpack_ctx *ctx);

/* Creates a node at PATH below ROOT (parents created as directories),
 * charging one file against the budget. NULL when the path is unsafe
 * (absolute parts are made relative, ".." is refused), the budget is
 * spent, or memory ran out; the reason is recorded. */
fg_node *fg_unpack_add(fg_unpack_ctx *ctx, fg_node *root, const char *path, fg_node_type type);

/* Allocates an output buffer of N bytes charged against the byte budget;
 * the tree owns it. NULL when over budget. */
uint8_t *fg_unpack_alloc(fg_unpack_ctx *ctx, size_t n);

/* Hands a malloc'd buffer of USED bytes (reserved earlier with
 * fg_budget_take_bytes for RESERVED bytes) to the tree. */
bool fg_unpack_keep(fg_unpack_ctx *ctx, void *buf, size_t used, size_t reserved);

/* For handlers that produce many files and can say when each is done
 * (squashfs), so that the output is written while the rest is still
 * being read instead of all at the end:
 *
 * fg_unpack_reserve() charges N bytes against the budget, in the
 * handler's walk order, so what fits does not depend on threading;
 * fg_unpack_alloc_for() then allocates those N bytes for NODE's content
 * (any thread; NULL when out of memory; the budget stays charged).
 * fg_unpack_done() says NODE's content is final and nothing else will
 * point into its buffer: when the scan streams its output (spill.h), a
 * file that holds no further format is written out and freed right
 * away. Outside streaming, it does nothing. */
bool fg_unpack_reserve(fg_unpack_ctx *ctx, size_t n);
uint8_t *fg_unpack_alloc_for(fg_unpack_ctx *ctx, fg_node *node, size_t n);
void fg_unpack_done(fg_unpack_ctx *ctx, fg_node *node);

/* A check that need not hold up the unpacking: a checksum over a
 * payload whose parts are unpacked next (a uImage's data CRC). With more
 * than one job it runs on a worker beside them, else right here. CHECK
 * reads only the container's bytes (which stay alive until it has run;
 * it must touch no node) and returns false with a note when the check
 * fails: NODE is then marked as fg_unpack_truncated() does, once every
 * worker has stopped. ARG goes to CHECK and is freed with free()
 * afterwards. Call it last, once the handler has added its other notes,
 * so that NODE's first note is the same with any --jobs. */
typedef bool (*fg_check_fn)(void *arg, char *note, size_t cap);
void fg_unpack_defer_check(fg_unpack_ctx *ctx, fg_node *node, fg_check_fn check, void *arg);

/* Records why NODE (or the container when NULL) is incomplete. */
void fg_unpack_truncated(fg_unpack_ctx *ctx, fg_node *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records an error about the container being unpacked. */
void fg_unpack_fail(fg_unpack_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Registry. */
size_t fg_format_count(void);
const fg_format *fg_format_at(size_t i);
const fg_format *fg_format_find(const char *name);

#endif
