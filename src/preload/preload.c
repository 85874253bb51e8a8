/* SPDX-License-Identifier: MIT */
/*
 * libringer-preload.so: runs unmodified io_uring programs on ringer's user
 * engine.
 *
 * On load, a seccomp filter makes io_uring_setup, io_uring_enter and
 * io_uring_register (and execve/execveat, see below) raise SIGSYS
 * (SECCOMP_RET_TRAP) unless they come from the shim's own system call site,
 * a tiny stub copied to a page of its own.  The SIGSYS handler reads the call
 * from the interrupted thread's registers, serves it (from the engine, or
 * from the kernel through the stub) and writes the result into the thread's
 * RAX, so the program sees an ordinary system call return.  A trap outranks
 * the ERRNO action of a container profile, so this works where Docker's
 * default profile refuses io_uring.
 *
 * The filter cannot be removed and survives fork and execve; see
 * docs/PRELOAD.md for how the shim keeps exec'd programs alive (execve is
 * trapped so the next program gets the shim too), how it keeps the program's
 * own SIGSYS handler working, and what a forked child sees of its parent's
 * rings.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "ringer.h"
#include "engine/api.h"
#include "lib/backend.h"
#include "preload/preload.h"

#define EXPORT __attribute__((visibility("default")))

#ifndef __x86_64__
#error "the preload shim is written for x86_64"
#endif

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a seccomp trap */
#endif

#define NR_SETUP    425
#define NR_ENTER    426
#define NR_REGISTER 427

/* SECCOMP_RET_DATA of our trap: tells our SIGSYS apart from another filter's. */
#define TRAP_COOKIE 0x5249u

/* Seccomp filter building blocks (install_filter(), trap_ring_fd()). */
#define LD_ABS(off)  BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(k)	     BPF_STMT(BPF_RET | BPF_K, (k))
#define ARG_LO(i)    (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i)    (ARG_LO(i) + 4)
#define IP_LO	     offsetof(struct seccomp_data, instruction_pointer)
#define IP_HI	     (IP_LO + 4)

/* A conditional jump at index i to absolute targets t (true) and f (false). */
#define JEQ_AT(i, k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t) - (i)-1, (f) - (i)-1)

/* Where the stub page goes, the same in every exec'd generation (see map_stub). */
#define STUB_ADDR_DEFAULT 0x7e8000100000UL

/* Environment markers passed from a trapped execve to the next program. */
#define ENV_STUB     "RINGER_PRELOAD_STUB"
#define ENV_INJECTED "RINGER_PRELOAD_INJECTED"
#define ENV_ORIG     "RINGER_PRELOAD_ORIG"
#define SHIM_NAME    "libringer-preload.so"

/*
 * The raw system call stub.  Its bytes are copied to the stub page; the
 * filter allows exactly the address after its syscall instruction (what the
 * kernel reports as instruction_pointer).  Arguments as a C call:
 * stub(nr, a1, a2, a3, a4, a5, a6), result in RAX as the kernel returns it.
 * Position independent, so the copy runs anywhere.
 */
__asm__(".text\n"
	".globl ringer_preload_stub_begin\n"
	".hidden ringer_preload_stub_begin\n"
	".globl ringer_preload_stub_ret\n"
	".hidden ringer_preload_stub_ret\n"
	".globl ringer_preload_stub_end\n"
	".hidden ringer_preload_stub_end\n"
	"ringer_preload_stub_begin:\n"
	"	movq %rdi, %rax\n"
	"	movq %rsi, %rdi\n"
	"	movq %rdx, %rsi\n"
	"	movq %rcx, %rdx\n"
	"	movq %r8, %r10\n"
	"	movq %r9, %r8\n"
	"	movq 8(%rsp), %r9\n"
	"	syscall\n"
	"ringer_preload_stub_ret:\n"
	"	ret\n"
	"ringer_preload_stub_end:\n"
	/* The restorer for our own rt_sigaction: rt_sigreturn. */
	".globl ringer_preload_restore_rt\n"
	".hidden ringer_preload_restore_rt\n"
	"ringer_preload_restore_rt:\n"
	"	movq $15, %rax\n"
	"	syscall\n"
	"	hlt\n");

extern const char ringer_preload_stub_begin[], ringer_preload_stub_ret[], ringer_preload_stub_end[];
extern void ringer_preload_restore_rt(void);

typedef long (*stub_fn)(long nr, long a, long b, long c, long d, long e, long f);
static stub_fn stub;
static uintptr_t stub_ip; /* the allowed instruction_pointer */

/* The kernel's struct sigaction on x86_64 (rt_sigaction's layout). */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};
#define KSA_RESTORER 0x04000000UL

/* RINGER_BACKEND, read once at load (the policy's, lib/policy.c) */
static enum ringer_backend mode;
static bool debug;
static bool stats; /* RINGER_PRELOAD_STATS: counts printed at exit */
static _Atomic unsigned long n_traps, n_engine_rings, n_kernel_rings;
bool ringer_preload_active; /* handler and filter in place */
#define active ringer_preload_active
static char shim_path[PATH_MAX];
/*
 * What LD_PRELOAD must hold for the shim to load in an exec'd program: the
 * value we were started with when it names us (it may put a sanitizer
 * runtime first, which must stay first), else our own path.
 */
static char preload_value[2 * PATH_MAX];

/*
 * The program's own SIGSYS disposition.  The kernel's stays ours; the
 * program's sigaction(SIGSYS) is recorded here and called for any SIGSYS our
 * filter did not raise.
 */
pthread_mutex_t ringer_preload_app_lock = PTHREAD_MUTEX_INITIALIZER;
struct sigaction ringer_preload_app_sigsys; /* sa_handler SIG_DFL until the program sets one */
#define app_lock   ringer_preload_app_lock
#define app_sigsys ringer_preload_app_sigsys

/* Fork generation: a ring created under another generation belongs to an ancestor. */
static _Atomic unsigned fork_gen;

/*
 * Engine rings handed out by the shim.  The program gets app_fd, a duplicate
 * of the engine's own descriptor eng_fd (same memfd, so the program's mmaps
 * work), and the engine is only ever called with eng_fd, which the program
 * cannot close.  When app_fd no longer refers to the memfd (the program
 * closed it, maybe reused the number), the ring is torn down through eng_fd.
 *
 * Lookups run lock-free in SIGSYS handlers of any thread; a slot's fields are
 * written before its state is published with a release store and read after
 * an acquire load of it.  refs counts the table's own reference (1 while
 * live) plus calls in progress; the last one out closes the engine ring.
 */
