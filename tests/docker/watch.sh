#!/bin/sh
# watch.sh: 'berth watch' on a compose project's develop.watch rules,
# against a real dockerd (a private one, see dockerd.sh): a saved file
# reaches the running container (sync), a new folder and a deleted file
# too, an ignored file does not; sync+restart restarts; rebuild makes the
# image again and recreates its service. Prints the time from a save to
# the new page.

. "${TOP_SRCDIR}/tests/lib.sh"

[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
. "${TOP_SRCDIR}/tests/docker/dockerd.sh"

proj="bwa-$$"
dir="$scratch/proj"
mkdir -p "$dir/ctx" "$dir/site" "$dir/conf"
cat >"$dir/ctx/Dockerfile" <<'EOF'
FROM berth/busybox
COPY ctx/version /version
COPY site /site
RUN mkdir -p /conf
STOPSIGNAL SIGKILL
EOF
echo v1 >"$dir/ctx/version"
echo first >"$dir/site/index.html"
echo doomed >"$dir/site/gone.html"
echo a=1 >"$dir/conf/app.conf"
cat >"$dir/compose.yaml" <<EOF
name: $proj
services:
  web:
    build: { context: ., dockerfile: ctx/Dockerfile }
    image: $proj/web
    command: httpd -f -p 80 -h /site
    ports: [ "80" ]
    develop:
      watch:
        - action: sync
          path: ./site
          target: /site
          ignore: [ "*.swp", "tmp/" ]
        - action: rebuild
          path: ./ctx
  api:
    image: $proj/web
    command: sleep 600
    develop:
      watch:
        - action: sync+restart
          path: ./conf
          target: /conf
EOF

b() { "$BERTH" -C "$dir" -H "$docker_host" "$@"; }
field() {
	api GET "/containers/$1/json" | python3 -c "
import json, sys
c = json.load(sys.stdin)
print($2)" 2>/dev/null
}
watcher=
cleanup_watch() {
	[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
	b down --volumes >/dev/null 2>&1
	stop_dockerd
}
trap cleanup_watch EXIT

ms() { echo "$(($(date +%s%N) / 1000000))"; }

# berth itself in the background, not a subshell: $! is its PID
"$BERTH" -C "$dir" -H "$docker_host" watch >"$scratch/watch.out" 2>&1 &
watcher=$!
until_ok 120 grep -q '^watching 3 rules' "$scratch/watch.out"
ok $? "watch brings the project up, then follows its 3 rules" ||
	diag <"$scratch/watch.out"
port=$(b ps --json | python3 -c '
import json, sys
print([p["host_port"] for r in json.load(sys.stdin) if r["service"] == "web" for p in r["ports"]][0])')
page() { curl -s "http://127.0.0.1:$port/$1"; }
[ "$(page index.html)" = first ]
ok $? "web serves the first page, from its image"

start=$(ms)
echo second >"$dir/site/index.html"
until_ok 20 sh -c "[ \"\$(curl -s http://127.0.0.1:$port/index.html)\" = second ]"
ok $? "sync: a saved page is served, with no restart" || diag <"$scratch/watch.out"
echo "# figure: from a save to the new page $(($(ms) - start)) ms"
grep -q '^web .*synced 1 change to /site' "$scratch/watch.out"
ok $? "and watch says so"

mkdir -p "$dir/site/sub/deeper"
echo nested >"$dir/site/sub/deeper/new.html"
rm "$dir/site/gone.html"
echo junk >"$dir/site/edit.swp"
until_ok 20 sh -c "[ \"\$(curl -s http://127.0.0.1:$port/sub/deeper/new.html)\" = nested ]"
ok $? "a new folder's file reaches the container"
until_ok 20 sh -c "! curl -fs http://127.0.0.1:$port/gone.html"
ok $? "a deleted file is gone from it"
! b exec web -- test -e /site/edit.swp
ok $? "an ignored file is not copied"

started=$(field "$proj-api-1" "c['State']['StartedAt']")
echo a=2 >"$dir/conf/app.conf"
until_ok 30 sh -c "[ \"\$(\"$BERTH\" -C \"$dir\" -H \"$docker_host\" exec api cat /conf/app.conf 2>/dev/null)\" = a=2 ]"
ok $? "sync+restart: the file reaches api"
until_ok 20 sh -c "grep -q '^api .*restarted' '$scratch/watch.out'"
[ "$(field "$proj-api-1" "c['State']['StartedAt']")" != "$started" ]
ok $? "and api was restarted"

old=$(field "$proj-web-1" "c['Id']")
echo v2 >"$dir/ctx/version"
until_ok 120 sh -c "grep -q 'rebuilt and laid out again' '$scratch/watch.out'"
ok $? "rebuild: a change in the build context lays the stack out again" ||
	diag <"$scratch/watch.out"
[ "$(b exec web cat /version)" = v2 ] && [ "$(field "$proj-web-1" "c['Id']")" != "$old" ]
ok $? "web runs the new image, in a new container"

kill -TERM "$watcher"
wait "$watcher"
rc=$?
watcher=
[ $rc -eq 0 ]
ok $? "a stop (SIGTERM, as Ctrl-C) ends watch with status 0 (got $rc)"

# 'up --watch' is the same loop after an up (here one with nothing to do)
"$BERTH" -C "$dir" -H "$docker_host" up --watch >"$scratch/upw.out" 2>&1 &
watcher=$!
until_ok 60 grep -q '^watching 3 rules' "$scratch/upw.out"
ok $? "up --watch: up, then the same 3 rules" || diag <"$scratch/upw.out"
echo third >"$dir/site/index.html"
until_ok 20 sh -c "[ \"\$(curl -s http://127.0.0.1:$port/index.html)\" = third ]" &&
	grep -q "is up on" "$scratch/upw.out"
ok $? "and a saved page is served" || diag <"$scratch/upw.out"
kill -TERM "$watcher"
wait "$watcher"
rc=$?
watcher=
[ $rc -eq 0 ]
ok $? "and it stops with status 0 (got $rc)"

run "$BERTH" -C "$TOP_SRCDIR/tests/compose/run" -H "$docker_host" watch --no-up
[ $rc -ne 0 ] && echo "$out" | grep -q "has develop.watch rules"
ok $? "a project with no rules is refused, with the next step" || echo "$out" | diag

done_testing
