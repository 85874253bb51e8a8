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
 * rings.  This file holds the stub and the installation at load; preload.h
 * lists the others.
 */
#include <dlfcn.h>
#include <errno.h>
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
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/faults.h"
#include "lib/backend.h"
#include "preload/preload.h"

/* Where the stub page goes, the same in every exec'd generation (see map_stub). */
#define STUB_ADDR_DEFAULT 0x7e8000100000UL

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
	/*
	 * ringer_preload_resume(gregs, fpstate, rfbm): the end of a trap of
	 * ours, without rt_sigreturn (sigsys.c says when).  The FPU state
	 * first (xrstor64, the components rfbm names).  Then the registers are
	 * copied out of the frame to just below the interrupted stack's red
	 * zone, into the frame's FPU area, consumed by then (it lies above the
	 * gregs, at the top of the frame), and popped from there: once the
	 * stack pointer is above the frame, a signal arriving builds its own
	 * frame over this one, so nothing may be read from it after the
	 * switch.  ret $128 pops the resumed rip and puts the stack pointer
	 * back where it was.
	 */
	".globl ringer_preload_resume\n"
	".hidden ringer_preload_resume\n"
	"ringer_preload_resume:\n"
	"	movq %rdx, %rax\n"
	"	shrq $32, %rdx\n"
	"	xrstor64 (%rsi)\n"
	"	movq 15*8(%rdi), %rsi\n" /* REG_RSP */
	"	subq $128+17*8, %rsi\n"
	"	movq 0*8(%rdi), %rax\n"
	"	movq %rax, 0*8(%rsi)\n"
	"	movq 1*8(%rdi), %rax\n"
	"	movq %rax, 1*8(%rsi)\n"
	"	movq 2*8(%rdi), %rax\n"
	"	movq %rax, 2*8(%rsi)\n"
	"	movq 3*8(%rdi), %rax\n"
	"	movq %rax, 3*8(%rsi)\n"
	"	movq 4*8(%rdi), %rax\n"
	"	movq %rax, 4*8(%rsi)\n"
	"	movq 5*8(%rdi), %rax\n"
	"	movq %rax, 5*8(%rsi)\n"
	"	movq 6*8(%rdi), %rax\n"
	"	movq %rax, 6*8(%rsi)\n"
	"	movq 7*8(%rdi), %rax\n"
	"	movq %rax, 7*8(%rsi)\n"
	"	movq 9*8(%rdi), %rax\n"
	"	movq %rax, 8*8(%rsi)\n"
	"	movq 10*8(%rdi), %rax\n"
	"	movq %rax, 9*8(%rsi)\n"
	"	movq 11*8(%rdi), %rax\n"
	"	movq %rax, 10*8(%rsi)\n"
	"	movq 12*8(%rdi), %rax\n"
	"	movq %rax, 11*8(%rsi)\n"
	"	movq 13*8(%rdi), %rax\n"
	"	movq %rax, 12*8(%rsi)\n"
	"	movq 14*8(%rdi), %rax\n"
	"	movq %rax, 13*8(%rsi)\n"
	"	movq 8*8(%rdi), %rax\n"
	"	movq %rax, 14*8(%rsi)\n"
	"	movq 17*8(%rdi), %rax\n"
	"	movq %rax, 15*8(%rsi)\n"
	"	movq 16*8(%rdi), %rax\n"
	"	movq %rax, 16*8(%rsi)\n"
	"	movq %rsi, %rsp\n"
	"	popq %r8\n"
	"	popq %r9\n"
	"	popq %r10\n"
	"	popq %r11\n"
	"	popq %r12\n"
	"	popq %r13\n"
	"	popq %r14\n"
	"	popq %r15\n"
	"	popq %rsi\n"
	"	popq %rbp\n"
	"	popq %rbx\n"
	"	popq %rdx\n"
	"	popq %rax\n"
	"	popq %rcx\n"
	"	popq %rdi\n"
	"	popfq\n"
	"	ret $128\n"
	/* The restorer for our own rt_sigaction: rt_sigreturn. */
	".globl ringer_preload_restore_rt\n"
	".hidden ringer_preload_restore_rt\n"
	"ringer_preload_restore_rt:\n"
	"	movq $15, %rax\n"
	"	syscall\n"
	"	hlt\n");

