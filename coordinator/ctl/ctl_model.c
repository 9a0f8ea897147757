/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_model: fedctl model get, save a job's global model (native, JSON or
 * ONNX). */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_job.h"
#include "fl_err.h"
#include "fl_model.h"
#include "fl_onnx.h"

static int write_out(ctl_ctx *c, const char *path, const void *buf, size_t len)
{
	int r;

	if (!path) {
		fwrite(buf, 1, len, c->out);
		return 0;
	}
	if ((r = fl_file_write(path, buf, len, 0644)) != 0) {
		fprintf(c->err, "fedctl: model get: cannot write %s: %s\n", path,
			fl_strerror(r));
		return CTL_EXIT_OTHER;
	}
	return 0;
}

static int model_get(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *version = NULL, *out = NULL, *format = "native";
	const ctl_opt opts[] = {
		{ "--version", NULL, &version, NULL },
		{ "--output", "-o", &out, NULL },
		{ "--format", NULL, &format, NULL },
	};
	uint8_t *buf = NULL, *onnx = NULL;
	char *json = NULL;
	fl_model *m = NULL;
	uint64_t id, ver = 0;
	size_t len = 0, onnx_len = 0;
	bool as_json, as_onnx;
	int r, rc;

	if ((rc = ctl_job_args(c, "model", self, argc, argv, opts, 3, &id)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	if (version && ctl_parse_u64(version, 0, UINT32_MAX, &ver) != 0) {
		fprintf(c->err, "fedctl: model get: bad --version '%s'\n", version);
		return CTL_EXIT_USAGE;
	}
	as_json = strcmp(format, "json") == 0;
	as_onnx = strcmp(format, "onnx") == 0;
	if (!as_json && !as_onnx && strcmp(format, "native") != 0) {
		fprintf(c->err, "fedctl: model get: --format is native, json or onnx, "
			"not '%s'\n", format);
		return CTL_EXIT_USAGE;
	}
	if (!as_json && !out) {
		fprintf(c->err, "fedctl: model get: the %s format is binary; give "
			"-o FILE (or --format json to print a summary)\n", format);
		return CTL_EXIT_USAGE;
	}
	if ((rc = ctl_fetch_model(c, id, (uint32_t)ver, version == NULL, &buf, &len)) != 0)
		return rc;
	/* Decode either way, so a damaged download is never saved silently. */
	if ((r = fl_model_decode(buf, len, &m)) != 0) {
		fprintf(c->err, "fedctl: model get: the coordinator sent a model that "
			"does not decode: %s\n", fl_strerror(r));
		rc = CTL_EXIT_OTHER;
		goto out;
	}
	if (as_json) {
		if ((r = fl_model_to_json(m, &json)) != 0) {
			fprintf(c->err, "fedctl: model get: %s\n", fl_strerror(r));
			rc = CTL_EXIT_OTHER;
			goto out;
		}
		rc = write_out(c, out, json, strlen(json));
		if (rc == 0 && !out && (!json[0] || json[strlen(json) - 1] != '\n'))
			fputc('\n', c->out);
	} else if (as_onnx) {
		if ((r = fl_onnx_export(m, &onnx, &onnx_len)) != 0) {
			fprintf(c->err, "fedctl: model get: cannot export the model as "
				"ONNX: %s\n", fl_strerror(r));
			rc = CTL_EXIT_OTHER;
			goto out;
		}
		rc = write_out(c, out, onnx, onnx_len);
	} else {
		rc = write_out(c, out, buf, len);
	}
	if (rc == 0 && out && !c->json)
		fprintf(c->out, "saved job %llu model version %u (%s, %u features, %zu "
			"parameters) %sto %s\n", (unsigned long long)id, m->version,
			fl_model_kind_name(m->kind), m->d, m->nparams,
			as_onnx ? "as ONNX " : "", out);
	else if (rc == 0 && out)
		fprintf(c->out, "{\"job_id\":%llu,\"version\":%u,\"file\":\"%s\","
			"\"format\":\"%s\",\"bytes\":%zu}\n", (unsigned long long)id,
			m->version, out, format,
			as_json ? strlen(json) : as_onnx ? onnx_len : len);
out:
	fl_model_free(m);
	free(json);
	free(onnx);
	free(buf);
	return rc;
}

const ctl_cmd ctl_model_cmds[] = {
	{ "get", model_get, "ID [--version N] -o FILE [--format native|json|onnx]",
	  "Download the job's global model (the latest, or version N = after "
	  "round N). native is the file fedc-train --eval reads; json is a "
	  "readable summary (printed if -o is not given); onnx is an ONNX graph "
	  "(IR 8, opset 13) that takes raw feature values: input \"input\" "
	  "float32 [N, features], output \"output\" (value, P(class 1) or class "
	  "probabilities)." },
	{ "list", ctl_model_list, "ID [--no-digest]",
	  "List the job's model versions (0 from the statistics round, N after "
	  "training round N) with when each was made, its size and SHA-256 "
	  "(the digest the round ledger records; --no-digest skips the "
	  "downloads)." },
};
const size_t ctl_model_ncmds = sizeof(ctl_model_cmds) / sizeof(ctl_model_cmds[0]);
