/* SPDX-License-Identifier: MIT */
/*
 * The prep helpers of the event-loop opcodes (timeouts, cancellation, polls,
 * MSG_RING, futexes, waitid, epoll, splice, tee, pipe), the waiting calls
 * and the tagged resource registrations, held to liburing 2.15's
 * signatures (and the helpers to its SQE encodings).
 *
 * Signatures: each function is assigned to a pointer of the type liburing
 * 2.15 declares it with; this file is built with -Werror, so a parameter
 * of another type fails the build.  Encodings: each helper fills an SQE
 * that starts as garbage, and every field is compared with what liburing
 * 2.15's helper puts there.
 */
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

struct futex_waitv;

/* The liburing 2.15 types. */
static void (*const p_nop)(struct io_uring_sqe *) = io_uring_prep_nop;
static void (*const p_fixed_fd_install)(struct io_uring_sqe *, int,
				       unsigned int) = io_uring_prep_fixed_fd_install;
static void (*const p_timeout)(struct io_uring_sqe *, const struct __kernel_timespec *, unsigned,
			       unsigned) = io_uring_prep_timeout;
static void (*const p_timeout_remove)(struct io_uring_sqe *, __u64,
				      unsigned) = io_uring_prep_timeout_remove;
static void (*const p_timeout_update)(struct io_uring_sqe *, const struct __kernel_timespec *,
				      __u64, unsigned) = io_uring_prep_timeout_update;
static void (*const p_link_timeout)(struct io_uring_sqe *, const struct __kernel_timespec *,
				    unsigned) = io_uring_prep_link_timeout;
static void (*const p_cancel)(struct io_uring_sqe *, const void *, int) = io_uring_prep_cancel;
static void (*const p_cancel64)(struct io_uring_sqe *, __u64, int) = io_uring_prep_cancel64;
static void (*const p_cancel_fd)(struct io_uring_sqe *, int,
				 unsigned int) = io_uring_prep_cancel_fd;
static void (*const p_poll_add)(struct io_uring_sqe *, int, unsigned) = io_uring_prep_poll_add;
static void (*const p_poll_multishot)(struct io_uring_sqe *, int,
				      unsigned) = io_uring_prep_poll_multishot;
static void (*const p_poll_remove)(struct io_uring_sqe *, __u64) = io_uring_prep_poll_remove;
static void (*const p_poll_update)(struct io_uring_sqe *, __u64, __u64, unsigned,
				   unsigned) = io_uring_prep_poll_update;
static void (*const p_msg_ring)(struct io_uring_sqe *, int, unsigned int, __u64,
				unsigned int) = io_uring_prep_msg_ring;
static void (*const p_msg_ring_cqe_flags)(struct io_uring_sqe *, int, unsigned int, __u64,
					  unsigned int,
					  unsigned int) = io_uring_prep_msg_ring_cqe_flags;
static void (*const p_msg_ring_fd)(struct io_uring_sqe *, int, int, int, __u64,
				   unsigned int) = io_uring_prep_msg_ring_fd;
static void (*const p_msg_ring_fd_alloc)(struct io_uring_sqe *, int, int, __u64,
					 unsigned int) = io_uring_prep_msg_ring_fd_alloc;
static void (*const p_waitid)(struct io_uring_sqe *, idtype_t, id_t, siginfo_t *, int,
			      unsigned int) = io_uring_prep_waitid;
static void (*const p_futex_wake)(struct io_uring_sqe *, const uint32_t *, uint64_t, uint64_t,
				  uint32_t, unsigned int) = io_uring_prep_futex_wake;
static void (*const p_futex_wait)(struct io_uring_sqe *, const uint32_t *, uint64_t, uint64_t,
				  uint32_t, unsigned int) = io_uring_prep_futex_wait;
static void (*const p_futex_waitv)(struct io_uring_sqe *, const struct futex_waitv *, uint32_t,
				   unsigned int) = io_uring_prep_futex_waitv;
static void (*const p_epoll_ctl)(struct io_uring_sqe *, int, int, int,
				 const struct epoll_event *) = io_uring_prep_epoll_ctl;
