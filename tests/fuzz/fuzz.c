// SPDX-License-Identifier: MIT
/*
 * A differential fuzzer: random batches of SQEs run on a kernel ring and on
 * a user-engine ring in one process, each ring with its own identical set of
 * files, and everything observable compared: submit return values, the CQEs
 * of every user_data (res, flags, how many), the order io_uring guarantees
 * (within a link chain; a drained request after everything submitted before
 * it), the bytes read and the files written, the SQ dropped and CQ overflow
 * counters.
 *
 * Every batch is built from (seed, batch number) alone, on fresh files,
 * pipes and sockets, so any batch can be replayed by itself:
 *   fuzz --seed N --replay-batch K
 *
 * Determinism by construction (the kernel is the oracle, so a batch must have
 * one right answer):
 *  - pipes and sockets are prefilled, reads never ask for more than is there
 *    and writes never more than fits: nothing waits for data;
 *  - writes to regular files never extend them and write bytes that depend
 *    only on (batch, file, offset), so overlapping writes commute; bytes read
 *    are compared only where no write of the batch overlaps them;
 *  - a POLL_ADD that cannot fire (events a pipe end never reports, multishot)
 *    is paired with a POLL_REMOVE (or an ASYNC_CANCEL whose key names it
 *    alone) that is sure to run after it is armed: it
 *    is armed at submission (no ASYNC, no DRAIN, not a link successor, no
 *    drain in the batch) and its remover is a standalone request;
 *  - the file position (offset -1) is used at most once per open file.
 * Known divergences are in divergences.h: the one list, shared with docs/.
 * A run's ring configuration (SQE128, CQE32, CQE_MIXED, DEFER_TASKRUN,
 * TASKRUN_FLAG, NO_MMAP, restrictions): cfg_of_seed(), apply_config().
 *
 * Exit: 0 no divergence outside the list, 1 divergence, 77 the kernel refuses
 * io_uring.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ringer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <time.h>
#include <unistd.h>

#ifndef RWF_HIPRI
#define RWF_HIPRI 0x1
#define RWF_DSYNC 0x2
#define RWF_SYNC 0x4
#define RWF_NOWAIT 0x8
#define RWF_APPEND 0x10
#endif
#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif

#define MAX_OPS 128
#define NR_REGBUF 4
#define REGBUF_SIZE (128 * 1024)
#define ARENA_SIZE (1024 * 1024)
#define PAGE 4096
#define MAXIOV 8
#define STREAM_PREFILL 8192
#define STREAM_READ_BUDGET 7168 /* below the prefill: a stream stays readable */
#define STREAM_WRITE_BUDGET 12288
#define STREAM_IO_MAX 2048
#define UD_BASE 0x5eed0000ULL
#define UD_BOGUS 0xdead0000ULL
#define UD_FENCE 0xfe7ce000ULL
#define CANARY 0xa5
/* the scratch page: waitid's siginfo, futex words (all zero, 8-byte aligned
 * pairs: a NUMA futex reads node 0 after its value), the FUTEX_WAITV array
 * (one for the batch: each WAITV SQE rewrites it, and all are read at
 * submission, so its first entry is the one that differs) */
#define SCRATCH_SIGINFO 1024
#define SCRATCH_FUTEX 2048
#define SCRATCH_WAITV 3072
#define SCRATCH_OPTVAL 3584 /* what a GETSOCKOPT command writes */
#define FX_ENTRIES 4
/* provided buffers: groups 0..NR_BGID-1 a batch may set up, each with its
 * share of the kbuf arena; a standalone PROVIDE or REMOVE names a spare
 * group of its own (BGID_SPARE + i); BGID_NONE + i are never set up */
#define NR_BGID 8
#define KBUF_GROUP 16384
#define KBUF_STREAM_MAX 1024 /* prefill - read budget: always there to read */
#define NR_SPARE 8
#define BGID_SPARE 16
#define BGID_NONE 200
#define RING_MAX_ENTRIES 256 /* a page */
#define UD_POST 0x9057000ULL

/* ---- options and statistics ---- */

static struct {
	uint64_t seed;
	long long sqes; /* stop after this many SQEs */
	long long batch0; /* first batch */
	long long replay; /* -1, or the one batch to run */
	double max_seconds;
	int verbose;
	bool all; /* generate AVOID entries too */
	bool strict; /* report EXCUSE entries too */
	bool self; /* kernel against kernel: checks the fuzzer's determinism */
	int max_report;
	int deadline_ms;
	int config; /* CFG_*, or -1: the seed's (cfg_of_seed()) */
	bool cycle; /* --config cycle: every non-plain one in turn, by batch */
} opt = { .seed = 1, .sqes = 100000, .replay = -1, .max_report = 20,
	  .deadline_ms = 10000, .config = -1 };

/*
 * Ring configurations: setup flags (and what comes with them: registered
 * restrictions, the program's ring memory, 32-byte NOP CQEs) that a run adds
 * to every batch's own SQ/CQ sizes and flags.  A run's configuration comes
 * from its seed (cfg_of_seed()) or --config; its per-batch choices come from
 * a random stream of their own, so that a seed's SQEs are the same in every
 * configuration.
 */
enum {
	CFG_PLAIN, /* the batch's flags alone */
	CFG_SQE128, /* 128-byte SQEs, the second half filled */
	CFG_CQE32, /* 32-byte CQEs; NOP_CQE32 NOPs */
	CFG_MIXED, /* CQE_MIXED: 32-byte NOP CQEs take two slots */
	CFG_DEFER, /* DEFER_TASKRUN | SINGLE_ISSUER (TASKRUN_FLAG in half) */
	CFG_TASKRUN, /* COOP_TASKRUN | TASKRUN_FLAG */
	CFG_NOMMAP, /* NO_MMAP (REGISTERED_FD_ONLY in a third), bad memory in some */
	CFG_RESTRICT, /* R_DISABLED, REGISTER_RESTRICTIONS, ENABLE_RINGS */
	CFG_MIX, /* each of the above at random, per batch */
	NR_CFG
};
static const char *const cfg_name[NR_CFG] = {
	"plain", "sqe128", "cqe32", "mixed", "defer", "taskrun", "nommap", "restrict", "mix",
};
static long long stat_cfg[NR_CFG], stat_setup_refused, stat_restricted;

static long long stat_batches, stat_sqes, stat_cqes, stat_divergences;
static long long stat_overflowed, stat_dropped; /* batches past the CQ size; SQEs dropped */
static long long stat_op[256];
static double t_setup, t_submit, t_wait, t_teardown, t_teardown_side[2];

/* ---- known divergences ---- */

enum { EXCUSE, AVOID };
enum {
#define DIVERGENCE(id, status, action, reason) KD_##id,
#include "divergences.h"
#undef DIVERGENCE
	NR_KD
};
static const struct {
	const char *id, *status, *reason;
	int action;
} known[] = {
#define DIVERGENCE(id, status, action, reason) { #id, status, reason, action },
#include "divergences.h"
#undef DIVERGENCE
};
static long long known_seen[NR_KD];

/* ---- random numbers (splitmix64) ---- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(unsigned percent)
{
	return rnd(1000) < percent * 10;
}

static bool chance_permille(unsigned permille)
{
	return rnd(1000) < permille;
}

/* a byte of file f at offset o: initial content (gen 0) or written (gen 1) */
static uint8_t pattern(uint64_t batch, int f, int gen, uint64_t o)
{
	uint64_t z = (batch * 0x100000001b3ULL) ^ ((uint64_t)f << 56) ^ ((uint64_t)gen << 60) ^ (o >> 3);

	z = (z ^ (z >> 31)) * 0x7fb5d329728ea185ULL;
	z ^= z >> 27;
	return (uint8_t)(z >> (8 * (o & 7)));
}

/* ---- the objects an SQE can name ---- */

enum obj {
	O_REG_A, /* file 0, O_RDWR */
	O_REG_RO, /* file 0, O_RDONLY, its own open file description */
	O_REG_B, /* file 1, O_RDWR */
	O_REG_WO, /* file 1, O_WRONLY */
	O_DIR,
	O_NULL, /* /dev/null */
	O_PIPE_R,
	O_PIPE_W,
	O_SOCK, /* one end of a unix stream socketpair */
	O_CLOSED, /* a number closed just before the batch */
	O_NEG, /* -1 */
	O_HUGE, /* far above RLIMIT_NOFILE */
	O_RING, /* the ring's own fd */
	NR_OBJ,
	O_BAD = -1, /* a bad fixed-file index */
};

static const char *const obj_name[NR_OBJ] = {
	"file0-rw", "file0-ro", "file1-rw", "file1-wo", "dir", "devnull",
	"pipe-r", "pipe-w", "socket", "closed-fd", "fd-1", "fd-huge", "ring-fd",
};

#define NR_FIXED 10
static const int fixed_map[NR_FIXED] = {
	O_REG_A, O_REG_B, O_PIPE_R, O_PIPE_W, O_SOCK, O_NULL, -1, O_REG_RO, O_DIR, O_REG_WO,
};

static bool is_reg(int o)
{
	return o >= O_REG_A && o <= O_REG_WO;
}

static int file_of(int o)
{
	return o == O_REG_A || o == O_REG_RO ? 0 : o == O_REG_B || o == O_REG_WO ? 1 : -1;
}

static bool is_stream(int o)
{
	return o == O_PIPE_R || o == O_PIPE_W || o == O_SOCK;
}

static bool readable(int o)
{
	return o == O_REG_A || o == O_REG_RO || o == O_REG_B || o == O_NULL ||
	       o == O_PIPE_R || o == O_SOCK;
}

static bool writable(int o)
{
	return o == O_REG_A || o == O_REG_B || o == O_REG_WO || o == O_NULL ||
	       o == O_PIPE_W || o == O_SOCK;
}

/* no f_op->poll: vfs_poll() answers DEFAULT_POLLMASK */
static bool nonpollable(int o)
{
	return is_reg(o) || o == O_DIR || o == O_NULL;
}

static unsigned ready_mask(int o)
{
	switch (o) {
	case O_PIPE_R:
		return POLLIN | POLLRDNORM;
	case O_PIPE_W:
		return POLLOUT | POLLWRNORM;
	case O_SOCK:
		return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
	default:
		return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	}
}

/* stream index for budgets: 0 pipe, 1 socket */
static int stream_of(int o)
{
	return o == O_PIPE_R || o == O_PIPE_W ? 0 : o == O_SOCK ? 1 : -1;
}

/* ---- a batch ---- */

enum addr_kind {
	A_NONE,
	A_RD, /* read arena + arg */
	A_WR, /* write arena + arg */
	A_RD_END, /* read arena end - arg: the rest faults */
	A_WR_END,
	A_NULL,
	A_GUARD, /* a PROT_NONE page */
	A_KERNEL, /* outside the user address range */
	A_REG, /* registered buffer region + arg */
	A_REG_END, /* registered buffer buf_index's end - arg */
	A_REG_BEFORE, /* one byte before registered buffer buf_index */
	A_IOV, /* this op's iovec array */
	A_UD, /* a user_data (POLL_REMOVE target) */
	A_PATH, /* a path that does not exist */
	A_NOPARENT, /* a name under a directory that does not exist */
	A_TS, /* a 1 ms timespec */
	A_TS_LONG, /* a 10 s timespec: a LINK_TIMEOUT that never fires */
	A_SCRATCH, /* a private page (MADVISE) */
	A_FUTEX, /* a futex word of the scratch page (+ arg: misaligned) */
	A_WAITV, /* the FUTEX_WAITV array, built in the scratch page */
	A_OPTVAL, /* a socket option's value, in the scratch page */
	A_KBUF, /* the kbuf arena + arg (PROVIDE_BUFFERS) */
	A_MSG, /* this op's msghdr (RECVMSG with buffer select) */
};

enum iov_kind { IOV_OK, IOV_ZERO, IOV_BAD };

struct iov_spec {
	uint8_t kind;
	uint32_t arg; /* arena offset */
	uint32_t len;
};

struct op {
	uint8_t opcode;
	uint8_t flags; /* SQE flags */
	uint16_t ioprio;
	uint16_t personality;
	uint16_t buf_index;
	int obj; /* what the fd names; O_BAD for a bad fixed index */
	int fd_raw; /* the SQE fd when fixed (an index) */
	bool fixed;
	int64_t off;
	uint32_t len;
	uint32_t op_flags; /* rw_flags, poll32_events, fsync_flags, nop_flags... */
	uint32_t poll_len; /* POLL_ADD/REMOVE sqe->len */
	int addr_kind;
	uint64_t addr_arg;
	int niov;
	bool iov_huge; /* len > UIO_MAXIOV */
	struct iov_spec iov[MAXIOV];
	bool dropped; /* its SQ array entry is an invalid index */
	bool unimpl; /* an opcode the engine does not implement */
	bool solo; /* fails at prep on the engine only: kept out of link chains */
	bool needs_remove; /* a poll that would never end by itself */
	int remover; /* index of its paired POLL_REMOVE (or ASYNC_CANCEL), or -1 */
	bool removes; /* it is such a remover: never dropped */
	bool data_nondet; /* bytes read are not comparable */
	/* FUTEX_*, WAITID: sqe->fd (futex2 flags, the id), addr3 (the mask;
	 * FUTEX_WAITV: its entries' flags, 3 bits each), file_index (options) */
	int32_t x_fd;
	uint64_t x_addr3;
	uint32_t x_file_index;
	/* provided buffers: a kbuf op (flags and rounds are its chain's),
	 * its group's index in the batch's plan (-1: a group never set up),
	 * at the head of a chain the chain's length; RECVMSG's msghdr */
	bool kb;
	int8_t kgroup;
	uint8_t kchain;
	uint8_t m_iovlen, m_namelen, m_controllen;
	uint32_t m_iov_len;
	int round; /* which io_uring_submit() round */
	int chain_prev; /* the op before it in its link chain, or -1 */
	int64_t file_lo, file_hi; /* regular file range read or written */
};

struct batch {
	uint64_t no;
	unsigned sq_entries, cq_entries;
	unsigned setup_flags;
	/* the ring configuration (CFG_*): its flags are in setup_flags */
	int cfg;
	uint8_t bad_mem; /* NO_MMAP: 1 rings misaligned, 2 SQEs misaligned, 3 rings cut short */
	bool pre_enter; /* R_DISABLED: an enter before the ring is enabled (-EBADFD) */
	bool restrict_on; /* IORING_REGISTER_RESTRICTIONS before ENABLE_RINGS */
	uint8_t restrict_bad; /* 1 an opcode past the last, 2 an unknown kind, 3 twice */
	uint8_t sqe_allowed, sqe_required;
	uint64_t op_allowed; /* bit per opcode below IORING_OP_LAST */
	uint64_t reg_allowed; /* bit per register opcode */
	int nbig; /* NOPs with IORING_NOP_CQE32 a 32-byte CQE ring takes */
	bool reg_files, reg_bufs, allow_drain, quiet[2], any_skip, any_unimpl, multishot_ok;
	unsigned extra_cqes; /* multishot timeouts' CQEs beyond one each */
	size_t fsize[2];
	int nops;
	struct op ops[MAX_OPS];
	/* generation state */
	uint32_t rd_used, wr_used, reg_used[NR_REGBUF];
	uint32_t budget_rd[2], budget_wr[2];
	bool pos_used[4];
	/* masked (nondeterministic) ranges: of the read arena, the registered region, the files */
	int nmask;
	struct { int region; uint64_t lo, hi; } mask[4 * MAX_OPS + 8];
	/* provided buffers: the groups set up before the batch (legacy by a
	 * PROVIDE_BUFFERS, rings by IORING_REGISTER_PBUF_RING), the extra
	 * register calls before it, the spare groups used */
	bool kbuf;
	struct kgroup {
		uint8_t kind; /* G_* */
		uint8_t rflags; /* IOU_PBUF_RING_* */
		uint8_t bad; /* a registration that fails: which field is wrong */
		uint8_t odd; /* ring entry odd_at gets a NULL, kernel or 0-length buffer */
		uint8_t odd_at;
		bool used; /* a chain (or a standalone op) owns it */
		bool unstable; /* an op on it may not be done when the batch is */
		uint16_t entries, nbufs, bsize, bid0;
		uint32_t budget; /* stream bytes it may still be read from (its capacity) */
	} kg[NR_BGID];
	int nkx;
	struct { uint8_t what, bad; uint16_t bgid; } kx[6];
	int nspare;
	unsigned spare_unstable; /* bit i: spare group i's op may not be done */
	unsigned kextra; /* multishot receives' CQEs beyond one each */
};

enum { G_NONE, G_LEGACY, G_RING, G_CHAIN };

/* ---- one side: a ring and its environment ---- */

struct cqe_rec {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
	bool big; /* a 32-byte CQE: big_cqe[] compared too */
	uint64_t big_cqe[2];
};

struct side {
	const char *name;
	enum ringer_backend backend;
	struct io_uring ring;
	bool ring_ok;
	int setup_ret, files_ret, bufs_ret, pers_ret;
	char dir[256];
	int fd[NR_OBJ];
	int pipe_w_extra, sock_peer; /* the other ends */
	uint8_t *rd, *wr, *reg; /* arenas, each followed by a PROT_NONE page */
	uint8_t *scratch;
	uint8_t *kbuf, *kring; /* provided buffers; rings in the program's memory */
	struct io_uring_buf_ring *br[NR_BGID];
	size_t br_mapped[NR_BGID]; /* a ring the ring allocated, mapped here */
	int kprov_ret[NR_BGID], kreg_ret[NR_BGID], kx_ret[6];
	/* after the batch: PBUF_STATUS (result, head) of every group, a
	 * REMOVE_BUFFERS of everything in it, a ring's entries */
	int kstat_ret[NR_BGID + 1], kstat_head[NR_BGID + 1], krem_ret[NR_BGID + NR_SPARE];
	struct io_uring_buf kents[NR_BGID][RING_MAX_ENTRIES];
	struct msghdr msgs[MAX_OPS];
	uint8_t msgname[MAX_OPS][64];
	uint8_t msgctl[MAX_OPS][64];
	struct iovec iovs[MAX_OPS][MAXIOV];
	struct __kernel_timespec ts, ts_long;
	int nsubmit;
	int submit_ret[4 * MAX_OPS];
	int ncqe;
	struct cqe_rec cqe[16 * MAX_OPS];
	unsigned dropped, overflow;
	uint8_t *file[2];
	size_t file_len[2];
	bool timed_out;
	/* NO_MMAP: the ring memory this side provides */
	uint8_t *mem;
	size_t mem_len;
	/* R_DISABLED: an enter before enabling, the restrictions, the enable */
	int disabled_ret, restrict_ret, restrict2_ret, enable_ret;
};

static struct side sides[2];
static struct io_uring_probe *engine_probe;

static const char *const opnames[IORING_OP_LAST] = {
	[IORING_OP_NOP] = "NOP", [IORING_OP_READV] = "READV", [IORING_OP_WRITEV] = "WRITEV",
	[IORING_OP_FSYNC] = "FSYNC", [IORING_OP_READ_FIXED] = "READ_FIXED",
	[IORING_OP_WRITE_FIXED] = "WRITE_FIXED", [IORING_OP_POLL_ADD] = "POLL_ADD",
	[IORING_OP_POLL_REMOVE] = "POLL_REMOVE", [IORING_OP_SYNC_FILE_RANGE] = "SYNC_FILE_RANGE",
	[IORING_OP_TIMEOUT] = "TIMEOUT", [IORING_OP_TIMEOUT_REMOVE] = "TIMEOUT_REMOVE",
	[IORING_OP_ASYNC_CANCEL] = "ASYNC_CANCEL", [IORING_OP_LINK_TIMEOUT] = "LINK_TIMEOUT",
	[IORING_OP_OPENAT] = "OPENAT", [IORING_OP_CLOSE] = "CLOSE", [IORING_OP_STATX] = "STATX",
	[IORING_OP_READ] = "READ", [IORING_OP_WRITE] = "WRITE", [IORING_OP_FADVISE] = "FADVISE",
	[IORING_OP_MADVISE] = "MADVISE", [IORING_OP_EPOLL_CTL] = "EPOLL_CTL",
	[IORING_OP_MSG_RING] = "MSG_RING", [IORING_OP_FILES_UPDATE] = "FILES_UPDATE",
	[IORING_OP_EPOLL_WAIT] = "EPOLL_WAIT", [IORING_OP_FGETXATTR] = "FGETXATTR",
	[IORING_OP_WAITID] = "WAITID", [IORING_OP_FUTEX_WAIT] = "FUTEX_WAIT",
	[IORING_OP_FUTEX_WAKE] = "FUTEX_WAKE", [IORING_OP_FUTEX_WAITV] = "FUTEX_WAITV",
	[IORING_OP_SPLICE] = "SPLICE", [IORING_OP_TEE] = "TEE", [IORING_OP_PIPE] = "PIPE",
	[IORING_OP_FIXED_FD_INSTALL] = "FIXED_FD_INSTALL", [IORING_OP_SENDMSG] = "SENDMSG",
	[IORING_OP_RECVMSG] = "RECVMSG", [IORING_OP_SEND] = "SEND", [IORING_OP_RECV] = "RECV",
	[IORING_OP_ACCEPT] = "ACCEPT", [IORING_OP_CONNECT] = "CONNECT",
	[IORING_OP_SHUTDOWN] = "SHUTDOWN", [IORING_OP_SOCKET] = "SOCKET",
	[IORING_OP_URING_CMD] = "URING_CMD", [IORING_OP_SEND_ZC] = "SEND_ZC",
	[IORING_OP_SENDMSG_ZC] = "SENDMSG_ZC", [IORING_OP_BIND] = "BIND",
	[IORING_OP_LISTEN] = "LISTEN", [IORING_OP_PROVIDE_BUFFERS] = "PROVIDE_BUFFERS",
	[IORING_OP_REMOVE_BUFFERS] = "REMOVE_BUFFERS", [IORING_OP_READ_MULTISHOT] = "READ_MULTISHOT",
	[IORING_OP_READV_FIXED] = "READV_FIXED", [IORING_OP_WRITEV_FIXED] = "WRITEV_FIXED",
};

static const char *opname(unsigned op)
{
	static char buf[16];

	if (op < IORING_OP_LAST && opnames[op])
		return opnames[op];
	snprintf(buf, sizeof(buf), "op%u", op);
	return buf;
}

static bool engine_supports(unsigned op)
{
	return engine_probe && io_uring_opcode_supported(engine_probe, (int)op);
}

/* ---- generation ---- */

/* how much of a buffer a read can fill: a huge read stops at the file's end */
static uint64_t span(uint32_t len)
{
	return len > 70000 ? 70000 : len;
}

static void add_mask(struct batch *b, int region, uint64_t lo, uint64_t hi)
{
	if (hi > lo && b->nmask < (int)(sizeof(b->mask) / sizeof(b->mask[0]))) {
		b->mask[b->nmask].region = region;
		b->mask[b->nmask].lo = lo;
		b->mask[b->nmask].hi = hi;
		b->nmask++;
	}
}

enum { R_RD, R_REG, R_FILE0, R_FILE1, R_KBUF };

static uint32_t pick_len(void)
{
	static const uint32_t lens[] = { 0, 1, 3, 511, 512, 4095, 4096, 4097, 8191, 8192 };

	if (chance(25))
		return 1 + rnd(16384);
	return lens[rnd(sizeof(lens) / sizeof(lens[0]))];
}

static void pick_target(struct batch *b, struct op *op, bool allow_ring)
{
	static const uint8_t weights[NR_OBJ] = { 15, 5, 15, 5, 3, 6, 8, 8, 10, 3, 2, 2, 1 };
	unsigned total = 0, r;

	if (b->reg_files && chance(30)) {
		op->fixed = true;
		if (chance(90)) {
			op->fd_raw = (int)rnd(NR_FIXED + 2);
		} else {
			op->fd_raw = chance(50) ? -1 : 1 << 20;
		}
		op->obj = op->fd_raw >= 0 && op->fd_raw < NR_FIXED ? fixed_map[op->fd_raw] : O_BAD;
		return;
	}
	if (!b->reg_files && chance_permille(15)) {
		op->fixed = true; /* no table: -EBADF */
		op->fd_raw = (int)rnd(4);
		op->obj = O_BAD;
		return;
	}
	for (int i = 0; i < NR_OBJ; i++)
		total += weights[i];
	for (;;) {
		r = rnd(total);
		for (int i = 0; i < NR_OBJ; i++) {
			if (r < weights[i]) {
				op->obj = i;
				break;
			}
			r -= weights[i];
		}
		if (op->obj != O_RING || allow_ring)
			return;
	}
}

/* A quiet stream sees no reads or writes in the batch: its readiness never
 * changes, so a multishot poll on it has one answer. */
static void avoid_quiet(struct batch *b, struct op *op)
{
	int s = stream_of(op->obj);

	if (s >= 0 && b->quiet[s]) {
		op->fixed = false;
		op->obj = O_NULL;
	}
}

