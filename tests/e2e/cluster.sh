#!/bin/sh
# cluster.sh: cluster = { nodes = 2; } in real VMs (debian-12-docker, TCG):
# up makes two VMs (from a warm image) on a network of their own, the
# workspace VM a Swarm manager and the other its worker; web's 3 replicas
# land on both, its image (berth's own, on the manager alone) pushed to
# the cluster's registry (docker-registry on the manager, on the cluster
# network alone, mutual TLS) and pulled from it by the worker; the
# routing mesh answers on 127.0.0.1; exec reaches a task on the worker,
# ssh --node 2 its VM, logs show every task's lines, dash
# lists the tasks on both VMs; a rolling update fails not one request,
# and an update whose tasks never get healthy is rolled back while the
# old version answers every request; a node halted hard has its tasks
# rescheduled on the other; destroy leaves no domain, volume or network.
# Prints the figures the notes quote.

. "${TOP_SRCDIR}/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "the VM tier needs root (qemu:///system)"
virsh -c qemu:///system uri >/dev/null 2>&1 ||
	skip_all "libvirtd does not answer on qemu:///system"
command -v ssh >/dev/null 2>&1 || skip_all "ssh is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"

export BERTH_HOME="${BERTH_BOX_CACHE:-/var/cache/berth}"
export BERTH_WARM=1	# the workspace VM too: its first up makes the image
"$BERTH" box list --json | grep -q '"name": "debian-12-docker"' ||
	skip_all "no debian-12-docker box (tests/e2e/box-build.sh builds it)"

name="e2ecl-$$"
ws="$scratch/$name"
mkdir -p "$ws"
# a VM shape of this test's own (the disk size is in the warm image's
# key): its image is made here and removed at the end
disk="$((6000 + $$ % 1000))M"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
healthy='wget -qO- http://127.0.0.1/ >/dev/null'
berthfile() {	# berthfile TITLE [HEALTH-CMD]
	cat >"$ws/Berthfile" <<EOF
workspace = "$name";
vm = { box = "debian-12-docker"; memory = "1G"; disk = "$disk"; };
cluster = { nodes = 2; };
stack = {
  services = (
    {
      name = "web";
      image = "berth/busybox";
      command = [ "sh", "-c", "echo \"\$TITLE\" >/tmp/index.html && echo \"serving \$TITLE\" && exec httpd -f -p 80 -h /tmp" ];
      environment = { TITLE = "$1"; };
      replicas = 3;
      ports = [ "$port:80" ];
      healthcheck = { test = [ "CMD-SHELL", "${2:-$healthy}" ]; interval = "1s"; retries = 2; };
    }
  );
};
EOF
}

client_pid=
warm_key=
tm() { tmux -L "berth-cluster-$$" "$@"; }
cleanup() {
	[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
	tm kill-server >/dev/null 2>&1
	"$BERTH" -C "$ws" destroy -f >/dev/null 2>&1
	if [ -n "$warm_key" ]; then
		for v in $(virsh -q -c qemu:///system vol-list default | awk '{ print $1 }' |
			grep "\.warm-$warm_key-"); do
			virsh -q -c qemu:///system vol-delete "$v" default >/dev/null 2>&1
		done
	fi
	rm -rf "$scratch"
}
trap cleanup EXIT

page() { curl -fs --max-time 5 "http://127.0.0.1:$port/"; }
# the tasks as "REPLICA STATE NODE" lines
tasks() {
	"$BERTH" -C "$ws" ps --json 2>/dev/null | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["replica"], r["state"], r["node"])'
}

berthfile one
start=$(secs)
"$BERTH" -C "$ws" up >"$scratch/up.out" 2>&1
ok $? "up makes a cluster of two VMs and lays web out on it" || diag <"$scratch/up.out"
ready=$(sed -n 's/^==> stack *(\([0-9.]*\) s)$/\1/p' "$scratch/up.out")
echo "# figure: cold up of a two-node cluster $(elapsed "$start") s; its VMs Docker-ready at $ready s"
warm_key=$(sed -n 's/.*"warm": "\([0-9a-f]*\)".*/\1/p' "$ws/.berth/state.json")
grep -q '^==> node 2/2' "$scratch/up.out" &&
	grep -q "1 node joined the swarm" "$scratch/up.out"
ok $? "the second VM came up and joined the swarm" || diag <"$scratch/up.out"

"$BERTH" -C "$ws" status --json >"$scratch/status.json"
python3 - "$scratch/status.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))["cluster"]
assert s["nodes"] == 2 and [v["state"] for v in s["vms"]] == ["running", "running"], s
PYEOF
ok $? "status shows both VMs running" || diag <"$scratch/status.json"
network=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["cluster"]["network"])' "$scratch/status.json")
node2=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["cluster"]["vms"][1]["domain"])' "$scratch/status.json")
virsh -q -c qemu:///system net-dumpxml "$network" >"$scratch/net.xml" 2>&1 &&
	! grep -q '<ip' "$scratch/net.xml" && ! grep -q '<forward' "$scratch/net.xml"
