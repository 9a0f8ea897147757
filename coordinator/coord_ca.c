/* SPDX-License-Identifier: Apache-2.0 */
/* coord_ca: the coordinator's online consortium CA (issue, CRL). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "coord_ca.h"
#include "fl_members.h"
#include "fl_sign.h"
#include "fl_ca.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_util.h"
#include "fl_wipe.h"

#define COORD_CA_PASS_MAX 4096u
#define COORD_CA_CRL_DAYS 30u

struct coord_ca {
	pthread_mutex_t mu;
	fl_ca *ca;
	char *cert_pem;
	size_t cert_len;
	uint32_t leaf_days, token_ttl_s, renew_days;
};

/* Reads the passphrase file (trailing newlines cut) into *pass, or leaves
 * it NULL when no file is configured. */
static int ca_pass_read(const fl_ca_config *cfg, char **pass, size_t *len,
			char *errmsg)
{
	int r;

	*pass = NULL;
	*len = 0;
	if (cfg->passphrase_file[0] == '\0')
		return 0;
	if ((r = fl_file_read(cfg->passphrase_file, COORD_CA_PASS_MAX, pass, len)) != 0) {
		fl_errmsg_set(errmsg, "[ca] cannot read passphrase_file %s: %s",
			      cfg->passphrase_file, fl_strerror(r));
		return r;
	}
	while (*len > 0 && ((*pass)[*len - 1] == '\n' || (*pass)[*len - 1] == '\r'))
		(*pass)[--*len] = '\0';
	if (*len == 0) {
		fl_errmsg_set(errmsg, "[ca] passphrase_file %s is empty",
			      cfg->passphrase_file);
		free(*pass);
		*pass = NULL;
		return FL_E_CONFIG;
	}
	return 0;
}

int coord_ca_open(const fl_ca_config *cfg, coord_ca **out, char *errmsg)
{
	char *key = NULL, *pass = NULL, why[FL_ERRMSG_BYTES] = "";
	size_t klen = 0, plen = 0;
	coord_ca *ca = NULL;
	int r;

	if (!cfg || !out)
		return FL_E_INVAL;
	*out = NULL;
	if (cfg->cert[0] == '\0')
		return 0;
	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return FL_E_NOMEM;
	if ((r = fl_file_read(cfg->cert, FL_CA_MAX_PEM, &ca->cert_pem,
			      &ca->cert_len)) != 0) {
		fl_errmsg_set(errmsg, "[ca] cannot read cert %s: %s", cfg->cert,
			      fl_strerror(r));
		goto out;
	}
	if ((r = fl_file_read(cfg->key, FL_CA_MAX_PEM, &key, &klen)) != 0) {
		fl_errmsg_set(errmsg, "[ca] cannot read key %s: %s", cfg->key,
			      fl_strerror(r));
		goto out;
	}
	if ((r = ca_pass_read(cfg, &pass, &plen, errmsg)) != 0)
		goto out;
	if ((r = fl_ca_load(ca->cert_pem, ca->cert_len, key, klen, pass, &ca->ca,
			    why)) != 0) {
		fl_errmsg_set(errmsg, "[ca] cannot load the CA %s with key %s: %s%s",
			      cfg->cert, cfg->key, why[0] ? why : fl_strerror(r),
			      r == FL_E_AUTH || r == FL_E_PARSE ?
			      " (an encrypted key needs [ca] passphrase_file)" : "");
		goto out;
	}
	pthread_mutex_init(&ca->mu, NULL);
	ca->leaf_days = cfg->leaf_days ? cfg->leaf_days : FL_CA_LEAF_DAYS;
	ca->token_ttl_s = cfg->token_ttl_s ? cfg->token_ttl_s : FL_CA_DEFAULT_TOKEN_TTL_S;
	ca->renew_days = cfg->renew_days ? cfg->renew_days : FL_CA_DEFAULT_RENEW_DAYS;
	*out = ca;
	ca = NULL;
out:
	fl_wipe_free(key, klen);
	fl_wipe_free(pass, plen);
	if (ca) {
		free(ca->cert_pem);
		free(ca);
	}
	return r;
}

void coord_ca_free(coord_ca *ca)
{
	if (!ca)
		return;
	fl_ca_free(ca->ca);
	pthread_mutex_destroy(&ca->mu);
	free(ca->cert_pem);
	free(ca);
}

int coord_ca_issue_site(coord_ca *ca, const char *csr_pem, size_t csr_len,
			const char *name, char **cert_pem, size_t *cert_len,
			char *serial_hex, int64_t *not_after_ms, char *errmsg)
{
	fl_cert_info info;
	int r;

	if (!ca || !csr_pem || !name || !cert_pem || !cert_len || !serial_hex)
		return FL_E_INVAL;
	*cert_pem = NULL;
	if ((r = fl_ca_csr_check(csr_pem, csr_len, NULL, 0, errmsg)) != 0)
		return r;
	pthread_mutex_lock(&ca->mu);
	r = fl_ca_issue(ca->ca, csr_pem, csr_len, name, FL_ROLE_SITE, ca->leaf_days,
			NULL, cert_pem, cert_len, serial_hex, errmsg);
	pthread_mutex_unlock(&ca->mu);
	if (r != 0)
		return r;
	if (not_after_ms) {
		if ((r = fl_pki_cert_info(*cert_pem, *cert_len, &info)) != 0) {
			free(*cert_pem);
			*cert_pem = NULL;
			return r;
		}
		*not_after_ms = info.not_after_ms;
	}
	return 0;
}

int coord_ca_crl(coord_ca *ca, const char *const *serials_hex, size_t n,
		 uint64_t crl_number, char **crl_pem, size_t *len)
{
	int r;

	if (!ca || (n > 0 && !serials_hex) || !crl_pem || !len)
		return FL_E_INVAL;
	pthread_mutex_lock(&ca->mu);
	r = fl_ca_crl(ca->ca, serials_hex, n, crl_number, COORD_CA_CRL_DAYS, crl_pem,
		      len);
	pthread_mutex_unlock(&ca->mu);
	return r;
}

const char *coord_ca_cert_pem(const coord_ca *ca, size_t *len)
{
	if (len)
		*len = ca ? ca->cert_len : 0;
	return ca ? ca->cert_pem : NULL;
}

uint32_t coord_ca_token_ttl_s(const coord_ca *ca)
{
	return ca ? ca->token_ttl_s : FL_CA_DEFAULT_TOKEN_TTL_S;
}

uint32_t coord_ca_renew_days(const coord_ca *ca)
{
	return ca ? ca->renew_days : FL_CA_DEFAULT_RENEW_DAYS;
}

int coord_ca_sign_members(coord_ca *ca, fl_members *m, char **out, size_t *len)
{
	fl_sign_key *key = NULL;
	int r;

	if (!ca || !m || !out || !len)
		return FL_E_INVAL;
	pthread_mutex_lock(&ca->mu);
	if ((r = fl_ca_sign_key(ca->ca, &key)) == 0)
		r = fl_members_sign(m, key, out, len);
	pthread_mutex_unlock(&ca->mu);
	fl_sign_key_free(key);
	return r;
}
