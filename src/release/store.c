/*
 * store: the disk side of releases.  Every step that changes what is
 * served is a rename(2) of something complete and already on the disk;
 * everything else (staging, pruning) can be interrupted and is cleaned up
 * by the next fsck.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/term.h"
#include "lib/util.h"
#include "release/store.h"

#define NAME_MAX_BYTES 100
#define COPY_CHUNK (256 * 1024)

bool store_name_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (!n || n > NAME_MAX_BYTES || name[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._@+-", c)))
			return false;
	}
	return true;
}

int store_check_name(const char *what, const char *name)
{
	if (store_name_ok(name))
		return 0;
	return error_as(FAULT_INPUT, "%s \"%s\" cannot name a folder of the store: use letters, "
			"digits and ._@+- (not first a dot), at most %d bytes", what,
			term_safe(name), NAME_MAX_BYTES);
}

static char *product_dir(const struct store *s, const char *product)
{
	return xasprintf("%s/%s", s->root, product);
}

int store_open(struct store *s, const char *path)
{
	struct passwd *pw;
	char *db;

	memset(s, 0, sizeof(*s));
	if (make_dirs(path) < 0 || access(path, W_OK) < 0)
		return error_as(FAULT_ENV, "the store %s is not writable:", path);
	s->root = xstrdup(path);
	pw = getpwuid(geteuid());
	snprintf(s->user, sizeof(s->user), "%s",
		 getenv("RELGATE_USER") ? getenv("RELGATE_USER") : pw ? pw->pw_name : "unknown");
	if (gethostname(s->host, sizeof(s->host) - 1) < 0)
		snprintf(s->host, sizeof(s->host), "unknown");
	s->who.user = s->user;
	s->who.host = s->host;
	db = xasprintf("%s/relgate.db", path);
	if (history_open(&s->h, db) < 0) {
		free(db);
		free(s->root);
		s->root = NULL;
		return -1;
	}
	free(db);
	return 0;
}

void store_close(struct store *s)
{
	history_close(s->h);
	free(s->root);
	memset(s, 0, sizeof(*s));
}

int store_current(struct store *s, const char *product, char *id)
{
	char *link = xasprintf("%s/%s/current", s->root, product), target[64];
	ssize_t n = readlink(link, target, sizeof(target) - 1);

	id[0] = '\0';
	if (n < 0) {
		int missing = errno == ENOENT;

		free(link);
		return missing ? 0 : error_as(FAULT_ENV, "cannot read %s/%s/current:", s->root,
					      product);
	}
	free(link);
	target[n] = '\0';
	if (strncmp(target, "releases/", 9) || strlen(target + 9) >= RELEASE_ID_MAX ||
	    store_check_name("release", target + 9) < 0)
		return error_as(FAULT_ENV, "%s/%s/current points to \"%s\", not to a release",
				s->root, product, target);
	memcpy(id, target + 9, strlen(target + 9) + 1);
	return 0;
}

bool store_has_release(struct store *s, const char *product, const char *id)
{
	char *dir = xasprintf("%s/%s/releases/%s", s->root, product, id);
	char *man = xasprintf("%s.manifest", dir);
	struct stat st;
	bool ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && stat(man, &st) == 0;

	free(dir);
	free(man);
	return ok;
}

static int read_manifest(struct store *s, const char *product, const char *id, const char *ext,
			 bool may_lack, struct artifact *a)
{
	char *path = xasprintf("%s/%s/releases/%s.%s", s->root, product, id, ext);
	struct buf text = BUF_INIT;
	int ret = 0;

	if (read_file(path, &text, (size_t)1 << 30) < 0)
		ret = may_lack && errno == ENOENT ? 1 : error_as(FAULT_ENV, "cannot read %s:", path);
	else if (artifact_parse(text.data, text.len, a) < 0)
		ret = error_as(FAULT_ENV, "%s: the manifest is damaged (relgate fsck)", path);
	buf_release(&text);
	free(path);
	return ret;
}

int store_manifest(struct store *s, const char *product, const char *id, struct artifact *a)
{
	return read_manifest(s, product, id, "manifest", false, a);
}

int store_built_manifest(struct store *s, const char *product, const char *id,
			 struct artifact *a)
{
	/* <id>.built is there only when the snippet changed a page */
	int ret = read_manifest(s, product, id, "built", true, a);

	return ret == 1 ? store_manifest(s, product, id, a) : ret;
}

