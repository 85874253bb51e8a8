/* SPDX-License-Identifier: MIT */
/*
 * ringer's own description of the io_uring ABI: the structures the
 * application shares with the executor (kernel or user engine), the opcodes,
 * flags and mmap offsets.  Laid out exactly as the kernel's uapi header (a
 * test compares sizes and offsets against <linux/io_uring.h> where the system
 * has one), but written here so that ringer builds on systems whose kernel
 * headers lack io_uring.
 *
 * The guard is the kernel's own, so that a program including both this file
 * and <linux/io_uring.h> gets one set of definitions, whichever comes first.
 */
#ifndef LINUX_IO_URING_H
#define LINUX_IO_URING_H
#define RINGER_IO_URING_H 1

#include <linux/fs.h>
#include <linux/time_types.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One submission queue entry: 64 bytes (128 with IORING_SETUP_SQE128). */
struct io_uring_sqe {
	__u8 opcode;	/* type of operation for this sqe */
	__u8 flags;	/* IOSQE_ flags */
	__u16 ioprio;	/* ioprio for the request (or per-op flags) */
	__s32 fd;	/* file descriptor to do IO on */
	union {
		__u64 off; /* offset into file */
		__u64 addr2;
		struct {
			__u32 cmd_op;
			__u32 __pad1;
		};
	};
	union {
		__u64 addr; /* pointer to buffer or iovecs */
		__u64 splice_off_in;
		struct {
			__u32 level;
			__u32 optname;
		};
	};
	__u32 len; /* buffer size or number of iovecs */
	union {
		__kernel_rwf_t rw_flags;
		__u32 fsync_flags;
		__u16 poll_events; /* compatibility */
		__u32 poll32_events; /* word-reversed for BE */
		__u32 sync_range_flags;
		__u32 msg_flags;
		__u32 timeout_flags;
		__u32 accept_flags;
		__u32 cancel_flags;
		__u32 open_flags;
		__u32 statx_flags;
		__u32 fadvise_advice;
		__u32 splice_flags;
		__u32 rename_flags;
		__u32 unlink_flags;
		__u32 hardlink_flags;
		__u32 xattr_flags;
		__u32 msg_ring_flags;
		__u32 uring_cmd_flags;
		__u32 waitid_flags;
		__u32 futex_flags;
		__u32 install_fd_flags;
		__u32 nop_flags;
		__u32 pipe_flags;
	};
	__u64 user_data; /* data to be passed back at completion time */
	/* pack this to avoid bogus arm OABI complaints */
	union {
		/* index into fixed buffers, if used */
		__u16 buf_index;
		/* for grouped buffer selection */
		__u16 buf_group;
	} __attribute__((packed));
	/* personality to use, if used */
	__u16 personality;
	union {
		__s32 splice_fd_in;
		__u32 file_index;
		__u32 zcrx_ifq_idx;
		__u32 optlen;
		struct {
			__u16 addr_len;
			__u16 __pad3[1];
		};
		struct {
			__u8 write_stream;
			__u8 __pad4[3];
		};
	};
	union {
		struct {
			__u64 addr3;
			__u64 __pad2[1];
		};
		struct {
			__u64 attr_ptr; /* pointer to attribute information */
			__u64 attr_type_mask; /* bit mask of attributes */
		};
		__u64 optval;
		/*
		 * If the ring is initialized with IORING_SETUP_SQE128, then
		 * this field is used for 80 bytes of arbitrary command data
		 */
		__u8 cmd[0];
	};
};

/* sqe->attr_type_mask flags */
#define IORING_RW_ATTR_FLAG_PI (1U << 0)

/*
 * If sqe->file_index is set to this for opcodes that instantiate a new
 * direct descriptor (like openat/openat2/accept), then io_uring will allocate
 * an available direct descriptor instead of having the application pass one
 * in.
 */
#define IORING_FILE_INDEX_ALLOC (~0U)

enum io_uring_sqe_flags_bit {
	IOSQE_FIXED_FILE_BIT,
	IOSQE_IO_DRAIN_BIT,
	IOSQE_IO_LINK_BIT,
	IOSQE_IO_HARDLINK_BIT,
	IOSQE_ASYNC_BIT,
	IOSQE_BUFFER_SELECT_BIT,
	IOSQE_CQE_SKIP_SUCCESS_BIT,
};

