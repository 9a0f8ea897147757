/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_agent: encode/decode the agent service messages (agent.proto). */
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_codec_int.h"
#include "fl_err.h"

/* Unpacks the decoder's (buf, len) as desc, setting r. */
#define UNPACK(desc) ((void *)fl_codec_unpack(&(desc), buf, len, &r))

/* ---- PollRequest ---- */

#define PR(k, f) FL_CT_##k(fl_msg_poll_req, f, Fedc__V1__PollRequest, f)
FL_CT_MESSAGE(poll_req_tab, fedc__v1__poll_request__descriptor, fl_msg_poll_req,
	FL_CT_STRLIST(fl_msg_poll_req, datasets, ndatasets, Fedc__V1__PollRequest,
		      datasets, FL_MSG_MAX_DATASETS, 0),
	PR(FIXSTR, agent_version), PR(NUM, min_honest), PR(NUM, colluders),
	PR(NUM, wait_ms));
#undef PR
FL_CODEC_TAB_FUNCS(poll_req, fl_msg_poll_req, poll_req_tab)

/* ---- PollReply{Task} ---- */

/* The secure-aggregation part of a Task; sa's seed points into p. */
static void sa_params_out(const fl_msg_sa_params *p, Fedc__V1__SaParams *sa)
{
	sa->client_id = p->client_id;
	sa->n = p->n;
	sa->t = p->t;
	sa->k = p->k;
	sa->words = p->words;
	sa->round_seed.len = FL_MSG_SEED_BYTES;
	sa->round_seed.data = (uint8_t *)p->round_seed;
	sa->consistency = p->consistency;
	sa->clip = p->clip;
	sa->bits = p->bits;
	sa->nreal = p->nreal;
	sa->weight_scale = p->weight_scale;
	sa->q = p->q;
	if (p->has_model) {
		sa->model_sha256.len = FL_MSG_DIGEST_BYTES;
		sa->model_sha256.data = (uint8_t *)p->model_sha256;
	}
	sa->n_names = p->names ? p->n : 0;
	sa->names = p->names;
}

/* The participants' names: exactly n, each a non-empty name shorter than
 * FL_NAME_BYTES (a copy in one allocation goes to *out). */
static int names_in(const Fedc__V1__SaParams *sa, uint32_t n, char ***out)
{
	for (size_t i = 0; i < sa->n_names; i++)
		if (!sa->names[i] || !sa->names[i][0] ||
		    strlen(sa->names[i]) >= FL_NAME_BYTES)
			return FL_E_RANGE;
	if (sa->n_names != n)
		return FL_E_RANGE;
	if (!(*out = fl_msg_names_dup((const char *const *)sa->names, n)))
		return FL_E_NOMEM;
	return 0;
}

/* An empty round_seed decodes as all zeros; any other length but 32 is
 * refused, as are parameters fl_codec_sa_params_check refuses. */
static int sa_params_in(const Fedc__V1__SaParams *sa, int phase,
			fl_msg_sa_params *p)
{
	fl_msg_sa_params o;
	int r;

	memset(&o, 0, sizeof(o));
	if (sa) {
		if (sa->round_seed.len != 0 &&
		    sa->round_seed.len != FL_MSG_SEED_BYTES)
			return FL_E_RANGE;
		if (sa->round_seed.len)
			memcpy(o.round_seed, sa->round_seed.data,
			       FL_MSG_SEED_BYTES);
		o.client_id = sa->client_id;
		o.n = sa->n;
		o.t = sa->t;
		o.k = sa->k;
		o.words = sa->words;
		o.consistency = sa->consistency != 0;
		o.clip = sa->clip;
		o.bits = sa->bits;
		o.nreal = sa->nreal;
		o.weight_scale = sa->weight_scale;
		o.q = sa->q;
		if (sa->model_sha256.len != 0 &&
		    sa->model_sha256.len != FL_MSG_DIGEST_BYTES)
			return FL_E_RANGE;
		if ((o.has_model = sa->model_sha256.len != 0))
			memcpy(o.model_sha256, sa->model_sha256.data,
			       FL_MSG_DIGEST_BYTES);
	}
	if ((r = fl_codec_sa_params_check(&o, phase)) != 0)
		return r;
	if (sa && phase != FL_SA_OFF && (r = names_in(sa, o.n, &o.names)) != 0)
		return r;
	*p = o;
	return 0;
}

