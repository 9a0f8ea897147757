/* SPDX-License-Identifier: Apache-2.0 */
/* agent_record_bg: the contribution record, written by a thread while the
 * agent goes on with the round (it is written after the upload, as before;
 * nothing the coordinator sees waits for it). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "agent_int.h"
#include "fl_err.h"
#include "fl_log.h"

/* Writes the record, then wipes and frees its vector. */
static void bg_write(agent_record_bg *b)
{
	b->r = fl_agent_record_write(b->state_dir, &b->rec, b->msg);
	if (b->rec.vec) {
		sodium_memzero(b->rec.vec, b->rec.n * sizeof(*b->rec.vec));
		free(b->rec.vec);
	}
	b->rec.vec = NULL;
}

static void *bg_main(void *arg)
{
	bg_write(arg);
	return NULL;
}

/* The outcome of the last write, logged from the agent's own thread. */
static void bg_report(agent_record_bg *b)
{
	if (b->r != 0)
		fl_warn("job %llu round %u: cannot keep the local record of this "
			"contribution: %s", (unsigned long long)b->rec.job_id,
			b->rec.round, b->msg[0] ? b->msg : fl_strerror(b->r));
	b->r = 0;
	b->msg[0] = '\0';
}

void agent_record_bg_wait(fl_agent *a)
{
	agent_record_bg *b = &a->recbg;

	if (!b->busy)
		return;
	pthread_join(b->th, NULL);
	b->busy = false;
	bg_report(b);
}

void agent_record_bg_start(fl_agent *a, const fl_agent_record *rec)
{
	agent_record_bg *b = &a->recbg;

	agent_record_bg_wait(a);
	b->rec = *rec;
	b->r = 0;
	b->msg[0] = '\0';
	snprintf(b->state_dir, sizeof(b->state_dir), "%s", a->cfg.state_dir);
	if (pthread_create(&b->th, NULL, bg_main, b) == 0) {
		b->busy = true;
		return;
	}
	/* no thread: write it here and now */
	bg_write(b);
	bg_report(b);
}