/* ---- the history in line with the disk ---- */

/* One change to the history in a transaction of its own; a failure is said, not fatal. */
static int note(struct store *s, int (*record)(struct history *, const char *), const char *id)
{
	if (history_begin(s->h) < 0)
		return -1;
	if (record(s->h, id) < 0) {
		history_abort(s->h);
		return -1;
	}
	return history_commit(s->h);
}

static void now_iso(char *out, size_t size, int64_t *ms)
{
	*ms = wall_ms();
	iso_time(*ms, out, size);
}

/* Record that current is id, as the disk says, after an interrupted activation. */
/*
 * Record that current is id, as the disk says, after an interrupted
 * activation; abandon: it went back to an older release (a rollback), so
 * the one it left is marked bad, as the rollback would have.
 */
static int record_repair(struct store *s, const char *product, const char *from, const char *id,
			 bool abandon)
{
	struct activation_record a = {product, from, id, "repair",
				      "current found on the disk after an interrupted activation",
				      s->user, s->host, NULL, 0, 0};
	char at[32];

	now_iso(at, sizeof(at), &a.at_ms);
	a.at = at;
	if (history_begin(s->h) < 0)
		return -1;
	if (history_record_activation(s->h, &a) < 0 ||
	    (abandon && history_mark_bad(s->h, from, "left by an interrupted rollback") < 0)) {
		history_abort(s->h);
		return -1;
	}
	return history_commit(s->h);
}

/* A release finished on the disk but not in the history: its manifest says what it is. */
static int record_found_complete(struct store *s, const char *product, const char *id)
{
	struct release_record r = {0};
	struct artifact a;
	char hex[ARTIFACT_DIGEST_HEX];
	int ret = -1;

	if (store_manifest(s, product, id, &a) < 0)
		return -1;
	artifact_hex(a.digest, hex);
	memcpy(r.id, id, strlen(id) + 1);
	r.stored_digest = hex;
	r.files = (int64_t)a.n;
	r.bytes = (int64_t)a.bytes;
	if (history_begin(s->h) == 0) {
		if (history_record_release_complete(s->h, &r) == 0 && history_commit(s->h) == 0)
			ret = 0;
		else
			history_abort(s->h);
	}
	artifact_release(&a);
	return ret;
}

static int reconcile(struct store *s, const char *product, int *repaired)
{
	char disk[RELEASE_ID_MAX], known[RELEASE_ID_MAX];
	struct release_record r;
	int64_t known_seq = 0;

	if (store_current(s, product, disk) < 0 || history_active(s->h, product, known) < 0)
		return -1;
	if (!strcmp(disk, known))
		return 0;
	if (*known && history_release(s->h, known, &r) == 1)
		known_seq = r.seq;
	/* the disk is what is served: the history follows it, when it names a release it knows */
	if (*disk && store_has_release(s, product, disk) &&
	    history_release(s->h, disk, &r) == 1 && !strcmp(r.product, product)) {
		bool back = known_seq && r.seq < known_seq;

		if (!strcmp(r.state, "staging") && record_found_complete(s, product, disk) < 0)
			return -1;
		warn("%s: current is %s, the history said %s: recorded as found%s", product, disk,
		     *known ? known : "nothing", back ? ", and the release it left as bad" : "");
		if (repaired)
			++*repaired;
		return record_repair(s, product, known, disk, back);
	}
	/* a current that names no complete release: put back the history's */
	if (*known && store_has_release(s, product, known)) {
		double ms;

		warn("%s: current is %s, which is not a complete release: back to %s", product,
		     *disk ? disk : "missing", known);
		if (repaired)
			++*repaired;
		return store_activate(s, product, known, NULL, NULL, NULL, 0, &ms);
	}
	if (*disk)
		return error_as(FAULT_ENV, "%s: current is %s, which the history does not know "
				"(relgate fsck)", product, disk);
	return 0;
}

int store_lock(struct store *s, const char *product, struct lock *l)
{
	char *dir = product_dir(s, product), *path;
	int ret = 0;

	path = xasprintf("%s/releases", dir);
	if (make_dirs(path) < 0) {
		ret = error_as(FAULT_ENV, "cannot make %s:", path);
	} else {
		free(path);
		path = xasprintf("%s/.lock", dir);
		if (lock_take(l, path, true) < 0)
			ret = error_as(FAULT_ENV, "cannot lock %s:", path);
	}
	free(path);
	free(dir);
	if (ret == 0 && reconcile(s, product, NULL) < 0) {
		lock_drop(l);
		return -1;
	}
	return ret;
}

