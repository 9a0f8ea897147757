/* SPDX-License-Identifier: Apache-2.0 */
/* fl_members: the member list in memory: checks, look-ups, key hashes. */
#include <stdlib.h>
#include <string.h>
#include "fl_err.h"
#include "fl_members.h"

void fl_members_clear(fl_members *m)
{
	if (!m)
		return;
	free(m->items);
	memset(m, 0, sizeof(*m));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const fl_member *)a)->name, ((const fl_member *)b)->name);
}

static int by_hash(const void *a, const void *b)
{
	return memcmp(a, b, FL_PKHASH_BYTES);
}

static bool word_ok(const char *s, size_t cap)
{
	size_t len = strnlen(s, cap);

	if (len == 0 || len == cap)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

int fl_members_check(fl_members *m, char *errmsg)
{
	uint8_t (*hs)[FL_PKHASH_BYTES] = NULL;

	if (!m || (m->count && !m->items)) {
		fl_errmsg_set(errmsg, "no member list");
		return FL_E_PARSE;
	}
	if (m->version < 1) {
		fl_errmsg_set(errmsg, "member list version must be 1 or more");
		return FL_E_PARSE;
	}
	if (m->count > FL_MEMBERS_MAX) {
		fl_errmsg_set(errmsg, "member list has %u entries, at most %u allowed",
			      m->count, FL_MEMBERS_MAX);
		return FL_E_PARSE;
	}
	for (uint32_t i = 0; i < m->count; i++)
		if (!word_ok(m->items[i].name, sizeof(m->items[i].name)) ||
		    !word_ok(m->items[i].org, sizeof(m->items[i].org))) {
			fl_errmsg_set(errmsg, "member %u has an empty name or organisation, "
				      "or one with spaces", i + 1);
			return FL_E_PARSE;
		}
	if (m->count)
		qsort(m->items, m->count, sizeof(*m->items), by_name);
	for (uint32_t i = 1; i < m->count; i++)
		if (strcmp(m->items[i - 1].name, m->items[i].name) == 0) {
			fl_errmsg_set(errmsg, "member '%s' is listed twice", m->items[i].name);
			return FL_E_PARSE;
		}
	/* key hashes: sort a copy */
	if (m->count > 1) {
		if (!(hs = malloc((size_t)m->count * sizeof(*hs))))
			return FL_E_NOMEM;
		for (uint32_t i = 0; i < m->count; i++)
			memcpy(hs[i], m->items[i].pkhash, FL_PKHASH_BYTES);
		qsort(hs, m->count, sizeof(*hs), by_hash);
		for (uint32_t i = 1; i < m->count; i++)
			if (memcmp(hs[i - 1], hs[i], FL_PKHASH_BYTES) == 0) {
				free(hs);
				fl_errmsg_set(errmsg, "two members share one public key");
				return FL_E_PARSE;
			}
		free(hs);
	}
	return 0;
}

const fl_member *fl_members_find(const fl_members *m, const char *name)
{
	fl_member key;

	if (!m || !m->items || !name || strlen(name) >= sizeof(key.name))
		return NULL;
	memset(&key, 0, sizeof(key));
	strcpy(key.name, name);
	return bsearch(&key, m->items, m->count, sizeof(*m->items), by_name);
}

int fl_members_copy(fl_members *dst, const fl_members *src)
{
	fl_members d;

	memset(&d, 0, sizeof(d));
	d.version = src->version;
	d.count = src->count;
	if (src->count) {
		if (!(d.items = malloc((size_t)src->count * sizeof(*d.items))))
			return FL_E_NOMEM;
		memcpy(d.items, src->items, (size_t)src->count * sizeof(*d.items));
	}
	*dst = d;
	return 0;
}
