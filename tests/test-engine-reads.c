// SPDX-License-Identifier: MIT
/*
 * A hundred thousand reads of random sizes at random offsets (READ, READV,
 * READ_FIXED, some IOSQE_ASYNC, some crossing EOF), each checked against the
 * file's known contents.  Runs on both backends.  RINGER_TEST_SCALE (percent)
 * sizes it; sanitizer builds run a tenth.
 */
#include <fcntl.h>

#include "raw.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SAN_DIV 10
#else
#define SAN_DIV 1
#endif

#define FILE_SZ (1 << 20)
#define QD 32
#define MAXLEN 16384

static unsigned char content[FILE_SZ];
static unsigned char bufs[QD][MAXLEN] __attribute__((aligned(4096)));
static struct iovec iovs[QD][2];

struct slot {
	uint64_t off;
	unsigned len;
	bool busy;
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

TEST(random_reads_match_the_file)
{
	const char *s = getenv("RINGER_TEST_SCALE");
	unsigned total = (unsigned)(100000ULL * (s ? (unsigned)atoi(s) : 100) / 100 / SAN_DIV);
	struct slot slots[QD] = { 0 };
	struct iovec reg[QD];
	char path[] = "/tmp/ringer-reads-XXXXXX";
	unsigned sent = 0, done = 0;
	struct raw_ring r;
	int fd, ret;

	ret = raw_skip_if_refused(raw_ring_init(&r, QD, NULL));
	REQUIRE_EQ(ret, 0);
	for (unsigned i = 0; i < FILE_SZ; i++)
		content[i] = (unsigned char)(next_rand() >> 24);
	fd = mkstemp(path);
	unlink(path);
	CHECK_EQ(write(fd, content, FILE_SZ), FILE_SZ);
	for (int i = 0; i < QD; i++) {
		reg[i].iov_base = bufs[i];
		reg[i].iov_len = MAXLEN;
	}
	CHECK_EQ(raw_register(r.fd, IORING_REGISTER_BUFFERS, reg, QD), 0);

	while (done < total && !test_case_failed()) {
		unsigned k = 0;
		struct io_uring_cqe c;

		for (int i = 0; i < QD && sent < total; i++) {
			struct io_uring_sqe *sqe;
			unsigned kind = (unsigned)(next_rand() % 4);

			if (slots[i].busy)
				continue;
			slots[i].len = 1 + (unsigned)(next_rand() % MAXLEN);
			/* some reads run past EOF: the result is cut there */
			slots[i].off = next_rand() % (FILE_SZ + 4096);
			slots[i].busy = true;
			sqe = raw_sqe(&r);
			sqe->fd = fd;
			sqe->off = slots[i].off;
			sqe->user_data = (uint64_t)i;
			if (kind == 0) {
				sqe->opcode = IORING_OP_READ;
				sqe->addr = (uintptr_t)bufs[i];
				sqe->len = slots[i].len;
			} else if (kind == 1) {
				unsigned half = slots[i].len / 2;

				iovs[i][0] = (struct iovec){ bufs[i], half };
				iovs[i][1] = (struct iovec){ bufs[i] + half, slots[i].len - half };
				sqe->opcode = IORING_OP_READV;
				sqe->addr = (uintptr_t)iovs[i];
				sqe->len = 2;
			} else {
				sqe->opcode = IORING_OP_READ_FIXED;
				sqe->addr = (uintptr_t)bufs[i];
				sqe->len = slots[i].len;
				sqe->buf_index = (uint16_t)i;
				if (kind == 3)
					sqe->flags = IOSQE_ASYNC;
			}
			sent++;
			k++;
		}
		raw_publish(&r);
		ret = raw_enter(r.fd, k, 1, IORING_ENTER_GETEVENTS, NULL, 0);
		CHECK_EQ(ret, (int)k);
		while (raw_pop(&r, &c)) {
			struct slot *sl = &slots[c.user_data];
			long want = sl->off >= FILE_SZ ? 0
				    : sl->off + sl->len > FILE_SZ ? (long)(FILE_SZ - sl->off)
								  : (long)sl->len;

			CHECK_EQ(c.res, want);
			if (c.res == want && want > 0 &&
			    memcmp(bufs[c.user_data], content + sl->off, (size_t)want)) {
				CHECK_MSG(0, "data mismatch at %llu len %u", (unsigned long long)sl->off,
				      sl->len);
			}
			sl->busy = false;
			done++;
		}
	}
	CHECK_EQ(done, total);
	close(fd);
	raw_ring_exit(&r);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(random_reads_match_the_file),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
