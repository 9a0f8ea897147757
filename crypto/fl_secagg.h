/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg: secure aggregation (SecAgg / SecAgg+) as pure state machines. */
#ifndef FL_SECAGG_H
#define FL_SECAGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fl_members.h"
#include "fl_secagg_msg.h"
#include "fl_sign.h"

/*
 * One round attempt: n selected clients with ids 1..n. Each client is
 * paired with k neighbours of a k-regular graph derived from the public
 * round seed (k = n - 1 is full SecAgg, smaller k is SecAgg+). A client's
 * secrets (s_sk and b) are Shamir-shared among its closed neighbourhood:
 * its verified neighbours plus itself (it keeps its own share of b and
 * reveals it only as a survivor), as in Bonawitz et al. where shares go to
 * all of U1. The threshold t is taken per neighbourhood: 1 <= t <= k and
 * 2t > k + 1; sites demand 2t > k + 1 + c against c colluders. The
 * paper's t > 2n/3 for a malicious server is replaced by the signed
 * survivor list (SECAGG.md R4, R5): holders reveal b_u only for a u on the
 * one list that q > (n + c) / 2 sites signed, and s_sk_v only for a v not
 * on it, so no secret is revealed both ways. b_u needs t answers among u's
 * neighbourhood (u's own included) and s_sk_v needs t answers from v's
 * neighbours. The
 * round also aborts whenever fewer than t clients remain in a phase
 * (FL_E_THRESHOLD). Vectors are m words mod 2^32.
 *
 * Phase order (server side / client side):
 *   1 advertise  client_advertise -> server_add_advert ... server_keylist
 *   2 share      client_share(keylist) -> server_add_shares ...
 *                server_close_shares; server_shares_for(v) -> client_recv_shares
 *   3 input      client_mask_chunk ... -> server_add_chunk ...
 *                server_close_input -> unmask request (survivors, dropped)
 *   4 (optional) client_consistency(req) -> server_add_consistency ...
 *                server_close_consistency -> request with signatures
 *   5 unmask     client_unmask(req) -> server_add_unmask ...
 *                server_finish -> the sum of the survivors' inputs
 * A message for another round attempt, from an unknown or repeated sender,
 * or with wrong lengths returns an error and leaves the state unchanged.
 */
#define FL_SECAGG_MAX_CLIENTS 1000u
#define FL_SECAGG_MAX_WORDS (1ull << 28)

typedef struct fl_secagg_params {
	uint64_t job_id;
	uint32_t round;
	uint32_t attempt;
	uint32_t n;                     /* clients, ids 1..n */
	uint32_t t;                     /* threshold per neighbourhood */
	uint32_t k;                     /* neighbours (n - 1: full SecAgg) */
	uint64_t m;                     /* vector length in 32-bit words */
	uint8_t round_seed[FL_SEED_BYTES];  /* public; derives the graph */
	bool consistency;               /* run phase 4 (clients require it) */
	/* Survivor-list signatures the server collects before unmasking
	 * (0: t). Clients demand their own quorum (fl_secagg_quorum). */
	uint32_t q;
	/* Digest of the whole round context (SECAGG.md R2): every advert
	 * signs it, so peers that were given another context are refused. */
	uint8_t ctx[FL_SECAGG_DIGEST_BYTES];
} fl_secagg_params;

/* 0 or FL_E_INVAL (the rules above; also k * n must be even, 2 <= n <=
 * FL_SECAGG_MAX_CLIENTS, 1 <= m <= FL_SECAGG_MAX_WORDS, q <= n). */
int fl_secagg_params_check(const fl_secagg_params *p);

/*
 * What an agent trusts and demands against an untrusted coordinator
 * (SECAGG.md "Threat model", R1-R5). T and c are counted in member
 * organisations: T is the smallest group of honest sites this site may be
 * summed with (T >= 2), c the number of sites that may collude with the
 * coordinator.
 */
typedef struct fl_secagg_trust {
	const fl_members *members;   /* R1: the pinned member list (borrowed) */
	const char *const *names;    /* names[id - 1]: the context's site name of
				      * id, n entries (borrowed; in the context
				      * digest) */
	uint32_t min_honest;         /* T */
	uint32_t colluders;          /* c */
} fl_secagg_trust;

