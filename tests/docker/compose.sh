#!/bin/sh
# compose.sh: a folder with a compose.yaml and no Berthfile, laid out on a
# real dockerd (a private one, see dockerd.sh) with compose's meaning:
# string commands split into words with no shell, ${VAR} from the
# environment and .env, anchors and merge keys, health and completion
# gates, services only on the networks they name, profiles; and a build
# target, a secret, an internal network, a container_name alias, a user,
# a read-only root with a tmpfs, each checked from inside the containers.

. "${TOP_SRCDIR}/tests/lib.sh"

[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
. "${TOP_SRCDIR}/tests/docker/dockerd.sh"

proj="bco-$$"
dir="$scratch/Proj"
. "${TOP_SRCDIR}/tests/compose-project.sh"
compose_project "$dir" "$proj" "key-$$"
# here only: an override file, as compose reads it beside compose.yaml,
# that gives app an external volume someone else made
cat >"$dir/compose.override.yaml" <<EOF
services:
  app:
    volumes: [ "outside:/outside" ]
volumes:
  outside:
    external: true
    name: $proj-ext
EOF

b() { (cd "$dir" && WHO=from-env PLAIN=host-plain "$BERTH" -H "$docker_host" "$@"); }

# field CONTAINER EXPR: a value from the container's inspect (python)
field() {
	api GET "/containers/$1/json" | python3 -c "
import json, sys
c = json.load(sys.stdin)
print($2)" 2>/dev/null
}
cleanup_compose() {	# even when a test failed: nothing of ours stays
	b down --volumes >/dev/null 2>&1
	api DELETE "/volumes/$proj-ext" >/dev/null 2>&1
	stop_dockerd
}
trap cleanup_compose EXIT
curl -s --unix-socket "$docker_sock" -X POST -H 'Content-Type: application/json' \
	-d "{\"Name\": \"$proj-ext\"}" http://d/v1.41/volumes/create >/dev/null

run b validate
[ $rc -eq 0 ] && echo "$out" | grep -q "compose.yaml:.*':z' relabels"
ok $? "validate reads compose.yaml with no Berthfile, and says what :z means here" ||
	echo "$out" | diag

run b up
ok $rc "up lays the project out (rc=$rc)" || echo "$out" | diag
[ "$(field "$proj-seed-1" "c['State']['Status'], c['State']['ExitCode']")" = "exited 0" ]
ok $? "service_completed_successfully: seed ran to completion"
[ "$(field database "c['State']['Health']['Status']")" = healthy ]
ok $? "service_healthy: db passed its gate (its container named 'database', its container_name)"
[ "$(field "$proj-app-1" "c['Config']['Cmd']")" = "['sh', '-c', 'exec sleep 600', '\$WHO']" ]
ok $? "a string command is split into words, quotes grouped, \$\$ kept as one \$, no shell" ||
	field "$proj-app-1" "c['Config']['Cmd']" | diag
env=$(field "$proj-app-1" "sorted(e for e in c['Config']['Env'] if e.split('=')[0] in ('WHO', 'PLAIN'))")
[ "$env" = "['PLAIN=host-plain', 'WHO=from-env']" ]
ok $? "\${WHO}: the environment over .env; a key with no value takes the host's" ||
	echo "$env" | diag
[ "$(field "$proj-app-1" "c['Config']['Image']")" = "$proj/img:v1" ] &&
	[ "$(field "$proj-app-1" "c['Config']['Labels']['tier']")" = backend ]
ok $? "\${TAG} from .env and \${TIER:-backend} in values merged in with <<: *base"
greeting=$(b exec db cat /greeting 2>/dev/null)
[ "$greeting" = hello-arg ]
ok $? "build args are interpolated (\${GREET} from .env's export line)" ||
	echo "$greeting" | diag
[ "$(b exec db cat /store/seed)" = "seeded-$(field "$proj-seed-1" "c['Config']['Hostname']")-ok" ]
ok $? "sh -c '...\$\$HOSTNAME...' reached the shell as \$HOSTNAME"
nets() { field "$1" "' '.join(sorted(c['NetworkSettings']['Networks']))"; }
[ "$(nets database)" = "${proj}_back" ] &&
	[ "$(nets "$proj-app-1")" = "${proj}_back ${proj}_front" ] &&
	[ "$(nets "$proj-web-1")" = "${proj}_front" ]
ok $? "each service is only on the networks it names" ||
	for s in database $proj-app-1 $proj-web-1; do nets "$s"; done | diag
from_web=$(b exec web sh -c 'wget -q -O - http://db:8000/seed' 2>&1)
from_app=$(b exec app sh -c 'wget -q -O - http://db:8000/seed' 2>&1)
[ "${from_web#seeded}" = "$from_web" ] && [ "${from_app#seeded}" != "$from_app" ]
ok $? "so web cannot reach db, and app, on both, can" ||
	printf 'web: %s\napp: %s\n' "$from_web" "$from_app" | diag
port=$(b ps --json | python3 -c '
import json, sys
print([p["host_port"] for r in json.load(sys.stdin) if r["service"] == "web" for p in r["ports"]][0])')
[ "$(curl -s "http://127.0.0.1:$port/")" = compose-site ]
ok $? "the published port answers with the bind-mounted site"
[ -z "$(api GET "/containers/json?all=1" | python3 -c "
import json, sys
print(' '.join(n for c in json.load(sys.stdin) for n in c['Names'] if 'debug' in n))")" ]
ok $? "a service of a profile that is not active is not made"

[ "$(b exec app cat /stage)" = dev ]
ok $? "build.target: the dev stage was built, not the last one"
[ "$(b exec app cat /run/secrets/api_key)" = "key-$$" ]
ok $? "the secret is at /run/secrets/api_key"
[ "$(b exec app id -u)" = 1234 ]
ok $? "user: the process runs as 1234"
b exec app cat /etc/resolv.conf | grep -q "^options.*ndots:3"
ok $? "dns_opt: resolv.conf has ndots:3"
by_name=$(b exec app sh -c 'wget -q -O - http://database:8000/seed' 2>&1)
[ "${by_name#seeded}" != "$by_name" ]
ok $? "container_name: db answers as 'database' too" || echo "$by_name" | diag
by_ip=$(b exec app sh -c 'wget -q -O - http://10.123.45.20:8000/seed' 2>&1)
[ "${by_ip#seeded}" != "$by_ip" ] &&
	[ "$(api GET /networks/${proj}_back | python3 -c 'import json, sys; print(json.load(sys.stdin)["IPAM"]["Config"][0]["Subnet"])')" = 10.123.45.0/24 ]
ok $? "ipv4_address: db is at 10.123.45.20, on back's own subnet" || echo "$by_ip" | diag
internal() {
	api GET "/networks/${proj}_$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Internal"])'
}
[ "$(internal back)" = True ] && [ "$(internal front)" = False ]
ok $? "internal: true makes back an internal network, front is not"
! b exec web sh -c 'touch /nope' 2>/dev/null && b exec web sh -c 'touch /scratch/yes'
ok $? "read_only: the root is read-only, the tmpfs at /scratch is not"
b config --json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)
a = m["services"]["app"]
assert a["command"] == ["sh", "-c", "exec sleep 600", "$WHO"], a["command"]
assert a["run"]["user"] == "1234:1234"
assert m["services"]["seed"]["build"]["target"] == "dev"
assert m["internal_networks"] == ["back"]
assert "debug" not in m["services"]
'
ok $? "config --json shows the model berth lays out"

