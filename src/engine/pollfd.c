// SPDX-License-Identifier: MIT
/*
 * The ring fd as an event source (the kernel's io_uring_poll()): POLLIN
 * while the CQ holds entries (or a backlog), nothing once the program has
 * reaped them, even in user space without a system call.
 *
 * The ring fd is a memfd (the program maps it), which poll calls readable
 * forever and epoll refuses.  So a ring that is polled gets an eventfd, its
 * readiness: the poll calls of the program are wrapped (src/lib/pollwrap.c,
 * exported by libringer and by the preload shim) and put the ring's eventfd
 * where the program named the ring fd.  The engine signals the eventfd at
 * every posting batch, as the kernel wakes its poll queue at every commit
 * (an edge-triggered epoll reports each batch); the readiness is withdrawn
 * at poll time, when the wrapped call finds the CQ empty, which is when the
 * kernel computes it.  A ring nobody polls pays one load per posting.
 */
#include <errno.h>
#include <sys/eventfd.h>

#include "engine/engine.h"
#include "engine/sys.h"

#define POLL_RINGS 256

/* Rings with an eventfd, for the wrapped waits to refresh; slots are reused. */
static _Atomic(struct ring *) poll_rings[POLL_RINGS];
static atomic_int poll_rings_hw;

/*
 * Entries in the CQ or its backlog, as the program sees them now.  A
 * DEFER_TASKRUN ring's rings may be replaced (RESIZE_RINGS, resize.c):
 * they are looked at under cq_lock, which the swap holds.
 */
static bool cq_pending(struct ring *r)
{
	bool locked = r->flags & IORING_SETUP_DEFER_TASKRUN, pending;
	unsigned *tail, *head, *flags;

	if (locked)
		pthread_mutex_lock(&r->cq_lock);
	/* acquire: pairs with ring_set_pointers() (ring.c) */
	tail = __atomic_load_n(&r->cq_tail, __ATOMIC_ACQUIRE);
	head = __atomic_load_n(&r->cq_head, __ATOMIC_ACQUIRE);
	flags = __atomic_load_n(&r->sq_flags, __ATOMIC_ACQUIRE);
	/* acquire both: the program's head store, our tail store */
	pending = io_uring_smp_load_acquire(tail) != io_uring_smp_load_acquire(head) ||
		  (IO_URING_READ_ONCE(*flags) & IORING_SQ_CQ_OVERFLOW);
	if (locked)
		pthread_mutex_unlock(&r->cq_lock);
	return pending;
}

static void signal_efd(struct ring *r, int efd)
{
	uint64_t one = 1;

	atomic_store_explicit(&r->poll_signalled, true, memory_order_relaxed);
	sys_write(efd, &one, sizeof(one));
}

/* commit() (cq.c), after the new tail is published: one wakeup per batch. */
void ring_poll_signal(struct ring *r)
{
	int efd = atomic_load_explicit(&r->poll_efd, memory_order_acquire);

	if (efd < 0)
		return;
	/*
	 * seq_cst: the tail store before is ordered before the flag store in
	 * signal_efd(), against ring_poll_refresh() clearing the flag and
	 * then reading the tail; one of the two sees the other.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	signal_efd(r, efd);
}

/* Withdraw the readiness of a ring whose CQ the program has emptied. */
static void ring_poll_refresh(struct ring *r)
{
	int efd = atomic_load_explicit(&r->poll_efd, memory_order_acquire);
	uint64_t v;

	if (efd < 0 || !atomic_load_explicit(&r->poll_signalled, memory_order_relaxed) ||
	    cq_pending(r))
		return;
	atomic_store_explicit(&r->poll_signalled, false, memory_order_relaxed);
	sys_read(efd, &v, sizeof(v)); /* EAGAIN when already clear */
	/* seq_cst: pairs with the fence in ring_poll_signal() */
	atomic_thread_fence(memory_order_seq_cst);
	/* a posting raced with the read above: its wakeup may be gone, repost it */
	if (cq_pending(r))
		signal_efd(r, efd);
}

/* A reference on the ring in a poll_rings slot, or NULL. */
static struct ring *slot_ring(int i)
{
	struct ring *r = atomic_load_explicit(&poll_rings[i], memory_order_acquire);

	if (!r || !ring_tryget(r))
		return NULL;
	/* recycled meanwhile for a ring without an eventfd: not ours to touch */
	if (atomic_load_explicit(&poll_rings[i], memory_order_acquire) != r) {
		ring_put(r);
		return NULL;
	}
	return r;
}

void engine_poll_refresh_all(void)
{
	int hw = atomic_load_explicit(&poll_rings_hw, memory_order_acquire);

	for (int i = 0; i < hw; i++) {
		struct ring *r = slot_ring(i);

		if (r) {
			ring_poll_refresh(r);
			ring_put(r);
		}
	}
}

/*
 * The eventfd standing for the ring named by fd in a poll call, made on
 * first use; -1 if fd names no engine ring (or no eventfd can be had: the
 * memfd is polled then, as before).  See ring_get_polled() for how a number
 * is known to be a ring's.
 */
int engine_poll_fd(int fd)
{
	struct ring *r = ring_get_polled(fd);
	int efd, none = -1;

	if (!r)
		return -1;
	efd = atomic_load_explicit(&r->poll_efd, memory_order_acquire);
	if (efd >= 0) {
		ring_poll_refresh(r);
		ring_put(r);
		return efd;
	}
	efd = sys_fd_move_high(sys_eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (efd < 0) {
		ring_put(r);
		return -1;
	}
	if (!atomic_compare_exchange_strong_explicit(&r->poll_efd, &none, efd,
						     memory_order_acq_rel, memory_order_acquire)) {
		sys_close(efd); /* another thread made one first */
		efd = none;
	} else {
		for (int i = 0; i < POLL_RINGS; i++) {
			struct ring *empty = NULL;

			if (atomic_compare_exchange_strong(&poll_rings[i], &empty, r)) {
				int hw = atomic_load(&poll_rings_hw);

				while (hw <= i && !atomic_compare_exchange_weak(&poll_rings_hw, &hw, i + 1))
					;
				r->poll_slot = i;
				break;
			}
		}
		/* readable now if the CQ already holds entries */
		atomic_thread_fence(memory_order_seq_cst);
		if (cq_pending(r))
			signal_efd(r, efd);
	}
	ring_put(r);
	return efd;
}

/* Teardown (ring.c): the eventfd goes, and with it any epoll entry naming it. */
void ring_poll_release(struct ring *r)
{
	int efd;

	/* cq_lock: a posting that read the eventfd's number is done with it */
	pthread_mutex_lock(&r->cq_lock);
	efd = atomic_exchange(&r->poll_efd, -1);
	pthread_mutex_unlock(&r->cq_lock);

	if (r->poll_slot >= 0) {
		struct ring *self = r;

		atomic_compare_exchange_strong(&poll_rings[r->poll_slot], &self, NULL);
		r->poll_slot = -1;
	}
	if (efd >= 0)
		sys_close(efd);
	atomic_store(&r->poll_signalled, false);
}