/* The smallest number q of survivor-list signatures with 2q > n + c: no
 * two lists can both gather q when honest sites sign at most one. */
uint32_t fl_secagg_quorum(uint32_t n, uint32_t c);

/* Whether p is safe for a site demanding T and c (R3, R4, R5): consistency
 * on, 2t > k + 1 + c, n >= T + c, k >= T - 1 + c, and for SecAgg+ (k < n - 1,
 * where the coordinator picks the graph seed) c + T <= t. 0, or FL_E_UNSAFE
 * with "R5: ..." in why (FL_ERRMSG_BYTES, may be NULL). */
int fl_secagg_params_safe(const fl_secagg_params *p, uint32_t min_honest,
			  uint32_t colluders, char *why);

/* ---- neighbour graph ---------------------------------------------------
 * A Harary-style circulant graph: the ids are placed on a ring in the order
 * of a permutation drawn from AES-CTR(round_seed) (Fisher-Yates, rejection
 * sampling), and each id is joined to the k/2 nearest on each side, plus the
 * opposite id when k is odd (n is then even). k = n - 1 gives the complete
 * graph. Everyone derives the same graph from the public seed. */
typedef struct fl_secagg_graph fl_secagg_graph;

/* Caller owns *out (fl_secagg_graph_free). FL_E_INVAL, FL_E_NOMEM. */
int fl_secagg_graph_new(uint32_t n, uint32_t k,
			const uint8_t seed[static FL_SEED_BYTES],
			fl_secagg_graph **out);
void fl_secagg_graph_free(fl_secagg_graph *g);
/* True if u != v are joined (ids out of range give false). */
bool fl_secagg_graph_edge(const fl_secagg_graph *g, uint32_t u, uint32_t v);
/* Writes u's k neighbours in increasing order to out; returns k. */
uint32_t fl_secagg_graph_neighbours(const fl_secagg_graph *g, uint32_t u,
				    uint32_t *out);

/* ---- client ------------------------------------------------------------ */
typedef struct fl_secagg_client fl_secagg_client;

/* A client for one round attempt. key, verifier and trust (and what it
 * points to) are borrowed and must outlive the client; cert_pem (the
 * certificate of key) is copied. Caller owns *out (fl_secagg_client_free,
 * which wipes every secret). Errors: FL_E_INVAL (bad parameters),
 * FL_E_UNSAFE (fl_secagg_params_safe), FL_E_MEMBER (no member list, a name
 * twice in the context, or our own certificate is not the member that the
 * context names for id), FL_E_NOMEM. A refusal's reason is in why
 * (FL_ERRMSG_BYTES, may be NULL). */
int fl_secagg_client_new(const fl_secagg_params *p, uint32_t id,
			 fl_sign_key *key, fl_verifier *verifier,
			 const char *cert_pem, size_t cert_len,
			 const fl_secagg_trust *trust, fl_secagg_client **out,
			 char *why);
void fl_secagg_client_free(fl_secagg_client *c);

/* Why the client last refused something, "R4: ..." (rule first), or "". */
const char *fl_secagg_client_why(const fl_secagg_client *c);

/* Phase 1: draws two fresh X25519 keypairs and signs them. out is filled
 * (caller clears it). FL_E_STATE if called twice. */
int fl_secagg_client_advertise(fl_secagg_client *c, fl_secagg_advert *out);

/* Phase 2: checks every advert in kl (certificate chain, CRL, signature
 * over our context digest, sizes; R1: role site, the member that the
 * context names for that id, with its key; no public key twice) and shares
 * s_sk and b with the neighbours that pass; neighbours that fail or are
 * missing are treated as dropped and get nothing. Remembers the key-list
 * digest, which every later signature and share carries. Fills out
 * (caller clears it). Errors: FL_E_ROUND (wrong round attempt),
 * FL_E_VERIFY (our own advert missing or altered), FL_E_PAIRING (R4: fewer
 * than max(t, T - 1 + c) neighbours pass, or too few organisations),
 * FL_E_STATE. */
int fl_secagg_client_share(fl_secagg_client *c, const fl_secagg_keylist *kl,
			   fl_secagg_shares *out);

