/* SPDX-License-Identifier: Apache-2.0 */
/* fl_err: the one list of fedc error codes and their messages. */
#ifndef FL_ERR_H
#define FL_ERR_H

/*
 * Functions that can fail return int: 0 on success, a negative FL_E_* code on
 * failure. The list only grows; codes are never renumbered. If you need a new
 * code, append it before FL_E_LAST_ and add its message to fl_strerror().
 */
enum fl_err {
	FL_OK = 0,
	FL_E_NOMEM = -1,          /* allocation failed */
	FL_E_INVAL = -2,          /* invalid argument */
	FL_E_IO = -3,             /* file or socket I/O failed */
	FL_E_PARSE = -4,          /* input does not parse */
	FL_E_RANGE = -5,          /* value out of range */
	FL_E_TOOBIG = -6,         /* input exceeds a size cap */
	FL_E_NOTFOUND = -7,       /* no such object */
	FL_E_EXISTS = -8,         /* object already exists */
	FL_E_STATE = -9,          /* not allowed in the current state */
	FL_E_CRYPTO = -10,        /* a cryptographic operation failed */
	FL_E_VERIFY = -11,        /* signature or MAC verification failed */
	FL_E_AUTH = -12,          /* caller not authenticated / unknown identity */
	FL_E_DENIED = -13,        /* caller not allowed to do this */
	FL_E_TIMEOUT = -14,       /* deadline passed */
	FL_E_NET = -15,           /* network/RPC failure */
	FL_E_DB = -16,            /* database failure */
	FL_E_EOF = -17,           /* end of stream */
	FL_E_CONFIG = -18,        /* bad configuration */
	FL_E_CSV = -19,           /* bad CSV input */
	FL_E_SPEC = -20,          /* bad job spec */
	FL_E_ROUND = -21,         /* message for the wrong job, round or attempt */
	FL_E_REPLAY = -22,        /* duplicated or replayed message */
	FL_E_REVOKED = -23,       /* certificate revoked */
	FL_E_THRESHOLD = -24,     /* fewer survivors than the threshold */
	FL_E_DIVERGED = -25,      /* training produced non-finite values */
	FL_E_ABORTED = -26,       /* operation aborted */
	FL_E_UNSUPPORTED = -27,   /* feature not supported */
	FL_E_EXTERNAL = -28,      /* external program failed or gave bad output */
	FL_E_BUSY = -29,          /* the peer is busy: retry a little later */
	/* Refusals of the untrusted-coordinator rules (SECAGG.md R1-R11). */
	FL_E_MEMBER = -30,        /* R1: not a member (list, role, name or key) */
	FL_E_CONTEXT = -31,       /* R2: another round context */
	FL_E_UNSAFE = -32,        /* R3/R5/R7: parameters unsafe for the policy */
	FL_E_PAIRING = -33,       /* R4: too few paired peers */
	FL_E_SURVIVORS = -34,     /* R5: survivor list not signed by a quorum */
	FL_E_INPUT_USED = -35,    /* R6: this input was already summed */
	FL_E_WRAP = -36,          /* R8: a sum wrapped around its modulus */
	FL_E_STALE = -37,         /* R10: CRL past its nextUpdate */
	FL_E_PROVENANCE = -38,    /* R11: model does not follow from the last */
	FL_E_BUDGET = -39,        /* the site's privacy budget would be exceeded */
	FL_E_LAST_ = -40
};

/* Returns a static, human-readable message for an FL_E_* code. Never NULL. */
const char *fl_strerror(int err);

#endif
