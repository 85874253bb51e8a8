/* SPDX-License-Identifier: MIT */
/*
 * Ring setup, mapping and teardown, and the probe helpers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/api.h"
#include "lib/lib.h"

static void unmap_rings(struct io_uring_sq *sq, struct io_uring_cq *cq)
{
	if (cq->ring_ptr && cq->ring_ptr != sq->ring_ptr)
		munmap(cq->ring_ptr, cq->ring_sz);
	if (sq->ring_ptr)
		munmap(sq->ring_ptr, sq->ring_sz);
	sq->ring_ptr = NULL;
	cq->ring_ptr = NULL;
}

/*
 * Map one region of a ring.  An engine ring under a small RLIMIT_FSIZE keeps
 * its regions elsewhere in its file than the ABI offsets: ask the backend.
 */
static void *map_region(const struct ringer__backend *b, int fd, size_t len, __u64 offset)
{
	void *ptr;

	/* the file offset, translated once: not through the mmap wrapper (mmapwrap.c) */
	ptr = ringer__mmap_file(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
				(off_t)b->map_offset(fd, offset));

	return ptr == MAP_FAILED ? NULL : ptr;
}

static void setup_ring_pointers(const struct io_uring_params *p, struct io_uring_sq *sq,
				struct io_uring_cq *cq);

/* Bytes of the SQ ring mapping and of the CQ ring mapping p describes. */
static void ring_sizes(const struct io_uring_params *p, size_t *sq_sz, size_t *cq_sz)
{
	size_t cqe_size = sizeof(struct io_uring_cqe) << !!(p->flags & IORING_SETUP_CQE32);

	*sq_sz = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	if (p->flags & IORING_SETUP_NO_SQARRAY)
		*sq_sz = p->sq_off.flags + sizeof(unsigned) * 2;
	*cq_sz = p->cq_off.cqes + p->cq_entries * cqe_size;
	if (p->features & IORING_FEAT_SINGLE_MMAP) {
		if (*cq_sz > *sq_sz)
			*sq_sz = *cq_sz;
		*cq_sz = *sq_sz;
	}
}

/*
 * Map the rings of fd as p describes them.  Without IORING_FEAT_SINGLE_MMAP
 * (old kernels) the CQ ring is a mapping of its own.
 */
int io_uring_queue_mmap(int fd, struct io_uring_params *p, struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	struct io_uring_cq *cq = &ring->cq;
	size_t sqe_size = sizeof(struct io_uring_sqe);
	const struct ringer__backend *b = ringer__backend_of_fd(fd);
	int saved = errno, err;

	memset(ring, 0, sizeof(*ring));
	ring->flags = p->flags;
	ring->ring_fd = ring->enter_ring_fd = fd;
	if (b->id == RINGER_BACKEND_USER)
		ring->int_flags |= RINGER_INT_FLAG_ENGINE;
	if (p->flags & IORING_SETUP_SQE128)
		sqe_size *= 2;

	ring_sizes(p, &sq->ring_sz, &cq->ring_sz);

	sq->ring_ptr = map_region(b, fd, sq->ring_sz, IORING_OFF_SQ_RING);
	if (!sq->ring_ptr)
		goto fail;
	if (p->features & IORING_FEAT_SINGLE_MMAP) {
		cq->ring_ptr = sq->ring_ptr;
	} else {
		cq->ring_ptr = map_region(b, fd, cq->ring_sz, IORING_OFF_CQ_RING);
		if (!cq->ring_ptr)
			goto fail;
	}
	sq->sqes = map_region(b, fd, sqe_size * p->sq_entries, IORING_OFF_SQES);
	if (!sq->sqes)
		goto fail;

	setup_ring_pointers(p, sq, cq);
	return 0;
fail:
	err = -errno;
	unmap_rings(sq, cq);
	errno = saved;
	return err;
}

/* The library's pointers into rings laid out as p says, from sq->ring_ptr,
 * cq->ring_ptr and sq->sqes. */
