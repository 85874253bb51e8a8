/* SPDX-License-Identifier: MIT */
/*
 * IORING_OP_WAITID: waitid(2) as a request.  Its errors (at issue: no child,
 * bad idtype, options, pidfd, SQE fields), a wait for a child's exit or stop,
 * WNOHANG, WNOWAIT, P_PIDFD, the siginfo fields written to infop (and those
 * left alone), -EFAULT for an unwritable infop, teardown with a wait armed.
 * Expected values: Linux 6.18's.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "harness.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static struct io_uring_sqe *waitid_sqe(struct io_uring *ring, int which, int id, int options,
				       siginfo_t *si, __u64 user_data)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_WAITID;
	sqe->len = (__u32)which;
	sqe->fd = id;
	sqe->file_index = (__u32)options;
	sqe->addr2 = (__u64)(uintptr_t)si;
	sqe->user_data = user_data;
	return sqe;
}

static int result(struct io_uring *ring)
{
	struct test_cqe c = { 0 };

	if (io_uring_submit(ring) != 1 || test_reap(ring, &c, 1, 5000) != 1)
		FAIL("no CQE");
	return c.res;
}

/* A child that exits with code after ms milliseconds. */
static pid_t child_exiting(int code, unsigned ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (ms)
			usleep(ms * 1000);
		_exit(code);
	}
	REQUIRE_TRUE(pid > 0);
	return pid;
}

/* A child that exits with code once *gate is closed: its exit comes when
 * the test says, not after a delay a loaded machine can outlast. */
static pid_t child_exiting_on_close(int code, int *gate)
{
	int p[2];
	pid_t pid;
	char c;

	REQUIRE_SYS(pipe(p));
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(code);
	}
	REQUIRE_TRUE(pid > 0);
	close(p[0]);
	*gate = p[1];
	return pid;
}

static pid_t child_pausing(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	REQUIRE_TRUE(pid > 0);
	return pid;
}

/* Reap it, whatever state it is in (the case's leftovers). */
static void child_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

TEST(errors_at_issue)
{
	struct io_uring ring;
	siginfo_t si;
	struct io_uring_sqe *sqe;
	pid_t pid;

	test_ring_init(8, &ring, 0);
	/* no child at all: -ECHILD, and the fields are written (zeros) */
	memset(&si, 0xaa, sizeof(si));
	waitid_sqe(&ring, P_ALL, 0, WEXITED, &si, 1);
	CHECK_EQ(result(&ring), -ECHILD);
	CHECK_EQ(si.si_signo, 0);
	CHECK_EQ(si.si_errno, 0);
	CHECK_EQ(si.si_code, 0);
	CHECK_EQ(si.si_pid, 0);
	CHECK_EQ(si.si_status, 0);
	CHECK_EQ_U(((unsigned char *)&si)[sizeof(si) - 1], 0xaa); /* the rest untouched */
	waitid_sqe(&ring, P_PID, 1, WEXITED, &si, 1);
	CHECK_EQ(result(&ring), -ECHILD);

	/* refused arguments: nothing written */
	pid = child_pausing();
	memset(&si, 0xaa, sizeof(si));
	waitid_sqe(&ring, P_ALL, 0, 0, &si, 2);
	CHECK_EQ(result(&ring), -EINVAL);
	CHECK_EQ_U(((unsigned char *)&si)[0], 0xaa);
	waitid_sqe(&ring, 7, 0, WEXITED, &si, 2);
	CHECK_EQ(result(&ring), -EINVAL);
	waitid_sqe(&ring, P_ALL, 0, WEXITED | 0x100, &si, 2);
	CHECK_EQ(result(&ring), -EINVAL);
	waitid_sqe(&ring, P_PIDFD, 9999, WEXITED, &si, 2);
	CHECK_EQ(result(&ring), -EBADF);
	CHECK_EQ_U(((unsigned char *)&si)[0], 0xaa);
	sqe = waitid_sqe(&ring, P_ALL, 0, WEXITED, &si, 3);
	sqe->addr = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	sqe = waitid_sqe(&ring, P_ALL, 0, WEXITED, &si, 3);
	sqe->waitid_flags = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	sqe = waitid_sqe(&ring, P_ALL, 0, WEXITED, &si, 3);
	sqe->buf_index = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	sqe = waitid_sqe(&ring, P_ALL, 0, WEXITED, &si, 3);
	sqe->addr3 = 1;
	CHECK_EQ(result(&ring), -EINVAL);
	/* WNOHANG with nothing to report: 0, the fields zeroed */
	memset(&si, 0xaa, sizeof(si));
	waitid_sqe(&ring, P_ALL, 0, WEXITED | WNOHANG, &si, 4);
	CHECK_EQ(result(&ring), 0);
	CHECK_EQ(si.si_signo, 0);
	CHECK_EQ(si.si_pid, 0);
	child_kill(pid);
	io_uring_queue_exit(&ring);
}

TEST(wait_for_exit)
{
	struct io_uring ring;
	siginfo_t si;
	struct test_cqe c = { 0 };
	pid_t pid;
	int gate;

	test_ring_init(8, &ring, 0);
	pid = child_exiting_on_close(3, &gate);
	memset(&si, 0xaa, sizeof(si));
	waitid_sqe(&ring, P_PID, pid, WEXITED, &si, 10);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	close(gate);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 10);
	CHECK_EQ(c.res, 0);
	CHECK_EQ(si.si_signo, SIGCHLD);
	CHECK_EQ(si.si_errno, 0);
	CHECK_EQ(si.si_code, CLD_EXITED);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 3);
	CHECK_EQ_U(((unsigned char *)&si)[sizeof(si) - 1], 0xaa);
	/* reaped: nothing left */
	CHECK_EQ(waitpid(pid, NULL, WNOHANG), -1);

	/* P_ALL, no infop; liburing 2.15's prep helper */
	pid = child_exiting_on_close(4, &gate);
	io_uring_prep_waitid(test_get_sqe(&ring), P_ALL, 0, NULL, WEXITED, 0);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 10));
	close(gate);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 0);
	CHECK_EQ(waitpid(pid, NULL, WNOHANG), -1);
	io_uring_queue_exit(&ring);
}

