/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc_status: FL_E_* codes <-> gRPC status codes. */
#include <grpc/status.h>
#include "fl_err.h"
#include "fl_rpc.h"

int fl_rpc_status_from_err(int err)
{
	switch (err) {
	case 0:
		return GRPC_STATUS_OK;
	case FL_E_INVAL:
	case FL_E_PARSE:
	case FL_E_TOOBIG:
	case FL_E_RANGE:
	case FL_E_SPEC:
	case FL_E_CSV:
	case FL_E_CONFIG:
		return GRPC_STATUS_INVALID_ARGUMENT;
	case FL_E_NOTFOUND:
		return GRPC_STATUS_NOT_FOUND;
	case FL_E_EXISTS:
		return GRPC_STATUS_ALREADY_EXISTS;
	case FL_E_DENIED:
	case FL_E_REVOKED:
		return GRPC_STATUS_PERMISSION_DENIED;
	case FL_E_AUTH:
		return GRPC_STATUS_UNAUTHENTICATED;
	case FL_E_STATE:
	case FL_E_ROUND:
	case FL_E_REPLAY:
	case FL_E_THRESHOLD:
	/* refusals under the untrusted-coordinator rules */
	case FL_E_MEMBER:
	case FL_E_CONTEXT:
	case FL_E_UNSAFE:
	case FL_E_PAIRING:
	case FL_E_SURVIVORS:
	case FL_E_INPUT_USED:
	case FL_E_STALE:
	case FL_E_PROVENANCE:
		return GRPC_STATUS_FAILED_PRECONDITION;
	case FL_E_WRAP:
		return GRPC_STATUS_INVALID_ARGUMENT;
	case FL_E_TIMEOUT:
		return GRPC_STATUS_DEADLINE_EXCEEDED;
	case FL_E_ABORTED:
		return GRPC_STATUS_ABORTED;
	case FL_E_UNSUPPORTED:
		return GRPC_STATUS_UNIMPLEMENTED;
	case FL_E_NOMEM:
	case FL_E_BUSY:
		return GRPC_STATUS_RESOURCE_EXHAUSTED;
	case FL_E_NET:
		return GRPC_STATUS_UNAVAILABLE;
	default:
		return GRPC_STATUS_INTERNAL;
	}
}

int fl_rpc_err_from_status(int code)
{
	switch (code) {
	case GRPC_STATUS_OK:
		return 0;
	case GRPC_STATUS_INVALID_ARGUMENT:
		return FL_E_INVAL;
	case GRPC_STATUS_UNAVAILABLE:
		return FL_E_NET;
	case GRPC_STATUS_DEADLINE_EXCEEDED:
		return FL_E_TIMEOUT;
	case GRPC_STATUS_PERMISSION_DENIED:
		return FL_E_DENIED;
	case GRPC_STATUS_UNAUTHENTICATED:
		return FL_E_AUTH;
	case GRPC_STATUS_FAILED_PRECONDITION:
		return FL_E_STATE;
	case GRPC_STATUS_NOT_FOUND:
		return FL_E_NOTFOUND;
	case GRPC_STATUS_ALREADY_EXISTS:
		return FL_E_EXISTS;
	case GRPC_STATUS_ABORTED:
		return FL_E_ABORTED;
	case GRPC_STATUS_UNIMPLEMENTED:
		return FL_E_UNSUPPORTED;
	case GRPC_STATUS_RESOURCE_EXHAUSTED:
		return FL_E_TOOBIG;
	default:
		return FL_E_NET;
	}
}