/* sqe->flags */
#define IOSQE_FIXED_FILE (1U << IOSQE_FIXED_FILE_BIT) /* fd is a fixed-table index */
#define IOSQE_IO_DRAIN (1U << IOSQE_IO_DRAIN_BIT) /* start after all earlier */
#define IOSQE_IO_LINK (1U << IOSQE_IO_LINK_BIT) /* the next sqe depends on this */
#define IOSQE_IO_HARDLINK (1U << IOSQE_IO_HARDLINK_BIT) /* link, kept on error */
#define IOSQE_ASYNC (1U << IOSQE_ASYNC_BIT) /* skip the inline attempt */
#define IOSQE_BUFFER_SELECT (1U << IOSQE_BUFFER_SELECT_BIT) /* provided buffer */
#define IOSQE_CQE_SKIP_SUCCESS (1U << IOSQE_CQE_SKIP_SUCCESS_BIT) /* no CQE on success */

/* io_uring_setup() flags */
#define IORING_SETUP_IOPOLL (1U << 0) /* io_context is polled */
#define IORING_SETUP_SQPOLL (1U << 1) /* SQ poll thread */
#define IORING_SETUP_SQ_AFF (1U << 2) /* sq_thread_cpu is valid */
#define IORING_SETUP_CQSIZE (1U << 3) /* app defines CQ size */
#define IORING_SETUP_CLAMP (1U << 4) /* clamp SQ/CQ ring sizes */
#define IORING_SETUP_ATTACH_WQ (1U << 5) /* attach to existing wq */
#define IORING_SETUP_R_DISABLED (1U << 6) /* start with ring disabled */
#define IORING_SETUP_SUBMIT_ALL (1U << 7) /* continue submit on error */
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#define IORING_SETUP_TASKRUN_FLAG (1U << 9)
#define IORING_SETUP_SQE128 (1U << 10) /* SQEs are 128 byte */
#define IORING_SETUP_CQE32 (1U << 11) /* CQEs are 32 byte */
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#define IORING_SETUP_NO_MMAP (1U << 14)
#define IORING_SETUP_REGISTERED_FD_ONLY (1U << 15)
#define IORING_SETUP_NO_SQARRAY (1U << 16)
#define IORING_SETUP_HYBRID_IOPOLL (1U << 17)
#define IORING_SETUP_CQE_MIXED (1U << 18)
#define IORING_SETUP_SQE_MIXED (1U << 19)

enum io_uring_op {
	IORING_OP_NOP,
	IORING_OP_READV,
	IORING_OP_WRITEV,
	IORING_OP_FSYNC,
	IORING_OP_READ_FIXED,
	IORING_OP_WRITE_FIXED,
	IORING_OP_POLL_ADD,
	IORING_OP_POLL_REMOVE,
	IORING_OP_SYNC_FILE_RANGE,
	IORING_OP_SENDMSG,
	IORING_OP_RECVMSG,
	IORING_OP_TIMEOUT,
	IORING_OP_TIMEOUT_REMOVE,
	IORING_OP_ACCEPT,
	IORING_OP_ASYNC_CANCEL,
	IORING_OP_LINK_TIMEOUT,
	IORING_OP_CONNECT,
	IORING_OP_FALLOCATE,
	IORING_OP_OPENAT,
	IORING_OP_CLOSE,
	IORING_OP_FILES_UPDATE,
	IORING_OP_STATX,
	IORING_OP_READ,
	IORING_OP_WRITE,
	IORING_OP_FADVISE,
	IORING_OP_MADVISE,
	IORING_OP_SEND,
	IORING_OP_RECV,
	IORING_OP_OPENAT2,
	IORING_OP_EPOLL_CTL,
	IORING_OP_SPLICE,
	IORING_OP_PROVIDE_BUFFERS,
	IORING_OP_REMOVE_BUFFERS,
	IORING_OP_TEE,
	IORING_OP_SHUTDOWN,
	IORING_OP_RENAMEAT,
	IORING_OP_UNLINKAT,
	IORING_OP_MKDIRAT,
	IORING_OP_SYMLINKAT,
	IORING_OP_LINKAT,
	IORING_OP_MSG_RING,
	IORING_OP_FSETXATTR,
	IORING_OP_SETXATTR,
	IORING_OP_FGETXATTR,
	IORING_OP_GETXATTR,
	IORING_OP_SOCKET,
	IORING_OP_URING_CMD,
	IORING_OP_SEND_ZC,
	IORING_OP_SENDMSG_ZC,
	IORING_OP_READ_MULTISHOT,
	IORING_OP_WAITID,
	IORING_OP_FUTEX_WAIT,
	IORING_OP_FUTEX_WAKE,
	IORING_OP_FUTEX_WAITV,
	IORING_OP_FIXED_FD_INSTALL,
	IORING_OP_FTRUNCATE,
	IORING_OP_BIND,
	IORING_OP_LISTEN,
	IORING_OP_RECV_ZC,
	IORING_OP_EPOLL_WAIT,
	IORING_OP_READV_FIXED,
	IORING_OP_WRITEV_FIXED,
	IORING_OP_PIPE,

