/* SPDX-License-Identifier: Apache-2.0 */
/* agent_inputs_rec: the durable R6 record of each input, state_dir/inputs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "agent_int.h"
#include "fl_err.h"

#define REC_MAGIC "fedc-r6-input 1"
#define REC_MAX_BYTES (512u * 1024u)
#define INDEX_BLOCK (64u * 1024u)
#define S_HASH_TAG "fedc-r6-survivors-v1"
#define F_HEX_BYTES (2u * AGENT_INPUT_ID_BYTES + 1u)

static int cmp_name(const void *x, const void *y)
{
	return strcmp((const char *)x, (const char *)y);
}

int agent_input_names(const char *const *names, uint32_t n, const uint32_t *ids,
		      uint32_t nids, char (**out)[FL_NAME_BYTES], uint32_t *nout)
{
	char (*s)[FL_NAME_BYTES];
	uint32_t i, k, m = ids ? nids : n;

	if (!names || !out || !nout || m == 0)
		return FL_E_INVAL;
	if ((s = calloc(m, sizeof(*s))) == NULL)
		return FL_E_NOMEM;
	for (i = 0; i < m; i++) {
		uint32_t id = ids ? ids[i] : i + 1;
		const char *nm = id >= 1 && id <= n ? names[id - 1] : NULL;

		if (!nm || strlen(nm) >= FL_NAME_BYTES) {
			free(s);
			return FL_E_INVAL;
		}
		memcpy(s[i], nm, strlen(nm) + 1);
	}
	qsort(s, m, sizeof(*s), cmp_name);
	for (i = k = 0; i < m; i++)
		if (k == 0 || strcmp(s[k - 1], s[i]) != 0)
			memmove(s[k++], s[i], sizeof(*s));
	*out = s;
	*nout = k;
	return 0;
}

void agent_input_s_hash(char (*s)[FL_NAME_BYTES], uint32_t ns,
			uint8_t out[static AGENT_INPUT_ID_BYTES])
{
	crypto_hash_sha256_state st;
	uint8_t len[4];
	uint32_t i;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)S_HASH_TAG, sizeof(S_HASH_TAG));
	for (i = 0; i < ns; i++) {
		size_t l = strlen(s[i]);

		len[0] = (uint8_t)l;   /* names are shorter than FL_NAME_BYTES */
		len[1] = len[2] = len[3] = 0;
		crypto_hash_sha256_update(&st, len, sizeof(len));
		crypto_hash_sha256_update(&st, (const uint8_t *)s[i], l);
	}
	crypto_hash_sha256_final(&st, out);
}

void agent_input_rec_clear(agent_input_rec *rec)
{
	if (!rec)
		return;
	free(rec->s);
	memset(rec, 0, sizeof(*rec));
}

static int rec_path(const char *state_dir, const uint8_t *f, char *out, size_t len)
{
	char hex[F_HEX_BYTES];
	int k;

	if (f)
		sodium_bin2hex(hex, sizeof(hex), f, AGENT_INPUT_ID_BYTES);
	k = f ? snprintf(out, len, "%s/inputs/%s", state_dir, hex) :
		snprintf(out, len, "%s/inputs", state_dir);
	return k < 0 || (size_t)k >= len ? FL_E_TOOBIG : 0;
}

/* fl_file_write (temp file, fsync, rename), then an fsync of the folder
 * so that the rename itself survives a crash. */
static int write_durable(const char *dir, const char *path, const void *buf,
			 size_t len, char *errmsg)
{
	int r;

	if ((r = fl_file_write(path, buf, len, 0600)) != 0) {
		fl_errmsg_set(errmsg, "cannot write %s: %s", path, fl_strerror(r));
		return r;
	}
	if ((r = fl_dir_sync(dir)) != 0)
		fl_errmsg_set(errmsg, "cannot sync the folder %s: %s", dir,
			      strerror(errno));
	return r;
}

/* Appends line (len bytes) to path and syncs it; a new file's directory
 * entry is synced too (dir). A torn append from a crash leaves at worst a
 * partial line, which the caller starts a fresh line after. */
