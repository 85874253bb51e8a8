// SPDX-License-Identifier: MIT
/*
 * Reading and writing memory the application named (EXT_ARG, timespecs,
 * sigmasks, iovec arrays, probe and params structs) without crashing on a bad
 * pointer: the kernel answers -EFAULT there, and so must the engine.
 *
 * process_vm_readv/writev on our own pid copies through the kernel, which
 * reports an unmapped address as EFAULT.  Where a seccomp profile refuses
 * those calls (EPERM, ENOSYS), the fallback is a pipe: write(2) from the
 * source faults cleanly with EFAULT, read(2) into the destination likewise.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/sys.h"

static atomic_bool use_pipe; /* process_vm_* refused once: stay on the pipe */

/*
 * The pipe is the calling thread's: threads with rings of their own copy
 * through pipes of their own, with no process-wide lock between them (a
 * copy is a write then a read, and nothing may come between the two).
 * Closed when its thread exits; a forked child, which shares its parent's,
 * makes one of its own.  A copy that starts while the thread's pipe is in
 * use (a signal handler entering the engine in the middle of one) takes a
 * pipe for itself alone.
 */
struct copy_pipe {
	int fd[2];
	unsigned gen; /* fork generation it was made in */
	bool busy;
};

static _Thread_local struct copy_pipe tpipe ENGINE_TLS = { { -1, -1 }, 0, false };
static pthread_key_t pipe_key;
static bool pipe_key_made; /* else no thread keeps a pipe: it would leak */
static pthread_once_t pipe_once = PTHREAD_ONCE_INIT;
static atomic_uint pipe_fork_gen;

static void pipe_close(struct copy_pipe *cp)
{
	if (cp->fd[0] >= 0) {
		sys_close(cp->fd[0]);
		sys_close(cp->fd[1]);
	}
	cp->fd[0] = cp->fd[1] = -1;
}

static void pipe_thread_exit(void *arg)
{
	pipe_close(arg);
}

static void pipe_forked(void)
{
	atomic_fetch_add_explicit(&pipe_fork_gen, 1, memory_order_relaxed);
}

static void pipe_init(void)
{
	pipe_key_made = pthread_key_create(&pipe_key, pipe_thread_exit) == 0;
	pthread_atfork(NULL, NULL, pipe_forked);
}

static int pipe_open(struct copy_pipe *cp)
{
	if (sys_pipe2(cp->fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		cp->fd[0] = cp->fd[1] = -1;
		return -ENOMEM;
	}
	/* above the program's fds (sys.c), so a number the program closes
	 * never names it */
	cp->fd[0] = sys_fd_move_high(cp->fd[0]);
	cp->fd[1] = sys_fd_move_high(cp->fd[1]);
	return 0;
}

/* the pipe kept empty between copies: a write then a read of the same bytes */
static int copy_through(const int fd[2], void *dst, const void *src, size_t len)
{
	while (len) {
		size_t n = len < 4096 ? len : 4096; /* always fits: the pipe is empty */
		ssize_t w = sys_write(fd[1], src, n);
		ssize_t r;

		if (w < 0)
			return -EFAULT;
		r = sys_read(fd[0], dst, (size_t)w);
		if (r != w) {
			char sink[4096];

			/* dst is bad: empty the pipe for the next copy */
			while (sys_read(fd[0], sink, sizeof(sink)) > 0)
				;
			return -EFAULT;
		}
		src = (const char *)src + w;
		dst = (char *)dst + w;
		len -= (size_t)w;
	}
	return 0;
}

static int pipe_copy(void *dst, const void *src, size_t len)
{
	struct copy_pipe *cp = &tpipe, own = { { -1, -1 }, 0, false };
	unsigned gen = atomic_load_explicit(&pipe_fork_gen, memory_order_relaxed);
	int ret;

	pthread_once(&pipe_once, pipe_init);
	if (cp->busy || !pipe_key_made) {
		if (pipe_open(&own))
			return -ENOMEM;
		ret = copy_through(own.fd, dst, src, len);
		pipe_close(&own);
		return ret;
	}
	if (cp->fd[0] >= 0 && cp->gen != gen)
		pipe_close(cp); /* the parent's, in a forked child */
	if (cp->fd[0] < 0) {
		if (pipe_open(cp))
			return -ENOMEM;
		cp->gen = gen;
		pthread_setspecific(pipe_key, cp);
	}
	cp->busy = true;
	ret = copy_through(cp->fd, dst, src, len);
	cp->busy = false;
	return ret;
}

static int vm_copy(void *dst, const void *src, size_t len, bool write)
{
	struct iovec local, remote;
	ssize_t r;

	if (!len)
		return 0;
	if (!user_range_ok((uintptr_t)(write ? dst : src), len))
		return -EFAULT;
	if (atomic_load_explicit(&use_pipe, memory_order_relaxed))
		return pipe_copy(dst, src, len);
	if (write) {
		local = (struct iovec){ (void *)src, len };
		remote = (struct iovec){ dst, len };
		r = sys_process_vm_writev(&local, 1, &remote, 1);
	} else {
		local = (struct iovec){ dst, len };
		remote = (struct iovec){ (void *)src, len };
		r = sys_process_vm_readv(&local, 1, &remote, 1);
	}
	if (r == (ssize_t)len)
		return 0;
	if (r == -EPERM || r == -ENOSYS || r == -EACCES) {
		atomic_store_explicit(&use_pipe, true, memory_order_relaxed);
		return pipe_copy(dst, src, len);
	}
	if (r == -EINTR || r == -EAGAIN || r == -ENOMEM)
		return pipe_copy(dst, src, len);
	return -EFAULT;
}

int umem_read(void *dst, const void *src, size_t len)
{
	return vm_copy(dst, src, len, false);
}

int umem_write(void *dst, const void *src, size_t len)
{
	return vm_copy(dst, src, len, true);
}

/*
 * The kernel copies the path at prep (getname()), so the program may reuse
 * its buffer once submitted.  It is read a page at a time: a string that
 * ends before an unmapped page is fine, one that runs into it is -EFAULT.
 * -ENAMETOOLONG without a NUL in max bytes (PATH_MAX for a path), -ENOENT
 * for "" unless the caller allows it (AT_EMPTY_PATH).
 */
int copy_user_string(const char *upath, size_t max, bool empty_ok, char **out)
{
	const size_t page = 4096;
	char *buf = malloc(max);
	size_t got = 0;

	if (!buf)
		return -ENOMEM;
	while (got < max) {
		uintptr_t at = (uintptr_t)upath + got;
		size_t chunk = page - (at & (page - 1));
		char *nul;

		if (chunk > max - got)
			chunk = max - got;
		if (!upath || umem_read(buf + got, upath + got, chunk)) {
			free(buf);
			return -EFAULT;
		}
		nul = memchr(buf + got, '\0', chunk);
		if (nul) {
			if (nul == buf && !empty_ok) {
				free(buf);
				return -ENOENT;
			}
			*out = buf;
			return 0;
		}
		got += chunk;
	}
	free(buf);
	return -ENAMETOOLONG;
}

int copy_user_path(const char *upath, bool empty_ok, char **out)
{
	return copy_user_string(upath, PATH_MAX, empty_ok, out);
}
