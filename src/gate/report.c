/*
 * report: the formats.  JUnit's dialect follows what its common readers
 * accept: <failure> when a check said no, <error> when it could not say
 * (timed out, stalled, crashed, not started, interrupted), <skipped> for
 * steps after a failure, and <flakyFailure> (Maven Surefire's element, read
 * by Jenkins and GitLab) for failed attempts of a step that passed on retry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gate/report.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/jsonfile.h"
#include "lib/jsonw.h"

/* XML text: escaped, control characters dropped, invalid UTF-8 replaced. */
static void xml_text(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		unsigned char c = *p;

		if (c == '&')
			buf_adds(b, "&amp;");
		else if (c == '<')
			buf_adds(b, "&lt;");
		else if (c == '>')
			buf_adds(b, "&gt;");
		else if (c == '"')
			buf_adds(b, "&quot;");
		else if (c == '\'')
			buf_adds(b, "&apos;");
		else if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
			;  /* not allowed in XML 1.0 at all */
		else if (c < 0x80)
			buf_addc(b, (char)c);
		else {
			unsigned char seq[5] = {0};
			size_t len, avail = (size_t)(end - p) < 4 ? (size_t)(end - p) : 4;

			memcpy(seq, p, avail);
			len = utf8_len(seq);
			/* U+FFFE and U+FFFF are not characters XML allows either */
			if (len == 3 && seq[0] == 0xef && seq[1] == 0xbf && seq[2] >= 0xbe)
				len = 0;
			if (!len) {
				buf_adds(b, "\xef\xbf\xbd");
			} else {
				buf_add(b, p, len);
				p += len;
				continue;
			}
		}
		p++;
	}
}

static void xml_str(struct buf *b, const char *s)
{
	xml_text(b, s, strlen(s));
}

/* The first line of a message, for attributes. */
static void xml_first_line(struct buf *b, const char *s)
{
	xml_text(b, s, strcspn(s, "\n"));
}

/* An error, not a failure: the step could not give its verdict. */
static bool is_error(const struct gate_step *st)
{
	enum sv_outcome o = st->res.outcome;

	return o == SV_TIMEOUT || o == SV_IDLE || o == SV_SIGNALED || o == SV_NOT_STARTED ||
	       o == SV_INTERRUPTED || gate_step_env_error(st);
}

static const char *kind_name(enum gate_step_kind k)
{
	return k == GATE_BUILD ? "build" : k == GATE_BOOT ? "boot" : "run";
}

static void junit_output(struct buf *b, const struct sv_result *res, const char *log)
{
	buf_adds(b, "      <system-out>");
	xml_text(b, res->tail.data, res->tail.len);
	if (log) {
		buf_adds(b, "\n[full log: ");
		xml_str(b, log);
		buf_adds(b, "]");
	}
	buf_adds(b, "</system-out>\n");
}

