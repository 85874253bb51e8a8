/* SPDX-License-Identifier: MIT */
/*
 * A small RLIMIT_FSIZE: the engine's ring file is sized sparse to the ABI's
 * mmap offsets, which the program maps directly.  Under a small soft limit
 * the shim lifts it for the setup and the ring works (the limit is restored);
 * under a small hard limit too, setup fails cleanly (-ENOMEM) instead of
 * handing out a ring whose mappings fault.
 */
#include <sys/resource.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

int main(void)
{
	struct rlimit rl = { 64 * 1024, RLIM_INFINITY }, now;
	struct raw_ring r;
	int ret;

	signal(SIGXFSZ, SIG_IGN);
	REQUIRE_MSG(setrlimit(RLIMIT_FSIZE, &rl) == 0, "setrlimit");
	setup_or_skip(&r, 8);
	raw_nop_roundtrip(&r, 3);
	REQUIRE_MSG(getrlimit(RLIMIT_FSIZE, &now) == 0 && now.rlim_cur == rl.rlim_cur &&
		      now.rlim_max == rl.rlim_max,
	      "RLIMIT_FSIZE changed to %llu/%llu", (unsigned long long)now.rlim_cur,
	      (unsigned long long)now.rlim_max);
	raw_ring_exit(&r);

	rl.rlim_max = rl.rlim_cur;
	REQUIRE_MSG(setrlimit(RLIMIT_FSIZE, &rl) == 0, "setrlimit (hard)");
	ret = raw_ring_init(&r, 8, NULL);
	if (ret == 0) {
		expect_kind(r.fd);
		raw_nop_roundtrip(&r, 3);
		raw_ring_exit(&r);
		printf("fsize: ok (%s ring under a small hard limit)\n", fd_kind(r.fd));
	} else {
		REQUIRE_MSG(ret == -ENOMEM, "setup under a small hard limit: %s", strerror(-ret));
		printf("fsize: ok (-ENOMEM under a small hard limit)\n");
	}
	return 0;
}
