// SPDX-License-Identifier: MIT
/*
 * Registered resources (the kernel's rsrc.c): the fixed buffer and fixed
 * file tables of a ring, filled by io_uring_register (register.c parses the
 * call, this file owns the tables) and looked up by requests at issue time.
 *
 * Both tables are swapped and read under ring->rsrc_lock; the register calls
 * themselves run under submit_lock, one at a time.
 *
 * Lifetime.  A fixed file is a struct rfile, the engine's duplicate of the
 * registered fd with a reference count: the table holds one reference, every
 * request using the slot one more (rsrc_get_file()), so an unregistration or
 * an update replacing the slot closes the duplicate only once the last
 * request using it is done (the kernel's resource nodes).  A fixed buffer is
 * an address range; requests in flight when the buffers go away keep
 * theirs through ring->bufs_gen and rw_fixed_retire() (ops/rw.c).
 *
 * Shape for what comes next: the table operations take the application's
 * arrays (fds, iovecs) and a slot range, not the register call's argument,
 * so FILES2/BUFFERS2 (struct io_uring_rsrc_register: data, tags, SPARSE)
 * and REGISTER_FILES_UPDATE2/BUFFERS_UPDATE (struct io_uring_rsrc_update2)
 * are parsed in register.c and land here; a tag belongs on the slot's
 * reference-counted object, its CQE posted by the last put.  A -1 fd is an
 * empty slot already (a sparse table).
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

static void bufs_free(struct rbuf *bufs, unsigned nr)
{
	uint64_t pages = 0;

	for (unsigned i = 0; i < nr; i++)
		pages += bufs[i].pages;
	if (pages)
		memlock_uncharge(pages);
	free(bufs);
}

int rsrc_buffers_register(struct ring *r, const struct iovec *iovs, unsigned nr)
{
	struct rbuf *bufs;
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
	for (unsigned i = 0; i < nr && !ret; i++) {
		struct iovec iov;
		uint64_t pages;

		if (umem_read(&iov, iovs + i, sizeof(iov))) {
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

int rsrc_buffers_unregister(struct ring *r)
{
	struct rbuf *bufs;
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
	r->bufs_gen++;
	rw_fixed_retire(r);
	pthread_mutex_unlock(&r->rsrc_lock);
	bufs_free(bufs, n);
	return 0;
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

int rsrc_files_register(struct ring *r, const int32_t *fds, unsigned nr)
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
		int32_t fd;

		if (umem_read(&fd, fds + i, sizeof(fd))) {
			ret = -EFAULT;
			break;
		}
		if (fd == -1)
			continue; /* sparse slot */
		ret = rsrc_file_new(fd, &files[i]);
	}
	if (ret) {
		files_free(files, nr);
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
	files_free(files, n);
	return 0;
}

/*
 * REGISTER_FILES_UPDATE: nr slots from offset take the fds at fds (-1
 * empties a slot, IORING_REGISTER_FILES_SKIP leaves it).  How many slots
 * were done, or -errno when none was.
 */
int rsrc_files_update(struct ring *r, unsigned offset, const int32_t *fds, unsigned nr)
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
		int32_t fd;

		if (umem_read(&fd, fds + done, sizeof(fd))) {
			err = -EFAULT;
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
