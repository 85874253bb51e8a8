/* SPDX-License-Identifier: MIT */
/*
 * State shared by the shim's files (all hidden: nothing here is exported).
 *
 *   preload.c    the system call stub, the shim's state, installation at load
 *   sigsys.c     the SIGSYS handler; SIGSYS kept out of the masks it passes on
 *   serve.c      io_uring_setup, _enter and _register, served
 *   rings.c      the engine rings handed to the program, registered ring fds
 *   fdtrap.c     close(2), read(2), write(2)... of ring fds, trapped where the
 *                program makes them
 *   exec.c       execve: the next program gets the shim too
 *   signals.c    the program's signal calls, wrapped (SIGSYS stays ours)
 */
#ifndef RINGER_PRELOAD_H
#define RINGER_PRELOAD_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ringer.h"

#ifndef __x86_64__
#error "the preload shim is written for x86_64"
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

/* Environment markers passed from a trapped execve to the next program. */
#define ENV_STUB     "RINGER_PRELOAD_STUB"
#define ENV_INJECTED "RINGER_PRELOAD_INJECTED"
#define ENV_ORIG     "RINGER_PRELOAD_ORIG"

/* --- preload.c ------------------------------------------------------------ */

/* The stub page's entry: a raw system call the filter lets through. */
typedef long (*stub_fn)(long nr, long a, long b, long c, long d, long e, long f);
extern stub_fn shim_stub;
extern uintptr_t shim_stub_ip; /* the allowed instruction_pointer */

/* A system call the filter never traps: the result, or -errno. */
static inline long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	return shim_stub(nr, a, b, c, d, e, f);
}

/* The kernel's struct sigaction on x86_64 (rt_sigaction's layout). */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/* RINGER_BACKEND, read once at load (the library's policy, lib/policy.c). */
extern enum ringer_backend shim_backend;
extern bool shim_debug; /* RINGER_PRELOAD_DEBUG: a line per ring and trap */
extern bool shim_stats; /* RINGER_PRELOAD_STATS: counts printed at exit */
extern _Atomic unsigned long n_traps, n_engine_rings, n_kernel_rings;
/* Fork generation: a ring created under another generation belongs to an ancestor. */
extern _Atomic unsigned fork_gen;

/* The SIGSYS handler and the filter are in place. */
extern bool ringer_preload_active;
/* The program's own SIGSYS disposition, under ringer_preload_app_lock. */
extern pthread_mutex_t ringer_preload_app_lock;
extern struct sigaction ringer_preload_app_sigsys;

/* A line to stderr with one write(2), safe in the SIGSYS handler; dbg() only
 * under RINGER_PRELOAD_DEBUG. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The program changed its SIGSYS action (called with ringer_preload_app_lock held). */
void ringer_preload_app_sigsys_changed(void);

/* --- rings.c -------------------------------------------------------------- */

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

/* Reference counting of a slot (see above). */
bool slot_get_live(struct ring *r);
void slot_put(struct ring *r);
void slot_kill(struct ring *r, bool force);
/* The engine ring the program's fd refers to, with a reference taken, or
 * NULL; *inherited: a ring of an ancestor process (fork). */
struct ring *ring_lookup(int fd, bool *inherited);
/* The engine fd of the ancestor's ring the program's fd refers to, or -1:
 * the engine answers for it as the kernel would where it can. */
int ring_inherited_eng_fd(int fd);
/* Reap the rings whose fd the program has closed. */
void rings_sweep(void);
/* Hand an engine ring to the program: its fd, or -errno (eng_fd closed).
 * site: where the program called io_uring_setup from. */
int ring_publish(int eng_fd, uintptr_t site);
long ring_publish_fd_only(int app_fd);
/* Registered ring fds (REGISTER_RING_FDS) of engine rings, per thread. */
struct ring *regring_get(unsigned idx);
bool regrings_in_use(void);
long ringfds_register(const struct io_uring_rsrc_update *arg, unsigned nr);
long ringfds_unregister(const struct io_uring_rsrc_update *u, unsigned nr);
/* A trapped close(2): releases the ring of the program's last ring fd. */
long do_close(long fd);
void rings_init(void);
void rings_forked(void);
void rings_release_all(void);

/* --- fdtrap.c ------------------------------------------------------------- */

/* libc's functions that close, read or write a number for the program,
 * found once at load. */
void find_libc_ranges(void);
/* Trap close(fd), read(fd), write(fd)... from now on, from libc and from
 * the code at site. */
void trap_ring_fd(int fd, uintptr_t site);
/* A trapped read(2), write(2)... (nr) on a number that may be a ring's. */
long do_rw(long nr, const long *a);
/* mmap(2) of a ring number (fdtrap.c): the region its offset names */
long do_mmap(const long *a);

/* --- serve.c -------------------------------------------------------------- */

long do_setup(long entries, long params, uintptr_t site);
long do_enter(long fd, long to_submit, long min_complete, long flags, long arg, long argsz);
long do_register(long fd, long opcode, long arg, long nr_args);

/* --- exec.c --------------------------------------------------------------- */

/* At load; true if a trapped execve injected the shim (the kernel serves). */
bool exec_init(void);
long do_exec(long nr, long *a);

/* --- sigsys.c ------------------------------------------------------------- */

void on_sigsys(int sig, siginfo_t *si, void *ucv);
/* Traps may end without rt_sigreturn (set at load, preload.c resume_allowed()). */
extern bool ringer_preload_resume_ok;
/* The argument of a waiting io_uring_enter with SIGSYS out of its mask. */
long enter_arg(long flags, long arg, long argsz, struct io_uring_getevents_arg *ea,
	       uint64_t *buf);

/* rt_sigprocmask through the shim's own call site, SIGSYS taken out of set:
 * 0 or -errno; -ENOSYS before the shim is set up. */
int ringer_preload_sigmask(int how, const sigset_t *set, sigset_t *old);

/* rt_sigprocmask(SIG_SETMASK) of the whole set, SIGSYS included, through the
 * shim's own call site (the shim is active). */
void ringer_preload_setmask_all(const sigset_t *set, sigset_t *old);

/* --- signals.c ------------------------------------------------------------ */

/* Look up the signal calls the shim wraps (at load). */
void ringer_preload_signals_init(void);

#endif