static int64_t pick_off(struct batch *b, struct op *op, bool write)
{
	int f = file_of(op->obj);

	if (chance_permille(15))
		return chance(50) ? -2 : INT64_MIN;
	if (f >= 0) {
		size_t sz = b->fsize[f];

		if (chance(8) && !b->pos_used[op->obj]) {
			b->pos_used[op->obj] = true;
			return -1;
		}
		switch (rnd(6)) {
		case 0: return 0;
		case 1: return (int64_t)rnd((uint32_t)sz + 1);
		case 2: return (int64_t)sz;
		case 3: return write ? (int64_t)rnd((uint32_t)sz + 1) : (int64_t)(sz + 1 + rnd(100));
		case 4: return (int64_t)rnd((uint32_t)sz + 1) | 1;
		default: return chance(5) ? (int64_t)1 << 40 : (int64_t)(rnd((uint32_t)sz / 512 + 1) * 512);
		}
	}
	switch (rnd(10)) {
	case 0: return -1;
	case 1: return 1 + rnd(100);
	default: return 0;
	}
}

/* Keep a regular-file write inside the file and a stream within budget. */
static uint32_t clamp_io(struct batch *b, struct op *op, bool write, uint32_t len)
{
	int f = file_of(op->obj), s = stream_of(op->obj);

	if (write && f >= 0 && writable(op->obj)) {
		int64_t off = op->off == -1 ? 0 : op->off;

		if (off < 0)
			return len;
		if ((uint64_t)off >= b->fsize[f])
			return 0;
		if (len > b->fsize[f] - (uint64_t)off)
			len = (uint32_t)(b->fsize[f] - (uint64_t)off);
		return len;
	}
	if (s >= 0 && (write ? writable(op->obj) : readable(op->obj))) {
		uint32_t *budget = write ? &b->budget_wr[s] : &b->budget_rd[s];

		if (len > STREAM_IO_MAX)
			len = 1 + len % STREAM_IO_MAX;
		if (len > *budget)
			len = *budget;
		*budget -= len;
		return len;
	}
	if (write && op->obj == O_NULL)
		return len;
	if (!write && op->obj == O_NULL)
		return len;
	return len;
}

/* A buffer for a plain READ/WRITE of len bytes. */
static void pick_buf(struct batch *b, struct op *op, bool write)
{
	uint32_t *used = write ? &b->wr_used : &b->rd_used;
	uint32_t align = rnd(16);

	switch (rnd(100)) {
	case 0 ... 2:
		op->addr_kind = A_NULL;
		return;
	case 3 ... 5:
		op->addr_kind = A_GUARD;
		return;
	case 6 ... 7:
		op->addr_kind = A_KERNEL;
		return;
	case 8 ... 12:
		/* a stream's partial copy depends on how its data sits in pipe
		 * buffers or skbs, which the order of other requests decides */
		if (op->len > 1 && !is_stream(op->obj) && op->obj != O_BAD) {
			op->addr_kind = write ? A_WR_END : A_RD_END;
			op->addr_arg = 1 + rnd(op->len - 1 < PAGE ? op->len - 1 : PAGE);
			return;
		}
		break;
	}
	if (*used + align + op->len > ARENA_SIZE - PAGE) {
		op->addr_kind = A_GUARD;
		return;
	}
	op->addr_kind = write ? A_WR : A_RD;
	op->addr_arg = *used + align;
	*used += align + op->len;
}

static uint32_t pick_rw_flags(struct op *op, bool write)
{
	static const uint32_t fl[] = { RWF_HIPRI, RWF_DSYNC, RWF_SYNC, RWF_NOWAIT, RWF_APPEND,
				       0x80, 0x1000, 0x80000000U };

	if (!chance(12))
		return 0;
	uint32_t f = fl[rnd(sizeof(fl) / sizeof(fl[0]))];
	/* an append would grow the file: its size is part of other results */
	if ((f & RWF_APPEND) && (!write || is_reg(op->obj) || op->obj == O_BAD))
		return 0;
	return f;
}

static void gen_rw(struct batch *b, struct op *op, bool write, int kind)
{
	/* not the ring fd: a WRITE there never completes on the kernel */
	pick_target(b, op, false);
	avoid_quiet(b, op);
	op->off = pick_off(b, op, write);
	op->op_flags = pick_rw_flags(op, write);

	if (kind == 0) { /* READ / WRITE */
		op->opcode = write ? IORING_OP_WRITE : IORING_OP_READ;
		op->len = pick_len();
		if (!write && chance(3) && !is_stream(op->obj))
			op->len = chance(50) ? 0x7fffffff : 0xffffffffU;
		if (op->len < 0x7fffffff) {
			op->len = clamp_io(b, op, write, op->len);
			pick_buf(b, op, write);
		} else if (is_reg(op->obj) && b->rd_used + 70000 <= ARENA_SIZE - PAGE) {
			/* a huge read that the file's end stops */
			op->addr_kind = A_RD;
			op->addr_arg = b->rd_used;
			b->rd_used += 70000;
		} else {
			op->addr_kind = A_KERNEL;
		}
	} else if (kind == 1) { /* READV / WRITEV */
		uint32_t total = 0;
		uint32_t *used = write ? &b->wr_used : &b->rd_used;

		op->opcode = write ? IORING_OP_WRITEV : IORING_OP_READV;
		op->addr_kind = A_IOV;
		op->niov = (int)rnd(MAXIOV + 1);
		if (chance(5))
			op->niov = 1;
		for (int i = 0; i < op->niov; i++) {
			struct iov_spec *v = &op->iov[i];

			v->kind = chance(5) ? IOV_ZERO : chance(4) ? IOV_BAD : IOV_OK;
			/* a fault after good segments: partial on a stream, see pick_buf() */
			if (v->kind == IOV_BAD && i > 0 && (is_stream(op->obj) || op->obj == O_BAD))
				v->kind = IOV_ZERO;
			if (v->kind == IOV_ZERO)
				continue;
			v->len = chance(50) ? 1 + rnd(600) : pick_len();
			if (v->kind == IOV_OK) {
				uint32_t len = clamp_io(b, op, write, v->len);

				if (write && is_reg(op->obj)) {
					/* the sum must stay in the file */
					int64_t off = op->off == -1 ? 0 : op->off;

					if (off >= 0)
						len = (uint64_t)off + total + v->len > b->fsize[file_of(op->obj)]
							      ? 0 : v->len;
				}
				v->len = len;
				if (*used + v->len > ARENA_SIZE - PAGE) {
					v->kind = IOV_ZERO;
					v->len = 0;
					continue;
				}
				v->arg = *used;
				*used += v->len;
				total += v->len;
			}
		}
		op->len = (uint32_t)op->niov;
		if (chance_permille(10)) {
			op->iov_huge = true;
			op->len = 1025;
		} else if (chance_permille(20)) {
			op->addr_kind = chance(50) ? A_NULL : A_KERNEL;
		}
	} else if (kind == 2 && chance(30)) {
		/*
		 * READV_FIXED / WRITEV_FIXED: iovecs in one registered buffer.
		 * An empty or bad one fails the whole request (-EFAULT, before
		 * any I/O): one such, sometimes, among good ones.
		 */
		uint32_t total = 0, bi;

		op->opcode = write ? IORING_OP_WRITEV_FIXED : IORING_OP_READV_FIXED;
		op->addr_kind = A_IOV;
		op->buf_index = (uint16_t)rnd(NR_REGBUF);
		if (chance(8))
			op->buf_index = chance(50) ? NR_REGBUF + rnd(3) : 0xffff;
		bi = op->buf_index < NR_REGBUF ? op->buf_index : 0;
		op->niov = (int)rnd(MAXIOV + 1);
		for (int i = 0; i < op->niov; i++) {
			struct iov_spec *v = &op->iov[i];
			int64_t off = op->off == -1 ? 0 : op->off;

			v->kind = IOV_OK;
			v->len = clamp_io(b, op, write, chance(50) ? 1 + rnd(600) : pick_len());
			/* a write's sum stays in the file */
			if (write && is_reg(op->obj) && off >= 0 &&
			    (uint64_t)off + total + v->len > b->fsize[file_of(op->obj)])
				v->len = 0;
			if (!v->len || b->reg_used[bi] + v->len > REGBUF_SIZE) {
				op->niov = i; /* no more room: fewer vectors */
				break;
			}
			v->arg = bi * REGBUF_SIZE + b->reg_used[bi];
			b->reg_used[bi] += v->len;
			total += v->len;
		}
		if (op->niov && chance(15)) {
			struct iov_spec *v = &op->iov[rnd((uint32_t)op->niov)];

			v->kind = chance(50) ? IOV_ZERO : IOV_BAD;
			v->len = v->kind == IOV_ZERO ? 0 : 1 + rnd(600);
		}
		op->len = (uint32_t)op->niov;
		if (chance_permille(10)) {
			op->iov_huge = true;
			op->len = 1025;
		} else if (chance_permille(20)) {
			op->addr_kind = chance(50) ? A_NULL : A_KERNEL;
		}
	} else { /* READ_FIXED / WRITE_FIXED */
		op->opcode = write ? IORING_OP_WRITE_FIXED : IORING_OP_READ_FIXED;
		op->len = pick_len();
		op->len = clamp_io(b, op, write, op->len);
		op->buf_index = (uint16_t)rnd(NR_REGBUF);
		if (chance(4))
			op->buf_index = chance(50) ? NR_REGBUF + rnd(3) : 0xffff;
		switch (rnd(20)) {
		case 0:
			op->addr_kind = A_REG_END;
			op->addr_arg = 1 + rnd(op->len ? op->len : 1);
			break;
		case 1:
			op->addr_kind = A_REG_BEFORE;
			break;
		case 2:
			op->addr_kind = A_KERNEL;
			break;
		default: {
			uint32_t bi = op->buf_index < NR_REGBUF ? op->buf_index : 0;
			uint32_t align = rnd(16);

			if (b->reg_used[bi] + align + op->len > REGBUF_SIZE) {
				op->addr_kind = A_REG_END;
				op->addr_arg = 1;
				break;
			}
			op->addr_kind = A_REG;
			op->addr_arg = (uint64_t)bi * REGBUF_SIZE + b->reg_used[bi] + align;
			b->reg_used[bi] += align + op->len;
		}
		}
	}
}

static void gen_poll_add(struct batch *b, struct op *op, int idx)
{
	static const uint32_t evs[] = { POLLIN, POLLOUT, POLLPRI, POLLERR, POLLHUP, POLLRDNORM,
					POLLWRNORM, POLLRDHUP };
	unsigned ready;

	op->opcode = IORING_OP_POLL_ADD;
	pick_target(b, op, false);
	op->op_flags = 0;
	for (int n = (int)rnd(3); n >= 0; n--)
		op->op_flags |= evs[rnd(sizeof(evs) / sizeof(evs[0]))];
	if (chance(2))
		op->op_flags = 0;
	if (chance(4)) {
		/* EPOLLEXCLUSIVE, EPOLLWAKEUP, EPOLLONESHOT (a multishot poll
		 * is then one-shot), EPOLLET, and bits nothing defines */
		static const uint32_t hi[] = { 1U << 28, 1U << 29, 1U << 30, 1U << 31, 1U << 16 };

		op->op_flags |= hi[rnd(sizeof(hi) / sizeof(hi[0]))];
	}
	/* the kernel ends a multishot poll whose CQE finds the CQ full: only
	 * where the CQ has room for everything */
	if (b->multishot_ok && chance(15))
		op->poll_len = IORING_POLL_ADD_MULTI;
	if (chance(2))
		op->poll_len = 1U << (1 + rnd(4));
	if (op->poll_len & IORING_POLL_ADD_MULTI) {
		int s = stream_of(op->obj);

		if (s >= 0 && !b->quiet[s]) {
			op->fixed = false;
			op->obj = O_NULL;
		}
	}
	ready = op->obj >= 0 && op->obj <= O_SOCK ? ready_mask(op->obj) : 0;
	if (op->obj < 0 || op->obj > O_SOCK)
		return; /* -EBADF at once */
	/* a multishot poll that fires at arming races with its remover on the
	 * kernel (-EALREADY, and the poll stays armed): only idle ones */
	if (op->poll_len == IORING_POLL_ADD_MULTI && !nonpollable(op->obj))
		op->op_flags &= ~ready;
	if (op->poll_len == IORING_POLL_ADD_MULTI ||
	    (op->poll_len == 0 && !nonpollable(op->obj) && !(ready & op->op_flags & 0xffff))) {
		if (b->allow_drain) {
			/* no pairing possible: make it fire */
			op->poll_len = 0;
			op->op_flags |= ready & (POLLIN | POLLOUT);
			return;
		}
		op->needs_remove = true;
		op->remover = -1;
	}
	(void)idx;
}

static int pending_polls[MAX_OPS], npending;

static void gen_poll_remove(struct batch *b, struct op *op, int idx)
{
	op->opcode = IORING_OP_POLL_REMOVE;
	op->obj = O_NEG; /* fd is not read */
	op->fd_raw = 0;
	op->addr_kind = A_UD;
	/* an earlier poll that fired at arming (-ENOENT now), or nothing */
	op->addr_arg = UD_BOGUS + rnd(4);
	for (int tries = 0; tries < 4 && idx > 0; tries++) {
		const struct op *t = &b->ops[rnd((uint32_t)idx)];

		int ti = (int)(t - b->ops);

		if (t->opcode == IORING_OP_POLL_ADD && !t->needs_remove &&
		    !(t->flags & (IOSQE_ASYNC | IOSQE_IO_DRAIN)) &&
		    !(ti && (b->ops[ti - 1].flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK)))) {
			op->addr_arg = UD_BASE + (uint64_t)ti;
			break;
		}
	}
	/* no poll is found (-ENOENT), whatever the update, unless the flags
	 * or fields are wrong (-EINVAL): LEVEL, unknown bits, MULTI alone,
	 * events without UPDATE_EVENTS, a user_data without UPDATE_USER_DATA */
	if (chance(5))
		op->poll_len = 1U << rnd(5);
	else if (chance(5))
		op->poll_len = rnd(8);
	if ((op->poll_len & IORING_POLL_UPDATE_EVENTS) || chance(2))
		op->op_flags = POLLIN | (chance(30) ? 1U << 30 : 0);
	if ((op->poll_len & IORING_POLL_UPDATE_USER_DATA) || chance(2))
		op->off = (int64_t)(UD_BOGUS + 8);
}

/*
 * An update of the pending never-ending poll p, just before its remover: new
 * events that cannot fire either (its own; the bits above 15 an update drops),
 * the same user_data, and IORING_POLL_ADD_MULTI or not, which changes nothing.
 */
static void gen_poll_update(struct batch *b, struct op *op, int p)
{
	static const uint32_t upd[] = { IORING_POLL_UPDATE_EVENTS, IORING_POLL_UPDATE_USER_DATA,
					IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA };

	memset(op, 0, sizeof(*op));
	op->opcode = IORING_OP_POLL_REMOVE;
	op->obj = O_NEG;
	op->addr_kind = A_UD;
	op->addr_arg = UD_BASE + (uint64_t)p;
	op->remover = op->chain_prev = -1;
	op->poll_len = upd[rnd(3)] | (chance(50) ? IORING_POLL_ADD_MULTI : 0);
	if (op->poll_len & IORING_POLL_UPDATE_EVENTS)
		op->op_flags = (b->ops[p].op_flags & 0xffff) | (chance(30) ? 1U << 30 : 0);
	if (op->poll_len & IORING_POLL_UPDATE_USER_DATA)
		op->off = (int64_t)(UD_BASE + (uint64_t)p);
}

/*
 * op (zeroed) ends the never-ending poll p: a POLL_REMOVE, or an
 * ASYNC_CANCEL whose key names p alone (its user_data, with ALL, or with
 * its file or its opcode besides: a key by file or opcode only could name
 * other requests still in flight).
 */
static void make_remover(struct batch *b, struct op *op, int idx, int p)
{
	const struct op *t = &b->ops[p];

	op->obj = O_NEG;
	op->addr_kind = A_UD;
	op->addr_arg = UD_BASE + (uint64_t)p;
	op->remover = -1;
	op->chain_prev = -1;
	op->removes = true;
	b->ops[p].remover = idx;
	if (!engine_supports(IORING_OP_ASYNC_CANCEL) || chance(60)) {
		op->opcode = IORING_OP_POLL_REMOVE;
		return;
	}
	op->opcode = IORING_OP_ASYNC_CANCEL;
	switch (rnd(4)) {
	case 0:
		break;
	case 1:
		op->op_flags = IORING_ASYNC_CANCEL_ALL; /* 1, the count */
		break;
	case 2:
		op->op_flags = IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_USERDATA;
		op->len = IORING_OP_POLL_ADD;
		break;
	default:
		op->op_flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_USERDATA;
		op->obj = t->obj;
		op->fixed = t->fixed;
		op->fd_raw = t->fd_raw;
		/* a fixed index: by the key's flag or by the SQE's */
		if (t->fixed) {
			if (chance(50))
				op->op_flags |= IORING_ASYNC_CANCEL_FD_FIXED;
			else
				op->flags |= IOSQE_FIXED_FILE;
		}
		break;
	}
	if (chance(20))
		op->op_flags |= IORING_ASYNC_CANCEL_ALL;
}

/*
 * TIMEOUT and TIMEOUT_REMOVE with results fixed by construction: a 1 ms
 * timer (relative; absolute is in the past: at once) on each clock, with
 * ETIME_SUCCESS, a count never reached, or MULTISHOT with 1-2 repetitions
 * where the CQ has room; invalid lengths and flag sets.  Removals and
 * updates name no armed timeout (-ENOENT), or have invalid flags.
 * LINK_TIMEOUTs wait 10 s: the request they guard (every request of a
 * batch ends by itself) always completes first, -ECANCELED for them;
 * alone, after another one, or with bad fields: -EINVAL.
 */
static void gen_timeout(struct batch *b, struct op *op)
{
	static const uint32_t tflags[] = {
		0, 0, IORING_TIMEOUT_ABS, IORING_TIMEOUT_BOOTTIME, IORING_TIMEOUT_REALTIME,
		IORING_TIMEOUT_ETIME_SUCCESS, IORING_TIMEOUT_ABS | IORING_TIMEOUT_REALTIME,
		IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME, /* -EINVAL */
		IORING_TIMEOUT_MULTISHOT | IORING_TIMEOUT_ABS, /* -EINVAL */
		IORING_TIMEOUT_UPDATE, 1U << 10, /* -EINVAL */
	};
	static const uint32_t rflags[] = {
		0, 0, IORING_TIMEOUT_UPDATE, IORING_TIMEOUT_UPDATE | IORING_TIMEOUT_ABS,
		IORING_LINK_TIMEOUT_UPDATE, IORING_TIMEOUT_ABS, /* -EINVAL */
		IORING_TIMEOUT_UPDATE | IORING_TIMEOUT_BOOTTIME, 1U << 20, /* -EINVAL */
	};

	op->obj = O_NEG; /* fd is not read */
	if (chance(25)) {
		static const uint32_t lflags[] = {
			0, 0, 0, IORING_TIMEOUT_BOOTTIME, IORING_TIMEOUT_REALTIME,
			IORING_TIMEOUT_ETIME_SUCCESS, IORING_TIMEOUT_MULTISHOT,
			IORING_TIMEOUT_UPDATE, 1U << 10, /* -EINVAL */
			IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME,
		};

		op->opcode = IORING_OP_LINK_TIMEOUT;
		op->addr_kind = chance(5) ? A_NULL : A_TS_LONG;
		op->len = chance(5) ? 2 : 1;
		op->op_flags = lflags[rnd(sizeof(lflags) / sizeof(lflags[0]))];
		op->off = chance(5) ? 1 : 0;
		return;
	}
	if (chance(30)) {
		op->opcode = IORING_OP_TIMEOUT_REMOVE;
		op->addr_kind = A_UD;
		op->addr_arg = UD_BOGUS + 9;
		op->op_flags = rflags[rnd(sizeof(rflags) / sizeof(rflags[0]))];
		op->len = chance(10) ? 1 : 0;
		return;
	}
	op->opcode = IORING_OP_TIMEOUT;
	op->addr_kind = chance(3) ? A_NULL : A_TS;
	op->len = chance(5) ? 2 * rnd(2) : 1;
	op->op_flags = tflags[rnd(sizeof(tflags) / sizeof(tflags[0]))];
	if (chance(20))
		op->off = 1000000; /* a count no batch reaches */
	/* a repetition that finds the CQ full ends it: where there is room to spare */
	if ((b->cq_entries ? b->cq_entries : 2 * b->sq_entries) >= MAX_OPS + 16 &&
	    b->extra_cqes < 4 && chance(10)) {
		op->op_flags = IORING_TIMEOUT_MULTISHOT;
		op->off = 1 + rnd(2);
		b->extra_cqes += (unsigned)op->off - 1;
	}
}

/*
 * FUTEX_WAKE, FUTEX_WAIT, FUTEX_WAITV and WAITID in the forms that complete
 * at issue: a wake finds no waiter (0, or its error); a wait's value differs
 * from the word's (0) or an argument is wrong, so it never blocks; WAITID
 * finds no child (the fuzzer has none): -ECHILD, or its error.  Valid and
 * invalid futex2 flags (sizes, NUMA, MPOL, PRIVATE, an unknown bit), masks,
 * counts and values wider than 32 bits, bad and misaligned addresses, the
 * SQE fields that must be zero.
 */
static void gen_futex(struct batch *b, struct op *op)
{
	static const int32_t fx_flags[] = { 2, 2, 2 | 128, 2 | 128, 2 | 8, 2 | 4, 0, 1, 3, 2 | 16 };
	static const uint64_t masks[] = { 0xffffffffULL, 0xffffffffULL, 1, 0x30, 0, 1ULL << 33 };
	static const uint32_t options[] = { WEXITED, WEXITED | WNOHANG, WSTOPPED | WNOHANG,
					    WEXITED | WNOWAIT, 0, WEXITED | 0x100 };
	static const uint32_t idtypes[] = { P_ALL, P_ALL, P_PID, P_PGID, 3 /* P_PIDFD */, 7 };
	unsigned r = rnd(4);

	op->obj = O_NEG;
	op->addr_kind = A_FUTEX;
	op->addr_arg = chance(5) ? 1 : 0;
	if (chance(4))
		op->addr_kind = chance(50) ? A_NULL : A_KERNEL;
	if (chance(3))
		op->op_flags = 1; /* futex_flags / waitid_flags: -EINVAL */
	if (chance(3))
		op->len = 1;
	if (chance(3))
		op->buf_index = 1;
	if (r == 0) {
		op->opcode = IORING_OP_FUTEX_WAKE;
		op->x_fd = fx_flags[rnd(sizeof(fx_flags) / sizeof(fx_flags[0]))];
		op->off = chance(5) ? (int64_t)(1ULL << 32) : (int64_t)rnd(4);
		op->x_addr3 = masks[rnd(sizeof(masks) / sizeof(masks[0]))];
	} else if (r == 1) {
		op->opcode = IORING_OP_FUTEX_WAIT;
		op->x_fd = fx_flags[rnd(sizeof(fx_flags) / sizeof(fx_flags[0]))];
		/* never the word's 0: it would wait */
		op->off = chance(5) ? (int64_t)(1ULL << 32) : (int64_t)(1 + rnd(3));
		op->x_addr3 = masks[rnd(sizeof(masks) / sizeof(masks[0]))];
	} else if (r == 2) {
		op->opcode = IORING_OP_FUTEX_WAITV;
		op->addr_kind = chance(8) ? A_NULL : A_WAITV;
		op->len = chance(8) ? (chance(50) ? 0 : 129) : 1 + rnd(FX_ENTRIES);
		/* entry flags; the first entry's value differs: it never waits */
		for (int i = 0; i < FX_ENTRIES; i++)
			op->x_addr3 |= (uint64_t)(chance(80) ? 0 : rnd(8)) << (3 * i);
		if (chance(5))
			op->x_fd = 2; /* fd must be 0 */
	} else {
		op->opcode = IORING_OP_WAITID;
		op->addr_kind = chance(5) ? A_FUTEX : A_NONE; /* addr must be 0 */
		op->len = idtypes[rnd(sizeof(idtypes) / sizeof(idtypes[0]))];
		op->x_fd = chance(50) ? 0 : chance(50) ? 1 : -1;
		op->x_file_index = options[rnd(sizeof(options) / sizeof(options[0]))];
		/* infop: the scratch siginfo, none, or unwritable */
		op->off = chance(70) ? SCRATCH_SIGINFO : chance(50) ? 0 : -1;
	}
	op->unimpl = !engine_supports(op->opcode);
	op->solo = op->unimpl;
}

/*
 * The path ops (RENAMEAT, UNLINKAT, MKDIRAT, SYMLINKAT, LINKAT) relative to
 * the side's directory, on names whose parent does not exist: they fail
 * (-ENOENT, or their checks' -EINVAL, -EFAULT) and change nothing, so
 * they commute with each other and with the rest of the batch.  addr2 (the
 * new name) is chosen by op->x_addr3: 0 the name, 1 NULL, 2 a kernel address.
 */
