// SPDX-License-Identifier: MIT
/*
 * Provided buffers (the kernel's io_uring/kbuf.c): see kbuf.h for the
 * selection API.  A group (struct kbuf_list) is either legacy, a FIFO of
 * buffers given by PROVIDE_BUFFERS, or a buffer ring the program fills
 * (IORING_REGISTER_PBUF_RING): the program publishes entries by a release
 * store of the ring's tail, the engine reads the tail with an acquire load
 * and keeps its own head (the kernel's bl->head), which the program learns
 * only through IORING_REGISTER_PBUF_STATUS and the CQEs.
 *
 * Every group of a ring is under ring->kbuf_lock (the kernel's uring_lock
 * for these), taken by whichever thread selects: the submitter, a worker,
 * the reactor.  A request that holds a ring buffer not committed yet keeps
 * the ring's serial, not a pointer: an unregistration meanwhile (which the
 * kernel's uring_lock would have excluded) makes its put a no-op instead of
 * a use after free.
 *
 * A ring the engine allocates (IOU_PBUF_RING_MMAP) lives in a memfd of its
 * own, which the program maps through the ring fd at IORING_OFF_PBUF_RING |
 * bgid << IORING_OFF_PBUF_SHIFT (kbuf_mmap_fd(), engine_ring_map_offset()):
 * a file per ring, not a range of the ring's file, so that unregistering it
 * leaves the program's mapping its pages, as the kernel's (the pages live
 * until the last mapping goes), and a ring registered later never shows
 * through an old mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/kbuf.h"
#include "engine/sys.h"

#define KBUF_HASH 64
#define MAX_BIDS_PER_BGID (1U << 16)

struct kbuf {
	struct kbuf *next;
	uint64_t addr;
	uint32_t len;
	uint16_t bid;
};

struct kbuf_list {
	struct kbuf_list *hnext;
	uint16_t bgid;
	bool is_ring;
	/* legacy: FIFO, selections from the head */
	struct kbuf *head, *tail;
	unsigned nbufs;
	/* ring */
	struct io_uring_buf_ring *br;
	uint16_t rhead; /* the kernel's bl->head */
	uint16_t mask;
	uint32_t nentries;
	bool inc;
	/* an incremental buffer left with fewer bytes is used up */
	uint32_t min_left;
	uint32_t serial;
	/* IOU_PBUF_RING_MMAP: the ring's memfd (else -1) and its mapped size */
	int memfd;
	size_t map_size;
	uint64_t memlock_pages;
};

static atomic_uint kbuf_serial_next; /* a new one per ring registered */

static struct kbuf_list **bucket(struct ring *r, uint16_t bgid)
{
	return &r->kbuf_hash[bgid % KBUF_HASH];
}

/* kbuf_lock held */
static struct kbuf_list *get_list(struct ring *r, uint16_t bgid)
{
	struct kbuf_list *bl;

	if (!r->kbuf_hash)
		return NULL;
	for (bl = *bucket(r, bgid); bl; bl = bl->hnext)
		if (bl->bgid == bgid)
			return bl;
	return NULL;
}

/* kbuf_lock held: a new empty legacy group, or NULL without memory */
static struct kbuf_list *add_list(struct ring *r, uint16_t bgid)
{
	struct kbuf_list *bl;

	if (!r->kbuf_hash) {
		r->kbuf_hash = calloc(KBUF_HASH, sizeof(*r->kbuf_hash));
		if (!r->kbuf_hash)
			return NULL;
	}
	bl = calloc(1, sizeof(*bl));
	if (!bl)
		return NULL;
	bl->bgid = bgid;
	bl->memfd = -1;
	bl->hnext = *bucket(r, bgid);
	*bucket(r, bgid) = bl;
	return bl;
}

static void free_legacy_bufs(struct kbuf_list *bl)
{
	while (bl->head) {
		struct kbuf *b = bl->head;

		bl->head = b->next;
		free(b);
	}
	bl->tail = NULL;
	bl->nbufs = 0;
}

