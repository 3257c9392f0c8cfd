#!/bin/sh
# box.sh: the box store: import of qcow2 images and Vagrant .box files,
# malicious archives, checksums, downloads that resume, the catalog,
# list, remove, prune, concurrent adds and leftovers.

. "${TOP_SRCDIR}/tests/lib.sh"

for tool in qemu-img python3; do
	command -v $tool >/dev/null 2>&1 || skip_all "$tool is not installed"
done

export BERTH_HOME="$scratch/home"
store="$BERTH_HOME/boxes"
img="$scratch/tiny.qcow2"
qemu-img create -q -f qcow2 "$img" 64M

stray() {	# anything left in staging?
	[ -z "$(ls -A "$store/.tmp" 2>/dev/null)" ]
}

# --- qcow2 images ---------------------------------------------------------
run "$BERTH" box add "$img"
ok $rc "a qcow2 image is added"
printf '%s\n' "$out" | grep -q "added box 'tiny' version '0'"
ok $? "named after the file, version 0"
qemu-img info "$store/tiny/0/box.img" | grep -q 'file format: qcow2'
ok $? "the store holds it as qcow2"

run "$BERTH" box add "$img"
ok $((rc != 1)) "the same name and version again exits 1"
printf '%s\n' "$out" | grep -q "already in the store"
ok $? "and says it is already there"
run "$BERTH" box add "$img" --force
ok $rc "--force replaces it"

qemu-img create -q -f qcow2 -b "$img" -F qcow2 "$scratch/overlay.qcow2"
run "$BERTH" box add "$scratch/overlay.qcow2"
ok $((rc != 1)) "an image with a backing file is refused"
printf '%s\n' "$out" | grep -q "has a backing file"
ok $? "and the reason names it"
[ ! -e "$store/overlay" ] && stray
ok $? "and nothing is left of it"

echo "not an image" >"$scratch/junk.qcow2"
run "$BERTH" box add "$scratch/junk.qcow2"
ok $((rc != 1)) "a file that is neither qcow2 nor a .box is refused"

# --- Vagrant .box files, made the standard way ------------------------------
python3 "$TOP_SRCDIR/tests/mkbox.py" vagrant "$scratch/v.box" "$img"
run "$BERTH" box add "$scratch/v.box" --name vbox --version 1.0
ok $rc "a Vagrant libvirt .box (tar.gz) is added"
[ -f "$store/vbox/1.0/box.img" ] && [ -f "$store/vbox/1.0/Vagrantfile" ]
ok $? "with its image and Vagrantfile"

python3 "$TOP_SRCDIR/tests/mkbox.py" virtualbox "$scratch/vb.box" "$img"
run "$BERTH" box add "$scratch/vb.box"
ok $((rc != 1)) "a VirtualBox .box is refused"
printf '%s\n' "$out" | grep -q "provider 'virtualbox'"
ok $? "and says which provider it is for"

# --- malicious archives: refused by entry, nothing written anywhere --------
for kind in absolute dotdot symlink-abs symlink-up hardlink-out device; do
	python3 "$TOP_SRCDIR/tests/mkbox.py" "$kind" "$scratch/$kind.box" "$img"
	before=$(ls "$store")
	run "$BERTH" box add "$scratch/$kind.box" --name "evil-$kind"
	ok $((rc != 1)) "$kind: refused"
	printf '%s\n' "$out" | grep -q "archive entry '.*' is refused"
	ok $? "$kind: the refused entry is named"
	[ "$(ls "$store")" = "$before" ] && stray
	ok $? "$kind: nothing enters the store"
	[ ! -e /tmp/berth-evil ] && [ ! -e "$scratch/berth-evil" ] &&
		[ ! -e "$store/.tmp/berth-evil" ]
	ok $? "$kind: nothing is written outside"
done

# --- checksums ------------------------------------------------------------
sum=$(sha256sum "$img" | cut -d' ' -f1)
run "$BERTH" box add "$img" --name summed --checksum "sha256:$sum"
ok $rc "a matching checksum is accepted"
bad=0000000000000000000000000000000000000000000000000000000000000000
run "$BERTH" box add "$img" --name wrongsum --checksum "sha256:$bad"
ok $((rc != 1)) "a wrong checksum is refused"
printf '%s\n' "$out" | grep -q "expected sha256:$bad" &&
	printf '%s\n' "$out" | grep -q "got      sha256:$sum"
ok $? "and both digests are shown"
[ ! -e "$store/wrongsum" ] && stray
ok $? "and nothing is added"
run "$BERTH" box add "$img" --name x --checksum nonsense
ok $((rc != 2)) "a malformed --checksum is a usage error"

# --- downloads ------------------------------------------------------------
www="$scratch/www"
mkdir -p "$www"
qemu-img create -q -f qcow2 -o preallocation=full "$www/big.qcow2" 8M
cp "$img" "$www/small.qcow2"
python3 "$TOP_SRCDIR/tests/httpd.py" "$www" "$scratch/port" "$scratch/http.log" \
	--cut-after 1000000 &
httpd=$!
trap 'kill $httpd 2>/dev/null; rm -rf "$scratch"' EXIT
for _ in $(seq 50); do [ -f "$scratch/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$scratch/port")"

run "$BERTH" box add "$url/small.qcow2" --name fetched
ok $rc "a box is downloaded over http"
! printf '%s\n' "$out" | grep -q 'ETA'
ok $? "without a progress bar when stderr is not a terminal"

