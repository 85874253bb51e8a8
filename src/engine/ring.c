// SPDX-License-Identifier: MIT
/*
 * Ring lifetime: io_uring_setup (validation, sizing, the ring file and its
 * mappings), the fd -> ring table, memlock accounting and teardown.
 *
 * The ring fd is a memfd: the rings (struct io_rings: SQ and CQ fields, the
 * CQEs, the SQ array) in one region at file offset 0, as the kernel lays
 * them out (IORING_FEAT_SINGLE_MMAP), the SQE array at IORING_OFF_SQES (the
 * file is sparse in between).  A memfd cannot show one page at two offsets:
 * an mmap at IORING_OFF_CQ_RING reaches the region through
 * engine_ring_map_offset() (the library's and the shim's mmap wrappers,
 * lib/mmapwrap.c; the shim's trap of raw mmap calls, preload/fdtrap.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "engine/cancel.h"
#include "engine/engine.h"
#include "engine/kbuf.h"
#include "engine/api.h"
#include "engine/sys.h"
#include "engine/trace.h"

#define PAGE_SZ 4096UL
#define PAGE_ALIGN(x) (((x) + PAGE_SZ - 1) & ~(PAGE_SZ - 1))

/*
 * fd -> ring: two levels of atomic pointers (1024 chunks of 1024 slots), so
 * that ringer_is_engine_fd() is two loads.  Chunks live as long as the process.
 */
#define FDT_SHIFT 10
#define FDT_CHUNK (1U << FDT_SHIFT)
#define FDT_MAX (FDT_CHUNK * FDT_CHUNK)

typedef _Atomic(struct ring *) ring_slot;
static _Atomic(ring_slot *) fd_table[FDT_CHUNK];
_Atomic bool engine_rings_made;
static pthread_mutex_t fdt_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Aliases: other numbers that name an engine ring's file, not held by the
 * engine (the preload shim's copy handed to the program).  An alias holds no
 * reference; it is checked by identity (dev, ino) whenever it is used.
 */
static _Atomic(ring_slot *) alias_table[FDT_CHUNK];

/* table_slot() found no chunk for fd: make it */
static __attribute__((noinline)) ring_slot *chunk_create(_Atomic(ring_slot *) *table, int fd)
{
	ring_slot *chunk;

	pthread_mutex_lock(&fdt_lock);
	chunk = atomic_load_explicit(&table[fd >> FDT_SHIFT], memory_order_relaxed);
	if (!chunk) {
		chunk = calloc(FDT_CHUNK, sizeof(*chunk));
		if (chunk)
			atomic_store_explicit(&table[fd >> FDT_SHIFT], chunk, memory_order_release);
	}
	pthread_mutex_unlock(&fdt_lock);
	return chunk;
}

/* inline: every enter looks its ring up */
static inline ring_slot *table_slot(_Atomic(ring_slot *) *table, int fd, bool create)
{
	ring_slot *chunk;

	if (fd < 0 || (unsigned)fd >= FDT_MAX)
		return NULL;
	/* acquire: pairs with the release in chunk_create(), the chunk's
	 * zeroing is visible */
	chunk = atomic_load_explicit(&table[fd >> FDT_SHIFT], memory_order_acquire);
	if (!chunk && create)
		chunk = chunk_create(table, fd);
	return chunk ? &chunk[fd & (FDT_CHUNK - 1)] : NULL;
}

static ring_slot *fdt_slot(int fd, bool create)
{
	return table_slot(fd_table, fd, create);
}

static struct ring *fdt_load(int fd)
{
	ring_slot *s = fdt_slot(fd, false);

	/* acquire: pairs with the release that published the ring at setup */
	return s ? atomic_load_explicit(s, memory_order_acquire) : NULL;
}

/*
 * Fork generation: a child process inherits the fd table above, the ring
 * structs and the ring fds, but none of the engine's threads, and the locks
 * and lists it copied may be in any state.  A ring made in another
 * generation is the parent's: the child neither runs it nor tears it down
 * (its close only lets go of the fd number), so the parent's requests are
 * left alone, as the kernel leaves them.
 */
static atomic_uint fork_gen;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void forked(void)
{
	atomic_fetch_add_explicit(&fork_gen, 1, memory_order_relaxed);
}

static void fork_hook(void)
{
	pthread_atfork(NULL, NULL, forked);
}

pid_t engine_gettid(void)
{
	static _Thread_local pid_t tid ENGINE_TLS;
	static _Thread_local unsigned tid_gen ENGINE_TLS;
	/* relaxed: only this thread's own fork changes it, before it returns */
	unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);

	if (!tid || tid_gen != gen) {
		tid = (pid_t)syscall(SYS_gettid);
		tid_gen = gen;
	}
	return tid;
}

static bool ring_ours(const struct ring *r)
{
	return r->gen == atomic_load_explicit(&fork_gen, memory_order_relaxed);
}

bool engine_fd_is_ring(int fd)
{
	return fdt_load(fd) != NULL;
}

RINGER_API int ringer_is_engine_fd(int fd)
{
	return fdt_load(fd) != NULL;
}

/*
 * Ring structs are recycled, never freed, so a lookup racing with a teardown
 * touches valid memory; the refcount (inc-not-zero) and the re-check of the
 * slot decide whether the ring is still the one at that fd.
 */
static pthread_mutex_t free_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ring *free_rings;

static struct ring *ring_alloc(void)
{
	struct ring *r;

