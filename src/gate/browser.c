/*
 * browser: a static file server (libmicrohttpd, on its own thread), the
 * browser as a supervised step, and a small DevTools client.
 *
 * The client is a loop over the pipe from the browser: responses are
 * matched to requests by id, events by method.  It creates a target,
 * attaches to it with a flat session, enables Runtime, Log and Page, opens
 * the page, and asks the ready expression every 50 ms until it holds.  The
 * first error event before that ends the check.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gate/browser.h"
#include "gate/devtools.h"
#include "lib/file.h"
#include "lib/httpd.h"
#include "lib/diag.h"
#include "lib/loop.h"
#include "lib/util.h"

#define EVAL_EVERY_MS 50
#define LOOK_EVERY_MS 20      /* the longest wait between two looks at the page's state */
#define QUIET_AFTER_LOAD_MS 1000
#define BROWSER_ANSWER_MS 30000     /* the longest wait for the browser's start */

static char *find_chromium(const char *given)
{
	static const char *const names[] = {"chromium", "chromium-browser"};
	const char *env = getenv("RELGATE_CHROMIUM"), *path = getenv("PATH");
	size_t i;

	if (given)
		return access(given, X_OK) == 0 ? xstrdup(given) : NULL;
	if (env && *env)
		return access(env, X_OK) == 0 ? xstrdup(env) : NULL;
	for (i = 0; i < ARRAY_LEN(names); i++) {
		const char *p = path ? path : "/usr/bin:/bin";

		while (*p) {
			size_t n = strcspn(p, ":");
			char *cand = xasprintf("%.*s/%s", (int)n, p, names[i]);

			if (n && access(cand, X_OK) == 0)
				return cand;
			free(cand);
			p += n + (p[n] == ':');
		}
	}
	return NULL;
}

