// SPDX-License-Identifier: MIT
/*
 * Personalities (the kernel's io_register_personality() and REQ_F_CREDS):
 * IORING_REGISTER_PERSONALITY records the calling thread's credentials (its
 * real/effective/saved uids and gids and its supplementary groups) under an
 * id, and a request whose sqe->personality names that id is issued with
 * them.
 *
 * The kernel overrides a task's credentials for the request; user space can
 * change only its own thread's, and only as far as it is allowed to: the
 * thread that issues the request switches with the raw setresuid/setresgid/
 * setgroups syscalls (they change the calling thread alone, unlike glibc's
 * wrappers, which change every thread of the process) and switches back
 * afterwards.  To be able to switch back the thread must hold uid 0 among
 * its real/effective/saved uids (which gives back CAP_SETUID and
 * CAP_SETGID), and it keeps a saved uid of 0 while it runs the request with
 * credentials that have none.  A thread without uid 0 runs a request whose
 * credentials differ from its own with -EPERM (the kernel runs it).
 * Capabilities follow the effective uid as setresuid() makes them (0: the
 * permitted set, else none), not the registering thread's sets.
 *
 * The ids are the kernel's: from 1 up to 65535, allocated cyclically (a freed
 * id is given again only after the counter wraps).  The table is read and
 * written under submit_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/engine.h"

#define PERSONALITY_MAX 0xffffU /* USHRT_MAX: sqe->personality is 16 bits */

struct creds {
	atomic_int refs;
	uid_t uid[3]; /* real, effective, saved */
	gid_t gid[3];
	int ngroups;
	gid_t groups[];
};

/* groups read without an allocation first (the common case has few) */
#define STACK_GROUPS 32

union creds_stack {
	struct creds c;
	char space[sizeof(struct creds) + STACK_GROUPS * sizeof(gid_t)];
};

/* The calling thread's credentials into c, room for max groups: 0, -EINVAL for more. */
static int creds_read(struct creds *c, int max)
{
	if (syscall(SYS_getresuid, &c->uid[0], &c->uid[1], &c->uid[2]) ||
	    syscall(SYS_getresgid, &c->gid[0], &c->gid[1], &c->gid[2]))
		return -errno;
	c->ngroups = (int)syscall(SYS_getgroups, max, c->groups);
	return c->ngroups < 0 ? -errno : 0;
}

static struct creds *creds_copy(const struct creds *c)
{
	struct creds *n = malloc(sizeof(*n) + (size_t)c->ngroups * sizeof(gid_t));

	if (n) {
		memcpy(n, c, sizeof(*n) + (size_t)c->ngroups * sizeof(gid_t));
		atomic_init(&n->refs, 1);
	}
	return n;
}

/* The calling thread's credentials (raw syscalls: the thread's own). */
struct creds *creds_current(void)
{
	union creds_stack st;
	struct creds *c;
	int n;

	if (!creds_read(&st.c, STACK_GROUPS))
		return creds_copy(&st.c);
	n = (int)syscall(SYS_getgroups, 0, NULL);
	if (n < 0)
		return NULL;
	c = malloc(sizeof(*c) + (size_t)n * sizeof(gid_t));
	if (!c)
		return NULL;
	atomic_init(&c->refs, 1);
	if (creds_read(c, n)) {
		free(c); /* the groups changed meanwhile */
		return NULL;
	}
	return c;
}

void creds_put(struct creds *c)
{
	/* acq_rel: every use of c happens before the last put frees it */
	if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1)
		free(c);
}

static bool creds_equal(const struct creds *a, const struct creds *b)
{
	return !memcmp(a->uid, b->uid, sizeof(a->uid)) && !memcmp(a->gid, b->gid, sizeof(a->gid)) &&
	       a->ngroups == b->ngroups &&
	       !memcmp(a->groups, b->groups, (size_t)a->ngroups * sizeof(gid_t));
}

bool creds_same(const struct creds *a, const struct creds *b)
{
	return a == b || (a && b && creds_equal(a, b));
}

struct creds *creds_get(struct creds *c)
{
	atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	return c;
}

/* the thread's own credentials during a worker's batch (creds_batch_begin()) */
static _Thread_local struct creds *batch_own;
/* creds_override() switches in force on this thread */
static _Thread_local unsigned overridden;

bool creds_overridden(void)
{
	return overridden != 0;
}

