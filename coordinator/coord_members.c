/* SPDX-License-Identifier: Apache-2.0 */
/* coord_members: load the member list at start and serve it
 * (Agent/GetMembers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "coord_ca.h"
#include "coord_members.h"
#include "coord_service.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_members.h"
#include "fl_pki.h"
#include "fl_sign.h"
#include "fl_util.h"

/* Reads and checks the file into *text (caller frees), *version, *count. */
static int members_read(const char *path, const char *ca_path, char **textp,
			size_t *lenp, uint64_t *version, uint32_t *count,
			char *errmsg)
{
	char why[FL_ERRMSG_BYTES] = "", *text = NULL, *ca = NULL;
	size_t len = 0, ca_len = 0;
	fl_members m;
	int r;

	memset(&m, 0, sizeof(m));
	if ((r = fl_file_read(path, FL_MEMBERS_MAX_BYTES, &text, &len)) != 0) {
		fl_errmsg_set(errmsg, "cannot read the member list %s ([coordinator] "
			      "members): %s", path, fl_file_strerror(r,
			      FL_MEMBERS_MAX_BYTES, why, sizeof(why)));
		goto out;
	}
	if ((r = fl_file_read(ca_path, FL_SIGN_MAX_PEM, &ca, &ca_len)) != 0) {
		fl_errmsg_set(errmsg, "cannot read the CA file %s to check the member "
			      "list: %s", ca_path, fl_file_strerror(r,
			      FL_SIGN_MAX_PEM, why, sizeof(why)));
		goto out;
	}
	if ((r = fl_members_parse_verified(text, len, ca, ca_len, &m, why)) != 0) {
		fl_errmsg_set(errmsg, "the member list %s is unusable: %s (make it with "
			      "'fedctl ca members')", path, why[0] ? why : fl_strerror(r));
		goto out;
	}
	*textp = text;
	*lenp = len;
	*version = m.version;
	*count = m.count;
	text = NULL;
out:
	fl_members_clear(&m);
	free(text);
	free(ca);
	return r;
}

/* The file's mtime (ns) and size; -1 if it cannot be looked at. */
static int members_stat(const char *path, int64_t *mtime_ns, off_t *size)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -1;
	*mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	*size = sb.st_size;
	return 0;
}

int coord_members_load(const char *path, const char *ca_path, coord_members *out,
		       char *errmsg)
{
	int r;

	memset(out, 0, sizeof(*out));
	pthread_mutex_init(&out->lock, NULL);
	if (!path || !path[0])
		return 0;
	snprintf(out->path, sizeof(out->path), "%s", path);
	snprintf(out->ca_path, sizeof(out->ca_path), "%s", ca_path);
	if (members_stat(path, &out->mtime_ns, &out->size) != 0) {
		fl_warn("the member list %s ([coordinator] members) does not exist "
			"yet: it is served from when it appears (make it with "
			"'fedctl ca members')", path);
		return 0;
	}
	r = members_read(path, ca_path, &out->text, &out->len, &out->version,
			 &out->count, errmsg);
	return r;
}

void coord_members_refresh(coord_members *m, int64_t now_ms)
{
	char err[FL_ERRMSG_BYTES] = "", *text = NULL;
	uint64_t version = 0;
	uint32_t count = 0;
	int64_t mt = 0;
	off_t size = 0;
	size_t len = 0;

	if (!m || !m->path[0])
		return;
	pthread_mutex_lock(&m->lock);
	if (now_ms - m->checked_ms < 2000 || members_stat(m->path, &mt, &size) != 0 ||
	    (mt == m->mtime_ns && size == m->size && m->checked_ms)) {
		if (now_ms - m->checked_ms >= 2000)
			m->checked_ms = now_ms;
		pthread_mutex_unlock(&m->lock);
		return;
	}
	m->checked_ms = now_ms;
	m->mtime_ns = mt;
	m->size = size;
	if (members_read(m->path, m->ca_path, &text, &len, &version, &count, err) != 0)
		fl_warn("%s; still serving version %llu", err,
			(unsigned long long)m->version);
	else if (version <= m->version)
		fl_warn("the member list %s has version %llu, not above the %llu "
			"served: not served (agents refuse a rollback anyway)", m->path,
			(unsigned long long)version, (unsigned long long)m->version);
	else {
		fl_info("member list version %llu (%u sites) from %s, signed by the "
			"CA: served to the agents", (unsigned long long)version, count,
			m->path);
		free(m->text);
		m->text = text;
		m->len = len;
		m->version = version;
		m->count = count;
		text = NULL;
	}
	pthread_mutex_unlock(&m->lock);
	free(text);
}

uint64_t coord_members_version(coord_members *m)
{
	uint64_t v;

	if (!m)
		return 0;
	pthread_mutex_lock(&m->lock);
	v = m->version;
	pthread_mutex_unlock(&m->lock);
	return v;
}

