#!/bin/sh
# vm.sh: a real workspace VM under libvirt (qemu:///system) from the cached
# debian-12 box, which has no Docker: the cold path installs it in the
# guest, then lays the demo's stack out. Then: ssh, the shared folder,
# the stack on a forwarded port, halt and up, suspend and resume, an up
# killed while booting, two concurrent ups, and destroy with nothing left
# behind; a bundle opened elsewhere, and a compose project laid out in
# that second VM. Prints the figures the notes quote.

. "${TOP_SRCDIR}/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "the VM tier needs root (qemu:///system)"
virsh -c qemu:///system uri >/dev/null 2>&1 ||
	skip_all "libvirtd does not answer on qemu:///system"
command -v ssh >/dev/null 2>&1 || skip_all "ssh is not installed"

export BERTH_HOME="${BERTH_BOX_CACHE:-/var/cache/berth}"
"$BERTH" box list --json | grep -q '"name": "debian-12"' ||
	skip_all "no debian-12 box (tests/e2e/box-build.sh builds it)"

name="e2e-$$"
ws="$scratch/$name"
"$BERTH" init --template demo --box debian-12 --name "$name" "$ws" >/dev/null
sed -i 's/memory = "2G"/memory = "1G"/' "$ws/Berthfile"
echo "written on the host" >"$ws/marker.txt"
# a shared folder beside the workspace, read-only in the guest
mkdir -p "$scratch/extra"
echo "shared from the host" >"$scratch/extra/note.txt"
sed -i "s|disk = \"10G\";|&\\n  shared = [ \"$scratch/extra:/srv/extra:ro\" ];|" "$ws/Berthfile"
# a private folder of someone who is not uid 1000: the guest user takes
# its owner's uid, so the folder is readable there and what the guest
# writes is that person's on the host
chown 1234:1234 "$ws"
chmod 0700 "$ws"

cleanup() {
	tmux -L "berth-e2e-$$" kill-server >/dev/null 2>&1
	"$BERTH" -C "$ws" destroy -f >/dev/null 2>&1
	"$BERTH" -C "$scratch/opened" destroy -f >/dev/null 2>&1
	rm -rf "$scratch"
}
trap cleanup EXIT


start=$(secs)
"$BERTH" -C "$ws" up >"$scratch/up.out" 2>&1
ok $? "cold up from a box without Docker: Docker installed, the demo stack laid out"
diag <"$scratch/up.out"
echo "# figure: cold up with the stack built $(elapsed "$start") s"

# The stack in the VM, reached on a port forwarded to the host.
grep -q '^==> stack' "$scratch/up.out" && grep -q '^web *created' "$scratch/up.out"
ok $? "up lays the stack out after Docker"
web_port() {
	"$BERTH" -C "$ws" ps --json | python3 -c '
import json, sys
print([p["host_port"] for r in json.load(sys.stdin) if r["service"] == "web" for p in r["ports"]][0])'
}
visits() {	# the count the page shows, after this visit
	curl -s --max-time 20 "http://127.0.0.1:$(web_port)/" |
		sed -n 's/.*id="visits">\([0-9]*\)<.*/\1/p'
}
[ "$(visits)" = 1 ]
ok $? "the demo answers on 127.0.0.1: web, from app, from data (1 visit)"
[ "$(visits)" = 2 ]
ok $? "the data service counts (2 visits)"
"$BERTH" -C "$ws" ps | grep -q '^data .*running *healthy'
ok $? "ps shows data healthy"
if command -v docker >/dev/null 2>&1; then
	(eval "$("$BERTH" -C "$ws" env)" && docker ps --format '{{.Names}}') \
		>"$scratch/dps" 2>&1
	grep -q "^$name-web-1\$" "$scratch/dps"
	ok $? "eval \"\$(berth env)\"; docker ps lists the stack's containers"
fi

[ "$("$BERTH" -C "$ws" ssh -c 'cat /etc/hostname' 2>/dev/null)" = "$name" ]
ok $? "ssh -c 'cat /etc/hostname' prints the workspace name"
[ "$("$BERTH" -C "$ws" ssh -c 'cat /workspace/marker.txt' 2>/dev/null)" = \
	"written on the host" ]
ok $? "a file of the workspace is visible under /workspace"
[ "$("$BERTH" -C "$ws" ssh -c 'id -u' 2>/dev/null)" = 1234 ]
ok $? "the guest user has the uid of the folder's owner (1234)"
"$BERTH" -C "$ws" ssh -c 'ls /workspace >/dev/null && echo guest >/workspace/from-guest.txt' 2>/dev/null &&
	[ "$(stat -c %u "$ws/from-guest.txt")" = 1234 ]
ok $? "the 0700 folder is readable and writable in the guest, and its file is 1234's on the host"
"$BERTH" -C "$ws" ssh -c 'exit 7' >/dev/null 2>&1
ok $(($? != 7)) "ssh passes the exit code through"
[ "$(stat -c %a "$ws/.berth/id_ed25519")" = 600 ]
ok $? "the workspace's SSH key is mode 0600"
grep -q 'Linux version' "$ws/.berth/console.log"
ok $? "the serial console is captured to .berth/console.log"
[ "$("$BERTH" -C "$ws" ssh -c 'cat /srv/extra/note.txt' 2>/dev/null)" = \
	"shared from the host" ]
ok $? "vm.shared: the extra folder is at /srv/extra in the guest"
! "$BERTH" -C "$ws" ssh -c 'touch /srv/extra/x' >/dev/null 2>&1
ok $? "and read-only there, as the Berthfile says"
# cloud-init did its once: off from now on, the folders in fstab
"$BERTH" -C "$ws" ssh -c 'test -e /etc/cloud/cloud-init.disabled &&
	grep -q "^shared0 /srv/extra virtiofs" /etc/fstab' 2>/dev/null
ok $? "cloud-init is off in the provisioned guest, the shared folder in fstab"
"$BERTH" -C "$ws" ssh -c 'sudo sshd -T' 2>/dev/null |
	grep -qx 'passwordauthentication no'
ok $? "sshd takes no passwords (the box's, not cloud-init's set-passwords)"

# Docker in the VM, over mutual TLS only.
grep -q '==> docker' "$scratch/up.out"
ok $? "up waits for the Docker engine"
for f in key.pem server-key.pem ca-key.pem; do
	[ "$(stat -c %a "$ws/.berth/docker/$f")" = 600 ]
	ok $? "TLS key $f is mode 0600"
done
if command -v docker >/dev/null 2>&1; then
	(eval "$("$BERTH" -C "$ws" env)" && docker version --format \
		'{{.Server.APIVersion}} {{.Server.Version}}') >"$scratch/dv" 2>&1
	grep -q '^1\.41 20\.10' "$scratch/dv"
	ok $? "eval \"\$(berth env)\"; docker version reports the VM's engine"
	diag <"$scratch/dv"
else
	ok 1 "the docker CLI is not installed"
fi
port=$("$BERTH" -C "$ws" env --shell json | sed -n 's/.*DOCKER_HOST": "tcp:\/\/127.0.0.1:\([0-9]*\)".*/\1/p')
! curl -sS --max-time 10 --cacert "$ws/.berth/docker/ca.pem" \
	"https://127.0.0.1:$port/_ping" >/dev/null 2>&1
ok $? "a client without the right certificate is refused"
! curl -sS --max-time 10 "http://127.0.0.1:$port/_ping" 2>/dev/null | grep -qx OK
ok $? "a plain-HTTP request is refused"
curl -sS --max-time 10 --cacert "$ws/.berth/docker/ca.pem" \
	--cert "$ws/.berth/docker/cert.pem" --key "$ws/.berth/docker/key.pem" \
	"https://127.0.0.1:$port/_ping" 2>/dev/null | grep -qx OK
ok $? "the client certificate gets in"
"$BERTH" -C "$ws" provision >"$scratch/prov.out" 2>&1
ok $? "provision runs again on the running VM"
diag <"$scratch/prov.out"
curl -sS --max-time 10 --cacert "$ws/.berth/docker/ca.pem" \
	--cert "$ws/.berth/docker/cert.pem" --key "$ws/.berth/docker/key.pem" \
	"https://127.0.0.1:$port/_ping" 2>/dev/null | grep -qx OK
ok $? "and the engine answers over TLS after it"
"$BERTH" -C "$ws" env --unset | grep -q '^unset DOCKER_HOST'
ok $? "env --unset undoes it"
"$BERTH" -C "$ws" env --shell fish | grep -q "^set -gx DOCKER_TLS_VERIFY '1';"
ok $? "env --shell fish"

# The dashboard against the VM: the header has the VM, the table the stack.
if command -v tmux >/dev/null 2>&1; then
	tm() { tmux -L "berth-e2e-$$" "$@"; }
	tm new-session -d -s dash -x 100 -y 30 \
		"cd '$ws' && '$BERTH' dash; echo rc=\$? >'$scratch/dash.rc'; sleep 30"
	end=$(($(date +%s) + 30))
	while [ "$(date +%s)" -lt "$end" ]; do
		tm capture-pane -p -t dash >"$scratch/dash.screen" 2>/dev/null
		grep -q 'web/1 *running' "$scratch/dash.screen" && break
		sleep 0.5
	done
	grep -q "vm running (tcg\|vm running (kvm" "$scratch/dash.screen" &&
		grep -q 'web/1 *running' "$scratch/dash.screen" &&
		grep -q 'engine the VM: connected' "$scratch/dash.screen"
	ok $? "dash shows the VM and its stack"
	diag <"$scratch/dash.screen"
	# its figures are the guest's and the engine's own: the VM's memory
	# against /proc/meminfo, each container's against docker stats
	end=$(($(date +%s) + 20))
	while [ "$(date +%s)" -lt "$end" ]; do
		tm capture-pane -p -t dash >"$scratch/dash.screen" 2>/dev/null
		grep -q '| mem [0-9]' "$scratch/dash.screen" &&
			grep -Eq '^ web/1 .*[0-9][KMG]( |$)' "$scratch/dash.screen" && break
		sleep 0.5
	done
	"$BERTH" -C "$ws" ssh -c 'cat /proc/meminfo' >"$scratch/meminfo" 2>/dev/null
	(eval "$("$BERTH" -C "$ws" env)" &&
		docker stats --no-stream --format '{{.Name}} {{.MemUsage}}') \
		>"$scratch/dstats" 2>&1
	python3 - "$scratch/dash.screen" "$scratch/meminfo" "$scratch/dstats" <<'PY'
import re, sys
screen, meminfo, dstats = (open(f).read() for f in sys.argv[1:4])
unit = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "KiB": 1 << 10,
        "MiB": 1 << 20, "GiB": 1 << 30, "B": 1}
