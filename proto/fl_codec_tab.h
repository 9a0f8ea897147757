/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_tab: table-driven encode/decode between an fl_msg struct and its
 * protobuf-c message, for the shapes every message repeats. */
#ifndef FL_CODEC_TAB_H
#define FL_CODEC_TAB_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "fl_err.h"

/*
 * A message is described by a fl_codec_tab: its protobuf-c descriptor, the
 * size of its C struct, and one fl_codec_field a field that says where the
 * field lives in both structs (offsets) and what it may hold.
 *
 * Encoding (trusted input, but still checked) runs three passes over a
 * table, so that the error for a bad struct is the one the hand-written
 * codecs returned:
 *   1. FL_E_INVAL: a fixed string without its NUL, a list or array with a
 *      count but no pointer (also inside inline sub-messages);
 *   2. the caps: a list, array or byte field over its cap (err, default
 *      FL_E_TOOBIG), a string over its cap (FL_E_TOOBIG), CHECK hooks;
 *   3. filling the protobuf-c struct; list items run all three passes.
 * Decoding (untrusted bytes) first refuses lists and arrays over their cap
 * (err) and missing required sub-messages (err), then fills the fields in
 * table order, so a CHECK placed first runs before any copy and one placed
 * after a field sees it copied.
 */
enum fl_codec_kind {
	FL_CK_NUM = 1, /* scalar of the same width on both sides (ints, enums, doubles) */
	FL_CK_BOOL,    /* C bool <-> protobuf_c_boolean */
	FL_CK_FIXSTR,  /* char[cap] <-> char *: encode needs the NUL (err, default
			* FL_E_INVAL), decode refuses cap or more bytes
			* (FL_E_TOOBIG) */
	FL_CK_STR,     /* owned char * (NULL sends ""), at most cap bytes (encode:
			* err, default FL_E_TOOBIG; decode: FL_E_TOOBIG);
			* decodes "" as NULL with FL_CF_NULL_EMPTY */
	FL_CK_STRLIST, /* char [][cap] with a count (cn bytes wide): a list of
			* fixed strings, at most max (err) */
	FL_CK_BYTES,   /* uint8_t[cap] <-> bytes: exactly cap bytes, else err
			* (decode); with FL_CF_EMPTY_OK an empty field decodes as
			* zeros */
	FL_CK_VBYTES,  /* uint8_t[cap] with a length (cn bytes wide) <-> bytes:
			* at most cap bytes, else err */
	FL_CK_ARR,     /* owned array of scalars (esz bytes each) with a count
			* (cn bytes wide) <-> repeated scalar, at most max (err) */
	FL_CK_SUB,     /* inline struct <-> sub-message pointer; a missing one
			* decodes as zeros, or as err when err is set */
	FL_CK_LIST,    /* owned array of structs (sub->c_size each) with a count
			* (cn bytes wide) <-> repeated sub-message, at most max
			* (err); a NULL item is FL_E_PARSE */
	FL_CK_DATA,    /* owned uint8_t * with a length (cn bytes wide) <-> bytes:
			* a slice of a file; encode refuses data NULL with a
			* length (FL_E_INVAL); at most cap bytes (err) */
	FL_CK_CHECK,   /* no field: enc(c struct) and dec(pb struct) hooks that
			* return 0 or an error (e.g. FL_E_RANGE) */
};

#define FL_CF_NULL_EMPTY 1u   /* FL_CK_STR: "" decodes as NULL */
#define FL_CF_EMPTY_OK 2u     /* FL_CK_BYTES: an empty field decodes as zeros */
#define FL_CF_OWNED 4u        /* FL_CK_STRLIST: c_off holds a pointer to an
			       * owned array of char[esz] */
#define FL_CF_REQUIRED 16u    /* FL_CK_STR: encoding NULL is FL_E_INVAL */
#define FL_CF_PRESENT 8u      /* FL_CK_SUB: the sub-message is sent only when
			       * the bool at c_n_off of the sub struct is true,
			       * and decoding one sets it */

