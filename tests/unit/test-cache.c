/*
 * test-cache: facts by blob id between runs: the round trip through the
 * file, ownership of stored values, what a save keeps, and damaged files,
 * which must be ignored, never trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/cache.h"
#include "lib/util.h"

/* ---- helpers ---- */

struct scratch {
	char dir[64];
	char *path;      /* the cache file, in a folder that does not exist yet */
};

static int scratch_setup(void **state)
{
	struct scratch *s = xcalloc(1, sizeof(*s));

	snprintf(s->dir, sizeof(s->dir), "/tmp/relgate-test-cache-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	s->path = xasprintf("%s/cache/facts-v1.bin", s->dir);
	*state = s;
	return 0;
}

static void remove_tree(const char *path)
{
	char *cmd = xasprintf("rm -rf '%s'", path);

	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", path);
	free(cmd);
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;

	remove_tree(s->dir);
	free(s->path);
	free(s);
	return 0;
}

/* A blob id made of one seed: distinct seeds give distinct ids. */
static git_oid oid_of(uint32_t seed)
{
	git_oid o;
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < GIT_OID_RAWSZ; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		o.id[i] = (unsigned char)x;
	}
	/* the seed itself, so that ids never collide */
	o.id[16] = (unsigned char)(seed >> 24);
	o.id[17] = (unsigned char)(seed >> 16);
	o.id[18] = (unsigned char)(seed >> 8);
	o.id[19] = (unsigned char)seed;
	return o;
}

/* The value a test stores for (seed, kind). */
static char *value_of(uint32_t seed, uint8_t kind)
{
	return xasprintf("value of %u kind %u: import \"./m%u\";", seed, kind, seed % 7);
}

static void assert_value(struct cache *c, uint32_t seed, uint8_t kind)
{
	git_oid o = oid_of(seed);
	char *want = value_of(seed, kind);
	size_t len = 12345;
	const void *got = cache_get(c, &o, kind, &len);

	if (!got)
		fail_msg("no value for %u kind %u", seed, kind);
	if (len != strlen(want) || memcmp(got, want, len))
		fail_msg("wrong value for %u kind %u: %.*s", seed, kind, (int)len,
			 (const char *)got);
	free(want);
}

static void assert_absent(struct cache *c, uint32_t seed, uint8_t kind)
{
	git_oid o = oid_of(seed);
	size_t len = 0;

	if (cache_get(c, &o, kind, &len))
		fail_msg("a value for %u kind %u that should not be there", seed, kind);
}

static void put_value(struct cache *c, uint32_t seed, uint8_t kind)
{
	git_oid o = oid_of(seed);
	char *v = value_of(seed, kind);

	cache_put(c, &o, kind, v, strlen(v));
	free(v);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	data = xmalloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return data;
}

