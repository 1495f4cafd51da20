/*
 * outbox: queueing, and the sender.  One flush claims the due deliveries
 * and runs them all at once: each HTTP or SMTP delivery is an easy handle
 * on one curl multi handle, each command a step of the supervisor, and one
 * loop drives both until everything has answered or the deadline came.  A
 * GitHub delivery takes up to three requests in a row (find the comment by
 * its marker, then update it or make it); the comment's id is kept, so
 * that the next one goes straight to the update.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gate/supervise.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/jsonw.h"
#include "lib/term.h"
#include "notify/notice.h"
#include "notify/outbox.h"

#define BACKOFF_FIRST_MS 10000
#define BACKOFF_MAX_MS (3600 * 1000)
#define FLUSH_MAX 500            /* deliveries one flush takes on */
#define RESPONSE_MAX (16 << 20)  /* bytes of an answer kept (GitHub's comment lists) */
#define GITHUB_PAGES_MAX 30      /* of 100 comments each */
#define LEASE_EXTRA_MS 30000
#define HTTP_CONNECTIONS 32      /* at once; curl queues the others */
#define SMTP_THREADS 16

static void add_item(struct outbox_report *rep, const char *id, const struct cfg_channel *ch,
		     const char *name, enum outbox_outcome outcome, int64_t next_ms,
		     const char *detail)
{
	struct outbox_item *it;
	size_t i;

	/* a delivery queued, then sent, is one line */
	for (i = 0; id && *id && i < rep->n; i++)
		if (!strcmp(rep->v[i].id, id)) {
			rep->v[i].outcome = outcome;
			rep->v[i].next_ms = next_ms;
			snprintf(rep->v[i].detail, sizeof(rep->v[i].detail), "%s", detail ? detail : "");
			return;
		}
	if (rep->n == rep->cap) {
		rep->cap = rep->cap ? 2 * rep->cap : 8;
		rep->v = xreallocarray(rep->v, rep->cap, sizeof(*rep->v));
	}
	it = &rep->v[rep->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->id, sizeof(it->id), "%s", id ? id : "");
	snprintf(it->channel, sizeof(it->channel), "%s", ch ? ch->name : name);
	snprintf(it->type, sizeof(it->type), "%s", ch ? ch->type : "?");
	it->outcome = outcome;
	it->next_ms = next_ms;
	snprintf(it->detail, sizeof(it->detail), "%s", detail ? detail : "");
}

/* Every occurrence in b of one of the n secrets, replaced by "[secret]". */
static void hide_secrets(struct buf *b, const char *const *secrets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = secrets[i];
		char *at;

		while ((at = strstr(b->data, s))) {
			struct buf t = BUF_INIT;

			buf_add(&t, b->data, (size_t)(at - b->data));
			buf_adds(&t, "[secret]");
			buf_adds(&t, at + strlen(s));
			buf_release(b);
			*b = t;
		}
	}
}

/*
 * The values of the environment variables cfg's channels name for
 * secrets (those long enough not to match by chance) into secrets[max],
 * their names into names[max] when names is not NULL.  How many.
 */
static size_t config_secrets(const struct config *cfg, const char **secrets, char **names,
			     size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->nchannels; i++) {
		const struct cfg_channel *ch = &cfg->channels[i];
		const char *vars[3] = {ch->url_env, ch->password_env, ch->token_env};

		if (!strcmp(ch->type, "github") && !ch->token_env)
			vars[2] = "GITHUB_TOKEN";
		for (size_t k = 0; k < 3 && n < max; k++) {
			const char *v = vars[k] ? getenv(vars[k]) : NULL;

			if (!vars[k])
				continue;
			if (names)
				names[n] = (char *)vars[k];
			if (v && strlen(v) >= 6)
				secrets[n++] = v;
			else if (names)
				names[n] = NULL;
		}
	}
	return n;
}

bool outbox_url_has_secret(const char *url)
{
	static const char *const hosts[] = {"hooks.slack.com/", "webhook.office.com",
					    "discord.com/api/webhooks", "discordapp.com/api/webhooks",
					    "logic.azure.com", "chat.googleapis.com", NULL};
	static const char *const params[] = {"token=", "key=", "sig=", "secret=", "signature=",
					     "access_token=", "code=", NULL};
	const char *q, *at, *host = strstr(url, "://");

	for (size_t i = 0; hosts[i]; i++)
		if (strcasestr(url, hosts[i]))
			return true;
	if ((q = strchr(url, '?')))
		for (size_t i = 0; params[i]; i++) {
			const char *p = strcasestr(q, params[i]);

			if (p && (p[-1] == '?' || p[-1] == '&'))
				return true;
		}
	/* user:password@host */
	if (host && (at = strchr(host + 3, '@')) && memchr(host + 3, ':', (size_t)(at - host - 3)) &&
	    !memchr(host + 3, '/', (size_t)(at - host - 3)))
		return true;
	return false;
}

bool outbox_url_is_loopback(const char *url)
{
	const char *h = strstr(url, "://"), *end;
	char host[64];
	size_t len;

	if (!h)
		return false;
	h += 3;
	if (*h == '[') {
		end = strchr(h, ']');
		len = end ? (size_t)(end + 1 - h) : 0;
	} else {
		len = strcspn(h, ":/?#");
	}
	if (!len || len >= sizeof(host) || memchr(h, '@', len))
		return false;
	memcpy(host, h, len);
	host[len] = '\0';
	if (!strcmp(host, "localhost") || !strcmp(host, "[::1]"))
		return true;
	/* 127.0.0.0/8, four numbers */
	{
		unsigned a, b, c, d;
		char tail;

		return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 &&
		       b < 256 && c < 256 && d < 256;
	}
}

