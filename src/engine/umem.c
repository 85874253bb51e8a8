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
static pthread_mutex_t pipe_lock = PTHREAD_MUTEX_INITIALIZER;
static int probe_pipe[2] = { -1, -1 };

static int pipe_copy(void *dst, const void *src, size_t len)
{
	int ret = 0;

	pthread_mutex_lock(&pipe_lock);
	if (probe_pipe[0] < 0) {
		if (sys_pipe2(probe_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
			pthread_mutex_unlock(&pipe_lock);
			return -ENOMEM;
		}
		/* kept for the process's life: above the program's fds (sys.c),
		 * so a number the program closes never names it */
		probe_pipe[0] = sys_fd_move_high(probe_pipe[0]);
		probe_pipe[1] = sys_fd_move_high(probe_pipe[1]);
	}
	while (len && !ret) {
		size_t n = len < 4096 ? len : 4096; /* always fits: the pipe is kept empty */
		ssize_t w = sys_write(probe_pipe[1], src, n);
		ssize_t r;

		if (w < 0) {
			ret = -EFAULT;
			break;
		}
		r = sys_read(probe_pipe[0], dst, (size_t)w);
		if (r != w) {
			char sink[4096];

			/* dst is bad: empty the pipe for the next user */
			while (sys_read(probe_pipe[0], sink, sizeof(sink)) > 0)
				;
			ret = -EFAULT;
			break;
		}
		src = (const char *)src + w;
		dst = (char *)dst + w;
		len -= (size_t)w;
	}
	pthread_mutex_unlock(&pipe_lock);
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