static void setup_ring_pointers(const struct io_uring_params *p, struct io_uring_sq *sq,
				struct io_uring_cq *cq)
{
	sq->khead = (unsigned *)((char *)sq->ring_ptr + p->sq_off.head);
	sq->ktail = (unsigned *)((char *)sq->ring_ptr + p->sq_off.tail);
	sq->kring_mask = (unsigned *)((char *)sq->ring_ptr + p->sq_off.ring_mask);
	sq->kring_entries = (unsigned *)((char *)sq->ring_ptr + p->sq_off.ring_entries);
	sq->kflags = (unsigned *)((char *)sq->ring_ptr + p->sq_off.flags);
	sq->kdropped = (unsigned *)((char *)sq->ring_ptr + p->sq_off.dropped);
	if (!(p->flags & IORING_SETUP_NO_SQARRAY))
		sq->array = (unsigned *)((char *)sq->ring_ptr + p->sq_off.array);
	sq->ring_mask = *sq->kring_mask;
	sq->ring_entries = *sq->kring_entries;

	cq->khead = (unsigned *)((char *)cq->ring_ptr + p->cq_off.head);
	cq->ktail = (unsigned *)((char *)cq->ring_ptr + p->cq_off.tail);
	cq->kring_mask = (unsigned *)((char *)cq->ring_ptr + p->cq_off.ring_mask);
	cq->kring_entries = (unsigned *)((char *)cq->ring_ptr + p->cq_off.ring_entries);
	cq->koverflow = (unsigned *)((char *)cq->ring_ptr + p->cq_off.overflow);
	cq->cqes = (struct io_uring_cqe *)((char *)cq->ring_ptr + p->cq_off.cqes);
	if (p->cq_off.flags)
		cq->kflags = (unsigned *)((char *)cq->ring_ptr + p->cq_off.flags);
	cq->ring_mask = *cq->kring_mask;
	cq->ring_entries = *cq->kring_entries;
}

/*
 * The rings of an IORING_SETUP_NO_MMAP ring are in the program's memory:
 * the SQEs at sq_off.user_addr, the rings at cq_off.user_addr.  With
 * IORING_SETUP_REGISTERED_FD_ONLY, fd is the ring's registered index and
 * the ring has no file descriptor.
 */
static void use_app_mem(int fd, const struct io_uring_params *p, struct io_uring *ring)
{
	const struct ringer__backend *b;

	memset(ring, 0, sizeof(*ring));
	ring->flags = p->flags;
	ring->int_flags = RINGER_INT_FLAG_APP_MEM;
	if (p->flags & IORING_SETUP_REGISTERED_FD_ONLY) {
		b = ringer__backend_of_index((unsigned)fd);
		ring->ring_fd = -1;
		ring->enter_ring_fd = fd;
		ring->int_flags |= RINGER_INT_FLAG_REG_RING | RINGER_INT_FLAG_REG_REG_RING;
	} else {
		b = ringer__backend_of_fd(fd);
		ring->ring_fd = ring->enter_ring_fd = fd;
	}
	if (b->id == RINGER_BACKEND_USER)
		ring->int_flags |= RINGER_INT_FLAG_ENGINE;
	ring_sizes(p, &ring->sq.ring_sz, &ring->cq.ring_sz);
	ring->sq.ring_ptr = ring->cq.ring_ptr = (void *)(uintptr_t)p->cq_off.user_addr;
	ring->sq.sqes = (struct io_uring_sqe *)(uintptr_t)p->sq_off.user_addr;
	setup_ring_pointers(p, &ring->sq, &ring->cq);
}

int ringer_queue_init_backend(unsigned entries, struct io_uring *ring, struct io_uring_params *p,
			      enum ringer_backend backend)
{
	unsigned i;
	int fd, ret;