	/* this goes last, obviously */
	IORING_OP_LAST,
};

/*
 * Opcodes liburing 2.15 has beyond Linux 6.18, in the places they follow
 * IORING_OP_PIPE there: 128-byte SQEs of an IORING_SETUP_SQE_MIXED ring.
 * Outside the enum so that IORING_OP_LAST stays 6.18's (the probe's and the
 * engine's table size); 6.18 refuses them as unknown opcodes.
 */
enum {
	IORING_OP_NOP128 = IORING_OP_PIPE + 1,
	IORING_OP_URING_CMD128,
};

/*
 * sqe->uring_cmd_flags: top 8 bits aren't available for userspace.
 * IORING_URING_CMD_MULTISHOT goes with IOSQE_BUFFER_SELECT (both or
 * neither), and not with IORING_URING_CMD_FIXED.
 */
#define IORING_URING_CMD_FIXED (1U << 0)
#define IORING_URING_CMD_MULTISHOT (1U << 1)
#define IORING_URING_CMD_MASK (IORING_URING_CMD_FIXED | IORING_URING_CMD_MULTISHOT)

/* sqe->fsync_flags */
#define IORING_FSYNC_DATASYNC (1U << 0)

/* sqe->timeout_flags */
#define IORING_TIMEOUT_ABS (1U << 0)
#define IORING_TIMEOUT_UPDATE (1U << 1)
#define IORING_TIMEOUT_BOOTTIME (1U << 2)
#define IORING_TIMEOUT_REALTIME (1U << 3)
#define IORING_LINK_TIMEOUT_UPDATE (1U << 4)
#define IORING_TIMEOUT_ETIME_SUCCESS (1U << 5)
#define IORING_TIMEOUT_MULTISHOT (1U << 6)
#define IORING_TIMEOUT_CLOCK_MASK (IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME)
#define IORING_TIMEOUT_UPDATE_MASK (IORING_TIMEOUT_UPDATE | IORING_LINK_TIMEOUT_UPDATE)

/* sqe->splice_flags: extends splice(2) flags */
#define SPLICE_F_FD_IN_FIXED (1U << 31) /* the last bit of __u32 */

/* POLL_ADD flags (sqe->len) and POLL_REMOVE update flags */
#define IORING_POLL_ADD_MULTI (1U << 0)
#define IORING_POLL_UPDATE_EVENTS (1U << 1)
#define IORING_POLL_UPDATE_USER_DATA (1U << 2)
#define IORING_POLL_ADD_LEVEL (1U << 3)

/* ASYNC_CANCEL flags */
#define IORING_ASYNC_CANCEL_ALL (1U << 0)
#define IORING_ASYNC_CANCEL_FD (1U << 1)
#define IORING_ASYNC_CANCEL_ANY (1U << 2)
#define IORING_ASYNC_CANCEL_FD_FIXED (1U << 3)
#define IORING_ASYNC_CANCEL_USERDATA (1U << 4)
#define IORING_ASYNC_CANCEL_OP (1U << 5)

/* send/sendmsg and recv/recvmsg flags (sqe->ioprio) */
#define IORING_RECVSEND_POLL_FIRST (1U << 0)
#define IORING_RECV_MULTISHOT (1U << 1)
#define IORING_RECVSEND_FIXED_BUF (1U << 2)
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#define IORING_RECVSEND_BUNDLE (1U << 4)
#define IORING_SEND_VECTORIZED (1U << 5)

/* cqe.res for IORING_CQE_F_NOTIF if IORING_SEND_ZC_REPORT_USAGE was set */
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)

