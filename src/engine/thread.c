/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "engine/api.h"
#include "engine/thread.h"

/* initial-exec: the shim asks from its SIGSYS handler (no allocation there) */
static _Thread_local bool own_thread __attribute__((tls_model("initial-exec")));

bool engine_own_thread(void)
{
	return own_thread;
}

struct start {
	void *(*fn)(void *);
	void *arg;
};

static void *thread_start(void *p)
{
	struct start s = *(struct start *)p;

	free(p);
	own_thread = true;
	return s.fn(s.arg);
}

int engine_thread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *),
			 void *arg)
{
	struct start *s = malloc(sizeof(*s));
	sigset_t mask, old;
	int ret;

	if (!s)
		return ENOMEM;
	s->fn = fn;
	s->arg = arg;
	sigfillset(&mask);
	sigdelset(&mask, SIGSEGV);
	sigdelset(&mask, SIGBUS);
	sigdelset(&mask, SIGFPE);
	sigdelset(&mask, SIGILL);
	sigdelset(&mask, SIGTRAP);
	sigdelset(&mask, SIGSYS);
	/* the new thread inherits the mask in force when it is created */
	pthread_sigmask(SIG_SETMASK, &mask, &old);
	ret = pthread_create(thread, attr, thread_start, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		free(s);
	return ret;
}