void report_junit(const struct gate *g, struct buf *b)
{
	struct buf msg = BUF_INIT;
	size_t i, k, tests = 0, failures = 0, errors = 0, skipped = 0;
	double total = 0;

	for (i = 0; i < g->n; i++) {
		total += g->products[i].ms;
		for (k = 0; k < g->products[i].n; k++) {
			const struct gate_step *st = &g->products[i].steps[k];

			tests++;
			if (st->skipped)
				skipped++;
			else if (is_error(st))
				errors++;
			else if (st->res.outcome != SV_PASSED)
				failures++;
		}
	}
	buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_addf(b, "<testsuites name=\"relgate\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
		 "skipped=\"%zu\" time=\"%.3f\">\n", tests, failures, errors, skipped, total / 1e3);
	for (i = 0; i < g->n; i++) {
		const struct gate_product *gp = &g->products[i];
		size_t f = 0, e = 0, s = 0;

		for (k = 0; k < gp->n; k++) {
			const struct gate_step *st = &gp->steps[k];

			s += st->skipped;
			e += !st->skipped && is_error(st);
			f += !st->skipped && !is_error(st) && st->res.outcome != SV_PASSED;
		}
		buf_adds(b, "  <testsuite name=\"");
		xml_str(b, gp->p->name);
		buf_addf(b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
			 "time=\"%.3f\">\n", gp->n, f, e, s, gp->ms / 1e3);
		for (k = 0; k < gp->n; k++) {
			const struct gate_step *st = &gp->steps[k];
			int a;

			buf_adds(b, "    <testcase classname=\"");
			xml_str(b, gp->p->name);
			buf_adds(b, "\" name=\"");
			xml_str(b, st->name);
			buf_addf(b, "\" time=\"%.3f\">\n", st->skipped ? 0.0 : st->res.ms / 1e3);
			buf_reset(&msg);
			gate_step_message(st, &msg);
			if (st->skipped) {
				buf_adds(b, "      <skipped message=\"");
				xml_first_line(b, msg.data);
				buf_adds(b, "\"/>\n");
			} else if (st->res.outcome != SV_PASSED) {
				const char *el = is_error(st) ? "error" : "failure";

				buf_addf(b, "      <%s message=\"", el);
				xml_first_line(b, msg.data);
				buf_addf(b, "\" type=\"%s\">", sv_outcome_name(st->res.outcome));
				xml_str(b, msg.data);
				buf_addf(b, "</%s>\n", el);
			}
			/* earlier attempts of a step that passed in the end were flaky */
			for (a = 0; st->failed && a < st->attempts - 1; a++) {
				const struct gate_attempt *at = &st->failed[a];
				struct gate_step tmp = *st;
				const char *el = st->res.outcome == SV_PASSED ? "flakyFailure" :
						 "rerunFailure";

				tmp.res = at->res;
				tmp.skipped = false;
				buf_reset(&msg);
				gate_step_message(&tmp, &msg);
				buf_addf(b, "      <%s message=\"", el);
				xml_first_line(b, msg.data);
				buf_addf(b, "\" type=\"%s\">\n        <stackTrace>",
					 sv_outcome_name(at->res.outcome));
				xml_str(b, msg.data);
				buf_adds(b, "</stackTrace>\n");
				junit_output(b, &at->res, at->log);
				buf_addf(b, "      </%s>\n", el);
			}
			if (!st->skipped)
				junit_output(b, &st->res, st->log);
			buf_adds(b, "    </testcase>\n");
		}
		buf_adds(b, "  </testsuite>\n");
	}
	buf_adds(b, "</testsuites>\n");
	buf_release(&msg);
}