/* kbuf_lock held: unlink and free a group */
static void destroy_list(struct ring *r, struct kbuf_list *bl)
{
	struct kbuf_list **pp = bucket(r, bl->bgid);

	while (*pp != bl)
		pp = &(*pp)->hnext;
	*pp = bl->hnext;
	free_legacy_bufs(bl);
	if (bl->memfd >= 0) {
		/* the program's mappings keep the pages */
		sys_munmap(bl->br, bl->map_size);
		sys_close(bl->memfd);
	}
	if (bl->memlock_pages)
		memlock_uncharge(bl->memlock_pages);
	free(bl);
}

void kbuf_free_all(struct ring *r)
{
	pthread_mutex_lock(&r->kbuf_lock);
	if (r->kbuf_hash) {
		for (unsigned i = 0; i < KBUF_HASH; i++)
			while (r->kbuf_hash[i])
				destroy_list(r, r->kbuf_hash[i]);
		free(r->kbuf_hash);
		r->kbuf_hash = NULL;
	}
	pthread_mutex_unlock(&r->kbuf_lock);
}

static struct io_uring_buf *ring_buf(struct kbuf_list *bl, uint16_t idx)
{
	return &bl->br->bufs[idx & bl->mask];
}

/* The program's tail: acquire, pairs with its release store after filling entries. */
static uint16_t ring_tail(struct kbuf_list *bl)
{
	return __atomic_load_n(&bl->br->tail, __ATOMIC_ACQUIRE);
}

/*
 * kbuf_lock held: consume len bytes of the buffers from the head (the
 * kernel's io_kbuf_commit()); false when an incremental ring's buffer keeps
 * bytes (the CQE says IORING_CQE_F_BUF_MORE).  A negative len consumes
 * nothing.
 */
static bool ring_commit(struct kbuf_list *bl, int64_t len)
{
	if (len < 0)
		return true;
	if (!bl->inc) {
		bl->rhead++;
		return true;
	}
	/* at least once: 0 bytes leave the head buffer in place (BUF_MORE),
	 * as the kernel's (a read of nothing, a buffer of length 0) */
	do {
		struct io_uring_buf *buf = ring_buf(bl, bl->rhead);
		uint32_t buf_len = __atomic_load_n(&buf->len, __ATOMIC_RELAXED);
		uint32_t this_len = (uint64_t)len < buf_len ? (uint32_t)len : buf_len;

		buf_len -= this_len;
		/* a buffer of length 0 stops the loop */
		if (buf_len || !this_len) {
			if (this_len && buf_len < bl->min_left) {
				/* too little left to be worth a CQE of its own:
				 * used up, its address left where it was, as
				 * 6.18's */
				__atomic_store_n(&buf->len, 0, __ATOMIC_RELAXED);
				bl->rhead++;
				return true;
			}
			__atomic_store_n(&buf->addr, buf->addr + this_len, __ATOMIC_RELAXED);
			__atomic_store_n(&buf->len, buf_len, __ATOMIC_RELAXED);
			return false;
		}
		__atomic_store_n(&buf->len, 0, __ATOMIC_RELAXED);
		bl->rhead++;
		len -= this_len;
	} while (len);
	return true;
}

/* kbuf_lock held: the head buffer of a legacy group, now the request's */
static struct kbuf *legacy_take(struct req *req, struct kbuf_list *bl)
{
	struct kbuf *b = bl->head;

	bl->head = b->next;
	if (!bl->head)
		bl->tail = NULL;
	bl->nbufs--;
	b->next = NULL;
	req->kbuf = b;
	req->buf_id = b->bid;
	req->buf_sel = KBUF_SEL_LEGACY;
	return b;
}

