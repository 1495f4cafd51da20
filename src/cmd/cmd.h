/*
 * cmd: one file per command, each exporting cmd_<name>(argc, argv) with
 * argv[0] the command's name; main.c holds the table.  A command parses
 * its options, calls the core, formats the result, and returns the exit
 * code.
 */
#ifndef RELGATE_CMD_H
#define RELGATE_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "release/history.h"

/* Options that come before the command. */
struct global_opts {
	const char *config;   /* --config FILE */
};

extern struct global_opts global_opts;

enum output_format {
	FORMAT_TEXT, FORMAT_JSON, FORMAT_MARKDOWN, FORMAT_DOT, FORMAT_MERMAID,
	FORMAT_GITHUB_MATRIX, FORMAT_GITLAB
};

/* Parse --format's argument among the allowed ones; exits 2 when not allowed. */
enum output_format parse_format(const char *cmd, const char *arg, unsigned allowed);
#define FMT(f) (1u << (f))

/*
 * The long options every change-reading command takes, for the start of
 * its getopt_long table, and their handling: returns 1 when opt was one
 * of them.
 */
struct impact_opts;
enum { OPT_BASE = 1000, OPT_HEAD, OPT_UNCOMMITTED, OPT_FILES, OPT_NO_IMPORTS, OPT_NO_CACHE };
#define CHANGE_LONG_OPTIONS \
	{"base", required_argument, NULL, OPT_BASE}, \
	{"head", required_argument, NULL, OPT_HEAD}, \
	{"uncommitted", no_argument, NULL, OPT_UNCOMMITTED}, \
	{"files", no_argument, NULL, OPT_FILES}, \
	{"no-imports", no_argument, NULL, OPT_NO_IMPORTS}, \
	{"no-cache", no_argument, NULL, OPT_NO_CACHE}
int change_option(int opt, const char *arg, struct impact_opts *o, int *files);
/* Check the combination and take the file arguments; exits 2 on misuse. */
void change_options_done(const char *cmd, struct impact_opts *o, int files, int argc, char **argv);

/*
 * The commands.  s is the workspace's setup for the commands whose entry in
 * main.c's table says NEED_SETUP (NULL when only --help was asked), and
 * NULL for the others.  Each returns its exit code.
 */
struct setup;
int cmd_affected(int argc, char **argv, struct setup *s);
int cmd_graph(int argc, char **argv, struct setup *s);
int cmd_test(int argc, char **argv, struct setup *s);
int cmd_boot(int argc, char **argv, struct setup *s);
int cmd_release(int argc, char **argv, struct setup *s);
int cmd_rollback(int argc, char **argv, struct setup *s);
int cmd_status(int argc, char **argv, struct setup *s);
int cmd_history(int argc, char **argv, struct setup *s);
int cmd_fsck(int argc, char **argv, struct setup *s);
int cmd_diff(int argc, char **argv, struct setup *s);
int cmd_runbook(int argc, char **argv, struct setup *s);
int cmd_plan(int argc, char **argv, struct setup *s);
int cmd_notify(int argc, char **argv, struct setup *s);
int cmd_snippet(int argc, char **argv, struct setup *s);
int cmd_serve(int argc, char **argv, struct setup *s);
int cmd_watch(int argc, char **argv, struct setup *s);
int cmd_ship(int argc, char **argv, struct setup *s);

/* What the snippet in product's pages is told (its release id left out): relgate.json's say. */
struct snippet_page;
struct cfg_product;
struct config;
void snippet_page_of(const struct config *c, const struct cfg_product *cp, const char *product,
		     struct snippet_page *page);

/* The store of this workspace (RELGATE_STORE, else relgate.json's "store": {"path"}), opened. */
struct store;
int open_store(const struct setup *s, struct store *st);
/* The same for a store that exists already: 1 opened, 0 there is none, -1 after an error. */
int open_store_if_any(const struct setup *s, struct store *st);
/*
 * The commit checked out at root (hex, "" outside git), and, when dirty is
 * not NULL, whether tracked files differ from it.
 */
void workspace_commit(const char *root, char *hex, bool *dirty);

/* The branch checked out at root into out ("" when detached or outside git). */
void workspace_branch(const char *root, char *out, size_t size);

/*
 * Queue notice n for channels (names of relgate.json's "channels") in the
 * store's outbox, then send it, and whatever else is due, within
 * notify.timeout; background: leave the sending to a relgate started
 * detached, so that the caller never waits on a network.  What happened
 * is printed to stderr (and what could not even be queued).  With no
 * channels it only sends what is due from earlier.
 */
struct notice;
struct strlist;
void notify_send(const struct setup *s, struct store *st, const struct notice *n,
		const struct strlist *channels, bool background);
/*
 * What was queued into rep, said on stderr; a relgate started detached
 * sends it, and whatever else is due.  rep is released.
 */
struct outbox_report;
void notify_queued(const struct setup *s, struct store *st, struct outbox_report *rep);
/* A product's owners (its channels), pointing into the configuration. */
void product_channels(const struct setup *s, const char *product, struct strlist *out);

/* A rollback, as relgate rollback, the status page's button and the watch ask for it. */
struct rollback_req {
	const char *product;
	const char *to;          /* NULL: the last good release */
	const char *expect;      /* NULL: whatever is active */
	const char *reason;
	bool force;              /* to a release marked bad */
};
struct rollback_done {
	char from[RELEASE_ID_MAX], to[RELEASE_ID_MAX];
	bool already;            /* to was active already: nothing done */
	bool abandoned;          /* from is marked bad */
	double switch_ms;
};
/*
 * Do it under the product's lock, the notification queued in the same
 * commit and sent in the background.  An exit code; errors are said.
 */
int rollback_product(const struct setup *s, struct store *st, const struct rollback_req *rq,
		     struct rollback_done *d);
struct buf;
void rollback_json(const struct rollback_req *rq, const struct rollback_done *d, double ms,
		   struct buf *b);

/* relgate's own binary, for what it starts of itself: 0, or -1 (said). */
int relgate_binary(char *out, size_t size);

/* A whole number option from min to max into *out: 0, or -1 after saying what it takes. */
int count_option(const char *cmd, const char *opt, const char *arg, long min, long max,
		 long *out);

/* The exit code for the failure just reported below cmd/ (fault_last()). */
int exit_code_of_failure(void);

#endif
