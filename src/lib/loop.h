/*
 * loop: the one event loop of a relgate process (s6's iopause, redis's
 * ae): descriptors, timers and signals, waited for in one poll(2).
 *
 * Signals are taken from the process once, by the loop: those registered
 * are blocked and read from a signalfd, so that a handler runs in the
 * loop, never in signal context.  Another thread (libmicrohttpd's, a
 * pool's) never touches the loop's state: it calls loop_wake(), and the
 * loop's own thread runs the wake callback.  Nothing else in relgate calls
 * poll(2) or changes the signal mask.
 *
 * Callbacks may add and remove descriptors and timers, their own included.
 */
#ifndef RELGATE_LOOP_H
#define RELGATE_LOOP_H

#include <stdbool.h>
#include <signal.h>
#include <sys/signalfd.h>

struct loop;

typedef void loop_fd_fn(struct loop *l, int fd, short revents, void *data);
typedef void loop_signal_fn(struct loop *l, const struct signalfd_siginfo *si, void *data);
typedef void loop_timer_fn(struct loop *l, void *data);
typedef void loop_wake_fn(struct loop *l, void *data);

/* A loop with nothing registered.  NULL after an error message. */
struct loop *loop_new(void);
/* Free it and give the process back the signal mask it had. */
void loop_free(struct loop *l);

/*
 * Call fn when fd is ready for events (POLLIN, POLLOUT); POLLHUP and
 * POLLERR are always reported.  One registration per descriptor: a second
 * replaces the first.  fd must stay open until loop_del_fd().
 */
void loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn *fn, void *data);
void loop_del_fd(struct loop *l, int fd);

/*
 * Take signo from the process: it is blocked and delivered to fn from the
 * loop.  Up to LOOP_SIGNAL_FNS callbacks may take the same signal (the
 * supervisor's and its user's), called in the order they were added; the
 * same fn and data again is one.  Returns 0, or -1 after an error message.
 */
#define LOOP_SIGNAL_FNS 4
int loop_add_signal(struct loop *l, int signo, loop_signal_fn *fn, void *data);
/* Ignore signo (SIGPIPE: a closed pipe is an error to read, not a death). */
void loop_ignore_signal(struct loop *l, int signo);

/* The signal mask the process had before the loop took signals: for a child to exec with. */
void loop_child_mask(const struct loop *l, sigset_t *out);

/* Call fn once at at_ms (now_ms()'s clock); returns an id for loop_del_timer. */
unsigned loop_add_timer(struct loop *l, double at_ms, loop_timer_fn *fn, void *data);
/* Forget a timer that has not fired (an unknown id is no error). */
void loop_del_timer(struct loop *l, unsigned id);

/* Call fn in the loop after loop_wake() from any thread. */
int loop_on_wake(struct loop *l, loop_wake_fn *fn, void *data);
/* Safe from any thread, and from a signal handler. */
void loop_wake(struct loop *l);

/*
 * Ask whoever waits in a loop of loop_once() calls (sv_wait_for) to
 * return and look: a callback of its own has news for its caller.
 */
void loop_interrupt(struct loop *l);
/* Was loop_interrupt() called since the last look?  Clears it. */
bool loop_take_interrupt(struct loop *l);

/*
 * Wait at most max_ms (-1: until something happens; 0: only look) for a
 * descriptor, a signal, a due timer or a wake, and run their callbacks:
 * signals first, then descriptors, then timers.  Returns how many
 * callbacks ran, or -1 after an error message (EINTR is no error).
 */
int loop_once(struct loop *l, int max_ms);

#endif
