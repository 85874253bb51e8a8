// SPDX-License-Identifier: MIT
/*
 * The engine's system-call table (SQLite's aSyscall[] idea): one slot per
 * call, holding the function the engine calls and the fault armed on it.
 * The wrappers below are the only place the engine enters the kernel, so a
 * test can make any call fail or come up short (include/ringer/fault.h).
 *
 * Cost when no fault is armed: one relaxed atomic load per call.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/aio_abi.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "arch.h"
#include "ringer.h"
#include "ringer/fault.h"
#include "engine/api.h"
#include "engine/sys.h"

enum {
	S_PREADV2,
	S_PWRITEV2,
	S_READ,
	S_WRITE,
	S_CLOSE,
	S_FCNTL,
	S_FSTAT,
	S_FSYNC,
	S_FDATASYNC,
	S_SYNC_FILE_RANGE,
	S_POLL,
	S_PPOLL,
	S_EPOLL_CREATE1,
	S_EPOLL_CTL,
	S_EPOLL_WAIT,
	S_EVENTFD,
	S_MEMFD_CREATE,
	S_FTRUNCATE,
	S_MMAP,
	S_MUNMAP,
	S_PROCESS_VM_READV,
	S_PROCESS_VM_WRITEV,
	S_MINCORE,
	S_GETRLIMIT,
	S_READLINK,
	S_PIPE2,
	S_CAPGET,
	S_OPEN,
	S_IO_SETUP,
	S_IO_SUBMIT,
	S_IO_GETEVENTS,
	S_FUTEX,
	S_FUTEX_WAITV,
	S_FUTEX_WAKE,
	S_FUTEX_WAIT,
	S_KCMP,
	S_WAITID,
	S_OPENAT,
	S_OPENAT2,
	S_STATX,
	S_FADVISE,
	S_MADVISE,
	S_FALLOCATE,
	S_FGETXATTR,
	S_GETXATTR,
	S_FSETXATTR,
	S_SETXATTR,
	S_RENAMEAT2,
	S_UNLINKAT,
	S_MKDIRAT,
	S_SYMLINKAT,
	S_LINKAT,
	S_SPLICE,
	S_TEE,
	S_SENDMSG,
	S_RECVMSG,
	S_GETSOCKOPT,
	/* connection ops (ops/net.c) */
	S_SOCKET,
	S_BIND,
	S_LISTEN,
	S_CONNECT,
	S_ACCEPT4,
	S_SHUTDOWN,
	S_SETSOCKOPT,
	S_IOCTL,
	S__NR
};

typedef void (*sys_fn)(void);

struct slot {
	const char *name;
	sys_fn fn; /* the real call (replaceable: the aSyscall idea) */
	bool data; /* moves bytes: a max_bytes fault applies */
	/* fault state, under fault_lock */
	bool armed;
	struct ringer_fault fault;
	/* statistics, counted while any slot is armed */
	atomic_long calls, hits;
};

static int capget_raw(void *hdr, void *data)
{
	return (int)syscall(SYS_capget, hdr, data);
}

/* glibc has no kcmp wrapper */
static int kcmp_raw(pid_t pid1, pid_t pid2, int type, unsigned long idx1, unsigned long idx2)
{
	return (int)syscall(SYS_kcmp, pid1, pid2, type, idx1, idx2);
}

/* glibc has no wrappers for native AIO */
static int io_setup_raw(unsigned nr, aio_context_t *ctx)
{
	return (int)syscall(SYS_io_setup, nr, ctx);
}

static long io_submit_raw(aio_context_t ctx, long n, struct iocb **cbs)
{
	return syscall(SYS_io_submit, ctx, n, cbs);
}

/* the kernel's struct __aio_sigset */
struct aio_sigset {
	const sigset_t *sigmask;
	size_t sigsetsize;
};

static long io_pgetevents_raw(aio_context_t ctx, long min, long max, struct io_event *ev,
			      struct timespec *ts, const sigset_t *mask)
{
	struct aio_sigset s = { mask, 8 /* _NSIG / 8: the kernel's sigset */ };

	if (!mask)
		return syscall(SYS_io_getevents, ctx, min, max, ev, ts);
	return syscall(SYS_io_pgetevents, ctx, min, max, ev, ts, &s);
}

/* glibc has no wrappers for the futex calls; futex_wake and futex_wait
 * (Linux 6.7) may be missing from the build machine's headers */
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef SYS_futex_wake
#define SYS_futex_wake 454
#endif
#ifndef SYS_futex_wait
#define SYS_futex_wait 455
#endif

/* the system call itself: glibc's statx() may emulate it with fstatat() */
static int statx_raw(int dfd, const char *path, int flags, unsigned mask, void *buf)
{
	return (int)syscall(SYS_statx, dfd, path, flags, mask, buf);
}
/* posix_fadvise() returns the error number instead of setting errno */
static int fadvise_raw(int fd, off_t off, off_t len, int advice)
{
	return (int)syscall(SYS_fadvise64, fd, off, len, advice);
}
/* the system call itself: glibc's waitid() is a cancellation point */
static int waitid_raw(int which, int id, siginfo_t *si, int options)
{
	return (int)syscall(SYS_waitid, which, id, si, options, NULL);
}

