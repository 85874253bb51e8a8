/* SPDX-License-Identifier: MIT */
/*
 * The engine's readiness reactor (see reactor.h for the contract).
 *
 * One thread, started with the first arming, loops on one epoll set, so that
 * thousands of idle armed fds cost nothing and a ready one is found without
 * a scan.  Several entries may wait on one fd with different masks: each fd
 * number has a struct fdstate (a table indexed by fd) holding its armed
 * entries, registered once in the set with the union of their masks.  The
 * registration is edge-triggered and stays: an event moves the entries it
 * satisfies to the ready list, and what none of them took is kept in the
 * fdstate (pending), for an entry armed later.  An entry armed after the
 * edge must still see a state that is already ready (an arming finds the fd
 * ready at once, as vfs_poll() does in the kernel): so an arming rewrites
 * the registration (EPOLL_CTL_MOD), which polls the file and reports what
 * is ready now, one system call; except a re-arming (e->rearm: the caller
 * holds the number and saw the fd not ready since its entry last fired, an
 * -EAGAIN), which an edge after that sight wakes, or the pending bits of
 * one taken meanwhile: none.  An event that finds no entry at all on its fd
 * (a readiness nobody waits for) removes the registration, so that an idle
 * fd costs no wake-up per edge; the next arming adds it again.  A cancel
 * costs none.
 *
 * A closed fd: epoll forgets a file when its last reference goes, without
 * an event.  The kernel's io_uring holds the file of a pending request, so
 * closing the fd number changes nothing for it; the engine's requests hold a
 * duplicate of their file while they wait here (req_hold_file()), which
 * gives the same result.  An entry armed on an fd that is already closed
 * gets POLLNVAL at once.  epoll keys a registration by (file, fd number), so
 * a number that was closed and reused names another file: each fdstate
 * carries a generation, bumped whenever it goes from no entries to some, in
 * the event's data next to the fd, and an event of an older generation (of a
 * file that no longer has that number) is ignored.  Such a registration
 * stays in the set as long as its file lives; the engine's own numbers (a
 * request's held duplicate, a registered file) leave it before they close
 * (reactor_forget_fd()), so only a number the program closes while it is
 * armed can leave one behind.  A file epoll cannot
 * watch (regular files, EPERM) is always ready, as poll(2) reports it.
 *
 * The thread's eventfd, polled next to the set, wakes it when another
 * thread changed what the reactor waits for in a way epoll does not see (a
 * new earliest timer, an entry made ready by arming, teardown).  After
 * IDLE_EXIT_NS with nothing armed the thread closes the set and the
 * eventfds and leaves; the next arming joins it and starts a new one.
 *
 * Every entry is in exactly one place: its fdstate's list of armed entries,
 * the orphans (see fd_update()) or the ready list (fired, fn not started),
 * linked through r_next/r_prev,
 * or the timer heap of its clock (a binary min-heap on deadline, then arming
 * order, r_heap its index there: thousands of timeouts armed in any order
 * cost O(log n) each to arm and cancel).  The reactor thread takes one ready
 * entry at a time, marks it idle under the lock and calls fn without the
 * lock: so a cancel before that point removes it (true), a cancel after it
 * finds it idle (false), and the reactor never touches an entry after
 * calling its fn (fn may free it).
 *
 * Inline runs (reactor_run_ready(), the kernel's task work run by the
 * thread that enters to wait): any thread may take the set's events and the
 * ready entries and run their fns as the reactor thread does.  So that it
 * can tell when nothing is left half done elsewhere, events are taken only
 * under the lock with a zero-timeout epoll_wait (collect_events()): the
 * thread sleeps in poll(2) on the epoll fd, which reports that the set has
 * events without taking them.  What is left is an fn the thread runs: the
 * caller waits for it (thread_in_fn, fn_done) before it starts, and the
 * thread starts none while an inline run goes on (inline_active): fns never
 * run two at a time, as with the thread alone.
 *
 * The waiter (reactor_waiter_claim(): a thread waiting for CQEs, cq.c)
 * sleeps in the set's epoll_wait itself and applies and runs what it takes,
 * so that a server waiting for its next request receives it in its own
 * thread, without a wake-up of the reactor thread and a second one of its
 * own.  Both threads would wake for each event if the reactor thread
 * watched the set meanwhile (poll(2) on an epoll fd wakes with its
 * epoll_wait), so while a waiter is claimed the thread sleeps on its
 * eventfd and timers only.  It looks every WAITER_LINGER_NS whether the
 * program is gone (it may stop waiting for a long while: then the thread
 * watches the set again, the next event at most about twice that late); a
 * look that finds the same wait as the last one, nothing else having come
 * and gone, sleeps until the waiter's release wakes it (parked).  The
 * waiter is woken by an eventfd of its own in the set: CQEs that others
 * post (cq.c) write it.
 *
 * Private fields: r_deadline_ns holds the deadline of a timer; r_clock holds
 * the clock index of a timer, or revents once the entry is ready.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "engine/reactor.h"
#include "engine/sys.h"
#include "engine/thread.h"

/* Entry states (r_state): a zeroed entry is idle, and uninitialized memory
 * is unlikely to look armed. */
enum {
	R_IDLE = 0,
	R_ARMED_FD = 0x52a1,
	R_ARMED_TIMER = 0x52a2,
	R_READY = 0x52a3,
	R_ORPHAN = 0x52a4, /* its file is gone from its fd number */
};

#define NR_CLOCKS 3
/* Longest sleep while a REALTIME or BOOTTIME timer is pending: the wait's
 * own timeout runs on the monotonic clock, so a clock step or a suspend is
 * caught at the latest this late. */
#define MAX_SLEEP_NS 1000000000ULL
/* With nothing armed this long, the thread, its epoll set and its eventfd go
 * away (a quiet ring holds no thread); the next arming starts them again. */
#define IDLE_EXIT_NS 1000000000ULL
/* Wait period of a reactor that could get no eventfd (RLIMIT_NOFILE). */
#define TICK_NS 1000000ULL
/* Events taken per epoll_wait. */
#define NR_EVENTS 256
/* The waiter's eventfd's epoll data (reactor_waiter_claim()): no fd number
 * with a generation looks like it. */
