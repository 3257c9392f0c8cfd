#!/bin/sh
# valgrind.sh: the main CLI paths under valgrind's memcheck: no invalid
# read or write, no use of uninitialised memory, and no definite leak.
# (The sanitizer build runs LeakSanitizer on every test instead; valgrind
# and ASan do not mix, so there this test only says so.)

. "${TOP_SRCDIR}/tests/lib.sh"

if ldd "$BERTH" 2>/dev/null | grep -q libasan; then
	echo "ok 1 # SKIP an ASan build: LeakSanitizer covers it"
	echo "1..1"
	exit 0
fi
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
command -v qemu-img >/dev/null 2>&1 || skip_all "qemu-img is not installed"

export BERTH_HOME="$scratch/home"
ws="$scratch/ws"

# vg DESCRIPTION STATUS CMD...: memcheck clean, and the command exits with
# STATUS: memcheck's own finding is 99, a signal is above 128, and valgrind
# that cannot start is 1 or 127, none of which a passing run gives
vg() {
	desc=$1 want=$2
	shift 2
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --error-exitcode=99 \
		--suppressions="$TOP_SRCDIR/tests/valgrind.supp" \
		"$BERTH" "$@" >"$scratch/vg.out" 2>&1
	rc=$?
	[ $rc -eq "$want" ]
	ok $? "valgrind: $desc (exit $rc, want $want)" ||
		tail -n 40 "$scratch/vg.out" | diag
}

vg "--help" 0 --help
vg "version --json" 0 version --json
vg "init --template demo" 0 init --template demo --name vgdemo "$ws"
vg "validate" 0 -C "$ws" validate
vg "validate a bad Berthfile (the error path)" 1 -f "$TOP_SRCDIR/tests/berthfiles/bad/many-problems.berth" validate
qemu-img create -q -f qcow2 "$scratch/tiny.qcow2" 64M
vg "box add (a qcow2 import)" 0 box add "$scratch/tiny.qcow2" --name tiny --version 1
vg "box list --json" 0 box list --json
sed -i 's|^vm = {|vm = {\n  uri = "test:///default";|' "$ws/Berthfile"
vg "status --json (libvirt's test driver)" 0 -C "$ws" status --json
vg "list --json" 0 -C "$ws" list --json
vg "an unknown command" 2 frobnicate
vg "box remove" 0 box remove tiny --all
# compose files: each feature's project, and one with many problems
for dir in "$TOP_SRCDIR"/tests/compose/*/; do
	vg "config --json of the compose project $(basename "$dir")" 0 \
		-C "$dir" config --json
done
printf 'services:\n  a:\n    image: Bad\n    logging: {}\n    bogus: 1\n    extends: {service: nope}\n    command: "open '"'"'quote"\n' >"$scratch/compose.yaml"
vg "validate a bad compose file (the error path)" 1 -C "$scratch" validate

done_testing