static long futex_raw(uint32_t *uaddr, int op, uint32_t val, unsigned long val2, uint32_t *uaddr2,
		      uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static long futex_waitv_raw(void *waiters, unsigned nr, unsigned flags, const struct timespec *ts,
			    int clockid)
{
	return syscall(SYS_futex_waitv, waiters, nr, flags, ts, clockid);
}

static long openat2_raw(int dfd, const char *path, const void *how, size_t size)
{
	return syscall(SYS_openat2, dfd, path, how, size);
}

static long futex_wake_raw(void *uaddr, unsigned long mask, int nr, unsigned flags)
{
	return syscall(SYS_futex_wake, uaddr, mask, nr, flags);
}

static long futex_wait_raw(void *uaddr, unsigned long val, unsigned long mask, unsigned flags,
			   const struct timespec *ts, int clockid)
{
	return syscall(SYS_futex_wait, uaddr, val, mask, flags, ts, clockid);
}

/* the system calls themselves: glibc's connect() and accept4() are
 * cancellation points */
static int connect_raw(int fd, const void *addr, socklen_t len)
{
	return (int)syscall(SYS_connect, fd, addr, len);
}

static int accept4_raw(int fd, void *addr, socklen_t *len, int flags)
{
	return (int)syscall(SYS_accept4, fd, addr, len, flags);
}

#define SLOT(id, nm, f, d) [id] = { .name = nm, .fn = (sys_fn)(f), .data = d }
static struct slot table[S__NR] = {
	SLOT(S_PREADV2, "preadv2", preadv2, true),
	SLOT(S_PWRITEV2, "pwritev2", pwritev2, true),
	SLOT(S_READ, "read", read, true),
	SLOT(S_WRITE, "write", write, true),
	SLOT(S_CLOSE, "close", close, false),
	SLOT(S_FCNTL, "fcntl", fcntl, false),
	SLOT(S_FSTAT, "fstat", fstat, false),
	SLOT(S_FSYNC, "fsync", fsync, false),
	SLOT(S_FDATASYNC, "fdatasync", fdatasync, false),
	SLOT(S_SYNC_FILE_RANGE, "sync_file_range", sync_file_range, false),
	SLOT(S_POLL, "poll", poll, false),
	SLOT(S_PPOLL, "ppoll", ppoll, false),
	SLOT(S_EPOLL_CREATE1, "epoll_create1", epoll_create1, false),
	SLOT(S_EPOLL_CTL, "epoll_ctl", epoll_ctl, false),
	SLOT(S_EPOLL_WAIT, "epoll_wait", epoll_wait, false),
	SLOT(S_EVENTFD, "eventfd", eventfd, false),
	SLOT(S_MEMFD_CREATE, "memfd_create", memfd_create, false),
	SLOT(S_FTRUNCATE, "ftruncate", ftruncate, false),
	SLOT(S_MMAP, "mmap", ringer__mmap_file, false), /* past the wrapper */
	SLOT(S_MUNMAP, "munmap", munmap, false),
	SLOT(S_PROCESS_VM_READV, "process_vm_readv", process_vm_readv, false),
	SLOT(S_PROCESS_VM_WRITEV, "process_vm_writev", process_vm_writev, false),
	SLOT(S_MINCORE, "mincore", mincore, false),
	SLOT(S_GETRLIMIT, "getrlimit", getrlimit, false),
	SLOT(S_READLINK, "readlink", readlink, false),
	SLOT(S_PIPE2, "pipe2", pipe2, false),
	SLOT(S_CAPGET, "capget", capget_raw, false),
	SLOT(S_OPEN, "open", open, false),
	SLOT(S_IO_SETUP, "io_setup", io_setup_raw, false),
	SLOT(S_IO_SUBMIT, "io_submit", io_submit_raw, false),
	SLOT(S_IO_GETEVENTS, "io_getevents", io_pgetevents_raw, false),
	SLOT(S_FUTEX, "futex", futex_raw, false),
	SLOT(S_FUTEX_WAITV, "futex_waitv", futex_waitv_raw, false),
	SLOT(S_FUTEX_WAKE, "futex_wake", futex_wake_raw, false),
	SLOT(S_FUTEX_WAIT, "futex_wait", futex_wait_raw, false),
	SLOT(S_KCMP, "kcmp", kcmp_raw, false),
	SLOT(S_WAITID, "waitid", waitid_raw, false),
	SLOT(S_OPENAT, "openat", openat, false),
	SLOT(S_OPENAT2, "openat2", openat2_raw, false),
	SLOT(S_STATX, "statx", statx_raw, false),
	SLOT(S_FADVISE, "fadvise64", fadvise_raw, false),
	SLOT(S_MADVISE, "madvise", madvise, false),
	SLOT(S_FALLOCATE, "fallocate", fallocate, false),
	SLOT(S_FGETXATTR, "fgetxattr", fgetxattr, false),
	SLOT(S_GETXATTR, "getxattr", getxattr, false),
	SLOT(S_FSETXATTR, "fsetxattr", fsetxattr, false),
	SLOT(S_SETXATTR, "setxattr", setxattr, false),
	SLOT(S_RENAMEAT2, "renameat2", renameat2, false),
	SLOT(S_UNLINKAT, "unlinkat", unlinkat, false),
	SLOT(S_MKDIRAT, "mkdirat", mkdirat, false),
	SLOT(S_SYMLINKAT, "symlinkat", symlinkat, false),
	SLOT(S_LINKAT, "linkat", linkat, false),
	SLOT(S_SPLICE, "splice", splice, false),
	SLOT(S_TEE, "tee", tee, false),
	SLOT(S_SENDMSG, "sendmsg", sendmsg, true),
	SLOT(S_RECVMSG, "recvmsg", recvmsg, true),
	SLOT(S_GETSOCKOPT, "getsockopt", getsockopt, false),
	SLOT(S_IOCTL, "ioctl", ioctl, false),
	SLOT(S_SOCKET, "socket", socket, false),
	SLOT(S_BIND, "bind", bind, false),
	SLOT(S_LISTEN, "listen", listen, false),
	SLOT(S_CONNECT, "connect", connect_raw, false),
	SLOT(S_ACCEPT4, "accept4", accept4_raw, false),
	SLOT(S_SHUTDOWN, "shutdown", shutdown, false),
	SLOT(S_SETSOCKOPT, "setsockopt", setsockopt, false),
};
_Static_assert(sizeof(table) / sizeof(table[0]) == S__NR, "syscall table incomplete");

static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
/* number of armed slots; relaxed: a fault armed concurrently with a call may or may not hit it */
static atomic_int nr_armed;
/* of which native AIO slots (io_setup, io_submit, io_getevents) */
static atomic_int nr_aio_armed;

static bool is_aio_slot(int id)
{
	return id == S_IO_SETUP || id == S_IO_SUBMIT || id == S_IO_GETEVENTS;
}

static void count_armed(int id, int delta)
{
	atomic_fetch_add_explicit(&nr_armed, delta, memory_order_relaxed);
	if (is_aio_slot(id))
		atomic_fetch_add_explicit(&nr_aio_armed, delta, memory_order_relaxed);
}

bool sys_any_fault_armed(void)
{
	return atomic_load_explicit(&nr_armed, memory_order_relaxed) > 0;
}

bool sys_other_fault_armed(void)
{
	return atomic_load_explicit(&nr_armed, memory_order_relaxed) >
	       atomic_load_explicit(&nr_aio_armed, memory_order_relaxed);
}

/*
 * Decide the fate of one call of slot id: 0 = make it normally, > 0 = fail it
 * with that errno, and *max set (when not NULL) to a transfer cap.
 */
static int fault_check(int id, size_t *max)
{
	struct slot *s = &table[id];
	int err = 0;

	if (!atomic_load_explicit(&nr_armed, memory_order_relaxed))
		return 0;
	atomic_fetch_add_explicit(&s->calls, 1, memory_order_relaxed);
	pthread_mutex_lock(&fault_lock);
	if (s->armed) {
		if (s->fault.skip) {
			s->fault.skip--;
		} else {
			if (s->fault.error)
				err = s->fault.error;
			else if (max)
				*max = s->fault.max_bytes;
			atomic_fetch_add_explicit(&s->hits, 1, memory_order_relaxed);
			if (s->fault.count > 0 && --s->fault.count == 0) {
				s->armed = false;
				count_armed(id, -1);
			}
		}
	}
	pthread_mutex_unlock(&fault_lock);
	return err;
}

static long ret_errno(long r)
{
	return r < 0 ? -errno : r;
}

/* Copy iov cut to at most max bytes into out (cnt entries at most); new count. */
static int cut_iov(const struct iovec *iov, int cnt, size_t max, struct iovec *out)
{
	int n = 0;

	for (int i = 0; i < cnt && max; i++) {
		out[n] = iov[i];
		if (out[n].iov_len > max)
			out[n].iov_len = max;
		max -= out[n].iov_len;
		n++;
	}
	return n;
}

typedef ssize_t (*rw_fn)(int, const struct iovec *, int, off_t, int);

/*
 * The plain path of the two hottest calls: with no fault armed and the real
 * function in the slot, make the system call directly (arch.h), without
 * glibc's wrapper (its cancellation hooks and errno) in between.  Sanitizer
 * builds keep the wrapper, which their runtimes intercept to see the buffer
 * being written.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1 /* clang */
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1 /* gcc */
#endif
#if ARCH_RAW_SYSCALL && !defined(SANITIZED)
#define RAW_RWV 1
static inline long raw_rwv(long nr, int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	/* preadv2/pwritev2 take the offset as (low, high); 64-bit: high is 0 */
	return arch_syscall6(nr, fd, (long)iov, cnt, (long)off, 0, flags);
}
#endif

static ssize_t rwv(int id, int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	size_t max = (size_t)-1;
	int err;
	rw_fn fn = (rw_fn)table[id].fn;

#ifdef RAW_RWV
	if (!atomic_load_explicit(&nr_armed, memory_order_relaxed)) {
		if (id == S_PREADV2 && fn == preadv2)
			return raw_rwv(SYS_preadv2, fd, iov, cnt, off, flags);
		if (id == S_PWRITEV2 && fn == pwritev2)
			return raw_rwv(SYS_pwritev2, fd, iov, cnt, off, flags);
	}
#endif
	err = fault_check(id, &max);

	if (err)
		return -err;
	if (max != (size_t)-1 && cnt > 0) {
		struct iovec small[8], *cut = small;
		ssize_t r;
		int n;

		if (cnt > 8) {
			cut = malloc(sizeof(*cut) * cnt);
			if (!cut)
				return -ENOMEM;
		}
		n = cut_iov(iov, cnt, max, cut);
		/* zero bytes allowed: looks like EOF (or a zero-length write) */
		r = n ? fn(fd, cut, n, off, flags) : 0;
		r = ret_errno(r);
		if (cut != small)
			free(cut);
		return r;
	}
	return ret_errno(fn(fd, iov, cnt, off, flags));
}

ssize_t sys_preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return rwv(S_PREADV2, fd, iov, cnt, off, flags);
}

