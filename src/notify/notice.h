/*
 * notice: one message for people (a release plan, a release, a forced
 * release, a rollback, a failed gate, a line typed by hand) and its form
 * on each kind of channel:
 *
 *   webhook, command   relgate's JSON (doc/notify.md): v, delivery, kind,
 *                      product, subject, sections, data
 *   slack              an incoming webhook's blocks: a header, a section
 *                      per product, a context line with the delivery id
 *   teams              an incoming webhook's Adaptive Card
 *   email              a MIME message, plain text and HTML parts
 *   github             a pull request comment in markdown, with a hidden
 *                      marker by which relgate finds it again
 *
 * A message is a subject and sections, each a title and lines of plain
 * text; each channel's form is made from those, escaped for it.  A form is
 * made once, when the message is queued, so that a retry sends the same
 * bytes.
 */
#ifndef RELGATE_NOTICE_H
#define RELGATE_NOTICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

struct cfg_channel;

struct notice_section {
	char *title;
	char **lines;
	size_t n, cap;
};

struct notice {
	char kind[16];           /* "plan", "release", "forced", "rollback", "gate", "message" */
	char *product;           /* NULL: about several, or none */
	char *subject;           /* one line */
	struct notice_section *sections;
	size_t n, cap;
	char *markdown;          /* the whole message in markdown, when it has its own (plans) */
	char *data;              /* the event as a JSON object's text, or NULL */
	char *thread;            /* what it is about, "plan pr:12": one GitHub comment each */
	bool once;               /* the same content on the same thread is not sent twice */
};

void notice_init(struct notice *n, const char *kind, const char *product, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct notice_section *notice_section(struct notice *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void notice_line(struct notice_section *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void notice_release(struct notice *n);

/* The digest of what it says (subject, sections, markdown, data): hex into out[65]. */
void notice_content(const struct notice *n, char *out);

/* What a form needs besides the message. */
struct notice_env {
	const char *delivery;    /* the delivery's id */
	const char *host;        /* for the e-mail's From and Message-ID */
	int64_t at_ms;           /* the e-mail's Date */
};

/* The channel's form of n into out (reset first). */
void notice_payload(const struct notice *n, const struct cfg_channel *ch,
		    const struct notice_env *env, struct buf *out);

/* The marker that starts a GitHub comment of thread: "<!-- relgate: THREAD -->". */
void notice_github_marker(const char *thread, struct buf *out);

/* The plain text of n, as a terminal or a log shows it. */
void notice_text(const struct notice *n, struct buf *out);

#endif