int kbuf_select(struct req *req, size_t *len, void **addr, bool commit)
{
	struct ring *r = req->ring;
	struct kbuf_list *bl;
	int ret = -ENOBUFS;

	pthread_mutex_lock(&r->kbuf_lock);
	if (req->buf_sel == KBUF_SEL_LEGACY) {
		/* selected before (a retry): the same buffer */
		if (*len == 0 || *len > req->kbuf->len)
			*len = req->kbuf->len;
		*addr = (void *)(uintptr_t)req->kbuf->addr;
		pthread_mutex_unlock(&r->kbuf_lock);
		return 0;
	}
	if (req->buf_sel != KBUF_SEL_NONE) {
		/* a ring buffer held: the caller recycles it first (kbuf_recycle()) */
		pthread_mutex_unlock(&r->kbuf_lock);
		return -ENOBUFS;
	}
	bl = get_list(r, req->buf_group);
	if (bl && !bl->is_ring && bl->head) {
		struct kbuf *b = legacy_take(req, bl);

		if (*len == 0 || *len > b->len)
			*len = b->len;
		*addr = (void *)(uintptr_t)b->addr;
		ret = 0;
	} else if (bl && bl->is_ring && ring_tail(bl) != bl->rhead) {
		struct io_uring_buf *buf = ring_buf(bl, bl->rhead);
		uint32_t buf_len = __atomic_load_n(&buf->len, __ATOMIC_RELAXED);

		if (*len == 0 || *len > buf_len)
			*len = buf_len;
		*addr = (void *)(uintptr_t)__atomic_load_n(&buf->addr, __ATOMIC_RELAXED);
		req->buf_id = __atomic_load_n(&buf->bid, __ATOMIC_RELAXED);
		req->buf_serial = bl->serial;
		if (commit) {
			req->buf_sel = ring_commit(bl, (int64_t)*len) ? KBUF_SEL_RING_COMMITTED
								      : KBUF_SEL_RING_COMMITTED_MORE;
		} else {
			req->buf_sel = KBUF_SEL_RING;
		}
		ret = 0;
	}
	pthread_mutex_unlock(&r->kbuf_lock);
	return ret;
}

bool kbuf_one_left(struct req *req)
{
	struct ring *r = req->ring;
	struct kbuf_list *bl;
	bool one = false;

	pthread_mutex_lock(&r->kbuf_lock);
	bl = get_list(r, req->buf_group);
	if (bl && bl->is_ring)
		one = (uint16_t)(ring_tail(bl) - bl->rhead) == 1;
	else if (bl)
		one = bl->head && !bl->head->next;
	pthread_mutex_unlock(&r->kbuf_lock);
	return one;
}

void kbuf_commit(struct req *req, size_t len)
{
	struct ring *r = req->ring;
	struct kbuf_list *bl;
	bool more = false;

	if (req->buf_sel != KBUF_SEL_RING)
		return;
	pthread_mutex_lock(&r->kbuf_lock);
	bl = get_list(r, req->buf_group);
	if (bl && bl->is_ring && bl->serial == req->buf_serial)
		more = !ring_commit(bl, (int64_t)len);
	pthread_mutex_unlock(&r->kbuf_lock);
	req->buf_sel = more ? KBUF_SEL_RING_COMMITTED_MORE : KBUF_SEL_RING_COMMITTED;
}

/* the kernel's PEEK_MAX_IMPORT and UIO_MAXIOV */
#define PEEK_MAX_IMPORT 256
#define PEEK_MAX_AVAIL 1024

