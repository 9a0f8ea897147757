/* SPDX-License-Identifier: Apache-2.0 */
/* coord_blob: an encoded model shared by reference (the job's current
 * model, and each download streaming it); a leaf under the engine and the
 * round. */
#include <pthread.h>
#include <stdlib.h>

#include "coord_engine.h"
#include "coord_engine_int.h"
#include "fl_err.h"

static pthread_mutex_t coord_blob_mu = PTHREAD_MUTEX_INITIALIZER;

int coord_blob_new(const fl_model *m, coord_blob **out)
{
	coord_blob *b;
	int r;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return FL_E_NOMEM;
	if ((r = fl_model_encode(m, &b->data, &b->len)) != 0) {
		free(b);
		return r;
	}
	b->version = m->version;
	b->refs = 1;
	*out = b;
	return 0;
}

coord_blob *coord_blob_retain(coord_blob *b)
{
	pthread_mutex_lock(&coord_blob_mu);
	b->refs++;
	pthread_mutex_unlock(&coord_blob_mu);
	return b;
}

void coord_blob_release(coord_blob *b)
{
	int last;

	if (b == NULL)
		return;
	pthread_mutex_lock(&coord_blob_mu);
	last = --b->refs == 0;
	pthread_mutex_unlock(&coord_blob_mu);
	if (last) {
		free(b->data);
		free(b);
	}
}
