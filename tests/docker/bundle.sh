#!/bin/sh
# bundle.sh: 'berth bundle' against a private dockerd: a bundle with images
# reproduces the stack after its images are gone from the engine (the same
# image IDs run, nothing is rebuilt), and no key material goes into it.

. "${TOP_SRCDIR}/tests/lib.sh"

[ -x /bin/busybox ] || skip_all "busybox is not installed (busybox-static)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
. "${TOP_SRCDIR}/tests/docker/dockerd.sh"

ws="bbun-$$"
dir="$scratch/ws"
mkdir -p "$dir/ctx" "$dir/.berth"
printf 'FROM berth/busybox\nRUN echo built > /built\nSTOPSIGNAL SIGKILL\n' >"$dir/ctx/Dockerfile"
printf 'GREETING=hello\n' >"$dir/app.env"
cat >"$dir/Berthfile" <<EOF
workspace = "$ws";
stack = { services = (
  { name = "app"; build = "ctx"; image = "$ws/app"; env_file = "app.env";
    command = [ "sh", "-c", "echo \$GREETING from app; exec sleep 86400" ]; }
); };
EOF
# what must never travel: berth keeps keys and seeds in .berth/
printf -- '-----BEGIN PRIVATE KEY-----\nsecret-%s\n' "$$" >"$dir/.berth/id_ed25519"

cleanup_bundle() {
	"$BERTH" -C "$dir" -H "$docker_host" down --volumes >/dev/null 2>&1
	"$BERTH" -C "$scratch/opened" -H "$docker_host" down --volumes >/dev/null 2>&1
	stop_dockerd
}
trap cleanup_bundle EXIT
image_id() { api GET "/containers/$1/json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Image"])'; }

"$BERTH" -C "$dir" -H "$docker_host" up >"$scratch/up.out" 2>&1
ok $? "the stack is up"
built=$(image_id "$ws-app-1")

"$BERTH" -C "$dir" -H "$docker_host" bundle create "$scratch/small.tar.gz" >"$scratch/create.out" 2>&1
ok $? "bundle create"
diag <"$scratch/create.out"
"$BERTH" -C "$dir" -H "$docker_host" bundle create "$scratch/full.tar.gz" --with-images >"$scratch/create.out" 2>&1
ok $? "bundle create --with-images"
diag <"$scratch/create.out"
tar tzf "$scratch/full.tar.gz" >"$scratch/list"
for f in workspace/Berthfile workspace/app.env workspace/ctx/Dockerfile manifest.json ps.json "logs/$ws-app-1.log" images.tar; do
	grep -qx "$f" "$scratch/list"
	ok $? "the bundle holds $f"
done
! grep -q '\.berth' "$scratch/list"
ok $? "nothing of .berth/ is in it"
! tar xzf "$scratch/full.tar.gz" -O | grep -a -q "secret-$$\|PRIVATE KEY"
ok $? "no key material anywhere in it"
tar xzf "$scratch/full.tar.gz" -O "logs/$ws-app-1.log" | grep -q "hello from app"
ok $? "it holds the service's log"
tar xzf "$scratch/full.tar.gz" -O manifest.json | python3 -c "
import json, sys
m = json.load(sys.stdin)
assert m['images'][0]['id'] == '$built', m['images']
assert m['versions']['engine']['api'] and m['versions']['berth'], m['versions']
" 2>&1
ok $? "its manifest names the image ID and the versions"
small=$(stat -c %s "$scratch/small.tar.gz") full=$(stat -c %s "$scratch/full.tar.gz")
[ "$small" -lt "$full" ]
ok $? "without images it is smaller ($small against $full bytes)"
echo "# figure: bundle $small bytes, with images $full bytes"

# the engine loses the stack and its images: only the bundle has them
"$BERTH" -C "$dir" -H "$docker_host" down --volumes >/dev/null 2>&1
api DELETE "/images/$ws/app?force=1" >/dev/null
api DELETE "/images/berth/busybox?force=1" >/dev/null
! api GET "/images/$built/json" | grep -q '"Id"'
ok $? "the image is gone from the engine"

"$BERTH" bundle open "$scratch/full.tar.gz" "$scratch/opened" >"$scratch/open.out" 2>&1
ok $? "bundle open into a new folder"
[ -f "$scratch/opened/Berthfile" ] && [ -f "$scratch/opened/ctx/Dockerfile" ] &&
	[ "$(stat -c %a "$scratch/opened/.berth")" = 700 ]
ok $? "it unpacks the workspace, and keeps the rest in .berth/bundle"
"$BERTH" -C "$scratch/opened" -H "$docker_host" up >"$scratch/up2.out" 2>&1
ok $? "up in the opened folder"
grep -q "loading the bundle's images" "$scratch/up2.out" && ! grep -q building "$scratch/up2.out"
ok $? "it loads the bundled images and builds nothing"
[ "$(image_id "$ws-app-1")" = "$built" ]
ok $? "the same image ID runs"
[ "$("$BERTH" -C "$scratch/opened" -H "$docker_host" exec app cat /built)" = built ]
ok $? "and the service answers"

run "$BERTH" bundle open "$scratch/full.tar.gz" "$scratch/opened"
[ $rc -eq 1 ] && echo "$out" | grep -q "is not empty" &&
	[ -f "$scratch/opened/Berthfile" ]
ok $? "opening over a workspace is refused, and leaves it as it was"
echo "not a bundle" >"$scratch/junk.tar.gz"
run "$BERTH" bundle open "$scratch/junk.tar.gz" "$scratch/junk"
[ $rc -eq 1 ]
ok $? "a file that is not a bundle is refused"

done_testing
