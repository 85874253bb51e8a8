// SPDX-License-Identifier: MIT
/*
 * Registered resources (the kernel's rsrc.c): the fixed buffer and fixed
 * file tables of a ring, filled by io_uring_register (register.c parses the
 * call, this file owns the tables) and looked up by requests at issue time.
 *
 * Both tables are swapped and read under ring->rsrc_lock; the register calls
 * themselves run under submit_lock, one at a time.
 *
 * Lifetime.  A slot holds a struct rsrc_node (the kernel's io_rsrc_node):
 * a fixed file (struct rfile, the engine's duplicate of the registered fd)
 * or a fixed buffer (struct rbuf, an address range), reference counted: the
 * table holds one reference, every request using the slot one more, so an
 * unregistration or an update replacing the slot frees it only once the
 * last request using it is done.  A resource registered with a tag
 * (FILES2/BUFFERS2, the UPDATE2 calls) posts a CQE {user_data = tag, res 0}
 * at that last put: at once when the table lets go last, after the CQEs of
 * the requests that held it otherwise (probed on 6.18; submit.c defers the
 * puts of requests freed while their CQEs wait in the submit batch).  A
 * buffer that leaves the table while requests use it is retired: their I/O
 * goes on in private copies (rw_fixed_retire(), ops/rw.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/engine.h"
#include "engine/sys.h"

#define PAGE_SZ 4096ULL

static void charge_put(struct rbuf_charge *c)
{
	if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1) {
		memlock_uncharge(c->pages);
		free(c);
	}
}

void rsrc_node_put(struct rsrc_node *n)
{
	/* acq_rel: the last user's I/O on the resource is done before it goes */
	if (atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (n->tag)
		cq_post(n->ring, n->tag, 0, 0, true);
	if (n->is_buf) {
		charge_put(((struct rbuf *)n)->charge);
	} else {
		ring_close_fd(n->ring, ((struct rfile *)n)->fd);
	}
	free(n);
}

/* submit state's deferred puts (req_put_rsrc()), once its batch is posted */
void rsrc_put_deferred(struct submit_state *st)
{
	for (unsigned i = 0; i < st->nr_puts; i++)
		rsrc_node_put(st->puts[i]);
	st->nr_puts = 0;
}

/* n's one reference is the table's; its tag's CQE goes to r */
static void node_init(struct rsrc_node *n, struct ring *r, uint64_t tag, bool is_buf)
{
	atomic_init(&n->refs, 1);
	n->is_buf = is_buf;
	n->tag = tag;
	n->ring = r;
}

struct rfile *rsrc_get_file(struct ring *r, unsigned idx)
{
	struct rfile *f = NULL;

	pthread_mutex_lock(&r->rsrc_lock);
	if (idx < r->nr_files && r->files[idx]) {
		f = r->files[idx];
		atomic_fetch_add_explicit(&f->node.refs, 1, memory_order_relaxed);
	}
	pthread_mutex_unlock(&r->rsrc_lock);
	return f;
}

/* slot idx's buffer with a reference for the caller, or NULL (empty, beyond) */
struct rbuf *rsrc_get_buf(struct ring *r, unsigned idx)
{
	struct rbuf *b = NULL;