/* ---- where the change is discussed ---- */

static bool all_digits(const char *s)
{
	if (!s || !*s || strlen(s) > 12)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* GitHub's event file: pull_request.number, or number for issue_comment-like events. */
static long github_event_pr(void)
{
	const char *path = getenv("GITHUB_EVENT_PATH");
	json_t *root, *pr, *num;
	long n = 0;

	if (!path || !*path || !(root = json_load_file(path, 0, NULL)))
		return 0;
	pr = json_object_get(root, "pull_request");
	num = pr ? json_object_get(pr, "number") : NULL;
	if (json_is_integer(num) && json_integer_value(num) > 0)
		n = (long)json_integer_value(num);
	json_decref(root);
	return n;
}

/* The pull request's number, 0 when this run is not about one. */
static long change_pr(void)
{
	const char *v = getenv("RELGATE_PR"), *ref = getenv("GITHUB_REF");
	long n;

	if (all_digits(v))
		return strtol(v, NULL, 10);
	if ((n = github_event_pr()) > 0)
		return n;
	/* refs/pull/12/merge */
	if (ref && starts_with(ref, "refs/pull/") && (n = strtol(ref + 10, NULL, 10)) > 0)
		return n;
	v = getenv("CI_MERGE_REQUEST_IID");
	return all_digits(v) ? strtol(v, NULL, 10) : 0;
}

char *outbox_change_scope(const char *branch)
{
	static const char *const vars[] = {"RELGATE_BRANCH", "GITHUB_HEAD_REF", "GITHUB_REF_NAME",
					   "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_COMMIT_REF_NAME",
					   "BUILDKITE_BRANCH", "CIRCLE_BRANCH", "BRANCH_NAME", NULL};
	long pr = change_pr();

	if (pr > 0)
		return xasprintf("pr:%ld", pr);
	for (size_t i = 0; vars[i]; i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return xasprintf("branch:%.200s", v);
	}
	return branch && *branch ? xasprintf("branch:%.200s", branch) : NULL;
}

/* ---- queueing ---- */

/* Where a GitHub channel's comment goes: decided when it is queued, from this run's CI. */
struct gh_target {
	const char *repo, *api;
	long pr;
};

/* Can a comment go to a pull request from this run?  Into *t, or why not into why. */
static bool github_target(const struct cfg_channel *ch, struct gh_target *t, char *why,
			  size_t size)
{
	t->repo = ch->repo ? ch->repo : getenv("GITHUB_REPOSITORY");
	t->api = ch->api_url ? ch->api_url : getenv("GITHUB_API_URL");
	if (!t->api || !*t->api)
		t->api = "https://api.github.com";
	if (!t->repo || !strchr(t->repo, '/')) {
		snprintf(why, size, "no repository: set \"repo\" in relgate.json or GITHUB_REPOSITORY");
		return false;
	}
	if ((t->pr = change_pr()) <= 0) {
		snprintf(why, size, "no pull request in this run's environment (RELGATE_PR, "
			 "GITHUB_REF, GITHUB_EVENT_PATH)");
		return false;
	}
	return true;
}

/* GitHub's form: the comment, and where it goes. */
static void github_payload(const struct notice *n, const struct cfg_channel *ch,
			   const struct gh_target *t, const struct notice_env *env,
			   struct buf *out)
{
	struct buf body = BUF_INIT;
	struct jw w;

	notice_payload(n, ch, env, &body);
	buf_reset(out);
	jw_init(&w, out);
	jw_object(&w);
	jw_kstr(&w, "api", t->api);
	jw_kstr(&w, "repo", t->repo);
	jw_kint(&w, "issue", t->pr);
	jw_key(&w, "marker");
	{
		struct buf m = BUF_INIT;

		notice_github_marker(n->thread, &m);
		jw_str(&w, m.data);
		buf_release(&m);
	}
	jw_kstr(&w, "body", body.data);
	jw_end(&w);
	jw_done(&w);
	buf_release(&body);
}

int outbox_queue(struct history *h, const struct config *cfg, const struct notice *n,
		 const struct strlist *names, const char *host, struct outbox_report *rep)
{
	struct buf payload = BUF_INIT;
	char content[65], why[256];
	int64_t now = wall_ms();
	size_t i, k;
	bool own, queued;
	const char *secrets[64];
	size_t nsecrets = config_secrets(cfg, secrets, NULL, ARRAY_LEN(secrets));
	int ret = 0;

	notice_content(n, content);
	for (i = 0; i < names->n && ret == 0; i++) {
		const struct cfg_channel *ch = config_channel(cfg, names->v[i]);
		struct delivery_record d = {0}, last;
		struct notice_env env = {NULL, host, now};
		struct gh_target gh = {0};
		char created[32];

		for (k = 0; k < i; k++)
			if (!strcmp(names->v[k], names->v[i]))
				break;
		if (k < i)
			continue;
		if (!ch) {
			add_item(rep, NULL, NULL, names->v[i], OUTBOX_SKIPPED, 0,
				 "not a channel of relgate.json");
			continue;
		}
		/* one comment per pull request and thread, updated in place */
		if (!strcmp(ch->type, "github")) {
			if (!n->thread)
				snprintf(why, sizeof(why), "a GitHub channel takes plans and gate results, "
					 "a comment each on the pull request");
			if (!n->thread || !github_target(ch, &gh, why, sizeof(why))) {
				add_item(rep, NULL, ch, NULL, OUTBOX_SKIPPED, 0, why);
				continue;
			}
		}
		if (ch->url && outbox_url_has_secret(ch->url))
			warn("%s: channel \"%s\": its \"url\" looks like it holds a secret, and "
			     "relgate.json is committed: put the URL in an environment variable and "
			     "name that with \"urlEnv\"", cfg->path ? cfg->path : "relgate.json",
			     ch->name);
		/*
		 * In one transaction, its own or the caller's (an activation's: one
		 * commit for both): the look for the same content already sent, so
		 * that two plans at once do not both go; the id (the form shows it);
		 * the form.
		 */
		own = !history_in_transaction(h);
		if (own && history_begin(h) < 0) {
			ret = -1;
			break;
		}
		if (n->thread && n->once) {
			int found = history_last_delivery(h, n->thread, ch->name, &last);

			if (found < 0) {
				if (own)
					history_abort(h);
				ret = -1;
				break;
			}
			if (found && !strcmp(last.content, content)) {
				snprintf(why, sizeof(why), "the same as %s, %s", last.id,
					 !strcmp(last.state, "sent") ? "sent already" : "still queued");
				add_item(rep, last.id, ch, NULL, OUTBOX_SAME, 0, why);
				if (own)
					history_commit(h);
				continue;
			}
		}
		iso_time(now, created, sizeof(created));
		d.channel = ch->name;
		d.kind = n->kind;
		d.product = n->product;
		d.thread = n->thread;
		d.content = content;
		d.subject = n->subject;
		d.payload = "";
		d.next_ms = now;
		d.created = created;
		d.created_ms = now;
		env.delivery = d.id;
		queued = history_queue_delivery(h, &d) == 0;
		if (queued && !strcmp(ch->type, "github"))
			github_payload(n, ch, &gh, &env, &payload);
		else if (queued)
			notice_payload(n, ch, &env, &payload);
		/* a step's output quoted in a message may hold one of the secrets */
		hide_secrets(&payload, secrets, nsecrets);
		if (!queued || history_set_payload(h, d.id, payload.data) < 0 ||
		    (own && history_commit(h) < 0)) {
			if (own)
				history_abort(h);
			ret = -1;
			break;
		}
		add_item(rep, d.id, ch, NULL, OUTBOX_QUEUED, now, NULL);
	}
	buf_release(&payload);
	return ret;
}

/* ---- sending ---- */

enum gh_stage { GH_FIND, GH_UPDATE, GH_CREATE };

struct xfer {
	struct flush *f;              /* the flush it is part of */
	struct delivery_record d;     /* its strings owned here */
	const struct cfg_channel *ch;
	CURL *curl;
	struct curl_slist *headers, *rcpt;
	const char *body;             /* what is uploaded */
	size_t body_len, body_off;
	struct buf answer;
	char error[CURL_ERROR_SIZE];
	char *url, *token, *request;  /* request: GitHub's body, kept until it is sent */
	bool claimed, started, done, sent, recorded;
	int64_t lease;                /* the lease this flush holds on it */
	char detail[320];
	/* GitHub */
	json_t *gh;
	enum gh_stage stage;
	int page;
	bool found;                   /* the comment was found by its marker, not by its id */
	char ref[32], thread_key[256];
	/* SMTP, on a thread of its own */
	pthread_t thread;
	bool smtp_ready, threaded;
	atomic_bool finished;
	CURLcode code;
	/* command */
	struct sv_step step;
	struct sv_result res;
	char *stdin_path;
};

struct flush {
	struct history *h;
	const struct config *cfg;
	CURLM *multi;
	int *socks;                   /* curl's open sockets, to cut at the deadline */
	size_t nsocks, capsocks;
	int nthreads;                 /* SMTP transfers running */
	bool stopping;                /* no new socket once the deadline came */
	const char *secrets[64];      /* every channel's, taken out of every message */
	size_t nsecrets;
	char *unset[64];              /* their variables, not passed on to commands */
	pthread_mutex_t lock;         /* of socks: SMTP transfers run on threads */
	struct supervisor *sv;
	double deadline;
	int64_t timeout_ms;
	struct xfer *x;
	size_t n, cap;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int collect(const struct delivery_record *d, void *data)
{
	struct flush *f = data;
	struct xfer *x;

	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		f->x = xreallocarray(f->x, f->cap, sizeof(*f->x));
	}
	x = &f->x[f->n++];
	memset(x, 0, sizeof(*x));
	x->f = f;
	x->d = *d;
	x->d.channel = dup_or_null(d->channel);
	x->d.kind = dup_or_null(d->kind);
	x->d.product = dup_or_null(d->product);
	x->d.thread = dup_or_null(d->thread);
	x->d.content = NULL;
	x->d.subject = dup_or_null(d->subject);
	x->d.payload = dup_or_null(d->payload);
	x->d.state = NULL;
	x->d.created = NULL;
	x->d.last_error = NULL;
	return 0;
}

static void xfer_free(struct xfer *x)
{
	if (x->curl)
		curl_easy_cleanup(x->curl);
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->rcpt);
	buf_release(&x->answer);
	free((char *)x->d.channel);
	free((char *)x->d.kind);
	free((char *)x->d.product);
	free((char *)x->d.thread);
	free((char *)x->d.subject);
	free((char *)x->d.payload);
	free(x->url);
	free(x->token);
	free(x->request);
	json_decref(x->gh);
	if (x->stdin_path) {
		unlink(x->stdin_path);
		free(x->stdin_path);
	}
	sv_result_release(&x->res);
}