int kbuf_peek(struct req *req, struct iovec *iov, unsigned nr, size_t max_len, bool *partial,
	      bool *empty)
{
	struct ring *r = req->ring;
	struct kbuf_list *bl;
	uint16_t head, avail;
	unsigned n = 0;
	int ret = -ENOBUFS;

	*partial = *empty = false;
	pthread_mutex_lock(&r->kbuf_lock);
	bl = req->buf_sel == KBUF_SEL_NONE ? get_list(r, req->buf_group) : NULL;
	if (!bl) {
		ret = req->buf_sel == KBUF_SEL_NONE ? -ENOENT : -ENOBUFS;
	} else if (!bl->is_ring) {
		/* a legacy group gives one buffer (io_provided_buffers_select()) */
		if (bl->head) {
			struct kbuf *b = legacy_take(req, bl);

			iov[0].iov_base = (void *)(uintptr_t)b->addr;
			iov[0].iov_len = max_len && max_len < b->len ? max_len : b->len;
			*empty = !bl->head;
			ret = 1;
		}
	} else if ((avail = (uint16_t)(ring_tail(bl) - bl->rhead)) != 0) {
		struct io_uring_buf *buf = ring_buf(bl, bl->rhead);
		uint32_t len = __atomic_load_n(&buf->len, __ATOMIC_RELAXED);

		if (avail > PEEK_MAX_AVAIL)
			avail = PEEK_MAX_AVAIL;
		if (max_len) {
			size_t needed = len ? (max_len + len - 1) / len : 0;

			if (!needed)
				goto out;
			if (needed > PEEK_MAX_IMPORT)
				needed = PEEK_MAX_IMPORT;
			if (avail > needed)
				avail = (uint16_t)needed;
		} else {
			/* without a length the kernel has one iovec to fill */
			avail = 1;
			max_len = INT_MAX;
		}
		if (avail > nr)
			avail = (uint16_t)nr;
		head = bl->rhead;
		req->buf_id = __atomic_load_n(&buf->bid, __ATOMIC_RELAXED);
		for (;;) {
			len = __atomic_load_n(&buf->len, __ATOMIC_RELAXED);
			if (len > max_len) {
				/* a longer buffer: cut, and only when it is the
				 * first; the entry stays as the program wrote it
				 * (6.18 writes no length back, probed) */
				len = (uint32_t)max_len;
				if (!bl->inc) {
					*partial = true;
					if (n)
						break;
				}
			}
			iov[n].iov_base =
				(void *)(uintptr_t)__atomic_load_n(&buf->addr, __ATOMIC_RELAXED);
			iov[n].iov_len = len;
			n++;
			max_len -= len;
			if (!max_len)
				break;
			buf = ring_buf(bl, ++head);
			if (n == avail)
				break;
		}
		*empty = head == ring_tail(bl);
		req->buf_serial = bl->serial;
		req->buf_sel = KBUF_SEL_RING;
		ret = (int)n;
	}
out:
	pthread_mutex_unlock(&r->kbuf_lock);
	return ret;
}

/*
 * The end of a KBUF_SEL_RING selection: the ring's head moves past the nbufs
 * buffers used (an incremental ring's by len bytes; a negative len moves
 * nothing), if the ring is still the one they came from.
 * IORING_CQE_F_BUF_MORE when an incremental ring's buffer keeps bytes.
 */
static unsigned ring_head_put(struct req *req, int64_t len, unsigned nbufs)
{
	struct ring *r = req->ring;
	struct kbuf_list *bl;
	bool more = false;

	pthread_mutex_lock(&r->kbuf_lock);
	bl = get_list(r, req->buf_group);
	if (bl && bl->is_ring && bl->serial == req->buf_serial) {
		if (bl->inc || len < 0)
			more = !ring_commit(bl, len);
		else
			bl->rhead = (uint16_t)(bl->rhead + nbufs);
	}
	pthread_mutex_unlock(&r->kbuf_lock);
	return more ? IORING_CQE_F_BUF_MORE : 0;
}

unsigned kbuf_put_bufs(struct req *req, int len, unsigned nbufs)
{
	unsigned cflags;

	if (req->buf_sel != KBUF_SEL_RING)
		return kbuf_put(req, len);
	cflags = IORING_CQE_F_BUFFER | ((unsigned)req->buf_id << IORING_CQE_BUFFER_SHIFT);
	cflags |= ring_head_put(req, len, nbufs);
	req->buf_sel = KBUF_SEL_NONE;
	return cflags;
}