/* Number of neighbours refused in phase 2 (bad certificate or signature). */
uint32_t fl_secagg_client_refused(const fl_secagg_client *c);
/* Why neighbour id was refused in phase 2 (FL_E_VERIFY, FL_E_AUTH,
 * FL_E_REVOKED, FL_E_ROUND, FL_E_PARSE), 0 if it was not, FL_E_NOTFOUND if
 * id is not a neighbour. */
int fl_secagg_client_peer_status(fl_secagg_client *c, uint32_t id);

/* Phase 2 end: the shares the server routed to this client. Pairs with the
 * neighbours that both sent us a share and got one from us are masked (the
 * pairing set A_u); shares from neighbours refused in phase 2 are ignored.
 * Errors: FL_E_ROUND, FL_E_INVAL (not for us, sender not a neighbour,
 * duplicate), FL_E_PAIRING (R4: |A_u| < max(t, T - 1 + c), or A_u spans
 * fewer than T - 1 + c other organisations), FL_E_STATE. */
int fl_secagg_client_recv_shares(fl_secagg_client *c, const fl_secagg_shares *in);

/* Phase 3: y[i] = x[i] + masks[offset + i] (mod 2^32), i < count. Chunks
 * must come in order (offset = words done so far); y may equal x. After the
 * last word the mask seeds are wiped. FL_E_INVAL, FL_E_STATE. */
int fl_secagg_client_mask_chunk(fl_secagg_client *c, uint64_t offset,
				const uint32_t *x, uint32_t *y, size_t count);

/* Phase 4: signs the survivor list S (with the context and key-list
 * digests) once per attempt, only if we are on S, S can gather the quorum
 * (R5) and our paired peers on S span at least T - 1 + c other
 * organisations (R4). Errors: FL_E_ROUND, FL_E_DENIED (not on S, bad
 * lists), FL_E_PAIRING, FL_E_SURVIVORS, FL_E_STATE (already signed). */
int fl_secagg_client_consistency(fl_secagg_client *c,
				 const fl_secagg_unmask_req *req,
				 fl_secagg_csig *out);

/* Phase 5: answers once, for the list signed in phase 4 only, and only if
 * it carries valid signatures from at least max(q, fl_secagg_quorum(n, c))
 * distinct sites of the context (R5): a share of b for each paired
 * survivor whose own signature is on the list, a share of s_sk for each
 * paired neighbour not on it (R4). Refuses (FL_E_DENIED) a request naming
 * a client as both survivor and dropped, repeating an id, not naming this
 * client as a survivor, or differing from the list signed in phase 4;
 * FL_E_VERIFY for a bad signature that it checks from a verified site (a
 * paired neighbour's is always checked; the others only until the quorum
 * is proven, beyond which a signature decides nothing); FL_E_SURVIVORS
 * below the quorum; FL_E_THRESHOLD for fewer than t survivors; FL_E_STATE
 * before phase 4 or on a second request. All secrets are wiped after
 * answering. Fills out (caller clears it). */
int fl_secagg_client_unmask(fl_secagg_client *c, const fl_secagg_unmask_req *req,
			    fl_secagg_unmask_resp *out);

/* ---- server ------------------------------------------------------------ */
typedef struct fl_secagg_server fl_secagg_server;

/* Holds one m-word accumulator and O(n k) small state. Caller owns *out
 * (fl_secagg_server_free). FL_E_INVAL, FL_E_NOMEM. */
int fl_secagg_server_new(const fl_secagg_params *p, fl_secagg_server **out);
void fl_secagg_server_free(fl_secagg_server *s);

/* Phase 1. Errors: FL_E_ROUND, FL_E_AUTH (id out of range), FL_E_REPLAY
 * (duplicate), FL_E_PARSE (bad sizes), FL_E_STATE. */
int fl_secagg_server_add_advert(fl_secagg_server *s, const fl_secagg_advert *a);
/* Closes phase 1: the key list to broadcast (caller clears it).
 * FL_E_THRESHOLD (fewer than t adverts; the attempt is aborted). */
int fl_secagg_server_keylist(fl_secagg_server *s, fl_secagg_keylist *out);

