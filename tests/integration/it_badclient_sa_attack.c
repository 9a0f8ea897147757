/* SPDX-License-Identifier: Apache-2.0 */
/* it_badclient_sa_attack: the hostile messages of it_badclient --secagg,
 * one function per phase of the attempt under attack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_codec.h"
#include "fl_codec_secagg.h"
#include "fl_err.h"
#include "fl_rpc.h"
#include "fl_sa_context.h"
#include "fl_secagg.h"
#include "it_badclient.h"

/* Phase 1: wrong phase, wrong attempt, wrong identity, bad sizes; then the
 * valid advert and its replay. */
void sa_attack_advertise(sa_bad *x)
{
	fl_msg_update_header uh = sa_upd_hdr(x);
	fl_secagg_advert a;
	fl_secagg_shares sh;
	fl_secagg_csig cs;
	fl_secagg_unmask_resp ur;
	sa_wbuf w = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	static const char garbage_pem[] = "-----BEGIN CERTIFICATE-----\n"
		"MIIBxzCCAW2gAwIBAgIBBTAKBggqhkjOPQQDAjAXMRUwEwYDVQQDDAxmZWRj\n"
		"-----END CERTIFICATE-----\n";

	sa_send_hdr(x, FL_RPC_SA_GET_KEYS, "advertise phase: GetKeys before the key list", ST_PRECONDITION);
	sa_send_hdr(x, FL_RPC_SA_GET_SHARES, "advertise phase: GetShares", ST_PRECONDITION);
	sa_send_hdr(x, FL_RPC_SA_GET_UNMASK, "advertise phase: GetUnmask", ST_PRECONDITION);
	memset(&sh, 0, sizeof(sh));
	sh.hdr = sa_hdr(x);
	sh.client = x->t.sa.client_id;
	sa_send_shares(x, &sh, "advertise phase: PutShares before the key list", ST_PRECONDITION);
	sa_update(x, &uh, NULL, 0, "advertise phase: a masked upload", ST_PRECONDITION);
	memset(&cs, 0, sizeof(cs));
	cs.hdr = sa_hdr(x);
	cs.client = x->t.sa.client_id;
	cs.sig_len = 8;
	if (fl_codec_encode_sa_csig(&cs, &buf, &len) == 0)
		sa_send(x, FL_RPC_SA_PUT_CONSISTENCY, buf, len,
			"advertise phase: PutConsistency", ST_PRECONDITION);
	memset(&ur, 0, sizeof(ur));
	ur.hdr = sa_hdr(x);
	ur.client = x->t.sa.client_id;
	if (fl_codec_encode_sa_unmask_resp(&ur, &buf, &len) == 0)
		sa_send(x, FL_RPC_SA_PUT_UNMASK, buf, len, "advertise phase: PutUnmask",
			ST_PRECONDITION);

	if (fl_secagg_client_advertise(x->c, &x->adv) != 0) {
		expect("make a valid advert", -1, 0, "fl_secagg_client_advertise failed");
		return;
	}
	a = x->adv;   /* shallow: cert_pem stays owned by x->adv */
	a.hdr.job_id += 1000;
	sa_send_advert(x, &a, "advert for another job", ST_PRECONDITION);
	a = x->adv;
	a.hdr.round++;
	sa_send_advert(x, &a, "advert for the next round", ST_PRECONDITION);
	a = x->adv;
	a.hdr.attempt++;
	sa_send_advert(x, &a, "advert for another attempt", ST_PRECONDITION);
	a = x->adv;
	a.client = x->t.sa.client_id % x->t.sa.n + 1;
	sa_send_advert(x, &a, "advert claiming another site's client id", ST_DENIED);
	a.client = x->t.sa.n + 1;
	sa_send_advert(x, &a, "advert with a client id past n", ST_DENIED);
	a = x->adv;
	a.cert_pem = x->other;
	a.cert_len = x->other_len;
	sa_send_advert(x, &a, "advert carrying another site's certificate", ST_DENIED);
	a.cert_pem = (char *)(uintptr_t)garbage_pem;
	a.cert_len = sizeof(garbage_pem) - 1;
	sa_send_advert(x, &a, "advert with a certificate that does not parse", ST_INVALID);
	a = x->adv;
	a.sig_len = 0;
	sa_send_advert(x, &a, "advert without a signature", ST_INVALID);
	/* c_pk of 31 bytes, and a 9000-byte certificate (the later field wins) */
	a = x->adv;
	if (fl_codec_encode_sa_advert(&a, &buf, &len) == 0) {
		uint8_t pk[31] = { 0 };

		sa_wb_put(&w, buf, len);
		free(buf);
		sa_wb_bytes(&w, 3, pk, sizeof(pk));
		sa_send(x, FL_RPC_SA_ADVERTISE, w.b, w.n, "advert with a 31-byte key", ST_INVALID);
		memset(&w, 0, sizeof(w));
	}
	if (fl_codec_encode_sa_advert(&a, &buf, &len) == 0) {
		char *big = malloc(9000);

		if (big) {
			memset(big, 'A', 9000);
			sa_wb_put(&w, buf, len);
			sa_wb_bytes(&w, 6, big, 9000);
			sa_send(x, FL_RPC_SA_ADVERTISE, w.b, w.n,
				"advert with a 9000-byte certificate", ST_INVALID);
			memset(&w, 0, sizeof(w));
			free(big);
		}
		free(buf);
	}
	sa_send_advert(x, &x->adv, "the valid advert", 0);
	/* FAILED_PRECONDITION either way: a replay, or the phase has closed */
	sa_send_advert(x, &x->adv, "the same advert again (replay)", ST_PRECONDITION);
}