/* ---- activation ---- */

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

/* current -> releases/id, by rename(2) of a fresh link; durable when it returns. */
static int swap_current(struct store *s, const char *product, const char *id)
{
	char *dir = product_dir(s, product);
	char *tmp = xasprintf("%s/.current.new", dir), *cur = xasprintf("%s/current", dir);
	char *target = xasprintf("releases/%s", id);
	int ret = 0;

	unlink(tmp);
	if (symlink(target, tmp) < 0 || rename(tmp, cur) < 0 || fsync_path(dir) < 0)
		ret = error_as(FAULT_ENV, "cannot point %s at %s:", cur, target);
	unlink(tmp);
	free(dir);
	free(tmp);
	free(cur);
	free(target);
	return ret;
}

struct hook_call {
	struct store *s;
	const struct activation_record *a;
};

static int call_hook(struct history *h, void *data)
{
	struct hook_call *c = data;

	(void)h;
	return c->s->on_activate(c->s, c->a, c->s->on_activate_data);
}

int store_activate(struct store *s, const char *product, const char *id, const char *expect,
		   const char *kind, const char *reason, unsigned flags, double *switch_ms)
{
	struct activation_record a = {product, NULL, id, kind, reason, s->user, s->host, NULL, 0, 0};
	char active[RELEASE_ID_MAX], at[32];
	double t0;

	if (!store_has_release(s, product, id))
		return error_as(FAULT_INPUT, "%s has no complete release %s", product, id);
	if (history_begin(s->h) < 0)
		return -1;
	if (history_active(s->h, product, active) < 0)
		goto fail;
	if (expect && strcmp(expect, active)) {
		error_as(FAULT_REFUSED, "%s: the active release is %s, not %s: another activation "
			 "came first (nothing changed)", product, *active ? active : "none", expect);
		goto fail;
	}
	t0 = now_ms();
	if (swap_current(s, product, id) < 0)
		goto fail;
	*switch_ms = now_ms() - t0;
	if (!kind) {   /* the disk put back as the history had it: nothing new to record */
		history_abort(s->h);
		return 0;
	}
	a.from = active;
	now_iso(at, sizeof(at), &a.at_ms);
	a.at = at;
	a.switch_us = (int64_t)(*switch_ms * 1000);
	/* one commit, one write to the disk, for all of it (the hook's too) */
	if (history_record_activation(s->h, &a) < 0 ||
	    (flags & ACTIVATE_ABANDON && *active &&
	     history_mark_bad(s->h, active, reason ? reason : "rolled back") < 0) ||
	    (flags & ACTIVATE_REVIVE && history_mark_good(s->h, id) < 0))
		goto fail;
	if (s->on_activate) {
		struct hook_call call = {s, &a};

		if (history_try(s->h, call_hook, &call) < 0)
			fault_clear();   /* said by the hook; the activation stands */
	}
	if (history_commit(s->h) < 0)
		goto fail;
	return 0;
fail:
	history_abort(s->h);
	return -1;
}

/* ---- making a release ---- */