size = lambda v, u: float(v) * unit[u]
m = re.search(r"\| mem ([\d.]+)([KMG])/([\d.]+)([KMG])", screen)
info = {k: int(v) * 1024 for k, v in re.findall(r"^(\w+):\s+(\d+) kB", meminfo, re.M)}
used, total = size(*m.group(1, 2)), size(*m.group(3, 4))
guest_used = info["MemTotal"] - info["MemAvailable"]
assert used <= total, (used, total)
assert abs(total - info["MemTotal"]) <= 0.06 * info["MemTotal"], (total, info)
assert 0.5 * guest_used <= used <= 2 * guest_used, (used, guest_used)
# web: no healthcheck starts processes in it between the two looks
row = re.search(r"^ web/1 .*?([\d.]+)([KMG])( |$)", screen, re.M)
ds = re.search(r"-web-1 ([\d.]+)(KiB|MiB|GiB|B) /", dstats)
dash_mem, docker_mem = size(*row.group(1, 2)), size(*ds.group(1, 2))
assert docker_mem / 3 <= dash_mem <= docker_mem * 3, (dash_mem, docker_mem)
print("# vm %d/%d MiB (guest %d/%d); web %d KiB (docker stats %d KiB)" % (
    used / 2**20, total / 2**20, guest_used / 2**20, info["MemTotal"] / 2**20,
    dash_mem / 1024, docker_mem / 1024))