#define MAX_RINGS 256
enum { SLOT_FREE, SLOT_LIVE, SLOT_DEAD };
struct ring {
	_Atomic int state;
	_Atomic int refs;
	_Atomic int regs; /* registered-ring entries (any thread) naming it */
	uint64_t id; /* unique per publication, so a recycled slot is told apart */
	int app_fd;
	int eng_fd;
	dev_t dev;
	ino_t ino;
	unsigned gen;
};
static struct ring rings[MAX_RINGS];
static _Atomic uint64_t ring_ids;
static _Atomic int rings_hw; /* slots [0, rings_hw) may be in use */
static pthread_mutex_t rings_lock = PTHREAD_MUTEX_INITIALIZER;

/* A line to stderr with one write(2), safe in the SIGSYS handler. */
static void vsay(const char *fmt, va_list ap)
{
	char buf[256];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		stub(SYS_write, 2, (long)buf, n, 0, 0, 0);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static void dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void dbg(const char *fmt, ...)
{
	va_list ap;

	if (!debug)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	return stub(nr, a, b, c, d, e, f);
}

/* --- engine rings ------------------------------------------------------- */

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

static void slot_put(struct ring *r)
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
static void slot_kill(struct ring *r, bool force)
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
static bool slot_get_live(struct ring *r)
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
static struct ring *ring_lookup(int fd, bool *inherited)
{
	unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	int hw = atomic_load_explicit(&rings_hw, memory_order_acquire);
	struct stat st;
	bool have_st = false;

	*inherited = false;
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

/*
 * Reap the rings whose fd the program has closed.  Called at setup (rare),
 * so a program that closes its rings without ever entering them again does
 * not accumulate them.
 */
static void rings_sweep(void)
{
	unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	int hw = atomic_load_explicit(&rings_hw, memory_order_acquire);

	for (int i = 0; i < hw; i++) {
		struct ring *r = &rings[i];

		if (!slot_get_live(r))
			continue;
		/* An ancestor's ring is only forgotten: slot_put() never closes it. */
		if (!fd_is(r->app_fd, r->dev, r->ino))
			slot_kill(r, r->gen != gen);
		slot_put(r);
	}
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
static long do_close(long fd)
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
 * read(2), write(2) and their vector and positional forms on an engine
 * ring's fd.  The kernel's io_uring file has no read or write: -EINVAL, and
 * -ESPIPE for the positional calls (a ring cannot seek), whose negative
 * offset is refused first (probed on Linux 6.18).  Left alone, these would
 * read the ring's memory out of its memfd or overwrite it.  On any other
 * file (the number reused) the call is made as the program made it.
 */
static const int rw_calls[] = {
	SYS_read,     SYS_write,  SYS_readv,   SYS_writev,  SYS_pread64,
	SYS_pwrite64, SYS_preadv, SYS_pwritev, SYS_preadv2, SYS_pwritev2,
};

static long do_rw(long nr, const long *a)
{
	struct ring *r;
	bool inherited;

	/* fd is an unsigned int to the kernel: a high half is ignored */
	r = ring_lookup((int)a[0], &inherited);
	if (!r && !inherited)
		return sys(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r)
		slot_put(r);
	switch (nr) {
	case SYS_read:
	case SYS_write:
	case SYS_readv:
	case SYS_writev:
		return -EINVAL;
	default:
		/* the offset: pos_l of the vector forms, which on 64 bits is all of it */
		return a[3] < 0 ? -EINVAL : -ESPIPE;
	}
}

/*
 * Trap close(fd) and the calls of rw_calls[] for this number from now on:
 * close releases the ring (do_close()), reads and writes are refused on a
 * ring (do_rw()).  A trap taken with SIGSYS blocked kills the task (the
 * kernel forces the default action), and code the program does not control
 * closes and reads numbers with every signal blocked: a sanitizer's
 * stop-the-world tracer (a clone sharing our fd table, closing its
 * /proc/self/task fd) or glibc's posix_spawn child.  So the trap is narrowed
 * to the program's own calls, by the exact address of the system call:
 * libc's close(), syscall() and read/write functions, and the text mapping
 * of the code whose io_uring_setup made this ring when that is not libc
 * (liburing makes its system calls inline).  No other code is ever
 * trapped, and the shim itself makes no trappable call with SIGSYS blocked
 * (lock_rings()).  Filters cannot be removed and outlive execve: one filter
 * (about 80 instructions) per number ever handed out, below FD_TRAP_MAX, a
 * bound that leaves two thirds of the kernel's filter budget (32768
 * instructions) to others.  A close of a higher number, or from elsewhere,
 * is noticed later, at the next trapped call on it or the next setup; a
 * read or write there reaches the memfd.  Only close and these calls pay:
 * the kernel caches the verdict of system calls a filter allows whatever
 * their arguments.
 */
#define FD_TRAP_MAX 128
static _Atomic uint64_t fd_trapped[FD_TRAP_MAX / 64];

/* Code whose system calls are trapped: [lo, hi] holds the address after the syscall. */
struct code_range {
	uintptr_t lo, hi;
};
#define LIBC_RANGES_MAX 12
static struct code_range libc_ranges[LIBC_RANGES_MAX];
static int n_libc_ranges;

/* libc's functions that close, read or write a number for the program, found once at load. */
static void find_libc_ranges(void)
{
	static const char *const names[] = {
		"close",   "syscall",  "read",	 "write",   "readv",   "writev",
		"pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
	};
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);

	if (!libc)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *fn = dlsym(libc, names[i]);
		const ElfW(Sym) *sym = NULL;
		Dl_info info;

		if (fn && dladdr1(fn, &info, (void **)&sym, RTLD_DL_SYMENT) && sym &&
		    sym->st_size && n_libc_ranges < LIBC_RANGES_MAX) {
			libc_ranges[n_libc_ranges].lo = (uintptr_t)fn;
			libc_ranges[n_libc_ranges].hi = (uintptr_t)fn + sym->st_size;
			n_libc_ranges++;
		}
	}
	dlclose(libc);
}

static uintptr_t parse_hex(const char **s)
{
	uintptr_t v = 0;

	for (;; (*s)++) {
		char c = **s;

		if (c >= '0' && c <= '9')
			v = v * 16 + (uintptr_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uintptr_t)(c - 'a' + 10);
		else
			return v;
	}
}

/*
 * The executable mapping that holds addr, from /proc/self/maps.  Raw calls
 * and no allocation: runs in the SIGSYS handler.
 */
static bool text_mapping_of(uintptr_t addr, struct code_range *out)
{
	char buf[4096];
	size_t have = 0;
	long n;
	bool found = false;
	int fd = (int)sys(SYS_openat, AT_FDCWD, (long)"/proc/self/maps", O_RDONLY | O_CLOEXEC, 0, 0,
			  0);

	if (fd < 0)
		return false;
	while (!found && (n = sys(SYS_read, fd, (long)(buf + have), (long)(sizeof(buf) - 1 - have),
				  0, 0, 0)) > 0) {
		char *line = buf, *nl;

		have += (size_t)n;
		buf[have] = '\0';
		while (!found && (nl = strchr(line, '\n'))) {
			const char *c = line;
			uintptr_t lo = parse_hex(&c), hi;

			if (*c++ == '-') {
				hi = parse_hex(&c);
				/* "lo-hi rwxp": the x of the permissions */
				if (lo <= addr && addr < hi && c[0] == ' ' && c[3] == 'x') {
					out->lo = lo;
					out->hi = hi - 1;
					found = true;
				}
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0; /* a line longer than the buffer: not a mapping we want */
	}
	sys(SYS_close, fd, 0, 0, 0, 0, 0);
	return found;
}

/*
 * BPF for "the instruction pointer lies in one of these ranges: trap": five
 * instructions a range, falling through to the next when outside.  A range
 * across a 4 GiB boundary is left out (never seen: libc's functions and a
 * library's text are far smaller).
 */
static unsigned emit_ranges(struct sock_filter *p, unsigned i, const struct code_range *rg, int n,
			    unsigned trap)
{
	for (int k = 0; k < n; k++) {
		uint32_t hi = (uint32_t)(rg[k].lo >> 32);

		if (hi != (uint32_t)(rg[k].hi >> 32))
			continue;
		p[i] = (struct sock_filter)LD_ABS(IP_HI);
		p[i + 1] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, 3);
		p[i + 2] = (struct sock_filter)LD_ABS(IP_LO);
		p[i + 3] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
							(uint32_t)rg[k].lo, 0, 1);
		p[i + 4] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K,
							(uint32_t)rg[k].hi, 0, trap - (i + 5));
		i += 5;
	}
	return i;
}

