/* SPDX-License-Identifier: Apache-2.0 */
/* agent_record: the site-local JSON record of each masked contribution. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "fl_agent.h"
#include "fl_err.h"

#define RECORD_MAX_VALUES (FL_AGENT_RECORD_MAX_BYTES / 2u)

const char *fl_agent_task_name(enum fl_task_kind k)
{
	switch (k) {
	case FL_TASK_STATS: return "stats";
	case FL_TASK_TRAIN: return "train";
	case FL_TASK_EVAL: return "eval";
	case FL_TASK_NONE: break;
	}
	return "none";
}

int fl_agent_record_path(const char *state_dir, uint64_t job_id, uint32_t round,
			 uint32_t attempt, char *out, size_t outlen)
{
	int k = snprintf(out, outlen, "%s/records/job%llu-round%u-attempt%u.json",
			 state_dir, (unsigned long long)job_id, round, attempt);

	return k < 0 || (size_t)k >= outlen ? FL_E_TOOBIG : 0;
}

/* Little-endian bytes of a double, whatever the host's order. */
static void put_f64le(uint8_t *p, double v)
{
	uint64_t u;
	int b;

	memcpy(&u, &v, sizeof(u));
	for (b = 0; b < 8; b++)
		p[b] = (uint8_t)(u >> (8 * b));
}

static double get_f64le(const uint8_t *p)
{
	uint64_t u = 0;
	double v;
	int b;

	for (b = 7; b >= 0; b--)
		u = (u << 8) | p[b];
	memcpy(&v, &u, sizeof(v));
	return v;
}

/* The JSON text up to and including the opening of the vector. */
static int record_head(const fl_agent_record *rec, bool bin, char *out, size_t cap,
		       size_t *len)
{
	char model[128] = "";
	int k;

	if (rec->has_model)
		snprintf(model, sizeof(model), "\"model_version\": %u, "
			 "\"model_sha256\": \"%s\", ", rec->model_version,
			 rec->model_sha256);
	k = snprintf(out, cap, "{\"job_id\": %llu, \"round\": %u, \"attempt\": %u, "
		     "\"kind\": \"%s\", \"rows\": %llu, \"nreal\": %llu, "
		     "\"weight_scale\": %.17g, %s\"n\": %zu,\n \"%s\": %s",
		     (unsigned long long)rec->job_id, rec->round, rec->attempt,
		     fl_agent_task_name(rec->kind), (unsigned long long)rec->rows,
		     (unsigned long long)rec->nreal, rec->weight_scale, model, rec->n,
		     bin ? FL_AGENT_RECORD_B64_KEY : "vec", bin ? "\"" : "[");
	if (k < 0 || (size_t)k >= cap)
		return FL_E_TOOBIG;
	*len = (size_t)k;
	return 0;
}

/* A short vector as decimal text (%.17g gives every bit back). */
static int record_format_text(const fl_agent_record *rec, char **buf, size_t *len)
{
	char head[512];
	size_t hl;
	FILE *f;
	size_t i;
	int bad, r;

	if ((r = record_head(rec, false, head, sizeof(head), &hl)) != 0)
		return r;
	*buf = NULL;
	*len = 0;
	if ((f = open_memstream(buf, len)) == NULL)
		return FL_E_NOMEM;
	fwrite(head, 1, hl, f);
	for (i = 0; i < rec->n; i++)
		fprintf(f, "%s%.17g", i ? (i % 8 ? ", " : ",\n  ") : "", rec->vec[i]);
	fprintf(f, "]}\n");
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(*buf);
		*buf = NULL;
		return FL_E_NOMEM;
	}
	return 0;
}

/* A long vector as base64 of its float64 little-endian bytes: exact, about
 * 10.7 bytes a value instead of 25, and no decimal conversion. Encoded in
 * chunks of RECORD_B64_CHUNK values (a multiple of 3 bytes: the pieces join
 * without padding) from a small buffer, so the vector is never copied whole. */
