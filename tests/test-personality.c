/* SPDX-License-Identifier: MIT */
/*
 * IORING_REGISTER_PERSONALITY / UNREGISTER_PERSONALITY and sqe->personality:
 * the ids and the errors, and a request run with registered credentials
 * after the submitting thread changed its own (as root: file permissions and
 * the owner of a created directory show which credentials a request ran with).
 * The thread changes its credentials with raw syscalls, which change only the
 * calling thread (glibc's wrappers change every thread of the process).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

#define NOBODY 65534

static int thread_setresuid(uid_t r, uid_t e, uid_t s)
{
	return syscall(SYS_setresuid, r, e, s) ? -errno : 0;
}

static int thread_setresgid(gid_t r, gid_t e, gid_t s)
{
	return syscall(SYS_setresgid, r, e, s) ? -errno : 0;
}

/* This thread becomes nobody in its effective ids (root stays saved). */
static void become_nobody(void)
{
	REQUIRE_EQ(thread_setresgid(-1, NOBODY, -1), 0);
	REQUIRE_EQ(thread_setresuid(-1, NOBODY, -1), 0);
}

static void become_root(void)
{
	REQUIRE_EQ(thread_setresuid(-1, 0, -1), 0);
	REQUIRE_EQ(thread_setresgid(-1, 0, -1), 0);
}

static void require_root(void)
{
	if (geteuid() != 0)
		SKIP_CASE(SKIP_ENVIRONMENT, "needs root to change credentials");
}

static struct io_uring_sqe *nop(struct io_uring *ring, __u64 user_data, unsigned pers)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	io_uring_prep_nop(sqe);
	sqe->user_data = user_data;
	sqe->personality = pers;
	return sqe;
}

static int one_result(struct io_uring *ring, __u64 user_data)
{
	return test_submit_one(ring, user_data).res;
}

TEST(register_ids_and_errors)
{
	struct io_uring ring;
	int dummy = 0;

	test_ring_init(4, &ring, 0);
	/* no argument, no count */
	CHECK_EQ(io_uring_register(ring.ring_fd, IORING_REGISTER_PERSONALITY, &dummy, 0), -EINVAL);
	CHECK_EQ(io_uring_register(ring.ring_fd, IORING_REGISTER_PERSONALITY, NULL, 1), -EINVAL);
	/* ids from 1, cyclic: a freed id is not given again at once */
	CHECK_EQ(io_uring_register_personality(&ring), 1);
	CHECK_EQ(io_uring_register_personality(&ring), 2);
	CHECK_EQ(io_uring_unregister_personality(&ring, 1), 0);
	CHECK_EQ(io_uring_unregister_personality(&ring, 1), -EINVAL);
	CHECK_EQ(io_uring_register_personality(&ring), 3);
	/* unknown ids; UNREGISTER takes the id as the count and no argument */
	CHECK_EQ(io_uring_unregister_personality(&ring, 0), -EINVAL);
	CHECK_EQ(io_uring_unregister_personality(&ring, 99), -EINVAL);
	CHECK_EQ(io_uring_unregister_personality(&ring, 70000), -EINVAL);
	CHECK_EQ(io_uring_register(ring.ring_fd, IORING_UNREGISTER_PERSONALITY, &dummy, 2),
		 -EINVAL);
	CHECK_EQ(io_uring_unregister_personality(&ring, 2), 0);
	CHECK_EQ(io_uring_unregister_personality(&ring, 3), 0);
	/* the ring goes away with personalities registered: nothing leaks */
	CHECK_EQ(io_uring_register_personality(&ring), 4);
	io_uring_queue_exit(&ring);
}

TEST(sqe_personality)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	int id, fds[1];

	test_ring_init(8, &ring, 0);
	id = io_uring_register_personality(&ring);
	REQUIRE_TRUE(id > 0);
	nop(&ring, 1, id);
	CHECK_EQ(one_result(&ring, 1), 0);
	nop(&ring, 2, id + 1); /* none registered with that id */
	CHECK_EQ(one_result(&ring, 2), -EINVAL);
	nop(&ring, 3, id)->flags |= IOSQE_ASYNC;
	CHECK_EQ(one_result(&ring, 3), 0);
	/* a link: the failed head cancels its successor */
	nop(&ring, 4, id + 7)->flags |= IOSQE_IO_LINK;
	nop(&ring, 5, 0);
	{
		struct test_cqe c[2];

		REQUIRE_EQ(test_submit_reap(&ring, c, 2), 2);
		CHECK_EQ(c[0].res, -EINVAL);
		CHECK_EQ(c[1].res, -ECANCELED);
	}
	/* installing a fixed file refuses a personality: -EPERM */
	fds[0] = dup(1);
	REQUIRE_TRUE(fds[0] >= 0);
	REQUIRE_EQ(io_uring_register_files(&ring, fds, 1), 0);
	sqe = test_get_sqe(&ring);
	io_uring_prep_fixed_fd_install(sqe, 0, 0);
	sqe->user_data = 6;
	sqe->personality = id;
	CHECK_EQ(one_result(&ring, 6), -EPERM);
	/* MSG_RING: -EINVAL */
	sqe = test_get_sqe(&ring);
	io_uring_prep_msg_ring(sqe, ring.ring_fd, 0, 0, 0);
	sqe->user_data = 7;
	sqe->personality = id;
	CHECK_EQ(one_result(&ring, 7), -EINVAL);
	/* unregistered: an SQE naming it fails */
	CHECK_EQ(io_uring_unregister_personality(&ring, id), 0);
	nop(&ring, 8, id);
	CHECK_EQ(one_result(&ring, 8), -EINVAL);
	close(fds[0]);
	io_uring_queue_exit(&ring);
}