/* msg with every secret replaced (before it is cut), one printable line, into x->detail. */
static void set_detail(struct xfer *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(struct xfer *x, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	char *msg;
	size_t i;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	buf_adds(&b, msg);
	free(msg);
	hide_secrets(&b, x->f->secrets, x->f->nsecrets);
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20)
			b.data[i] = ' ';
	snprintf(x->detail, sizeof(x->detail), "%s", b.data);
	buf_release(&b);
}

static void collect_secrets(struct flush *f)
{
	char *names[ARRAY_LEN(f->unset)] = {0};
	size_t k = 0;

	f->nsecrets = config_secrets(f->cfg, f->secrets, names, ARRAY_LEN(f->secrets) - 1);
	for (size_t i = 0; i < ARRAY_LEN(names) - 1; i++)
		if (names[i])
			f->unset[k++] = names[i];
	f->unset[k] = NULL;
}

static size_t on_answer(char *p, size_t size, size_t n, void *data)
{
	struct xfer *x = data;
	size_t len = size * n;

	if (x->answer.len + len > RESPONSE_MAX)
		return 0;   /* curl ends the transfer: an answer cut short is no answer */
	buf_add(&x->answer, p, len);
	return len;
}

static size_t on_upload(char *p, size_t size, size_t n, void *data)
{
	struct xfer *x = data;
	size_t len = size * n;

	if (len > x->body_len - x->body_off)
		len = x->body_len - x->body_off;
	memcpy(p, x->body + x->body_off, len);
	x->body_off += len;
	return len;
}