int fl_codec_encode_task(const fl_msg_task *in, uint8_t **buf, size_t *len)
{
	Fedc__V1__PollReply m = FEDC__V1__POLL_REPLY__INIT;
	Fedc__V1__Task t = FEDC__V1__TASK__INIT;
	Fedc__V1__SaParams sa = FEDC__V1__SA_PARAMS__INIT;
	int phase;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	if ((int)in->kind < FL_TASK_NONE || in->kind > FL_TASK_EVAL ||
	    fl_codec_sa_phase_in((int)in->phase, &phase) != 0)
		return FL_E_RANGE;
	/* The parameters travel only with a secure-aggregation phase. */
	if (phase != FL_SA_OFF) {
		if (fl_codec_sa_params_check(&in->sa, phase) != 0 || !in->sa.names)
			return FL_E_RANGE;
		sa_params_out(&in->sa, &sa);
		t.secagg = &sa;
	}
	t.phase = (Fedc__V1__SaPhase)phase;
	if ((in->spec && strlen(in->spec) > FL_MSG_SPEC_MAX) ||
	    in->spec_sig_len > FL_MSG_SPEC_SIG_MAX ||
	    (in->spec_cert && strlen(in->spec_cert) > FL_MSG_SPEC_CERT_MAX))
		return FL_E_TOOBIG;
	t.spec_sig.data = (uint8_t *)in->spec_sig;
	t.spec_sig.len = in->spec_sig_len;
	if (in->spec_cert)
		t.spec_cert = in->spec_cert;
	t.job_id = in->job_id;
	t.round = in->round;
	t.attempt = in->attempt;
	t.kind = (Fedc__V1__TaskKind)in->kind;
	if (in->spec)
		t.spec = in->spec;
	t.deadline_ms = in->deadline_ms;
	t.poll_ms = in->poll_ms;
	t.model_bytes = in->model_bytes;
	m.task = &t;
	m.crl_number = in->crl_number;
	m.members_version = in->members_version;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_task(const uint8_t *buf, size_t len, fl_msg_task *out)
{
	Fedc__V1__PollReply *m = NULL;
	const Fedc__V1__Task *t;
	fl_msg_task o;
	int kind = FL_TASK_NONE, phase = FL_SA_OFF, r;

	if (!out)
		return FL_E_INVAL;
	memset(&o, 0, sizeof(o));
	if ((m = UNPACK(fedc__v1__poll_reply__descriptor)) == NULL)
		goto out;
	/* A reply without a task means "nothing to do". */
	if ((t = m->task) != NULL) {
		if ((r = fl_codec_task_kind_in((int)t->kind, &kind)) != 0 ||
		    (r = fl_codec_sa_phase_in((int)t->phase, &phase)) != 0 ||
		    (r = sa_params_in(t->secagg, phase, &o.sa)) != 0)
			goto out;
		if ((r = fl_codec_str_dup(t->spec, FL_MSG_SPEC_MAX, true,
					  &o.spec)) != 0 ||
		    (r = fl_codec_bytes_in(o.spec_sig, sizeof(o.spec_sig),
					   &o.spec_sig_len, t->spec_sig)) != 0 ||
		    (r = fl_codec_str_dup(t->spec_cert, FL_MSG_SPEC_CERT_MAX, true,
					  &o.spec_cert)) != 0) {
			fl_msg_task_clear(&o);
			goto out;
		}
		o.job_id = t->job_id;
		o.round = t->round;
		o.attempt = t->attempt;
		o.deadline_ms = t->deadline_ms;
		o.poll_ms = t->poll_ms;
		o.model_bytes = t->model_bytes;
	}
	o.kind = (enum fl_task_kind)kind;
	o.phase = (enum fl_sa_phase)phase;
	o.crl_number = m->crl_number;
	o.members_version = m->members_version;
	*out = o;
out:
	fl_codec_free(m ? &m->base : NULL);
	return r;
}

/* ---- ModelRequest ---- */

FL_CT_MESSAGE(model_req_tab, fedc__v1__model_request__descriptor, fl_msg_model_req,
	FL_CT_NUM(fl_msg_model_req, job_id, Fedc__V1__ModelRequest, job_id),
	FL_CT_NUM(fl_msg_model_req, version, Fedc__V1__ModelRequest, version),
	FL_CT_BOOL(fl_msg_model_req, latest, Fedc__V1__ModelRequest, latest));
FL_CODEC_TAB_FUNCS(model_req, fl_msg_model_req, model_req_tab)

/* ---- ModelChunk ---- */

/* The slice must lie inside the file it claims to be part of. */
static int chunk_slice_dec(const void *pb)
{
	const Fedc__V1__ModelChunk *m = pb;

	if (m->offset > m->total_bytes || m->data.len > m->total_bytes - m->offset)
		return FL_E_RANGE;
	return 0;
}

#define CH(f) FL_CT_NUM(fl_msg_chunk, f, Fedc__V1__ModelChunk, f)
FL_CT_MESSAGE(chunk_tab, fedc__v1__model_chunk__descriptor, fl_msg_chunk,
	FL_CT_DATA(fl_msg_chunk, data, len, Fedc__V1__ModelChunk, data,
		   FL_MSG_CHUNK_MAX, 0),
	FL_CT_CHECK(NULL, chunk_slice_dec),
	CH(total_bytes), CH(offset));
#undef CH
FL_CODEC_TAB_FUNCS(chunk, fl_msg_chunk, chunk_tab)
FL_CODEC_TAB_CLEAR(fl_msg_chunk_clear, fl_msg_chunk, chunk_tab)

/* Copies len bytes into a fresh buffer (NULL for zero bytes). */
static int bytes_dup(const ProtobufCBinaryData *b, uint8_t **out)
{
	*out = NULL;
	if (b->len == 0)
		return 0;
	if ((*out = malloc(b->len)) == NULL)
		return FL_E_NOMEM;
	memcpy(*out, b->data, b->len);
	return 0;
}

/* ---- UpdateChunk ---- */

int fl_codec_encode_update_part(const fl_msg_update_part *in, uint8_t **buf,
				size_t *len)
{
	Fedc__V1__UpdateChunk m = FEDC__V1__UPDATE_CHUNK__INIT;
	Fedc__V1__UpdateHeader h = FEDC__V1__UPDATE_HEADER__INIT;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	if (in->is_header) {
		const fl_msg_update_header *s = &in->header;

		if ((int)s->kind < FL_TASK_NONE || s->kind > FL_TASK_EVAL ||
		    (int)s->encoding < FL_ENC_F64 || s->encoding > FL_ENC_U32)
			return FL_E_RANGE;
		h.job_id = s->job_id;
		h.round = s->round;
		h.attempt = s->attempt;
		h.kind = (Fedc__V1__TaskKind)s->kind;
		h.encoding = (Fedc__V1__Encoding)s->encoding;
		h.words = s->words;
		if (s->has_context) {
			h.context.len = FL_MSG_DIGEST_BYTES;
			h.context.data = (uint8_t *)s->context;
		}
		m.part_case = FEDC__V1__UPDATE_CHUNK__PART_HEADER;
		m.header = &h;
	} else {
		if (!in->data && in->len)
			return FL_E_INVAL;
		if (in->len > FL_MSG_CHUNK_MAX)
			return FL_E_TOOBIG;
		m.part_case = FEDC__V1__UPDATE_CHUNK__PART_DATA;
		m.data.len = in->len;
		m.data.data = in->data;
	}
	return fl_codec_pack(&m.base, buf, len);
}

static int update_header_in(const Fedc__V1__UpdateHeader *h,
			    fl_msg_update_header *o)
{
	int kind, enc, r;

	if ((r = fl_codec_task_kind_in((int)h->kind, &kind)) != 0 ||
	    (r = fl_codec_encoding_in((int)h->encoding, &enc)) != 0)
		return r;
	o->job_id = h->job_id;
	o->round = h->round;
	o->attempt = h->attempt;
	o->kind = (enum fl_task_kind)kind;
	o->encoding = (enum fl_encoding)enc;
	o->words = h->words;
	if (h->context.len != 0 && h->context.len != FL_MSG_DIGEST_BYTES)
		return FL_E_RANGE;
	if ((o->has_context = h->context.len != 0))
		memcpy(o->context, h->context.data, FL_MSG_DIGEST_BYTES);
	return 0;
}

int fl_codec_decode_update_part(const uint8_t *buf, size_t len,
				fl_msg_update_part *out)
{
	Fedc__V1__UpdateChunk *m = NULL;
	fl_msg_update_part o;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&o, 0, sizeof(o));
	if ((m = UNPACK(fedc__v1__update_chunk__descriptor)) == NULL)
		goto out;
	switch (m->part_case) {
	case FEDC__V1__UPDATE_CHUNK__PART_HEADER:
		if (!m->header) {
			r = FL_E_PARSE;
			goto out;
		}
		o.is_header = true;
		r = update_header_in(m->header, &o.header);
		break;
	case FEDC__V1__UPDATE_CHUNK__PART_DATA:
		if (m->data.len > FL_MSG_CHUNK_MAX) {
			r = FL_E_TOOBIG;
			goto out;
		}
		o.len = m->data.len;
		r = bytes_dup(&m->data, &o.data);
		break;
	default:
		r = FL_E_PARSE;   /* neither header nor data */
		break;
	}
	if (r == 0)
		*out = o;
out:
	fl_codec_free(m ? &m->base : NULL);
	return r;
}

