/* SPDX-License-Identifier: MIT */
/*
 * The user engine's internals: the kernel side of io_uring in user space,
 * modelled on the kernel's io_uring/ (ring context, requests, opdef table,
 * submission, completion, registered resources).
 *
 * Where the engine does not reproduce Linux 6.18:
 *  - mmap of the ring fd: it is a sealed sparse memfd with the SQ and CQ
 *    rings in one region (FEAT_SINGLE_MMAP); a DEFER_TASKRUN ring's may
 *    grow (RESIZE_RINGS, below).  The kernel's reading of the
 *    offset (IORING_OFF_CQ_RING is that region, low bits ignored, an unknown
 *    region ENOMEM) holds only through the mmap wrappers (lib/mmapwrap.c) and,
 *    under the shim, raw mmap calls on its ring numbers below 128; a raw mmap
 *    elsewhere maps the memfd as it is (zeros at IORING_OFF_CQ_RING).  A
 *    too-long mapping does not SIGBUS past the region, a short SQE mapping is
 *    not EFAULT, address hints are honoured.  Under an RLIMIT_FSIZE below
 *    256 MiB the SQEs follow the rings (api.h): only engine_map_offset()
 *    users can map them.
 *  - teardown: ringer_close() cancels in-flight work at once (the kernel
 *    keeps a ring alive while it is mapped); close(2) through libc is
 *    ringer_close() in libringer (lib/pollwrap.c; a dup() keeps no ring
 *    alive); a raw close system call leaves the fd table entry behind:
 *    register calls, file registrations and
 *    requests naming the number check the ring file's identity (the number
 *    reused by another file drops the stale ring), enter does not (an fstat
 *    per enter costs more than a NOP).  Running worker items are waited for.
 *  - I/O on a ring's own fd: WRITE*, FSYNC -EINVAL, SYNC_FILE_RANGE -ESPIPE
 *    as the kernel's; READ* fails -EINVAL at once (the kernel first waits
 *    for the ring to be readable); POLL_ADD reaches the ring file (a memfd:
 *    always ready).  The program's read(2)/write(2) and their vector and
 *    positional forms on the ring fd reach the memfd's bytes in library mode
 *    (a library cannot trap the program's own system calls; the kernel says
 *    -EINVAL, -ESPIPE for the positional ones); the preload shim refuses
 *    them as the kernel does, on the number it handed out (not on a dup()
 *    of it, nor above fd 127).
 *  - poll/epoll/select on the ring fd go through libc wrappers (pollfd.c,
 *    lib/pollwrap.c): raw poll system calls and dup()s of the ring fd see
 *    the memfd (always ready); POLLOUT stays set when the SQ ring is full.
 *  - a plain fd is resolved by number when the request is issued, and held
 *    (a duplicate, req_hold_file()) once the request waits in a worker or the
 *    reactor.  It stays a number where the engine can get no duplicate
 *    (RLIMIT_NOFILE), for an O_DIRECT read or write that native AIO hands
 *    back short or with -EAGAIN (the rest continues by number), and on IOPOLL
 *    rings until a polling pass issues the parked request.
 *  - CQE_MIXED (cq.c): a 16-byte CQE never passes a 32-byte one that waits
 *    in the overflow backlog (the CQ keeps the order); Linux 6.18 (probed)
 *    posts it into a free slot meanwhile, and with the filler CQE at the
 *    ring's end taken, even over that filler.
 *  - COOP_TASKRUN/TASKRUN_FLAG accepted (without DEFER_TASKRUN completions
 *    are never deferred).  HYBRID_IOPOLL is IOPOLL (the engine's polling
 *    does not sleep first).
 *  - NO_MMAP: the program's ring and SQE memory is checked readable and
 *    writable at setup but not pinned: unmapped while the ring lives, the
 *    engine faults on it (SIGSEGV) where the kernel keeps the pages.
 *    A REGISTERED_FD_ONLY ring has an fd all the same, the engine's, moved
 *    above the program's numbers (sys_fd_move_high()); it goes when the
 *    ring's entry in the thread's table does.
 *  - DEFER_TASKRUN (cq.c): a CQE posted by another thread than the
 *    submitter (a worker, the reactor or AIO thread) waits on the ring's
 *    local list until the submitter enters with GETEVENTS, as the kernel's
 *    local task work; but the work before it (the read or receive once its
 *    file is ready) runs in that thread when the file becomes ready, not in
 *    the submitter's enter: a socket's data is taken before the program
 *    enters.  With TASKRUN_FLAG, IORING_SQ_TASKRUN is set also while
 *    requests that complete in another thread are in flight (the kernel's
 *    only once task work is queued), so a peek may enter once for nothing.
 *  - IORING_SQ_TASKRUN is set on every ring but SQPOLL ones, with or
 *    without IORING_SETUP_TASKRUN_FLAG, while the ring's reactor has fd work
 *    armed (a receive, accept, poll... waiting for readiness), and cleared by
 *    an enter with GETEVENTS that leaves none; the kernel sets it only under
 *    TASKRUN_FLAG, when task work is pending.  liburing's peek (and a wait
 *    or submit with nothing to wait for) enters only when it sees that flag
 *    or CQ_OVERFLOW, and an enter with GETEVENTS runs the reactor's ready
 *    work in the entering thread (ring_run_reactor()), as the kernel runs
 *    task work: so a peek finds what became ready before it, as on the
 *    kernel.  The cost: while such work is armed, a peek on an empty CQ
 *    enters (an epoll_wait system call; a trap under the shim), where the
 *    kernel's stays in user space.
 *  - a wait that sleeps while such work is armed sleeps in the reactor's
 *    epoll set and runs the ready work itself (reactor_waiter_claim(), one
 *    thread per ring at a time); the reactor thread then looks every
 *    millisecond whether the program is gone (and sleeps until the
 *    waiter's release wakes it when the same wait lasts from one look to
 *    the next, nothing else between).  It also leaves the set's events
 *    to an enter with GETEVENTS while that submits (the enter takes them
 *    after its submission), and to a program that entered since its last
 *    look.  So readiness that comes right after a program's last enter,
 *    when it stops entering, completes up to two milliseconds later than
 *    the kernel's task work would.
 *  - IOPOLL: an O_DIRECT read or write of a file whose device the
 *    kernel cannot poll (no poll queues: virtio-blk on the test machine,
 *    where reads are refused) completes with -EOPNOTSUPP on the kernel; the
 *    engine polls it all the same (AIO).  tests/test-iopoll.c skips its
 *    polled-I/O cases on such a kernel and runs them on the engine.  Not
 *    matched on purpose: the kernel's answer depends on what user space
 *    cannot see (whether the file system has ->iopoll: tmpfs O_DIRECT is
 *    refused; whether the device's queue polls; whether iomap sends a write
 *    as one polled bio: ext4 writes complete where reads are refused, and
 *    RWF_NOWAIT reads get -EAGAIN), and refusing every O_DIRECT file would
 *    leave IOPOLL unusable on the engine, whose polling needs no device.
 *  - MEM_REGION of the program's memory (TYPE_USER) is checked but not
 *    pinned, as NO_MMAP's rings (above); the wait arguments are read with
 *    a fault-safe copy, so a region unmapped meanwhile is -EFAULT.  A
 *    wait on the BOOTTIME clock (REGISTER_CLOCK) sleeps in slices of at
 *    most a second, so after a suspend it ends up to a second late.
 *  - register opcodes other than (UN)REGISTER_BUFFERS/FILES/EVENTFD/RING_FDS,
 *    EVENTFD_ASYNC, FILES_UPDATE(2), FILES2, BUFFERS2, BUFFERS_UPDATE,
 *    CLONE_BUFFERS (from an engine ring: a kernel ring is -EOPNOTSUPP),
 *    PROBE, RESTRICTIONS, ENABLE_RINGS, (UN)REGISTER_IOWQ_AFF, MEM_REGION,
 *    RESIZE_RINGS,
 *    IOWQ_MAX_WORKERS, SYNC_CANCEL, QUERY, CLOCK, FILE_ALLOC_RANGE,
 *    (UN)REGISTER_PBUF_RING, PBUF_STATUS,
 *    (UN)REGISTER_PERSONALITY (and, with fd -1, SEND_MSG_RING): -EINVAL;
 *    but (UN)REGISTER_NAPI and ZCRX_IFQ: -EOPNOTSUPP after the argument
 *    checks, as a kernel built without busy polling or zero-copy receive
 *    (Linux 6.18 here has both: NAPI registers).
 *  - RESIZE_RINGS (resize.c): the new rings of an mmap'ed ring take the old
 *    ones' place in the ring file, so a mapping the program made before
 *    the resize shows the new rings (zeros where the old ones were
 *    bigger), where the kernel's keeps showing the old rings until it is
 *    unmapped; and another thread of the program reading the CQ through it
 *    during the resize may see it half rewritten.  A ring reached by its
 *    registered index after its fd was closed has no file to put new rings
 *    in: -EBADF (the kernel resizes it).  A compact ring file (RLIMIT_FSIZE,
 *    above) that cannot grow to the new size: -ENOMEM.  A NO_MMAP ring's
 *    new memory is checked, not pinned, as at setup.
 *  - the worker pool is the ring's; the kernel's io-wq is the task's, shared
 *    by its rings (IOWQ_MAX_WORKERS and IOWQ_AFF through one ring hold for
 *    the task's others there).  IOWQ_MAX_WORKERS reports an unbounded cap
 *    of 4 x CPUs by default (the kernel's: RLIMIT_NPROC).  IOWQ_AFF takes a
 *    mask naming only CPUs outside the process's cpuset (the kernel:
 *    -EINVAL); workers started then stay where they are.
 *  - sqe->personality (creds.c): the thread that issues the request takes
 *    the registered uids, gids and groups with raw setresuid/setresgid/
 *    setgroups and gives them back after; it needs uid 0 among its own ids
 *    for that, else a request whose credentials differ from the thread's
 *    completes with -EPERM (the kernel runs it).  Capabilities follow the
 *    effective uid (setresuid's rules), not the registering thread's sets;
 *    the fsuid is the effective uid; no LSM labels.  Only the issue runs with
 *    them: what an op does afterwards from the reactor or AIO (a read of a
 *    pipe that became readable) runs with the engine's thread's.
 *    CUR_PERSONALITY likewise: the submitter's credentials are taken when
 *    the submitting thread hands a request to a worker; a request a worker
 *    or the reactor hands on (a link started by a completion, a drained
 *    request, SQPOLL's) runs with the worker's (the process's); a worker
 *    without uid 0 among its ids runs one whose submitter had other ids
 *    with -EPERM.  A glibc set*id() call (which changes every thread) while
 *    a thread runs a request with other credentials is not carried past
 *    the request: the thread goes back to what it had before; and if that
 *    thread cannot make the change glibc asks of it, glibc aborts.
 *  - opcodes beyond NOP, READV, WRITEV, FSYNC, READ/WRITE(_FIXED),
 *    READV/WRITEV_FIXED, READ, WRITE, POLL_ADD, POLL_REMOVE,
 *    SYNC_FILE_RANGE, TIMEOUT, TIMEOUT_REMOVE, LINK_TIMEOUT,
 *    ASYNC_CANCEL, FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAITV, MSG_RING, EPOLL_CTL,
 *    EPOLL_WAIT, WAITID, OPENAT, OPENAT2, CLOSE, STATX, FADVISE, MADVISE,
 *    FALLOCATE, FTRUNCATE, FSETXATTR, SETXATTR, FGETXATTR, GETXATTR,
 *    FILES_UPDATE, FIXED_FD_INSTALL, RENAMEAT, UNLINKAT, MKDIRAT, SYMLINKAT, LINKAT, SPLICE,
 *    TEE, PIPE, SEND, RECV, SENDMSG, RECVMSG, SOCKET, BIND, LISTEN, CONNECT,
 *    ACCEPT, SHUTDOWN, PROVIDE_BUFFERS, REMOVE_BUFFERS, URING_CMD,
 *    READ_MULTISHOT:
 *    -EOPNOTSUPP at prep (and not in the probe).
 *  - provided buffers (kbuf.c): an IOU_PBUF_RING_MMAP buffer ring is a memfd
 *    of its own, mapped through the ring fd by the mmap wrappers, as the
 *    rings are (above); a mapping longer than the ring faults past its end
 *    as the kernel's does.  A buffer ring in the program's memory is checked
 *    mapped at registration but not pinned: the kernel keeps its pages, so
 *    a program that unmaps it while registered still has its requests take
 *    the buffers it last published; the engine reads the ring where it was
 *    and faults (SIGSEGV; or it reads whatever is mapped there since).  Not
 *    matched: reading it through fault-safe calls would cost a system call
 *    per selection, and giving the engine a view of its own would mean
 *    replacing the program's private mapping with a shared one.
 *  - READ_MULTISHOT (ops/rw.c) from a worker (IOSQE_ASYNC) waits for
 *    readiness before reading, also on a file without RWF_NOWAIT support
 *    (io-wq turns such a request into a single read).  On the ring's own fd
 *    it fails -EINVAL at once, as READ does (below).  Its CQEs go to the CQ
 *    as the reactor sees data, as a multishot receive's (below).  On a file
 *    without RWF_NOWAIT support (a pty) that poll says is readable, the
 *    kernel reads without "don't wait", in the submitting task's task work:
 *    when another reader took the data meanwhile, that read holds the task
 *    until more comes, or ends the request with -EINTR; the engine reads
 *    with O_NONBLOCK set on the file for the call (the program sees the
 *    flag meanwhile) and waits for readiness again.  A file with no
 *    read_iter (inotify) and no O_NONBLOCK: the kernel's never reads
 *    (-EAGAIN without end), the engine's reads.
 *  - SEND/RECV/SENDMSG/RECVMSG (ops/net_sendrecv.c): a SEND with
 *    IORING_RECVSEND_BUNDLE and no buffer select is -EINVAL (the kernel
 *    posts a CQE with F_MORE, then another).  A receive with MSG_WAITALL
 *    from a buffer ring commits the ring's head when it takes the buffer
 *    (the kernel's at the CQE, unless it waited).  A bundle RECV
 *    (IORING_RECVSEND_BUNDLE) with MSG_WAITALL that comes up short on a
 *    stream or seqpacket socket commits every buffer it took and goes on
 *    in them; the kernel's (6.18, probed) commits only those its first
 *    receive filled and hands the others out again while it fills them, so
 *    the ring's head and the buffers of the requests after it differ.  A multishot receive's
 *    CQEs go to the CQ as the engine's reactor thread sees data, or at the
 *    latest when the program enters to get events (IORING_SQ_TASKRUN,
 *    above); the kernel's on the program's return from the system call
 *    that made the data come, or at its enter (task work).
 *    SEND_ZC/SENDMSG_ZC copy (the notification follows the result at once,
 *    IORING_NOTIF_USAGE_ZC_COPIED when reported); a registered buffer's
 *    memory is read at the send, so it must stay mapped until then (the
 *    kernel pins its pages); FIXED_BUF with SEND_VECTORIZED is -EINVAL.
 *    A request cancelled before it ran (a failed link) posts its
 *    notification, but its result CQE lacks IORING_CQE_F_MORE.
 *    IORING_CQE_F_SOCK_NONEMPTY comes from SIOCINQ after the receive (and
 *    POLLRDHUP on TCP, or the FIN as the reactor's event reported it), not
 *    from the receive itself: data or a FIN arriving between the two sets
 *    it or not where the kernel's hint, taken at the receive, would differ.
 *  - WAITID (ops/waitid.c) looks with waitid(WNOHANG) at issue, then again
 *    from a reactor timer (1 ms, doubling up to 16 ms): a child's state
 *    change is seen at the next look, not when it happens; a child taken by
 *    another waiter, leaving none, ends it with -ECHILD (the kernel's waits
 *    on); a P_PIDFD fd is looked up at each look.
 *  - FUTEX_WAIT/WAITV (ops/futex.c): each armed wait holds a helper thread
 *    blocked in futex_waitv(2); a futex value changed after the check at
 *    issue but before the helper queues (or, for a mask other than
 *    FUTEX_BITSET_MATCH_ANY or a 128-entry vector, between two of its
 *    50 ms slices) completes the wait as woken instead of waiting for a
 *    wake, and a cancelled one of those sliced waits may still take a
 *    wake until its slice ends; the woken wait's CQE follows its waker's,
 *    but may come after the submit call that woke it has returned.
 *  - MSG_RING reaches the engine's rings of this process only: to a kernel
 *    ring -EOPNOTSUPP (a kernel ring's MSG_RING to an engine ring gets the
 *    kernel's -EBADFD); an IOPOLL ring's message to itself completes
 *    inline (the kernel punts it to a worker).
 *  - ASYNC_CANCEL by FD compares files with kcmp(KCMP_FILE); where kcmp is
 *    refused, and for a request queued for a worker that has not resolved
 *    its file yet, by fd number (a dup() of the fd is then another key).  A
 *    one-shot poll caught firing answers -EALREADY (the kernel: 0, and the
 *    poll -ECANCELED).  A request a worker runs when it is cancelled
 *    completes as it would have (the kernel signals the worker: a blocking
 *    call may end -EINTR).  SYNC_CANCEL waiting for a running match
 *    searches again every millisecond (the kernel: at each completion).
 *  - TIMEOUT with a completion count: the kernel may end it with 0 before
 *    the count when its CQ sequence is flushed between another timeout's
 *    expiry and that one's CQE (an unsigned difference wraps; a race, see
 *    tests/fuzz/divergences.h); the engine waits for the count.
 *  - LINK_TIMEOUT firing while its request runs in a worker: -EALREADY,
 *    and the request runs to its end (the kernel signals its io-wq worker,
 *    which may end a blocking call with -EINTR).
 *  - SPLICE/TEE (ops/splice.c) never block a worker on a pipe: where the
 *    kernel's worker waits for data or room, the request waits in the
 *    reactor.  Cancelled there: ASYNC_CANCEL 0 and the splice -ECANCELED
 *    (the kernel: -EALREADY, and -ERESTARTSYS (-512) from its interrupted
 *    worker; the engine answers that only when the cancellation finds it
 *    in its worker); a LINK_TIMEOUT after it fires (the kernel's is not
 *    armed while its worker blocks).  A blocking socket as the out file
 *    that fills up in the middle of a splice blocks the worker (one that
 *    has no room at the start waits in the reactor): a cancellation then
 *    answers -EALREADY and the splice goes on (the kernel interrupts it).
 *  - CONNECT and ACCEPT (ops/net.c) on a blocking socket: accept4(2) and
 *    connect(2) have no per-call "don't wait" flag, so the engine sets
 *    O_NONBLOCK on the socket's file for the call and clears it after; a
 *    program's own blocking call on that socket in that window fails
 *    EAGAIN, and its F_GETFL sees the flag.  IORING_CQE_F_SOCK_NONEMPTY on
 *    ACCEPT comes from a poll of the listener after the accept (the kernel
 *    reads its queue under the socket's lock): a connection arriving
 *    between the two sets it.
 *  - URING_CMD (ops/uring_cmd.c) has two files' handlers: a socket's
 *    (SOCKET_URING_OP_SIOCINQ/SIOCOUTQ on AF_INET/AF_INET6 sockets through
 *    ioctl(2), other families -EOPNOTSUPP: the kernel's answer for AF_UNIX,
 *    netlink and packet sockets, not for the rare families whose protocol
 *    has an ioctl, e.g. phonet; GETSOCKOPT/SETSOCKOPT through the system
 *    calls; TX_TIMESTAMP -EINVAL, as on any ring without CQE32, and also
 *    on CQE32 and CQE_MIXED rings, where the kernel's waits for the
 *    socket's timestamps and posts each as a 32-byte CQE) and
 *    /dev/null's (0).  Every other file answers -EOPNOTSUPP, the kernel's
 *    answer for files without a handler, where the kernel has one: NVMe
 *    generic char devices (passthrough), block devices (discard), ublk,
 *    FUSE.  A multishot command (IORING_URING_CMD_MULTISHOT with
 *    IOSQE_BUFFER_SELECT) that succeeds completes -EOPNOTSUPP: the kernel
 *    leaves it pending for good (neither handler posts multishot CQEs).
 *  - CLOSE of a plain fd closes it inline (the kernel punts a file with
 *    ->flush to a worker).
 *  - ioprio is validated, not applied; FSYNC of a range syncs the whole file;
 *    EPOLLEXCLUSIVE in poll32_events is ignored (a wake-up completes
 *    every exclusive poll on the file, the kernel's the first only).
 *  - RLIMIT_MEMLOCK is counted per process (the kernel: per user); buffers
 *    are checked (mapped, writable, not file-backed shared) but not pinned.
 *    A READ(V)_FIXED/WRITE(V)_FIXED waiting in a worker or the reactor
 *    when the buffers are unregistered, or its slot is replaced by
 *    BUFFERS_UPDATE, goes on in a private copy of what is left of its
 *    ranges (rw_fixed_retire()): a program that keeps the memory mapped
 *    does not see what such a read gets (the kernel's lands in the pinned
 *    pages).
 *  - a blocking worker call on a regular file that keeps saying EAGAIN is
 *    retried 1000 times, then reported.
 *  - reads/writes on regular files run on native AIO (aio.c); a waiter
 *    with only AIO outstanding sleeps in io_getevents: a CQE posted by
 *    another thread's submission meanwhile is seen at the next AIO
 *    completion or within 10 ms, and a signal arriving together with
 *    completions, or while the waiter is in io_getevents, may not end the
 *    wait early (io_getevents' -EINTR also comes from kernel task work,
 *    with no signal: it is not reported).  Under a stale per-fd hint
 *    (a reused number, F_SETFL O_DIRECT) O_DIRECT CQEs of a program that
 *    does not enter to wait may take up to 20 ms, the first time.
 *  - POLL_ADD: a poll waits as a native AIO poll, completed from the
 *    wake-up as on the kernel (ops/poll.c), except a multishot poll while
 *    its file is still ready, and any poll where AIO is refused or full:
 *    those wait in the reactor (epoll/poll(2), which look at the file when
 *    they run), and a readiness gone again by then (a pipe written and read
 *    straight back) is missed.  A multishot poll takes two fds (its epoll
 *    set, its file's duplicate): one that can get none (RLIMIT_NOFILE)
 *    waits as a one-shot poll, its CQE without IORING_CQE_F_MORE (the
 *    kernel's needs none and stays armed).
 *  - the engine's fds are placed at or above sys_fd_floor() (sys.c).  A
 *    waiter or the reactor that can get no eventfd (RLIMIT_NOFILE) polls in
 *    1 ms ticks instead of being woken; a reactor that can get no epoll set
 *    polls its armed fds in 1 ms ticks (O(armed fds) each).
 *  - a request waiting in the reactor by number (no duplicate could be had)
 *    whose fd is closed, its file gone: it waits until cancelled, as on the
 *    kernel, but the file is closed (the kernel's request keeps it open).
 *  - reads and writes that go through native AIO (a batch of them at an
 *    offset on a regular file, O_DIRECT) raise no fsnotify events (inotify
 *    IN_ACCESS/IN_MODIFY, fanotify): Linux's AIO does not report them; a
 *    single buffered request per batch, and worker I/O, do.
 *  - RINGER_FAULTS (faults.c, docs/FAULTS.md) changes results and timing on
 *    purpose, within what the kernel could give; beyond that: a request
 *    whose completion a rule holds back (delay, reorder) is not found by
 *    ASYNC_CANCEL or SYNC_CANCEL (-ENOENT), where the kernel's cancellation
 *    finds a request until its CQE is posted; a CQ made smaller (cq=N)
 *    keeps its real size in cq.ring_entries.
 *  - fork: in a child, a ring inherited from the parent answers
 *    -EOPNOTSUPP (the engine's threads and state are the parent's); the
 *    child's close only lets go of the fd number (the engine's fds for it
 *    stay open in the child until exit or exec).  On the kernel both
 *    processes share the ring.
 */
