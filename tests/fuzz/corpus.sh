#!/bin/sh
# corpus.sh: every fuzz target replays its checked-in corpus (the seeds,
# and every input that once crashed it) in an ordinary build; in the
# sanitizer build, under ASan and UBSan. The fuzzing itself is run.sh.

. "${TOP_SRCDIR}/tests/lib.sh"

for dir in "$TOP_SRCDIR"/tests/fuzz/corpus/*/; do
	name=$(basename "$dir")
	out=$("$TOP_BUILDDIR/tests/fuzz/fuzz-$name" "$dir" 2>&1)
	ok $? "fuzz-$name replays its corpus ($(echo "$out" | tail -n 1))" ||
		echo "$out" | tail -n 30 | diag
done

done_testing