/* site: where the io_uring_setup that made this ring was called from. */
static void trap_ring_fd(int fd, uintptr_t site)
{
	struct code_range rg[LIBC_RANGES_MAX + 1];
	enum { NCALLS = 1 + sizeof(rw_calls) / sizeof(rw_calls[0]) };
	struct sock_filter p[NCALLS + 3 + 5 * (LIBC_RANGES_MAX + 1) + 2];
	struct sock_fprog prog = { .filter = p };
	unsigned i, allow, trap;
	int n = n_libc_ranges;
	uint64_t bit;
	bool in_libc = false;

	if (fd < 0 || fd >= FD_TRAP_MAX)
		return;
	memcpy(rg, libc_ranges, sizeof(libc_ranges));
	if (text_mapping_of(site, &rg[n])) {
		for (int k = 0; k < n; k++)
			in_libc |= rg[n].lo <= libc_ranges[k].lo && libc_ranges[k].lo <= rg[n].hi;
		/* All of libc would also trap the closes of its posix_spawn child. */
		if (!in_libc)
			n++;
	}
	if (!n)
		return;
	bit = 1ULL << (fd % 64);
	if (atomic_fetch_or(&fd_trapped[fd / 64], bit) & bit)
		return;
	/* The ranges end in ALLOW; a hit jumps to TRAP, the last instruction. */
	allow = NCALLS + 3;
	for (int k = 0; k < n; k++)
		allow += (rg[k].lo >> 32) == (rg[k].hi >> 32) ? 5 : 0;
	trap = allow + 1;
	/* 0: nr; 1..NCALLS: one of ours, on to the fd; else allowed */
	p[0] = (struct sock_filter)LD_ABS(offsetof(struct seccomp_data, nr));
	for (i = 1; i <= NCALLS; i++)
		p[i] = (struct sock_filter)JEQ_AT(i, i == 1 ? SYS_close : rw_calls[i - 2],
						  NCALLS + 1, i < NCALLS ? i + 1 : allow);
	p[NCALLS + 1] = (struct sock_filter)LD_ABS(ARG_LO(0));
	p[NCALLS + 2] = (struct sock_filter)JEQ_AT(NCALLS + 2, (uint32_t)fd, NCALLS + 3, allow);
	i = emit_ranges(p, NCALLS + 3, rg, n, trap);
	p[i] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	p[i + 1] = (struct sock_filter)RET(SECCOMP_RET_TRAP | TRAP_COOKIE);
	prog.len = (unsigned short)(i + 2);
	if (sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)&prog, 0, 0,
		0))
		atomic_fetch_and(&fd_trapped[fd / 64], ~bit); /* not in place: lazily, then */
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
static int ring_publish(int eng_fd, uintptr_t site)
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
	if (st.st_size < (off_t)IORING_OFF_SQES) {
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

static struct ring *regring_get(unsigned idx)
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

static long ringfds_register(const struct io_uring_rsrc_update *arg, unsigned nr)
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

static long ringfds_unregister(const struct io_uring_rsrc_update *u, unsigned nr)
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

/* --- serving the three calls --------------------------------------------- */

/*
 * The shim's two backends (the contract: lib/backend.h).  Its kernel is
 * reached through the stub, the only call site the filter lets through; its
 * engine rings are handed to the program under numbers of the shim's
 * (ring_publish()), so only their setup differs from the library's engine.
 */
static int kernel_setup(unsigned entries, struct io_uring_params *p)
{
	long ret = sys(NR_SETUP, entries, (long)p, 0, 0, 0, 0);

	if (ret >= 0) {
		atomic_fetch_add_explicit(&n_kernel_rings, 1, memory_order_relaxed);
		if (stats)
			say("ringer-preload: pid %d: kernel ring, fd %ld\n",
			    (int)sys(SYS_getpid, 0, 0, 0, 0, 0, 0), ret);
	} else if (mode == RINGER_BACKEND_AUTO && ringer__kernel_refuses(ret)) {
		dbg("ringer-preload: kernel refused io_uring (%ld), using the engine\n", ret);
	}
	return (int)ret;
}

static int kernel_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
			const void *arg, size_t argsz)
{
	return (int)sys(NR_ENTER, fd, to_submit, min_complete, flags, (long)arg, (long)argsz);
}

