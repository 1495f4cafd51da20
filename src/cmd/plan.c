/*
 * relgate plan: what a change releases, for the people who must know
 * before it ships: every affected product with its chain of reasons, its
 * owners and their channels, its active release, and (--built) whether the
 * artifact now built differs from it at all.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/impact.h"
#include "analyze/setup.h"
#include "cmd/cmd.h"
#include "cmd/reasons.h"
#include "lib/artifact.h"
#include "lib/diag.h"
#include "lib/jsonw.h"
#include "lib/term.h"
#include "notify/notice.h"
#include "notify/outbox.h"
#include "release/store.h"

static const char usage[] =
	"usage: relgate plan (--base REF [--head REF] | --uncommitted | --files PATH...|-)\n"
	"                    [--built] [--notify] [--no-imports] [--no-cache]\n"
	"                    [--format text|json|markdown|github-matrix|gitlab]\n"
	"\n"
	"The release plan of a change: every product it releases, with the chain of\n"
	"reasons, its owners and their channels (and relgate.json's \"notify\": {\"plan\"},\n"
	"QA's), and its active release.  --built compares each product's artifact as\n"
	"built now with its active release: a product whose output did not change\n"
	"releases nothing new.  --notify sends the plan to those channels, once per\n"
	"branch or pull request and content (what was sent, and what could not be,\n"
	"on stderr; see relgate notify).  Without --notify it only reads the history.\n"
	"To fan the gate out over the CI's runners, a job per affected product:\n"
	"  github-matrix  {\"include\": [{\"product\": ..., \"artifact\": ...}]} on one line, for\n"
	"                 a job's strategy.matrix (fromJSON); {\"include\": []} when none\n"
	"  gitlab         a child pipeline: a gate job per product (its JUnit and JSON\n"
	"                 reports and its artifact kept), then relgate ship --from-reports\n"
	"                 (needs --base: a pipeline runs on commits)\n"
	"\n"
	"exit codes: 0 done, 2 usage or configuration error, 3 environment error\n";

/* What plan knows of one affected product. */
struct planned {
	const struct impact_product *ip;
	const struct cfg_product *cp;
	struct chain chain;
	char active[RELEASE_ID_MAX], commit[48], created[32], gate[16];
	/* --built */
	bool built, same;
	char digest[ARTIFACT_DIGEST_HEX];
	struct artifact_delta delta;
	const char *not_built;   /* why there is no artifact to compare */
};

static void compare_built(const struct setup *s, struct store *st, struct planned *p)
{
	struct artifact built, rel;
	char *dir;

	p->built = true;
	if (!p->cp || !p->cp->artifact) {
		p->not_built = "no \"artifact\" in relgate.json";
		return;
	}
	dir = path_join(s->root, p->cp->artifact);
	if (access(dir, F_OK) < 0) {
		p->not_built = "not built yet";
		free(dir);
		return;
	}
	if (artifact_scan(dir, &built) < 0) {
		fault_clear();
		p->not_built = "not readable (said above)";
		free(dir);
		return;
	}
	free(dir);
	artifact_hex(built.digest, p->digest);
	/* no active release to compare with: against nothing, every file is new */
	if (!st || !*p->active || store_built_manifest(st, p->ip->name, p->active, &rel) < 0) {
		fault_clear();
		memset(&rel, 0, sizeof(rel));
	}
	p->same = rel.n && !memcmp(built.digest, rel.digest, ARTIFACT_SHA_SIZE);
	artifact_diff(&rel, &built, NULL, NULL, &p->delta);
	artifact_release(&rel);
	artifact_release(&built);
}

static const char *channel_type(const struct setup *s, const char *name)
{
	const struct cfg_channel *ch = config_channel(&s->cfg, name);

	return ch ? ch->type : "?";
}

static void built_words(const struct planned *p, struct buf *b)
{
	buf_reset(b);
	if (p->not_built)
		buf_adds(b, p->not_built);
	else if (p->same)
		buf_adds(b, "the same as the active release: nothing new to release");
	else if (!*p->active)
		buf_addf(b, "%zu files, %lld bytes, all new", p->delta.added,
			 (long long)p->delta.bytes);
	else
		buf_addf(b, "%zu changed, %zu added, %zu removed (%+lld bytes)", p->delta.changed,
			 p->delta.added, p->delta.removed, (long long)p->delta.bytes);
}