static void gen_path(struct batch *b, struct op *op)
{
	static const uint8_t ops[] = { IORING_OP_RENAMEAT, IORING_OP_UNLINKAT, IORING_OP_MKDIRAT,
				       IORING_OP_SYMLINKAT, IORING_OP_LINKAT };
	static const uint32_t fl[] = { 0, 0, 0, 1, 2, 4, 0x100, 0x200, 0x400, 0x1000 };

	op->opcode = ops[rnd(sizeof(ops) / sizeof(ops[0]))];
	op->obj = chance(90) ? O_DIR : chance(50) ? O_HUGE : O_NEG;
	op->addr_kind = A_NOPARENT;
	if (chance(5))
		op->addr_kind = chance(50) ? A_NULL : A_KERNEL;
	else if (chance(3))
		op->addr_kind = A_GUARD;
	op->x_addr3 = chance(90) ? 0 : 1 + rnd(2);
	if (op->opcode == IORING_OP_MKDIRAT)
		op->len = 0700;
	else if (op->opcode == IORING_OP_RENAMEAT || op->opcode == IORING_OP_LINKAT)
		op->len = 1; /* new_dfd: a number, bad on both sides */
	if (chance(4))
		op->len ^= 2;
	if (chance(20))
		op->op_flags = fl[rnd(sizeof(fl) / sizeof(fl[0]))];
	if (chance(3))
		op->buf_index = 1;
	op->unimpl = !engine_supports(op->opcode);
	op->solo = op->unimpl;
}

/*
 * SPLICE and TEE that move no bytes, so they commute with the batch: 0 bytes
 * (both files are looked up, any file: 0 or -EBADF), or files the call
 * refuses before it touches a pipe (two that are not pipes: -EINVAL; an
 * offset on the pipe side: -ESPIPE; a file not open for the direction:
 * -EBADF; TEE of anything but two pipes, or both ends of one: -EINVAL).
 * The in file is op->x_fd (an object, or a fixed index with
 * SPLICE_F_FD_IN_FIXED), its offset op->x_addr3.  Never the ring's fd, nor
 * a socket or directory with bytes to move.
 */
static const int splice_nopipe[] = { O_REG_A, O_REG_RO, O_REG_B, O_REG_WO, O_NULL };

static int pick_splice_obj(struct batch *b, bool zero, bool *fixed, int *raw)
{
	static const int bad[] = { O_CLOSED, O_NEG, O_HUGE };
	int o;

	*fixed = false;
	if (chance(10))
		return bad[rnd(3)];
	if (b->reg_files && chance(25)) {
		for (;;) {
			*raw = (int)rnd(NR_FIXED + 2);
			o = *raw < NR_FIXED ? fixed_map[*raw] : O_BAD;
			if (zero || o == O_BAD || o == O_PIPE_R || o == O_PIPE_W ||
			    is_reg(o) || o == O_NULL)
				break;
		}
		*fixed = true;
		return o;
	}
	if (zero) {
		do
			o = (int)rnd(NR_OBJ);
		while (o == O_RING);
		return o;
	}
	return chance(30) ? (chance(50) ? O_PIPE_R : O_PIPE_W)
			  : splice_nopipe[rnd(sizeof(splice_nopipe) / sizeof(splice_nopipe[0]))];
}

static void gen_splice(struct batch *b, struct op *op)
{
	static const int64_t offs[] = { -1, -1, 0, 100, -2 };
	static const uint32_t fl[] = { 0, 1, 2, 4, 8, 0xf, 0x10, 0x100 };
	bool zero = chance(40), in_fixed, out_fixed;
	int in, out, in_raw = 0, out_raw = 0;

	op->opcode = chance(70) ? IORING_OP_SPLICE : IORING_OP_TEE;
	op->len = zero ? 0 : 1 + rnd(8192);
	for (;;) {
		in = pick_splice_obj(b, zero, &in_fixed, &in_raw);
		out = pick_splice_obj(b, zero, &out_fixed, &out_raw);
		op->off = offs[rnd(5)];
		op->x_addr3 = (uint64_t)offs[rnd(5)];
		if (zero || in < 0 || out < 0 || in >= O_CLOSED || out >= O_CLOSED)
			break;
		/* TEE: one pipe only (both its ends: -EINVAL) */
		if (op->opcode == IORING_OP_TEE)
			break;
		/* no pipe, or the wrong end of it: -EINVAL, -EBADF */
		if (stream_of(in) < 0 && stream_of(out) < 0)
			break;
		if (in == O_PIPE_W || out == O_PIPE_R || !readable(in) || !writable(out))
			break;
		/* the pipe to itself: -ESPIPE or -EINVAL */
		if (in == O_PIPE_R && out == O_PIPE_W)
			break;
		/* an offset on the pipe's side: -ESPIPE */
		if (in == O_PIPE_R && op->x_addr3 != (uint64_t)-1)
			break;
		if (out == O_PIPE_W && op->off != -1)
			break;
	}
	if (op->opcode == IORING_OP_TEE && chance(90)) {
		op->off = 0;
		op->x_addr3 = 0;
	}
	op->obj = out;
	op->fixed = out_fixed;
	op->fd_raw = out_raw;
	op->op_flags = chance(80) ? fl[rnd(4)] : fl[rnd(sizeof(fl) / sizeof(fl[0]))];
	if (in_fixed) {
		op->op_flags |= SPLICE_F_FD_IN_FIXED;
		op->x_fd = in_raw;
	} else if (!b->reg_files && chance(5)) {
		op->op_flags |= SPLICE_F_FD_IN_FIXED; /* no table: -EBADF */
		op->x_fd = (int)rnd(4);
	} else {
		op->x_fd = in;
		op->x_file_index = 1; /* x_fd is an object */
	}
	op->unimpl = !engine_supports(op->opcode);
	op->solo = op->unimpl;
}

/*
 * PIPE in the forms that fail and make nothing: unknown flags, fd, off or
 * addr3 set (-EINVAL), no address (-EFAULT), direct with O_CLOEXEC, without
 * a table (-ENXIO) or past it (-EINVAL: the first slot past the table).
 */
static void gen_pipe(struct batch *b, struct op *op)
{
	op->opcode = IORING_OP_PIPE;
	op->obj = O_NEG;
	op->addr_kind = A_SCRATCH;
	switch (rnd(6)) {
	case 0:
		op->op_flags = chance(50) ? O_RDWR : O_APPEND;
		break;
	case 1:
		op->len = 1 + rnd(3); /* 1 fd, 2 off, 3 addr3 */
		break;
	case 2:
		op->addr_kind = chance(50) ? A_NULL : A_KERNEL;
		break;
	case 3:
		op->op_flags = O_CLOEXEC;
		op->x_file_index = chance(50) ? 1 : IORING_FILE_INDEX_ALLOC;
		break;
	default:
		op->x_file_index = b->reg_files ? NR_FIXED + 1 + rnd(4) : 1 + rnd(4);
		if (!b->reg_files && chance(30))
			op->x_file_index = IORING_FILE_INDEX_ALLOC; /* -ENFILE */
		break;
	}
	if (chance(5))
		op->op_flags |= O_NONBLOCK;
	op->unimpl = !engine_supports(op->opcode);
	op->solo = op->unimpl;
}

/*
 * The socket ops.  SEND and RECV are gen_rw()'s stream writes and reads
 * (the unix socket within its budgets, or a file that is none: -ENOTSOCK);
 * URING_CMD's socket commands (options that change nothing the batch
 * depends on); SOCKET, BIND, LISTEN, CONNECT, ACCEPT, SHUTDOWN, SENDMSG,
 * RECVMSG, SEND_ZC and SENDMSG_ZC in forms that fail and make or change
 * nothing: the socket is a connected socketpair end, so it cannot bind,
 * listen, connect or accept.
 */
static void gen_net(struct batch *b, struct op *op)
{
	switch (rnd(12)) {
	case 0:
	case 1:
	case 2:
	case 3: {
		static const uint32_t mflags[] = { 0, 0, MSG_DONTWAIT, MSG_WAITALL, MSG_NOSIGNAL };
		bool write = chance(50);

		gen_rw(b, op, write, 0);
		op->opcode = write ? IORING_OP_SEND : IORING_OP_RECV;
		op->op_flags = mflags[rnd(5)];
		op->off = chance(97) ? 0 : 1; /* addr2: -EINVAL */
		break;
	}
	case 4:
	case 5: {
		static const int gnames[] = { SO_TYPE, SO_RCVBUF, SO_DOMAIN, SO_KEEPALIVE, 9999 };
		static const int snames[] = { SO_KEEPALIVE, 9999 };
		static const uint32_t levels[] = { SOL_SOCKET, SOL_SOCKET, SOL_SOCKET, 6, 12345 };
		static const int32_t lens[] = { 4, 4, 8, 2, 0, -1 };

		op->opcode = IORING_OP_URING_CMD;
		pick_target(b, op, true);
		op->x_fd = chance(90) ? (int)rnd(6) : 99; /* cmd_op */
		op->x_addr3 = levels[rnd(5)];
		op->buf_index = (uint16_t)(op->x_fd == SOCKET_URING_OP_SETSOCKOPT ? snames[rnd(2)]
										: gnames[rnd(5)]);
		op->x_file_index = (uint32_t)lens[rnd(6)];
		op->addr_kind = chance(90) ? A_OPTVAL : chance(50) ? A_NULL : A_KERNEL;
		op->len = chance(90) ? 0 : rnd(4096); /* not checked */
		if (chance(5))
			op->op_flags = rnd(8); /* FIXED, MULTISHOT, an unknown bit */
		if (chance(3))
			op->off = 1; /* __pad1: -EINVAL */
		break;
	}
	case 6: {
		static const int types[] = { SOCK_STREAM, SOCK_DGRAM, 77, SOCK_STREAM | SOCK_CLOEXEC,
					     SOCK_STREAM | 0x100 };

		op->opcode = IORING_OP_SOCKET;
		op->obj = O_NEG;
		op->x_fd = chance(70) ? AF_UNIX : chance(50) ? AF_INET : 12345; /* domain */
		op->off = types[rnd(5)];
		op->len = chance(80) ? 0 : 5; /* protocol */
		if (chance(10))
			op->op_flags = 1; /* rw_flags: -EINVAL */
		/* plain only when it cannot succeed: a new fd would differ */
		if ((op->x_fd == AF_UNIX || op->x_fd == AF_INET) && op->off != 77 &&
		    op->off != (SOCK_STREAM | 0x100) && !op->len && !op->op_flags) {
			op->x_file_index = b->reg_files ? NR_FIXED + 1 + rnd(4) : 1 + rnd(4);
			if (!b->reg_files && chance(30))
				op->x_file_index = IORING_FILE_INDEX_ALLOC; /* -ENFILE */
			if (b->reg_files && op->off == (SOCK_STREAM | SOCK_CLOEXEC))
				op->x_file_index = 1; /* -EINVAL: no close-on-exec in a slot */
		}
		break;
	}
	case 7: {
		static const uint32_t alens[] = { 0, 2, 16, 110, 129 };

		op->opcode = chance(50) ? IORING_OP_BIND : IORING_OP_CONNECT;
		pick_target(b, op, true);
		/* zeros: AF_UNSPEC, which a unix socket refuses */
		op->addr_kind = chance(85) ? A_SCRATCH : chance(50) ? A_NULL : A_KERNEL;
		op->off = alens[rnd(5)];
		if (chance(5))
			op->len = 1; /* -EINVAL */
		break;
	}
	case 8:
		op->opcode = IORING_OP_LISTEN;
		pick_target(b, op, true);
		op->len = rnd(5);
		if (chance(5))
			op->off = 1; /* addr2: -EINVAL */
		break;
	case 9: {
		static const uint32_t aflags[] = { 0, SOCK_NONBLOCK, SOCK_CLOEXEC, O_APPEND };
		static const uint16_t iou[] = { 0, 0, IORING_ACCEPT_MULTISHOT, IORING_ACCEPT_DONTWAIT,
						IORING_ACCEPT_POLL_FIRST, 1U << 5 };

		op->opcode = IORING_OP_ACCEPT;
		pick_target(b, op, true);
		op->op_flags = aflags[rnd(4)];
		op->ioprio = iou[rnd(6)];
		if (chance(10))
			op->x_file_index = chance(50) ? 1 : IORING_FILE_INDEX_ALLOC;
		op->addr_kind = chance(90) ? A_NULL : A_KERNEL;
		break;
	}
	case 10:
		op->opcode = IORING_OP_SHUTDOWN;
		pick_target(b, op, true);
		op->len = chance(50) ? 3 + rnd(3) : (uint32_t)-1; /* never a valid how */
		if (chance(5))
			op->off = 1; /* -EINVAL */
		break;
	default: {
		static const uint8_t ops[] = { IORING_OP_SENDMSG, IORING_OP_RECVMSG,
					       IORING_OP_SEND_ZC, IORING_OP_SENDMSG_ZC };

		op->opcode = ops[rnd(4)];
		pick_target(b, op, false);
		if (op->opcode == IORING_OP_SEND_ZC || op->opcode == IORING_OP_SENDMSG_ZC) {
			op->ioprio = 1U << 7; /* an unknown flag: -EINVAL at prep */
			op->addr_kind = A_NULL;
			/* the kernel's CQE of a zero-copy send failed at prep
			 * may follow its links' (seen on 6.18): out of chains */
			op->solo = true;
			op->unimpl = !engine_supports(op->opcode);
			return;
		} else {
			/* the msghdr copied at prep faults */
			op->addr_kind = chance(50) ? A_NULL : A_KERNEL;
		}
		break;
	}
	}
	op->unimpl = !engine_supports(op->opcode);
	op->solo = op->unimpl;
}

static const uint8_t unimpl_ops[] = {
	IORING_OP_ASYNC_CANCEL, IORING_OP_OPENAT, IORING_OP_CLOSE, IORING_OP_STATX,
	IORING_OP_FADVISE, IORING_OP_MADVISE, IORING_OP_EPOLL_CTL, IORING_OP_MSG_RING,
	IORING_OP_FILES_UPDATE, IORING_OP_EPOLL_WAIT, IORING_OP_FGETXATTR,
	IORING_OP_FIXED_FD_INSTALL,
};

/* Opcodes the engine may not implement, with arguments that have no effect
 * on the files (they fail, or succeed without side effect, at once). */
static void gen_other(struct batch *b, struct op *op)
{
	op->opcode = unimpl_ops[rnd(sizeof(unimpl_ops) / sizeof(unimpl_ops[0]))];
	op->obj = O_HUGE;
	switch (op->opcode) {
	case IORING_OP_ASYNC_CANCEL: {
		/* keys that name no request (a bogus user_data), and the prep's
		 * -EINVAL cases; never a key by file, opcode or ANY alone, which
		 * could name requests in flight */
		static const uint32_t cflags[] = {
			0, IORING_ASYNC_CANCEL_ALL, IORING_ASYNC_CANCEL_USERDATA,
			IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_USERDATA,
			IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_USERDATA,
			IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED |
				IORING_ASYNC_CANCEL_USERDATA,
			IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_USERDATA,
			IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ANY, /* -EINVAL */
			IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ANY, /* -EINVAL */
			1U << 6, /* -EINVAL */
		};

		op->obj = O_NEG;
		op->addr_kind = A_UD;
		op->addr_arg = UD_BOGUS + 9;
		op->op_flags = cflags[rnd(sizeof(cflags) / sizeof(cflags[0]))];
		if (op->op_flags & IORING_ASYNC_CANCEL_FD)
			pick_target(b, op, false); /* -EBADF for a bad one */
		if (op->op_flags & IORING_ASYNC_CANCEL_OP)
			op->len = rnd(IORING_OP_LAST + 2);
		if (chance(10))
			op->off = 1; /* -EINVAL */
		break;
	}
	case IORING_OP_OPENAT:
	case IORING_OP_STATX:
		op->obj = O_NEG; /* AT_FDCWD is -100: a relative path under a bad dirfd */
		op->addr_kind = A_PATH;
		break;
	case IORING_OP_FADVISE:
		pick_target(b, op, false);
		op->len = pick_len();
		op->op_flags = rnd(6); /* POSIX_FADV_* */
		break;
	case IORING_OP_FGETXATTR:
		/* a name without a namespace, or none: no value is written */
		pick_target(b, op, false);
		op->addr_kind = chance(80) ? A_PATH : A_NULL;
		op->op_flags = chance(10); /* xattr_flags: -EINVAL */
		break;
	case IORING_OP_FIXED_FD_INSTALL:
		/* never a success, which would add a descriptor to the process:
		 * a plain fd (-EBADF), a slot with an unknown flag or an unused
		 * field set (-EINVAL) */
		pick_target(b, op, false);
		op->op_flags = op->fixed ? 2 : rnd(2);
		if (chance(5))
			op->off = 1;
		break;
	case IORING_OP_MADVISE:
		op->addr_kind = A_SCRATCH;
		op->len = PAGE;
		op->op_flags = 0; /* MADV_NORMAL */
		break;
	case IORING_OP_EPOLL_CTL:
		/* no epoll set among the files: its errors, in the kernel's
		 * order (the event read at prep, then the two fds); fd (off)
		 * is a number, the same on both sides */
		pick_target(b, op, true);
		op->fixed = false; /* the op takes no file: a plain number */
		if (op->obj == O_BAD)
			op->obj = O_HUGE;
		op->addr_kind = chance(90) ? A_SCRATCH : A_NULL;
		op->len = rnd(5); /* EPOLL_CTL_ADD..MOD, and unknown ops */
		op->off = chance(50) ? -1 : (int64_t)rnd(4);
		if (chance_permille(30))
			op->buf_index = 1;
		break;
	case IORING_OP_EPOLL_WAIT: {
		static const uint32_t maxes[] = { 0, 1, 8, 1U << 30, (uint32_t)-1 };

		/* on files that are no epoll set: it never waits */
		pick_target(b, op, true);
		op->addr_kind = chance(90) ? A_SCRATCH : A_NULL;
		op->len = maxes[rnd(sizeof(maxes) / sizeof(maxes[0]))];
		if (chance(10))
			op->off = 1;
		if (chance(10))
			op->op_flags = 1;
		break;
	}
	case IORING_OP_MSG_RING:
		/* mostly a message to the ring itself: its CQE is one more of
		 * this SQE's (off = the SQE's user_data, materialize()); else a
		 * pipe (-EBADFD) or no file (-EBADF) */
		op->obj = chance(75) ? O_RING : chance(50) ? O_PIPE_R : O_HUGE;
		op->addr_kind = A_UD; /* the command */
		op->addr_arg = chance(85) ? IORING_MSG_DATA : rnd(3);
		op->len = chance(50) ? rnd(4097) : (uint32_t)-EIO;
		if (chance(4))
			op->op_flags = rnd(8); /* CQE_SKIP, FLAGS_PASS, an unknown bit */
		else if (chance(3))
			op->op_flags = IORING_MSG_RING_FLAGS_PASS;
		/* low byte: file_index (FLAGS_PASS's CQE flags); high: addr3 */
		if (chance(3))
			op->buf_index = (uint16_t)(rnd(4) | (chance(10) ? 1U << 8 : 0));
		break;
	default:
		break;
	}
	op->unimpl = !engine_supports(op->opcode);
	op->solo = op->unimpl;
}

/*
 * Provided buffers.  A kbuf batch (plan_kbuf()) sets up NR_BGID groups
 * before its SQEs: none, legacy (a PROVIDE_BUFFERS), a ring in the
 * program's memory or the ring's (IOU_PBUF_RING_MMAP), incremental
 * (IOU_PBUF_RING_INC) or not, with now and then an odd entry (NULL, a
 * kernel address, 0 bytes) or a registration that fails; legacy groups left
 * for a chain of the batch to provide; and a few register calls that fail
 * or change what a group is (a ring unregistered, a ring over a legacy
 * group, PBUF_STATUS with stray fields).  One right answer by construction:
 * a group belongs to one link chain of the batch (gen_kbuf()), whose
 * requests run one after the other (PROVIDE_BUFFERS, then READ, READV,
 * READ_MULTISHOT, RECV or RECVMSG with IOSQE_BUFFER_SELECT, single or
 * multishot or a bundle, then REMOVE_BUFFERS), or to one standalone
 * PROVIDE_BUFFERS or REMOVE_BUFFERS; a receive from a stream takes no more
 * than is always there (KBUF_STREAM_MAX, from the stream's budget), so it
 * fills its buffers whatever else reads the stream; a multishot one ends
 * when its group runs out (-ENOBUFS), with room in the CQ for every CQE.
 * After the batch, PBUF_STATUS of every group, a REMOVE_BUFFERS of what is
 * left in it, a ring's entries (IOU_PBUF_RING_INC moves their addr and
 * len) and the bytes read into the buffers are compared too.
 */
static bool surely_posts(const struct batch *b, int i);
static bool is_write(unsigned opc);
static bool avoided(const struct op *op);

static uint32_t kg_capacity(const struct kgroup *k)
{
	return (uint32_t)k->nbufs * k->bsize;
}

static void plan_kbuf(struct batch *b)
{
	static const uint16_t sizes[] = { 1, 7, 16, 64, 100, 128, 512, 1024, 4096 };

	b->kbuf = true;
	for (int g = 0; g < NR_BGID; g++) {
		struct kgroup *k = &b->kg[g];
		unsigned r = rnd(10);

		k->kind = r < 1 ? G_NONE : r < 4 ? G_LEGACY : r < 8 ? G_RING : G_CHAIN;
		k->entries = (uint16_t)(1U << rnd(9));
		k->bsize = sizes[rnd(sizeof(sizes) / sizeof(sizes[0]))];
		k->nbufs = (uint16_t)(1 + rnd(chance(30) ? 48 : 8));
		if (k->kind == G_RING && k->nbufs > k->entries)
			k->nbufs = k->entries;
		if (chance(60)) /* small enough for a stream */
			while (kg_capacity(k) > KBUF_STREAM_MAX) {
				if (k->nbufs > 1)
					k->nbufs /= 2;
				else
					k->bsize /= 2;
			}
		while (kg_capacity(k) > KBUF_GROUP)
			k->nbufs /= 2;
		k->bid0 = chance(10) ? (uint16_t)(65536 - k->nbufs) : (uint16_t)rnd(1000);
		if (k->kind == G_RING) {
			k->rflags = (uint8_t)rnd(4); /* IOU_PBUF_RING_MMAP 1, _INC 2 */
			if (chance(6))
				k->bad = (uint8_t)(1 + rnd(9));
			if (chance(10)) {
				k->odd = (uint8_t)(1 + rnd(3));
				k->odd_at = (uint8_t)rnd(k->nbufs);
			}
		}
		k->budget = kg_capacity(k);
	}
	/* register calls before the batch, after the groups are set up */
	b->nkx = (int)rnd(4);
	for (int i = 0; i < b->nkx; i++) {
		b->kx[i].what = (uint8_t)rnd(4);
		b->kx[i].bgid = chance(70) ? (uint16_t)rnd(NR_BGID) : (uint16_t)(300 + i);
		b->kx[i].bad = (uint8_t)rnd(chance(50) ? 1 : 10);
		/* a ring over a group a chain provides would make it a ring */
		if (b->kx[i].what == 1 && b->kx[i].bgid < NR_BGID &&
		    b->kg[b->kx[i].bgid].kind != G_LEGACY && b->kg[b->kx[i].bgid].kind != G_RING)
			b->kx[i].bgid = (uint16_t)(300 + i);
	}
}

/* A stream read needs bytes that are surely there: else /dev/null. */
static void kbuf_budget(struct batch *b, struct op *op, uint32_t need)
{
	int s = stream_of(op->obj);

	if (s < 0 || !readable(op->obj))
		return;
	if (need <= KBUF_STREAM_MAX && b->budget_rd[s] >= need) {
		b->budget_rd[s] -= need;
		return;
	}
	op->fixed = false;
	op->obj = O_NULL;
}

static unsigned cq_size(const struct batch *b)
{
	return b->cq_entries ? b->cq_entries : 2 * b->sq_entries;
}

static bool is_recv_opcode(unsigned opc)
{
	return opc == IORING_OP_RECV || opc == IORING_OP_RECVMSG;
}

