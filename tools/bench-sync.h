/* SPDX-License-Identifier: MIT */
#ifndef RINGER_BENCH_SYNC_H
#define RINGER_BENCH_SYNC_H

struct worker;

void psync_worker(struct worker *w);
void posixaio_worker(struct worker *w);
#ifdef HAVE_LIBAIO
void libaio_worker(struct worker *w);
#endif

#endif
