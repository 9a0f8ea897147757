/* SPDX-License-Identifier: Apache-2.0 */
/* coord_round_ledger: the ledger entry fields of a round that just finished. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_engine_int.h"
#include "coord_ledger.h"
#include "fl_err.h"
#include "fl_pki.h"

int coord_round_ledger_prepare(const coord_job *j, const fl_msg_round_info *ri,
			       const coord_blob *blob, int64_t now_ms,
			       coord_ledger_round *lr,
			       char (**fprs)[COORD_LEDGER_HASH_HEX])
{
	const coord_round_state *rs = &j->rs;
	char (*f)[COORD_LEDGER_HASH_HEX] = NULL;
	fl_cert_info ci;
	uint32_t i;

	memset(lr, 0, sizeof(*lr));
	if (rs->keys.count > 0 &&
	    (f = calloc(rs->keys.count, sizeof(*f))) == NULL)
		return FL_E_NOMEM;
	/* The participants are the sites whose signed round keys were relayed. */
	for (i = 0; i < rs->keys.count; i++) {
		const fl_secagg_advert *a = &rs->keys.adverts[i];

		if (a->cert_pem == NULL ||
		    fl_pki_cert_info(a->cert_pem, a->cert_len, &ci) != 0) {
			free(f);
			return FL_E_PARSE;
		}
		memcpy(f[i], ci.fingerprint, COORD_LEDGER_HASH_HEX);
	}
	lr->job_id = j->id;
	lr->round = rs->round;
	lr->attempt = rs->attempt;
	lr->kind = coord_task_kind_name(rs->kind);
	lr->fprs = (const char (*)[COORD_LEDGER_HASH_HEX])f;
	lr->nfprs = rs->keys.count;
	lr->survivors = (const char (*)[FL_NAME_BYTES])ri->participants;
	lr->nsurvivors = ri->nparticipants;
	/* The model the sites downloaded: round - 1 (TRAIN, EVAL); none for
	 * STATS. The one this round made: blob (none for EVAL). */
	lr->base_version = rs->kind == FL_TASK_STATS || j->model == NULL ? -1 :
		(int64_t)j->model->version;
	lr->model_version = blob ? (int64_t)blob->version : -1;
	if (blob)
		coord_ledger_sha256_hex(blob->data, blob->len, lr->model_sha256);
	coord_ledger_sha256_hex(j->spec_text ? j->spec_text : "",
				j->spec_text ? strlen(j->spec_text) : 0,
				lr->spec_sha256);
	/* Who signed the spec the sites checked (R2); "" for an unsigned one. */
	if (j->spec_cert &&
	    fl_pki_cert_info(j->spec_cert, strlen(j->spec_cert), &ci) == 0) {
		snprintf(lr->spec_signer, sizeof(lr->spec_signer), "%s", ci.cn);
		memcpy(lr->spec_signer_sha256, ci.fingerprint, COORD_LEDGER_HASH_HEX);
	}
	lr->n = rs->sp.n;
	lr->k = rs->sp.k;
	lr->t = rs->sp.t;
	lr->words = rs->sp.m;
	lr->bits = rs->layout.q.bits;
	lr->clip = rs->layout.q.clip;
	lr->weight_scale = rs->weight_scale;
	lr->consistency = rs->sp.consistency;
	lr->has_dp = rs->dp || rs->dp_stats;
	if (lr->has_dp)
		lr->dp = rs->dp_ledger;
	lr->ts_ms = now_ms;
	*fprs = f;
	return 0;
}

void coord_engine_set_ledger(coord_engine *e, struct coord_ledger_signer *s)
{
	pthread_mutex_lock(&e->mu);
	e->ledger = s;
	pthread_mutex_unlock(&e->mu);
}