#ifndef RINGER_ENGINE_H
#define RINGER_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "ringer.h"
#include "engine/api.h"
#include "engine/faults.h"
#include "engine/reactor.h"
#include "engine/wq.h"
#include "arch.h"

/*
 * What the engine really does (params.features).  SINGLE_MMAP: the SQ and CQ
 * rings are one region of the ring file (ring.c).  FAST_POLL: reads/writes on
 * pollable files wait for readiness in the reactor, not in a worker.
 * POLL_32BITS: poll32_events is read as 32 bits.  CQE_SKIP: CQE_SKIP_SUCCESS.
 * LINKED_FILE: the fd of a linked request is resolved when it is issued.
 * RSRC_TAGS: FILES2/BUFFERS2 and their updates take tags, and a tagged file
 * or buffer posts its tag's CQE when released (rsrc.c).
 * NATIVE_WORKERS: the workers are threads of the process (its files, cwd).
 * CUR_PERSONALITY: a request the submitting thread hands to a worker runs
 * there with that thread's credentials at the hand-over (submit.c's
 * req_punt_wq(), creds.c), a thread's own raw setresuid included.  REG_REG_RING:
 * io_uring_register by a registered ring's index (ring.c, register.c).
 * NO_IOWAIT: IORING_ENTER_NO_IOWAIT is taken, and no wait of the engine is
 * ever accounted as iowait (a futex or epoll sleep), so it always holds.
 * Not reported: RW_ATTR (no protection information in user space: an
 * attribute on a read or write is -EOPNOTSUPP, ops/rw.c).
 */
