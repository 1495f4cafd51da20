/*
 * test-changes: git state turned into workspace-relative changes.  Real
 * repositories, made with the git command in a scratch folder: a commit
 * range from the merge-base (a base branch that moved on is not counted;
 * additions, modifications, deletions, exact renames, renames across the
 * workspace boundary), the workspace prefix, refs that do not name a
 * commit, uncommitted changes (staged, unstaged, untracked, not ignored),
 * explicit lists (relative to a folder, and "-" from standard input), and
 * the content of either side of a change.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "analyze/changes.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/util.h"

/* ---- helpers ---- */

/* Messages of relgate, kept instead of printed, so that a test can look at them. */
static struct buf messages = BUF_INIT;

static void keep_message(const char *level, const char *text, void *data)
{
	(void)data;
	buf_addf(&messages, "%s: %s\n", level, text);
}

static void quiet(void)
{
	buf_reset(&messages);
	diag_set_routine(keep_message, NULL);
}

static void loud(void)
{
	diag_set_routine(NULL, NULL);
}

static char *scratch_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *templ = xasprintf("%s/relgate-changes-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *real;

	assert_non_null(mkdtemp(templ));
	real = realpath(templ, NULL);
	assert_non_null(real);
	free(templ);
	return real;
}

static void remove_dir(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

/* Run a shell command in dir; fails the test unless it succeeds. */
static void sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sh(const char *dir, const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	char *body;
	int r;

	va_start(ap, fmt);
	if (vasprintf(&body, fmt, ap) < 0)
		abort();
	va_end(ap);
	buf_addf(&cmd, "cd '%s' && { %s ; } >/dev/null 2>&1", dir, body);
	r = system(cmd.data);
	if (r != 0)
		fail_msg("command failed (%d): %s", r, body);
	free(body);
	buf_release(&cmd);
}

static void put(const char *dir, const char *path, const char *text)
{
	char *full = xasprintf("%s/%s", dir, path);

	assert_int_equal(make_parents(full), 0);
	assert_int_equal(write_file_atomic(full, text, strlen(text)), 0);
	free(full);
}

/* The full id git gives rev, into hex. */
static void rev_parse(const char *dir, const char *rev, char *hex)
{
	char *cmd = xasprintf("cd '%s' && git rev-parse --verify -q '%s'", dir, rev);
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	n = fread(hex, 1, GIT_OID_HEXSZ, p);
	hex[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_int_equal(n, GIT_OID_HEXSZ);
	free(cmd);
}

/* A new repository in a scratch folder, configured locally only. */
static char *new_repo(void)
{
	char *dir = scratch_dir();

	sh(dir, "git -c init.defaultBranch=main init -q . && git config user.name 'Unit Test' && "
		"git config user.email unit@example.com && git config commit.gpgsign false && "
		"git config core.autocrlf false");
	return dir;
}

static git_repository *open_repo(const char *dir)
{
	git_repository *repo = NULL;

	if (git_repository_open(&repo, dir) < 0)
		fail_msg("cannot open the repository %s: %s", dir, git_error_last()->message);
	return repo;
}

static const struct change *find(const struct changes *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].path, path))
			return &c->v[i];
	return NULL;
}

static void print_changes(const struct changes *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		print_message("#   %d %s%s%s\n", (int)c->v[i].status, c->v[i].path,
			      c->v[i].old_path ? " <- " : "",
			      c->v[i].old_path ? c->v[i].old_path : "");
}

struct want {
	const char *path;
	enum change_status status;
	const char *old_path;
};

