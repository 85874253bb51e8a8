/* SPDX-License-Identifier: MIT */
/*
 * IORING_REGISTER_RESIZE_RINGS, as Linux 6.18 does it (probed; the facts are
 * listed at the top of src/engine/resize.c): only DEFER_TASKRUN rings, only
 * CQSIZE and CLAMP in p->flags, setup's size rules, the params written back,
 * the SQEs between head and tail and the CQEs carried over at their indexes
 * (head and tail kept), -EOVERFLOW when they do not fit, the SQ array not
 * carried, TASKRUN and NEED_WAKEUP set in the new sq_flags, NO_MMAP rings
 * moved to the program's new memory, RLIMIT_MEMLOCK charged for the new
 * rings before the old ones are given back.  Both through the raw register
 * call and through the library's io_uring_resize_rings(), which maps the new
 * rings; and completions posted by other threads while the rings are
 * swapped.
 */
#include "raw.h"

#include <poll.h>
#include <pthread.h>

#define DEFER (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
#define PAGE  4096UL

static int resize_raw(int fd, unsigned sq, unsigned cq, unsigned flags, struct io_uring_params *out)
{
	struct io_uring_params p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.sq_entries = sq;
	p.cq_entries = cq;
	p.flags = flags;
	ret = raw_register(fd, IORING_REGISTER_RESIZE_RINGS, &p, 1);
	if (out)
		*out = p;
	return ret;
}

static int defer_ring(struct raw_ring *r, unsigned entries, unsigned flags, unsigned cq)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = DEFER | flags;
	p.cq_entries = cq;
	return raw_skip_if_refused(raw_ring_init(r, entries, &p));
}

/* Where setup puts the SQ array (resize does not say): after the CQEs, cache-line aligned. */
static unsigned array_offset(const struct io_uring_params *p)
{
	size_t end =
		p->cq_off.cqes + ((size_t)p->cq_entries << (4 + !!(p->flags & IORING_SETUP_CQE32)));

	return (unsigned)((end + 63) & ~(size_t)63);
}

/* After a resize that returned np: the new rings mapped in place of the old ones. */
static void raw_remap(struct raw_ring *r, const struct io_uring_params *np)
{
	munmap(r->sq_ptr, r->sq_sz);
	munmap(r->cq_ptr, r->cq_sz);
	munmap(r->sqes, r->sqes_sz);
	r->p.sq_entries = np->sq_entries;
	r->p.cq_entries = np->cq_entries;
	r->p.sq_off = np->sq_off;
	r->p.cq_off = np->cq_off;
	r->p.sq_off.array = array_offset(&r->p);
	raw_ring_map(r, MAP_POPULATE);
}

static void reap_expect(struct raw_ring *r, const uint64_t *uds, unsigned n)
{
	struct io_uring_cqe cqe;

	for (unsigned i = 0; i < n; i++) {
		REQUIRE_MSG(raw_pop(r, &cqe), "CQE %u of %u missing", i, n);
		CHECK_EQ_U(cqe.user_data, uds[i]);
		CHECK_EQ(cqe.res, 0);
	}
	CHECK_FALSE(raw_pop(r, &cqe));
}

/* Only a DEFER_TASKRUN ring resizes; the kind is checked before the argument. */
TEST(ring_kinds)
{
	static const unsigned kinds[] = { 0, IORING_SETUP_SINGLE_ISSUER, IORING_SETUP_COOP_TASKRUN,
					  IORING_SETUP_SQPOLL, IORING_SETUP_IOPOLL };
	struct raw_ring r;

	for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct io_uring_params p;

		memset(&p, 0, sizeof(p));
		p.flags = kinds[i];
		REQUIRE_EQ(raw_skip_if_refused(raw_ring_init(&r, 8, &p)), 0);
		CHECK_EQ(resize_raw(r.fd, 16, 0, 0, NULL), -EINVAL);
		CHECK_EQ(raw_register(r.fd, IORING_REGISTER_RESIZE_RINGS, (void *)8, 1), -EINVAL);
		raw_ring_exit(&r);
	}
	REQUIRE_EQ(defer_ring(&r, 8, IORING_SETUP_IOPOLL, 0), 0);
	CHECK_EQ(resize_raw(r.fd, 16, 0, 0, NULL), 0);
	raw_ring_exit(&r);
}

