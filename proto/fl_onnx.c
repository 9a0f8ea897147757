/* SPDX-License-Identifier: Apache-2.0 */
/* fl_onnx: build an ONNX ModelProto for an fl_model with protobuf-c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_onnx.h"
#include "onnx.pb-c.h"

/* Sub, Div, up to 4 Gemm and 3 Relu, one head or Mul + Add; mean, scale,
 * 4 x (W, b), label scale and mean. */
#define ONNX_MAX_NODES 16u
#define ONNX_MAX_INITS 16u
#define ONNX_NAME_BYTES 32u

/*
 * Every part of the tree is malloc'd and hung on its parent as soon as it
 * exists, so onnx__model_proto__free_unpacked() frees any partial tree.
 */

static char *onnx_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* *dst = a malloc'd copy of s (the tree owns it); FL_E_NOMEM leaves *dst
 * as it was. */
static int onnx_str_set(char **dst, const char *s)
{
	char *p = onnx_strdup(s);

	if (!p)
		return FL_E_NOMEM;
	*dst = p;
	return 0;
}

/* Layer widths d, hidden..., k into sz; number of weight layers, or 0 if m's
 * shape or nparams is inconsistent. */
static uint32_t onnx_layers(const fl_model *m, uint32_t sz[5])
{
	uint32_t nl = 1;
	uint64_t np = 0;

	if (m->kind == FL_MODEL_MLP) {
		if (m->nhidden < 1 || m->nhidden > 3)
			return 0;
		for (uint32_t i = 0; i < m->nhidden; i++)
			sz[i + 1] = m->hidden[i];
		nl = m->nhidden + 1;
	} else if (m->kind != FL_MODEL_LINEAR && m->kind != FL_MODEL_LOGISTIC &&
		   m->kind != FL_MODEL_SOFTMAX) {
		return 0;
	}
	sz[0] = m->d;
	sz[nl] = m->k;
	for (uint32_t l = 0; l < nl; l++) {
		if (sz[l] == 0 || sz[l + 1] == 0)
			return 0;
		np += ((uint64_t)sz[l] + 1) * sz[l + 1];
	}
	if ((m->kind == FL_MODEL_LOGISTIC || m->kind == FL_MODEL_LINEAR) && m->k != 1)
		return 0;
	return np == m->nparams ? nl : 0;
}

/* Appends a float32 initializer of shape dims holding v (rounded). */
static int onnx_tensor_add(Onnx__GraphProto *g, const char *name, const double *v,
			   const int64_t *dims, size_t ndims, int positive)
{
	Onnx__TensorProto *t;
	uint8_t *raw;
	size_t n = 1;

	for (size_t i = 0; i < ndims; i++)
		n *= (size_t)dims[i];
	if ((t = malloc(sizeof(*t))) == NULL)
		return FL_E_NOMEM;
	onnx__tensor_proto__init(t);
	g->initializer[g->n_initializer++] = t;
	t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	if (onnx_str_set(&t->name, name) != 0)
		return FL_E_NOMEM;
	if ((t->dims = malloc(ndims * sizeof(*t->dims))) == NULL)
		return FL_E_NOMEM;
	memcpy(t->dims, dims, ndims * sizeof(*t->dims));
	t->n_dims = ndims;
	if ((raw = malloc(n * 4u)) == NULL)
		return FL_E_NOMEM;
	t->raw_data.data = raw;
	t->raw_data.len = n * 4u;
	for (size_t i = 0; i < n; i++) {
		float f = (float)v[i];
		uint32_t u;

		if (!isfinite(v[i]) || !isfinite(f) || (positive && !(f > 0.0f)))
			return FL_E_RANGE;
		memcpy(&u, &f, sizeof(u));
		raw[4 * i] = (uint8_t)u;   /* ONNX raw_data is little-endian */
		raw[4 * i + 1] = (uint8_t)(u >> 8);
		raw[4 * i + 2] = (uint8_t)(u >> 16);
		raw[4 * i + 3] = (uint8_t)(u >> 24);
	}
	return 0;
}