unsigned kbuf_put(struct req *req, int res)
{
	unsigned cflags;

	if (req->buf_sel == KBUF_SEL_NONE)
		return 0;
	cflags = IORING_CQE_F_BUFFER | ((unsigned)req->buf_id << IORING_CQE_BUFFER_SHIFT);
	if (req->buf_sel == KBUF_SEL_LEGACY) {
		free(req->kbuf); /* consumed: the program owns its memory again */
		req->kbuf = NULL;
	} else if (req->buf_sel == KBUF_SEL_RING) {
		cflags |= ring_head_put(req, res, 1);
	} else if (req->buf_sel == KBUF_SEL_RING_COMMITTED_MORE) {
		cflags |= IORING_CQE_F_BUF_MORE;
	}
	req->buf_sel = KBUF_SEL_NONE;
	return cflags;
}

void kbuf_recycle(struct req *req)
{
	struct ring *r = req->ring;
	struct kbuf_list *bl;

	if (req->buf_sel != KBUF_SEL_LEGACY) {
		/* a ring's head not committed stays; a committed one is gone,
		 * as the kernel's io_kbuf_recycle_ring() */
		req->buf_sel = KBUF_SEL_NONE;
		return;
	}
	pthread_mutex_lock(&r->kbuf_lock);
	bl = get_list(r, req->buf_group);
	if (!bl)
		bl = add_list(r, req->buf_group); /* removed meanwhile: as the kernel, re-made */
	if (bl && !bl->is_ring) {
		/* back at the head, as io_kbuf_recycle_legacy() */
		req->kbuf->next = bl->head;
		bl->head = req->kbuf;
		if (!bl->tail)
			bl->tail = req->kbuf;
		bl->nbufs++;
	} else {
		free(req->kbuf);
	}
	pthread_mutex_unlock(&r->kbuf_lock);
	req->kbuf = NULL;
	req->buf_sel = KBUF_SEL_NONE;
}

/* PROVIDE_BUFFERS and REMOVE_BUFFERS (the kernel's io_provide_buffers_prep()...) */
struct kbuf_manage {
	uint64_t addr;
	uint32_t len;
	uint32_t nbufs;
	uint16_t bgid;
	uint16_t bid;
	bool provide;
};
REQ_DATA_CHECK(struct kbuf_manage);

int provide_buffers_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct kbuf_manage *p = req_data(req, struct kbuf_manage);
	uint64_t size, end;
	uint32_t tmp;

	if (sqe->rw_flags || sqe->splice_fd_in)
		return -EINVAL;
	tmp = (uint32_t)sqe->fd;
	if (!tmp || tmp > MAX_BIDS_PER_BGID)
		return -E2BIG;
	p->nbufs = tmp;
	p->addr = sqe->addr;
	p->len = sqe->len;
	p->provide = true;
	if (!p->len)
		return -EINVAL;
	if (__builtin_mul_overflow((uint64_t)p->len, (uint64_t)p->nbufs, &size) ||
	    __builtin_add_overflow(p->addr, size, &end))
		return -EOVERFLOW;
	if (!user_range_ok(p->addr, size))
		return -EFAULT;
	p->bgid = sqe->buf_group;
	if (sqe->off > 0xffff)
		return -E2BIG;
	p->bid = (uint16_t)sqe->off;
	if (sqe->off + p->nbufs > MAX_BIDS_PER_BGID)
		return -EINVAL;
	return 0;
}

