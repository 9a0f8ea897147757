/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_coord_upload: arbitrary bytes through what the coordinator does with
 * a masked upload and its sum: the first byte picks the layout (nreal and
 * nwide up to 15 each), the second a chunk size; the rest, chunk by chunk,
 * goes through the little-endian word conversion into a word sum, which is
 * then decoded as the sum of 1..4 vectors. Must never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "coord_agg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t words[64], sum[64];
	fl_upvec_layout l;
	coord_agg *a = NULL;
	char msg[256];
	size_t chunk, off = 2, n, cnt, m, have = 0, i;

	if (size < 2)
		return 0;
	memset(sum, 0, sizeof(sum));
	l.nreal = data[0] & 15u;
	l.nwide = data[0] >> 4;
	l.q.clip = 1.0;
	l.q.bits = 20;
	m = fl_upvec_words(&l);
	chunk = (size_t)data[1] % 64 + 1;
	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		if (coord_agg_le_words(data + off, n, words, 64, &cnt, msg) != 0)
			return 0;
		for (i = 0; i < cnt && have < m; i++)
			sum[have++] += words[i];
		off += n;
	}
	if (have != m || m == 0)
		return 0;
	if (coord_agg_decode(&l, 1u + (data[1] & 3u), sum, 60.0, &a) == 0 &&
	    coord_agg_len(a) != l.nreal + l.nwide)
		__builtin_trap();
	coord_agg_free(a);
	return 0;
}
