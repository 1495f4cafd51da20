/*
 * loop: poll(2) over the registered descriptors, one signalfd and one
 * eventfd, with the nearest timer as its timeout.  Registrations live in
 * plain arrays: a relgate process watches tens of descriptors, not
 * thousands, and the arrays are walked once a round anyway.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/loop.h"
#include "lib/util.h"

struct watch {
	int fd;
	short events;
	loop_fd_fn *fn;
	void *data;
};

struct timer {
	unsigned id;
	double at;
	loop_timer_fn *fn;
	void *data;
};

struct loop {
	struct watch *fds;
	size_t nfds, capfds;
	struct timer *timers;
	size_t ntimers, captimers;
	unsigned next_timer;
	int sigfd;                     /* -1 until a signal is registered */
	sigset_t mask, old_mask;       /* the signals taken; the process's mask before */
	bool mask_saved;
	struct {
		loop_signal_fn *fn;
		void *data;
	} sig[_NSIG][LOOP_SIGNAL_FNS];
	int wakefd;                    /* -1 until loop_on_wake */
	loop_wake_fn *wake_fn;
	void *wake_data;
	bool interrupted;
	struct pollfd *pfds;           /* scratch for poll(2) */
	size_t cappfds;
};

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	l->sigfd = -1;
	l->wakefd = -1;
	sigemptyset(&l->mask);
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->wakefd >= 0)
		close(l->wakefd);
	if (l->mask_saved)
		sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
	free(l->fds);
	free(l->timers);
	free(l->pfds);
	free(l);
}

void loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn *fn, void *data)
{
	size_t i;

	for (i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd)
			break;
	if (i == l->nfds) {
		GROW(l->fds, l->nfds + 1, l->capfds);
		l->nfds++;
	}
	l->fds[i] = (struct watch){fd, events, fn, data};
}

void loop_del_fd(struct loop *l, int fd)
{
	size_t i;

	for (i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd) {
			/* a hole, not a move: loop_once may be walking the array */
			l->fds[i].fd = -1;
			l->fds[i].fn = NULL;
		}
}

/* Drop the holes left by loop_del_fd, between rounds. */
static void compact_fds(struct loop *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->nfds; i++)
		if (l->fds[i].fd >= 0)
			l->fds[n++] = l->fds[i];
	l->nfds = n;
}

int loop_add_signal(struct loop *l, int signo, loop_signal_fn *fn, void *data)
{
	sigset_t one, *old = l->mask_saved ? NULL : &l->old_mask;
	int fd;

	if (signo <= 0 || signo >= _NSIG)
		BUG("signal %d out of range", signo);
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, old) < 0)
		return error("cannot block signal %d:", signo);
	l->mask_saved = true;
	sigaddset(&l->mask, signo);
	fd = signalfd(l->sigfd, &l->mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return error("cannot read signals through a signalfd:");
	l->sigfd = fd;
	for (size_t i = 0; i < LOOP_SIGNAL_FNS; i++)
		if (!l->sig[signo][i].fn || (l->sig[signo][i].fn == fn &&
					     l->sig[signo][i].data == data)) {
			l->sig[signo][i].fn = fn;
			l->sig[signo][i].data = data;
			return 0;
		}
	BUG("more than %d callbacks for signal %d", LOOP_SIGNAL_FNS, signo);
}

void loop_child_mask(const struct loop *l, sigset_t *out)
{
	if (l->mask_saved)
		*out = l->old_mask;
	else
		sigprocmask(SIG_BLOCK, NULL, out);
}

void loop_ignore_signal(struct loop *l, int signo)
{
	(void)l;
	signal(signo, SIG_IGN);
}

unsigned loop_add_timer(struct loop *l, double at_ms, loop_timer_fn *fn, void *data)
{
	GROW(l->timers, l->ntimers + 1, l->captimers);
	if (!++l->next_timer)
		l->next_timer = 1;   /* 0 is never an id: callers may use it for "none" */
	l->timers[l->ntimers++] = (struct timer){l->next_timer, at_ms, fn, data};
	return l->next_timer;
}

static bool take_timer(struct loop *l, unsigned id, struct timer *out);

void loop_del_timer(struct loop *l, unsigned id)
{
	struct timer t;

	take_timer(l, id, &t);
}

int loop_on_wake(struct loop *l, loop_wake_fn *fn, void *data)
{
	if (l->wakefd < 0) {
		l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (l->wakefd < 0)
			return error("cannot make an eventfd:");
	}
	l->wake_fn = fn;
	l->wake_data = data;
	return 0;
}

