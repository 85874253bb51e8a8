/* SPDX-License-Identifier: MIT */
/*
 * The engine's readiness reactor (see reactor.h for the contract).
 *
 * One thread, started with the first arming, loops on ppoll(2): poll rather
 * than epoll because several entries may wait on one fd with different masks
 * (each gets its own pollfd slot) and because poll reports POLLNVAL for an fd
 * closed while armed, where epoll would silently drop it.  Slot 0 is an
 * eventfd that other threads write to when the reactor must look again (a
 * new fd entry, a new earliest timer, teardown).  After IDLE_EXIT_NS with
 * nothing armed the thread closes the eventfd and leaves; the next arming
 * joins it and starts a new one.
 *
 * Every entry is in exactly one place: the list of armed fd entries or the
 * ready list (fired, fn not started), linked through r_next/r_prev, or the
 * timer heap of its clock (a binary min-heap on deadline, then arming order,
 * r_heap its index there: thousands of timeouts armed in any order cost
 * O(log n) each to arm and cancel, not a walk of a sorted list).  The reactor thread takes one ready entry at a
 * time, marks it idle under the lock and calls fn without the lock: so a
 * cancel before that point removes it (true), a cancel after it finds it idle
 * (false), and the reactor never touches an entry after calling its fn (fn
 * may free it).
 *
 * Private fields: r_deadline_ns holds the deadline of a timer, or the pollfd
 * slot of an fd entry (NO_SLOT until the array is rebuilt); r_clock holds the
 * clock index of a timer, or revents once the entry is ready.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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
};

#define NO_SLOT	  UINT64_MAX
#define NR_CLOCKS 3
/* Longest sleep while a REALTIME or BOOTTIME timer is pending (poll's own
 * timeout runs on the monotonic clock, so a clock step or a suspend is caught
 * at the latest this late) or while fd entries are armed (see below). */
#define MAX_SLEEP_NS 1000000000ULL
/* With nothing armed this long, the thread and its eventfd go away (a quiet
 * ring holds no thread); the next arming starts them again. */
#define IDLE_EXIT_NS 1000000000ULL
/* Poll period of a reactor that could get no eventfd (RLIMIT_NOFILE). */
#define TICK_NS 1000000ULL

struct elist {
	struct reactor_entry *head, *tail;
};

struct theap {
	struct reactor_entry **v;
	unsigned n, cap;
};

struct ringer_reactor {
	pthread_mutex_t lock;
	pthread_t thread;
	bool started; /* the thread runs */
	bool exited; /* it left after idling and awaits its join */
	bool stopping, polling;
	int evfd; /* -1 while no thread runs */
	uint64_t idle_since; /* monotonic ns; 0: something is armed */

	struct elist fds; /* armed fd entries */
	unsigned nr_fds;
	bool dirty; /* the fd set changed since the pollfd array was built */
	struct theap timers[NR_CLOCKS];
	uint64_t timer_seq; /* arming order of timers */
	struct elist ready;

	/* Built and polled by the reactor thread only. */
	struct pollfd *pfd;
	unsigned nr_pfd, cap_pfd;
	unsigned *tab; /* fd -> slot, used while rebuilding */
	unsigned tab_size;
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
		if (write(r->evfd, &one, sizeof(one)) < 0) {
		}
	}
}

/*
 * Rebuild the pollfd array from the armed fd entries: one slot per distinct
 * fd with the union of the masks (poll(2) refuses more slots than
 * RLIMIT_NOFILE, and entries may outnumber fds), each entry remembering its
 * slot.  Lock held.  On allocation failure the old array stays (its slots are
 * still right for the entries in it; newer ones have NO_SLOT) and the caller
 * retries soon.
 */
