/* SPDX-License-Identifier: MIT */
/*
 * ringer-echo: a TCP echo server on one ring.
 *
 * One multishot ACCEPT on the listening socket; per connection one multishot
 * RECV that picks its buffers from a registered buffer ring
 * (IOSQE_BUFFER_SELECT); each received buffer is sent back with SEND and
 * returned to the ring when the send is complete.  Sends of one connection
 * are issued one at a time, in order: two sends in flight on one stream
 * socket may complete out of order when its send buffer fills.
 *
 * A multishot request that ends (no IORING_CQE_F_MORE) is re-armed; a RECV
 * that ends with -ENOBUFS (the buffer ring ran dry) is re-armed once sends
 * have returned buffers.  SIGINT or SIGTERM ends the server cleanly: every
 * connection closed, the buffer ring unregistered, the ring torn down, exit 0.
 *
 * Runs on either backend: RINGER_BACKEND=kernel|user|auto picks it.
 * Exit status: 0 clean shutdown, 1 runtime error, 2 bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef ECHO_LIBURING
/* tools/ builds this file against liburing too: ringer-bench's shim row */
#include <liburing.h>
#else
#include "ringer.h"
#endif
#include "ringer-cli.h"

#define BGID 1

/* user_data: the kind in the low 2 bits, the connection index above them */
enum { UD_ACCEPT = 0, UD_RECV = 1, UD_SEND = 2, UD_SIGNAL = 3 };
#define UD(kind, idx) (((__u64)(idx) << 2) | (kind))

static const char *prog = "ringer-echo";
static int stop_requested; /* set when the signalfd's poll completes */

struct conn {
	int fd; /* -1: slot free */
	int recv_armed; /* a multishot RECV is in flight */
	int sending; /* a SEND is in flight (of the head buffer) */
	int closing; /* EOF or error seen: close when idle */
	int starved; /* RECV ended with -ENOBUFS: re-arm later */
	int head, tail; /* queue of buffer ids to send, -1 empty */
	unsigned sent; /* bytes of the head buffer already sent */
};

struct server {
	struct io_uring ring;
	int lfd;
	int sfd; /* SIGINT and SIGTERM, read through the ring */
	struct io_uring_buf_ring *br;
	size_t br_size;
	char *bufs;
	unsigned nbufs, bufsize;
	int *next; /* next buffer id in a connection's send queue */
	unsigned *len; /* bytes received into each buffer */
	struct conn *conns;
	unsigned nconns, maxconns;
	int accept_armed;
	unsigned long long accepted, echoed;
	int nr_starved;
	int returned; /* a buffer went back to the ring */
};

static void usage(void)
{
	printf("usage: %s [-a ADDR] [-p PORT] [-b BUFSIZE] [-n NBUFS] [-c MAXCONN] [-q ENTRIES]\n"
	       "A TCP echo server on io_uring: multishot accept, multishot recv\n"
	       "with a registered buffer ring, send.\n"
	       "  -a ADDR     IPv4 address to listen on (default 127.0.0.1)\n"
	       "  -p PORT     port (default 0: any free port)\n"
	       "  -b BUFSIZE  size of each receive buffer (default 4096)\n"
	       "  -n NBUFS    buffers in the ring, a power of two (default 1024)\n"
	       "  -c MAXCONN  most connections at once (default 4096)\n"
	       "  -q ENTRIES  submission queue entries (default 1024)\n"
	       "  -h, --help  this help\n"
	       "  --version   the version\n"
	       "Prints \"listening on ADDR:PORT\" on stdout once it accepts.\n"
	       "SIGINT or SIGTERM stops it cleanly.\n"
	       "\n" RINGER_CLI_BACKEND_HELP
	       "Exit status: 0 clean shutdown, 1 runtime error, 2 bad usage.\n",
	       prog);
}

static unsigned parse_num(const char *s, const char *what, unsigned min, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		char why[64];

		snprintf(why, sizeof(why), "bad %s (%u..%u)", what, min, max);
		exit(ringer_cli_bad(prog, why, s));
	}
	return (unsigned)v;
}

static struct io_uring_sqe *get_sqe(struct server *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);

	if (!sqe) {
		/* SQ full: hand what is queued to the ring and retry */
		io_uring_submit(&s->ring);
		sqe = io_uring_get_sqe(&s->ring);
	}
	return sqe;
}