/* accept flags stored in sqe->ioprio */
#define IORING_ACCEPT_MULTISHOT (1U << 0)
#define IORING_ACCEPT_DONTWAIT (1U << 1)
#define IORING_ACCEPT_POLL_FIRST (1U << 2)

/* IORING_OP_MSG_RING command types, stored in sqe->addr */
enum io_uring_msg_ring_flags {
	IORING_MSG_DATA,
	IORING_MSG_SEND_FD,
};

/* IORING_OP_MSG_RING flags (sqe->msg_ring_flags) */
#define IORING_MSG_RING_CQE_SKIP (1U << 0)
#define IORING_MSG_RING_FLAGS_PASS (1U << 1)

/* IORING_OP_FIXED_FD_INSTALL flags (sqe->install_fd_flags) */
#define IORING_FIXED_FD_NO_CLOEXEC (1U << 0)

/* IORING_OP_NOP flags (sqe->nop_flags) */
#define IORING_NOP_INJECT_RESULT (1U << 0)
#define IORING_NOP_FILE (1U << 1)
#define IORING_NOP_FIXED_FILE (1U << 2)
#define IORING_NOP_FIXED_BUFFER (1U << 3)
#define IORING_NOP_TW (1U << 4)
#define IORING_NOP_CQE32 (1U << 5)

/* One completion queue entry: 16 bytes (32 with IORING_SETUP_CQE32). */
struct io_uring_cqe {
	__u64 user_data; /* sqe->user_data value passed back */
	__s32 res; /* result code for this event */
	__u32 flags;
	/*
	 * If the ring is initialized with IORING_SETUP_CQE32, then this field
	 * contains 16 bytes of padding, doubling the size of the CQE.
	 */
	__u64 big_cqe[];
};

/* cqe->flags */
#define IORING_CQE_F_BUFFER (1U << 0) /* upper 16 bits are the buffer id */
#define IORING_CQE_F_MORE (1U << 1) /* parent SQE will generate more CQEs */
#define IORING_CQE_F_SOCK_NONEMPTY (1U << 2) /* more data to read after recv */
#define IORING_CQE_F_NOTIF (1U << 3) /* a zero-copy notification */
#define IORING_CQE_F_BUF_MORE (1U << 4) /* the buffer will see more data */
#define IORING_CQE_F_SKIP (1U << 5) /* CQE_MIXED filler */
#define IORING_CQE_F_32 (1U << 15) /* a 32-byte CQE on a CQE_MIXED ring */

#define IORING_CQE_BUFFER_SHIFT 16

/* Magic offsets for the application to mmap the data it needs */
#define IORING_OFF_SQ_RING 0ULL
#define IORING_OFF_CQ_RING 0x8000000ULL
#define IORING_OFF_SQES 0x10000000ULL
#define IORING_OFF_PBUF_RING 0x80000000ULL
#define IORING_OFF_PBUF_SHIFT 16
#define IORING_OFF_MMAP_MASK 0xf8000000ULL

/* Filled with the offset for mmap(2) */
struct io_sqring_offsets {
	__u32 head;
	__u32 tail;
	__u32 ring_mask;
	__u32 ring_entries;
	__u32 flags;
	__u32 dropped;
	__u32 array;
	__u32 resv1;
	__u64 user_addr;
};

/* sq_ring->flags */
#define IORING_SQ_NEED_WAKEUP (1U << 0) /* needs io_uring_enter wakeup */
#define IORING_SQ_CQ_OVERFLOW (1U << 1) /* CQ ring is overflown */
#define IORING_SQ_TASKRUN (1U << 2) /* task should enter the kernel */

struct io_cqring_offsets {
	__u32 head;
	__u32 tail;
	__u32 ring_mask;
	__u32 ring_entries;
	__u32 overflow;
	__u32 cqes;
	__u32 flags;
	__u32 resv1;
	__u64 user_addr;
};

/* cq_ring->flags */
#define IORING_CQ_EVENTFD_DISABLED (1U << 0) /* disable eventfd notifications */

/* io_uring_enter(2) flags */
#define IORING_ENTER_GETEVENTS (1U << 0)
#define IORING_ENTER_SQ_WAKEUP (1U << 1)
#define IORING_ENTER_SQ_WAIT (1U << 2)
#define IORING_ENTER_EXT_ARG (1U << 3)
#define IORING_ENTER_REGISTERED_RING (1U << 4)
#define IORING_ENTER_ABS_TIMER (1U << 5)
#define IORING_ENTER_EXT_ARG_REG (1U << 6)
#define IORING_ENTER_NO_IOWAIT (1U << 7)

