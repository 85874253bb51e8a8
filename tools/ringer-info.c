/* SPDX-License-Identifier: MIT */
/*
 * ringer-info: whether the kernel lets this process use io_uring (and if
 * not, why), which backend RINGER_BACKEND picks here, and what each backend
 * supports: every opcode (IORING_REGISTER_PROBE), setup flag (a trial
 * io_uring_setup) and feature bit (params.features), asked of the backends
 * themselves.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <ringer.h>

#include "engine/trace_ops.h"
#include "ringer-cli.h"

#if defined(__x86_64__)
#define INFO_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define INFO_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#define NR_SETUP_FLAGS 20
#define NR_FEATURES    18
#define NO_MMAP_SIZE   (64 << 10)

static const char *const setup_names[NR_SETUP_FLAGS] = {
	"IOPOLL",	 "SQPOLL",	  "SQ_AFF",	"CQSIZE",
	"CLAMP",	 "ATTACH_WQ",	  "R_DISABLED", "SUBMIT_ALL",
	"COOP_TASKRUN",	 "TASKRUN_FLAG",  "SQE128",	"CQE32",
	"SINGLE_ISSUER", "DEFER_TASKRUN", "NO_MMAP",	"REGISTERED_FD_ONLY",
	"NO_SQARRAY",	 "HYBRID_IOPOLL", "CQE_MIXED",	"SQE_MIXED",
};
_Static_assert(IORING_SETUP_SQE_MIXED == 1U << (NR_SETUP_FLAGS - 1), "a setup flag unnamed");

static const char *const feature_names[NR_FEATURES] = {
	"SINGLE_MMAP", "NODROP",      "SUBMIT_STABLE",	 "RW_CUR_POS",	 "CUR_PERSONALITY",
	"FAST_POLL",   "POLL_32BITS", "SQPOLL_NONFIXED", "EXT_ARG",	 "NATIVE_WORKERS",
	"RSRC_TAGS",   "CQE_SKIP",    "LINKED_FILE",	 "REG_REG_RING", "RECVSEND_BUNDLE",
	"MIN_TIMEOUT", "RW_ATTR",     "NO_IOWAIT",
};
_Static_assert(IORING_FEAT_NO_IOWAIT == 1U << (NR_FEATURES - 1), "a feature bit unnamed");

/* one backend as the three system calls, each returning -errno */
struct backend {
	const char *name;
	int (*setup)(unsigned entries, struct io_uring_params *p);
	int (*reg)(int fd, unsigned opcode, const void *arg, unsigned nr_args);
	int (*close)(int fd);
};

static int kernel_setup(unsigned entries, struct io_uring_params *p)
{
	long ret = syscall(__NR_io_uring_setup, entries, p);

	return ret < 0 ? -errno : (int)ret;
}

static int kernel_reg(int fd, unsigned opcode, const void *arg, unsigned nr_args)
{
	long ret = syscall(__NR_io_uring_register, fd, opcode, arg, nr_args);

	return ret < 0 ? -errno : (int)ret;
}

static int kernel_close(int fd)
{
	return close(fd) ? -errno : 0;
}

static const struct backend backends[2] = {
	{ "kernel", kernel_setup, kernel_reg, kernel_close },
	{ "user", ringer_setup, ringer_register, ringer_close },
};

/* what one backend supports; err is its plain setup's result */
struct support {
	int err;
	unsigned features;
	unsigned nr_ops;
	bool ops[256];
	int flags[NR_SETUP_FLAGS]; /* 0 or the trial setup's -errno */
};

struct info {
	struct utsname uts;
	int disabled, group, seccomp; /* -1: not known */
	bool in_group;
	const char *cause, *reason; /* why the kernel refuses, or NULL */
	const char *env, *auto_pick, *current;
	int current_err;
	struct support be[2];
};

