/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_rpc: the exchange most fedctl commands make: encode a request, one
 * unary Control call, decode the reply; and the message types it takes. */
#include <stdlib.h>

#include "ctl.h"
#include "fl_codec.h"
#include "fl_codec_enroll.h"
#include "fl_codec_events.h"
#include "fl_err.h"

/* The codec's typed functions for message name behind void pointers. */
#define CTL_MSG(name) \
	static int enc_##name(const void *in, uint8_t **buf, size_t *len) \
	{ \
		return fl_codec_encode_##name(in, buf, len); \
	} \
	static int dec_##name(const uint8_t *buf, size_t len, void *out) \
	{ \
		return fl_codec_decode_##name(buf, len, out); \
	} \
	const ctl_msg ctl_msg_##name = { enc_##name, dec_##name };

CTL_MSG(empty)
CTL_MSG(job_ref)
CTL_MSG(job_submit)
CTL_MSG(job_info)
CTL_MSG(job_list)
CTL_MSG(job_status)
CTL_MSG(job_stats)
CTL_MSG(site_add)
CTL_MSG(site_info)
CTL_MSG(site_list)
CTL_MSG(site_detail)
CTL_MSG(site_metrics_list)
CTL_MSG(crl)
CTL_MSG(event_req)
CTL_MSG(event_list)
CTL_MSG(audit_list)
CTL_MSG(ledger_req)
CTL_MSG(ledger_list)

int ctl_rpc_as(ctl_ctx *c, const char *what, const char *bad, const char *method,
	       const ctl_msg *qt, const void *req, const ctl_msg *rt, void *reply)
{
	uint8_t *buf = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	int r, rc;

	if ((r = qt->enc(req, &buf, &len)) != 0)
		return ctl_report(c, what, r, NULL);
	if ((rc = ctl_call(c, method, buf, len, &resp, &rlen, what)) == 0 &&
	    (r = rt->dec(resp, rlen, reply)) != 0) {
		fprintf(c->err, "fedctl: %s: %s: %s\n", what, bad, fl_strerror(r));
		rc = CTL_EXIT_OTHER;
	}
	free(buf);
	free(resp);
	return rc;
}

int ctl_rpc(ctl_ctx *c, const char *what, const char *method, const ctl_msg *qt,
	    const void *req, const ctl_msg *rt, void *reply)
{
	return ctl_rpc_as(c, what, "bad reply", method, qt, req, rt, reply);
}
