// SPDX-License-Identifier: MIT
/*
 * Rings on different threads share nothing on the hot path: two threads,
 * a ring each, one file descriptor between them (as a program's worker
 * threads have), cached reads (READ; READV with process_vm_readv refused;
 * READ on SQPOLL rings) and NOPs.  Once the rings are warm (their
 * AIO contexts, request caches and per-fd hints made), a window opens in
 * which:
 *  - no mutex is locked by both threads: pthread_mutex_lock and _trylock
 *    are defined here, ahead of libc's, and note each mutex a ring thread
 *    takes (a per-ring lock is one thread's; a process-wide one shows in
 *    both lists);
 *  - nothing writes to the library's own writable data (.data and .bss,
 *    globals and statics: counters, tables, locks): it is made read-only,
 *    and each write that faults is noted with the instruction that made it
 *    (x86-64, which steps over the write with the trap flag to protect the
 *    page again).  A global written per request is a cache line that the
 *    two CPUs pass back and forth.
 * Not timing: the test fails on the first shared lock or global write,
 * whatever the machine's load.  The report gives offsets in libringer.so:
 * `addr2line -f -e build/libringer.so.0 OFFSET` names the variable's writer.
 * Runs on both backends (on the kernel's, it checks the library's side).
 */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "harness.h"
#include "ringer/fault.h"

#define NR_THREADS 2
#define DEPTH 32
#define BS 4096
#define FILE_BLOCKS 256 /* 1 MiB */
#define WARM_BATCHES 600 /* past the fd hint's relearning period, twice */
#define RUN_BATCHES 1200

/* ---- the locks a ring thread takes ------------------------------------- */

#define MAX_LOCKS 64

struct lockset {
	const void *addr[MAX_LOCKS];
	unsigned n;
	bool overflow;
};

static int (*real_lock)(pthread_mutex_t *);
static int (*real_trylock)(pthread_mutex_t *);
static _Thread_local struct lockset *my_locks;
static atomic_bool recording;

__attribute__((constructor)) static void find_real_locks(void)
{
	real_lock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_lock");
	real_trylock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_trylock");
}

static void note_lock(const void *m)
{
	struct lockset *s = my_locks;

	if (!s || !atomic_load_explicit(&recording, memory_order_relaxed))
		return;
	for (unsigned i = 0; i < s->n; i++)
		if (s->addr[i] == m)
			return;
	if (s->n == MAX_LOCKS)
		s->overflow = true;
	else
		s->addr[s->n++] = m;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	note_lock(m);
	return real_lock(m);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	note_lock(m);
	return real_trylock(m);
}

/* ---- writes to the library's data --------------------------------------- */

#define MAX_WRITES 32

static uintptr_t lib_base, data_lo, data_hi; /* page-aligned [lo, hi) */
static uintptr_t ldso_lo, ldso_hi; /* the dynamic linker's lazy binding writes */
static long page_size;
static struct {
	uintptr_t addr, ip;
} writes[MAX_WRITES];
static atomic_uint nr_writes;
static atomic_bool protecting;

struct find_arg {
	const char *lib; /* the path dladdr gave for the library */
	uintptr_t ldso_base;
};

static int find_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct find_arg *fa = arg;
	uintptr_t relro_end = 0, lo = 0, hi = 0;

	(void)size;
	if (info->dlpi_addr == fa->ldso_base) {
		for (int i = 0; i < info->dlpi_phnum; i++) {
			const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
			uintptr_t end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;

			if (ph->p_type == PT_LOAD && end > ldso_hi)
				ldso_hi = end;
		}
		ldso_lo = info->dlpi_addr;
		return 0;
	}
	if (!info->dlpi_name || strcmp(info->dlpi_name, fa->lib))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) {
			lo = start;
			hi = start + ph->p_memsz;
		} else if (ph->p_type == PT_GNU_RELRO) {
			relro_end = start + ph->p_memsz;
		}
	}
	if (relro_end > lo)
		lo = relro_end; /* read-only already after relocation */
	/* the page holding the end of RELRO is writable: ld.so rounds down */
	data_lo = lo & ~(uintptr_t)(page_size - 1);
	data_hi = (hi + (uintptr_t)page_size - 1) & ~(uintptr_t)(page_size - 1);
	lib_base = info->dlpi_addr;
	return 0;
}

#if defined(__x86_64__)
#define CAN_WATCH_WRITES 1
#define TRAP_FLAG 0x100

