/* SPDX-License-Identifier: MIT */
/*
 * A program written for liburing: copy a file through registered buffers and
 * registered files, each block a READ_FIXED linked to the WRITE_FIXED of the
 * same buffer, then fsync; check the copy byte for byte.  Along the way it
 * uses what liburing programs commonly reach for: the probe, queue_init_params,
 * user_data as a 64-bit cookie, io_uring_for_each_cqe with io_uring_cq_advance,
 * submit_and_wait, wait_cqe_timeout, and <liburing/barrier.h>.
 *
 * Built with only include/ringer/compat on the include path, linked with
 * libringer.  Exit: 0 pass, 1 fail, 77 skip (kernel backend refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <liburing.h>
#include <liburing/barrier.h>
#include <liburing/io_uring.h>

#define NBUF	  4
#define BS	  (64 * 1024)
#define FILE_SIZE (4 * 1024 * 1024 + 1000)
#define NBLOCKS	  ((FILE_SIZE + BS - 1) / BS)
#define SRC_IDX	  0 /* registered file slots */
#define DST_IDX	  1

/*
 * Report and leave through the cleanup at `out` (status stays 1).  Not the
 * test harness's FAIL: a compat program is built as a liburing user's would
 * be, with nothing of tests/ on its include path.
 */
#define GIVE_UP(...)                                    \
	do {                                            \
		fprintf(stderr, "line %d: ", __LINE__); \
		fprintf(stderr, __VA_ARGS__);           \
		fputc('\n', stderr);                    \
		goto out;                               \
	} while (0)

static unsigned char pattern(size_t off)
{
	return (unsigned char)((off * 13) ^ (off >> 9));
}

static size_t block_len(unsigned block)
{
	size_t off = (size_t)block * BS;

	return FILE_SIZE - off < BS ? FILE_SIZE - off : BS;
}

/* Queue block's read linked to its write, both on buffer buf. */
static int queue_block(struct io_uring *ring, struct iovec *iov, unsigned buf, unsigned block)
{
	struct io_uring_sqe *rd, *wr;
	size_t len = block_len(block);
	__u64 off = (__u64)block * BS;

	if (io_uring_sq_space_left(ring) < 2)
		return -EBUSY;
	rd = io_uring_get_sqe(ring);
	wr = io_uring_get_sqe(ring);
	io_uring_prep_read_fixed(rd, SRC_IDX, iov[buf].iov_base, (unsigned)len, off, (int)buf);
	io_uring_sqe_set_flags(rd, IOSQE_FIXED_FILE | IOSQE_IO_LINK);
	io_uring_sqe_set_data64(rd, (__u64)buf << 32 | block << 1);
	io_uring_prep_write_fixed(wr, DST_IDX, iov[buf].iov_base, (unsigned)len, off, (int)buf);
	io_uring_sqe_set_flags(wr, IOSQE_FIXED_FILE);
	io_uring_sqe_set_data64(wr, (__u64)buf << 32 | block << 1 | 1);
	return 0;
}