static int kernel_register(int fd, unsigned opcode, const void *arg, unsigned nr_args)
{
	return (int)sys(NR_REGISTER, fd, opcode, (long)arg, nr_args, 0, 0);
}

static int kernel_close(int fd)
{
	return (int)sys(SYS_close, fd, 0, 0, 0, 0, 0);
}

static uint64_t kernel_map_offset(int fd, uint64_t off)
{
	return off;
}

static void kernel_forget_fd(int fd)
{
}

static const struct ringer__backend shim_kernel = {
	.id = RINGER_BACKEND_KERNEL,
	.setup = kernel_setup,
	.enter = kernel_enter,
	.reg = kernel_register,
	.close = kernel_close,
	.map_offset = kernel_map_offset,
	.forget_fd = kernel_forget_fd,
};

/* Where the io_uring_setup being served on this thread was called from. */
static __thread uintptr_t setup_site __attribute__((tls_model("initial-exec")));

static int engine_setup(unsigned entries, struct io_uring_params *p)
{
	struct rlimit fsize;
	bool raised = false;
	long ret;

	/*
	 * Not under rings_lock: a sweep may tear rings down, and the engine's
	 * close(2) calls may be trapped (trap_ring_fd()), which must not
	 * happen with SIGSYS blocked.  Slots are claimed lock-free.
	 */
	rings_sweep();
	/*
	 * The ring file is sized sparse to the ABI's mmap offsets; a soft
	 * RLIMIT_FSIZE below that is lifted to the hard limit for the setup
	 * (the program's own writes are limited again right after).
	 */
	if (sys(SYS_prlimit64, 0, RLIMIT_FSIZE, 0, (long)&fsize, 0, 0) == 0 &&
	    fsize.rlim_cur != RLIM_INFINITY && fsize.rlim_cur < fsize.rlim_max) {
		struct rlimit up = { fsize.rlim_max, fsize.rlim_max };

		raised = sys(SYS_prlimit64, 0, RLIMIT_FSIZE, (long)&up, 0, 0, 0) == 0;
	}
	if (p && (p->flags & IORING_SETUP_ATTACH_WQ)) {
		/* The ring to share with is named by the program's fd; the engine knows its own. */
		bool inherited;
		int wq_fd = (int)p->wq_fd;
		struct ring *r = ring_lookup(wq_fd, &inherited);

		if (r)
			p->wq_fd = (__u32)r->eng_fd;
		ret = ringer_setup(entries, p);
		p->wq_fd = (__u32)wq_fd;
		if (r)
			slot_put(r);
	} else {
		ret = ringer_setup(entries, p);
	}
	if (raised)
		sys(SYS_prlimit64, 0, RLIMIT_FSIZE, (long)&fsize, 0, 0, 0);
	if (ret < 0)
		return (int)ret;
	ret = ring_publish((int)ret, setup_site);
	if (ret >= 0) {
		atomic_fetch_add_explicit(&n_engine_rings, 1, memory_order_relaxed);
		if (stats)
			say("ringer-preload: pid %d: engine ring, fd %ld\n",
			    (int)sys(SYS_getpid, 0, 0, 0, 0, 0, 0), ret);
	}
	return (int)ret;
}

/* Calls other than setup take the engine's own fd (struct ring's eng_fd). */
static const struct ringer__backend shim_engine = {
	.id = RINGER_BACKEND_USER,
	.setup = engine_setup,
	.enter = ringer_enter,
	.reg = ringer_register,
	.close = ringer_close,
	.map_offset = engine_map_offset,
	.forget_fd = engine_forget_fd,
};

static long do_setup(long entries, long params, uintptr_t site)
{
	setup_site = site;
	return ringer__policy_setup(mode, &shim_kernel, &shim_engine, (unsigned)entries,
				    (struct io_uring_params *)params);
}

/*
 * A call on something that is not an engine ring went to the kernel, and the
 * kernel refuses io_uring altogether (a container profile, the sysctl).  On
 * the engine's side the program sees one coherent io_uring: answer as it
 * would for a descriptor that is not a ring.
 */
static long not_a_ring(long ret, long fd, bool by_index)
{
	if (mode == RINGER_BACKEND_KERNEL || !ringer__kernel_refuses(ret))
		return ret;
	if (by_index) /* no registered-ring table */
		return -EINVAL;
	if (sys(SYS_fcntl, fd, F_GETFD, 0, 0, 0, 0) < 0)
		return -EBADF;
	return -EOPNOTSUPP;
}

static long enter_arg(long flags, long arg, long argsz, struct io_uring_getevents_arg *ea,
		      uint64_t *buf);

static long do_enter(long fd, long to_submit, long min_complete, long flags, long arg, long argsz)
{
	struct io_uring_getevents_arg ea;
	struct ring *r;
	bool inherited;
	uint64_t buf;
	long ret;

	arg = enter_arg(flags, arg, argsz, &ea, &buf);
	if (mode != RINGER_BACKEND_KERNEL && (flags & IORING_ENTER_REGISTERED_RING)) {
		r = regring_get((unsigned)fd);
		if (r) {
			ret = shim_engine.enter(r->eng_fd, (unsigned)to_submit, (unsigned)min_complete,
					   (unsigned)flags & ~IORING_ENTER_REGISTERED_RING,
					   (const void *)arg, (size_t)argsz);
			slot_put(r);
			return ret;
		}
	} else if (mode != RINGER_BACKEND_KERNEL) {
		r = ring_lookup((int)fd, &inherited);
		if (inherited)
			return -EOPNOTSUPP;
		if (r) {
			ret = shim_engine.enter(r->eng_fd, (unsigned)to_submit, (unsigned)min_complete,
					   (unsigned)flags, (const void *)arg, (size_t)argsz);
			slot_put(r);
			return ret;
		}
	}
	ret = shim_kernel.enter((int)fd, (unsigned)to_submit, (unsigned)min_complete,
			       (unsigned)flags, (const void *)arg, (size_t)argsz);
	return not_a_ring(ret, fd, flags & IORING_ENTER_REGISTERED_RING);
}

