/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_ledger: encode/decode the round-ledger messages (GetLedger). */
#include <stdlib.h>
#include <string.h>
#include "fl_codec.h"
#include "fl_codec_int.h"
#include "fl_err.h"

#define UNPACK(desc) ((void *)fl_codec_unpack(&(desc), buf, len, &r))

void fl_msg_ledger_list_clear(fl_msg_ledger_list *m)
{
	if (!m)
		return;
	for (size_t i = 0; m->entries && i < m->n; i++)
		free(m->entries[i].text);
	free(m->entries);
	free(m->cert_pem);
	memset(m, 0, sizeof(*m));
}

int fl_codec_encode_ledger_req(const fl_msg_ledger_req *in, uint8_t **buf,
			       size_t *len)
{
	Fedc__V1__LedgerRequest m = FEDC__V1__LEDGER_REQUEST__INIT;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	m.job_id = in->job_id;
	m.from_seq = in->from_seq;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_ledger_req(const uint8_t *buf, size_t len,
			       fl_msg_ledger_req *out)
{
	Fedc__V1__LedgerRequest *m;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__ledger_request__descriptor)) == NULL)
		return r;
	out->job_id = m->job_id;
	out->from_seq = m->from_seq;
	fl_codec_free(&m->base);
	return 0;
}

int fl_codec_encode_ledger_list(const fl_msg_ledger_list *in, uint8_t **buf,
				size_t *len)
{
	Fedc__V1__LedgerList m = FEDC__V1__LEDGER_LIST__INIT;
	Fedc__V1__LedgerEntry *e = NULL, **pe = NULL;
	size_t i;
	int r;

	if (!in || !buf || !len || (in->n && !in->entries))
		return FL_E_INVAL;
	if (in->n > FL_MSG_MAX_LIST ||
	    (in->cert_pem && strlen(in->cert_pem) > FL_MSG_LEDGER_CERT_MAX))
		return FL_E_TOOBIG;
	if (in->n && ((e = calloc(in->n, sizeof(*e))) == NULL ||
		      (pe = calloc(in->n, sizeof(*pe))) == NULL)) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < in->n; i++) {
		const fl_msg_ledger_entry *s = &in->entries[i];

		if (!fl_codec_fixed_ok(s->hash_hex, sizeof(s->hash_hex)) ||
		    !fl_codec_fixed_ok(s->sig_hex, sizeof(s->sig_hex))) {
			r = FL_E_INVAL;
			goto out;
		}
		if (s->text && strlen(s->text) > FL_MSG_LEDGER_TEXT_MAX) {
			r = FL_E_TOOBIG;
			goto out;
		}
		fedc__v1__ledger_entry__init(&e[i]);
		e[i].seq = s->seq;
		e[i].text = s->text ? s->text : (char *)"";
		e[i].hash_hex = (char *)s->hash_hex;
		e[i].sig_hex = (char *)s->sig_hex;
		pe[i] = &e[i];
	}
	m.n_entries = in->n;
	m.entries = pe;
	m.cert_pem = in->cert_pem ? in->cert_pem : (char *)"";
	m.next_seq = in->next_seq;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(e);
	free(pe);
	return r;
}

static int ledger_entry_in(const Fedc__V1__LedgerEntry *pb,
			   fl_msg_ledger_entry *o)
{
	int r;

	if (!pb)
		return FL_E_PARSE;
	o->seq = pb->seq;
	if ((r = fl_codec_str_in(o->hash_hex, sizeof(o->hash_hex),
				 pb->hash_hex)) != 0 ||
	    (r = fl_codec_str_in(o->sig_hex, sizeof(o->sig_hex), pb->sig_hex)) != 0)
		return r;
	return fl_codec_str_dup(pb->text, FL_MSG_LEDGER_TEXT_MAX, false, &o->text);
}

int fl_codec_decode_ledger_list(const uint8_t *buf, size_t len,
				fl_msg_ledger_list *out)
{
	Fedc__V1__LedgerList *m;
	fl_msg_ledger_list t;
	size_t i;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__ledger_list__descriptor)) == NULL)
		return r;
	memset(&t, 0, sizeof(t));
	if (m->n_entries > FL_MSG_MAX_LIST) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (m->n_entries &&
	    (t.entries = calloc(m->n_entries, sizeof(*t.entries))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < m->n_entries; i++) {
		t.n = i + 1;
		if ((r = ledger_entry_in(m->entries[i], &t.entries[i])) != 0)
			goto out;
	}
	if ((r = fl_codec_str_dup(m->cert_pem, FL_MSG_LEDGER_CERT_MAX, true,
				  &t.cert_pem)) != 0)
		goto out;
	t.next_seq = m->next_seq;
	*out = t;
	memset(&t, 0, sizeof(t));
out:
	fl_msg_ledger_list_clear(&t);
	fl_codec_free(&m->base);
	return r;
}
