/*
 * relgate release, rollback, status, history, fsck: the store's commands.
 * Each takes the product's lock for what it changes; status and history
 * only read.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/changes.h"
#include "analyze/setup.h"
#include "cmd/cmd.h"
#include "gate/report.h"
#include "lib/artifact.h"
#include "lib/diag.h"
#include "lib/jsonw.h"
#include "lib/term.h"
#include "notify/notice.h"
#include "notify/outbox.h"
#include "release/store.h"

static char *store_path(const struct setup *s)
{
	const char *env = getenv("RELGATE_STORE");
	const char *path = env && *env ? env : s->cfg.store_path;

	return path[0] == '/' ? xstrdup(path) : path_join(s->root, path);
}

int open_store(const struct setup *s, struct store *st)
{
	char *path = store_path(s), *state = path_join(s->root, ".relgate/");
	int ret;

	/* the default store is in .relgate/, which git is told to ignore */
	if (starts_with(path, state))
		setup_state_dir(s->root);
	free(state);
	ret = store_open(st, path);

	free(path);
	return ret;
}

int open_store_if_any(const struct setup *s, struct store *st)
{
	char *path = store_path(s), *db = xasprintf("%s/relgate.db", path);
	bool there = access(db, F_OK) == 0;

	free(db);
	free(path);
	if (!there)
		return 0;
	return open_store(s, st) < 0 ? -1 : 1;
}

void workspace_commit(const char *root, char *hex, bool *dirty)
{
	git_repository *repo = NULL;
	git_object *head = NULL;
	git_status_list *list = NULL;
	git_status_options o = GIT_STATUS_OPTIONS_INIT;

	hex[0] = '\0';
	if (dirty)
		*dirty = false;
	git_start();
	if (git_repository_open_ext(&repo, root, 0, NULL) < 0)
		goto out;
	if (git_revparse_single(&head, repo, "HEAD") == 0)
		git_oid_tostr(hex, GIT_OID_HEXSZ + 1, git_object_id(head));
	/* a status walk reads every file's stat: only for who asks (a release, not the gate) */
	o.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	o.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (dirty && git_status_list_new(&list, repo, &o) == 0)
		*dirty = git_status_list_entrycount(list) > 0;
out:
	git_status_list_free(list);
	git_object_free(head);
	git_repository_free(repo);
}

void workspace_branch(const char *root, char *out, size_t size)
{
	git_repository *repo = NULL;
	struct buf text = BUF_INIT;
	char *head;

	out[0] = '\0';
	git_start();
	if (git_repository_open_ext(&repo, root, 0, NULL) < 0)
		return;
	/* HEAD of this worktree: "ref: refs/heads/NAME" on a branch */
	head = path_join(git_repository_path(repo), "HEAD");
	if (read_file(head, &text, 4096) == 0 && starts_with(text.data, "ref: refs/heads/")) {
		text.data[strcspn(text.data, "\r\n")] = '\0';
		snprintf(out, size, "%s", text.data + 16);
	}
	fault_clear();
	buf_release(&text);
	free(head);
	git_repository_free(repo);
}

/*
 * Whether commit older (hex) is an ancestor of commit newer, other than
 * it: a pipeline that started earlier and finished later would release
 * an older build over a newer one.
 */
static bool is_older(const char *root, const char *older, const char *newer)
{
	git_repository *repo = NULL;
	git_oid a, b, base;
	bool ret = false;

	if (!older || !newer || !strcmp(older, newer) || git_oid_fromstr(&a, older) < 0 ||
	    git_oid_fromstr(&b, newer) < 0)
		return false;
	git_start();
	if (git_repository_open_ext(&repo, root, 0, NULL) == 0 &&
	    git_merge_base(&base, repo, &a, &b) == 0)
		ret = git_oid_equal(&base, &a);
	git_repository_free(repo);
	return ret;
}

/*
 * Whether the relgate test --json report at path passed product's
 * artifact with digest: 1 yes, 0 no (why, into why), -1 unreadable.
 */
static int report_passes(const char *path, const char *product, const char *digest,
			 char *why, size_t size)
{
	json_t *root = report_read(path);
	char step[128];

	if (!root)
		return -1;
	switch (report_verdict(root, product, digest, step, sizeof(step))) {
	case REPORT_PASSED:
		json_decref(root);
		return 1;
	case REPORT_FAILED:
		snprintf(why, size, "the gate did not pass it: %s", step);
		break;
	case REPORT_NO_ENTRY:
		snprintf(why, size, "it has no entry for the product");
		break;
	case REPORT_NO_ARTIFACT:
		snprintf(why, size, "its entry has no artifact digest");
		break;
	case REPORT_OTHER_ARTIFACT:
		snprintf(why, size, "it checked another artifact (its digest differs)");
		break;
	}
	json_decref(root);
	return 0;
}

/*
 * The artifact of product (DIR, else relgate.json's "artifact"), scanned
 * into a; its folder into *dir when dir is not NULL.  EXIT_OK, or the exit
 * code after the error was said (verb: what it was wanted for).
 */
static int product_artifact(const struct setup *s, const char *product, const char *from,
			    const char *verb, struct artifact *a, char **dir)
{
	const struct cfg_product *cp;
	char *path;

	if (setup_check(s) < 0 || store_check_name("product", product) < 0)
		return EXIT_USAGE;
	cp = config_product(&s->cfg, product);
	if (!from && !(cp && cp->artifact)) {
		error("%s: no artifact to %s: give --from DIR, or \"artifact\" in relgate.json",
		      term_safe(product), verb);
		return EXIT_USAGE;
	}
	path = from ? xstrdup(from) : path_join(s->root, cp->artifact);
	fault_clear();
	if (artifact_scan(path, a) < 0) {
		free(path);
		return fault_last() == FAULT_ENV ? EXIT_ENV : EXIT_GATE;
	}
	if (dir)
		*dir = path;
	else
		free(path);
	return EXIT_OK;
}

