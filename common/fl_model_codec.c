/* SPDX-License-Identifier: Apache-2.0 */
/* fl_model_codec: native FLMODEL1 binary format and a JSON summary. */
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
 */
#define MODEL_MAGIC "FLMODEL1"
#define MODEL_HDR_BYTES (8u + 4u * 4u + 8u)

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

	if (m == NULL || buf == NULL || len == NULL ||
	    m->nparams != ((size_t)m->d + 1) * m->k)
		return FL_E_INVAL;
	n = MODEL_HDR_BYTES + (2 * (size_t)m->d + m->nparams) * 8;
	b = malloc(n);
	if (b == NULL)
		return FL_E_NOMEM;
	memcpy(b, MODEL_MAGIC, 8);
	put_u32(b + 8, (uint32_t)m->kind);
	put_u32(b + 12, m->d);
	put_u32(b + 16, m->k);
	put_u32(b + 20, m->version);
	put_u64(b + 24, m->nparams);
	p = put_f64s(b + MODEL_HDR_BYTES, m->mean, m->d);
	p = put_f64s(p, m->scale, m->d);
	put_f64s(p, m->w, m->nparams);
	*buf = b;
	*len = n;
	return 0;
}

/* Validates the header; on success *d, *k, *np are the shape. */
static int decode_header(const uint8_t *buf, size_t len, uint32_t *kind,
			 uint32_t *d, uint32_t *k, uint64_t *np)
{
	uint64_t want;

	if (buf == NULL || len < MODEL_HDR_BYTES || memcmp(buf, MODEL_MAGIC, 8) != 0)
		return FL_E_PARSE;
	*kind = get_u32(buf + 8);
	*d = get_u32(buf + 12);
	*k = get_u32(buf + 16);
	*np = get_u64(buf + 24);
	if (*kind < FL_MODEL_LINEAR || *kind > FL_MODEL_SOFTMAX || *d == 0 || *k == 0)
		return FL_E_PARSE;
	if (*kind == FL_MODEL_SOFTMAX ? (*k < 2 || *k > FL_MODEL_MAX_CLASSES) : *k != 1)
		return FL_E_PARSE;
	if (*np != ((uint64_t)*d + 1) * *k)
		return FL_E_PARSE;
	if (*np > FL_MODEL_MAX_PARAMS)
		return FL_E_TOOBIG;
	want = MODEL_HDR_BYTES + (2 * (uint64_t)*d + *np) * 8;
	if ((uint64_t)len != want)
		return FL_E_PARSE;
	return 0;
}

int fl_model_decode(const uint8_t *buf, size_t len, fl_model **out)
{
	fl_model *m = NULL;
	const uint8_t *p;
	uint32_t kind, d, k;
	uint64_t np;
	int r;

	if (out == NULL)
		return FL_E_INVAL;
	if ((r = decode_header(buf, len, &kind, &d, &k, &np)) != 0)
		return r;
	if ((r = fl_model_new((enum fl_model_kind)kind, d, k, &m)) != 0)
		return r;
	m->version = get_u32(buf + 20);
	p = buf + MODEL_HDR_BYTES;
	if (get_f64s(&p, m->mean, d) != 0 || get_f64s(&p, m->scale, d) != 0 ||
	    get_f64s(&p, m->w, m->nparams) != 0) {
		r = FL_E_PARSE;
		goto out;
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
