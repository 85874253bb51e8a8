/* SPDX-License-Identifier: MIT */
/*
 * Header coverage: every function of upstream liburing 2.15's liburing.h
 * (its inline helpers and its library calls, 235 names, taken from that
 * header, including the four it marks as not exported to other languages'
 * bindings) is declared by include/ringer.h, defined (its address is taken
 * below, so the link fails for a declared, undefined call) and called at
 * least once by this program, through CALL(), which records the call.
 *
 * A function added to liburing.h later goes on the list and in present[]
 * (FN), and is called with CALL() in a case below.
 *
 * The prep helpers are checked field by field against the encoding
 * liburing 2.15 documents; calls that need a ring run on the backend of the
 * run.  Run the whole program: the last case checks that every function of
 * present[] was called by the cases before it.
 */
#include "harness.h"

#include <ctype.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/xattr.h>

#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 0x02
#endif

#ifndef RINGER_SOURCE_DIR
#error "RINGER_SOURCE_DIR: the source tree, to read include/ringer.h"
#endif

struct fn {
	const char *name;
	void (*addr)(void);
	bool called;
};

/* clang-format off */
#define FN(f) { #f, (void (*)(void))(f), false }
/* clang-format on */

static const char *const liburing_2_15[] = {
	"io_uring_get_probe_ring",
	"io_uring_get_probe",
	"io_uring_free_probe",
	"io_uring_queue_init_mem",
	"io_uring_queue_init_params",
	"io_uring_queue_init",
	"io_uring_queue_mmap",
	"io_uring_ring_dontfork",
	"io_uring_queue_exit",
	"io_uring_peek_batch_cqe",
	"io_uring_wait_cqes",
	"io_uring_wait_cqes_min_timeout",
	"io_uring_wait_cqe_timeout",
	"io_uring_submit",
	"io_uring_submit_and_wait",
	"io_uring_submit_and_wait_timeout",
	"io_uring_submit_and_wait_min_timeout",
	"io_uring_submit_and_wait_reg",
	"io_uring_register_wait_reg",
	"io_uring_resize_rings",
	"io_uring_clone_buffers_offset",
	"__io_uring_clone_buffers_offset",
	"io_uring_clone_buffers",
	"__io_uring_clone_buffers",
	"io_uring_register_buffers",
	"io_uring_register_buffers_tags",
	"io_uring_register_buffers_sparse",
	"io_uring_register_buffers_update_tag",
	"io_uring_unregister_buffers",
	"io_uring_register_files",
	"io_uring_register_files_tags",
	"io_uring_register_files_sparse",
	"io_uring_register_files_update_tag",
	"io_uring_unregister_files",
	"io_uring_register_files_update",
	"io_uring_register_eventfd",
	"io_uring_register_eventfd_async",
	"io_uring_unregister_eventfd",
	"io_uring_register_probe",
	"io_uring_register_personality",
	"io_uring_unregister_personality",
	"io_uring_register_restrictions",
	"io_uring_enable_rings",
	"__io_uring_sqring_wait",
	"io_uring_register_iowq_aff",
	"io_uring_unregister_iowq_aff",
	"io_uring_register_iowq_max_workers",
	"io_uring_register_ring_fd",
	"io_uring_unregister_ring_fd",
	"io_uring_close_ring_fd",
	"io_uring_register_buf_ring",
	"io_uring_unregister_buf_ring",
	"io_uring_buf_ring_head",
	"io_uring_register_sync_cancel",
	"io_uring_register_sync_msg",
	"io_uring_register_file_alloc_range",
	"io_uring_register_napi",
	"io_uring_unregister_napi",
	"io_uring_register_ifq",
	"io_uring_register_zcrx_ctrl",
	"io_uring_register_clock",
	"io_uring_register_bpf_filter",
	"io_uring_register_bpf_filter_task",
	"io_uring_register_query",
	"io_uring_get_events",
	"io_uring_submit_and_get_events",
	"io_uring_enter",
	"io_uring_enter2",
	"io_uring_setup",
	"io_uring_register",
	"io_uring_register_region",
	"io_uring_setup_buf_ring",
	"io_uring_free_buf_ring",
	"__io_uring_get_cqe",
	"io_uring_set_iowait",
	"io_uring_mlock_size",
	"io_uring_mlock_size_params",
	"io_uring_memory_size",
	"io_uring_memory_size_params",
	"io_uring_major_version",
	"io_uring_minor_version",
	"io_uring_check_version",
	"io_uring_opcode_supported",
	"io_uring_cqe_shift_from_flags",
	"io_uring_cqe_shift",
	"io_uring_cqe_nr",
	"io_uring_skip_cqe",
	"uring_ptr_to_u64",
	"__io_uring_set_target_fixed_file",
	"__io_uring_prep_poll_mask",
	"io_uring_cqe_iter_init",
	"io_uring_cqe_iter_next",
	"io_uring_cq_advance",
	"io_uring_cqe_seen",
	"io_uring_sqe_set_data",
	"io_uring_cqe_get_data",
	"io_uring_sqe_set_data64",
	"io_uring_cqe_get_data64",
	"io_uring_sqe_set_flags",
	"io_uring_sqe_set_buf_group",
	"io_uring_initialize_sqe",
	"io_uring_prep_rw",
	"io_uring_prep_splice",
	"io_uring_prep_tee",
	"io_uring_prep_readv",
	"io_uring_prep_readv2",
	"io_uring_prep_read_fixed",
	"io_uring_prep_readv_fixed",
	"io_uring_prep_writev",
	"io_uring_prep_writev2",
	"io_uring_prep_write_fixed",
	"io_uring_prep_writev_fixed",
	"io_uring_prep_recvmsg",
	"io_uring_prep_recvmsg_multishot",
	"io_uring_prep_sendmsg",
	"io_uring_prep_poll_add",
	"io_uring_prep_poll_multishot",
	"io_uring_prep_poll_remove",
	"io_uring_prep_poll_update",
	"io_uring_prep_fsync",
	"io_uring_prep_nop",
	"io_uring_prep_nop128",
	"io_uring_prep_timeout",
	"io_uring_prep_timeout_remove",
	"io_uring_prep_timeout_update",
	"io_uring_prep_accept",
	"io_uring_prep_accept_direct",
	"io_uring_prep_multishot_accept",
	"io_uring_prep_multishot_accept_direct",
	"io_uring_prep_cancel64",
	"io_uring_prep_cancel",
	"io_uring_prep_cancel_fd",
	"io_uring_prep_link_timeout",
	"io_uring_prep_connect",
	"io_uring_prep_bind",
	"io_uring_prep_listen",
	"io_uring_prep_epoll_wait",
	"io_uring_prep_files_update",
	"io_uring_prep_fallocate",
	"io_uring_prep_openat",
	"io_uring_prep_openat_direct",
	"io_uring_prep_open",
	"io_uring_prep_open_direct",
	"io_uring_prep_close",
	"io_uring_prep_close_direct",
	"io_uring_prep_read",
	"io_uring_prep_read_multishot",
	"io_uring_prep_write",
	"io_uring_prep_statx",
	"io_uring_prep_fadvise",
	"io_uring_prep_madvise",
	"io_uring_prep_fadvise64",
	"io_uring_prep_madvise64",
	"io_uring_prep_send",
	"io_uring_prep_send_bundle",
	"io_uring_prep_send_set_addr",
	"io_uring_prep_sendto",
	"io_uring_prep_send_zc",
	"io_uring_prep_send_zc_fixed",
	"io_uring_prep_sendmsg_zc",
	"io_uring_prep_sendmsg_zc_fixed",
	"io_uring_prep_recv",
	"io_uring_prep_recv_multishot",
	"io_uring_recvmsg_validate",
	"io_uring_recvmsg_name",
	"io_uring_recvmsg_cmsg_firsthdr",
	"io_uring_recvmsg_cmsg_nexthdr",
	"io_uring_recvmsg_payload",
	"io_uring_recvmsg_payload_length",
	"io_uring_prep_openat2",
	"io_uring_prep_openat2_direct",
	"io_uring_prep_epoll_ctl",
	"io_uring_prep_provide_buffers",
	"io_uring_prep_remove_buffers",
	"io_uring_prep_shutdown",
	"io_uring_prep_unlinkat",
	"io_uring_prep_unlink",
	"io_uring_prep_renameat",
	"io_uring_prep_rename",
	"io_uring_prep_sync_file_range",
	"io_uring_prep_mkdirat",
	"io_uring_prep_mkdir",
	"io_uring_prep_symlinkat",
	"io_uring_prep_symlink",
	"io_uring_prep_linkat",
	"io_uring_prep_link",
	"io_uring_prep_msg_ring_cqe_flags",
	"io_uring_prep_msg_ring",
	"io_uring_prep_msg_ring_fd",
	"io_uring_prep_msg_ring_fd_alloc",
	"io_uring_prep_getxattr",
	"io_uring_prep_setxattr",
	"io_uring_prep_fgetxattr",
	"io_uring_prep_fsetxattr",
	"io_uring_prep_socket",
	"io_uring_prep_socket_direct",
	"io_uring_prep_socket_direct_alloc",
	"__io_uring_prep_uring_cmd",
	"io_uring_prep_uring_cmd",
	"io_uring_prep_uring_cmd128",
	"io_uring_prep_cmd_sock",
	"io_uring_prep_cmd_getsockname",
	"io_uring_prep_waitid",
	"io_uring_prep_futex_wake",
	"io_uring_prep_futex_wait",
	"io_uring_prep_futex_waitv",
	"io_uring_prep_fixed_fd_install",
	"io_uring_prep_ftruncate",
	"io_uring_prep_cmd_discard",
	"io_uring_prep_pipe",
	"io_uring_prep_pipe_direct",
	"io_uring_load_sq_head",
	"io_uring_sq_ready",
	"io_uring_sq_space_left",
	"io_uring_sqe_shift_from_flags",
	"io_uring_sqe_shift",
	"io_uring_sqring_wait",
	"io_uring_cq_ready",
	"io_uring_cq_has_overflow",
	"io_uring_cq_eventfd_enabled",
	"io_uring_cq_eventfd_toggle",
	"io_uring_wait_cqe_nr",
	"__io_uring_peek_cqe",
	"io_uring_peek_cqe",
	"io_uring_wait_cqe",
	"_io_uring_get_sqe",
	"io_uring_buf_ring_mask",
	"io_uring_buf_ring_init",
	"io_uring_buf_ring_add",
	"io_uring_buf_ring_advance",
	"__io_uring_buf_ring_cq_advance",
	"io_uring_buf_ring_cq_advance",
	"io_uring_buf_ring_available",
	"io_uring_get_sqe",
	"io_uring_get_sqe128",
};