struct fl_codec_tab;
typedef struct fl_codec_arena {
	void **p;
	size_t n, cap;
} fl_codec_arena;
typedef struct fl_codec_field {
	uint8_t kind;          /* enum fl_codec_kind */
	uint8_t flags;         /* FL_CF_* */
	uint8_t csz, pbsz;     /* FL_CK_NUM: widths; the walker aborts on a
				* mismatch (a table bug, caught by any test) */
	uint8_t cn;            /* width of the C count or length (4 or 8) */
	uint8_t esz;           /* FL_CK_ARR: element width */
	size_t c_off, pb_off;  /* the field (lists: the array pointer) */
	size_t c_n_off, pb_n_off; /* lists, arrays, VBYTES: the count */
	size_t cap;            /* bytes (strings, byte fields) or entries */
	int err;               /* the error for a break of cap (0: FL_E_TOOBIG) */
	const struct fl_codec_tab *sub; /* FL_CK_SUB and FL_CK_LIST */
	int (*enc)(const void *c);      /* FL_CK_CHECK */
	int (*dec)(const void *pb);     /* FL_CK_CHECK */
} fl_codec_field;

#define FL_CT_WIPE 1u   /* wipe the bytes fields of the unpacked message */

/* A message: its fields, or (for a shape no field kind covers) its own
 * out/in/clear functions with the contracts of fl_codec_tab_out/_in/_clear. */
typedef struct fl_codec_tab {
	const ProtobufCMessageDescriptor *pb;
	size_t c_size;
	const fl_codec_field *f;
	size_t nf;
	unsigned flags;   /* FL_CT_WIPE */
	int (*out)(const void *c, void *pb, fl_codec_arena *arena);
	int (*in)(const void *pb, void *c);
	void (*clear)(void *c);
} fl_codec_tab;

#define FL_CT_TAB(desc, ctype, fields) \
	{ &(desc), sizeof(ctype), (fields), sizeof(fields) / sizeof((fields)[0]), \
	  0, NULL, NULL, NULL }
#define FL_CT_TAB_WIPE(desc, ctype, fields) \
	{ &(desc), sizeof(ctype), (fields), sizeof(fields) / sizeof((fields)[0]), \
	  FL_CT_WIPE, NULL, NULL, NULL }
#define FL_CT_TAB_FN(desc, ctype, outf, inf, clearf) \
	{ &(desc), sizeof(ctype), NULL, 0, 0, (outf), (inf), (clearf) }

/* A message's table from its fields (FL_CT_NUM, FL_CT_STR, ...):
 * FL_CT_MESSAGE(tab, desc, ctype, fields...) defines the static const
 * fl_codec_tab tab and its field array tab_fields; _WIPE, the same with
 * FL_CT_TAB_WIPE; _PUBLIC, tab with external linkage (fl_codec_int.h
 * declares it). */
#define FL_CT_MESSAGE(tab, desc, ctype, ...) \
	static const fl_codec_field tab##_fields[] = { __VA_ARGS__ }; \
	static const fl_codec_tab tab = FL_CT_TAB(desc, ctype, tab##_fields)
#define FL_CT_MESSAGE_WIPE(tab, desc, ctype, ...) \
	static const fl_codec_field tab##_fields[] = { __VA_ARGS__ }; \
	static const fl_codec_tab tab = FL_CT_TAB_WIPE(desc, ctype, tab##_fields)
#define FL_CT_MESSAGE_PUBLIC(tab, desc, ctype, ...) \
	static const fl_codec_field tab##_fields[] = { __VA_ARGS__ }; \
	const fl_codec_tab tab = FL_CT_TAB(desc, ctype, tab##_fields)

/* Defines fl_codec_encode_<name> and fl_codec_decode_<name> on a table. */
#define FL_CODEC_TAB_FUNCS(name, type, tab) \
	int fl_codec_encode_##name(const type *in, uint8_t **buf, size_t *len) \
	{ \
		return fl_codec_tab_encode(&(tab), in, buf, len); \
	} \
	int fl_codec_decode_##name(const uint8_t *buf, size_t len, type *out) \
	{ \
		return fl_codec_tab_decode(&(tab), buf, len, out); \
	}

/* void fn(type *m), an fl_msg_*_clear function: fl_codec_tab_clear (what
 * m owns by tab is freed, the rest left) or, for _RESET, fl_codec_tab_reset
 * (then all of m zeroed) with tab. */
#define FL_CODEC_TAB_CLEAR(fn, type, tab) \
	void fn(type *m) \
	{ \
		fl_codec_tab_clear(&(tab), m); \
	}
#define FL_CODEC_TAB_RESET(fn, type, tab) \
	void fn(type *m) \
	{ \
		fl_codec_tab_reset(&(tab), m); \
	}

#define FL_CT_MEMB(t, f) (((t *)0)->f)
#define FL_CT_NUM(ct, cf, pt, pf) { .kind = FL_CK_NUM, \
	.csz = sizeof(FL_CT_MEMB(ct, cf)), .pbsz = sizeof(FL_CT_MEMB(pt, pf)), \
	.c_off = offsetof(ct, cf), .pb_off = offsetof(pt, pf) }
#define FL_CT_BOOL(ct, cf, pt, pf) { .kind = FL_CK_BOOL, \
	.c_off = offsetof(ct, cf), .pb_off = offsetof(pt, pf) }
#define FL_CT_FIXSTR(ct, cf, pt, pf) { .kind = FL_CK_FIXSTR, \
	.c_off = offsetof(ct, cf), .pb_off = offsetof(pt, pf), \
	.cap = sizeof(FL_CT_MEMB(ct, cf)) }
