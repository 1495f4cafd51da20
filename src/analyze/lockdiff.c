/*
 * lockdiff: the closures of both sides, package by package, and the words
 * for how they differ.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/bunlock.h"
#include "analyze/lockdiff.h"
#include "analyze/lockentry.h"
#include "analyze/npmlock.h"
#include "analyze/pnpmlock.h"
#include "analyze/yarnlock.h"
#include "lib/diag.h"
#include "lib/util.h"

/* How many differences a reason names before "and N more". */
#define SHOWN 3

/* One difference: from NULL is an addition, to NULL a removal. */
struct row {
	const char *name, *where;
	const char *from, *to;
	bool same_version;   /* same version, other bytes */
};

static int row_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (!c)
		c = strcmp(a->where, b->where);
	if (!c)
		c = strcmp(a->from ? a->from : "", b->from ? b->from : "");
	if (!c)
		c = strcmp(a->to ? a->to : "", b->to ? b->to : "");
	return c;
}

static bool same_row(const struct row *a, const struct row *b)
{
	return !row_cmp(a, b) && !a->from == !b->from && !a->to == !b->to;
}

/*
 * Describe how two closures differ, or return NULL when they do not: each
 * difference once, by name (and where it is installed, when not at the
 * top), sorted; a removal and an addition of one name read as a change.
 */
static char *closure_diff(struct strmap *old, struct strmap *new)
{
	struct row *rows = NULL;
	size_t n = 0, cap = 0, i, j, shown = 0, more = 0;
	struct buf out = BUF_INIT;

	for (i = 0; i < new->cap; i++) {
		const struct strmap_entry *e = &new->slots[i];
		const struct lock_entry *to = e->value, *was;

		if (!e->key)
			continue;
		was = strmap_get(old, e->key, e->len);
		if (was && !strcmp(was->version, to->version) && !strcmp(was->ident, to->ident))
			continue;
		GROW(rows, n + 1, cap);
		rows[n++] = (struct row){to->name, to->where, was ? was->version : NULL, to->version,
					 was && !strcmp(was->version, to->version)};
	}
	for (i = 0; i < old->cap; i++) {
		const struct strmap_entry *e = &old->slots[i];
		const struct lock_entry *was = e->value;

		if (!e->key || strmap_get(new, e->key, e->len))
			continue;
		GROW(rows, n + 1, cap);
		rows[n++] = (struct row){was->name, was->where, was->version, NULL, false};
	}
	if (!n)
		return NULL;
	qsort(rows, n, sizeof(*rows), row_cmp);
	/*
	 * pnpm keys an entry by name and version: a bump is a removal and an
	 * addition of one name in one place, which read as one change.
	 */
	i = j = 0;
	while (i < n) {
		size_t end = i, k, a, r;

		while (end < n && !strcmp(rows[end].name, rows[i].name) &&
		       !strcmp(rows[end].where, rows[i].where))
			end++;
		/* the additions and the removals of one name pair up, in version order */
		for (a = i, r = i;; a++, r++) {
			while (a < end && rows[a].from)
				a++;
			while (r < end && (!rows[r].from || rows[r].to))
				r++;
			if (a >= end || r >= end)
				break;
			rows[a].from = rows[r].from;
			rows[a].same_version = !strcmp(rows[a].from, rows[a].to);
			rows[r].name = NULL;   /* folded into a */
		}
		for (k = i; k < end; k++)
			if (rows[k].name)
				rows[j++] = rows[k];
		i = end;
	}
	n = j;
	qsort(rows, n, sizeof(*rows), row_cmp);
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		if (i && same_row(r, &rows[i - 1]))
			continue;
		if (shown == SHOWN) {
			more++;
			continue;
		}
		if (out.len)
			buf_adds(&out, ", ");
		if (r->from && r->to && !r->same_version)
			buf_addf(&out, "%s %s -> %s", r->name, r->from, r->to);
		else if (r->from && r->to)
			buf_addf(&out, "%s %s changed", r->name, r->to);
		else if (r->to)
			buf_addf(&out, "+%s %s", r->name, r->to);
		else
			buf_addf(&out, "-%s %s", r->name, r->from);
		if (*r->where)
			buf_addf(&out, " in %s", r->where);
		shown++;
	}
	if (more)
		buf_addf(&out, " and %zu more", more);
	free(rows);
	return buf_detach(&out, NULL);
}