#define ENGINE_FEATURES                                                         \
	(IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE | \
	 IORING_FEAT_RW_CUR_POS | IORING_FEAT_FAST_POLL | IORING_FEAT_POLL_32BITS |  \
	 IORING_FEAT_EXT_ARG | IORING_FEAT_CQE_SKIP | IORING_FEAT_LINKED_FILE |      \
	 IORING_FEAT_MIN_TIMEOUT | IORING_FEAT_RSRC_TAGS |                           \
	 IORING_FEAT_NATIVE_WORKERS | IORING_FEAT_REG_REG_RING |                     \
	 IORING_FEAT_CUR_PERSONALITY | IORING_FEAT_RECVSEND_BUNDLE |                \
	 IORING_FEAT_NO_IOWAIT)

/* Setup flags the engine implements (others are refused with -EINVAL). */
#define ENGINE_SETUP_FLAGS                                                      \
	(IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_R_DISABLED |       \
	 IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |                      \
	 IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SINGLE_ISSUER |                   \
	 IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_NO_SQARRAY |                     \
	 IORING_SETUP_NO_MMAP | IORING_SETUP_HYBRID_IOPOLL |                        \
	 IORING_SETUP_REGISTERED_FD_ONLY | IORING_SETUP_SQE128 |                    \
	 IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED)

