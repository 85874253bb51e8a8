/* SPDX-License-Identifier: MIT */
/*
 * Under RINGER_PRELOAD_STATS, a forked child that ends with _exit() (as
 * fio's job processes do) prints its own counts.  The child makes a ring,
 * runs a NOP through it and calls _exit(0); the parent prints the child's
 * pid on stdout for stats.sh, which checks the shim's lines.
 */
#include <sys/wait.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

int main(void)
{
	struct raw_ring r;
	int status;
	pid_t pid;

	pid = fork();
	REQUIRE_MSG(pid >= 0, "fork");
	if (pid == 0) {
		if (raw_ring_init(&r, 4, NULL))
			_exit(1);
		raw_nop_roundtrip(&r, 7);
		raw_ring_exit(&r);
		_exit(0);
	}
	REQUIRE_MSG(waitpid(pid, &status, 0) == pid, "waitpid");
	REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	printf("child %d\n", (int)pid);
	return 0;
}
