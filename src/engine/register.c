// SPDX-License-Identifier: MIT
/*
 * io_uring_register: registered buffers and files, eventfd, probe, enabling
 * a disabled ring (the kernel's register.c, rsrc.c, eventfd.c).
 *
 * Opcodes below IORING_REGISTER_LAST that the engine does not implement
 * (PERSONALITY, RESTRICTIONS, FILES2/BUFFERS2 and their updates, IOWQ_AFF,
 * PBUF_RING, SYNC_CANCEL, ...) answer -EINVAL (RING_FDS: ring.c),
 * as the kernel answers an unknown opcode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/sys.h"

#define PAGE_SZ 4096ULL

void rfile_put(struct rfile *f)
{
	/* acq_rel: the last user's I/O on f->fd is done before it is closed */
	if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) == 1) {
		sys_close(f->fd);
		free(f);
	}
}

struct rfile *rsrc_get_file(struct ring *r, unsigned idx)
{
	struct rfile *f = NULL;

	pthread_mutex_lock(&r->rsrc_lock);
	if (idx < r->nr_files && r->files[idx]) {
		f = r->files[idx];
		atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
	}
	pthread_mutex_unlock(&r->rsrc_lock);
	return f;
}

int rsrc_get_buf(struct ring *r, unsigned idx, uint64_t *base, uint64_t *len, uint64_t *gen)
{
	int ret = -EFAULT;

	pthread_mutex_lock(&r->rsrc_lock);
	if (idx < r->nr_bufs && r->bufs[idx].base) {
		*base = r->bufs[idx].base;
		*len = r->bufs[idx].len;
		*gen = r->bufs_gen;
		ret = 0;
	}
	pthread_mutex_unlock(&r->rsrc_lock);
	return ret;
}

/* "anon_inode:[io_uring]", "anon_inode:[eventfd]", ... of an fd; 0 or -errno */
static int fd_link(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = sys_readlink(path, buf, len - 1);
	if (n < 0)
		return (int)n;
	buf[n] = 0;
	return 0;
}

static bool is_ring_fd(int fd)
{
	struct stat st;
	char link[128];

	if (engine_fd_names_ring(fd))
		return true;
	if (sys_fstat(fd, &st) < 0)
		return false;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return false;
	/* an anonymous inode: the kernel's own io_uring fds are refused too */
	return !fd_link(fd, link, sizeof(link)) && !strcmp(link, "anon_inode:[io_uring]");
}

/*
 * Can the kernel pin [addr, addr+len) for I/O into it?  It pins registered
 * buffers writable (FOLL_WRITE | FOLL_LONGTERM): a mapping without PROT_WRITE
 * (PROT_READ, PROT_NONE) cannot be pinned, nor can a shared mapping of a
 * regular file (shmem, memfd and anonymous shared memory can): -EFAULT for
 * both, as 6.18 answers (probed).  Unmapped gaps are mincore()'s to find.
 */
