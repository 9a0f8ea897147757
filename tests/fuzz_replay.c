/* SPDX-License-Identifier: Apache-2.0 */
/* Replays a fuzz target over corpus files or folders (no libFuzzer needed),
 * so every target's corpus runs in CTest under any compiler and sanitizer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 0;

	/* Also run the empty input and a few edge inputs every time. */
	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	LLVMFuzzerTestOneInput((const uint8_t *)"\xff\xff\xff\xff\x0f", 5);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			while (d && (e = readdir(d)) != NULL) {
				char p[4096];
				if (e->d_name[0] == '.')
					continue;
				snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name);
				if (replay_file(p) == 0)
					runs++;
			}
			if (d)
				closedir(d);
		} else if (replay_file(argv[i]) == 0) {
			runs++;
		}
	}
	printf("replayed %d corpus inputs\n", runs);
	return 0;
}
