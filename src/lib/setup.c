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

/*
 * Map the rings of fd as p describes them.  Without IORING_FEAT_SINGLE_MMAP
 * (old kernels) the CQ ring is a mapping of its own.
 */
int io_uring_queue_mmap(int fd, struct io_uring_params *p, struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	struct io_uring_cq *cq = &ring->cq;
	size_t sqe_size = sizeof(struct io_uring_sqe);
	size_t cqe_size = sizeof(struct io_uring_cqe);
	const struct ringer__backend *b = ringer__backend_of_fd(fd);
	int saved = errno, err;

	memset(ring, 0, sizeof(*ring));
	ring->flags = p->flags;
	ring->ring_fd = ring->enter_ring_fd = fd;
	if (b->id == RINGER_BACKEND_USER)
		ring->int_flags |= RINGER_INT_FLAG_ENGINE;
	if (p->flags & IORING_SETUP_SQE128)
		sqe_size *= 2;
	if (p->flags & IORING_SETUP_CQE32)
		cqe_size *= 2;

	sq->ring_sz = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	if (p->flags & IORING_SETUP_NO_SQARRAY)
		sq->ring_sz = p->sq_off.flags + sizeof(unsigned) * 2;
	cq->ring_sz = p->cq_off.cqes + p->cq_entries * cqe_size;
	if (p->features & IORING_FEAT_SINGLE_MMAP) {
		if (cq->ring_sz > sq->ring_sz)
			sq->ring_sz = cq->ring_sz;
		cq->ring_sz = sq->ring_sz;
	}

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
	return 0;
fail:
	err = -errno;
	unmap_rings(sq, cq);
	errno = saved;
	return err;
}

int ringer_queue_init_backend(unsigned entries, struct io_uring *ring, struct io_uring_params *p,
			      enum ringer_backend backend)
{
	unsigned i;
	int fd, ret;

	fd = ringer__setup(entries, p, backend);
	if (fd < 0)
		return fd;
	ret = io_uring_queue_mmap(fd, p, ring);
	if (ret) {
		ringer__close(fd);
		return ret;
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

	if (sq->sqes)
		munmap(sq->sqes, sqe_size * sq->ring_entries);
	unmap_rings(sq, cq);
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
