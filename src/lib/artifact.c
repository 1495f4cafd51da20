/*
 * artifact: the walk hashes each file once, in 64 KiB reads; the manifest
 * is made from the sorted entries, so that the same folder always has
 * the same digest, whatever order the file system lists it in.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/artifact.h"
#include "lib/diag.h"

#define MANIFEST_HEADER "relgate-manifest 1\n"
#define ARTIFACT_DEPTH_MAX 128
#define ARTIFACT_FILES_MAX 2000000

int artifact_hash_fd(int fd, unsigned char *sha, uint64_t *size)
{
	static __thread unsigned char chunk[65536];
	struct sha256_ctx ctx;
	ssize_t n;

	sha256_init(&ctx);
	*size = 0;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		sha256_update(&ctx, (size_t)n, chunk);
		*size += (uint64_t)n;
	}
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, sha);
	return 0;
}

static struct artifact_entry *add_entry(struct artifact *a, const char *path, uint32_t mode)
{
	struct artifact_entry *e;

	GROW(a->v, a->n + 1, a->cap);
	e = &a->v[a->n++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->mode = mode;
	return e;
}

/*
 * Whether a link at path (relative to the artifact) to target stays inside
 * it: relative, its ".." all first and no more of them than the folders
 * above the link.  A ".." after a name is refused even where it would stay
 * inside on paper: the name may be a link itself ("c" -> "."), and then
 * "c/../.." climbs one folder more than it reads.
 */