PY
	ok $? "dash's VM memory is the guest's (used <= total) and a container's is what docker stats says"
	tm send-keys -t dash q
	for _ in $(seq 50); do [ -s "$scratch/dash.rc" ] && break; sleep 0.2; done
	[ "$(cat "$scratch/dash.rc" 2>/dev/null)" = rc=0 ]
	ok $? "and q leaves it with status 0"
	tm kill-server >/dev/null 2>&1
else
	ok 1 "tmux is not installed: no dashboard smoke test"
fi

start=$(secs)
"$BERTH" -C "$ws" up >"$scratch/noop.out" 2>&1
ok $? "up on a running workspace"
echo "# figure: no-op up $(elapsed "$start") s"
! grep -q 'defining\|created' "$scratch/noop.out" &&
	grep -q '^web *unchanged' "$scratch/noop.out"
ok $? "does nothing: every service unchanged"
# Once provisioned, up on the running VM asks only the engine: with the
# SSH port pointing nowhere it still succeeds, and fast.
cp "$ws/.berth/state.json" "$scratch/state.saved"
python3 - "$ws/.berth/state.json" "$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" <<'PY'
import json, sys
st = json.load(open(sys.argv[1]))
assert st.get("provisioned"), st
st["ssh_port"] = int(sys.argv[2])
json.dump(st, open(sys.argv[1], "w"))
PY
ok $? "the state records the VM as provisioned"
start=$(secs)
"$BERTH" -C "$ws" up >"$scratch/nossh.out" 2>&1
ok $? "no-op up with no SSH to be had"
echo "# figure: no-op up without SSH $(elapsed "$start") s"
diag <"$scratch/nossh.out"
cp "$scratch/state.saved" "$ws/.berth/state.json"
sed -i 's/APP_URL = "http:\/\/app:8000";/APP_URL = "http:\/\/app:8000"; EDITED = "1";/' "$ws/Berthfile"
"$BERTH" -C "$ws" up >"$scratch/edit.out" 2>&1
grep -q '^web *recreated (environment changed)' "$scratch/edit.out" &&
	grep -q '^app *unchanged' "$scratch/edit.out"
