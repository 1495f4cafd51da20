/*
 * test-outbox: the outbox's judgements of a URL: whether it holds a secret
 * (and belongs in an environment variable), and whether its host is this
 * machine (where an SMTP password may go without TLS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "notify/outbox.h"

static void test_url_has_secret(void **state)
{
	(void)state;
	assert_true(outbox_url_has_secret("https://hooks.slack.com/services/T0/B0/abc"));
	assert_true(outbox_url_has_secret("https://x.webhook.office.com/webhookb2/abc"));
	assert_true(outbox_url_has_secret("https://discord.com/api/webhooks/1/abc"));
	assert_true(outbox_url_has_secret("https://x.example/hook?token=abc"));
	assert_true(outbox_url_has_secret("https://x.example/hook?a=1&sig=abc"));
	assert_true(outbox_url_has_secret("https://user:pass@x.example/hook"));
	assert_false(outbox_url_has_secret("http://127.0.0.1:9901/hooks/qa"));
	assert_false(outbox_url_has_secret("https://x.example/hook?page=2"));
	/* "key=" inside another parameter's name is not a key */
	assert_false(outbox_url_has_secret("https://x.example/hook?monkey=1"));
	/* a user without a password, an "@" in the path */
	assert_false(outbox_url_has_secret("https://user@x.example/hook"));
	assert_false(outbox_url_has_secret("https://x.example/a:b@c"));
}

static void test_url_is_loopback(void **state)
{
	(void)state;
	assert_true(outbox_url_is_loopback("smtp://127.0.0.1:2525"));
	assert_true(outbox_url_is_loopback("smtp://127.1.2.3"));
	assert_true(outbox_url_is_loopback("smtp://localhost:25"));
	assert_true(outbox_url_is_loopback("smtp://[::1]:25"));
	assert_false(outbox_url_is_loopback("smtp://127.0.0.1.evil.example:25"));
	assert_false(outbox_url_is_loopback("smtp://127.evil.example"));
	assert_false(outbox_url_is_loopback("smtp://localhost.evil.example"));
	assert_false(outbox_url_is_loopback("smtp://127.0.0.1@evil.example"));
	assert_false(outbox_url_is_loopback("smtp://128.0.0.1"));
	assert_false(outbox_url_is_loopback("smtp://127.0.0.256"));
	assert_false(outbox_url_is_loopback("127.0.0.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_has_secret),
		cmocka_unit_test(test_url_is_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