static struct fn present[] = {
	FN(io_uring_get_probe_ring),
	FN(io_uring_get_probe),
	FN(io_uring_free_probe),
	FN(io_uring_queue_init_params),
	FN(io_uring_queue_init),
	FN(io_uring_queue_mmap),
	FN(io_uring_ring_dontfork),
	FN(io_uring_queue_exit),
	FN(io_uring_peek_batch_cqe),
	FN(io_uring_wait_cqes),
	FN(io_uring_wait_cqes_min_timeout),
	FN(io_uring_wait_cqe_timeout),
	FN(io_uring_submit),
	FN(io_uring_submit_and_wait),
	FN(io_uring_submit_and_wait_timeout),
	FN(io_uring_submit_and_wait_min_timeout),
	FN(io_uring_clone_buffers_offset),
	FN(io_uring_clone_buffers),
	FN(io_uring_register_buffers),
	FN(io_uring_register_buffers_tags),
	FN(io_uring_register_buffers_sparse),
	FN(io_uring_register_buffers_update_tag),
	FN(io_uring_unregister_buffers),
	FN(io_uring_register_files),
	FN(io_uring_register_files_tags),
	FN(io_uring_register_files_sparse),
	FN(io_uring_register_files_update_tag),
	FN(io_uring_unregister_files),
	FN(io_uring_register_files_update),
	FN(io_uring_register_eventfd),
	FN(io_uring_register_eventfd_async),
	FN(io_uring_unregister_eventfd),
	FN(io_uring_register_probe),
	FN(io_uring_register_personality),
	FN(io_uring_unregister_personality),
	FN(io_uring_enable_rings),
	FN(__io_uring_sqring_wait),
	FN(io_uring_register_iowq_max_workers),
	FN(io_uring_register_ring_fd),
	FN(io_uring_unregister_ring_fd),
	FN(io_uring_close_ring_fd),
	FN(io_uring_register_buf_ring),
	FN(io_uring_unregister_buf_ring),
	FN(io_uring_buf_ring_head),
	FN(io_uring_register_sync_cancel),
	FN(io_uring_register_clock),
	FN(io_uring_get_events),
	FN(io_uring_submit_and_get_events),
	FN(io_uring_enter),
	FN(io_uring_enter2),
	FN(io_uring_setup),
	FN(io_uring_register),
	FN(io_uring_setup_buf_ring),
	FN(io_uring_free_buf_ring),
	FN(__io_uring_get_cqe),
	FN(io_uring_major_version),
	FN(io_uring_minor_version),
	FN(io_uring_check_version),
	FN(io_uring_opcode_supported),
	FN(io_uring_cqe_shift),
	FN(io_uring_cq_advance),
	FN(io_uring_cqe_seen),
	FN(io_uring_sqe_set_data),
	FN(io_uring_cqe_get_data),
	FN(io_uring_sqe_set_data64),
	FN(io_uring_cqe_get_data64),
	FN(io_uring_sqe_set_flags),
	FN(io_uring_sqe_set_buf_group),
	FN(io_uring_prep_rw),
	FN(io_uring_prep_splice),
	FN(io_uring_prep_tee),
	FN(io_uring_prep_readv),
	FN(io_uring_prep_readv2),
	FN(io_uring_prep_read_fixed),
	FN(io_uring_prep_writev),
	FN(io_uring_prep_writev2),
	FN(io_uring_prep_write_fixed),
	FN(io_uring_prep_recvmsg),
	FN(io_uring_prep_recvmsg_multishot),
	FN(io_uring_prep_sendmsg),
	FN(io_uring_prep_poll_add),
	FN(io_uring_prep_poll_multishot),
	FN(io_uring_prep_poll_remove),
	FN(io_uring_prep_poll_update),
	FN(io_uring_prep_fsync),
	FN(io_uring_prep_nop),
	FN(io_uring_prep_timeout),
	FN(io_uring_prep_timeout_remove),
	FN(io_uring_prep_timeout_update),
	FN(io_uring_prep_accept),
	FN(io_uring_prep_accept_direct),
	FN(io_uring_prep_multishot_accept),
	FN(io_uring_prep_multishot_accept_direct),
	FN(io_uring_prep_cancel64),
	FN(io_uring_prep_cancel),
	FN(io_uring_prep_cancel_fd),
	FN(io_uring_prep_link_timeout),
	FN(io_uring_prep_connect),
	FN(io_uring_prep_bind),
	FN(io_uring_prep_listen),
	FN(io_uring_prep_epoll_wait),
	FN(io_uring_prep_files_update),
	FN(io_uring_prep_fallocate),
	FN(io_uring_prep_openat),
	FN(io_uring_prep_close),
	FN(io_uring_prep_read),
	FN(io_uring_prep_read_multishot),
	FN(io_uring_prep_write),
	FN(io_uring_prep_statx),
	FN(io_uring_prep_fadvise),
	FN(io_uring_prep_madvise),
	FN(io_uring_prep_send),
	FN(io_uring_prep_send_set_addr),
	FN(io_uring_prep_sendto),
	FN(io_uring_prep_send_zc),
	FN(io_uring_prep_send_zc_fixed),
	FN(io_uring_prep_sendmsg_zc),
	FN(io_uring_prep_recv),
	FN(io_uring_prep_recv_multishot),
	FN(io_uring_recvmsg_validate),
	FN(io_uring_recvmsg_name),
	FN(io_uring_recvmsg_cmsg_firsthdr),
	FN(io_uring_recvmsg_cmsg_nexthdr),
	FN(io_uring_recvmsg_payload),
	FN(io_uring_recvmsg_payload_length),
	FN(io_uring_prep_epoll_ctl),
	FN(io_uring_prep_provide_buffers),
	FN(io_uring_prep_remove_buffers),
	FN(io_uring_prep_shutdown),
	FN(io_uring_prep_unlinkat),
	FN(io_uring_prep_unlink),
	FN(io_uring_prep_renameat),
	FN(io_uring_prep_rename),
	FN(io_uring_prep_sync_file_range),
	FN(io_uring_prep_mkdirat),
	FN(io_uring_prep_mkdir),
	FN(io_uring_prep_symlinkat),
	FN(io_uring_prep_symlink),
	FN(io_uring_prep_linkat),
	FN(io_uring_prep_link),
	FN(io_uring_prep_msg_ring_cqe_flags),
	FN(io_uring_prep_msg_ring),
	FN(io_uring_prep_msg_ring_fd),
	FN(io_uring_prep_msg_ring_fd_alloc),
	FN(io_uring_prep_getxattr),
	FN(io_uring_prep_setxattr),
	FN(io_uring_prep_fgetxattr),
	FN(io_uring_prep_fsetxattr),
	FN(io_uring_prep_socket),
	FN(io_uring_prep_socket_direct),
	FN(io_uring_prep_socket_direct_alloc),
	FN(io_uring_prep_uring_cmd),
	FN(io_uring_prep_cmd_sock),
	FN(io_uring_prep_waitid),
	FN(io_uring_prep_futex_wake),
	FN(io_uring_prep_futex_wait),
	FN(io_uring_prep_futex_waitv),
	FN(io_uring_prep_fixed_fd_install),
	FN(io_uring_prep_ftruncate),
	FN(io_uring_prep_pipe),
	FN(io_uring_prep_pipe_direct),
	FN(io_uring_sq_ready),
	FN(io_uring_sq_space_left),
	FN(io_uring_sqe_shift),
	FN(io_uring_sqring_wait),
	FN(io_uring_cq_ready),
	FN(io_uring_cq_has_overflow),
	FN(io_uring_cq_eventfd_enabled),
	FN(io_uring_cq_eventfd_toggle),
	FN(io_uring_wait_cqe_nr),
	FN(__io_uring_peek_cqe),
	FN(io_uring_peek_cqe),
	FN(io_uring_wait_cqe),
	FN(io_uring_buf_ring_mask),
	FN(io_uring_buf_ring_init),
	FN(io_uring_buf_ring_add),
	FN(io_uring_buf_ring_advance),
	FN(__io_uring_buf_ring_cq_advance),
	FN(io_uring_buf_ring_cq_advance),
	FN(io_uring_buf_ring_available),
	FN(io_uring_get_sqe),
	FN(__io_uring_prep_uring_cmd),
	FN(_io_uring_get_sqe),
	FN(io_uring_cqe_iter_init),
	FN(io_uring_cqe_iter_next),
	FN(io_uring_cqe_nr),
	FN(io_uring_skip_cqe),
	FN(uring_ptr_to_u64),
	FN(__io_uring_set_target_fixed_file),
	FN(__io_uring_prep_poll_mask),
	FN(io_uring_cqe_shift_from_flags),
	FN(io_uring_get_sqe128),
	FN(io_uring_initialize_sqe),
	FN(io_uring_load_sq_head),
	FN(io_uring_prep_close_direct),
	FN(io_uring_prep_cmd_discard),
	FN(io_uring_prep_cmd_getsockname),
	FN(io_uring_prep_fadvise64),
	FN(io_uring_prep_madvise64),
	FN(io_uring_prep_nop128),
	FN(io_uring_prep_open),
	FN(io_uring_prep_open_direct),
	FN(io_uring_prep_openat2),
	FN(io_uring_prep_openat2_direct),
	FN(io_uring_prep_openat_direct),
	FN(io_uring_prep_readv_fixed),
	FN(io_uring_prep_send_bundle),
	FN(io_uring_prep_sendmsg_zc_fixed),
	FN(io_uring_prep_uring_cmd128),
	FN(io_uring_prep_writev_fixed),
	FN(io_uring_sqe_shift_from_flags),
	FN(io_uring_queue_init_mem),
	FN(io_uring_memory_size),
	FN(io_uring_memory_size_params),
	FN(io_uring_mlock_size),
	FN(io_uring_mlock_size_params),
	FN(io_uring_resize_rings),
	FN(io_uring_submit_and_wait_reg),
	FN(io_uring_set_iowait),
	FN(__io_uring_clone_buffers),
	FN(__io_uring_clone_buffers_offset),
	FN(io_uring_register_restrictions),
	FN(io_uring_register_iowq_aff),
	FN(io_uring_unregister_iowq_aff),
	FN(io_uring_register_file_alloc_range),
	FN(io_uring_register_napi),
	FN(io_uring_unregister_napi),
	FN(io_uring_register_ifq),
	FN(io_uring_register_zcrx_ctrl),
	FN(io_uring_register_region),
	FN(io_uring_register_wait_reg),
	FN(io_uring_register_bpf_filter),
	FN(io_uring_register_bpf_filter_task),
	FN(io_uring_register_sync_msg),
	FN(io_uring_register_query),
};

static struct fn *find_present(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(present); i++)
		if (!strcmp(present[i].name, name))
			return &present[i];
	return NULL;
}

static bool in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

/* Record a call of name; a name not in present[] is a bug of this test. */
static void mark(const char *name)
{
	struct fn *f = find_present(name);

	if (!f) {
		printf("# CALL(%s): not in present[]\n", name);
		harness_fail_mark(false);
		return;
	}
	f->called = true;
}

/* the function itself, its call recorded: CALL(io_uring_prep_nop)(sqe) */
#define CALL(f) (mark(#f), (f))

TEST(list_is_liburing_2_15)
{
	CHECK_EQ(ARRAY_SIZE(liburing_2_15), 235);
	CHECK_EQ(ARRAY_SIZE(present), ARRAY_SIZE(liburing_2_15));
	for (size_t i = 0; i < ARRAY_SIZE(liburing_2_15); i++) {
		const char *name = liburing_2_15[i];

		CHECK_MSG(find_present(name) != NULL, "%s: not in present[]", name);
		CHECK_MSG(!in_list(liburing_2_15, i, name), "%s listed twice", name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(present); i++) {
		CHECK_MSG(in_list(liburing_2_15, ARRAY_SIZE(liburing_2_15), present[i].name),
			  "present[] %s is not a liburing 2.15 function", present[i].name);
		CHECK_TRUE(present[i].addr != NULL);
	}
}

/* a declaration or definition of name in text: name( after a type */
static bool declares(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
		const char *q = p + len;
		const char *line = p;

		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '(')
			continue;
		while (line > text && line[-1] != '\n')
			line--;
		while (*line == ' ' || *line == '\t')
			line++;
		/* comments mention calls: " * io_uring_foo()" */
		if (line[0] == '*' || (line[0] == '/' && (line[1] == '*' || line[1] == '/')))
			continue;
		/* a call inside a body is indented; a declaration's name follows a type */
		if (p > text && (p[-1] == ' ' || p[-1] == '*') && line != p)
			return true;
		if (line == p && p > text && p[-1] == '\n')
			return true; /* name at the start of a line: "type\nname(" */
	}
	return false;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Every function of the list is declared by ringer.h (a scan of its text). */