/* Passed in for io_uring_setup(2); copied back with updated info on success. */
struct io_uring_params {
	__u32 sq_entries;
	__u32 cq_entries;
	__u32 flags;
	__u32 sq_thread_cpu;
	__u32 sq_thread_idle;
	__u32 features;
	__u32 wq_fd;
	__u32 resv[3];
	struct io_sqring_offsets sq_off;
	struct io_cqring_offsets cq_off;
};

/* io_uring_params->features flags */
#define IORING_FEAT_SINGLE_MMAP (1U << 0)
#define IORING_FEAT_NODROP (1U << 1)
#define IORING_FEAT_SUBMIT_STABLE (1U << 2)
#define IORING_FEAT_RW_CUR_POS (1U << 3)
#define IORING_FEAT_CUR_PERSONALITY (1U << 4)
#define IORING_FEAT_FAST_POLL (1U << 5)
#define IORING_FEAT_POLL_32BITS (1U << 6)
#define IORING_FEAT_SQPOLL_NONFIXED (1U << 7)
#define IORING_FEAT_EXT_ARG (1U << 8)
#define IORING_FEAT_NATIVE_WORKERS (1U << 9)
#define IORING_FEAT_RSRC_TAGS (1U << 10)
#define IORING_FEAT_CQE_SKIP (1U << 11)
#define IORING_FEAT_LINKED_FILE (1U << 12)
#define IORING_FEAT_REG_REG_RING (1U << 13)
#define IORING_FEAT_RECVSEND_BUNDLE (1U << 14)
#define IORING_FEAT_MIN_TIMEOUT (1U << 15)
#define IORING_FEAT_RW_ATTR (1U << 16)
#define IORING_FEAT_NO_IOWAIT (1U << 17)

/* io_uring_register(2) opcodes and arguments */
enum io_uring_register_op {
	IORING_REGISTER_BUFFERS = 0,
	IORING_UNREGISTER_BUFFERS = 1,
	IORING_REGISTER_FILES = 2,
	IORING_UNREGISTER_FILES = 3,
	IORING_REGISTER_EVENTFD = 4,
	IORING_UNREGISTER_EVENTFD = 5,
	IORING_REGISTER_FILES_UPDATE = 6,
	IORING_REGISTER_EVENTFD_ASYNC = 7,
	IORING_REGISTER_PROBE = 8,
	IORING_REGISTER_PERSONALITY = 9,
	IORING_UNREGISTER_PERSONALITY = 10,
	IORING_REGISTER_RESTRICTIONS = 11,
	IORING_REGISTER_ENABLE_RINGS = 12,

	/* extended with tagging */
	IORING_REGISTER_FILES2 = 13,
	IORING_REGISTER_FILES_UPDATE2 = 14,
	IORING_REGISTER_BUFFERS2 = 15,
	IORING_REGISTER_BUFFERS_UPDATE = 16,

	/* set/clear io-wq thread affinities */
	IORING_REGISTER_IOWQ_AFF = 17,
	IORING_UNREGISTER_IOWQ_AFF = 18,

	/* set/get max number of io-wq workers */
	IORING_REGISTER_IOWQ_MAX_WORKERS = 19,

	/* register/unregister io_uring fd with the ring */
	IORING_REGISTER_RING_FDS = 20,
	IORING_UNREGISTER_RING_FDS = 21,

	/* register ring based provide buffer group */
	IORING_REGISTER_PBUF_RING = 22,
	IORING_UNREGISTER_PBUF_RING = 23,

	/* sync cancelation API */
	IORING_REGISTER_SYNC_CANCEL = 24,

	/* register a range of fixed file slots for automatic slot allocation */
	IORING_REGISTER_FILE_ALLOC_RANGE = 25,

	/* return status information for a buffer group */
	IORING_REGISTER_PBUF_STATUS = 26,

	/* set/clear busy poll settings */
	IORING_REGISTER_NAPI = 27,
	IORING_UNREGISTER_NAPI = 28,

	IORING_REGISTER_CLOCK = 29,

	/* clone registered buffers from source ring to current ring */
	IORING_REGISTER_CLONE_BUFFERS = 30,