TEST(wnowait_and_efault)
{
	struct io_uring ring;
	siginfo_t si;
	pid_t pid;
	int status = 0;

	test_ring_init(8, &ring, 0);
	pid = child_exiting(5, 0);
	memset(&si, 0, sizeof(si));
	waitid_sqe(&ring, P_PID, pid, WEXITED | WNOWAIT, &si, 20);
	CHECK_EQ(result(&ring), 0);
	CHECK_EQ(si.si_pid, pid);
	CHECK_EQ(si.si_status, 5);
	/* WNOWAIT left it to be reaped */
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_EQ(WEXITSTATUS(status), 5);

	/* an unwritable infop: the child is reaped all the same, -EFAULT */
	pid = child_exiting(6, 0);
	waitid_sqe(&ring, P_PID, pid, WEXITED, (siginfo_t *)8, 21);
	CHECK_EQ(result(&ring), -EFAULT);
	CHECK_EQ(waitpid(pid, NULL, WNOHANG), -1);
	io_uring_queue_exit(&ring);
}

TEST(stop_and_pidfd)
{
	struct io_uring ring;
	siginfo_t si;
	struct test_cqe c = { 0 };
	pid_t pid;
	int pidfd;

	test_ring_init(8, &ring, 0);
	pid = child_pausing();
	memset(&si, 0, sizeof(si));
	waitid_sqe(&ring, P_PID, pid, WSTOPPED, &si, 30);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	kill(pid, SIGSTOP);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ(c.res, 0);
	CHECK_EQ(si.si_code, CLD_STOPPED);
	CHECK_EQ(si.si_status, SIGSTOP);

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		child_kill(pid);
		io_uring_queue_exit(&ring);
		SKIP_CASE(SKIP_ENVIRONMENT, "pidfd_open");
	}
	memset(&si, 0, sizeof(si));
	waitid_sqe(&ring, P_PIDFD, pidfd, WEXITED, &si, 31);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	kill(pid, SIGKILL);
	REQUIRE_EQ(test_reap(&ring, &c, 1, 5000), 1);
	CHECK_EQ_U(c.user_data, 31);
	CHECK_EQ(c.res, 0);
	CHECK_EQ(si.si_code, CLD_KILLED);
	CHECK_EQ(si.si_status, SIGKILL);
	CHECK_EQ(si.si_pid, pid);
	close(pidfd);
	io_uring_queue_exit(&ring);
}

/* ASYNC_CANCEL of an armed WAITID: 1, then -ECANCELED; the child stays. */
TEST(cancel_armed)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct test_cqe c[2] = { 0 };
	siginfo_t si;
	pid_t pid;

	test_ring_init(8, &ring, 0);
	pid = child_pausing();
	waitid_sqe(&ring, P_PID, pid, WEXITED, &si, 50);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	sqe = test_get_sqe(&ring);
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_ASYNC_CANCEL;
	sqe->addr = 50;
	sqe->user_data = 51;
	test_submit_reap(&ring, c, 2);
	CHECK_EQ_U(c[0].user_data, 51);
	CHECK_EQ(c[0].res, 1);
	CHECK_EQ_U(c[1].user_data, 50);
	CHECK_EQ(c[1].res, -ECANCELED);
	kill(pid, SIGKILL);
	CHECK_EQ(waitpid(pid, NULL, 0), pid);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	io_uring_queue_exit(&ring);
}

/* Closing the ring with a wait armed: no hang, the child stays to reap. */
TEST(teardown_armed)
{
	struct io_uring ring;
	siginfo_t si;
	pid_t pid;
	int threads = test_count_threads();

	test_ring_init(8, &ring, 0);
	pid = child_pausing();
	waitid_sqe(&ring, P_PID, pid, WEXITED, &si, 40);
	waitid_sqe(&ring, P_ALL, 0, WEXITED, &si, 41);
	CHECK_EQ(io_uring_submit(&ring), 2);
	CHECK_TRUE(test_cq_empty_for(&ring, 20));
	io_uring_queue_exit(&ring);
	kill(pid, SIGKILL);
	/*
	 * The engine cancelled both waits in the close.  The kernel cancels a
	 * closed ring's requests later, in a work item: its wait may still
	 * reap the child (engine.h: teardown).
	 */
	if (test_backend_is("kernel")) {
		pid_t r = waitpid(pid, NULL, 0);

		CHECK_TRUE(r == pid || (r == -1 && errno == ECHILD));
	} else {
		CHECK_EQ(waitpid(pid, NULL, 0), pid);
	}
	/* the engine's reactor thread leaves within about a second */
	for (int i = 0; i < 300 && test_count_threads() > threads; i++)
		test_sleep_ms(10);
	CHECK_EQ(test_count_threads(), threads);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(errors_at_issue),
		TEST_ENTRY(wait_for_exit),
		TEST_ENTRY(wnowait_and_efault),
		TEST_ENTRY(stop_and_pidfd),
		TEST_ENTRY(cancel_armed),
		TEST_ENTRY(teardown_armed),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
