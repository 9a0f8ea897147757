/* SPDX-License-Identifier: Apache-2.0 */
/* test_wbuf: a tiny protobuf writer for hand-made hostile test inputs. */
#ifndef TEST_WBUF_H
#define TEST_WBUF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct wbuf { uint8_t *b; size_t n, cap; } wbuf;

static inline void w_byte(wbuf *w, uint8_t v)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->b = realloc(w->b, w->cap);
		if (!w->b)
			abort();
	}
	w->b[w->n++] = v;
}

static inline void w_varint(wbuf *w, uint64_t v)
{
	while (v >= 0x80) {
		w_byte(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	w_byte(w, (uint8_t)v);
}

static inline void w_uint(wbuf *w, unsigned field, uint64_t v)
{
	w_varint(w, (uint64_t)field << 3);
	w_varint(w, v);
}

/* A 64-bit fixed field (double). */
static inline void w_f64(wbuf *w, unsigned field, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof(v));
	w_varint(w, ((uint64_t)field << 3) | 1);
	for (int i = 0; i < 8; i++)
		w_byte(w, (uint8_t)(v >> (8 * i)));
}

static inline void w_bytes(wbuf *w, unsigned field, const void *p, size_t n)
{
	w_varint(w, ((uint64_t)field << 3) | 2);
	w_varint(w, n);
	for (size_t i = 0; i < n; i++)
		w_byte(w, ((const uint8_t *)p)[i]);
}

static inline void w_str(wbuf *w, unsigned field, const char *s)
{
	w_bytes(w, field, s, strlen(s));
}

static inline void w_fill(wbuf *w, unsigned field, uint8_t c, size_t n)
{
	w_varint(w, ((uint64_t)field << 3) | 2);
	w_varint(w, n);
	for (size_t i = 0; i < n; i++)
		w_byte(w, c);
}

/* Appends sub as a length-delimited field and empties sub. */
static inline void w_sub(wbuf *w, unsigned field, wbuf *sub)
{
	w_bytes(w, field, sub->b, sub->n);
	free(sub->b);
	memset(sub, 0, sizeof(*sub));
}

static inline void w_reset(wbuf *w)
{
	free(w->b);
	memset(w, 0, sizeof(*w));
}

#endif
