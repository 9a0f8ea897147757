/* SPDX-License-Identifier: Apache-2.0 */
/* test_agent_inputs_adversary: R6, one sum per input. A coordinator that
 * reruns an input with the survivors minus one site (across attempts,
 * restarts and job ids), replays an attempt, runs attempts side by side
 * or too often, or asks for a second survivor list, is refused. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "agent_int.h"
#include "agent_test_spec.h"
#include "fl_err.h"
#include "fl_test.h"

static const char *spec_a =
	"[job]\nname = t\ndataset = breast_cancer\nmodel = logistic\n"
	"label = label\nlabels = 0, 1\nrounds = 3\n"
	"[train]\nlocal_epochs = 2\nbatch_size = 16\nlr = 0.05\n"
	"[round]\ntest_fraction = 0.25\nseed = 7\n";
/* The same spec: other order, spacing and comments. */
static const char *spec_a2 =
	"# resubmitted under a new job id\n[round]\nseed=7\ntest_fraction = 0.25\n"
	"[train]\nlr = 0.05\n\n# two epochs\nbatch_size   =   16\nlocal_epochs = 2\n"
	"[job]\nrounds = 3\nlabels = 0, 1\nlabel = label\nmodel = logistic\n"
	"dataset = breast_cancer\nname = t\n";

static char g_dir[] = "/tmp/fedc-test-inputs.XXXXXX";
static char g_csv[FL_PATH_BYTES];
static char *g_names[] = { "site1", "site2", "site3", "site4" };
static char *g_rev[] = { "site4", "site3", "site2", "site1" };
/* the admin who signs every spec here (R2 is test_agent_spec_adversary's) */
static agent_test_spec g_spec;

static fl_agent *agent_make(void)
{
	fl_agent *a = calloc(1, sizeof(*a));

	if (!a)
		abort();
	snprintf(a->cfg.state_dir, sizeof(a->cfg.state_dir), "%s", g_dir);
	a->cfg.ndatasets = 1;
	snprintf(a->cfg.dataset_name[0], FL_NAME_BYTES, "breast_cancer");
	snprintf(a->cfg.dataset_path[0], FL_PATH_BYTES, "%s", g_csv);
	a->cfg.policy.kinds = FL_POLICY_KINDS_ALL;
	a->cfg.policy.models = FL_POLICY_MODELS_ALL;
	a->cfg.policy.min_other_participants = FL_POLICY_DEFAULT_MIN_OTHERS;
	if ((a->verifier = agent_test_spec_verifier(&g_spec)) == NULL)
		abort();
	return a;
}

/* An agent "restart": its memory is gone, its state folder is not. */
static void agent_gone(fl_agent *a)
{
	agent_sa_drop(a);
	fl_agent_cache_clear(&a->cache);
	fl_verifier_free(a->verifier);
	free(a);
}

static fl_msg_task task(uint64_t job, uint32_t round, uint32_t attempt,
			const char *spec, uint8_t model, char **names, uint32_t n)
{
	fl_msg_task t;

	memset(&t, 0, sizeof(t));
	t.job_id = job;
	t.round = round;
	t.attempt = attempt;
	t.kind = FL_TASK_TRAIN;
	t.spec = (char *)spec;
	t.phase = FL_SA_ADVERTISE;
	t.sa.n = n;
	t.sa.clip = 1.0;     /* the spec's quantisation (R7) */
	t.sa.bits = 20;
	t.sa.client_id = 1;
	t.sa.has_model = true;
	memset(t.sa.model_sha256, model, sizeof(t.sa.model_sha256));
	t.sa.names = names;
	if (agent_test_spec_sign(&g_spec.admin, &t) != 0)
		abort();
	return t;
}

static void expect_refusal(int r, const char *why, const char *needle)
{
	FL_CHECK_EQ_INT(r, FL_E_INPUT_USED);
	if (!strstr(why, needle)) {
		fprintf(stderr, "refusal '%s' lacks '%s'\n", why, needle);
		FL_CHECK(0);
	}
}

