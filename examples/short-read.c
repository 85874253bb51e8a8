/* SPDX-License-Identifier: MIT */
/*
 * short-read SRC DST: copy SRC to DST through a ring, with a bug on purpose.
 *
 * The copy reads CHUNK bytes at each offset and writes the buffer back out at
 * the same offset, counting on every read to return the whole chunk (all but
 * the file's last).  That holds for a regular file on a quiet machine nearly
 * always, so the bug survives every ordinary test.  But io_uring, like
 * read(2), may return fewer bytes than asked (a signal, a file system under
 * memory pressure, a file truncated meanwhile, a network file system): the
 * copy then writes bytes of the buffer it never read.  The right check is
 * in a comment where the result is used.
 *
 * It is shipped as the demonstration of RINGER_FAULTS (docs/FAULTS.md):
 *
 *     RINGER_FAULTS="op=read short" short-read in out && cmp in out
 *
 * makes some of its reads come back short, and cmp shows the corrupt copy.
 * Exit status: 0 copied (as far as it knows), 1 an error, 2 bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ringer.h"
#include "ringer-cli.h"

#define CHUNK (64 * 1024)

static int submit_one(struct io_uring *ring, struct io_uring_cqe *out)
{
	struct io_uring_cqe *cqe;
	int ret = io_uring_submit_and_wait(ring, 1);

	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret < 0)
		return ret;
	*out = *cqe;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

static void usage(void)
{
	printf("usage: short-read SRC DST\n"
	       "Copy SRC to DST through a ring: a copy that mishandles short reads, on\n"
	       "purpose, to show RINGER_FAULTS (docs/FAULTS.md):\n"
	       "    RINGER_FAULTS=\"op=read short\" short-read in out && cmp in out\n"
	       "\n"
	       "  -h, --help     this help\n"
	       "      --version  the version\n"
	       "\n" RINGER_CLI_BACKEND_HELP
	       "Exit status: 0 copied (as far as it knows), 1 an error, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	struct io_uring ring;
	struct stat st;
	off_t off;
	int in, out, ret;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version"))
		return ringer_cli_version("short-read");
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return ringer_cli_bad("short-read", "unknown option", argv[i]);
	if (argc != 3)
		return ringer_cli_bad("short-read", "SRC and DST are needed", NULL);
	in = open(argv[1], O_RDONLY);
	if (in < 0 || fstat(in, &st)) {
		fprintf(stderr, "short-read: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		fprintf(stderr, "short-read: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret < 0) {
		fprintf(stderr, "short-read: io_uring_queue_init: %s\n", strerror(-ret));
		return 1;
	}
	for (off = 0; off < st.st_size; off += CHUNK) {
		size_t want = st.st_size - off < CHUNK ? (size_t)(st.st_size - off) : CHUNK;
		struct io_uring_cqe cqe;

		io_uring_prep_read(io_uring_get_sqe(&ring), in, buf, want, off);
		ret = submit_one(&ring, &cqe);
		if (!ret && cqe.res < 0)
			ret = cqe.res;
		if (ret) {
			fprintf(stderr, "short-read: read: %s\n", strerror(-ret));
			return 1;
		}
		/*
		 * The bug: cqe.res is taken as a success flag, not as the
		 * count of bytes read.  The right code writes cqe.res bytes
		 * and reads the rest of the chunk again (or stops at 0: EOF).
		 */
		io_uring_prep_write(io_uring_get_sqe(&ring), out, buf, want, off);
		ret = submit_one(&ring, &cqe);
		if (!ret && cqe.res < 0)
			ret = cqe.res;
		if (ret) {
			fprintf(stderr, "short-read: write: %s\n", strerror(-ret));
			return 1;
		}
	}
	io_uring_queue_exit(&ring);
	close(in);
	return close(out) ? 1 : 0;
}
