// SPDX-License-Identifier: MIT
/*
 * RLIMIT_MEMLOCK accounting without CAP_IPC_LOCK (reference 2.7, 7.2,
 * checklist 68): ring memory and registered buffers share one budget;
 * beyond it -ENOMEM; unregistering gives the pages back; the same range
 * registered twice counts twice.  Runs in a child that drops to nobody with
 * an 8 MiB limit, on both backends (skips when not run as root).
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include "test-engine.h"

#define MB (1024 * 1024)

static int child(void)
{
	struct rlimit rl = { 8 * MB, 8 * MB };
	struct raw a, b;
	char *m;
	struct iovec v;

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) || setuid(65534)) {
		perror("setrlimit/setgid/setuid as root");
		return 1;
	}
	m = mmap(NULL, 16 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	memset(m, 1, 16 * MB);
	if (t_skip_if_no_kernel(raw_init(&a, 8, NULL)))
		return 1;
	CHECK_EQ(raw_init(&b, 8, NULL), 0);
	v = (struct iovec){ m, 6 * MB };
	CHECK_EQ(t_register(a.fd, IORING_REGISTER_BUFFERS, &v, 1), 0);
	v = (struct iovec){ m + 6 * MB, 4 * MB };
	CHECK_EQ(t_register(b.fd, IORING_REGISTER_BUFFERS, &v, 1), -ENOMEM);
	CHECK_EQ(t_register(a.fd, IORING_UNREGISTER_BUFFERS, NULL, 0), 0);
	CHECK_EQ(t_register(b.fd, IORING_REGISTER_BUFFERS, &v, 1), 0);
	CHECK_EQ(t_register(b.fd, IORING_UNREGISTER_BUFFERS, NULL, 0), 0);
	{
		struct iovec two[2] = { { m, 5 * MB }, { m, 5 * MB } };

		CHECK_EQ(t_register(a.fd, IORING_REGISTER_BUFFERS, two, 2), -ENOMEM);
		CHECK_EQ(t_register(a.fd, IORING_REGISTER_BUFFERS, two, 1), 0);
	}
	raw_exit(&a);
	raw_exit(&b);
	return t_done();
}

int main(void)
{
	int st;
	pid_t pid;

	if (getuid() != 0) {
		/* it drops to another user to get a fresh RLIMIT_MEMLOCK account */
		printf("SKIPPED: test-engine-memlock: needs root\n");
		return 77;
	}
	pid = fork();
	if (pid == 0)
		_exit(child());
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 1;
	return WEXITSTATUS(st);
}
