/*
 * server: relgate serve's HTTP side.  See server.h for the shape; here:
 *
 * - a request's state (struct req) lives from libmicrohttpd's first call
 *   to its "completed" notice; one that needs the loop is suspended, put on
 *   the queue, and resumed by the loop once its answer is made;
 * - the queue is bounded (QUEUE_MAX): a full one is answered 503 and
 *   counted, never grown;
 * - the rate limit is a token bucket per client key, in a fixed table;
 * - a client is a keyed hash of its address and User-Agent, with a key
 *   drawn at random each UTC day and never written down: an address is
 *   never stored, and yesterday's hashes cannot be joined with today's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/httpd.h"
#include "lib/jsonw.h"
#include "release/store.h"
#include "serve/beacon.h"
#include "serve/page.h"
#include "serve/route.h"
#include "serve/server.h"

#define QUEUE_MAX 8192
#define BATCH_MAX 256
#define ADMIN_BODY_MAX 4096
#define RATE_SLOTS 4096
#define RATE_BURST 20.0        /* beacons a client may send at once */
#define RATE_PER_S 2.0         /* and then per second */
#define CLIENT_HEX 33

static const char *const route_names[R_COUNT] = {
	"beacon", "static", "status", "api_status", "api_rollback", "healthz", "metrics", "other",
};
static const int codes[] = {200, 204, 301, 304, 400, 401, 403, 404, 405, 409, 413, 429, 500, 503};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

enum drop { D_INVALID, D_TOO_LARGE, D_RATE, D_QUEUE, D_UNKNOWN, D_STORE, D_COUNT };
static const char *const drop_names[D_COUNT] = {
	"invalid", "too_large", "rate_limited", "queue_full", "unknown_release", "store_error",
};

struct req {
	struct server *srv;
	struct MHD_Connection *conn;
	enum route route;
	struct buf body;
	bool too_large, queued, answered;
	char client[CLIENT_HEX];
	char *origin;              /* to allow in the answer (CORS), or NULL */
	struct beacon b;
	char *normalized, *frame;  /* its fingerprint's parts, made on libmicrohttpd's thread */
	char fp[BEACON_FP_HEX];
	/* the loop's answer */
	int status;
	char *answer;
	size_t answer_len;
	const char *answer_type;
	struct req *next;
};

struct rate_slot {
	char key[CLIENT_HEX];
	double tokens, at_ms;
};

/*
 * A file of an active release, answered before: its response (a file
 * response libmicrohttpd may queue on many connections at once), kept
 * while the same release is active.  Releases never change, so a
 * response made once is right for as long as its release is the one
 * current names.  Direct-mapped: a new entry replaces the one in its slot.
 */
#define ANSWER_SLOTS 256
struct kept_answer {
	char *key;                 /* "product/release/path", release the active one */
	struct MHD_Response *resp;
	char etag[64];
	const char *cache_control;
	char release[RELEASE_ID_MAX];   /* the release it came from (an older one for a hashed asset) */
};

struct server {
	struct serve_opts o;
	struct MHD_Daemon *mhd;
	int port;
	struct strlist products;   /* relgate.json's, then the history's */

	pthread_mutex_t lock;      /* the queue, the rate table and the day key */
	struct req *head, **tail;
	size_t queued;
	struct rate_slot *rate;
	struct hmac_sha256_ctx day_hmac;   /* keyed with the day's key */
	int64_t day;

	/* the loop's own */
	struct req **batch;
	size_t nbatch;
	bool stopping;
	struct strmap known;       /* "product/release" that exist */

	pthread_mutex_t answers_lock;
	struct kept_answer answers[ANSWER_SLOTS];

	atomic_uint_fast64_t requests[R_COUNT][NCODES];
	atomic_uint_fast64_t accepted, dropped[D_COUNT], rollbacks, batches;
};

/* ---- answers ---- */

static void count(struct server *s, enum route r, unsigned status)
{
	size_t i;

	for (i = 0; i < NCODES; i++)
		if ((unsigned)codes[i] == status) {
			atomic_fetch_add(&s->requests[r][i], 1);
			return;
		}
}

static enum MHD_Result answer(struct req *q, unsigned status, const char *type, char *body,
			      size_t len, bool owned)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	resp = MHD_create_response_from_buffer(len, body, owned ? MHD_RESPMEM_MUST_FREE :
					       MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	if (type)
		MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (q->origin) {
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", q->origin);
		MHD_add_response_header(resp, "Vary", "Origin");
	}
	if (q->route == R_STATUS)
		MHD_add_response_header(resp, "Content-Security-Policy", PAGE_CSP);
	if (q->route != R_STATIC)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	r = MHD_queue_response(q->conn, status, resp);
	MHD_destroy_response(resp);
	count(q->srv, q->route, status);
	q->answered = true;
	return r;
}