ok $? "editing one service recreates only it"
diag <"$scratch/edit.out"

start=$(secs)
"$BERTH" -C "$ws" status --json >"$scratch/status.json"
ok $? "status --json"
echo "# figure: status wall time $(elapsed "$start") s"
grep -q '"state": "running"' "$scratch/status.json"
ok $? "says running"

# No restart policy, as in most compose files: a VM's shutdown stops every
# container with code 0, and up must start them all again (halt, reload).
sed -i '/restart = "unless-stopped";/d' "$ws/Berthfile"
"$BERTH" -C "$ws" up >"$scratch/norestart.out" 2>&1
ok $? "the stack again, with no restart policy on any service" ||
	diag <"$scratch/norestart.out"
"$BERTH" -C "$ws" halt >/dev/null 2>&1
ok $? "halt"
"$BERTH" -C "$ws" status | grep -q 'shut off'
ok $? "the VM is shut off"
"$BERTH" -C "$ws" snapshot save halted >/dev/null 2>&1
ok $? "snapshot save on a halted VM"
# A folder shared once the VM was provisioned: cloud-init no longer runs
# at boot, so up mounts it, and writes it to fstab, over the agent.
mkdir -p "$scratch/more" && echo "shared later" >"$scratch/more/note.txt"
sed -i "s|/srv/extra:ro\" \]|/srv/extra:ro\", \"$scratch/more:/srv/more\" ]|" "$ws/Berthfile"
grep -q '/srv/more" ]' "$ws/Berthfile"
ok $? "a second shared folder in the Berthfile of the halted VM"
start=$(secs)
"$BERTH" -C "$ws" up >"$scratch/up2.out" 2>&1
ok $? "warm up after halt"
echo "# figure: warm up with the stack $(elapsed "$start") s"
[ "$(visits)" = 3 ]
ok $? "the stack is back after halt and up, with its data (3 visits)"
[ "$("$BERTH" -C "$ws" ssh -c 'cat /workspace/marker.txt' 2>/dev/null)" = \
	"written on the host" ]
