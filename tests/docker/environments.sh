#!/bin/sh
# environments.sh: named environments of one workspace, against a real
# dockerd (a private one, see dockerd.sh): three up at once from one
# folder, each on its own port and volume, an override seen in one only;
# a bad override named with file:line; 'berth run' brings a throwaway one
# up, runs a command with its ports, exits with its code and leaves
# nothing, also as a copy (--from) and when stopped with SIGTERM; one
# killed with -9 is removed by the next berth. An environment of a compose
# project turns on a profile of its own.

. "${TOP_SRCDIR}/tests/lib.sh"

[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
. "${TOP_SRCDIR}/tests/docker/dockerd.sh"

ws="bev-$$"
dir="$scratch/proj"
mkdir -p "$dir"
pinned=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/Berthfile" <<EOF
workspace = "$ws";
stack = {
  volumes = [ "data" ];
  services = (
    {
      name = "web";
      image = "berth/busybox";
      command = [ "sh", "-c", "mkdir -p /www && echo \"\$TITLE\" >/www/index.html && exec httpd -f -p 80 -h /www" ];
      environment = { TITLE = "base"; };
      volumes = [ "data:/data" ];
      ports = [ "$pinned:80" ];
      stop_signal = "SIGKILL";
    }
  );
};
environments = {
  test = {
    stack = { services = ( { name = "web"; environment = { TITLE = "test"; }; } ); };
  };
  broken = {
    stack = { services = ( { name = "wbe"; replicas = 2; } ); };
  };
};
EOF

b() { "$BERTH" -C "$dir" -H "$docker_host" "$@"; }
cleanup_envs() {
	for e in default test qa copy; do
		b -e "$e" down --volumes >/dev/null 2>&1
	done
	for e in default dbg; do
		"$BERTH" -C "$scratch/prof" -H "$docker_host" -e "$e" down \
			--volumes >/dev/null 2>&1
	done
	stop_dockerd
}
trap cleanup_envs EXIT

# port ENV: web's host port in that environment
port() {
	b -e "$1" ps --json | python3 -c '
import json, sys
print([p["host_port"] for r in json.load(sys.stdin) if r["service"] == "web" for p in r["ports"]][0])'
}
page() { curl -fs --max-time 5 "http://127.0.0.1:$1/"; }
# the engine's containers of a project
containers() {
	api GET "/containers/json?all=1" | python3 -c '
import json, sys
print(len([c for c in json.load(sys.stdin) if c["Labels"].get("berth.workspace") == sys.argv[1]]))' "$1"
}

run b up
ok $rc "the default environment comes up" || echo "$out" | diag
run b -e test up
ok $rc "berth -e test up brings up a second one beside it" || echo "$out" | diag
run b up -e qa
ok $rc "berth up -e qa (an environment with no settings of its own) a third" ||
	echo "$out" | diag

p0=$(port default)
p1=$(port test)
p2=$(port qa)
[ "$p0" = "$pinned" ]
ok $? "the default environment keeps its pinned port ($p0)"
[ -n "$p1" ] && [ -n "$p2" ] && [ "$p1" != "$p0" ] && [ "$p2" != "$p0" ] && [ "$p1" != "$p2" ]
ok $? "the others got ports of their own ($p1, $p2)"
until_ok 20 page "$p0" && until_ok 20 page "$p1" && until_ok 20 page "$p2"
ok $? "all three answer at once"
[ "$(page "$p0")" = base ] && [ "$(page "$p1")" = test ] && [ "$(page "$p2")" = base ]
ok $? "test's override shows in test only"
[ "$(containers "$ws")" = 1 ] && [ "$(containers "$ws-test")" = 1 ] &&
	[ "$(containers "$ws-qa")" = 1 ]
ok $? "each runs its own container, named after its environment"

b exec web sh -c 'echo from-default >/data/mark' &&
	! b -e test exec web test -e /data/mark
ok $? "a file written in one's volume is not in another's"

# --from: a copy of the default environment as it is now
run b up -e copy --from default
ok $rc "berth up -e copy --from default makes a copy" || echo "$out" | diag
[ "$(b -e copy exec web cat /data/mark 2>/dev/null)" = from-default ]
ok $? "its volume holds the source's data of that moment"
b -e copy exec web sh -c 'echo from-copy >/data/mark2' &&
	b exec web sh -c 'echo later >/data/mark3' &&
	! b exec web test -e /data/mark2 && ! b -e copy exec web test -e /data/mark3
ok $? "later writes to either one do not show in the other"
[ "$(page "$p0")" = base ] && [ "$(api GET "/containers/$ws-web-1/json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["State"]["Status"])')" = running ]
ok $? "the source kept running (unpaused)"
run b up -e copy --from default
[ $rc -ne 0 ] && echo "$out" | grep -q "exists: --from makes a new one"
ok $? "--from on an environment that exists is refused" || echo "$out" | diag
run b up -e other --from nosuch
[ $rc -ne 0 ] && echo "$out" | grep -q "there is no environment 'nosuch'" && [ ! -e "$dir/.berth/env/other" ]
ok $? "--from an environment that does not exist is refused, nothing made" || echo "$out" | diag
b -e copy down --volumes >/dev/null 2>&1
b -e copy destroy --force >/dev/null 2>&1

[ -d "$dir/.berth/env/test" ] && [ -d "$dir/.berth/env/qa" ]
ok $? "each keeps its state under .berth/env/NAME"

run b -e test status --json
echo "$out" | grep -q '"environment": "test"'
ok $? "status says which environment"

run b config -e broken
[ $rc -ne 0 ] && echo "$out" | grep -q "Berthfile:[0-9]*: .*changes service 'wbe', which the base does not have"
ok $? "an override of an unknown service is refused with file:line" || echo "$out" | diag
run b -e Bad ps
[ $rc -eq 2 ] && echo "$out" | grep -q "not a valid environment name"
ok $? "a bad environment name is a usage error"

run b -e qa down --volumes
run b -e qa destroy --force
[ ! -e "$dir/.berth/env/qa" ] && [ -d "$dir/.berth" ] && [ "$(containers "$ws-qa")" = 0 ] &&
	[ "$(page "$p0")" = base ]
ok $? "removing qa leaves the others and their state" || echo "$out" | diag

# berth run: a throwaway environment around one command
run b run -- sh -c 'page=$(curl -fs --retry 20 --retry-connrefused --retry-delay 1 "http://127.0.0.1:$PORT_WEB/") && [ "$page" = base ] && [ "$PORT_WEB" = "$PORT_WEB_80" ] && [ -n "$DOCKER_HOST" ] && echo "env=$BERTH_ENV"'
ok $rc "berth run -- CMD passes, CMD reaching the page at \$PORT_WEB" || echo "$out" | diag
runenv=$(echo "$out" | sed -n 's/^env=//p')
case $runenv in run-??????) true ;; *) false ;; esac
ok $? "in an environment of its own ($runenv)"
[ ! -e "$dir/.berth/env/$runenv" ] && [ "$(containers "$ws-$runenv")" = 0 ]
ok $? "and leaves nothing behind: no state, no container"
api GET /volumes | grep -q "$ws-$runenv"
ok $((!$?)) "and no volume"