static int index_append(const char *dir, const char *path, const char *line,
			size_t len, bool created, char *errmsg)
{
	int fd, r;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		fl_errmsg_set(errmsg, "cannot open %s: %s", path, strerror(errno));
		return FL_E_IO;
	}
	if ((r = fl_fd_write_all(fd, line, len)) != 0)
		fl_errmsg_set(errmsg, "cannot write %s: %s", path, strerror(errno));
	if (r == 0 && fdatasync(fd) != 0) {
		fl_errmsg_set(errmsg, "cannot sync %s: %s", path, strerror(errno));
		r = FL_E_IO;
	}
	close(fd);
	if (r == 0 && created && (r = fl_dir_sync(dir)) != 0)
		fl_errmsg_set(errmsg, "cannot sync the folder %s: %s", dir,
			      strerror(errno));
	return r;
}

/* Whether n bytes at p contain the hex F (64 bytes). */
static bool has_hex(const char *p, size_t n, const char *hex)
{
	const size_t hl = F_HEX_BYTES - 1;
	const char *q = p, *end = p + n;

	while ((size_t)(end - q) >= hl &&
	       (q = memchr(q, hex[0], (size_t)(end - q) - hl + 1)) != NULL) {
		if (memcmp(q, hex, hl) == 0)
			return true;
		q++;
	}
	return false;
}

/* Whether F's line is in state_dir/inputs.index: the marker that this
 * site has joined rounds, and the list of the inputs whose records must
 * exist. The file is read in blocks, so its size has no limit (it grows
 * by 65 bytes per input). *created: the index does not exist yet; *torn:
 * its last byte is not a newline (a crash cut an append; the next line
 * starts fresh). A torn line (even with NUL bytes) hides nothing after it. */
static int index_find(const char *path, const uint8_t *f, bool *listed,
		      bool *created, bool *torn, char *errmsg)
{
	char hex[F_HEX_BYTES], *buf;
	size_t keep = 0;
	ssize_t n;
	int fd, r = 0;

	*listed = *created = *torn = false;
	sodium_bin2hex(hex, sizeof(hex), f, AGENT_INPUT_ID_BYTES);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			*created = true;   /* the first input this site ever joins */
			return 0;
		}
		fl_errmsg_set(errmsg, "cannot read %s: %s", path, strerror(errno));
		return FL_E_IO;
	}
	if ((buf = malloc(INDEX_BLOCK + F_HEX_BYTES)) == NULL) {
		close(fd);
		return FL_E_NOMEM;
	}
	for (;;) {
		size_t len, k;

		if ((n = read(fd, buf + keep, INDEX_BLOCK)) < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fl_errmsg_set(errmsg, "cannot read %s: %s", path,
				      strerror(errno));
			r = FL_E_IO;
			break;
		}
		if (n == 0)
			break;
		len = keep + (size_t)n;
		*torn = buf[len - 1] != '\n';
		if (has_hex(buf, len, hex)) {
			*listed = true;
			break;
		}
		/* a line may straddle two blocks: keep all but one of its bytes */
		k = len < F_HEX_BYTES - 2 ? len : F_HEX_BYTES - 2;
		memmove(buf, buf + len - k, k);
		keep = k;
	}
	free(buf);
	close(fd);
	return r;
}

/* Adds F's line to the index (one append, one sync: the file only grows). */
static int index_add(const char *state_dir, const char *path, const uint8_t *f,
		     bool created, bool torn, char *errmsg)
{
	char hex[F_HEX_BYTES], line[F_HEX_BYTES + 2];
	size_t n = 0;

	sodium_bin2hex(hex, sizeof(hex), f, AGENT_INPUT_ID_BYTES);
	if (torn)
		line[n++] = '\n';
	memcpy(line + n, hex, sizeof(hex) - 1);
	n += sizeof(hex) - 1;
	line[n++] = '\n';
	return index_append(state_dir, path, line, n, created, errmsg);
}

