/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_ledger_verify: the ledger export file, and its offline check (CA
 * chain, hashes, hash chain, sequence, signatures). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ctl_ledger_int.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_sign.h"

#define LEDGER_PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define LEDGER_PEM_END "-----END CERTIFICATE-----"

int ctl_ledger_write(FILE *f, uint64_t job, const char *cert_pem,
		     const fl_msg_ledger_entry *e, size_t n)
{
	size_t i, clen = cert_pem ? strlen(cert_pem) : 0;

	fprintf(f, "%s\n", CTL_LEDGER_MAGIC);
	if (job)
		fprintf(f, "# job %llu\n", (unsigned long long)job);
	else
		fprintf(f, "# job all\n");
	if (clen) {
		fputs(cert_pem, f);
		if (cert_pem[clen - 1] != '\n')
			fputc('\n', f);
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%s\t%s\t%s\n", e[i].text ? e[i].text : "", e[i].hash_hex,
			e[i].sig_hex);
	return ferror(f) ? FL_E_IO : 0;
}

/* The parts of an export file; lines point into a writable copy. */
typedef struct ledger_file {
	char *copy;
	uint64_t job;            /* 0: the whole chain */
	char *cert;              /* malloc'd PEM */
	char **lines;            /* entry lines */
	size_t n;
} ledger_file;

static void ledger_file_clear(ledger_file *lf)
{
	free(lf->copy);
	free(lf->cert);
	free(lf->lines);
	memset(lf, 0, sizeof(*lf));
}

static int ledger_file_header(ledger_file *lf, char **line, char *why, size_t wl)
{
	unsigned long long job;

	if (!line[0] || strcmp(line[0], CTL_LEDGER_MAGIC) != 0 || !line[1]) {
		snprintf(why, wl, "ledger: not a fedc ledger export (the first line "
			 "must be '%s')", CTL_LEDGER_MAGIC);
		return FL_E_PARSE;
	}
	if (strcmp(line[1], "# job all") == 0)
		lf->job = 0;
	else if (sscanf(line[1], "# job %llu", &job) == 1 && job > 0)
		lf->job = job;
	else {
		snprintf(why, wl, "ledger: bad second line (expected '# job all' or "
			 "'# job ID')");
		return FL_E_PARSE;
	}
	return 0;
}

/* Finds the certificate after the header lines; *at gets its END line. */
static int ledger_file_cert(ledger_file *lf, char **all, size_t nall, size_t *at,
			    char *why, size_t wl)
{
	size_t i, k, clen;
	char *begin;

	for (i = 2; i < nall && strcmp(all[i], LEDGER_PEM_BEGIN) != 0; i++)
		if (all[i][0] != '\0' && all[i][0] != '#')
			break;
	if (i >= nall || strcmp(all[i], LEDGER_PEM_BEGIN) != 0) {
		snprintf(why, wl, "ledger: the coordinator certificate (PEM) is "
			 "missing after the header");
		return FL_E_PARSE;
	}
	begin = all[i];
	for (; i < nall && strcmp(all[i], LEDGER_PEM_END) != 0; i++)
		;
	if (i >= nall) {
		snprintf(why, wl, "ledger: the certificate has no END line");
		return FL_E_PARSE;
	}
	/* The PEM lines are contiguous in the copy: rejoin them. */
	clen = (size_t)(all[i] - begin) + strlen(LEDGER_PEM_END);
	if ((lf->cert = malloc(clen + 2)) == NULL)
		return FL_E_NOMEM;
	memcpy(lf->cert, begin, clen);
	for (k = 0; k < clen; k++)
		if (lf->cert[k] == '\0')
			lf->cert[k] = '\n';
	lf->cert[clen] = '\n';
	lf->cert[clen + 1] = '\0';
	*at = i;
	return 0;
}