static enum MHD_Result answer_text(struct req *q, unsigned status, const char *text)
{
	return answer(q, status, "text/plain; charset=utf-8", (char *)text, strlen(text), false);
}

/* ---- clients ---- */

static void client_key(struct server *s, struct MHD_Connection *c, char out[CLIENT_HEX])
{
	static const char hex[] = "0123456789abcdef";
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	char addr[INET6_ADDRSTRLEN + 1] = "";
	struct hmac_sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];
	int64_t day = wall_ms() / 86400000;
	size_t i;

	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof(addr));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
				  sizeof(addr));
	}
	/* behind a proxy relgate.json trusts, the client is the last hop it did not add */
	if (xff && *addr && strlist_has(&s->o.cfg->trusted_proxies, addr)) {
		char hops[1024], *end;

		snprintf(hops, sizeof(hops), "%s", xff);
		while (strlist_has(&s->o.cfg->trusted_proxies, addr) && *hops) {
			char *start;

			end = hops + strlen(hops);
			while (end > hops && (end[-1] == ' ' || end[-1] == ','))
				*--end = '\0';
			if (end == hops)
				break;
			start = strrchr(hops, ',');
			start = start ? start + 1 : hops;
			while (*start == ' ')
				start++;
			snprintf(addr, sizeof(addr), "%s", start);
			*start = '\0';
		}
	}
	pthread_mutex_lock(&s->lock);
	if (day != s->day) {
		uint8_t key[32];

		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
			BUG("getrandom failed");
		/* the key's pads computed once a day; the key itself is not kept */
		hmac_sha256_set_key(&s->day_hmac, sizeof(key), key);
		explicit_bzero(key, sizeof(key));
		s->day = day;
	}
	h = s->day_hmac;
	pthread_mutex_unlock(&s->lock);
	hmac_sha256_update(&h, strlen(addr) + 1, (const uint8_t *)addr);
	if (ua)
		hmac_sha256_update(&h, strlen(ua), (const uint8_t *)ua);
	hmac_sha256_digest(&h, sizeof(d), d);
	for (i = 0; i < (CLIENT_HEX - 1) / 2; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[CLIENT_HEX - 1] = '\0';
}

/* A token for the client's beacon: false when it has none left. */
static bool rate_take(struct server *s, const char *key)
{
	uint32_t hsh = hash_bytes(key, strlen(key));
	struct rate_slot *slot = &s->rate[hsh % RATE_SLOTS];
	double now = now_ms();
	bool ok;

	pthread_mutex_lock(&s->lock);
	/* a slot another client held is taken over: at worst a client is refilled early */
	if (strcmp(slot->key, key)) {
		snprintf(slot->key, sizeof(slot->key), "%s", key);
		slot->tokens = RATE_BURST;
		slot->at_ms = now;
	}
	slot->tokens += (now - slot->at_ms) / 1000.0 * RATE_PER_S;
	if (slot->tokens > RATE_BURST)
		slot->tokens = RATE_BURST;
	slot->at_ms = now;
	ok = slot->tokens >= 1.0;
	if (ok)
		slot->tokens -= 1.0;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

/* The origin to allow, when the request's Origin may post beacons: NULL when not. */
static char *allowed_origin(struct server *s, struct MHD_Connection *c, bool *refused)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *p;
	size_t i;

	*refused = false;
	if (!origin)
		return NULL;     /* not from a browser's cross-origin request: nothing to allow */
	p = strstr(origin, "://");
	if (host && p && !strcmp(p + 3, host))
		return xstrdup(origin);   /* the pages relgate serves itself */
	if (strlist_has(&s->o.cfg->allowed_origins, origin))
		return xstrdup(origin);
	for (i = 0; i < s->o.cfg->nproducts; i++) {
		const char *url = s->o.cfg->products[i].url;
		size_t n = strlen(origin);

		if (url && !strncmp(url, origin, n) && (url[n] == '/' || !url[n]))
			return xstrdup(origin);
	}
	*refused = true;
	return NULL;
}

/* ---- the queue to the loop ---- */