/* Remove a tree relgate made (read-only folders included); errors are not news. */
static void remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);
	if ((d = opendir(path))) {
		while ((de = readdir(d))) {
			char *sub;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			sub = xasprintf("%s/%s", path, de->d_name);
			remove_tree(sub);
			free(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* Make the folders of rel under top, each once (mode 0755 until the release is sealed). */
static int make_folders(const char *top, const char *rel)
{
	char *path = xasprintf("%s/%s", top, rel), *p = path + strlen(top) + 1;
	int ret = 0;

	while ((p = strchr(p, '/'))) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			ret = -1;
			break;
		}
		*p++ = '/';
	}
	free(path);
	return ret;
}

/*
 * Copy src to dst, hashing what is copied: the artifact must not change
 * between the scan and the copy (a build still writing it).
 */
static int copy_file(const char *src, const char *dst, const struct artifact_entry *e)
{
	static unsigned char chunk[COPY_CHUNK];
	int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, ret = -1;
	unsigned char sha[ARTIFACT_SHA_SIZE];
	uint64_t size = 0;
	ssize_t n;
	artifact_hasher hs;

	if (in < 0)
		return error_as(FAULT_ENV, "cannot read %s:", src);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		   e->mode == ARTIFACT_MODE_EXEC ? 0555 : 0444);
	if (out < 0) {
		error_as(FAULT_ENV, "cannot write %s:", dst);
		goto out;
	}
	artifact_hasher_init(&hs);
	while ((n = read(in, chunk, sizeof(chunk))) != 0) {
		ssize_t done = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			error_as(FAULT_ENV, "cannot read %s:", src);
			goto out;
		}
		artifact_hasher_add(&hs, chunk, (size_t)n);
		size += (uint64_t)n;
		while (done < n) {
			ssize_t w = write(out, chunk + done, (size_t)(n - done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				error_as(FAULT_ENV, "cannot write %s:", dst);
				goto out;
			}
			done += w;
		}
	}
	artifact_hasher_done(&hs, sha);
	if (size != e->size || memcmp(sha, e->sha, sizeof(sha))) {
		error_as(FAULT_INPUT, "%s changed while it was being released (is a build still "
			 "writing the artifact?)", src);
		goto out;
	}
	ret = 0;
out:
	if (out >= 0 && close(out) < 0 && ret == 0)
		ret = error_as(FAULT_ENV, "cannot write %s:", dst);
	close(in);
	return ret;
}

/* The largest page the snippet goes into; a larger one is stored as built, with a warning. */
#define PAGE_MAX ((size_t)64 << 20)

/*
 * The page src, checked against the scan's e, with tags put in, written to
 * dst; its new size and hash into out.  1 when the page is too large to
 * read and was left as built, 0, or -1 after an error.
 */
static int copy_page(const char *src, const char *dst, const struct artifact_entry *e,
		     const struct buf *tags, struct artifact_entry *out)
{
	struct buf page = BUF_INIT, done = BUF_INIT;
	unsigned char sha[ARTIFACT_SHA_SIZE];
	artifact_hasher hs;
	int fd, ret = -1;

	if (e->size > PAGE_MAX) {
		warn("%s: %llu bytes, too large for the snippet: stored as built", src,
		     (unsigned long long)e->size);
		return 1;
	}
	if (read_file(src, &page, PAGE_MAX + 1) < 0)
		return error_as(errno == EFBIG ? FAULT_INPUT : FAULT_ENV, errno == EFBIG ?
				"%s changed while it was being released (is a build still writing "
				"the artifact?)" : "cannot read %s:", src);
	artifact_hasher_init(&hs);
	artifact_hasher_add(&hs, page.data, page.len);
	artifact_hasher_done(&hs, sha);
	if (page.len != e->size || memcmp(sha, e->sha, sizeof(sha))) {
		error_as(FAULT_INPUT, "%s changed while it was being released (is a build still "
			 "writing the artifact?)", src);
		goto out;
	}
	snippet_inject(page.data, page.len, tags->data, tags->len, &done);
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		  e->mode == ARTIFACT_MODE_EXEC ? 0555 : 0444);
	if (fd < 0) {
		error_as(FAULT_ENV, "cannot write %s:", dst);
		goto out;
	}
	if (write_all(fd, done.data, done.len) < 0) {
		error_as(FAULT_ENV, "cannot write %s:", dst);
		close(fd);
		goto out;
	}
	if (close(fd) < 0) {
		error_as(FAULT_ENV, "cannot write %s:", dst);
		goto out;
	}
	artifact_hasher_init(&hs);
	artifact_hasher_add(&hs, done.data, done.len);
	artifact_hasher_done(&hs, out->sha);
	out->size = done.len;
	ret = 0;
out:
	buf_release(&page);
	buf_release(&done);
	return ret;
}

/* A file of an earlier release with the same content and mode, to link to: path or NULL. */
struct earlier {
	char id[RELEASE_ID_MAX];
	struct artifact a;
	struct strmap by_sha;
	bool loaded;
};

static void earlier_load(struct store *s, const char *product, const char *id, struct earlier *e)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	if (!*id || store_manifest(s, product, id, &e->a) < 0) {
		fault_clear();
		return;
	}
	snprintf(e->id, sizeof(e->id), "%s", id);
	strmap_init(&e->by_sha, e->a.n);
	for (i = 0; i < e->a.n; i++)
		if (e->a.v[i].mode != ARTIFACT_MODE_LINK)
			strmap_put(&e->by_sha, (const char *)e->a.v[i].sha, ARTIFACT_SHA_SIZE)->value =
				&e->a.v[i];
	e->loaded = true;
}