static long remaining_ms(const struct flush *f)
{
	double left = f->deadline - now_ms();

	return left < 1 ? 1 : (long)left;
}

/*
 * curl's sockets, made and closed here so that the flush knows them: at
 * its end each is shut down before curl closes it, so that nothing curl
 * does on closing (an SMTP QUIT, waiting up to two minutes for its
 * answer) outlasts the deadline.
 */
static curl_socket_t open_socket(void *data, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct flush *f = data;
	int fd;

	(void)purpose;
	pthread_mutex_lock(&f->lock);
	if (f->stopping)
		fd = -1;
	else if ((fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol)) >= 0) {
		if (f->nsocks == f->capsocks) {
			f->capsocks = f->capsocks ? 2 * f->capsocks : 16;
			f->socks = xreallocarray(f->socks, f->capsocks, sizeof(*f->socks));
		}
		f->socks[f->nsocks++] = fd;
	}
	pthread_mutex_unlock(&f->lock);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static int close_socket(void *data, curl_socket_t fd)
{
	struct flush *f = data;

	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->nsocks; i++)
		if (f->socks[i] == fd) {
			f->socks[i] = f->socks[--f->nsocks];
			break;
		}
	pthread_mutex_unlock(&f->lock);
	return close(fd);
}

/* An easy handle for x with what every transfer shares. */
static CURL *easy(struct flush *f, struct xfer *x)
{
	CURL *c = curl_easy_init();

	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->error);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, remaining_ms(f));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, remaining_ms(f));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "relgate");
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, f);
	curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
	curl_easy_setopt(c, CURLOPT_CLOSESOCKETDATA, f);
	x->error[0] = '\0';
	buf_reset(&x->answer);
	return c;
}