	pthread_mutex_lock(&free_lock);
	r = free_rings;
	if (r)
		free_rings = r->free_next;
	pthread_mutex_unlock(&free_lock);
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		pthread_mutex_init(&r->submit_lock, NULL);
		pthread_mutex_init(&r->cq_lock, NULL);
		pthread_mutex_init(&r->defer_lock, NULL);
		pthread_mutex_init(&r->async_lock, NULL);
		pthread_mutex_init(&r->poll_lock, NULL);
		pthread_mutex_init(&r->timeout_lock, NULL);
		pthread_mutex_init(&r->cancel_lock, NULL);
		pthread_mutex_init(&r->ready_lock, NULL);
		pthread_mutex_init(&r->rsrc_lock, NULL);
		pthread_mutex_init(&r->iopoll_lock, NULL);
		pthread_mutex_init(&r->kbuf_lock, NULL);
		pthread_mutex_init(&r->kbuf_sel_lock, NULL);
	}
	return r;
}

static void ring_recycle(struct ring *r)
{
	pthread_mutex_lock(&free_lock);
	r->free_next = free_rings;
	free_rings = r;
	pthread_mutex_unlock(&free_lock);
}

/* Reset every field but the locks and the refcount. */
static void ring_reset(struct ring *r)
{
	r->fd = -1;
	r->flags = 0;
	r->sq_map = r->cq_map = NULL;
	r->sqes = NULL;
	r->ring_size = r->sqes_size = 0;
	r->sqe_shift = r->cqe_shift = 0;
	r->memlock_pages = 0;
	atomic_store(&r->disabled, false);
	atomic_store(&r->dying, false);
	memset(&r->restrictions, 0, sizeof(r->restrictions));
	atomic_store(&r->restricted, false);
	r->cached_sq_head = 0;
	r->drain_next = false;
	atomic_store(&r->drain_disabled, false);
	atomic_store(&r->nr_allocated, 0);
	r->cached_cq_tail = 0;
	r->ovf_head = r->ovf_tail = NULL;
	r->local_head = r->local_tail = NULL;
	r->nr_local = 0;
	atomic_store(&r->reactor_busy, 0);
	atomic_store(&r->submitter_tid, 0);
	r->waiters = NULL;
	r->evfd = -1;
	r->evfd_async = false;
	r->efd_pool = NULL;
	r->efd_pool_n = r->efd_pool_cap = 0;
	atomic_store(&r->nr_freed, 0);
	atomic_store(&r->drain_active, false);
	r->defer_head = r->defer_tail = NULL;
	r->nr_deferred = 0;
	r->wq = NULL;
	r->reactor = NULL;
	atomic_store(&r->nr_async, 0);
	r->ready_reqs = NULL;
	r->wq_running = NULL;
	r->wq_pending = NULL;
	r->polls = NULL;
	memset(r->poll_hash, 0, sizeof(r->poll_hash));
	atomic_store(&r->poll_aio, NULL);
	r->poll_aio_off = false;
	r->poll_mset = NULL;
	r->timeout_seq = r->timeout_noseq = r->timeout_noseq_tail = NULL;
	r->ltimeouts = NULL;
	r->cq_last_tm_flush = 0;
	atomic_store(&r->cq_timeouts, 0);
	atomic_store(&r->nr_seq_timeouts, 0);
	atomic_store(&r->futex, NULL);
	atomic_store(&r->waitid, NULL);
	atomic_store(&r->evfd_signals, 0);
	r->bufs = NULL;
	r->nr_bufs = 0;
	r->files = NULL;
	r->nr_files = 0;
	r->file_alloc_hint = 0;
	r->file_alloc_start = 0;
	r->file_alloc_end = 0;
	r->free_next = NULL;
	atomic_store(&r->poll_efd, -1);
	atomic_store(&r->poll_signalled, false);
	r->poll_slot = -1;
	r->param_ptr = NULL;
	r->param_size = r->wait_size = 0;
	r->param_fd = -1;
	r->param_pages = 0;
}

/* RLIMIT_MEMLOCK accounting: one counter for the process (the kernel's is per user). */
static _Atomic uint64_t memlock_used;