static bool enqueue(struct server *s, struct req *q)
{
	bool first;

	pthread_mutex_lock(&s->lock);
	if (s->queued >= QUEUE_MAX || s->stopping) {
		pthread_mutex_unlock(&s->lock);
		return false;
	}
	q->next = NULL;
	*s->tail = q;
	s->tail = &q->next;
	first = s->queued++ == 0;
	q->queued = true;
	MHD_suspend_connection(q->conn);
	pthread_mutex_unlock(&s->lock);
	/* the loop takes the whole queue when it wakes: one wake for all that came meanwhile */
	if (first)
		loop_wake(s->o.loop);
	return true;
}

static void resume(struct req *q, int status)
{
	q->status = status;
	MHD_resume_connection(q->conn);
}

/* ---- the batch of beacons ---- */

static int known_release(struct server *s, const char *product, const char *release)
{
	char key[160];
	int ret;

	snprintf(key, sizeof(key), "%s/%s", product, release);
	if (strmap_get(&s->known, key, strlen(key)))
		return 1;
	ret = history_release_exists(s->o.h, product, release);
	if (ret == 1 && s->known.count < 4096)
		strmap_put(&s->known, key, strlen(key))->value = (void *)1;
	return ret;
}

static void commit_batch(struct server *s)
{
	const struct event_record *group[BATCH_MAX];
	struct event_record ev[BATCH_MAX];
	bool done[BATCH_MAX] = {false};
	size_t i, j, k, n = s->nbatch;
	int64_t at = wall_ms();
	bool ok;
	const char *told[16];
	size_t ntold = 0;

	if (!n)
		return;
	ok = history_begin(s->o.h) == 0;
	for (i = 0; ok && i < n; i++) {
		struct req *q = s->batch[i];
		int known = known_release(s, q->b.product, q->b.release);

		if (known < 0) {
			ok = false;
			break;
		}
		q->status = known ? 204 : 400;
		done[i] = !known;
		ev[i] = (struct event_record){
			.product = q->b.product, .release = q->b.release, .kind = q->b.kind,
			.fingerprint = q->fp, .normalized = q->normalized, .frame = q->frame,
			.message = q->b.message, .stack = q->b.stack, .page = q->b.page,
			.client = q->client, .version = q->b.version, .at_ms = at,
		};
	}
	/* a batch's events of one group are written together: one lookup, one count */
	for (i = 0; ok && i < n; i++) {
		if (done[i])
			continue;
		for (j = i, k = 0; j < n; j++)
			if (!done[j] && !strcmp(ev[j].fingerprint, ev[i].fingerprint) &&
			    !strcmp(ev[j].release, ev[i].release) &&
			    !strcmp(ev[j].product, ev[i].product)) {
				group[k++] = &ev[j];
				done[j] = true;
			}
		ok = history_record_events(s->o.h, group, k) == 0;
	}
	if (ok && history_commit(s->o.h) < 0)
		ok = false;
	if (!ok) {
		history_abort(s->o.h);
		warn("the beacons of a batch could not be stored: answered 503");
	}
	atomic_fetch_add(&s->batches, 1);
	for (i = 0; i < n; i++) {
		struct req *q = s->batch[i];
		int status = ok ? q->status : 503;

		if (status == 204) {
			atomic_fetch_add(&s->accepted, 1);
			for (k = 0; k < ntold && strcmp(told[k], q->b.product); k++)
				;
			if (k == ntold && ntold < ARRAY_LEN(told))
				told[ntold++] = q->b.product;
		} else {
			atomic_fetch_add(&s->dropped[status == 400 ? D_UNKNOWN : D_STORE], 1);
		}
		q->status = status;
	}
	/* the watch looks before the answers go, while the beacons are still held */
	for (k = 0; k < ntold && s->o.hooks.committed; k++)
		s->o.hooks.committed(s->o.hooks.data, told[k]);
	for (i = 0; i < n; i++)
		resume(s->batch[i], s->batch[i]->status);
	s->nbatch = 0;
}

/* ---- admin work, in the loop ---- */

