/*
 * registry.c - every format handler, in probe order.
 *
 * Adding a format: write unpack/<name>.c defining `const fg_format
 * fg_format_<name>` and add its name to FORMATS below.
 *
 * At equal confidence the earlier entry wins, so more specific formats
 * come first: filesystems and wrappers with strong headers, then
 * archives, then compressed streams, then leaves.
 */
#include <string.h>

#include "unpack/format.h"

#define FORMAT(n) extern const fg_format fg_format_##n;
#define FORMATS(X) \
	X(gpt) X(mbr) \
	X(squashfs) X(squashfs_legacy) X(cramfs) X(romfs) X(jffs2) X(ext) X(erofs) X(iso9660) X(fat) X(ubi) X(ubifs) X(yaffs2) \
	X(trx) X(uimage) X(fit) X(android_sparse) X(android_boot) X(esp_flash) X(esp_image) X(esp_partitions) X(ihex) X(srec) \
	X(tplink) X(netgear_chk) X(seama) X(arcadyan) X(dahua) X(broadcom_sao) X(dji) X(matter_ota) \
	X(zimage) X(bzimage) X(uboot_env) X(ikconfig) \
	X(tar) X(cpio) X(zip) X(sevenzip) X(ar) \
	X(gzip) X(xz) X(bzip2) X(zstd) X(lz4) X(lzop) X(lzma) X(zlib) \
	X(elf) X(esp_init_data) X(dtb) X(arm64image) X(vmlinux) X(dlink_encrypted)
FORMATS(FORMAT)
#undef FORMAT

#define ENTRY(n) &fg_format_##n,
static const fg_format *const formats[] = { FORMATS(ENTRY) };
#undef ENTRY

size_t fg_format_count(void)
{
	return sizeof(formats) / sizeof(formats[0]);
}

const fg_format *fg_format_at(size_t i)
{
	return i < fg_format_count() ? formats[i] : NULL;
}

const fg_format *fg_format_find(const char *name)
{
	for (size_t i = 0; i < fg_format_count(); i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}
