/* SPDX-License-Identifier: MIT */
/*
 * The calls trapped on the numbers the shim hands out as ring fds, where the
 * program's own code makes them: close(2), so that a ring's last close
 * releases it as on the kernel (rings.c), read(2)/write(2) and their kin,
 * refused as the kernel refuses them on a ring, and mmap(2) made as a raw
 * system call (libc's mmap() is the exported wrapper, lib/mmapwrap.c), which
 * maps the region its offset names.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "engine/api.h"
#include "preload/preload.h"

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

long do_rw(long nr, const long *a)
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
 * mmap(2) of a ring number: the region the offset names (the SQ and CQ rings
 * are one region of the memfd, engine_ring_map_offset(); an engine-allocated
 * buffer ring a file of its own), ENOMEM for an offset naming none, EPERM
 * for an executable mapping of one.  Any
 * other file (the number reused) is mapped as asked.
 */
long do_mmap(const long *a)
{
	uint64_t off = (uint64_t)a[5];
	int ret = 0, map_fd = -1;
	long p;

	if (!(a[3] & MAP_ANONYMOUS))
		ret = engine_ring_map_offset((int)a[4], off, (int)a[2], &off, &map_fd);
	if (ret < 0)
		return ret;
	if (map_fd < 0)
		return sys(SYS_mmap, a[0], a[1], a[2], a[3], a[4], (long)off);
	p = sys(SYS_mmap, a[0], a[1], a[2], a[3], map_fd, (long)off);
	sys(SYS_close, map_fd, 0, 0, 0, 0, 0);
	return p;
}

/*
 * Trap close(fd), mmap(..., fd, ...) and the calls of rw_calls[] for this number from now on:
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
void find_libc_ranges(void)
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
void trap_ring_fd(int fd, uintptr_t site)
{
	struct code_range rg[LIBC_RANGES_MAX + 1];
	enum { NCALLS = 1 + sizeof(rw_calls) / sizeof(rw_calls[0]) };
	struct sock_filter p[NCALLS + 6 + 5 * (LIBC_RANGES_MAX + 1) + 2];
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
	allow = NCALLS + 6;
	for (int k = 0; k < n; k++)
		allow += (rg[k].lo >> 32) == (rg[k].hi >> 32) ? 5 : 0;
	trap = allow + 1;
	/*
	 * 0: nr; 1..NCALLS: one of ours, on to its fd (argument 0); NCALLS+1:
	 * mmap, on to its fd (argument 4); else allowed.  Then the ranges.
	 */
	p[0] = (struct sock_filter)LD_ABS(offsetof(struct seccomp_data, nr));
	for (i = 1; i <= NCALLS; i++)
		p[i] = (struct sock_filter)JEQ_AT(i, i == 1 ? SYS_close : rw_calls[i - 2],
						  NCALLS + 2, i + 1);
	p[NCALLS + 1] = (struct sock_filter)JEQ_AT(NCALLS + 1, SYS_mmap, NCALLS + 4, allow);
	p[NCALLS + 2] = (struct sock_filter)LD_ABS(ARG_LO(0));
	p[NCALLS + 3] = (struct sock_filter)JEQ_AT(NCALLS + 3, (uint32_t)fd, NCALLS + 6, allow);
	p[NCALLS + 4] = (struct sock_filter)LD_ABS(ARG_LO(4));
	p[NCALLS + 5] = (struct sock_filter)JEQ_AT(NCALLS + 5, (uint32_t)fd, NCALLS + 6, allow);
	i = emit_ranges(p, NCALLS + 6, rg, n, trap);
	p[i] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	p[i + 1] = (struct sock_filter)RET(SECCOMP_RET_TRAP | TRAP_COOKIE);
	prog.len = (unsigned short)(i + 2);
	if (sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)&prog, 0, 0,
		0))
		atomic_fetch_and(&fd_trapped[fd / 64], ~bit); /* not in place: lazily, then */
}