ssize_t sys_pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	return rwv(S_PWRITEV2, fd, iov, cnt, off, flags);
}

ssize_t sys_read(int fd, void *buf, size_t len)
{
	size_t max = (size_t)-1;
	int err = fault_check(S_READ, &max);

	if (err)
		return -err;
	if (len > max)
		len = max;
#ifdef RAW_RWV
	/* directly, as sys_close() says why: libc's read() of a number that
	 * once was a ring fd is trapped under the shim */
	if (table[S_READ].fn == (sys_fn)read)
		return arch_syscall6(SYS_read, fd, (long)buf, (long)len, 0, 0, 0);
#endif
	return ret_errno(((ssize_t(*)(int, void *, size_t))table[S_READ].fn)(fd, buf, len));
}

ssize_t sys_write(int fd, const void *buf, size_t len)
{
	size_t max = (size_t)-1;
	int err = fault_check(S_WRITE, &max);

	if (err)
		return -err;
	if (len > max)
		len = max;
#ifdef RAW_RWV
	/* directly, as sys_read() */
	if (table[S_WRITE].fn == (sys_fn)write)
		return arch_syscall6(SYS_write, fd, (long)buf, (long)len, 0, 0, 0);
#endif
	return ret_errno(((ssize_t(*)(int, const void *, size_t))table[S_WRITE].fn)(fd, buf, len));
}

