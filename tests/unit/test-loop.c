/*
 * test-loop: the event loop.  Descriptors (readable, hung up, replaced,
 * removed, removed or added from a callback, a number reused), timers
 * (due, not yet due, removed, added from a callback, shortening the wait),
 * signals through the signalfd and the process's signal mask, wakes from
 * other threads, the interrupt flag, and loop_free giving everything back.
 *
 * Timing asserts are loose on purpose: machines under load are slow, never
 * fast, so a wait of N ms is checked as "at least N-1, well under N+2000".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/loop.h"
#include "lib/util.h"

#define SLACK_MS 2000.0

/* ---- helpers ---- */

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
	}
}

static void make_pipe(int p[2])
{
	assert_int_equal(pipe(p), 0);
}

static void close_pipe(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

static void put(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static bool blocked(int signo)
{
	sigset_t now;

	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &now), 0);
	return sigismember(&now, signo) == 1;
}

static void unblock(int signo)
{
	sigset_t one;

	sigemptyset(&one);
	sigaddset(&one, signo);
	assert_int_equal(sigprocmask(SIG_UNBLOCK, &one, NULL), 0);
}

static void block(int signo)
{
	sigset_t one;

	sigemptyset(&one);
	sigaddset(&one, signo);
	assert_int_equal(sigprocmask(SIG_BLOCK, &one, NULL), 0);
}

/* What an fd callback saw. */
struct rec {
	int calls;
	int fd;
	short revents;
	void *data;
	struct loop *l;
	int order;      /* the global sequence number of its last call */
};

static int sequence;

static void on_fd(struct loop *l, int fd, short revents, void *data)
{
	struct rec *r = data;

	r->calls++;
	r->fd = fd;
	r->revents = revents;
	r->data = data;
	r->l = l;
	r->order = ++sequence;
}

/* Read what is there, so that the descriptor is not ready again. */
static void on_fd_drain(struct loop *l, int fd, short revents, void *data)
{
	char b[64];

	on_fd(l, fd, revents, data);
	if (read(fd, b, sizeof(b)) < 0) {
	}
}

/* ---- descriptors ---- */

static void fd_readable(void **state)
{
	struct loop *l = loop_new();
	struct rec r = {0};
	int p[2];

	(void)state;
	make_pipe(p);
	loop_add_fd(l, p[0], POLLIN, on_fd_drain, &r);
	assert_int_equal(loop_once(l, 0), 0);
	assert_int_equal(r.calls, 0);

	put(p[1]);
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, p[0]);
	assert_true(r.revents & POLLIN);
	assert_false(r.revents & POLLHUP);
	assert_ptr_equal(r.data, &r);
	assert_ptr_equal(r.l, l);

	/* drained: nothing more */
	assert_int_equal(loop_once(l, 0), 0);
	assert_int_equal(r.calls, 1);

	loop_free(l);
	close_pipe(p);
}

static void fd_hangup(void **state)
{
	struct loop *l = loop_new();
	struct rec r = {0};
	int p[2];

	(void)state;
	make_pipe(p);
	loop_add_fd(l, p[0], POLLIN, on_fd, &r);
	close(p[1]);
	p[1] = -1;
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, p[0]);
	assert_true(r.revents & POLLHUP);
	loop_free(l);
	close_pipe(p);
}

static void fd_count_of_callbacks(void **state)
{
	struct loop *l = loop_new();
	struct rec r[3] = {{0}};
	int p[3][2];
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		make_pipe(p[i]);
		loop_add_fd(l, p[i][0], POLLIN, on_fd_drain, &r[i]);
	}
	put(p[0][1]);
	put(p[2][1]);
	assert_int_equal(loop_once(l, 1000), 2);
	assert_int_equal(r[0].calls, 1);
	assert_int_equal(r[1].calls, 0);
	assert_int_equal(r[2].calls, 1);
	assert_int_equal(r[0].fd, p[0][0]);
	assert_int_equal(r[2].fd, p[2][0]);

	put(p[0][1]);
	put(p[1][1]);
	put(p[2][1]);
	assert_int_equal(loop_once(l, 1000), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(r[i].calls, i == 1 ? 1 : 2);

	loop_free(l);
	for (i = 0; i < 3; i++)
		close_pipe(p[i]);
}

static void zero_wait_returns_at_once(void **state)
{
	struct loop *l = loop_new();
	struct rec r = {0};
	int p[2];
	double t0, dt;

	(void)state;
	/* nothing registered at all */
	t0 = now_ms();
	assert_int_equal(loop_once(l, 0), 0);
	dt = now_ms() - t0;
	assert_true(dt < SLACK_MS / 2);

	/* a descriptor that is not ready, and a timer far away */
	make_pipe(p);
	loop_add_fd(l, p[0], POLLIN, on_fd, &r);
	loop_add_timer(l, now_ms() + 60000, NULL, NULL);
	t0 = now_ms();
	assert_int_equal(loop_once(l, 0), 0);
	dt = now_ms() - t0;
	assert_true(dt < SLACK_MS / 2);
	assert_int_equal(r.calls, 0);
	loop_free(l);
	close_pipe(p);
}