static void spit(const char *path, const void *data, size_t len)
{
	char *dir = xstrdup(path);
	FILE *f;

	*strrchr(dir, '/') = '\0';
	if (mkdir(dir, 0700) < 0)
		assert_int_equal(errno, EEXIST);
	free(dir);
	f = fopen(path, "wb");

	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Damaged files make cache_open warn: keep hundreds of warnings out of the TAP output. */
static int quiet_begin(void)
{
	int saved;

	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	{
		int null = open("/dev/null", O_WRONLY);

		assert_true(null >= 0);
		assert_true(dup2(null, 2) == 2);
		close(null);
	}
	return saved;
}

static void quiet_end(int saved)
{
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
}

/* The seeds stored in the reference file of the damage tests. */
static const uint32_t ref_seeds[] = {1, 2, 3, 40, 500, 6000, 70000};

/* Write the reference file: every seed with kind IMPORTS, a few with MANIFEST too. */
static void write_reference(const char *path)
{
	struct cache c;
	size_t i;

	cache_open(&c, path);
	for (i = 0; i < ARRAY_LEN(ref_seeds); i++) {
		put_value(&c, ref_seeds[i], CACHE_IMPORTS);
		if (i % 2)
			put_value(&c, ref_seeds[i], CACHE_MANIFEST);
	}
	{
		/* an empty value, too */
		git_oid o = oid_of(99);

		cache_put(&c, &o, CACHE_IMPORTS, "", 0);
	}
	assert_int_equal(cache_save(&c), 0);
	cache_close(&c);
}

/*
 * After opening a damaged file, every lookup must give nothing or the right
 * value, and the cache must still work: it takes new values and writes a
 * good file.  Returns how many of the reference entries were found.
 */
static int check_after_damage(const char *path, const char *what, size_t at)
{
	struct cache c;
	size_t i;
	int found = 0;
	uint8_t kind;

	cache_open(&c, path);
	for (i = 0; i < ARRAY_LEN(ref_seeds); i++) {
		for (kind = CACHE_IMPORTS; kind <= CACHE_MANIFEST; kind++) {
			git_oid o = oid_of(ref_seeds[i]);
			size_t len = 0;
			const void *got = cache_get(&c, &o, kind, &len);
			char *want;

			if (!got)
				continue;
			want = value_of(ref_seeds[i], kind);
			if (kind == CACHE_MANIFEST && !(i % 2))
				fail_msg("%s at %zu: a value for an entry never stored", what, at);
			if (len != strlen(want) || memcmp(got, want, len))
				fail_msg("%s at %zu: a wrong value for %u kind %u (%zu bytes)", what, at,
					 ref_seeds[i], kind, len);
			free(want);
			found++;
		}
	}
	{
		git_oid o = oid_of(99);
		size_t len = 77;
		const void *got = cache_get(&c, &o, CACHE_IMPORTS, &len);

		if (got && len != 0)
			fail_msg("%s at %zu: the empty value came back with %zu bytes", what, at, len);
	}
	/* ids never stored, and a kind never used */
	assert_absent(&c, 4, CACHE_IMPORTS);
	assert_absent(&c, 1, 7);
	cache_close(&c);
	return found;
}

/* ---- round trips ---- */

static void round_trip(void **state)
{
	struct scratch *s = *state;
	struct cache c;
	git_oid o = oid_of(1);
	char value[] = "react\nreact-dom\n./app.css";
	const void *got;
	size_t len;

	cache_open(&c, s->path);   /* nothing there yet: not an error */
	assert_false(c.disabled);
	assert_absent(&c, 1, CACHE_IMPORTS);

	cache_put(&c, &o, CACHE_IMPORTS, value, sizeof(value) - 1);
	value[0] = 'X';   /* the cache keeps a copy */
	len = 0;
	got = cache_get(&c, &o, CACHE_IMPORTS, &len);
	assert_non_null(got);
	assert_int_equal(len, sizeof(value) - 1);
	assert_memory_equal(got, "react\nreact-dom\n./app.css", len);
	/* the same id under the other kind is another entry */
	assert_absent(&c, 1, CACHE_MANIFEST);
	put_value(&c, 1, CACHE_MANIFEST);
	put_value(&c, 2, CACHE_IMPORTS);
	put_value(&c, 3, CACHE_MANIFEST);
	assert_int_equal(c.added, 4);
	assert_int_equal(cache_save(&c), 0);
	assert_true(exists(s->path));   /* its folder was made */
	cache_close(&c);

	cache_open(&c, s->path);
	assert_int_equal(c.count, 4);
	len = 0;
	got = cache_get(&c, &o, CACHE_IMPORTS, &len);
	assert_non_null(got);
	assert_int_equal(len, sizeof(value) - 1);
	assert_memory_equal(got, "react\nreact-dom\n./app.css", len);
	assert_value(&c, 1, CACHE_MANIFEST);
	assert_value(&c, 2, CACHE_IMPORTS);
	assert_value(&c, 3, CACHE_MANIFEST);
	assert_absent(&c, 2, CACHE_MANIFEST);
	assert_absent(&c, 3, CACHE_IMPORTS);
	assert_absent(&c, 4, CACHE_IMPORTS);
	assert_absent(&c, 1, 0);
	assert_absent(&c, 1, 2);   /* an old kind */
	cache_close(&c);
}

/* Values may be empty or hold any byte, NULs included. */
static void binary_and_empty_values(void **state)
{
	struct scratch *s = *state;
	static const unsigned char bin[] = {0, 1, 2, 0xff, 0, 'a', 0x80, 0};
	struct cache c;
	git_oid a = oid_of(10), b = oid_of(11);
	const void *got;
	size_t len;

	cache_open(&c, s->path);
	cache_put(&c, &a, CACHE_IMPORTS, bin, sizeof(bin));
	cache_put(&c, &b, CACHE_IMPORTS, "", 0);
	assert_int_equal(cache_save(&c), 0);
	cache_close(&c);

	cache_open(&c, s->path);
	len = 0;
	got = cache_get(&c, &a, CACHE_IMPORTS, &len);
	assert_non_null(got);
	assert_int_equal(len, sizeof(bin));
	assert_memory_equal(got, bin, sizeof(bin));
	len = 99;
	got = cache_get(&c, &b, CACHE_IMPORTS, &len);
	assert_non_null(got);   /* an empty value is a value, not a miss */
	assert_int_equal(len, 0);
	cache_close(&c);
}

/* Thousands of entries, many sharing the first bytes of their id (one slot). */
static void many_entries(void **state)
{
	enum { N = 5000, SAME = 300 };
	struct scratch *s = *state;
	struct cache c;
	uint32_t i;

	cache_open(&c, s->path);
	for (i = 0; i < N; i++)
		put_value(&c, i, i % 3 ? CACHE_IMPORTS : CACHE_MANIFEST);
	/* ids that differ only past their first four bytes land in one slot */
	for (i = 0; i < SAME; i++) {
		git_oid o = oid_of(1);
		char v[32];

		o.id[19] = (unsigned char)i;
		o.id[18] = (unsigned char)(i >> 8);
		o.id[17] = 0xee;
		snprintf(v, sizeof(v), "same-slot %u", i);
		cache_put(&c, &o, CACHE_IMPORTS, v, strlen(v));
	}
	assert_int_equal(c.count, N + SAME);
	assert_int_equal(cache_save(&c), 0);
	cache_close(&c);

	cache_open(&c, s->path);
	assert_int_equal(c.count, N + SAME);
	for (i = 0; i < N; i++) {
		assert_value(&c, i, i % 3 ? CACHE_IMPORTS : CACHE_MANIFEST);
		assert_absent(&c, i, i % 3 ? CACHE_MANIFEST : CACHE_IMPORTS);
	}
	for (i = 0; i < SAME; i++) {
		git_oid o = oid_of(1);
		char v[32];
		size_t len = 0;
		const void *got;

		o.id[19] = (unsigned char)i;
		o.id[18] = (unsigned char)(i >> 8);
		o.id[17] = 0xee;
		snprintf(v, sizeof(v), "same-slot %u", i);
		got = cache_get(&c, &o, CACHE_IMPORTS, &len);
		assert_non_null(got);
		assert_int_equal(len, strlen(v));
		assert_memory_equal(got, v, len);
	}
	assert_absent(&c, N, CACHE_IMPORTS);
	cache_close(&c);
}

/* ---- ownership ---- */

static void put_owned(void **state)
{
	struct scratch *s = *state;
	struct cache c;
	git_oid a = oid_of(1), b = oid_of(2);
	char *mine, *again;
	const void *got;
	size_t len;

	cache_open(&c, s->path);
	mine = xstrdup("owned value");
	assert_true(cache_put_owned(&c, &a, CACHE_IMPORTS, mine, strlen(mine)));
	/* the cache keeps the very allocation, not a copy */
	got = cache_get(&c, &a, CACHE_IMPORTS, &len);
	assert_ptr_equal(got, mine);
	assert_int_equal(len, 11);
	assert_int_equal(c.added, 1);

	/* a known entry: refused, the caller keeps (and frees) it, the first value stays */
	again = xstrdup("another value");
	assert_false(cache_put_owned(&c, &a, CACHE_IMPORTS, again, strlen(again)));
	free(again);
	assert_int_equal(c.added, 1);
	got = cache_get(&c, &a, CACHE_IMPORTS, &len);
	assert_ptr_equal(got, mine);
	assert_int_equal(len, 11);
	/* so is cache_put over a known entry */
	cache_put(&c, &a, CACHE_IMPORTS, "third", 5);
	got = cache_get(&c, &a, CACHE_IMPORTS, &len);
	assert_ptr_equal(got, mine);
	assert_int_equal(c.added, 1);

	/* the same id with another kind is not known */
	again = xstrdup("{\"name\":\"a\"}");
	assert_true(cache_put_owned(&c, &a, CACHE_MANIFEST, again, strlen(again)));
	assert_int_equal(c.added, 2);
	assert_int_equal(cache_save(&c), 0);
	cache_close(&c);   /* frees mine and again: LSan says if it does not */

	/* an entry known from the file is refused too */
	cache_open(&c, s->path);
	again = xstrdup("replacement");
	assert_false(cache_put_owned(&c, &a, CACHE_IMPORTS, again, strlen(again)));
	free(again);
	got = cache_get(&c, &a, CACHE_IMPORTS, &len);
	assert_non_null(got);
	assert_int_equal(len, 11);
	assert_memory_equal(got, "owned value", 11);
	assert_int_equal(c.added, 0);
	/* and a new one taken */
	again = xstrdup("b's");
	assert_true(cache_put_owned(&c, &b, CACHE_IMPORTS, again, 3));
	cache_close(&c);   /* closed without saving: still freed */
}

static void disabled_cache(void **state)
{
	struct scratch *s = *state;
	struct cache c;
	git_oid a = oid_of(1);
	char *mine;
	size_t len = 42;

	(void)s;
	cache_disable(&c);
	assert_true(c.disabled);
	cache_put(&c, &a, CACHE_IMPORTS, "x", 1);
	assert_null(cache_get(&c, &a, CACHE_IMPORTS, &len));
	assert_int_equal(len, 42);
	mine = xstrdup("kept by the caller");
	assert_false(cache_put_owned(&c, &a, CACHE_IMPORTS, mine, strlen(mine)));
	assert_null(cache_get(&c, &a, CACHE_IMPORTS, &len));
	free(mine);
	assert_int_equal(c.added, 0);
	assert_int_equal(cache_save(&c), 0);
	cache_close(&c);

	/* a disabled cache has no file: a save writes nothing anywhere */
	cache_disable(&c);
	put_value(&c, 2, CACHE_IMPORTS);
	assert_int_equal(cache_save(&c), 0);
	assert_false(exists(s->path));
	cache_close(&c);
}

/* ---- what a save keeps ---- */

/*
 * cache_save writes only when the run added something, and then keeps what
 * this run read (cache_get) and what it added; an entry of the old file that
 * the run neither read nor added is dropped.
 */
static void save_keeps_used_and_added(void **state)
{
	struct scratch *s = *state;
	struct cache c;
	unsigned char *before, *after;
	size_t before_len, after_len;
	uint32_t i;

	/* run 1: five entries */
	cache_open(&c, s->path);
	for (i = 1; i <= 5; i++)
		put_value(&c, i, CACHE_IMPORTS);
	put_value(&c, 1, CACHE_MANIFEST);
	assert_int_equal(cache_save(&c), 0);
	cache_close(&c);
	before = slurp(s->path, &before_len);

	/* run 2 reads two and adds nothing: the file is left as it was */
	cache_open(&c, s->path);
	assert_value(&c, 1, CACHE_IMPORTS);
	assert_value(&c, 2, CACHE_IMPORTS);
	assert_int_equal(c.used, 2);
	assert_int_equal(c.added, 0);
	assert_int_equal(cache_save(&c), 0);
	cache_close(&c);
	after = slurp(s->path, &after_len);
	assert_int_equal(after_len, before_len);
	assert_memory_equal(after, before, before_len);
	free(after);

	/* run 3 reads 1 (imports) and 3, adds 6: it keeps 1, 3 and 6 */
	cache_open(&c, s->path);
	assert_int_equal(c.count, 6);
	assert_value(&c, 1, CACHE_IMPORTS);
	assert_value(&c, 3, CACHE_IMPORTS);
	assert_value(&c, 3, CACHE_IMPORTS);   /* read twice, counted once */
	assert_int_equal(c.used, 2);
	put_value(&c, 6, CACHE_MANIFEST);
	assert_int_equal(c.added, 1);
	assert_int_equal(cache_save(&c), 0);
	cache_close(&c);

	cache_open(&c, s->path);
	assert_int_equal(c.count, 3);
	assert_value(&c, 1, CACHE_IMPORTS);
	assert_value(&c, 3, CACHE_IMPORTS);
	assert_value(&c, 6, CACHE_MANIFEST);
	/* dropped: never read in run 3, though run 2 read 2 */
	assert_absent(&c, 2, CACHE_IMPORTS);
	assert_absent(&c, 4, CACHE_IMPORTS);
	assert_absent(&c, 5, CACHE_IMPORTS);
	/* the other kind of a kept id was not read: dropped too */
	assert_absent(&c, 1, CACHE_MANIFEST);
	cache_close(&c);
	free(before);
}

/* A save does not change what the open cache holds: saving twice writes the same file. */
static void save_twice(void **state)
{
	struct scratch *s = *state;
	struct cache c;
	unsigned char *one, *two;
	size_t one_len, two_len;

	cache_open(&c, s->path);
	put_value(&c, 1, CACHE_IMPORTS);
	put_value(&c, 2, CACHE_MANIFEST);
	assert_int_equal(cache_save(&c), 0);
	one = slurp(s->path, &one_len);
	assert_value(&c, 1, CACHE_IMPORTS);
	assert_int_equal(cache_save(&c), 0);
	two = slurp(s->path, &two_len);
	assert_int_equal(one_len, two_len);
	assert_memory_equal(one, two, one_len);
	cache_close(&c);
	free(one);
	free(two);
}

/* A cache that cannot be written: -1 (after a warning), never a crash, nothing lost in memory. */
static void save_cannot_write(void **state)
{
	struct scratch *s = *state;
	struct cache c;
	char *blocked = xasprintf("%s/file", s->dir), *path = xasprintf("%s/file/cache.bin", s->dir);
	int quiet;

	spit(blocked, "x", 1);   /* a file where the folder should be */
	quiet = quiet_begin();
	cache_open(&c, path);
	put_value(&c, 1, CACHE_IMPORTS);
	assert_int_equal(cache_save(&c), -1);
	quiet_end(quiet);
	assert_value(&c, 1, CACHE_IMPORTS);
	cache_close(&c);
	free(blocked);
	free(path);
}

/* ---- damaged files ---- */

static void truncated_files(void **state)
{
	struct scratch *s = *state;
	unsigned char *good;
	size_t len, cut;
	int quiet;

	write_reference(s->path);
	good = slurp(s->path, &len);
	/* the whole file is good */
	assert_int_equal(check_after_damage(s->path, "intact", len),
			 (int)ARRAY_LEN(ref_seeds) + (int)ARRAY_LEN(ref_seeds) / 2);
	assert_true(len > 100);
	quiet = quiet_begin();
	for (cut = 0; cut < len; cut++) {
		spit(s->path, good, cut);
		check_after_damage(s->path, "truncated", cut);
	}
	/* and one byte too many */
	{
		unsigned char *longer = xmalloc(len + 1);

		memcpy(longer, good, len);
		longer[len] = 0;
		spit(s->path, longer, len + 1);
		check_after_damage(s->path, "extended", len);
		free(longer);
	}
	quiet_end(quiet);
	free(good);
}

static void flipped_bytes(void **state)
{
	static const unsigned char masks[] = {0x01, 0x80, 0xff, 0x10};
	struct scratch *s = *state;
	unsigned char *good, *bad;
	size_t len, at, m;
	int quiet;

	write_reference(s->path);
	good = slurp(s->path, &len);
	bad = xmalloc(len);
	quiet = quiet_begin();
	for (m = 0; m < ARRAY_LEN(masks); m++) {
		for (at = 0; at < len; at++) {
			memcpy(bad, good, len);
			bad[at] ^= masks[m];
			spit(s->path, bad, len);
			check_after_damage(s->path, "flipped", at);
		}
	}
	/* two bytes swapped */
	for (at = 0; at + 1 < len; at++) {
		memcpy(bad, good, len);
		bad[at] = good[at + 1];
		bad[at + 1] = good[at];
		if (!memcmp(bad, good, len))
			continue;
		spit(s->path, bad, len);
		check_after_damage(s->path, "swapped", at);
	}
	quiet_end(quiet);
	free(bad);
	free(good);
}

static void garbage_files(void **state)
{
	struct scratch *s = *state;
	unsigned char buf[4096];
	uint32_t x = 0x2545f491;
	size_t len, i;
	int round, quiet;

	quiet = quiet_begin();
	/* an empty file */
	spit(s->path, "", 0);
	assert_int_equal(check_after_damage(s->path, "empty", 0), 0);
	/* random bytes of many lengths, some starting with the magic */
	for (round = 0; round < 400; round++) {
		len = (size_t)(round * 37) % sizeof(buf);
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (unsigned char)x;
		}
		if (round % 2 && len >= 8)
			memcpy(buf, "RGCACHE1", 8);
		spit(s->path, buf, len);
		assert_int_equal(check_after_damage(s->path, "garbage", len), 0);
	}
	/* text */
	spit(s->path, "{\"not\": \"a cache\"}\n", 19);
	assert_int_equal(check_after_damage(s->path, "json", 0), 0);
	/* a folder where the file should be */
	{
		struct cache c;

		unlink(s->path);
		assert_int_equal(mkdir(s->path, 0700), 0);
		cache_open(&c, s->path);
		assert_absent(&c, 1, CACHE_IMPORTS);
		put_value(&c, 1, CACHE_IMPORTS);
		assert_value(&c, 1, CACHE_IMPORTS);
		assert_int_equal(cache_save(&c), -1);
		cache_close(&c);
		rmdir(s->path);
	}
	quiet_end(quiet);
}