run b up
[ $rc -eq 0 ] && ! echo "$out" | grep -q "created"
ok $? "a second up changes nothing" || echo "$out" | diag

# a network keeps the subnet it was made with: a new one is refused
sed -i 's|10\.123\.45\.|10.123.46.|g' "$dir/compose.yaml"
run b up
[ $rc -ne 0 ] && echo "$out" | grep -q "was made with subnet 10.123.45.0/24, and the project now gives it 10.123.46.0/24" &&
	echo "$out" | grep -q "berth down" &&
	[ "$(field database "c['State']['Status']")" = running ]
ok $? "a subnet changed under a network made before: up refuses, says how, and db keeps running" ||
	echo "$out" | diag
sed -i 's|10\.123\.46\.|10.123.45.|g' "$dir/compose.yaml"

(cd "$dir" && WHO=from-env PLAIN=host-plain \
	"$BERTH" -H "$docker_host" --profile debug up >"$scratch/up.debug" 2>&1)
ok $? "--profile debug: up" || diag <"$scratch/up.debug"
[ "$(field "$proj-debug-1" "c['State']['Status']")" = running ]
ok $? "brings the debug service in"

# a value compose would refuse is refused, with its line, before anything runs
sed -i 's/WHO: ${WHO}/WHO: ${NOPE:?set NOPE first}/' "$dir/compose.yaml"
run b up
[ $rc -ne 0 ] && echo "$out" | grep -q "compose.yaml:[0-9]*: services.app.environment.WHO: required variable NOPE is not set: set NOPE first"
ok $? "\${NOPE:?msg} unset: up refuses, naming the line and the message" ||
	echo "$out" | diag

sed -i 's/WHO: ${NOPE:?set NOPE first}/WHO: ${WHO}/' "$dir/compose.yaml"
[ "$(field "$proj-app-1" "[m['Name'] for m in c['Mounts'] if m['Destination'] == '/outside'][0]")" = "$proj-ext" ]
ok $? "compose.override.yaml is merged: app mounts the external volume by its name"

run b down --volumes
ok $rc "down --volumes removes the project" || echo "$out" | diag
[ -z "$(api GET "/containers/json?all=1" | python3 -c "
import json, sys
print(' '.join(n for c in json.load(sys.stdin) for n in c['Names'] if '$proj' in n))")" ] &&
	! api GET "/volumes/${proj}_store" | grep -q '"Name"' &&
	api GET "/volumes/$proj-ext" | grep -q "\"Name\":\"$proj-ext\""
ok $? "its containers and volumes are gone, the external volume is not"

done_testing