TEST(every_function_declared)
{
	char *hdr = read_file(RINGER_SOURCE_DIR "/include/ringer.h");

	REQUIRE_TRUE(hdr != NULL);
	/* the scan finds what is there */
	CHECK_TRUE(declares(hdr, "io_uring_prep_nop"));
	CHECK_TRUE(declares(hdr, "io_uring_submit"));
	CHECK_TRUE(declares(hdr, "io_uring_recvmsg_validate"));
	for (size_t i = 0; i < ARRAY_SIZE(present); i++)
		CHECK_MSG(declares(hdr, present[i].name), "%s: not found declared in ringer.h",
			  present[i].name);
	free(hdr);
}

/* An SQE full of garbage: a prep helper must set what it encodes. */
static struct io_uring_sqe *dirty(struct io_uring_sqe *sqe)
{
	memset(sqe, 0xa5, sizeof(*sqe));
	return sqe;
}

/* the fields io_uring_prep_rw() sets, and the ones every helper zeroes */
#define CHECK_RW(sqe, op_, fd_, addr_, len_, off_)                  \
	do {                                                        \
		CHECK_EQ((sqe)->opcode, (op_));                     \
		CHECK_EQ((sqe)->fd, (fd_));                         \
		CHECK_EQ_U((sqe)->addr, (__u64)(uintptr_t)(addr_)); \
		CHECK_EQ_U((sqe)->len, (__u32)(len_));              \
		CHECK_EQ_U((sqe)->off, (__u64)(off_));              \
	} while (0)

TEST(prep_helpers_rw_and_files)
{
	struct io_uring_sqe s, *sqe = &s;
	struct iovec iov[2];
	char buf[8];
	struct __kernel_timespec ts = { 0 };
	struct statx stx;
	struct open_how how = { .flags = O_RDONLY };
	int fds[2];

	CALL(io_uring_prep_rw)(IORING_OP_READ, dirty(sqe), 3, buf, 8, 16);
	CHECK_RW(sqe, IORING_OP_READ, 3, buf, 8, 16);
	CALL(io_uring_prep_nop)(dirty(sqe));
	CHECK_RW(sqe, IORING_OP_NOP, -1, NULL, 0, 0);
	CHECK_EQ(sqe->flags, 0);
	CHECK_EQ(sqe->ioprio, 0);
	CHECK_EQ_U(sqe->rw_flags, 0);
	CHECK_EQ(sqe->buf_index, 0);
	CHECK_EQ(sqe->personality, 0);
	CHECK_EQ_U(sqe->file_index, 0);
	CHECK_EQ_U(sqe->addr3, 0);

	CALL(io_uring_prep_readv)(dirty(sqe), 4, iov, 2, 100);
	CHECK_RW(sqe, IORING_OP_READV, 4, iov, 2, 100);
	CALL(io_uring_prep_readv2)(dirty(sqe), 4, iov, 2, 100, RWF_NOWAIT);
	CHECK_RW(sqe, IORING_OP_READV, 4, iov, 2, 100);
	CHECK_EQ_U(sqe->rw_flags, RWF_NOWAIT);
	CALL(io_uring_prep_writev)(dirty(sqe), 5, iov, 1, 7);
	CHECK_RW(sqe, IORING_OP_WRITEV, 5, iov, 1, 7);
	CALL(io_uring_prep_writev2)(dirty(sqe), 5, iov, 1, 7, RWF_DSYNC);
	CHECK_RW(sqe, IORING_OP_WRITEV, 5, iov, 1, 7);
	CHECK_EQ_U(sqe->rw_flags, RWF_DSYNC);
	CALL(io_uring_prep_read)(dirty(sqe), 6, buf, 8, 9);
	CHECK_RW(sqe, IORING_OP_READ, 6, buf, 8, 9);
	CALL(io_uring_prep_write)(dirty(sqe), 6, buf, 8, 9);
	CHECK_RW(sqe, IORING_OP_WRITE, 6, buf, 8, 9);
	CALL(io_uring_prep_read_fixed)(dirty(sqe), 6, buf, 8, 9, 3);
	CHECK_RW(sqe, IORING_OP_READ_FIXED, 6, buf, 8, 9);
	CHECK_EQ(sqe->buf_index, 3);
	CALL(io_uring_prep_write_fixed)(dirty(sqe), 6, buf, 8, 9, 4);
	CHECK_RW(sqe, IORING_OP_WRITE_FIXED, 6, buf, 8, 9);
	CHECK_EQ(sqe->buf_index, 4);
	CALL(io_uring_prep_read_multishot)(dirty(sqe), 6, 64, 0, 5);
	CHECK_RW(sqe, IORING_OP_READ_MULTISHOT, 6, NULL, 64, 0);
	CHECK_EQ(sqe->buf_group, 5);
	CHECK_EQ(sqe->flags, IOSQE_BUFFER_SELECT);

	CALL(io_uring_prep_fsync)(dirty(sqe), 7, IORING_FSYNC_DATASYNC);
	CHECK_RW(sqe, IORING_OP_FSYNC, 7, NULL, 0, 0);
	CHECK_EQ_U(sqe->fsync_flags, IORING_FSYNC_DATASYNC);
	CALL(io_uring_prep_sync_file_range)(dirty(sqe), 7, 10, 20, 2);
	CHECK_RW(sqe, IORING_OP_SYNC_FILE_RANGE, 7, NULL, 10, 20);
	CHECK_EQ_U(sqe->sync_range_flags, 2);
	CALL(io_uring_prep_fallocate)(dirty(sqe), 7, 1, 30, 40);
	CHECK_RW(sqe, IORING_OP_FALLOCATE, 7, 40, 1, 30);
	CALL(io_uring_prep_ftruncate)(dirty(sqe), 7, 4096);
	CHECK_RW(sqe, IORING_OP_FTRUNCATE, 7, NULL, 0, 4096);
	CALL(io_uring_prep_fadvise)(dirty(sqe), 7, 50, 60, POSIX_FADV_DONTNEED);
	CHECK_RW(sqe, IORING_OP_FADVISE, 7, NULL, 60, 50);
	CHECK_EQ_U(sqe->fadvise_advice, POSIX_FADV_DONTNEED);
	CALL(io_uring_prep_madvise)(dirty(sqe), buf, 8, MADV_NORMAL);
	CHECK_RW(sqe, IORING_OP_MADVISE, -1, buf, 8, 0);
	CHECK_EQ_U(sqe->fadvise_advice, MADV_NORMAL);

	CALL(io_uring_prep_openat)(dirty(sqe), AT_FDCWD, "p", O_RDWR, 0600);
	CHECK_EQ(sqe->opcode, IORING_OP_OPENAT);
	CHECK_EQ(sqe->fd, AT_FDCWD);
	CHECK_EQ_U(sqe->len, 0600);
	CHECK_EQ_U(sqe->open_flags, O_RDWR);
	CHECK_EQ_U(sqe->file_index, 0);
	CALL(io_uring_prep_close)(dirty(sqe), 8);
	CHECK_RW(sqe, IORING_OP_CLOSE, 8, NULL, 0, 0);
	CHECK_EQ_U(sqe->file_index, 0);
	CALL(io_uring_prep_statx)(dirty(sqe), 3, "p", AT_EMPTY_PATH, STATX_SIZE, &stx);
	CHECK_EQ(sqe->opcode, IORING_OP_STATX);
	CHECK_EQ_U(sqe->off, (uintptr_t)&stx);
	CHECK_EQ_U(sqe->len, STATX_SIZE);
	CHECK_EQ_U(sqe->statx_flags, AT_EMPTY_PATH);
	CALL(io_uring_prep_files_update)(dirty(sqe), fds, 2, 5);
	CHECK_RW(sqe, IORING_OP_FILES_UPDATE, -1, fds, 2, 5);
	CALL(io_uring_prep_fixed_fd_install)(dirty(sqe), 2, IORING_FIXED_FD_NO_CLOEXEC);
	CHECK_RW(sqe, IORING_OP_FIXED_FD_INSTALL, 2, NULL, 0, 0);
	CHECK_EQ(sqe->flags, IOSQE_FIXED_FILE);
	CHECK_EQ_U(sqe->install_fd_flags, IORING_FIXED_FD_NO_CLOEXEC);

	CALL(io_uring_prep_splice)(dirty(sqe), 3, -1, 4, 12, 100, SPLICE_F_MOVE);
	CHECK_RW(sqe, IORING_OP_SPLICE, 4, (__u64)-1, 100, 12);
	CHECK_EQ(sqe->splice_fd_in, 3);
	CHECK_EQ_U(sqe->splice_flags, SPLICE_F_MOVE);
	CALL(io_uring_prep_tee)(dirty(sqe), 3, 4, 100, 0);
	CHECK_RW(sqe, IORING_OP_TEE, 4, 0, 100, 0);
	CHECK_EQ(sqe->splice_fd_in, 3);
	CALL(io_uring_prep_pipe)(dirty(sqe), fds, O_CLOEXEC);
	CHECK_RW(sqe, IORING_OP_PIPE, 0, fds, 0, 0);
	CHECK_EQ_U(sqe->pipe_flags, O_CLOEXEC);
	CHECK_EQ_U(sqe->file_index, 0);
	CALL(io_uring_prep_pipe_direct)(dirty(sqe), fds, 0, 6);
	CHECK_EQ(sqe->opcode, IORING_OP_PIPE);
	CHECK_EQ_U(sqe->file_index, 7);
	CALL(io_uring_prep_pipe_direct)(dirty(sqe), fds, 0, IORING_FILE_INDEX_ALLOC);
	CHECK_EQ_U(sqe->file_index, IORING_FILE_INDEX_ALLOC);

	CALL(io_uring_prep_renameat)(dirty(sqe), 3, "a", 4, "b", RENAME_NOREPLACE);
	CHECK_RW(sqe, IORING_OP_RENAMEAT, 3, "a", 4, (uintptr_t) "b");
	CHECK_EQ_U(sqe->rename_flags, RENAME_NOREPLACE);
	CALL(io_uring_prep_rename)(dirty(sqe), "a", "b");
	CHECK_RW(sqe, IORING_OP_RENAMEAT, AT_FDCWD, "a", (__u32)AT_FDCWD, (uintptr_t) "b");
	CHECK_EQ_U(sqe->rename_flags, 0);
	CALL(io_uring_prep_unlinkat)(dirty(sqe), 3, "a", AT_REMOVEDIR);
	CHECK_RW(sqe, IORING_OP_UNLINKAT, 3, "a", 0, 0);
	CHECK_EQ_U(sqe->unlink_flags, AT_REMOVEDIR);
	CALL(io_uring_prep_unlink)(dirty(sqe), "a", 0);
	CHECK_RW(sqe, IORING_OP_UNLINKAT, AT_FDCWD, "a", 0, 0);
	CALL(io_uring_prep_mkdirat)(dirty(sqe), 3, "d", 0700);
	CHECK_RW(sqe, IORING_OP_MKDIRAT, 3, "d", 0700, 0);
	CALL(io_uring_prep_mkdir)(dirty(sqe), "d", 0700);
	CHECK_RW(sqe, IORING_OP_MKDIRAT, AT_FDCWD, "d", 0700, 0);
	CALL(io_uring_prep_symlinkat)(dirty(sqe), "t", 3, "l");
	CHECK_RW(sqe, IORING_OP_SYMLINKAT, 3, "t", 0, (uintptr_t) "l");
	CALL(io_uring_prep_symlink)(dirty(sqe), "t", "l");
	CHECK_RW(sqe, IORING_OP_SYMLINKAT, AT_FDCWD, "t", 0, (uintptr_t) "l");
	CALL(io_uring_prep_linkat)(dirty(sqe), 3, "o", 4, "n", AT_SYMLINK_FOLLOW);
	CHECK_RW(sqe, IORING_OP_LINKAT, 3, "o", 4, (uintptr_t) "n");
	CHECK_EQ_U(sqe->hardlink_flags, AT_SYMLINK_FOLLOW);
	CALL(io_uring_prep_link)(dirty(sqe), "o", "n", 0);
	CHECK_RW(sqe, IORING_OP_LINKAT, AT_FDCWD, "o", (__u32)AT_FDCWD, (uintptr_t) "n");

	CALL(io_uring_prep_getxattr)(dirty(sqe), "user.a", buf, "p", 8);
	CHECK_RW(sqe, IORING_OP_GETXATTR, 0, "user.a", 8, (uintptr_t)buf);
	CHECK_EQ_U(sqe->addr3, (uintptr_t) "p");
	CHECK_EQ_U(sqe->xattr_flags, 0);
	CALL(io_uring_prep_setxattr)(dirty(sqe), "user.a", buf, "p", XATTR_CREATE, 8);
	CHECK_RW(sqe, IORING_OP_SETXATTR, 0, "user.a", 8, (uintptr_t)buf);
	CHECK_EQ_U(sqe->addr3, (uintptr_t) "p");
	CHECK_EQ_U(sqe->xattr_flags, XATTR_CREATE);
	CALL(io_uring_prep_fgetxattr)(dirty(sqe), 3, "user.a", buf, 8);
	CHECK_RW(sqe, IORING_OP_FGETXATTR, 3, "user.a", 8, (uintptr_t)buf);
	CHECK_EQ_U(sqe->xattr_flags, 0);
	CALL(io_uring_prep_fsetxattr)(dirty(sqe), 3, "user.a", buf, XATTR_CREATE, 8);
	CHECK_RW(sqe, IORING_OP_FSETXATTR, 3, "user.a", 8, (uintptr_t)buf);
	CHECK_EQ_U(sqe->xattr_flags, XATTR_CREATE);

	CALL(io_uring_prep_provide_buffers)(dirty(sqe), buf, 4, 2, 9, 1);
	CHECK_RW(sqe, IORING_OP_PROVIDE_BUFFERS, 2, buf, 4, 1);
	CHECK_EQ(sqe->buf_group, 9);
	CALL(io_uring_prep_remove_buffers)(dirty(sqe), 2, 9);
	CHECK_RW(sqe, IORING_OP_REMOVE_BUFFERS, 2, NULL, 0, 0);
	CHECK_EQ(sqe->buf_group, 9);
	(void)ts;
	(void)how;
}

