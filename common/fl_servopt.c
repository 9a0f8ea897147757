/* SPDX-License-Identifier: Apache-2.0 */
/* fl_servopt: adaptive server optimisers (Reddi et al. 2021, Algorithm 2). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_servopt.h"

#define SOPT_MAGIC "FLSOPT01"
#define SOPT_HDR_BYTES (8u + 4u + 4u + 8u + 8u)
#define SOPT_HAS_M 1u
#define SOPT_HAS_V 2u

static unsigned sopt_flags(enum fl_server_opt kind)
{
	switch (kind) {
	case FL_SOPT_FEDAVG: return 0;
	case FL_SOPT_FEDAVGM: return SOPT_HAS_M;
	case FL_SOPT_FEDADAM:
	case FL_SOPT_FEDYOGI:
	case FL_SOPT_FEDADAGRAD: return SOPT_HAS_M | SOPT_HAS_V;
	}
	return 0;
}

int fl_servopt_stateful(enum fl_server_opt kind)
{
	return sopt_flags(kind) != 0;
}

static int sopt_alloc(enum fl_server_opt kind, size_t np, fl_servopt **out)
{
	fl_servopt *o;
	unsigned f = sopt_flags(kind);

	if (np == 0 || np > SIZE_MAX / sizeof(double))
		return FL_E_INVAL;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return FL_E_NOMEM;
	o->kind = kind;
	o->np = np;
	if (((f & SOPT_HAS_M) && (o->m = calloc(np, sizeof(double))) == NULL) ||
	    ((f & SOPT_HAS_V) && (o->v = malloc(np * sizeof(double))) == NULL)) {
		fl_servopt_free(o);
		return FL_E_NOMEM;
	}
	*out = o;
	return 0;
}

static void sopt_params(fl_servopt *o, const fl_jobspec *spec)
{
	o->eta = spec->server_lr;
	o->beta1 = spec->momentum;
	o->beta2 = spec->beta2;
	o->tau = spec->tau;
}

int fl_servopt_new(const fl_jobspec *spec, size_t np, fl_servopt **out)
{
	fl_servopt *o = NULL;
	int r;

	if (spec == NULL || out == NULL)
		return FL_E_INVAL;
	if ((r = sopt_alloc(spec->optimizer, np, &o)) != 0)
		return r;
	sopt_params(o, spec);
	if (o->v != NULL)
		for (size_t i = 0; i < np; i++)
			o->v[i] = o->tau * o->tau;
	*out = o;
	return 0;
}

int fl_servopt_copy(const fl_servopt *o, fl_servopt **out)
{
	fl_servopt *c = NULL;
	int r;

	if (o == NULL || out == NULL)
		return FL_E_INVAL;
	if ((r = sopt_alloc(o->kind, o->np, &c)) != 0)
		return r;
	c->eta = o->eta;
	c->beta1 = o->beta1;
	c->beta2 = o->beta2;
	c->tau = o->tau;
	c->steps = o->steps;
	if (c->m)
		memcpy(c->m, o->m, o->np * sizeof(double));
	if (c->v)
		memcpy(c->v, o->v, o->np * sizeof(double));
	*out = c;
	return 0;
}

void fl_servopt_free(fl_servopt *o)
{
	if (o == NULL)
		return;
	free(o->m);
	free(o->v);
	free(o);
}

/* The new moments of coordinate i; returns the step added to x. */
static double sopt_coord(const fl_servopt *o, size_t i, double dlt, double *mo,
			 double *vo)
{
	double d2 = dlt * dlt, mi, vi;

	switch (o->kind) {
	case FL_SOPT_FEDAVG:
		return o->eta * dlt;
	case FL_SOPT_FEDAVGM:
		*mo = o->beta1 * o->m[i] + dlt;
		return o->eta * *mo;
	case FL_SOPT_FEDADAGRAD:
		vi = o->v[i] + d2;
		break;
	case FL_SOPT_FEDYOGI: {
		double s = o->v[i] - d2;
		vi = o->v[i] - (1.0 - o->beta2) * d2 * (s > 0 ? 1.0 : s < 0 ? -1.0 : 0.0);
		break;
	}
	case FL_SOPT_FEDADAM:
		vi = o->beta2 * o->v[i] + (1.0 - o->beta2) * d2;
		break;
	default:
		return NAN;
	}
	mi = o->beta1 * o->m[i] + (1.0 - o->beta1) * dlt;
	*mo = mi;
	*vo = vi;
	return o->eta * mi / (sqrt(vi) + o->tau);
}

