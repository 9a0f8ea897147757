/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_ledger: the round ledger end to end without a network: entries
 * committed with their rounds in a temp store, exported, verified offline,
 * then tampered with (edited, deleted, swapped signatures, wrong CA) and
 * checked against a site's contribution records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coord_ledger.h"
#include "coord_store.h"
#include "coord_test_util.h"
#include "ctl_ledger.h"
#include "ctl_ledger_int.h"
#include "fl_agent.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fl_test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define NROUNDS 4

static const char *const kinds[NROUNDS] = { "stats", "train", "train", "eval" };
static const char blobs[NROUNDS][16] = { "model v0", "model v1", "model v2", "" };
/* Survivor names; one needs JSON escaping. */
static const char names[3][FL_NAME_BYTES] = { "carol", "alice", "bob\"\\x" };
static const char fprs[2][COORD_LEDGER_HASH_HEX] = {
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

/* Round i of job 1 (round 1 finished at attempt 2). */
static void fill_round(int i, coord_ledger_round *lr)
{
	memset(lr, 0, sizeof(*lr));
	lr->job_id = 1;
	lr->round = (uint32_t)i;
	lr->attempt = i == 1 ? 2 : 1;
	lr->kind = kinds[i];
	lr->fprs = fprs;
	lr->nfprs = 2;
	lr->survivors = names;
	lr->nsurvivors = 3;
	lr->base_version = i == 0 ? -1 : i == 3 ? 2 : i - 1;
	lr->model_version = i == 3 ? -1 : i;
	if (blobs[i][0])
		coord_ledger_sha256_hex(blobs[i], strlen(blobs[i]), lr->model_sha256);
	coord_ledger_sha256_hex("spec", 4, lr->spec_sha256);
	/* who signed the spec (R2); round 0 as if written unsigned */
	if (i > 0) {
		snprintf(lr->spec_signer, sizeof(lr->spec_signer), "op\"erator");
		memset(lr->spec_signer_sha256, 'c', COORD_LEDGER_HASH_HEX - 1);
	}
	lr->n = 3;
	lr->k = 2;
	lr->t = 2;
	lr->words = 100;
	lr->bits = 20;
	lr->clip = 0.5;
	lr->weight_scale = 1.0 / 3.0;
	lr->ts_ms = 1000 + i;
}

static int commit_round(coord_store *st, int i, coord_ledger_signer *signer)
{
	fl_msg_round_info ri;
	coord_ledger_round lr;
	coord_ledger_ctx ctx;

	memset(&ri, 0, sizeof(ri));
	ri.round = (uint32_t)i;
	ri.attempt = i == 1 ? 2 : 1;
	snprintf(ri.state, sizeof(ri.state), "done");
	snprintf(ri.kind, sizeof(ri.kind), "%s", kinds[i]);
	fill_round(i, &lr);
	ctx.signer = signer;
	ctx.round = &lr;
	return coord_store_round_commit_ledger(st, 1, &ri,
					       blobs[i][0] ? (const uint8_t *)blobs[i] : NULL,
					       strlen(blobs[i]), (uint32_t)i,
					       i == 3 ? 2 : (uint32_t)i, NULL,
					       i == 3 ? "done" : NULL, 2000 + i,
					       coord_ledger_build, &ctx);
}

/* The export file text of rows into *text (malloc'd). */
static char *export_job(const coord_ledger_row *rows, size_t n, const char *cert,
			uint64_t job)
{
	fl_msg_ledger_entry *e = calloc(n ? n : 1, sizeof(*e));
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	for (i = 0; i < n; i++) {
		e[i].seq = rows[i].seq;
		e[i].text = rows[i].text;
		memcpy(e[i].hash_hex, rows[i].hash_hex, sizeof(e[i].hash_hex));
		memcpy(e[i].sig_hex, rows[i].sig_hex, sizeof(e[i].sig_hex));
	}
	ctl_ledger_write(f, job, cert, e, n);
	fclose(f);
	free(e);
	return buf;
}

static char *export_text(const coord_ledger_row *rows, size_t n, const char *cert)
{
	return export_job(rows, n, cert, 0);
}

static int verify(const char *text, const char *ca, const char *dir,
		  const char *site, ctl_ledger_result *res)
{
	ctl_ledger_opts o = { ca, strlen(ca), dir, site };

	return ctl_ledger_verify(text, strlen(text), &o, NULL, res);
}

/* Replaces the first occurrence of from (after skipping `after`) in s. */
static char *edit(const char *s, const char *after, const char *from,
		  const char *to)
{
	const char *a = strstr(s, after), *p = a ? strstr(a, from) : NULL;
	size_t pre, len = strlen(s) - strlen(from) + strlen(to) + 1;
	char *o;

	if (!p)
		return NULL;
	pre = (size_t)(p - s);
	o = malloc(len);
	memcpy(o, s, pre);
	strcpy(o + pre, to);
	strcat(o, p + strlen(from));
	return o;
}

/* The n-th (1-based) entry line's start and end in text. */
static const char *entry_line(const char *text, int n, const char **end)
{
	const char *p = strstr(text, "-----END CERTIFICATE-----\n");

	p = strchr(p, '\n') + 1;
	for (; n > 1; n--)
		p = strchr(p, '\n') + 1;
	*end = strchr(p, '\n') + 1;
	return p;
}

static void test_tamper(const char *good, const char *ca, const char *other_ca)
{
	ctl_ledger_result res;
	const char *l1, *e1, *l2, *e2, *s1, *s2;
	char *bad, *p;

	/* an edited text (survivor list of entry 2) */
	bad = edit(good, "\"seq\":2", "\"alice\"", "\"alicf\"");
	FL_CHECK(bad != NULL);
	FL_CHECK_EQ_INT(verify(bad, ca, NULL, NULL, &res), FL_E_VERIFY);
	FL_CHECK(strstr(res.first_problem, "ledger: entry 2: the hash") != NULL);
	FL_CHECK_EQ_INT((int)res.entries, 1);
	free(bad);

	/* a deleted entry (the third line) */
	l1 = entry_line(good, 3, &e1);
	bad = malloc(strlen(good) + 1);
	memcpy(bad, good, (size_t)(l1 - good));
	strcpy(bad + (l1 - good), e1);
	FL_CHECK_EQ_INT(verify(bad, ca, NULL, NULL, &res), FL_E_VERIFY);
	FL_CHECK(strstr(res.first_problem, "ledger: entry 4: seq 4 where 3") != NULL);
	free(bad);

	/* the last entry deleted is not detectable by the chain alone, but
	 * the count and last hash change */
	l1 = entry_line(good, 4, &e1);
	bad = strndup(good, (size_t)(l1 - good));
	FL_CHECK_EQ_INT(verify(bad, ca, NULL, NULL, &res), 0);
	FL_CHECK_EQ_INT((int)res.entries, 3);
	free(bad);

	/* swapped signatures of entries 1 and 2 */
	l1 = entry_line(good, 1, &e1);
	l2 = entry_line(good, 2, &e2);
	s1 = strchr(strchr(l1, '\t') + 1, '\t') + 1;
	s2 = strchr(strchr(l2, '\t') + 1, '\t') + 1;
	bad = malloc(strlen(good) + 400);
	p = bad;
	memcpy(p, good, (size_t)(s1 - good));
	p += s1 - good;
	memcpy(p, s2, (size_t)(e2 - s2));
	p += e2 - s2;
	memcpy(p, l2, (size_t)(s2 - l2));
	p += s2 - l2;
	memcpy(p, s1, (size_t)(e1 - s1));
	p += e1 - s1;
	strcpy(p, e2);
	FL_CHECK_EQ_INT(verify(bad, ca, NULL, NULL, &res), FL_E_VERIFY);
	FL_CHECK(strstr(res.first_problem, "ledger: entry 1: the signature") != NULL);
	free(bad);

	/* another CA */
	FL_CHECK_EQ_INT(verify(good, other_ca, NULL, NULL, &res), FL_E_VERIFY);
	FL_CHECK(strstr(res.first_problem, "coordinator certificate") != NULL);

	/* not an export */
	FL_CHECK_EQ_INT(verify("hello\nworld\n", ca, NULL, NULL, &res), FL_E_PARSE);
}

static void write_rec(const char *state, uint32_t round, uint32_t attempt,
		      enum fl_task_kind kind, int model_version,
		      const char *sha)
{
	fl_agent_record rec;
	double v[2] = { 1.0, 2.0 };
	char msg[FL_ERRMSG_BYTES] = "";

	memset(&rec, 0, sizeof(rec));
	rec.job_id = 1;
	rec.round = round;
	rec.attempt = attempt;
	rec.kind = kind;
	rec.vec = v;
	rec.n = 2;
	if (model_version >= 0) {
		rec.has_model = true;
		rec.model_version = (uint32_t)model_version;
		snprintf(rec.model_sha256, sizeof(rec.model_sha256), "%s", sha);
	}
	FL_CHECK_EQ_INT(fl_agent_record_write(state, &rec, msg), 0);
}

static void test_records(const char *good, const char *ca)
{
	char state[] = "/tmp/ledgerrec.XXXXXX", dir[64], path[160];
	char sha[COORD_LEDGER_HASH_HEX];
	ctl_ledger_result res;
	fl_agent_record back;

	FL_CHECK(mkdtemp(state) != NULL);
	snprintf(dir, sizeof(dir), "%s/records", state);
	write_rec(state, 0, 1, FL_TASK_STATS, -1, "");
	coord_ledger_sha256_hex(blobs[0], strlen(blobs[0]), sha);
	write_rec(state, 1, 1, FL_TASK_TRAIN, 0, sha);   /* aborted attempt */
	write_rec(state, 1, 2, FL_TASK_TRAIN, 0, sha);
	coord_ledger_sha256_hex(blobs[2], strlen(blobs[2]), sha);
	write_rec(state, 3, 1, FL_TASK_EVAL, 2, sha);
	/* the record reads back with its model */
	FL_CHECK_EQ_INT(fl_agent_record_path(state, 1, 3, 1, path, sizeof(path)), 0);
	FL_CHECK_EQ_INT(fl_agent_record_read(path, &back, NULL), 0);
	FL_CHECK(back.has_model && back.model_version == 2 &&
		 strcmp(back.model_sha256, sha) == 0);
	fl_agent_record_clear(&back);

	FL_CHECK_EQ_INT(verify(good, ca, dir, "alice", &res), 0);
	FL_CHECK_EQ_INT((int)res.records_ok, 3);
	FL_CHECK_EQ_INT((int)res.records_aborted, 1);
	/* bob"\x is a survivor too: the JSON escaping round-trips */
	FL_CHECK_EQ_INT(verify(good, ca, dir, "bob\"\\x", &res), 0);
	/* a site that did not survive */
	FL_CHECK_EQ_INT(verify(good, ca, dir, "mallory", &res), FL_E_VERIFY);
	FL_CHECK(strncmp(res.first_problem, "ledger: site mallory round ", 27) == 0 &&
		 strstr(res.first_problem, ": not among the survivors") != NULL);
	FL_CHECK_EQ_INT((int)res.problems, 3);   /* the 3 records with an entry */
	/* round 2 used a model that is not the one the ledger recorded */
	coord_ledger_sha256_hex("forged", 6, sha);
	write_rec(state, 2, 1, FL_TASK_TRAIN, 1, sha);
	FL_CHECK_EQ_INT(verify(good, ca, dir, "alice", &res), FL_E_VERIFY);
	FL_CHECK(strstr(res.first_problem, "ledger: site alice round 2: the site "
			"used model v1") != NULL);
	/* ... or another version than the round started from */
	coord_ledger_sha256_hex(blobs[0], strlen(blobs[0]), sha);
	write_rec(state, 2, 1, FL_TASK_TRAIN, 0, sha);
	FL_CHECK_EQ_INT(verify(good, ca, dir, "alice", &res), FL_E_VERIFY);
	FL_CHECK(strstr(res.first_problem, "started from v1") != NULL);
	coord_ledger_sha256_hex(blobs[1], strlen(blobs[1]), sha);
	write_rec(state, 2, 1, FL_TASK_TRAIN, 1, sha);
	FL_CHECK_EQ_INT(verify(good, ca, dir, "alice", &res), 0);
	FL_CHECK_EQ_INT((int)res.records_ok, 4);

	for (uint32_t r = 0; r < 4; r++)
		for (uint32_t a = 1; a <= 2; a++)
			if (fl_agent_record_path(state, 1, r, a, path, sizeof(path)) == 0)
				unlink(path);
	rmdir(dir);
	rmdir(state);
}

/* A certificate with the coordinator role (OU=coordinator) issued by ca,
 * and its ECDSA P-256 key, as malloc'd PEM. 0 or -1. */
static char *bio_str(BIO *b)
{
	char *d = NULL, *o;
	long n = BIO_get_mem_data(b, &d);

	if (n <= 0 || (o = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(o, d, (size_t)n);
	o[n] = '\0';
	return o;
}

static int make_coord_cert(fl_test_ca *ca, char **cert_pem, char **key_pem)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();
	BIO *bc = BIO_new(BIO_s_mem()), *bk = BIO_new(BIO_s_mem());
	int ok = k && x && nm && bc && bk &&
		X509_set_version(x, 2) &&
		ASN1_INTEGER_set(X509_get_serialNumber(x), 99) &&
		X509_gmtime_adj(X509_getm_notBefore(x), -60) &&
		X509_gmtime_adj(X509_getm_notAfter(x), 86400) &&
		X509_NAME_add_entry_by_txt(nm, "OU", MBSTRING_ASC,
					   (const unsigned char *)"coordinator", -1, -1, 0) &&
		X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
					   (const unsigned char *)"coordinator", -1, -1, 0) &&
		X509_set_subject_name(x, nm) &&
		X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) &&
		X509_set_pubkey(x, k) && X509_sign(x, ca->key, EVP_sha256()) > 0 &&
		PEM_write_bio_X509(bc, x) &&
		PEM_write_bio_PrivateKey(bk, k, NULL, NULL, 0, NULL, NULL);

	*cert_pem = ok ? bio_str(bc) : NULL;
	*key_pem = ok ? bio_str(bk) : NULL;
	BIO_free(bc);
	BIO_free(bk);
	X509_NAME_free(nm);
	X509_free(x);
	EVP_PKEY_free(k);
	return *cert_pem && *key_pem ? 0 : -1;
}

