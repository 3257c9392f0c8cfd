#!/bin/sh
# swarm.sh: stack.mode = "swarm" in a real workspace VM (debian-12-docker,
# TCG): up makes the VM's engine a swarm of one and runs web as a Swarm
# service of 3 replicas, published through the routing mesh and forwarded
# to 127.0.0.1; a client requests it all through a rolling update, and
# not one request fails; an update whose tasks fail is rolled back while
# the client still gets answers; destroy leaves nothing. Prints the
# figures the notes quote.

. "${TOP_SRCDIR}/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "the VM tier needs root (qemu:///system)"
virsh -c qemu:///system uri >/dev/null 2>&1 ||
	skip_all "libvirtd does not answer on qemu:///system"
command -v ssh >/dev/null 2>&1 || skip_all "ssh is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"

export BERTH_HOME="${BERTH_BOX_CACHE:-/var/cache/berth}"
"$BERTH" box list --json | grep -q '"name": "debian-12-docker"' ||
	skip_all "no debian-12-docker box (tests/e2e/box-build.sh builds it)"

name="e2eswarm-$$"
ws="$scratch/$name"
mkdir -p "$ws"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
berthfile() {	# berthfile TITLE HEALTH-CMD
	cat >"$ws/Berthfile" <<EOF
workspace = "$name";
vm = { box = "debian-12-docker"; memory = "1G"; };
stack = {
  mode = "swarm";
  services = (
    {
      name = "web";
      image = "berth/busybox";
      command = [ "sh", "-c", "echo \"\$TITLE\" >/tmp/index.html && exec httpd -f -p 80 -h /tmp" ];
      environment = { TITLE = "$1"; };
      replicas = 3;
      ports = [ "$port:80" ];
      healthcheck = { test = [ "CMD-SHELL", "$2" ]; interval = "1s"; retries = 2; };
    }
  );
};
EOF
}
healthy='wget -qO- http://127.0.0.1/ >/dev/null'

client_pid=
cleanup() {
	[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
	"$BERTH" -C "$ws" destroy -f >/dev/null 2>&1
	rm -rf "$scratch"
}
trap cleanup EXIT

page() { curl -fs --max-time 5 "http://127.0.0.1:$port/"; }

# rolled TITLE: up, with the client counting; the up's output in up.out
rolled() {
	: >"$scratch/client"
	request_loop "http://127.0.0.1:$port/" "$scratch/client" &
	client_pid=$!
	sleep 1
	start=$(secs)
	"$BERTH" -C "$ws" up >"$scratch/up.out" 2>&1
	up_rc=$?
	took=$(elapsed "$start")
	sleep 1
	kill "$client_pid"
	wait "$client_pid" 2>/dev/null
	client_pid=
	requests=$(wc -l <"$scratch/client")
	failed=$(grep -c '^FAIL$' "$scratch/client")
}

berthfile one "$healthy"
start=$(secs)
"$BERTH" -C "$ws" up >"$scratch/up.out" 2>&1
ok $? "up boots the VM and lays web out as a Swarm service" || diag <"$scratch/up.out"
echo "# figure: cold up to a swarm of one with 3 replicas $(elapsed "$start") s"
grep -q "^web *ready: 3 tasks running" "$scratch/up.out"
ok $? "with its 3 tasks running" || diag <"$scratch/up.out"
until_ok 30 page
[ "$(page)" = one ]
ok $? "web answers on 127.0.0.1:$port through the routing mesh" ||
	{ diag <"$scratch/up.out"; "$BERTH" -C "$ws" ps | diag; }
"$BERTH" -C "$ws" ps --json | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert len(rows) == 3 and all(r["state"] == "running" and r["node"] for r in rows), rows
assert all(r["ports"][0]["host_port"] == int(sys.argv[1]) for r in rows), rows
' "$port"
ok $? "ps shows 3 running tasks with their node and the port" ||
	"$BERTH" -C "$ws" ps | diag

berthfile two "$healthy"
rolled two
ok $up_rc "up rolls the changed service out" || diag <"$scratch/up.out"
echo "# figure: rolling update of 3 replicas $took s ($requests requests, $failed failed)"
[ "$requests" -gt 20 ] && [ "$failed" -eq 0 ]
ok $? "not one of $requests requests failed during the rolling update" ||
	{ diag <"$scratch/up.out"; sort "$scratch/client" | uniq -c | diag; }
[ "$(tail -n 1 "$scratch/client")" = two ] && [ "$(page)" = two ]
ok $? "and web serves the new version" || tail -n 3 "$scratch/client" | diag

berthfile three "exit 1"
rolled three
[ "$up_rc" -ne 0 ] && grep -q "rolled back" "$scratch/up.out"
ok $? "an update whose tasks never get healthy is rolled back, and up says so" ||
	diag <"$scratch/up.out"
echo "# figure: failed update rolled back in $took s ($requests requests, $failed failed)"
[ "$failed" -eq 0 ] && ! grep -q '^three$' "$scratch/client" && [ "$(page)" = two ]
ok $? "meanwhile every request was answered by the old version" ||
	{ diag <"$scratch/up.out"; sort "$scratch/client" | uniq -c | diag; }

"$BERTH" -C "$ws" destroy -f >/dev/null 2>&1
ok $? "destroy"
virsh -q -c qemu:///system list --all --name | grep -q "$name"
ok $((! $?)) "no domain of the workspace is left"
virsh -q -c qemu:///system vol-list default | grep -q "$name"
ok $((! $?)) "nor a volume"

done_testing