/* The argument, the flags and the sizes, as setup checks them. */
TEST(bad_arguments)
{
	static const unsigned not_allowed[] = {
		IORING_SETUP_IOPOLL,	    IORING_SETUP_SQPOLL,	IORING_SETUP_SQ_AFF,
		IORING_SETUP_R_DISABLED,    IORING_SETUP_SUBMIT_ALL,	IORING_SETUP_COOP_TASKRUN,
		IORING_SETUP_TASKRUN_FLAG,  IORING_SETUP_SQE128,	IORING_SETUP_CQE32,
		IORING_SETUP_SINGLE_ISSUER, IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_NO_MMAP,
		IORING_SETUP_NO_SQARRAY,    IORING_SETUP_CQE_MIXED,	1U << 30,
	};
	struct io_uring_params p, out;
	struct raw_ring r;

	REQUIRE_EQ(defer_ring(&r, 8, 0, 0), 0);
	memset(&p, 0, sizeof(p));
	p.sq_entries = 16;
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_RESIZE_RINGS, &p, 0), -EINVAL);
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_RESIZE_RINGS, &p, 2), -EINVAL);
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_RESIZE_RINGS, NULL, 1), -EINVAL);
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_RESIZE_RINGS, (void *)8, 1), -EFAULT);
	for (unsigned i = 0; i < ARRAY_SIZE(not_allowed); i++)
		CHECK_EQ(resize_raw(r.fd, 16, 0, not_allowed[i], NULL), -EINVAL);
	CHECK_EQ(resize_raw(r.fd, 0, 0, 0, NULL), -EINVAL);
	CHECK_EQ(resize_raw(r.fd, 32769, 0, 0, NULL), -EINVAL);
	CHECK_EQ(resize_raw(r.fd, 16, 0, IORING_SETUP_CQSIZE, NULL), -EINVAL);
	CHECK_EQ(resize_raw(r.fd, 16, 8, IORING_SETUP_CQSIZE, NULL), -EINVAL);
	CHECK_EQ(resize_raw(r.fd, 16, 65537, IORING_SETUP_CQSIZE, NULL), -EINVAL);

	/* rounded up, clamped, the CQ twice the SQ without CQSIZE */
	CHECK_EQ(resize_raw(r.fd, 5, 100, 0, &out), 0);
	CHECK_EQ_U(out.sq_entries, 8);
	CHECK_EQ_U(out.cq_entries, 16);
	CHECK_EQ(resize_raw(r.fd, 16, 100, IORING_SETUP_CQSIZE, &out), 0);
	CHECK_EQ_U(out.cq_entries, 128);
	CHECK_EQ(resize_raw(r.fd, 40000, 70000, IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP, &out), 0);
	CHECK_EQ_U(out.sq_entries, 32768);
	CHECK_EQ_U(out.cq_entries, 65536);
	CHECK_EQ_U(out.flags, IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP);
	CHECK_EQ(resize_raw(r.fd, 32768, 0, 0, &out), 0);
	CHECK_EQ_U(out.cq_entries, 65536);
	CHECK_EQ(resize_raw(r.fd, 8, 0, 0, NULL), 0);
	raw_ring_exit(&r);
}

/*
 * What comes back in p: the entries, the ring's own flags among the ones
 * given, the offsets; sq_off.array as the caller left it, the reserved words
 * and (no NO_MMAP) the addresses cleared; the rest untouched.
 */
TEST(params_written_back)
{
	static const unsigned ring_flags[] = { 0,
					       IORING_SETUP_NO_SQARRAY,
					       IORING_SETUP_SQE128,
					       IORING_SETUP_CQE32,
					       IORING_SETUP_CQE_MIXED,
					       IORING_SETUP_TASKRUN_FLAG |
						       IORING_SETUP_SUBMIT_ALL };

	for (unsigned i = 0; i < ARRAY_SIZE(ring_flags); i++) {
		struct io_uring_params p;
		struct raw_ring r;

		REQUIRE_EQ(defer_ring(&r, 8, ring_flags[i], 0), 0);
		memset(&p, 0xa5, sizeof(p));
		p.sq_entries = 16;
		p.cq_entries = 64;
		p.flags = IORING_SETUP_CQSIZE;
		REQUIRE_EQ(raw_register(r.fd, IORING_REGISTER_RESIZE_RINGS, &p, 1), 0);
		CHECK_EQ_U(p.flags,
			   IORING_SETUP_CQSIZE |
				   (ring_flags[i] & (IORING_SETUP_NO_SQARRAY | IORING_SETUP_SQE128 |
						     IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED)));
		CHECK_EQ_U(p.sq_entries, 16);
		CHECK_EQ_U(p.cq_entries, 64);
		CHECK_EQ_U(p.sq_thread_cpu, 0xa5a5a5a5);
		CHECK_EQ_U(p.sq_thread_idle, 0xa5a5a5a5);
		CHECK_EQ_U(p.features, 0xa5a5a5a5);
		CHECK_EQ_U(p.wq_fd, 0xa5a5a5a5);
		CHECK_EQ_U(p.resv[0], 0xa5a5a5a5);
		CHECK_EQ_U(p.resv[2], 0xa5a5a5a5);
		CHECK_EQ_U(p.sq_off.head, 0);
		CHECK_EQ_U(p.sq_off.tail, 4);
		CHECK_EQ_U(p.sq_off.ring_mask, 16);
		CHECK_EQ_U(p.sq_off.ring_entries, 24);
		CHECK_EQ_U(p.sq_off.flags, 36);
		CHECK_EQ_U(p.sq_off.dropped, 32);
		CHECK_EQ_U(p.sq_off.array, 0xa5a5a5a5);
		CHECK_EQ_U(p.sq_off.resv1, 0);
		CHECK_EQ_U(p.sq_off.user_addr, 0);
		CHECK_EQ_U(p.cq_off.head, 8);
		CHECK_EQ_U(p.cq_off.tail, 12);
		CHECK_EQ_U(p.cq_off.ring_mask, 20);
		CHECK_EQ_U(p.cq_off.ring_entries, 28);
		CHECK_EQ_U(p.cq_off.overflow, 44);
		CHECK_EQ_U(p.cq_off.cqes, 64);
		CHECK_EQ_U(p.cq_off.flags, 40);
		CHECK_EQ_U(p.cq_off.resv1, 0);
		CHECK_EQ_U(p.cq_off.user_addr, 0);
		raw_ring_exit(&r);
	}
}