static void gen_kbuf_consumer(struct batch *b, struct op *op, int g, uint16_t bgid)
{
	static const uint32_t mflags[] = { 0, 0, 0, MSG_DONTWAIT, MSG_WAITALL, MSG_PEEK, MSG_TRUNC };
	const struct kgroup *k = g >= 0 ? &b->kg[g] : NULL;
	uint32_t bsize = k ? k->bsize : 64, need, reads;
	bool bs, multi;
	unsigned r = rnd(100);

	op->kb = true;
	op->kgroup = (int8_t)g;
	op->buf_index = bgid;
	bs = chance(96);
	if (bs)
		op->flags |= IOSQE_BUFFER_SELECT;
	if (r < 28) {
		op->opcode = IORING_OP_READ;
		pick_target(b, op, false);
	} else if (r < 38) {
		op->opcode = IORING_OP_READV;
		pick_target(b, op, false);
	} else if (r < 55) {
		op->opcode = IORING_OP_READ_MULTISHOT;
		if (chance(75))
			op->obj = chance(50) ? O_PIPE_R : O_SOCK;
		else
			pick_target(b, op, false);
	} else {
		op->opcode = r < 85 ? IORING_OP_RECV : IORING_OP_RECVMSG;
		if (chance(85)) {
			op->obj = O_SOCK;
			if (b->reg_files && chance(30)) {
				op->fixed = true;
				op->fd_raw = 4; /* fixed_map[4] */
			}
		} else {
			pick_target(b, op, false);
		}
	}
	avoid_quiet(b, op);
	if (is_reg(op->obj))
		op->off = pick_off(b, op, false);
	else if (chance(10))
		op->off = -1;

	/* lengths: none (the buffer's), within it, past it */
	switch (rnd(4)) {
	case 0:
	case 1: op->len = 0; break;
	case 2: op->len = 1 + rnd(bsize); break;
	default: op->len = chance(80) ? bsize + 1 + rnd(100) : 0xffffffffU; break;
	}
	multi = false;
	switch (op->opcode) {
	case IORING_OP_READ:
		if (chance(6))
			op->op_flags = chance(50) ? RWF_NOWAIT : 0x1000;
		break;
	case IORING_OP_READV:
		op->addr_kind = A_IOV;
		op->niov = chance(85) ? 1 : chance(50) ? 0 : 2;
		for (int i = 0; i < op->niov; i++) {
			struct iov_spec *v = &op->iov[i];

			v->kind = chance(10) ? IOV_ZERO : chance(4) ? IOV_BAD : IOV_OK;
			v->len = v->kind == IOV_ZERO ? 0 : 1 + rnd(bsize < 1024 ? bsize + 16 : 1024);
			if (v->kind == IOV_OK) {
				if (b->rd_used + v->len > ARENA_SIZE - PAGE) {
					v->kind = IOV_ZERO;
					v->len = 0;
					continue;
				}
				v->arg = b->rd_used;
				b->rd_used += v->len;
			}
		}
		op->len = (uint32_t)op->niov;
		if (chance(3))
			op->addr_kind = A_NULL;
		break;
	case IORING_OP_READ_MULTISHOT:
		multi = true;
		if (op->len > bsize)
			op->len = chance(80) ? 0 : op->len;
		if (chance(5))
			op->op_flags = RWF_NOWAIT;
		break;
	case IORING_OP_RECV:
	case IORING_OP_RECVMSG: {
		static const uint16_t prio[] = { 0, 0, 0, 0, IORING_RECV_MULTISHOT, IORING_RECV_MULTISHOT,
						 IORING_RECVSEND_BUNDLE, IORING_RECVSEND_BUNDLE,
						 IORING_RECV_MULTISHOT | IORING_RECVSEND_BUNDLE,
						 IORING_RECVSEND_POLL_FIRST, 1U << 7 };

		op->op_flags = mflags[rnd(sizeof(mflags) / sizeof(mflags[0]))];
		op->ioprio = prio[rnd(sizeof(prio) / sizeof(prio[0]))];
		multi = op->ioprio & IORING_RECV_MULTISHOT;
		op->off = chance(97) ? 0 : 1; /* addr2: -EINVAL */
		if (op->opcode == IORING_OP_RECVMSG) {
			static const uint8_t names[] = { 0, 0, 16, 110 };

			op->addr_kind = chance(97) ? A_MSG : A_NULL;
			op->m_iovlen = chance(85) ? 1 : chance(50) ? 0 : 2;
			op->m_iov_len = chance(20) ? 0 : 1 + rnd(bsize < 1024 ? bsize + 16 : 1024);
			op->m_namelen = names[rnd(4)];
			op->m_controllen = chance(20) ? 32 : 0;
			for (int i = 0; i < op->m_iovlen; i++) {
				struct iov_spec *v = &op->iov[i];

				if (b->rd_used + op->m_iov_len > ARENA_SIZE - PAGE)
					break;
				v->kind = IOV_OK;
				v->arg = b->rd_used;
				v->len = op->m_iov_len;
				b->rd_used += op->m_iov_len;
				op->niov = i + 1;
			}
			op->len = chance(90) ? 0 : op->len;
		}
		break;
	}
	}
	/* a receive that polls first (or multishot) on a pipe waits for a
	 * POLLIN that may never come, on both sides: on the kernel it would
	 * hang the batch */
	if (((is_recv_opcode(op->opcode) &&
	      (op->ioprio & (IORING_RECVSEND_POLL_FIRST | IORING_RECV_MULTISHOT)) &&
	      op->obj == O_PIPE_R) ||
	     op->obj == O_PIPE_W) && op->opcode != IORING_OP_READ && op->opcode != IORING_OP_READV) {
		op->fixed = false;
		op->obj = O_NULL;
	}
	/* what it may read from a stream */
	need = k ? (multi || (op->ioprio & IORING_RECVSEND_BUNDLE) ? k->budget : bsize) : 0;
	if (!bs) {
		need = op->opcode == IORING_OP_RECVMSG ? op->m_iov_len * op->m_iovlen : 0;
		for (int i = 0; op->opcode == IORING_OP_READV && i < op->niov; i++)
			need += op->iov[i].len;
	}
	if ((op->opcode == IORING_OP_RECV || op->opcode == IORING_OP_RECVMSG) &&
	    (op->op_flags & MSG_PEEK))
		need = 0; /* nothing leaves the socket */
	kbuf_budget(b, op, need);
	/* divergences.h's AVOID entries: their flags and lengths dropped */
	if (avoided(op)) {
		op->op_flags = 0;
		op->len = 0;
	}
	if (multi) {
		/* a read per buffer (an incremental ring: per len bytes of it),
		 * and the last CQE: all must fit in the CQ */
		reads = k ? k->nbufs : 1;
		if (k && (k->rflags & IOU_PBUF_RING_INC) && op->len && op->len < bsize)
			reads *= (bsize + op->len - 1) / op->len;
		if (reads > 60 ||
		    2 * MAX_OPS + 8 + b->extra_cqes + b->kextra + reads + 1 > cq_size(b)) {
			/* no room: a single read */
			if (op->opcode == IORING_OP_READ_MULTISHOT)
				op->opcode = IORING_OP_READ;
			else
				op->ioprio &= ~IORING_RECV_MULTISHOT;
		} else {
			b->kextra += reads + 1;
		}
	}
}

static void gen_provide(struct batch *b, struct op *op, int g, uint16_t bgid)
{
	const struct kgroup *k = g >= 0 ? &b->kg[g] : NULL;

	op->opcode = IORING_OP_PROVIDE_BUFFERS;
	op->kb = true;
	op->kgroup = (int8_t)g;
	op->obj = O_NEG;
	op->buf_index = bgid;
	op->x_fd = k ? k->nbufs : (int)(1 + rnd(8));
	op->len = k ? k->bsize : 1 + rnd(512);
	op->off = k ? k->bid0 : (int64_t)rnd(100);
	op->addr_kind = A_KBUF;
	op->addr_arg = g >= 0 ? (uint64_t)g * KBUF_GROUP : 0;
	/*
	 * Fields that fail; and 4 buffers of 2 GiB, which Linux 6.18 takes
	 * (len * nbufs is counted in an unsigned long): only for a spare
	 * group, as a chain's reads would take all its stream holds.
	 */
	if (chance(15)) {
		switch (rnd(k ? 8 : 9)) {
		case 0: op->x_fd = 0; break;
		case 1: op->x_fd = 65537; break;
		case 2: op->x_fd = -1; break;
		case 3: op->len = 0; break;
		case 4: op->off = 65536 - op->x_fd + 1; break;
		case 5: op->addr_kind = A_KERNEL; break;
		case 6: op->addr_kind = A_NULL; break;
		case 7: op->op_flags = 1; break; /* rw_flags */
		default: op->len = 0x80000000U; op->x_fd = 4; break;
		}
	}
}

static void gen_remove(struct batch *b, struct op *op, int g, uint16_t bgid)
{
	const struct kgroup *k = g >= 0 ? &b->kg[g] : NULL;

	op->opcode = IORING_OP_REMOVE_BUFFERS;
	op->kb = true;
	op->kgroup = (int8_t)g;
	op->obj = O_NEG;
	op->buf_index = bgid;
	op->x_fd = (int)(1 + rnd(k ? k->nbufs + 2U : 4U));
	if (chance(10))
		op->x_fd = chance(50) ? 0 : 65537;
	if (chance(8)) {
		switch (rnd(4)) {
		case 0: op->off = 1; break;
		case 1: op->len = 1; break;
		case 2: op->addr_kind = A_SCRATCH; break;
		default: op->op_flags = 1; break;
		}
	}
}

static void kbuf_flags(struct op *op, bool last)
{
	if (!last)
		op->flags |= chance(75) ? IOSQE_IO_LINK : IOSQE_IO_HARDLINK;
	if (chance(10))
		op->flags |= IOSQE_ASYNC;
	if (chance(5))
		op->flags |= IOSQE_CQE_SKIP_SUCCESS;
	if (op->fixed)
		op->flags |= IOSQE_FIXED_FILE;
}

/* a kbuf chain (or one standalone op) at ops[idx], at most room long: its length */
static int gen_kbuf(struct batch *b, int idx, int room)
{
	int g = -1, n = 0, len, start = (int)rnd(NR_BGID);
	bool provide, remove;
	uint16_t bgid;

	for (int t = 0; t < NR_BGID; t++)
		if (!b->kg[(start + t) % NR_BGID].used) {
			g = (start + t) % NR_BGID;
			break;
		}
	if (chance(15)) {
		struct op *op = &b->ops[idx];

		memset(op, 0, sizeof(*op));
		op->remover = op->chain_prev = -1;
		if (b->nspare < NR_SPARE && (g < 0 || chance(60))) {
			bgid = (uint16_t)(BGID_SPARE + b->nspare++);
			if (chance(70))
				gen_provide(b, op, -1, bgid);
			else
				gen_remove(b, op, -1, bgid);
			op->kgroup = (int8_t)(-2 - (bgid - BGID_SPARE)); /* spare i: -2 - i */
		} else if (g >= 0) {
			b->kg[g].used = true;
			if (chance(50))
				gen_provide(b, op, g, (uint16_t)g);
			else
				gen_remove(b, op, g, (uint16_t)g);
		} else {
			gen_remove(b, op, -1, BGID_NONE); /* -ENOENT */
		}
		kbuf_flags(op, true);
		op->kchain = 1;
		return 1;
	}
	if (g < 0 || chance(8)) {
		g = -1;
		bgid = (uint16_t)(BGID_NONE + rnd(2));
	} else {
		b->kg[g].used = true;
		bgid = (uint16_t)g;
	}
	len = 1 + (int)rnd(room < 5 ? (uint32_t)room : 5);
	provide = g >= 0 && (b->kg[g].kind == G_CHAIN ? chance(90) : chance(8)) && len > 1;
	remove = g >= 0 && chance(25) && len > 1 + provide;
	for (; n < len; n++) {
		struct op *op = &b->ops[idx + n];

		memset(op, 0, sizeof(*op));
		op->remover = op->chain_prev = -1;
		if (n == 0 && provide)
			gen_provide(b, op, g, bgid);
		else if (n == len - 1 && remove)
			gen_remove(b, op, g, bgid);
		else
			gen_kbuf_consumer(b, op, g, bgid);
		kbuf_flags(op, n == len - 1);
	}
	b->ops[idx].kchain = (uint8_t)len;
	return len;
}

/* Which provided-buffer bytes have one right answer; which groups' final
 * state is compared. */
static void mask_kbuf(struct batch *b)
{
	for (int i = 0; i < b->nops; i++) {
		struct op *op = &b->ops[i];
		bool nondet;

		if (!op->kb)
			continue;
		/* READV and RECVMSG without BUFFER_SELECT read into their iovecs */
		for (int v = 0; v < op->niov; v++)
			if (op->iov[v].kind == IOV_OK)
				add_mask(b, R_RD, op->iov[v].arg, op->iov[v].arg + op->iov[v].len);
		if (op->kgroup >= 0 && !surely_posts(b, i))
			b->kg[op->kgroup].unstable = true;
		if (op->kgroup <= -2 && !surely_posts(b, i))
			b->spare_unstable |= 1U << (-2 - op->kgroup);
		if (op->kgroup < 0 || op->opcode == IORING_OP_PROVIDE_BUFFERS ||
		    op->opcode == IORING_OP_REMOVE_BUFFERS)
			continue;
		nondet = !is_reg(op->obj) ||
			 (op->opcode != IORING_OP_READ && op->opcode != IORING_OP_READV);
		if (!nondet) {
			int64_t lo = op->off == -1 ? 0 : op->off, hi = lo + KBUF_GROUP + 70000;

			for (int j = 0; j < b->nops; j++) {
				const struct op *w = &b->ops[j];

				if (is_write(w->opcode) && file_of(w->obj) == file_of(op->obj) &&
				    w->file_lo < hi && lo < w->file_hi)
					nondet = true;
			}
		}
		if (nondet)
			add_mask(b, R_KBUF, (uint64_t)op->kgroup * KBUF_GROUP,
				 (uint64_t)(op->kgroup + 1) * KBUF_GROUP);
	}
	for (int g = 0; g < NR_BGID; g++)
		if (b->kg[g].unstable)
			add_mask(b, R_KBUF, (uint64_t)g * KBUF_GROUP, (uint64_t)(g + 1) * KBUF_GROUP);
}

static void gen_op(struct batch *b, int idx)
{
	struct op *op = &b->ops[idx];
	unsigned r = rnd(100);

	memset(op, 0, sizeof(*op));
	op->remover = -1;
	op->chain_prev = -1;
	if (chance(5)) {
		gen_net(b, op);
		return;
	}
	if (r < 14)
		gen_rw(b, op, false, 0);
	else if (r < 26)
		gen_rw(b, op, true, 0);
	else if (r < 32)
		gen_rw(b, op, false, 1);
	else if (r < 38)
		gen_rw(b, op, true, 1);
	else if (r < 44)
		gen_rw(b, op, false, 2);
	else if (r < 50)
		gen_rw(b, op, true, 2);
	else if (r < 62) {
		op->opcode = IORING_OP_NOP;
		op->obj = O_NEG;
		if (chance(12)) {
			static const int32_t inj[] = { 0, 1, 4096, -EIO, -EINVAL, -ECANCELED, -ENOENT };

			op->op_flags = IORING_NOP_INJECT_RESULT;
			op->len = (uint32_t)inj[rnd(sizeof(inj) / sizeof(inj[0]))];
		} else if (chance(3)) {
			/* the test flags: FILE, FIXED_FILE, FIXED_BUFFER, TW,
			 * CQE32, with or without an injected result; bit 6 is
			 * unknown */
			op->op_flags = rnd(chance(20) ? 128 : 64);
			op->len = (uint32_t)(chance(2) ? -EIO : 5);
			op->buf_index = (uint16_t)rnd(NR_REGBUF + 2);
			if (op->op_flags & IORING_NOP_FILE)
				pick_target(b, op, true);
			/* FIXED_FILE reads fd as an index: the same on both
			 * sides (fd numbers are not) */
			if ((op->op_flags & IORING_NOP_FIXED_FILE) && !op->fixed) {
				op->fixed = true;
				op->fd_raw = (int)rnd(NR_FIXED + 2);
				op->obj = op->fd_raw < NR_FIXED ? fixed_map[op->fd_raw] : O_BAD;
			}
		}
	} else if (r < 68) {
		op->opcode = IORING_OP_FSYNC;
		pick_target(b, op, true);
		op->op_flags = chance(30) ? IORING_FSYNC_DATASYNC : 0;
		if (chance(3))
			op->op_flags = 2;
		if (chance(10)) {
			op->off = rnd(8192);
			op->len = rnd(8192);
		}
		if (chance_permille(15))
			op->off = (uint64_t)-1;
	} else if (r < 72) {
		static const uint32_t sfr[] = { 0, 1, 2, 4, 7, 8 };

		op->opcode = IORING_OP_SYNC_FILE_RANGE;
		pick_target(b, op, true);
		op->off = chance(90) ? rnd(70000) : -(int64_t)rnd(3) - 1;
		op->len = chance(50) ? 0 : rnd(70000);
		op->op_flags = sfr[rnd(6)];
	} else if (r < 84) {
		gen_poll_add(b, op, idx);
	} else if (r < 90) {
		gen_poll_remove(b, op, idx);
	} else if (r < 93) {
		gen_timeout(b, op);
	} else if (r < 94) {
		gen_other(b, op);
	} else if (r < 95) {
		gen_path(b, op);
	} else if (r < 97) {
		gen_futex(b, op);
	} else if (r < 98) {
		if (chance(75))
			gen_splice(b, op);
		else
			gen_pipe(b, op);
	} else {
		op->opcode = chance(50) ? IORING_OP_LAST + rnd(8) : 255;
		op->obj = O_NEG;
	}
}

static void gen_flags(struct batch *b, struct op *op)
{
	uint8_t f = 0;

	if (chance(12))
		f |= IOSQE_IO_LINK;
	if (chance(4))
		f |= IOSQE_IO_HARDLINK;
	if (b->allow_drain && chance(5))
		f |= IOSQE_IO_DRAIN;
	if (chance(12))
		f |= IOSQE_ASYNC;
	if (chance(8))
		f |= IOSQE_CQE_SKIP_SUCCESS;
	/* not in a kbuf batch: it would take buffers of a group one chain owns */
	if (chance_permille(10) && !b->kbuf)
		f |= IOSQE_BUFFER_SELECT;
	if (chance_permille(5))
		f |= 0x80;
	if (op->fixed)
		f |= IOSQE_FIXED_FILE;
	if (op->solo)
		f &= ~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK | IOSQE_IO_DRAIN);
	/* armed inline at submission: not a chain head either (a chain is
	 * issued when it is complete, or from io-wq if left open) */
	if (op->needs_remove)
		f &= ~(IOSQE_ASYNC | IOSQE_IO_DRAIN | IOSQE_BUFFER_SELECT | 0x80 |
		       IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
	op->flags = f;
	if (chance_permille(20))
		op->ioprio = chance(50) ? 0xffff : (uint16_t)(1 << 13);
	if (chance_permille(10))
		op->personality = 1;
	if (op->needs_remove) {
		op->ioprio = 0;
		op->personality = 0;
	}
}

/* SEND and RECV are a stream's writes and reads (gen_net()) */
static bool is_rw(unsigned opc)
{
	return opc == IORING_OP_READ || opc == IORING_OP_WRITE || opc == IORING_OP_READV ||
	       opc == IORING_OP_WRITEV || opc == IORING_OP_READ_FIXED ||
	       opc == IORING_OP_WRITE_FIXED || opc == IORING_OP_SEND || opc == IORING_OP_RECV ||
	       opc == IORING_OP_READV_FIXED || opc == IORING_OP_WRITEV_FIXED;
}

static bool is_write(unsigned opc)
{
	return opc == IORING_OP_WRITE || opc == IORING_OP_WRITEV || opc == IORING_OP_WRITE_FIXED ||
	       opc == IORING_OP_SEND || opc == IORING_OP_WRITEV_FIXED;
}

/* the arena an op's iovecs are in: READV_FIXED's are in the registered buffers */
static int iov_region(const struct op *op)
{
	if (op->opcode == IORING_OP_READV_FIXED || op->opcode == IORING_OP_WRITEV_FIXED)
		return R_REG;
	return R_RD;
}

/* predicates of divergences.h, on the op (gen) and on both CQE lists */
struct cqes {
	int n;
	const struct cqe_rec *c[80]; /* multishot receives: up to 62 */
};

static bool match_unimplemented_opcode(const struct op *op, const struct cqes *k,
				       const struct cqes *u)
{
	if (!op->unimpl)
		return false;
	if (!u)
		return true;
	return u->n == 1 && u->c[0]->res == -EOPNOTSUPP;
}

static bool match_accept_nonsocket_wait(const struct op *op, const struct cqes *k,
					 const struct cqes *u)
{
	if (op->opcode != IORING_OP_ACCEPT)
		return false;
	/* no socket: both sides may wait for a POLLIN that never comes */
	return op->obj != O_SOCK &&
	       (op->ioprio & (IORING_ACCEPT_MULTISHOT | IORING_ACCEPT_POLL_FIRST));
}

static bool match_poll32_high_bits(const struct op *op, const struct cqes *k, const struct cqes *u)
{
	return op->opcode == IORING_OP_POLL_ADD && (op->op_flags & EPOLLEXCLUSIVE);
}

static const struct batch *cur_batch;

static bool match_nowait_in_iowq(const struct op *op, const struct cqes *k, const struct cqes *u)
{
	const struct batch *b = cur_batch;
	int i = (int)(op - b->ops);

	if (!is_rw(op->opcode) || !(op->op_flags & RWF_NOWAIT) || i < 0 || i >= b->nops)
		return false;
	for (int j = 0; j <= i; j++)
		if (b->ops[j].flags & IOSQE_IO_DRAIN)
			return true;
	/* in a link chain: the kernel issues a linked request inline or from
	 * io-wq depending on how its predecessor completed */
	return b->ops[i].chain_prev >= 0;
}

/* decided in compare(): follows the chain */
static bool match_link_after_known(const struct op *op, const struct cqes *k, const struct cqes *u)
{
	return false;
}

static bool match_timeout_count_early(const struct op *op, const struct cqes *k,
				      const struct cqes *u)
{
	if (op->opcode != IORING_OP_TIMEOUT || !op->off ||
	    (op->op_flags & IORING_TIMEOUT_MULTISHOT))
		return false;
	if (!u)
		return true;
	return k->n == 1 && u->n == 1 && k->c[0]->res == 0 && u->c[0]->res == -ETIME;
}

/* same results, flags that differ only in bits of mask */
static bool only_flags(const struct cqes *k, const struct cqes *u, uint32_t mask)
{
	if (!u || k->n != u->n)
		return false;
	for (int i = 0; i < k->n; i++)
		if (k->c[i]->res != u->c[i]->res || ((k->c[i]->flags ^ u->c[i]->flags) & ~mask))
			return false;
	return true;
}

static bool is_recv(const struct op *op)
{
	return op->opcode == IORING_OP_RECV || op->opcode == IORING_OP_RECVMSG;
}

static bool match_kbuf_linked_iowq(const struct op *op, const struct cqes *k,
				   const struct cqes *u)
{
	if (!op->kb || op->kgroup < 0 || op->chain_prev < 0 ||
	    cur_batch->kg[op->kgroup].kind != G_RING)
		return false;
	if (!u)
		return true;
	return only_flags(k, u, 0xffff0000U | IORING_CQE_F_BUFFER | IORING_CQE_F_BUF_MORE) &&
	       k->n == 1 && k->c[0]->res < 0;
}

static bool match_bundle_no_group(const struct op *op, const struct cqes *k, const struct cqes *u)
{
	if (!is_recv(op) || !(op->ioprio & IORING_RECVSEND_BUNDLE))
		return false;
	return !u || (k->n == 1 && u->n == 1 &&
		      (k->c[0]->res == -ENOENT || k->c[0]->res == -ENOBUFS) &&
		      (u->c[0]->res == -ENOENT || u->c[0]->res == -ENOBUFS));
}

static bool match_recv_mshot_nonsocket(const struct op *op, const struct cqes *k,
				       const struct cqes *u)
{
	if (!is_recv(op) || !(op->ioprio & IORING_RECV_MULTISHOT) || op->obj == O_SOCK)
		return false;
	return !u || (k->n == 1 && u->n == 1 && k->c[0]->res == -EBADFD &&
		      u->c[0]->res == -ENOTSOCK);
}

static bool match_bundle_after_drain(const struct op *op, const struct cqes *k,
				     const struct cqes *u)
{
	const struct batch *b = cur_batch;
	int i = (int)(op - b->ops);

	if (op->opcode != IORING_OP_RECV || !(op->ioprio & IORING_RECVSEND_BUNDLE) || i < 0 ||
	    i >= b->nops)
		return false;
	/* a drained request itself goes to io-wq on both sides: no race */
	for (int j = 0; j < i; j++)
		if (b->ops[j].flags & IOSQE_IO_DRAIN)
			return !u || (k->n == 1 && u->n == 1);
	return false;
}

static bool match_bundle_recv_linked(const struct op *op, const struct cqes *k,
				     const struct cqes *u)
{
	return op->opcode == IORING_OP_RECV && (op->ioprio & IORING_RECVSEND_BUNDLE) &&
	       op->chain_prev >= 0;
}

/* kernel big_cqe words that a NOP_CQE32 of the batch left behind, engine zeros */
static bool match_cqe32_stale_big(const struct op *op, const struct cqes *k, const struct cqes *u)
{
	const struct batch *b = cur_batch;

	if (!(b->setup_flags & IORING_SETUP_CQE32))
		return false;
	if (!u)
		return true;
	if (k->n != u->n)
		return false;
	for (int i = 0; i < k->n; i++) {
		const struct cqe_rec *kc = k->c[i], *uc = u->c[i];
		bool left = false;

		if (kc->res != uc->res || kc->flags != uc->flags || !kc->big || !uc->big)
			return false;
		if (kc->big_cqe[0] == uc->big_cqe[0] && kc->big_cqe[1] == uc->big_cqe[1])
			continue;
		if (uc->big_cqe[0] || uc->big_cqe[1])
			return false;
		for (int j = 0; j < b->nops && !left; j++)
			left = b->ops[j].opcode == IORING_OP_NOP &&
			       (b->ops[j].op_flags & IORING_NOP_CQE32) &&
			       kc->big_cqe[0] == (uint64_t)b->ops[j].off &&
			       kc->big_cqe[1] == b->ops[j].x_addr3;
		if (!left)
			return false;
	}
	return true;
}