static bool maps_pinnable(uint64_t addr, uint64_t len)
{
	char buf[8192], line[1024];
	size_t ll = 0;
	bool ok = true;
	ssize_t n;
	int fd = sys_open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return true;
	while (ok && (n = sys_read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n && ok; i++) {
			unsigned long lo, hi, ino;
			char perms[8], path[512];
			int fields;

			if (buf[i] != '\n') {
				if (ll < sizeof(line) - 1)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = 0;
			ll = 0;
			path[0] = 0;
			fields = sscanf(line, "%lx-%lx %7s %*x %*s %lu %511s", &lo, &hi, perms, &ino,
					path);
			if (fields < 4 || hi <= addr || lo >= addr + len)
				continue;
			if (perms[1] != 'w') {
				ok = false;
				continue;
			}
			if (perms[3] != 's' || !ino || fields < 5)
				continue;
			if (!strncmp(path, "/dev/shm/", 9) || !strncmp(path, "/memfd:", 7) ||
			    !strncmp(path, "/SYSV", 5) || !strncmp(path, "/dev/zero", 9) ||
			    !strncmp(path, "/dev/hugepages", 14) || path[0] == '[')
				continue;
			ok = false;
		}
	}
	sys_close(fd);
	return ok;
}

static int buffer_validate(const struct iovec *iov, uint64_t *pages)
{
	uint64_t base = (uintptr_t)iov->iov_base, len = iov->iov_len, end, first;
	unsigned char vec[256];

	*pages = 0;
	if (!base)
		return len ? -EFAULT : 0;
	if (!len)
		return -EFAULT;
	if (len > (1ULL << 30))
		return -EFAULT;
	if (__builtin_add_overflow(base, len, &end))
		return -EOVERFLOW;
	if (!user_range_ok(base, len))
		return -EFAULT;
	/* "pinning": every page must be mapped (mincore says ENOMEM otherwise) */
	first = base & ~(PAGE_SZ - 1);
	for (uint64_t a = first; a < end; a += 256 * PAGE_SZ) {
		uint64_t chunk = end - a < 256 * PAGE_SZ ? end - a : 256 * PAGE_SZ;

		if (sys_mincore((void *)(uintptr_t)a, chunk, vec) < 0)
			return -EFAULT;
	}
	if (!maps_pinnable(base, len))
		return -EFAULT;
	*pages = ((end + PAGE_SZ - 1) & ~(PAGE_SZ - 1)) / PAGE_SZ - first / PAGE_SZ;
	return 0;
}

static void bufs_free(struct rbuf *bufs, unsigned nr)
{
	uint64_t pages = 0;

	for (unsigned i = 0; i < nr; i++)
		pages += bufs[i].pages;
	if (pages)
		memlock_uncharge(pages);
	free(bufs);
}

static int register_buffers(struct ring *r, const void *arg, unsigned nr)
{
	struct rbuf *bufs;
	bool exempt;
	int ret = 0;

	if (!arg)
		return -EFAULT;
	if (r->bufs)
		return -EBUSY;
	if (!nr || nr > IORING_MAX_REG_BUFFERS)
		return -EINVAL;
	bufs = calloc(nr, sizeof(*bufs));
	if (!bufs)
		return -ENOMEM;
	exempt = memlock_exempt();
	for (unsigned i = 0; i < nr && !ret; i++) {
		struct iovec iov;
		uint64_t pages;

		if (umem_read(&iov, (const struct iovec *)arg + i, sizeof(iov))) {
			ret = -EFAULT;
			break;
		}
		ret = buffer_validate(&iov, &pages);
		if (ret)
			break;
		if (!exempt && pages) {
			ret = memlock_charge(pages);
			if (ret)
				break;
			bufs[i].pages = pages;
		}
		bufs[i].base = (uintptr_t)iov.iov_base;
		bufs[i].len = iov.iov_len;
	}
	if (ret) {
		bufs_free(bufs, nr);
		return ret;
	}
	pthread_mutex_lock(&r->rsrc_lock);
	r->bufs = bufs;
	r->nr_bufs = nr;
	pthread_mutex_unlock(&r->rsrc_lock);
	return 0;
}

static int unregister_buffers(struct ring *r, const void *arg, unsigned nr)
{
	struct rbuf *bufs;
	unsigned n;

	if (arg || nr)
		return -EINVAL;
	if (!r->bufs)
		return -ENXIO;
	pthread_mutex_lock(&r->rsrc_lock);
	bufs = r->bufs;
	n = r->nr_bufs;
	r->bufs = NULL;
	r->nr_bufs = 0;
	/* requests in flight keep their buffers (the kernel's resource nodes):
	 * their I/O goes on in private copies, never to what the program maps
	 * at those addresses next */
	r->bufs_gen++;
	rw_fixed_retire(r);
	pthread_mutex_unlock(&r->rsrc_lock);
	bufs_free(bufs, n);
	return 0;
}

static int file_install(int fd, struct rfile **out)
{
	struct rfile *f;
	int dup;

	if (fd < 0 || is_ring_fd(fd))
		return -EBADF;
	/* the engine's own reference: closing the original keeps the fixed file */
	dup = sys_dup_high(fd);
	if (dup < 0)
		return dup == -EINVAL ? -EBADF : dup;
	f = malloc(sizeof(*f));
	if (!f) {
		sys_close(dup);
		return -ENOMEM;
	}
	atomic_init(&f->refs, 1);
	f->fd = dup;
	*out = f;
	return 0;
}

static void files_free(struct rfile **files, unsigned nr)
{
	for (unsigned i = 0; i < nr; i++)
		if (files[i])
			rfile_put(files[i]);
	free(files);
}

static int register_files(struct ring *r, const void *arg, unsigned nr)
{
	struct rfile **files;
	struct rlimit rl;
	int ret = 0;

	if (!arg)
		return -EFAULT;
	if (r->files)
		return -EBUSY;
	if (!nr)
		return -EINVAL;
	if (nr > IORING_MAX_FIXED_FILES)
		return -EMFILE;
	if (sys_getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    nr > rl.rlim_cur)
		return -EMFILE;
	files = calloc(nr, sizeof(*files));
	if (!files)
		return -ENOMEM;
	for (unsigned i = 0; i < nr && !ret; i++) {
		int32_t fd;

		if (umem_read(&fd, (const int32_t *)arg + i, sizeof(fd))) {
			ret = -EFAULT;
			break;
		}
		if (fd == -1)
			continue; /* sparse slot */
		ret = file_install(fd, &files[i]);
	}
	if (ret) {
		files_free(files, nr);
		return ret;
	}
	pthread_mutex_lock(&r->rsrc_lock);
	r->files = files;
	r->nr_files = nr;
	pthread_mutex_unlock(&r->rsrc_lock);
	return 0;
}

static int unregister_files(struct ring *r, const void *arg, unsigned nr)
{
	struct rfile **files;
	unsigned n;

	if (arg || nr)
		return -EINVAL;
	if (!r->files)
		return -ENXIO;
	pthread_mutex_lock(&r->rsrc_lock);
	files = r->files;
	n = r->nr_files;
	r->files = NULL;
	r->nr_files = 0;
	pthread_mutex_unlock(&r->rsrc_lock);
	files_free(files, n);
	return 0;
}

static int files_update(struct ring *r, const void *arg, unsigned nr)
{
	struct io_uring_files_update up;
	unsigned done = 0, end;
	int err = 0;

	if (!nr)
		return -EINVAL;
	if (umem_read(&up, arg, sizeof(up)))
		return -EFAULT;
	if (up.resv)
		return -EINVAL;
	if (__builtin_add_overflow(up.offset, nr, &end))
		return -EOVERFLOW;
	if (!r->files)
		return -ENXIO;
	if (end > r->nr_files)
		return -EINVAL;
	for (; done < nr; done++) {
		unsigned slot = up.offset + done;
		struct rfile *old, *f = NULL;
		int32_t fd;

		if (umem_read(&fd, (const int32_t *)(uintptr_t)up.fds + done, sizeof(fd))) {
			err = -EFAULT;
			break;
		}
		if (fd == IORING_REGISTER_FILES_SKIP)
			continue;
		/* the old file goes first: a failing entry leaves its slot empty */
		pthread_mutex_lock(&r->rsrc_lock);
		old = r->files[slot];
		r->files[slot] = NULL;
		pthread_mutex_unlock(&r->rsrc_lock);
		if (old)
			rfile_put(old);
		if (fd == -1)
			continue;
		err = file_install(fd, &f);
		if (err)
			break;
		pthread_mutex_lock(&r->rsrc_lock);
		r->files[slot] = f;
		pthread_mutex_unlock(&r->rsrc_lock);
	}
	return done ? (int)done : err;
}

static int register_eventfd(struct ring *r, const void *arg, unsigned nr, bool async)
{
	char link[128];
	int32_t fd;
	int dup;

	if (nr != 1)
		return -EINVAL;
	if (r->evfd >= 0)
		return -EBUSY;
	if (!arg || umem_read(&fd, arg, sizeof(fd)))
		return -EFAULT;
	if (sys_fcntl(fd, F_GETFD, 0) < 0)
		return -EBADF;
	if (fd_link(fd, link, sizeof(link)) || strcmp(link, "anon_inode:[eventfd]"))
		return -EINVAL;
	dup = sys_dup_high(fd);
	if (dup < 0)
		return dup;
	pthread_mutex_lock(&r->cq_lock);
	r->evfd = dup;
	r->evfd_async = async;
	pthread_mutex_unlock(&r->cq_lock);
	return 0;
}

static int unregister_eventfd(struct ring *r, const void *arg, unsigned nr)
{
	int fd;

	if (arg || nr)
		return -EINVAL;
	pthread_mutex_lock(&r->cq_lock);
	fd = r->evfd;
	r->evfd = -1;
	pthread_mutex_unlock(&r->cq_lock);
	if (fd < 0)
		return -ENXIO;
	sys_close(fd);
	return 0;
}

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

/* values[0] bounded cap, values[1] unbounded cap; 0 keeps one; the old caps go back */
static int iowq_max_workers(struct ring *r, void *arg, unsigned nr)
{
	unsigned vals[2];
	int ret;

	if (nr != 2)
		return -EINVAL;
	if (!arg || umem_read(vals, arg, sizeof(vals)))
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

static int enable_rings(struct ring *r, const void *arg, unsigned nr)
{
	if (arg || nr)
		return -EINVAL;
	if (!atomic_load(&r->disabled))
		return -EBADFD;
	r->submitter_tid = (pid_t)syscall(SYS_gettid);
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
 * IORING_REGISTER_SEND_MSG_RING: an IORING_OP_MSG_RING of IORING_MSG_DATA
 * done synchronously, without a source ring: a CQE (user_data = off, res =
 * len, flags from file_index with FLAGS_PASS) posted to the target ring.
 */
static int send_msg_ring(const void *arg, unsigned nr)
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

/* io_uring_register(-1, ...): the opcodes that need no ring */
static int register_blind(unsigned opcode, const void *arg, unsigned nr)
{
	switch (opcode) {
	case IORING_REGISTER_SEND_MSG_RING:
		return send_msg_ring(arg, nr);
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
		return by_index ? -EINVAL : engine_bad_ring_fd(fd);
	/* the thread's table, not the ring's: no ring lock */
	if (opcode == IORING_REGISTER_RING_FDS || opcode == IORING_UNREGISTER_RING_FDS) {
		ret = opcode == IORING_REGISTER_RING_FDS ? ring_fds_register(arg, nr_args)
							  : ring_fds_unregister(arg, nr_args);
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
	case IORING_REGISTER_ENABLE_RINGS:
		ret = enable_rings(r, arg, nr_args);
		break;
	case IORING_REGISTER_IOWQ_MAX_WORKERS:
		ret = iowq_max_workers(r, (void *)arg, nr_args);
		break;
	case IORING_REGISTER_QUERY:
		ret = register_query(arg, nr_args);
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

void rsrc_free_all(struct ring *r)
{
	if (r->bufs)
		bufs_free(r->bufs, r->nr_bufs);
	r->bufs = NULL;
	r->nr_bufs = 0;
	if (r->files)
		files_free(r->files, r->nr_files);
	r->files = NULL;
	r->nr_files = 0;
}