static void do_rollback(struct server *s, struct req *q)
{
	json_error_t err;
	json_t *root = json_loadb(q->body.data ? q->body.data : "", q->body.len, 0, &err);
	const char *product = NULL, *to = NULL, *reason = NULL;
	struct buf out = BUF_INIT;
	int status = 400;

	if (!root || !json_is_object(root) ||
	    !json_is_string(json_object_get(root, "product")) ||
	    (json_object_get(root, "to") && !json_is_string(json_object_get(root, "to"))) ||
	    (json_object_get(root, "reason") && !json_is_string(json_object_get(root, "reason")))) {
		buf_adds(&out, "{\"error\": \"the body must be {\\\"product\\\": NAME, \\\"to\\\"?: "
			       "RELEASE, \\\"reason\\\"?: TEXT}\"}\n");
	} else {
		product = json_string_value(json_object_get(root, "product"));
		if (json_object_get(root, "to"))
			to = json_string_value(json_object_get(root, "to"));
		if (json_object_get(root, "reason"))
			reason = json_string_value(json_object_get(root, "reason"));
		s->o.hooks.rollback(s->o.hooks.data, product, to, reason ? reason : "from the status page or API",
				    &status, &out);
	}
	json_decref(root);
	q->answer_type = "application/json";
	q->answer = buf_detach(&out, &q->answer_len);
	resume(q, status);
}

static void do_admin(struct server *s, struct req *q)
{
	struct buf out = BUF_INIT;
	int status = 200;

	switch (q->route) {
	case R_STATUS:
		status = page_status_html(s->o.h, s->products.v, s->products.n, s->o.cfg, &out);
		q->answer_type = "text/html; charset=utf-8";
		break;
	case R_API_STATUS:
		status = page_status_json(s->o.h, s->products.v, s->products.n, s->o.cfg, &out);
		q->answer_type = "application/json";
		break;
	case R_METRICS: {
		size_t r, i;
		int64_t depth;

		buf_adds(&out, "# TYPE relgate_requests_total counter\n");
		for (r = 0; r < R_COUNT; r++)
			for (i = 0; i < NCODES; i++)
				if (atomic_load(&s->requests[r][i]))
					buf_addf(&out, "relgate_requests_total{route=\"%s\",code=\"%d\"} %llu\n",
						 route_names[r], codes[i],
						 (unsigned long long)atomic_load(&s->requests[r][i]));
		buf_addf(&out, "# TYPE relgate_beacons_accepted_total counter\n"
			       "relgate_beacons_accepted_total %llu\n",
			 (unsigned long long)atomic_load(&s->accepted));
		buf_adds(&out, "# TYPE relgate_beacons_dropped_total counter\n");
		for (i = 0; i < D_COUNT; i++)
			buf_addf(&out, "relgate_beacons_dropped_total{reason=\"%s\"} %llu\n",
				 drop_names[i], (unsigned long long)atomic_load(&s->dropped[i]));
		pthread_mutex_lock(&s->lock);
		depth = (int64_t)s->queued;
		pthread_mutex_unlock(&s->lock);
		buf_addf(&out, "# TYPE relgate_queue_depth gauge\nrelgate_queue_depth %lld\n"
			       "# TYPE relgate_batches_total counter\nrelgate_batches_total %llu\n"
			       "# TYPE relgate_rollbacks_total counter\nrelgate_rollbacks_total %llu\n",
			 (long long)depth, (unsigned long long)atomic_load(&s->batches),
			 (unsigned long long)atomic_load(&s->rollbacks));
		status = page_metrics_events(s->o.h, &out);
		q->answer_type = "text/plain; version=0.0.4; charset=utf-8";
		break;
	}
	default:
		BUG("route %d is not the loop's", (int)q->route);
	}
	q->answer = buf_detach(&out, &q->answer_len);
	resume(q, status);
}

static void on_wake(struct loop *l, void *data)
{
	struct server *s = data;
	struct req *q, *next;

	pthread_mutex_lock(&s->lock);
	q = s->head;
	s->head = NULL;
	s->tail = &s->head;
	s->queued = 0;
	pthread_mutex_unlock(&s->lock);
	for (; q; q = next) {
		next = q->next;
		if (q->route == R_BEACON) {
			s->batch[s->nbatch++] = q;
			if (s->nbatch == BATCH_MAX)
				commit_batch(s);
		} else if (q->route == R_API_ROLLBACK) {
			commit_batch(s);
			do_rollback(s, q);
		} else {
			do_admin(s, q);
		}
	}
	/*
	 * Group commit: what came while the last batch was being written is
	 * the next batch, written at once.  Under load a batch grows by
	 * itself; with nothing else to wait for, no beacon waits for others.
	 */
	(void)l;
	commit_batch(s);
}

/* ---- static files: /p/<product>/<path> ---- */

/* A file name with a content hash in it ("app.3f9a1c2e.js", "index-B1x2y3z4.css"). */
static bool hashed_name(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *p;
	size_t run = 0, digits = 0;

	for (p = base ? base + 1 : path; ; p++) {
		bool word = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '_';

		if (word) {
			run++;
			digits += *p >= '0' && *p <= '9';
			continue;
		}
		if (run >= 8 && digits)
			return true;
		if (!*p)
			return false;
		run = digits = 0;
	}
}

