/*
 * test-record: the binary format of the cache, the snapshot and the
 * workspace facts.  What is written reads back; a reader never passes its
 * end, whatever the bytes; a frame with the wrong magic or checksum is
 * refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/record.h"
#include "lib/util.h"

static void sample(struct buf *b)
{
	rec_frame_begin(b, "RGTEST01");
	rec_put8(b, 0xab);
	rec_put32(b, 0x01020304u);
	rec_put_str(b, "hello");
	rec_put_str(b, NULL);
	rec_put32(b, 3);
	rec_put_bytes(b, "xyz", 3);
	rec_frame_end(b);
}

static void round_trip(void **state)
{
	struct buf b = BUF_INIT;
	struct rec_reader r;

	(void)state;
	sample(&b);
	/* little-endian on every host */
	assert_memory_equal(b.data + 9, "\x04\x03\x02\x01", 4);
	assert_true(rec_frame_open(&r, b.data, b.len, "RGTEST01"));
	assert_int_equal(rec_get8(&r), 0xab);
	assert_int_equal(rec_get32(&r), 0x01020304u);
	assert_string_equal(rec_get_str(&r), "hello");
	assert_string_equal(rec_get_str(&r), "");
	assert_int_equal(rec_get_count(&r, 1), 3);
	assert_memory_equal(rec_get_bytes(&r, 3), "xyz", 3);
	assert_true(rec_done(&r));
	/* one read too many is bad, and stays bad */
	assert_int_equal(rec_get8(&r), 0);
	assert_true(r.bad);
	assert_false(rec_done(&r));
	assert_string_equal(rec_get_str(&r), "");
	buf_release(&b);
}

static void frame_refuses_damage(void **state)
{
	struct buf b = BUF_INIT;
	struct rec_reader r;
	size_t i;

	(void)state;
	sample(&b);
	assert_false(rec_frame_open(&r, b.data, b.len, "RGTEST02"));
	for (i = 0; i < b.len; i++) {
		b.data[i] ^= 0x10;
		if (rec_frame_open(&r, b.data, b.len, "RGTEST01"))
			fail_msg("a flipped byte at %zu was not noticed", i);
		b.data[i] ^= 0x10;
	}
	for (i = 0; i < b.len; i++)
		assert_false(rec_frame_open(&r, b.data, i, "RGTEST01"));
	assert_true(rec_frame_open(&r, b.data, b.len, "RGTEST01"));
	buf_release(&b);
}

/* Every prefix of the payload read as the sample reads it: never past the end. */
static void truncated_payloads_are_bad(void **state)
{
	struct buf b = BUF_INIT;
	size_t payload = 0, n;

	(void)state;
	sample(&b);
	payload = b.len - REC_MAGIC_SIZE - 4;
	for (n = 0; n < payload; n++) {
		struct rec_reader r;

		rec_reader_init(&r, b.data + REC_MAGIC_SIZE, n);
		rec_get8(&r);
		rec_get32(&r);
		rec_get_str(&r);
		rec_get_str(&r);
		rec_get_count(&r, 1);
		rec_get_bytes(&r, 3);
		if (!r.bad || rec_done(&r))
			fail_msg("a payload cut at %zu bytes was read as whole", n);
		assert_true(r.p <= r.end);
	}
	buf_release(&b);
}

static void counts_are_bounded_by_the_rest(void **state)
{
	struct buf b = BUF_INIT;
	struct rec_reader r;

	(void)state;
	rec_put32(&b, 0x80000000u);
	rec_put_bytes(&b, "0123456789", 10);
	rec_reader_init(&r, b.data, b.len);
	assert_int_equal(rec_get_count(&r, 25), 0);
	assert_true(r.bad);
	rec_reader_init(&r, b.data, b.len);
	rec_get32(&r);
	assert_null(rec_get_bytes(&r, 11));
	assert_true(r.bad);
	buf_reset(&b);
	rec_put32(&b, 2);
	rec_put_bytes(&b, "abcd", 4);
	rec_reader_init(&r, b.data, b.len);
	assert_int_equal(rec_get_count(&r, 2), 2);
	assert_false(r.bad);
	buf_release(&b);
}

static void string_without_nul_is_bad(void **state)
{
	struct rec_reader r;

	(void)state;
	rec_reader_init(&r, "abc", 3);
	assert_string_equal(rec_get_str(&r), "");
	assert_true(r.bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(frame_refuses_damage),
		cmocka_unit_test(truncated_payloads_are_bad),
		cmocka_unit_test(counts_are_bounded_by_the_rest),
		cmocka_unit_test(string_without_nul_is_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