bigsum=$(sha256sum "$www/big.qcow2" | cut -d' ' -f1)
run "$BERTH" box add "$url/big.qcow2" --name resumed --checksum "sha256:$bigsum"
ok $((rc != 1)) "a dropped connection fails the first download"
printf '%s\n' "$out" | grep -q "run the same command again to resume"
ok $? "and says how to resume"
ls "$store"/.downloads/*.part >/dev/null 2>&1
ok $? "the part already fetched is kept"
run "$BERTH" box add "$url/big.qcow2" --name resumed --checksum "sha256:$bigsum"
ok $rc "the second run completes the download"
grep -q '^/big.qcow2 bytes=1000000-' "$scratch/http.log"
ok $? "by resuming with an HTTP Range request"
[ -z "$(ls -A "$store/.downloads")" ]
ok $? "and the download is cleaned up"

run "$BERTH" box add "$url/missing.qcow2"
ok $((rc != 1)) "a 404 fails"
printf '%s\n' "$out" | grep -q "404"
ok $? "and says so"

# --- the catalog ----------------------------------------------------------
data="$scratch/data"
mkdir -p "$data/boxes/catalog"
cat >"$data/boxes/catalog/test.json" <<JSON
{ "name": "test-cloud", "versions": [
  { "version": "1.0", "providers": [ { "name": "libvirt",
    "url": "$url/small.qcow2", "checksum_type": "sha256", "checksum": "$sum" } ] },
  { "version": "1.2", "providers": [ { "name": "libvirt",
    "url": "$url/small.qcow2", "checksum_type": "sha256", "checksum": "$sum" } ] },
  { "version": "9.0", "providers": [ { "name": "virtualbox",
    "url": "$url/nothing.box" } ] } ] }
JSON
run env BERTH_DATADIR="$data" "$BERTH" box add --list
printf '%s\n' "$out" | grep -q '^test-cloud *1.2 '
ok $? "box add --list shows the newest libvirt version of the catalog"
run env BERTH_DATADIR="$data" "$BERTH" box add test-cloud
ok $rc "a catalog name is added"
[ -f "$store/test-cloud/1.2/box.img" ]
ok $? "as its newest libvirt version"
run env BERTH_DATADIR="$data" "$BERTH" box add test-clod
ok $((rc != 1)) "an unknown name exits 1"
printf '%s\n' "$out" | grep -q "not a file, an http(s) URL, or a box in the catalog"
ok $? "and says what SOURCE can be"
for f in "$TOP_SRCDIR"/boxes/catalog/*.json; do
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
p=d["versions"][0]["providers"][0]
assert p["name"]=="libvirt" and p["url"].startswith("https://") and p["checksum"]' "$f"
	ok $? "shipped catalog entry $(basename "$f") is well formed"
done

# --- list, remove, prune --------------------------------------------------
run "$BERTH" box list --json
ok $rc "box list --json"
printf '%s\n' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin);
assert {b["name"] for b in d} >= {"tiny","vbox","summed","fetched","resumed","test-cloud"}'
ok $? "lists every box added"

"$BERTH" box add "$img" --name multi --version 1 >/dev/null
"$BERTH" box add "$img" --name multi --version 2 >/dev/null
"$BERTH" box add "$img" --name multi --version 10 >/dev/null
run "$BERTH" box remove multi
ok $((rc != 1)) "remove of a box with several versions asks which"
run "$BERTH" box prune
ok $rc "prune"
[ "$(ls "$store/multi")" = 10 ]
ok $? "keeps only the newest version (10 > 2 > 1)"
run "$BERTH" box remove multi
ok $rc "remove"
[ ! -e "$store/multi" ]
ok $? "leaves no folder"
run "$BERTH" box remove nosuch
ok $((rc != 1)) "removing an unknown box exits 1"

# --- leftovers and races --------------------------------------------------
# a crashed add (its PID is gone) leaves staging that the next run removes
mkdir -p "$store/.tmp/999999-crashed/rootfs"
"$BERTH" box list >/dev/null
[ ! -e "$store/.tmp/999999-crashed" ]
ok $? "staging of a dead add is removed on the next run"

qemu-img create -q -f qcow2 -o preallocation=full "$scratch/race.qcow2" 64M
"$BERTH" box add "$scratch/race.qcow2" --name race >"$scratch/r1" 2>&1 &
p1=$!
"$BERTH" box add "$scratch/race.qcow2" --name race >"$scratch/r2" 2>&1 &
p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
[ $((s1 + s2)) -le 1 ] && [ $((s1 * s2)) -eq 0 ]
ok $? "two concurrent adds of one box: at most one fails ($s1, $s2)"
[ $((s1 + s2)) -eq 0 ] || grep -q "already in the store" "$scratch/r1" "$scratch/r2"
ok $? "and the loser says the box is already there"
qemu-img check -q "$store/race/0/box.img" && stray
ok $? "the box in the store is whole, and no staging is left"

# --- a full disk ------------------------------------------------------------
full="$scratch/full"
mkdir -p "$full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=2m tmpfs "$full" 2>/dev/null; then
	trap 'kill $httpd 2>/dev/null; umount "$full" 2>/dev/null; rm -rf "$scratch"' EXIT
	qemu-img create -q -f qcow2 -o preallocation=full "$scratch/8m.qcow2" 8M
	run env BERTH_HOME="$full" "$BERTH" box add "$scratch/8m.qcow2"
	ok $((rc != 1)) "a full store disk fails the add"
	printf '%s\n' "$out" | grep -q "No space left on device" &&
		printf '%s\n' "$out" | grep -q "hint: free some space"
	ok $? "with the reason and what to do"
	[ ! -e "$full/boxes/8m" ] && [ -z "$(ls -A "$full/boxes/.tmp")" ] &&
		[ "$(du -s "$full" | cut -f1)" -lt 64 ]
	ok $? "and nothing partial is left in the store"
	umount "$full"
elif [ "${CI:-}" = true ]; then
	ok 1 "a full store disk: needs root to mount a small tmpfs"
fi

done_testing