static void (*const p_epoll_wait)(struct io_uring_sqe *, int, struct epoll_event *, int,
				  unsigned) = io_uring_prep_epoll_wait;

static void (*const p_splice)(struct io_uring_sqe *, int, int64_t, int, int64_t, unsigned int,
			      unsigned int) = io_uring_prep_splice;
static void (*const p_tee)(struct io_uring_sqe *, int, int, unsigned int,
			   unsigned int) = io_uring_prep_tee;
static void (*const p_pipe)(struct io_uring_sqe *, int *, int) = io_uring_prep_pipe;
static void (*const p_send_zc)(struct io_uring_sqe *, int, const void *, size_t, int,
			       unsigned) = io_uring_prep_send_zc;
static void (*const p_send_zc_fixed)(struct io_uring_sqe *, int, const void *, size_t, int,
				     unsigned, unsigned) = io_uring_prep_send_zc_fixed;
static void (*const p_sendmsg_zc)(struct io_uring_sqe *, int, const struct msghdr *,
				  unsigned) = io_uring_prep_sendmsg_zc;
static void (*const p_sendto)(struct io_uring_sqe *, int, const void *, size_t, int,
			      const struct sockaddr *, socklen_t) = io_uring_prep_sendto;
static void (*const p_pipe_direct)(struct io_uring_sqe *, int *, int,
				   unsigned int) = io_uring_prep_pipe_direct;

static void (*const p_socket)(struct io_uring_sqe *, int, int, int,
			      unsigned int) = io_uring_prep_socket;
static void (*const p_socket_direct)(struct io_uring_sqe *, int, int, int, unsigned,
				     unsigned int) = io_uring_prep_socket_direct;
static void (*const p_socket_direct_alloc)(struct io_uring_sqe *, int, int, int,
					   unsigned int) = io_uring_prep_socket_direct_alloc;
static void (*const p_bind)(struct io_uring_sqe *, int, struct sockaddr *,
			    socklen_t) = io_uring_prep_bind;
static void (*const p_listen)(struct io_uring_sqe *, int, int) = io_uring_prep_listen;
static void (*const p_accept_direct)(struct io_uring_sqe *, int, struct sockaddr *, socklen_t *,
				     int, unsigned int) = io_uring_prep_accept_direct;
static void (*const p_multishot_accept)(struct io_uring_sqe *, int, struct sockaddr *,
					socklen_t *, int) = io_uring_prep_multishot_accept;
static void (*const p_multishot_accept_direct)(struct io_uring_sqe *, int, struct sockaddr *,
					       socklen_t *,
					       int) = io_uring_prep_multishot_accept_direct;
static void (*const p_cmd_sock)(struct io_uring_sqe *, int, int, int, int, void *,
				int) = io_uring_prep_cmd_sock;
static void (*const p_uring_cmd)(struct io_uring_sqe *, int, int) = io_uring_prep_uring_cmd;

static int (*const p_wait_cqes)(struct io_uring *, struct io_uring_cqe **, unsigned,
				struct __kernel_timespec *, sigset_t *) = io_uring_wait_cqes;
static int (*const p_wait_cqe_timeout)(struct io_uring *, struct io_uring_cqe **,
				       struct __kernel_timespec *) = io_uring_wait_cqe_timeout;
static int (*const p_wait_cqes_min_timeout)(struct io_uring *, struct io_uring_cqe **, unsigned,
					    struct __kernel_timespec *, unsigned int,
					    sigset_t *) = io_uring_wait_cqes_min_timeout;
static int (*const p_submit_and_wait_timeout)(struct io_uring *, struct io_uring_cqe **, unsigned,
					      struct __kernel_timespec *,
					      sigset_t *) = io_uring_submit_and_wait_timeout;
static int (*const p_submit_and_wait_min_timeout)(
	struct io_uring *, struct io_uring_cqe **, unsigned, struct __kernel_timespec *, unsigned,
	sigset_t *) = io_uring_submit_and_wait_min_timeout;
static int (*const p_enter2)(unsigned int, unsigned int, unsigned int, unsigned int, void *,
			     size_t) = io_uring_enter2;
