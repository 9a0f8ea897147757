/* SPDX-License-Identifier: Apache-2.0 */
/* fl_model_codec: native FLMODEL1/2/3/4 binary format and a JSON summary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_model.h"
#include "fl_model_int.h"
#include "fl_sbuf_int.h"

/*
 * Layout (little-endian): "FLMODEL1", kind u32, d u32, k u32, version u32,
 * nparams u64, mean[d] f64, scale[d] f64, w[nparams] f64.
 * Kind mlp: "FLMODEL2", and nhidden u32, hidden[3] u32 after nparams.
 * With a label histogram, any kind: "FLMODEL3", the FLMODEL2 header, then
 * ncounts u32, 0 u32; mean, scale, counts[ncounts] f64, w.
 * A regression model with a label standardisation: "FLMODEL4", the FLMODEL2
 * header, then y_mean f64, y_scale f64; mean, scale, w.
 */
#define MODEL_MAGIC "FLMODEL1"
#define MODEL_MAGIC2 "FLMODEL2"
#define MODEL_MAGIC3 "FLMODEL3"
#define MODEL_MAGIC4 "FLMODEL4"
#define MODEL_HDR_BYTES (8u + 4u * 4u + 8u)
#define MODEL_MLP_BYTES 16u
#define MODEL_HIST_BYTES 8u
#define MODEL_YSTD_BYTES 16u

/* Header bytes: v 3 (histogram), 4 (label standardisation), else 1/2. */
static size_t model_hdr_bytes(uint32_t kind, int v)
{
	if (v == 3)
		return MODEL_HDR_BYTES + MODEL_MLP_BYTES + MODEL_HIST_BYTES;
	if (v == 4)
		return MODEL_HDR_BYTES + MODEL_MLP_BYTES + MODEL_YSTD_BYTES;
	return MODEL_HDR_BYTES + (kind == FL_MODEL_MLP ? MODEL_MLP_BYTES : 0);
}

/* Whether m needs FLMODEL4 (a regression model with a label scale). */
static int model_v4(const fl_model *m)
{
	return fl_model_nclasses(m) == 0 && (m->y_mean != 0.0 || m->y_scale != 1.0);
}

/* nparams the shape of m calls for, 0 if invalid. */
static uint64_t model_np(const fl_model *m)
{
	if (m->kind == FL_MODEL_MLP)
		return m->nhidden >= 1 && m->nhidden <= 3 ?
		       fl_mlp_nparams(m->d, m->k, m->nhidden, m->hidden) : 0;
	return ((uint64_t)m->d + 1) * m->k;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint8_t *put_f64s(uint8_t *p, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++, p += 8) {
		uint64_t u;
		memcpy(&u, &v[i], 8);
		put_u64(p, u);
	}
	return p;
}

/* Reads n doubles; -1 if any is not finite. */
static int get_f64s(const uint8_t **p, double *v, size_t n)
{
	for (size_t i = 0; i < n; i++, *p += 8) {
		uint64_t u = get_u64(*p);
		memcpy(&v[i], &u, 8);
		if (!isfinite(v[i]))
			return -1;
	}
	return 0;
}