	/* send MSG_RING without having a ring */
	IORING_REGISTER_SEND_MSG_RING = 31,

	/* register a netdev hw rx queue for zerocopy */
	IORING_REGISTER_ZCRX_IFQ = 32,

	/* resize CQ ring */
	IORING_REGISTER_RESIZE_RINGS = 33,

	IORING_REGISTER_MEM_REGION = 34,

	/* query various aspects of io_uring, see linux/io_uring/query.h */
	IORING_REGISTER_QUERY = 35,

	/* auxiliary zcrx configuration, see enum zcrx_ctrl_op */
	IORING_REGISTER_ZCRX_CTRL = 36,

	/* this goes last */
	IORING_REGISTER_LAST,

	/* flag added to the opcode to use a registered ring fd */
	IORING_REGISTER_USE_REGISTERED_RING = 1U << 31
};

/* io-wq worker categories */
enum io_wq_type {
	IO_WQ_BOUND,
	IO_WQ_UNBOUND,
};

/* deprecated, see struct io_uring_rsrc_update */
struct io_uring_files_update {
	__u32 offset;
	__u32 resv;
	__aligned_u64 /* __s32 * */ fds;
};

/* Register a fully sparse file space, rather than pass in an array of all -1 file descriptors. */
#define IORING_RSRC_REGISTER_SPARSE (1U << 0)

struct io_uring_rsrc_register {
	__u32 nr;
	__u32 flags;
	__u64 resv2;
	__aligned_u64 data;
	__aligned_u64 tags;
};

struct io_uring_rsrc_update {
	__u32 offset;
	__u32 resv;
	__aligned_u64 data;
};

struct io_uring_rsrc_update2 {
	__u32 offset;
	__u32 resv;
	__aligned_u64 data;
	__aligned_u64 tags;
	__u32 nr;
	__u32 resv2;
};

/* Skip updating fd indexes set to this value in the fd table */
#define IORING_REGISTER_FILES_SKIP (-2)

#define IO_URING_OP_SUPPORTED (1U << 0)

struct io_uring_probe_op {
	__u8 op;
	__u8 resv;
	__u16 flags; /* IO_URING_OP_* flags */
	__u32 resv2;
};

struct io_uring_probe {
	__u8 last_op; /* last opcode supported */
	__u8 ops_len; /* length of ops[] array below */
	__u16 resv;
	__u32 resv2[3];
	struct io_uring_probe_op ops[];
};

struct io_uring_restriction {
	__u16 opcode;
	union {
		__u8 register_op; /* IORING_RESTRICTION_REGISTER_OP */
		__u8 sqe_op; /* IORING_RESTRICTION_SQE_OP */
		__u8 sqe_flags; /* IORING_RESTRICTION_SQE_FLAGS_* */
	};
	__u8 resv;
	__u32 resv2[3];
};

struct io_uring_buf {
	__u64 addr;
	__u32 len;
	__u16 bid;
	__u16 resv;
};

struct io_uring_buf_ring {
	union {
		/*
		 * To avoid spilling into more pages than we need to, the
		 * ring tail is overlaid with the io_uring_buf->resv field.
		 */
		struct {
			__u64 resv1;
			__u32 resv2;
			__u16 resv3;
			__u16 tail;
		};
		struct io_uring_buf bufs[0];
	};
};

/* argument for IORING_(UN)REGISTER_PBUF_RING */
struct io_uring_buf_reg {
	__u64 ring_addr;
	__u32 ring_entries;
	__u16 bgid;
	__u16 flags;
	__u64 resv[3];
};

/*
 * Flags for IORING_REGISTER_PBUF_RING.
 *
 * IOU_PBUF_RING_MMAP:	the kernel allocates the ring; the application
 *			maps it at IORING_OFF_PBUF_RING | bgid << IORING_OFF_PBUF_SHIFT
 * IOU_PBUF_RING_INC:	buffers are consumed incrementally
 */
enum io_uring_register_pbuf_ring_flags {
	IOU_PBUF_RING_MMAP = 1,
	IOU_PBUF_RING_INC = 2,
};

/* argument for IORING_REGISTER_PBUF_STATUS */
struct io_uring_buf_status {
	__u32 buf_group; /* input */
	__u32 head; /* output */
	__u32 resv[8];
};

