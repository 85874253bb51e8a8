/* SPDX-License-Identifier: MIT */
/*
 * A program written for liburing, as its users write them: read a file with
 * readv at queue depth 4, 4 KiB per request, at increasing offsets, and check
 * every byte.  Nothing here knows about ringer: it is built with only
 * include/ringer/compat on the include path and linked with libringer.
 *
 * The file is made here (in the working directory, which CTest points into
 * the build tree) with a known pattern, read back through the ring, removed.
 *
 * Exit: 0 pass, 1 fail, 77 skip (io_uring refused where the kernel backend
 * was asked for).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <liburing.h>

#define QD	  4
#define BS	  4096
#define FILE_SIZE (1024 * 1024 + 123) /* the last request is short */

struct req {
	struct iovec iov;
	off_t offset;
	size_t expect;
};

static unsigned char pattern(off_t off)
{
	return (unsigned char)(off * 7 + (off >> 12));
}

static int make_file(char *path)
{
	unsigned char buf[BS];
	off_t off = 0;
	int fd = mkstemp(path);

	if (fd < 0) {
		perror("mkstemp");
		return -1;
	}
	while (off < FILE_SIZE) {
		size_t n = FILE_SIZE - off < BS ? (size_t)(FILE_SIZE - off) : BS;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(off + (off_t)i);
		if (write(fd, buf, n) != (ssize_t)n) {
			perror("write");
			close(fd);
			return -1;
		}
		off += (off_t)n;
	}
	close(fd);
	return 0;
}

static int refused(int ret)
{
	const char *backend = getenv("RINGER_BACKEND");

	return (ret == -ENOSYS || ret == -EPERM || ret == -EACCES) && backend &&
	       !strcmp(backend, "kernel");
}

int main(void)
{
	char path[] = "compat-readv-XXXXXX";
	struct req reqs[QD];
	struct req *free_reqs[QD];
	unsigned nr_free = QD, submitted = 0, completed = 0;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	off_t offset = 0;
	size_t bytes = 0;
	int fd, ret, status = 1;

	memset(reqs, 0, sizeof(reqs));
	if (make_file(path))
		return 1;

	ret = io_uring_queue_init(QD, &ring, 0);
	if (ret < 0) {
		fprintf(stderr, "queue_init: %s\n", strerror(-ret));
		unlink(path);
		return refused(ret) ? 77 : 1;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror("open");
		goto out_ring;
	}
	for (int i = 0; i < QD; i++) {
		reqs[i].iov.iov_base = malloc(BS);
		if (!reqs[i].iov.iov_base) {
			perror("malloc");
			goto out;
		}
		free_reqs[i] = &reqs[i];
	}

	while (offset < FILE_SIZE || nr_free < QD) {
		unsigned queued = 0;

		/* Fill the queue. */
		while (offset < FILE_SIZE && nr_free) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			struct req *r;

			if (!sqe)
				break;
			r = free_reqs[--nr_free];
			r->offset = offset;
			r->expect = FILE_SIZE - offset < BS ? (size_t)(FILE_SIZE - offset) : BS;
			r->iov.iov_len = BS;
			memset(r->iov.iov_base, 0, BS);
			io_uring_prep_readv(sqe, fd, &r->iov, 1, (__u64)offset);
			io_uring_sqe_set_data(sqe, r);
			offset += BS;
			queued++;
		}
		if (queued) {
			ret = io_uring_submit(&ring);
			if (ret != (int)queued) {
				fprintf(stderr, "submit: %d, wanted %u\n", ret, queued);
				goto out;
			}
			submitted += (unsigned)ret;
		}

		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret < 0) {
			fprintf(stderr, "wait_cqe: %s\n", strerror(-ret));
			goto out;
		}
		do {
			struct req *r = io_uring_cqe_get_data(cqe);
			const unsigned char *got = r->iov.iov_base;

			if (cqe->res != (int)r->expect) {
				fprintf(stderr, "readv at %lld: res %d, wanted %zu\n",
					(long long)r->offset, cqe->res, r->expect);
				io_uring_cqe_seen(&ring, cqe);
				goto out;
			}
			for (size_t i = 0; i < r->expect; i++) {
				if (got[i] != pattern(r->offset + (off_t)i)) {
					fprintf(stderr, "byte %lld: %u, wanted %u\n",
						(long long)(r->offset + (off_t)i), got[i],
						pattern(r->offset + (off_t)i));
					io_uring_cqe_seen(&ring, cqe);
					goto out;
				}
			}
			bytes += r->expect;
			completed++;
			free_reqs[nr_free++] = r;
			io_uring_cqe_seen(&ring, cqe);
		} while (io_uring_peek_cqe(&ring, &cqe) == 0);
	}

	printf("Submitted=%u, completed=%u, bytes=%zu\n", submitted, completed, bytes);
	if (submitted != completed || bytes != FILE_SIZE ||
	    submitted != (FILE_SIZE + BS - 1) / BS) {
		fprintf(stderr, "wanted %d requests and %d bytes\n", (FILE_SIZE + BS - 1) / BS,
			FILE_SIZE);
		goto out;
	}
	/* Nothing may be left over. */
	if (io_uring_cq_ready(&ring) || io_uring_peek_cqe(&ring, &cqe) != -EAGAIN) {
		fprintf(stderr, "stray completion\n");
		goto out;
	}
	status = 0;
out:
	/*
	 * On failure, requests may still be in flight: queue_exit tears the
	 * ring down (and its requests with it) before the buffers go.
	 */
	io_uring_queue_exit(&ring);
	for (int i = 0; i < QD; i++)
		free(reqs[i].iov.iov_base);
	close(fd);
	unlink(path);
	return status;
out_ring:
	io_uring_queue_exit(&ring);
	unlink(path);
	return status;
}
