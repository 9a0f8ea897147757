/* SPDX-License-Identifier: Apache-2.0 */
/* test_onnx: exports every model kind, decodes the ONNX bytes with the
 * protobuf-c unpacker, checks the graph and runs it with a tiny interpreter. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fl_err.h"
#include "fl_model.h"
#include "fl_onnx.h"
#include "fl_test.h"
#include "fl_util.h"
#include "onnx.pb-c.h"

#define MAXV 32    /* values in the interpreter */
#define MAXW 64    /* widest tensor row */

typedef struct value {
	char name[32];
	uint32_t n, w;         /* rows, columns (1 row for an initializer) */
	float *x;              /* n x w */
} value;

typedef struct interp {
	value v[MAXV];
	size_t nv;
} interp;

static value *find(interp *it, const char *name)
{
	for (size_t i = 0; i < it->nv; i++)
		if (strcmp(it->v[i].name, name) == 0)
			return &it->v[i];
	return NULL;
}

static value *add(interp *it, const char *name, uint32_t n, uint32_t w)
{
	value *v = &it->v[it->nv++];

	snprintf(v->name, sizeof(v->name), "%s", name);
	v->n = n;
	v->w = w;
	v->x = calloc((size_t)n * w, sizeof(float));
	return v;
}

static float le_float(const uint8_t *p)
{
	uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		     (uint32_t)p[3] << 24;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Runs one node over rows; 0 if the node is one this exporter emits. */
static int run_node(interp *it, const Onnx__NodeProto *nd, uint32_t rows)
{
	value *a = find(it, nd->input[0]), *b = nd->n_input > 1 ? find(it, nd->input[1]) : NULL;
	value *c = nd->n_input > 2 ? find(it, nd->input[2]) : NULL, *o;
	const char *op = nd->op_type;
	uint32_t w;

	if (a == NULL || nd->n_output != 1)
		return -1;
	w = strcmp(op, "Gemm") == 0 ? (b ? b->w : 0) : a->w;
	o = add(it, nd->output[0], rows, w);
	for (uint32_t i = 0; i < rows; i++) {
		float *x = a->x + (size_t)i * a->w, *y = o->x + (size_t)i * w, mx, s = 0;
		for (uint32_t j = 0; j < w; j++) {
			if (strcmp(op, "Sub") == 0)
				y[j] = x[j] - b->x[j];
			else if (strcmp(op, "Div") == 0)
				y[j] = x[j] / b->x[j];
			else if (strcmp(op, "Mul") == 0)
				y[j] = x[j] * b->x[j];
			else if (strcmp(op, "Add") == 0)
				y[j] = x[j] + b->x[j];
			else if (strcmp(op, "Relu") == 0)
				y[j] = x[j] > 0 ? x[j] : 0;
			else if (strcmp(op, "Sigmoid") == 0)
				y[j] = 1.0f / (1.0f + expf(-x[j]));
			else if (strcmp(op, "Gemm") == 0) {
				y[j] = c->x[j];
				for (uint32_t k = 0; k < a->w; k++)
					y[j] += x[k] * b->x[(size_t)k * w + j];
			} else if (strcmp(op, "Softmax") != 0)
				return -1;
		}
		if (strcmp(op, "Softmax") != 0)
			continue;
		mx = x[0];
		for (uint32_t j = 1; j < w; j++)
			mx = x[j] > mx ? x[j] : mx;
		for (uint32_t j = 0; j < w; j++)
			s += (y[j] = expf(x[j] - mx));
		for (uint32_t j = 0; j < w; j++)
			y[j] /= s;
	}
	return 0;
}

static void check_vi(const Onnx__ValueInfoProto *vi, const char *name, uint32_t width)
{
	const Onnx__TensorShapeProto *sh;

	FL_CHECK(strcmp(vi->name, name) == 0);
	FL_CHECK(vi->type && vi->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE);
	if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
		return;
	FL_CHECK_EQ_INT(vi->type->tensor_type->elem_type, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
	sh = vi->type->tensor_type->shape;
	FL_CHECK(sh && sh->n_dim == 2);
	if (!sh || sh->n_dim != 2)
		return;
	FL_CHECK_EQ_INT(sh->dim[0]->value_case, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM);
	if (sh->dim[0]->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM)
		FL_CHECK(strcmp(sh->dim[0]->dim_param, "N") == 0);
	FL_CHECK_EQ_INT(sh->dim[1]->value_case, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE);
	FL_CHECK_EQ_INT(sh->dim[1]->dim_value, width);
}

/* Loads the initializers; checks each one's size and that W0 holds m's first
 * weights rounded to float32. */
static void load_inits(interp *it, const Onnx__GraphProto *g, const fl_model *m)
{
	for (size_t i = 0; i < g->n_initializer; i++) {
		const Onnx__TensorProto *t = g->initializer[i];
		uint32_t rows = t->n_dims == 2 ? (uint32_t)t->dims[0] : 1;
		uint32_t w = (uint32_t)t->dims[t->n_dims - 1];
		value *v;

		FL_CHECK_EQ_INT(t->data_type, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
		FL_CHECK(t->n_dims == 1 || t->n_dims == 2);
		FL_CHECK_EQ_INT(t->raw_data.len, (size_t)rows * w * 4u);
		if (t->raw_data.len != (size_t)rows * w * 4u)
			continue;
		v = add(it, t->name, rows, w);
		for (size_t j = 0; j < (size_t)rows * w; j++)
			v->x[j] = le_float(t->raw_data.data + 4 * j);
		if (strcmp(t->name, "W0") == 0) {
			FL_CHECK_EQ_INT(rows, m->d);
			for (size_t j = 0; j < (size_t)rows * w; j++)
				FL_CHECK(v->x[j] == (float)m->w[j]);
		}
		if (strcmp(t->name, "mean") == 0 || strcmp(t->name, "scale") == 0) {
			FL_CHECK_EQ_INT(w, m->d);
			FL_CHECK(v->x[m->d - 1] == (float)(t->name[0] == 'm' ?
				 m->mean[m->d - 1] : m->scale[m->d - 1]));
		}
	}
}

static void fill(fl_model *m, fl_rng *rng)
{
	for (size_t i = 0; i < m->nparams; i++)
		m->w[i] = 0.8 * fl_rng_normal(rng);
	for (uint32_t j = 0; j < m->d; j++) {
		m->mean[j] = 10.0 * fl_rng_normal(rng);
		m->scale[j] = 0.5 + 3.0 * fl_rng_uniform(rng);
	}
	m->version = 7;
}

/* Runs the decoded graph on rows like fedc's own forward pass and compares. */
static void check_outputs(const Onnx__GraphProto *g, const fl_model *m, fl_rng *rng)
{
	const uint32_t rows = 25;
	interp it = { .nv = 0 };
	value *in, *out;
	double x[MAXW];

	load_inits(&it, g, m);
	in = add(&it, FL_ONNX_INPUT, rows, m->d);
	for (size_t i = 0; i < (size_t)rows * m->d; i++)
		in->x[i] = (float)(m->mean[i % m->d] + 2.0 * m->scale[i % m->d] *
				   fl_rng_normal(rng));
	for (size_t i = 0; i < g->n_node; i++)
		FL_CHECK_EQ_INT(run_node(&it, g->node[i], rows), 0);
	out = find(&it, FL_ONNX_OUTPUT);
	FL_CHECK(out != NULL && out->w == m->k && out->n == rows);
	for (uint32_t i = 0; out && i < rows; i++) {
		const float *y = out->x + (size_t)i * m->k;
		uint32_t best = 0, second = m->k > 1 ? 1 : 0;
		double pred, sum = 0;

		for (uint32_t j = 0; j < m->d; j++)
			x[j] = in->x[(size_t)i * m->d + j];
		pred = fl_model_predict_row(m, x);
		if (m->kind == FL_MODEL_LINEAR || (m->kind == FL_MODEL_MLP && m->k == 1)) {
			FL_CHECK_NEAR(y[0], pred, 1e-4 * (1.0 + fabs(pred)));
			continue;
		}
		if (m->kind == FL_MODEL_LOGISTIC) {
			FL_CHECK(y[0] > 0 && y[0] < 1);
			if (fabs(y[0] - 0.5) > 1e-4)
				FL_CHECK_EQ_INT(y[0] >= 0.5f, (int)pred);
			continue;
		}
		for (uint32_t c = 0; c < m->k; c++) {
			sum += y[c];
			if (y[c] > y[best]) {
				second = best;
				best = c;
			} else if (c != best && y[c] > y[second]) {
				second = c;
			}
		}
		FL_CHECK_NEAR(sum, 1.0, 1e-5);
		if (y[best] - y[second] > 1e-4)
			FL_CHECK_EQ_INT(best, (int)pred);
	}
	for (size_t i = 0; i < it.nv; i++)
		free(it.v[i].x);
}

static void check_model(const fl_model *m, const char *ops, size_t ninit, fl_rng *rng)
{
	Onnx__ModelProto *mp;
	const Onnx__GraphProto *g;
	uint8_t *buf = NULL;
	size_t len = 0;
	char got[256] = "";

	FL_CHECK_EQ_INT(fl_onnx_export(m, &buf, &len), 0);
	mp = buf ? onnx__model_proto__unpack(NULL, len, buf) : NULL;
	FL_CHECK(mp != NULL && mp->graph != NULL);
	if (mp == NULL || mp->graph == NULL)
		goto out;
	FL_CHECK_EQ_INT(mp->ir_version, 8);
	FL_CHECK_EQ_INT(mp->n_opset_import, 1);
	FL_CHECK(strcmp(mp->opset_import[0]->domain, "") == 0);
	FL_CHECK_EQ_INT(mp->opset_import[0]->version, 13);
	FL_CHECK(strcmp(mp->producer_name, "fedc") == 0);
	FL_CHECK_EQ_INT(mp->model_version, m->version);
	FL_CHECK_EQ_INT(mp->n_metadata_props, 3);
	g = mp->graph;
	FL_CHECK_EQ_INT(g->n_input, 1);
	FL_CHECK_EQ_INT(g->n_output, 1);
	if (g->n_input == 1)
		check_vi(g->input[0], FL_ONNX_INPUT, m->d);
	if (g->n_output == 1)
		check_vi(g->output[0], FL_ONNX_OUTPUT, m->k);
	for (size_t i = 0; i < g->n_node; i++) {
		const Onnx__NodeProto *nd = g->node[i];
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "," : "",
			 nd->op_type);
		if (strcmp(nd->op_type, "Softmax") == 0) {
			FL_CHECK(nd->n_attribute == 1 && strcmp(nd->attribute[0]->name, "axis") == 0);
			FL_CHECK(nd->n_attribute == 1 && nd->attribute[0]->i == 1 &&
				 nd->attribute[0]->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
		}
	}
	if (strcmp(got, ops) != 0)
		fprintf(stderr, "nodes %s, expected %s\n", got, ops);
	FL_CHECK(strcmp(got, ops) == 0);
	FL_CHECK_EQ_INT(g->n_initializer, ninit);
	check_outputs(g, m, rng);
out:
	if (mp)
		onnx__model_proto__free_unpacked(mp, NULL);
	free(buf);
}

static void test_kinds(fl_rng *rng)
{
	const uint32_t h2[2] = { 6, 5 }, h1[1] = { 4 }, h3[3] = { 8, 7, 3 };
	fl_model *m = NULL;

	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_LINEAR, 3, 1, &m), 0);
	fill(m, rng);
	check_model(m, "Sub,Div,Gemm", 4, rng);
	fl_model_free(m);
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_LOGISTIC, 3, 1, &m), 0);
	fill(m, rng);
	check_model(m, "Sub,Div,Gemm,Sigmoid", 4, rng);
	fl_model_free(m);
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_SOFTMAX, 4, 3, &m), 0);
	fill(m, rng);
	check_model(m, "Sub,Div,Gemm,Softmax", 4, rng);
	fl_model_free(m);
	FL_CHECK_EQ_INT(fl_model_new_mlp(4, 3, 2, h2, &m), 0);
	fill(m, rng);
	check_model(m, "Sub,Div,Gemm,Relu,Gemm,Relu,Gemm,Softmax", 8, rng);
	fl_model_free(m);
	FL_CHECK_EQ_INT(fl_model_new_mlp(2, 1, 1, h1, &m), 0);
	fill(m, rng);
	check_model(m, "Sub,Div,Gemm,Relu,Gemm", 6, rng);
	fl_model_free(m);
	FL_CHECK_EQ_INT(fl_model_new_mlp(5, 2, 3, h3, &m), 0);
	fill(m, rng);
	check_model(m, "Sub,Div,Gemm,Relu,Gemm,Relu,Gemm,Relu,Gemm,Softmax", 10, rng);
	fl_model_free(m);
	/* regression with a label standardisation: the output is unscaled */
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_LINEAR, 3, 1, &m), 0);
	fill(m, rng);
	FL_CHECK_EQ_INT(fl_model_set_label_scale(m, 35.8, 16.7), 0);
	check_model(m, "Sub,Div,Gemm,Mul,Add", 6, rng);
	fl_model_free(m);
	FL_CHECK_EQ_INT(fl_model_new_mlp(2, 1, 1, h1, &m), 0);
	fill(m, rng);
	FL_CHECK_EQ_INT(fl_model_set_label_scale(m, -4.0, 0.25), 0);
	check_model(m, "Sub,Div,Gemm,Relu,Gemm,Mul,Add", 8, rng);
	fl_model_free(m);
}