static _Thread_local uintptr_t reprotect_page; /* on_segv() to on_trap() */

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uintptr_t a = (uintptr_t)si->si_addr, ip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t page = a & ~(uintptr_t)(page_size - 1);

	(void)sig;
	if (a < data_lo || a >= data_hi) {
		signal(SIGSEGV, SIG_DFL); /* a real crash: fault again, unhandled */
		return;
	}
	if (!atomic_load(&protecting)) {
		/* a page protected again by a late on_trap() after the window */
		mprotect((void *)page, (size_t)page_size, PROT_READ | PROT_WRITE);
		return;
	}
	if (ip < ldso_lo || ip >= ldso_hi) {
		unsigned i = atomic_fetch_add(&nr_writes, 1);

		if (i < MAX_WRITES) {
			writes[i].addr = a;
			writes[i].ip = ip;
		}
	}
	/* let this write through, then protect the page again (on_trap()) */
	mprotect((void *)page, (size_t)page_size, PROT_READ | PROT_WRITE);
	reprotect_page = page;
	uc->uc_mcontext.gregs[REG_EFL] |= TRAP_FLAG;
}

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)TRAP_FLAG;
	if (reprotect_page && atomic_load(&protecting))
		mprotect((void *)reprotect_page, (size_t)page_size, PROT_READ);
	reprotect_page = 0;
}
#else
#define CAN_WATCH_WRITES 0
#endif

/* Where the library's writable data is: false if it cannot be found. */
static bool find_lib_data(void)
{
	struct find_arg fa = { .ldso_base = (uintptr_t)getauxval(AT_BASE) };
	Dl_info di;

	page_size = sysconf(_SC_PAGESIZE);
	if (!dladdr((void *)io_uring_queue_init, &di) || !di.dli_fname)
		return false;
	fa.lib = di.dli_fname;
	dl_iterate_phdr(find_segments, &fa);
	return data_hi > data_lo;
}

static void protect_lib_data(bool on)
{
	atomic_store(&protecting, on);
	mprotect((void *)data_lo, data_hi - data_lo, on ? PROT_READ : PROT_READ | PROT_WRITE);
}

/* ---- the workload -------------------------------------------------------- */

/* WORK_READV_PIPE: READV with process_vm_readv refused (a sandbox): the
 * engine reads each iovec array through a pipe (umem.c) */
enum work { WORK_READS, WORK_NOPS, WORK_READV_PIPE };

struct thread_arg {
	int id;
	int fd;
	enum work work;
	unsigned ring_flags; /* IORING_SETUP_* */
	pthread_barrier_t *bar;
	struct lockset locks;
	int err; /* first unexpected result, or 0 */
	const char *what;
};

static uint32_t block_word(unsigned block)
{
	return 0x9e3779b9U * (block + 1);
}

/* one batch of DEPTH requests, submitted and reaped; false on a bad result */
static bool batch(struct io_uring *ring, struct thread_arg *a, char *bufs, unsigned *rng)
{
	struct iovec iov[DEPTH];
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	int ret;

	for (unsigned i = 0; i < DEPTH; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		/* SQPOLL: the poller may post the CQEs before it moves the SQ head */
		while (!sqe) {
			ret = io_uring_sqring_wait(ring);
			if (ret < 0) {
				a->err = ret;
				a->what = "io_uring_sqring_wait";
				return false;
			}
			sqe = io_uring_get_sqe(ring);
		}

		if (a->work == WORK_NOPS) {
			io_uring_prep_nop(sqe);
			sqe->user_data = i;
		} else {
			unsigned block;

			*rng = *rng * 1103515245U + 12345U;
			block = (*rng >> 8) % FILE_BLOCKS;
			iov[i].iov_base = bufs + (size_t)i * BS;
			iov[i].iov_len = BS;
			if (a->work == WORK_READV_PIPE)
				io_uring_prep_readv(sqe, a->fd, &iov[i], 1, (uint64_t)block * BS);
			else
				io_uring_prep_read(sqe, a->fd, iov[i].iov_base, BS,
						   (uint64_t)block * BS);
			sqe->user_data = ((uint64_t)block << 8) | i;
		}
	}
	ret = io_uring_submit_and_wait(ring, DEPTH);
	if (ret != DEPTH) {
		a->err = ret;
		a->what = "io_uring_submit_and_wait";
		return false;
	}
	while (seen < DEPTH) {
		if (io_uring_peek_cqe(ring, &cqe)) {
			ret = io_uring_wait_cqe(ring, &cqe);
			if (ret) {
				a->err = ret;
				a->what = "io_uring_wait_cqe";
				return false;
			}
		}
		io_uring_for_each_cqe(ring, head, cqe) {
			unsigned slot = (unsigned)(cqe->user_data & 0xff);
			int want = a->work == WORK_NOPS ? 0 : BS;

			if (cqe->res != want ||
			    (a->work != WORK_NOPS &&
			     *(uint32_t *)(bufs + (size_t)slot * BS) !=
				     block_word((unsigned)(cqe->user_data >> 8)))) {
				a->err = cqe->res == want ? -EIO : cqe->res;
				a->what = "a CQE";
				return false;
			}
			seen++;
		}
		io_uring_cq_advance(ring, seen);
	}
	return true;
}

