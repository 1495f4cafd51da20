/*
 * test-notice: each channel's form of a message.  Every form is valid in
 * its own syntax whatever the text holds (JSON that parses, Slack's limits,
 * an e-mail whose headers cannot be split and whose body decodes back to
 * the text, a GitHub marker that stays one comment), and the digest of
 * what a message says changes with every part of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lib/config.h"
#include "notify/notice.h"

static const struct notice_env env = {"d000042", "host.example", 1796150175000};

static struct cfg_channel channel(const char *type)
{
	static char *to[] = {"a@x.example", "b@x.example"};
	struct cfg_channel ch = {0};

	ch.name = "c";
	ch.type = (char *)type;
	ch.to.v = to;
	ch.to.n = 2;
	return ch;
}

static json_t *payload_json(const struct notice *n, const char *type)
{
	struct cfg_channel ch = channel(type);
	struct buf b = BUF_INIT;
	json_error_t err;
	json_t *j;

	notice_payload(n, &ch, &env, &b);
	j = json_loadb(b.data, b.len, 0, &err);
	if (!j)
		fail_msg("%s: not JSON: %s\n%s", type, err.text, b.data);
	buf_release(&b);
	return j;
}

/* A hostile message: every character JSON, HTML, mrkdwn and markdown care for. */
static void hostile(struct notice *n)
{
	struct notice_section *s;

	notice_init(n, "plan", "a\"b", "subject \"<&>\" \\ \x01 ünï");
	s = notice_section(n, "title *bold* <!here> | `x`");
	notice_line(s, "line \"one\" & <two> \t tab");
	notice_line(s, "%s", "</script><!-- -->");
}

static void test_json_forms_parse(void **state)
{
	static const char *const types[] = {"webhook", "command", "slack", "teams"};
	struct notice n;

	(void)state;
	hostile(&n);
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
		json_decref(payload_json(&n, types[i]));
	notice_release(&n);
}

static void test_webhook_fields(void **state)
{
	struct notice n;
	json_t *j;

	(void)state;
	hostile(&n);
	n.data = strdup("{\"k\": [1, 2]}");
	j = payload_json(&n, "webhook");
	assert_int_equal(json_integer_value(json_object_get(j, "v")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "delivery")), "d000042");
	assert_string_equal(json_string_value(json_object_get(j, "product")), "a\"b");
	assert_string_equal(json_string_value(json_object_get(j, "subject")),
			    "subject \"<&>\" \\ \x01 ünï");
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "data"), "k")), 2);
	json_decref(j);
	notice_release(&n);
}

static void test_slack_escapes_and_limits(void **state)
{
	struct notice n;
	json_t *j, *blocks;
	const char *text;
	char big[4000];
	size_t i;

	(void)state;
	hostile(&n);
	j = payload_json(&n, "slack");
	blocks = json_object_get(j, "blocks");
	text = json_string_value(json_object_get(json_object_get(json_array_get(blocks, 1), "text"),
						 "text"));
	/* Slack reads <...> as links and mentions: escaped */
	assert_non_null(strstr(text, "&lt;!here&gt;"));
	assert_non_null(strstr(text, "&lt;two&gt;"));
	assert_null(strchr(text, '<'));
	json_decref(j);
	notice_release(&n);

	/* a header over 150 bytes, cut inside a 2-byte character; 80 sections; one of 4000 bytes */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		char subject[400];

		for (i = 0; i + 2 < sizeof(subject); i += 2)
			memcpy(subject + i, "é", 2);
		subject[i] = '\0';
		notice_init(&n, "plan", NULL, "%s", subject);
	}
	for (i = 0; i < 80; i++)
		notice_line(notice_section(&n, "product %zu", i), "%s", i ? "short" : big);
	j = payload_json(&n, "slack");
	blocks = json_object_get(j, "blocks");
	assert_true(json_array_size(blocks) <= 50);
	text = json_string_value(json_object_get(json_object_get(json_array_get(blocks, 0), "text"),
						 "text"));
	assert_true(strlen(text) <= 150);
	/* still valid UTF-8, or jansson would not have read it; it ends in "..." */
	assert_string_equal(text + strlen(text) - 3, "...");
	text = json_string_value(json_object_get(json_object_get(json_array_get(blocks, 1), "text"),
						 "text"));
	assert_true(strlen(text) <= 3000);
	text = json_string_value(json_object_get(
		json_object_get(json_array_get(blocks, json_array_size(blocks) - 2), "text"), "text"));
	assert_string_equal(text, "and 33 more");
	json_decref(j);
	notice_release(&n);
}