enum lock_kind { LOCK_NPM, LOCK_PNPM, LOCK_YARN, LOCK_BUN, LOCK_OTHER };

static enum lock_kind kind_of(const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;

	if (!strcmp(base, "package-lock.json"))
		return LOCK_NPM;
	if (!strcmp(base, "pnpm-lock.yaml"))
		return LOCK_PNPM;
	if (!strcmp(base, "yarn.lock"))
		return LOCK_YARN;
	if (!strcmp(base, "bun.lock"))
		return LOCK_BUN;
	return LOCK_OTHER;
}

static int read_side(enum lock_kind kind, const char *name, const char *note, const char *text,
		     size_t len, const struct workspace *ws, const struct config *cfg,
		     struct strmap *out, struct arena *a, char **fallback)
{
	if (!text)
		return 0;
	if (kind == LOCK_NPM)
		return npmlock_closures(name, note, text, len, ws, cfg, out, a, fallback);
	if (kind == LOCK_YARN)
		return yarnlock_closures(name, note, text, len, ws, cfg, out, a, fallback);
	if (kind == LOCK_BUN)
		return bunlock_closures(name, note, text, len, ws, cfg, out, a, fallback);
	return pnpmlock_closures(name, note, text, len, ws, cfg, out, a, fallback);
}

int lockfile_diff(const char *name, const char *old_note, const char *old_text, size_t old_len,
		  const char *new_note, const char *new_text, size_t new_len,
		  const struct workspace *ws, const struct config *cfg, struct lockfile_diff *out)
{
	enum lock_kind kind = kind_of(name);
	struct strmap *old, *new;
	struct arena mem = ARENA_INIT;
	char *fallback = NULL;
	size_t i;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (kind == LOCK_OTHER) {
		out->all = true;
		out->reason = xasprintf("%s changed, and relgate reads only package-lock.json, "
					"pnpm-lock.yaml, yarn.lock and bun.lock per package", name);
		return 0;
	}
	old = xcalloc(ws->npkgs + 1, sizeof(*old));
	new = xcalloc(ws->npkgs + 1, sizeof(*new));
	for (i = 0; i < ws->npkgs; i++) {
		strmap_init(&old[i], 16);
		strmap_init(&new[i], 16);
	}
	if (read_side(kind, name, old_note, old_text, old_len, ws, cfg, old, &mem, &fallback) < 0 ||
	    read_side(kind, name, new_note, new_text, new_len, ws, cfg, new, &mem, &fallback) < 0)
		goto out;
	if (fallback || (!old_text && !new_text)) {
		out->all = true;
		out->reason = fallback ? fallback : xasprintf("%s could not be compared", name);
		fallback = NULL;
		ret = 0;
		goto out;
	}
	for (i = 0; i < ws->npkgs; i++) {
		char *detail = closure_diff(&old[i], &new[i]);

		if (!detail)
			continue;
		GROW(out->hits, out->n + 1, out->cap);
		out->hits[out->n].pkg = &ws->pkgs[i];
		out->hits[out->n].detail = detail;
		out->hits[out->n].root_reason = NULL;
		out->n++;
	}
	ret = 0;
out:
	for (i = 0; i < ws->npkgs; i++) {
		strmap_free(&old[i]);
		strmap_free(&new[i]);
	}
	free(old);
	free(new);
	free(fallback);
	arena_free(&mem);
	return ret;
}

void lockfile_diff_release(struct lockfile_diff *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->hits[i].detail);
		free(d->hits[i].root_reason);
	}
	free(d->hits);
	free(d->reason);
	memset(d, 0, sizeof(*d));
}
