/* SPDX-License-Identifier: MIT */
/*
 * req-cost: a fixed amount of work for counting the engine's instructions per
 * request (docs/PERFORMANCE.md).  It submits N requests in batches of 32 (or
 * -b B) with one enter each (waiting for the batch's CQEs in the same call)
 * and reaps them; run under `valgrind --tool=callgrind` at two values of N,
 * the difference over the difference in N is the cost of one request,
 * set-up and teardown cancelled out.
 *
 *   req-cost [-k] [-b B] nop N
 *   req-cost [-k] [-b B] read N FILE     4 KiB reads at pseudo-random aligned offsets
 *
 * -k: the kernel's io_uring instead of the engine; -b: B requests a batch
 * (1 to 32: 1 is a QD1 loop).  Exit 0, or 1 with a message when a CQE is not
 * what was asked for.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ringer.h"

#define MAX_BATCH 32
#define BS 4096

int main(int argc, char **argv)
{
	enum ringer_backend be = RINGER_BACKEND_USER;
	struct io_uring ring;
	struct io_uring_params p;
	bool nop;
	unsigned long n, done = 0;
	uint64_t x = 88172645463325252ULL, blocks = 0;
	char *bufs;
	unsigned batch = MAX_BATCH;
	int fd = -1, ret;

	for (;;) {
		if (argc > 1 && !strcmp(argv[1], "-k")) {
			be = RINGER_BACKEND_KERNEL;
			argv++;
			argc--;
		} else if (argc > 2 && !strcmp(argv[1], "-b")) {
			batch = (unsigned)strtoul(argv[2], NULL, 0);
			argv += 2;
			argc -= 2;
		} else {
			break;
		}
	}
	if (!batch || batch > MAX_BATCH) {
		fprintf(stderr, "req-cost: -b takes 1 to %d\n", MAX_BATCH);
		return 2;
	}
	if (argc < 3 || (strcmp(argv[1], "nop") && strcmp(argv[1], "read")) ||
	    (!strcmp(argv[1], "read") && argc < 4)) {
		fprintf(stderr, "usage: req-cost [-k] [-b B] nop N | req-cost [-k] [-b B] read N FILE\n");
		return 2;
	}
	nop = !strcmp(argv[1], "nop");
	n = strtoul(argv[2], NULL, 0);
	if (!nop) {
		struct stat st;

		fd = open(argv[3], O_RDONLY);
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < BS) {
			perror(argv[3]);
			return 1;
		}
		blocks = (uint64_t)st.st_size / BS;
	}
	bufs = aligned_alloc(BS, (size_t)MAX_BATCH * BS);
	if (!bufs)
		return 1;
	memset(&p, 0, sizeof(p));
	ret = ringer_queue_init_backend(MAX_BATCH, &ring, &p, be);
	if (ret < 0) {
		fprintf(stderr, "ring setup: %s\n", strerror(-ret));
		return 1;
	}
	while (done < n) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;

		for (unsigned i = 0; i < batch; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			if (nop) {
				io_uring_prep_nop(sqe);
			} else {
				/* xorshift: random blocks, the same each run */
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				io_uring_prep_read(sqe, fd, bufs + (size_t)i * BS, BS,
						   (x % blocks) * BS);
			}
			io_uring_sqe_set_data64(sqe, i);
		}
		ret = io_uring_submit_and_wait(&ring, batch);
		if (ret != (int)batch) {
			fprintf(stderr, "submit: %d\n", ret);
			return 1;
		}
		io_uring_for_each_cqe (&ring, head, cqe) {
			if (cqe->res != (nop ? 0 : BS)) {
				fprintf(stderr, "CQE %llu: res %d\n",
					(unsigned long long)cqe->user_data, cqe->res);
				return 1;
			}
			seen++;
		}
		io_uring_cq_advance(&ring, seen);
		if (seen != batch) {
			fprintf(stderr, "%u CQEs for a batch of %u\n", seen, batch);
			return 1;
		}
		done += batch;
	}
	io_uring_queue_exit(&ring);
	free(bufs);
	if (fd >= 0)
		close(fd);
	return 0;
}
