#!/bin/sh
# swarm.sh: stack.mode = "swarm" against a real dockerd that manages a
# swarm of one (a private engine, see dockerd.sh; berth never makes a
# swarm of docker.host itself). The stack becomes Swarm services on an
# overlay network, in dependency order behind health gates; a re-apply
# changes nothing; a change rolls one service out, and a change whose
# tasks fail is rolled back and said so; settings a Swarm service cannot
# have are refused by name; dash lists the tasks with their node and
# follows the services' logs; down leaves nothing. The routing mesh needs
# the engine's iptables, which this private engine has none of: the
# published ports are checked by the VM tier.

. "${TOP_SRCDIR}/tests/lib.sh"

[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
. "${TOP_SRCDIR}/tests/docker/dockerd.sh"

ws="bsw-$$"
dir="$scratch/proj"
mkdir -p "$dir"
seed=seeded
berthfile() {	# berthfile TITLE WEB-CHECK REPLICAS [EXTRA-WEB-SETTING]
	cat >"$dir/Berthfile" <<EOF
workspace = "$ws";
stack = {
  mode = "swarm";
  volumes = [ "data" ];
  services = (
    {
      name = "setup";
      image = "berth/busybox";
      command = [ "sh", "-c", "sleep 2; echo $seed >/data/seed" ];
      volumes = [ "data:/data" ];
    },
    {
      name = "db";
      image = "berth/busybox";
      command = [ "sh", "-c", "touch /tmp/up && exec sleep 3600" ];
      healthcheck = { test = [ "CMD", "test", "-e", "/tmp/up" ]; interval = "1s"; retries = 3; };
      stop_signal = "SIGKILL";
    },
    {
      name = "web";
      image = "berth/busybox";
      command = [ "sh", "-c", "echo \"\$TITLE\" >/tmp/index.html && echo web says \$TITLE && cp /data/seed /tmp/seed && exec httpd -f -p 80 -h /tmp" ];
      volumes = [ "data:/data" ];
      environment = { TITLE = "$1"; };
      replicas = $3;
      ports = [ "80" ];
      healthcheck = { test = [ "CMD", "$2", "-e", "/tmp/index.html" ]; interval = "1s"; retries = 2; };
      depends_on = { db = "healthy"; setup = "completed"; };
      stop_signal = "SIGKILL";
      $4
    }
  );
};
EOF
}

b() { "$BERTH" -C "$dir" -H "$docker_host" "$@"; }
t() { tmux -L "berth-swarm-$$" "$@"; }
cleanup() {
	t kill-server >/dev/null 2>&1
	b down --volumes >/dev/null 2>&1
	stop_dockerd
}
trap cleanup EXIT

# services [FIELD]: the engine's services of the workspace, "NAME FIELD"
services() {
	api GET "/services" | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    spec = s["Spec"]
    if spec.get("Labels", {}).get("berth.workspace") != sys.argv[1]:
        continue
    env = spec["TaskTemplate"]["ContainerSpec"].get("Env", [])
    print(spec["Name"], s["Version"]["Index"],
          spec["Mode"]["Replicated"]["Replicas"], ",".join(env))' "$ws" | sort
}

berthfile first test 3
run b up
[ "$rc" -ne 0 ]
ok $? "up refuses an engine that is in no swarm" || echo "$out" | diag
printf '%s\n' "$out" | grep -q "not part of a Docker Swarm" &&
	printf '%s\n' "$out" | grep -q "swarm init"
ok $? "and says why, with the command that makes one" || echo "$out" | diag
run b ps --json
[ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q '"state": "missing"'
ok $? "ps on an engine in no swarm shows the services missing, no error" ||
	echo "$out" | diag

curl -s --unix-socket "$docker_sock" -X POST http://d/v1.41/swarm/init \
	-H 'Content-Type: application/json' \
	-d '{"ListenAddr":"127.0.0.1:2377","AdvertiseAddr":"127.0.0.1"}' >/dev/null
api GET /info | grep -q '"LocalNodeState":"active"'
ok $? "the test's engine manages a swarm of one" || exit 1

t0=$(date +%s)
run b up
ok $rc "up lays the stack out as Swarm services" || echo "$out" | diag
echo "# swarm up: $(($(date +%s) - t0)) s" | diag
printf '%s\n' "$out" | grep -q "network *${ws}_default created (overlay)"
ok $? "on an overlay network of its own" || echo "$out" | diag
# the order of the lines: web is created only after its gates opened
printf '%s\n' "$out" | python3 -c '
import sys
lines = sys.stdin.read().splitlines()
def at(word, what):
    return next(i for i, l in enumerate(lines) if l.split()[:1] == [word] and what in l)
assert at("db", "ready") < at("web", "created"), "db before web"
assert at("setup", "completed") < at("web", "created"), "setup before web"
assert at("web", "ready: 3 tasks running") > at("web", "created")
'
ok $? "web is created after db is healthy and setup completed" || echo "$out" | diag
api GET /services | grep -q '"Order":"start-first"' &&
	api GET /services | grep -q '"FailureAction":"rollback"'
ok $? "updates are rolling, start-first, rolled back on failure" ||
	api GET /services | diag

run b ps --json
printf '%s\n' "$out" | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["service"] == "web"]
assert len(rows) == 3, rows
assert sorted(r["replica"] for r in rows) == [1, 2, 3], rows
assert all(r["state"] == "running" and r["node"] for r in rows), rows
assert all(r["ports"][0]["port"] == 80 for r in rows), rows
'
ok $? "ps shows web's three tasks running, each with its node" || echo "$out" | diag
run b ps
printf '%s\n' "$out" | head -1 | grep -q NODE
ok $? "and its table has a NODE column" || echo "$out" | diag

before=$(services)
run b up
ok $rc "up again succeeds" || echo "$out" | diag
[ "$(printf '%s\n' "$out" | grep -c "unchanged")" -eq 3 ] &&
	[ "$(services)" = "$before" ]
ok $? "and updates nothing: every service unchanged, no new version" ||
	{ echo "$out"; services; } | diag

run b logs web
printf '%s\n' "$out" | grep -q "web says first"
ok $? "logs shows web's output" || echo "$out" | diag

# dash: the tasks with their node, and the services' logs through the
# manager
t new-session -d -s dash -x 120 -y 30 \
	"cd '$dir' && '$BERTH' -H '$docker_host' dash; sleep 30"
node=$(api GET /info | python3 -c 'import json, sys; print(json.load(sys.stdin)["Name"])')
screen_has() {	# screen_has PATTERN SECONDS
	until_ok "$2" sh -c "tmux -L 'berth-swarm-$$' capture-pane -p -t dash |
		grep -q -- '$1'"
}
screen_diag() { t capture-pane -p -t dash | diag; }
screen_has "web/3 *running *- *$node" 15
ok $? "dash lists web's tasks with their node ($node)" || screen_diag
screen_has 'web *| web says first' 10
ok $? "and the service's log, through the manager" || screen_diag
t send-keys -t dash r
screen_has "berth up. updates the service" 5
ok $? "r on a task says what to do instead" || screen_diag
t send-keys -t dash q
t kill-server >/dev/null 2>&1
run b exec web cat /tmp/index.html
[ "$rc" -eq 0 ] && [ "$out" = "first" ]
ok $? "exec runs in one of web's tasks" || echo "$out" | diag

# switching modes under a running stack is refused until down
sed 's/mode = "swarm";/mode = "containers";/' "$dir/Berthfile" >"$dir/B2" &&
	mv "$dir/B2" "$dir/Berthfile"
run b up
[ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q "runs as Swarm services" &&
	[ "$(services)" = "$before" ]
ok $? "up as containers is refused while the Swarm services run, and changes nothing" ||
	echo "$out" | diag

berthfile second test 2
run b up
ok $rc "up after a change to web's environment and replicas" || echo "$out" | diag
printf '%s\n' "$out" | grep -q "web *updating (environment and replicas changed)"
ok $? "says what changed, for web alone" || echo "$out" | diag
[ "$(printf '%s\n' "$out" | grep -c "unchanged")" -eq 2 ]
ok $? "and leaves db and setup unchanged" || echo "$out" | diag
services | grep -q "^${ws}_web [0-9]* 2 TITLE=second$"
ok $? "the service runs the new spec with 2 replicas" || services | diag
run b exec web cat /tmp/index.html
[ "$out" = "second" ]
ok $? "its tasks serve the new content" || echo "$out" | diag

berthfile third false 2
run b up --timeout 120
[ "$rc" -ne 0 ]
ok $? "an update whose new tasks never get healthy fails" || echo "$out" | diag
printf '%s\n' "$out" | grep -q "rolled back"
ok $? "saying that it was rolled back" || echo "$out" | diag
services | grep -q "^${ws}_web [0-9]* 2 TITLE=second$"
ok $? "and the service runs what it ran before" || services | diag
run b exec web cat /tmp/index.html
[ "$out" = "second" ]
ok $? "its tasks still serve the old content" || echo "$out" | diag

# a changed one-shot runs again, and a dependent changed with it waits
# for that run, not for the one that completed before
seed=reseeded
berthfile fourth test 2
run b up
[ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q "setup *updating (command changed)" &&
	printf '%s\n' "$out" | grep -q "web *updating (environment changed)"
ok $? "a changed one-shot is run again, and its changed dependent rolled" ||
	echo "$out" | diag
run b exec web cat /tmp/seed
[ "$out" = "reseeded" ]
ok $? "the dependent started after the new run completed" || echo "$out" | diag

berthfile second test 2 'privileged = true; ipc = "host";'
run b validate
[ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q "Berthfile:[0-9]*:.*'privileged' of service 'web': a Swarm service has no such setting" &&
	printf '%s\n' "$out" | grep -q "'ipc' of service 'web'"
ok $? "settings a Swarm service cannot have are refused by name and line" ||
	echo "$out" | diag

berthfile second test 2
run b stop web
[ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q "runs as Swarm services"
ok $? "stop is refused with what to do instead" || echo "$out" | diag

run b down --volumes
ok $rc "down succeeds" || echo "$out" | diag
[ -z "$(services)" ]
ok $? "no service of the workspace is left" || services | diag
api GET /networks | grep -q "\"${ws}_default\""
ok $((! $?)) "nor its overlay network" || api GET /networks | diag
api GET /volumes | grep -q "\"${ws}_data\""
ok $((! $?)) "nor its volume" || api GET /volumes | diag
api GET "/containers/json?all=1" | grep -q "\"berth.workspace\":\"$ws\""
ok $((! $?)) "nor a container of its tasks" || diag </dev/null

done_testing
