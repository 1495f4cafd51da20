/*
 * util: the small things every module needs.  Allocation failures end the
 * process here, so that no caller has to check for NULL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/util.h"

static void oom(size_t n)
{
	die(EXIT_ENV, "out of memory allocating %zu bytes", n);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		oom(nmemb * size);
	return p;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
	size_t total;

	if (size && nmemb > SIZE_MAX / size)
		die(EXIT_ENV, "allocation of %zu * %zu bytes overflows", nmemb, size);
	total = nmemb * size;
	p = realloc(p, total ? total : 1);
	if (!p)
		oom(total);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		BUG("bad format %s", fmt);
	buf_grow(&b, (size_t)n + 1);
	vsnprintf(b.data, (size_t)n + 1, fmt, ap);
	return b.data;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char buf_empty[1];

void buf_init(struct buf *b)
{
	b->data = buf_empty;
	b->len = b->cap = b->max = 0;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->data);
	b->data = buf_empty;
	b->len = b->cap = 0;
}

int buf_grow(struct buf *b, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - b->len - 1)
		die(EXIT_ENV, "buffer size overflows");
	need = b->len + n + 1;
	if (b->max && need > b->max + 1) {
		errno = EFBIG;
		return -1;
	}
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->max && cap > b->max + 1)
		cap = b->max + 1;
	if (!b->cap) {
		b->data = xmalloc(cap);
		b->data[0] = '\0';
	} else {
		b->data = xreallocarray(b->data, cap, 1);
	}
	b->cap = cap;
	return 0;
}

void buf_add_grow(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		BUG("buf_add past the buffer's limit");
	if (n)   /* p may be NULL for nothing */
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		BUG("bad format %s", fmt);
	if (!b->cap || (size_t)n >= b->cap - b->len) {
		if (buf_grow(b, (size_t)n) < 0)
			BUG("buf_addf past the buffer's limit");
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

size_t utf8_len(const unsigned char *p)
{
	size_t n, i;
	uint32_t c;

	if (*p < 0x80)
		return 1;
	if ((*p & 0xe0) == 0xc0)
		n = 2, c = *p & 0x1f;
	else if ((*p & 0xf0) == 0xe0)
		n = 3, c = *p & 0x0f;
	else if ((*p & 0xf8) == 0xf0)
		n = 4, c = *p & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

void buf_add_html(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *s);
		}
	}
}