/* c holds exactly the changes of want, in any order, each once. */
static void expect(const struct changes *c, const struct want *want, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct change *ch = find(c, want[i].path);

		if (!ch) {
			print_changes(c);
			fail_msg("no change for \"%s\"", want[i].path);
		}
		if (ch->status != want[i].status) {
			print_changes(c);
			fail_msg("\"%s\": status %d, expected %d", want[i].path, (int)ch->status,
				 (int)want[i].status);
		}
		if (want[i].old_path) {
			if (!ch->old_path || strcmp(ch->old_path, want[i].old_path))
				fail_msg("\"%s\": old path \"%s\", expected \"%s\"", want[i].path,
					 ch->old_path ? ch->old_path : "(none)", want[i].old_path);
		} else if (ch->old_path) {
			fail_msg("\"%s\": an old path \"%s\" it should not have", want[i].path,
				 ch->old_path);
		}
	}
	for (i = 0; i < c->n; i++) {
		for (k = 0; k < n && strcmp(c->v[i].path, want[k].path); k++)
			;
		if (k == n) {
			print_changes(c);
			fail_msg("an unexpected change: \"%s\" (status %d)", c->v[i].path,
				 (int)c->v[i].status);
		}
		for (k = i + 1; k < c->n; k++)
			if (!strcmp(c->v[i].path, c->v[k].path))
				fail_msg("\"%s\" is listed twice", c->v[i].path);
	}
}

/* ---- the range repository: main and feature, forked at the tag "fork" ---- */

static char *range_dir;

static int range_setup(void **state)
{
	(void)state;
	range_dir = new_repo();
	put(range_dir, "a.txt", "a1\n");
	put(range_dir, "keep.txt", "keep\n");
	put(range_dir, "del.txt", "to be deleted\n");
	put(range_dir, "mv-src.txt", "moved as it is\n");
	put(range_dir, "mod-src.txt", "renamed and edited, before\n");
	put(range_dir, "outside/o.txt", "o1\n");
	put(range_dir, "outside/in.txt", "moves into sub\n");
	put(range_dir, "sub/x.txt", "x1\n");
	put(range_dir, "sub/y.txt", "y goes\n");
	put(range_dir, "sub/r.txt", "renamed within sub\n");
	put(range_dir, "sub/out.txt", "moves out of sub\n");
	put(range_dir, "sub/deep/d.txt", "d1\n");
	put(range_dir, "node_modules/pkg/index.js", "nm1\n");
	put(range_dir, "sub/node_modules/q/i.js", "q1\n");
	put(range_dir, ".relgate/state", "s1\n");
	sh(range_dir, "git add -A && git commit -q -m fork && git tag fork && "
		      "git tag -a -m 'an annotated tag' fork-annotated");

	sh(range_dir, "git checkout -q -b feature");
	put(range_dir, "a.txt", "a2\n");
	put(range_dir, "new.txt", "brand new\n");
	put(range_dir, "outside/o.txt", "o2\n");
	put(range_dir, "sub/x.txt", "x2\n");
	put(range_dir, "sub/new.txt", "new in sub\n");
	sh(range_dir, "git rm -q del.txt sub/y.txt && git mv mv-src.txt moved.txt && "
		      "git mv sub/r.txt sub/r2.txt && git add -A && git commit -q -m 'feature 1'");
	sh(range_dir, "git mv mod-src.txt mod-dst.txt && git mv outside/in.txt sub/in.txt && "
		      "git mv sub/out.txt out.txt");
	put(range_dir, "mod-dst.txt", "renamed and edited, after\n");
	put(range_dir, "sub/deep/d.txt", "d2\n");
	put(range_dir, "node_modules/pkg/index.js", "nm2\n");
	put(range_dir, "sub/node_modules/q/i.js", "q2\n");
	put(range_dir, ".relgate/state", "s2\n");
	sh(range_dir, "git add -A && git commit -q -m 'feature 2'");

	/* main moves on after the fork: none of this is part of the change */
	sh(range_dir, "git checkout -q main");
	put(range_dir, "keep.txt", "keep, edited on main\n");
	put(range_dir, "main-only.txt", "only on main\n");
	sh(range_dir, "git add -A && git commit -q -m 'main moves on'");

	/* a history of its own, with no merge-base with the others */
	sh(range_dir, "git checkout -q --orphan lonely && git rm -q -r --cached . && "
		      "git clean -q -fdx && echo alone > alone.txt && git add alone.txt && "
		      "git commit -q -m lonely");
	sh(range_dir, "git checkout -q -f feature && git clean -q -fdx");
	return 0;
}

static int range_teardown(void **state)
{
	(void)state;
	remove_dir(range_dir);
	range_dir = NULL;
	return 0;
}

