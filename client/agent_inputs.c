/* SPDX-License-Identifier: Apache-2.0 */
/* agent_inputs: R6, one sum per input (SECAGG.md): the identity F of the
 * site's input, and who may sum it, kept in state_dir/inputs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "agent_int.h"
#include "fl_err.h"
#include "fl_log.h"

#define F_TAG "fedc-r6-input-v1"
#define DV_READ_BYTES (64u * 1024u)

/* SHA-256 of a file's bytes. */
static int hash_file(const char *path, uint8_t out[static AGENT_INPUT_ID_BYTES],
		     char *errmsg)
{
	crypto_hash_sha256_state st;
	uint8_t *buf = NULL;
	ssize_t got;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fl_errmsg_set(errmsg, "cannot open %s: %s", path, strerror(errno));
		return FL_E_IO;
	}
	if ((buf = malloc(DV_READ_BYTES)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	crypto_hash_sha256_init(&st);
	while ((got = read(fd, buf, DV_READ_BYTES)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fl_errmsg_set(errmsg, "cannot read %s: %s", path, strerror(errno));
			r = FL_E_IO;
			goto out;
		}
		crypto_hash_sha256_update(&st, buf, (size_t)got);
	}
	crypto_hash_sha256_final(&st, out);
out:
	free(buf);
	close(fd);
	return r;
}

/* The local data version: the file's SHA-256, hashed again only when the
 * path, size, times or inode change. */
static int data_version_file(agent_dv_cache *dv, const char *path,
			     uint8_t out[static AGENT_INPUT_ID_BYTES], char *errmsg)
{
	struct stat sb;
	uint32_t i, v = 0;
	int r;

	if (stat(path, &sb) != 0) {
		fl_errmsg_set(errmsg, "cannot stat %s: %s", path, strerror(errno));
		return FL_E_IO;
	}
	for (i = 0; i < AGENT_DV_SLOTS; i++) {
		if (dv->e[i].used && strcmp(dv->e[i].path, path) == 0 &&
		    dv->e[i].size == (int64_t)sb.st_size &&
		    dv->e[i].mtime_ns == (int64_t)sb.st_mtim.tv_sec * 1000000000 +
		    sb.st_mtim.tv_nsec &&
		    dv->e[i].ctime_ns == (int64_t)sb.st_ctim.tv_sec * 1000000000 +
		    sb.st_ctim.tv_nsec &&
		    dv->e[i].dev == (uint64_t)sb.st_dev &&
		    dv->e[i].ino == (uint64_t)sb.st_ino) {
			dv->e[i].last = ++dv->tick;
			memcpy(out, dv->e[i].sha, AGENT_INPUT_ID_BYTES);
			return 0;
		}
		if (!dv->e[i].used || (dv->e[v].used && dv->e[i].last < dv->e[v].last))
			v = i;
	}
	if (strlen(path) >= sizeof(dv->e[v].path))
		return FL_E_TOOBIG;
	if ((r = hash_file(path, out, errmsg)) != 0)
		return r;
	memset(&dv->e[v], 0, sizeof(dv->e[v]));
	dv->e[v].used = true;
	memcpy(dv->e[v].path, path, strlen(path) + 1);
	dv->e[v].size = (int64_t)sb.st_size;
	dv->e[v].mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	dv->e[v].ctime_ns = (int64_t)sb.st_ctim.tv_sec * 1000000000 + sb.st_ctim.tv_nsec;
	dv->e[v].dev = (uint64_t)sb.st_dev;
	dv->e[v].ino = (uint64_t)sb.st_ino;
	dv->e[v].last = ++dv->tick;
	memcpy(dv->e[v].sha, out, AGENT_INPUT_ID_BYTES);
	return 0;
}

/* A data source "sqlite://FILE?query=Q" (agent_source.c) is versioned by
 * the database file's SHA-256 and the whole URL, so another query or a
 * changed file is another input. Changes that only a -wal file holds keep
 * the version, which can only make the R6 checks refuse more. */
static int data_version(agent_dv_cache *dv, const char *path,
			uint8_t out[static AGENT_INPUT_ID_BYTES], char *errmsg)
{
	crypto_hash_sha256_state st;
	const char *q;
	char file[FL_PATH_BYTES];
	int r;

	/* A PostgreSQL source has no file to hash: its version is the URL
	 * (query included) alone, so changed rows count as the same input,
	 * which can only make the R6 checks refuse more, never less. */
	if (strncmp(path, "postgresql://", 13) == 0) {
		crypto_hash_sha256_init(&st);
		crypto_hash_sha256_update(&st, (const unsigned char *)"pg\0", 3);
		crypto_hash_sha256_update(&st, (const unsigned char *)path, strlen(path));
		crypto_hash_sha256_final(&st, out);
		return 0;
	}
	if (strncmp(path, "sqlite://", 9) != 0)
		return data_version_file(dv, path, out, errmsg);
	if ((q = strstr(path + 9, "?query=")) == NULL ||
	    (size_t)(q - path - 9) >= sizeof(file)) {
		fl_errmsg_set(errmsg, "%s: not sqlite:///PATH?query=...", path);
		return FL_E_INVAL;
	}
	memcpy(file, path + 9, (size_t)(q - path - 9));
	file[q - path - 9] = '\0';
	if ((r = data_version_file(dv, file, out, errmsg)) != 0)
		return r;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, out, AGENT_INPUT_ID_BYTES);
	crypto_hash_sha256_update(&st, (const unsigned char *)path, strlen(path));
	crypto_hash_sha256_final(&st, out);
	return 0;
}