static void *ring_thread(void *arg)
{
	struct thread_arg *a = arg;
	struct io_uring ring;
	unsigned rng = 1 + (unsigned)a->id;
	bool ok = false;
	char *bufs = NULL;
	int ret;

	ret = io_uring_queue_init(DEPTH, &ring, a->ring_flags);
	if (ret < 0) {
		a->err = ret;
		a->what = "io_uring_queue_init";
	} else if (posix_memalign((void **)&bufs, 4096, (size_t)DEPTH * BS)) {
		a->err = -ENOMEM;
		a->what = "posix_memalign";
	} else {
		ok = true;
		for (unsigned i = 0; ok && i < WARM_BATCHES; i++)
			ok = batch(&ring, a, bufs, &rng);
	}
	/* the window: the main thread protects the data between the barriers */
	pthread_barrier_wait(a->bar);
	pthread_barrier_wait(a->bar);
	my_locks = &a->locks;
	for (unsigned i = 0; ok && i < RUN_BATCHES; i++)
		ok = batch(&ring, a, bufs, &rng);
	my_locks = NULL;
	pthread_barrier_wait(a->bar);
	pthread_barrier_wait(a->bar);
	if (ret >= 0)
		io_uring_queue_exit(&ring);
	free(bufs);
	return NULL;
}

static void run_window(enum work work, unsigned ring_flags)
{
	struct thread_arg args[NR_THREADS];
	pthread_t th[NR_THREADS];
	pthread_barrier_t bar;
	bool watch = CAN_WATCH_WRITES && find_lib_data();
	unsigned shared = 0;
	int fd = -1;

	if (work != WORK_NOPS) {
		static uint32_t blk[BS / 4];

		fd = test_tmpfile(NULL);
		for (unsigned b = 0; b < FILE_BLOCKS; b++) {
			for (unsigned i = 0; i < BS / 4; i++)
				blk[i] = block_word(b);
			REQUIRE_EQ(pwrite(fd, blk, BS, (off_t)b * BS), BS);
		}
	}
	if (!watch)
		printf("# writes to the library's data are not watched on this machine\n");
#if CAN_WATCH_WRITES
	if (watch) {
		struct sigaction sa = { .sa_flags = SA_SIGINFO };

		sigemptyset(&sa.sa_mask);
		sa.sa_sigaction = on_segv;
		REQUIRE_SYS(sigaction(SIGSEGV, &sa, NULL));
		sa.sa_sigaction = on_trap;
		REQUIRE_SYS(sigaction(SIGTRAP, &sa, NULL));
	}
#endif
	/* refused from the first READV of the warm-up on (engine rings only) */
	if (work == WORK_READV_PIPE && test_backend_is("user"))
		REQUIRE_EQ(ringer_fault_error("process_vm_readv", EPERM, RINGER_FAULT_ALWAYS), 0);
	atomic_store(&nr_writes, 0);
	pthread_barrier_init(&bar, NULL, NR_THREADS + 1);
	for (int i = 0; i < NR_THREADS; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].id = i;
		args[i].fd = fd;
		args[i].work = work;
		args[i].ring_flags = ring_flags;
		args[i].bar = &bar;
		REQUIRE_EQ(pthread_create(&th[i], NULL, ring_thread, &args[i]), 0);
	}
	pthread_barrier_wait(&bar); /* warm */
	/* the engine stays on the pipe once refused; an armed fault would
	 * send every system call of the engine through the fault table's lock */
	if (work == WORK_READV_PIPE && test_backend_is("user")) {
		CHECK_MSG(ringer_fault_hits("process_vm_readv") >= 1, "the pipe is used");
		ringer_fault_reset();
	}
	atomic_store(&recording, true);
	if (watch)
		protect_lib_data(true);
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar); /* done */
	if (watch)
		protect_lib_data(false);
	atomic_store(&recording, false);
	pthread_barrier_wait(&bar);
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&bar);
	if (watch) {
		signal(SIGSEGV, SIG_DFL);
		signal(SIGTRAP, SIG_DFL);
	}
	if (fd >= 0)
		close(fd);

	for (int i = 0; i < NR_THREADS; i++) {
		CHECK_MSG(!args[i].err, "thread %d: %s: %d", i, args[i].what, args[i].err);
		CHECK_FALSE(args[i].locks.overflow);
	}
	/* a process-wide lock: taken by both ring threads */
	for (unsigned i = 0; i < args[0].locks.n; i++)
		for (unsigned j = 0; j < args[1].locks.n; j++)
			if (args[0].locks.addr[i] == args[1].locks.addr[j]) {
				uintptr_t m = (uintptr_t)args[0].locks.addr[i];

				shared++;
				if (m >= data_lo && m < data_hi)
					printf("# shared lock: libringer.so+0x%lx\n",
					       (unsigned long)(m - lib_base));
				else
					printf("# shared lock at %p (not a global of the library)\n",
					       (void *)m);
			}
	CHECK_EQ_U(shared, 0);
	/* the user engine's rings take their own locks: the hook sees them */
	if (test_backend_is("user"))
		CHECK_MSG(args[0].locks.n && args[1].locks.n,
			  "no lock seen: pthread_mutex_lock is not interposed (%u, %u)",
			  args[0].locks.n, args[1].locks.n);
	if (watch) {
		unsigned n = atomic_load(&nr_writes);

		for (unsigned i = 0; i < n && i < MAX_WRITES; i++) {
			bool again = false;

			for (unsigned j = 0; j < i && !again; j++)
				again = writes[j].addr == writes[i].addr && writes[j].ip == writes[i].ip;
			if (again)
				continue;
			if (writes[i].ip >= lib_base && writes[i].ip < data_hi)
				printf("# write to libringer.so+0x%lx by the instruction at "
				       "libringer.so+0x%lx\n",
				       (unsigned long)(writes[i].addr - lib_base),
				       (unsigned long)(writes[i].ip - lib_base));
			else
				printf("# write to libringer.so+0x%lx by the instruction at %p\n",
				       (unsigned long)(writes[i].addr - lib_base),
				       (void *)writes[i].ip);
		}
		CHECK_EQ_U(n, 0);
	}
}

