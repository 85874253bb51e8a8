/* SPDX-License-Identifier: MIT */
/*
 * eperm-run CMD...: run CMD under a seccomp filter that refuses
 * io_uring_setup, io_uring_enter and io_uring_register with -EPERM, as
 * Docker's default profile does, then exec it.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 425, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 426, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 427, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { .len = sizeof(prog) / sizeof(prog[0]), .filter = prog };

	if (argc < 2) {
		fprintf(stderr, "usage: eperm-run CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("eperm-run: PR_SET_NO_NEW_PRIVS");
		return 1;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog)) {
		perror("eperm-run: seccomp");
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "eperm-run: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
