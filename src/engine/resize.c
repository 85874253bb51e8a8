// SPDX-License-Identifier: MIT
/*
 * IORING_REGISTER_RESIZE_RINGS (the kernel's io_register_resize_rings()):
 * new SQ and CQ rings for a ring, the entries in them carried over.
 *
 * What Linux 6.18 does (probed; tests/test-resize.c holds both backends to it):
 *  - only a DEFER_TASKRUN ring resizes (-EINVAL, before the argument is
 *    read; an SQPOLL ring cannot be one).  The call wants an argument and
 *    nr_args 1 (-EINVAL); an argument it cannot read is -EFAULT.
 *  - p->flags may hold IORING_SETUP_CQSIZE and IORING_SETUP_CLAMP, nothing
 *    else (not even the ring's own flags: -EINVAL).  NO_SQARRAY, SQE128,
 *    CQE32, CQE_MIXED and NO_MMAP are the ring's: they come back set in
 *    p->flags.  The entries follow setup's rules (ring_fill_entries()).
 *    resv, features, wq_fd and sq_thread_* are neither checked nor written.
 *  - p is written back once the rings' memory is had, before the SQEs' is:
 *    the entries, the flags, the offsets (sq_off.array as the caller left
 *    it; resv1 cleared, and the user_addr words but on a NO_MMAP ring).
 *  - the head and tail values are kept, not renormalised: entry i of either
 *    ring moves from slot i & old mask to slot i & new mask, whole (128-byte
 *    SQEs, 32-byte CQEs; a CQE_MIXED ring's 16-byte slots one by one).  The
 *    SQEs are the slots between the SQ head and tail, as if the SQ array
 *    mapped each slot to itself; the SQ array is not copied (a new ring's
 *    is zeroed: the program fills it again).  sq_dropped, sq_flags,
 *    cq_flags and cq_overflow are copied, and IORING_SQ_TASKRUN |
 *    IORING_SQ_NEED_WAKEUP set in the new sq_flags ("an extra system call at
 *    worst"): NEED_WAKEUP stays, TASKRUN until an enter runs queued
 *    completions of a TASKRUN_FLAG ring (cq.c clears it then too).
 *  - more SQEs between head and tail than the new SQ holds, or CQEs than the
 *    new CQ holds: -EOVERFLOW, the ring as it was.  CQEs in the overflow
 *    backlog do not count (they go to the new CQ when flushed), nor do the
 *    completions waiting for the submitter's GETEVENTS.
 *  - a ring made R_DISABLED resizes before it is enabled.
 *  - the old mappings stay valid until unmapped (the old rings, as they
 *    were); an mmap of the ring fd gives the new rings.
 *  - NO_MMAP: the new rings at p->cq_off.user_addr, the SQEs at
 *    p->sq_off.user_addr, taken as setup takes them (0: -EFAULT, unaligned:
 *    -EINVAL, not mapped or read-only: -EFAULT); the masks and entries are
 *    written there at once, the other header fields and the entries copied
 *    at the swap, and nothing else (the SQ array and the other slots keep
 *    what the program left).  The old memory is the program's again.
 *  - RLIMIT_MEMLOCK: the new rings are charged (rings, then SQEs) before the
 *    old ones are given back, so both must fit at once.
 *
 * An mmap'ed ring lives in its file (ring.c): the new rings take the old
 * ones' place there (rings at offset 0, SQEs at IORING_OFF_SQES, or after
 * the rings in a compact file), so any mmap of the fd shows them.  Unlike
 * the kernel's, a mapping the program made before shows the new rings (and
 * zeros where the old ones were bigger), not the old ones (engine.h).
 *
 * Locking: the register call holds submit_lock (no submission runs), and the
 * swap is made under cq_lock, which every thread but the submitter holds
 * when it touches a DEFER_TASKRUN ring's rings: a worker, the reactor, a
 * MSG_RING's sender queue their CQEs on the local list under it (cq.c),
 * pollfd.c reads the CQ under it.  The submitter is the caller (a
 * SINGLE_ISSUER ring registers from no other task; a disabled one enters
 * for none), so no enter runs meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "engine/engine.h"
#include "engine/sys.h"

#define PAGE_SZ	      4096UL
#define PAGE_ALIGN(x) (((x) + PAGE_SZ - 1) & ~(PAGE_SZ - 1))

#define RESIZE_FLAGS (IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP)
/* the ring's own properties, which the new rings keep */
#define RESIZE_COPY_FLAGS                                                     \
	(IORING_SETUP_NO_SQARRAY | IORING_SETUP_SQE128 | IORING_SETUP_CQE32 | \
	 IORING_SETUP_NO_MMAP | IORING_SETUP_CQE_MIXED)