static int (*const p_register_sync_cancel)(struct io_uring *, struct io_uring_sync_cancel_reg *) =
	io_uring_register_sync_cancel;
static int (*const p_register_clock)(struct io_uring *,
				     struct io_uring_clock_register *) = io_uring_register_clock;
/* provided buffers (liburing 2.15) */
static void (*const p_provide_buffers)(struct io_uring_sqe *, void *, int, int, int,
				       int) = io_uring_prep_provide_buffers;
static void (*const p_remove_buffers)(struct io_uring_sqe *, int, int) =
	io_uring_prep_remove_buffers;
static void (*const p_read_multishot)(struct io_uring_sqe *, int, unsigned, __u64, int) =
	io_uring_prep_read_multishot;
static int (*const p_register_buf_ring)(struct io_uring *, struct io_uring_buf_reg *,
					unsigned int) = io_uring_register_buf_ring;
static int (*const p_unregister_buf_ring)(struct io_uring *, int) = io_uring_unregister_buf_ring;
static int (*const p_buf_ring_head)(struct io_uring *, int, uint16_t *) = io_uring_buf_ring_head;
static struct io_uring_buf_ring *(*const p_setup_buf_ring)(struct io_uring *, unsigned int, int,
							   unsigned int, int *) =
	io_uring_setup_buf_ring;
static int (*const p_free_buf_ring)(struct io_uring *, struct io_uring_buf_ring *, unsigned int,
				    int) = io_uring_free_buf_ring;
static int (*const p_buf_ring_mask)(__u32) = io_uring_buf_ring_mask;
static void (*const p_buf_ring_init)(struct io_uring_buf_ring *) = io_uring_buf_ring_init;
static void (*const p_buf_ring_add)(struct io_uring_buf_ring *, void *, unsigned int,
				    unsigned short, int, int) = io_uring_buf_ring_add;
static void (*const p_buf_ring_advance)(struct io_uring_buf_ring *, int) =
	io_uring_buf_ring_advance;
static void (*const p_buf_ring_cq_advance)(struct io_uring *, struct io_uring_buf_ring *, int) =
	io_uring_buf_ring_cq_advance;
static int (*const p_buf_ring_available)(struct io_uring *, struct io_uring_buf_ring *,
					 unsigned short) = io_uring_buf_ring_available;
/* multishot receive and its buffer's layout (liburing 2.15) */
static void (*const p_recv_multishot)(struct io_uring_sqe *, int, void *, size_t, int) =
	io_uring_prep_recv_multishot;
static void (*const p_recvmsg_multishot)(struct io_uring_sqe *, int, struct msghdr *, unsigned) =
	io_uring_prep_recvmsg_multishot;
static struct io_uring_recvmsg_out *(*const p_recvmsg_validate)(void *, int, struct msghdr *) =
	io_uring_recvmsg_validate;
static void *(*const p_recvmsg_name)(struct io_uring_recvmsg_out *) = io_uring_recvmsg_name;
static struct cmsghdr *(*const p_recvmsg_cmsg_firsthdr)(struct io_uring_recvmsg_out *,
							struct msghdr *) =
	io_uring_recvmsg_cmsg_firsthdr;
static struct cmsghdr *(*const p_recvmsg_cmsg_nexthdr)(struct io_uring_recvmsg_out *,
						       struct msghdr *, struct cmsghdr *) =
	io_uring_recvmsg_cmsg_nexthdr;
static void *(*const p_recvmsg_payload)(struct io_uring_recvmsg_out *, struct msghdr *) =
	io_uring_recvmsg_payload;
static unsigned int (*const p_recvmsg_payload_length)(struct io_uring_recvmsg_out *, int,
						      struct msghdr *) =
	io_uring_recvmsg_payload_length;
static int (*const p_files_tags)(struct io_uring *, const int *, const __u64 *,
				 unsigned) = io_uring_register_files_tags;
static int (*const p_files_sparse)(struct io_uring *, unsigned) = io_uring_register_files_sparse;
static int (*const p_files_update_tag)(struct io_uring *, unsigned, const int *, const __u64 *,
				       unsigned) = io_uring_register_files_update_tag;