/* Appends node op(in[0..nin)) -> out; axis > 0 adds an "axis" attribute. */
static int onnx_node_add(Onnx__GraphProto *g, const char *op, const char *const *in,
			 size_t nin, const char *out, int64_t axis)
{
	Onnx__AttributeProto *a;
	Onnx__NodeProto *nd;

	if ((nd = malloc(sizeof(*nd))) == NULL)
		return FL_E_NOMEM;
	onnx__node_proto__init(nd);
	g->node[g->n_node++] = nd;
	if (onnx_str_set(&nd->op_type, op) != 0 || onnx_str_set(&nd->name, out) != 0)
		return FL_E_NOMEM;
	if ((nd->input = malloc(nin * sizeof(char *))) == NULL ||
	    (nd->output = malloc(sizeof(char *))) == NULL)
		return FL_E_NOMEM;
	for (size_t i = 0; i < nin; i++) {
		if (onnx_str_set(&nd->input[nd->n_input], in[i]) != 0)
			return FL_E_NOMEM;
		nd->n_input++;
	}
	if (onnx_str_set(&nd->output[nd->n_output], out) != 0)
		return FL_E_NOMEM;
	nd->n_output++;
	if (axis <= 0)
		return 0;
	if ((nd->attribute = malloc(sizeof(*nd->attribute))) == NULL ||
	    (a = malloc(sizeof(*a))) == NULL)
		return FL_E_NOMEM;
	onnx__attribute_proto__init(a);
	nd->attribute[nd->n_attribute++] = a;
	if (onnx_str_set(&a->name, "axis") != 0)
		return FL_E_NOMEM;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	a->i = axis;
	return 0;
}

/* *slot = a float32 tensor value [N, width] named name. */
static int onnx_value_info(Onnx__ValueInfoProto **slot, const char *name, uint32_t width)
{
	Onnx__TensorShapeProto__Dimension *dm;
	Onnx__TypeProto__Tensor *tt;
	Onnx__TensorShapeProto *sh;
	Onnx__ValueInfoProto *vi;
	Onnx__TypeProto *ty;
	char *s;

	if ((vi = malloc(sizeof(*vi))) == NULL)
		return FL_E_NOMEM;
	onnx__value_info_proto__init(vi);
	*slot = vi;
	if ((s = onnx_strdup(name)) == NULL || (ty = malloc(sizeof(*ty))) == NULL) {
		free(s);
		return FL_E_NOMEM;
	}
	vi->name = s;
	onnx__type_proto__init(ty);
	vi->type = ty;
	if ((tt = malloc(sizeof(*tt))) == NULL)
		return FL_E_NOMEM;
	onnx__type_proto__tensor__init(tt);
	ty->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	ty->tensor_type = tt;
	tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	if ((sh = malloc(sizeof(*sh))) == NULL)
		return FL_E_NOMEM;
	onnx__tensor_shape_proto__init(sh);
	tt->shape = sh;
	if ((sh->dim = calloc(2, sizeof(*sh->dim))) == NULL)
		return FL_E_NOMEM;
	for (int i = 0; i < 2; i++) {
		if ((dm = malloc(sizeof(*dm))) == NULL)
			return FL_E_NOMEM;
		onnx__tensor_shape_proto__dimension__init(dm);
		sh->dim[sh->n_dim++] = dm;
		if (i == 1) {
			dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			dm->dim_value = width;
		} else if ((s = onnx_strdup("N")) == NULL) {
			return FL_E_NOMEM;
		} else {
			dm->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			dm->dim_param = s;
		}
	}
	return 0;
}

/* Regression: the label back in its units, output = standardised_label *
 * label_scale + label_mean (the model's label standardisation). */
static int onnx_label_unscale(Onnx__GraphProto *g, const fl_model *m)
{
	int64_t one = 1;
	const char *in[2];
	int r;

	if ((r = onnx_tensor_add(g, "label_scale", &m->y_scale, &one, 1, 1)) != 0 ||
	    (r = onnx_tensor_add(g, "label_mean", &m->y_mean, &one, 1, 0)) != 0)
		return r;
	in[0] = "standardised_label";
	in[1] = "label_scale";
	if ((r = onnx_node_add(g, "Mul", in, 2, "label_scaled", 0)) != 0)
		return r;
	in[0] = "label_scaled";
	in[1] = "label_mean";
	return onnx_node_add(g, "Add", in, 2, FL_ONNX_OUTPUT, 0);
}

