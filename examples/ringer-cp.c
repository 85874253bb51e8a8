/* SPDX-License-Identifier: MIT */
/*
 * ringer-cp [-d DEPTH] SRC DST: copy a file with DEPTH reads and writes in
 * flight through a ring.
 *
 * The source is cut into BLOCK_BYTES blocks.  Each of DEPTH slots owns one
 * buffer and walks one block through two phases: a readv at the block's
 * offset, then, when the read has filled the buffer, a writev of it at the
 * same offset in the destination.  A slot that finishes its write takes the
 * next unread block.  Completions arrive in any order; offsets make that
 * harmless.
 *
 * Results the loop has to expect:
 *  - a short read or write (res < asked): queue the rest of the block again;
 *  - -EAGAIN / -EINTR: nothing was transferred, queue the same request again;
 *  - a read of 0 bytes: the source ended early (it shrank while we copied),
 *    so the block ends there;
 *  - any other negative res: report it with the file's name and stop
 *    queueing; requests in flight are reaped before exiting, so their buffers
 *    are never freed under them.
 *
 * Runs on either backend: RINGER_BACKEND=kernel|user|auto picks it.
 * Exit status: 0 copied, 1 an I/O error, 2 bad usage.
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

#include "copy-files.h"
#include "ringer-cli.h"

#define BLOCK_BYTES   (128 * 1024)
#define DEFAULT_DEPTH 8
#define MAX_DEPTH     4096

enum phase { IDLE, READING, WRITING };

struct slot {
	enum phase phase;
	__u64 off; /* block's offset in both files */
	size_t len; /* block's length */
	size_t done; /* bytes of the current phase already transferred */
	struct iovec iov;
	char *buf;
};

struct copy {
	struct io_uring ring;
	struct slot *slots;
	unsigned depth;
	int in_fd, out_fd;
	const char *src, *dst;
	__u64 size; /* bytes to copy: the source's size at the start */
	__u64 next_off; /* first block not yet handed to a slot */
	unsigned inflight;
	unsigned queued; /* SQEs prepared since the last submit */
	int error; /* first error seen; stops new blocks */
};

static const char *prog = "ringer-cp";

static void usage(void)
{
	printf("usage: %s [-d DEPTH] SRC DST\n"
	       "Copy SRC to DST through an io_uring with DEPTH reads and writes\n"
	       "in flight (1..%d, default %d).\n"
	       "\n"
	       "  -d, --depth DEPTH  blocks in flight\n"
	       "  -h, --help         this help\n"
	       "      --version      the version\n"
	       "\n" RINGER_CLI_BACKEND_HELP "Exit status: 0 copied, 1 an I/O error, 2 bad usage.\n",
	       prog, MAX_DEPTH, DEFAULT_DEPTH);
}

static int submit(struct copy *c)
{
	int ret;

	if (!c->queued)
		return 0;
	do {
		ret = io_uring_submit(&c->ring);
	} while (ret == -EINTR);
	if (ret < 0)
		return ret;
	c->queued = 0;
	return 0;
}

/* Queue the rest of the slot's current phase. */
static int queue_slot(struct copy *c, struct slot *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);
	int ret;

	if (!sqe) {
		/* SQ full of unsubmitted entries: hand them over, then retry. */
		ret = submit(c);
		if (ret < 0)
			return ret;
		sqe = io_uring_get_sqe(&c->ring);
		if (!sqe)
			return -EBUSY;
	}
	s->iov.iov_base = s->buf + s->done;
	s->iov.iov_len = s->len - s->done;
	if (s->phase == READING)
		io_uring_prep_readv(sqe, c->in_fd, &s->iov, 1, s->off + s->done);
	else
		io_uring_prep_writev(sqe, c->out_fd, &s->iov, 1, s->off + s->done);
	io_uring_sqe_set_data(sqe, s);
	c->inflight++;
	c->queued++;
	return 0;
}

/* Give an idle slot the next block, if there is one and no error. */
static int start_block(struct copy *c, struct slot *s)
{
	__u64 left;

	s->phase = IDLE;
	if (c->error || c->next_off >= c->size)
		return 0;
	left = c->size - c->next_off;
	s->off = c->next_off;
	s->len = left < BLOCK_BYTES ? (size_t)left : BLOCK_BYTES;
	s->done = 0;
	s->phase = READING;
	c->next_off += s->len;
	return queue_slot(c, s);
}

