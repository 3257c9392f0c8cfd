#!/bin/sh
# box-build.sh: build the debian-12 and debian-12-docker boxes from Debian's
# packages (debootstrap) and boot one under QEMU to a login prompt.
#
# Built boxes are cached outside the repository, in $BERTH_BOX_CACHE
# (default /var/cache/berth), and rebuilt when missing or when a recipe
# changed; the first run takes a few minutes.

. "${TOP_SRCDIR}/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "building boxes needs root"
for tool in debootstrap mkfs.ext4 qemu-img qemu-system-x86_64; do
	command -v $tool >/dev/null 2>&1 || skip_all "$tool is not installed"
done

export BERTH_HOME="${BERTH_BOX_CACHE:-/var/cache/berth}"

for recipe in debian-12 debian-12-docker; do
	start=$(date +%s)
	"$BERTH" box build "$recipe" --reuse >"$scratch/build.out" 2>&1
	ok $? "box build $recipe (or reuse of the cached build)"
	diag <"$scratch/build.out"
	echo "# $recipe: $(($(date +%s) - start)) s"
done

"$BERTH" box list --json >"$scratch/list.json"
python3 - "$scratch/list.json" <<'PY'
import json, sys
boxes = {b["name"]: b for b in json.load(open(sys.argv[1]))}
d, dd = boxes["debian-12"], boxes["debian-12-docker"]
assert d["direct_boot"] and dd["direct_boot"], "direct kernel boot"
assert not d["has_docker"] and dd["has_docker"], "docker only in -docker"
assert d["virtual_size"] == dd["virtual_size"] == 4 << 30, "4 GiB disks"
print(dd["path"])
PY
ok $? "box list shows both, with direct boot, and Docker in debian-12-docker only"

image=$("$BERTH" box list --json | python3 -c 'import json,sys
print([b["path"] for b in json.load(sys.stdin) if b["name"]=="debian-12-docker"][0])')
dir=$(dirname "$image")
qemu-img info "$image" | grep -q '^file format: qcow2'
ok $? "its image is a qcow2"
qemu-img check -q "$image"
ok $? "and a sound one"

# The same box as a Vagrant .box, imported into another store.
"$BERTH" box build debian-12-docker --reuse --output "$scratch/d12.box" >/dev/null 2>&1
ok $? "box build --output writes a .box"
tar tf "$scratch/d12.box" | sort | tr '\n' ' ' | grep -q \
	'Vagrantfile box.img initrd.img metadata.json vmlinuz'
ok $? "holding metadata.json, Vagrantfile, box.img, kernel and initrd"
BERTH_HOME="$scratch/other" "$BERTH" box add "$scratch/d12.box" --name copy >/dev/null 2>&1 &&
	BERTH_HOME="$scratch/other" "$BERTH" box list --json | grep -q '"direct_boot": true'
ok $? "which berth imports with its boot extension"

# Boot it: TCG, the box's own kernel, a throwaway overlay, serial to a file.
qemu-img create -q -f qcow2 -b "$image" -F qcow2 "$scratch/boot.qcow2"
timeout 300 qemu-system-x86_64 -machine q35,accel=tcg -m 1024 -smp 2 \
	-kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 net.ifnames=0" \
	-drive file="$scratch/boot.qcow2",if=virtio \
	-serial file:"$scratch/console.log" -monitor none -display none \
	-nographic -no-reboot >/dev/null 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null; wait $qemu 2>/dev/null; rm -rf "$scratch"' EXIT
start=$(date +%s)
booted=1
while kill -0 $qemu 2>/dev/null && [ $(($(date +%s) - start)) -lt 240 ]; do
	if grep -q 'login:' "$scratch/console.log" 2>/dev/null; then
		booted=0
		break
	fi
	sleep 2
done
ok $booted "the box boots to a login prompt under TCG ($(($(date +%s) - start)) s)"
[ $booted -eq 0 ] || tail -n 30 "$scratch/console.log" | diag
grep -q 'Debian GNU/Linux 12' "$scratch/console.log"
ok $? "and it is Debian 12"
kill $qemu 2>/dev/null
wait $qemu 2>/dev/null

done_testing
