// SPDX-License-Identifier: MIT
/*
 * The seed, step by step, on the raw interface: setup, three mmaps, SQEs
 * filled by hand, indexes in the SQ array, enter with GETEVENTS, the CQ read
 * and its head advanced; then the ring protocol: setup and enter errors, the
 * dropped counter, CQ overflow, submit failures, links, drain, EXT_ARG, a
 * disabled ring, the probe, NO_SQARRAY.  Runs on both backends; the
 * expected values are what Linux 6.18 gives.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

#include "raw.h"

static char tmpl[] = "/tmp/ringer-raw-XXXXXX";

TEST(seed)
{
	struct raw_ring r;
	struct io_uring_cqe cqe[8];
	char buf[64] = { 0 }, want[64];
	struct iovec iov = { buf, sizeof(buf) };
	int fd, ret;

	ret = raw_skip_if_refused(raw_ring_init(&r, 4, NULL));
	CHECK_EQ(ret, 0);
	CHECK_EQ(r.p.sq_entries, 4);
	CHECK_EQ(r.p.cq_entries, 8);
	CHECK_EQ(r.p.sq_off.array, 192);
	CHECK_EQ(r.p.cq_off.cqes, 64);
	CHECK_EQ(*r.sq_head, 0);
	CHECK_EQ(*r.cq_tail, 0);
	CHECK_MSG(r.p.features & IORING_FEAT_NODROP, "features %x", r.p.features);
	CHECK_MSG(r.p.features & IORING_FEAT_EXT_ARG, "features %x", r.p.features);
	CHECK_EQ(fcntl(r.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	CHECK_EQ(fcntl(r.fd, F_GETFL) & O_ACCMODE, O_RDWR);

	fd = mkstemp(tmpl);
	for (int i = 0; i < 64; i++)
		want[i] = (char)('a' + i % 26);
	CHECK_EQ(write(fd, want, 64), 64);

	/* a READV of the file and a NOP, SQ array indexes 0 and 1 */
	struct io_uring_sqe *sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_READV;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)&iov;
	sqe->len = 1;
	sqe->off = 0;
	sqe->user_data = 0x1234;
	raw_nop(&r, 0x5678, 0);
	ret = raw_submit(&r, 2, 2, IORING_ENTER_GETEVENTS);
	CHECK_EQ(ret, 2);
	CHECK_EQ(io_uring_smp_load_acquire(r.sq_head), 2);
	ret = raw_reap(&r, cqe, 8);
	CHECK_EQ(ret, 2);
	for (int i = 0; i < ret; i++) {
		if (cqe[i].user_data == 0x1234)
			CHECK_EQ(cqe[i].res, 64);
		else
			CHECK_EQ(cqe[i].res, 0);
		CHECK_EQ(cqe[i].flags, 0);
	}
	CHECK_MSG(!memcmp(buf, want, 64), "data");
	close(fd);
	unlink(tmpl);
	raw_ring_exit(&r);
}

