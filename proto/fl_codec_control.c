/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_control: encode/decode the control service messages. */
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_codec_int.h"
#include "fl_err.h"

/* Unpacks the decoder's (buf, len) as desc, setting r. */
#define UNPACK(desc) ((void *)fl_codec_unpack(&(desc), buf, len, &r))
#define FIXED_OK(s, field) fl_codec_fixed_ok((s)->field, sizeof((s)->field))
#define STR_IN(o, field, src) fl_codec_str_in((o)->field, sizeof((o)->field), (src))

/* ---- Empty, JobSubmit, JobRef ---- */

int fl_codec_encode_empty(const int *in, uint8_t **buf, size_t *len)
{
	Fedc__V1__Empty m = FEDC__V1__EMPTY__INIT;

	(void)in;
	if (!buf || !len)
		return FL_E_INVAL;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_empty(const uint8_t *buf, size_t len, int *out)
{
	Fedc__V1__Empty *m;
	int r;

	if ((m = UNPACK(fedc__v1__empty__descriptor)) == NULL)
		return r;
	fl_codec_free(&m->base);
	if (out)
		*out = 0;
	return 0;
}

int fl_codec_encode_job_submit(const fl_msg_job_submit *in, uint8_t **buf,
			       size_t *len)
{
	Fedc__V1__JobSubmit m = FEDC__V1__JOB_SUBMIT__INIT;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	if (in->spec) {
		if (strlen(in->spec) > FL_MSG_SPEC_MAX)
			return FL_E_TOOBIG;
		m.spec = in->spec;
	}
	if (in->spec_sig_len > FL_MSG_SPEC_SIG_MAX ||
	    (in->spec_cert && strlen(in->spec_cert) > FL_MSG_SPEC_CERT_MAX))
		return FL_E_TOOBIG;
	m.spec_sig.data = (uint8_t *)in->spec_sig;
	m.spec_sig.len = in->spec_sig_len;
	if (in->spec_cert)
		m.spec_cert = in->spec_cert;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_job_submit(const uint8_t *buf, size_t len,
			       fl_msg_job_submit *out)
{
	Fedc__V1__JobSubmit *m;
	fl_msg_job_submit o;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&o, 0, sizeof(o));
	if ((m = UNPACK(fedc__v1__job_submit__descriptor)) == NULL)
		return r;
	/* spec: always an allocated string, "" when empty; spec_cert: NULL. */
	if ((r = fl_codec_bytes_in(o.spec_sig, sizeof(o.spec_sig),
				   &o.spec_sig_len, m->spec_sig)) != 0 ||
	    (r = fl_codec_str_dup(m->spec, FL_MSG_SPEC_MAX, false, &o.spec)) != 0 ||
	    (r = fl_codec_str_dup(m->spec_cert, FL_MSG_SPEC_CERT_MAX, true,
				  &o.spec_cert)) != 0) {
		fl_msg_job_submit_clear(&o);
		goto out;
	}
	*out = o;
out:
	fl_codec_free(&m->base);
	return r;
}

int fl_codec_encode_job_ref(const fl_msg_job_ref *in, uint8_t **buf,
			    size_t *len)
{
	Fedc__V1__JobRef m = FEDC__V1__JOB_REF__INIT;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	m.job_id = in->job_id;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_job_ref(const uint8_t *buf, size_t len,
			    fl_msg_job_ref *out)
{
	Fedc__V1__JobRef *m;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__job_ref__descriptor)) == NULL)
		return r;
	out->job_id = m->job_id;
	fl_codec_free(&m->base);
	return 0;
}

/* ---- Metrics, JobInfo (shared by several replies) ---- */

static void metrics_out(const fl_msg_metrics *in, Fedc__V1__Metrics *pb)
{
	fedc__v1__metrics__init(pb);
	pb->present = in->present;
	pb->n = in->n;
	pb->loss = in->loss;
	pb->accuracy = in->accuracy;
	pb->macro_f1 = in->macro_f1;
	pb->r2 = in->r2;
}

static void metrics_in(const Fedc__V1__Metrics *pb, fl_msg_metrics *out)
{
	memset(out, 0, sizeof(*out));
	if (!pb)
		return;
	out->present = pb->present != 0;
	out->n = pb->n;
	out->loss = pb->loss;
	out->accuracy = pb->accuracy;
	out->macro_f1 = pb->macro_f1;
	out->r2 = pb->r2;
}