static void test_f(void)
{
	agent_dv_cache dv;
	uint8_t f1[32], f2[32], f3[32], m1[32], m2[32];
	char msg[FL_ERRMSG_BYTES] = "", *text = NULL;
	size_t len = 0;

	memset(&dv, 0, sizeof(dv));
	memset(m1, 1, sizeof(m1));
	memset(m2, 2, sizeof(m2));
	FL_CHECK_EQ_INT(agent_input_id(FL_TASK_TRAIN, spec_a, m1, g_csv, &dv, f1, msg), 0);
	FL_CHECK_EQ_INT(agent_input_id(FL_TASK_TRAIN, spec_a2, m1, g_csv, &dv, f2, msg), 0);
	FL_CHECK(memcmp(f1, f2, 32) == 0);   /* reformatted spec: same input */
	FL_CHECK_EQ_INT(agent_input_id(FL_TASK_TRAIN, spec_a, m2, g_csv, &dv, f2, msg), 0);
	FL_CHECK(memcmp(f1, f2, 32) != 0);   /* another starting model */
	FL_CHECK_EQ_INT(agent_input_id(FL_TASK_EVAL, spec_a, m1, g_csv, &dv, f2, msg), 0);
	FL_CHECK(memcmp(f1, f2, 32) != 0);   /* another kind */
	/* STATS has no model: the digest offered does not matter */
	FL_CHECK_EQ_INT(agent_input_id(FL_TASK_STATS, spec_a, m1, g_csv, &dv, f2, msg), 0);
	FL_CHECK_EQ_INT(agent_input_id(FL_TASK_STATS, spec_a, NULL, g_csv, &dv, f3, msg), 0);
	FL_CHECK(memcmp(f2, f3, 32) == 0 && memcmp(f1, f2, 32) != 0);
	/* another data version: the same size, one byte changed */
	FL_CHECK_EQ_INT(fl_file_read(g_csv, 1u << 24, &text, &len), 0);
	text[len - 2] = text[len - 2] == '0' ? '1' : '0';
	FL_CHECK_EQ_INT(fl_file_write(g_csv, text, len, 0600), 0);
	FL_CHECK_EQ_INT(agent_input_id(FL_TASK_TRAIN, spec_a, m1, g_csv, &dv, f2, msg), 0);
	FL_CHECK(memcmp(f1, f2, 32) != 0);
	text[len - 2] = text[len - 2] == '0' ? '1' : '0';
	FL_CHECK_EQ_INT(fl_file_write(g_csv, text, len, 0600), 0);
	FL_CHECK_EQ_INT(agent_input_id(FL_TASK_TRAIN, spec_a, m1, g_csv, &dv, f2, msg), 0);
	FL_CHECK(memcmp(f1, f2, 32) == 0);
	free(text);
	FL_CHECK_EQ_INT(agent_input_id(FL_TASK_TRAIN, "[job]\nnope\n", m1, g_csv, &dv,
				       f2, msg), FL_E_SPEC);
	FL_CHECK_EQ_INT(agent_input_id(FL_TASK_TRAIN, spec_a, m1, "/nonexistent.csv",
				       &dv, f2, msg), FL_E_IO);
}

/* The attack: attempt 1 sums S; attempt 2 (a new attempt, a new job id
 * with the same spec and model, or after a restart) sums S minus u. */
