/* SPDX-License-Identifier: Apache-2.0 */
/* test_codec: round trips of every wire message and the decoders' refusals.
 * With "--write-corpus DIR" it writes seed files for fuzz_codec instead. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fuzz_codec_ids.h"
#include "test_wbuf.h"

/* ---- one wrapper per decoder, so a table can drive the common checks ---- */
#define DEC(name, type, clear) \
	static int dec_##name(const uint8_t *b, size_t n) \
	{ \
		type o; \
		int r; \
		memset(&o, 0, sizeof(o)); \
		r = fl_codec_decode_##name(b, n, &o); \
		if (r == 0) \
			clear; \
		return r; \
	}
DEC(poll_req, fl_msg_poll_req, (void)o)
DEC(task, fl_msg_task, fl_msg_task_clear(&o))
DEC(model_req, fl_msg_model_req, (void)o)
DEC(chunk, fl_msg_chunk, fl_msg_chunk_clear(&o))
DEC(update_part, fl_msg_update_part, fl_msg_update_part_clear(&o))
DEC(update_reply, fl_msg_update_reply, (void)o)
DEC(crl, fl_msg_crl, fl_msg_crl_clear(&o))
DEC(members, fl_msg_members, fl_msg_members_clear(&o))
DEC(empty, int, (void)o)
DEC(job_submit, fl_msg_job_submit, fl_msg_job_submit_clear(&o))
DEC(job_ref, fl_msg_job_ref, (void)o)
DEC(job_info, fl_msg_job_info, (void)o)
DEC(job_list, fl_msg_job_list, fl_msg_job_list_clear(&o))
DEC(job_status, fl_msg_job_status, fl_msg_job_status_clear(&o))
DEC(site_info, fl_msg_site_info, (void)o)
DEC(site_add, fl_msg_site_add, (void)o)
DEC(site_list, fl_msg_site_list, fl_msg_site_list_clear(&o))

typedef struct sample {
	const char *name;
	int (*dec)(const uint8_t *b, size_t n);
	uint8_t *buf;    /* a valid encoding */
	size_t len;
} sample;

/* ---- filled examples ---- */
static void fill_job_info(fl_msg_job_info *j, uint64_t id)
{
	memset(j, 0, sizeof(*j));
	j->job_id = id;
	snprintf(j->name, sizeof(j->name), "job-%llu", (unsigned long long)id);
	strcpy(j->state, "running");
	strcpy(j->dataset, "shuttle");
	strcpy(j->model, "softmax");
	j->rounds_total = 20;
	j->rounds_done = 7;
	j->created_ms = 1700000000123LL;
	j->updated_ms = -5;
	strcpy(j->error, "none so far");
	j->metrics.present = true;
	j->metrics.n = 5800;
	j->metrics.loss = 0.125;
	j->metrics.accuracy = 0.97;
	j->metrics.macro_f1 = 0.5;
	j->metrics.r2 = -1.5;
	strcpy(j->submitted_by, "operator");
}

static bool job_info_eq(const fl_msg_job_info *a, const fl_msg_job_info *b)
{
	return a->job_id == b->job_id && !strcmp(a->name, b->name) &&
	       !strcmp(a->state, b->state) && !strcmp(a->dataset, b->dataset) &&
	       !strcmp(a->model, b->model) && a->rounds_total == b->rounds_total &&
	       a->rounds_done == b->rounds_done && a->created_ms == b->created_ms &&
	       a->updated_ms == b->updated_ms && !strcmp(a->error, b->error) &&
	       a->metrics.present == b->metrics.present &&
	       a->metrics.n == b->metrics.n && a->metrics.loss == b->metrics.loss &&
	       a->metrics.accuracy == b->metrics.accuracy &&
	       a->metrics.macro_f1 == b->metrics.macro_f1 &&
	       a->metrics.r2 == b->metrics.r2 &&
	       !strcmp(a->submitted_by, b->submitted_by);
}

static void fill_round(fl_msg_round_info *r, uint32_t round, uint32_t np)
{
	memset(r, 0, sizeof(*r));
	r->round = round;
	r->attempt = 2;
	strcpy(r->state, "done");
	strcpy(r->kind, "train");
	r->selected = np + 1;
	r->survived = np;
	r->started_ms = 1000 + round;
	r->finished_ms = 2000 + round;
	r->train_loss = 0.25 * round;
	r->eval.present = round % 2 == 0;
	r->eval.accuracy = 0.75;
	r->nparticipants = np;
	r->participants = np ? calloc(np, FL_NAME_BYTES) : NULL;
	for (uint32_t i = 0; i < np; i++)
		snprintf(r->participants[i], FL_NAME_BYTES, "site%u", i + 1);
}

