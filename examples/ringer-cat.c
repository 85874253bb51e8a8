/* SPDX-License-Identifier: MIT */
/*
 * ringer-cat FILE...: print files to standard output, reading them with
 * IORING_OP_READV through a ring.
 *
 * Each read is one readv of NR_VECS buffers, so a single request moves
 * NR_VECS * VEC_SIZE bytes.  Reads are done one at a time, in order: the
 * point is the round trip through the ring, not read-ahead (ringer-cp shows
 * a deep queue).  Regular files are read at explicit offsets; pipes, ttys and
 * other files without a position are read at offset -1, "the current file
 * position", which is what they need.  "-" means standard input.
 *
 * Runs on either backend: RINGER_BACKEND=kernel|user|auto picks it.
 * Exit status: 0 all files printed, 1 an I/O error (message on stderr, the
 * remaining files are still printed), 2 bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ringer.h"
#include "ringer-cli.h"

#define NR_VECS	 4
#define VEC_SIZE (32 * 1024)

static const char *prog = "ringer-cat";

static void usage(void)
{
	printf("usage: %s [--] FILE...\n"
	       "Print each FILE (\"-\" for standard input) to standard output,\n"
	       "reading it with readv through an io_uring.\n"
	       "\n"
	       "  -h, --help     this help\n"
	       "      --version  the version\n"
	       "  --             the names that follow are files, even when they\n"
	       "                 start with '-'\n"
	       "\n" RINGER_CLI_BACKEND_HELP
	       "Exit status: 0 printed, 1 a file could not be read or written (the\n"
	       "remaining files are still printed), 2 bad usage.\n",
	       prog);
}

/* Write all of buf to standard output; 0 or -errno. */
static int write_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read fd to its end through the ring and copy it to standard output.
 * Returns 0, or -errno with *what saying which side failed.
 */
static int cat_fd(struct io_uring *ring, int fd, char *bufs, const char **what)
{
	struct iovec iov[NR_VECS];
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct stat st;
	__u64 off = 0;
	int positional, ret, res;

	if (fstat(fd, &st) < 0) {
		*what = "stat";
		return -errno;
	}
	positional = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode);

	for (;;) {
		for (int i = 0; i < NR_VECS; i++) {
			iov[i].iov_base = bufs + (size_t)i * VEC_SIZE;
			iov[i].iov_len = VEC_SIZE;
		}
		sqe = io_uring_get_sqe(ring);
		if (!sqe) {
			/* Cannot happen: one request at a time on a 4-entry ring. */
			*what = "io_uring_get_sqe";
			return -EBUSY;
		}
		io_uring_prep_readv(sqe, fd, iov, NR_VECS, positional ? off : (__u64)-1);
		io_uring_sqe_set_data64(sqe, off);

		ret = io_uring_submit(ring);
		if (ret < 0) {
			*what = "io_uring_submit";
			return ret;
		}
		do {
			ret = io_uring_wait_cqe(ring, &cqe);
		} while (ret == -EINTR);
		if (ret < 0) {
			*what = "io_uring_wait_cqe";
			return ret;
		}
		res = cqe->res;
		io_uring_cqe_seen(ring, cqe);

		if (res == -EAGAIN || res == -EINTR)
			continue; /* nothing was read: ask again */
		if (res < 0) {
			*what = "read";
			return res;
		}
		if (res == 0)
			return 0; /* end of file */
		ret = write_all(bufs, (size_t)res);
		if (ret < 0) {
			*what = "write";
			return ret;
		}
		off += (__u64)res;
	}
}

int main(int argc, char **argv)
{
	struct io_uring ring;
	char *bufs;
	int status = 0, first = 1, ret;

	/* Options only before the names; "--" ends them, for names starting
	 * with '-' ("-" alone is standard input). */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			first = i + 1;
			break;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return 0;
		}
		if (!strcmp(argv[i], "--version"))
			return ringer_cli_version(prog);
		if (argv[i][0] == '-' && argv[i][1])
			return ringer_cli_bad(prog, "unknown option", argv[i]);
	}
	if (first >= argc)
		return ringer_cli_bad(prog, "no FILE to print", NULL);

	bufs = malloc((size_t)NR_VECS * VEC_SIZE);
	if (!bufs) {
		fprintf(stderr, "%s: %s\n", prog, strerror(ENOMEM));
		return 1;
	}
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret < 0) {
		fprintf(stderr, "%s: io_uring_queue_init: %s\n", prog, strerror(-ret));
		free(bufs);
		return 1;
	}

	for (int i = first; i < argc; i++) {
		const char *name = argv[i];
		const char *what = "read";
		int fd;

		if (!strcmp(name, "-")) {
			fd = STDIN_FILENO;
		} else {
			fd = open(name, O_RDONLY);
			if (fd < 0) {
				fprintf(stderr, "%s: %s: %s\n", prog, name, strerror(errno));
				status = 1;
				continue;
			}
		}
		ret = cat_fd(&ring, fd, bufs, &what);
		if (fd != STDIN_FILENO)
			close(fd);
		if (ret < 0) {
			if (!strcmp(what, "write")) {
				/* Standard output is gone: no point going on. */
				fprintf(stderr, "%s: standard output: %s\n", prog, strerror(-ret));
				status = 1;
				break;
			}
			fprintf(stderr, "%s: %s: %s: %s\n", prog, name, what, strerror(-ret));
			status = 1;
		}
	}

	io_uring_queue_exit(&ring);
	free(bufs);
	return status;
}
