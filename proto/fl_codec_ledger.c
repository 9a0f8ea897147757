/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_ledger: encode/decode the round-ledger messages (GetLedger). */
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_codec_int.h"
#include "fl_err.h"

#define LR(f) FL_CT_NUM(fl_msg_ledger_req, f, Fedc__V1__LedgerRequest, f)
FL_CT_MESSAGE(ledger_req_tab, fedc__v1__ledger_request__descriptor, fl_msg_ledger_req,
	LR(job_id), LR(from_seq));

#define LE fl_msg_ledger_entry
#define PLE Fedc__V1__LedgerEntry
FL_CT_MESSAGE(ledger_entry_tab, fedc__v1__ledger_entry__descriptor, fl_msg_ledger_entry,
	FL_CT_NUM(LE, seq, PLE, seq),
	FL_CT_FIXSTR(LE, hash_hex, PLE, hash_hex),
	FL_CT_FIXSTR(LE, sig_hex, PLE, sig_hex),
	FL_CT_STR(LE, text, PLE, text, FL_MSG_LEDGER_TEXT_MAX, 0));

#define LL fl_msg_ledger_list
#define PLL Fedc__V1__LedgerList
FL_CT_MESSAGE(ledger_list_tab, fedc__v1__ledger_list__descriptor, fl_msg_ledger_list,
	FL_CT_LIST(LL, entries, n, PLL, entries, ledger_entry_tab, FL_MSG_MAX_LIST, 0),
	FL_CT_STR(LL, cert_pem, PLL, cert_pem, FL_MSG_LEDGER_CERT_MAX, FL_CF_NULL_EMPTY),
	FL_CT_NUM(LL, next_seq, PLL, next_seq));

FL_CODEC_TAB_FUNCS(ledger_req, fl_msg_ledger_req, ledger_req_tab)
FL_CODEC_TAB_FUNCS(ledger_list, fl_msg_ledger_list, ledger_list_tab)

FL_CODEC_TAB_RESET(fl_msg_ledger_list_clear, fl_msg_ledger_list, ledger_list_tab)
