/* SPDX-License-Identifier: MIT */
/*
 * The memory-ordering helpers of the ring protocol, as C11 atomics.
 *
 * The rings are plain memory shared with another executor (the kernel, or the
 * user engine's threads), so every access to a head, tail or flags word that
 * the other side also touches goes through one of these.  The pairs are:
 *
 *   producer: write the entries, then io_uring_smp_store_release(tail)
 *   consumer: io_uring_smp_load_acquire(tail), then read the entries
 *
 * and the same for heads, so that a slot is never reused before its reader is
 * done with it.  The casts to _Atomic are what liburing does too; they let
 * ThreadSanitizer see the protocol.
 */
#ifndef RINGER_BARRIER_H
#define RINGER_BARRIER_H

#ifdef __cplusplus
#include <atomic>
#define io_uring_smp_store_release(p, v)                                              \
	std::atomic_store_explicit(reinterpret_cast<std::atomic<__typeof__(*(p))> *>(p), \
				   (v), std::memory_order_release)
#define io_uring_smp_load_acquire(p)                                                 \
	std::atomic_load_explicit(reinterpret_cast<const std::atomic<__typeof__(*(p))> *>(p), \
				  std::memory_order_acquire)
#define IO_URING_WRITE_ONCE(var, val)                                                  \
	std::atomic_store_explicit(reinterpret_cast<std::atomic<__typeof__(var)> *>(&(var)), \
				   (val), std::memory_order_relaxed)
#define IO_URING_READ_ONCE(var)                                                        \
	std::atomic_load_explicit(reinterpret_cast<const std::atomic<__typeof__(var)> *>(&(var)), \
				  std::memory_order_relaxed)
#define io_uring_smp_mb() std::atomic_thread_fence(std::memory_order_seq_cst)
#else
#include <stdatomic.h>

#define IO_URING_WRITE_ONCE(var, val) \
	atomic_store_explicit((_Atomic __typeof__(var) *)&(var), (val), memory_order_relaxed)
#define IO_URING_READ_ONCE(var) \
	atomic_load_explicit((_Atomic __typeof__(var) *)&(var), memory_order_relaxed)
#define io_uring_smp_store_release(p, v) \
	atomic_store_explicit((_Atomic __typeof__(*(p)) *)(p), (v), memory_order_release)
#define io_uring_smp_load_acquire(p) \
	atomic_load_explicit((_Atomic __typeof__(*(p)) *)(p), memory_order_acquire)
#define io_uring_smp_mb() atomic_thread_fence(memory_order_seq_cst)
#endif

#endif /* RINGER_BARRIER_H */