static const struct artifact_entry *earlier_find(const struct earlier *e,
						 const struct artifact_entry *want)
{
	const struct artifact_entry *same;

	if (!e->loaded)
		return NULL;
	same = strmap_get(&e->by_sha, (const char *)want->sha, ARTIFACT_SHA_SIZE);
	return same && same->mode == want->mode && same->size == want->size ? same : NULL;
}

static void earlier_release(struct earlier *e)
{
	if (!e->loaded)
		return;
	artifact_release(&e->a);
	strmap_free(&e->by_sha);
}

/* Folders of the staged release read-only, deepest first (the top stays writable to be renamed). */
static int seal_folders(const char *top, const struct artifact *a)
{
	size_t i = a->n;

	while (i--) {
		char *path = xasprintf("%s/%s", top, a->v[i].path), *slash;

		while ((slash = strrchr(path, '/')) && (size_t)(slash - path) > strlen(top)) {
			*slash = '\0';
			if (chmod(path, 0555) < 0) {
				free(path);
				return -1;
			}
		}
		free(path);
	}
	return 0;
}

/*
 * Copy the artifact into dir, linking what an earlier release holds and
 * putting tags (when not NULL) into every page; stored gets the sizes and
 * hashes of what was written.
 */
static int stage(struct store *s, const struct release_req *req, const char *dir,
		 const struct earlier *prev, const struct buf *tags, struct artifact *stored,
		 struct release_done *done)
{
	const struct artifact *a = req->art;
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct artifact_entry *e = &a->v[i], *same;
		char *src = xasprintf("%s/%s", req->from, e->path);
		char *dst = xasprintf("%s/%s", dir, e->path);
		int ret = 0;

		if (make_folders(dir, e->path) < 0) {
			ret = error_as(FAULT_ENV, "cannot make the folders of %s:", dst);
		} else if (e->mode == ARTIFACT_MODE_LINK) {
			char target[4096];
			unsigned char sha[ARTIFACT_SHA_SIZE];
			artifact_hasher hs;
			ssize_t n = readlink(src, target, sizeof(target) - 1);

			if (n >= 0) {
				artifact_hasher_init(&hs);
				artifact_hasher_add(&hs, target, (size_t)n);
				artifact_hasher_done(&hs, sha);
			}
			/* the target the scan checked, not one a build wrote since */
			if (n >= 0 && ((uint64_t)n != e->size || memcmp(sha, e->sha, sizeof(sha))))
				ret = error_as(FAULT_INPUT, "%s changed while it was being released (is a "
					       "build still writing the artifact?)", src);
			else if (n < 0 || (target[n] = '\0', symlink(target, dst) < 0))
				ret = error_as(FAULT_ENV, "cannot copy the link %s:", src);
		} else if (tags && snippet_is_page(e->path) &&
			   (ret = copy_page(src, dst, e, tags, &stored->v[i])) != 1) {
			/* a page differs in every release (its id is in it): never linked */
			done->new_bytes += ret == 0 ? (int64_t)stored->v[i].size : 0;
			done->pages += ret == 0;
		} else if ((ret = 0, same = earlier_find(prev, e))) {
			/* (a page too large for the snippet is stored as built, like any file) */
			char *from = xasprintf("%s/%s/releases/%s/%s", s->root, req->product, prev->id,
					       same->path);

			/* the same bytes: one more name for them, unless the file system says no */
			if (link(from, dst) == 0) {
				done->linked++;
			} else {
				ret = copy_file(src, dst, e);
				done->new_bytes += (int64_t)e->size;
			}
			free(from);
		} else {
			ret = copy_file(src, dst, e);
			done->new_bytes += (int64_t)e->size;
		}
		free(src);
		free(dst);
		if (ret < 0)
			return -1;
	}
	done->files = (int64_t)a->n;
	return 0;
}

/* Release ids gathered from the history, to act on once the query is done. */
struct ids {
	char (*v)[RELEASE_ID_MAX];
	size_t n, cap;
};

static void ids_add(struct ids *l, const char *id)
{
	GROW(l->v, l->n + 1, l->cap);
	memcpy(l->v[l->n++], id, RELEASE_ID_MAX);
}