static int rec_format(const agent_input_rec *rec, char **buf, size_t *len)
{
	char hex[2 * FL_NAME_BYTES + 1];
	uint32_t i;
	FILE *f;
	int bad;

	if ((f = open_memstream(buf, len)) == NULL)
		return FL_E_NOMEM;
	sodium_bin2hex(hex, sizeof(hex), rec->f, sizeof(rec->f));
	fprintf(f, REC_MAGIC "\nf %s\n", hex);
	for (i = 0; i < rec->nattempts; i++)
		fprintf(f, "attempt %" PRIu64 " %" PRIu32 " %" PRIu32 " %s\n",
			rec->at[i].job_id, rec->at[i].round, rec->at[i].attempt,
			rec->at[i].open ? "open" : "closed");
	if (rec->has_s) {
		sodium_bin2hex(hex, sizeof(hex), rec->hs, sizeof(rec->hs));
		fprintf(f, "signed %s\n", hex);
		/* hex: a name from the coordinator cannot inject a line */
		for (i = 0; i < rec->ns; i++) {
			sodium_bin2hex(hex, sizeof(hex), (const uint8_t *)rec->s[i],
				       strlen(rec->s[i]));
			fprintf(f, "s %s\n", hex);
		}
	}
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(*buf);
		*buf = NULL;
		return FL_E_NOMEM;
	}
	return 0;
}

int agent_input_rec_save(const char *state_dir, const agent_input_rec *rec,
			 enum agent_rec_sync how, char *errmsg)
{
	char dir[FL_PATH_BYTES + 16], path[FL_PATH_BYTES + 96];
	char ipath[FL_PATH_BYTES + 32];
	char *buf = NULL;
	size_t len = 0;
	bool listed, created, torn;
	int r;

	if (!state_dir || !rec || rec->nattempts > AGENT_INPUT_MAX_ATTEMPTS ||
	    (rec->has_s && (!rec->s || rec->ns == 0)))
		return FL_E_INVAL;
	if (rec_path(state_dir, NULL, dir, sizeof(dir)) != 0 ||
	    rec_path(state_dir, rec->f, path, sizeof(path)) != 0 ||
	    snprintf(ipath, sizeof(ipath), "%s/inputs.index", state_dir) >=
	    (int)sizeof(ipath)) {
		fl_errmsg_set(errmsg, "state_dir '%s' is too long", state_dir);
		return FL_E_TOOBIG;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fl_errmsg_set(errmsg, "cannot make %s: %s", dir, strerror(errno));
		return FL_E_IO;
	}
	if ((r = rec_format(rec, &buf, &len)) != 0)
		return r;
	if (how == AGENT_REC_LAZY) {
		if ((r = fl_file_write_nosync(path, buf, len, 0600)) != 0)
			fl_errmsg_set(errmsg, "cannot write %s: %s", path,
				      fl_strerror(r));
		goto out;
	}
	if ((r = index_find(ipath, rec->f, &listed, &created, &torn, errmsg)) != 0)
		goto out;
	if (listed || access(path, F_OK) == 0) {
		/* a record replaced: a lost rename would bring the old one back */
		if ((r = write_durable(dir, path, buf, len, errmsg)) == 0 && !listed)
			r = index_add(state_dir, ipath, rec->f, created, torn, errmsg);
		goto out;
	}
	/* A new F with no record yet: the record first (its content synced),
	 * then the index line (synced). The folder is not synced for the
	 * record's new name: if a power cut loses that name, the index line
	 * still lists F and the site refuses F (record lost), which is safe;
	 * an index line without its record can only refuse. */
	if ((r = fl_file_write(path, buf, len, 0600)) != 0) {
		fl_errmsg_set(errmsg, "cannot write %s: %s", path, fl_strerror(r));
		goto out;
	}
	r = index_add(state_dir, ipath, rec->f, created, torn, errmsg);
out:
	free(buf);
	return r;
}

