/* SPDX-License-Identifier: Apache-2.0 */
/* fl_pki_int: reading certificates and CRLs from PEM text (fl_pki_pem.c), for crypto/ only (the
 * public headers keep OpenSSL's types out). */
#ifndef FL_PKI_INT_H
#define FL_PKI_INT_H

#include <stddef.h>
#include <openssl/x509.h>

/* The first certificate of a PEM text (len bytes) into *out (caller frees
 * with X509_free; NULL on failure). FL_E_NOMEM, FL_E_PARSE (none, or len
 * over INT32_MAX). OpenSSL's error queue is the caller's to clear. */
int fl_pki_pem_x509(const char *pem, size_t len, X509 **out);
/* The first CRL of a PEM text, as fl_pki_pem_x509 (X509_CRL_free). */
int fl_pki_pem_crl(const char *pem, size_t len, X509_CRL **out);
/* Adds every certificate of a PEM bundle (len bytes) to store. FL_E_NOMEM,
 * FL_E_PARSE (no certificate, one the store refuses, or len over
 * INT32_MAX). The error queue is the caller's to clear. */
int fl_pki_store_add_pem(X509_STORE *store, const char *pem, size_t len);
/* A serial number as upper-case hex with its NUL in out (cap bytes):
 * FL_E_PARSE, FL_E_TOOBIG (fl_pki_info.c). */
int fl_pki_serial_hex(const ASN1_INTEGER *sn, char *out, size_t cap);
/* One step of fl_pki_pem_each: 0 goes on to the next certificate; any other
 * value stops the walk. The certificate is freed after the step. */
typedef int (*fl_pki_cert_step)(X509 *cert, void *arg);
/* Calls step for each certificate of a PEM bundle (len bytes), in order,
 * until one returns non-zero; returns that value, or 0 after the last.
 * *nread (if not NULL) gets how many certificates were read. FL_E_NOMEM,
 * FL_E_PARSE (len over INT32_MAX) before any step. The error queue is the
 * caller's to clear. */
int fl_pki_pem_each(const char *pem, size_t len, fl_pki_cert_step step,
		    void *arg, size_t *nread);

#endif