/*
 * io_uring_register(-1, ...): the opcodes that need no ring.  A message
 * (SEND_MSG_RING) to an engine ring is posted by the engine, to the ring
 * behind the program's fd; the rest goes where the policy says.
 */
static long register_blind(long opcode, long arg, long nr_args)
{
	unsigned op = (unsigned)opcode & ~IORING_REGISTER_USE_REGISTERED_RING;
	long ret;

	if (op == IORING_REGISTER_SEND_MSG_RING && arg && nr_args == 1) {
		struct io_uring_sqe sqe;
		bool inherited;
		struct ring *r = NULL;

		if (!umem_read(&sqe, (const void *)arg, sizeof(sqe)))
			r = ring_lookup(sqe.fd, &inherited);
		if (r) {
			sqe.fd = r->eng_fd;
			ret = shim_engine.reg(-1, (unsigned)opcode, &sqe, 1);
			slot_put(r);
			return ret;
		}
	}
	return ringer__policy_register_blind(mode, &shim_kernel, &shim_engine, (unsigned)opcode,
					     (const void *)arg, (unsigned)nr_args);
}

static long do_register(long fd, long opcode, long arg, long nr_args)
{
	struct ring *r;
	bool inherited;
	long ret;

	if (mode == RINGER_BACKEND_KERNEL)
		return shim_kernel.reg((int)fd, (unsigned)opcode, (const void *)arg,
				       (unsigned)nr_args);
	if ((int)fd == -1)
		return register_blind(opcode, arg, nr_args);
	if (opcode & IORING_REGISTER_USE_REGISTERED_RING) {
		r = regring_get((unsigned)fd);
		opcode &= ~(long)IORING_REGISTER_USE_REGISTERED_RING;
		if (!r) {
			ret = shim_kernel.reg((int)fd,
					      (unsigned)opcode | IORING_REGISTER_USE_REGISTERED_RING,
					      (const void *)arg, (unsigned)nr_args);
			return not_a_ring(ret, fd, true);
		}
	} else {
		r = ring_lookup((int)fd, &inherited);
		if (inherited)
			return -EOPNOTSUPP;
	}
	if (r) {
		if (opcode == IORING_REGISTER_RING_FDS)
			ret = ringfds_register((const void *)arg, (unsigned)nr_args);
		else if (opcode == IORING_UNREGISTER_RING_FDS)
			ret = ringfds_unregister((const void *)arg, (unsigned)nr_args);
		else
			ret = shim_engine.reg(r->eng_fd, (unsigned)opcode, (const void *)arg,
					      (unsigned)nr_args);
		slot_put(r);
		return ret;
	}
	ret = shim_kernel.reg((int)fd, (unsigned)opcode, (const void *)arg, (unsigned)nr_args);
	return not_a_ring(ret, fd, false);
}

/* --- execve: the next program gets the shim too -------------------------- */

static bool is_marker(const char *e)
{
	return !strncmp(e, ENV_STUB "=", sizeof(ENV_STUB)) ||
	       !strncmp(e, ENV_INJECTED "=", sizeof(ENV_INJECTED)) ||
	       !strncmp(e, ENV_ORIG "=", sizeof(ENV_ORIG));
}

/* Does an LD_PRELOAD value (':' or ' ' separated) name the shim? */
static bool names_shim(const char *v)
{
	size_t n = strlen(SHIM_NAME);

	while (*v) {
		const char *end = v + strcspn(v, ": ");
		const char *base = end;

		while (base > v && base[-1] != '/')
			base--;
		if ((size_t)(end - base) == n && !memcmp(base, SHIM_NAME, n))
			return true;
		v = *end ? end + 1 : end;
	}
	return false;
}

static char *put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *put_hex(char *p, unsigned long v)
{
	char tmp[17];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*p++ = '0';
	*p++ = 'x';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/*
 * Run a trapped execve/execveat with the environment amended: the stub
 * address for the next shim, and the shim itself in LD_PRELOAD when the
 * program dropped it (the next program then passes io_uring straight to the
 * kernel, as if no shim were there, instead of dying of our trap).  Runs in
 * the SIGSYS handler, maybe in a vfork child on a small stack: no malloc.
 */
static long do_exec(long nr, long *a)
{
	char *const *envp = (char *const *)(nr == SYS_execve ? a[2] : a[3]);
	const char *preload = NULL;
	size_t n = 0, strsz, arrsz, total;
	char stackbuf[8192], *buf, *p, **out;
	bool mapped = false;
	long ret;

	if (envp)
		for (; envp[n]; n++)
			if (!strncmp(envp[n], "LD_PRELOAD=", 11))
				preload = envp[n] + 11;
	strsz = 3 * 32 + strlen(preload_value) + (preload ? 2 * strlen(preload) : 0) + 64;
	arrsz = (n + 4) * sizeof(char *);
	total = arrsz + strsz;
	if (total <= sizeof(stackbuf)) {
		buf = stackbuf;
	} else {
		/* Leaks in a vfork parent if the exec succeeds; only for huge environments. */
		buf = (char *)sys(SYS_mmap, 0, (long)total, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if ((unsigned long)buf > -4096UL)
			return (long)buf;
		mapped = true;
	}
	out = (char **)buf;
	p = buf + arrsz;
	n = 0;
	if (envp)
		for (char *const *e = envp; *e; e++)
			if (!is_marker(*e) && strncmp(*e, "LD_PRELOAD=", 11))
				out[n++] = *e;
	out[n++] = p;
	p = put(p, ENV_STUB "=");
	p = put_hex(p, (unsigned long)stub);
	*p++ = '\0';
	out[n++] = p;
	p = put(p, "LD_PRELOAD=");
	if (!preload || !names_shim(preload)) {
		p = put(p, preload_value);
		if (preload && *preload) {
			*p++ = ':';
			p = put(p, preload);
		}
		*p++ = '\0';
		out[n++] = p;
		p = put(p, ENV_INJECTED "=1");
		*p++ = '\0';
		if (preload) {
			out[n++] = p;
			p = put(p, ENV_ORIG "=");
			p = put(p, preload);
			*p++ = '\0';
		}
	} else {
		p = put(p, preload);
		*p++ = '\0';
	}
	out[n] = NULL;
	if (nr == SYS_execve)
		ret = sys(SYS_execve, a[0], a[1], (long)out, 0, 0, 0);
	else
		ret = sys(SYS_execveat, a[0], a[1], a[2], (long)out, a[4], 0);
	if (mapped)
		sys(SYS_munmap, (long)buf, (long)total, 0, 0, 0, 0);
	return ret;
}

/* --- SIGSYS never blocked ------------------------------------------------- */

/*
 * A seccomp trap in a thread that blocks SIGSYS kills the process (the
 * kernel unblocks a forced signal and resets it to the default action).  So
 * no mask a program sets may hold SIGSYS: the exported wrappers of the libc
 * calls that set one take it out (signals.c), and so does the re-issued
 * io_uring_enter of a kernel ring (its wait's mask).  The calls are not
 * trapped: a trap in an exec'd program before the shim's constructor has
 * installed the handler (a library constructor creating a thread, a
 * sanitizer runtime installing its handlers) would kill it.
 */
#define SIGBIT(sig) (1ULL << ((sig) - 1))
#define KSIGSET_SIZE 8 /* the kernel's sigset_t on x86_64 */

static uint64_t no_sigsys(uint64_t mask)
{
	return mask & ~SIGBIT(SIGSYS);
}

/* Copy from the program's memory, 0 or -EFAULT, async-signal-safe. */
static int peek(void *dst, long src, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)src, len };
	long ret;

	if (!src)
		return -EFAULT;
	ret = sys(SYS_process_vm_readv, sys(SYS_getpid, 0, 0, 0, 0, 0, 0), (long)&local, 1,
		  (long)&remote, 1, 0);
	if (ret == (long)len)
		return 0;
	if (ret == -EPERM || ret == -ENOSYS) {
		/* process_vm_* refused (a container profile): as glibc would touch it */
		memcpy(dst, (const void *)src, len);
		return 0;
	}
	return -EFAULT;
}

