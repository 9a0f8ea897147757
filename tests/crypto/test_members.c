/* SPDX-License-Identifier: Apache-2.0 */
/* test_members: the signed member list (SECAGG.md R1): sign/parse round
 * trip, tampering, another CA, duplicates, truncation, strict parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_members.h"
#include "fl_test.h"
#include "fl_test_pki.h"

/* The test CA's private key as an fl_sign_key. */
static fl_sign_key *ca_sign_key(fl_test_ca *ca)
{
	fl_sign_key *k = NULL;
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	if (!b || PEM_write_bio_PrivateKey(b, ca->key, NULL, NULL, 0, NULL, NULL) != 1)
		goto out;
	n = BIO_get_mem_data(b, &p);
	if (fl_sign_key_load_pem(p, (size_t)n, &k) != 0)
		k = NULL;
out:
	BIO_free(b);
	return k;
}

/* A list of three sites of ca, version v. */
static void make_list(fl_test_ca *ca, uint64_t v, fl_members *m)
{
	static const char *names[] = { "site-c", "site-a", "site-b" };
	fl_test_site s;

	memset(m, 0, sizeof(*m));
	m->version = v;
	m->count = 3;
	m->items = calloc(3, sizeof(*m->items));
	for (int i = 0; i < 3; i++) {
		FL_CHECK(fl_test_site_new(ca, names[i], 10 + i, i == 2, &s) == 0);
		snprintf(m->items[i].name, sizeof(m->items[i].name), "%s", names[i]);
		snprintf(m->items[i].org, sizeof(m->items[i].org), "org-%d", i % 2);
		FL_CHECK(fl_pki_cert_pkhash(s.cert_pem, s.cert_len, m->items[i].pkhash) == 0);
		fl_test_site_free(&s);
	}
}

/* Signs body (a complete text up to the signature line) with key. */
static char *sign_raw(fl_sign_key *key, const char *body, size_t *len)
{
	uint8_t sig[FL_SIG_MAX_BYTES];
	size_t siglen = 0, n = strlen(body), cap = n + 256;
	char *t = malloc(cap);

	FL_CHECK(fl_sign(key, (const uint8_t *)body, n, sig, &siglen) == 0);
	memcpy(t, body, n);
	memcpy(t + n, "signature ", 10);
	sodium_bin2base64(t + n + 10, cap - n - 10, sig, siglen,
			  sodium_base64_VARIANT_ORIGINAL);
	n = strlen(t);
	t[n++] = '\n';
	t[n] = '\0';
	*len = n;
	return t;
}

static int parse(const char *t, size_t n, fl_test_ca *ca, fl_members *out,
		 char *why)
{
	why[0] = '\0';
	return fl_members_parse_verified(t, n, ca->pem, ca->pem_len, out, why);
}

static void test_round_trip(fl_test_ca *ca, fl_sign_key *key)
{
	fl_members m, p;
	char why[FL_ERRMSG_BYTES], *t = NULL;
	size_t n = 0;

	make_list(ca, 7, &m);
	FL_CHECK(fl_members_sign(&m, key, &t, &n) == 0);
	FL_CHECK(n == strlen(t));
	FL_CHECK(strncmp(t, "fedc-members-v1\nversion 7\nmember site-a org-1 ", 46) == 0);
	memset(&p, 0, sizeof(p));
	FL_CHECK_EQ_INT(parse(t, n, ca, &p, why), 0);
	FL_CHECK(p.version == 7 && p.count == 3);
	for (uint32_t i = 0; i < 3 && p.count == 3; i++) {
		FL_CHECK(strcmp(p.items[i].name, m.items[i].name) == 0);
		FL_CHECK(strcmp(p.items[i].org, m.items[i].org) == 0);
		FL_CHECK(memcmp(p.items[i].pkhash, m.items[i].pkhash, FL_PKHASH_BYTES) == 0);
	}
	FL_CHECK(fl_members_find(&p, "site-b") != NULL);
	FL_CHECK(fl_members_find(&p, "site-x") == NULL);
	fl_members_clear(&p);

	/* every single-byte change of the signed part is refused */
	for (size_t i = 0; i < n; i += 7) {
		char saved = t[i];

		t[i] = (char)(t[i] == 'a' ? 'b' : 'a');
		FL_CHECK(parse(t, n, ca, &p, why) != 0);
		t[i] = saved;
	}
	{
		char *e = strstr(t, "site-b");

		e[5] = 'd';   /* still a valid list, but not the one signed */
		FL_CHECK_EQ_INT(parse(t, n, ca, &p, why), FL_E_VERIFY);
		FL_CHECK(strstr(why, "not signed by the consortium CA") != NULL);
		e[5] = 'b';
	}
	/* truncated anywhere */
	for (size_t k = 0; k < n; k += 13)
		FL_CHECK(parse(t, k, ca, &p, why) != 0);
	FL_CHECK_EQ_INT(parse(t, n - 1, ca, &p, why), FL_E_PARSE);
	FL_CHECK(parse(t, n, ca, &p, why) == 0);
	fl_members_clear(&p);
	/* text after the signature */
	{
		char *u = malloc(n + 8);

		memcpy(u, t, n);
		memcpy(u + n, "member\n", 7);
		FL_CHECK_EQ_INT(parse(u, n + 7, ca, &p, why), FL_E_PARSE);
		free(u);
	}
	free(t);
	/* a version below 1 is never signed */
	m.version = 0;
	FL_CHECK_EQ_INT(fl_members_sign(&m, key, &t, &n), FL_E_PARSE);
	fl_members_clear(&m);
}

