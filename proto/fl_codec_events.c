/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_events: encode/decode job events, audit entries and a site's
 * record (events.proto). */
#include <stdlib.h>
#include <string.h>
#include "events.pb-c.h"
#include "fl_codec_events.h"
#include "fl_codec_int.h"
#include "fl_codec_tab.h"
#include "fl_err.h"

/* ---- the tables ---- */

#define EV(f) FL_CT_NUM(fl_msg_event_req, f, Fedc__V1__EventRequest, f)
FL_CT_MESSAGE(event_req_tab, fedc__v1__event_request__descriptor, fl_msg_event_req,
	EV(job_id), EV(after_id));
#undef EV

#define JEF(f) FL_CT_FIXSTR(fl_msg_job_event, f, Fedc__V1__JobEvent, f)
#define JEN(f) FL_CT_NUM(fl_msg_job_event, f, Fedc__V1__JobEvent, f)
FL_CT_MESSAGE(job_event_tab, fedc__v1__job_event__descriptor, fl_msg_job_event,
	JEF(kind), JEF(site), JEF(text), JEN(id), JEN(ts_ms), JEN(round), JEN(attempt));
FL_CT_MESSAGE(event_list_tab, fedc__v1__event_list__descriptor, fl_msg_event_list,
	FL_CT_FIXSTR(fl_msg_event_list, job_state, Fedc__V1__EventList, job_state),
	FL_CT_LIST(fl_msg_event_list, events, n, Fedc__V1__EventList, events,
		   job_event_tab, FL_EVENTS_MAX_LIST, 0));

#define AEF(f) FL_CT_FIXSTR(fl_msg_audit_entry, f, Fedc__V1__AuditEntry, f)
#define AEN(f) FL_CT_NUM(fl_msg_audit_entry, f, Fedc__V1__AuditEntry, f)
FL_CT_MESSAGE(audit_entry_tab, fedc__v1__audit_entry__descriptor, fl_msg_audit_entry,
	AEF(who), AEF(action), AEF(detail), AEN(id), AEN(ts_ms));
FL_CT_MESSAGE(audit_list_tab, fedc__v1__audit_list__descriptor, fl_msg_audit_list,
	FL_CT_LIST(fl_msg_audit_list, entries, n, Fedc__V1__AuditList, entries,
		   audit_entry_tab, FL_EVENTS_MAX_LIST, 0));

#define SCF(f) FL_CT_FIXSTR(fl_msg_site_cert, f, Fedc__V1__SiteCert, f)
#define SCN(f) FL_CT_NUM(fl_msg_site_cert, f, Fedc__V1__SiteCert, f)
FL_CT_MESSAGE(site_cert_tab, fedc__v1__site_cert__descriptor, fl_msg_site_cert,
	SCF(fingerprint), SCF(serial), SCN(not_after_ms), SCN(first_seen_ms));
#define SD fl_msg_site_detail
#define PSD Fedc__V1__SiteDetail
FL_CT_MESSAGE(site_detail_tab, fedc__v1__site_detail__descriptor, fl_msg_site_detail,
	FL_CT_SUB(SD, site, PSD, site, fl_codec_tab_site_info, FL_E_PARSE),
	FL_CT_FIXSTR(SD, datasets, PSD, datasets),
	FL_CT_NUM(SD, rounds, PSD, rounds),
	FL_CT_LIST(SD, certs, ncerts, PSD, certs, site_cert_tab, FL_SITE_MAX_CERTS, 0),
	FL_CT_ARR(SD, jobs, njobs, PSD, jobs, FL_SITE_MAX_JOBS, 0));

FL_CODEC_TAB_FUNCS(event_req, fl_msg_event_req, event_req_tab)
FL_CODEC_TAB_FUNCS(event_list, fl_msg_event_list, event_list_tab)
FL_CODEC_TAB_FUNCS(audit_list, fl_msg_audit_list, audit_list_tab)
FL_CODEC_TAB_FUNCS(site_detail, fl_msg_site_detail, site_detail_tab)

FL_CODEC_TAB_RESET(fl_msg_event_list_clear, fl_msg_event_list, event_list_tab)
FL_CODEC_TAB_RESET(fl_msg_audit_list_clear, fl_msg_audit_list, audit_list_tab)
FL_CODEC_TAB_RESET(fl_msg_site_detail_clear, fl_msg_site_detail, site_detail_tab)
