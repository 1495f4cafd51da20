/*
 * common: option handling that several commands share, so that every
 * command reads a change and a --format the same way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/diag.h"
#include "lib/term.h"
#include "analyze/impact.h"
#include "gate/browser.h"
#include "release/snippet.h"

static const char *const format_names[] = {"text", "json", "markdown", "dot", "mermaid",
					    "github-matrix", "gitlab"};

enum output_format parse_format(const char *cmd, const char *arg, unsigned allowed)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(format_names); i++)
		if (!strcmp(arg, format_names[i]) && (allowed & (1u << i)))
			return (enum output_format)i;
	error("relgate %s: unknown format \"%s\"", cmd, arg);
	fprintf(stderr, "formats:");
	for (i = 0; i < ARRAY_LEN(format_names); i++)
		if (allowed & (1u << i))
			fprintf(stderr, " %s", format_names[i]);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

int change_option(int opt, const char *arg, struct impact_opts *o, int *files)
{
	switch (opt) {
	case OPT_BASE: o->base = arg; return 1;
	case OPT_HEAD: o->head = arg; return 1;
	case OPT_UNCOMMITTED: o->uncommitted = true; return 1;
	case OPT_FILES: *files = 1; return 1;
	case OPT_NO_IMPORTS: o->no_imports = true; return 1;
	case OPT_NO_CACHE: o->no_cache = true; return 1;
	}
	return 0;
}

void change_options_done(const char *cmd, struct impact_opts *o, int files, int argc, char **argv)
{
	int modes = !!o->base + !!o->uncommitted + !!files;

	if (modes > 1)
		die(EXIT_USAGE, "relgate %s: --base, --uncommitted and --files exclude each other",
		    cmd);
	if (modes == 0)
		die(EXIT_USAGE, "relgate %s: say which change: --base REF [--head REF], "
		    "--uncommitted, or --files PATH... (--files - reads them from stdin)", cmd);
	if (o->head && !o->base)
		die(EXIT_USAGE, "relgate %s: --head needs --base", cmd);
	if (files) {
		if (optind >= argc)
			die(EXIT_USAGE, "relgate %s: --files needs paths, or - to read them from stdin",
			    cmd);
		o->files = argv + optind;
		o->nfiles = (size_t)(argc - optind);
	} else if (optind < argc) {
		die(EXIT_USAGE, "relgate %s: unexpected argument \"%s\"", cmd, argv[optind]);
	}
	o->need_change = true;
}

int count_option(const char *cmd, const char *opt, const char *arg, long min, long max,
		 long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (end == arg || *end || errno || v < min || v > max) {
		error("relgate %s: %s takes a number from %ld to %ld, not \"%s\"", cmd, opt, min, max,
		      term_safe(arg));
		return -1;
	}
	*out = v;
	return 0;
}

int relgate_binary(char *out, size_t size)
{
	ssize_t len = readlink("/proc/self/exe", out, size - 1);

	if (len <= 0)
		return error("cannot find relgate's own binary:");
	out[len] = '\0';
	return 0;
}

int exit_code_of_failure(void)
{
	return exit_code_of(fault_last());
}

/* What the snippet of product's pages is told: the beacon's address, and its boot check's deadline. */
void snippet_page_of(const struct config *c, const struct cfg_product *cp,
			    const char *product, struct snippet_page *page)
{
	const struct cfg_check *bc = cp ? boot_check_of(cp, NULL) : NULL;

	memset(page, 0, sizeof(*page));
	page->product = product;
	page->beacon = c->public_url;
	page->timeout_ms = bc ? bc->boot.timeout_ms : CONFIG_BOOT_TIMEOUT_MS;
	page->ready = bc ? bc->boot.ready : NULL;
}