/* Fills pb (and its metrics mpb) to point into in; no allocation. */
static int job_info_out(const fl_msg_job_info *in, Fedc__V1__JobInfo *pb,
			Fedc__V1__Metrics *mpb)
{
	if (!FIXED_OK(in, name) || !FIXED_OK(in, state) ||
	    !FIXED_OK(in, dataset) || !FIXED_OK(in, model) ||
	    !FIXED_OK(in, error) || !FIXED_OK(in, submitted_by))
		return FL_E_INVAL;
	fedc__v1__job_info__init(pb);
	pb->job_id = in->job_id;
	pb->name = (char *)in->name;
	pb->state = (char *)in->state;
	pb->dataset = (char *)in->dataset;
	pb->model = (char *)in->model;
	pb->rounds_total = in->rounds_total;
	pb->rounds_done = in->rounds_done;
	pb->created_ms = in->created_ms;
	pb->updated_ms = in->updated_ms;
	pb->error = (char *)in->error;
	metrics_out(&in->metrics, mpb);
	pb->metrics = mpb;
	pb->submitted_by = (char *)in->submitted_by;
	return 0;
}

static int job_info_in(const Fedc__V1__JobInfo *pb, fl_msg_job_info *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = STR_IN(out, name, pb->name)) != 0 ||
	    (r = STR_IN(out, state, pb->state)) != 0 ||
	    (r = STR_IN(out, dataset, pb->dataset)) != 0 ||
	    (r = STR_IN(out, model, pb->model)) != 0 ||
	    (r = STR_IN(out, error, pb->error)) != 0 ||
	    (r = STR_IN(out, submitted_by, pb->submitted_by)) != 0)
		return r;
	out->job_id = pb->job_id;
	out->rounds_total = pb->rounds_total;
	out->rounds_done = pb->rounds_done;
	out->created_ms = pb->created_ms;
	out->updated_ms = pb->updated_ms;
	metrics_in(pb->metrics, &out->metrics);
	return 0;
}

int fl_codec_encode_job_info(const fl_msg_job_info *in, uint8_t **buf,
			     size_t *len)
{
	Fedc__V1__JobInfo m;
	Fedc__V1__Metrics mm;
	int r;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	if ((r = job_info_out(in, &m, &mm)) != 0)
		return r;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_job_info(const uint8_t *buf, size_t len,
			     fl_msg_job_info *out)
{
	Fedc__V1__JobInfo *m;
	fl_msg_job_info t;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__job_info__descriptor)) == NULL)
		return r;
	if ((r = job_info_in(m, &t)) == 0)
		*out = t;
	fl_codec_free(&m->base);
	return r;
}

/* ---- JobList ---- */

int fl_codec_encode_job_list(const fl_msg_job_list *in, uint8_t **buf,
			     size_t *len)
{
	Fedc__V1__JobList m = FEDC__V1__JOB_LIST__INIT;
	Fedc__V1__JobInfo *infos = NULL, **ptrs = NULL;
	Fedc__V1__Metrics *mets = NULL;
	size_t n;
	int r = 0;

	if (!in || !buf || !len || (!in->jobs && in->n))
		return FL_E_INVAL;
	if ((n = in->n) > FL_MSG_MAX_LIST)
		return FL_E_TOOBIG;
	if (n && ((infos = calloc(n, sizeof(*infos))) == NULL ||
		  (ptrs = calloc(n, sizeof(*ptrs))) == NULL ||
		  (mets = calloc(n, sizeof(*mets))) == NULL)) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((r = job_info_out(&in->jobs[i], &infos[i], &mets[i])) != 0)
			goto out;
		ptrs[i] = &infos[i];
	}
	m.n_jobs = n;
	m.jobs = ptrs;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(infos);
	free(ptrs);
	free(mets);
	return r;
}

int fl_codec_decode_job_list(const uint8_t *buf, size_t len,
			     fl_msg_job_list *out)
{
	Fedc__V1__JobList *m;
	fl_msg_job_info *jobs = NULL;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__job_list__descriptor)) == NULL)
		return r;
	if (m->n_jobs > FL_MSG_MAX_LIST) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (m->n_jobs && (jobs = calloc(m->n_jobs, sizeof(*jobs))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->n_jobs; i++)
		if ((r = job_info_in(m->jobs[i], &jobs[i])) != 0)
			goto out;
	out->jobs = jobs;
	out->n = m->n_jobs;
	jobs = NULL;
out:
	free(jobs);
	fl_codec_free(&m->base);
	return r;
}

