/* SPDX-License-Identifier: Apache-2.0 */
/* agent_sa_encode: a task's float64 vector -> the words secure aggregation masks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_err.h"
#include "fl_upvec.h"
#include "fl_wipe.h"

int fl_agent_sa_encode(const fl_msg_sa_params *sa, const double *vec, size_t n,
		       uint32_t **out, char *errmsg)
{
	fl_upvec_layout lay;
	double *scaled = NULL;
	uint32_t *w = NULL;
	size_t m, i, bad = 0;
	int r;

	if (!sa || !vec || !out || n == 0)
		return FL_E_INVAL;
	if (sa->nreal > n) {
		fl_errmsg_set(errmsg, "the task quantises %llu values but the vector "
			      "has only %zu", (unsigned long long)sa->nreal, n);
		return FL_E_INVAL;
	}
	if (sa->n == 0 || sa->n > FL_UPVEC_MAX_CLIENTS) {
		fl_errmsg_set(errmsg, "the task has %u sites (1..%u)", sa->n,
			      FL_UPVEC_MAX_CLIENTS);
		return FL_E_INVAL;
	}
	if (!(sa->weight_scale > 0.0) || !isfinite(sa->weight_scale)) {
		fl_errmsg_set(errmsg, "the task's weight scale %g is not positive",
			      sa->weight_scale);
		return FL_E_INVAL;
	}
	memset(&lay, 0, sizeof(lay));
	lay.nreal = (size_t)sa->nreal;
	lay.nwide = n - lay.nreal;
	lay.q.clip = sa->clip;
	lay.q.bits = sa->bits;
	m = fl_upvec_words(&lay);
	if (m != sa->words) {
		fl_errmsg_set(errmsg, "the task expects %llu masked words but this "
			      "site's vector of %zu values (%llu quantised) makes %zu",
			      (unsigned long long)sa->words, n,
			      (unsigned long long)sa->nreal, m);
		return FL_E_INVAL;
	}
	if ((r = fl_upvec_check(&lay, 1)) != 0) {
		fl_errmsg_set(errmsg, "bad quantisation parameters (clip %g, bits %u)",
			      sa->clip, sa->bits);
		return r;
	}
	scaled = malloc(n * sizeof(*scaled));
	w = malloc(m * sizeof(*w));
	if (!scaled || !w) {
		r = FL_E_NOMEM;
		goto out;
	}
	memcpy(scaled, vec, n * sizeof(*scaled));
	for (i = 0; i < lay.nreal; i++)
		scaled[i] /= sa->weight_scale;
	/* R8: bounded so that the sum over sa->n sites cannot wrap. */
	if ((r = fl_upvec_encode_bounded(&lay, sa->n, scaled, w, &bad)) != 0) {
		if (r == FL_E_WRAP)
			fl_errmsg_set(errmsg, "R8: value %zu of the vector (%.2g) is "
				      "above the bound %.2g for %u sites; not encoding "
				      "it, as the sum would wrap", lay.nreal + bad + 1,
				      scaled[lay.nreal + bad],
				      fl_upvec_wide_bound(sa->n), sa->n);
		else
			fl_errmsg_set(errmsg, "the vector cannot be encoded (a value "
				      "is not finite): %s", fl_strerror(r));
		goto out;
	}
	*out = w;
	w = NULL;
out:
	/* The plain values are the site's contribution: do not leave copies. */
	fl_wipe_free(scaled, n * sizeof(*scaled));
	fl_wipe_free(w, m * sizeof(*w));
	return r;
}
