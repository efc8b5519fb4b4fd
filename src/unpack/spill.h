/*
 * spill.h - streaming `unpack -o`: content leaves memory as soon as it is
 * final.
 *
 * Kept whole, the tree of a firmware image holds everything the image
 * unpacks to until the last byte is written: the peak is the sum of every
 * decompressed file, kernel and stream. When the scan writes its output
 * to a directory anyway (unpack only), each file is written the moment
 * nothing more will be read from it: identified, unpacked if it is a
 * container, then its bytes go to a numbered file in a private
 * directory inside the output directory and are hashed on the way. The
 * final writer (extract.c) lays the tree out as always and moves each
 * such file into place with a rename instead of writing it.
 *
 * Memory goes back through reference counts on the decompressed buffers
 * (fg_buf, tree.h): every node whose content lies in a buffer holds a
 * reference, and writing the node out drops it. A node that is never
 * written keeps its reference, so a buffer is only freed once nothing
 * can read it any more. Slices of the mapped input hold no reference;
 * their pages are released after writing (fg_unpack_release_input).
 */
#ifndef FG_UNPACK_SPILL_H
#define FG_UNPACK_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/tree.h"

/* Creates the private directory ".firmgate-spill.XXXXXX" inside the open
 * directory DIRFD. CREATED names that output directory when this run
 * created it (NULL otherwise): an aborted run removes it again. HASH:
 * compute each file's SHA-256 while writing it. NULL with a reason in
 * ERR on failure. */
fg_spill *fg_spill_open(int dirfd, const char *created, bool hash, char *err, size_t errlen);

/* Removes the files still in the spill directory (nodes never moved
 * into place), then the directory, and frees S. NULL is fine. */
void fg_spill_close(fg_spill *s);

/* The same for a run that ends before its tree is written (unreadable
 * input, say): also removes the output directory if this run created it
 * and it is empty, so a failed `unpack -o` leaves nothing behind. */
void fg_spill_abort(fg_spill *s);

/* The spill directory, and the name of node N's file in it. */
int fg_spill_dirfd(const fg_spill *s);
void fg_spill_name(const fg_node *n, char *buf, size_t cap);

/* Files the spill could not write (disk full and the like). */
unsigned fg_spill_failures(const fg_spill *s);

/* Writes N's content (a hard link's: its target's) to the spill
 * directory, hashing it on the way if asked to, marks N spilled and drops its
 * reference on its buffer. On a write error N keeps its content and
 * false is returned. */
bool fg_spill_node(fg_tree *t, fg_node *n);

/* The two halves of fg_spill_node(), so that the writing can run on
 * another thread while the node is still being unpacked: the write
 * touches no node (its caller passes the bytes and the mode) and leaves
 * the input's pages alone (the unpacking reads them too), the mark is
 * done by the thread that owns the node, afterwards. */
typedef struct fg_spill_out {
	bool ok;
	uint64_t id;
	char sha256[65]; /* "" when the spill does not hash */
} fg_spill_out;
bool fg_spill_write(fg_tree *t, const uint8_t *data, size_t len, uint32_t mode,
		    fg_spill_out *out);
void fg_spill_mark(fg_tree *t, fg_node *n, const fg_spill_out *out);

/* Registers the malloc'd BASE of LEN bytes as a counted buffer (owned
 * by the tree from now on). NULL, with BASE freed, when out of memory. */
fg_buf *fg_buf_new(fg_tree *t, void *base, size_t len);

/* Makes N hold a reference on B (N's content lies in B). */
void fg_buf_attach(fg_node *n, fg_buf *b);

/* Drops a reference; the last one frees the bytes. */
void fg_buf_release(fg_buf *b);

#endif
