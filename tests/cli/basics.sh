#!/bin/sh
# basics.sh: help, version, exit codes and suggestions of the command line.

. "${TOP_SRCDIR}/tests/lib.sh"

run "$BERTH" --help
ok $rc "--help exits 0"
printf '%s\n' "$out" | grep -q '^usage: berth'
ok $? "--help prints the usage"

run "$BERTH"
ok $((rc != 2)) "no command exits 2"

run "$BERTH" --version
ok $rc "--version exits 0"
printf '%s\n' "$out" | grep -Eq '^berth [0-9]+\.[0-9]+\.[0-9]+$'
ok $? "--version prints 'berth X.Y.Z': $out"

run "$BERTH" version --json
ok $rc "version --json exits 0"
printf '%s\n' "$out" | grep -q '"libvirt": "[0-9]' &&
	printf '%s\n' "$out" | grep -q '"libisofs": "[0-9]'
ok $? "version --json names the libraries it runs with"

run "$BERTH" valdiate
ok $((rc != 2)) "an unknown command exits 2"
printf '%s\n' "$out" | grep -q "did you mean 'validate'?"
ok $? "and suggests the nearest one"

run "$BERTH" frobnicate
ok $((rc != 2)) "a far-off command exits 2"
! printf '%s\n' "$out" | grep -q "did you mean"
ok $? "without a wild guess"

run "$BERTH" --bogus
ok $((rc != 2)) "an unknown global option exits 2"

run "$BERTH" -f
ok $((rc != 2)) "a global option without its value exits 2"

# Every command: --help, -h and 'help CMD' agree, and exit 0. A group
# ("box", "snapshot", "bundle") has no options of its own; its subcommands do. They run in a
# workspace, since commands that need one load it first.
"$BERTH" help --commands >"$scratch/commands"
mkdir -p "$scratch/ws"
cp "$TOP_SRCDIR/tests/berthfiles/good/minimal.berth" "$scratch/ws/Berthfile"
cd "$scratch/ws" || exit 1
while read -r cmd; do
	case $cmd in box | snapshot | bundle) continue ;; esac
	# shellcheck disable=SC2086
	run "$BERTH" $cmd --help
	ok $rc "$cmd --help exits 0"
	help=$out
	printf '%s\n' "$help" | grep -q "^usage: berth $cmd"
	ok $? "$cmd --help starts with its usage"
	# shellcheck disable=SC2086
	run "$BERTH" help $cmd
	[ "$out" = "$help" ]
	ok $? "help $cmd is the same text"
	# shellcheck disable=SC2086
	run "$BERTH" $cmd -h
	[ "$out" = "$help" ]
	ok $? "$cmd -h is the same text"
	# shellcheck disable=SC2086
	run "$BERTH" $cmd --no-such-option
	ok $((rc != 2)) "$cmd with an unknown option exits 2"
	printf '%s\n' "$out" | grep -q "unknown option '--no-such-option'"
	ok $? "$cmd names the unknown option"
done <"$scratch/commands"
cd "$TOP_SRCDIR" || exit 1

run "$BERTH" box --help
ok $rc "box --help exits 0"
printf '%s\n' "$out" | grep -q '^  add '
ok $? "and lists its commands"
run "$BERTH" box
ok $((rc != 2)) "box without a command exits 2"
run "$BERTH" box ad
ok $((rc != 2)) "an unknown box command exits 2"
printf '%s\n' "$out" | grep -q "did you mean 'box add'?"
ok $? "and suggests the nearest"

run "$BERTH" help stauts
ok $((rc != 2)) "help of an unknown command exits 2"

# A missing Berthfile is a failure (1), with the next step.
mkdir "$scratch/empty"
run "$BERTH" -C "$scratch/empty" validate
ok $((rc != 1)) "validate with no Berthfile exits 1"
printf '%s\n' "$out" | grep -q "berth init"
ok $? "and says to run 'berth init'"

run "$BERTH" -f "$scratch/nope" validate
ok $((rc != 1)) "-f with a missing file exits 1"
printf '%s\n' "$out" | grep -q "no Berthfile or compose file at '$scratch/nope'"
ok $? "and names the path"

# BERTH_FILE selects the file; -f wins over it.
cp "$TOP_SRCDIR/tests/berthfiles/good/minimal.berth" "$scratch/one.berth"
run env BERTH_FILE="$scratch/one.berth" "$BERTH" -C "$scratch/empty" validate
ok $rc "BERTH_FILE selects the Berthfile"
run env BERTH_FILE="$scratch/nope" "$BERTH" -f "$scratch/one.berth" validate
ok $rc "-f wins over BERTH_FILE"

# From a folder below the workspace, the Berthfile above is found.
cp "$scratch/one.berth" "$scratch/Berthfile"
mkdir -p "$scratch/a/b"
run "$BERTH" -C "$scratch/a/b" validate
ok $rc "a Berthfile in a parent folder is found"

run "$BERTH" -C "$scratch/a/b" validate extra
ok $((rc != 2)) "a stray argument exits 2"