/* ---- release ---- */

/*
 * The message that what is live changed (a release, a forced one, a
 * rollback): what, from which release, why, by whom, and the way back.
 */
static void activation_notice(struct store *st, const char *kind, const char *product,
			      const char *from, const char *to, const char *reason,
			      const char *forced_why, double switch_ms, bool abandoned,
			      struct notice *n)
{
	struct release_record r;
	struct notice_section *sec;
	struct buf b = BUF_INIT;
	char commit[16] = "", gate[16] = "";
	bool dirty = false;
	struct jw w;

	if (history_release(st->h, to, &r) == 1) {
		snprintf(commit, sizeof(commit), "%.12s", r.commit ? r.commit : "");
		snprintf(gate, sizeof(gate), "%s", r.gate ? r.gate : "");
		dirty = r.dirty;
	}
	fault_clear();
	if (!strcmp(kind, "rollback"))
		notice_init(n, kind, product, "relgate: %s rolled back to %s (from %s)", product, to,
			    from && *from ? from : "none");
	else if (!strcmp(kind, "forced"))
		notice_init(n, kind, product, "relgate: %s %s released by force: %s", product, to,
			    forced_why);
	else
		notice_init(n, kind, product, "relgate: %s %s is live (was %s)", product, to,
			    from && *from ? from : "none");
	sec = notice_section(n, "%s", product);
	notice_line(sec, "release: %s (commit %s%s, gate %s)", to, *commit ? commit : "-",
		    dirty ? ", with uncommitted changes" : "", *gate ? gate : "-");
	notice_line(sec, "previous: %s%s", from && *from ? from : "none",
		    abandoned ? ", now marked bad: the next rollback goes further back" : "");
	if (reason)
		notice_line(sec, "reason: %s", reason);
	notice_line(sec, "by: %s on %s", st->who.user, st->who.host);
	if (switch_ms >= 0)
		notice_line(sec, "switch: %.2f ms", switch_ms);
	if (strcmp(kind, "rollback"))
		notice_line(sec, "to go back: relgate rollback %s", product);
	jw_init(&w, &b);
	jw_object(&w);
	jw_kstr(&w, "product", product);
	jw_kstr(&w, "release", to);
	jw_kstr(&w, "previous", from && *from ? from : NULL);
	jw_kstr(&w, "commit", *commit ? commit : NULL);
	jw_kstr(&w, "gate", *gate ? gate : NULL);
	jw_kbool(&w, "forced", !strcmp(kind, "forced"));
	jw_kstr(&w, "reason", reason);
	jw_kstr(&w, "user", st->who.user);
	jw_kstr(&w, "host", st->who.host);
	if (switch_ms >= 0)
		jw_knum(&w, "switchMs", switch_ms, 3);
	jw_end(&w);
	jw_done(&w);
	n->data = buf_detach(&b, NULL);
}

/*
 * Tell product's owners of a release, forced or not, within notify.timeout;
 * of a rollback (the same content released again), in the background.
 */
static void notify_release(const struct setup *s, struct store *st, const char *kind,
			   const char *product, const char *from, const char *to,
			   const char *reason, const char *forced_why, double switch_ms)
{
	struct strlist owners;
	struct notice n;

	product_channels(s, product, &owners);
	activation_notice(st, kind, product, from, to, reason, forced_why, switch_ms, false, &n);
	fflush(stdout);
	notify_send(s, st, &n, &owners, !strcmp(kind, "rollback"));
	notice_release(&n);
}

/*
 * A rollback's message is queued inside the activation's own transaction
 * (store_activate's hook), so that one commit makes both durable: a
 * rollback pays for one write to the disk, and a relgate in the background
 * sends the message.
 */
struct rollback_notice {
	const struct setup *s;
	bool abandoned;
	struct outbox_report rep;
};

static int queue_rollback(struct store *st, const struct activation_record *a, void *data)
{
	struct rollback_notice *rn = data;
	struct strlist owners;
	struct notice n;
	int ret;

	product_channels(rn->s, a->product, &owners);
	if (!owners.n)
		return 0;
	activation_notice(st, "rollback", a->product, a->from, a->to, a->reason, NULL,
			  (double)a->switch_us / 1000.0, rn->abandoned, &n);
	ret = outbox_queue(st->h, &rn->s->cfg, &n, &owners, st->host, &rn->rep);
	notice_release(&n);
	if (ret < 0) {
		/* the savepoint undoes every row: the report must not say they are queued */
		outbox_report_release(&rn->rep);
		warn("%s: the rollback's notification could not be queued: nobody was told",
		     a->product);
	}
	return ret;
}

static const char release_usage[] =
	"usage: relgate release PRODUCT [--from DIR] [--gate-report FILE] [--no-activate]\n"
	"                       [--force] [--reason TEXT] [--format text|json]\n"
	"\n"
	"Stores the built artifact (relgate.json's \"artifact\", or DIR) as an immutable\n"
	"release and activates it: current is swapped by rename(2), so a crash at any\n"
	"instant leaves it on a complete release.  Only an artifact the gate passed is\n"
	"released: relgate test records its verdict for the artifact's digest in the\n"
	"history; on another machine, --gate-report names the relgate test --json report\n"
	"of the run that checked it.  --force releases it anyway, recorded as forced.\n"
	"An artifact identical to the active release is a no-op; identical to an earlier\n"
	"release, it activates that one.  The store is relgate.json's \"store\": {\"path\"}\n"
	"(default .relgate/store), or RELGATE_STORE.\n"
	"\n"
	"exit codes: 0 released (or nothing new), 1 refused (unchecked, or another\n"
	"            activation came first), 2 usage or configuration error,\n"
	"            3 environment error (the store, the disk)\n";

