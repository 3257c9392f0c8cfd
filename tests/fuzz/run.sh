#!/bin/sh
# run.sh NAME.fuzz: run one libFuzzer target of a --enable-fuzz build for
# $FUZZ_SECONDS (60 by default), from its checked-in corpus plus a
# scratch one. NAME.fuzz holds the target's extra libFuzzer options and
# NAME.dict, when there is one, its dictionary. A crash fails the test,
# shows the input, and keeps it in tests/fuzz/crashes/ of the build tree:
# fix the bug, then add the input to tests/fuzz/corpus/NAME/.

. "${TOP_SRCDIR}/tests/lib.sh"

name=$(basename "$1" .fuzz)
fuzzdir="$TOP_SRCDIR/tests/fuzz"
bin="$TOP_BUILDDIR/tests/fuzz/fuzz-$name"
crashes="$TOP_BUILDDIR/tests/fuzz/crashes"
seconds=${FUZZ_SECONDS:-60}
[ -x "$bin" ] || skip_all "fuzz-$name is not built"

mkdir -p "$scratch/new" "$crashes"
rm -f "$crashes/$name-"*	# only this run's findings
dict=
[ -f "$fuzzdir/$name.dict" ] && dict="-dict=$fuzzdir/$name.dict"
# shellcheck disable=SC2046,SC2086
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$crashes/$name-" $dict \
	$(grep -v '^#' "$fuzzdir/$name.fuzz") \
	"$scratch/new" "$fuzzdir/corpus/$name" >"$scratch/log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/log")
found=$(ls "$scratch/new" | wc -l)
ok $rc "fuzz-$name: ${execs:-?} executions in $seconds s, $found new inputs, no crash" || {
	grep -A25 'ERROR: \|==ERROR\|runtime error\|deadly signal\|Test unit written' \
		"$scratch/log" | head -n 60 | diag
	for f in "$crashes/$name-"*; do
		[ -f "$f" ] || continue
		echo "input $f (base64):"
		base64 "$f" | head -n 20
	done | diag
}
echo "# figure: fuzz-$name $execs executions, corpus $(ls "$fuzzdir/corpus/$name" | wc -l) seeds + $found new"

done_testing