static void test_errors(fl_rng *rng)
{
	uint8_t *buf = (uint8_t *)"untouched";
	size_t len = 12345;
	fl_model *m = NULL;

	FL_CHECK_EQ_INT(fl_onnx_export(NULL, &buf, &len), FL_E_INVAL);
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_SOFTMAX, 3, 4, &m), 0);
	fill(m, rng);
	FL_CHECK_EQ_INT(fl_onnx_export(m, NULL, &len), FL_E_INVAL);
	m->nparams--;
	FL_CHECK_EQ_INT(fl_onnx_export(m, &buf, &len), FL_E_INVAL);
	m->nparams++;
	m->kind = (enum fl_model_kind)99;
	FL_CHECK_EQ_INT(fl_onnx_export(m, &buf, &len), FL_E_INVAL);
	m->kind = FL_MODEL_LOGISTIC;   /* k = 4 does not fit a logistic model */
	FL_CHECK_EQ_INT(fl_onnx_export(m, &buf, &len), FL_E_INVAL);
	m->kind = FL_MODEL_SOFTMAX;
	m->scale[1] = 1e-60;           /* 0 in float32: would divide by zero */
	FL_CHECK_EQ_INT(fl_onnx_export(m, &buf, &len), FL_E_RANGE);
	m->scale[1] = 1.0;
	m->w[5] = 1e300;               /* inf in float32 */
	FL_CHECK_EQ_INT(fl_onnx_export(m, &buf, &len), FL_E_RANGE);
	m->w[5] = NAN;
	FL_CHECK_EQ_INT(fl_onnx_export(m, &buf, &len), FL_E_RANGE);
	FL_CHECK(strcmp((const char *)buf, "untouched") == 0 && len == 12345);
	m->w[5] = 0.25;
	FL_CHECK_EQ_INT(fl_onnx_export(m, &buf, &len), 0);
	FL_CHECK(len > m->nparams * 4u);
	free(buf);
	fl_model_free(m);
}

int main(void)
{
	fl_rng rng;

	fl_rng_seed(&rng, 20261128);
	test_kinds(&rng);
	test_errors(&rng);
	return FL_TEST_DONE();
}
