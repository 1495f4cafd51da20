/*
 * arena: memory for the data of one run (the graph, its strings), handed
 * out in chunks and freed in one go.  Nothing allocated here is freed alone.
 */
#ifndef RELGATE_ARENA_H
#define RELGATE_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena {
	struct arena_block *head;
	size_t total;
};
#define ARENA_INIT {0}

/* n bytes aligned for any type. */
void *arena_alloc(struct arena *a, size_t n);
/* n zeroed elements of size bytes. */
void *arena_calloc(struct arena *a, size_t n, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Free every block. */
void arena_free(struct arena *a);

#endif