/* After a damaged file the cache starts afresh and writes a good one. */
static void recovers_after_damage(void **state)
{
	struct scratch *s = *state;
	unsigned char *good;
	size_t len;
	struct cache c;
	int quiet;

	write_reference(s->path);
	good = slurp(s->path, &len);
	good[len / 2] ^= 0x55;
	spit(s->path, good, len);
	quiet = quiet_begin();
	cache_open(&c, s->path);
	quiet_end(quiet);
	assert_int_equal(c.count, 0);
	put_value(&c, 12, CACHE_IMPORTS);
	assert_int_equal(cache_save(&c), 0);
	cache_close(&c);

	cache_open(&c, s->path);
	assert_int_equal(c.count, 1);
	assert_value(&c, 12, CACHE_IMPORTS);
	assert_absent(&c, 1, CACHE_IMPORTS);
	cache_close(&c);
	free(good);
}

/*
 * Files whose checksum is right but whose content is not (written by hand
 * here; a damaged file passes the checksum once in 4 billion): the format
 * must still be checked, entry by entry.
 */
static void put32le(struct buf *b, uint32_t v)
{
	unsigned char p[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};

	buf_add(b, p, 4);
}

static void add_entry(struct buf *b, uint32_t seed, uint8_t kind, const char *v, uint32_t len)
{
	git_oid o = oid_of(seed);

	buf_add(b, o.id, GIT_OID_RAWSZ);
	buf_addc(b, (char)kind);
	put32le(b, len);
	buf_add(b, v, strlen(v));
}

