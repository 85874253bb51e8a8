// SPDX-License-Identifier: MIT
/*
 * io_uring_register (the kernel's register.c): the opcode dispatch, the
 * argument checks of each call, and the calls that own no state: probe,
 * enabling a disabled ring, the worker caps and QUERY.  The resources are
 * rsrc.c's (buffers, files), the registered eventfd eventfd.c's, the
 * registered ring fds ring.c's (a per-thread table), new rings
 * (RESIZE_RINGS) resize.c's, SEND_MSG_RING the MSG_RING family's
 * (ops/msg_ring.c).  The probe's answer comes from
 * op_defs[] (opdef.c): no opcode is named here but the ABI's count,
 * IORING_OP_LAST.
 *
 * NAPI busy polling and zero-copy receive (ZCRX_IFQ) are answered as a
 * kernel built without them answers (-EOPNOTSUPP after the argument
 * checks).  Opcodes below IORING_REGISTER_LAST that Linux 6.18 does not
 * know (ZCRX_CTRL) answer -EINVAL, as the kernel answers an unknown opcode.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/cancel.h"
#include "engine/engine.h"
#include "engine/kbuf.h"
#include "engine/ops/msg_ring.h"

/* REGISTER_BUFFERS, REGISTER_FILES: an array of nr iovecs, of nr fds */
static int register_buffers(struct ring *r, const void *arg, unsigned nr)
{
	if (!arg)
		return -EFAULT;
	return rsrc_buffers_register(r, arg, NULL, nr);
}

static int register_files(struct ring *r, const void *arg, unsigned nr)
{
	if (!arg)
		return -EFAULT;
	return rsrc_files_register(r, arg, NULL, nr);
}

/* UNREGISTER_BUFFERS, UNREGISTER_FILES: no argument */
static int unregister_buffers(struct ring *r, const void *arg, unsigned nr)
{
	if (arg || nr)
		return -EINVAL;
	return rsrc_buffers_unregister(r);
}

static int unregister_files(struct ring *r, const void *arg, unsigned nr)
{
	if (arg || nr)
		return -EINVAL;
	return rsrc_files_unregister(r);
}

/* REGISTER_FILES_UPDATE: a struct io_uring_files_update, nr slots */
static int files_update(struct ring *r, const void *arg, unsigned nr)
{
	struct io_uring_files_update up;

	if (!nr)
		return -EINVAL;
	if (umem_read(&up, arg, sizeof(up)))
		return -EFAULT;
	if (up.resv)
		return -EINVAL;
	return rsrc_files_update(r, up.offset, (const int32_t *)(uintptr_t)up.fds, NULL, nr);
}

/*
 * FILES2, BUFFERS2: a struct io_uring_rsrc_register, whose size is the
 * count; no data (or IORING_RSRC_REGISTER_SPARSE, which then requires none)
 * registers nr empty slots (the kernel's io_register_rsrc()).
 */
static int register_rsrc(struct ring *r, const void *arg, unsigned size, bool bufs)
{
	struct io_uring_rsrc_register rr;
	const uint64_t *tags;
	const void *data;

	if (size != sizeof(rr))
		return -EINVAL;
	if (umem_read(&rr, arg, sizeof(rr)))
		return -EFAULT;
	if (!rr.nr || rr.resv2 || (rr.flags & ~IORING_RSRC_REGISTER_SPARSE))
		return -EINVAL;
	if ((rr.flags & IORING_RSRC_REGISTER_SPARSE) && rr.data)
		return -EINVAL;
	data = (const void *)(uintptr_t)rr.data;
	tags = (const uint64_t *)(uintptr_t)rr.tags;
	if (bufs)
		return rsrc_buffers_register(r, data, tags, rr.nr);
	return rsrc_files_register(r, data, tags, rr.nr);
}

/* FILES_UPDATE2, BUFFERS_UPDATE: a struct io_uring_rsrc_update2, its size the count */
static int rsrc_update2(struct ring *r, const void *arg, unsigned size, bool bufs)
{
	struct io_uring_rsrc_update2 up;
	const uint64_t *tags;
	unsigned end;

	if (size != sizeof(up))
		return -EINVAL;
	if (umem_read(&up, arg, sizeof(up)))
		return -EFAULT;
	if (!up.nr || up.resv || up.resv2)
		return -EINVAL;
	if (__builtin_add_overflow(up.offset, up.nr, &end))
		return -EOVERFLOW;
	tags = (const uint64_t *)(uintptr_t)up.tags;
	if (bufs)
		return rsrc_buffers_update(r, up.offset, (const struct iovec *)(uintptr_t)up.data,
					   tags, up.nr);
	return rsrc_files_update(r, up.offset, (const int32_t *)(uintptr_t)up.data, tags, up.nr);
}