static int read_int(const char *path, const char *key, int *val)
{
	char line[256];
	size_t len = key ? strlen(key) : 0;
	FILE *f = fopen(path, "re");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (key && strncmp(line, key, len))
			continue;
		ret = sscanf(line + len, "%d", val) == 1 ? 0 : -1;
		break;
	}
	fclose(f);
	return ret;
}

static bool in_group(int gid)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	if (gid < 0)
		return false;
	if (getegid() == (gid_t)gid)
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == (gid_t)gid)
			return true;
	return false;
}

/* why io_uring_setup() failed with err, as cause (a short key) and reason */
static void explain(struct info *in, int err)
{
	if (err == -ENOSYS && in->seccomp == 2) {
		in->cause = "seccomp";
		in->reason = "a seccomp filter makes io_uring_setup fail with ENOSYS";
	} else if (err == -ENOSYS) {
		in->cause = "enosys";
		in->reason = "the kernel has no io_uring (older than 5.1, or CONFIG_IO_URING=n)";
	} else if (err != -EPERM && err != -EACCES) {
		in->cause = "other";
		in->reason = strerror(-err);
	} else if (in->disabled == 2) {
		in->cause = "sysctl";
		in->reason = "kernel.io_uring_disabled=2: io_uring is off for every process";
	} else if (in->disabled == 1 && !in->in_group) {
		in->cause = "group";
		in->reason = "kernel.io_uring_disabled=1, not in kernel.io_uring_group";
	} else if (in->seccomp == 2) {
		in->cause = "seccomp";
		in->reason = "a seccomp filter refuses it (as Docker's default profile does)";
	} else {
		in->cause = "unknown";
		in->reason = "refused for a reason this tool cannot see (an LSM?)";
	}
}