static int (*const p_buffers_tags)(struct io_uring *, const struct iovec *, const __u64 *,
				   unsigned) = io_uring_register_buffers_tags;
static int (*const p_buffers_sparse)(struct io_uring *,
				     unsigned) = io_uring_register_buffers_sparse;
static int (*const p_clone_buffers)(struct io_uring *, struct io_uring *) = io_uring_clone_buffers;
static int (*const p_clone_buffers_offset)(struct io_uring *, struct io_uring *, unsigned int,
					   unsigned int, unsigned int,
					   unsigned int) = io_uring_clone_buffers_offset;
static int (*const p_buffers_update_tag)(struct io_uring *, unsigned, const struct iovec *,
					 const __u64 *, unsigned) = io_uring_register_buffers_update_tag;

static int failed;

/* An SQE whose every byte is garbage, as a reused slot's. */
static void dirty(struct io_uring_sqe *sqe)
{
	memset(sqe, 0xa5, sizeof(*sqe));
}

/* The SQE liburing 2.15 builds, from io_uring_prep_rw()'s five fields. */
static void want_rw(struct io_uring_sqe *w, int op, int fd, __u64 addr, unsigned len, __u64 off)
{
	memset(w, 0, sizeof(*w));
	w->opcode = (__u8)op;
	w->fd = fd;
	w->addr = addr;
	w->len = len;
	w->off = off;
}

static void check(const char *name, const struct io_uring_sqe *got, struct io_uring_sqe *want)
{
	const unsigned char *g = (const void *)got, *w = (const void *)want;
	size_t i;

	/* user_data is the caller's: no helper touches it */
	want->user_data = got->user_data;

	for (i = 0; i < sizeof(*got); i++) {
		if (g[i] != w[i]) {
			fprintf(stderr, "%s: SQE byte %zu is %#x, liburing 2.15 puts %#x\n", name,
				i, g[i], w[i]);
			failed = 1;
			return;
		}
	}
}

