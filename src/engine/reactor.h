/* SPDX-License-Identifier: MIT */
/*
 * The engine's readiness reactor: one thread per ring (started lazily) that
 * waits for file readiness and timer deadlines, so that a read on an empty
 * pipe or socket, a POLL_ADD, a TIMEOUT or a LINK_TIMEOUT never parks a
 * worker.  This is the engine's FAST_POLL and its hrtimer.  The thread (and its
 * eventfd) leaves after about a second with nothing armed and comes back
 * with the next arming, so a quiet ring holds no thread.
 *
 * Contract:
 *  - entries are one-shot: after fn has been called the entry is disarmed;
 *    fn may re-arm it (reactor_arm() from inside fn is allowed);
 *  - any number of entries may wait on the same fd at once, with different
 *    event masks; an fd closed when armed reports POLLNVAL at once; an fd
 *    closed while armed is no longer watched once its file has no other
 *    reference (epoll forgets it): its entries wait until cancelled, as the
 *    kernel's io_uring keeps a request armed whose fd is closed (it holds
 *    the file; the engine's requests hold a duplicate, req_hold_file());
 *  - a waiting fd costs nothing until it is ready (one epoll set), and an
 *    event costs the entries of its own fd only;
 *  - fn runs in the reactor thread, or in a thread that calls
 *    reactor_run_ready(), and must not block;
 *  - reactor_cancel() after which fn has not started guarantees fn never runs;
 *    if fn is running (in the reactor thread or inline) at that moment,
 *    reactor_cancel() returns false (it does not wait, so it may be called
 *    from fn itself).
 * All functions are thread-safe.
 */
#ifndef RINGER_ENGINE_REACTOR_H
#define RINGER_ENGINE_REACTOR_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct ringer_reactor;
struct reactor_entry;

typedef void (*reactor_fn)(struct reactor_entry *e, uint32_t revents);

struct reactor_entry {
	/* set by the caller before arming */
	int fd; /* for reactor_arm(); -1 for timers */
	uint32_t events; /* POLLIN, POLLOUT, ... (poll(2) bits) */
	reactor_fn fn; /* revents: poll(2) bits, or 0 when a timer expired */
	/*
	 * A re-arming: e was armed on this fd before, the number still names
	 * the same file (the caller holds it), and the caller saw it not
	 * ready for events after e last fired (an -EAGAIN, a receive that
	 * emptied the queue).  The reactor then relies on its registration's
	 * edges and makes no system call.  False: it asks the file.
	 */
	bool rearm;

	/* private to the reactor */
	struct reactor_entry *r_next, *r_prev;
	uint64_t r_deadline_ns;
	uint64_t r_seq; /* a timer's arming order: ties fire in it */
	int r_clock;
	unsigned r_state;
	unsigned r_heap; /* a timer's place in its clock's heap */
};

int reactor_create(struct ringer_reactor **out);

/*
 * Wait for e->events on e->fd; 0 or -errno (-EBADF for a negative fd, -EBUSY
 * if e is armed already).  fn gets the bits of e->events that are ready, plus
 * POLLERR, POLLHUP or POLLNVAL (at once for a closed fd; a file epoll cannot
 * watch, e.g. a regular file, is ready as poll(2) reports it).  -ENOMEM.
 * Where no fd can be had for the epoll set (RLIMIT_NOFILE), the reactor
 * polls its armed fds in ticks instead.
 */
int reactor_arm(struct ringer_reactor *r, struct reactor_entry *e);

/*
 * Call e->fn(e, 0) when clock (CLOCK_MONOTONIC, CLOCK_BOOTTIME or
 * CLOCK_REALTIME) reaches deadline_ns (absolute, nanoseconds).  A deadline
 * in the past fires at once (from the reactor thread).  0 or -errno (-EINVAL
 * for another clock, -EBUSY if e is armed already, -ENOMEM).  Due timers
 * fire in deadline order, across clocks too, ties in arming order.  Arming
 * and cancelling a timer cost O(log n) in the timers armed.
 */
int reactor_arm_timer(struct ringer_reactor *r, struct reactor_entry *e,
		      int clock, uint64_t deadline_ns);

/*
 * The engine is about to close fd, a number of its own with no entry armed
 * on it: its registration leaves the set.  epoll keys one by (file, fd
 * number) and keeps it as long as the file lives, which a program's own fd
 * for the same file makes forever: without this, every number the engine
 * closes and reuses for another file would leave one behind.
 */
