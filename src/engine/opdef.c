// SPDX-License-Identifier: MIT
/*
 * The opcode table (the kernel's io_uring/opdef.c): one slot per opcode, its
 * capabilities and hooks.  An opcode the engine does not implement keeps the
 * default slot: its prep fails with -EOPNOTSUPP and REGISTER_PROBE does not
 * report it, so the engine never advertises what it does not do.
 *
 * This table is the only place outside an opcode's family (ops/) that names
 * opcodes: the core (submit.c, iopoll.c, cq.c, enter.c, ring.c) decides from
 * the flags and hooks of struct op_def (engine.h), never from the opcode.
 *
 * Adding an opcode:
 *  1. its family file, ops/<family>.c (a new file, or the family's: rw.c for
 *     a read/write variant), with prep and issue (and the other hooks of
 *     struct op_def when it needs them: cleanup, hold, ring_file,
 *     iopoll_prep, iopoll_iocb, aio_complete, aio_poll_event): prep copies what it needs
 *     out of the SQE into the request's op state and checks it; issue
 *     returns ISSUE_DONE with req->res set, ISSUE_QUEUED (it completes the
 *     request later, through req_complete()) or ISSUE_AGAIN (a worker runs
 *     it, blocking).  An op that waits uses the services, which call back
 *     only through its hooks: the reactor (req_arm_ready(), req_arm_poll()),
 *     the worker pool (ISSUE_AGAIN, req_punt_wq()), native AIO and AIO
 *     polls (aio.h); a
 *     cancellation by key matches with cancel_match() (cancel.h);
 *  2. when it has per-request state, its struct in the family header
 *     ops/<family>.h, with REQ_DATA_CHECK() (it fits in struct req's
 *     op_data, REQ_DATA_SIZE) and reached with req_data(); the header also
 *     declares the hooks this table names;
 *  3. one row below: its flags as the kernel's opdef.c has them (needs_file,
 *     pollin/pollout, unbound_nonreg_file, iopoll, iopoll_queue, ioprio,
 *     buffer_select...), .supported = 1, and its hooks; include the family
 *     header above;
 *  4. a test (tests/test-*.c) run on both backends; the list of opcodes
 *     implemented in the divergence comment atop engine.h and docs/API.md.
 * The code of engine.h, submit.c and the other core files does not change.
 * A new .c file goes in the build's source list (RINGER_SOURCES, CMakeLists.txt).
 */
#include <errno.h>

#include "engine/engine.h"
#include "engine/kbuf.h"
#include "engine/ops/advise.h"
#include "engine/ops/async_cancel.h"
#include "engine/ops/epoll.h"
#include "engine/ops/fd_install.h"
#include "engine/ops/files_update.h"
#include "engine/ops/fs.h"
#include "engine/ops/futex.h"
#include "engine/ops/msg_ring.h"
#include "engine/ops/net.h"
#include "engine/ops/net_sendrecv.h"
#include "engine/ops/nop.h"
#include "engine/ops/openclose.h"
#include "engine/ops/pipe.h"
#include "engine/ops/poll.h"
#include "engine/ops/rw.h"
#include "engine/ops/splice.h"
#include "engine/ops/statx.h"
#include "engine/ops/sync.h"
#include "engine/ops/timeout.h"
#include "engine/ops/truncate.h"
#include "engine/ops/uring_cmd.h"
#include "engine/ops/waitid.h"
#include "engine/ops/xattr.h"

static int prep_unsupported(struct req *req, const struct io_uring_sqe *sqe)
{
	return -EOPNOTSUPP;
}

static int issue_unsupported(struct req *req, unsigned issue_flags)
{
	req->res = -EOPNOTSUPP;
	return ISSUE_DONE;
}

#define UNSUPPORTED { .name = "unsupported", .prep = prep_unsupported, .issue = issue_unsupported }

/* reads and writes: native AIO batches (aio_batch), IOPOLL-able (iopoll_queue) */
#define RW_DEF(nm, prep_fn, in, out, bsel, hold_fn) \
	{ .name = nm, .needs_file = 1, .pollin = in, .pollout = out, \
	  .unbound_nonreg_file = 1, .buffer_select = bsel, .ioprio = 1, .iopoll = 1, \
	  .iopoll_queue = 1, .aio_batch = 1, .supported = 1, .prep = prep_fn, \
	  .issue = rw_issue, .cleanup = rw_cleanup, .hold = hold_fn, \
	  .iopoll_prep = rw_iopoll_prep, .iopoll_iocb = rw_iopoll_iocb, \
	  .aio_complete = rw_aio_complete, .hash_reg_file = out, .wq_batch = rw_wq_batch }