/* Phase 2. Errors: FL_E_ROUND, FL_E_AUTH (sender did not advertise),
 * FL_E_REPLAY, FL_E_INVAL (recipient not a neighbour, repeated), FL_E_STATE. */
int fl_secagg_server_add_shares(fl_secagg_server *s, const fl_secagg_shares *in);
/* Closes phase 2. FL_E_THRESHOLD (fewer than t clients shared). */
int fl_secagg_server_close_shares(fl_secagg_server *s);
/* The shares for one recipient (caller clears out). FL_E_AUTH, FL_E_STATE. */
int fl_secagg_server_shares_for(fl_secagg_server *s, uint32_t recipient,
				fl_secagg_shares *out);

/* Phase 3: adds count words of client's masked vector at offset into the
 * accumulator. Chunks come in order. Errors: FL_E_AUTH (client did not
 * share keys), FL_E_REPLAY (offset already received), FL_E_INVAL (gap or
 * past m), FL_E_STATE. */
int fl_secagg_server_add_chunk(fl_secagg_server *s, uint32_t client,
			       uint64_t offset, const uint32_t *words,
			       size_t count);
/* Closes phase 3: survivors are the clients whose m words all arrived;
 * dropped are the other clients that exchanged shares both ways with a
 * survivor (so a pairwise mask must be removed). A partial upload cannot be
 * taken out of the accumulator, so it aborts the attempt (FL_E_ABORTED);
 * FL_E_THRESHOLD for fewer than t survivors. Fills req (caller clears). */
int fl_secagg_server_close_input(fl_secagg_server *s, fl_secagg_unmask_req *req);

/* Phase 4 (consistency on). add: FL_E_AUTH (not a survivor), FL_E_REPLAY,
 * FL_E_ROUND, FL_E_STATE. close: the request with the signatures attached;
 * FL_E_SURVIVORS when a survivor did not sign (its self-mask could not be
 * removed: the attempt is retried without it) or fewer than max(t, q)
 * signed. */
int fl_secagg_server_add_consistency(fl_secagg_server *s, const fl_secagg_csig *cs);
int fl_secagg_server_close_consistency(fl_secagg_server *s, fl_secagg_unmask_req *req);

/* Phase 5. Errors: FL_E_ROUND, FL_E_AUTH (not a survivor), FL_E_REPLAY,
 * FL_E_INVAL (share of a non-neighbour, wrong kind, repeated owner). */
int fl_secagg_server_add_unmask(fl_secagg_server *s, const fl_secagg_unmask_resp *r);
/* Reconstructs b for survivors and s_sk for dropped clients, removes the
 * masks and writes the sum (m words) to out. FL_E_THRESHOLD (some secret has
 * fewer than t shares: nothing is output and the accumulator is wiped),
 * FL_E_VERIFY (a reconstructed key does not match its advert). */
int fl_secagg_server_finish(fl_secagg_server *s, uint32_t *out);

/* For a coordinator that closes a phase before every client answered:
 * whether closing it now, with the messages received so far, leaves an
 * attempt that can still finish if each client that answered goes on
 * answering. Advertise and share: max(t, q) clients answered (q survivor-
 * list signatures need as many survivors). Input: no upload stopped part
 * way, max(t, q) full uploads, and t holders among those survivors for
 * every secret the unmask request will call for. Consistency: every
 * survivor signed (close_consistency refuses otherwise). Unmask: finish
 * has t shares of every secret. False in any other state. */
bool fl_secagg_server_can_close(const fl_secagg_server *s);
/* For each client u (count[1..n], n + 1 entries; count[0] unused): how
 * many clients v with among[v] != 0 (n + 1 entries) exchanged shares with
 * u both ways, so that u and v pair (each masks with the other); 0 before
 * the share phase. FL_E_INVAL, FL_E_NOMEM. */
int fl_secagg_server_pairs(const fl_secagg_server *s, const uint8_t *among,
			   uint32_t *count);

/* Diagnostics for tests: which share kind the server holds for a client
 * (0 none, else enum fl_secagg_share_kind). */
uint32_t fl_secagg_server_share_kind(const fl_secagg_server *s, uint32_t client);

#endif