static void report(struct copy *c, const char *name, const char *what, int err)
{
	if (!c->error) {
		fprintf(stderr, "%s: %s: %s: %s\n", prog, name, what, strerror(err));
		c->error = err;
	}
}

/* Act on one completion of slot s with result res. */
static int complete(struct copy *c, struct slot *s, int res)
{
	int reading = s->phase == READING;

	c->inflight--;
	if (res == -EAGAIN || res == -EINTR)
		return c->error ? (s->phase = IDLE, 0) : queue_slot(c, s);
	if (res < 0) {
		report(c, reading ? c->src : c->dst, reading ? "read" : "write", -res);
		s->phase = IDLE;
		return 0;
	}
	if (res == 0) {
		if (reading) {
			/* The source ended early: the block ends here. */
			s->len = s->done;
		} else {
			/* A write that moves nothing would spin forever. */
			report(c, c->dst, "write", EIO);
			s->phase = IDLE;
			return 0;
		}
	}
	s->done += (size_t)res;
	if (c->error) {
		s->phase = IDLE;
		return 0;
	}
	if (s->done < s->len)
		return queue_slot(c, s); /* short: the rest of the block */
	if (reading && s->len) {
		s->phase = WRITING;
		s->done = 0;
		return queue_slot(c, s);
	}
	return start_block(c, s);
}

static int run(struct copy *c)
{
	struct io_uring_cqe *cqe;
	int ret;

	for (unsigned i = 0; i < c->depth; i++) {
		ret = start_block(c, &c->slots[i]);
		if (ret < 0)
			return ret;
	}
	while (c->inflight) {
		ret = submit(c);
		if (ret < 0)
			return ret;
		do {
			ret = io_uring_wait_cqe(&c->ring, &cqe);
		} while (ret == -EINTR);
		if (ret < 0)
			return ret;
		/* Reap everything that is there before submitting again. */
		do {
			struct slot *s = io_uring_cqe_get_data(cqe);
			int res = cqe->res;

			io_uring_cqe_seen(&c->ring, cqe);
			ret = complete(c, s, res);
			if (ret < 0)
				return ret;
		} while (!io_uring_peek_cqe(&c->ring, &cqe));
	}
	return 0;
}

/* Reap what is still in flight after a ring error, so no buffer is in use. */
static void drain(struct copy *c)
{
	struct io_uring_cqe *cqe;

	if (c->queued && submit(c) < 0)
		c->inflight -= c->queued; /* never handed over: nothing to reap */
	while (c->inflight) {
		int ret = io_uring_wait_cqe(&c->ring, &cqe);

		if (ret == -EINTR)
			continue;
		if (ret < 0)
			break; /* the ring is broken; queue_exit cancels the rest */
		io_uring_cqe_seen(&c->ring, cqe);
		c->inflight--;
	}
}

int main(int argc, char **argv)
{
	struct copy c = { .depth = DEFAULT_DEPTH, .in_fd = -1, .out_fd = -1 };
	char *bufs = NULL;
	int ret, status = 1;

	ret = parse_copy_args(argc, argv, prog, MAX_DEPTH, usage, &c.depth, &c.src, &c.dst);
	if (ret)
		return ret == 1 ? 0 : ret;

	if (open_copy_files(prog, c.src, c.dst, &c.in_fd, &c.out_fd, &c.size))
		goto out;

	c.slots = calloc(c.depth, sizeof(*c.slots));
	bufs = malloc((size_t)c.depth * BLOCK_BYTES);
	if (!c.slots || !bufs) {
		fprintf(stderr, "%s: %s\n", prog, strerror(ENOMEM));
		goto out;
	}
	for (unsigned i = 0; i < c.depth; i++)
		c.slots[i].buf = bufs + (size_t)i * BLOCK_BYTES;

	/* One SQ entry per slot: a slot never has two requests in flight. */
	ret = io_uring_queue_init(c.depth, &c.ring, 0);
	if (ret < 0) {
		fprintf(stderr, "%s: io_uring_queue_init: %s\n", prog, strerror(-ret));
		goto out;
	}
	ret = run(&c);
	if (ret < 0) {
		fprintf(stderr, "%s: io_uring: %s\n", prog, strerror(-ret));
		drain(&c);
	}
	io_uring_queue_exit(&c.ring);
	if (ret == 0 && !c.error)
		status = 0;
out:
	status = close_copy_files(prog, c.dst, c.in_fd, c.out_fd, status);
	free(bufs);
	free(c.slots);
	return status;
}