/* SINGLE_ISSUER: no submitter task yet, or the caller is it */
static bool may_register(struct ring *r)
{
	/* relaxed: written at setup or by ENABLE_RINGS under submit_lock */
	pid_t tid = atomic_load_explicit(&r->submitter_tid, memory_order_relaxed);

	return !tid || tid == engine_gettid();
}

/*
 * REGISTER_CLONE_BUFFERS: a struct io_uring_clone_buffers, count 1; the
 * source an engine ring of this process, by fd or, with
 * IORING_REGISTER_SRC_REGISTERED, by its registered index (a kernel ring,
 * or any other file, is -EOPNOTSUPP as the kernel's non-ring file).
 */
static int clone_buffers(struct ring *r, const void *arg, unsigned nr)
{
	struct io_uring_clone_buffers cb;
	bool by_index;
	struct ring *src;
	int ret;

	if (!arg || nr != 1)
		return -EINVAL;
	if (umem_read(&cb, arg, sizeof(cb)))
		return -EFAULT;
	if (cb.flags & ~(IORING_REGISTER_SRC_REGISTERED | IORING_REGISTER_DST_REPLACE))
		return -EINVAL;
	if (!(cb.flags & IORING_REGISTER_DST_REPLACE) && r->bufs)
		return -EBUSY;
	if (cb.pad[0] || cb.pad[1] || cb.pad[2])
		return -EINVAL;
	by_index = cb.flags & IORING_REGISTER_SRC_REGISTERED;
	src = by_index ? ring_get_registered(cb.src_fd) : ring_get_current((int)cb.src_fd);
	if (!src)
		return by_index ? -EBADF : engine_bad_ring_fd((int)cb.src_fd);
	/* the kernel refuses a single issuer's buffers to another task */
	if (src != r && !(src->flags & IORING_SETUP_SQPOLL) && !may_register(src))
		ret = -EEXIST;
	else
		ret = rsrc_buffers_clone(r, src, cb.src_off, cb.dst_off, cb.nr,
					 cb.flags & IORING_REGISTER_DST_REPLACE);
	ring_put(src);
	return ret;
}

/* REGISTER_FILE_ALLOC_RANGE: a struct io_uring_file_index_range, no count */
static int file_alloc_range(struct ring *r, const void *arg, unsigned nr)
{
	struct io_uring_file_index_range range;

	if (!arg || nr)
		return -EINVAL;
	if (umem_read(&range, arg, sizeof(range)))
		return -EFAULT;
	if (range.resv)
		return -EINVAL;
	return rsrc_file_alloc_range(r, range.off, range.len);
}

/* REGISTER_EVENTFD(_ASYNC): one int32 fd; UNREGISTER_EVENTFD: no argument */
static int register_eventfd(struct ring *r, const void *arg, unsigned nr, bool async)
{
	if (nr != 1)
		return -EINVAL;
	return evfd_register(r, arg, async);
}

static int unregister_eventfd(struct ring *r, const void *arg, unsigned nr)
{
	if (arg || nr)
		return -EINVAL;
	return evfd_unregister(r);
}

/*
 * REGISTER_PROBE: an opcode is reported supported when its op_defs[] slot
 * says so, so the probe never advertises what the engine does not do.
 */
static int register_probe(struct ring *r, void *arg, unsigned nr)
{
	struct io_uring_probe *p;
	size_t size;
	int ret = 0;

	if (!arg || nr > 256)
		return -EINVAL;
	if (nr > IORING_OP_LAST)
		nr = IORING_OP_LAST;
	size = sizeof(*p) + nr * sizeof(p->ops[0]);
	p = calloc(1, size);
	if (!p)
		return -ENOMEM;
	if (umem_read(p, arg, size)) {
		ret = -EFAULT;
		goto out;
	}
	for (size_t i = 0; i < size; i++) {
		if (((unsigned char *)p)[i]) {
			ret = -EINVAL;
			goto out;
		}
	}
	p->last_op = IORING_OP_LAST - 1;
	for (unsigned i = 0; i < nr; i++) {
		p->ops[i].op = (uint8_t)i;
		if (op_defs[i].supported)
			p->ops[i].flags = IO_URING_OP_SUPPORTED;
	}
	p->ops_len = (uint8_t)nr;
	if (umem_write(arg, p, size))
		ret = -EFAULT;
out:
	free(p);
	return ret;
}