/* One line of a record into rec. */
static int rec_line(char *ln, agent_input_rec *rec, uint32_t *cap)
{
	char word[16], hex[2 * FL_NAME_BYTES + 2], state[8];
	agent_input_attempt *at;
	size_t got = 0;

	if (sscanf(ln, "%15s", word) != 1)
		return FL_E_PARSE;
	if (strcmp(word, "attempt") == 0) {
		if (rec->nattempts >= AGENT_INPUT_MAX_ATTEMPTS)
			return FL_E_PARSE;
		at = &rec->at[rec->nattempts++];
		if (sscanf(ln, "attempt %" SCNu64 " %" SCNu32 " %" SCNu32 " %7s",
			   &at->job_id, &at->round, &at->attempt, state) != 4 ||
		    (strcmp(state, "open") != 0 && strcmp(state, "closed") != 0))
			return FL_E_PARSE;
		at->open = strcmp(state, "open") == 0;
		return 0;
	}
	if (sscanf(ln, "%*s %129s", hex) != 1)
		return FL_E_PARSE;
	if (strcmp(word, "signed") == 0 && !rec->has_s) {
		rec->has_s = true;
		return sodium_hex2bin(rec->hs, sizeof(rec->hs), hex, strlen(hex), NULL,
				      &got, NULL) == 0 && got == sizeof(rec->hs) ?
			0 : FL_E_PARSE;
	}
	if (strcmp(word, "s") == 0 && rec->has_s) {
		if (rec->ns == *cap) {
			char (*ns)[FL_NAME_BYTES];

			if (*cap >= FL_SECAGG_MAX_CLIENTS)
				return FL_E_PARSE;
			*cap = *cap ? *cap * 2 : 16;
			if ((ns = realloc(rec->s, *cap * sizeof(*ns))) == NULL)
				return FL_E_NOMEM;
			rec->s = ns;
		}
		memset(rec->s[rec->ns], 0, FL_NAME_BYTES);
		if (sodium_hex2bin((uint8_t *)rec->s[rec->ns], FL_NAME_BYTES - 1, hex,
				   strlen(hex), NULL, &got, NULL) != 0 || got == 0 ||
		    memchr(rec->s[rec->ns], '\0', got))
			return FL_E_PARSE;
		rec->ns++;
		return 0;
	}
	return FL_E_PARSE;
}

/* Parses a record's text (modified in place) and checks it is F's. */
static int rec_parse(char *text, const uint8_t *f, agent_input_rec *rec)
{
	char *save = NULL, *ln, hex[F_HEX_BYTES], want[F_HEX_BYTES];
	uint8_t hs[AGENT_INPUT_ID_BYTES];
	uint32_t cap = 0, i;
	int r;

	sodium_bin2hex(want, sizeof(want), f, AGENT_INPUT_ID_BYTES);
	if ((ln = strtok_r(text, "\n", &save)) == NULL || strcmp(ln, REC_MAGIC) != 0 ||
	    (ln = strtok_r(NULL, "\n", &save)) == NULL ||
	    sscanf(ln, "f %64s", hex) != 1 || strcmp(hex, want) != 0)
		return FL_E_PARSE;
	memcpy(rec->f, f, sizeof(rec->f));
	while ((ln = strtok_r(NULL, "\n", &save)) != NULL)
		if ((r = rec_line(ln, rec, &cap)) != 0)
			return r;
	if (rec->has_s) {
		/* S sorted and distinct, as signed; its hash must match */
		for (i = 1; i < rec->ns; i++)
			if (strcmp(rec->s[i - 1], rec->s[i]) >= 0)
				return FL_E_PARSE;
		agent_input_s_hash(rec->s, rec->ns, hs);
		if (rec->ns == 0 || memcmp(hs, rec->hs, sizeof(hs)) != 0)
			return FL_E_PARSE;
	}
	return 0;
}

