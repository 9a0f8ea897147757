/* SPDX-License-Identifier: Apache-2.0 */
/* agent_backoff: exponential reconnect delays with jitter, and the done set. */
#include <string.h>

#include "fl_agent.h"

void fl_agent_backoff_init(fl_agent_backoff *b, uint64_t seed)
{
	memset(b, 0, sizeof(*b));
	b->base_ms = FL_AGENT_BACKOFF_MIN_MS;
	fl_rng_seed(&b->rng, seed);
}

uint32_t fl_agent_backoff_fail(fl_agent_backoff *b)
{
	/* Jitter of +-20% keeps a fleet of agents from reconnecting in step. */
	double f = 0.8 + 0.4 * fl_rng_uniform(&b->rng);
	double d = (double)b->base_ms * f;

	if (d > FL_AGENT_BACKOFF_MAX_MS)
		d = FL_AGENT_BACKOFF_MAX_MS;
	b->failures++;
	b->base_ms = b->base_ms >= FL_AGENT_BACKOFF_MAX_MS / 2 ?
		FL_AGENT_BACKOFF_MAX_MS : b->base_ms * 2;
	return (uint32_t)d;
}

uint32_t fl_agent_backoff_ok(fl_agent_backoff *b)
{
	uint32_t n = b->failures;

	b->failures = 0;
	b->base_ms = FL_AGENT_BACKOFF_MIN_MS;
	return n;
}

void fl_agent_done_init(fl_agent_done *d)
{
	memset(d, 0, sizeof(*d));
}

bool fl_agent_done_has(const fl_agent_done *d, uint64_t job, uint32_t round,
		       uint32_t attempt)
{
	size_t i;

	for (i = 0; i < FL_AGENT_DONE_SLOTS; i++)
		if (d->s[i].used && d->s[i].job == job && d->s[i].round == round &&
		    d->s[i].attempt == attempt)
			return true;
	return false;
}

void fl_agent_done_add(fl_agent_done *d, uint64_t job, uint32_t round,
		       uint32_t attempt)
{
	if (fl_agent_done_has(d, job, round, attempt))
		return;
	d->s[d->next].job = job;
	d->s[d->next].round = round;
	d->s[d->next].attempt = attempt;
	d->s[d->next].used = true;
	d->next = (d->next + 1) % FL_AGENT_DONE_SLOTS;
}
