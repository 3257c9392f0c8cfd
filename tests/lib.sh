# lib.sh: TAP helpers and scratch space for the shell tests.
#
# A test sources this, calls plan or lets done_testing count, and uses
# $BERTH (the binary under test) and $TOP_SRCDIR, set by the harness.

: "${BERTH:?run through 'make check' or scripts/test}"
: "${TOP_SRCDIR:?run through 'make check' or scripts/test}"

tap_n=0
tap_failed=0

ok() {	# ok COND-EXIT-CODE DESCRIPTION; returns the condition, for '|| diag'
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %s - %s\n' "$tap_n" "$2"
	else
		printf 'not ok %s - %s\n' "$tap_n" "$2"
		tap_failed=$((tap_failed + 1))
	fi
	[ "$1" -eq 0 ]
}

# check DESCRIPTION CMD...: one test point from a command's exit status.
check() {
	desc=$1
	shift
	if "$@" >/dev/null 2>&1; then ok 0 "$desc"; else ok 1 "$desc"; fi
}

diag() {
	sed 's/^/# /'
}

# Under CI=true a missing prerequisite is a failure, not a skip: a green
# run must mean every tier really ran.
skip_all() {
	if [ "${CI:-}" = true ]; then
		echo "Bail out! $1 (CI=true: a skipped tier fails)"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# A scratch folder removed when the test ends, however it ends.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/berth-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

# secs: now in milliseconds; elapsed MS: seconds since MS, as "12.3"
secs() { echo "$(($(date +%s%N) / 1000000))"; }
elapsed() { awk "BEGIN { printf \"%.1f\", ($(secs) - $1) / 1000 }"; }

# request_loop URL FILE: a client that asks URL every 0.1 s until killed,
# each answer (or FAIL) a line of FILE: what a user sees of an update
request_loop() {
	while :; do
		curl -fs --max-time 5 "$1" >>"$2" 2>/dev/null || echo FAIL >>"$2"
		sleep 0.1
	done
}

# until_ok S CMD...: until CMD succeeds, for at most S seconds
until_ok() {
	s=$1
	shift
	end=$(($(date +%s) + s))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# run CMD...: run, keeping stdout+stderr in $out and the status in $rc.
run() {
	out=$("$@" 2>&1)
	rc=$?
}
