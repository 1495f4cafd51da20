/*
 * test-snippet: where the tags go in a table of pages, that a page injected
 * twice carries them once, the meta's text, the ready expressions the
 * snippet can check without eval, and the script's size and CSP hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "release/snippet.h"
#include "lib/util.h"

#define T "<T>"

struct page_case {
	const char *page, *want;   /* T marks where the tags go */
};

static const struct page_case pages[] = {
	{"<!doctype html><html><head><meta charset=\"utf-8\"><title>x</title></head></html>",
	 "<!doctype html><html><head><meta charset=\"utf-8\">" T "<title>x</title></head></html>"},
	/* after the charset even when other tags come first */
	{"<html><head><title>a</title><meta name=x><META CHARSET=utf-8 /><script src=a.js></script>",
	 "<html><head><title>a</title><meta name=x><META CHARSET=utf-8 />" T "<script src=a.js></script>"},
	{"<head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"><b>",
	 "<head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">" T "<b>"},
	/* no charset: first in <head>, not <header> */
	{"<!DOCTYPE html>\n<html lang=en>\n<head data-x=\"a>b\">\n<script>1</script>",
	 "<!DOCTYPE html>\n<html lang=en>\n<head data-x=\"a>b\">" T "\n<script>1</script>"},
	{"<html><body><header><meta charset=utf-8></header>",
	 "<html>" T "<body><header><meta charset=utf-8></header>"},
	/* no head: where the parser opens it */
	{"<!doctype html><title>t</title><script src=a.js></script>",
	 "<!doctype html>" T "<title>t</title><script src=a.js></script>"},
	{"<script src=a.js></script>", T "<script src=a.js></script>"},
	{"", T},
	{"\xef\xbb\xbf<p>x", "\xef\xbb\xbf" T "<p>x"},
	/* markup in comments, scripts and titles is not markup */
	{"<html><!-- <head> <meta charset=x> --><head><meta charset=utf-8>",
	 "<html><!-- <head> <meta charset=x> --><head><meta charset=utf-8>" T},
	{"<head><script>var s = '<meta charset=x>';</script><meta charset=utf-8>",
	 "<head><script>var s = '<meta charset=x>';</script><meta charset=utf-8>" T},
	{"<head><title><meta charset=x></title></head>",
	 "<head>" T "<title><meta charset=x></title></head>"},
	/* a charset after the head is not the page's */
	{"<head></head><body><meta charset=utf-8>", "<head>" T "</head><body><meta charset=utf-8>"},
	/* broken markup: still somewhere sensible, never past the end */
	{"<head><meta charset=\"utf-8", "<head>" T "<meta charset=\"utf-8"},
	{"<!-- never closed <head>", T "<!-- never closed <head>"},
	{"<<<>>><head", T "<<<>>><head"},
	{"<meta charset=utf-8>", "<meta charset=utf-8>" T},
	{"<meta data-charset=utf-8><head>", "<meta data-charset=utf-8><head>" T},
};

static char *inject(const char *page, const char *tags)
{
	struct buf out = BUF_INIT;

	snippet_inject(page, strlen(page), tags, strlen(tags), &out);
	buf_addc(&out, '\0');
	return buf_detach(&out, NULL);
}

static void where_the_tags_go(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char *got = inject(pages[i].page, T);

		if (strcmp(got, pages[i].want))
			fail_msg("page %zu: got %s, want %s", i, got, pages[i].want);
		free(got);
	}
}

static void page_injected_twice_carries_it_once(void **state)
{
	struct snippet_page a = {"shop", "r000001", NULL, "window.appReady === true", 20000};
	struct snippet_page b = {"shop", "r000002", NULL, "window.appReady === true", 20000};
	struct buf ta = BUF_INIT, tb = BUF_INIT;
	const char *page = "<html><head><meta charset=utf-8><script src=app.js></script></head>";
	char *once, *twice, *want;

	(void)state;
	snippet_tags(&ta, &a);
	snippet_tags(&tb, &b);
	buf_addc(&ta, '\0');
	buf_addc(&tb, '\0');
	once = inject(page, ta.data);
	twice = inject(once, tb.data);
	want = inject(page, tb.data);
	assert_string_equal(twice, want);
	assert_non_null(strstr(twice, "r000002"));
	assert_null(strstr(twice, "r000001"));
	free(once);
	free(twice);
	free(want);
	buf_release(&ta);
	buf_release(&tb);
}

