/* SPDX-License-Identifier: Apache-2.0 */
/* coord_sa_close: when a phase of a secure-aggregation attempt closes:
 * every site still in it answered, its deadline, or [round] grace after
 * the answers reached what the attempt needs to finish plus [round] quorum.
 * Runs under the engine mutex, from coord_secagg_tick.
 *
 * The protocol minimum of a phase is the number of answers with which the
 * attempt can still finish if everyone who answered goes on answering:
 *   advertise, share, input: max(t, q) (the unmask request needs t
 *     survivors and the survivor list q signatures, which only survivors
 *     give), and no more drops than [secagg] dropout allows;
 *   consistency: every survivor (one unsigned survivor aborts the
 *     attempt, fl_secagg_server_close_consistency), so only "all" or the
 *     deadline close it;
 *   unmask: t, and then t shares of every secret that the lists call for.
 * A count is not enough with SecAgg+ (k < n - 1) or uneven policies, so
 * before it closes by grace the phase also checks the structure: the
 * server state (fl_secagg_server_can_close) and each answering site's R4
 * pairing need, max(t, T - 1 + c) neighbours, as its agent will check it.
 * Until the check passes the phase keeps waiting, at most to its deadline.
 * A masked upload in flight is never cut off by the grace, nor are the
 * uploads that the coordinator defers while COORD_MAX_UPLOADS are open (a
 * deferred agent retries within 250 ms): the grace closes INPUT only once
 * no upload has been open for COORD_SA_UPLOAD_QUIET_MS.
 *
 * [round] quorum defaults to 0 extra answers: the minimum above already
 * holds what the rest of the attempt needs, and with the default policy
 * (T = 3, c = 1) a 4 or 5 site round needs n - 1 answers, so any margin
 * would keep a single straggler costing the whole deadline there. A margin
 * buys room for a second drop in a later phase (which otherwise fails the
 * attempt and retries it without the silent sites).
 * Not checked here: R4 counts organisations, not sites; the coordinator
 * counts each site as its own organisation, so with several sites of one
 * organisation an agent may still refuse a survivor list that the grace
 * made short. */
#include <math.h>
#include <stdlib.h>

#include "coord_engine_int.h"
#include "fl_config.h"
#include "fl_err.h"
#include "fl_log.h"

#define COORD_SA_DEFAULT_DROPOUT 0.5
#define COORD_SA_UPLOAD_QUIET_MS 500

/* Whether slot s answered the current phase. */
static int coord_sa_answered(const coord_round_state *rs, const coord_slot *s)
{
	switch (rs->phase) {
	case FL_SA_ADVERTISE: return s->advertised;
	case FL_SA_SHARE: return s->shared;
	case FL_SA_INPUT: return s->uploaded;
	case FL_SA_CONSISTENCY: return s->signed_list;
	case FL_SA_UNMASK: return s->unmasked;
	case FL_SA_OFF: break;
	}
	return 0;
}

/* Whether every site still in the attempt answered the current phase. */
static int coord_sa_all_answered(const coord_round_state *rs)
{
	for (uint32_t i = 0; i < rs->nsel; i++)
		if (coord_secagg_slot_busy(rs, &rs->sel[i]) || (!rs->sel[i].out &&
		    rs->phase == FL_SA_INPUT && rs->sel[i].uploading))
			return 0;
	return 1;
}

/* The fewest answers to the current phase with which the attempt can still
 * finish (the protocol minimum, without [round] quorum). */
static uint32_t coord_sa_phase_quorum(const coord_job *j, const coord_round_state *rs)
{
	double f = j->spec.sa_dropout > 0 ? j->spec.sa_dropout : COORD_SA_DEFAULT_DROPOUT;
	uint32_t q = rs->sp.q > rs->sp.t ? rs->sp.q : rs->sp.t, alive = 0, keep;

	for (uint32_t i = 0; i < rs->nsel; i++)
		alive += !rs->sel[i].out;
	switch (rs->phase) {
	case FL_SA_ADVERTISE:
	case FL_SA_SHARE:
	case FL_SA_INPUT:
		/* coord_sa_too_many_out fails the attempt above f * nsel out */
		keep = rs->nsel - (uint32_t)floor(f * rs->nsel);
		return q > keep ? q : keep;
	case FL_SA_CONSISTENCY:
		return alive;
	case FL_SA_UNMASK:
		return rs->sp.t;
	case FL_SA_OFF:
		break;
	}
	return rs->nsel;
}

/* The R4 pairing need of slot s (fl_secagg_client_new): max(t, T - 1 + c)
 * peers when it shares and masks, T - 1 + c of them surviving. */
static uint32_t coord_sa_pair_need(const coord_round_state *rs, const coord_slot *s,
				   int survivors)
{
	uint32_t T = s->min_honest ? s->min_honest : FL_POLICY_DEFAULT_MIN_HONEST;
	uint32_t c = s->min_honest ? s->colluders : FL_POLICY_DEFAULT_COLLUDERS;
	uint32_t orgs = T - 1 + c;

	return survivors || orgs > rs->sp.t ? orgs : rs->sp.t;
}

