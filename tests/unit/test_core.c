/* Tests of the core: arena, cursor, tree, budget. */
#include <stdint.h>

#include "test.h"
#include "core/arena.h"
#include "core/cursor.h"
#include "core/limits.h"
#include "core/tree.h"
#include "core/u64map.h"

TEST(arena_alloc_is_zeroed_aligned_and_survives_big_blocks)
{
	fg_arena a;
	fg_arena_init(&a);
	char *s = fg_arena_strdup(&a, "hello");
	void *big = fg_arena_alloc(&a, 1u << 20);
	char *s2 = fg_arena_printf(&a, "%s-%d", "x", 42);
	REQUIRE(s && big && s2);
	CHECK_STR_EQ(s, "hello");
	CHECK_STR_EQ(s2, "x-42");
	CHECK(((uintptr_t)big & 15) == 0);
	CHECK(((unsigned char *)big)[12345] == 0);
	fg_arena_free(&a);
}

TEST(cursor_reads_both_endians_and_never_overruns)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 'a', 'b', 0 };
	fg_cursor c = fg_cur_make(b, sizeof(b));
	CHECK_INT_EQ(fg_cur_u16le(&c), 0x0201);
	CHECK_INT_EQ(fg_cur_u16be(&c), 0x0304);
	CHECK_INT_EQ(fg_cur_u32le(&c), 0x08070605u);
	size_t len;
	const char *s = fg_cur_cstr(&c, 10, &len);
	CHECK(s && len == 2 && memcmp(s, "ab", 2) == 0);
	CHECK(fg_cur_ok(&c));
	CHECK_INT_EQ(fg_cur_u32be(&c), 0);
	CHECK(!fg_cur_ok(&c));
	/* sticky: later reads fail too, even small ones */
	CHECK_INT_EQ(fg_cur_u8(&c), 0);
	CHECK(!fg_cur_ok(&c));

	fg_cursor d = fg_cur_make(b, 4);
	CHECK(!fg_cur_skip(&d, 5));
	fg_cursor e = fg_cur_make(b, 4);
	CHECK(fg_cur_seek(&e, 4) && !fg_cur_seek(&e, 5));
	fg_cursor f = fg_cur_make("abc", 3); /* no NUL in reach */
	CHECK(fg_cur_cstr(&f, 10, &len) == NULL && !fg_cur_ok(&f));
	fg_cursor g = fg_cur_make(b, sizeof(b));
	CHECK_INT_EQ(fg_cur_u64be(&g), 0x0102030405060708ull);
}

static fg_node *file_at(fg_tree *t, fg_node *root, const char *path, const char *content)
{
	fg_node *n = fg_tree_mkpath(t, root, path, FG_NODE_FILE);
	if (n && content) {
		n->data = (const uint8_t *)content;
		n->data_len = strlen(content);
	}
	return n;
}

static fg_node *link_at(fg_tree *t, fg_node *root, const char *path, const char *target)
{
	fg_node *n = fg_tree_mkpath(t, root, path, FG_NODE_SYMLINK);
	if (n)
		n->link_target = target;
	return n;
}

TEST(tree_children_sorted_and_unique)
{
	fg_tree t;
	fg_tree_init(&t);
	fg_node *root = fg_node_new(&t, "", 0, FG_NODE_DIR);
	root->flags = FG_NODE_FSROOT;
	t.root = root;
	file_at(&t, root, "etc/zeta", "z");
	file_at(&t, root, "etc/alpha", "a");
	file_at(&t, root, "/etc//mid", "m");
	fg_node *again = fg_tree_mkpath(&t, root, "etc/alpha", FG_NODE_FILE);
	fg_node *etc = fg_node_find_child(root, "etc", 3);
	REQUIRE(etc);
	CHECK_INT_EQ(etc->nchildren, 3);
	CHECK_STR_EQ(etc->children[0]->name, "alpha");
	CHECK_STR_EQ(etc->children[1]->name, "mid");
	CHECK_STR_EQ(etc->children[2]->name, "zeta");
	CHECK(again == etc->children[0]);
	CHECK(fg_tree_mkpath(&t, root, "etc/../x", FG_NODE_FILE) == NULL);
	CHECK(fg_tree_mkpath(&t, root, "etc/alpha/under-a-file", FG_NODE_FILE) == NULL);
	char buf[64];
	fg_node_path(etc->children[1], buf, sizeof(buf));
	CHECK_STR_EQ(buf, "/etc/mid");
	CHECK(fg_node_path(etc->children[1], buf, 5) == 0);
	fg_tree_free(&t);
}

TEST(tree_lookup_follows_symlinks_inside_the_tree_only)
{
	fg_tree t;
	fg_tree_init(&t);
	fg_node *root = fg_node_new(&t, "", 0, FG_NODE_DIR);
	root->flags = FG_NODE_FSROOT;
	t.root = root;
	fg_node *shadow = file_at(&t, root, "etc/shadow", "root::0:");
	link_at(&t, root, "etc/shadow-abs", "/etc/shadow");
	link_at(&t, root, "etc/shadow-rel", "shadow");
	link_at(&t, root, "var", "/tmp/var");
	fg_tree_mkpath(&t, root, "tmp/var/run", FG_NODE_DIR);
	link_at(&t, root, "escape", "../../../../etc/shadow");
	link_at(&t, root, "loop1", "loop2");
	link_at(&t, root, "loop2", "loop1");
	link_at(&t, root, "bin/sh", "busybox");
	file_at(&t, root, "bin/busybox", "ELF");

	CHECK(fg_tree_lookup(root, "/etc/shadow", true) == shadow);
	CHECK(fg_tree_lookup(root, "etc/shadow-abs", true) == shadow);
	CHECK(fg_tree_lookup(root, "/etc/shadow-rel", true) == shadow);
	CHECK(fg_tree_lookup(root, "/etc/shadow-rel", false)->type == FG_NODE_SYMLINK);
	CHECK(fg_tree_lookup(root, "/var/run", true) != NULL);
	/* ".." at the root stays at the root, like the kernel does in a chroot */
	CHECK(fg_tree_lookup(root, "/escape", true) == shadow);
	CHECK(fg_tree_lookup(root, "/loop1", true) == NULL);
	CHECK(fg_tree_lookup(root, "/bin/sh", true) == fg_tree_lookup(root, "/bin/busybox", true));
	CHECK(fg_tree_lookup(root, "/nope", true) == NULL);
	CHECK(fg_tree_lookup(root, "/etc/shadow/x", true) == NULL);
	fg_tree_free(&t);
}