int fl_model_encode(const fl_model *m, uint8_t **buf, size_t *len)
{
	size_t n;
	uint8_t *b, *p;
	int v3;

	if (m == NULL || buf == NULL || len == NULL || m->nparams != model_np(m) ||
	    (m->nlabel_counts != 0 && (m->nlabel_counts != fl_model_nclasses(m) ||
				       m->label_counts == NULL)))
		return FL_E_INVAL;
	if (model_v4(m) && (!isfinite(m->y_mean) || !isfinite(m->y_scale) ||
			    !(m->y_scale > 0)))
		return FL_E_INVAL;
	v3 = m->nlabel_counts > 0 ? 3 : model_v4(m) ? 4 : 0;
	n = model_hdr_bytes(m->kind, v3) +
	    (2 * (size_t)m->d + m->nlabel_counts + m->nparams) * 8;
	b = calloc(1, n);
	if (b == NULL)
		return FL_E_NOMEM;
	memcpy(b, v3 == 3 ? MODEL_MAGIC3 : v3 == 4 ? MODEL_MAGIC4 :
	       m->kind == FL_MODEL_MLP ? MODEL_MAGIC2 : MODEL_MAGIC, 8);
	put_u32(b + 8, (uint32_t)m->kind);
	put_u32(b + 12, m->d);
	put_u32(b + 16, m->k);
	put_u32(b + 20, m->version);
	put_u64(b + 24, m->nparams);
	if (m->kind == FL_MODEL_MLP) {
		put_u32(b + MODEL_HDR_BYTES, m->nhidden);
		for (uint32_t i = 0; i < m->nhidden; i++)
			put_u32(b + MODEL_HDR_BYTES + 4 + 4 * i, m->hidden[i]);
	}
	if (v3 == 3)
		put_u32(b + MODEL_HDR_BYTES + MODEL_MLP_BYTES, m->nlabel_counts);
	if (v3 == 4) {
		put_f64s(b + MODEL_HDR_BYTES + MODEL_MLP_BYTES, &m->y_mean, 1);
		put_f64s(b + MODEL_HDR_BYTES + MODEL_MLP_BYTES + 8, &m->y_scale, 1);
	}
	p = put_f64s(b + model_hdr_bytes(m->kind, v3), m->mean, m->d);
	p = put_f64s(p, m->scale, m->d);
	if (v3 == 3)
		p = put_f64s(p, m->label_counts, m->nlabel_counts);
	put_f64s(p, m->w, m->nparams);
	*buf = b;
	*len = n;
	return 0;
}

/* Reads and checks the mlp layer sizes after the FLMODEL2 header. */
static int decode_mlp(const uint8_t *buf, size_t len, uint32_t d, uint32_t k,
		      uint32_t *nh, uint32_t hidden[3], uint64_t *want_np)
{
	if (len < MODEL_HDR_BYTES + MODEL_MLP_BYTES)
		return FL_E_PARSE;
	*nh = get_u32(buf + MODEL_HDR_BYTES);
	if (*nh < 1 || *nh > FL_JOBSPEC_MAX_HIDDEN || k > FL_MODEL_MAX_CLASSES)
		return FL_E_PARSE;
	for (uint32_t i = 0; i < 3; i++) {
		hidden[i] = get_u32(buf + MODEL_HDR_BYTES + 4 + 4 * i);
		if (i < *nh ? (hidden[i] == 0 || hidden[i] > FL_JOBSPEC_MAX_UNITS)
		    : hidden[i] != 0)
			return FL_E_PARSE;
	}
	if ((*want_np = fl_mlp_nparams(d, k, *nh, hidden)) == 0)
		return FL_E_TOOBIG;
	return 0;
}

/* A non-mlp kind (FLMODEL3 and later) leaves the mlp block's four words
 * zero. */
static bool mlp_block_ok(const uint8_t *buf, uint32_t kind)
{
	if (kind == FL_MODEL_MLP)
		return true;
	for (uint32_t i = 0; i < 4; i++)
		if (get_u32(buf + MODEL_HDR_BYTES + 4 * i) != 0)
			return false;
	return true;
}

/* FLMODEL3: the (zero) layer sizes of a non-mlp kind and the histogram
 * length, which must be the class count. */
static int decode_v3(const uint8_t *buf, size_t len, uint32_t kind, uint32_t k,
		     uint32_t *nc)
{
	uint32_t want;

	if (len < MODEL_HDR_BYTES + MODEL_MLP_BYTES + MODEL_HIST_BYTES)
		return FL_E_PARSE;
	if (!mlp_block_ok(buf, kind))
		return FL_E_PARSE;
	*nc = get_u32(buf + MODEL_HDR_BYTES + MODEL_MLP_BYTES);
	want = kind == FL_MODEL_LOGISTIC ? 2 : kind == FL_MODEL_SOFTMAX ? k :
	       kind == FL_MODEL_MLP && k >= 2 ? k : 0;
	if (*nc == 0 || *nc != want ||
	    get_u32(buf + MODEL_HDR_BYTES + MODEL_MLP_BYTES + 4) != 0)
		return FL_E_PARSE;
	return 0;
}

/* FLMODEL4: the (zero) layer sizes of a non-mlp kind, a regression shape,
 * and the label's mean and scale (finite, scale > 0). */
