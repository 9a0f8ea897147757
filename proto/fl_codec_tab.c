/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_tab: the table walker behind the codecs (see fl_codec_tab.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <protobuf-c/protobuf-c.h>

#include "fl_msg.h"
#include "fl_codec_tab.h"
#include "fl_codec_util.h"

#define AT(base, off) ((void *)((char *)(base) + (off)))
#define CAT(base, off) ((const void *)((const char *)(base) + (off)))

static int cap_err(const fl_codec_field *f)
{
	return f->err ? f->err : FL_E_TOOBIG;
}

/* A table that does not match its structs is a programming error. */
static void tab_bug(const fl_codec_tab *t, const char *what)
{
	fprintf(stderr, "fl_codec_tab: %s: %s\n", t->pb->name, what);
	abort();
}

static size_t count_get(const void *base, const fl_codec_field *f)
{
	if (f->cn == sizeof(uint32_t)) {
		uint32_t v;

		memcpy(&v, CAT(base, f->c_n_off), sizeof(v));
		return v;
	}
	if (f->cn == sizeof(uint64_t)) {
		uint64_t v;

		memcpy(&v, CAT(base, f->c_n_off), sizeof(v));
		return (size_t)v;
	}
	abort();
}

/* n is at most a cap, so it fits any count width in use. */
static void count_set(void *base, const fl_codec_field *f, size_t n)
{
	if (f->cn == sizeof(uint32_t)) {
		uint32_t v = (uint32_t)n;

		memcpy(AT(base, f->c_n_off), &v, sizeof(v));
	} else if (f->cn == sizeof(uint64_t)) {
		uint64_t v = n;

		memcpy(AT(base, f->c_n_off), &v, sizeof(v));
	} else {
		abort();
	}
}

static const void *ptr_get(const void *base, size_t off)
{
	const void *p;

	memcpy(&p, CAT(base, off), sizeof(p));
	return p;
}

static void ptr_set(void *base, size_t off, const void *p)
{
	memcpy(AT(base, off), &p, sizeof(p));
}

void *fl_codec_tab_arena_calloc(fl_codec_arena *a, size_t n, size_t size)
{
	void *p;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		void **np = realloc(a->p, cap * sizeof(*np));

		if (!np)
			return NULL;
		a->p = np;
		a->cap = cap;
	}
	if ((p = calloc(n ? n : 1, size)) == NULL)
		return NULL;
	a->p[a->n++] = p;
	return p;
}

void fl_codec_tab_arena_free(fl_codec_arena *arena)
{
	if (!arena)
		return;
	for (size_t i = 0; i < arena->n; i++)
		free(arena->p[i]);
	free(arena->p);
	memset(arena, 0, sizeof(*arena));
}

/* ---- encoding ---- */

static bool has_count(const fl_codec_field *f)
{
	return f->kind == FL_CK_LIST || f->kind == FL_CK_ARR ||
	       f->kind == FL_CK_STRLIST;
}

/* An optional sub-message (FL_CF_PRESENT) goes out only when present. */
static bool sub_sent(const fl_codec_field *f, const void *c)
{
	return !(f->flags & FL_CF_PRESENT) ||
	       *(const bool *)CAT(c, f->c_off + f->c_n_off);
}

/* The first string of a list of fixed strings (inline or owned). */
static const char *strlist_base(const fl_codec_field *f, const void *c)
{
	return (f->flags & FL_CF_OWNED) ? ptr_get(c, f->c_off) : CAT(c, f->c_off);
}

/* Pass 1: FL_E_INVAL for a struct that is not well formed. */
static int out_inval(const fl_codec_tab *t, const void *c)
{
	for (size_t i = 0; i < t->nf; i++) {
		const fl_codec_field *f = &t->f[i];
		int r;

		if (f->kind == FL_CK_FIXSTR &&
		    !fl_codec_fixed_ok(CAT(c, f->c_off), f->cap))
			return f->err ? f->err : FL_E_INVAL;
		if ((f->kind == FL_CK_LIST || f->kind == FL_CK_ARR ||
		     f->kind == FL_CK_DATA ||
		     (f->kind == FL_CK_STRLIST && (f->flags & FL_CF_OWNED))) &&
		    count_get(c, f) && !ptr_get(c, f->c_off))
			return FL_E_INVAL;
		if (f->kind == FL_CK_STR && (f->flags & FL_CF_REQUIRED) &&
		    !ptr_get(c, f->c_off))
			return FL_E_INVAL;
		if (f->kind == FL_CK_SUB && !f->sub->out && sub_sent(f, c) &&
		    (r = out_inval(f->sub, CAT(c, f->c_off))) != 0)
			return r;
	}
	return 0;
}

