/*
 * test-artifact: a folder's manifest and digest (stable, sorted, escaped),
 * links that stay inside and links that do not, and manifests read back,
 * damaged ones refused.
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

#include "lib/artifact.h"
#include "lib/file.h"
#include "lib/util.h"

static char dir[64];

static int scratch_setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/relgate-test-artifact-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int scratch_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	(void)state;
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
	free(cmd);
	return 0;
}

static void put(const char *rel, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, rel);

	assert_int_equal(write_file_atomic(path, text, strlen(text)), 0);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
}

static void link_to(const char *rel, const char *target)
{
	char *path = xasprintf("%s/%s", dir, rel);

	assert_int_equal(symlink(target, path), 0);
	free(path);
}

static const char expected[] =
	"relgate-manifest 1\n"
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 0 a%25b%0Ac.txt\n"
	"a8076d3d28d21e02012b20eaf7dbf75409a6277134439025f282e368e3305abf 100755 10 b/run.sh\n"
	"579ab2998552564d21fcb88b6675210553fd42fca94b9d90a648013dcaa6553f 120000 13 b/up\n"
	"b0693dc92f76e08bf1485b3dd9b514a2e31dfd6f39422a6b60edb722671dc98f 100644 14 index.html\n";

static void make_folder(void)
{
	char *sub = xasprintf("%s/b", dir);

	assert_int_equal(mkdir(sub, 0755), 0);
	free(sub);
	put("index.html", "<html></html>\n", 0644);
	put("b/run.sh", "#!/bin/sh\n", 0755);
	put("a%b\nc.txt", "", 0600);
	link_to("b/up", "../index.html");
}

static void manifest_of_a_folder(void **state)
{
	struct artifact a, b;
	char hex[ARTIFACT_DIGEST_HEX];

	(void)state;
	make_folder();
	assert_int_equal(artifact_scan(dir, &a), 0);
	assert_int_equal(a.n, 4);
	/* sorted by bytes; modes as git writes them; "%" and the newline escaped */
	assert_string_equal(a.manifest.data, expected);
	assert_int_equal(a.bytes, 0 + 10 + 13 + 14);
	artifact_hex(a.digest, hex);
	assert_int_equal(strlen(hex), 71);
	assert_memory_equal(hex, "sha256:", 7);

	/* read back: the same entries and digest */
	assert_int_equal(artifact_parse(a.manifest.data, a.manifest.len, &b), 0);
	assert_int_equal(b.n, a.n);
	assert_memory_equal(b.digest, a.digest, ARTIFACT_SHA_SIZE);
	assert_string_equal(b.v[0].path, "a%b\nc.txt");
	assert_non_null(artifact_find(&b, "b/up"));
	assert_int_equal(artifact_find(&b, "b/up")->mode, ARTIFACT_MODE_LINK);
	assert_null(artifact_find(&b, "b"));
	artifact_release(&b);

	/* the mode counts: the digest changes */
	put("index.html", "<html></html>\n", 0755);
	assert_int_equal(artifact_scan(dir, &b), 0);
	assert_memory_not_equal(b.digest, a.digest, ARTIFACT_SHA_SIZE);
	artifact_release(&b);
	artifact_release(&a);
}

static void refused(void **state)
{
	/* "c/../../x" reads as inside, but c -> "." makes it climb out: a ".." after a name is refused */
	static const char *const outside[] = {"/etc/passwd", "../../x", "../..", "a/../../..",
					      "c/../../x", "run.sh/.."};
	struct artifact a;
	char *fifo;
	size_t i;

	(void)state;
	make_folder();
	for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		char *path = xasprintf("%s/b/out", dir);

		link_to("b/out", outside[i]);
		if (artifact_scan(dir, &a) != -1)
			fail_msg("took a link to %s", outside[i]);
		artifact_release(&a);
		unlink(path);
		free(path);
	}
	link_to("b/in", "./run.sh");
	link_to("b/c", ".");
	link_to("b/top", "../index.html");
	assert_int_equal(artifact_scan(dir, &a), 0);
	artifact_release(&a);
	fifo = xasprintf("%s/pipe", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(artifact_scan(dir, &a), -1);
	artifact_release(&a);
	free(fifo);
}

static void damaged_manifests(void **state)
{
	static const char *const bad[] = {
		"", "relgate-manifest 2\n", "relgate-manifest 1\nxyz\n",
		/* unsorted, twice the same path */
		"relgate-manifest 1\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 0 b\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 0 a\n",
		"relgate-manifest 1\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 0 a\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 0 a\n",
		/* paths that leave the release, a mode git does not write, %00, no newline */
		"relgate-manifest 1\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 0 ../x\n",
		"relgate-manifest 1\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 0 /x\n",
		"relgate-manifest 1\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 0 a//b\n",
		"relgate-manifest 1\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100666 0 a\n",
		"relgate-manifest 1\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 0 a%00\n",
		"relgate-manifest 1\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 0 a",
		"relgate-manifest 1\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85 100644 0 a\n",
		"relgate-manifest 1\n"
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 100644 99999999999999999999 a\n",
	};
	struct artifact a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (artifact_parse(bad[i], strlen(bad[i]), &a) != -1)
			fail_msg("took manifest %zu", i);
	assert_int_equal(artifact_parse(expected, strlen(expected), &a), 0);
	artifact_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(manifest_of_a_folder, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(refused, scratch_setup, scratch_teardown),
		cmocka_unit_test(damaged_manifests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