/* Prune the oldest complete releases beyond keep, never the active or the last good one. */
struct prune {
	char active[RELEASE_ID_MAX], good[RELEASE_ID_MAX];
	int keep, seen;
	struct ids ids;
};

static int collect_prunable(const struct release_record *r, void *data)
{
	struct prune *p = data;

	if (strcmp(r->state, "complete"))
		return 0;
	if (++p->seen <= p->keep || !strcmp(r->id, p->active) || !strcmp(r->id, p->good))
		return 0;
	ids_add(&p->ids, r->id);
	return 0;
}

static int prune(struct store *s, const char *product, int keep)
{
	struct prune p = {"", "", keep, 0, {NULL, 0, 0}};
	size_t i;
	int pruned = 0;

	if (history_active(s->h, product, p.active) < 0 ||
	    history_last_good(s->h, product, p.good) < 0 ||
	    history_releases(s->h, product, 0, collect_prunable, &p) < 0) {
		free(p.ids.v);
		return -1;
	}
	for (i = 0; i < p.ids.n; i++) {
		char *dir = xasprintf("%s/%s/releases/%s", s->root, product, p.ids.v[i]);
		char *man = xasprintf("%s.manifest", dir);

		/* the manifest first: a half-removed release is no longer complete */
		if (unlink(man) == 0 || errno == ENOENT) {
			char *built = xasprintf("%s.built", dir);

			remove_tree(dir);
			unlink(built);
			free(built);
			note(s, history_record_release_pruned, p.ids.v[i]);
			pruned++;
		}
		free(dir);
		free(man);
	}
	free(p.ids.v);
	return pruned;
}

