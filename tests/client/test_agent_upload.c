/* SPDX-License-Identifier: Apache-2.0 */
/* test_agent_upload: fl_agent_sa_encode + fl_agent_upload_encode through a
 * whole in-process secure-aggregation round: the coordinator-side sum of
 * the masked chunk streams decodes to the sum of the plain vectors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "fl_agent.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_secagg.h"
#include "fl_test.h"
#include "fl_test_pki.h"
#include "fl_test_trust.h"
#include "fl_upvec.h"

#define NC 3u
#define NREAL 70000u         /* more than one 64K-word chunk */
#define NWIDE 7u
#define SCALE 10.0

typedef struct sink_ctx {
	fl_secagg_server *s;
	uint32_t client;
	uint64_t m, offset;
	int parts, header_ok, bad, fail_first;
	const uint32_t *plain;    /* the unmasked words, to see masking happened */
	size_t same;              /* masked words equal to the plain ones */
} sink_ctx;

static int sink(void *vctx, const uint8_t *msg, size_t len)
{
	sink_ctx *c = vctx;
	fl_msg_update_part p;
	uint32_t *w = NULL;
	size_t i, count;
	int r;

	if (c->fail_first) {
		c->fail_first = 0;
		return FL_E_NET;   /* a broken stream */
	}
	if ((r = fl_codec_decode_update_part(msg, len, &p)) != 0)
		return r;
	c->parts++;
	if (p.is_header) {
		c->header_ok = c->parts == 1 && p.header.encoding == FL_ENC_U32 &&
			p.header.words == c->m && p.header.round == 4;
		goto out;
	}
	if (p.len % 4 != 0 || p.len > FL_AGENT_CHUNK_BYTES || p.len == 0 ||
	    (p.len != FL_AGENT_CHUNK_BYTES && c->offset + p.len / 4 != c->m)) {
		c->bad++;   /* only the last chunk may be short */
		goto out;
	}
	count = p.len / 4;
	if ((w = malloc(p.len)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		const uint8_t *b = p.data + 4 * i;

		w[i] = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			(uint32_t)b[3] << 24;
		c->same += w[i] == c->plain[c->offset + i];
	}
	r = fl_secagg_server_add_chunk(c->s, c->client, c->offset, w, count);
	c->offset += count;
out:
	free(w);
	fl_msg_update_part_clear(&p);
	return r;
}

static void make_vec(uint32_t id, double *v)
{
	size_t i;

	for (i = 0; i < NREAL; i++)
		v[i] = 4.0 * sin((double)(i + 1) * 0.37 * id);   /* |v| < 5 */
	for (i = 0; i < NWIDE; i++)
		v[NREAL + i] = 100.0 * id + (double)i + 0.25;     /* exact in 2^-16 */
}

int main(void)
{
	fl_test_ca ca;
	fl_test_site site[NC + 1];
	fl_sign_key *key[NC + 1] = { 0 };
	fl_verifier *ver = NULL;
	fl_secagg_client *cl[NC + 1] = { 0 };
	fl_secagg_server *srv = NULL;
	fl_secagg_params p;
	fl_secagg_keylist kl = { 0 };
	fl_secagg_unmask_req req = { 0 }, req0 = { 0 };
	static fl_test_trust tr;
	fl_msg_sa_params sa;
	fl_msg_update_header h;
	fl_upvec_layout lay = { NREAL, NWIDE, { 1.0, 20 } };
	double *vec[NC + 1] = { 0 }, *want = NULL, *got = NULL, maxerr = 0;
	uint32_t *words[NC + 1] = { 0 }, *sum = NULL;
	char msg[FL_ERRMSG_BYTES] = "";
	uint64_t m = fl_upvec_words(&lay);
	uint32_t i;
	size_t j;

	FL_CHECK(sodium_init() >= 0);
	FL_CHECK_EQ_INT(fl_agent_upload_nchunks(m), 2);
	FL_CHECK_EQ_INT(fl_agent_upload_nchunks(FL_AGENT_CHUNK_WORDS), 1);
	FL_CHECK_EQ_INT(fl_agent_upload_nchunks(FL_AGENT_CHUNK_WORDS + 1), 2);
	memset(site, 0, sizeof(site));
	FL_CHECK(fl_test_ca_new("agent test CA", &ca) == 0);
	FL_CHECK(fl_verifier_new(ca.pem, ca.pem_len, NULL, 0, &ver) == 0);

	memset(&p, 0, sizeof(p));
	p.job_id = 7;
	p.round = 4;
	p.attempt = 1;
	p.n = NC;
	p.k = 2;
	p.t = 2;
	p.m = m;
	p.consistency = true;
	randombytes_buf(p.round_seed, sizeof(p.round_seed));
	randombytes_buf(p.ctx, sizeof(p.ctx));
	FL_CHECK_EQ_INT(fl_secagg_server_new(&p, &srv), 0);

	memset(&sa, 0, sizeof(sa));
	sa.n = NC;
	sa.words = m;
	sa.clip = 1.0;
	sa.bits = 20;
	sa.nreal = NREAL;
	sa.weight_scale = SCALE;

	/* fl_agent_sa_encode refuses a vector that does not fit the task. */
	vec[1] = calloc(NREAL + NWIDE, sizeof(double));
	FL_CHECK(vec[1] != NULL);
	FL_CHECK_EQ_INT(fl_agent_sa_encode(&sa, vec[1], NREAL + NWIDE - 1, &words[1], msg),
			FL_E_INVAL);
	FL_CHECK(strstr(msg, "masked words") != NULL);
	sa.weight_scale = 0;
	FL_CHECK_EQ_INT(fl_agent_sa_encode(&sa, vec[1], NREAL + NWIDE, &words[1], msg),
			FL_E_INVAL);
	sa.weight_scale = SCALE;
	vec[1][NREAL] = NAN;
	FL_CHECK_EQ_INT(fl_agent_sa_encode(&sa, vec[1], NREAL + NWIDE, &words[1], msg),
			FL_E_RANGE);
	FL_CHECK(words[1] == NULL);

	/* Phases 1 and 2 for NC clients (T = 2, c = 0). */
	for (i = 1; i <= NC; i++) {
		char cn[16];

		snprintf(cn, sizeof(cn), "site%u", i);
		FL_CHECK(fl_test_site_new(&ca, cn, 10 + i, 0, &site[i]) == 0);
		FL_CHECK(fl_sign_key_load_pem(site[i].key_pem, site[i].key_len, &key[i]) == 0);
	}
	FL_CHECK_EQ_INT(fl_test_trust_init(&tr, &site[1], NC, 2, 0), 0);
	for (i = 1; i <= NC; i++) {
		fl_secagg_advert a = { 0 };

		FL_CHECK_EQ_INT(fl_secagg_client_new(&p, i, key[i], ver, site[i].cert_pem,
						     site[i].cert_len, &tr.trust, &cl[i],
						     NULL), 0);
		FL_CHECK_EQ_INT(fl_secagg_client_advertise(cl[i], &a), 0);
		FL_CHECK_EQ_INT(fl_secagg_server_add_advert(srv, &a), 0);
		fl_secagg_advert_clear(&a);
	}
	FL_CHECK_EQ_INT(fl_secagg_server_keylist(srv, &kl), 0);
	for (i = 1; i <= NC; i++) {
		fl_secagg_shares out = { 0 };

		FL_CHECK_EQ_INT(fl_secagg_client_share(cl[i], &kl, &out), 0);
		FL_CHECK_EQ_INT(fl_secagg_server_add_shares(srv, &out), 0);
		fl_secagg_shares_clear(&out);
	}
	FL_CHECK_EQ_INT(fl_secagg_server_close_shares(srv), 0);
	for (i = 1; i <= NC; i++) {
		fl_secagg_shares in = { 0 };

		FL_CHECK_EQ_INT(fl_secagg_server_shares_for(srv, i, &in), 0);
		FL_CHECK_EQ_INT(fl_secagg_client_recv_shares(cl[i], &in), 0);
		fl_secagg_shares_clear(&in);
	}

	/* Phase 3: the agent's encoding and chunked masked stream. */
	memset(&h, 0, sizeof(h));
	h.job_id = 7;
	h.round = 4;
	h.attempt = 1;
	h.kind = FL_TASK_TRAIN;
	h.encoding = FL_ENC_F64;
	want = calloc(NREAL + NWIDE, sizeof(double));
	FL_CHECK(want != NULL);
	for (i = 1; i <= NC; i++) {
		sink_ctx sc;

		if (!vec[i])
			vec[i] = calloc(NREAL + NWIDE, sizeof(double));
		FL_CHECK(vec[i] != NULL);
		make_vec(i, vec[i]);
		for (j = 0; j < NREAL + NWIDE; j++)
			want[j] += j < NREAL ? vec[i][j] / SCALE : vec[i][j];
		FL_CHECK_EQ_INT(fl_agent_sa_encode(&sa, vec[i], NREAL + NWIDE, &words[i],
						   msg), 0);
		memset(&sc, 0, sizeof(sc));
		sc.s = srv;
		sc.client = i;
		sc.m = m;
		sc.plain = words[i];
		/* There is no unmasked path: an F64 header or no client is refused. */
		h.encoding = FL_ENC_F64;
		h.words = m;
		FL_CHECK_EQ_INT(fl_agent_upload_encode(&h, words[i], m, cl[i], sink, &sc),
				FL_E_INVAL);
		h.encoding = FL_ENC_U32;
		FL_CHECK_EQ_INT(fl_agent_upload_encode(&h, words[i], m, NULL, sink, &sc),
				FL_E_INVAL);
		FL_CHECK_EQ_INT(sc.parts, 0);
		/* A sink error stops the stream and is returned (the header goes
		 * first, so nothing was masked yet). */
		sc.fail_first = 1;
		FL_CHECK_EQ_INT(fl_agent_upload_encode(&h, words[i], m, cl[i], sink, &sc),
				FL_E_NET);
		FL_CHECK_EQ_INT(sc.parts, 0);
		FL_CHECK_EQ_INT(fl_agent_upload_encode(&h, words[i], m, cl[i], sink, &sc), 0);
		FL_CHECK(sc.header_ok);
		FL_CHECK_EQ_INT(sc.bad, 0);
		FL_CHECK_EQ_INT(sc.parts, 1 + (int)fl_agent_upload_nchunks(m));
		FL_CHECK(sc.offset == m);
		/* Masked words look nothing like the plain ones. */
		FL_CHECK(sc.same < m / 100);
		/* The client masks once: a second stream is refused. */
		sc.parts = 0;
		sc.offset = 0;
		FL_CHECK(fl_agent_upload_encode(&h, words[i], m, cl[i], sink, &sc) != 0);
	}

	/* Phases 4, 5 and the sum. */
	FL_CHECK_EQ_INT(fl_secagg_server_close_input(srv, &req0), 0);
	FL_CHECK_EQ_INT(req0.nsurvivors, NC);
	for (i = 1; i <= NC; i++) {
		fl_secagg_csig cs;

		FL_CHECK_EQ_INT(fl_secagg_client_consistency(cl[i], &req0, &cs), 0);
		FL_CHECK_EQ_INT(fl_secagg_server_add_consistency(srv, &cs), 0);
	}
	FL_CHECK_EQ_INT(fl_secagg_server_close_consistency(srv, &req), 0);
	for (i = 1; i <= NC; i++) {
		fl_secagg_unmask_resp resp = { 0 };

		FL_CHECK_EQ_INT(fl_secagg_client_unmask(cl[i], &req, &resp), 0);
		FL_CHECK_EQ_INT(fl_secagg_server_add_unmask(srv, &resp), 0);
		fl_secagg_unmask_resp_clear(&resp);
	}
	sum = calloc((size_t)m, sizeof(*sum));
	got = calloc(NREAL + NWIDE, sizeof(double));
	FL_CHECK(sum && got);
	FL_CHECK_EQ_INT(fl_secagg_server_finish(srv, sum), 0);
	FL_CHECK_EQ_INT(fl_upvec_decode_sum(&lay, NC, sum, got), 0);
	for (j = 0; j < NREAL; j++) {
		double e = fabs(got[j] - want[j]);

		if (e > maxerr)
			maxerr = e;
	}
	printf("max error of the real part: %.3g (bound %.3g)\n", maxerr,
	       NC * 1.0 / ((1u << 19) - 1));
	FL_CHECK(maxerr <= NC * 1.0 / ((1u << 19) - 1) + 1e-12);
	for (j = NREAL; j < NREAL + NWIDE; j++)
		FL_CHECK_NEAR(got[j], want[j], 0.0);

	for (i = 1; i <= NC; i++) {
		fl_secagg_client_free(cl[i]);
		fl_sign_key_free(key[i]);
		fl_test_site_free(&site[i]);
		free(vec[i]);
		free(words[i]);
	}
	fl_secagg_unmask_req_clear(&req);
	fl_secagg_unmask_req_clear(&req0);
	fl_test_trust_free(&tr);
	fl_secagg_keylist_clear(&kl);
	fl_secagg_server_free(srv);
	fl_verifier_free(ver);
	fl_test_ca_free(&ca);
	free(want);
	free(got);
	free(sum);
	return FL_TEST_DONE();
}
