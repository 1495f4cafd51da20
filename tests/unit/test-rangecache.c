/*
 * test-rangecache: ranges kept by commit ids (round trip, the newest kept,
 * damage of every kind read as nothing) and refs read from a repository's
 * files, laid out here by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/rangecache.h"
#include "lib/file.h"
#include "lib/util.h"

static char *dir;

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-rangecache.XXXXXX";

	(void)state;
	dir = xstrdup(mkdtemp(tmpl));
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	(void)state;
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	free(dir);
	return 0;
}

static git_oid oid_of(unsigned seed)
{
	git_oid o;
	size_t i;

	for (i = 0; i < GIT_OID_RAWSZ; i++)
		o.id[i] = (unsigned char)(seed * 31 + i * 7);
	return o;
}

/* A change of n files, as changes_range makes one. */
static void make_changes(struct changes *c, unsigned seed, size_t n)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->mode = CHANGES_RANGE;
	snprintf(c->base_hex, sizeof(c->base_hex), "%040x", seed);
	c->new_tree_oid = oid_of(seed + 1000);
	for (i = 0; i < n; i++) {
		GROW(c->v, c->n + 1, c->cap);
		memset(&c->v[c->n], 0, sizeof(c->v[0]));
		c->v[c->n].path = xasprintf("packages/p%u/src/f%zu.js", seed, i);
		c->v[c->n].status = (enum change_status)(i % 4);
		if (c->v[c->n].status == CHANGE_RENAMED)
			c->v[c->n].old_path = xasprintf("old/f%zu.js", i);
		c->v[c->n].oid = oid_of(seed + (unsigned)i);
		c->n++;
	}
}

static void assert_same(const struct changes *a, const struct changes *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	assert_string_equal(a->base_hex, b->base_hex);
	assert_memory_equal(a->new_tree_oid.id, b->new_tree_oid.id, GIT_OID_RAWSZ);
	for (i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].path, b->v[i].path);
		assert_int_equal(a->v[i].status, b->v[i].status);
		if (a->v[i].old_path)
			assert_string_equal(a->v[i].old_path, b->v[i].old_path);
		else
			assert_null(b->v[i].old_path);
		assert_memory_equal(a->v[i].oid.id, b->v[i].oid.id, GIT_OID_RAWSZ);
	}
}

static void round_trip_and_newest_kept(void **state)
{
	char *path = xasprintf("%s/ranges", dir);
	struct changes c, back;
	git_oid b, h;
	unsigned k;

	(void)state;
	for (k = 0; k < 70; k++) {
		b = oid_of(k);
		h = oid_of(k + 500);
		make_changes(&c, k, k % 5);
		rc_save(path, &b, &h, k % 2 ? "web/" : "", &c);
		changes_release(&c);
	}
	/* the newest: there, the same; another prefix or head: not */
	b = oid_of(69);
	h = oid_of(569);
	make_changes(&c, 69, 69 % 5);
	assert_true(rc_load(path, &b, &h, "web/", &back));
	assert_same(&c, &back);
	assert_memory_equal(back.head_oid.id, h.id, GIT_OID_RAWSZ);
	assert_memory_equal(back.base_oid.id, b.id, GIT_OID_RAWSZ);
	changes_release(&back);
	assert_false(rc_load(path, &b, &h, "", &back));
	assert_false(rc_load(path, &h, &b, "web/", &back));
	changes_release(&c);
	/* the oldest were let go: 64 are kept */
	b = oid_of(0);
	h = oid_of(500);
	assert_false(rc_load(path, &b, &h, "", &back));
	b = oid_of(10);
	h = oid_of(510);
	assert_true(rc_load(path, &b, &h, "", &back));
	changes_release(&back);
	free(path);
}

/* Cut or flipped anywhere: nothing, or exactly what was kept; never a crash. */
static void damage_reads_as_nothing(void **state)
{
	char *path = xasprintf("%s/damaged", dir), *copy = xasprintf("%s/copy", dir);
	struct buf good = BUF_INIT;
	struct changes c, back;
	git_oid b = oid_of(1), h = oid_of(2);
	size_t at;

	(void)state;
	make_changes(&c, 1, 6);
	rc_save(path, &b, &h, "", &c);
	assert_int_equal(read_file(path, &good, 1 << 20), 0);
	for (at = 0; at < good.len; at++) {
		assert_int_equal(write_file_atomic(copy, good.data, at), 0);
		if (rc_load(copy, &b, &h, "", &back))
			fail_msg("a file cut at %zu bytes was read", at);
		good.data[at] ^= 0x41;
		assert_int_equal(write_file_atomic(copy, good.data, good.len), 0);
		if (rc_load(copy, &b, &h, "", &back))
			fail_msg("a byte flipped at %zu was not seen", at);
		good.data[at] ^= 0x41;
	}
	assert_int_equal(write_file_atomic(copy, good.data, good.len), 0);
	assert_true(rc_load(copy, &b, &h, "", &back));
	assert_same(&c, &back);
	changes_release(&back);
	changes_release(&c);
	buf_release(&good);
	free(path);
	free(copy);
}