static char dir[64];

/*
 * A directory anyone may write to, holding "secret", a file only root may
 * read: which of them a request could open, and who owns what it creates,
 * show the credentials it ran with.  path gets the secret's name.
 */
static void make_dir_with_secret(char *path, size_t size)
{
	int fd;

	strcpy(dir, "/tmp/ringer-pers-XXXXXX");
	REQUIRE_TRUE(mkdtemp(dir) != NULL);
	REQUIRE_EQ(chmod(dir, 0777), 0);
	snprintf(path, size, "%s/secret", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	REQUIRE_TRUE(fd >= 0);
	close(fd);
}

static void remove_dir(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/secret", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/d", dir);
	rmdir(path);
	rmdir(dir);
}

static int openat_result(struct io_uring *ring, const char *path, unsigned pers, unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);
	int ret;

	io_uring_prep_openat(sqe, AT_FDCWD, path, O_RDONLY, 0);
	sqe->personality = pers;
	sqe->flags |= flags;
	sqe->user_data = 0x10;
	ret = one_result(ring, 0x10);
	if (ret >= 0)
		close(ret);
	return ret;
}

static int mkdirat_result(struct io_uring *ring, const char *path, unsigned pers, unsigned flags)
{
	struct io_uring_sqe *sqe = test_get_sqe(ring);

	io_uring_prep_mkdirat(sqe, AT_FDCWD, path, 0755);
	sqe->personality = pers;
	sqe->flags |= flags;
	sqe->user_data = 0x20;
	return one_result(ring, 0x20);
}

/* what path names was created with nobody's credentials */
static void check_owned_by_nobody(const char *path)
{
	struct stat st;

	REQUIRE_EQ(stat(path, &st), 0);
	CHECK_EQ((int)st.st_uid, NOBODY);
	CHECK_EQ((int)st.st_gid, NOBODY);
}

/* Root's personality opens a file only root may read, from a thread that is nobody now. */
TEST(runs_with_registered_creds)
{
	struct io_uring ring;
	char path[128];
	int id;

	require_root();
	make_dir_with_secret(path, sizeof(path));
	test_ring_init(8, &ring, 0);
	id = io_uring_register_personality(&ring);
	REQUIRE_TRUE(id > 0);
	become_nobody();
	CHECK_EQ(open(path, O_RDONLY), -1); /* the thread itself may not */
	CHECK_EQ(openat_result(&ring, path, 0, 0), -EACCES);
	CHECK_TRUE(openat_result(&ring, path, id, 0) >= 0);
	CHECK_TRUE(openat_result(&ring, path, id, IOSQE_ASYNC) >= 0);
	/* the thread's own credentials are back after the request */
	CHECK_EQ((int)geteuid(), NOBODY);
	CHECK_EQ(open(path, O_RDONLY), -1);
	CHECK_EQ(openat_result(&ring, path, 0, 0), -EACCES);
	become_root();
	io_uring_queue_exit(&ring);
	remove_dir();
}

/* Nobody's personality, used by a root thread: refused, and what it creates is nobody's. */
TEST(runs_as_unprivileged)
{
	struct io_uring ring;
	char path[128];
	int id;

	require_root();
	make_dir_with_secret(path, sizeof(path));
	test_ring_init(8, &ring, 0);
	become_nobody();
	id = io_uring_register_personality(&ring);
	become_root();
	REQUIRE_TRUE(id > 0);
	CHECK_EQ(openat_result(&ring, path, id, 0), -EACCES);
	CHECK_EQ(openat_result(&ring, path, id, IOSQE_ASYNC), -EACCES);
	CHECK_TRUE(openat_result(&ring, path, 0, 0) >= 0);
	for (int async = 0; async < 2; async++) {
		snprintf(path, sizeof(path), "%s/d", dir);
		CHECK_EQ(mkdirat_result(&ring, path, id, async ? IOSQE_ASYNC : 0), 0);
		check_owned_by_nobody(path);
		CHECK_EQ(rmdir(path), 0);
	}
	CHECK_EQ((int)geteuid(), 0);
	io_uring_queue_exit(&ring);
	remove_dir();
}

/*
 * IORING_FEAT_CUR_PERSONALITY: a request without a personality that goes to
 * a worker runs with the submitting thread's credentials, not the worker's.
 */
TEST(cur_personality)
{
	struct io_uring_params p = { 0 };
	struct io_uring ring;
	char path[128];

	REQUIRE_EQ(io_uring_queue_init_params(8, &ring, &p), 0);
	REQUIRE_TRUE(p.features & IORING_FEAT_CUR_PERSONALITY);
	require_root();
	make_dir_with_secret(path, sizeof(path));
	/* the workers exist already, with root's credentials */
	CHECK_TRUE(openat_result(&ring, path, 0, IOSQE_ASYNC) >= 0);
	become_nobody();
	CHECK_EQ(openat_result(&ring, path, 0, IOSQE_ASYNC), -EACCES);
	snprintf(path, sizeof(path), "%s/d", dir);
	CHECK_EQ(mkdirat_result(&ring, path, 0, IOSQE_ASYNC), 0);
	become_root();
	check_owned_by_nobody(path);
	/* and root's again once the thread is root */
	snprintf(path, sizeof(path), "%s/secret", dir);
	CHECK_TRUE(openat_result(&ring, path, 0, IOSQE_ASYNC) >= 0);
	io_uring_queue_exit(&ring);
	remove_dir();
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(register_ids_and_errors),
		TEST_ENTRY(sqe_personality),
		TEST_ENTRY(runs_with_registered_creds),
		TEST_ENTRY(runs_as_unprivileged),
		TEST_ENTRY(cur_personality),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