static void remove_tree(int parent, const char *name, int depth)
{
	int fd;
	DIR *d;
	struct dirent *de;

	if (depth > 64)
		return;
	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			remove_tree(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* ---- the boot check's session with the browser ---- */

struct cdp {
	struct devtools dt;      /* the pipe, its framing, the session */
	char *target;            /* the page's target id: its main frame's id too */
	int create_id, attach_id, navigate_id, eval_id;
	double last_eval;
	bool loaded, ready;
	double loaded_at;
};

static int cdp_send(struct cdp *c, const char *method, json_t *params, bool in_session)
{
	return devtools_send(&c->dt, method, params, in_session);
}

/* Keep "TypeError: x" and "Uncaught TypeError: x" as the browser said them, first line only. */
static char *first_line(const char *s)
{
	return xstrndup(s, strcspn(s, "\n"));
}

/* "http://127.0.0.1:port/app.js" -> "app.js": a URL of the page's origin, without it */
static const char *local_path(const char *url, const char *origin)
{
	return starts_with(url, origin) ? url + strlen(origin) : url;
}

/* The code around line:col of a served file, on one line. */
static char *excerpt(int dirfd, const char *path, long line, long col)
{
	struct buf b = BUF_INIT, out = BUF_INIT;
	const char *p, *end;
	long l = 1, from, to, i;
	char *clean = xstrdup(path);

	clean[strcspn(clean, "?#")] = '\0';
	if (path_normalize(clean) < 0 || read_file_at(dirfd, clean, &b, 64 << 20) < 0) {
		free(clean);
		buf_release(&b);
		return NULL;
	}
	free(clean);
	for (p = b.data, end = b.data + b.len; p < end && l < line; p++)
		if (*p == '\n')
			l++;
	end = memchr(p, '\n', (size_t)(b.data + b.len - p));
	if (!end)
		end = b.data + b.len;
	from = col - 1 - 50 > 0 ? col - 1 - 50 : 0;
	to = col - 1 + 50 < end - p ? col - 1 + 50 : end - p;
	for (i = from; i < to; i++)
		buf_addc(&out, p[i] == '\t' ? ' ' : p[i]);
	buf_release(&b);
	if (!out.len) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

static void note_boot_failure(struct boot_result *r, const char *kind, const char *message)
{
	if (r->kind)
		return;   /* the first failure is the one that counts */
	r->kind = kind;
	r->message = xstrdup(message);
}

static void on_exception(struct boot_result *r, json_t *params, int dirfd, const char *origin)
{
	json_t *d = json_object_get(params, "exceptionDetails");
	json_t *ex = json_object_get(d, "exception");
	const char *text = json_string_value(json_object_get(d, "text"));
	const char *desc = json_string_value(json_object_get(ex, "description"));
	const char *url = json_string_value(json_object_get(d, "url"));
	json_t *frames = json_object_get(json_object_get(d, "stackTrace"), "callFrames");
	json_t *top = json_array_get(frames, 0);
	long line = (long)json_integer_value(json_object_get(d, "lineNumber")) + 1;
	long col = (long)json_integer_value(json_object_get(d, "columnNumber")) + 1;
	bool rejection = text && strstr(text, "in promise");
	char *msg;

	if (top) {
		url = json_string_value(json_object_get(top, "url"));
		line = (long)json_integer_value(json_object_get(top, "lineNumber")) + 1;
		col = (long)json_integer_value(json_object_get(top, "columnNumber")) + 1;
	}
	if (desc)
		msg = first_line(desc);
	else if (ex && json_string_value(json_object_get(ex, "value")))
		msg = xasprintf("%s %s", text ? text : "Uncaught",
				json_string_value(json_object_get(ex, "value")));
	else
		msg = xstrdup(text ? text : "an exception");
	note_boot_failure(r, rejection ? "unhandled rejection" : "exception", msg);
	free(msg);
	if (desc && !r->stack) {
		/* the port changes every run: the stack reads better without the origin */
		struct buf b = BUF_INIT;
		const char *p = desc, *hit;

		while ((hit = strstr(p, origin))) {
			buf_add(&b, p, (size_t)(hit - p));
			p = hit + strlen(origin);
		}
		buf_adds(&b, p);
		r->stack = buf_detach(&b, NULL);
	}
	if (url && *url && !r->where) {
		const char *file = local_path(url, origin);

		r->where = xasprintf("%s:%ld:%ld", file, line, col);
		/* the code is at hand only when relgate serves the artifact itself */
		r->excerpt = dirfd >= 0 ? excerpt(dirfd, file, line, col) : NULL;
	}
}

/*
 * One argument of console.error as the console shows it: strings as they
 * are, objects and arrays by their preview ({code: 42, reason: "x"}),
 * anything else by its description.
 */
static void format_arg(json_t *a, struct buf *b)
{
	json_t *value = json_object_get(a, "value"), *preview = json_object_get(a, "preview");
	json_t *props = json_object_get(preview, "properties"), *p;
	const char *desc = json_string_value(json_object_get(a, "description"));
	const char *subtype = json_string_value(json_object_get(a, "subtype"));
	size_t i;

	if (json_is_string(value)) {
		buf_adds(b, json_string_value(value));
		return;
	}
	if (json_is_array(props) && (!subtype || strcmp(subtype, "error"))) {
		bool array = subtype && !strcmp(subtype, "array");

		buf_adds(b, array ? "[" : "{");
		json_array_foreach(props, i, p) {
			const char *name = json_string_value(json_object_get(p, "name"));
			const char *v = json_string_value(json_object_get(p, "value"));
			const char *type = json_string_value(json_object_get(p, "type"));

			if (i)
				buf_adds(b, ", ");
			if (!array && name)
				buf_addf(b, "%s: ", name);
			if (type && !strcmp(type, "string"))
				buf_addf(b, "\"%s\"", v ? v : "");
			else
				buf_adds(b, v ? v : "?");
		}
		if (json_is_true(json_object_get(preview, "overflow")))
			buf_adds(b, i ? ", ..." : "...");
		buf_adds(b, array ? "]" : "}");
		return;
	}
	if (desc) {
		buf_adds(b, desc);
		return;
	}
	if (value) {
		char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);

		buf_adds(b, text ? text : "?");
		free(text);
		return;
	}
	buf_adds(b, json_string_value(json_object_get(a, "type")) ?
		    json_string_value(json_object_get(a, "type")) : "?");
}

static void on_console(struct boot_result *r, json_t *params)
{
	json_t *args = json_object_get(params, "args"), *a;
	struct buf msg = BUF_INIT;
	size_t i;
	const char *type = json_string_value(json_object_get(params, "type"));

	if (!type || strcmp(type, "error"))
		return;
	json_array_foreach(args, i, a) {
		if (i)
			buf_addc(&msg, ' ');
		format_arg(a, &msg);
	}
	note_boot_failure(r, "console.error", msg.len ? msg.data : "console.error()");
	buf_release(&msg);
}

static void on_log(struct boot_result *r, json_t *params)
{
	json_t *e = json_object_get(params, "entry");
	const char *level = json_string_value(json_object_get(e, "level"));
	const char *text = json_string_value(json_object_get(e, "text"));
	const char *url = json_string_value(json_object_get(e, "url"));
	const char *source;
	char *msg;

	if (!level || strcmp(level, "error") || (url && ends_with(url, "/favicon.ico")))
		return;
	msg = url ? xasprintf("%s (%s)", text ? text : "error", url) : xstrdup(text ? text : "error");
	source = json_string_value(json_object_get(e, "source"));
	note_boot_failure(r, source && !strcmp(source, "network") ? "failed request" : "console.error",
			  msg);
	free(msg);
}

/*
 * A response of the page's own origin with an error status: a failed
 * request, as the page saw it.  Counted from the browser's side, not the
 * server's, so that another local client's request (a port scanner, a
 * second check) is never the page's failure.
 */
static void on_response(struct boot_result *r, json_t *params, const char *origin)
{
	json_t *resp = json_object_get(params, "response");
	const char *url = json_string_value(json_object_get(resp, "url"));
	const char *text = json_string_value(json_object_get(resp, "statusText"));
	json_int_t status = json_integer_value(json_object_get(resp, "status"));
	const char *path;
	char *msg;

	if (!url || status < 400 || (path = local_path(url, origin)) == url ||
	    !strcmp(path, "favicon.ico"))
		return;
	msg = xasprintf("/%s: %d%s%s", path, (int)status, text && *text ? " " : "",
			text ? text : "");
	note_boot_failure(r, "failed request", msg);
	free(msg);
}

/*
 * The page left the served origin: what booted is not the product.  The
 * request says where it went (frameRequestedNavigation, for the main frame
 * only: an iframe may show another site); the navigation itself tells a
 * page that went elsewhere by other means, and when the address could not
 * be reached (the error page can come before the request's event), it is
 * the frame's unreachableUrl.
 */
static void on_navigated(struct cdp *c, struct boot_result *r, json_t *params,
			 const char *origin, bool requested)
{
	json_t *frame = requested ? params : json_object_get(params, "frame");
	const char *url = json_string_value(json_object_get(frame, "url"));
	/* a page that could not be reached shows chrome-error://: the address it was going to */
	const char *unreachable = json_string_value(json_object_get(frame, "unreachableUrl"));
	const char *id = json_string_value(json_object_get(frame, requested ? "frameId" : "id"));

	if (!url || json_object_get(frame, "parentId") || !strcmp(url, "about:blank") ||
	    (requested && (!id || !c->target || strcmp(id, c->target))))
		return;
	if (unreachable && *unreachable)
		url = unreachable;
	if (!starts_with(url, origin)) {
		char *m = xasprintf("the page navigated away from the artifact, to %.200s", url);

		note_boot_failure(r, "navigation", m);
		free(m);
	}
}

static void cdp_message(struct cdp *c, struct boot_result *r, json_t *msg, int dirfd,
			const char *origin, const char *page_url)
{
	json_t *result;
	const char *method;
	int id;

	id = (int)json_integer_value(json_object_get(msg, "id"));
	method = json_string_value(json_object_get(msg, "method"));
	result = json_object_get(msg, "result");
	if (id && json_object_get(msg, "error")) {
		const char *m = json_string_value(json_object_get(json_object_get(msg, "error"),
								  "message"));

		if (id == c->create_id || id == c->attach_id || id == c->navigate_id)  /* id != 0 here */
			note_boot_failure(r, "browser", m ? m : "the browser refused a request");
	} else if (id && id == c->create_id) {
		const char *target = json_string_value(json_object_get(result, "targetId"));

		if (target && !c->target)
			c->target = xstrdup(target);
		if (target)
			c->attach_id = cdp_send(c, "Target.attachToTarget",
						json_pack("{s:s, s:b}", "targetId", target, "flatten", 1),
						false);
	} else if (id && id == c->attach_id) {
		const char *session = json_string_value(json_object_get(result, "sessionId"));

		if (session) {
			c->dt.session = xstrdup(session);
			cdp_send(c, "Runtime.enable", NULL, true);
			cdp_send(c, "Log.enable", NULL, true);
			cdp_send(c, "Page.enable", NULL, true);
			cdp_send(c, "Network.enable", NULL, true);
			verbose("boot: navigating at %.0f ms", now_ms());
			c->navigate_id = cdp_send(c, "Page.navigate",
						  json_pack("{s:s}", "url", page_url), true);
		}
	} else if (id && id == c->navigate_id) {
		const char *e = json_string_value(json_object_get(result, "errorText"));

		verbose("boot: navigation answered at %.0f ms", now_ms());
		if (e && *e)
			note_boot_failure(r, "navigation", e);
	} else if (id && id == c->eval_id) {
		json_t *v = json_object_get(json_object_get(result, "result"), "value");
		json_t *thrown = json_object_get(result, "exceptionDetails");

		c->eval_id = 0;
		/* the expression is wrapped in a try: only one that does not parse throws */
		if (thrown) {
			const char *what = json_string_value(json_object_get(
				json_object_get(thrown, "exception"), "description"));
			char *m = xasprintf("the ready expression does not parse: %s",
					    what ? what : "a syntax error");

			m[strcspn(m, "\n")] = '\0';
			note_boot_failure(r, "ready", m);
			free(m);
			return;
		}
		verbose("boot: ready is %s at %.0f ms", json_is_true(v) ? "true" : "false", now_ms());
		if (json_is_true(v))
			c->ready = true;
	} else if (!id && method) {
		json_t *params = json_object_get(msg, "params");

		if (!strcmp(method, "Runtime.exceptionThrown"))
			on_exception(r, params, dirfd, origin);
		else if (!strcmp(method, "Runtime.consoleAPICalled"))
			on_console(r, params);
		else if (!strcmp(method, "Log.entryAdded"))
			on_log(r, params);
		else if (!strcmp(method, "Network.responseReceived"))
			on_response(r, params, origin);
		else if (!strcmp(method, "Page.frameNavigated"))
			on_navigated(c, r, params, origin, false);
		else if (!strcmp(method, "Page.frameRequestedNavigation"))
			on_navigated(c, r, params, origin, true);
		else if (!strcmp(method, "Page.loadEventFired") && !c->loaded) {
			verbose("boot: load event at %.0f ms", now_ms());
			c->loaded = true;
			c->loaded_at = now_ms();
		}
	}
}

/* Read what the browser sent; returns -1 when the pipe closed. */

/* How long the check may wait before it must look again: at the deadline, or to poll. */
static int wait_ms(double now, double deadline)
{
	double left = deadline - now;

	return left <= 0 ? 0 : left < LOOK_EVERY_MS ? (int)left + 1 : LOOK_EVERY_MS;
}

/*
 * The page's URL, its path percent-encoded: a file named with a space, a
 * "#" or letters beyond ASCII is still that file.
 */
/*
 * A live page is opened by chromium as an unprivileged user (from root:
 * nobody) with its sandbox on where the kernel lets that user make a user
 * namespace, which chromium's sandbox needs; where it cannot (a container's
 * seccomp, a sysctl), the browser runs without it and relgate says so once.
 */
struct browser_user {
	bool drop;
	uid_t uid;
	gid_t gid;
	bool sandbox;
};

static void browser_user(struct browser_user *u)
{
	static int known = -1;   /* the namespace test's result, once per process */
	static bool said;
	struct passwd *pw;
	pid_t pid;
	int status;

	memset(u, 0, sizeof(*u));
	if (geteuid() == 0) {
		pw = getpwnam("nobody");
		u->drop = true;
		u->uid = pw ? pw->pw_uid : 65534;
		u->gid = pw ? pw->pw_gid : 65534;
	}
	if (known < 0) {
		/* whether the user chromium runs as may make a user namespace: try it */
		pid = fork();
		if (pid == 0) {
			if (u->drop && (setgroups(0, NULL) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0))
				_exit(1);
			_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
		}
		known = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
			WEXITSTATUS(status) == 0;
	}
	u->sandbox = known == 1;
	if (!u->sandbox && !said) {
		warn("the kernel lets %s make no user namespace: chromium runs without its sandbox",
		     u->drop ? "nobody" : "this user");
		said = true;
	}
}

/* "https://shop.example:8443/": the origin of url, with a slash; NULL when it is not http(s). */
static char *origin_of(const char *url)
{
	const char *p = NULL, *end;

	if (starts_with(url, "http://"))
		p = url + 7;
	else if (starts_with(url, "https://"))
		p = url + 8;
	if (!p || !*p || *p == '/')
		return NULL;
	end = p + strcspn(p, "/?#");
	return xasprintf("%.*s/", (int)(end - url), url);
}

static char *page_url_of(int port, const char *page)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = BUF_INIT;
	const unsigned char *p;

	buf_addf(&b, "http://127.0.0.1:%d/", port);
	for (p = (const unsigned char *)page; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("/-._~", *p)) {
			buf_addc(&b, (char)*p);
		} else {
			buf_addc(&b, '%');
			buf_addc(&b, hex[*p >> 4]);
			buf_addc(&b, hex[*p & 15]);
		}
	}
	return buf_detach(&b, NULL);
}

