/*
 * test-gitindex: the files read from git's index against the commit's
 * tree as git lists it (git ls-tree -r), on repositories git makes here:
 * index versions 2, 3 and 4, a symbolic link, a submodule, an executable,
 * deep folders; and every index that must answer "no": changed since the
 * commit, split, damaged, truncated, of another tree.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/gitindex.h"
#include "lib/file.h"
#include "lib/util.h"

static char *dir;

static void sh(const char *what)
{
	char *cmd = xasprintf("cd '%s' && (%s) >/dev/null 2>&1", dir, what);

	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
	free(cmd);
}

/* The output of a command run in the repository. */
static char *out(const char *cmd)
{
	char *full = xasprintf("cd '%s' && %s", dir, cmd);
	FILE *p = popen(full, "r");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	assert_non_null(p);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(&b, chunk, n);
	assert_int_equal(pclose(p), 0);
	free(full);
	return buf_detach(&b, NULL);
}

static void unhex(const char *hex, unsigned char *oid)
{
	for (int i = 0; i < GITINDEX_OID_SIZE; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		oid[i] = (unsigned char)v;
	}
}

static void head_tree(unsigned char *oid)
{
	char *hex = out("git rev-parse 'HEAD^{tree}'");

	unhex(hex, oid);
	free(hex);
}

/* Each file as "mode oid path\n", the way the expectation is written (into nothing: dropped). */
static void collect(const char *path, size_t len, uint32_t mode, const unsigned char *oid,
		    const struct gitindex_stat *st, void *data)
{
	struct buf *b = data;

	(void)st;
	if (!b)
		return;
	buf_addf(b, "%06o ", mode);
	for (int i = 0; i < GITINDEX_OID_SIZE; i++)
		buf_addf(b, "%02x", oid[i]);
	buf_addf(b, " %.*s\n", (int)len, path);
}

/* The index's answer for tree, and what it listed. */
static int list(const unsigned char *tree, char **listed)
{
	char *path = xasprintf("%s/.git/index", dir);
	struct buf b = BUF_INIT;
	int ok;

	buf_init(&b);
	ok = gitindex_list(path, tree, collect, &b);
	free(path);
	*listed = buf_detach(&b, NULL);
	return ok;
}