int agent_input_id(enum fl_task_kind kind, const char *spec_text,
		   const uint8_t *model, const char *data_path, agent_dv_cache *dv,
		   uint8_t f[static AGENT_INPUT_ID_BYTES], char *errmsg)
{
	static const uint8_t zero[AGENT_INPUT_ID_BYTES];
	crypto_hash_sha256_state st;
	uint8_t spec_h[AGENT_INPUT_ID_BYTES], data_h[AGENT_INPUT_ID_BYTES], k[4];
	fl_jobspec spec;
	char *canon = NULL;
	int r;

	if (!spec_text || !data_path || !dv)
		return FL_E_INVAL;
	memset(&spec, 0, sizeof(spec));
	if ((r = fl_jobspec_parse(spec_text, strlen(spec_text), &spec, errmsg)) != 0)
		goto out;
	/* Canonical text: comments, order and spacing do not change F. */
	if ((r = fl_jobspec_format(&spec, &canon)) != 0)
		goto out;
	crypto_hash_sha256(spec_h, (const uint8_t *)canon, strlen(canon));
	if ((r = data_version(dv, data_path, data_h, errmsg)) != 0)
		goto out;
	k[0] = (uint8_t)kind;
	k[1] = k[2] = k[3] = 0;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)F_TAG, sizeof(F_TAG));
	crypto_hash_sha256_update(&st, k, sizeof(k));
	crypto_hash_sha256_update(&st, spec_h, sizeof(spec_h));
	crypto_hash_sha256_update(&st, model && kind != FL_TASK_STATS ? model : zero,
				  AGENT_INPUT_ID_BYTES);
	crypto_hash_sha256_update(&st, data_h, sizeof(data_h));
	crypto_hash_sha256_final(&st, f);
out:
	free(canon);
	fl_jobspec_clear(&spec);
	return r;
}

static void f_short(const uint8_t *f, char out[static AGENT_INPUT_HEX_SHOWN + 1])
{
	char hex[2 * AGENT_INPUT_ID_BYTES + 1];

	sodium_bin2hex(hex, sizeof(hex), f, AGENT_INPUT_ID_BYTES);
	memcpy(out, hex, AGENT_INPUT_HEX_SHOWN);
	out[AGENT_INPUT_HEX_SHOWN] = '\0';
}

static bool same_names(char (*x)[FL_NAME_BYTES], uint32_t nx,
		       char (*y)[FL_NAME_BYTES], uint32_t ny)
{
	uint32_t i;

	if (nx != ny)
		return false;
	for (i = 0; i < nx; i++)
		if (strcmp(x[i], y[i]) != 0)
			return false;
	return true;
}

int agent_input_admit(const agent_input_rec *rec, uint64_t job, uint32_t round,
		      uint32_t attempt, char (*p)[FL_NAME_BYTES], uint32_t np,
		      bool *rejoin, char *why, size_t cap)
{
	const agent_input_attempt *at;
	char fs[AGENT_INPUT_HEX_SHOWN + 1];
	uint32_t i;

	*rejoin = false;
	f_short(rec->f, fs);
	for (i = 0; i < rec->nattempts; i++) {
		at = &rec->at[i];
		if (at->job_id == job && at->round == round && at->attempt == attempt) {
			if (at->open) {
				*rejoin = true;
				return 0;
			}
			snprintf(why, cap, "R6: this site already joined and left this "
				 "attempt on this input (F %s...); an attempt is joined "
				 "once", fs);
			return FL_E_INPUT_USED;
		}
		if (at->open) {
			snprintf(why, cap, "R6: another attempt on this input (F %s...) "
				 "is still open (job %llu round %u attempt %u); one "
				 "attempt per input runs at a time", fs,
				 (unsigned long long)at->job_id, at->round, at->attempt);
			return FL_E_INPUT_USED;
		}
	}
	if (rec->nattempts >= AGENT_INPUT_MAX_ATTEMPTS) {
		snprintf(why, cap, "R6: this input (F %s...) was already in %u "
			 "attempts, the most a site joins per input", fs,
			 rec->nattempts);
		return FL_E_INPUT_USED;
	}
	if (rec->has_s && !same_names(rec->s, rec->ns, p, np)) {
		snprintf(why, cap, "R6: this input (F %s...) was already summed with "
			 "another set of sites; this attempt's participants differ "
			 "from the survivors this site signed for", fs);
		return FL_E_INPUT_USED;
	}
	return 0;
}

