/*
 * relgate boot: the browser boot check on its own, for a product of
 * relgate.json or any folder.  The gate runs it as a supervised step.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/browser.h"
#include "cmd/cmd.h"
#include "lib/jsonw.h"
#include "lib/diag.h"
#include "analyze/setup.h"
#include "lib/loop.h"
#include "lib/term.h"

static const char usage[] =
	"usage: relgate boot (PRODUCT [--check NAME] | --dir DIR) [--url URL] [--page PAGE]\n"
	"                    [--ready EXPR] [--timeout DURATION] [--format text|json]\n"
	"\n"
	"Serves the built artifact on loopback, opens the page in headless chromium,\n"
	"and fails on the first uncaught exception, unhandled rejection, console.error\n"
	"or failed request before EXPR is true (default: the load event, then 1s).\n"
	"A PRODUCT's boot check in relgate.json (its first, or the one --check names)\n"
	"gives the page, the ready expression and the timeout; options override them.\n"
	"--url URL: open that live page instead of serving anything (its own origin is\n"
	"the URL's; the browser says relgate-probe in its User-Agent, so that relgate\n"
	"serve does not count its visits).\n"
	"\n"
	"exit codes: 0 it started, 1 it did not (or the artifact is missing),\n"
	"            2 usage or configuration error, 3 no browser\n";

static void print_text(const char *name, const struct boot_result *r)
{
	if (r->passed) {
		printf("%s: boot %spassed%s: ready %.0f ms after navigation (browser start %.0f ms)\n",
		       term_safe(name), term_green(), term_reset(), r->ms, r->browser_ms);
		return;
	}
	/* the error first: it is what a report's one-line message shows */
	printf("%s: boot %sfailed%s: %s%s%s\n", term_safe(name), term_red(), term_reset(),
	       term_bold(), term_safe(r->message), term_reset());
	printf("  (%s before the page was ready)\n", r->kind);
	if (r->where)
		printf("  at %s\n", term_safe(r->where));
	if (r->excerpt)
		printf("  code: %s\n", r->excerpt);
	if (r->stack && strchr(r->stack, '\n')) {
		const char *p = strchr(r->stack, '\n') + 1;

		printf("  stack:\n");
		while (*p) {
			size_t n = strcspn(p, "\n");

			printf("    %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
}

static void print_json(const char *name, const struct boot_result *r)
{
	struct buf b = BUF_INIT;
	struct jw w;

	jw_init(&w, &b);
	jw_object(&w);
	jw_kstr(&w, "name", name);
	jw_kbool(&w, "passed", r->passed);
	jw_knum(&w, "ms", r->ms, 0);
	jw_knum(&w, "browserMs", r->browser_ms, 0);
	if (!r->passed) {
		const char *fields[][2] = {{"kind", r->kind}, {"message", r->message},
					   {"where", r->where}, {"code", r->excerpt},
					   {"stack", r->stack}};
		size_t i;

		for (i = 0; i < ARRAY_LEN(fields); i++)
			if (fields[i][1])
				jw_kstr(&w, fields[i][0], fields[i][1]);
	}
	jw_end(&w);
	jw_done(&w);
	buf_addc(&b, '\n');
	fwrite(b.data, 1, b.len, stdout);
	buf_release(&b);
}

int cmd_boot(int argc, char **argv, struct setup *unused)
{
	static const struct option longopts[] = {
		{"dir", required_argument, NULL, 'd'},
		{"url", required_argument, NULL, 'u'},
		{"page", required_argument, NULL, 'p'},
		{"ready", required_argument, NULL, 'r'},
		{"timeout", required_argument, NULL, 't'},
		{"check", required_argument, NULL, 'c'},
		{"name", required_argument, NULL, 'n'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct boot_opts o = {.page = "index.html", .timeout_ms = CONFIG_BOOT_TIMEOUT_MS};
	const char *page = NULL, *ready = NULL, *check = NULL, *url = NULL;
	int64_t timeout_ms = 0;
	enum output_format format = FORMAT_TEXT;
	const char *name = NULL;
	struct boot_result r;
	struct supervisor *sv;
	struct loop *loop = NULL;
	struct setup setup;
	char *dir = NULL;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.dir = optarg; break;
		case 'u': url = optarg; break;
		case 'p': page = optarg; break;
		case 'r': ready = optarg; break;
		case 'c': check = optarg; break;
		case 'n': name = optarg; break;
		case 't':
			if (parse_duration(optarg, &timeout_ms) < 0 || !timeout_ms)
				die(EXIT_USAGE, "relgate boot: --timeout takes a duration like 20s, not "
				    "\"%s\"", optarg);
			break;
		case 'f':
			format = parse_format("boot", optarg, FMT(FORMAT_TEXT) | FMT(FORMAT_JSON));
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (url && o.dir)
		die(EXIT_USAGE, "relgate boot: --dir serves a folder, --url opens a live page: not both");
	if (!url && (optind < argc) == (o.dir != NULL))
		die(EXIT_USAGE, "relgate boot: name a product or give --dir, not both or neither");
	if (optind + 1 < argc)
		die(EXIT_USAGE, "relgate boot: one product at a time");
	if (check && optind >= argc)
		die(EXIT_USAGE, "relgate boot: --check names a check of a PRODUCT");
	(void)unused;
	memset(&setup, 0, sizeof(setup));
	setup.rootfd = -1;
	if (optind < argc) {
		const struct cfg_product *p;
		const struct cfg_check *bc;

		/* only a product named needs the workspace: --dir serves any folder */
		if (setup_open(&setup, global_opts.config) < 0 || setup_check(&setup) < 0) {
			ret = exit_code_of_failure();
			goto out;
		}
		p = config_product(&setup.cfg, argv[optind]);
		if (!p) {
			error("no product is named \"%s\"%s%s", argv[optind],
			      setup.cfg.path ? " in " : "", setup.cfg.path ? setup.cfg.path : "");
			ret = EXIT_USAGE;
			goto out;
		}
		if (!p->artifact && !url) {
			error("product \"%s\" has no \"artifact\" folder to serve", p->name);
			ret = EXIT_USAGE;
			goto out;
		}
		bc = boot_check_of(p, check);
		if (check && !bc) {
			error("product \"%s\" has no boot check named \"%s\"", p->name, check);
			ret = EXIT_USAGE;
			goto out;
		}
		boot_opts_of(&o, &dir, setup.root, p, bc);
		name = name ? name : p->name;
	}
	/* what the command line says wins over relgate.json */
	if (page)
		o.page = page;
	if (ready)
		o.ready = ready;
	if (timeout_ms)
		o.timeout_ms = timeout_ms;
	if (url) {
		o.url = url;
		o.dir = NULL;
	}
	if (!name)
		name = url ? url : o.dir;
	loop = loop_new();
	sv = supervisor_new(loop);
	if (!sv) {
		ret = EXIT_ENV;
		goto out;
	}
	ret = boot_check(sv, &o, &r) < 0 ? exit_code_of_failure() : 0;
	if (!ret) {
		if (format == FORMAT_JSON)
			print_json(name, &r);
		else
			print_text(name, &r);
		ret = r.passed ? 0 : EXIT_GATE;
	}
	boot_result_release(&r);
	supervisor_free(sv);
out:
	loop_free(loop);
	free(dir);
	setup_release(&setup);
	return ret;
}