#define WAITER_DATA UINT64_MAX
/* While a waiter, a submitter or a recent visit keeps the thread off the
 * set, it looks again this long after it last woke whether they are gone;
 * one still waiting or submitting then parks it until its end. */
#define WAITER_LINGER_NS 1000000ULL
/* Events the waiter takes per sleep. */
#define NR_WAITER_EVENTS 64
/* What poll(2) reports for a file without a poll method (epoll: EPERM). */
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
/* Always reported, asked for or not. */
#define ALWAYS (POLLERR | POLLHUP | POLLNVAL)

struct elist {
	struct reactor_entry *head, *tail;
};

struct theap {
	struct reactor_entry **v;
	unsigned n, cap;
};

/* One fd number's armed entries and its registration in the epoll set. */
struct fdstate {
	struct elist entries;
	uint32_t mask; /* registered for */
	uint32_t gen; /* generation, in the event data next to the fd */
	uint32_t pending; /* events reported since the registration polled the
			   * file that no entry took (for a re-arming) */
	bool in_set; /* registered (perhaps for a closed file) */
};

struct ringer_reactor {
	pthread_mutex_t lock;
	pthread_t thread;
	bool started; /* the thread runs */
	bool exited; /* it left after idling and awaits its join */
	bool stopping, polling;
	int evfd; /* -1 while no thread runs, or when none could be had */
	int epfd; /* -1 while no thread runs */
	uint64_t idle_since; /* monotonic ns; 0: something is armed */

	struct fdstate **fdtab; /* indexed by fd */
	unsigned fdtab_size;
	unsigned nr_fds; /* armed fd entries */
	uint64_t nr_looked; /* entries looked at for fd events (a work count) */
	struct theap timers[NR_CLOCKS];
	uint64_t timer_seq; /* arming order of timers */
	struct elist ready;
	/* fd entries whose file no longer has their fd number (closed, the
	 * number reused): they wait until cancelled, as a kernel request on a
	 * file that nobody can make ready any more. */
	struct elist orphans;

	/* fns running now, in the thread or inline (reactor_run_ready()) */
	unsigned nr_running;
	/* The thread runs an fn; thread_fns counts the ones it finished, and
	 * fn_done is signalled then when fn_waiters wait for that. */
	bool thread_in_fn;
	/* A reactor_run_ready() runs fns in inline_owner: the thread runs
	 * none meanwhile, so that fns never run two at a time (they were
	 * written for one reactor thread: a read's completion and its link
	 * timeout's expiry, for one, must not overlap) */
	bool inline_active;
	pthread_t inline_owner;
	uint64_t thread_fns;
	unsigned fn_waiters;
	pthread_cond_t fn_done;
	/* reactor_set_busy_flag(): bit in *busy_word, set (busy_set) while fd
	 * work is armed */
	_Atomic unsigned *busy_word;
	unsigned busy_bit;
	bool busy_set;

	/*
	 * The waiter (reactor_waiter_claim()): a thread that sleeps in the
	 * set itself, woken through waiter_evfd (in the set as WAITER_DATA).
	 * waiter_sleeping: it is in epoll_wait, or about to be; an edge of
	 * its eventfd that another thread takes then is written again for it,
	 * otherwise noted in waiter_pending for its next sleep.
	 */
	int waiter_evfd;
	bool waiter_claimed, waiter_sleeping, waiter_pending;
	/* The thread has looked once after WAITER_LINGER_NS, found the
	 * waiter still there, and sleeps without looking again: the
	 * waiter's release wakes it. */
	bool parked;
	/* Threads between reactor_submit_begin() and _end(): each runs the
	 * ready work itself next (an enter with GETEVENTS). */
	unsigned submitting;
	/* Waiter claims and releases, inline runs, submits so far: the
	 * thread tells a program that entered since its last look (a server
	 * between two enters) from one that did not.  Changed under the
	 * lock; read without it too, as a hint only (relaxed). */
	_Atomic unsigned visits;
	/* The waiter's sleep has returned (stored before it takes the
	 * lock): an edge of its eventfd that another thread takes then
	 * needs no new write, it looks at the CQ next. */
	atomic_bool waiter_up;

	/* Events taken by epoll_wait, under the lock (collect_events()). */
	struct epoll_event ev[NR_EVENTS];
	/* The waiter's, taken in its sleep and applied under the lock. */
	struct epoll_event wev[NR_WAITER_EVENTS];
};

static const clockid_t clock_ids[NR_CLOCKS] = { CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME };

static int clock_index(int clock)
{
	switch (clock) {
	case CLOCK_MONOTONIC:
		return 0;
	case CLOCK_BOOTTIME:
		return 1;
	case CLOCK_REALTIME:
		return 2;
	}
	return -1;
}