void loop_wake(struct loop *l)
{
	uint64_t one = 1;
	int saved = errno;

	/* a full counter already wakes the loop: nothing is lost */
	if (l->wakefd >= 0 && write(l->wakefd, &one, sizeof(one)) < 0) {
	}
	errno = saved;
}

void loop_interrupt(struct loop *l)
{
	l->interrupted = true;
}

bool loop_take_interrupt(struct loop *l)
{
	bool was = l->interrupted;

	l->interrupted = false;
	return was;
}

/* The poll timeout: max_ms, or sooner for the nearest timer. */
static int timeout_for(const struct loop *l, int max_ms, double now)
{
	double t = max_ms < 0 ? -1 : (double)max_ms;
	size_t i;

	for (i = 0; i < l->ntimers; i++) {
		double in = l->timers[i].at - now;

		if (in < 0)
			in = 0;
		if (t < 0 || in < t)
			t = in;
	}
	if (t < 0)
		return -1;
	/* rounded up, so that a timer is due when poll returns */
	return t > 1e9 ? 1000000000 : (int)t + (t > (int)t);
}

static int run_signals(struct loop *l)
{
	struct signalfd_siginfo si;
	int ran = 0;

	while (read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
		int signo = (int)si.ssi_signo;

		for (size_t i = 0; signo > 0 && signo < _NSIG && i < LOOP_SIGNAL_FNS &&
				   l->sig[signo][i].fn; i++) {
			l->sig[signo][i].fn(l, &si, l->sig[signo][i].data);
			ran++;
		}
	}
	return ran;
}

/* Take the timer id out of the list; false when it is gone (a callback deleted it). */
static bool take_timer(struct loop *l, unsigned id, struct timer *out)
{
	size_t i;

	for (i = 0; i < l->ntimers; i++)
		if (l->timers[i].id == id) {
			*out = l->timers[i];
			l->timers[i] = l->timers[--l->ntimers];
			return true;
		}
	return false;
}

static int run_timers(struct loop *l)
{
	double now = now_ms();
	unsigned *due;
	size_t i, n = 0;
	int ran = 0;

	if (!l->ntimers)
		return 0;
	/*
	 * The timers due now, chosen before any runs: a timer a callback adds
	 * waits a round (so a timer that re-arms itself cannot starve the
	 * descriptors), and one a callback deletes does not run.
	 */
	due = xcalloc(l->ntimers, sizeof(*due));
	for (i = 0; i < l->ntimers; i++)
		if (l->timers[i].at <= now)
			due[n++] = l->timers[i].id;
	for (i = 0; i < n; i++) {
		struct timer t;

		if (take_timer(l, due[i], &t)) {
			t.fn(l, t.data);
			ran++;
		}
	}
	free(due);
	return ran;
}

int loop_once(struct loop *l, int max_ms)
{
	size_t n = 0, i, nwatch;
	int ran = 0, r;

	compact_fds(l);
	nwatch = l->nfds;
	GROW(l->pfds, nwatch + 2, l->cappfds);
	for (i = 0; i < nwatch; i++)
		l->pfds[n++] = (struct pollfd){l->fds[i].fd, l->fds[i].events, 0};
	if (l->sigfd >= 0)
		l->pfds[n++] = (struct pollfd){l->sigfd, POLLIN, 0};
	if (l->wakefd >= 0)
		l->pfds[n++] = (struct pollfd){l->wakefd, POLLIN, 0};
	r = poll(l->pfds, n, timeout_for(l, max_ms, now_ms()));
	if (r < 0) {
		if (errno == EINTR)
			return 0;
		return error("poll:");
	}
	n = nwatch;
	if (l->sigfd >= 0 && (l->pfds[n++].revents & POLLIN))
		ran += run_signals(l);
	if (l->wakefd >= 0 && (l->pfds[n].revents & POLLIN)) {
		uint64_t count;

		if (read(l->wakefd, &count, sizeof(count)) == sizeof(count) && l->wake_fn) {
			l->wake_fn(l, l->wake_data);
			ran++;
		}
	}
	for (i = 0; i < nwatch; i++) {
		struct watch w = l->fds[i];

		/* removed, or replaced by another descriptor, by an earlier callback */
		if (!l->pfds[i].revents || w.fd != l->pfds[i].fd || !w.fn)
			continue;
		w.fn(l, w.fd, l->pfds[i].revents, w.data);
		ran++;
	}
	ran += run_timers(l);
	return ran;
}