#define RECORD_B64_CHUNK 384u
static int record_format_bin(const fl_agent_record *rec, char **buf, size_t *len)
{
	const int var = sodium_base64_VARIANT_ORIGINAL;
	uint8_t raw[RECORD_B64_CHUNK * 8];
	char *out;
	size_t hl, bl, cap, pos, i, j, c;
	int r;

	if (rec->n > FL_AGENT_RECORD_MAX_BYTES / 8)
		return FL_E_TOOBIG;
	bl = sodium_base64_ENCODED_LEN(rec->n * 8, var);   /* with its NUL */
	cap = 512 + bl + 4;
	if ((out = malloc(cap)) == NULL)
		return FL_E_NOMEM;
	if ((r = record_head(rec, true, out, 512, &hl)) != 0) {
		free(out);
		return r;
	}
	pos = hl;
	for (i = 0; i < rec->n; i += c) {
		c = rec->n - i < RECORD_B64_CHUNK ? rec->n - i : RECORD_B64_CHUNK;
		for (j = 0; j < c; j++)
			put_f64le(raw + 8 * j, rec->vec[i + j]);
		/* exactly this piece's room: libsodium zeroes all the room given */
		bl = sodium_base64_ENCODED_LEN(c * 8, var);
		sodium_bin2base64(out + pos, bl, raw, c * 8, var);
		pos += bl - 1;
	}
	sodium_memzero(raw, sizeof(raw));   /* a piece of the plain vector */
	memcpy(out + pos, "\"}\n", 4);
	*buf = out;
	*len = pos + 3;
	return 0;
}

/* The JSON text of rec into a malloc'd buffer. */
static int record_format(const fl_agent_record *rec, char **buf, size_t *len)
{
	return rec->n > FL_AGENT_RECORD_TEXT_MAX ? record_format_bin(rec, buf, len) :
		record_format_text(rec, buf, len);
}

/* 64 lowercase hex digits. */
static int record_sha_ok(const char *h)
{
	return strlen(h) == FL_AGENT_SHA256_HEX - 1 &&
		strspn(h, "0123456789abcdef") == FL_AGENT_SHA256_HEX - 1;
}

int fl_agent_record_write(const char *state_dir, const fl_agent_record *rec,
			  char *errmsg)
{
	char dir[FL_PATH_BYTES + 16], path[FL_PATH_BYTES + 64];
	char *buf = NULL;
	size_t len = 0, i;
	int r;

	if (!state_dir || !rec || (!rec->vec && rec->n))
		return FL_E_INVAL;
	if (rec->has_model && !record_sha_ok(rec->model_sha256))
		return FL_E_INVAL;
	for (i = 0; i < rec->n; i++) {
		if (!isfinite(rec->vec[i])) {
			fl_errmsg_set(errmsg, "value %zu is not finite", i);
			return FL_E_RANGE;
		}
	}
	if (snprintf(dir, sizeof(dir), "%s/records", state_dir) >= (int)sizeof(dir) ||
	    fl_agent_record_path(state_dir, rec->job_id, rec->round, rec->attempt,
				 path, sizeof(path)) != 0) {
		fl_errmsg_set(errmsg, "state_dir '%s' is too long", state_dir);
		return FL_E_TOOBIG;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fl_errmsg_set(errmsg, "cannot make %s: %s", dir, strerror(errno));
		return FL_E_IO;
	}
	if ((r = record_format(rec, &buf, &len)) != 0) {
		fl_errmsg_set(errmsg, "cannot format the record");
		return r;
	}
	if (len > FL_AGENT_RECORD_MAX_BYTES) {
		fl_errmsg_set(errmsg, "record of %zu bytes is too large", len);
		r = FL_E_TOOBIG;
	} else if ((r = fl_file_write(path, buf, len, 0600)) != 0) {
		fl_errmsg_set(errmsg, "cannot write %s: %s", path, fl_strerror(r));
	}
	sodium_memzero(buf, len);   /* the plain vector, in another form */
	free(buf);
	return r;
}

void fl_agent_record_clear(fl_agent_record *rec)
{
	if (!rec)
		return;
	free(rec->vec);
	memset(rec, 0, sizeof(*rec));
}

/* ---- a small reader for the format written above ---- */

typedef struct rd {
	const char *start, *p, *end;
	char *errmsg;
} rd;

static void skip_ws(rd *d)
{
	while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\t' ||
				 *d->p == '\r'))
		d->p++;
}

static int expect(rd *d, char c)
{
	skip_ws(d);
	if (d->p >= d->end || *d->p != c) {
		fl_errmsg_set(d->errmsg, "expected '%c' at byte %td", c,
			      d->p - d->start);
		return FL_E_PARSE;
	}
	d->p++;
	return 0;
}

