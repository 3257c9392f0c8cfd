#!/bin/sh
# hostile.sh: boxes and bundles as someone else could hand them over, made
# here: link chains that stay inside by their text and leave by resolution,
# '..', absolute paths, hard links, devices, planted store files and
# .berth/ folders, XML in a kernel command line, truncated and oversized
# qcow2 headers, a bundle opened over someone's files, and manifests of
# the wrong shape. Each is refused or bounded with a message, nothing is
# added, and nothing outside changes: a sentinel folder beside the target
# is checksummed (contents, modes, links) before and after every case.

. "${TOP_SRCDIR}/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v qemu-img >/dev/null 2>&1 || skip_all "qemu-img is not installed"

export BERTH_HOME="$scratch/home"
sentinel="$scratch/sentinel"
mkdir -p "$sentinel/sub" "$BERTH_HOME"
echo "the host's own" >"$sentinel/file"
echo "notes" >"$sentinel/sub/notes.txt"
chmod 0755 "$sentinel" "$sentinel/sub"
qemu-img create -q -f qcow2 "$scratch/good.qcow2" 64M
# a disk of the host's: a box whose links lead here would import it
cp "$scratch/good.qcow2" "$sentinel/disk.qcow2"

listing() {	# contents, modes and link targets under the sentinel
	(cd "$sentinel" && find . -printf '%p %m %y %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort)
}
listing >"$scratch/before"
unchanged() { listing | cmp -s - "$scratch/before"; }
boxes() { "$BERTH" box list --json 2>/dev/null | python3 -c \
	'import json,sys; print(len(json.load(sys.stdin)))'; }

# mk KIND OUT [ARGS]: a hostile archive, written by tests/mkhostile.py
mk() { python3 "$TOP_SRCDIR/tests/mkhostile.py" "$@" "$sentinel" "$scratch/good.qcow2"; }

# --- boxes: refused, nothing added, nothing outside touched
for kind in box-link-chain box-any-link box-absolute box-dotdot \
	box-hardlink box-fifo box-device box-subdir box-cmdline-xml; do
	mk "$kind" "$scratch/$kind.box"
	run "$BERTH" box add "$scratch/$kind.box" --name "h-$kind"
	[ "$rc" -eq 1 ] && echo "$out" | grep -q "refused\|never needs\|characters" &&
		[ "$(boxes)" = 0 ] && unchanged
	ok $? "box add refuses $kind, adds nothing, changes nothing outside" ||
		echo "$out" | diag
done
[ -z "$(ls -A "$BERTH_HOME/boxes/.tmp" 2>/dev/null)" ]
ok $? "and leaves no staging behind"

mk box-planted "$scratch/planted.box"
run "$BERTH" box add "$scratch/planted.box" --name planted --version 1
[ "$rc" -eq 0 ] && [ ! -e "$BERTH_HOME/boxes/planted/1/users/evil" ] &&
	[ ! -e "$BERTH_HOME/boxes/planted/1/notes" ] &&
	! "$BERTH" box list --json | grep -q "planted-user"
ok $? "a .box's unknown top-level files are dropped, not kept (no planted users)" ||
	echo "$out" | diag
"$BERTH" box remove planted --all >/dev/null 2>&1

head -c 72 "$scratch/good.qcow2" >"$scratch/short.qcow2"
run "$BERTH" box add "$scratch/short.qcow2" --name short
[ "$rc" -eq 1 ] && echo "$out" | grep -q "qcow2" && [ "$(boxes)" = 0 ]
ok $? "a 72-byte qcow2 header is not an image" || echo "$out" | diag
mk qcow2-huge "$scratch/huge.qcow2"
run "$BERTH" box add "$scratch/huge.qcow2" --name huge
[ "$rc" -eq 1 ] && echo "$out" | grep -q "64 TiB" && [ "$(boxes)" = 0 ]
ok $? "a qcow2 claiming 2^64-1 bytes is refused" || echo "$out" | diag

# --- bundles
for kind in bundle-link-chain bundle-write-through bundle-berth-link \
	bundle-absolute-link bundle-planted-state bundle-dotdot; do
	mk "$kind" "$scratch/$kind.tar.gz"
	run "$BERTH" bundle open "$scratch/$kind.tar.gz" "$scratch/open-$kind"
	[ "$rc" -eq 1 ] && [ ! -e "$scratch/open-$kind" ] && unchanged &&
		[ -z "$(ls -a "$scratch" | grep '^\.berth-bundle')" ]
	ok $? "bundle open refuses $kind, opens nothing, changes nothing outside" ||
		echo "$out" | diag
done

mk bundle-good "$scratch/good.tar.gz"
mkdir -p "$scratch/mine"
echo "my own notes" >"$scratch/mine/notes.txt"
run "$BERTH" bundle open "$scratch/good.tar.gz" "$scratch/mine"
[ "$rc" -eq 1 ] && echo "$out" | grep -q "is not empty" &&
	[ "$(cat "$scratch/mine/notes.txt")" = "my own notes" ] &&
	[ "$(ls -A "$scratch/mine")" = notes.txt ]
ok $? "bundle open into a folder with files refuses, and keeps them as they were" ||
	echo "$out" | diag
mkdir -p "$scratch/empty"
run "$BERTH" bundle open "$scratch/good.tar.gz" "$scratch/empty"
[ "$rc" -eq 0 ] && [ -f "$scratch/empty/Berthfile" ] &&
	[ -f "$scratch/empty/.berth/bundle/manifest.json" ]
ok $? "and opens into an empty one" || echo "$out" | diag

for kind in bundle-box-object bundle-box-number; do
	mk "$kind" "$scratch/$kind.tar.gz"
	run "$BERTH" bundle open "$scratch/$kind.tar.gz" "$scratch/open-$kind"
	[ "$rc" -eq 0 ] && [ -f "$scratch/open-$kind/Berthfile" ] &&
		[ -z "$(ls -a "$scratch" | grep '^\.berth-bundle')" ]
	ok $? "a manifest with $kind opens without the box, no crash" ||
		echo "$out" | diag
done

# a state file from elsewhere must not make another domain this one's
ws="$scratch/planted-ws"
mkdir -p "$ws/.berth"
printf 'workspace = "planted";\nvm = { uri = "test:///default"; };\n' >"$ws/Berthfile"
printf '{"id": "0123abcd", "domain": "test", "ssh_port": 1, "docker_port": 2}\n' \
	>"$ws/.berth/state.json"
run "$BERTH" -C "$ws" status
[ "$rc" -ne 0 ] && echo "$out" | grep -q "not berth's\|another folder's"
ok $? "status refuses a state that names a domain not of this folder" ||
	echo "$out" | diag

# error text from someone else reaches the terminal escaped
mk box-escape-name "$scratch/esc.box"
run "$BERTH" box add "$scratch/esc.box" --name esc
! printf '%s' "$out" | grep -q "$(printf '\033')" && echo "$out" | grep -q '\\x1b'
ok $? "an archive entry's name with ESC is shown as \\x1b, not sent" ||
	echo "$out" | diag

unchanged
ok $? "the sentinel folder is as it was after everything"

done_testing