static uint64_t clock_now(unsigned ci)
{
	struct timespec ts;

	clock_gettime(clock_ids[ci], &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- lists ------------------------------------------------------------------ */

static void list_add_tail(struct elist *l, struct reactor_entry *e)
{
	e->r_next = NULL;
	e->r_prev = l->tail;
	if (l->tail)
		l->tail->r_next = e;
	else
		l->head = e;
	l->tail = e;
}

static void list_del(struct elist *l, struct reactor_entry *e)
{
	if (e->r_prev)
		e->r_prev->r_next = e->r_next;
	else
		l->head = e->r_next;
	if (e->r_next)
		e->r_next->r_prev = e->r_prev;
	else
		l->tail = e->r_prev;
	e->r_next = e->r_prev = NULL;
}

/* ---- timer heaps ------------------------------------------------------------- */

static bool timer_before(const struct reactor_entry *a, const struct reactor_entry *b)
{
	if (a->r_deadline_ns != b->r_deadline_ns)
		return a->r_deadline_ns < b->r_deadline_ns;
	return a->r_seq < b->r_seq;
}

static void heap_set(struct theap *h, unsigned i, struct reactor_entry *e)
{
	h->v[i] = e;
	e->r_heap = i;
}

static void sift_up(struct theap *h, unsigned i)
{
	struct reactor_entry *e = h->v[i];

	while (i && timer_before(e, h->v[(i - 1) / 2])) {
		heap_set(h, i, h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(h, i, e);
}

static void sift_down(struct theap *h, unsigned i)
{
	struct reactor_entry *e = h->v[i];

	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && timer_before(h->v[c + 1], h->v[c]))
			c++;
		if (!timer_before(h->v[c], e))
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, e);
}

static struct reactor_entry *heap_top(const struct theap *h)
{
	return h->n ? h->v[0] : NULL;
}

static int heap_push(struct theap *h, struct reactor_entry *e)
{
	if (h->n == h->cap) {
		unsigned cap = h->cap ? 2 * h->cap : 64;
		struct reactor_entry **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	heap_set(h, h->n++, e);
	sift_up(h, h->n - 1);
	return 0;
}

static void heap_del(struct theap *h, struct reactor_entry *e)
{
	unsigned i = e->r_heap;
	struct reactor_entry *last = h->v[--h->n];

	if (i == h->n)
		return;
	heap_set(h, i, last);
	if (i && timer_before(last, h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

/* ---- the thread --------------------------------------------------------------- */

/* Another thread changed what the reactor waits for: make its poll return.
 * Lock held. */
static void wake(struct ringer_reactor *r)
{
	uint64_t one = 1;

	if (r->polling && r->evfd >= 0) {
		/* Can only fail with EAGAIN when the counter is saturated, which
		 * already means a pending wake-up. */
		if (sys_write(r->evfd, &one, sizeof(one)) < 0) {
		}
	}
}

/* A program's thread came or went (lock held): see visits. */
static void visit(struct ringer_reactor *r)
{
	atomic_fetch_add_explicit(&r->visits, 1, memory_order_relaxed);
}

static unsigned nr_visits(struct ringer_reactor *r)
{
	return atomic_load_explicit(&r->visits, memory_order_relaxed);
}

/* An entry is ready (lock held): whoever runs fns must see it.  An fn this
 * thread runs inline made it: this run, or the waiter's next look, runs
 * it (reactor_run_ready() and reactor_waiter_release() wake the thread
 * for what they leave). */
static void wake_for_ready(struct ringer_reactor *r)
{
	if (!(r->inline_active && pthread_equal(pthread_self(), r->inline_owner)))
		wake(r);
}

/* Lock held.  fd's fdstate, made if need be and make (NULL: none, or out of
 * memory). */
static struct fdstate *fd_state(struct ringer_reactor *r, int fd, bool make)
{
	unsigned n = (unsigned)fd;

	if (n < r->fdtab_size && r->fdtab[n])
		return r->fdtab[n];
	if (!make)
		return NULL;
	if (n >= r->fdtab_size) {
		unsigned size = r->fdtab_size ? r->fdtab_size : 64;
		struct fdstate **t;

		while (size <= n)
			size *= 2;
		t = realloc(r->fdtab, size * sizeof(*t));
		if (!t)
			return NULL;
		memset(t + r->fdtab_size, 0, (size - r->fdtab_size) * sizeof(*t));
		r->fdtab = t;
		r->fdtab_size = size;
	}
	r->fdtab[n] = calloc(1, sizeof(struct fdstate));
	return r->fdtab[n];
}

/* Lock held; no fd entry armed (the set that held them is gone). */
static void fdtab_free(struct ringer_reactor *r)
{
	unsigned i;

	for (i = 0; i < r->fdtab_size; i++)
		free(r->fdtab[i]);
	free(r->fdtab);
	r->fdtab = NULL;
	r->fdtab_size = 0;
}

/* Lock held. */
static void make_ready(struct ringer_reactor *r, struct fdstate *fs, struct reactor_entry *e,
		       uint32_t revents)
{
	list_del(&fs->entries, e);
	r->nr_fds--;
	e->r_state = R_READY;
	e->r_clock = (int)revents;
	list_add_tail(&r->ready, e);
}

/*
 * Make fd's registration cover what its entries wait for (force: rewrite it
 * even if it seems to, for a new generation; fresh: the entry just armed, or
 * NULL).  If the number names another file than the one registered, the
 * entries armed before fresh waited on a file that is gone from the number:
 * orphans.  Entries it cannot be made for
 * are ready at once: POLLNVAL for a closed fd, poll(2)'s default mask for a
 * file epoll cannot watch, POLLERR when the set refuses it (ENOMEM, ENOSPC:
 * max_user_watches, ELOOP).  Lock held; true if it made any ready.
 */
static bool fd_update(struct ringer_reactor *r, int fd, struct fdstate *fs, bool force,
		      struct reactor_entry *fresh)
{
	struct reactor_entry *e, *next;
	struct epoll_event ev;
	uint32_t want = 0;
	bool made = false;
	int ret, err;

	for (e = fs->entries.head; e; e = e->r_next)
		want |= e->events & 0xffff;
	if (!fs->entries.head || (!force && fs->in_set && (fs->mask & want) == want))
		return false;
	if (r->epfd < 0)
		return false; /* poll_tick() looks at it */
	ev.events = want | EPOLLET;
	ev.data.u64 = (uint64_t)fs->gen << 32 | (uint32_t)fd;
	ret = sys_epoll_ctl(r->epfd, fs->in_set ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
	if (ret == -ENOENT) {
		/* The number names another file than the one registered: a
		 * new generation, so that the old file's events (if it lives
		 * on elsewhere) are ignored. */
		fs->gen++;
		while ((e = fs->entries.head) && e != fresh) {
			list_del(&fs->entries, e);
			e->r_state = R_ORPHAN;
			list_add_tail(&r->orphans, e);
		}
		if (!fs->entries.head) {
			fs->in_set = false;
			return false;
		}
		want = fresh->events & 0xffff;
		ev.events = want | EPOLLET;
		ev.data.u64 = (uint64_t)fs->gen << 32 | (uint32_t)fd;
		ret = sys_epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev);
	} else if (ret == -EEXIST) {
		ret = sys_epoll_ctl(r->epfd, EPOLL_CTL_MOD, fd, &ev);
	}
	if (!ret) {
		/* it polled the file: what is ready now is reported again */
		fs->in_set = true;
		fs->mask = want;
		fs->pending = 0;
		return false;
	}
	err = -ret;
	for (e = fs->entries.head; e; e = next) {
		uint32_t rev = POLLERR;

		next = e->r_next;
		if (err == EBADF)
			rev = POLLNVAL;
		else if (err == EPERM)
			rev = e->events & DEFAULT_POLLMASK; /* 0: waits, as in poll(2) */
		if (rev) {
			make_ready(r, fs, e, rev);
			made = true;
		}
	}
	return made;
}

/* An event of the set for an fd (lock held): its entries that asked for
 * what it reports are ready; the others wait on. */
static void fd_event(struct ringer_reactor *r, uint64_t data, uint32_t events)
{
	int fd = (int)(uint32_t)data;
	struct fdstate *fs = fd_state(r, fd, false);
	struct reactor_entry *e, *next;
	uint32_t taken = 0;

	/* An older generation: a file that number named before. */
	if (!fs || fs->gen != (uint32_t)(data >> 32))
		return;
	events &= 0xffff;
	if (!fs->entries.head) {
		/* Nobody waits: an edge per packet would wake us for nothing
		 * until the fd is closed.  Out of the set; the next arming
		 * adds it, polling the file. */
		if (fs->in_set)
			sys_epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
		fs->in_set = false;
		fs->pending = 0;
		return;
	}
	for (e = fs->entries.head; e; e = next) {
		/* Only what this entry asked for, plus what poll always
		 * reports. */
		uint32_t rev = events & (e->events | ALWAYS);

		next = e->r_next;
		r->nr_looked++;
		if (rev) {
			taken |= e->events | ALWAYS;
			make_ready(r, fs, e, rev);
		}
	}
	/* The edge is not reported again: keep what nobody took. */
	fs->pending |= events & ~taken;
}

/*
 * Move expired timers to the ready list, earliest deadline first across the
 * three clocks (by how far past its deadline each is, since the clocks differ
 * by constant offsets); return the poll timeout to the next deadline in ns
 * (UINT64_MAX: none).  Lock held.
 */
static uint64_t expire_timers(struct ringer_reactor *r)
{
	uint64_t now[NR_CLOCKS] = { 0 }, timeout = UINT64_MAX;
	unsigned ci;

	for (ci = 0; ci < NR_CLOCKS; ci++)
		if (r->timers[ci].n)
			now[ci] = clock_now(ci);
	for (;;) {
		struct reactor_entry *e, *best = NULL;
		uint64_t best_late = 0;
		unsigned best_ci = 0;

		for (ci = 0; ci < NR_CLOCKS; ci++) {
			e = heap_top(&r->timers[ci]);
			if (!e || e->r_deadline_ns > now[ci])
				continue;
			if (!best || now[ci] - e->r_deadline_ns > best_late) {
				best = e;
				best_ci = ci;
				best_late = now[ci] - e->r_deadline_ns;
			}
		}
		if (!best)
			break;
		heap_del(&r->timers[best_ci], best);
		best->r_state = R_READY;
		best->r_clock = 0; /* revents of a timer */
		list_add_tail(&r->ready, best);
	}
	for (ci = 0; ci < NR_CLOCKS; ci++) {
		struct reactor_entry *e = heap_top(&r->timers[ci]);
		uint64_t d;

		if (!e)
			continue;
		d = e->r_deadline_ns - now[ci];
		if (ci != 0 && d > MAX_SLEEP_NS)
			d = MAX_SLEEP_NS;
		if (d < timeout)
			timeout = d;
	}
	return timeout;
}

/*
 * Without an epoll set (no fd to be had when the thread started:
 * RLIMIT_NOFILE), poll the armed fds in ticks: O(armed fds) per tick, in
 * that corner only, where failing the requests would be a result the kernel
 * never gives.  Lock held, dropped while polling.
 */
static void poll_tick(struct ringer_reactor *r, uint64_t timeout)
{
	struct pollfd *pfd = malloc((r->nr_fds + 1) * sizeof(*pfd));
	struct timespec ts;
	unsigned n = 0, i, k;

	if (timeout > TICK_NS)
		timeout = TICK_NS;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)timeout;
	for (i = 0; pfd && i < r->fdtab_size; i++) {
		struct fdstate *fs = r->fdtab[i];
		struct reactor_entry *e;

		if (!fs || !fs->entries.head)
			continue;
		pfd[n].fd = (int)i;
		pfd[n].events = 0;
		for (e = fs->entries.head; e; e = e->r_next)
			pfd[n].events |= (short)e->events;
		n++;
	}
	pthread_mutex_unlock(&r->lock);
	if (ppoll(pfd, pfd ? n : 0, &ts, NULL) <= 0)
		n = 0;
	pthread_mutex_lock(&r->lock);
	for (k = 0; k < n; k++) {
		struct fdstate *fs = fd_state(r, pfd[k].fd, false);
		uint32_t revents = (unsigned short)pfd[k].revents;
		struct reactor_entry *e, *next;

		if (!fs || !revents)
			continue;
		for (e = fs->entries.head; e; e = next) {
			uint32_t rev = revents & (e->events | ALWAYS);

			next = e->r_next;
			r->nr_looked++;
			if (rev)
				make_ready(r, fs, e, rev);
		}
	}
	free(pfd);
}

/* Who took an event from the set. */
enum taker { BY_THREAD, BY_RUNNER, BY_WAITER };

/*
 * An event that taker took from the set (lock held).  Only the waiter
 * sleeps in the set's epoll_wait, but a zero-timeout look of another
 * thread may take the edge of its eventfd: it is written again if the
 * waiter sleeps (the new edge wakes it: nobody else sleeps there), or noted
 * for its next sleep.
 */
static void route_event(struct ringer_reactor *r, uint64_t data, uint32_t events, enum taker by)
{
	uint64_t one = 1;

	if (data == WAITER_DATA) {
		if (by == BY_WAITER)
			return;
		if (!r->waiter_sleeping ||
		    atomic_load_explicit(&r->waiter_up, memory_order_relaxed))
			r->waiter_pending = true;
		else if (sys_write(r->waiter_evfd, &one, sizeof(one)) < 0) {
			/* EAGAIN: saturated, an edge is pending anyway */
		}
		return;
	}
	fd_event(r, data, events);
}

/*
 * Take the events the set has now and apply them (lock held): entries move
 * to the ready list.  Events are taken only here, with no timeout and under
 * the lock, and by the waiter, which applies them itself: the reactor
 * thread sleeps in poll(2) on the epoll fd, which reports that the set has
 * events without taking them, so no event is ever in its hands while
 * reactor_run_ready() looks.  The number of events.
 */
static int collect_events(struct ringer_reactor *r, enum taker by)
{
	int i, n;

	if (r->epfd < 0 || (by == BY_RUNNER && !r->nr_fds))
		return 0;
	n = epoll_wait(r->epfd, r->ev, NR_EVENTS, 0);
	for (i = 0; i < n; i++)
		route_event(r, r->ev[i].data.u64, r->ev[i].events, by);
	return n > 0 ? n : 0;
}

/*
 * Sleep in the set (epoll_pwait2: a timeout in nanoseconds, as a timed
 * wait needs; before Linux 5.11, epoll_pwait in milliseconds rounded up).
 */
static int sleep_in_set(int epfd, struct epoll_event *ev, int n, const struct timespec *ts,
			const sigset_t *mask)
{
	static atomic_bool no_pwait2;
	int ret, ms = -1;

	if (!atomic_load_explicit(&no_pwait2, memory_order_relaxed)) {
		ret = epoll_pwait2(epfd, ev, n, ts, mask);
		if (ret >= 0 || errno != ENOSYS)
			return ret;
		atomic_store_explicit(&no_pwait2, true, memory_order_relaxed);
	}
	if (ts)
		ms = ts->tv_sec > INT_MAX / 1000 - 1
			     ? INT_MAX
			     : (int)(ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000);
	return epoll_pwait(epfd, ev, n, ms, mask);
}

/* Run e, taken off the ready list (lock held, dropped while fn runs).
 * From here a cancel finds it idle and returns false. */
static void run_one(struct ringer_reactor *r, struct reactor_entry *e, bool thread)
{
	uint32_t revents = (uint32_t)e->r_clock;

	list_del(&r->ready, e);
	e->r_state = R_IDLE;
	r->nr_running++;
	if (thread)
		r->thread_in_fn = true;
	pthread_mutex_unlock(&r->lock);
	e->fn(e, revents);
	pthread_mutex_lock(&r->lock);
	r->nr_running--;
	if (thread) {
		r->thread_in_fn = false;
		r->thread_fns++;
		if (r->fn_waiters)
			pthread_cond_broadcast(&r->fn_done);
	}
}

/* The set and the eventfds go (lock held, or no thread). */
static void close_fds(struct ringer_reactor *r)
{
	if (r->waiter_evfd >= 0)
		sys_close(r->waiter_evfd);
	r->waiter_evfd = -1;
	if (r->evfd >= 0)
		sys_close(r->evfd);
	r->evfd = -1;
	if (r->epfd >= 0)
		sys_close(r->epfd);
	r->epfd = -1;
}

static void *reactor_main(void *arg)
{
	struct ringer_reactor *r = arg;
	/* it has looked once whether the waiter is gone since it last woke */
	bool lingered = false;
	unsigned seen_visits = 0;

	pthread_setname_np(pthread_self(), "ringer-reactor");
	/* a timer is due at its deadline, as the kernel's hrtimers (no slack):
	 * the wait would otherwise end up to 50 us late (the default slack) */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		struct reactor_entry *e = r->ready.head;
		struct timespec ts, *tsp = NULL;
		struct pollfd pfd[2];
		bool watch, busy, fresh, linger = false;
		uint64_t timeout, until = UINT64_MAX;
		int n;

		if (e) {
			if (r->inline_active) {
				/* woken when that run ends (fn_done) */
				r->fn_waiters++;
				pthread_cond_wait(&r->fn_done, &r->lock);
				r->fn_waiters--;
				continue;
			}
			run_one(r, e, true);
			continue;
		}

		timeout = expire_timers(r);
		if (r->ready.head)
			continue;
		if (!r->nr_fds && timeout == UINT64_MAX) {
			/* Nothing armed (no timer either: it would have given a
			 * timeout). */
			uint64_t now = clock_now(0);

			if (!r->idle_since || r->waiter_claimed) {
				/* a waiter sleeps in the set: it stays */
				r->idle_since = now;
			} else if (now - r->idle_since >= IDLE_EXIT_NS) {
				r->started = false;
				r->exited = true;
				close_fds(r);
				fdtab_free(r);
				break;
			}
			timeout = IDLE_EXIT_NS - (now - r->idle_since);
		} else {
			r->idle_since = 0;
		}
		if (r->epfd < 0) {
			poll_tick(r, timeout);
			continue;
		}
		/* no eventfd: nobody can wake us, look again at every tick */
		if (r->evfd < 0 && timeout > TICK_NS)
			timeout = TICK_NS;
		if (timeout != UINT64_MAX) {
			ts.tv_sec = (time_t)(timeout / 1000000000ULL);
			ts.tv_nsec = (long)(timeout % 1000000000ULL);
			tsp = &ts;
		}
		/* A waiter watches the set: the thread sleeps on its eventfd
		 * only, so that the set's events wake the waiter alone (the
		 * thread's poll would wake with it).  So does an enter that
		 * submits (reactor_submit_begin()), which runs the ready work
		 * after its submission, and a program that entered since the
		 * last look, a server between two enters and back soon: the
		 * events it takes with one epoll_wait the thread would take
		 * with a wake-up each and a hop to post them.  The thread
		 * watches the set once a look finds nobody there and nobody
		 * came.  It looks after WAITER_LINGER_NS: a server that enters
		 * once per request claims and releases many times a
		 * millisecond, and a release that had to wake the thread would
		 * cost it a system call each.  Only a waiter or submitter that
		 * has been there since the last look, with no other visit
		 * between, takes long (an idle server's wait): the thread
		 * sleeps until its end wakes it (parked), so an idle ring costs
		 * no wake-ups.  A busy server is in an enter at most looks, but
		 * never in the same one twice: parking then would cost a
		 * wake-up per look, and the set watched right after it (the
		 * release is a visit, so it is not) would take the events that
		 * server is about to take itself. */
		busy = r->waiter_claimed || r->submitting;
		fresh = nr_visits(r) != seen_visits;
		seen_visits = nr_visits(r);
		watch = r->evfd < 0 || (!busy && !fresh);
		if (watch) {
			lingered = false;
		} else if (busy && !fresh && lingered) {
			r->parked = true;
		} else if (timeout > WAITER_LINGER_NS) {
			ts.tv_sec = 0;
			ts.tv_nsec = (long)WAITER_LINGER_NS;
			tsp = &ts;
			lingered = linger = true;
			if (timeout != UINT64_MAX)
				until = clock_now(0) + timeout;
		}
		r->polling = true;
		pthread_mutex_unlock(&r->lock);

		/* Sleep until the set has events, without taking them (see
		 * collect_events()), or the eventfd is written. */
		pfd[0].fd = r->evfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = watch ? r->epfd : -1;
		pfd[1].events = POLLIN;
		n = ppoll(pfd, 2, tsp, NULL);
		/*
		 * A look that finds the program visited since the last one
		 * changes nothing but seen_visits: it sleeps on without the
		 * lock, which a busy program takes several times per enter and
		 * would otherwise find taken.  Anything else a look would act
		 * on writes the eventfd (wake(): polling stays set) or is the
		 * timeout, which bounds the sleeps.
		 */
		while (n == 0 && linger && nr_visits(r) != seen_visits &&
		       (until == UINT64_MAX || clock_now(0) + WAITER_LINGER_NS < until)) {
			seen_visits = nr_visits(r);
			n = ppoll(pfd, 2, tsp, NULL);
		}
		if (n < 0 && errno != EINTR) {
			/* do not spin on an error */
			struct timespec pause = { 0, 1000000 };

			nanosleep(&pause, NULL);
		}

		pthread_mutex_lock(&r->lock);
		r->polling = false;
		r->parked = false;
		if (n > 0 && pfd[0].revents) {
			uint64_t v;

			/* woken: the next claim gets its short look again */
			lingered = false;

			if (sys_read(r->evfd, &v, sizeof(v)) < 0) {
				/* EAGAIN: drained already */
			}
		}
		if (n > 0 && pfd[1].revents)
			collect_events(r, BY_THREAD);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* The waiter's eventfd, in the set, edge-triggered: every write is an
 * edge, so nobody ever reads it.  -1 without one. */
static int add_waiter_evfd(struct ringer_reactor *r)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = WAITER_DATA };
	int fd = sys_fd_move_high(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));

	if (fd >= 0 && sys_epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		sys_close(fd);
		fd = -1;
	}
	return fd;
}

/* Start the thread, its epoll set and its eventfds with the first arming
 * after creation or after the thread left for idleness.  Lock held. */
static int start(struct ringer_reactor *r)
{
	int ret;

	if (r->started)
		return 0;
	if (r->stopping)
		return -ESHUTDOWN;
	if (r->exited) {
		/* It has dropped the lock for good: the join is immediate. */
		pthread_join(r->thread, NULL);
		r->exited = false;
	}
	r->idle_since = 0;
	/* Above the program's fds (sys.c): a number the program just closed
	 * must not name the engine's own.  Without an fd for the set or the
	 * eventfd (RLIMIT_NOFILE reached) the thread polls in ticks instead
	 * (poll_tick()): slower, never a failed request; without the
	 * waiter's, waits sleep on their own eventfds (cq.c). */
	r->epfd = sys_fd_move_high(epoll_create1(EPOLL_CLOEXEC));
	if (r->epfd >= 0) {
		r->evfd = sys_fd_move_high(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
		if (r->evfd >= 0)
			r->waiter_evfd = add_waiter_evfd(r);
	}
	ret = engine_thread_create(&r->thread, NULL, reactor_main, r);
	if (ret) {
		close_fds(r);
		return -ret;
	}
	r->started = true;
	return 0;
}

/*
 * fd work is armed: the busy bit goes on, once per busy spell (lock held).
 * relaxed: the word is a hint its reader polls; what it must find when it
 * then calls reactor_run_ready() is ordered by the lock.
 */
static void busy_mark(struct ringer_reactor *r)
{
	if (r->busy_word && !r->busy_set) {
		r->busy_set = true;
		atomic_fetch_or_explicit(r->busy_word, r->busy_bit, memory_order_relaxed);
	}
}

/* Arming an armed entry would corrupt the lists it is on. */
static bool armed(const struct reactor_entry *e)
{
	return e->r_state == R_ARMED_FD || e->r_state == R_ARMED_TIMER || e->r_state == R_READY ||
	       e->r_state == R_ORPHAN;
}

/* ---- API ------------------------------------------------------------------------ */

int reactor_create(struct ringer_reactor **out)
{
	struct ringer_reactor *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	if (pthread_mutex_init(&r->lock, NULL)) {
		free(r);
		return -ENOMEM;
	}
	if (pthread_cond_init(&r->fn_done, NULL)) {
		pthread_mutex_destroy(&r->lock);
		free(r);
		return -ENOMEM;
	}
	r->evfd = r->epfd = r->waiter_evfd = -1;
	*out = r;
	return 0;
}

int reactor_arm(struct ringer_reactor *r, struct reactor_entry *e)
{
	struct fdstate *fs = NULL;
	int ret;

	bool rearm = e->rearm;

	/* for this arming only (a request's entry serves many) */
	e->rearm = false;
	if (e->fd < 0)
		return -EBADF;
	pthread_mutex_lock(&r->lock);
	ret = armed(e) ? -EBUSY : start(r);
	if (ret == 0 && !(fs = fd_state(r, e->fd, true)))
		ret = -ENOMEM;
	if (ret == 0) {
		/* The first entry of a new wait: a new generation, so that an
		 * event taken before (of a file closed since, or one that
		 * nobody waited for) is not applied to it; not for a
		 * re-arming that keeps the registration (and its data). */
		if (!fs->entries.head && !(rearm && fs->in_set))
			fs->gen++;
		e->r_state = R_ARMED_FD;
		e->r_clock = 0;
		list_add_tail(&fs->entries, e);
		r->nr_fds++;
		busy_mark(r);
		if (rearm && fs->in_set && (fs->pending & (e->events | ALWAYS))) {
			/* an edge came after the caller's sight, nobody took it */
			make_ready(r, fs, e, fs->pending & (e->events | ALWAYS));
			fs->pending &= ~(e->events | ALWAYS);
			wake_for_ready(r);
		} else if (fd_update(r, e->fd, fs, !rearm, e)) {
			/* Written unless a re-arming (force): only epoll_ctl
			 * tells whether the number still names the file
			 * registered, and it reports what is ready now.
			 * epoll_wait sees a registration made meanwhile: no
			 * wake-up, unless the entry is ready already. */
			wake_for_ready(r);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int reactor_arm_timer(struct ringer_reactor *r, struct reactor_entry *e, int clock,
		      uint64_t deadline_ns)
{
	int ci = clock_index(clock), ret;

	if (ci < 0)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	ret = armed(e) ? -EBUSY : start(r);
	if (ret == 0) {
		e->r_deadline_ns = deadline_ns;
		e->r_seq = r->timer_seq++;
		e->r_clock = ci;
		ret = heap_push(&r->timers[ci], e);
	}
	if (ret == 0) {
		e->r_state = R_ARMED_TIMER;
		/* A new earliest deadline shortens the current sleep. */
		if (heap_top(&r->timers[ci]) == e)
			wake(r);
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void reactor_forget_fd(struct ringer_reactor *r, int fd)
{
	struct fdstate *fs;

	pthread_mutex_lock(&r->lock);
	fs = fd < 0 ? NULL : fd_state(r, fd, false);
	if (fs && fs->in_set && !fs->entries.head) {
		/* ENOENT: the number names another file than the one
		 * registered, which the program closed from it (that one is
		 * beyond reach: a number only the program reuses) */
		if (r->epfd >= 0)
			sys_epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
		fs->in_set = false;
		fs->pending = 0;
	}
	pthread_mutex_unlock(&r->lock);
}

bool reactor_cancel(struct ringer_reactor *r, struct reactor_entry *e)
{
	bool ret = true;

	pthread_mutex_lock(&r->lock);
	switch (e->r_state) {
	case R_ARMED_FD:
		/* Off its fd's list, so an event in progress is not applied to
		 * it.  The registration may stay wider than what is left: it
		 * fires once more at most, and is narrowed then. */
		list_del(&fd_state(r, e->fd, false)->entries, e);
		r->nr_fds--;
		break;
	case R_ORPHAN:
		list_del(&r->orphans, e);
		r->nr_fds--;
		break;
	case R_ARMED_TIMER:
		heap_del(&r->timers[e->r_clock], e);
		break;
	case R_READY:
		list_del(&r->ready, e);
		break;
	default:
		ret = false; /* fn has started, or it was not armed */
		break;
	}
	if (ret)
		e->r_state = R_IDLE;
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/* Entries on the ready list now (lock held): a pass runs these, not the
 * ones their fns make ready again, so that it ends. */
static unsigned nr_ready(const struct ringer_reactor *r)
{
	unsigned n = 0;

	for (const struct reactor_entry *e = r->ready.head; e; e = e->r_next)
		n++;
	return n;
}

/* Passes of reactor_run_ready(): events taken, fns run.  A bound, so that
 * an fd that stays ready (a stream that keeps coming) does not hold the
 * caller for ever. */
#define RUN_PASSES 4

/*
 * Take the turn to run fns in this thread (lock held): false if it cannot
 * (it is the reactor thread, or runs fns here already: it would wait for
 * itself).  One runner of fns at a time: another thread's run ends first,
 * and the fn the reactor thread runs now (it may post the CQEs the caller
 * looks for next); the thread starts none until inline_end().
 */
static bool inline_begin(struct ringer_reactor *r)
{
	if ((r->started && pthread_equal(pthread_self(), r->thread)) ||
	    (r->inline_active && pthread_equal(pthread_self(), r->inline_owner)))
		return false;
	r->fn_waiters++;
	while (r->inline_active)
		pthread_cond_wait(&r->fn_done, &r->lock);
	if (r->thread_in_fn) {
		uint64_t seen = r->thread_fns;

		while (r->thread_fns == seen)
			pthread_cond_wait(&r->fn_done, &r->lock);
	}
	r->fn_waiters--;
	r->inline_active = true;
	r->inline_owner = pthread_self();
	return true;
}

/* Run the entries on the ready list now, not the ones their fns make ready
 * again, so that it ends (lock held, the turn taken).  How many. */
static unsigned run_ready_list(struct ringer_reactor *r)
{
	struct reactor_entry *e;
	unsigned n, ran = 0;

	for (n = nr_ready(r); n && (e = r->ready.head); n--) {
		run_one(r, e, false);
		ran++;
	}
	return ran;
}

/* The turn ends (lock held); the busy bit goes off if no fd work is left. */
static void inline_end(struct ringer_reactor *r)
{
	r->inline_active = false;
	if (r->fn_waiters)
		pthread_cond_broadcast(&r->fn_done);
	if (r->busy_set && !r->nr_fds && !r->ready.head && !r->nr_running) {
		/* relaxed: see busy_mark(); an arming after this sets it
		 * again, under the lock */
		r->busy_set = false;
		atomic_fetch_and_explicit(r->busy_word, ~r->busy_bit, memory_order_relaxed);
	}
}

unsigned reactor_run_ready(struct ringer_reactor *r)
{
	unsigned ran = 0, pass;

	pthread_mutex_lock(&r->lock);
	visit(r);
	if (!inline_begin(r)) {
		pthread_mutex_unlock(&r->lock);
		return 0;
	}
	for (pass = 0; pass < RUN_PASSES; pass++) {
		unsigned before = ran;

		collect_events(r, BY_RUNNER);
		ran += run_ready_list(r);
		if (ran == before)
			break;
	}
	inline_end(r);
	if (r->ready.head)
		wake(r); /* what the last pass made ready: the thread's */
	pthread_mutex_unlock(&r->lock);
	return ran;
}

int reactor_waiter_claim(struct ringer_reactor *r)
{
	int fd = -1;

	pthread_mutex_lock(&r->lock);
	if (r->started && !r->stopping && r->waiter_evfd >= 0 && !r->waiter_claimed &&
	    !pthread_equal(pthread_self(), r->thread) &&
	    !(r->inline_active && pthread_equal(pthread_self(), r->inline_owner))) {
		r->waiter_claimed = true;
		visit(r);
		r->waiter_pending = false;
		fd = r->waiter_evfd;
	}
	pthread_mutex_unlock(&r->lock);
	return fd;
}

void reactor_waiter_release(struct ringer_reactor *r)
{
	pthread_mutex_lock(&r->lock);
	r->waiter_claimed = false;
	r->waiter_pending = false;
	visit(r);
	/* what its fns made ready, or a thread that sleeps without looking
	 * (parked): the set is the thread's to watch now */
	if (r->ready.head || r->parked)
		wake(r);
	pthread_mutex_unlock(&r->lock);
}

void reactor_submit_begin(struct ringer_reactor *r)
{
	pthread_mutex_lock(&r->lock);
	r->submitting++;
	visit(r);
	pthread_mutex_unlock(&r->lock);
}

void reactor_submit_end(struct ringer_reactor *r)
{
	pthread_mutex_lock(&r->lock);
	r->submitting--;
	visit(r);
	/* a thread that sleeps without looking: the set may be its again */
	if (r->parked && !r->submitting)
		wake(r);
	pthread_mutex_unlock(&r->lock);
}

int reactor_waiter_sleep(struct ringer_reactor *r, const struct timespec *rel, const sigset_t *mask)
{
	int i, n = 0, err = 0;

	pthread_mutex_lock(&r->lock);
	if (!r->waiter_pending && !r->ready.head && r->epfd >= 0) {
		int epfd = r->epfd; /* stays while claimed */

		r->waiter_sleeping = true;
		atomic_store_explicit(&r->waiter_up, false, memory_order_relaxed);
		pthread_mutex_unlock(&r->lock);
		n = sleep_in_set(epfd, r->wev, NR_WAITER_EVENTS, rel, mask);
		err = errno;
		atomic_store_explicit(&r->waiter_up, true, memory_order_relaxed);
		pthread_mutex_lock(&r->lock);
		r->waiter_sleeping = false;
		for (i = 0; i < n; i++)
			route_event(r, r->wev[i].data.u64, r->wev[i].events, BY_WAITER);
	}
	r->waiter_pending = false;
	/* what it took, in one pass: the next sleep finds the rest */
	if (inline_begin(r)) {
		run_ready_list(r);
		inline_end(r);
	}
	pthread_mutex_unlock(&r->lock);
	return n < 0 && err != EAGAIN && err != ENOMEM ? -err : 0;
}

void reactor_set_busy_flag(struct ringer_reactor *r, _Atomic unsigned *word, unsigned bit)
{
	pthread_mutex_lock(&r->lock);
	r->busy_word = word;
	r->busy_bit = bit;
	r->busy_set = false;
	if (r->nr_fds)
		busy_mark(r);
	pthread_mutex_unlock(&r->lock);
}

uint64_t reactor_nr_looked(struct ringer_reactor *r)
{
	uint64_t n;

	pthread_mutex_lock(&r->lock);
	n = r->nr_looked;
	pthread_mutex_unlock(&r->lock);
	return n;
}

unsigned reactor_nr_threads(struct ringer_reactor *r)
{
	unsigned n;

	pthread_mutex_lock(&r->lock);
	n = r->started ? 1 : 0;
	pthread_mutex_unlock(&r->lock);
	return n;
}

static void collect(struct elist *from, struct elist *to)
{
	struct reactor_entry *e;

	while ((e = from->head)) {
		list_del(from, e);
		e->r_state = R_IDLE;
		list_add_tail(to, e);
	}
}

void reactor_destroy(struct ringer_reactor *r, void (*cancelled)(struct reactor_entry *e))
{
	struct elist gone = { 0 };
	struct reactor_entry *e;
	bool join;
	unsigned ci, i;

	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	join = r->started || r->exited;
	wake(r);
	pthread_cond_broadcast(&r->fn_done); /* a thread waiting for a run */
	pthread_mutex_unlock(&r->lock);
	/* The thread finishes the fn it may be running, then leaves. */
	if (join)
		pthread_join(r->thread, NULL);

	/* No thread now: whatever is still armed (including what that last fn
	 * armed) is handed back. */
	pthread_mutex_lock(&r->lock);
	r->started = r->exited = false;
	collect(&r->ready, &gone);
	collect(&r->orphans, &gone);
	for (i = 0; i < r->fdtab_size; i++)
		if (r->fdtab[i])
			collect(&r->fdtab[i]->entries, &gone);
	for (ci = 0; ci < NR_CLOCKS; ci++) {
		struct theap *h = &r->timers[ci];

		/* in deadline order */
		while ((e = heap_top(h))) {
			heap_del(h, e);
			e->r_state = R_IDLE;
			list_add_tail(&gone, e);
		}
	}
	r->nr_fds = 0;
	pthread_mutex_unlock(&r->lock);
	while ((e = gone.head)) {
		list_del(&gone, e);
		if (cancelled)
			cancelled(e);
	}

	close_fds(r);
	fdtab_free(r);
	for (ci = 0; ci < NR_CLOCKS; ci++)
		free(r->timers[ci].v);
	pthread_cond_destroy(&r->fn_done);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
