/* SPDX-License-Identifier: MIT */
/*
 * The raw interface, without the library's ring handling: io_uring_setup(),
 * the mmaps at the offsets the setup returns, SQEs filled by hand, indexes
 * in the SQ array, io_uring_enter().  The SQ protocol: the dropped counter,
 * partial submission.
 */
#include "harness.h"

#include <signal.h>
#include <sys/mman.h>

struct raw_ring {
	int fd;
	struct io_uring_params p;
	void *sq_ptr, *cq_ptr;
	size_t sq_sz, cq_sz;
	struct io_uring_sqe *sqes;
	size_t sqes_sz;
	unsigned *sq_head, *sq_tail, *sq_mask, *sq_entries, *sq_flags, *sq_dropped, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask, *cq_entries, *cq_overflow, *cq_flags;
	struct io_uring_cqe *cqes;
	unsigned local_tail; /* our SQ tail, published with a release store */
};

static struct raw_ring r;

static void *map_region(size_t len, __u64 off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r.fd, off);

	if (p == MAP_FAILED) {
		printf("mmap(%zu, 0x%llx): %s\n", len, (unsigned long long)off, strerror(errno));
		REQUIRE_TRUE(p != MAP_FAILED);
	}
	return p;
}

static unsigned max_u(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

static void raw_init_flags(unsigned entries, unsigned flags)
{
	char *sq, *cq;

	memset(&r, 0, sizeof(r));
	r.p.flags = flags;
	r.fd = test_setup_raw(entries, &r.p);
	REQUIRE_GE(r.fd, 0);
	if (flags & IORING_SETUP_NO_SQARRAY) {
		/* no array: the SQ ring ends with its last counter */
		r.sq_sz = max_u(max_u(max_u(r.p.sq_off.head, r.p.sq_off.tail),
				      max_u(r.p.sq_off.ring_mask, r.p.sq_off.ring_entries)),
				max_u(r.p.sq_off.flags, r.p.sq_off.dropped)) +
			  sizeof(unsigned);
	} else {
		r.sq_sz = r.p.sq_off.array + r.p.sq_entries * sizeof(unsigned);
	}
	r.cq_sz = r.p.cq_off.cqes + r.p.cq_entries * sizeof(struct io_uring_cqe);
	if (r.p.features & IORING_FEAT_SINGLE_MMAP) {
		/* one region holds both rings */
		if (r.cq_sz > r.sq_sz)
			r.sq_sz = r.cq_sz;
		r.sq_ptr = map_region(r.sq_sz, IORING_OFF_SQ_RING);
		r.cq_ptr = r.sq_ptr;
		r.cq_sz = 0;
	} else {
		r.sq_ptr = map_region(r.sq_sz, IORING_OFF_SQ_RING);
		r.cq_ptr = map_region(r.cq_sz, IORING_OFF_CQ_RING);
	}
	r.sqes_sz = r.p.sq_entries * sizeof(struct io_uring_sqe);
	r.sqes = map_region(r.sqes_sz, IORING_OFF_SQES);
	sq = r.sq_ptr;
	cq = r.cq_ptr;
	r.sq_head = (unsigned *)(sq + r.p.sq_off.head);
	r.sq_tail = (unsigned *)(sq + r.p.sq_off.tail);
	r.sq_mask = (unsigned *)(sq + r.p.sq_off.ring_mask);
	r.sq_entries = (unsigned *)(sq + r.p.sq_off.ring_entries);
	r.sq_flags = (unsigned *)(sq + r.p.sq_off.flags);
	r.sq_dropped = (unsigned *)(sq + r.p.sq_off.dropped);
	if (!(flags & IORING_SETUP_NO_SQARRAY))
		r.sq_array = (unsigned *)(sq + r.p.sq_off.array);
	r.cq_head = (unsigned *)(cq + r.p.cq_off.head);
	r.cq_tail = (unsigned *)(cq + r.p.cq_off.tail);
	r.cq_mask = (unsigned *)(cq + r.p.cq_off.ring_mask);
	r.cq_entries = (unsigned *)(cq + r.p.cq_off.ring_entries);
	r.cq_overflow = (unsigned *)(cq + r.p.cq_off.overflow);
	r.cq_flags = (unsigned *)(cq + r.p.cq_off.flags);
	r.cqes = (struct io_uring_cqe *)(cq + r.p.cq_off.cqes);
}

static void raw_init(unsigned entries)
{
	raw_init_flags(entries, 0);
}

static void raw_exit(void)
{
	munmap(r.sqes, r.sqes_sz);
	if (r.cq_sz)
		munmap(r.cq_ptr, r.cq_sz);
	munmap(r.sq_ptr, r.sq_sz);
	test_close_ring_fd(r.fd);
}

/* Write a NOP into SQE slot idx. */
static void raw_nop(unsigned idx, __u64 user_data)
{
	struct io_uring_sqe *sqe = &r.sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_NOP;
	sqe->fd = -1;
	sqe->user_data = user_data;
}

/* Put `index` in the next SQ array slot (not yet published). */
static void raw_queue_index(unsigned index)
{
	r.sq_array[r.local_tail & (r.p.sq_entries - 1)] = index;
	r.local_tail++;
}

static void raw_publish(void)
{
	/* release: the SQEs and array slots are written before the executor sees the tail */
	io_uring_smp_store_release(r.sq_tail, r.local_tail);
}

static unsigned raw_sq_head(void)
{
	return io_uring_smp_load_acquire(r.sq_head);
}

static unsigned raw_cq_ready(void)
{
	/* acquire: pairs with the executor's release of the CQ tail */
	return io_uring_smp_load_acquire(r.cq_tail) - *r.cq_head;
}

/* Pop one CQE (there must be one). */
static struct test_cqe raw_pop(void)
{
	struct test_cqe c = { 0, 0x7fffffff, 0 };
	unsigned head = *r.cq_head;

	if (!CHECK_GE_U(raw_cq_ready(), 1))
		return c;
	c.user_data = r.cqes[head & *r.cq_mask].user_data;
	c.res = r.cqes[head & *r.cq_mask].res;
	c.flags = r.cqes[head & *r.cq_mask].flags;
	/* release: done reading the CQE before the slot is handed back */
	io_uring_smp_store_release(r.cq_head, head + 1);
	return c;
}

TEST(raw_initial_state)
{
	raw_init(8);
	CHECK_EQ_U(r.p.sq_entries, 8);
	CHECK_EQ_U(r.p.cq_entries, 16);
	CHECK_EQ_U(*r.sq_head, 0);
	CHECK_EQ_U(*r.sq_tail, 0);
	CHECK_EQ_U(*r.cq_head, 0);
	CHECK_EQ_U(*r.cq_tail, 0);
	CHECK_EQ_U(*r.sq_mask, 7);
	CHECK_EQ_U(*r.cq_mask, 15);
	CHECK_EQ_U(*r.sq_entries, 8);
	CHECK_EQ_U(*r.cq_entries, 16);
	CHECK_EQ_U(*r.sq_flags, 0);
	CHECK_EQ_U(*r.sq_dropped, 0);
	CHECK_EQ_U(*r.cq_flags, 0);
	CHECK_EQ_U(*r.cq_overflow, 0);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ_U(r.sq_array[i], 0);
	raw_exit();
}

TEST(raw_nop_round_trip)
{
	struct test_cqe c = { 0 };

	raw_init(4);
	/* SQE slots need not be used in order: the array says which */
	raw_nop(2, 0xabc);
	raw_queue_index(2);
	raw_nop(0, 0xdef);
	raw_queue_index(0);
	raw_publish();
	CHECK_ERRNO(io_uring_enter(r.fd, 2, 2, IORING_ENTER_GETEVENTS, NULL), 2);
	CHECK_EQ_U(raw_sq_head(), 2);
	CHECK_EQ_U(raw_cq_ready(), 2);
	c = raw_pop();
	CHECK_EQ_U(c.user_data, 0xabc);
	CHECK_EQ(c.res, 0);
	c = raw_pop();
	CHECK_EQ_U(c.user_data, 0xdef);
	CHECK_EQ_U(raw_cq_ready(), 0);
	raw_exit();
}

TEST(raw_dropped_in_the_middle)
{
	struct test_cqe c = { 0 };

	raw_init(4);
	raw_nop(0, 1);
	raw_nop(1, 2);
	raw_nop(2, 3);
	raw_queue_index(0);
	raw_queue_index(100); /* out of range */
	raw_queue_index(2);
	raw_publish();
	/* the bad entry is consumed and counted, and the call stops there */
	CHECK_ERRNO(io_uring_enter(r.fd, 3, 0, 0, NULL), 1);
	CHECK_EQ_U(raw_sq_head(), 2);
	CHECK_EQ_U(IO_URING_READ_ONCE(*r.sq_dropped), 1);
	CHECK_EQ_U(raw_cq_ready(), 1);
	c = raw_pop();
	CHECK_EQ_U(c.user_data, 1);
	/* the third waits for the next call */
	CHECK_ERRNO(io_uring_enter(r.fd, 1, 0, 0, NULL), 1);
	CHECK_EQ_U(raw_sq_head(), 3);
	CHECK_EQ_U(IO_URING_READ_ONCE(*r.sq_dropped), 1);
	c = raw_pop();
	CHECK_EQ_U(c.user_data, 3);
	CHECK_EQ_U(raw_cq_ready(), 0);
	raw_exit();
}

TEST(raw_dropped_first)
{
	struct test_cqe c = { 0 };

	raw_init(4);
	raw_nop(1, 7);
	raw_queue_index(4); /* == sq_entries: out of range */
	raw_queue_index(1);
	raw_publish();
	CHECK_ERRNO(io_uring_enter(r.fd, 2, 0, 0, NULL), 0);
	CHECK_EQ_U(raw_sq_head(), 1);
	CHECK_EQ_U(IO_URING_READ_ONCE(*r.sq_dropped), 1);
	CHECK_EQ_U(raw_cq_ready(), 0);
	CHECK_ERRNO(io_uring_enter(r.fd, 1, 0, 0, NULL), 1);
	CHECK_EQ_U(raw_sq_head(), 2);
	c = raw_pop();
	CHECK_EQ_U(c.user_data, 7);
	/* dropped counts every bad index */
	raw_queue_index(0xffffffffu);
	raw_queue_index(5);
	raw_publish();
	CHECK_ERRNO(io_uring_enter(r.fd, 2, 0, 0, NULL), 0);
	CHECK_ERRNO(io_uring_enter(r.fd, 1, 0, 0, NULL), 0);
	CHECK_EQ_U(IO_URING_READ_ONCE(*r.sq_dropped), 3);
	CHECK_EQ_U(raw_sq_head(), 4);
	CHECK_EQ_U(raw_cq_ready(), 0);
	raw_exit();
}

TEST(raw_partial_submission)
{
	raw_init(4);
	for (unsigned i = 0; i < 4; i++) {
		raw_nop(i, 10 + i);
		raw_queue_index(i);
	}
	raw_publish();
	/* to_submit below what is queued: exactly to_submit */
	CHECK_ERRNO(io_uring_enter(r.fd, 1, 0, 0, NULL), 1);
	CHECK_EQ_U(raw_sq_head(), 1);
	CHECK_ERRNO(io_uring_enter(r.fd, 2, 0, 0, NULL), 2);
	CHECK_EQ_U(raw_sq_head(), 3);
	/* to_submit above it: what there is */
	CHECK_ERRNO(io_uring_enter(r.fd, 10, 0, 0, NULL), 1);
	CHECK_EQ_U(raw_sq_head(), 4);
	CHECK_ERRNO(io_uring_enter(r.fd, 10, 0, 0, NULL), 0);
	CHECK_EQ_U(raw_cq_ready(), 4);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ_U(raw_pop().user_data, 10 + i);
	raw_exit();
}

TEST(raw_tail_far_ahead)
{
	raw_init(4);
	for (unsigned i = 0; i < 4; i++)
		raw_nop(i, 20 + i);
	for (unsigned i = 0; i < 4; i++)
		r.sq_array[i] = i;
	/* a tail more than sq_entries past the head: one ring's worth per call */
	r.local_tail = 100;
	raw_publish();
	CHECK_ERRNO(io_uring_enter(r.fd, 100, 0, 0, NULL), 4);
	CHECK_EQ_U(raw_sq_head(), 4);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ_U(raw_pop().user_data, 20 + i);
	CHECK_ERRNO(io_uring_enter(r.fd, 100, 0, 0, NULL), 4);
	CHECK_EQ_U(raw_sq_head(), 8);
	CHECK_EQ_U(raw_cq_ready(), 4);
	raw_exit();
}

TEST(raw_app_writes_to_sq_head_ignored)
{
	raw_init(4);
	raw_nop(0, 1);
	raw_queue_index(0);
	raw_nop(1, 2);
	raw_queue_index(1);
	raw_publish();
	CHECK_ERRNO(io_uring_enter(r.fd, 2, 0, 0, NULL), 2);
	CHECK_EQ_U(raw_sq_head(), 2);
	/* the executor keeps its own head: a scribble is overwritten */
	IO_URING_WRITE_ONCE(*r.sq_head, 0);
	raw_nop(2, 3);
	raw_queue_index(2);
	raw_publish();
	CHECK_ERRNO(io_uring_enter(r.fd, 1, 0, 0, NULL), 1);
	CHECK_EQ_U(raw_sq_head(), 3);
	CHECK_EQ_U(raw_cq_ready(), 3);
	CHECK_EQ_U(raw_pop().user_data, 1);
	CHECK_EQ_U(raw_pop().user_data, 2);
	CHECK_EQ_U(raw_pop().user_data, 3);
	raw_exit();
}

TEST(raw_no_sqarray)
{
	raw_init_flags(4, IORING_SETUP_NO_SQARRAY);
	CHECK_EQ_U(r.p.sq_off.array, 0);
	/* without the array, the SQE is sqes[tail & mask], in order */
	for (unsigned i = 0; i < 6; i++) {
		raw_nop(r.local_tail & 3, 40 + i);
		r.local_tail++;
		raw_publish();
		CHECK_ERRNO(io_uring_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL), 1);
		CHECK_EQ_U(raw_sq_head(), i + 1);
		CHECK_EQ_U(raw_pop().user_data, 40 + i);
	}
	CHECK_EQ_U(IO_URING_READ_ONCE(*r.sq_dropped), 0);
	raw_exit();
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST(raw_short_submit_skips_wait)
{
	struct sigaction sa;
	uint64_t t0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	REQUIRE_SYS(sigaction(SIGALRM, &sa, NULL));
	raw_init(4);
	raw_nop(0, 1);
	raw_queue_index(0);
	raw_nop(1, 2);
	raw_queue_index(1);
	raw_publish();
	/*
	 * Fewer SQEs than to_submit: the call returns the count and does not
	 * wait for 5 completions (were it to wait, the alarm would end it).
	 */
	alarm(3);
	t0 = test_now_ns();
	CHECK_ERRNO(io_uring_enter(r.fd, 10, 5, IORING_ENTER_GETEVENTS, NULL), 2);
	CHECK_LT(test_now_ns() - t0, 2500000000ULL);
	/* an empty SQ: 0 at once */
	t0 = test_now_ns();
	CHECK_ERRNO(io_uring_enter(r.fd, 4, 5, IORING_ENTER_GETEVENTS, NULL), 0);
	CHECK_LT(test_now_ns() - t0, 2500000000ULL);
	alarm(0);
	CHECK_EQ_U(raw_cq_ready(), 2);
	raw_exit();
	signal(SIGALRM, SIG_DFL);
}

TEST(raw_mmap_without_populate)
{
	void *sq;
	unsigned *tail;

	raw_init(4);
	/* a second mapping of the SQ ring, without MAP_POPULATE, sees the same ring */
	sq = mmap(NULL, r.sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, IORING_OFF_SQ_RING);
	REQUIRE_TRUE(sq != MAP_FAILED);
	tail = (unsigned *)((char *)sq + r.p.sq_off.tail);
	raw_nop(0, 5);
	raw_queue_index(0);
	raw_publish();
	CHECK_EQ_U(io_uring_smp_load_acquire(tail), 1);
	CHECK_ERRNO(io_uring_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL), 1);
	CHECK_EQ_U(io_uring_smp_load_acquire((unsigned *)((char *)sq + r.p.sq_off.head)), 1);
	munmap(sq, r.sq_sz);
	CHECK_EQ_U(raw_pop().user_data, 5);
	raw_exit();
}