/* Enter flags the engine takes: GETEVENTS ... NO_IOWAIT; bit 8 and up: -EINVAL */
#define ENGINE_ENTER_FLAGS 0xffU

#define IORING_MAX_ENTRIES 32768
#define POLL_HASH_SIZE 256 /* buckets of ring->poll_hash */
#define IORING_MAX_CQ_ENTRIES (2 * IORING_MAX_ENTRIES)
#define IORING_MAX_REG_BUFFERS (1U << 14)
#define IORING_MAX_FIXED_FILES (1U << 20)
#define ENGINE_UIO_MAXIOV 1024
#define ENGINE_MAX_RW_COUNT (0x7ffff000UL) /* INT_MAX & PAGE_MASK */
#define ENGINE_USER_END ARCH_USER_END /* the kernel's TASK_SIZE_MAX */

/* Internal request flags; the low 7 mirror the SQE flag bits. */
#define REQ_F_FIXED_FILE IOSQE_FIXED_FILE
#define REQ_F_IO_DRAIN IOSQE_IO_DRAIN
#define REQ_F_LINK IOSQE_IO_LINK
#define REQ_F_HARDLINK IOSQE_IO_HARDLINK
#define REQ_F_FORCE_ASYNC IOSQE_ASYNC
#define REQ_F_BUFFER_SELECT IOSQE_BUFFER_SELECT
#define REQ_F_CQE_SKIP IOSQE_CQE_SKIP_SUCCESS
#define REQ_F_LINK_FLAGS (REQ_F_LINK | REQ_F_HARDLINK)
#define REQ_F_FAIL (1U << 8) /* failed: breaks a LINK chain, defeats CQE_SKIP */
#define REQ_F_SKIP_LINK_CQES (1U << 9) /* cancelled successors post no CQE */
#define REQ_F_NEED_CLEANUP (1U << 10)
#define REQ_F_POLL_ARMED (1U << 11) /* on the ring's poll list */
#define REQ_F_ASYNC (1U << 12) /* counted in ring->nr_async until freed */
#define REQ_F_FD_HELD (1U << 13) /* rfd is the engine's duplicate of fd */
/*
 * A negative result that does not fail the request: the kernel's FSYNC,
 * SYNC_FILE_RANGE, FALLOCATE, FTRUNCATE, STATX, MADVISE and xattr handlers set the
 * result of the call without marking the request failed, so its links still run and CQE_SKIP_SUCCESS still hides
 * its CQE.  (A bad fd or a cancellation fails it as usual.)
 */
#define REQ_F_QUIET_RES (1U << 14)
/* the file is known to be a regular file or block device (the kernel's
 * REQ_F_ISREG): worker class and retries of short transfers depend on it */
#define REQ_F_ISREG (1U << 15)
/* waits for readiness in the reactor on ring->ready_reqs (cancel.c) */
#define REQ_F_READY_ARMED (1U << 16)
/* a worker ran it: a running slot may name it until it is freed (cancel.c) */
#define REQ_F_WQ_RAN (1U << 17)
/* a LINK_TIMEOUT follows it (req->link): armed when it is issued (ops/timeout.c) */
#define REQ_F_ARM_LTIMEOUT (1U << 18)
/* a multishot request waiting for readiness: it stays on ring->ready_reqs
 * while its fn runs, where a cancellation marks it (req_arm_ready_mshot()) */
#define REQ_F_READY_MSHOT (1U << 19)
/* a worker runs it for REQ_F_FORCE_ASYNC, which it cleared: io-wq would arm
 * poll for it rather than issue it blocking (ops/net.h), and run it again
 * when woken, where its link then starts (submit.c, next_issue()) */
#define REQ_F_ASYNC_ASKED (1U << 20)
/* it failed with an error the kernel's handler returns rather than sets as
 * its result (a poll-first "not polled yet", a file that is no socket): when
 * io-wq ran it, the kernel fails it from task work, and a request hardlinked
 * after it starts as at submit (submit.c, fails_as_task_work()) */
#define REQ_F_ERR_RETURNED (1U << 21)
/* its last CQE is posted and it counts as gone for drain already
 * (nr_freed, cq_post_last()): req_free() does not count it again */
#define REQ_F_DRAIN_GONE (1U << 22)
/* its CQE is a 32-byte one, req->big_cqe its second half (the kernel's
 * REQ_F_CQE32): on a CQE32 or CQE_MIXED ring only */
#define REQ_F_CQE32 (1U << 23)
/* RINGER_TRACE traces it, or RINGER_FAULTS injects into it (fault_kind): its
 * issue and completion call the hooks, which nothing else does (faults.h) */
#define REQ_F_HOOKED (1U << 24)

/* Return values of opdef->issue (besides a request completed with req->res). */
enum {
	ISSUE_DONE = 0, /* req->res holds the result: complete it */
	ISSUE_QUEUED = 1, /* the op owns the request; it completes later */
	ISSUE_AGAIN = 2, /* would block: hand it to the worker pool */
};

/* issue_flags */
#define ISSUE_F_NONBLOCK 1U /* inline or reactor thread: never block */
#define ISSUE_F_WORKER 2U /* a worker thread: blocking is fine */

struct ring;
struct req;
struct iocb;

/* bytes of per-opcode state in a request (req_data()) */
#define REQ_DATA_SIZE 128

/*
 * A slot's resource (the kernel's io_rsrc_node): the table holds one
 * reference, every request using it one more.  The last put frees it and,
 * when it was registered with a tag, posts the tag's CQE on ring (rsrc.c).
 */
struct rsrc_node {
	atomic_int refs;
	bool is_buf;
	uint64_t tag; /* 0: no CQE when released */
	struct ring *ring; /* the ring whose table it is in, for the tag */
};

struct rfile {
	struct rsrc_node node;
	int fd; /* the engine's own duplicate */
};

/* pages charged to RLIMIT_MEMLOCK for a buffer, shared by its clones
 * (REGISTER_CLONE_BUFFERS), uncharged with the last of them */
struct rbuf_charge {
	atomic_int refs;
	uint64_t pages;
};

struct rbuf {
	struct rsrc_node node;
	uint64_t base, len;
	struct rbuf_charge *charge; /* NULL: nothing charged */
	/* out of the table: requests on it go on in private copies
	 * (rw_fixed_retire(); under rsrc_lock) */
	bool retired;
};

struct req {
	struct ring *ring;
	uint8_t opcode;
	uint16_t ioprio;
	int fd; /* sqe->fd */
	unsigned flags; /* REQ_F_* */
	uint64_t user_data;
	int32_t res;
	uint32_t cflags;
	struct req *link; /* next member of the chain */
	struct req *tw_next; /* submit-state task-work list */
	unsigned tw_kind;
	/* poll list, drain list, ring->ready_reqs or ring->wq_pending */
	struct req *list_next, *list_prev;
	unsigned defer_nr; /* on the defer list: members of its chain */
	struct rfile *file; /* fixed file held while in flight */
	int rfd; /* the descriptor the op works on */
	struct reactor_entry rent;
	reactor_fn ready_fn; /* req_arm_ready(): the op's fn, run by ready_fire() */
	/* on ring->wq_pending (cancel_lock; list_next, list_prev) */
	bool wq_pending;
	/* a cancellation found it there: its worker completes it -ECANCELED */
	bool wq_cancel;
	/* a cancellation found it running in a worker (cancel_lock): the
	 * kernel signals that worker, so an op that would wait again ends
	 * instead (ready_arm_interruptible(), req_interrupted(), cancel.c) */
	bool interrupted;
	/* its LINK_TIMEOUT while that guards it (ops/timeout.c, timeout_lock) */
	_Atomic(struct req *) ltimeout;
	/* sqe->personality's credentials, held until freed (creds.c) */
	struct creds *creds;
	/* IOSQE_BUFFER_SELECT (kbuf.h): the group asked for (set at submit)
	 * and the buffer held: buf_sel KBUF_SEL_*, its id, the serial of the
	 * ring it came from, or the legacy buffer taken off the group */
	uint16_t buf_group;
	uint16_t buf_id;
	uint8_t buf_sel;
	uint32_t buf_serial;
	struct kbuf *kbuf;
	/*
	 * Not cleared by req_alloc() (everything above is): each is written
	 * before it is read, on the paths that use it.  Fewer bytes to clear
	 * per request.
	 */
	uint64_t big_cqe[2]; /* REQ_F_CQE32: the CQE's extra 16 bytes */
	struct wq_work work; /* set by req_punt_wq() */
	/* trace.c: the request's number in the trace (0: not traced; cleared
	 * by req_init() when tracing) and the time of its submission, for its
	 * latency; the SQE's opcode, which opcode is not when it is past the
	 * table */
	uint64_t trace_id, trace_ns;
	uint8_t trace_op;
	bool trace_fdres; /* its result is a new descriptor */
	/* RINGER_FAULTS (faults.h): FAULT_* still to do at issue or completion,
	 * and its value (an -errno, ms, a CQE count); set only while faults_on(),
	 * read only with REQ_F_HOOKED */
	uint8_t fault_kind;
	int32_t fault_val;
	/* the opcode's own state: see req_data() */
	union {
		uint64_t op_align;
		unsigned char op_data[REQ_DATA_SIZE];
	};
};