static void test_minus_one(void)
{
	static const uint32_t all[] = { 1, 2, 3, 4 };
	char why[FL_ERRMSG_BYTES] = "", path[FL_PATH_BYTES + 128];
	fl_agent *a = agent_make();
	fl_msg_task t1 = task(5, 2, 1, spec_a, 7, g_names, 4);
	fl_msg_task t2 = task(5, 2, 2, spec_a, 7, g_names, 3);   /* site4 left out */
	fl_msg_task t3 = task(9, 2, 1, spec_a2, 7, g_rev, 4);   /* = S, new job */
	fl_msg_task t4 = task(9, 2, 2, spec_a2, 7, g_rev, 4);
	int fd;
	bool worked = false;

	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t1, why), 0);
	FL_CHECK(a->sa.has_input);
	FL_CHECK_EQ_INT(agent_inputs_sign(a, &t1, all, 4, why), 0);
	agent_sa_drop(a);   /* attempt 1 ends */
	expect_refusal(agent_inputs_begin(a, &t2, why), why,
		       "was already summed with another set of sites; this "
		       "attempt's participants differ from the survivors this "
		       "site signed for");
	FL_CHECK(!a->sa.has_input);

	/* the agent's own path: one log line, exactly as documented */
	snprintf(path, sizeof(path), "%s/stderr.txt", g_dir);
	fflush(stderr);
	fd = dup(2);
	FL_CHECK(freopen(path, "w", stderr) != NULL);
	FL_CHECK_EQ_INT(agent_task_run(a, &t2, &worked), FL_E_INPUT_USED);
	fflush(stderr);
	FL_CHECK(dup2(fd, 2) == 2);
	close(fd);
	{
		char *log = NULL, *p;
		size_t len = 0;
		int lines = 0;

		FL_CHECK_EQ_INT(fl_file_read(path, 1u << 20, &log, &len), 0);
		for (p = log; p && (p = strstr(p, "refused")); p++)
			lines++;
		FL_CHECK_EQ_INT(lines, 1);
		FL_CHECK(log && strstr(log, "refused job 5 round 2 attempt 2 (train "
				       "advertise): R6: this input (F "));
		FL_CHECK(log && strstr(log, "...) was already summed with another set "
				       "of sites; this attempt's participants differ "
				       "from the survivors this site signed for\n"));
		free(log);
	}
	FL_CHECK(fl_agent_done_has(&a->done, 5, 2, 2));
	agent_gone(a);

	/* after a restart, under another job id: S minus u is still refused,
	 * S itself (any order of ids) is joined */
	a = agent_make();
	agent_inputs_init(a);
	t2.job_id = 9;
	t2.attempt = 3;
	expect_refusal(agent_inputs_begin(a, &t2, why), why, "signed for");
	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t3, why), 0);
	/* a different S for the same F is never signed */
	expect_refusal(agent_inputs_sign(a, &t3, all, 3, why), why,
		       "signed another survivor list (4 sites) for it and signs "
		       "no second one");
	FL_CHECK_EQ_INT(agent_inputs_sign(a, &t3, all, 4, why), 0);
	agent_sa_drop(a);
	/* 1 + 1 attempts joined on F, the third one too; a fourth is refused */
	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t4, why), 0);
	agent_sa_drop(a);
	t4.attempt = 3;
	expect_refusal(agent_inputs_begin(a, &t4, why), why,
		       "was already in 3 attempts, the most a site joins per input");
	agent_gone(a);
}

static void test_open_replay_count(void)
{
	char why[FL_ERRMSG_BYTES] = "";
	fl_agent *a = agent_make(), *b = agent_make();
	fl_msg_task t1 = task(20, 1, 1, spec_a, 9, g_names, 4);
	fl_msg_task t2 = task(20, 1, 2, spec_a, 9, g_names, 4);
	fl_msg_task t3 = task(21, 1, 1, spec_a, 9, g_names, 4);
	fl_msg_task t4 = task(22, 1, 1, spec_a, 9, g_names, 4);
	uint32_t closed = 9;

	/* an open attempt blocks another on the same input; its own is fine */
	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t1, why), 0);
	expect_refusal(agent_inputs_begin(b, &t2, why), why,
		       "is still open (job 20 round 1 attempt 1); one attempt per "
		       "input runs at a time");
	FL_CHECK_EQ_INT(agent_inputs_begin(b, &t1, why), 0);
	b->sa.has_input = false;
	/* a crash: the open attempt stays on disk until the next start */
	a->sa.has_input = false;
	agent_gone(a);
	expect_refusal(agent_inputs_begin(b, &t2, why), why, "still open");
	FL_CHECK_EQ_INT(agent_input_close_stale(g_dir, &closed, why), 0);
	FL_CHECK_EQ_INT(closed, 1);
	/* the attempt that was left is not rejoined (replay) */
	expect_refusal(agent_inputs_begin(b, &t1, why), why,
		       "already joined and left this attempt");
	FL_CHECK_EQ_INT(agent_inputs_begin(b, &t2, why), 0);
	agent_sa_drop(b);
	FL_CHECK_EQ_INT(agent_inputs_begin(b, &t3, why), 0);
	agent_sa_drop(b);
	expect_refusal(agent_inputs_begin(b, &t4, why), why, "already in 3 attempts");
	agent_gone(b);
}