static void print_text(const struct setup *s, struct impact *im, struct planned *v, size_t n,
		       size_t total)
{
	struct buf b = BUF_INIT;
	size_t i, k;

	printf("%sRelease plan: %zu of %zu products%s", term_bold(), n, total, term_reset());
	if (*im->changes.head_hex)
		printf(" (%.10s...%.10s)", im->changes.base_hex, im->changes.head_hex);
	printf("\n");
	for (i = 0; i < n; i++) {
		struct planned *p = &v[i];

		reason_text(&p->chain, &b);
		printf("%s%s%s\n  why:     %s%s\n", term_green(), term_safe(p->ip->name), term_reset(),
		       term_safe(p->ip->name), b.data);
		printf("  owners:  ");
		for (k = 0; p->cp && k < p->cp->owners.n; k++)
			printf("%s%s (%s)", k ? ", " : "", term_safe(p->cp->owners.v[k]),
			       term_safe(channel_type(s, p->cp->owners.v[k])));
		printf("%s\n", p->cp && p->cp->owners.n ? "" : "none named in relgate.json");
		if (*p->active)
			printf("  active:  %s (commit %.12s, gate %s, released %s)\n", p->active,
			       *p->commit ? p->commit : "-", *p->gate ? p->gate : "-", p->created);
		else
			printf("  active:  none: its first release\n");
		if (p->built) {
			built_words(p, &b);
			printf("  built:   %s\n", b.data);
		}
	}
	if (s->cfg.notify_plan.n) {
		printf("QA and everyone in notify.plan: ");
		for (k = 0; k < s->cfg.notify_plan.n; k++)
			printf("%s%s (%s)", k ? ", " : "", term_safe(s->cfg.notify_plan.v[k]),
			       term_safe(channel_type(s, s->cfg.notify_plan.v[k])));
		printf("\n");
	}
	buf_release(&b);
}

static void plan_json(const struct setup *s, struct impact *im, struct planned *v, size_t n,
		      struct buf *out)
{
	struct buf note = BUF_INIT;
	struct jw w;
	size_t i, k;

