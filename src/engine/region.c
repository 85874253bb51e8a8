// SPDX-License-Identifier: MIT
/*
 * IORING_REGISTER_MEM_REGION: the ring's one parameter region, in the
 * program's memory (IORING_MEM_REGION_TYPE_USER) or in the engine's (a memfd
 * the program maps through the ring fd at PARAM_REGION_OFF), and registered
 * wait arguments (IORING_MEM_REGION_REG_WAIT_ARG, read by an enter with
 * IORING_ENTER_EXT_ARG_REG), as Linux 6.18 has them (probed).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/api.h"
#include "engine/sys.h"

#define PAGE_SZ 4096UL

/*
 * Allocate and charge the region as the kernel's io_create_region(): a
 * null-or-not user_addr must match TYPE_USER (-EFAULT), the size is whole
 * pages (-EINVAL), charged to RLIMIT_MEMLOCK (-ENOMEM), then the program's
 * pages must be there and writable (-EFAULT); the engine's own are zeroed.
 */
static int region_create(struct ring *r, struct io_uring_region_desc *rd)
{
	bool user = rd->flags & IORING_MEM_REGION_TYPE_USER;
	uint64_t pages = rd->size / PAGE_SZ, end;
	int err = 0, memfd = -1, ret;
	void *p;

	if (rd->__resv[0] || rd->__resv[1] || rd->__resv[2] || rd->__resv[3])
		return -EINVAL;
	if (rd->flags & ~(uint32_t)IORING_MEM_REGION_TYPE_USER)
		return -EINVAL;
	if (!rd->size || rd->id || rd->mmap_offset)
		return -EINVAL;
	if (pages > INT32_MAX)
		return -E2BIG;
	if ((rd->user_addr | rd->size) & (PAGE_SZ - 1))
		return -EINVAL;
	if (user != !!rd->user_addr)
		return -EFAULT;
	if (__builtin_add_overflow(rd->user_addr, rd->size, &end))
		return -EOVERFLOW;
	/* more than the machine has: the kernel's allocation fails */
	if (!user && pages > (uint64_t)sysconf(_SC_PHYS_PAGES))
		return -ENOMEM;
	if (!memlock_exempt()) {
		if (memlock_charge(pages))
			return -ENOMEM;
		r->param_pages = pages;
	}
	if (user) {
		ret = user_pages_check(rd->user_addr, rd->size);
		if (ret)
			goto fail;
		p = (void *)(uintptr_t)rd->user_addr;
	} else {
		memfd = sys_memfd_create("[io_uring param]", MFD_CLOEXEC);
		ret = memfd < 0 ? memfd : sys_ftruncate(memfd, (off_t)rd->size);
		if (ret)
			goto fail;
		p = sys_mmap(NULL, rd->size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0, &err);
		if (!p) {
			ret = err ? err : -ENOMEM;
			goto fail;
		}
		memfd = sys_fd_move_high(memfd); /* kept: out of the program's numbers */
		rd->mmap_offset = PARAM_REGION_OFF;
	}
	r->param_ptr = p;
	r->param_size = rd->size;
	r->param_fd = memfd;
	return 0;
fail:
	if (memfd >= 0)
		sys_close(memfd);
	if (r->param_pages)
		memlock_uncharge(r->param_pages);
	r->param_pages = 0;
	return ret;
}

/* The kernel's io_register_mem_region(); under submit_lock. */
int mem_region_register(struct ring *r, const void *arg, unsigned nr)
{
	struct io_uring_mem_region_reg reg;
	struct io_uring_region_desc rd;
	void *rd_uptr;
	int ret;

	if (!arg || nr != 1)
		return -EINVAL;
	if (umem_read(&reg, arg, sizeof(reg)))
		return -EFAULT;
	rd_uptr = (void *)(uintptr_t)reg.region_uptr;
	if (umem_read(&rd, rd_uptr, sizeof(rd)))
		return -EFAULT;
	if (reg.__resv[0] || reg.__resv[1])
		return -EINVAL;
	if (reg.flags & ~(uint64_t)IORING_MEM_REGION_REG_WAIT_ARG)
		return -EINVAL;
	/*
	 * Wait arguments only before the ring runs: nobody waits yet, so
	 * the enters that read them see the region through ENABLE_RINGS'
	 * release of r->disabled.
	 */
	if ((reg.flags & IORING_MEM_REGION_REG_WAIT_ARG) &&
	    !atomic_load_explicit(&r->disabled, memory_order_relaxed))
		return -EINVAL;
	if (r->param_ptr)
		return -EBUSY;
	ret = region_create(r, &rd);
	if (ret)
		return ret;
	if (umem_write(rd_uptr, &rd, sizeof(rd))) {
		mem_region_free(r);
		return -EFAULT;
	}
	if (reg.flags & IORING_MEM_REGION_REG_WAIT_ARG)
		r->wait_size = r->param_size;
	return 0;
}

void mem_region_free(struct ring *r)
{
	if (r->param_ptr && r->param_fd >= 0)
		sys_munmap(r->param_ptr, r->param_size);
	if (r->param_fd >= 0)
		sys_close(r->param_fd);
	if (r->param_pages)
		memlock_uncharge(r->param_pages);
	r->param_ptr = NULL;
	r->param_size = r->wait_size = 0;
	r->param_fd = -1;
	r->param_pages = 0;
}

/* For an mmap at PARAM_REGION_OFF: a new fd of the region's memfd, or -ENOMEM. */
int mem_region_map_fd(struct ring *r)
{
	int fd = -ENOMEM;

	pthread_mutex_lock(&r->submit_lock);
	if (r->param_ptr && r->param_fd >= 0)
		fd = sys_dup_high(r->param_fd);
	pthread_mutex_unlock(&r->submit_lock);
	return fd;
}

/*
 * The wait argument at byte offset off of the registered wait region
 * (the kernel's io_get_ext_arg_reg()): aligned to a long and wholly inside,
 * else -EFAULT (no region: -EFAULT too).  Copied through the fault-safe
 * path: the program's memory may be gone.
 */
int mem_region_wait_arg(struct ring *r, uint64_t off, struct io_uring_reg_wait *out)
{
	uint64_t end;

	if (off % sizeof(long))
		return -EFAULT;
	if (__builtin_add_overflow(off, sizeof(*out), &end) || end > r->wait_size)
		return -EFAULT;
	if (umem_read(out, (const char *)r->param_ptr + off, sizeof(*out)))
		return -EFAULT;
	return 0;
}
