/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_report: fedctl job report, a job's training report as one
 * self-contained HTML file (inline CSS and SVG, no scripts, nothing fetched)
 * or its curves alone as one SVG file. ctl_report.c collects the data over
 * the Control service (GetJob, GetJobEvents, GetLedger) into the plain
 * structs below; ctl_report_html.c and ctl_report_svg.c render them and
 * need no coordinator (tests/client/test_ctl_report.c drives them). */
#ifndef CTL_REPORT_H
#define CTL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fl_msg.h"

#define CTL_REPORT_PHASES FL_MSG_PHASES   /* advertise .. unmask */

/* One round of the job (its last attempt, with the count of attempts). */
typedef struct ctl_report_round {
	uint32_t round;
	char kind[16];             /* stats, train, eval */
	char state[16];            /* done, failed, running */
	uint32_t attempts;
	uint32_t selected, survived;
	double secs;               /* the attempt's duration; NaN: unknown */
	/* Seconds each secure-aggregation phase took (from the job's
	 * phase_closed events), NaN where none was recorded. */
	double phase_s[CTL_REPORT_PHASES];
	char closed_by[FL_MSG_CLOSED_BY_BYTES];   /* fl_msg_closed_by text */
	double train_loss;         /* mean training loss; NaN unless done train */
	/* The secure evaluation of the model this round produced (found in
	 * the next round's row); present false if not evaluated (yet). */
	fl_msg_metrics after;
} ctl_report_round;

typedef struct ctl_report_doc {
	fl_msg_job_info job;       /* as GetJob returned it */
	bool regression;           /* R^2 curves rather than accuracy, F1 */
	ctl_report_round *rounds;  /* ascending by round; owned by the caller */
	size_t nrounds;
	/* From the round ledger (GetLedger), "" when the job has no entry. */
	char model_sha256[FL_MSG_HASH_HEX_BYTES];  /* its newest model */
	int64_t model_version;                     /* -1: none */
	char ledger_head[FL_MSG_HASH_HEX_BYTES];   /* hash of its last entry */
	uint64_t ledger_seq;                       /* that entry's seq */
	size_t ledger_entries;                     /* the job's entries */
	char spec_sha256[FL_MSG_HASH_HEX_BYTES];
	char spec_signer[FL_NAME_BYTES];
	const char *spec_text;     /* borrowed; NULL: not given (--spec) */
	bool spec_checked;         /* spec_text's SHA-256 is spec_sha256 */
	int64_t generated_ms;      /* when the report was made */
} ctl_report_doc;

/* ---- ctl_report.c ---- */
struct fl_msg_event_list;
/* Seconds each secure-aggregation phase of (round, attempt) took, from the
 * job's events l: from round_started (or the previous phase_closed) to
 * each phase_closed; the unmask phase, which ends with the commit, up to
 * finished_ms (0: not finished). NaN where not known. */
void ctl_phase_times(const struct fl_msg_event_list *l, uint32_t round,
		     uint32_t attempt, int64_t finished_ms,
		     double out[static CTL_REPORT_PHASES]);

/* ---- ctl_report_html.c ---- */
/* Writes s with & < > " ' as character references (text and attributes). */
void ctl_report_esc(FILE *f, const char *s);
/* The whole report as one HTML document: no <script>, no external URL.
 * Final metrics in elements with ids final-accuracy, final-f1, final-r2,
 * final-loss (text as fedctl prints numbers: "0.9512" or "-"); the model
 * digest in #model-sha256, the ledger head in #ledger-head. 0 or FL_E_IO. */
int ctl_report_html(FILE *f, const ctl_report_doc *r);

/* ---- ctl_report_svg.c ---- */
/* The curve charts as <svg> elements (inline in HTML: no namespace
 * attribute, no URL). Each point is <circle class="pt" data-curve=NAME
 * data-round=R data-value=V>, one per train round with a value; curves:
 * train_loss, and accuracy and macro_f1, or r2 for regression. */
void ctl_report_svg_curves(FILE *f, const ctl_report_doc *r);
/* Participation (selected, survived, dropped; <rect class="bar">) and
 * durations (stacked by phase) per round, as <svg> elements. */
void ctl_report_svg_rounds(FILE *f, const ctl_report_doc *r);
/* The curves alone as one standalone SVG document. 0 or FL_E_IO. */
int ctl_report_svg(FILE *f, const ctl_report_doc *r);

#endif
