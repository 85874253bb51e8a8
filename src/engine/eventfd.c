// SPDX-License-Identifier: MIT
/*
 * The registered eventfd (the kernel's eventfd.c): REGISTER_EVENTFD,
 * REGISTER_EVENTFD_ASYNC (signalled only for completions posted away from
 * the submitting thread: the engine's workers), UNREGISTER_EVENTFD, and
 * IORING_CQ_EVENTFD_DISABLED in cq.flags, which the application toggles.
 *
 * The ring keeps its own duplicate of the eventfd (ring->evfd), written
 * under cq_lock: cq.c signals it when it publishes CQEs.
 *
 * The feedback loop: a multishot POLL_ADD on the ring's own eventfd would
 * post a CQE per signal, and each CQE signals the eventfd again, forever.
 * The kernel signals with EPOLL_URING_WAKE and such a poll ends at that
 * wake-up.  The engine counts its signals (ring->evfd_signals): a poll on
 * the registered eventfd (evfd_is_registered()) that sees the count move
 * since it was armed or posted its last CQE was woken by the ring, and
 * ends (ops/poll.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/sys.h"

int evfd_register(struct ring *r, const void *arg, bool async)
{
	char link[128];
	int32_t fd;
	int dup;

	if (r->evfd >= 0)
		return -EBUSY;
	if (!arg || umem_read(&fd, arg, sizeof(fd)))
		return -EFAULT;
	if (sys_fcntl(fd, F_GETFD, 0) < 0)
		return -EBADF;
	if (sys_fd_link(fd, link, sizeof(link)) || strcmp(link, "anon_inode:[eventfd]"))
		return -EINVAL;
	dup = sys_dup_high(fd);
	if (dup < 0)
		return dup;
	pthread_mutex_lock(&r->cq_lock);
	r->evfd = dup;
	r->evfd_async = async;
	pthread_mutex_unlock(&r->cq_lock);
	return 0;
}

int evfd_unregister(struct ring *r)
{
	int fd;

	pthread_mutex_lock(&r->cq_lock);
	fd = r->evfd;
	r->evfd = -1;
	pthread_mutex_unlock(&r->cq_lock);
	if (fd < 0)
		return -ENXIO;
	sys_close(fd);
	return 0;
}

void evfd_signal(struct ring *r)
{
	uint64_t one = 1;

	if (r->evfd < 0 || (IO_URING_READ_ONCE(*r->cq_flags) & IORING_CQ_EVENTFD_DISABLED) ||
	    (r->evfd_async && engine_thread_ctx != CTX_WORKER))
		return;
	/* relaxed: read under cq_lock too (ops/poll.c), or as a hint */
	atomic_fetch_add_explicit(&r->evfd_signals, 1, memory_order_relaxed);
	sys_write(r->evfd, &one, sizeof(one));
}

unsigned evfd_signal_count(struct ring *r)
{
	/* relaxed: see evfd_signal() */
	return atomic_load_explicit(&r->evfd_signals, memory_order_relaxed);
}

void evfd_release(struct ring *r)
{
	if (r->evfd >= 0)
		sys_close(r->evfd);
	r->evfd = -1;
}

/* The eventfd-id line of /proc/self/fdinfo/fd, or -1. */
static long eventfd_id(int fd)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = sys_open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	n = sys_read(f, buf, sizeof(buf) - 1);
	sys_close(f);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "eventfd-id:");
	return p ? strtol(p + 11, NULL, 10) : -1;
}

bool evfd_is_registered(struct ring *r, int fd)
{
	int evfd;
	long id;

	pthread_mutex_lock(&r->cq_lock);
	evfd = r->evfd;
	pthread_mutex_unlock(&r->cq_lock);
	if (evfd < 0)
		return false;
	id = eventfd_id(fd);
	return id >= 0 && id == eventfd_id(evfd);
}