/* A lost or damaged record refuses its input until an operator resets it. */
static void test_lost_state(void)
{
	char why[FL_ERRMSG_BYTES] = "", path[FL_PATH_BYTES + 128], hex[65];
	char ren[FL_PATH_BYTES + 128];
	fl_agent *a = agent_make();
	fl_msg_task t = task(30, 1, 1, spec_a, 11, g_names, 4);
	agent_input_rec rec;
	uint8_t f[AGENT_INPUT_ID_BYTES];

	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t, why), 0);
	memcpy(f, a->sa.input_id, sizeof(f));
	sodium_bin2hex(hex, sizeof(hex), f, sizeof(f));
	agent_sa_drop(a);
	snprintf(path, sizeof(path), "%s/inputs/%s", g_dir, hex);
	memset(&rec, 0, sizeof(rec));
	FL_CHECK_EQ_INT(agent_input_rec_load(g_dir, f, &rec, why), 0);
	FL_CHECK_EQ_INT(rec.nattempts, 1);
	FL_CHECK(!rec.at[0].open && rec.at[0].job_id == 30 && !rec.has_s);
	agent_input_rec_clear(&rec);
	FL_CHECK_EQ_INT(fl_file_write(path, "fedc-r6-input 1\nf 00\n", 21, 0600), 0);
	t.attempt = 2;
	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t, why), FL_E_PARSE);
	FL_CHECK_EQ_INT(unlink(path), 0);
	expect_refusal(agent_inputs_begin(a, &t, why), why, "the record of this "
		       "input (F ");
	snprintf(path, sizeof(path), "%s/inputs", g_dir);
	snprintf(ren, sizeof(ren), "%s/inputs.old", g_dir);
	FL_CHECK_EQ_INT(rename(path, ren), 0);
	expect_refusal(agent_inputs_begin(a, &t, why), why, "an operator must reset");
	FL_CHECK_EQ_INT(rename(ren, path), 0);
	agent_gone(a);
}

/* inputs.index only grows by appends: after a torn line (a crash in the
 * middle of an append) a new F still gets a whole line of its own, is
 * listed once however often its record is saved, and still refuses the
 * input once its record is gone. */
static void test_torn_index(void)
{
	char why[FL_ERRMSG_BYTES] = "", path[FL_PATH_BYTES + 128], hex[65];
	char line[70], *text = NULL, *p;
	fl_agent *a = agent_make();
	fl_msg_task t = task(32, 1, 1, spec_a, 23, g_names, 4);   /* a model no other test uses: a new F */
	uint8_t f[AGENT_INPUT_ID_BYTES];
	size_t len = 0;
	int fd, count = 0;

	snprintf(path, sizeof(path), "%s/inputs.index", g_dir);
	fd = open(path, O_WRONLY | O_APPEND);
	FL_CHECK(fd >= 0 && write(fd, "0123abcd", 8) == 8);   /* no newline */
	if (fd >= 0)
		close(fd);
	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t, why), 0);
	memcpy(f, a->sa.input_id, sizeof(f));
	agent_sa_drop(a);
	t.attempt = 2;   /* a second save of the same F's record */
	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t, why), 0);
	agent_sa_drop(a);
	sodium_bin2hex(hex, sizeof(hex), f, sizeof(f));
	snprintf(line, sizeof(line), "\n%s\n", hex);
	FL_CHECK_EQ_INT(fl_file_read(path, 1u << 24, &text, &len), 0);
	FL_CHECK(text && strstr(text, "0123abcd\n") != NULL);
	FL_CHECK(text && strstr(text, line) != NULL);
	for (p = text; p && (p = strstr(p, hex)) != NULL; p += 64)
		count++;
	FL_CHECK_EQ_INT(count, 1);
	free(text);
	snprintf(path, sizeof(path), "%s/inputs/%s", g_dir, hex);
	FL_CHECK_EQ_INT(unlink(path), 0);
	t.attempt = 3;
	expect_refusal(agent_inputs_begin(a, &t, why), why, "the record of this "
		       "input (F ");
	agent_gone(a);
}

