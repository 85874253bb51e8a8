/* SPDX-License-Identifier: MIT */
#include <signal.h>

#include "engine/thread.h"

int engine_thread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *),
			 void *arg)
{
	sigset_t mask, old;
	int ret;

	sigfillset(&mask);
	sigdelset(&mask, SIGSEGV);
	sigdelset(&mask, SIGBUS);
	sigdelset(&mask, SIGFPE);
	sigdelset(&mask, SIGILL);
	sigdelset(&mask, SIGTRAP);
	sigdelset(&mask, SIGSYS);
	/* the new thread inherits the mask in force when it is created */
	pthread_sigmask(SIG_SETMASK, &mask, &old);
	ret = pthread_create(thread, attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}