int store_release(struct store *s, const struct release_req *req, struct release_done *done)
{
	struct release_record r = {0};
	struct earlier prev;
	struct artifact stored;
	struct buf tags = BUF_INIT;
	char hex[ARTIFACT_DIGEST_HEX], stored_hex[ARTIFACT_DIGEST_HEX], at[32];
	char *pdir = product_dir(s, req->product), *staging = NULL, *dir = NULL, *man = NULL;
	char *final = NULL, *final_man = NULL, *releases = NULL, *built = NULL, *final_built = NULL;
	bool changed;
	double t0 = now_ms();
	int fd, ret = -1;

	memset(done, 0, sizeof(*done));
	artifact_copy(&stored, req->art);
	artifact_hex(req->art->digest, hex);
	if (history_active(s->h, req->product, done->from) < 0)
		goto out_nohist;
	now_iso(at, sizeof(at), &r.created_ms);
	r.product = req->product;
	r.digest = hex;
	r.commit = req->commit;
	r.dirty = req->dirty;
	r.user = s->user;
	r.host = s->host;
	r.created = at;
	r.reason = req->reason;
	r.forced = req->forced;
	r.gate = req->gate;
	if (history_begin(s->h) < 0)
		goto out_nohist;
	if (history_record_release_start(s->h, &r) < 0 || history_commit(s->h) < 0) {
		history_abort(s->h);
		goto out_nohist;
	}
	memcpy(done->id, r.id, sizeof(done->id));

	staging = xasprintf("%s/.staging", pdir);
	dir = xasprintf("%s/%s", staging, r.id);
	man = xasprintf("%s.manifest", dir);
	built = xasprintf("%s.built", dir);
	releases = xasprintf("%s/releases", pdir);
	final = xasprintf("%s/%s", releases, r.id);
	final_man = xasprintf("%s.manifest", final);
	final_built = xasprintf("%s.built", final);
	remove_tree(dir);
	unlink(man);
	unlink(built);
	if (req->snippet) {
		struct snippet_page page = *req->snippet;

		page.release = r.id;
		snippet_tags(&tags, &page);
	}
	if ((mkdir(staging, 0755) < 0 && errno != EEXIST) || mkdir(dir, 0755) < 0) {
		error_as(FAULT_ENV, "cannot make %s:", dir);
		goto out;
	}
	earlier_load(s, req->product, done->from, &prev);
	ret = stage(s, req, dir, &prev, req->snippet ? &tags : NULL, &stored, done);
	earlier_release(&prev);
	if (ret < 0)
		goto out;
	ret = -1;
	/*
	 * The manifest of what is stored (fsck checks it); beside it, when the
	 * snippet changed a page, the one of the artifact as built.
	 */
	if (done->pages)
		artifact_remake(&stored);   /* else stored is the scan's copy, manifest and digest too */
	artifact_hex(stored.digest, stored_hex);
	memcpy(done->stored_digest, stored_hex, sizeof(stored_hex));
	changed = memcmp(stored.digest, req->art->digest, sizeof(stored.digest)) != 0;
	if (changed && (write_file_atomic(built, req->art->manifest.data,
					  req->art->manifest.len) < 0 || chmod(built, 0444) < 0)) {
		error_as(FAULT_ENV, "cannot write %s:", built);
		goto out;
	}
	if (write_file_atomic(man, stored.manifest.data, stored.manifest.len) < 0 ||
	    chmod(man, 0444) < 0) {
		error_as(FAULT_ENV, "cannot write %s:", man);
		goto out;
	}
	if (seal_folders(dir, req->art) < 0) {
		error_as(FAULT_ENV, "cannot make the folders of %s read-only:", dir);
		goto out;
	}
	/* every file and folder of the release on the disk, in one call for the file system */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0) {
		error_as(FAULT_ENV, "cannot write %s to the disk:", dir);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	/*
	 * The folder, read-only now that it is in place, then the manifest that
	 * makes it complete, then the folder's entries to the disk.
	 */
	if (rename(dir, final) < 0) {
		error_as(FAULT_ENV, "cannot move %s into %s:", dir, releases);
		goto out;
	}
	if (chmod(final, 0555) < 0 || fsync_path(final) < 0)
		warn("cannot make %s read-only: %s", final, strerror(errno));
	if (changed && rename(built, final_built) < 0) {
		error_as(FAULT_ENV, "cannot move %s into %s:", built, releases);
		chmod(final, 0755);
		rename(final, dir);
		goto out;
	}
	if (rename(man, final_man) < 0) {
		error_as(FAULT_ENV, "cannot move %s into %s:", man, releases);
		chmod(final, 0755);
		rename(final, dir);
		goto out;
	}
	if (fsync_path(releases) < 0) {
		/* complete, but maybe not on the disk: not activated; fsck records it */
		error_as(FAULT_ENV, "cannot write %s to the disk:", releases);
		goto out;
	}
	r.stored_digest = stored_hex;
	r.files = done->files;
	r.bytes = (int64_t)stored.bytes;
	r.new_bytes = done->new_bytes;
	if (history_begin(s->h) < 0 || history_record_release_complete(s->h, &r) < 0 ||
	    history_commit(s->h) < 0) {
		history_abort(s->h);
		goto out;   /* complete on the disk, "staging" in the history: fsck records it */
	}
	if (req->activate) {
		if (store_activate(s, req->product, r.id, done->from, "release", req->reason, 0,
				   &done->switch_ms) < 0)
			goto out;
		done->activated = true;
	}
	if (req->keep > 0) {
		done->pruned = prune(s, req->product, req->keep);
		if (done->pruned < 0) {
			warn("%s: old releases not pruned", req->product);
			fault_clear();
			done->pruned = 0;
		}
	}
	ret = 0;
out:
	if (ret < 0 && dir) {
		/* nothing of an unfinished release stays: the staging goes, the history says so */
		int saved = fault_last();

		remove_tree(dir);
		unlink(man);
		unlink(built);
		if (!store_has_release(s, req->product, r.id)) {
			unlink(final_built);
			note(s, history_record_release_abandoned, r.id);
		}
		fault((enum fault)saved);
	}
out_nohist:
	done->ms = now_ms() - t0;
	artifact_release(&stored);
	buf_release(&tags);
	free(pdir);
	free(staging);
	free(dir);
	free(man);
	free(built);
	free(final_built);
	free(final);
	free(final_man);
	free(releases);
	return ret;
}

/* ---- fsck ---- */

struct verify {
	const char *dir, *id;
};

static void say_difference(const struct artifact_entry *want, const struct artifact_entry *have,
			   void *data)
{
	const struct verify *v = data;

	if (!have)
		error("%s/%s: missing from release %s", v->dir, want->path, v->id);
	else if (!want)
		error("%s/%s: not in release %s's manifest", v->dir, have->path, v->id);
	else
		error("%s/%s: changed since release %s was made", v->dir, want->path, v->id);
}

