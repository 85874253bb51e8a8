/* SPDX-License-Identifier: MIT */
/*
 * The ABI items compared between ringer's <ringer/io_uring.h> and the
 * system's <linux/io_uring.h>.  Included twice, once under each header, with
 * ABI_* defined by abi-record.h to record sizes, offsets and values.
 *
 * ABI_HAVE(major, minor) is true in the system's table when its header is
 * at least that kernel version; ABI_SYS_HAS_* come from CMake checks for
 * fields that were renamed over time (the old name is compared at the new
 * name's place).  Everything here exists in ringer's header.  The few
 * items under #ifdef are in some 6.1 headers only (6.1.187 has them, 6.1.4,
 * Debian's aarch64 cross headers, not).
 */

ABI_STRUCT(io_uring_sqe)
ABI_FIELD(io_uring_sqe, opcode)
ABI_FIELD(io_uring_sqe, flags)
ABI_FIELD(io_uring_sqe, ioprio)
ABI_FIELD(io_uring_sqe, fd)
ABI_FIELD(io_uring_sqe, off)
ABI_FIELD(io_uring_sqe, addr2)
ABI_FIELD(io_uring_sqe, cmd_op)
ABI_FIELD(io_uring_sqe, __pad1)
ABI_FIELD(io_uring_sqe, addr)
ABI_FIELD(io_uring_sqe, splice_off_in)
ABI_FIELD(io_uring_sqe, len)
ABI_FIELD(io_uring_sqe, rw_flags)
ABI_FIELD(io_uring_sqe, fsync_flags)
ABI_FIELD(io_uring_sqe, poll_events)
ABI_FIELD(io_uring_sqe, poll32_events)
ABI_FIELD(io_uring_sqe, sync_range_flags)
ABI_FIELD(io_uring_sqe, msg_flags)
ABI_FIELD(io_uring_sqe, timeout_flags)
ABI_FIELD(io_uring_sqe, accept_flags)
ABI_FIELD(io_uring_sqe, cancel_flags)
ABI_FIELD(io_uring_sqe, open_flags)
ABI_FIELD(io_uring_sqe, statx_flags)
ABI_FIELD(io_uring_sqe, fadvise_advice)
ABI_FIELD(io_uring_sqe, splice_flags)
ABI_FIELD(io_uring_sqe, rename_flags)
ABI_FIELD(io_uring_sqe, unlink_flags)
ABI_FIELD(io_uring_sqe, hardlink_flags)
ABI_FIELD(io_uring_sqe, xattr_flags)
ABI_FIELD(io_uring_sqe, msg_ring_flags)
ABI_FIELD(io_uring_sqe, uring_cmd_flags)
ABI_FIELD(io_uring_sqe, user_data)
ABI_FIELD(io_uring_sqe, buf_index)
ABI_FIELD(io_uring_sqe, buf_group)
ABI_FIELD(io_uring_sqe, personality)
ABI_FIELD(io_uring_sqe, splice_fd_in)
ABI_FIELD(io_uring_sqe, file_index)
ABI_FIELD(io_uring_sqe, addr_len)
ABI_FIELD(io_uring_sqe, __pad3)
ABI_FIELD(io_uring_sqe, addr3)
ABI_FIELD(io_uring_sqe, __pad2)
ABI_FIELD(io_uring_sqe, cmd)
#if ABI_HAVE(6, 7)
ABI_FIELD(io_uring_sqe, level)
ABI_FIELD(io_uring_sqe, optname)
ABI_FIELD(io_uring_sqe, optlen)
ABI_FIELD(io_uring_sqe, optval)
ABI_FIELD(io_uring_sqe, waitid_flags)
ABI_FIELD(io_uring_sqe, futex_flags)
#endif
#if ABI_HAVE(6, 8)
ABI_FIELD(io_uring_sqe, install_fd_flags)
#endif
#if ABI_HAVE(6, 10)
ABI_FIELD(io_uring_sqe, nop_flags)
#endif
#if ABI_HAVE(6, 14)
ABI_FIELD(io_uring_sqe, attr_ptr)
ABI_FIELD(io_uring_sqe, attr_type_mask)
#endif
#if ABI_HAVE(6, 15)
ABI_FIELD(io_uring_sqe, zcrx_ifq_idx)
#endif
#if ABI_HAVE(6, 16)
ABI_FIELD(io_uring_sqe, write_stream)
ABI_FIELD(io_uring_sqe, pipe_flags)
#endif

