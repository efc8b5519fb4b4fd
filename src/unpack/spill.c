/*
 * spill.c - writing content out of memory as soon as it is final (see
 * spill.h).
 */
#include "unpack/spill.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/hex.h"
#include "core/io.h"
#include "unpack/engine.h"

struct fg_spill {
	int parent;              /* the output directory */
	int dirfd;               /* the spill directory inside it */
	char name[40];
	char *created;           /* the output directory, when this run made it */
	bool hash;               /* SHA-256 of each file, for the manifest */
	_Atomic uint64_t next;   /* last file number handed out */
	_Atomic unsigned failures;
};

#define SPILL_TRIES 100
#define SPILL_WRITE_STEP (256u << 10) /* hashed while still in cache */

static uint64_t random_word(void)
{
	uint64_t r = 0;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		r = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40);
	}
	return r;
}

fg_spill *fg_spill_open(int dirfd, const char *created, bool hash, char *err, size_t errlen)
{
	fg_spill *s = calloc(1, sizeof(*s));
	if (s && created && !(s->created = strdup(created))) {
		free(s);
		s = NULL;
	}
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->hash = hash;
	s->parent = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	s->dirfd = -1;
	for (int i = 0; s->parent >= 0 && i < SPILL_TRIES; i++) {
		snprintf(s->name, sizeof(s->name), ".firmgate-spill.%012llx",
			 (unsigned long long)(random_word() & 0xffffffffffffULL));
		if (mkdirat(s->parent, s->name, 0700) == 0) {
			s->dirfd = openat(s->parent, s->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			break;
		}
		if (errno != EEXIST)
			break;
	}
	if (s->dirfd < 0) {
		snprintf(err, errlen, "cannot create a working directory in the output directory: %s",
			 strerror(errno));
		if (s->parent >= 0)
			close(s->parent);
		free(s->created);
		free(s);
		return NULL;
	}
	return s;
}

void fg_spill_close(fg_spill *s)
{
	if (!s)
		return;
	int fd = dup(s->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(s->dirfd, e->d_name, 0);
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	close(s->dirfd);
	unlinkat(s->parent, s->name, AT_REMOVEDIR);
	close(s->parent);
	free(s->created);
	free(s);
}

void fg_spill_abort(fg_spill *s)
{
	if (!s)
		return;
	char *created = s->created;
	s->created = NULL;
	fg_spill_close(s);
	if (created)
		rmdir(created); /* only if empty: nothing of anyone else's goes */
	free(created);
}

int fg_spill_dirfd(const fg_spill *s) { return s->dirfd; }
unsigned fg_spill_failures(const fg_spill *s) { return atomic_load(&s->failures); }

void fg_spill_name(const fg_node *n, char *buf, size_t cap)
{
	snprintf(buf, cap, "%llx", (unsigned long long)n->spill_id);
}

/* Writes P..P+N to FD, hashing each step while it is still in cache
 * (MD NULL: no hash). */
static bool write_hashed(int fd, const uint8_t *p, size_t n, EVP_MD_CTX *md)
{
	while (n) {
		size_t step = n < SPILL_WRITE_STEP ? n : SPILL_WRITE_STEP;
		if ((md && !EVP_DigestUpdate(md, p, step)) || !fg_write_all(fd, p, step))
			return false;
		p += step;
		n -= step;
	}
	return true;
}

bool fg_spill_write(fg_tree *t, const uint8_t *data, size_t len, uint32_t mode,
		    fg_spill_out *out)
{
	fg_spill *s = t->spill;
	out->ok = false;
	if (!s || (!data && len))
		return false;
	uint64_t id = atomic_fetch_add(&s->next, 1) + 1;
	char name[24];
	snprintf(name, sizeof(name), "%llx", (unsigned long long)id);
	int fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			(mode & 0777) | 0600);
	EVP_MD_CTX *md = fd >= 0 && s->hash ? EVP_MD_CTX_new() : NULL;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	bool ok = fd >= 0;
	if (ok && s->hash)
		ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) && write_hashed(fd, data, len, md) &&
		     EVP_DigestFinal_ex(md, digest, &dlen) && dlen == 32;
	else if (ok)
		ok = write_hashed(fd, data, len, NULL);
	EVP_MD_CTX_free(md);
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (!ok) {
		if (fd >= 0)
			unlinkat(s->dirfd, name, 0);
		atomic_fetch_add(&s->failures, 1);
		return false;
	}
	out->sha256[0] = '\0';
	if (s->hash)
		fg_hex(digest, dlen, out->sha256);
	out->id = id;
	out->ok = true;
	return true;
}

void fg_spill_mark(fg_tree *t, fg_node *n, const fg_spill_out *out)
{
	const char *h = NULL;
	if (out->sha256[0]) {
		pthread_mutex_lock(&t->lock);
		h = fg_arena_strdup(&t->arena, out->sha256);
		pthread_mutex_unlock(&t->lock);
	}
	n->sha256 = h;
	n->spill_id = out->id;
	n->flags |= FG_NODE_SPILLED;
	if (n->buf) {
		fg_buf *b = n->buf;
		n->buf = NULL;
		fg_buf_release(b);
	}
}

bool fg_spill_node(fg_tree *t, fg_node *n)
{
	const fg_node *c = fg_node_content(n);
	if (!t->spill || !c || (n->flags & FG_NODE_SPILLED) || (c->flags & FG_NODE_SPILLED))
		return false;
	fg_spill_out out;
	if (!fg_spill_write(t, c->data, c->data_len, n->mode, &out))
		return false;
	/* a slice of the input: its pages can go again */
	fg_unpack_release_input(t, c->data, c->data_len);
	fg_spill_mark(t, n, &out);
	return true;
}

fg_buf *fg_buf_new(fg_tree *t, void *base, size_t len)
{
	fg_buf *b = malloc(sizeof(*b));
	if (!b) {
		free(base);
		return NULL;
	}
	b->base = base;
	b->addr = (uintptr_t)base;
	b->len = len;
	atomic_init(&b->refs, 0);
	pthread_mutex_lock(&t->lock);
	bool ok = FG_VEC_PUSH(&t->bufs, b);
	pthread_mutex_unlock(&t->lock);
	if (!ok) {
		free(base);
		free(b);
		return NULL;
	}
	return b;
}

void fg_buf_attach(fg_node *n, fg_buf *b)
{
	if (!b || n->buf)
		return;
	atomic_fetch_add(&b->refs, 1);
	n->buf = b;
}

void fg_buf_release(fg_buf *b)
{
	if (atomic_fetch_sub(&b->refs, 1) == 1) {
		/* the last reader is done: nobody can reach the bytes any more
		 * (every node into them held a reference) */
		free(b->base);
		b->base = NULL;
	}
}