static void setup_needs(unsigned flag, struct io_uring_params *p, int *wq_fd, void **mem,
			const struct backend *b)
{
	cpu_set_t cpus;

	switch (flag) {
	case IORING_SETUP_SQ_AFF:
		p->flags |= IORING_SETUP_SQPOLL;
		if (!sched_getaffinity(0, sizeof(cpus), &cpus))
			for (int c = 0; c < CPU_SETSIZE; c++)
				if (CPU_ISSET(c, &cpus)) {
					p->sq_thread_cpu = (unsigned)c;
					break;
				}
		break;
	case IORING_SETUP_CQSIZE:
		p->cq_entries = 16;
		break;
	case IORING_SETUP_ATTACH_WQ: {
		struct io_uring_params wp = { 0 };

		*wq_fd = b->setup(4, &wp);
		p->wq_fd = (unsigned)*wq_fd;
		break;
	}
	case IORING_SETUP_TASKRUN_FLAG:
		p->flags |= IORING_SETUP_COOP_TASKRUN;
		break;
	case IORING_SETUP_DEFER_TASKRUN:
		p->flags |= IORING_SETUP_SINGLE_ISSUER;
		break;
	case IORING_SETUP_HYBRID_IOPOLL:
		p->flags |= IORING_SETUP_IOPOLL;
		break;
	case IORING_SETUP_REGISTERED_FD_ONLY:
	case IORING_SETUP_NO_MMAP:
		p->flags |= IORING_SETUP_NO_MMAP;
		*mem = mmap(NULL, 2 * NO_MMAP_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (*mem == MAP_FAILED) {
			*mem = NULL;
			break;
		}
		p->sq_off.user_addr = (unsigned long)*mem;
		p->cq_off.user_addr = (unsigned long)*mem + NO_MMAP_SIZE;
		break;
	}
}

/* set up a ring with flag (and what it needs) on b: 0 or -errno */
static int try_flag(const struct backend *b, unsigned flag)
{
	struct io_uring_params p = { .flags = flag };
	int ret, wq_fd = -1;
	void *mem = NULL;

	setup_needs(flag, &p, &wq_fd, &mem, b);
	ret = b->setup(4, &p);
	if (ret >= 0 && (p.flags & IORING_SETUP_REGISTERED_FD_ONLY)) {
		/* ret is the ring's slot in the registered-ring table */
		struct io_uring_rsrc_update up = { .offset = (unsigned)ret };

		b->reg(ret, IORING_UNREGISTER_RING_FDS | IORING_REGISTER_USE_REGISTERED_RING, &up,
		       1);
	} else if (ret >= 0) {
		b->close(ret);
	}
	if (wq_fd >= 0)
		b->close(wq_fd);
	if (mem)
		munmap(mem, 2 * NO_MMAP_SIZE);
	return ret < 0 ? ret : 0;
}

static void probe(const struct backend *b, struct support *s)
{
	struct io_uring_params p = { 0 };
	struct io_uring_probe *pr;
	int fd;

	fd = b->setup(4, &p);
	s->err = fd < 0 ? fd : 0;
	if (fd < 0)
		return;
	s->features = p.features;
	pr = calloc(1, sizeof(*pr) + 256 * sizeof(pr->ops[0]));
	if (pr && b->reg(fd, IORING_REGISTER_PROBE, pr, 256) >= 0) {
		s->nr_ops = pr->ops_len;
		for (unsigned i = 0; i < pr->ops_len; i++)
			s->ops[pr->ops[i].op] = pr->ops[i].flags & IO_URING_OP_SUPPORTED;
	}
	free(pr);
	b->close(fd);
	for (int i = 0; i < NR_SETUP_FLAGS; i++)
		s->flags[i] = try_flag(b, 1U << i);
}

/* the backend the library gives a new ring under choice: its name, or NULL */
static const char *pick(enum ringer_backend choice, int *err)
{
	struct io_uring_params p = { 0 };
	struct io_uring ring;
	int ret;

	*err = ringer_queue_init_backend(4, &ring, &p, choice);
	if (*err < 0)
		return NULL;
	ret = ringer_ring_backend(&ring);
	io_uring_queue_exit(&ring);
	return ret < 0 ? NULL : ringer_backend_name((enum ringer_backend)ret);
}

static void gather(struct info *in)
{
	int err;

	uname(&in->uts);
	in->disabled = in->group = in->seccomp = -1;
	read_int("/proc/sys/kernel/io_uring_disabled", NULL, &in->disabled);
	read_int("/proc/sys/kernel/io_uring_group", NULL, &in->group);
	read_int("/proc/self/status", "Seccomp:", &in->seccomp);
	in->in_group = in_group(in->group);
	for (int i = 0; i < 2; i++)
		probe(&backends[i], &in->be[i]);
	if (in->be[0].err)
		explain(in, in->be[0].err);
	in->env = getenv("RINGER_BACKEND");
	in->auto_pick = pick(RINGER_BACKEND_AUTO, &err);
	in->current = pick(ringer_get_backend(), &in->current_err);
}

static const char *errname(int err)
{
	const char *name = strerrorname_np(-err);

	return name ? name : "error";
}

static unsigned nr_rows(const struct info *in)
{
	unsigned n = TRACE_NR_OPS;

	for (int i = 0; i < 2; i++)
		if (in->be[i].nr_ops > n)
			n = in->be[i].nr_ops;
	return n;
}

static const char *op_name(unsigned op, char *buf, size_t len)
{
	if (op < TRACE_NR_OPS && trace_op_names[op])
		return trace_op_names[op];
	snprintf(buf, len, "OP_%u", op);
	return buf;
}

/* every named feature bit has a row, and any other a backend reports */
static bool feature_row(const struct info *in, int bit)
{
	return bit < NR_FEATURES || ((in->be[0].features | in->be[1].features) & (1U << bit));
}

static const char *feature_name(int bit, char *buf, size_t len)
{
	if (bit < NR_FEATURES)
		return feature_names[bit];
	snprintf(buf, len, "BIT_%d", bit);
	return buf;
}

/* a table cell: "-" where the backend could not be set up at all */
static const char *cell_bool(const struct support *s, bool yes)
{
	return s->err ? "-" : yes ? "yes" : "no";
}

/* a setup flag's cell: none where the backend failed, ok, or the errno */
static const char *cell_flag(const struct support *s, int i, const char *none, const char *ok)
{
	return s->err ? none : s->flags[i] ? errname(s->flags[i]) : ok;
}

static void print_text(const struct info *in)
{
	char buf[32];

	printf("ringer-info %s\n", RINGER_PROJECT_VERSION);
	printf("kernel:         %s %s %s\n", in->uts.sysname, in->uts.release, in->uts.machine);
	printf("sysctl:         kernel.io_uring_disabled=%d kernel.io_uring_group=%d%s\n",
	       in->disabled, in->group, in->disabled < 0 ? " (-1: not present)" : "");
	printf("seccomp:        %s\n",
	       in->seccomp >= 0 && in->seccomp <= 2
		       ? (const char *[]){ "none", "strict", "filter" }[in->seccomp]
		       : "unknown");
	if (!in->be[0].err)
		printf("io_uring:       available to this process\n");
	else
		printf("io_uring:       unavailable (%s): %s\n", errname(in->be[0].err),
		       in->reason);
	printf("RINGER_BACKEND: %s\n", in->env ? in->env : "(unset: auto)");
	printf("auto chooses:   %s\n", in->auto_pick ? in->auto_pick : "nothing");
	if (in->current)
		printf("this process:   %s\n", in->current);
	else
		printf("this process:   no ring (%s)\n", errname(in->current_err));

	printf("\n%-20s %-8s %s\n", "opcode", "kernel", "user");
	for (unsigned op = 0; op < nr_rows(in); op++)
		printf("%-20s %-8s %s\n", op_name(op, buf, sizeof(buf)),
		       cell_bool(&in->be[0], in->be[0].ops[op]),
		       cell_bool(&in->be[1], in->be[1].ops[op]));

	printf("\n%-20s %-8s %s\n", "setup flag", "kernel", "user");
	for (int i = 0; i < NR_SETUP_FLAGS; i++)
		printf("%-20s %-8s %s\n", setup_names[i], cell_flag(&in->be[0], i, "-", "yes"),
		       cell_flag(&in->be[1], i, "-", "yes"));

	printf("\n%-20s %-8s %s\n", "feature", "kernel", "user");
	for (int i = 0; i < 32; i++)
		if (feature_row(in, i))
			printf("%-20s %-8s %s\n", feature_name(i, buf, sizeof(buf)),
			       cell_bool(&in->be[0], in->be[0].features & (1U << i)),
			       cell_bool(&in->be[1], in->be[1].features & (1U << i)));
}

static void json_str(const char *key, const char *val, const char *sep)
{
	printf("\"%s\": ", key);
	if (!val) {
		printf("null%s", sep);
		return;
	}
	putchar('"');
	for (; *val; val++) {
		if (*val == '"' || *val == '\\')
			printf("\\%c", *val);
		else if ((unsigned char)*val < 0x20)
			printf("\\u%04x", *val);
		else
			putchar(*val);
	}
	printf("\"%s", sep);
}

/* a JSON value for one backend's cell: null where it could not be set up */
static const char *json_bool(const struct support *s, bool yes)
{
	return s->err ? "null" : yes ? "true" : "false";
}

static void print_json(const struct info *in)
{
	char buf[32];

	printf("{\n  ");
	json_str("version", RINGER_PROJECT_VERSION, ",\n");
	printf("  \"kernel\": {");
	json_str("release", in->uts.release, ", ");
	json_str("machine", in->uts.machine, ", ");
	printf("\"io_uring_disabled\": %d, \"io_uring_group\": %d, \"seccomp\": %d,\n",
	       in->disabled, in->group, in->seccomp);
	printf("    \"available\": %s, ", in->be[0].err ? "false" : "true");
	json_str("errno", in->be[0].err ? errname(in->be[0].err) : NULL, ", ");
	json_str("cause", in->cause, ", ");
	json_str("reason", in->reason, "},\n");
	printf("  \"backend\": {");
	json_str("RINGER_BACKEND", in->env, ", ");
	json_str("auto", in->auto_pick, ", ");
	json_str("current", in->current, "},\n");

	printf("  \"opcodes\": [\n");
	for (unsigned op = 0, n = nr_rows(in); op < n; op++) {
		printf("    {\"op\": %u, ", op);
		json_str("name", op_name(op, buf, sizeof(buf)), ", ");
		printf("\"kernel\": %s, \"user\": %s}%s\n",
		       json_bool(&in->be[0], in->be[0].ops[op]),
		       json_bool(&in->be[1], in->be[1].ops[op]), op + 1 < n ? "," : "");
	}
	printf("  ],\n  \"setup_flags\": [\n");
	for (int i = 0; i < NR_SETUP_FLAGS; i++) {
		printf("    {\"flag\": %u, ", 1U << i);
		json_str("name", setup_names[i], "");
		for (int b = 0; b < 2; b++) {
			const char *c = cell_flag(&in->be[b], i, NULL, "ok");

			if (c)
				printf(", \"%s\": \"%s\"", backends[b].name, c);
			else
				printf(", \"%s\": null", backends[b].name);
		}
		printf("}%s\n", i + 1 < NR_SETUP_FLAGS ? "," : "");
	}
	printf("  ],\n  \"features\": [\n");
	for (int i = 0, n = 0; i < 32; i++) {
		if (!feature_row(in, i))
			continue;
		printf("%s    {\"bit\": %u, ", n++ ? ",\n" : "", 1U << i);
		json_str("name", feature_name(i, buf, sizeof(buf)), ", ");
		printf("\"kernel\": %s, \"user\": %s}",
		       json_bool(&in->be[0], in->be[0].features & (1U << i)),
		       json_bool(&in->be[1], in->be[1].features & (1U << i)));
	}
	printf("\n  ]\n}\n");
}

/* refuse io_uring_setup, _enter and _register with EPERM, as Docker does */
static int deny_io_uring(void)
{
#ifdef INFO_AUDIT_ARCH
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, INFO_AUDIT_ARCH, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_register, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { .len = sizeof(prog) / sizeof(prog[0]), .filter = prog };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog)) {
		perror("ringer-info: seccomp");
		return -1;
	}
	return 0;