/*
 * A mask argument for the kernel: a copy without SIGSYS in *buf, or the
 * program's own pointer when the kernel will refuse it anyway (wrong size,
 * unreadable), so the error and its order stay the kernel's.
 */
static long mask_arg(long ptr, long size, uint64_t *buf)
{
	if (!ptr || size != KSIGSET_SIZE || peek(buf, ptr, sizeof(*buf)))
		return ptr;
	*buf = no_sigsys(*buf);
	return (long)buf;
}

/*
 * The argument of an io_uring_enter that waits, with its signal mask (a
 * sigset_t, or IORING_ENTER_EXT_ARG's) copied without SIGSYS into *ea and
 * *buf: the mask applies during the wait, to the handlers run out of it too.
 */
static long enter_arg(long flags, long arg, long argsz, struct io_uring_getevents_arg *ea,
		      uint64_t *buf)
{
	if (!arg || !(flags & IORING_ENTER_GETEVENTS))
		return arg;
	if (!(flags & IORING_ENTER_EXT_ARG))
		return mask_arg(arg, argsz, buf);
	if (!(flags & IORING_ENTER_EXT_ARG_REG) && argsz == sizeof(*ea) &&
	    !peek(ea, arg, sizeof(*ea)) && ea->sigmask &&
	    mask_arg((long)ea->sigmask, ea->sigmask_sz, buf) == (long)buf) {
		ea->sigmask = (uint64_t)(uintptr_t)buf;
		return (long)ea;
	}
	return arg;
}

void ringer_preload_setmask_all(const sigset_t *set, sigset_t *old)
{
	sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)set, (long)old, KSIGSET_SIZE, 0, 0);
}

/* The shim's own sigprocmask for the exported wrappers: no trap (signals.c). */
int ringer_preload_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	uint64_t buf;
	long ret;

	if (!stub)
		return -ENOSYS;
	ret = sys(SYS_rt_sigprocmask, how, mask_arg((long)set, KSIGSET_SIZE, &buf), (long)old,
		  KSIGSET_SIZE, 0, 0);
	return (int)ret;
}

/* --- SIGSYS -------------------------------------------------------------- */