void reactor_forget_fd(struct ringer_reactor *r, int fd);

/* Disarm; true if fn will never run for this arming (see above). */
bool reactor_cancel(struct ringer_reactor *r, struct reactor_entry *e);

/*
 * Run in the calling thread what the reactor has ready now, as the kernel
 * runs task work in the thread that enters to wait: the fd events a
 * zero-timeout look at the epoll set finds, and the entries already on the
 * ready list (fd entries and timers the thread expired).  If the reactor
 * thread is running an fn meanwhile, wait until that fn returns and look
 * again, so that nothing ready at the call is left half done in another
 * thread when this returns.  A bounded number of passes (an fd that stays
 * ready does not hold the caller for ever); timers not due yet stay with
 * the thread.  The number of fns run here.  Then, if no fd work is armed,
 * ready or running any more, the busy bit (below) goes off.  Returns 0 at
 * once from an fn in the reactor thread; not concurrently with
 * reactor_destroy().
 */
unsigned reactor_run_ready(struct ringer_reactor *r);

/*
 * The waiter: one thread at a time that waits for CQEs (cq.c) may sleep in
 * the reactor's epoll set itself, so that the fd events it gets run in it
 * (as reactor_run_ready()) without a hop through the reactor thread: epoll
 * hands an event to the thread that slept in the set last.
 * reactor_waiter_claim() makes the caller the waiter and returns the
 * eventfd that wakes it (a write is an edge; nobody reads it), or -1 if it
 * cannot be (another thread is the waiter, no reactor thread or no fds to
 * be had, or the caller is the reactor thread or runs fns).  While claimed,
 * the reactor thread stays.  reactor_waiter_sleep(): sleep for rel at most
 * (NULL: no limit) with mask as the signal mask during the sleep (NULL:
 * the thread's), unless a wake-up came since the last one or entries are
 * ready; then run the ready entries the sleep made or found, as
 * reactor_run_ready() does (one pass).  0 (woken, or the time passed), or
 * the sleep's error (-EINTR: a handled signal).  Timers stay with the
 * reactor thread.  reactor_waiter_release() ends it.
 */
int reactor_waiter_claim(struct ringer_reactor *r);
int reactor_waiter_sleep(struct ringer_reactor *r, const struct timespec *rel,
			 const sigset_t *mask);
void reactor_waiter_release(struct ringer_reactor *r);

/*
 * Around the submission of an enter that will run the ready work itself
 * afterwards (GETEVENTS: reactor_run_ready() or a waiter's sleep): the
 * reactor thread leaves the set's events to it meanwhile, as to a waiter,
 * so that a server submitting a large batch receives what came during it
 * with one epoll_wait in its own thread.  The caller must reach
 * reactor_run_ready() or reactor_waiter_claim() after _end().
 */
void reactor_submit_begin(struct ringer_reactor *r);
void reactor_submit_end(struct ringer_reactor *r);

/*
 * While fd work is armed, set bit in *word (an atomic OR): reactor_arm() sets
 * it; only reactor_run_ready() clears it, when it leaves no fd entry armed,
 * ready or running.  So a reader that saw the bit clear may trust that the
 * last reactor_run_ready() left nothing behind, and one that sees it set
 * calls reactor_run_ready() to find out (the ring's IORING_SQ_TASKRUN).
 */
void reactor_set_busy_flag(struct ringer_reactor *r, _Atomic unsigned *word, unsigned bit);

/* Entries looked at for fd events so far: a count of work for tests (an
 * event looks at the entries of its own fd, never at all armed ones). */
uint64_t reactor_nr_looked(struct ringer_reactor *r);

/* Number of threads the reactor runs now: 0 or 1 (for leak checks). */
unsigned reactor_nr_threads(struct ringer_reactor *r);

/*
 * Stop the thread and free the reactor.  Entries still armed are disarmed
 * and cancelled(e) is called for each (may be NULL).  An fn running at that
 * moment finishes first (what it arms is cancelled too).  Not from fn.
 */
void reactor_destroy(struct ringer_reactor *r, void (*cancelled)(struct reactor_entry *e));

#endif /* RINGER_ENGINE_REACTOR_H */
