// SPDX-License-Identifier: MIT
/*
 * The xattr opcodes (the kernel's xattr.c): the name, the path and a set's
 * value are copied at prep, so the program may reuse its buffers once
 * submitted; the call runs in a worker.  Its error is only the result (the
 * kernel does not fail the request: links go on); a bad fd fails it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "engine/api.h"
#include "engine/ops/statx.h"
#include "engine/ops/xattr.h"
#include "engine/sys.h"

/* the kernel's import_xattr_name(): 1 to XATTR_NAME_MAX bytes, else -ERANGE;
 * no byte past the limit is read (a long name before a hole is -ERANGE) */
static int copy_name(const char *uname, char **out)
{
	char *path;
	int ret = copy_user_string(uname, XATTR_NAME_MAX + 1, true, &path);

	if (ret == -ENAMETOOLONG)
		return -ERANGE;
	if (ret)
		return ret;
	if (!path[0]) {
		free(path);
		return -ERANGE;
	}
	*out = path;
	return 0;
}

static int get_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct xattr_state *ix = req_data(req, struct xattr_state);
	int ret;

	memset(ix, 0, sizeof(*ix));
	ix->value = (void *)(uintptr_t)sqe->addr2;
	ix->size = sqe->len;
	if (sqe->xattr_flags)
		return -EINVAL;
	ret = copy_name((const char *)(uintptr_t)sqe->addr, &ix->name);
	if (ret)
		return ret;
	req->flags |= REQ_F_NEED_CLEANUP;
	return 0;
}

static int set_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct xattr_state *ix = req_data(req, struct xattr_state);
	int ret;

	memset(ix, 0, sizeof(*ix));
	ix->size = sqe->len;
	ix->flags = (int)sqe->xattr_flags;
	if (ix->flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	ret = copy_name((const char *)(uintptr_t)sqe->addr, &ix->name);
	if (ret)
		return ret;
	req->flags |= REQ_F_NEED_CLEANUP;
	if (!ix->size)
		return 0;
	if (ix->size > XATTR_SIZE_MAX)
		return -E2BIG;
	ix->kvalue = malloc(ix->size);
	if (!ix->kvalue)
		return -ENOMEM;
	if (umem_read(ix->kvalue, (const void *)(uintptr_t)sqe->addr2, ix->size))
		return -EFAULT;
	return 0;
}

/* the path-taking forms: the lookup is no fixed file; the path comes last */
static int path_prep(struct req *req, const struct io_uring_sqe *sqe,
		     int (*prep)(struct req *, const struct io_uring_sqe *))
{
	int ret;

	if (req->flags & REQ_F_FIXED_FILE)
		return -EBADF;
	ret = prep(req, sqe);
	if (ret)
		return ret;
	return copy_user_path((const char *)(uintptr_t)sqe->addr3, false,
			      &req_data(req, struct xattr_state)->path);
}

int fgetxattr_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	return get_prep(req, sqe);
}

int getxattr_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	return path_prep(req, sqe, get_prep);
}

int fsetxattr_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	return set_prep(req, sqe);
}

int setxattr_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	return path_prep(req, sqe, set_prep);
}

static int finish(struct req *req, long ret, bool fd_op)
{
	req->res = (int)ret;
	if (ret < 0 &&
	    !(fd_op && ret == -EBADF && !req->file && sys_fcntl(req->rfd, F_GETFD, 0) < 0))
		req->flags |= REQ_F_QUIET_RES;
	return ISSUE_DONE;
}

int fgetxattr_issue(struct req *req, unsigned issue_flags)
{
	struct xattr_state *ix = req_data(req, struct xattr_state);
	long ret = req_resolve_file(req);

	if (!ret)
		ret = sys_fgetxattr(req->rfd, ix->name, ix->value, ix->size);
	return finish(req, ret, true);
}

int getxattr_issue(struct req *req, unsigned issue_flags)
{
	struct xattr_state *ix = req_data(req, struct xattr_state);

	return finish(req, sys_getxattr(ix->path, ix->name, ix->value, ix->size), false);
}

int fsetxattr_issue(struct req *req, unsigned issue_flags)
{
	struct xattr_state *ix = req_data(req, struct xattr_state);
	long ret = req_resolve_file(req);

	if (!ret)
		ret = sys_fsetxattr(req->rfd, ix->name, ix->kvalue, ix->size, ix->flags);
	return finish(req, ret, true);
}

int setxattr_issue(struct req *req, unsigned issue_flags)
{
	struct xattr_state *ix = req_data(req, struct xattr_state);

	return finish(req, sys_setxattr(ix->path, ix->name, ix->kvalue, ix->size, ix->flags),
		      false);
}

void xattr_cleanup(struct req *req)
{
	struct xattr_state *ix = req_data(req, struct xattr_state);

	free(ix->name);
	free(ix->path);
	free(ix->kvalue);
	ix->name = ix->path = NULL;
	ix->kvalue = NULL;
}
