#!/bin/sh
# bad-engine.sh: berth against a misbehaving engine of the test's own
# (tests/badengine.py on a unix socket): one that stalls, streams without
# end, claims a 2 GiB frame, answers with terminal escapes, or names a
# version that is no version. Each command ends within its limit, with a
# clear error, in bounded memory (its peak RSS is measured), and Ctrl-C or
# SIGTERM ends a stalled one at once.

. "${TOP_SRCDIR}/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
[ -x /usr/bin/time ] || skip_all "GNU time is not installed (package time)"

sock="$scratch/engine.sock"
ws="$scratch/ws"
mkdir -p "$ws"
cat >"$ws/Berthfile" <<EOF
workspace = "bad";
docker = { host = "unix://$sock"; };
stack = { services = ( { name = "svc"; image = "bad/image"; } ); };
EOF
# a stalled engine is given up on after 2 s of silence (20 s in all)
export BERTH_ENGINE_TIMEOUT=2
epid=

engine() {	# engine MODE: (re)start the fake engine
	[ -n "$epid" ] && kill "$epid" 2>/dev/null && wait "$epid" 2>/dev/null
	rm -f "$sock"
	python3 "$TOP_SRCDIR/tests/badengine.py" "$sock" "$1" &
	epid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && return; sleep 0.1; done
}
trap '[ -n "$epid" ] && kill "$epid" 2>/dev/null; rm -rf "$scratch"' EXIT

# timed CMD...: $rc, $out, $secs (wall) and $rss (peak, KiB)
timed() {
	/usr/bin/time -f '%e %M' -o "$scratch/time" "$BERTH" -C "$ws" "$@" \
		>"$scratch/out" 2>&1
	rc=$?
	out=$(cat "$scratch/out")
	secs=$(cut -d' ' -f1 "$scratch/time" | tail -n 1)
	rss=$(cut -d' ' -f2 "$scratch/time" | tail -n 1)
}
within() { awk -v s="$secs" -v m="$1" 'BEGIN { exit !(s + 0 < m) }'; }

engine stall
for cmd in ps plan "logs --tail 5"; do
	# shellcheck disable=SC2086
	timed $cmd
	[ "$rc" -eq 1 ] && within 15 && echo "$out" | grep -q "stopped answering"
	ok $? "$cmd against a stalled engine ends with an error (${secs} s)" ||
		echo "$out" | diag
done

engine stall-post
timed up
[ "$rc" -eq 1 ] && within 30 && echo "$out" | grep -q "stopped answering"
ok $? "up stalled on a POST ends with an error (${secs} s)" || echo "$out" | diag
for sig in TERM INT; do
	BERTH_ENGINE_TIMEOUT=600 "$BERTH" -C "$ws" up >"$scratch/sig.out" 2>&1 &
	pid=$!
	sleep 2
	start=$(date +%s%N)
	kill -s "$sig" "$pid"
	wait "$pid"
	src=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$src" -ne 0 ] && [ "$ms" -lt 3000 ]
	ok $? "SIG$sig ends an up stalled in a transfer at once (${ms} ms, exit $src)" ||
		diag <"$scratch/sig.out"
done

engine endless-logs
timed logs --tail 5
[ "$rc" -eq 1 ] && within 20 && [ "$rss" -lt 65536 ] &&
	echo "$out" | grep -q "far more than the last 5 lines"
ok $? "logs --tail 5 on an endless stream stops, in bounded memory (${secs} s, ${rss} KiB)" ||
	echo "$out" | tail -n 5 | diag

engine huge-frame
timed logs --tail 5
[ "$rc" -eq 1 ] && within 20 && [ "$rss" -lt 65536 ]
ok $? "a frame that claims 2 GiB is read in pieces, not allocated (${secs} s, ${rss} KiB)" ||
	echo "$out" | tail -n 5 | diag

engine escapes
timed ps
esc=$(printf '\033')
[ "$rc" -eq 0 ] && ! grep -q "$esc" "$scratch/out" && grep -q '\\x1b' "$scratch/out"
ok $? "ps shows the engine's names and states with escapes shown, not sent" ||
	diag <"$scratch/out"
timed logs --tail 2
! grep -q "$esc" "$scratch/out"
ok $? "and logs' prefixes too" || diag <"$scratch/out"

engine removing
timed down
[ "$rc" -eq 0 ] && within 10 && echo "$out" | grep -q "removed"
ok $? "a removal another client started (409) is waited out, not an error (${secs} s)" ||
	echo "$out" | diag

for v in abc nul old; do
	engine "version-$v"
	timed ps
	[ "$rc" -eq 1 ] && echo "$out" | grep -q "API\|version"
	ok $? "an engine whose Api-Version is '$v' is refused with a clear error" ||
		echo "$out" | diag
done
echo "$out" | grep -q "needs 1.41 or newer"
ok $? "and an old one is told what berth needs"

# An image save that never ends stops before the disk is full: here a
# 600 MiB file system of the test's own, in a mount namespace.
engine endless-save
small="$scratch/small"
mkdir -p "$small"
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
	unshare -m true 2>/dev/null; then
	unshare -m sh -c 'mount -t tmpfs -o size=600m tmpfs "$1" &&
		TMPDIR="$1" /usr/bin/time -f "%e %M" -o "$2/time" "$3" -C "$4" \
			bundle create --with-images "$1/b.tar.gz" >"$2/out" 2>&1
		echo $? >"$2/rc"; ls -A "$1" >"$2/left"' sh \
		"$small" "$scratch" "$BERTH" "$ws"
	rc=$(cat "$scratch/rc") out=$(cat "$scratch/out")
	secs=$(cut -d' ' -f1 "$scratch/time" | tail -n 1)
	[ "$rc" -eq 1 ] && within 60 &&
		echo "$out" | grep -q "has less than 512 MiB left" &&
		echo "$out" | grep -q "hint: free some space there"
	ok $? "bundle --with-images from an endless save stops short of a full disk (${secs} s)" ||
		echo "$out" | diag
	[ ! -s "$scratch/left" ]
	ok $? "and leaves no part of the archive or the bundle behind" ||
		diag <"$scratch/left"
else
	ok 0 "# SKIP a mount namespace needs root and unshare"
	ok 0 "# SKIP a mount namespace needs root and unshare"
fi

done_testing
