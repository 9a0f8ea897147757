/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_ledger: fedctl ledger export (GetLedger, page by page) and verify
 * (offline, ctl_ledger_verify.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_job.h"
#include "ctl_ledger.h"
#include "fl_err.h"

#define LEDGER_FILE_MAX (1024u * 1024u * 1024u)

/* Moves page's entries to the end of all (page keeps none). */
static int ledger_take(fl_msg_ledger_list *all, fl_msg_ledger_list *page)
{
	fl_msg_ledger_entry *ne;

	if (page->n == 0)
		return 0;
	if ((ne = realloc(all->entries, (all->n + page->n) * sizeof(*ne))) == NULL)
		return FL_E_NOMEM;
	all->entries = ne;
	memcpy(all->entries + all->n, page->entries, page->n * sizeof(*ne));
	all->n += page->n;
	free(page->entries);
	page->entries = NULL;
	page->n = 0;
	return 0;
}

int ctl_ledger_fetch(ctl_ctx *c, uint64_t job, fl_msg_ledger_list *all,
		     const char *what)
{
	fl_msg_ledger_req req = { job, 1 };
	fl_msg_ledger_list page;
	int r, rc = 0;

	memset(&page, 0, sizeof(page));
	do {
		if ((rc = ctl_rpc_as(c, what, "bad reply from the coordinator",
				     FL_RPC_CTL_GET_LEDGER, &ctl_msg_ledger_req, &req,
				     &ctl_msg_ledger_list, &page)) != 0)
			return rc;
		if (all->cert_pem == NULL) {
			all->cert_pem = page.cert_pem;
			page.cert_pem = NULL;
		}
		if (page.next_seq != 0 && page.next_seq <= req.from_seq) {
			fprintf(c->err, "fedctl: %s: the coordinator's pages "
				"do not advance\n", what);
			rc = CTL_EXIT_OTHER;
		} else if ((r = ledger_take(all, &page)) != 0) {
			rc = ctl_report(c, what, r, NULL);
		}
		req.from_seq = page.next_seq;
		fl_msg_ledger_list_clear(&page);
	} while (rc == 0 && req.from_seq != 0);
	return rc;
}

static int ledger_export(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *out = NULL, *job_s = NULL;
	const ctl_opt opts[] = {
		{ "--output", "-o", &out, NULL },
		{ "--job", NULL, &job_s, NULL },
	};
	fl_msg_ledger_list all;
	uint64_t job = 0;
	FILE *f = NULL;
	int rc;

	memset(&all, 0, sizeof(all));
	if ((rc = ctl_args_parse(c, "ledger", self, argc, argv, opts, 2, NULL, 0, 0)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if (job_s && (rc = ctl_job_parse_id(c, job_s, &job)) != 0)
		return rc;
	if ((rc = ctl_ledger_fetch(c, job, &all, "ledger export")) != 0)
		goto out;
	if (all.cert_pem == NULL) {
		fprintf(c->err, "fedctl: ledger export: the coordinator sent no "
			"certificate\n");
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	if (out && (f = fopen(out, "w")) == NULL) {
		fprintf(c->err, "fedctl: ledger export: cannot write %s: %s\n", out,
			strerror(errno));
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	if (ctl_ledger_write(f ? f : c->out, job, all.cert_pem, all.entries,
			     all.n) != 0 || (f && fclose(f) != 0)) {
		f = NULL;
		fprintf(c->err, "fedctl: ledger export: cannot write %s\n",
			out ? out : "the output");
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	f = NULL;
	if (out && c->json)
		fprintf(c->out, "{\"file\":\"%s\",\"entries\":%zu,\"last_hash\":\"%s\"}\n",
			out, all.n, all.n ? all.entries[all.n - 1].hash_hex : "");
	else if (out)
		fprintf(c->out, "exported %zu ledger entries to %s\n", all.n, out);
out:
	if (f)
		fclose(f);
	fl_msg_ledger_list_clear(&all);
	return rc;
}

static void verify_json(ctl_ctx *c, int ok, const ctl_ledger_result *res,
			const char *site)
{
	fprintf(c->out, "{\"ok\":%s,\"entries\":%zu,\"last_hash\":", ok ? "true" :
		"false", res->entries);
	ctl_json_str(c->out, res->last_hash);
	if (site)
		fprintf(c->out, ",\"records_ok\":%zu,\"records_aborted\":%zu",
			res->records_ok, res->records_aborted);
	fprintf(c->out, ",\"problems\":%zu", res->problems);
	if (!ok)
		ctl_json_kstr(c->out, "error", res->first_problem);
	fputs("}\n", c->out);
}

static int ledger_verify(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1], *ca = NULL, *records = NULL, *site = NULL;
	const ctl_opt opts[] = {
		{ "--ca", NULL, &ca, NULL },
		{ "--records", NULL, &records, NULL },
		{ "--site", NULL, &site, NULL },
	};
	ctl_ledger_opts o;
	ctl_ledger_result res;
	char *text = NULL, *ca_pem = NULL;
	size_t len = 0, calen = 0;
	int r, rc;

	if ((rc = ctl_args_parse(c, "ledger", self, argc, argv, opts, 3, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if (!ca || (!records) != (!site)) {
		fprintf(c->err, "fedctl: ledger verify: %s\n", !ca ?
			"--ca CA.pem is required (the consortium CA)" :
			"--records DIR and --site NAME go together");
		return CTL_EXIT_USAGE;
	}
	if ((r = fl_file_read(pos[0], LEDGER_FILE_MAX, &text, &len)) != 0 ||
	    (r = fl_file_read(ca, 1024u * 1024u, &ca_pem, &calen)) != 0) {
		fprintf(c->err, "fedctl: ledger verify: cannot read %s: %s\n",
			text ? ca : pos[0], fl_strerror(r));
		rc = r == FL_E_NOTFOUND || r == FL_E_IO ? CTL_EXIT_NOTFOUND :
			CTL_EXIT_OTHER;
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.ca_pem = ca_pem;
	o.ca_len = calen;
	o.records_dir = records;
	o.site = site;
	r = ctl_ledger_verify(text, len, &o, c->json ? NULL : c->out, &res);
	if (c->json)
		verify_json(c, r == 0, &res, site);
	if (r == 0) {
		if (!c->json && site)
			fprintf(c->out, "ledger: site %s: %zu records match, %zu not in "
				"ledger\n", site, res.records_ok, res.records_aborted);
		if (!c->json)
			fprintf(c->out, "ledger: %zu entries verified, last hash %s\n",
				res.entries, res.last_hash[0] ? res.last_hash : "-");
		rc = CTL_EXIT_OK;
	} else if (r == FL_E_VERIFY || r == FL_E_PARSE) {
		rc = CTL_EXIT_JOB_FAILED;   /* 1: the ledger does not verify */
	} else {
		fprintf(c->err, "fedctl: ledger verify: %s\n", fl_strerror(r));
		rc = CTL_EXIT_OTHER;
	}
out:
	free(text);
	free(ca_pem);
	return rc;
}

const ctl_cmd ctl_ledger_cmds[] = {
	{ "export", ledger_export, "[-o FILE] [--job ID]",
	  "Save the coordinator's signed round ledger to FILE (or print it). "
	  "The file is self-contained: '# fedc ledger v1', '# job all' (or "
	  "'# job ID' with --job, which keeps only that job's entries), the "
	  "coordinator certificate (PEM), then one line per finished round: "
	  "the entry's canonical JSON, TAB, its SHA-256, TAB, the coordinator's "
	  "signature of that hash (hex). Without --job the whole chain is "
	  "written, which is what verify checks best." },
	{ "verify", ledger_verify, "FILE --ca CA.pem [--records DIR --site NAME]",
	  "Check an exported ledger offline (no coordinator needed). Checks "
	  "that the certificate chains to the CA, that each entry's hash is the "
	  "SHA-256 of its text, that seq runs 1, 2, 3 ... and each entry's prev "
	  "is the hash of the one before (in a --job export, wherever two "
	  "entries are consecutive), and that each signature verifies with the "
	  "certificate. With --records (an agent's state_dir/records) and "
	  "--site, also checks that site's own records: for each contribution "
	  "with a ledger entry, the site is among its survivors and the model "
	  "it used (model_version, model_sha256) is the one the ledger says "
	  "that round started from; records of aborted attempts are listed as "
	  "'not in ledger'. Prints 'ledger: N entries verified, last hash H' "
	  "and exits 0, or prints 'ledger: entry N: ...' / 'ledger: site NAME "
	  "round R: ...' and exits 1." },
};
const size_t ctl_ledger_ncmds = sizeof(ctl_ledger_cmds) / sizeof(ctl_ledger_cmds[0]);