void creds_batch_begin(void)
{
	batch_own = creds_current(); /* NULL: each request reads them, as without */
}

void creds_batch_end(void)
{
	if (batch_own)
		creds_put(batch_own);
	batch_own = NULL;
}

static bool has_root(const struct creds *c)
{
	return !c->uid[0] || !c->uid[1] || !c->uid[2];
}

/*
 * Make the calling thread's credentials c, from a state with uid 0 among its
 * ids.  When c has no uid 0 the saved uid stays 0, so the thread can switch
 * back.
 */
static int creds_switch(const struct creds *c, uid_t cur_euid)
{
	uid_t suid = has_root(c) ? c->uid[2] : 0;

	/* effective uid 0 first: the permitted capabilities become effective */
	if (cur_euid && syscall(SYS_setresuid, -1, 0, -1))
		return -errno;
	if (syscall(SYS_setgroups, c->ngroups, c->groups) ||
	    syscall(SYS_setresgid, c->gid[0], c->gid[1], c->gid[2]) ||
	    syscall(SYS_setresuid, c->uid[0], c->uid[1], suid))
		return -errno;
	return 0;
}

int creds_override(const struct creds *c, struct creds **saved)
{
	union creds_stack st;
	struct creds *cur;
	int ret;

	*saved = NULL;
	/* in a worker's batch, whose own credentials are known */
	if (batch_own && creds_equal(batch_own, c))
		return 0;
	/* the usual case: the thread has them already, nothing allocated */
	if (!creds_read(&st.c, STACK_GROUPS)) {
		if (creds_equal(&st.c, c))
			return 0;
		cur = creds_copy(&st.c);
	} else {
		cur = creds_current();
	}
	if (!cur)
		return -ENOMEM;
	if (creds_equal(cur, c)) {
		creds_put(cur);
		return 0;
	}
	if (!has_root(cur)) {
		creds_put(cur); /* could not switch back: refused, documented */
		return -EPERM;
	}
	overridden++; /* (creds_revert() counts it down, on failure too) */
	ret = creds_switch(c, cur->uid[1]);
	if (ret) {
		creds_revert(cur);
		return -EPERM;
	}
	*saved = cur;
	return 0;
}

void creds_revert(struct creds *saved)
{
	uid_t euid, ruid, suid;

	if (!saved)
		return;
	overridden--;
	syscall(SYS_getresuid, &ruid, &euid, &suid);
	/* the thread keeps uid 0 among its ids while it runs a request: this cannot fail */
	if (creds_switch(saved, euid))
		abort();
	creds_put(saved);
}

int personality_register(struct ring *r)
{
	struct creds *c = creds_current();
	unsigned id;

	if (!c)
		return -ENOMEM;
	/* the kernel's xa_alloc_cyclic() over [1, USHRT_MAX] */
	for (unsigned i = 0; i < PERSONALITY_MAX; i++) {
		id = r->pers_next + i;
		if (id > PERSONALITY_MAX)
			id -= PERSONALITY_MAX;
		if (!id)
			id = 1;
		if (id >= r->nr_pers || !r->pers[id])
			goto found;
	}
	creds_put(c);
	return -EBUSY;
found:
	if (id >= r->nr_pers) {
		unsigned nr = r->nr_pers ? r->nr_pers : 8;
		struct creds **p;

		while (nr <= id)
			nr *= 2;
		p = realloc(r->pers, nr * sizeof(*p));
		if (!p) {
			creds_put(c);
			return -ENOMEM;
		}
		memset(p + r->nr_pers, 0, (nr - r->nr_pers) * sizeof(*p));
		r->pers = p;
		r->nr_pers = nr;
	}
	r->pers[id] = c;
	r->pers_next = id + 1;
	return (int)id;
}

int personality_unregister(struct ring *r, unsigned id)
{
	if (id >= r->nr_pers || !r->pers[id])
		return -EINVAL;
	creds_put(r->pers[id]);
	r->pers[id] = NULL;
	return 0;
}

struct creds *personality_get(struct ring *r, unsigned id)
{
	struct creds *c = id < r->nr_pers ? r->pers[id] : NULL;

	if (c)
		atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	return c;
}

void personality_free_all(struct ring *r)
{
	for (unsigned i = 0; i < r->nr_pers; i++)
		if (r->pers[i])
			creds_put(r->pers[i]);
	free(r->pers);
	r->pers = NULL;
	r->nr_pers = 0;
	r->pers_next = 0;
}