/* io_uring_restriction->opcode values */
enum io_uring_register_restriction_op {
	/* Allow an io_uring_register(2) opcode */
	IORING_RESTRICTION_REGISTER_OP = 0,
	/* Allow an sqe opcode */
	IORING_RESTRICTION_SQE_OP = 1,
	/* Allow sqe flags */
	IORING_RESTRICTION_SQE_FLAGS_ALLOWED = 2,
	/* Require sqe flags (these flags must be set on each submission) */
	IORING_RESTRICTION_SQE_FLAGS_REQUIRED = 3,
	IORING_RESTRICTION_LAST
};

/* The EXT_ARG argument of io_uring_enter(2): 24 bytes. */
struct io_uring_getevents_arg {
	__u64 sigmask;
	__u32 sigmask_sz;
	__u32 min_wait_usec;
	__u64 ts;
};

/* IORING_REGISTER_MEM_REGION: a region of memory for the ring's parameters */
enum {
	IORING_MEM_REGION_TYPE_USER = 1, /* the program's memory, at user_addr */
};

struct io_uring_region_desc {
	__u64 user_addr;
	__u64 size;
	__u32 flags; /* IORING_MEM_REGION_TYPE_* */
	__u32 id;
	__u64 mmap_offset; /* out: where to mmap the ring fd for it (not TYPE_USER) */
	__u64 __resv[4];
};

enum {
	IORING_MEM_REGION_REG_WAIT_ARG = 1, /* the region holds wait arguments */
};

struct io_uring_mem_region_reg {
	__u64 region_uptr; /* struct io_uring_region_desc * */
	__u64 flags; /* IORING_MEM_REGION_REG_* */
	__u64 __resv[2];
};

/* io_uring_reg_wait.flags */
enum {
	IORING_REG_WAIT_TS = (1U << 0),
};

/*
 * io_uring_enter() with IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG: the
 * argument is the byte offset of one of these in the registered wait region.
 */
struct io_uring_reg_wait {
	struct __kernel_timespec ts;
	__u32 min_wait_usec;
	__u32 flags;
	__u64 sigmask;
	__u32 sigmask_sz;
	__u32 pad[3];
	__u64 pad2[2];
};

/* Argument for IORING_REGISTER_CLOCK: the clock of io_uring_enter()'s waits */
struct io_uring_clock_register {
	__u32 clockid; /* CLOCK_MONOTONIC or CLOCK_BOOTTIME */
	__u32 __resv[3];
};

/* Argument for IORING_REGISTER_SYNC_CANCEL */
struct io_uring_sync_cancel_reg {
	__u64 addr;
	__s32 fd;
	__u32 flags;
	struct __kernel_timespec timeout;
	__u8 opcode;
	__u8 pad[7];
	__u64 pad2[3];
};

/* Argument for IORING_REGISTER_CLONE_BUFFERS */
enum {
	IORING_REGISTER_SRC_REGISTERED = (1U << 0),
	IORING_REGISTER_DST_REPLACE = (1U << 1),
};

struct io_uring_clone_buffers {
	__u32 src_fd;
	__u32 flags;
	__u32 src_off;
	__u32 dst_off;
	__u32 nr;
	__u32 pad[3];
};

/* Argument for IORING_REGISTER_FILE_ALLOC_RANGE */
struct io_uring_file_index_range {
	__u32 off;
	__u32 len;
	__u64 resv;
};

/* Argument for IORING_(UN)REGISTER_NAPI */
enum io_uring_napi_op {
	IO_URING_NAPI_REGISTER_OP = 0, /* register or unregister, as the opcode says */
	IO_URING_NAPI_STATIC_ADD_ID = 1,
	IO_URING_NAPI_STATIC_DEL_ID = 2,
};

enum io_uring_napi_tracking_strategy {
	IO_URING_NAPI_TRACKING_DYNAMIC = 0,
	IO_URING_NAPI_TRACKING_STATIC = 1,
	IO_URING_NAPI_TRACKING_INACTIVE = 255,
};

struct io_uring_napi {
	__u32 busy_poll_to;
	__u8 prefer_busy_poll;
	__u8 opcode; /* enum io_uring_napi_op */
	__u8 pad[2];
	/* REGISTER_OP: a tracking strategy; STATIC_*_ID: a napi id */
	__u32 op_param;
	__u32 resv;
};

struct io_uring_recvmsg_out {
	__u32 namelen;
	__u32 controllen;
	__u32 payloadlen;
	__u32 flags;
};