static const struct want range_root[] = {
	{"a.txt", CHANGE_MODIFIED, NULL},
	{"new.txt", CHANGE_ADDED, NULL},
	{"del.txt", CHANGE_DELETED, NULL},
	{"moved.txt", CHANGE_RENAMED, "mv-src.txt"},
	/* a rename whose content changed: a deletion and an addition */
	{"mod-src.txt", CHANGE_DELETED, NULL},
	{"mod-dst.txt", CHANGE_ADDED, NULL},
	{"outside/o.txt", CHANGE_MODIFIED, NULL},
	{"sub/in.txt", CHANGE_RENAMED, "outside/in.txt"},
	{"out.txt", CHANGE_RENAMED, "sub/out.txt"},
	{"sub/x.txt", CHANGE_MODIFIED, NULL},
	{"sub/y.txt", CHANGE_DELETED, NULL},
	{"sub/r2.txt", CHANGE_RENAMED, "sub/r.txt"},
	{"sub/new.txt", CHANGE_ADDED, NULL},
	{"sub/deep/d.txt", CHANGE_MODIFIED, NULL},
};

static void range_from_merge_base(void **state)
{
	git_repository *repo = open_repo(range_dir);
	char fork_hex[GIT_OID_HEXSZ + 1], feature_hex[GIT_OID_HEXSZ + 1];
	struct changes c;

	(void)state;
	rev_parse(range_dir, "fork", fork_hex);
	rev_parse(range_dir, "feature", feature_hex);
	fault_clear();
	assert_int_equal(changes_range(&c, repo, "", "main", "feature"), 0);
	assert_int_equal(c.mode, CHANGES_RANGE);
	expect(&c, range_root, ARRAY_LEN(range_root));
	/* what main did after the fork is not part of the change */
	assert_null(find(&c, "keep.txt"));
	assert_null(find(&c, "main-only.txt"));
	/* installed packages and relgate's state never are */
	assert_null(find(&c, "node_modules/pkg/index.js"));
	assert_null(find(&c, "sub/node_modules/q/i.js"));
	assert_null(find(&c, ".relgate/state"));
	assert_string_equal(c.base_hex, fork_hex);
	assert_string_equal(c.head_hex, feature_hex);
	assert_string_equal(git_oid_tostr_s(&c.head_oid), feature_hex);
	assert_true(c.head_is_checkout);
	assert_non_null(c.old_tree);
	assert_non_null(c.new_tree);
	assert_int_equal(fault_last(), FAULT_NONE);
	changes_release(&c);
	assert_int_equal(c.n, 0);
	assert_null(c.v);
	git_repository_free(repo);
}

/* The same range named by ids, by a relative revision and by an annotated tag. */
static void range_accepts_any_commit_name(void **state)
{
	git_repository *repo = open_repo(range_dir);
	char main_hex[GIT_OID_HEXSZ + 1], feature_hex[GIT_OID_HEXSZ + 1];
	const char *bases[] = {main_hex, "fork", "fork-annotated", "main~1", "refs/heads/main"};
	size_t i;

	(void)state;
	rev_parse(range_dir, "main", main_hex);
	rev_parse(range_dir, "feature", feature_hex);
	for (i = 0; i < ARRAY_LEN(bases); i++) {
		struct changes c;

		if (changes_range(&c, repo, "", bases[i], feature_hex) != 0)
			fail_msg("changes_range refused the base \"%s\"", bases[i]);
		expect(&c, range_root, ARRAY_LEN(range_root));
		changes_release(&c);
	}
	git_repository_free(repo);
}

/* The other way round: what main did since the fork, and head is not checked out. */
static void range_the_other_way(void **state)
{
	git_repository *repo = open_repo(range_dir);
	static const struct want want[] = {
		{"keep.txt", CHANGE_MODIFIED, NULL},
		{"main-only.txt", CHANGE_ADDED, NULL},
	};
	struct changes c;

	(void)state;
	assert_int_equal(changes_range(&c, repo, "", "feature", "main"), 0);
	expect(&c, want, ARRAY_LEN(want));
	assert_false(c.head_is_checkout);
	changes_release(&c);

	/* a head that is the merge-base itself: nothing changed */
	assert_int_equal(changes_range(&c, repo, "", "main", "fork"), 0);
	assert_int_equal(c.n, 0);
	changes_release(&c);
	git_repository_free(repo);
}