#define CALL(id, type, ...)                                     \
	do {                                                    \
		int err_ = fault_check(id, NULL);               \
		if (err_)                                       \
			return -err_;                           \
		return ret_errno(((type)table[id].fn)(__VA_ARGS__)); \
	} while (0)

int sys_close(int fd)
{
#ifdef RAW_RWV
	/*
	 * Directly, not through libc's close(): under the preload shim, a close
	 * libc makes of a number that once was a ring fd is trapped, and the
	 * engine's close of its own file under that number would be taken for
	 * the program's close of the ring (torn down from the engine's own
	 * thread: an SQ poller holding its lock deadlocked in sqpoll_detach()).
	 * The engine's own text is not trapped.
	 */
	int err = fault_check(S_CLOSE, NULL);

	if (err)
		return -err;
	if (table[S_CLOSE].fn == (sys_fn)close)
		return (int)arch_syscall6(SYS_close, fd, 0, 0, 0, 0, 0);
	return ret_errno(((int (*)(int))table[S_CLOSE].fn)(fd));
#else
	CALL(S_CLOSE, int (*)(int), fd);
#endif
}

int sys_fcntl(int fd, int cmd, long arg)
{
	CALL(S_FCNTL, int (*)(int, int, ...), fd, cmd, arg);
}

int sys_kcmp_files(int fd1, int fd2)
{
	pid_t pid = getpid();

	CALL(S_KCMP, int (*)(pid_t, pid_t, int, unsigned long, unsigned long), pid, pid,
	     0 /* KCMP_FILE */, (unsigned long)fd1, (unsigned long)fd2);
}

int sys_fstat(int fd, struct stat *st)
{
	CALL(S_FSTAT, int (*)(int, struct stat *), fd, st);
}

int sys_fsync(int fd)
{
	CALL(S_FSYNC, int (*)(int), fd);
}

int sys_fdatasync(int fd)
{
	CALL(S_FDATASYNC, int (*)(int), fd);
}

int sys_sync_file_range(int fd, off_t off, off_t len, unsigned flags)
{
	CALL(S_SYNC_FILE_RANGE, int (*)(int, off_t, off_t, unsigned), fd, off, len, flags);
}