static int cmp_desc(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t nx = strlen(x), ny = strlen(y);

	return nx != ny ? (nx < ny) - (nx > ny) : -strcmp(x, y);
}

/*
 * A hashed asset the active release lacks, from the newest kept release
 * that has it: a tab opened before a rollback asks for the old bundle.
 */
static int open_in_older(struct server *s, const char *product, const char *path, char *from,
			 size_t fromsize)
{
	char *dir = xasprintf("%s/%s/releases", s->o.store, product);
	DIR *d = opendir(dir);
	struct dirent *de;
	char **ids = NULL;
	size_t n = 0, cap = 0, i;
	int fd = -1;

	if (!d) {
		free(dir);
		return -1;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] == 'r' && !strchr(de->d_name, '.') && store_name_ok(de->d_name)) {
			if (n == cap)
				ids = xreallocarray(ids, cap = cap ? cap * 2 : 16, sizeof(*ids));
			ids[n++] = xstrdup(de->d_name);
		}
	closedir(d);
	qsort(ids, n, sizeof(*ids), cmp_desc);
	for (i = 0; i < n && fd < 0; i++) {
		char *rel = xasprintf("%s/%s", dir, ids[i]);
		int rfd = open(rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		free(rel);
		if (rfd < 0)
			continue;
		fd = httpd_open_beneath(rfd, path);
		close(rfd);
		if (fd >= 0)
			snprintf(from, fromsize, "%s", ids[i]);
	}
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(dir);
	return fd;
}

/* Open path in release of product.  *have_dir: the release's folder is there. */
static int open_in_release(struct server *s, const char *product, const char *release,
			   const char *path, bool *have_dir)
{
	char *dir = xasprintf("%s/%s/releases/%s", s->o.store, product, release);
	int fd, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	free(dir);
	if (dfd < 0)
		return -1;
	*have_dir = true;
	fd = httpd_open_beneath(dfd, path);
	close(dfd);
	return fd;
}

/* 304 for a client that has the file already: ETag and caching as the 200 would say. */
static enum MHD_Result not_modified(struct server *s, struct req *q, const char *etag,
				    const char *cache_control, const char *release)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result r;

	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Cache-Control", cache_control);
	MHD_add_response_header(resp, "X-Relgate-Release", release);
	count(s, q->route, 304);
	r = MHD_queue_response(q->conn, 304, resp);
	MHD_destroy_response(resp);
	return r;
}

static bool has_etag(struct req *q, const char *etag)
{
	const char *inm = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "If-None-Match");

	return inm && strstr(inm, etag);
}

/* Answer from a kept response: true with *r, false when key's is not kept. */
static bool answer_kept(struct server *s, struct req *q, const char *key, enum MHD_Result *r)
{
	struct kept_answer *k = &s->answers[hash_bytes(key, strlen(key)) % ANSWER_SLOTS];
	char etag[64], release[RELEASE_ID_MAX];
	const char *cache_control;

	pthread_mutex_lock(&s->answers_lock);
	if (!k->key || strcmp(k->key, key)) {
		pthread_mutex_unlock(&s->answers_lock);
		return false;
	}
	if (!has_etag(q, k->etag)) {
		/* queued under the lock: the slot's response cannot be replaced meanwhile */
		*r = MHD_queue_response(q->conn, 200, k->resp);
		pthread_mutex_unlock(&s->answers_lock);
		count(s, q->route, 200);
		return true;
	}
	memcpy(etag, k->etag, sizeof(etag));
	memcpy(release, k->release, sizeof(release));
	cache_control = k->cache_control;
	pthread_mutex_unlock(&s->answers_lock);
	*r = not_modified(s, q, etag, cache_control, release);
	return true;
}

/* Keep resp as key's answer (the slot's own reference). */
static void keep_answer(struct server *s, const char *key, struct MHD_Response *resp,
			const char *etag, const char *cache_control, const char *release)
{
	struct kept_answer *k = &s->answers[hash_bytes(key, strlen(key)) % ANSWER_SLOTS];
	struct MHD_Response *old = NULL;
	char *oldkey;

	pthread_mutex_lock(&s->answers_lock);
	oldkey = k->key;
	old = k->resp;
	k->key = xstrdup(key);
	k->resp = resp;
	snprintf(k->etag, sizeof(k->etag), "%s", etag);
	k->cache_control = cache_control;
	snprintf(k->release, sizeof(k->release), "%s", release);
	pthread_mutex_unlock(&s->answers_lock);
	free(oldkey);
	if (old)
		MHD_destroy_response(old);   /* freed once the connections that use it are done */
}

