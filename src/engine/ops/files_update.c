// SPDX-License-Identifier: MIT
/*
 * IORING_OP_FILES_UPDATE (the kernel's io_files_update() in rsrc.c):
 * REGISTER_FILES_UPDATE as a request, or, with IORING_FILE_INDEX_ALLOC as
 * the offset, each fd installed in a free slot whose number is written
 * back over it.
 */
#include <errno.h>

#include "engine/ops/files_update.h"

int files_update_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct files_update_state *up = req_data(req, struct files_update_state);

	if (req->flags & (REQ_F_FIXED_FILE | REQ_F_BUFFER_SELECT))
		return -EINVAL;
	if (sqe->rw_flags || sqe->splice_fd_in)
		return -EINVAL;
	up->offset = (uint32_t)sqe->off;
	up->nr = sqe->len;
	if (!up->nr)
		return -EINVAL;
	up->arg = sqe->addr;
	return 0;
}

/* the kernel's io_files_update_with_index_alloc(): how many, or -errno */
static int update_alloc(struct req *req, struct files_update_state *up)
{
	int32_t *fds = (int32_t *)(uintptr_t)up->arg;
	unsigned done;
	int ret = 0;

	pthread_mutex_lock(&req->ring->rsrc_lock);
	ret = req->ring->nr_files ? 0 : -ENXIO;
	pthread_mutex_unlock(&req->ring->rsrc_lock);
	if (ret)
		return ret;
	for (done = 0; done < up->nr; done++) {
		struct rfile *f;
		int32_t fd;

		if (umem_read(&fd, fds + done, sizeof(fd))) {
			ret = -EFAULT;
			break;
		}
		ret = rsrc_file_new(fd, &f);
		if (ret)
			break;
		ret = rsrc_file_install(req->ring, f, IORING_FILE_INDEX_ALLOC);
		if (ret < 0) {
			rfile_put(f);
			break;
		}
		if (umem_write(fds + done, &ret, sizeof(ret))) {
			rsrc_file_remove(req->ring, (unsigned)ret);
			ret = -EFAULT;
			break;
		}
	}
	return done ? (int)done : ret;
}

int files_update_issue(struct req *req, unsigned issue_flags)
{
	struct files_update_state *up = req_data(req, struct files_update_state);
	int ret;

	if (up->offset == IORING_FILE_INDEX_ALLOC)
		ret = update_alloc(req, up);
	else
		ret = rsrc_files_update(req->ring, up->offset, (const int32_t *)(uintptr_t)up->arg, NULL,
					up->nr);
	req->res = ret;
	if (ret < 0)
		req_set_fail(req);
	return ISSUE_DONE;
}
