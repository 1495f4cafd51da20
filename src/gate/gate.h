/*
 * gate: build and check products under the supervisor.  Each product runs
 * its build, then each of its checks in order; a failed build skips the
 * checks; a failed step with retries left runs again (and a pass after a
 * failure is remembered as flaky).  Products run in parallel, up to jobs at
 * once.  The gate never prints: it calls back for progress, and leaves the
 * results for the reports.
 */
#ifndef RELGATE_GATE_H
#define RELGATE_GATE_H

#include <stdbool.h>

#include "analyze/impact.h"
#include "analyze/setup.h"
#include "lib/artifact.h"
#include "lib/config.h"
#include "gate/supervise.h"

enum gate_step_kind { GATE_BUILD, GATE_RUN, GATE_BOOT };

/* One failed attempt of a step that was retried. */
struct gate_attempt {
	struct sv_result res;
	char *log;
};

struct gate_step {
	const char *name;            /* "build", or the check's name */
	enum gate_step_kind kind;
	struct sv_step spec;
	char **argv;                 /* GATE_BOOT: the relgate boot command */
	char *log;                   /* the log file of the last attempt */
	struct sv_result res;        /* the last attempt */
	struct gate_attempt *failed; /* earlier attempts that failed */
	int attempts, retries;
	double start_ms;             /* when the current attempt started */
	bool started, finished, skipped;
	char *skip_reason;
};

struct gate_product {
	const struct cfg_product *p;
	struct gate_step *steps;
	size_t n, next;              /* steps, and the one to run next */
	bool started, finished, passed;
	double start_ms, ms;
	/* the artifact as built and checked, "sha256:..." ("" when there is none to read) */
	char digest[ARTIFACT_DIGEST_HEX];
};

struct gate {
	struct gate_product *products;
	size_t n;
	int jobs;
	int64_t grace_ms;
	const char *root;            /* the workspace root: steps run there */
	const char *log_dir;
	const char *self;            /* relgate's own path, for boot checks */
	const char *config;          /* relgate.json, absolute, for boot checks */
	struct supervisor *sv;
	int stop_signal;             /* set when relgate was interrupted */
	/* called when a step starts (done false) or ends (done true) */
	void (*progress)(struct gate *g, struct gate_product *gp, struct gate_step *st, bool done);
	/* called about every 100 ms while steps run, for a live display */
	void (*tick)(struct gate *g);
	void *data;
};

/*
 * Prepare the products' steps.  Returns 0, or -1 after every error was
 * reported: a boot check without an artifact (FAULT_INPUT), a log folder
 * that cannot be made (FAULT_ENV).
 */
int gate_init(struct gate *g, const struct cfg_product **products, size_t n);

/*
 * The products to gate: those the analysis im reached (when im is not
 * NULL), else the names given (each once), else every product of
 * relgate.json.  *out is malloc'd and points into s's configuration.
 * Returns 0, or -1 after an error (FAULT_INPUT: no relgate.json with
 * products, an unknown name).
 */
int gate_select(const struct setup *s, const struct impact *im, char **names, size_t nnames,
		const struct cfg_product ***out, size_t *n);

/* Run everything; returns when all products are finished or relgate was stopped. */
void gate_run(struct gate *g);

/* Did every product pass? */
bool gate_passed(const struct gate *g);

/*
 * Could a step not run for want of something of the machine's, not the
 * product's?  A boot check whose browser could not start (relgate boot's
 * exit code 3): the gate has no verdict on that product.
 */
bool gate_step_env_error(const struct gate_step *st);
/* Did any step end so? */
bool gate_env_failed(const struct gate *g);

/* A short message for a step that did not pass (last lines of its output). */
void gate_step_message(const struct gate_step *st, struct buf *out);

void gate_release(struct gate *g);

#endif
