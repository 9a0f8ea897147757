/* SPDX-License-Identifier: Apache-2.0 */
/* fl_onnx: export a fedc model (fl_model) as an ONNX inference graph. */
#ifndef FL_ONNX_H
#define FL_ONNX_H

#include <stddef.h>
#include <stdint.h>
#include "fl_model.h"

#define FL_ONNX_IR_VERSION 8
#define FL_ONNX_OPSET 13
#define FL_ONNX_INPUT "input"
#define FL_ONNX_OUTPUT "output"

/*
 * Serialises m as an ONNX ModelProto (proto/onnx.proto, IR version 8,
 * opset_import {domain "", version 13}, producer "fedc").
 *
 * The graph takes RAW feature values, exactly like fl_model_predict_row and
 * fl_model_eval: fedc keeps the global standardisation inside the model
 * (m->mean and m->scale, from the consortium's STATS round, or the train
 * union's for fedc-train), so the graph starts with it:
 *   input "input"  float32 [N, d]   (N is the symbolic dim_param "N")
 *   Sub(input, mean[d]) -> Div(., scale[d])            x' = (x - mean) / scale
 *   per layer l: Gemm(., W_l [in, out], b_l [out])     (+ Relu if hidden)
 *   head: linear and mlp with k = 1: none (the Gemm writes "output");
 *         logistic: Sigmoid -> P(class id 1);
 *         softmax and mlp with k >= 2: Softmax(axis 1) -> class probabilities
 *   output "output" float32 [N, k]  (k = 1 for linear and logistic)
 * Initializers (names mean, scale, W0, b0, W1, ...) are float32 in raw_data,
 * little-endian, row-major as in fl_model (W is in x out). Parameters are
 * rounded from float64 to float32, so outputs match fedc's float64 forward
 * pass to about 1e-6. Metadata props: fedc.kind, fedc.version, fedc.output
 * ("value", "probability_class_1" or "class_probabilities").
 *
 * On success *buf is malloc'd (caller frees) and *len is its size; on failure
 * neither is touched. FL_E_INVAL for a NULL or inconsistent model (shape or
 * nparams), FL_E_RANGE for a parameter that is not finite in float32 or a
 * scale that is not > 0 in float32, FL_E_NOMEM.
 */
int fl_onnx_export(const fl_model *m, uint8_t **buf, size_t *len);

#endif