/* The new rings, until they are the ring's. */
struct new_rings {
	unsigned sq_entries, cq_entries, array_off;
	size_t ring_size, sqes_size; /* sqes_size: the SQEs' bytes, not page aligned */
	uint64_t off_sqes; /* an mmap'ed ring's: the SQEs' offset in the file */
	void *rings; /* where the engine reaches them */
	struct io_uring_sqe *sqes;
	bool mapped; /* rings and sqes are the engine's mappings of the file */
	uint64_t pages; /* charged to RLIMIT_MEMLOCK */
};

/* An mmap'ed ring's region charged as the kernel's io_create_region() does. */
static int charge(struct new_rings *n, size_t bytes)
{
	if (memlock_exempt())
		return 0;
	if (memlock_charge(bytes / PAGE_SZ))
		return -ENOMEM;
	n->pages += bytes / PAGE_SZ;
	return 0;
}

static int rings_region(const struct io_uring_params *p, struct new_rings *n)
{
	int ret;

	if (!(p->flags & IORING_SETUP_NO_MMAP))
		return charge(n, n->ring_size);
	ret = user_region(p->cq_off.user_addr, n->ring_size, &n->pages); /* ring.c */
	if (ret)
		return ret;
	n->rings = (void *)(uintptr_t)p->cq_off.user_addr;
	/* the kernel writes them as soon as it has the memory */
	ring_write_sizes(n->rings, n->sq_entries, n->cq_entries);
	return 0;
}

static int sqes_region(const struct io_uring_params *p, struct new_rings *n)
{
	int ret;

	if (!(p->flags & IORING_SETUP_NO_MMAP))
		return charge(n, PAGE_ALIGN(n->sqes_size));
	ret = user_region(p->sq_off.user_addr, PAGE_ALIGN(n->sqes_size), &n->pages);
	if (!ret)
		n->sqes = (struct io_uring_sqe *)(uintptr_t)p->sq_off.user_addr;
	return ret;
}

/*
 * An mmap'ed ring: room in its file where the new rings go (the file grows,
 * never past RLIMIT_FSIZE, which would raise SIGXFSZ: -ENOMEM, as setup),
 * and the engine's own mappings of them.  The file is reached by the ring's
 * fd, which must still name it: a ring reached by its registered index
 * after its fd was closed has no file to put new rings in (-EBADF).
 */
static int map_new(struct ring *r, struct new_rings *n)
{
	bool compact = r->off_sqes != IORING_OFF_SQES;
	uint64_t need;
	struct rlimit rl;
	struct stat st;
	int err = 0;

	if (!ring_file_current(r))
		return -EBADF;
	n->off_sqes = compact ? n->ring_size : IORING_OFF_SQES;
	need = n->off_sqes + PAGE_ALIGN(n->sqes_size);
	err = sys_fstat(r->fd, &st);
	if (err)
		return err;
	if ((uint64_t)st.st_size < need) {
		if (sys_getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < need)
			return -ENOMEM;
		err = sys_ftruncate(r->fd, (off_t)need);
		if (err)
			return err;
	}
	n->rings = sys_mmap(NULL, n->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0, &err);
	if (!n->rings)
		return err;
	n->sqes = sys_mmap(NULL, PAGE_ALIGN(n->sqes_size), PROT_READ | PROT_WRITE, MAP_SHARED,
			   r->fd, (off_t)n->off_sqes, &err);
	if (!n->sqes) {
		sys_munmap(n->rings, n->ring_size);
		n->rings = NULL;
		return err;
	}
	n->mapped = true;
	return 0;
}

/* The part of the file [from, to) no ring uses any more goes back to the system. */
static void punch(int fd, uint64_t from, uint64_t to)
{
	if (to > from)
		sys_fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from,
			      (off_t)(to - from));
}

