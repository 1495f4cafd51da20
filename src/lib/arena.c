/*
 * arena: a bump allocator over a list of blocks.  Large requests get a
 * block of their own, so a 100 MB string does not waste a 100 MB tail.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "lib/util.h"

#define ARENA_BLOCK (256 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

static struct arena_block *block_new(size_t size)
{
	struct arena_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		die(EXIT_ENV, "arena block of %zu bytes overflows", size);
	b = xmalloc(sizeof(*b) + size);
	b->next = NULL;
	b->used = 0;
	b->size = size;
	return b;
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	struct arena_block *b = a->head;
	size_t off;

	if (n > SIZE_MAX - align)
		die(EXIT_ENV, "arena allocation of %zu bytes overflows", n);
	n = (n + align - 1) & ~(align - 1);
	if (n > ARENA_BLOCK / 4) {
		struct arena_block *big = block_new(n);

		/* keep the current block at the head for small requests */
		if (b) {
			big->next = b->next;
			b->next = big;
		} else {
			a->head = big;
		}
		big->used = n;
		a->total += n;
		return big->data;
	}
	if (!b || b->size - b->used < n) {
		b = block_new(ARENA_BLOCK);
		b->next = a->head;
		a->head = b;
	}
	off = b->used;
	b->used += n;
	a->total += n;
	return b->data + off;
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		die(EXIT_ENV, "arena allocation of %zu * %zu bytes overflows", n, size);
	p = arena_alloc(a, n * size);
	memset(p, 0, n * size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		die(EXIT_ENV, "string too long");
	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;

	while (b) {
		struct arena_block *next = b->next;

		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}
