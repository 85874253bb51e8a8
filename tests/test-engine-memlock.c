// SPDX-License-Identifier: MIT
/*
 * RLIMIT_MEMLOCK accounting without CAP_IPC_LOCK: ring memory and
 * registered buffers share one budget;
 * beyond it -ENOMEM; unregistering gives the pages back; the same range
 * registered twice counts twice.  Runs in a child that becomes a user of
 * its own with an 8 MiB limit, on both backends (skips when not run as
 * root).
 */
#include "raw.h"

#define MB (1024 * 1024)

static void child(void)
{
	struct raw_ring a, b;
	char *m;
	struct iovec v;

	test_become_memlock_user(8 * MB);
	m = mmap(NULL, 16 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE_MSG(m != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(m, 1, 16 * MB);
	REQUIRE_EQ(raw_skip_if_refused(raw_ring_init(&a, 8, NULL)), 0);
	CHECK_EQ(raw_ring_init(&b, 8, NULL), 0);
	v = (struct iovec){ m, 6 * MB };
	CHECK_EQ(raw_register(a.fd, IORING_REGISTER_BUFFERS, &v, 1), 0);
	v = (struct iovec){ m + 6 * MB, 4 * MB };
	CHECK_EQ(raw_register(b.fd, IORING_REGISTER_BUFFERS, &v, 1), -ENOMEM);
	CHECK_EQ(raw_register(a.fd, IORING_UNREGISTER_BUFFERS, NULL, 0), 0);
	CHECK_EQ(raw_register(b.fd, IORING_REGISTER_BUFFERS, &v, 1), 0);
	CHECK_EQ(raw_register(b.fd, IORING_UNREGISTER_BUFFERS, NULL, 0), 0);
	{
		struct iovec two[2] = { { m, 5 * MB }, { m, 5 * MB } };

		CHECK_EQ(raw_register(a.fd, IORING_REGISTER_BUFFERS, two, 2), -ENOMEM);
		CHECK_EQ(raw_register(a.fd, IORING_REGISTER_BUFFERS, two, 1), 0);
	}
	raw_ring_exit(&a);
	raw_ring_exit(&b);
}

TEST(rings_and_buffers_share_the_budget)
{
	test_in_root_child(child);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(rings_and_buffers_share_the_budget),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
