/*
 * report: the gate's results for machines and people: JUnit XML (as
 * GitLab, Jenkins and the common GitHub actions read it), JSON, and a
 * markdown summary.  Reports are written atomically, so that a reader never
 * sees half of one, also when relgate was interrupted.
 */
#ifndef RELGATE_REPORT_H
#define RELGATE_REPORT_H

#include <jansson.h>

#include "gate/gate.h"
#include "lib/util.h"

/* JUnit XML: a testsuite per product, a testcase per step. */
void report_junit(const struct gate *g, struct buf *out);
/* JSON: every product, every step, every attempt. */
void report_json(const struct gate *g, struct buf *out);
/* A markdown table, for GITHUB_STEP_SUMMARY and pull requests. */
void report_markdown(const struct gate *g, struct buf *out);
/*
 * GitHub Actions' annotations: an ::error line per step that did not pass,
 * titled with the product and the step, placed at the file and line the
 * step's message names (a boot error's place in the built bundle, under the
 * product's artifact), else at relgate.json.
 */
void report_annotations(const struct gate *g, struct buf *out);

/*
 * Write the reports asked for (junit, json: paths, or NULL) and, on GitHub
 * Actions, append the markdown table to GITHUB_STEP_SUMMARY.  Each is
 * written even when another failed.  Returns 0, or -1 after an error
 * (FAULT_ENV) when a report could not be written.
 */
int report_write_all(const struct gate *g, const char *junit, const char *json);

/*
 * A --json report read back, as relgate release --gate-report and relgate
 * ship do: the report at path, parsed (NULL after the error was said,
 * FAULT_INPUT), and what it says of product's artifact with digest (NULL:
 * whichever artifact it checked): a verdict on another artifact is none on
 * this one.  REPORT_FAILED puts the first step that did not pass into step
 * ("unit failed").
 */
enum report_verdict {
	REPORT_PASSED,
	REPORT_FAILED,           /* the gate did not pass it */
	REPORT_NO_ENTRY,         /* the report has no entry for the product */
	REPORT_NO_ARTIFACT,      /* its entry has no artifact digest: its build left none */
	REPORT_OTHER_ARTIFACT,   /* it checked another artifact: the digests differ */
};
json_t *report_read(const char *path);
enum report_verdict report_verdict(json_t *root, const char *product, const char *digest,
				   char *step, size_t size);

/* Append text to a file (GITHUB_STEP_SUMMARY is appended to). */
int append_file(const char *path, const char *text, size_t len);

#endif
