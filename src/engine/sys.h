/* SPDX-License-Identifier: MIT */
/*
 * The engine's system calls.  Every call the engine makes goes through one of
 * these wrappers, which call through one table (sys.c) so that a test can make
 * any of them fail or come up short (include/ringer/fault.h).  They return
 * the kernel convention: a result >= 0 or -errno; errno is left alone.
 */
#ifndef RINGER_ENGINE_SYS_H
#define RINGER_ENGINE_SYS_H

#include <linux/aio_abi.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

ssize_t sys_preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags);
ssize_t sys_pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags);
ssize_t sys_read(int fd, void *buf, size_t len);
ssize_t sys_write(int fd, const void *buf, size_t len);
int sys_close(int fd);
int sys_fcntl(int fd, int cmd, long arg);
int sys_fstat(int fd, struct stat *st);
/* kcmp(KCMP_FILE) in this process: 0 the same open file, 1 or 2 an order,
 * or -errno (-ENOSYS without CONFIG_KCMP, -EPERM under some seccomp) */
int sys_kcmp_files(int fd1, int fd2);
int sys_fsync(int fd);
int sys_fdatasync(int fd);
int sys_sync_file_range(int fd, off_t off, off_t len, unsigned flags);
int sys_poll(struct pollfd *fds, nfds_t n, int timeout);
/* poll(2) of one fd for events, without waiting, again after -EINTR: its revents, or -errno */
int sys_poll_now(int fd, short events);
int sys_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask);
int sys_epoll_create1(int flags);
int sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int sys_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout);
int sys_eventfd(unsigned initval, int flags);
int sys_memfd_create(const char *name, unsigned flags);
int sys_ftruncate(int fd, off_t len);
int sys_statx(int dfd, const char *path, int flags, unsigned mask, void *buf);
int sys_fadvise(int fd, off_t off, off_t len, int advice);
int sys_madvise(void *addr, size_t len, int advice);
int sys_fallocate(int fd, int mode, off_t off, off_t len);
ssize_t sys_fgetxattr(int fd, const char *name, void *value, size_t size);
ssize_t sys_getxattr(const char *path, const char *name, void *value, size_t size);
int sys_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags);
int sys_setxattr(const char *path, const char *name, const void *value, size_t size, int flags);
/* returns MAP_FAILED-free convention: the address, or NULL with *err set */
void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, int *err);
int sys_munmap(void *addr, size_t len);
ssize_t sys_process_vm_readv(const struct iovec *local, unsigned long nl,
			     const struct iovec *remote, unsigned long nr);
ssize_t sys_process_vm_writev(const struct iovec *local, unsigned long nl,
			      const struct iovec *remote, unsigned long nr);
int sys_mincore(void *addr, size_t len, unsigned char *vec);
int sys_getrlimit(int res, struct rlimit *rl);
ssize_t sys_readlink(const char *path, char *buf, size_t len);
int sys_pipe2(int fds[2], int flags);
int sys_capget(void *hdr, void *data);
/* futex(2) (FUTEX_CMP_REQUEUE...), and the futex2 calls futex_waitv,
 * futex_wake, futex_wait (their futex2 flags; absolute timeouts) */
long sys_futex(uint32_t *uaddr, int op, uint32_t val, unsigned long val2, uint32_t *uaddr2,
	       uint32_t val3);
long sys_futex_waitv(void *waiters, unsigned nr, unsigned flags, const struct timespec *ts,
		     int clockid);
int sys_waitid(int which, int id, siginfo_t *si, int options); /* no rusage */
long sys_futex_wake(void *uaddr, unsigned long mask, int nr, unsigned flags);
long sys_futex_wait(void *uaddr, unsigned long val, unsigned long mask, unsigned flags,
		    const struct timespec *ts, int clockid);