TEST(prep_helpers_poll_timeout_cancel)
{
	struct io_uring_sqe s, *sqe = &s;
	struct __kernel_timespec ts = { 0 };
	static int cookie;

	CALL(io_uring_prep_poll_add)(dirty(sqe), 3, POLLIN);
	CHECK_RW(sqe, IORING_OP_POLL_ADD, 3, NULL, 0, 0);
	CHECK_EQ_U(sqe->poll32_events, POLLIN);
	/* the mask in the SQE's byte order (halves swapped on big endian) */
	CHECK_EQ_U(CALL(__io_uring_prep_poll_mask)(POLLIN), sqe->poll32_events);
	CALL(io_uring_prep_poll_multishot)(dirty(sqe), 3, POLLOUT);
	CHECK_RW(sqe, IORING_OP_POLL_ADD, 3, NULL, IORING_POLL_ADD_MULTI, 0);
	CHECK_EQ_U(sqe->poll32_events, POLLOUT);
	CALL(io_uring_prep_poll_remove)(dirty(sqe), 77);
	CHECK_RW(sqe, IORING_OP_POLL_REMOVE, -1, 77, 0, 0);
	CALL(io_uring_prep_poll_update)(dirty(sqe), 77, 88, POLLIN, IORING_POLL_UPDATE_EVENTS);
	CHECK_RW(sqe, IORING_OP_POLL_REMOVE, -1, 77, IORING_POLL_UPDATE_EVENTS, 88);
	CHECK_EQ_U(sqe->poll32_events, POLLIN);

	CALL(io_uring_prep_timeout)(dirty(sqe), &ts, 2, IORING_TIMEOUT_ABS);
	CHECK_RW(sqe, IORING_OP_TIMEOUT, -1, &ts, 1, 2);
	CHECK_EQ_U(sqe->timeout_flags, IORING_TIMEOUT_ABS);
	CALL(io_uring_prep_timeout_remove)(dirty(sqe), 55, 0);
	CHECK_RW(sqe, IORING_OP_TIMEOUT_REMOVE, -1, 55, 0, 0);
	CHECK_EQ_U(sqe->timeout_flags, 0);
	CALL(io_uring_prep_timeout_update)(dirty(sqe), &ts, 55, IORING_TIMEOUT_ABS);
	CHECK_RW(sqe, IORING_OP_TIMEOUT_REMOVE, -1, 55, 0, (uintptr_t)&ts);
	CHECK_EQ_U(sqe->timeout_flags, IORING_TIMEOUT_ABS | IORING_TIMEOUT_UPDATE);
	CALL(io_uring_prep_link_timeout)(dirty(sqe), &ts, 0);
	CHECK_RW(sqe, IORING_OP_LINK_TIMEOUT, -1, &ts, 1, 0);
	CHECK_EQ_U(sqe->timeout_flags, 0);

	CALL(io_uring_prep_cancel64)(dirty(sqe), 99, IORING_ASYNC_CANCEL_ALL);
	CHECK_RW(sqe, IORING_OP_ASYNC_CANCEL, -1, 99, 0, 0);
	CHECK_EQ_U(sqe->cancel_flags, IORING_ASYNC_CANCEL_ALL);
	CALL(io_uring_prep_cancel)(dirty(sqe), &cookie, 0);
	CHECK_RW(sqe, IORING_OP_ASYNC_CANCEL, -1, &cookie, 0, 0);
	CHECK_EQ_U(sqe->cancel_flags, 0);
	CALL(io_uring_prep_cancel_fd)(dirty(sqe), 5, IORING_ASYNC_CANCEL_ALL);
	CHECK_RW(sqe, IORING_OP_ASYNC_CANCEL, 5, NULL, 0, 0);
	CHECK_EQ_U(sqe->cancel_flags, IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD);
}

TEST(prep_helpers_net)
{
	struct io_uring_sqe s, *sqe = &s;
	struct sockaddr_storage ss;
	struct sockaddr *sa = (struct sockaddr *)&ss;
	socklen_t sl = sizeof(ss);
	struct msghdr msg;
	char buf[16];
	int val = 1;

	CALL(io_uring_prep_accept)(dirty(sqe), 3, sa, &sl, SOCK_NONBLOCK);
	CHECK_RW(sqe, IORING_OP_ACCEPT, 3, sa, 0, (uintptr_t)&sl);
	CHECK_EQ_U(sqe->accept_flags, SOCK_NONBLOCK);
	CHECK_EQ(sqe->ioprio, 0);
	CHECK_EQ_U(sqe->file_index, 0);
	CALL(io_uring_prep_accept_direct)(dirty(sqe), 3, sa, &sl, 0, 4);
	CHECK_EQ_U(sqe->file_index, 5);
	CALL(__io_uring_set_target_fixed_file)(dirty(sqe), 6);
	CHECK_EQ_U(sqe->file_index, 7);
	CALL(io_uring_prep_accept_direct)(dirty(sqe), 3, sa, &sl, 0, IORING_FILE_INDEX_ALLOC);
	CHECK_EQ_U(sqe->file_index, IORING_FILE_INDEX_ALLOC);
	CALL(io_uring_prep_multishot_accept)(dirty(sqe), 3, NULL, NULL, 0);
	CHECK_RW(sqe, IORING_OP_ACCEPT, 3, NULL, 0, 0);
	CHECK_EQ(sqe->ioprio, IORING_ACCEPT_MULTISHOT);
	CALL(io_uring_prep_multishot_accept_direct)(dirty(sqe), 3, NULL, NULL, 0);
	CHECK_EQ(sqe->ioprio, IORING_ACCEPT_MULTISHOT);
	CHECK_EQ_U(sqe->file_index, IORING_FILE_INDEX_ALLOC);
	CALL(io_uring_prep_connect)(dirty(sqe), 3, sa, 16);
	CHECK_RW(sqe, IORING_OP_CONNECT, 3, sa, 0, 16);
	CALL(io_uring_prep_bind)(dirty(sqe), 3, sa, 16);
	CHECK_RW(sqe, IORING_OP_BIND, 3, sa, 0, 16);
	CALL(io_uring_prep_listen)(dirty(sqe), 3, 128);
	CHECK_RW(sqe, IORING_OP_LISTEN, 3, NULL, 128, 0);
	CALL(io_uring_prep_shutdown)(dirty(sqe), 3, SHUT_WR);
	CHECK_RW(sqe, IORING_OP_SHUTDOWN, 3, NULL, SHUT_WR, 0);

	CALL(io_uring_prep_socket)(dirty(sqe), AF_INET, SOCK_STREAM, 6, 0);
	CHECK_RW(sqe, IORING_OP_SOCKET, AF_INET, NULL, 6, SOCK_STREAM);
	CHECK_EQ_U(sqe->rw_flags, 0);
	CHECK_EQ_U(sqe->file_index, 0);
	CALL(io_uring_prep_socket_direct)(dirty(sqe), AF_INET, SOCK_STREAM, 0, 2, 0);
	CHECK_EQ_U(sqe->file_index, 3);
	CALL(io_uring_prep_socket_direct)
	(dirty(sqe), AF_INET, SOCK_STREAM, 0, IORING_FILE_INDEX_ALLOC, 0);
	CHECK_EQ_U(sqe->file_index, IORING_FILE_INDEX_ALLOC);
	CALL(io_uring_prep_socket_direct_alloc)(dirty(sqe), AF_UNIX, SOCK_DGRAM, 0, 0);
	CHECK_RW(sqe, IORING_OP_SOCKET, AF_UNIX, NULL, 0, SOCK_DGRAM);
	CHECK_EQ_U(sqe->file_index, IORING_FILE_INDEX_ALLOC);

	CALL(io_uring_prep_send)(dirty(sqe), 3, buf, 16, MSG_NOSIGNAL);
	CHECK_RW(sqe, IORING_OP_SEND, 3, buf, 16, 0);
	CHECK_EQ_U(sqe->msg_flags, MSG_NOSIGNAL);
	CALL(io_uring_prep_send_set_addr)(sqe, sa, 16);
	CHECK_EQ_U(sqe->addr2, (uintptr_t)sa);
	CHECK_EQ(sqe->addr_len, 16);
	CALL(io_uring_prep_sendto)(dirty(sqe), 3, buf, 16, 0, sa, 12);
	CHECK_EQ(sqe->opcode, IORING_OP_SEND);
	CHECK_EQ_U(sqe->addr2, (uintptr_t)sa);
	CHECK_EQ(sqe->addr_len, 12);
	CALL(io_uring_prep_send_zc)(dirty(sqe), 3, buf, 16, 0, IORING_SEND_ZC_REPORT_USAGE);
	CHECK_RW(sqe, IORING_OP_SEND_ZC, 3, buf, 16, 0);
	CHECK_EQ(sqe->ioprio, IORING_SEND_ZC_REPORT_USAGE);
	CALL(io_uring_prep_send_zc_fixed)(dirty(sqe), 3, buf, 16, 0, 0, 2);
	CHECK_EQ(sqe->opcode, IORING_OP_SEND_ZC);
	CHECK_EQ(sqe->ioprio, IORING_RECVSEND_FIXED_BUF);
	CHECK_EQ(sqe->buf_index, 2);
	CALL(io_uring_prep_recv)(dirty(sqe), 3, buf, 16, MSG_WAITALL);
	CHECK_RW(sqe, IORING_OP_RECV, 3, buf, 16, 0);
	CHECK_EQ_U(sqe->msg_flags, MSG_WAITALL);
	CALL(io_uring_prep_recv_multishot)(dirty(sqe), 3, NULL, 0, 0);
	CHECK_RW(sqe, IORING_OP_RECV, 3, NULL, 0, 0);
	CHECK_EQ(sqe->ioprio, IORING_RECV_MULTISHOT);
	CALL(io_uring_prep_sendmsg)(dirty(sqe), 3, &msg, MSG_DONTWAIT);
	CHECK_RW(sqe, IORING_OP_SENDMSG, 3, &msg, 1, 0);
	CHECK_EQ_U(sqe->msg_flags, MSG_DONTWAIT);
	CALL(io_uring_prep_sendmsg_zc)(dirty(sqe), 3, &msg, 0);
	CHECK_RW(sqe, IORING_OP_SENDMSG_ZC, 3, &msg, 1, 0);
	CALL(io_uring_prep_recvmsg)(dirty(sqe), 3, &msg, 0);
	CHECK_RW(sqe, IORING_OP_RECVMSG, 3, &msg, 1, 0);
	CALL(io_uring_prep_recvmsg_multishot)(dirty(sqe), 3, &msg, 0);
	CHECK_RW(sqe, IORING_OP_RECVMSG, 3, &msg, 1, 0);
	CHECK_EQ(sqe->ioprio, IORING_RECV_MULTISHOT);

	memset(sqe, 0, sizeof(*sqe));
	CALL(io_uring_prep_cmd_sock)
	(dirty(sqe), SOCKET_URING_OP_SETSOCKOPT, 3, SOL_SOCKET, SO_REUSEADDR, &val, sizeof(val));
	CHECK_EQ(sqe->opcode, IORING_OP_URING_CMD);
	CHECK_EQ(sqe->fd, 3);
	CHECK_EQ_U(sqe->cmd_op, SOCKET_URING_OP_SETSOCKOPT);
	CHECK_EQ_U(sqe->level, SOL_SOCKET);
	CHECK_EQ_U(sqe->optname, SO_REUSEADDR);
	CHECK_EQ_U(sqe->optval, (uintptr_t)&val);
	CHECK_EQ_U(sqe->optlen, sizeof(val));
	memset(sqe, 0, sizeof(*sqe));
	CALL(io_uring_prep_uring_cmd)(sqe, 0x42, 3);
	CHECK_EQ(sqe->opcode, IORING_OP_URING_CMD);
	CHECK_EQ(sqe->fd, 3);
	CHECK_EQ_U(sqe->cmd_op, 0x42);
	CHECK_EQ_U(sqe->__pad1, 0);
	CHECK_EQ_U(sqe->addr, 0);
	CHECK_EQ_U(sqe->len, 0);
}