/* An HTTP request of x: method, URL, a JSON body (or none), extra headers. */
static int http(struct flush *f, struct xfer *x, const char *method, const char *url,
		const char *body)
{
	struct curl_slist *h = NULL;

	if (x->curl) {
		curl_multi_remove_handle(f->multi, x->curl);
		curl_easy_cleanup(x->curl);
	}
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	if (!(x->curl = easy(f, x)))
		return -1;
	curl_easy_setopt(x->curl, CURLOPT_URL, url);
	curl_easy_setopt(x->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (body) {
		curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		if (strcmp(method, "POST"))
			curl_easy_setopt(x->curl, CURLOPT_CUSTOMREQUEST, method);
		h = curl_slist_append(h, "Content-Type: application/json; charset=utf-8");
	} else {
		curl_easy_setopt(x->curl, CURLOPT_HTTPGET, 1L);
	}
	{
		char line[64];

		snprintf(line, sizeof(line), "X-Relgate-Delivery: %s", x->d.id);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Expect:");
	if (x->token) {
		char *auth = xasprintf("Authorization: Bearer %s", x->token);

		h = curl_slist_append(h, auth);
		free(auth);
		h = curl_slist_append(h, "Accept: application/vnd.github+json");
		h = curl_slist_append(h, "X-GitHub-Api-Version: 2022-11-28");
	}
	x->headers = h;
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, h);
	if (curl_multi_add_handle(f->multi, x->curl) != CURLM_OK)
		return -1;
	return 0;
}

static void *smtp_thread(void *data)
{
	struct xfer *x = data;

	x->code = curl_easy_perform(x->curl);
	atomic_store(&x->finished, true);
	return NULL;
}

/* An SMTP delivery: the MIME message in the payload, to every "to". */
static int smtp(struct flush *f, struct xfer *x)
{
	const struct cfg_channel *ch = x->ch;
	const char *pass = NULL, *from = ch->from, *lt, *gt;
	char sender[256];
	size_t i;

	if (ch->password_env && !(pass = getenv(ch->password_env))) {
		set_detail(x, "%s is not set (the SMTP password)", ch->password_env);
		return -1;
	}
	if (!(x->curl = easy(f, x)))
		return -1;
	/* the envelope's sender: the address in From, else relgate@localhost */
	if (from && (lt = strchr(from, '<')) && (gt = strchr(lt, '>')))
		snprintf(sender, sizeof(sender), "<%.*s>", (int)(gt - lt - 1), lt + 1);
	else if (from)
		snprintf(sender, sizeof(sender), "<%s>", from);
	else
		snprintf(sender, sizeof(sender), "<relgate@localhost>");
	for (i = 0; i < ch->to.n; i++) {
		const char *to = ch->to.v[i];
		char rcpt[320];

		/* "Name <a@b>" in To:, the address alone in the envelope */
		if ((lt = strchr(to, '<')) && (gt = strchr(lt, '>')))
			snprintf(rcpt, sizeof(rcpt), "<%.*s>", (int)(gt - lt - 1), lt + 1);
		else
			snprintf(rcpt, sizeof(rcpt), "<%s>", to);
		x->rcpt = curl_slist_append(x->rcpt, rcpt);
	}
	curl_easy_setopt(x->curl, CURLOPT_URL, ch->smtp);
	curl_easy_setopt(x->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(x->curl, CURLOPT_MAIL_FROM, sender);
	curl_easy_setopt(x->curl, CURLOPT_MAIL_RCPT, x->rcpt);
	curl_easy_setopt(x->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->curl, CURLOPT_READFUNCTION, on_upload);
	curl_easy_setopt(x->curl, CURLOPT_READDATA, x);
	x->body = x->d.payload;
	x->body_len = strlen(x->d.payload);
	x->body_off = 0;
	if (ch->user) {
		bool local = outbox_url_is_loopback(ch->smtp);

		curl_easy_setopt(x->curl, CURLOPT_USERNAME, ch->user);
		if (pass)
			curl_easy_setopt(x->curl, CURLOPT_PASSWORD, pass);
		/* a password crosses the network only encrypted; on loopback, as it comes */
		if (starts_with(ch->smtp, "smtp://"))
			curl_easy_setopt(x->curl, CURLOPT_USE_SSL,
					 (long)(local ? CURLUSESSL_TRY : CURLUSESSL_ALL));
	} else if (starts_with(ch->smtp, "smtp://")) {
		curl_easy_setopt(x->curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	}
	/* libcurl waits for an SMTP server's answers in its own calls: a thread each, later */
	x->smtp_ready = true;
	return 0;
}

/* Start the SMTP transfers that wait, SMTP_THREADS at a time. */
static void start_threads(struct flush *f)
{
	for (size_t i = 0; i < f->n && f->nthreads < SMTP_THREADS; i++) {
		struct xfer *x = &f->x[i];

		if (!x->smtp_ready)
			continue;
		x->smtp_ready = false;
		/* its time is what is left of the flush's, from now */
		curl_easy_setopt(x->curl, CURLOPT_TIMEOUT_MS, remaining_ms(f));
		curl_easy_setopt(x->curl, CURLOPT_CONNECTTIMEOUT_MS, remaining_ms(f));
		if (pthread_create(&x->thread, NULL, smtp_thread, x) != 0) {
			set_detail(x, "cannot start a thread: %s", strerror(errno));
			x->done = true;
			continue;
		}
		x->threaded = true;
		f->nthreads++;
	}
}

static const char *gh_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

static int github_request(struct flush *f, struct xfer *x)
{
	const char *api = gh_str(x->gh, "api"), *repo = gh_str(x->gh, "repo");
	long issue = (long)json_integer_value(json_object_get(x->gh, "issue"));
	char *url;
	json_t *o;
	int r;

	if (x->stage == GH_FIND)
		url = xasprintf("%s/repos/%s/issues/%ld/comments?per_page=100&page=%d", api, repo,
				issue, x->page);
	else if (x->stage == GH_UPDATE)
		url = xasprintf("%s/repos/%s/issues/comments/%s", api, repo, x->ref);
	else
		url = xasprintf("%s/repos/%s/issues/%ld/comments", api, repo, issue);
	free(x->request);
	x->request = NULL;
	if (x->stage != GH_FIND) {
		o = json_pack("{s:s}", "body", gh_str(x->gh, "body"));
		x->request = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (!x->request) {
			free(url);
			return -1;
		}
	}
	r = http(f, x, x->stage == GH_FIND ? "GET" : x->stage == GH_UPDATE ? "PATCH" : "POST", url,
		 x->request);
	free(url);
	return r;
}

static int start(struct flush *f, struct xfer *x)
{
	const struct cfg_channel *ch = x->ch;
	const char *t = ch->type;

	x->started = true;
	if (!strcmp(t, "webhook") || !strcmp(t, "slack") || !strcmp(t, "teams")) {
		const char *url = ch->url;

		if (ch->url_env && !(url = getenv(ch->url_env))) {
			set_detail(x, "%s is not set (the channel's URL)", ch->url_env);
			return -1;
		}
		x->url = xstrdup(url);
		return http(f, x, "POST", x->url, x->d.payload);
	}
	if (!strcmp(t, "email"))
		return smtp(f, x);
	if (!strcmp(t, "github")) {
		const char *var = ch->token_env ? ch->token_env : "GITHUB_TOKEN", *token;

		if (!(x->gh = json_loads(x->d.payload, 0, NULL)) || !json_is_object(x->gh)) {
			set_detail(x, "the queued comment cannot be read");
			return -1;
		}
		if (!(token = getenv(var)) || !*token) {
			set_detail(x, "%s is not set (the GitHub token)", var);
			return -1;
		}
		x->token = xstrdup(token);
		snprintf(x->thread_key, sizeof(x->thread_key), "github %s#%lld %s",
			 gh_str(x->gh, "repo"),
			 (long long)json_integer_value(json_object_get(x->gh, "issue")),
			 gh_str(x->gh, "marker"));
		if (history_thread_ref(f->h, x->thread_key, x->ref, sizeof(x->ref)) < 0)
			return -1;
		x->stage = *x->ref ? GH_UPDATE : GH_FIND;
		x->page = 1;
		return github_request(f, x);
	}
	if (!strcmp(t, "command")) {
		char path[] = "/tmp/relgate-notify-XXXXXX";
		int fd = mkstemp(path);
		size_t len = strlen(x->d.payload);

		if (fd < 0 || write(fd, x->d.payload, len) != (ssize_t)len) {
			set_detail(x, "cannot write the message for the command: %s", strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(path);
			}
			return -1;
		}
		close(fd);
		x->stdin_path = xstrdup(path);
		if (!f->sv && !(f->sv = supervisor_new(NULL))) {
			set_detail(x, "cannot run commands here");
			return -1;
		}
		x->step = (struct sv_step)SV_STEP_INIT;
		x->step.name = ch->name;
		x->step.run = ch->run;
		x->step.cwd = f->cfg->root;
		x->step.timeout_ms = remaining_ms(f);
		x->step.grace_ms = 200;   /* the flush's bound is the bound: no long goodbye */
		x->step.unset = f->unset;
		x->step.stdin_path = x->stdin_path;
		x->step.tail_max = 512;
		if (sv_start(f->sv, &x->step, &x->res, x) < 0) {
			/* its tag still comes back from sv_wait, and is passed over then */
			set_detail(x, "cannot start: %s", x->res.error);
			return -1;
		}
		return 0;
	}
	set_detail(x, "unknown channel type %s", t);
	return -1;
}

/* The first comment on the page whose body starts with the marker: its id into x->ref. */
static int github_find(struct xfer *x, size_t *count)
{
	json_t *list = json_loadb(x->answer.data, x->answer.len, 0, NULL), *c;
	const char *marker = gh_str(x->gh, "marker");
	size_t i;

	*count = 0;
	if (!json_is_array(list)) {
		json_decref(list);
		return -1;
	}
	*count = json_array_size(list);
	json_array_foreach(list, i, c) {
		json_t *id = json_object_get(c, "id");

		if (starts_with(gh_str(c, "body"), marker) && json_is_integer(id)) {
			snprintf(x->ref, sizeof(x->ref), "%lld", (long long)json_integer_value(id));
			break;
		}
	}
	json_decref(list);
	return 0;
}

/* A GitHub step ended with status: the next step, or the end. */
static void github_next(struct flush *f, struct xfer *x, long status)
{
	size_t count;
	json_t *o;

	if (x->stage == GH_UPDATE && status == 404 && !x->found) {
		/* the comment is gone: find another, or make one */
		x->ref[0] = '\0';
		x->stage = GH_FIND;
		x->page = 1;
	} else if (x->stage == GH_UPDATE && (status == 403 || status == 404)) {
		/* the marker was in a comment relgate may not edit (not its own): its own then */
		x->ref[0] = '\0';
		x->stage = GH_CREATE;
	} else if (status < 200 || status > 299) {
		set_detail(x, "GitHub answered %ld", status);
		x->done = true;
		return;
	} else if (x->stage == GH_FIND) {
		if (github_find(x, &count) < 0) {
			set_detail(x, "GitHub's list of comments cannot be read");
			x->done = true;
			return;
		}
		if (*x->ref) {
			x->stage = GH_UPDATE;
			x->found = true;
		} else if (count == 100 && x->page < GITHUB_PAGES_MAX)
			x->page++;
		else
			x->stage = GH_CREATE;
	} else {
		if (x->stage == GH_CREATE) {
			o = json_loadb(x->answer.data, x->answer.len, 0, NULL);
			if (json_is_integer(json_object_get(o, "id"))) {
				snprintf(x->ref, sizeof(x->ref), "%lld",
					 (long long)json_integer_value(json_object_get(o, "id")));
				history_set_thread_ref(f->h, x->thread_key, x->ref);
			}
			json_decref(o);
		} else {
			history_set_thread_ref(f->h, x->thread_key, x->ref);
		}
		fault_clear();
		x->sent = true;
		x->done = true;
		return;
	}
	if (github_request(f, x) < 0) {
		set_detail(x, "cannot make the request");
		x->done = true;
	}
}

static void transfer_done(struct flush *f, struct xfer *x, CURLcode code)
{
	long status = 0;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (code == CURLE_OPERATION_TIMEDOUT) {
		set_detail(x, "no answer within %.1f s", (double)f->timeout_ms / 1000.0);
		x->done = true;
		return;
	}
	if (code != CURLE_OK) {
		set_detail(x, "%s", *x->error ? x->error : curl_easy_strerror(code));
		x->done = true;
		return;
	}
	if (!strcmp(x->ch->type, "github")) {
		github_next(f, x, status);
		return;
	}
	x->done = true;
	if (!strcmp(x->ch->type, "email") || (status >= 200 && status <= 299)) {
		x->sent = true;
		return;
	}
	/* what the receiver said, briefly: Slack answers "invalid_payload" */
	buf_add(&x->answer, "", 1);
	set_detail(x, "answered %ld%s%.120s", status, x->answer.len > 1 ? ": " : "",
		   x->answer.data);
}

static void record(struct flush *f, struct xfer *x, struct outbox_report *rep)
{
	int64_t now = wall_ms(), wait = BACKOFF_FIRST_MS, next;
	const char *state = "sent";
	enum outbox_outcome out = OUTBOX_SENT;
	int i;

	if (!x->sent) {
		for (i = 1; i < x->d.attempts && wait < BACKOFF_MAX_MS; i++)
			wait *= 2;
		if (wait > BACKOFF_MAX_MS)
			wait = BACKOFF_MAX_MS;
		next = now + wait;
		if (!*x->detail)
			set_detail(x, "no answer within %.1f s", (double)f->timeout_ms / 1000.0);
		if (next > x->d.created_ms + f->cfg->notify_retry_ms) {
			state = "failed";
			out = OUTBOX_GAVE_UP;
		} else {
			state = "pending";
			out = OUTBOX_RETRY;
		}
	} else {
		next = now;
	}
	x->recorded = true;
	if (history_delivery_done(f->h, x->d.id, x->lease, state, next,
				  x->sent ? NULL : x->detail) < 0) {
		/* it stays claimed until its lease ends, then the next flush sends it again */
		warn("%s: %s", x->d.id, "the outcome could not be recorded");
		fault_clear();
	}
	add_item(rep, x->d.id, x->ch, x->d.channel, out, next, x->sent ? NULL : x->detail);
}

/*
 * Cut every connection (a transfer on a thread ends at once), join the
 * threads; one that had its answer just before keeps it.
 */
static void stop_threads(struct flush *f)
{
	size_t i;

	pthread_mutex_lock(&f->lock);
	f->stopping = true;
	for (i = 0; i < f->nsocks; i++)
		shutdown(f->socks[i], SHUT_RDWR);
	pthread_mutex_unlock(&f->lock);
	for (i = 0; i < f->n; i++)
		if (f->x[i].threaded) {
			pthread_join(f->x[i].thread, NULL);
			f->x[i].threaded = false;
			f->nthreads--;
			if (f->x[i].code == CURLE_OK)
				transfer_done(f, &f->x[i], f->x[i].code);
		}
}

int outbox_flush(struct history *h, const struct config *cfg, const struct flush_opts *o,
		 struct outbox_report *rep)
{
	struct flush f = {.h = h, .cfg = cfg, .lock = PTHREAD_MUTEX_INITIALIZER};
	int64_t now = wall_ms(), timeout = o->timeout_ms ? o->timeout_ms : cfg->notify_timeout_ms;
	size_t i, running = 0;
	int ret = 0;

	f.timeout_ms = timeout;
	if (history_deliveries(h, "pending", o->all ? INT64_MAX : now, true, FLUSH_MAX, collect,
			       &f) < 0) {
		ret = -1;
		goto out;
	}
	if (!f.n)
		goto out;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!(f.multi = curl_multi_init())) {
		ret = error_as(FAULT_ENV, "cannot start libcurl");
		goto out;
	}
	curl_multi_setopt(f.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)HTTP_CONNECTIONS);
	collect_secrets(&f);
	/* the claims in one transaction, one write to the disk; then the clock starts */
	if (history_begin(h) < 0) {
		ret = -1;
		goto out;
	}
	for (i = 0; i < f.n; i++) {
		struct xfer *x = &f.x[i];
		int claimed;

		if (o->channel && strcmp(x->d.channel, o->channel))
			continue;
		if (!(x->ch = config_channel(cfg, x->d.channel))) {
			/* another relgate.json may know it; given up like any other, in time */
			if (now > x->d.created_ms + cfg->notify_retry_ms &&
			    history_delivery_done(h, x->d.id, x->d.lease_ms, "failed", now,
						  "its channel is not in relgate.json") == 0)
				add_item(rep, x->d.id, NULL, x->d.channel, OUTBOX_GAVE_UP, now,
					 "its channel is not in relgate.json");
			else
				add_item(rep, x->d.id, NULL, x->d.channel, OUTBOX_SKIPPED,
					 x->d.next_ms, "not a channel of this relgate.json: left queued");
			fault_clear();
			continue;
		}
		x->lease = now + timeout + LEASE_EXTRA_MS;
		claimed = history_claim_delivery(h, x->d.id, now, x->lease);
		if (claimed < 0) {
			history_abort(h);
			ret = -1;
			goto out;
		}
		if (!claimed) {
			add_item(rep, x->d.id, x->ch, NULL, OUTBOX_BUSY, 0,
				 "another relgate is sending it");
			continue;
		}
		x->claimed = true;
		x->d.attempts++;
	}
	if (history_commit(h) < 0) {
		history_abort(h);
		ret = -1;
		goto out;
	}
	f.deadline = now_ms() + (double)timeout;
	for (i = 0; i < f.n; i++) {
		struct xfer *x = &f.x[i];

		if (x->claimed && start(&f, x) < 0) {
			fault_clear();
			x->done = true;
			if (!*x->detail)
				set_detail(x, "cannot send: %s", *x->error ? x->error : "libcurl refused");
		}
	}
	/* one loop for the transfers and the commands, until all answered or the deadline */
	for (;;) {
		int still = 0, left;
		CURLMsg *m;
		void *tag;

		start_threads(&f);
		curl_multi_perform(f.multi, &still);
		while ((m = curl_multi_info_read(f.multi, &left))) {
			struct xfer *x = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			transfer_done(&f, x, m->data.result);
		}
		for (i = 0; i < f.n; i++) {
			struct xfer *x = &f.x[i];

			if (x->threaded && atomic_load(&x->finished)) {
				pthread_join(x->thread, NULL);
				x->threaded = false;
				f.nthreads--;
				transfer_done(&f, x, x->code);
			}
		}
		while (f.sv && (tag = sv_wait_for(f.sv, 0))) {
			struct xfer *x = tag;

			if (x->done)
				continue;
			x->done = true;
			if (x->res.outcome == SV_PASSED) {
				x->sent = true;
			} else {
				struct buf b = BUF_INIT;

				sv_describe(&x->step, &x->res, &b);
				set_detail(x, "%s", b.data);
				buf_release(&b);
			}
		}
		for (running = 0, i = 0; i < f.n; i++) {
			struct xfer *x = &f.x[i];

			if (x->started && x->done && !x->recorded)
				record(&f, x, rep);
			running += x->started && !x->done;
		}
		if (!running || now_ms() >= f.deadline)
			break;
		/* SIGINT or SIGTERM (the supervisor of the commands holds them): stop here */
		if (f.sv && sv_stop_signal(f.sv)) {
			rep->stop_signal = sv_stop_signal(f.sv);
			break;
		}
		curl_multi_poll(f.multi, NULL, 0, 20, NULL);
	}
	/* what did not answer in time: ended now, retried later */
	stop_threads(&f);
	if (f.sv && sv_running(f.sv)) {
		sv_stop_all(f.sv);
		while (sv_wait_for(f.sv, 0))
			;
	}
	for (i = 0; i < f.n; i++) {
		struct xfer *x = &f.x[i];

		if (!x->started || x->recorded)
			continue;
		if (!x->done && rep->stop_signal)
			set_detail(x, "interrupted by %s", strsignal(rep->stop_signal));
		else if (!x->done)
			set_detail(x, "no answer within %.1f s", (double)timeout / 1000.0);
		record(&f, x, rep);
	}
out:
	stop_threads(&f);
	for (i = 0; i < f.n; i++) {
		if (f.x[i].curl && f.multi)
			curl_multi_remove_handle(f.multi, f.x[i].curl);
		xfer_free(&f.x[i]);
	}
	free(f.x);
	/* the pool's kept-alive connections close here, through close_socket */
	if (f.multi)
		curl_multi_cleanup(f.multi);
	free(f.socks);
	if (f.sv)
		supervisor_free(f.sv);
	return ret;
}

static int count_one(const struct delivery_record *d, void *data)
{
	(void)d;
	++*(int *)data;
	return 1;
}

int outbox_due(struct history *h)
{
	int n = 0;

	if (history_deliveries(h, "pending", wall_ms(), true, 1, count_one, &n) < 0)
		return -1;
	return n;
}

/* ---- the report ---- */

void outbox_report_print(const struct outbox_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct outbox_item *it = &rep->v[i];
		char at[32];

		fprintf(stderr, "notify: %s (%s): ", term_safe(it->channel), it->type);
		switch (it->outcome) {
		case OUTBOX_SENT:
			fprintf(stderr, "sent %s\n", it->id);
			break;
		case OUTBOX_QUEUED:
			fprintf(stderr, "queued %s\n", it->id);
			break;
		case OUTBOX_RETRY:
			iso_time(it->next_ms, at, sizeof(at));
			fprintf(stderr, "not delivered (%s); %s is retried from %s, or by "
				"relgate notify --flush\n", term_safe(it->detail), it->id, at);
			break;
		case OUTBOX_GAVE_UP:
			fprintf(stderr, "%s given up after notify.retryFor (%s)\n", it->id,
				term_safe(it->detail));
			break;
		case OUTBOX_SAME:
			fprintf(stderr, "not sent again: %s\n", term_safe(it->detail));
			break;
		case OUTBOX_SKIPPED:
			fprintf(stderr, "%s%s%s\n", it->id, *it->id ? ": " : "", term_safe(it->detail));
			break;
		case OUTBOX_BUSY:
			fprintf(stderr, "%s: %s\n", it->id, term_safe(it->detail));
			break;
		}
	}
}

bool outbox_report_ok(const struct outbox_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].outcome == OUTBOX_RETRY || rep->v[i].outcome == OUTBOX_GAVE_UP)
			return false;
	return true;
}

void outbox_report_release(struct outbox_report *rep)
{
	free(rep->v);
	memset(rep, 0, sizeof(*rep));
}
