#!/bin/sh
# init.sh: 'berth init' writes valid workspaces from every template and
# never overwrites or half-writes anything.

. "${TOP_SRCDIR}/tests/lib.sh"

run "$BERTH" init --list
ok $rc "init --list exits 0"
printf '%s\n' "$out" | grep -qx blank && printf '%s\n' "$out" | grep -qx demo
ok $? "the templates include blank and demo"

# Every template makes a workspace that validates.
for t in $("$BERTH" init --list); do
	dir="$scratch/My $t"
	run "$BERTH" init --template "$t" "$dir"
	ok $rc "init --template $t exits 0"
	run "$BERTH" -C "$dir" validate
	ok $rc "the $t workspace validates"
	grep -q "^workspace = \"my-$t\";" "$dir/Berthfile"
	ok $? "its name comes from the folder: my-$t"
done

# The demo ships its build contexts, scripts still executable.
demo="$scratch/My demo"
for f in web/Dockerfile app/Dockerfile data/Dockerfile data/kv.cgi; do
	test -f "$demo/$f"
	ok $? "demo has $f"
done
test -x "$demo/data/kv.cgi"
ok $? "demo scripts keep their mode"

# --box and --name are written into the Berthfile.
run "$BERTH" init --template blank --box debian-12-docker --name shop \
	"$scratch/shop"
ok $rc "init with --box and --name"
grep -q '^workspace = "shop";' "$scratch/shop/Berthfile" &&
	grep -q 'box = "debian-12-docker";' "$scratch/shop/Berthfile"
ok $? "both are set"

# It refuses to overwrite, and leaves the file as it was.
before=$(cksum < "$scratch/shop/Berthfile")
run "$BERTH" init "$scratch/shop"
ok $((rc != 1)) "a second init exits 1"
printf '%s\n' "$out" | grep -q "'Berthfile' already exists"
ok $? "and says the Berthfile exists"
[ "$(cksum < "$scratch/shop/Berthfile")" = "$before" ]
ok $? "and the Berthfile is untouched"

# A file of the template in the way: nothing at all is written.
mkdir -p "$scratch/clash/web"
echo mine > "$scratch/clash/web/Dockerfile"
run "$BERTH" init --template demo "$scratch/clash"
ok $((rc != 1)) "init over a clashing file exits 1"
printf '%s\n' "$out" | grep -q "'web/Dockerfile' already exists"
ok $? "and names the clashing file"
[ "$(find "$scratch/clash" -type f | wc -l)" -eq 1 ] &&
	[ ! -e "$scratch/clash/app" ] && [ "$(cat "$scratch/clash/web/Dockerfile")" = mine ]
ok $? "and writes nothing"

run "$BERTH" init --template dmeo "$scratch/typo"
ok $((rc != 1)) "an unknown template exits 1"
printf '%s\n' "$out" | grep -q "did you mean 'demo'?"
ok $? "and suggests the nearest"
[ ! -e "$scratch/typo/Berthfile" ]
ok $? "and writes no Berthfile"

run "$BERTH" init --template ../templates "$scratch/dots"
ok $((rc != 1)) "a template name cannot walk out of templates/"

run "$BERTH" init --name "Bad Name" "$scratch/badname"
ok $((rc != 2)) "a bad --name is a usage error"

run env BERTH_DATADIR="$scratch/nowhere" "$BERTH" init --list
ok $((rc != 1)) "missing templates exit 1"
printf '%s\n' "$out" | grep -q "BERTH_DATADIR"
ok $? "and say where berth looked and what to set"

done_testing
