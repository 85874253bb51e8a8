/* SPDX-License-Identifier: MIT */
/*
 * An event loop that sleeps in epoll_wait on the ring fd, as event loops do
 * (liburing API only: included after ringer.h or liburing.h).  Used by
 * test-ring-fd.c (the library) and preload/pollring.c (the shim).
 *
 * Idle for 2 s with a READ armed on an empty pipe: no wakeup, and under
 * 20 ms of CPU for the whole process (engine threads included).  Then five
 * writes to the pipe, 50 ms apart, each completing one READ: exactly one
 * wakeup per completion, and each wakeup finds its CQE.
 */
#ifndef RINGER_TEST_EPOLL_LOOP_H
#define RINGER_TEST_EPOLL_LOOP_H

#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static char epoll_loop_msg[256];

#define EPOLL_LOOP_FAIL(...)                                                   \
	do {                                                                   \
		snprintf(epoll_loop_msg, sizeof(epoll_loop_msg), __VA_ARGS__); \
		goto out;                                                      \
	} while (0)

static double epoll_loop_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double epoll_loop_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/*
 * The completions' source: a 50 ms interval timer whose SIGALRM writes a
 * byte to the pipe (no second thread: the loop is alone, as an idle event
 * loop is; epoll_wait returns EINTR at each signal, which is no wakeup).
 * It writes only once the loop has reaped the previous completion and gone
 * back to wait (epoll_loop_ready): on a loaded machine a byte written while
 * the loop was still busy made the next read complete in the same wakeup,
 * two completions for one wakeup, which says nothing about the ring fd.
 */
static int epoll_loop_wfd = -1;
static volatile sig_atomic_t epoll_loop_left, epoll_loop_ready;

static void epoll_loop_alarm(int sig)
{
	(void)sig;
	if (epoll_loop_ready && epoll_loop_left > 0 && write(epoll_loop_wfd, "x", 1) == 1) {
		epoll_loop_left--;
		epoll_loop_ready = 0;
	}
}

static void epoll_loop_arm(struct io_uring *ring, int fd, char *buf, unsigned long long ud)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_read(sqe, fd, buf, 1, 0);
	sqe->user_data = ud;
	io_uring_submit(ring);
}

/* NULL if the loop behaved as on the kernel, else what went wrong. */
static const char *epoll_loop_check(struct io_uring *ring)
{
	const int total = 5;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };
	struct itimerval every = { { 0, 50000 }, { 0, 50000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa, old_sa;
	struct io_uring_cqe *cqe;
	int ep = -1, p[2] = { -1, -1 }, wakeups = 0, reaped = 0;
	double cpu, t0;
	char buf[8];
	bool started = false;

	epoll_loop_msg[0] = '\0';
	if (pipe(p) || (ep = epoll_create1(0)) < 0)
		EPOLL_LOOP_FAIL("pipe/epoll_create1: %s", strerror(errno));
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ring->ring_fd, &ev))
		EPOLL_LOOP_FAIL("epoll_ctl(ADD, ring fd): %s", strerror(errno));
	epoll_loop_arm(ring, p[0], buf, 1);

	/* idle: nothing completes, nothing wakes, no CPU */
	cpu = epoll_loop_cpu_ms();
	t0 = epoll_loop_now_ms();
	while (epoll_loop_now_ms() - t0 < 2000) {
		int n = epoll_wait(ep, &ev, 1, 250);

		if (n < 0 && errno != EINTR)
			EPOLL_LOOP_FAIL("epoll_wait: %s", strerror(errno));
		if (n > 0)
			EPOLL_LOOP_FAIL("woken while idle (events %#x, %u CQEs ready)", ev.events,
					io_uring_cq_ready(ring));
	}
	cpu = epoll_loop_cpu_ms() - cpu;
	printf("# idle 2 s in epoll_wait on the ring fd: %.1f ms CPU\n", cpu);
	if (cpu >= 20)
		EPOLL_LOOP_FAIL("idle for 2 s cost %.1f ms of CPU", cpu);

	/* five completions, one wakeup each, each finding its CQE */
	epoll_loop_wfd = p[1];
	epoll_loop_left = total;
	epoll_loop_ready = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = epoll_loop_alarm;
	if (sigaction(SIGALRM, &sa, &old_sa) || setitimer(ITIMER_REAL, &every, NULL))
		EPOLL_LOOP_FAIL("SIGALRM timer: %s", strerror(errno));
	started = true;
	t0 = epoll_loop_now_ms();
	while (reaped < total && epoll_loop_now_ms() - t0 < 5000) {
		int n = epoll_wait(ep, &ev, 1, 1000), got = 0;

		if (n < 0 && errno != EINTR)
			EPOLL_LOOP_FAIL("epoll_wait: %s", strerror(errno));
		if (n <= 0)
			continue;
		wakeups++;
		if (ev.data.u64 != 42 || !(ev.events & EPOLLIN))
			EPOLL_LOOP_FAIL("wakeup %d: events %#x data %llu", wakeups, ev.events,
					(unsigned long long)ev.data.u64);
		while (io_uring_peek_cqe(ring, &cqe) == 0) {
			if (cqe->res != 1 || cqe->user_data != (unsigned long long)reaped + 1)
				EPOLL_LOOP_FAIL("CQE %d: res %d ud %llu", reaped + 1, cqe->res,
						(unsigned long long)cqe->user_data);
			io_uring_cqe_seen(ring, cqe);
			reaped++;
			got++;
			if (reaped < total)
				epoll_loop_arm(ring, p[0], buf, (unsigned long long)reaped + 1);
		}
		if (!got)
			EPOLL_LOOP_FAIL("wakeup %d found no CQE (%d reaped)", wakeups, reaped);
		epoll_loop_ready = 1; /* back to wait: the next byte may come */
	}
	if (reaped != total || wakeups != total)
		EPOLL_LOOP_FAIL("%d completions, %d wakeups, expected %d of each", reaped, wakeups,
				total);
out:
	if (started) {
		setitimer(ITIMER_REAL, &off, NULL);
		sigaction(SIGALRM, &old_sa, NULL);
	}
	if (ep >= 0)
		close(ep);
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	return epoll_loop_msg[0] ? epoll_loop_msg : NULL;
}

#endif /* RINGER_TEST_EPOLL_LOOP_H */
