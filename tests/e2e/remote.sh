#!/bin/sh
# remote.sh: one environment of a Berthfile on another libvirt host
# (vm.uri = qemu+ssh://root@127.0.0.1:PORT/system, an sshd this test
# starts on loopback). Its ports come to 127.0.0.1 through the SSH
# connection berth keeps (made again when it drops, and so is a killed
# keeper), its console through libvirt, its folder by copy (up, sync,
# --watch), and the domain names no path of this machine. Prints the
# figures the notes quote.

. "${TOP_SRCDIR}/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "the VM tier needs root (qemu:///system)"
virsh -c qemu:///system uri >/dev/null 2>&1 ||
	skip_all "libvirtd does not answer on qemu:///system"
[ -x /usr/sbin/sshd ] || skip_all "sshd is not installed (openssh-server)"
command -v virt-ssh-helper >/dev/null 2>&1 ||
	skip_all "virt-ssh-helper is not installed (libvirt-clients)"

export BERTH_HOME="${BERTH_BOX_CACHE:-/var/cache/berth}"
"$BERTH" box list --json | grep -q '"name": "debian-12-docker"' ||
	skip_all "no debian-12-docker box (tests/e2e/box-build.sh builds it)"

prefix="e2eremote-$$"
ws="$scratch/ws"
sshd_pid=
cleanup() {
	[ -d "$ws" ] && b destroy -f --all-envs >/dev/null 2>&1
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT

# the same Berthfile: its default environment stays on this machine, and
# environment "far" goes to the other host
b() { "$BERTH" -C "$ws" -e far "$@"; }
st="$ws/.berth/env/far"
web() { curl -s -m 5 "http://127.0.0.1:$port/$1"; }

# The "remote" host: an sshd of this test's own, keys in the scratch
# folder. libvirt's ssh runs through a wrapper that remembers no host key,
# so nothing of this test lands in root's ~/.ssh.
mkdir -p "$scratch/sshd" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$scratch/sshd/host" &&
	ssh-keygen -q -t ed25519 -N '' -f "$scratch/sshd/client" &&
	cp "$scratch/sshd/client.pub" "$scratch/sshd/authorized_keys"
ok $? "keys for the sshd on loopback"
sport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$scratch/sshd/config" <<EOF
ListenAddress 127.0.0.1
Port $sport
HostKey $scratch/sshd/host
AuthorizedKeysFile $scratch/sshd/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
PidFile $scratch/sshd/pid
EOF
/usr/sbin/sshd -D -f "$scratch/sshd/config" -E "$scratch/sshd/log" </dev/null >/dev/null 2>&1 &
sshd_pid=$!
cat >"$scratch/sshd/ssh" <<'EOF'
#!/bin/sh
exec ssh -o UserKnownHostsFile=/dev/null "$@"
EOF
chmod +x "$scratch/sshd/ssh"
uri="qemu+ssh://root@127.0.0.1:$sport/system?keyfile=$scratch/sshd/client&no_verify=1&command=$scratch/sshd/ssh"
until_ok 10 virsh -c "$uri" hostname
ok $? "libvirt answers through the sshd on 127.0.0.1:$sport" || diag <"$scratch/sshd/log"

mkdir -p "$ws/site"
cat >"$ws/Berthfile" <<EOF
workspace = "$prefix";
vm = { box = "debian-12-docker"; memory = "1G"; accel = "tcg"; };
environments = { far = { vm = { uri = "$uri"; }; }; };
stack = { services = ( {
  name = "web"; image = "berth/busybox";
  command = [ "httpd", "-f", "-p", "80", "-h", "/srv" ];
  volumes = [ "./site:/srv:ro" ];
  ports = [ "80" ];
  stop_signal = "SIGKILL";
} ); };
EOF
echo "remote one" >"$ws/site/index.html"
echo "gone soon" >"$ws/site/old.html"
echo "never copied" >"$ws/site/secret.log"
echo "*/*.log" >"$ws/.dockerignore"

start=$(secs)
b up >"$scratch/up.out" 2>&1
ok $? "up of a workspace on the 'remote' libvirt host" || diag <"$scratch/up.out"
echo "# figure: cold up on qemu+ssh, Docker-ready with its stack $(elapsed "$start") s"
dom=$(sed -n 's/.*"domain": "\(.*\)".*/\1/p' "$st/state.json")
port=$(b ps --json | python3 -c 'import json,sys
print([p["host_port"] for r in json.load(sys.stdin) if r["service"] == "web" for p in r["ports"]][0])')
until_ok 30 web index.html
[ "$(web index.html)" = "remote one" ]
ok $? "the service's published port answers on 127.0.0.1:$port, its files copied from the folder"

b status >"$scratch/status" 2>&1
grep -qF "libvirt    $uri on $(hostname)" "$scratch/status"
ok $? "status says where the VM lives" || diag <"$scratch/status"
"$BERTH" -C "$ws" status 2>&1 | grep -q "^libvirt    qemu:///system on "
ok $? "and the folder's default environment stays on this machine"

# Nothing of this machine's file system is in the domain: no console
# file, no shared folder, and the kernel and disks are the pool's.
# (the metadata names the folder, as a name: it is not opened)
virsh -c qemu:///system dumpxml "$dom" | sed '/<metadata>/,/<\/metadata>/d' >"$scratch/dom.xml"
pool=$(virsh -c qemu:///system pool-dumpxml default | sed -n 's|.*<path>\(.*\)</path>.*|\1|p')
! grep -q "<log \|<filesystem\|$ws\|$BERTH_HOME" "$scratch/dom.xml" &&
	! grep "<kernel>\|<initrd>" "$scratch/dom.xml" | grep -vq "$pool/"
ok $? "the domain names no path of this machine" || diag <"$scratch/dom.xml"
head -c 2000 "$st/console.log" | grep -q "Linux version"
ok $? "the console came through libvirt into .berth/console.log, from the boot's first line"
b ssh -c 'ls -A /workspace /workspace/site' >"$scratch/ls" 2>&1
grep -q "^index.html$" "$scratch/ls" && grep -q "^Berthfile$" "$scratch/ls" &&
	! grep -q "\.berth\|secret.log" "$scratch/ls"
ok $? "/workspace has the folder, but .berth/ and what .dockerignore excludes" || diag <"$scratch/ls"

# One way: what changed is copied, what went goes.
echo "remote two" >"$ws/site/index.html"
rm "$ws/site/old.html"
b sync >"$scratch/sync.out" 2>&1
ok $? "berth sync" || diag <"$scratch/sync.out"
[ "$(web index.html)" = "remote two" ] &&
	! b ssh -c 'test -e /workspace/site/old.html' 2>/dev/null
ok $? "sync copies a change and deletes what the folder no longer has"
# not through b(): $! must be berth's own pid, not a subshell's
"$BERTH" -C "$ws" -e far sync --watch >"$scratch/watch.out" 2>&1 &
watch_pid=$!
until_ok 30 grep -q copied "$scratch/watch.out"
echo "remote three" >"$ws/site/index.html"
until_ok 30 sh -c "[ \"\$(curl -s -m 5 http://127.0.0.1:$port/index.html)\" = 'remote three' ]"
ok $? "sync --watch copies a change as it happens" || diag <"$scratch/watch.out"
kill -TERM $watch_pid 2>/dev/null
wait $watch_pid 2>/dev/null

# The SSH connection dropped: the keeper makes it again.
master=$(sed -n 's/.*ssh connection made (pid \([0-9]*\)).*/\1/p' "$st/tunnel.log" | tail -n 1)
[ -n "$master" ] && kill "$master"
start=$(secs)
until_ok 30 sh -c "grep -q 'ssh connection made (pid' '$st/tunnel.log' &&
	[ \"\$(sed -n 's/.*ssh connection made (pid \\([0-9]*\\)).*/\\1/p' '$st/tunnel.log' | tail -n 1)\" != '$master' ] &&
	[ \"\$(curl -s -m 5 http://127.0.0.1:$port/index.html)\" = 'remote three' ]"
ok $? "a dropped SSH connection is made again, and the port answers again" ||
	diag <"$st/tunnel.log"
echo "# figure: ports back after the SSH connection dropped $(elapsed "$start") s"
b ssh -c true >/dev/null 2>&1
ok $? "and berth ssh goes through it"

# The link to the host dropped: every ssh of the keeper killed at once,
# its libvirt connections' and its forwards'. It connects again.
keeper=$(cat "$st/tunnel.pid")
pkill -x -P "$keeper" ssh
start=$(secs)
until_ok 60 sh -c "grep -q 'libvirt connection made again' '$st/tunnel.log' &&
	[ \"\$(curl -s -m 5 http://127.0.0.1:$port/index.html)\" = 'remote three' ]"
ok $? "every SSH link of the keeper dropped: it connects again, and the port answers again" ||
	diag <"$st/tunnel.log"
echo "# figure: ports back after every SSH link dropped $(elapsed "$start") s"
echo "console after the drop" | b ssh -c 'sudo tee /dev/ttyS0 >/dev/null' 2>/dev/null
until_ok 20 grep -q "console after the drop" "$st/console.log"
ok $? "and the console is copied again"

# The keeper itself killed: the next up makes it again, on the same ports.
keeper=$(cat "$st/tunnel.pid")
kill -9 "$keeper"
sleep 1
b up >"$scratch/up2.out" 2>&1 && until_ok 20 web index.html &&
	[ "$(cat "$st/tunnel.pid")" != "$keeper" ]
ok $? "up makes a killed keeper again, and the ports come back" || diag <"$scratch/up2.out"

b halt >/dev/null 2>&1
keeper=$(cat "$st/tunnel.pid" 2>/dev/null)
[ -z "$keeper" ] || ! kill -0 "$keeper" 2>/dev/null
ok $? "halt stops the keeper"
! web index.html >/dev/null
ok $? "and the port is closed"

b destroy -f >/dev/null 2>&1
ok $? "destroy"
! virsh -c qemu:///system dominfo "$dom" >/dev/null 2>&1 &&
	! virsh -q -c qemu:///system vol-list default | grep -q "$dom"
ok $? "no domain and no volume of it are left"
! pgrep -f "_tunnel .*$dom" >/dev/null
ok $? "no keeper is left"

done_testing
