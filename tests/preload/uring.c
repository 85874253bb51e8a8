/* SPDX-License-Identifier: MIT */
/*
 * A program built against Debian's liburing 2.3 (-luring), unmodified: the
 * shim must run it on whatever backend RINGER_BACKEND says.  Writes a file
 * with linked writev + fsync, reads it back with readv, registered files and
 * buffers (READ_FIXED on a fixed file), a probe, a batch of NOPs larger than
 * the SQ, a timeout.
 */
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include "expect.h"

#define BS   4096
#define NBLK 8

static void wait_res(struct io_uring *ring, unsigned long long ud, int res)
{
	struct io_uring_cqe *cqe;
	int ret = io_uring_wait_cqe(ring, &cqe);

	REQUIRE_MSG(ret == 0, "wait_cqe: %s", strerror(-ret));
	REQUIRE_MSG(cqe->user_data == ud && cqe->res == res, "cqe ud %llu res %d, expected %llu %d",
	      (unsigned long long)cqe->user_data, cqe->res, ud, res);
	io_uring_cqe_seen(ring, cqe);
}

int main(void)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring_probe *probe;
	char path[] = "/tmp/ringer-preload-uringXXXXXX";
	static char wbuf[NBLK][BS], rbuf[NBLK][BS], fixed[BS] __attribute__((aligned(4096)));
	struct iovec wiov[NBLK], riov[NBLK], fiov = { fixed, BS };
	struct __kernel_timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
	int fd, ret, n, have_timeout;

	ret = io_uring_queue_init(16, &ring, 0);
	expect_ring(ret < 0 ? ret : ring.ring_fd, "io_uring_queue_init");

	fd = mkstemp(path);
	REQUIRE_MSG(fd >= 0, "mkstemp");
	unlink(path);
	for (int i = 0; i < NBLK; i++) {
		memset(wbuf[i], 'a' + i, BS);
		wiov[i] = (struct iovec){ wbuf[i], BS };
		riov[i] = (struct iovec){ rbuf[i], BS };
	}

	/* writev linked to fsync */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_writev(sqe, fd, wiov, NBLK, 0);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_fsync(sqe, fd, 0);
	sqe->user_data = 2;
	ret = io_uring_submit_and_wait(&ring, 2);
	REQUIRE_MSG(ret == 2, "submit writev+fsync: %d", ret);
	wait_res(&ring, 1, NBLK * BS);
	wait_res(&ring, 2, 0);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_readv(sqe, fd, riov, NBLK, 0);
	sqe->user_data = 3;
	REQUIRE_MSG(io_uring_submit(&ring) == 1, "submit readv");
	wait_res(&ring, 3, NBLK * BS);
	REQUIRE_MSG(!memcmp(wbuf, rbuf, sizeof(wbuf)), "readv data differs");

	/* registered file + buffer */
	ret = io_uring_register_files(&ring, &fd, 1);
	REQUIRE_MSG(ret == 0, "register_files: %s", strerror(-ret));
	ret = io_uring_register_buffers(&ring, &fiov, 1);
	REQUIRE_MSG(ret == 0, "register_buffers: %s", strerror(-ret));
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, 0, fixed, BS, 3 * BS, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = 4;
	REQUIRE_MSG(io_uring_submit(&ring) == 1, "submit read_fixed");
	wait_res(&ring, 4, BS);
	REQUIRE_MSG(!memcmp(fixed, wbuf[3], BS), "read_fixed data differs");
	REQUIRE_MSG(io_uring_unregister_buffers(&ring) == 0, "unregister_buffers");
	REQUIRE_MSG(io_uring_unregister_files(&ring) == 0, "unregister_files");

	/* probe */
	probe = io_uring_get_probe_ring(&ring);
	REQUIRE_MSG(probe, "probe");
	REQUIRE_MSG(io_uring_opcode_supported(probe, IORING_OP_NOP) &&
		      io_uring_opcode_supported(probe, IORING_OP_READV),
	      "probe: NOP/READV not supported");
	have_timeout = io_uring_opcode_supported(probe, IORING_OP_TIMEOUT);
	io_uring_free_probe(probe);

	/* 40 NOPs through a 16-entry SQ */
	n = 0;
	for (int i = 0; i < 40; i++) {
		sqe = io_uring_get_sqe(&ring);
		if (!sqe) {
			REQUIRE_MSG(io_uring_submit(&ring) > 0, "submit nops");
			sqe = io_uring_get_sqe(&ring);
			REQUIRE_MSG(sqe, "no sqe after submit");
		}
		io_uring_prep_nop(sqe);
		sqe->user_data = 1000 + i;
		while (io_uring_peek_cqe(&ring, &cqe) == 0) {
			REQUIRE_MSG(cqe->res == 0 && cqe->user_data == 1000u + n, "nop %d", n);
			io_uring_cqe_seen(&ring, cqe);
			n++;
		}
	}
	io_uring_submit(&ring);
	while (n < 40) {
		REQUIRE_MSG(io_uring_wait_cqe(&ring, &cqe) == 0, "wait nop");
		REQUIRE_MSG(cqe->res == 0 && cqe->user_data == 1000u + n, "nop %d", n);
		io_uring_cqe_seen(&ring, cqe);
		n++;
	}

	/* a registered ring fd: enters by index */
	ret = io_uring_register_ring_fd(&ring);
	REQUIRE_MSG(ret == 1, "register_ring_fd: %d", ret);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_nop(sqe);
	sqe->user_data = 6;
	REQUIRE_MSG(io_uring_submit(&ring) == 1, "submit through the registered ring");
	wait_res(&ring, 6, 0);
	ret = io_uring_unregister_ring_fd(&ring);
	REQUIRE_MSG(ret == 1, "unregister_ring_fd: %d", ret);

	/* the ring's own fd: no file for I/O (the kernel's answers), no fixed file */
	{
		char junk[16] = "overwrite it!!!";
		unsigned head = *ring.cq.khead;
		int rfd = ring.ring_fd;

		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_write(sqe, ring.ring_fd, junk, sizeof(junk), 0);
		sqe->user_data = 7;
		REQUIRE_MSG(io_uring_submit(&ring) == 1, "submit write to the ring fd");
		wait_res(&ring, 7, -EINVAL);
		REQUIRE_MSG(*ring.cq.khead == head + 1, "CQ head after a write to the ring fd");
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_fsync(sqe, ring.ring_fd, 0);
		sqe->user_data = 8;
		REQUIRE_MSG(io_uring_submit(&ring) == 1, "submit fsync of the ring fd");
		wait_res(&ring, 8, -EINVAL);
		ret = io_uring_register_files(&ring, &rfd, 1);
		REQUIRE_MSG(ret == -EBADF, "ring fd registered as a file: %d", ret);
	}

	/* a timeout that expires, where the probe says TIMEOUT is there */
	if (!have_timeout) {
		printf("liburing: IORING_OP_TIMEOUT not supported by this ring: timeout part not "
		       "run\n");
		goto out;
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_timeout(sqe, &ts, 0, 0);
	sqe->user_data = 5;
	REQUIRE_MSG(io_uring_submit(&ring) == 1, "submit timeout");
	wait_res(&ring, 5, -ETIME);

	/* wait with a timeout on an empty CQ */
	ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	REQUIRE_MSG(ret == -ETIME, "wait_cqe_timeout on empty CQ: %d", ret);

out:
	close(fd);
	io_uring_queue_exit(&ring);
	printf("liburing: ok\n");
	return 0;
}