static bool match_kbuf_after_drain(const struct op *op, const struct cqes *k,
				   const struct cqes *u)
{
	const struct batch *b = cur_batch;
	int i = (int)(op - b->ops);
	bool drained = false;

	if (!op->kb || op->kgroup < 0 || i < 0 || i >= b->nops ||
	    b->kg[op->kgroup].kind != G_RING)
		return false;
	for (int j = 0; j < i && !drained; j++)
		drained = b->ops[j].flags & IOSQE_IO_DRAIN;
	if (!drained)
		return false;
	if (!u)
		return true;
	return only_flags(k, u, 0xffff0000U | IORING_CQE_F_BUFFER | IORING_CQE_F_BUF_MORE) &&
	       k->n == 1 && k->c[0]->res < 0;
}

static bool match_recv_poll_first_linked(const struct op *op, const struct cqes *k,
					 const struct cqes *u)
{
	if (!op->kb || op->opcode != IORING_OP_RECV ||
	    !(op->ioprio & IORING_RECVSEND_POLL_FIRST) || op->chain_prev < 0)
		return false;
	if (!u)
		return true;
	return k->n == 1 && u->n == 1 &&
	       ((k->c[0]->res == -EAGAIN) != (u->c[0]->res == -EAGAIN)) &&
	       !((k->c[0]->flags | u->c[0]->flags) & IORING_CQE_F_MORE);
}

/* decided in apply_config(): not on a ring with 32-byte CQEs */
static bool match_tx_timestamp_big_cqe(const struct op *op, const struct cqes *k,
				       const struct cqes *u)
{
	return false;
}

/* decided in check_order(): a drained request's CQE on a DEFER_TASKRUN ring */
static bool match_defer_drain_count(const struct op *op, const struct cqes *k,
				    const struct cqes *u)
{
	return false;
}

/* the order of a linked MSG_RING's message to its own DEFER_TASKRUN ring:
 * here (its CQE and its message's, swapped) and in check_order() */
static bool match_defer_link_issue(const struct op *op, const struct cqes *k,
				   const struct cqes *u)
{
	if (op->opcode != IORING_OP_MSG_RING || op->chain_prev < 0 ||
	    !(cur_batch->setup_flags & IORING_SETUP_DEFER_TASKRUN))
		return false;
	if (!u)
		return true;
	return k->n == 2 && u->n == 2 && k->c[0]->res == u->c[1]->res &&
	       k->c[1]->res == u->c[0]->res && k->c[0]->flags == u->c[1]->flags &&
	       k->c[1]->flags == u->c[0]->flags;
}

/* decided in apply_config(): NOP_CQE32 only where a CQE_MIXED CQ cannot fill */
static bool match_mixed_big_overflow(const struct op *op, const struct cqes *k,
				     const struct cqes *u)
{
	return false;
}

typedef bool (*match_fn)(const struct op *, const struct cqes *, const struct cqes *);
static const match_fn matchers[NR_KD] = {
#define DIVERGENCE(id, status, action, reason) [KD_##id] = match_##id,
#include "divergences.h"
#undef DIVERGENCE
};

static bool avoided(const struct op *op)
{
	if (opt.all)
		return false;
	for (int i = 0; i < NR_KD; i++)
		if (known[i].action == AVOID && matchers[i](op, NULL, NULL))
			return true;
	return false;
}

/* the file range [lo, hi) a read or write could touch, for overlap tests */
static void file_range(const struct batch *b, struct op *op)
{
	int64_t off = op->off == -1 ? 0 : op->off;
	uint64_t len = 0;

	op->file_lo = op->file_hi = 0;
	if (!is_rw(op->opcode) || file_of(op->obj) < 0 || off < 0)
		return;
	if (op->opcode == IORING_OP_READV || op->opcode == IORING_OP_WRITEV ||
	    op->opcode == IORING_OP_READV_FIXED || op->opcode == IORING_OP_WRITEV_FIXED) {
		for (int i = 0; i < op->niov; i++)
			len += op->iov[i].kind == IOV_OK ? op->iov[i].len : 0;
	} else {
		len = op->len;
	}
	if (len > (uint64_t)1 << 32)
		len = (uint64_t)1 << 32;
	op->file_lo = off;
	op->file_hi = off + (int64_t)len;
}

/* the buffer bytes and file range an op may have touched: not compared */
static void mask_op(struct batch *b, const struct op *op)
{
	if (op->addr_kind == A_RD)
		add_mask(b, R_RD, op->addr_arg, op->addr_arg + span(op->len));
	else if (op->addr_kind == A_REG)
		add_mask(b, R_REG, op->addr_arg, op->addr_arg + span(op->len));
	else if (op->addr_kind == A_REG_END && op->buf_index < NR_REGBUF)
		add_mask(b, R_REG, (uint64_t)(op->buf_index + 1) * REGBUF_SIZE - op->addr_arg,
			 (uint64_t)(op->buf_index + 1) * REGBUF_SIZE);
	else if (op->addr_kind == A_IOV && !is_write(op->opcode))
		for (int v = 0; v < op->niov; v++)
			if (op->iov[v].kind == IOV_OK)
				add_mask(b, iov_region(op), op->iov[v].arg,
					 op->iov[v].arg + op->iov[v].len);
	if (is_write(op->opcode) && file_of(op->obj) >= 0 && op->file_hi > op->file_lo)
		add_mask(b, R_FILE0 + file_of(op->obj), (uint64_t)op->file_lo, (uint64_t)op->file_hi);
}

static bool surely_posts(const struct batch *b, int i);

/* ---- ring configurations ---- */

/*
 * A run's configuration by its seed: seeds 0 to 7 modulo 16 keep the plain
 * rings every seed had before configurations existed (seed 1, the one
 * `make check` runs, among them); 8 to 15 modulo 16 take one each.
 */
static int cfg_of_seed(uint64_t seed)
{
	unsigned r = (unsigned)(seed % 16);

	return r < 8 ? CFG_PLAIN : (int)(r - 8 + 1);
}

static int batch_cfg(uint64_t no)
{
	if (opt.cycle)
		return 1 + (int)(no % (NR_CFG - 1));
	return opt.config >= 0 ? opt.config : cfg_of_seed(opt.seed);
}

/* what a replay of batch no needs beyond the seed: a configuration not the seed's */
static const char *cfg_arg(uint64_t no)
{
	static char buf[32];

	if (opt.config < 0 && !opt.cycle)
		return "";
	snprintf(buf, sizeof(buf), " --config %s", cfg_name[batch_cfg(no)]);
	return buf;
}

/* whether the registered restrictions let op through at submission */
static bool restrict_allows(const struct batch *b, const struct op *op)
{
	if (!b->restrict_on || b->restrict_bad == 1 || b->restrict_bad == 2)
		return true;
	if (op->opcode >= 64 || !((b->op_allowed >> op->opcode) & 1))
		return false;
	if ((op->flags & b->sqe_required) != b->sqe_required)
		return false;
	return !(op->flags & ~(b->sqe_allowed | b->sqe_required));
}

static void gen_restrictions(struct batch *b)
{
	static const uint8_t regs[] = {
		IORING_REGISTER_BUFFERS, IORING_REGISTER_FILES, IORING_REGISTER_PERSONALITY,
		IORING_REGISTER_PBUF_RING, IORING_UNREGISTER_PBUF_RING, IORING_REGISTER_PBUF_STATUS,
	};
	bool all_ops = chance(30);

	b->restrict_on = true;
	if (chance(6))
		b->restrict_bad = (uint8_t)(1 + rnd(3));
	b->pre_enter = chance(20);
	for (int i = 0; i < b->nops; i++)
		if (b->ops[i].opcode < IORING_OP_LAST && (all_ops || chance(85)))
			b->op_allowed |= 1ULL << b->ops[i].opcode;
	if (chance(90))
		b->op_allowed |= 1ULL << IORING_OP_NOP;
	if (chance(5))
		b->op_allowed = 0;
	for (int f = 0; f < 7; f++)
		if (chance(80))
			b->sqe_allowed |= (uint8_t)(1U << f);
	if (chance(8))
		b->sqe_required = (uint8_t)(1U << rnd(7));
	for (size_t i = 0; i < sizeof(regs); i++)
		if (chance(90))
			b->reg_allowed |= 1ULL << regs[i];
	/* the ring must go at its exit: its registered index with it */
	if (b->setup_flags & IORING_SETUP_REGISTERED_FD_ONLY)
		b->reg_allowed |= 1ULL << IORING_UNREGISTER_RING_FDS;
	/* a poll the restrictions let through must meet its remover (else it
	 * waits for the ring's end) */
	for (int i = 0; i < b->nops; i++) {
		const struct op *op = &b->ops[i], *r;

		if (!op->needs_remove || op->remover < 0 || op->dropped || !restrict_allows(b, op))
			continue;
		r = &b->ops[op->remover];
		if (restrict_allows(b, r))
			continue;
		b->op_allowed |= 1ULL << r->opcode;
		b->sqe_allowed |= r->flags;
		if ((r->flags & b->sqe_required) != b->sqe_required)
			b->sqe_required = 0;
	}
}

/*
 * The configuration's per-batch choices, from a random stream of their own
 * (the batch's SQEs are drawn before and stay as the plain run has them).
 */
static void apply_config(struct batch *b)
{
	int cfg = batch_cfg(b->no);
	bool sqe128 = false, restricted = false, nommap = false;
	unsigned cqe = 0, taskrun = 0;

	b->cfg = cfg;
	rng_state = opt.seed * 0x9fb21c651e98df25ULL ^ (b->no + 1) * 0xc2b2ae3d27d4eb4fULL;
	rnd64();
	switch (cfg) {
	case CFG_SQE128: sqe128 = true; break;
	case CFG_CQE32: cqe = IORING_SETUP_CQE32; break;
	case CFG_MIXED: cqe = IORING_SETUP_CQE_MIXED; break;
	case CFG_DEFER: taskrun = 2; break;
	case CFG_TASKRUN: taskrun = 1; break;
	case CFG_NOMMAP: nommap = true; break;
	case CFG_RESTRICT: restricted = true; break;
	case CFG_MIX:
		sqe128 = chance(30);
		cqe = chance(25) ? IORING_SETUP_CQE32 : chance(33) ? IORING_SETUP_CQE_MIXED : 0;
		taskrun = rnd(4); /* none, COOP, DEFER, SINGLE_ISSUER alone */
		nommap = chance(25);
		restricted = chance(25);
		break;
	default:
		return;
	}
	if (sqe128)
		b->setup_flags |= IORING_SETUP_SQE128;
	b->setup_flags |= cqe;
	if (taskrun == 1)
		b->setup_flags |= IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	if (taskrun == 2)
		b->setup_flags |= IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
				  (chance(50) ? IORING_SETUP_TASKRUN_FLAG : 0);
	if (taskrun == 3)
		b->setup_flags |= IORING_SETUP_SINGLE_ISSUER;
	if (nommap) {
		b->setup_flags |= IORING_SETUP_NO_MMAP;
		if (chance(33))
			b->setup_flags |= IORING_SETUP_REGISTERED_FD_ONLY;
		if (chance(6))
			b->bad_mem = (uint8_t)(1 + rnd(3));
	}
	if (restricted) {
		b->setup_flags |= IORING_SETUP_R_DISABLED;
		if (chance(95))
			gen_restrictions(b);
		else
			b->pre_enter = true;
	}
	if (!cqe)
		return;
	for (int i = 0; i < b->nops; i++)
		if (b->ops[i].opcode == IORING_OP_URING_CMD &&
		    b->ops[i].x_fd == SOCKET_URING_OP_TX_TIMESTAMP && !opt.all)
			b->ops[i].x_fd = 99; /* an unknown command: -EOPNOTSUPP */
	/*
	 * NOPs that post 32-byte CQEs (their second half the SQE's off and
	 * addr).  On a CQE_MIXED ring each takes two slots, and a filler may
	 * take a third: only where the CQ cannot fill (mixed_big_overflow in
	 * divergences.h; a multishot request that finds the CQ full would
	 * end, too, at a time no side controls).
	 */
	{
		unsigned cq = b->cq_entries ? b->cq_entries : 2 * b->sq_entries;
		unsigned demand = (unsigned)b->nops + b->extra_cqes + b->kextra + 8;
		bool capped = cqe == IORING_SETUP_CQE_MIXED && !opt.all;

		for (int i = 0; i < b->nops; i++) {
			struct op *op = &b->ops[i];

			if (op->opcode != IORING_OP_NOP)
				continue;
			if (!(op->op_flags & IORING_NOP_CQE32) && chance(40))
				op->op_flags |= IORING_NOP_CQE32;
			if (!(op->op_flags & IORING_NOP_CQE32))
				continue;
			if (capped && demand + 2 > cq) {
				op->op_flags &= ~IORING_NOP_CQE32;
				continue;
			}
			demand += 2;
			b->nbig++;
			op->off = (int64_t)rnd64();
			op->x_addr3 = rnd64();
		}
	}
}

static void generate(struct batch *b, uint64_t no)
{
	cur_batch = b;
	static const unsigned sqs[] = { 1, 2, 4, 8, 16, 32 };
	static const size_t sizes[] = { 0, 100, 4096, 10000, 65536 };
	int n;

	memset(b, 0, sizeof(*b));
	b->no = no;
	rng_state = opt.seed * 0x2545f4914f6cdd1dULL ^ (no + 1) * 0x9e3779b97f4a7c15ULL;
	rnd64();
	b->sq_entries = sqs[rnd(6)];
	b->cq_entries = 0;
	if (chance(60)) {
		b->setup_flags |= IORING_SETUP_CQSIZE;
		b->cq_entries = b->sq_entries << rnd(2);
	}
	if (chance(30))
		b->setup_flags |= IORING_SETUP_SUBMIT_ALL;
	if (chance(10))
		b->setup_flags |= IORING_SETUP_NO_SQARRAY;
	b->reg_files = chance(80);
	b->reg_bufs = chance(75);
	b->allow_drain = chance(35);
	b->quiet[0] = chance(25);
	b->quiet[1] = chance(25);
	b->fsize[0] = sizes[rnd(5)];
	b->fsize[1] = sizes[rnd(5)];
	for (int s = 0; s < 2; s++) {
		b->budget_rd[s] = STREAM_READ_BUDGET;
		b->budget_wr[s] = STREAM_WRITE_BUDGET;
	}
	n = 1 + (int)rnd(MAX_OPS - 8);
	if (chance(20))
		n = 1 + (int)rnd(8);
	npending = 0;
	if (chance(30)) {
		plan_kbuf(b);
		/* room for multishot receives */
		if (chance(60)) {
			b->setup_flags |= IORING_SETUP_CQSIZE;
			b->cq_entries = 512;
		}
	}
	b->multishot_ok = (b->cq_entries ? b->cq_entries : 2 * b->sq_entries) >= (unsigned)n + 8;

	b->nops = 0;
	for (int i = 0; i < n && b->nops < MAX_OPS - 1 - npending; i++) {
		int idx = b->nops;
		struct op *op = &b->ops[idx];
		struct op *prev = idx ? &b->ops[idx - 1] : NULL;

		/* the remover of a pending never-ending poll, sometimes */
		if (npending && chance(20)) {
			int p = pending_polls[--npending];

			/* updated first, sometimes */
			if (chance(30) && b->nops + 2 + npending < MAX_OPS) {
				gen_poll_update(b, op, p);
				if (prev)
					prev->flags &= ~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
				b->nops++;
				idx = b->nops;
				prev = op;
				op = &b->ops[idx];
			}
			memset(op, 0, sizeof(*op));
			op->flags = chance(20) ? IOSQE_ASYNC : 0;
			make_remover(b, op, idx, p);
			if (prev)
				prev->flags &= ~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
			b->nops++;
			continue;
		}
		if (b->kbuf && chance(25)) {
			int room = MAX_OPS - 1 - npending - b->nops, len;

			if (room > (int)b->sq_entries)
				room = (int)b->sq_entries;
			if (room >= 1) {
				if (prev)
					prev->flags &= ~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
				len = gen_kbuf(b, idx, room);
				b->nops += len;
				i += len - 1;
				continue;
			}
		}
		for (int tries = 0;; tries++) {
			gen_op(b, idx);
			gen_flags(b, op);
			if (!avoided(op))
				break;
			if (tries == 20) {
				memset(op, 0, sizeof(*op));
				op->opcode = IORING_OP_NOP;
				op->obj = O_NEG;
				op->remover = op->chain_prev = -1;
				break;
			}
		}
		if (op->needs_remove && prev)
			prev->flags &= ~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
		if (op->solo && prev)
			prev->flags &= ~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
		if (op->needs_remove)
			pending_polls[npending++] = idx;
		if (op->solo)
			b->any_unimpl = true;
		b->nops++;
	}
	while (npending) {
		int idx = b->nops, p = pending_polls[--npending];
		struct op *op = &b->ops[idx];

		memset(op, 0, sizeof(*op));
		make_remover(b, op, idx, p);
		b->ops[idx - 1].flags &= ~(IOSQE_IO_LINK | IOSQE_IO_HARDLINK);
		b->nops++;
	}
	/* an unimplemented op fails at prep on the engine: with SUBMIT_ALL the
	 * submission goes on as on the kernel, where it may succeed */
	if (b->any_unimpl)
		b->setup_flags |= IORING_SETUP_SUBMIT_ALL;

	/* submit rounds, dropped SQEs, link chains */
	for (int i = 0, round = 0, left = 0; i < b->nops; i++) {
		struct op *op = &b->ops[i];

		/* a kbuf chain is submitted whole */
		if (op->kchain > left)
			left = 0;
		if (!left) {
			left = 1 + (int)rnd(b->sq_entries);
			if (left < op->kchain)
				left = op->kchain;
			round++;
		}
		op->round = round;
		left--;
		if (!(b->setup_flags & IORING_SETUP_NO_SQARRAY) && !op->needs_remove &&
		    op->remover < 0 && !op->removes && op->opcode != IORING_OP_POLL_REMOVE &&
		    !op->kb && chance_permille(8))
			op->dropped = true;
		if (op->flags & IOSQE_CQE_SKIP_SUCCESS)
			b->any_skip = true;
	}
	for (int i = 1; i < b->nops; i++) {
		struct op *op = &b->ops[i], *prev = &b->ops[i - 1];

		if ((prev->flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK)) && prev->round == op->round &&
		    !prev->dropped && !op->dropped)
			op->chain_prev = i - 1;
	}
	/* a poll that needs its remover must be armed at submission */
	for (int i = 0; i < b->nops; i++) {
		struct op *op = &b->ops[i];

		if (op->needs_remove && op->chain_prev >= 0)
			abort(); /* generation bug: prev's link flags were cleared */
	}
	/* reads whose bytes are not determined: streams, overlaps with writes */
	for (int i = 0; i < b->nops; i++)
		file_range(b, &b->ops[i]);
	for (int i = 0; i < b->nops; i++) {
		struct op *op = &b->ops[i];

		if (!is_rw(op->opcode) || is_write(op->opcode))
			continue;
		if (!is_reg(op->obj)) {
			op->data_nondet = true;
		} else {
			for (int j = 0; j < b->nops; j++) {
				const struct op *w = &b->ops[j];

				if (is_write(w->opcode) && file_of(w->obj) == file_of(op->obj) &&
				    w->file_lo < op->file_hi && op->file_lo < w->file_hi)
					op->data_nondet = true;
			}
		}
		if (op->addr_kind == A_RD_END)
			op->data_nondet = true; /* the arena's last page is shared */
		if (!op->data_nondet)
			continue;
		if (op->addr_kind == A_RD)
			add_mask(b, R_RD, op->addr_arg, op->addr_arg + span(op->len));
		else if (op->addr_kind == A_REG)
			add_mask(b, R_REG, op->addr_arg, op->addr_arg + span(op->len));
		else if (op->addr_kind == A_REG_END && op->buf_index < NR_REGBUF)
			add_mask(b, R_REG, (uint64_t)(op->buf_index + 1) * REGBUF_SIZE - op->addr_arg,
				 (uint64_t)(op->buf_index + 1) * REGBUF_SIZE);
		else if (op->addr_kind == A_IOV)
			for (int v = 0; v < op->niov; v++)
				if (op->iov[v].kind == IOV_OK)
					add_mask(b, iov_region(op), op->iov[v].arg,
						 op->iov[v].arg + op->iov[v].len);
	}
	add_mask(b, R_RD, ARENA_SIZE - PAGE, ARENA_SIZE);
	/* a CQE_SKIP_SUCCESS request that succeeds says nothing (nor do its
	 * links when it fails): no side can know when it is done, so what it
	 * touches is not compared */
	for (int i = 0; i < b->nops; i++)
		if (!surely_posts(b, i))
			mask_op(b, &b->ops[i]);
	if (b->kbuf)
		mask_kbuf(b);
	/* a write from a shared buffer end (the write arena's last page, the end
	 * of a registered buffer that reads also fill): bytes not P(offset) */
	for (int i = 0; i < b->nops; i++) {
		const struct op *op = &b->ops[i];

		if ((op->addr_kind == A_WR_END || op->addr_kind == A_REG_END) &&
		    is_write(op->opcode) && file_of(op->obj) >= 0 && op->file_hi > op->file_lo)
			add_mask(b, R_FILE0 + file_of(op->obj), op->file_lo, op->file_hi);
	}
	apply_config(b);
}

/* ---- printing ---- */

static const char *errname(int res)
{
	static char bufs[4][32];
	static unsigned next;
	char *buf = bufs[next++ % 4];

	if (res >= 0) {
		snprintf(buf, sizeof(bufs[0]), "%d", res);
		return buf;
	}
	snprintf(buf, sizeof(bufs[0]), "-%s", strerrorname_np(-res) ? strerrorname_np(-res) : "?");
	return buf;
}

static void print_op(FILE *out, const struct batch *b, int i)
{
	const struct op *op = &b->ops[i];
	/* by name: an entry out of step with the enum misnames every one after it */
	static const char *const ak[] = {
		[A_NONE] = "-",
		[A_RD] = "rd+",
		[A_WR] = "wr+",
		[A_RD_END] = "rd_end-",
		[A_WR_END] = "wr_end-",
		[A_NULL] = "NULL",
		[A_GUARD] = "guard",
		[A_KERNEL] = "kernel",
		[A_REG] = "reg+",
		[A_REG_END] = "reg_end-",
		[A_REG_BEFORE] = "reg_before",
		[A_IOV] = "iov",
		[A_UD] = "ud",
		[A_PATH] = "path",
		[A_NOPARENT] = "noparent",
		[A_TS] = "ts",
		[A_TS_LONG] = "ts_long",
		[A_SCRATCH] = "scratch",
		[A_FUTEX] = "futex+",
		[A_WAITV] = "waitv",
		[A_OPTVAL] = "optval",
		[A_KBUF] = "kbuf+",
		[A_MSG] = "msghdr",
	};
	_Static_assert(sizeof(ak) / sizeof(ak[0]) == A_MSG + 1, "a name per addr_kind");
	char target[48];

	if (op->fixed)
		snprintf(target, sizeof(target), "fixed[%d]=%s", op->fd_raw,
			 op->obj >= 0 ? obj_name[op->obj] : "bad");
	else
		snprintf(target, sizeof(target), "%s", op->obj >= 0 ? obj_name[op->obj] : "bad");
	fprintf(out,
		"  sqe #%d round %d ud=0x%" PRIx64 " %s flags=0x%x%s%s%s%s%s%s fd=%s off=%" PRId64
		" len=%u opflags=0x%x",
		i, op->round, (uint64_t)(UD_BASE + i), opname(op->opcode), op->flags,
		op->flags & IOSQE_IO_LINK ? " LINK" : "", op->flags & IOSQE_IO_HARDLINK ? " HARDLINK" : "",
		op->flags & IOSQE_IO_DRAIN ? " DRAIN" : "", op->flags & IOSQE_ASYNC ? " ASYNC" : "",
		op->flags & IOSQE_CQE_SKIP_SUCCESS ? " SKIP" : "", op->flags & IOSQE_FIXED_FILE ? " FIXED" : "",
		target, op->off, op->len, op->op_flags);
	fprintf(out, " addr=%s", ak[op->addr_kind]);
	if (op->addr_kind == A_UD)
		fprintf(out, "0x%" PRIx64, op->addr_arg);
	else if (op->addr_kind != A_NONE)
		fprintf(out, "%" PRIu64, op->addr_arg);
	if (op->opcode == IORING_OP_NOP || op->opcode == IORING_OP_MSG_RING ||
	    op->opcode == IORING_OP_READ_FIXED || op->opcode == IORING_OP_WRITE_FIXED ||
	    op->opcode == IORING_OP_READV_FIXED || op->opcode == IORING_OP_WRITEV_FIXED)
		fprintf(out, " buf_index=%u", op->buf_index);
	if (op->kb) {
		fprintf(out, " bgid=%u", op->buf_index);
		if (op->opcode == IORING_OP_PROVIDE_BUFFERS || op->opcode == IORING_OP_REMOVE_BUFFERS)
			fprintf(out, " nbufs=%d", op->x_fd);
		if (op->opcode == IORING_OP_RECVMSG)
			fprintf(out, " msg{iovlen %u len %u name %u control %u}", op->m_iovlen,
				op->m_iov_len, op->m_namelen, op->m_controllen);
		if (op->flags & IOSQE_BUFFER_SELECT)
			fprintf(out, " BUFFER_SELECT");
	}
	if (op->niov || op->iov_huge) {
		fprintf(out, " iov[%d]={", op->niov);
		for (int v = 0; v < op->niov; v++)
			fprintf(out, "%s%s:%u", v ? "," : "",
				op->iov[v].kind == IOV_OK ? "ok" : op->iov[v].kind == IOV_ZERO ? "0" : "bad",
				op->iov[v].len);
		fprintf(out, "}");
	}
	if (op->poll_len)
		fprintf(out, " poll_len=0x%x", op->poll_len);
	if (op->ioprio)
		fprintf(out, " ioprio=0x%x", op->ioprio);
	if (op->personality)
		fprintf(out, " personality=%u", op->personality);
	if (op->opcode == IORING_OP_NOP && (op->op_flags & IORING_NOP_CQE32))
		fprintf(out, " big=0x%" PRIx64 ",0x%" PRIx64, (uint64_t)op->off, op->x_addr3);
	if (b->restrict_on && !restrict_allows(b, op))
		fprintf(out, " [restricted]");
	if (op->dropped)
		fprintf(out, " [dropped: bad SQ index]");
	if (op->chain_prev >= 0)
		fprintf(out, " [after #%d]", op->chain_prev);
	if (op->remover >= 0)
		fprintf(out, " [removed by #%d]", op->remover);
	fprintf(out, "\n");
}

