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

/* Append text to a file (GITHUB_STEP_SUMMARY is appended to). */
int append_file(const char *path, const char *text, size_t len);

#endif