extern const char ringer_preload_stub_begin[], ringer_preload_stub_ret[], ringer_preload_stub_end[];
extern void ringer_preload_restore_rt(void);

stub_fn shim_stub;
uintptr_t shim_stub_ip; /* the allowed instruction_pointer */

#define KSA_RESTORER 0x04000000UL

/* The shim's state (preload.h says what each is). */
enum ringer_backend shim_backend;
bool shim_debug;
bool shim_stats;
_Atomic unsigned long n_traps, n_engine_rings, n_kernel_rings;
_Atomic unsigned fork_gen;
bool ringer_preload_active;

/*
 * The program's own SIGSYS disposition.  The kernel's stays ours; the
 * program's sigaction(SIGSYS) is recorded here and called for any SIGSYS our
 * filter did not raise.
 */
pthread_mutex_t ringer_preload_app_lock = PTHREAD_MUTEX_INITIALIZER;
struct sigaction ringer_preload_app_sigsys; /* sa_handler SIG_DFL until the program sets one */

/* A line to stderr with one write(2), safe in the SIGSYS handler. */
static void vsay(const char *fmt, va_list ap)
{
	char buf[256];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		shim_stub(SYS_write, 2, (long)buf, n, 0, 0, 0);
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void dbg(const char *fmt, ...)
{
	va_list ap;

	if (!shim_debug)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
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
	shim_stub = (stub_fn)page;
	shim_stub_ip =
		(uintptr_t)page + (uintptr_t)(ringer_preload_stub_ret - ringer_preload_stub_begin);
	return 0;
}

static int install_filter(void)
{
	uint32_t lo = (uint32_t)shim_stub_ip, hi = (uint32_t)(shim_stub_ip >> 32);
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
	const struct sigaction *app = &ringer_preload_app_sigsys;
	struct ksigaction act;

	memset(&act, 0, sizeof(act));
	act.handler = (void *)on_sigsys;
	act.flags = SA_SIGINFO | SA_NODEFER | KSA_RESTORER;
	if (app->sa_handler == SIG_DFL || app->sa_handler == SIG_IGN || (app->sa_flags & SA_RESTART))
		act.flags |= SA_RESTART;
	act.restorer = ringer_preload_restore_rt;
	return (int)sys(SYS_rt_sigaction, SIGSYS, (long)&act, 0, 8, 0, 0);
}

void ringer_preload_app_sigsys_changed(void)
{
	install_handler();
}

#define ARCH_SHSTK_STATUS_OP 0x5005
#define ARCH_SHSTK_SHSTK_BIT 0x1

/*
 * May traps end without rt_sigreturn (sigsys.c, resume())?  Not with a user
 * shadow stack (CET): it holds a token per signal frame that only
 * rt_sigreturn pops (a kernel without shadow stacks refuses the query).  Nor
 * in a sanitizer build: ASan's stack poisoning and TSan's shadow call stack
 * are unwound only by the handler's return.
 */
static bool resume_allowed(void)
{
	unsigned long features = 0;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return false;
#endif
	return sys(SYS_arch_prctl, ARCH_SHSTK_STATUS_OP, (long)&features, 0, 0, 0, 0) != 0 ||
	       !(features & ARCH_SHSTK_SHSTK_BIT);
}

/*
 * The pid whose counts n_traps and friends are, or 0 once they are printed:
 * a vfork child shares them with its parent and runs no atfork handler, so
 * its _exit() must neither print them nor mark them printed.
 */
static _Atomic int stats_pid;

static void at_fork_child(void)
{
	atomic_fetch_add_explicit(&fork_gen, 1, memory_order_relaxed);
	rings_forked();
	/* The child counts its own calls. */
	atomic_store_explicit(&n_traps, 0, memory_order_relaxed);
	atomic_store_explicit(&n_engine_rings, 0, memory_order_relaxed);
	atomic_store_explicit(&n_kernel_rings, 0, memory_order_relaxed);
	atomic_store_explicit(&stats_pid, (int)sys(SYS_getpid, 0, 0, 0, 0, 0, 0),
			      memory_order_relaxed);
}

/*
 * This process's counts, once, under RINGER_PRELOAD_STATS: from the
 * destructor (exit()) or from _exit(), which forked children call (fio's
 * job processes do) and which runs no destructor.  One write(2): stdio may
 * be in any state in a child that calls _exit().
 */
static void print_stats(void)
{
	int pid, owner;

	if (!ringer_preload_active || !shim_stats)
		return;
	pid = (int)sys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	owner = pid;
	if (!atomic_compare_exchange_strong(&stats_pid, &owner, 0))
		return;
	say("ringer-preload: pid %d: %lu traps, %lu engine rings, %lu kernel rings\n", pid,
	    atomic_load(&n_traps), atomic_load(&n_engine_rings), atomic_load(&n_kernel_rings));
}

/* At exit: the rings the program left (rings_release_all()), the counts. */
__attribute__((destructor)) static void preload_fini(void)
{
	if (!ringer_preload_active)
		return;
	rings_release_all();
	print_stats();
}

/*
 * _exit() and _Exit() (one function in glibc, two names) print the counts
 * and end the process as glibc's does.  exit() reaches the kernel through
 * glibc's internal _exit, not through these, so the destructor prints
 * instead.  The rings are left to the kernel, as _exit() leaves everything.
 */
__attribute__((visibility("default"), noreturn)) void _exit(int status)
{
	print_stats();
	for (;;)
		syscall(SYS_exit_group, status);
}

__attribute__((visibility("default"), noreturn)) void _Exit(int status)
{
	_exit(status);
}

__attribute__((constructor)) static void preload_init(void)
{
	struct ksigaction old;
	bool injected;

	ringer_preload_signals_init();
	shim_debug = getenv("RINGER_PRELOAD_DEBUG") != NULL;
	shim_stats = getenv("RINGER_PRELOAD_STATS") != NULL;
	injected = exec_init();
	/* RINGER_FAULTS refused (faults.c said which rule, where): the
	 * program must not run with rules other than those meant */
	if (faults_init())
		exit(2);
	/* An injected shim only keeps the program alive: the kernel serves it. */
	shim_backend = injected ? RINGER_BACKEND_KERNEL : ringer__backend_from_env();

	if (map_stub()) {
		fprintf(stderr, "ringer-preload: cannot map the system call stub; not active\n");
		return;
	}
	unsetenv(ENV_STUB);

	/* The program's SIGSYS disposition so far, if any, becomes the one chained to. */
	if (sys(SYS_rt_sigaction, SIGSYS, 0, (long)&old, 8, 0, 0) == 0 && old.handler != SIG_DFL) {
		struct sigaction *app = &ringer_preload_app_sigsys;

		app->sa_handler = (sighandler_t)old.handler;
		app->sa_flags = (int)old.flags;
		memcpy(&app->sa_mask, &old.mask, sizeof(old.mask));
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
	ringer_preload_resume_ok = resume_allowed();
	pthread_atfork(NULL, NULL, at_fork_child);
	rings_init();
	find_libc_ranges();
	if (install_filter()) {
		fprintf(stderr,
			"ringer-preload: cannot install the seccomp filter: %s; not active\n",
			strerror(errno));
		return;
	}
	atomic_store(&stats_pid, (int)getpid());
	ringer_preload_active = true;
	dbg("ringer-preload: active, backend %s%s, stub at %p\n",
	    ringer_backend_name(shim_backend), injected ? " (inherited through exec)" : "",
	    (void *)shim_stub);
}