/*
 * REGISTER_IOWQ_AFF: a CPU mask of len bytes (at most a cpu_set_t's are
 * read) for the ring's workers; UNREGISTER_IOWQ_AFF (mask NULL) drops it.
 */
static int iowq_aff(struct ring *r, const void *arg, unsigned len)
{
	cpu_set_t mask;
	int ret;

	if (arg) {
		CPU_ZERO(&mask);
		if (umem_read(&mask, arg, len < sizeof(mask) ? len : sizeof(mask)))
			return -EFAULT;
	}
	ret = engine_wq_get(r);
	if (ret)
		return ret;
	pthread_mutex_lock(&r->async_lock);
	if (r->wq)
		wq_set_cpu_mask(r->wq, arg ? &mask : NULL);
	else
		ret = -ENXIO;
	pthread_mutex_unlock(&r->async_lock);
	return ret;
}

/* values[0] bounded cap, values[1] unbounded cap; 0 keeps one; the old caps go back */
static int iowq_max_workers(struct ring *r, void *arg, unsigned nr)
{
	unsigned vals[2];
	int ret;

	if (!arg || nr != 2)
		return -EINVAL;
	if (umem_read(vals, arg, sizeof(vals)))
		return -EFAULT;
	ret = engine_wq_get(r);
	if (ret)
		return ret;
	pthread_mutex_lock(&r->async_lock);
	ret = r->wq ? wq_set_max_workers(r->wq, vals) : -ENXIO;
	pthread_mutex_unlock(&r->async_lock);
	if (!ret && umem_write(arg, vals, sizeof(vals)))
		ret = -EFAULT;
	return ret;
}

/*
 * IORING_REGISTER_RESTRICTIONS: what a ring may do once enabled, given
 * while it is still disabled, once.  The opcodes are checked against
 * Linux 6.18's counts, not the header's (which may name later ones).
 */
#define LINUX_REGISTER_LAST (IORING_REGISTER_QUERY + 1)
#define LINUX_OP_LAST (IORING_OP_PIPE + 1)
#define MAX_RESTRICTIONS (IORING_RESTRICTION_LAST + LINUX_REGISTER_LAST + LINUX_OP_LAST)

static bool bit_test(const uint64_t *map, unsigned bit)
{
	return map[bit / 64] >> (bit % 64) & 1;
}

static void bit_set(uint64_t *map, unsigned bit)
{
	map[bit / 64] |= 1ULL << (bit % 64);
}

