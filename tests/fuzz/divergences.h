/* SPDX-License-Identifier: MIT */
/*
 * The known differences between the user engine and Linux 6.18 that the
 * differential fuzzer (tests/fuzz/fuzz.c) meets: the one list, referenced
 * from docs/API.md ("Known divergences") and printed by `fuzz --list`.
 *
 * DIVERGENCE(id, status, action, reason)
 *   status: "design"             the engine differs on purpose (documented)
 *           "not implemented"    a missing opcode, flag or feature
 *           "bug, being fixed"   a known bug, to be fixed
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
DIVERGENCE(accept_nonsocket_wait, "design", AVOID,
	   "not a difference, a wait: ACCEPT with POLL_FIRST or MULTISHOT on "
	   "a file that is no socket waits for POLLIN on both sides (forever "
	   "on a pipe's write end; tests/test-net-conn.c), so it is not "
	   "generated")
DIVERGENCE(poll32_high_bits, "design", EXCUSE,
	   "EPOLLEXCLUSIVE in poll32_events is ignored by the engine: a wake-up "
	   "completes every exclusive poll on the file, the kernel's only one")
DIVERGENCE(nowait_in_iowq, "design", EXCUSE,
	   "RWF_NOWAIT on a read or write that one side issues from its "
	   "workers (io-wq), where the flag is dropped (an ext4 buffered write "
	   "is done), and the other inline (-EAGAIN): one submitted after an "
	   "IO_DRAIN, or linked in a chain (the kernel issues a linked request "
	   "inline or from io-wq depending on how its predecessor completed, "
	   "and punts every ext4 buffered write to io-wq; seen both ways on "
	   "the kernel in replays of one batch)")
DIVERGENCE(link_after_known, "consequence", EXCUSE,
	   "a request linked after one whose result is a known divergence runs, "
	   "or is cancelled, differently")
DIVERGENCE(timeout_count_early, "kernel race", EXCUSE,
	   "a TIMEOUT with a completion count may end with 0 on the kernel "
	   "before its count is reached: a CQ sequence flush between another "
	   "timeout's expiry and its CQE (a skipped success, an empty commit) "
	   "sees the sequence one behind its last flush, and the unsigned "
	   "difference wraps; timing-dependent (a replay of the batch does not "
	   "show it); the engine waits for the count")
DIVERGENCE(kbuf_linked_iowq, "kernel race", EXCUSE,
	   "a read or receive from a buffer ring, linked after another "
	   "request, that fails: the kernel issues it from io-wq (which "
	   "commits the buffer at selection: the CQE names it) or inline "
	   "(the buffer goes back, the CQE names none) depending on how the "
	   "request before it completed; both seen on the kernel in replays of "
	   "one batch (seed 7, batch 109, --self); the engine gives it back")
DIVERGENCE(bundle_no_group, "kernel race", EXCUSE,
	   "a bundle receive from a group that does not exist (or was never "
	   "provided): -ENOENT or -ENOBUFS on the kernel, both seen in runs of "
	   "one batch (seed 7, batch 17, --self): -ENOBUFS where io-wq issues "
	   "it (one buffer, io_buffer_select()), -ENOENT inline (the peek); "
	   "the engine answers by where it issues it")
DIVERGENCE(recv_mshot_nonsocket, "kernel race", EXCUSE,
	   "a multishot RECV on a file that is no socket and has no poll "
	   "method, issued inline: -ENOTSOCK on the kernel (tests/"
	   "test-net-nonsocket.c), but -EBADFD in one batch with "
	   "CQE_SKIP_SUCCESS (seed 23, batch 193: io-wq's answer)")
DIVERGENCE(bundle_after_drain, "kernel race", EXCUSE,
	   "a bundle RECV made while a drain is active goes to io-wq, as with "
	   "IOSQE_ASYNC (one buffer per receive, then once more into the next "
	   "while the socket holds more), else it is issued inline (the "
	   "buffers its length covers whole, one receive); a drain stays "
	   "active until a plain request finds nothing deferred, so whether a "
	   "later one is made during it depends on when the requests before "
	   "the drain completed: 128 or 64 bytes of a length of 90 in two "
	   "64-byte buffers, both seen on the kernel in --self replays of seed "
	   "23 batch 321, and by one program (an IOSQE_ASYNC 1 MiB write, a "
	   "drained NOP, a NOP, the RECV, submitted one by one: 128 when the "
	   "NOP comes before the write ends, 64 after); the engine follows "
	   "the rule (tests/test-bundle-waitall.c) with its own timing")
DIVERGENCE(bundle_recv_linked, "kernel race", EXCUSE,
	   "a bundle RECV linked after another request: the kernel issues it "
	   "from io-wq (one buffer per receive) or from task work (several) "
	   "depending on how its predecessor completed, both seen in --self "
	   "replays of seed 24 batch 161 (9 bytes or 25); the engine from its "
	   "worker or inline by its own predecessor's path")
DIVERGENCE(cqe32_stale_big, "kernel quirk", EXCUSE,
	   "on a CQE32 ring the kernel clears a request's big_cqe words when "
	   "it posts the CQE: a NOP with IORING_NOP_CQE32 whose CQE is skipped "
	   "(IOSQE_CQE_SKIP_SUCCESS) leaves its off and addr there, and the "
	   "request cache hands them to a later request of the batch, whose "
	   "CQE shows them (seed 3 batch 10, --config cqe32: a READ, a "
	   "POLL_REMOVE, an unknown opcode); the engine's are zeros")
DIVERGENCE(mixed_big_overflow, "kernel bug", AVOID,
	   "on a CQE_MIXED ring a 32-byte CQE that meets the ring's last slot "
	   "with the CQ full: Linux 6.18 counts a filler it does not keep, "
	   "puts the next 16-byte CQE in the last slot and moves the tail one "
	   "past head + entries, so the program reads a stale slot as a CQE "
	   "(a CQE twice: seed 3 batch 17, --config mixed; probed with 15 "
	   "NOPs, a NOP_CQE32 and a NOP on a 16-entry CQ); the engine keeps "
	   "the count (and the order: docs/API.md). A CQE_MIXED batch gets "
	   "NOP_CQE32 NOPs only where its CQ cannot fill")
DIVERGENCE(tx_timestamp_big_cqe, "not implemented", AVOID,
	   "URING_CMD's SOCKET_URING_OP_TX_TIMESTAMP on a CQE32 or CQE_MIXED "
	   "ring: the kernel waits for timestamps (a multishot command that "
	   "never ends here), the engine has no such command (-EINVAL, "
	   "docs/API.md); seed 101 batches 238 and 270, --config cqe32")
DIVERGENCE(defer_link_issue, "not implemented", EXCUSE,
	   "on a DEFER_TASKRUN ring Linux 6.18 issues the request linked after "
	   "one that completed inline from the submitter's local task work, at "
	   "its next enter with GETEVENTS (one link a run: NOP -> NOP -> NOP "
	   "shows 1, 2, 3 CQEs after submit and two get_events), the engine at "
	   "once; seen as order: a MSG_RING to its own ring, linked, posts its "
	   "message from task work, before the next request's CQE on the "
	   "kernel, after it on the engine (seed 101 batch 276, --config "
	   "defer); and a linked MSG_RING to its own ring issued after a "
	   "worker's request: its CQE before its message on the kernel, after "
	   "it on the engine (seed 401 batch 286)")
DIVERGENCE(kbuf_after_drain, "kernel race", EXCUSE,
	   "a read or receive from a buffer ring that fails, made after an "
	   "IO_DRAIN request of the batch: issued from io-wq while the drain "
	   "is active (the buffer is committed at selection: the CQE names "
	   "it) or inline once it ended (the buffer goes back), by when the "
	   "requests before the drain completed; both seen on the kernel in "
	   "--self replays of seed 201 batch 400 (a READ of a pipe's write "
	   "end, -EBADF)")
DIVERGENCE(recv_poll_first_linked, "kernel race", EXCUSE,
	   "a RECV with IORING_RECVSEND_POLL_FIRST from a buffer ring, linked "
	   "after a request io-wq ran: -EAGAIN on the kernel or one receive, "
	   "by the path its predecessor's completion took (io-wq or task "
	   "work), both seen in --self replays of seed 202 batch 121; the "
	   "engine answers by its own predecessor's path")
DIVERGENCE(defer_drain_count, "bug, being fixed", EXCUSE,
	   "on a DEFER_TASKRUN ring the engine counts a request done for "
	   "IO_DRAIN when its CQE is queued for the submitter, Linux 6.18 when "
	   "the CQE is posted (its CQ tail): the drained request may be issued "
	   "and complete in the submitter before the CQEs of those before it "
	   "are posted; seen as drain order (seed 301 batches 216 and 450, "
	   "--config defer, one replay in three)")