	fd = ringer__setup(entries, p, backend);
	if (fd < 0)
		return fd;
	if (p->flags & IORING_SETUP_NO_MMAP) {
		use_app_mem(fd, p, ring);
	} else {
		ret = io_uring_queue_mmap(fd, p, ring);
		if (ret) {
			ringer__close(fd);
			return ret;
		}
	}
	/*
	 * Identity mapping of the SQ array, set once: the library always
	 * fills SQEs in ring order, so array slot i names SQE i for good.
	 */
	if (ring->sq.array)
		for (i = 0; i < ring->sq.ring_entries; i++)
			ring->sq.array[i] = i;
	ring->features = p->features;
	return 0;
}

int io_uring_queue_init_params(unsigned entries, struct io_uring *ring, struct io_uring_params *p)
{
	return ringer_queue_init_backend(entries, ring, p, ringer_get_backend());
}

int io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = flags;
	return io_uring_queue_init_params(entries, ring, &p);
}

void io_uring_queue_exit(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	struct io_uring_cq *cq = &ring->cq;
	size_t sqe_size = sizeof(struct io_uring_sqe) << io_uring_sqe_shift(ring);
	int saved = errno;

	if (ring->int_flags & RINGER_INT_FLAG_APP_MEM) {
		/* the program's memory: the program frees it */
		sq->sqes = NULL;
		sq->ring_ptr = cq->ring_ptr = NULL;
	} else {
		if (sq->sqes)
			munmap(sq->sqes, sqe_size * sq->ring_entries);
		unmap_rings(sq, cq);
	}
	if (ring->int_flags & RINGER_INT_FLAG_REG_RING)
		io_uring_unregister_ring_fd(ring);
	if (ring->ring_fd != -1)
		ringer__close(ring->ring_fd);
	ring->ring_fd = ring->enter_ring_fd = -1;
	errno = saved;
}

int io_uring_ring_dontfork(struct io_uring *ring)
{
	size_t sqe_size = sizeof(struct io_uring_sqe) << io_uring_sqe_shift(ring);
	int saved = errno, ret = 0;

	if (!ring->sq.ring_ptr || !ring->sq.sqes || !ring->cq.ring_ptr)
		return -EINVAL;
	if (madvise(ring->sq.sqes, sqe_size * ring->sq.ring_entries, MADV_DONTFORK) ||
	    madvise(ring->sq.ring_ptr, ring->sq.ring_sz, MADV_DONTFORK) ||
	    (ring->cq.ring_ptr != ring->sq.ring_ptr &&
	     madvise(ring->cq.ring_ptr, ring->cq.ring_sz, MADV_DONTFORK)))
		ret = -errno;
	errno = saved;
	return ret;
}

/* The kernel's limits on ring sizes (IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES). */
#define MAX_SQ_ENTRIES 32768U
#define MAX_CQ_ENTRIES (2 * MAX_SQ_ENTRIES)

static unsigned roundup_pow2(unsigned n)
{
	unsigned r = 1;

	while (r < n)
		r <<= 1;
	return r;
}

static size_t page_align(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) & ~(page - 1);
}

/*
 * What setup makes of entries and p, as the kernel sizes rings: the bytes
 * of the SQE array and of the rings (header, CQEs, SQ array), each rounded
 * up to whole pages.  -EINVAL for sizes the kernel refuses.
 */
static int ring_memory(unsigned entries, const struct io_uring_params *p, size_t *sqes_sz,
		       size_t *rings_sz)
{
	size_t sqe_size = sizeof(struct io_uring_sqe) << !!(p->flags & IORING_SETUP_SQE128);
	size_t cqe_size = sizeof(struct io_uring_cqe) << !!(p->flags & IORING_SETUP_CQE32);
	unsigned sq, cq;
	size_t rings;

	if (!entries)
		return -EINVAL;
	if (entries > MAX_SQ_ENTRIES) {
		if (!(p->flags & IORING_SETUP_CLAMP))
			return -EINVAL;
		entries = MAX_SQ_ENTRIES;
	}
	sq = roundup_pow2(entries);
	if (p->flags & IORING_SETUP_CQSIZE) {
		cq = p->cq_entries;
		if (!cq)
			return -EINVAL;
		if (cq > MAX_CQ_ENTRIES) {
			if (!(p->flags & IORING_SETUP_CLAMP))
				return -EINVAL;
			cq = MAX_CQ_ENTRIES;
		}
		cq = roundup_pow2(cq);
		if (cq < sq)
			return -EINVAL;
	} else {
		cq = 2 * sq;
	}
	/* struct io_rings (64 bytes), the CQEs, then the SQ array cache-line aligned */
	rings = 64 + (size_t)cq * cqe_size;
	if (!(p->flags & IORING_SETUP_NO_SQARRAY))
		rings = ((rings + 63) & ~(size_t)63) + (size_t)sq * sizeof(unsigned);
	*sqes_sz = page_align((size_t)sq * sqe_size);
	*rings_sz = page_align(rings);
	return 0;
}