	pthread_mutex_lock(&r->rsrc_lock);
	if (idx < r->nr_bufs && r->bufs[idx]) {
		b = r->bufs[idx];
		atomic_fetch_add_explicit(&b->node.refs, 1, memory_order_relaxed);
	}
	pthread_mutex_unlock(&r->rsrc_lock);
	return b;
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
	return !sys_fd_link(fd, link, sizeof(link)) && !strcmp(link, "anon_inode:[io_uring]");
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

/*
 * rsrc_lock not held: the table's references go, from the last slot down
 * as the kernel's io_rsrc_data_free() (the order of the tag CQEs)
 */
static void table_put(struct rsrc_node **nodes, unsigned nr)
{
	while (nr--)
		if (nodes[nr])
			rsrc_node_put(nodes[nr]);
	free(nodes);
}

/*
 * One buffer of a registration or an update, as the kernel's
 * io_buffer_validate() + io_sqe_buffer_register(): a NULL base with length
 * 0 is an empty slot (*out NULL), which cannot carry a tag (-EINVAL).
 */
static int buffer_new(struct ring *r, const struct iovec *uiov, const uint64_t *utags, unsigned i,
		      bool exempt, struct rbuf **out)
{
	struct iovec iov = { 0 };
	uint64_t pages, tag = 0;
	struct rbuf *b;
	int ret;

	*out = NULL;
	if (uiov && umem_read(&iov, uiov + i, sizeof(iov)))
		return -EFAULT;
	ret = buffer_validate(&iov, &pages);
	if (ret)
		return ret;
	if (utags && umem_read(&tag, utags + i, sizeof(tag)))
		return -EFAULT;
	if (!iov.iov_base)
		return tag ? -EINVAL : 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	if (!exempt && pages) {
		b->charge = malloc(sizeof(*b->charge));
		ret = b->charge ? memlock_charge(pages) : -ENOMEM;
		if (ret) {
			free(b->charge);
			free(b);
			return ret;
		}
		atomic_init(&b->charge->refs, 1);
		b->charge->pages = pages;
	}
	node_init(&b->node, r, tag, true);
	b->base = (uintptr_t)iov.iov_base;
	b->len = iov.iov_len;
	*out = b;
	return 0;
}

/* rsrc_lock held: b leaves the table; requests still on it go on in copies */
static void buffer_retire(struct ring *r, struct rbuf *b)
{
	b->retired = true;
	rw_fixed_retire(r);
}

int rsrc_buffers_register(struct ring *r, const struct iovec *iovs, const uint64_t *tags,
			  unsigned nr)
{
	struct rbuf **bufs;
	bool exempt;
	int ret = 0;

	if (r->bufs)
		return -EBUSY;
	if (!nr || nr > IORING_MAX_REG_BUFFERS)
		return -EINVAL;
	bufs = calloc(nr, sizeof(*bufs));
	if (!bufs)
		return -ENOMEM;
	exempt = memlock_exempt();
	for (unsigned i = 0; i < nr && !ret; i++)
		ret = buffer_new(r, iovs, tags, i, exempt, &bufs[i]);
	if (ret) {
		/* the kernel clears the tags of a failed registration */
		for (unsigned i = 0; i < nr; i++)
			if (bufs[i])
				bufs[i]->node.tag = 0;
		table_put((struct rsrc_node **)bufs, nr);
		return ret;
	}
	pthread_mutex_lock(&r->rsrc_lock);
	r->bufs = bufs;
	r->nr_bufs = nr;
	pthread_mutex_unlock(&r->rsrc_lock);
	return 0;
}

int rsrc_buffers_unregister(struct ring *r)
{
	struct rbuf **bufs;
	unsigned n;

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
	for (unsigned i = 0; i < n; i++)
		if (bufs[i])
			bufs[i]->retired = true;
	rw_fixed_retire(r);
	pthread_mutex_unlock(&r->rsrc_lock);
	table_put((struct rsrc_node **)bufs, n);
	return 0;
}

/*
 * REGISTER_BUFFERS_UPDATE: nr slots from offset take the iovecs at iovs (a
 * NULL base empties a slot), as the kernel's __io_sqe_buffers_update(): how
 * many slots were done, or -errno when none was.  A failing entry leaves its
 * slot as it was.
 */
int rsrc_buffers_update(struct ring *r, unsigned offset, const struct iovec *iovs,
			const uint64_t *tags, unsigned nr)
{
	bool exempt = memlock_exempt();
	unsigned done;
	int err = 0;

	if (!r->bufs)
		return -ENXIO;
	if (offset + nr > r->nr_bufs)
		return -EINVAL;
	for (done = 0; done < nr; done++) {
		struct rbuf *b, *old;

		err = buffer_new(r, iovs, tags, done, exempt, &b);
		if (err)
			break;
		pthread_mutex_lock(&r->rsrc_lock);
		old = r->bufs[offset + done];
		r->bufs[offset + done] = b;
		if (old)
			buffer_retire(r, old);
		pthread_mutex_unlock(&r->rsrc_lock);
		if (old)
			rsrc_node_put(&old->node);
	}
	return done ? (int)done : err;
}

/* a table's file for an fd the engine owns already (a direct open), or NULL */
struct rfile *rsrc_file_wrap(int fd)
{
	struct rfile *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	node_init(&f->node, NULL, 0, false);
	f->fd = fd;
	return f;
}

/* a table's file for fd (the engine's duplicate), or -EBADF, -ENOMEM... */
int rsrc_file_new(int fd, struct rfile **out)
{
	struct rfile *f;
	int dup;

	if (fd < 0 || is_ring_fd(fd))
		return -EBADF;
	/* the engine's own reference: closing the original keeps the fixed file */
	dup = sys_dup_high(fd);
	if (dup < 0)
		return dup == -EINVAL ? -EBADF : dup;
	f = rsrc_file_wrap(dup);
	if (!f) {
		sys_close(dup);
		return -ENOMEM;
	}
	*out = f;
	return 0;
}

/* a buffer of another table in this one: its memory, no tag (the kernel's
 * clone node shares the source's pinned pages) */
static struct rbuf *buffer_clone(struct ring *r, const struct rbuf *src)
{
	struct rbuf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	node_init(&b->node, r, 0, true);
	b->base = src->base;
	b->len = src->len;
	b->charge = src->charge;
	if (b->charge)
		atomic_fetch_add_explicit(&b->charge->refs, 1, memory_order_relaxed);
	return b;
}

/*
 * REGISTER_CLONE_BUFFERS, as the kernel's io_clone_buffers() (6.18,
 * probed): nr buffers of src from src_off (0: all) into dst's table from
 * dst_off.  With replace, dst's slots below dst_off and from dst_off + nr on
 * stay (the table grows as needed); the ones overwritten are released as by
 * an update.  Without it dst must have no table.  submit_lock of dst held.
 */
int rsrc_buffers_clone(struct ring *dst, struct ring *src, unsigned src_off, unsigned dst_off,
		       unsigned nr, bool replace)
{
	struct rbuf **old, **bufs;
	unsigned nbufs, old_nr, total, end;
	int ret;

	if (!nr && (dst_off || src_off))
		return -EINVAL;
	if (dst->bufs && !replace)
		return -EBUSY;
	pthread_mutex_lock(&src->rsrc_lock);
	nbufs = src->nr_bufs;
	pthread_mutex_unlock(&src->rsrc_lock);
	if (!nr)
		nr = nbufs;
	else if (nr > nbufs || nr > IORING_MAX_REG_BUFFERS)
		return -EINVAL;
	if (__builtin_add_overflow(nr, dst_off, &total))
		return -EOVERFLOW;
	if (total > IORING_MAX_REG_BUFFERS)
		return -EINVAL;
	if (!nbufs)
		return -ENXIO;
	if (__builtin_add_overflow(nr, src_off, &end) || end > nbufs)
		return -EOVERFLOW;
	old_nr = dst->nr_bufs;
	if (total < old_nr)
		total = old_nr;
	bufs = calloc(total, sizeof(*bufs));
	if (!bufs)
		return -ENOMEM;
	/* the source's nodes, read under its lock (it may be dst itself) */
	ret = 0;
	pthread_mutex_lock(&src->rsrc_lock);
	if (src->nr_bufs < end) {
		ret = -ENXIO; /* unregistered meanwhile */
	} else {
		for (unsigned i = 0; i < nr && !ret; i++) {
			struct rbuf *s = src->bufs[src_off + i];

			if (s && !(bufs[dst_off + i] = buffer_clone(dst, s)))
				ret = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&src->rsrc_lock);
	if (ret) {
		table_put((struct rsrc_node **)bufs, total);
		return ret;
	}
	pthread_mutex_lock(&dst->rsrc_lock);
	old = dst->bufs;
	/* dst's slots outside the cloned range stay: moved, not put */
	for (unsigned i = 0; i < old_nr; i++) {
		if (i >= dst_off && i < dst_off + nr) {
			if (old[i])
				old[i]->retired = true;
			continue;
		}
		bufs[i] = old[i];
		old[i] = NULL;
	}
	if (old)
		rw_fixed_retire(dst);
	dst->bufs = bufs;
	dst->nr_bufs = total;
	pthread_mutex_unlock(&dst->rsrc_lock);
	if (old)
		table_put((struct rsrc_node **)old, old_nr);
	return 0;
}

/*
 * REGISTER_FILES, FILES2: nr fds (-1, or no array at all: an empty slot,
 * which cannot carry a tag), as the kernel's io_sqe_files_register().
 */
int rsrc_files_register(struct ring *r, const int32_t *fds, const uint64_t *tags, unsigned nr)
{
	struct rfile **files;
	struct rlimit rl;
	int ret = 0;

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
		uint64_t tag = 0;
		int32_t fd = -1;

		if ((tags && umem_read(&tag, tags + i, sizeof(tag))) ||
		    (fds && umem_read(&fd, fds + i, sizeof(fd)))) {
			ret = -EFAULT;
			break;
		}
		if (fd == -1) {
			if (tag)
				ret = -EINVAL;
			continue; /* sparse slot */
		}
		ret = rsrc_file_new(fd, &files[i]);
		if (!ret)
			node_init(&files[i]->node, r, tag, false);
	}
	if (ret) {
		/* the kernel clears the tags of a failed registration */
		for (unsigned i = 0; i < nr; i++)
			if (files[i])
				files[i]->node.tag = 0;
		table_put((struct rsrc_node **)files, nr);
		return ret;
	}
	pthread_mutex_lock(&r->rsrc_lock);
	r->files = files;
	r->nr_files = nr;
	/* the kernel resets the hint with the alloc range: the whole table */
	r->file_alloc_hint = 0;
	r->file_alloc_start = 0;
	r->file_alloc_end = nr;
	pthread_mutex_unlock(&r->rsrc_lock);
	return 0;
}

int rsrc_files_unregister(struct ring *r)
{
	struct rfile **files;
	unsigned n;

	if (!r->files)
		return -ENXIO;
	pthread_mutex_lock(&r->rsrc_lock);
	files = r->files;
	n = r->nr_files;
	r->files = NULL;
	r->nr_files = 0;
	r->file_alloc_start = 0;
	r->file_alloc_end = 0;
	pthread_mutex_unlock(&r->rsrc_lock);
	table_put((struct rsrc_node **)files, n);
	return 0;
}

/*
 * REGISTER_FILES_UPDATE(2): nr slots from offset take the fds at fds (-1
 * empties a slot, IORING_REGISTER_FILES_SKIP leaves it; neither takes a
 * tag).  How many slots were done, or -errno when none was.
 */
int rsrc_files_update(struct ring *r, unsigned offset, const int32_t *fds, const uint64_t *tags,
		      unsigned nr)
{
	unsigned done = 0, end;
	int err = 0;

	if (__builtin_add_overflow(offset, nr, &end))
		return -EOVERFLOW;
	if (!r->files)
		return -ENXIO;
	if (end > r->nr_files)
		return -EINVAL;
	for (; done < nr; done++) {
		unsigned slot = offset + done;
		struct rfile *old, *f = NULL;
		uint64_t tag = 0;
		int32_t fd;

		if ((tags && umem_read(&tag, tags + done, sizeof(tag))) ||
		    umem_read(&fd, fds + done, sizeof(fd))) {
			err = -EFAULT;
			break;
		}
		if ((fd == IORING_REGISTER_FILES_SKIP || fd == -1) && tag) {
			err = -EINVAL;
			break;
		}
		if (fd == IORING_REGISTER_FILES_SKIP)
			continue;
		/* the old file goes first: a failing entry leaves its slot empty */
		pthread_mutex_lock(&r->rsrc_lock);
		old = r->files[slot];
		r->files[slot] = NULL;
		if (old)
			r->file_alloc_hint = slot;
		pthread_mutex_unlock(&r->rsrc_lock);
		if (old)
			rfile_put(old);
		if (fd == -1)
			continue;
		err = rsrc_file_new(fd, &f);
		if (err)
			break;
		node_init(&f->node, r, tag, false);
		pthread_mutex_lock(&r->rsrc_lock);
		r->files[slot] = f;
		r->file_alloc_hint = slot + 1;
		pthread_mutex_unlock(&r->rsrc_lock);
	}
	return done ? (int)done : err;
}

/*
 * rsrc_lock held: a free slot in the alloc range, or -ENFILE, searched as the
 * kernel's io_file_bitmap_get(): from the hint to the range's end, then from
 * the range's start to the hint (which becomes the start).  A hint outside
 * the range (a slot filled or emptied there) is followed as the kernel's.
 */
static int free_slot(struct ring *r)
{
	unsigned nr = r->file_alloc_end;

	for (;;) {
		for (unsigned i = r->file_alloc_hint; i < nr && i < r->nr_files; i++)
			if (!r->files[i])
				return (int)i;
		if (r->file_alloc_hint == r->file_alloc_start)
			return -ENFILE;
		nr = r->file_alloc_hint;
		r->file_alloc_hint = r->file_alloc_start;
	}
}

/*
 * REGISTER_FILE_ALLOC_RANGE: ALLOC hands out slots [off, off + len) from
 * now on (the kernel's io_register_file_alloc_range()).
 */
int rsrc_file_alloc_range(struct ring *r, unsigned off, unsigned len)
{
	unsigned end;
	int ret = 0;

	if (__builtin_add_overflow(off, len, &end))
		return -EOVERFLOW;
	pthread_mutex_lock(&r->rsrc_lock);
	if (end > r->nr_files) {
		ret = -EINVAL;
	} else {
		r->file_alloc_start = off;
		r->file_alloc_end = end;
		r->file_alloc_hint = off;
	}
	pthread_mutex_unlock(&r->rsrc_lock);
	return ret;
}

/*
 * Put f (the caller's reference, kept by the table on success) in r's file
 * table: at slot - 1 (slot counts from 1, as sqe->file_index), replacing
 * what is there, or in a free slot with IORING_FILE_INDEX_ALLOC.  0, or the
 * slot allocated, or -errno as the kernel's __io_fixed_fd_install(): no
 * table -ENXIO (-ENFILE to allocate), a slot beyond it -EINVAL, no free slot
 * -ENFILE.
 */
int rsrc_file_install(struct ring *r, struct rfile *f, unsigned slot)
{
	bool alloc = slot == IORING_FILE_INDEX_ALLOC;
	struct rfile *old;
	int idx;

	pthread_mutex_lock(&r->rsrc_lock);
	if (alloc) {
		idx = r->files ? free_slot(r) : -ENFILE;
	} else {
		idx = (int)(slot - 1);
		if (!r->files)
			idx = -ENXIO;
		else if (slot - 1 >= r->nr_files)
			idx = -EINVAL;
	}
	if (idx < 0) {
		pthread_mutex_unlock(&r->rsrc_lock);
		return idx;
	}
	old = r->files[idx];
	r->files[idx] = f;
	/* the kernel moves the hint only when the slot was empty */
	if (!old)
		r->file_alloc_hint = (unsigned)idx + 1;
	pthread_mutex_unlock(&r->rsrc_lock);
	if (old)
		rfile_put(old);
	return alloc ? idx : 0;
}

/*
 * A descriptor the engine just made (a direct open, socket, accept, pipe:
 * the kernel's io_fixed_fd_install()) put in r's table at slot (file_index
 * form), out of the program's numbers; the table owns it, or it is closed
 * on failure.  What rsrc_file_install() returns.
 */
int rsrc_fd_install(struct ring *r, int fd, unsigned slot)
{
	struct rfile *f;
	int ret;

	fd = sys_fd_move_high(fd);
	f = rsrc_file_wrap(fd);
	if (!f) {
		sys_close(fd);
		return -ENOMEM;
	}
	ret = rsrc_file_install(r, f, slot);
	if (ret < 0)
		rfile_put(f);
	return ret;
}

/*
 * Empty slot idx of r's file table (CLOSE of a direct descriptor), as the
 * kernel's io_fixed_fd_remove(): no table -ENXIO, beyond it -EINVAL, an
 * empty slot -EBADF.  Requests using the file keep it until they end.
 */
int rsrc_file_remove(struct ring *r, unsigned idx)
{
	struct rfile *old = NULL;
	int ret = 0;

	pthread_mutex_lock(&r->rsrc_lock);
	if (!r->files)
		ret = -ENXIO;
	else if (idx >= r->nr_files)
		ret = -EINVAL;
	else if (!r->files[idx])
		ret = -EBADF;
	else {
		old = r->files[idx];
		r->files[idx] = NULL;
		r->file_alloc_hint = idx; /* as the kernel's io_file_bitmap_clear() */
	}
	pthread_mutex_unlock(&r->rsrc_lock);
	if (old)
		rfile_put(old);
	return ret;
}

/* teardown: no CQE for the tags (the kernel posts them to a ring going away) */
static void drop_tags(struct rsrc_node **nodes, unsigned nr)
{
	for (unsigned i = 0; i < nr; i++)
		if (nodes[i])
			nodes[i]->tag = 0;
}

void rsrc_free_all(struct ring *r)
{
	if (r->bufs) {
		drop_tags((struct rsrc_node **)r->bufs, r->nr_bufs);
		table_put((struct rsrc_node **)r->bufs, r->nr_bufs);
	}
	r->bufs = NULL;
	r->nr_bufs = 0;
	if (r->files) {
		drop_tags((struct rsrc_node **)r->files, r->nr_files);
		table_put((struct rsrc_node **)r->files, r->nr_files);
	}
	r->files = NULL;
	r->nr_files = 0;
}