	jw_init(&w, out);
	jw_object(&w);
	jw_kstr(&w, "base", *im->changes.base_hex ? im->changes.base_hex : NULL);
	jw_kstr(&w, "head", *im->changes.head_hex ? im->changes.head_hex : NULL);
	jw_key(&w, "notify");
	jw_array(&w);
	for (k = 0; k < s->cfg.notify_plan.n; k++)
		jw_str(&w, s->cfg.notify_plan.v[k]);
	jw_end(&w);
	jw_break(&w, 1);
	jw_key(&w, "products");
	jw_array(&w);
	for (i = 0; i < n; i++) {
		struct planned *p = &v[i];

		jw_break(&w, 2);
		jw_object(&w);
		jw_kstr(&w, "name", p->ip->name);
		jw_key(&w, "because");
		jw_array(&w);
		for (k = 0; k + 1 < p->chain.n; k++)
			jw_str(&w, p->chain.links[k].node->path);
		jw_end(&w);
		jw_key(&w, "chain");
		reason_json(&p->chain, &w, &note);
		jw_key(&w, "owners");
		jw_array(&w);
		for (k = 0; p->cp && k < p->cp->owners.n; k++) {
			jw_object(&w);
			jw_kstr(&w, "channel", p->cp->owners.v[k]);
			jw_kstr(&w, "type", channel_type(s, p->cp->owners.v[k]));
			jw_end(&w);
		}
		jw_end(&w);
		jw_key(&w, "active");
		if (*p->active) {
			jw_object(&w);
			jw_kstr(&w, "id", p->active);
			jw_kstr(&w, "commit", *p->commit ? p->commit : NULL);
			jw_kstr(&w, "gate", *p->gate ? p->gate : NULL);
			jw_kstr(&w, "created", p->created);
			jw_end(&w);
		} else {
			jw_null(&w);
		}
		if (p->built) {
			jw_key(&w, "built");
			jw_object(&w);
			jw_kstr(&w, "digest", p->not_built ? NULL : p->digest);
			jw_kstr(&w, "missing", p->not_built);
			jw_kbool(&w, "same", p->same);
			jw_kint(&w, "added", (int64_t)p->delta.added);
			jw_kint(&w, "removed", (int64_t)p->delta.removed);
			jw_kint(&w, "changed", (int64_t)p->delta.changed);
			jw_kint(&w, "bytes", p->delta.bytes);
			jw_end(&w);
		}
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	buf_release(&note);
}

/* github-matrix: one line, for GitHub Actions' strategy.matrix through fromJSON(). */
static void plan_github_matrix(struct planned *v, size_t n, struct buf *out)
{
	struct jw w;

	jw_init(&w, out);
	jw_object(&w);
	jw_key(&w, "include");
	jw_array(&w);
	for (size_t i = 0; i < n; i++) {
		jw_object(&w);
		jw_kstr(&w, "product", v[i].ip->name);
		jw_kstr(&w, "artifact", v[i].cp ? v[i].cp->artifact : NULL);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	jw_done(&w);
}

/* A YAML scalar, double-quoted: whatever relgate.json holds stays one string. */
static void yaml_str(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			buf_addf(b, "\\x%02x", c);
		else
			buf_addc(b, (char)c);
	}
	buf_addc(b, '"');
}

/*
 * gitlab: a child pipeline.  A gate job per affected product, which keeps
 * its reports and its artifact, then one job that releases what they
 * passed, on the commits the plan read.
 */
static void plan_gitlab(struct impact *im, struct planned *v, size_t n, struct buf *b)
{
	size_t i;

	buf_addf(b, "# relgate plan --format gitlab: the gate of %.12s...%.12s, a job per affected\n"
		 "# product, then the release of what passed (relgate ship --from-reports).\n"
		 "stages:\n  - gate\n  - release\n", im->changes.base_hex, im->changes.head_hex);
	if (!n) {
		buf_adds(b, "nothing-to-gate:\n  stage: gate\n  script:\n"
			 "    - echo \"relgate: the change reaches no product\"\n");
		return;
	}
	for (i = 0; i < n; i++) {
		const char *name = v[i].ip->name;
		char *job = xasprintf("gate %s", name);
		char *xml = xasprintf("gate-reports/%s.xml", name);
		char *json = xasprintf("gate-reports/%s.json", name);

		yaml_str(b, job);
		buf_adds(b, ":\n  stage: gate\n  script:\n    - ");
		/* the product's name is a store name: no quote, no space, no $ */
		buf_addf(b, "relgate test %s --junit %s --json %s\n", name, xml, json);
		buf_adds(b, "  artifacts:\n    when: always\n    paths:\n      - gate-reports/\n");
		if (v[i].cp && v[i].cp->artifact) {
			buf_adds(b, "      - ");
			yaml_str(b, v[i].cp->artifact);
			buf_addc(b, '\n');
		}
		buf_addf(b, "    reports:\n      junit: %s\n", xml);
		free(job);
		free(xml);
		free(json);
	}
	buf_adds(b, "release:\n  stage: release\n  needs:\n");
	for (i = 0; i < n; i++) {
		char *job = xasprintf("gate %s", v[i].ip->name);

		buf_adds(b, "    - job: ");
		yaml_str(b, job);
		buf_adds(b, "\n      artifacts: true\n");
		free(job);
	}
	buf_addf(b, "  script:\n    - relgate ship --base %s --head %s --from-reports gate-reports\n",
		 im->changes.base_hex, im->changes.head_hex);
}

static void plan_markdown(const struct setup *s, struct impact *im, struct planned *v, size_t n,
			  size_t total, bool built, struct buf *o)
{
	struct buf note = BUF_INIT, words = BUF_INIT;
	size_t i, k;

	buf_addf(o, "### relgate: release plan, %zu of %zu products\n\n", n, total);
	if (*im->changes.head_hex)
		buf_addf(o, "Change: `%.10s...%.10s`, %zu changed file%s.\n\n",
			 im->changes.base_hex, im->changes.head_hex, im->changes.n,
			 im->changes.n == 1 ? "" : "s");
	if (n) {
		buf_addf(o, "| product | why | owners | active |%s\n| --- | --- | --- | --- |%s\n",
			 built ? " built |" : "", built ? " --- |" : "");
		for (i = 0; i < n; i++) {
			struct planned *p = &v[i];

			buf_adds(o, "| **");
			md_code(o, p->ip->name);
			buf_adds(o, "** | ");
			reason_markdown(&p->chain, p->ip->name, o, &note);
			buf_adds(o, " | ");
			for (k = 0; p->cp && k < p->cp->owners.n; k++) {
				buf_adds(o, k ? ", " : "");
				md_code(o, p->cp->owners.v[k]);
			}
			buf_adds(o, " | ");
			if (*p->active)
				buf_addf(o, "%s (`%.12s`)", p->active, p->commit);
			else
				buf_adds(o, "none");
			if (built) {
				built_words(p, &words);
				buf_addf(o, " | %s", words.data);
			}
			buf_adds(o, " |\n");
		}
		buf_adds(o, "\n");
	} else {
		buf_adds(o, "Nothing to release.\n\n");
	}
	if (s->cfg.notify_plan.n) {
		buf_adds(o, "For the owners above and ");
		for (k = 0; k < s->cfg.notify_plan.n; k++) {
			buf_adds(o, k ? ", " : "");
			md_code(o, s->cfg.notify_plan.v[k]);
		}
		buf_adds(o, " (`notify.plan`).\n");
	}
	buf_release(&note);
	buf_release(&words);
}

/*
 * The plan as a message: a section per product (why, owners, active
 * release, what the build changes), its markdown table for GitHub, its
 * JSON for webhooks; to each product's owners and to notify.plan, once per
 * branch or pull request and content.
 */
static void send_plan(struct setup *s, struct store *st, struct impact *im, struct planned *v,
		      size_t n, bool built)
{
	struct buf b = BUF_INIT;
	struct strlist to = {0};
	char branch[256];
	char *scope;
	struct notice msg;
	size_t i, k;

	notice_init(&msg, "plan", n == 1 ? v[0].ip->name : NULL,
		     "relgate: release plan, %zu of %zu products%s%.10s%s%.10s%s", n,
		     im->head.nproducts, *im->changes.head_hex ? " (" : "", im->changes.base_hex,
		     *im->changes.head_hex ? "..." : "", im->changes.head_hex,
		     *im->changes.head_hex ? ")" : "");
	for (i = 0; i < n; i++) {
		struct planned *p = &v[i];
		struct notice_section *sec = notice_section(&msg, "%s", p->ip->name);

		reason_text(&p->chain, &b);
		notice_line(sec, "why: %s%s", p->ip->name, b.data);
		buf_reset(&b);
		for (k = 0; p->cp && k < p->cp->owners.n; k++)
			buf_addf(&b, "%s%s (%s)", k ? ", " : "", p->cp->owners.v[k],
				 channel_type(s, p->cp->owners.v[k]));
		notice_line(sec, "owners: %s", b.len ? b.data : "none named in relgate.json");
		if (*p->active)
			notice_line(sec, "active: %s (commit %.12s, gate %s, released %s)", p->active,
				    *p->commit ? p->commit : "-", *p->gate ? p->gate : "-", p->created);
		else
			notice_line(sec, "active: none: its first release");
		if (p->built) {
			built_words(p, &b);
			notice_line(sec, "built: %s", b.data);
		}
		for (k = 0; p->cp && k < p->cp->owners.n; k++) {
			to.v = xreallocarray(to.v, to.n + 1, sizeof(*to.v));
			to.v[to.n++] = p->cp->owners.v[k];
		}
	}
	if (!n)
		notice_line(notice_section(&msg, "nothing to release"), "the change reaches no product");
	for (k = 0; k < s->cfg.notify_plan.n; k++) {
		to.v = xreallocarray(to.v, to.n + 1, sizeof(*to.v));
		to.v[to.n++] = s->cfg.notify_plan.v[k];
	}
	buf_reset(&b);
	plan_markdown(s, im, v, n, im->head.nproducts, built, &b);
	msg.markdown = buf_detach(&b, NULL);
	plan_json(s, im, v, n, &b);
	msg.data = buf_detach(&b, NULL);
	workspace_branch(s->root, branch, sizeof(branch));
	if ((scope = outbox_change_scope(branch))) {
		msg.thread = xasprintf("plan %s", scope);
		msg.once = true;
		free(scope);
	}
	if (!to.n)
		fprintf(stderr, "notify: no channel to send the plan to (owners, notify.plan)\n");
	notify_send(s, st, &msg, &to, false);
	notice_release(&msg);
	free(to.v);
	buf_release(&b);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct planned *)a)->ip->name, ((const struct planned *)b)->ip->name);
}

