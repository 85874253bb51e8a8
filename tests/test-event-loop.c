/* SPDX-License-Identifier: MIT */
/*
 * An event loop's io_uring file-system work (tests/event-loop.h), through
 * the library's raw entry points: ringer_setup/enter/register on the
 * engine, the system calls on RINGER_BACKEND=kernel.  The same program runs
 * unmodified under the preload shim as preload/evloop.c.
 */
#include "raw.h"
#include "event-loop.h"

static void el_init_or_skip(struct el *l)
{
	raw_skip_if_refused(el_init(l, 64));
}

TEST(event_loop_files)
{
	struct el l;

	el_init_or_skip(&l);
	el_files(&l);
	el_exit(&l);
}

TEST(event_loop_epoll_ctl_batch)
{
	struct el l;

	el_init_or_skip(&l);
	el_epoll_batch(&l);
	el_exit(&l);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(event_loop_files),
		TEST_ENTRY(event_loop_epoll_ctl_batch),
	};

	raw_skip_program_if_refused();
	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