static void timeout_without_events(void **state)
{
	static const int waits[] = {1, 30, 120};
	struct loop *l = loop_new();
	struct rec r = {0};
	int p[2];
	size_t i;

	(void)state;
	make_pipe(p);
	loop_add_fd(l, p[0], POLLIN, on_fd, &r);
	for (i = 0; i < ARRAY_LEN(waits); i++) {
		double t0 = now_ms(), dt;

		assert_int_equal(loop_once(l, waits[i]), 0);
		dt = now_ms() - t0;
		if (dt < waits[i] - 1 || dt >= waits[i] + SLACK_MS)
			fail_msg("loop_once(%d) returned after %.1f ms", waits[i], dt);
	}
	assert_int_equal(r.calls, 0);
	loop_free(l);
	close_pipe(p);
}

static void on_fd_other(struct loop *l, int fd, short revents, void *data)
{
	struct rec *r = data;

	(void)l;
	(void)revents;
	r->calls += 100;
	r->fd = fd;
}

static void add_fd_replaces(void **state)
{
	struct loop *l = loop_new();
	struct rec first = {0}, second = {0};
	int p[2];

	(void)state;
	make_pipe(p);
	loop_add_fd(l, p[0], POLLIN, on_fd, &first);
	loop_add_fd(l, p[0], POLLIN, on_fd_other, &second);
	put(p[1]);
	/* one registration: one callback, the second one */
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(first.calls, 0);
	assert_int_equal(second.calls, 100);
	assert_int_equal(second.fd, p[0]);

	/* replaced again, with the first callback and other data */
	loop_add_fd(l, p[0], POLLIN, on_fd, &first);
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(first.calls, 1);
	assert_ptr_equal(first.data, &first);
	assert_int_equal(second.calls, 100);
	loop_free(l);
	close_pipe(p);
}