ABI_STRUCT(io_uring_cqe)
ABI_FIELD(io_uring_cqe, user_data)
ABI_FIELD(io_uring_cqe, res)
ABI_FIELD(io_uring_cqe, flags)
ABI_FLEX(io_uring_cqe, big_cqe)

ABI_STRUCT(io_sqring_offsets)
ABI_FIELD(io_sqring_offsets, head)
ABI_FIELD(io_sqring_offsets, tail)
ABI_FIELD(io_sqring_offsets, ring_mask)
ABI_FIELD(io_sqring_offsets, ring_entries)
ABI_FIELD(io_sqring_offsets, flags)
ABI_FIELD(io_sqring_offsets, dropped)
ABI_FIELD(io_sqring_offsets, array)
ABI_FIELD(io_sqring_offsets, resv1)
#if ABI_SYS_HAS_SQ_USER_ADDR
ABI_FIELD(io_sqring_offsets, user_addr)
#else
ABI_FIELD_AS(io_sqring_offsets, resv2, user_addr)
#endif

ABI_STRUCT(io_cqring_offsets)
ABI_FIELD(io_cqring_offsets, head)
ABI_FIELD(io_cqring_offsets, tail)
ABI_FIELD(io_cqring_offsets, ring_mask)
ABI_FIELD(io_cqring_offsets, ring_entries)
ABI_FIELD(io_cqring_offsets, overflow)
ABI_FIELD(io_cqring_offsets, cqes)
ABI_FIELD(io_cqring_offsets, flags)
ABI_FIELD(io_cqring_offsets, resv1)
#if ABI_SYS_HAS_SQ_USER_ADDR
ABI_FIELD(io_cqring_offsets, user_addr)
#else
ABI_FIELD_AS(io_cqring_offsets, resv2, user_addr)
#endif

ABI_STRUCT(io_uring_params)
ABI_FIELD(io_uring_params, sq_entries)
ABI_FIELD(io_uring_params, cq_entries)
ABI_FIELD(io_uring_params, flags)
ABI_FIELD(io_uring_params, sq_thread_cpu)
ABI_FIELD(io_uring_params, sq_thread_idle)
ABI_FIELD(io_uring_params, features)
ABI_FIELD(io_uring_params, wq_fd)
ABI_FIELD(io_uring_params, resv)
ABI_FIELD(io_uring_params, sq_off)
ABI_FIELD(io_uring_params, cq_off)

ABI_STRUCT(io_uring_files_update)
ABI_FIELD(io_uring_files_update, offset)
ABI_FIELD(io_uring_files_update, resv)
ABI_FIELD(io_uring_files_update, fds)

ABI_STRUCT(io_uring_rsrc_register)
ABI_FIELD(io_uring_rsrc_register, nr)
ABI_FIELD(io_uring_rsrc_register, flags)
ABI_FIELD(io_uring_rsrc_register, resv2)
ABI_FIELD(io_uring_rsrc_register, data)
ABI_FIELD(io_uring_rsrc_register, tags)

ABI_STRUCT(io_uring_rsrc_update)
ABI_FIELD(io_uring_rsrc_update, offset)
ABI_FIELD(io_uring_rsrc_update, resv)
ABI_FIELD(io_uring_rsrc_update, data)