/* the range initializer gives every slot the default; named slots override it */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
const struct op_def op_defs[ENGINE_NR_OPS] = {
	[0 ... ENGINE_NR_OPS - 1] = UNSUPPORTED,
	[IORING_OP_NOP] = { .name = "NOP", .iopoll = 1, .supported = 1,
			    .prep = nop_prep, .issue = nop_issue },
	[IORING_OP_READV] = RW_DEF("READV", rw_prep_readv, 1, 0, 1, NULL),
	[IORING_OP_WRITEV] = RW_DEF("WRITEV", rw_prep_writev, 0, 1, 0, NULL),
	[IORING_OP_READ_FIXED] = RW_DEF("READ_FIXED", rw_prep_read_fixed, 1, 0, 0,
					rw_hold_buffer),
	[IORING_OP_WRITE_FIXED] = RW_DEF("WRITE_FIXED", rw_prep_write_fixed, 0, 1, 0,
					 rw_hold_buffer),
	/* no buffer_select: IOSQE_BUFFER_SELECT is -EOPNOTSUPP, as on the kernel */
	[IORING_OP_READV_FIXED] = RW_DEF("READV_FIXED", rw_prep_readv_fixed, 1, 0, 0,
					 rw_hold_buffer),
	[IORING_OP_WRITEV_FIXED] = RW_DEF("WRITEV_FIXED", rw_prep_writev_fixed, 0, 1, 0,
					  rw_hold_buffer),
	[IORING_OP_READ] = RW_DEF("READ", rw_prep_read, 1, 0, 1, NULL),
	[IORING_OP_WRITE] = RW_DEF("WRITE", rw_prep_write, 0, 1, 0, NULL),
	/* no ioprio, no iopoll: as the kernel's row */
	[IORING_OP_READ_MULTISHOT] = { .name = "READ_MULTISHOT", .needs_file = 1,
				       .unbound_nonreg_file = 1, .pollin = 1,
				       .buffer_select = 1, .supported = 1,
				       .prep = rw_prep_read_mshot, .issue = rw_mshot_issue,
				       .cleanup = rw_cleanup },
	[IORING_OP_FSYNC] = { .name = "FSYNC", .needs_file = 1, .supported = 1,
			      .force_async = 1, .prep = fsync_prep, .issue = fsync_issue },
	[IORING_OP_SYNC_FILE_RANGE] = { .name = "SYNC_FILE_RANGE", .needs_file = 1,
					.supported = 1, .force_async = 1,
					.prep = sfr_prep, .issue = sfr_issue,
					.ring_file = sfr_ring_file },
	[IORING_OP_POLL_ADD] = { .name = "POLL_ADD", .needs_file = 1,
				 .unbound_nonreg_file = 1, .supported = 1,
				 .prep = poll_add_prep, .issue = poll_add_issue,
				 .cleanup = poll_cleanup, .ring_file = poll_add_ring_file,
				 .aio_poll_event = poll_aio_event },
	[IORING_OP_POLL_REMOVE] = { .name = "POLL_REMOVE", .supported = 1,
				    .prep = poll_remove_prep, .issue = poll_remove_issue },
	[IORING_OP_TIMEOUT] = { .name = "TIMEOUT", .supported = 1,
				.prep = timeout_prep, .issue = timeout_issue },
	[IORING_OP_LINK_TIMEOUT] = { .name = "LINK_TIMEOUT", .supported = 1,
				     .prep = link_timeout_prep, .issue = link_timeout_issue },
	[IORING_OP_TIMEOUT_REMOVE] = { .name = "TIMEOUT_REMOVE", .supported = 1,
				       .prep = timeout_remove_prep,
				       .issue = timeout_remove_issue },
	/* the path ops: the kernel forces them to io-wq at prep (fs.c) */
#define FS_DEF(nm, fn) \
	{ .name = nm, .supported = 1, .force_async = 1, .prep = fn##_prep, \
	  .issue = fn##_issue, .cleanup = fs_cleanup }
	[IORING_OP_RENAMEAT] = FS_DEF("RENAMEAT", renameat),
	[IORING_OP_UNLINKAT] = FS_DEF("UNLINKAT", unlinkat),
	[IORING_OP_MKDIRAT] = FS_DEF("MKDIRAT", mkdirat),
	[IORING_OP_SYMLINKAT] = FS_DEF("SYMLINKAT", symlinkat),
	[IORING_OP_LINKAT] = FS_DEF("LINKAT", linkat),
#undef FS_DEF
	[IORING_OP_WAITID] = { .name = "WAITID", .supported = 1, .prep = waitid_prep,
			       .issue = waitid_issue },
	[IORING_OP_FUTEX_WAIT] = { .name = "FUTEX_WAIT", .supported = 1, .prep = futex_prep,
				   .issue = futex_wait_issue },
	[IORING_OP_FUTEX_WAKE] = { .name = "FUTEX_WAKE", .supported = 1, .prep = futex_prep,
				   .issue = futex_wake_issue },
	[IORING_OP_FUTEX_WAITV] = { .name = "FUTEX_WAITV", .supported = 1, .prep = futexv_prep,
				    .issue = futexv_wait_issue, .cleanup = futex_cleanup },
	[IORING_OP_EPOLL_CTL] = { .name = "EPOLL_CTL", .unbound_nonreg_file = 1,
				  .supported = 1, .prep = epoll_ctl_prep,
				  .issue = epoll_ctl_issue },
	[IORING_OP_EPOLL_WAIT] = { .name = "EPOLL_WAIT", .needs_file = 1, .pollin = 1,
				   .supported = 1, .prep = epoll_wait_prep,
				   .issue = epoll_wait_issue },
	[IORING_OP_MSG_RING] = { .name = "MSG_RING", .needs_file = 1, .iopoll = 1,
				 .supported = 1, .prep = msg_ring_prep,
				 .issue = msg_ring_issue, .cleanup = msg_ring_cleanup,
				 .hold = msg_ring_hold, .ring_file = msg_ring_ring_file },
	[IORING_OP_OPENAT] = { .name = "OPENAT", .supported = 1, .bounded = 1,
			       .prep = openat_prep, .issue = openat_issue,
			       .cleanup = open_cleanup },
	[IORING_OP_OPENAT2] = { .name = "OPENAT2", .supported = 1, .bounded = 1,
				.prep = openat2_prep, .issue = openat_issue,
				.cleanup = open_cleanup },
	[IORING_OP_CLOSE] = { .name = "CLOSE", .supported = 1, .prep = close_prep,
			      .issue = close_issue },
	[IORING_OP_FILES_UPDATE] = { .name = "FILES_UPDATE", .iopoll = 1, .supported = 1,
				     .prep = files_update_prep,
				     .issue = files_update_issue },
	[IORING_OP_ASYNC_CANCEL] = { .name = "ASYNC_CANCEL", .supported = 1,
				     .prep = async_cancel_prep, .issue = async_cancel_issue },
	[IORING_OP_STATX] = { .name = "STATX", .supported = 1, .force_async = 1,
			      .prep = statx_prep, .issue = statx_issue,
			      .cleanup = statx_cleanup },
	[IORING_OP_FADVISE] = { .name = "FADVISE", .needs_file = 1, .supported = 1,
				.prep = fadvise_prep, .issue = fadvise_issue },
	[IORING_OP_MADVISE] = { .name = "MADVISE", .supported = 1, .force_async = 1,
				.prep = madvise_prep, .issue = madvise_issue },
	[IORING_OP_FALLOCATE] = { .name = "FALLOCATE", .needs_file = 1, .supported = 1,
				  .force_async = 1, .prep = fallocate_prep,
				  .issue = fallocate_issue },
	[IORING_OP_FSETXATTR] = { .name = "FSETXATTR", .needs_file = 1, .supported = 1,
				  .force_async = 1, .prep = fsetxattr_prep,
				  .issue = fsetxattr_issue, .cleanup = xattr_cleanup },
	[IORING_OP_SETXATTR] = { .name = "SETXATTR", .supported = 1, .force_async = 1,
				 .prep = setxattr_prep, .issue = setxattr_issue,
				 .cleanup = xattr_cleanup },
	[IORING_OP_FGETXATTR] = { .name = "FGETXATTR", .needs_file = 1, .supported = 1,
				  .force_async = 1, .prep = fgetxattr_prep,
				  .issue = fgetxattr_issue, .cleanup = xattr_cleanup },
	[IORING_OP_GETXATTR] = { .name = "GETXATTR", .supported = 1, .force_async = 1,
				 .prep = getxattr_prep, .issue = getxattr_issue,
				 .cleanup = xattr_cleanup },
	/* out file in sqe->fd; the kernel forces both to io-wq (splice.c) */
	[IORING_OP_SPLICE] = { .name = "SPLICE", .needs_file = 1, .unbound_nonreg_file = 1,
			       .supported = 1, .force_async = 1, .prep = splice_prep,
			       .issue = splice_issue, .cleanup = splice_cleanup,
			       .ring_file = splice_ring_file },
	[IORING_OP_TEE] = { .name = "TEE", .needs_file = 1, .unbound_nonreg_file = 1,
			    .supported = 1, .force_async = 1, .prep = tee_prep,
			    .issue = splice_issue, .cleanup = splice_cleanup,
			    .ring_file = splice_ring_file },
	/* the socket data ops (ops/net_sendrecv.c): they wait in the reactor */
#define SR_DEF(nm, prep_fn, in, out, bsel) \
	{ .name = nm, .needs_file = 1, .unbound_nonreg_file = 1, .pollin = in, \
	  .pollout = out, .buffer_select = bsel, .ioprio = 1, .supported = 1, \
	  .prep = prep_fn, .issue = sr_issue, .cleanup = sr_cleanup, \
	  .ring_file = sr_ring_file }
	[IORING_OP_SENDMSG] = SR_DEF("SENDMSG", sr_prep_sendmsg, 0, 1, 0),
	[IORING_OP_RECVMSG] = SR_DEF("RECVMSG", sr_prep_recvmsg, 1, 0, 1),
	[IORING_OP_SEND] = SR_DEF("SEND", sr_prep_send, 0, 1, 1),
	[IORING_OP_RECV] = SR_DEF("RECV", sr_prep_recv, 1, 0, 1),
	[IORING_OP_SEND_ZC] = SR_DEF("SEND_ZC", sr_prep_send_zc, 0, 1, 0),
	[IORING_OP_SENDMSG_ZC] = SR_DEF("SENDMSG_ZC", sr_prep_sendmsg_zc, 0, 1, 0),
#undef SR_DEF
	[IORING_OP_PIPE] = { .name = "PIPE", .supported = 1, .prep = pipe_prep,
			     .issue = pipe_issue },
	[IORING_OP_FIXED_FD_INSTALL] = { .name = "FIXED_FD_INSTALL", .needs_file = 1,
					 .supported = 1, .prep = fd_install_prep,
					 .issue = fd_install_issue },
	/* sockets (ops/net.c): accept's IORING_ACCEPT_* flags are in ioprio */
	[IORING_OP_SOCKET] = { .name = "SOCKET", .supported = 1, .prep = socket_prep,
			       .issue = socket_issue },
	[IORING_OP_BIND] = { .name = "BIND", .needs_file = 1, .supported = 1, .prep = bind_prep,
			     .issue = bind_issue, .ring_file = net_ring_file,
			     .cleanup = addr_cleanup },
	[IORING_OP_LISTEN] = { .name = "LISTEN", .needs_file = 1, .supported = 1,
			       .prep = listen_prep, .issue = listen_issue,
			       .ring_file = net_ring_file },
	[IORING_OP_CONNECT] = { .name = "CONNECT", .needs_file = 1, .unbound_nonreg_file = 1,
				.pollout = 1, .supported = 1, .prep = connect_prep,
				.issue = connect_issue, .ring_file = net_ring_file,
				.cleanup = addr_cleanup },
	[IORING_OP_ACCEPT] = { .name = "ACCEPT", .needs_file = 1, .unbound_nonreg_file = 1,
			       .pollin = 1, .ioprio = 1, .supported = 1, .prep = accept_prep,
			       .issue = accept_issue, .ring_file = net_ring_file },
	[IORING_OP_SHUTDOWN] = { .name = "SHUTDOWN", .needs_file = 1, .supported = 1,
				 .force_async = 1, .prep = shutdown_prep,
				 .issue = shutdown_issue, .ring_file = net_ring_file },
	[IORING_OP_PROVIDE_BUFFERS] = { .name = "PROVIDE_BUFFERS", .iopoll = 1, .supported = 1,
					.prep = provide_buffers_prep,
					.issue = kbuf_manage_issue },
	[IORING_OP_REMOVE_BUFFERS] = { .name = "REMOVE_BUFFERS", .iopoll = 1, .supported = 1,
				       .prep = remove_buffers_prep,
				       .issue = kbuf_manage_issue },
	/* the file's own command (ops/uring_cmd.c): sockets and /dev/null */
	[IORING_OP_URING_CMD] = { .name = "URING_CMD", .needs_file = 1, .buffer_select = 1,
				  .iopoll = 1, .supported = 1, .prep = uring_cmd_prep,
				  .issue = uring_cmd_issue, .ring_file = uring_cmd_ring_file },
	[IORING_OP_FTRUNCATE] = { .name = "FTRUNCATE", .needs_file = 1, .supported = 1,
				  .force_async = 1, .prep = ftruncate_prep,
				  .issue = ftruncate_issue },
};
#pragma GCC diagnostic pop

_Static_assert(sizeof(op_defs) / sizeof(op_defs[0]) == ENGINE_NR_OPS,
	       "one op_defs slot per opcode");
_Static_assert(IORING_OP_LAST == 63, "opcode table sized for the 6.18 ABI");