static void del_fd_stops(void **state)
{
	struct loop *l = loop_new();
	struct rec r = {0}, s = {0};
	int p[2], q[2];

	(void)state;
	make_pipe(p);
	make_pipe(q);
	loop_add_fd(l, p[0], POLLIN, on_fd, &r);
	loop_add_fd(l, q[0], POLLIN, on_fd, &s);
	put(p[1]);
	put(q[1]);
	assert_int_equal(loop_once(l, 1000), 2);
	assert_int_equal(r.calls, 1);

	/* still readable, but no longer watched */
	loop_del_fd(l, p[0]);
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(s.calls, 2);
	loop_del_fd(l, q[0]);
	assert_int_equal(loop_once(l, 20), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(s.calls, 2);
	/* an unknown descriptor is no error */
	loop_del_fd(l, 12345);
	loop_del_fd(l, p[0]);
	assert_int_equal(loop_once(l, 0), 0);

	/* and added again, it is watched again */
	loop_add_fd(l, p[0], POLLIN, on_fd, &r);
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(r.calls, 2);
	loop_free(l);
	close_pipe(p);
	close_pipe(q);
}

/* A callback that removes its own descriptor. */
static void on_fd_del_self(struct loop *l, int fd, short revents, void *data)
{
	on_fd(l, fd, revents, data);
	loop_del_fd(l, fd);
}

static void callback_deletes_itself(void **state)
{
	struct loop *l = loop_new();
	struct rec r = {0}, s = {0};
	int p[2], q[2];

	(void)state;
	make_pipe(p);
	make_pipe(q);
	loop_add_fd(l, p[0], POLLIN, on_fd_del_self, &r);
	loop_add_fd(l, q[0], POLLIN, on_fd, &s);
	put(p[1]);
	put(q[1]);
	assert_int_equal(loop_once(l, 1000), 2);
	assert_int_equal(r.calls, 1);
	assert_int_equal(s.calls, 1);
	/* p is still readable, but gone */
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(s.calls, 2);
	loop_free(l);
	close_pipe(p);
	close_pipe(q);
}

/* Two ready descriptors, each of whose callbacks removes the other. */
struct pair {
	struct rec r;
	int other;
};

static void on_fd_del_other(struct loop *l, int fd, short revents, void *data)
{
	struct pair *pr = data;

	on_fd(l, fd, revents, &pr->r);
	loop_del_fd(l, pr->other);
}

static void callback_deletes_another_ready_fd(void **state)
{
	struct loop *l = loop_new();
	struct pair a = {{0}, -1}, b = {{0}, -1};
	struct rec c = {0};
	int p[2], q[2], s[2];

	(void)state;
	make_pipe(p);
	make_pipe(q);
	make_pipe(s);
	a.other = q[0];
	b.other = p[0];
	loop_add_fd(l, p[0], POLLIN, on_fd_del_other, &a);
	loop_add_fd(l, q[0], POLLIN, on_fd_del_other, &b);
	loop_add_fd(l, s[0], POLLIN, on_fd, &c);
	put(p[1]);
	put(q[1]);
	put(s[1]);
	/* whichever runs first removes the other one: that one is not called */
	assert_int_equal(loop_once(l, 1000), 2);
	assert_int_equal(a.r.calls + b.r.calls, 1);
	assert_int_equal(c.calls, 1);
	/* and the one that ran stays, the other stays gone */
	assert_int_equal(loop_once(l, 1000), 2);
	assert_int_equal(a.r.calls + b.r.calls, 2);
	assert_true(a.r.calls == 2 || b.r.calls == 2);
	assert_int_equal(c.calls, 2);
	loop_free(l);
	close_pipe(p);
	close_pipe(q);
	close_pipe(s);
}

/* A callback that registers many descriptors, all of them ready. */
#define NEW_FDS 40
struct adder {
	struct rec r;
	int (*p)[2];
	struct rec *recs;
	bool done;
};

static void on_fd_add_many(struct loop *l, int fd, short revents, void *data)
{
	struct adder *ad = data;
	int i;

	on_fd(l, fd, revents, &ad->r);
	if (ad->done)
		return;
	ad->done = true;
	for (i = 0; i < NEW_FDS; i++)
		loop_add_fd(l, ad->p[i][0], POLLIN, on_fd, &ad->recs[i]);
}

static void callback_adds_fds(void **state)
{
	struct loop *l = loop_new();
	static int p[NEW_FDS][2];
	static struct rec recs[NEW_FDS];
	struct adder ad = {{0}, p, recs, false};
	struct rec after = {0};
	int a[2], b[2], i, n;

	(void)state;
	memset(recs, 0, sizeof(recs));
	make_pipe(a);
	make_pipe(b);
	for (i = 0; i < NEW_FDS; i++) {
		make_pipe(p[i]);
		put(p[i][1]);
	}
	loop_add_fd(l, a[0], POLLIN, on_fd_add_many, &ad);
	loop_add_fd(l, b[0], POLLIN, on_fd, &after);
	put(a[1]);
	put(b[1]);
	/* the arrays grow under the round: the ones after still run right */
	n = loop_once(l, 1000);
	assert_int_equal(ad.r.calls, 1);
	assert_int_equal(after.calls, 1);
	assert_int_equal(after.fd, b[0]);
	for (i = 0, n -= 2; i < NEW_FDS; i++)
		n -= recs[i].calls;
	assert_int_equal(n, 0);
	/* the next round (at the latest) sees the new ones */
	assert_int_equal(loop_once(l, 1000), 2 + NEW_FDS);
	for (i = 0; i < NEW_FDS; i++) {
		assert_true(recs[i].calls >= 1);
		assert_int_equal(recs[i].fd, p[i][0]);
	}
	loop_free(l);
	close_pipe(a);
	close_pipe(b);
	for (i = 0; i < NEW_FDS; i++)
		close_pipe(p[i]);
}

/*
 * Between rounds: a descriptor removed and closed, its number given to a
 * new pipe, which is ready.  Unregistered, nothing runs; registered, only
 * the new callback does.
 */
static void reused_number_between_rounds(void **state)
{
	struct loop *l = loop_new();
	struct rec old = {0}, nw = {0};
	int p[2], q[2], num;

	(void)state;
	make_pipe(p);
	num = p[0];
	loop_add_fd(l, num, POLLIN, on_fd, &old);
	loop_del_fd(l, num);
	close(p[0]);
	make_pipe(q);
	if (q[0] != num) {     /* pipe() may have taken the lowest number: num */
		assert_int_equal(dup2(q[0], num), num);
		close(q[0]);
		q[0] = num;
	}
	put(q[1]);
	assert_int_equal(loop_once(l, 30), 0);
	assert_int_equal(old.calls, 0);

	loop_add_fd(l, num, POLLIN, on_fd, &nw);
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(old.calls, 0);
	assert_int_equal(nw.calls, 1);
	assert_int_equal(nw.fd, num);
	p[0] = -1;
	loop_free(l);
	close_pipe(p);
	close_pipe(q);
}

/*
 * Within a round: the first callback removes a later ready descriptor,
 * closes it, gives its number to a new ready pipe and registers that with
 * a new callback.  The old callback must not run for the new pipe.
 */
struct reuser {
	struct rec r;
	int victim;
	int writer;        /* out: the new pipe's write end */
	struct rec *nw;
};

static void on_fd_reuse(struct loop *l, int fd, short revents, void *data)
{
	struct reuser *ru = data;
	int q[2];

	on_fd(l, fd, revents, &ru->r);
	if (ru->writer >= 0)
		return;
	loop_del_fd(l, ru->victim);
	close(ru->victim);
	if (pipe(q) < 0)
		return;
	if (q[0] != ru->victim) {
		if (dup2(q[0], ru->victim) != ru->victim)
			return;
		close(q[0]);
	}
	ru->writer = q[1];
	if (write(q[1], "y", 1) != 1)
		return;
	loop_add_fd(l, ru->victim, POLLIN, on_fd_drain, ru->nw);
}

static void reused_number_within_round(void **state)
{
	struct loop *l = loop_new();
	struct rec old = {0}, nw = {0};
	struct reuser ru = {{0}, -1, -1, &nw};
	int p[2], v[2];

	(void)state;
	make_pipe(p);
	make_pipe(v);
	ru.victim = v[0];
	loop_add_fd(l, p[0], POLLIN, on_fd_reuse, &ru);
	loop_add_fd(l, v[0], POLLIN, on_fd, &old);
	put(p[1]);
	put(v[1]);
	loop_once(l, 1000);
	assert_true(ru.writer >= 0);
	assert_int_equal(ru.r.calls, 1);
	assert_int_equal(old.calls, 0);
	/* the new pipe's callback runs, this round or the next */
	if (!nw.calls)
		loop_once(l, 1000);
	assert_int_equal(nw.calls, 1);
	assert_int_equal(nw.fd, v[0]);
	assert_int_equal(old.calls, 0);
	loop_free(l);
	close(v[1]);
	v[1] = ru.writer;
	close_pipe(p);
	close_pipe(v);
}

/* ---- timers ---- */

struct tick {
	int calls;
	double at;      /* when it was due */
	double when;    /* when it ran */
	struct loop *l;
	int order;
};

static void on_timer(struct loop *l, void *data)
{
	struct tick *t = data;

	t->calls++;
	t->when = now_ms();
	t->l = l;
	t->order = ++sequence;
}

static void timer_fires_once_when_due(void **state)
{
	struct loop *l = loop_new();
	struct tick t = {0};
	double deadline;
	unsigned id;

	(void)state;
	t.at = now_ms() + 40;
	id = loop_add_timer(l, t.at, on_timer, &t);
	assert_true(id != 0);
	assert_int_equal(loop_once(l, 0), 0);
	assert_int_equal(t.calls, 0);
	deadline = now_ms() + 40 + SLACK_MS;
	while (!t.calls && now_ms() < deadline)
		loop_once(l, -1);
	assert_int_equal(t.calls, 1);
	assert_true(t.when >= t.at);
	assert_ptr_equal(t.l, l);
	/* once */
	assert_int_equal(loop_once(l, 30), 0);
	assert_int_equal(t.calls, 1);
	/* gone: deleting it is no error */
	loop_del_timer(l, id);
	loop_free(l);
}

static void due_timers_fire_later_ones_wait(void **state)
{
	struct loop *l = loop_new();
	struct tick t[6] = {{0}};
	double now = now_ms(), deadline;
	int i;

	(void)state;
	for (i = 0; i < 6; i++) {
		/* 0, 2, 4 already due; 1 and 3 in 60 ms; 5 in a minute */
		t[i].at = i % 2 == 0 ? now - 10 - i : i == 5 ? now + 60000 : now + 60;
		loop_add_timer(l, t[i].at, on_timer, &t[i]);
	}
	assert_int_equal(loop_once(l, 0), 3);
	for (i = 0; i < 6; i++)
		assert_int_equal(t[i].calls, i % 2 == 0);
	deadline = now_ms() + 60 + SLACK_MS;
	while ((!t[1].calls || !t[3].calls) && now_ms() < deadline)
		loop_once(l, -1);
	for (i = 0; i < 5; i++)
		assert_int_equal(t[i].calls, 1);
	assert_true(t[1].when >= t[1].at);
	assert_true(t[3].when >= t[3].at);
	assert_int_equal(t[5].calls, 0);
	assert_int_equal(loop_once(l, 0), 0);
	loop_free(l);
}

static void del_timer_prevents(void **state)
{
	struct loop *l = loop_new();
	struct tick a = {0}, b = {0}, c = {0};
	unsigned ia, ib, ic;

	(void)state;
	ia = loop_add_timer(l, now_ms() + 30, on_timer, &a);
	ib = loop_add_timer(l, now_ms() + 30, on_timer, &b);
	ic = loop_add_timer(l, now_ms() - 1, on_timer, &c);
	assert_true(ia != ib && ib != ic && ia != ic);
	loop_del_timer(l, ia);
	loop_del_timer(l, ic);
	loop_del_timer(l, 0);          /* unknown: no error */
	loop_del_timer(l, ic + 1000);
	/* b still fires, in about 30 ms */
	assert_int_equal(loop_once(l, -1), 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(loop_once(l, 60), 0);
	assert_int_equal(a.calls, 0);
	assert_int_equal(c.calls, 0);
	/* b has fired: deleting its id now is no error */
	loop_del_timer(l, ib);
	loop_free(l);
}

static void timer_ids_never_zero(void **state)
{
	struct loop *l = loop_new();
	static unsigned ids[2000];
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_LEN(ids); i++) {
		ids[i] = loop_add_timer(l, now_ms() + 60000, on_timer, NULL);
		assert_true(ids[i] != 0);
		if (i % 2)
			loop_del_timer(l, ids[i]);
	}
	for (i = 0; i < ARRAY_LEN(ids); i++)
		for (j = i + 1; j < ARRAY_LEN(ids); j++)
			if (ids[i] == ids[j])
				fail_msg("timers %zu and %zu share the id %u", i, j, ids[i]);
	assert_int_equal(loop_once(l, 0), 0);
	loop_free(l);
}

/* A timer callback that adds another timer, in the future. */
struct chain {
	struct tick t;
	struct tick next;
	unsigned next_id;
};

static void on_timer_chain(struct loop *l, void *data)
{
	struct chain *c = data;

	on_timer(l, &c->t);
	c->next.at = now_ms() + 30;
	c->next_id = loop_add_timer(l, c->next.at, on_timer, &c->next);
}

static void timer_callback_adds_timer(void **state)
{
	struct loop *l = loop_new();
	struct chain c = {{0}, {0}, 0};
	double deadline;

	(void)state;
	loop_add_timer(l, now_ms() - 1, on_timer_chain, &c);
	assert_int_equal(loop_once(l, 0), 1);
	assert_int_equal(c.t.calls, 1);
	assert_true(c.next_id != 0);
	assert_int_equal(c.next.calls, 0);
	deadline = now_ms() + 30 + SLACK_MS;
	while (!c.next.calls && now_ms() < deadline)
		loop_once(l, -1);
	assert_int_equal(c.next.calls, 1);
	assert_true(c.next.when >= c.next.at);
	assert_int_equal(c.t.calls, 1);
	loop_free(l);
}

/*
 * A timer callback that adds a timer which is already due: it waits a
 * round, or a callback that re-arms itself for a time already past would
 * spin inside one loop_once() and never let poll(2) look at descriptors
 * or signals.
 */
#define REARM_CAP 100
static void on_timer_rearm_past(struct loop *l, void *data)
{
	int *n = data;

	if (++*n < REARM_CAP)
		loop_add_timer(l, now_ms() - 1, on_timer_rearm_past, data);
}

static void timer_added_by_timer_waits_a_round(void **state)
{
	struct loop *l = loop_new();
	int n = 0, r;

	(void)state;
	loop_add_timer(l, now_ms() - 1, on_timer_rearm_past, &n);
	r = loop_once(l, 0);
	assert_int_equal(r, 1);
	assert_int_equal(n, 1);
	assert_int_equal(loop_once(l, 0), 1);
	assert_int_equal(n, 2);
	loop_free(l);
}

/* Due timers whose callbacks remove each other: exactly one of them runs. */
struct tpair {
	struct tick t;
	unsigned other;
};

static void on_timer_del_other(struct loop *l, void *data)
{
	struct tpair *tp = data;

	on_timer(l, &tp->t);
	loop_del_timer(l, tp->other);
}

static void timer_callback_deletes_due_timer(void **state)
{
	struct loop *l = loop_new();
	struct tpair a = {{0}, 0}, b = {{0}, 0};
	struct tick c = {0};
	unsigned ia, ib;

	(void)state;
	ia = loop_add_timer(l, now_ms() - 5, on_timer_del_other, &a);
	ib = loop_add_timer(l, now_ms() - 5, on_timer_del_other, &b);
	loop_add_timer(l, now_ms() - 5, on_timer, &c);
	a.other = ib;
	b.other = ia;
	assert_int_equal(loop_once(l, 0), 2);
	assert_int_equal(a.t.calls + b.t.calls, 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(loop_once(l, 0), 0);
	assert_int_equal(a.t.calls + b.t.calls, 1);
	loop_free(l);
}

/*
 * Due timers whose callbacks remove a timer that is not due: the other due
 * timers all still fire in that round.
 */
struct tdel {
	struct tick t;
	unsigned victim;
};

static void on_timer_del_victim(struct loop *l, void *data)
{
	struct tdel *td = data;

	on_timer(l, &td->t);
	loop_del_timer(l, td->victim);
}

static void timer_callback_deletes_pending_timer(void **state)
{
	struct loop *l = loop_new();
	struct tick far = {0};
	struct tdel a = {{0}, 0}, b = {{0}, 0};
	unsigned ifar;
	int r;

	(void)state;
	ifar = loop_add_timer(l, now_ms() + 60000, on_timer, &far);
	loop_add_timer(l, now_ms() - 5, on_timer_del_victim, &a);
	loop_add_timer(l, now_ms() - 5, on_timer_del_victim, &b);
	a.victim = b.victim = ifar;
	r = loop_once(l, 0);
	assert_int_equal(r, 2);
	assert_int_equal(a.t.calls, 1);
	assert_int_equal(b.t.calls, 1);
	assert_int_equal(far.calls, 0);
	assert_int_equal(loop_once(l, 0), 0);
	loop_free(l);
}

static void nearest_timer_shortens_wait(void **state)
{
	struct loop *l = loop_new();
	struct tick t = {0}, later = {0};
	struct rec r = {0};
	int p[2];
	double t0, dt;
	int ran;

	(void)state;
	make_pipe(p);
	loop_add_fd(l, p[0], POLLIN, on_fd, &r);
	t0 = now_ms();
	loop_add_timer(l, t0 + 5000, on_timer, &later);
	t.at = t0 + 50;
	loop_add_timer(l, t.at, on_timer, &t);
	ran = loop_once(l, -1);
	dt = now_ms() - t0;
	if (dt < 49 || dt >= 50 + SLACK_MS)
		fail_msg("loop_once(-1) with a 50 ms timer returned after %.1f ms", dt);
	assert_int_equal(ran, 1);
	assert_int_equal(t.calls, 1);
	assert_int_equal(later.calls, 0);

	/* and a max_ms longer than the timer */
	t.calls = 0;
	t0 = now_ms();
	t.at = t0 + 50;
	loop_add_timer(l, t.at, on_timer, &t);
	ran = loop_once(l, 4000);
	dt = now_ms() - t0;
	if (dt < 49 || dt >= 50 + SLACK_MS)
		fail_msg("loop_once(4000) with a 50 ms timer returned after %.1f ms", dt);
	assert_int_equal(ran, 1);
	assert_int_equal(t.calls, 1);
	assert_int_equal(r.calls, 0);
	loop_free(l);
	close_pipe(p);
}

/* ---- signals ---- */

struct sig {
	int calls;
	uint32_t signo;
	int32_t code;
	uint32_t pid;
	bool was_blocked;
	int order;
};

static void on_signal(struct loop *l, const struct signalfd_siginfo *si, void *data)
{
	struct sig *s = data;

	(void)l;
	s->calls++;
	s->signo = si->ssi_signo;
	s->code = si->ssi_code;
	s->pid = si->ssi_pid;
	s->was_blocked = blocked((int)si->ssi_signo);
	s->order = ++sequence;
}

static void signal_runs_in_loop(void **state)
{
	struct loop *l;
	struct sig s = {0};
	double deadline;

	(void)state;
	unblock(SIGUSR1);
	l = loop_new();
	assert_int_equal(loop_add_signal(l, SIGUSR1, on_signal, &s), 0);
	assert_true(blocked(SIGUSR1));
	/* blocked: the process does not die of it, the loop reads it */
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	deadline = now_ms() + SLACK_MS;
	while (!s.calls && now_ms() < deadline)
		loop_once(l, 500);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.signo, SIGUSR1);
	assert_int_equal(s.code, SI_USER);
	assert_int_equal(s.pid, (uint32_t)getpid());
	assert_true(s.was_blocked);
	assert_true(blocked(SIGUSR1));
	/* read: not again */
	assert_int_equal(loop_once(l, 20), 0);
	assert_int_equal(s.calls, 1);

	/* twice more, the loop's wait of -1 is what it wakes from */
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(loop_once(l, -1), 1);
	assert_int_equal(s.calls, 2);
	loop_free(l);
	assert_false(blocked(SIGUSR1));
}

static void two_signals(void **state)
{
	struct loop *l;
	struct sig s1 = {0}, s2 = {0};
	double deadline;

	(void)state;
	unblock(SIGUSR1);
	unblock(SIGUSR2);
	l = loop_new();
	assert_int_equal(loop_add_signal(l, SIGUSR1, on_signal, &s1), 0);
	assert_int_equal(loop_add_signal(l, SIGUSR2, on_signal, &s2), 0);
	assert_true(blocked(SIGUSR1));
	assert_true(blocked(SIGUSR2));
	assert_int_equal(kill(getpid(), SIGUSR2), 0);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	deadline = now_ms() + SLACK_MS;
	while ((!s1.calls || !s2.calls) && now_ms() < deadline)
		loop_once(l, 500);
	assert_int_equal(s1.calls, 1);
	assert_int_equal(s2.calls, 1);
	assert_int_equal(s1.signo, SIGUSR1);
	assert_int_equal(s2.signo, SIGUSR2);
	loop_free(l);
	assert_false(blocked(SIGUSR1));
	assert_false(blocked(SIGUSR2));
}

static void free_restores_mask(void **state)
{
	struct loop *l;
	sigset_t before, child, after;
	struct sig s = {0};

	(void)state;
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &before), 0);
	unblock(SIGUSR1);
	block(SIGUSR2);    /* blocked before the loop: stays blocked after it */

	l = loop_new();
	/* nothing taken yet: the child mask is the process's */
	loop_child_mask(l, &child);
	assert_int_equal(sigismember(&child, SIGUSR1), 0);
	assert_int_equal(sigismember(&child, SIGUSR2), 1);

	assert_int_equal(loop_add_signal(l, SIGUSR1, on_signal, &s), 0);
	assert_int_equal(loop_add_signal(l, SIGHUP, on_signal, &s), 0);
	assert_true(blocked(SIGUSR1));
	assert_true(blocked(SIGHUP));
	/* the mask from before the loop took signals, not the current one */
	loop_child_mask(l, &child);
	assert_int_equal(sigismember(&child, SIGUSR1), 0);
	assert_int_equal(sigismember(&child, SIGHUP), 0);
	assert_int_equal(sigismember(&child, SIGUSR2), 1);

	loop_free(l);
	assert_false(blocked(SIGUSR1));
	assert_false(blocked(SIGHUP));
	assert_true(blocked(SIGUSR2));
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &after), 0);
	assert_int_equal(sigismember(&after, SIGUSR1), 0);

	assert_int_equal(sigprocmask(SIG_SETMASK, &before, NULL), 0);
}