static void range_prefix(void **state)
{
	git_repository *repo = open_repo(range_dir);
	static const struct want want[] = {
		{"x.txt", CHANGE_MODIFIED, NULL},
		{"y.txt", CHANGE_DELETED, NULL},
		{"r2.txt", CHANGE_RENAMED, "r.txt"},
		{"new.txt", CHANGE_ADDED, NULL},
		{"deep/d.txt", CHANGE_MODIFIED, NULL},
		/* a rename across the workspace boundary: only the side inside */
		{"in.txt", CHANGE_ADDED, NULL},
		{"out.txt", CHANGE_DELETED, NULL},
	};
	static const struct want deep[] = {
		{"d.txt", CHANGE_MODIFIED, NULL},
	};
	struct changes c;

	(void)state;
	assert_int_equal(changes_range(&c, repo, "sub/", "main", "feature"), 0);
	expect(&c, want, ARRAY_LEN(want));
	changes_release(&c);

	assert_int_equal(changes_range(&c, repo, "sub/deep/", "main", "feature"), 0);
	expect(&c, deep, ARRAY_LEN(deep));
	changes_release(&c);

	/* a prefix that is no folder of either side: no change */
	assert_int_equal(changes_range(&c, repo, "nowhere/", "main", "feature"), 0);
	assert_int_equal(c.n, 0);
	changes_release(&c);

	/* "su/" is not a prefix of "sub/x.txt" as a folder */
	assert_int_equal(changes_range(&c, repo, "su/", "main", "feature"), 0);
	assert_int_equal(c.n, 0);
	changes_release(&c);
	git_repository_free(repo);
}

static void range_fails_on(git_repository *repo, const char *base, const char *head)
{
	struct changes c;

	quiet();
	fault_clear();
	if (changes_range(&c, repo, "", base, head) != -1) {
		loud();
		fail_msg("changes_range(\"%s\", \"%s\") did not fail", base, head);
	}
	loud();
	if (fault_last() != FAULT_ENV)
		fail_msg("changes_range(\"%s\", \"%s\"): fault %d, expected FAULT_ENV", base, head,
			 (int)fault_last());
	if (!strstr(messages.data, "error: "))
		fail_msg("changes_range(\"%s\", \"%s\") failed without an error message", base,
			 head);
	assert_int_equal(c.n, 0);
	changes_release(&c);
}

static void range_bad_refs(void **state)
{
	git_repository *repo = open_repo(range_dir);
	char tree_hex[GIT_OID_HEXSZ + 1], blob_hex[GIT_OID_HEXSZ + 1];

	(void)state;
	rev_parse(range_dir, "main^{tree}", tree_hex);
	rev_parse(range_dir, "main:keep.txt", blob_hex);

	range_fails_on(repo, "no-such-branch", "feature");
	assert_non_null(strstr(messages.data, "no-such-branch"));
	range_fails_on(repo, "main", "no-such-branch");
	range_fails_on(repo, "main", "0123456789abcdef0123456789abcdef01234567");
	range_fails_on(repo, "", "feature");
	/* ids of a tree and of a blob: real objects, not commits */
	range_fails_on(repo, tree_hex, "feature");
	range_fails_on(repo, "main", tree_hex);
	range_fails_on(repo, blob_hex, "feature");
	range_fails_on(repo, "main", blob_hex);
	range_fails_on(repo, "main:a.txt", "feature");
	range_fails_on(repo, "main", "feature^{tree}");
	/* no common history */
	range_fails_on(repo, "lonely", "feature");
	range_fails_on(repo, "main", "lonely");
	git_repository_free(repo);
}

