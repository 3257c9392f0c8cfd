/* words.c: edit distance and nearest-word lookup for "did you mean". */

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Optimal string alignment distance: a swapped pair counts as one edit. */
size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, ret;
	size_t *prev2 = xcalloc(lb + 1, sizeof(size_t));
	size_t *prev = xcalloc(lb + 1, sizeof(size_t));
	size_t *cur = xcalloc(lb + 1, sizeof(size_t));

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		size_t *t;

		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = prev[j] + 1;

			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	ret = prev[lb];
	free(prev2);
	free(prev);
	free(cur);
	return ret;
}

const char *
nearest_word(const char *word, const char *const *candidates, size_t n)
{
	size_t best = (size_t)-1, i, len = strlen(word);
	size_t limit = len < 4 ? 1 : len < 8 ? 2 : 3;
	const char *found = NULL;

	for (i = 0; i < n; i++) {
		size_t d = edit_distance(word, candidates[i]);

		/* "stat" for "status": a prefix of a real word is a good guess */
		if (len >= 2 && !strncmp(candidates[i], word, len))
			d = d < 1 ? d : 1;
		if (d < best) {
			best = d;
			found = candidates[i];
		}
	}
	return best <= limit ? found : NULL;
}
