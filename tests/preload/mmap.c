/* SPDX-License-Identifier: MIT */
/*
 * An unmodified program that maps its ring with raw mmap system calls, the
 * way a program without libc's mmap() does: the SQ and CQ rings once at
 * IORING_OFF_SQ_RING (IORING_FEAT_SINGLE_MMAP), then the CQ ring again at
 * IORING_OFF_CQ_RING, which must be the same memory; an offset naming no
 * region is ENOMEM.  Under the shim it must behave as on the kernel.
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
	raw_ring_exit(&r);
	printf("mmap: ok\n");
	return 0;
}
