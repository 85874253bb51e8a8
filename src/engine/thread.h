/* SPDX-License-Identifier: MIT */
/*
 * Starting the engine's own threads (workers, reactor, SQ poller, AIO reaper).
 */
#ifndef RINGER_ENGINE_THREAD_H
#define RINGER_ENGINE_THREAD_H

#include <pthread.h>

/*
 * pthread_create() for an engine thread; the pthread_create() result (0 or
 * a positive errno).  The thread starts with every asynchronous signal
 * blocked, so application handlers never run on it.  Synchronous ones (a
 * fault in that very thread, a seccomp trap) stay deliverable: blocked, they
 * would not be deferred, the kernel would reset the handler and kill the
 * process.
 */
int engine_thread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *),
			 void *arg);

#endif /* RINGER_ENGINE_THREAD_H */