int sys_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	CALL(S_POLL, int (*)(struct pollfd *, nfds_t, int), fds, n, timeout);
}

int sys_poll_now(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	do
		ret = sys_poll(&pfd, 1, 0);
	while (ret == -EINTR);
	return ret < 0 ? ret : (unsigned short)pfd.revents;
}

int sys_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	CALL(S_PPOLL, int (*)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *),
	     fds, n, ts, mask);
}

int sys_epoll_create1(int flags)
{
	CALL(S_EPOLL_CREATE1, int (*)(int), flags);
}

int sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	CALL(S_EPOLL_CTL, int (*)(int, int, int, struct epoll_event *), epfd, op, fd, ev);
}

int sys_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	CALL(S_EPOLL_WAIT, int (*)(int, struct epoll_event *, int, int), epfd, ev, max, timeout);
}

int sys_eventfd(unsigned initval, int flags)
{
	CALL(S_EVENTFD, int (*)(unsigned, int), initval, flags);
}

int sys_memfd_create(const char *name, unsigned flags)
{
	CALL(S_MEMFD_CREATE, int (*)(const char *, unsigned), name, flags);
}

int sys_ftruncate(int fd, off_t len)
{
	CALL(S_FTRUNCATE, int (*)(int, off_t), fd, len);
}

