/* SPDX-License-Identifier: Apache-2.0 */
/* fl_model_mlp: MLP shape, seeded init, batched forward pass and backprop. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_model.h"
#include "fl_model_int.h"
#include "fl_util.h"

uint32_t fl_mlp_sizes(const fl_model *m, uint32_t sizes[5])
{
	uint32_t nh = m->nhidden > 3 ? 3 : m->nhidden;

	sizes[0] = m->d;
	for (uint32_t i = 0; i < nh; i++)
		sizes[i + 1] = m->hidden[i];
	sizes[nh + 1] = m->k;
	return nh + 1;
}

uint64_t fl_mlp_nparams(uint32_t d, uint32_t k, uint32_t nhidden, const uint32_t *hidden)
{
	uint64_t np = 0, in = d;

	for (uint32_t l = 0; l <= nhidden; l++) {
		uint64_t out = l < nhidden ? hidden[l] : k;
		np += (in + 1) * out;
		if (np > FL_MODEL_MAX_PARAMS)
			return 0;
		in = out;
	}
	return np;
}

int fl_model_init(fl_model *m, uint64_t seed)
{
	uint32_t sz[5], nl;
	fl_rng rng;
	double *w;

	if (m == NULL)
		return FL_E_INVAL;
	if (m->kind != FL_MODEL_MLP)
		return 0;
	nl = fl_mlp_sizes(m, sz);
	fl_rng_seed(&rng, seed);
	w = m->w;
	for (uint32_t l = 0; l < nl; l++) {
		size_t nw = (size_t)sz[l] * sz[l + 1];
		/* He for ReLU layers, Glorot-style for the output layer. */
		double sd = l + 1 < nl ? sqrt(2.0 / sz[l]) : sqrt(2.0 / (sz[l] + sz[l + 1]));
		for (size_t i = 0; i < nw; i++)
			w[i] = sd * fl_rng_normal(&rng);
		memset(w + nw, 0, sz[l + 1] * sizeof(double));
		w += nw + sz[l + 1];
	}
	return 0;
}

/* Activations of the hidden layers for n rows: one block per layer. */
static double *mlp_acts(const fl_model *m, size_t n, size_t *per_layer_off)
{
	size_t tot = 0;

	for (uint32_t i = 0; i < m->nhidden; i++) {
		per_layer_off[i] = tot;
		tot += n * m->hidden[i];
	}
	return malloc((tot ? tot : 1) * sizeof(double));
}

/* act (n x out) = in (n x nin) . W + b, then ReLU unless last. */
static void mlp_layer(const double *w, uint32_t nin, uint32_t nout, const double *in,
		      size_t n, double *act, int relu)
{
	const double *b = w + (size_t)nin * nout;

	for (size_t i = 0; i < n; i++)
		memcpy(act + i * nout, b, nout * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, (blasint)nout,
		    (blasint)nin, 1.0, in, (blasint)nin, w, (blasint)nout, 1.0, act,
		    (blasint)nout);
	if (relu)
		for (size_t i = 0; i < n * nout; i++)
			if (!(act[i] > 0.0))
				act[i] = 0.0;
}

/* Forward pass keeping hidden activations in acts (offsets off[]). */
static void mlp_forward_acts(const fl_model *m, const double *w, const double *xs,
			     size_t n, double *acts, const size_t *off, double *z)
{
	uint32_t sz[5], nl = fl_mlp_sizes(m, sz);
	const double *in = xs;

	for (uint32_t l = 0; l < nl; l++) {
		double *out = l + 1 < nl ? acts + off[l] : z;
		mlp_layer(w, sz[l], sz[l + 1], in, n, out, l + 1 < nl);
		w += ((size_t)sz[l] + 1) * sz[l + 1];
		in = out;
	}
}

int fl_mlp_forward(const fl_model *m, const double *w, const double *xs,
		   size_t n, double *z)
{
	size_t off[3];
	double *acts;

	if (n == 0)
		return 0;
	if ((acts = mlp_acts(m, n, off)) == NULL)
		return FL_E_NOMEM;
	mlp_forward_acts(m, w, xs, n, acts, off, z);
	free(acts);
	return 0;
}

int fl_mlp_grad(const fl_model *m, const double *w, const double *xs,
		const double *y, size_t n, double *grad, double *loss)
{
	return fl_mlp_grad_weighted(m, w, xs, y, n, NULL, grad, loss);
}

int fl_mlp_grad_weighted(const fl_model *m, const double *w, const double *xs,
			 const double *y, size_t n, const double *cw, double *grad,
			 double *loss)
{
	uint32_t sz[5], nl = fl_mlp_sizes(m, sz), maxw = 0;
	size_t off[3], woff[4], o = 0;
	double *acts = NULL, *work = NULL, *dz, *da, inv;
	int r = FL_E_NOMEM;

	if (n == 0) {
		memset(grad, 0, m->nparams * sizeof(double));
		*loss = 0.0;
		return 0;
	}
	for (uint32_t l = 0; l <= nl; l++)
		if (sz[l] > maxw)
			maxw = sz[l];
	for (uint32_t l = 0; l < nl; l++) {
		woff[l] = o;
		o += ((size_t)sz[l] + 1) * sz[l + 1];
	}
	acts = mlp_acts(m, n, off);
	/* dz and da (n x maxw each) trade places at every layer */
	work = malloc(2 * n * maxw * sizeof(double));
	if (acts == NULL || work == NULL)
		goto out;
	dz = work;
	da = work + n * maxw;
	mlp_forward_acts(m, w, xs, n, acts, off, dz);
	*loss = fl_model_head_weighted(m, dz, y, n, cw);
	inv = 1.0 / (double)n;
	for (size_t i = 0; i < n * m->k; i++)
		dz[i] *= inv;
	for (uint32_t l = nl; l-- > 0;) {
		uint32_t nin = sz[l], nout = sz[l + 1];
		const double *in = l == 0 ? xs : acts + off[l - 1];
		double *gw = grad + woff[l], *gb = gw + (size_t)nin * nout, *t;

		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)nin,
			    (blasint)nout, (blasint)n, 1.0, in, (blasint)nin, dz,
			    (blasint)nout, 0.0, gw, (blasint)nout);
		memset(gb, 0, nout * sizeof(double));
		for (size_t i = 0; i < n; i++)
			for (uint32_t c = 0; c < nout; c++)
				gb[c] += dz[i * nout + c];
		if (l == 0)
			break;
		/* da (n x nin) = dz . W^T, then through the ReLU. */
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)n,
			    (blasint)nin, (blasint)nout, 1.0, dz, (blasint)nout,
			    w + woff[l], (blasint)nout, 0.0, da, (blasint)nin);
		for (size_t i = 0; i < n * nin; i++)
			if (!(in[i] > 0.0))
				da[i] = 0.0;
		t = dz;
		dz = da;
		da = t;
	}
	r = 0;
out:
	free(acts);
	free(work);
	return r;
}