static int parse_restrictions(struct ring_restrictions *out, const struct io_uring_restriction *res,
			      unsigned nr)
{
	for (unsigned i = 0; i < nr; i++) {
		/* resv and resv2 are not looked at (the kernel's io_parse_restrictions()) */
		switch (res[i].opcode) {
		case IORING_RESTRICTION_REGISTER_OP:
			if (res[i].register_op >= LINUX_REGISTER_LAST)
				return -EINVAL;
			bit_set(out->register_op, res[i].register_op);
			break;
		case IORING_RESTRICTION_SQE_OP:
			if (res[i].sqe_op >= LINUX_OP_LAST)
				return -EINVAL;
			bit_set(out->sqe_op, res[i].sqe_op);
			break;
		case IORING_RESTRICTION_SQE_FLAGS_ALLOWED:
			out->sqe_flags_allowed = res[i].sqe_flags; /* the last one counts */
			break;
		case IORING_RESTRICTION_SQE_FLAGS_REQUIRED:
			out->sqe_flags_required = res[i].sqe_flags;
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

/* A failed registration leaves none (another may follow); an empty one allows nothing. */
static int register_restrictions(struct ring *r, const void *arg, unsigned nr)
{
	struct ring_restrictions parsed = { 0 };
	struct io_uring_restriction *res;
	int ret;

	if (!atomic_load(&r->disabled))
		return -EBADFD;
	if (r->restrictions.registered)
		return -EBUSY;
	if (!arg || nr > MAX_RESTRICTIONS)
		return -EINVAL;
	res = malloc(nr ? nr * sizeof(*res) : 1);
	if (!res)
		return -ENOMEM;
	if (umem_read(res, arg, nr * sizeof(*res)))
		ret = -EFAULT;
	else
		ret = parse_restrictions(&parsed, res, nr);
	free(res);
	if (ret)
		return ret;
	parsed.registered = true;
	r->restrictions = parsed;
	return 0;
}

bool ring_sqe_allowed(const struct ring *r, unsigned opcode, unsigned sqe_flags)
{
	const struct ring_restrictions *rs = &r->restrictions;

	if (!bit_test(rs->sqe_op, opcode & 0xff))
		return false;
	if ((sqe_flags & rs->sqe_flags_required) != rs->sqe_flags_required)
		return false;
	return !(sqe_flags & ~(rs->sqe_flags_allowed | rs->sqe_flags_required));
}

static int enable_rings(struct ring *r, const void *arg, unsigned nr)
{
	if (arg || nr)
		return -EINVAL;
	if (!atomic_load(&r->disabled))
		return -EBADFD;
	/* release: pairs with register's acquire; the table is complete */
	if (r->restrictions.registered)
		atomic_store_explicit(&r->restricted, true, memory_order_release);
	/* the enabling task becomes the submitter (on an SQPOLL ring too: it
	 * alone registers then) */
	if (r->flags & IORING_SETUP_SINGLE_ISSUER)
		atomic_store_explicit(&r->submitter_tid, engine_gettid(), memory_order_relaxed);
	/* release: pairs with the acquire in enter; the submitter is set first */
	atomic_store_explicit(&r->disabled, false, memory_order_release);
	return 0;
}

/*
 * IORING_REGISTER_QUERY (io_query): a chain of headers, each naming a query
 * and a buffer for its answer.  Linux 6.18 knows one query, OPCODES: what
 * the ring implementation supports (here: the engine's opcodes, features,
 * setup, enter and SQE flags).  An unknown query or a malformed header is
 * answered in the header's result, not by the call.
 */
struct query_hdr {
	uint64_t next_entry;
	uint64_t query_data;
	uint32_t query_op;
	uint32_t size;
	int32_t result;
	uint32_t resv[3];
};

struct query_opcode {
	uint32_t nr_request_opcodes;
	uint32_t nr_register_opcodes;
	uint64_t feature_flags;
	uint64_t ring_setup_flags;
	uint64_t enter_flags;
	uint64_t sqe_flags;
	uint32_t nr_query_opcodes;
	uint32_t pad;
};

#define QUERY_OPCODES 0
#define QUERY_MAX 1 /* 6.18: OPCODES only (probed: 1 is -EOPNOTSUPP) */
#define QUERY_MAX_ENTRIES 1000

/* copy_struct_to_user(): len bytes of src, zeroes up to usize */
static int query_put(void *dst, uint32_t usize, const void *src, uint32_t len)
{
	static const char zeroes[256];

	if (len && umem_write(dst, src, len))
		return -EFAULT;
	for (uint64_t at = len; at < usize;) {
		uint64_t n = usize - at < sizeof(zeroes) ? usize - at : sizeof(zeroes);

		if (umem_write((char *)dst + at, zeroes, n))
			return -EFAULT;
		at += n;
	}
	return 0;
}

static int query_entry(void *uhdr, uint64_t *next)
{
	struct query_opcode q;
	struct query_hdr h;
	uint32_t usize, res_size = 0;
	void *udata;
	int ret = -EINVAL;

	if (umem_read(&h, uhdr, sizeof(h)))
		return -EFAULT;
	usize = h.size;
	h.size = h.size < sizeof(q) ? h.size : (uint32_t)sizeof(q);
	udata = (void *)(uintptr_t)h.query_data;
	memset(&q, 0, sizeof(q));
	if (h.query_op >= QUERY_MAX) {
		ret = -EOPNOTSUPP;
	} else if (!h.resv[0] && !h.resv[1] && !h.resv[2] && !h.result && h.size) {
		if (umem_read(&q, udata, h.size))
			return -EFAULT;
		memset(&q, 0, sizeof(q));
		q.nr_request_opcodes = IORING_OP_LAST;
		q.nr_register_opcodes = IORING_REGISTER_LAST;
		q.feature_flags = ENGINE_FEATURES | SQPOLL_FEATURES;
		q.ring_setup_flags = ENGINE_SETUP_FLAGS | SQPOLL_SETUP_FLAGS;
		q.enter_flags = ENGINE_ENTER_FLAGS;
		q.sqe_flags = 0x7f; /* IOSQE_FIXED_FILE ... CQE_SKIP_SUCCESS */
		q.nr_query_opcodes = QUERY_MAX;
		res_size = sizeof(q);
		ret = 0;
	}
	h.result = ret;
	h.size = usize < res_size ? usize : res_size;
	if (query_put(udata, usize, &q, h.size) || umem_write(uhdr, &h, sizeof(h)))
		return -EFAULT;
	*next = h.next_entry;
	return 0;
}

static int register_query(const void *arg, unsigned nr)
{
	void *uhdr = (void *)arg;
	int n = 0;

	if (nr)
		return -EINVAL;
	while (uhdr) {
		uint64_t next;
		int ret = query_entry(uhdr, &next);

		if (ret)
			return ret;
		uhdr = (void *)(uintptr_t)next;
		if (++n >= QUERY_MAX_ENTRIES)
			return -ERANGE; /* a cycle, maybe */
	}
	return 0;
}

/*
 * IORING_REGISTER_CLOCK: the clock io_uring_enter()'s timeouts (EXT_ARG ts,
 * ABS_TIMER, min_wait_usec) are measured on, CLOCK_MONOTONIC by default.
 */
static int register_clock(struct ring *r, const void *arg, unsigned nr)
{
	struct io_uring_clock_register reg;

	if (!arg || nr)
		return -EINVAL;
	if (umem_read(&reg, arg, sizeof(reg)))
		return -EFAULT;
	if (reg.__resv[0] || reg.__resv[1] || reg.__resv[2])
		return -EINVAL;
	if (reg.clockid != CLOCK_MONOTONIC && reg.clockid != CLOCK_BOOTTIME)
		return -EINVAL;
	atomic_store_explicit(&r->clock_boottime, reg.clockid == CLOCK_BOOTTIME,
			      memory_order_relaxed);
	return 0;
}

/* io_uring_register(-1, ...): the opcodes that need no ring */
static int register_blind(unsigned opcode, const void *arg, unsigned nr)
{
	switch (opcode) {
	case IORING_REGISTER_SEND_MSG_RING:
		return msg_ring_sync(arg, nr); /* ops/msg_ring.c */
	case IORING_REGISTER_QUERY:
		return register_query(arg, nr);
	}
	return -EINVAL;
}

RINGER_API int ringer_register(int fd, unsigned opcode, const void *arg, unsigned nr_args)
{
	struct ring *r;
	int ret;

	bool by_index = opcode & IORING_REGISTER_USE_REGISTERED_RING;

	opcode &= ~IORING_REGISTER_USE_REGISTERED_RING;
	if (opcode >= IORING_REGISTER_LAST)
		return -EINVAL;
	if (fd == -1)
		return register_blind(opcode, arg, nr_args); /* by_index too, as 6.18 */
	r = by_index ? ring_get_registered((unsigned)fd) : ring_get_current(fd);
	if (!r)
		/* by index: an empty slot of the thread's table, or no slot at all */
		return by_index ? ((unsigned)fd < 16 ? -EBADF : -EINVAL) : engine_bad_ring_fd(fd);
	/* a SINGLE_ISSUER ring takes no registration from another task, of
	 * any opcode (the kernel's __io_uring_register()) */
	if (!may_register(r)) {
		ring_put(r);
		return -EEXIST;
	}
	/* a restricted ring refuses what it was not allowed, whatever the arguments */
	if (atomic_load_explicit(&r->restricted, memory_order_acquire) &&
	    !bit_test(r->restrictions.register_op, opcode)) {
		ring_put(r);
		return -EACCES;
	}
	/* the thread's table, not the ring's: no ring lock */
	if (opcode == IORING_REGISTER_RING_FDS || opcode == IORING_UNREGISTER_RING_FDS) {
		ret = opcode == IORING_REGISTER_RING_FDS ? ring_fds_register(arg, nr_args)
							  : ring_fds_unregister(arg, nr_args);
		ring_put(r);
		return ret;
	}
	/* it waits: the ring's lock is held only for each search (cancel.c) */
	if (opcode == IORING_REGISTER_SYNC_CANCEL) {
		ret = sync_cancel(r, arg, nr_args);
		ring_put(r);
		return ret;
	}
	pthread_mutex_lock(&r->submit_lock);
	switch (opcode) {
	case IORING_REGISTER_BUFFERS:
		ret = register_buffers(r, arg, nr_args);
		break;
	case IORING_UNREGISTER_BUFFERS:
		ret = unregister_buffers(r, arg, nr_args);
		break;
	case IORING_REGISTER_FILES:
		ret = register_files(r, arg, nr_args);
		break;
	case IORING_UNREGISTER_FILES:
		ret = unregister_files(r, arg, nr_args);
		break;
	case IORING_REGISTER_FILES_UPDATE:
		ret = files_update(r, arg, nr_args);
		break;
	case IORING_REGISTER_FILES2:
	case IORING_REGISTER_BUFFERS2:
		ret = register_rsrc(r, arg, nr_args, opcode == IORING_REGISTER_BUFFERS2);
		break;
	case IORING_REGISTER_FILES_UPDATE2:
	case IORING_REGISTER_BUFFERS_UPDATE:
		ret = rsrc_update2(r, arg, nr_args, opcode == IORING_REGISTER_BUFFERS_UPDATE);
		break;
	case IORING_REGISTER_CLONE_BUFFERS:
		ret = clone_buffers(r, arg, nr_args);
		break;
	case IORING_REGISTER_FILE_ALLOC_RANGE:
		ret = file_alloc_range(r, arg, nr_args);
		break;
	case IORING_REGISTER_EVENTFD:
		ret = register_eventfd(r, arg, nr_args, false);
		break;
	case IORING_REGISTER_EVENTFD_ASYNC:
		ret = register_eventfd(r, arg, nr_args, true);
		break;
	case IORING_UNREGISTER_EVENTFD:
		ret = unregister_eventfd(r, arg, nr_args);
		break;
	case IORING_REGISTER_PROBE:
		ret = register_probe(r, (void *)arg, nr_args);
		break;
	case IORING_REGISTER_RESTRICTIONS:
		ret = register_restrictions(r, arg, nr_args);
		break;
	case IORING_REGISTER_ENABLE_RINGS:
		ret = enable_rings(r, arg, nr_args);
		break;
	case IORING_REGISTER_NAPI:
		/* as a kernel built without busy polling */
		ret = !arg || nr_args != 1 ? -EINVAL : -EOPNOTSUPP;
		break;
	case IORING_REGISTER_ZCRX_IFQ:
		/* io_register_zcrx_ifq() wants DEFER_TASKRUN and big CQEs before
		 * it looks at its argument; then, as a kernel built without
		 * zero-copy receive */
		if (!arg || nr_args != 1 || !(r->flags & IORING_SETUP_DEFER_TASKRUN) ||
		    !(r->flags & (IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED)))
			ret = -EINVAL;
		else
			ret = -EOPNOTSUPP;
		break;
	case IORING_UNREGISTER_NAPI:
		ret = nr_args != 1 ? -EINVAL : -EOPNOTSUPP;
		break;
	case IORING_REGISTER_IOWQ_AFF:
		ret = !arg || !nr_args ? -EINVAL : iowq_aff(r, arg, nr_args);
		break;
	case IORING_UNREGISTER_IOWQ_AFF:
		ret = arg || nr_args ? -EINVAL : iowq_aff(r, NULL, 0);
		break;
	case IORING_REGISTER_IOWQ_MAX_WORKERS:
		ret = iowq_max_workers(r, (void *)arg, nr_args);
		break;
	case IORING_REGISTER_QUERY:
		ret = register_query(arg, nr_args);
		break;
	case IORING_REGISTER_CLOCK:
		ret = register_clock(r, arg, nr_args);
		break;
	case IORING_REGISTER_MEM_REGION:
		ret = mem_region_register(r, arg, nr_args); /* region.c */
		break;
	case IORING_REGISTER_RESIZE_RINGS:
		ret = !arg || nr_args != 1 ? -EINVAL : ring_resize(r, (void *)arg); /* resize.c */
		break;
	case IORING_REGISTER_PERSONALITY:
		ret = arg || nr_args ? -EINVAL : personality_register(r);
		break;
	case IORING_REGISTER_PBUF_RING:
		ret = kbuf_register_ring(r, arg, nr_args);
		break;
	case IORING_UNREGISTER_PBUF_RING:
		ret = kbuf_unregister_ring(r, arg, nr_args);
		break;
	case IORING_REGISTER_PBUF_STATUS:
		ret = kbuf_ring_status(r, (void *)arg, nr_args);
		break;
	case IORING_UNREGISTER_PERSONALITY:
		/* the id is the count */
		ret = arg ? -EINVAL : personality_unregister(r, nr_args);
		break;
	default:
		ret = -EINVAL; /* known to the kernel, not implemented by the engine */
		break;
	}
	pthread_mutex_unlock(&r->submit_lock);
	/* after the unlock: the poller takes submit_lock under the locks this takes */
	if (opcode == IORING_REGISTER_ENABLE_RINGS && !ret && (r->flags & IORING_SETUP_SQPOLL))
		sqpoll_wake(r);
	ring_put(r);
	return ret;
}
