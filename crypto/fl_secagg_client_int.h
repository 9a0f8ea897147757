/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_client_int: private state of the secure-aggregation client. */
#ifndef FL_SECAGG_CLIENT_INT_H
#define FL_SECAGG_CLIENT_INT_H

#include "fl_secagg_int.h"
#include "fl_util.h"

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
} client_peer;

/* What phase 2 learnt about every id of the context (neighbours or not). */
typedef struct client_site {
	int status;         /* 0: advert passed every check; else why not */
	bool listed;        /* it had an advert in the key list */
	const char *org;    /* its member organisation (borrowed), NULL if none */
	bool has_cert;      /* cert is set: status is 0 */
	size_t cert;        /* its checked certificate in the verifier's cache:
			     * checks survivor-list signatures (R5) */
} client_site;

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
	fl_secagg_trust trust;               /* borrowed pointers */
	uint32_t need_pairs;                 /* R4: max(t, T - 1 + c) */
	uint32_t need_orgs;                  /* R4: T - 1 + c other organisations */
	uint32_t quorum;                     /* R5: max(p.q, 2q > n + c) */
	client_site *sites;                  /* n + 1, by id */
	uint8_t kl[FL_SECAGG_DIGEST_BYTES];  /* key-list digest (phase 2) */
	char why[FL_ERRMSG_BYTES];           /* last refusal, rule first */
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
	uint8_t signed_sig[FL_SIG_MAX_BYTES];  /* and our signature of it */
	size_t signed_sig_len;
	enum client_state state;
};

/* The peer with this id, or NULL if it is not a neighbour. */
client_peer *fl_secagg_client_peer(fl_secagg_client *c, uint32_t id);
/* Wipes every secret the client holds. */
void fl_secagg_client_wipe(fl_secagg_client *c);
/* Checks every advert of the key list (R1, R2, signatures, repeated keys)
 * into c->sites and the neighbours' c_pk/s_pk and verified flags; returns
 * how many neighbours passed. FL_E_NOMEM. */
int fl_secagg_client_check_adverts(fl_secagg_client *c,
				   const fl_secagg_advert **idx, uint32_t *nok);
/* R1: the certificate (pem, len bytes) has role site, the name the context
 * gives id, and is the member of that name with that key. 0, FL_E_PARSE or
 * FL_E_MEMBER. */
int fl_secagg_member_check(const fl_secagg_trust *tr, uint32_t id,
			   const char *pem, size_t len);
/* The same from what the certificate says (f, read by fl_verifier_cert or
 * fl_cert_facts_read); nothing of the member list is cached. */
int fl_secagg_member_facts(const fl_secagg_trust *tr, uint32_t id,
			   const fl_cert_facts *f);
/* Number of distinct organisations among ids (count of them), not counting
 * this client's own. */
uint32_t fl_secagg_client_orgs(const fl_secagg_client *c, const uint32_t *ids,
			       uint32_t count);
/* Sets c->why (printf-style) and returns err. */
int fl_secagg_client_refuse(fl_secagg_client *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