/* Phase 2: bad share lists, identity, replay; our valid shares in between. */
void sa_attack_share(sa_bad *x)
{
	fl_msg_update_header uh = sa_upd_hdr(x);
	fl_secagg_keylist kl;
	fl_secagg_shares s;
	fl_secagg_enc_share *items;
	fl_rpc_status st;
	uint8_t *resp = NULL, *buf = NULL;
	size_t rlen = 0, len = 0;
	uint32_t n;

	sa_send_advert(x, &x->adv, "share phase: Advertise after the phase closed", ST_PRECONDITION);
	sa_send_hdr(x, FL_RPC_SA_GET_SHARES, "share phase: GetShares before routing", ST_PRECONDITION);
	sa_update(x, &uh, NULL, 0, "share phase: a masked upload", ST_PRECONDITION);
	memset(&kl, 0, sizeof(kl));
	{
		fl_secagg_hdr h = sa_hdr(x);

		if (fl_codec_encode_sa_hdr(&h, &buf, &len) == 0)
			fl_rpc_unary(x->ch, FL_RPC_SA_GET_KEYS, buf, len, 5000, &resp,
				     &rlen, &st);
		free(buf);
	}
	if (!resp || fl_codec_decode_sa_keylist(resp, rlen, &kl) != 0 ||
	    fl_secagg_client_share(x->c, &kl, &x->sh) != 0 || x->sh.count < 2) {
		expect("share phase: GetKeys and valid shares", -1, 0, "failed");
		free(resp);
		fl_secagg_keylist_clear(&kl);
		return;
	}
	free(resp);
	printf("ok: GetKeys: %u adverts; %u valid shares made\n", kl.count, x->sh.count);
	fl_secagg_keylist_clear(&kl);
	n = x->sh.count;
	if (!(items = calloc((size_t)n + 1, sizeof(*items))))
		return;
	s = x->sh;
	s.items = items;
#define SA_RESET() memcpy(items, x->sh.items, (size_t)n * sizeof(*items))
	SA_RESET();
	s.client = x->t.sa.client_id % x->t.sa.n + 1;
	sa_send_shares(x, &s, "shares claiming another site's client id", ST_DENIED);
	s.client = x->sh.client;
	s.hdr.attempt++;
	sa_send_shares(x, &s, "shares for another attempt", ST_PRECONDITION);
	s.hdr = x->sh.hdr;
	items[0].sender = x->t.sa.client_id % x->t.sa.n + 1;
	sa_send_shares(x, &s, "a share whose sender is another site", ST_INVALID);
	SA_RESET();
	items[0].recipient = x->t.sa.n + 5;
	sa_send_shares(x, &s, "a share for a recipient past n", ST_INVALID);
	items[0].recipient = 0;
	sa_send_shares(x, &s, "a share for recipient 0", ST_INVALID);
	items[0].recipient = x->t.sa.client_id;
	sa_send_shares(x, &s, "a share for ourselves", ST_INVALID);
	SA_RESET();
	items[1].recipient = items[0].recipient;
	sa_send_shares(x, &s, "two shares for one recipient", ST_INVALID);
	SA_RESET();
	items[n] = items[0];
	s.count = n + 1;
	sa_send_shares(x, &s, "more shares than neighbours (k + 1)", ST_INVALID);
	s.count = n;
	SA_RESET();
#undef SA_RESET
	free(items);
	/* 1001 items (the codec's cap is 1000), and a 10-byte ciphertext */
	if (fl_codec_encode_sa_shares(&x->sh, &buf, &len) == 0) {
		sa_wbuf w = { 0 }, it = { 0 };
		uint8_t ct[10] = { 0 };

		sa_wb_put(&w, buf, len);
		sa_wb_bytes(&it, 3, x->sh.items[0].ct, sizeof(x->sh.items[0].ct));
		for (int i = 0; i < 1001; i++)
			sa_wb_bytes(&w, 3, it.b, it.n);
		sa_send(x, FL_RPC_SA_PUT_SHARES, w.b, w.n, "1001 shares in one message",
			ST_INVALID);
		free(it.b);
		memset(&w, 0, sizeof(w));
		memset(&it, 0, sizeof(it));
		sa_wb_put(&w, buf, len);
		sa_wb_bytes(&it, 3, ct, sizeof(ct));
		sa_wb_bytes(&w, 3, it.b, it.n);
		sa_send(x, FL_RPC_SA_PUT_SHARES, w.b, w.n, "a share with a 10-byte ciphertext",
			ST_INVALID);
		free(it.b);
		free(buf);
	}
	sa_send_shares(x, &x->sh, "the valid shares", 0);
	sa_send_shares(x, &x->sh, "the same shares again (replay)", ST_PRECONDITION);
}

