/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_coord_upload: arbitrary upload bytes through the receive-and-add path
 * (coord_agg): first byte picks the header's word count, the second a chunk
 * size, the rest is the stream. Must never crash or leak. */
#include <stddef.h>
#include <stdint.h>

#include "coord_agg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	coord_agg_input *in = NULL;
	coord_agg *sum = NULL;
	char msg[256];
	uint64_t words;
	size_t chunk, off = 2, n;

	if (size < 2)
		return 0;
	words = data[0];
	chunk = (size_t)data[1] + 1;
	if (coord_agg_input_new(words, &in) != 0)
		return 0;
	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		if (coord_agg_input_feed(in, data + off, n) != 0)
			goto out;
		off += n;
	}
	if (coord_agg_input_finish(in, msg) != 0)
		goto out;
	if (coord_agg_new(words, &sum) == 0) {
		coord_agg_add(sum, coord_agg_input_vec(in), words);
		coord_agg_add(sum, coord_agg_input_vec(in), words);
	}
out:
	coord_agg_free(sum);
	coord_agg_input_free(in);
	return 0;
}
