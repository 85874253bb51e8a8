// SPDX-License-Identifier: MIT
/*
 * Ring memory: IORING_SETUP_NO_MMAP (the rings at cq_off.user_addr, the
 * SQEs at sq_off.user_addr, in the program's memory), its size, alignment
 * and pointer rules, mmap of such a ring's fd, its RLIMIT_MEMLOCK charge;
 * IORING_SETUP_REGISTERED_FD_ONLY; IORING_SETUP_HYBRID_IOPOLL.
 */
#include <dirent.h>
#include <pthread.h>
#include <time.h>

#include "raw.h"

#define PAGE 4096UL

static void *map_anon(size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE_MSG(m != MAP_FAILED, "mmap: %s", strerror(errno));
	return m;
}

/* n pages followed by a page that is not mapped */
static char *pages_then_hole(size_t n)
{
	char *m = map_anon((n + 1) * PAGE);

	REQUIRE_SYS(munmap(m + n * PAGE, PAGE));
	return m;
}

static int nommap_setup(unsigned entries, unsigned flags, void *rings, void *sqes,
			struct io_uring_params *p)
{
	memset(p, 0, sizeof(*p));
	p->flags = IORING_SETUP_NO_MMAP | flags;
	p->cq_off.user_addr = (uintptr_t)rings;
	p->sq_off.user_addr = (uintptr_t)sqes;
	return raw_setup(entries, p);
}

