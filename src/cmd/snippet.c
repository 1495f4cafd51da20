/*
 * relgate snippet: the early-error snippet, for a page relgate does not
 * release itself, for a Content-Security-Policy, or to read.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analyze/setup.h"
#include "cmd/cmd.h"
#include "lib/diag.h"
#include "lib/jsonw.h"
#include "release/snippet.h"
#include "release/store.h"

static const char usage[] =
	"usage: relgate snippet [PRODUCT] [--release ID] [--csp-hash] [--format text|json]\n"
	"\n"
	"Prints the early-error snippet: the script that runs before any bundle,\n"
	"reports uncaught errors, failed loads of the page's own scripts and styles,\n"
	"unhandled rejections and a missed boot deadline to the collector\n"
	"(server.publicUrl, /beacon on the page's origin by default), and is the\n"
	"same bytes in every release.  relgate release puts it into every HTML page\n"
	"of an artifact by itself (\"snippet\": false in a product turns that off).\n"
	"\n"
	"  (no PRODUCT)     the script alone\n"
	"  PRODUCT          the <meta name=\"relgate\"> and <script> tags for PRODUCT's\n"
	"                   pages, as relgate release writes them, for the active\n"
	"                   release (or --release ID)\n"
	"  --csp-hash       the 'sha256-...' source for a CSP script-src instead; it\n"
	"                   is the same for every product and release\n"
	"  --format json    {\"script\", \"bytes\", \"cspHash\", \"tags\"}\n"
	"\n"
	"In the page, call relgate.ready() once the product has started (or name\n"
	"a ready expression in its boot check, like window.appReady === true).\n";

int cmd_snippet(int argc, char **argv, struct setup *unused)
{
	static const struct option longopts[] = {
		{"csp-hash", no_argument, NULL, 'c'},
		{"release", required_argument, NULL, 'r'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum output_format format = FORMAT_TEXT;
	const char *product = NULL, *release = NULL, *js;
	char csp[SNIPPET_CSP_MAX], active[RELEASE_ID_MAX] = "";
	struct buf tags = BUF_INIT;
	struct setup setup;
	bool csp_only = false;
	size_t len;
	int c, ret = EXIT_OK;

	(void)unused;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': csp_only = true; break;
		case 'r': release = optarg; break;
		case 'f':
			format = parse_format("snippet", optarg, FMT(FORMAT_TEXT) | FMT(FORMAT_JSON));
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 < argc)
		die(EXIT_USAGE, "relgate snippet: one product at a time");
	product = optind < argc ? argv[optind] : NULL;
	if (release && !product)
		die(EXIT_USAGE, "relgate snippet: --release names a release of a PRODUCT");
	if (product && store_check_name("product", product) < 0)
		return EXIT_USAGE;
	if (release && store_check_name("release", release) < 0)
		return EXIT_USAGE;
	js = snippet_js(&len);
	snippet_csp_source(csp);
	memset(&setup, 0, sizeof(setup));
	setup.rootfd = -1;
	if (product && !csp_only) {
		struct snippet_page page;
		struct store st;
		int have;

		/* only a product needs the workspace: the script is the same everywhere */
		if (setup_open(&setup, global_opts.config) < 0 || setup_check(&setup) < 0) {
			ret = exit_code_of_failure();
			goto out;
		}
		if (!release) {
			have = open_store_if_any(&setup, &st);
			if (have < 0) {
				ret = EXIT_ENV;
				goto out;
			}
			if (have && history_active(st.h, product, active) < 0)
				ret = EXIT_ENV;
			if (have)
				store_close(&st);
			if (ret)
				goto out;
			if (!*active) {
				error("%s has no active release: name one with --release ID, or release "
				      "it first (relgate release %s)", product, product);
				ret = EXIT_USAGE;
				goto out;
			}
			release = active;
		}
		snippet_page_of(&setup.cfg, config_product(&setup.cfg, product), product, &page);
		page.release = release;
		snippet_tags(&tags, &page);
		buf_addc(&tags, '\0');
		tags.len--;
	}
	if (format == FORMAT_JSON) {
		struct buf b = BUF_INIT;
		struct jw w;

		jw_init(&w, &b);
		jw_object(&w);
		if (!csp_only) {
			struct buf text = BUF_INIT;

			buf_add(&text, js, len);
			buf_addc(&text, '\0');
			jw_kstr(&w, "script", text.data);
			buf_release(&text);
		}
		jw_kint(&w, "bytes", (int64_t)len);
		jw_kstr(&w, "cspHash", csp);
		if (tags.len)
			jw_kstr(&w, "tags", tags.data);
		jw_end(&w);
		jw_done(&w);
		buf_addc(&b, '\n');
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
	} else if (csp_only) {
		printf("%s\n", csp);
	} else if (tags.len) {
		printf("%s\n", tags.data);
	} else {
		fwrite(js, 1, len, stdout);
		putchar('\n');
	}
out:
	buf_release(&tags);
	setup_release(&setup);
	return ret;
}