/* Check release id against its manifest: the number of differences (each reported). */
static int verify_release(struct store *s, const char *product, const char *id)
{
	char *dir = xasprintf("%s/%s/releases/%s", s->root, product, id);
	struct verify v = {dir, id};
	struct artifact want, have;
	int bad = 1;

	if (store_manifest(s, product, id, &want) == 0) {
		if (artifact_scan(dir, &have) == 0) {
			bad = (int)artifact_diff(&want, &have, say_difference, &v, NULL);
			artifact_release(&have);
		}
		artifact_release(&want);
	}
	free(dir);
	return bad;
}

static int collect_staging(const struct release_record *r, void *data)
{
	if (!strcmp(r->state, "staging"))
		ids_add(data, r->id);
	return 0;
}

int store_fsck(struct store *s, const char *product, int *repaired)
{
	char *pdir = product_dir(s, product), *staging = xasprintf("%s/.staging", pdir);
	char *releases = xasprintf("%s/releases", pdir);
	char current[RELEASE_ID_MAX];
	struct dirent *de;
	int damage = 0;
	DIR *d;

	/* unfinished work */
	if ((d = opendir(staging))) {
		while ((de = readdir(d))) {
			char *path, id[RELEASE_ID_MAX];
			struct release_record r;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			/* a release's folder or manifest, or a write_file_atomic() cut short */
			path = xasprintf("%s/%s", staging, de->d_name);
			remove_tree(path);
			free(path);
			snprintf(id, sizeof(id), "%.*s", (int)strcspn(de->d_name, "."), de->d_name);
			if (history_release(s->h, id, &r) == 1 && !strcmp(r.state, "staging") &&
			    !store_has_release(s, product, id))
				note(s, history_record_release_abandoned, id);
			++*repaired;
		}
		closedir(d);
	}
	/* releases: complete ones checked, a folder without its manifest is unfinished */
	if (store_current(s, product, current) < 0) {
		damage++;
		current[0] = '\0';
	}
	if ((d = opendir(releases))) {
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);

			if (de->d_name[0] == '.')
				continue;
			if (n > 6 && !strcmp(de->d_name + n - 6, ".built")) {
				char id[RELEASE_ID_MAX];

				/* beside a complete release, or what an interrupted one left */
				snprintf(id, sizeof(id), "%.*s", (int)(n - 6), de->d_name);
				if (!store_has_release(s, product, id)) {
					char *path = xasprintf("%s/%s", releases, de->d_name);
					char *folder = xasprintf("%s/%s", releases, id);
					struct stat st;

					/* a folder without its manifest yet is unfinished: it goes below */
					if (stat(folder, &st) < 0 && unlink(path) == 0)
						++*repaired;
					free(path);
					free(folder);
				}
				continue;
			}
			if (n > 9 && !strcmp(de->d_name + n - 9, ".manifest")) {
				char id[RELEASE_ID_MAX];

				snprintf(id, sizeof(id), "%.*s", (int)(n - 9), de->d_name);
				if (!store_has_release(s, product, id)) {
					char *path = xasprintf("%s/%s", releases, de->d_name);

					/* what an interrupted release or prune left: not served */
					if (strcmp(id, current) && unlink(path) == 0) {
						++*repaired;
					} else {
						error("%s: a manifest without its release", path);
						damage++;
					}
					free(path);
				}
				continue;
			}
			if (!store_has_release(s, product, de->d_name)) {
				char *path = xasprintf("%s/%s", releases, de->d_name);

				if (!strcmp(de->d_name, current)) {
					error("%s: current names it, but it has no manifest", path);
					damage++;
				} else {
					char *built = xasprintf("%s.built", path);

					remove_tree(path);
					unlink(built);
					free(built);
					++*repaired;
				}
				free(path);
				continue;
			}
			damage += verify_release(s, product, de->d_name);
		}
		closedir(d);
	}
	/* under the lock no release is being made: a release still "staging" was interrupted */
	{
		struct ids st = {NULL, 0, 0};
		size_t i;

		if (history_releases(s->h, product, 0, collect_staging, &st) == 0)
			for (i = 0; i < st.n; i++) {
				if (store_has_release(s, product, st.v[i]))
					record_found_complete(s, product, st.v[i]);
				else
					note(s, history_record_release_abandoned, st.v[i]);
				++*repaired;
			}
		free(st.v);
	}
	fault_clear();
	if (reconcile(s, product, repaired) < 0)
		damage++;
	free(pdir);
	free(staging);
	free(releases);
	return damage;
}
