/* SPDX-License-Identifier: MIT */
/*
 * A program that uses io_uring the way a widely used event-loop library does
 * for its file-system work (included after raw.h, whose entry points pick
 * the backend: test-event-loop.c through the library's raw entry points,
 * preload/evloop.c through syscall(2) under the shim):
 *
 *  - it takes the ring only if the features say SINGLE_MMAP, NODROP and
 *    RSRC_TAGS (its test for a recent enough kernel); without them it would
 *    fall back to a thread pool, so here that fails;
 *  - it maps the SQ and CQ rings with one mmap at IORING_OFF_SQ_RING and the
 *    SQEs with another, both raw system calls;
 *  - it never reads the probe: the opcodes are taken as given;
 *  - it sleeps in epoll_wait with the ring fd in its epoll set, then reaps;
 *  - it sends MKDIRAT, OPENAT, WRITE, FSYNC, READ, STATX, FTRUNCATE, LINKAT,
 *    SYMLINKAT, RENAMEAT, UNLINKAT, CLOSE and a batch of EPOLL_CTLs, and
 *    checks each result, and what it did, against the system calls.
 */
#ifndef RINGER_TEST_EVENT_LOOP_H
#define RINGER_TEST_EVENT_LOOP_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#ifndef STATX_BASIC_STATS
#include <linux/stat.h>
#endif

#define EL_FEATURES (IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_RSRC_TAGS)

struct el {
	struct raw_ring r;
	int epfd; /* the loop's epoll set, with the ring fd in it */
	size_t map_sz;
};

static void *el_mmap(size_t len, int fd, unsigned long long off)
{
	long p = syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			 fd, off);

	return p == -1 ? MAP_FAILED : (void *)p;
}

/* Setup as the library does: refuse the ring unless the features are there. */
static int el_init(struct el *l, unsigned entries)
{
	struct raw_ring *r = &l->r;
	struct epoll_event ev = { .events = EPOLLIN };
	size_t sq_sz, cq_sz;

	memset(l, 0, sizeof(*l));
	r->fd = raw_setup(entries, &r->p);
	if (r->fd < 0)
		return r->fd;
	REQUIRE_MSG((r->p.features & EL_FEATURES) == EL_FEATURES,
		    "features %#x lack %#x: an event loop would not use this ring", r->p.features,
		    EL_FEATURES & ~r->p.features);
	sq_sz = r->p.sq_off.array + r->p.sq_entries * sizeof(unsigned);
	cq_sz = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
	l->map_sz = sq_sz > cq_sz ? sq_sz : cq_sz;
	r->sq_ptr = el_mmap(l->map_sz, r->fd, IORING_OFF_SQ_RING);
	REQUIRE_MSG(r->sq_ptr != MAP_FAILED, "mmap of the rings: %s", strerror(errno));
	r->cq_ptr = r->sq_ptr; /* the CQ from the same mapping */
	r->sqes_sz = r->p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = el_mmap(r->sqes_sz, r->fd, IORING_OFF_SQES);
	REQUIRE_MSG(r->sqes != MAP_FAILED, "mmap of the SQEs: %s", strerror(errno));
#define EL_F(ptr, f) ((unsigned *)((char *)(ptr) + r->p.f))
	r->sq_head = EL_F(r->sq_ptr, sq_off.head);
	r->sq_tail = EL_F(r->sq_ptr, sq_off.tail);
	r->sq_array = EL_F(r->sq_ptr, sq_off.array);
	r->sq_flags = EL_F(r->sq_ptr, sq_off.flags);
	r->sq_dropped = EL_F(r->sq_ptr, sq_off.dropped);
	r->sq_mask = *EL_F(r->sq_ptr, sq_off.ring_mask);
	r->cq_head = EL_F(r->cq_ptr, cq_off.head);
	r->cq_tail = EL_F(r->cq_ptr, cq_off.tail);
	r->cq_overflow = EL_F(r->cq_ptr, cq_off.overflow);
	r->cq_flags = EL_F(r->cq_ptr, cq_off.flags);
	r->cq_mask = *EL_F(r->cq_ptr, cq_off.ring_mask);
#undef EL_F
	r->cqes = (struct io_uring_cqe *)((char *)r->cq_ptr + r->p.cq_off.cqes);
	r->tail = *r->sq_tail;
	CHECK_EQ_U(r->sq_mask, r->p.sq_entries - 1);
	CHECK_EQ_U(r->cq_mask, r->p.cq_entries - 1);

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE_MSG(l->epfd >= 0, "epoll_create1: %s", strerror(errno));
	REQUIRE_MSG(!epoll_ctl(l->epfd, EPOLL_CTL_ADD, r->fd, &ev), "epoll_ctl(ring): %s",
		    strerror(errno));
	return 0;
}

