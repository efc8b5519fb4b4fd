/*
 * fuzz_vulns.c - libFuzzer target for the vulnerability database's inputs:
 * the input is imported as a file (NVD, OSV, KEV JSON or EPSS CSV, plain
 * or gzip) into an in-memory database, matched, then read as a VEX document.
 * Every import is rolled back, so the database stays empty-schema-sized.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vulns/db.h"
#include "vulns/import.h"
#include "vulns/matcher.h"
#include "vulns/vex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fg_vdb db;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	if (!ready) {
		if (fg_vdb_open(&db, ":memory:", true, err, sizeof(err)) != 0)
			return 0;
		ready = 1;
	}
	int fd = memfd_create("fuzz-vulns", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	fg_vimport *im = fg_vimport_begin(&db, err, sizeof(err));
	if (im) {
		if (fg_vimport_file(im, path, NULL, err, sizeof(err)) == 0) {
			/* match something against what was imported, inside the transaction */
			fg_vsubject s[] = {
				{ .name = "busybox", .version = "1.28.4", .applets = "sh", .applets_complete = true },
				{ .name = "linux", .version = "" },
				{ .name = "x", .version = "1.0", .cpe = "cpe:2.3:a:x:x:1.0:*:*:*:*:*:*:*",
				  .purl = "pkg:deb/debian/x@1.0-1" },
			};
			fg_arena a;
			fg_arena_init(&a);
			fg_vuln_vec out = {0};
			fg_vmatcher *m = fg_vmatcher_new(&db, err, sizeof(err));
			if (m)
				fg_vmatcher_run(m, s, 3, 0, &a, &out, NULL, NULL, err, sizeof(err));
			fg_vmatcher_free(m);
			FG_VEC_FREE(&out);
			fg_arena_free(&a);
		}
		fg_vimport_rollback(im);
	}

	fg_arena a;
	fg_arena_init(&a);
	fg_vex vex;
	if (fg_vex_load(path, &a, &vex, err, sizeof(err)) == 0) {
		fg_vex_component c = { "busybox", "1.28.4", "pkg:generic/busybox@1.28.4", NULL };
		fg_vuln_match mm = { .component = 0, .id = "CVE-2022-48174" };
		fg_vuln_vec v = { .v = &mm, .n = 1, .cap = 1 };
		fg_vex_apply(&vex, &c, 1, &v, &a);
	}
	fg_arena_free(&a);
	close(fd);
	return 0;
}