TEST(setup_errors)
{
	struct io_uring_params p;
	int fd;

	memset(&p, 0, sizeof(p));
	CHECK_EQ(raw_setup(0, &p), -EINVAL);
	CHECK_EQ(raw_setup(0, NULL), -EFAULT);
	CHECK_EQ(raw_setup(32769, &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CLAMP;
	fd = raw_setup(0xffffffff, &p);
	CHECK_MSG(fd >= 0, "clamp %d", fd);
	CHECK_EQ(p.sq_entries, 32768);
	CHECK_EQ(p.cq_entries, 65536);
	if (fd >= 0)
		raw_close(fd);
	memset(&p, 0, sizeof(p));
	p.cq_entries = 1000;
	fd = raw_setup(3, &p);
	CHECK_EQ(p.sq_entries, 4);
	CHECK_EQ(p.cq_entries, 8);
	CHECK_EQ(p.sq_off.array, 192);
	if (fd >= 0)
		raw_close(fd);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	CHECK_EQ(raw_setup(8, &p), -EINVAL);
	p.cq_entries = 4;
	CHECK_EQ(raw_setup(8, &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 5;
	fd = raw_setup(4, &p);
	CHECK_EQ(p.cq_entries, 8);
	if (fd >= 0)
		raw_close(fd);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 65537;
	CHECK_EQ(raw_setup(4, &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	p.resv[1] = 1;
	CHECK_EQ(raw_setup(4, &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	p.flags = 1U << 19;
	CHECK_EQ(raw_setup(4, &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQ_AFF;
	CHECK_EQ(raw_setup(4, &p), -EINVAL);
	p.flags = IORING_SETUP_TASKRUN_FLAG;
	CHECK_EQ(raw_setup(4, &p), -EINVAL);
	p.flags = IORING_SETUP_DEFER_TASKRUN;
	CHECK_EQ(raw_setup(4, &p), -EINVAL);
	p.flags = IORING_SETUP_REGISTERED_FD_ONLY;
	CHECK_EQ(raw_setup(4, &p), -EINVAL);
	p.flags = IORING_SETUP_ATTACH_WQ;
	p.wq_fd = 9999;
	CHECK_EQ(raw_setup(4, &p), -ENXIO);
	p.wq_fd = 0;
	CHECK_EQ(raw_setup(4, &p), -EINVAL);
	/* inputs are echoed back */
	memset(&p, 0, sizeof(p));
	p.wq_fd = 9999;
	p.sq_thread_cpu = 12345;
	p.sq_thread_idle = 5;
	fd = raw_setup(1, &p);
	CHECK_EQ(p.wq_fd, 9999);
	CHECK_EQ(p.sq_thread_cpu, 12345);
	CHECK_EQ(p.sq_thread_idle, 5);
	CHECK_EQ(p.sq_off.head, 0);
	CHECK_EQ(p.sq_off.tail, 4);
	CHECK_EQ(p.sq_off.ring_mask, 16);
	CHECK_EQ(p.sq_off.ring_entries, 24);
	CHECK_EQ(p.sq_off.flags, 36);
	CHECK_EQ(p.sq_off.dropped, 32);
	CHECK_EQ(p.sq_off.array, 128);
	CHECK_EQ(p.cq_off.head, 8);
	CHECK_EQ(p.cq_off.tail, 12);
	CHECK_EQ(p.cq_off.ring_mask, 20);
	CHECK_EQ(p.cq_off.ring_entries, 28);
	CHECK_EQ(p.cq_off.overflow, 44);
	CHECK_EQ(p.cq_off.cqes, 64);
	CHECK_EQ(p.cq_off.flags, 40);
	if (fd >= 0)
		raw_close(fd);
}

TEST(enter_errors)
{
	struct raw_ring r;
	int pfd[2];

	CHECK_EQ(raw_ring_init(&r, 4, NULL), 0);
	CHECK_EQ(raw_enter(r.fd, 0, 0, 1U << 8, NULL, 0), -EINVAL);
	CHECK_EQ(raw_enter(9999, 0, 0, 0, NULL, 0), -EBADF);
	CHECK_EQ(pipe(pfd), 0);
	CHECK_EQ(raw_enter(pfd[0], 0, 0, 0, NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(raw_register(pfd[0], IORING_REGISTER_PROBE, NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(raw_register(9999, IORING_REGISTER_PROBE, NULL, 0), -EBADF);
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_LAST, NULL, 0), -EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	/* GETEVENTS with min 0 never blocks; SQ_WAKEUP/SQ_WAIT are ignored */
	CHECK_EQ(raw_enter(r.fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	CHECK_EQ(raw_enter(r.fd, 0, 0, IORING_ENTER_SQ_WAKEUP | IORING_ENTER_SQ_WAIT, NULL, 0), 0);
	/* fewer SQEs than to_submit: the count, and no wait */
	raw_nop(&r, 1, 0);
	raw_nop(&r, 2, 0);
	CHECK_EQ(raw_submit(&r, 10, 5, IORING_ENTER_GETEVENTS), 2);
	CHECK_EQ(raw_submit(&r, 4, 1, IORING_ENTER_GETEVENTS), 0);
	raw_ring_exit(&r);
}

TEST(dropped)
{
	struct raw_ring r;
	struct io_uring_cqe cqe[8];

	CHECK_EQ(raw_ring_init(&r, 4, NULL), 0);
	raw_nop(&r, 1, 0);
	raw_nop(&r, 2, 0);
	r.sq_array[1] = 99; /* invalid index in the middle */
	raw_nop(&r, 3, 0);
	CHECK_EQ(raw_submit(&r, 3, 0, 0), 1);
	CHECK_EQ(io_uring_smp_load_acquire(r.sq_head), 2);
	CHECK_EQ(*r.sq_dropped, 1);
	CHECK_EQ(raw_enter(r.fd, 1, 0, 0, NULL, 0), 1);
	CHECK_EQ(*r.sq_dropped, 1);
	CHECK_EQ(raw_reap(&r, cqe, 8), 2);
	CHECK_EQ(cqe[0].user_data, 1);
	CHECK_EQ(cqe[1].user_data, 3);
	/* first entry invalid: 0, head +1 */
	raw_nop(&r, 4, 0);
	r.sq_array[(r.tail - 1) & r.sq_mask] = 4;
	CHECK_EQ(raw_submit(&r, 1, 0, 0), 0);
	CHECK_EQ(*r.sq_dropped, 2);
	CHECK_EQ(io_uring_smp_load_acquire(r.sq_head), 4);
	/* tail far ahead of head: at most sq_entries per call */
	for (int i = 0; i < 6; i++)
		raw_nop(&r, 10 + i, 0);
	CHECK_EQ(raw_submit(&r, 6, 0, 0), 4);
	CHECK_EQ(raw_enter(r.fd, 6, 0, 0, NULL, 0), 2);
	raw_ring_exit(&r);
}

TEST(overflow)
{
	struct raw_ring r;
	struct io_uring_cqe c;
	int n = 0;

	CHECK_EQ(raw_ring_init(&r, 4, NULL), 0); /* cq 8 */
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 4; i++)
			raw_nop(&r, (uint64_t)(round * 4 + i), 0);
		CHECK_EQ(raw_submit(&r, 4, 0, 0), 4);
	}
	CHECK_EQ(io_uring_smp_load_acquire(r.cq_tail), 8);
	CHECK_MSG(*r.sq_flags & IORING_SQ_CQ_OVERFLOW, "flags %x", *r.sq_flags);
	CHECK_EQ(*r.cq_overflow, 0);
	/* a plain enter does not flush */
	CHECK_EQ(raw_enter(r.fd, 0, 0, 0, NULL, 0), 0);
	CHECK_EQ(io_uring_smp_load_acquire(r.cq_tail), 8);
	/* reap 8, then a NOP submitted while overflowed goes behind the backlog */
	for (int i = 0; i < 8; i++) {
		CHECK_MSG(raw_pop(&r, &c), "cqe %d", i);
		CHECK_EQ(c.user_data, n++);
	}
	raw_nop(&r, 999, 0);
	CHECK_EQ(raw_submit(&r, 1, 0, IORING_ENTER_GETEVENTS), 1);
	while (raw_pop(&r, &c)) {
		if (n < 16)
			CHECK_EQ(c.user_data, n);
		else
			CHECK_EQ(c.user_data, 999);
		n++;
		if (n == 8 + 8)
			raw_enter(r.fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0);
	}
	raw_enter(r.fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0);
	while (raw_pop(&r, &c)) {
		CHECK_EQ(c.user_data, 999);
		n++;
	}
	CHECK_EQ(n, 17);
	CHECK_MSG(!(*r.sq_flags & IORING_SQ_CQ_OVERFLOW), "flags %x", *r.sq_flags);
	raw_ring_exit(&r);
}

/*
 * Reap what the ring holds once @want CQEs are there, or after 5 s: a request
 * may complete after its submit returns (the kernel queues a request behind a
 * drain to task work), so a wait for none could see it missing.
 */
static int reap_all(struct raw_ring *r, struct io_uring_cqe *out, int max, unsigned want)
{
	struct __kernel_timespec ts = { .tv_sec = 5 };
	struct io_uring_getevents_arg arg = { .ts = (uint64_t)(uintptr_t)&ts };

	raw_enter(r->fd, 0, want, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg,
		  sizeof(arg));
	return raw_reap(r, out, max);
}

TEST(submit_fail)
{
	struct raw_ring r;
	struct io_uring_cqe c[16];
	struct io_uring_params p;
	int n;

	/* [ok, prep-fail, ok] -> 2, the third stays queued */
	CHECK_EQ(raw_ring_init(&r, 8, NULL), 0);
	raw_nop(&r, 1, 0);
	raw_nop(&r, 2, 0)->ioprio = 1;
	raw_nop(&r, 3, 0);
	CHECK_EQ(raw_submit(&r, 3, 8, IORING_ENTER_GETEVENTS), 2);
	n = raw_reap(&r, c, 16);
	CHECK_EQ(n, 2);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ(c[1].res, -EINVAL);
	CHECK_EQ(raw_enter(r.fd, 1, 0, 0, NULL, 0), 1);
	/* [ok, READ bad fd, ok] -> 3: issue-time errors do not stop the batch */
	{
		struct io_uring_sqe *s;
		char b[8];

		raw_nop(&r, 4, 0);
		s = raw_sqe(&r);
		s->opcode = IORING_OP_READ;
		s->fd = 9999;
		s->addr = (uintptr_t)b;
		s->len = 8;
		s->user_data = 5;
		raw_nop(&r, 6, 0);
		CHECK_EQ(raw_submit(&r, 3, 0, 0), 3);
	}
	n = reap_all(&r, c, 16, 4);
	CHECK_EQ(n, 4);
	CHECK_EQ(c[0].user_data, 3);
	CHECK_EQ(c[2].res, -EBADF);
	CHECK_EQ(c[3].res, 0);
	/* generic checks */
	raw_nop(&r, 7, 0)->opcode = 63;
	raw_nop(&r, 8, 0)->opcode = 255;
	raw_nop(&r, 9, 0x80);
	raw_nop(&r, 10, IOSQE_BUFFER_SELECT);
	raw_nop(&r, 11, 0)->personality = 1;
	raw_nop(&r, 12, 0)->nop_flags = 1U << 6;
	{
		struct io_uring_sqe *s = raw_nop(&r, 13, 0);

		s->nop_flags = IORING_NOP_INJECT_RESULT;
		s->len = (unsigned)-5;
	}
	raw_nop(&r, 14, IOSQE_FIXED_FILE);
	raw_publish(&r);
	for (int i = 0; i < 8; i++)
		raw_enter(r.fd, 1, 0, 0, NULL, 0);
	n = reap_all(&r, c, 16, 8);
	CHECK_EQ(n, 8);
	CHECK_EQ(c[0].res, -EINVAL);
	CHECK_EQ(c[1].res, -EINVAL);
	CHECK_EQ(c[2].res, -EINVAL);
	CHECK_EQ(c[3].res, -EOPNOTSUPP);
	CHECK_EQ(c[4].res, -EINVAL);
	CHECK_EQ(c[5].res, -EINVAL);
	CHECK_EQ(c[6].res, -5);
	CHECK_EQ(c[7].res, 0);
	raw_ring_exit(&r);

	/* SUBMIT_ALL continues past a prep failure */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SUBMIT_ALL;
	CHECK_EQ(raw_ring_init(&r, 8, &p), 0);
	raw_nop(&r, 1, 0);
	raw_nop(&r, 2, 0)->ioprio = 1;
	raw_nop(&r, 3, 0);
	CHECK_EQ(raw_submit(&r, 3, 0, 0), 3);
	CHECK_EQ(reap_all(&r, c, 16, 3), 3);
	raw_ring_exit(&r);
}

TEST(links)
{
	struct raw_ring r;
	struct io_uring_cqe c[16];
	struct io_uring_sqe *s;
	char buf[64];
	int n, fd;

	CHECK_EQ(raw_ring_init(&r, 8, NULL), 0);
	/* [NOP, READ bad fd, NOP] linked -> 0, -9, -125 */
	raw_nop(&r, 1, IOSQE_IO_LINK);
	s = raw_sqe(&r);
	s->opcode = IORING_OP_READ;
	s->fd = 9999;
	s->addr = (uintptr_t)buf;
	s->len = 8;
	s->user_data = 2;
	s->flags = IOSQE_IO_LINK;
	raw_nop(&r, 3, 0);
	CHECK_EQ(raw_submit(&r, 3, 3, IORING_ENTER_GETEVENTS), 3);
	n = raw_reap(&r, c, 16);
	CHECK_EQ(n, 3);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ(c[1].res, -EBADF);
	CHECK_EQ(c[2].res, -ECANCELED);

	/* HARDLINK survives a completion failure */
	s = raw_sqe(&r);
	s->opcode = IORING_OP_READ;
	s->fd = 9999;
	s->addr = (uintptr_t)buf;
	s->len = 8;
	s->user_data = 4;
	s->flags = IOSQE_IO_HARDLINK;
	raw_nop(&r, 5, 0);
	CHECK_EQ(raw_submit(&r, 2, 2, IORING_ENTER_GETEVENTS), 2);
	n = raw_reap(&r, c, 16);
	CHECK_EQ(n, 2);
	CHECK_EQ(c[0].res, -EBADF);
	CHECK_EQ(c[1].res, 0);

	/* HARDLINK does not survive a submit-time failure */
	raw_nop(&r, 6, IOSQE_IO_HARDLINK)->ioprio = 1;
	raw_nop(&r, 7, 0);
	CHECK_EQ(raw_submit(&r, 2, 0, 0), 2);
	n = reap_all(&r, c, 16, 2);
	CHECK_EQ(n, 2);
	CHECK_EQ(c[0].res, -EINVAL);
	CHECK_EQ(c[1].res, -ECANCELED);

	/* prep failure in the middle: [NOP(l), NOP(bad,l), NOP(l), NOP] [NOP] */
	raw_nop(&r, 10, IOSQE_IO_LINK);
	raw_nop(&r, 11, IOSQE_IO_LINK)->ioprio = 1;
	raw_nop(&r, 12, IOSQE_IO_LINK);
	raw_nop(&r, 13, 0);
	raw_nop(&r, 14, 0);
	CHECK_EQ(raw_submit(&r, 5, 0, 0), 5);
	n = reap_all(&r, c, 16, 5);
	CHECK_EQ(n, 5);
	CHECK_EQ(c[0].user_data, 10);
	CHECK_EQ(c[0].res, -ECANCELED);
	CHECK_EQ(c[1].user_data, 14);
	CHECK_EQ(c[1].res, 0);
	CHECK_EQ(c[2].user_data, 11);
	CHECK_EQ(c[2].res, -EINVAL);
	CHECK_EQ(c[3].res, -ECANCELED);
	CHECK_EQ(c[4].res, -ECANCELED);

	/* [NOP(l), NOP(bad)] [NOP] -> 2 consumed */
	raw_nop(&r, 20, IOSQE_IO_LINK);
	raw_nop(&r, 21, 0)->ioprio = 1;
	raw_nop(&r, 22, 0);
	CHECK_EQ(raw_submit(&r, 3, 0, 0), 2);
	n = reap_all(&r, c, 16, 2);
	CHECK_EQ(n, 2);
	CHECK_EQ(c[0].res, -ECANCELED);
	CHECK_EQ(c[1].res, -EINVAL);
	CHECK_EQ(raw_enter(r.fd, 1, 0, 0, NULL, 0), 1);
	reap_all(&r, c, 16, 1);

	/* LINK on the last SQE of a batch ends the chain */
	raw_nop(&r, 30, IOSQE_IO_LINK);
	CHECK_EQ(raw_submit(&r, 1, 0, 0), 1);
	raw_nop(&r, 31, 0);
	CHECK_EQ(raw_submit(&r, 1, 0, 0), 1);
	/* the kernel runs a chain left open by the batch end in io-wq: wait for both */
	raw_enter(r.fd, 0, 2, IORING_ENTER_GETEVENTS, NULL, 0);
	n = raw_reap(&r, c, 16);
	CHECK_EQ(n, 2);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ(c[1].res, 0);

	/* a short read breaks a LINK chain; a full one does not */
	{
		static char tmp[] = "/tmp/ringer-link-XXXXXX";

		fd = mkstemp(tmp);
		unlink(tmp);
		CHECK_EQ(write(fd, "12345678", 8), 8);
		s = raw_sqe(&r);
		s->opcode = IORING_OP_READ;
		s->fd = fd;
		s->addr = (uintptr_t)buf;
		s->len = 64;
		s->user_data = 40;
		s->flags = IOSQE_IO_LINK;
		raw_nop(&r, 41, 0);
		s = raw_sqe(&r);
		s->opcode = IORING_OP_READ;
		s->fd = fd;
		s->addr = (uintptr_t)buf;
		s->len = 8;
		s->user_data = 42;
		s->flags = IOSQE_IO_LINK;
		raw_nop(&r, 43, 0);
		CHECK_EQ(raw_submit(&r, 4, 4, IORING_ENTER_GETEVENTS), 4);
		n = raw_reap(&r, c, 16);
		CHECK_EQ(n, 4);
		for (int i = 0; i < n; i++) {
			if (c[i].user_data == 40)
				CHECK_EQ(c[i].res, 8);
			if (c[i].user_data == 41)
				CHECK_EQ(c[i].res, -ECANCELED);
			if (c[i].user_data == 42)
				CHECK_EQ(c[i].res, 8);
			if (c[i].user_data == 43)
				CHECK_EQ(c[i].res, 0);
		}
		close(fd);
	}
	raw_ring_exit(&r);
}

TEST(skip_drain)
{
	struct raw_ring r;
	struct io_uring_cqe c[16];
	struct io_uring_sqe *s;
	int n;

	CHECK_EQ(raw_ring_init(&r, 8, NULL), 0);
	/* DRAIN before any SKIP_SUCCESS: in order */
	raw_nop(&r, 1, 0);
	raw_nop(&r, 2, IOSQE_IO_DRAIN);
	raw_nop(&r, 3, 0);
	CHECK_EQ(raw_submit(&r, 3, 3, IORING_ENTER_GETEVENTS), 3);
	n = raw_reap(&r, c, 16);
	CHECK_EQ(n, 3);
	for (int i = 0; i < n; i++)
		CHECK_EQ(c[i].user_data, i + 1);

	/* a successful SKIP posts nothing */
	raw_nop(&r, 4, IOSQE_CQE_SKIP_SUCCESS);
	raw_nop(&r, 5, 0);
	CHECK_EQ(raw_submit(&r, 2, 0, 0), 2);
	n = reap_all(&r, c, 16, 1);
	CHECK_EQ(n, 1);
	CHECK_EQ(c[0].user_data, 5);
	/* a failing one posts its error and hides its successors' -ECANCELED */
	s = raw_nop(&r, 6, IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK);
	s->nop_flags = IORING_NOP_INJECT_RESULT;
	s->len = (unsigned)-5;
	raw_nop(&r, 7, IOSQE_IO_LINK);
	raw_nop(&r, 8, 0);
	CHECK_EQ(raw_submit(&r, 3, 0, 0), 3);
	n = reap_all(&r, c, 16, 1);
	CHECK_EQ(n, 1);
	CHECK_EQ(c[0].res, -5);
	raw_nop(&r, 9, IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK)->ioprio = 1;
	raw_nop(&r, 10, 0);
	CHECK_EQ(raw_submit(&r, 2, 0, 0), 2);
	n = reap_all(&r, c, 16, 1);
	CHECK_EQ(n, 1);
	CHECK_EQ(c[0].res, -EINVAL);
	/* after SKIP_SUCCESS, DRAIN is refused */
	raw_nop(&r, 11, IOSQE_IO_DRAIN);
	CHECK_EQ(raw_submit(&r, 1, 0, 0), 1);
	n = reap_all(&r, c, 16, 1);
	CHECK_EQ(n, 1);
	CHECK_EQ(c[0].res, -EOPNOTSUPP);
	raw_ring_exit(&r);
}

TEST(ext_arg)
{
	struct raw_ring r;
	struct io_uring_getevents_arg ea;
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 50 * 1000000 };
	struct timespec a, b;
	long ms;

	CHECK_EQ(raw_ring_init(&r, 4, NULL), 0);
	memset(&ea, 0, sizeof(ea));
	ea.ts = (uintptr_t)&ts;
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea,
			 sizeof(ea)),
		 -ETIME);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	CHECK_MSG(ms >= 45 && ms < 2000, "waited %ld ms", ms);
	CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea, 16),
		 -EINVAL);
	CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
			 (void *)8, sizeof(ea)),
		 -EFAULT);
	ea.ts = 8;
	CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea,
			 sizeof(ea)),
		 -EFAULT);
	/* not read without GETEVENTS */
	CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_EXT_ARG, (void *)8, sizeof(ea)), 0);
	/* a timeout with a CQE present gives 0; {0,0} expires at once */
	ts.tv_nsec = 0;
	ea.ts = (uintptr_t)&ts;
	CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea,
			 sizeof(ea)),
		 -ETIME);
	raw_nop(&r, 1, 0);
	ts.tv_nsec = 20 * 1000000;
	/* submit 1, wait for 3 with a 20 ms timeout: returns 1 (the count wins) */
	raw_publish(&r);
	CHECK_EQ(raw_enter(r.fd, 1, 3, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea,
			 sizeof(ea)),
		 1);
	CHECK_EQ(raw_enter(r.fd, 0, 3, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea,
			 sizeof(ea)),
		 0);
	/* min_complete beyond cq_entries is clamped: the wait ends by the timeout */
	CHECK_EQ(raw_enter(r.fd, 0, 100, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea,
			 sizeof(ea)),
		 0);
	/* sigmask size must be 8 when the call waits */
	{
		struct io_uring_cqe c;
		uint64_t mask = 0;

		raw_pop(&r, &c);
		ea.sigmask = (uintptr_t)&mask;
		ea.sigmask_sz = 16;
		CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ea,
				 sizeof(ea)),
			 -EINVAL);
		CHECK_EQ(raw_enter(r.fd, 0, 1, IORING_ENTER_GETEVENTS, &mask, 16), -EINVAL);
		CHECK_EQ(raw_enter(r.fd, 0, 0, IORING_ENTER_GETEVENTS, (void *)8, 16), 0);
	}
	raw_ring_exit(&r);
}