static void seal(struct buf *b)
{
	put32le(b, hash_bytes(b->data, b->len));
}

static void begin_file(struct buf *b, uint32_t count)
{
	buf_reset(b);
	buf_add(b, "RGCACHE1", 8);
	put32le(b, count);
}

static void checksummed_but_wrong(void **state)
{
	struct scratch *s = *state;
	struct buf b = BUF_INIT;
	struct cache c;
	int quiet;

	buf_init(&b);

	/* a well-formed hand-made file is read: the format is what the test thinks */
	begin_file(&b, 2);
	add_entry(&b, 1, CACHE_IMPORTS, "one", 3);
	add_entry(&b, 2, CACHE_MANIFEST, "two!", 4);
	seal(&b);
	spit(s->path, b.data, b.len);
	cache_open(&c, s->path);
	assert_int_equal(c.count, 2);
	{
		git_oid o = oid_of(2);
		size_t len = 0;
		const void *got = cache_get(&c, &o, CACHE_MANIFEST, &len);

		assert_non_null(got);
		assert_int_equal(len, 4);
		assert_memory_equal(got, "two!", 4);
	}
	cache_close(&c);

	quiet = quiet_begin();
	/* more entries announced than present */
	begin_file(&b, 3);
	add_entry(&b, 1, CACHE_IMPORTS, "one", 3);
	add_entry(&b, 2, CACHE_MANIFEST, "two!", 4);
	seal(&b);
	spit(s->path, b.data, b.len);
	cache_open(&c, s->path);
	assert_int_equal(c.count, 0);
	assert_absent(&c, 1, CACHE_IMPORTS);
	cache_close(&c);

	/* fewer announced than present: trailing bytes */
	begin_file(&b, 1);
	add_entry(&b, 1, CACHE_IMPORTS, "one", 3);
	add_entry(&b, 2, CACHE_MANIFEST, "two!", 4);
	seal(&b);
	spit(s->path, b.data, b.len);
	cache_open(&c, s->path);
	assert_int_equal(c.count, 0);
	assert_absent(&c, 1, CACHE_IMPORTS);
	cache_close(&c);

	/* a length past the end of the file */
	begin_file(&b, 1);
	add_entry(&b, 1, CACHE_IMPORTS, "one", 300);
	seal(&b);
	spit(s->path, b.data, b.len);
	cache_open(&c, s->path);
	assert_int_equal(c.count, 0);
	assert_absent(&c, 1, CACHE_IMPORTS);
	cache_close(&c);

	/* a length that wraps around */
	begin_file(&b, 2);
	add_entry(&b, 1, CACHE_IMPORTS, "one", 0xffffffffu);
	add_entry(&b, 2, CACHE_IMPORTS, "two", 3);
	seal(&b);
	spit(s->path, b.data, b.len);
	cache_open(&c, s->path);
	assert_int_equal(c.count, 0);
	assert_absent(&c, 2, CACHE_IMPORTS);
	cache_close(&c);

	/* half an entry header */
	begin_file(&b, 1);
	buf_add(&b, "0123456789", 10);
	seal(&b);
	spit(s->path, b.data, b.len);
	cache_open(&c, s->path);
	assert_int_equal(c.count, 0);
	cache_close(&c);

	/* another magic (a future format) */
	begin_file(&b, 1);
	memcpy(b.data, "RGCACHE2", 8);
	add_entry(&b, 1, CACHE_IMPORTS, "one", 3);
	seal(&b);
	spit(s->path, b.data, b.len);
	cache_open(&c, s->path);
	assert_int_equal(c.count, 0);
	assert_absent(&c, 1, CACHE_IMPORTS);
	cache_close(&c);

	/* an entry twice: the first is kept, never a mix */
	begin_file(&b, 2);
	add_entry(&b, 1, CACHE_IMPORTS, "one", 3);
	add_entry(&b, 1, CACHE_IMPORTS, "ONE", 3);
	seal(&b);
	spit(s->path, b.data, b.len);
	cache_open(&c, s->path);
	{
		git_oid o = oid_of(1);
		size_t len = 0;
		const void *got = cache_get(&c, &o, CACHE_IMPORTS, &len);

		if (got) {
			assert_int_equal(len, 3);
			assert_true(!memcmp(got, "one", 3) || !memcmp(got, "ONE", 3));
		}
	}
	cache_close(&c);
	quiet_end(quiet);
	buf_release(&b);
}

