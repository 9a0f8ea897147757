/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_ledger_entry: a small strict reader of a ledger entry's JSON text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_ledger_int.h"
#include "fl_err.h"

#define LEDGER_MAX_DEPTH 4

typedef struct jrd {
	const char *p;
	char *why;
	size_t whylen;
} jrd;

static int jfail(jrd *d, const char *what)
{
	if (d->why[0] == '\0')
		snprintf(d->why, d->whylen, "%s", what);
	return FL_E_PARSE;
}

static int jexpect(jrd *d, char c)
{
	if (*d->p != c)
		return jfail(d, "unexpected character");
	d->p++;
	return 0;
}

/* A JSON string into out (outlen bytes; NULL to skip it). Only ASCII
 * \u escapes are accepted (the ledger writes no others). */
static int jstr(jrd *d, char *out, size_t outlen)
{
	size_t n = 0;
	char c;

	if (jexpect(d, '"') != 0)
		return FL_E_PARSE;
	while ((c = *d->p) != '"') {
		if (c == '\0' || (unsigned char)c < 0x20)
			return jfail(d, "unterminated string");
		d->p++;
		if (c == '\\') {
			char e = *d->p++;
			unsigned v = 0;

			if (e == 'u') {
				if (sscanf(d->p, "%4x", &v) != 1 || v == 0 || v > 0x7f ||
				    strspn(d->p, "0123456789abcdefABCDEF") < 4)
					return jfail(d, "bad \\u escape");
				d->p += 4;
				c = (char)v;
			} else if (e == '"' || e == '\\' || e == '/') {
				c = e;
			} else {
				return jfail(d, "bad escape");
			}
		}
		if (out) {
			if (n + 1 >= outlen)
				return jfail(d, "string too long");
			out[n++] = c;
		}
	}
	d->p++;
	if (out)
		out[n] = '\0';
	return 0;
}

/* An integer, or null (-1) when nullable. */
static int jint(jrd *d, int nullable, int64_t min, int64_t max, int64_t *out)
{
	long long v;
	char *e;

	if (nullable && strncmp(d->p, "null", 4) == 0) {
		d->p += 4;
		*out = -1;
		return 0;
	}
	if (*d->p != '-' && (*d->p < '0' || *d->p > '9'))
		return jfail(d, "expected an integer");
	errno = 0;
	v = strtoll(d->p, &e, 10);
	if (errno || v < min || v > max || *e == '.' || *e == 'e' || *e == 'E')
		return jfail(d, "integer out of range");
	d->p = e;
	*out = v;
	return 0;
}

static int jskip(jrd *d, int depth);

/* Skips an object or array (the opening character is at d->p). */
static int jskip_container(jrd *d, int depth, char open, char close)
{
	if (depth > LEDGER_MAX_DEPTH)
		return jfail(d, "nested too deeply");
	d->p++;
	if (*d->p == close) {
		d->p++;
		return 0;
	}
	for (;;) {
		if (open == '{' && (jstr(d, NULL, 0) != 0 || jexpect(d, ':') != 0))
			return FL_E_PARSE;
		if (jskip(d, depth + 1) != 0)
			return FL_E_PARSE;
		if (*d->p == ',') {
			d->p++;
			continue;
		}
		return jexpect(d, close);
	}
}

static int jskip(jrd *d, int depth)
{
	char *e;

	switch (*d->p) {
	case '"': return jstr(d, NULL, 0);
	case '{': return jskip_container(d, depth, '{', '}');
	case '[': return jskip_container(d, depth, '[', ']');
	default: break;
	}
	if (strncmp(d->p, "null", 4) == 0 || strncmp(d->p, "true", 4) == 0) {
		d->p += 4;
		return 0;
	}
	if (strncmp(d->p, "false", 5) == 0) {
		d->p += 5;
		return 0;
	}
	(void)strtod(d->p, &e);
	if (e == d->p)
		return jfail(d, "bad value");
	d->p = e;
	return 0;
}

static int jsurvivors(jrd *d, ctl_ledger_fields *f)
{
	size_t cap = 0;

	if (jexpect(d, '[') != 0)
		return FL_E_PARSE;
	if (*d->p == ']') {
		d->p++;
		return 0;
	}
	for (;;) {
		if (f->nsurvivors == cap) {
			size_t nc = cap ? cap * 2 : 8;
			char (*ns)[FL_NAME_BYTES];

			if (nc > FL_MSG_MAX_PARTICIPANTS)
				return jfail(d, "too many survivors");
			if ((ns = realloc(f->survivors, nc * sizeof(*ns))) == NULL)
				return FL_E_NOMEM;
			f->survivors = ns;
			cap = nc;
		}
		if (jstr(d, f->survivors[f->nsurvivors], FL_NAME_BYTES) != 0)
			return FL_E_PARSE;
		f->nsurvivors++;
		if (*d->p == ',') {
			d->p++;
			continue;
		}
		return jexpect(d, ']');
	}
}