#else
	fprintf(stderr, "ringer-info: --simulate-eperm: no filter for this architecture\n");
	return -1;
#endif
}

static void usage(void)
{
	printf("usage: ringer-info [--json] [--simulate-eperm]\n\n"
	       "Whether the kernel lets this process use io_uring (and why not), which\n"
	       "backend RINGER_BACKEND (auto, kernel, user; unset: auto) picks here, and\n"
	       "every opcode, setup flag and feature bit each backend supports, probed.\n\n"
	       "  --json            the same as JSON\n"
	       "  --simulate-eperm  check under a seccomp filter refusing io_uring with\n"
	       "                    EPERM, as Docker's default profile does\n"
	       "  -h, --help        this help\n"
	       "  --version         the version\n");
}

int main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_EPERM, OPT_VERSION };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "simulate-eperm", no_argument, NULL, OPT_EPERM },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, eperm = false;
	struct info *in;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage();
			return 0;
		case OPT_VERSION:
			return ringer_cli_version("ringer-info");
		case OPT_JSON:
			json = true;
			break;
		case OPT_EPERM:
			eperm = true;
			break;
		default:
			return ringer_cli_bad("ringer-info", "unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ringer_cli_bad("ringer-info", "unexpected argument", argv[optind]);
	if (eperm && deny_io_uring())
		return 1;
	in = calloc(1, sizeof(*in));
	if (!in) {
		perror("ringer-info");
		return 1;
	}
	gather(in);
	if (json)
		print_json(in);
	else
		print_text(in);
	free(in);
	return 0;
}