/*
 * Allow this process only extra more bytes of address space than it has now
 * (relative, so that it works under ASan too, which reserves terabytes).
 */
static void limit_memory(rlim_t extra)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long kb = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			break;
	fclose(f);
	if (kb) {
		struct rlimit rl;

		rl.rlim_cur = rl.rlim_max = (rlim_t)kb * 1024 + extra;
		setrlimit(RLIMIT_AS, &rl);
	}
}

/*
 * A 16-byte file, checksum right, that announces 2^31 entries.  It holds
 * none, so it must be refused at once, without first making room for the
 * entries it announces.  Run in a child allowed only 256 MiB more, so that
 * a cache that believes the count fails here at once instead of swapping.
 */
static void huge_count(void **state)
{
	struct scratch *s = *state;
	struct buf b = BUF_INIT;
	pid_t pid;
	int status;

	buf_init(&b);
	begin_file(&b, 0x80000000u);
	seal(&b);
	assert_int_equal(b.len, 16);
	spit(s->path, b.data, b.len);
	buf_release(&b);

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cache c;
		git_oid o = oid_of(1);
		size_t len;

		if (!freopen("/dev/null", "w", stderr))
			_exit(99);
		limit_memory((rlim_t)256 << 20);
		alarm(20);
		cache_open(&c, s->path);
		if (cache_get(&c, &o, CACHE_IMPORTS, &len))
			_exit(2);
		cache_close(&c);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* the count was once trusted before the file was seen to hold it */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(binary_and_empty_values, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(many_entries, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(put_owned, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(disabled_cache, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(save_keeps_used_and_added, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(save_twice, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(save_cannot_write, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(truncated_files, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(flipped_bytes, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(garbage_files, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(recovers_after_damage, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(checksummed_but_wrong, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(huge_count, scratch_setup, scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
