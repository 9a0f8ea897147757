/* SPDX-License-Identifier: Apache-2.0 */
/* it_badclient: what the hostile site client's files share: the failure
 * count and status check (it_badclient.c), and for --secagg the attempt
 * under attack with its send, upload and wait helpers (it_badclient_sa.c)
 * and the attacks of each phase (it_badclient_sa_attack.c). */
#ifndef IT_BADCLIENT_H
#define IT_BADCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "fl_codec.h"
#include "fl_codec_secagg.h"
#include "fl_rpc.h"
#include "fl_secagg.h"

/* Failed checks so far; main's exit status. */
extern int fails;

/* Prints ok or FAIL for one check (a FAIL counts in fails). */
void expect(const char *what, int got_code, int want_code, const char *detail);
/* One unary call with raw bytes; *st gets its status. */
void raw_unary(fl_rpc_channel *ch, const char *method, const uint8_t *b,
	       size_t n, fl_rpc_status *st);

/* ==== --secagg: a selected site that attacks every phase of an attempt ====
 * Each hostile message must get the gRPC status named at its expect() call
 * (3 INVALID_ARGUMENT, 7 PERMISSION_DENIED, 9 FAILED_PRECONDITION) and leave
 * the attempt intact: this site also advertises and shares honestly, then
 * never uploads, so it drops out in the input phase and the honest sites'
 * round completes without it (it_security.sh checks the job). */

#define ST_INVALID 3
#define ST_DENIED 7
#define ST_PRECONDITION 9

typedef struct sa_bad {
	fl_rpc_channel *ch;
	fl_msg_task t;             /* the attempt under attack */
	fl_secagg_params p;
	fl_secagg_client *c;
	fl_secagg_advert adv;      /* our valid advert */
	fl_secagg_shares sh;       /* our valid shares */
	fl_sign_key *key;
	fl_verifier *ver;
	char *cert, *other;        /* PEM: ours, another site's */
	size_t cert_len, other_len;
	const char *dataset;
	fl_members members;        /* CA_DIR/members.txt */
	char **names;              /* the attempt's participants */
	fl_secagg_trust trust;
} sa_bad;

/* A growing byte buffer, for hand-made protobuf. */
typedef struct sa_wbuf {
	uint8_t *b;
	size_t n, cap;
} sa_wbuf;

void sa_wb_put(sa_wbuf *w, const void *p, size_t n);
void sa_wb_varint(sa_wbuf *w, uint64_t v);
/* A length-delimited field (wire type 2). */
void sa_wb_bytes(sa_wbuf *w, uint32_t field, const void *p, size_t n);

/* Sends raw bytes (the buffer is freed) and checks the status. */
int sa_send(sa_bad *x, const char *method, uint8_t *buf, size_t len,
	    const char *what, int want);
fl_secagg_hdr sa_hdr(const sa_bad *x);
void sa_send_hdr(sa_bad *x, const char *method, const char *what, int want);
void sa_send_advert(sa_bad *x, const fl_secagg_advert *a, const char *what,
		    int want);
void sa_send_shares(sa_bad *x, const fl_secagg_shares *sh, const char *what,
		    int want);
/* An upload stream: the header (unless h is NULL), then one data chunk of
 * dlen bytes if data is not NULL. */
void sa_update(sa_bad *x, const fl_msg_update_header *h,
	       const uint8_t *data, size_t dlen, const char *what, int want);
fl_msg_update_header sa_upd_hdr(const sa_bad *x);
/* Polls (with our dataset or none) into *t (caller clears). */
int sa_poll(sa_bad *x, int with_dataset, fl_msg_task *t);
/* Waits until the attempt under attack (any, if none yet) is in phase
 * (FL_SA_OFF: until we have no task any more). */
int sa_wait(sa_bad *x, enum fl_sa_phase phase, int seconds);

/* The attacks, one per phase (it_badclient_sa_attack.c). */
void sa_attack_advertise(sa_bad *x);
void sa_attack_share(sa_bad *x);
void sa_attack_input(sa_bad *x);
void sa_attack_dropped(sa_bad *x);

/* it_badclient --secagg HOST:PORT CA CERT KEY OTHER_CERT DATASET (argv[0]
 * is "--secagg"); 0 when every hostile message got its status. */
int it_sa_main(int argc, char **argv);

#endif