#define FL_CT_FIXSTR_E(ct, cf, pt, pf, e) { .kind = FL_CK_FIXSTR, \
	.c_off = offsetof(ct, cf), .pb_off = offsetof(pt, pf), \
	.cap = sizeof(FL_CT_MEMB(ct, cf)), .err = (e) }
#define FL_CT_STR(ct, cf, pt, pf, max, fl) { .kind = FL_CK_STR, .flags = (fl), \
	.c_off = offsetof(ct, cf), .pb_off = offsetof(pt, pf), .cap = (max) }
#define FL_CT_STRLIST(ct, cf, cnf, pt, pf, max, e) { .kind = FL_CK_STRLIST, \
	.cn = sizeof(FL_CT_MEMB(ct, cnf)), .c_off = offsetof(ct, cf), \
	.pb_off = offsetof(pt, pf), .c_n_off = offsetof(ct, cnf), \
	.pb_n_off = offsetof(pt, n_##pf), .cap = (max), \
	.esz = sizeof(FL_CT_MEMB(ct, cf)[0]), .err = (e) }
#define FL_CT_STR_E(ct, cf, pt, pf, max, fl, e) { .kind = FL_CK_STR, \
	.flags = (fl), .c_off = offsetof(ct, cf), .pb_off = offsetof(pt, pf), \
	.cap = (max), .err = (e) }
#define FL_CT_STRARR(ct, cf, cnf, pt, pf, max, e) { .kind = FL_CK_STRLIST, \
	.flags = FL_CF_OWNED, .cn = sizeof(FL_CT_MEMB(ct, cnf)), \
	.c_off = offsetof(ct, cf), .pb_off = offsetof(pt, pf), \
	.c_n_off = offsetof(ct, cnf), .pb_n_off = offsetof(pt, n_##pf), \
	.cap = (max), .esz = sizeof(*FL_CT_MEMB(ct, cf)), .err = (e) }
#define FL_CT_BYTES(ct, cf, pt, pf, e, fl) { .kind = FL_CK_BYTES, .flags = (fl), \
	.c_off = offsetof(ct, cf), .pb_off = offsetof(pt, pf), \
	.cap = sizeof(FL_CT_MEMB(ct, cf)), .err = (e) }
#define FL_CT_VBYTES(ct, cf, lf, pt, pf, e) { .kind = FL_CK_VBYTES, \
	.cn = sizeof(FL_CT_MEMB(ct, lf)), .c_off = offsetof(ct, cf), \
	.pb_off = offsetof(pt, pf), .c_n_off = offsetof(ct, lf), \
	.cap = sizeof(FL_CT_MEMB(ct, cf)), .err = (e) }
#define FL_CT_ARR(ct, cf, cnf, pt, pf, max, e) { .kind = FL_CK_ARR, \
	.cn = sizeof(FL_CT_MEMB(ct, cnf)), .esz = sizeof(*FL_CT_MEMB(ct, cf)), \
	.c_off = offsetof(ct, cf), .pb_off = offsetof(pt, pf), \
	.c_n_off = offsetof(ct, cnf), .pb_n_off = offsetof(pt, n_##pf), \
	.cap = (max), .err = (e) }
#define FL_CT_DATA(ct, cf, lf, pt, pf, max, e) { .kind = FL_CK_DATA, \
	.cn = sizeof(FL_CT_MEMB(ct, lf)), .c_off = offsetof(ct, cf), \
	.pb_off = offsetof(pt, pf), .c_n_off = offsetof(ct, lf), .cap = (max), \
	.err = (e) }