/*
 * IORING_FEAT_SINGLE_MMAP: the SQ and CQ rings are one region, mapped once
 * at IORING_OFF_SQ_RING with the larger size; the CQEs are read from that
 * mapping.
 */
TEST(raw_single_mmap)
{
	struct test_cqe cqe;

	raw_init(4);
	REQUIRE_MSG(r.p.features & IORING_FEAT_SINGLE_MMAP, "features %#x", r.p.features);
	/* raw_init() mapped the region once: the CQ fields and CQEs come from it */
	REQUIRE_TRUE(r.cq_ptr == r.sq_ptr);
	CHECK_EQ_U(*r.cq_entries, r.p.cq_entries);
	CHECK_EQ_U(*r.cq_mask, r.p.cq_entries - 1);
	raw_nop(0, 0x51);
	raw_queue_index(0);
	raw_publish();
	CHECK_ERRNO(io_uring_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL), 1);
	cqe = raw_pop();
	CHECK_EQ_U(cqe.user_data, 0x51);
	CHECK_EQ(cqe.res, 0);
	raw_exit();
}

/*
 * A program that still maps the CQ ring at IORING_OFF_CQ_RING on a
 * SINGLE_MMAP ring sees the same memory as the SQ ring's mapping.
 */
TEST(raw_cq_mapping_is_the_sq_mapping)
{
	unsigned *cq_tail, *cq_head;
	char *cq;

	raw_init(4);
	REQUIRE_TRUE(r.p.features & IORING_FEAT_SINGLE_MMAP);
	cq = mmap(NULL, r.sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, IORING_OFF_CQ_RING);
	REQUIRE_MSG(cq != MAP_FAILED, "mmap: %s", strerror(errno));
	cq_tail = (unsigned *)(cq + r.p.cq_off.tail);
	cq_head = (unsigned *)(cq + r.p.cq_off.head);
	CHECK_EQ_U(*(unsigned *)(cq + r.p.cq_off.ring_entries), r.p.cq_entries);
	/* the SQ fields are there too: it is one region */
	CHECK_EQ_U(*(unsigned *)(cq + r.p.sq_off.ring_entries), r.p.sq_entries);
	raw_nop(0, 0x52);
	raw_queue_index(0);
	raw_publish();
	CHECK_ERRNO(io_uring_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL), 1);
	CHECK_EQ_U(io_uring_smp_load_acquire(cq_tail), 1);
	CHECK_EQ_U(((struct io_uring_cqe *)(cq + r.p.cq_off.cqes))[0].user_data, 0x52);
	/* the head written through this mapping is the ring's head */
	io_uring_smp_store_release(cq_head, 1);
	CHECK_EQ_U(io_uring_smp_load_acquire(r.cq_head), 1);
	munmap(cq, r.sq_sz);
	raw_exit();
}