ssize_t io_uring_memory_size_params(unsigned entries, struct io_uring_params *p)
{
	size_t sqes_sz, rings_sz;
	int ret = ring_memory(entries, p, &sqes_sz, &rings_sz);

	return ret ? ret : (ssize_t)(sqes_sz + rings_sz);
}

ssize_t io_uring_memory_size(unsigned entries, unsigned flags)
{
	struct io_uring_params p = { .flags = flags };

	return io_uring_memory_size_params(entries, &p);
}

/*
 * Kernels before 5.12 charged ring memory to RLIMIT_MEMLOCK; liburing's
 * answer on later ones (IORING_FEAT_NATIVE_WORKERS) is 0, so is ours.
 */
ssize_t io_uring_mlock_size_params(unsigned entries, struct io_uring_params *p)
{
	struct io_uring_params probe_params;
	struct io_uring probe;
	ssize_t size = io_uring_memory_size_params(entries, p);
	int ret;

	if (size < 0)
		return size;
	memset(&probe_params, 0, sizeof(probe_params));
	ret = io_uring_queue_init_params(2, &probe, &probe_params);
	if (ret < 0)
		return ret;
	io_uring_queue_exit(&probe);
	return (probe_params.features & IORING_FEAT_NATIVE_WORKERS) ? 0 : size;
}

ssize_t io_uring_mlock_size(unsigned entries, unsigned flags)
{
	struct io_uring_params p = { .flags = flags };

	return io_uring_mlock_size_params(entries, &p);
}

/*
 * The SQEs at buf, the rings after them at the next page: returns the
 * bytes of buf used, so that more rings can follow in the same memory.
 */
int io_uring_queue_init_mem(unsigned entries, struct io_uring *ring, struct io_uring_params *p,
			    void *buf, size_t buf_size)
{
	size_t sqes_sz, rings_sz;
	int ret = ring_memory(entries, p, &sqes_sz, &rings_sz);

	if (ret)
		return ret;
	if (sqes_sz + rings_sz > buf_size)
		return -ENOMEM;
	p->flags |= IORING_SETUP_NO_MMAP;
	p->sq_off.user_addr = (uintptr_t)buf;
	p->cq_off.user_addr = (uintptr_t)buf + sqes_sz;
	ret = io_uring_queue_init_params(entries, ring, p);
	return ret ? ret : (int)(sqes_sz + rings_sz);
}

/*
 * IORING_REGISTER_RESIZE_RINGS: the executor copies the entries in flight
 * into new rings, which are mapped anew.  Not for rings in the program's
 * memory (liburing's limit too), nor for a ring whose fd is closed.  As
 * liburing 2.15's: the offsets in p are cleared before the call (the
 * executor leaves sq_off.array as it finds it), p->flags after it.
 */