/* Pass 2: the caps and the CHECK hooks. */
static int out_caps(const fl_codec_tab *t, const void *c)
{
	for (size_t i = 0; i < t->nf; i++) {
		const fl_codec_field *f = &t->f[i];
		const char *s;
		int r;

		if (has_count(f) && count_get(c, f) > f->cap)
			return cap_err(f);
		if ((f->kind == FL_CK_VBYTES || f->kind == FL_CK_DATA) &&
		    count_get(c, f) > f->cap)
			return cap_err(f);
		if (f->kind == FL_CK_STR && (s = ptr_get(c, f->c_off)) != NULL &&
		    strlen(s) > f->cap)
			return cap_err(f);
		if (f->kind == FL_CK_CHECK && f->enc && (r = f->enc(c)) != 0)
			return r;
	}
	return 0;
}

static int out_list(const fl_codec_field *f, const void *c, void *pb,
		    fl_codec_arena *a)
{
	const fl_codec_tab *st = f->sub;
	size_t n = count_get(c, f), psz = st->pb->sizeof_message;
	const char *items = ptr_get(c, f->c_off);
	char *blk;
	void **ptrs;
	int r;

	if (n == 0)
		return 0;
	if ((blk = fl_codec_tab_arena_calloc(a, n, psz)) == NULL ||
	    (ptrs = fl_codec_tab_arena_calloc(a, n, sizeof(*ptrs))) == NULL)
		return FL_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		protobuf_c_message_init(st->pb, blk + i * psz);
		if ((r = fl_codec_tab_out(st, items + i * st->c_size,
					  blk + i * psz, a)) != 0)
			return r;
		ptrs[i] = blk + i * psz;
	}
	memcpy(AT(pb, f->pb_n_off), &n, sizeof(n));
	ptr_set(pb, f->pb_off, ptrs);
	return 0;
}

static int out_strlist(const fl_codec_field *f, const void *c, void *pb,
		       fl_codec_arena *a)
{
	size_t n = count_get(c, f);
	const char *base = strlist_base(f, c);
	char **names;

	if (n == 0)
		return 0;
	if ((names = fl_codec_tab_arena_calloc(a, n, sizeof(*names))) == NULL)
		return FL_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *s = base + i * f->esz;

		if (!fl_codec_fixed_ok(s, f->esz))
			return FL_E_INVAL;
		names[i] = (char *)s;
	}
	memcpy(AT(pb, f->pb_n_off), &n, sizeof(n));
	ptr_set(pb, f->pb_off, names);
	return 0;
}

static void out_bytes(void *pb, size_t off, const void *data, size_t n)
{
	ProtobufCBinaryData b;

	b.len = n;
	b.data = (uint8_t *)data;
	memcpy(AT(pb, off), &b, sizeof(b));
}

/* Pass 3 for one field. */
static int out_field(const fl_codec_tab *t, const fl_codec_field *f,
		     const void *c, void *pb, fl_codec_arena *a)
{
	const void *s;
	void *sub;

	switch ((enum fl_codec_kind)f->kind) {
	case FL_CK_NUM:
		if (f->csz != f->pbsz)
			tab_bug(t, "scalar widths differ");
		memcpy(AT(pb, f->pb_off), CAT(c, f->c_off), f->csz);
		return 0;
	case FL_CK_BOOL: {
		protobuf_c_boolean v = *(const bool *)CAT(c, f->c_off);

		memcpy(AT(pb, f->pb_off), &v, sizeof(v));
		return 0;
	}
	case FL_CK_FIXSTR:
		ptr_set(pb, f->pb_off, CAT(c, f->c_off));
		return 0;
	case FL_CK_STR:
		if ((s = ptr_get(c, f->c_off)) != NULL)
			ptr_set(pb, f->pb_off, s);
		return 0;
	case FL_CK_BYTES:
		out_bytes(pb, f->pb_off, CAT(c, f->c_off), f->cap);
		return 0;
	case FL_CK_VBYTES:
		out_bytes(pb, f->pb_off, CAT(c, f->c_off), count_get(c, f));
		return 0;
	case FL_CK_DATA:
		out_bytes(pb, f->pb_off, ptr_get(c, f->c_off), count_get(c, f));
		return 0;
	case FL_CK_ARR: {
		size_t n = count_get(c, f);

		memcpy(AT(pb, f->pb_n_off), &n, sizeof(n));
		ptr_set(pb, f->pb_off, ptr_get(c, f->c_off));
		return 0;
	}
	case FL_CK_SUB:
		if (!sub_sent(f, c))
			return 0;
		if ((sub = fl_codec_tab_arena_calloc(a, 1, f->sub->pb->sizeof_message)) == NULL)
			return FL_E_NOMEM;
		protobuf_c_message_init(f->sub->pb, sub);
		ptr_set(pb, f->pb_off, sub);
		return fl_codec_tab_out(f->sub, CAT(c, f->c_off), sub, a);
	case FL_CK_LIST:
		return out_list(f, c, pb, a);
	case FL_CK_STRLIST:
		return out_strlist(f, c, pb, a);
	case FL_CK_CHECK:
		return 0;
	}
	tab_bug(t, "unknown field kind");
	return FL_E_INVAL;
}