TEST(prep_helpers_misc)
{
	struct io_uring_sqe s, *sqe = &s;
	struct epoll_event ev[2];
	siginfo_t si;
	uint32_t futex = 0;
	struct futex_waitv *wv = (struct futex_waitv *)&futex;

	CALL(io_uring_prep_epoll_ctl)(dirty(sqe), 3, 4, EPOLL_CTL_ADD, ev);
	CHECK_RW(sqe, IORING_OP_EPOLL_CTL, 3, ev, EPOLL_CTL_ADD, 4);
	CALL(io_uring_prep_epoll_wait)(dirty(sqe), 3, ev, 2, 0);
	CHECK_RW(sqe, IORING_OP_EPOLL_WAIT, 3, ev, 2, 0);
	CHECK_EQ_U(sqe->rw_flags, 0);

	CALL(io_uring_prep_msg_ring)(dirty(sqe), 3, 17, 0x1234, 0);
	CHECK_RW(sqe, IORING_OP_MSG_RING, 3, NULL, 17, 0x1234);
	CHECK_EQ_U(sqe->msg_ring_flags, 0);
	CALL(io_uring_prep_msg_ring_cqe_flags)(dirty(sqe), 3, 17, 0x1234, 0, 0x40);
	CHECK_RW(sqe, IORING_OP_MSG_RING, 3, NULL, 17, 0x1234);
	CHECK_EQ_U(sqe->msg_ring_flags, IORING_MSG_RING_FLAGS_PASS);
	CHECK_EQ_U(sqe->file_index, 0x40);
	CALL(io_uring_prep_msg_ring_fd)(dirty(sqe), 3, 1, 2, 0x99, 0);
	CHECK_RW(sqe, IORING_OP_MSG_RING, 3, IORING_MSG_SEND_FD, 0, 0x99);
	CHECK_EQ_U(sqe->addr3, 1);
	CHECK_EQ_U(sqe->file_index, 3);
	CHECK_EQ_U(sqe->msg_ring_flags, 0);
	CALL(io_uring_prep_msg_ring_fd_alloc)(dirty(sqe), 3, 1, 0x99, 0);
	CHECK_RW(sqe, IORING_OP_MSG_RING, 3, IORING_MSG_SEND_FD, 0, 0x99);
	CHECK_EQ_U(sqe->file_index, IORING_FILE_INDEX_ALLOC);

	CALL(io_uring_prep_waitid)(dirty(sqe), P_PID, 42, &si, WEXITED, 0);
	/* the siginfo_t goes in addr2, which is off */
	CHECK_RW(sqe, IORING_OP_WAITID, 42, NULL, P_PID, (uintptr_t)&si);
	CHECK_EQ_U(sqe->waitid_flags, 0);
	CHECK_EQ_U(sqe->file_index, WEXITED);

	CALL(io_uring_prep_futex_wait)(dirty(sqe), &futex, 5, 0xff, FUTEX2_SIZE_U32, 0);
	CHECK_RW(sqe, IORING_OP_FUTEX_WAIT, FUTEX2_SIZE_U32, &futex, 0, 5);
	CHECK_EQ_U(sqe->futex_flags, 0);
	CHECK_EQ_U(sqe->addr3, 0xff);
	CALL(io_uring_prep_futex_wake)(dirty(sqe), &futex, 1, 0xf0, FUTEX2_SIZE_U32, 0);
	CHECK_RW(sqe, IORING_OP_FUTEX_WAKE, FUTEX2_SIZE_U32, &futex, 0, 1);
	CHECK_EQ_U(sqe->addr3, 0xf0);
	CALL(io_uring_prep_futex_waitv)(dirty(sqe), wv, 1, 0);
	CHECK_RW(sqe, IORING_OP_FUTEX_WAITV, 0, wv, 1, 0);
	CHECK_EQ_U(sqe->futex_flags, 0);
}

TEST(sqe_and_cqe_accessors)
{
	struct io_uring_sqe s, *sqe = &s;
	struct io_uring_cqe c = { 0 };
	static int cookie;
	struct io_uring_probe *p;

	CALL(io_uring_sqe_set_data)(dirty(sqe), &cookie);
	CHECK_EQ_U(sqe->user_data, (uintptr_t)&cookie);
	CALL(io_uring_sqe_set_data64)(sqe, 0xfeedULL << 32);
	CHECK_EQ_U(sqe->user_data, 0xfeedULL << 32);
	CALL(io_uring_sqe_set_flags)(sqe, IOSQE_IO_LINK | IOSQE_ASYNC);
	CHECK_EQ(sqe->flags, IOSQE_IO_LINK | IOSQE_ASYNC);
	CALL(io_uring_sqe_set_buf_group)(sqe, 0x1234);
	CHECK_EQ(sqe->buf_group, 0x1234);
	c.user_data = (uintptr_t)&cookie;
	CHECK_TRUE(CALL(io_uring_cqe_get_data)(&c) == &cookie);
	c.user_data = 1ULL << 63;
	CHECK_EQ_U(CALL(io_uring_cqe_get_data64)(&c), 1ULL << 63);

	p = calloc(1, sizeof(*p) + 4 * sizeof(p->ops[0]));
	REQUIRE_TRUE(p != NULL);
	p->last_op = 2;
	p->ops_len = 3;
	p->ops[1].flags = IO_URING_OP_SUPPORTED;
	CHECK_TRUE(CALL(io_uring_opcode_supported)(p, 1));
	CHECK_FALSE(io_uring_opcode_supported(p, 0));
	CHECK_FALSE(io_uring_opcode_supported(p, 3));
	CHECK_FALSE(io_uring_opcode_supported(p, -1));
	free(p);
}

TEST(buf_ring_helpers)
{
	struct io_uring_buf_ring *br;
	char bufs[4][16];

	br = aligned_alloc(4096, 4096);
	REQUIRE_TRUE(br != NULL);
	memset(br, 0xa5, 4096);
	CHECK_EQ(CALL(io_uring_buf_ring_mask)(8), 7);
	CALL(io_uring_buf_ring_init)(br);
	CHECK_EQ(br->tail, 0);
	for (int i = 0; i < 4; i++)
		CALL(io_uring_buf_ring_add)
	(br, bufs[i], 16, (unsigned short)(10 + i), io_uring_buf_ring_mask(8), i);
	CHECK_EQ(br->tail, 0); /* added, not yet published */
	CHECK_EQ_U(br->bufs[2].addr, (uintptr_t)bufs[2]);
	CHECK_EQ_U(br->bufs[2].len, 16);
	CHECK_EQ(br->bufs[2].bid, 12);
	CALL(io_uring_buf_ring_advance)(br, 3);
	CHECK_EQ(br->tail, 3);
	free(br);
}

TEST(recvmsg_out_helpers)
{
	union {
		struct io_uring_recvmsg_out o;
		unsigned char b[256];
	} u;
	struct msghdr msgh = { .msg_namelen = 16, .msg_controllen = 32 };
	struct io_uring_recvmsg_out *o;
	struct cmsghdr *cm;
	size_t hdr = sizeof(struct io_uring_recvmsg_out);

	memset(&u, 0, sizeof(u));
	CHECK_TRUE(CALL(io_uring_recvmsg_validate)(u.b, (int)(hdr + 47), &msgh) == NULL);
	CHECK_TRUE(io_uring_recvmsg_validate(u.b, -1, &msgh) == NULL);
	o = io_uring_recvmsg_validate(u.b, (int)(hdr + 48 + 10), &msgh);
	REQUIRE_TRUE(o == &u.o);
	CHECK_TRUE((unsigned char *)CALL(io_uring_recvmsg_name)(o) == u.b + hdr);
	CHECK_TRUE((unsigned char *)CALL(io_uring_recvmsg_payload)(o, &msgh) == u.b + hdr + 48);
	CHECK_EQ_U(CALL(io_uring_recvmsg_payload_length)(o, (int)(hdr + 48 + 10), &msgh), 10);
	/* no control message */
	o->controllen = 0;
	CHECK_TRUE(CALL(io_uring_recvmsg_cmsg_firsthdr)(o, &msgh) == NULL);
	/* one that fills the 32 bytes: its next is none */
	o->controllen = 32;
	cm = io_uring_recvmsg_cmsg_firsthdr(o, &msgh);
	REQUIRE_TRUE((unsigned char *)cm == u.b + hdr + 16);
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	CHECK_TRUE(CALL(io_uring_recvmsg_cmsg_nexthdr)(o, &msgh, cm) == NULL);
	/* two of 16 bytes: the second follows the first */
	o->controllen = 2 * CMSG_SPACE(0);
	msgh.msg_controllen = o->controllen;
	cm->cmsg_len = CMSG_LEN(0);
	((struct cmsghdr *)((unsigned char *)cm + CMSG_SPACE(0)))->cmsg_len = CMSG_LEN(0);
	CHECK_TRUE((unsigned char *)io_uring_recvmsg_cmsg_nexthdr(o, &msgh, cm) ==
		   (unsigned char *)cm + CMSG_SPACE(0));
}