/* ---- RoundInfo, JobStatus ---- */

/* Fills pb to point into in; *names is a malloc'd pointer array (caller
 * frees, also on error). */
static int round_info_out(const fl_msg_round_info *in, Fedc__V1__RoundInfo *pb,
			  Fedc__V1__Metrics *mpb, char ***names)
{
	*names = NULL;
	if (!FIXED_OK(in, state) || !FIXED_OK(in, kind) || !FIXED_OK(in, closed_by))
		return FL_E_INVAL;
	if (in->nparticipants > FL_MSG_MAX_PARTICIPANTS)
		return FL_E_TOOBIG;
	if (!in->participants && in->nparticipants)
		return FL_E_INVAL;
	if (in->nparticipants &&
	    (*names = calloc(in->nparticipants, sizeof(**names))) == NULL)
		return FL_E_NOMEM;
	for (uint32_t i = 0; i < in->nparticipants; i++) {
		if (!fl_codec_fixed_ok(in->participants[i], FL_NAME_BYTES))
			return FL_E_INVAL;
		(*names)[i] = (char *)in->participants[i];
	}
	fedc__v1__round_info__init(pb);
	pb->round = in->round;
	pb->attempt = in->attempt;
	pb->state = (char *)in->state;
	pb->kind = (char *)in->kind;
	pb->selected = in->selected;
	pb->survived = in->survived;
	pb->started_ms = in->started_ms;
	pb->finished_ms = in->finished_ms;
	pb->train_loss = in->train_loss;
	pb->closed_by = (char *)in->closed_by;
	metrics_out(&in->eval, mpb);
	pb->eval = mpb;
	pb->n_participants = in->nparticipants;
	pb->participants = *names;
	return 0;
}

/* On success out owns its participants array (fl_msg_round_info_clear). */
static int round_info_in(const Fedc__V1__RoundInfo *pb, fl_msg_round_info *out)
{
	uint8_t by[FL_MSG_PHASES];
	fl_msg_round_info t;
	int r = 0;

	memset(&t, 0, sizeof(t));
	if (pb->n_participants > FL_MSG_MAX_PARTICIPANTS)
		return FL_E_TOOBIG;
	if ((r = STR_IN(&t, state, pb->state)) != 0 ||
	    (r = STR_IN(&t, kind, pb->kind)) != 0 ||
	    (r = STR_IN(&t, closed_by, pb->closed_by)) != 0)
		return r;
	if (fl_msg_closed_by_parse(t.closed_by, by) != 0)
		return FL_E_PARSE;
	if (pb->n_participants &&
	    (t.participants = calloc(pb->n_participants, FL_NAME_BYTES)) == NULL)
		return FL_E_NOMEM;
	for (size_t i = 0; i < pb->n_participants; i++)
		if ((r = fl_codec_str_in(t.participants[i], FL_NAME_BYTES,
					 pb->participants[i])) != 0) {
			free(t.participants);
			return r;
		}
	t.nparticipants = (uint32_t)pb->n_participants;
	t.round = pb->round;
	t.attempt = pb->attempt;
	t.selected = pb->selected;
	t.survived = pb->survived;
	t.started_ms = pb->started_ms;
	t.finished_ms = pb->finished_ms;
	t.train_loss = pb->train_loss;
	metrics_in(pb->eval, &t.eval);
	*out = t;
	return 0;
}