/*
 * sqe->cmd_op of IORING_OP_URING_CMD on a socket; GETSOCKOPT and SETSOCKOPT
 * take sqe->level, optname, optval and optlen.
 */
enum io_uring_socket_op {
	SOCKET_URING_OP_SIOCINQ = 0,
	SOCKET_URING_OP_SIOCOUTQ,
	SOCKET_URING_OP_GETSOCKOPT,
	SOCKET_URING_OP_SETSOCKOPT,
	SOCKET_URING_OP_TX_TIMESTAMP,
	SOCKET_URING_OP_GETSOCKNAME, /* liburing 2.15; not in Linux 6.18 */
};

/* Zero-copy receive (IORING_REGISTER_ZCRX_IFQ): refill queue and CQE entries */
struct io_uring_zcrx_rqe {
	__u64 off;
	__u32 len;
	__u32 __pad;
};

struct io_uring_zcrx_cqe {
	__u64 off;
	__u64 __pad;
};

/* the bit from which the area id is encoded into offsets */
#define IORING_ZCRX_AREA_SHIFT 48
#define IORING_ZCRX_AREA_MASK (~(((__u64)1 << IORING_ZCRX_AREA_SHIFT) - 1))

struct io_uring_zcrx_offsets {
	__u32 head;
	__u32 tail;
	__u32 rqes;
	__u32 __resv2;
	__u64 __resv[2];
};

enum io_uring_zcrx_area_flags {
	IORING_ZCRX_AREA_DMABUF = 1,
};

struct io_uring_zcrx_area_reg {
	__u64 addr;
	__u64 len;
	__u64 rq_area_token;
	__u32 flags;
	__u32 dmabuf_fd;
	__u64 __resv2[2];
};

/* Argument for IORING_REGISTER_ZCRX_IFQ */
struct io_uring_zcrx_ifq_reg {
	__u32 if_idx;
	__u32 if_rxq;
	__u32 rq_entries;
	__u32 flags;
	__u64 area_ptr; /* struct io_uring_zcrx_area_reg * */
	__u64 region_ptr; /* struct io_uring_region_desc * */
	struct io_uring_zcrx_offsets offsets;
	__u32 zcrx_id;
	__u32 rx_buf_len; /* 0 on 6.18 (__resv2 there) */
	__u64 __resv[3];
};

/* Argument for IORING_REGISTER_ZCRX_CTRL */
enum zcrx_ctrl_op {
	ZCRX_CTRL_FLUSH_RQ,
	ZCRX_CTRL_EXPORT,
	__ZCRX_CTRL_LAST,
};

struct zcrx_ctrl_flush_rq {
	__u64 __resv[6];
};

struct zcrx_ctrl_export {
	__u32 zcrx_fd;
	__u32 __resv1[11];
};

struct zcrx_ctrl {
	__u32 zcrx_id;
	__u32 op; /* enum zcrx_ctrl_op */
	__u64 __resv[2];
	union {
		struct zcrx_ctrl_export zc_export;
		struct zcrx_ctrl_flush_rq zc_flush;
	};
};

/*
 * IORING_REGISTER_QUERY (<linux/io_uring/query.h>): a chain of headers, each
 * naming a query and the buffer of its answer; io_uring_register(-1, ...).
 */
struct io_uring_query_hdr {
	__u64 next_entry; /* the next header, 0 ends the chain */
	__u64 query_data; /* the answer's buffer */
	__u32 query_op; /* IO_URING_QUERY_* */
	__u32 size; /* of the buffer */
	__s32 result; /* out: 0 or -errno */
	__u32 __resv[3];
};

enum {
	IO_URING_QUERY_OPCODES = 0,
};

/* the answer of IO_URING_QUERY_OPCODES: what the implementation supports */
struct io_uring_query_opcode {
	__u32 nr_request_opcodes;
	__u32 nr_register_opcodes;
	__u64 feature_flags; /* IORING_FEAT_* */
	__u64 ring_setup_flags; /* IORING_SETUP_* */
	__u64 enter_flags; /* IORING_ENTER_* */
	__u64 sqe_flags; /* IOSQE_* */
	__u32 nr_query_opcodes;
	__u32 __pad;
};

#ifdef __cplusplus
}
#endif

#endif /* LINUX_IO_URING_H */