int remove_buffers_prep(struct req *req, const struct io_uring_sqe *sqe)
{
	struct kbuf_manage *p = req_data(req, struct kbuf_manage);
	uint32_t tmp;

	if (sqe->rw_flags || sqe->addr || sqe->len || sqe->off || sqe->splice_fd_in)
		return -EINVAL;
	tmp = (uint32_t)sqe->fd;
	if (!tmp || tmp > MAX_BIDS_PER_BGID)
		return -EINVAL;
	p->nbufs = tmp;
	p->bgid = sqe->buf_group;
	p->provide = false;
	return 0;
}

/* kbuf_lock held: the kernel's io_add_buffers(): 0, or -ENOMEM if none was added */
static int add_buffers(struct kbuf_list *bl, const struct kbuf_manage *p)
{
	uint64_t addr = p->addr;
	uint32_t len = p->len > ENGINE_MAX_RW_COUNT ? ENGINE_MAX_RW_COUNT : p->len;
	unsigned i;

	for (i = 0; i < p->nbufs; i++) {
		struct kbuf *b;

		/* the group's count is 16 bits */
		if (bl->nbufs == 0xffff)
			return i ? 0 : -EOVERFLOW;
		b = malloc(sizeof(*b));
		if (!b)
			break;
		b->addr = addr;
		b->len = len;
		b->bid = (uint16_t)(p->bid + i);
		b->next = NULL;
		if (bl->tail)
			bl->tail->next = b;
		else
			bl->head = b;
		bl->tail = b;
		bl->nbufs++;
		addr += p->len;
	}
	return i ? 0 : -ENOMEM;
}

int kbuf_manage_issue(struct req *req, unsigned issue_flags)
{
	struct kbuf_manage *p = req_data(req, struct kbuf_manage);
	struct ring *r = req->ring;
	struct kbuf_list *bl;
	int ret;

	pthread_mutex_lock(&r->kbuf_lock);
	bl = get_list(r, p->bgid);
	if (p->provide) {
		if (!bl)
			bl = add_list(r, p->bgid);
		if (!bl)
			ret = -ENOMEM;
		else if (bl->is_ring)
			ret = -EINVAL; /* a buffer ring takes no PROVIDE_BUFFERS */
		else
			ret = add_buffers(bl, p);
	} else if (!bl) {
		ret = -ENOENT;
	} else if (bl->is_ring) {
		ret = -EINVAL;
	} else {
		/* from the head, as many as asked: the count removed */
		ret = 0;
		while (bl->head && (unsigned)ret < p->nbufs) {
			struct kbuf *b = bl->head;

			bl->head = b->next;
			free(b);
			bl->nbufs--;
			ret++;
		}
		if (!bl->head)
			bl->tail = NULL;
	}
	pthread_mutex_unlock(&r->kbuf_lock);
	if (ret < 0)
		req_set_fail(req);
	req->res = ret;
	return ISSUE_DONE;
}

/* The kernel pins the ring's pages: every one must be mapped (mincore) and
 * readable */
static bool ring_mapped(uint64_t addr, uint64_t size)
{
	unsigned char vec[128]; /* 65536 entries of 16 bytes: 256 pages at most */
	uint64_t pages = (size + 4095) / 4096;

	if (!user_range_ok(addr, size))
		return false;
	for (uint64_t done = 0; done < pages; done += sizeof(vec)) {
		uint64_t n = pages - done < sizeof(vec) ? pages - done : sizeof(vec);

		if (sys_mincore((void *)(uintptr_t)(addr + done * 4096), n * 4096, vec) < 0)
			return false;
	}
	/* and readable: a PROT_NONE page is mapped but cannot be pinned */
	for (uint64_t p = 0; p < pages; p++) {
		unsigned char byte;

		if (umem_read(&byte, (const void *)(uintptr_t)(addr + p * 4096), 1))
			return false;
	}
	return true;
}

/*
 * IOU_PBUF_RING_MMAP: a zeroed ring of size bytes in a memfd of its own,
 * mapped by the engine.  0 with *memfd and *br, or -errno.
 */
