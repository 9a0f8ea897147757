/* SPDX-License-Identifier: Apache-2.0 */
/* coord_svc: the handlers' context (struct coord_service) and the helpers
 * every handler uses for its call (coord_svc.c). */
#ifndef COORD_SVC_H
#define COORD_SVC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coord_caller.h"
#include "coord_engine.h"
#include "coord_store.h"
#include "fl_rpc.h"

/* The handlers' context (pass it as ctx to fl_rpc_server_new). Borrowed
 * pointers; they must outlive the server. */
typedef struct coord_service {
	coord_store *st;
	coord_engine *eng;
	/* signs the ledger; GetLedger sends its certificate (NULL: none) */
	struct coord_ledger_signer *ledger;
	/* the online CA ([ca] of the config): enrollment, renewal, CRLs;
	 * NULL when the CA is kept offline */
	struct coord_ca *ca;
	/* certificates seen per site, recorded once (coord_certs.h) */
	struct coord_certs *certs;
	/* the CA-signed member list it hands out (coord_members.h); NULL or
	 * version 0: none */
	struct coord_members *members;
	/* masked uploads streaming now (at most COORD_MAX_UPLOADS) */
	atomic_uint uploads;
	/* the server these handlers run in (borrowed; NULL in unit tests):
	 * a new CRL answers the agents' held polls at once */
	struct fl_rpc_server *srv;
} coord_service;

/*
 * Masked uploads admitted at once; the others are deferred (FL_E_BUSY)
 * before they send any data, and their agents retry within the phase. All
 * sites upload within the same seconds, and gRPC sizes each connection's
 * read buffer by its burst: admitting a few at a time bounds that memory
 * (tests/load, 200 sites: peak RSS 81 -> 78 MiB with agents' channel
 * recycling; 93 -> 79 MiB without). Must stay below the server's worker
 * count (fl_rpc_server.c) so that polls are served meanwhile.
 */
#define COORD_MAX_UPLOADS 8u

/* Authenticates the call for its method; fills *who. */
int coord_svc_auth(coord_service *svc, fl_rpc_call *call, coord_caller *who,
		   char *errmsg);
/* Receives the one request message of a unary or server-streaming call. */
int coord_svc_recv_one(fl_rpc_call *call, uint8_t **buf, size_t *len,
		       char *errmsg);
/* The start of most handlers: *who zeroed, then coord_svc_auth, then
 * coord_svc_recv_one (*buf is the caller's to free). */
int coord_svc_begin(coord_service *svc, fl_rpc_call *call, coord_caller *who,
		    uint8_t **buf, size_t *len, char *errmsg);
/* Streams an encoded model in COORD_MODEL_CHUNK_BYTES chunks. */
int coord_svc_send_model(fl_rpc_call *call, const coord_blob *b, char *errmsg);
/* A whole GetModel call: the model's chunks, or the call's error. as_site:
 * the caller's name goes to coord_engine_model, which serves only a site
 * selected in the job's current round; false: an operator's call (site
 * NULL), for the Control service. */
void coord_svc_get_model(coord_service *svc, fl_rpc_call *call, bool as_site);
/* A stored site row made live: last_seen_ms from the engine if it saw the
 * site later than the store did, and online (seen within the engine's
 * offline_after, and not revoked) at now_ms. */
void coord_svc_site_live(coord_service *svc, fl_msg_site_info *s, int64_t now_ms);
/* Sends one encoded reply and frees it. */
int coord_svc_send(fl_rpc_call *call, uint8_t *buf, size_t len, char *errmsg);
/* Sends the reply that an encoder made (enc: its result; buf, len: its
 * output, freed); if enc failed, "cannot encode WHAT: ..." and enc. */
int coord_svc_reply(fl_rpc_call *call, int enc, uint8_t *buf, size_t len,
		    const char *what, char *errmsg);
/* One unary call as its method's function sees it (coord_svc_unary). */
typedef struct coord_unary {
	coord_service *svc;
	const coord_caller *who;   /* the authenticated caller */
	const uint8_t *buf;        /* the request (borrowed) */
	size_t len;
	uint8_t *out;              /* the encoded reply: set only on success; */
	size_t outlen;             /* coord_svc_unary sends and frees it */
	bool secret_out;           /* the reply holds a secret: wiped before free */
	char *msg;                 /* FL_ERRMSG_BYTES: why it failed */
} coord_unary;
/* A unary method's own part: decode u->buf, act, encode the reply into
 * u->out. Returns 0, or an FL_E_* code with u->msg set. A function type:
 * the methods are declared with it (coord_service.h). */
typedef int coord_unary_fn(coord_unary *u);
/* A whole unary call: coord_svc_begin, fn, the reply if fn gave one, then
 * the call's status (errmsg on failure). */
void coord_svc_unary(coord_service *svc, fl_rpc_call *call, coord_unary_fn *fn);
/* For a coord_unary_fn: "bad NAME: ..." for a request that does not decode
 * (dec: the decoder's result); returns dec. */
int coord_svc_bad(int dec, const char *name, char *errmsg);
/* For a coord_unary_fn: "cannot encode WHAT: ..." when the encoder failed
 * (enc: its result); returns enc. */
int coord_svc_encoded(int enc, const char *what, char *errmsg);
/* For a coord_unary_fn u: decodes the request u->buf with dec (an
 * fl_codec_decode_* function) into *req, as coord_svc_bad with NAME. A
 * macro so that each decoder keeps its own request type. */
#define COORD_UNARY_DECODE(u, dec, req, name) \
	coord_svc_bad(dec((u)->buf, (u)->len, (req)), (name), (u)->msg)
/* For a coord_unary_fn u: encodes *rep with enc (an fl_codec_encode_*
 * function) as the reply u->out, as coord_svc_encoded with WHAT. */
#define COORD_UNARY_REPLY(u, enc, rep, what) \
	coord_svc_encoded(enc((rep), &(u)->out, &(u)->outlen), (what), (u)->msg)
/* For a coord_unary_fn: "DOING: ..." when a step failed (r: its result,
 * e.g. a store call's; doing: "cannot read the rounds"); returns r. */
int coord_svc_failed(int r, const char *doing, char *errmsg);
/* coord_store_job_get (info and spec as there), with "no job ID" or
 * "cannot read job ID" in errmsg when it fails; returns its result. */
int coord_svc_job_get(coord_store *st, uint64_t id, fl_msg_job_info *info,
		      char **spec, char *errmsg);
/* For a coord_unary_fn: encodes an Empty reply into *out. */
int coord_svc_empty(uint8_t **out, size_t *outlen, char *errmsg);

#endif
