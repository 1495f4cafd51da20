/*
 * snippet: the script in the binary, its CSP hash, the meta that configures
 * it, and where it goes in a page.  Pages are read as bytes: the markup
 * relgate looks for is ASCII in every encoding a web page may use, and
 * nothing but the tags relgate puts in is changed.
 */
#define _GNU_SOURCE   /* memmem */
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

#include "release/snippet.h"

/* src/release/snippet.js, written compact by hand; see its comment in the Makefile */
__asm__(".section .rodata\n"
	".global snippet_source\n"
	"snippet_source:\n"
	".incbin \"src/release/snippet.js\"\n"
	".byte 0\n"
	".previous\n");
extern const char snippet_source[];

#define META_OPEN "<meta name=\"relgate\" content=\""

const char *snippet_js(size_t *len)
{
	size_t n = strlen(snippet_source);

	/* the file's last newline is not part of the script */
	while (n && (snippet_source[n - 1] == '\n' || snippet_source[n - 1] == '\r'))
		n--;
	*len = n;
	return snippet_source;
}

void snippet_csp_source(char out[SNIPPET_CSP_MAX])
{
	struct sha256_ctx ctx;
	uint8_t sha[SHA256_DIGEST_SIZE];
	size_t n;
	const char *js = snippet_js(&n);

	sha256_init(&ctx);
	sha256_update(&ctx, n, (const uint8_t *)js);
	sha256_digest(&ctx, sizeof(sha), sha);
	memcpy(out, "'sha256-", 8);
	base64_encode_raw((char *)out + 8, sizeof(sha), sha);
	memcpy(out + 8 + BASE64_ENCODE_RAW_LENGTH(SHA256_DIGEST_SIZE), "'", 2);
}

/*
 * Text as an attribute's value: quotes and the markup characters as
 * entities, and every character beyond ASCII as a numeric reference, so
 * that the tags mean the same in a page of any charset.
 */
static void add_attr(struct buf *out, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		uint32_t cp;
		size_t n, i;

		switch (*p) {
		case '"': buf_adds(out, "&quot;"); continue;
		case '&': buf_adds(out, "&amp;"); continue;
		case '<': buf_adds(out, "&lt;"); continue;
		case '>': buf_adds(out, "&gt;"); continue;
		case '\'': buf_adds(out, "&#39;"); continue;
		}
		if (*p < 0x80 || !(n = utf8_len(p))) {
			buf_addc(out, (char)*p);
			continue;
		}
		cp = n == 2 ? *p & 0x1f : n == 3 ? *p & 0x0f : *p & 0x07;
		for (i = 1; i < n; i++)
			cp = cp << 6 | (p[i] & 0x3f);
		buf_addf(out, "&#x%x;", (unsigned)cp);
		p += n - 1;
	}
}

/* ,"key":"s" (the first member without its comma) as an attribute's text */
static void add_attr_member(struct buf *out, bool first, const char *key, const char *s)
{
	struct buf json = BUF_INIT;

	buf_addf(&json, "%s\"%s\":", first ? "" : ",", key);
	buf_add_json_str(&json, s);
	add_attr(out, json.data);
	buf_release(&json);
}

static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static bool is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* A JSON number at p: its end, or NULL. */
static const char *json_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

/* A quoted JavaScript string of plain characters and simple escapes, as JSON: its end, or NULL. */
static const char *js_string(const char *p, struct buf *literal)
{
	char q = *p++;
	struct buf text = BUF_INIT;

	for (; *p && *p != q; p++) {
		if (*p == '\\') {
			switch (*++p) {
			case '\\': case '\'': case '"': buf_addc(&text, *p); continue;
			case 'n': buf_addc(&text, '\n'); continue;
			case 't': buf_addc(&text, '\t'); continue;
			default: buf_release(&text); return NULL;
			}
		}
		if (*p == '\n' || *p == '\r') {
			buf_release(&text);
			return NULL;
		}
		buf_addc(&text, *p);
	}
	if (*p != q) {
		buf_release(&text);
		return NULL;
	}
	buf_add_json_str(literal, text.data ? text.data : "");
	buf_release(&text);
	return p + 1;
}