bool engine_has_cap(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (sys_capget(&hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}

bool memlock_exempt(void)
{
	return engine_has_cap(CAP_IPC_LOCK);
}

int memlock_charge(uint64_t pages)
{
	struct rlimit rl;
	uint64_t limit, cur;

	if (!pages)
		return 0;
	if (sys_getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		return -ENOMEM;
	limit = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur / PAGE_SZ;
	cur = atomic_load_explicit(&memlock_used, memory_order_relaxed);
	do {
		if (cur + pages > limit || cur + pages < cur)
			return -ENOMEM;
	} while (!atomic_compare_exchange_weak_explicit(&memlock_used, &cur, cur + pages,
							memory_order_relaxed,
							memory_order_relaxed));
	return 0;
}

void memlock_uncharge(uint64_t pages)
{
	atomic_fetch_sub_explicit(&memlock_used, pages, memory_order_relaxed);
}

static unsigned roundup_pow2(unsigned v)
{
	unsigned r = 1;

	while (r < v)
		r <<= 1;
	return r;
}

/*
 * The kernel's io_uring_fill_params() sizes: entries rounded up to a power
 * of two (IORING_SETUP_CLAMP: clamped to the maximum, else -EINVAL above
 * it), the CQ twice the SQ or p->cq_entries (IORING_SETUP_CQSIZE: not 0,
 * not below the SQ).  Setup's and RESIZE_RINGS' (resize.c).
 */
int ring_fill_entries(unsigned entries, struct io_uring_params *p)
{
	unsigned f = p->flags;

	if (!entries)
		return -EINVAL;
	if (entries > IORING_MAX_ENTRIES) {
		if (!(f & IORING_SETUP_CLAMP))
			return -EINVAL;
		entries = IORING_MAX_ENTRIES;
	}
	p->sq_entries = roundup_pow2(entries);
	if (f & IORING_SETUP_CQSIZE) {
		unsigned cq = p->cq_entries;

		if (!cq)
			return -EINVAL;
		if (cq > IORING_MAX_CQ_ENTRIES) {
			if (!(f & IORING_SETUP_CLAMP))
				return -EINVAL;
			cq = IORING_MAX_CQ_ENTRIES;
		}
		p->cq_entries = roundup_pow2(cq);
		if (p->cq_entries < p->sq_entries)
			return -EINVAL;
		/* a 32-byte CQE takes two slots of a CQE_MIXED ring: one slot
		 * could never hold it (Linux 6.18, probed) */
		if ((f & IORING_SETUP_CQE_MIXED) && p->cq_entries < 2)
			return -EOVERFLOW;
	} else {
		p->cq_entries = 2 * p->sq_entries;
	}
	return 0;
}

/* The kernel's io_uring_sanitise_params() and its size rules. */
static int check_params(unsigned entries, struct io_uring_params *p)
{
	unsigned f = p->flags;

	for (int i = 0; i < 3; i++)
		if (p->resv[i])
			return -EINVAL;
	if (f & ~((1U << 19) - 1)) /* SQE_MIXED and later: not in 6.18 */
		return -EINVAL;
	if ((f & IORING_SETUP_REGISTERED_FD_ONLY) && !(f & IORING_SETUP_NO_MMAP))
		return -EINVAL;
	if ((f & IORING_SETUP_SQPOLL) &&
	    (f & (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG |
		  IORING_SETUP_DEFER_TASKRUN)))
		return -EINVAL;
	if ((f & IORING_SETUP_TASKRUN_FLAG) &&
	    !(f & (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_DEFER_TASKRUN)))
		return -EINVAL;
	if ((f & IORING_SETUP_HYBRID_IOPOLL) && !(f & IORING_SETUP_IOPOLL))
		return -EINVAL;
	if ((f & IORING_SETUP_DEFER_TASKRUN) && !(f & IORING_SETUP_SINGLE_ISSUER))
		return -EINVAL;
	if ((f & IORING_SETUP_CQE32) && (f & IORING_SETUP_CQE_MIXED))
		return -EINVAL;

	return ring_fill_entries(entries, p);
}

/* Checks the kernel makes after allocating the ring (SQPOLL/ATTACH_WQ). */
static int check_late(struct io_uring_params *p)
{
	int ret = sqpoll_check_params(p); /* SQ_AFF, ATTACH_WQ (sqpoll.c) */

	if (ret)
		return ret;
	if (p->flags & ~(ENGINE_SETUP_FLAGS | SQPOLL_SETUP_FLAGS))
		return -EINVAL; /* valid for the kernel, not implemented by the engine */
	return 0;
}

static void ring_unmap(struct ring *r)
{
	if (r->flags & IORING_SETUP_NO_MMAP) {
		/* the program's memory: it stays the program's */
		r->sq_map = r->cq_map = NULL;
		r->sqes = NULL;
		return;
	}
	if (r->sq_map)
		sys_munmap(r->sq_map, r->ring_size);
	if (r->sqes)
		sys_munmap(r->sqes, PAGE_ALIGN(r->sqes_size));
	r->sq_map = r->cq_map = NULL;
	r->sqes = NULL;
}

/*
 * The kernel's rings_size(): struct io_rings' 64 bytes, the CQEs (a CQE32
 * ring's twice as big), then at the next cache line the SQ array, which a
 * NO_SQARRAY ring has none of (*array_off 0).  *ring_size is page aligned.
 */
void ring_geometry(unsigned flags, unsigned sq_entries, unsigned cq_entries, unsigned *array_off,
		   size_t *ring_size)
{
	size_t end, off = (64 + 16 * (size_t)cq_entries) << !!(flags & IORING_SETUP_CQE32);

	off = (off + 63) & ~(size_t)63;
	end = off + 4 * (size_t)sq_entries;
	if (flags & IORING_SETUP_NO_SQARRAY) {
		end = off;
		off = 0;
	}
	*array_off = (unsigned)off;
	*ring_size = PAGE_ALIGN(end);
}

/*
 * Pointers into the rings at base (struct io_rings layout, as the
 * kernel's): setup's, and RESIZE_RINGS' swap to new rings (resize.c).
 */
void ring_set_pointers(struct ring *r, void *base, unsigned array_off)
{
	r->sq_map = r->cq_map = base; /* one region: IORING_FEAT_SINGLE_MMAP */
	r->sq_head = (unsigned *)((char *)base + 0);
	r->sq_tail = (unsigned *)((char *)base + 4);
	r->sq_dropped = (unsigned *)((char *)base + 32);
	r->sq_array = array_off ? (unsigned *)((char *)base + array_off) : NULL;
	/*
	 * release: pollfd.c's cq_pending() loads these three with acquire and
	 * then reads the rings' header through them; resize.c wrote that
	 * header before.  cq_lock orders the two already, but cq_pending()
	 * runs inside the poll calls of the program, where a ThreadSanitizer
	 * build's poll interceptor hides the lock from it.
	 */
	__atomic_store_n(&r->sq_flags, (unsigned *)((char *)base + 36), __ATOMIC_RELEASE);
	__atomic_store_n(&r->cq_head, (unsigned *)((char *)base + 8), __ATOMIC_RELEASE);
	__atomic_store_n(&r->cq_tail, (unsigned *)((char *)base + 12), __ATOMIC_RELEASE);
	r->cq_flags = (unsigned *)((char *)base + 40);
	r->cq_overflow = (unsigned *)((char *)base + 44);
	r->cqes = (struct io_uring_cqe *)((char *)base + 64);
}

/* The masks and entries in the rings at base (struct io_rings offsets) */
void ring_write_sizes(void *base, unsigned sq_entries, unsigned cq_entries)
{
	*(unsigned *)((char *)base + 16) = sq_entries - 1;
	*(unsigned *)((char *)base + 24) = sq_entries;
	*(unsigned *)((char *)base + 20) = cq_entries - 1;
	*(unsigned *)((char *)base + 28) = cq_entries;
}

/* Pointers, masks and entries: written once, before the fd is handed out. */
static void ring_layout(struct ring *r, unsigned array_off)
{
	ring_set_pointers(r, r->sq_map, array_off);
	ring_write_sizes(r->sq_map, r->sq_entries, r->cq_entries);
}

static int ring_map(struct ring *r, int memfd, unsigned array_off)
{
	int err = 0;

	r->sq_map = sys_mmap(NULL, r->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd,
			     IORING_OFF_SQ_RING, &err);
	if (!r->sq_map)
		return err;
	r->sqes = sys_mmap(NULL, PAGE_ALIGN(r->sqes_size), PROT_READ | PROT_WRITE, MAP_SHARED,
			   memfd, (off_t)r->off_sqes, &err);
	if (!r->sqes)
		return err;
	ring_layout(r, array_off);
	return 0;
}

/*
 * The kernel pins a region of the program's memory, writable: -EFAULT if
 * any of it is not there or read-only.  The engine cannot pin: it checks
 * every byte can be read and written back, through the fault-safe copies.
 */
int user_pages_check(uint64_t addr, size_t size)
{
	void *buf;
	int ret;

	if (!user_range_ok(addr, size))
		return -EFAULT;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	ret = umem_read(buf, (void *)(uintptr_t)addr, size);
	if (!ret)
		ret = umem_write((void *)(uintptr_t)addr, buf, size);
	free(buf);
	return ret ? -EFAULT : 0;
}

/*
 * IORING_SETUP_NO_MMAP: a region of the program's memory, as the kernel's
 * io_create_region() takes it: an address (-EFAULT), page aligned
 * (-EINVAL), charged to RLIMIT_MEMLOCK (-ENOMEM), then pinned writable
 * (-EFAULT).  The engine
 * cannot pin: it checks every byte can be read and written back, through
 * the fault-safe copies, and uses the memory in place afterwards.
 */
int user_region(uint64_t addr, size_t size, uint64_t *charged)
{
	uint64_t pages = size / PAGE_SZ;

	if (!addr)
		return -EFAULT;
	if (addr & (PAGE_SZ - 1))
		return -EINVAL;
	if (!memlock_exempt()) {
		if (memlock_charge(pages))
			return -ENOMEM;
		*charged += pages; /* given back by the caller's failure path */
	}
	return user_pages_check(addr, size);
}

/*
 * The rings at cq_off.user_addr, the SQEs at sq_off.user_addr.  As the
 * kernel, only struct io_rings' header is cleared: CQEs, the SQ array and
 * the SQEs keep what the program left there.
 */
static int ring_user_memory(struct ring *r, const struct io_uring_params *p, unsigned array_off)
{
	int ret = user_region(p->cq_off.user_addr, r->ring_size, &r->memlock_pages);

	if (!ret)
		ret = user_region(p->sq_off.user_addr, PAGE_ALIGN(r->sqes_size), &r->memlock_pages);
	if (ret)
		return ret;
	r->sq_map = (void *)(uintptr_t)p->cq_off.user_addr;
	r->sqes = (struct io_uring_sqe *)(uintptr_t)p->sq_off.user_addr;
	memset(r->sq_map, 0, 64);
	ring_layout(r, array_off);
	return 0;
}

/*
 * Size the ring file: sparse, with the SQEs at their ABI mmap offset.
 * Growing a file past RLIMIT_FSIZE fails (and raises SIGXFSZ), so under a
 * smaller limit the SQEs follow the rings instead (engine_map_offset(),
 * api.h).
 */
static int size_ring_file(struct ring *r, int memfd)
{
	uint64_t full = IORING_OFF_SQES + PAGE_ALIGN(r->sqes_size);
	uint64_t compact = r->ring_size + PAGE_ALIGN(r->sqes_size);
	struct rlimit rl;

	r->off_cq = 0; /* the CQ ring is in the SQ ring's region */
	r->off_sqes = IORING_OFF_SQES;
	if (sys_getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < full) {
		/* no ftruncate past the limit: it would raise SIGXFSZ */
		if (rl.rlim_cur < compact)
			return -ENOMEM;
		r->off_sqes = r->ring_size;
		return sys_ftruncate(memfd, (off_t)compact);
	}
	return sys_ftruncate(memfd, (off_t)full);
}

/*
 * The kernel's io_uring_validate_mmap_request(): the region is named by the
 * offset's high bits (IORING_OFF_MMAP_MASK), the low ones are ignored (the
 * mapping starts at the region's start); a region the ring does not have
 * (param regions, anything else) is -ENOMEM.  A provided buffer ring the
 * engine allocated (IOU_PBUF_RING_MMAP) is a file of its own: *map_fd, a
 * new fd the caller closes (else -1: the ring's file; without map_fd, no
 * buffer ring).  Its bgid is what the bits below the mask hold, as the
 * kernel reads it: a bgid above 2047 sets a bit of the mask and names no
 * region.
 */
static int region_offset(struct ring *r, uint64_t off, uint64_t *file_off, int *map_fd)
{
	int fd;

	if (map_fd)
		*map_fd = -1;
	if ((r->flags & IORING_SETUP_NO_MMAP) &&
	    ((off & IORING_OFF_MMAP_MASK) == IORING_OFF_SQ_RING ||
	     (off & IORING_OFF_MMAP_MASK) == IORING_OFF_CQ_RING ||
	     (off & IORING_OFF_MMAP_MASK) == IORING_OFF_SQES))
		return -ENOMEM; /* the rings are the program's memory: nothing to map */
	switch (off & IORING_OFF_MMAP_MASK) {
	case IORING_OFF_SQ_RING:
		*file_off = 0;
		return 0;
	case IORING_OFF_CQ_RING:
		*file_off = r->off_cq;
		return 0;
	case IORING_OFF_SQES:
		/* relaxed: RESIZE_RINGS moves a compact ring's SQEs (resize.c) */
		*file_off = __atomic_load_n(&r->off_sqes, __ATOMIC_RELAXED);
		return 0;
	case PARAM_REGION_OFF:
		if (!map_fd)
			return -ENOMEM;
		fd = mem_region_map_fd(r);
		if (fd < 0)
			return fd;
		*map_fd = fd;
		*file_off = 0;
		return 0;
	case IORING_OFF_PBUF_RING:
		if (!map_fd)
			return -ENOMEM;
		fd = kbuf_mmap_fd(r, (unsigned)((off & ~IORING_OFF_MMAP_MASK) >>
						IORING_OFF_PBUF_SHIFT));
		if (fd < 0)
			return fd;
		*map_fd = fd;
		*file_off = 0;
		return 0;
	default:
		return -ENOMEM;
	}
}

uint64_t engine_map_offset(int fd, uint64_t off)
{
	struct ring *r = ring_get(fd);
	uint64_t ret = off;

	if (!r)
		return off;
	region_offset(r, off, &ret, NULL);
	ring_put(r);
	return ret;
}

int engine_ring_map_offset(int fd, uint64_t off, int prot, uint64_t *file_off, int *map_fd)
{
	/* by identity: a number closed behind the engine's back may map another file now */
	struct ring *r = ring_get_current(fd);
	int ret;

	*map_fd = -1;
	if (!r)
		r = ring_get_polled(fd); /* the shim's numbers: aliases */
	if (!r)
		return 0;
	ret = region_offset(r, off, file_off, map_fd);
	ring_put(r);
	if (ret)
		return ret;
	if (prot & PROT_EXEC) {
		/*
		 * The kernel's ring file is on a noexec mount.  A raw close, as
		 * the callers made it: not a fault point, and never trapped.
		 */
		if (*map_fd >= 0)
			arch_syscall6(SYS_close, *map_fd, 0, 0, 0, 0, 0);
		*map_fd = -1;
		return -EPERM;
	}
	return 1;
}

/*
 * The offsets in p as the kernel's io_uring_fill_params() writes them: the
 * reserved words cleared, a NO_MMAP ring's addresses kept, any other's
 * cleared; sq_off.array is left to the caller (setup writes it,
 * RESIZE_RINGS leaves the caller's value, as 6.18 does).
 */
void ring_fill_offsets(struct io_uring_params *p)
{
	uint64_t sq_user = p->sq_off.user_addr, cq_user = p->cq_off.user_addr;
	uint32_t array = p->sq_off.array;

	memset(&p->sq_off, 0, sizeof(p->sq_off));
	memset(&p->cq_off, 0, sizeof(p->cq_off));
	if (p->flags & IORING_SETUP_NO_MMAP) {
		p->sq_off.user_addr = sq_user;
		p->cq_off.user_addr = cq_user;
	}
	p->sq_off.head = 0;
	p->sq_off.tail = 4;
	p->sq_off.ring_mask = 16;
	p->sq_off.ring_entries = 24;
	p->sq_off.flags = 36;
	p->sq_off.dropped = 32;
	p->sq_off.array = array;
	p->cq_off.head = 8;
	p->cq_off.tail = 12;
	p->cq_off.ring_mask = 20;
	p->cq_off.ring_entries = 28;
	p->cq_off.overflow = 44;
	p->cq_off.cqes = 64;
	p->cq_off.flags = 40;
}

static int fd_only_register(struct ring *r);

RINGER_API int ringer_setup(unsigned entries, struct io_uring_params *up)
{
	struct io_uring_params p;
	struct ring *r;
	size_t ring_size;
	unsigned array_off;
	uint64_t pages = 0;
	ring_slot *slot;
	struct stat st;
	int memfd, ret;

	if (engine_faults < 0)
		return -EINVAL; /* RINGER_FAULTS was refused at load (faults.c) */
	if (!up || umem_read(&p, up, sizeof(p)))
		return -EFAULT;
	ret = check_params(entries, &p);
	if (ret)
		return ret;

	ring_geometry(p.flags, p.sq_entries, p.cq_entries, &array_off, &ring_size);
	ret = check_late(&p);
	if (ret)
		return ret;

	pthread_once(&fork_once, fork_hook);
	trace_setup();
	r = ring_alloc();
	if (!r)
		return -ENOMEM;
	ring_reset(r);
	r->gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	r->flags = p.flags;
	r->sq_entries = p.sq_entries;
	r->cq_entries = p.cq_entries;
	r->sq_mask = p.sq_entries - 1;
	r->cq_mask = p.cq_entries - 1;
	r->ring_size = ring_size;
	r->sqe_shift = !!(p.flags & IORING_SETUP_SQE128);
	r->cqe_shift = !!(p.flags & IORING_SETUP_CQE32);
	r->sqes_size = (64UL << r->sqe_shift) * p.sq_entries;

	if (!memlock_exempt() && !(p.flags & IORING_SETUP_NO_MMAP)) {
		/* the kernel charges the ring region and the SQE array */
		pages = r->ring_size / PAGE_SZ + PAGE_ALIGN(r->sqes_size) / PAGE_SZ;
		if (memlock_charge(pages)) {
			ring_recycle(r);
			return -ENOMEM;
		}
		r->memlock_pages = pages;
	}

	memfd = sys_memfd_create("[io_uring]", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0) {
		ret = memfd;
		goto fail;
	}
	/* the kernel installs no fd: the engine's is kept out of the program's way */
	if (p.flags & IORING_SETUP_REGISTERED_FD_ONLY)
		memfd = sys_fd_move_high(memfd);
	if (p.flags & IORING_SETUP_NO_MMAP) {
		/* an empty file: the ring's identity, nothing in it */
		ret = sys_fcntl(memfd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
		if (!ret)
			ret = ring_user_memory(r, &p, array_off);
	} else {
		ret = size_ring_file(r, memfd);
		/* a ring that can be resized grows its file then (resize.c) */
		if (!ret)
			ret = sys_fcntl(memfd, F_ADD_SEALS,
					(p.flags & IORING_SETUP_DEFER_TASKRUN ? 0 : F_SEAL_GROW) |
						F_SEAL_SHRINK | F_SEAL_SEAL);
		if (!ret)
			ret = ring_map(r, memfd, array_off);
	}
	if (!ret && !(slot = fdt_slot(memfd, true)))
		ret = -ENOMEM;
	if (ret)
		goto fail_fd;

	sys_fd_table_grow(memfd);
	if (sys_fstat(memfd, &st) == 0) {
		r->dev = st.st_dev;
		r->ino = st.st_ino;
	}
	r->fd = memfd;
	if (p.flags & IORING_SETUP_R_DISABLED)
		atomic_store(&r->disabled, true);
	else if (p.flags & IORING_SETUP_SINGLE_ISSUER)
		atomic_store_explicit(&r->submitter_tid, engine_gettid(), memory_order_relaxed);

	ring_fill_offsets(&p);
	p.sq_off.array = array_off;
	p.features = ENGINE_FEATURES | SQPOLL_FEATURES;
	if (umem_write(up, &p, sizeof(p))) {
		ret = -EFAULT;
		goto fail_fd;
	}
	if (faults_on()) {
		ret = faults_ring_setup(r); /* RINGER_FAULTS: counters, CQ size */
		if (ret)
			goto fail_fd;
	}
	ret = sqpoll_setup(r, &p); /* the SQ poller, last: nothing fails after it */
	if (ret)
		goto fail_fd;

	atomic_store_explicit(&r->refs, 1, memory_order_relaxed);
	/*
	 * A ring still in the slot lost its fd to a close(2) the engine never
	 * saw: the number is ours now, so that ring goes.
	 */
	engine_forget_fd(memfd);
	atomic_store_explicit(&engine_rings_made, true, memory_order_relaxed);
	/* release: the ring is fully built before another thread can find it */
	atomic_store_explicit(slot, r, memory_order_release);
	if (p.flags & IORING_SETUP_REGISTERED_FD_ONLY)
		return fd_only_register(r);
	return memfd;

fail_fd:
	faults_ring_free(r);
	ring_unmap(r);
	if (memfd >= 0)
		sys_close(memfd);
fail:
	if (r->memlock_pages)
		memlock_uncharge(r->memlock_pages);
	ring_recycle(r);
	return ret;
}

/*
 * A reference on r unless its count already reached 0 (inc-not-zero).  Ring
 * structs are recycled, never freed, so r is valid memory either way; the
 * caller re-checks that the slot it found r in still holds it.  acquire:
 * the ring's state set up before its reference was published is visible.
 */
bool ring_tryget(struct ring *r)
{
	int refs = atomic_load_explicit(&r->refs, memory_order_relaxed);

	do {
		if (refs <= 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&r->refs, &refs, refs + 1,
							memory_order_acquire,
							memory_order_relaxed));
	return true;
}

struct ring *ring_get(int fd)
{
	struct ring *r = fdt_load(fd);

	/* an inherited ring is no ring here: -EOPNOTSUPP, as under the shim */
	if (!r || !ring_ours(r) || !ring_tryget(r))
		return NULL;
	if (fdt_load(fd) != r) {
		ring_put(r);
		return NULL;
	}
	return r;
}

/*
 * io_uring_enter on a ring inherited from the parent, which the engine
 * cannot run in the child (docs/API.md, "fork"): where the kernel's answer
 * follows from the ring alone, give it; else -EOPNOTSUPP.  The kernel
 * checks a disabled ring first (-EBADFD); a SINGLE_ISSUER ring's submitter
 * is the parent's task (set at setup or at ENABLE_RINGS), so the child's
 * submission, or its wait on a DEFER_TASKRUN ring, is -EEXIST.  The ring's
 * copy in the child is read only: its flags never change after setup.
 */
int ring_inherited_enter_error(int fd, unsigned to_submit, unsigned flags)
{
	const struct ring *r = fdt_load(fd);
	unsigned rflags;

	if (!r || ring_ours(r))
		return engine_bad_ring_fd(fd);
	rflags = r->flags;
	if (atomic_load_explicit(&r->disabled, memory_order_relaxed))
		return -EBADFD;
	if ((rflags & IORING_SETUP_SINGLE_ISSUER) && !(rflags & IORING_SETUP_SQPOLL) &&
	    (to_submit ||
	     ((rflags & IORING_SETUP_DEFER_TASKRUN) && (flags & IORING_ENTER_GETEVENTS))))
		return -EEXIST;
	return -EOPNOTSUPP;
}

static void ring_teardown(struct ring *r)
{
	ring_cancel_all(r); /* every request completed and freed (cancel.c) */
	faults_ring_free(r);
	cq_drop_overflow(r);
	ring_poll_release(r); /* pollfd.c: nothing posts any more */
	rsrc_free_all(r);
	kbuf_free_all(r);
	personality_free_all(r);
	evfd_release(r);
	cq_free_waiter_fds(r);
	mem_region_free(r);
	ring_unmap(r);
	if (r->memlock_pages)
		memlock_uncharge(r->memlock_pages);
	ring_recycle(r);
}

void ring_put(struct ring *r)
{
	/* acq_rel: the last dropper sees every other user's writes before teardown */
	if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1)
		ring_teardown(r);
}

/*
 * A parent's ring forgotten in a forked child: never freed here (its memory
 * is the parent's state as it was copied, locks and lists in any state),
 * but kept on this list, so that it stays reachable memory rather than a
 * leak for the child's leak checkers.  Only ever grows, in the child.
 */
static struct ring *_Atomic parents_forgotten;

static void forget_parents_ring(struct ring *r)
{
	struct ring *head = atomic_load_explicit(&parents_forgotten, memory_order_relaxed);

	/* a push without a lock, which a fork could copy held; nobody reads
	 * the list, relaxed is enough */
	do
		r->forgotten_next = head;
	while (!atomic_compare_exchange_weak_explicit(&parents_forgotten, &head, r,
						      memory_order_relaxed, memory_order_relaxed));
}

void engine_forget_fd(int fd)
{
	ring_slot *slot = fdt_slot(fd, false);
	struct ring *r = slot ? atomic_load_explicit(slot, memory_order_acquire) : NULL;

	/* the fd number is no longer the ring's: leave it alone, drop the ring */
	if (r && atomic_compare_exchange_strong(slot, &r, NULL)) {
		if (!ring_ours(r)) {
			forget_parents_ring(r);
			return;
		}
		sqpoll_detach(r);
		ring_put(r);
	}
}

/* Is fd, now, the ring's own file?  (dev, ino) of the ring file. */
static bool ring_file_is(const struct ring *r, int fd)
{
	struct stat st;

	return sys_fstat(fd, &st) == 0 && st.st_dev == r->dev && st.st_ino == r->ino;
}

bool ring_file_current(const struct ring *r)
{
	return ring_file_is(r, r->fd);
}

/*
 * ring_get() for the slow paths (register, registering files): a ring whose
 * fd the program closed with close(2) still sits in the table under the
 * number; if the number now names another file, the stale ring goes.
 */
struct ring *ring_get_current(int fd)
{
	struct ring *r = ring_get(fd);

	if (!r || ring_file_is(r, fd))
		return r;
	ring_put(r);
	engine_forget_fd(fd);
	return NULL;
}

/*
 * The ring at fd in the engine's table (by number only: the library's own
 * fds, which leave the table at ringer_close()), or as an alias (checked by
 * identity: the shim's program-side numbers, which the program closes).
 */
struct ring *ring_get_polled(int fd)
{
	struct ring *r = ring_get(fd), *g;
	ring_slot *as;

	if (r)
		return r;
	as = table_slot(alias_table, fd, false);
	r = as ? atomic_load_explicit(as, memory_order_acquire) : NULL;
	if (!r)
		return NULL;
	g = ring_get(r->fd);
	if (g == r && ring_file_is(r, fd))
		return r;
	if (g)
		ring_put(g);
	atomic_compare_exchange_strong(as, &r, NULL);
	return NULL;
}

void engine_alias_fd(int ring_fd, int alias)
{
	ring_slot *slot = table_slot(alias_table, alias, true);
	struct ring *r = fdt_load(ring_fd);

	if (slot)
		atomic_store_explicit(slot, r, memory_order_release);
}

/*
 * Does fd name an engine ring's file (its own fd, or an alias)?  A stale
 * entry (the number closed and reused) is dropped on the way.  Cheap when fd
 * is in neither table, which is the case for every request on a file.
 */
/* Is there an entry for fd in table?  The same loads as table_slot(), inline. */
static inline bool table_has(_Atomic(ring_slot *) *table, int fd)
{
	ring_slot *chunk;

	if ((unsigned)fd >= FDT_MAX)
		return false;
	/* acquire: pairs with the release that published the chunk */
	chunk = atomic_load_explicit(&table[fd >> FDT_SHIFT], memory_order_acquire);
	return chunk && atomic_load_explicit(&chunk[fd & (FDT_CHUNK - 1)], memory_order_relaxed);
}

static __attribute__((noinline)) bool fd_names_ring_slow(int fd)
{
	ring_slot *as;
	struct ring *r, *g;
	bool is;

	if (fdt_load(fd)) {
		r = ring_get_current(fd);
		if (r) {
			ring_put(r);
			return true;
		}
	}
	as = table_slot(alias_table, fd, false);
	/* acquire: pairs with the release in engine_alias_fd() */
	r = as ? atomic_load_explicit(as, memory_order_acquire) : NULL;
	if (!r)
		return false;
	/* rings are recycled, never freed: a reference, then the identity */
	g = ring_get(r->fd);
	is = g == r && ring_file_is(r, fd);
	if (g)
		ring_put(g);
	if (!is)
		atomic_compare_exchange_strong(as, &r, NULL);
	return is;
}

bool engine_fd_names_ring(int fd)
{
	/* every request on a file asks: in neither table is the answer then */
	if (!table_has(fd_table, fd) && !table_has(alias_table, fd))
		return false;
	return fd_names_ring_slow(fd);
}

RINGER_API int ringer_close(int fd)
{
	ring_slot *slot = fdt_slot(fd, false);
	struct ring *r = slot ? atomic_load_explicit(slot, memory_order_acquire) : NULL;

	if (!r || !atomic_compare_exchange_strong(slot, &r, NULL))
		return -EBADF;
	/* the fd number goes now, as close(2) would; the engine keeps its mappings */
	sys_close(fd);
	if (!ring_ours(r)) {
		forget_parents_ring(r); /* the parent's: only forgotten here */
		return 0;
	}
	sqpoll_detach(r); /* the poller lets go of the ring (sqpoll.c) */
	ring_put(r);
	return 0;
}

/*
 * Registered ring fds (IORING_REGISTER_RING_FDS): the kernel's table is per
 * task, 16 entries, and an entry keeps its ring alive after the fd is
 * closed; so here, per thread, each entry holding a reference.  A thread's
 * entries go when it exits; a forked child starts with none, as a new task.
 */
#define RINGFD_MAX 16
static _Thread_local struct ring *reg_rings[RINGFD_MAX] ENGINE_TLS;
static pthread_key_t reg_rings_key;
static pthread_once_t reg_rings_once = PTHREAD_ONCE_INIT;

/*
 * A REGISTERED_FD_ONLY ring lives as long as its entry: the engine's fd
 * goes with it, if the slot still holds this ring (a program that closed
 * the number behind the engine's back let it go already).
 */
static void fd_only_close(struct ring *r)
{
	ring_slot *slot = fdt_slot(r->fd, false);
	struct ring *cur = r;

	if (slot && atomic_compare_exchange_strong(slot, &cur, NULL)) {
		sys_close(r->fd);
		sqpoll_detach(r);
		ring_put(r);
	}
}

/* An entry let go: its reference, and a REGISTERED_FD_ONLY ring with it. */
static void reg_ring_drop(unsigned idx)
{
	struct ring *r = reg_rings[idx];

	reg_rings[idx] = NULL;
	if (r->flags & IORING_SETUP_REGISTERED_FD_ONLY)
		fd_only_close(r); /* the entry's reference keeps r until the put below */
	ring_put(r);
}

static void reg_rings_exit(void *unused)
{
	(void)unused;
	for (unsigned i = 0; i < RINGFD_MAX; i++)
		if (reg_rings[i])
			reg_ring_drop(i);
}

static void reg_rings_forked(void)
{
	/* the child's copies of the parent's references: dropped, not put */
	memset(reg_rings, 0, sizeof(reg_rings));
}

static void reg_rings_init(void)
{
	pthread_key_create(&reg_rings_key, reg_rings_exit);
	pthread_atfork(NULL, NULL, reg_rings_forked);
}

/*
 * IORING_SETUP_REGISTERED_FD_ONLY: the new ring goes into the first free
 * entry of the thread's table, whose index is setup's result; a full table
 * is -EBUSY and the ring goes, as the kernel's.
 */
static int fd_only_register(struct ring *r)
{
	unsigned idx;

	pthread_once(&reg_rings_once, reg_rings_init);
	pthread_setspecific(reg_rings_key, (void *)1);
	for (idx = 0; idx < RINGFD_MAX && reg_rings[idx]; idx++)
		;
	if (idx == RINGFD_MAX) {
		fd_only_close(r);
		return -EBUSY;
	}
	atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed); /* the entry's */
	reg_rings[idx] = r;
	return (int)idx;
}

struct ring *ring_get_registered(unsigned idx)
{
	struct ring *r;

	if (idx >= RINGFD_MAX || !(r = reg_rings[idx]))
		return NULL;
	/* the entry's own reference keeps refs above 0: a plain increment */
	atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
	return r;
}

bool ringer__engine_regring(unsigned idx)
{
	return idx < RINGFD_MAX && reg_rings[idx];
}

/* The kernel's io_ringfd_register(): how many were registered, or -errno. */
int ring_fds_register(const void *arg, unsigned nr)
{
	struct io_uring_rsrc_update u;
	unsigned i;
	int err = 0;

	if (nr > RINGFD_MAX)
		return -EINVAL;
	pthread_once(&reg_rings_once, reg_rings_init);
	pthread_setspecific(reg_rings_key, (void *)1);
	for (i = 0; i < nr; i++) {
		struct io_uring_rsrc_update *up = (struct io_uring_rsrc_update *)arg + i;
		unsigned off;
		struct ring *r;

		if (umem_read(&u, up, sizeof(u))) {
			err = -EFAULT;
			break;
		}
		if (u.resv) {
			err = -EINVAL;
			break;
		}
		off = u.offset;
		if (off == -1U) {
			for (off = 0; off < RINGFD_MAX && reg_rings[off]; off++)
				;
			if (off == RINGFD_MAX) {
				err = -EBUSY;
				break;
			}
		} else if (off >= RINGFD_MAX) {
			err = -EINVAL;
			break;
		} else if (reg_rings[off]) {
			err = -EBUSY;
			break;
		}
		r = ring_get((int)u.data);
		if (!r) {
			err = engine_bad_ring_fd((int)u.data);
			break;
		}
		if (umem_write(&up->offset, &off, sizeof(off))) {
			ring_put(r);
			err = -EFAULT;
			break;
		}
		reg_rings[off] = r; /* the reference ring_get() took */
	}
	return i ? (int)i : err;
}

int ring_fds_unregister(const void *arg, unsigned nr)
{
	struct io_uring_rsrc_update u;
	unsigned i;
	int err = 0;

	if (nr > RINGFD_MAX)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (umem_read(&u, (const struct io_uring_rsrc_update *)arg + i, sizeof(u))) {
			err = -EFAULT;
			break;
		}
		if (u.resv || u.data || u.offset >= RINGFD_MAX) {
			err = -EINVAL;
			break;
		}
		if (reg_rings[u.offset])
			reg_ring_drop(u.offset);
	}
	return i ? (int)i : err;
}