int io_uring_resize_rings(struct io_uring *ring, struct io_uring_params *p)
{
	struct io_uring_sq *sq = &ring->sq;
	struct io_uring_cq *cq = &ring->cq;
	size_t sqe_size = sizeof(struct io_uring_sqe) << io_uring_sqe_shift(ring);
	const struct ringer__backend *b;
	struct io_uring_params np;
	unsigned i;
	int ret, saved = errno;

	if (ring->int_flags & RINGER_INT_FLAG_APP_MEM)
		return -EINVAL;
	if (ring->ring_fd < 0)
		return -EBADF;
	memset(&p->sq_off, 0, sizeof(p->sq_off));
	memset(&p->cq_off, 0, sizeof(p->cq_off));
	/*
	 * Publish the SQEs handed out, so that they are among the entries
	 * carried over (liburing's are lost: their slots of the new SQEs are
	 * zeros).  Release: their contents before the tail.
	 */
	if (sq->sqe_head != sq->sqe_tail) {
		sq->sqe_head = sq->sqe_tail;
		io_uring_smp_store_release(sq->ktail, sq->sqe_tail);
	}
	if (ring->int_flags & RINGER_INT_FLAG_REG_REG_RING)
		ret = ringer__register(
			ring->enter_ring_fd,
			IORING_REGISTER_RESIZE_RINGS | IORING_REGISTER_USE_REGISTERED_RING, p, 1);
	else
		ret = ringer__register(ring->ring_fd, IORING_REGISTER_RESIZE_RINGS, p, 1);
	if (ret < 0)
		goto out;

	/* the old mappings now name memory the ring no longer uses */
	munmap(sq->sqes, sqe_size * sq->ring_entries);
	unmap_rings(sq, cq);
	sq->sqes = NULL;
	np = *p;
	np.flags = ring->flags;
	np.features = ring->features; /* not reported by the resize */
	/* nor is the SQ array's offset: where setup puts it, after the CQEs
	 * at the next cache line */
	if (!(np.flags & IORING_SETUP_NO_SQARRAY))
		np.sq_off.array =
			(__u32)((np.cq_off.cqes +
				 ((size_t)np.cq_entries << (4 + io_uring_cqe_shift(ring))) + 63) &
				~(size_t)63);
	ring_sizes(&np, &sq->ring_sz, &cq->ring_sz);
	b = ringer__backend_of_fd(ring->ring_fd);
	sq->ring_ptr = map_region(b, ring->ring_fd, sq->ring_sz, IORING_OFF_SQ_RING);
	if (!sq->ring_ptr)
		goto fail;
	if (np.features & IORING_FEAT_SINGLE_MMAP) {
		cq->ring_ptr = sq->ring_ptr;
	} else {
		cq->ring_ptr = map_region(b, ring->ring_fd, cq->ring_sz, IORING_OFF_CQ_RING);
		if (!cq->ring_ptr)
			goto fail;
	}
	sq->sqes = map_region(b, ring->ring_fd, sqe_size * np.sq_entries, IORING_OFF_SQES);
	if (!sq->sqes)
		goto fail;
	setup_ring_pointers(&np, sq, cq);
	/* the new SQ array starts zeroed: the identity mapping again */
	if (sq->array)
		for (i = 0; i < sq->ring_entries; i++)
			sq->array[i] = i;
	ret = 0;
	goto out;
fail:
	ret = -errno;
	unmap_rings(sq, cq);
	errno = saved;
out:
	p->flags = 0; /* for the next use, as liburing's */
	return ret;
}

/* Room for every opcode a u8 can name. */
#define PROBE_OPS 256

struct io_uring_probe *io_uring_get_probe_ring(struct io_uring *ring)
{
	size_t len = sizeof(struct io_uring_probe) + PROBE_OPS * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *probe = calloc(1, len);

	if (!probe)
		return NULL;
	if (io_uring_register_probe(ring, probe, PROBE_OPS) < 0) {
		free(probe);
		return NULL;
	}
	return probe;
}

struct io_uring_probe *io_uring_get_probe(void)
{
	struct io_uring_probe *probe;
	struct io_uring ring;

	if (io_uring_queue_init(2, &ring, 0) < 0)
		return NULL;
	probe = io_uring_get_probe_ring(&ring);
	io_uring_queue_exit(&ring);
	return probe;
}

void io_uring_free_probe(struct io_uring_probe *probe)
{
	free(probe);
}