static enum MHD_Result serve_static(struct server *s, struct req *q, const char *url)
{
	char product[128], release[RELEASE_ID_MAX] = "", etag[64], *path, *cur, *key;
	const char *cache_control;
	struct MHD_Response *resp;
	struct stat st;
	enum MHD_Result r;
	bool have_dir = false;
	int fd = -1, status = route_static(url, s->o.cfg->serve_maps, product, sizeof(product), &path);
	ssize_t n;

	if (status == 301) {
		/* "/p/name": relative addresses in its page need the slash */
		char location[160];

		resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
		snprintf(location, sizeof(location), "/p/%s/", product);
		MHD_add_response_header(resp, "Location", location);
		r = MHD_queue_response(q->conn, 301, resp);
		MHD_destroy_response(resp);
		count(s, q->route, 301);
		return r;
	}
	if (status != 200)
		return answer_text(q, (unsigned)status, status == 403 ? "forbidden\n" : "not found\n");
	cur = xasprintf("%s/%s/current", s->o.store, product);
	/* current is read once: a rollback between two requests is seen by the second */
	{
		char target[256];

		n = readlink(cur, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			const char *id = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;

			if (strlen(id) < sizeof(release))
				memcpy(release, id, strlen(id) + 1);
		}
	}
	free(cur);
	if (!*release) {
		free(path);
		return answer_text(q, 404, "not found\n");
	}
	key = xasprintf("%s/%s/%s", product, release, path);
	if (answer_kept(s, q, key, &r)) {
		free(key);
		free(path);
		return r;
	}
	fd = open_in_release(s, product, release, path, &have_dir);
	if (fd < 0 && have_dir && hashed_name(path) && !ends_with(path, ".html"))
		fd = open_in_older(s, product, path, release, sizeof(release));
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		free(key);
		free(path);
		return answer_text(q, 404, "not found\n");
	}
	/* a file is never changed in place: its inode, size and time name its bytes */
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx\"", (unsigned long long)st.st_ino,
		 (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec);
	cache_control = hashed_name(path) && !ends_with(path, ".html") ?
			"public, max-age=31536000, immutable" : "no-cache";
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		free(key);
		free(path);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", httpd_content_type(path));
	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Cache-Control", cache_control);
	MHD_add_response_header(resp, "X-Relgate-Release", release);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (has_etag(q, etag)) {
		r = not_modified(s, q, etag, cache_control, release);
	} else {
		count(s, q->route, 200);
		r = MHD_queue_response(q->conn, 200, resp);
	}
	keep_answer(s, key, resp, etag, cache_control, release);
	free(key);
	free(path);
	return r;
}

/* ---- routing ---- */

