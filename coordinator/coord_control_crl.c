/* SPDX-License-Identifier: Apache-2.0 */
/* coord_control_crl: Control PublishCrl, a CRL made with the offline CA key
 * (fedctl crl publish) becomes the coordinator's current one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_certs.h"
#include "coord_service.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"

/* Admin only (coord_auth): the CRL is checked against the CA bundle, must
 * be numbered above the current one, is stored, refuses the certificates
 * it lists from the next call on and is announced to the agents. */
int coord_ctl_publish_crl(coord_unary *u)
{
	char detail[96];
	fl_msg_crl req, rep;
	fl_crl_info info;
	int64_t now = fl_time_ms();
	int r;

	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	if ((r = fl_codec_decode_crl(u->buf, u->len, &req)) != 0 || !req.pem) {
		fl_errmsg_set(u->msg, "bad CrlInfo: %s",
			      r ? fl_strerror(r) : "no CRL in it");
		r = r ? r : FL_E_INVAL;
		goto out;
	}
	if ((r = coord_certs_publish_pem(u->svc->certs, u->svc->st, req.pem, now,
					 &info, u->msg)) != 0) {
		fl_warn("PublishCrl from %s refused: %s", u->who->cn, u->msg);
		goto out;
	}
	snprintf(detail, sizeof(detail), "CRL %llu (%zu serials)",
		 (unsigned long long)info.number, info.count);
	coord_store_audit(u->svc->st, u->who->cn, "publish crl", detail, now);
	if (u->svc->srv)
		fl_rpc_server_flush(u->svc->srv);   /* held polls learn the CRL now */
	fl_warn("CRL %llu published by %s: %zu revoked certificate(s) refused from "
		"their next call; the agents get it at their next poll",
		(unsigned long long)info.number, u->who->cn, info.count);
	rep.number = info.number;
	r = COORD_UNARY_REPLY(u, fl_codec_encode_crl, &rep, "the reply");
out:
	fl_msg_crl_clear(&req);
	fl_msg_crl_clear(&rep);
	return r;
}