#define FL_CT_SUB(ct, cf, pt, pf, tab, e) { .kind = FL_CK_SUB, \
	.c_off = offsetof(ct, cf), .pb_off = offsetof(pt, pf), .sub = &(tab), \
	.err = (e) }
#define FL_CT_OPTSUB(ct, cf, pt, pf, tab, st, pres) { .kind = FL_CK_SUB, \
	.flags = FL_CF_PRESENT, .c_off = offsetof(ct, cf), \
	.pb_off = offsetof(pt, pf), .c_n_off = offsetof(st, pres), .sub = &(tab) }
#define FL_CT_LIST(ct, cf, cnf, pt, pf, tab, max, e) { .kind = FL_CK_LIST, \
	.cn = sizeof(FL_CT_MEMB(ct, cnf)), .c_off = offsetof(ct, cf), \
	.pb_off = offsetof(pt, pf), .c_n_off = offsetof(ct, cnf), \
	.pb_n_off = offsetof(pt, n_##pf), .sub = &(tab), .cap = (max), .err = (e) }
#define FL_CT_CHECK(encf, decf) { .kind = FL_CK_CHECK, .enc = (encf), .dec = (decf) }

/* Encodes the C struct in as t's message into a malloc'd *buf (caller
 * frees) of *len bytes. FL_E_INVAL for NULL arguments, the table's errors,
 * FL_E_TOOBIG (over FL_MSG_MAX_BYTES), FL_E_NOMEM. */
int fl_codec_tab_encode(const fl_codec_tab *t, const void *in, uint8_t **buf,
			size_t *len);

/* Decodes untrusted bytes as t's message into *out (t->c_size bytes),
 * set only on success; on failure what was decoded is freed with
 * fl_codec_tab_clear. FL_E_INVAL for NULL out,
 * the errors of fl_codec_unpack and of the table. */
int fl_codec_tab_decode(const fl_codec_tab *t, const uint8_t *buf, size_t len,
			void *out);

/* The same two for a message already in protobuf-c form: _out fills pb
 * (initialised, of t's type) from c, with what it allocates recorded in
 * *arena (free it with fl_codec_tab_arena_free, even on failure); _in
 * fills c (zeroed) from pb; on failure free c with fl_codec_tab_clear. */
int fl_codec_tab_out(const fl_codec_tab *t, const void *c, void *pb,
		     fl_codec_arena *arena);
int fl_codec_tab_in(const fl_codec_tab *t, const void *pb, void *c);
void fl_codec_tab_arena_free(fl_codec_arena *arena);
/* n zeroed elements of size bytes (at least one) owned by arena; NULL when
 * out of memory. */
void *fl_codec_tab_arena_calloc(fl_codec_arena *arena, size_t n, size_t size);

/* A message without fields (Empty, SaAck): *in is ignored and may be
 * NULL; decoding sets *out (when not NULL) to 0. */
int fl_codec_tab_encode_empty(const ProtobufCMessageDescriptor *d,
			      uint8_t **buf, size_t *len);
int fl_codec_tab_decode_empty(const ProtobufCMessageDescriptor *d,
			      const uint8_t *buf, size_t len, int *out);
#define FL_CODEC_EMPTY_FUNCS(name, desc) \
	int fl_codec_encode_##name(const int *in, uint8_t **buf, size_t *len) \
	{ \
		(void)in; \
		return fl_codec_tab_encode_empty(&(desc), buf, len); \
	} \
	int fl_codec_decode_##name(const uint8_t *buf, size_t len, int *out) \
	{ \
		return fl_codec_tab_decode_empty(&(desc), buf, len, out); \
	}

/* Frees what the C struct c owns by t (strings, arrays, lists and their
 * items, wiping arrays first) and sets those fields and their counts to
 * NULL and 0; the rest of c is left as it is. A partly decoded struct is
 * fine. */
void fl_codec_tab_clear(const fl_codec_tab *t, void *c);

/* fl_codec_tab_clear, then all of c zeroed (the fl_msg_*_clear contract
 * of a struct that owns memory only through t's fields). NULL c is fine. */
void fl_codec_tab_reset(const fl_codec_tab *t, void *c);

#endif
