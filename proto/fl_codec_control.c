/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_control: encode/decode the control service messages. */
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_codec_int.h"
#include "fl_err.h"

/* ---- Empty, JobSubmit, JobRef ---- */

FL_CODEC_EMPTY_FUNCS(empty, fedc__v1__empty__descriptor)

/* spec: always an allocated string, "" when empty; spec_cert: NULL. */
#define JS fl_msg_job_submit
#define PJS Fedc__V1__JobSubmit
FL_CT_MESSAGE(job_submit_tab, fedc__v1__job_submit__descriptor, fl_msg_job_submit,
	FL_CT_VBYTES(JS, spec_sig, spec_sig_len, PJS, spec_sig, FL_E_TOOBIG),
	FL_CT_STR(JS, spec, PJS, spec, FL_MSG_SPEC_MAX, 0),
	FL_CT_STR(JS, spec_cert, PJS, spec_cert, FL_MSG_SPEC_CERT_MAX, FL_CF_NULL_EMPTY));

FL_CT_MESSAGE(job_ref_tab, fedc__v1__job_ref__descriptor, fl_msg_job_ref,
	FL_CT_NUM(fl_msg_job_ref, job_id, Fedc__V1__JobRef, job_id));

/* ---- Metrics, JobInfo (shared by several replies) ---- */

#define ME(k, f) FL_CT_##k(fl_msg_metrics, f, Fedc__V1__Metrics, f)
FL_CT_MESSAGE_PUBLIC(fl_codec_tab_metrics, fedc__v1__metrics__descriptor, fl_msg_metrics,
	ME(BOOL, present), ME(NUM, n), ME(NUM, loss), ME(NUM, accuracy),
	ME(NUM, macro_f1), ME(NUM, r2));
#undef ME

#define JI(k, f) FL_CT_##k(fl_msg_job_info, f, Fedc__V1__JobInfo, f)
FL_CT_MESSAGE(job_info_tab, fedc__v1__job_info__descriptor, fl_msg_job_info,
	JI(FIXSTR, name), JI(FIXSTR, state), JI(FIXSTR, dataset), JI(FIXSTR, model),
	JI(FIXSTR, error), JI(FIXSTR, submitted_by), JI(NUM, job_id),
	JI(NUM, rounds_total), JI(NUM, rounds_done), JI(NUM, created_ms),
	JI(NUM, updated_ms),
	FL_CT_SUB(fl_msg_job_info, metrics, Fedc__V1__JobInfo, metrics, fl_codec_tab_metrics, 0));
#undef JI

FL_CT_MESSAGE(job_list_tab, fedc__v1__job_list__descriptor, fl_msg_job_list,
	FL_CT_LIST(fl_msg_job_list, jobs, n, Fedc__V1__JobList, jobs, job_info_tab,
		   FL_MSG_MAX_LIST, 0));

/* ---- RoundInfo, JobStatus ---- */

/* closed_by must parse (fl_msg_closed_by_parse): FL_E_PARSE. */
static int closed_by_dec(const void *pb)
{
	uint8_t by[FL_MSG_PHASES];

	return fl_msg_closed_by_parse(((const Fedc__V1__RoundInfo *)pb)->closed_by,
				      by) != 0 ? FL_E_PARSE : 0;
}

#define RI(k, f) FL_CT_##k(fl_msg_round_info, f, Fedc__V1__RoundInfo, f)
FL_CT_MESSAGE(round_info_tab, fedc__v1__round_info__descriptor, fl_msg_round_info,
	RI(FIXSTR, state), RI(FIXSTR, kind), RI(FIXSTR, closed_by),
	FL_CT_CHECK(NULL, closed_by_dec),
	FL_CT_STRARR(fl_msg_round_info, participants, nparticipants,
		     Fedc__V1__RoundInfo, participants, FL_MSG_MAX_PARTICIPANTS, 0),
	RI(NUM, round), RI(NUM, attempt), RI(NUM, selected), RI(NUM, survived),
	RI(NUM, started_ms), RI(NUM, finished_ms), RI(NUM, train_loss),
	FL_CT_SUB(fl_msg_round_info, eval, Fedc__V1__RoundInfo, eval, fl_codec_tab_metrics, 0));
