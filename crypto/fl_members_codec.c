/* SPDX-License-Identifier: Apache-2.0 */
/* fl_members_codec: the member list's signed text form (fl_members.h):
 * made with the CA key, parsed strictly and checked against the CA bundle. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_members.h"
#include "fl_pki_int.h"

#define MEMBERS_MAGIC "fedc-members-v1"
#define MEMBERS_SIG_PREFIX "signature "
/* "member " NAME " " ORG " " HEX "\n" at most */
#define MEMBERS_LINE_MAX (7u + 2u * FL_NAME_BYTES + 2u * FL_PKHASH_BYTES + 4u)
#define MEMBERS_HEAD_MAX (sizeof(MEMBERS_MAGIC) + 32u)

static void hex_of(char out[static 2 * FL_PKHASH_BYTES + 1],
		   const uint8_t h[static FL_PKHASH_BYTES])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < FL_PKHASH_BYTES; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[2 * FL_PKHASH_BYTES] = '\0';
}

int fl_members_sign(fl_members *m, fl_sign_key *ca_key, char **out, size_t *len)
{
	uint8_t sig[FL_SIG_MAX_BYTES];
	char hex[2 * FL_PKHASH_BYTES + 1];
	size_t cap, n = 0, siglen = 0, b64;
	char *text = NULL;
	int r;

	if (!m || !ca_key || !out || !len)
		return FL_E_INVAL;
	if ((r = fl_members_check(m, NULL)) != 0)
		return r;
	b64 = sodium_base64_encoded_len(FL_SIG_MAX_BYTES, sodium_base64_VARIANT_ORIGINAL);
	cap = MEMBERS_HEAD_MAX + (size_t)m->count * MEMBERS_LINE_MAX +
	      sizeof(MEMBERS_SIG_PREFIX) + b64 + 2;
	if (!(text = malloc(cap)))
		return FL_E_NOMEM;
	n += (size_t)snprintf(text + n, cap - n, "%s\nversion %" PRIu64 "\n",
			      MEMBERS_MAGIC, m->version);
	for (uint32_t i = 0; i < m->count; i++) {
		hex_of(hex, m->items[i].pkhash);
		n += (size_t)snprintf(text + n, cap - n, "member %s %s %s\n",
				      m->items[i].name, m->items[i].org, hex);
	}
	if ((r = fl_sign(ca_key, (const uint8_t *)text, n, sig, &siglen)) != 0)
		goto out;
	memcpy(text + n, MEMBERS_SIG_PREFIX, sizeof(MEMBERS_SIG_PREFIX) - 1);
	n += sizeof(MEMBERS_SIG_PREFIX) - 1;
	sodium_bin2base64(text + n, cap - n, sig, siglen, sodium_base64_VARIANT_ORIGINAL);
	n += strlen(text + n);
	text[n++] = '\n';
	text[n] = '\0';
	if (n > FL_MEMBERS_MAX_BYTES) {
		r = FL_E_TOOBIG;
		goto out;
	}
	*out = text;
	*len = n;
	text = NULL;
out:
	free(text);
	return r;
}

/* ---- parsing ---- */

typedef struct members_cursor {
	const char *p, *end;
	uint32_t line;
} members_cursor;

/* The next line (without its "\n") into *s, *n; FL_E_PARSE at the end or
 * for a last line without "\n". */
static int next_line(members_cursor *c, const char **s, size_t *n)
{
	const char *nl;

	if (c->p >= c->end)
		return FL_E_PARSE;
	if (!(nl = memchr(c->p, '\n', (size_t)(c->end - c->p))))
		return FL_E_PARSE;
	*s = c->p;
	*n = (size_t)(nl - c->p);
	c->p = nl + 1;
	c->line++;
	return 0;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(s, prefix, k) == 0;
}

/* A decimal without sign or leading zeros, fitting in 64 bits. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20 || (s[0] == '0' && n > 1))
		return FL_E_PARSE;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return FL_E_PARSE;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return FL_E_PARSE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int hex_in(const char *s, uint8_t out[static FL_PKHASH_BYTES])
{
	for (size_t i = 0; i < 2 * FL_PKHASH_BYTES; i++) {
		int v;

		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = s[i] - 'a' + 10;
		else
			return FL_E_PARSE;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 0;
}

/* Copies the word s[0..n) into a fixed field; FL_E_PARSE if empty or too
 * long. */
