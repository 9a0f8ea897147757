/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_server_int: private state of the secure-aggregation server. */
#ifndef FL_SECAGG_SERVER_INT_H
#define FL_SECAGG_SERVER_INT_H

#include "fl_secagg_int.h"

enum server_state {
	S_ADVERT, S_SHARE, S_ROUTE, S_INPUT, S_CONSISTENCY, S_UNMASK, S_DONE,
	S_ABORTED
};

typedef struct server_client {
	bool advertised;
	bool shared;
	bool responded;
	bool csigned;
	fl_secagg_advert adv;            /* copy of its advert */
	uint32_t nout;
	fl_secagg_enc_share *out;        /* shares it sent (<= k) */
	uint32_t nin;
	const fl_secagg_enc_share **in;  /* shares routed to it (<= k) */
	uint64_t words;                  /* masked words received */
	uint32_t kind;                   /* kind of share collected for it */
	uint32_t ncollected;
	fl_shamir_share *collected;      /* sodium_malloc, k + 1 entries */
} server_client;

struct fl_secagg_server {
	fl_secagg_params p;
	fl_secagg_graph *g;
	server_client *cl;               /* n + 1, index 0 unused */
	uint32_t *acc;                   /* the m-word accumulator */
	uint32_t nadverts, nshared;
	uint8_t *mark;                   /* n + 1: survivor / dropped */
	fl_secagg_unmask_req req;        /* lists of phase 3 */
	fl_secagg_csig *csigs;           /* n */
	uint32_t ncsigs;
	enum server_state state;
};

/* True if client from sent a share to client to. */
bool fl_secagg_server_sent(const fl_secagg_server *s, uint32_t from, uint32_t to);
/* The entry check of each step: FL_E_INVAL without a server or when the
 * step's arguments are not usable (args_ok false), FL_E_STATE outside the
 * step's state. */
int fl_secagg_server_step(const fl_secagg_server *s, bool args_ok,
			  enum server_state state);
/* The sender check of each add step, after fl_secagg_server_step: FL_E_ROUND
 * for another attempt's header h, FL_E_AUTH for a client out of range or
 * not in the phase (S_SHARE: it advertised; S_CONSISTENCY and S_UNMASK: a
 * survivor, its b share asked for), FL_E_REPLAY for its second message of
 * the phase, FL_E_STATE in a state without senders. */
int fl_secagg_server_sender(const fl_secagg_server *s, const fl_secagg_hdr *h,
			    uint32_t client);
/* A phase that closes with fewer than t of its clients (have) aborts the
 * attempt: FL_E_THRESHOLD. */
int fl_secagg_server_quorum(fl_secagg_server *s, uint32_t have);
/* Aborts the attempt: wipes the accumulator and collected shares. */
void fl_secagg_server_abort(fl_secagg_server *s);

#endif