static void expect_tree_listing(void)
{
	/* what git says the commit holds, submodules (commits) left out */
	char *want = out("git ls-tree -r --full-tree HEAD | grep -v '^160000 ' | "
			 "sed 's/ blob / /; s/\t/ /'");
	unsigned char tree[GITINDEX_OID_SIZE];
	char *got;

	head_tree(tree);
	assert_int_equal(list(tree, &got), 1);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/test-gitindex.XXXXXX";

	(void)state;
	dir = xstrdup(mkdtemp(tmpl));
	sh("git init -q && git config user.email t@example.com && git config user.name t && "
	   "mkdir -p a/b/c/d e node_modules/x && echo 1 >a/b/c/d/deep.js && echo 2 >e/f.ts && "
	   "echo 3 >top.md && echo 4 >node_modules/x/index.js && printf '#!/bin/sh\\n' >run.sh && "
	   "chmod +x run.sh && ln -s a/b link && echo 5 >'name with space.txt' && "
	   "git add -A && git update-index --add --cacheinfo "
	   "160000,1111111111111111111111111111111111111111,sub && git commit -q -m one");
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

static void every_version(void **state)
{
	(void)state;
	expect_tree_listing();
	sh("git update-index --index-version 3");
	expect_tree_listing();
	sh("git update-index --index-version 4");
	expect_tree_listing();
	sh("git update-index --index-version 2");
	expect_tree_listing();
}

static void after_checkout_and_reset(void **state)
{
	(void)state;
	sh("echo 6 >e/g.ts && git add e/g.ts && git commit -q -m two && git checkout -q HEAD~1");
	expect_tree_listing();
	sh("git checkout -q - && git reset -q --hard HEAD");
	expect_tree_listing();
}

static void says_no(void **state)
{
	unsigned char tree[GITINDEX_OID_SIZE], other[GITINDEX_OID_SIZE];
	char *got, *path = xasprintf("%s/.git/index", dir);
	struct buf text = BUF_INIT;

	(void)state;
	head_tree(tree);
	/* another tree */
	memcpy(other, tree, sizeof(other));
	other[0] ^= 1;
	assert_int_equal(list(other, &got), 0);
	free(got);

	/* an index changed since the commit: its cache-tree no longer names a tree */
	sh("echo changed >top.md && git add top.md");
	assert_int_equal(list(tree, &got), 0);
	free(got);
	sh("git reset -q --hard HEAD");
	assert_int_equal(list(tree, &got), 1);
	free(got);

	/* damaged anywhere: the checksum; truncated: no trailer */
	assert_int_equal(read_file(path, &text, 0), 0);
	for (size_t at = 0; at < text.len; at += text.len / 7 + 1) {
		char saved = text.data[at];

		text.data[at] ^= 0x20;
		assert_int_equal(gitindex_parse((unsigned char *)text.data, text.len, tree, 0, 0,
						collect, NULL), 0);
		text.data[at] = saved;
	}
	for (size_t n = 0; n < text.len; n += 13)
		assert_int_equal(gitindex_parse((unsigned char *)text.data, n, tree, 0, 0, collect,
						NULL), 0);
	/*
	 * Paths git never writes, in an index that is otherwise whole (a zero
	 * checksum is index.skipHash's): leaving the workspace, twice the same
	 * path, out of order.  The unchanged copy answers yes.
	 */
	{
		static const char *const forged[] = {"../x.m", "run.sh", "a/./b", "/top.m"};
		char *at = memmem(text.data, text.len, "top.md", 6);
		struct buf listed = BUF_INIT;

		assert_non_null(at);
		memset(text.data + text.len - GITINDEX_OID_SIZE, 0, GITINDEX_OID_SIZE);
		buf_init(&listed);
		assert_int_equal(gitindex_parse((unsigned char *)text.data, text.len, tree, 0, 0,
						collect, &listed), 1);
		assert_non_null(strstr(listed.data, " top.md\n"));
		buf_release(&listed);
		for (size_t i = 0; i < ARRAY_LEN(forged); i++) {
			memcpy(at, forged[i], 6);
			assert_int_equal(gitindex_parse((unsigned char *)text.data, text.len, tree, 0,
							0, collect, NULL), 0);
		}
	}
	buf_release(&text);

	/* a split index: the entries live in another file */
	sh("git update-index --split-index");
	assert_int_equal(list(tree, &got), 0);
	free(got);
	sh("git update-index --no-split-index && git reset -q --hard HEAD");
	assert_int_equal(list(tree, &got), 1);
	free(got);

	/* GIT_INDEX_FILE names another index: left to libgit2 */
	setenv("GIT_INDEX_FILE", path, 1);
	assert_int_equal(list(tree, &got), 0);
	unsetenv("GIT_INDEX_FILE");
	free(got);
	free(path);
}

static void count_trusted(const char *path, size_t len, uint32_t mode, const unsigned char *oid,
			  const struct gitindex_stat *st, void *data)
{
	size_t *n = data;

	(void)path, (void)len, (void)mode, (void)oid;
	n[0]++;
	n[1] += st->trusted;
	/* the stat data is git's: the size it recorded */
	if (!strcmp(path, "top.md"))
		assert_int_equal(st->size, 2);
}

/* An entry is trusted only when written before the index was: git's racy rule. */
static void racy_entries(void **state)
{
	unsigned char tree[GITINDEX_OID_SIZE];
	char *path = xasprintf("%s/.git/index", dir);
	struct buf text = BUF_INIT;
	size_t n[2] = {0, 0};

	(void)state;
	head_tree(tree);
	assert_int_equal(read_file(path, &text, 0), 0);
	assert_int_equal(gitindex_parse((unsigned char *)text.data, text.len, tree, INT64_MAX, 0,
					count_trusted, n), 1);
	assert_true(n[0] > 5);
	assert_int_equal(n[1], n[0]);
	n[0] = n[1] = 0;
	/* an index "written" at the epoch: every entry is at or after it */
	assert_int_equal(gitindex_parse((unsigned char *)text.data, text.len, tree, 0, 0,
					count_trusted, n), 1);
	assert_int_equal(n[1], 0);
	buf_release(&text);
	free(path);
}

/*
 * git add -N: an entry of no tree.  git marks the cache-tree's root invalid
 * for it, so the index answers no; were it kept valid, the entry is skipped.
 */
static void intent_to_add(void **state)
{
	unsigned char tree[GITINDEX_OID_SIZE];
	char *got;

	(void)state;
	head_tree(tree);
	sh("echo new >later.js && git add -N later.js");
	assert_int_equal(list(tree, &got), 0);
	free(got);
	sh("git rm -q --cached later.js && rm later.js && git reset -q --hard HEAD");
	assert_int_equal(list(tree, &got), 1);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_version),
		cmocka_unit_test(after_checkout_and_reset),
		cmocka_unit_test(says_no),
		cmocka_unit_test(racy_entries),
		cmocka_unit_test(intent_to_add),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