static void put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);

	assert_int_equal(make_parents(path), 0);
	assert_int_equal(write_file_atomic(path, text, strlen(text)), 0);
	free(path);
}

#define A "1111111111111111111111111111111111111111"
#define B "2222222222222222222222222222222222222222"
#define T "3333333333333333333333333333333333333333"
#define P "4444444444444444444444444444444444444444"

static void refs_from_files(void **state)
{
	struct rc_repo r;
	git_oid o, want;
	char *root = xasprintf("%s/repo/web", dir);

	(void)state;
	put("repo/.git/HEAD", "ref: refs/heads/main\n");
	put("repo/.git/refs/heads/main", A "\n");
	put("repo/.git/refs/remotes/origin/HEAD", "ref: refs/remotes/origin/main\n");
	put("repo/.git/packed-refs", "# pack-refs with: peeled fully-peeled sorted \n"
	    B " refs/remotes/origin/main\n" T " refs/tags/v1\n^" P "\n" B " refs/tags/light\n");
	put("repo/.git/refs/tags/loose", A "\n");
	put("repo/web/package.json", "{}");
	assert_int_equal(rc_find_repo(&r, root), 0);
	assert_string_equal(r.prefix, "web/");

	assert_int_equal(rc_resolve(&r, "HEAD", &o), 0);
	assert_int_equal(git_oid_fromstr(&want, A), 0);
	assert_true(git_oid_equal(&o, &want));
	assert_int_equal(rc_resolve(&r, "main", &o), 0);
	assert_true(git_oid_equal(&o, &want));
	assert_int_equal(rc_resolve(&r, "origin/main", &o), 0);
	assert_int_equal(git_oid_fromstr(&want, B), 0);
	assert_true(git_oid_equal(&o, &want));
	assert_int_equal(rc_resolve(&r, "origin", &o), 0);   /* refs/remotes/origin/HEAD */
	assert_true(git_oid_equal(&o, &want));
	assert_int_equal(rc_resolve(&r, "v1", &o), 0);       /* peeled */
	assert_int_equal(git_oid_fromstr(&want, P), 0);
	assert_true(git_oid_equal(&o, &want));
	assert_int_equal(rc_resolve(&r, "light", &o), 0);    /* fully peeled: no ^, no tag object */
	assert_int_equal(git_oid_fromstr(&want, B), 0);
	assert_true(git_oid_equal(&o, &want));
	assert_int_equal(rc_resolve(&r, A, &o), 0);

	/* what only libgit2 can say */
	assert_int_equal(rc_resolve(&r, "loose", &o), -1);
	assert_int_equal(rc_resolve(&r, "main~1", &o), -1);
	assert_int_equal(rc_resolve(&r, "HEAD^", &o), -1);
	assert_int_equal(rc_resolve(&r, "main@{u}", &o), -1);
	assert_int_equal(rc_resolve(&r, "FETCH_HEAD", &o), -1);
	assert_int_equal(rc_resolve(&r, "no-such-branch", &o), -1);
	assert_int_equal(rc_resolve(&r, "../../etc/passwd", &o), -1);
	assert_int_equal(rc_resolve(&r, "111111", &o), -1);
	assert_int_equal(rc_resolve(&r, "", &o), -1);
	rc_repo_release(&r);

	/* a worktree: its own HEAD, the main repository's refs */
	put("wt/.git", "gitdir: ../repo/.git/worktrees/wt\n");
	put("repo/.git/worktrees/wt/HEAD", "ref: refs/heads/main\n");
	put("repo/.git/worktrees/wt/commondir", "../..\n");
	free(root);
	root = xasprintf("%s/wt", dir);
	assert_int_equal(rc_find_repo(&r, root), 0);
	assert_string_equal(r.prefix, "");
	assert_int_equal(rc_resolve(&r, "HEAD", &o), 0);
	assert_int_equal(git_oid_fromstr(&want, A), 0);
	assert_true(git_oid_equal(&o, &want));
	rc_repo_release(&r);

	/* a reftable: not this reader's */
	put("repo/.git/reftable/tables.list", "");
	free(root);
	root = xasprintf("%s/repo/web", dir);
	assert_int_equal(rc_find_repo(&r, root), -1);
	free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_and_newest_kept),
		cmocka_unit_test(damage_reads_as_nothing),
		cmocka_unit_test(refs_from_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
