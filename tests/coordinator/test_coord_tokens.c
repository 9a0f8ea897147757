/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_tokens: enrollment tokens: format and CA prefix, the store
 * (single use, also under two racing threads; expiry; unknown tokens) and
 * that only hashes reach the database. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sqlite3.h>

#include "coord_enroll.h"
#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_ca.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_test.h"
#include "fl_util.h"

static void test_make(char *token, char *hash)
{
	fl_ca *ca = NULL;
	fl_cert_info ci;
	char *pem = NULL, token2[FL_ENROLL_TOKEN_BYTES], hash2[65], h3[65];
	size_t len = 0;

	FL_CHECK_EQ_INT(fl_ca_create("test CA", 2, &ca), 0);
	FL_CHECK_EQ_INT(fl_ca_cert_pem(ca, &pem, &len), 0);
	FL_CHECK_EQ_INT(fl_pki_cert_info(pem, len, &ci), 0);
	FL_CHECK_EQ_INT(coord_enroll_token_make(pem, token, hash), 0);
	FL_CHECK_EQ_INT(coord_enroll_token_make(pem, token2, hash2), 0);
	/* fedc1.<8 hex of the CA fingerprint>.<40 hex = 160 random bits> */
	FL_CHECK(strncmp(token, "fedc1.", 6) == 0);
	FL_CHECK(strncmp(token + 6, ci.fingerprint, 8) == 0);
	FL_CHECK(token[14] == '.' && strlen(token + 15) == 40);
	FL_CHECK(strcmp(token, token2) != 0);
	FL_CHECK(strcmp(hash, hash2) != 0 && strlen(hash) == 64);
	coord_enroll_token_hash(token, h3);
	FL_CHECK(strcmp(h3, hash) == 0);
	FL_CHECK(coord_enroll_token_make("not a pem", token2, hash2) != 0);
	free(pem);
	fl_ca_free(ca);
}

typedef struct race { coord_store *st; const char *hash; int r; } race;

static void *race_use(void *p)
{
	race *x = p;
	char site[FL_NAME_BYTES], msg[FL_ERRMSG_BYTES];

	x->r = coord_store_token_use(x->st, x->hash, 1000, site, msg);
	return NULL;
}

static void test_store(const char *path, const char *token, const char *hash)
{
	coord_store *st = NULL;
	char site[FL_NAME_BYTES] = "", msg[FL_ERRMSG_BYTES] = "", h[65];
	race a, b;
	pthread_t ta, tb;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int rows = 0, clear = 0;

	FL_CHECK_EQ_INT(coord_store_open(path, &st, NULL), 0);
	if (!st)
		return;
	FL_CHECK_EQ_INT(coord_store_token_put(st, hash, "site4", 0, 5000, "op"), 0);
	FL_CHECK_EQ_INT(coord_store_token_put(st, hash, "site4", 0, 5000, "op"),
			FL_E_EXISTS);
	/* unknown */
	coord_enroll_token_hash("fedc1.00000000.nope", h);
	FL_CHECK_EQ_INT(coord_store_token_peek(st, h, 10, site, msg), FL_E_NOTFOUND);
	FL_CHECK(strstr(msg, "unknown") != NULL);
	FL_CHECK_EQ_INT(coord_store_token_use(st, h, 10, site, msg), FL_E_NOTFOUND);
	/* peek does not use it */
	FL_CHECK_EQ_INT(coord_store_token_peek(st, hash, 10, site, msg), 0);
	FL_CHECK(strcmp(site, "site4") == 0);
	FL_CHECK_EQ_INT(coord_store_token_peek(st, hash, 10, site, msg), 0);
	/* expired at its expiry time, not before */
	FL_CHECK_EQ_INT(coord_store_token_use(st, hash, 5000, site, msg), FL_E_DENIED);
	FL_CHECK(strstr(msg, "expired") != NULL);
	/* two threads race for it: exactly one wins */
	a.st = b.st = st;
	a.hash = b.hash = hash;
	pthread_create(&ta, NULL, race_use, &a);
	pthread_create(&tb, NULL, race_use, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	FL_CHECK((a.r == 0) + (b.r == 0) == 1);
	FL_CHECK(a.r == FL_E_DENIED || b.r == FL_E_DENIED);
	msg[0] = '\0';
	FL_CHECK_EQ_INT(coord_store_token_use(st, hash, 2000, site, msg), FL_E_DENIED);
	FL_CHECK(strstr(msg, "already used") != NULL);
	FL_CHECK_EQ_INT(coord_store_token_peek(st, hash, 2000, site, msg), FL_E_DENIED);
	/* a used token that has also expired says "already used" */
	FL_CHECK_EQ_INT(coord_store_token_use(st, hash, 9000, site, msg), FL_E_DENIED);
	FL_CHECK(strstr(msg, "already used") != NULL);
	coord_store_close(st);

	/* only the hash is stored */
	FL_CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
	FL_CHECK_EQ_INT(sqlite3_prepare_v2(db, "SELECT hash, site, used_ms FROM "
					   "enroll_tokens", -1, &s, NULL), SQLITE_OK);
	while (s && sqlite3_step(s) == SQLITE_ROW) {
		const char *hh = (const char *)sqlite3_column_text(s, 0);
		rows++;
		FL_CHECK(hh && strcmp(hh, hash) == 0);
		FL_CHECK(sqlite3_column_int64(s, 2) == 1000);
		if (hh && strstr(hh, token + 15))
			clear++;
	}
	FL_CHECK_EQ_INT(rows, 1);
	FL_CHECK_EQ_INT(clear, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

int main(void)
{
	char dir[64], path[128], token[FL_ENROLL_TOKEN_BYTES], hash[65];

	if (sodium_init() < 0)
		return 1;
	test_make(token, hash);
	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0)
		return 1;
	test_store(path, token, hash);
	coord_test_db_remove(dir, path);
	return FL_TEST_DONE();
}