/*
 * The lists a request is on through list_next/list_prev (poll list,
 * ring->ready_reqs, ring->wq_pending, a family's armed list), *head their
 * first, under the lock their owner names: req goes first; req leaves.
 */
static inline void req_list_add(struct req **head, struct req *req)
{
	req->list_prev = NULL;
	req->list_next = *head;
	if (*head)
		(*head)->list_prev = req;
	*head = req;
}

static inline void req_list_del(struct req **head, struct req *req)
{
	if (req->list_prev)
		req->list_prev->list_next = req->list_next;
	else
		*head = req->list_next;
	if (req->list_next)
		req->list_next->list_prev = req->list_prev;
	req->list_next = req->list_prev = NULL;
}

/*
 * Per-opcode request state lives with its family: each family header
 * (ops/rw.h, ops/poll.h...) declares its struct, checks with REQ_DATA_CHECK()
 * that it fits, and reaches it with req_data().  The area is the kernel's
 * io_kiocb cmd: no opcode's state is known to the core.  The op's prep
 * initialises it (req_alloc() leaves it as the last request left it).
 */
#define req_data(req, type) ((type *)(void *)(req)->op_data)
#define REQ_DATA_CHECK(type)                                                   \
	_Static_assert(sizeof(type) <= REQ_DATA_SIZE &&                         \
			       _Alignof(type) <= _Alignof(uint64_t),            \
		       #type " fits in struct req's op_data")

/*
 * An opcode's slot in op_defs[] (opdef.c).  The core decides from these
 * flags and hooks alone, as the kernel's io_uring.c from io_issue_defs[]:
 * no file outside opdef.c and the op's family names an opcode.
 */
struct op_def {
	const char *name;
	unsigned needs_file : 1; /* fd names a file (FIXED_FILE applies) */
	unsigned pollin : 1; /* waits for POLLIN in the reactor (req_arm_ready()) */
	unsigned pollout : 1; /* ... for POLLOUT */
	/* in a worker, bounded only on a regular file (REQ_F_ISREG); without it
	 * bounded only when force_async (a sync), else unbound (req_punt_wq()) */
	unsigned unbound_nonreg_file : 1;
	unsigned buffer_select : 1; /* IOSQE_BUFFER_SELECT allowed */
	unsigned ioprio : 1; /* sqe->ioprio allowed */
	unsigned iopoll : 1; /* allowed on IOPOLL rings */
	/* on an IOPOLL ring it is parked, and completes in a polling pass
	 * (iopoll.c); iopoll_prep is then its check at submit */
	unsigned iopoll_queue : 1;
	/* issue may gather its I/O in the submit batch's native AIO submission
	 * (aio_batch): it keeps CQEs in order itself; the core flushes that
	 * batch before any other op issued inline */
	unsigned aio_batch : 1;
	unsigned supported : 1; /* reported by REGISTER_PROBE */
	unsigned force_async : 1; /* always runs in a worker (fsync, ...) */
	/* tried inline, but in a worker bounded as a force_async one (an open:
	 * the kernel's io-wq class for an op without unbound_nonreg_file) */
	unsigned bounded : 1;
	/* in a worker on a regular file, serialized with the other requests
	 * of this op kind on the same file (the kernel's hash_reg_file: io-wq
	 * hashes buffered writes by inode): they run in one worker, in order */
	unsigned hash_reg_file : 1;
	int (*prep)(struct req *req, const struct io_uring_sqe *sqe);
	int (*issue)(struct req *req, unsigned issue_flags);
	void (*cleanup)(struct req *req);
	/* the request leaves the submitting thread (a worker, the reactor):
	 * hold what it names by address (a registered buffer) */
	void (*hold)(struct req *req);
	/* the fd names an io_uring ring (the ring file has no read, write or
	 * fsync): 0 to go on with req->rfd set, or the request's -errno;
	 * NULL: -EINVAL */
	int (*ring_file)(struct req *req);
	/* iopoll_queue: the file, buffer and checks at submit: 0 or -errno */
	int (*iopoll_prep)(struct req *req);
	/* iopoll_queue: fill the native AIO iocb that sends the parked request
	 * to the device (aio.c), or false: a polling pass issues it blocking */
	bool (*iopoll_iocb)(struct req *req, struct iocb *io);
	/* the end of the request's native AIO I/O (aio.c), res as io_event.res */
	void (*aio_complete)(struct req *req, long res);
	/* poll_lock held: the request's AIO poll (aio_poll.c) completed with
	 * res (the waker's mask, or -errno); true: it ends, the service
	 * completes it (req_complete()) once poll_lock is dropped */
	bool (*aio_poll_event)(struct req *req, long res);
	/* hash_reg_file: a worker took reqs[0..n) of one file, in order, each
	 * claimed for it (none can be cancelled now); before it issues them
	 * one by one (ISSUE_F_WORKER) the op may do part of their work here
	 * together (adjacent writes in one call), so long as each issue then
	 * gives the result the request alone would have had */
	void (*wq_batch)(struct req **reqs, unsigned n);
};

#define ENGINE_NR_OPS IORING_OP_LAST /* slots in op_defs[]: every opcode of the ABI */
extern const struct op_def op_defs[ENGINE_NR_OPS];

/*
 * A CQE on its way to the CQ (the submit batch, the overflow backlog): big
 * marks a 32-byte one (REQ_F_CQE32), whose big_cqe words go with it; on a
 * CQE32 ring every other CQE's are zero, on a CQE_MIXED ring it takes two
 * slots (cq.c).
 */
struct ecqe {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
	uint64_t big_cqe[2];
	bool big;
};

struct ocqe {
	struct ocqe *next;
	struct ecqe cqe;
};

struct waiter {
	struct waiter *next, *prev;
	int efd;
	/* the reactor whose epoll set it sleeps in (efd is the reactor's,
	 * reactor_waiter_claim()), or NULL: it sleeps on efd from the pool */
	struct ringer_reactor *inl;
	unsigned target; /* wake when the CQ tail reaches it */
	unsigned nr_timeouts; /* ring->cq_timeouts at the start: any timeout ending wakes it */
	bool woken;
	bool signalled; /* a poster wrote efd since the waiter last looked (cq.c) */
	bool timeout_over; /* a completer saw a timeout end (cq.c wake_waiters()) */
};

struct cqe_vec {
	struct ecqe *v;
	unsigned n, cap;
};

/* One submit call: an enter or an SQ poller pass. */
struct submit_state {
	struct ring *ring;
	struct req *link_head, *link_last;
	struct cqe_vec cqes; /* inline completions, posted at the end */
	struct req *tw_head, *tw_tail; /* link work run after the posting */
	/* requests freed whose CQEs wait in cqes: counted freed (nr_freed)
	 * only once those are posted, for drain (submit.c) */
	uint64_t nr_freed_unposted;
	/* resources let go by requests freed meanwhile: put once cqes are
	 * posted, as the kernel frees its requests after that flush (the tag
	 * CQE a last put posts follows their CQEs) */
	struct rsrc_node **puts;
	unsigned nr_puts, puts_cap;
	/* a TIMEOUT ended without a CQE (CQE_SKIP_SUCCESS): the waiters are
	 * told once the batch's CQEs, its links' among them, are posted */
	bool timeout_ended_quietly;
	/* the submitting thread's credentials, read once for the requests the
	 * call hands to workers (req_punt_wq()) */
	struct creds *creds;
	/* the duplicate of fd number held_num its punted writes share (submit.c) */
	struct rfile *held;
	int held_num;
	/* aio.c gathered iocbs for the batch's io_submit: an op completed
	 * inline sends them first (aio_flush_pending()) */
	bool aio_pending;
	struct submit_state *prev_state;
};

struct ring {
	atomic_int refs; /* the fd table's reference + callers inside */
	int fd;
	dev_t dev; /* the ring file's identity: is a number still this ring? */
	ino_t ino;
	unsigned gen; /* fork generation of the process that made it (ring.c) */
	unsigned flags; /* IORING_SETUP_* */
	unsigned sq_entries, cq_entries, sq_mask, cq_mask;
	/* SINGLE_ISSUER: the task (thread) that may submit, register and,
	 * under DEFER_TASKRUN, get events; 0 while there is none (R_DISABLED
	 * until ENABLE_RINGS).  Relaxed: written before the release store of
	 * disabled (enable_rings()), or at setup. */
	_Atomic pid_t submitter_tid;

	/* The engine's own mappings of the ring file. */
	void *sq_map, *cq_map;
	size_t ring_size;
	struct io_uring_sqe *sqes;
	size_t sqes_size;
	/* log2 of the entry sizes in 64- and 16-byte units: SQE128, CQE32 */
	unsigned sqe_shift, cqe_shift;
	uint64_t memlock_pages;
	uint64_t off_cq, off_sqes; /* file offsets of the CQ ring and SQEs (compact rings) */
	/* IORING_REGISTER_MEM_REGION (region.c): set once, under submit_lock */
	void *param_ptr;
	size_t param_size;
	int param_fd; /* the engine's memory: a memfd; the program's: -1 */
	uint64_t param_pages; /* charged to RLIMIT_MEMLOCK */
	/* REG_WAIT_ARG: set before ENABLE_RINGS, whose release of disabled
	 * orders it before any enter that reads it */
	size_t wait_size;

	/* Pointers into the shared rings (struct io_rings layout). */
	unsigned *sq_head, *sq_tail, *sq_flags, *sq_dropped, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_flags, *cq_overflow;
	struct io_uring_cqe *cqes;

	atomic_bool disabled; /* R_DISABLED until ENABLE_RINGS */
	/* DEFER_TASKRUN: the reactor's busy bit (ring_busy_reactor()), which
	 * on other rings is IORING_SQ_TASKRUN in sq_flags itself */
	_Atomic unsigned reactor_busy;
	atomic_bool dying;
	/*
	 * IORING_REGISTER_RESTRICTIONS (register.c): filled under submit_lock
	 * while the ring is disabled, never written once it is enabled;
	 * restricted says they apply (set by ENABLE_RINGS, release, before the
	 * ring is enabled: a submission, which follows enter's acquire of
	 * disabled, and a register call, which loads restricted with acquire,
	 * see the whole table).
	 */
	struct ring_restrictions {
		uint64_t register_op[(IORING_REGISTER_LAST + 63) / 64];
		uint64_t sqe_op[256 / 64]; /* any u8 opcode can be looked up */
		uint8_t sqe_flags_allowed, sqe_flags_required;
		bool registered;
	} restrictions;
	atomic_bool restricted;

	/* Submission side, under submit_lock (the kernel's uring_lock). */
	pthread_mutex_t submit_lock;
	unsigned cached_sq_head;
	bool drain_next;
	atomic_bool drain_disabled;

	/* RINGER_FAULTS (faults.c): the ring's rule counters, and the CQ size
	 * it shows (0: cq_entries), both set at setup */
	struct faults_ring *faults;
	unsigned fault_cq;

	/* Completion side, under cq_lock. */
	pthread_mutex_t cq_lock;
	unsigned cached_cq_tail;
	struct ocqe *ovf_head, *ovf_tail;
	bool cqe_dropped; /* a CQE was lost (no memory): -EBADR once */
	/* DEFER_TASKRUN: CQEs completed outside the submitter task, posted
	 * when it enters with GETEVENTS (the kernel's local task work) */
	struct ocqe *local_head, *local_tail;
	unsigned nr_local;
	struct waiter *waiters;
	/* IORING_REGISTER_CLOCK: enter's timeouts on CLOCK_BOOTTIME, not
	 * MONOTONIC (read by waiters without a lock: nothing else hangs on it) */
	atomic_bool clock_boottime;
	int evfd; /* registered eventfd or -1 */
	bool evfd_async;
	int *efd_pool; /* spare waiter eventfds */
	unsigned efd_pool_n, efd_pool_cap;

	/*
	 * Drain, on the requests alive as in Linux 6.16+ (not on CQE counts):
	 * a drained request starts when every request alive is on the defer
	 * list.  Alive = nr_allocated - nr_freed.  nr_allocated is written by
	 * the submitter only (submit_lock), nr_freed by whoever frees.
	 * drain_active is written by the submitter only and is set while the
	 * defer list is not empty (and from a drained request until the first
	 * plain one after it: every request made meanwhile is REQ_F_FORCE_ASYNC,
	 * req_init()); the protocol is at drain_check() (submit.c).
	 */
	atomic_uint_least64_t nr_allocated, nr_freed;
	atomic_bool drain_active;
	pthread_mutex_t defer_lock;
	struct req *defer_head, *defer_tail; /* under defer_lock */
	uint64_t nr_deferred; /* requests on it, chain members counted; defer_lock */

	/* Worker pool and reactor, created on first use, under async_lock. */
	pthread_mutex_t async_lock;
	struct ringer_wq *wq;
	struct ringer_reactor *reactor;
	/* teardown destroys the reactor (ring_cancel_all()): its numbers no
	 * longer leave the set one by one, the set goes whole */
	bool reactor_closing;
	/* a parent's ring forgotten in a forked child (ring.c) */
	struct ring *forgotten_next;
	/* requests handed to the wq or the reactor, not yet freed: CQEs may
	 * come from there, so a waiter cannot sleep in io_getevents alone */
	atomic_int nr_async;

	/*
	 * What a cancellation by key looks for besides the polls (cancel.c).
	 * Under cancel_lock: the requests handed to the worker pool and not yet
	 * started (wq_pending: queued, or in a worker's hand), and those
	 * workers run now (run slots).  Under ready_lock: requests waiting in
	 * the reactor for their file's readiness (req_arm_ready(), the
	 * kernel's FAST_POLL).  Lock order: async_lock before cancel_lock,
	 * ready_lock before async_lock.
	 */
	pthread_mutex_t cancel_lock;
	struct req *wq_pending;
	struct run_slot *wq_running;
	pthread_mutex_t ready_lock;
	struct req *ready_reqs;

	/* Armed POLL_ADD requests, under poll_lock; also hashed by user_data
	 * (POLL_REMOVE finds its target without a walk). */
	pthread_mutex_t poll_lock;
	struct req *polls;
	struct req *poll_hash[POLL_HASH_SIZE];
	/* their AIO context (aio_poll.c), created on first use under
	 * async_lock; poll_aio_off: it could not be set up */
	_Atomic(struct poll_aio *) poll_aio;
	bool poll_aio_off;
	/* the epoll set the ring's multishot polls wait in, one reactor
	 * entry for all (ops/poll.c), created on first use; poll_lock */
	struct poll_mset *poll_mset;
	/*
	 * Armed TIMEOUTs (ops/timeout.c), under timeout_lock: those with a
	 * completion count sorted by target, the others in arming order.
	 * cq_timeouts: timeouts ended by expiry or count (their CQEs do not
	 * count, and each wakes the waiters once its CQE is posted: cq.c);
	 * nr_seq_timeouts: how many have a count (posters of CQEs flush them
	 * only then).
	 */
	pthread_mutex_t timeout_lock;
	struct req *timeout_seq, *timeout_noseq, *timeout_noseq_tail;
	struct req *ltimeouts; /* armed LINK_TIMEOUTs (LINK_TIMEOUT_UPDATE finds them) */
	uint32_t cq_last_tm_flush;
	atomic_uint cq_timeouts;
	atomic_uint nr_seq_timeouts;
	/* armed futex waits and their helper threads (ops/futex.c: a struct
	 * futex_ctx), created on first use (ring_family_ctx()) */
	_Atomic(void *) futex;
	/* armed WAITIDs (ops/waitid.c: a struct waitid_ctx), the same way */
	_Atomic(void *) waitid;
	/* times the registered eventfd was signalled (eventfd.c, under cq_lock) */
	atomic_uint evfd_signals;

	/* personalities by id (creds.c), under submit_lock */
	struct creds **pers;
	unsigned nr_pers, pers_next;

	/* Registered resources, under rsrc_lock (lookups at issue time too). */
	pthread_mutex_t rsrc_lock;
	struct rbuf **bufs; /* NULL: an empty slot */
	unsigned nr_bufs;
	struct rfile **files;
	unsigned nr_files;
	/* where a search for a free slot starts (IORING_FILE_INDEX_ALLOC): the
	 * kernel's alloc_hint, moved by every slot filled or emptied (rsrc.c) */
	unsigned file_alloc_hint;
	/* [start, end): the slots ALLOC hands out (REGISTER_FILE_ALLOC_RANGE;
	 * the whole table from its registration on) */
	unsigned file_alloc_start, file_alloc_end;
	struct req *fixed_away; /* fixed-buffer requests held (rw.c) */

	/* provided-buffer groups by group id (kbuf.c), under kbuf_lock */
	pthread_mutex_t kbuf_lock;
	struct kbuf_list **kbuf_hash;
	/* Held by a receive or a read (ops/net_sendrecv.c, ops/rw.c) from a
	 * ring buffer's selection to its kbuf_put() when the head moves at
	 * the CQE (the kernel holds uring_lock over that issue): without it,
	 * another thread's request would select the same head buffer
	 * meanwhile.  Taken before kbuf_lock. */
	pthread_mutex_t kbuf_sel_lock;

	struct ring *free_next; /* recycled ring structs */

	/* pollfd.c: the eventfd standing for the ring fd in poll calls, or -1 */
	atomic_int poll_efd;
	atomic_bool poll_signalled; /* written since the last refresh */
	int poll_slot;

	/*
	 * Request cache (submit.c), in place of a calloc/free per request.
	 * req_cache: the submitter's free list, under submit_lock.
	 * req_returned: requests freed by other threads (workers, reactor,
	 * reapers), pushed lock-free; the submitter takes the whole list when
	 * its own is empty.  cqe_buf: the inline-completion batch vector, kept
	 * between submit calls (under submit_lock).  All freed, and left empty
	 * for the ring struct's next use, by ring_cancel_all() (cancel.c).
	 */
	struct req *req_cache;
	_Atomic(struct req *) req_returned;

	/* native AIO (aio.c), created on first use under async_lock;
	 * aio_off: it could not be set up, use the workers. */
	_Atomic(struct ring_aio *) aio;
	bool aio_off;
	struct ecqe *cqe_buf;
	unsigned cqe_buf_cap;

	/* SQPOLL and IOPOLL (sqpoll.c, iopoll.c); set up by sqpoll_setup(). */
	_Atomic(struct sq_data *) sqd; /* the poller serving this ring, or NULL */
	atomic_bool sqp_busy; /* the poller is submitting from this ring's SQ */
	atomic_int sqp_cpu; /* the CPU the poller last submitted on */
	_Atomic(struct req *) iopoll_list; /* IOPOLL: issued, not yet polled (LIFO) */
	/* IOPOLL passes, one at a time (the kernel's uring_lock), and their AIO
	 * context (aio.c): created by the first pass, under iopoll_lock */
	pthread_mutex_t iopoll_lock;
	unsigned long iopoll_ctx;
	unsigned iopoll_inflight;
	unsigned iopoll_gen;
	bool iopoll_ctx_failed;
};

/* ring.c */
bool ring_tryget(struct ring *r);
struct ring *ring_get(int fd);
int ring_inherited_enter_error(int fd, unsigned to_submit, unsigned flags);
struct ring *ring_get_current(int fd);
struct ring *ring_get_polled(int fd);
/* pollfd.c: the ring fd as an event source */
void ring_poll_signal(struct ring *ring);
void ring_poll_release(struct ring *ring);
bool engine_fd_names_ring(int fd);
void ring_put(struct ring *ring);
bool engine_fd_is_ring(int fd);
int engine_bad_ring_fd(int fd);
/* registered ring fds, per thread (ring.c) */
struct ring *ring_get_registered(unsigned idx);
int ring_fds_register(const void *arg, unsigned nr);
int ring_fds_unregister(const void *arg, unsigned nr);
int memlock_charge(uint64_t pages);
int user_pages_check(uint64_t addr, size_t size);
/* ring.c: the rings' layout and memory, shared by setup and resize.c */
int ring_fill_entries(unsigned entries, struct io_uring_params *p);
void ring_geometry(unsigned flags, unsigned sq_entries, unsigned cq_entries, unsigned *array_off,
		   size_t *ring_size);
void ring_set_pointers(struct ring *r, void *base, unsigned array_off);
void ring_write_sizes(void *base, unsigned sq_entries, unsigned cq_entries);
void ring_fill_offsets(struct io_uring_params *p);
/* a NO_MMAP region of the program's: checked, its pages added to *charged */
int user_region(uint64_t addr, size_t size, uint64_t *charged);
/* does r->fd still name the ring's own file? */
bool ring_file_current(const struct ring *r);
/* resize.c: IORING_REGISTER_RESIZE_RINGS, submit_lock held */
int ring_resize(struct ring *r, void *arg);
/* region.c: IORING_REGISTER_MEM_REGION, registered wait arguments */
#define PARAM_REGION_OFF 0x20000000ULL /* the kernel's mmap offset of the region */
int mem_region_register(struct ring *r, const void *arg, unsigned nr);
void mem_region_free(struct ring *r);
int mem_region_map_fd(struct ring *r);
int mem_region_wait_arg(struct ring *r, uint64_t off, struct io_uring_reg_wait *out);
void memlock_uncharge(uint64_t pages);
bool memlock_exempt(void);
bool engine_has_cap(int cap);

/* umem.c: copies from and to memory the application named (umem_read: api.h) */
int umem_write(void *dst, const void *src, size_t len);
/* the kernel's getname(): a path copied from the program at prep, in malloc'd
 * memory (PATH_MAX with its NUL) */
int copy_user_path(const char *upath, bool empty_ok, char **out);
/* ... reading at most max bytes (the NUL within them) */
int copy_user_string(const char *upath, size_t max, bool empty_ok, char **out);
static inline bool user_range_ok(uint64_t addr, uint64_t len)
{
	return addr <= ENGINE_USER_END && len <= ENGINE_USER_END - addr;
}

/* submit.c */
int submit_sqes(struct ring *ring, unsigned to_submit);
void req_complete(struct req *req);
void req_set_fail(struct req *req);
void req_complete_deferred(struct req *req);
/* From an op's cleanup hook (req_free()): one more CQE of the request's,
 * after its own, in the submit batch or the CQ where that one went (the
 * kernel's zero-copy notification, a request of its own there). */
void req_post_after(struct req *req, int32_t res, uint32_t cflags);
/* Off the submit path, req_complete_deferred() keeps the requests it is
 * given from here until completions_release() completes them: the caller
 * posts its own CQE first, as the kernel's task work orders them. */
void completions_hold(void);
void completions_release(void);
void req_issue(struct req *req, unsigned issue_flags);
void req_punt_wq(struct req *req);
int engine_wq_get(struct ring *ring);
/* A restricted ring (register.c): may an SQE of this opcode and flags run? */
bool ring_sqe_allowed(const struct ring *ring, unsigned opcode, unsigned sqe_flags);
int req_arm_poll(struct req *req, uint32_t events);
/* Arm an entry of the ring's own (no request's) in its reactor: 0, or
 * -ECANCELED when the ring is going away, -ENOMEM. */
int ring_arm_reactor(struct ring *ring, struct reactor_entry *e);
/*
 * A family's state of this ring at *slot, made on first use under
 * async_lock: size bytes, zeroed, whose first member is a pthread_mutex_t
 * (initialised here).  NULL when the ring is going away or memory is short.
 */
void *ring_family_ctx(struct ring *ring, _Atomic(void *) *slot, size_t size);
/* Close fd, a number of the engine's own; its registration in the ring's
 * reactor (ring NULL: none) goes first (reactor_forget_fd()). */
void ring_close_fd(struct ring *ring, int fd);
/* An enter with GETEVENTS: run the reactor's ready work in this thread
 * first (the kernel's task work), as IORING_SQ_TASKRUN advertises it. */
void ring_run_reactor(struct ring *ring);
/* The ring's reactor while it has fd work armed (IORING_SQ_TASKRUN), for a
 * wait to sleep in (cq.c); NULL otherwise. */
struct ringer_reactor *ring_busy_reactor(struct ring *ring);
int req_arm_ready(struct req *req, reactor_fn fn);
/* the readiness the op waits for on its file: its opdef's pollin/pollout
 * (poll(2) bits) */
uint32_t op_events(const struct req *req);
/* req_arm_ready() for these events rather than the op's (poll(2) bits) */
int req_arm_ready_events(struct req *req, reactor_fn fn, uint32_t events);
/*
 * req_arm_ready() for a multishot request, which posts CQEs from its fn and
 * arms again: a cancellation finds it at any time, as the kernel's finds a
 * multishot poll; while its fn runs, it is marked (0 for the canceller), and
 * this arming answers -ECANCELED: the op ends the request with it.  An op
 * that ends such a request without arming again calls req_ready_mshot_end()
 * before it completes it.
 */
int req_arm_ready_mshot(struct req *req, reactor_fn fn);
void req_ready_mshot_end(struct req *req);
/*
 * req just saw its file not ready (-EAGAIN, an empty queue) after its entry
 * fired (polled: its fn ran since it first armed): its next req_arm_ready*()
 * relies on the reactor's edges and makes no system call, when it waits on
 * the number it waited on then and holds it (reactor_entry.rearm).
 */
void req_rearm_drained(struct req *req, bool polled);
/* Arm req->rent (fn set by the caller) as a timer of the ring's reactor:
 * 0, or -ECANCELED when the ring is going away, -ENOMEM, -EINVAL. */
int req_arm_timer(struct req *req, int clock, uint64_t deadline_ns);
void req_count_async(struct req *req);
void req_free(struct req *req);
void req_put_file(struct req *req);
void req_hold_file(struct req *req);
int req_resolve_file(struct req *req);
void req_cache_free(struct ring *ring);
void drain_check(struct ring *ring);

/* cq.c */
bool cq_post(struct ring *ring, uint64_t user_data, int32_t res, uint32_t cflags,
	     bool allow_overflow);
/* cq_post() without the count flush of TIMEOUTs after it: for the CQE of a
 * timeout ending, which does not count, posted under timeout_lock */
bool cq_post_noflush(struct ring *ring, uint64_t user_data, int32_t res, uint32_t cflags,
		     bool allow_overflow);
/* a CQE of any size (a 32-byte one: cqe->big) */
bool cq_post_cqe(struct ring *ring, const struct ecqe *cqe, bool allow_overflow);
void cq_post_batch(struct ring *ring, const struct ecqe *cqes, unsigned n);
/* cq_post_cqe() of a request's last CQE, off a submit batch: it counts the
 * request gone for drain (nr_freed) before the CQE can wake a waiter */
void cq_post_last(struct ring *ring, const struct ecqe *cqe);
void cq_flush_overflow(struct ring *ring);
void cq_timeout_ended_quietly(struct ring *ring);
void cq_drop_overflow(struct ring *ring);
/* A MSG_RING's CQE in its target ring (cq.c) */
bool cq_post_remote(struct ring *ring, uint64_t user_data, int32_t res, uint32_t cflags);
/* DEFER_TASKRUN|TASKRUN_FLAG: IORING_SQ_TASKRUN after nr_async or the
 * local CQEs changed (cq.c) */
void cq_taskrun_update(struct ring *ring);
/* The calling thread's id (gettid), cached per thread and fork. */
pid_t engine_gettid(void);
int cq_wait(struct ring *ring, unsigned min_complete, const struct timespec *ts,
	    bool abs_time, unsigned min_wait_usec, const void *usig, size_t usigsz);
void cq_wake_all(struct ring *ring);
void cq_free_waiter_fds(struct ring *ring);
bool cq_full_or_overflowed(struct ring *ring);

/* thread context of the caller: which thread posts a completion */
enum { CTX_APP = 0, CTX_WORKER = 1, CTX_REACTOR = 2 };
/* initial-exec: a TLS access without a __tls_get_addr call (two per request) */
#define ENGINE_TLS __attribute__((tls_model("initial-exec")))
extern _Thread_local int engine_thread_ctx ENGINE_TLS;
extern _Thread_local struct submit_state *engine_submit_state ENGINE_TLS;

/* rsrc.c: registered buffers and files.  iovs/fds NULL: every slot empty
 * (a sparse table); tags NULL: no tags */
int rsrc_buffers_register(struct ring *ring, const struct iovec *iovs, const uint64_t *tags,
			  unsigned nr);
int rsrc_buffers_unregister(struct ring *ring);
int rsrc_buffers_update(struct ring *ring, unsigned offset, const struct iovec *iovs,
			const uint64_t *tags, unsigned nr);
int rsrc_buffers_clone(struct ring *dst, struct ring *src, unsigned src_off, unsigned dst_off,
		       unsigned nr, bool replace);
int rsrc_files_register(struct ring *ring, const int32_t *fds, const uint64_t *tags,
			unsigned nr);
int rsrc_files_unregister(struct ring *ring);
int rsrc_files_update(struct ring *ring, unsigned offset, const int32_t *fds,
		      const uint64_t *tags, unsigned nr);
void rsrc_free_all(struct ring *ring);

/* personalities (creds.c); the table under submit_lock */
struct creds;
int personality_register(struct ring *r);
int personality_unregister(struct ring *r, unsigned id);
struct creds *personality_get(struct ring *r, unsigned id);
void personality_free_all(struct ring *r);
void creds_put(struct creds *c);
/* the calling thread's credentials, referenced once; NULL without memory */
struct creds *creds_current(void);
/* run the calling thread with c until creds_revert(*saved) */
int creds_override(const struct creds *c, struct creds **saved);
void creds_revert(struct creds *saved);
/* a request with a runs as one with b (NULL: the issuing thread's own) */
bool creds_same(const struct creds *a, const struct creds *b);
/* another reference to c */
struct creds *creds_get(struct creds *c);
/* the calling thread runs a request with other credentials now */
bool creds_overridden(void);
/*
 * A worker runs a batch of requests: the thread's credentials are read once
 * at the begin, and creds_override() of equal ones until the end changes
 * nothing without reading them again (a thread's own change to its
 * credentials meanwhile is not seen: they run as if before it).
 */
void creds_batch_begin(void);
void creds_batch_end(void);
struct rbuf *rsrc_get_buf(struct ring *ring, unsigned idx);
struct rfile *rsrc_get_file(struct ring *ring, unsigned idx);
int rsrc_file_install(struct ring *ring, struct rfile *f, unsigned slot);
int rsrc_fd_install(struct ring *ring, int fd, unsigned slot);
/* prep of an op that makes a descriptor: a direct one (file_index set)
 * has no close-on-exec to ask for, -EINVAL as the kernel's preps */
static inline int rsrc_direct_check(unsigned file_slot, bool cloexec)
{
	return file_slot && cloexec ? -EINVAL : 0;
}
int rsrc_file_remove(struct ring *ring, unsigned idx);
int rsrc_file_new(int fd, struct rfile **out);
struct rfile *rsrc_file_wrap(int fd);
int rsrc_file_alloc_range(struct ring *ring, unsigned off, unsigned len);
void rsrc_node_put(struct rsrc_node *node);
void rsrc_put_deferred(struct submit_state *st);
static inline void rfile_put(struct rfile *f)
{
	rsrc_node_put(&f->node);
}
/* submit.c: a request lets go of a resource (after its CQE, as the kernel's) */
void req_put_rsrc(struct req *req, struct rsrc_node *node);

/* eventfd.c: the registered eventfd */
int evfd_register(struct ring *ring, const void *arg, bool async);
int evfd_unregister(struct ring *ring);
/* cq_lock held, CQEs just published: signal it unless disabled or async-only */
void evfd_signal(struct ring *ring);
/* times it was signalled: a multishot poll on it ends when this moves */
unsigned evfd_signal_count(struct ring *ring);
bool evfd_is_registered(struct ring *ring, int fd);
void evfd_release(struct ring *ring); /* teardown */

/* Buffers left the table (their rbuf retired, rsrc_lock held): move the I/O
 * of held fixed-buffer requests on them to private copies; drops and retakes
 * rsrc_lock while one is in a system call on the buffer (ops/rw.c). */
void rw_fixed_retire(struct ring *ring);
/* sqpoll.c: the SQ poller thread (IORING_SETUP_SQPOLL, SQ_AFF, ATTACH_WQ) */
#define SQPOLL_SETUP_FLAGS                                                     \
	(IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF | IORING_SETUP_ATTACH_WQ |   \
	 IORING_SETUP_IOPOLL)
#define SQPOLL_FEATURES IORING_FEAT_SQPOLL_NONFIXED
#define ISSUE_F_IOPOLL 4U /* iopoll.c runs it: do not queue it again */
int sqpoll_check_params(const struct io_uring_params *p);
int sqpoll_setup(struct ring *ring, const struct io_uring_params *p);
void sqpoll_detach(struct ring *ring);
void sqpoll_wake(struct ring *ring);
int sqpoll_enter(struct ring *ring, unsigned to_submit, unsigned flags);
void sqpoll_wait_spin(struct ring *ring, unsigned min_complete);

/* iopoll.c: IOPOLL rings, reads and writes polled by the reaping thread */
bool iopoll_queue(struct req *req);
int iopoll_getevents(struct ring *ring, unsigned min_complete);
int iopoll_reap(struct ring *ring, unsigned want);
void iopoll_issue(struct ring *ring);
void iopoll_cancel_all(struct ring *ring);

#endif /* RINGER_ENGINE_H */