static int decode_v4(const uint8_t *buf, size_t len, uint32_t kind, uint32_t k,
		     double ystd[2])
{
	const uint8_t *p = buf + MODEL_HDR_BYTES + MODEL_MLP_BYTES;

	if (len < MODEL_HDR_BYTES + MODEL_MLP_BYTES + MODEL_YSTD_BYTES)
		return FL_E_PARSE;
	if (!mlp_block_ok(buf, kind))
		return FL_E_PARSE;
	/* (0, 1) is no standardisation: that model is FLMODEL1/2 (one
	 * encoding per model) */
	if (!(kind == FL_MODEL_LINEAR || (kind == FL_MODEL_MLP && k == 1)) ||
	    get_f64s(&p, ystd, 2) != 0 || !(ystd[1] > 0) ||
	    (ystd[0] == 0.0 && ystd[1] == 1.0))
		return FL_E_PARSE;
	return 0;
}

/* Validates the header; on success *d, *k, *np (and mlp sizes, histogram
 * length *nc, label standardisation ystd, *v the format) are the shape. */
static int decode_header(const uint8_t *buf, size_t len, uint32_t *kind,
			 uint32_t *d, uint32_t *k, uint64_t *np, uint32_t *nh,
			 uint32_t hidden[3], uint32_t *nc, double ystd[2], int *v)
{
	uint64_t want, want_np;
	int mlp, v3 = 0, r;

	*nc = 0;
	ystd[0] = 0.0;
	ystd[1] = 1.0;
	if (buf == NULL || len < MODEL_HDR_BYTES)
		return FL_E_PARSE;
	if (memcmp(buf, MODEL_MAGIC, 8) == 0)
		mlp = 0;
	else if (memcmp(buf, MODEL_MAGIC2, 8) == 0)
		mlp = 1;
	else if (memcmp(buf, MODEL_MAGIC3, 8) == 0 || memcmp(buf, MODEL_MAGIC4, 8) == 0) {
		mlp = get_u32(buf + 8) == FL_MODEL_MLP;
		v3 = buf[7] == '3' ? 3 : 4;
	} else
		return FL_E_PARSE;
	*kind = get_u32(buf + 8);
	*d = get_u32(buf + 12);
	*k = get_u32(buf + 16);
	*np = get_u64(buf + 24);
	*nh = 0;
	if (*d == 0 || *k == 0 || mlp != (*kind == FL_MODEL_MLP))
		return FL_E_PARSE;
	if (mlp) {
		if ((r = decode_mlp(buf, len, *d, *k, nh, hidden, &want_np)) != 0)
			return r;
	} else {
		if (*kind < FL_MODEL_LINEAR || *kind > FL_MODEL_SOFTMAX)
			return FL_E_PARSE;
		if (*kind == FL_MODEL_SOFTMAX ? (*k < 2 || *k > FL_MODEL_MAX_CLASSES) : *k != 1)
			return FL_E_PARSE;
		want_np = ((uint64_t)*d + 1) * *k;
		if (want_np > FL_MODEL_MAX_PARAMS)
			return FL_E_TOOBIG;
	}
	if (*np != want_np)
		return FL_E_PARSE;
	if (v3 == 3 && (r = decode_v3(buf, len, *kind, *k, nc)) != 0)
		return r;
	if (v3 == 4 && (r = decode_v4(buf, len, *kind, *k, ystd)) != 0)
		return r;
	want = model_hdr_bytes(*kind, v3) + (2 * (uint64_t)*d + *nc + *np) * 8;
	if ((uint64_t)len != want)
		return FL_E_PARSE;
	*v = v3;
	return 0;
}