void agent_inputs_init(fl_agent *a)
{
	char msg[FL_ERRMSG_BYTES] = "";
	uint32_t closed = 0;
	int r;

	r = agent_input_close_stale(a->cfg.state_dir, &closed, msg);
	if (r != 0)
		fl_error("R6: cannot check the records in %s/inputs: %s; inputs "
			 "whose records do not read are refused", a->cfg.state_dir,
			 msg[0] ? msg : fl_strerror(r));
	else if (closed > 0)
		fl_info("R6: %u round attempt(s) left open by an agent that stopped "
			"are over (their keys are gone); they count and are not "
			"rejoined", closed);
}

/* F of the task; FL_E_NOTFOUND when it has none (no spec or dataset). */
static int task_input_id(fl_agent *a, const fl_msg_task *t,
			 uint8_t f[static AGENT_INPUT_ID_BYTES], char *msg)
{
	fl_jobspec spec;
	const char *path;
	int r;

	if (!t->spec)
		return FL_E_NOTFOUND;
	memset(&spec, 0, sizeof(spec));
	if ((r = fl_jobspec_parse(t->spec, strlen(t->spec), &spec, msg)) != 0)
		return r;
	path = fl_agent_config_dataset(&a->cfg, spec.dataset);
	r = path ? agent_input_id(t->kind, t->spec, t->sa.has_model ?
				  t->sa.model_sha256 : NULL, path, &a->dv, f, msg) :
		FL_E_NOTFOUND;
	fl_jobspec_clear(&spec);
	return r;
}

static void log_io(const fl_msg_task *t, const char *what, const char *msg, int r)
{
	fl_error("job %llu round %u attempt %u %s: R6: cannot %s the record of "
		 "this input: %s; not taking part", (unsigned long long)t->job_id,
		 t->round, t->attempt, fl_agent_task_name(t->kind), what,
		 msg[0] ? msg : fl_strerror(r));
}

/* Loads F's record, or a new one; FL_E_INPUT_USED with why if it is lost. */
static int rec_get(fl_agent *a, const fl_msg_task *t, const uint8_t *f,
		   agent_input_rec *rec, char *why)
{
	char msg[FL_ERRMSG_BYTES] = "";
	int r = agent_input_rec_load(a->cfg.state_dir, f, rec, msg);

	if (r == FL_E_NOTFOUND) {
		memset(rec, 0, sizeof(*rec));
		memcpy(rec->f, f, sizeof(rec->f));
		return 0;
	}
	if (r == FL_E_INPUT_USED)
		snprintf(why, FL_ERRMSG_BYTES, "%s", msg);
	else if (r != 0)
		log_io(t, "read", msg, r);
	return r;
}

int agent_inputs_begin(fl_agent *a, const fl_msg_task *t, char *why)
{
	char msg[FL_ERRMSG_BYTES] = "", (*p)[FL_NAME_BYTES] = NULL;
	uint8_t f[AGENT_INPUT_ID_BYTES];
	agent_input_rec rec;
	uint32_t np = 0;
	bool rejoin = false;
	int r;

	memset(&rec, 0, sizeof(rec));
	if ((r = task_input_id(a, t, f, msg)) == FL_E_NOTFOUND)
		return 0;   /* no input can be built: nothing to protect */
	if (r != 0) {
		log_io(t, "name", msg, r);
		return r;
	}
	if ((r = agent_input_names((const char *const *)t->sa.names, t->sa.n, NULL,
				   0, &p, &np)) != 0) {
		log_io(t, "check", "the context's site names are unusable", r);
		goto out;
	}
	if ((r = rec_get(a, t, f, &rec, why)) != 0 ||
	    (r = agent_input_admit(&rec, t->job_id, t->round, t->attempt, p, np,
				   &rejoin, why, FL_ERRMSG_BYTES)) != 0)
		goto out;
	if (!rejoin) {
		AGENT_TASK_REF(rec.at[rec.nattempts], t);
		rec.at[rec.nattempts].open = true;
		rec.nattempts++;
		/* durably open before any key of this attempt leaves */
		if ((r = agent_input_rec_save(a->cfg.state_dir, &rec,
					      AGENT_REC_DURABLE, msg)) != 0) {
			log_io(t, "write", msg, r);
			goto out;
		}
	}
	a->sa.has_input = true;
	memcpy(a->sa.input_id, f, sizeof(f));
	/* what agent_inputs_end closes, even if the client is never made */
	AGENT_TASK_REF(a->sa, t);
out:
	free(p);
	agent_input_rec_clear(&rec);
	return r;
}

