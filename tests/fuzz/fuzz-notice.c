/*
 * fuzz-notice: a message made of text from outside (file paths, package
 * names, commit messages, a step's output), in every channel's form.  The
 * JSON forms must parse; the e-mail's lines end in CRLF and stay within
 * SMTP's 998 bytes, no line of the body is a lone "." and no text makes a
 * header of its own; the GitHub comment's marker closes only where relgate
 * closes it.
 *
 * The input: lines; the first is the subject, a line starting with "#" a
 * section's title, the others its lines.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "notify/notice.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_json(const struct notice *n, const char *type)
{
	static char *to[] = {"a@x.example"};
	struct cfg_channel ch = {.name = "c", .type = (char *)type, .to = {to, 1}};
	struct notice_env env = {"d000001", "h.example", 0};
	struct buf b = BUF_INIT;
	json_t *j;

	notice_payload(n, &ch, &env, &b);
	if (!(j = json_loadb(b.data, b.len, 0, NULL)))
		abort();
	json_decref(j);
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *to[] = {"a@x.example"};
	struct cfg_channel mail = {.name = "m", .type = "email", .to = {to, 1}};
	struct cfg_channel gh = {.name = "g", .type = "github"};
	struct notice_env env = {"d000001", "h.example", 0};
	struct notice_section *sec = NULL;
	const char *p = (const char *)data, *end = p + size;
	struct buf b = BUF_INIT;
	struct notice n;
	const char *q, *body;
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	p = text;
	end = text + strlen(text);   /* the text up to a NUL, as C strings carry it */
	q = memchr(p, '\n', (size_t)(end - p));
	notice_init(&n, "plan", NULL, "%.*s", (int)((q ? q : end) - p), p);
	n.thread = strdup("plan branch:x");
	for (p = q ? q + 1 : end; p < end; p = q ? q + 1 : end) {
		q = memchr(p, '\n', (size_t)(end - p));
		if (*p == '#')
			sec = notice_section(&n, "%.*s", (int)((q ? q : end) - p - 1), p + 1);
		else if (sec)
			notice_line(sec, "%.*s", (int)((q ? q : end) - p), p);
	}
	check_json(&n, "webhook");
	check_json(&n, "slack");
	check_json(&n, "teams");

	notice_payload(&n, &mail, &env, &b);
	body = strstr(b.data, "\r\n\r\n");
	if (!body)
		abort();
	for (p = b.data; *p; p = strchr(p, '\n') + 1) {
		size_t len = strcspn(p, "\r\n");

		if (len > 998 || p[len] != '\r' || p[len + 1] != '\n')
			abort();
		/* a header only where relgate writes one */
		if (p < body && !(p == b.data || !strncmp(p, "To:", 3) || !strncmp(p, "Subject:", 8) ||
				  !strncmp(p, "Date:", 5) || !strncmp(p, "Message-ID:", 11) ||
				  !strncmp(p, "X-Relgate-", 10) || !strncmp(p, "MIME-Version:", 13) ||
				  !strncmp(p, "Content-Type:", 13) || !strncmp(p, " =?UTF-8?B?", 11)))
			abort();
		if (p > body && len == 1 && *p == '.')
			abort();
	}

	notice_payload(&n, &gh, &env, &b);
	if (strncmp(b.data, "<!-- relgate: ", 14) || strstr(b.data, "-->") - b.data !=
	    (ptrdiff_t)strcspn(b.data, "\n") - 3)
		abort();
	buf_release(&b);
	notice_release(&n);
	free(text);
	return 0;
}