int sys_open(const char *path, int flags);
int sys_openat(int dfd, const char *path, int flags, unsigned mode);
int sys_openat2(int dfd, const char *path, const void *how, size_t size);
int sys_renameat2(int olddfd, const char *oldpath, int newdfd, const char *newpath, unsigned flags);
int sys_unlinkat(int dfd, const char *path, int flags);
int sys_mkdirat(int dfd, const char *path, mode_t mode);
int sys_symlinkat(const char *target, int newdfd, const char *linkpath);
int sys_linkat(int olddfd, const char *oldpath, int newdfd, const char *newpath, int flags);
/* splice(2) (offsets NULL or the engine's own copy) and tee(2) */
ssize_t sys_splice(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out, size_t len,
		   unsigned flags);
ssize_t sys_tee(int fd_in, int fd_out, size_t len, unsigned flags);
struct msghdr;
ssize_t sys_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t sys_recvmsg(int fd, struct msghdr *msg, int flags);
/*
 * sys_recvmsg() for a caller that reads back only the bytes (not
 * msg_flags, a name or control data): a single buffer is received with
 * recvfrom(), without the kernel copying in a msghdr and its iovec (as
 * io_uring's own RECV, import_ubuf()).  The "recvmsg" fault slot.
 */
ssize_t sys_recv_data(int fd, struct msghdr *msg, int flags);
int sys_getsockopt(int fd, int level, int name, void *val, unsigned *len);
/* an ioctl whose argument is an int the kernel writes (SIOCINQ, SIOCOUTQ) */
int sys_ioctl_int(int fd, unsigned long req, int *val);
/* sockets: connection ops (ops/net.c) */
int sys_socket(int domain, int type, int protocol);
int sys_bind(int fd, const void *addr, unsigned len);
int sys_listen(int fd, int backlog);
int sys_connect(int fd, const void *addr, unsigned len);
int sys_accept4(int fd, void *addr, unsigned *len, int flags);
int sys_shutdown(int fd, int how);
int sys_setsockopt(int fd, int level, int name, const void *val, unsigned len);
/* the engine's own fds: at or above sys_fd_floor() when there is room */
int sys_fd_floor(void);
int sys_fd_move_high(int fd);
int sys_dup_high(int fd); /* F_DUPFD_CLOEXEC, high if there is room */
/*
 * fn(fd, arg) with O_NONBLOCK on fd's file, as the kernel makes a call with
 * its own "don't wait" flag where the system call has none: set for the
 * call when the file lacks it, cleared after.  The engine's calls are
 * serialized, so one thread does not clear the flag under another's call
 * (nor takes another's flag for the file's own); the program sees the flag
 * meanwhile (engine.h).  fn's result, or
 * F_GETFL/F_SETFL's -errno.
 */
long sys_call_nonblock(int fd, long (*fn)(int fd, void *arg), void *arg);
/* once per process: make room for the high descriptors (a dup of fd) */
void sys_fd_table_grow(int fd);
int sys_fd_link(int fd, char *buf, size_t len); /* readlink of /proc/self/fd/fd */
/* the kernel's io_file_can_poll(): the file has a poll method (epoll takes
 * it; a regular file, a directory, /dev/null do not): 1, 0, or -EBADF */
int sys_fd_can_poll(int fd);
/* native AIO; sys_io_getevents with a mask is io_pgetevents */
int sys_io_setup(unsigned nr, aio_context_t *ctx);
int sys_io_destroy(aio_context_t ctx);
int sys_io_cancel(aio_context_t ctx, struct iocb *cb, struct io_event *ev);
long sys_io_submit(aio_context_t ctx, long n, struct iocb **cbs);
long sys_io_getevents(aio_context_t ctx, long min, long max, struct io_event *ev,
		      struct timespec *ts, const sigset_t *mask);
/*
 * A fault is armed on a call other than io_setup/io_submit/io_getevents: the
 * engine then makes reads and writes with preadv2/pwritev2, where a test's
 * fault applies, instead of through native AIO.
 */
bool sys_other_fault_armed(void);
bool sys_any_fault_armed(void);

#endif /* RINGER_ENGINE_SYS_H */