/* After ADVERTISE: how many of u's graph neighbours have keys (cnt[u]). */
static int coord_sa_adv_pairs(const coord_round_state *rs, const uint8_t *among,
			      uint32_t *cnt)
{
	fl_secagg_graph *g = NULL;
	uint32_t *nb = NULL;
	int r;

	if ((r = fl_secagg_graph_new(rs->sp.n, rs->sp.k, rs->sp.round_seed, &g)) != 0)
		return r;
	if (!(nb = malloc((size_t)rs->sp.k * sizeof(*nb)))) {
		fl_secagg_graph_free(g);
		return FL_E_NOMEM;
	}
	for (uint32_t u = 1; u <= rs->nsel; u++) {
		uint32_t k = fl_secagg_graph_neighbours(g, u, nb);

		cnt[u] = 0;
		for (uint32_t i = 0; i < k; i++)
			cnt[u] += among[nb[i]];
	}
	free(nb);
	fl_secagg_graph_free(g);
	return 0;
}

/* Every answering site would still have the neighbours that its agent
 * demands (R4) in the next phase: after ADVERTISE the neighbours with keys,
 * later those that exchanged shares with it (and uploaded, after INPUT). */
static int coord_sa_pairs_ok(const coord_round_state *rs)
{
	uint8_t *among = NULL;
	uint32_t *cnt = NULL;
	int ok = 0;

	if (rs->phase != FL_SA_ADVERTISE && rs->phase != FL_SA_SHARE &&
	    rs->phase != FL_SA_INPUT)
		return 1;
	if (!(among = calloc((size_t)rs->nsel + 1, 1)) ||
	    !(cnt = calloc((size_t)rs->nsel + 1, sizeof(*cnt))))
		goto out;
	for (uint32_t v = 1; v <= rs->nsel; v++)
		among[v] = !rs->sel[v - 1].out && coord_sa_answered(rs, &rs->sel[v - 1]);
	if ((rs->phase == FL_SA_ADVERTISE ? coord_sa_adv_pairs(rs, among, cnt) :
	     fl_secagg_server_pairs(rs->sa, among, cnt)) != 0)
		goto out;
	for (uint32_t u = 1; u <= rs->nsel; u++)
		if (among[u] && cnt[u] < coord_sa_pair_need(rs, &rs->sel[u - 1],
							     rs->phase == FL_SA_INPUT))
			goto out;
	ok = 1;
out:
	free(among);
	free(cnt);
	return ok;
}

/* INPUT: 1 if an upload is open or was open less than
 * COORD_SA_UPLOAD_QUIET_MS ago (the grace never cuts one off), 0 if none,
 * -1 if one broke off part way (its words cannot be taken out of the sum:
 * the attempt fails however long it waits). */
static int coord_sa_uploads(coord_round_state *rs, int64_t now_ms)
{
	int broken = 0, open = 0;

	if (rs->phase != FL_SA_INPUT)
		return 0;
	for (uint32_t i = 0; i < rs->nsel; i++) {
		const coord_slot *s = &rs->sel[i];

		open |= !s->out && s->uploading;
		broken |= !s->out && !s->uploaded && !s->uploading && s->offset != 0;
	}
	if (open) {
		rs->upload_seen_ms = now_ms;
		return 1;
	}
	if (rs->upload_seen_ms != 0 &&
	    now_ms - rs->upload_seen_ms < COORD_SA_UPLOAD_QUIET_MS)
		return 1;
	return broken ? -1 : 0;
}

enum fl_phase_close coord_sa_close_rule(const coord_job *j, coord_round_state *rs,
					int64_t now_ms)
{
	uint32_t answered = 0, need, alive = 0;
	int up;

	if (coord_sa_all_answered(rs))
		return FL_CLOSE_ALL;
	if (now_ms >= rs->phase_deadline_ms)
		return FL_CLOSE_DEADLINE;
	up = coord_sa_uploads(rs, now_ms);   /* every tick: notes open uploads */
	for (uint32_t i = 0; i < rs->nsel; i++) {
		alive += !rs->sel[i].out;
		answered += !rs->sel[i].out && coord_sa_answered(rs, &rs->sel[i]);
	}
	need = coord_sa_phase_quorum(j, rs) + j->spec.quorum_margin;
	if (answered < need || answered >= alive)
		return FL_CLOSE_NONE;
	/* Answers only grow within a phase: the grace runs from the first
	 * tick that saw enough of them. */
	if (rs->grace_phase != (uint8_t)rs->phase) {
		rs->grace_phase = (uint8_t)rs->phase;
		rs->grace_from_ms = now_ms;
		rs->grace_checked = 0;
	}
	if (now_ms - rs->grace_from_ms < (int64_t)j->spec.grace_s * 1000)
		return FL_CLOSE_NONE;
	if (up > 0)
		return FL_CLOSE_NONE;
	if (up == 0) {
		/* the structure is checked once per new answer (O(n k) each) */
		if (rs->grace_checked == answered + 1)
			return FL_CLOSE_NONE;
		if (!fl_secagg_server_can_close(rs->sa) || !coord_sa_pairs_ok(rs)) {
			rs->grace_checked = answered + 1;
			return FL_CLOSE_NONE;
		}
	}
	fl_info("job %llu round %u attempt %u: %s phase closed by grace: %u of %u "
		"sites answered (the attempt needs %u, quorum margin %u), %.1f s "
		"after enough answers", (unsigned long long)j->id, rs->round,
		rs->attempt, fl_sa_phase_name(rs->phase), answered, alive,
		need - j->spec.quorum_margin, j->spec.quorum_margin,
		(double)(now_ms - rs->grace_from_ms) / 1000.0);
	return FL_CLOSE_GRACE;
}