/* One-job exports: gaps allowed, other jobs' entries refused. */
static void test_job_filter(coord_store *st, coord_ledger_signer *signer,
			    const char *cert, const char *ca)
{
	coord_ledger_row *rows = NULL, *all = NULL;
	fl_msg_job_info ji;
	fl_msg_round_info ri;
	coord_ledger_round lr;
	coord_ledger_ctx ctx = { signer, &lr };
	ctl_ledger_result res;
	size_t n = 0, na = 0;
	uint64_t next = 0, id = 0;
	char *text;

	memset(&ji, 0, sizeof(ji));
	snprintf(ji.name, sizeof(ji.name), "j2");
	FL_CHECK_EQ_INT(coord_store_job_insert(st, &ji, "spec2", 1, &id), 0);
	memset(&ri, 0, sizeof(ri));
	snprintf(ri.state, sizeof(ri.state), "done");
	fill_round(0, &lr);
	lr.job_id = id;
	ri.attempt = 1;
	FL_CHECK_EQ_INT(coord_store_round_commit_ledger(st, id, &ri, (const uint8_t *)"m",
							1, 0, 0, NULL, NULL, 5,
							coord_ledger_build, &ctx), 0);
	FL_CHECK_EQ_INT(coord_store_ledger_list(st, id, 1, 1 << 20, &rows, &n, &next), 0);
	FL_CHECK(n == 1 && rows[0].seq == 5 && rows[0].job_id == id);
	text = export_job(rows, n, cert, id);
	FL_CHECK_EQ_INT(verify(text, ca, NULL, NULL, &res), 0);
	FL_CHECK_EQ_INT((int)res.entries, 1);
	free(text);
	/* as a whole-chain file, seq 5 alone is a gap */
	text = export_text(rows, n, cert);
	FL_CHECK_EQ_INT(verify(text, ca, NULL, NULL, &res), FL_E_VERIFY);
	FL_CHECK(strstr(res.first_problem, "ledger: entry 5: seq 5 where 1") != NULL);
	free(text);
	/* the whole chain still verifies, and job 1's entries are not job 2's */
	FL_CHECK_EQ_INT(coord_store_ledger_list(st, 0, 1, 1 << 20, &all, &na, &next), 0);
	FL_CHECK_EQ_INT((int)na, 5);
	/* from_seq or a job id of 2^63 or more names nothing: an empty page,
	 * not the first one (a signed wrap in SQLite) */
	{
		coord_ledger_row *none = NULL;
		size_t nn = 9;
		uint64_t nx = 9;

		FL_CHECK_EQ_INT(coord_store_ledger_list(st, 0, (uint64_t)1 << 63, 1 << 20,
							&none, &nn, &nx), 0);
		FL_CHECK(nn == 0 && nx == 0 && none == NULL);
		nn = 9;
		FL_CHECK_EQ_INT(coord_store_ledger_list(st, UINT64_MAX, 1, 1 << 20,
							&none, &nn, &nx), 0);
		FL_CHECK(nn == 0 && none == NULL);
	}
	text = export_text(all, na, cert);
	FL_CHECK_EQ_INT(verify(text, ca, NULL, NULL, &res), 0);
	free(text);
	text = export_job(all, na, cert, id);
	FL_CHECK_EQ_INT(verify(text, ca, NULL, NULL, &res), FL_E_VERIFY);
	FL_CHECK(strstr(res.first_problem, "ledger: entry 1: not an entry of job 2")
		 != NULL);
	free(text);
	coord_store_ledger_free(rows, n);
	coord_store_ledger_free(all, na);
}