/* A string without escapes into out (outlen bytes). */
static int read_str(rd *d, char *out, size_t outlen)
{
	size_t n = 0;

	if (expect(d, '"') != 0)
		return FL_E_PARSE;
	while (d->p < d->end && *d->p != '"') {
		if (*d->p == '\\' || n + 1 >= outlen) {
			fl_errmsg_set(d->errmsg, "unexpected string");
			return FL_E_PARSE;
		}
		out[n++] = *d->p++;
	}
	if (d->p >= d->end) {
		fl_errmsg_set(d->errmsg, "unterminated string");
		return FL_E_PARSE;
	}
	d->p++;
	out[n] = '\0';
	return 0;
}

static int read_num(rd *d, double *v)
{
	char *e;

	skip_ws(d);
	/* The buffer is NUL-terminated (fl_file_read), so strtod stops. */
	errno = 0;
	*v = strtod(d->p, &e);
	if (e == d->p || e > d->end || errno == ERANGE || !isfinite(*v)) {
		fl_errmsg_set(d->errmsg, "bad number");
		return FL_E_PARSE;
	}
	d->p = e;
	return 0;
}

static int read_u64(rd *d, uint64_t max, uint64_t *out)
{
	double v;

	if (read_num(d, &v) != 0)
		return FL_E_PARSE;
	if (v < 0 || v > (double)max || v != floor(v)) {
		fl_errmsg_set(d->errmsg, "number %g out of range", v);
		return FL_E_PARSE;
	}
	*out = (uint64_t)v;
	return 0;
}

static int read_vec(rd *d, fl_agent_record *rec)
{
	size_t cap = 0;
	double v;

	if (expect(d, '[') != 0)
		return FL_E_PARSE;
	skip_ws(d);
	if (d->p < d->end && *d->p == ']') {
		d->p++;
		return 0;
	}
	for (;;) {
		if (read_num(d, &v) != 0)
			return FL_E_PARSE;
		if (rec->n == cap) {
			double *nv;

			if (cap >= RECORD_MAX_VALUES)
				return FL_E_TOOBIG;
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(rec->vec, cap * sizeof(*nv))) == NULL)
				return FL_E_NOMEM;
			rec->vec = nv;
		}
		rec->vec[rec->n++] = v;
		skip_ws(d);
		if (d->p < d->end && *d->p == ',') {
			d->p++;
			continue;
		}
		return expect(d, ']');
	}
}