int fl_codec_tab_out(const fl_codec_tab *t, const void *c, void *pb,
		     fl_codec_arena *arena)
{
	int r;

	if (t->out)
		return t->out(c, pb, arena);
	if ((r = out_inval(t, c)) != 0 || (r = out_caps(t, c)) != 0)
		return r;
	for (size_t i = 0; i < t->nf; i++)
		if ((r = out_field(t, &t->f[i], c, pb, arena)) != 0)
			return r;
	return 0;
}

int fl_codec_tab_encode(const fl_codec_tab *t, const void *in, uint8_t **buf,
			size_t *len)
{
	fl_codec_arena a = { NULL, 0, 0 };
	void *pb;
	int r;

	if (!t || !in || !buf || !len)
		return FL_E_INVAL;
	if ((pb = fl_codec_tab_arena_calloc(&a, 1, t->pb->sizeof_message)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	protobuf_c_message_init(t->pb, pb);
	if ((r = fl_codec_tab_out(t, in, pb, &a)) == 0)
		r = fl_codec_pack(pb, buf, len);
out:
	fl_codec_tab_arena_free(&a);
	return r;
}

/* ---- clearing ---- */

void fl_codec_tab_clear(const fl_codec_tab *t, void *c)
{
	if (!t || !c)
		return;
	if (t->clear) {
		t->clear(c);
		return;
	}
	for (size_t i = 0; i < t->nf; i++) {
		const fl_codec_field *f = &t->f[i];
		size_t n, bytes = 0;
		char *p;

		switch ((enum fl_codec_kind)f->kind) {
		case FL_CK_STR:
			free((void *)ptr_get(c, f->c_off));
			ptr_set(c, f->c_off, NULL);
			break;
		case FL_CK_DATA:
			free((void *)ptr_get(c, f->c_off));
			ptr_set(c, f->c_off, NULL);
			count_set(c, f, 0);
			break;
		case FL_CK_SUB:
			fl_codec_tab_clear(f->sub, AT(c, f->c_off));
			break;
		case FL_CK_STRLIST:
			if (f->flags & FL_CF_OWNED) {
				free((void *)ptr_get(c, f->c_off));
				ptr_set(c, f->c_off, NULL);
				count_set(c, f, 0);
			}
			break;
		case FL_CK_LIST:
		case FL_CK_ARR:
			n = count_get(c, f);
			if ((p = (char *)ptr_get(c, f->c_off)) != NULL) {
				bytes = n * (f->kind == FL_CK_LIST ?
					     f->sub->c_size : f->esz);
				for (size_t j = 0; f->kind == FL_CK_LIST && j < n; j++)
					fl_codec_tab_clear(f->sub,
							   p + j * f->sub->c_size);
				sodium_memzero(p, bytes);
				free(p);
			}
			ptr_set(c, f->c_off, NULL);
			count_set(c, f, 0);
			break;
		default:
			break;
		}
	}
}

void fl_codec_tab_reset(const fl_codec_tab *t, void *c)
{
	if (!t || !c)
		return;
	fl_codec_tab_clear(t, c);
	memset(c, 0, t->c_size);
}

/* ---- decoding ---- */

/* Refuses lists over their cap and missing required sub-messages. */
static int in_caps(const fl_codec_tab *t, const void *pb)
{
	for (size_t i = 0; i < t->nf; i++) {
		const fl_codec_field *f = &t->f[i];
		size_t n;

		if (has_count(f)) {
			memcpy(&n, CAT(pb, f->pb_n_off), sizeof(n));
			if (n > f->cap)
				return cap_err(f);
		}
		if (f->kind == FL_CK_DATA) {
			ProtobufCBinaryData b;

			memcpy(&b, CAT(pb, f->pb_off), sizeof(b));
			if (b.len > f->cap)
				return cap_err(f);
		}
		if (f->kind == FL_CK_SUB && f->err && !ptr_get(pb, f->pb_off))
			return f->err;
	}
	return 0;
}

static int in_list(const fl_codec_field *f, const void *pb, void *c)
{
	const fl_codec_tab *st = f->sub;
	void *const *items = ptr_get(pb, f->pb_off);
	size_t n;
	char *arr;
	int r;

	memcpy(&n, CAT(pb, f->pb_n_off), sizeof(n));
	if (n == 0)
		return 0;
	if ((arr = calloc(n, st->c_size)) == NULL)
		return FL_E_NOMEM;
	/* Entries not yet decoded stay zeroed, so clearing frees the rest. */
	ptr_set(c, f->c_off, arr);
	count_set(c, f, n);
	for (size_t i = 0; i < n; i++) {
		if (items[i] == NULL)
			return FL_E_PARSE;
		if ((r = fl_codec_tab_in(st, items[i], arr + i * st->c_size)) != 0)
			return r;
	}
	return 0;
}

static int in_arr(const fl_codec_field *f, const void *pb, void *c)
{
	size_t n;
	void *arr;

	memcpy(&n, CAT(pb, f->pb_n_off), sizeof(n));
	if (n == 0)
		return 0;
	if ((arr = malloc(n * f->esz)) == NULL)
		return FL_E_NOMEM;
	memcpy(arr, ptr_get(pb, f->pb_off), n * f->esz);
	ptr_set(c, f->c_off, arr);
	count_set(c, f, n);
	return 0;
}

static int in_strlist(const fl_codec_field *f, const void *pb, void *c)
{
	char *const *names = ptr_get(pb, f->pb_off);
	char *base = AT(c, f->c_off);
	size_t n;
	int r;

	memcpy(&n, CAT(pb, f->pb_n_off), sizeof(n));
	if (n && (f->flags & FL_CF_OWNED)) {
		if ((base = calloc(n, f->esz)) == NULL)
			return FL_E_NOMEM;
		ptr_set(c, f->c_off, base);
	}
	for (size_t i = 0; i < n; i++)
		if ((r = fl_codec_str_in(base + i * f->esz, f->esz, names[i])) != 0)
			return r;
	count_set(c, f, n);
	return 0;
}

static int in_bytes(const fl_codec_field *f, const void *pb, void *c)
{
	ProtobufCBinaryData b;

	memcpy(&b, CAT(pb, f->pb_off), sizeof(b));
	if (f->kind == FL_CK_BYTES) {
		if (b.len == 0 && (f->flags & FL_CF_EMPTY_OK))
			return 0;
		if (b.len != f->cap)
			return cap_err(f);
	} else {
		if (b.len > f->cap)
			return cap_err(f);
		count_set(c, f, b.len);
	}
	if (b.len)
		memcpy(AT(c, f->c_off), b.data, b.len);
	return 0;
}

/* A copy of the slice (NULL for none). */
static int in_data(const fl_codec_field *f, const void *pb, void *c)
{
	ProtobufCBinaryData b;
	uint8_t *d;

	memcpy(&b, CAT(pb, f->pb_off), sizeof(b));
	if (b.len == 0)
		return 0;
	if ((d = malloc(b.len)) == NULL)
		return FL_E_NOMEM;
	memcpy(d, b.data, b.len);
	ptr_set(c, f->c_off, d);
	count_set(c, f, b.len);
	return 0;
}

static int in_field(const fl_codec_tab *t, const fl_codec_field *f,
		    const void *pb, void *c)
{
	const void *sub;
	char *s = NULL;
	int r;

	switch ((enum fl_codec_kind)f->kind) {
	case FL_CK_NUM:
		if (f->csz != f->pbsz)
			tab_bug(t, "scalar widths differ");
		memcpy(AT(c, f->c_off), CAT(pb, f->pb_off), f->csz);
		return 0;
	case FL_CK_BOOL: {
		protobuf_c_boolean v;

		memcpy(&v, CAT(pb, f->pb_off), sizeof(v));
		*(bool *)AT(c, f->c_off) = v != 0;
		return 0;
	}
	case FL_CK_FIXSTR:
		return fl_codec_str_in(AT(c, f->c_off), f->cap,
				       ptr_get(pb, f->pb_off));
	case FL_CK_STR:
		if ((r = fl_codec_str_dup(ptr_get(pb, f->pb_off), f->cap,
					  (f->flags & FL_CF_NULL_EMPTY) != 0,
					  &s)) != 0)
			return r;
		ptr_set(c, f->c_off, s);
		return 0;
	case FL_CK_BYTES:
	case FL_CK_VBYTES:
		return in_bytes(f, pb, c);
	case FL_CK_ARR:
		return in_arr(f, pb, c);
	case FL_CK_DATA:
		return in_data(f, pb, c);
	case FL_CK_SUB:
		if ((sub = ptr_get(pb, f->pb_off)) == NULL)
			return 0;   /* proto3: a missing message reads as zeros */
		if (f->flags & FL_CF_PRESENT)
			*(bool *)AT(c, f->c_off + f->c_n_off) = true;
		return fl_codec_tab_in(f->sub, sub, AT(c, f->c_off));
	case FL_CK_LIST:
		return in_list(f, pb, c);
	case FL_CK_STRLIST:
		return in_strlist(f, pb, c);
	case FL_CK_CHECK:
		return f->dec ? f->dec(pb) : 0;
	}
	tab_bug(t, "unknown field kind");
	return FL_E_INVAL;
}

int fl_codec_tab_in(const fl_codec_tab *t, const void *pb, void *c)
{
	int r;

	if (t->in)
		return t->in(pb, c);
	if ((r = in_caps(t, pb)) != 0)
		return r;
	for (size_t i = 0; i < t->nf; i++)
		if ((r = in_field(t, &t->f[i], pb, c)) != 0)
			return r;
	return 0;
}

/* Wipes the bytes fields of an unpacked message before it is freed. */
static void pb_wipe(const fl_codec_tab *t, void *pb)
{
	ProtobufCBinaryData b;
	void **items, *sub;
	size_t n;

	for (size_t i = 0; i < t->nf; i++) {
		const fl_codec_field *f = &t->f[i];

		switch ((enum fl_codec_kind)f->kind) {
		case FL_CK_BYTES:
		case FL_CK_VBYTES:
			memcpy(&b, CAT(pb, f->pb_off), sizeof(b));
			if (b.data)
				sodium_memzero(b.data, b.len);
			break;
		case FL_CK_SUB:
			if ((sub = (void *)ptr_get(pb, f->pb_off)) != NULL)
				pb_wipe(f->sub, sub);
			break;
		case FL_CK_LIST:
			memcpy(&n, CAT(pb, f->pb_n_off), sizeof(n));
			items = (void **)ptr_get(pb, f->pb_off);
			for (size_t j = 0; items && j < n; j++)
				if (items[j])
					pb_wipe(f->sub, items[j]);
			break;
		default:
			break;
		}
	}
}

int fl_codec_tab_decode(const fl_codec_tab *t, const uint8_t *buf, size_t len,
			void *out)
{
	ProtobufCMessage *m;
	void *tmp;
	int r;

	if (!t || !out)
		return FL_E_INVAL;
	if ((m = fl_codec_unpack(t->pb, buf, len, &r)) == NULL)
		return r;
	if ((tmp = calloc(1, t->c_size)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = fl_codec_tab_in(t, m, tmp)) == 0)
		memcpy(out, tmp, t->c_size);
	else
		fl_codec_tab_clear(t, tmp);
	sodium_memzero(tmp, t->c_size);   /* it may have held key shares */
	free(tmp);
out:
	if (t->flags & FL_CT_WIPE)
		pb_wipe(t, m);
	fl_codec_free(m);
	return r;
}

int fl_codec_tab_encode_empty(const ProtobufCMessageDescriptor *d,
			      uint8_t **buf, size_t *len)
{
	fl_codec_arena a = { NULL, 0, 0 };
	void *pb;
	int r;

	if (!buf || !len)
		return FL_E_INVAL;
	if ((pb = fl_codec_tab_arena_calloc(&a, 1, d->sizeof_message)) == NULL)
		return FL_E_NOMEM;
	protobuf_c_message_init(d, pb);
	r = fl_codec_pack(pb, buf, len);
	fl_codec_tab_arena_free(&a);
	return r;
}

int fl_codec_tab_decode_empty(const ProtobufCMessageDescriptor *d,
			      const uint8_t *buf, size_t len, int *out)
{
	ProtobufCMessage *m;
	int r;

	if ((m = fl_codec_unpack(d, buf, len, &r)) == NULL)
		return r;
	fl_codec_free(m);
	if (out)
		*out = 0;
	return 0;
}