/* The served list parsed (unchecked signature: it was checked when read),
 * or an empty list of version 0. Called under m->lock. */
static int members_current(coord_members *m, const char *ca_pem, size_t ca_len,
			   fl_members *out)
{
	memset(out, 0, sizeof(*out));
	if (!m->text)
		return 0;
	return fl_members_parse_verified(m->text, m->len, ca_pem, ca_len, out, NULL);
}

/* Adds or updates name's entry; FL_E_NOMEM. */
static int members_put(fl_members *l, const char *name, const uint8_t *h)
{
	fl_member *it;

	for (uint32_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i].name, name) == 0) {
			memcpy(l->items[i].pkhash, h, FL_PKHASH_BYTES);
			return 0;
		}
	if (l->count >= FL_MEMBERS_MAX)
		return FL_E_TOOBIG;
	if (!(it = realloc(l->items, (l->count + 1) * sizeof(*it))))
		return FL_E_NOMEM;
	l->items = it;
	memset(&it[l->count], 0, sizeof(*it));
	snprintf(it[l->count].name, sizeof(it->name), "%s", name);
	snprintf(it[l->count].org, sizeof(it->org), "%s", name);
	memcpy(it[l->count].pkhash, h, FL_PKHASH_BYTES);
	l->count++;
	return 0;
}

int coord_members_add_site(coord_members *m, struct coord_ca *ca,
			   const char *name, const char *cert_pem, size_t cert_len,
			   char *errmsg)
{
	uint8_t h[FL_PKHASH_BYTES];
	const char *ca_pem;
	char *text = NULL, tmp[4200];
	size_t ca_len = 0, len = 0;
	fl_members l;
	int r;

	if (!m || !ca || !m->path[0] || !m->sign) {
		fl_warn("site '%s' has a new certificate key: it takes part in rounds "
			"once a member list with it is signed ('fedctl ca members', "
			"or [ca] sign_members = true)", name);
		return 0;
	}
	memset(&l, 0, sizeof(l));
	ca_pem = coord_ca_cert_pem(ca, &ca_len);
	if ((r = fl_pki_cert_pkhash(cert_pem, cert_len, h)) != 0) {
		fl_errmsg_set(errmsg, "the new certificate of '%s' does not parse", name);
		return r;
	}
	pthread_mutex_lock(&m->lock);
	if ((r = members_current(m, ca_pem, ca_len, &l)) != 0) {
		fl_errmsg_set(errmsg, "the member list served does not check against "
			      "the online CA");
		goto out;
	}
	l.version = m->version + 1;
	if ((r = members_put(&l, name, h)) != 0 ||
	    (r = coord_ca_sign_members(ca, &l, &text, &len)) != 0) {
		fl_errmsg_set(errmsg, "cannot sign member list version %llu: %s",
			      (unsigned long long)l.version, fl_strerror(r));
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", m->path);
	if ((r = fl_file_write(tmp, text, len, 0644)) != 0 ||
	    (rename(tmp, m->path) != 0 && (r = FL_E_IO))) {
		fl_errmsg_set(errmsg, "cannot write the member list %s: %s", m->path,
			      fl_strerror(r));
		goto out;
	}
	free(m->text);
	m->text = text;
	m->len = len;
	m->version = l.version;
	m->count = l.count;
	members_stat(m->path, &m->mtime_ns, &m->size);
	text = NULL;
	fl_warn("member list version %llu (%u sites) signed by the online CA for "
		"'%s' and written to %s: with [ca] online the sites trust this "
		"coordinator with membership", (unsigned long long)m->version,
		m->count, name, m->path);
out:
	pthread_mutex_unlock(&m->lock);
	fl_members_clear(&l);
	free(text);
	return r;
}

void coord_members_clear(coord_members *m)
{
	if (!m)
		return;
	free(m->text);
	pthread_mutex_destroy(&m->lock);
	memset(m, 0, sizeof(*m));
}

/* GetMembers: the member list (version 0, no text: none). */
int coord_agent_get_members(coord_unary *u)
{
	fl_msg_members req, rep;
	int r;

	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	r = COORD_UNARY_DECODE(u, fl_codec_decode_members, &req, "MembersInfo");
	fl_msg_members_clear(&req);
	if (r != 0)
		return r;
	if (u->svc->members) {
		pthread_mutex_lock(&u->svc->members->lock);
		rep.version = u->svc->members->version;
		rep.text = u->svc->members->text;
		r = fl_codec_encode_members(&rep, &u->out, &u->outlen);
		pthread_mutex_unlock(&u->svc->members->lock);
	} else {
		r = fl_codec_encode_members(&rep, &u->out, &u->outlen);
	}
	return coord_svc_encoded(r, "the member list", u->msg);
}