/* The base64 form of the vector (record_format_bin). */
static int read_vec_b64(rd *d, fl_agent_record *rec)
{
	const char *b64, *q, *end = NULL;
	uint8_t *raw;
	size_t blen, max, got = 0, i;

	if (expect(d, '"') != 0)
		return FL_E_PARSE;
	b64 = d->p;
	if ((q = memchr(b64, '"', (size_t)(d->end - b64))) == NULL) {
		fl_errmsg_set(d->errmsg, "unterminated string");
		return FL_E_PARSE;
	}
	blen = (size_t)(q - b64);
	max = blen / 4 * 3;
	if (max / 8 > RECORD_MAX_VALUES)
		return FL_E_TOOBIG;
	/* the doubles' own buffer: decode into it, then convert in place */
	if ((raw = malloc(max ? max : 1)) == NULL)
		return FL_E_NOMEM;
	rec->vec = (double *)(void *)raw;
	if (sodium_base642bin(raw, max, b64, blen, NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || end != q ||
	    got % 8 != 0) {
		fl_errmsg_set(d->errmsg, "%s is not base64 of whole float64 values",
			      FL_AGENT_RECORD_B64_KEY);
		return FL_E_PARSE;
	}
	rec->n = got / 8;
	for (i = 0; i < rec->n; i++) {
		double v = get_f64le(raw + 8 * i);

		if (!isfinite(v)) {
			fl_errmsg_set(d->errmsg, "value %zu is not finite", i);
			return FL_E_PARSE;
		}
		rec->vec[i] = v;
	}
	d->p = q + 1;
	return 0;
}

static int read_field(rd *d, fl_agent_record *rec, uint64_t *nwant, int *seen)
{
	char key[32], val[16];
	uint64_t u;
	int r;

	if ((r = read_str(d, key, sizeof(key))) != 0 || (r = expect(d, ':')) != 0)
		return r;
	if (strcmp(key, "vec") == 0 || strcmp(key, FL_AGENT_RECORD_B64_KEY) == 0) {
		if (*seen & 1) {
			fl_errmsg_set(d->errmsg, "a second vector");
			return FL_E_PARSE;
		}
		*seen |= 1;
		return key[3] ? read_vec_b64(d, rec) : read_vec(d, rec);
	}
	if (strcmp(key, "kind") == 0) {
		if ((r = read_str(d, val, sizeof(val))) != 0)
			return r;
		rec->kind = strcmp(val, "stats") == 0 ? FL_TASK_STATS :
			strcmp(val, "train") == 0 ? FL_TASK_TRAIN :
			strcmp(val, "eval") == 0 ? FL_TASK_EVAL : FL_TASK_NONE;
		return 0;
	}
	if (strcmp(key, "weight_scale") == 0)
		return read_num(d, &rec->weight_scale);
	if (strcmp(key, "model_sha256") == 0) {
		if ((r = read_str(d, rec->model_sha256,
				  sizeof(rec->model_sha256))) != 0)
			return r;
		if (!record_sha_ok(rec->model_sha256)) {
			fl_errmsg_set(d->errmsg, "bad model_sha256");
			return FL_E_PARSE;
		}
		*seen |= 4;
		return 0;
	}
	if ((r = read_u64(d, UINT64_MAX / 2, &u)) != 0)
		return r;
	if (strcmp(key, "job_id") == 0)
		rec->job_id = u;
	else if (strcmp(key, "round") == 0 && u <= UINT32_MAX)
		rec->round = (uint32_t)u;
	else if (strcmp(key, "attempt") == 0 && u <= UINT32_MAX)
		rec->attempt = (uint32_t)u;
	else if (strcmp(key, "rows") == 0)
		rec->rows = u;
	else if (strcmp(key, "nreal") == 0)
		rec->nreal = u;
	else if (strcmp(key, "model_version") == 0 && u <= UINT32_MAX) {
		rec->model_version = (uint32_t)u;
		*seen |= 8;
	}
	else if (strcmp(key, "n") == 0) {
		*nwant = u;
		*seen |= 2;
	} else {
		fl_errmsg_set(d->errmsg, "unknown or out-of-range key '%s'", key);
		return FL_E_PARSE;
	}
	return 0;
}

int fl_agent_record_read(const char *path, fl_agent_record *out, char *errmsg)
{
	fl_agent_record rec;
	char *text = NULL;
	size_t len = 0;
	uint64_t nwant = 0;
	int r, seen = 0;
	rd d;

	if (!path || !out)
		return FL_E_INVAL;
	memset(&rec, 0, sizeof(rec));
	if ((r = fl_file_read(path, FL_AGENT_RECORD_MAX_BYTES, &text, &len)) != 0) {
		fl_errmsg_set(errmsg, "cannot read %s: %s", path, fl_strerror(r));
		return r;
	}
	d.start = d.p = text;
	d.end = text + len;
	d.errmsg = errmsg;
	if ((r = expect(&d, '{')) != 0)
		goto out;
	for (;;) {
		if ((r = read_field(&d, &rec, &nwant, &seen)) != 0)
			goto out;
		skip_ws(&d);
		if (d.p < d.end && *d.p == ',') {
			d.p++;
			continue;
		}
		if ((r = expect(&d, '}')) != 0)
			goto out;
		break;
	}
	/* model_version and model_sha256 come together or not at all (older
	 * agents wrote neither). */
	rec.has_model = (seen & 12) == 12;
	if ((seen & 3) != 3 || ((seen & 12) != 0 && (seen & 12) != 12) ||
	    nwant != rec.n || rec.nreal > rec.n || rec.kind == FL_TASK_NONE) {
		fl_errmsg_set(errmsg, "%s: missing fields, an unknown kind or %zu "
			      "values where n says %llu", path, rec.n,
			      (unsigned long long)nwant);
		r = FL_E_PARSE;
		goto out;
	}
	*out = rec;
	memset(&rec, 0, sizeof(rec));
out:
	if (r == FL_E_PARSE && errmsg && errmsg[0] == '\0')
		fl_errmsg_set(errmsg, "%s does not parse", path);
	fl_agent_record_clear(&rec);
	free(text);
	return r;
}