static void print_batch_header(FILE *out, const struct batch *b)
{
	fprintf(out,
		"batch %" PRIu64 ": %d SQEs, sq %u cq %u setup 0x%x files %s bufs %s drain %s "
		"sizes %zu/%zu quiet %d/%d\n",
		b->no, b->nops, b->sq_entries, b->cq_entries, b->setup_flags,
		b->reg_files ? "registered" : "no", b->reg_bufs ? "registered" : "no",
		b->allow_drain ? "allowed" : "no", b->fsize[0], b->fsize[1], b->quiet[0], b->quiet[1]);
	if (b->cfg != CFG_PLAIN)
		fprintf(out, "    config %s: %d NOPs with 32-byte CQEs%s%s\n", cfg_name[b->cfg], b->nbig,
			b->bad_mem ? ", bad ring memory " : "",
			b->bad_mem == 1 ? "(rings misaligned)" : b->bad_mem == 2 ? "(SQEs misaligned)" :
			b->bad_mem == 3 ? "(rings cut short)" : "");
	if (b->setup_flags & IORING_SETUP_R_DISABLED)
		fprintf(out, "    R_DISABLED:%s restrictions %s: opcodes 0x%" PRIx64 " sqe flags allowed "
			"0x%x required 0x%x register 0x%" PRIx64 "%s\n",
			b->pre_enter ? " an enter before the enable," : "",
			b->restrict_on ? "registered" : "none", b->op_allowed, b->sqe_allowed,
			b->sqe_required, b->reg_allowed,
			b->restrict_bad == 1 ? ", one with an opcode past the last" :
			b->restrict_bad == 2 ? ", one of an unknown kind" :
			b->restrict_bad == 3 ? ", registered twice" : "");
	if (!b->kbuf)
		return;
	for (int g = 0; g < NR_BGID; g++) {
		static const char *const kinds[] = { "none", "legacy", "ring", "chain" };
		const struct kgroup *k = &b->kg[g];

		fprintf(out, "    group %d: %s %u x %u bytes, bid %u", g, kinds[k->kind], k->nbufs,
			k->bsize, k->bid0);
		if (k->kind == G_RING)
			fprintf(out, ", %u entries%s%s", k->entries,
				k->rflags & IOU_PBUF_RING_MMAP ? " MMAP" : "",
				k->rflags & IOU_PBUF_RING_INC ? " INC" : "");
		if (k->bad)
			fprintf(out, ", bad registration %u", k->bad);
		if (k->odd)
			fprintf(out, ", entry %u odd %u", k->odd_at, k->odd);
		fprintf(out, "%s\n", k->unstable ? " (unstable)" : "");
	}
	for (int i = 0; i < b->nkx; i++)
		fprintf(out, "    register call %d: what %u bgid %u bad %u\n", i, b->kx[i].what,
			b->kx[i].bgid, b->kx[i].bad);
}

/* ---- running one side ---- */

static uint8_t *map_arena(size_t size)
{
	uint8_t *p = mmap(NULL, size + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	if (mprotect(p + size, PAGE, PROT_NONE)) {
		perror("mprotect");
		exit(2);
	}
	return p;
}

static void side_init(struct side *s, const char *name, enum ringer_backend backend)
{
	s->name = name;
	s->backend = backend;
	s->rd = map_arena(ARENA_SIZE);
	s->wr = map_arena(ARENA_SIZE);
	s->reg = map_arena((size_t)NR_REGBUF * REGBUF_SIZE);
	s->scratch = map_arena(PAGE);
	s->kbuf = map_arena((size_t)NR_BGID * KBUF_GROUP);
	s->kring = map_arena((size_t)NR_BGID * PAGE);
	for (int f = 0; f < 2; f++)
		s->file[f] = malloc(70000);
}

static void xwrite_all(int fd, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0) {
			perror("prefill");
			exit(2);
		}
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
}

static void env_open(struct side *s, const struct batch *b)
{
	static uint8_t fill[70000];
	char path[320];
	int p[2], sv[2];

	for (int f = 0; f < 2; f++) {
		int fd;

		snprintf(path, sizeof(path), "%s/file%d", s->dir, f);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			perror(path);
			exit(2);
		}
		for (size_t o = 0; o < b->fsize[f]; o++)
			fill[o] = pattern(b->no, f, 0, o);
		xwrite_all(fd, fill, b->fsize[f]);
		lseek(fd, 0, SEEK_SET); /* offset -1 means the file position: start at 0 */
		s->fd[f == 0 ? O_REG_A : O_REG_B] = fd;
		s->fd[f == 0 ? O_REG_RO : O_REG_WO] = open(path, (f == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
	}
	s->fd[O_DIR] = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->fd[O_NULL] = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (pipe2(p, O_CLOEXEC) || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		perror("pipe/socketpair");
		exit(2);
	}
	s->fd[O_PIPE_R] = p[0];
	s->fd[O_PIPE_W] = p[1];
	s->fd[O_SOCK] = sv[0];
	s->sock_peer = sv[1];
	for (int i = 0; i < STREAM_PREFILL; i++)
		fill[i] = (uint8_t)i;
	xwrite_all(p[1], fill, STREAM_PREFILL);
	xwrite_all(sv[1], fill, STREAM_PREFILL);
	/* a number of its own per side, above what the files take: a late
	 * request of the other side can never find it reused */
	{
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		struct rlimit rl = { .rlim_cur = 1024 };

		/* below the engine's own fds (from half the limit up) */
		getrlimit(RLIMIT_NOFILE, &rl);
		s->fd[O_CLOSED] = (rl.rlim_cur / 4 < 700 ? (int)rl.rlim_cur / 4 : 700) +
				  (s == &sides[1]);
		if (fd < 0 || dup2(fd, s->fd[O_CLOSED]) < 0) {
			perror("dup2");
			exit(2);
		}
		close(fd);
		close(s->fd[O_CLOSED]);
	}
	s->fd[O_NEG] = -1;
	s->fd[O_HUGE] = 1 << 20;
	s->fd[O_RING] = s->ring.ring_fd;
	for (int i = 0; i < NR_OBJ; i++)
		/* a REGISTERED_FD_ONLY ring has no fd: -1 names it */
		if (s->fd[i] == -1 && i != O_NEG && i != O_RING) {
			perror("open");
			exit(2);
		}
}

static void env_close(struct side *s)
{
	for (int i = O_REG_A; i <= O_SOCK; i++)
		close(s->fd[i]);
	close(s->sock_peer);
}

static uint64_t addr_of(struct side *s, const struct batch *b, const struct op *op, int idx)
{
	switch (op->addr_kind) {
	case A_RD: return (uintptr_t)(s->rd + op->addr_arg);
	case A_WR: return (uintptr_t)(s->wr + op->addr_arg);
	case A_RD_END: return (uintptr_t)(s->rd + ARENA_SIZE - op->addr_arg);
	case A_WR_END: return (uintptr_t)(s->wr + ARENA_SIZE - op->addr_arg);
	case A_NULL: return 0;
	case A_GUARD: return (uintptr_t)(s->rd + ARENA_SIZE);
	case A_KERNEL: return 0xffff888000001000ULL;
	case A_REG: return (uintptr_t)(s->reg + op->addr_arg);
	case A_REG_END: {
		unsigned bi = op->buf_index < NR_REGBUF ? op->buf_index : 0;

		return (uintptr_t)(s->reg + (size_t)(bi + 1) * REGBUF_SIZE - op->addr_arg);
	}
	case A_REG_BEFORE: {
		unsigned bi = op->buf_index < NR_REGBUF ? op->buf_index : 0;

		return (uintptr_t)(s->reg + (size_t)bi * REGBUF_SIZE) - 1;
	}
	case A_IOV: return (uintptr_t)s->iovs[idx];
	case A_UD: return op->addr_arg;
	case A_PATH: return (uintptr_t)"ringer-fuzz-no-such-file";
	case A_NOPARENT: return (uintptr_t)"ringer-fuzz-no-such-dir/x";
	case A_TS: return (uintptr_t)&s->ts;
	case A_TS_LONG: return (uintptr_t)&s->ts_long;
	case A_SCRATCH: return (uintptr_t)s->scratch;
	case A_FUTEX: return (uintptr_t)(s->scratch + SCRATCH_FUTEX + op->addr_arg);
	case A_WAITV: return (uintptr_t)(s->scratch + SCRATCH_WAITV);
	case A_OPTVAL: return (uintptr_t)(s->scratch + SCRATCH_OPTVAL);
	case A_KBUF: return (uintptr_t)(s->kbuf + op->addr_arg);
	case A_MSG: return (uintptr_t)&s->msgs[idx];
	default: return 0;
	}
}

/* the bytes a write sends: P(offset) for a regular file, anything else otherwise */
static void fill_src(const struct batch *b, const struct op *op, uint8_t *dst, uint32_t len,
		     int64_t file_off)
{
	int f = file_of(op->obj);

	for (uint32_t i = 0; i < len; i++)
		dst[i] = f >= 0 && file_off >= 0 ? pattern(b->no, f, 1, (uint64_t)file_off + i)
						 : (uint8_t)(i * 7);
}

static void materialize(struct side *s, const struct batch *b, int idx, struct io_uring_sqe *sqe)
{
	const struct op *op = &b->ops[idx];
	int64_t foff = op->off == -1 ? 0 : op->off;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op->opcode;
	sqe->flags = op->flags;
	sqe->ioprio = op->ioprio;
	sqe->fd = op->fixed ? op->fd_raw : op->obj >= 0 ? s->fd[op->obj] : -1;
	sqe->off = (uint64_t)op->off;
	sqe->len = op->len;
	sqe->rw_flags = (int)op->op_flags;
	sqe->user_data = UD_BASE + (uint64_t)idx;
	sqe->personality = op->personality;
	sqe->addr = addr_of(s, b, op, idx);

	switch (op->opcode) {
	case IORING_OP_READ_FIXED:
	case IORING_OP_WRITE_FIXED:
		sqe->buf_index = op->buf_index;
		if (op->opcode == IORING_OP_WRITE_FIXED && op->addr_kind == A_REG)
			fill_src(b, op, s->reg + op->addr_arg, op->len, foff);
		break;
	case IORING_OP_SEND:
	case IORING_OP_WRITE:
		if (op->addr_kind == A_WR)
			fill_src(b, op, s->wr + op->addr_arg, op->len, foff);
		else if (op->addr_kind == A_WR_END)
			fill_src(b, op, s->wr + ARENA_SIZE - op->addr_arg, (uint32_t)op->addr_arg, foff);
		break;
	case IORING_OP_READV_FIXED:
	case IORING_OP_WRITEV_FIXED: {
		int64_t o = foff;

		sqe->buf_index = op->buf_index;
		for (int v = 0; v < op->niov; v++) {
			const struct iov_spec *is = &op->iov[v];
			struct iovec *iov = &s->iovs[idx][v];

			if (is->kind == IOV_OK) {
				iov->iov_base = s->reg + is->arg;
				if (op->opcode == IORING_OP_WRITEV_FIXED)
					fill_src(b, op, iov->iov_base, is->len, o);
				o += is->len;
			} else {
				/* empty inside the buffer, or outside any */
				iov->iov_base = is->kind == IOV_ZERO
							? s->reg
							: (void *)0xffff888000002000ULL;
			}
			iov->iov_len = is->len;
		}
		break;
	}
	case IORING_OP_READV:
	case IORING_OP_WRITEV: {
		int64_t o = foff;

		for (int v = 0; v < op->niov; v++) {
			const struct iov_spec *is = &op->iov[v];
			struct iovec *iov = &s->iovs[idx][v];

			switch (is->kind) {
			case IOV_OK:
				iov->iov_base = (op->opcode == IORING_OP_WRITEV ? s->wr : s->rd) + is->arg;
				iov->iov_len = is->len;
				if (op->opcode == IORING_OP_WRITEV)
					fill_src(b, op, iov->iov_base, is->len, o);
				o += is->len;
				break;
			case IOV_ZERO:
				iov->iov_base = NULL;
				iov->iov_len = 0;
				break;
			default:
				iov->iov_base = (void *)0xffff888000002000ULL;
				iov->iov_len = is->len;
			}
		}
		break;
	}
	case IORING_OP_POLL_ADD:
		sqe->poll32_events = op->op_flags;
		sqe->len = op->poll_len;
		sqe->off = 0;
		break;
	case IORING_OP_POLL_REMOVE:
		sqe->len = op->poll_len;
		sqe->fd = -1;
		sqe->poll32_events = op->op_flags; /* set only for updates */
		break;
	case IORING_OP_EPOLL_CTL:
		sqe->buf_index = op->buf_index;
		break;
	case IORING_OP_MSG_RING:
		sqe->off = sqe->user_data;
		sqe->rw_flags = 0;
		sqe->msg_ring_flags = op->op_flags;
		sqe->file_index = op->buf_index & 0xff;
		sqe->addr3 = op->buf_index >> 8;
		break;
	case IORING_OP_FUTEX_WAKE:
	case IORING_OP_FUTEX_WAIT:
		sqe->fd = op->x_fd;
		sqe->addr2 = (uint64_t)op->off;
		sqe->addr3 = op->x_addr3;
		sqe->futex_flags = op->op_flags;
		sqe->buf_index = op->buf_index;
		break;
	case IORING_OP_FUTEX_WAITV: {
		static const uint32_t wflags[] = { 2, 2 | 128, 2 | 8, 2 | 4, 3, 2 | 16, 0, 2 };
		struct futex_waitv *v = (struct futex_waitv *)(s->scratch + SCRATCH_WAITV);

		for (int i = 0; i < FX_ENTRIES; i++) {
			unsigned fl = (unsigned)(op->x_addr3 >> (3 * i)) & 7;

			v[i] = (struct futex_waitv){
				.val = i == 0 ? 1 : 0,
				.uaddr = (uintptr_t)(s->scratch + SCRATCH_FUTEX + 8 * i),
				.flags = wflags[fl],
			};
		}
		sqe->fd = op->x_fd;
		sqe->addr2 = 0;
		sqe->futex_flags = op->op_flags;
		sqe->buf_index = op->buf_index;
		break;
	}
	case IORING_OP_WAITID:
		sqe->fd = op->x_fd;
		sqe->addr2 = op->off == SCRATCH_SIGINFO ? (uintptr_t)(s->scratch + SCRATCH_SIGINFO)
			     : op->off ? 0xffff888000000000ULL : 0;
		sqe->file_index = op->x_file_index;
		sqe->waitid_flags = op->op_flags;
		sqe->buf_index = op->buf_index;
		sqe->rw_flags = (int)op->op_flags;
		break;
	case IORING_OP_NOP:
		/* fd: -1, or FILE's target (pick_target()); a 32-byte CQE's
		 * second half is off and addr */
		sqe->off = op->op_flags & IORING_NOP_CQE32 ? (uint64_t)op->off : 0;
		if (op->op_flags & IORING_NOP_CQE32)
			sqe->addr = op->x_addr3;
		sqe->nop_flags = op->op_flags;
		sqe->buf_index = op->buf_index;
		break;
	case IORING_OP_FSYNC:
		sqe->fsync_flags = op->op_flags;
		break;
	case IORING_OP_SYNC_FILE_RANGE:
		sqe->sync_range_flags = op->op_flags;
		break;
	case IORING_OP_OPENAT:
	case IORING_OP_STATX:
		sqe->fd = -100; /* AT_FDCWD */
		sqe->len = 0;
		sqe->off = op->opcode == IORING_OP_STATX ? (uintptr_t)s->scratch : 0;
		sqe->rw_flags = 0;
		break;
	case IORING_OP_TIMEOUT:
		sqe->off = (uint64_t)op->off;
		sqe->timeout_flags = op->op_flags;
		break;
	case IORING_OP_LINK_TIMEOUT:
		sqe->off = (uint64_t)op->off;
		sqe->timeout_flags = op->op_flags;
		break;
	case IORING_OP_TIMEOUT_REMOVE:
		/* an update's new time, in off */
		sqe->off = (uintptr_t)&s->ts;
		sqe->timeout_flags = op->op_flags;
		break;
	case IORING_OP_ASYNC_CANCEL:
		sqe->off = 0;
		sqe->len = 0;
		sqe->rw_flags = 0;
		break;
	case IORING_OP_FIXED_FD_INSTALL:
		sqe->addr = 0;
		sqe->len = 0;
		sqe->install_fd_flags = op->op_flags;
		break;
	case IORING_OP_MADVISE:
		sqe->fd = -1;
		sqe->off = 0;
		sqe->fadvise_advice = 0;
		break;
	case IORING_OP_FADVISE:
		sqe->off = 0;
		sqe->fadvise_advice = op->op_flags;
		break;
	case IORING_OP_FGETXATTR:
		sqe->len = 0; /* the value's length only */
		sqe->off = 0;
		sqe->xattr_flags = op->op_flags;
		break;
	case IORING_OP_SPLICE:
	case IORING_OP_TEE:
		sqe->splice_off_in = op->x_addr3;
		sqe->splice_fd_in = !op->x_file_index ? op->x_fd
				    : op->x_fd >= 0 ? s->fd[op->x_fd] : -1;
		sqe->splice_flags = op->op_flags;
		break;
	case IORING_OP_PIPE:
		sqe->fd = op->len == 1;
		sqe->off = op->len == 2;
		sqe->addr3 = op->len == 3;
		sqe->len = 0;
		sqe->pipe_flags = op->op_flags;
		sqe->file_index = op->x_file_index;
		break;
	case IORING_OP_URING_CMD:
		/* level and optname share addr's place, optval addr3's */
		sqe->addr = 0;
		sqe->cmd_op = (uint32_t)op->x_fd;
		sqe->__pad1 = (uint32_t)op->off;
		sqe->level = (uint32_t)op->x_addr3;
		sqe->optname = op->buf_index;
		sqe->optval = addr_of(s, b, op, idx);
		sqe->optlen = op->x_file_index;
		sqe->uring_cmd_flags = op->op_flags;
		/* a successful multishot command never completes on the kernel */
		if (op->flags & IOSQE_BUFFER_SELECT)
			sqe->uring_cmd_flags &= ~IORING_URING_CMD_MULTISHOT;
		break;
	case IORING_OP_SOCKET:
		sqe->fd = op->x_fd;
		sqe->addr = 0;
		sqe->file_index = op->x_file_index;
		break;
	case IORING_OP_ACCEPT:
		sqe->addr2 = 0;
		sqe->file_index = op->x_file_index;
		break;
	case IORING_OP_PROVIDE_BUFFERS:
	case IORING_OP_REMOVE_BUFFERS:
		/* nbufs (nr), bid in off */
		sqe->fd = op->x_fd;
		break;
	case IORING_OP_RECVMSG:
		if (op->addr_kind == A_MSG) {
			struct msghdr *m = &s->msgs[idx];

			memset(m, 0, sizeof(*m));
			m->msg_name = op->m_namelen ? s->msgname[idx] : NULL;
			m->msg_namelen = op->m_namelen;
			m->msg_control = op->m_controllen ? s->msgctl[idx] : NULL;
			m->msg_controllen = op->m_controllen;
			m->msg_iov = s->iovs[idx];
			m->msg_iovlen = op->m_iovlen;
			for (int v = 0; v < op->m_iovlen; v++)
				s->iovs[idx][v] = (struct iovec){
					op->iov[v].kind == IOV_OK ? s->rd + op->iov[v].arg : NULL,
					op->m_iov_len };
		}
		break;
	case IORING_OP_RENAMEAT:
	case IORING_OP_UNLINKAT:
	case IORING_OP_MKDIRAT:
	case IORING_OP_SYMLINKAT:
	case IORING_OP_LINKAT:
		/* addr2 (off) the new name; unlink and mkdir refuse one (-EINVAL) */
		sqe->addr2 = op->x_addr3 == 1 ? 0 : op->x_addr3 == 2 ? 0xffff888000001000ULL
				: (uintptr_t)"ringer-fuzz-no-such-dir/y";
		if ((op->opcode == IORING_OP_UNLINKAT || op->opcode == IORING_OP_MKDIRAT) &&
		    !op->buf_index)
			sqe->addr2 = 0;
		sqe->buf_index = op->buf_index;
		sqe->rw_flags = (int)op->op_flags;
		break;
	default:
		break;
	}
	if (op->kb)
		sqe->buf_group = op->buf_index;
	/* a 128-byte SQE's second half: bytes no opcode the batch has reads
	 * (URING_CMD's socket commands take their fields from the first) */
	if (b->setup_flags & IORING_SETUP_SQE128)
		for (int i = 0; i < 64; i++)
			((uint8_t *)sqe)[64 + i] = pattern(b->no, 2, 0, (uint64_t)idx * 64 + i);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* watchdog: a hang in teardown or in the library is reported, never stuck */
static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static double wd_deadline;
static uint64_t wd_batch;
static const char *wd_what;

static void watchdog_arm(uint64_t batch, const char *what, double seconds)
{
	pthread_mutex_lock(&wd_lock);
	wd_batch = batch;
	wd_what = what;
	wd_deadline = seconds > 0 ? now() + seconds : 0;
	pthread_mutex_unlock(&wd_lock);
}

static void *watchdog(void *arg)
{
	for (;;) {
		usleep(100000);
		pthread_mutex_lock(&wd_lock);
		if (wd_deadline && now() > wd_deadline) {
			fprintf(stderr,
				"DIVERGENCE seed=%" PRIu64 " batch=%" PRIu64 ": hang in %s\n"
				"  replay: tests/fuzz/run --seed %" PRIu64 " --replay-batch %" PRIu64 "%s\n",
				opt.seed, wd_batch, wd_what, opt.seed, wd_batch, cfg_arg(wd_batch));
			_exit(1);
		}
		pthread_mutex_unlock(&wd_lock);
	}
	return NULL;
}

/* no io-wq worker of this process is running or in a wait it cannot leave:
 * what CQE_SKIP_SUCCESS hides on the kernel side has had its chance to end */
static bool kernel_workers_idle(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	bool idle = true;

	if (!d)
		return true;
	while (idle && (e = readdir(d))) {
		char path[300], buf[256];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			char *comm = strchr(buf, '('), *end = strrchr(buf, ')');

			if (comm && end && !strncmp(comm + 1, "iou-wrk", 7) && end[1] == ' ' &&
			    (end[2] == 'R' || end[2] == 'D'))
				idle = false;
		}
		fclose(f);
	}
	closedir(d);
	return idle;
}

static void record(struct side *s, struct io_uring_cqe *cqe)
{
	if (s->ncqe < (int)(sizeof(s->cqe) / sizeof(s->cqe[0]))) {
		struct cqe_rec *r = &s->cqe[s->ncqe++];

		*r = (struct cqe_rec){ cqe->user_data, cqe->res, cqe->flags };
		/* every CQE of a CQE32 ring is 32 bytes; on a CQE_MIXED ring
		 * those with IORING_CQE_F_32 */
		if ((s->ring.flags & IORING_SETUP_CQE32) ||
		    ((s->ring.flags & IORING_SETUP_CQE_MIXED) && (cqe->flags & IORING_CQE_F_32))) {
			r->big = true;
			r->big_cqe[0] = cqe->big_cqe[0];
			r->big_cqe[1] = cqe->big_cqe[1];
		}
	}
	io_uring_cqe_seen(&s->ring, cqe);
}

/* reap every CQE, waiting up to ms milliseconds for the first; returns how many */
static int reap(struct side *s, int ms)
{
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	int n = 0;

	/* under DEFER_TASKRUN what completed after the submit reaches the CQ
	 * only in the submitter's enter with GETEVENTS: a wait that finds a
	 * CQE there returns without entering, so enter first */
	if (s->ring.flags & IORING_SETUP_DEFER_TASKRUN)
		io_uring_get_events(&s->ring);
	if (ms > 0 && io_uring_wait_cqe_timeout(&s->ring, &cqe, &ts) == 0 && cqe) {
		record(s, cqe);
		n++;
	}
	while (io_uring_peek_cqe(&s->ring, &cqe) == 0 && cqe) {
		record(s, cqe);
		n++;
	}
	return n;
}

static int count_ud(const struct side *s, uint64_t ud, bool *final)
{
	int n = 0;

	*final = false;
	for (int i = 0; i < s->ncqe; i++)
		if (s->cqe[i].user_data == ud) {
			n++;
			if (!(s->cqe[i].flags & IORING_CQE_F_MORE))
				*final = true;
		}
	return n;
}

/* whether op i surely posts a CQE: not CQE_SKIP_SUCCESS, and no earlier link
 * of its chain is (a failed CQE_SKIP request skips its links' CQEs too) */
static bool surely_posts(const struct batch *b, int i)
{
	if (b->ops[i].dropped)
		return false;
	for (; i >= 0; i = b->ops[i].chain_prev)
		if (b->ops[i].flags & IOSQE_CQE_SKIP_SUCCESS)
			return false;
	return true;
}

/* every op that surely posts a CQE has its last one */
static bool all_final(const struct side *s, const struct batch *b)
{
	bool final;

	for (int i = 0; i < b->nops; i++) {
		if (!surely_posts(b, i))
			continue;
		count_ud(s, UD_BASE + (uint64_t)i, &final);
		if (!final)
			return false;
	}
	return true;
}

static bool excused_missing(const struct batch *b, const struct side *k, uint64_t ud);

/* the engine side has at least the kernel's CQEs for every user_data (or a
 * known divergence explains that it has none) */
static bool covers(const struct batch *b, const struct side *s, const struct side *k)
{
	for (int i = 0; i < k->ncqe; i++) {
		uint64_t ud = k->cqe[i].user_data;
		bool f;

		if (ud == UD_FENCE)
			continue;
		if (count_ud(s, ud, &f) < count_ud(k, ud, &f) && !excused_missing(b, k, ud))
			return false;
	}
	return true;
}

/* ---- provided buffers on one side ---- */

/* one SQE before or after the batch, its result (CQEs of the batch that
 * come meanwhile are recorded as usual) */
static int sync_sqes(struct side *s, int n, int *res)
{
	struct __kernel_timespec ts = { .tv_sec = 2 };
	struct io_uring_cqe *cqe;
	int got = 0;

	for (int i = 0; i < n; i++)
		res[i] = -EOWNERDEAD; /* no CQE */
	/* a submission stops after an SQE that fails at init (one the
	 * restrictions refuse): the rest go in the next */
	for (int tries = 0; io_uring_sq_ready(&s->ring) && tries <= n; tries++)
		if (io_uring_submit(&s->ring) < 0)
			break;
	while (got < n) {
		if (io_uring_wait_cqe_timeout(&s->ring, &cqe, &ts) || !cqe)
			return -ETIME;
		if (cqe->user_data >= UD_POST && cqe->user_data < UD_POST + (uint64_t)n) {
			res[cqe->user_data - UD_POST] = cqe->res;
			got++;
			io_uring_cqe_seen(&s->ring, cqe);
		} else {
			record(s, cqe);
		}
	}
	return 0;
}

/* a register call of the ring: by its registered index when it has no fd */
static int ring_register(struct side *s, unsigned opcode, const void *arg, unsigned nr)
{
	if (s->ring.ring_fd < 0)
		return io_uring_register((unsigned)s->ring.enter_ring_fd,
					 opcode | IORING_REGISTER_USE_REGISTERED_RING, arg, nr);
	return io_uring_register((unsigned)s->ring.ring_fd, opcode, arg, nr);
}

static int reg_ring(struct side *s, uint16_t bgid, uint16_t entries, uint8_t rflags, int bad,
		    void *mem)
{
	struct io_uring_buf_reg reg = { .ring_entries = entries, .bgid = bgid, .flags = rflags };

	if (!(rflags & IOU_PBUF_RING_MMAP))
		reg.ring_addr = (uintptr_t)mem;
	switch (bad) {
	case 1: reg.ring_entries = 3; break;
	case 2: reg.ring_entries = 0; break;
	case 3: reg.flags |= 4; break;
	case 4: /* resv[0]'s first 32 bits: an incremental ring's minimum
		 * left (else -EINVAL), from nothing to more than a buffer */
		reg.resv[0] = 1 + (bgid % 4) * 24U;
		break;
	case 5: reg.ring_addr = (uintptr_t)mem + 64; break;
	case 6: reg.ring_addr = 0; break;
	case 7: reg.ring_addr = 0xffff888000000000ULL; break;
	case 8: reg.ring_entries = 65536; break;
	case 9: reg.ring_addr = (uintptr_t)(s->kring + NR_BGID * PAGE); break; /* PROT_NONE */
	default: break;
	}
	return io_uring_register_buf_ring(&s->ring, &reg, 0);
}

/* a bad registration the ring took: a ring this side must not touch */
static bool bad_mem(int bad, uint8_t rflags)
{
	return !(rflags & IOU_PBUF_RING_MMAP) && (bad == 5 || bad == 6 || bad == 7 || bad == 9);
}

static void kbuf_setup(struct side *s, const struct batch *b)
{
	int res[1];

	for (int g = 0; g < NR_BGID; g++) {
		s->br[g] = NULL;
		s->br_mapped[g] = 0;
		s->kprov_ret[g] = s->kreg_ret[g] = 0;
	}
	if (!b->kbuf)
		return;
	memset(s->kbuf, CANARY, (size_t)NR_BGID * KBUF_GROUP);
	memset(s->kring, 0, (size_t)NR_BGID * PAGE);
	for (int g = 0; g < NR_BGID; g++) {
		const struct kgroup *k = &b->kg[g];
		uint8_t *base = s->kbuf + (size_t)g * KBUF_GROUP;
		struct io_uring_buf_ring *br;
		int ret;

		if (k->kind == G_LEGACY) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);

			io_uring_prep_provide_buffers(sqe, base, k->bsize, k->nbufs, g, k->bid0);
			sqe->user_data = UD_POST;
			s->kprov_ret[g] = sync_sqes(s, 1, res) ?: res[0];
			continue;
		}
		if (k->kind != G_RING)
			continue;
		ret = reg_ring(s, (uint16_t)g, k->entries, k->rflags, k->bad, s->kring + (size_t)g * PAGE);
		s->kreg_ret[g] = ret;
		if (ret)
			continue;
		if (bad_mem(k->bad, k->rflags)) {
			io_uring_unregister_buf_ring(&s->ring, g);
			continue;
		}
		if (k->rflags & IOU_PBUF_RING_MMAP) {
			void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
				       s->ring.ring_fd,
				       (off_t)(IORING_OFF_PBUF_RING | (uint64_t)g << IORING_OFF_PBUF_SHIFT));

			if (p == MAP_FAILED) {
				s->kreg_ret[g] = 1000 + errno; /* a difference */
				io_uring_unregister_buf_ring(&s->ring, g);
				continue;
			}
			br = p;
			s->br_mapped[g] = PAGE;
		} else {
			br = (struct io_uring_buf_ring *)(s->kring + (size_t)g * PAGE);
		}
		s->br[g] = br;
		for (int i = 0; i < k->nbufs; i++) {
			uint64_t addr = (uintptr_t)(base + (size_t)i * k->bsize);
			uint32_t len = k->bsize;

			if (k->odd && i == k->odd_at) {
				if (k->odd == 1)
					addr = 0;
				else if (k->odd == 2)
					addr = 0xffff888000003000ULL;
				else
					len = 0;
			}
			io_uring_buf_ring_add(br, (void *)(uintptr_t)addr, len,
					      (unsigned short)(k->bid0 + i),
					      io_uring_buf_ring_mask(k->entries), i);
		}
		io_uring_buf_ring_advance(br, k->nbufs);
	}
	for (int i = 0; i < b->nkx; i++) {
		uint16_t bgid = b->kx[i].bgid;
		int bad = b->kx[i].bad;

		switch (b->kx[i].what) {
		case 0: /* a ring with a field wrong, on a group that is free */
			s->kx_ret[i] = reg_ring(s, (uint16_t)(300 + i), 8, 0, bad ? bad : 1,
						s->kring + (size_t)(NR_BGID - 1) * PAGE);
			if (!s->kx_ret[i])
				io_uring_unregister_buf_ring(&s->ring, 300 + i);
			break;
		case 1: /* a ring over a group in use: -EEXIST */
			s->kx_ret[i] = reg_ring(s, bgid, 8, IOU_PBUF_RING_MMAP, 0, NULL);
			if (!s->kx_ret[i])
				io_uring_unregister_buf_ring(&s->ring, bgid);
			break;
		case 2: { /* an unregistration: of a ring, another group, nothing */
			struct io_uring_buf_reg reg = { .bgid = bgid };

			if (bad == 1)
				reg.flags = 1;
			else if (bad == 2)
				reg.resv[1] = 1;
			s->kx_ret[i] = ring_register(s, IORING_UNREGISTER_PBUF_RING,
						   bad == 3 ? NULL : &reg, bad == 4 ? 2 : 1);
			break;
		}
		default: { /* PBUF_STATUS with stray fields, or none */
			struct io_uring_buf_status st = { .buf_group = bgid };

			if (bad == 1)
				st.resv[3] = 1;
			else if (bad == 2)
				st.buf_group = 1U << 16 | bgid;
			s->kx_ret[i] = ring_register(s, IORING_REGISTER_PBUF_STATUS,
						   bad == 3 ? NULL : &st, bad == 4 ? 0 : 1);
			break;
		}
		}
	}
}