ABI_STRUCT(io_uring_rsrc_update2)
ABI_FIELD(io_uring_rsrc_update2, offset)
ABI_FIELD(io_uring_rsrc_update2, resv)
ABI_FIELD(io_uring_rsrc_update2, data)
ABI_FIELD(io_uring_rsrc_update2, tags)
ABI_FIELD(io_uring_rsrc_update2, nr)
ABI_FIELD(io_uring_rsrc_update2, resv2)

ABI_STRUCT(io_uring_probe_op)
ABI_FIELD(io_uring_probe_op, op)
ABI_FIELD(io_uring_probe_op, resv)
ABI_FIELD(io_uring_probe_op, flags)
ABI_FIELD(io_uring_probe_op, resv2)

ABI_STRUCT(io_uring_probe)
ABI_FIELD(io_uring_probe, last_op)
ABI_FIELD(io_uring_probe, ops_len)
ABI_FIELD(io_uring_probe, resv)
ABI_FIELD(io_uring_probe, resv2)
ABI_FLEX(io_uring_probe, ops)

ABI_STRUCT(io_uring_restriction)
ABI_FIELD(io_uring_restriction, opcode)
ABI_FIELD(io_uring_restriction, register_op)
ABI_FIELD(io_uring_restriction, sqe_op)
ABI_FIELD(io_uring_restriction, sqe_flags)
ABI_FIELD(io_uring_restriction, resv)
ABI_FIELD(io_uring_restriction, resv2)

ABI_STRUCT(io_uring_buf)
ABI_FIELD(io_uring_buf, addr)
ABI_FIELD(io_uring_buf, len)
ABI_FIELD(io_uring_buf, bid)
ABI_FIELD(io_uring_buf, resv)

ABI_STRUCT(io_uring_buf_ring)
ABI_FIELD(io_uring_buf_ring, resv1)
ABI_FIELD(io_uring_buf_ring, resv2)
ABI_FIELD(io_uring_buf_ring, resv3)
ABI_FIELD(io_uring_buf_ring, tail)
ABI_FLEX(io_uring_buf_ring, bufs)

ABI_STRUCT(io_uring_buf_reg)
ABI_FIELD(io_uring_buf_reg, ring_addr)
ABI_FIELD(io_uring_buf_reg, ring_entries)
ABI_FIELD(io_uring_buf_reg, bgid)
#if ABI_SYS_HAS_BUF_REG_FLAGS
ABI_FIELD(io_uring_buf_reg, flags)
#else
ABI_FIELD_AS(io_uring_buf_reg, pad, flags)
#endif
ABI_FIELD(io_uring_buf_reg, resv)

ABI_STRUCT(io_uring_getevents_arg)
ABI_FIELD(io_uring_getevents_arg, sigmask)
ABI_FIELD(io_uring_getevents_arg, sigmask_sz)
#if ABI_SYS_HAS_MIN_WAIT_USEC
ABI_FIELD(io_uring_getevents_arg, min_wait_usec)
#else
ABI_FIELD_AS(io_uring_getevents_arg, pad, min_wait_usec)
#endif
ABI_FIELD(io_uring_getevents_arg, ts)

#if ABI_HAVE(6, 12)
ABI_STRUCT(io_uring_clock_register)
ABI_FIELD(io_uring_clock_register, clockid)
ABI_FIELD(io_uring_clock_register, __resv)
#endif

/* the tail of this one was split up over time: its size and head are compared */
ABI_STRUCT(io_uring_sync_cancel_reg)
ABI_FIELD(io_uring_sync_cancel_reg, addr)
ABI_FIELD(io_uring_sync_cancel_reg, fd)
ABI_FIELD(io_uring_sync_cancel_reg, flags)
ABI_FIELD(io_uring_sync_cancel_reg, timeout)

ABI_STRUCT(io_uring_file_index_range)
ABI_FIELD(io_uring_file_index_range, off)
ABI_FIELD(io_uring_file_index_range, len)
ABI_FIELD(io_uring_file_index_range, resv)

