/*
 * relgate notify: the outbox by hand (--flush, --list), a message by hand
 * (--channel NAME --message TEXT); and what the other commands use to
 * notify: queue, then send within the bound (plan, release, test), or
 * queue and leave the sending to a relgate of its own in the background
 * (rollback, which never waits on a network).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze/setup.h"
#include "cmd/cmd.h"
#include "lib/diag.h"
#include "lib/jsonw.h"
#include "lib/term.h"
#include "notify/notice.h"
#include "notify/outbox.h"
#include "release/store.h"

/*
 * Start `relgate notify --flush` for st's store, detached (its own
 * session, its output to /dev/null, not waited for), so that the caller
 * ends now.  The caller's relgate.json and store are passed on.
 */
static void flush_in_background(const struct setup *s, const struct store *st)
{
	char self[PATH_MAX];
	pid_t pid;
	int status;

	if (relgate_binary(self, sizeof(self)) < 0)
		return;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return;
	if (pid == 0) {
		/* the middle process ends at once: the sender is nobody's child to wait for */
		if (setsid() < 0 || fork() != 0)
			_exit(0);
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("RELGATE_STORE", st->root, 1);
		if (s->cfg.path)
			execl(self, "relgate", "--config", s->cfg.path, "notify", "--flush",
			      "--quiet", (char *)NULL);
		else
			execl(self, "relgate", "notify", "--flush", "--quiet", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
}

/*
 * A flush that SIGINT or SIGTERM cut short ends the command, as the signal
 * would have: what was not sent is queued, for relgate notify --flush.
 */
static void interrupted_flush(const struct outbox_report *rep)
{
	if (rep->stop_signal)
		die(EXIT_INTERRUPTED, "interrupted by %s: what was not sent stays queued "
		    "(relgate notify --flush)", strsignal(rep->stop_signal));
}

void notify_queued(const struct setup *s, struct store *st, struct outbox_report *rep)
{
	bool queued = false;

	for (size_t i = 0; i < rep->n; i++)
		queued |= rep->v[i].outcome == OUTBOX_QUEUED;
	if (queued || outbox_due(st->h) > 0)
		flush_in_background(s, st);
	fault_clear();
	outbox_report_print(rep);
	outbox_report_release(rep);
}

void notify_send(const struct setup *s, struct store *st, const struct notice *n,
		 const struct strlist *channels, bool background)
{
	struct outbox_report rep = {0};
	struct flush_opts fo = {0};

	/* nobody to tell: still the next command that notifies, for what waits for a retry */
	if (!channels->n && outbox_due(st->h) <= 0) {
		fault_clear();
		return;
	}
	if (channels->n && outbox_queue(st->h, &s->cfg, n, channels, st->host, &rep) < 0) {
		warn("the notification could not be queued: nobody was told");
		fault_clear();
	} else if (background) {
		flush_in_background(s, st);
	} else if (outbox_flush(st->h, &s->cfg, &fo, &rep) < 0) {
		warn("the outbox could not be read: what is queued stays queued");
		fault_clear();
	}
	outbox_report_print(&rep);
	interrupted_flush(&rep);
	outbox_report_release(&rep);
}

void product_channels(const struct setup *s, const char *product, struct strlist *out)
{
	const struct cfg_product *cp = config_product(&s->cfg, product);

	out->v = cp ? cp->owners.v : NULL;
	out->n = cp ? cp->owners.n : 0;
}

/* ---- relgate notify ---- */

static const char usage[] =
	"usage: relgate notify --flush [--all] [--channel NAME] [--timeout DURATION]\n"
	"       relgate notify --channel NAME... --message TEXT [--subject TEXT]\n"
	"       relgate notify --list [--limit N] [--format text|json]\n"
	"\n"
	"Every notification goes through the store's outbox, with a delivery id.\n"
	"  --flush      send what is due again (those not delivered earlier, on their\n"
	"               backoff); --all: every pending one, due or not\n"
	"  --message    send TEXT to the channels named (relgate.json's \"channels\")\n"
	"  --list       the outbox: pending, given up, and the latest sent\n"
	"  --timeout    the bound on sending (default notify.timeout, 5s)\n"
	"\n"
	"exit codes: 0 delivered, 2 usage or configuration error, 3 environment error\n"
	"            (a receiver did not take a message: it stays queued)\n";

static int list_one(const struct delivery_record *d, void *data)
{
	struct jw *w = data;
	char next[32];

	if (w) {
		jw_break(w, 2);
		jw_object(w);
		jw_kstr(w, "id", d->id);
		jw_kstr(w, "channel", d->channel);
		jw_kstr(w, "kind", d->kind);
		jw_kstr(w, "product", d->product);
		jw_kstr(w, "subject", d->subject);
		jw_kstr(w, "state", d->state);
		jw_kint(w, "attempts", d->attempts);
		jw_kstr(w, "created", d->created);
		jw_kstr(w, "lastError", d->last_error);
		jw_end(w);
		return 0;
	}
	printf("%s  %-8s %-16s %-8s %s\n", d->id, d->state, term_safe(d->channel), d->kind,
	       term_safe(d->subject ? d->subject : ""));
	if (!strcmp(d->state, "pending")) {
		iso_time(d->next_ms, next, sizeof(next));
		printf("          %d attempt%s, next %s%s%s\n", d->attempts,
		       d->attempts == 1 ? "" : "s", next, d->last_error ? ": " : "",
		       d->last_error ? term_safe(d->last_error) : "");
	} else if (!strcmp(d->state, "failed")) {
		printf("          given up after %d attempts: %s\n", d->attempts,
		       d->last_error ? term_safe(d->last_error) : "");
	}
	return 0;
}

int cmd_notify(int argc, char **argv, struct setup *s)
{
	static const struct option longopts[] = {
		{"flush", no_argument, NULL, 'f'},
		{"all", no_argument, NULL, 'a'},
		{"channel", required_argument, NULL, 'c'},
		{"message", required_argument, NULL, 'm'},
		{"subject", required_argument, NULL, 's'},
		{"list", no_argument, NULL, 'l'},
		{"limit", required_argument, NULL, 'n'},
		{"timeout", required_argument, NULL, 't'},
		{"format", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *message = NULL, *subject = NULL;
	bool flush = false, list = false, quiet = false;
	enum output_format format = FORMAT_TEXT;
	struct strlist channels = {0};
	struct flush_opts fo = {0};
	struct outbox_report rep = {0};
	long limit = 20;
	struct store st;
	int c, ret = EXIT_OK;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': flush = true; break;
		case 'a': fo.all = true; break;
		case 'c':
			channels.v = xreallocarray(channels.v, channels.n + 1, sizeof(*channels.v));
			channels.v[channels.n++] = optarg;
			break;
		case 'm': message = optarg; break;
		case 's': subject = optarg; break;
		case 'l': list = true; break;
		case 'q': quiet = true; break;
		case 'n':
			if (count_option("notify", "--limit", optarg, 1, 1000000, &limit) < 0) {
				free(channels.v);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (parse_duration(optarg, &fo.timeout_ms) < 0 || fo.timeout_ms <= 0) {
				free(channels.v);
				die(EXIT_USAGE, "relgate notify: --timeout takes a duration like 5s, "
				    "not \"%s\"", optarg);
			}
			break;
		case 'o': format = parse_format("notify", optarg, FMT(FORMAT_TEXT) | FMT(FORMAT_JSON)); break;
		case 'h': fputs(usage, stdout); free(channels.v); return EXIT_OK;
		default: fputs(usage, stderr); free(channels.v); return EXIT_USAGE;
		}
	}
	if (optind < argc || flush + list + !!message != 1 || (message && !channels.n) ||
	    (list && channels.n) || (channels.n > 1 && flush)) {
		fputs(usage, stderr);
		free(channels.v);
		return EXIT_USAGE;
	}
	if (setup_check(s) < 0) {
		free(channels.v);
		return EXIT_USAGE;
	}
	for (i = 0; i < channels.n; i++) {
		if (!config_channel(&s->cfg, channels.v[i])) {
			error("relgate notify: \"%s\" is not a channel of %s", term_safe(channels.v[i]),
			      s->cfg.path ? s->cfg.path : "relgate.json (there is none)");
			free(channels.v);
			return EXIT_USAGE;
		}
	}
	if (open_store(s, &st) < 0) {
		free(channels.v);
		return EXIT_ENV;
	}
	if (list) {
		struct buf out = BUF_INIT;
		struct jw w;

		if (format == FORMAT_JSON) {
			jw_init(&w, &out);
			jw_object(&w);
			jw_key(&w, "deliveries");
			jw_array(&w);
		}
		if (history_deliveries(st.h, NULL, INT64_MAX, false, (size_t)limit, list_one,
				       format == FORMAT_JSON ? &w : NULL) < 0)
			ret = EXIT_ENV;
		if (format == FORMAT_JSON) {
			jw_end(&w);
			jw_end(&w);
			jw_done(&w);
			buf_addc(&out, '\n');
			fwrite(out.data, 1, out.len, stdout);
		}
		buf_release(&out);
		goto out;
	}
	if (message) {
		struct notice n;

		struct notice_section *sec;
		const char *p = message;

		/* the subject: --subject, else the message's first line */
		if (subject)
			notice_init(&n, "message", NULL, "%s", subject);
		else
			notice_init(&n, "message", NULL, "%.*s", (int)strcspn(message, "\n"), message);
		sec = notice_section(&n, "%s", "");
		for (; *p; p += *p == '\n') {
			size_t len = strcspn(p, "\n");

			notice_line(sec, "%.*s", (int)len, p);
			p += len;
		}
		if (outbox_queue(st.h, &s->cfg, &n, &channels, st.host, &rep) < 0) {
			notice_release(&n);
			ret = EXIT_ENV;
			goto out;
		}
		notice_release(&n);
	}
	fo.channel = flush && channels.n ? channels.v[0] : NULL;
	if (outbox_flush(st.h, &s->cfg, &fo, &rep) < 0)
		ret = EXIT_ENV;
	if (!quiet)
		outbox_report_print(&rep);
	interrupted_flush(&rep);
	if (!ret && !outbox_report_ok(&rep))
		ret = EXIT_ENV;
	if (!quiet && flush && !rep.n)
		fprintf(stderr, "notify: nothing %s in the outbox\n", fo.all ? "pending" : "due");
out:
	outbox_report_release(&rep);
	store_close(&st);
	free(channels.v);
	return ret;
}
