/*
 * cache: one flat file in lib/record's format, loaded whole and indexed by
 * an open-addressing table on the blob id.
 *
 *   "RGCACHE1" u32 count
 *   count * { oid[20] u8 kind u32 len bytes[len] }
 *   u32 checksum (FNV-1a of everything before it)
 *
 * Integers are little-endian.  Values stored by this run live in their own
 * allocations until the file is written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/cache.h"
#include "lib/file.h"
#include "lib/diag.h"
#include "lib/record.h"
#include "lib/util.h"

#define CACHE_MAGIC "RGCACHE1"
#define CACHE_MAX_BYTES ((size_t)1 << 30)

struct cache_slot {
	git_oid oid;
	uint8_t kind;
	bool used;
	bool owned;       /* data was malloc'd by cache_put */
	uint32_t len;
	const unsigned char *data;
};

/* The first bytes of a blob id, as the slot's hash: ids are hashes already. */
static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t slot_index(const struct cache *c, const git_oid *oid, uint8_t kind)
{
	return (get32(oid->id) ^ kind) & (c->cap - 1);
}

static struct cache_slot *find(struct cache *c, const git_oid *oid, uint8_t kind)
{
	size_t i = slot_index(c, oid, kind);

	for (;;) {
		struct cache_slot *s = &c->slots[i];

		if (!s->data)
			return s;
		if (s->kind == kind && !memcmp(s->oid.id, oid->id, GIT_OID_RAWSZ))
			return s;
		i = (i + 1) & (c->cap - 1);
	}
}

static void grow(struct cache *c)
{
	struct cache_slot *old = c->slots;
	size_t oldcap = c->cap, i;

	c->cap = c->cap ? c->cap * 2 : 1024;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
	for (i = 0; i < oldcap; i++)
		if (old[i].data)
			*find(c, &old[i].oid, old[i].kind) = old[i];
	free(old);
}

static bool insert(struct cache *c, const git_oid *oid, uint8_t kind, const unsigned char *data,
		   uint32_t len, bool owned)
{
	struct cache_slot *s;

	if ((c->count + 1) * 2 > c->cap)
		grow(c);
	s = find(c, oid, kind);
	if (s->data)
		return false;
	git_oid_cpy(&s->oid, oid);
	s->kind = kind;
	s->len = len;
	s->data = data;
	s->owned = owned;
	s->used = owned;
	c->count++;
	return true;
}

/* Index a loaded file; returns -1 when it is damaged. */
static int parse(struct cache *c)
{
	struct rec_reader r;
	uint32_t count, i;

	if (!rec_frame_open(&r, c->file, c->file_len, CACHE_MAGIC))
		return -1;
	/* an entry takes at least 25 bytes: a count the file cannot hold is damage */
	count = rec_get_count(&r, GIT_OID_RAWSZ + 1 + 4);
	if (r.bad)
		return -1;
	while (c->cap < (size_t)count * 2 + 2)
		grow(c);
	for (i = 0; i < count; i++) {
		const void *id = rec_get_bytes(&r, GIT_OID_RAWSZ);
		uint8_t kind = rec_get8(&r);
		uint32_t len = rec_get32(&r);
		const void *data = rec_get_bytes(&r, len);
		git_oid oid;

		if (r.bad)
			return -1;
		memcpy(oid.id, id, GIT_OID_RAWSZ);
		insert(c, &oid, kind, data, len, false);
	}
	return rec_done(&r) ? 0 : -1;
}

void cache_open(struct cache *c, const char *path)
{
	struct buf b = BUF_INIT;

	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	grow(c);
	if (read_file(path, &b, CACHE_MAX_BYTES) < 0) {
		if (errno != ENOENT)
			warn("ignoring the cache %s:", path);
		buf_release(&b);
		return;
	}
	c->file = (unsigned char *)buf_detach(&b, &c->file_len);
	if (parse(c) < 0) {
		warn("ignoring the damaged cache %s", path);
		free(c->slots);
		c->slots = NULL;
		c->cap = c->count = 0;
		grow(c);
	}
}

void cache_disable(struct cache *c)
{
	memset(c, 0, sizeof(*c));
	c->disabled = true;
}

const void *cache_get(struct cache *c, const git_oid *oid, uint8_t kind, size_t *len)
{
	struct cache_slot *s;

	if (c->disabled)
		return NULL;
	s = find(c, oid, kind);
	if (!s->data)
		return NULL;
	if (!s->used) {
		s->used = true;
		c->used++;
	}
	*len = s->len;
	return s->data;
}

void cache_put(struct cache *c, const git_oid *oid, uint8_t kind, const void *data, size_t len)
{
	unsigned char *copy;

	if (c->disabled || len > UINT32_MAX)
		return;
	copy = xmalloc(len ? len : 1);
	memcpy(copy, data, len);
	if (insert(c, oid, kind, copy, (uint32_t)len, true))
		c->added++;
	else
		free(copy);
}

bool cache_put_owned(struct cache *c, const git_oid *oid, uint8_t kind, void *data, size_t len)
{
	if (c->disabled || len > UINT32_MAX || !insert(c, oid, kind, data, (uint32_t)len, true))
		return false;
	c->added++;
	return true;
}

int cache_save(struct cache *c)
{
	struct buf b = BUF_INIT;
	uint32_t count = 0;
	size_t i;

	if (c->disabled || !c->added)
		return 0;
	for (i = 0; i < c->cap; i++)
		count += c->slots[i].data && c->slots[i].used;
	rec_frame_begin(&b, CACHE_MAGIC);
	rec_put32(&b, count);
	for (i = 0; i < c->cap; i++) {
		struct cache_slot *s = &c->slots[i];

		if (!s->data || !s->used)
			continue;
		rec_put_bytes(&b, s->oid.id, GIT_OID_RAWSZ);
		rec_put8(&b, s->kind);
		rec_put32(&b, s->len);
		rec_put_bytes(&b, s->data, s->len);
	}
	rec_frame_end(&b);

	if (write_file_atomic(c->path, b.data, b.len) < 0) {
		warn("cannot write the cache %s:", c->path);
		buf_release(&b);
		return -1;
	}
	buf_release(&b);
	return 0;
}

void cache_close(struct cache *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++)
		if (c->slots[i].owned)
			free((void *)c->slots[i].data);
	free(c->slots);
	free(c->file);
	free(c->path);
	memset(c, 0, sizeof(*c));
}
