/* SPDX-License-Identifier: Apache-2.0 */
/* coord_ledger: canonical text, hash and signature of round-ledger entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "coord_ledger.h"
#include "fl_err.h"
#include "fl_json.h"
#include "fl_sign.h"
#include "fl_wipe.h"

struct coord_ledger_signer {
	fl_sign_key *key;
	char *cert_pem;
};

int coord_ledger_signer_new(const char *key_pem, size_t key_len,
			    const char *cert_pem, coord_ledger_signer **out)
{
	coord_ledger_signer *s;
	int r;

	if (!key_pem || !cert_pem || !out)
		return FL_E_INVAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return FL_E_NOMEM;
	if ((s->cert_pem = strdup(cert_pem)) == NULL) {
		r = FL_E_NOMEM;
		goto fail;
	}
	if ((r = fl_sign_key_load_pem(key_pem, key_len, &s->key)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	coord_ledger_signer_free(s);
	return r;
}

int coord_ledger_signer_load(const char *key_path, const char *cert_path,
			     coord_ledger_signer **out, char *errmsg)
{
	char *key = NULL, *cert = NULL;
	size_t klen = 0, clen = 0;
	int r;

	if ((r = fl_file_read(key_path, FL_SIGN_MAX_PEM, &key, &klen)) != 0) {
		fl_errmsg_set(errmsg, "cannot read the key %s: %s", key_path,
			      fl_strerror(r));
		goto out;
	}
	if ((r = fl_file_read(cert_path, FL_MSG_LEDGER_CERT_MAX, &cert, &clen)) != 0) {
		fl_errmsg_set(errmsg, "cannot read the certificate %s: %s", cert_path,
			      fl_strerror(r));
		goto out;
	}
	if ((r = coord_ledger_signer_new(key, klen, cert, out)) != 0)
		fl_errmsg_set(errmsg, "cannot use %s as the ledger signing key: %s",
			      key_path, fl_strerror(r));
out:
	fl_wipe_free(key, klen);
	free(cert);
	return r;
}

void coord_ledger_signer_free(coord_ledger_signer *s)
{
	if (s == NULL)
		return;
	fl_sign_key_free(s->key);
	free(s->cert_pem);
	free(s);
}

const char *coord_ledger_signer_cert(const coord_ledger_signer *s)
{
	return s ? s->cert_pem : NULL;
}

void coord_ledger_sha256_hex(const void *data, size_t len,
			     char out[static COORD_LEDGER_HASH_HEX])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, COORD_LEDGER_HASH_HEX, h, sizeof(h));
}

static int coord_ledger_hex_ok(const char *h, int empty_ok)
{
	size_t i;

	if (h[0] == '\0')
		return empty_ok;
	for (i = 0; i < COORD_LEDGER_HASH_HEX - 1; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return h[i] == '\0';
}

static int coord_ledger_cmp_fpr(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Writes a sorted copy of n fixed-size strings as a JSON array. */
static int coord_ledger_str_array(FILE *f, const void *items, size_t n,
				  size_t size)
{
	char *copy = NULL;
	size_t i;

	if (n > 0) {
		if ((copy = malloc(n * size)) == NULL)
			return FL_E_NOMEM;
		memcpy(copy, items, n * size);
		qsort(copy, n, size, coord_ledger_cmp_fpr);
	}
	fputc('[', f);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		copy[(i + 1) * size - 1] = '\0';
		fl_json_str(f, copy + i * size, 0);
	}
	fputc(']', f);
	free(copy);
	return 0;
}

static void coord_ledger_version(FILE *f, const char *key, int64_t v)
{
	if (v < 0)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%lld", key, (long long)v);
}