void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, int *err)
{
	int e = fault_check(S_MMAP, NULL);
	void *p;

	if (e) {
		*err = -e;
		return NULL;
	}
	p = ((void *(*)(void *, size_t, int, int, int, off_t))table[S_MMAP].fn)(addr, len, prot,
									     flags, fd, off);
	if (p == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	return p;
}

int sys_munmap(void *addr, size_t len)
{
	CALL(S_MUNMAP, int (*)(void *, size_t), addr, len);
}

ssize_t sys_process_vm_readv(const struct iovec *local, unsigned long nl,
			     const struct iovec *remote, unsigned long nr)
{
	CALL(S_PROCESS_VM_READV,
	     ssize_t(*)(pid_t, const struct iovec *, unsigned long, const struct iovec *,
			unsigned long, unsigned long),
	     getpid(), local, nl, remote, nr, 0);
}

ssize_t sys_process_vm_writev(const struct iovec *local, unsigned long nl,
			      const struct iovec *remote, unsigned long nr)
{
	CALL(S_PROCESS_VM_WRITEV,
	     ssize_t(*)(pid_t, const struct iovec *, unsigned long, const struct iovec *,
			unsigned long, unsigned long),
	     getpid(), local, nl, remote, nr, 0);
}

int sys_mincore(void *addr, size_t len, unsigned char *vec)
{
	CALL(S_MINCORE, int (*)(void *, size_t, unsigned char *), addr, len, vec);
}

int sys_getrlimit(int res, struct rlimit *rl)
{
	CALL(S_GETRLIMIT, int (*)(int, struct rlimit *), res, rl);
}

ssize_t sys_readlink(const char *path, char *buf, size_t len)
{
	CALL(S_READLINK, ssize_t(*)(const char *, char *, size_t), path, buf, len);
}

int sys_pipe2(int fds[2], int flags)
{
	CALL(S_PIPE2, int (*)(int *, int), fds, flags);
}

long sys_futex(uint32_t *uaddr, int op, uint32_t val, unsigned long val2, uint32_t *uaddr2,
	       uint32_t val3)
{
	CALL(S_FUTEX, long (*)(uint32_t *, int, uint32_t, unsigned long, uint32_t *, uint32_t),
	     uaddr, op, val, val2, uaddr2, val3);
}

long sys_futex_waitv(void *waiters, unsigned nr, unsigned flags, const struct timespec *ts,
		     int clockid)
{
	CALL(S_FUTEX_WAITV, long (*)(void *, unsigned, unsigned, const struct timespec *, int),
	     waiters, nr, flags, ts, clockid);
}

long sys_futex_wake(void *uaddr, unsigned long mask, int nr, unsigned flags)
{
	CALL(S_FUTEX_WAKE, long (*)(void *, unsigned long, int, unsigned), uaddr, mask, nr, flags);
}

long sys_futex_wait(void *uaddr, unsigned long val, unsigned long mask, unsigned flags,
		    const struct timespec *ts, int clockid)
{
	CALL(S_FUTEX_WAIT,
	     long (*)(void *, unsigned long, unsigned long, unsigned, const struct timespec *, int),
	     uaddr, val, mask, flags, ts, clockid);
}

int sys_waitid(int which, int id, siginfo_t *si, int options)
{
	CALL(S_WAITID, int (*)(int, int, siginfo_t *, int), which, id, si, options);
}

int sys_renameat2(int olddfd, const char *oldpath, int newdfd, const char *newpath, unsigned flags)
{
	CALL(S_RENAMEAT2, int (*)(int, const char *, int, const char *, unsigned), olddfd, oldpath,
	     newdfd, newpath, flags);
}

int sys_unlinkat(int dfd, const char *path, int flags)
{
	CALL(S_UNLINKAT, int (*)(int, const char *, int), dfd, path, flags);
}

int sys_mkdirat(int dfd, const char *path, mode_t mode)
{
	CALL(S_MKDIRAT, int (*)(int, const char *, mode_t), dfd, path, mode);
}

int sys_symlinkat(const char *target, int newdfd, const char *linkpath)
{
	CALL(S_SYMLINKAT, int (*)(const char *, int, const char *), target, newdfd, linkpath);
}

int sys_linkat(int olddfd, const char *oldpath, int newdfd, const char *newpath, int flags)
{
	CALL(S_LINKAT, int (*)(int, const char *, int, const char *, int), olddfd, oldpath, newdfd,
	     newpath, flags);
}

int sys_capget(void *hdr, void *data)
{
	CALL(S_CAPGET, int (*)(void *, void *), hdr, data);
}

int sys_open(const char *path, int flags)
{
	CALL(S_OPEN, int (*)(const char *, int, ...), path, flags);
}

int sys_openat(int dfd, const char *path, int flags, unsigned mode)
{
	CALL(S_OPENAT, int (*)(int, const char *, int, ...), dfd, path, flags, mode);
}

int sys_openat2(int dfd, const char *path, const void *how, size_t size)
{
	CALL(S_OPENAT2, long (*)(int, const char *, const void *, size_t), dfd, path, how, size);
}

/*
 * The lowest number for the engine's own fds: half the soft RLIMIT_NOFILE, at
 * most 1024 (0: leave them where they are).  The kernel's io_uring opens no
 * fd in the process; the engine's eventfds and duplicates stay out of the
 * numbers an application uses and reuses, so a number the application just
 * closed still says EBADF.
 */
int sys_fd_floor(void)
{
	static atomic_int floor_cache = -1;
	int f = atomic_load_explicit(&floor_cache, memory_order_relaxed);
	struct rlimit rl;

	if (f >= 0)
		return f;
	f = 0;
	if (sys_getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= 256)
		f = rl.rlim_cur / 2 > 1024 ? 1024 : (int)(rl.rlim_cur / 2);
	atomic_store_explicit(&floor_cache, f, memory_order_relaxed);
	return f;
}

int sys_fd_move_high(int fd)
{
	int floor = sys_fd_floor(), nfd;

	if (fd < 0 || fd >= floor)
		return fd;
	nfd = sys_fcntl(fd, F_DUPFD_CLOEXEC, floor);
	if (nfd < 0)
		return fd; /* the table is full up there: keep the low one */
	sys_close(fd);
	return nfd;
}

int sys_fd_can_poll(int fd)
{
	struct epoll_event ev = { .events = 0 };
	struct stat st;
	int epfd, ret;

	if (sys_fstat(fd, &st) < 0)
		return -EBADF;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return 1;
	epfd = sys_epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return 1; /* cannot tell: as a file that can */
	ret = sys_epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	sys_close(epfd);
	return ret != -EPERM;
}

static pthread_mutex_t nonblock_lock = PTHREAD_MUTEX_INITIALIZER;

long sys_call_nonblock(int fd, long (*fn)(int fd, void *arg), void *arg)
{
	int fl;
	long ret;

	/*
	 * Under the lock even when the file has O_NONBLOCK already: it may be
	 * another engine call's, set for that call alone on the same file
	 * description (two ACCEPTs on one listener, in the reactor thread and
	 * in a submitter) and cleared when it returns, in the middle of fn
	 * here, which then blocked.
	 */
	pthread_mutex_lock(&nonblock_lock);
	fl = sys_fcntl(fd, F_GETFL, 0);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		ret = sys_fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	else
		ret = fl < 0 ? fl : 0;
	if (!ret) {
		ret = fn(fd, arg);
		if (!(fl & O_NONBLOCK))
			sys_fcntl(fd, F_SETFL, fl);
	}
	pthread_mutex_unlock(&nonblock_lock);
	return ret;
}

/* Does the process run one thread (/proc/self/stat's num_threads)? */
static bool one_thread(void)
{
	char buf[512], *p;
	int fd = sys_open("/proc/self/stat", O_RDONLY | O_CLOEXEC), field = 2;
	ssize_t n;

	if (fd < 0)
		return false;
	n = sys_read(fd, buf, sizeof(buf) - 1);
	sys_close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	/* the command name (field 2) may hold spaces: count from its end */
	p = strrchr(buf, ')');
	while (p && field < 20) {
		p = strchr(p + 1, ' ');
		field++;
	}
	return p && atoi(p + 1) == 1;
}

/*
 * Growing the fd table of a process with several threads waits for an RCU
 * grace period (the kernel's expand_fdtable(): ~10-15 ms here).  The
 * engine's first descriptor placed high (a request holding its file, a
 * worker's or a poll's) would pay it in the middle of I/O: a worker's
 * IOSQE_ASYNC poll then arms that much later.  Grown at a ring setup while
 * the process has one thread, it costs nothing of the kind; a process that
 * already runs threads is left as it was (growing it there would make every
 * such setup pay, a fork-and-setup loop every time).
 */
void sys_fd_table_grow(int fd)
{
	static atomic_bool grown;
	int nfd;

	if (atomic_load_explicit(&grown, memory_order_relaxed) || !sys_fd_floor() ||
	    !one_thread())
		return;
	nfd = sys_fcntl(fd, F_DUPFD_CLOEXEC, sys_fd_floor());
	if (nfd >= 0)
		sys_close(nfd);
	atomic_store_explicit(&grown, true, memory_order_relaxed);
}

int sys_dup_high(int fd)
{
	int floor = sys_fd_floor(), nfd = -EMFILE;

	if (floor)
		nfd = sys_fcntl(fd, F_DUPFD_CLOEXEC, floor);
	if (nfd == -EMFILE || nfd == -EINVAL)
		nfd = sys_fcntl(fd, F_DUPFD_CLOEXEC, 0); /* no room up there */
	return nfd;
}

/* what /proc/self/fd/fd links to ("anon_inode:[eventfd]", ...); 0 or -errno */
int sys_fd_link(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = sys_readlink(path, buf, len - 1);
	if (n < 0)
		return (int)n;
	buf[n] = 0;
	return 0;
}

int sys_io_setup(unsigned nr, aio_context_t *ctx)
{
	CALL(S_IO_SETUP, int (*)(unsigned, aio_context_t *), nr, ctx);
}

/* not in the table: teardown has nothing to fall back to */
int sys_io_destroy(aio_context_t ctx)
{
	return ret_errno(syscall(SYS_io_destroy, ctx));
}

/* not in the table: a cancel that fails changes nothing (the event comes) */
int sys_io_cancel(aio_context_t ctx, struct iocb *cb, struct io_event *ev)
{
	return ret_errno(syscall(SYS_io_cancel, ctx, cb, ev));
}

long sys_io_submit(aio_context_t ctx, long n, struct iocb **cbs)
{
#ifdef RAW_RWV
	/* the hot path of every read and write: no libc syscall() in between */
	if (!atomic_load_explicit(&nr_armed, memory_order_relaxed) &&
	    table[S_IO_SUBMIT].fn == (sys_fn)io_submit_raw)
		return arch_syscall6(SYS_io_submit, (long)ctx, n, (long)cbs, 0, 0, 0);
#endif
	CALL(S_IO_SUBMIT, long (*)(aio_context_t, long, struct iocb **), ctx, n, cbs);
}

long sys_io_getevents(aio_context_t ctx, long min, long max, struct io_event *ev,
		      struct timespec *ts, const sigset_t *mask)
{
	CALL(S_IO_GETEVENTS,
	     long (*)(aio_context_t, long, long, struct io_event *, struct timespec *,
		      const sigset_t *),
	     ctx, min, max, ev, ts, mask);
}

/* The public fault-injection API. */

static int find(const char *call)
{
	if (!call)
		return -1;
	for (int i = 0; i < S__NR; i++)
		if (!strcmp(table[i].name, call))
			return i;
	return -1;
}

RINGER_API int ringer_fault_set(const char *call, const struct ringer_fault *f)
{
	int id = find(call);

	if (id < 0)
		return -ENOENT;
	if (!f || f->error < 0 || f->count == 0 || f->count < RINGER_FAULT_ALWAYS)
		return -EINVAL;
	if (!f->error && !table[id].data)
		return -EINVAL;
	pthread_mutex_lock(&fault_lock);
	if (!table[id].armed)
		count_armed(id, 1);
	table[id].armed = true;
	table[id].fault = *f;
	pthread_mutex_unlock(&fault_lock);
	return 0;
}

RINGER_API int ringer_fault_error(const char *call, int error, int count)
{
	struct ringer_fault f = { .error = error, .count = count };

	if (error <= 0)
		return -EINVAL;
	return ringer_fault_set(call, &f);
}

RINGER_API int ringer_fault_short(const char *call, size_t max_bytes, int count)
{
	struct ringer_fault f = { .max_bytes = max_bytes, .count = count };

	return ringer_fault_set(call, &f);
}

RINGER_API void ringer_fault_reset(void)
{
	pthread_mutex_lock(&fault_lock);
	for (int i = 0; i < S__NR; i++) {
		table[i].armed = false;
		atomic_store_explicit(&table[i].calls, 0, memory_order_relaxed);
		atomic_store_explicit(&table[i].hits, 0, memory_order_relaxed);
	}
	atomic_store_explicit(&nr_armed, 0, memory_order_relaxed);
	atomic_store_explicit(&nr_aio_armed, 0, memory_order_relaxed);
	pthread_mutex_unlock(&fault_lock);
}

RINGER_API long ringer_fault_hits(const char *call)
{
	int id = find(call);

	return id < 0 ? -ENOENT : atomic_load_explicit(&table[id].hits, memory_order_relaxed);
}

RINGER_API long ringer_fault_calls(const char *call)
{
	int id = find(call);

	return id < 0 ? -ENOENT : atomic_load_explicit(&table[id].calls, memory_order_relaxed);
}

RINGER_API const char *ringer_fault_name(unsigned i)
{
	return i < S__NR ? table[i].name : NULL;
}

int sys_statx(int dfd, const char *path, int flags, unsigned mask, void *buf)
{
	CALL(S_STATX, int (*)(int, const char *, int, unsigned, void *), dfd, path, flags, mask,
	     buf);
}

int sys_fadvise(int fd, off_t off, off_t len, int advice)
{
	CALL(S_FADVISE, int (*)(int, off_t, off_t, int), fd, off, len, advice);
}

int sys_madvise(void *addr, size_t len, int advice)
{
	CALL(S_MADVISE, int (*)(void *, size_t, int), addr, len, advice);
}

int sys_fallocate(int fd, int mode, off_t off, off_t len)
{
	CALL(S_FALLOCATE, int (*)(int, int, off_t, off_t), fd, mode, off, len);
}

ssize_t sys_fgetxattr(int fd, const char *name, void *value, size_t size)
{
	CALL(S_FGETXATTR, ssize_t (*)(int, const char *, void *, size_t), fd, name, value, size);
}

ssize_t sys_getxattr(const char *path, const char *name, void *value, size_t size)
{
	CALL(S_GETXATTR, ssize_t (*)(const char *, const char *, void *, size_t), path, name,
	     value, size);
}

int sys_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)
{
	CALL(S_FSETXATTR, int (*)(int, const char *, const void *, size_t, int), fd, name, value,
	     size, flags);
}