# ssh --node K names a VM of a cluster: past the cluster's count (or in a
# workspace of one VM) it is a usage error, before any VM is looked for.
run "$BERTH" -C "$scratch/a/b" ssh --node 2 -c true
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q "this workspace has one"
ok $? "ssh --node 2 in a workspace of one VM exits 2, saying why" || printf '%s\n' "$out" | diag
mkdir -p "$scratch/cl"
printf 'workspace = "cl";\ncluster = { nodes = 2; };\n' >"$scratch/cl/Berthfile"
run "$BERTH" -C "$scratch/cl" ssh --node 3 -c true
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q "the cluster has 2 VMs"
ok $? "ssh --node 3 in a cluster of two exits 2, saying how many" || printf '%s\n' "$out" | diag

# --profile brings a compose profile's services in, instead of
# COMPOSE_PROFILES; each flag names one.
mkdir -p "$scratch/prof"
cat >"$scratch/prof/compose.yaml" <<'EOF'
services:
  app: { image: "busybox:1.36" }
  debug: { image: "busybox:1.36", profiles: [debug] }
  trace: { image: "busybox:1.36", profiles: [trace] }
EOF
services() { printf '%s\n' "$out" | sed -n 's/^  \([a-z]*\):$/\1/p' | tr '\n' ' '; }
run env -u COMPOSE_PROFILES "$BERTH" -C "$scratch/prof" config
[ $rc -eq 0 ] && [ "$(services)" = "app " ]
ok $? "a profile's services are left out by default ($(services))"
run env COMPOSE_PROFILES=trace "$BERTH" -C "$scratch/prof" --profile debug config
[ $rc -eq 0 ] && [ "$(services)" = "app debug " ]
ok $? "--profile debug brings 'debug' in, instead of COMPOSE_PROFILES ($(services))"
run "$BERTH" -C "$scratch/prof" --profile debug --profile trace config
[ "$(services)" = "app debug trace " ]
ok $? "--profile twice: both ($(services))"
run "$BERTH" -C "$scratch/prof" --profile debug,trace config
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q "repeat it for more"
ok $? "--profile a,b is refused: one name a flag" || printf '%s\n' "$out" | diag

# A Berthfile's stack.profiles, per environment, add to the flags.
cat >"$scratch/prof/Berthfile" <<'EOF'
workspace = "prof";
stack = { compose = [ "compose.yaml" ]; };
environments = {
  dbg = { stack = { profiles = [ "debug" ]; }; };
  bad = { stack = { profiles = [ "de,bug" ]; }; };
};
EOF
run env -u COMPOSE_PROFILES "$BERTH" -C "$scratch/prof" config
[ $rc -eq 0 ] && [ "$(services)" = "app " ]
ok $? "the default environment has no profile on ($(services))"
run "$BERTH" -C "$scratch/prof" -e dbg --profile trace config
[ $rc -eq 0 ] && [ "$(services)" = "app debug trace " ]
ok $? "environment dbg's stack.profiles, and --profile too ($(services))"
run "$BERTH" -C "$scratch/prof" -e bad config
[ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q 'Berthfile:5: stack.profiles: "de,bug" is not a profile name'
ok $? "a bad profile name is refused at its line" || printf '%s\n' "$out" | diag
cat >"$scratch/prof/Berthfile" <<'EOF'
workspace = "prof";
stack = { services = ( { name = "app"; image = "busybox:1.36"; } );
          profiles = [ "debug" ]; };
EOF
run "$BERTH" -C "$scratch/prof" config
[ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q "Berthfile:3: stack.profiles: profiles are compose's"
ok $? "stack.profiles without stack.compose is refused" || printf '%s\n' "$out" | diag
rm "$scratch/prof/Berthfile"

# In an environment, the commands berth suggests name it.
mkdir -p "$scratch/envhint"
printf 'workspace = "envhint";\nvm = { box = "debian-12"; uri = "test:///default"; };\n' \
	>"$scratch/envhint/Berthfile"
run "$BERTH" -C "$scratch/envhint" -e qa ps
[ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q "hint: run 'berth -e qa up' first"
ok $? "a hint in environment qa says 'berth -e qa up'" || printf '%s\n' "$out" | diag
run "$BERTH" -C "$scratch/envhint" ps
[ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q "hint: run 'berth up' first"
ok $? "and in the default one 'berth up'" || printf '%s\n' "$out" | diag

# status says where the VM lives: the libvirt URI and that host's name
# (the test driver's host is this machine)
run "$BERTH" -C "$scratch/envhint" status --json
[ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | python3 -c '
import json, sys
l = json.load(sys.stdin)["libvirt"]
print(l["uri"], l["host"])')" = "test:///default $(hostname)" ]
ok $? "status --json gives the libvirt URI and its host" || printf '%s\n' "$out" | diag
run "$BERTH" -C "$scratch/envhint" status
[ $rc -eq 0 ] && printf '%s\n' "$out" | grep -qx "libvirt    test:///default on $(hostname)"
ok $? "and status says it in a line" || printf '%s\n' "$out" | diag

done_testing
