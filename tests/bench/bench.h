/* SPDX-License-Identifier: Apache-2.0 */
/* bench: the fedc-bench subcommand table's handler signature and helpers. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include "fl_sign.h"

typedef int (*bench_fn)(int argc, char **argv);

int bench_secagg(int argc, char **argv);
void bench_secagg_help(void);
int bench_e2e(int argc, char **argv);
void bench_e2e_help(void);
int bench_dp(int argc, char **argv);
void bench_dp_help(void);

/* Monotonic time in nanoseconds. */
int64_t bench_now_ns(void);
/* CPU time of the calling thread in nanoseconds (not inflated when other
 * processes share the cores). */
int64_t bench_cpu_ns(void);

/* One primitive each, CPU microseconds per call (bench_prims.c). */
typedef struct bench_prims {
	double sign_us;        /* fl_sign */
	double first_check_us; /* fl_verifier_check of a new certificate: chain */
	double verify_us;      /* fl_verifier_check, certificate cached */
	double raw_verify_us;  /* OpenSSL ECDSA verify, key parsed once */
	double cert_parse_us;  /* fl_pki_cert_info: one PEM/X.509 parse */
	double kx_us;          /* fl_kx_derive: X25519 + HKDF */
} bench_prims;

/* Measures *out with a verifier for the CA ca_pem, the certificate cert_pem
 * (ECDSA P-256) and its key. 0 or -1. */
int bench_prims_measure(const char *ca_pem, size_t ca_len, const char *cert_pem,
			size_t cert_len, fl_sign_key *key, bench_prims *out);

#endif