/* Each round trip also keeps its encoding in s (for the corpus and the
 * truncation checks). */
static void rt_poll_req(sample *s)
{
	fl_msg_poll_req in, out;

	memset(&in, 0, sizeof(in));
	strcpy(in.agent_version, "fedc-agent 0.1.0");
	in.ndatasets = 3;
	strcpy(in.datasets[0], "shuttle");
	strcpy(in.datasets[1], "concrete");
	memset(in.datasets[2], 'x', FL_NAME_BYTES - 1);   /* longest legal */
	FL_CHECK_EQ_INT(fl_codec_encode_poll_req(&in, &s->buf, &s->len), 0);
	memset(&out, 0xa5, sizeof(out));
	FL_CHECK_EQ_INT(fl_codec_decode_poll_req(s->buf, s->len, &out), 0);
	FL_CHECK(!strcmp(out.agent_version, in.agent_version));
	FL_CHECK_EQ_INT(out.ndatasets, 3);
	for (int i = 0; i < 3; i++)
		FL_CHECK(!strcmp(out.datasets[i], in.datasets[i]));
}

static void rt_task(sample *s)
{
	fl_msg_task in = { .job_id = 42, .round = 3, .attempt = 1,
			   .kind = FL_TASK_TRAIN, .spec = "[job]\nname = x\n",
			   .deadline_ms = 30000, .poll_ms = 1500,
			   .model_bytes = 123456789012ULL,
			   .spec_sig = { 0x30, 0x45, 0x02 }, .spec_sig_len = 71,
			   .spec_cert = "-----BEGIN CERTIFICATE-----\nAA\n" };
	fl_msg_task out;
	uint8_t *b = NULL;
	size_t n = 0;

	FL_CHECK_EQ_INT(fl_codec_encode_task(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_task(s->buf, s->len, &out), 0);
	FL_CHECK(out.job_id == 42 && out.round == 3 && out.attempt == 1);
	FL_CHECK_EQ_INT(out.kind, FL_TASK_TRAIN);
	FL_CHECK(out.spec && !strcmp(out.spec, in.spec));
	FL_CHECK(out.deadline_ms == 30000 && out.poll_ms == 1500);
	FL_CHECK(out.model_bytes == 123456789012ULL);
	/* the admin's signature and certificate travel with the spec */
	FL_CHECK_EQ_INT(out.spec_sig_len, 71);
	FL_CHECK(memcmp(out.spec_sig, in.spec_sig, 71) == 0);
	FL_CHECK(out.spec_cert && !strcmp(out.spec_cert, in.spec_cert));
	fl_msg_task_clear(&out);
	FL_CHECK(out.spec == NULL && out.spec_cert == NULL);
	/* No spec, no task: TASK_NONE with spec NULL. */
	in.spec = NULL;
	in.spec_cert = NULL;
	in.spec_sig_len = 0;
	in.kind = FL_TASK_NONE;
	FL_CHECK_EQ_INT(fl_codec_encode_task(&in, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_task(b, n, &out), 0);
	FL_CHECK(out.spec == NULL && out.kind == FL_TASK_NONE && out.poll_ms == 1500);
	FL_CHECK(out.spec_cert == NULL && out.spec_sig_len == 0);
	free(b);
	FL_CHECK_EQ_INT(fl_codec_decode_task((const uint8_t *)"", 0, &out), 0);
	FL_CHECK(out.kind == FL_TASK_NONE && out.spec == NULL && out.job_id == 0);
}

/* CrlInfo, and the CRL number a poll reply carries. */
static void rt_crl(sample *s)
{
	fl_msg_crl in = { 7, "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n" };
	fl_msg_crl out;
	fl_msg_task t = { .kind = FL_TASK_NONE, .poll_ms = 500, .crl_number = 9 }, to;
	uint8_t *b = NULL;
	size_t n = 0;

	FL_CHECK_EQ_INT(fl_codec_encode_crl(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_crl(s->buf, s->len, &out), 0);
	FL_CHECK(out.number == 7 && out.pem && !strcmp(out.pem, in.pem));
	fl_msg_crl_clear(&out);
	FL_CHECK(out.pem == NULL);
	/* an empty request: number 0, no PEM */
	FL_CHECK_EQ_INT(fl_codec_decode_crl((const uint8_t *)"", 0, &out), 0);
	FL_CHECK(out.number == 0 && out.pem == NULL);
	FL_CHECK_EQ_INT(fl_codec_encode_task(&t, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_task(b, n, &to), 0);
	FL_CHECK(to.kind == FL_TASK_NONE && to.crl_number == 9);
	fl_msg_task_clear(&to);
	free(b);
}

/* MembersInfo, and the member list version a poll reply carries. */
static void rt_members(sample *s)
{
	fl_msg_members in = { 3, "fedc-members-v1\nversion 3\nsignature AAAA\n" };
	fl_msg_members out;
	fl_msg_task t = { .kind = FL_TASK_NONE, .crl_number = 2,
			  .members_version = 12 }, to;
	uint8_t *b = NULL;
	size_t n = 0;
	char *big;

	FL_CHECK_EQ_INT(fl_codec_encode_members(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_members(s->buf, s->len, &out), 0);
	FL_CHECK(out.version == 3 && out.text && !strcmp(out.text, in.text));
	fl_msg_members_clear(&out);
	FL_CHECK(out.text == NULL);
	FL_CHECK_EQ_INT(fl_codec_decode_members((const uint8_t *)"", 0, &out), 0);
	FL_CHECK(out.version == 0 && out.text == NULL);
	FL_CHECK_EQ_INT(fl_codec_encode_task(&t, &b, &n), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_task(b, n, &to), 0);
	FL_CHECK(to.members_version == 12 && to.crl_number == 2);
	fl_msg_task_clear(&to);
	free(b);
	/* over the cap */
	big = malloc(FL_MSG_MEMBERS_MAX + 2);
	memset(big, 'a', FL_MSG_MEMBERS_MAX + 1);
	big[FL_MSG_MEMBERS_MAX + 1] = '\0';
	in.text = big;
	FL_CHECK_EQ_INT(fl_codec_encode_members(&in, &b, &n), FL_E_TOOBIG);
	free(big);
}

static void rt_model_req(sample *s)
{
	fl_msg_model_req in = { 7, 12, true }, out = { 0, 0, false };

	FL_CHECK_EQ_INT(fl_codec_encode_model_req(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_model_req(s->buf, s->len, &out), 0);
	FL_CHECK(out.job_id == 7 && out.version == 12 && out.latest);
}

static void rt_chunk(sample *s)
{
	uint8_t data[300];
	fl_msg_chunk in = { 1000, 700, data, sizeof(data) }, out;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	FL_CHECK_EQ_INT(fl_codec_encode_chunk(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_chunk(s->buf, s->len, &out), 0);
	FL_CHECK(out.total_bytes == 1000 && out.offset == 700);
	FL_CHECK(out.len == sizeof(data) && out.data && !memcmp(out.data, data, out.len));
	FL_CHECK(out.data != data);
	fl_msg_chunk_clear(&out);
}

static void rt_update_part(sample *s, sample *s2)
{
	fl_msg_update_part in, out;
	uint8_t *data = malloc(FL_MSG_CHUNK_MAX);

	memset(&in, 0, sizeof(in));
	in.is_header = true;
	in.header = (fl_msg_update_header){ 9, 4, 2, FL_TASK_EVAL, FL_ENC_U32,
					    1u << 20, true, { 0 } };
	memset(in.header.context, 0xc7, sizeof(in.header.context));
	FL_CHECK_EQ_INT(fl_codec_encode_update_part(&in, &s->buf, &s->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_update_part(s->buf, s->len, &out), 0);
	FL_CHECK(out.is_header && out.data == NULL);
	FL_CHECK(out.header.job_id == 9 && out.header.round == 4 &&
		 out.header.attempt == 2 && out.header.words == (1u << 20));
	FL_CHECK(out.header.kind == FL_TASK_EVAL && out.header.encoding == FL_ENC_U32);
	FL_CHECK(out.header.has_context && out.header.context[31] == 0xc7);
	fl_msg_update_part_clear(&out);
	/* A full 1 MiB data part is the largest legal one. */
	for (size_t i = 0; i < FL_MSG_CHUNK_MAX; i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	memset(&in, 0, sizeof(in));
	in.data = data;
	in.len = FL_MSG_CHUNK_MAX;
	FL_CHECK_EQ_INT(fl_codec_encode_update_part(&in, &s2->buf, &s2->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_update_part(s2->buf, s2->len, &out), 0);
	FL_CHECK(!out.is_header && out.len == FL_MSG_CHUNK_MAX &&
		 !memcmp(out.data, data, FL_MSG_CHUNK_MAX));
	fl_msg_update_part_clear(&out);
	in.len = FL_MSG_CHUNK_MAX + 1;   /* encoder refuses too */
	{
		uint8_t *b = NULL;
		size_t n;
		uint8_t *big = calloc(1, FL_MSG_CHUNK_MAX + 1);
		in.data = big;
		FL_CHECK_EQ_INT(fl_codec_encode_update_part(&in, &b, &n), FL_E_TOOBIG);
		free(big);
	}
	free(data);
}

static void rt_small(sample *reply, sample *empty, sample *submit, sample *ref)
{
	fl_msg_update_reply ur = { 1234567 }, uro = { 0 };
	fl_msg_job_submit js = { .spec = "[job]\nname = demo\n",
				 .spec_sig = { 1, 2, 3, 4 }, .spec_sig_len = 64,
				 .spec_cert = "-----BEGIN CERTIFICATE-----\n" }, jso;
	fl_msg_job_ref jr = { 99 }, jro = { 0 };
	int e = 5;

	FL_CHECK_EQ_INT(fl_codec_encode_update_reply(&ur, &reply->buf, &reply->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_update_reply(reply->buf, reply->len, &uro), 0);
	FL_CHECK(uro.words == 1234567);
	FL_CHECK_EQ_INT(fl_codec_encode_empty(NULL, &empty->buf, &empty->len), 0);
	FL_CHECK_EQ_INT(empty->len, 0);
	FL_CHECK_EQ_INT(fl_codec_decode_empty(empty->buf, empty->len, &e), 0);
	FL_CHECK_EQ_INT(e, 0);
	FL_CHECK_EQ_INT(fl_codec_encode_job_submit(&js, &submit->buf, &submit->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_submit(submit->buf, submit->len, &jso), 0);
	FL_CHECK(jso.spec && !strcmp(jso.spec, js.spec));
	FL_CHECK_EQ_INT(jso.spec_sig_len, 64);
	FL_CHECK(memcmp(jso.spec_sig, js.spec_sig, 64) == 0);
	FL_CHECK(jso.spec_cert && !strcmp(jso.spec_cert, js.spec_cert));
	fl_msg_job_submit_clear(&jso);
	FL_CHECK(jso.spec == NULL && jso.spec_cert == NULL);
	FL_CHECK_EQ_INT(fl_codec_decode_job_submit((const uint8_t *)"", 0, &jso), 0);
	FL_CHECK(jso.spec && jso.spec[0] == '\0');
	FL_CHECK(jso.spec_cert == NULL && jso.spec_sig_len == 0);
	fl_msg_job_submit_clear(&jso);
	FL_CHECK_EQ_INT(fl_codec_encode_job_ref(&jr, &ref->buf, &ref->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_ref(ref->buf, ref->len, &jro), 0);
	FL_CHECK(jro.job_id == 99);
}

static void rt_jobs(sample *info, sample *list, sample *status)
{
	fl_msg_job_info ji, jio;
	fl_msg_job_list jl, jlo;
	fl_msg_job_status st, sto;
	fl_msg_round_info rounds[3];

	fill_job_info(&ji, 5);
	FL_CHECK_EQ_INT(fl_codec_encode_job_info(&ji, &info->buf, &info->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_info(info->buf, info->len, &jio), 0);
	FL_CHECK(job_info_eq(&ji, &jio));

	jl.n = 4;
	jl.jobs = calloc(jl.n, sizeof(*jl.jobs));
	for (size_t i = 0; i < jl.n; i++)
		fill_job_info(&jl.jobs[i], 100 + i);
	jl.jobs[2].metrics.present = false;
	FL_CHECK_EQ_INT(fl_codec_encode_job_list(&jl, &list->buf, &list->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_list(list->buf, list->len, &jlo), 0);
	FL_CHECK_EQ_INT(jlo.n, 4);
	for (size_t i = 0; i < jl.n && i < jlo.n; i++)
		FL_CHECK(job_info_eq(&jl.jobs[i], &jlo.jobs[i]));
	fl_msg_job_list_clear(&jlo);
	FL_CHECK(jlo.jobs == NULL && jlo.n == 0);
	fl_msg_job_list_clear(&jl);

	memset(&st, 0, sizeof(st));   /* no declines here (test_codec_decline) */
	memset(&sto, 0, sizeof(sto));
	fill_job_info(&st.job, 77);
	fill_round(&rounds[0], 0, 0);
	fill_round(&rounds[1], 1, 3);
	fill_round(&rounds[2], 2, 2);
	st.rounds = rounds;
	st.nrounds = 3;
	FL_CHECK_EQ_INT(fl_codec_encode_job_status(&st, &status->buf, &status->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_job_status(status->buf, status->len, &sto), 0);
	FL_CHECK(job_info_eq(&st.job, &sto.job));
	FL_CHECK_EQ_INT(sto.nrounds, 3);
	for (size_t i = 0; i < 3 && i < sto.nrounds; i++) {
		const fl_msg_round_info *a = &rounds[i], *b = &sto.rounds[i];
		FL_CHECK(a->round == b->round && a->attempt == b->attempt &&
			 !strcmp(a->state, b->state) && !strcmp(a->kind, b->kind) &&
			 a->selected == b->selected && a->survived == b->survived &&
			 a->started_ms == b->started_ms &&
			 a->finished_ms == b->finished_ms &&
			 a->train_loss == b->train_loss &&
			 a->eval.present == b->eval.present &&
			 a->eval.accuracy == b->eval.accuracy);
		FL_CHECK_EQ_INT(b->nparticipants, a->nparticipants);
		for (uint32_t k = 0; k < a->nparticipants && k < b->nparticipants; k++)
			FL_CHECK(!strcmp(a->participants[k], b->participants[k]));
	}
	fl_msg_job_status_clear(&sto);
	for (int i = 0; i < 3; i++)
		fl_msg_round_info_clear(&rounds[i]);
}

static void rt_sites(sample *info, sample *add, sample *list)
{
	fl_msg_site_info si = { "factory-7", "site", 11, 22, true, false }, sio;
	fl_msg_site_add sa = { "factory-8", "viewer" }, sao;
	fl_msg_site_list sl, slo;

	FL_CHECK_EQ_INT(fl_codec_encode_site_info(&si, &info->buf, &info->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_site_info(info->buf, info->len, &sio), 0);
	FL_CHECK(!strcmp(sio.name, "factory-7") && !strcmp(sio.role, "site") &&
		 sio.added_ms == 11 && sio.last_seen_ms == 22 && sio.online &&
		 !sio.revoked);
	FL_CHECK_EQ_INT(fl_codec_encode_site_add(&sa, &add->buf, &add->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_site_add(add->buf, add->len, &sao), 0);
	FL_CHECK(!strcmp(sao.name, "factory-8") && !strcmp(sao.role, "viewer"));
	sl.n = 3;
	sl.sites = calloc(3, sizeof(*sl.sites));
	for (int i = 0; i < 3; i++) {
		sl.sites[i] = si;
		snprintf(sl.sites[i].name, FL_NAME_BYTES, "s%d", i);
		sl.sites[i].revoked = i == 1;
	}
	FL_CHECK_EQ_INT(fl_codec_encode_site_list(&sl, &list->buf, &list->len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_site_list(list->buf, list->len, &slo), 0);
	FL_CHECK_EQ_INT(slo.n, 3);
	for (size_t i = 0; i < 3 && i < slo.n; i++)
		FL_CHECK(!strcmp(slo.sites[i].name, sl.sites[i].name) &&
			 slo.sites[i].revoked == sl.sites[i].revoked);
	fl_msg_site_list_clear(&slo);
	fl_msg_site_list_clear(&sl);
}

/* Every decoder refuses oversize, garbage and truncated input, and leaves
 * its output untouched. */
static void check_common_refusals(const sample *s)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t badwire[] = { 0x0f, 0x01 };   /* wire type 7 */
	static const uint8_t overlen[] = { 0x0a, 0x7f, 'a' };
	uint8_t *big = calloc(1, FL_MSG_MAX_BYTES + 1);
	int r;

	r = s->dec(big, FL_MSG_MAX_BYTES + 1);
	if (r != FL_E_TOOBIG)
		fprintf(stderr, "decoder %s: oversize gave %d\n", s->name, r);
	FL_CHECK_EQ_INT(r, FL_E_TOOBIG);
	FL_CHECK_EQ_INT(s->dec(garbage, sizeof(garbage)), FL_E_PARSE);
	FL_CHECK_EQ_INT(s->dec(badwire, sizeof(badwire)), FL_E_PARSE);
	FL_CHECK_EQ_INT(s->dec(overlen, sizeof(overlen)), FL_E_PARSE);
	if (s->len > 0) {
		r = s->dec(s->buf, s->len - 1);
		if (r != FL_E_PARSE)
			fprintf(stderr, "decoder %s: truncated gave %d\n", s->name, r);
		FL_CHECK_EQ_INT(r, FL_E_PARSE);
		FL_CHECK_EQ_INT(s->dec(s->buf, s->len), 0);
	}
	free(big);
}

/* Decodes b (freed here) with the decoder and expects err. */
#define EXPECT(decoder, w, err) do { \
	FL_CHECK_EQ_INT(dec_##decoder((w)->b, (w)->n), (err)); \
	free((w)->b); \
	memset((w), 0, sizeof(*(w))); \
} while (0)

static void check_caps(void)
{
	wbuf w = { NULL, 0, 0 }, sub = { NULL, 0, 0 };
	char name[FL_NAME_BYTES + 1];
	fl_msg_poll_req pr;

	memset(name, 'n', FL_NAME_BYTES);
	name[FL_NAME_BYTES] = '\0';

	/* Overlong names (FL_NAME_BYTES chars do not fit with the NUL). */
	w_str(&w, 2, name);
	EXPECT(poll_req, &w, FL_E_TOOBIG);
	w_str(&w, 1, "123456789012345678901234567890123");   /* 33 > 31 */
	EXPECT(poll_req, &w, FL_E_TOOBIG);
	w_str(&w, 1, name);
	EXPECT(site_add, &w, FL_E_TOOBIG);
	w_str(&w, 1, "ok");
	w_str(&w, 2, "role-longer-than-15");
	EXPECT(site_info, &w, FL_E_TOOBIG);
	w_str(&w, 2, name);
	EXPECT(job_info, &w, FL_E_TOOBIG);
	w_fill(&w, 10, 'e', FL_MSG_ERROR_BYTES);
	EXPECT(job_info, &w, FL_E_TOOBIG);
	w_fill(&w, 10, 'e', FL_MSG_ERROR_BYTES - 1);
	EXPECT(job_info, &w, 0);
	/* A name nested in a list entry. */
	w_str(&sub, 1, name);
	w_bytes(&w, 1, sub.b, sub.n);
	free(sub.b);
	memset(&sub, 0, sizeof(sub));
	EXPECT(site_list, &w, FL_E_TOOBIG);
	w_str(&sub, 11, name);   /* an overlong participant */
	w_bytes(&w, 1, "", 0);   /* empty JobInfo */
	w_bytes(&w, 2, sub.b, sub.n);
	EXPECT(job_status, &w, FL_E_TOOBIG);
	w_bytes(&w, 2, sub.b, sub.n);
	free(sub.b);
	memset(&sub, 0, sizeof(sub));
	EXPECT(job_status, &w, FL_E_PARSE);   /* rounds but no job */

	/* Too many datasets: 32 pass, 33 do not. */
	for (unsigned i = 0; i < FL_MSG_MAX_DATASETS; i++)
		w_str(&w, 2, "d");
	FL_CHECK_EQ_INT(fl_codec_decode_poll_req(w.b, w.n, &pr), 0);
	FL_CHECK_EQ_INT(pr.ndatasets, FL_MSG_MAX_DATASETS);
	w_str(&w, 2, "d");
	EXPECT(poll_req, &w, FL_E_TOOBIG);

	/* Too many participants in one round. */
	w_bytes(&w, 1, "", 0);   /* empty JobInfo */
	for (unsigned i = 0; i <= FL_MSG_MAX_PARTICIPANTS; i++)
		w_str(&sub, 11, "p");
	w_bytes(&w, 2, sub.b, sub.n);
	free(sub.b);
	memset(&sub, 0, sizeof(sub));
	EXPECT(job_status, &w, FL_E_TOOBIG);

	/* Too many list entries. */
	for (unsigned i = 0; i <= FL_MSG_MAX_LIST; i++)
		w_bytes(&w, 1, "", 0);
	FL_CHECK_EQ_INT(dec_site_list(w.b, w.n), FL_E_TOOBIG);
	FL_CHECK_EQ_INT(dec_job_list(w.b, w.n), FL_E_TOOBIG);
	free(w.b);
	memset(&w, 0, sizeof(w));

	/* Chunks over 1 MiB, in both ModelChunk and UpdateChunk. */
	w_uint(&w, 1, 1u << 30);
	w_fill(&w, 3, 0x5a, FL_MSG_CHUNK_MAX + 1);
	EXPECT(chunk, &w, FL_E_TOOBIG);
	w_fill(&w, 2, 0x5a, FL_MSG_CHUNK_MAX + 1);
	EXPECT(update_part, &w, FL_E_TOOBIG);
	/* A chunk that lies outside its file. */
	w_uint(&w, 1, 10);
	w_uint(&w, 2, 8);
	w_fill(&w, 3, 1, 3);
	EXPECT(chunk, &w, FL_E_RANGE);

	/* A CRL over its cap, or with a NUL in its text. */
	w_fill(&w, 2, 'c', FL_MSG_CRL_MAX + 1);
	EXPECT(crl, &w, FL_E_TOOBIG);
	w_bytes(&w, 2, "crl\0", 4);
	EXPECT(crl, &w, FL_E_PARSE);

	/* Specs over 64 KiB. */
	w_fill(&w, 1, 's', FL_MSG_SPEC_MAX + 1);
	EXPECT(job_submit, &w, FL_E_TOOBIG);
	w_fill(&sub, 5, 's', FL_MSG_SPEC_MAX + 1);
	w_bytes(&w, 1, sub.b, sub.n);
	free(sub.b);
	memset(&sub, 0, sizeof(sub));
	EXPECT(task, &w, FL_E_TOOBIG);

	/* A spec signature over FL_MSG_SPEC_SIG_MAX, a signer certificate over
	 * FL_MSG_SPEC_CERT_MAX (JobSubmit fields 2, 3; Task fields 11, 12). */
	w_fill(&w, 2, 'g', FL_MSG_SPEC_SIG_MAX + 1);
	EXPECT(job_submit, &w, FL_E_TOOBIG);
	w_fill(&w, 3, 'c', FL_MSG_SPEC_CERT_MAX + 1);
	EXPECT(job_submit, &w, FL_E_TOOBIG);
	w_fill(&sub, 11, 'g', FL_MSG_SPEC_SIG_MAX + 1);
	w_bytes(&w, 1, sub.b, sub.n);
	free(sub.b);
	memset(&sub, 0, sizeof(sub));
	EXPECT(task, &w, FL_E_TOOBIG);
	w_fill(&sub, 12, 'c', FL_MSG_SPEC_CERT_MAX + 1);
	w_bytes(&w, 1, sub.b, sub.n);
	free(sub.b);
	memset(&sub, 0, sizeof(sub));
	EXPECT(task, &w, FL_E_TOOBIG);

	/* Unknown enum values. */
	w_uint(&sub, 4, 7);
	w_bytes(&w, 1, sub.b, sub.n);
	free(sub.b);
	memset(&sub, 0, sizeof(sub));
	EXPECT(task, &w, FL_E_RANGE);
	w_uint(&sub, 5, 2);   /* encoding */
	w_bytes(&w, 1, sub.b, sub.n);
	free(sub.b);
	memset(&sub, 0, sizeof(sub));
	EXPECT(update_part, &w, FL_E_RANGE);
	w_uint(&sub, 4, 4);   /* kind */
	w_bytes(&w, 1, sub.b, sub.n);
	free(sub.b);
	memset(&sub, 0, sizeof(sub));
	EXPECT(update_part, &w, FL_E_RANGE);

	/* An UpdateChunk with neither header nor data. */
	FL_CHECK_EQ_INT(dec_update_part((const uint8_t *)"", 0), FL_E_PARSE);
	w_uint(&w, 9, 1);   /* only an unknown field */
	EXPECT(update_part, &w, FL_E_PARSE);

	/* NUL bytes inside strings, top level and nested. */
	w_bytes(&w, 1, "ab\0cd", 5);
	EXPECT(site_add, &w, FL_E_PARSE);
	w_bytes(&w, 2, "shu\0ttle", 8);
	EXPECT(poll_req, &w, FL_E_PARSE);
	w_bytes(&sub, 5, "[job]\0", 6);
	w_bytes(&w, 1, sub.b, sub.n);
	free(sub.b);
	memset(&sub, 0, sizeof(sub));
	EXPECT(task, &w, FL_E_PARSE);
	/* ...but NUL bytes in bytes fields are data. */
	w_uint(&w, 1, 4);
	w_bytes(&w, 3, "\0\0\0\0", 4);
	EXPECT(chunk, &w, 0);
}

static void check_untouched(const sample *task)
{
	fl_msg_task t;
	fl_msg_site_add sa;
	static const uint8_t bad[] = { 0x0a, 0x05, 'a', 'b', 0, 'c', 'd' };

	memset(&t, 0x3c, sizeof(t));
	FL_CHECK_EQ_INT(fl_codec_decode_task(task->buf, task->len - 1, &t), FL_E_PARSE);
	FL_CHECK(t.job_id == 0x3c3c3c3c3c3c3c3cULL);
	memset(&sa, 0x3c, sizeof(sa));
	FL_CHECK_EQ_INT(fl_codec_decode_site_add(bad, sizeof(bad), &sa), FL_E_PARSE);
	FL_CHECK(sa.name[0] == 0x3c);
}

static void check_encode_refusals(void)
{
	fl_msg_site_add sa;
	fl_msg_task t = { 0 };
	uint8_t *b = NULL;
	size_t n;

	memset(&sa, 'x', sizeof(sa));   /* no NUL in the fixed fields */
	FL_CHECK_EQ_INT(fl_codec_encode_site_add(&sa, &b, &n), FL_E_INVAL);
	t.kind = (enum fl_task_kind)9;
	FL_CHECK_EQ_INT(fl_codec_encode_task(&t, &b, &n), FL_E_RANGE);
	FL_CHECK(b == NULL);
}

static int write_corpus(const char *dir, const sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[1024];
		FILE *f;

		if (s[i].len > 4096)
			continue;   /* keep the seed corpus small */
		snprintf(path, sizeof(path), "%s/%s", dir, s[i].name);
		if ((f = fopen(path, "wb")) == NULL)
			return 1;
		fputc((int)fuzz_codec_id(s[i].name), f);
		fwrite(s[i].buf, 1, s[i].len, f);
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { N = 18 };
	sample s[N] = {
		{ "poll_req", dec_poll_req, NULL, 0 },
		{ "task", dec_task, NULL, 0 },
		{ "model_req", dec_model_req, NULL, 0 },
		{ "chunk", dec_chunk, NULL, 0 },
		{ "update_part", dec_update_part, NULL, 0 },
		{ "update_part_data", dec_update_part, NULL, 0 },
		{ "update_reply", dec_update_reply, NULL, 0 },
		{ "empty", dec_empty, NULL, 0 },
		{ "job_submit", dec_job_submit, NULL, 0 },
		{ "job_ref", dec_job_ref, NULL, 0 },
		{ "job_info", dec_job_info, NULL, 0 },
		{ "job_list", dec_job_list, NULL, 0 },
		{ "job_status", dec_job_status, NULL, 0 },
		{ "site_info", dec_site_info, NULL, 0 },
		{ "site_add", dec_site_add, NULL, 0 },
		{ "site_list", dec_site_list, NULL, 0 },
		{ "crl", dec_crl, NULL, 0 },
		{ "members", dec_members, NULL, 0 },
	};
	int rc = 0;

	rt_poll_req(&s[0]);
	rt_task(&s[1]);
	rt_model_req(&s[2]);
	rt_chunk(&s[3]);
	rt_update_part(&s[4], &s[5]);
	rt_small(&s[6], &s[7], &s[8], &s[9]);
	rt_jobs(&s[10], &s[11], &s[12]);
	rt_sites(&s[13], &s[14], &s[15]);
	rt_crl(&s[16]);
	rt_members(&s[17]);
	for (int i = 0; i < N; i++)
		check_common_refusals(&s[i]);
	check_caps();
	check_untouched(&s[1]);
	check_encode_refusals();
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		rc = write_corpus(argv[2], s, N);
	for (int i = 0; i < N; i++)
		free(s[i].buf);
	return rc ? rc : FL_TEST_DONE();
}