int cmd_release(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 'f'},
		{"gate-report", required_argument, NULL, 'g'},
		{"no-activate", no_argument, NULL, 'n'},
		{"force", no_argument, NULL, 'F'},
		{"reason", required_argument, NULL, 'r'},
		{"format", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *from = NULL, *report = NULL, *reason = NULL, *product;
	bool activate = true, force = false, older;
	enum output_format format = FORMAT_TEXT;
	struct release_req req = {0};
	struct release_done done;
	struct snippet_page page;
	struct release_record same;
	struct artifact art;
	struct store st;
	struct lock l = LOCK_INIT;
	const struct cfg_product *cp;
	char commit[GIT_OID_HEXSZ + 1], hex[ARTIFACT_DIGEST_HEX], active[RELEASE_ID_MAX];
	char *dir = NULL;
	int c, passed, ret = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 'g': report = optarg; break;
		case 'n': activate = false; break;
		case 'F': force = true; break;
		case 'r': reason = optarg; break;
		case 'o': format = parse_format("release", optarg, FMT(FORMAT_TEXT) | FMT(FORMAT_JSON)); break;
		case 'h': fputs(release_usage, stdout); return EXIT_OK;
		default: fputs(release_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(release_usage, stderr);
		return EXIT_USAGE;
	}
	product = argv[optind];
	if ((ret = product_artifact(s, product, from, "release", &art, &dir)) != EXIT_OK)
		return ret;
	cp = config_product(&s->cfg, product);
	artifact_hex(art.digest, hex);
	if (open_store(s, &st) < 0) {
		ret = EXIT_ENV;
		goto out_art;
	}
	if (store_lock(&st, product, &l) < 0) {
		ret = exit_code_of_failure();
		goto out_store;
	}
	if (history_active(st.h, product, active) < 0) {
		ret = EXIT_ENV;
		goto out;
	}
	/* the same content again: nothing new, or a rollback to the release that has it */
	switch (history_release_by_digest(st.h, product, hex, &same)) {
	case -1:
		ret = EXIT_ENV;
		goto out;
	case 1:
		if (!strcmp(same.id, active)) {
			printf("%s: the artifact is release %s, already active: nothing to release\n",
			       term_safe(product), same.id);
			goto out;
		}
		if (store_has_release(&st, product, same.id)) {
			double ms;

			if (same.bad && !force) {
				error_as(FAULT_REFUSED, "%s: the artifact is release %s, marked bad (%s): "
					 "--force to activate it again", term_safe(product), same.id,
					 same.bad_reason ? same.bad_reason : "no reason given");
				ret = EXIT_GATE;
				goto out;
			}
			if (!activate) {
				printf("%s: the artifact is release %s: nothing to store\n",
				       term_safe(product), same.id);
				goto out;
			}
			if (store_activate(&st, product, same.id, active, "rollback",
					   reason ? reason : "released again: the same content",
					   same.bad ? ACTIVATE_REVIVE : 0, &ms) < 0) {
				ret = exit_code_of_failure();
				goto out;
			}
			printf("%s: the artifact is release %s: activated it again (%s -> %s, switch "
			       "%.2f ms)\n", term_safe(product), same.id, *active ? active : "none",
			       same.id, ms);
			lock_drop(&l);
			notify_release(s, &st, "rollback", product, active, same.id,
				       reason ? reason : "released again: the same content", NULL, ms);
			goto out;
		}
		break;
	}
	/* only what the gate passed */
	if (report) {
		char why[192];

		passed = report_passes(report, product, hex, why, sizeof(why));
		if (passed < 0) {
			ret = EXIT_USAGE;
			goto out;
		}
		if (!passed && !force) {
			error_as(FAULT_REFUSED, "%s: not released: the gate report %s does not pass this "
				 "artifact (%s); %s", term_safe(product), report, why, hex);
			ret = EXIT_GATE;
			goto out;
		}
	} else {
		passed = history_gate_passed(st.h, product, hex);
		if (passed < 0) {
			ret = EXIT_ENV;
			goto out;
		}
		if (!passed && !force) {
			error_as(FAULT_REFUSED, "%s: not released: no gate run passed this artifact (%s)\n"
				 "  check it first:   relgate test %s\n"
				 "  or, knowing why:  relgate release %s --force --reason TEXT",
				 term_safe(product), hex, term_safe(product), term_safe(product));
			ret = EXIT_GATE;
			goto out;
		}
	}
	if (!passed && !reason) {
		error("%s: a forced release needs --reason TEXT: it is recorded with who and why",
		      term_safe(product));
		ret = EXIT_USAGE;
		goto out;
	}
	workspace_commit(s->root, commit, &req.dirty);
	older = *active && history_release(st.h, active, &same) == 1 &&
		is_older(s->root, *commit ? commit : NULL, same.commit);
	if (older && !force) {
		error_as(FAULT_REFUSED, "%s: not released: commit %.12s is older than %.12s, the "
			 "active release %s's (a pipeline that finished late?); --force --reason "
			 "TEXT to release it anyway", term_safe(product), commit, same.commit, active);
		ret = EXIT_GATE;
		goto out;
	}
	if (older && !reason) {
		error("%s: releasing an older commit needs --reason TEXT: it is recorded with who "
		      "and why", term_safe(product));
		ret = EXIT_USAGE;
		goto out;
	}
	req.product = product;
	req.from = dir;
	req.art = &art;
	req.commit = *commit ? commit : NULL;
	req.reason = reason;
	req.gate = passed ? "passed" : "forced";
	req.forced = !passed || older;
	req.activate = activate;
	req.keep = cp ? cp->keep : 20;
	if (!cp || cp->snippet) {
		snippet_page_of(&s->cfg, cp, product, &page);
		req.snippet = &page;
	}
	if (store_release(&st, &req, &done) < 0) {
		ret = exit_code_of_failure();
		goto out;
	}
	if (format == FORMAT_JSON) {
		struct buf b = BUF_INIT;
		struct jw w;

		jw_init(&w, &b);
		jw_object(&w);
		jw_kstr(&w, "product", product);
		jw_kstr(&w, "release", done.id);
		jw_kstr(&w, "digest", hex);
		jw_kstr(&w, "storedDigest", done.stored_digest);
		jw_kint(&w, "pages", done.pages);
		jw_kstr(&w, "previous", *done.from ? done.from : NULL);
		jw_kbool(&w, "activated", done.activated);
		jw_kbool(&w, "forced", req.forced);
		jw_kint(&w, "files", done.files);
		jw_kint(&w, "linked", done.linked);
		jw_kint(&w, "newBytes", done.new_bytes);
		jw_knum(&w, "ms", done.ms, 1);
		jw_knum(&w, "switchMs", done.switch_ms, 3);
		jw_kint(&w, "pruned", done.pruned);
		jw_end(&w);
		buf_addc(&b, '\n');
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
	} else {
		printf("%s: release %s%s%s stored (%lld files, %lld linked to earlier releases, "
		       "%lld bytes new) in %.0f ms\n", term_safe(product), term_bold(), done.id,
		       term_reset(), (long long)done.files, (long long)done.linked,
		       (long long)done.new_bytes, done.ms);
		if (done.pages)
			printf("  snippet: in %lld page%s (relgate snippet --csp-hash for a CSP)\n",
			       (long long)done.pages, done.pages == 1 ? "" : "s");
		if (req.forced)
			printf("  %sforced%s: %s (%s)\n", term_red(), term_reset(),
			       passed ? "an older commit than the active release's"
				      : "the gate did not pass it", term_safe(reason));
		if (done.activated)
			printf("  active: %s -> %s (switch %.2f ms)\n", *done.from ? done.from : "none",
			       done.id, done.switch_ms);
		else
			printf("  not activated (--no-activate): relgate rollback %s --to %s\n",
			       term_safe(product), done.id);
		if (done.pruned)
			printf("  pruned %d old release%s\n", done.pruned, done.pruned == 1 ? "" : "s");
	}
	/* what is live changed, or a release went around the gate: the owners are told */
	lock_drop(&l);
	if (done.activated || req.forced)
		notify_release(s, &st, req.forced ? "forced" : "release", product, done.from, done.id,
			       reason,
			       !req.forced ? NULL : passed ? "an older commit than the active release's"
							   : "the gate did not pass it",
			       done.activated ? done.switch_ms : -1);
out:
	lock_drop(&l);
out_store:
	store_close(&st);
out_art:
	artifact_release(&art);
	free(dir);
	return ret;
}

