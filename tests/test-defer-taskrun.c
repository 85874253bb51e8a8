/* SPDX-License-Identifier: MIT */
/*
 * IORING_SETUP_SINGLE_ISSUER and IORING_SETUP_DEFER_TASKRUN (Linux 6.18's
 * rules, probed): only the submitter task submits and registers (-EEXIST for
 * any other, whatever the opcode); with R_DISABLED the task that enables the
 * ring becomes it (not on an SQPOLL ring); under DEFER_TASKRUN a request that
 * completes later (a read waiting for data, a worker's) reaches the CQ only
 * when the submitter enters with GETEVENTS, which no other task may do,
 * while what completes inline at submit is there at once; the eventfd is
 * signalled when such a completion is queued and again when it is posted;
 * IORING_SQ_TASKRUN (TASKRUN_FLAG) shows it queued.
 */
#include "harness.h"

#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define DEFER (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)

static struct io_uring ring;

/* Run fn in a new thread (another task) and return its result. */
static int (*thread_fn)(void);
static int thread_ret;

static void *thread_main(void *arg)
{
	(void)arg;
	thread_ret = thread_fn();
	return NULL;
}

static int in_thread(int (*fn)(void))
{
	pthread_t t;

	thread_fn = fn;
	REQUIRE_EQ(pthread_create(&t, NULL, thread_main, NULL), 0);
	REQUIRE_EQ(pthread_join(t, NULL), 0);
	return thread_ret;
}

static int submit_nop(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_nop(sqe);
	sqe->user_data = 7;
	return io_uring_submit(&ring);
}

/*
 * submit_nop() on an SQPOLL ring, and the NOP's CQE reaped: 1 when it came.
 * The submit's count is the SQEs the poller had not taken yet when the
 * library looked (liburing's rule, on either backend): 0 if it was quick.
 */
static int submit_nop_sqpoll(void)
{
	struct __kernel_timespec ts = { .tv_sec = 5 };
	struct io_uring_cqe *cqe;
	int ret = submit_nop();
	__u64 ud;

	if (ret < 0)
		return ret;
	if (ret > 1)
		return -EPROTO;
	ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	if (ret)
		return ret;
	ud = cqe->user_data;
	io_uring_cqe_seen(&ring, cqe);
	return ud == 7 ? 1 : -EPROTO;
}

static int get_events(void)
{
	return io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, NULL);
}

static int enter_nothing(void)
{
	return io_uring_enter(ring.ring_fd, 0, 0, 0, NULL);
}

static int wait_1ms(void)
{
	struct io_uring_cqe *cqe;

	return test_wait_cqe_ms(&ring, &cqe, 1);
}

static int register_files(void)
{
	int fd = 0, ret = io_uring_register_files(&ring, &fd, 1);

	if (!ret)
		io_uring_unregister_files(&ring);
	return ret;
}

static int register_eventfd(void)
{
	int efd = eventfd(0, EFD_CLOEXEC), ret = io_uring_register_eventfd(&ring, efd);

	if (!ret)
		io_uring_unregister_eventfd(&ring);
	close(efd);
	return ret;
}

static int register_ring_fd(void)
{
	int ret = io_uring_register_ring_fd(&ring);

	if (ret == 1)
		io_uring_unregister_ring_fd(&ring);
	return ret;
}

static int enable_rings(void)
{
	return io_uring_enable_rings(&ring);
}

/* Take every CQE in the CQ (without entering), n at most, into out. */
static unsigned take_cqes(struct test_cqe *out, unsigned n)
{
	struct io_uring_cqe *cqe;
	unsigned i = 0;

	while (i < n && io_uring_cq_ready(&ring) && !io_uring_peek_cqe(&ring, &cqe)) {
		out[i].user_data = cqe->user_data;
		out[i].res = cqe->res;
		out[i].flags = cqe->flags;
		io_uring_cqe_seen(&ring, cqe);
		i++;
	}
	return i;
}

static void prep_read(int fd, void *buf, unsigned len, __u64 ud)
{
	struct io_uring_sqe *sqe = test_get_sqe(&ring);

	io_uring_prep_read(sqe, fd, buf, len, 0);
	sqe->user_data = ud;
}

