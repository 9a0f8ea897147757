/* SPDX-License-Identifier: Apache-2.0 */
/* coord_members: load the member list at start and serve it
 * (Agent/GetMembers). */
#include <stdlib.h>
#include <string.h>

#include "coord_members.h"
#include "coord_service.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_members.h"
#include "fl_sign.h"
#include "fl_util.h"

int coord_members_load(const char *path, const char *ca_path, coord_members *out,
		       char *errmsg)
{
	char why[FL_ERRMSG_BYTES] = "", *text = NULL, *ca = NULL;
	size_t len = 0, ca_len = 0;
	fl_members m;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if (!path || !path[0])
		return 0;
	if ((r = fl_file_read(path, FL_MEMBERS_MAX_BYTES, &text, &len)) != 0) {
		fl_errmsg_set(errmsg, "cannot read the member list %s ([coordinator] "
			      "members): %s", path, fl_strerror(r));
		goto out;
	}
	if ((r = fl_file_read(ca_path, FL_SIGN_MAX_PEM, &ca, &ca_len)) != 0) {
		fl_errmsg_set(errmsg, "cannot read the CA file %s to check the member "
			      "list: %s", ca_path, fl_strerror(r));
		goto out;
	}
	if ((r = fl_members_parse_verified(text, len, ca, ca_len, &m, why)) != 0) {
		fl_errmsg_set(errmsg, "the member list %s is unusable: %s (make it with "
			      "'fedctl ca members')", path, why[0] ? why : fl_strerror(r));
		goto out;
	}
	out->text = text;
	out->len = len;
	out->version = m.version;
	out->count = m.count;
	text = NULL;
out:
	fl_members_clear(&m);
	free(text);
	free(ca);
	return r;
}

void coord_members_clear(coord_members *m)
{
	if (!m)
		return;
	free(m->text);
	memset(m, 0, sizeof(*m));
}

/* GetMembers: the member list (version 0, no text: none). */
void coord_agent_get_members(fl_rpc_call *call, void *ctx)
{
	coord_service *svc = ctx;
	char msg[FL_ERRMSG_BYTES] = "";
	coord_caller who;
	fl_msg_members req, rep;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int r;

	memset(&who, 0, sizeof(who));
	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	if ((r = coord_svc_auth(svc, call, &who, msg)) != 0 ||
	    (r = coord_svc_recv_one(call, &buf, &len, msg)) != 0)
		goto out;
	if ((r = fl_codec_decode_members(buf, len, &req)) != 0) {
		fl_errmsg_set(msg, "bad MembersInfo: %s", fl_strerror(r));
		goto out;
	}
	/* borrowed: the list does not change while the server runs */
	if (svc->members) {
		rep.version = svc->members->version;
		rep.text = svc->members->text;
	}
	r = fl_codec_encode_members(&rep, &out, &outlen);
	rep.text = NULL;
	if (r != 0) {
		fl_errmsg_set(msg, "cannot encode the member list: %s", fl_strerror(r));
		goto out;
	}
	r = coord_svc_send(call, out, outlen, msg);
out:
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	fl_msg_members_clear(&req);
	free(buf);
}