/* Sub + Div (standardisation), then one Gemm (+ Relu) per layer, then the
 * head (or the label's unscaling), into g (node and initializer arrays
 * already allocated). */
static int onnx_graph_fill(Onnx__GraphProto *g, const fl_model *m, const uint32_t *sz,
			   uint32_t nl)
{
	int64_t dims[2] = { m->d, 0 };
	const char *in[3];
	char cur[ONNX_NAME_BYTES], wn[ONNX_NAME_BYTES], bn[ONNX_NAME_BYTES];
	char zn[ONNX_NAME_BYTES];
	const double *w = m->w;
	int softmax = m->kind == FL_MODEL_SOFTMAX || (m->kind == FL_MODEL_MLP && m->k >= 2);
	int head = softmax || m->kind == FL_MODEL_LOGISTIC;
	/* regression with a label standardisation: output * scale + mean */
	int ystd = !head && (m->y_mean != 0.0 || m->y_scale != 1.0);
	int r;

	if ((r = onnx_tensor_add(g, "mean", m->mean, dims, 1, 0)) != 0 ||
	    (r = onnx_tensor_add(g, "scale", m->scale, dims, 1, 1)) != 0)
		return r;
	in[0] = FL_ONNX_INPUT;
	in[1] = "mean";
	if ((r = onnx_node_add(g, "Sub", in, 2, "centred", 0)) != 0)
		return r;
	in[0] = "centred";
	in[1] = "scale";
	if ((r = onnx_node_add(g, "Div", in, 2, "standardised", 0)) != 0)
		return r;
	snprintf(cur, sizeof(cur), "standardised");
	for (uint32_t l = 0; l < nl; l++) {
		int last = l + 1 == nl;

		snprintf(wn, sizeof(wn), "W%u", l);
		snprintf(bn, sizeof(bn), "b%u", l);
		dims[0] = sz[l];
		dims[1] = sz[l + 1];
		if ((r = onnx_tensor_add(g, wn, w, dims, 2, 0)) != 0 ||
		    (r = onnx_tensor_add(g, bn, w + (size_t)sz[l] * sz[l + 1], dims + 1, 1,
					 0)) != 0)
			return r;
		w += ((size_t)sz[l] + 1) * sz[l + 1];
		if (last)
			snprintf(zn, sizeof(zn), "%s", head ? "logits" : ystd ?
				 "standardised_label" : FL_ONNX_OUTPUT);
		else
			snprintf(zn, sizeof(zn), "z%u", l);
		in[0] = cur;
		in[1] = wn;
		in[2] = bn;
		if ((r = onnx_node_add(g, "Gemm", in, 3, zn, 0)) != 0)
			return r;
		snprintf(cur, sizeof(cur), "h%u", l);
		in[0] = zn;
		if (!last && (r = onnx_node_add(g, "Relu", in, 1, cur, 0)) != 0)
			return r;
	}
	if (ystd)
		return onnx_label_unscale(g, m);
	in[0] = "logits";
	if (softmax)
		return onnx_node_add(g, "Softmax", in, 1, FL_ONNX_OUTPUT, 1);
	if (head)
		return onnx_node_add(g, "Sigmoid", in, 1, FL_ONNX_OUTPUT, 0);
	return 0;
}