int cmd_plan(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		CHANGE_LONG_OPTIONS,
		{"built", no_argument, NULL, 'b'},
		{"notify", no_argument, NULL, 'n'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct impact_opts o = {0};
	enum output_format format = FORMAT_TEXT;
	struct planned *v;
	struct store st;
	bool built = false, notify = false, have_store;
	struct impact im;
	size_t n = 0, i;
	int c, files = 0, ret = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (change_option(c, optarg, &o, &files))
			continue;
		switch (c) {
		case 'b': built = true; break;
		case 'n': notify = true; break;
		case 'f':
			format = parse_format("plan", optarg,
					      FMT(FORMAT_TEXT) | FMT(FORMAT_JSON) | FMT(FORMAT_MARKDOWN) |
					      FMT(FORMAT_GITHUB_MATRIX) | FMT(FORMAT_GITLAB));
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	change_options_done("plan", &o, files, argc, argv);
	if (format == FORMAT_GITLAB && !o.base)
		die(EXIT_USAGE, "relgate plan: --format gitlab needs --base: a pipeline runs on commits");
	if (setup_check(s) < 0)
		return EXIT_USAGE;
	if (impact_run(&im, s, &o) < 0) {
		impact_release(&im);
		return exit_code_of_failure();
	}
	/* the history as it is (none yet: no active releases); a plan never makes a store */
	switch (open_store_if_any(s, &st)) {
	case 1:
		have_store = true;
		break;
	case 0:
		have_store = false;
		break;
	default:
		warn("the plan shows no active releases");
		fault_clear();
		have_store = false;
	}
	v = xcalloc(im.head.nproducts + 1, sizeof(*v));
	for (i = 0; i < im.head.nproducts; i++) {
		const struct impact_product *ip = &im.head.products[i];
		struct planned *p;
		struct release_record r;

		if (!walk_reached(&im.walk, ip->node))
			continue;
		p = &v[n++];
		p->ip = ip;
		p->cp = config_product(&s->cfg, ip->name);
		impact_chain(&im, ip->node, &p->chain);
		if (have_store && store_check_name("product", ip->name) == 0 &&
		    history_active(st.h, ip->name, p->active) == 0 && *p->active &&
		    history_release(st.h, p->active, &r) == 1) {
			snprintf(p->commit, sizeof(p->commit), "%s", r.commit ? r.commit : "");
			snprintf(p->gate, sizeof(p->gate), "%s", r.gate ? r.gate : "");
			snprintf(p->created, sizeof(p->created), "%s", r.created ? r.created : "");
		}
		fault_clear();
		if (built)
			compare_built(s, have_store ? &st : NULL, p);
	}
	qsort(v, n, sizeof(*v), by_name);
	if (format != FORMAT_TEXT) {
		struct buf out = BUF_INIT;

		if (format == FORMAT_JSON) {
			plan_json(s, &im, v, n, &out);
			buf_addc(&out, '\n');
		} else if (format == FORMAT_GITHUB_MATRIX) {
			plan_github_matrix(v, n, &out);
			buf_addc(&out, '\n');
		} else if (format == FORMAT_GITLAB) {
			plan_gitlab(&im, v, n, &out);
		} else {
			plan_markdown(s, &im, v, n, im.head.nproducts, built, &out);
		}
		fwrite(out.data, 1, out.len, stdout);
		buf_release(&out);
	} else {
		print_text(s, &im, v, n, im.head.nproducts);
	}
	fflush(stdout);
	if (notify) {
		/* the outbox is in the store: a plan sent from a runner without one makes it */
		if (!have_store && open_store(s, &st) == 0)
			have_store = true;
		if (have_store)
			send_plan(s, &st, &im, v, n, built);
		else
			ret = EXIT_ENV;
	}
	for (i = 0; i < n; i++)
		chain_release(&v[i].chain);
	free(v);
	if (have_store)
		store_close(&st);
	impact_release(&im);
	return ret;
}