ABI_STRUCT(io_uring_recvmsg_out)
ABI_FIELD(io_uring_recvmsg_out, namelen)
ABI_FIELD(io_uring_recvmsg_out, controllen)
ABI_FIELD(io_uring_recvmsg_out, payloadlen)
ABI_FIELD(io_uring_recvmsg_out, flags)

/* Constants the 6.1 header already has (the *_LAST values change with every release and are left out). */
ABI_CONST(IORING_FILE_INDEX_ALLOC)
ABI_CONST(IOSQE_FIXED_FILE)
ABI_CONST(IOSQE_IO_DRAIN)
ABI_CONST(IOSQE_IO_LINK)
ABI_CONST(IOSQE_IO_HARDLINK)
ABI_CONST(IOSQE_ASYNC)
ABI_CONST(IOSQE_BUFFER_SELECT)
ABI_CONST(IOSQE_CQE_SKIP_SUCCESS)
ABI_CONST(IORING_SETUP_IOPOLL)
ABI_CONST(IORING_SETUP_SQPOLL)
ABI_CONST(IORING_SETUP_SQ_AFF)
ABI_CONST(IORING_SETUP_CQSIZE)
ABI_CONST(IORING_SETUP_CLAMP)
ABI_CONST(IORING_SETUP_ATTACH_WQ)
ABI_CONST(IORING_SETUP_R_DISABLED)
ABI_CONST(IORING_SETUP_SUBMIT_ALL)
ABI_CONST(IORING_SETUP_COOP_TASKRUN)
ABI_CONST(IORING_SETUP_TASKRUN_FLAG)
ABI_CONST(IORING_SETUP_SQE128)
ABI_CONST(IORING_SETUP_CQE32)
ABI_CONST(IORING_SETUP_SINGLE_ISSUER)
ABI_CONST(IORING_SETUP_DEFER_TASKRUN)
ABI_CONST(IORING_URING_CMD_FIXED)
ABI_CONST(IORING_FSYNC_DATASYNC)
ABI_CONST(IORING_TIMEOUT_ABS)
ABI_CONST(IORING_TIMEOUT_UPDATE)
ABI_CONST(IORING_TIMEOUT_BOOTTIME)
ABI_CONST(IORING_TIMEOUT_REALTIME)
ABI_CONST(IORING_LINK_TIMEOUT_UPDATE)
ABI_CONST(IORING_TIMEOUT_ETIME_SUCCESS)
ABI_CONST(IORING_TIMEOUT_CLOCK_MASK)
ABI_CONST(IORING_TIMEOUT_UPDATE_MASK)
ABI_CONST(SPLICE_F_FD_IN_FIXED)
ABI_CONST(IORING_POLL_ADD_MULTI)
ABI_CONST(IORING_POLL_UPDATE_EVENTS)
ABI_CONST(IORING_POLL_UPDATE_USER_DATA)
ABI_CONST(IORING_POLL_ADD_LEVEL)
ABI_CONST(IORING_ASYNC_CANCEL_ALL)
ABI_CONST(IORING_ASYNC_CANCEL_FD)
ABI_CONST(IORING_ASYNC_CANCEL_ANY)
ABI_CONST(IORING_ASYNC_CANCEL_FD_FIXED)
#ifdef IORING_ASYNC_CANCEL_USERDATA /* not in every 6.1 header: see the top */
ABI_CONST(IORING_ASYNC_CANCEL_USERDATA)
#endif
#ifdef IORING_ASYNC_CANCEL_OP /* not in every 6.1 header: see the top */
ABI_CONST(IORING_ASYNC_CANCEL_OP)
#endif
ABI_CONST(IORING_RECVSEND_POLL_FIRST)
ABI_CONST(IORING_RECV_MULTISHOT)
ABI_CONST(IORING_RECVSEND_FIXED_BUF)
ABI_CONST(IORING_SEND_ZC_REPORT_USAGE)
ABI_CONST(IORING_NOTIF_USAGE_ZC_COPIED)
ABI_CONST(IORING_ACCEPT_MULTISHOT)
ABI_CONST(IORING_MSG_RING_CQE_SKIP)
ABI_CONST(IORING_CQE_F_BUFFER)
ABI_CONST(IORING_CQE_F_MORE)
ABI_CONST(IORING_CQE_F_SOCK_NONEMPTY)
ABI_CONST(IORING_CQE_F_NOTIF)
ABI_CONST(IORING_CQE_BUFFER_SHIFT)
ABI_CONST(IORING_OFF_SQ_RING)
ABI_CONST(IORING_OFF_CQ_RING)
ABI_CONST(IORING_OFF_SQES)
#ifdef IORING_OFF_MMAP_MASK /* not in every 6.1 header: see the top */
ABI_CONST(IORING_OFF_MMAP_MASK)
#endif
ABI_CONST(IORING_SQ_NEED_WAKEUP)
ABI_CONST(IORING_SQ_CQ_OVERFLOW)
ABI_CONST(IORING_SQ_TASKRUN)
ABI_CONST(IORING_CQ_EVENTFD_DISABLED)
ABI_CONST(IORING_ENTER_GETEVENTS)
ABI_CONST(IORING_ENTER_SQ_WAKEUP)
ABI_CONST(IORING_ENTER_SQ_WAIT)
ABI_CONST(IORING_ENTER_EXT_ARG)
ABI_CONST(IORING_ENTER_REGISTERED_RING)
ABI_CONST(IORING_FEAT_SINGLE_MMAP)
ABI_CONST(IORING_FEAT_NODROP)
ABI_CONST(IORING_FEAT_SUBMIT_STABLE)
ABI_CONST(IORING_FEAT_RW_CUR_POS)
ABI_CONST(IORING_FEAT_CUR_PERSONALITY)
ABI_CONST(IORING_FEAT_FAST_POLL)
ABI_CONST(IORING_FEAT_POLL_32BITS)
ABI_CONST(IORING_FEAT_SQPOLL_NONFIXED)
ABI_CONST(IORING_FEAT_EXT_ARG)
ABI_CONST(IORING_FEAT_NATIVE_WORKERS)
ABI_CONST(IORING_FEAT_RSRC_TAGS)
ABI_CONST(IORING_FEAT_CQE_SKIP)
ABI_CONST(IORING_FEAT_LINKED_FILE)
ABI_CONST(IORING_RSRC_REGISTER_SPARSE)
ABI_CONST(IORING_REGISTER_FILES_SKIP)
ABI_CONST(IO_URING_OP_SUPPORTED)
ABI_CONST(IOSQE_FIXED_FILE_BIT)
ABI_CONST(IOSQE_IO_DRAIN_BIT)
ABI_CONST(IOSQE_IO_LINK_BIT)
ABI_CONST(IOSQE_IO_HARDLINK_BIT)
ABI_CONST(IOSQE_ASYNC_BIT)
ABI_CONST(IOSQE_BUFFER_SELECT_BIT)
ABI_CONST(IOSQE_CQE_SKIP_SUCCESS_BIT)
ABI_CONST(IORING_OP_NOP)
ABI_CONST(IORING_OP_READV)
ABI_CONST(IORING_OP_WRITEV)
ABI_CONST(IORING_OP_FSYNC)
ABI_CONST(IORING_OP_READ_FIXED)
ABI_CONST(IORING_OP_WRITE_FIXED)
ABI_CONST(IORING_OP_POLL_ADD)
ABI_CONST(IORING_OP_POLL_REMOVE)
ABI_CONST(IORING_OP_SYNC_FILE_RANGE)
ABI_CONST(IORING_OP_SENDMSG)
ABI_CONST(IORING_OP_RECVMSG)
ABI_CONST(IORING_OP_TIMEOUT)
ABI_CONST(IORING_OP_TIMEOUT_REMOVE)
ABI_CONST(IORING_OP_ACCEPT)
ABI_CONST(IORING_OP_ASYNC_CANCEL)
ABI_CONST(IORING_OP_LINK_TIMEOUT)
ABI_CONST(IORING_OP_CONNECT)
ABI_CONST(IORING_OP_FALLOCATE)
ABI_CONST(IORING_OP_OPENAT)
ABI_CONST(IORING_OP_CLOSE)
ABI_CONST(IORING_OP_FILES_UPDATE)
ABI_CONST(IORING_OP_STATX)
ABI_CONST(IORING_OP_READ)
ABI_CONST(IORING_OP_WRITE)
ABI_CONST(IORING_OP_FADVISE)
ABI_CONST(IORING_OP_MADVISE)
ABI_CONST(IORING_OP_SEND)
ABI_CONST(IORING_OP_RECV)
ABI_CONST(IORING_OP_OPENAT2)
ABI_CONST(IORING_OP_EPOLL_CTL)
ABI_CONST(IORING_OP_SPLICE)
ABI_CONST(IORING_OP_PROVIDE_BUFFERS)
ABI_CONST(IORING_OP_REMOVE_BUFFERS)
ABI_CONST(IORING_OP_TEE)
ABI_CONST(IORING_OP_SHUTDOWN)
ABI_CONST(IORING_OP_RENAMEAT)
ABI_CONST(IORING_OP_UNLINKAT)
ABI_CONST(IORING_OP_MKDIRAT)
ABI_CONST(IORING_OP_SYMLINKAT)
ABI_CONST(IORING_OP_LINKAT)
ABI_CONST(IORING_OP_MSG_RING)
ABI_CONST(IORING_OP_FSETXATTR)
ABI_CONST(IORING_OP_SETXATTR)
ABI_CONST(IORING_OP_FGETXATTR)
ABI_CONST(IORING_OP_GETXATTR)
ABI_CONST(IORING_OP_SOCKET)
ABI_CONST(IORING_OP_URING_CMD)
ABI_CONST(IORING_OP_SEND_ZC)
ABI_CONST(IORING_OP_SENDMSG_ZC)
ABI_CONST(IORING_MSG_DATA)
ABI_CONST(IORING_MSG_SEND_FD)
ABI_CONST(IORING_REGISTER_BUFFERS)
ABI_CONST(IORING_UNREGISTER_BUFFERS)
ABI_CONST(IORING_REGISTER_FILES)
ABI_CONST(IORING_UNREGISTER_FILES)
ABI_CONST(IORING_REGISTER_EVENTFD)
ABI_CONST(IORING_UNREGISTER_EVENTFD)
ABI_CONST(IORING_REGISTER_FILES_UPDATE)
ABI_CONST(IORING_REGISTER_EVENTFD_ASYNC)
ABI_CONST(IORING_REGISTER_PROBE)
ABI_CONST(IORING_REGISTER_PERSONALITY)
ABI_CONST(IORING_UNREGISTER_PERSONALITY)
ABI_CONST(IORING_REGISTER_RESTRICTIONS)
ABI_CONST(IORING_REGISTER_ENABLE_RINGS)
ABI_CONST(IORING_REGISTER_FILES2)
ABI_CONST(IORING_REGISTER_FILES_UPDATE2)
ABI_CONST(IORING_REGISTER_BUFFERS2)
ABI_CONST(IORING_REGISTER_BUFFERS_UPDATE)
ABI_CONST(IORING_REGISTER_IOWQ_AFF)
ABI_CONST(IORING_UNREGISTER_IOWQ_AFF)
ABI_CONST(IORING_REGISTER_IOWQ_MAX_WORKERS)
ABI_CONST(IORING_REGISTER_RING_FDS)
ABI_CONST(IORING_UNREGISTER_RING_FDS)
ABI_CONST(IORING_REGISTER_PBUF_RING)
ABI_CONST(IORING_UNREGISTER_PBUF_RING)
ABI_CONST(IORING_REGISTER_SYNC_CANCEL)
ABI_CONST(IORING_REGISTER_FILE_ALLOC_RANGE)
ABI_CONST(IO_WQ_BOUND)
ABI_CONST(IO_WQ_UNBOUND)
ABI_CONST(IORING_RESTRICTION_REGISTER_OP)
ABI_CONST(IORING_RESTRICTION_SQE_OP)
ABI_CONST(IORING_RESTRICTION_SQE_FLAGS_ALLOWED)
ABI_CONST(IORING_RESTRICTION_SQE_FLAGS_REQUIRED)
ABI_CONST(IORING_RESTRICTION_LAST)