static int word_in(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return FL_E_PARSE;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* "member NAME ORG HEX" (without the prefix) into *e. */
static int member_line(const char *s, size_t n, fl_member *e, char *errmsg,
		       uint32_t line)
{
	const char *sp1, *sp2, *end = s + n;

	memset(e, 0, sizeof(*e));
	if (!(sp1 = memchr(s, ' ', n)) ||
	    !(sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)))) {
		fl_errmsg_set(errmsg, "line %u: expected 'member NAME ORG KEYHASH'", line);
		return FL_E_PARSE;
	}
	if (word_in(e->name, sizeof(e->name), s, (size_t)(sp1 - s)) != 0 ||
	    word_in(e->org, sizeof(e->org), sp1 + 1, (size_t)(sp2 - sp1 - 1)) != 0) {
		fl_errmsg_set(errmsg, "line %u: empty or over-long (%u bytes at most) "
			      "member name or organisation", line, FL_NAME_BYTES - 1);
		return FL_E_PARSE;
	}
	if ((size_t)(end - sp2 - 1) != 2 * FL_PKHASH_BYTES ||
	    hex_in(sp2 + 1, e->pkhash) != 0) {
		fl_errmsg_set(errmsg, "line %u: the key hash must be 64 lowercase hex "
			      "digits", line);
		return FL_E_PARSE;
	}
	return 0;
}

/* Header and member lines up to the signature line; *body_len gets the
 * length of the signed part, *sig_line and *sig_n the base64 text. */
static int parse_body(members_cursor *c, fl_members *m, size_t *body_len,
		      const char **sig, size_t *sig_n, char *errmsg)
{
	const char *base = c->p, *s;
	uint32_t cap = 0;
	size_t n;

	if (next_line(c, &s, &n) != 0 || n != strlen(MEMBERS_MAGIC) ||
	    memcmp(s, MEMBERS_MAGIC, n) != 0) {
		fl_errmsg_set(errmsg, "not a member list: the first line must be '%s'",
			      MEMBERS_MAGIC);
		return FL_E_PARSE;
	}
	if (next_line(c, &s, &n) != 0 || !has_prefix(s, n, "version ") ||
	    parse_u64(s + 8, n - 8, &m->version) != 0) {
		fl_errmsg_set(errmsg, "line 2: expected 'version N' (a decimal number)");
		return FL_E_PARSE;
	}
	for (;;) {
		const char *start = c->p;

		if (next_line(c, &s, &n) != 0) {
			fl_errmsg_set(errmsg, "line %u: the list is truncated: no "
				      "'signature' line", c->line + 1);
			return FL_E_PARSE;
		}
		if (has_prefix(s, n, MEMBERS_SIG_PREFIX)) {
			*body_len = (size_t)(start - base);
			*sig = s + strlen(MEMBERS_SIG_PREFIX);
			*sig_n = n - strlen(MEMBERS_SIG_PREFIX);
			break;
		}
		if (!has_prefix(s, n, "member ")) {
			fl_errmsg_set(errmsg, "line %u: unknown line (expected 'member' "
				      "or 'signature')", c->line);
			return FL_E_PARSE;
		}
		if (m->count == FL_MEMBERS_MAX) {
			fl_errmsg_set(errmsg, "more than %u members", FL_MEMBERS_MAX);
			return FL_E_PARSE;
		}
		if (m->count == cap) {
			uint32_t ncap = cap ? 2 * cap : 16;
			fl_member *it;

			if (ncap > FL_MEMBERS_MAX)
				ncap = FL_MEMBERS_MAX;
			if (!(it = realloc(m->items, (size_t)ncap * sizeof(*it))))
				return FL_E_NOMEM;
			m->items = it;
			cap = ncap;
		}
		if (member_line(s + 7, n - 7, &m->items[m->count], errmsg, c->line) != 0)
			return FL_E_PARSE;
		m->count++;
	}
	if (c->p != c->end) {
		fl_errmsg_set(errmsg, "line %u: text after the signature line", c->line + 1);
		return FL_E_PARSE;
	}
	return 0;
}

