/*
 * util: allocation that dies on exhaustion, a growable buffer, a string
 * hash map, and path helpers.  Nothing here knows about workspaces or git.
 */
#ifndef RELGATE_UTIL_H
#define RELGATE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocators that die with EXIT_ENV on exhaustion and check for overflow. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Grow array p (of *cap elements) so that it holds at least n elements. */
#define GROW(p, n, cap) do { \
	if ((size_t)(n) > (cap)) { \
		size_t grow_new_ = (cap) ? (cap) * 2 : 8; \
		if (grow_new_ < (size_t)(n)) \
			grow_new_ = (n); \
		(p) = xreallocarray((p), grow_new_, sizeof(*(p))); \
		(cap) = grow_new_; \
	} \
} while (0)

/*
 * A growable byte buffer, always NUL-terminated, never NULL after
 * buf_init().  A buffer with max > 0 refuses to grow past max bytes: use
 * it for anything read from outside.
 */
struct buf {
	char *data;
	size_t len, cap, max;
};
extern char buf_empty[];
#define BUF_INIT {buf_empty, 0, 0, 0}

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Make room for n more bytes; returns -1 when that would pass b->max. */
int buf_grow(struct buf *b, size_t n);
/* buf_add past the room there is: grows b, then appends. */
void buf_add_grow(struct buf *b, const void *p, size_t n);

/*
 * Append n bytes at p (p may be NULL when n is 0).  Every writer's hot
 * path: the room is checked here, inline, and only growing is a call.
 * (A capped buffer's room never passes its cap: buf_grow keeps cap <= max + 1.)
 */
static inline void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->cap - b->len > n) {
		if (n)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	buf_add_grow(b, p, n);
}

static inline void buf_addc(struct buf *b, char c)
{
	if (b->cap - b->len > 1) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return;
	}
	buf_add_grow(b, &c, 1);
}

void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
/*
 * Length of the valid UTF-8 sequence at p (1 to 4), or 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are not).  p
 * must be NUL-terminated.
 */
size_t utf8_len(const unsigned char *p);

/* Append s with &, <, >, " and ' as HTML's character references. */
void buf_add_html(struct buf *b, const char *s);
/* Append s as a JSON string literal, quotes included. */
void buf_add_json_str(struct buf *b, const char *s);
/* Hand the data over to the caller; the buffer is empty afterwards. */
char *buf_detach(struct buf *b, size_t *len);

/*
 * A hash map from byte strings to values.  Keys are not copied: they must
 * outlive the map (they usually live in an arena).
 */
struct strmap_entry {
	const char *key;
	uint32_t len;
	uint32_t hash;
	void *value;
};
struct strmap {
	struct strmap_entry *slots;
	size_t cap, count;
};

uint32_t hash_bytes(const void *p, size_t n);
void strmap_init(struct strmap *m, size_t expected);
void strmap_free(struct strmap *m);
/* Returns the value for key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key, size_t len);
/* Returns the slot for key, inserting it with value NULL if absent. */
struct strmap_entry *strmap_put(struct strmap *m, const char *key, size_t len);

/* Does s start with prefix / end with suffix? */
bool starts_with(const char *s, const char *prefix);
bool ends_with(const char *s, const char *suffix);

/*
 * Normalise a relative path in place: removes "." and empty components and
 * folds "dir/.." pairs.  Returns -1 when the path climbs above its root.
 */
int path_normalize(char *path);
/* The directory part of path ("" for a bare name), as a new string. */
char *path_dirname(const char *path);
/* Join a and b with one '/', as a new string; "" acts as identity. */
char *path_join(const char *a, const char *b);

/* The value of a hexadecimal digit (either case), or -1. */
int hex_value(char c);

/* Milliseconds of a monotonic clock. */
double now_ms(void);
/* Milliseconds since the epoch, by the wall clock (for people: it may step). */
int64_t wall_ms(void);
/* ms since the epoch as ISO 8601 in UTC, "2026-12-01T16:20:05.123Z", into out. */
void iso_time(int64_t ms, char *out, size_t size);
/* How long ago wall_ms()'s ms was, for people ("42s", "5m", "3h", "2d"), then suffix. */
void age_text(int64_t ms, const char *suffix, char *out, size_t size);

/*
 * Parse a duration like "500ms", "20s", "5m", "1h" (also "1.5s") into
 * milliseconds.  Returns -1 on anything else, including negative values.
 */
int parse_duration(const char *s, int64_t *ms);

#endif