static int alloc_ring(size_t size, int *memfd, struct io_uring_buf_ring **br)
{
	int fd = sys_memfd_create("[io_uring pbuf]", MFD_CLOEXEC | MFD_ALLOW_SEALING), ret, err = 0;
	void *p = NULL;

	if (fd < 0)
		return fd;
	fd = sys_fd_move_high(fd);
	ret = sys_ftruncate(fd, (off_t)size);
	if (!ret)
		ret = sys_fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	if (!ret) {
		p = sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0, &err);
		ret = p ? 0 : err;
	}
	if (ret) {
		sys_close(fd);
		return ret == -EFBIG || ret == -ENOSPC ? -ENOMEM : ret;
	}
	*memfd = fd;
	*br = p;
	return 0;
}

/*
 * struct io_uring_buf_reg's resv[0] is two 32-bit fields for 6.18 (probed):
 * the first a minimum length left for an incremental ring (any value with
 * IOU_PBUF_RING_INC, -EINVAL without), which an unregistration ignores; the
 * second reserved.  The first, and whether the rest of resv is zero.
 */
static uint32_t reg_min_left(const struct io_uring_buf_reg *reg, bool *resv_zero)
{
	uint32_t field[2];

	memcpy(field, &reg->resv[0], sizeof(field));
	*resv_zero = !field[1] && !reg->resv[1] && !reg->resv[2];
	return field[0];
}

/* IORING_REGISTER_PBUF_RING (the kernel's io_register_pbuf_ring()) */
int kbuf_register_ring(struct ring *r, const void *arg, unsigned nr_args)
{
	struct io_uring_buf_reg reg;
	struct io_uring_buf_ring *br;
	struct kbuf_list *bl;
	uint64_t size, pages = 0;
	uint32_t min_left;
	bool resv_zero;
	int ret = 0, memfd = -1;

	/* the kernel's __io_uring_register(): no argument is -EINVAL */
	if (!arg || nr_args != 1)
		return -EINVAL;
	if (umem_read(&reg, arg, sizeof(reg)))
		return -EFAULT;
	min_left = reg_min_left(&reg, &resv_zero);
	if (!resv_zero)
		return -EINVAL;
	if (reg.flags & ~(IOU_PBUF_RING_MMAP | IOU_PBUF_RING_INC))
		return -EINVAL;
	if (min_left && !(reg.flags & IOU_PBUF_RING_INC))
		return -EINVAL;
	if (!reg.ring_entries || (reg.ring_entries & (reg.ring_entries - 1)))
		return -EINVAL;
	if (reg.ring_entries >= 65536)
		return -EINVAL;
	/* a group in use answers -EEXIST before the address or the memory is
	 * looked at, as the kernel's; checked again below, under the same
	 * lock as the insertion, against a concurrent registration */
	pthread_mutex_lock(&r->kbuf_lock);
	bl = get_list(r, reg.bgid);
	ret = bl && (bl->is_ring || bl->head) ? -EEXIST : 0;
	pthread_mutex_unlock(&r->kbuf_lock);
	if (ret)
		return ret;
	size = (uint64_t)reg.ring_entries * sizeof(struct io_uring_buf);
	if (reg.flags & IOU_PBUF_RING_MMAP) {
		/* ring_addr is not looked at (6.18: any value) */
		size = (size + 4095) & ~4095ULL;
	} else {
		if (!reg.ring_addr)
			return -EFAULT;
		if (reg.ring_addr & 4095)
			return -EINVAL;
		if (!ring_mapped(reg.ring_addr, size))
			return -EFAULT;
	}
	/* the kernel charges the ring's pages, pinned or allocated */
	if (!memlock_exempt()) {
		pages = (size + 4095) / 4096;
		if (memlock_charge(pages))
			return -ENOMEM;
	}
	if (reg.flags & IOU_PBUF_RING_MMAP) {
		ret = alloc_ring(size, &memfd, &br);
		if (ret) {
			if (pages)
				memlock_uncharge(pages);
			return ret;
		}
	} else {
		br = (struct io_uring_buf_ring *)(uintptr_t)reg.ring_addr;
	}
	pthread_mutex_lock(&r->kbuf_lock);
	bl = get_list(r, reg.bgid);
	if (bl) {
		if (bl->is_ring || bl->head)
			ret = -EEXIST;
		else
			destroy_list(r, bl);
	}
	if (!ret) {
		bl = add_list(r, reg.bgid);
		if (!bl) {
			ret = -ENOMEM;
		} else {
			bl->is_ring = true;
			bl->br = br;
			bl->nentries = reg.ring_entries;
			bl->mask = (uint16_t)(reg.ring_entries - 1);
			bl->inc = reg.flags & IOU_PBUF_RING_INC;
			bl->min_left = min_left;
			bl->rhead = 0;
			bl->serial = atomic_fetch_add_explicit(&kbuf_serial_next, 1, memory_order_relaxed) + 1;
			bl->memfd = memfd;
			bl->map_size = (size_t)size;
			bl->memlock_pages = pages;
		}
	}
	pthread_mutex_unlock(&r->kbuf_lock);
	if (ret) {
		if (memfd >= 0) {
			sys_munmap(br, (size_t)size);
			sys_close(memfd);
		}
		if (pages)
			memlock_uncharge(pages);
	}
	return ret;
}