int sys_setxattr(const char *path, const char *name, const void *value, size_t size, int flags)
{
	CALL(S_SETXATTR, int (*)(const char *, const char *, const void *, size_t, int), path,
	     name, value, size, flags);
}

ssize_t sys_splice(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out, size_t len,
		   unsigned flags)
{
	CALL(S_SPLICE, ssize_t(*)(int, int64_t *, int, int64_t *, size_t, unsigned), fd_in, off_in,
	     fd_out, off_out, len, flags);
}

ssize_t sys_tee(int fd_in, int fd_out, size_t len, unsigned flags)
{
	CALL(S_TEE, ssize_t(*)(int, int, size_t, unsigned), fd_in, fd_out, len, flags);
}

/*
 * One buffer, no address, no control data: sendto(), the same send
 * (sock_sendmsg() on the same flags) without the kernel copying in a
 * msghdr and its iovec, as io_uring's own SEND does (import_ubuf()).
 */
ssize_t sys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	int err = fault_check(S_SENDMSG, NULL);

	if (err)
		return -err;
	if (msg->msg_iovlen == 1 && !msg->msg_name && !msg->msg_controllen)
		return ret_errno(sendto(fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len,
					flags, NULL, 0));
	return ret_errno(((ssize_t(*)(int, const struct msghdr *, int))table[S_SENDMSG].fn)(
		fd, msg, flags));
}