void buf_add_json_str(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_addc(b, '"');
	while (*p) {
		const unsigned char *run = p;
		size_t n;

		/* copy the plain bytes in one go */
		while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			buf_add(b, run, (size_t)(p - run));
		if (!*p)
			break;
		switch (*p) {
		case '"': buf_adds(b, "\\\""); break;
		case '\\': buf_adds(b, "\\\\"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		default:
			if (*p < 0x80) {
				buf_addf(b, "\\u%04x", *p);
			} else if ((n = utf8_len(p))) {
				buf_add(b, p, n);
				p += n;
				continue;
			} else {
				/* JSON is UTF-8: a byte that is not becomes U+FFFD */
				buf_adds(b, "\\ufffd");
			}
		}
		p++;
	}
	buf_addc(b, '"');
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->cap ? b->data : xstrdup("");

	if (len)
		*len = b->len;
	buf_init(b);
	return p;
}

/*
 * A multiply-and-rotate hash over 8 bytes at a time: paths are long and
 * hashed often (every file, every candidate of every import), so a
 * byte-at-a-time hash costs a tenth of a run.
 */
uint32_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;

	while (n >= 8) {
		uint64_t w;

		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		s += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;

		memcpy(&w, s, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 29;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 32;
	return (uint32_t)h;
}

void strmap_init(struct strmap *m, size_t expected)
{
	size_t cap = 16;

	while (cap < expected * 2)
		cap *= 2;
	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	m->count = 0;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}

static struct strmap_entry *strmap_find(const struct strmap *m, const char *key,
					uint32_t len, uint32_t h)
{
	size_t i = h & (m->cap - 1);

	for (;;) {
		struct strmap_entry *e = &m->slots[i];

		if (!e->key)
			return e;
		if (e->hash == h && e->len == len && !memcmp(e->key, key, len))
			return e;
		i = (i + 1) & (m->cap - 1);
	}
}

void *strmap_get(const struct strmap *m, const char *key, size_t len)
{
	struct strmap_entry *e;

	if (!m->cap)
		return NULL;
	e = strmap_find(m, key, (uint32_t)len, hash_bytes(key, len));
	return e->key ? e->value : NULL;
}

static void strmap_rehash(struct strmap *m)
{
	struct strmap old = *m;
	size_t i;

	m->cap = old.cap * 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*strmap_find(m, old.slots[i].key, old.slots[i].len,
				     old.slots[i].hash) = old.slots[i];
	free(old.slots);
}

struct strmap_entry *strmap_put(struct strmap *m, const char *key, size_t len)
{
	uint32_t h = hash_bytes(key, len);
	struct strmap_entry *e;

	if (len > UINT32_MAX)
		die(EXIT_ENV, "key of %zu bytes is too long", len);
	if (!m->cap)
		strmap_init(m, 8);
	if ((m->count + 1) * 2 > m->cap)
		strmap_rehash(m);
	e = strmap_find(m, key, (uint32_t)len, h);
	if (!e->key) {
		e->key = key;
		e->len = (uint32_t)len;
		e->hash = h;
		e->value = NULL;
		m->count++;
	}
	return e;
}

bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

int path_normalize(char *path)
{
	char *out = path;
	const char *p = path;

	while (*p) {
		const char *seg = p;
		size_t n = strcspn(p, "/");

		/* step past the segment before writing: out never passes p */
		p += n;
		if (*p == '/')
			p++;
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (out == path)
				return -1;
			while (out > path && out[-1] != '/')
				out--;
			if (out > path)
				out--;  /* the separator before the dropped segment */
			continue;
		}
		if (out != path)
			*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	*out = '\0';
	return 0;
}

char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");
}

char *path_join(const char *a, const char *b)
{
	if (!*a)
		return xstrdup(b);
	if (!*b)
		return xstrdup(a);
	return xasprintf("%s/%s", a, b);
}

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void age_text(int64_t ms, const char *suffix, char *out, size_t size)
{
	int64_t s = (wall_ms() - ms) / 1000;

	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(out, size, "%llds%s", (long long)s, suffix);
	else if (s < 7200)
		snprintf(out, size, "%lldm%s", (long long)(s / 60), suffix);
	else if (s < 172800)
		snprintf(out, size, "%lldh%s", (long long)(s / 3600), suffix);
	else
		snprintf(out, size, "%lldd%s", (long long)(s / 86400), suffix);
}

void iso_time(int64_t ms, char *out, size_t size)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char day[32];

	if (!gmtime_r(&s, &tm) || !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(day, sizeof(day), "1970-01-01T00:00:00");
	snprintf(out, size, "%s.%03dZ", day, (int)(ms % 1000));
}

int parse_duration(const char *s, int64_t *ms)
{
	static const struct { const char *unit; double ms; } units[] = {
		{"ms", 1}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3},
	};
	char *end;
	double v;
	size_t i;
	const char *q;

	/* digits, an optional fraction, a unit: no signs, exponents or hex */
	if (!s)
		return -1;
	for (q = s; (*q >= '0' && *q <= '9') || *q == '.'; q++)
		;
	if (q == s || strchr(s, '.') != strrchr(s, '.') || !(*q >= 'a' && *q <= 'z'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end != q || !isfinite(v) || v < 0)
		return -1;
	for (i = 0; i < ARRAY_LEN(units); i++) {
		if (!strcmp(end, units[i].unit)) {
			double r = v * units[i].ms;

			if (r > 9e15)
				return -1;
			*ms = (int64_t)llround(r);
			return 0;
		}
	}
	return -1;
}