/* A folder that becomes a file and the other way round; a mode change; a link. */
static void range_kinds_of_entries(void **state)
{
	char *dir = new_repo();
	git_repository *repo;
	static const struct want want[] = {
		{"fold/f.txt", CHANGE_DELETED, NULL},
		{"fold", CHANGE_ADDED, NULL},
		{"plain", CHANGE_DELETED, NULL},
		{"plain/p.txt", CHANGE_ADDED, NULL},
		{"tool.sh", CHANGE_MODIFIED, NULL},
		{"link", CHANGE_MODIFIED, NULL},
	};
	struct changes c;

	(void)state;
	put(dir, "fold/f.txt", "in a folder\n");
	put(dir, "plain", "a file\n");
	put(dir, "tool.sh", "echo tool\n");
	put(dir, "same.txt", "unchanged\n");
	sh(dir, "ln -s same.txt link && git add -A && git commit -q -m one && git tag one");
	sh(dir, "rm -r fold plain link && ln -s tool.sh link && chmod +x tool.sh");
	put(dir, "fold", "now a file\n");
	put(dir, "plain/p.txt", "now in a folder\n");
	sh(dir, "git add -A && git commit -q -m two");
	repo = open_repo(dir);
	assert_int_equal(changes_range(&c, repo, "", "one", "HEAD"), 0);
	expect(&c, want, ARRAY_LEN(want));
	changes_release(&c);
	git_repository_free(repo);
	remove_dir(dir);
}

/* ---- uncommitted changes ---- */

static char *wt_dir;

static int wt_setup(void **state)
{
	(void)state;
	wt_dir = new_repo();
	put(wt_dir, ".gitignore", "*.log\nbuild/\n");
	put(wt_dir, "tracked.txt", "tracked, committed\n");
	put(wt_dir, "staged.txt", "staged, committed\n");
	put(wt_dir, "both.txt", "both, committed\n");
	put(wt_dir, "gone.txt", "gone, committed\n");
	put(wt_dir, "same.txt", "unchanged\n");
	put(wt_dir, "sub/s.txt", "s, committed\n");
	sh(wt_dir, "git add -A && git commit -q -m base");

	put(wt_dir, "staged.txt", "staged, edited\n");
	put(wt_dir, "staged-new.txt", "staged, new\n");
	put(wt_dir, "both.txt", "both, staged\n");
	sh(wt_dir, "git add staged.txt staged-new.txt both.txt");
	put(wt_dir, "both.txt", "both, staged and edited again\n");
	put(wt_dir, "tracked.txt", "tracked, edited\n");
	put(wt_dir, "sub/s.txt", "s, edited\n");
	put(wt_dir, "untracked.txt", "untracked\n");
	put(wt_dir, "newdir/deep/u.txt", "untracked, deep\n");
	put(wt_dir, "sub/u2.txt", "untracked in sub\n");
	put(wt_dir, "debug.log", "ignored\n");
	put(wt_dir, "sub/trace.log", "ignored\n");
	put(wt_dir, "build/out.js", "ignored\n");
	put(wt_dir, "node_modules/m/index.js", "installed\n");
	put(wt_dir, ".relgate/cache/x", "state\n");
	sh(wt_dir, "rm gone.txt");
	return 0;
}

static int wt_teardown(void **state)
{
	(void)state;
	remove_dir(wt_dir);
	wt_dir = NULL;
	return 0;
}

static void uncommitted_all_kinds(void **state)
{
	git_repository *repo = open_repo(wt_dir);
	static const struct want want[] = {
		{"staged.txt", CHANGE_MODIFIED, NULL},
		{"staged-new.txt", CHANGE_ADDED, NULL},
		{"both.txt", CHANGE_MODIFIED, NULL},
		{"tracked.txt", CHANGE_MODIFIED, NULL},
		{"gone.txt", CHANGE_DELETED, NULL},
		{"sub/s.txt", CHANGE_MODIFIED, NULL},
		{"untracked.txt", CHANGE_ADDED, NULL},
		{"newdir/deep/u.txt", CHANGE_ADDED, NULL},
		{"sub/u2.txt", CHANGE_ADDED, NULL},
	};
	char head_hex[GIT_OID_HEXSZ + 1];
	struct changes c;

	(void)state;
	rev_parse(wt_dir, "HEAD", head_hex);
	assert_int_equal(changes_uncommitted(&c, repo, ""), 0);
	assert_int_equal(c.mode, CHANGES_UNCOMMITTED);
	expect(&c, want, ARRAY_LEN(want));
	assert_null(find(&c, "debug.log"));
	assert_null(find(&c, "build/out.js"));
	assert_null(find(&c, "same.txt"));
	assert_string_equal(c.base_hex, head_hex);
	assert_string_equal(c.head_hex, "");
	assert_true(c.head_is_checkout);
	assert_non_null(c.old_tree);
	assert_null(c.new_tree);
	changes_release(&c);
	git_repository_free(repo);
}

