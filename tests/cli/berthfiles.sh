#!/bin/sh
# berthfiles.sh: each bad Berthfile in the corpus fails validation with the
# problems its "# expect:" lines name, at their lines, and no others; each
# good one and every template validates.

. "${TOP_SRCDIR}/tests/lib.sh"

corpus=$(cd "$TOP_SRCDIR/tests/berthfiles" && pwd -P)

for f in "$corpus"/bad/*.berth; do
	name=$(basename "$f" .berth)
	run "$BERTH" -f "$f" validate
	ok $((rc != 1)) "$name: exits 1"
	# One record per problem: a FILE:LINE: line plus its hint line.
	records=$(printf '%s\n' "$out" | awk '
		/^    hint: / { rec = rec " | " substr($0, 11); next }
		/^[^ ].*:[0-9]+: / { if (rec != "") print rec; rec = $0; next }
		END { if (rec != "") print rec }')
	nexpect=0
	while IFS= read -r line; do
		spec=${line#\# expect: }
		case $spec in
		[0-9]*) where="$f:${spec%%: *}: " ;;
		*) file=${spec%%:*}; rest=${spec#*:}
		   where="$corpus/bad/$file:${rest%%: *}: " ;;
		esac
		want=${spec#*[0-9]: }
		nexpect=$((nexpect + 1))
		found=1
		rec=$(printf '%s\n' "$records" | grep -F -- "$where") && {
			found=0
			old_ifs=$IFS
			IFS='|'
			for part in $want; do
				part=$(echo "$part" | sed 's/^ *//; s/ *$//')
				printf '%s\n' "$rec" | grep -qF -- "$part" || found=1
			done
			IFS=$old_ifs
		}
		ok $found "$name: ${where#"$corpus"/bad/} $want"
		[ $found -eq 0 ] || printf '%s\n' "$out" | diag
	done <<-EOF_EXPECT
	$(grep '^# expect: ' "$f")
	EOF_EXPECT
	got=$(printf '%s\n' "$records" | grep -c .)
	ok $((got != nexpect)) "$name: reports $nexpect problem(s), got $got"
	[ "$got" -eq "$nexpect" ] || printf '%s\n' "$out" | diag
done

count=$(ls "$corpus"/bad/*.berth | wc -l)
ok $((count < 25)) "the bad corpus has at least 25 files ($count)"

for f in "$corpus"/good/*.berth "$TOP_SRCDIR"/templates/*/Berthfile; do
	run "$BERTH" -f "$f" validate
	ok $((rc != 0)) "valid: ${f#"$TOP_SRCDIR"/}"
	[ $rc -eq 0 ] || printf '%s\n' "$out" | diag
done

# --json carries the same findings for scripts.
run "$BERTH" -f "$corpus/bad/many-problems.berth" validate --json
ok $((rc != 1)) "--json: exits 1 on a bad file"
printf '%s\n' "$out" | grep -q '"ok": false' && printf '%s\n' "$out" |
	grep -q '"line": 5' && printf '%s\n' "$out" | grep -q '"setting": "vm.memory"'
ok $? "--json: ok false, with line and setting"

done_testing
