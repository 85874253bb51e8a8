/* SPDX-License-Identifier: MIT */
/*
 * The shim's engine rings: the table of rings handed to the program (by its
 * numbers, checked by the ring file's identity), their teardown when the
 * program lets go of its last descriptor, and the registered ring fds.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "engine/api.h"
#include "preload/preload.h"

static struct ring rings[MAX_RINGS];
static _Atomic uint64_t ring_ids;
static _Atomic int rings_hw; /* slots [0, rings_hw) may be in use */
static pthread_mutex_t rings_lock = PTHREAD_MUTEX_INITIALIZER;

static bool slot_get(struct ring *r)
{
	int refs = atomic_load_explicit(&r->refs, memory_order_relaxed);

	do {
		if (refs <= 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(
		&r->refs, &refs, refs + 1, memory_order_acquire, memory_order_relaxed));
	return true;
}

void slot_put(struct ring *r)
{
	if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
		return;
	/* Last reference: the ring is unreachable, tear it down. */
	if (r->gen == atomic_load_explicit(&fork_gen, memory_order_relaxed)) {
		dbg("ringer-preload: reaping engine ring (fd %d, engine fd %d)\n", r->app_fd,
		    r->eng_fd);
		ringer_close(r->eng_fd);
	}
	/* Publishes the slot as reusable after the teardown above. */
	atomic_store_explicit(&r->state, SLOT_FREE, memory_order_release);
}

/*
 * Drop the table's reference of a live slot (once, whoever wins).  A ring
 * registered with IORING_REGISTER_RING_FDS lives on without its fd, as on the
 * kernel; it goes when the last registration does (force: regardless).
 */
void slot_kill(struct ring *r, bool force)
{
	int live = SLOT_LIVE;

	if (!force && atomic_load_explicit(&r->regs, memory_order_acquire) > 0)
		return;
	if (atomic_compare_exchange_strong_explicit(&r->state, &live, SLOT_DEAD,
						    memory_order_acq_rel, memory_order_relaxed))
		slot_put(r);
}

static bool fd_is(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	if (sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

/*
 * Take a reference on a slot that is live, then read its fields.  Holding a
 * reference keeps the slot from being recycled (that needs refs at 0), and
 * the acquire load of state after it pairs with the release store that
 * published this incarnation's fields, so they are read race-free.
 */
bool slot_get_live(struct ring *r)
{
	if (atomic_load_explicit(&r->state, memory_order_acquire) != SLOT_LIVE || !slot_get(r))
		return false;
	if (atomic_load_explicit(&r->state, memory_order_acquire) != SLOT_LIVE) {
		slot_put(r);
		return false;
	}
	return true;
}

/*
 * The engine ring the program's fd refers to, with a reference taken; NULL
 * if none.  *inherited is set for a ring of an ancestor process (fork).
 * Stale slots met on the way (fd closed or reused) are reaped.
 */
static struct ring *lookup(int fd, bool *inherited, int *inherited_eng_fd)
{
	unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	int hw = atomic_load_explicit(&rings_hw, memory_order_acquire);
	struct stat st;
	bool have_st = false;

	*inherited = false;
	*inherited_eng_fd = -1;
	if (fd < 0)
		return NULL;
	for (int i = 0; i < hw; i++) {
		struct ring *r = &rings[i];

		if (!slot_get_live(r))
			continue;
		if (!have_st) {
			if (sys(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) < 0)
				st.st_ino = 0, st.st_dev = 0;
			have_st = true;
		}
		if (r->dev == st.st_dev && r->ino == st.st_ino) {
			/* The ring's fd, or a dup() of it. */
			if (r->gen == gen)
				return r;
			*inherited = true;
			*inherited_eng_fd = r->eng_fd;
			slot_put(r);
			return NULL;
		}
		if (r->app_fd == fd && r->gen == gen) {
			/* The program closed the ring's fd; the number may be reused. */
			slot_kill(r, false);
		}
		slot_put(r);
	}
	return NULL;
}

struct ring *ring_lookup(int fd, bool *inherited)
{
	int eng_fd;

	return lookup(fd, inherited, &eng_fd);
}

int ring_inherited_eng_fd(int fd)
{
	bool inherited;
	int eng_fd;
	struct ring *r = lookup(fd, &inherited, &eng_fd);

	if (r)
		slot_put(r);
	return eng_fd;
}

/* fn(ring, this process's fork generation) for each live slot, holding a
 * reference to it meanwhile */
static void each_live_ring(void (*fn)(struct ring *r, unsigned gen))
{
	unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	int hw = atomic_load_explicit(&rings_hw, memory_order_acquire);

	for (int i = 0; i < hw; i++) {
		struct ring *r = &rings[i];

		if (!slot_get_live(r))
			continue;
		fn(r, gen);
		slot_put(r);
	}
}

static void sweep_one(struct ring *r, unsigned gen)
{
	/* An ancestor's ring is only forgotten: slot_put() never closes it. */
	if (!fd_is(r->app_fd, r->dev, r->ino))
		slot_kill(r, r->gen != gen);
}

/*
 * Reap the rings whose fd the program has closed.  Called at setup (rare),
 * so a program that closes its rings without ever entering them again does
 * not accumulate them.
 */
void rings_sweep(void)
{
	each_live_ring(sweep_one);
}

/*
 * Is the ring's file open under a number other than the engine's own (a
 * dup() the program made)?  Raw system calls only: close() is
 * async-signal-safe, so is this.  Unknown (no /proc): assume it is.
 */
static bool ring_open_elsewhere(struct ring *r)
{
	char buf[2048];
	long n;
	int dir = (int)sys(SYS_openat, AT_FDCWD, (long)"/proc/self/fd",
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
	bool found = false;

	if (dir < 0)
		return true;
	while (!found && (n = sys(SYS_getdents64, dir, (long)buf, sizeof(buf), 0, 0, 0)) > 0) {
		for (long off = 0; off < n && !found;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			int fd = 0;
			const char *c = d->name;

			off += d->reclen;
			if (*c < '0' || *c > '9')
				continue;
			while (*c >= '0' && *c <= '9')
				fd = fd * 10 + (*c++ - '0');
			if (fd != dir && fd != r->eng_fd && fd_is(fd, r->dev, r->ino))
				found = true;
		}
	}
	sys(SYS_close, dir, 0, 0, 0, 0, 0);
	return found;
}

/*
 * close(2) of a ring's fd.  The kernel releases a ring at its last close
 * (and what it holds: registered files and buffers, requests), so a reader
 * of a pipe whose write end the ring held sees EOF.  liburing closes its
 * ring with a raw system call, so the shim traps close(2) of the numbers it
 * gave out as ring fds (a small filter per number, see trap_ring_fd()) and
 * tears the ring down when the program closed its last descriptor of it,
 * unless a registered ring fd keeps it, as on the kernel.
 */
long do_close(long fd)
{
	unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	int hw = atomic_load_explicit(&rings_hw, memory_order_acquire);
	struct ring *ring = NULL;
	long ret;

	for (int i = 0; fd >= 0 && i < hw && !ring; i++) {
		struct ring *r = &rings[i];

		if (!slot_get_live(r))
			continue;
		if (r->app_fd == fd && r->gen == gen)
			ring = r; /* keeps its reference until the end */
		else
			slot_put(r);
	}
	ret = sys(SYS_close, fd, 0, 0, 0, 0, 0);
	if (ring) {
		if (ret == 0 && !ring_open_elsewhere(ring))
			slot_kill(ring, false);
		slot_put(ring);
	}
	return ret;
}

/*
 * Block every signal while holding rings_lock: a nested trap must not
 * deadlock on it.  So nothing that can be trapped (a close(2), read(2)
 * or write(2) of a ring number, see trap_ring_fd()) may run under it.
 */
static void lock_rings(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&all, (long)old, _NSIG / 8, 0, 0);
	pthread_mutex_lock(&rings_lock);
}

static void unlock_rings(sigset_t *old)
{
	pthread_mutex_unlock(&rings_lock);
	sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)old, 0, _NSIG / 8, 0, 0);
}

/*
 * Hand an engine ring to the program: a dup of the engine's fd, recorded.
 * site: where the program called io_uring_setup from.
 */
int ring_publish(int eng_fd, uintptr_t site)
{
	struct stat st;
	sigset_t old;
	int app_fd, slot = -1, ret;

	if (sys(SYS_fstat, eng_fd, (long)&st, 0, 0, 0, 0) < 0) {
		ringer_close(eng_fd);
		return -EBADF;
	}
	/*
	 * Under a small RLIMIT_FSIZE the engine packs the ring file, for
	 * callers that map through it; the program maps the ABI's offsets,
	 * which would then lie past the end of the file (SIGBUS on touch).
	 */
	if (st.st_size && st.st_size < (off_t)IORING_OFF_SQES) { /* empty: a NO_MMAP ring */
		ringer_close(eng_fd);
		return -ENOMEM;
	}
	/* The kernel's ring fds are O_CLOEXEC; so is the program's copy. */
	app_fd = (int)sys(SYS_fcntl, eng_fd, F_DUPFD_CLOEXEC, 0, 0, 0, 0);
	if (app_fd < 0) {
		ringer_close(eng_fd);
		return app_fd;
	}
	lock_rings(&old);
	for (int i = 0; i < MAX_RINGS; i++) {
		if (atomic_load_explicit(&rings[i].state, memory_order_acquire) == SLOT_FREE) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		unlock_rings(&old);
		sys(SYS_close, app_fd, 0, 0, 0, 0, 0);
		ringer_close(eng_fd);
		return -ENOMEM;
	}
	rings[slot].app_fd = app_fd;
	rings[slot].eng_fd = eng_fd;
	rings[slot].dev = st.st_dev;
	rings[slot].ino = st.st_ino;
	rings[slot].gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	rings[slot].id = atomic_fetch_add_explicit(&ring_ids, 1, memory_order_relaxed) + 1;
	atomic_store_explicit(&rings[slot].regs, 0, memory_order_relaxed);
	/* requests and registrations naming app_fd are on the ring's own file */
	engine_alias_fd(eng_fd, app_fd);
	atomic_store_explicit(&rings[slot].refs, 1, memory_order_relaxed);
	/* Fields above become visible to lookups that acquire-load state. */
	atomic_store_explicit(&rings[slot].state, SLOT_LIVE, memory_order_release);
	if (slot >= atomic_load_explicit(&rings_hw, memory_order_relaxed))
		atomic_store_explicit(&rings_hw, slot + 1, memory_order_release);
	unlock_rings(&old);
	ret = app_fd;
	trap_ring_fd(app_fd, site);
	dbg("ringer-preload: engine ring fd %d (engine fd %d)\n", app_fd, eng_fd);
	return ret;
}

/*
 * Registered ring fds (IORING_REGISTER_RING_FDS) of engine rings.  The
 * kernel's table is per task, 16 entries; so is this one (per thread).  An
 * enter with IORING_ENTER_REGISTERED_RING whose index is not in it goes to
 * the kernel, which has its own table for kernel rings.
 */
#define RINGFD_MAX 16
struct regring {
	struct ring *r;
	uint64_t id;
};
static __thread struct regring regrings[RINGFD_MAX] __attribute__((tls_model("initial-exec")));
static __thread bool regrings_used __attribute__((tls_model("initial-exec")));
static pthread_key_t regrings_key;

/* The ring still exists without fd or registration: tear it down. */
static void unreg(struct regring *e)
{
	struct ring *r = e->r;

	e->r = NULL;
	/* Gone already (torn down by force, maybe recycled): nothing to count. */
	if (!slot_get_live(r))
		return;
	if (r->id == e->id && atomic_fetch_sub_explicit(&r->regs, 1, memory_order_acq_rel) == 1 &&
	    !fd_is(r->app_fd, r->dev, r->ino))
		slot_kill(r, false);
	slot_put(r);
}

/* A thread's registrations end with it, as a task's do on the kernel. */
static void regrings_exit(void *unused)
{
	for (int i = 0; i < RINGFD_MAX; i++) {
		if (regrings[i].r)
			unreg(&regrings[i]);
	}
}

bool regrings_in_use(void)
{
	return regrings_used;
}

struct ring *regring_get(unsigned idx)
{
	struct ring *r;

	if (idx >= RINGFD_MAX || !(r = regrings[idx].r))
		return NULL;
	if (!slot_get_live(r))
		return NULL;
	/* A forked child has no registrations, as on the kernel (a fresh task). */
	if (r->id != regrings[idx].id ||
	    r->gen != atomic_load_explicit(&fork_gen, memory_order_relaxed)) {
		slot_put(r);
		return NULL;
	}
	return r;
}

long ringfds_register(const struct io_uring_rsrc_update *arg, unsigned nr)
{
	struct io_uring_rsrc_update *u = (struct io_uring_rsrc_update *)arg;
	unsigned i;

	if (nr > RINGFD_MAX)
		return -EINVAL;
	if (!regrings_used) {
		regrings_used = true;
		pthread_setspecific(regrings_key, (void *)1);
	}
	for (i = 0; i < nr; i++) {
		unsigned off = u[i].offset;
		struct ring *r;
		bool inherited;
		long err = 0;

		if (u[i].resv) {
			err = -EINVAL;
		} else if (off == -1U) {
			for (off = 0; off < RINGFD_MAX && regrings[off].r; off++)
				;
			if (off == RINGFD_MAX)
				err = -EBUSY;
		} else if (off >= RINGFD_MAX) {
			err = -EINVAL;
		} else if (regrings[off].r) {
			err = -EBUSY;
		}
		if (!err) {
			r = ring_lookup((int)u[i].data, &inherited);
			if (!r) {
				err = -EOPNOTSUPP;
			} else {
				atomic_fetch_add_explicit(&r->regs, 1, memory_order_acq_rel);
				regrings[off].r = r;
				regrings[off].id = r->id;
				slot_put(r);
				u[i].offset = off;
			}
		}
		if (err)
			return i ? (long)i : err;
	}
	return nr;
}

/*
 * IORING_SETUP_REGISTERED_FD_ONLY: the new ring's fd goes into the first
 * free entry of the thread's table, and is closed: the entry is all the
 * program has of the ring, as on the kernel (a full table: -EBUSY, and the
 * close tears the ring down).  The index, or -errno.
 */
long ring_publish_fd_only(int app_fd)
{
	struct io_uring_rsrc_update u = { .offset = -1U, .data = (__u64)app_fd };
	long ret = ringfds_register(&u, 1);

	do_close(app_fd);
	return ret == 1 ? (long)u.offset : ret;
}

long ringfds_unregister(const struct io_uring_rsrc_update *u, unsigned nr)
{
	unsigned i;

	if (nr > RINGFD_MAX)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		unsigned off = u[i].offset;

		if (u[i].resv || u[i].data || off >= RINGFD_MAX)
			return i ? (long)i : -EINVAL;
		if (regrings[off].r)
			unreg(&regrings[off]);
	}
	return nr;
}

void rings_init(void)
{
	pthread_key_create(&regrings_key, regrings_exit);
}

/* A new task starts with no registered rings (the parent keeps its counts). */
void rings_forked(void)
{
	memset(regrings, 0, sizeof(regrings));
}

static void release_one(struct ring *r, unsigned gen)
{
	if (r->gen == gen)
		slot_kill(r, true);
}

/*
 * At exit, the rings the program left: the kernel would tear them down with
 * the process; the engine's threads are joined here so nothing is left
 * running (a ring in use by another thread right now is left to the exit).
 */
void rings_release_all(void)
{
	each_live_ring(release_one);
}