static void uncommitted_prefix(void **state)
{
	git_repository *repo = open_repo(wt_dir);
	static const struct want want[] = {
		{"s.txt", CHANGE_MODIFIED, NULL},
		{"u2.txt", CHANGE_ADDED, NULL},
	};
	struct changes c;

	(void)state;
	assert_int_equal(changes_uncommitted(&c, repo, "sub/"), 0);
	expect(&c, want, ARRAY_LEN(want));
	changes_release(&c);
	git_repository_free(repo);
}

/* A clean working tree has no change. */
static void uncommitted_clean(void **state)
{
	char *dir = new_repo();
	git_repository *repo;
	struct changes c;

	(void)state;
	put(dir, "a.txt", "a\n");
	put(dir, ".gitignore", "*.tmp\n");
	sh(dir, "git add -A && git commit -q -m one");
	put(dir, "scratch.tmp", "ignored\n");
	repo = open_repo(dir);
	assert_int_equal(changes_uncommitted(&c, repo, ""), 0);
	assert_int_equal(c.n, 0);
	changes_release(&c);
	git_repository_free(repo);
	remove_dir(dir);
}

/* A success notes no fault: fault_last() is for the failure that follows, if any. */
static void uncommitted_success_notes_no_fault(void **state)
{
	git_repository *repo = open_repo(wt_dir);
	struct changes c;

	(void)state;
	fault_clear();
	assert_int_equal(changes_uncommitted(&c, repo, ""), 0);
	changes_release(&c);
	git_repository_free(repo);
	/* a success notes no fault, or a later failure would be taken for this one */
	assert_int_equal(fault_last(), FAULT_NONE);
}

/* ---- explicit lists ---- */

static void files_relative_to_cwd(void **state)
{
	char *root = scratch_dir();
	char *cwd = xasprintf("%s/sub", root);
	char *abs_inside = xasprintf("%s/x/y.txt", root);
	char *abs_root = xasprintf("%s", root);
	char *sibling = xasprintf("%s-other/z.txt", root);
	char *paths[] = {
		"s.txt", "../top.txt", "./deep/../t.txt", abs_inside, "../../elsewhere.txt",
		"/etc/hostname", "node_modules/m/index.js", "", "..", abs_root, sibling,
		"deep//twice.txt",
	};
	static const struct want want[] = {
		{"sub/s.txt", CHANGE_LISTED, NULL},
		{"top.txt", CHANGE_LISTED, NULL},
		{"sub/t.txt", CHANGE_LISTED, NULL},
		{"x/y.txt", CHANGE_LISTED, NULL},
		{"sub/deep/twice.txt", CHANGE_LISTED, NULL},
	};
	struct changes c;

	(void)state;
	quiet();
	assert_int_equal(changes_files(&c, NULL, root, cwd, paths, ARRAY_LEN(paths)), 0);
	loud();
	assert_int_equal(c.mode, CHANGES_FILES);
	expect(&c, want, ARRAY_LEN(want));
	assert_true(c.head_is_checkout);
	assert_null(c.old_tree);
	/* the paths outside the workspace were named in warnings */
	assert_non_null(strstr(messages.data, "elsewhere.txt"));
	assert_non_null(strstr(messages.data, "/etc/hostname"));
	changes_release(&c);

	/* from the root itself */
	{
		char *p2[] = {"a/b.txt", "./c.txt"};
		static const struct want w2[] = {
			{"a/b.txt", CHANGE_LISTED, NULL},
			{"c.txt", CHANGE_LISTED, NULL},
		};

		assert_int_equal(changes_files(&c, NULL, root, root, p2, ARRAY_LEN(p2)), 0);
		expect(&c, w2, ARRAY_LEN(w2));
		changes_release(&c);
	}
	free(cwd);
	free(abs_inside);
	free(abs_root);
	free(sibling);
	remove_dir(root);
}

