/* SPDX-License-Identifier: MIT */
/*
 * The known differences between the user engine and Linux 6.18 that the
 * differential fuzzer (tests/fuzz/fuzz.c) meets: the one list, referenced
 * from docs/API.md ("Known divergences") and printed by `fuzz --list`.
 *
 * DIVERGENCE(id, status, action, reason)
 *   status: "design"             the engine differs on purpose (documented)
 *           "not implemented"    a missing opcode, flag or feature
 *           "bug, being fixed"   a bug another change is fixing (issue 10)
 *   action: EXCUSE    the SQE is generated; a difference in its CQEs that
 *                     this entry matches is counted, not reported
 *           AVOID     the SQE is not generated (hangs or poisons the rest of
 *                     the batch); `--all` generates it anyway
 * Each id has a predicate match_<id>() in fuzz.c saying which SQEs (and, for
 * EXCUSE, which pair of CQE lists) it covers.  When a bug is fixed, delete
 * its line: the fuzzer then checks that behaviour again.
 */
DIVERGENCE(unimplemented_opcode, "not implemented", EXCUSE,
	   "opcodes the engine does not implement (not in its probe) fail with "
	   "-EOPNOTSUPP at prep; the kernel runs them")
DIVERGENCE(nop_test_flags, "not implemented", EXCUSE,
	   "NOP test flags other than INJECT_RESULT (FILE, FIXED_FILE, "
	   "FIXED_BUFFER, TW, CQE32) give -EINVAL on the engine")
DIVERGENCE(poll32_high_bits, "design", EXCUSE,
	   "poll32_events bits above 15 (EPOLLEXCLUSIVE, EPOLLONESHOT, "
	   "EPOLLET) are ignored by the engine")
DIVERGENCE(poll_never_reported_events, "bug, being fixed", AVOID,
	   "POLL_ADD on a file without a poll method (regular file, directory, "
	   "/dev/null) for events it never reports stays armed on the engine; "
	   "the kernel fails it at once with -EINVAL (issue 10, poll)")
DIVERGENCE(errno_check_order, "bug, being fixed", EXCUSE,
	   "a read/write (or sync) with two faults reports another one first; "
	   "seen: READ/READV/READ_FIXED on a directory with RWF_DSYNC or "
	   "RWF_SYNC (kernel -EISDIR, engine -EOPNOTSUPP), READV on a write-only "
	   "fd with an unknown RWF bit (kernel -EBADF, engine -EOPNOTSUPP) "
	   "(issue 10, errno fidelity)")
DIVERGENCE(errno_rwf_flags, "bug, being fixed", EXCUSE,
	   "RWF_NOWAIT on a buffered write to a file system that takes it (ext4): "
	   "the kernel writes, the engine says -EAGAIN; an unknown RWF bit on "
	   "READV/WRITEV with no iovec: kernel -EOPNOTSUPP, engine 0 (issue 10, "
	   "errno fidelity)")
DIVERGENCE(link_after_known, "consequence", EXCUSE,
	   "a request linked after one whose result is a known divergence runs, "
	   "or is cancelled, differently")
DIVERGENCE(drain_order, "bug, being fixed", EXCUSE,
	   "a drained request completes before an earlier request's CQE "
	   "(one that failed at submission) (issue 10, IO_DRAIN ordering)")
DIVERGENCE(errno_rwf_empty_iovec, "bug, reported", EXCUSE,
	   "READV/WRITEV with no iovec (len 0), an iovec pointer outside the user "
	   "range and RWF_NOWAIT: 0 on the kernel, -EFAULT on the engine (the "
	   "zero-length RWF probe in ops/rw.c passes the array's address as a "
	   "buffer)")