/*
 * 7 NOPs completed, the head moved past 2 (5 CQEs in the CQ), 3 SQEs queued:
 * a new CQ of 4 or SQ of 2 is -EOVERFLOW with the ring as it was; bigger
 * rings keep the head and tail values and each entry at its index; the SQ
 * array starts zeroed, sq_flags gains TASKRUN and NEED_WAKEUP, cq_flags
 * stays.  Then down to rings the entries just fit, and data flows: NOPs
 * and a read.
 */
TEST(entries_carried_over)
{
	static const uint64_t first[] = { 102, 103, 104, 105, 106, 200, 201, 202 };
	struct io_uring_cqe cqe = { 0 };
	struct io_uring_params np;
	struct raw_ring r;
	char buf[8] = { 0 };
	int pfd[2];

	REQUIRE_EQ(defer_ring(&r, 8, 0, 0), 0);
	for (unsigned i = 0; i < 7; i++)
		raw_nop(&r, 100 + i, 0);
	REQUIRE_EQ(raw_submit(&r, 7, 0, 0), 7);
	REQUIRE_TRUE(raw_pop(&r, &cqe));
	REQUIRE_TRUE(raw_pop(&r, &cqe));
	for (unsigned i = 0; i < 3; i++)
		raw_nop(&r, 200 + i, 0);
	raw_publish(&r);
	IO_URING_WRITE_ONCE(*r.cq_flags, IORING_CQ_EVENTFD_DISABLED);

	CHECK_EQ(resize_raw(r.fd, 4, 4, IORING_SETUP_CQSIZE, NULL), -EOVERFLOW);
	CHECK_EQ(resize_raw(r.fd, 2, 8, IORING_SETUP_CQSIZE, NULL), -EOVERFLOW);
	CHECK_EQ_U(*r.cq_head, 2);
	CHECK_EQ_U(*r.cq_tail, 7);
	CHECK_EQ_U(*r.sq_tail, 10);

	REQUIRE_EQ(resize_raw(r.fd, 32, 128, IORING_SETUP_CQSIZE, &np), 0);
	raw_remap(&r, &np);
	CHECK_EQ_U(r.sq_mask, 31);
	CHECK_EQ_U(r.cq_mask, 127);
	CHECK_EQ_U(*r.sq_head, 7);
	CHECK_EQ_U(*r.sq_tail, 10);
	CHECK_EQ_U(*r.cq_head, 2);
	CHECK_EQ_U(*r.cq_tail, 7);
	for (unsigned i = 2; i < 7; i++)
		CHECK_EQ_U(r.cqes[i].user_data, 100 + i);
	for (unsigned i = 7; i < 10; i++)
		CHECK_EQ_U(r.sqes[i].user_data, 200 + i - 7);
	for (unsigned i = 0; i < 32; i++)
		CHECK_EQ_U(r.sq_array[i], 0);
	CHECK_EQ_U(*r.sq_flags & (IORING_SQ_TASKRUN | IORING_SQ_NEED_WAKEUP),
		   IORING_SQ_TASKRUN | IORING_SQ_NEED_WAKEUP);
	CHECK_EQ_U(*r.cq_flags, IORING_CQ_EVENTFD_DISABLED);
	CHECK_EQ_U(*r.sq_dropped, 0);
	CHECK_EQ_U(*r.cq_overflow, 0);

	/* the program maps the slots to the SQEs again, as liburing does */
	for (unsigned i = 0; i < 32; i++)
		r.sq_array[i] = i;
	REQUIRE_EQ(raw_enter(r.fd, 3, 0, IORING_ENTER_GETEVENTS, NULL, 0), 3);

	/* 8 CQEs: a CQ of 8 holds them, the SQ is empty */
	REQUIRE_EQ(resize_raw(r.fd, 4, 8, IORING_SETUP_CQSIZE, &np), 0);
	raw_remap(&r, &np);
	CHECK_EQ_U(*r.cq_tail - *r.cq_head, 8);
	reap_expect(&r, first, ARRAY_SIZE(first));

	/* data flows: a batch of NOPs filling the SQ, then a read */
	for (unsigned i = 0; i < 4; i++)
		raw_nop(&r, 300 + i, 0);
	CHECK_EQ(raw_submit(&r, 4, 4, IORING_ENTER_GETEVENTS), 4);
	for (unsigned i = 0; i < 4; i++) {
		REQUIRE_TRUE(raw_pop(&r, &cqe));
		CHECK_EQ_U(cqe.user_data, 300 + i);
	}
	REQUIRE_EQ(pipe(pfd), 0);
	REQUIRE_EQ(write(pfd[1], "resized", 7), 7);
	{
		struct io_uring_sqe *sqe = raw_sqe(&r);

		sqe->opcode = IORING_OP_READ;
		sqe->fd = pfd[0];
		sqe->addr = (uintptr_t)buf;
		sqe->len = sizeof(buf);
		sqe->off = -1ULL;
		sqe->user_data = 400;
	}
	CHECK_EQ(raw_submit(&r, 1, 1, IORING_ENTER_GETEVENTS), 1);
	for (int i = 0; i < 200 && !raw_pop(&r, &cqe); i++) {
		raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
		test_sleep_ms(1);
	}
	CHECK_EQ_U(cqe.user_data, 400);
	CHECK_EQ(cqe.res, 7);
	CHECK_MEM(buf, "resized", 7);
	close(pfd[0]);
	close(pfd[1]);
	raw_ring_exit(&r);
}

