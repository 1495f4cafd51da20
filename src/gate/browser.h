/*
 * browser: the boot check.  relgate serves a built artifact on a loopback
 * port of its own, starts Debian's chromium headless under the supervisor,
 * drives it over the DevTools protocol on a pipe (NUL-separated JSON on
 * descriptors 3 and 4, no WebSocket), opens the page, and fails on the
 * first uncaught exception, unhandled rejection, console.error, or failed
 * same-origin request before the ready expression is true, or on the
 * timeout.  The browser's whole process tree is killed afterwards.
 */
#ifndef RELGATE_BROWSER_H
#define RELGATE_BROWSER_H

#include <stdbool.h>
#include <stdint.h>

#include "gate/supervise.h"
#include "lib/config.h"

struct boot_opts {
	const char *dir;          /* the artifact folder to serve */
	const char *page;         /* the page to open, relative to dir */
	const char *url;          /* or a live page to open instead (dir and page unused) */
	const char *ready;        /* a JavaScript expression; NULL: the load event, then 1s */
	int64_t timeout_ms;
	const char *chromium;     /* NULL: RELGATE_CHROMIUM, or chromium on PATH */
};

struct boot_result {
	bool passed;
	const char *kind;         /* "exception", "unhandled rejection", "console.error",
				     "failed request", "timeout", "navigation", "ready" (an
				     expression that does not parse), "browser" */
	char *message;            /* the first line: "TypeError: i.get(...) is not a function" */
	char *stack;              /* the stack as the browser gave it */
	char *where;              /* "app.js:1:2345" */
	char *excerpt;            /* the code around that place */
	double ms;                /* from navigation to ready (or to the failure) */
	double browser_ms;        /* the browser's start */
};

/*
 * The boot check c of product p in relgate.json, when p has one: the one
 * named name, or its first.  NULL when there is none by that name.
 */
const struct cfg_check *boot_check_of(const struct cfg_product *p, const char *name);

/*
 * The options of that check (c may be NULL: the defaults), with the
 * product's artifact under root as the folder to serve (*dir, malloc'd).
 * The one place where relgate.json's boot settings become a boot check's.
 */
void boot_opts_of(struct boot_opts *o, char **dir, const char *root, const struct cfg_product *p,
		  const struct cfg_check *c);

/*
 * Run the boot check.  Returns 0 when it ran (the result says how it went),
 * or -1 after an error: FAULT_REFUSED when the artifact is not there to
 * serve, FAULT_ENV when no browser could be started (the message says how
 * to get one).
 */
int boot_check(struct supervisor *sv, const struct boot_opts *o, struct boot_result *r);
void boot_result_release(struct boot_result *r);

#endif