/* Newer macros: compared where the system header defines them. */
#ifdef IORING_RW_ATTR_FLAG_PI
ABI_CONST(IORING_RW_ATTR_FLAG_PI)
#endif
#ifdef IORING_SETUP_NO_MMAP
ABI_CONST(IORING_SETUP_NO_MMAP)
#endif
#ifdef IORING_SETUP_REGISTERED_FD_ONLY
ABI_CONST(IORING_SETUP_REGISTERED_FD_ONLY)
#endif
#ifdef IORING_SETUP_NO_SQARRAY
ABI_CONST(IORING_SETUP_NO_SQARRAY)
#endif
#ifdef IORING_SETUP_HYBRID_IOPOLL
ABI_CONST(IORING_SETUP_HYBRID_IOPOLL)
#endif
#ifdef IORING_SETUP_CQE_MIXED
ABI_CONST(IORING_SETUP_CQE_MIXED)
#endif
#ifdef IORING_SETUP_SQE_MIXED
ABI_CONST(IORING_SETUP_SQE_MIXED)
#endif
#ifdef IORING_URING_CMD_MASK
ABI_CONST(IORING_URING_CMD_MASK)
#endif
#ifdef IORING_TIMEOUT_MULTISHOT
ABI_CONST(IORING_TIMEOUT_MULTISHOT)
#endif
#ifdef IORING_RECVSEND_BUNDLE
ABI_CONST(IORING_RECVSEND_BUNDLE)
#endif
#ifdef IORING_SEND_VECTORIZED
ABI_CONST(IORING_SEND_VECTORIZED)
#endif
#ifdef IORING_ACCEPT_DONTWAIT
ABI_CONST(IORING_ACCEPT_DONTWAIT)
#endif
#ifdef IORING_ACCEPT_POLL_FIRST
ABI_CONST(IORING_ACCEPT_POLL_FIRST)
#endif
#ifdef IORING_MSG_RING_FLAGS_PASS
ABI_CONST(IORING_MSG_RING_FLAGS_PASS)
#endif
#ifdef IORING_FIXED_FD_NO_CLOEXEC
ABI_CONST(IORING_FIXED_FD_NO_CLOEXEC)
#endif
#ifdef IORING_NOP_INJECT_RESULT
ABI_CONST(IORING_NOP_INJECT_RESULT)
#endif
#ifdef IORING_CQE_F_BUF_MORE
ABI_CONST(IORING_CQE_F_BUF_MORE)
#endif
#ifdef IORING_CQE_F_SKIP
ABI_CONST(IORING_CQE_F_SKIP)
#endif
#ifdef IORING_CQE_F_32
ABI_CONST(IORING_CQE_F_32)
#endif
#ifdef IORING_OFF_PBUF_RING
ABI_CONST(IORING_OFF_PBUF_RING)
#endif
#ifdef IORING_OFF_PBUF_SHIFT
ABI_CONST(IORING_OFF_PBUF_SHIFT)
#endif
#ifdef IORING_ENTER_ABS_TIMER
ABI_CONST(IORING_ENTER_ABS_TIMER)
#endif
#ifdef IORING_ENTER_EXT_ARG_REG
ABI_CONST(IORING_ENTER_EXT_ARG_REG)
#endif
#ifdef IORING_ENTER_NO_IOWAIT
ABI_CONST(IORING_ENTER_NO_IOWAIT)
#endif
#ifdef IORING_FEAT_REG_REG_RING
ABI_CONST(IORING_FEAT_REG_REG_RING)
#endif
#ifdef IORING_FEAT_RECVSEND_BUNDLE
ABI_CONST(IORING_FEAT_RECVSEND_BUNDLE)
#endif
#ifdef IORING_FEAT_MIN_TIMEOUT
ABI_CONST(IORING_FEAT_MIN_TIMEOUT)
#endif
#ifdef IORING_FEAT_RW_ATTR
ABI_CONST(IORING_FEAT_RW_ATTR)
#endif
#ifdef IORING_FEAT_NO_IOWAIT
ABI_CONST(IORING_FEAT_NO_IOWAIT)
#endif

