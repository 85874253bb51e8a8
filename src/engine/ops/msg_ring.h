/* SPDX-License-Identifier: MIT */
/* MSG_RING (ops/msg_ring.c): so far its synchronous form only. */
#ifndef RINGER_ENGINE_OPS_MSG_RING_H
#define RINGER_ENGINE_OPS_MSG_RING_H

/* IORING_REGISTER_SEND_MSG_RING: the message of the SQE at arg, sent now */
int msg_ring_sync(const void *arg, unsigned nr);

#endif /* RINGER_ENGINE_OPS_MSG_RING_H */
