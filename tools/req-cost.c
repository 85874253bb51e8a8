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
#include "ringer-cli.h"

#define MAX_BATCH 32
#define BS 4096

static void usage(void)
{
	printf("usage: req-cost [-k] [-b B] nop N\n"
	       "       req-cost [-k] [-b B] read N FILE\n"
	       "A fixed amount of work for counting instructions per request under\n"
	       "callgrind: N requests (NOPs, or 4 KiB reads of FILE at pseudo-random\n"
	       "aligned offsets) in batches of B, one enter each (docs/PERFORMANCE.md).\n"
	       "\n"
	       "  -k              the kernel's io_uring (default: the engine)\n"
	       "  -b B            requests a batch (1..32, default 32; 1 is a QD1 loop)\n"
	       "  -h, --help      this help\n"
	       "      --version   the version\n"
	       "\n"
	       "RINGER_BACKEND (kernel, user, auto) is not read: -k picks the kernel's\n"
	       "ring, the engine otherwise.\n"
	       "Exit status: 0 done, 1 a CQE not as asked, 2 bad usage.\n");
}

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
		if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			usage();
			return 0;
		} else if (argc > 1 && !strcmp(argv[1], "--version")) {
			return ringer_cli_version("req-cost");
		} else if (argc > 1 && !strcmp(argv[1], "-k")) {
			be = RINGER_BACKEND_KERNEL;
			argv++;
			argc--;
		} else if (argc > 1 && !strcmp(argv[1], "-b")) {
			unsigned long v;

			if (argc < 3)
				return ringer_cli_bad("req-cost", "option needs a value", "-b");
			if (ringer_cli_uint(argv[2], 1, MAX_BATCH, &v))
				return ringer_cli_bad("req-cost", "bad -b (1..32)", argv[2]);
			batch = (unsigned)v;
			argv += 2;
			argc -= 2;
		} else if (argc > 1 && argv[1][0] == '-') {
			return ringer_cli_bad("req-cost", "unknown option", argv[1]);
		} else {
			break;
		}
	}
	if (argc < 2 || (strcmp(argv[1], "nop") && strcmp(argv[1], "read")))
		return ringer_cli_bad("req-cost", "nop or read is needed",
				      argc < 2 ? NULL : argv[1]);
	if (argc < 3 || ringer_cli_uint(argv[2], 1, ~0ul, &n))
		return ringer_cli_bad("req-cost", "N, a request count, is needed",
				      argc < 3 ? NULL : argv[2]);
	if (!strcmp(argv[1], "read") ? argc != 4 : argc != 3)
		return ringer_cli_bad("req-cost",
				      !strcmp(argv[1], "read") && argc < 4 ? "read needs a FILE"
									   : "too many operands",
				      NULL);
	nop = !strcmp(argv[1], "nop");
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