/* With a repository, the "before" side is HEAD's tree. */
static void files_with_repo(void **state)
{
	git_repository *repo = open_repo(wt_dir);
	char *paths[] = {"tracked.txt"};
	struct changes c;

	(void)state;
	assert_int_equal(changes_files(&c, repo, wt_dir, wt_dir, paths, 1), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].path, "tracked.txt");
	assert_int_equal(c.v[0].status, CHANGE_LISTED);
	assert_non_null(c.old_tree);
	assert_null(c.new_tree);
	changes_release(&c);
	git_repository_free(repo);
}

static void files_from_stdin(void **state)
{
	static const char list[] = "s.txt\n../top.txt\r\n\n../../outside.txt\n"
				   "node_modules/x.js\nlast-without-newline.txt";
	static const struct want want[] = {
		{"sub/s.txt", CHANGE_LISTED, NULL},
		{"top.txt", CHANGE_LISTED, NULL},
		{"sub/last-without-newline.txt", CHANGE_LISTED, NULL},
		{"sub/named.txt", CHANGE_LISTED, NULL},
	};
	char *root = scratch_dir();
	char *cwd = xasprintf("%s/sub", root);
	char *paths[] = {"-", "named.txt"};
	struct changes c;
	int fds[2], saved;
	int r;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], list, sizeof(list) - 1), (ssize_t)(sizeof(list) - 1));
	close(fds[1]);
	fflush(stdout);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	clearerr(stdin);
	quiet();
	r = changes_files(&c, NULL, root, cwd, paths, ARRAY_LEN(paths));
	loud();
	/* standard input back as it was */
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	clearerr(stdin);
	assert_int_equal(r, 0);
	expect(&c, want, ARRAY_LEN(want));
	assert_non_null(strstr(messages.data, "outside.txt"));
	changes_release(&c);
	free(cwd);
	remove_dir(root);
}

/* ---- either side of a change ---- */

static void side_is(const struct changes *c, git_repository *repo, const char *prefix, int rootfd,
		    const char *path, bool after, const char *want)
{
	struct buf b = BUF_INIT;
	int r = changes_read_side(c, repo, prefix, rootfd, path, after, &b, 0);

	if (!want) {
		if (r != 1)
			fail_msg("%s (%s): %d, expected 1 (no such file on that side)", path,
				 after ? "after" : "before", r);
	} else {
		if (r != 0)
			fail_msg("%s (%s): %d, expected 0", path, after ? "after" : "before", r);
		if (strcmp(b.data, want))
			fail_msg("%s (%s): \"%s\", expected \"%s\"", path, after ? "after" : "before",
				 b.data, want);
	}
	buf_release(&b);
}