/* What the loop's callback for the DevTools pipe needs. */
struct devtools_io {
	struct cdp *c;
	struct boot_result *r;
	int dirfd;                /* the served artifact's, or -1 (a live URL) */
	const char *origin;       /* "http://127.0.0.1:PORT/": the page's own */
	const char *page_url;
	bool closed;              /* the browser closed its end */
};

static void on_message(json_t *msg, void *data)
{
	struct devtools_io *io = data;

	cdp_message(io->c, io->r, msg, io->dirfd, io->origin, io->page_url);
}

static void on_devtools(struct loop *l, int fd, short revents, void *data)
{
	struct devtools_io *io = data;

	(void)revents;
	if (devtools_read(&io->c->dt, on_message, io) < 0) {
		io->closed = true;
		loop_del_fd(l, fd);
	}
	/* every message may decide the check: the waiting loop looks again */
	loop_interrupt(l);
}

static char *ready_expression(const char *ready)
{
	return xasprintf("(() => { try { return Boolean(%s); } catch (e) { return false; } })()",
			 ready);
}

int boot_check(struct supervisor *sv, const struct boot_opts *o, struct boot_result *r)
{
	struct httpd_files srv;
	struct cdp c = {0};
	struct sv_step step = SV_STEP_INIT;
	struct sv_result res;
	/* the browser's command line; step.argv points here, so it lives as long as the step */
	char *argv[] = {
		NULL, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-dev-shm-usage", "--no-default-browser-check",
		"--disable-extensions", "--mute-audio", "--no-proxy-server", "--remote-debugging-pipe",
		NULL /* --user-data-dir= */, "about:blank",
		NULL /* --user-agent= for a live URL */, NULL,
	};
	bool have_res = false;
	int64_t answer_ms;
	struct loop *loop = sv_loop(sv);
	struct devtools_io io = {.c = &c, .r = r, .dirfd = -1};
	char *chromium, *page_url = NULL, *profile = NULL, *arg_profile = NULL, *eval = NULL;
	char *origin = NULL, *env_home = NULL, *envs[2] = {NULL, NULL};
	char tmpl[] = "/tmp/relgate-chromium-XXXXXX";
	int to[2] = {-1, -1}, from[2] = {-1, -1}, ret = 0;
	bool started = false;
	double t0, deadline, nav_start = 0;
	struct stat st;
	char *page_path;

	memset(r, 0, sizeof(*r));
	memset(&srv, 0, sizeof(srv));
	srv.dirfd = -1;
	devtools_init(&c.dt);
	if (o->url) {
		if (!(origin = origin_of(o->url)))
			return error_as(FAULT_INPUT, "%s is not an http:// or https:// URL", o->url);
		goto find;
	}
	if (stat(o->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		return error_as(FAULT_REFUSED, "the artifact folder %s does not exist: did the build "
				"write its output there?", o->dir);
	}
	page_path = xasprintf("%s/%s", o->dir, o->page);
	if (access(page_path, R_OK) < 0) {
		error("%s has no %s: did the build write its output there?", o->dir, o->page);
		free(page_path);
		return fault(FAULT_REFUSED);
	}
	free(page_path);
find:
	chromium = find_chromium(o->chromium);
	if (!chromium) {
		free(origin);
		return error_as(FAULT_ENV, "no chromium to run the boot check: install Debian's "
				"(apt-get install chromium) or set RELGATE_CHROMIUM to a Chromium or "
				"Chrome binary");
	}
	if (!o->url && httpd_files_start(&srv, o->dir) < 0) {
		error("cannot serve %s on loopback:", o->dir);
		free(chromium);
		return fault(FAULT_ENV);
	}
	if (!o->url) {
		origin = xasprintf("http://127.0.0.1:%d/", srv.port);
		io.dirfd = srv.dirfd;
	} else {
		struct browser_user u;

		/* its visits are the watch's own: the collector does not count them */
		argv[ARRAY_LEN(argv) - 2] = "--user-agent=Mozilla/5.0 (X11; Linux x86_64) "
					    "HeadlessChrome relgate-probe/1";
		/* a page from the network: not as root, and in chromium's sandbox where it can be */
		browser_user(&u);
		step.as_user = u.drop;
		step.uid = u.uid;
		step.gid = u.gid;
		if (u.sandbox)
			argv[2] = "--disable-setuid-sandbox";   /* the namespace sandbox, not the helper */
	}
	io.origin = origin;
	profile = mkdtemp(tmpl);
	if (!profile || pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0) {
		error("cannot prepare the browser:");
		ret = fault(FAULT_ENV);
		goto out;
	}
	if (step.as_user) {
		/* the unprivileged user's own profile, and its home */
		if (chown(profile, step.uid, step.gid) < 0) {
			error("cannot give %s to the browser's user:", profile);
			ret = fault(FAULT_ENV);
			goto out;
		}
		env_home = xasprintf("HOME=%s", profile);
		envs[0] = env_home;
		step.env = envs;
	}
	arg_profile = xasprintf("--user-data-dir=%s", profile);
	argv[0] = chromium;
	argv[ARRAY_LEN(argv) - 4] = arg_profile;
	step.name = "browser";
	step.argv = argv;
	step.fd3 = to[0];
	step.fd4 = from[1];
	step.timeout_ms = 2 * o->timeout_ms + 5000;
	step.grace_ms = 2000;
	step.tail_max = 8192;
	t0 = now_ms();
	have_res = true;
	if (sv_start(sv, &step, &res, &res) < 0) {
		sv_wait(sv);
		error("cannot start %s: %s", chromium, res.error);
		ret = fault(FAULT_ENV);
		goto out;
	}
	started = true;
	close(to[0]);
	close(from[1]);
	to[0] = from[1] = -1;
	c.dt.to = to[1];
	c.dt.from = from[0];
	fcntl(c.dt.from, F_SETFL, O_NONBLOCK);
	page_url = o->url ? xstrdup(o->url) : page_url_of(srv.port, o->page);
	io.page_url = page_url;
	loop_add_fd(loop, c.dt.from, POLLIN, on_devtools, &io);
	/*
	 * Without a ready expression the page is ready once it has loaded (the
	 * load event can be missed by a client that attached as it fired, so
	 * the document is asked too), then stays quiet for a second.
	 */
	eval = ready_expression(o->ready ? o->ready : "location.href !== \"about:blank\" && "
				"document.readyState === \"complete\"");
	c.create_id = cdp_send(&c, "Target.createTarget", json_pack("{s:s}", "url", "about:blank"),
			       false);
	/* the browser's start counts against the check's timeout too */
	answer_ms = o->timeout_ms < BROWSER_ANSWER_MS ? o->timeout_ms : BROWSER_ANSWER_MS;
	deadline = t0 + (double)answer_ms;

	while (!r->kind && !r->passed) {
		double now = now_ms();
		void *done;

		if (c.navigate_id && !nav_start) {
			nav_start = now;
			r->browser_ms = now - t0;
			deadline = now + (double)o->timeout_ms;
		}
		if (now >= deadline) {
			char *m = nav_start ?
				  (o->ready ? xasprintf("not ready after %lld ms: %s is still false",
							(long long)o->timeout_ms, o->ready)
					    : xasprintf("the page did not load within %lld ms",
							(long long)o->timeout_ms))
				  : xasprintf("the browser did not answer within %d ms",
					      (int)answer_ms);

			note_boot_failure(r, nav_start ? "timeout" : "browser", m);
			free(m);
			break;
		}
		if (io.closed) {
			note_boot_failure(r, "browser", "the browser closed its DevTools pipe");
			break;
		}
		if (r->kind)
			break;
		if (c.ready && o->ready) {
			r->passed = true;
			break;
		}
		if (c.ready && !c.loaded) {
			c.loaded = true;
			c.loaded_at = now;
		}
		if (!o->ready && c.loaded && now - c.loaded_at >= QUIET_AFTER_LOAD_MS) {
			r->passed = true;
			break;
		}
		if (eval && c.dt.session && c.navigate_id && !c.eval_id &&
		    now - c.last_eval >= EVAL_EVERY_MS) {
			c.last_eval = now;
			c.eval_id = cdp_send(&c, "Runtime.evaluate",
					     json_pack("{s:s, s:b}", "expression", eval,
						       "returnByValue", 1), true);
		}
		/* the pipe, the server's news and the browser's end, all from the one loop */
		done = sv_wait_for(sv, wait_ms(now, deadline));
		if (done == &res) {
			started = false;
			note_boot_failure(r, "browser", "the browser exited");
			break;
		}
		if (sv_stop_signal(sv)) {
			note_boot_failure(r, "interrupted", "relgate was interrupted");
			break;
		}
	}
	/* nothing the browser says from here on changes the verdict */
	loop_del_fd(loop, c.dt.from);
	r->ms = nav_start ? now_ms() - nav_start : 0;
	if (r->kind && !strcmp(r->kind, "browser") && !nav_start) {
		/* it never got as far as the page: the browser, not the product, failed */
		struct buf why = BUF_INIT;
		const char *tail;
		size_t n;

		for (t0 = now_ms(); started && now_ms() - t0 < 2000;)
			if (sv_wait_for(sv, 50) == &res)
				started = false;
		tail = res.tail.data ? res.tail.data : "";
		n = res.tail.len > 600 ? 600 : res.tail.len;
		buf_addf(&why, "%s did not start: %s", chromium, r->message);
		if (!started && res.outcome != SV_NOT_STARTED) {
			buf_adds(&why, " (");
			sv_describe(&step, &res, &why);
			buf_adds(&why, ")");
		}
		if (n)
			buf_addf(&why, "; it said: %.*s", (int)n, tail + res.tail.len - n);
		error("%s", why.data);
		buf_release(&why);
		ret = fault(FAULT_ENV);
	}
	if (started) {
		cdp_send(&c, "Browser.close", NULL, false);
		/* a moment to close by itself, then the whole tree goes */
		for (t0 = now_ms(); now_ms() - t0 < 1000;)
			if (sv_wait_for(sv, 50) == &res)
				break;
		if (sv_running(sv))
			sv_stop_all(sv);
	}
out:
	if (have_res)
		sv_result_release(&res);
	if (to[1] >= 0)
		close(to[1]);
	if (from[0] >= 0)
		close(from[0]);
	if (to[0] >= 0)
		close(to[0]);
	if (from[1] >= 0)
		close(from[1]);
	if (profile)
		remove_tree(AT_FDCWD, profile, 0);
	httpd_files_stop(&srv);
	devtools_release(&c.dt);
	free(c.target);
	free(eval);
	free(page_url);
	free(origin);
	free(env_home);
	free(arg_profile);
	free(chromium);
	return ret;
}

const struct cfg_check *boot_check_of(const struct cfg_product *p, const char *name)
{
	size_t k;

	for (k = 0; k < p->nchecks; k++)
		if (p->checks[k].is_boot && (!name || !strcmp(p->checks[k].name, name)))
			return &p->checks[k];
	return NULL;
}

void boot_opts_of(struct boot_opts *o, char **dir, const char *root, const struct cfg_product *p,
		  const struct cfg_check *c)
{
	*dir = xasprintf("%s/%s", root, p->artifact ? p->artifact : ".");
	o->dir = *dir;
	o->page = c ? c->boot.page : "index.html";
	o->ready = c ? c->boot.ready : NULL;
	o->timeout_ms = c ? c->boot.timeout_ms : CONFIG_BOOT_TIMEOUT_MS;
}

void boot_result_release(struct boot_result *r)
{
	free(r->message);
	free(r->stack);
	free(r->where);
	free(r->excerpt);
	memset(r, 0, sizeof(*r));
}
