/* SPDX-License-Identifier: MIT */
/*
 * What differs between the architectures ringer builds for, in one place:
 * the raw system call, the spin-wait hint, and the top of user space.
 *
 * arch_syscall6() enters the kernel directly and returns its result as the
 * kernel does (-errno on failure) without touching errno.  Inline assembly on
 * x86-64 and aarch64 (ARCH_RAW_SYSCALL is 1): no libc wrapper, with its
 * cancellation point and errno, on the hot paths that use it.  Elsewhere it
 * is libc's syscall() with errno saved and restored.
 */
#ifndef RINGER_ARCH_H
#define RINGER_ARCH_H

#include <errno.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)

#define ARCH_RAW_SYSCALL 1

static inline long arch_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	/* the syscall instruction clobbers rcx (return address) and r11 (flags) */
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline void arch_cpu_relax(void)
{
	__builtin_ia32_pause();
}

/* TASK_SIZE_MAX with 4-level paging: the last page below 2^47 is a guard */
#define ARCH_USER_END 0x00007ffffffff000ULL

#elif defined(__aarch64__)

#define ARCH_RAW_SYSCALL 1

static inline long arch_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a1;
	register long x1 __asm__("x1") = a2;
	register long x2 __asm__("x2") = a3;
	register long x3 __asm__("x3") = a4;
	register long x4 __asm__("x4") = a5;
	register long x5 __asm__("x5") = a6;

	/* the result comes back in x0; no other register is clobbered */
	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}

static inline void arch_cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

/* TASK_SIZE with 48-bit virtual addresses (the arm64 default) */
#define ARCH_USER_END	 0x0001000000000000ULL

#else

#define ARCH_RAW_SYSCALL 0

static inline long arch_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	int saved = errno;
	long ret = syscall(nr, a1, a2, a3, a4, a5, a6);

	if (ret < 0)
		ret = -errno;
	errno = saved;
	return ret;
}

static inline void arch_cpu_relax(void)
{
	atomic_signal_fence(memory_order_seq_cst);
}

/* no bound known: range checks only catch wrap-around */
#define ARCH_USER_END	 (~0ULL)

#endif

#endif /* RINGER_ARCH_H */