static void el_exit(struct el *l)
{
	close(l->epfd);
	munmap(l->r.sqes, l->r.sqes_sz);
	munmap(l->r.sq_ptr, l->map_sz);
	raw_close(l->r.fd);
}

/*
 * Submit what is queued, then sleep in epoll_wait on the ring fd until
 * `want` CQEs have come; they are stored by user_data (1..n).
 */
static void el_run(struct el *l, unsigned submit, unsigned want, int *res, unsigned n)
{
	struct io_uring_cqe cqe;
	struct epoll_event ev;
	unsigned got = 0;
	int ret;

	raw_publish(&l->r);
	ret = raw_enter(l->r.fd, submit, 0, 0, NULL, 0);
	REQUIRE_MSG(ret == (int)submit, "enter: %d, submitted %u", ret, submit);
	while (got < want) {
		while (got < want && raw_pop(&l->r, &cqe)) {
			REQUIRE_MSG(cqe.user_data >= 1 && cqe.user_data <= n, "user_data %llu",
				    (unsigned long long)cqe.user_data);
			res[cqe.user_data - 1] = cqe.res;
			got++;
		}
		if (got == want)
			break;
		ret = epoll_wait(l->epfd, &ev, 1, 5000);
		REQUIRE_MSG(ret == 1 || (ret < 0 && errno == EINTR),
			    "epoll_wait on the ring fd: %d (%s), %u of %u CQEs", ret,
			    ret < 0 ? strerror(errno) : "timeout", got, want);
	}
}

/* One request, run to its completion: its result. */
static int el_one(struct el *l, struct io_uring_sqe *sqe)
{
	int res = INT_MIN;

	sqe->user_data = 1;
	el_run(l, 1, 1, &res, 1);
	return res;
}

static struct io_uring_sqe *el_path_sqe(struct el *l, int op, int dfd, const char *path)
{
	struct io_uring_sqe *sqe = raw_sqe(&l->r);

	sqe->opcode = (__u8)op;
	sqe->fd = dfd;
	sqe->addr = (uintptr_t)path;
	return sqe;
}

/* -errno of a system call's result, as the CQE gives it. */
static int el_sys(int ret)
{
	return ret < 0 ? -errno : ret;
}

