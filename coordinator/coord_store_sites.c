/* SPDX-License-Identifier: Apache-2.0 */
/* coord_store_sites: the sites table, and a site's record (its
 * certificates and the finished rounds it took part in). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_events.h"
#include "coord_store_int.h"
#include "fl_err.h"
#include "fl_log.h"

int coord_store_site_add(coord_store *st, const char *name, const char *role,
			 int64_t now_ms)
{
	return coord_store_run(st, "INSERT INTO sites(name, role, added_ms) "
			       "VALUES(?, ?, ?)", COORD_ARGS(CA_T(name), CA_T(role),
							     CA_I(now_ms)), NULL);
}

#define COORD_SITE_COLS "name, role, added_ms, last_seen_ms, datasets, revoked"

static void site_from_row(coord_stmt *s, coord_site_row *o)
{
	memset(o, 0, sizeof(*o));
	coord_stmt_str(s, 0, o->info.name, sizeof(o->info.name));
	coord_stmt_str(s, 1, o->info.role, sizeof(o->info.role));
	o->info.added_ms = coord_stmt_int64(s, 2);
	o->info.last_seen_ms = coord_stmt_int64(s, 3);
	coord_stmt_str(s, 4, o->datasets, sizeof(o->datasets));
	o->info.revoked = coord_stmt_int64(s, 5) != 0;
}

int coord_store_site_get(coord_store *st, const char *name, coord_site_row *out)
{
	coord_db *db = coord_store_lock(st);
	coord_stmt *s = NULL;
	int r;

	if ((r = coord_db_query(db, "SELECT " COORD_SITE_COLS " FROM sites "
				"WHERE name = ?", COORD_ARGS(CA_T(name)), &s)) != 0)
		goto out;
	r = coord_stmt_step(s);
	if (r == 1) {
		site_from_row(s, out);
		r = 0;
	} else if (r == 0) {
		r = FL_E_NOTFOUND;
	} else {
		fl_error("store: get site: %s", coord_db_errmsg(db));
		r = FL_E_DB;
	}
out:
	coord_stmt_free(s);
	coord_store_unlock(st);
	return r;
}

int coord_store_site_seen(coord_store *st, const char *name,
			  const char *datasets, int64_t now_ms)
{
	return coord_store_run(st, "UPDATE sites SET last_seen_ms = ?, datasets = ? "
			       "WHERE name = ?", COORD_ARGS(CA_I(now_ms), CA_T(datasets),
							    CA_T(name)), NULL);
}

int coord_store_site_set_revoked(coord_store *st, const char *name, int revoked)
{
	int64_t n = 0;
	int r = coord_store_run(st, "UPDATE sites SET revoked = ? WHERE name = ?",
				COORD_ARGS(CA_I(revoked ? 1 : 0), CA_T(name)), &n);

	return r == 0 && n == 0 ? FL_E_NOTFOUND : r;
}

static int site_item(coord_stmt *s, void *item)
{
	site_from_row(s, item);
	return 0;
}

int coord_store_site_list(coord_store *st, coord_site_row **out, size_t *n)
{
	static const coord_list_spec ls = { sizeof(coord_site_row), SIZE_MAX,
		site_item, NULL, "list sites" };

	return coord_store_list(st, &ls, "SELECT " COORD_SITE_COLS " FROM sites "
				"ORDER BY name", COORD_NOARGS, out, n);
}

/* The certificates the site connected with or was issued. */
static int site_certs(coord_db *db, const char *name, fl_msg_site_detail *d)
{
	coord_stmt *s = NULL;
	int r;

	if ((r = coord_db_query(db, "SELECT fingerprint, serial, not_after_ms,"
				" first_seen_ms FROM site_certs WHERE site = ?"
				" ORDER BY first_seen_ms LIMIT ?",
				COORD_ARGS(CA_T(name), CA_I(FL_SITE_MAX_CERTS)), &s)) != 0)
		return r;
	if ((d->certs = calloc(FL_SITE_MAX_CERTS, sizeof(*d->certs))) == NULL) {
		coord_stmt_free(s);
		return FL_E_NOMEM;
	}
	while (d->ncerts < FL_SITE_MAX_CERTS && (r = coord_stmt_step(s)) == 1) {
		fl_msg_site_cert *c = &d->certs[d->ncerts++];

		coord_stmt_str(s, 0, c->fingerprint, sizeof(c->fingerprint));
		coord_stmt_str(s, 1, c->serial, sizeof(c->serial));
		c->not_after_ms = coord_stmt_int64(s, 2);
		c->first_seen_ms = coord_stmt_int64(s, 3);
	}
	coord_stmt_free(s);
	return r > 0 ? 0 : r;
}

/* True if name is one of the comma list's entries. */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p; ) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && memcmp(p, name, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/* Finished rounds whose survivors include the site, and their jobs. LIKE
 * only narrows the rows down (its wildcards may match more): in_list
 * decides. */
static int site_rounds(coord_db *db, const char *name, fl_msg_site_detail *d)
{
	char pattern[FL_NAME_BYTES + 4];
	coord_stmt *s = NULL;
	uint64_t last = 0;
	int r;

	snprintf(pattern, sizeof(pattern), "%%%s%%", name);
	if ((r = coord_db_query(db, "SELECT job_id, participants FROM rounds WHERE"
				" state = 'done' AND participants LIKE ?"
				" ORDER BY job_id, round", COORD_ARGS(CA_T(pattern)),
				&s)) != 0)
		return r;
	while ((r = coord_stmt_step(s)) == 1) {
		uint64_t job = (uint64_t)coord_stmt_int64(s, 0);
		uint64_t *j;

		if (!in_list(coord_stmt_text(s, 1), name))
			continue;
		d->rounds++;
		if (job == last || d->njobs >= FL_SITE_MAX_JOBS)
			continue;
		if ((j = realloc(d->jobs, (d->njobs + 1) * sizeof(*j))) == NULL) {
			r = FL_E_NOMEM;
			break;
		}
		d->jobs = j;
		d->jobs[d->njobs++] = last = job;
	}
	coord_stmt_free(s);
	return r;
}

int coord_store_site_detail(coord_store *st, const char *name, fl_msg_site_detail *out)
{
	fl_msg_site_detail *d;
	coord_site_row row;
	coord_db *db;
	int r;

	if ((r = coord_store_site_get(st, name, &row)) != 0)
		return r;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return FL_E_NOMEM;
	d->site = row.info;
	snprintf(d->datasets, sizeof(d->datasets), "%s", row.datasets);
	db = coord_store_lock(st);
	if ((r = site_certs(db, name, d)) == 0)
		r = site_rounds(db, name, d);
	if (r == FL_E_DB)
		fl_error("store: site %s: %s", name, coord_db_errmsg(db));
	coord_store_unlock(st);
	if (r == 0) {
		*out = *d;
		memset(d, 0, sizeof(*d));
	}
	fl_msg_site_detail_clear(d);
	free(d);
	return r;
}
