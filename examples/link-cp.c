/* SPDX-License-Identifier: MIT */
/*
 * link-cp [-d DEPTH] SRC DST: copy a file where each block is a readv linked
 * (IOSQE_IO_LINK) to the writev of the same buffer at the same offset, so the
 * executor starts the write only once the read has finished.  DEPTH blocks
 * (pairs) are in flight at once (default 8).
 *
 * A link is cut when a member "fails", and for reads a short read counts as a
 * failure: the write then completes with -ECANCELED without having run.  So
 * each slot keeps two counts, rdone (bytes of the block now in its buffer)
 * and wdone (bytes of it written), and once all its requests have completed
 * it decides what to queue next:
 *
 *	rdone == wdone < len  ->  a new pair for [rdone, len)
 *	wdone <  rdone        ->  a lone writev for [wdone, rdone)
 *	wdone == len          ->  the block is done; take the next one
 *
 * A read of 0 bytes means the source ended early (it shrank): the block is
 * cut at rdone.  A write can never claim bytes the read did not deliver:
 * wdone is capped at rdone (an executor that did not cut the link would have
 * written stale bytes past rdone, and they are written again later).
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

#define BLOCK_BYTES   (64 * 1024)
#define DEFAULT_DEPTH 8
#define MAX_DEPTH     2048

struct slot {
	int busy; /* holds a block */
	unsigned pending; /* its requests still in flight */
	__u64 off;
	size_t len;
	size_t rdone, wdone;
	size_t wasked; /* bytes the last write asked for, from wdone */
	struct iovec riov, wiov;
	char *buf;
};

/* user_data: the slot's address with the low bit telling read from write */
#define UD_WRITE 1UL

struct copy {
	struct io_uring ring;
	struct slot *slots;
	unsigned depth;
	int in_fd, out_fd;
	const char *src, *dst;
	__u64 size, next_off;
	unsigned inflight;
	int error;
};

static const char *prog = "link-cp";

static void usage(void)
{
	printf("usage: %s [-d DEPTH] SRC DST\n"
	       "Copy SRC to DST through an io_uring, each block a readv linked to\n"
	       "its writev, DEPTH blocks in flight (1..%d, default %d).\n"
	       "\n"
	       "  -d, --depth DEPTH  blocks in flight\n"
	       "  -h, --help         this help\n"
	       "      --version      the version\n"
	       "\n" RINGER_CLI_BACKEND_HELP "Exit status: 0 copied, 1 an I/O error, 2 bad usage.\n",
	       prog, MAX_DEPTH, DEFAULT_DEPTH);
}

static void report(struct copy *c, const char *name, const char *what, int err)
{
	if (!c->error) {
		fprintf(stderr, "%s: %s: %s: %s\n", prog, name, what, strerror(err));
		c->error = err;
	}
}

/* Queue the slot's next step (see the top of the file). */
static int queue_slot(struct copy *c, struct slot *s)
{
	struct io_uring_sqe *sqe;

	/*
	 * Both SQEs of a pair must go in one submission: IOSQE_IO_LINK on the
	 * last SQE of a batch links to nothing, and the write would then run
	 * alongside its read.  So make room for two first.
	 */
	if (io_uring_sq_space_left(&c->ring) < 2) {
		int ret = io_uring_submit(&c->ring);

		if (ret < 0)
			return ret;
	}
	if (s->wdone < s->rdone) {
		s->wasked = s->rdone - s->wdone;
	} else {
		/* A pair: the read, linked to the write of what it reads. */
		sqe = io_uring_get_sqe(&c->ring);
		if (!sqe)
			return -EBUSY;
		s->riov.iov_base = s->buf + s->rdone;
		s->riov.iov_len = s->len - s->rdone;
		io_uring_prep_readv(sqe, c->in_fd, &s->riov, 1, s->off + s->rdone);
		io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK);
		io_uring_sqe_set_data(sqe, s);
		s->pending++;
		c->inflight++;
		s->wasked = s->len - s->wdone;
	}
	sqe = io_uring_get_sqe(&c->ring);
	if (!sqe)
		return -EBUSY;
	s->wiov.iov_base = s->buf + s->wdone;
	s->wiov.iov_len = s->wasked;
	io_uring_prep_writev(sqe, c->out_fd, &s->wiov, 1, s->off + s->wdone);
	io_uring_sqe_set_data(sqe, (void *)((uintptr_t)s | UD_WRITE));
	s->pending++;
	c->inflight++;
	return 0;
}

static int start_block(struct copy *c, struct slot *s)
{
	__u64 left;

	s->busy = 0;
	if (c->error || c->next_off >= c->size)
		return 0;
	left = c->size - c->next_off;
	s->off = c->next_off;
	s->len = left < BLOCK_BYTES ? (size_t)left : BLOCK_BYTES;
	s->rdone = s->wdone = 0;
	s->busy = 1;
	c->next_off += s->len;
	return queue_slot(c, s);
}

static int complete(struct copy *c, uintptr_t ud, int res)
{
	struct slot *s = (struct slot *)(ud & ~UD_WRITE);
	int write = ud & UD_WRITE;

	c->inflight--;
	s->pending--;
	if (!write) {
		if (res > 0)
			s->rdone += (size_t)res;
		else if (res == 0)
			s->len = s->rdone; /* source ended early */
		else if (res != -EAGAIN && res != -EINTR)
			report(c, c->src, "read", -res);
	} else {
		if (res > 0)
			s->wdone += (size_t)res;
		else if (res == 0 && s->wasked)
			report(c, c->dst, "write", EIO); /* would spin forever */
		else if (res < 0 && res != -ECANCELED && res != -EAGAIN && res != -EINTR)
			report(c, c->dst, "write", -res);
	}
	if (s->pending)
		return 0; /* the write of the pair is still to come */
	if (s->wdone > s->rdone)
		s->wdone = s->rdone;
	if (c->error) {
		s->busy = 0;
		return 0;
	}
	if (s->wdone == s->len)
		return start_block(c, s);
	return queue_slot(c, s);
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
		ret = io_uring_submit_and_wait(&c->ring, 1);
		if (ret < 0 && ret != -EINTR)
			return ret;
		while (!io_uring_peek_cqe(&c->ring, &cqe)) {
			uintptr_t ud = (uintptr_t)io_uring_cqe_get_data(cqe);
			int res = cqe->res;

			io_uring_cqe_seen(&c->ring, cqe);
			ret = complete(c, ud, res);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static void drain(struct copy *c)
{
	struct io_uring_cqe *cqe;

	io_uring_submit(&c->ring);
	while (c->inflight) {
		int ret = io_uring_wait_cqe(&c->ring, &cqe);

		if (ret == -EINTR)
			continue;
		if (ret < 0)
			break; /* queue_exit cancels what is left */
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

	/* Two SQEs per slot: its read and its write. */
	ret = io_uring_queue_init(2 * c.depth, &c.ring, 0);
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