/* Phase 3: uploads of the wrong shape; we never send a word of the vector
 * (a partial upload would abort the attempt by design). */
void sa_attack_input(sa_bad *x)
{
	fl_msg_update_header uh = sa_upd_hdr(x);
	uint64_t m = x->t.sa.words;
	uint8_t *words = calloc(m + 1, 4);

	sa_send_hdr(x, FL_RPC_SA_GET_SHARES, "input phase: GetShares (routed to us)", 0);
	sa_send_shares(x, &x->sh, "input phase: PutShares after the phase closed", ST_PRECONDITION);
	sa_send_advert(x, &x->adv, "input phase: Advertise", ST_PRECONDITION);
	uh.words = m + 1;
	sa_update(x, &uh, NULL, 0, "upload header: vector length != layout (m + 1)", ST_INVALID);
	uh.words = 1;
	sa_update(x, &uh, NULL, 0, "upload header: vector length 1", ST_INVALID);
	uh = sa_upd_hdr(x);
	uh.encoding = FL_ENC_F64;
	sa_update(x, &uh, NULL, 0, "upload: a plain (F64) vector", ST_PRECONDITION);
	uh = sa_upd_hdr(x);
	uh.kind = x->t.kind == FL_TASK_TRAIN ? FL_TASK_EVAL : FL_TASK_TRAIN;
	sa_update(x, &uh, NULL, 0, "upload: the wrong task kind", ST_PRECONDITION);
	uh = sa_upd_hdr(x);
	uh.round++;
	sa_update(x, &uh, NULL, 0, "upload: the next round", ST_PRECONDITION);
	uh = sa_upd_hdr(x);
	uh.job_id += 1000;
	sa_update(x, &uh, NULL, 0, "upload: another job", ST_PRECONDITION);
	uh = sa_upd_hdr(x);
	uh.context[0] ^= 1;
	sa_update(x, &uh, NULL, 0, "upload: another round context (R2)", ST_PRECONDITION);
	uh.has_context = false;
	sa_update(x, &uh, NULL, 0, "upload: no round context (R2)", ST_PRECONDITION);
	uh = sa_upd_hdr(x);
	if (words) {
		sa_update(x, &uh, words, (m + 1) * 4,
			  "upload: a chunk past m (offset + count > m)", ST_INVALID);
		sa_update(x, &uh, words, 6, "upload: a chunk of 6 bytes (not whole words)",
			  ST_INVALID);
		sa_update(x, NULL, words, 8, "upload: data before the header", ST_INVALID);
	}
	free(words);
}

/* After we were dropped from the input phase. */
void sa_attack_dropped(sa_bad *x)
{
	fl_msg_update_header uh = sa_upd_hdr(x);
	fl_secagg_unmask_resp ur;
	uint8_t *buf = NULL;
	size_t len = 0;

	sa_send_hdr(x, FL_RPC_SA_GET_UNMASK, "dropped: GetUnmask", ST_PRECONDITION);
	memset(&ur, 0, sizeof(ur));
	ur.hdr = sa_hdr(x);
	ur.client = x->t.sa.client_id;
	if (fl_codec_encode_sa_unmask_resp(&ur, &buf, &len) == 0)
		sa_send(x, FL_RPC_SA_PUT_UNMASK, buf, len, "dropped: PutUnmask", ST_PRECONDITION);
	sa_update(x, &uh, NULL, 0, "dropped: a late masked upload", ST_PRECONDITION);
	sa_send_shares(x, &x->sh, "dropped: the shares again", ST_PRECONDITION);
}