ok $? "and the share is back"
[ "$("$BERTH" -C "$ws" ssh -c 'cat /srv/extra/note.txt' 2>/dev/null)" = \
	"shared from the host" ]
ok $? "and the shared folder (from fstab: cloud-init mounted it once)"
[ "$("$BERTH" -C "$ws" ssh -c 'cat /srv/more/note.txt; grep -c " /srv/more virtiofs" /etc/fstab' 2>/dev/null)" = \
	"shared later
1" ]
ok $? "the folder added while it was halted is mounted, and in fstab"
! grep -q '^==> cloud-init' "$scratch/up2.out" &&
	"$BERTH" -C "$ws" ssh -c 'test ! -e /run/cloud-init/result.json' 2>/dev/null
ok $? "that boot ran no cloud-init, and up did not wait for it"
"$BERTH" -C "$ws" reload >"$scratch/reload.out" 2>&1
ok $? "reload"
diag <"$scratch/reload.out"
[ "$(visits)" = 4 ]
ok $? "every service is back after reload, with its data (4 visits)"

# Snapshots: a row written, saved; another row and a deleted file; restored.
kv() { "$BERTH" -C "$ws" exec data wget -q -O - "http://127.0.0.1:8000/cgi-bin/kv?key=row$1" 2>/dev/null; }
# A process in the guest that lives through the save and is killed after
# it: only the snapshot's memory brings it back. A container that binds
# /workspace: the save takes the share out of the VM, so berth restarts it.
binds() { "$BERTH" -C "$ws" ssh -c 'docker exec binder cat /w/marker.txt' 2>/dev/null; }
[ "$(kv '&incr=1')" = 1 ] &&
	"$BERTH" -C "$ws" ssh -c 'echo kept | sudo tee /var/tmp/berth-kept' >/dev/null 2>&1 &&
	sleeper=$("$BERTH" -C "$ws" ssh -c 'setsid sleep 100000 </dev/null >/dev/null 2>&1 & echo $!' 2>/dev/null) &&
	[ -n "$sleeper" ] &&
	"$BERTH" -C "$ws" ssh -c "docker run -d --name binder -v /workspace:/w --entrypoint sleep \$(docker inspect -f '{{.Config.Image}}' $name-data-1) 100000" >/dev/null 2>&1 &&
	[ "$(binds)" = "written on the host" ]
ok $? "a row is written into the data service, a file into the guest, a process and a container binding /workspace started"
start=$(secs)
"$BERTH" -C "$ws" snapshot save s1 >"$scratch/snap.out" 2>&1
ok $? "snapshot save s1 on the running VM"
echo "# figure: snapshot save with memory (3 services running) $(elapsed "$start") s"
diag <"$scratch/snap.out"
grep -q 'memory and disk' "$scratch/snap.out"
ok $? "it holds the VM's memory and disk"
grep -q 'restarted binder' "$scratch/snap.out" && [ "$(binds)" = "written on the host" ]
ok $? "the container that binds /workspace was restarted, and sees it"
[ "$(kv '&incr=1')" = 2 ] &&
	"$BERTH" -C "$ws" ssh -c "sudo rm /var/tmp/berth-kept; sudo kill $sleeper" >/dev/null 2>&1
ok $? "then a second row, the file deleted, the process killed"
[ "$("$BERTH" -C "$ws" ssh -c 'cat /workspace/marker.txt' 2>/dev/null)" = \
	"written on the host" ]
ok $? "the share is back in the VM after the save"
start=$(secs)
"$BERTH" -C "$ws" snapshot restore s1 >"$scratch/restore.out" 2>&1
ok $? "snapshot restore s1"
echo "# figure: snapshot restore with memory, up to the stack answering $(elapsed "$start") s"
diag <"$scratch/restore.out"
grep -q "restored snapshot 's1', memory and disk" "$scratch/restore.out" &&
	! grep -q '==> booting' "$scratch/restore.out"
ok $? "it runs on from the snapshot's memory, with no boot"
[ "$(kv)" = 1 ]
ok $? "the first row is there, the second is not"
[ "$("$BERTH" -C "$ws" ssh -c 'cat /var/tmp/berth-kept' 2>/dev/null)" = kept ]
ok $? "the deleted file is back"
"$BERTH" -C "$ws" ssh -c "kill -0 $sleeper" >/dev/null 2>&1
ok $? "the killed process runs again"
grep -q 'restarted binder' "$scratch/restore.out" && [ "$(binds)" = "written on the host" ]
ok $? "the container that binds /workspace was restarted again, and sees it"
[ "$("$BERTH" -C "$ws" ssh -c 'cat /workspace/marker.txt' 2>/dev/null)" = \
	"written on the host" ]
ok $? "and the share is back"
guest=$("$BERTH" -C "$ws" ssh -c 'date +%s' 2>/dev/null)
now=$(date +%s)
[ -n "$guest" ] && [ "$guest" -ge $((now - 3)) ] && [ "$guest" -le $((now + 2)) ]
ok $? "the guest's clock is the host's again ($guest against $now)"
[ -n "$(visits)" ] && "$BERTH" -C "$ws" ps | grep -q '^web .*running'
ok $? "and the stack runs and answers"
"$BERTH" -C "$ws" snapshot list --json >"$scratch/snaps.json"
python3 -c '
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))}
assert s["s1"]["running"] and not s["halted"]["running"], s
assert s["s1"]["memory"] and not s["halted"]["memory"], s
assert s["s1"]["size"] > 0 and s["s1"]["time"].endswith("Z"), s
' "$scratch/snaps.json"
ok $? "snapshot list --json: both, with time, size, whether the VM ran, memory"
"$BERTH" -C "$ws" snapshot delete halted >/dev/null 2>&1 &&
	! "$BERTH" -C "$ws" snapshot list | grep -q '^halted '