/* What a power cut can undo, now that not every save is synced: the close
 * of an attempt is saved without a sync (AGENT_REC_LAZY), and a new F's
 * record name is made durable only through its index line. A lost close
 * leaves the attempt open on disk: the next start closes it, and it is
 * not rejoined. A lost record name leaves F in the index: refused. */
static void test_power_cut(void)
{
	char why[FL_ERRMSG_BYTES] = "", path[FL_PATH_BYTES + 128], hex[65];
	char *before = NULL, *after = NULL, *idx = NULL, *p;
	fl_agent *a = agent_make();
	fl_msg_task t1 = task(34, 1, 1, spec_a, 29, g_names, 4);   /* a new F */
	fl_msg_task t2 = task(34, 1, 2, spec_a, 29, g_names, 4);
	agent_input_rec rec;
	uint8_t f[AGENT_INPUT_ID_BYTES];
	size_t blen = 0, alen = 0, ilen = 0;
	uint32_t closed = 0;
	int count = 0;

	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t1, why), 0);
	memcpy(f, a->sa.input_id, sizeof(f));
	sodium_bin2hex(hex, sizeof(hex), f, sizeof(f));
	snprintf(path, sizeof(path), "%s/inputs/%s", g_dir, hex);
	FL_CHECK_EQ_INT(fl_file_read(path, 1u << 20, &before, &blen), 0);
	FL_CHECK(before && strstr(before, "attempt 34 1 1 open\n") != NULL);
	agent_inputs_end(a);   /* the lazy close */
	FL_CHECK_EQ_INT(fl_file_read(path, 1u << 20, &after, &alen), 0);
	FL_CHECK(after && strstr(after, "attempt 34 1 1 closed\n") != NULL);
	memset(&rec, 0, sizeof(rec));
	FL_CHECK_EQ_INT(agent_input_rec_load(g_dir, f, &rec, why), 0);
	FL_CHECK(rec.nattempts == 1 && !rec.at[0].open);
	agent_input_rec_clear(&rec);
	/* F is listed once, by the durable save only */
	snprintf(path, sizeof(path), "%s/inputs.index", g_dir);
	FL_CHECK_EQ_INT(fl_file_read(path, 1u << 24, &idx, &ilen), 0);
	for (p = idx; p && (p = strstr(p, hex)) != NULL; p += 64)
		count++;
	FL_CHECK_EQ_INT(count, 1);
	/* the cut takes the close back: the record says open again */
	snprintf(path, sizeof(path), "%s/inputs/%s", g_dir, hex);
	FL_CHECK(before && fl_file_write(path, before, blen, 0600) == 0);
	agent_gone(a);
	a = agent_make();
	FL_CHECK_EQ_INT(agent_input_close_stale(g_dir, &closed, why), 0);
	FL_CHECK_EQ_INT(closed, 1);
	expect_refusal(agent_inputs_begin(a, &t1, why), why,
		       "already joined and left this attempt");
	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t2, why), 0);
	agent_sa_drop(a);
	/* the cut takes the new record's name: its index line refuses F */
	FL_CHECK_EQ_INT(unlink(path), 0);
	t2.attempt = 3;
	expect_refusal(agent_inputs_begin(a, &t2, why), why, "the record of this "
		       "input (F ");
	free(before);
	free(after);
	free(idx);
	agent_gone(a);
}

/* inputs.index is searched in blocks: a line beyond the old 16 MiB read
 * limit, across a block boundary and after a torn line with NUL bytes
 * (what a crash can leave) is still found, and a record missing for it
 * still refuses F. An F the index does not list is new, and its line is
 * appended after the torn end on a line of its own. */