bool snippet_ready_global(const char *expr, struct buf *path, struct buf *literal)
{
	const char *p = skip_space(expr), *start, *end;

	buf_reset(path);
	buf_reset(literal);
	if (!strncmp(p, "window.", 7))
		p += 7;
	start = p;
	for (;;) {
		if (!is_ident_start((unsigned char)*p))
			goto no;
		while (is_ident((unsigned char)*p))
			p++;
		if (*p != '.')
			break;
		p++;
	}
	buf_add(path, start, (size_t)(p - start));
	p = skip_space(p);
	if (strncmp(p, "===", 3))
		goto no;
	p = skip_space(p + 3);
	if (*p == '"' || *p == '\'') {
		end = js_string(p, literal);
	} else if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4)) {
		end = p + 4;
	} else if (!strncmp(p, "false", 5)) {
		end = p + 5;
	} else {
		end = json_number(p);
	}
	if (!end || is_ident((unsigned char)*end))
		goto no;
	if (*p != '"' && *p != '\'')
		buf_add(literal, p, (size_t)(end - p));
	end = skip_space(end);
	if (*end == ';')
		end = skip_space(end + 1);
	if (!*end)
		return true;
no:
	buf_reset(path);
	buf_reset(literal);
	return false;
}

void snippet_tags(struct buf *out, const struct snippet_page *p)
{
	struct buf path = BUF_INIT, literal = BUF_INIT, m = BUF_INIT;
	size_t len;
	const char *js = snippet_js(&len);

	buf_addf(&m, "not ready after %lld ms", (long long)p->timeout_ms);
	if (p->ready)
		buf_addf(&m, ": %s is still false", p->ready);
	buf_adds(out, META_OPEN "{");
	add_attr_member(out, true, "p", p->product);
	add_attr_member(out, false, "r", p->release);
	add_attr_member(out, false, "b", p->beacon && *p->beacon ? p->beacon : "/beacon");
	buf_addf(out, ",&quot;t&quot;:%lld", (long long)p->timeout_ms);
	add_attr_member(out, false, "m", m.data);
	if (p->ready && snippet_ready_global(p->ready, &path, &literal)) {
		add_attr_member(out, false, "w", path.data);
		/* the literal is JSON already */
		buf_adds(out, ",&quot;e&quot;:");
		add_attr(out, literal.data);
	}
	buf_adds(out, "}\"><script>");
	buf_add(out, js, len);
	buf_adds(out, "</script>");
	buf_release(&path);
	buf_release(&literal);
	buf_release(&m);
}

/* ---- where in the page ---- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether the len bytes at p, in any case, are word (ASCII, lower case). */
static bool starts_icase(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word), i;

	if ((size_t)(end - p) < n)
		return false;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)p[i]) != word[i])
			return false;
	return true;
}

static const char *find(const char *p, const char *end, const char *s)
{
	return memmem(p, (size_t)(end - p), s, strlen(s));
}

