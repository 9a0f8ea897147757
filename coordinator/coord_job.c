/* SPDX-License-Identifier: Apache-2.0 */
/* coord_job: small pure helpers on the engine's jobs and sites that every
 * layer uses (engine, round, secure aggregation, declines, handlers): the
 * task kind of a round and its name, the slot of a site in the attempt
 * under way, whether a slot still owes an answer in the current phase, and
 * a site of the registry by name. A leaf: it calls nothing of the
 * coordinator. */
#include <string.h>

#include "coord_engine_int.h"

enum fl_task_kind coord_round_kind(const coord_job *j, uint32_t round)
{
	if (round == 0)
		return FL_TASK_STATS;
	return round <= j->spec.rounds ? FL_TASK_TRAIN : FL_TASK_EVAL;
}

const char *coord_task_kind_name(enum fl_task_kind k)
{
	switch (k) {
	case FL_TASK_NONE: return "none";
	case FL_TASK_STATS: return "stats";
	case FL_TASK_TRAIN: return "train";
	case FL_TASK_EVAL: return "eval";
	}
	return "unknown";
}

coord_slot *coord_round_slot(coord_job *j, const char *site)
{
	uint32_t i;

	if (!j->rs.active)
		return NULL;
	for (i = 0; i < j->rs.nsel; i++)
		if (strcmp(j->rs.sel[i].name, site) == 0)
			return &j->rs.sel[i];
	return NULL;
}

int coord_secagg_slot_busy(const coord_round_state *rs, const coord_slot *s)
{
	if (s->out)
		return 0;
	switch (rs->phase) {
	case FL_SA_ADVERTISE: return !s->advertised;
	case FL_SA_SHARE: return s->advertised && !s->shared;
	case FL_SA_INPUT: return s->shared && !s->uploaded && !s->uploading;
	case FL_SA_CONSISTENCY: return s->survivor && !s->signed_list;
	case FL_SA_UNMASK: return s->survivor && !s->unmasked;
	case FL_SA_OFF: break;
	}
	return 0;
}

coord_site *coord_engine_site_find(coord_engine *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->nsites; i++)
		if (strcmp(e->sites[i].name, name) == 0)
			return &e->sites[i];
	return NULL;
}