ok $? "snapshot delete"
# A bug bundle of the VM workspace: console, versions, images, no keys.
"$BERTH" -C "$ws" bundle create "$scratch/small.tar.gz" >/dev/null 2>&1 &&
	"$BERTH" -C "$ws" bundle create "$scratch/full.tar.gz" --with-images >/dev/null 2>&1
ok $? "bundle create, with and without images"
echo "# figure: bundle $(stat -c %s "$scratch/small.tar.gz") bytes, with images $(stat -c %s "$scratch/full.tar.gz") bytes"
tar tzf "$scratch/full.tar.gz" | grep -qx console.log &&
	tar xzf "$scratch/full.tar.gz" -O manifest.json | python3 -c '
import json, sys
m = json.load(sys.stdin)
v = m["versions"]
assert v["libvirt"] and v["qemu"] and v["engine"]["api"], v
assert all(i["id"] for i in m["images"]), m["images"]
assert m["box"]["name"] == "debian-12", m["box"]'
ok $? "it holds the console log, the versions, the box and every image ID"
! tar xzf "$scratch/full.tar.gz" -O | grep -a -q "PRIVATE KEY"
ok $? "and no key material"
"$BERTH" -C "$ws" snapshot restore nope >"$scratch/nope.out" 2>&1
[ $? -eq 1 ] && grep -q "no snapshot 'nope'" "$scratch/nope.out"
ok $? "restoring a snapshot that is not there says so"