TEST(versions)
{
	CHECK_EQ(CALL(io_uring_major_version)(), IO_URING_VERSION_MAJOR);
	CHECK_EQ(CALL(io_uring_minor_version)(), IO_URING_VERSION_MINOR);
	CHECK_FALSE(CALL(io_uring_check_version)(IO_URING_VERSION_MAJOR, IO_URING_VERSION_MINOR));
	CHECK_TRUE(io_uring_check_version(IO_URING_VERSION_MAJOR, IO_URING_VERSION_MINOR + 1));
}

static struct io_uring_cqe *submit_nop(struct io_uring *ring, __u64 ud)
{
	struct io_uring_sqe *sqe = CALL(io_uring_get_sqe)(ring);
	struct io_uring_cqe *cqe = NULL;

	REQUIRE_TRUE(sqe != NULL);
	io_uring_prep_nop(sqe);
	sqe->user_data = ud;
	CHECK_EQ(CALL(io_uring_sq_ready)(ring), 1);
	CHECK_EQ(CALL(io_uring_submit)(ring), 1);
	CHECK_EQ(CALL(io_uring_wait_cqe)(ring, &cqe), 0);
	REQUIRE_TRUE(cqe != NULL);
	CHECK_EQ_U(cqe->user_data, ud);
	return cqe;
}

static void queue_nops(struct io_uring *ring, unsigned n, __u64 ud)
{
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		REQUIRE_TRUE(sqe != NULL);
		io_uring_prep_nop(sqe);
		sqe->user_data = ud + i;
	}
}

TEST(ring_submit_and_reap)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe, *cqes[8];
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };
	unsigned head, n;
	int ret;

	ret = CALL(io_uring_queue_init)(8, &ring, 0);
	test_skip_if_refused(ret, "io_uring_queue_init");
	REQUIRE_EQ(ret, 0);
	CHECK_EQ(CALL(io_uring_sqe_shift)(&ring), 0);
	CHECK_EQ(CALL(io_uring_cqe_shift)(&ring), 0);
	CHECK_EQ(CALL(io_uring_sq_space_left)(&ring), 8);
	CHECK_EQ(CALL(io_uring_sqring_wait)(&ring), 0);
	CHECK_FALSE(CALL(io_uring_cq_has_overflow)(&ring));
	CHECK_TRUE(CALL(io_uring_cq_eventfd_enabled)(&ring));
	CHECK_EQ(CALL(io_uring_cq_eventfd_toggle)(&ring, false), 0);
	CHECK_FALSE(io_uring_cq_eventfd_enabled(&ring));
	CHECK_EQ(io_uring_cq_eventfd_toggle(&ring, true), 0);

	cqe = submit_nop(&ring, 1);
	CALL(io_uring_cqe_seen)(&ring, cqe);
	CHECK_EQ(CALL(io_uring_cq_ready)(&ring), 0);

	/* peek: nothing, then one */
	CHECK_ERRNO(CALL(io_uring_peek_cqe)(&ring, &cqe), -EAGAIN);
	queue_nops(&ring, 2, 10);
	CHECK_EQ(CALL(io_uring_submit_and_wait)(&ring, 2), 2);
	CHECK_EQ(CALL(io_uring_peek_cqe)(&ring, &cqe), 0);
	CHECK_EQ(CALL(__io_uring_peek_cqe)(&ring, &cqe, &n), 0);
	CHECK_EQ(n, 2);
	n = 0;
	io_uring_for_each_cqe (&ring, head, cqe)
		n++;
	CHECK_EQ(n, 2);
	CALL(io_uring_cq_advance)(&ring, n);

	/* batches and the waits */
	queue_nops(&ring, 3, 20);
	CHECK_EQ(io_uring_submit(&ring), 3);
	CHECK_EQ(CALL(io_uring_wait_cqe_nr)(&ring, &cqe, 3), 0);
	CHECK_EQ(CALL(io_uring_peek_batch_cqe)(&ring, cqes, 8), 3);
	io_uring_cq_advance(&ring, 3);
	CHECK_ERRNO(CALL(io_uring_wait_cqe_timeout)(&ring, &cqe, &ts), -ETIME);
	CHECK_ERRNO(CALL(io_uring_wait_cqes)(&ring, &cqe, 1, &ts, NULL), -ETIME);
	CHECK_ERRNO(CALL(__io_uring_get_cqe)(&ring, &cqe, 0, 0, NULL), -EAGAIN);
	queue_nops(&ring, 1, 30);
	CHECK_EQ(CALL(io_uring_submit_and_wait_timeout)(&ring, &cqe, 1, &ts, NULL), 1);
	io_uring_cqe_seen(&ring, cqe);
	queue_nops(&ring, 1, 31);
	ret = CALL(io_uring_submit_and_wait_min_timeout)(&ring, &cqe, 1, &ts, 0, NULL);
	CHECK_EQ(ret, 1);
	if (ret == 1)
		io_uring_cqe_seen(&ring, cqe);
	queue_nops(&ring, 1, 32);
	CHECK_EQ(io_uring_submit(&ring), 1);
	CHECK_EQ(CALL(io_uring_wait_cqes_min_timeout)(&ring, &cqe, 1, &ts, 0, NULL), 0);
	io_uring_cqe_seen(&ring, cqe);
	queue_nops(&ring, 1, 33);
	CHECK_EQ(CALL(io_uring_submit_and_get_events)(&ring), 1);
	CHECK_GE(CALL(io_uring_get_events)(&ring), 0);
	CHECK_EQ(io_uring_wait_cqe(&ring, &cqe), 0);
	io_uring_cqe_seen(&ring, cqe);
	/* not SQPOLL: the kernel has nothing to wait for */
	CHECK_EQ(CALL(__io_uring_sqring_wait)(&ring), 0);
	CHECK_EQ(CALL(io_uring_ring_dontfork)(&ring), 0);
	CALL(io_uring_queue_exit)(&ring);
}

TEST(raw_calls)
{
	struct io_uring_params p;
	struct io_uring ring;
	sigset_t set;
	int fd;

	memset(&p, 0, sizeof(p));
	fd = CALL(io_uring_setup)(4, &p);
	test_skip_if_refused(fd, "io_uring_setup");
	REQUIRE_GE(fd, 0);
	CHECK_EQ(CALL(io_uring_queue_mmap)(fd, &p, &ring), 0);
	CHECK_EQ(CALL(io_uring_enter)(fd, 0, 0, 0, NULL), 0);
	sigemptyset(&set);
	CHECK_EQ(CALL(io_uring_enter2)(fd, 0, 0, 0, &set, _NSIG / 8), 0);
	CHECK_ERRNO(CALL(io_uring_register)(fd, IORING_UNREGISTER_FILES, NULL, 0), -ENXIO);
	io_uring_queue_exit(&ring);

	memset(&p, 0, sizeof(p));
	CHECK_EQ(CALL(io_uring_queue_init_params)(4, &ring, &p), 0);
	io_uring_queue_exit(&ring);
}

TEST(registrations)
{
	struct io_uring ring, ring2;
	char b[2][64];
	struct iovec iov[2] = { { b[0], 64 }, { b[1], 64 } };
	__u64 tags[2] = { 0, 0 };
	int fds[2], efd, id, ret, err;
	unsigned vals[2] = { 0, 0 };
	struct io_uring_probe *probe;
	struct io_uring_sync_cancel_reg sc = { .addr = 12345, .timeout = { -1, -1 } };
	struct io_uring_clock_register clk = { .clockid = CLOCK_MONOTONIC };
	struct io_uring_buf_ring *br;
	struct io_uring_buf_reg reg;
	uint16_t head;

	test_ring_init(4, &ring, 0);
	test_ring_init(4, &ring2, 0);
	REQUIRE_SYS(pipe(fds));

	CHECK_EQ(CALL(io_uring_register_buffers)(&ring, iov, 2), 0);
	CHECK_EQ(CALL(io_uring_register_buffers_update_tag)(&ring, 0, iov, tags, 1), 1);
	CHECK_EQ(CALL(io_uring_unregister_buffers)(&ring), 0);
	CHECK_EQ(CALL(io_uring_register_buffers_tags)(&ring, iov, tags, 2), 0);
	CHECK_EQ(CALL(io_uring_clone_buffers)(&ring2, &ring), 0);
	CHECK_EQ(io_uring_unregister_buffers(&ring2), 0);
	CHECK_EQ(CALL(io_uring_clone_buffers_offset)(&ring2, &ring, 0, 1, 1, 0), 0);
	CHECK_EQ(io_uring_unregister_buffers(&ring2), 0);
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);
	CHECK_EQ(CALL(io_uring_register_buffers_sparse)(&ring, 2), 0);
	CHECK_EQ(io_uring_unregister_buffers(&ring), 0);

	CHECK_EQ(CALL(io_uring_register_files)(&ring, fds, 2), 0);
	CHECK_EQ(CALL(io_uring_register_files_update)(&ring, 0, fds, 1), 1);
	CHECK_EQ(CALL(io_uring_register_files_update_tag)(&ring, 1, fds, tags, 1), 1);
	CHECK_EQ(CALL(io_uring_unregister_files)(&ring), 0);
	CHECK_EQ(CALL(io_uring_register_files_tags)(&ring, fds, tags, 2), 0);
	CHECK_EQ(io_uring_unregister_files(&ring), 0);
	CHECK_EQ(CALL(io_uring_register_files_sparse)(&ring, 4), 0);
	CHECK_EQ(io_uring_unregister_files(&ring), 0);

	efd = eventfd(0, EFD_CLOEXEC);
	REQUIRE_GE(efd, 0);
	CHECK_EQ(CALL(io_uring_register_eventfd)(&ring, efd), 0);
	CHECK_EQ(CALL(io_uring_unregister_eventfd)(&ring), 0);
	CHECK_EQ(CALL(io_uring_register_eventfd_async)(&ring, efd), 0);
	CHECK_EQ(io_uring_unregister_eventfd(&ring), 0);
	close(efd);

	probe = CALL(io_uring_get_probe_ring)(&ring);
	REQUIRE_TRUE(probe != NULL);
	CHECK_TRUE(io_uring_opcode_supported(probe, IORING_OP_NOP));
	CALL(io_uring_free_probe)(probe);
	probe = CALL(io_uring_get_probe)();
	REQUIRE_TRUE(probe != NULL);
	io_uring_free_probe(probe);
	probe = calloc(1, sizeof(*probe) + 256 * sizeof(probe->ops[0]));
	REQUIRE_TRUE(probe != NULL);
	CHECK_EQ(CALL(io_uring_register_probe)(&ring, probe, 256), 0);
	CHECK_TRUE(io_uring_opcode_supported(probe, IORING_OP_READ));
	free(probe);

	id = CALL(io_uring_register_personality)(&ring);
	CHECK_GT(id, 0);
	CHECK_EQ(CALL(io_uring_unregister_personality)(&ring, id), 0);
	/* a ring that is enabled already */
	CHECK_ERRNO(CALL(io_uring_enable_rings)(&ring), -EBADFD);

	CHECK_EQ(CALL(io_uring_register_iowq_max_workers)(&ring, vals), 0);
	/* nothing of that user_data in flight */
	CHECK_ERRNO(CALL(io_uring_register_sync_cancel)(&ring, &sc), -ENOENT);
	CHECK_EQ(CALL(io_uring_register_clock)(&ring, &clk), 0);

	/* buffer rings: the library's own, then one of ours */
	br = CALL(io_uring_setup_buf_ring)(&ring, 8, 1, 0, &err);
	REQUIRE_TRUE(br != NULL);
	CHECK_EQ(CALL(io_uring_buf_ring_head)(&ring, 1, &head), 0);
	CHECK_EQ(head, 0);
	io_uring_buf_ring_add(br, b[0], 64, 0, io_uring_buf_ring_mask(8), 0);
	CALL(io_uring_buf_ring_cq_advance)(&ring, br, 0);
	CHECK_EQ(CALL(io_uring_buf_ring_available)(&ring, br, 1), 0);
	io_uring_buf_ring_add(br, b[0], 64, 0, io_uring_buf_ring_mask(8), 0);
	CALL(__io_uring_buf_ring_cq_advance)(&ring, br, 0, 1);
	CHECK_EQ(io_uring_buf_ring_available(&ring, br, 1), 1);
	CHECK_EQ(CALL(io_uring_free_buf_ring)(&ring, br, 8, 1), 0);
	br = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(br != MAP_FAILED);
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uintptr_t)br;
	reg.ring_entries = 8;
	reg.bgid = 2;
	CHECK_EQ(CALL(io_uring_register_buf_ring)(&ring, &reg, 0), 0);
	CHECK_EQ(CALL(io_uring_unregister_buf_ring)(&ring, 2), 0);
	munmap(br, 4096);

	/* the ring's fd registered; then its plain fd closed */
	ret = CALL(io_uring_register_ring_fd)(&ring);
	CHECK_EQ(ret, 1);
	CHECK_EQ(CALL(io_uring_unregister_ring_fd)(&ring), 1);
	CHECK_EQ(io_uring_register_ring_fd(&ring), 1);
	CHECK_EQ(CALL(io_uring_close_ring_fd)(&ring), 1);
	submit_nop(&ring, 5);
	io_uring_cq_advance(&ring, 1);

	close(fds[0]);
	close(fds[1]);
	io_uring_queue_exit(&ring2);
	io_uring_queue_exit(&ring);
}

