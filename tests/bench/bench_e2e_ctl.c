/* SPDX-License-Identifier: Apache-2.0 */
/* bench_e2e_ctl: the operator's side of 'fedc-bench e2e': Control calls on
 * one long-lived channel of this process (its connection is left out of the
 * byte counts), and fedctl job submit, which signs the spec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_e2e.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_rpc.h"

#define E2E_CTL_TIMEOUT_MS 15000

struct e2e_ctl {
	fl_rpc_channel *ch;
};

int e2e_ctl_open(const char *work, int port, e2e_ctl **out)
{
	char ca[E2E_PATH_BYTES], cert[E2E_PATH_BYTES], key[E2E_PATH_BYTES];
	char target[64];
	fl_rpc_tls tls = { ca, cert, key };
	e2e_ctl *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -1;
	e2e_path(ca, "%s/pki/ca.pem", work);
	e2e_path(cert, "%s/pki/operator.pem", work);
	e2e_path(key, "%s/pki/operator.key", work);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	if ((r = fl_rpc_channel_new(target, &tls, FL_MSG_MAX_BYTES, &c->ch)) != 0) {
		fprintf(stderr, "e2e: control channel: %s\n", fl_strerror(r));
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void e2e_ctl_free(e2e_ctl *c)
{
	if (!c)
		return;
	fl_rpc_channel_free(c->ch);
	free(c);
}

static int e2e_ctl_call(e2e_ctl *c, const char *method, uint8_t *req, size_t len,
			uint8_t **resp, size_t *rlen, char *err, size_t errcap)
{
	fl_rpc_status st;
	int r;

	memset(&st, 0, sizeof(st));
	r = fl_rpc_unary(c->ch, method, req, len, E2E_CTL_TIMEOUT_MS, resp, rlen, &st);
	free(req);
	if (r != 0)
		snprintf(err, errcap, "%s: %s (%s)", method, fl_strerror(r), st.detail);
	return r;
}

int e2e_ctl_site_add(e2e_ctl *c, const char *name)
{
	fl_msg_site_add add;
	uint8_t *req = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	char err[384];

	memset(&add, 0, sizeof(add));
	snprintf(add.name, sizeof(add.name), "%s", name);
	snprintf(add.role, sizeof(add.role), "site");
	if (fl_codec_encode_site_add(&add, &req, &len) != 0)
		return -1;
	if (e2e_ctl_call(c, FL_RPC_CTL_ADD_SITE, req, len, &resp, &rlen, err,
			 sizeof(err)) != 0) {
		fprintf(stderr, "e2e: site add %s: %s\n", name, err);
		return -1;
	}
	free(resp);
	return 0;
}

int e2e_ctl_online(e2e_ctl *c)
{
	fl_msg_site_list list;
	uint8_t *req = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	char err[384];
	int zero = 0, n = 0;

	if (fl_codec_encode_empty(&zero, &req, &len) != 0)
		return -1;
	if (e2e_ctl_call(c, FL_RPC_CTL_LIST_SITES, req, len, &resp, &rlen, err,
			 sizeof(err)) != 0) {
		fprintf(stderr, "e2e: site list: %s\n", err);
		return -1;
	}
	if (fl_codec_decode_site_list(resp, rlen, &list) != 0) {
		free(resp);
		return -1;
	}
	for (size_t i = 0; i < list.n; i++)
		n += list.sites[i].online && strcmp(list.sites[i].role, "site") == 0;
	fl_msg_site_list_clear(&list);
	free(resp);
	return n;
}

int e2e_ctl_submit(const char *bin, const char *work, int port, uint64_t *job_id)
{
	char exe[E2E_PATH_BYTES], ca[E2E_PATH_BYTES], cert[E2E_PATH_BYTES];
	char key[E2E_PATH_BYTES], spec[E2E_PATH_BYTES], out[E2E_PATH_BYTES];
	char target[64], buf[4096], *p;
	unsigned long long id;
	size_t k;
	FILE *f;

	e2e_path(exe, "%s/fedctl", bin);
	e2e_path(ca, "%s/pki/ca.pem", work);
	e2e_path(cert, "%s/pki/operator.pem", work);
	e2e_path(key, "%s/pki/operator.key", work);
	e2e_path(spec, "%s/job.ini", work);
	e2e_path(out, "%s/submit.json", work);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	{
		char *argv[] = { exe, "--coordinator", target, "--ca", ca, "--cert",
				 cert, "--key", key, "--json", "job", "submit", spec, NULL };

		if (e2e_proc_run(argv, out) != 0)
			return -1;
	}
	if (!(f = fopen(out, "r")))
		return -1;
	k = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[k] = '\0';
	if (!(p = strstr(buf, "\"job_id\":")) || sscanf(p + 9, "%llu", &id) != 1) {
		fprintf(stderr, "e2e: no job id in %s\n", out);
		return -1;
	}
	*job_id = id;
	return 0;
}

int e2e_ctl_job(e2e_ctl *c, uint64_t job_id, char state[16], e2e_round *rounds,
		uint32_t cap, uint32_t *n, char *err, size_t errcap)
{
	fl_msg_job_ref ref = { job_id };
	fl_msg_job_status st;
	uint8_t *req = NULL, *resp = NULL;
	size_t len = 0, rlen = 0;
	uint32_t k = 0;
	int r;

	if ((r = fl_codec_encode_job_ref(&ref, &req, &len)) != 0 ||
	    (r = e2e_ctl_call(c, FL_RPC_CTL_GET_JOB, req, len, &resp, &rlen, err,
			      errcap)) != 0)
		return -1;
	r = fl_codec_decode_job_status(resp, rlen, &st);
	free(resp);
	if (r != 0) {
		snprintf(err, errcap, "bad GetJob reply: %s", fl_strerror(r));
		return -1;
	}
	snprintf(state, 16, "%s", st.job.state);
	if (st.job.error[0])
		snprintf(err, errcap, "%s", st.job.error);
	/* Attempts come in order; a round's wall time runs from its first
	 * attempt's start to the end of the attempt that finished it. */
	for (size_t i = 0; i < st.nrounds; i++) {
		const fl_msg_round_info *ri = &st.rounds[i];
		e2e_round *cur = k ? &rounds[k - 1] : NULL;

		if (strcmp(ri->kind, "train") != 0)
			continue;
		if (!cur || cur->round != ri->round) {
			if (k == cap)
				break;
			cur = &rounds[k++];
			memset(cur, 0, sizeof(*cur));
			cur->round = ri->round;
			cur->started_ms = ri->started_ms;
		}
		cur->attempts++;
		cur->last_started_ms = ri->started_ms;
		if (strcmp(ri->state, "done") == 0) {
			cur->finished_ms = ri->finished_ms;
			cur->survived = ri->survived;
		}
	}
	/* only finished rounds count */
	while (k > 0 && rounds[k - 1].finished_ms == 0)
		k--;
	*n = k;
	fl_msg_job_status_clear(&st);
	return 0;
}