/* ---- wakes ---- */

struct wake {
	int calls;
	pthread_t thread;
	struct loop *l;
	int order;
};

static void on_wake(struct loop *l, void *data)
{
	struct wake *w = data;

	w->calls++;
	w->thread = pthread_self();
	w->l = l;
	w->order = ++sequence;
}

struct waker {
	struct loop *l;
	int delay_ms;
	int times;
};

static void *waker_main(void *arg)
{
	struct waker *wk = arg;
	int i;

	if (wk->delay_ms)
		sleep_ms(wk->delay_ms);
	for (i = 0; i < wk->times; i++)
		loop_wake(wk->l);
	return NULL;
}

static void wake_from_thread(void **state)
{
	struct loop *l = loop_new();
	struct wake w = {0};
	struct tick guard = {0};
	struct waker wk = {l, 50, 1};
	pthread_t th;
	double t0, dt;
	int ran;

	(void)state;
	assert_int_equal(loop_on_wake(l, on_wake, &w), 0);
	/* so that a lost wake fails the test instead of hanging it */
	loop_add_timer(l, now_ms() + 50 + SLACK_MS, on_timer, &guard);
	assert_int_equal(pthread_create(&th, NULL, waker_main, &wk), 0);
	t0 = now_ms();
	ran = loop_once(l, -1);
	dt = now_ms() - t0;
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(guard.calls, 0);
	assert_int_equal(ran, 1);
	assert_int_equal(w.calls, 1);
	assert_ptr_equal(w.l, l);
	assert_true(pthread_equal(w.thread, pthread_self()));
	assert_true(dt < 50 + SLACK_MS);
	/* consumed */
	assert_int_equal(loop_once(l, 0), 0);
	assert_int_equal(w.calls, 1);
	loop_free(l);
}