static void el_files(struct el *l)
{
	char dir[] = "/tmp/ringer-evloopXXXXXX", a[64], b[64], c[64], s[64], missing[64];
	char wbuf[] = "hello, event loop", rbuf[64], link[64];
	struct io_uring_sqe *sqe;
	struct statx stx;
	struct stat st;
	int fd, res[2];

	REQUIRE_MSG(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	REQUIRE_TRUE(rmdir(dir) == 0);
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(c, sizeof(c), "%s/c", dir);
	snprintf(s, sizeof(s), "%s/s", dir);
	snprintf(missing, sizeof(missing), "%s/missing", dir);

	/* MKDIRAT, and again: what mkdir(2) says the second time */
	sqe = el_path_sqe(l, IORING_OP_MKDIRAT, AT_FDCWD, dir);
	sqe->len = 0700;
	CHECK_EQ(el_one(l, sqe), 0);
	REQUIRE_TRUE(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
	sqe = el_path_sqe(l, IORING_OP_MKDIRAT, AT_FDCWD, dir);
	sqe->len = 0700;
	CHECK_EQ(el_one(l, sqe), el_sys(mkdir(dir, 0700)));

	/* OPENAT: a missing file, then a new one */
	sqe = el_path_sqe(l, IORING_OP_OPENAT, AT_FDCWD, missing);
	sqe->open_flags = O_RDONLY | O_CLOEXEC;
	CHECK_EQ(el_one(l, sqe), el_sys(open(missing, O_RDONLY | O_CLOEXEC)));
	sqe = el_path_sqe(l, IORING_OP_OPENAT, AT_FDCWD, a);
	sqe->open_flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC;
	sqe->len = 0600;
	fd = el_one(l, sqe);
	REQUIRE_MSG(fd >= 0, "OPENAT: %d", fd);
	CHECK_TRUE(fcntl(fd, F_GETFD) == FD_CLOEXEC);

	/* WRITE then FSYNC, READ and STATX in one batch */
	sqe = raw_sqe(&l->r);
	sqe->opcode = IORING_OP_WRITE;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)wbuf;
	sqe->len = sizeof(wbuf);
	sqe->off = 0;
	CHECK_EQ(el_one(l, sqe), (int)sizeof(wbuf));
	sqe = raw_sqe(&l->r);
	sqe->opcode = IORING_OP_FSYNC;
	sqe->fd = fd;
	CHECK_EQ(el_one(l, sqe), 0);
	memset(rbuf, 0, sizeof(rbuf));
	sqe = raw_sqe(&l->r);
	sqe->opcode = IORING_OP_READ;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)rbuf;
	sqe->len = sizeof(rbuf);
	sqe->off = 0;
	sqe->user_data = 1;
	sqe = el_path_sqe(l, IORING_OP_STATX, AT_FDCWD, a);
	sqe->len = STATX_BASIC_STATS;
	sqe->off = (uintptr_t)&stx;
	sqe->user_data = 2;
	memset(&stx, 0, sizeof(stx));
	el_run(l, 2, 2, res, 2);
	CHECK_EQ(res[0], (int)sizeof(wbuf));
	CHECK_MEM(rbuf, wbuf, sizeof(wbuf));
	CHECK_EQ(res[1], 0);
	REQUIRE_TRUE(stat(a, &st) == 0);
	CHECK_EQ_U(stx.stx_size, st.st_size);
	CHECK_EQ_U(stx.stx_ino, st.st_ino);
	CHECK_EQ_U(stx.stx_mode, st.st_mode);
	CHECK_EQ_U(stx.stx_nlink, st.st_nlink);

	/* FTRUNCATE */
	sqe = raw_sqe(&l->r);
	sqe->opcode = IORING_OP_FTRUNCATE;
	sqe->fd = fd;
	sqe->off = 5;
	CHECK_EQ(el_one(l, sqe), 0);
	CHECK_TRUE(stat(a, &st) == 0 && st.st_size == 5);

	/* LINKAT, SYMLINKAT, RENAMEAT */
	sqe = el_path_sqe(l, IORING_OP_LINKAT, AT_FDCWD, a);
	sqe->len = AT_FDCWD;
	sqe->addr2 = (uintptr_t)b;
	CHECK_EQ(el_one(l, sqe), 0);
	CHECK_TRUE(stat(a, &st) == 0 && st.st_nlink == 2);
	sqe = el_path_sqe(l, IORING_OP_SYMLINKAT, AT_FDCWD, "a");
	sqe->addr2 = (uintptr_t)s;
	sqe->fd = AT_FDCWD;
	CHECK_EQ(el_one(l, sqe), 0);
	memset(link, 0, sizeof(link));
	CHECK_TRUE(readlink(s, link, sizeof(link) - 1) == 1 && !strcmp(link, "a"));
	sqe = el_path_sqe(l, IORING_OP_RENAMEAT, AT_FDCWD, b);
	sqe->len = AT_FDCWD;
	sqe->addr2 = (uintptr_t)c;
	CHECK_EQ(el_one(l, sqe), 0);
	CHECK_TRUE(access(b, F_OK) != 0 && access(c, F_OK) == 0);
	sqe = el_path_sqe(l, IORING_OP_RENAMEAT, AT_FDCWD, missing);
	sqe->len = AT_FDCWD;
	sqe->addr2 = (uintptr_t)b;
	CHECK_EQ(el_one(l, sqe), el_sys(rename(missing, b)));

	/* CLOSE, then UNLINKAT of each name and of the directory */
	sqe = raw_sqe(&l->r);
	sqe->opcode = IORING_OP_CLOSE;
	sqe->fd = fd;
	CHECK_EQ(el_one(l, sqe), 0);
	CHECK_TRUE(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
	sqe = el_path_sqe(l, IORING_OP_UNLINKAT, AT_FDCWD, dir);
	CHECK_EQ(el_one(l, sqe), el_sys(unlink(dir)));
	sqe = el_path_sqe(l, IORING_OP_UNLINKAT, AT_FDCWD, dir);
	sqe->unlink_flags = AT_REMOVEDIR;
	CHECK_EQ(el_one(l, sqe), el_sys(rmdir(dir)));
	sqe = el_path_sqe(l, IORING_OP_UNLINKAT, AT_FDCWD, a);
	CHECK_EQ(el_one(l, sqe), 0);
	sqe = el_path_sqe(l, IORING_OP_UNLINKAT, AT_FDCWD, c);
	CHECK_EQ(el_one(l, sqe), 0);
	sqe = el_path_sqe(l, IORING_OP_UNLINKAT, AT_FDCWD, s);
	CHECK_EQ(el_one(l, sqe), 0);
	sqe = el_path_sqe(l, IORING_OP_UNLINKAT, AT_FDCWD, s);
	CHECK_EQ(el_one(l, sqe), el_sys(unlink(s)));
	sqe = el_path_sqe(l, IORING_OP_UNLINKAT, AT_FDCWD, dir);
	sqe->unlink_flags = AT_REMOVEDIR;
	CHECK_EQ(el_one(l, sqe), 0);
	CHECK_TRUE(access(dir, F_OK) != 0 && errno == ENOENT);
}

/*
 * EPOLL_CTL in a batch, as such a loop flushes its interest changes: ADD,
 * MOD, DEL in one submission, one of them failing as epoll_ctl(2) would;
 * then the epoll set holds what the batch left in it.
 */
static void el_epoll_batch(struct el *l)
{
	struct epoll_event evs[3] = {
		{ .events = EPOLLIN, .data.u64 = 10 },
		{ .events = EPOLLOUT, .data.u64 = 11 },
		{ .events = EPOLLIN | EPOLLOUT, .data.u64 = 12 },
	};
	struct epoll_event out[4];
	struct io_uring_sqe *sqe;
	int ep, p[2], res[5], n;

	ep = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE_TRUE(ep >= 0);
	REQUIRE_TRUE(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
	static const struct {
		int op, which, ev;
	} batch[5] = {
		{ EPOLL_CTL_ADD, 0, 0 }, /* read end, EPOLLIN */
		{ EPOLL_CTL_ADD, 1, 1 }, /* write end, EPOLLOUT */
		{ EPOLL_CTL_MOD, 0, 2 }, /* read end: IN|OUT */
		{ EPOLL_CTL_DEL, 1, -1 }, /* write end out again */
		{ EPOLL_CTL_DEL, 1, -1 }, /* and again: -ENOENT */
	};
	for (int i = 0; i < 5; i++) {
		sqe = raw_sqe(&l->r);
		sqe->opcode = IORING_OP_EPOLL_CTL;
		sqe->fd = ep;
		sqe->len = (__u32)batch[i].op;
		sqe->off = (__u64)p[batch[i].which];
		sqe->addr = batch[i].ev >= 0 ? (uintptr_t)&evs[batch[i].ev] : 0;
		sqe->flags = i < 4 ? IOSQE_IO_LINK : 0; /* in order, as issued */
		sqe->user_data = (__u64)i + 1;
	}
	/* the failing DEL ends the link chain early for nothing: it is last */
	el_run(l, 5, 5, res, 5);
	CHECK_EQ(res[0], 0);
	CHECK_EQ(res[1], 0);
	CHECK_EQ(res[2], 0);
	CHECK_EQ(res[3], 0);
	CHECK_EQ(res[4], -ENOENT);
	/* the set now: the read end alone, data 12; readable once written */
	CHECK_TRUE(write(p[1], "x", 1) == 1);
	n = epoll_wait(ep, out, 4, 1000);
	CHECK_EQ(n, 1);
	if (n == 1) {
		CHECK_EQ_U(out[0].data.u64, 12);
		CHECK_TRUE(out[0].events & EPOLLIN);
	}
	close(p[0]);
	close(p[1]);
	close(ep);
}

#endif /* RINGER_TEST_EVENT_LOOP_H */
