#!/bin/sh
# stack.sh: the stack engine against a real dockerd on the host (a private
# one, see dockerd.sh), through the berth CLI with --docker-host. Images
# are built from a local context on berth/busybox, which berth makes from
# the host's busybox-static: no registry is needed.

. "${TOP_SRCDIR}/tests/lib.sh"

[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
. "${TOP_SRCDIR}/tests/docker/dockerd.sh"

ws="bst-$$"
dir="$scratch/ws"
mkdir -p "$dir/ctx"
cat >"$dir/ctx/Dockerfile" <<'EOF'
FROM berth/busybox
RUN mkdir -p /www && echo hello-from-web > /www/index.html
STOPSIGNAL SIGKILL
EOF

# berthfile [MODE] [REPLICAS] [WEB=1|0] [BAD=0|1]: the test's stack.
berthfile() {
	mode=${1:-one} replicas=${2:-1} web=${3:-1} bad=${4:-0}
	{
		cat <<EOF
workspace = "$ws";
stack = {
  volumes = [ "store" ];
  services = (
    { name = "init"; build = "ctx"; image = "$ws/img";
      command = [ "sh", "-c", "echo seeded > /store/seed" ];
      volumes = [ "store:/store" ]; },
    { name = "db"; image = "$ws/img";
      command = [ "sh", "-c", "echo db up; exec httpd -f -vv -p 8000 -h /store" ];
      volumes = [ "store:/store" ];
      depends_on = { init = "completed"; };
      healthcheck = { test = "test -f /store/seed"; interval = "1s"; retries = 10; }; },
    { name = "app"; image = "$ws/img"; replicas = $replicas;
      command = [ "sh", "-c", "while true; do echo tick \$(date +%s); sleep 0.3; done" ];
      environment = { MODE = "$mode"; };
      depends_on = { db = "healthy"; }; }
EOF
		[ "$web" = 1 ] && cat <<EOF
    , { name = "web"; image = "$ws/img";
      command = [ "httpd", "-f", "-p", "80", "-h", "/www" ];
      ports = [ "80" ]; depends_on = { app = "started"; }; }
EOF
		[ "$bad" = 1 ] && cat <<EOF
    , { name = "bad"; image = "$ws/img";
      command = [ "sleep", "600" ];
      healthcheck = { test = "echo broken-check; exit 1"; interval = "1s"; retries = 2; }; },
    { name = "needsbad"; image = "$ws/img"; command = [ "sleep", "600" ];
      depends_on = { bad = "healthy"; }; }
EOF
		echo "  );"
		echo "};"
	} >"$dir/Berthfile"
}

b() { "$BERTH" -C "$dir" -H "$docker_host" "$@"; }

# field CONTAINER EXPR: a value from the container's inspect (python)
field() {
	api GET "/containers/$1/json" | python3 -c "
import json, sys
c = json.load(sys.stdin)
print($2)" 2>/dev/null
}
# ids: "name id" of every container of the workspace, sorted
ids() {
	api GET "/containers/json?all=1" | python3 -c "
import json, sys
for c in sorted(json.load(sys.stdin), key=lambda c: c['Names'][0]):
    if c['Labels'].get('berth.workspace') == '$ws':
        print(c['Names'][0][1:], c['Id'][:12])"
}
cleanup_stack() {	# even when a test failed: nothing of ours stays
	"$BERTH" -C "$dir" -H "$docker_host" down --volumes >/dev/null 2>&1
	stop_dockerd
}
trap cleanup_stack EXIT

berthfile
run b up
ok $rc "up creates the stack (rc=$rc)"
[ $rc -eq 0 ] || echo "$out" | diag
echo "$out" | grep -q "^init *created" && echo "$out" | grep -q "^web *created"
ok $? "up prints one line per service"
[ "$(field "$ws-init-1" "c['State']['Status'], c['State']['ExitCode']")" = "exited 0" ]
ok $? "a job that must complete ran to completion"
[ "$(field "$ws-db-1" "c['State']['Health']['Status']")" = healthy ]
ok $? "db passed its health gate"
api GET "/networks/${ws}_default" | grep -q "\"Name\":\"${ws}_default\""
ok $? "the workspace's network exists"
[ "$(b exec app sh -c 'wget -q -O - http://db:8000/seed')" = seeded ]
ok $? "services resolve each other by name on the workspace's network"

# start order: init finished before db started, db before app, app before web
order=$(for s in init db app web; do
	field "$ws-$s-1" "c['State']['StartedAt'], c['State']['FinishedAt']"
done)
echo "$order" | python3 -c '
import sys
rows = [l.split() for l in sys.stdin.read().splitlines()]
init, db, app, web = rows
assert init[1] <= db[0], "init finished after db started"
assert db[0] < app[0] < web[0], "not in dependency order"
' 2>&1
ok $? "containers started in depends_on order"

port=$(b ps --json | python3 -c '
import json, sys
print([p["host_port"] for r in json.load(sys.stdin) if r["service"] == "web" for p in r["ports"]][0])')
[ "$(curl -s "http://127.0.0.1:$port/")" = hello-from-web ]
ok $? "the published port answers on 127.0.0.1:$port"
b ps | grep -q "^web .*127.0.0.1:$port->80/tcp"
ok $? "ps shows the host port"

before=$(ids)
run b up
after=$(ids)
[ $rc -eq 0 ] && [ "$before" = "$after" ]
ok $? "a second up keeps every container (same IDs)"
! echo "$out" | grep -q "created\|recreated" && echo "$out" | grep -q "^app *unchanged"
ok $? "a second up says every service is unchanged"

# A container run by hand from one of the stack's images has the image's
# workspace label: it is not the stack's, and up leaves it alone.
curl -s --unix-socket "$docker_sock" -X POST -H 'Content-Type: application/json' \
	-d "{\"Image\": \"$ws/img\", \"Cmd\": [\"sleep\", \"600\"]}" \
	"http://d/v1.41/containers/create?name=$ws-byhand" >/dev/null &&
	api POST "/containers/$ws-byhand/start" >/dev/null
run b up
[ $rc -eq 0 ] && [ "$(field "$ws-byhand" "c['State']['Status']")" = running ] &&
	! echo "$out" | grep -q "removed" && ! b ps | grep -q byhand
ok $? "a container run by hand from the stack's image is left alone, and not listed" ||
	diag <<EOF
$out
EOF
api DELETE "/containers/$ws-byhand?force=1" >/dev/null

# A no-op up takes each image's ID from the containers that still run it
# (no lookup): the engine lists a container's image by its reference only
# while the reference names that image. Moved to another image, the
# reference is looked up, and the services on it are to be recreated.
img_id=$(api GET "/images/$ws%2Fimg/json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Id"])')
api POST "/images/berth%2Fbusybox/tag?repo=$ws%2Fimg&tag=latest" >/dev/null
run b plan
api POST "/images/$img_id/tag?repo=$ws%2Fimg&tag=latest" >/dev/null
echo "$out" | grep -q "^db *recreate (image changed)" &&
	echo "$out" | grep -q "^app *recreate (image changed)"
ok $? "a stack's image reference moved to another image: plan sees it" ||
	diag <<EOF
$out
EOF
run b plan
[ $rc -eq 0 ] && ! echo "$out" | grep -q "recreate"
ok $? "... and back on the image its containers run: nothing to do" ||
	diag <<EOF
$out
EOF

berthfile two
run b plan
echo "$out" | grep -q "^app *recreate (environment changed)" &&
	echo "$out" | grep -q "^db *unchanged"
ok $? "plan names the change and its reason"
b plan --json | python3 -c '
import json, sys
p = json.load(sys.stdin)
acts = {c["service"]: c["action"] for c in p["containers"]}
assert acts == {"init": "unchanged", "db": "unchanged", "app": "recreate", "web": "unchanged"}, acts
' 2>&1
ok $? "plan --json gives the same, for scripts"
run b up --dry-run
[ "$(ids)" = "$after" ]
ok $? "up --dry-run changes nothing"
run b up
now=$(ids)
echo "$out" | grep -q "^app *recreated (environment changed)"
ok $? "changing one service's environment recreates it"
[ "$(echo "$now" | grep -v "$ws-app-")" = "$(echo "$after" | grep -v "$ws-app-")" ] &&
	[ "$(echo "$now" | grep "$ws-app-")" != "$(echo "$after" | grep "$ws-app-")" ]
ok $? "... and only it: the other containers keep their IDs"
[ "$(b exec app sh -c 'echo $MODE')" = two ]
ok $? "the new environment is in the container"

berthfile two 3
run b up
[ "$(ids | grep -c "$ws-app-")" -eq 3 ] && echo "$out" | grep -q "^app *created 2, unchanged 1"
ok $? "replicas = 3 runs three containers of app"
[ "$(b exec --replica 3 app sh -c 'echo $MODE')" = two ]
ok $? "exec reaches a given replica"
berthfile two 1
run b up
[ "$(ids | grep -c "$ws-app-")" -eq 1 ] && echo "$out" | grep -q "^app *removed 2"
ok $? "scaling down removes the extra replicas"

# logs -f keeps following across a restart
"$BERTH" -C "$dir" -H "$docker_host" logs -f app >"$scratch/follow" 2>&1 &	# $! is berth's
logs_pid=$!
sleep 1.5
restart_at=$(date +%s)
run b restart app
sleep 2.5
kill "$logs_pid" 2>/dev/null
wait "$logs_pid" 2>/dev/null
[ $rc -eq 0 ] && [ "$(field "$ws-app-1" "c['RestartCount'] + 1 if c['State']['Running'] else 0")" -ge 1 ]
ok $? "restart restarts the service"
awk -v t="$restart_at" '$1 == "app" && $4 > t { n++ } END { exit !(n >= 2) }' "$scratch/follow"
ok $? "logs -f carries on after the restart"
grep -q '^app  *| tick [0-9]' "$scratch/follow"
ok $? "log lines are prefixed with their service"
[ "$(b logs --tail 2 db app | grep -c '^app ')" -eq 2 ] && b logs db | grep -q '^db *| db up'
ok $? "logs --tail N prints N lines per container, merged"

run b exec app sh -c 'exit 5'
ok $(test $rc -eq 5; echo $?) "exec passes the exit code through (got $rc)"
[ "$(echo piped-in | b exec -T app cat)" = piped-in ]
ok $? "exec passes stdin through"
run b exec app
ok $(test $rc -eq 2; echo $?) "exec without a command is a usage error"
run b logs ap
[ $rc -ne 0 ] && echo "$out" | grep -q "did you mean 'app'"
ok $? "a mistyped service name gets the nearest one"

b stop app >/dev/null
[ "$(field "$ws-app-1" "c['State']['Status']")" = exited ]
ok $? "stop stops the service"
run b up
[ "$(field "$ws-app-1" "c['State']['Status']")" = running ] && echo "$out" | grep -q "^app *started (was stopped)"
ok $? "up starts a stopped service again"

berthfile two 1 0
run b up
echo "$out" | grep -q "^web *removed (no longer in the Berthfile)" && ! ids | grep -q "$ws-web-"
ok $? "a service removed from the Berthfile loses its containers"

berthfile two 1 0 1
before=$(ids)
run b up --timeout 60
[ $rc -ne 0 ]
ok $? "up fails when a dependency never gets healthy"
echo "$out" | grep -q "^bad .*unhealthy" && echo "$out" | grep -q "broken-check"
ok $? "the failure names the service and shows its last check"
echo "$out" | grep -q "^needsbad *not started: 'bad' failed" && ! ids | grep -q "$ws-needsbad-"
ok $? "its dependents are not started"
[ "$(ids | grep -v "$ws-bad-")" = "$before" ]
ok $? "the rest of the stack is untouched"
berthfile two 1 0

b exec db sh -c 'echo kept > /store/marker'
run b down
[ $rc -eq 0 ] && [ -z "$(ids)" ] &&
	! api GET "/networks/${ws}_default" | grep -q "\"Name\""
ok $? "down removes the containers and the network"
api GET "/volumes/${ws}_store" | grep -q "\"Name\":\"${ws}_store\""
ok $? "down keeps the named volume"
run b up
[ "$(b exec db cat /store/marker)" = kept ]
ok $? "up after down finds the volume's data"
# The engine paths under valgrind's memcheck (the plain build: the ASan
# build runs LeakSanitizer on all of this already).
for args in "ps --json" "up" "logs --tail 3" "plan --json"; do
	if ! command -v valgrind >/dev/null 2>&1 || ldd "$BERTH" | grep -q libasan; then
		ok 0 "valgrind: $args # SKIP an ASan build, or no valgrind"
		continue
	fi
	# shellcheck disable=SC2086
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --error-exitcode=99 \
		--suppressions="$TOP_SRCDIR/tests/valgrind.supp" \
		"$BERTH" -C "$dir" -H "$docker_host" $args >"$scratch/vg.out" 2>&1
	# 0 and nothing else: 99 is memcheck's finding, above 128 a signal
	rc=$?
	[ $rc -eq 0 ]
	ok $? "valgrind: $args against the engine: exit 0 ($rc), no memory error, no leak" ||
		tail -n 40 "$scratch/vg.out" | diag
done

# The same workspace name in another folder, on the same engine: refused
# before anything changes, and its down never takes the first one's data.
twin="$scratch/twin"
mkdir -p "$twin"
cp -r "$dir/ctx" "$dir/Berthfile" "$twin/"
before=$(ids)
"$BERTH" -C "$twin" -H "$docker_host" up >"$scratch/twin.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "another workspace named '$ws' uses this engine, from $dir" "$scratch/twin.out" &&
	grep -q "rename this one" "$scratch/twin.out"
ok $? "a same-named workspace in another folder is refused, saying whose and what to do"
diag <"$scratch/twin.out"
[ "$(ids)" = "$before" ] && [ "$(b exec db cat /store/marker)" = kept ]
ok $? "and the first one's containers and data are untouched"
"$BERTH" -C "$twin" -H "$docker_host" down --volumes >/dev/null 2>&1
api GET "/volumes/${ws}_store" | grep -q "\"Name\":\"${ws}_store\"" &&
	[ "$(ids)" = "$before" ]
ok $? "its down --volumes leaves the first one's volume and containers"

# An image's VOLUME, with no named volume over it: recreating the service
# keeps that anonymous volume, as compose does (a database keeps its data).
anon="$scratch/anon"
mkdir -p "$anon/ctx"
printf 'FROM berth/busybox\nVOLUME /keep\nSTOPSIGNAL SIGKILL\n' >"$anon/ctx/Dockerfile"
anon_file() {
	cat >"$anon/Berthfile" <<EOF
workspace = "$ws-anon";
stack = { services = (
  { name = "db"; build = "ctx"; image = "$ws/anon";
    command = [ "sleep", "600" ]; environment = { V = "$1"; };
    volumes = [ "/scratchpad" ]; }
); };
EOF
}
anon_file 1
"$BERTH" -C "$anon" -H "$docker_host" up >/dev/null 2>&1 &&
	"$BERTH" -C "$anon" -H "$docker_host" exec db sh -c \
		'echo kept > /keep/marker && echo pad > /scratchpad/marker'
ok $? "a service whose image has a VOLUME, and a mount with no source"
anon_file 2
"$BERTH" -C "$anon" -H "$docker_host" up >"$scratch/anon.out" 2>&1 &&
	grep -q "^db *recreated (environment changed)" "$scratch/anon.out" &&
	[ "$("$BERTH" -C "$anon" -H "$docker_host" exec db cat /keep/marker)" = kept ] &&
	[ "$("$BERTH" -C "$anon" -H "$docker_host" exec db cat /scratchpad/marker)" = pad ]
ok $? "recreated, it keeps both anonymous volumes and their data" ||
	diag <"$scratch/anon.out"
"$BERTH" -C "$anon" -H "$docker_host" down --volumes >/dev/null 2>&1

# A changed service with no published port and no volume is replaced
# start-first: the new container runs and passes its check before the old
# one goes, so a client going through the front end keeps its answers.
sf="$scratch/startfirst"
mkdir -p "$sf"
sf_file() {
	cat >"$sf/Berthfile" <<EOF
workspace = "$ws-sf";
stack = { services = (
  { name = "app"; image = "berth/busybox"; environment = { V = "$1"; };
    command = [ "sh", "-c", "mkdir -p /srv && echo \$V > /srv/v && exec httpd -f -p 8000 -h /srv" ];
    healthcheck = { test = "wget -q -O /dev/null http://localhost:8000/v"; interval = "1s"; retries = 5; }; },
  { name = "web"; image = "berth/busybox"; ports = [ "80" ];
    command = [ "sh", "-c", "mkdir -p /w/cgi-bin && printf '#!/bin/sh\\\\necho\\\\nwget -q -O - http://app:8000/v || echo FAILED\\\\n' > /w/cgi-bin/p && chmod +x /w/cgi-bin/p && exec httpd -f -p 80 -h /w" ];
    depends_on = { app = "healthy"; }; }
); };
EOF
}
sfb() { "$BERTH" -C "$sf" -H "$docker_host" "$@"; }
sf_file one
sfb up >"$scratch/sf.out" 2>&1
sfport=$(sfb ps --json | python3 -c '
import json, sys
print([p["host_port"] for r in json.load(sys.stdin) if r["service"] == "web" for p in r["ports"]][0])' 2>/dev/null)
for _ in $(seq 50); do
	[ "$(curl -s -m 5 "http://127.0.0.1:$sfport/cgi-bin/p")" = one ] && break
	sleep 0.2
done
[ "$(curl -s -m 5 "http://127.0.0.1:$sfport/cgi-bin/p")" = one ]
ok $? "a front end that asks a back end on each request answers" ||
	diag <"$scratch/sf.out"
old=$(field "$ws-sf-app-1" "c['Id']")
rm -f "$scratch/sf.stop"
(while [ -d "$scratch" ] && [ ! -f "$scratch/sf.stop" ]; do
	curl -s -m 10 "http://127.0.0.1:$sfport/cgi-bin/p" || echo CURL-FAILED
	echo
done) >"$scratch/sf.requests" 2>&1 &
loop=$!
sleep 1
sf_file two
sfb up >"$scratch/sf.out" 2>&1
rc=$?
sleep 1
touch "$scratch/sf.stop"
wait $loop
grep -q "^app *recreated (environment changed)" "$scratch/sf.out" && [ $rc -eq 0 ]
ok $? "the changed back end is recreated" || diag <"$scratch/sf.out"
failed=$(grep -c 'FAILED' "$scratch/sf.requests")
hung=$(grep -c 'CURL-FAILED' "$scratch/sf.requests")
total=$(grep -c . "$scratch/sf.requests")
# Both answered at once for a while: a "two" came before the last "one"
# (replaced stop-first, every "one" comes before every "two", with
# failures between). A request the old one was answering, or that found
# its address just as it went, may fail (0-2 of ~50 here, some of them by
# hanging until curl's timeout: "hung"); not one in ten.
overlap=$(awk '/^one$/ { last_one = NR } /^two$/ && !first_two { first_two = NR }
	END { print (first_two && first_two < last_one) ? 1 : 0 }' "$scratch/sf.requests")
[ "$overlap" -eq 1 ] && [ $((failed * 10)) -le "$total" ] && [ "$total" -ge 10 ]
ok $? "replaced start-first: old and new answered side by side; $failed of $total requests failed, $hung hung" ||
	diag <"$scratch/sf.requests"
[ "$(field "$ws-sf-app-1" "c['Id']")" != "$old" ] &&
	! api GET "/containers/$ws-sf-app-1-next/json" | grep -q '"Id"' &&
	! api GET "/containers/$old/json" | grep -q '"Id"'
ok $? "the new container took the name, and the old one is gone"

# An up interrupted between the old one's removal and the new one taking
# its name leaves the new one under its temporary name: the next up names it.
api POST "/containers/$ws-sf-app-1/rename?name=$ws-sf-app-1-next" >/dev/null
sfb up >"$scratch/sf.out" 2>&1 &&
	grep -q "^app *unchanged" "$scratch/sf.out" &&
	[ "$(field "$ws-sf-app-1" "c['State']['Running']")" = True ]
ok $? "a replacement left under its temporary name takes the service's name" ||
	diag <"$scratch/sf.out"
sfb down --volumes >/dev/null 2>&1

# Images are made at once, but one FROM the image of a service listed
# before it waits for that one: the second build sees the first's new
# layer, every time (a race would show the old one now and then).
layers="$scratch/layers"
mkdir -p "$layers/base" "$layers/top" "$layers/side"
printf 'FROM berth/busybox\nCOPY v /v\n' >"$layers/base/Dockerfile"
printf 'FROM %s/base\nRUN cat /v > /seen\nSTOPSIGNAL SIGKILL\n' "$ws" \
	>"$layers/top/Dockerfile"
printf 'FROM berth/busybox\nRUN echo side > /side\nSTOPSIGNAL SIGKILL\n' \
	>"$layers/side/Dockerfile"
cat >"$layers/Berthfile" <<EOF
workspace = "$ws-layers";
stack = { services = (
  { name = "base"; build = "base"; image = "$ws/base"; replicas = 0; },
  { name = "top"; build = "top"; image = "$ws/top"; command = [ "sleep", "600" ]; },
  { name = "side"; build = "side"; image = "$ws/side"; command = [ "sleep", "600" ]; }
); };
EOF
layered=0
for v in one two; do
	echo "$v" >"$layers/base/v"
	"$BERTH" -C "$layers" -H "$docker_host" up >"$scratch/layers.out" 2>&1 &&
		[ "$("$BERTH" -C "$layers" -H "$docker_host" exec top cat /seen)" = "$v" ] &&
		[ "$("$BERTH" -C "$layers" -H "$docker_host" exec side cat /side)" = side ] &&
		layered=$((layered + 1))
done
[ $layered -eq 2 ]
ok $? "builds at once: the one FROM an earlier service's image has its new layer" ||
	diag <"$scratch/layers.out"
grep -q "^base *built" "$scratch/layers.out" &&
	grep -q "^top *built" "$scratch/layers.out"
ok $? "and each image that changed says it was built"
"$BERTH" -C "$layers" -H "$docker_host" down --volumes >/dev/null 2>&1

run b down --volumes
! api GET "/volumes/${ws}_store" | grep -q "\"Name\":\"${ws}_store\""
ok $? "down --volumes removes the named volume"

done_testing