static void many_wakes_one_callback(void **state)
{
	struct loop *l = loop_new();
	struct wake w = {0};
	struct waker wk = {l, 0, 250};
	pthread_t th[4];
	int i;

	(void)state;
	/* no wake callback yet: a wake is a no-op */
	loop_wake(l);
	assert_int_equal(loop_once(l, 0), 0);

	assert_int_equal(loop_on_wake(l, on_wake, &w), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, waker_main, &wk), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	loop_wake(l);
	loop_wake(l);
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(w.calls, 1);
	assert_true(pthread_equal(w.thread, pthread_self()));
	assert_int_equal(loop_once(l, 0), 0);
	assert_int_equal(w.calls, 1);
	/* and again */
	loop_wake(l);
	assert_int_equal(loop_once(l, -1), 1);
	assert_int_equal(w.calls, 2);
	loop_free(l);
}

/* ---- interrupt ---- */

static void on_fd_interrupt(struct loop *l, int fd, short revents, void *data)
{
	on_fd_drain(l, fd, revents, data);
	loop_interrupt(l);
}

static void interrupt_set_and_cleared(void **state)
{
	struct loop *l = loop_new();
	struct rec r = {0};
	int p[2];

	(void)state;
	assert_false(loop_take_interrupt(l));
	loop_interrupt(l);
	assert_true(loop_take_interrupt(l));
	assert_false(loop_take_interrupt(l));
	loop_interrupt(l);
	loop_interrupt(l);
	assert_true(loop_take_interrupt(l));
	assert_false(loop_take_interrupt(l));

	/* from a callback; a round by itself neither sets nor clears it */
	make_pipe(p);
	loop_add_fd(l, p[0], POLLIN, on_fd_interrupt, &r);
	assert_int_equal(loop_once(l, 0), 0);
	assert_false(loop_take_interrupt(l));
	put(p[1]);
	assert_int_equal(loop_once(l, 1000), 1);
	assert_int_equal(loop_once(l, 0), 0);
	assert_true(loop_take_interrupt(l));
	assert_false(loop_take_interrupt(l));
	loop_free(l);
	close_pipe(p);
}

