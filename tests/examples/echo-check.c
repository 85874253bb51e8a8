/* SPDX-License-Identifier: MIT */
/*
 * echo-check PATH-TO-RINGER-ECHO: runs the echo server as a user would, on
 * the backend RINGER_BACKEND names, and checks every byte it sends back.
 *
 *   1. concurrent streams: NSTREAM connections at once, each sending
 *      STREAM_BYTES of its own pseudo-random data in uneven chunks while
 *      reading the echo (one poll loop, so both directions overlap and the
 *      server's buffer ring runs dry and refills);
 *   2. ping-pong: small messages, one at a time, on several connections;
 *   3. rude clients: connections closed with data unread, or reset, then a
 *      new connection must still be echoed;
 *   4. SIGINT: the server exits 0 and says how many bytes it echoed.
 *
 * Exit: 0 pass, 1 fail, 77 skip: the kernel refuses io_uring
 * (RINGER_BACKEND=kernel).  A backend whose probe lacks an opcode the server
 * needs (ACCEPT, RECV, SEND, PROVIDE_BUFFERS), or that refuses a multishot
 * RECV picking from a buffer ring, fails the test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ringer.h"

#define NSTREAM	     32
#define STREAM_BYTES (192 * 1024)
#define NPING	     8
#define PING_ROUNDS  200

static const char *backend;

#define FAIL(...)                                                             \
	do {                                                                  \
		fprintf(stderr, "FAIL (echo, RINGER_BACKEND=%s): ", backend); \
		fprintf(stderr, __VA_ARGS__);                                 \
		fprintf(stderr, "\n");                                        \
		cleanup();                                                    \
		exit(1);                                                      \
	} while (0)

static pid_t server = -1;

static void cleanup(void)
{
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
		server = -1;
	}
}

/* The byte at offset off of stream id: reproducible on both sides. */
static unsigned char pattern(unsigned id, size_t off)
{
	unsigned x = (unsigned)off * 2654435761u ^ (id + 1) * 40503u;

	return (unsigned char)(x ^ x >> 13 ^ x >> 21);
}

/*
 * A multishot RECV with a buffer ring on a socketpair: its first CQE's
 * result (1 = the byte written), or a negative errno.
 */