static const char *find_icase(const char *p, const char *end, const char *word)
{
	for (; p < end; p++)
		if (starts_icase(p, end, word))
			return p;
	return NULL;
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* One tag from its '<': name (lower case, at most 15 bytes), attributes, and its end after '>'. */
struct tag {
	char name[16];
	bool closing;
	const char *attrs, *attrs_end, *end;
};

/* 1 a tag, 0 not one (a '<' of text), -1 a tag never closed: nothing after it is markup. */
static int read_tag(const char *p, const char *end, struct tag *t)
{
	size_t n = 0;
	char q = 0;

	memset(t, 0, sizeof(*t));
	p++;
	if (p < end && *p == '/') {
		t->closing = true;
		p++;
	}
	if (p >= end || !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	while (p < end && !is_space((unsigned char)*p) && *p != '>' && *p != '/') {
		if (n < sizeof(t->name) - 1)
			t->name[n++] = (char)lower((unsigned char)*p);
		p++;
	}
	t->attrs = p;
	for (; p < end; p++) {
		if (q) {
			if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			/* a quote opens a value only after '=' */
			const char *b = p - 1;

			while (b > t->attrs && is_space((unsigned char)*b))
				b--;
			if (*b == '=')
				q = *p;
		} else if (*p == '>') {
			t->attrs_end = p;
			t->end = p + 1;
			return 1;
		}
	}
	return -1;
}

/* Whether a meta tag's attributes declare the page's charset. */
static bool declares_charset(const struct tag *t)
{
	const char *p;
	bool equiv = false;

	for (p = t->attrs; p < t->attrs_end; p++) {
		if (!is_space((unsigned char)p[-1]) && p[-1] != '"' && p[-1] != '\'' && p[-1] != '/')
			continue;
		if (starts_icase(p, t->attrs_end, "charset") &&
		    (p + 7 == t->attrs_end || is_space((unsigned char)p[7]) || p[7] == '='))
			return true;
		if (starts_icase(p, t->attrs_end, "http-equiv"))
			equiv = true;
	}
	/* <meta http-equiv="Content-Type" content="text/html; charset=..."> */
	return equiv && find_icase(t->attrs, t->attrs_end, "content-type");
}

/* Where the tags go in the page. */
static size_t insertion_point(const char *html, size_t len)
{
	const char *p = html, *end = html + len, *after_head = NULL, *after_html = NULL;
	const char *after_doctype = NULL;
	struct tag t;

	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	after_doctype = p;   /* at the least, after the byte-order mark */
	while ((p = memchr(p, '<', (size_t)(end - p)))) {
		if (starts_icase(p, end, "<!--")) {
			const char *c = find(p + 4, end, "-->");

			if (!c)
				break;
			p = c + 3;
			continue;
		}
		if (end - p > 1 && (p[1] == '!' || p[1] == '?')) {
			const char *c = memchr(p, '>', (size_t)(end - p));

			if (!c)
				break;
			if (starts_icase(p, end, "<!doctype"))
				after_doctype = c + 1;
			p = c + 1;
			continue;
		}
		switch (read_tag(p, end, &t)) {
		case 0:
			p++;
			continue;
		case -1:
			/* each later '<' would be read to the end again: stop here */
			p = end;
			continue;
		}
		if (!t.closing && !strcmp(t.name, "meta") && declares_charset(&t))
			return (size_t)(t.end - html);
		if (!t.closing && !strcmp(t.name, "head") && !after_head)
			after_head = t.end;
		if (!t.closing && !strcmp(t.name, "html") && !after_html)
			after_html = t.end;
		/* the charset belongs in the head: past it, stop looking */
		if ((t.closing && !strcmp(t.name, "head")) || (!t.closing && !strcmp(t.name, "body")))
			break;
		if (!t.closing && (!strcmp(t.name, "script") || !strcmp(t.name, "style") ||
				   !strcmp(t.name, "title") || !strcmp(t.name, "textarea") ||
				   !strcmp(t.name, "noscript") || !strcmp(t.name, "template"))) {
			/* raw text: markup inside it is not markup */
			char close[20];
			const char *c;

			snprintf(close, sizeof(close), "</%s", t.name);
			c = find_icase(t.end, end, close);
			if (!c)
				break;
			p = c;
			continue;
		}
		p = t.end;
	}
	if (after_head)
		return (size_t)(after_head - html);
	if (after_html)
		return (size_t)(after_html - html);
	return (size_t)(after_doctype - html);
}

/* The longest script a relgate release ever wrote. */
#define OLD_SCRIPT_MAX ((size_t)64 << 10)

/*
 * Take out every relgate meta followed by this binary's snippet or any
 * other one.  Each byte is looked at a bounded number of times, however
 * many broken metas a page holds: a meta's content ends at its first '"',
 * and the next "</script>" is searched once and kept until passed.
 */
static void strip_old(const char *html, size_t len, struct buf *out)
{
	const char *p = html, *end = html + len, *m, *close = NULL;
	size_t open_len = strlen(META_OPEN);
	bool none_left = false;   /* no "</script>" after close's search */

	while ((m = find(p, end, META_OPEN))) {
		const char *content = m + open_len;
		const char *q = memchr(content, '"', (size_t)(end - content));

		/* ours: no '<' in its content, the script right after, and its end near */
		if (q && !memchr(content, '<', (size_t)(q - content)) &&
		    (size_t)(end - q) >= strlen("\"><script>") &&
		    !memcmp(q, "\"><script>", strlen("\"><script>"))) {
			const char *body = q + strlen("\"><script>");

			if (!none_left && (!close || close < body)) {
				close = find(body, end, "</script>");
				none_left = !close;
			}
			if (close && (size_t)(close - body) <= OLD_SCRIPT_MAX) {
				buf_add(out, p, (size_t)(m - p));
				p = close + strlen("</script>");
				continue;
			}
		}
		buf_add(out, p, (size_t)(content - p));
		p = content;
	}
	buf_add(out, p, (size_t)(end - p));
}

void snippet_inject(const char *html, size_t len, const char *tags, size_t tags_len,
		    struct buf *out)
{
	struct buf clean = BUF_INIT;
	size_t at;

	strip_old(html, len, &clean);
	buf_addc(&clean, '\0');   /* room for a NUL even when the page is empty */
	clean.len--;
	at = insertion_point(clean.data, clean.len);
	buf_add(out, clean.data, at);
	buf_add(out, tags, tags_len);
	buf_add(out, clean.data + at, clean.len - at);
	buf_release(&clean);
}

bool snippet_is_page(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && starts_icase(path + n - 5, path + n, ".html")) ||
	       (n > 4 && starts_icase(path + n - 4, path + n, ".htm"));
}