/* The old mappings stay mapped: reading them after the resize does not fault. */
TEST(old_mapping_stays)
{
	struct io_uring_params np;
	struct raw_ring r, old;
	volatile unsigned v = 0;

	REQUIRE_EQ(defer_ring(&r, 64, 0, 0), 0);
	old = r;
	/* raw_remap() unmaps nothing: the old mappings are kept */
	r.sq_ptr = r.cq_ptr = r.sqes = NULL;
	r.sq_sz = r.cq_sz = r.sqes_sz = 0;
	REQUIRE_EQ(resize_raw(r.fd, 8, 0, 0, &np), 0);
	for (size_t off = 0; off < old.sq_sz; off += 4)
		v += *(unsigned *)((char *)old.sq_ptr + off);
	for (size_t off = 0; off < old.cq_sz; off += 4)
		v += *(unsigned *)((char *)old.cq_ptr + off);
	for (size_t off = 0; off < old.sqes_sz; off += 64)
		v += *(unsigned *)((char *)old.sqes + off);
	(void)v;
	raw_remap(&r, &np);
	raw_nop_roundtrip(&r, 5);
	munmap(old.sq_ptr, old.sq_sz);
	munmap(old.cq_ptr, old.cq_sz);
	munmap(old.sqes, old.sqes_sz);
	raw_ring_exit(&r);
}

/* 128-byte SQEs and 32-byte CQEs move whole; a CQE_MIXED ring's slots one by one. */
TEST(big_entries)
{
	struct io_uring_params np;
	struct raw_ring r;

	REQUIRE_EQ(defer_ring(&r, 8, IORING_SETUP_SQE128 | IORING_SETUP_CQE32, 0), 0);
	for (unsigned i = 0; i < 3; i++)
		raw_nop(&r, 1 + i, 0);
	REQUIRE_EQ(raw_submit(&r, 3, 0, 0), 3);
	/* second halves to carry: written by the test into the CQ slots */
	for (unsigned i = 0; i < 3; i++) {
		r.cqes[i << 1].big_cqe[0] = 0xaa00 + i;
		r.cqes[i << 1].big_cqe[1] = 0xbb00 + i;
	}
	for (unsigned i = 0; i < 2; i++) {
		struct io_uring_sqe *sqe = raw_nop(&r, 50 + i, 0);

		memset((char *)sqe + 64, 0x11 + (int)i, 64);
	}
	raw_publish(&r);
	REQUIRE_EQ(resize_raw(r.fd, 32, 0, 0, &np), 0);
	CHECK_EQ_U(np.flags, IORING_SETUP_SQE128 | IORING_SETUP_CQE32);
	raw_remap(&r, &np);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ_U(r.cqes[i << 1].user_data, 1 + i);
		CHECK_EQ_U(r.cqes[i << 1].big_cqe[0], 0xaa00 + i);
		CHECK_EQ_U(r.cqes[i << 1].big_cqe[1], 0xbb00 + i);
	}
	for (unsigned i = 3; i < 5; i++) {
		unsigned char *s = (unsigned char *)&r.sqes[i << 1];

		CHECK_EQ_U(((struct io_uring_sqe *)s)->user_data, 50 + i - 3);
		CHECK_EQ_U(s[64], 0x11 + i - 3);
		CHECK_EQ_U(s[127], 0x11 + i - 3);
	}
	raw_ring_exit(&r);

	REQUIRE_EQ(defer_ring(&r, 4, IORING_SETUP_CQE_MIXED | IORING_SETUP_CQSIZE, 8), 0);
	for (unsigned i = 0; i < 3; i++)
		raw_nop(&r, 1 + i, 0)->nop_flags = IORING_NOP_CQE32;
	REQUIRE_EQ(raw_submit(&r, 3, 0, 0), 3);
	CHECK_EQ_U(*r.cq_tail, 6);
	REQUIRE_EQ(resize_raw(r.fd, 4, 16, IORING_SETUP_CQSIZE, &np), 0);
	raw_remap(&r, &np);
	CHECK_EQ_U(*r.cq_tail, 6);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ_U(r.cqes[2 * i].user_data, 1 + i);
		CHECK_EQ_U(r.cqes[2 * i].flags, IORING_CQE_F_32);
	}
	raw_ring_exit(&r);
}

/*
 * CQEs in the overflow backlog do not count against the new CQ: they stay
 * there, CQ_OVERFLOW copied, and the next GETEVENTS moves them into the new
 * CQ in order.
 */