int main(void)
{
	char src[] = "compat-cp-src-XXXXXX", dst[] = "compat-cp-dst-XXXXXX";
	struct iovec iov[NBUF] = { { 0 } };
	int pending[NBUF] = { 0 }; /* requests of each buffer in flight */
	int redo[NBUF] = { 0 }; /* the buffer's block must be copied again */
	unsigned block_of[NBUF];
	struct io_uring_params p;
	struct io_uring_probe *probe;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 20 * 1000 * 1000 };
	unsigned next_block = 0, done_blocks = 0, inflight = 0, head, seen;
	unsigned char *check = NULL;
	int src_fd = -1, dst_fd = -1, fds[2], ret, status = 1, ring_up = 0;

	for (int i = 0; i < NBUF; i++)
		block_of[i] = ~0u;
	/* The source file, with a known pattern. */
	src_fd = mkstemp(src);
	dst_fd = mkstemp(dst);
	if (src_fd < 0 || dst_fd < 0)
		GIVE_UP("mkstemp: %s", strerror(errno));
	check = malloc(FILE_SIZE);
	if (!check)
		GIVE_UP("malloc");
	for (size_t i = 0; i < FILE_SIZE; i++)
		check[i] = pattern(i);
	if (write(src_fd, check, FILE_SIZE) != FILE_SIZE)
		GIVE_UP("write: %s", strerror(errno));

	memset(&p, 0, sizeof(p));
	ret = io_uring_queue_init_params(2 * NBUF, &ring, &p);
	if (ret < 0) {
		const char *b = getenv("RINGER_BACKEND");

		fprintf(stderr, "queue_init_params: %s\n", strerror(-ret));
		if ((ret == -ENOSYS || ret == -EPERM || ret == -EACCES) && b &&
		    !strcmp(b, "kernel"))
			status = 77;
		goto out;
	}
	ring_up = 1;
	if (p.sq_entries != 2 * NBUF || p.cq_entries != 4 * NBUF)
		GIVE_UP("sq_entries %u cq_entries %u, wanted %u %u", p.sq_entries, p.cq_entries,
			2 * NBUF, 4 * NBUF);

	probe = io_uring_get_probe_ring(&ring);
	if (!probe)
		GIVE_UP("get_probe_ring failed");
	if (!io_uring_opcode_supported(probe, IORING_OP_READ_FIXED) ||
	    !io_uring_opcode_supported(probe, IORING_OP_WRITE_FIXED) ||
	    !io_uring_opcode_supported(probe, IORING_OP_FSYNC) ||
	    io_uring_opcode_supported(probe, IORING_OP_LAST)) {
		io_uring_free_probe(probe);
		GIVE_UP("probe contents");
	}
	io_uring_free_probe(probe);

	/* Nothing queued: a timed wait must time out. */
	ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	if (ret != -ETIME)
		GIVE_UP("wait_cqe_timeout on an idle ring: %d, wanted %d", ret, -ETIME);

	for (int i = 0; i < NBUF; i++) {
		iov[i].iov_base = malloc(BS);
		iov[i].iov_len = BS;
		if (!iov[i].iov_base)
			GIVE_UP("malloc");
	}
	ret = io_uring_register_buffers(&ring, iov, NBUF);
	if (ret)
		GIVE_UP("register_buffers: %d", ret);
	fds[SRC_IDX] = src_fd;
	fds[DST_IDX] = dst_fd;
	ret = io_uring_register_files(&ring, fds, 2);
	if (ret)
		GIVE_UP("register_files: %d", ret);

	for (unsigned b = 0; b < NBUF && next_block < NBLOCKS; b++) {
		block_of[b] = next_block++;
		if (queue_block(&ring, iov, b, block_of[b]))
			GIVE_UP("queue_block");
		pending[b] = 2;
		inflight += 2;
	}

	while (inflight) {
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0)
			GIVE_UP("submit_and_wait: %s", strerror(-ret));
		/* Everything handed over has been consumed from the SQ. */
		if (io_uring_smp_load_acquire(ring.sq.khead) != *ring.sq.ktail)
			GIVE_UP("sq head %u != tail %u after submit", *ring.sq.khead,
				*ring.sq.ktail);

		seen = 0;
		io_uring_for_each_cqe (&ring, head, cqe) {
			__u64 ud = io_uring_cqe_get_data64(cqe);
			unsigned buf = (unsigned)(ud >> 32);
			unsigned block = (unsigned)(ud & 0xffffffff) >> 1;
			int is_write = ud & 1;
			int want = (int)block_len(block);

			seen++;
			if (buf >= NBUF || block != block_of[buf])
				GIVE_UP("bad user_data %llx", (unsigned long long)ud);
			if (cqe->res != want) {
				/*
				 * A short read cuts the link: its write comes
				 * back -ECANCELED.  Copy the block again.
				 */
				if (cqe->res < 0 && cqe->res != -EAGAIN &&
				    !(is_write && cqe->res == -ECANCELED))
					GIVE_UP("%s of block %u: %s", is_write ? "write" : "read",
						block, strerror(-cqe->res));
				redo[buf] = 1;
			}
			pending[buf]--;
			inflight--;
		}
		if (!seen)
			GIVE_UP("submit_and_wait(1) returned with no completion");
		if (io_uring_cq_ready(&ring) < seen)
			GIVE_UP("cq_ready %u < %u seen", io_uring_cq_ready(&ring), seen);
		io_uring_cq_advance(&ring, seen);

		/* Buffers whose pair has finished take the next block. */
		for (unsigned b = 0; b < NBUF; b++) {
			if (pending[b] || block_of[b] == ~0u)
				continue;
			if (redo[b]) {
				redo[b] = 0;
			} else {
				done_blocks++;
				if (next_block == NBLOCKS) {
					block_of[b] = ~0u;
					continue;
				}
				block_of[b] = next_block++;
			}
			if (queue_block(&ring, iov, b, block_of[b]))
				GIVE_UP("queue_block");
			pending[b] = 2;
			inflight += 2;
		}
	}
	if (done_blocks != NBLOCKS)
		GIVE_UP("%u blocks copied, wanted %u", done_blocks, NBLOCKS);

	/* fdatasync through the ring, on the registered destination. */
	{
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_fsync(sqe, DST_IDX, IORING_FSYNC_DATASYNC);
		io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
		io_uring_sqe_set_data64(sqe, 0xf5f5);
		ret = io_uring_submit(&ring);
		if (ret != 1)
			GIVE_UP("submit fsync: %d", ret);
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret)
			GIVE_UP("wait_cqe: %d", ret);
		if (cqe->user_data != 0xf5f5 || cqe->res != 0)
			GIVE_UP("fsync: user_data %llx res %d", (unsigned long long)cqe->user_data,
				cqe->res);
		io_uring_cqe_seen(&ring, cqe);
	}

	ret = io_uring_unregister_files(&ring);
	if (ret)
		GIVE_UP("unregister_files: %d", ret);
	ret = io_uring_unregister_buffers(&ring);
	if (ret)
		GIVE_UP("unregister_buffers: %d", ret);

	/* The copy, byte for byte. */
	{
		unsigned char *got = malloc(FILE_SIZE + 1);
		ssize_t n;

		if (!got)
			GIVE_UP("malloc");
		n = pread(dst_fd, got, FILE_SIZE + 1, 0);
		if (n != FILE_SIZE) {
			free(got);
			GIVE_UP("copy is %zd bytes, wanted %d", n, FILE_SIZE);
		}
		for (size_t i = 0; i < FILE_SIZE; i++) {
			if (got[i] != check[i]) {
				fprintf(stderr, "byte %zu: %u, wanted %u\n", i, got[i], check[i]);
				free(got);
				goto out;
			}
		}
		free(got);
	}
	printf("copied %d bytes in %d blocks\n", FILE_SIZE, NBLOCKS);
	status = 0;
out:
	if (ring_up)
		io_uring_queue_exit(&ring);
	for (int i = 0; i < NBUF; i++)
		free(iov[i].iov_base);
	free(check);
	if (src_fd >= 0) {
		close(src_fd);
		unlink(src);
	}
	if (dst_fd >= 0) {
		close(dst_fd);
		unlink(dst);
	}
	return status;
}