static void meta_text(void **state)
{
	struct snippet_page p = {"caf\xc3\xa9\"<x>", "r000007", "https://c.example/beacon?a=1&b=2",
				 "window.app.ready === 'yes'", 1500};
	struct buf t = BUF_INIT;
	size_t n;
	const char *js = snippet_js(&n);

	(void)state;
	snippet_tags(&t, &p);
	buf_addc(&t, '\0');
	assert_non_null(strstr(t.data, "<meta name=\"relgate\" content=\"{&quot;p&quot;:&quot;"
				       "caf&#xe9;\\&quot;&lt;x&gt;&quot;,&quot;r&quot;:"
				       "&quot;r000007&quot;,&quot;b&quot;:&quot;https://c.example/"
				       "beacon?a=1&amp;b=2&quot;,&quot;t&quot;:1500,&quot;m&quot;:"
				       "&quot;not ready after 1500 ms: window.app.ready === &#39;yes"
				       "&#39; is still false&quot;,&quot;w&quot;:&quot;app.ready&quot;"
				       ",&quot;e&quot;:&quot;yes&quot;}\"><script>"));
	/* ASCII only, whatever the names */
	for (const unsigned char *c = (const unsigned char *)t.data; *c; c++)
		assert_true(*c < 0x80);
	assert_int_equal(memcmp(strstr(t.data, "<script>") + 8, js, n), 0);
	assert_string_equal(t.data + t.len - 1 - 9, "</script>");
	buf_release(&t);
}

struct ready_case {
	const char *expr, *path, *literal;   /* NULL: not checkable without eval */
};

static const struct ready_case readies[] = {
	{"window.distributorReady === true", "distributorReady", "true"},
	{"appReady===42", "appReady", "42"},
	{"  window.a.b_c.$d === \"ok\" ; ", "a.b_c.$d", "\"ok\""},
	{"x === 'it\\'s'", "x", "\"it's\""},
	{"x === -1.5e3", "x", "-1.5e3"},
	{"x === null", "x", "null"},
	{"x === false", "x", "false"},
	{"x == true", NULL, NULL},
	{"x === truely", NULL, NULL},
	{"x === 01", NULL, NULL},
	{"x.y() === true", NULL, NULL},
	{"x === true && y", NULL, NULL},
	{"x['a'] === 1", NULL, NULL},
	{"x === 'open", NULL, NULL},
	{"x.", NULL, NULL},
	{"", NULL, NULL},
	{"1x === 1", NULL, NULL},
};

static void ready_globals(void **state)
{
	struct buf path = BUF_INIT, literal = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(readies) / sizeof(readies[0]); i++) {
		bool ok = snippet_ready_global(readies[i].expr, &path, &literal);

		if (ok != (readies[i].path != NULL))
			fail_msg("%s: %s", readies[i].expr, ok ? "taken" : "refused");
		if (ok) {
			assert_string_equal(path.data, readies[i].path);
			assert_string_equal(literal.data, readies[i].literal);
		}
	}
	buf_release(&path);
	buf_release(&literal);
}

static void script_size_and_hash(void **state)
{
	char csp[SNIPPET_CSP_MAX];
	size_t n;
	const char *js = snippet_js(&n);

	(void)state;
	assert_true(n > 100);
	assert_true(n < 1024);
	assert_true(js[n - 1] != '\n');
	/* nothing that could end the script element early or open a comment in it */
	assert_null(strstr(js, "</"));
	assert_null(strstr(js, "<!--"));
	snippet_csp_source(csp);
	assert_int_equal(strlen(csp), 8 + 44 + 1);
	assert_memory_equal(csp, "'sha256-", 8);
	assert_int_equal(csp[strlen(csp) - 1], '\'');
}

/* Pages built to make a naive scanner read them again for every '<': each ends at once. */
static void pathological_pages(void **state)
{
	static const char *const units[] = {"<a ", "<meta http-equiv ", "<meta name=\"relgate\" content=\"",
					    "<meta name=\"relgate\" content=\"x\"><script>",
					    "<!-", "<a b=\"", "<script>"};
	size_t u, i;

	(void)state;
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		struct buf page = BUF_INIT, out = BUF_INIT;

		for (i = 0; i < 200000; i++)
			buf_adds(&page, units[u]);
		snippet_inject(page.data, page.len, T, strlen(T), &out);
		assert_int_equal(out.len, page.len + strlen(T));
		buf_release(&page);
		buf_release(&out);
	}
}

static void pages_by_name(void **state)
{
	(void)state;
	assert_true(snippet_is_page("index.html"));
	assert_true(snippet_is_page("a/B.HTM"));
	assert_false(snippet_is_page("a.xhtml"));
	assert_false(snippet_is_page("html"));
	assert_false(snippet_is_page("a.html.map"));
	assert_false(snippet_is_page(".html"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(where_the_tags_go),
		cmocka_unit_test(page_injected_twice_carries_it_once),
		cmocka_unit_test(meta_text),
		cmocka_unit_test(ready_globals),
		cmocka_unit_test(script_size_and_hash),
		cmocka_unit_test(pathological_pages),
		cmocka_unit_test(pages_by_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
