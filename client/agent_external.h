/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent_external: the external trainer contract. Instead of the built-in
 * OpenBLAS SGD, a site may train with its own program (PyTorch, ...). For
 * each TRAIN round the agent makes a fresh private folder (0700) and runs
 *
 *     PROGRAM FOLDER
 *
 * with the folder as working directory, stdin from /dev/null and stdout +
 * stderr to FOLDER/trainer.log. The folder holds:
 *
 *   task.txt     what to do, one "key value" per line (values never contain
 *                a newline; lists are comma-separated):
 *                  format fedc-external-1
 *                  job_id 3 / round 2
 *                  model linear|logistic|softmax|mlp
 *                  loss softmax|squared|logistic   (mlp: softmax or squared)
 *                  d 9 / k 7   (features; classes, 1 for linear/logistic)
 *                  hidden 64,32   (mlp only; empty otherwise)
 *                  nparams 1234
 *                  local_epochs 1 / batch_size 32 / l2 0 / seed 42
 *                  lr 0.1      (this round's rate, after the job's schedule)
 *                  prox_mu 0   (FedProx: add mu/2 ||w - global||^2)
 *                  features f1,f2,...   labels a,b,...  (labels: may be empty)
 *                  mean m1,m2,...   scale s1,s2,...   (standardisation: the
 *                                   model sees (x - mean) / scale)
 *                  label_mean m  label_scale s   (regression only: the
 *                                   model's output predicts (y - m) / s,
 *                                   so train on that target)
 *   train.csv    the site's training rows (the same split the built-in
 *                trainer would use): header "f1,...,fd,label", raw feature
 *                values, label = class id 0..k-1 or the regression target.
 *   global.f64   the global model's nparams parameters, little-endian IEEE
 *                float64, no header, in fedc's layout (fl_model.h): for each
 *                layer in order, W (in x out, row-major) then the bias
 *                (out). linear/logistic/softmax have one layer d -> k.
 *
 * The program must write, before it exits with status 0:
 *   local.f64    the trained parameters, same layout and size as global.f64,
 *                all finite;
 *   result.txt   "samples N" (examples trained on: 1 <= N <= rows of
 *                train.csv; weights this site in FedAvg) and "loss L" (mean
 *                training loss, finite, >= 0), one per line.
 * Any other outcome (exit status != 0, a signal, running past the timeout
 * (it is killed with SIGKILL, with its process group), a missing or wrongly
 * sized file, a non-finite value) is an error whose message names what went
 * wrong and quotes the end of trainer.log. The folder is removed after a
 * successful round and kept after a failure, for the site to inspect.
 * The agent then builds the same masked TRAIN vector from local.f64 as it
 * does for the built-in trainer: secure aggregation is identical.
 */
#ifndef AGENT_EXTERNAL_H
#define AGENT_EXTERNAL_H

#include <stdint.h>
#include "fl_dataset.h"
#include "fl_jobspec.h"
#include "fl_model.h"

#define FL_EXTERNAL_FORMAT "fedc-external-1"
#define FL_EXTERNAL_DEFAULT_TIMEOUT_S 600u

typedef struct fl_external_cfg {
	const char *program;   /* path; borrowed */
	const char *workroot;  /* folder under which per-round folders are made */
	uint32_t timeout_s;    /* 0 = FL_EXTERNAL_DEFAULT_TIMEOUT_S */
} fl_external_cfg;

/*
 * Runs one external training step: writes the folder for (job_id, round)
 * from spec, global and train, runs the program and loads local.f64 into
 * local->w (local must be a copy of global: same kind and size). On success
 * *samples and *loss_mean are the program's figures. Errors, each with the
 * reason in errmsg: FL_E_IO (cannot write/read the folder or start the
 * program), FL_E_TIMEOUT, FL_E_EXTERNAL (bad exit or output), FL_E_NOMEM.
 */
int fl_external_train(const fl_external_cfg *cfg, const fl_jobspec *spec,
		      uint64_t job_id, uint32_t round, const fl_model *global,
		      const fl_dataset *train, fl_model *local, double *samples,
		      double *loss_mean, char *errmsg);

#endif
