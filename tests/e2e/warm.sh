#!/bin/sh
# warm.sh: workspaces restored from a warm image (a box VM saved once,
# Docker-ready, with no identity). Two at once must be two machines
# (hostname, machine-id, SSH host key, Docker CA, files); the clock is the
# host's; the folder is mounted; halt and up boots with no cloud-init; an
# up killed during a restore converges and leaves nothing; a second
# environment of one folder runs beside the first, copying the image the
# first built; and a warm image made unusable still gives a working up,
# booted cold. Prints the figures the notes quote.

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

secs() { echo "$(($(date +%s%N) / 1000000))"; }
elapsed() { awk "BEGIN { printf \"%.1f\", ($(secs) - $1) / 1000 }"; }
gsh() { "$BERTH" -C "$scratch/$1" ssh -c "$2" 2>/dev/null; }

mkws a
mkws b
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
[ -n "$warm_key" ] && [ -f "${disk_vol%.qcow2}.save" ]
ok $? "its overlay stands on the image's frozen disk, beside its memory"

start=$(secs)
"$BERTH" -C "$scratch/b" up >"$scratch/b.out" 2>&1
ok $? "up of a second workspace" || diag <"$scratch/b.out"
echo "# figure: new workspace from the warm image, Docker-ready $(elapsed "$start") s"
! grep -q '^==> warming' "$scratch/b.out" && grep -q '^==> restoring' "$scratch/b.out"
ok $? "from the same warm image, made once"

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

# A second environment of b's folder, beside b: its own machine. b
# first builds an image, which the second copies instead of building.
mkdir -p "$scratch/b/hello"
printf 'FROM berth/busybox\nRUN echo built-in-default >/built\nCMD ["sleep", "3600"]\n' \
	>"$scratch/b/hello/Dockerfile"
cat >>"$scratch/b/Berthfile" <<EOF
stack = {
  volumes = [ "store" ];
  services = ( { name = "hello"; build = "hello"; image = "$prefix/hello"; volumes = [ "store:/store" ]; stop_signal = "SIGKILL"; } );
};
EOF
"$BERTH" -C "$scratch/b" up >"$scratch/b1.out" 2>&1 && grep -q "building $prefix/hello" "$scratch/b1.out"
ok $? "b builds the image of its stack" || diag <"$scratch/b1.out"
start=$(secs)
"$BERTH" -C "$scratch/b" -e two up >"$scratch/b2.out" 2>&1
ok $? "berth -e two up: a second environment of one folder" || diag <"$scratch/b2.out"
echo "# figure: a second environment of a folder, its stack up $(elapsed "$start") s"
grep -q "copying $prefix/hello from environment 'default'" "$scratch/b2.out" &&
	! grep -q "building $prefix/hello" "$scratch/b2.out" &&
	[ "$("$BERTH" -C "$scratch/b" -e two exec hello cat /built 2>/dev/null)" = built-in-default ]
ok $? "it copied the image the default environment built, not building it again" ||
	diag <"$scratch/b2.out"
# --from across two VMs' engines: the volume's data of that moment
"$BERTH" -C "$scratch/b" exec hello sh -c 'echo kept >/store/data' &&
	"$BERTH" -C "$scratch/b" -e three up --from default >"$scratch/b3.out" 2>&1 &&
	[ "$("$BERTH" -C "$scratch/b" -e three exec hello cat /store/data 2>/dev/null)" = kept ]
ok $? "berth up -e three --from default copies its volume into a new VM" || diag <"$scratch/b3.out"
"$BERTH" -C "$scratch/b" -e three destroy -f >/dev/null 2>&1
[ "$(gsh b hostname)" = "$prefix-b" ] &&
	[ "$("$BERTH" -C "$scratch/b" -e two ssh -c 'hostname; cat /workspace/marker.txt' 2>/dev/null | tr '\n' '|')" = "$prefix-b-two|host file of b|" ]
ok $? "both run at once, two machines on one folder"
"$BERTH" list --json | python3 -c '
import json, sys
envs = {e["environment"]: e["state"] for e in json.load(sys.stdin) if e["path"] == sys.argv[1]}
sys.exit(envs != {"default": "running", "two": "running"})' "$scratch/b"
ok $? "list shows both environments of the folder, running"
"$BERTH" -C "$scratch/b" -e two destroy -f >/dev/null 2>&1 &&
	! virsh -c qemu:///system list --all --name | grep -q "^berth-$prefix-b-two-" &&
	[ ! -e "$scratch/b/.berth/env" ] && [ -f "$scratch/b/.berth/state.json" ] &&
	[ "$(gsh b hostname)" = "$prefix-b" ]
ok $? "destroying it leaves the default environment running, state and all"

# berth run: a throwaway environment in a VM of its own, around a command
run_left() {	# domains or volumes of b's run environments left
	virsh -c qemu:///system list --all --name | grep -q "^berth-$prefix-b-run-" ||
		virsh -c qemu:///system vol-list default | grep -q "berth-$prefix-b-run-"
}
"$BERTH" -C "$scratch/b" run -- sh -c 'docker ps --format "{{.Names}}" | grep -qx "$BERTH_WORKSPACE-hello-1" && exit 7' \
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

# kill -9 during the restore, then up: it converges, nothing left over.
mkws c
"$BERTH" -C "$scratch/c" up >"$scratch/c.out" 2>&1 &
pid=$!
for _ in $(seq 300); do
	grep -q '^==> restoring' "$scratch/c.out" && break
	sleep 0.1
done
sleep 2
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
"$BERTH" -C "$scratch/c" up >"$scratch/c2.out" 2>&1 &&
	[ "$(gsh c hostname)" = "$prefix-c" ]
ok $? "up after an up killed during the restore" || diag <"$scratch/c2.out"
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
	ok $? "a refused warm image: a cold boot, and a working up" || diag <"$scratch/d.out"
	virsh -c qemu:///system pool-refresh default >/dev/null 2>&1
	! virsh -c qemu:///system vol-list default | grep -q "$(basename "$save")"
	ok $? "the refused image is gone, to be made again"
else
	ok 1 "no warm image to spoil"
fi

done_testing