int kbuf_mmap_fd(struct ring *r, unsigned bgid)
{
	struct kbuf_list *bl;
	int ret = -ENOMEM;

	if (bgid > 0xffff)
		return -ENOMEM;
	pthread_mutex_lock(&r->kbuf_lock);
	bl = get_list(r, (uint16_t)bgid);
	/* a group that is no ring, or a ring in the program's memory: no region */
	if (bl && bl->is_ring && bl->memfd >= 0)
		ret = sys_dup_high(bl->memfd);
	pthread_mutex_unlock(&r->kbuf_lock);
	return ret;
}

int kbuf_unregister_ring(struct ring *r, const void *arg, unsigned nr_args)
{
	struct io_uring_buf_reg reg;
	struct kbuf_list *bl;
	bool resv_zero;
	int ret = 0;

	/* the kernel's __io_uring_register(): no argument is -EINVAL */
	if (!arg || nr_args != 1)
		return -EINVAL;
	if (umem_read(&reg, arg, sizeof(reg)))
		return -EFAULT;
	reg_min_left(&reg, &resv_zero);
	if (!resv_zero || reg.flags)
		return -EINVAL;
	pthread_mutex_lock(&r->kbuf_lock);
	bl = get_list(r, reg.bgid);
	if (!bl)
		ret = -ENOENT;
	else if (!bl->is_ring)
		ret = -EINVAL;
	else
		destroy_list(r, bl);
	pthread_mutex_unlock(&r->kbuf_lock);
	return ret;
}

int kbuf_ring_status(struct ring *r, void *arg, unsigned nr_args)
{
	struct io_uring_buf_status st;
	struct kbuf_list *bl;
	int ret = 0;

	/* the kernel's __io_uring_register(): no argument is -EINVAL */
	if (!arg || nr_args != 1)
		return -EINVAL;
	if (umem_read(&st, arg, sizeof(st)))
		return -EFAULT;
	for (unsigned i = 0; i < 8; i++)
		if (st.resv[i])
			return -EINVAL;
	pthread_mutex_lock(&r->kbuf_lock);
	bl = st.buf_group <= 0xffff ? get_list(r, (uint16_t)st.buf_group) : NULL;
	if (!bl)
		ret = -ENOENT;
	else if (!bl->is_ring)
		ret = -EINVAL;
	else
		st.head = bl->rhead;
	pthread_mutex_unlock(&r->kbuf_lock);
	if (!ret && umem_write(arg, &st, sizeof(st)))
		ret = -EFAULT;
	return ret;
}