/* ---- rollback ---- */

static const char rollback_usage[] =
	"usage: relgate rollback PRODUCT [--to RELEASE] [--expect RELEASE] [--reason TEXT]\n"
	"                        [--force] [--format text|json]\n"
	"\n"
	"Activates the newest good release before the active one, in the order they\n"
	"were activated (or --to RELEASE), and marks the abandoned one bad, so that a\n"
	"second rollback goes further back instead of toggling.  --expect RELEASE: only\n"
	"if that is the active one (another activation that came first is not undone\n"
	"twice).  --force: --to a release marked bad.\n"
	"\n"
	"exit codes: 0 rolled back, 1 refused (nothing to go back to, another activation\n"
	"            came first, a bad release without --force), 2 usage error,\n"
	"            3 environment error\n";

int rollback_product(const struct setup *s, struct store *st, const struct rollback_req *rq,
		     struct rollback_done *d)
{
	const char *product = rq->product;
	struct release_record r;
	struct lock l = LOCK_INIT;
	int64_t active_seq = 0;
	struct rollback_notice rn = {0};
	bool back;
	int ret = EXIT_OK;

	memset(d, 0, sizeof(*d));
	if (store_check_name("product", product) < 0 ||
	    (rq->to && store_check_name("release", rq->to) < 0) ||
	    (rq->expect && store_check_name("release", rq->expect) < 0))
		return EXIT_USAGE;
	if (store_lock(st, product, &l) < 0)
		return exit_code_of_failure();
	if (history_active(st->h, product, d->from) < 0 ||
	    (!rq->to && history_last_good(st->h, product, d->to) < 0)) {
		ret = EXIT_ENV;
		goto out;
	}
	if (rq->to)
		snprintf(d->to, sizeof(d->to), "%s", rq->to);
	if (!*d->to) {
		error_as(FAULT_REFUSED, "%s: no good release to go back to (active: %s)",
			 term_safe(product), *d->from ? d->from : "none");
		ret = EXIT_GATE;
		goto out;
	}
	if (!strcmp(d->to, d->from)) {
		d->already = true;
		goto out;
	}
	if (*d->from && history_release(st->h, d->from, &r) == 1)
		active_seq = r.seq;
	if (history_release(st->h, d->to, &r) != 1 || strcmp(r.product, product) ||
	    !store_has_release(st, product, d->to)) {
		error_as(FAULT_INPUT, "%s has no complete release %s", term_safe(product), d->to);
		ret = EXIT_USAGE;
		goto out;
	}
	if (r.bad && !rq->force) {
		error_as(FAULT_REFUSED, "%s: release %s is marked bad (%s): --force to go back to it",
			 term_safe(product), d->to, r.bad_reason ? r.bad_reason : "no reason given");
		ret = EXIT_GATE;
		goto out;
	}
	/*
	 * Going back, the abandoned release is not gone back to by the next
	 * rollback; going forward (--to a release made with --no-activate),
	 * the one it replaces is not bad for it.
	 */
	back = r.seq < active_seq;
	rn.s = s;
	rn.abandoned = *d->from && back;
	st->on_activate = queue_rollback;
	st->on_activate_data = &rn;
	ret = store_activate(st, product, d->to, rq->expect ? rq->expect : d->from, "rollback",
			     rq->reason, (back ? ACTIVATE_ABANDON : 0) | (r.bad ? ACTIVATE_REVIVE : 0),
			     &d->switch_ms);
	st->on_activate = NULL;
	if (ret < 0) {
		ret = exit_code_of_failure();
		goto out;
	}
	d->abandoned = rn.abandoned;
	lock_drop(&l);
	fflush(stdout);
	notify_queued(s, st, &rn.rep);
out:
	lock_drop(&l);
	return ret;
}

