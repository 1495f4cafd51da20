/*
 * record: relgate's one binary format, for what it keeps between runs (the
 * cache, the snapshot, the workspace facts inside the cache).
 *
 * Integers are little-endian, strings end with a NUL, bytes are raw.  A
 * file is framed: 8 bytes of magic, the payload, and a u32 checksum
 * (hash_bytes of everything before it).  The reader is bounded by its
 * buffer: reading past the end, a string without its NUL, or a count the
 * rest could not hold marks it bad and returns zeros and "", so that a
 * damaged file is noticed and ignored, never trusted and never a crash.
 */
#ifndef RELGATE_RECORD_H
#define RELGATE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/util.h"

#define REC_MAGIC_SIZE 8

void rec_put8(struct buf *b, uint8_t v);
void rec_put32(struct buf *b, uint32_t v);
/* A string and its NUL; NULL is written as "". */
void rec_put_str(struct buf *b, const char *s);
void rec_put_bytes(struct buf *b, const void *p, size_t n);

struct rec_reader {
	const unsigned char *p, *end;
	bool bad;
};

/*
 * The getters are inline: a snapshot is read a field at a time, hundreds of
 * thousands of fields on the repeated run's path.
 */
static inline void rec_reader_init(struct rec_reader *r, const void *data, size_t len)
{
	r->p = data;
	r->end = r->p + len;
	r->bad = false;
}

static inline uint8_t rec_get8(struct rec_reader *r)
{
	if (r->bad || r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

static inline uint32_t rec_get32(struct rec_reader *r)
{
	uint32_t v;

	if (r->bad || r->end - r->p < 4) {
		r->bad = true;
		return 0;
	}
	v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
	    (uint32_t)r->p[3] << 24;
	r->p += 4;
	return v;
}

/* A string, in place: it lives as long as the buffer read. */
static inline const char *rec_get_str(struct rec_reader *r)
{
	const unsigned char *nul;
	const char *s;

	if (r->bad || !(nul = memchr(r->p, '\0', (size_t)(r->end - r->p)))) {
		r->bad = true;
		return "";
	}
	s = (const char *)r->p;
	r->p = nul + 1;
	return s;
}

/* n raw bytes, in place; NULL when there are not that many. */
static inline const void *rec_get_bytes(struct rec_reader *r, size_t n)
{
	const void *p = r->p;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	return p;
}
/* A u32 count of items of at least min_size bytes each, that the rest can hold. */
uint32_t rec_get_count(struct rec_reader *r, size_t min_size);
/* Was everything read, exactly, and nothing was bad? */
bool rec_done(const struct rec_reader *r);

/* Start a framed file in b (emptied first) with its magic. */
void rec_frame_begin(struct buf *b, const char *magic);
/* Close it: append the checksum. */
void rec_frame_end(struct buf *b);
/*
 * Check the magic and the checksum of a framed file; true, with r set to
 * its payload, when both are right.
 */
bool rec_frame_open(struct rec_reader *r, const void *data, size_t len, const char *magic);

#endif