/* Splits the file into header, certificate and entry lines. */
static int ledger_file_parse(const char *text, size_t len, ledger_file *lf,
			     char *why, size_t wl)
{
	char **all = NULL, *p, *end;
	size_t nall = 0, i, cap = 0;
	int r = FL_E_PARSE;

	memset(lf, 0, sizeof(*lf));
	if (memchr(text, '\0', len) != NULL) {
		snprintf(why, wl, "ledger: the file holds a NUL byte");
		return FL_E_PARSE;
	}
	if ((lf->copy = malloc(len + 1)) == NULL)
		return FL_E_NOMEM;
	memcpy(lf->copy, text, len);
	lf->copy[len] = '\0';
	for (p = lf->copy; *p; p = end) {
		if ((end = strchr(p, '\n')) != NULL)
			*end++ = '\0';
		else
			end = p + strlen(p);
		if (p[0] != '\0' && p[strlen(p) - 1] == '\r')
			p[strlen(p) - 1] = '\0';
		if (nall + 1 >= cap) {
			char **na;

			cap = cap ? cap * 2 : 64;
			if ((na = realloc(all, cap * sizeof(*na))) == NULL) {
				r = FL_E_NOMEM;
				goto out;
			}
			all = na;
		}
		all[nall++] = p;
	}
	if (all == NULL || nall < 2) {
		snprintf(why, wl, "ledger: not a fedc ledger export (too short)");
		goto out;
	}
	all[nall] = NULL;
	if ((r = ledger_file_header(lf, all, why, wl)) != 0)
		goto out;
	if ((r = ledger_file_cert(lf, all, nall, &i, why, wl)) != 0)
		goto out;
	lf->lines = all;
	for (i++; i < nall; i++)
		if (all[i][0] != '\0')
			lf->lines[lf->n++] = all[i];
	all = NULL;
	r = 0;
out:
	free(all);
	return r;
}

/* Splits "TEXT\tHASH\tSIG" in place. */
static int ledger_line_split(char *line, char **text, char **hash, char **sig)
{
	char *t1 = strchr(line, '\t'), *t2;

	if (!t1 || !(t2 = strchr(t1 + 1, '\t')) || strchr(t2 + 1, '\t'))
		return FL_E_PARSE;
	*t1 = *t2 = '\0';
	*text = line;
	*hash = t1 + 1;
	*sig = t2 + 1;
	return 0;
}

/* Checks entry i (1-based position) against the one before. */
static int ledger_check_entry(fl_verifier *v, const ledger_file *lf, size_t i,
			      ctl_ledger_fields *prev, ctl_ledger_fields *f,
			      char *prev_hash, FILE *log, ctl_ledger_result *res)
{
	char *text, *hash, *sig, why[160], h[FL_MSG_HASH_HEX_BYTES];
	uint8_t hb[crypto_hash_sha256_BYTES], sb[FL_SIG_MAX_BYTES];
	size_t sblen = 0;
	uint64_t n = i;
	int r;

	if (ledger_line_split(lf->lines[i - 1], &text, &hash, &sig) != 0) {
		ctl_ledger_problem(res, log, "ledger: entry %zu: the line is not "
				   "TEXT<TAB>HASH<TAB>SIG", i);
		return FL_E_VERIFY;
	}
	if ((r = ctl_ledger_fields_parse(text, f, why, sizeof(why))) != 0) {
		if (r == FL_E_NOMEM)
			return r;
		ctl_ledger_problem(res, log, "ledger: entry %zu: the text does not "
				   "parse: %s", i, why);
		return FL_E_VERIFY;
	}
	n = f->seq;
	crypto_hash_sha256(hb, (const uint8_t *)text, strlen(text));
	sodium_bin2hex(h, sizeof(h), hb, sizeof(hb));
	if (strcmp(h, hash) != 0) {
		ctl_ledger_problem(res, log, "ledger: entry %llu: the hash does not "
				   "match the text (edited?)", (unsigned long long)n);
		return FL_E_VERIFY;
	}
	if (!lf->job && f->seq != (prev ? prev->seq + 1 : 1)) {
		ctl_ledger_problem(res, log, "ledger: entry %llu: seq %llu where %llu "
				   "was expected (an entry is missing or out of order)",
				   (unsigned long long)n, (unsigned long long)f->seq,
				   (unsigned long long)(prev ? prev->seq + 1 : 1));
		return FL_E_VERIFY;
	}
	if (lf->job && ((prev && f->seq <= prev->seq) || f->job != lf->job)) {
		ctl_ledger_problem(res, log, "ledger: entry %llu: not an entry of job "
				   "%llu after seq %llu", (unsigned long long)n,
				   (unsigned long long)lf->job,
				   (unsigned long long)(prev ? prev->seq : 0));
		return FL_E_VERIFY;
	}
	if ((f->seq == 1 || (prev && f->seq == prev->seq + 1)) &&
	    strcmp(f->prev, prev ? prev_hash : CTL_LEDGER_ZERO_HASH) != 0) {
		ctl_ledger_problem(res, log, "ledger: entry %llu: prev does not match "
				   "the hash of entry %llu", (unsigned long long)n,
				   (unsigned long long)(f->seq - 1));
		return FL_E_VERIFY;
	}
	if (strlen(sig) % 2 != 0 || strlen(sig) / 2 > sizeof(sb) ||
	    sodium_hex2bin(sb, sizeof(sb), sig, strlen(sig), NULL, &sblen, NULL) != 0 ||
	    fl_verifier_check(v, lf->cert, strlen(lf->cert), hb, sizeof(hb), sb,
			      sblen) != 0) {
		ctl_ledger_problem(res, log, "ledger: entry %llu: the signature does "
				   "not verify with the coordinator certificate",
				   (unsigned long long)n);
		return FL_E_VERIFY;
	}
	memcpy(prev_hash, h, FL_MSG_HASH_HEX_BYTES);
	return 0;
}