/* A SIGSYS that is not ours: what the program asked for. */
static void chain(int sig, siginfo_t *si, void *uc)
{
	struct sigaction app;
	sigset_t old;

	/* The wrapper holds app_lock with every signal blocked: no re-entry on this thread. */
	pthread_mutex_lock(&app_lock);
	app = app_sigsys;
	if ((app.sa_flags & SA_RESETHAND) && app.sa_handler != SIG_DFL &&
	    app.sa_handler != SIG_IGN) {
		app_sigsys.sa_handler = SIG_DFL;
		app_sigsys.sa_flags &= ~SA_SIGINFO;
	}
	pthread_mutex_unlock(&app_lock);
	if (app.sa_handler == SIG_IGN && si->si_code != SYS_SECCOMP)
		return;
	if (app.sa_handler == SIG_DFL || app.sa_handler == SIG_IGN) {
		/*
		 * The default action (a core dump), as without the shim: a
		 * seccomp trap cannot be ignored.  Reinstate SIG_DFL and let
		 * the signal come again, unblocked.
		 */
		struct ksigaction dfl = { .handler = SIG_DFL };
		sigset_t set;

		sys(SYS_rt_sigaction, SIGSYS, (long)&dfl, 0, 8, 0, 0);
		sigemptyset(&set);
		sigaddset(&set, SIGSYS);
		sys(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&set, 0, _NSIG / 8, 0, 0);
		sys(SYS_tgkill, sys(SYS_getpid, 0, 0, 0, 0, 0, 0),
		    sys(SYS_gettid, 0, 0, 0, 0, 0, 0), SIGSYS, 0, 0, 0);
		return;
	}
	/*
	 * The program's sa_mask while its handler runs, as the kernel would
	 * apply it; never SIGSYS, which would make our next trap fatal.
	 */
	sigdelset(&app.sa_mask, SIGSYS);
	sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&app.sa_mask, (long)&old, _NSIG / 8, 0, 0);
	if (app.sa_flags & SA_SIGINFO)
		app.sa_sigaction(sig, si, uc);
	else
		app.sa_handler(sig);
	sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, _NSIG / 8, 0, 0);
}

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	int saved_errno = errno;
	long a[6], ret;

	if (si->si_code != SYS_SECCOMP || si->si_errno != (int)TRAP_COOKIE) {
		chain(sig, si, ucv);
		errno = saved_errno;
		return;
	}
	if ((uintptr_t)si->si_call_addr == stub_ip) {
		/*
		 * Our own site trapped: a filter from an earlier program
		 * allows another stub address (see map_stub).  We cannot reach
		 * the kernel: say so.
		 */
		g[REG_RAX] = -ENOSYS;
		errno = saved_errno;
		return;
	}
	atomic_fetch_add_explicit(&n_traps, 1, memory_order_relaxed);
	a[0] = g[REG_RDI];
	a[1] = g[REG_RSI];
	a[2] = g[REG_RDX];
	a[3] = g[REG_R10];
	a[4] = g[REG_R8];
	a[5] = g[REG_R9];
	switch (si->si_syscall) {
	case NR_SETUP:
		ret = do_setup(a[0], a[1], (uintptr_t)si->si_call_addr);
		break;
	case NR_ENTER:
		ret = do_enter(a[0], a[1], a[2], a[3], a[4], a[5]);
		break;
	case NR_REGISTER:
		ret = do_register(a[0], a[1], a[2], a[3]);
		break;
	case SYS_execve:
	case SYS_execveat:
		ret = do_exec(si->si_syscall, a);
		break;
	case SYS_close:
		ret = do_close(a[0]);
		break;
	case SYS_read:
	case SYS_write:
	case SYS_readv:
	case SYS_writev:
	case SYS_pread64:
	case SYS_pwrite64:
	case SYS_preadv:
	case SYS_pwritev:
	case SYS_preadv2:
	case SYS_pwritev2:
		ret = do_rw(si->si_syscall, a);
		break;
	default:
		ret = -ENOSYS;
		break;
	}
	dbg("ringer-preload: trapped %d -> %ld\n", si->si_syscall, ret);
	g[REG_RAX] = ret;
	errno = saved_errno;
}

/* --- installation -------------------------------------------------------- */

/*
 * The stub page.  Its address must be the same in every program of an exec
 * chain: a filter installed by an earlier program stays in force and allows
 * only the stub address it knew.  A trapped execve passes the address on in
 * RINGER_PRELOAD_STUB; the first program uses a fixed default.
 */