ssize_t sys_recvmsg(int fd, struct msghdr *msg, int flags)
{
	CALL(S_RECVMSG, ssize_t(*)(int, struct msghdr *, int), fd, msg, flags);
}

ssize_t sys_recv_data(int fd, struct msghdr *msg, int flags)
{
	int err;

	if (msg->msg_iovlen != 1 || msg->msg_name || msg->msg_controllen)
		return sys_recvmsg(fd, msg, flags);
	err = fault_check(S_RECVMSG, NULL);
	if (err)
		return -err;
	return ret_errno(recvfrom(fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len, flags,
				  NULL, NULL));
}

int sys_socket(int domain, int type, int protocol)
{
	CALL(S_SOCKET, int (*)(int, int, int), domain, type, protocol);
}

int sys_bind(int fd, const void *addr, unsigned len)
{
	CALL(S_BIND, int (*)(int, const void *, socklen_t), fd, addr, len);
}

int sys_listen(int fd, int backlog)
{
	CALL(S_LISTEN, int (*)(int, int), fd, backlog);
}

int sys_connect(int fd, const void *addr, unsigned len)
{
	CALL(S_CONNECT, int (*)(int, const void *, socklen_t), fd, addr, len);
}

int sys_accept4(int fd, void *addr, unsigned *len, int flags)
{
	CALL(S_ACCEPT4, int (*)(int, void *, socklen_t *, int), fd, addr, len, flags);
}

int sys_shutdown(int fd, int how)
{
	CALL(S_SHUTDOWN, int (*)(int, int), fd, how);
}

int sys_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	CALL(S_GETSOCKOPT, int (*)(int, int, int, void *, socklen_t *), fd, level, name, val, len);
}

int sys_ioctl_int(int fd, unsigned long req, int *val)
{
	CALL(S_IOCTL, int (*)(int, unsigned long, ...), fd, req, val);
}

int sys_setsockopt(int fd, int level, int name, const void *val, unsigned len)
{
	CALL(S_SETSOCKOPT, int (*)(int, int, int, const void *, socklen_t), fd, level, name, val,
	     len);
}
