/* SPDX-License-Identifier: Apache-2.0 */
/* fl_servopt: server optimisers (FedAvg, FedAvgM, FedAdam, FedYogi,
 * FedAdagrad) of Reddi et al., "Adaptive Federated Optimization", ICLR 2021,
 * as pure functions on the pseudo-gradient (the FedAvg weighted mean delta). */
#ifndef FL_SERVOPT_H
#define FL_SERVOPT_H

#include <stddef.h>
#include <stdint.h>
#include "fl_jobspec.h"

/*
 * One step on x (np values) with pseudo-gradient D (Algorithm 2 of the
 * paper; no bias correction):
 *   fedavg:     x += eta D
 *   fedavgm:    m = beta1 m + D;                   x += eta m
 *   fedadagrad: m = beta1 m + (1 - beta1) D;  v = v + D^2
 *   fedyogi:    m as fedadagrad; v = v - (1 - beta2) D^2 sign(v - D^2)
 *   fedadam:    m as fedadagrad; v = beta2 v + (1 - beta2) D^2
 *   (the adaptive three) x += eta m / (sqrt(v) + tau)
 * Initial state: m = 0, v = tau^2 (the paper's v_{-1} >= tau^2).
 * fedavg with eta = 1 computes x + 1.0 * D, exactly the FedAvg result.
 */
typedef struct fl_servopt {
	enum fl_server_opt kind;
	double eta, beta1, beta2, tau;
	size_t np;
	uint64_t steps;   /* steps taken so far */
	double *m;        /* np, or NULL if the kind keeps no first moment */
	double *v;        /* np, or NULL if the kind keeps no second moment */
} fl_servopt;

/* New state for np parameters with the spec's [server] settings. *out
 * owned by caller (fl_servopt_free). FL_E_INVAL, FL_E_NOMEM. */
int fl_servopt_new(const fl_jobspec *spec, size_t np, fl_servopt **out);
int fl_servopt_copy(const fl_servopt *o, fl_servopt **out);
void fl_servopt_free(fl_servopt *o);
/* Whether the kind keeps state between rounds (all but fedavg). */
int fl_servopt_stateful(enum fl_server_opt kind);

/* Applies one step to x (o->np values) with pseudo-gradient delta. On
 * FL_E_DIVERGED (a non-finite result) neither x nor o change. FL_E_NOMEM. */
int fl_servopt_step(fl_servopt *o, double *x, const double *delta);

/*
 * Serialised state: "FLSOPT01", kind u32, flags u32 (bit 0 m, bit 1 v),
 * np u64, steps u64, m[np] f64, v[np] f64 (present ones), little-endian.
 * encode: *buf malloc'd (caller frees). decode: the spec supplies eta,
 * beta1, beta2 and tau; FL_E_PARSE if the blob is malformed, not finite, or
 * does not match the spec's optimiser or np.
 */
int fl_servopt_encode(const fl_servopt *o, uint8_t **buf, size_t *len);
int fl_servopt_decode(const fl_jobspec *spec, size_t np, const uint8_t *buf,
		      size_t len, fl_servopt **out);

#endif
