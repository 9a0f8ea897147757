/* SPDX-License-Identifier: Apache-2.0 */
/* fl_rpc_server_tls: the server's TLS credentials, re-read from their
 * files on request (fl_rpc_server_reload_tls; SIGHUP of the coordinator,
 * 'systemctl reload'). gRPC asks the fetcher at every new handshake; it
 * answers with a new configuration once after each reload request, so
 * existing connections keep theirs and new ones get the new files. Files
 * that do not load keep the configuration in force (logged). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_log.h"
#include "fl_rpc_int.h"

struct fl_rpc_tls_src {
	pthread_mutex_t mu;
	char ca[4096], cert[4096], key[4096];   /* the file paths */
	atomic_uint_fast64_t want;   /* bumped by each reload request */
	uint64_t have;               /* the generation served; 0: none yet */
};

static int tls_src_config(struct fl_rpc_tls_src *t,
			  grpc_ssl_server_certificate_config **config)
{
	fl_rpc_tls files = { t->ca, t->cert, t->key };
	grpc_ssl_pem_key_cert_pair pair;
	fl_rpc_pems pems = { NULL, NULL, NULL };
	int r;

	if ((r = fl_rpc_pems_load(&files, &pems)) != 0)
		return r;
	pair.private_key = pems.key;
	pair.cert_chain = pems.cert;
	/* grpc copies the PEM texts, so ours are wiped right after */
	*config = grpc_ssl_server_certificate_config_create(pems.ca, &pair, 1);
	fl_rpc_pems_release(&pems);
	return *config != NULL ? 0 : FL_E_CRYPTO;
}

static grpc_ssl_certificate_config_reload_status
tls_src_fetch(void *user_data, grpc_ssl_server_certificate_config **config)
{
	struct fl_rpc_tls_src *t = user_data;
	grpc_ssl_certificate_config_reload_status st =
		GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_UNCHANGED;
	uint64_t want = atomic_load(&t->want);
	int r;

	if (want == t->have)   /* the common case: nothing to do, no lock */
		return st;
	pthread_mutex_lock(&t->mu);
	if (want != t->have) {
		if ((r = tls_src_config(t, config)) == 0) {
			if (t->have != 0)
				fl_info("TLS: certificate %s, key and CA bundle %s re-read "
					"for new connections", t->cert, t->ca);
			st = GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_NEW;
		} else {
			fl_error("TLS: cannot re-read %s, %s and %s (%s): keeping the "
				 "certificates in force", t->cert, t->key, t->ca,
				 fl_strerror(r));
			if (t->have == 0)
				st = GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_FAIL;
		}
		if (st != GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_FAIL)
			t->have = want;
	}
	pthread_mutex_unlock(&t->mu);
	return st;
}

int fl_rpc_tls_src_new(const fl_rpc_tls *tls, unsigned flags,
		       struct fl_rpc_tls_src **src, grpc_server_credentials **creds)
{
	grpc_ssl_server_credentials_options *opt;
	struct fl_rpc_tls_src *t;

	if (!tls || !tls->ca_file || !tls->cert_file || !tls->key_file ||
	    strlen(tls->ca_file) >= sizeof(t->ca) ||
	    strlen(tls->cert_file) >= sizeof(t->cert) ||
	    strlen(tls->key_file) >= sizeof(t->key))
		return FL_E_INVAL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return FL_E_NOMEM;
	pthread_mutex_init(&t->mu, NULL);
	strcpy(t->ca, tls->ca_file);
	strcpy(t->cert, tls->cert_file);
	strcpy(t->key, tls->key_file);
	atomic_init(&t->want, 1);
	opt = grpc_ssl_server_credentials_create_options_using_config_fetcher(
		(flags & FL_RPC_CLIENT_CERT_OPTIONAL) ?
		GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY :
		GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY,
		tls_src_fetch, t);
	if (opt == NULL || (*creds = grpc_ssl_server_credentials_create_with_options(opt)) == NULL) {
		fl_rpc_tls_src_free(t);
		return FL_E_IO;
	}
	*src = t;
	return 0;
}

void fl_rpc_tls_src_reload(struct fl_rpc_tls_src *t)
{
	if (t != NULL)
		atomic_fetch_add(&t->want, 1);
}

void fl_rpc_tls_src_free(struct fl_rpc_tls_src *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t);
}
