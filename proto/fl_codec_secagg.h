/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_secagg: secure-aggregation messages (crypto/fl_secagg_msg.h)
 * <-> protobuf bytes (proto/secagg.proto), with size caps. */
#ifndef FL_CODEC_SECAGG_H
#define FL_CODEC_SECAGG_H

#include <stddef.h>
#include <stdint.h>
#include "fl_secagg_msg.h"

/* Caps on decoded lists (the state machines check the protocol rules). */
#define FL_CODEC_SA_MAX_CLIENTS 1000u
#define FL_CODEC_SA_MAX_CERT 8192u

/*
 * Same conventions as fl_codec.h: encode gives a malloc'd *buf; decode
 * takes untrusted bytes, refuses over-long input (FL_E_TOOBIG), bytes that do
 * not parse (FL_E_PARSE), wrong fixed lengths (public keys not 32 bytes,
 * signatures over FL_SIG_MAX_BYTES, ciphertexts not
 * FL_SECAGG_SHARE_CT_BYTES, share values not FL_SHAMIR_SHARE_BYTES:
 * FL_E_RANGE), lists over FL_CODEC_SA_MAX_CLIENTS entries or certificates
 * over FL_CODEC_SA_MAX_CERT bytes (FL_E_TOOBIG). On error *out is untouched;
 * on success clear it with the matching fl_secagg_*_clear.
 */
#define FL_CODEC_SA_DECLARE(name, type) \
	int fl_codec_encode_##name(const type *in, uint8_t **buf, size_t *len); \
	int fl_codec_decode_##name(const uint8_t *buf, size_t len, type *out);

FL_CODEC_SA_DECLARE(sa_hdr, fl_secagg_hdr)                 /* SaHeader */
FL_CODEC_SA_DECLARE(sa_advert, fl_secagg_advert)           /* SaAdvert */
FL_CODEC_SA_DECLARE(sa_keylist, fl_secagg_keylist)         /* SaKeyList */
FL_CODEC_SA_DECLARE(sa_shares, fl_secagg_shares)           /* SaShares */
FL_CODEC_SA_DECLARE(sa_csig, fl_secagg_csig)               /* SaCsig */
FL_CODEC_SA_DECLARE(sa_unmask_req, fl_secagg_unmask_req)   /* SaUnmaskReq */
FL_CODEC_SA_DECLARE(sa_unmask_resp, fl_secagg_unmask_resp) /* SaUnmaskResp */
FL_CODEC_SA_DECLARE(sa_ack, int)                           /* SaAck */

#undef FL_CODEC_SA_DECLARE

#endif
