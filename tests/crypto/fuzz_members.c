/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_members: untrusted member lists (the coordinator serves them; a
 * state folder holds one) into fl_members_parse_verified.
 *
 * Input: one mode byte, then text.
 *   mode bit 0: the text is the part before the signature line; it is
 *               signed here with the fixed CA key below, so the fuzzer
 *               reaches the list checks behind the signature;
 *   otherwise the text is the whole list as received.
 * Checked properties: no crash or sanitizer report; every return code is
 * one the header documents; an accepted list passes fl_members_check
 * again, has a version >= 1, and survives a sign/parse round trip with
 * the same entries; a refused list leaves *out empty. The corpus holds
 * lists signed with the fixed CA key (tests/crypto/corpus/fuzz_members). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_members.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The corpus's signed lists were made with this fixed CA (a throwaway
 * key for this target only), so that they verify in every run. */
static const char fz_ca_key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZYm7UGn30kj2Ha1i\n"
	"SVAhkUSSV+H0wSPrRes59h9qnnWhRANCAARqmkBPEPE+2BvNrxd3WJFYy1n+67Qf\n"
	"O5IlKTsZQqyTJUxreIjLliO8CJT5Fy4nwi7bxesoCAi/RIWD7cZEobsa\n"
	"-----END PRIVATE KEY-----\n";
static const char fz_ca_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBlTCCATugAwIBAgIUSO4A0cYlRSvDpbQR/uHtiIYpEL8wCgYIKoZIzj0EAwIw\n"
	"HzEdMBsGA1UEAwwUZmVkYyBmdXp6X21lbWJlcnMgQ0EwIBcNMjYxMjA2MDI1MTI3\n"
	"WhgPMjEyNjExMTIwMjUxMjdaMB8xHTAbBgNVBAMMFGZlZGMgZnV6el9tZW1iZXJz\n"
	"IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEappATxDxPtgbza8Xd1iRWMtZ\n"
	"/uu0HzuSJSk7GUKskyVMa3iIy5YjvAiU+RcuJ8Iu28XrKAgIv0SFg+3GRKG7GqNT\n"
	"MFEwHQYDVR0OBBYEFHdH6SVk1+L2OnxYjnBMFFoGyWuQMB8GA1UdIwQYMBaAFHdH\n"
	"6SVk1+L2OnxYjnBMFFoGyWuQMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID\n"
	"SAAwRQIhAMcjKj6X2pXkdjlOXDemxox9FsTdvCQCCuRfp9sVVnX9AiAnvuml6sbK\n"
	"Lot9EGEoVIxVkJRpGaIjjKs4V/HgCjuoAA==\n"
	"-----END CERTIFICATE-----\n";

static struct {
	int ready;
	fl_sign_key *key;
} fz;

static void fz_die(const char *what)
{
	fprintf(stderr, "fuzz_members: %s\n", what);
	abort();
}

static void fz_setup(void)
{
	if (sodium_init() < 0 ||
	    fl_sign_key_load_pem(fz_ca_key_pem, sizeof(fz_ca_key_pem) - 1, &fz.key) != 0)
		fz_die("setup failed");
	fz.ready = 1;
}

static void fz_check_accepted(fl_members *m)
{
	fl_members again, copy;
	char *t = NULL;
	size_t n = 0;

	memset(&again, 0, sizeof(again));
	if (m->version < 1 || fl_members_check(m, NULL) != 0)
		fz_die("an accepted list fails fl_members_check");
	if (fl_members_copy(&copy, m) != 0)
		return;
	if (fl_members_sign(&copy, fz.key, &t, &n) != 0 ||
	    fl_members_parse_verified(t, n, fz_ca_pem, sizeof(fz_ca_pem) - 1, &again, NULL) != 0)
		fz_die("an accepted list does not survive a round trip");
	if (again.version != m->version || again.count != m->count ||
	    (m->count && memcmp(again.items, m->items,
				(size_t)m->count * sizeof(*m->items)) != 0))
		fz_die("the round trip changed the list");
	free(t);
	fl_members_clear(&again);
	fl_members_clear(&copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[FL_ERRMSG_BYTES], *text = NULL;
	uint8_t sig[FL_SIG_MAX_BYTES];
	size_t len, siglen = 0, b64;
	fl_members m;
	int r;

	if (!fz.ready)
		fz_setup();
	if (size < 1 || size > FL_MEMBERS_MAX_BYTES + 1)
		return 0;
	len = size - 1;
	b64 = sodium_base64_encoded_len(FL_SIG_MAX_BYTES, sodium_base64_VARIANT_ORIGINAL);
	/* a private, exact-size copy, so ASan sees any over-read */
	if (!(text = malloc(len + 16 + b64)))
		return 0;
	memcpy(text, data + 1, len);
	if ((data[0] & 1) && fl_sign(fz.key, (const uint8_t *)text, len, sig, &siglen) == 0) {
		memcpy(text + len, "signature ", 10);
		sodium_bin2base64(text + len + 10, b64, sig, siglen,
				  sodium_base64_VARIANT_ORIGINAL);
		len += 10 + strlen(text + len + 10);
		text[len++] = '\n';
		text = realloc(text, len);   /* shrinks: cannot fail in practice */
	}
	memset(&m, 0, sizeof(m));
	r = fl_members_parse_verified(text, len, fz_ca_pem, sizeof(fz_ca_pem) - 1, &m, why);
	if (r == 0)
		fz_check_accepted(&m);
	else if (r != FL_E_TOOBIG && r != FL_E_PARSE && r != FL_E_VERIFY &&
		 r != FL_E_NOMEM)
		fz_die("fl_members_parse_verified: undocumented error");
	else if (m.items || m.count)
		fz_die("a refused list left entries in *out");
	fl_members_clear(&m);
	free(text);
	return 0;
}
