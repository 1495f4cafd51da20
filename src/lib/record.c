/*
 * record: the writer appends; the reader never reads past its end.
 */
#include <string.h>

#include "lib/record.h"

void rec_put8(struct buf *b, uint8_t v)
{
	buf_addc(b, (char)v);
}

void rec_put32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};

	buf_add(b, p, 4);
}

void rec_put_str(struct buf *b, const char *s)
{
	if (!s)
		s = "";
	buf_add(b, s, strlen(s) + 1);
}

void rec_put_bytes(struct buf *b, const void *p, size_t n)
{
	buf_add(b, p, n);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t rec_get_count(struct rec_reader *r, size_t min_size)
{
	uint32_t n = rec_get32(r);

	if (min_size && (size_t)(r->end - r->p) / min_size < n)
		r->bad = true;
	return r->bad ? 0 : n;
}

bool rec_done(const struct rec_reader *r)
{
	return !r->bad && r->p == r->end;
}

void rec_frame_begin(struct buf *b, const char *magic)
{
	buf_reset(b);
	buf_add(b, magic, REC_MAGIC_SIZE);
}

void rec_frame_end(struct buf *b)
{
	rec_put32(b, hash_bytes(b->data, b->len));
}

bool rec_frame_open(struct rec_reader *r, const void *data, size_t len, const char *magic)
{
	static const unsigned char nothing[1];
	const unsigned char *p = data;

	/* refused: an empty reader, already bad */
	r->p = r->end = nothing;
	r->bad = true;
	if (len < REC_MAGIC_SIZE + 4 || memcmp(p, magic, REC_MAGIC_SIZE) ||
	    hash_bytes(p, len - 4) != le32(p + len - 4))
		return false;
	rec_reader_init(r, p + REC_MAGIC_SIZE, len - REC_MAGIC_SIZE - 4);
	return true;
}
