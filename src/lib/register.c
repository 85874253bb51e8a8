/* SPDX-License-Identifier: MIT */
/*
 * Registration: buffers, files, eventfd, probe, personalities, the ring fd.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "lib/lib.h"

static int do_register(struct io_uring *ring, unsigned opcode, const void *arg, unsigned nr_args)
{
	if (ring->int_flags & RINGER_INT_FLAG_REG_REG_RING)
		return ringer__register(ring->enter_ring_fd,
					opcode | IORING_REGISTER_USE_REGISTERED_RING, arg, nr_args);
	return ringer__register(ring->ring_fd, opcode, arg, nr_args);
}

int io_uring_register_buffers(struct io_uring *ring, const struct iovec *iovecs,
			      unsigned nr_iovecs)
{
	int ret = do_register(ring, IORING_REGISTER_BUFFERS, iovecs, nr_iovecs);

	return ret < 0 ? ret : 0;
}

int io_uring_unregister_buffers(struct io_uring *ring)
{
	int ret = do_register(ring, IORING_UNREGISTER_BUFFERS, NULL, 0);

	return ret < 0 ? ret : 0;
}

/*
 * A file table larger than RLIMIT_NOFILE is refused with -EMFILE; raise the
 * soft limit by the table size (within the hard limit) and let the caller
 * retry once.
 */
static bool raise_nofile(unsigned nr)
{
	struct rlimit rlim;
	int saved = errno;
	bool ok = false;

	if (!getrlimit(RLIMIT_NOFILE, &rlim) && rlim.rlim_cur < nr) {
		rlim.rlim_cur += nr;
		if (rlim.rlim_cur > rlim.rlim_max)
			rlim.rlim_cur = rlim.rlim_max;
		ok = !setrlimit(RLIMIT_NOFILE, &rlim);
	}
	errno = saved;
	return ok;
}

int io_uring_register_files(struct io_uring *ring, const int *files, unsigned nr_files)
{
	int ret = do_register(ring, IORING_REGISTER_FILES, files, nr_files);

	if (ret == -EMFILE && raise_nofile(nr_files))
		ret = do_register(ring, IORING_REGISTER_FILES, files, nr_files);
	return ret < 0 ? ret : 0;
}

int io_uring_unregister_files(struct io_uring *ring)
{
	int ret = do_register(ring, IORING_UNREGISTER_FILES, NULL, 0);

	return ret < 0 ? ret : 0;
}

int io_uring_register_files_update(struct io_uring *ring, unsigned off, const int *files,
				   unsigned nr_files)
{
	struct io_uring_files_update up = {
		.offset = off,
		.fds = (unsigned long)files,
	};

	return do_register(ring, IORING_REGISTER_FILES_UPDATE, &up, nr_files);
}

/* FILES2, BUFFERS2: files/iovecs NULL is a sparse table */
static int register_rsrc(struct io_uring *ring, unsigned opcode, const void *data,
			 const __u64 *tags, unsigned nr, unsigned flags)
{
	struct io_uring_rsrc_register reg = {
		.nr = nr,
		.flags = flags,
		.data = (unsigned long)data,
		.tags = (unsigned long)tags,
	};
	int ret = do_register(ring, opcode, &reg, sizeof(reg));

	if (ret == -EMFILE && opcode == IORING_REGISTER_FILES2 && raise_nofile(nr))
		ret = do_register(ring, opcode, &reg, sizeof(reg));
	return ret;
}

static int update_rsrc(struct io_uring *ring, unsigned opcode, unsigned off, const void *data,
		       const __u64 *tags, unsigned nr)
{
	struct io_uring_rsrc_update2 up = {
		.offset = off,
		.data = (unsigned long)data,
		.tags = (unsigned long)tags,
		.nr = nr,
	};

	return do_register(ring, opcode, &up, sizeof(up));
}

int io_uring_register_files_tags(struct io_uring *ring, const int *files, const __u64 *tags,
				 unsigned nr)
{
	return register_rsrc(ring, IORING_REGISTER_FILES2, files, tags, nr, 0);
}

int io_uring_register_files_sparse(struct io_uring *ring, unsigned nr)
{
	return register_rsrc(ring, IORING_REGISTER_FILES2, NULL, NULL, nr,
			     IORING_RSRC_REGISTER_SPARSE);
}

