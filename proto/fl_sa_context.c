/* SPDX-License-Identifier: Apache-2.0 */
/* fl_sa_context: the digest of a round attempt's whole context. */
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_sa_context.h"

#define CONTEXT_TAG "fedc-context-v1"

static void put_u64(crypto_hash_sha256_state *st, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	crypto_hash_sha256_update(st, b, sizeof(b));
}

static void put_f64(crypto_hash_sha256_state *st, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	put_u64(st, v);
}

static void put_str(crypto_hash_sha256_state *st, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	put_u64(st, len);
	crypto_hash_sha256_update(st, (const uint8_t *)(s ? s : ""), len);
}

int fl_sa_context_digest(const fl_msg_task *t,
			 uint8_t out[static FL_MSG_DIGEST_BYTES])
{
	const fl_msg_sa_params *p;
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES], zero[FL_MSG_DIGEST_BYTES] = { 0 };

	if (!t || t->phase == FL_SA_OFF || !t->sa.names || t->sa.n == 0)
		return FL_E_INVAL;
	p = &t->sa;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)CONTEXT_TAG,
				  sizeof(CONTEXT_TAG) - 1);
	put_u64(&st, t->job_id);
	put_u64(&st, t->round);
	put_u64(&st, t->attempt);
	put_u64(&st, (uint64_t)t->kind);
	put_u64(&st, p->n);
	put_u64(&st, p->t);
	put_u64(&st, p->k);
	put_u64(&st, p->q);
	put_u64(&st, p->consistency ? 1 : 0);
	put_u64(&st, p->words);
	crypto_hash_sha256_update(&st, p->round_seed, FL_MSG_SEED_BYTES);
	put_f64(&st, p->clip);
	put_u64(&st, p->bits);
	put_u64(&st, p->nreal);
	put_f64(&st, p->weight_scale);
	crypto_hash_sha256(h, (const uint8_t *)(t->spec ? t->spec : ""),
			   t->spec ? strlen(t->spec) : 0);
	crypto_hash_sha256_update(&st, h, sizeof(h));
	crypto_hash_sha256_update(&st, p->has_model ? p->model_sha256 : zero,
				  FL_MSG_DIGEST_BYTES);
	for (uint32_t i = 0; i < p->n; i++)
		put_str(&st, p->names[i]);
	crypto_hash_sha256_final(&st, out);
	return 0;
}

int fl_sa_task_params(const fl_msg_task *t, fl_secagg_params *p)
{
	memset(p, 0, sizeof(*p));
	p->job_id = t->job_id;
	p->round = t->round;
	p->attempt = t->attempt;
	p->n = t->sa.n;
	p->t = t->sa.t;
	p->k = t->sa.k;
	p->m = t->sa.words;
	memcpy(p->round_seed, t->sa.round_seed, sizeof(p->round_seed));
	p->consistency = t->sa.consistency;
	p->q = t->sa.q;
	return fl_sa_context_digest(t, p->ctx);
}
