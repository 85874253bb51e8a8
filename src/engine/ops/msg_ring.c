// SPDX-License-Identifier: MIT
/*
 * IORING_OP_MSG_RING's family (the kernel's msg_ring.c).  The opcode itself
 * is not implemented yet (its op_defs slot is the default); what is here is
 * its synchronous form, IORING_REGISTER_SEND_MSG_RING: an IORING_MSG_DATA
 * message sent without a source ring, whose SQE comes as the register
 * call's argument.
 */
#include <errno.h>
#include <fcntl.h>

#include "engine/engine.h"
#include "engine/sys.h"
#include "engine/ops/msg_ring.h"

/*
 * A CQE (user_data = off, res = len, flags from file_index with FLAGS_PASS)
 * posted to the ring sqe.fd names.
 */
int msg_ring_sync(const void *arg, unsigned nr)
{
	struct io_uring_sqe sqe;
	struct ring *t;
	uint32_t cflags = 0;
	int ret;

	if (!arg || nr != 1)
		return -EINVAL;
	if (umem_read(&sqe, arg, sizeof(sqe)))
		return -EFAULT;
	if (sqe.flags || sqe.opcode != IORING_OP_MSG_RING)
		return -EINVAL;
	if (sqe.buf_index || sqe.personality || sqe.addr != IORING_MSG_DATA)
		return -EINVAL;
	t = ring_get_current(sqe.fd);
	if (!t)
		return sys_fcntl(sqe.fd, F_GETFD, 0) < 0 ? -EBADF : -EBADFD;
	if (sqe.addr3 || (sqe.msg_ring_flags & ~IORING_MSG_RING_FLAGS_PASS) ||
	    (!(sqe.msg_ring_flags & IORING_MSG_RING_FLAGS_PASS) && sqe.file_index))
		ret = -EINVAL;
	else if (atomic_load_explicit(&t->disabled, memory_order_acquire))
		ret = -EBADFD;
	else {
		if (sqe.msg_ring_flags & IORING_MSG_RING_FLAGS_PASS)
			cflags = sqe.file_index;
		ret = cq_post(t, sqe.off, (int32_t)sqe.len, cflags, true) ? 0 : -EOVERFLOW;
	}
	ring_put(t);
	return ret;
}