/* What the ring had before the swap, to let go of after it. */
struct old_rings {
	void *rings;
	size_t ring_size, sqes_size;
	struct io_uring_sqe *sqes;
	uint64_t off_sqes, pages;
};

/*
 * cq_lock held: the entries and header of the ring's rings into the new
 * ones, and the new ones made the ring's.  sq_copy and cq_copy hold a new
 * ring's worth of entries each: the old and new rings may be the same
 * memory (the same file pages, or the program's same addresses), so the
 * entries are all read before any is written.
 */
static int swap_locked(struct ring *r, struct new_rings *n, char *sq_copy, char *cq_copy,
		       struct old_rings *o)
{
	size_t sqe_sz = 64UL << r->sqe_shift, cqe_sz = 16UL << r->cqe_shift;
	unsigned sq_head, sq_tail, cq_head, cq_tail, nr_sq, nr_cq, i;
	unsigned dropped, sq_flags, cq_flags, overflow;
	char *sqes = (char *)n->sqes, *cqes = (char *)n->rings + 64;
	unsigned *h = n->rings;

	/* acquire: the program's SQE stores before its tail store */
	sq_tail = io_uring_smp_load_acquire(r->sq_tail);
	sq_head = IO_URING_READ_ONCE(*r->sq_head); /* the engine's own (submit_lock) */
	/* acquire: the program's reads of the CQEs before its head store */
	cq_head = io_uring_smp_load_acquire(r->cq_head);
	cq_tail = r->cached_cq_tail; /* published: cq_lock's holders commit before they drop it */
	nr_sq = sq_tail - sq_head;
	nr_cq = cq_tail - cq_head;
	if (nr_sq > n->sq_entries || nr_cq > n->cq_entries)
		return -EOVERFLOW;

	for (i = 0; i < nr_sq; i++)
		memcpy(sq_copy + i * sqe_sz,
		       (char *)r->sqes + ((sq_head + i) & r->sq_mask) * sqe_sz, sqe_sz);
	for (i = 0; i < nr_cq; i++)
		memcpy(cq_copy + i * cqe_sz,
		       (char *)r->cqes + ((cq_head + i) & r->cq_mask) * cqe_sz, cqe_sz);
	dropped = IO_URING_READ_ONCE(*r->sq_dropped);
	/* relaxed, as set_sq_flag() (cq.c) changes it */
	sq_flags = atomic_load_explicit((_Atomic unsigned *)r->sq_flags, memory_order_relaxed);
	cq_flags = IO_URING_READ_ONCE(*r->cq_flags);
	overflow = IO_URING_READ_ONCE(*r->cq_overflow);

	/* the kernel's new rings are fresh zeroed pages; the program's memory
	 * keeps what is not written */
	if (n->mapped) {
		memset(n->rings, 0, n->ring_size);
		memset(n->sqes, 0, PAGE_ALIGN(n->sqes_size));
	}
	for (i = 0; i < nr_sq; i++)
		memcpy(sqes + ((sq_head + i) & (n->sq_entries - 1)) * sqe_sz, sq_copy + i * sqe_sz,
		       sqe_sz);
	for (i = 0; i < nr_cq; i++)
		memcpy(cqes + ((cq_head + i) & (n->cq_entries - 1)) * cqe_sz, cq_copy + i * cqe_sz,
		       cqe_sz);
	/*
	 * Plain stores: the program reads the new rings only after the
	 * register call returns (it must map them first); the engine's
	 * threads only after taking cq_lock, which orders them.
	 */
	h[0] = sq_head;
	h[1] = sq_tail;
	h[2] = cq_head;
	h[3] = cq_tail;
	ring_write_sizes(n->rings, n->sq_entries, n->cq_entries);
	h[8] = dropped;
	atomic_store_explicit((_Atomic unsigned *)&h[9],
			      sq_flags | IORING_SQ_TASKRUN | IORING_SQ_NEED_WAKEUP,
			      memory_order_relaxed);
	h[10] = cq_flags;
	h[11] = overflow;

