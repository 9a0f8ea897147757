/* SPDX-License-Identifier: Apache-2.0 */
/* train_int: fedc-train's pieces (centralised reference and offline eval). */
#ifndef TRAIN_INT_H
#define TRAIN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fl_dataset.h"
#include "fl_jobspec.h"
#include "fl_model.h"

#define TRAIN_MAX_FILES 64

typedef struct train_opts {
	const char *spec_path;
	const char *data[TRAIN_MAX_FILES];
	int ndata;
	const char *eval_model;   /* --eval: evaluate this native model file */
	const char *save_model;   /* --save: write the trained model here */
	const char *export_onnx;  /* --export-onnx: write the model as ONNX here */
	uint32_t epochs;          /* 0: rounds * local_epochs */
	bool json;
} train_opts;

typedef struct train_result {
	enum fl_model_kind kind;
	uint32_t epochs;          /* 0 in eval mode */
	size_t n_train, n_test;
	double train_loss;        /* mean over the last epoch; NaN in eval mode */
	fl_metrics test;
} train_result;

/* Loads the spec and every file, splitting each one the way agents do, and
 * concatenates the train parts and the test parts. *train and *test are new.
 * Prints the reason to stderr on failure. */
int train_load(const train_opts *o, fl_jobspec *spec, fl_dataset **train,
	       fl_dataset **test);
/* Centralised training with the train union's standardisation. */
int train_reference(const train_opts *o, const fl_jobspec *spec,
		    const fl_dataset *train, const fl_dataset *test,
		    train_result *res);
/* Evaluates the saved model o->eval_model on test. */
int train_evaluate(const train_opts *o, const fl_jobspec *spec,
		   const fl_dataset *test, train_result *res);

#endif
