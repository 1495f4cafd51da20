/*
 * relgate affected: which products (or, with --packages, which workspace
 * packages) a change reaches, each with one shortest chain of reasons.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/reasons.h"
#include "lib/diag.h"
#include "analyze/impact.h"
#include "lib/jsonw.h"
#include "lib/term.h"

static const char usage[] =
	"usage: relgate affected (--base REF [--head REF] | --uncommitted | --files PATH...|-)\n"
	"                        [--packages] [--format text|json|markdown] [--no-imports]\n"
	"                        [--no-cache]\n"
	"\n"
	"Lists the products a change reaches, each with the chain of reasons:\n"
	"  distributor <- @hotel/shared (dependency) <- packages/shared/src/registry.js (changed)\n"
	"\n"
	"  --base REF       compare the merge-base of REF and --head (default HEAD) with --head\n"
	"  --uncommitted    staged, unstaged and untracked changes\n"
	"  --files PATH...  these files changed (- reads paths from stdin, one a line)\n"
	"  --packages       list every affected workspace package, not only products\n"
	"  --no-imports     follow package.json dependencies only, not imports\n"
	"  --no-cache       do not read or write .relgate/cache\n"
	"\n"
	"exit codes: 0 done, 2 usage or configuration error, 3 environment error\n";

/* One row of the result: a product or a package, and its node. */
struct row {
	const char *name;
	uint32_t node;
};

static void print_text(struct impact *im, struct row *rows, size_t n, bool packages)
{
	struct buf note = BUF_INIT;
	size_t i, hit = 0;

	for (i = 0; i < n; i++)
		hit += walk_reached(&im->walk, rows[i].node);
	if (diag_level >= 0) {
		printf("%s%zu of %zu %s affected%s by %zu changed file%s", term_bold(), hit, n,
		       packages ? "packages" : "products", term_reset(), im->changes.n,
		       im->changes.n == 1 ? "" : "s");
		if (*im->changes.head_hex)
			printf(" (%.10s...%.10s)", im->changes.base_hex, im->changes.head_hex);
		else if (im->changes.mode == CHANGES_UNCOMMITTED)
			printf(" (uncommitted, against %.10s)", im->changes.base_hex);
		printf("\n");
	}
	for (i = 0; i < n; i++) {
		struct chain c;

		if (!walk_reached(&im->walk, rows[i].node))
			continue;
		if (diag_level < 0) {
			printf("%s\n", term_safe(rows[i].name));
			continue;
		}
		impact_chain(im, rows[i].node, &c);
		reason_text(&c, &note);
		printf("%s%s%s%s\n", term_green(), term_safe(rows[i].name), term_reset(), note.data);
		chain_release(&c);
	}
	if (diag_level >= 0 && hit < n) {
		const char *sep = "";
		size_t shown = 0, left = n - hit;

		printf("%snot affected:%s ", term_dim(), term_reset());
		for (i = 0; i < n; i++) {
			if (walk_reached(&im->walk, rows[i].node))
				continue;
			/* a long list helps nobody on a terminal; JSON has them all */
			if (left > 12 && shown == 10) {
				printf(" and %zu more", left - shown);
				break;
			}
			printf("%s%s", sep, term_safe(rows[i].name));
			sep = ", ";
			shown++;
		}
		printf("\n");
	}
	buf_release(&note);
}

static void json_changed(struct impact *im, struct jw *w)
{
	size_t i;

	jw_key(w, "changed");
	jw_array(w);
	for (i = 0; i < im->changes.n; i++) {
		jw_str(w, im->changes.v[i].path);
		if (im->changes.v[i].old_path)
			jw_str(w, im->changes.v[i].old_path);
	}
	jw_end(w);
}

static void print_json(struct impact *im, struct row *rows, size_t n, bool packages)
{
	struct buf out = BUF_INIT, note = BUF_INIT;
	struct jw w;
	size_t i, k;

	jw_init(&w, &out);
	jw_object(&w);
	jw_kstr(&w, "base", *im->changes.base_hex ? im->changes.base_hex : NULL);
	jw_kstr(&w, "head", *im->changes.head_hex ? im->changes.head_hex : NULL);
	jw_break(&w, 1);
	json_changed(im, &w);
	jw_break(&w, 1);
	jw_key(&w, "products");
	jw_array(&w);
	for (i = 0; i < n; i++) {
		struct chain c;
		size_t last;

		if (!walk_reached(&im->walk, rows[i].node))
			continue;
		impact_chain(im, rows[i].node, &c);
		/* a product's chain ends at its package; a package's at itself */
		last = packages ? c.n : c.n - 1;
		jw_break(&w, 2);
		jw_object(&w);
		jw_kstr(&w, "name", rows[i].name);
		jw_key(&w, "because");
		jw_array(&w);
		for (k = 0; k < last; k++)
			jw_str(&w, c.links[k].node->path);
		jw_end(&w);
		jw_break(&w, 3);
		jw_key(&w, "chain");
		reason_json(&c, &w, &note);
		jw_end(&w);
		chain_release(&c);
	}
	jw_break(&w, 1);
	jw_end(&w);
	jw_break(&w, 1);
	jw_key(&w, "unaffected");
	jw_array(&w);
	for (i = 0; i < n; i++)
		if (!walk_reached(&im->walk, rows[i].node))
			jw_str(&w, rows[i].name);
	jw_end(&w);
	if (im->lock_all) {
		jw_break(&w, 1);
		jw_kstr(&w, "lockfile", im->lock_all->reason);
	}
	jw_end(&w);
	jw_done(&w);
	buf_addc(&out, '\n');
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	buf_release(&note);
}

