/* SPDX-License-Identifier: Apache-2.0 */
/* agent_members: the consortium's member list (SECAGG.md R1), signed
 * offline with the CA key and pinned here. The coordinator only carries it:
 * the agent checks each list against its CA file, keeps the newest in
 * state_dir/members.txt and never goes back to an older one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_channel.h"
#include "agent_int.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"

#define AGENT_MEMBERS_FILE "members.txt"

static void members_path(const fl_agent *a, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", a->cfg.state_dir, AGENT_MEMBERS_FILE);
}

const fl_members *agent_members(const fl_agent *a)
{
	return a && a->members.version > 0 ? &a->members : NULL;
}

int agent_members_load(fl_agent *a)
{
	char path[FL_PATH_BYTES + 16], why[FL_ERRMSG_BYTES] = "";
	char *text = NULL, *ca = NULL;
	size_t len = 0, ca_len = 0;
	int r;

	members_path(a, path, sizeof(path));
	if (fl_file_read(path, FL_MEMBERS_MAX_BYTES, &text, &len) != 0) {
		fl_info("no member list in %s yet: waiting for one from the "
			"coordinator", path);
		return 0;
	}
	if ((r = fl_file_read(a->cfg.tls.ca, FL_SIGN_MAX_PEM, &ca, &ca_len)) != 0) {
		fl_error("cannot read the CA file %s to check %s: %s", a->cfg.tls.ca,
			 path, fl_strerror(r));
		goto out;
	}
	if ((r = fl_members_parse_verified(text, len, ca, ca_len, &a->members,
					   why)) != 0) {
		/* Not ignored: an agent that dropped its pinned list would take
		 * an older one from the coordinator. */
		fl_error("the pinned member list %s is unusable: %s; put back a list "
			 "signed by the CA (fedctl ca members), or remove the file to "
			 "accept the coordinator's", path, why[0] ? why : fl_strerror(r));
		goto out;
	}
	fl_info("member list version %llu (%u sites) from %s, signed by the CA",
		(unsigned long long)a->members.version, a->members.count, path);
out:
	free(text);
	free(ca);
	return r;
}

void agent_members_free(fl_agent *a)
{
	fl_members_clear(&a->members);
}

/* GetMembers into *rep. */
static int members_fetch(fl_agent *a, fl_msg_members *rep)
{
	fl_msg_members req = { a->members.version, NULL };
	uint8_t *buf = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	int r;

	if ((r = fl_codec_encode_members(&req, &buf, &len)) != 0)
		return r;
	r = agent_channel_fetch(a, FL_RPC_AGENT_GET_MEMBERS, buf, len,
				"the member list", &resp, &rlen);
	free(buf);
	if (r != 0)
		return r;
	r = fl_codec_decode_members(resp, rlen, rep);
	free(resp);
	if (r != 0 || !rep->text) {
		fl_warn("the coordinator's member list reply is unusable: %s",
			r ? fl_strerror(r) : "no list in it");
		return r ? r : FL_E_PARSE;
	}
	return 0;
}

/* Checks the fetched text against the CA and the version held. */
static int members_check(fl_agent *a, const char *text, fl_members *out)
{
	char why[FL_ERRMSG_BYTES] = "", *ca = NULL;
	size_t ca_len = 0;
	int r;

	if ((r = fl_file_read(a->cfg.tls.ca, FL_SIGN_MAX_PEM, &ca, &ca_len)) != 0) {
		fl_error("cannot read the CA file %s to check the member list: %s",
			 a->cfg.tls.ca, fl_strerror(r));
		return r;
	}
	r = fl_members_parse_verified(text, strlen(text), ca, ca_len, out, why);
	free(ca);
	if (r != 0) {
		fl_error("refusing the coordinator's member list: %s; keeping version "
			 "%llu", why[0] ? why : fl_strerror(r),
			 (unsigned long long)a->members.version);
		return r;
	}
	if (out->version <= a->members.version) {
		fl_error("refusing the coordinator's member list version %llu: not "
			 "newer than version %llu held (a rollback attempt); keeping "
			 "version %llu", (unsigned long long)out->version,
			 (unsigned long long)a->members.version,
			 (unsigned long long)a->members.version);
		fl_members_clear(out);
		return FL_E_REPLAY;
	}
	return 0;
}

void agent_members_update(fl_agent *a, uint64_t announced)
{
	char path[FL_PATH_BYTES + 16];
	fl_msg_members rep;
	fl_members m;
	int r;

	if (announced != 0 && announced < a->members.version &&
	    announced != a->members_seen) {
		a->members_seen = announced;
		fl_warn("the coordinator carries member list version %llu, older than "
			"version %llu held; keeping version %llu",
			(unsigned long long)announced,
			(unsigned long long)a->members.version,
			(unsigned long long)a->members.version);
	}
	/* Swap between round attempts only, and ask once per announcement
	 * that failed its check. */
	if (announced <= a->members.version || a->sa.c != NULL ||
	    announced == a->members_refused)
		return;
	memset(&rep, 0, sizeof(rep));
	memset(&m, 0, sizeof(m));
	if ((r = members_fetch(a, &rep)) != 0) {
		if (r != FL_E_NET && r != FL_E_TIMEOUT)
			a->members_refused = announced;
		goto out;
	}
	if ((r = members_check(a, rep.text, &m)) != 0) {
		a->members_refused = announced;
		goto out;
	}
	members_path(a, path, sizeof(path));
	/* temp file, fsync, rename (fl_file_write) */
	if ((r = fl_file_write(path, rep.text, strlen(rep.text), 0644)) != 0) {
		fl_error("cannot store the member list in %s: %s; keeping version %llu",
			 path, fl_strerror(r), (unsigned long long)a->members.version);
		goto out;
	}
	fl_members_clear(&a->members);
	a->members = m;
	memset(&m, 0, sizeof(m));
	fl_info("member list version %llu (%u sites) from the coordinator, signed by "
		"the CA: stored in %s", (unsigned long long)a->members.version,
		a->members.count, path);
out:
	fl_members_clear(&m);
	fl_msg_members_clear(&rep);
}