TEST(overflow_backlog)
{
	uint64_t uds[12];
	struct io_uring_params np;
	struct raw_ring r;

	REQUIRE_EQ(defer_ring(&r, 4, IORING_SETUP_CQSIZE, 4), 0);
	for (unsigned k = 0; k < 3; k++) {
		for (unsigned i = 0; i < 4; i++) {
			uds[4 * k + i] = 10 * k + i;
			raw_nop(&r, 10 * k + i, 0);
		}
		REQUIRE_EQ(raw_submit(&r, 4, 0, 0), 4);
	}
	CHECK_TRUE(*r.sq_flags & IORING_SQ_CQ_OVERFLOW);
	REQUIRE_EQ(resize_raw(r.fd, 4, 64, IORING_SETUP_CQSIZE, &np), 0);
	raw_remap(&r, &np);
	CHECK_EQ_U(*r.cq_tail, 4);
	CHECK_TRUE(*r.sq_flags & IORING_SQ_CQ_OVERFLOW);
	CHECK_EQ(raw_enter(r.fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	CHECK_EQ_U(*r.cq_tail, 12);
	CHECK_FALSE(*r.sq_flags & IORING_SQ_CQ_OVERFLOW);
	reap_expect(&r, uds, 12);
	raw_ring_exit(&r);
}

/* A ring made disabled resizes before it is enabled, and works after. */
TEST(disabled_ring)
{
	struct io_uring_params np;
	struct raw_ring r;

	REQUIRE_EQ(defer_ring(&r, 8, IORING_SETUP_R_DISABLED, 0), 0);
	REQUIRE_EQ(resize_raw(r.fd, 16, 0, 0, &np), 0);
	raw_remap(&r, &np);
	REQUIRE_EQ(raw_register(r.fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0), 0);
	raw_nop_roundtrip(&r, 9);
	raw_ring_exit(&r);
}

static int thread_fd;

static void *resize_from_thread(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)resize_raw(thread_fd, 16, 0, 0, NULL);
}

/* Another task: -EEXIST (SINGLE_ISSUER); by registered index: as by fd. */
TEST(other_task_and_registered_index)
{
	struct io_uring_rsrc_update u = { .offset = -1U };
	struct io_uring_params np;
	struct raw_ring r;
	pthread_t t;
	void *res;

	REQUIRE_EQ(defer_ring(&r, 8, 0, 0), 0);
	thread_fd = r.fd;
	REQUIRE_EQ(pthread_create(&t, NULL, resize_from_thread, NULL), 0);
	REQUIRE_EQ(pthread_join(t, &res), 0);
	CHECK_EQ((int)(intptr_t)res, -EEXIST);

	u.data = (uint64_t)r.fd;
	REQUIRE_EQ(raw_register(r.fd, IORING_REGISTER_RING_FDS, &u, 1), 1);
	memset(&np, 0, sizeof(np));
	np.sq_entries = 64;
	REQUIRE_EQ(raw_register((int)u.offset,
				IORING_REGISTER_RESIZE_RINGS | IORING_REGISTER_USE_REGISTERED_RING,
				&np, 1),
		   0);
	CHECK_EQ_U(np.cq_entries, 128);
	raw_remap(&r, &np);
	raw_nop_roundtrip(&r, 3);
	raw_ring_exit(&r);
}

/* A read waiting when the rings are swapped completes into the new CQ. */
TEST(inflight_read)
{
	struct io_uring_params np;
	struct io_uring_cqe cqe;
	struct io_uring_sqe *sqe;
	struct raw_ring r;
	char buf[8];
	int pfd[2], got = 0;

	REQUIRE_EQ(pipe(pfd), 0);
	REQUIRE_EQ(defer_ring(&r, 8, 0, 0), 0);
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = pfd[0];
	sqe->addr = (uintptr_t)buf;
	sqe->len = sizeof(buf);
	sqe->off = -1ULL;
	sqe->user_data = 7;
	REQUIRE_EQ(raw_submit(&r, 1, 0, 0), 1);
	REQUIRE_EQ(resize_raw(r.fd, 64, 256, IORING_SETUP_CQSIZE, &np), 0);
	raw_remap(&r, &np);
	REQUIRE_EQ(write(pfd[1], "hello", 5), 5);
	for (int i = 0; i < 200; i++) {
		raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
		got = raw_pop(&r, &cqe);
		if (got)
			break;
		test_sleep_ms(5);
	}
	REQUIRE_TRUE(got);
	CHECK_EQ_U(cqe.user_data, 7);
	CHECK_EQ(cqe.res, 5);
	close(pfd[0]);
	close(pfd[1]);
	raw_ring_exit(&r);
}

static void *map_anon(size_t len, int prot)
{
	void *m = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE_MSG(m != MAP_FAILED, "mmap: %s", strerror(errno));
	return m;
}

static int resize_mem(int fd, unsigned sq, void *rings, void *sqes, struct io_uring_params *out)
{
	struct io_uring_params p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.sq_entries = sq;
	p.cq_off.user_addr = (uintptr_t)rings;
	p.sq_off.user_addr = (uintptr_t)sqes;
	ret = raw_register(fd, IORING_REGISTER_RESIZE_RINGS, &p, 1);
	if (out)
		*out = p;
	return ret;
}

/*
 * NO_MMAP: the new rings in the program's new memory, checked as setup
 * checks it; only the header and the entries carried are written there;
 * the old memory is free to reuse.
 */
TEST(no_mmap_rings)
{
	char *mem = map_anon(64 * PAGE, PROT_READ | PROT_WRITE);
	char *ro = map_anon(4 * PAGE, PROT_READ);
	struct io_uring_params p, np;
	struct io_uring_sqe *sqes = (void *)(mem + 4 * PAGE), *nsqes;
	struct io_uring_cqe *ncqes;
	unsigned *h, *arr, *nh, *narr;
	int fd;

	memset(&p, 0, sizeof(p));
	p.flags = DEFER | IORING_SETUP_NO_MMAP;
	p.cq_off.user_addr = (uintptr_t)mem;
	p.sq_off.user_addr = (uintptr_t)sqes;
	fd = raw_skip_if_refused(raw_setup(8, &p));
	REQUIRE_GE(fd, 0);
	h = (unsigned *)mem;
	arr = (unsigned *)(mem + p.sq_off.array);
	for (unsigned i = 0; i < 3; i++) {
		memset(&sqes[i], 0, sizeof(sqes[i]));
		sqes[i].opcode = IORING_OP_NOP;
		sqes[i].user_data = 40 + i;
		arr[i] = i;
	}
	io_uring_smp_store_release(&h[1], 2);
	REQUIRE_EQ(raw_enter(fd, 2, 0, IORING_ENTER_GETEVENTS, NULL, 0), 2);
	io_uring_smp_store_release(&h[1], 3); /* the third stays queued */

	CHECK_EQ(resize_mem(fd, 16, NULL, mem + 20 * PAGE, NULL), -EFAULT);
	CHECK_EQ(resize_mem(fd, 16, mem + 16 * PAGE, NULL, NULL), -EFAULT);
	CHECK_EQ(resize_mem(fd, 16, mem + 16 * PAGE + 64, mem + 20 * PAGE, NULL), -EINVAL);
	CHECK_EQ(resize_mem(fd, 16, mem + 16 * PAGE, mem + 20 * PAGE + 8, NULL), -EINVAL);
	CHECK_EQ(resize_mem(fd, 16, (void *)PAGE, mem + 20 * PAGE, NULL), -EFAULT);
	CHECK_EQ(resize_mem(fd, 16, mem + 16 * PAGE, (void *)PAGE, NULL), -EFAULT);
	CHECK_EQ(resize_mem(fd, 16, ro, mem + 20 * PAGE, NULL), -EFAULT);
	CHECK_EQ(resize_mem(fd, 16, mem + 16 * PAGE, ro, NULL), -EFAULT);

	memset(mem + 16 * PAGE, 0xee, 8 * PAGE);
	REQUIRE_EQ(resize_mem(fd, 16, mem + 16 * PAGE, mem + 20 * PAGE, &np), 0);
	CHECK_EQ_U(np.flags, IORING_SETUP_NO_MMAP);
	CHECK_EQ_U(np.cq_off.user_addr, (uintptr_t)(mem + 16 * PAGE));
	CHECK_EQ_U(np.sq_off.user_addr, (uintptr_t)(mem + 20 * PAGE));
	nh = (unsigned *)(mem + 16 * PAGE);
	ncqes = (struct io_uring_cqe *)(mem + 16 * PAGE + 64);
	nsqes = (struct io_uring_sqe *)(mem + 20 * PAGE);
	narr = (unsigned *)(mem + 16 * PAGE + array_offset(&np));
	CHECK_EQ_U(nh[0], 2); /* sq head, tail */
	CHECK_EQ_U(nh[1], 3);
	CHECK_EQ_U(nh[2], 0); /* cq head, tail */
	CHECK_EQ_U(nh[3], 2);
	CHECK_EQ_U(nh[4], 15); /* masks, entries */
	CHECK_EQ_U(nh[5], 31);
	CHECK_EQ_U(nh[6], 16);
	CHECK_EQ_U(nh[7], 32);
	CHECK_EQ_U(nh[12], 0xeeeeeeee); /* the header's padding is not written */
	CHECK_EQ_U(ncqes[0].user_data, 40);
	CHECK_EQ_U(ncqes[1].user_data, 41);
	CHECK_EQ_U(ncqes[2].user_data, 0xeeeeeeeeeeeeeeeeULL);
	CHECK_EQ_U(nsqes[2].user_data, 42);
	CHECK_EQ_U(nsqes[3].user_data, 0xeeeeeeeeeeeeeeeeULL);
	CHECK_EQ_U(narr[2], 0xeeeeeeee);

	/* the old memory is the program's again */
	memset(mem, 0, 8 * PAGE);
	narr[2] = 2;
	REQUIRE_EQ(raw_enter(fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0), 1);
	CHECK_EQ_U(nh[3], 3);
	CHECK_EQ_U(ncqes[2].user_data, 42);
	CHECK_EQ(raw_close(fd), 0);
	munmap(mem, 64 * PAGE);
	munmap(ro, 4 * PAGE);
}

/*
 * RLIMIT_MEMLOCK, in a child, as a user of its own
 * (test_become_memlock_user()): 128 entries hold 4 pages; the new rings are charged before the old
 * ones are given back.
 */
static void memlock_child(void)
{
	struct io_uring_params p;
	int fd;

	test_become_memlock_user(16 * PAGE);
	memset(&p, 0, sizeof(p));
	p.flags = DEFER;
	fd = raw_skip_if_refused(raw_setup(128, &p)); /* 2 + 2 pages */
	REQUIRE_GE(fd, 0);
	/* 256 entries: 3 pages of rings, 4 of SQEs */
	CHECK_EQ(resize_raw(fd, 256, 0, 0, NULL), 0);
	/* 11 pages while 7 are held */
	CHECK_EQ(resize_raw(fd, 512, 512, IORING_SETUP_CQSIZE, NULL), -ENOMEM);
	/* 9 pages while 7 are held: the limit exactly */
	CHECK_EQ(resize_raw(fd, 256, 1024, IORING_SETUP_CQSIZE, NULL), 0);
	CHECK_EQ(resize_raw(fd, 8, 0, 0, NULL), 0);
	/* 2 held now */
	CHECK_EQ(resize_raw(fd, 512, 512, IORING_SETUP_CQSIZE, NULL), 0);
	raw_close(fd);
}

TEST(memlock_charge)
{
	test_in_root_child(memlock_child);
}

/*
 * The library: io_uring_resize_rings() with CQEs in the CQ and SQEs handed
 * out but not submitted (published first and carried over), offsets in p
 * that are not zero (it clears them), ring sizes and masks updated, p->flags
 * cleared after, as liburing's; data flows after, up and down.
 */
TEST(library_resize)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqe;
	struct test_cqe c[16];
	struct io_uring ring;
	char buf[8] = { 0 };
	int pfd[2];

	test_ring_init(8, &ring, 0);
	memset(&p, 0, sizeof(p));
	p.sq_entries = 16;
	CHECK_EQ(io_uring_resize_rings(&ring, &p), -EINVAL);
	io_uring_queue_exit(&ring);

	test_ring_init(8, &ring, DEFER);
	for (unsigned i = 0; i < 3; i++) {
		sqe = test_get_sqe(&ring);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, 1 + i);
	}
	CHECK_EQ(io_uring_submit(&ring), 3);
	for (unsigned i = 0; i < 2; i++) {
		sqe = test_get_sqe(&ring);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, 10 + i);
	}
	/* the offsets of the setup's params, as a program reusing them passes */
	memset(&p, 0, sizeof(p));
	p.sq_off.array = 4096;
	p.cq_off.cqes = 1234;
	p.sq_entries = 64;
	p.cq_entries = 256;
	p.flags = IORING_SETUP_CQSIZE;
	REQUIRE_EQ(io_uring_resize_rings(&ring, &p), 0);
	CHECK_EQ_U(p.flags, 0);
	CHECK_EQ_U(ring.sq.ring_entries, 64);
	CHECK_EQ_U(ring.sq.ring_mask, 63);
	CHECK_EQ_U(*ring.sq.kring_entries, 64);
	CHECK_EQ_U(ring.cq.ring_entries, 256);
	CHECK_EQ_U(ring.cq.ring_mask, 255);
	CHECK_EQ_U(*ring.cq.kring_mask, 255);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 3);
	CHECK_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(test_reap(&ring, c, 5, 5000), 5);
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ_U(c[i].user_data, 1 + i);
	CHECK_EQ_U(c[3].user_data, 10);
	CHECK_EQ_U(c[4].user_data, 11);

	/* the new SQ takes a full batch */
	for (unsigned i = 0; i < 64; i++) {
		sqe = test_get_sqe(&ring);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, 100 + i);
	}
	CHECK_EQ(io_uring_submit_and_wait(&ring, 64), 64);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 64);
	io_uring_cq_advance(&ring, 64);

	/* down, with CQEs in the CQ that just fit */
	for (unsigned i = 0; i < 4; i++) {
		sqe = test_get_sqe(&ring);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data64(sqe, 200 + i);
	}
	CHECK_EQ(io_uring_submit(&ring), 4);
	memset(&p, 0, sizeof(p));
	p.sq_entries = 2;
	p.cq_entries = 2;
	p.flags = IORING_SETUP_CQSIZE;
	CHECK_EQ(io_uring_resize_rings(&ring, &p), -EOVERFLOW);
	CHECK_EQ_U(p.flags, 0);
	memset(&p, 0, sizeof(p));
	p.sq_entries = 2;
	REQUIRE_EQ(io_uring_resize_rings(&ring, &p), 0);
	CHECK_EQ_U(ring.sq.ring_entries, 2);
	CHECK_EQ_U(ring.cq.ring_entries, 4);
	REQUIRE_EQ(test_reap(&ring, c, 4, 5000), 4);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ_U(c[i].user_data, 200 + i);
	REQUIRE_EQ(pipe(pfd), 0);
	REQUIRE_EQ(write(pfd[1], "lib", 3), 3);
	sqe = test_get_sqe(&ring);
	io_uring_prep_read(sqe, pfd[0], buf, sizeof(buf), -1);
	io_uring_sqe_set_data64(sqe, 300);
	CHECK_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(test_reap(&ring, c, 1, 5000), 1);
	CHECK_EQ_U(c[0].user_data, 300);
	CHECK_EQ(c[0].res, 3);
	CHECK_MEM(buf, "lib", 3);
	close(pfd[0]);
	close(pfd[1]);
	io_uring_queue_exit(&ring);
}