static int onnx_graph_build(Onnx__ModelProto *mp, const fl_model *m, const uint32_t *sz,
			    uint32_t nl)
{
	Onnx__GraphProto *g;
	int r;

	if ((g = malloc(sizeof(*g))) == NULL)
		return FL_E_NOMEM;
	onnx__graph_proto__init(g);
	mp->graph = g;
	if (onnx_str_set(&g->name, "fedc_model") != 0)
		return FL_E_NOMEM;
	if ((g->node = calloc(ONNX_MAX_NODES, sizeof(*g->node))) == NULL ||
	    (g->initializer = calloc(ONNX_MAX_INITS, sizeof(*g->initializer))) == NULL ||
	    (g->input = calloc(1, sizeof(*g->input))) == NULL ||
	    (g->output = calloc(1, sizeof(*g->output))) == NULL)
		return FL_E_NOMEM;
	r = onnx_value_info(&g->input[0], FL_ONNX_INPUT, m->d);
	if (g->input[0])
		g->n_input = 1;
	if (r != 0)
		return r;
	r = onnx_value_info(&g->output[0], FL_ONNX_OUTPUT, m->k);
	if (g->output[0])
		g->n_output = 1;
	if (r != 0)
		return r;
	return onnx_graph_fill(g, m, sz, nl);
}

/* Appends metadata key = value to mp (array of 3 allocated by the caller). */
static int onnx_meta_add(Onnx__ModelProto *mp, const char *key, const char *value)
{
	Onnx__StringStringEntryProto *e;

	if ((e = malloc(sizeof(*e))) == NULL)
		return FL_E_NOMEM;
	onnx__string_string_entry_proto__init(e);
	mp->metadata_props[mp->n_metadata_props++] = e;
	if (onnx_str_set(&e->key, key) != 0 || onnx_str_set(&e->value, value) != 0)
		return FL_E_NOMEM;
	return 0;
}

static int onnx_model_header(Onnx__ModelProto *mp, const fl_model *m)
{
	Onnx__OperatorSetIdProto *op;
	char ver[16];
	const char *what = "value";
	int r;

	mp->ir_version = FL_ONNX_IR_VERSION;
	mp->model_version = m->version;
	if (onnx_str_set(&mp->producer_name, "fedc") != 0)
		return FL_E_NOMEM;
	if ((mp->opset_import = calloc(1, sizeof(*mp->opset_import))) == NULL ||
	    (op = malloc(sizeof(*op))) == NULL)
		return FL_E_NOMEM;
	onnx__operator_set_id_proto__init(op);
	mp->opset_import[mp->n_opset_import++] = op;
	op->version = FL_ONNX_OPSET;   /* domain "" = the default ONNX opset */
	if ((mp->metadata_props = calloc(3, sizeof(*mp->metadata_props))) == NULL)
		return FL_E_NOMEM;
	if (m->kind == FL_MODEL_LOGISTIC)
		what = "probability_class_1";
	else if (m->kind == FL_MODEL_SOFTMAX || (m->kind == FL_MODEL_MLP && m->k >= 2))
		what = "class_probabilities";
	snprintf(ver, sizeof(ver), "%u", m->version);
	if ((r = onnx_meta_add(mp, "fedc.kind", fl_model_kind_name(m->kind))) != 0 ||
	    (r = onnx_meta_add(mp, "fedc.version", ver)) != 0)
		return r;
	return onnx_meta_add(mp, "fedc.output", what);
}

int fl_onnx_export(const fl_model *m, uint8_t **buf, size_t *len)
{
	Onnx__ModelProto *mp = NULL;
	uint8_t *out = NULL;
	uint32_t sz[5], nl;
	size_t n;
	int r;

	if (m == NULL || buf == NULL || len == NULL || m->w == NULL || m->mean == NULL ||
	    m->scale == NULL || (nl = onnx_layers(m, sz)) == 0)
		return FL_E_INVAL;
	if ((mp = malloc(sizeof(*mp))) == NULL)
		return FL_E_NOMEM;
	onnx__model_proto__init(mp);
	if ((r = onnx_model_header(mp, m)) != 0 || (r = onnx_graph_build(mp, m, sz, nl)) != 0)
		goto out;
	n = onnx__model_proto__get_packed_size(mp);
	if ((out = malloc(n ? n : 1)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (onnx__model_proto__pack(mp, out) != n) {
		free(out);
		r = FL_E_INVAL;
		goto out;
	}
	*buf = out;
	*len = n;
	r = 0;
out:
	onnx__model_proto__free_unpacked(mp, NULL);
	return r;
}