/* A message and its signature, for ca_signed. */
typedef struct {
	const uint8_t *msg, *sig;
	size_t msglen, siglen;
} signed_msg;

/* fl_pki_pem_each's step: 1 (stop) if ca has a P-256 or Ed25519 key whose
 * signature of the message is the signature. */
static int ca_signed(X509 *ca, void *arg)
{
	const signed_msg *m = arg;
	EVP_PKEY *pk = X509_get0_pubkey(ca);
	EVP_MD_CTX *md = NULL;
	int id = pk ? EVP_PKEY_get_base_id(pk) : 0;
	bool ok = id == EVP_PKEY_ED25519 ||
		  (id == EVP_PKEY_EC && EVP_PKEY_get_bits(pk) == 256);

	ok = ok && (md = EVP_MD_CTX_new()) != NULL &&
	     EVP_DigestVerifyInit(md, NULL, id == EVP_PKEY_ED25519 ? NULL :
				  EVP_sha256(), NULL, pk) == 1 &&
	     EVP_DigestVerify(md, m->sig, m->siglen, m->msg, m->msglen) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

/* 0 if one certificate of the bundle has a (P-256 or Ed25519) key whose
 * signature of msg is sig, else FL_E_VERIFY. */
static int verify_by_bundle(const char *ca_pem, size_t ca_len, const uint8_t *msg,
			    size_t msglen, const uint8_t *sig, size_t siglen)
{
	signed_msg m = { msg, sig, msglen, siglen };
	int r;

	if (ca_len > FL_SIGN_MAX_PEM)
		return FL_E_PARSE;
	r = fl_pki_pem_each(ca_pem, ca_len, ca_signed, &m, NULL);
	ERR_clear_error();
	return r == 1 ? 0 : r < 0 ? r : FL_E_VERIFY;
}

int fl_members_parse_verified(const char *text, size_t len, const char *ca_pem,
			      size_t ca_len, fl_members *out, char *errmsg)
{
	members_cursor c = { text, text + len, 0 };
	uint8_t sig[FL_SIG_MAX_BYTES];
	const char *b64 = NULL, *b64_end = NULL;
	size_t body_len = 0, b64_n = 0, siglen = 0;
	fl_members m;
	int r;

	memset(&m, 0, sizeof(m));
	if (!text || !ca_pem || !out)
		return FL_E_INVAL;
	if (len > FL_MEMBERS_MAX_BYTES) {
		fl_errmsg_set(errmsg, "the member list is %zu bytes, over the %u-byte cap",
			      len, FL_MEMBERS_MAX_BYTES);
		return FL_E_TOOBIG;
	}
	if (len == 0 || memchr(text, '\0', len) || memchr(text, '\r', len)) {
		fl_errmsg_set(errmsg, "the member list is empty or holds NUL or CR bytes");
		return FL_E_PARSE;
	}
	if ((r = parse_body(&c, &m, &body_len, &b64, &b64_n, errmsg)) != 0)
		goto out;
	if (b64_n == 0 || b64_n > 2 * FL_SIG_MAX_BYTES ||
	    sodium_base642bin(sig, sizeof(sig), b64, b64_n, NULL, &siglen, &b64_end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    b64_end != b64 + b64_n || siglen == 0) {
		fl_errmsg_set(errmsg, "line %u: the signature is not base64 of at most "
			      "%d bytes", c.line, FL_SIG_MAX_BYTES);
		r = FL_E_PARSE;
		goto out;
	}
	if ((r = verify_by_bundle(ca_pem, ca_len, (const uint8_t *)text, body_len,
				  sig, siglen)) != 0) {
		fl_errmsg_set(errmsg, "the member list is not signed by the consortium CA");
		goto out;
	}
	if ((r = fl_members_check(&m, errmsg)) != 0)
		goto out;
	*out = m;
	memset(&m, 0, sizeof(m));
out:
	fl_members_clear(&m);
	return r;
}
