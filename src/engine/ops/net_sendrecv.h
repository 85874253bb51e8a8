/* SPDX-License-Identifier: MIT */
/* SEND, RECV, SENDMSG, RECVMSG, SEND_ZC, SENDMSG_ZC (ops/net_sendrecv.c; the kernel's net.c). */
#ifndef RINGER_ENGINE_OPS_NET_SENDRECV_H
#define RINGER_ENGINE_OPS_NET_SENDRECV_H

#include <sys/socket.h>

#include "engine/engine.h"

struct sr_state {
	struct msghdr msg; /* the engine's copy: iov in fast_iov or iov_alloc */
	struct iovec fast_iov[1];
	struct iovec *iov_alloc; /* SENDMSG/RECVMSG with several segments */
	struct msghdr *umsg; /* RECVMSG: the program's, for what recvmsg returns */
	void *name; /* SEND/SEND_ZC to an address: the copy made at prep */
	union {
		struct { /* SEND_ZC with IORING_RECVSEND_FIXED_BUF */
			struct rbuf *fx_buf; /* a reference held */
			uint16_t fx_index; /* its sqe->buf_index */
		};
		struct { /* a receive with IOSQE_BUFFER_SELECT */
			uint32_t sel_len; /* the most one buffer takes (0: all of it) */
			uint32_t mshot_left; /* a multishot RECV's total limit (0: none) */
			union {
				/* a multishot RECVMSG: the room for the source
				 * address and the control messages in each
				 * buffer (the msghdr's) */
				struct {
					uint32_t namelen, controllen;
				};
				/* a MSG_WAITALL bundle RECV holding its
				 * buffers: their CQE flags */
				uint32_t held_cflags;
			};
		};
		struct { /* a SEND with IOSQE_BUFFER_SELECT */
			uint32_t send_max; /* the most a round takes (0: all) */
			uint32_t send_cflags; /* the buffers taken, for the CQE (0: none) */
		};
	};
	uint32_t done; /* bytes moved by earlier attempts (MSG_WAITALL) */
	int msg_flags; /* sqe->msg_flags */
	uint16_t flags; /* sqe->ioprio: IORING_RECVSEND_* */
	uint8_t sock_type; /* SOCK_*, 0 until looked up */
	uint8_t sock_family; /* AF_* (AF_UNIX, AF_INET...) */
	bool send : 1; /* the direction */
	bool polled : 1; /* the reactor saw it ready (IORING_RECVSEND_POLL_FIRST) */
	bool zc : 1; /* SEND_ZC/SENDMSG_ZC: its notification CQE is owed */
	bool zc_report : 1; /* IORING_SEND_ZC_REPORT_USAGE */
	bool fixed : 1; /* SEND_ZC with IORING_RECVSEND_FIXED_BUF */
	bool sel_empty : 1; /* a bundle took the group's last buffers */
	bool bundle_held : 1; /* a MSG_WAITALL bundle RECV goes on in msg's buffers */
};
REQ_DATA_CHECK(struct sr_state);
#define req_sr(req) req_data(req, struct sr_state)

int sr_prep_send(struct req *req, const struct io_uring_sqe *sqe);
int sr_prep_recv(struct req *req, const struct io_uring_sqe *sqe);
int sr_prep_sendmsg(struct req *req, const struct io_uring_sqe *sqe);
int sr_prep_recvmsg(struct req *req, const struct io_uring_sqe *sqe);
int sr_prep_send_zc(struct req *req, const struct io_uring_sqe *sqe);
int sr_prep_sendmsg_zc(struct req *req, const struct io_uring_sqe *sqe);
int sr_issue(struct req *req, unsigned issue_flags);
void sr_cleanup(struct req *req);
int sr_ring_file(struct req *req);

#endif /* RINGER_ENGINE_OPS_NET_SENDRECV_H */