void report_json(const struct gate *g, struct buf *b)
{
	struct buf msg = BUF_INIT;
	struct jw w;
	size_t i, k;

	jw_init(&w, b);
	jw_object(&w);
	jw_kbool(&w, "passed", gate_passed(g));
	if (g->stop_signal)
		jw_kstr(&w, "interrupted", strsignal(g->stop_signal));
	jw_break(&w, 1);
	jw_key(&w, "products");
	jw_array(&w);
	for (i = 0; i < g->n; i++) {
		const struct gate_product *gp = &g->products[i];

		jw_break(&w, 2);
		jw_object(&w);
		jw_kstr(&w, "name", gp->p->name);
		jw_kbool(&w, "passed", gp->passed);
		jw_knum(&w, "ms", gp->ms, 0);
		/* the verdict is the artifact's with this digest: relgate release checks it */
		if (*gp->digest) {
			jw_key(&w, "artifact");
			jw_object(&w);
			jw_kstr(&w, "path", gp->p->artifact);
			jw_kstr(&w, "digest", gp->digest);
			jw_end(&w);
		}
		jw_key(&w, "steps");
		jw_array(&w);
		for (k = 0; k < gp->n; k++) {
			const struct gate_step *st = &gp->steps[k];

			jw_break(&w, 4);
			jw_object(&w);
			jw_kstr(&w, "name", st->name);
			jw_kstr(&w, "kind", kind_name(st->kind));
			jw_kstr(&w, "outcome", st->skipped ? "skipped" : sv_outcome_name(st->res.outcome));
			if (!st->skipped) {
				jw_knum(&w, "ms", st->res.ms, 0);
				jw_kint(&w, "attempts", st->attempts);
				if (st->res.outcome == SV_PASSED || st->res.outcome == SV_FAILED)
					jw_kint(&w, "exitCode", st->res.exit_code);
				if (st->res.signal)
					jw_kint(&w, "signal", st->res.signal);
				if (st->res.leftovers)
					jw_kint(&w, "leftovers", st->res.leftovers);
				jw_kbool(&w, "cgroup", st->res.cgroup);
				if (st->log)
					jw_kstr(&w, "log", st->log);
			}
			if (st->skipped || st->res.outcome != SV_PASSED || st->attempts > 1) {
				buf_reset(&msg);
				gate_step_message(st, &msg);
				jw_kstr(&w, "message", msg.data);
			}
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
	}
	jw_break(&w, 1);
	jw_end(&w);
	jw_end(&w);
	jw_done(&w);
	buf_addc(b, '\n');
	buf_release(&msg);
}

/* A markdown table cell: one line, pipes escaped. */
static void md_cell(struct buf *b, const char *s)
{
	for (; *s && *s != '\n'; s++) {
		if (*s == '|')
			buf_adds(b, "\\|");
		else
			buf_addc(b, *s);
	}
}

void report_markdown(const struct gate *g, struct buf *b)
{
	struct buf msg = BUF_INIT;
	size_t i, k, failed = 0;

	for (i = 0; i < g->n; i++)
		failed += !g->products[i].passed;
	buf_addf(b, "### relgate test: %s\n\n", gate_passed(g) ? "all products passed" :
		 g->stop_signal ? "interrupted" : "the gate says no");
	buf_adds(b, "| product | step | result | time | detail |\n| --- | --- | --- | --- | --- |\n");
	for (i = 0; i < g->n; i++) {
		const struct gate_product *gp = &g->products[i];

		for (k = 0; k < gp->n; k++) {
			const struct gate_step *st = &gp->steps[k];
			const char *word = st->skipped ? "skipped" : sv_outcome_name(st->res.outcome);
			const char *icon = st->skipped ? "⚪" : st->res.outcome == SV_PASSED ? "✅" : "❌";

			buf_adds(b, "| ");
			md_cell(b, gp->p->name);
			buf_adds(b, " | ");
			md_cell(b, st->name);
			buf_addf(b, " | %s %s%s | %.1fs | ", icon, word,
				 st->attempts > 1 && st->res.outcome == SV_PASSED ? " (flaky)" : "",
				 st->skipped ? 0.0 : st->res.ms / 1e3);
			if (st->skipped || st->res.outcome != SV_PASSED) {
				const char *nl;

				buf_reset(&msg);
				gate_step_message(st, &msg);
				/* the outcome and the last line of output */
				md_cell(b, msg.data);
				nl = strrchr(msg.data, '\n');
				if (nl) {
					buf_adds(b, ": ");
					md_cell(b, nl + 1);
				}
			}
			buf_adds(b, " |\n");
		}
	}
	buf_addf(b, "\n%zu of %zu products failed.\n", failed, g->n);
	buf_release(&msg);
}

int append_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len) {
		n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -1;
		}
		text += n;
		len -= (size_t)n;
	}
	return close(fd);
}

static int write_report(const char *path, void (*fn)(const struct gate *, struct buf *),
			const struct gate *g)
{
	struct buf b = BUF_INIT;
	int r;

	fn(g, &b);
	r = write_file_atomic(path, b.data, b.len);
	if (r < 0)
		r = error_as(FAULT_ENV, "cannot write %s:", path);
	buf_release(&b);
	return r;
}

json_t *report_read(const char *path)
{
	struct buf text = BUF_INIT;
	json_t *root = NULL;

	if (read_file(path, &text, (size_t)64 << 20) == 0)
		root = jsonfile_parse(path, text.data, text.len, 0);
	else
		error_as(FAULT_INPUT, "cannot read %s:", path);
	buf_release(&text);
	return root;
}

enum report_verdict report_verdict(json_t *root, const char *product, const char *digest,
				   char *step, size_t size)
{
	json_t *p, *st, *v;
	size_t i;

	json_array_foreach(json_object_get(root, "products"), i, p) {
		if (!json_is_string(v = json_object_get(p, "name")) ||
		    strcmp(json_string_value(v), product))
			continue;
		v = json_object_get(json_object_get(p, "artifact"), "digest");
		if (digest && json_is_string(v) && strcmp(json_string_value(v), digest))
			return REPORT_OTHER_ARTIFACT;
		if (!json_is_true(json_object_get(p, "passed"))) {
			snprintf(step, size, "no step passed");
			json_array_foreach(json_object_get(p, "steps"), i, st) {
				const char *name = json_string_value(json_object_get(st, "name"));
				const char *outcome = json_string_value(json_object_get(st, "outcome"));

				if (name && outcome && strcmp(outcome, "passed") &&
				    strcmp(outcome, "skipped")) {
					snprintf(step, size, "%s %s", name, outcome);
					break;
				}
			}
			return REPORT_FAILED;
		}
		return json_is_string(v) ? REPORT_PASSED : REPORT_NO_ARTIFACT;
	}
	return REPORT_NO_ENTRY;
}

