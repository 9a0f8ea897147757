/* SPDX-License-Identifier: Apache-2.0 */
/* fl_err: messages for the fedc error codes. */
#include "fl_err.h"

static const char *fl_strerror_code(enum fl_err e)
{
	/* No default: the compiler flags a missing code. */
	switch (e) {
	case FL_OK: return "success";
	case FL_E_NOMEM: return "out of memory";
	case FL_E_INVAL: return "invalid argument";
	case FL_E_IO: return "I/O error";
	case FL_E_PARSE: return "input does not parse";
	case FL_E_RANGE: return "value out of range";
	case FL_E_TOOBIG: return "input exceeds a size limit";
	case FL_E_NOTFOUND: return "not found";
	case FL_E_EXISTS: return "already exists";
	case FL_E_STATE: return "not allowed in the current state";
	case FL_E_CRYPTO: return "cryptographic operation failed";
	case FL_E_VERIFY: return "verification failed";
	case FL_E_AUTH: return "not authenticated or unknown identity";
	case FL_E_DENIED: return "permission denied";
	case FL_E_TIMEOUT: return "deadline exceeded";
	case FL_E_NET: return "network or RPC failure";
	case FL_E_DB: return "database error";
	case FL_E_EOF: return "end of stream";
	case FL_E_CONFIG: return "bad configuration";
	case FL_E_CSV: return "bad CSV input";
	case FL_E_SPEC: return "bad job spec";
	case FL_E_ROUND: return "message for the wrong job, round or attempt";
	case FL_E_REPLAY: return "duplicated or replayed message";
	case FL_E_REVOKED: return "certificate revoked";
	case FL_E_THRESHOLD: return "fewer survivors than the threshold";
	case FL_E_DIVERGED: return "training diverged (non-finite values)";
	case FL_E_ABORTED: return "aborted";
	case FL_E_UNSUPPORTED: return "not supported";
	case FL_E_EXTERNAL: return "external program failed";
	case FL_E_BUSY: return "busy, retry later";
	case FL_E_MEMBER: return "not a consortium member with this name, role and key";
	case FL_E_CONTEXT: return "signed for another round context";
	case FL_E_UNSAFE: return "round parameters are unsafe under this site's policy";
	case FL_E_PAIRING: return "too few paired peers for this site's policy";
	case FL_E_SURVIVORS: return "survivor list not signed by a quorum of sites";
	case FL_E_INPUT_USED: return "this input was already summed with another set of sites";
	case FL_E_WRAP: return "a sum wrapped around its modulus";
	case FL_E_STALE: return "certificate revocation list is past its next update";
	case FL_E_PROVENANCE: return "model does not follow from the previous round";
	case FL_E_BUDGET: return "the site's privacy budget would be exceeded";
	case FL_E_LAST_: break;
	}
	return "unknown error";
}

const char *fl_strerror(int err)
{
	if (err > 0 || err <= FL_E_LAST_)
		return "unknown error";
	return fl_strerror_code((enum fl_err)err);
}