int fl_servopt_step(fl_servopt *o, double *x, const double *delta)
{
	double *nx, *nm = NULL, *nv = NULL, *next;
	size_t nvec;
	int r;

	if (o == NULL || x == NULL || delta == NULL)
		return FL_E_INVAL;
	/* the new x, and the new moments the optimiser keeps, in one buffer */
	nvec = 1 + (o->m != NULL) + (o->v != NULL);
	if ((nx = malloc(nvec * o->np * sizeof(double))) == NULL)
		return FL_E_NOMEM;
	next = nx + o->np;
	if (o->m) {
		nm = next;
		next += o->np;
	}
	if (o->v)
		nv = next;
	for (size_t i = 0; i < o->np; i++) {
		double mo = 0.0, vo = 0.0;

		nx[i] = x[i] + sopt_coord(o, i, delta[i], &mo, &vo);
		if (!isfinite(nx[i]) || !isfinite(mo) || !isfinite(vo)) {
			r = FL_E_DIVERGED;
			goto out;
		}
		if (nm)
			nm[i] = mo;
		if (nv)
			nv[i] = vo;
	}
	memcpy(x, nx, o->np * sizeof(double));
	if (nm)
		memcpy(o->m, nm, o->np * sizeof(double));
	if (nv)
		memcpy(o->v, nv, o->np * sizeof(double));
	o->steps++;
	r = 0;
out:
	free(nx);
	return r;
}

static void sopt_put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t sopt_get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int fl_servopt_encode(const fl_servopt *o, uint8_t **buf, size_t *len)
{
	unsigned f;
	size_t n, nvec;
	uint8_t *b, *p;

	if (o == NULL || buf == NULL || len == NULL)
		return FL_E_INVAL;
	f = sopt_flags(o->kind);
	nvec = (f & SOPT_HAS_M ? 1u : 0u) + (f & SOPT_HAS_V ? 1u : 0u);
	if (o->np > (SIZE_MAX - SOPT_HDR_BYTES) / 16)
		return FL_E_TOOBIG;
	n = SOPT_HDR_BYTES + nvec * o->np * 8;
	if ((b = malloc(n)) == NULL)
		return FL_E_NOMEM;
	memcpy(b, SOPT_MAGIC, 8);
	sopt_put(b + 8, (uint32_t)o->kind, 4);
	sopt_put(b + 12, f, 4);
	sopt_put(b + 16, o->np, 8);
	sopt_put(b + 24, o->steps, 8);
	p = b + SOPT_HDR_BYTES;
	for (int k = 0; k < 2; k++) {
		const double *vec = k == 0 ? o->m : o->v;

		if (!(f & (1u << k)))
			continue;
		for (size_t i = 0; i < o->np; i++, p += 8) {
			uint64_t u;
			memcpy(&u, &vec[i], 8);
			sopt_put(p, u, 8);
		}
	}
	*buf = b;
	*len = n;
	return 0;
}

int fl_servopt_decode(const fl_jobspec *spec, size_t np, const uint8_t *buf,
		      size_t len, fl_servopt **out)
{
	fl_servopt *o = NULL;
	const uint8_t *p;
	unsigned f;
	size_t nvec;
	int r;

	if (spec == NULL || out == NULL || np == 0)
		return FL_E_INVAL;
	f = sopt_flags(spec->optimizer);
	nvec = (f & SOPT_HAS_M ? 1u : 0u) + (f & SOPT_HAS_V ? 1u : 0u);
	if (buf == NULL || len < SOPT_HDR_BYTES || memcmp(buf, SOPT_MAGIC, 8) != 0 ||
	    sopt_get(buf + 8, 4) != (uint32_t)spec->optimizer ||
	    sopt_get(buf + 12, 4) != f || sopt_get(buf + 16, 8) != np ||
	    np > (SIZE_MAX - SOPT_HDR_BYTES) / 16 ||
	    len != SOPT_HDR_BYTES + nvec * np * 8)
		return FL_E_PARSE;
	if ((r = sopt_alloc(spec->optimizer, np, &o)) != 0)
		return r;
	sopt_params(o, spec);
	o->steps = sopt_get(buf + 24, 8);
	p = buf + SOPT_HDR_BYTES;
	for (int k = 0; k < 2; k++) {
		double *vec = k == 0 ? o->m : o->v;

		if (!(f & (1u << k)))
			continue;
		for (size_t i = 0; i < np; i++, p += 8) {
			uint64_t u = sopt_get(p, 8);
			memcpy(&vec[i], &u, 8);
			if (!isfinite(vec[i]) || (k == 1 && vec[i] < 0)) {
				fl_servopt_free(o);
				return FL_E_PARSE;
			}
		}
	}
	*out = o;
	return 0;
}