static bool link_stays_inside(const char *path, const char *target)
{
	int depth = 0;
	bool named = false;
	const char *p;

	if (!*target || target[0] == '/')
		return false;
	for (p = path; (p = strchr(p, '/')); p++)
		depth++;
	for (p = target; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (named || --depth < 0)
				return false;
		} else if (n && !(n == 1 && p[0] == '.')) {
			named = true;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

static int walk(struct artifact *a, const char *top, int fd, struct buf *path, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int ret = 0, at_fd = fd;

	if (!d) {
		close(fd);
		return error_as(FAULT_ENV, "cannot read %s/%s:", top, path->data);
	}
	if (depth > ARTIFACT_DEPTH_MAX) {
		closedir(d);
		return error_as(FAULT_REFUSED, "%s/%s: folders nested deeper than %d", top,
				path->data, ARTIFACT_DEPTH_MAX);
	}
	while (ret == 0 && (errno = 0, de = readdir(d))) {
		size_t at = path->len;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (a->n >= ARTIFACT_FILES_MAX) {
			ret = error_as(FAULT_REFUSED, "%s: more than %d files", top, ARTIFACT_FILES_MAX);
			break;
		}
		if (at)
			buf_addc(path, '/');
		buf_adds(path, de->d_name);
		if (fstatat(at_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = error_as(FAULT_ENV, "cannot read %s/%s:", top, path->data);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(at_fd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			ret = sub < 0 ? error_as(FAULT_ENV, "cannot open %s/%s:", top, path->data)
				      : walk(a, top, sub, path, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			int file = openat(at_fd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			struct artifact_entry *e = add_entry(a, path->data, st.st_mode & 0111 ?
							     ARTIFACT_MODE_EXEC : ARTIFACT_MODE_FILE);

			if (file < 0 || artifact_hash_fd(file, e->sha, &e->size) < 0)
				ret = error_as(FAULT_ENV, "cannot read %s/%s:", top, path->data);
			if (file >= 0)
				close(file);
			a->bytes += e->size;
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlinkat(at_fd, de->d_name, target, sizeof(target) - 1);
			struct artifact_entry *e;
			struct sha256_ctx ctx;

			if (n < 0) {
				ret = error_as(FAULT_ENV, "cannot read the link %s/%s:", top, path->data);
				break;
			}
			target[n] = '\0';
			if (!link_stays_inside(path->data, target)) {
				ret = error_as(FAULT_REFUSED, "%s/%s: a link to \"%s\", outside the "
					       "artifact: not released (copy what it points to into the "
					       "artifact instead)", top, path->data, target);
				break;
			}
			e = add_entry(a, path->data, ARTIFACT_MODE_LINK);
			sha256_init(&ctx);
			sha256_update(&ctx, (size_t)n, (const uint8_t *)target);
			sha256_digest(&ctx, SHA256_DIGEST_SIZE, e->sha);
			e->size = (uint64_t)n;
			a->bytes += e->size;
		} else {
			ret = error_as(FAULT_REFUSED, "%s/%s: neither a file, a folder nor a link: "
				       "not released", top, path->data);
		}
		path->len = at;
		path->data[at] = '\0';
	}
	if (ret == 0 && errno)
		ret = error_as(FAULT_ENV, "cannot read %s/%s:", top, path->data);
	closedir(d);
	return ret;
}

static int by_path(const void *x, const void *y)
{
	return strcmp(((const struct artifact_entry *)x)->path,
		      ((const struct artifact_entry *)y)->path);
}

static void put_path(struct buf *b, const char *path)
{
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '%')
			buf_addf(b, "%%%02X", *p);
		else
			buf_addc(b, (char)*p);
	}
}

static void make_manifest(struct artifact *a)
{
	struct sha256_ctx ctx;
	size_t i;

	buf_reset(&a->manifest);
	buf_adds(&a->manifest, MANIFEST_HEADER);
	for (i = 0; i < a->n; i++) {
		const struct artifact_entry *e = &a->v[i];
		char hex[ARTIFACT_DIGEST_HEX];

		artifact_hex(e->sha, hex);
		buf_addf(&a->manifest, "%s %06o %llu ", hex + 7, e->mode, (unsigned long long)e->size);
		put_path(&a->manifest, e->path);
		buf_addc(&a->manifest, '\n');
	}
	sha256_init(&ctx);
	sha256_update(&ctx, a->manifest.len, (const uint8_t *)a->manifest.data);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, a->digest);
}

void artifact_copy(struct artifact *dst, const struct artifact *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	buf_init(&dst->manifest);
	dst->v = xmalloc(src->n ? src->n * sizeof(*dst->v) : 1);
	dst->n = dst->cap = src->n;
	for (i = 0; i < src->n; i++) {
		dst->v[i] = src->v[i];
		dst->v[i].path = xstrdup(src->v[i].path);
	}
	dst->bytes = src->bytes;
	buf_add(&dst->manifest, src->manifest.data, src->manifest.len);
	memcpy(dst->digest, src->digest, sizeof(dst->digest));
}

void artifact_remake(struct artifact *a)
{
	size_t i;

	a->bytes = 0;
	for (i = 0; i < a->n; i++)
		a->bytes += a->v[i].size;
	make_manifest(a);
}

int artifact_scan(const char *dir, struct artifact *a)
{
	struct buf path = BUF_INIT;
	struct stat st;
	int fd, ret;

	memset(a, 0, sizeof(*a));
	buf_init(&a->manifest);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT
		       ? error_as(FAULT_REFUSED, "%s: no such folder (was the product built?)", dir)
		       : error_as(FAULT_ENV, "cannot open %s:", dir);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return error_as(FAULT_ENV, "cannot read %s:", dir);
	}
	buf_init(&path);
	ret = walk(a, dir, fd, &path, 0);
	buf_release(&path);
	if (ret < 0 || !a->n) {
		/* what the walk took before it stopped */
		artifact_release(a);
		return ret < 0 ? -1 : error_as(FAULT_REFUSED, "%s: the artifact is empty", dir);
	}
	qsort(a->v, a->n, sizeof(*a->v), by_path);
	make_manifest(a);
	return 0;
}

/* A relative path of plain components: none empty, ".", or "..". */
static bool path_is_plain(const char *path)
{
	const char *p = path;

	for (;;) {
		size_t n = strcspn(p, "/");

		if (!n || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

/* One line of a manifest, without its newline, into a new entry; false when malformed. */
static bool parse_line(struct artifact *a, const char *p, const char *end)
{
	unsigned char sha[ARTIFACT_SHA_SIZE];
	unsigned long long size = 0;
	unsigned mode = 0;
	struct buf path = BUF_INIT;
	struct artifact_entry *e;
	int i;

	if (end - p < 2 * ARTIFACT_SHA_SIZE + 1)
		return false;
	for (i = 0; i < ARTIFACT_SHA_SIZE; i++) {
		int hi = hex_value(p[2 * i]), lo = hex_value(p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		sha[i] = (unsigned char)(hi << 4 | lo);
	}
	p += 2 * ARTIFACT_SHA_SIZE;
	if (*p++ != ' ')
		return false;
	for (i = 0; i < 6 && p < end && *p >= '0' && *p <= '7'; i++)
		mode = mode * 8 + (unsigned)(*p++ - '0');
	if (i != 6 || (mode != ARTIFACT_MODE_FILE && mode != ARTIFACT_MODE_EXEC &&
		       mode != ARTIFACT_MODE_LINK) || p >= end || *p++ != ' ')
		return false;
	for (i = 0; p < end && *p >= '0' && *p <= '9'; i++) {
		if (i >= 19)
			return false;
		size = size * 10 + (unsigned long long)(*p++ - '0');
	}
	if (!i || p >= end || *p++ != ' ' || p >= end)
		return false;
	buf_init(&path);
	for (; p < end; p++) {
		int hi, lo;

		if (*p != '%') {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				break;
			buf_addc(&path, *p);
			continue;
		}
		if (end - p < 3 || (hi = hex_value(p[1])) < 0 || (lo = hex_value(p[2])) < 0 || !(hi | lo))
			break;
		buf_addc(&path, (char)(hi << 4 | lo));
		p += 2;
	}
	if (p != end || !path_is_plain(path.data) ||
	    (a->n && strcmp(a->v[a->n - 1].path, path.data) >= 0)) {
		buf_release(&path);
		return false;
	}
	e = add_entry(a, path.data, mode);
	memcpy(e->sha, sha, sizeof(sha));
	e->size = size;
	a->bytes += size;
	buf_release(&path);
	return true;
}

int artifact_parse(const char *text, size_t len, struct artifact *a)
{
	const char *p = text, *end = text + len;
	struct sha256_ctx ctx;

	memset(a, 0, sizeof(*a));
	buf_init(&a->manifest);
	if (len < strlen(MANIFEST_HEADER) || memcmp(text, MANIFEST_HEADER, strlen(MANIFEST_HEADER)))
		return -1;
	for (p += strlen(MANIFEST_HEADER); p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl || !parse_line(a, p, nl)) {
			artifact_release(a);
			return -1;
		}
		p = nl + 1;
	}
	buf_add(&a->manifest, text, len);
	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)text);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, a->digest);
	return 0;
}

/* bsearch(3)'s comparison: a path against an entry. */
static int path_vs_entry(const void *path, const void *entry)
{
	return strcmp(path, ((const struct artifact_entry *)entry)->path);
}

const struct artifact_entry *artifact_find(const struct artifact *a, const char *path)
{
	return a->n ? bsearch(path, a->v, a->n, sizeof(*a->v), path_vs_entry) : NULL;
}

size_t artifact_diff(const struct artifact *from, const struct artifact *to, artifact_diff_fn *fn,
		     void *data, struct artifact_delta *delta)
{
	struct artifact_delta d = {0};
	size_t i = 0, j = 0, n = 0;

	while (i < from->n || j < to->n) {
		int cmp = i == from->n ? 1 : j == to->n ? -1 : strcmp(from->v[i].path, to->v[j].path);
		const struct artifact_entry *a = cmp <= 0 ? &from->v[i] : NULL;
		const struct artifact_entry *b = cmp >= 0 ? &to->v[j] : NULL;

		i += cmp <= 0;
		j += cmp >= 0;
		if (a && b && a->mode == b->mode && a->size == b->size &&
		    !memcmp(a->sha, b->sha, ARTIFACT_SHA_SIZE))
			continue;
		if (!a) {
			d.added++;
			d.bytes_added += (int64_t)b->size;
		} else if (!b) {
			d.removed++;
			d.bytes_removed += (int64_t)a->size;
		} else {
			d.changed++;
		}
		d.bytes += (b ? (int64_t)b->size : 0) - (a ? (int64_t)a->size : 0);
		if (fn)
			fn(a, b, data);
		n++;
	}
	if (delta)
		*delta = d;
	return n;
}

void artifact_hex(const unsigned char *sha, char out[ARTIFACT_DIGEST_HEX])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	memcpy(out, "sha256:", 7);
	for (i = 0; i < ARTIFACT_SHA_SIZE; i++) {
		out[7 + 2 * i] = digits[sha[i] >> 4];
		out[7 + 2 * i + 1] = digits[sha[i] & 15];
	}
	out[7 + 2 * ARTIFACT_SHA_SIZE] = '\0';
}

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(((artifact_hasher *)0)->ctx),
	       "artifact_hasher holds a sha256_ctx");

void artifact_hasher_init(artifact_hasher *h)
{
	sha256_init((struct sha256_ctx *)(void *)h->ctx);
}

void artifact_hasher_add(artifact_hasher *h, const void *data, size_t len)
{
	sha256_update((struct sha256_ctx *)(void *)h->ctx, len, data);
}

void artifact_hasher_done(artifact_hasher *h, unsigned char *sha)
{
	sha256_digest((struct sha256_ctx *)(void *)h->ctx, SHA256_DIGEST_SIZE, sha);
}

void artifact_release(struct artifact *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i].path);
	free(a->v);
	buf_release(&a->manifest);
	memset(a, 0, sizeof(*a));
}