int main(void)
{
	struct __kernel_timespec ts = { .tv_sec = 1 };
	struct io_uring_sqe sqe, want;
	uint32_t futex_word = 0;
	siginfo_t info;
	struct epoll_event ev[2];
	unsigned long long big = 0x1122334455667788ULL;
	int pfds[2];

	dirty(&sqe);
	p_nop(&sqe);
	want_rw(&want, IORING_OP_NOP, -1, 0, 0, 0);
	check("nop", &sqe, &want);

	dirty(&sqe);
	p_timeout(&sqe, &ts, 3, IORING_TIMEOUT_ABS);
	want_rw(&want, IORING_OP_TIMEOUT, -1, (uintptr_t)&ts, 1, 3);
	want.timeout_flags = IORING_TIMEOUT_ABS;
	check("timeout", &sqe, &want);

	dirty(&sqe);
	p_timeout_remove(&sqe, big, 0);
	want_rw(&want, IORING_OP_TIMEOUT_REMOVE, -1, big, 0, 0);
	check("timeout_remove", &sqe, &want);

	dirty(&sqe);
	p_timeout_update(&sqe, &ts, big, IORING_TIMEOUT_BOOTTIME);
	want_rw(&want, IORING_OP_TIMEOUT_REMOVE, -1, big, 0, (uintptr_t)&ts);
	want.timeout_flags = IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_UPDATE;
	check("timeout_update", &sqe, &want);

	dirty(&sqe);
	p_link_timeout(&sqe, &ts, IORING_TIMEOUT_REALTIME);
	want_rw(&want, IORING_OP_LINK_TIMEOUT, -1, (uintptr_t)&ts, 1, 0);
	want.timeout_flags = IORING_TIMEOUT_REALTIME;
	check("link_timeout", &sqe, &want);

	dirty(&sqe);
	p_cancel(&sqe, &ts, IORING_ASYNC_CANCEL_ALL);
	want_rw(&want, IORING_OP_ASYNC_CANCEL, -1, (uintptr_t)&ts, 0, 0);
	want.cancel_flags = IORING_ASYNC_CANCEL_ALL;
	check("cancel", &sqe, &want);

	dirty(&sqe);
	p_cancel64(&sqe, big, IORING_ASYNC_CANCEL_ANY);
	want_rw(&want, IORING_OP_ASYNC_CANCEL, -1, big, 0, 0);
	want.cancel_flags = IORING_ASYNC_CANCEL_ANY;
	check("cancel64", &sqe, &want);

	dirty(&sqe);
	p_cancel_fd(&sqe, 7, IORING_ASYNC_CANCEL_FD_FIXED);
	want_rw(&want, IORING_OP_ASYNC_CANCEL, 7, 0, 0, 0);
	want.cancel_flags = IORING_ASYNC_CANCEL_FD_FIXED | IORING_ASYNC_CANCEL_FD;
	check("cancel_fd", &sqe, &want);

	dirty(&sqe);
	p_poll_add(&sqe, 5, POLLIN);
	want_rw(&want, IORING_OP_POLL_ADD, 5, 0, 0, 0);
	want.poll32_events = POLLIN;
	check("poll_add", &sqe, &want);

	dirty(&sqe);
	p_poll_multishot(&sqe, 5, POLLOUT);
	want_rw(&want, IORING_OP_POLL_ADD, 5, 0, IORING_POLL_ADD_MULTI, 0);
	want.poll32_events = POLLOUT;
	check("poll_multishot", &sqe, &want);

	dirty(&sqe);
	p_poll_remove(&sqe, big);
	want_rw(&want, IORING_OP_POLL_REMOVE, -1, big, 0, 0);
	check("poll_remove", &sqe, &want);

	dirty(&sqe);
	p_poll_update(&sqe, big, 42, POLLIN, IORING_POLL_UPDATE_EVENTS);
	want_rw(&want, IORING_OP_POLL_REMOVE, -1, big, IORING_POLL_UPDATE_EVENTS, 42);
	want.poll32_events = POLLIN;
	check("poll_update", &sqe, &want);

	dirty(&sqe);
	p_msg_ring(&sqe, 9, 17, big, IORING_MSG_RING_CQE_SKIP);
	want_rw(&want, IORING_OP_MSG_RING, 9, 0, 17, big);
	want.msg_ring_flags = IORING_MSG_RING_CQE_SKIP;
	check("msg_ring", &sqe, &want);

	dirty(&sqe);
	p_msg_ring_cqe_flags(&sqe, 9, 17, big, 0, 0x30);
	want_rw(&want, IORING_OP_MSG_RING, 9, 0, 17, big);
	want.msg_ring_flags = IORING_MSG_RING_FLAGS_PASS;
	want.file_index = 0x30;
	check("msg_ring_cqe_flags", &sqe, &want);

	dirty(&sqe);
	p_msg_ring_fd(&sqe, 9, 2, 4, big, 0);
	want_rw(&want, IORING_OP_MSG_RING, 9, IORING_MSG_SEND_FD, 0, big);
	want.addr3 = 2;
	want.file_index = 5;
	check("msg_ring_fd", &sqe, &want);

	dirty(&sqe);
	p_msg_ring_fd_alloc(&sqe, 9, 2, big, IORING_MSG_RING_CQE_SKIP);
	want_rw(&want, IORING_OP_MSG_RING, 9, IORING_MSG_SEND_FD, 0, big);
	want.addr3 = 2;
	want.file_index = IORING_FILE_INDEX_ALLOC;
	want.msg_ring_flags = IORING_MSG_RING_CQE_SKIP;
	check("msg_ring_fd_alloc", &sqe, &want);

	dirty(&sqe);
	p_waitid(&sqe, P_PID, 1234, &info, WEXITED, 0);
	want_rw(&want, IORING_OP_WAITID, 1234, 0, P_PID, 0);
	want.file_index = WEXITED;
	want.addr2 = (uintptr_t)&info;
	check("waitid", &sqe, &want);

	dirty(&sqe);
	p_futex_wake(&sqe, &futex_word, 1, 0xffffffff, 0x82, 0);
	want_rw(&want, IORING_OP_FUTEX_WAKE, 0x82, (uintptr_t)&futex_word, 0, 1);
	want.addr3 = 0xffffffff;
	check("futex_wake", &sqe, &want);

	dirty(&sqe);
	p_futex_wait(&sqe, &futex_word, 0, 0xf0, 0x2, 0);
	want_rw(&want, IORING_OP_FUTEX_WAIT, 0x2, (uintptr_t)&futex_word, 0, 0);
	want.addr3 = 0xf0;
	check("futex_wait", &sqe, &want);

	dirty(&sqe);
	p_futex_waitv(&sqe, (const struct futex_waitv *)ev, 2, 0);
	want_rw(&want, IORING_OP_FUTEX_WAITV, 0, (uintptr_t)ev, 2, 0);
	check("futex_waitv", &sqe, &want);

	dirty(&sqe);
	p_epoll_ctl(&sqe, 3, 8, EPOLL_CTL_ADD, ev);
	want_rw(&want, IORING_OP_EPOLL_CTL, 3, (uintptr_t)ev, EPOLL_CTL_ADD, 8);
	check("epoll_ctl", &sqe, &want);

	dirty(&sqe);
	p_epoll_wait(&sqe, 3, ev, 2, 0);
	want_rw(&want, IORING_OP_EPOLL_WAIT, 3, (uintptr_t)ev, 2, 0);
	check("epoll_wait", &sqe, &want);

	dirty(&sqe);
	p_splice(&sqe, 3, -1, 4, 4096, 100, SPLICE_F_FD_IN_FIXED | 2);
	want_rw(&want, IORING_OP_SPLICE, 4, (__u64)-1, 100, 4096);
	want.splice_fd_in = 3;
	want.splice_flags = SPLICE_F_FD_IN_FIXED | 2;
	check("splice", &sqe, &want);

	dirty(&sqe);
	p_tee(&sqe, 3, 4, 100, 2);
	want_rw(&want, IORING_OP_TEE, 4, 0, 100, 0);
	want.splice_fd_in = 3;
	want.splice_flags = 2;
	check("tee", &sqe, &want);

	dirty(&sqe);
	p_send_zc(&sqe, 3, pfds, 100, 2, IORING_SEND_ZC_REPORT_USAGE);
	want_rw(&want, IORING_OP_SEND_ZC, 3, (uintptr_t)pfds, 100, 0);
	want.msg_flags = 2;
	want.ioprio = IORING_SEND_ZC_REPORT_USAGE;
	check("send_zc", &sqe, &want);

	dirty(&sqe);
	p_send_zc_fixed(&sqe, 3, pfds, 100, 2, 0, 5);
	want_rw(&want, IORING_OP_SEND_ZC, 3, (uintptr_t)pfds, 100, 0);
	want.msg_flags = 2;
	want.ioprio = IORING_RECVSEND_FIXED_BUF;
	want.buf_index = 5;
	check("send_zc_fixed", &sqe, &want);

	dirty(&sqe);
	p_sendmsg_zc(&sqe, 3, (const struct msghdr *)pfds, 2);
	want_rw(&want, IORING_OP_SENDMSG_ZC, 3, (uintptr_t)pfds, 1, 0);
	want.msg_flags = 2;
	check("sendmsg_zc", &sqe, &want);

	dirty(&sqe);
	p_sendto(&sqe, 3, pfds, 100, 2, (const struct sockaddr *)(uintptr_t)0x1000, 16);
	want_rw(&want, IORING_OP_SEND, 3, (uintptr_t)pfds, 100, 0);
	want.msg_flags = 2;
	want.addr2 = 0x1000;
	want.addr_len = 16;
	check("sendto", &sqe, &want);

	dirty(&sqe);
	p_pipe(&sqe, pfds, 04000);
	want_rw(&want, IORING_OP_PIPE, 0, (uintptr_t)pfds, 0, 0);
	want.pipe_flags = 04000;
	check("pipe", &sqe, &want);

	dirty(&sqe);
	p_pipe_direct(&sqe, pfds, 0, 6);
	want_rw(&want, IORING_OP_PIPE, 0, (uintptr_t)pfds, 0, 0);
	want.file_index = 7;
	check("pipe_direct", &sqe, &want);

	dirty(&sqe);
	p_pipe_direct(&sqe, pfds, 0, IORING_FILE_INDEX_ALLOC);
	want_rw(&want, IORING_OP_PIPE, 0, (uintptr_t)pfds, 0, 0);
	want.file_index = IORING_FILE_INDEX_ALLOC;
	check("pipe_direct_alloc", &sqe, &want);

	dirty(&sqe);
	p_socket(&sqe, 2, 1 | 02000000, 6, 0);
	want_rw(&want, IORING_OP_SOCKET, 2, 0, 6, 1 | 02000000);
	check("socket", &sqe, &want);

	dirty(&sqe);
	p_socket_direct(&sqe, 2, 1, 0, 3, 0);
	want_rw(&want, IORING_OP_SOCKET, 2, 0, 0, 1);
	want.file_index = 4;
	check("socket_direct", &sqe, &want);

	dirty(&sqe);
	p_socket_direct_alloc(&sqe, 2, 1, 0, 0);
	want_rw(&want, IORING_OP_SOCKET, 2, 0, 0, 1);
	want.file_index = IORING_FILE_INDEX_ALLOC;
	check("socket_direct_alloc", &sqe, &want);

	dirty(&sqe);
	p_bind(&sqe, 3, (struct sockaddr *)pfds, 16);
	want_rw(&want, IORING_OP_BIND, 3, (uintptr_t)pfds, 0, 16);
	check("bind", &sqe, &want);

	dirty(&sqe);
	p_listen(&sqe, 3, 128);
	want_rw(&want, IORING_OP_LISTEN, 3, 0, 128, 0);
	check("listen", &sqe, &want);

	dirty(&sqe);
	p_accept_direct(&sqe, 3, (struct sockaddr *)pfds, (socklen_t *)&pfds[1], 04000,
			IORING_FILE_INDEX_ALLOC);
	want_rw(&want, IORING_OP_ACCEPT, 3, (uintptr_t)pfds, 0, (uintptr_t)&pfds[1]);
	want.accept_flags = 04000;
	want.file_index = IORING_FILE_INDEX_ALLOC;
	check("accept_direct", &sqe, &want);

	dirty(&sqe);
	p_multishot_accept(&sqe, 3, NULL, NULL, 0);
	want_rw(&want, IORING_OP_ACCEPT, 3, 0, 0, 0);
	want.ioprio = IORING_ACCEPT_MULTISHOT;
	check("multishot_accept", &sqe, &want);

	dirty(&sqe);
	p_multishot_accept_direct(&sqe, 3, NULL, NULL, 0);
	want_rw(&want, IORING_OP_ACCEPT, 3, 0, 0, 0);
	want.ioprio = IORING_ACCEPT_MULTISHOT;
	want.file_index = IORING_FILE_INDEX_ALLOC;
	check("multishot_accept_direct", &sqe, &want);

	dirty(&sqe);
	p_cmd_sock(&sqe, 2, 3, 1, 7, pfds, 4);
	want_rw(&want, IORING_OP_URING_CMD, 3, 0, 0, 0);
	want.optval = (uintptr_t)pfds;
	want.optname = 7;
	want.optlen = 4;
	want.cmd_op = 2;
	want.level = 1;
	check("cmd_sock", &sqe, &want);

	/* only its own fields: the rest stays the caller's */
	dirty(&sqe);
	p_uring_cmd(&sqe, 2, 3);
	dirty(&want);
	want.opcode = IORING_OP_URING_CMD;
	want.fd = 3;
	want.cmd_op = 2;
	want.__pad1 = 0;
	want.addr = 0;
	want.len = 0;
	check("uring_cmd", &sqe, &want);

	dirty(&sqe);
	p_fixed_fd_install(&sqe, 4, IORING_FIXED_FD_NO_CLOEXEC);
	want_rw(&want, IORING_OP_FIXED_FD_INSTALL, 4, 0, 0, 0);
	want.flags = IOSQE_FIXED_FILE;
	want.install_fd_flags = IORING_FIXED_FD_NO_CLOEXEC;
	check("fixed_fd_install", &sqe, &want);

	p_provide_buffers(&sqe, (void *)0x1000, 64, 4, 7, 3);
	want_rw(&want, IORING_OP_PROVIDE_BUFFERS, 4, 0x1000, 64, 3);
	want.buf_group = 7;
	check("provide_buffers", &sqe, &want);
	p_remove_buffers(&sqe, 4, 7);
	want_rw(&want, IORING_OP_REMOVE_BUFFERS, 4, 0, 0, 0);
	want.buf_group = 7;
	check("remove_buffers", &sqe, &want);
	p_read_multishot(&sqe, 5, 100, 8, 9);
	want_rw(&want, IORING_OP_READ_MULTISHOT, 5, 0, 100, 8);
	want.buf_group = 9;
	want.flags = IOSQE_BUFFER_SELECT;
	check("read_multishot", &sqe, &want);
	p_recv_multishot(&sqe, 5, (void *)0x1000, 100, 2);
	want_rw(&want, IORING_OP_RECV, 5, 0x1000, 100, 0);
	want.msg_flags = 2;
	want.ioprio = IORING_RECV_MULTISHOT;
	check("recv_multishot", &sqe, &want);
	p_recvmsg_multishot(&sqe, 5, (struct msghdr *)0x1000, 2);
	want_rw(&want, IORING_OP_RECVMSG, 5, 0x1000, 1, 0);
	want.msg_flags = 2;
	want.ioprio = IORING_RECV_MULTISHOT;
	check("recvmsg_multishot", &sqe, &want);
	{
		/* a buffer: header, 16 bytes of name, 32 of control, payload */
		_Alignas(struct cmsghdr) unsigned char b[128] = { 0 };
		struct msghdr mh = { .msg_namelen = 16, .msg_controllen = 32 };
		struct io_uring_recvmsg_out *o = (struct io_uring_recvmsg_out *)b;
		struct cmsghdr *c1 = (struct cmsghdr *)(b + sizeof(*o) + 16), *c2;

		o->controllen = (__u32)(2 * CMSG_SPACE(sizeof(int)));
		c1->cmsg_len = CMSG_LEN(sizeof(int));
		c2 = (struct cmsghdr *)((unsigned char *)c1 + CMSG_SPACE(sizeof(int)));
		c2->cmsg_len = CMSG_LEN(sizeof(int));
		if (p_recvmsg_validate(b, (int)(sizeof(*o) + 47), &mh) ||
		    p_recvmsg_validate(b, (int)sizeof(b), &mh) != o ||
		    p_recvmsg_name(o) != b + sizeof(*o) || p_recvmsg_cmsg_firsthdr(o, &mh) != c1 ||
		    p_recvmsg_cmsg_nexthdr(o, &mh, c1) != c2 ||
		    p_recvmsg_cmsg_nexthdr(o, &mh, c2) != NULL ||
		    p_recvmsg_payload(o, &mh) != b + sizeof(*o) + 48 ||
		    p_recvmsg_payload_length(o, 100, &mh) != 100 - sizeof(*o) - 48) {
			fprintf(stderr, "recvmsg helpers: wrong layout\n");
			failed = 1;
		}
		o->controllen = 8;
		if (p_recvmsg_cmsg_firsthdr(o, &mh)) {
			fprintf(stderr, "recvmsg_cmsg_firsthdr: a cmsghdr in 8 bytes\n");
			failed = 1;
		}
	}

	/* the waiting calls are only held to their types (test-wait.c runs them) */
	if (!p_enter2 || !p_wait_cqes || !p_wait_cqe_timeout || !p_wait_cqes_min_timeout ||
	    !p_submit_and_wait_timeout || !p_submit_and_wait_min_timeout || !p_register_clock ||
	    !p_register_sync_cancel || !p_files_tags || !p_files_sparse || !p_files_update_tag ||
	    !p_buffers_tags || !p_buffers_sparse || !p_buffers_update_tag || !p_clone_buffers ||
	    !p_clone_buffers_offset || !p_register_buf_ring || !p_unregister_buf_ring ||
	    !p_buf_ring_head || !p_setup_buf_ring || !p_free_buf_ring || !p_buf_ring_mask ||
	    !p_buf_ring_init || !p_buf_ring_add || !p_buf_ring_advance || !p_buf_ring_cq_advance ||
	    !p_buf_ring_available)
		failed = 1;
	return failed;
}
