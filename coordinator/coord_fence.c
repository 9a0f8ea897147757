/* SPDX-License-Identifier: Apache-2.0 */
/* coord_fence: the pinger and the stall watchdog (coord_fence.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "coord_fence.h"
#include "fl_err.h"
#include "fl_log.h"

#define COORD_FENCE_CHECK_MS 100

struct coord_fence {
	coord_store *st;
	int64_t stall_ms;
	void (*fence)(void *arg);
	void *arg;
	atomic_int stop;
	pthread_t ping_th, dog_th;
	int ping_on, dog_on;
};

static void fence_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A lost session is found by the next statement: keep one going. */
static void *fence_ping_thread(void *arg)
{
	coord_fence *f = arg;

	while (!atomic_load(&f->stop)) {
		coord_store_ping(f->st);
		fence_sleep_ms(COORD_FENCE_PING_MS);
	}
	return NULL;
}

/* Never takes the store's mutex: the call that stalls holds it. */
static void *fence_dog_thread(void *arg)
{
	coord_fence *f = arg;
	int64_t ms;

	while (!atomic_load(&f->stop)) {
		if ((ms = coord_store_stalled_ms(f->st)) >= f->stall_ms) {
			fl_error("the database has not answered for %lld ms (the "
				 "fencing time is %lld ms)", (long long)ms,
				 (long long)f->stall_ms);
			f->fence(f->arg);
		}
		fence_sleep_ms(COORD_FENCE_CHECK_MS);
	}
	return NULL;
}

int coord_fence_start(coord_store *st, int64_t stall_ms, void (*fence)(void *arg),
		      void *arg, coord_fence **out)
{
	coord_fence *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return FL_E_NOMEM;
	f->st = st;
	f->stall_ms = stall_ms;
	f->fence = fence;
	f->arg = arg;
	atomic_init(&f->stop, 0);
	coord_store_set_fence(st, fence, arg);
	if (pthread_create(&f->dog_th, NULL, fence_dog_thread, f) != 0)
		goto fail;
	f->dog_on = 1;
	if (pthread_create(&f->ping_th, NULL, fence_ping_thread, f) != 0)
		goto fail;
	f->ping_on = 1;
	*out = f;
	return 0;
fail:
	coord_fence_stop(f);
	return FL_E_NOMEM;
}

void coord_fence_stop(coord_fence *f)
{
	if (f == NULL)
		return;
	atomic_store(&f->stop, 1);
	if (f->ping_on)
		pthread_join(f->ping_th, NULL);
	if (f->dog_on)
		pthread_join(f->dog_th, NULL);
	free(f);
}
