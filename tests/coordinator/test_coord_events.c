/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_events: the events table (add, list after an id, job state
 * changes, the coord_event sink), the audit list and a site's record. */
#include <math.h>
#include <string.h>

#include "coord_events.h"
#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_err.h"
#include "fl_test.h"

static uint64_t add_job(coord_store *st)
{
	fl_msg_job_info info;
	uint64_t id = 0;

	memset(&info, 0, sizeof(info));
	snprintf(info.name, sizeof(info.name), "job-e");
	snprintf(info.dataset, sizeof(info.dataset), "d");
	snprintf(info.model, sizeof(info.model), "logistic");
	info.rounds_total = 2;
	FL_CHECK_EQ_INT(coord_store_job_insert(st, &info, "[job]\n", 100, &id), 0);
	return id;
}

static void test_events(coord_store *st, uint64_t id)
{
	fl_msg_event_list l;
	char big[2000];

	memset(&l, 0, sizeof(l));
	FL_CHECK_EQ_INT(coord_events_add(st, id, 1, 1, COORD_EV_ROUND_STARTED, NULL,
					 "%u sites", 3u), 0);
	FL_CHECK_EQ_INT(coord_events_add(st, id, 1, 1, COORD_EV_SITE_DROPPED, "site2",
					 "missed the %s phase", "input"), 0);
	FL_CHECK_EQ_INT(coord_events_add(st, id + 1, 1, 1, COORD_EV_ROUND_STARTED, NULL,
					 "other job"), 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	FL_CHECK_EQ_INT(coord_events_add(st, id, 1, 2, COORD_EV_ATTEMPT_FAILED, NULL,
					 "%s", big), 0);
	FL_CHECK_EQ_INT(coord_store_job_set_state(st, id, "failed", "round 1 failed", 200), 0);
	/* No sink: coord_event writes nothing; with one it writes. */
	coord_events_sink(NULL);
	coord_event(id, 9, 9, COORD_EV_PHASE_CLOSED, NULL, "not written");
	coord_events_sink(st);
	coord_event(id, 2, 1, COORD_EV_PHASE_CLOSED, NULL, "%s -> %s", "share", "input");
	/* queued behind the engine's event, so it keeps its place */
	FL_CHECK_EQ_INT(coord_events_add(st, id, 2, 1, COORD_EV_MODEL_COMMITTED, NULL,
					 "model v2"), 0);
	coord_events_sink(NULL);   /* writes what is queued */
	FL_CHECK_EQ_INT(coord_events_list(st, id, 0, &l), 0);
	FL_CHECK_EQ_INT(l.n, 6);
	if (l.n == 6) {
		FL_CHECK(strcmp(l.events[0].kind, "round_started") == 0);
		FL_CHECK(strcmp(l.events[0].text, "3 sites") == 0);
		FL_CHECK(strcmp(l.events[1].site, "site2") == 0);
		FL_CHECK(strcmp(l.events[1].text, "missed the input phase") == 0);
		FL_CHECK_EQ_INT(l.events[2].attempt, 2);
		FL_CHECK_EQ_INT(strlen(l.events[2].text), FL_EVENT_TEXT_BYTES - 1);
		FL_CHECK(strcmp(l.events[3].kind, "job_state") == 0);
		FL_CHECK(strcmp(l.events[3].text, "failed: round 1 failed") == 0);
		FL_CHECK(strcmp(l.events[4].text, "share -> input") == 0);
		FL_CHECK(strcmp(l.events[5].text, "model v2") == 0);
		FL_CHECK(l.events[0].id < l.events[1].id && l.events[0].ts_ms > 0);
		/* after_id: only the later ones */
		uint64_t after = l.events[2].id;

		fl_msg_event_list_clear(&l);
		FL_CHECK_EQ_INT(coord_events_list(st, id, after, &l), 0);
		FL_CHECK_EQ_INT(l.n, 3);
	}
	fl_msg_event_list_clear(&l);
	FL_CHECK_EQ_INT(coord_events_list(st, 999, 0, &l), 0);
	FL_CHECK_EQ_INT(l.n, 0);
	fl_msg_event_list_clear(&l);
	FL_CHECK_EQ_INT(coord_events_add(NULL, id, 0, 0, "x", NULL, "y"), FL_E_INVAL);
}

static void test_audit(coord_store *st)
{
	fl_msg_audit_list l = { NULL, 0 };

	FL_CHECK_EQ_INT(coord_store_audit(st, "admin", "add site", "site site1", 5), 0);
	FL_CHECK_EQ_INT(coord_store_audit(st, "admin", "submit job", "job 1", 6), 0);
	FL_CHECK_EQ_INT(coord_store_audit_list(st, 0, &l), 0);
	FL_CHECK_EQ_INT(l.n, 2);
	if (l.n == 2) {
		FL_CHECK(strcmp(l.entries[1].action, "submit job") == 0);
		FL_CHECK(strcmp(l.entries[0].who, "admin") == 0 && l.entries[0].ts_ms == 5);
		uint64_t after = l.entries[0].id;

		fl_msg_audit_list_clear(&l);
		FL_CHECK_EQ_INT(coord_store_audit_list(st, after, &l), 0);
		FL_CHECK_EQ_INT(l.n, 1);
	}
	fl_msg_audit_list_clear(&l);
}

/* Rounds taken part in: finished rounds whose survivors name the site
 * exactly ("site1" is not "site10"). */
static void test_site(coord_store *st, uint64_t id)
{
	static char parts[2][FL_NAME_BYTES] = { "site10", "site2" };
	fl_msg_round_info r;
	fl_msg_site_detail d;

	memset(&d, 0, sizeof(d));
	FL_CHECK_EQ_INT(coord_store_site_add(st, "site1", "site", 10), 0);
	FL_CHECK_EQ_INT(coord_store_site_add(st, "site2", "site", 10), 0);
	FL_CHECK_EQ_INT(coord_store_cert_seen(st, "site2", "ab", "0c", 9000, 20), 0);
	memset(&r, 0, sizeof(r));
	snprintf(r.kind, sizeof(r.kind), "train");
	r.train_loss = NAN;
	r.nparticipants = 2;
	r.participants = parts;
	for (uint32_t k = 1; k <= 3; k++) {
		r.round = k;
		r.attempt = 1;
		snprintf(r.state, sizeof(r.state), "%s", k == 3 ? "failed" : "done");
		FL_CHECK_EQ_INT(coord_store_round_put(st, id, &r), 0);
	}
	FL_CHECK_EQ_INT(coord_store_site_detail(st, "site2", &d), 0);
	FL_CHECK_EQ_INT(d.rounds, 2);
	FL_CHECK(d.njobs == 1 && d.jobs && d.jobs[0] == id);
	FL_CHECK(d.ncerts == 1 && d.certs && strcmp(d.certs[0].serial, "0c") == 0);
	FL_CHECK(strcmp(d.site.name, "site2") == 0);
	fl_msg_site_detail_clear(&d);
	FL_CHECK_EQ_INT(coord_store_site_detail(st, "site1", &d), 0);
	FL_CHECK_EQ_INT(d.rounds, 0);
	FL_CHECK_EQ_INT(d.njobs, 0);
	fl_msg_site_detail_clear(&d);
	FL_CHECK_EQ_INT(coord_store_site_detail(st, "nosuch", &d), FL_E_NOTFOUND);
}

int main(void)
{
	char dir[64], path[128], errmsg[FL_ERRMSG_BYTES] = "";
	coord_store *st = NULL;
	uint64_t id;

	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0)
		return 1;
	FL_CHECK_EQ_INT(coord_store_open(path, &st, errmsg), 0);
	if (st) {
		id = add_job(st);
		test_events(st, id);
		test_audit(st);
		test_site(st, id);
		coord_store_close(st);
	}
	coord_test_db_remove(dir, path);
	return FL_TEST_DONE();
}