/*
 * How the kernel reads an mmap offset: its high bits name the region, the
 * low ones are ignored (the mapping starts at the region's start); an
 * offset naming no region the ring has is ENOMEM.
 */
TEST(raw_mmap_offsets)
{
	static const __u64 bad[] = { 0x20000000ULL, 0x40000000ULL, 0x80000000ULL,
				     0xf8000000ULL };
	char *p;

	raw_init(8);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, (off_t)bad[i]);
		CHECK_MSG(p == MAP_FAILED && errno == ENOMEM, "offset %#llx: %s",
			  (unsigned long long)bad[i], p == MAP_FAILED ? strerror(errno) : "mapped");
		if (p != MAP_FAILED)
			munmap(p, 4096);
	}
	/* a page into the SQ ring's offsets: still the region's first page */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, r.fd, IORING_OFF_SQ_RING + 4096);
	REQUIRE_MSG(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK_EQ_U(*(unsigned *)(p + r.p.sq_off.ring_mask), r.p.sq_entries - 1);
	munmap(p, 4096);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, r.fd, IORING_OFF_CQ_RING + 4096);
	REQUIRE_MSG(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK_EQ_U(*(unsigned *)(p + r.p.cq_off.ring_entries), r.p.cq_entries);
	munmap(p, 4096);
	/* the SQEs: the written SQE is at the region's start */
	raw_nop(0, 0x53);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, r.fd, IORING_OFF_SQES + 4096);
	REQUIRE_MSG(p != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK_EQ_U(((struct io_uring_sqe *)p)->user_data, 0x53);
	munmap(p, 4096);
	/* no executable mapping of the ring file (EPERM), after the region's
	 * check (ENOMEM first) */
	errno = 0;
	CHECK_TRUE(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, r.fd, 0) == MAP_FAILED);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_TRUE(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, r.fd, IORING_OFF_SQES) ==
		   MAP_FAILED);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_TRUE(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, r.fd, 0x20000000) ==
		   MAP_FAILED);
	CHECK_EQ(errno, ENOMEM);
	raw_exit();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(raw_initial_state),
		TEST_ENTRY(raw_nop_round_trip),
		TEST_ENTRY(raw_dropped_in_the_middle),
		TEST_ENTRY(raw_dropped_first),
		TEST_ENTRY(raw_partial_submission),
		TEST_ENTRY(raw_tail_far_ahead),
		TEST_ENTRY(raw_app_writes_to_sq_head_ignored),
		TEST_ENTRY(raw_no_sqarray),
		TEST_ENTRY(raw_short_submit_skips_wait),
		TEST_ENTRY(raw_mmap_without_populate),
		TEST_ENTRY(raw_single_mmap),
		TEST_ENTRY(raw_cq_mapping_is_the_sq_mapping),
		TEST_ENTRY(raw_mmap_offsets),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