/* ---- order within a round, and loop_free ---- */

static void order_signals_fds_timers(void **state)
{
	struct loop *l;
	struct sig s = {0};
	struct rec r = {0};
	struct tick t = {0};
	int p[2];

	(void)state;
	unblock(SIGUSR1);
	l = loop_new();
	make_pipe(p);
	loop_add_fd(l, p[0], POLLIN, on_fd_drain, &r);
	loop_add_timer(l, now_ms() - 1, on_timer, &t);
	assert_int_equal(loop_add_signal(l, SIGUSR1, on_signal, &s), 0);
	put(p[1]);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(loop_once(l, 1000), 3);
	assert_int_equal(s.calls, 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(t.calls, 1);
	assert_true(s.order < r.order);
	assert_true(r.order < t.order);
	loop_free(l);
	close_pipe(p);
	assert_false(blocked(SIGUSR1));
}

static void free_everything(void **state)
{
	struct loop *l;
	struct rec r[3] = {{0}};
	struct tick t[5] = {{0}};
	struct sig s = {0};
	struct wake w = {0};
	int p[3][2], fds_before, i;
	sigset_t before, after;

	(void)state;
	loop_free(NULL);
	unblock(SIGUSR1);
	unblock(SIGUSR2);
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &before), 0);
	fds_before = open_fds();

	l = loop_new();
	for (i = 0; i < 3; i++) {
		make_pipe(p[i]);
		loop_add_fd(l, p[i][0], POLLIN, on_fd, &r[i]);
	}
	loop_del_fd(l, p[1][0]);     /* a hole left in the array */
	for (i = 0; i < 5; i++)
		loop_add_timer(l, now_ms() + 60000 + i, on_timer, &t[i]);
	assert_int_equal(loop_add_signal(l, SIGUSR1, on_signal, &s), 0);
	assert_int_equal(loop_add_signal(l, SIGUSR2, on_signal, &s), 0);
	assert_int_equal(loop_on_wake(l, on_wake, &w), 0);
	assert_int_equal(loop_on_wake(l, on_wake, &w), 0);   /* again: the same eventfd */
	put(p[0][1]);
	loop_wake(l);
	assert_int_equal(loop_once(l, 1000), 2);
	loop_del_fd(l, p[2][0]);
	loop_free(l);

	for (i = 0; i < 3; i++)
		close_pipe(p[i]);
	/* the signalfd and the eventfd are closed */
	assert_int_equal(open_fds(), fds_before);
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &after), 0);
	assert_int_equal(sigismember(&after, SIGUSR1), 0);
	assert_int_equal(sigismember(&after, SIGUSR2), 0);
	/* the heap is checked by LeakSanitizer at exit (make SAN=1) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fd_readable),
		cmocka_unit_test(fd_hangup),
		cmocka_unit_test(fd_count_of_callbacks),
		cmocka_unit_test(zero_wait_returns_at_once),
		cmocka_unit_test(timeout_without_events),
		cmocka_unit_test(add_fd_replaces),
		cmocka_unit_test(del_fd_stops),
		cmocka_unit_test(callback_deletes_itself),
		cmocka_unit_test(callback_deletes_another_ready_fd),
		cmocka_unit_test(callback_adds_fds),
		cmocka_unit_test(reused_number_between_rounds),
		cmocka_unit_test(reused_number_within_round),
		cmocka_unit_test(timer_fires_once_when_due),
		cmocka_unit_test(due_timers_fire_later_ones_wait),
		cmocka_unit_test(del_timer_prevents),
		cmocka_unit_test(timer_ids_never_zero),
		cmocka_unit_test(timer_callback_adds_timer),
		cmocka_unit_test(timer_added_by_timer_waits_a_round),
		cmocka_unit_test(timer_callback_deletes_due_timer),
		cmocka_unit_test(timer_callback_deletes_pending_timer),
		cmocka_unit_test(nearest_timer_shortens_wait),
		cmocka_unit_test(signal_runs_in_loop),
		cmocka_unit_test(two_signals),
		cmocka_unit_test(free_restores_mask),
		cmocka_unit_test(wake_from_thread),
		cmocka_unit_test(many_wakes_one_callback),
		cmocka_unit_test(interrupt_set_and_cleared),
		cmocka_unit_test(order_signals_fds_timers),
		cmocka_unit_test(free_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
