/* SPDX-License-Identifier: MIT */
/* State shared by the shim's files (all hidden: nothing here is exported). */
#ifndef RINGER_PRELOAD_H
#define RINGER_PRELOAD_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

/* The SIGSYS handler and the filter are in place. */
extern bool ringer_preload_active;
/* The program's own SIGSYS disposition, under ringer_preload_app_lock. */
extern pthread_mutex_t ringer_preload_app_lock;
extern struct sigaction ringer_preload_app_sigsys;

/* The program changed its SIGSYS action (called with ringer_preload_app_lock held). */
void ringer_preload_app_sigsys_changed(void);

/* rt_sigprocmask through the shim's own call site, SIGSYS taken out of set:
 * 0 or -errno; -ENOSYS before the shim is set up. */
int ringer_preload_sigmask(int how, const sigset_t *set, sigset_t *old);

/* rt_sigprocmask(SIG_SETMASK) of the whole set, SIGSYS included, through the
 * shim's own call site (the shim is active). */
void ringer_preload_setmask_all(const sigset_t *set, sigset_t *old);

/* Look up the signal calls the shim wraps (at load). */
void ringer_preload_signals_init(void);

#endif