"$BERTH" -C "$ws" suspend >/dev/null 2>&1
ok $? "suspend"
"$BERTH" -C "$ws" status | grep -Eq 'paused|saved'
ok $? "the VM is suspended"
# a paused guest's clock stands still: resume sets it to the host's
sleep 6
"$BERTH" -C "$ws" resume >/dev/null 2>&1 && before=$(date +%s) &&
	guest=$("$BERTH" -C "$ws" ssh -c 'date +%s' 2>/dev/null)
ok $? "resume, and ssh answers again"
after=$(date +%s)
[ "${guest:-0}" -ge $((before - 2)) ] && [ "${guest:-0}" -le $((after + 2)) ]
ok $? "the guest's clock is the host's after 6 s paused (guest $guest, host $before-$after)"

# Kill up while it boots, then up again: it converges, nothing duplicated.
"$BERTH" -C "$ws" halt -f >/dev/null 2>&1
"$BERTH" -C "$ws" up >"$scratch/killed.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q booting "$scratch/killed.out" && break
	sleep 0.2
done
sleep 3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
"$BERTH" -C "$ws" up >"$scratch/after.out" 2>&1
ok $? "up after an up killed while booting"
diag <"$scratch/after.out"
[ "$(virsh -c qemu:///system list --all --name | grep -c "^berth-$name-")" -eq 1 ]
ok $? "one domain, not two"
[ "$(virsh -c qemu:///system vol-list default | grep -c "berth-$name-.*\.qcow2")" -eq 1 ]
ok $? "one overlay volume, not two"

# Two ups at once: the second waits for the first, both succeed.
"$BERTH" -C "$ws" halt -f >/dev/null 2>&1
"$BERTH" -C "$ws" up >"$scratch/c1" 2>&1 &
p1=$!
sleep 0.5
"$BERTH" -C "$ws" up >"$scratch/c2" 2>&1 &
p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
[ $s1 -eq 0 ] && [ $s2 -eq 0 ]
ok $? "two concurrent ups both succeed ($s1, $s2)"
grep -q 'waiting for another berth command' "$scratch/c2"
ok $? "the second waited for the first"

"$BERTH" list --json | grep -q "\"workspace\": \"$name\""
ok $? "list finds the workspace from domain metadata"

dom=$(sed -n 's/.*"domain": "\(.*\)".*/\1/p' "$ws/.berth/state.json")
"$BERTH" -C "$ws" destroy -f >/dev/null 2>&1
ok $? "destroy"
! virsh -c qemu:///system list --all --name | grep -q "^$dom\$"
ok $? "no domain is left"
! virsh -c qemu:///system vol-list default | grep -q "$dom"
ok $? "no overlay or seed volume is left (and the snapshots in it)"
[ ! -e "$ws/.berth" ]
ok $? "no state is left"
virsh -c qemu:///system vol-list default | grep -q 'berth-box-debian-12-2'
ok $? "the box's volume stays for the next workspace"