/* A raw_ring over the program's own memory: what raw_ring_map() does, without mmap. */
static void ring_in_memory(struct raw_ring *r, int fd, const struct io_uring_params *p, void *rings,
			   void *sqes)
{
	char *base = rings;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->p = *p;
	r->sq_ptr = r->cq_ptr = rings;
	r->sqes = sqes;
	r->sq_head = (unsigned *)(base + p->sq_off.head);
	r->sq_tail = (unsigned *)(base + p->sq_off.tail);
	r->sq_array = (unsigned *)(base + p->sq_off.array);
	r->sq_flags = (unsigned *)(base + p->sq_off.flags);
	r->sq_dropped = (unsigned *)(base + p->sq_off.dropped);
	r->sq_mask = *(unsigned *)(base + p->sq_off.ring_mask);
	r->cq_head = (unsigned *)(base + p->cq_off.head);
	r->cq_tail = (unsigned *)(base + p->cq_off.tail);
	r->cq_overflow = (unsigned *)(base + p->cq_off.overflow);
	r->cq_flags = (unsigned *)(base + p->cq_off.flags);
	r->cq_mask = *(unsigned *)(base + p->cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(base + p->cq_off.cqes);
	r->tail = *r->sq_tail;
}

static void nops_through(struct raw_ring *r, unsigned n)
{
	struct io_uring_cqe cqe;

	for (unsigned i = 0; i < n; i++)
		raw_nop(r, 100 + i, 0);
	raw_publish(r);
	REQUIRE_EQ(raw_enter(r->fd, n, n, IORING_ENTER_GETEVENTS, NULL, 0), (int)n);
	for (unsigned i = 0; i < n; i++) {
		REQUIRE_TRUE(raw_pop(r, &cqe));
		CHECK_EQ_U(cqe.user_data, 100 + i);
		CHECK_EQ(cqe.res, 0);
	}
	CHECK_FALSE(raw_pop(r, &cqe));
}

TEST(no_mmap_ring_in_program_memory)
{
	struct io_uring_params p;
	struct raw_ring r;
	unsigned char *rings = map_anon(4 * PAGE), *sqes = map_anon(4 * PAGE);
	unsigned *w = (unsigned *)rings;
	int fd;

	memset(rings, 0xaa, 4 * PAGE);
	memset(sqes, 0xbb, 4 * PAGE);
	fd = raw_skip_if_refused(nommap_setup(8, 0, rings, sqes, &p));
	REQUIRE_GE(fd, 0);
	/* the addresses go back as they came */
	CHECK_EQ_U(p.cq_off.user_addr, (uintptr_t)rings);
	CHECK_EQ_U(p.sq_off.user_addr, (uintptr_t)sqes);
	CHECK_EQ_U(p.sq_entries, 8);
	CHECK_EQ_U(p.cq_entries, 16);
	/* struct io_rings' header is cleared, its masks and sizes written there */
	CHECK_EQ_U(w[0] | w[1] | w[2] | w[3], 0);
	CHECK_EQ_U(*(unsigned *)(rings + p.sq_off.ring_mask), 7);
	CHECK_EQ_U(*(unsigned *)(rings + p.sq_off.ring_entries), 8);
	CHECK_EQ_U(*(unsigned *)(rings + p.cq_off.ring_mask), 15);
	CHECK_EQ_U(*(unsigned *)(rings + p.cq_off.ring_entries), 16);
	CHECK_EQ_U(*(unsigned *)(rings + p.sq_off.flags), 0);
	CHECK_EQ_U(*(unsigned *)(rings + p.cq_off.overflow), 0);
	/* ...and nothing else: CQEs, the SQ array and the SQEs keep their bytes */
	CHECK_EQ_U(*(unsigned *)(rings + p.cq_off.cqes), 0xaaaaaaaa);
	CHECK_EQ_U(*(unsigned *)(rings + p.sq_off.array), 0xaaaaaaaa);
	CHECK_EQ_U(*(unsigned *)sqes, 0xbbbbbbbb);

	ring_in_memory(&r, fd, &p, rings, sqes);
	nops_through(&r, 3);
	nops_through(&r, 8); /* around the rings */
	CHECK_EQ_U(*r.cq_tail, 11);
	CHECK_EQ(raw_close(fd), 0);
	/* the memory stays the program's after the ring is gone */
	rings[PAGE] = 1;
	sqes[0] = 1;
	munmap(rings, 4 * PAGE);
	munmap(sqes, 4 * PAGE);
}

TEST(no_mmap_without_sq_array)
{
	struct io_uring_params p;
	struct raw_ring r;
	void *rings = map_anon(PAGE), *sqes = map_anon(PAGE);
	int fd = raw_skip_if_refused(nommap_setup(4, IORING_SETUP_NO_SQARRAY, rings, sqes, &p));

	REQUIRE_GE(fd, 0);
	CHECK_EQ_U(p.sq_off.array, 0);
	ring_in_memory(&r, fd, &p, rings, sqes);
	nops_through(&r, 4);
	CHECK_EQ(raw_close(fd), 0);
	munmap(rings, PAGE);
	munmap(sqes, PAGE);
}

/* The ring's and the SQEs' regions: page aligned, mapped, writable, as long as the ring needs. */
TEST(no_mmap_memory_rules)
{
	struct io_uring_params p;
	char *good = map_anon(16 * PAGE), *good2 = map_anon(16 * PAGE);
	char *one = pages_then_hole(1), *three, *four, *ro;
	int fd;

	four = pages_then_hole(4);
	three = pages_then_hole(3) + PAGE; /* two pages, and the one before */
	ro = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(ro != MAP_FAILED);
	raw_skip_if_refused(nommap_setup(8, 0, good, good2, &p) >= 0 ? 0 : -EPERM);

	CHECK_EQ(nommap_setup(8, 0, good + 64, good2, &p), -EINVAL);
	CHECK_EQ(nommap_setup(8, 0, good, good2 + 2048, &p), -EINVAL);
	CHECK_EQ(nommap_setup(8, 0, NULL, good2, &p), -EFAULT);
	CHECK_EQ(nommap_setup(8, 0, good, NULL, &p), -EFAULT);
	CHECK_EQ(nommap_setup(8, 0, (void *)PAGE, good2, &p), -EFAULT);
	CHECK_EQ(nommap_setup(8, 0, good, (void *)PAGE, &p), -EFAULT);
	CHECK_EQ(nommap_setup(8, 0, ro, good2, &p), -EFAULT);
	CHECK_EQ(nommap_setup(8, 0, good, ro, &p), -EFAULT);
	/* the rings region's first failure wins over the SQEs' */
	CHECK_EQ(nommap_setup(8, 0, NULL, good2 + 64, &p), -EFAULT);
	CHECK_EQ(nommap_setup(8, 0, good + 64, NULL, &p), -EINVAL);
	/* 64 entries: 2368 bytes of rings, 4096 of SQEs fit one page each */
	fd = nommap_setup(64, 0, one, good2, &p);
	CHECK_GE(fd, 0);
	if (fd >= 0)
		raw_close(fd);
	fd = nommap_setup(64, 0, good, one, &p);
	CHECK_GE(fd, 0);
	if (fd >= 0)
		raw_close(fd);
	/* 128 entries: neither fits */
	CHECK_EQ(nommap_setup(128, 0, one, good2, &p), -EFAULT);
	CHECK_EQ(nommap_setup(128, 0, good, one, &p), -EFAULT);
	/* 256 entries: 9280 bytes of rings need three pages, the SQEs four */
	CHECK_EQ(nommap_setup(256, 0, three, good2, &p), -EFAULT);
	fd = nommap_setup(256, 0, three - PAGE, four, &p);
	CHECK_GE(fd, 0);
	if (fd >= 0)
		raw_close(fd);
	CHECK_EQ(nommap_setup(256, 0, good, four + PAGE, &p), -EFAULT);
	/* REGISTERED_FD_ONLY needs NO_MMAP; user_addr without NO_MMAP is not looked at */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_REGISTERED_FD_ONLY;
	CHECK_EQ(raw_setup(8, &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	p.cq_off.user_addr = 1;
	p.sq_off.user_addr = 3;
	fd = raw_setup(8, &p);
	CHECK_GE(fd, 0);
	CHECK_EQ_U(p.cq_off.user_addr, 0);
	CHECK_EQ_U(p.sq_off.user_addr, 0);
	if (fd >= 0)
		raw_close(fd);
	munmap(good, 16 * PAGE);
	munmap(good2, 16 * PAGE);
	munmap(one, PAGE);
	munmap(three - PAGE, 3 * PAGE);
	munmap(four, 4 * PAGE);
	munmap(ro, 4 * PAGE);
}

/* A NO_MMAP ring's fd has nothing to map: -ENOMEM at every ring offset. */
TEST(no_mmap_ring_fd_maps_nothing)
{
	static const uint64_t offs[] = { IORING_OFF_SQ_RING, IORING_OFF_CQ_RING, IORING_OFF_SQES };
	struct io_uring_params p;
	void *rings = map_anon(PAGE), *sqes = map_anon(PAGE);
	int fd = raw_skip_if_refused(nommap_setup(8, 0, rings, sqes, &p));

	REQUIRE_GE(fd, 0);
	for (unsigned i = 0; i < ARRAY_SIZE(offs); i++) {
		void *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offs[i]);

		if (!CHECK_TRUE(m == MAP_FAILED))
			munmap(m, PAGE);
		else
			CHECK_ERRNO(-errno, -ENOMEM);
	}
	CHECK_EQ(raw_close(fd), 0);
	munmap(rings, PAGE);
	munmap(sqes, PAGE);
}

/*
 * RLIMIT_MEMLOCK: a NO_MMAP ring is charged as an mmap'ed one, its rings'
 * pages and its SQEs' pages; a null or unaligned address fails before the
 * charge, an address with nothing mapped after it.  In a child, as a user
 * of its own (test_become_memlock_user()).
 */
static void memlock_child(void)
{
	char *rings = map_anon(64 * PAGE), *sqes = map_anon(64 * PAGE);
	struct io_uring_params p;
	int fds[4];

	test_become_memlock_user(16 * PAGE);
	/* 128 entries: 2 pages of rings, 2 of SQEs; four rings fill 16 pages */
	for (int i = 0; i < 4; i++) {
		fds[i] = nommap_setup(128, 0, rings + 4 * i * PAGE, sqes + 4 * i * PAGE, &p);
		if (i == 0)
			raw_skip_if_refused(fds[0]);
		CHECK_GE(fds[i], 0);
	}
	CHECK_EQ(nommap_setup(8, 0, rings + 32 * PAGE, sqes + 32 * PAGE, &p), -ENOMEM);
	CHECK_EQ(nommap_setup(8, 0, rings + 32 * PAGE + 64, sqes + 32 * PAGE, &p), -EINVAL);
	CHECK_EQ(nommap_setup(8, 0, (void *)PAGE, sqes + 32 * PAGE, &p), -ENOMEM);
	/* no address at all is refused before */
	CHECK_EQ(nommap_setup(8, 0, NULL, sqes + 32 * PAGE, &p), -EFAULT);
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			raw_close(fds[i]);
}

TEST(no_mmap_memlock_charge)
{
	test_in_root_child(memlock_child);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	REQUIRE_TRUE(d != NULL);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int fd_only_setup(void *rings, void *sqes)
{
	struct io_uring_params p;

	return nommap_setup(8, IORING_SETUP_REGISTERED_FD_ONLY, rings, sqes, &p);
}

/*
 * REGISTERED_FD_ONLY: setup's result is an index of the thread's registered
 * ring table, the ring lives as long as that entry.  In a thread of its own:
 * the table is per thread (task), and it starts empty.
 */
static void *fd_only_thread(void *arg)
{
	char *rings = map_anon(16 * 4 * PAGE), *sqes = map_anon(16 * 4 * PAGE);
	struct io_uring_rsrc_update u;
	struct io_uring_params p;
	struct io_uring_cqe cqe;
	struct raw_ring r;
	int idx, first;

	(void)arg;
	first = raw_skip_if_refused(
		nommap_setup(8, IORING_SETUP_REGISTERED_FD_ONLY, rings, sqes, &p));
	REQUIRE_EQ(first, 0);
	ring_in_memory(&r, first, &p, rings, sqes);
	raw_nop(&r, 7, 0);
	raw_publish(&r);
	CHECK_EQ(raw_enter(first, 1, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_REGISTERED_RING, NULL,
			   0),
		 1);
	CHECK_TRUE(raw_pop(&r, &cqe) && cqe.user_data == 7 && cqe.res == 0);
	/* register calls reach it by index too */
	{
		static char
			probe[sizeof(struct io_uring_probe) + 8 * sizeof(struct io_uring_probe_op)];

		CHECK_EQ(raw_register(first,
				      IORING_REGISTER_PROBE | IORING_REGISTER_USE_REGISTERED_RING,
				      probe, 8),
			 0);
		CHECK_EQ(((struct io_uring_probe *)probe)->ops[IORING_OP_NOP].flags &
				 IO_URING_OP_SUPPORTED,
			 IO_URING_OP_SUPPORTED);
	}
	/* the table holds 16: the 17th ring is -EBUSY */
	for (int i = 1; i < 16; i++)
		CHECK_EQ(fd_only_setup(rings + 4 * i * PAGE, sqes + 4 * i * PAGE), i);
	CHECK_EQ(fd_only_setup(rings, sqes), -EBUSY);
	/* unregistered (here through itself), the ring is gone */
	for (int i = 0; i < 16; i++) {
		u = (struct io_uring_rsrc_update){ .offset = (unsigned)i };
		CHECK_EQ(raw_register(i,
				      IORING_UNREGISTER_RING_FDS |
					      IORING_REGISTER_USE_REGISTERED_RING,
				      &u, 1),
			 1);
		CHECK_EQ(raw_enter(i, 0, 0, IORING_ENTER_REGISTERED_RING, NULL, 0), -EBADF);
	}
	/* a free entry again */
	idx = fd_only_setup(rings, sqes);
	CHECK_EQ(idx, 0);
	/* left registered: the thread's end lets it go */
	return NULL;
}

TEST(registered_fd_only)
{
	pthread_t t;
	int before = open_fds();

	REQUIRE_EQ(pthread_create(&t, NULL, fd_only_thread, NULL), 0);
	REQUIRE_EQ(pthread_join(t, NULL), 0);
	/* no fd of the program's was used, and none is left behind */
	CHECK_EQ(open_fds(), before);
}

/* IORING_REGISTER_MEM_REGION */
#define PARAM_REGION_OFF 0x20000000ULL /* the kernel's mmap offset for it */

static int disabled_ring(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_R_DISABLED;
	return raw_skip_if_refused(raw_setup(8, &p));
}

static int mem_region(int fd, struct io_uring_region_desc *rd, uint64_t flags, unsigned nr)
{
	struct io_uring_mem_region_reg reg;

	memset(&reg, 0, sizeof(reg));
	reg.region_uptr = (uintptr_t)rd;
	reg.flags = flags;
	return raw_register(fd, IORING_REGISTER_MEM_REGION, &reg, nr);
}

/* One registration on a new R_DISABLED ring: its result, *rd as it came back. */
static int region_once(struct io_uring_region_desc *rd, uint64_t flags, unsigned nr)
{
	int fd = disabled_ring(), ret;

	REQUIRE_GE(fd, 0);
	ret = mem_region(fd, rd, flags, nr);
	raw_close(fd);
	return ret;
}

TEST(mem_region_rules)
{
	char *mem = map_anon(4 * PAGE), *ro;
	struct io_uring_region_desc rd;
	struct io_uring_mem_region_reg reg;
	const uint64_t wait = IORING_MEM_REGION_REG_WAIT_ARG;
	int fd;
	void *m;

	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(ro != MAP_FAILED);
#define DESC(...) \
	(memset(&rd, 0, sizeof(rd)), rd = (struct io_uring_region_desc){ __VA_ARGS__ }, &rd)
	/* the engine's memory: whole pages, mapped at the region's offset */
	CHECK_EQ(region_once(DESC(.size = PAGE), wait, 1), 0);
	CHECK_EQ_U(rd.mmap_offset, PARAM_REGION_OFF);
	CHECK_EQ(region_once(DESC(.size = 2 * PAGE), 0, 1), 0);
	CHECK_EQ(region_once(DESC(.size = 100), wait, 1), -EINVAL);
	CHECK_EQ(region_once(DESC(.size = 0), wait, 1), -EINVAL);
	CHECK_EQ(region_once(DESC(.size = 1ULL << 40), wait, 1), -ENOMEM);
	/* the program's: aligned, there, writable; no offset to map */
	CHECK_EQ(region_once(DESC(.size = PAGE, .user_addr = (uintptr_t)mem,
				  .flags = IORING_MEM_REGION_TYPE_USER),
			     wait, 1),
		 0);
	CHECK_EQ_U(rd.mmap_offset, 0);
	CHECK_EQ(region_once(DESC(.size = PAGE, .user_addr = (uintptr_t)mem + 64,
				  .flags = IORING_MEM_REGION_TYPE_USER),
			     wait, 1),
		 -EINVAL);
	CHECK_EQ(region_once(DESC(.size = 100, .user_addr = (uintptr_t)mem,
				  .flags = IORING_MEM_REGION_TYPE_USER),
			     wait, 1),
		 -EINVAL);
	CHECK_EQ(region_once(DESC(.size = PAGE, .user_addr = (uintptr_t)mem), wait, 1), -EFAULT);
	CHECK_EQ(region_once(DESC(.size = PAGE, .flags = IORING_MEM_REGION_TYPE_USER), wait, 1),
		 -EFAULT);
	CHECK_EQ(region_once(DESC(.size = PAGE, .user_addr = PAGE,
				  .flags = IORING_MEM_REGION_TYPE_USER),
			     wait, 1),
		 -EFAULT);
	CHECK_EQ(region_once(DESC(.size = PAGE, .user_addr = (uintptr_t)ro,
				  .flags = IORING_MEM_REGION_TYPE_USER),
			     wait, 1),
		 -EFAULT);
	/* fields that must be zero, flags that do not exist, the count */
	CHECK_EQ(region_once(DESC(.size = PAGE, .id = 1), wait, 1), -EINVAL);
	CHECK_EQ(region_once(DESC(.size = PAGE, .mmap_offset = PAGE), wait, 1), -EINVAL);
	CHECK_EQ(region_once(DESC(.size = PAGE, .__resv = { 1 }), wait, 1), -EINVAL);
	CHECK_EQ(region_once(DESC(.size = PAGE, .flags = 2), wait, 1), -EINVAL);
	CHECK_EQ(region_once(DESC(.size = PAGE), 2, 1), -EINVAL);
	CHECK_EQ(region_once(DESC(.size = PAGE), wait, 0), -EINVAL);
	CHECK_EQ(region_once(DESC(.size = PAGE), wait, 2), -EINVAL);
	fd = disabled_ring();
	REQUIRE_GE(fd, 0);
	memset(&reg, 0, sizeof(reg));
	reg.region_uptr = (uintptr_t)DESC(.size = PAGE);
	reg.__resv[1] = 1;
	CHECK_EQ(raw_register(fd, IORING_REGISTER_MEM_REGION, &reg, 1), -EINVAL);
	CHECK_EQ(raw_register(fd, IORING_REGISTER_MEM_REGION, NULL, 1), -EINVAL);
	CHECK_EQ(mem_region(fd, NULL, wait, 1), -EFAULT);
	/* one region a ring */
	CHECK_EQ(mem_region(fd, DESC(.size = PAGE), 0, 1), 0);
	CHECK_EQ(mem_region(fd, DESC(.size = PAGE), 0, 1), -EBUSY);
	raw_close(fd);
	/* wait arguments only before the ring is enabled; another region after */
	fd = raw_skip_if_refused(raw_setup(8, &(struct io_uring_params){ .flags = 0 }));
	REQUIRE_GE(fd, 0);
	CHECK_EQ(mem_region(fd, DESC(.size = PAGE), wait, 1), -EINVAL);
	CHECK_EQ(mem_region(fd, DESC(.size = PAGE), 0, 1), 0);
	/* the engine's memory maps at its offset; the program's has none */
	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)PARAM_REGION_OFF);
	if (CHECK_TRUE(m != MAP_FAILED)) {
		CHECK_EQ(((volatile char *)m)[100], 0);
		munmap(m, PAGE);
	}
	raw_close(fd);
	fd = disabled_ring();
	REQUIRE_GE(fd, 0);
	CHECK_EQ(mem_region(fd,
			    DESC(.size = PAGE, .user_addr = (uintptr_t)mem,
				 .flags = IORING_MEM_REGION_TYPE_USER),
			    wait, 1),
		 0);
	m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)PARAM_REGION_OFF);
	if (!CHECK_TRUE(m == MAP_FAILED))
		munmap(m, PAGE);
	else
		CHECK_ERRNO(-errno, -ENOMEM);
	raw_close(fd);