static void print_markdown(struct impact *im, struct row *rows, size_t n, bool packages)
{
	struct buf out = BUF_INIT, note = BUF_INIT;
	size_t i, hit = 0;
	const char *what = packages ? "packages" : "products";

	for (i = 0; i < n; i++)
		hit += walk_reached(&im->walk, rows[i].node);
	buf_addf(&out, "### relgate: %zu of %zu %s affected\n\n", hit, n, what);
	if (*im->changes.head_hex)
		buf_addf(&out, "Change: `%.10s...%.10s`, %zu changed file%s.\n\n",
			 im->changes.base_hex, im->changes.head_hex, im->changes.n,
			 im->changes.n == 1 ? "" : "s");
	else
		buf_addf(&out, "Change: %zu changed file%s.\n\n", im->changes.n,
			 im->changes.n == 1 ? "" : "s");
	if (hit) {
		buf_addf(&out, "| %s | why |\n| --- | --- |\n", packages ? "package" : "product");
		for (i = 0; i < n; i++) {
			struct chain c;

			if (!walk_reached(&im->walk, rows[i].node))
				continue;
			impact_chain(im, rows[i].node, &c);
			buf_adds(&out, "| **");
			md_code(&out, rows[i].name);
			buf_adds(&out, "** | ");
			reason_markdown(&c, rows[i].name, &out, &note);
			buf_adds(&out, " |\n");
			chain_release(&c);
		}
		buf_adds(&out, "\n");
	}
	if (hit < n) {
		const char *sep = "";

		buf_adds(&out, "Not affected: ");
		for (i = 0; i < n; i++) {
			if (walk_reached(&im->walk, rows[i].node))
				continue;
			buf_adds(&out, sep);
			md_code(&out, rows[i].name);
			sep = ", ";
		}
		buf_adds(&out, "\n\n");
	}
	if (im->lock_all)
		buf_addf(&out, "> **Every product**: %s.\n\n", im->lock_all->reason);
	buf_addf(&out, "<details><summary>%zu changed file%s</summary>\n\n", im->changes.n,
		 im->changes.n == 1 ? "" : "s");
	for (i = 0; i < im->changes.n; i++) {
		buf_adds(&out, "- ");
		md_code(&out, im->changes.v[i].path);
		if (im->changes.v[i].old_path) {
			buf_adds(&out, " (renamed from ");
			md_code(&out, im->changes.v[i].old_path);
			buf_adds(&out, ")");
		}
		buf_adds(&out, "\n");
	}
	buf_adds(&out, "\n</details>\n");
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	buf_release(&note);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->name, ((const struct row *)b)->name);
}

int cmd_affected(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		CHANGE_LONG_OPTIONS,
		{"packages", no_argument, NULL, 'p'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct impact_opts o = {0};
	enum output_format format = FORMAT_TEXT;
	bool packages = false;
	struct impact im;
	struct row *rows;
	size_t n = 0, i;
	int c, files = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (change_option(c, optarg, &o, &files))
			continue;
		switch (c) {
		case 'p':
			packages = true;
			break;
		case 'f':
			format = parse_format("affected", optarg,
					      FMT(FORMAT_TEXT) | FMT(FORMAT_JSON) | FMT(FORMAT_MARKDOWN));
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	change_options_done("affected", &o, files, argc, argv);

	if (impact_run(&im, s, &o) < 0) {
		impact_release(&im);
		return exit_code_of_failure();
	}
	rows = xcalloc(im.head.ws.npkgs + im.head.nproducts + 1, sizeof(*rows));
	if (packages) {
		for (i = 0; i < im.head.ws.npkgs; i++)
			if (!im.head.ws.pkgs[i].is_root)
				rows[n++] = (struct row){im.head.ws.pkgs[i].name, (uint32_t)im.head.ws.pkgs[i].node};
	} else {
		for (i = 0; i < im.head.nproducts; i++)
			rows[n++] = (struct row){im.head.products[i].name, im.head.products[i].node};
	}
	/* by name, whatever order the folders or relgate.json give */
	qsort(rows, n, sizeof(*rows), by_name);
	if (format == FORMAT_JSON)
		print_json(&im, rows, n, packages);
	else if (format == FORMAT_MARKDOWN)
		print_markdown(&im, rows, n, packages);
	else
		print_text(&im, rows, n, packages);
	free(rows);
	impact_release(&im);
	return 0;
}