/* after the batch: what every group holds */
static void kbuf_post(struct side *s, const struct batch *b)
{
	int n, res[NR_BGID + NR_SPARE];

	if (!b->kbuf)
		return;
	for (int g = 0; g <= NR_BGID; g++) {
		uint16_t head = 0;

		s->kstat_ret[g] = io_uring_buf_ring_head(&s->ring, g < NR_BGID ? g : BGID_NONE, &head);
		s->kstat_head[g] = head;
	}
	/* in rounds the SQ holds */
	for (int first = 0, total = NR_BGID + b->nspare; first < total; first += n) {
		n = total - first < (int)b->sq_entries ? total - first : (int)b->sq_entries;
		for (int i = 0; i < n; i++) {
			int g = first + i;
			struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);

			io_uring_prep_remove_buffers(sqe, 65535,
						     g < NR_BGID ? g : BGID_SPARE + g - NR_BGID);
			sqe->user_data = UD_POST + (uint64_t)i;
		}
		if (sync_sqes(s, n, res))
			for (int i = 0; i < n; i++)
				res[i] = -ETIME;
		memcpy(s->krem_ret + first, res, sizeof(int) * (size_t)n);
	}
	for (int g = 0; g < NR_BGID; g++) {
		if (!s->br[g])
			continue;
		for (int i = 0; i < b->kg[g].entries; i++) {
			struct io_uring_buf e = s->br[g]->bufs[i];
			uintptr_t base = (uintptr_t)s->kbuf;

			/* an address in this side's arena: as an offset */
			if (e.addr >= base && e.addr <= base + (size_t)NR_BGID * KBUF_GROUP)
				e.addr -= base;
			if (i == 0)
				e.resv = 0; /* the tail */
			s->kents[g][i] = e;
		}
	}
}

static void kbuf_end(struct side *s)
{
	for (int g = 0; g < NR_BGID; g++)
		if (s->br_mapped[g]) {
			munmap(s->br[g], s->br_mapped[g]);
			s->br_mapped[g] = 0;
		}
}

/*
 * NO_MMAP: this side's ring memory as io_uring_queue_init_mem() lays it out
 * (the SQEs, the rings from the next page), a PROT_NONE page after it; or
 * the batch's bad variant of it.
 */
static int side_mem(struct side *s, const struct batch *b, struct io_uring_params *p)
{
	ssize_t total = io_uring_memory_size_params(b->sq_entries, p);
	size_t sqes;
	unsigned sq = 1;

	if (total < 0)
		return (int)total;
	while (sq < b->sq_entries)
		sq <<= 1;
	sqes = ((size_t)sq << (b->setup_flags & IORING_SETUP_SQE128 ? 7 : 6));
	sqes = (sqes + PAGE - 1) & ~(size_t)(PAGE - 1);
	s->mem = map_arena((size_t)total);
	s->mem_len = (size_t)total + PAGE;
	p->sq_off.user_addr = (uintptr_t)s->mem;
	p->cq_off.user_addr = (uintptr_t)s->mem + sqes;
	switch (b->bad_mem) {
	case 1: p->cq_off.user_addr += 64; break;
	case 2: p->sq_off.user_addr += 64; break;
	case 3: mprotect(s->mem + total - PAGE, PAGE, PROT_NONE); break;
	default: break;
	}
	return 0;
}

static void side_mem_free(struct side *s)
{
	if (s->mem)
		munmap(s->mem, s->mem_len);
	s->mem = NULL;
}

/* R_DISABLED: an enter before the ring is enabled, the batch's
 * restrictions, and the enable */
static void side_enable(struct side *s, const struct batch *b)
{
	struct io_uring_restriction res[IORING_OP_LAST + 64 + 4];
	unsigned n = 0;

	s->disabled_ret = s->restrict_ret = s->restrict2_ret = s->enable_ret = 0;
	if (!(b->setup_flags & IORING_SETUP_R_DISABLED))
		return;
	if (b->pre_enter)
		s->disabled_ret = io_uring_get_events(&s->ring);
	if (b->restrict_on) {
		memset(res, 0, sizeof(res));
		for (unsigned op = 0; op < IORING_OP_LAST; op++)
			if ((b->op_allowed >> op) & 1) {
				res[n].opcode = IORING_RESTRICTION_SQE_OP;
				res[n++].sqe_op = (uint8_t)op;
			}
		for (unsigned op = 0; op < 64; op++)
			if ((b->reg_allowed >> op) & 1) {
				res[n].opcode = IORING_RESTRICTION_REGISTER_OP;
				res[n++].register_op = (uint8_t)op;
			}
		res[n].opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED;
		res[n++].sqe_flags = b->sqe_allowed;
		if (b->sqe_required) {
			res[n].opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED;
			res[n++].sqe_flags = b->sqe_required;
		}
		if (b->restrict_bad == 1) {
			res[n].opcode = IORING_RESTRICTION_SQE_OP;
			res[n++].sqe_op = IORING_OP_LAST;
		} else if (b->restrict_bad == 2) {
			res[n++].opcode = IORING_RESTRICTION_LAST;
		}
		s->restrict_ret = io_uring_register_restrictions(&s->ring, res, n);
		if (b->restrict_bad == 3)
			s->restrict2_ret = io_uring_register_restrictions(&s->ring, res, n);
	}
	s->enable_ret = io_uring_enable_rings(&s->ring);
}

static int side_run(struct side *s, const struct batch *b, const struct side *oracle)
{
	struct io_uring_params p = { .flags = b->setup_flags, .cq_entries = b->cq_entries };
	int ret;
	double deadline;

	s->ncqe = s->nsubmit = 0;
	s->timed_out = false;
	s->ring_ok = false;
	s->ts = (struct __kernel_timespec){ .tv_nsec = 1000000 };
	s->ts_long = (struct __kernel_timespec){ .tv_sec = 10 };
	memset(s->rd, CANARY, ARENA_SIZE);
	memset(s->reg, CANARY, (size_t)NR_REGBUF * REGBUF_SIZE);
	memset(s->iovs, 0, sizeof(s->iovs));

	double t0 = now(), t1, t2;

	watchdog_arm(b->no, s->name, 60);
	s->setup_ret = 0;
	if (b->setup_flags & IORING_SETUP_NO_MMAP)
		s->setup_ret = side_mem(s, b, &p);
	if (!s->setup_ret)
		s->setup_ret = ringer_queue_init_backend(b->sq_entries, &s->ring, &p, s->backend);
	if (s->setup_ret < 0) {
		side_mem_free(s);
		watchdog_arm(0, NULL, 0);
		return s->setup_ret;
	}
	/* the oracle refused the ring: only the setup is compared */
	if (oracle && !oracle->ring_ok) {
		io_uring_queue_exit(&s->ring);
		side_mem_free(s);
		watchdog_arm(0, NULL, 0);
		return 0;
	}
	s->ring_ok = true;
	side_enable(s, b);
	env_open(s, b);
	s->files_ret = s->bufs_ret = 0;
	if (b->reg_files) {
		int fds[NR_FIXED];

		for (int i = 0; i < NR_FIXED; i++)
			fds[i] = fixed_map[i] >= 0 ? s->fd[fixed_map[i]] : -1;
		s->files_ret = io_uring_register_files(&s->ring, fds, NR_FIXED);
	}
	if (b->reg_bufs) {
		struct iovec iov[NR_REGBUF];

		for (int i = 0; i < NR_REGBUF; i++)
			iov[i] = (struct iovec){ s->reg + (size_t)i * REGBUF_SIZE, REGBUF_SIZE };
		s->bufs_ret = io_uring_register_buffers(&s->ring, iov, NR_REGBUF);
	}

	/* odd batches: personality 1 names the fuzzer's own credentials;
	 * even ones: none is registered, so an SQE naming it is -EINVAL */
	s->pers_ret = b->no & 1 ? io_uring_register_personality(&s->ring) : 0;
	kbuf_setup(s, b);

	t1 = now();
	t_setup += t1 - t0;
	/* submit round by round, never reaping in between: small CQs overflow */
	for (int i = 0; i < b->nops;) {
		int round = b->ops[i].round, first = i;

		for (; i < b->nops && b->ops[i].round == round; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);

			if (!sqe) {
				fprintf(stderr, "fuzz: SQ full (batch %" PRIu64 ")\n", b->no);
				exit(2);
			}
			materialize(s, b, i, sqe);
			if (b->ops[i].dropped)
				s->ring.sq.array[(s->ring.sq.sqe_tail - 1) & s->ring.sq.ring_mask] =
					s->ring.sq.ring_entries + 3;
		}
		for (int tries = 0; io_uring_sq_ready(&s->ring) && tries < 2 * MAX_OPS; tries++) {
			ret = io_uring_submit(&s->ring);
			if (s->nsubmit < (int)(sizeof(s->submit_ret) / sizeof(s->submit_ret[0])))
				s->submit_ret[s->nsubmit++] = ret;
			if (ret < 0)
				break;
		}
		/* restore the identity SQ array the library relies on */
		if (s->ring.sq.array)
			for (unsigned j = 0; j <= s->ring.sq.ring_mask; j++)
				s->ring.sq.array[j] = j;
		(void)first;
	}

	t2 = now();
	t_submit += t2 - t1;
	/* wait: the kernel side until all is done, the engine until it has what the kernel had */
	/* generous: a loaded machine must not look like a hang (only a real
	 * divergence waits this long: known ones are not waited for) */
	deadline = now() + opt.deadline_ms / 1000.0;
	if (!oracle && !b->any_skip) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);

		if (sqe) {
			io_uring_prep_nop(sqe);
			sqe->flags = IOSQE_IO_DRAIN;
			sqe->user_data = UD_FENCE;
			io_uring_submit(&s->ring);
		}
		for (;;) {
			bool fin;

			reap(s, 5);
			if (count_ud(s, UD_FENCE, &fin) && all_final(s, b))
				break;
			if (now() > deadline) {
				s->timed_out = true;
				break;
			}
		}
	} else if (!oracle) {
		while (!all_final(s, b)) {
			reap(s, 5);
			if (now() > deadline) {
				s->timed_out = true;
				break;
			}
		}
		/* what CQE_SKIP_SUCCESS may hide: a quiet period with the
		 * kernel's workers idle */
		while ((reap(s, 3) || !kernel_workers_idle()) && now() < deadline)
			;
	} else {
		while (!covers(b, s, oracle)) {
			reap(s, 5);
			if (now() > deadline) {
				s->timed_out = true;
				break;
			}
		}
		reap(s, 1);
	}
	t_wait += now() - t2;
	s->dropped = *s->ring.sq.kdropped;
	s->overflow = *s->ring.cq.koverflow;
	kbuf_post(s, b);
	for (int f = 0; f < 2; f++) {
		ssize_t n = pread(s->fd[f == 0 ? O_REG_A : O_REG_B], s->file[f], 70000, 0);

		s->file_len[f] = n < 0 ? 0 : (size_t)n;
	}
	watchdog_arm(0, NULL, 0);
	return 0;
}

static void get_cqes(const struct side *s, uint64_t ud, struct cqes *out);

/* a difference in ud's CQEs that a known divergence explains */
static bool explained(const struct batch *b, uint64_t ud)
{
	struct cqes kc, uc;
	uint64_t i = ud - UD_BASE;

	if (opt.strict || ud < UD_BASE || i >= (uint64_t)b->nops)
		return false;
	get_cqes(&sides[0], ud, &kc);
	get_cqes(&sides[1], ud, &uc);
	cur_batch = b;
	for (int d = 0; d < NR_KD; d++)
		if (known[d].action == EXCUSE && matchers[d](&b->ops[i], &kc, &uc))
			return true;
	return false;
}

/* The kernel side of a CQE_SKIP_SUCCESS batch stopped after a grace period:
 * where the engine has more CQEs, give the kernel's late ones time to come,
 * and then the engine's to those that came. */
static void settle_kernel(const struct batch *b)
{
	struct side *k = &sides[0], *u = &sides[1];
	double deadline = now() + 2;

	if (!b->any_skip)
		return;
	for (;;) {
		bool more = false, f;

		for (int i = 0; i < u->ncqe && !more; i++) {
			uint64_t ud = u->cqe[i].user_data;

			if (count_ud(u, ud, &f) > count_ud(k, ud, &f) && !explained(b, ud))
				more = true;
		}
		if (!more || now() > deadline)
			break;
		reap(k, 10);
	}
	/* a CQE of the kernel's that came only now (after its quiet period):
	 * the engine side's wait is over, so it gets its chance too */
	deadline = now() + opt.deadline_ms / 1000.0;
	while (!covers(b, u, k) && now() < deadline)
		reap(u, 5);
}

static void side_end(struct side *s)
{
	if (!s->ring_ok)
		return;
	double t0 = now();

	watchdog_arm(stat_batches, "teardown", 60);
	io_uring_queue_exit(&s->ring);
	side_mem_free(s);
	kbuf_end(s);
	env_close(s);
	t_teardown += now() - t0;
	t_teardown_side[s == &sides[1]] += now() - t0;
	s->ring_ok = false;
	watchdog_arm(0, NULL, 0);
}

/* ---- comparison ---- */

static int reported;
static bool batch_header_printed;

