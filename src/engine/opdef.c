// SPDX-License-Identifier: MIT
/*
 * The opcode table (the kernel's io_uring/opdef.c): one slot per opcode, its
 * capabilities and hooks.  An opcode the engine does not implement keeps the
 * default slot: its prep fails with -EOPNOTSUPP and REGISTER_PROBE does not
 * report it, so the engine never advertises what it does not do.
 */
#include <errno.h>

#include "engine/engine.h"

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

#define RW_DEF(nm, prep_fn, issue_fn, in, out, bsel) \
	{ .name = nm, .needs_file = 1, .pollin = in, .pollout = out, .buffer_select = bsel, \
	  .ioprio = 1, .iopoll = 1, .supported = 1, .prep = prep_fn, .issue = issue_fn, \
	  .cleanup = rw_cleanup }

/* the range initializer gives every slot the default; named slots override it */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
const struct op_def op_defs[IORING_OP_LAST] = {
	[0 ... IORING_OP_LAST - 1] = UNSUPPORTED,
	[IORING_OP_NOP] = { .name = "NOP", .iopoll = 1, .supported = 1,
			    .prep = nop_prep, .issue = nop_issue },
	[IORING_OP_READV] = RW_DEF("READV", rw_prep_vec, read_issue, 1, 0, 1),
	[IORING_OP_WRITEV] = RW_DEF("WRITEV", rw_prep_vec, write_issue, 0, 1, 0),
	[IORING_OP_READ_FIXED] = { .name = "READ_FIXED", .needs_file = 1, .pollin = 1,
				   .ioprio = 1, .iopoll = 1, .supported = 1,
				   .prep = rw_prep_fixed, .issue = read_issue,
				   .cleanup = rw_cleanup, .hold = rw_hold_buffer },
	[IORING_OP_WRITE_FIXED] = { .name = "WRITE_FIXED", .needs_file = 1, .pollout = 1,
				    .ioprio = 1, .iopoll = 1, .supported = 1,
				    .prep = rw_prep_fixed, .issue = write_issue,
				    .cleanup = rw_cleanup, .hold = rw_hold_buffer },
	[IORING_OP_READ] = RW_DEF("READ", rw_prep, read_issue, 1, 0, 1),
	[IORING_OP_WRITE] = RW_DEF("WRITE", rw_prep, write_issue, 0, 1, 0),
	[IORING_OP_FSYNC] = { .name = "FSYNC", .needs_file = 1, .supported = 1,
			      .force_async = 1, .prep = fsync_prep, .issue = fsync_issue },
	[IORING_OP_SYNC_FILE_RANGE] = { .name = "SYNC_FILE_RANGE", .needs_file = 1,
					.supported = 1, .force_async = 1,
					.prep = sfr_prep, .issue = sfr_issue },
	[IORING_OP_POLL_ADD] = { .name = "POLL_ADD", .needs_file = 1, .supported = 1,
				 .prep = poll_add_prep, .issue = poll_add_issue,
				 .cleanup = poll_cleanup },
	[IORING_OP_POLL_REMOVE] = { .name = "POLL_REMOVE", .supported = 1,
				    .prep = poll_remove_prep, .issue = poll_remove_issue },
};
#pragma GCC diagnostic pop

_Static_assert(sizeof(op_defs) / sizeof(op_defs[0]) == IORING_OP_LAST,
	       "one op_defs slot per opcode");
_Static_assert(IORING_OP_LAST == 63, "opcode table sized for the 6.18 ABI");
