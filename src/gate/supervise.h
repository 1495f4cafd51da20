/*
 * supervise: running user commands so that relgate always ends, on time,
 * and knows what happened.
 *
 * Each step runs in a new session, in a cgroup v2 of its own where one can
 * be made (else its processes are found by a marker in their environment
 * and by relgate being their subreaper), with stdin from /dev/null and no
 * descriptor above 2.  Its output (stdout and stderr together) goes to a log
 * file, capped, with a bounded tail kept in memory.  On a wall-clock or
 * idle timeout the whole tree gets SIGTERM and SIGCONT, then SIGKILL after
 * the grace period; when the main process ends, whatever it left behind is
 * killed and the output drained for a bounded time, never until an EOF that
 * may not come.  Every process is reaped.
 *
 * This module returns errors and never exits: the gate and the server must
 * outlive a step that misbehaves.  One supervisor runs many steps at once
 * on the process's event loop; SIGINT and SIGTERM to relgate end sv_wait early
 * so that the caller can stop everything and still write its reports.
 */
#ifndef RELGATE_SUPERVISE_H
#define RELGATE_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/util.h"

/* Zero-initialise with SV_STEP_INIT: descriptors 3 and 4 default to none. */
#define SV_STEP_INIT {.fd3 = -1, .fd4 = -1}

struct sv_step {
	const char *name;          /* for messages: "distributor: build" */
	const char *run;           /* a shell command, run with /bin/sh -c */
	char *const *argv;         /* or a program and its arguments (run NULL) */
	const char *cwd;           /* NULL: relgate's own */
	char *const *env;          /* extra "NAME=value" entries, NULL-ended, or NULL */
	char *const *unset;        /* names not passed on from relgate's own, NULL-ended, or NULL */
	int64_t timeout_ms;        /* 0: none */
	int64_t idle_timeout_ms;   /* no output for this long ends the step; 0: none */
	int64_t grace_ms;          /* between SIGTERM and SIGKILL; 0: the default */
	const char *log_path;      /* the whole output goes there (truncated first); NULL: none */
	size_t tail_max;           /* bytes of output kept in memory; 0: the default */
	int fd3, fd4;              /* given to the child as descriptors 3 and 4; -1: none */
	const char *stdin_path;    /* the child's stdin; NULL: /dev/null */
	bool as_user;              /* run as uid and gid (from root: an unprivileged user) */
	uid_t uid;
	gid_t gid;
};

enum sv_outcome {
	SV_PASSED,       /* exit code 0 */
	SV_FAILED,       /* another exit code */
	SV_SIGNALED,     /* killed by a signal it did not get from relgate */
	SV_TIMEOUT,      /* the wall-clock timeout */
	SV_IDLE,         /* the idle-output timeout */
	SV_NOT_STARTED,  /* it could not be started (see error) */
	SV_INTERRUPTED,  /* relgate itself was interrupted */
};

struct sv_result {
	enum sv_outcome outcome;
	int exit_code;       /* SV_PASSED, SV_FAILED */
	int signal;          /* SV_SIGNALED; the signal that ended it otherwise */
	double ms;           /* from start to the last process reaped */
	uint64_t bytes;      /* output bytes read */
	uint64_t log_dropped;  /* bytes not written to the log past its cap */
	struct buf tail;     /* the last tail_max bytes of output */
	int leftovers;       /* processes killed after the main one had ended */
	bool cgroup;         /* the step ran in a cgroup of its own */
	char error[256];     /* SV_NOT_STARTED: why */
};

struct supervisor;
struct loop;

/*
 * Make a supervisor on the event loop l (NULL: one of its own, freed with
 * it): relgate becomes a child subreaper; SIGCHLD, SIGINT, SIGTERM and
 * SIGHUP are registered with the loop, SIGPIPE is ignored.  The loop must
 * outlive the supervisor.  Returns NULL with an error message when the
 * process cannot be set up.
 */
struct supervisor *supervisor_new(struct loop *l);
/* The loop it runs on, for others to register with (the boot check's pipe). */
struct loop *sv_loop(const struct supervisor *sv);
void supervisor_free(struct supervisor *sv);

/* Does this supervisor put steps in cgroups of their own? */
bool sv_uses_cgroups(const struct supervisor *sv);

/*
 * Start a step; res is filled as it runs and complete when sv_wait returns
 * its tag.  Returns 0, or -1 when the step could not even be started (res
 * then says why, and sv_wait still returns the tag once).
 *
 * The supervisor keeps the pointers step and res (and what step points to:
 * its argv, env, name, log_path) until sv_wait has returned the tag: they
 * must stay valid and unchanged until then.
 */
int sv_start(struct supervisor *sv, const struct sv_step *step, struct sv_result *res, void *tag);

/*
 * Wait until a step ends and return its tag; NULL when no step is running,
 * or when relgate was asked to stop (sv_stop_signal() then tells by what).
 */
void *sv_wait(struct supervisor *sv);

/*
 * The same, but return NULL after at most max_ms (0: just look), or as soon
 * as a callback of the caller's on the same loop called loop_interrupt(),
 * so that a caller can keep a display or a protocol of its own going.
 */
void *sv_wait_for(struct supervisor *sv, int max_ms);

/* How many steps are running. */
size_t sv_running(const struct supervisor *sv);

/* The SIGINT/SIGTERM/SIGHUP that asked relgate to stop, or 0. */
int sv_stop_signal(const struct supervisor *sv);

/*
 * Stop every running step: SIGTERM and SIGCONT to each tree, the grace
 * period, SIGKILL, all reaped.  Their results say SV_INTERRUPTED.
 */
void sv_stop_all(struct supervisor *sv);

/* Run one step to its end: start it and wait. */
int sv_run(struct supervisor *sv, const struct sv_step *step, struct sv_result *res);

/* A word for an outcome: "passed", "failed", "timed out", ... */
const char *sv_outcome_name(enum sv_outcome o);
/* One line saying what happened: "exit code 2", "timed out after 5s", ... */
void sv_describe(const struct sv_step *step, const struct sv_result *res, struct buf *out);

void sv_result_release(struct sv_result *res);

#endif