ok $? "the VMs share an isolated libvirt network ($network)" || diag <"$scratch/net.xml"

"$BERTH" -C "$ws" ssh -c "sudo docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'" \
	>"$scratch/nodes" 2>&1
[ "$(grep -c ' Ready' "$scratch/nodes")" = 2 ] && grep -q "^$name Ready Leader" "$scratch/nodes"
ok $? "the swarm has two ready nodes, the workspace VM its leader" || diag <"$scratch/nodes"

tasks >"$scratch/tasks"
[ "$(grep -c ' running ' "$scratch/tasks")" = 3 ] &&
	grep -q " running $name\$" "$scratch/tasks" &&
	grep -q " running $name-node2\$" "$scratch/tasks"
ok $? "web's 3 tasks run, on both nodes" || { diag <"$scratch/tasks"; diag <"$scratch/up.out"; }
registry=192.168.213.11:5000
grep -q "image berth/busybox pushed to the cluster's registry" "$scratch/up.out" &&
	"$BERTH" -C "$ws" ssh --node 2 -c "sudo docker image ls --format '{{.Repository}}'" \
	>"$scratch/worker-images" 2>&1 &&
	grep -qx "$registry/berth/busybox" "$scratch/worker-images" &&
	! grep -qx "berth/busybox" "$scratch/worker-images"
ok $? "berth's own image was pushed to the cluster's registry, and the worker pulled it from there" ||
	{ diag <"$scratch/up.out"; diag <"$scratch/worker-images"; }
shared=$(sed -n "s/.*pulled by 1 node (\([0-9.]*\) s)\$/\1/p" "$scratch/up.out")
echo "# figure: the image pushed to the registry and pulled by the worker in ${shared:-?} s"
# as a container on a node could try it: the registry answers on the
# cluster network alone, and only a client with the cluster's certificate
cat >"$scratch/registry.py" <<PYEOF
import http.client, json, ssl
d = "/etc/docker/certs.d/$registry/"
def catalog(cert):
    c = ssl.create_default_context(cafile=d + "ca.crt")
    if cert:
        c.load_cert_chain(d + "client.cert", d + "client.key")
    h = http.client.HTTPSConnection("${registry%:*}", 5000, context=c, timeout=10)
    h.request("GET", "/v2/_catalog")
    r = h.getresponse()
    return r.status, json.loads(r.read())
try:
    print("no certificate:", catalog(False))
except (ssl.SSLError, ConnectionError):
    print("no certificate: refused")
print("certificate:", catalog(True))
PYEOF
"$BERTH" -C "$ws" ssh --node 2 -c "sudo python3 -" <"$scratch/registry.py" >"$scratch/registry.out" 2>&1
"$BERTH" -C "$ws" ssh -c "sudo ss -Hltn" >>"$scratch/registry.out" 2>&1
grep -qx "no certificate: refused" "$scratch/registry.out" &&
	grep -q "^certificate: (200, {'repositories': \['berth/busybox'\]})" "$scratch/registry.out" &&
	grep -q " $registry " "$scratch/registry.out" &&
	! grep ':5000 ' "$scratch/registry.out" | grep -qv " $registry "
ok $? "the registry answers on the cluster network alone, and only a client with the cluster's certificate" ||
	diag <"$scratch/registry.out"
until_ok 30 page
[ "$(page)" = one ]
ok $? "web answers on 127.0.0.1:$port through the routing mesh" || diag <"$scratch/up.out"