int coord_ledger_text(const coord_ledger_round *r, uint64_t seq,
		      const char *prev_hash, char **text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret = 0, bad;

	if (!r || !text || !r->kind || !prev_hash ||
	    !coord_ledger_hex_ok(prev_hash, 0) ||
	    !coord_ledger_hex_ok(r->model_sha256, 1) ||
	    !coord_ledger_hex_ok(r->spec_sha256, 0) ||
	    !coord_ledger_hex_ok(r->spec_signer_sha256, 1) ||
	    !memchr(r->spec_signer, '\0', sizeof(r->spec_signer)) ||
	    (r->nfprs && !r->fprs) || (r->nsurvivors && !r->survivors))
		return FL_E_INVAL;
	if ((f = open_memstream(&buf, &len)) == NULL)
		return FL_E_NOMEM;
	fprintf(f, "{\"v\":%d,\"seq\":%llu,\"job\":%llu,\"round\":%u,\"attempt\":%u,"
		"\"kind\":", COORD_LEDGER_VERSION, (unsigned long long)seq,
		(unsigned long long)r->job_id, r->round, r->attempt);
	fl_json_str(f, r->kind, 0);
	fputs(",\"participants\":", f);
	if ((ret = coord_ledger_str_array(f, r->fprs, r->nfprs,
					  COORD_LEDGER_HASH_HEX)) != 0)
		goto close;
	fputs(",\"survivors\":", f);
	if ((ret = coord_ledger_str_array(f, r->survivors, r->nsurvivors,
					  FL_NAME_BYTES)) != 0)
		goto close;
	coord_ledger_version(f, "base_version", r->base_version);
	coord_ledger_version(f, "model_version", r->model_version);
	fprintf(f, ",\"model_sha256\":\"%s\",\"spec_sha256\":\"%s\","
		"\"spec_signer\":", r->model_sha256, r->spec_sha256);
	fl_json_str(f, r->spec_signer, 0);
	fprintf(f, ",\"spec_signer_sha256\":\"%s\","
		"\"params\":{\"n\":%u,\"k\":%u,\"t\":%u,\"words\":%llu,\"bits\":%u,"
		"\"clip\":%.17g,\"weight_scale\":%.17g,\"consistency\":%s}",
		r->spec_signer_sha256, r->n, r->k, r->t,
		(unsigned long long)r->words, r->bits, r->clip, r->weight_scale,
		r->consistency ? "true" : "false");
	if (r->has_dp)
		fprintf(f, ",\"dp\":{\"z\":%.17g,\"sigma\":%.17g,\"l2_clip\":%.17g,"
			"\"gamma\":%.17g,\"B\":%.17g,\"d\":%u,\"n_min\":%u,\"S\":%llu,"
			"\"rho\":%.17g}", r->dp.z, r->dp.sigma, r->dp.l2_clip,
			r->dp.gamma, r->dp.l2_bound, r->dp.pdim, r->dp.n_min,
			(unsigned long long)r->dp.var, r->dp.rho);
	fprintf(f, ",\"ts_ms\":%lld,\"prev\":\"%s\"}", (long long)r->ts_ms,
		prev_hash);
close:
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		ret = ret ? ret : FL_E_NOMEM;
	if (ret == 0 && len > FL_MSG_LEDGER_TEXT_MAX)
		ret = FL_E_TOOBIG;
	if (ret != 0) {
		free(buf);
		return ret;
	}
	*text = buf;
	return 0;
}

int coord_ledger_seal(coord_ledger_signer *s, const char *text,
		      char hash_hex[static COORD_LEDGER_HASH_HEX],
		      char sig_hex[static COORD_LEDGER_SIG_HEX])
{
	uint8_t h[crypto_hash_sha256_BYTES], sig[FL_SIG_MAX_BYTES];
	size_t siglen = 0;
	int r;

	if (!s || !s->key || !text)
		return FL_E_CRYPTO;
	crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
	if ((r = fl_sign(s->key, h, sizeof(h), sig, &siglen)) != 0)
		return r;
	if (siglen == 0 || siglen * 2 + 1 > COORD_LEDGER_SIG_HEX)
		return FL_E_CRYPTO;
	sodium_bin2hex(hash_hex, COORD_LEDGER_HASH_HEX, h, sizeof(h));
	sodium_bin2hex(sig_hex, COORD_LEDGER_SIG_HEX, sig, siglen);
	return 0;
}

int coord_ledger_build(void *ctx, uint64_t seq, const char *prev_hash,
		       coord_ledger_row *out)
{
	const coord_ledger_ctx *c = ctx;
	char *text = NULL;
	int r;

	if (!c || !c->round || !c->signer)
		return FL_E_CRYPTO;
	if ((r = coord_ledger_text(c->round, seq, prev_hash, &text)) != 0)
		return r;
	if ((r = coord_ledger_seal(c->signer, text, out->hash_hex,
				   out->sig_hex)) != 0) {
		free(text);
		return r;
	}
	out->seq = seq;
	out->job_id = c->round->job_id;
	out->round = c->round->round;
	out->attempt = c->round->attempt;
	out->text = text;
	return 0;
}
