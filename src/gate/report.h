/*
 * report: the gate's results for machines and people: JUnit XML (as
 * GitLab, Jenkins and the common GitHub actions read it), JSON, and a
 * markdown summary.  Reports are written atomically, so that a reader never
 * sees half of one, also when relgate was interrupted.
 */
#ifndef RELGATE_REPORT_H
#define RELGATE_REPORT_H

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

/* Append text to a file (GITHUB_STEP_SUMMARY is appended to). */
int append_file(const char *path, const char *text, size_t len);

#endif