int fl_codec_encode_job_status(const fl_msg_job_status *in, uint8_t **buf,
			       size_t *len)
{
	Fedc__V1__JobStatus m = FEDC__V1__JOB_STATUS__INIT;
	Fedc__V1__JobPrivacy pv = FEDC__V1__JOB_PRIVACY__INIT;
	Fedc__V1__JobInfo job;
	Fedc__V1__Metrics jm;
	Fedc__V1__RoundInfo *rounds = NULL, **ptrs = NULL;
	Fedc__V1__Metrics *mets = NULL;
	Fedc__V1__SiteDecline *decl = NULL, **decl_ptrs = NULL;
	char ***names = NULL;
	size_t n;
	int r;

	if (!in || !buf || !len || (!in->rounds && in->nrounds))
		return FL_E_INVAL;
	if ((n = in->nrounds) > FL_MSG_MAX_LIST)
		return FL_E_TOOBIG;
	if ((r = job_info_out(&in->job, &job, &jm)) != 0)
		return r;
	if ((r = fl_codec_declines_out(in->declines, in->ndeclines, &decl,
				       &decl_ptrs)) != 0)
		return r;
	if (n && ((rounds = calloc(n, sizeof(*rounds))) == NULL ||
		  (ptrs = calloc(n, sizeof(*ptrs))) == NULL ||
		  (mets = calloc(n, sizeof(*mets))) == NULL ||
		  (names = calloc(n, sizeof(*names))) == NULL)) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((r = round_info_out(&in->rounds[i], &rounds[i], &mets[i],
					&names[i])) != 0)
			goto out;
		ptrs[i] = &rounds[i];
	}
	m.job = &job;
	m.n_rounds = n;
	m.rounds = ptrs;
	m.n_declines = in->ndeclines;
	m.declines = decl_ptrs;
	if (in->privacy.present) {
		pv.epsilon_spent = in->privacy.epsilon_spent;
		pv.epsilon_planned = in->privacy.epsilon_planned;
		pv.delta = in->privacy.delta;
		pv.rho_spent = in->privacy.rho_spent;
		pv.rho_per_round = in->privacy.rho_per_round;
		pv.noisy_attempts = in->privacy.noisy_attempts;
		pv.noise_multiplier = in->privacy.noise_multiplier;
		pv.l2_clip = in->privacy.l2_clip;
		pv.epsilon_limit = in->privacy.epsilon_limit;
		m.privacy = &pv;
	}
	r = fl_codec_pack(&m.base, buf, len);
out:
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	free(decl);
	free(decl_ptrs);
	free(rounds);
	free(ptrs);
	free(mets);
	return r;
}

int fl_codec_decode_job_status(const uint8_t *buf, size_t len,
			       fl_msg_job_status *out)
{
	Fedc__V1__JobStatus *m;
	fl_msg_job_status t;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((m = UNPACK(fedc__v1__job_status__descriptor)) == NULL)
		return r;
	if (m->n_rounds > FL_MSG_MAX_LIST) {
		r = FL_E_TOOBIG;
		goto out;
	}
	/* A status without its job is malformed. */
	if (!m->job) {
		r = FL_E_PARSE;
		goto out;
	}
	if ((r = job_info_in(m->job, &t.job)) != 0)
		goto out;
	if (m->n_rounds &&
	    (t.rounds = calloc(m->n_rounds, sizeof(*t.rounds))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->n_rounds; i++) {
		if ((r = round_info_in(m->rounds[i], &t.rounds[i])) != 0)
			goto out;
		t.nrounds = i + 1;
	}
	if ((r = fl_codec_declines_in(m->declines, m->n_declines, &t.declines,
				      &t.ndeclines)) != 0)
		goto out;
	if (m->privacy) {
		const Fedc__V1__JobPrivacy *p = m->privacy;

		t.privacy.present = true;
		t.privacy.epsilon_spent = p->epsilon_spent;
		t.privacy.epsilon_planned = p->epsilon_planned;
		t.privacy.delta = p->delta;
		t.privacy.rho_spent = p->rho_spent;
		t.privacy.rho_per_round = p->rho_per_round;
		t.privacy.noisy_attempts = p->noisy_attempts;
		t.privacy.noise_multiplier = p->noise_multiplier;
		t.privacy.l2_clip = p->l2_clip;
		t.privacy.epsilon_limit = p->epsilon_limit;
	}
	*out = t;
	memset(&t, 0, sizeof(t));
out:
	fl_msg_job_status_clear(&t);
	fl_codec_free(&m->base);
	return r;
}

/* ---- SiteInfo, SiteAdd, SiteList ---- */

static int site_info_out(const fl_msg_site_info *in, Fedc__V1__SiteInfo *pb)
{
	if (!FIXED_OK(in, name) || !FIXED_OK(in, role))
		return FL_E_INVAL;
	fedc__v1__site_info__init(pb);
	pb->name = (char *)in->name;
	pb->role = (char *)in->role;
	pb->added_ms = in->added_ms;
	pb->last_seen_ms = in->last_seen_ms;
	pb->online = in->online;
	pb->revoked = in->revoked;
	return 0;
}

static int site_info_in(const Fedc__V1__SiteInfo *pb, fl_msg_site_info *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = STR_IN(out, name, pb->name)) != 0 ||
	    (r = STR_IN(out, role, pb->role)) != 0)
		return r;
	out->added_ms = pb->added_ms;
	out->last_seen_ms = pb->last_seen_ms;
	out->online = pb->online != 0;
	out->revoked = pb->revoked != 0;
	return 0;
}