replica=$(awk -v n="$name-node2" '$3 == n { print $1; exit }' "$scratch/tasks")
out=$("$BERTH" -C "$ws" exec -r "${replica:-1}" web cat /tmp/index.html 2>&1)
[ -n "$replica" ] && [ "$out" = one ]
ok $? "exec reaches task $replica on the worker" || echo "$out" | diag
out=$("$BERTH" -C "$ws" ssh --node 2 -c hostname 2>&1)
[ "$out" = "$name-node2" ]
ok $? "ssh --node 2 opens the worker's VM" || echo "$out" | diag
"$BERTH" -C "$ws" logs web >"$scratch/logs" 2>&1
[ "$(grep -c 'serving one' "$scratch/logs")" -ge 3 ]
ok $? "logs show the lines of every task, on both nodes" || diag <"$scratch/logs"
tm new-session -d -s dash -x 120 -y 30 "cd '$ws' && '$BERTH' dash; sleep 60"
on_screen() {
	tm capture-pane -p -t dash >"$scratch/screen" 2>/dev/null &&
		grep -q "running *- *$name " "$scratch/screen" &&
		grep -q "running *- *$name-node2 " "$scratch/screen"
}
until_ok 30 on_screen
ok $? "dash lists web's tasks on both VMs" || diag <"$scratch/screen"
tm kill-server >/dev/null 2>&1

# rolled TITLE [HEALTH-CMD]: up, with a client counting its requests
rolled() {
	berthfile "$@"
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

# A rolling update, one task at a time, while a client asks.
rolled two
ok $up_rc "up rolls the changed service out over both nodes" || diag <"$scratch/up.out"
! grep -q "pushed to the cluster's registry" "$scratch/up.out"
ok $? "an image the registry has is not pushed again" || diag <"$scratch/up.out"
echo "# figure: rolling update of 3 replicas on two nodes $took s ($requests requests, $failed failed)"
[ "$requests" -gt 20 ] && [ "$failed" -eq 0 ] && [ "$(page)" = two ]
ok $? "not one of $requests requests failed, and web serves the new version" ||
	{ diag <"$scratch/up.out"; sort "$scratch/client" | uniq -c | diag; }

# An update whose new tasks never get healthy: Swarm rolls it back, and
# the old version answers all along.
rolled three "exit 1"
[ "$up_rc" -ne 0 ] && grep -q "rolled back" "$scratch/up.out"
ok $? "an update whose tasks never get healthy is rolled back, and up says so" ||
	diag <"$scratch/up.out"
echo "# figure: failed update rolled back in $took s ($requests requests, $failed failed)"
[ "$failed" -eq 0 ] && ! grep -q '^three$' "$scratch/client" && [ "$(page)" = two ]
ok $? "meanwhile every request was answered by the old version" ||
	{ diag <"$scratch/up.out"; sort "$scratch/client" | uniq -c | diag; }

# The worker's VM stops hard: Swarm runs its tasks on the manager.
start=$(secs)
virsh -q -c qemu:///system destroy "$node2" >/dev/null 2>&1
ok $? "the worker's VM ($node2) is stopped hard"
moved() {
	tasks >"$scratch/tasks"
	[ "$(grep -c " running $name\$" "$scratch/tasks")" = 3 ]
}
until_ok 300 moved
ok $? "its tasks are rescheduled: 3 run on the manager" || diag <"$scratch/tasks"
echo "# figure: tasks of a halted node rescheduled in $(elapsed "$start") s"
[ "$(page)" = two ]
ok $? "and web still answers"

"$BERTH" -C "$ws" destroy -f >"$scratch/destroy.out" 2>&1
ok $? "destroy" || diag <"$scratch/destroy.out"
virsh -q -c qemu:///system list --all --name | grep -q "$name"
ok $((! $?)) "no domain of the cluster is left"
virsh -q -c qemu:///system vol-list default | awk '{ print $1 }' | grep -q "^berth-$name"
ok $((! $?)) "nor a volume"
virsh -q -c qemu:///system net-list --all --name | grep -qx "$network"
ok $((! $?)) "nor its network"
[ ! -e "$ws/.berth" ]
ok $? "nor its state"

done_testing