/* The library leaves rings in the program's memory alone (liburing's limit). */
TEST(library_no_mmap_refused)
{
	char *mem = map_anon(16 * PAGE, PROT_READ | PROT_WRITE);
	struct io_uring_params p;
	struct io_uring ring;
	int ret;

	memset(&p, 0, sizeof(p));
	p.flags = DEFER;
	ret = io_uring_queue_init_mem(8, &ring, &p, mem, 16 * PAGE);
	test_skip_if_refused(ret, "io_uring_queue_init_mem");
	REQUIRE_GE(ret, 0);
	memset(&p, 0, sizeof(p));
	p.sq_entries = 16;
	CHECK_EQ(io_uring_resize_rings(&ring, &p), -EINVAL);
	io_uring_queue_exit(&ring);
	munmap(mem, 16 * PAGE);
}

/*
 * Completions posted by other threads while the rings are swapped: NOPs a
 * worker runs (IOSQE_ASYNC), reads that a writer thread's data completes,
 * and a thread polling the ring fd meanwhile.  Every CQE reaches the CQ the
 * program has after the last resize, each once.
 */
#define CONC_ROUNDS    16
#define CONC_PER_ROUND 2
#define CONC_ASYNC     (CONC_ROUNDS * CONC_PER_ROUND)
#define CONC_READS     8

