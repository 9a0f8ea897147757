/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_msg: the plain C messages of the secure-aggregation protocol. */
#ifndef FL_SECAGG_MSG_H
#define FL_SECAGG_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fl_aead.h"
#include "fl_kx.h"
#include "fl_shamir.h"
#include "fl_sign.h"

/*
 * Every message carries the round attempt it belongs to (job, round,
 * attempt) and client ids (1..n). Fixed-size fields are arrays; variable
 * parts are owned heap buffers released by the matching *_clear function
 * (which wipes and zeroes the struct and accepts NULL or a zeroed struct).
 * A transport can serialise each field as-is.
 */
#define FL_SECAGG_DIGEST_BYTES 32

typedef struct fl_secagg_hdr {
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
} fl_secagg_hdr;

/* Phase 1, client -> server, relayed to all: two X25519 public keys signed
 * by the site key, and the site certificate that verifies the signature. */
typedef struct fl_secagg_advert {
	fl_secagg_hdr hdr;
	uint32_t client;
	uint8_t c_pk[FL_KX_PUBLIC_BYTES];   /* share encryption */
	uint8_t s_pk[FL_KX_PUBLIC_BYTES];   /* pairwise masks */
	uint8_t sig[FL_SIG_MAX_BYTES];
	uint32_t sig_len;
	char *cert_pem;                     /* owned, cert_len bytes */
	size_t cert_len;
} fl_secagg_advert;

/* Server -> clients: every advert received (sorted by client id). */
typedef struct fl_secagg_keylist {
	fl_secagg_hdr hdr;
	uint32_t count;
	fl_secagg_advert *adverts;          /* owned, count entries */
} fl_secagg_keylist;

/* Phase 2: one encrypted pair of shares (of s_sk and of b) from sender to
 * recipient: AEAD(nonce || enc(b share || s_sk share) || tag). */
#define FL_SECAGG_SHARE_PT_BYTES (2 * FL_SHAMIR_SHARE_BYTES)
#define FL_SECAGG_SHARE_CT_BYTES (FL_SECAGG_SHARE_PT_BYTES + FL_AEAD_OVERHEAD)
typedef struct fl_secagg_enc_share {
	uint32_t sender;
	uint32_t recipient;
	uint8_t ct[FL_SECAGG_SHARE_CT_BYTES];
} fl_secagg_enc_share;

/* A client's outgoing shares (all from one sender), or the server's list of
 * shares for one recipient. */
typedef struct fl_secagg_shares {
	fl_secagg_hdr hdr;
	uint32_t client;                    /* the sender, or the recipient */
	uint32_t count;
	fl_secagg_enc_share *items;         /* owned */
} fl_secagg_shares;

/* Phase 4 (optional consistency check), client -> server: the client's
 * signature of the survivor list. */
typedef struct fl_secagg_csig {
	fl_secagg_hdr hdr;
	uint32_t client;
	uint8_t sig[FL_SIG_MAX_BYTES];
	uint32_t sig_len;
} fl_secagg_csig;

/* Server -> clients: who survived (their masked input arrived whole) and who
 * dropped after sharing. With the consistency check, also the survivors'
 * signatures of this list (ncsigs is 0 before that phase). */
typedef struct fl_secagg_unmask_req {
	fl_secagg_hdr hdr;
	uint32_t nsurvivors;
	uint32_t *survivors;                /* owned, increasing ids */
	uint32_t ndropped;
	uint32_t *dropped;                  /* owned, increasing ids */
	uint32_t ncsigs;
	fl_secagg_csig *csigs;              /* owned */
} fl_secagg_unmask_req;

enum fl_secagg_share_kind {
	FL_SECAGG_SHARE_B = 1,    /* self-mask seed b_u of a survivor */
	FL_SECAGG_SHARE_SK = 2    /* mask secret key s_sk of a dropped client */
};

typedef struct fl_secagg_unmask_entry {
	uint32_t owner;           /* whose secret this is a share of */
	uint32_t kind;            /* enum fl_secagg_share_kind */
	uint8_t y[FL_SHAMIR_SHARE_BYTES];
} fl_secagg_unmask_entry;

/* Phase 5, client -> server: the shares the request calls for. The share's
 * x coordinate is the sender's id. */
typedef struct fl_secagg_unmask_resp {
	fl_secagg_hdr hdr;
	uint32_t client;
	uint32_t count;
	fl_secagg_unmask_entry *entries;    /* owned, wiped on clear */
} fl_secagg_unmask_resp;

void fl_secagg_advert_clear(fl_secagg_advert *m);
void fl_secagg_keylist_clear(fl_secagg_keylist *m);
void fl_secagg_shares_clear(fl_secagg_shares *m);
void fl_secagg_unmask_req_clear(fl_secagg_unmask_req *m);
void fl_secagg_unmask_resp_clear(fl_secagg_unmask_resp *m);

/* Deep copies; dst is overwritten (not cleared first). FL_E_NOMEM. */
int fl_secagg_advert_copy(fl_secagg_advert *dst, const fl_secagg_advert *src);
int fl_secagg_unmask_req_copy(fl_secagg_unmask_req *dst,
			      const fl_secagg_unmask_req *src);

/* The bytes a client signs in phase 1: "fedc-secagg-advert-v2" || ctx(32)
 * || job(8) || round(4) || attempt(4) || client(4) || c_pk || s_pk
 * (integers LE); ctx is the signer's round-context digest (R2). */
#define FL_SECAGG_ADVERT_MSG_BYTES (21 + FL_SECAGG_DIGEST_BYTES + 20 + \
				    2 * FL_KX_PUBLIC_BYTES)
void fl_secagg_advert_msg(const fl_secagg_advert *a,
			  const uint8_t ctx[static FL_SECAGG_DIGEST_BYTES],
			  uint8_t out[static FL_SECAGG_ADVERT_MSG_BYTES]);

/* The key-list digest: SHA-256 of "fedc-secagg-keylist-v1" || ctx ||
 * count(4) || for each advert by increasing id: client(4) || c_pk || s_pk
 * || sig_len(4) || sig || SHA-256(cert PEM). Adverts must be sorted by id
 * and unique (FL_E_INVAL otherwise). */
int fl_secagg_keylist_digest(const fl_secagg_keylist *kl,
			     const uint8_t ctx[static FL_SECAGG_DIGEST_BYTES],
			     uint8_t out[static FL_SECAGG_DIGEST_BYTES]);

/* The bytes signed in phase 4: "fedc-secagg-survivors-v2" || ctx(32) ||
 * keylist digest(32) || job || round || attempt || nsurvivors(4) ||
 * survivors (4 each) || ndropped(4) || dropped. Returns a malloc'd buffer
 * (caller frees) or NULL. */
uint8_t *fl_secagg_survivors_msg(const fl_secagg_unmask_req *r,
				 const uint8_t ctx[static FL_SECAGG_DIGEST_BYTES],
				 const uint8_t kl[static FL_SECAGG_DIGEST_BYTES],
				 size_t *len);

/* Checks the survivor and dropped lists of a request against n and marks
 * mark[id] = FL_SECAGG_SHARE_B (survivor) or FL_SECAGG_SHARE_SK (dropped);
 * mark has n + 1 zeroed bytes. FL_E_DENIED if an id is out of range or
 * listed twice (in one list or in both). */
int fl_secagg_lists_mark(const fl_secagg_unmask_req *req, uint32_t n, uint8_t *mark);

#endif
