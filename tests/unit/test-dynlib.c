/*
 * test-dynlib: the functions on object ids that dynlib.c does itself give
 * what libgit2's own give, on random ids and on every malformed input; and
 * a free function called before the library is loaded does nothing.
 *
 * libgit2's own are found with dlsym() on the library, since relgate's
 * definitions stand in front of them in this program.
 */
#define _GNU_SOURCE /* RTLD_NOLOAD */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <git2.h>

static void *libgit2;

static void *real(const char *name)
{
	void *fn = dlsym(libgit2, name);

	assert_non_null(fn);
	return fn;
}

static void random_oid(git_oid *id, unsigned *seed)
{
	for (size_t i = 0; i < GIT_OID_RAWSZ; i++)
		id->id[i] = (unsigned char)(rand_r(seed) & 0xff);
}

static void frees_before_load(void **state)
{
	(void)state;
	/* nothing of libgit2 exists yet: no load, no crash */
	git_tree_free(NULL);
	git_repository_free(NULL);
	assert_null(dlopen(LIBGIT2_SONAME, RTLD_NOW | RTLD_NOLOAD));
}

static void ids_as_libgit2(void **state)
{
	int (*fromstrn)(git_oid *, const char *, size_t);
	char *(*tostr)(char *, size_t, const git_oid *);
	int (*equal)(const git_oid *, const git_oid *);
	unsigned seed = 7;

	(void)state;
	libgit2 = dlopen(LIBGIT2_SONAME, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(libgit2);
	/* libgit2's own functions set errors, which needs the library started */
	git_libgit2_init();
	*(void **)&fromstrn = real("git_oid_fromstrn");
	*(void **)&tostr = real("git_oid_tostr");
	*(void **)&equal = real("git_oid_equal");
	for (int round = 0; round < 2000; round++) {
		git_oid a, b, mine, theirs;
		char hex[GIT_OID_HEXSZ + 1], s1[48], s2[48];
		size_t n = (size_t)(rand_r(&seed) % (sizeof(s1) + 1));

		random_oid(&a, &seed);
		b = a;
		if (round % 3)
			b.id[rand_r(&seed) % GIT_OID_RAWSZ] ^= 1;
		assert_int_equal(git_oid_equal(&a, &b) != 0, equal(&a, &b) != 0);
		git_oid_cpy(&mine, &a);
		assert_memory_equal(mine.id, a.id, GIT_OID_RAWSZ);

		/* every buffer size, 0 included */
		memset(s1, 'x', sizeof(s1));
		memset(s2, 'x', sizeof(s2));
		assert_string_equal(git_oid_tostr(s1, n, &a), tostr(s2, n, &a));
		assert_memory_equal(s1, s2, sizeof(s1));

		/* the whole id, a prefix, uppercase, a bad digit, too long */
		tostr(hex, sizeof(hex), &a);
		if (round % 4 == 1)
			hex[rand_r(&seed) % GIT_OID_HEXSZ] = 'A' + (char)(rand_r(&seed) % 26);
		if (round % 4 == 2)
			hex[rand_r(&seed) % GIT_OID_HEXSZ] = "g-/ :\xff"[rand_r(&seed) % 6];
		n = (size_t)(rand_r(&seed) % (GIT_OID_HEXSZ + 3));
		if (n > GIT_OID_HEXSZ)
			n = GIT_OID_HEXSZ;   /* the buffer holds no more; too long is below */
		memset(&mine, 0xaa, sizeof(mine));
		memset(&theirs, 0xaa, sizeof(theirs));
		assert_int_equal(git_oid_fromstrn(&mine, hex, n) < 0, fromstrn(&theirs, hex, n) < 0);
		if (fromstrn(&theirs, hex, n) == 0)
			assert_memory_equal(mine.id, theirs.id, GIT_OID_RAWSZ);
		assert_int_equal(git_oid_fromstr(&mine, hex) < 0, fromstrn(&theirs, hex, GIT_OID_HEXSZ) < 0);
	}
	{
		char longer[GIT_OID_HEXSZ + 2];
		git_oid o;

		memset(longer, '1', sizeof(longer));
		assert_int_equal(git_oid_fromstrn(&o, longer, sizeof(longer)) < 0,
				 fromstrn(&o, longer, sizeof(longer)) < 0);
	}
	git_libgit2_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frees_before_load),
		cmocka_unit_test(ids_as_libgit2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