TEST(tree_hardlink_content_and_chain)
{
	fg_tree t;
	fg_tree_init(&t);
	fg_node *img = fg_node_new(&t, "fw.bin", 6, FG_NODE_FILE);
	img->flags = FG_NODE_FSROOT;
	t.root = img;
	fg_node *r = fg_tree_attach_root(&t, img, "squashfs", 0x40, 100, true);
	REQUIRE(r);
	fg_node *real = file_at(&t, r, "bin/a", "x");
	fg_node *hl = fg_tree_mkpath(&t, r, "bin/b", FG_NODE_HARDLINK);
	hl->link_target = "bin/a";
	CHECK(fg_node_content(hl) == real);
	CHECK(fg_node_fsroot(real) == r);
	CHECK_STR_EQ(fg_node_chain(&t, real), "fw.bin > squashfs@0x40");
	fg_node *gz = file_at(&t, r, "data/x.gz", "...");
	fg_node *r2 = fg_tree_attach_root(&t, gz, "gzip", 0, 3, false);
	fg_node *inner = file_at(&t, r2, "x", "y");
	CHECK_STR_EQ(fg_node_chain(&t, inner), "fw.bin > squashfs@0x40 > /data/x.gz:gzip@0x0");
	CHECK_INT_EQ(inner->depth, 2);
	fg_tree_free(&t);
}

TEST(tree_hardlink_cycles_end)
{
	fg_tree t;
	fg_tree_init(&t);
	fg_node *root = fg_node_new(&t, "", 0, FG_NODE_DIR);
	root->flags = FG_NODE_FSROOT;
	t.root = root;
	fg_node *a = fg_tree_mkpath(&t, root, "a", FG_NODE_HARDLINK);
	fg_node *b = fg_tree_mkpath(&t, root, "b", FG_NODE_HARDLINK);
	a->link_target = "b";
	b->link_target = "a";
	fg_node *c = fg_tree_mkpath(&t, root, "c", FG_NODE_HARDLINK);
	c->link_target = "c";
	CHECK(fg_tree_lookup(root, "a", true) == NULL);
	CHECK(fg_tree_lookup(root, "c", false) == NULL);
	CHECK(fg_node_content(a) == NULL);
	fg_tree_free(&t);
}

TEST(budget_refuses_past_the_limits)
{
	fg_limits l;
	fg_limits_default(&l);
	l.max_total_bytes = 1000;
	l.max_files = 2;
	l.max_ratio = 10;
	l.max_file_size = 5000;
	fg_budget b;
	fg_budget_init(&b, &l);
	CHECK(fg_budget_take_bytes(&b, 600));
	CHECK(!fg_budget_take_bytes(&b, 401));
	CHECK(fg_budget_take_bytes(&b, 400));
	fg_budget_give_back_bytes(&b, 500);
	CHECK(fg_budget_take_bytes(&b, 500));
	CHECK(!fg_budget_take_bytes(&b, UINT64_MAX));
	CHECK(fg_budget_take_file(&b) && fg_budget_take_file(&b) && !fg_budget_take_file(&b));
	fg_budget_give_back_bytes(&b, 1000);
	CHECK_INT_EQ(fg_budget_output_cap(&b, 50), 1000); /* total budget is tighter than the ratio floor */
	l.max_total_bytes = 1ull << 40;
	fg_budget_init(&b, &l);
	CHECK_INT_EQ(fg_budget_output_cap(&b, 1 << 20), 5000); /* file size */
	l.max_file_size = 1ull << 40;
	fg_budget_init(&b, &l);
	CHECK_INT_EQ(fg_budget_output_cap(&b, 1 << 20), 10 << 20); /* ratio */
}

int main(void) { return RUN_TESTS(); }

TEST(u64map_grows_and_finds)
{
	fg_u64map m = {0};
	static int vals[3];
	CHECK(fg_u64map_get(&m, 1) == NULL);
	for (uint64_t k = 0; k < 10000; k++)
		REQUIRE(fg_u64map_put(&m, k << 32, &vals[k % 3]));
	CHECK_INT_EQ(m.n, 10000);
	CHECK(fg_u64map_get(&m, 7ull << 32) == &vals[1]);
	CHECK(fg_u64map_get(&m, 7) == NULL);
	CHECK(fg_u64map_put(&m, 7ull << 32, &vals[2]));
	CHECK_INT_EQ(m.n, 10000); /* replaced, not added */
	CHECK(fg_u64map_get(&m, 7ull << 32) == &vals[2]);
	CHECK(!fg_u64map_put(&m, 5, NULL));
	fg_u64map_free(&m);
	CHECK(fg_u64map_get(&m, 0) == NULL);
}