static int map_stub(void)
{
	size_t len = (size_t)(ringer_preload_stub_end - ringer_preload_stub_begin);
	unsigned long want = STUB_ADDR_DEFAULT;
	const char *env = getenv(ENV_STUB);
	void *page;

	if (env)
		want = strtoul(env, NULL, 0);
	page = mmap((void *)want, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (page == MAP_FAILED && env)
		return -1; /* an earlier filter would trap any other address */
	if (page == MAP_FAILED)
		page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return -1;
	if (env && (unsigned long)page != want) {
		munmap(page, 4096);
		return -1;
	}
	memcpy(page, ringer_preload_stub_begin, len);
	if (mprotect(page, 4096, PROT_READ | PROT_EXEC)) {
		munmap(page, 4096);
		return -1;
	}
	stub = (stub_fn)page;
	stub_ip =
		(uintptr_t)page + (uintptr_t)(ringer_preload_stub_ret - ringer_preload_stub_begin);
	return 0;
}

static int install_filter(void)
{
	uint32_t lo = (uint32_t)stub_ip, hi = (uint32_t)(stub_ip >> 32);
	enum { FAKE_CHECK = 15, TRAP_CHECK = 19, ALLOW = 23, TRAP = 24, FAKE = 25 };
	struct sock_filter p[] = {
		/* 0 */ LD_ABS(offsetof(struct seccomp_data, arch)),
		/* 1 */ JEQ_AT(1, AUDIT_ARCH_X86_64, 2, ALLOW),
		/* 2 */ LD_ABS(offsetof(struct seccomp_data, nr)),
		/* 3 */ JEQ_AT(3, NR_SETUP, TRAP_CHECK, 4),
		/* 4 */ JEQ_AT(4, NR_ENTER, TRAP_CHECK, 5),
		/* 5 */ JEQ_AT(5, NR_REGISTER, TRAP_CHECK, 6),
		/* 6 */ JEQ_AT(6, SYS_execve, TRAP_CHECK, 7),
		/* 7 */ JEQ_AT(7, SYS_execveat, TRAP_CHECK, 8),
		/* 8 */ JEQ_AT(8, SYS_rt_sigaction, 9, ALLOW),
		/*
		 * rt_sigaction(SIGSYS, act != NULL) from anywhere but the stub
		 * succeeds without effect: our handler must stay (glibc's
		 * posix_spawn child resets every handler before its execve,
		 * which we trap).  Programs' sigaction() calls are recorded by
		 * the exported wrapper instead.
		 */
		/* 9 */ LD_ABS(ARG_LO(0)),
		/* 10 */ JEQ_AT(10, SIGSYS, 11, ALLOW),
		/* 11 */ LD_ABS(ARG_LO(1)),
		/* 12 */ JEQ_AT(12, 0, 13, FAKE_CHECK),
		/* 13 */ LD_ABS(ARG_HI(1)),
		/* 14 */ JEQ_AT(14, 0, ALLOW, FAKE_CHECK),
		/* 15 FAKE_CHECK */ LD_ABS(IP_LO),
		/* 16 */ JEQ_AT(16, lo, 17, FAKE),
		/* 17 */ LD_ABS(IP_HI),
		/* 18 */ JEQ_AT(18, hi, ALLOW, FAKE),
		/* 19 TRAP_CHECK: the stub's own calls pass, both halves of the address */
		LD_ABS(IP_LO),
		/* 20 */ JEQ_AT(20, lo, 21, TRAP),
		/* 21 */ LD_ABS(IP_HI),
		/* 22 */ JEQ_AT(22, hi, ALLOW, TRAP),
		/* 23 ALLOW */ RET(SECCOMP_RET_ALLOW),
		/* 24 TRAP */ RET(SECCOMP_RET_TRAP | TRAP_COOKIE),
		/* 25 FAKE */ RET(SECCOMP_RET_ERRNO | 0),
	};
	struct sock_fprog fprog = { .len = sizeof(p) / sizeof(p[0]), .filter = p };
	long ret;

	_Static_assert(sizeof(p) / sizeof(p[0]) == FAKE + 1, "filter labels");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	/* TSYNC: threads that already exist (a constructor may have made some) get it too. */
	ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
	if (ret > 0) {
		/* TSYNC names a thread it could not synchronize. */
		errno = EAGAIN;
		return -1;
	}
	return ret ? -1 : 0;
}

/*
 * Our SIGSYS handler, through the stub (a raw rt_sigaction(SIGSYS) from
 * elsewhere is made a no-op by the filter).  SA_RESTART follows the
 * program's own SIGSYS action, which decides whether a sent SIGSYS restarts
 * the call it interrupted; it does not matter for our traps.
 */
static int install_handler(void)
{
	struct ksigaction act;

	memset(&act, 0, sizeof(act));
	act.handler = (void *)on_sigsys;
	act.flags = SA_SIGINFO | SA_NODEFER | KSA_RESTORER;
	if (app_sigsys.sa_handler == SIG_DFL || app_sigsys.sa_handler == SIG_IGN ||
	    (app_sigsys.sa_flags & SA_RESTART))
		act.flags |= SA_RESTART;
	act.restorer = ringer_preload_restore_rt;
	return (int)sys(SYS_rt_sigaction, SIGSYS, (long)&act, 0, 8, 0, 0);
}

void ringer_preload_app_sigsys_changed(void)
{
	install_handler();
}

static void at_fork_child(void)
{
	atomic_fetch_add_explicit(&fork_gen, 1, memory_order_relaxed);
	/* A new task starts with no registered rings (the parent keeps its counts). */
	memset(regrings, 0, sizeof(regrings));
	/* The child counts its own calls. */
	atomic_store_explicit(&n_traps, 0, memory_order_relaxed);
	atomic_store_explicit(&n_engine_rings, 0, memory_order_relaxed);
	atomic_store_explicit(&n_kernel_rings, 0, memory_order_relaxed);
}

/*
 * At exit, the rings the program left: the kernel would tear them down with
 * the process; the engine's threads are joined here so nothing is left
 * running (a ring in use by another thread right now is left to the exit).
 */
__attribute__((destructor)) static void preload_fini(void)
{
	unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
	int hw = atomic_load_explicit(&rings_hw, memory_order_acquire);

	if (!active)
		return;
	for (int i = 0; i < hw; i++) {
		struct ring *r = &rings[i];

		if (!slot_get_live(r))
			continue;
		if (r->gen == gen)
			slot_kill(r, true);
		slot_put(r);
	}
	if (!stats)
		return;
	fprintf(stderr, "ringer-preload: pid %d: %lu traps, %lu engine rings, %lu kernel rings\n",
		(int)getpid(), atomic_load(&n_traps), atomic_load(&n_engine_rings),
		atomic_load(&n_kernel_rings));
}

__attribute__((constructor)) static void preload_init(void)
{
	const char *env;
	Dl_info info;
	struct ksigaction old;
	bool injected;

	ringer_preload_signals_init();
	debug = getenv("RINGER_PRELOAD_DEBUG") != NULL;
	stats = getenv("RINGER_PRELOAD_STATS") != NULL;
	env = getenv("LD_PRELOAD");
	if (env && names_shim(env) && strlen(env) < sizeof(preload_value))
		strcpy(preload_value, env);

	/* Injected by a trapped execve into a program that did not ask for us. */
	injected = getenv(ENV_INJECTED) != NULL;
	if (injected) {
		const char *orig = getenv(ENV_ORIG);
		size_t pl = strlen(preload_value), ol = orig ? strlen(orig) : 0;

		/* What we injected was preload_value[:orig]: keep only our part. */
		if (orig && pl > ol && preload_value[pl - ol - 1] == ':' &&
		    !strcmp(preload_value + pl - ol, orig))
			preload_value[pl - ol - 1] = '\0';

		if (orig)
			setenv("LD_PRELOAD", orig, 1);
		else
			unsetenv("LD_PRELOAD");
		unsetenv(ENV_INJECTED);
		unsetenv(ENV_ORIG);
	}
	/* An injected shim only keeps the program alive: the kernel serves it. */
	mode = injected ? RINGER_BACKEND_KERNEL : ringer__backend_from_env();

	/* The absolute path goes into the LD_PRELOAD of programs we exec. */
	if (dladdr((void *)preload_init, &info) && info.dli_fname &&
	    !realpath(info.dli_fname, shim_path))
		snprintf(shim_path, sizeof(shim_path), "%s", info.dli_fname);
	if (!preload_value[0])
		snprintf(preload_value, sizeof(preload_value), "%s", shim_path);

	if (map_stub()) {
		fprintf(stderr, "ringer-preload: cannot map the system call stub; not active\n");
		return;
	}
	unsetenv(ENV_STUB);

	/* The program's SIGSYS disposition so far, if any, becomes the one chained to. */
	if (sys(SYS_rt_sigaction, SIGSYS, 0, (long)&old, 8, 0, 0) == 0 && old.handler != SIG_DFL) {
		app_sigsys.sa_handler = (sighandler_t)old.handler;
		app_sigsys.sa_flags = (int)old.flags;
		memcpy(&app_sigsys.sa_mask, &old.mask, sizeof(old.mask));
	}
	/*
	 * SA_NODEFER: a handler of the program's that runs while we wait
	 * (a signal during a trapped enter) may itself call io_uring; with
	 * SIGSYS blocked that trap would kill the process.  No other signal
	 * is blocked while we run, so they interrupt our waits as they would
	 * interrupt the kernel's.
	 */
	if (install_handler()) {
		fprintf(stderr, "ringer-preload: cannot install the SIGSYS handler; not active\n");
		return;
	}
	pthread_atfork(NULL, NULL, at_fork_child);
	pthread_key_create(&regrings_key, regrings_exit);
	find_libc_ranges();
	if (install_filter()) {
		fprintf(stderr,
			"ringer-preload: cannot install the seccomp filter: %s; not active\n",
			strerror(errno));
		return;
	}
	active = true;
	dbg("ringer-preload: active, backend %s%s, stub at %p\n", ringer_backend_name(mode),
	    injected ? " (inherited through exec)" : "", (void *)stub);
}
