/*
 * main: global options, then one command from the table.  After the
 * command, a failure to write standard output is an error too (a full
 * disk or a closed pipe must not look like success).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <git2.h>
#include <jansson.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/changes.h"
#include "analyze/setup.h"
#include "cmd/cmd.h"
#include "lib/diag.h"
#include "lib/term.h"
#include "lib/util.h"

#define RELGATE_VERSION "0.1.0"

struct global_opts global_opts;

/* The command reads the workspace: main finds it and reads relgate.json first. */
#define NEED_SETUP (1u << 0)

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv, struct setup *s);
	unsigned flags;
	const char *help;
} commands[] = {
	{"affected", cmd_affected, NEED_SETUP, "the products a change reaches, and why"},
	{"graph", cmd_graph, NEED_SETUP, "the dependency graph, as JSON, DOT or Mermaid"},
	{"plan", cmd_plan, NEED_SETUP,
	 "what a change releases: products, why, owners, active releases, what is new"},
	{"test", cmd_test, NEED_SETUP,
	 "build and check products under a supervisor that never hangs"},
	{"boot", cmd_boot, 0,
	 "start a built product in a headless browser, fail on start-up errors"},
	{"release", cmd_release, NEED_SETUP,
	 "store a checked artifact as an immutable release and activate it"},
	{"rollback", cmd_rollback, NEED_SETUP, "activate the last good release, in milliseconds"},
	{"status", cmd_status, NEED_SETUP, "every product's active release, and its last good one"},
	{"history", cmd_history, NEED_SETUP, "what was released and activated, by whom, when, why"},
	{"diff", cmd_diff, NEED_SETUP, "which files of a built artifact differ from the active release"},
	{"notify", cmd_notify, NEED_SETUP,
	 "send a message, or the outbox's undelivered notifications"},
	{"snippet", cmd_snippet, 0,
	 "the early-error snippet that release puts into every page, or its CSP hash"},
	{"serve", cmd_serve, NEED_SETUP,
	 "collect the snippet's beacons; status page, API, the products' live releases"},
	{"watch", cmd_watch, NEED_SETUP,
	 "roll a fresh release back by itself when it does not start in real browsers"},
	{"runbook", cmd_runbook, NEED_SETUP,
	 "what to do when a product fails in production, with the real names"},
	{"ship", cmd_ship, NEED_SETUP,
	 "the whole pipeline for a change: plan, notify, gate, release what passed, watch"},
	{"fsck", cmd_fsck, NEED_SETUP,
	 "check every release against its manifest; remove unfinished work"},
};

/* Is help asked for?  It needs no workspace, not even a readable relgate.json. */
static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: relgate [-C DIR] [--config FILE] [--color auto|always|never] [-q] [-v]\n"
		   "               COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'relgate help COMMAND' (or 'relgate COMMAND --help') tells more about a "
		   "command.\n"
		   "\nexit codes: 0 success, 1 the gate said no, 2 usage or configuration error,\n"
		   "            3 environment error (git, browser, store), 130 interrupted\n");
}

/* The command of that name, or NULL after saying there is none. */
static const struct command *find_command(const char *name)
{
	for (size_t k = 0; k < ARRAY_LEN(commands); k++)
		if (!strcmp(commands[k].name, name))
			return &commands[k];
	error("\"%s\" is not a relgate command", name);
	print_usage(stderr);
	return NULL;
}

/* Global options; returns the index of the command. */
static int parse_globals(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-C") || !strcmp(a, "--config") || !strcmp(a, "--color")) {
			if (i + 1 >= argc)
				die(EXIT_USAGE, "%s needs an argument", a);
		}
		if (!strcmp(a, "-C")) {
			if (chdir(argv[++i]) < 0)
				die(EXIT_USAGE, "cannot change to folder %s:", argv[i]);
		} else if (!strcmp(a, "--config")) {
			global_opts.config = argv[++i];
		} else if (starts_with(a, "--config=")) {
			global_opts.config = a + 9;
		} else if (!strcmp(a, "--color") || starts_with(a, "--color=")) {
			const char *v = a[7] == '=' ? a + 8 : argv[++i];

			if (!strcmp(v, "auto"))
				term_color_mode = COLOR_AUTO;
			else if (!strcmp(v, "always"))
				term_color_mode = COLOR_ALWAYS;
			else if (!strcmp(v, "never"))
				term_color_mode = COLOR_NEVER;
			else
				die(EXIT_USAGE, "--color must be auto, always or never, not \"%s\"", v);
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			diag_level = -1;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			diag_level = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			printf("relgate %s\n", RELGATE_VERSION);
			exit(0);
		} else {
			error("unknown option %s", a);
			print_usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	return i;
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	struct setup setup, *s = NULL;
	int i, ret;

	i = parse_globals(argc, argv);
	if (i >= argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	/* relgate help [COMMAND], as git has it: the command's own --help */
	if (!strcmp(argv[i], "help")) {
		char *help_argv[3] = {NULL, "--help", NULL};

		if (i + 1 >= argc) {
			print_usage(stdout);
			return 0;
		}
		if (!(cmd = find_command(argv[i + 1])))
			return EXIT_USAGE;
		help_argv[0] = argv[i + 1];
		return cmd->run(2, help_argv, NULL);
	}
	if (!(cmd = find_command(argv[i])))
		return EXIT_USAGE;
	/* jansson seeds its hash tables on first use: do it before any thread parses */
	json_object_seed(0);
	optind = 1;
	if ((cmd->flags & NEED_SETUP) && !wants_help(argc - i, argv + i)) {
		if (setup_open(&setup, global_opts.config) < 0) {
			setup_release(&setup);
			git_stop();
			return exit_code_of(fault_last());
		}
		s = &setup;
	}
	ret = cmd->run(argc - i, argv + i, s);
	if (s)
		setup_release(s);
	git_stop();

	if (fflush(stdout) || ferror(stdout)) {
		error("cannot write standard output:");
		return EXIT_ENV;
	}
	return ret;
}
