#!/bin/sh
# faults.sh: what happens to laptops, on a real workspace VM. 'berth up'
# killed (kill -9) in each of its phases; a state file truncated; the
# guest rebooted from inside; dockerd restarted in the guest and libvirtd
# on the host under a running 'berth dash' and 'berth logs -f'. After each,
# 'berth up' converges: one domain, its two volumes, one container per
# service, the named volume's data kept. Also the secrets: file modes,
# the Docker API on 127.0.0.1 only and for berth's CA only, nothing
# secret in status --json, nothing left after destroy.
#
# It runs after vm.sh (Makefile.am): restarting libvirtd must not pull
# the rug from under another VM test.

. "${TOP_SRCDIR}/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "the VM tier needs root (qemu:///system)"
virsh -c qemu:///system uri >/dev/null 2>&1 ||
	skip_all "libvirtd does not answer on qemu:///system"
for tool in ssh tmux openssl ss; do
	command -v $tool >/dev/null 2>&1 || skip_all "$tool is not installed"
done
export BERTH_HOME="${BERTH_BOX_CACHE:-/var/cache/berth}"
"$BERTH" box list --json | grep -q '"name": "debian-12"' ||
	skip_all "no debian-12 box (tests/e2e/box-build.sh builds it)"

# berth's own temp files (an up killed while it imports berth/busybox
# leaves one) go where this test cleans up
export TMPDIR="$scratch"
name="fault-$$"
ws="$scratch/$name"
box="fault-$$"		# debian-12 under a name of this test's own: its upload is ours
vsh() { virsh -c qemu:///system "$@"; }
b() { "$BERTH" -C "$ws" "$@"; }
tm() { tmux -L "berth-fault-$$" "$@"; }
follow= pid=

cleanup() {
	tm kill-server >/dev/null 2>&1
	[ -n "$follow" ] && kill "$follow" 2>/dev/null
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	b destroy -f >/dev/null 2>&1
	"$BERTH" box remove "$box" --all -f >/dev/null 2>&1
	for v in $(vsh vol-list default 2>/dev/null | awk '{print $1}' |
		grep "^berth-box-$box-"); do
		vsh vol-delete --pool default "$v" >/dev/null 2>&1
	done
	rm -rf "$scratch"
}
trap cleanup EXIT

"$BERTH" box build debian-12 --reuse --output "$scratch/d12.box" >/dev/null 2>&1 &&
	"$BERTH" box add "$scratch/d12.box" --name "$box" >/dev/null 2>&1
ok $? "a copy of the debian-12 box, as '$box'"
rm -f "$scratch/d12.box"
"$BERTH" init --template demo --box "$box" --name "$name" "$ws" >/dev/null
sed -i 's/memory = "2G"/memory = "1G"/' "$ws/Berthfile"

domains() { vsh list --all --name | grep -c "^berth-$name-"; }
ws_volumes() { vsh vol-list default | awk '{print $1}' | grep -c "^berth-$name-"; }
box_volumes() { vsh vol-list default | awk '{print $1}' | grep "^berth-box-$box-" | grep -vc '\.warm-'; }
warm_volumes() { vsh vol-list default | awk '{print $1}' | grep "^berth-box-$box-" | grep -c '\.warm-'; }
containers() {
	(eval "$(b env 2>/dev/null)" && docker ps -aq --filter "label=berth.workspace=$name") |
		grep -c .
}

# Nothing doubled, whatever was cut short: at most one domain, its
# overlay and seed, one copy of the box (image, kernel, initrd), one warm
# image of it (disk, memory, seed).
no_duplicates() {
	d=$(domains) v=$(ws_volumes) x=$(box_volumes) w=$(warm_volumes)
	[ "$d" -le 1 ] && [ "$v" -le 2 ] && [ "$x" -le 3 ] && [ "$w" -le 3 ]
	ok $? "$1: nothing doubled ($d domain, $v volumes, $x box volumes, $w warm image volumes)"
}

# kill_up_when CONDITION: start 'berth up', kill -9 it once the shell
# CONDITION holds ($cur is its output so far); 1 if it ended first.
n_up=0
kill_up_when() {
	n_up=$((n_up + 1))
	cur="$scratch/up.$n_up"
	"$BERTH" -C "$ws" up >"$cur" 2>&1 &	# berth itself, not a subshell
	pid=$!
	end=$(($(date +%s) + 900))
	while kill -0 $pid 2>/dev/null && ! eval "$1" && [ "$(date +%s)" -lt "$end" ]; do
		sleep "${poll:-0.2}"
	done
	if kill -0 $pid 2>/dev/null; then
		kill -9 $pid
		wait $pid 2>/dev/null
		return 0
	fi
	wait $pid
	return 1
}

# up_killed_when PHASE CONDITION: the same, as a test point, then the
# check that nothing was doubled.
up_killed_when() {
	kill_up_when "$2"
	ok $? "up killed (-9) during $1" || diag <"$cur"
	no_duplicates "killed during $1"
}

# 1-5: each phase of a cold up, each cut short by kill -9.
# The upload: the pool's folder itself is watched, often, as a local
# upload is quick; a kill that came too late (all of the box already in
# the pool) is tried again from scratch, up to three times.
pool=$(vsh pool-dumpxml default | sed -n 's:.*<path>\(.*\)</path>.*:\1:p')
boxdir=$(dirname "$("$BERTH" box list --json | python3 -c '
import json, sys
print([b["path"] for b in json.load(sys.stdin) if b["name"] == sys.argv[1]][0])' "$box")")
upload_cut() {	# some volume in the pool is not yet what it is a copy of
	for pair in "qcow2 box.img" "vmlinuz vmlinuz" "initrd initrd.img"; do
		set -- $pair
		cmp -s "$pool"/berth-box-$box-*."$1" "$boxdir/$2" 2>/dev/null || return 0
	done
	return 1
}
poll=0.01
for try in 1 2 3; do
	kill_up_when 'ls "$pool"/berth-box-$box-*.qcow2 >/dev/null 2>&1' &&
		upload_cut && break
	b destroy -f >/dev/null 2>&1
	for v in $(vsh vol-list default | awk '{print $1}' | grep "^berth-box-$box-"); do
		vsh vol-delete --pool default "$v" >/dev/null 2>&1
	done
done
poll=0.2
upload_cut
ok $? "up killed (-9) during the box upload (a pool volume is not yet its source; try $try)"
no_duplicates "killed during the box upload"
up_killed_when "the domain definition" 'grep -q "==> booting" "$cur"'
# the kill before may have come after the domain was started: then this
# up finds it booting, and says no phase
up_killed_when "the boot" 'grep -q "==> cloud-init" "$cur" ||
	{ vsh list --state-running --name | grep -q "^berth-$name-" && sleep 3; }'
# seen over SSH, or on the console where cloud-init's apt prints (the
# only way in while a warm image is made: no key of ours is in it yet)
up_killed_when "the Docker install in the guest" \
	'b ssh -c "pgrep -x apt-get || pgrep -x dpkg" >/dev/null 2>&1 ||
	grep -q "Unpacking docker\.io" "$ws/.berth/console.log" 2>/dev/null'
up_killed_when "the stack apply" \
	'grep -q "==> stack" "$cur" && sleep 1'

b up >"$scratch/up.final" 2>&1
ok $? "then up converges" || tail -n 30 "$scratch/up.final" | diag
[ "$(domains)" = 1 ] && [ "$(ws_volumes)" = 2 ] && [ "$(box_volumes)" = 3 ]
ok $? "exactly one domain, its overlay and seed, one box upload"
[ "$(containers)" = 3 ] && [ "$(b ps | grep -c ' running')" = 3 ]
ok $? "exactly one container per service, all running"
web_port() {
	b ps --json | python3 -c '
import json, sys
print([p["host_port"] for r in json.load(sys.stdin) if r["service"] == "web" for p in r["ports"]][0])'
}
answers() { curl -s --max-time 20 "http://127.0.0.1:$(web_port)/" | grep -q 'id="visits"'; }
answers
ok $? "and the demo answers"

# 6: the stack re-applied (app changed), killed midway: the named volume
# keeps its data.
b exec data sh -c "echo kept-$$ > /data/fault-marker"
sed -i 's|DATA_URL = "http://data:8000";|DATA_URL = "http://data:8000"; FAULT = "1";|' "$ws/Berthfile"
up_killed_when "a re-apply of the stack" 'grep -q "==> stack" "$cur" && sleep 1'
b up >"$scratch/up.reapply" 2>&1 && grep -q '^app .*\(created\|recreated\|unchanged\)' "$scratch/up.reapply"
ok $? "up converges after it" || diag <"$scratch/up.reapply"
[ "$(b exec data cat /data/fault-marker)" = "kept-$$" ] && [ "$(containers)" = 3 ]
ok $? "the named volume kept its data; still one container per service"

# 7: state truncated mid-write, and the service ports with it.
port_before=$(web_port)
head -c 20 "$ws/.berth/state.json" >"$scratch/cut" && cp "$scratch/cut" "$ws/.berth/state.json"
echo '{"web.1.80/tc' >"$ws/.berth/ports.json"
b status >"$scratch/status.out" 2>&1
grep -q 'running' "$scratch/status.out" && grep -q 'state.json.corrupt' "$scratch/status.out"
ok $? "a truncated state file: status finds the VM by its metadata, says so" ||
	diag <"$scratch/status.out"
b up >"$scratch/up.recover" 2>&1
[ $? -eq 0 ] && [ "$(domains)" = 1 ] && ! grep -q ' recreated\| created' "$scratch/up.recover"
ok $? "up recovers: the same VM, no container made anew" || diag <"$scratch/up.recover"
[ -f "$ws/.berth/state.json.corrupt" ] && [ -f "$ws/.berth/ports.json.corrupt" ]
ok $? "the damaged files are kept beside, not deleted"
answers && [ "$(b exec data cat /data/fault-marker)" = "kept-$$" ]
ok $? "the demo answers on its port, the data is there"
[ "$(web_port)" = "$port_before" ]
ok $? "web kept its port ($port_before), read back off its container"

# 8: the secrets.
[ "$(stat -c %a "$ws/.berth")" = 700 ] && [ "$(stat -c %a "$ws/.berth/docker")" = 700 ]
ok $? ".berth and .berth/docker are 0700"
bad=$(for f in "$ws"/.berth/docker/*.pem "$ws/.berth/id_ed25519"; do
	[ "$(stat -c %a "$f")" = 600 ] || echo "$f"
done)
[ -z "$bad" ]
ok $? "every key and certificate is 0600 ($bad)"
seed=$(vsh vol-path --pool default "$(vsh vol-list default | awk '{print $1}' |
	grep "^berth-$name-.*-seed.iso")")
[ "$(stat -c %a "$seed")" = 600 ]
ok $? "the seed (it holds the server key) is 0600"
dport=$(b env --shell json | sed -n 's/.*DOCKER_HOST": "tcp:\/\/127.0.0.1:\([0-9]*\)".*/\1/p')
listen=$(ss -ltnH "sport = :$dport" | awk '{print $4}' | sort -u)
[ "$listen" = "127.0.0.1:$dport" ]
ok $? "the Docker API listens on 127.0.0.1 only ($listen)"
# a client with a certificate from another CA
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-ca \
	-keyout "$scratch/oca.key" -out "$scratch/oca.pem" >/dev/null 2>&1 &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=intruder \
		-keyout "$scratch/ic.key" -out "$scratch/ic.csr" >/dev/null 2>&1 &&
	openssl x509 -req -in "$scratch/ic.csr" -CA "$scratch/oca.pem" \
		-CAkey "$scratch/oca.key" -CAcreateserial -days 1 \
		-out "$scratch/ic.pem" >/dev/null 2>&1
! curl -s --max-time 10 --cacert "$ws/.berth/docker/ca.pem" --cert "$scratch/ic.pem" \
	--key "$scratch/ic.key" "https://127.0.0.1:$dport/_ping" | grep -qx OK
ok $? "a client certificate from another CA is refused"
curl -s --max-time 10 --cacert "$ws/.berth/docker/ca.pem" --cert "$ws/.berth/docker/cert.pem" \
	--key "$ws/.berth/docker/key.pem" "https://127.0.0.1:$dport/_ping" | grep -qx OK
ok $? "(and berth's own gets in, so the refusal means something)"
b status --json >"$scratch/status.json" 2>&1
secret=$(sed -n 2p "$ws/.berth/docker/key.pem")
! grep -q "PRIVATE KEY\|$secret" "$scratch/status.json" "$scratch"/up.* "$scratch/status.out"
ok $? "no key material in status --json or in anything up printed"

# 9: dockerd restarted in the guest, under dash and logs -f.
"$BERTH" -C "$ws" logs -f >"$scratch/follow.out" 2>"$scratch/follow.err" &
follow=$!
tm new-session -d -s dash -x 110 -y 30 "cd '$ws' && '$BERTH' dash; sleep 30"
screen_has() {	# screen_has PATTERN SECONDS
	end=$(($(date +%s) + $2))
	while [ "$(date +%s)" -lt "$end" ]; do
		tm capture-pane -p -t dash >"$scratch/screen" 2>/dev/null
		grep -q -- "$1" "$scratch/screen" && return 0
		sleep 0.3
	done
	return 1
}
screen_has 'web/1 *running' 60
ok $? "dash is up against the VM"
b ssh -c 'sudo systemctl restart docker' >/dev/null 2>&1
ok $? "dockerd restarted inside the VM"
screen_has 'engine the VM: connected' 60 && screen_has 'web/1 *running' 60
ok $? "dash reconnects and shows the stack running again" || diag <"$scratch/screen"
said() {	# said TEXT: a line in web's log, as its process prints it
	b exec web sh -c "echo $1 > /proc/1/fd/1"
	end=$(($(date +%s) + 30))
	while ! grep -q "$1" "$scratch/follow.out" && [ "$(date +%s)" -lt "$end" ]; do
		sleep 0.3
	done
	kill -0 $follow 2>/dev/null && grep -q "$1" "$scratch/follow.out"
}
said "after-dockerd-$$"
ok $? "logs -f carries on: a line printed after the restart shows" ||
	diag <"$scratch/follow.err"
screen_has "web *| after-dockerd-$$" 20
ok $? "and so does dash"

# 10: libvirtd restarted on the host, under the same dash and logs -f.
# CI starts libvirtd itself (scripts/deps.sh); under systemd it is the
# unit's restart. The guest keeps running either way.
if [ -d /run/systemd/system ]; then
	systemctl restart libvirtd
else
	lv=$(pgrep -x libvirtd)
	kill "$lv"
	while kill -0 "$lv" 2>/dev/null; do sleep 0.2; done
	libvirtd -d
fi
for _ in $(seq 100); do vsh uri >/dev/null 2>&1 && break; sleep 0.2; done
vsh uri >/dev/null 2>&1
ok $? "libvirtd restarted"
dom=$(vsh list --name | grep "^berth-$name-")
# a libvirtd just started may still be reattaching to QEMU: suspend
# until libvirt itself says paused, so what is checked is dash
for _ in $(seq 60); do
	vsh suspend "$dom" >/dev/null 2>&1
	[ "$(vsh domstate "$dom" 2>/dev/null)" = paused ] && break
	sleep 0.5
done
screen_has 'vm paused' 30
ok $? "dash reconnects to libvirt: it sees the VM paused after the restart" || {
	diag <"$scratch/screen"
	echo "libvirt says: $(vsh domstate "$dom" 2>&1), daemon $(pgrep -x libvirtd)" | diag
}
vsh resume "$dom" >/dev/null 2>&1
screen_has 'vm running' 30
ok $? "and running again"
said "after-libvirtd-$$"
ok $? "logs -f carries on through it"
kill "$follow" 2>/dev/null
wait "$follow" 2>/dev/null
follow=
tm kill-server >/dev/null 2>&1

# 11: the guest rebooted from inside: up brings the stack back.
b ssh -c 'sudo systemctl reboot' >/dev/null 2>&1
end=$(($(date +%s) + 120))
while b ssh -c true >/dev/null 2>&1 && [ "$(date +%s)" -lt "$end" ]; do sleep 1; done
b up >"$scratch/up.reboot" 2>&1
ok $? "after a reboot inside the guest, up" || diag <"$scratch/up.reboot"
answers && [ "$(b exec data cat /data/fault-marker)" = "kept-$$" ] &&
	[ "$(containers)" = 3 ]
ok $? "brings the stack back: it answers, with its data, one container each"

# 12: destroy leaves nothing, keys included.
b destroy -f >/dev/null 2>&1
[ "$(domains)" = 0 ] && [ "$(ws_volumes)" = 0 ] && [ ! -e "$ws/.berth" ]
ok $? "destroy: no domain, no volume, no .berth (keys, certificates, seed)"

done_testing