TEST(prep_helpers_2_15)
{
	struct io_uring_sqe s, *sqe = &s;
	struct iovec iov[2];
	struct open_how how = { .flags = O_RDONLY };
	struct msghdr msg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	CALL(io_uring_initialize_sqe)(dirty(sqe));
	CHECK_EQ(sqe->flags, 0);
	CHECK_EQ(sqe->ioprio, 0);
	CHECK_EQ_U(sqe->rw_flags, 0);
	CHECK_EQ(sqe->buf_index, 0);
	CHECK_EQ(sqe->personality, 0);
	CHECK_EQ_U(sqe->file_index, 0);
	CHECK_EQ_U(sqe->addr3, 0);
	CHECK_EQ_U(sqe->__pad2[0], 0);

	CALL(io_uring_prep_readv_fixed)(dirty(sqe), 3, iov, 2, 8, RWF_HIPRI, 1);
	CHECK_RW(sqe, IORING_OP_READV_FIXED, 3, iov, 2, 8);
	CHECK_EQ_U(sqe->rw_flags, RWF_HIPRI);
	CHECK_EQ(sqe->buf_index, 1);
	CALL(io_uring_prep_writev_fixed)(dirty(sqe), 3, iov, 2, 8, 0, 2);
	CHECK_RW(sqe, IORING_OP_WRITEV_FIXED, 3, iov, 2, 8);
	CHECK_EQ(sqe->buf_index, 2);
	CALL(io_uring_prep_nop128)(dirty(sqe));
	CHECK_RW(sqe, IORING_OP_NOP128, -1, NULL, 0, 0);
	CHECK_EQ(IORING_OP_NOP128, IORING_OP_PIPE + 1);
	CHECK_EQ(IORING_OP_URING_CMD128, IORING_OP_PIPE + 2);

	CALL(io_uring_prep_open)(dirty(sqe), "p", O_RDONLY, 0);
	CHECK_RW(sqe, IORING_OP_OPENAT, AT_FDCWD, "p", 0, 0);
	CHECK_EQ_U(sqe->file_index, 0);
	CALL(io_uring_prep_openat_direct)(dirty(sqe), 3, "p", O_RDONLY, 0, 4);
	CHECK_RW(sqe, IORING_OP_OPENAT, 3, "p", 0, 0);
	CHECK_EQ_U(sqe->file_index, 5);
	CALL(io_uring_prep_open_direct)(dirty(sqe), "p", O_RDONLY, 0, IORING_FILE_INDEX_ALLOC);
	CHECK_RW(sqe, IORING_OP_OPENAT, AT_FDCWD, "p", 0, 0);
	CHECK_EQ_U(sqe->file_index, IORING_FILE_INDEX_ALLOC);
	CALL(io_uring_prep_openat2)(dirty(sqe), 3, "p", &how);
	CHECK_RW(sqe, IORING_OP_OPENAT2, 3, "p", sizeof(how), (uintptr_t)&how);
	CHECK_EQ_U(sqe->file_index, 0);
	CALL(io_uring_prep_openat2_direct)(dirty(sqe), 3, "p", &how, 0);
	CHECK_RW(sqe, IORING_OP_OPENAT2, 3, "p", sizeof(how), (uintptr_t)&how);
	CHECK_EQ_U(sqe->file_index, 1);
	CALL(io_uring_prep_close_direct)(dirty(sqe), 6);
	CHECK_RW(sqe, IORING_OP_CLOSE, 0, NULL, 0, 0);
	CHECK_EQ_U(sqe->file_index, 7);

	CALL(io_uring_prep_fadvise64)(dirty(sqe), 3, 10, (off_t)1 << 40, POSIX_FADV_WILLNEED);
	CHECK_RW(sqe, IORING_OP_FADVISE, 3, 1ULL << 40, 0, 10);
	CHECK_EQ_U(sqe->fadvise_advice, POSIX_FADV_WILLNEED);
	CALL(io_uring_prep_madvise64)(dirty(sqe), &how, (off_t)1 << 40, MADV_WILLNEED);
	CHECK_RW(sqe, IORING_OP_MADVISE, -1, &how, 0, 1ULL << 40);
	CHECK_EQ_U(sqe->fadvise_advice, MADV_WILLNEED);

	CALL(io_uring_prep_send_bundle)(dirty(sqe), 3, 100, 0);
	CHECK_RW(sqe, IORING_OP_SEND, 3, NULL, 100, 0);
	CHECK_EQ(sqe->ioprio, IORING_RECVSEND_BUNDLE);
	CALL(io_uring_prep_sendmsg_zc_fixed)(dirty(sqe), 3, &msg, 0, 5);
	CHECK_RW(sqe, IORING_OP_SENDMSG_ZC, 3, &msg, 1, 0);
	CHECK_EQ(sqe->ioprio, IORING_RECVSEND_FIXED_BUF);
	CHECK_EQ(sqe->buf_index, 5);

	CALL(__io_uring_prep_uring_cmd)(dirty(sqe), IORING_OP_URING_CMD, 7, 3);
	CHECK_EQ(sqe->opcode, IORING_OP_URING_CMD);
	CHECK_EQ_U(sqe->cmd_op, 7);
	CHECK_EQ_U(sqe->__pad1, 0);
	CHECK_EQ_U(sqe->addr, 0);
	CHECK_EQ_U(sqe->len, 0);
	CALL(io_uring_prep_uring_cmd128)(dirty(sqe), 8, 3);
	CHECK_EQ(sqe->opcode, IORING_OP_URING_CMD128);
	CHECK_EQ(sqe->fd, 3);
	CHECK_EQ_U(sqe->cmd_op, 8);
	CALL(io_uring_prep_cmd_getsockname)(dirty(sqe), 3, (struct sockaddr *)&ss, &sl, 1);
	CHECK_EQ(sqe->opcode, IORING_OP_URING_CMD);
	CHECK_EQ_U(sqe->cmd_op, SOCKET_URING_OP_GETSOCKNAME);
	CHECK_EQ_U(sqe->addr, (uintptr_t)&ss);
	CHECK_EQ_U(sqe->addr3, (uintptr_t)&sl);
	CHECK_EQ_U(sqe->optlen, 1);
	CALL(io_uring_prep_cmd_discard)(dirty(sqe), 3, 4096, 8192);
	CHECK_EQ(sqe->opcode, IORING_OP_URING_CMD);
	CHECK_EQ_U(sqe->cmd_op, BLOCK_URING_CMD_DISCARD);
	CHECK_EQ_U(sqe->addr, 4096);
	CHECK_EQ_U(sqe->addr3, 8192);

	CHECK_EQ(CALL(io_uring_sqe_shift_from_flags)(IORING_SETUP_SQE128), 1);
	CHECK_EQ(io_uring_sqe_shift_from_flags(IORING_SETUP_CQE32), 0);
	CHECK_EQ(CALL(io_uring_cqe_shift_from_flags)(IORING_SETUP_CQE32), 1);
	CHECK_EQ(io_uring_cqe_shift_from_flags(IORING_SETUP_SQE128), 0);
}

/* get_sqe: initialized slots; get_sqe128: NULL on a ring of 64-byte SQEs */
TEST(sqe_slots)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;

	test_ring_init(4, &ring, 0);
	memset(ring.sq.sqes, 0xa5, 4 * sizeof(*sqe));
	sqe = CALL(_io_uring_get_sqe)(&ring);
	REQUIRE_TRUE(sqe == &ring.sq.sqes[0]);
	CHECK_EQ(sqe->flags, 0);
	CHECK_EQ_U(sqe->file_index, 0);
	CHECK_EQ(CALL(io_uring_load_sq_head)(&ring), 0);
	CHECK_TRUE(CALL(io_uring_get_sqe128)(&ring) == NULL);
	sqe = io_uring_get_sqe(&ring);
	REQUIRE_TRUE(sqe == &ring.sq.sqes[1]);
	CHECK_EQ(sqe->personality, 0);
	io_uring_prep_nop(&ring.sq.sqes[0]);
	io_uring_prep_nop(sqe);
	CHECK_EQ(io_uring_submit(&ring), 2);
	CHECK_EQ(io_uring_load_sq_head(&ring), 2);
	io_uring_queue_exit(&ring);
}

/*
 * The CQ walk: io_uring_for_each_cqe over io_uring_cqe_iter_*, a CQE_F_32
 * CQE (as a CQE_MIXED ring has them) counting two slots.
 */