/* Why a missing record still refuses F (state lost), or FL_E_NOTFOUND. */
static int rec_missing(const char *state_dir, const uint8_t *f, char *errmsg)
{
	char path[FL_PATH_BYTES + 32], dir[FL_PATH_BYTES + 16], hex[F_HEX_BYTES];
	bool listed, created, torn;
	struct stat sb;
	int r;

	sodium_bin2hex(hex, sizeof(hex), f, AGENT_INPUT_ID_BYTES);
	snprintf(path, sizeof(path), "%s/inputs.index", state_dir);
	if (stat(path, &sb) != 0)
		return errno == ENOENT ? FL_E_NOTFOUND : FL_E_IO;
	(void)rec_path(state_dir, NULL, dir, sizeof(dir));
	if (stat(dir, &sb) != 0) {
		fl_errmsg_set(errmsg, "R6: %s is missing but %s says this site has "
			      "joined rounds: its record of which inputs were summed "
			      "is lost; an operator must reset the state folder "
			      "(README, secure aggregation)", dir, path);
		return FL_E_INPUT_USED;
	}
	if ((r = index_find(path, f, &listed, &created, &torn, errmsg)) != 0)
		return r;
	r = FL_E_NOTFOUND;
	if (listed) {
		fl_errmsg_set(errmsg, "R6: the record of this input (F %.*s...) is "
			      "missing from %s although %s lists it: the state "
			      "folder was damaged; an operator must reset it (README, "
			      "secure aggregation)", (int)AGENT_INPUT_HEX_SHOWN, hex,
			      dir, path);
		r = FL_E_INPUT_USED;
	}
	return r;
}

int agent_input_rec_load(const char *state_dir,
			 const uint8_t f[static AGENT_INPUT_ID_BYTES],
			 agent_input_rec *out, char *errmsg)
{
	char path[FL_PATH_BYTES + 96], *text = NULL;
	agent_input_rec rec;
	size_t len = 0;
	int r;

	if (!state_dir || !out)
		return FL_E_INVAL;
	memset(&rec, 0, sizeof(rec));
	if (rec_path(state_dir, f, path, sizeof(path)) != 0)
		return FL_E_TOOBIG;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return rec_missing(state_dir, f, errmsg);
	if ((r = fl_file_read(path, REC_MAX_BYTES, &text, &len)) != 0) {
		fl_errmsg_set(errmsg, "cannot read %s: %s", path, fl_strerror(r));
		goto out;
	}
	if ((r = rec_parse(text, f, &rec)) != 0) {
		fl_errmsg_set(errmsg, "%s is damaged (%s); this site refuses the "
			      "input until an operator resets it", path, fl_strerror(r));
		goto out;
	}
	*out = rec;
	memset(&rec, 0, sizeof(rec));
out:
	agent_input_rec_clear(&rec);
	free(text);
	return r;
}

int agent_input_close_stale(const char *state_dir, uint32_t *closed,
			    char *errmsg)
{
	char dir[FL_PATH_BYTES + 16];
	uint8_t f[AGENT_INPUT_ID_BYTES];
	struct dirent *de;
	DIR *d;
	int r = 0, e;

	*closed = 0;
	(void)rec_path(state_dir, NULL, dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : FL_E_IO;
	/* A damaged record is reported (the first) and skipped: it refuses
	 * its own input anyway; the others still get closed. */
	while ((de = readdir(d)) != NULL) {
		agent_input_rec rec;
		size_t got = 0;
		bool changed = false;
		uint32_t i;

		if (strlen(de->d_name) != 2 * AGENT_INPUT_ID_BYTES ||
		    sodium_hex2bin(f, sizeof(f), de->d_name, strlen(de->d_name),
				   NULL, &got, NULL) != 0 || got != sizeof(f))
			continue;   /* temp files and the like */
		memset(&rec, 0, sizeof(rec));
		e = agent_input_rec_load(state_dir, f, &rec, r ? NULL : errmsg);
		for (i = 0; e == 0 && i < rec.nattempts; i++) {
			changed |= rec.at[i].open;
			*closed += rec.at[i].open;
			rec.at[i].open = false;
		}
		if (e == 0 && changed)
			e = agent_input_rec_save(state_dir, &rec, AGENT_REC_DURABLE,
						 r ? NULL : errmsg);
		if (r == 0)
			r = e;
		agent_input_rec_clear(&rec);
	}
	closedir(d);
	return r;
}