struct conc {
	int pipes[CONC_READS][2];
	int ring_fd;
	atomic_bool stop;
};

static void *conc_writer(void *arg)
{
	struct conc *c = arg;

	for (unsigned i = 0; i < CONC_READS; i++) {
		test_sleep_ms(1);
		if (write(c->pipes[i][1], "w", 1) != 1)
			break;
	}
	return NULL;
}

static void *conc_poller(void *arg)
{
	struct conc *c = arg;
	struct pollfd pfd = { .fd = c->ring_fd, .events = POLLIN };

	while (!atomic_load(&c->stop))
		poll(&pfd, 1, 0);
	return NULL;
}

TEST(concurrent_completions)
{
	/* every CQ holds them all: a submit after a resize enters with
	 * GETEVENTS (IORING_SQ_TASKRUN), which posts what completed so far */
	static const unsigned sizes[] = { 64, 128, 32, 256, 32 };
	bool seen[CONC_ASYNC + CONC_READS] = { false };
	struct io_uring_params p;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	pthread_t writer, poller;
	struct conc c;
	char buf[CONC_READS];
	unsigned got = 0;

	memset(&c, 0, sizeof(c));
	test_ring_init(16, &ring, DEFER);
	c.ring_fd = ring.ring_fd;
	for (unsigned i = 0; i < CONC_READS; i++) {
		REQUIRE_EQ(pipe(c.pipes[i]), 0);
		sqe = test_get_sqe(&ring);
		io_uring_prep_read(sqe, c.pipes[i][0], &buf[i], 1, -1);
		io_uring_sqe_set_data64(sqe, CONC_ASYNC + i);
	}
	REQUIRE_EQ(io_uring_submit(&ring), CONC_READS);
	REQUIRE_EQ(pthread_create(&poller, NULL, conc_poller, &c), 0);
	REQUIRE_EQ(pthread_create(&writer, NULL, conc_writer, &c), 0);
	/* each round's NOPs run in workers while the next resize swaps the rings */
	for (unsigned k = 0; k < CONC_ROUNDS; k++) {
		for (unsigned i = 0; i < CONC_PER_ROUND; i++) {
			sqe = test_get_sqe(&ring);
			io_uring_prep_nop(sqe);
			io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
			io_uring_sqe_set_data64(sqe, k * CONC_PER_ROUND + i);
		}
		CHECK_EQ(io_uring_submit(&ring), CONC_PER_ROUND);
		memset(&p, 0, sizeof(p));
		p.sq_entries = sizes[k % ARRAY_SIZE(sizes)];
		CHECK_EQ(io_uring_resize_rings(&ring, &p), 0);
	}
	REQUIRE_EQ(pthread_join(writer, NULL), 0);
	while (got < CONC_ASYNC + CONC_READS) {
		REQUIRE_EQ(test_wait_cqe_ms(&ring, &cqe, 5000), 0);
		REQUIRE_MSG(cqe->user_data < CONC_ASYNC + CONC_READS, "user_data %llu",
			    (unsigned long long)cqe->user_data);
		CHECK_FALSE(seen[cqe->user_data]);
		seen[cqe->user_data] = true;
		CHECK_EQ(cqe->res, cqe->user_data < CONC_ASYNC ? 0 : 1);
		io_uring_cqe_seen(&ring, cqe);
		got++;
	}
	atomic_store(&c.stop, true);
	REQUIRE_EQ(pthread_join(poller, NULL), 0);
	CHECK_EQ_U(ring.sq.ring_entries, sizes[(CONC_ROUNDS - 1) % ARRAY_SIZE(sizes)]);
	for (unsigned i = 0; i < CONC_READS; i++) {
		close(c.pipes[i][0]);
		close(c.pipes[i][1]);
	}
	io_uring_queue_exit(&ring);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(ring_kinds),
		TEST_ENTRY(bad_arguments),
		TEST_ENTRY(params_written_back),
		TEST_ENTRY(entries_carried_over),
		TEST_ENTRY(old_mapping_stays),
		TEST_ENTRY(big_entries),
		TEST_ENTRY(overflow_backlog),
		TEST_ENTRY(disabled_ring),
		TEST_ENTRY(other_task_and_registered_index),
		TEST_ENTRY(inflight_read),
		TEST_ENTRY(no_mmap_rings),
		TEST_ENTRY(memlock_charge),
		TEST_ENTRY(library_resize),
		TEST_ENTRY(library_no_mmap_refused),
		TEST_ENTRY(concurrent_completions),
	};

	raw_skip_program_if_refused();
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
