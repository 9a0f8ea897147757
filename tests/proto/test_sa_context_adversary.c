/* SPDX-License-Identifier: Apache-2.0 */
/* test_sa_context: the round-context digest (SECAGG.md R2) changes with
 * every parameter that shapes a site's input, so a coordinator that gives
 * sites different tasks (per-site weight_scale, model, spec, names, ...)
 * makes them sign different digests and refuse each other's keys. */
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_sa_context.h"
#include "fl_test.h"

static const char *const names4[4] = { "site-a", "site-b", "site-c", "site-d" };

static fl_msg_task base(void)
{
	fl_msg_task t;

	memset(&t, 0, sizeof(t));
	t.job_id = 9;
	t.round = 3;
	t.attempt = 1;
	t.kind = FL_TASK_TRAIN;
	t.spec = "[job]\nname = x\n";
	t.phase = FL_SA_ADVERTISE;
	t.sa.client_id = 2;
	t.sa.n = 4;
	t.sa.t = 3;
	t.sa.k = 3;
	t.sa.q = 3;
	t.sa.words = 100;
	t.sa.consistency = true;
	t.sa.clip = 1.0;
	t.sa.bits = 20;
	t.sa.nreal = 90;
	t.sa.weight_scale = 1000.0;
	t.sa.has_model = true;
	memset(t.sa.model_sha256, 0x5a, sizeof(t.sa.model_sha256));
	t.sa.names = (char **)names4;
	return t;
}

/* digest of base() after mutate(t) */
static void differs(const char *what, void (*mutate)(fl_msg_task *))
{
	uint8_t a[32], b[32];
	fl_msg_task t = base(), u = base();

	mutate(&u);
	FL_CHECK_EQ_INT(fl_sa_context_digest(&t, a), 0);
	FL_CHECK_EQ_INT(fl_sa_context_digest(&u, b), 0);
	if (memcmp(a, b, 32) == 0)
		fprintf(stderr, "the context digest ignores %s\n", what);
	FL_CHECK(memcmp(a, b, 32) != 0);
}

static void m_scale(fl_msg_task *t) { t->sa.weight_scale = 1e300; }
static void m_clip(fl_msg_task *t) { t->sa.clip = 2.0; }
static void m_bits(fl_msg_task *t) { t->sa.bits = 21; }
static void m_nreal(fl_msg_task *t) { t->sa.nreal = 89; }
static void m_t(fl_msg_task *t) { t->sa.t = 2; }
static void m_q(fl_msg_task *t) { t->sa.q = 2; }
static void m_k(fl_msg_task *t) { t->sa.k = 2; }
static void m_seed(fl_msg_task *t) { t->sa.round_seed[5] ^= 1; }
static void m_model(fl_msg_task *t) { t->sa.model_sha256[31] ^= 1; }
static void m_nomodel(fl_msg_task *t) { t->sa.has_model = false; }
static void m_spec(fl_msg_task *t) { t->spec = "[job]\nname = y\n"; }
static void m_attempt(fl_msg_task *t) { t->attempt = 2; }
static void m_kind(fl_msg_task *t) { t->kind = FL_TASK_EVAL; }
static void m_consistency(fl_msg_task *t) { t->sa.consistency = false; }
/* [privacy]: the DP parameters ride in the spec text, which is hashed */
#define DP_SPEC "[job]\nname = x\n[privacy]\nl2_clip = 1\nepsilon = "
static void m_dp_on(fl_msg_task *t) { t->spec = DP_SPEC "4\n"; }
static void m_dp_eps(fl_msg_task *t) { t->spec = DP_SPEC "4.5\n"; }
static void m_names(fl_msg_task *t)
{
	static const char *const swapped[4] = { "site-b", "site-a", "site-c", "site-d" };

	t->sa.names = (char **)swapped;
}

int main(void)
{
	uint8_t a[32], b[32];
	fl_msg_task t = base(), u = base();

	if (sodium_init() < 0)
		return 1;
	differs("weight_scale", m_scale);
	differs("clip", m_clip);
	differs("bits", m_bits);
	differs("nreal", m_nreal);
	differs("t", m_t);
	differs("q", m_q);
	differs("k", m_k);
	differs("the round seed", m_seed);
	differs("the model digest", m_model);
	differs("whether there is a model", m_nomodel);
	differs("the spec", m_spec);
	differs("the attempt", m_attempt);
	differs("the task kind", m_kind);
	differs("consistency", m_consistency);
	differs("the order of the names", m_names);
	differs("a [privacy] section", m_dp_on);
	{
		/* and a change of epsilon within it */
		uint8_t x[32], y[32];
		fl_msg_task v = base(), w = base();

		m_dp_on(&v);
		m_dp_eps(&w);
		FL_CHECK_EQ_INT(fl_sa_context_digest(&v, x), 0);
		FL_CHECK_EQ_INT(fl_sa_context_digest(&w, y), 0);
		FL_CHECK(memcmp(x, y, 32) != 0);
	}
	/* each site's own id, the deadline and the poll interval are not part
	 * of the shared context */
	u.sa.client_id = 3;
	u.deadline_ms = 777;
	u.poll_ms = 5;
	FL_CHECK_EQ_INT(fl_sa_context_digest(&t, a), 0);
	FL_CHECK_EQ_INT(fl_sa_context_digest(&u, b), 0);
	FL_CHECK(memcmp(a, b, 32) == 0);
	/* no names, no phase: no context */
	u.sa.names = NULL;
	FL_CHECK_EQ_INT(fl_sa_context_digest(&u, b), FL_E_INVAL);
	t.phase = FL_SA_OFF;
	FL_CHECK_EQ_INT(fl_sa_context_digest(&t, b), FL_E_INVAL);
	return FL_TEST_DONE();
}