static int jhash(jrd *d, char *out, int empty_ok)
{
	size_t n;

	if (jstr(d, out, FL_MSG_HASH_HEX_BYTES) != 0)
		return FL_E_PARSE;
	n = strlen(out);
	if ((n == 0 && !empty_ok) || (n != 0 && n != FL_MSG_HASH_HEX_BYTES - 1) ||
	    strspn(out, "0123456789abcdef") != n)
		return jfail(d, "bad hash");
	return 0;
}

/* The bit of a known key in seen (0 for others): the first ten are required. */
static unsigned jkey_bit(const char *key)
{
	static const char *const keys[] = {
		"seq", "job", "round", "attempt", "base_version", "model_version",
		"kind", "survivors", "model_sha256", "prev",
		/* optional (entries before signed specs lack them) */
		"spec_signer", "spec_signer_sha256",
	};
	unsigned i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return 1u << i;
	return 0;
}

/* One "key":value; seen gets a bit per required key (each at most once). */
static int jfield(jrd *d, ctl_ledger_fields *f, unsigned *seen)
{
	char key[32];
	int64_t v;
	int r;

	if (jstr(d, key, sizeof(key)) != 0 || jexpect(d, ':') != 0)
		return FL_E_PARSE;
	if (jkey_bit(key) & *seen)
		return jfail(d, "duplicate key");
#define INT_KEY(name, bit, nullable, min, max, dst) \
	if (strcmp(key, name) == 0) { \
		if ((r = jint(d, nullable, min, max, &v)) != 0) \
			return r; \
		dst = v; \
		*seen |= bit; \
		return 0; \
	}
	INT_KEY("seq", 1u, 0, 1, INT64_MAX, f->seq)
	INT_KEY("job", 2u, 0, 0, INT64_MAX, f->job)
	INT_KEY("round", 4u, 0, 0, UINT32_MAX, f->round)
	INT_KEY("attempt", 8u, 0, 0, UINT32_MAX, f->attempt)
	INT_KEY("base_version", 16u, 1, 0, UINT32_MAX, f->base_version)
	INT_KEY("model_version", 32u, 1, 0, UINT32_MAX, f->model_version)
#undef INT_KEY
	if (strcmp(key, "kind") == 0) {
		*seen |= 64u;
		return jstr(d, f->kind, sizeof(f->kind));
	}
	if (strcmp(key, "survivors") == 0) {
		*seen |= 128u;
		return jsurvivors(d, f);
	}
	if (strcmp(key, "model_sha256") == 0) {
		*seen |= 256u;
		return jhash(d, f->model_sha256, 1);
	}
	if (strcmp(key, "prev") == 0) {
		*seen |= 512u;
		return jhash(d, f->prev, 0);
	}
	if (strcmp(key, "spec_signer") == 0) {
		*seen |= 1024u;
		return jstr(d, f->spec_signer, sizeof(f->spec_signer));
	}
	if (strcmp(key, "spec_signer_sha256") == 0) {
		*seen |= 2048u;
		return jhash(d, f->spec_signer_sha256, 1);
	}
	return jskip(d, 1);
}

int ctl_ledger_fields_parse(const char *text, ctl_ledger_fields *out,
			    char *why, size_t whylen)
{
	ctl_ledger_fields f;
	unsigned seen = 0;
	jrd d = { text, why, whylen };
	int r;

	memset(&f, 0, sizeof(f));
	why[0] = '\0';
	if ((r = jexpect(&d, '{')) != 0)
		goto out;
	for (;;) {
		if ((r = jfield(&d, &f, &seen)) != 0)
			goto out;
		if (*d.p == ',') {
			d.p++;
			continue;
		}
		if ((r = jexpect(&d, '}')) != 0)
			goto out;
		break;
	}
	if (*d.p != '\0') {
		r = jfail(&d, "text after the object");
		goto out;
	}
	if ((seen & 1023u) != 1023u) {
		r = jfail(&d, "a required key is missing");
		goto out;
	}
	*out = f;
	memset(&f, 0, sizeof(f));
out:
	if (r == FL_E_NOMEM)
		snprintf(why, whylen, "out of memory");
	ctl_ledger_fields_clear(&f);
	return r;
}

void ctl_ledger_fields_clear(ctl_ledger_fields *f)
{
	if (!f)
		return;
	free(f->survivors);
	memset(f, 0, sizeof(*f));
}