static int recv_multishot_res(struct io_uring *ring)
{
	static char bufs[2][64];
	struct io_uring_buf_reg reg = { .ring_entries = 2, .bgid = 7 };
	struct __kernel_timespec ts = { .tv_sec = 2 };
	struct io_uring_buf_ring *br;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		FAIL("socketpair: %s", strerror(errno));
	br = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (br == MAP_FAILED)
		FAIL("mmap: %s", strerror(errno));
	reg.ring_addr = (unsigned long)br;
	ret = io_uring_register(ring->ring_fd, IORING_REGISTER_PBUF_RING, &reg, 1);
	if (ret < 0)
		goto out;
	for (unsigned short i = 0; i < 2; i++) {
		br->bufs[i].addr = (unsigned long)bufs[i];
		br->bufs[i].len = sizeof(bufs[i]);
		br->bufs[i].bid = i;
	}
	io_uring_smp_store_release(&br->tail, 2);
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_recv(sqe, sv[0], NULL, 0, 0);
	sqe->ioprio |= IORING_RECV_MULTISHOT;
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = 7;
	io_uring_submit(ring);
	if (write(sv[1], "x", 1) != 1)
		FAIL("write: %s", strerror(errno));
	ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (ret == 0) {
		ret = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
out:
	/* closing the ring (the caller) ends the multishot request */
	close(sv[0]);
	close(sv[1]);
	return ret;
}

/* 0 ready, 77 skip (with the reason printed), or fails the test. */
static int can_run(void)
{
	static const int needed[] = { IORING_OP_ACCEPT, IORING_OP_RECV, IORING_OP_SEND,
				      IORING_OP_PROVIDE_BUFFERS };
	static const char *const names[] = { "ACCEPT", "RECV", "SEND", "PROVIDE_BUFFERS" };
	struct io_uring_probe *probe;
	struct io_uring ring;
	int ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret < 0) {
		if (!strcmp(backend, "kernel") &&
		    (ret == -EPERM || ret == -EACCES || ret == -ENOSYS)) {
			printf("SKIP: the kernel refuses io_uring here: %s\n", strerror(-ret));
			return 77;
		}
		FAIL("io_uring_queue_init: %s", strerror(-ret));
	}
	probe = io_uring_get_probe_ring(&ring);
	if (!probe)
		FAIL("io_uring_get_probe_ring failed");
	ret = 0;
	for (unsigned i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (!io_uring_opcode_supported(probe, needed[i]))
			FAIL("the %s backend's probe lacks IORING_OP_%s", backend, names[i]);
	io_uring_free_probe(probe);
	ret = recv_multishot_res(&ring);
	if (ret != 1)
		FAIL("multishot RECV from a buffer ring: %d (%s)", ret, strerror(-ret));
	io_uring_queue_exit(&ring);
	return 0;
}

static unsigned start_server(const char *path)
{
	char line[128];
	int pfd[2];
	unsigned port = 0;
	ssize_t n;
	size_t got = 0;

	if (pipe(pfd) < 0)
		FAIL("pipe: %s", strerror(errno));
	server = fork();
	if (server < 0)
		FAIL("fork: %s", strerror(errno));
	if (server == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		/* a small buffer ring, so that it runs dry under the streams */
		execl(path, path, "-n", "64", "-b", "1024", (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	while (got < sizeof(line) - 1 && !memchr(line, '\n', got)) {
		n = read(pfd[0], line + got, sizeof(line) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		line[got] = 0;
	}
	close(pfd[0]);
	line[got] = 0;
	if (sscanf(line, "listening on 127.0.0.1:%u", &port) != 1 || !port)
		FAIL("the server did not say where it listens: '%s'", line);
	return port;
}

static int connect_to(unsigned port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((unsigned short)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		FAIL("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		FAIL("connect: %s", strerror(errno));
	return fd;
}

struct stream {
	int fd;
	size_t sent, rcvd;
};

static void check_streams(unsigned port)
{
	struct stream st[NSTREAM];
	struct pollfd pfd[NSTREAM];
	unsigned char buf[8192];
	unsigned done = 0;
	time_t deadline = time(NULL) + 60;

	for (unsigned i = 0; i < NSTREAM; i++) {
		st[i] = (struct stream){ .fd = connect_to(port) };
		pfd[i].fd = st[i].fd;
	}
	while (done < NSTREAM) {
		for (unsigned i = 0; i < NSTREAM; i++) {
			pfd[i].events = st[i].rcvd < STREAM_BYTES ? POLLIN : 0;
			if (st[i].sent < STREAM_BYTES)
				pfd[i].events |= POLLOUT;
			if (!pfd[i].events)
				pfd[i].fd = -1;
		}
		if (poll(pfd, NSTREAM, 1000) < 0 && errno != EINTR)
			FAIL("poll: %s", strerror(errno));
		if (time(NULL) > deadline)
			FAIL("streams: no progress for 60 s (%u of %u done)", done, NSTREAM);
		for (unsigned i = 0; i < NSTREAM; i++) {
			struct stream *s = &st[i];
			ssize_t n;

			if (pfd[i].revents & POLLOUT) {
				/* uneven chunks: 1 .. 7000 bytes */
				size_t len = 1 + (s->sent * 7 + i * 131) % 7000;

				if (len > STREAM_BYTES - s->sent)
					len = STREAM_BYTES - s->sent;
				for (size_t k = 0; k < len; k++)
					buf[k] = pattern(i, s->sent + k);
				n = send(s->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
				if (n < 0 && errno != EAGAIN)
					FAIL("stream %u: send: %s", i, strerror(errno));
				if (n > 0)
					s->sent += (size_t)n;
			}
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
				if (n < 0 && errno != EAGAIN)
					FAIL("stream %u: recv: %s", i, strerror(errno));
				if (n == 0)
					FAIL("stream %u: EOF after %zu of %d bytes", i, s->rcvd,
					     STREAM_BYTES);
				for (ssize_t k = 0; k < n; k++)
					if (buf[k] != pattern(i, s->rcvd + (size_t)k))
						FAIL("stream %u: byte %zu differs", i,
						     s->rcvd + (size_t)k);
				if (n > 0) {
					s->rcvd += (size_t)n;
					if (s->rcvd > s->sent)
						FAIL("stream %u: more echoed than sent", i);
					if (s->rcvd == STREAM_BYTES)
						done++;
				}
			}
		}
	}
	for (unsigned i = 0; i < NSTREAM; i++) {
		/* the server closes its side once ours is shut */
		shutdown(st[i].fd, SHUT_WR);
		if (recv(st[i].fd, buf, 1, 0) != 0)
			FAIL("stream %u: no EOF from the server after ours", i);
		close(st[i].fd);
	}
}

static void check_ping_pong(unsigned port)
{
	int fds[NPING];
	char msg[64], got[64];

	for (unsigned i = 0; i < NPING; i++)
		fds[i] = connect_to(port);
	for (unsigned r = 0; r < PING_ROUNDS; r++) {
		for (unsigned i = 0; i < NPING; i++) {
			int len = snprintf(msg, sizeof(msg), "ping %u of %u", r, i);
			ssize_t n, have = 0;

			if (send(fds[i], msg, (size_t)len, MSG_NOSIGNAL) != len)
				FAIL("ping-pong: send: %s", strerror(errno));
			while (have < len) {
				n = recv(fds[i], got + have, (size_t)(len - have), 0);
				if (n <= 0)
					FAIL("ping-pong %u/%u: recv: %zd %s", r, i, n,
					     strerror(errno));
				have += n;
			}
			if (memcmp(msg, got, (size_t)len))
				FAIL("ping-pong %u/%u: echo differs", r, i);
		}
	}
	for (unsigned i = 0; i < NPING; i++)
		close(fds[i]);
}

static void check_rude_clients(unsigned port)
{
	static char big[256 * 1024];
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char got[5];

	for (unsigned i = 0; i < 8; i++) {
		int fd = connect_to(port);

		/* the server's sends to it fail or block: it must not care */
		send(fd, big, sizeof(big), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (i & 1)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	}
	int fd = connect_to(port);

	if (send(fd, "after", 5, MSG_NOSIGNAL) != 5)
		FAIL("after rude clients: send: %s", strerror(errno));
	ssize_t have = 0, n;

	while (have < 5) {
		n = recv(fd, got + have, (size_t)(5 - have), 0);
		if (n <= 0)
			FAIL("after rude clients: recv: %zd %s", n, strerror(errno));
		have += n;
	}
	if (memcmp(got, "after", 5))
		FAIL("after rude clients: echo differs");
	close(fd);
}

static void stop_server(void)
{
	int status;

	for (int i = 0; i < 100; i++) {
		if (i == 0)
			kill(server, SIGINT);
		pid_t r = waitpid(server, &status, WNOHANG);

		if (r == server) {
			server = -1;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				FAIL("the server did not exit 0 on SIGINT (status 0x%x)", status);
			return;
		}
		usleep(100 * 1000);
	}
	FAIL("the server did not exit within 10 s of SIGINT");
}

int main(int argc, char **argv)
{
	unsigned port;
	int ret;

	backend = getenv("RINGER_BACKEND") ? getenv("RINGER_BACKEND") : "auto";
	if (argc != 2) {
		fprintf(stderr, "usage: echo-check PATH-TO-RINGER-ECHO\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	ret = can_run();
	if (ret)
		return ret;
	port = start_server(argv[1]);
	check_streams(port);
	printf("ok streams: %d connections x %d bytes\n", NSTREAM, STREAM_BYTES);
	check_ping_pong(port);
	printf("ok ping-pong: %d connections x %d rounds\n", NPING, PING_ROUNDS);
	check_rude_clients(port);
	printf("ok rude clients\n");
	stop_server();
	printf("ok SIGINT: clean exit\n");
	return 0;
}