static int arm_accept(struct server *s)
{
	struct io_uring_sqe *sqe = get_sqe(s);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_accept(sqe, s->lfd, NULL, NULL, SOCK_CLOEXEC);
	sqe->ioprio |= IORING_ACCEPT_MULTISHOT;
	io_uring_sqe_set_data64(sqe, UD(UD_ACCEPT, 0));
	s->accept_armed = 1;
	return 0;
}

/*
 * SIGINT and SIGTERM are blocked and come through a signalfd polled on the
 * ring: a flag set by a handler and checked before each wait could be set
 * just after the check, and the wait would sleep on with the signal taken.
 */
static int arm_signal(struct server *s)
{
	struct io_uring_sqe *sqe = get_sqe(s);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, s->sfd, POLLIN);
	io_uring_sqe_set_data64(sqe, UD(UD_SIGNAL, 0));
	return 0;
}

static int arm_recv(struct server *s, unsigned idx)
{
	struct io_uring_sqe *sqe = get_sqe(s);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_recv(sqe, s->conns[idx].fd, NULL, 0, 0);
	sqe->ioprio |= IORING_RECV_MULTISHOT;
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, UD(UD_RECV, idx));
	s->conns[idx].recv_armed = 1;
	return 0;
}

static int arm_send(struct server *s, unsigned idx)
{
	struct conn *c = &s->conns[idx];
	struct io_uring_sqe *sqe = get_sqe(s);
	int bid = c->head;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_send(sqe, c->fd, s->bufs + (size_t)bid * s->bufsize + c->sent,
			   s->len[bid] - c->sent, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, UD(UD_SEND, idx));
	c->sending = 1;
	return 0;
}

/* Hand buffer bid back to the kernel side of the buffer ring. */
static void recycle(struct server *s, int bid)
{
	unsigned short tail = s->br->tail;
	struct io_uring_buf *b = &s->br->bufs[tail & (s->nbufs - 1)];

	b->addr = (unsigned long)(s->bufs + (size_t)bid * s->bufsize);
	b->len = s->bufsize;
	b->bid = (unsigned short)bid;
	/* release: the buffer's fields are visible before the new tail */
	io_uring_smp_store_release(&s->br->tail, (unsigned short)(tail + 1));
	s->returned = 1;
}

static int setup_buf_ring(struct server *s)
{
	struct io_uring_buf_reg reg;
	int ret;

	s->br_size = s->nbufs * sizeof(struct io_uring_buf);
	s->br = mmap(NULL, s->br_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->br == MAP_FAILED) {
		s->br = NULL;
		return -errno;
	}
	s->bufs = malloc((size_t)s->nbufs * s->bufsize);
	s->next = malloc(s->nbufs * sizeof(*s->next));
	s->len = malloc(s->nbufs * sizeof(*s->len));
	if (!s->bufs || !s->next || !s->len)
		return -ENOMEM;

	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)s->br;
	reg.ring_entries = s->nbufs;
	reg.bgid = BGID;
	ret = io_uring_register(s->ring.ring_fd, IORING_REGISTER_PBUF_RING, &reg, 1);
	if (ret < 0)
		return ret;
	s->br->tail = 0;
	for (unsigned i = 0; i < s->nbufs; i++)
		recycle(s, (int)i);
	return 0;
}

static void unregister_buf_ring(struct server *s)
{
	struct io_uring_buf_reg reg = { .bgid = BGID };

	io_uring_register(s->ring.ring_fd, IORING_UNREGISTER_PBUF_RING, &reg, 1);
}

static void free_conn(struct server *s, unsigned idx)
{
	struct conn *c = &s->conns[idx];

	close(c->fd);
	c->fd = -1;
	s->nconns--;
	/* the accept may have stopped for want of a slot */
	if (!s->accept_armed && !stop_requested)
		arm_accept(s);
}

/* A connection with nothing in flight that is closing is freed. */
static void maybe_free(struct server *s, unsigned idx)
{
	struct conn *c = &s->conns[idx];

	if (c->closing && !c->recv_armed && !c->sending) {
		if (c->starved) {
			c->starved = 0;
			s->nr_starved--;
		}
		while (c->head >= 0) {
			int bid = c->head;

			c->head = s->next[bid];
			recycle(s, bid);
		}
		free_conn(s, idx);
	}
}

/* Stop a connection: shutdown ends its multishot RECV with a 0 result. */
static void start_close(struct server *s, unsigned idx)
{
	struct conn *c = &s->conns[idx];

	if (!c->closing) {
		c->closing = 1;
		shutdown(c->fd, SHUT_RDWR);
	}
	maybe_free(s, idx);
}