#undef RI

#define PV(f) FL_CT_NUM(fl_msg_job_privacy, f, Fedc__V1__JobPrivacy, f)
FL_CT_MESSAGE(privacy_tab, fedc__v1__job_privacy__descriptor, fl_msg_job_privacy,
	PV(epsilon_spent), PV(epsilon_planned), PV(delta), PV(rho_spent),
	PV(rho_per_round), PV(noisy_attempts), PV(noise_multiplier), PV(l2_clip),
	PV(epsilon_limit));
#undef PV

/* A status without its job is malformed (FL_E_PARSE). */
#define ST fl_msg_job_status
#define PST Fedc__V1__JobStatus
FL_CT_MESSAGE(job_status_tab, fedc__v1__job_status__descriptor, fl_msg_job_status,
	FL_CT_LIST(ST, rounds, nrounds, PST, rounds, round_info_tab, FL_MSG_MAX_LIST, 0),
	FL_CT_SUB(ST, job, PST, job, job_info_tab, FL_E_PARSE),
	FL_CT_LIST(ST, declines, ndeclines, PST, declines, fl_codec_tab_site_decline,
		   FL_MSG_MAX_LIST, 0),
	FL_CT_OPTSUB(ST, privacy, PST, privacy, privacy_tab, fl_msg_job_privacy, present));

/* ---- SiteInfo, SiteAdd, SiteList ---- */

#define SI(k, f) FL_CT_##k(fl_msg_site_info, f, Fedc__V1__SiteInfo, f)
FL_CT_MESSAGE_PUBLIC(fl_codec_tab_site_info, fedc__v1__site_info__descriptor,
		fl_msg_site_info,
	SI(FIXSTR, name), SI(FIXSTR, role), SI(NUM, added_ms), SI(NUM, last_seen_ms),
	SI(BOOL, online), SI(BOOL, revoked));
#undef SI

FL_CT_MESSAGE(site_add_tab, fedc__v1__site_add__descriptor, fl_msg_site_add,
	FL_CT_FIXSTR(fl_msg_site_add, name, Fedc__V1__SiteAdd, name),
	FL_CT_FIXSTR(fl_msg_site_add, role, Fedc__V1__SiteAdd, role));

FL_CT_MESSAGE(site_list_tab, fedc__v1__site_list__descriptor, fl_msg_site_list,
	FL_CT_LIST(fl_msg_site_list, sites, n, Fedc__V1__SiteList, sites,
		   fl_codec_tab_site_info, FL_MSG_MAX_LIST, 0));

FL_CODEC_TAB_FUNCS(job_submit, fl_msg_job_submit, job_submit_tab)
FL_CODEC_TAB_FUNCS(job_ref, fl_msg_job_ref, job_ref_tab)
FL_CODEC_TAB_FUNCS(job_info, fl_msg_job_info, job_info_tab)
FL_CODEC_TAB_FUNCS(job_list, fl_msg_job_list, job_list_tab)
FL_CODEC_TAB_FUNCS(job_status, fl_msg_job_status, job_status_tab)
FL_CODEC_TAB_FUNCS(site_info, fl_msg_site_info, fl_codec_tab_site_info)
FL_CODEC_TAB_FUNCS(site_add, fl_msg_site_add, site_add_tab)
FL_CODEC_TAB_FUNCS(site_list, fl_msg_site_list, site_list_tab)

/* The structs these tables own memory in are cleared by them. */
FL_CODEC_TAB_CLEAR(fl_msg_job_submit_clear, fl_msg_job_submit, job_submit_tab)
FL_CODEC_TAB_CLEAR(fl_msg_job_list_clear, fl_msg_job_list, job_list_tab)
FL_CODEC_TAB_CLEAR(fl_msg_round_info_clear, fl_msg_round_info, round_info_tab)
FL_CODEC_TAB_CLEAR(fl_msg_job_status_clear, fl_msg_job_status, job_status_tab)
FL_CODEC_TAB_CLEAR(fl_msg_site_list_clear, fl_msg_site_list, site_list_tab)