/* Compare two secrets in time that depends on neither. */
static bool same_secret(const char *a, const char *b)
{
	uint8_t x[SHA256_DIGEST_SIZE], y[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;
	unsigned diff = 0;
	size_t i;

	sha256_init(&c);
	sha256_update(&c, strlen(a), (const uint8_t *)a);
	sha256_digest(&c, sizeof(x), x);
	sha256_init(&c);
	sha256_update(&c, strlen(b), (const uint8_t *)b);
	sha256_digest(&c, sizeof(y), y);
	for (i = 0; i < sizeof(x); i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

static bool authorized(struct server *s, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

	if (!s->o.token || !h || strncasecmp(h, "Bearer ", 7))
		return false;
	return same_secret(h + 7, s->o.token);
}

static enum MHD_Result on_beacon(struct server *s, struct req *q, const char *method)
{
	const char *why;

	if (!strcmp(method, "OPTIONS")) {
		struct MHD_Response *resp;
		enum MHD_Result r;

		if (!q->origin)
			return answer_text(q, 403, "origin not allowed\n");
		resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", q->origin);
		MHD_add_response_header(resp, "Access-Control-Allow-Methods", "POST");
		MHD_add_response_header(resp, "Access-Control-Allow-Headers", "Content-Type");
		MHD_add_response_header(resp, "Access-Control-Max-Age", "86400");
		MHD_add_response_header(resp, "Vary", "Origin");
		r = MHD_queue_response(q->conn, 204, resp);
		MHD_destroy_response(resp);
		count(s, q->route, 204);
		return r;
	}
	if (strcmp(method, "POST"))
		return answer_text(q, 405, "POST a beacon\n");
	if (q->too_large) {
		atomic_fetch_add(&s->dropped[D_TOO_LARGE], 1);
		return answer_text(q, 413, "a beacon is at most 16 KiB\n");
	}
	if (beacon_parse(q->body.data ? q->body.data : "", q->body.len, &q->b, &why) < 0) {
		char *msg = xasprintf("invalid beacon: %s\n", why);

		atomic_fetch_add(&s->dropped[D_INVALID], 1);
		return answer(q, 400, "text/plain; charset=utf-8", msg, strlen(msg), true);
	}
	client_key(s, q->conn, q->client);
	if (!rate_take(s, q->client)) {
		atomic_fetch_add(&s->dropped[D_RATE], 1);
		return answer_text(q, 429, "too many beacons\n");
	}
	/* the watch's own visits are not real users */
	{
		const char *ua = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "User-Agent");

		if (ua && strstr(ua, "relgate-probe"))
			return answer(q, 204, NULL, "", 0, false);
	}
	/* the fingerprint is made here, on one of many threads, not by the one writer */
	beacon_fingerprint(&q->b, &q->normalized, &q->frame, q->fp);
	if (!enqueue(s, q)) {
		atomic_fetch_add(&s->dropped[D_QUEUE], 1);
		return answer_text(q, 503, "busy: try again\n");
	}
	return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct server *s = cls;
	struct req *q = *state;
	bool refused;

	(void)version;
	if (!q) {
		const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

		q = xcalloc(1, sizeof(*q));
		q->srv = s;
		q->conn = c;
		q->route = route_of(method, url);
		*state = q;
		if (q->route == R_BEACON || q->route == R_API_ROLLBACK) {
			q->origin = q->route == R_BEACON ? allowed_origin(s, c, &refused) : NULL;
			if (q->route == R_BEACON && refused)
				return answer_text(q, 403, "origin not allowed\n");
			if (len && strtoull(len, NULL, 10) > (q->route == R_BEACON ? BEACON_BODY_MAX :
							    ADMIN_BODY_MAX)) {
				atomic_fetch_add(&s->dropped[D_TOO_LARGE], q->route == R_BEACON);
				return answer_text(q, 413, "too large\n");
			}
		}
		return MHD_YES;
	}
	if (q->answered)
		return MHD_YES;
	if (*upload_len) {
		size_t max = q->route == R_BEACON ? BEACON_BODY_MAX : ADMIN_BODY_MAX;

		if (q->body.len + *upload_len > max)
			q->too_large = true;
		else
			buf_add(&q->body, upload, *upload_len);
		*upload_len = 0;
		return MHD_YES;
	}
	if (q->queued) {
		/* resumed: the loop has the answer */
		if (q->answer) {
			char *a = q->answer;

			q->answer = NULL;
			return answer(q, (unsigned)q->status, q->answer_type, a, q->answer_len, true);
		}
		return q->status == 204 ? answer(q, 204, NULL, "", 0, false) :
		       answer_text(q, (unsigned)q->status, q->status == 400 ? "unknown release\n" :
				   "the beacon could not be stored: try again\n");
	}
	switch (q->route) {
	case R_BEACON:
		return on_beacon(s, q, method);
	case R_STATIC:
		return serve_static(s, q, url);
	case R_HEALTHZ:
		return answer_text(q, 200, "ok\n");
	case R_STATUS:
	case R_API_STATUS:
	case R_METRICS:
		if (strcmp(method, "GET") && strcmp(method, "HEAD"))
			return answer_text(q, 405, "GET only\n");
		if (!enqueue(s, q))
			return answer_text(q, 503, "busy: try again\n");
		return MHD_YES;
	case R_API_ROLLBACK:
		if (strcmp(method, "POST"))
			return answer_text(q, 405, "POST only\n");
		if (!authorized(s, c)) {
			const char *msg = s->o.token ?
				"{\"error\": \"a rollback needs the token: Authorization: Bearer TOKEN\"}\n" :
				"{\"error\": \"no admin token is set: start relgate serve with the "
				"variable server.tokenEnv names\"}\n";

			return answer(q, 401, "application/json", (char *)msg, strlen(msg), false);
		}
		if (q->too_large)
			return answer_text(q, 413, "too large\n");
		if (!enqueue(s, q))
			return answer_text(q, 503, "busy: try again\n");
		return MHD_YES;
	default:
		return answer_text(q, 404, "not found\n");
	}
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode why)
{
	struct req *q = *state;

	(void)cls;
	(void)c;
	(void)why;
	if (!q)
		return;
	buf_release(&q->body);
	beacon_release(&q->b);
	free(q->normalized);
	free(q->frame);
	free(q->origin);
	free(q->answer);
	free(q);
	*state = NULL;
}

/* ---- start and stop ---- */

static int parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6)
{
	const char *colon = strrchr(listen, ':');
	char host[INET6_ADDRSTRLEN + 2];
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (!colon)
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end || colon[1] == '\0' || port < 0 || port > 65535 ||
	    (size_t)(colon - listen) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		host[strlen(host) - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*v6 = true;
		return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1 ? 0 : -1;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*v6 = false;
		if (!*host)
			return 0;
		return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
	}
}

int server_start(struct server **out, const struct serve_opts *o)
{
	struct server *s = xcalloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	bool v6 = false;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	/*
	 * A thread per core but one, which the writer has: under a flood of
	 * beacons the loop that commits them is busy too, and a pool as wide as
	 * the machine makes them take turns (measured on 2 cores: 0.53 of
	 * nginx's 204 rate with one thread, 0.48 to 0.50 with two).
	 */
	unsigned threads = ncpu <= 2 ? 1 : ncpu > 9 ? 8 : (unsigned)(ncpu - 1);
	const char *env = getenv("RELGATE_SERVE_THREADS");

	*out = NULL;
	s->o = *o;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->answers_lock, NULL);
	s->tail = &s->head;
	s->rate = xcalloc(RATE_SLOTS, sizeof(*s->rate));
	s->batch = xcalloc(BATCH_MAX, sizeof(*s->batch));
	strmap_init(&s->known, 64);
	s->day = -1;
	if (known_products(o->cfg, o->h, &s->products) < 0)
		goto fail;
	if (env && *env)
		threads = (unsigned)strtoul(env, NULL, 10);
	if (parse_listen(o->listen, &ss, &v6) < 0) {
		error_as(FAULT_INPUT, "cannot listen on \"%s\": give ADDRESS:PORT (127.0.0.1:8080, "
			 "[::1]:8080, :8080)", o->listen);
		goto fail;
	}
	if (loop_on_wake(o->loop, on_wake, s) < 0)
		goto fail;
	/* turbo: optimistic reads on epoll, no shutdown() before close */
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO |
				  MHD_ALLOW_SUSPEND_RESUME | (v6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL,
				  handle, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)15,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				  MHD_OPTION_THREAD_POOL_SIZE, threads ? threads : 1,
				  MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
				  MHD_OPTION_END);
	if (!s->mhd) {
		error_as(FAULT_ENV, "cannot listen on %s: %s", o->listen,
			 errno ? strerror(errno) : "libmicrohttpd could not start");
		goto fail;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	*out = s;
	return 0;
fail:
	server_stop(s, 0);
	return -1;
}