/* ---- UpdateReply, CrlInfo, MembersInfo ---- */

FL_CT_MESSAGE(update_reply_tab, fedc__v1__update_reply__descriptor, fl_msg_update_reply,
	FL_CT_NUM(fl_msg_update_reply, words, Fedc__V1__UpdateReply, words));
FL_CODEC_TAB_FUNCS(update_reply, fl_msg_update_reply, update_reply_tab)

FL_CT_MESSAGE(crl_tab, fedc__v1__crl_info__descriptor, fl_msg_crl,
	FL_CT_STR(fl_msg_crl, pem, Fedc__V1__CrlInfo, crl_pem, FL_MSG_CRL_MAX,
		  FL_CF_NULL_EMPTY),
	FL_CT_NUM(fl_msg_crl, number, Fedc__V1__CrlInfo, number));
FL_CODEC_TAB_FUNCS(crl, fl_msg_crl, crl_tab)
FL_CODEC_TAB_CLEAR(fl_msg_crl_clear, fl_msg_crl, crl_tab)

FL_CT_MESSAGE(members_tab, fedc__v1__members_info__descriptor, fl_msg_members,
	FL_CT_STR(fl_msg_members, text, Fedc__V1__MembersInfo, text,
		  FL_MSG_MEMBERS_MAX, FL_CF_NULL_EMPTY),
	FL_CT_NUM(fl_msg_members, version, Fedc__V1__MembersInfo, version));
FL_CODEC_TAB_FUNCS(members, fl_msg_members, members_tab)
FL_CODEC_TAB_CLEAR(fl_msg_members_clear, fl_msg_members, members_tab)
