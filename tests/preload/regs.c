/* SPDX-License-Identifier: MIT */
/*
 * A trapped io_uring_enter returns with the registers a system call leaves:
 * its result in rax, rcx and r11 clobbered, every other general register,
 * the flags, and the SSE and AVX registers as they were.  The shim serves the
 * call in a SIGSYS handler (C code that uses these registers) and returns
 * from it in user space where it can (sigsys.c, resume()), so this is
 * checked on a ring, on a fd that is not one, and while a SIGALRM handler
 * that uses the vector registers interrupts the loop.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

/* gpr: the system call number, then the registers in trapcall's order. */
enum { NGPR = 13 };
struct regs {
	uint64_t gpr[NGPR];
	uint64_t flags;
	uint64_t pad[2];
	uint8_t vec[16][32] __attribute__((aligned(32)));
};

/*
 * trapcall(in, out): loads every register from *in (the vector registers
 * with 16 bytes each, or 32 with AVX), sets the carry flag, makes the system
 * call, and stores them all in *out.
 */
#define LOAD_GPRS                                  \
	"	push %rbx\n"                       \
	"	push %rbp\n"                       \
	"	push %r12\n"                       \
	"	push %r13\n"                       \
	"	push %r14\n"                       \
	"	push %r15\n"                       \
	"	push %rsi\n"                       \
	"	mov 0*8(%rdi), %rax\n"             \
	"	mov 1*8(%rdi), %rbx\n"             \
	"	mov 2*8(%rdi), %rbp\n"             \
	"	mov 3*8(%rdi), %r12\n"             \
	"	mov 4*8(%rdi), %r13\n"             \
	"	mov 5*8(%rdi), %r14\n"             \
	"	mov 6*8(%rdi), %r15\n"             \
	"	mov 7*8(%rdi), %rsi\n"             \
	"	mov 8*8(%rdi), %rdx\n"             \
	"	mov 9*8(%rdi), %r10\n"             \
	"	mov 10*8(%rdi), %r8\n"             \
	"	mov 11*8(%rdi), %r9\n"             \
	"	mov 12*8(%rdi), %rdi\n"            \
	"	stc\n"                             \
	"	syscall\n"                         \
	"	pushfq\n"                          \
	"	xchg %rdi, 8(%rsp)\n"              \
	"	mov %rax, 0*8(%rdi)\n"             \
	"	mov %rbx, 1*8(%rdi)\n"             \
	"	mov %rbp, 2*8(%rdi)\n"             \
	"	mov %r12, 3*8(%rdi)\n"             \
	"	mov %r13, 4*8(%rdi)\n"             \
	"	mov %r14, 5*8(%rdi)\n"             \
	"	mov %r15, 6*8(%rdi)\n"             \
	"	mov %rsi, 7*8(%rdi)\n"             \
	"	mov %rdx, 8*8(%rdi)\n"             \
	"	mov %r10, 9*8(%rdi)\n"             \
	"	mov %r8, 10*8(%rdi)\n"             \
	"	mov %r9, 11*8(%rdi)\n"             \
	"	pop %rax\n"                        \
	"	mov %rax, 13*8(%rdi)\n"            \
	"	pop %rax\n"                        \
	"	mov %rax, 12*8(%rdi)\n"

#define VECS_IN(op, x)                                                                           \
	"	" op " 0*32+128(%rdi), %" x "0\n	" op " 1*32+128(%rdi), %" x "1\n"            \
	"	" op " 2*32+128(%rdi), %" x "2\n	" op " 3*32+128(%rdi), %" x "3\n"            \
	"	" op " 4*32+128(%rdi), %" x "4\n	" op " 5*32+128(%rdi), %" x "5\n"            \
	"	" op " 6*32+128(%rdi), %" x "6\n	" op " 7*32+128(%rdi), %" x "7\n"            \
	"	" op " 8*32+128(%rdi), %" x "8\n	" op " 9*32+128(%rdi), %" x "9\n"            \
	"	" op " 10*32+128(%rdi), %" x "10\n	" op " 11*32+128(%rdi), %" x "11\n"          \
	"	" op " 12*32+128(%rdi), %" x "12\n	" op " 13*32+128(%rdi), %" x "13\n"          \
	"	" op " 14*32+128(%rdi), %" x "14\n	" op " 15*32+128(%rdi), %" x "15\n"