int fl_codec_encode_site_info(const fl_msg_site_info *in, uint8_t **buf,
			      size_t *len)
{
	Fedc__V1__SiteInfo m;
	int r;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	if ((r = site_info_out(in, &m)) != 0)
		return r;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_site_info(const uint8_t *buf, size_t len,
			      fl_msg_site_info *out)
{
	Fedc__V1__SiteInfo *m;
	fl_msg_site_info t;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__site_info__descriptor)) == NULL)
		return r;
	if ((r = site_info_in(m, &t)) == 0)
		*out = t;
	fl_codec_free(&m->base);
	return r;
}

int fl_codec_encode_site_add(const fl_msg_site_add *in, uint8_t **buf,
			     size_t *len)
{
	Fedc__V1__SiteAdd m = FEDC__V1__SITE_ADD__INIT;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	if (!FIXED_OK(in, name) || !FIXED_OK(in, role))
		return FL_E_INVAL;
	m.name = (char *)in->name;
	m.role = (char *)in->role;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_site_add(const uint8_t *buf, size_t len,
			     fl_msg_site_add *out)
{
	Fedc__V1__SiteAdd *m;
	fl_msg_site_add t;
	int r;

	if (!out)
		return FL_E_INVAL;
	memset(&t, 0, sizeof(t));
	if ((m = UNPACK(fedc__v1__site_add__descriptor)) == NULL)
		return r;
	if ((r = STR_IN(&t, name, m->name)) == 0 &&
	    (r = STR_IN(&t, role, m->role)) == 0)
		*out = t;
	fl_codec_free(&m->base);
	return r;
}

int fl_codec_encode_site_list(const fl_msg_site_list *in, uint8_t **buf,
			      size_t *len)
{
	Fedc__V1__SiteList m = FEDC__V1__SITE_LIST__INIT;
	Fedc__V1__SiteInfo *infos = NULL, **ptrs = NULL;
	size_t n;
	int r = 0;

	if (!in || !buf || !len || (!in->sites && in->n))
		return FL_E_INVAL;
	if ((n = in->n) > FL_MSG_MAX_LIST)
		return FL_E_TOOBIG;
	if (n && ((infos = calloc(n, sizeof(*infos))) == NULL ||
		  (ptrs = calloc(n, sizeof(*ptrs))) == NULL)) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((r = site_info_out(&in->sites[i], &infos[i])) != 0)
			goto out;
		ptrs[i] = &infos[i];
	}
	m.n_sites = n;
	m.sites = ptrs;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(infos);
	free(ptrs);
	return r;
}

int fl_codec_decode_site_list(const uint8_t *buf, size_t len,
			      fl_msg_site_list *out)
{
	Fedc__V1__SiteList *m;
	fl_msg_site_info *sites = NULL;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__site_list__descriptor)) == NULL)
		return r;
	if (m->n_sites > FL_MSG_MAX_LIST) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (m->n_sites && (sites = calloc(m->n_sites, sizeof(*sites))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->n_sites; i++)
		if ((r = site_info_in(m->sites[i], &sites[i])) != 0)
			goto out;
	out->sites = sites;
	out->n = m->n_sites;
	sites = NULL;
out:
	free(sites);
	fl_codec_free(&m->base);
	return r;
}

/* ---- tables shared with the other codec files ---- */

#define SI(k, f) FL_CT_##k(fl_msg_site_info, f, Fedc__V1__SiteInfo, f)
static const fl_codec_field site_info_f[] = {
	SI(FIXSTR, name), SI(FIXSTR, role), SI(NUM, added_ms), SI(NUM, last_seen_ms),
	SI(BOOL, online), SI(BOOL, revoked),
};
#undef SI
const fl_codec_tab fl_codec_tab_site_info =
	FL_CT_TAB(fedc__v1__site_info__descriptor, fl_msg_site_info, site_info_f);