static void on_accept(struct server *s, struct io_uring_cqe *cqe)
{
	unsigned idx;

	if (!(cqe->flags & IORING_CQE_F_MORE))
		s->accept_armed = 0;
	if (cqe->res < 0) {
		if (cqe->res != -ECANCELED && cqe->res != -EINTR && cqe->res != -ECONNABORTED)
			fprintf(stderr, "%s: accept: %s\n", prog, strerror(-cqe->res));
	} else if (stop_requested || s->nconns == s->maxconns) {
		close(cqe->res);
	} else {
		int one = 1;

		setsockopt(cqe->res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (idx = 0; s->conns[idx].fd >= 0; idx++)
			;
		s->conns[idx] = (struct conn){ .fd = cqe->res, .head = -1, .tail = -1 };
		s->nconns++;
		s->accepted++;
		if (arm_recv(s, idx) < 0)
			start_close(s, idx);
	}
	if (!s->accept_armed && !stop_requested && s->nconns < s->maxconns)
		arm_accept(s);
}

static void on_recv(struct server *s, unsigned idx, struct io_uring_cqe *cqe)
{
	struct conn *c = &s->conns[idx];

	if (!(cqe->flags & IORING_CQE_F_MORE))
		c->recv_armed = 0;
	if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER)) {
		int bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);

		s->len[bid] = (unsigned)cqe->res;
		s->next[bid] = -1;
		if (c->closing) {
			recycle(s, bid);
		} else {
			if (c->tail >= 0)
				s->next[c->tail] = bid;
			else
				c->head = bid;
			c->tail = bid;
			if (!c->sending && arm_send(s, idx) < 0)
				start_close(s, idx);
		}
		if (!c->recv_armed && !c->closing && arm_recv(s, idx) < 0)
			start_close(s, idx);
	} else if (cqe->res == -ENOBUFS) {
		/* re-armed once a completed send has returned a buffer */
		if (!c->recv_armed && !c->starved && !c->closing) {
			c->starved = 1;
			s->nr_starved++;
		}
	} else if (!c->recv_armed || cqe->res <= 0) {
		/* EOF, or an error (ECONNRESET, ...): finish the sends, close */
		if (cqe->res < 0 && cqe->res != -ECONNRESET && cqe->res != -ECANCELED)
			fprintf(stderr, "%s: recv: %s\n", prog, strerror(-cqe->res));
		start_close(s, idx);
		return;
	}
	maybe_free(s, idx);
}

static void on_send(struct server *s, unsigned idx, struct io_uring_cqe *cqe)
{
	struct conn *c = &s->conns[idx];
	int bid = c->head;

	c->sending = 0;
	if (cqe->res < 0) {
		if (cqe->res != -EPIPE && cqe->res != -ECONNRESET)
			fprintf(stderr, "%s: send: %s\n", prog, strerror(-cqe->res));
		start_close(s, idx);
		return;
	}
	s->echoed += (unsigned)cqe->res;
	c->sent += (unsigned)cqe->res;
	if (c->sent >= s->len[bid]) {
		/* the whole buffer went out: back to the ring */
		c->sent = 0;
		c->head = s->next[bid];
		if (c->head < 0)
			c->tail = -1;
		recycle(s, bid);
	}
	if (c->head >= 0 && arm_send(s, idx) < 0)
		start_close(s, idx);
	maybe_free(s, idx);
}

/* Buffers came back: connections whose RECV ran dry may receive again. */
static void rearm_starved(struct server *s)
{
	for (unsigned i = 0; s->nr_starved && i < s->maxconns; i++) {
		struct conn *c = &s->conns[i];

		if (c->fd >= 0 && c->starved) {
			c->starved = 0;
			s->nr_starved--;
			if (!c->closing && arm_recv(s, i) < 0)
				start_close(s, i);
		}
	}
}

static int listen_on(const char *addr, unsigned port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	socklen_t len = sizeof(sin);
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		exit(ringer_cli_bad(prog, "bad IPv4 address", addr));
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		fprintf(stderr, "%s: listen on %s:%u: %s\n", prog, addr, port, strerror(errno));
		close(fd);
		return -1;
	}
	printf("listening on %s:%u\n", addr, ntohs(sin.sin_port));
	fflush(stdout);
	return fd;
}