#define VECS_OUT(op, x)                                                                          \
	"	" op " %" x "0, 0*32+128(%rdi)\n	" op " %" x "1, 1*32+128(%rdi)\n"            \
	"	" op " %" x "2, 2*32+128(%rdi)\n	" op " %" x "3, 3*32+128(%rdi)\n"            \
	"	" op " %" x "4, 4*32+128(%rdi)\n	" op " %" x "5, 5*32+128(%rdi)\n"            \
	"	" op " %" x "6, 6*32+128(%rdi)\n	" op " %" x "7, 7*32+128(%rdi)\n"            \
	"	" op " %" x "8, 8*32+128(%rdi)\n	" op " %" x "9, 9*32+128(%rdi)\n"            \
	"	" op " %" x "10, 10*32+128(%rdi)\n	" op " %" x "11, 11*32+128(%rdi)\n"          \
	"	" op " %" x "12, 12*32+128(%rdi)\n	" op " %" x "13, 13*32+128(%rdi)\n"          \
	"	" op " %" x "14, 14*32+128(%rdi)\n	" op " %" x "15, 15*32+128(%rdi)\n"

/* The output's vector area is reached after the GPRs are stored: rdi is out again. */
#define TRAPCALL(name, op, x)                                   \
	".text\n"                                               \
	".type " name ",@function\n" name ":\n" VECS_IN(op, x) \
		LOAD_GPRS VECS_OUT(op, x) "	pop %r15\n"        \
	"	pop %r14\n"                                     \
	"	pop %r13\n"                                     \
	"	pop %r12\n"                                     \
	"	pop %rbp\n"                                     \
	"	pop %rbx\n"                                     \
	"	ret\n"                                          \
	".size " name ", .-" name "\n"

__asm__(TRAPCALL("trapcall_sse", "movdqu", "xmm") TRAPCALL("trapcall_avx", "vmovdqu", "ymm"));
void trapcall_sse(const struct regs *in, struct regs *out);
void trapcall_avx(const struct regs *in, struct regs *out);

static volatile sig_atomic_t alarms;

/* Uses the vector registers, as any handler's compiled code may. */
static void on_alarm(int sig)
{
	volatile double x = 1.25;

	(void)sig;
	for (int i = 0; i < 8; i++)
		x = x * 1.5 + (double)i;
	alarms++;
}

static uint64_t pattern(unsigned i, unsigned k)
{
	return 0x9e3779b97f4a7c15ULL * (i * 64 + k + 1);
}

/* One call with fresh patterns; every register but rax, rcx and r11 must hold. */
static void check(bool avx, int fd, long want, unsigned iter)
{
	static struct regs in, out;
	unsigned vlen = avx ? 32 : 16;

	for (unsigned k = 1; k < NGPR; k++)
		in.gpr[k] = pattern(iter, k);
	/* io_uring_enter(fd, 0, 0, 0, NULL, 0): rdi, rsi, rdx, r10, r8, r9 */
	in.gpr[0] = __NR_io_uring_enter;
	in.gpr[12] = (uint64_t)fd;
	in.gpr[7] = 0;
	in.gpr[8] = 0;
	in.gpr[9] = 0;
	in.gpr[10] = 0;
	in.gpr[11] = 0;
	for (unsigned v = 0; v < 16; v++)
		for (unsigned b = 0; b < 32; b++)
			in.vec[v][b] = (uint8_t)(pattern(iter, v + 16) >> (b % 8 * 8)) ^ (uint8_t)b;
	memset(&out, 0, sizeof(out));
	if (avx)
		trapcall_avx(&in, &out);
	else
		trapcall_sse(&in, &out);
	REQUIRE_MSG((long)out.gpr[0] == want, "fd %d: result %ld, expected %ld", fd,
		    (long)out.gpr[0], want);
	for (unsigned k = 1; k < NGPR; k++)
		REQUIRE_MSG(out.gpr[k] == in.gpr[k], "fd %d, call %u: register %u changed", fd, iter,
			    k);
	REQUIRE_MSG(out.flags & 1, "fd %d, call %u: carry flag lost", fd, iter);
	for (unsigned v = 0; v < 16; v++)
		REQUIRE_MSG(!memcmp(out.vec[v], in.vec[v], vlen), "fd %d, call %u: %s%u changed", fd,
			    iter, avx ? "ymm" : "xmm", v);
}

int main(void)
{
	struct raw_ring r;
	struct sigaction sa;
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	bool avx = __builtin_cpu_supports("avx");

	setup_or_skip(&r, 8);
	expect_kind(r.fd);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	REQUIRE_MSG(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < 2000; i++) {
			check(false, r.fd, 0, i);
			check(false, -1, -EBADF, i);
			if (avx) {
				check(true, r.fd, 0, i);
				check(true, -1, -EBADF, i);
			}
		}
		/* The second pass under a stream of signals. */
		REQUIRE_MSG(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("regs: %s, %d alarms\n", avx ? "sse and avx" : "sse", (int)alarms);
	raw_ring_exit(&r);
	return 0;
}
