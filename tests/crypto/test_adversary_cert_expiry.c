/* SPDX-License-Identifier: Apache-2.0 */
/* test_adversary_cert_expiry: stale data as the attack. A verifier caches
 * a peer's chain check; the certificate then expires while the verifier
 * lives, and a coordinator keeps relaying it: the cached entry must be
 * refused once the certificate is past its notAfter. Also the CRL helpers
 * (number, update times, revoked serials) the R10 checks rely on. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_err.h"
#include "fl_pki.h"
#include "fl_sign.h"
#include "fl_test.h"
#include "fl_test_pki.h"
#include "fl_util.h"

static int sign_msg(const fl_test_site *s, const uint8_t *msg, size_t len,
		    uint8_t sig[static FL_SIG_MAX_BYTES], size_t *siglen)
{
	fl_sign_key *k = NULL;
	int r;

	if ((r = fl_sign_key_load_pem(s->key_pem, s->key_len, &k)) != 0)
		return r;
	r = fl_sign(k, msg, len, sig, siglen);
	fl_sign_key_free(k);
	return r;
}

static void test_cache_expiry(fl_test_ca *ca)
{
	static const uint8_t msg[] = "round keys";
	uint8_t sig[FL_SIG_MAX_BYTES], sig2[FL_SIG_MAX_BYTES];
	size_t siglen = 0, siglen2 = 0;
	fl_test_site shortlived, longlived;
	fl_verifier *v = NULL;

	/* Valid for two more seconds only. */
	FL_CHECK_EQ_INT(fl_test_cert_new(ca, "site1", "site", 11, 0, -60, 2,
					 &shortlived), 0);
	FL_CHECK_EQ_INT(fl_test_site_new(ca, "site2", 12, 0, &longlived), 0);
	FL_CHECK_EQ_INT(sign_msg(&shortlived, msg, sizeof(msg), sig, &siglen), 0);
	FL_CHECK_EQ_INT(sign_msg(&longlived, msg, sizeof(msg), sig2, &siglen2), 0);
	FL_CHECK_EQ_INT(fl_verifier_new(ca->pem, ca->pem_len, NULL, 0, &v), 0);
	if (!v)
		goto out;
	FL_CHECK_EQ_INT(fl_verifier_check(v, shortlived.cert_pem, shortlived.cert_len,
					  msg, sizeof(msg), sig, siglen), 0);
	FL_CHECK_EQ_INT(fl_verifier_check(v, longlived.cert_pem, longlived.cert_len,
					  msg, sizeof(msg), sig2, siglen2), 0);
	FL_CHECK_EQ_INT(fl_verifier_cached(v), 2);
	sleep(4);
	/* Same verifier, same PEM: a cache hit, but the certificate expired. */
	FL_CHECK_EQ_INT(fl_verifier_check(v, shortlived.cert_pem, shortlived.cert_len,
					  msg, sizeof(msg), sig, siglen), FL_E_AUTH);
	FL_CHECK_EQ_INT(fl_verifier_check(v, longlived.cert_pem, longlived.cert_len,
					  msg, sizeof(msg), sig2, siglen2), 0);
	fl_verifier_free(v);
	v = NULL;
	/* A fresh verifier refuses it too (the uncached path). */
	FL_CHECK_EQ_INT(fl_verifier_new(ca->pem, ca->pem_len, NULL, 0, &v), 0);
	FL_CHECK_EQ_INT(fl_verifier_check(v, shortlived.cert_pem, shortlived.cert_len,
					  msg, sizeof(msg), sig, siglen), FL_E_AUTH);
out:
	fl_verifier_free(v);
	fl_test_site_free(&shortlived);
	fl_test_site_free(&longlived);
}

static void test_crl_info(fl_test_ca *ca, fl_test_ca *other)
{
	const long serials[] = { 0x1234, 7, 0xabcdef };
	char msg[FL_ERRMSG_BYTES] = "", (*list)[FL_PKI_SERIAL_BYTES] = NULL;
	fl_crl_info info;
	fl_cert_info ci;
	fl_test_site s;
	char (*junk)[FL_PKI_SERIAL_BYTES] = NULL;
	size_t len = 0, n = 0, nj = 0;
	char *crl = fl_test_crl_at(ca, serials, 3, 42, -3600, &len);
	int64_t now = fl_time_ms();

	FL_CHECK(crl != NULL);
	if (!crl)
		return;
	FL_CHECK_EQ_INT(fl_pki_crl_check_info(ca->pem, ca->pem_len, crl, len, &info,
					      msg), 0);
	FL_CHECK(info.number == 42);
	FL_CHECK(info.count == 3);
	FL_CHECK(info.next_update_ms < now - 3500 * 1000);
	FL_CHECK(info.next_update_ms > now - 3700 * 1000);
	FL_CHECK(info.this_update_ms < info.next_update_ms);
	FL_CHECK_EQ_INT(fl_pki_crl_check_info(other->pem, other->pem_len, crl, len,
					      &info, msg), FL_E_VERIFY);
	FL_CHECK_EQ_INT(fl_pki_crl_serials(crl, len, &list, &n), 0);
	FL_CHECK(n == 3);
	/* The same spelling as a certificate's serial, sorted. */
	FL_CHECK_EQ_INT(fl_test_cert_new(ca, "admin1", "admin", 0x1234, 0, -60, 3600,
					 &s), 0);
	FL_CHECK_EQ_INT(fl_pki_cert_info(s.cert_pem, s.cert_len, &ci), 0);
	FL_CHECK(list && bsearch(ci.serial, list, n, sizeof(*list),
				 (int (*)(const void *, const void *))strcmp) != NULL);
	FL_CHECK(list && strcmp(list[0], list[1]) < 0 && strcmp(list[1], list[2]) < 0);
	FL_CHECK_EQ_INT(fl_pki_crl_serials("junk", 4, &junk, &nj), FL_E_PARSE);
	FL_CHECK(junk == NULL);
	fl_test_site_free(&s);
	free(list);
	free(crl);
}

int main(void)
{
	fl_test_ca ca, other;

	FL_CHECK_EQ_INT(fl_test_ca_new("test CA", &ca), 0);
	FL_CHECK_EQ_INT(fl_test_ca_new("other CA", &other), 0);
	test_crl_info(&ca, &other);
	test_cache_expiry(&ca);
	fl_test_ca_free(&ca);
	fl_test_ca_free(&other);
	return FL_TEST_DONE();
}