TEST(cached_reads_two_rings)
{
	run_window(WORK_READS, 0);
}

TEST(nops_two_rings)
{
	run_window(WORK_NOPS, 0);
}

/* the poller threads are the rings' own: the app threads only wait */
TEST(sqpoll_reads_two_rings)
{
	struct io_uring probe;
	int ret = io_uring_queue_init(4, &probe, IORING_SETUP_SQPOLL);

	if (ret == -EPERM)
		SKIP_CASE(SKIP_KERNEL_LACKS, "SQPOLL needs privileges on this kernel");
	REQUIRE_EQ(ret, 0);
	io_uring_queue_exit(&probe);
	run_window(WORK_READS, IORING_SETUP_SQPOLL);
}

TEST(readv_through_copy_pipes_two_rings)
{
	run_window(WORK_READV_PIPE, 0);
}

/* The watch itself: a write to the library's data in the window is seen. */
TEST(watch_sees_a_global_write)
{
#if CAN_WATCH_WRITES
	struct sigaction sa = { .sa_flags = SA_SIGINFO };

	if (!find_lib_data())
		SKIP_CASE(SKIP_ENVIRONMENT, "the library's data segment not found");
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_segv;
	REQUIRE_SYS(sigaction(SIGSEGV, &sa, NULL));
	sa.sa_sigaction = on_trap;
	REQUIRE_SYS(sigaction(SIGTRAP, &sa, NULL));
	atomic_store(&nr_writes, 0);
	protect_lib_data(true);
	/* the backend choice is a global of the library's (policy.c) */
	ringer_set_backend(ringer_get_backend());
	protect_lib_data(false);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGTRAP, SIG_DFL);
	CHECK_GE_U(atomic_load(&nr_writes), 1);
#else
	SKIP_CASE(SKIP_ENVIRONMENT, "writes are watched on x86-64 only");
#endif
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(cached_reads_two_rings),
		TEST_ENTRY(nops_two_rings),
		TEST_ENTRY(readv_through_copy_pipes_two_rings),
		TEST_ENTRY(sqpoll_reads_two_rings),
		TEST_ENTRY(watch_sees_a_global_write),
	};
	struct io_uring probe;
	int ret = io_uring_queue_init(1, &probe, 0);

	test_skip_if_refused(ret, "io_uring_queue_init");
	if (ret == 0)
		io_uring_queue_exit(&probe);
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