TEST(cqe_iterator)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe, fake = { 0 };
	struct io_uring_cqe_iter it;
	unsigned head, n = 0;

	CHECK_EQ(CALL(io_uring_cqe_nr)(&fake), 1);
	fake.flags = IORING_CQE_F_32;
	CHECK_EQ(io_uring_cqe_nr(&fake), 2);
	CHECK_EQ_U(CALL(uring_ptr_to_u64)(&fake), (__u64)(uintptr_t)&fake);

	test_ring_init(4, &ring, 0);
	queue_nops(&ring, 3, 40);
	CHECK_EQ(io_uring_submit_and_wait(&ring, 3), 3);
	it = CALL(io_uring_cqe_iter_init)(&ring);
	CHECK_EQ(it.tail - it.head, 3);
	/* a program's CQE: io_uring_skip_cqe leaves it (its cases: compat-headers) */
	{
		int err = 0;

		cqe = &ring.cq.cqes[*ring.cq.khead & ring.cq.ring_mask];
		CHECK_FALSE(CALL(io_uring_skip_cqe)(&ring, cqe, &err));
		CHECK_EQ(err, 0);
		CHECK_EQ(io_uring_cq_ready(&ring), 3);
	}
	while (CALL(io_uring_cqe_iter_next)(&it, &cqe)) {
		CHECK_EQ_U(cqe->user_data, 40 + n);
		n++;
	}
	CHECK_EQ(n, 3);
	n = 0;
	io_uring_for_each_cqe (&ring, head, cqe) {
		CHECK_EQ(head, *ring.cq.khead + n);
		n++;
	}
	CHECK_EQ(n, 3);
	/*
	 * CQE_F_32 on a ring without CQE_MIXED is not the ring's (MSG_RING can
	 * pass any flags): one slot still; on a CQE_MIXED ring, two.
	 */
	ring.cq.cqes[*ring.cq.khead & ring.cq.ring_mask].flags |= IORING_CQE_F_32;
	it = io_uring_cqe_iter_init(&ring);
	n = 0;
	while (io_uring_cqe_iter_next(&it, &cqe))
		n++;
	CHECK_EQ(n, 3);
	ring.flags |= IORING_SETUP_CQE_MIXED;
	it = io_uring_cqe_iter_init(&ring);
	n = 0;
	while (io_uring_cqe_iter_next(&it, &cqe))
		n++;
	CHECK_EQ(n, 2);
	ring.flags &= ~IORING_SETUP_CQE_MIXED;
	io_uring_cq_advance(&ring, 3);
	io_uring_queue_exit(&ring);
}

/* The helpers liburing keeps to C programs (not in its bindings' map). */
TEST(local_inlines)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe sqe;
	unsigned head;
	int err = 0;
	char c;

	CHECK_EQ_U(CALL(uring_ptr_to_u64)(&c), (uint64_t)(uintptr_t)&c);
	CHECK_EQ_U(uring_ptr_to_u64(NULL), 0);
	memset(&sqe, 0, sizeof(sqe));
	CALL(__io_uring_set_target_fixed_file)(&sqe, 6);
	CHECK_EQ_U(sqe.file_index, 7); /* index + 1: 0 means "not direct" */
	CHECK_EQ_U(CALL(__io_uring_prep_poll_mask)(POLLIN), __io_uring_prep_poll_mask(POLLIN));
	io_uring_prep_poll_add(&sqe, 0, POLLIN | POLLOUT);
	CHECK_EQ_U(sqe.poll32_events, __io_uring_prep_poll_mask(POLLIN | POLLOUT));

	/* an ordinary CQE is not skipped and stays in the CQ */
	test_ring_init(4, &ring, 0);
	queue_nops(&ring, 1, 70);
	CHECK_EQ(io_uring_submit_and_wait(&ring, 1), 1);
	head = *ring.cq.khead;
	cqe = &ring.cq.cqes[head & ring.cq.ring_mask];
	CHECK_FALSE(CALL(io_uring_skip_cqe)(&ring, cqe, &err));
	CHECK_EQ(err, 0);
	CHECK_EQ_U(*ring.cq.khead, head);
	/* the library's internal timeout CQE, without EXT_ARG: consumed */
	ring.features &= ~IORING_FEAT_EXT_ARG;
	cqe->user_data = LIBURING_UDATA_TIMEOUT;
	cqe->res = -ETIME;
	CHECK_FALSE(io_uring_skip_cqe(&ring, cqe, &err));
	CHECK_EQ(err, -ETIME);
	CHECK_EQ_U(*ring.cq.khead, head + 1);
	/* a CQE_MIXED ring's filler: consumed, looked past */
	queue_nops(&ring, 1, 71);
	CHECK_EQ(io_uring_submit_and_wait(&ring, 1), 1);
	cqe = &ring.cq.cqes[*ring.cq.khead & ring.cq.ring_mask];
	cqe->flags |= IORING_CQE_F_SKIP;
	err = 0;
	CHECK_FALSE(io_uring_skip_cqe(&ring, cqe, &err)); /* not a mixed ring */
	ring.flags |= IORING_SETUP_CQE_MIXED;
	CHECK_TRUE(io_uring_skip_cqe(&ring, cqe, &err));
	CHECK_EQ(err, 0);
	CHECK_EQ_U(*ring.cq.khead, head + 2);
	ring.flags &= ~IORING_SETUP_CQE_MIXED;
	io_uring_queue_exit(&ring);
}

/*
 * On the engine, what it lacks: -EINVAL, the kernel's answer for what it
 * does not know (tests/test-api-calls.c checks each call in depth).
 */
static bool engine_lacks(int ret)
{
	return test_backend_is("user") && ret == -EINVAL;
}

TEST(library_calls)
{
	struct io_uring_restriction res = { .opcode = IORING_RESTRICTION_SQE_OP };
	struct io_uring_napi napi = { .busy_poll_to = 1 };
	struct io_uring_zcrx_ifq_reg ifq = { 0 };
	struct zcrx_ctrl ctrl = { 0 };
	struct io_uring_mem_region_reg mr = { 0 };
	struct io_uring_reg_wait rw = { 0 };
	struct io_uring_query_opcode qo = { 0 };
	struct io_uring_query_hdr q = { .query_data = (uintptr_t)&qo, .size = sizeof(qo) };
	struct io_uring_params p = { 0 };
	struct io_uring_sqe sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring, ring2;
	char b[64];
	struct iovec iov = { b, sizeof(b) };
	size_t len;
	void *mem;
	cpu_set_t cpus;
	int ret;

	CHECK_GT(CALL(io_uring_memory_size)(8, 0), 0);
	CHECK_EQ(CALL(io_uring_memory_size_params)(8, &p), io_uring_memory_size(8, 0));
	CHECK_EQ(CALL(io_uring_mlock_size)(8, 0), 0);
	CHECK_EQ(CALL(io_uring_mlock_size_params)(8, &p), 0);
	len = (size_t)io_uring_memory_size(8, 0);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_TRUE(mem != MAP_FAILED);
	ret = CALL(io_uring_queue_init_mem)(8, &ring, &p, mem, len);
	test_skip_if_refused(ret, "io_uring_queue_init_mem");
	CHECK_EQ(ret, (int)len);
	if (ret > 0) {
		submit_nop(&ring, 1);
		io_uring_cq_advance(&ring, 1);
		io_uring_queue_exit(&ring);
	}
	munmap(mem, len);

	test_ring_init(4, &ring, 0);
	test_ring_init(4, &ring2, 0);
	/* 6.18 resizes DEFER_TASKRUN rings only */
	memset(&p, 0, sizeof(p));
	p.sq_entries = 8;
	CHECK_EQ(CALL(io_uring_resize_rings)(&ring, &p), -EINVAL);
	CHECK_EQ(CALL(io_uring_set_iowait)(&ring, true),
		 (ring.features & IORING_FEAT_NO_IOWAIT) ? 0 : -EOPNOTSUPP);
	/* no registered wait region: -EFAULT, or -EINVAL where there are none */
	ret = CALL(io_uring_submit_and_wait_reg)(&ring, &cqe, 1, 0);
	if (!engine_lacks(ret))
		CHECK_EQ(ret, -EFAULT);

	CHECK_EQ(io_uring_register_buffers(&ring, &iov, 1), 0);
	CHECK_EQ(CALL(__io_uring_clone_buffers)(&ring2, &ring, 0), 0);
	CHECK_EQ(CALL(__io_uring_clone_buffers_offset)(&ring2, &ring, 0, 0, 1,
						       IORING_REGISTER_DST_REPLACE),
		 0);

	/* the ring is enabled already */
	ret = CALL(io_uring_register_restrictions)(&ring, &res, 1);
	if (!engine_lacks(ret))
		CHECK_EQ(ret, -EBADFD);
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ret = CALL(io_uring_register_iowq_aff)(&ring, sizeof(cpus), &cpus);
	if (!engine_lacks(ret)) {
		CHECK_EQ(ret, 0);
		CHECK_EQ(CALL(io_uring_unregister_iowq_aff)(&ring), 0);
	} else {
		CHECK_EQ(CALL(io_uring_unregister_iowq_aff)(&ring), -EINVAL);
	}
	CHECK_EQ(io_uring_register_files_sparse(&ring, 4), 0);
	CHECK_EQ(CALL(io_uring_register_file_alloc_range)(&ring, 1, 2), 0);
	ret = CALL(io_uring_register_napi)(&ring, &napi);
	if (test_backend_is("user")) {
		/* as a kernel built without busy polling (docs/API.md) */
		CHECK_EQ(ret, -EOPNOTSUPP);
		CHECK_EQ(CALL(io_uring_unregister_napi)(&ring, &napi), -EOPNOTSUPP);
	} else {
		CHECK_EQ(ret, 0);
		CHECK_EQ(CALL(io_uring_unregister_napi)(&ring, &napi), 0);
	}
	/* zcrx needs a NIC queue; BPF filters are past 6.18; wait_reg never shipped */
	CHECK_EQ(CALL(io_uring_register_ifq)(&ring, &ifq), -EINVAL);
	CHECK_EQ(CALL(io_uring_register_zcrx_ctrl)(&ring, &ctrl), -EINVAL);
	CHECK_EQ(CALL(io_uring_register_bpf_filter)(&ring, NULL), -EINVAL);
	CHECK_EQ(CALL(io_uring_register_bpf_filter_task)(NULL), -EINVAL);
	CHECK_EQ(CALL(io_uring_register_wait_reg)(&ring, &rw, 1), -EINVAL);
	/* no region descriptor */
	ret = CALL(io_uring_register_region)(&ring, &mr);
	if (!engine_lacks(ret))
		CHECK_EQ(ret, -EFAULT);

	memset(&sqe, 0, sizeof(sqe));
	io_uring_prep_msg_ring(&sqe, ring2.ring_fd, 3, 0x77, 0);
	CHECK_EQ(CALL(io_uring_register_sync_msg)(&sqe), 0);
	REQUIRE_EQ(io_uring_peek_cqe(&ring2, &cqe), 0);
	CHECK_EQ_U(cqe->user_data, 0x77);
	io_uring_cqe_seen(&ring2, cqe);
	CHECK_EQ(CALL(io_uring_register_query)(&q), 0);
	CHECK_EQ(q.result, 0);
	CHECK_GT(qo.nr_request_opcodes, 0);

	io_uring_queue_exit(&ring2);
	io_uring_queue_exit(&ring);
}

TEST(every_function_called)
{
	for (size_t i = 0; i < ARRAY_SIZE(present); i++)
		CHECK_MSG(present[i].called, "%s: declared and defined, never called",
			  present[i].name);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(list_is_liburing_2_15),
		TEST_ENTRY(every_function_declared),
		TEST_ENTRY(prep_helpers_rw_and_files),
		TEST_ENTRY(prep_helpers_poll_timeout_cancel),
		TEST_ENTRY(prep_helpers_net),
		TEST_ENTRY(prep_helpers_misc),
		TEST_ENTRY(sqe_and_cqe_accessors),
		TEST_ENTRY(buf_ring_helpers),
		TEST_ENTRY(recvmsg_out_helpers),
		TEST_ENTRY(versions),
		TEST_ENTRY(ring_submit_and_reap),
		TEST_ENTRY(raw_calls),
		TEST_ENTRY(registrations),
		TEST_ENTRY(prep_helpers_2_15),
		TEST_ENTRY(sqe_slots),
		TEST_ENTRY(cqe_iterator),
		TEST_ENTRY(local_inlines),
		TEST_ENTRY(library_calls),
		TEST_ENTRY(every_function_called),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