#undef DESC
	munmap(mem, 4 * PAGE);
	munmap(ro, PAGE);
}

static int wait_reg(int fd, unsigned min, uint64_t off, size_t argsz)
{
	return raw_enter(fd, 0, min,
			 IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG,
			 (void *)(uintptr_t)off, argsz);
}

static double now_sec(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* IORING_ENTER_EXT_ARG_REG: the wait's arguments at an offset of the registered region. */
static void wait_args_in(int fd, struct io_uring_reg_wait *w, size_t size)
{
	const size_t sz = sizeof(*w);
	size_t last = size / sz - 1;
	double t;

	memset(w, 0, size);
	w[1].ts.tv_nsec = 20 * 1000 * 1000;
	w[1].flags = IORING_REG_WAIT_TS;
	t = now_sec();
	CHECK_EQ(wait_reg(fd, 1, sz, sz), -ETIME);
	t = now_sec() - t;
	CHECK_MSG(t >= 0.019 && t < 1.0, "the 20 ms wait took %.3f s", t);
	/* without IORING_REG_WAIT_TS, no timeout: nothing to wait for here */
	CHECK_EQ(wait_reg(fd, 0, 2 * sz, sz), 0);
	w[2].flags = 4;
	CHECK_EQ(wait_reg(fd, 0, 2 * sz, sz), -EINVAL);
	w[2].flags = 0;
	w[2].pad[0] = 1; /* padding is not looked at */
	CHECK_EQ(wait_reg(fd, 0, 2 * sz, sz), 0);
	/* aligned to a long, wholly inside the region */
	CHECK_EQ(wait_reg(fd, 0, 2 * sz + 4, sz), -EFAULT);
	CHECK_EQ(wait_reg(fd, 0, 2 * sz + 8, sz), 0);
	CHECK_EQ(wait_reg(fd, 0, last * sz, sz), 0);
	CHECK_EQ(wait_reg(fd, 0, size - sz - 8, sz), 0);
	CHECK_EQ(wait_reg(fd, 0, size - sz + 8, sz), -EFAULT);
	CHECK_EQ(wait_reg(fd, 0, size, sz), -EFAULT);
	CHECK_EQ(wait_reg(fd, 0, ~0ULL - 7, sz), -EFAULT);
	CHECK_EQ(wait_reg(fd, 0, 0, sz - 1), -EINVAL);
	CHECK_EQ(wait_reg(fd, 0, 0, 0), -EINVAL);
	/* not a wait: the flag is not looked at */
	CHECK_EQ(raw_enter(fd, 0, 0, IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG, NULL, sz), 0);
}

TEST(registered_wait_args)
{
	struct io_uring_reg_wait *w = map_anon(2 * PAGE);
	struct io_uring_region_desc rd;
	int fd;
	void *m;

	/* in the program's memory */
	fd = disabled_ring();
	REQUIRE_GE(fd, 0);
	memset(&rd, 0, sizeof(rd));
	rd.size = 2 * PAGE;
	rd.user_addr = (uintptr_t)w;
	rd.flags = IORING_MEM_REGION_TYPE_USER;
	REQUIRE_EQ(mem_region(fd, &rd, IORING_MEM_REGION_REG_WAIT_ARG, 1), 0);
	REQUIRE_EQ(raw_register(fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0), 0);
	wait_args_in(fd, w, 2 * PAGE);
	raw_close(fd);
	/* in the ring's, mapped */
	fd = disabled_ring();
	REQUIRE_GE(fd, 0);
	memset(&rd, 0, sizeof(rd));
	rd.size = PAGE;
	REQUIRE_EQ(mem_region(fd, &rd, IORING_MEM_REGION_REG_WAIT_ARG, 1), 0);
	REQUIRE_EQ(raw_register(fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0), 0);
	m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)rd.mmap_offset);
	REQUIRE_MSG(m != MAP_FAILED, "mmap of the region: %s", strerror(errno));
	wait_args_in(fd, m, PAGE);
	munmap(m, PAGE);
	raw_close(fd);
	/* no region, or one not registered for waits: -EFAULT */
	fd = raw_setup(8, &(struct io_uring_params){ .flags = 0 });
	REQUIRE_GE(fd, 0);
	CHECK_EQ(wait_reg(fd, 0, 0, sizeof(*w)), -EFAULT);
	memset(&rd, 0, sizeof(rd));
	rd.size = PAGE;
	CHECK_EQ(mem_region(fd, &rd, 0, 1), 0);
	CHECK_EQ(wait_reg(fd, 0, 0, sizeof(*w)), -EFAULT);
	raw_close(fd);
	munmap(w, 2 * PAGE);
}

TEST(hybrid_iopoll_accepted)
{
	struct io_uring_params p;
	int fd;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_HYBRID_IOPOLL;
	CHECK_EQ(raw_setup(8, &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_HYBRID_IOPOLL | IORING_SETUP_IOPOLL;
	fd = raw_skip_if_refused(raw_setup(8, &p));
	CHECK_GE(fd, 0);
	if (fd >= 0)
		CHECK_EQ(raw_close(fd), 0);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(no_mmap_ring_in_program_memory),
		TEST_ENTRY(no_mmap_without_sq_array),
		TEST_ENTRY(no_mmap_memory_rules),
		TEST_ENTRY(no_mmap_ring_fd_maps_nothing),
		TEST_ENTRY(no_mmap_memlock_charge),
		TEST_ENTRY(registered_fd_only),
		TEST_ENTRY(mem_region_rules),
		TEST_ENTRY(registered_wait_args),
		TEST_ENTRY(hybrid_iopoll_accepted),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