/* Quoted-printable, decoded (RFC 2045 6.7), for the round trip. */
static char *qp_decode(const char *s, const char *end)
{
	char *out = malloc((size_t)(end - s) + 1), *o = out;

	while (s < end) {
		if (s[0] == '=' && s + 2 < end && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=' && s + 2 < end) {
			char hex[3] = {s[1], s[2], 0};

			*o++ = (char)strtol(hex, NULL, 16);
			s += 3;
		} else if (s[0] == '\r' && s + 1 < end && s[1] == '\n') {
			*o++ = '\n';
			s += 2;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

static void test_email(void **state)
{
	struct cfg_channel ch = channel("email");
	struct notice n;
	struct buf b = BUF_INIT, text = BUF_INIT;
	char line[300];
	const char *p, *body, *end;
	char *decoded;
	size_t i;

	(void)state;
	notice_init(&n, "release", "a", "Subject with\r\nBcc: victim@x.example and ünïcödé ünïcödé "
		    "ünïcödé ünïcödé ünïcödé");
	for (i = 0; i < sizeof(line) - 1; i++)
		line[i] = (char)('a' + i % 26);
	line[sizeof(line) - 1] = '\0';
	notice_line(notice_section(&n, "%s", "t"), "%s", line);
	notice_line(n.sections, "%s", ".starts with a dot = and ends with a space ");
	notice_payload(&n, &ch, &env, &b);

	/* no header line that the subject made */
	assert_null(strstr(b.data, "\nBcc:"));
	assert_non_null(strstr(b.data, "\r\nSubject: =?UTF-8?B?"));
	assert_non_null(strstr(b.data, "\r\nTo: a@x.example, b@x.example\r\n"));
	assert_non_null(strstr(b.data, "\r\nMessage-ID: <d000042.1796150175000@host.example>\r\n"));
	/* every line of the message within SMTP's 998, every body line within 76 */
	for (p = b.data; *p; p = strchr(p, '\n') + 1) {
		size_t len = strcspn(p, "\r\n");

		assert_true(len <= 998);
		assert_true(p[len] == '\r' && p[len + 1] == '\n');
		if (p > strstr(b.data, "\r\n\r\n"))
			assert_true(len <= 76);
		assert_false(len == 1 && *p == '.');
	}
	/* the text part decodes back to the message's text */
	body = strstr(b.data, "quoted-printable\r\n\r\n") + 20;
	end = strstr(body, "\r\n--relgate-");
	decoded = qp_decode(body, end + 2);
	notice_text(&n, &text);
	assert_non_null(strstr(decoded, text.data + strcspn(text.data, "\n") + 1));
	free(decoded);
	buf_release(&text);
	buf_release(&b);
	notice_release(&n);
}

static void test_github_marker(void **state)
{
	struct cfg_channel ch = channel("github");
	struct buf b = BUF_INIT;
	struct notice n;

	(void)state;
	notice_init(&n, "plan", NULL, "plan");
	n.thread = strdup("plan branch:a-->b--c");
	notice_payload(&n, &ch, &env, &b);
	/* the comment's marker ends where relgate ends it, and only there */
	assert_true(strncmp(b.data, "<!-- relgate: plan branch:a_->b_-c -->\n", 39) == 0);
	assert_int_equal(strstr(b.data, "-->") - b.data, 35);
	notice_release(&n);
	buf_release(&b);

	notice_init(&n, "gate", NULL, "a | b *c*");
	notice_line(notice_section(&n, "%s", "x_y"), "%s", "[link](u) <b>");
	notice_payload(&n, &ch, &env, &b);
	assert_non_null(strstr(b.data, "### a \\| b \\*c\\*\n"));
	assert_non_null(strstr(b.data, "**x\\_y**\n- \\[link\\](u) \\<b\\>\n"));
	notice_release(&n);
	buf_release(&b);
}

static void test_content_digest(void **state)
{
	char a[65], b[65];
	struct notice n;

	(void)state;
	notice_init(&n, "plan", NULL, "s");
	notice_line(notice_section(&n, "t"), "ab");
	notice_content(&n, a);
	notice_content(&n, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	notice_release(&n);

	/* the same characters, split elsewhere */
	notice_init(&n, "plan", NULL, "s");
	notice_line(notice_section(&n, "ta"), "b");
	notice_content(&n, b);
	assert_string_not_equal(a, b);
	notice_release(&n);

	notice_init(&n, "plan", NULL, "s");
	notice_line(notice_section(&n, "t"), "ab");
	n.data = strdup("{}");
	notice_content(&n, b);
	assert_string_not_equal(a, b);
	notice_release(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_forms_parse),
		cmocka_unit_test(test_webhook_fields),
		cmocka_unit_test(test_slack_escapes_and_limits),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_github_marker),
		cmocka_unit_test(test_content_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
