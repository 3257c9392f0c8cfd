#!/bin/sh
# compose-reference.sh: berth reads each compose file of tests/compose/
# as Debian's docker-compose (1.29) does. Both print the merged,
# interpolated project (docker-compose config, berth config --json), and
# compose-compare.py compares them setting by setting. Where the newer
# specification differs from 1.29 (${VAR:+x}, nested defaults, a long
# port's host_ip), the unit tests check berth instead.

. "${TOP_SRCDIR}/tests/lib.sh"

command -v docker-compose >/dev/null 2>&1 ||
	skip_all "docker-compose is not installed (the reference)"
/usr/bin/python3 -c 'import yaml' 2>/dev/null ||
	skip_all "python3-yaml is not installed"

# the same environment for both: one variable set empty, one set on the
# host and in .env, one that keys without a value take from the host
export SET_EMPTY= IN_BOTH=from-env FROM_HOST=host-value
unset NOT_SET MISSING_ON_HOST TAG COMPOSE_PROFILES COMPOSE_FILE

for dir in "$TOP_SRCDIR"/tests/compose/*/; do
	name=$(basename "$dir")
	cp -r "$dir" "$scratch/$name"
	(cd "$scratch/$name" && docker-compose config) >"$scratch/$name.yaml" 2>"$scratch/$name.err"
	ok $? "docker-compose reads $name" || diag <"$scratch/$name.err"
	(cd "$scratch/$name" && "$BERTH" config --json) >"$scratch/$name.json" 2>"$scratch/$name.err"
	ok $? "berth reads $name" || diag <"$scratch/$name.err"
	/usr/bin/python3 "$TOP_SRCDIR/tests/compose-compare.py" "$scratch/$name.yaml" \
		"$scratch/$name.json" "$scratch/$name" >"$scratch/$name.diff" 2>&1
	ok $? "and understands it as docker-compose does: $name" ||
		diag <"$scratch/$name.diff"
done

done_testing