int server_port(const struct server *s)
{
	return s->port;
}

size_t server_products(struct server *s, const char ***names)
{
	*names = (const char **)s->products.v;
	return s->products.n;
}

void server_count_rollback(struct server *s)
{
	atomic_fetch_add(&s->rollbacks, 1);
}

void server_stop(struct server *s, int max_ms)
{
	size_t i;

	if (!s)
		return;
	if (s->mhd) {
		double end = now_ms() + max_ms;
		int fd = MHD_quiesce_daemon(s->mhd);

		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_mutex_unlock(&s->lock);
		/* what is queued is answered, the open batch committed */
		on_wake(s->o.loop, s);
		commit_batch(s);
		while (now_ms() < end && loop_once(s->o.loop, 20) >= 0) {
			pthread_mutex_lock(&s->lock);
			i = s->queued;
			pthread_mutex_unlock(&s->lock);
			if (!i && !s->nbatch)
				break;
		}
		/* a moment for the answers to leave */
		if (now_ms() < end)
			usleep((useconds_t)((end - now_ms() < 100 ? end - now_ms() : 100) * 1000));
		MHD_stop_daemon(s->mhd);
		if (fd >= 0)
			close(fd);
	}
	strlist_free(&s->products);
	free(s->rate);
	free(s->batch);
	strmap_free(&s->known);
	for (i = 0; i < ANSWER_SLOTS; i++)
		if (s->answers[i].key) {
			free(s->answers[i].key);
			MHD_destroy_response(s->answers[i].resp);
		}
	pthread_mutex_destroy(&s->answers_lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