	o->rings = r->sq_map;
	o->ring_size = r->ring_size;
	o->sqes = r->sqes;
	o->sqes_size = r->sqes_size;
	o->off_sqes = r->off_sqes;
	o->pages = r->memlock_pages;
	ring_set_pointers(r, n->rings, n->array_off);
	r->sqes = n->sqes;
	r->sq_mask = n->sq_entries - 1;
	r->cq_mask = n->cq_entries - 1;
	/* relaxed: also read where no lock orders them (pool sizes: aio.c, submit.c) */
	__atomic_store_n(&r->sq_entries, n->sq_entries, __ATOMIC_RELAXED);
	__atomic_store_n(&r->cq_entries, n->cq_entries, __ATOMIC_RELAXED);
	r->ring_size = n->ring_size;
	r->sqes_size = n->sqes_size;
	if (n->mapped)
		__atomic_store_n(&r->off_sqes, n->off_sqes, __ATOMIC_RELAXED); /* ring.c's mmap */
	r->memlock_pages = n->pages;
	return 0;
}

/* After the swap, outside the locks: the old rings let go of. */
static void release_old(struct ring *r, const struct new_rings *n, const struct old_rings *o)
{
	if (n->mapped) {
		sys_munmap(o->rings, o->ring_size);
		sys_munmap(o->sqes, PAGE_ALIGN(o->sqes_size));
		if (o->off_sqes != IORING_OFF_SQES) {
			/* compact: rings then SQEs, one stretch */
			punch(r->fd, n->off_sqes + PAGE_ALIGN(n->sqes_size),
			      o->off_sqes + PAGE_ALIGN(o->sqes_size));
		} else {
			punch(r->fd, n->ring_size, o->ring_size);
			punch(r->fd, IORING_OFF_SQES + PAGE_ALIGN(n->sqes_size),
			      IORING_OFF_SQES + PAGE_ALIGN(o->sqes_size));
		}
	}
	if (o->pages)
		memlock_uncharge(o->pages);
}

static int swap_rings(struct ring *r, struct new_rings *n)
{
	char *sq_copy = malloc((size_t)n->sq_entries << (6 + r->sqe_shift));
	char *cq_copy = malloc((size_t)n->cq_entries << (4 + r->cqe_shift));
	struct old_rings o;
	int ret = -ENOMEM;

	if (sq_copy && cq_copy) {
		pthread_mutex_lock(&r->cq_lock);
		ret = swap_locked(r, n, sq_copy, cq_copy, &o);
		pthread_mutex_unlock(&r->cq_lock);
	}
	free(sq_copy);
	free(cq_copy);
	if (!ret)
		release_old(r, n, &o);
	return ret;
}

/* submit_lock held (register.c); arg and nr_args checked there */
int ring_resize(struct ring *r, void *arg)
{
	struct new_rings n = { 0 };
	struct io_uring_params p;
	int ret;

	/* the kernel's limit, before it reads the argument */
	if (!(r->flags & IORING_SETUP_DEFER_TASKRUN))
		return -EINVAL;
	if (umem_read(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.flags & ~RESIZE_FLAGS)
		return -EINVAL;
	p.flags |= r->flags & RESIZE_COPY_FLAGS;
	ret = ring_fill_entries(p.sq_entries, &p); /* ring.c: setup's rules */
	if (ret)
		return ret;
	n.sq_entries = p.sq_entries;
	n.cq_entries = p.cq_entries;
	ring_geometry(p.flags, n.sq_entries, n.cq_entries, &n.array_off, &n.ring_size);
	n.sqes_size = (64UL << r->sqe_shift) * n.sq_entries;

	ret = rings_region(&p, &n);
	if (!ret) {
		ring_fill_offsets(&p); /* sq_off.array: the caller's */
		if (umem_write(arg, &p, sizeof(p)))
			ret = -EFAULT;
	}
	if (!ret)
		ret = sqes_region(&p, &n);
	if (!ret && !(p.flags & IORING_SETUP_NO_MMAP))
		ret = map_new(r, &n);
	if (!ret)
		ret = swap_rings(r, &n);
	if (ret) {
		if (n.mapped) {
			/* the same file pages as the ring's: their contents stay */
			sys_munmap(n.rings, n.ring_size);
			sys_munmap(n.sqes, PAGE_ALIGN(n.sqes_size));
		}
		if (n.pages)
			memlock_uncharge(n.pages);
	}
	return ret;
}
