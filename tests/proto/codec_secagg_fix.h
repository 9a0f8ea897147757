/* SPDX-License-Identifier: Apache-2.0 */
/* codec_secagg_fix: test fixtures for the secure-aggregation codec tests.
 * dec_NAME decodes, clears and returns the code; the make_ and fill_
 * functions fill the out-struct with calloc'd lists (the caller clears it
 * with the message's _clear function). */
#ifndef CODEC_SECAGG_FIX_H
#define CODEC_SECAGG_FIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fl_codec.h"
#include "fl_codec_secagg.h"

int dec_sa_hdr(const uint8_t *b, size_t n);
int dec_sa_advert(const uint8_t *b, size_t n);
int dec_sa_keylist(const uint8_t *b, size_t n);
int dec_sa_shares(const uint8_t *b, size_t n);
int dec_sa_csig(const uint8_t *b, size_t n);
int dec_sa_unmask_req(const uint8_t *b, size_t n);
int dec_sa_unmask_resp(const uint8_t *b, size_t n);
int dec_sa_ack(const uint8_t *b, size_t n);
int dec_task(const uint8_t *b, size_t n);

extern const fl_secagg_hdr HDR;
bool hdr_eq(const fl_secagg_hdr *a, const fl_secagg_hdr *b);
bool advert_eq(const fl_secagg_advert *a, const fl_secagg_advert *b);
void fill_advert(fl_secagg_advert *a, uint32_t client, size_t pem);
void make_keylist(fl_secagg_keylist *k, uint32_t n, size_t pem);
void make_shares(fl_secagg_shares *s, uint32_t n);
void make_unmask_req(fl_secagg_unmask_req *q, uint32_t nsurv,
		     uint32_t ndrop, uint32_t ncsigs);
void make_unmask_resp(fl_secagg_unmask_resp *u, uint32_t n);
fl_msg_sa_params good_params(void);

#endif