static void test_index_large(void)
{
	char why[FL_ERRMSG_BYTES] = "", path[FL_PATH_BYTES + 128], hex[65];
	char ipath[FL_PATH_BYTES + 32], line[70];
	fl_agent *a = agent_make();
	fl_msg_task t = task(36, 1, 1, spec_a, 31, g_names, 4);   /* a new F */
	const size_t at = (size_t)17 * 1024 * 1024 - 30;   /* 17 MiB is a block edge */
	size_t size = at + 65 + 1000, i;
	uint8_t f[AGENT_INPUT_ID_BYTES];
	char *big = malloc(size);

	FL_CHECK(big != NULL);
	if (!big)
		return;
	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t, why), 0);
	memcpy(f, a->sa.input_id, sizeof(f));
	agent_sa_drop(a);
	sodium_bin2hex(hex, sizeof(hex), f, sizeof(f));
	for (i = 0; i < size; i++)
		big[i] = (i % 65 == 64) ? '\n' : 'a';
	memcpy(big + 1000, "0123\0\0\0", 7);   /* a torn line with NULs */
	memcpy(big + at, hex, 64);
	big[at + 64] = '\n';
	snprintf(ipath, sizeof(ipath), "%s/inputs.index", g_dir);
	FL_CHECK_EQ_INT(fl_file_write(ipath, big, size, 0600), 0);
	snprintf(path, sizeof(path), "%s/inputs/%s", g_dir, hex);
	FL_CHECK_EQ_INT(unlink(path), 0);
	t.attempt = 2;
	expect_refusal(agent_inputs_begin(a, &t, why), why, "the record of this "
		       "input (F ");
	/* not listed (and the file ends in a torn line): a new F again */
	memset(big + at, 'b', 64);
	size -= 3;
	FL_CHECK(big[size - 1] != '\n');
	FL_CHECK_EQ_INT(fl_file_write(ipath, big, size, 0600), 0);
	FL_CHECK_EQ_INT(agent_inputs_begin(a, &t, why), 0);
	agent_sa_drop(a);
	free(big);
	big = NULL;
	size = 0;
	FL_CHECK_EQ_INT(fl_file_read(ipath, 1u << 26, &big, &size), 0);
	snprintf(line, sizeof(line), "\n%s\n", hex);
	FL_CHECK(big && size > 64 && memcmp(big + size - 66, line, 66) == 0);
	free(big);
	agent_gone(a);
}

static void test_lock(void)
{
	char msg[FL_ERRMSG_BYTES] = "";
	int fd1 = -1, fd2 = -1;

	FL_CHECK_EQ_INT(agent_lock_take(g_dir, &fd1, msg), 0);
	FL_CHECK_EQ_INT(agent_lock_take(g_dir, &fd2, msg), FL_E_BUSY);
	FL_CHECK(strstr(msg, "another fedc-agent (pid ") != NULL);
	FL_CHECK(strstr(msg, "agent.lock is locked") != NULL);
	agent_lock_release(fd1);
	FL_CHECK_EQ_INT(agent_lock_take(g_dir, &fd2, msg), 0);
	agent_lock_release(fd2);
	FL_CHECK_EQ_INT(agent_lock_take("/nonexistent/dir", &fd1, msg), FL_E_IO);
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* R7: a task whose quantisation differs from its spec's is refused at
 * advertise, before any key or record is made. */
static void test_params_adversary(void)
{
	fl_agent *a = agent_make();
	fl_msg_task t = task(31, 2, 1, spec_a, 7, g_names, 4);
	bool worked = false;

	t.sa.clip = 1e-9;   /* a clip that zeroes everybody's update */
	FL_CHECK_EQ_INT(agent_task_run(a, &t, &worked), FL_E_UNSAFE);
	FL_CHECK(!a->sa.c);
	t.sa.clip = 1.0;
	t.sa.bits = 30;
	FL_CHECK_EQ_INT(agent_task_run(a, &t, &worked), FL_E_UNSAFE);
	agent_gone(a);
}

int main(void)
{
	char *text = NULL;
	size_t len = 0;

	if (mkdtemp(g_dir) == NULL)
		return 1;
	snprintf(g_csv, sizeof(g_csv), "%s/bc.csv", g_dir);
	if (fl_file_read(FL_DATA_DIR "/breast_cancer.csv", 1u << 24, &text, &len) != 0 ||
	    fl_file_write(g_csv, text, len, 0600) != 0)
		return 1;
	free(text);
	if (agent_test_spec_new(&g_spec, "consortium CA") != 0)
		return 1;
	test_f();
	test_minus_one();
	test_open_replay_count();
	test_lost_state();
	test_torn_index();
	test_power_cut();
	test_index_large();
	test_lock();
	test_params_adversary();
	(void)nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	agent_test_spec_free(&g_spec);
	return FL_TEST_DONE();
}
