/* SPDX-License-Identifier: MIT */
/*
 * An unmodified program that maps its ring with raw mmap system calls, the
 * way a program without libc's mmap() does: the SQ and CQ rings once at
 * IORING_OFF_SQ_RING (IORING_FEAT_SINGLE_MMAP), then the CQ ring again at
 * IORING_OFF_CQ_RING, which must be the same memory; an offset naming no
 * region is ENOMEM.  Then a provided buffer ring the ring allocates
 * (IOU_PBUF_RING_MMAP), mapped raw and through libc's mmap() at
 * IORING_OFF_PBUF_RING | bgid << IORING_OFF_PBUF_SHIFT: one memory, which a
 * BUFFER_SELECT read takes its buffer from.  Under the shim it must behave
 * as on the kernel.
 */
#include <stdint.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

static void *raw_mmap(size_t len, int fd, uint64_t off)
{
	long p = syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);

	return p == -1 ? MAP_FAILED : (void *)p;
}

#define PBUF_OFF(bgid) (IORING_OFF_PBUF_RING | (uint64_t)(bgid) << IORING_OFF_PBUF_SHIFT)

static void pbuf_ring(struct raw_ring *r)
{
	struct io_uring_buf_reg reg = { .ring_entries = 8, .bgid = 3, .flags = IOU_PBUF_RING_MMAP };
	struct io_uring_buf_ring *raw, *wrapped;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe cqe;
	static char buf[32];
	int fds[2], ret;

	errno = 0;
	REQUIRE_MSG(raw_mmap(4096, r->fd, PBUF_OFF(3)) == MAP_FAILED && errno == ENOMEM,
		    "mmap of a buffer ring not registered: %s", strerror(errno));
	ret = raw_register(r->fd, IORING_REGISTER_PBUF_RING, &reg, 1);
	REQUIRE_MSG(ret == 0, "register an mmap buffer ring: %d", ret);
	raw = raw_mmap(4096, r->fd, PBUF_OFF(3));
	REQUIRE_MSG(raw != MAP_FAILED, "raw mmap of the buffer ring: %s", strerror(errno));
	wrapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, PBUF_OFF(3));
	REQUIRE_MSG(wrapped != MAP_FAILED, "mmap of the buffer ring: %s", strerror(errno));
	/* one entry through one mapping, the tail through the other */
	raw->bufs[0].addr = (uintptr_t)buf;
	raw->bufs[0].len = sizeof(buf);
	raw->bufs[0].bid = 5;
	io_uring_smp_store_release(&wrapped->tail, 1);
	REQUIRE_MSG(wrapped->bufs[0].bid == 5 && raw->tail == 1, "the two mappings differ");

	REQUIRE_EQ(pipe(fds), 0);
	REQUIRE_EQ(write(fds[1], "pbuf", 4), 4);
	sqe = raw_sqe(r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = fds[0];
	sqe->flags = IOSQE_BUFFER_SELECT;
	sqe->buf_group = 3;
	sqe->user_data = 0x99;
	ret = raw_submit(r, 1, 1, IORING_ENTER_GETEVENTS);
	REQUIRE_MSG(ret == 1, "submit: %d", ret);
	REQUIRE_TRUE(raw_pop(r, &cqe));
	REQUIRE_MSG(cqe.res == 4 && (cqe.flags & IORING_CQE_F_BUFFER) &&
			    cqe.flags >> IORING_CQE_BUFFER_SHIFT == 5 && !memcmp(buf, "pbuf", 4),
		    "read from the buffer ring: res %d flags %#x", cqe.res, cqe.flags);
	reg.flags = 0;
	ret = raw_register(r->fd, IORING_UNREGISTER_PBUF_RING, &reg, 1);
	REQUIRE_MSG(ret == 0, "unregister: %d", ret);
	/* the pages stay with the mappings; a new mapping finds no ring */
	REQUIRE_TRUE(raw->tail == 1 && wrapped->bufs[0].bid == 5);
	errno = 0;
	REQUIRE_MSG(mmap(NULL, 4096, PROT_READ, MAP_SHARED, r->fd, PBUF_OFF(3)) == MAP_FAILED &&
			    errno == ENOMEM,
		    "mmap after unregister: %s", strerror(errno));
	munmap(raw, 4096);
	munmap(wrapped, 4096);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	struct raw_ring r;
	struct io_uring_cqe cqe;
	size_t len;
	char *one, *cq;
	int ret;

	/* raw_ring_init() maps with libc's mmap (the shim's wrapper): the rest here is raw */
	setup_or_skip(&r, 8);
	REQUIRE_MSG(r.p.features & IORING_FEAT_SINGLE_MMAP, "features %#x", r.p.features);
	len = r.sq_sz > r.cq_sz ? r.sq_sz : r.cq_sz;
	one = raw_mmap(len, r.fd, IORING_OFF_SQ_RING);
	REQUIRE_MSG(one != MAP_FAILED, "mmap SQ ring: %s", strerror(errno));
	cq = raw_mmap(r.cq_sz, r.fd, IORING_OFF_CQ_RING);
	REQUIRE_MSG(cq != MAP_FAILED, "mmap CQ ring: %s", strerror(errno));
	errno = 0;
	REQUIRE_MSG(raw_mmap(4096, r.fd, 0x20000000) == MAP_FAILED && errno == ENOMEM,
		    "mmap at an unknown offset: %s", strerror(errno));
	errno = 0;
	REQUIRE_MSG(syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, r.fd, 0) == -1 &&
			    errno == EPERM,
		    "an executable mapping: %s", strerror(errno));

	raw_nop(&r, 0x77, 0);
	ret = raw_submit(&r, 1, 1, IORING_ENTER_GETEVENTS);
	REQUIRE_MSG(ret == 1, "submit: %d", ret);
	/* the CQE, through the single mapping and through the CQ ring's own */
	REQUIRE_MSG(io_uring_smp_load_acquire((unsigned *)(one + r.p.cq_off.tail)) == 1 &&
			    io_uring_smp_load_acquire((unsigned *)(cq + r.p.cq_off.tail)) == 1,
		    "CQ tail not seen in both mappings");
	REQUIRE_MSG(((struct io_uring_cqe *)(one + r.p.cq_off.cqes))[0].user_data == 0x77 &&
			    ((struct io_uring_cqe *)(cq + r.p.cq_off.cqes))[0].user_data == 0x77,
		    "CQE not seen in both mappings");
	/* the head stored through the second mapping is the ring's */
	io_uring_smp_store_release((unsigned *)(cq + r.p.cq_off.head), 1);
	REQUIRE_MSG(*r.cq_head == 1 && *(unsigned *)(one + r.p.cq_off.head) == 1,
		    "CQ head not shared");
	REQUIRE_MSG(!raw_pop(&r, &cqe), "a CQE left");
	munmap(one, len);
	munmap(cq, r.cq_sz);
	pbuf_ring(&r);
	raw_ring_exit(&r);
	printf("mmap: ok\n");
	return 0;
}