static void test_other_ca(fl_test_ca *ca, fl_sign_key *key)
{
	fl_test_ca other;
	fl_sign_key *okey;
	fl_members m, p;
	char why[FL_ERRMSG_BYTES], *t = NULL, *bundle;
	size_t n = 0, blen;

	FL_CHECK(fl_test_ca_new("another CA", &other) == 0);
	okey = ca_sign_key(&other);
	FL_CHECK(okey != NULL);
	make_list(ca, 2, &m);
	FL_CHECK(fl_members_sign(&m, okey, &t, &n) == 0);
	memset(&p, 0, sizeof(p));
	FL_CHECK_EQ_INT(parse(t, n, ca, &p, why), FL_E_VERIFY);
	FL_CHECK(parse(t, n, &other, &p, why) == 0);
	fl_members_clear(&p);
	/* a bundle holding both CAs accepts either (CA rotation) */
	blen = ca->pem_len + other.pem_len;
	bundle = malloc(blen);
	memcpy(bundle, ca->pem, ca->pem_len);
	memcpy(bundle + ca->pem_len, other.pem, other.pem_len);
	FL_CHECK(fl_members_parse_verified(t, n, bundle, blen, &p, why) == 0);
	fl_members_clear(&p);
	free(bundle);
	free(t);
	(void)key;
	fl_members_clear(&m);
	fl_sign_key_free(okey);
	fl_test_ca_free(&other);
}

static const char H1[] =
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char H2[] =
	"1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* Correctly signed texts that still break a rule. */
static void test_bad_lists(fl_test_ca *ca, fl_sign_key *key)
{
	static const struct {
		const char *body, *why;
		int err;
	} cases[] = {
		{ "fedc-members-v1\nversion 1\nmember a o %1\nmember a p %2\n",
		  "listed twice", FL_E_PARSE },
		{ "fedc-members-v1\nversion 1\nmember a o %1\nmember b o %1\n",
		  "share one public key", FL_E_PARSE },
		{ "fedc-members-v1\nversion 0\nmember a o %1\n", "version", FL_E_PARSE },
		{ "fedc-members-v1\nversion 01\n", "version", FL_E_PARSE },
		{ "fedc-members-v1\nversion 1\nmember a o %1 x\n", "hex", FL_E_PARSE },
		{ "fedc-members-v1\nversion 1\nmember a o 0123456789ABCDEF0123456789abcdef"
		  "0123456789abcdef0123456789abcdef\n", "hex", FL_E_PARSE },
		{ "fedc-members-v1\nversion 1\nmember a  %1\n", "organisation", FL_E_PARSE },
		{ "fedc-members-v1\nversion 1\nmember a\to o %1\n", "spaces", FL_E_PARSE },
		{ "fedc-members-v1\nversion 1\ncomment hello\n", "unknown line", FL_E_PARSE },
		{ "fedc-members-v2\nversion 1\n", "first line", FL_E_PARSE },
		{ "fedc-members-v1\nversion 3\n", NULL, 0 },   /* empty list: fine */
	};
	char body[512], why[FL_ERRMSG_BYTES], *t;
	fl_members p;
	size_t n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].body;
		size_t o = 0;

		/* %1 and %2 stand for key hashes */
		for (; *s && o < sizeof(body) - 70; s++) {
			if (s[0] == '%' && (s[1] == '1' || s[1] == '2')) {
				memcpy(body + o, s[1] == '1' ? H1 : H2, 64);
				o += 64;
				s++;
			} else {
				body[o++] = *s;
			}
		}
		body[o] = '\0';
		t = sign_raw(key, body, &n);
		memset(&p, 0, sizeof(p));
		FL_CHECK_EQ_INT(parse(t, n, ca, &p, why), cases[i].err);
		if (cases[i].why && !strstr(why, cases[i].why))
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, why, cases[i].why);
		FL_CHECK(!cases[i].why || strstr(why, cases[i].why) != NULL);
		fl_members_clear(&p);
		free(t);
	}
}

static void test_caps(fl_test_ca *ca)
{
	char why[FL_ERRMSG_BYTES], *big = calloc(1, FL_MEMBERS_MAX_BYTES + 2);
	fl_members p;

	memset(&p, 0, sizeof(p));
	memset(big, 'a', FL_MEMBERS_MAX_BYTES + 1);
	FL_CHECK_EQ_INT(parse(big, FL_MEMBERS_MAX_BYTES + 1, ca, &p, why), FL_E_TOOBIG);
	FL_CHECK_EQ_INT(parse("", 0, ca, &p, why), FL_E_PARSE);
	FL_CHECK_EQ_INT(parse("fedc-members-v1\0", 16, ca, &p, why), FL_E_PARSE);
	free(big);
}

int main(void)
{
	fl_test_ca ca;
	fl_sign_key *key;

	if (sodium_init() < 0 || fl_test_ca_new("fedc test CA", &ca) != 0)
		return 1;
	key = ca_sign_key(&ca);
	FL_CHECK(key != NULL);
	if (key) {
		test_round_trip(&ca, key);
		test_other_ca(&ca, key);
		test_bad_lists(&ca, key);
	}
	test_caps(&ca);
	fl_sign_key_free(key);
	fl_test_ca_free(&ca);
	return FL_TEST_DONE();
}