TEST(disabled)
{
	struct raw_ring r;
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_R_DISABLED;
	CHECK_EQ(raw_ring_init(&r, 4, &p), 0);
	CHECK_EQ(raw_enter(r.fd, 0, 0, 0, NULL, 0), -EBADFD);
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0), 0);
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0), -EBADFD);
	raw_nop(&r, 1, 0);
	CHECK_EQ(raw_submit(&r, 1, 1, IORING_ENTER_GETEVENTS), 1);
	raw_ring_exit(&r);
}

TEST(probe)
{
	struct raw_ring r;
	/* the probe and room for its flexible ops[] (ISO C: no struct after it) */
	union {
		struct io_uring_probe p;
		char room[sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op)];
	} pr;

	CHECK_EQ(raw_ring_init(&r, 4, NULL), 0);
	memset(&pr, 0, sizeof(pr));
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_PROBE, &pr, 257), -EINVAL);
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_PROBE, NULL, 4), -EINVAL);
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_PROBE, &pr, 4), 0);
	CHECK_EQ(pr.p.last_op, 62);
	CHECK_EQ(pr.p.ops_len, 4);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(pr.p.ops[i].op, i);
		CHECK_EQ(pr.p.ops[i].flags, IO_URING_OP_SUPPORTED);
	}
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_PROBE, &pr, 4), -EINVAL);
	memset(&pr, 0, sizeof(pr));
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_PROBE, &pr, 256), 0);
	CHECK_EQ(pr.p.ops_len, 63);
	raw_ring_exit(&r);
}

TEST(no_sqarray)
{
	struct raw_ring r;
	struct io_uring_params p;
	struct io_uring_cqe c[4];

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_NO_SQARRAY;
	CHECK_EQ(raw_ring_init(&r, 4, &p), 0);
	CHECK_EQ(r.p.sq_off.array, 0);
	raw_nop(&r, 1, 0);
	raw_nop(&r, 2, 0);
	CHECK_EQ(raw_submit(&r, 2, 2, IORING_ENTER_GETEVENTS), 2);
	CHECK_EQ(raw_reap(&r, c, 4), 2);
	CHECK_EQ(c[0].user_data, 1);
	CHECK_EQ(c[1].user_data, 2);
	raw_ring_exit(&r);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(seed),
		TEST_ENTRY(setup_errors),
		TEST_ENTRY(enter_errors),
		TEST_ENTRY(dropped),
		TEST_ENTRY(overflow),
		TEST_ENTRY(submit_fail),
		TEST_ENTRY(links),
		TEST_ENTRY(skip_drain),
		TEST_ENTRY(ext_arg),
		TEST_ENTRY(disabled),
		TEST_ENTRY(probe),
		TEST_ENTRY(no_sqarray),
	};

	raw_skip_program_if_refused();
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
