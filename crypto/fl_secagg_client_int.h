/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_client_int: private state of the secure-aggregation client. */
#ifndef FL_SECAGG_CLIENT_INT_H
#define FL_SECAGG_CLIENT_INT_H

#include "fl_secagg_int.h"

enum client_state {
	C_NEW, C_ADVERTISED, C_SHARED, C_MASKING, C_MASKED, C_SIGNED, C_DONE,
	C_FAILED
};

typedef struct client_peer {
	uint32_t id;
	bool verified;      /* advert passed; we sent it our shares */
	bool received;      /* it sent us its shares */
	bool masked;        /* verified && received: pairwise mask on */
	int refusal;        /* why its advert was refused, 0 if not */
	uint8_t c_pk[FL_KX_PUBLIC_BYTES];
	uint8_t s_pk[FL_KX_PUBLIC_BYTES];
	uint8_t ct[FL_SECAGG_SHARE_CT_BYTES];
	char *cert_pem;     /* kept for the consistency check only */
	size_t cert_len;
} client_peer;

/* Lives in sodium_malloc memory. */
typedef struct client_secrets {
	uint8_t c_sk[FL_KX_SECRET_BYTES];
	uint8_t s_sk[FL_KX_SECRET_BYTES];
	uint8_t b[FL_SEED_BYTES];
	uint8_t b_self[FL_SHAMIR_SHARE_BYTES];   /* our own share of b */
} client_secrets;

struct fl_secagg_client {
	fl_secagg_params p;
	uint32_t id;
	fl_sign_key *key;
	fl_verifier *ver;
	char *cert_pem;
	size_t cert_len;
	uint32_t k;
	client_peer *peers;                  /* k, increasing ids */
	client_secrets *sec;
	uint8_t (*seeds)[FL_SEED_BYTES];     /* k pairwise seeds (sodium_malloc) */
	uint8_t c_pk[FL_KX_PUBLIC_BYTES];
	uint8_t s_pk[FL_KX_PUBLIC_BYTES];
	uint32_t refused;
	uint64_t done_words;
	uint8_t *signed_msg;                 /* phase 4 list we signed */
	size_t signed_len;
	enum client_state state;
};

/* The peer with this id, or NULL if it is not a neighbour. */
client_peer *fl_secagg_client_peer(fl_secagg_client *c, uint32_t id);
/* Wipes every secret the client holds. */
void fl_secagg_client_wipe(fl_secagg_client *c);

#endif