/* A site of the same CA signs a ledger of its own: refused by role. */
static void test_site_forgery(coord_store *st, const char *site_cert,
			      coord_ledger_signer *site_signer, const char *ca)
{
	coord_ledger_row *rows = NULL;
	ctl_ledger_result res;
	size_t n = 0;
	uint64_t next = 0;
	char *text;

	FL_CHECK_EQ_INT(coord_store_ledger_list(st, 0, 1, 1 << 20, &rows, &n, &next), 0);
	/* re-sign every entry with the site key */
	for (size_t i = 0; i < n; i++)
		FL_CHECK_EQ_INT(coord_ledger_seal(site_signer, rows[i].text,
						  rows[i].hash_hex, rows[i].sig_hex), 0);
	text = export_text(rows, n, site_cert);
	FL_CHECK_EQ_INT(verify(text, ca, NULL, NULL, &res), FL_E_VERIFY);
	FL_CHECK(strstr(res.first_problem, "coordinator certificate: its role (OU) "
			"is 'site'") != NULL);
	free(text);
	coord_store_ledger_free(rows, n);
}

/* GetLedger's messages round-trip through the codec, within the caps. */
static void test_codec(void)
{
	fl_msg_ledger_entry e[2];
	fl_msg_ledger_list in, out;
	fl_msg_ledger_req rq = { 7, 3 }, rq2 = { 0, 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	char *big;

	memset(e, 0, sizeof(e));
	e[0].seq = 3;
	e[0].text = "{\"seq\":3}";
	snprintf(e[0].hash_hex, sizeof(e[0].hash_hex), "%064d", 1);
	snprintf(e[0].sig_hex, sizeof(e[0].sig_hex), "3045");
	e[1] = e[0];
	e[1].seq = 4;
	memset(&in, 0, sizeof(in));
	in.entries = e;
	in.n = 2;
	in.cert_pem = "-----BEGIN CERTIFICATE-----\n";
	in.next_seq = 5;
	FL_CHECK_EQ_INT(fl_codec_encode_ledger_list(&in, &buf, &len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_ledger_list(buf, len, &out), 0);
	FL_CHECK(out.n == 2 && out.entries[1].seq == 4 && out.next_seq == 5 &&
		 strcmp(out.entries[0].text, e[0].text) == 0 &&
		 strcmp(out.entries[1].hash_hex, e[0].hash_hex) == 0 &&
		 strcmp(out.cert_pem, in.cert_pem) == 0);
	fl_msg_ledger_list_clear(&out);
	/* a truncated message does not decode */
	FL_CHECK(fl_codec_decode_ledger_list(buf, len - 3, &out) != 0);
	free(buf);
	FL_CHECK_EQ_INT(fl_codec_encode_ledger_req(&rq, &buf, &len), 0);
	FL_CHECK_EQ_INT(fl_codec_decode_ledger_req(buf, len, &rq2), 0);
	FL_CHECK(rq2.job_id == 7 && rq2.from_seq == 3);
	free(buf);
	/* an entry text over the cap is refused */
	big = malloc(FL_MSG_LEDGER_TEXT_MAX + 2);
	memset(big, 'x', FL_MSG_LEDGER_TEXT_MAX + 1);
	big[FL_MSG_LEDGER_TEXT_MAX + 1] = '\0';
	e[0].text = big;
	buf = NULL;
	FL_CHECK_EQ_INT(fl_codec_encode_ledger_list(&in, &buf, &len), FL_E_TOOBIG);
	FL_CHECK(buf == NULL);
	free(big);
}

int main(void)
{
	char dir[64], path[128];
	fl_test_ca ca, ca2;
	fl_test_site site;
	char *coord_cert = NULL, *coord_key = NULL;
	coord_ledger_signer *signer = NULL, *site_signer = NULL;
	coord_store *st = NULL;
	coord_ledger_row *rows = NULL, *page = NULL;
	fl_msg_job_info ji;
	size_t n = 0, pn = 0;
	uint64_t id = 0, next = 0;
	uint8_t *blob = NULL;
	size_t blen = 0;
	uint32_t ver = 0;
	char *good;
	ctl_ledger_result res;
	int i;

	test_codec();
	FL_CHECK_EQ_INT(fl_test_ca_new("ledger-ca", &ca), 0);
	FL_CHECK_EQ_INT(fl_test_ca_new("other-ca", &ca2), 0);
	FL_CHECK_EQ_INT(fl_test_site_new(&ca, "site9", 7, 0, &site), 0);
	FL_CHECK_EQ_INT(make_coord_cert(&ca, &coord_cert, &coord_key), 0);
	FL_CHECK_EQ_INT(coord_ledger_signer_new(coord_key, strlen(coord_key),
						coord_cert, &signer), 0);
	FL_CHECK(strcmp(coord_ledger_signer_cert(signer), coord_cert) == 0);
	FL_CHECK_EQ_INT(coord_ledger_signer_new(site.key_pem, site.key_len,
						site.cert_pem, &site_signer), 0);
	FL_CHECK_EQ_INT(coord_test_db_path(dir, sizeof(dir), path, sizeof(path)), 0);
	FL_CHECK_EQ_INT(coord_store_open(path, &st, NULL), 0);
	memset(&ji, 0, sizeof(ji));
	snprintf(ji.name, sizeof(ji.name), "j");
	snprintf(ji.dataset, sizeof(ji.dataset), "d");
	snprintf(ji.model, sizeof(ji.model), "logistic");
	ji.rounds_total = 2;
	FL_CHECK_EQ_INT(coord_store_job_insert(st, &ji, "spec", 1, &id), 0);
	FL_CHECK(id == 1);

	/* no signer: the commit fails and writes nothing */
	FL_CHECK(commit_round(st, 0, NULL) != 0);
	FL_CHECK_EQ_INT(coord_store_model_get(st, 1, 0, 0, &blob, &blen, &ver),
			FL_E_NOTFOUND);
	FL_CHECK_EQ_INT(coord_store_ledger_list(st, 0, 1, 1 << 20, &rows, &n, &next), 0);
	FL_CHECK_EQ_INT((int)n, 0);
	coord_store_ledger_free(rows, n);

	for (i = 0; i < NROUNDS; i++)
		FL_CHECK_EQ_INT(commit_round(st, i, signer), 0);
	FL_CHECK_EQ_INT(coord_store_ledger_list(st, 0, 1, 1 << 20, &rows, &n, &next), 0);
	FL_CHECK_EQ_INT((int)n, NROUNDS);
	FL_CHECK(next == 0);
	FL_CHECK(rows[0].seq == 1 && rows[3].seq == 4 && rows[1].attempt == 2);
	FL_CHECK(strstr(rows[0].text, "\"prev\":\"" COORD_LEDGER_ZERO_HASH "\"") != NULL);
	FL_CHECK(strstr(rows[1].text, rows[0].hash_hex) != NULL);
	FL_CHECK(strstr(rows[0].text, "\"survivors\":[\"alice\",\"bob\\\"\\\\x\","
			"\"carol\"]") != NULL);
	FL_CHECK(strstr(rows[0].text, "\"participants\":[\"aaaa") != NULL);
	FL_CHECK(strchr(rows[0].text, '\n') == NULL);
	/* the spec's signer, parsed back by the verifier; "" when unsigned */
	FL_CHECK(strstr(rows[0].text, "\"spec_signer\":\"\",\"spec_signer_sha256\""
			":\"\"") != NULL);
	FL_CHECK(strstr(rows[1].text, "\"spec_signer\":\"op\\\"erator\","
			"\"spec_signer_sha256\":\"cccc") != NULL);
	{
		ctl_ledger_fields lf;
		char why[256], *bad;

		FL_CHECK_EQ_INT(ctl_ledger_fields_parse(rows[1].text, &lf, why,
							sizeof(why)), 0);
		FL_CHECK(strcmp(lf.spec_signer, "op\"erator") == 0);
		FL_CHECK(strspn(lf.spec_signer_sha256, "c") == 64);
		ctl_ledger_fields_clear(&lf);
		FL_CHECK_EQ_INT(ctl_ledger_fields_parse(rows[0].text, &lf, why,
							sizeof(why)), 0);
		FL_CHECK(lf.spec_signer[0] == '\0' && lf.spec_signer_sha256[0] == '\0');
		ctl_ledger_fields_clear(&lf);
		bad = edit(rows[1].text, "spec_signer_sha256", "cccc", "cxcc");
		FL_CHECK(bad && ctl_ledger_fields_parse(bad, &lf, why, sizeof(why)) ==
			 FL_E_PARSE);
		free(bad);
	}

	/* paging: one entry per page, next_seq says where to go on */
	FL_CHECK_EQ_INT(coord_store_ledger_list(st, 1, 2, 1, &page, &pn, &next), 0);
	FL_CHECK(pn == 1 && page[0].seq == 2 && next == 3);
	coord_store_ledger_free(page, pn);
	FL_CHECK_EQ_INT(coord_store_ledger_list(st, 2, 1, 1 << 20, &page, &pn, &next), 0);
	FL_CHECK(pn == 0 && next == 0);
	coord_store_ledger_free(page, pn);

	good = export_text(rows, n, coord_cert);
	FL_CHECK_EQ_INT(verify(good, ca.pem, NULL, NULL, &res), 0);
	FL_CHECK_EQ_INT((int)res.entries, NROUNDS);
	FL_CHECK(strcmp(res.last_hash, rows[3].hash_hex) == 0);
	test_tamper(good, ca.pem, ca2.pem);
	test_records(good, ca.pem);
	test_site_forgery(st, site.cert_pem, site_signer, ca.pem);
	test_job_filter(st, signer, coord_cert, ca.pem);

	free(good);
	coord_store_ledger_free(rows, n);
	coord_store_close(st);
	coord_test_db_remove(dir, path);
	coord_ledger_signer_free(signer);
	coord_ledger_signer_free(site_signer);
	fl_test_site_free(&site);
	free(coord_cert);
	if (coord_key)
		memset(coord_key, 0, strlen(coord_key));
	free(coord_key);
	fl_test_ca_free(&ca);
	fl_test_ca_free(&ca2);
	return FL_TEST_DONE();
}