int io_uring_register_files_update_tag(struct io_uring *ring, unsigned off, const int *files,
				       const __u64 *tags, unsigned nr_files)
{
	return update_rsrc(ring, IORING_REGISTER_FILES_UPDATE2, off, files, tags, nr_files);
}

int io_uring_register_buffers_tags(struct io_uring *ring, const struct iovec *iovecs,
				   const __u64 *tags, unsigned nr)
{
	return register_rsrc(ring, IORING_REGISTER_BUFFERS2, iovecs, tags, nr, 0);
}

int io_uring_register_buffers_sparse(struct io_uring *ring, unsigned nr)
{
	return register_rsrc(ring, IORING_REGISTER_BUFFERS2, NULL, NULL, nr,
			     IORING_RSRC_REGISTER_SPARSE);
}

int io_uring_register_buffers_update_tag(struct io_uring *ring, unsigned off,
					 const struct iovec *iovecs, const __u64 *tags,
					 unsigned nr)
{
	return update_rsrc(ring, IORING_REGISTER_BUFFERS_UPDATE, off, iovecs, tags, nr);
}

/* the source by its registered index when it has one, as liburing does */
int __io_uring_clone_buffers_offset(struct io_uring *dst, struct io_uring *src,
				    unsigned int dst_off, unsigned int src_off, unsigned int nr,
				    unsigned int flags)
{
	struct io_uring_clone_buffers buf = {
		.src_fd = (__u32)src->ring_fd,
		.flags = flags,
		.src_off = src_off,
		.dst_off = dst_off,
		.nr = nr,
	};

	if (src->int_flags & RINGER_INT_FLAG_REG_REG_RING) {
		buf.src_fd = (__u32)src->enter_ring_fd;
		buf.flags |= IORING_REGISTER_SRC_REGISTERED;
	}
	return do_register(dst, IORING_REGISTER_CLONE_BUFFERS, &buf, 1);
}

int io_uring_clone_buffers_offset(struct io_uring *dst, struct io_uring *src, unsigned int dst_off,
				  unsigned int src_off, unsigned int nr, unsigned int flags)
{
	return __io_uring_clone_buffers_offset(dst, src, dst_off, src_off, nr, flags);
}

/* all of src's buffers; flags may ask IORING_REGISTER_DST_REPLACE */
int __io_uring_clone_buffers(struct io_uring *dst, struct io_uring *src, unsigned int flags)
{
	return __io_uring_clone_buffers_offset(dst, src, 0, 0, 0, flags);
}

int io_uring_clone_buffers(struct io_uring *dst, struct io_uring *src)
{
	return __io_uring_clone_buffers(dst, src, 0);
}

int io_uring_register_eventfd(struct io_uring *ring, int fd)
{
	int ret = do_register(ring, IORING_REGISTER_EVENTFD, &fd, 1);

	return ret < 0 ? ret : 0;
}

int io_uring_register_eventfd_async(struct io_uring *ring, int fd)
{
	int ret = do_register(ring, IORING_REGISTER_EVENTFD_ASYNC, &fd, 1);

	return ret < 0 ? ret : 0;
}

int io_uring_unregister_eventfd(struct io_uring *ring)
{
	int ret = do_register(ring, IORING_UNREGISTER_EVENTFD, NULL, 0);

	return ret < 0 ? ret : 0;
}

int io_uring_register_probe(struct io_uring *ring, struct io_uring_probe *p, unsigned nr)
{
	int ret = do_register(ring, IORING_REGISTER_PROBE, p, nr);

	return ret < 0 ? ret : 0;
}

int io_uring_register_personality(struct io_uring *ring)
{
	return do_register(ring, IORING_REGISTER_PERSONALITY, NULL, 0);
}

int io_uring_unregister_personality(struct io_uring *ring, int id)
{
	return do_register(ring, IORING_UNREGISTER_PERSONALITY, NULL, (unsigned)id);
}

