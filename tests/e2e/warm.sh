#!/bin/sh
# warm.sh: workspaces restored from a warm image (a box VM saved once,
# Docker-ready, with no identity). Two at once must be two machines
# (hostname, machine-id, SSH host key, Docker CA, files); the clock is the
# host's; the folder is mounted; halt and up boots with no cloud-init; an
# up killed while it makes the image or during a restore converges and
# leaves nothing; three
# environments of the demo in one folder run at once, each on its
# own port, one with its own title, the others copying the images the
# first built, one a copy of the first's data; berth run; and a warm image
# made unusable still gives a working up, booted cold. Prints the figures
# the notes quote.

. "${TOP_SRCDIR}/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "the VM tier needs root (qemu:///system)"
virsh -c qemu:///system uri >/dev/null 2>&1 ||
	skip_all "libvirtd does not answer on qemu:///system"
command -v ssh >/dev/null 2>&1 || skip_all "ssh is not installed"
[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"

export BERTH_HOME="${BERTH_BOX_CACHE:-/var/cache/berth}"
export BERTH_WARM=1	# opt-in for now (README)
"$BERTH" box list --json | grep -q '"name": "debian-12-docker"' ||
	skip_all "no debian-12-docker box (tests/e2e/box-build.sh builds it)"

prefix="e2ewarm-$$"
# a shape of this test's own (the disk size is in the image's key), so
# that its first workspace makes the image, and its end removes it
disk="$((5000 + $$ % 1000))M"
mkws() {	# mkws NAME: a workspace with no stack, 1 GiB
	mkdir -p "$scratch/$1"
	cat >"$scratch/$1/Berthfile" <<EOF
workspace = "$prefix-$1";
vm = { box = "debian-12-docker"; memory = "1G"; disk = "$disk"; };
EOF
	echo "host file of $1" >"$scratch/$1/marker.txt"
}
warm_key=
cleanup() {
	[ -d "$scratch/b" ] && "$BERTH" -C "$scratch/b" destroy --all-envs -f >/dev/null 2>&1
	for w in a b c d; do
		[ -d "$scratch/$w" ] && "$BERTH" -C "$scratch/$w" destroy -f >/dev/null 2>&1
	done
	if [ -n "$warm_key" ]; then
		for v in $(virsh -q -c qemu:///system vol-list default | awk '{ print $1 }' |
			grep "\.warm-$warm_key-"); do
			virsh -q -c qemu:///system vol-delete "$v" default >/dev/null 2>&1
		done
	fi
	rm -rf "$scratch"
}
trap cleanup EXIT

gsh() { "$BERTH" -C "$scratch/$1" ssh -c "$2" 2>/dev/null; }
# cut_up WS OUT PHASE SECONDS: up of WS, killed (-9) SECONDS after it
# prints PHASE (or after a minute)
cut_up() {
	"$BERTH" -C "$scratch/$1" up >"$scratch/$2" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		grep -q "^==> $3" "$scratch/$2" && break
		sleep 0.1
	done
	sleep "$4"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
}

mkws a
mkws b
# kill -9 while the first up of the shape boots to make the image: the
# next up starts over, and the cut make leaves nothing (its disk, or a
# workspace disk on it, booted cold later, is what broke stop 24's faults)
cut_up a a0.out booting 10
grep -q '^==> warming' "$scratch/a0.out" && ! grep -q 'warm image made' "$scratch/a0.out"
ok $? "up killed (-9) while it makes the warm image" || diag <"$scratch/a0.out"
start=$(secs)
"$BERTH" -C "$scratch/a" up >"$scratch/a.out" 2>&1
ok $? "up of the first workspace of a shape" || diag <"$scratch/a.out"
echo "# figure: first up of the shape, making the warm image $(elapsed "$start") s"
grep -q '^==> warming' "$scratch/a.out" && grep -q 'warm image made' "$scratch/a.out"
ok $? "it made the warm image as it came up" || diag <"$scratch/a.out"
# the image under workspace a: its overlay's base, and the saved memory
dom_a=$(sed -n 's/.*"domain": "\(.*\)".*/\1/p' "$scratch/a/.berth/state.json")
disk_vol=$(virsh -c qemu:///system vol-dumpxml --pool default "$dom_a.qcow2" 2>/dev/null |
	sed -n "s|.*<path>\\(.*\\.warm-[^<]*\\.qcow2\\)</path>.*|\\1|p" | head -n 1)
warm_key=$(echo "$disk_vol" | sed -n 's/.*\.warm-\([0-9a-f]*\)-[0-9]*\.qcow2$/\1/p')
warm_vols=$(virsh -q -c qemu:///system vol-list default | awk '{ print $1 }' |
	grep "\.warm-$warm_key-" | sort | tr '\n' ' ')
gen=$(echo "$disk_vol" | sed -n 's/.*-\([0-9]*\)\.qcow2$/\1/p')
[ -n "$warm_key" ] && [ "$(echo $warm_vols | wc -w)" = 3 ] &&
	! grep -q '"warm_pending"' "$scratch/a/.berth/state.json"
ok $? "one image (generation $gen: $warm_vols), the cut make's swept away"
[ -n "$warm_key" ] && [ -f "${disk_vol%.qcow2}.save" ]
ok $? "its overlay stands on the image's frozen disk, beside its memory"

start=$(secs)
"$BERTH" -C "$scratch/b" up >"$scratch/b.out" 2>&1
ok $? "up of a second workspace" || diag <"$scratch/b.out"
echo "# figure: new workspace from the warm image, Docker-ready $(elapsed "$start") s"
! grep -q '^==> warming' "$scratch/b.out" && grep -q '^==> restoring' "$scratch/b.out"
ok $? "from the same warm image, made once"
# known before any ssh: the key its identity made (an ssh during the
# restore would have met the image's, and kept it)
known=$(cut -d' ' -f2,3 "$scratch/b/.berth/known_hosts" 2>/dev/null)
[ -n "$known" ] && [ "$known" = "$(gsh b "cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub")" ]
ok $? "its SSH host key is known from its identity, not trusted on first use"

# Two machines, not one twice.
for w in a b; do
	gsh $w 'hostname; cat /etc/machine-id; cat /etc/ssh/ssh_host_ed25519_key.pub; sudo cat /etc/docker/tls/ca.pem' >"$scratch/$w.id"
done
[ "$(sed -n 1p "$scratch/a.id")" = "$prefix-a" ] && [ "$(sed -n 1p "$scratch/b.id")" = "$prefix-b" ]
ok $? "each has its own hostname"
for n in 2 3; do
	x=$(sed -n ${n}p "$scratch/a.id") y=$(sed -n ${n}p "$scratch/b.id")
	[ -n "$x" ] && [ "$x" != "$y" ] || break
done
ok $? "machine-id and SSH host key differ"
! cmp -s "$scratch/a/.berth/docker/ca.pem" "$scratch/b/.berth/docker/ca.pem" &&
	sed -n '/BEGIN/,$p' "$scratch/a.id" | cmp -s - "$scratch/a/.berth/docker/ca.pem"
ok $? "each engine trusts its own workspace's CA only"
gsh a 'sudo touch /var/tmp/only-in-a' && gsh a 'test -e /var/tmp/only-in-a' &&
	! gsh b 'test -e /var/tmp/only-in-a'
ok $? "a file written in one is not in the other"
[ "$(gsh a 'cat /workspace/marker.txt')" = "host file of a" ] &&
	[ "$(gsh b 'cat /workspace/marker.txt')" = "host file of b" ]
ok $? "each has its own folder at /workspace"
skew=$(( $(gsh b 'date +%s') - $(date +%s) ))
[ "${skew#-}" -le 2 ]
ok $? "the guest clock is the host's (off by $skew s)"
(eval "$("$BERTH" -C "$scratch/b" env)" && docker info >/dev/null 2>&1)
ok $? "the engine answers the docker CLI over TLS"

# Three environments of the demo from b's folder, up at once: the
# default, test (the demo's Berthfile gives it a title of its own) and qa,
# a copy of the default as it is now. The default builds the images; the
# others copy them instead of building again.
"$BERTH" init --template demo --name "$prefix-demo" "$scratch/demo" >/dev/null &&
	cp -r "$scratch/demo/app" "$scratch/demo/data" "$scratch/demo/web" "$scratch/b/" &&
	sed -n '/^stack = {/,$p' "$scratch/demo/Berthfile" >>"$scratch/b/Berthfile"
"$BERTH" -C "$scratch/b" up >"$scratch/b1.out" 2>&1 && grep -q "building demo/web" "$scratch/b1.out"
ok $? "b lays out the demo, building its images" || diag <"$scratch/b1.out"
start=$(secs)
"$BERTH" -C "$scratch/b" -e test up >"$scratch/b2.out" 2>&1
ok $? "berth -e test up: a second environment of one folder" || diag <"$scratch/b2.out"
echo "# figure: a second environment of the demo, its stack up $(elapsed "$start") s"
grep -q "copying demo/web from environment 'default'" "$scratch/b2.out" &&
	! grep -q "building demo/" "$scratch/b2.out"
ok $? "it copied the images the default environment built, not building them again" ||
	diag <"$scratch/b2.out"

web_port() {	# web_port ENV
	"$BERTH" -C "$scratch/b" -e "$1" ps --json | python3 -c '
import json, sys
print([p["host_port"] for r in json.load(sys.stdin) if r["service"] == "web" for p in r["ports"]][0])'
}
page() { curl -fs --max-time 30 "http://127.0.0.1:$(web_port "$1")/"; }
visits() { page "$1" | sed -n 's/.*id="visits">\([0-9]*\)<.*/\1/p'; }
title() { page "$1" | sed -n 's/.*<h1 id="title">\(.*\)<\/h1>.*/\1/p'; }
n=$(visits default)
start=$(secs)
"$BERTH" -C "$scratch/b" up -e qa --from default >"$scratch/b3.out" 2>&1
ok $? "berth up -e qa --from default: a third, a copy of the default" || diag <"$scratch/b3.out"
echo "# figure: a third environment of the demo, copied with --from $(elapsed "$start") s"
p0=$(web_port default) p1=$(web_port test) p2=$(web_port qa)
[ -n "$p0" ] && [ -n "$p1" ] && [ -n "$p2" ] && [ "$p0" != "$p1" ] &&
	[ "$p0" != "$p2" ] && [ "$p1" != "$p2" ]
ok $? "each environment has a port of its own ($p0, $p1, $p2)"
q1=$(visits qa) d1=$(visits default) q2=$(visits qa)
[ -n "$n" ] && [ "$q1" = $((n + 1)) ] && [ "$d1" = $((n + 1)) ] && [ "$q2" = $((n + 2)) ]
ok $? "qa's data is the default's of that moment ($n visits), and later visits count in one only (qa $q1, $q2; default $d1)"
# (each page seen counts a visit: the titles come after)
[ "$(title default)" = "berth demo" ] && [ "$(title test)" = "berth demo (TEST)" ] &&
	[ "$(title qa)" = "berth demo" ]
ok $? "all three answer at once, test's title in test only"
[ "$(gsh b hostname)" = "$prefix-b" ] &&
	[ "$("$BERTH" -C "$scratch/b" -e test ssh -c 'hostname; cat /workspace/marker.txt' 2>/dev/null | tr '\n' '|')" = "$prefix-b-test|host file of b|" ]
ok $? "three machines on one folder"
"$BERTH" list --json | python3 -c '
import json, sys
envs = {e["environment"]: e["state"] for e in json.load(sys.stdin) if e["path"] == sys.argv[1]}
sys.exit(envs != {"default": "running", "test": "running", "qa": "running"})' "$scratch/b"
ok $? "list shows the three environments of the folder, running"
"$BERTH" -C "$scratch/b" -e qa destroy -f >/dev/null 2>&1 &&
	"$BERTH" -C "$scratch/b" -e test destroy -f >/dev/null 2>&1 &&
	! virsh -c qemu:///system list --all --name | grep -q "^berth-$prefix-b-\(test\|qa\)-" &&
	[ ! -e "$scratch/b/.berth/env" ] && [ -f "$scratch/b/.berth/state.json" ] &&
	[ "$(title default)" = "berth demo" ]
ok $? "destroying them leaves the default environment running, state and all"

# berth run: a throwaway environment in a VM of its own, around a command
run_left() {	# domains or volumes of b's run environments left
	virsh -c qemu:///system list --all --name | grep -q "^berth-$prefix-b-run-" ||
		virsh -c qemu:///system vol-list default | grep -q "berth-$prefix-b-run-"
}
"$BERTH" -C "$scratch/b" run -- sh -c 'curl -fs "http://127.0.0.1:$PORT_WEB/" | grep -q "id=\"visits\"" && docker ps --format "{{.Names}}" | grep -qx "$BERTH_WORKSPACE-web-1" && exit 7' \
	>"$scratch/run.out" 2>&1
rc=$?
[ $rc -eq 7 ] && ! run_left && [ ! -e "$scratch/b/.berth/env" ]
ok $? "berth run in a VM: CMD drives its engine (exit 7 came back as $rc), and nothing is left" ||
	diag <"$scratch/run.out"
"$BERTH" -C "$scratch/b" run -- sleep 600 >"$scratch/run2.out" 2>&1 &
runner=$!
for _ in $(seq 600); do
	pgrep -P $runner -x sleep >/dev/null && break
	sleep 0.2
done
sleeper=$(pgrep -P $runner -x sleep)
kill -9 $runner
[ -n "$sleeper" ] && kill "$sleeper"
wait $runner 2>/dev/null
run_left
ok $? "a berth run killed with -9 leaves its VM"
"$BERTH" -C "$scratch/b" status >"$scratch/reap.out" 2>&1
grep -q "removing environment 'run-" "$scratch/reap.out" && ! run_left
ok $? "the next berth in the folder removes it" || diag <"$scratch/reap.out"

# Halt and up: its own disk, no cloud-init.
"$BERTH" -C "$scratch/a" halt >/dev/null 2>&1
start=$(secs)
"$BERTH" -C "$scratch/a" up >"$scratch/a2.out" 2>&1
ok $? "up after halt" || diag <"$scratch/a2.out"
echo "# figure: up after halt of a warm-made workspace $(elapsed "$start") s"
gsh a 'test -e /etc/cloud/cloud-init.disabled && test -e /var/tmp/only-in-a && cat /workspace/marker.txt' | grep -q "host file of a"
ok $? "it kept its disk and folder, with cloud-init off"

# A snapshot of a warm-made workspace, memory and all; and a bug bundle.
gsh a 'echo before | sudo tee /var/tmp/snap-mark' >/dev/null &&
	"$BERTH" -C "$scratch/a" snapshot save w1 >"$scratch/a3.out" 2>&1 &&
	grep -q 'memory and disk' "$scratch/a3.out" &&
	gsh a 'echo after | sudo tee /var/tmp/snap-mark' >/dev/null &&
	"$BERTH" -C "$scratch/a" snapshot restore w1 >>"$scratch/a3.out" 2>&1 &&
	grep -q "restored snapshot 'w1', memory and disk" "$scratch/a3.out" &&
	[ "$(gsh a 'cat /var/tmp/snap-mark /workspace/marker.txt')" = "before
host file of a" ]
ok $? "snapshot save and restore of a warm-made workspace, memory and all" ||
	diag <"$scratch/a3.out"
"$BERTH" -C "$scratch/a" bundle create "$scratch/a.tar.gz" >/dev/null 2>&1 &&
	tar tzf "$scratch/a.tar.gz" | grep -qx console.log
ok $? "and a bug bundle of it"

# kill -9 during the restore, then up: it converges, nothing left over.
mkws c
cut_up c c.out restoring 2
# restored again, not booted cold from the cut restore's disk
"$BERTH" -C "$scratch/c" up >"$scratch/c2.out" 2>&1 &&
	grep -q '^==> restoring' "$scratch/c2.out" &&
	! grep -q '^==> \(booting\|cloud-init\)' "$scratch/c2.out" &&
	[ "$(gsh c hostname)" = "$prefix-c" ]
ok $? "up after an up killed during the restore: restored anew" || diag <"$scratch/c2.out"
"$BERTH" -C "$scratch/c" destroy -f >/dev/null 2>&1
! virsh -c qemu:///system list --all --name | grep -q "^berth-$prefix-c-" &&
	! virsh -c qemu:///system vol-list default | grep -q "berth-$prefix-c-"
ok $? "destroyed, it leaves no domain and no volume"

# A warm image made unusable: the next new workspace boots cold.
save=${disk_vol%.qcow2}.save
if [ -n "$disk_vol" ] && [ -f "$save" ] && printf 'NotASaveImage!!!' | dd of="$save" conv=notrunc 2>/dev/null; then
	mkws d
	"$BERTH" -C "$scratch/d" up >"$scratch/d.out" 2>&1 &&
		grep -q 'warm image was refused' "$scratch/d.out" &&
		[ "$(gsh d 'cat /workspace/marker.txt')" = "host file of d" ]
	ok $? "a refused warm image: a cold boot, and a working up" || {
		diag <"$scratch/d.out"
		# what the guest said of its boot: cloud-init, sshd, the kernel
		grep -a -i -m 40 'cloud-init\|ssh\|lockup\|stall\|BUG:\|error' \
			"$scratch/d/.berth/console.log" | tr -d '\r' | diag
	}
	virsh -c qemu:///system pool-refresh default >/dev/null 2>&1
	! virsh -c qemu:///system vol-list default | grep -q "$(basename "$save")"
	ok $? "the refused image is gone, to be made again"
else
	ok 1 "no warm image to spoil"
fi

done_testing
