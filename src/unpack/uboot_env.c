/*
 * uboot_env.c - U-Boot environment blocks inside flash images.
 *
 * A block (util/uboot_envblk.h) is a CRC32, a flag byte when the board
 * keeps a redundant copy, and "name=value\0" pairs padded to the size the
 * board configured. Nothing in it is a real magic, so the carver is
 * pointed at the variable names environments start with (U-Boot exports
 * them sorted, mkenvimage keeps the order of its input) right after the
 * 4- or 5-byte header, and the probe is strict: only a CRC that matches
 * over the whole data area, for one of the sizes boards use, counts. That
 * also measures the block exactly.
 *
 * The variables come out as one text file, FG_ENVBLK_TEXT_NAME, one
 * "name=value" line each in stored order (a newline inside a value is
 * written as "\n"), in a file tree of its own so the checks read it
 * (debug.uboot-env, debug.kernel-cmdline) like a fw_env partition.
 */
#include <stdio.h>
#include <string.h>

#include "unpack/format.h"
#include "util/uboot_envblk.h"

#define ENV_MAX_VARS 65536

static int env_probe(const uint8_t *data, size_t len, uint64_t *chunk_len)
{
	fg_envblk b;
	if (!fg_envblk_find(data, len, &b))
		return 0;
	*chunk_len = b.size;
	return 90;
}

/* Bytes VALUE takes in the text: a newline becomes two. */
static size_t text_len(const fg_envpair *p)
{
	size_t n = p->name_len + 2 + p->value_len;
	for (size_t i = 0; i < p->value_len; i++)
		n += p->value[i] == '\n';
	return n;
}

static size_t put_pair(uint8_t *out, const fg_envpair *p)
{
	size_t o = 0;
	memcpy(out, p->name, p->name_len);
	o += p->name_len;
	out[o++] = '=';
	for (size_t i = 0; i < p->value_len; i++) {
		if (p->value[i] == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = (uint8_t)p->value[i];
		}
	}
	out[o++] = '\n';
	return o;
}

static int env_unpack(fg_unpack_ctx *ctx, fg_node *root, const uint8_t *data, size_t len)
{
	fg_envblk b;
	if (!fg_envblk_find(data, len, &b) && !fg_envblk_check(data, len, &b)) {
		fg_unpack_fail(ctx, "no U-Boot environment block (CRC does not match)");
		return -1;
	}
	root->src_length = b.size;
	/* two passes over the pairs: measure, then write */
	size_t total = 0, vars = 0, pos = b.hdr;
	fg_envpair p;
	while (vars < ENV_MAX_VARS && fg_envblk_next(data, b.size, &pos, &p)) {
		total += text_len(&p);
		vars++;
	}
	uint8_t *out = fg_unpack_alloc(ctx, total);
	if (!out) {
		fg_unpack_truncated(ctx, root, "environment text (%zu bytes) over budget", total);
		return -1;
	}
	size_t o = 0;
	pos = b.hdr;
	for (size_t i = 0; i < vars && fg_envblk_next(data, b.size, &pos, &p); i++)
		o += put_pair(out + o, &p);
	fg_node *n = fg_unpack_add(ctx, root, FG_ENVBLK_TEXT_NAME, FG_NODE_FILE);
	if (!n)
		return -1;
	n->data = out;
	n->data_len = o;
	n->size = o;
	n->mode = 0644;

	char info[128];
	if (b.hdr == 5)
		snprintf(info, sizeof(info), "redundant (flag 0x%02x), 0x%zx bytes, %zu variables", b.flag,
			 b.size, vars);
	else
		snprintf(info, sizeof(info), "single, 0x%zx bytes, %zu variables", b.size, vars);
	fg_tree *t = fg_unpack_tree(ctx);
	pthread_mutex_lock(&t->lock);
	root->format_info = fg_arena_strdup(&t->arena, info);
	pthread_mutex_unlock(&t->lock);
	if (vars == ENV_MAX_VARS)
		fg_unpack_truncated(ctx, n, "more than %d variables: listing cut", ENV_MAX_VARS);
	return 0;
}

/* The first variable of an environment: the alphabetically first ones a
 * saved environment starts with, and those default environments and
 * mkenvimage inputs usually start with. */
#define ENV_NAME(s) { s "=", sizeof(s), 4 }, { s "=", sizeof(s), 5 }
static const fg_magic env_magics[] = {
	ENV_NAME("addip"), ENV_NAME("addmisc"), ENV_NAME("altbootcmd"), ENV_NAME("arch"),
	ENV_NAME("autoload"), ENV_NAME("baudrate"), ENV_NAME("board"), ENV_NAME("board_name"),
	ENV_NAME("boot_targets"), ENV_NAME("bootargs"), ENV_NAME("bootcmd"), ENV_NAME("bootcount"),
	ENV_NAME("bootdelay"), ENV_NAME("bootfile"), ENV_NAME("bootlimit"), ENV_NAME("bootm_size"),
	ENV_NAME("console"), ENV_NAME("cpu"), ENV_NAME("eth1addr"), ENV_NAME("ethact"),
	ENV_NAME("ethaddr"), ENV_NAME("fdt_addr_r"), ENV_NAME("fdt_high"), ENV_NAME("fdtaddr"),
	ENV_NAME("fdtcontroladdr"), ENV_NAME("fileaddr"), ENV_NAME("filesize"), ENV_NAME("initrd_high"),
	ENV_NAME("ipaddr"), ENV_NAME("kernel_addr_r"), ENV_NAME("loadaddr"), ENV_NAME("mtdids"),
	ENV_NAME("mtdparts"), ENV_NAME("netmask"), ENV_NAME("preboot"), ENV_NAME("serverip"),
	ENV_NAME("soc"), ENV_NAME("stderr"), ENV_NAME("stdin"), ENV_NAME("stdout"),
	ENV_NAME("upgrade"), ENV_NAME("vendor"), ENV_NAME("ver"), ENV_NAME("verify"),
	FG_MAGIC_END,
};

const fg_format fg_format_uboot_env = {
	.name = FG_ENVBLK_FORMAT,
	.kind = FG_FMT_ARCHIVE,
	.magics = env_magics,
	.probe = env_probe,
	.unpack = env_unpack,
};