int agent_inputs_sign(fl_agent *a, const fl_msg_task *t, const uint32_t *ids,
		      uint32_t nids, char *why)
{
	char msg[FL_ERRMSG_BYTES] = "", fs[AGENT_INPUT_HEX_SHOWN + 1];
	char (*s)[FL_NAME_BYTES] = NULL;
	uint8_t f[AGENT_INPUT_ID_BYTES];
	agent_input_rec rec;
	uint32_t ns = 0;
	int r;

	memset(&rec, 0, sizeof(rec));
	if (!a->sa.has_input) {
		snprintf(why, FL_ERRMSG_BYTES, "R6: this attempt has no input record "
			 "(no spec or dataset at advertise); nothing is signed");
		return FL_E_INPUT_USED;
	}
	f_short(a->sa.input_id, fs);
	/* The data must be the version F names: else this sum is of another input. */
	if ((r = task_input_id(a, t, f, msg)) != 0 ||
	    sodium_memcmp(f, a->sa.input_id, sizeof(f)) != 0) {
		snprintf(why, FL_ERRMSG_BYTES, "R6: this site's input changed during "
			 "the attempt (F %s... at advertise%s%.120s); nothing is signed",
			 fs, msg[0] ? ": " : "", msg);
		return FL_E_INPUT_USED;
	}
	if ((r = agent_input_names((const char *const *)t->sa.names, t->sa.n, ids,
				   nids, &s, &ns)) != 0) {
		log_io(t, "check", "a survivor id has no name in the context", r);
		goto out;
	}
	if ((r = rec_get(a, t, a->sa.input_id, &rec, why)) != 0)
		goto out;
	if (rec.has_s && !same_names(rec.s, rec.ns, s, ns)) {
		snprintf(why, FL_ERRMSG_BYTES, "R6: this input (F %s...) was already "
			 "summed with another set of sites; this site signed another "
			 "survivor list (%u sites) for it and signs no second one",
			 fs, rec.ns);
		r = FL_E_INPUT_USED;
		goto out;
	}
	if (!rec.has_s) {
		rec.has_s = true;
		agent_input_s_hash(s, ns, rec.hs);
		rec.ns = ns;
		rec.s = s;
		s = NULL;
		/* fsynced before the signature leaves */
		if ((r = agent_input_rec_save(a->cfg.state_dir, &rec,
					      AGENT_REC_DURABLE, msg)) != 0)
			log_io(t, "write", msg, r);
	}
out:
	free(s);
	agent_input_rec_clear(&rec);
	return r;
}

void agent_inputs_end(fl_agent *a)
{
	char msg[FL_ERRMSG_BYTES] = "", fs[AGENT_INPUT_HEX_SHOWN + 1];
	agent_input_rec rec;
	uint32_t i;
	int r;

	if (!a->sa.has_input)
		return;
	a->sa.has_input = false;
	f_short(a->sa.input_id, fs);
	memset(&rec, 0, sizeof(rec));
	if ((r = agent_input_rec_load(a->cfg.state_dir, a->sa.input_id, &rec,
				      msg)) == 0) {
		for (i = 0; i < rec.nattempts; i++)
			if (rec.at[i].job_id == a->sa.job_id &&
			    rec.at[i].round == a->sa.round &&
			    rec.at[i].attempt == a->sa.attempt)
				rec.at[i].open = false;
		/* not synced: if a power cut loses the close, the attempt is
		 * still open at the next start, and agent_input_close_stale
		 * closes it then */
		r = agent_input_rec_save(a->cfg.state_dir, &rec, AGENT_REC_LAZY,
					 msg);
	}
	if (r != 0)
		fl_warn("R6: cannot close job %llu round %u attempt %u on input F "
			"%s...: %s; it closes when the agent restarts",
			(unsigned long long)a->sa.job_id, a->sa.round, a->sa.attempt,
			fs, msg[0] ? msg : fl_strerror(r));
	agent_input_rec_clear(&rec);
}