static int serve(struct server *s)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen;
	int ret;

	if (arm_signal(s) < 0 || arm_accept(s) < 0)
		return -EBUSY;
	while (!stop_requested) {
		ret = io_uring_submit_and_wait(&s->ring, 1);
		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			fprintf(stderr, "%s: io_uring_submit_and_wait: %s\n", prog, strerror(-ret));
			return ret;
		}
		seen = 0;
		io_uring_for_each_cqe (&s->ring, head, cqe) {
			__u64 ud = io_uring_cqe_get_data64(cqe);
			unsigned idx = (unsigned)(ud >> 2);

			switch (ud & 3) {
			case UD_ACCEPT:
				on_accept(s, cqe);
				break;
			case UD_RECV:
				on_recv(s, idx, cqe);
				break;
			case UD_SEND:
				on_send(s, idx, cqe);
				break;
			case UD_SIGNAL:
				stop_requested = 1;
				break;
			}
			seen++;
		}
		io_uring_cq_advance(&s->ring, seen);
		if (s->nr_starved && s->returned)
			rearm_starved(s);
		s->returned = 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = { { "help", no_argument, NULL, 'h' },
						  { "version", no_argument, NULL, 'V' },
						  { NULL, 0, NULL, 0 } };
	struct server s = { .nbufs = 1024, .bufsize = 4096, .maxconns = 4096 };
	const char *addr = "127.0.0.1";
	unsigned port = 0, entries = 1024;
	sigset_t stop_signals;
	int opt, ret, status = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":a:p:b:n:c:q:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = parse_num(optarg, "port", 0, 65535);
			break;
		case 'b':
			s.bufsize = parse_num(optarg, "buffer size", 1, 1U << 20);
			break;
		case 'n':
			s.nbufs = parse_num(optarg, "buffer count", 1, 32768);
			if (s.nbufs & (s.nbufs - 1))
				return ringer_cli_bad(
					prog, "the buffer count must be a power of two", optarg);
			break;
		case 'c':
			s.maxconns = parse_num(optarg, "connection limit", 1, 1U << 20);
			break;
		case 'q':
			entries = parse_num(optarg, "queue entries", 2, 32768);
			break;
		case 'h':
			usage();
			return 0;
		case 'V':
			return ringer_cli_version(prog);
		case ':':
			return ringer_cli_bad(prog, "option needs a value", argv[optind - 1]);
		default:
			return ringer_cli_bad(prog, "unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return ringer_cli_bad(prog, "no operands are taken; extra", argv[optind]);

	/* blocked before the ring exists: the threads a backend starts inherit
	 * the mask, so no thread takes the signals the signalfd reports */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	s.sfd = signalfd(-1, &stop_signals, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.sfd < 0) {
		fprintf(stderr, "%s: signalfd: %s\n", prog, strerror(errno));
		return 1;
	}

	s.conns = calloc(s.maxconns, sizeof(*s.conns));
	if (!s.conns) {
		fprintf(stderr, "%s: out of memory\n", prog);
		close(s.sfd);
		return 1;
	}
	for (unsigned i = 0; i < s.maxconns; i++)
		s.conns[i].fd = -1;

	ret = io_uring_queue_init(entries, &s.ring, 0);
	if (ret < 0) {
		fprintf(stderr, "%s: io_uring_queue_init: %s\n", prog, strerror(-ret));
		free(s.conns);
		close(s.sfd);
		return 1;
	}
	ret = setup_buf_ring(&s);
	if (ret < 0) {
		fprintf(stderr, "%s: registering the buffer ring: %s\n", prog, strerror(-ret));
		status = 1;
		goto out_ring;
	}
	s.lfd = listen_on(addr, port);
	if (s.lfd < 0) {
		status = 1;
		goto out_unreg;
	}
	if (serve(&s) < 0)
		status = 1;

	/*
	 * Shut down: closing the ring cancels the multishot requests; the
	 * sockets are closed after it, so nothing in flight names them.
	 */
	close(s.lfd);
out_unreg:
	unregister_buf_ring(&s);
out_ring:
	io_uring_queue_exit(&s.ring);
	for (unsigned i = 0; i < s.maxconns; i++)
		if (s.conns[i].fd >= 0)
			close(s.conns[i].fd);
	fprintf(stderr, "%s: %llu connections, %llu bytes echoed\n", prog, s.accepted, s.echoed);
	if (s.br)
		munmap(s.br, s.br_size);
	free(s.bufs);
	free(s.next);
	free(s.len);
	free(s.conns);
	close(s.sfd);
	return status;
}