static uint64_t eventfd_count(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

TEST(setup_rules)
{
	struct io_uring_params p;
	int fd;

	memset(&p, 0, sizeof(p));
	p.flags = DEFER;
	fd = test_setup_raw(4, &p);
	REQUIRE_GE(fd, 0);
	test_close_ring_fd(fd);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_DEFER_TASKRUN;
	CHECK_EQ(io_uring_setup(4, &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	p.flags = DEFER | IORING_SETUP_SQPOLL;
	CHECK_EQ(io_uring_setup(4, &p), -EINVAL);
	memset(&p, 0, sizeof(p));
	p.flags = DEFER | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	fd = io_uring_setup(4, &p);
	CHECK_GE(fd, 0);
	if (fd >= 0)
		test_close_ring_fd(fd);
}

/* A read that waits for data: its CQE only at the submitter's GETEVENTS. */
TEST(completion_visible_only_at_getevents)
{
	struct test_cqe c[4];
	char buf[4];
	int p[2];

	test_ring_init(8, &ring, DEFER);
	REQUIRE_EQ(pipe(p), 0);
	prep_read(p[0], buf, 1, 1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	test_sleep_ms(50); /* time for any thread to complete it */
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	/* an enter without GETEVENTS runs nothing */
	CHECK_EQ(enter_nothing(), 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	/* another task may not get it */
	CHECK_EQ(in_thread(get_events), -EEXIST);
	CHECK_EQ(in_thread(wait_1ms), -EEXIST);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	/* a NOP completes inline: in the CQ at once, the read still queued */
	CHECK_EQ(submit_nop(), 1);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	CHECK_EQ(get_events(), 0);
	REQUIRE_EQ(take_cqes(c, 4), 2);
	CHECK_EQ_U(c[0].user_data, 7);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ_U(c[1].user_data, 1);
	CHECK_EQ(c[1].res, 1);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

static int pipe_w = -1;

static void *write_later(void *arg)
{
	(void)arg;
	test_sleep_ms(30);
	if (write(pipe_w, "yz", 2) != 2)
		abort();
	return NULL;
}

/* The submitter sleeping for two CQEs is woken when they are queued. */
TEST(wait_woken_by_queued_completions)
{
	struct io_uring_cqe *cqe;
	pthread_t t;
	char buf[4];
	int p[2];

	test_ring_init(8, &ring, DEFER);
	REQUIRE_EQ(pipe(p), 0);
	pipe_w = p[1];
	prep_read(p[0], buf, 1, 1);
	prep_read(p[0], buf + 1, 1, 2);
	REQUIRE_EQ(io_uring_submit(&ring), 2);
	REQUIRE_EQ(pthread_create(&t, NULL, write_later, NULL), 0);
	CHECK_EQ(io_uring_wait_cqe_nr(&ring, &cqe, 2), 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 2);
	pthread_join(t, NULL);
	io_uring_cq_advance(&ring, io_uring_cq_ready(&ring));
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
}

/* A worker's completion (IOSQE_ASYNC) waits for the submitter too. */
TEST(worker_completion_deferred)
{
	struct io_uring_cqe *cqe;
	char buf[16];
	const char *path;
	int fd = test_tmpfile_with("0123456789", 10, &path);

	REQUIRE_GE(fd, 0);
	test_ring_init(8, &ring, DEFER);
	prep_read(fd, buf, sizeof(buf), 3);
	io_uring_sqe_set_flags(ring.sq.sqes + ((ring.sq.sqe_tail - 1) & ring.sq.ring_mask),
			       IOSQE_ASYNC);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	test_sleep_ms(50);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	REQUIRE_EQ(test_wait_cqe_ms(&ring, &cqe, 2000), 0);
	CHECK_EQ_U(cqe->user_data, 3);
	CHECK_EQ(cqe->res, 10);
	io_uring_cqe_seen(&ring, cqe);
	close(fd);
	io_uring_queue_exit(&ring);
}

/*
 * IORING_SQ_TASKRUN with TASKRUN_FLAG: set once a completion is queued,
 * off after the submitter's GETEVENTS ran it.  liburing's peek enters
 * because of it; without TASKRUN_FLAG it never shows and a peek finds
 * nothing.
 */
TEST(taskrun_flag)
{
	for (int with_flag = 0; with_flag < 2; with_flag++) {
		struct io_uring_cqe *cqe = NULL;
		char buf[4];
		int p[2];

		test_ring_init(8, &ring, DEFER | (with_flag ? IORING_SETUP_TASKRUN_FLAG : 0));
		REQUIRE_EQ(pipe(p), 0);
		prep_read(p[0], buf, 1, 1);
		REQUIRE_EQ(io_uring_submit(&ring), 1);
		REQUIRE_EQ(write(p[1], "x", 1), 1);
		test_sleep_ms(50);
		CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
		CHECK_EQ(!!(IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_TASKRUN), with_flag);
		if (with_flag) {
			CHECK_EQ(io_uring_peek_cqe(&ring, &cqe), 0);
			CHECK_EQ(!!(IO_URING_READ_ONCE(*ring.sq.kflags) & IORING_SQ_TASKRUN), 0);
		} else {
			CHECK_EQ(io_uring_peek_cqe(&ring, &cqe), -EAGAIN);
			CHECK_EQ(io_uring_get_events(&ring), 0);
			CHECK_EQ(io_uring_peek_cqe(&ring, &cqe), 0);
		}
		if (cqe) {
			CHECK_EQ_U(cqe->user_data, 1);
			CHECK_EQ(cqe->res, 1);
			io_uring_cqe_seen(&ring, cqe);
		}
		close(p[0]);
		close(p[1]);
		io_uring_queue_exit(&ring);
	}
}

/* The eventfd: signalled when the completion is queued, and when posted. */
TEST(eventfd_signals)
{
	struct io_uring_cqe *cqe;
	char buf[4];
	int p[2], efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct pollfd pfd = { .fd = efd, .events = POLLIN };

	REQUIRE_GE(efd, 0);
	test_ring_init(8, &ring, DEFER);
	REQUIRE_EQ(io_uring_register_eventfd(&ring, efd), 0);
	REQUIRE_EQ(pipe(p), 0);
	prep_read(p[0], buf, 1, 1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ(eventfd_count(efd), 0);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	CHECK_EQ(poll(&pfd, 1, 2000), 1);
	CHECK_EQ(eventfd_count(efd), 1);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 0);
	CHECK_EQ(io_uring_get_events(&ring), 0);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	CHECK_EQ(eventfd_count(efd), 1);
	if (!io_uring_peek_cqe(&ring, &cqe))
		io_uring_cqe_seen(&ring, cqe);
	close(p[0]);
	close(p[1]);
	io_uring_queue_exit(&ring);
	close(efd);
}

/* Another task: what each call answers on SINGLE_ISSUER with and without
 * DEFER_TASKRUN. */
TEST(other_task_refused)
{
	for (int defer = 0; defer < 2; defer++) {
		test_ring_init(8, &ring, defer ? DEFER : IORING_SETUP_SINGLE_ISSUER);
		CHECK_EQ(in_thread(submit_nop), -EEXIST);
		CHECK_EQ(in_thread(get_events), defer ? -EEXIST : 0);
		CHECK_EQ(in_thread(wait_1ms), defer ? -EEXIST : -ETIME);
		CHECK_EQ(in_thread(enter_nothing), 0);
		CHECK_EQ(in_thread(register_files), -EEXIST);
		CHECK_EQ(in_thread(register_eventfd), -EEXIST);
		CHECK_EQ(in_thread(register_ring_fd), -EEXIST);
		CHECK_EQ(in_thread(enable_rings), -EEXIST);
		/* the creator still may (the thread's NOP is still in the SQ) */
		CHECK_EQ(register_files(), 0);
		CHECK_EQ(submit_nop(), 2);
		CHECK_EQ(wait_1ms(), 0);
		io_uring_cq_advance(&ring, io_uring_cq_ready(&ring));
		io_uring_queue_exit(&ring);
	}
}

/* The thread that enables the ring: submits, gets events; the creator no more. */
static int enable_and_use(void)
{
	struct io_uring_cqe *cqe;
	int ret = io_uring_enable_rings(&ring);

	if (ret)
		return ret;
	ret = submit_nop();
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = test_wait_cqe_ms(&ring, &cqe, 1000);
	if (ret)
		return ret;
	io_uring_cqe_seen(&ring, cqe);
	return register_files();
}

TEST(enable_rings_sets_submitter)
{
	for (int defer = 0; defer < 2; defer++) {
		test_ring_init(8, &ring,
			       (defer ? DEFER : IORING_SETUP_SINGLE_ISSUER) |
				       IORING_SETUP_R_DISABLED);
		CHECK_EQ(get_events(), -EBADFD);
		/* no submitter yet: any task registers */
		CHECK_EQ(register_files(), 0);
		CHECK_EQ(in_thread(register_files), 0);
		CHECK_EQ(in_thread(enable_and_use), 0);
		/* that thread has exited: nobody else is it */
		CHECK_EQ(submit_nop(), -EEXIST);
		CHECK_EQ(get_events(), defer ? -EEXIST : 0);
		CHECK_EQ(register_files(), -EEXIST);
		CHECK_EQ(enable_rings(), -EEXIST);
		CHECK_EQ(in_thread(submit_nop), -EEXIST);
		io_uring_queue_exit(&ring);
	}
}

/* SQPOLL|SINGLE_ISSUER: any task submits (the poller does); registrations
 * only the creator, or with R_DISABLED the task that enabled the ring. */
TEST(sqpoll_single_issuer)
{
	test_ring_init(8, &ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_SQPOLL);
	CHECK_EQ(in_thread(submit_nop_sqpoll), 1);
	CHECK_EQ(in_thread(register_files), -EEXIST);
	CHECK_EQ(register_files(), 0);
	io_uring_queue_exit(&ring);
	test_ring_init(8, &ring,
		       IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_SQPOLL | IORING_SETUP_R_DISABLED);
	CHECK_EQ(in_thread(enable_rings), 0);
	CHECK_EQ(register_files(), -EEXIST);
	CHECK_EQ(in_thread(register_files), -EEXIST);
	CHECK_EQ(submit_nop_sqpoll(), 1);
	io_uring_queue_exit(&ring);
}

/* A MSG_RING to the ring itself: the message goes through the submitter's
 * task work too, so it follows the sender's CQE, at the next GETEVENTS. */
TEST(msg_ring_to_self_deferred)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[4];

	test_ring_init(8, &ring, DEFER);
	sqe = test_get_sqe(&ring);
	io_uring_prep_msg_ring(sqe, ring.ring_fd, 77, 0x1234, 0);
	sqe->user_data = 5;
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ_U(io_uring_cq_ready(&ring), 1);
	CHECK_EQ(io_uring_get_events(&ring), 0);
	REQUIRE_EQ(take_cqes(c, 4), 2);
	CHECK_EQ_U(c[0].user_data, 5);
	CHECK_EQ(c[0].res, 0);
	CHECK_EQ_U(c[1].user_data, 0x1234);
	CHECK_EQ(c[1].res, 77);
	io_uring_queue_exit(&ring);
}

/*
 * A request that fails in a worker (IOSQE_ASYNC, a bad fd) queues its CQE
 * for the submitter; the poll linked after it is armed then, and fires when
 * data comes.  The kernel runs both as the submitter's task work, in order;
 * the engine completes the poll in the submitter's next enter (a submit
 * without GETEVENTS takes the fired AIO poll): its CQE must not pass the
 * failed request's.  The NOP completes inline at its submit: before both.
 */
TEST(link_after_worker_failure_keeps_order)
{
	for (int it = 0; it < 20; it++) {
		struct io_uring_sqe *sqe;
		struct io_uring_cqe *cqe;
		uint64_t order[3] = { 0 };
		char buf[4];
		int sv[2], n = 0;

		REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
		test_ring_init(8, &ring, DEFER);
		prep_read(1 << 20, buf, sizeof(buf), 1);
		io_uring_sqe_set_flags(ring.sq.sqes + ((ring.sq.sqe_tail - 1) & ring.sq.ring_mask),
				       IOSQE_ASYNC | IOSQE_IO_HARDLINK);
		sqe = test_get_sqe(&ring);
		io_uring_prep_poll_add(sqe, sv[0], POLLIN);
		sqe->user_data = 2;
		REQUIRE_EQ(io_uring_submit(&ring), 2);
		test_sleep_ms(5);
		REQUIRE_EQ(write(sv[1], "abcd", 4), 4);
		REQUIRE_EQ(submit_nop(), 1);
		while (n < 3 && test_wait_cqe_ms(&ring, &cqe, 2000) == 0) {
			order[n++] = cqe->user_data;
			io_uring_cqe_seen(&ring, cqe);
		}
		REQUIRE_EQ(n, 3);
		CHECK_EQ_U(order[0], 7);
		CHECK_MSG(order[1] == 1 && order[2] == 2, "round %d: CQEs %" PRIu64 ", %" PRIu64
			  ", %" PRIu64, it, order[0], order[1], order[2]);
		io_uring_queue_exit(&ring);
		close(sv[0]);
		close(sv[1]);
	}
}

/*
 * A request io-wq ran (IOSQE_ASYNC) completes through the submitter's task
 * work on a DEFER_TASKRUN ring, which issues the request linked after it:
 * a receive with IORING_RECVSEND_POLL_FIRST then arms its poll and takes
 * the data there (from io-wq it would be -EAGAIN).
 */
TEST(link_after_worker_issued_as_task_work)
{
	struct io_uring_sqe *sqe;
	struct test_cqe c[2];
	char a[4], b[4];
	int sv[2];

	REQUIRE_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	REQUIRE_EQ(write(sv[1], "abcdefgh", 8), 8);
	test_ring_init(8, &ring, DEFER);
	prep_read(sv[0], a, sizeof(a), 1);
	io_uring_sqe_set_flags(ring.sq.sqes + ((ring.sq.sqe_tail - 1) & ring.sq.ring_mask),
			       IOSQE_ASYNC | IOSQE_IO_LINK);
	sqe = test_get_sqe(&ring);
	io_uring_prep_recv(sqe, sv[0], b, sizeof(b), 0);
	sqe->ioprio = IORING_RECVSEND_POLL_FIRST;
	sqe->user_data = 2;
	REQUIRE_EQ(test_submit_reap(&ring, c, 2), 2);
	CHECK_EQ_U(c[0].user_data, 1);
	CHECK_EQ(c[0].res, 4);
	CHECK_EQ_U(c[1].user_data, 2);
	CHECK_EQ(c[1].res, 4);
	io_uring_queue_exit(&ring);
	close(sv[0]);
	close(sv[1]);
}

/* Closing the ring with a completion queued: nothing lost or leaked. */
TEST(exit_with_queued_completion)
{
	char buf[4];
	int p[2], fds = test_count_fds();

	test_ring_init(8, &ring, DEFER | IORING_SETUP_TASKRUN_FLAG);
	REQUIRE_EQ(pipe(p), 0);
	prep_read(p[0], buf, 1, 1);
	REQUIRE_EQ(io_uring_submit(&ring), 1);
	REQUIRE_EQ(write(p[1], "x", 1), 1);
	test_sleep_ms(20);
	io_uring_queue_exit(&ring);
	close(p[0]);
	close(p[1]);
	CHECK_EQ(test_count_fds(), fds);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(setup_rules),
		TEST_ENTRY(completion_visible_only_at_getevents),
		TEST_ENTRY(wait_woken_by_queued_completions),
		TEST_ENTRY(worker_completion_deferred),
		TEST_ENTRY(taskrun_flag),
		TEST_ENTRY(eventfd_signals),
		TEST_ENTRY(other_task_refused),
		TEST_ENTRY(enable_rings_sets_submitter),
		TEST_ENTRY(sqpoll_single_issuer),
		TEST_ENTRY(msg_ring_to_self_deferred),
		TEST_ENTRY(link_after_worker_failure_keeps_order),
		TEST_ENTRY(link_after_worker_issued_as_task_work),
		TEST_ENTRY(exit_with_queued_completion),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