run b run -e test -- sh -c 'curl -fs --retry 20 --retry-connrefused --retry-delay 1 "http://127.0.0.1:$PORT_WEB/" | grep -qx test'
ok $rc "berth run -e test takes test's settings"
run b run -- sh -c 'exit 3'
[ $rc -eq 3 ] && [ -z "$(ls "$dir/.berth/env" | grep '^run-')" ]
ok $? "a failing command's code is berth run's (got $rc), and it leaves nothing"

run env BERTH_BIN="$BERTH" DIR="$dir" DH="$docker_host" "$BERTH" -C "$dir" \
	-H "$docker_host" run --from default -- sh -c \
	'"$BERTH_BIN" -C "$DIR" -H "$DH" exec web cat /data/mark'
[ $rc -eq 0 ] && echo "$out" | grep -qx from-default
ok $? "berth run --from default: CMD sees a copy of default's volume" ||
	echo "$out" | diag
[ -z "$(ls "$dir/.berth/env" | grep '^run-')" ] && [ "$(page "$p0")" = base ]
ok $? "and leaves nothing, the source still serving"

# SIGTERM (a CI job cancelled): passed on to CMD, and still destroys
"$BERTH" -C "$dir" -H "$docker_host" run -- sleep 300 >"$scratch/run.term" 2>&1 &
runner=$!
until_ok 120 pgrep -P "$runner" -x sleep
termed=$(ls -d "$dir"/.berth/env/run-* | sed 's|.*/||')
kill -TERM "$runner"
wait "$runner"
rc=$?
[ $rc -eq 143 ] && [ ! -e "$dir/.berth/env/$termed" ] &&
	[ "$(containers "$ws-$termed")" = 0 ] && ! pgrep -P "$runner" -x sleep
ok $? "berth run stopped with SIGTERM stops CMD, exits 143 (got $rc), leaves nothing" ||
	diag <"$scratch/run.term"

"$BERTH" -C "$dir" -H "$docker_host" run -- sleep 300 >"$scratch/run.out" 2>&1 &
runner=$!
until_ok 120 sh -c "ls '$dir'/.berth/env/run-*/run.json && pgrep -P $runner -x sleep"
sleeper=$(pgrep -P "$runner" -x sleep)
killed=$(ls -d "$dir"/.berth/env/run-* | sed 's|.*/||')
kill -9 "$runner"
[ -n "$sleeper" ] && kill "$sleeper"
wait "$runner" 2>/dev/null
[ "$(containers "$ws-$killed")" = 1 ]
ok $? "a berth run killed with -9 leaves its environment ($killed) up"
run b ps
echo "$out" | grep -q "removing environment '$killed'" &&
	[ ! -e "$dir/.berth/env/$killed" ] && [ "$(containers "$ws-$killed")" = 0 ]
ok $? "the next berth in the folder removes it" || echo "$out" | diag

b -e test down --volumes >/dev/null 2>&1
b down --volumes >/dev/null 2>&1
run b destroy --all-envs --force
[ $rc -eq 0 ] && [ ! -e "$dir/.berth" ]
ok $? "destroy --all-envs removes every environment's state" || echo "$out" | diag

# A compose project: environment dbg turns its debug profile on.
mkdir -p "$scratch/prof"
cat >"$scratch/prof/compose.yaml" <<'EOF'
services:
  web:
    image: berth/busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  mailcatcher:
    image: berth/busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    profiles: ["debug"]
EOF
cat >"$scratch/prof/Berthfile" <<EOF
workspace = "$ws-p";
stack = { compose = [ "compose.yaml" ]; };
environments = { dbg = { stack = { profiles = [ "debug" ]; }; }; };
EOF
pb() { "$BERTH" -C "$scratch/prof" -H "$docker_host" "$@"; }
run pb up
ok $rc "a compose project's default environment comes up" || echo "$out" | diag
run pb -e dbg up
ok $rc "its environment dbg comes up beside it" || echo "$out" | diag
[ "$(containers "$ws-p")" = 1 ] && [ "$(containers "$ws-p-dbg")" = 2 ]
ok $? "dbg's stack.profiles turns the debug service on there only" ||
	api GET "/containers/json?all=1" | diag

done_testing