static bool rebuild(struct ringer_reactor *r)
{
	unsigned need = r->nr_fds + 1, tab_size = 16, n = 1, mask;
	struct reactor_entry *e;

	while (tab_size < 2 * need)
		tab_size *= 2;
	/* Allocate both before replacing either: a failure keeps the old
	 * array intact. */
	if (need > r->cap_pfd || tab_size > r->tab_size) {
		unsigned cap = r->cap_pfd ? r->cap_pfd : 16;
		struct pollfd *pfd = NULL;
		unsigned *tab = NULL;

		while (cap < need)
			cap *= 2;
		if (cap > r->cap_pfd && !(pfd = malloc(cap * sizeof(*pfd))))
			return false;
		if (tab_size > r->tab_size && !(tab = malloc(tab_size * sizeof(*tab)))) {
			free(pfd);
			return false;
		}
		if (pfd) {
			free(r->pfd);
			r->pfd = pfd;
			r->cap_pfd = cap;
		}
		if (tab) {
			free(r->tab);
			r->tab = tab;
			r->tab_size = tab_size;
		}
	}
	tab_size = r->tab_size;
	mask = tab_size - 1;
	memset(r->tab, 0, tab_size * sizeof(*r->tab));

	r->pfd[0].fd = r->evfd;
	r->pfd[0].events = POLLIN;
	for (e = r->fds.head; e; e = e->r_next) {
		unsigned h = ((unsigned)e->fd * 0x9E3779B1u) & mask, slot;

		/* Open addressing: tab holds slot + 1, 0 is empty. */
		while (r->tab[h] && r->pfd[r->tab[h] - 1].fd != e->fd)
			h = (h + 1) & mask;
		if (r->tab[h]) {
			slot = r->tab[h] - 1;
			r->pfd[slot].events |= (short)e->events;
		} else {
			slot = n++;
			r->tab[h] = slot + 1;
			r->pfd[slot].fd = e->fd;
			r->pfd[slot].events = (short)e->events;
		}
		e->r_deadline_ns = slot;
	}
	r->nr_pfd = n;
	r->dirty = false;
	return true;
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

static void *reactor_main(void *arg)
{
	struct ringer_reactor *r = arg;

	pthread_setname_np(pthread_self(), "ringer-reactor");
	/* a timer is due at its deadline, as the kernel's hrtimers (no slack):
	 * ppoll's sleep would otherwise end up to 50 us late (the default slack) */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		struct reactor_entry *e = r->ready.head, *next;
		struct timespec ts, *tsp = NULL;
		uint64_t timeout;
		unsigned nfds;
		int n;

		if (e) {
			uint32_t revents = (uint32_t)e->r_clock;

			list_del(&r->ready, e);
			/* From here a cancel finds it idle and returns false. */
			e->r_state = R_IDLE;
			pthread_mutex_unlock(&r->lock);
			e->fn(e, revents);
			pthread_mutex_lock(&r->lock);
			continue;
		}

		timeout = expire_timers(r);
		if (r->ready.head)
			continue;
		if (!r->nr_fds && timeout == UINT64_MAX) {
			/* Nothing armed (no timer either: it would have given a
			 * timeout). */
			uint64_t now = clock_now(0);

			if (!r->idle_since) {
				r->idle_since = now;
			} else if (now - r->idle_since >= IDLE_EXIT_NS) {
				r->started = false;
				r->exited = true;
				if (r->evfd >= 0)
					close(r->evfd);
				r->evfd = -1;
				break;
			}
			timeout = IDLE_EXIT_NS - (now - r->idle_since);
		} else {
			r->idle_since = 0;
		}
		if (r->dirty && !rebuild(r) && timeout > 10000000ULL)
			timeout = 10000000ULL; /* out of memory: retry soon */
		/* poll(2) holds a reference to each file while it sleeps, so an fd
		 * closed meanwhile is noticed (POLLNVAL) only by the next call:
		 * bound the sleep while fd entries are armed. */
		if (r->nr_fds && timeout > MAX_SLEEP_NS)
			timeout = MAX_SLEEP_NS;
		/* no eventfd: nobody can wake us, look again at every tick */
		if (r->evfd < 0 && timeout > TICK_NS)
			timeout = TICK_NS;
		if (timeout != UINT64_MAX) {
			ts.tv_sec = (time_t)(timeout / 1000000000ULL);
			ts.tv_nsec = (long)(timeout % 1000000000ULL);
			tsp = &ts;
		}
		nfds = r->nr_pfd;
		r->polling = true;
		pthread_mutex_unlock(&r->lock);

		n = ppoll(r->pfd, nfds, tsp, NULL);
		if (n < 0 && errno != EINTR) {
			/* ENOMEM: do not spin on it. */
			struct timespec pause = { 0, 1000000 };

			nanosleep(&pause, NULL);
		}

		pthread_mutex_lock(&r->lock);
		r->polling = false;
		if (n <= 0)
			continue; /* timeout (timers are checked at the top) or error */
		if (r->pfd[0].revents) {
			uint64_t v;

			if (read(r->evfd, &v, sizeof(v)) < 0) {
				/* EAGAIN: another read drained it already */
			}
		}
		/* Walk the entries, not the slots: an entry cancelled during the
		 * poll is simply no longer on the list, one armed during it has
		 * no slot yet. */
		for (e = r->fds.head; e; e = next) {
			uint32_t rev;

			next = e->r_next;
			if (e->r_deadline_ns >= nfds)
				continue;
			rev = (unsigned short)r->pfd[e->r_deadline_ns].revents;
			/* Only what this entry asked for, plus what poll always
			 * reports. */
			rev &= e->events | POLLERR | POLLHUP | POLLNVAL;
			if (!rev)
				continue;
			list_del(&r->fds, e);
			r->nr_fds--;
			r->dirty = true;
			e->r_state = R_READY;
			e->r_clock = (int)rev;
			list_add_tail(&r->ready, e);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Start the thread and its eventfd with the first arming after creation or
 * after the thread left for idleness.  Lock held. */
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
	/* above the program's fds (sys.c): a number the program just closed
	 * must not name the engine's eventfd.  Without an fd to be had
	 * (RLIMIT_NOFILE reached) the thread polls in ticks instead of being
	 * woken: slower to see a new arming, never a failed request. */
	r->evfd = sys_fd_move_high(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
	if (r->pfd)
		r->pfd[0].fd = r->evfd; /* in case the rebuild below fails */
	r->dirty = true;
	ret = engine_thread_create(&r->thread, NULL, reactor_main, r);
	if (ret) {
		if (r->evfd >= 0)
			close(r->evfd);
		r->evfd = -1;
		return -ret;
	}
	r->started = true;
	return 0;
}

/* Arming an armed entry would corrupt the lists it is on. */
static bool armed(const struct reactor_entry *e)
{
	return e->r_state == R_ARMED_FD || e->r_state == R_ARMED_TIMER || e->r_state == R_READY;
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
	r->evfd = -1;
	*out = r;
	return 0;
}

int reactor_arm(struct ringer_reactor *r, struct reactor_entry *e)
{
	int ret;

	if (e->fd < 0)
		return -EBADF;
	pthread_mutex_lock(&r->lock);
	ret = armed(e) ? -EBUSY : start(r);
	if (ret == 0) {
		e->r_state = R_ARMED_FD;
		e->r_deadline_ns = NO_SLOT;
		e->r_clock = 0;
		list_add_tail(&r->fds, e);
		r->nr_fds++;
		r->dirty = true;
		wake(r);
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

bool reactor_cancel(struct ringer_reactor *r, struct reactor_entry *e)
{
	bool ret = true;

	pthread_mutex_lock(&r->lock);
	switch (e->r_state) {
	case R_ARMED_FD:
		/* Off the list, so a result of the poll in progress is not
		 * applied to it; no wake-up needed, the array is rebuilt before
		 * the next poll. */
		list_del(&r->fds, e);
		r->nr_fds--;
		r->dirty = true;
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
	unsigned ci;

	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	join = r->started || r->exited;
	wake(r);
	pthread_mutex_unlock(&r->lock);
	/* The thread finishes the fn it may be running, then leaves. */
	if (join)
		pthread_join(r->thread, NULL);

	/* No thread now: whatever is still armed (including what that last fn
	 * armed) is handed back. */
	pthread_mutex_lock(&r->lock);
	r->started = r->exited = false;
	collect(&r->ready, &gone);
	collect(&r->fds, &gone);
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

	if (r->evfd >= 0)
		close(r->evfd);
	free(r->pfd);
	free(r->tab);
	for (ci = 0; ci < NR_CLOCKS; ci++)
		free(r->timers[ci].v);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