# The bundle, opened in another folder and brought up there: a new VM
# runs the same image IDs, loaded from the bundle, and the demo answers.
"$BERTH" bundle open "$scratch/full.tar.gz" "$scratch/opened" >"$scratch/open.out" 2>&1
ok $? "bundle open into another folder"
diag <"$scratch/open.out"
# On the box with Docker already in it: what is tested here is the bundle,
# and the mirror need not be asked for docker.io a second time.
sed -i 's/box = "debian-12";/box = "debian-12-docker";/' "$scratch/opened/Berthfile"
"$BERTH" -C "$scratch/opened" up >"$scratch/up3.out" 2>&1
ok $? "up there: a new VM from the bundle" || {
	diag <"$scratch/up3.out"
	"$BERTH" -C "$scratch/opened" status 2>&1 | diag
	tail -n 30 "$scratch/opened/.berth/console.log" 2>/dev/null | diag
}
grep -q "loading the bundle's images" "$scratch/up3.out" && ! grep -q ' building ' "$scratch/up3.out"
ok $? "it loads the bundle's images and builds nothing"
tar xzf "$scratch/full.tar.gz" -O manifest.json | python3 -c '
import json, sys
for i in json.load(sys.stdin)["images"]:
    print(i["service"], i["id"])' | sort >"$scratch/want.ids"
(eval "$("$BERTH" -C "$scratch/opened" env)" && for s in app data web; do
	echo "$s $(docker inspect --format '{{.Image}}' "$name-$s-1")"
done) | sort >"$scratch/got.ids" 2>&1
cmp -s "$scratch/want.ids" "$scratch/got.ids"
ok $? "the same image IDs run"
diag <"$scratch/got.ids"
ws_saved=$ws
ws="$scratch/opened"
[ -n "$(visits)" ]
ok $? "and the demo answers there"
ws=$ws_saved

# The compose project of the docker tier, in this VM: the Berthfile keeps
# its VM and takes its stack from compose.yaml; the demo's services go.
. "${TOP_SRCDIR}/tests/compose-project.sh"
compose_project "$scratch/opened" "$name" "key-$$"
sed -i '/^stack = {/,$d' "$scratch/opened/Berthfile"
echo 'stack = { compose = [ "compose.yaml" ]; };' >>"$scratch/opened/Berthfile"
ob() { (cd "$scratch/opened" && WHO=from-env PLAIN=host-plain "$BERTH" "$@"); }
start=$(secs)
ob up >"$scratch/up.compose" 2>&1
ok $? "in the VM: stack.compose lays the compose project out" ||
	diag <"$scratch/up.compose"
echo "# figure: the compose project built and laid out in the VM $(elapsed "$start") s"
cexec() { ob exec "$@" 2>/dev/null; }
[ "$(cexec app cat /stage)" = dev ] && [ "$(cexec app cat /greeting)" = hello-arg ]
ok $? "in the VM: the build target's stage, with its build arg from .env"
[ "$(cexec app cat /run/secrets/api_key)" = "key-$$" ] && [ "$(cexec app id -u)" = 1234 ]
ok $? "in the VM: the secret, and the user"
seen=$(cexec app sh -c 'wget -q -O - http://database:8000/seed')
[ "${seen#seeded}" != "$seen" ]
ok $? "in the VM: after seed completed and db turned healthy, app reaches db by its container_name"
seen=$(cexec web sh -c 'wget -q -O - http://db:8000/seed')
[ -z "$seen" ] && ! cexec web sh -c 'touch /nope' && cexec web sh -c 'touch /scratch/ok'
ok $? "in the VM: web is not on db's network, and its root is read-only but for the tmpfs"
[ "$(ob ps --json 2>/dev/null | python3 -c '
import json, sys
print(" ".join(sorted(r["service"] for r in json.load(sys.stdin))))')" = "app db seed web" ]
ok $? "in the VM: the demo's services are gone, the profile's service was not made"
port=$(ob ps --json | python3 -c '
import json, sys
print([p["host_port"] for r in json.load(sys.stdin) if r["service"] == "web" for p in r["ports"]][0])')
[ "$(curl -s "http://127.0.0.1:$port/")" = compose-site ]
ok $? "in the VM: web serves the site bound from the workspace on 127.0.0.1:$port"

"$BERTH" -C "$scratch/opened" destroy -f >/dev/null 2>&1
ok $? "destroy the opened workspace"

done_testing