/* Newer enumerators: compared where the system header's version has them. */
#if ABI_HAVE(6, 7)
ABI_CONST(IORING_OP_READ_MULTISHOT)
#endif
#if ABI_HAVE(6, 7)
ABI_CONST(IORING_OP_WAITID)
#endif
#if ABI_HAVE(6, 7)
ABI_CONST(IORING_OP_FUTEX_WAIT)
#endif
#if ABI_HAVE(6, 7)
ABI_CONST(IORING_OP_FUTEX_WAKE)
#endif
#if ABI_HAVE(6, 7)
ABI_CONST(IORING_OP_FUTEX_WAITV)
#endif
#if ABI_HAVE(6, 8)
ABI_CONST(IORING_OP_FIXED_FD_INSTALL)
#endif
#if ABI_HAVE(6, 9)
ABI_CONST(IORING_OP_FTRUNCATE)
#endif
#if ABI_HAVE(6, 11)
ABI_CONST(IORING_OP_BIND)
#endif
#if ABI_HAVE(6, 11)
ABI_CONST(IORING_OP_LISTEN)
#endif
#if ABI_HAVE(6, 15)
ABI_CONST(IORING_OP_RECV_ZC)
#endif
#if ABI_HAVE(6, 15)
ABI_CONST(IORING_OP_EPOLL_WAIT)
#endif
#if ABI_HAVE(6, 15)
ABI_CONST(IORING_OP_READV_FIXED)
#endif
#if ABI_HAVE(6, 15)
ABI_CONST(IORING_OP_WRITEV_FIXED)
#endif
#if ABI_HAVE(6, 16)
ABI_CONST(IORING_OP_PIPE)
#endif
#if ABI_HAVE(6, 8)
ABI_CONST(IORING_REGISTER_PBUF_STATUS)
#endif
#if ABI_HAVE(6, 9)
ABI_CONST(IORING_REGISTER_NAPI)
#endif
#if ABI_HAVE(6, 9)
ABI_CONST(IORING_UNREGISTER_NAPI)
#endif
#if ABI_HAVE(6, 12)
ABI_CONST(IORING_REGISTER_CLOCK)
#endif
#if ABI_HAVE(6, 12)
ABI_CONST(IORING_REGISTER_CLONE_BUFFERS)
#endif
#if ABI_HAVE(6, 13)
ABI_CONST(IORING_REGISTER_SEND_MSG_RING)
#endif
#if ABI_HAVE(6, 15)
ABI_CONST(IORING_REGISTER_ZCRX_IFQ)
#endif
#if ABI_HAVE(6, 13)
ABI_CONST(IORING_REGISTER_RESIZE_RINGS)
#endif
#if ABI_HAVE(6, 13)
ABI_CONST(IORING_REGISTER_MEM_REGION)
#endif
#if ABI_HAVE(6, 18)
ABI_CONST(IORING_REGISTER_QUERY)
#endif
#if ABI_HAVE(6, 18)
ABI_CONST(IORING_REGISTER_ZCRX_CTRL)
#endif
#if ABI_HAVE(6, 3)
ABI_CONST(IORING_REGISTER_USE_REGISTERED_RING)
#endif