int io_uring_enable_rings(struct io_uring *ring)
{
	return do_register(ring, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
}

int io_uring_register_iowq_max_workers(struct io_uring *ring, unsigned *values)
{
	return do_register(ring, IORING_REGISTER_IOWQ_MAX_WORKERS, values, 2);
}

int io_uring_register_sync_cancel(struct io_uring *ring, struct io_uring_sync_cancel_reg *reg)
{
	return do_register(ring, IORING_REGISTER_SYNC_CANCEL, reg, 1);
}

int io_uring_register_restrictions(struct io_uring *ring, struct io_uring_restriction *res,
				   unsigned int nr_res)
{
	int ret = do_register(ring, IORING_REGISTER_RESTRICTIONS, res, nr_res);

	return ret < 0 ? ret : 0;
}

/* the CPUs of the ring's io-wq workers: cpusz bytes of mask */
int io_uring_register_iowq_aff(struct io_uring *ring, size_t cpusz, const cpu_set_t *mask)
{
	if (cpusz >= (1U << 31))
		return -EINVAL;
	return do_register(ring, IORING_REGISTER_IOWQ_AFF, mask, (unsigned)cpusz);
}

int io_uring_unregister_iowq_aff(struct io_uring *ring)
{
	return do_register(ring, IORING_UNREGISTER_IOWQ_AFF, NULL, 0);
}

/* the slots [off, off + len) of the file table are the ones IORING_FILE_INDEX_ALLOC hands out */
int io_uring_register_file_alloc_range(struct io_uring *ring, unsigned off, unsigned len)
{
	struct io_uring_file_index_range range = {
		.off = off,
		.len = len,
	};

	return do_register(ring, IORING_REGISTER_FILE_ALLOC_RANGE, &range, 0);
}

int io_uring_register_napi(struct io_uring *ring, struct io_uring_napi *napi)
{
	return do_register(ring, IORING_REGISTER_NAPI, napi, 1);
}

/* napi, if not NULL, receives the settings that were in force */
int io_uring_unregister_napi(struct io_uring *ring, struct io_uring_napi *napi)
{
	return do_register(ring, IORING_UNREGISTER_NAPI, napi, 1);
}

int io_uring_register_ifq(struct io_uring *ring, struct io_uring_zcrx_ifq_reg *reg)
{
	return do_register(ring, IORING_REGISTER_ZCRX_IFQ, reg, 1);
}

int io_uring_register_zcrx_ctrl(struct io_uring *ring, struct zcrx_ctrl *ctrl)
{
	return do_register(ring, IORING_REGISTER_ZCRX_CTRL, ctrl, 0);
}

int io_uring_register_region(struct io_uring *ring, struct io_uring_mem_region_reg *reg)
{
	return do_register(ring, IORING_REGISTER_MEM_REGION, reg, 1);
}

/*
 * liburing 2.9's registration of wait arguments used an opcode that was
 * dropped before it reached a released kernel; later liburing answers
 * -EINVAL, and so do we.  IORING_MEM_REGION_REG_WAIT_ARG is the way.
 */
int io_uring_register_wait_reg(struct io_uring *ring, struct io_uring_reg_wait *reg, int nr)
{
	(void)ring;
	(void)reg;
	(void)nr;
	return -EINVAL;
}

/* IORING_REGISTER_BPF_FILTER, 37: past 6.18, whose answer is -EINVAL */
#define REGISTER_BPF_FILTER 37

int io_uring_register_bpf_filter(struct io_uring *ring, struct io_uring_bpf *bpf)
{
	return do_register(ring, REGISTER_BPF_FILTER, bpf, 1);
}

/* the filter of every ring of this task: no ring */
int io_uring_register_bpf_filter_task(struct io_uring_bpf *bpf)
{
	return ringer__register(-1, REGISTER_BPF_FILTER, bpf, 1);
}

/* a MSG_RING SQE posted without a ring of one's own */
int io_uring_register_sync_msg(struct io_uring_sqe *sqe)
{
	return ringer__register(-1, IORING_REGISTER_SEND_MSG_RING, sqe, 1);
}

int io_uring_register_query(struct io_uring_query_hdr *query)
{
	return ringer__register(-1, IORING_REGISTER_QUERY, query, 0);
}

/*
 * Register the ring fd with itself (kernel rings only) so enters can name it
 * by index, which skips the fd lookup.  Returns 1 on success.
 */
int io_uring_register_ring_fd(struct io_uring *ring)
{
	struct io_uring_rsrc_update up = {
		.data = (unsigned)ring->ring_fd,
		.offset = -1U,
	};
	int ret;

	if (ring->int_flags & RINGER_INT_FLAG_REG_RING)
		return -EEXIST;
	ret = do_register(ring, IORING_REGISTER_RING_FDS, &up, 1);
	if (ret == 1) {
		ring->enter_ring_fd = (int)up.offset;
		ring->int_flags |= RINGER_INT_FLAG_REG_RING;
		if (ring->features & IORING_FEAT_REG_REG_RING)
			ring->int_flags |= RINGER_INT_FLAG_REG_REG_RING;
	}
	return ret;
}

int io_uring_unregister_ring_fd(struct io_uring *ring)
{
	struct io_uring_rsrc_update up = {
		.offset = (unsigned)ring->enter_ring_fd,
	};
	int ret;

	if (!(ring->int_flags & RINGER_INT_FLAG_REG_RING))
		return -EINVAL;
	ret = do_register(ring, IORING_UNREGISTER_RING_FDS, &up, 1);
	if (ret == 1) {
		ring->enter_ring_fd = ring->ring_fd;
		ring->int_flags &= (__u8)~(RINGER_INT_FLAG_REG_RING | RINGER_INT_FLAG_REG_REG_RING);
	}
	return ret;
}

int io_uring_close_ring_fd(struct io_uring *ring)
{
	if (!(ring->features & IORING_FEAT_REG_REG_RING))
		return -EOPNOTSUPP;
	if (!(ring->int_flags & RINGER_INT_FLAG_REG_RING))
		return -EINVAL;
	if (ring->ring_fd == -1)
		return -EBADF;
	ringer__close(ring->ring_fd);
	ring->ring_fd = -1;
	return 1;
}

/* The clock of this ring's waits: struct io_uring_clock_register's clockid,
 * CLOCK_MONOTONIC (the default) or CLOCK_BOOTTIME. */
int io_uring_register_clock(struct io_uring *ring, struct io_uring_clock_register *arg)
{
	return do_register(ring, IORING_REGISTER_CLOCK, arg, 0);
}

int io_uring_register_buf_ring(struct io_uring *ring, struct io_uring_buf_reg *reg,
			       unsigned int flags)
{
	(void)flags; /* reg->flags is what the kernel reads */
	return do_register(ring, IORING_REGISTER_PBUF_RING, reg, 1);
}

int io_uring_unregister_buf_ring(struct io_uring *ring, int bgid)
{
	struct io_uring_buf_reg reg = { .bgid = (__u16)bgid };

	return do_register(ring, IORING_UNREGISTER_PBUF_RING, &reg, 1);
}

int io_uring_buf_ring_head(struct io_uring *ring, int buf_group, uint16_t *head)
{
	struct io_uring_buf_status st = { .buf_group = (__u32)buf_group };
	int ret = do_register(ring, IORING_REGISTER_PBUF_STATUS, &st, 1);

	if (ret)
		return ret;
	*head = (uint16_t)st.head;
	return 0;
}

/*
 * A buffer ring of nentries: in anonymous memory the library maps, or
 * (IOU_PBUF_RING_MMAP) allocated by the ring and mapped from its fd at
 * IORING_OFF_PBUF_RING | bgid << IORING_OFF_PBUF_SHIFT.  NULL with *err.
 */
struct io_uring_buf_ring *io_uring_setup_buf_ring(struct io_uring *ring, unsigned int nentries,
						  int bgid, unsigned int flags, int *err)
{
	size_t size = (size_t)nentries * sizeof(struct io_uring_buf);
	struct io_uring_buf_reg reg = { .ring_entries = nentries, .bgid = (__u16)bgid,
					.flags = (__u16)flags };
	void *br = NULL;
	int ret;

	if (!(flags & IOU_PBUF_RING_MMAP)) {
		br = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
		if (br == MAP_FAILED) {
			*err = -errno;
			return NULL;
		}
		reg.ring_addr = (uintptr_t)br;
	}
	ret = io_uring_register_buf_ring(ring, &reg, 0);
	if (ret) {
		if (br)
			munmap(br, size);
		*err = ret;
		return NULL;
	}
	if (flags & IOU_PBUF_RING_MMAP) {
		br = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			  ring->ring_fd,
			  (off_t)(IORING_OFF_PBUF_RING | (uint64_t)bgid << IORING_OFF_PBUF_SHIFT));
		if (br == MAP_FAILED) {
			*err = -errno;
			io_uring_unregister_buf_ring(ring, bgid);
			return NULL;
		}
	}
	io_uring_buf_ring_init(br);
	return br;
}

int io_uring_free_buf_ring(struct io_uring *ring, struct io_uring_buf_ring *br,
			   unsigned int nentries, int bgid)
{
	int ret = io_uring_unregister_buf_ring(ring, bgid);

	if (ret)
		return ret;
	munmap(br, (size_t)nentries * sizeof(struct io_uring_buf));
	return 0;
}
