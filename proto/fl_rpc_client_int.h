/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc_client_int: private client-side helpers (channel, status). */
#ifndef FL_RPC_CLIENT_INT_H
#define FL_RPC_CLIENT_INT_H

#include <grpc/support/time.h>
#include "fl_rpc_int.h"

struct fl_rpc_channel {
	grpc_channel *ch;
};

/* Absolute deadline timeout_ms from now; 0 means none. */
gpr_timespec fl_rpc_deadline(uint32_t timeout_ms);
/* Fills st (if not NULL) from a received status. */
void fl_rpc_status_fill(fl_rpc_status *st, int code, grpc_slice details);
/* Fills st (if not NULL) with a locally made status. */
void fl_rpc_status_local(fl_rpc_status *st, int code, const char *detail);

#endif
