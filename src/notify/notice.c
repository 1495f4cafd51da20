/*
 * notice: a message and its form on each channel.  Every form escapes for
 * its own syntax: JSON strings by jsonw, Slack's mrkdwn (&, <, >), HTML,
 * markdown tables' pipes, e-mail headers (no line breaks; RFC 2047 for
 * what is not ASCII) and bodies (quoted-printable, so that no line is too
 * long and nothing needs 8BITMIME).
 */
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/config.h"
#include "lib/jsonw.h"
#include "notify/notice.h"

/* Slack's limits (api.slack.com/reference/block-kit/blocks). */
#define SLACK_HEADER_MAX 150
#define SLACK_SECTION_MAX 3000
#define SLACK_BLOCKS_MAX 50

void notice_init(struct notice *n, const char *kind, const char *product, const char *fmt, ...)
{
	va_list ap;

	memset(n, 0, sizeof(*n));
	snprintf(n->kind, sizeof(n->kind), "%s", kind);
	n->product = product ? xstrdup(product) : NULL;
	va_start(ap, fmt);
	n->subject = xvasprintf(fmt, ap);
	va_end(ap);
	/* a subject is one line, wherever it came from */
	for (char *p = n->subject; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
}

struct notice_section *notice_section(struct notice *n, const char *fmt, ...)
{
	struct notice_section *s;
	va_list ap;

	if (n->n == n->cap) {
		n->cap = n->cap ? 2 * n->cap : 4;
		n->sections = xreallocarray(n->sections, n->cap, sizeof(*n->sections));
	}
	s = &n->sections[n->n++];
	memset(s, 0, sizeof(*s));
	va_start(ap, fmt);
	s->title = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void notice_line(struct notice_section *s, const char *fmt, ...)
{
	va_list ap;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4;
		s->lines = xreallocarray(s->lines, s->cap, sizeof(*s->lines));
	}
	va_start(ap, fmt);
	s->lines[s->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

void notice_release(struct notice *n)
{
	size_t i, k;

	for (i = 0; i < n->n; i++) {
		for (k = 0; k < n->sections[i].n; k++)
			free(n->sections[i].lines[k]);
		free(n->sections[i].lines);
		free(n->sections[i].title);
	}
	free(n->sections);
	free(n->product);
	free(n->subject);
	free(n->markdown);
	free(n->data);
	free(n->thread);
	memset(n, 0, sizeof(*n));
}

static void hash_field(struct sha256_ctx *c, const char *s)
{
	/* each field with its length, so that no two messages hash alike by moving a boundary */
	size_t len = s ? strlen(s) + 1 : 0;
	char head[24];

	snprintf(head, sizeof(head), "%zu:", len);
	sha256_update(c, strlen(head), (const uint8_t *)head);
	if (s)
		sha256_update(c, len, (const uint8_t *)s);
}

void notice_content(const struct notice *n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;
	size_t i, k;

	sha256_init(&c);
	hash_field(&c, n->kind);
	hash_field(&c, n->product);
	hash_field(&c, n->subject);
	for (i = 0; i < n->n; i++) {
		hash_field(&c, n->sections[i].title);
		for (k = 0; k < n->sections[i].n; k++)
			hash_field(&c, n->sections[i].lines[k]);
	}
	hash_field(&c, n->markdown);
	hash_field(&c, n->data);
	sha256_digest(&c, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * sizeof(d)] = '\0';
}

/* At most max bytes of s, cut at a character's start, with "..." when cut. */
static void add_cut(struct buf *b, const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max) {
		buf_adds(b, s);
		return;
	}
	len = max > 3 ? max - 3 : 0;
	while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	buf_add(b, s, len);
	buf_adds(b, "...");
}

void notice_text(const struct notice *n, struct buf *out)
{
	size_t i, k;

	buf_reset(out);
	buf_addf(out, "%s\n", n->subject);
	for (i = 0; i < n->n; i++) {
		bool titled = *n->sections[i].title;

		if (titled)
			buf_addf(out, "\n%s\n", n->sections[i].title);
		else
			buf_addc(out, '\n');
		for (k = 0; k < n->sections[i].n; k++)
			buf_addf(out, "%s%s\n", titled ? "  " : "", n->sections[i].lines[k]);
	}
}

/* ---- relgate's own JSON (webhook, command) ---- */

static void own_json(const struct notice *n, const struct notice_env *env, struct buf *out)
{
	struct jw w;
	size_t i, k;

	jw_init(&w, out);
	jw_object(&w);
	jw_kint(&w, "v", 1);
	jw_kstr(&w, "delivery", env->delivery);
	jw_kstr(&w, "kind", n->kind);
	jw_kstr(&w, "product", n->product);
	jw_kstr(&w, "subject", n->subject);
	jw_key(&w, "sections");
	jw_array(&w);
	for (i = 0; i < n->n; i++) {
		jw_object(&w);
		jw_kstr(&w, "title", n->sections[i].title);
		jw_key(&w, "lines");
		jw_array(&w);
		for (k = 0; k < n->sections[i].n; k++)
			jw_str(&w, n->sections[i].lines[k]);
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_key(&w, "data");
	jw_raw(&w, n->data);
	jw_end(&w);
	jw_done(&w);
}

/* ---- Slack ---- */

/*
 * &, < and > as entities (what Slack's mrkdwn reads as markup: links,
 * mentions), and " too for HTML, where it may end an attribute.
 */
static void entities(struct buf *b, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '&')
			buf_adds(b, "&amp;");
		else if (*s == '<')
			buf_adds(b, "&lt;");
		else if (*s == '>')
			buf_adds(b, "&gt;");
		else if (*s == '"' && quote)
			buf_adds(b, "&quot;");
		else
			buf_addc(b, *s);
	}
}

static void slack_text(struct jw *w, const char *type, const char *text)
{
	jw_object(w);
	jw_kstr(w, "type", type);
	jw_kstr(w, "text", text);
	jw_end(w);
}

static void slack(const struct notice *n, const struct notice_env *env, struct buf *out)
{
	struct buf t = BUF_INIT, cut = BUF_INIT;
	size_t i, k, room = SLACK_BLOCKS_MAX - 3;  /* header, context, and "and N more" */
	struct jw w;

	jw_init(&w, out);
	jw_object(&w);
	jw_kstr(&w, "text", n->subject);   /* what notifications and old clients show */
	jw_key(&w, "blocks");
	jw_array(&w);
	jw_object(&w);
	jw_kstr(&w, "type", "header");
	jw_key(&w, "text");
	add_cut(&cut, n->subject, SLACK_HEADER_MAX);
	slack_text(&w, "plain_text", cut.data);
	jw_end(&w);
	for (i = 0; i < n->n && i < room; i++) {
		buf_reset(&t);
		if (*n->sections[i].title) {
			buf_adds(&t, "*");
			entities(&t, n->sections[i].title, false);
			buf_adds(&t, "*");
		}
		for (k = 0; k < n->sections[i].n; k++) {
			if (t.len)
				buf_addc(&t, '\n');
			entities(&t, n->sections[i].lines[k], false);
		}
		if (!t.len)
			continue;
		buf_reset(&cut);
		add_cut(&cut, t.data, SLACK_SECTION_MAX);
		jw_object(&w);
		jw_kstr(&w, "type", "section");
		jw_key(&w, "text");
		slack_text(&w, "mrkdwn", cut.data);
		jw_end(&w);
	}
	if (i < n->n) {
		buf_reset(&t);
		buf_addf(&t, "and %zu more", n->n - i);
		jw_object(&w);
		jw_kstr(&w, "type", "section");
		jw_key(&w, "text");
		slack_text(&w, "mrkdwn", t.data);
		jw_end(&w);
	}
	buf_reset(&t);
	buf_addf(&t, "relgate %s, delivery %s", n->kind, env->delivery);
	jw_object(&w);
	jw_kstr(&w, "type", "context");
	jw_key(&w, "elements");
	jw_array(&w);
	slack_text(&w, "mrkdwn", t.data);
	jw_end(&w);
	jw_end(&w);
	jw_end(&w);
	jw_end(&w);
	jw_done(&w);
	buf_release(&t);
	buf_release(&cut);
}

/* ---- Microsoft Teams: an Adaptive Card in a message ---- */

static void card_text(struct jw *w, const char *text, const char *style)
{
	jw_object(w);
	jw_kstr(w, "type", "TextBlock");
	jw_kstr(w, "text", text);
	jw_kbool(w, "wrap", true);
	if (!strcmp(style, "title")) {
		jw_kstr(w, "size", "Large");
		jw_kstr(w, "weight", "Bolder");
	} else if (!strcmp(style, "heading")) {
		jw_kstr(w, "weight", "Bolder");
		jw_kbool(w, "separator", true);
	} else if (!strcmp(style, "subtle")) {
		jw_kbool(w, "isSubtle", true);
		jw_kstr(w, "size", "Small");
	}
	jw_end(w);
}

static void teams(const struct notice *n, const struct notice_env *env, struct buf *out)
{
	struct buf t = BUF_INIT;
	struct jw w;
	size_t i, k;

	jw_init(&w, out);
	jw_object(&w);
	jw_kstr(&w, "type", "message");
	jw_key(&w, "attachments");
	jw_array(&w);
	jw_object(&w);
	jw_kstr(&w, "contentType", "application/vnd.microsoft.card.adaptive");
	jw_kstr(&w, "contentUrl", NULL);
	jw_key(&w, "content");
	jw_object(&w);
	jw_kstr(&w, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
	jw_kstr(&w, "type", "AdaptiveCard");
	jw_kstr(&w, "version", "1.4");
	jw_key(&w, "body");
	jw_array(&w);
	card_text(&w, n->subject, "title");
	for (i = 0; i < n->n; i++) {
		if (*n->sections[i].title)
			card_text(&w, n->sections[i].title, "heading");
		buf_reset(&t);
		for (k = 0; k < n->sections[i].n; k++)
			buf_addf(&t, "%s%s", k ? "\n\n" : "", n->sections[i].lines[k]);
		if (t.len)
			card_text(&w, t.data, "body");
	}
	buf_reset(&t);
	buf_addf(&t, "relgate %s, delivery %s", n->kind, env->delivery);
	card_text(&w, t.data, "subtle");
	jw_end(&w);
	jw_end(&w);
	jw_end(&w);
	jw_end(&w);
	jw_end(&w);
	jw_done(&w);
	buf_release(&t);
}

/* ---- markdown (GitHub) ---- */

void notice_github_marker(const char *thread, struct buf *out)
{
	const char *p;

	buf_adds(out, "<!-- relgate: ");
	/* "--" would end the comment early */
	for (p = thread ? thread : "message"; *p; p++)
		buf_addc(out, *p == '-' && p[1] == '-' ? '_' : *p);
	buf_adds(out, " -->");
}

static void md_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\`*_[]<>|#", *s))
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
}

static void github(const struct notice *n, const struct notice_env *env, struct buf *out)
{
	size_t i, k;

	notice_github_marker(n->thread, out);
	buf_adds(out, "\n");
	if (n->markdown) {
		buf_adds(out, n->markdown);
	} else {
		buf_adds(out, "### ");
		md_escape(out, n->subject);
		buf_adds(out, "\n");
		for (i = 0; i < n->n; i++) {
			buf_adds(out, "\n");
			if (*n->sections[i].title) {
				buf_adds(out, "**");
				md_escape(out, n->sections[i].title);
				buf_adds(out, "**\n");
			}
			for (k = 0; k < n->sections[i].n; k++) {
				buf_adds(out, "- ");
				md_escape(out, n->sections[i].lines[k]);
				buf_adds(out, "\n");
			}
		}
	}
	buf_addf(out, "\n<sub>relgate %s, delivery %s</sub>\n", n->kind, env->delivery);
}

/* ---- e-mail ---- */

/* A header's value: one line, RFC 2047's encoded words where it is not printable ASCII. */
static void header_value(struct buf *b, const char *s)
{
	const unsigned char *p;
	bool plain = true;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			plain = false;
	if (plain && !strstr(s, "=?")) {
		buf_adds(b, s);
		return;
	}
	/* encoded words of at most 45 bytes each (60 in base64), cut at a character's start */
	for (p = (const unsigned char *)s; *p;) {
		char enc[BASE64_ENCODE_RAW_LENGTH(48) + 1];
		uint8_t raw[48];
		size_t n = 0;

		while (p[n] && n < 45) {
			size_t step = utf8_len(p + n);

			if (!step)
				step = 1;
			if (n + step > 45 && n)
				break;
			n += step;
		}
		for (size_t i = 0; i < n; i++)
			raw[i] = p[i] < 0x20 ? ' ' : p[i];   /* no line breaks in a header */
		base64_encode_raw(enc, n, raw);
		enc[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
		buf_addf(b, "%s=?UTF-8?B?%s?=", p == (const unsigned char *)s ? "" : "\r\n ", enc);
		p += n;
	}
}

/* Quoted-printable (RFC 2045 6.7) of text whose lines end in "\n": lines of at most 76. */
static void quoted_printable(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char enc[4];
		size_t len;
		bool literal;

		if (*p == '\n') {
			buf_adds(b, "\r\n");
			col = 0;
			continue;
		}
		literal = (*p >= 33 && *p <= 126 && *p != '=') ||
			  (*p == ' ' && p[1] != '\n' && p[1] != '\0');
		if (col + (literal ? 1 : 3) > 75) {
			buf_adds(b, "=\r\n");
			col = 0;
		}
		/* a "." first on a line is encoded too: SMTP's end of data is "." alone */
		if (literal && !(*p == '.' && col == 0)) {
			enc[0] = (char)*p;
			len = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 15];
			len = 3;
		}
		buf_add(b, enc, len);
		col += len;
	}
	if (col)
		buf_adds(b, "\r\n");
}

static void email(const struct notice *n, const struct cfg_channel *ch,
		  const struct notice_env *env, struct buf *out)
{
	struct buf text = BUF_INIT, html = BUF_INIT;
	char date[64], boundary[64];
	time_t t = (time_t)(env->at_ms / 1000);
	struct tm tm;
	size_t i, k;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(boundary, sizeof(boundary), "relgate-%s-%lld", env->delivery,
		 (long long)env->at_ms);
	buf_adds(out, "From: ");
	if (ch->from)
		buf_adds(out, ch->from);
	else
		buf_addf(out, "relgate <relgate@%s>", env->host);
	buf_adds(out, "\r\nTo: ");
	for (i = 0; i < ch->to.n; i++)
		buf_addf(out, "%s%s", i ? ", " : "", ch->to.v[i]);
	buf_adds(out, "\r\nSubject: ");
	header_value(out, n->subject);
	buf_addf(out, "\r\nDate: %s\r\nMessage-ID: <%s.%lld@%s>\r\n", date, env->delivery,
		 (long long)env->at_ms, env->host);
	buf_addf(out, "X-Relgate-Delivery: %s\r\nX-Relgate-Kind: %s\r\n", env->delivery, n->kind);
	buf_addf(out, "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n"
		 "\r\n", boundary);

	notice_text(n, &text);
	buf_addf(&text, "\n-- \nrelgate %s, delivery %s\n", n->kind, env->delivery);
	buf_addf(out, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		 "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary);
	quoted_printable(out, text.data);

	buf_adds(&html, "<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif\">\n<h2>");
	entities(&html, n->subject, true);
	buf_adds(&html, "</h2>\n");
	for (i = 0; i < n->n; i++) {
		if (*n->sections[i].title) {
			buf_adds(&html, "<h3>");
			entities(&html, n->sections[i].title, true);
			buf_adds(&html, "</h3>\n");
		}
		buf_adds(&html, "<ul>\n");
		for (k = 0; k < n->sections[i].n; k++) {
			buf_adds(&html, "<li>");
			entities(&html, n->sections[i].lines[k], true);
			buf_adds(&html, "</li>\n");
		}
		buf_adds(&html, "</ul>\n");
	}
	buf_addf(&html, "<p style=\"color: #666; font-size: small\">relgate %s, delivery %s</p>\n"
		 "</body></html>\n", n->kind, env->delivery);
	buf_addf(out, "--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
		 "Content-Transfer-Encoding: quoted-printable\r\n\r\n", boundary);
	quoted_printable(out, html.data);
	buf_addf(out, "--%s--\r\n", boundary);
	buf_release(&text);
	buf_release(&html);
}

void notice_payload(const struct notice *n, const struct cfg_channel *ch,
		    const struct notice_env *env, struct buf *out)
{
	buf_reset(out);
	if (!strcmp(ch->type, "slack"))
		slack(n, env, out);
	else if (!strcmp(ch->type, "teams"))
		teams(n, env, out);
	else if (!strcmp(ch->type, "email"))
		email(n, ch, env, out);
	else if (!strcmp(ch->type, "github"))
		github(n, env, out);
	else
		own_json(n, env, out);
}
