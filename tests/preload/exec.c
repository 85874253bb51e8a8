/* SPDX-License-Identifier: MIT */
/*
 * Hazard: execve.  The shim's filter outlives exec; a program exec'd without
 * the shim would die of the trap.  Under the shim, every exec'd program
 * (execve with or without LD_PRELOAD, posix_spawn, system) must come up
 * alive, see the environment it was given, and get either a working ring or
 * a clean -errno from io_uring_setup, never a SIGSYS death.
 */
#include <spawn.h>
#include <sys/wait.h>
#define RAW_SYSCALLS
#include "../raw.h"
#include "expect.h"

extern char **environ;
static char self[4096];

/* The environment minus LD_PRELOAD and RINGER_EXPECT. */
static char **clean_env(void)
{
	static char *env[512];
	int n = 0;

	for (char **e = environ; *e && n < 510; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11) && strncmp(*e, "RINGER_EXPECT=", 14))
			env[n++] = *e;
	env[n] = NULL;
	return env;
}

/* In the exec'd program: io_uring must answer, whatever the answer is. */
static int probe(int preloaded)
{
	struct raw_ring r;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe cqe;
	int ret;

	for (char **e = environ; *e; e++)
		REQUIRE_MSG(strncmp(*e, "RINGER_PRELOAD_STUB=", 20) &&
			      strncmp(*e, "RINGER_PRELOAD_INJECTED=", 24) &&
			      strncmp(*e, "RINGER_PRELOAD_ORIG=", 20),
		      "shim marker leaked: %s", *e);
	if (!preloaded)
		REQUIRE_MSG(!getenv("LD_PRELOAD"), "LD_PRELOAD=%s leaked into the child",
		      getenv("LD_PRELOAD"));
	ret = raw_ring_init(&r, 4, NULL);
	if (ret < 0) {
		/* A clean refusal (e.g. -EPERM inside eperm-run) is fine without the shim. */
		REQUIRE_MSG(!preloaded || !getenv("RINGER_EXPECT"), "preloaded child: setup %s",
		      strerror(-ret));
		printf("exec child: setup -> %s\n", strerror(-ret));
		return 0;
	}
	if (preloaded)
		expect_kind(r.fd);
	sqe = raw_sqe(&r);
	sqe->opcode = IORING_OP_NOP;
	sqe->user_data = 9;
	raw_publish(&r);
	REQUIRE_MSG(raw_enter(r.fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, _NSIG / 8) == 1, "child enter");
	REQUIRE_MSG(raw_pop(&r, &cqe) && cqe.user_data == 9, "child cqe");
	printf("exec child: %s ring ok\n", fd_kind(r.fd));
	raw_ring_exit(&r);
	return 0;
}

static void check_status(const char *what, int status)
{
	if (WIFSIGNALED(status))
		FAIL("%s: child killed by signal %d", what, WTERMSIG(status));
	REQUIRE_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child exit %d", what,
	      WEXITSTATUS(status));
}

static void run_execve(const char *what, const char *mode, char **env)
{
	char *argv[] = { self, (char *)mode, NULL };
	int status;
	pid_t pid = fork();

	REQUIRE_MSG(pid >= 0, "fork");
	if (pid == 0) {
		execve(self, argv, env);
		_exit(127);
	}
	REQUIRE_MSG(waitpid(pid, &status, 0) == pid, "waitpid");
	check_status(what, status);
}

int main(int argc, char **argv)
{
	char *sargv[3];
	char cmd[4200];
	int status;
	pid_t pid;
	ssize_t n;

	if (argc > 1 && !strcmp(argv[1], "probe"))
		return probe(0);
	if (argc > 1 && !strcmp(argv[1], "probe-preloaded"))
		return probe(1);
	alarm(30);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	REQUIRE_MSG(n > 0, "readlink");
	self[n] = '\0';

	/* The shim's own program still works. */
	REQUIRE_MSG(probe(1) == 0, "parent probe");

	run_execve("execve without LD_PRELOAD", "probe", clean_env());
	run_execve("execve with LD_PRELOAD", "probe-preloaded", environ);

	sargv[0] = self;
	sargv[1] = "probe";
	sargv[2] = NULL;
	REQUIRE_MSG(posix_spawn(&pid, self, NULL, NULL, sargv, clean_env()) == 0, "posix_spawn");
	REQUIRE_MSG(waitpid(pid, &status, 0) == pid, "waitpid");
	check_status("posix_spawn without LD_PRELOAD", status);

	snprintf(cmd, sizeof(cmd), "exec '%s' probe-preloaded", self);
	status = system(cmd);
	check_status("system()", status);

	/* A failing execve returns its error. */
	errno = 0;
	REQUIRE_MSG(execve("/nonexistent/ringer", sargv, environ) == -1 && errno == ENOENT,
	      "execve(nonexistent): errno %d", errno);

	printf("exec: ok\n");
	return 0;
}