static void diverge(const struct batch *b, const char *fmt, ...)
{
	va_list ap;

	stat_divergences++;
	if (reported++ >= opt.max_report)
		return;
	if (!batch_header_printed) {
		batch_header_printed = true;
		fprintf(stderr, "DIVERGENCE seed=%" PRIu64 " batch=%" PRIu64 "\n", opt.seed, b->no);
		fprintf(stderr, "  replay: tests/fuzz/run --seed %" PRIu64 " --replay-batch %" PRIu64 "%s\n",
			opt.seed, b->no, cfg_arg(b->no));
		fprintf(stderr, "  ");
		print_batch_header(stderr, b);
	}
	va_start(ap, fmt);
	fprintf(stderr, "  ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void get_cqes(const struct side *s, uint64_t ud, struct cqes *out)
{
	out->n = 0;
	for (int i = 0; i < s->ncqe; i++)
		if (s->cqe[i].user_data == ud && out->n < (int)(sizeof(out->c) / sizeof(out->c[0])))
			out->c[out->n++] = &s->cqe[i];
}

static void print_cqes(const char *who, const struct cqes *c)
{
	fprintf(stderr, "    %-6s:", who);
	if (!c->n)
		fprintf(stderr, " no CQE");
	for (int i = 0; i < c->n; i++) {
		fprintf(stderr, " res=%s flags=0x%x", errname(c->c[i]->res), c->c[i]->flags);
		if (c->c[i]->big)
			fprintf(stderr, " big=0x%" PRIx64 ",0x%" PRIx64, c->c[i]->big_cqe[0],
				c->c[i]->big_cqe[1]);
		fprintf(stderr, ";");
	}
	fprintf(stderr, "\n");
}

static bool same_cqes(const struct cqes *a, const struct cqes *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (a->c[i]->res != b->c[i]->res || a->c[i]->flags != b->c[i]->flags ||
		    a->c[i]->big != b->c[i]->big ||
		    (a->c[i]->big && (a->c[i]->big_cqe[0] != b->c[i]->big_cqe[0] ||
				      a->c[i]->big_cqe[1] != b->c[i]->big_cqe[1])))
			return false;
	return true;
}

static int pos_of(const struct side *s, uint64_t ud, bool last)
{
	int p = -1;

	for (int i = 0; i < s->ncqe; i++)
		if (s->cqe[i].user_data == ud) {
			p = i;
			if (!last)
				break;
		}
	return p;
}

/*
 * The request whose CQE op's must follow: the one before it in its chain,
 * except a LINK_TIMEOUT's.  The request after a LINK_TIMEOUT starts when
 * the request the timeout guards completes; the timeout's -ECANCELED is a
 * task work item of its own, which Linux 6.18 may post after the next
 * request's CQE (seen with a full CQ: seed 2, batch 9).
 */
static int order_prev(const struct batch *b, int i)
{
	int prev = b->ops[i].chain_prev;

	while (prev >= 0 && b->ops[prev].opcode == IORING_OP_LINK_TIMEOUT)
		prev = b->ops[prev].chain_prev;
	return prev;
}

/* the order io_uring guarantees, on one side */
static void check_order(const struct batch *b, const struct side *s, const struct side *k)
{
	for (int i = 0; i < b->nops; i++) {
		const struct op *op = &b->ops[i];
		int me = pos_of(s, UD_BASE + (uint64_t)i, false);

		if (me < 0)
			continue;
		if (op->chain_prev >= 0) {
			int before = order_prev(b, i);
			int prev = before >= 0 ? pos_of(s, UD_BASE + (uint64_t)before, true) : -1;

			/* a MSG_RING's message to its own DEFER_TASKRUN
			 * ring after the next request's CQE, its own CQE
			 * before it */
			if (prev > me && s != k && !opt.strict &&
			    (b->setup_flags & IORING_SETUP_DEFER_TASKRUN) &&
			    b->ops[before].opcode == IORING_OP_MSG_RING &&
			    pos_of(s, UD_BASE + (uint64_t)before, false) < me) {
				known_seen[KD_defer_link_issue]++;
				prev = -1;
			}
			if (prev > me) {
				diverge(b, "%s: link chain order: #%d completed before #%d\n",
					s->name, i, before);
				print_op(stderr, b, before);
				print_op(stderr, b, i);
			}
		}
		/* a drained request that ran (not failed at submission) comes after all before it */
		if ((op->flags & IOSQE_IO_DRAIN) && s->cqe[me].res >= 0 && !op->unimpl) {
			for (int j = 0; j < i; j++) {
				int pj = pos_of(s, UD_BASE + (uint64_t)j, true);

				if (pj > me && s != k && !opt.strict &&
				    (b->setup_flags & IORING_SETUP_DEFER_TASKRUN)) {
					known_seen[KD_defer_drain_count]++;
					continue;
				}
				if (pj > me) {
					diverge(b, "%s: drain order: #%d completed before earlier #%d\n",
						s->name, i, j);
					print_op(stderr, b, j);
					print_op(stderr, b, i);
				}
			}
		}
	}
}

static bool masked(const struct batch *b, int region, uint64_t o)
{
	for (int i = 0; i < b->nmask; i++)
		if (b->mask[i].region == region && o >= b->mask[i].lo && o < b->mask[i].hi)
			return true;
	return false;
}

/* which op read into (or wrote) region byte o */
static int owner(const struct batch *b, int region, uint64_t o)
{
	for (int i = 0; i < b->nops; i++) {
		const struct op *op = &b->ops[i];

		if (region == R_RD && op->addr_kind == A_RD && o >= op->addr_arg &&
		    o < op->addr_arg + span(op->len))
			return i;
		if (region == iov_region(op) && op->addr_kind == A_IOV && !is_write(op->opcode))
			for (int v = 0; v < op->niov; v++)
				if (op->iov[v].kind == IOV_OK && o >= op->iov[v].arg &&
				    o < op->iov[v].arg + op->iov[v].len)
					return i;
		if (region == R_REG && op->addr_kind == A_REG && o >= op->addr_arg &&
		    o < op->addr_arg + op->len)
			return i;
		if (region >= R_FILE0 && is_write(op->opcode) &&
		    file_of(op->obj) == region - R_FILE0 && (int64_t)o >= op->file_lo &&
		    (int64_t)o < op->file_hi)
			return i;
	}
	return -1;
}

static void compare_bytes(const struct batch *b, int region, const char *what, const uint8_t *k,
			  const uint8_t *u, size_t len)
{
	for (size_t o = 0; o < len; o++) {
		if (k[o] == u[o] || masked(b, region, o))
			continue;
		int who = owner(b, region, o);

		diverge(b, "%s differs at byte %zu: kernel 0x%02x, user 0x%02x (op #%d)\n", what, o,
			k[o], u[o], who);
		if (who >= 0) {
			struct cqes kc, uc;

			print_op(stderr, b, who);
			get_cqes(&sides[0], UD_BASE + (uint64_t)who, &kc);
			get_cqes(&sides[1], UD_BASE + (uint64_t)who, &uc);
			print_cqes(sides[0].name, &kc);
			print_cqes(sides[1].name, &uc);
		}
		return;
	}
}

/* an op whose CQE is missing on the engine as a known divergence says (the
 * engine succeeded silently under CQE_SKIP_SUCCESS where the kernel failed):
 * not worth waiting for */
static bool excused_missing(const struct batch *b, const struct side *k, uint64_t ud)
{
	struct cqes kc, none = { 0 };
	uint64_t i = ud - UD_BASE;

	if (opt.strict || ud < UD_BASE || i >= (uint64_t)b->nops)
		return false;
	if (!(b->ops[i].flags & IOSQE_CQE_SKIP_SUCCESS))
		return false;
	get_cqes(k, ud, &kc);
	cur_batch = b;
	for (int d = 0; d < NR_KD; d++)
		if (known[d].action == EXCUSE && matchers[d](&b->ops[i], &kc, &none))
			return true;
	return false;
}

static void compare_kbuf(const struct batch *b)
{
	const struct side *k = &sides[0], *u = &sides[1];

	if (!b->kbuf)
		return;
	for (int g = 0; g < NR_BGID; g++)
		if (k->kprov_ret[g] != u->kprov_ret[g] || k->kreg_ret[g] != u->kreg_ret[g])
			diverge(b, "kbuf setup of group %d: PROVIDE_BUFFERS %s/%s, REGISTER_PBUF_RING "
				"(flags 0x%x, bad %u) %s/%s (kernel/user)\n", g,
				errname(k->kprov_ret[g]), errname(u->kprov_ret[g]), b->kg[g].rflags,
				b->kg[g].bad, errname(k->kreg_ret[g]), errname(u->kreg_ret[g]));
	for (int i = 0; i < b->nkx; i++)
		if (k->kx_ret[i] != u->kx_ret[i])
			diverge(b, "kbuf register call %d (what %u bad %u bgid %u): %s/%s\n", i,
				b->kx[i].what, b->kx[i].bad, b->kx[i].bgid, errname(k->kx_ret[i]),
				errname(u->kx_ret[i]));
	for (int g = 0; g <= NR_BGID; g++) {
		if (g < NR_BGID && b->kg[g].unstable)
			continue;
		if (k->kstat_ret[g] != u->kstat_ret[g] || k->kstat_head[g] != u->kstat_head[g])
			diverge(b, "after the batch, PBUF_STATUS of group %d: %s head %d / %s head %d\n",
				g < NR_BGID ? g : BGID_NONE, errname(k->kstat_ret[g]), k->kstat_head[g],
				errname(u->kstat_ret[g]), u->kstat_head[g]);
	}
	for (int g = 0; g < NR_BGID + b->nspare; g++) {
		if (g < NR_BGID ? b->kg[g].unstable : (b->spare_unstable >> (g - NR_BGID)) & 1)
			continue;
		if (k->krem_ret[g] != u->krem_ret[g])
			diverge(b, "after the batch, REMOVE_BUFFERS of group %d: %s/%s\n",
				g < NR_BGID ? g : BGID_SPARE + g - NR_BGID, errname(k->krem_ret[g]),
				errname(u->krem_ret[g]));
	}
	for (int g = 0; g < NR_BGID; g++) {
		if (b->kg[g].unstable || !k->br[g] || !u->br[g])
			continue;
		for (int i = 0; i < b->kg[g].entries; i++) {
			const struct io_uring_buf *ke = &k->kents[g][i], *ue = &u->kents[g][i];

			if (ke->addr != ue->addr || ke->len != ue->len || ke->bid != ue->bid) {
				diverge(b, "after the batch, ring %d entry %d: addr %" PRIu64 " len %u bid %u"
					" / addr %" PRIu64 " len %u bid %u\n", g, i,
					(uint64_t)ke->addr, ke->len, ke->bid, (uint64_t)ue->addr, ue->len,
					ue->bid);
				break;
			}
		}
	}
	compare_bytes(b, R_KBUF, "provided buffer", k->kbuf, u->kbuf, (size_t)NR_BGID * KBUF_GROUP);
}

static void compare(struct batch *b)
{
	struct side *k = &sides[0], *u = &sides[1];
	bool excused_op[MAX_OPS] = { false };
	char what[64];

	batch_header_printed = false;
	if (k->files_ret != u->files_ret || k->bufs_ret != u->bufs_ret ||
	    k->pers_ret != u->pers_ret)
		diverge(b, "registration: files %d/%d buffers %d/%d personality %d/%d\n",
			k->files_ret, u->files_ret, k->bufs_ret, u->bufs_ret, k->pers_ret,
			u->pers_ret);
	if (k->disabled_ret != u->disabled_ret || k->restrict_ret != u->restrict_ret ||
	    k->restrict2_ret != u->restrict2_ret || k->enable_ret != u->enable_ret)
		diverge(b, "R_DISABLED: enter %s/%s, restrictions %s/%s, again %s/%s, enable %s/%s "
			"(kernel/user)\n", errname(k->disabled_ret), errname(u->disabled_ret),
			errname(k->restrict_ret), errname(u->restrict_ret), errname(k->restrict2_ret),
			errname(u->restrict2_ret), errname(k->enable_ret), errname(u->enable_ret));
	cur_batch = b;
	if (k->nsubmit != u->nsubmit ||
	    memcmp(k->submit_ret, u->submit_ret, sizeof(int) * k->nsubmit)) {
		diverge(b, "io_uring_submit() returns differ:\n    kernel:");
		for (int i = 0; i < k->nsubmit && reported <= opt.max_report; i++)
			fprintf(stderr, " %s", errname(k->submit_ret[i]));
		if (reported <= opt.max_report)
			fprintf(stderr, "\n    user:  ");
		for (int i = 0; i < u->nsubmit && reported <= opt.max_report; i++)
			fprintf(stderr, " %s", errname(u->submit_ret[i]));
		if (reported <= opt.max_report)
			fprintf(stderr, "\n");
	}
	if (k->timed_out)
		diverge(b, "kernel side did not finish in time (a fuzzer bug: a request that waits)\n");
	for (int i = 0; i < b->nops; i++) {
		const struct op *op = &b->ops[i];
		struct cqes kc, uc;
		bool excused = false;

		get_cqes(k, UD_BASE + (uint64_t)i, &kc);
		get_cqes(u, UD_BASE + (uint64_t)i, &uc);
		stat_cqes += kc.n;
		if (same_cqes(&kc, &uc))
			continue;
		for (int d = 0; d < NR_KD && !opt.strict; d++)
			if (known[d].action == EXCUSE && matchers[d](op, &kc, &uc)) {
				known_seen[d]++;
				excused = true;
				break;
			}
		if (!excused && !opt.strict && op->chain_prev >= 0 && excused_op[op->chain_prev]) {
			known_seen[KD_link_after_known]++;
			excused = true;
		}
		if (excused) {
			excused_op[i] = true;
			mask_op(b, op);
			/* its group's state after the batch is not compared */
			if (op->kb && op->kgroup >= 0 && !b->kg[op->kgroup].unstable) {
				b->kg[op->kgroup].unstable = true;
				add_mask(b, R_KBUF, (uint64_t)op->kgroup * KBUF_GROUP,
					 (uint64_t)(op->kgroup + 1) * KBUF_GROUP);
			}
			continue;
		}
		diverge(b, "CQEs of sqe #%d differ%s\n", i,
			u->timed_out && uc.n < kc.n ? " (user side timed out)" : "");
		print_op(stderr, b, i);
		if (reported <= opt.max_report) {
			print_cqes(k->name, &kc);
			print_cqes(u->name, &uc);
		}
	}
	for (int i = 0; i < u->ncqe; i++) {
		uint64_t ud = u->cqe[i].user_data;

		if (ud < UD_BASE || ud >= UD_BASE + (uint64_t)b->nops)
			diverge(b, "user: CQE for unknown user_data 0x%" PRIx64 " res=%s\n", ud,
				errname(u->cqe[i].res));
	}
	for (int i = 0; i < k->ncqe; i++) {
		uint64_t ud = k->cqe[i].user_data;

		if (ud != UD_FENCE && (ud < UD_BASE || ud >= UD_BASE + (uint64_t)b->nops))
			diverge(b, "kernel: CQE for unknown user_data 0x%" PRIx64 "\n", ud);
	}
	if ((unsigned)k->ncqe > (b->cq_entries ? b->cq_entries : 2 * b->sq_entries))
		stat_overflowed++;
	stat_dropped += k->dropped;
	check_order(b, k, k);
	check_order(b, u, k);
	if (k->dropped != u->dropped || k->overflow != u->overflow)
		diverge(b, "counters: sq dropped %u/%u, cq overflow %u/%u (kernel/user)\n", k->dropped,
			u->dropped, k->overflow, u->overflow);
	compare_bytes(b, R_RD, "read buffer", k->rd, u->rd, ARENA_SIZE);
	compare_bytes(b, R_REG, "registered buffer", k->reg, u->reg, (size_t)NR_REGBUF * REGBUF_SIZE);
	compare_kbuf(b);
	for (int f = 0; f < 2; f++) {
		snprintf(what, sizeof(what), "file%d", f);
		if (k->file_len[f] != u->file_len[f])
			diverge(b, "file%d size %zu/%zu\n", f, k->file_len[f], u->file_len[f]);
		else
			compare_bytes(b, R_FILE0 + f, what, k->file[f], u->file[f], k->file_len[f]);
	}
}

static void dump_batch(const struct batch *b)
{
	print_batch_header(stdout, b);
	for (int i = 0; i < b->nops; i++) {
		struct cqes kc, uc;

		print_op(stdout, b, i);
		get_cqes(&sides[0], UD_BASE + (uint64_t)i, &kc);
		get_cqes(&sides[1], UD_BASE + (uint64_t)i, &uc);
		printf("    kernel:");
		for (int c = 0; c < kc.n; c++)
			printf(" res=%s flags=0x%x;", errname(kc.c[c]->res), kc.c[c]->flags);
		printf("\n    %-6s:", sides[1].name);
		for (int c = 0; c < uc.n; c++)
			printf(" res=%s flags=0x%x;", errname(uc.c[c]->res), uc.c[c]->flags);
		printf("\n");
	}
	printf("  submit returns:");
	for (int s = 0; s < 2; s++) {
		printf(" %s", sides[s].name);
		for (int i = 0; i < sides[s].nsubmit; i++)
			printf(" %s", errname(sides[s].submit_ret[i]));
		printf(";");
	}
	for (int s = 0; s < 2; s++) {
		char link[64] = "", proc[64];
		ssize_t n;

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", sides[s].fd[O_CLOSED]);
		n = readlink(proc, link, sizeof(link) - 1);
		printf("\n  %s: closed fd %d is now %s, ring fd %d", sides[s].name, sides[s].fd[O_CLOSED],
		       n > 0 ? link : "closed", sides[s].ring.ring_fd);
	}
	printf("\n  CQE order kernel:");
	for (int i = 0; i < sides[0].ncqe; i++)
		printf(" %" PRId64, (int64_t)(sides[0].cqe[i].user_data - UD_BASE));
	printf("\n  CQE order %s:", sides[1].name);
	for (int i = 0; i < sides[1].ncqe; i++)
		printf(" %" PRId64, (int64_t)(sides[1].cqe[i].user_data - UD_BASE));
	printf("\n");
}

/* ---- main ---- */

static volatile uint64_t current_batch;

/* Called by AddressSanitizer when it finds an error (a no-op elsewhere): the
 * batch to replay. */
void __asan_on_error(void);
void __asan_on_error(void)
{
	fprintf(stderr, "fuzz: sanitizer error in seed %" PRIu64 " batch %" PRIu64
		"; replay: tests/fuzz/run --seed %" PRIu64 " --replay-batch %" PRIu64 "%s\n",
		opt.seed, current_batch, opt.seed, current_batch, cfg_arg(current_batch));
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fuzz [--seed N] [--sqes N] [--seconds S] [--first-batch K]\n"
		"            [--replay-batch K] [--all] [--strict] [--self] [--list] [-v]\n"
		"  --sqes N          stop after N SQEs (default 100000)\n"
		"  --seconds S       stop after S seconds as well\n"
		"  --deadline-ms N   how long a side may take to complete a batch (10000)\n"
		"  --replay-batch K  run batch K only, and print it\n"
		"  --all             also generate the SQEs divergences.h says to avoid\n"
		"  --strict          report the divergences divergences.h excuses\n"
		"  --self            kernel against kernel (checks the fuzzer's determinism)\n"
		"  --config C        the ring configuration: plain, sqe128, cqe32, mixed, defer,\n"
		"                    taskrun, nommap, restrict, mix, or cycle (all but plain,\n"
		"                    by batch); default: the seed's (seed mod 16: 0-7 plain,\n"
		"                    8 sqe128 ... 15 mix)\n"
		"  --list            print the known divergences\n");
	exit(2);
}

static void list_known(void)
{
	for (int i = 0; i < NR_KD; i++)
		printf("%s\t%s\t%s\t%s\n", known[i].id, known[i].status,
		       known[i].action == AVOID ? "avoid" : "excuse", known[i].reason);
}

int main(int argc, char **argv)
{
	char tmpl[2][128];
	const char *tmp = getenv("TMPDIR");
	struct io_uring probe_ring;
	pthread_t wd;
	double start;
	struct batch *b;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--seed") && v)
			opt.seed = strtoull(v, NULL, 0), i++;
		else if (!strcmp(a, "--sqes") && v)
			opt.sqes = strtoll(v, NULL, 0), i++;
		else if (!strcmp(a, "--seconds") && v)
			opt.max_seconds = strtod(v, NULL), i++;
		else if (!strcmp(a, "--first-batch") && v)
			opt.batch0 = strtoll(v, NULL, 0), i++;
		else if (!strcmp(a, "--replay-batch") && v)
			opt.replay = strtoll(v, NULL, 0), i++;
		else if (!strcmp(a, "--deadline-ms") && v)
			opt.deadline_ms = atoi(v), i++;
		else if (!strcmp(a, "--max-report") && v)
			opt.max_report = atoi(v), i++;
		else if (!strcmp(a, "--config") && v) {
			i++;
			if (!strcmp(v, "cycle")) {
				opt.cycle = true;
				continue;
			}
			for (opt.config = 0; opt.config < NR_CFG; opt.config++)
				if (!strcmp(v, cfg_name[opt.config]))
					break;
			if (opt.config == NR_CFG)
				usage();
		}
		else if (!strcmp(a, "--all"))
			opt.all = true;
		else if (!strcmp(a, "--strict"))
			opt.strict = true;
		else if (!strcmp(a, "--self"))
			opt.self = true;
		else if (!strcmp(a, "-v"))
			opt.verbose++;
		else if (!strcmp(a, "--list")) {
			list_known();
			return 0;
		} else
			usage();
	}

	/* the oracle first: no kernel io_uring, nothing to compare with */
	{
		struct io_uring_params p = { 0 };
		int ret = ringer_queue_init_backend(4, &probe_ring, &p, RINGER_BACKEND_KERNEL);

		if (ret < 0) {
			printf("fuzz: the kernel refuses io_uring (%s): skipped\n", errname(ret));
			return 77;
		}
		io_uring_queue_exit(&probe_ring);
	}
	{
		struct io_uring_params p = { 0 };

		if (ringer_queue_init_backend(4, &probe_ring, &p, RINGER_BACKEND_USER) < 0) {
			fprintf(stderr, "fuzz: cannot create an engine ring\n");
			return 1;
		}
		engine_probe = io_uring_get_probe_ring(&probe_ring);
		io_uring_queue_exit(&probe_ring);
	}

	if (!tmp || !*tmp)
		tmp = "/tmp";
	side_init(&sides[0], "kernel", RINGER_BACKEND_KERNEL);
	side_init(&sides[1], opt.self ? "kernel2" : "user",
		  opt.self ? RINGER_BACKEND_KERNEL : RINGER_BACKEND_USER);
	for (int s = 0; s < 2; s++) {
		snprintf(tmpl[s], sizeof(tmpl[s]), "%s/ringer-fuzz.XXXXXX", tmp);
		if (!mkdtemp(tmpl[s])) {
			perror("mkdtemp");
			return 2;
		}
		snprintf(sides[s].dir, sizeof(sides[s].dir), "%s", tmpl[s]);
	}
	pthread_create(&wd, NULL, watchdog, NULL);
	pthread_detach(wd);

	b = malloc(sizeof(*b));
	start = now();
	for (uint64_t no = opt.replay >= 0 ? (uint64_t)opt.replay : (uint64_t)opt.batch0;; no++) {
		current_batch = no;
		generate(b, no);
		stat_batches++;
		stat_sqes += b->nops;
		for (int i = 0; i < b->nops; i++)
			stat_op[b->ops[i].opcode]++;
		stat_cfg[b->cfg]++;
		if (b->restrict_on)
			stat_restricted++;
		if (side_run(&sides[0], b, NULL) < 0) {
			/* a setup the kernel refuses (the configuration's bad
			 * ring memory): the engine must refuse it alike */
			side_run(&sides[1], b, &sides[0]);
			batch_header_printed = false;
			if (sides[1].setup_ret != sides[0].setup_ret)
				diverge(b, "ring setup: kernel %s, %s %s\n",
					errname(sides[0].setup_ret), sides[1].name,
					errname(sides[1].setup_ret));
			else
				stat_setup_refused++;
		} else if (side_run(&sides[1], b, &sides[0]) < 0) {
			batch_header_printed = false;
			diverge(b, "ring setup: kernel ok, %s %s\n", sides[1].name,
				errname(sides[1].setup_ret));
		} else {
			settle_kernel(b);
			compare(b);
		}
		if (opt.replay >= 0 || opt.verbose > 1)
			dump_batch(b);
		side_end(&sides[0]);
		side_end(&sides[1]);
		if (opt.replay >= 0)
			break;
		if (stat_sqes >= opt.sqes)
			break;
		if (opt.max_seconds > 0 && now() - start > opt.max_seconds)
			break;
		if (opt.verbose && stat_batches % 1000 == 0)
			fprintf(stderr, "fuzz: %lld batches, %lld SQEs, %.1f s\n", stat_batches, stat_sqes,
				now() - start);
	}

	for (int s = 0; s < 2; s++) {
		char path[320];

		for (int f = 0; f < 2; f++) {
			snprintf(path, sizeof(path), "%s/file%d", sides[s].dir, f);
			unlink(path);
		}
		rmdir(sides[s].dir);
	}
	printf("fuzz: seed %" PRIu64 " (config %s), %lld batches (from %lld), %lld SQEs, "
	       "%lld kernel CQEs, %.1f s, %lld divergences\n",
	       opt.seed, opt.cycle ? "cycle" : cfg_name[batch_cfg(0)], stat_batches, opt.replay >= 0 ? opt.replay : opt.batch0, stat_sqes, stat_cqes,
	       now() - start, stat_divergences);
	printf("fuzz: %lld batches overflowed their CQ, %lld SQEs dropped (bad SQ index)\n",
	       stat_overflowed, stat_dropped);
	printf("fuzz: ring configurations:");
	for (int i = 0; i < NR_CFG; i++)
		if (stat_cfg[i])
			printf(" %s %lld", cfg_name[i], stat_cfg[i]);
	printf(" (batches); %lld restricted, %lld setups refused by both\n", stat_restricted,
	       stat_setup_refused);
	for (int i = 0; i < NR_KD; i++)
		if (known_seen[i])
			printf("fuzz: known divergence %s (%s): %lld CQE lists excused\n", known[i].id,
			       known[i].status, known_seen[i]);
	if (opt.verbose) {
		printf("fuzz: time in setup %.1f s, submit %.1f s, wait %.1f s, teardown %.1f s "
		       "(kernel %.1f s, %s %.1f s)\n",
		       t_setup, t_submit, t_wait, t_teardown, t_teardown_side[0], sides[1].name,
		       t_teardown_side[1]);
		printf("fuzz: SQEs per opcode:");
		for (int i = 0; i < 256; i++)
			if (stat_op[i])
				printf(" %s %lld", opname((unsigned)i), stat_op[i]);
		printf("\n");
	}
	io_uring_free_probe(engine_probe);
	free(b);
	for (int s = 0; s < 2; s++)
		for (int f = 0; f < 2; f++)
			free(sides[s].file[f]);
	return stat_divergences ? 1 : 0;
}