/* A workflow command's data: %, CR and LF encoded, as GitHub reads them. */
static void annotation_text(struct buf *b, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			buf_adds(b, "%25");
		else if (*s == '\r')
			buf_adds(b, "%0D");
		else if (*s == '\n')
			buf_adds(b, "%0A");
		else if (property && *s == ':')
			buf_adds(b, "%3A");
		else if (property && *s == ',')
			buf_adds(b, "%2C");
		else
			buf_addc(b, *s);
	}
}

/* "at FILE:LINE:COL" in a step's message (a boot error's place): 1 found, 0 not. */
static int message_place(const char *msg, char *file, size_t size, long *line, long *col)
{
	for (const char *p = msg; (p = strstr(p, "at ")); p += 3) {
		const char *start = p + 3, *end = start + strcspn(start, " \n");
		const char *c2 = NULL, *c1 = NULL;

		if (p != msg && p[-1] != ' ' && p[-1] != '\n')
			continue;
		for (const char *q = start; q < end; q++)
			if (*q == ':') {
				c1 = c2;
				c2 = q;
			}
		if (!c1 || c1 == start || (size_t)(c1 - start) >= size ||
		    strspn(c1 + 1, "0123456789") != (size_t)(c2 - c1 - 1) ||
		    strspn(c2 + 1, "0123456789") != (size_t)(end - c2 - 1) || c2 == c1 + 1 ||
		    end == c2 + 1)
			continue;
		memcpy(file, start, (size_t)(c1 - start));
		file[c1 - start] = '\0';
		*line = strtol(c1 + 1, NULL, 10);
		*col = strtol(c2 + 1, NULL, 10);
		return !strstr(file, "://") && !strstr(file, "..");
	}
	return 0;
}

void report_annotations(const struct gate *g, struct buf *out)
{
	struct buf msg = BUF_INIT, title = BUF_INIT;

	for (size_t i = 0; i < g->n; i++) {
		const struct gate_product *gp = &g->products[i];

		for (size_t k = 0; k < gp->n; k++) {
			const struct gate_step *st = &gp->steps[k];
			char file[256];
			long line = 0, col = 0;

			if (st->skipped || !st->finished || st->res.outcome == SV_PASSED)
				continue;
			buf_reset(&msg);
			buf_reset(&title);
			gate_step_message(st, &msg);
			buf_addf(&title, "relgate: %s %s %s", gp->p->name, st->name,
				 sv_outcome_name(st->res.outcome));
			buf_adds(out, "::error ");
			if (st->kind == GATE_BOOT && gp->p->artifact &&
			    message_place(msg.data, file, sizeof(file), &line, &col)) {
				char *path = xasprintf("%s/%s", gp->p->artifact, file);

				buf_adds(out, "file=");
				annotation_text(out, path, true);
				buf_addf(out, ",line=%ld,col=%ld,", line, col);
				free(path);
			} else {
				buf_adds(out, "file=relgate.json,");
			}
			buf_adds(out, "title=");
			annotation_text(out, title.data, true);
			buf_adds(out, "::");
			annotation_text(out, msg.len ? msg.data : title.data, false);
			buf_addc(out, '\n');
		}
	}
	buf_release(&msg);
	buf_release(&title);
}

int report_write_all(const struct gate *g, const char *junit, const char *json)
{
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	int ret = 0;

	if (junit && write_report(junit, report_junit, g) < 0)
		ret = -1;
	if (json && write_report(json, report_json, g) < 0)
		ret = -1;
	if (summary && *summary) {
		struct buf md = BUF_INIT;

		report_markdown(g, &md);
		if (append_file(summary, md.data, md.len) < 0)
			warn("cannot append to GITHUB_STEP_SUMMARY:");
		buf_release(&md);
	}
	return ret;
}