int cmd_rollback(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		{"to", required_argument, NULL, 't'},
		{"expect", required_argument, NULL, 'e'},
		{"reason", required_argument, NULL, 'r'},
		{"force", no_argument, NULL, 'F'},
		{"format", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rollback_req rq = {0};
	struct rollback_done d;
	enum output_format format = FORMAT_TEXT;
	struct store st;
	double t0 = now_ms();
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': rq.to = optarg; break;
		case 'e': rq.expect = optarg; break;
		case 'r': rq.reason = optarg; break;
		case 'F': rq.force = true; break;
		case 'o': format = parse_format("rollback", optarg, FMT(FORMAT_TEXT) | FMT(FORMAT_JSON)); break;
		case 'h': fputs(rollback_usage, stdout); return EXIT_OK;
		default: fputs(rollback_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(rollback_usage, stderr);
		return EXIT_USAGE;
	}
	rq.product = argv[optind];
	if (store_check_name("product", rq.product) < 0)
		return EXIT_USAGE;
	if (open_store(s, &st) < 0)
		return EXIT_ENV;
	ret = rollback_product(s, &st, &rq, &d);
	if (ret == EXIT_OK && d.already) {
		printf("%s: %s is already active\n", term_safe(rq.product), d.to);
	} else if (ret == EXIT_OK && format == FORMAT_JSON) {
		struct buf b = BUF_INIT;

		rollback_json(&rq, &d, now_ms() - t0, &b);
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
	} else if (ret == EXIT_OK) {
		printf("%s: rolled back %s -> %s%s%s (switch %.2f ms, %.1f ms in all)\n",
		       term_safe(rq.product), *d.from ? d.from : "none", term_bold(), d.to, term_reset(),
		       d.switch_ms, now_ms() - t0);
		if (d.abandoned)
			printf("  %s is marked bad: the next rollback goes further back\n", d.from);
	}
	store_close(&st);
	return ret;
}

void rollback_json(const struct rollback_req *rq, const struct rollback_done *d, double ms,
		   struct buf *b)
{
	struct jw w;

	jw_init(&w, b);
	jw_object(&w);
	jw_kstr(&w, "product", rq->product);
	jw_kstr(&w, "from", *d->from ? d->from : NULL);
	jw_kstr(&w, "to", d->to);
	jw_kbool(&w, "abandonedMarkedBad", d->abandoned);
	jw_knum(&w, "switchMs", d->switch_ms, 3);
	jw_knum(&w, "ms", ms, 1);
	jw_end(&w);
	jw_done(&w);
	buf_addc(b, '\n');
}

/* ---- status ---- */

static const char status_usage[] =
	"usage: relgate status [--format text|json|markdown]\n"
	"\n"
	"Every product of the store: its active release, its age and commit, the gate's\n"
	"verdict, the last good release before it, and the releases marked bad.\n";

struct status_row {
	char product[128];
	char active[RELEASE_ID_MAX], good[RELEASE_ID_MAX];
	char commit[48], gate[16], created[32];
	int64_t created_ms;
	struct buf bad;
	int64_t nbad;
	struct buf watch;        /* what the watch last decided, for people; "" when nothing */
	char watch_release[RELEASE_ID_MAX], watch_action[96], watch_at[32];
};

static int add_bad(const struct release_record *r, void *data)
{
	struct status_row *row = data;

	buf_addf(&row->bad, "%s%s", row->bad.len ? ", " : "", r->id);
	return 0;
}

struct status_all {
	struct store *st;
	struct status_row *rows;
	size_t n, cap;
};

static int add_product(const char *product, void *data)
{
	struct status_all *all = data;
	struct status_row *row;

	GROW(all->rows, all->n + 1, all->cap);
	row = &all->rows[all->n++];
	memset(row, 0, sizeof(*row));
	snprintf(row->product, sizeof(row->product), "%s", product);
	buf_init(&row->bad);
	buf_init(&row->watch);
	return 0;
}

static int last_watch(const struct watch_record *w, void *data)
{
	struct status_row *row = data;

	buf_addf(&row->watch, "%s %s %s at %s: %s%s%s", row->product, w->release, w->verdict, w->at,
		 w->action, w->restored ? " to " : "", w->restored ? w->restored : "");
	if (w->restore_ms >= 0)
		buf_addf(&row->watch, " (detected %.1f s after activation, restored in %lld ms)",
			 (double)w->detect_ms / 1000, (long long)w->restore_ms);
	buf_addf(&row->watch, "; %s", w->detail ? w->detail : "");
	snprintf(row->watch_release, sizeof(row->watch_release), "%s", w->release);
	snprintf(row->watch_action, sizeof(row->watch_action), "%s", w->action);
	snprintf(row->watch_at, sizeof(row->watch_at), "%s", w->at ? w->at : "");
	return 0;
}

static int fill_row(struct store *st, struct status_row *row)
{
	struct release_record r;

	if (history_active(st->h, row->product, row->active) < 0 ||
	    history_last_good(st->h, row->product, row->good) < 0)
		return -1;
	if (*row->active && history_release(st->h, row->active, &r) == 1) {
		snprintf(row->commit, sizeof(row->commit), "%.12s", r.commit ? r.commit : "");
		snprintf(row->gate, sizeof(row->gate), "%s", r.gate ? r.gate : "");
		snprintf(row->created, sizeof(row->created), "%s", r.created ? r.created : "");
		row->created_ms = r.created_ms;
	}
	if (history_bad_releases(st->h, row->product, 10, add_bad, row, &row->nbad) < 0)
		return -1;
	if (row->nbad > 10)
		buf_addf(&row->bad, " and %lld more", (long long)(row->nbad - 10));
	return history_watch_log(st->h, row->product, 1, last_watch, row);
}

int cmd_status(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum output_format format = FORMAT_TEXT;
	struct status_all all = {0};
	struct store st;
	struct buf b = BUF_INIT;
	int64_t pending = 0, failed = 0;
	size_t i;
	int c, ret = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			format = parse_format("status", optarg,
					      FMT(FORMAT_TEXT) | FMT(FORMAT_JSON) | FMT(FORMAT_MARKDOWN));
			break;
		case 'h': fputs(status_usage, stdout); return EXIT_OK;
		default: fputs(status_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(status_usage, stderr);
		return EXIT_USAGE;
	}
	if (open_store(s, &st) < 0)
		return EXIT_ENV;
	all.st = &st;
	if (history_products(st.h, add_product, &all) < 0) {
		ret = EXIT_ENV;
		goto out;
	}
	for (i = 0; i < all.n; i++)
		if (fill_row(&st, &all.rows[i]) < 0) {
			ret = EXIT_ENV;
			goto out;
		}
	if (history_outbox_counts(st.h, &pending, &failed) < 0) {
		ret = EXIT_ENV;
		goto out;
	}
	buf_init(&b);
	if (format == FORMAT_JSON) {
		struct jw w;

		jw_init(&w, &b);
		jw_object(&w);
		jw_key(&w, "outbox");
		jw_object(&w);
		jw_kint(&w, "pending", pending);
		jw_kint(&w, "failed", failed);
		jw_end(&w);
		jw_break(&w, 1);
		jw_key(&w, "products");
		jw_array(&w);
		for (i = 0; i < all.n; i++) {
			struct status_row *row = &all.rows[i];

			jw_break(&w, 1);
			jw_object(&w);
			jw_kstr(&w, "name", row->product);
			jw_kstr(&w, "active", *row->active ? row->active : NULL);
			jw_kstr(&w, "created", *row->created ? row->created : NULL);
			jw_kstr(&w, "commit", *row->commit ? row->commit : NULL);
			jw_kstr(&w, "gate", *row->gate ? row->gate : NULL);
			jw_kstr(&w, "lastGood", *row->good ? row->good : NULL);
			jw_kint(&w, "bad", row->nbad);
			if (row->watch.len) {
				jw_key(&w, "watch");
				jw_object(&w);
				jw_kstr(&w, "release", row->watch_release);
				jw_kstr(&w, "action", row->watch_action);
				jw_kstr(&w, "at", row->watch_at);
				jw_kstr(&w, "summary", row->watch.data);
				jw_end(&w);
			}
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
		buf_addc(&b, '\n');
	} else {
		bool md = format == FORMAT_MARKDOWN;

		if (md)
			buf_adds(&b, "| product | active | age | commit | gate | last good | bad |\n"
				     "| --- | --- | --- | --- | --- | --- | --- |\n");
		else if (all.n)
			buf_addf(&b, "%-20s %-8s %-9s %-12s %-7s %s\n", "PRODUCT", "ACTIVE", "AGE",
				 "COMMIT", "GATE", "LAST GOOD");
		for (i = 0; i < all.n; i++) {
			struct status_row *row = &all.rows[i];
			char when[32] = "";

			if (row->created_ms)
				age_text(row->created_ms, " ago", when, sizeof(when));
			if (md)
				buf_addf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", row->product,
					 *row->active ? row->active : "none", when, row->commit,
					 row->gate, *row->good ? row->good : "none",
					 row->nbad ? row->bad.data : "");
			else
				buf_addf(&b, "%-20s %-8s %-9s %-12s %-7s %-9s%s%s\n",
					 term_safe(row->product), *row->active ? row->active : "none",
					 when, *row->commit ? row->commit : "-",
					 *row->gate ? row->gate : "-", *row->good ? row->good : "none",
					 row->nbad ? "  bad: " : "", row->nbad ? row->bad.data : "");
		}
		if (!all.n && !md)
			buf_adds(&b, "nothing released yet\n");
		for (i = 0; i < all.n; i++)
			if (all.rows[i].watch.len)
				buf_addf(&b, "%swatch: %s\n", md ? "\n" : "", term_safe(all.rows[i].watch.data));
		if (pending || failed)
			buf_addf(&b, "%snotifications: %lld waiting for a retry, %lld given up (relgate "
				 "notify --list)\n", md ? "\n" : "", (long long)pending,
				 (long long)failed);
	}
	fwrite(b.data, 1, b.len, stdout);
out:
	for (i = 0; i < all.n; i++) {
		buf_release(&all.rows[i].bad);
		buf_release(&all.rows[i].watch);
	}
	free(all.rows);
	buf_release(&b);
	store_close(&st);
	return ret;
}

/* ---- history ---- */

static const char history_usage[] =
	"usage: relgate history [PRODUCT] [--limit N] [--format text|json]\n"
	"\n"
	"What was activated, by release or rollback, newest first: by whom, when, why,\n"
	"from which release to which and how long the switch took; then the releases.\n";

struct hist_out {
	struct jw *w;
	struct buf *b;
};

static int print_activation(const struct activation_record *a, void *data)
{
	struct hist_out *o = data;

	if (o->w) {
		jw_break(o->w, 1);
		jw_object(o->w);
		jw_kstr(o->w, "product", a->product);
		jw_kstr(o->w, "kind", a->kind);
		jw_kstr(o->w, "from", a->from);
		jw_kstr(o->w, "to", a->to);
		jw_kstr(o->w, "at", a->at);
		jw_kstr(o->w, "user", a->user);
		jw_kstr(o->w, "host", a->host);
		jw_kstr(o->w, "reason", a->reason);
		jw_knum(o->w, "switchMs", (double)a->switch_us / 1000, 3);
		jw_end(o->w);
	} else {
		buf_addf(o->b, "%s  %-12s %-8s %s -> %s  by %s@%s (switch %.2f ms)%s%s\n", a->at,
			 term_safe(a->product), a->kind, a->from ? a->from : "none", a->to,
			 term_safe(a->user ? a->user : "?"), term_safe(a->host ? a->host : "?"),
			 (double)a->switch_us / 1000, a->reason ? ": " : "",
			 a->reason ? term_safe(a->reason) : "");
	}
	return 0;
}

static int print_release(const struct release_record *r, void *data)
{
	struct hist_out *o = data;

	if (o->w) {
		jw_break(o->w, 1);
		jw_object(o->w);
		jw_kstr(o->w, "id", r->id);
		jw_kstr(o->w, "product", r->product);
		jw_kstr(o->w, "state", r->state);
		jw_kstr(o->w, "digest", r->digest);
		jw_kstr(o->w, "commit", r->commit);
		jw_kbool(o->w, "dirty", r->dirty);
		jw_kstr(o->w, "gate", r->gate);
		jw_kbool(o->w, "forced", r->forced);
		jw_kbool(o->w, "bad", r->bad);
		jw_kstr(o->w, "created", r->created);
		jw_kstr(o->w, "user", r->user);
		jw_kstr(o->w, "reason", r->reason);
		jw_kint(o->w, "files", r->files);
		jw_kint(o->w, "bytes", r->bytes);
		jw_end(o->w);
	} else {
		buf_addf(o->b, "%s  %-12s %-8s %-9s sha256:%.12s  commit %.12s%s  gate %s%s%s%s\n",
			 r->created, term_safe(r->product), r->id, r->state,
			 r->digest ? r->digest + 7 : "-", r->commit ? r->commit : "-",
			 r->dirty ? "+dirty" : "", r->gate ? r->gate : "-", r->bad ? "  BAD" : "",
			 r->reason ? ": " : "", r->reason ? term_safe(r->reason) : "");
	}
	return 0;
}

int cmd_history(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		{"limit", required_argument, NULL, 'l'},
		{"format", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum output_format format = FORMAT_TEXT;
	const char *product = NULL;
	struct buf b = BUF_INIT;
	struct jw w;
	struct hist_out o = {NULL, &b};
	struct store st;
	long limit = 20;
	int c, ret = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (count_option("history", "--limit", optarg, 0, LONG_MAX, &limit) < 0)
				return EXIT_USAGE;
			break;
		case 'o': format = parse_format("history", optarg, FMT(FORMAT_TEXT) | FMT(FORMAT_JSON)); break;
		case 'h': fputs(history_usage, stdout); return EXIT_OK;
		default: fputs(history_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 < argc) {
		fputs(history_usage, stderr);
		return EXIT_USAGE;
	}
	if (optind < argc) {
		product = argv[optind];
		if (store_check_name("product", product) < 0)
			return EXIT_USAGE;
	}
	if (open_store(s, &st) < 0)
		return EXIT_ENV;
	buf_init(&b);
	if (format == FORMAT_JSON) {
		jw_init(&w, &b);
		o.w = &w;
		jw_object(&w);
		jw_key(&w, "activations");
		jw_array(&w);
	} else {
		buf_adds(&b, "activations, newest first:\n");
	}
	if (history_activations(st.h, product, (size_t)limit, print_activation, &o) < 0) {
		ret = EXIT_ENV;
		goto out;
	}
	if (o.w) {
		jw_end(&w);
		jw_key(&w, "releases");
		jw_array(&w);
	} else {
		buf_adds(&b, "releases, newest first:\n");
	}
	if (history_releases(st.h, product, (size_t)limit, print_release, &o) < 0) {
		ret = EXIT_ENV;
		goto out;
	}
	if (o.w) {
		jw_end(&w);
		jw_end(&w);
		buf_addc(&b, '\n');
	}
	fwrite(b.data, 1, b.len, stdout);
out:
	buf_release(&b);
	store_close(&st);
	return ret;
}

/* ---- diff ---- */

static const char diff_usage[] =
	"usage: relgate diff PRODUCT [--from DIR] [--format text|json]\n"
	"\n"
	"Which files of the built artifact (relgate.json's \"artifact\", or DIR) differ\n"
	"from the product's active release: added, removed and changed, with their\n"
	"bytes.  An artifact whose digest is the active release's releases nothing new.\n"
	"\n"
	"exit codes: 0 (whether or not it differs), 1 no artifact to read,\n"
	"            2 usage error, 3 environment error\n";

struct diff_out {
	struct jw *w;
};

static void diff_entry(const struct artifact_entry *old, const struct artifact_entry *now,
		       void *data)
{
	struct diff_out *o = data;
	const char *what = !old ? "added" : !now ? "removed" : "changed";
	const struct artifact_entry *e = now ? now : old;

	if (o->w) {
		jw_break(o->w, 1);
		jw_object(o->w);
		jw_kstr(o->w, "path", e->path);
		jw_kstr(o->w, "change", what);
		if (old)
			jw_kint(o->w, "oldSize", (int64_t)old->size);
		if (now)
			jw_kint(o->w, "size", (int64_t)now->size);
		jw_end(o->w);
	} else {
		if (old && now)
			printf("  ~ %s (%llu -> %llu bytes)\n", term_safe(e->path),
			       (unsigned long long)old->size, (unsigned long long)now->size);
		else
			printf("  %c %s (%llu bytes)\n", old ? '-' : '+', term_safe(e->path),
			       (unsigned long long)e->size);
	}
}

int cmd_diff(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 'f'},
		{"format", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum output_format format = FORMAT_TEXT;
	const char *from = NULL, *product;
	char active[RELEASE_ID_MAX], hex[ARTIFACT_DIGEST_HEX];
	struct artifact built, rel = {0};
	struct diff_out o = {0};
	struct artifact_delta d;
	struct buf b = BUF_INIT;
	struct jw w;
	struct store st;
	int c, ret = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 'o': format = parse_format("diff", optarg, FMT(FORMAT_TEXT) | FMT(FORMAT_JSON)); break;
		case 'h': fputs(diff_usage, stdout); return EXIT_OK;
		default: fputs(diff_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(diff_usage, stderr);
		return EXIT_USAGE;
	}
	product = argv[optind];
	if ((ret = product_artifact(s, product, from, "compare", &built, NULL)) != EXIT_OK)
		return ret;
	artifact_hex(built.digest, hex);
	if (open_store(s, &st) < 0) {
		artifact_release(&built);
		return EXIT_ENV;
	}
	if (history_active(st.h, product, active) < 0 ||
	    (*active && store_built_manifest(&st, product, active, &rel) < 0)) {
		ret = EXIT_ENV;
		goto out;
	}
	if (format == FORMAT_JSON) {
		buf_init(&b);
		jw_init(&w, &b);
		o.w = &w;
		jw_object(&w);
		jw_kstr(&w, "product", product);
		jw_kstr(&w, "active", *active ? active : NULL);
		jw_kstr(&w, "digest", hex);
		jw_kbool(&w, "same", *active && !memcmp(built.digest, rel.digest, ARTIFACT_SHA_SIZE));
		jw_key(&w, "files");
		jw_array(&w);
	} else if (!*active) {
		printf("%s: no active release: everything is new\n", term_safe(product));
	} else if (!memcmp(built.digest, rel.digest, ARTIFACT_SHA_SIZE)) {
		printf("%s: the artifact is release %s: nothing new to release\n", term_safe(product),
		       active);
		goto out;
	} else {
		printf("%s: the artifact against release %s:\n", term_safe(product), active);
	}
	artifact_diff(&rel, &built, diff_entry, &o, &d);
	if (o.w) {
		jw_end(&w);
		jw_kint(&w, "added", (int64_t)d.added);
		jw_kint(&w, "removed", (int64_t)d.removed);
		jw_kint(&w, "changed", (int64_t)d.changed);
		jw_kint(&w, "bytesAdded", d.bytes_added);
		jw_kint(&w, "bytesRemoved", d.bytes_removed);
		jw_end(&w);
		buf_addc(&b, '\n');
		fwrite(b.data, 1, b.len, stdout);
	} else {
		printf("%zu added (%lld bytes), %zu removed (%lld bytes), %zu changed\n", d.added,
		       (long long)d.bytes_added, d.removed, (long long)d.bytes_removed, d.changed);
	}
out:
	buf_release(&b);
	artifact_release(&rel);
	artifact_release(&built);
	store_close(&st);
	return ret;
}

/* ---- fsck ---- */

static const char fsck_usage[] =
	"usage: relgate fsck [PRODUCT...]\n"
	"\n"
	"Checks every release against its manifest and current against the history;\n"
	"removes unfinished staging; reports anything else (a changed file, a missing\n"
	"release, a dangling current) without deleting it.\n"
	"\n"
	"exit codes: 0 the store is whole (after the repairs it made), 1 damage found\n"
	"            and not repaired, 3 environment error\n";

struct fsck_all {
	char **names;
	size_t n, cap;
};

static int add_name(const char *product, void *data)
{
	struct fsck_all *all = data;

	GROW(all->names, all->n + 1, all->cap);
	all->names[all->n++] = xstrdup(product);
	return 0;
}

int cmd_fsck(int argc, char **argv, struct setup *s)
{
	struct fsck_all all = {0};
	struct store st;
	size_t i;
	int damage = 0, repaired = 0, unchecked = 0, ret = EXIT_OK;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(fsck_usage, stdout);
		return EXIT_OK;
	}
	for (i = 1; i < (size_t)argc; i++)
		if (argv[i][0] == '-' || store_check_name("product", argv[i]) < 0) {
			fputs(fsck_usage, stderr);
			return EXIT_USAGE;
		}
	if (open_store(s, &st) < 0)
		return EXIT_ENV;
	if (argc > 1) {
		for (i = 1; i < (size_t)argc; i++)
			add_name(argv[i], &all);
	} else if (history_products(st.h, add_name, &all) < 0) {
		ret = EXIT_ENV;
		goto out;
	}
	for (i = 0; i < all.n; i++) {
		struct lock l = LOCK_INIT;
		int d;

		/* a lock not taken: damage the lock's check refused to repair, or the machine's */
		if (store_lock(&st, all.names[i], &l) < 0) {
			if (fault_last() == FAULT_ENV)
				unchecked++;
			else
				damage++;
			fault_clear();
			continue;
		}
		d = store_fsck(&st, all.names[i], &repaired);
		lock_drop(&l);
		if (d < 0) {
			ret = EXIT_ENV;
			goto out;
		}
		damage += d;
	}
	printf("fsck: %zu product%s, %d repaired, %d damaged%s\n", all.n, all.n == 1 ? "" : "s",
	       repaired, damage, unchecked ? ", some not checked (said above)" : "");
	if (unchecked)
		ret = EXIT_ENV;
	else if (damage)
		ret = EXIT_GATE;
out:
	for (i = 0; i < all.n; i++)
		free(all.names[i]);
	free(all.names);
	store_close(&st);
	return ret;
}