/* The certificate must chain to the CA (a dummy signature check runs the
 * chain check first, then fails as FL_E_VERIFY). */
static int ledger_check_cert(fl_verifier *v, const char *cert, FILE *log,
			     ctl_ledger_result *res)
{
	const uint8_t zero[1] = { 0 };
	int r = fl_verifier_check(v, cert, strlen(cert), zero, 1, zero, 1);
	fl_cert_info ci;

	memset(&ci, 0, sizeof(ci));
	if (r == FL_E_VERIFY || r == 0) {
		/* Only the coordinator signs the ledger: a site's or an
		 * operator's certificate from the same CA must not pass. */
		if (fl_pki_cert_info(cert, strlen(cert), &ci) != 0 ||
		    strcmp(ci.role, FL_ROLE_COORDINATOR) != 0) {
			ctl_ledger_problem(res, log, "ledger: coordinator certificate: "
					   "its role (OU) is '%s', not '%s'", ci.role,
					   FL_ROLE_COORDINATOR);
			return FL_E_VERIFY;
		}
		return 0;
	}
	if (r == FL_E_NOMEM)
		return r;
	ctl_ledger_problem(res, log, "ledger: coordinator certificate: %s",
			   r == FL_E_PARSE ? "does not parse" :
			   r == FL_E_REVOKED ? "is revoked" :
			   "is not issued by the CA (or has expired)");
	return FL_E_VERIFY;
}

int ctl_ledger_verify(const char *text, size_t len, const ctl_ledger_opts *o,
		      FILE *log, ctl_ledger_result *res)
{
	ledger_file lf;
	fl_verifier *v = NULL;
	ctl_ledger_fields *ents = NULL;
	char prev_hash[FL_MSG_HASH_HEX_BYTES] = "";
	size_t i, nents = 0;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&lf, 0, sizeof(lf));
	if (!text || !o || !o->ca_pem)
		return FL_E_INVAL;
	if (sodium_init() < 0)
		return FL_E_CRYPTO;
	if ((r = ledger_file_parse(text, len, &lf, res->first_problem,
				   sizeof(res->first_problem))) != 0) {
		if (r == FL_E_PARSE && log)
			fprintf(log, "%s\n", res->first_problem);
		res->problems = r == FL_E_PARSE;
		goto out;
	}
	if ((r = fl_verifier_new(o->ca_pem, o->ca_len, NULL, 0, &v)) != 0) {
		ctl_ledger_problem(res, log, "ledger: the CA file does not parse");
		r = FL_E_PARSE;
		goto out;
	}
	if ((r = ledger_check_cert(v, lf.cert, log, res)) != 0)
		goto out;
	if (lf.n && (ents = calloc(lf.n, sizeof(*ents))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < lf.n; i++) {
		r = ledger_check_entry(v, &lf, i + 1, i ? &ents[i - 1] : NULL,
				       &ents[i], prev_hash, log, res);
		nents = i + 1;
		if (r != 0)
			goto out;
		res->entries++;
	}
	snprintf(res->last_hash, sizeof(res->last_hash), "%s", prev_hash);
	if (o->records_dir && o->site)
		r = ctl_ledger_check_records(ents, lf.n, lf.job, o, log, res);
	if (r == 0 && res->problems)
		r = FL_E_VERIFY;
out:
	for (i = 0; i < nents; i++)
		ctl_ledger_fields_clear(&ents[i]);
	free(ents);
	fl_verifier_free(v);
	ledger_file_clear(&lf);
	return r;
}