int fl_model_decode(const uint8_t *buf, size_t len, fl_model **out)
{
	fl_model *m = NULL;
	const uint8_t *p;
	uint32_t kind, d, k, nh, hidden[3], nc;
	uint64_t np;
	double ystd[2];
	int r, v = 0;

	if (out == NULL)
		return FL_E_INVAL;
	if ((r = decode_header(buf, len, &kind, &d, &k, &np, &nh, hidden, &nc,
			       ystd, &v)) != 0)
		return r;
	r = kind == FL_MODEL_MLP ? fl_model_new_mlp(d, k, nh, hidden, &m)
				 : fl_model_new((enum fl_model_kind)kind, d, k, &m);
	if (r != 0)
		return r == FL_E_INVAL ? FL_E_PARSE : r;
	m->version = get_u32(buf + 20);
	m->y_mean = ystd[0];
	m->y_scale = ystd[1];
	p = buf + model_hdr_bytes(kind, v);
	if (nc > 0 && ((m->label_counts = malloc(nc * sizeof(double))) == NULL)) {
		r = FL_E_NOMEM;
		goto out;
	}
	m->nlabel_counts = nc;
	if (get_f64s(&p, m->mean, d) != 0 || get_f64s(&p, m->scale, d) != 0 ||
	    get_f64s(&p, m->label_counts, nc) != 0 ||
	    get_f64s(&p, m->w, m->nparams) != 0) {
		r = FL_E_PARSE;
		goto out;
	}
	for (uint32_t c = 0; c < nc; c++) {
		if (m->label_counts[c] < 0) {
			r = FL_E_PARSE;
			goto out;
		}
	}
	for (uint32_t j = 0; j < d; j++) {
		if (!(m->scale[j] > 0)) {
			r = FL_E_PARSE;
			goto out;
		}
	}
	*out = m;
	m = NULL;
out:
	fl_model_free(m);
	return r;
}

static void json_array(fl_sbuf *b, const double *v, size_t n, size_t stride)
{
	fl_sbuf_printf(b, "[");
	for (size_t i = 0; i < n; i++) {
		double x = v[i * stride];
		if (isfinite(x))
			fl_sbuf_printf(b, "%s%.17g", i ? ", " : "", x);
		else
			fl_sbuf_printf(b, "%snull", i ? ", " : "");
	}
	fl_sbuf_printf(b, "]");
}

int fl_model_to_json(const fl_model *m, char **out)
{
	fl_sbuf b = { 0 };

	if (m == NULL || out == NULL)
		return FL_E_INVAL;
	fl_sbuf_printf(&b, "{\n  \"kind\": \"%s\",\n  \"d\": %u,\n  \"k\": %u,\n"
		       "  \"version\": %u,\n  \"nparams\": %zu,\n  \"mean\": ",
		       fl_model_kind_name(m->kind), m->d, m->k, m->version, m->nparams);
	json_array(&b, m->mean, m->d, 1);
	fl_sbuf_printf(&b, ",\n  \"scale\": ");
	json_array(&b, m->scale, m->d, 1);
	if (m->nlabel_counts > 0) {
		fl_sbuf_printf(&b, ",\n  \"label_counts\": ");
		json_array(&b, m->label_counts, m->nlabel_counts, 1);
	}
	if (fl_model_nclasses(m) == 0)   /* prediction = output * scale + mean */
		fl_sbuf_printf(&b, ",\n  \"label_mean\": %.17g,\n  \"label_scale\": "
			       "%.17g", m->y_mean, m->y_scale);
	if (m->kind == FL_MODEL_MLP) {
		/* Layer sizes, then the flat parameter vector (layout in fl_model.h). */
		fl_sbuf_printf(&b, ",\n  \"hidden\": [");
		for (uint32_t i = 0; i < m->nhidden && i < 3; i++)
			fl_sbuf_printf(&b, "%s%u", i ? ", " : "", m->hidden[i]);
		fl_sbuf_printf(&b, "],\n  \"layers\": [%u", m->d);
		for (uint32_t i = 0; i < m->nhidden && i < 3; i++)
			fl_sbuf_printf(&b, ", %u", m->hidden[i]);
		fl_sbuf_printf(&b, ", %u],\n  \"loss\": \"%s\",\n  \"w\": ", m->k,
			       m->k >= 2 ? "softmax" : "squared");
		json_array(&b, m->w, m->nparams, 1);
		fl_sbuf_printf(&b, "\n}\n");
		return fl_sbuf_finish(&b, out);
	}
	/* One row of weights per output, then the biases. */
	fl_sbuf_printf(&b, ",\n  \"weights\": [");
	for (uint32_t c = 0; c < m->k; c++) {
		fl_sbuf_printf(&b, "%s\n    ", c ? "," : "");
		json_array(&b, m->w + c, m->d, m->k);
	}
	fl_sbuf_printf(&b, "\n  ],\n  \"bias\": ");
	json_array(&b, m->w + (size_t)m->d * m->k, m->k, 1);
	fl_sbuf_printf(&b, "\n}\n");
	return fl_sbuf_finish(&b, out);
}