static void read_side_range(void **state)
{
	git_repository *repo = open_repo(range_dir);
	int rootfd = open(range_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct buf b = BUF_INIT;
	struct changes c;

	(void)state;
	assert_true(rootfd >= 0);
	assert_int_equal(changes_range(&c, repo, "", "main", "feature"), 0);
	side_is(&c, repo, "", rootfd, "a.txt", false, "a1\n");
	side_is(&c, repo, "", rootfd, "a.txt", true, "a2\n");
	side_is(&c, repo, "", rootfd, "new.txt", false, NULL);
	side_is(&c, repo, "", rootfd, "new.txt", true, "brand new\n");
	side_is(&c, repo, "", rootfd, "del.txt", false, "to be deleted\n");
	side_is(&c, repo, "", rootfd, "del.txt", true, NULL);
	side_is(&c, repo, "", rootfd, "mv-src.txt", true, NULL);
	side_is(&c, repo, "", rootfd, "moved.txt", true, "moved as it is\n");
	/* the base is the merge-base: main's later edit is not "before" */
	side_is(&c, repo, "", rootfd, "keep.txt", false, "keep\n");
	side_is(&c, repo, "", rootfd, "main-only.txt", false, NULL);
	side_is(&c, repo, "", rootfd, "no-such-file", true, NULL);
	/* a folder is not a file */
	side_is(&c, repo, "", rootfd, "sub", true, NULL);
	/* past the limit */
	errno = 0;
	assert_int_equal(changes_read_side(&c, repo, "", rootfd, "a.txt", true, &b, 1), -1);
	assert_int_equal(errno, EFBIG);
	buf_release(&b);
	changes_release(&c);

	/* workspace-relative paths under a prefix */
	assert_int_equal(changes_range(&c, repo, "sub/", "main", "feature"), 0);
	side_is(&c, repo, "sub/", rootfd, "x.txt", false, "x1\n");
	side_is(&c, repo, "sub/", rootfd, "x.txt", true, "x2\n");
	side_is(&c, repo, "sub/", rootfd, "in.txt", false, NULL);
	side_is(&c, repo, "sub/", rootfd, "in.txt", true, "moves into sub\n");
	side_is(&c, repo, "sub/", rootfd, "a.txt", false, NULL);
	changes_release(&c);
	close(rootfd);
	git_repository_free(repo);
}

static void read_side_uncommitted(void **state)
{
	git_repository *repo = open_repo(wt_dir);
	int rootfd = open(wt_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct changes c;

	(void)state;
	assert_true(rootfd >= 0);
	assert_int_equal(changes_uncommitted(&c, repo, ""), 0);
	side_is(&c, repo, "", rootfd, "tracked.txt", false, "tracked, committed\n");
	side_is(&c, repo, "", rootfd, "tracked.txt", true, "tracked, edited\n");
	/* the working tree, not the index */
	side_is(&c, repo, "", rootfd, "both.txt", true, "both, staged and edited again\n");
	side_is(&c, repo, "", rootfd, "gone.txt", false, "gone, committed\n");
	side_is(&c, repo, "", rootfd, "gone.txt", true, NULL);
	side_is(&c, repo, "", rootfd, "untracked.txt", false, NULL);
	side_is(&c, repo, "", rootfd, "untracked.txt", true, "untracked\n");
	side_is(&c, repo, "", rootfd, "gone.txt/below", true, NULL);
	changes_release(&c);

	/* an explicit list without git: nothing before, the disk after */
	{
		char *paths[] = {"tracked.txt"};

		assert_int_equal(changes_files(&c, NULL, wt_dir, wt_dir, paths, 1), 0);
		side_is(&c, NULL, "", rootfd, "tracked.txt", false, NULL);
		side_is(&c, NULL, "", rootfd, "tracked.txt", true, "tracked, edited\n");
		side_is(&c, NULL, "", rootfd, "gone.txt", true, NULL);
		changes_release(&c);
	}
	close(rootfd);
	git_repository_free(repo);
}

static int setup_all(void **state)
{
	return range_setup(state) || wt_setup(state);
}

static int teardown_all(void **state)
{
	return range_teardown(state) || wt_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(range_from_merge_base),
		cmocka_unit_test(range_accepts_any_commit_name),
		cmocka_unit_test(range_the_other_way),
		cmocka_unit_test(range_prefix),
		cmocka_unit_test(range_bad_refs),
		cmocka_unit_test(range_kinds_of_entries),
		cmocka_unit_test(read_side_range),
		cmocka_unit_test(uncommitted_all_kinds),
		cmocka_unit_test(uncommitted_prefix),
		cmocka_unit_test(uncommitted_clean),
		cmocka_unit_test(uncommitted_success_notes_no_fault),
		cmocka_unit_test(files_relative_to_cwd),
		cmocka_unit_test(files_with_repo),
		cmocka_unit_test(files_from_stdin),
		cmocka_unit_test(read_side_uncommitted),
	};
	int failed;

	/* git and libgit2 read no configuration but the test repositories' own */
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_TERMINAL_PROMPT", "0", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, "");
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, "");
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, "");
	failed = cmocka_run_group_tests(tests, setup_all, teardown_all);
	git_libgit2_shutdown();
	buf_release(&messages);
	return failed;
}
