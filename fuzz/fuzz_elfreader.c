/*
 * fuzz_elfreader.c - libFuzzer target for the ELF reader and the hardening
 * analysis built on it (program and section headers, dynamic section,
 * symbol tables, string tables, version and note sections).
 */
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/result.h"
#include "elf/elf.h"
#include "elf/hardening.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fg_elf_is_elf(data, size))
		return 0;
	fg_elf e;
	if (fg_elf_parse(&e, data, size) == 0) {
		char buf[64];
		fg_elf_arch(&e, buf, sizeof(buf));
		size_t idx;
		fg_elf_phdr_last(&e, 0x6474e551 /* PT_GNU_STACK */, &idx);
		fg_elf_section(&e, ".symtab");
		fg_elf_vaddr_to_off(&e, 0x400000, 16);
		fg_elf_free(&e);
	}
	/* the whole analysis, as the checks run it, on a one-file tree */
	fg_result *r = fg_result_new(NULL);
	if (!r)
		return 0;
	fg_node *root = fg_node_new(&r->tree, "", 0, FG_NODE_DIR);
	if (root) {
		root->flags = FG_NODE_FSROOT | FG_NODE_FILESYSTEM;
		r->tree.root = root;
		fg_node *f = fg_tree_mkpath(&r->tree, root, "usr/sbin/fuzzd", FG_NODE_FILE);
		if (f) {
			f->data = data;
			f->data_len = size;
			f->size = size;
			fg_hardening_set_free(fg_hardening_scan(root));
		}
	}
	fg_result_free(r);
	return 0;
}
